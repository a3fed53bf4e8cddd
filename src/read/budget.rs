//! Reading the budget execution table (预算执行情况) of a self-evaluation or a monitoring form: a
//! header row of columns (年初预算数 · 全年预算数 · 全年执行数 or 1-N月执行数 · 执行率 · 全年预计执行数 ·
//! 分值 · 得分 · 原因) and under it one line per fund source, labelled in a column to the left. Lines the template names fill the model's keys;
//! any other line is kept by its label.

use indexmap::IndexMap;

use super::columns::{ColumnSet, table_rows};
use super::context::FormContext;
use super::grid::{CellValue, Region, a1};
use super::values::{
    Amount, Number, cell_text, inline_text, parse_amount, parse_number, parse_rate,
};
use crate::model::{EvaluationFunds, FundLine, MoneyUnit, WarningCode};
use crate::template::{BudgetColumn, BudgetSpec, any_matches};
use crate::text::clean_block;

/// The budget lines read, and the cell of every figure (keyed as in `Project::cells`, under the
/// section the lines belong to: `evaluation.funds.total.executed`, `monitoring.funds.…`).
#[derive(Debug, Default)]
pub(super) struct BudgetRead {
    pub funds: EvaluationFunds,
    pub other_lines: IndexMap<String, FundLine>,
    pub cells: Vec<(String, String)>,
}

/// Reads the budget table of a self-evaluation or a monitoring form, or `None` when the form has no such header row
/// (one holding at least two of the template's column labels, one of them 全年执行数 or 全年预算数).
pub(super) fn read_budget(
    ctx: &mut FormContext<'_, '_, '_>,
    spec: &BudgetSpec,
    unit: MoneyUnit,
    section: &str,
) -> Option<BudgetRead> {
    let (header_row, columns) = find_header(ctx, spec)?;
    let first_value_col = columns.iter().map(|(_, r)| r.first_col).min()?;
    // The line labels stand left of the figures, starting in the row under the header.
    let line_col = ctx
        .labels
        .iter()
        .filter(|l| l.row > header_row && l.col < first_value_col)
        .find(|l| spec.lines.iter().any(|(_, a)| any_matches(a, &l.folded)))
        .map(|l| l.col)?;
    let grid = ctx.grid;
    let spans: Vec<Region> = columns.iter().map(|(_, r)| *r).collect();
    let mut readers = ColumnSet::new(grid, &spans, header_row + 1);
    let mut read = BudgetRead::default();
    for cells in table_rows(grid, header_row, line_col, ctx.region.last_row) {
        let row = cells[0].row;
        let Some(label_cell) = cells
            .iter()
            .filter(|c| c.col >= line_col && c.col < first_value_col)
            .find(|c| matches!(c.value, CellValue::Text(_)))
        else {
            continue;
        };
        let label = inline_text(&label_cell.value);
        let folded = crate::text::fold_label(&label);
        let key = spec
            .lines
            .iter()
            .find(|(_, aliases)| any_matches(aliases, &folded))
            .map(|(key, _)| *key);
        let path = |column: &str| match key {
            Some(key) => format!("{section}.funds.{key}.{column}"),
            None => format!("{section}.other_lines.{label}.{column}"),
        };
        let mut line = FundLine::default();
        let mut any = false;
        for (index, value, region) in readers.values(row, cells) {
            let cell = a1(region.first_row, region.first_col);
            let column = columns[index].0;
            let name = column_name(column);
            if fill(ctx, &mut line, column, value, unit, &label, &cell) {
                any = true;
                read.cells.push((path(name), cell));
            }
        }
        if !any {
            continue;
        }
        match key {
            Some(key) => {
                if let Some(slot) = read.funds.slot_mut(key)
                    && slot.is_none()
                {
                    *slot = Some(line);
                }
            }
            None => {
                read.other_lines.entry(label).or_insert(line);
            }
        }
    }
    Some(read)
}

/// The header row: the first row holding two or more column labels, one of them the 全年预算数 or
/// 全年执行数 column (so an indicator header's 分值 / 得分 never passes for it).
fn find_header(
    ctx: &FormContext<'_, '_, '_>,
    spec: &BudgetSpec,
) -> Option<(u32, Vec<(BudgetColumn, Region)>)> {
    let mut rows = ctx.labels.chunk_by(|a, b| a.row == b.row);
    rows.find_map(|row_labels| {
        let mut columns: Vec<(BudgetColumn, Region)> = Vec::new();
        for label in row_labels {
            let Some((column, _)) = spec
                .columns
                .iter()
                .find(|(_, aliases)| any_matches(aliases, &label.folded))
            else {
                continue;
            };
            if columns.iter().all(|(c, _)| c != column) {
                columns.push((*column, ctx.grid.region(label.row, label.col)));
            }
        }
        let anchored = columns
            .iter()
            .any(|(c, _)| matches!(c, BudgetColumn::Adjusted | BudgetColumn::Executed));
        (columns.len() >= 2 && anchored).then(|| {
            columns.sort_by_key(|(_, r)| r.first_col);
            (row_labels[0].row, columns)
        })
    })
}

fn column_name(column: BudgetColumn) -> &'static str {
    match column {
        BudgetColumn::Initial => "initial",
        BudgetColumn::Adjusted => "adjusted",
        BudgetColumn::Executed => "executed",
        BudgetColumn::Expected => "expected",
        BudgetColumn::Rate => "rate",
        BudgetColumn::Weight => "weight",
        BudgetColumn::Score => "score",
        BudgetColumn::Reason => "reason",
    }
}

/// Puts one figure into its line; true when the cell held one. Unreadable figures are warned of.
fn fill(
    ctx: &mut FormContext<'_, '_, '_>,
    line: &mut FundLine,
    column: BudgetColumn,
    value: &CellValue,
    unit: MoneyUnit,
    label: &str,
    cell: &str,
) -> bool {
    let written = || cell_text(value);
    let mut warn = |code, what: &str| {
        let message = format!("“{label}”的{what}不是数字：{}", written());
        ctx.warn(code, message, Some(cell.to_owned()));
    };
    match column {
        BudgetColumn::Initial
        | BudgetColumn::Adjusted
        | BudgetColumn::Executed
        | BudgetColumn::Expected => {
            let slot = match column {
                BudgetColumn::Initial => &mut line.initial,
                BudgetColumn::Adjusted => &mut line.adjusted,
                BudgetColumn::Expected => &mut line.expected,
                _ => &mut line.executed,
            };
            match parse_amount(Some(value), unit) {
                Amount::Value(amount) => *slot = Some(amount),
                Amount::Blank => return false,
                Amount::Invalid => {
                    warn(WarningCode::UnparsedAmount, "金额");
                    return false;
                }
            }
        }
        BudgetColumn::Weight | BudgetColumn::Score => {
            let slot = if column == BudgetColumn::Weight {
                &mut line.weight
            } else {
                &mut line.score
            };
            match parse_number(Some(value)) {
                Number::Value(number) => *slot = Some(number),
                Number::Blank => return false,
                Number::Invalid => {
                    warn(WarningCode::UnparsedNumber, column_label(column));
                    return false;
                }
            }
        }
        BudgetColumn::Rate => match parse_rate(Some(value)) {
            Some(Ok(rate)) => line.rate = Some(rate),
            None => return false,
            Some(Err(_)) => {
                warn(WarningCode::UnparsedNumber, "执行率");
                return false;
            }
        },
        BudgetColumn::Reason => {
            let text = clean_block(&written());
            if text.is_empty() {
                return false;
            }
            line.reason = text;
        }
    }
    true
}

fn column_label(column: BudgetColumn) -> &'static str {
    match column {
        BudgetColumn::Weight => "分值",
        BudgetColumn::Score => "得分",
        _ => "数值",
    }
}
