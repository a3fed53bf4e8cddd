//! `jixiao forms`, the writing side: projects back out as official forms — one workbook per
//! 主管部门 with a sheet per project, or a file per project — print-ready; next year's forms
//! pre-filled from this year's; and blank forms to send out, with drop-down lists, validated
//! amounts and dates, a hint on every input cell, and the labels locked.

use indexmap::IndexMap;
use rust_xlsxwriter::{
    DataValidation, DataValidationErrorStyle, DataValidationRule, ExcelDateTime, Formula, Note,
    Workbook, Worksheet, XlsxError,
};

use super::form::{
    FormSheet, FormStyle, InputCell, InputKind, Layout, department, set_form_page, write_layout,
};
use super::rows::{department_group, unique_sheet_name};
use crate::model::{Date, DepartmentForm, Project};

/// How projects are written out.
#[derive(Debug, Clone, Copy, Default)]
pub struct FormsOptions {
    /// The layout to write every project in (otherwise each project's own).
    pub layout: Option<Layout>,
    /// One file per project instead of one per 主管部门.
    pub per_project: bool,
    /// Next year's forms: year + 1, amounts blank, last year's 指标值 noted beside each.
    pub next_year: bool,
}

/// One project written: where, in which layout, and what the layout could not hold.
#[derive(Debug, Clone)]
pub struct WrittenForm {
    /// The file (a name in the output folder).
    pub file: String,
    /// The sheet.
    pub sheet: String,
    /// 项目名称.
    pub project: String,
    /// 主管部门.
    pub department: String,
    /// The layout's id.
    pub layout: &'static str,
    /// Fields left out: the layout has no place for them.
    pub left_out: Vec<String>,
    /// Texts cut to fit a cell (more than Excel's 32,767 characters).
    pub cut: u32,
}

/// The layout a project is written in: the chosen one, or the one it was read with; a project
/// read by no layout of its own (the generic reading, a flat export) goes to the layout that holds
/// all it has (see [`Layout::holding`]).
pub fn layout_for(project: &Project, options: &FormsOptions) -> Layout {
    options
        .layout
        .or_else(|| Layout::of(&project.template))
        .unwrap_or_else(|| Layout::holding(project))
}

/// The files to write and the projects (indices) in each, in input order: one per 主管部门 (by
/// name), or one per project.
pub fn plan(projects: &[Project], options: &FormsOptions) -> Vec<(String, Vec<usize>)> {
    let mut files: Vec<(String, Vec<usize>)> = Vec::new();
    let mut used: Vec<String> = Vec::new();
    if options.per_project {
        for (index, p) in projects.iter().enumerate() {
            let stem = format!("{}_{}", department_group(p), p.project_name);
            files.push((unique_file_name(&stem, &mut used), vec![index]));
        }
        return files;
    }
    let mut by_department: IndexMap<&str, Vec<usize>> = IndexMap::new();
    for (index, p) in projects.iter().enumerate() {
        by_department
            .entry(department_group(p))
            .or_default()
            .push(index);
    }
    by_department.sort_keys();
    for (department, indices) in by_department {
        files.push((unique_file_name(department, &mut used), indices));
    }
    files
}

/// A file name Windows and Linux accept, unique (ignoring case) among `used`: characters a file
/// system refuses replaced, reserved device names avoided, at most 100 characters, ".xlsx".
pub fn unique_file_name(stem: &str, used: &mut Vec<String>) -> String {
    let mut clean: String = stem
        .chars()
        .map(|c| {
            if c.is_control() || "\\/:*?\"<>|".contains(c) {
                '_'
            } else {
                c
            }
        })
        .take(100)
        .collect();
    clean = clean
        .trim_matches(|c: char| c == '.' || c.is_whitespace())
        .to_owned();
    if clean.is_empty() {
        clean = "项目".to_owned();
    }
    let upper = clean.to_ascii_uppercase();
    let device = upper.split('.').next().unwrap_or("");
    let reserved = ["CON", "PRN", "AUX", "NUL"].contains(&device)
        || (device.len() == 4
            && (device.starts_with("COM") || device.starts_with("LPT"))
            && device.as_bytes()[3].is_ascii_digit());
    if reserved {
        clean.insert(0, '_');
    }
    for n in 1.. {
        let name = if n == 1 {
            format!("{clean}.xlsx")
        } else {
            format!("{clean} ({n}).xlsx")
        };
        if !used.iter().any(|u| u.eq_ignore_ascii_case(&name)) {
            used.push(name.clone());
            return name;
        }
    }
    unreachable!("some suffix is free")
}

/// Next year's form of a project: the year after, 延续项目 where the layout has that option, the
/// planned dates a year on, identity, goals and indicators carried over, amounts blank for the
/// department to fill, and no filing details (填报人, 填报日期).
pub fn next_year(project: &Project, layout: Layout) -> Project {
    let mut next = project.clone();
    next.year = project.year.map(|y| y + 1);
    if layout.category_options().contains(&"延续项目") {
        next.category = Some("延续项目".to_owned());
    }
    next.funds = Default::default();
    let shift = |d: Option<Date>| {
        d.and_then(|d| {
            Date::new(d.year() + 1, d.month(), d.day())
                .or_else(|| Date::new(d.year() + 1, d.month(), d.day() - 1))
        })
    };
    next.start_date = shift(project.start_date);
    next.end_date = shift(project.end_date);
    // Whom to call is asked again: the person and date cleared, the phone kept.
    next.contact.person = None;
    next.contact.filed = None;
    for key in ["填报人", "填报日期", "单位负责人"] {
        next.extras.shift_remove(key);
    }
    next.warnings.clear();
    next.review = None;
    next.evaluation = None;
    next
}

/// Writes projects as one workbook (a sheet each); returns what was written.
pub fn write_workbook(
    path: &std::path::Path,
    file: &str,
    projects: &[&Project],
    options: &FormsOptions,
) -> Result<Vec<WrittenForm>, XlsxError> {
    let mut workbook = Workbook::new();
    workbook.set_properties(&super::fixed_properties("财政项目支出绩效目标表"));
    let mut used: Vec<String> = Vec::new();
    let mut written = Vec::new();
    for project in projects {
        let layout = layout_for(project, options);
        let source = if options.next_year {
            next_year(project, layout)
        } else {
            (*project).clone()
        };
        let left_out = layout.left_out(&source);
        let kept = layout.keep(&source);
        let sheet_name = unique_sheet_name(&kept.project_name, &used);
        used.push(sheet_name.clone());
        let ws = workbook.add_worksheet();
        ws.set_name(&sheet_name)?;
        let style = FormStyle::default();
        let sheet = write_layout(ws, &kept, &style, layout)?;
        set_form_page(ws, style.origin, &sheet)?;
        if options.next_year {
            note_last_year(ws, &kept, &sheet)?;
        }
        written.push(WrittenForm {
            file: file.to_owned(),
            sheet: sheet_name,
            project: kept.project_name.clone(),
            department: department_group(&kept).to_owned(),
            layout: layout.id(),
            left_out,
            cut: sheet.cut,
        });
    }
    workbook.save(path)?;
    Ok(written)
}

/// Writes department-wide target forms into one workbook (a sheet each, in the 陕西 layout);
/// returns what each left out.
pub fn write_department_workbook(
    path: &std::path::Path,
    file: &str,
    forms: &[&DepartmentForm],
) -> Result<Vec<WrittenForm>, XlsxError> {
    let mut workbook = Workbook::new();
    workbook.set_properties(&super::fixed_properties("部门整体绩效目标表"));
    let mut used: Vec<String> = Vec::new();
    let mut written = Vec::new();
    for form in forms {
        let left_out = department::left_out(form);
        let kept = department::keep(form);
        let sheet_name = unique_sheet_name(&kept.department, &used);
        used.push(sheet_name.clone());
        let ws = workbook.add_worksheet();
        ws.set_name(&sheet_name)?;
        let style = FormStyle::default();
        let sheet = department::write_department(ws, &kept, &style)?;
        set_form_page(ws, style.origin, &sheet)?;
        written.push(WrittenForm {
            file: file.to_owned(),
            sheet: sheet_name,
            project: "部门整体绩效目标表".to_owned(),
            department: kept.department.clone(),
            layout: department::DEPARTMENT_LAYOUT,
            left_out,
            cut: sheet.cut,
        });
    }
    workbook.save(path)?;
    Ok(written)
}

/// Writes a blank department-wide target form (陕西 layout) for `year`, inputs open, labels locked.
pub fn write_department_blank(
    path: &std::path::Path,
    year: Option<i32>,
    hierarchy: &IndexMap<String, Vec<String>>,
    rows: usize,
) -> Result<(), XlsxError> {
    let mut workbook = Workbook::new();
    workbook.set_properties(&super::fixed_properties("部门整体绩效目标表"));
    let form = DepartmentForm {
        year,
        ..DepartmentForm::default()
    };
    let style = FormStyle {
        blank_rows: Some(rows),
        ..FormStyle::default()
    };
    let ws = workbook.add_worksheet();
    ws.set_name("部门整体绩效目标表")?;
    let sheet = department::write_department(ws, &form, &style)?;
    set_form_page(ws, style.origin, &sheet)?;
    for input in &sheet.inputs {
        validate(ws, input)?;
    }
    ws.protect();
    write_lists(&mut workbook, hierarchy)?;
    workbook.save(path)
}

/// Last year's 指标值 as a note on each value cell, so "较上一年提升" can be judged later.
fn note_last_year(ws: &mut Worksheet, last: &Project, sheet: &FormSheet) -> Result<(), XlsxError> {
    for &(index, row, col) in &sheet.value_cells {
        let Some(indicator) = last.indicators.get(index) else {
            continue;
        };
        let year = last
            .year
            .map_or("上年".to_owned(), |y| format!("{}年", y - 1));
        let text = format!("{year}指标值：{}", indicator.value);
        ws.insert_note(row, col, &Note::new(text).add_author_prefix(false))?;
    }
    Ok(())
}

/// Writes a blank form of a layout for `year`: empty indicator rows (`rows`), drop-down lists
/// for 一级指标 (the canonical list), 二级指标 (those of the 一级指标 chosen in the row, by a named
/// range per 一级指标 and INDIRECT) and 项目类别, amounts validated as numbers ≥ 0 with two
/// decimals, dates as dates, a hint on every input cell, and the sheet protected (no password):
/// labels locked, inputs open.
pub fn write_blank(
    path: &std::path::Path,
    layout: Layout,
    year: Option<i32>,
    hierarchy: &IndexMap<String, Vec<String>>,
    rows: usize,
) -> Result<(), XlsxError> {
    let mut workbook = Workbook::new();
    workbook.set_properties(&super::fixed_properties(layout.title()));
    let project = Project {
        template: layout.id().to_owned(),
        year,
        ..Project::default()
    };
    let style = FormStyle {
        blank_rows: Some(rows),
        ..FormStyle::default()
    };
    let ws = workbook.add_worksheet();
    ws.set_name(layout.title())?;
    let sheet = write_layout(ws, &project, &style, layout)?;
    set_form_page(ws, style.origin, &sheet)?;
    for input in &sheet.inputs {
        validate(ws, input)?;
    }
    ws.protect();
    write_lists(&mut workbook, hierarchy)?;
    workbook.save(path)
}

/// The hidden sheet of drop-down lists and their names: 一级指标 (the first column), then one
/// column per 一级指标 of its 二级指标, named after it.
fn write_lists(
    workbook: &mut Workbook,
    hierarchy: &IndexMap<String, Vec<String>>,
) -> Result<(), XlsxError> {
    let ws = workbook.add_worksheet();
    ws.set_name("选项")?;
    for (row, level1) in hierarchy.keys().enumerate() {
        ws.write_string(row as u32, 0, level1)?;
    }
    let mut names = Vec::new();
    for (offset, (level1, level2s)) in hierarchy.iter().enumerate() {
        let col = offset as u16 + 1;
        for (row, level2) in level2s.iter().enumerate() {
            ws.write_string(row as u32, col, level2)?;
        }
        let letter = rust_xlsxwriter::utility::column_number_to_name(col);
        let last = level2s.len().max(1);
        names.push((
            level1.clone(),
            format!("=选项!${letter}$1:${letter}${last}"),
        ));
    }
    ws.set_hidden(true);
    ws.protect();
    let last = hierarchy.len().max(1);
    workbook.define_name("一级指标", &format!("=选项!$A$1:$A${last}"))?;
    for (name, range) in names {
        workbook.define_name(name, &range)?;
    }
    Ok(())
}

/// The validation and hint of one input cell.
fn validate(ws: &mut Worksheet, input: &InputCell) -> Result<(), XlsxError> {
    let (validation, message, error) = match &input.kind {
        InputKind::Text => (DataValidation::new().allow_any_value(), "请填写", None),
        InputKind::Paragraph => (
            DataValidation::new().allow_any_value(),
            "请填写（换行用 Alt+Enter）",
            None,
        ),
        InputKind::Amount => (
            DataValidation::new()
                .allow_decimal_number(DataValidationRule::GreaterThanOrEqualTo(0.0)),
            "金额，单位万元，保留两位小数",
            Some("金额须为不小于 0 的数字（万元）"),
        ),
        InputKind::Date => {
            let from = ExcelDateTime::from_ymd(1990, 1, 1)?;
            let to = ExcelDateTime::from_ymd(2100, 12, 31)?;
            (
                DataValidation::new().allow_date(DataValidationRule::Between(from, to)),
                "日期，如 2025-01-01",
                Some("请填写日期（如 2025-01-01）"),
            )
        }
        InputKind::Choice(options) => (
            DataValidation::new().allow_list_strings(options)?,
            "从下拉列表中选择",
            Some("请从下拉列表中选择"),
        ),
        InputKind::Level1 => (
            DataValidation::new().allow_list_formula(Formula::new("=一级指标")),
            "从下拉列表中选择一级指标",
            Some("一级指标须从下拉列表中选择"),
        ),
        InputKind::Level2 { level1_col } => {
            let level1 = rust_xlsxwriter::utility::row_col_to_cell_absolute(input.row, *level1_col);
            (
                DataValidation::new()
                    .allow_list_formula(Formula::new(format!("=INDIRECT({level1})"))),
                "先选一级指标，再从下拉列表中选择二级指标",
                Some("二级指标须是所选一级指标下的一项"),
            )
        }
        InputKind::Number => (
            DataValidation::new().allow_decimal_number(DataValidationRule::Between(0.0, 100.0)),
            "0 到 100 之间的数字",
            Some("分值须为 0 到 100 之间的数字"),
        ),
    };
    let mut validation = validation
        .set_input_title(truncate(&input.hint, 32))?
        .set_input_message(format!("{message}：{}", input.hint))?;
    if let Some(error) = error {
        validation = validation
            .set_error_title("输入有误")?
            .set_error_message(error)?
            .set_error_style(DataValidationErrorStyle::Stop);
    }
    ws.add_data_validation(input.row, input.col, input.row, input.col, &validation)?;
    Ok(())
}

fn truncate(text: &str, chars: usize) -> String {
    text.chars().take(chars).collect()
}
