//! Reading a department's task table (年度主要任务 / 年度重点工作任务): the header row found by its
//! 任务名称 label (with a second header row where the amount splits into 总额 / 财政拨款 / 其他资金),
//! then one task per row until the 金额合计 row or the next section of the form. Amounts are exact
//! 万元 ("120万元" written as text is read as an amount); tasks that do not add up to the 金额合计
//! row are warned of.

use rust_decimal::Decimal;

use super::context::FormContext;
use super::grid::{CellValue, Region, a1};
use super::values::{Amount, inline_text, parse_amount};
use crate::model::{MoneyUnit, Task, WarningCode};
use crate::template::{TaskColumn, TasksSpec, any_matches};

/// The tasks read, the 金额合计 row (total, fiscal, other) with its cell, and the cells read.
#[derive(Debug, Default)]
pub(super) struct TasksRead {
    pub tasks: Vec<Task>,
    pub total_row: Option<([Option<Decimal>; 3], String)>,
}

/// Reads the task table, or `None` when the form has none.
pub(super) fn read_tasks(
    ctx: &mut FormContext<'_, '_, '_>,
    spec: &TasksSpec,
    unit: MoneyUnit,
) -> Option<TasksRead> {
    let (header_row, body_row, columns) = find_header(ctx, spec)?;
    let name_region = columns
        .iter()
        .find(|(c, _, _)| *c == TaskColumn::Name)
        .map(|(_, r, _)| *r)?;
    let grid = ctx.grid;
    let mut read = TasksRead::default();
    let last = ctx.region.last_row;
    let mut row = body_row;
    while row <= last {
        let cells = grid.rows(row, row);
        // A label left of the table starting in this row opens the next section.
        let new_section = cells.iter().any(|c| {
            c.col < name_region.first_col
                && matches!(&c.value, CellValue::Text(t) if !t.trim().is_empty())
                && grid.region(c.row, c.col).first_row == row
        });
        if new_section && row > body_row.max(header_row + 1) {
            break;
        }
        let value = |column: TaskColumn| -> Option<(&CellValue, Region)> {
            let (_, span, _) = columns.iter().find(|(c, _, _)| *c == column)?;
            let region = grid.region(row, span.first_col);
            if region.first_row != row && column == TaskColumn::Name {
                return None;
            }
            grid.raw(region.first_row, region.first_col)
                .map(|v| (v, region))
        };
        let text = |column: TaskColumn| {
            value(column)
                .map(|(v, _)| inline_text(v))
                .unwrap_or_default()
        };
        let name = text(TaskColumn::Name);
        let folded = crate::text::fold_label(&name);
        let amounts: Vec<(TaskColumn, Option<Decimal>, Option<String>)> =
            [TaskColumn::Total, TaskColumn::Fiscal, TaskColumn::Other]
                .into_iter()
                .map(|column| {
                    let Some((v, region)) = value(column) else {
                        return (column, None, None);
                    };
                    let cell = a1(region.first_row, region.first_col);
                    let header_unit = columns
                        .iter()
                        .find(|(c, _, _)| *c == column)
                        .map_or(unit, |(_, _, u)| *u);
                    match parse_amount(Some(v), header_unit) {
                        Amount::Value(amount) => (column, Some(amount), Some(cell)),
                        Amount::Blank => (column, None, None),
                        Amount::Invalid => {
                            let message = format!("任务“{name}”的金额不是数字：{}", inline_text(v));
                            ctx.warn(WarningCode::UnparsedAmount, message, Some(cell));
                            (column, None, None)
                        }
                    }
                })
                .collect();
        let amount = |column: TaskColumn| {
            amounts
                .iter()
                .find(|(c, _, _)| *c == column)
                .and_then(|a| a.1)
        };
        if any_matches(&spec.total_row, &folded) {
            let cell = a1(row, name_region.first_col);
            read.total_row = Some((
                [
                    amount(TaskColumn::Total),
                    amount(TaskColumn::Fiscal),
                    amount(TaskColumn::Other),
                ],
                cell,
            ));
            break;
        }
        let content = text(TaskColumn::Content);
        if !name.is_empty() || !content.is_empty() {
            read.tasks.push(Task {
                name,
                content,
                total: amount(TaskColumn::Total),
                fiscal: amount(TaskColumn::Fiscal),
                other: amount(TaskColumn::Other),
                goal: text(TaskColumn::Goal),
                cell: a1(row, name_region.first_col),
            });
        }
        row += 1;
    }
    check_total(ctx, &read);
    Some(read)
}

/// The header: the first row with a 任务名称 label and another of the table's columns, that row's
/// columns and those of the row under it (where the amount splits), each with the unit its header
/// names; and the first row of tasks.
#[allow(clippy::type_complexity)]
fn find_header(
    ctx: &FormContext<'_, '_, '_>,
    spec: &TasksSpec,
) -> Option<(u32, u32, Vec<(TaskColumn, Region, MoneyUnit)>)> {
    let column_of = |folded: &str| {
        spec.columns
            .iter()
            .find(|(_, aliases)| any_matches(aliases, folded))
            .map(|(c, _)| *c)
    };
    let unit_of = |folded: &str, fallback: MoneyUnit| {
        if folded.contains("万元") {
            MoneyUnit::Wan
        } else if folded.contains('元') {
            MoneyUnit::Yuan
        } else {
            fallback
        }
    };
    let names = ctx
        .labels
        .iter()
        .filter(|l| column_of(&l.folded) == Some(TaskColumn::Name));
    for name in names {
        let row_labels = super::locate::labels_in(ctx.labels, name.row, name.row + 1);
        let mut columns: Vec<(TaskColumn, Region, MoneyUnit)> = Vec::new();
        let mut body = name.row + 1;
        let mut header_unit = ctx.template.money_unit;
        // Header row first, then the row under it (a sub-header replaces its parent's amount).
        for label in row_labels.iter().filter(|l| l.col >= name.col) {
            let Some(column) = column_of(&label.folded) else {
                continue;
            };
            let region = ctx.grid.region(label.row, label.col);
            if label.row == name.row {
                header_unit = unit_of(&label.folded, header_unit);
            } else {
                body = name.row + 2;
            }
            let unit = unit_of(&label.folded, header_unit);
            match columns.iter_mut().find(|(c, _, _)| *c == column) {
                Some(slot) if label.row > name.row => *slot = (column, region, unit),
                Some(_) => {}
                None => columns.push((column, region, unit)),
            }
        }
        let has_more = columns.iter().any(|(c, _, _)| *c != TaskColumn::Name);
        if has_more {
            // The header's own merged cells (a name label over two rows) start the body below them.
            let name_region = ctx.grid.region(name.row, name.col);
            return Some((name.row, body.max(name_region.last_row + 1), columns));
        }
    }
    None
}

/// Warns when the tasks do not add up to the 金额合计 row.
fn check_total(ctx: &mut FormContext<'_, '_, '_>, read: &TasksRead) {
    let Some((written, cell)) = &read.total_row else {
        return;
    };
    type Part = fn(&Task) -> Option<Decimal>;
    let sums: [(&str, Option<Decimal>, Part); 3] = [
        ("总额", written[0], |t| t.total),
        ("财政拨款", written[1], |t| t.fiscal),
        ("其他资金", written[2], |t| t.other),
    ];
    for (label, written, get) in sums {
        let Some(written) = written else { continue };
        let parts: Vec<Decimal> = read.tasks.iter().filter_map(get).collect();
        if parts.is_empty() {
            continue;
        }
        let sum: Decimal = parts.iter().sum();
        if sum != written {
            let message = format!(
                "年度主要任务的{label}相加为 {} 万元，而金额合计写作 {} 万元",
                sum.normalize(),
                written.normalize()
            );
            ctx.warn(WarningCode::TaskTotalMismatch, message, Some(cell.clone()));
        }
    }
}
