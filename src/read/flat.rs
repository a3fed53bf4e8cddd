//! Reading a flat export of the budget system (a template with `[flat]`): the header row found
//! near the top of a sheet by its column families, then every row under it, grouped into one
//! record per project — by 项目编码, or by 项目名称 + 单位 where there is no code column — each
//! indicator with its own row as its cell. Amounts repeated on every row of a project are taken
//! once (a repeat that differs is a warning); a row that leaves the project columns blank (merged,
//! or written only on a project's first row) belongs to the project above it.

use std::collections::HashMap;

use indexmap::IndexMap;
use rust_decimal::Decimal;

use super::grid::{CellValue, Grid, a1};
use super::limits::{Deadline, over_limit};
use super::locate::{LabelCell, labels_in};
use super::values::{
    Amount, Number, cell_text, find_through_month, find_year, inline_text, parse_amount,
    parse_number, parse_rate,
};
use crate::error::ErrorKind;
use crate::model::{
    Block, Evaluation, FormKind, FundKind, FundLine, Indicator, MoneyUnit, Monitoring, Project,
    Source, Warning, WarningCode,
};
use crate::template::{FlatColumn, FlatSpec, Template, TemplateSet};
use crate::text::clean_block;

/// More indicator rows than one project of an export has.
const MAX_ROWS_PER_PROJECT: usize = 10_000;

/// A flat header row: its template, row and the column of each family.
pub(super) struct FlatHeader<'t> {
    template: &'t Template,
    row: u32,
    first_col: u32,
    /// (column, family, unit of an amount column), by column.
    columns: Vec<(u32, FlatColumn, MoneyUnit)>,
}

impl FlatHeader<'_> {
    fn col(&self, family: FlatColumn) -> Option<(u32, MoneyUnit)> {
        self.columns
            .iter()
            .find(|(_, f, _)| *f == family)
            .map(|(col, _, unit)| (*col, *unit))
    }

    /// The kind of the records: a target export becomes a self-evaluation one when it has
    /// 实际完成值 or 得分 columns.
    fn kind(&self) -> FormKind {
        let evaluation = self.columns.iter().any(|(_, f, _)| f.of_evaluation());
        if self.template.kind == FormKind::Target && evaluation {
            FormKind::SelfEvaluation
        } else {
            self.template.kind
        }
    }
}

/// The header row of a flat export near the top of a sheet, if a flat template finds one: the
/// first row holding every family its template requires. Only rows where a required family's
/// label stands as written are looked at closely (every sheet's top rows pass through here).
pub(super) fn find_header<'t>(
    labels: &[LabelCell<'_>],
    templates: &'t TemplateSet,
) -> Option<FlatHeader<'t>> {
    for template in templates.iter() {
        let Some(spec) = &template.flat else {
            continue;
        };
        let within = &labels[..labels.partition_point(|l| l.row < spec.header_within)];
        let mut rows: Vec<u32> = within
            .iter()
            .filter(|l| !spec.anchored() || spec.anchors(&l.folded))
            .map(|l| l.row)
            .collect();
        rows.dedup();
        for row in rows {
            let columns = header_columns(spec, template, labels_in(within, row, row));
            if spec
                .required
                .iter()
                .all(|need| columns.iter().any(|(_, f, _)| f == need))
            {
                let first_col = columns.iter().map(|(c, _, _)| *c).min().unwrap_or(0);
                return Some(FlatHeader {
                    template,
                    row,
                    first_col,
                    columns,
                });
            }
        }
    }
    None
}

/// The families one row's labels name, each once (its first column), with an amount column's
/// unit ("(元)" in its header).
fn header_columns(
    spec: &FlatSpec,
    template: &Template,
    row: &[LabelCell<'_>],
) -> Vec<(u32, FlatColumn, MoneyUnit)> {
    let mut columns: Vec<(u32, FlatColumn, MoneyUnit)> = Vec::new();
    for label in row {
        let Some(family) = spec.column_of(&label.folded) else {
            continue;
        };
        if columns.iter().any(|(_, f, _)| *f == family) {
            continue;
        }
        let unit = if label.folded.contains("万元") {
            MoneyUnit::Wan
        } else if label.folded.contains('元') {
            MoneyUnit::Yuan
        } else {
            template.money_unit
        };
        columns.push((label.col, family, unit));
    }
    columns
}

/// One project's rows as they are read.
struct Gathering {
    project: Project,
    first_row: u32,
    last_row: u32,
    /// The first amount read per amount column, with its cell, to compare repeats against.
    amounts: Vec<(FlatColumn, Decimal, String)>,
}

/// Reads every project of a flat sheet, handing each to `out` as soon as no later row can add
/// to it — in the order of their first rows, as they would be listed had the sheet been read
/// whole — so that a long export never holds all its projects at once. A first pass over the
/// rows finds each project's last row (rows of one project need not be adjacent); returns how
/// many projects were handed out.
pub(super) fn read_flat(
    grid: &Grid,
    header: &FlatHeader<'_>,
    source: &Source,
    deadline: &Deadline,
    out: &mut dyn FnMut(Project),
) -> Result<usize, ErrorKind> {
    let kind = header.kind();
    let above = grid.rows(0, header.row.saturating_sub(1));
    let title_year = above.iter().find_map(|cell| match &cell.value {
        CellValue::Text(text) => find_year(text),
        _ => None,
    });
    // A monitoring export states its month above the header (监控期间：…—2025年7月31日) or in
    // its headers (截至7月底执行数).
    let through_month = (kind == FormKind::Monitoring)
        .then(|| {
            above
                .iter()
                .chain(grid.rows(header.row, header.row))
                .find_map(|cell| match &cell.value {
                    CellValue::Text(text) => find_through_month(text),
                    _ => None,
                })
        })
        .flatten();
    let value = |row: u32, family: FlatColumn| -> Option<&CellValue> {
        let (col, _) = header.col(family)?;
        let region = grid.region(row, col);
        grid.raw(region.first_row, region.first_col)
    };
    let text = |row: u32, family: FlatColumn| -> String {
        value(row, family).map(inline_text).unwrap_or_default()
    };
    // Each project's last row, by its key.
    let mut last_rows: HashMap<String, u32> = HashMap::new();
    let mut previous: Option<String> = None;
    for (i, row) in data_rows(grid, header.row).enumerate() {
        if i.is_multiple_of(1024) {
            deadline.check()?;
        }
        if let Some(key) = row_key(row, &text, &mut previous) {
            last_rows.insert(key, row);
        }
    }
    let mut open: IndexMap<String, Gathering> = IndexMap::new();
    let mut handed = 0;
    let mut previous: Option<String> = None;
    for (i, row) in data_rows(grid, header.row).enumerate() {
        if i.is_multiple_of(1024) {
            deadline.check()?;
        }
        let Some(key) = row_key(row, &text, &mut previous) else {
            continue;
        };
        let gathering = open.entry(key).or_insert_with(|| Gathering {
            project: Project {
                kind,
                source: Source {
                    cell: a1(row, header.first_col),
                    ..source.clone()
                },
                template: header.template.id.clone(),
                evaluation: (kind == FormKind::SelfEvaluation).then(Evaluation::default),
                monitoring: (kind == FormKind::Monitoring).then(|| Monitoring {
                    through_month,
                    ..Monitoring::default()
                }),
                ..Project::default()
            },
            first_row: row,
            last_row: row,
            amounts: Vec::new(),
        });
        gathering.last_row = row;
        fill_identity(gathering, header, row, &text, value, title_year);
        read_amounts(gathering, header, row, value);
        if gathering.project.monitoring.is_some() {
            read_monitoring(gathering, header, row, &text, value);
        }
        if !text(row, FlatColumn::Level3).is_empty() || !text(row, FlatColumn::Value).is_empty() {
            if gathering.project.indicators.len() >= MAX_ROWS_PER_PROJECT {
                return Err(over_limit(
                    &format!("工作表“{}”中一个项目的指标行数", source.sheet),
                    format!("{MAX_ROWS_PER_PROJECT} 行以上"),
                    format!("{MAX_ROWS_PER_PROJECT} 行"),
                    None,
                ));
            }
            let indicator = read_indicator(header, row, &text, value, &mut gathering.project);
            gathering.project.indicators.push(indicator);
        }
        // The projects in front whose last row has passed are complete.
        while let Some((key, _)) = open.first()
            && last_rows.get(key).is_none_or(|&last| last <= row)
        {
            if let Some((_, g)) = open.shift_remove_index(0) {
                out(finish(g, header));
                handed += 1;
            }
        }
    }
    for (_, g) in open {
        out(finish(g, header));
        handed += 1;
    }
    Ok(handed)
}

/// The rows under the header that hold any cell, in order.
fn data_rows(grid: &Grid, header_row: u32) -> impl Iterator<Item = u32> + '_ {
    let cells = grid.cells();
    let start = cells.partition_point(|c| c.row <= header_row);
    let mut last = None;
    cells[start..].iter().filter_map(move |cell| {
        if last == Some(cell.row) {
            return None;
        }
        last = Some(cell.row);
        last
    })
}

/// The project a row belongs to: its code, else its name and unit, else (a row that leaves the
/// project columns blank) the project above; `None` for a row with neither an indicator nor a
/// project name.
fn row_key(
    row: u32,
    text: &impl Fn(u32, FlatColumn) -> String,
    previous: &mut Option<String>,
) -> Option<String> {
    let code = text(row, FlatColumn::ProjectCode);
    let name = text(row, FlatColumn::ProjectName);
    let key = if !code.is_empty() {
        Some(format!("code:{code}"))
    } else if !name.is_empty() {
        let unit = text(row, FlatColumn::ImplementingUnit);
        Some(format!("name:{name}\u{1f}{unit}"))
    } else {
        None
    };
    let blank = name.is_empty()
        && text(row, FlatColumn::Level3).is_empty()
        && text(row, FlatColumn::Value).is_empty();
    match key.or_else(|| previous.clone()) {
        Some(key) if !blank => {
            *previous = Some(key.clone());
            Some(key)
        }
        _ => None,
    }
}

/// A project whose rows are all read: its row range, and the warnings only the whole can tell.
fn finish(mut g: Gathering, header: &FlatHeader<'_>) -> Project {
    let range = format!(
        "{}:{}",
        a1(g.first_row, header.first_col),
        a1(
            g.last_row,
            header.columns.iter().map(|c| c.0).max().unwrap_or(0)
        )
    );
    g.project.cells.insert("rows".into(), range);
    if g.project
        .monitoring
        .as_ref()
        .is_some_and(|m| m.through_month.is_none())
    {
        g.project.warnings.push(Warning {
            code: WarningCode::MissingField,
            message: "表头上方和表头都没有写明监控截至的月份（如“1-7月”），无法计算序时进度".into(),
            cell: Some(a1(header.row, header.first_col)),
        });
    }
    if g.project.year.is_none() {
        g.project.warnings.push(Warning {
            code: WarningCode::MissingYear,
            message: "导出表中没有年度列，表头上方也没有写明年度".into(),
            cell: Some(a1(header.row, header.first_col)),
        });
    }
    g.project
}

/// The project's identity from its first row that has it (codes split off "code-name" names by
/// the normalizer).
fn fill_identity<'g>(
    g: &mut Gathering,
    header: &FlatHeader<'_>,
    row: u32,
    text: &impl Fn(u32, FlatColumn) -> String,
    value: impl Fn(u32, FlatColumn) -> Option<&'g CellValue>,
    title_year: Option<i32>,
) {
    let p = &mut g.project;
    let mut set = |slot: &mut String, family: FlatColumn, key: &str| {
        if slot.is_empty() {
            let found = text(row, family);
            if !found.is_empty() {
                *slot = found;
                if let Some((col, _)) = header.col(family) {
                    p.cells.insert(key.to_owned(), a1(row, col));
                }
            }
        }
    };
    set(&mut p.project_name, FlatColumn::ProjectName, "project_name");
    set(&mut p.department, FlatColumn::Department, "department");
    set(
        &mut p.implementing_unit,
        FlatColumn::ImplementingUnit,
        "implementing_unit",
    );
    let optional = |slot: &mut Option<String>, family: FlatColumn| {
        if slot.is_none() {
            *slot = Some(text(row, family)).filter(|t| !t.is_empty());
        }
    };
    optional(&mut p.project_code, FlatColumn::ProjectCode);
    optional(&mut p.department_code, FlatColumn::DepartmentCode);
    optional(
        &mut p.implementing_unit_code,
        FlatColumn::ImplementingUnitCode,
    );
    if p.year.is_none() {
        p.year = value(row, FlatColumn::Year)
            .and_then(|v| match v {
                CellValue::Number(n) if n.fract() == 0.0 && (1000.0..10000.0).contains(n) => {
                    Some(*n as i32)
                }
                other => find_year(&inline_text(other)),
            })
            .or(title_year);
    }
}

/// The amounts of a row: the first of each kind is the project's, a differing repeat a warning.
fn read_amounts<'g>(
    g: &mut Gathering,
    header: &FlatHeader<'_>,
    row: u32,
    value: impl Fn(u32, FlatColumn) -> Option<&'g CellValue>,
) {
    let lines = [
        (
            FlatColumn::Total,
            [FundKind::Total, FundKind::AnnualTotal],
            "资金总额",
        ),
        (
            FlatColumn::Fiscal,
            [FundKind::Fiscal, FundKind::Appropriation],
            "财政资金",
        ),
        (
            FlatColumn::Other,
            [FundKind::Other, FundKind::AnnualOther],
            "其他资金",
        ),
    ];
    for (family, kinds, label) in lines {
        let Some((col, unit)) = header.col(family) else {
            continue;
        };
        let cell = a1(row, col);
        let amount = match parse_amount(value(row, family), unit) {
            Amount::Value(amount) => amount,
            Amount::Blank => continue,
            Amount::Invalid => {
                g.project.warnings.push(Warning {
                    code: WarningCode::UnparsedAmount,
                    message: format!("“{label}”不是金额"),
                    cell: Some(cell),
                });
                continue;
            }
        };
        if first_of_repeats(g, family, amount, &cell, label) {
            for kind in kinds {
                g.project.funds.set(kind, Some(amount));
                g.project
                    .cells
                    .insert(format!("funds.{}", kind.name()), cell.clone());
            }
        }
    }
}

/// True for the first amount of a column in a project's rows; a later one that differs is
/// warned of (the first counts).
fn first_of_repeats(
    g: &mut Gathering,
    family: FlatColumn,
    amount: Decimal,
    cell: &str,
    label: &str,
) -> bool {
    match g.amounts.iter().find(|(f, _, _)| *f == family) {
        None => {
            g.amounts.push((family, amount, cell.to_owned()));
            true
        }
        Some((_, first, first_cell)) => {
            if *first != amount {
                let message = format!(
                    "同一项目各行的“{label}”不一致：{first_cell} 为 {first}，此处为 {amount}；按第一行计"
                );
                g.project.warnings.push(Warning {
                    code: WarningCode::RepeatedValueDiffers,
                    message,
                    cell: Some(cell.to_owned()),
                });
            }
            false
        }
    }
}

/// A monitoring export's project columns of a row: the 年度资金总额 line's figures (taken once, a
/// differing repeat warned of) and the goal texts (from the first row that has them).
fn read_monitoring<'g>(
    g: &mut Gathering,
    header: &FlatHeader<'_>,
    row: u32,
    text: &impl Fn(u32, FlatColumn) -> String,
    value: impl Fn(u32, FlatColumn) -> Option<&'g CellValue>,
) {
    let amounts = [
        (FlatColumn::Initial, "initial", "年初预算数"),
        (FlatColumn::Adjusted, "adjusted", "调整预算数"),
        (FlatColumn::Executed, "executed", "执行数"),
        (FlatColumn::ExpectedAmount, "expected", "全年预计执行数"),
    ];
    for (family, name, label) in amounts {
        let Some((col, unit)) = header.col(family) else {
            continue;
        };
        let cell = a1(row, col);
        let amount = match parse_amount(value(row, family), unit) {
            Amount::Value(amount) => amount,
            Amount::Blank => continue,
            Amount::Invalid => {
                g.project.warnings.push(Warning {
                    code: WarningCode::UnparsedAmount,
                    message: format!("“{label}”不是金额：{}", text(row, family)),
                    cell: Some(cell),
                });
                continue;
            }
        };
        if !first_of_repeats(g, family, amount, &cell, label) {
            continue;
        }
        let Some(monitoring) = &mut g.project.monitoring else {
            return;
        };
        let line = monitoring.funds.total.get_or_insert_with(FundLine::default);
        let slot = match family {
            FlatColumn::Initial => &mut line.initial,
            FlatColumn::Adjusted => &mut line.adjusted,
            FlatColumn::Executed => &mut line.executed,
            _ => &mut line.expected,
        };
        *slot = Some(amount);
        g.project
            .cells
            .insert(format!("monitoring.funds.total.{name}"), cell);
    }
    if let Some((col, _)) = header.col(FlatColumn::Rate) {
        let cell = a1(row, col);
        let key = "monitoring.funds.total.rate";
        match parse_rate(value(row, FlatColumn::Rate)) {
            Some(Ok(rate)) if !g.project.cells.contains_key(key) => {
                if let Some(monitoring) = &mut g.project.monitoring {
                    let line = monitoring.funds.total.get_or_insert_with(FundLine::default);
                    line.rate = Some(rate);
                    g.project.cells.insert(key.to_owned(), cell);
                }
            }
            Some(Err(_)) => g.project.warnings.push(Warning {
                code: WarningCode::UnparsedNumber,
                message: format!("“预算执行率”不是数字：{}", text(row, FlatColumn::Rate)),
                cell: Some(cell),
            }),
            _ => {}
        }
    }
    let Some(monitoring) = &mut g.project.monitoring else {
        return;
    };
    for (family, slot, key) in [
        (
            FlatColumn::GoalAnnual,
            &mut monitoring.goal_annual,
            "monitoring.goal_annual",
        ),
        (
            FlatColumn::GoalProgress,
            &mut monitoring.goal_progress,
            "monitoring.goal_progress",
        ),
    ] {
        if slot.is_empty()
            && let Some(found) = value(row, family)
        {
            let written = clean_block(&cell_text(found));
            if !written.is_empty() {
                *slot = written;
                if let Some((col, _)) = header.col(family) {
                    g.project.cells.insert(key.to_owned(), a1(row, col));
                }
            }
        }
    }
}

/// One indicator row.
fn read_indicator<'g>(
    header: &FlatHeader<'_>,
    row: u32,
    text: &impl Fn(u32, FlatColumn) -> String,
    value: impl Fn(u32, FlatColumn) -> Option<&'g CellValue>,
    project: &mut Project,
) -> Indicator {
    let optional = |family: FlatColumn| Some(text(row, family)).filter(|t| !t.is_empty());
    let cell_of = |family: FlatColumn| header.col(family).map(|(col, _)| a1(row, col));
    let mut number = |family: FlatColumn, what: &str| match parse_number(value(row, family)) {
        Number::Value(n) => Some(n),
        Number::Blank => None,
        Number::Invalid => {
            project.warnings.push(Warning {
                code: WarningCode::UnparsedNumber,
                message: format!("{what}不是数字：{}", text(row, family)),
                cell: cell_of(family),
            });
            None
        }
    };
    let weight = number(FlatColumn::Weight, "分值");
    let score = number(FlatColumn::Score, "得分");
    let block = match text(row, FlatColumn::Block).as_str() {
        "1" | "总体" | "总体指标" | "中长期" | "长期" | "中期" | "总体目标" => {
            Block::LongTerm
        }
        _ => Block::Annual,
    };
    let actual = optional(FlatColumn::Actual);
    Indicator {
        block,
        level1: text(row, FlatColumn::Level1),
        level2: text(row, FlatColumn::Level2),
        level3: text(row, FlatColumn::Level3),
        value: text(row, FlatColumn::Value),
        unit: optional(FlatColumn::Unit),
        direction: optional(FlatColumn::Direction),
        weight,
        note: optional(FlatColumn::Note),
        level1_points: None,
        actual_cell: if actual.is_some() {
            cell_of(FlatColumn::Actual).unwrap_or_default()
        } else {
            String::new()
        },
        actual,
        score,
        deviation: optional(FlatColumn::Deviation),
        expected: optional(FlatColumn::ExpectedValue),
        likelihood: optional(FlatColumn::Likelihood),
        measures: optional(FlatColumn::Measures),
        cell: cell_of(FlatColumn::Level3).unwrap_or_else(|| a1(row, header.first_col)),
        value_cell: cell_of(FlatColumn::Value).unwrap_or_default(),
        normalized: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::grid::Cell;

    fn text(row: u32, col: u32, t: &str) -> Cell {
        Cell {
            row,
            col,
            value: CellValue::Text(t.to_owned().into()),
        }
    }

    #[test]
    fn a_header_row_names_its_columns_in_any_order() {
        let templates = TemplateSet::builtin();
        let cells = vec![
            text(0, 0, "2025年项目绩效目标"),
            text(1, 0, "指标值"),
            text(1, 1, "三级指标名称"),
            text(1, 2, "项 目 名 称"),
            text(1, 3, "资金总额（元）"),
            text(2, 0, "100"),
        ];
        let labels = super::super::locate::label_cells(&cells);
        let header = find_header(&labels, &templates).expect("a flat header");
        assert_eq!(header.row, 1);
        assert_eq!(header.col(FlatColumn::Value).map(|c| c.0), Some(0));
        assert_eq!(header.col(FlatColumn::ProjectName).map(|c| c.0), Some(2));
        assert_eq!(
            header.col(FlatColumn::Total),
            Some((3, MoneyUnit::Yuan)),
            "(元) in the header"
        );
        // A form's indicator header (no project column) is no flat export.
        let form = vec![
            text(5, 0, "一级指标"),
            text(5, 1, "三级指标"),
            text(5, 2, "指标值"),
        ];
        let labels = super::super::locate::label_cells(&form);
        assert!(find_header(&labels, &templates).is_none());
    }
}
