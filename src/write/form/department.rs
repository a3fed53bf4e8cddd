//! A department-wide target form (部门整体绩效目标表) written in the 陕西 2020 layout (`sx2020bm`):
//! 部门名称, the 年度主要任务 table with its 金额合计 row (the department's budget), 年度总体目标,
//! the 年度绩效指标 table and 备注 — read back as the same record. What the layout has no place for
//! (基本支出 / 项目支出, 总体绩效目标, a task's 期望达到的目标, other facts) is named by
//! [`left_out`], never dropped silently.

use rust_xlsxwriter::{Worksheet, XlsxError};

use super::{FormSheet, FormStyle, FormWriter, Formats, TableColumns, write_indicator_rows};
use crate::model::{DepartmentForm, Indicator};

/// The layout's id, as the record's `template` says it.
pub const DEPARTMENT_LAYOUT: &str = "sx2020bm";

/// What of a department-wide form the layout cannot hold, in words a clerk reads.
pub fn left_out(form: &DepartmentForm) -> Vec<String> {
    let mut lost = Vec::new();
    if form.funds.basic.is_some() || form.funds.project.is_some() {
        lost.push("基本支出、项目支出".to_owned());
    }
    if !form.overall_goal.is_empty() {
        lost.push("总体绩效目标".to_owned());
    }
    if form.tasks.iter().any(|t| !t.goal.is_empty()) {
        lost.push("任务的期望达到的目标".to_owned());
    }
    if form.evaluation.is_some() {
        lost.push("自评内容（此样式为目标表）".to_owned());
    }
    for key in form.extras.keys().filter(|k| k.as_str() != "备注") {
        lost.push(key.clone());
    }
    lost
}

/// The record as the layout holds it: what it cannot hold cleared, so a written form reads back
/// as exactly this.
pub fn keep(form: &DepartmentForm) -> DepartmentForm {
    let mut kept = form.clone();
    kept.template = DEPARTMENT_LAYOUT.to_owned();
    kept.funds.basic = None;
    kept.funds.project = None;
    kept.overall_goal.clear();
    kept.evaluation = None;
    kept.kind = crate::model::FormKind::DepartmentTarget;
    for task in &mut kept.tasks {
        task.goal.clear();
    }
    kept.extras.retain(|key, _| key == "备注");
    for indicator in &mut kept.indicators {
        *indicator = Indicator {
            block: indicator.block,
            level1: indicator.level1.clone(),
            level2: indicator.level2.clone(),
            level3: indicator.level3.clone(),
            value: indicator.value.clone(),
            ..Indicator::default()
        };
    }
    kept
}

/// Writes a department-wide target form (a blank one with `style.blank_rows`).
pub fn write_department(
    ws: &mut Worksheet,
    form: &DepartmentForm,
    style: &FormStyle,
) -> Result<FormSheet, XlsxError> {
    const WIDTHS: [f64; 7] = [12.0, 18.0, 22.0, 22.0, 12.0, 12.0, 12.0];
    for (offset, width) in WIDTHS.iter().enumerate() {
        ws.set_column_width(style.origin.1 + offset as u16, *width)?;
    }
    let mut w = FormWriter {
        ws,
        row0: style.origin.0,
        col0: style.origin.1,
        style,
        formats: Formats::new(style.in_yuan),
        widths: &WIDTHS,
        heights: Default::default(),
        sheet: FormSheet::default(),
    };
    let last = 6u16;
    let title = w.formats.title.clone();
    let year = form
        .year
        .map_or_else(|| "    ".to_owned(), |y| y.to_string());
    w.text(
        0,
        0,
        0,
        last,
        &format!("{year}年度部门整体绩效目标表"),
        &title,
    )?;
    w.label(1, 0, 1, 0, "部门名称")?;
    let name = match form.department_code.as_deref() {
        Some(code) if !code.is_empty() => format!("{code}-{}", form.department),
        _ => form.department.clone(),
    };
    w.value(1, 1, 4, &name, "部门名称")?;
    let unit = if style.in_yuan {
        "单位：元"
    } else {
        "单位：万元"
    };
    let plain = w.formats.label.clone();
    w.text(1, 5, 1, last, unit, &plain)?;
    let tasks = if w.blank() {
        style.blank_rows.unwrap_or(5).min(8)
    } else {
        form.tasks.len().max(1)
    } as u32;
    // 年度主要任务: two header rows, the tasks, the 金额合计 row.
    let first = 2;
    let total_row = first + 2 + tasks;
    w.label(first, 0, total_row, 0, "年度主要任务")?;
    w.label(first, 1, first + 1, 1, "任务名称")?;
    w.label(first, 2, first + 1, 3, "主要内容")?;
    let money = if style.in_yuan {
        "预算金额（元）"
    } else {
        "预算金额（万元）"
    };
    w.label(first, 4, first, last, money)?;
    w.label(first + 1, 4, first + 1, 4, "总额")?;
    w.label(first + 1, 5, first + 1, 5, "财政拨款")?;
    w.label(first + 1, 6, first + 1, 6, "其他资金")?;
    for index in 0..tasks {
        let row = first + 2 + index;
        let task = form.tasks.get(index as usize);
        let text = |f: fn(&crate::model::Task) -> &str| task.map_or("", f);
        w.value(row, 1, 1, text(|t| &t.name), "任务名称")?;
        w.paragraph(row, 2, 3, text(|t| &t.content), "主要内容")?;
        w.amount(row, 4, 4, task.and_then(|t| t.total), "任务总额")?;
        w.amount(row, 5, 5, task.and_then(|t| t.fiscal), "任务财政拨款")?;
        w.amount(row, 6, 6, task.and_then(|t| t.other), "任务其他资金")?;
    }
    w.label(total_row, 1, total_row, 3, "金额合计")?;
    w.amount(total_row, 4, 4, form.funds.total, "金额合计")?;
    w.amount(total_row, 5, 5, form.funds.fiscal, "财政拨款合计")?;
    w.amount(total_row, 6, 6, form.funds.other, "其他资金合计")?;
    let goal = total_row + 1;
    w.label(goal, 0, goal, 0, "年度总体目标")?;
    w.paragraph(goal, 1, last, &form.annual_goal, "年度总体目标")?;
    let header = goal + 1;
    let rows: Vec<(usize, &Indicator)> = form.indicators.iter().enumerate().collect();
    let count = w.style.blank_rows.unwrap_or(rows.len()).max(1) as u32;
    w.label(header, 0, header + count, 0, "年度绩效指标")?;
    w.label(header, 1, header, 1, "一级指标")?;
    w.label(header, 2, header, 2, "二级指标")?;
    w.label(header, 3, header, 5, "三级指标")?;
    w.label(header, last, header, last, "指标值")?;
    let columns = TableColumns {
        level1: 1,
        level2: 2,
        level3: (3, 5),
        value: last,
        unit: None,
        direction: None,
        weight: None,
        note: None,
    };
    let written = write_indicator_rows(&mut w, header + 1, &rows, columns)?;
    let note = header + 1 + written.max(1);
    w.label(note, 0, note, 0, "备注")?;
    let remark = form.extras.get("备注").map_or("", String::as_str);
    w.paragraph(note, 1, last, remark, "备注")?;
    w.sheet.rows = w.sheet.rows.max(note + 1);
    w.sheet.cols = w.sheet.cols.max(last + 1);
    for (row, height) in &w.heights {
        w.ws.set_row_height(w.row0 + row, *height)?;
    }
    Ok(w.sheet)
}
