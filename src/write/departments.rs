//! What department-wide forms contribute to the outputs: `departments.csv` (one row per form),
//! `department_tasks.csv`, `department_indicators.csv`, the 部门整体 sheet, and the reconciliation
//! (`reconciliation.csv` and the 部门对账 sheet, 差额 a live formula).

use rust_decimal::Decimal;

use super::cells::XCell;
use super::csv_out::CsvUnit;
use super::rows::neutralize;
use crate::model::{DepartmentForm, DepartmentFunds};
use crate::normalize::reconcile::ReconciliationRow;

/// The columns of departments.csv (amounts in the CSV unit).
pub fn department_header(unit: CsvUnit) -> Vec<String> {
    let mut header: Vec<String> = ["年度", "部门名称", "部门编码", "类型"]
        .map(String::from)
        .into();
    header.extend(
        DepartmentFunds::KEYS
            .iter()
            .map(|k| format!("{}（{}）", DepartmentFunds::label(k), unit.label())),
    );
    header.extend(
        [
            "任务数",
            "指标数",
            "总分",
            "等级",
            "审核结论",
            "警告",
            "模板",
            "来源文件",
            "工作表",
            "单元格",
        ]
        .map(String::from),
    );
    header
}

/// The columns of department_tasks.csv.
pub fn task_header(unit: CsvUnit) -> Vec<String> {
    let amount = |label: &str| format!("{label}（{}）", unit.label());
    let mut header: Vec<String> = ["年度", "部门名称", "任务名称", "主要内容"]
        .map(String::from)
        .into();
    header.extend([amount("总额"), amount("财政拨款"), amount("其他资金")]);
    header.extend(["期望达到的目标", "来源文件", "工作表", "单元格"].map(String::from));
    header
}

/// The columns of department_indicators.csv.
pub const DEPARTMENT_INDICATOR_HEADER: [&str; 17] = [
    "年度",
    "部门名称",
    "类型",
    "一级指标",
    "二级指标",
    "三级指标",
    "三级指标原文",
    "指标值",
    "指标类型",
    "比较符",
    "数值",
    "单位",
    "实际完成值",
    "分值",
    "得分",
    "来源文件",
    "单元格",
];

/// The columns of the 部门整体 sheet.
pub const DEPARTMENT_SHEET_HEADERS: [&str; 17] = [
    "部门名称",
    "年度",
    "类型",
    "部门编码",
    "部门预算总额（万元）",
    "财政拨款（万元）",
    "其他资金（万元）",
    "基本支出（万元）",
    "项目支出（万元）",
    "任务数",
    "指标数",
    "总分",
    "等级",
    "审核结论",
    "警告",
    "来源文件",
    "单元格",
];

/// The columns of reconciliation.csv and the 部门对账 sheet.
pub const RECONCILIATION_HEADERS: [&str; 6] = [
    "主管部门",
    "年度",
    "部门整体表项目支出（万元）",
    "项目表合计（万元）",
    "项目表数",
    "差额（万元）",
];

/// Columns of 部门对账 the 差额 formula reads (部门整体表项目支出 − 项目表合计).
pub const RECONCILIATION_SPENDING_COL: u16 = 2;
/// 项目表合计 in 部门对账.
pub const RECONCILIATION_PROJECTS_COL: u16 = 3;

fn year(form: &DepartmentForm) -> String {
    form.year.map(|y| y.to_string()).unwrap_or_default()
}

fn real_indicators(form: &DepartmentForm) -> usize {
    form.indicators
        .iter()
        .filter(|i| !i.is_placeholder())
        .count()
}

/// A form's departments.csv row.
pub fn department_row(form: &DepartmentForm, unit: CsvUnit) -> Vec<String> {
    let text = |t: &str| neutralize(t).into_owned();
    let mut row = vec![
        year(form),
        text(&form.department),
        text(form.department_code.as_deref().unwrap_or("")),
        form.kind.label().to_owned(),
    ];
    row.extend(DepartmentFunds::KEYS.iter().map(|k| {
        form.funds
            .get(k)
            .map(|a| unit.format(a))
            .unwrap_or_default()
    }));
    let evaluation = form.evaluation.as_ref();
    let warnings: Vec<&str> = form.warnings.iter().map(|w| w.message.as_str()).collect();
    row.extend([
        form.tasks.len().to_string(),
        real_indicators(form).to_string(),
        evaluation
            .and_then(|e| e.total_score)
            .map(|s| s.normalize().to_string())
            .unwrap_or_default(),
        text(evaluation.and_then(|e| e.grade.as_deref()).unwrap_or("")),
        text(form.review.as_ref().map_or("", |r| r.conclusion.as_str())),
        text(&warnings.join("；")),
        text(&form.template),
        text(&form.source.file),
        text(&form.source.sheet),
        form.source.cell.clone(),
    ]);
    row
}

/// A form's department_tasks.csv rows.
pub fn task_rows(form: &DepartmentForm, unit: CsvUnit) -> Vec<Vec<String>> {
    let text = |t: &str| neutralize(t).into_owned();
    let amount = |a: Option<Decimal>| a.map(|a| unit.format(a)).unwrap_or_default();
    form.tasks
        .iter()
        .map(|task| {
            vec![
                year(form),
                text(&form.department),
                text(&task.name),
                text(&task.content),
                amount(task.total),
                amount(task.fiscal),
                amount(task.other),
                text(&task.goal),
                text(&form.source.file),
                text(&form.source.sheet),
                task.cell.clone(),
            ]
        })
        .collect()
}

/// A form's department_indicators.csv rows (placeholder "无" rows left out).
pub fn department_indicator_rows(form: &DepartmentForm) -> Vec<Vec<String>> {
    let text = |t: &str| neutralize(t).into_owned();
    let number = |d: Option<Decimal>| d.map(|d| d.normalize().to_string()).unwrap_or_default();
    form.indicators
        .iter()
        .filter(|i| !i.is_placeholder())
        .map(|i| {
            let n = i.normalized.as_ref();
            let m = n.map(|n| &n.measure);
            let level = |canonical: Option<&String>, written: &str| {
                text(canonical.map_or(written, String::as_str))
            };
            vec![
                year(form),
                text(&form.department),
                form.kind.label().to_owned(),
                level(n.map(|n| &n.level1), &i.level1),
                level(n.map(|n| &n.level2), &i.level2),
                level(n.map(|n| &n.level3), &i.level3),
                text(&i.level3),
                text(&i.value),
                m.map_or("", |m| m.kind.label()).to_owned(),
                m.and_then(|m| m.comparator)
                    .map_or("", |c| c.symbol())
                    .to_owned(),
                number(m.and_then(|m| m.number)),
                text(m.and_then(|m| m.unit.as_deref()).unwrap_or("")),
                text(i.actual.as_deref().unwrap_or("")),
                number(i.weight),
                number(i.score),
                text(&form.source.file),
                i.value_cell.clone(),
            ]
        })
        .collect()
}

/// A form's 部门整体 row.
pub fn department_sheet_row(form: &DepartmentForm) -> Vec<XCell> {
    let text = |t: &str| XCell::Text(t.to_owned());
    let evaluation = form.evaluation.as_ref();
    let warnings: Vec<&str> = form.warnings.iter().map(|w| w.message.as_str()).collect();
    let mut cells = vec![
        text(&form.department),
        XCell::Number(form.year.map(Decimal::from)),
        text(form.kind.label()),
        text(form.department_code.as_deref().unwrap_or("")),
    ];
    cells.extend(
        DepartmentFunds::KEYS
            .iter()
            .map(|k| XCell::Money(form.funds.get(k))),
    );
    cells.extend([
        XCell::Number(Some(Decimal::from(form.tasks.len()))),
        XCell::Number(Some(Decimal::from(real_indicators(form)))),
        XCell::Number(evaluation.and_then(|e| e.total_score)),
        text(evaluation.and_then(|e| e.grade.as_deref()).unwrap_or("")),
        text(form.review.as_ref().map_or("", |r| r.conclusion.as_str())),
        text(&warnings.join("；")),
        text(&form.source.file),
        text(&form.source.cell),
    ]);
    cells
}

/// The reconciliation.csv rows (amounts in 万元 with two decimals, as the headers say).
pub fn reconciliation_rows(rows: &[ReconciliationRow]) -> Vec<Vec<String>> {
    let amount = |a: Option<Decimal>| a.map(super::rows::fixed2).unwrap_or_default();
    rows.iter()
        .map(|r| {
            vec![
                neutralize(&r.department).into_owned(),
                r.year.map(|y| y.to_string()).unwrap_or_default(),
                amount(r.department_spending),
                amount(Some(r.projects_total)),
                r.projects.to_string(),
                amount(r.difference),
            ]
        })
        .collect()
}

/// A 部门对账 row: 差额 a live formula (empty without a department-wide form).
pub fn reconciliation_sheet_row(row: &ReconciliationRow) -> Vec<XCell> {
    vec![
        XCell::Text(row.department.clone()),
        XCell::Number(row.year.map(Decimal::from)),
        XCell::Money(row.department_spending),
        XCell::Money(Some(row.projects_total)),
        XCell::Number(Some(Decimal::from(row.projects))),
        match row.difference {
            Some(difference) => XCell::RowDifference {
                minuend: RECONCILIATION_SPENDING_COL,
                subtrahend: RECONCILIATION_PROJECTS_COL,
                cached: difference,
            },
            None => XCell::Money(None),
        },
    ]
}
