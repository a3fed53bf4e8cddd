//! `summary.xlsx`, the annual summary workbook: 汇总 (one row per 主管部门 with live totals and a
//! chart), 项目明细 (one row per project), 绩效指标 (one row per indicator) and 问题清单 (every
//! warning and every file or form not converted). Detail rows stream to disk as forms arrive
//! (constant-memory sheets); only the per-department totals are kept to the end.

use std::collections::BTreeMap;
use std::path::Path;

use rust_decimal::Decimal;
use rust_xlsxwriter::{
    Chart, ChartType, ExcelDateTime, Format, FormatAlign, FormatBorder, Formula, Workbook,
    Worksheet, XlsxError,
};

use super::csv_out::FUND_HEADERS;
use super::rows::{department_group, display_width, fit_cell, project_id};
use super::totals::{DepartmentTotals, indicator_count};
use crate::model::{Date, FundKind, Project};

/// Rows a sheet holds (Excel's limit); a longer list goes on in "项目明细 (2)" and so on.
const MAX_ROWS: u32 = 1_048_576;
/// Above this many departments the chart would be unreadable and is left out.
const MAX_CHART_DEPARTMENTS: usize = 60;

/// One row of the 问题清单 sheet.
#[derive(Debug, Clone, Default)]
pub struct IssueRow {
    /// 警告, 拒收, 跳过, 空白表格, 未识别样式, 重复 …
    pub kind: String,
    /// A stable code (`funds_mismatch`, `rejected` …).
    pub code: String,
    /// The file.
    pub file: String,
    /// The sheet, if any.
    pub sheet: String,
    /// The cell, if any.
    pub cell: String,
    /// The project, if any.
    pub project: String,
    /// What it means.
    pub message: String,
}

/// A value for a cell.
enum Value<'a> {
    Text(&'a str),
    Money(Option<Decimal>),
    Count(u64),
    Year(Option<i32>),
    Date(Option<Date>),
}

struct Formats {
    header: Format,
    text: Format,
    money: Format,
    count: Format,
    date: Format,
    total_label: Format,
    total_money: Format,
    total_count: Format,
    note: Format,
}

impl Formats {
    fn new() -> Formats {
        let base = Format::new().set_font_name("宋体").set_font_size(10.5);
        let total = base.clone().set_bold().set_border_top(FormatBorder::Thin);
        Formats {
            header: base
                .clone()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_background_color("#DDEBF7")
                .set_border(FormatBorder::Thin),
            text: base.clone(),
            money: base.clone().set_num_format("#,##0.00"),
            count: base.clone().set_num_format("0"),
            date: base.clone().set_num_format("yyyy-mm-dd"),
            total_label: total.clone(),
            total_money: total.clone().set_num_format("#,##0.00"),
            total_count: total.set_num_format("0"),
            note: base.set_italic().set_font_color("#595959"),
        }
    }
}

/// A list sheet that streams rows and goes on in a new sheet when full.
struct ListSheet {
    name: &'static str,
    headers: Vec<String>,
    /// Workbook indices of the sheets, first to last.
    sheets: Vec<usize>,
    /// Rows written to the last sheet, header included.
    rows: u32,
    /// Widest text per column, in character units.
    widths: Vec<usize>,
    /// Data rows in all.
    total_rows: u64,
}

impl ListSheet {
    fn sheet_name(&self, part: usize) -> String {
        if part == 0 {
            self.name.to_owned()
        } else {
            format!("{} ({})", self.name, part + 1)
        }
    }
}

/// The summary workbook being written.
pub struct SummaryWorkbook {
    workbook: Workbook,
    formats: Formats,
    details: ListSheet,
    indicators: ListSheet,
    issues: ListSheet,
    /// Rows per department for `--per-department` (held until the end, so only when asked for).
    per_department: Option<BTreeMap<String, Vec<Project>>>,
    truncated: u64,
}

/// The columns of 项目明细 (the seven amounts in 万元 after the dates).
fn detail_headers() -> Vec<String> {
    let mut headers: Vec<String> = [
        "主管部门",
        "实施单位",
        "项目名称",
        "年度",
        "项目类别",
        "计划开始日期",
        "计划完成日期",
    ]
    .map(String::from)
    .into();
    headers.extend(FUND_HEADERS.iter().map(|h| format!("{h}（万元）")));
    headers
        .extend(["指标数", "警告", "来源文件", "工作表", "单元格", "项目编号"].map(String::from));
    headers
}

/// Column of 项目明细 holding the first amount (主管部门 is column A).
const DETAIL_FIRST_FUND_COL: u16 = 7;

impl SummaryWorkbook {
    /// Starts a workbook; temporary sheet files go to `tempdir`.
    pub fn new(per_department: bool, tempdir: &Path) -> Result<SummaryWorkbook, XlsxError> {
        let mut workbook = Workbook::new();
        workbook.set_tempdir(tempdir)?;
        workbook.set_properties(&super::fixed_properties("财政项目支出绩效目标汇总"));
        workbook.add_worksheet().set_name("汇总")?;
        let mut summary = SummaryWorkbook {
            workbook,
            formats: Formats::new(),
            details: list("项目明细", detail_headers()),
            indicators: list(
                "绩效指标",
                [
                    "主管部门",
                    "项目名称",
                    "区块",
                    "一级指标",
                    "二级指标",
                    "三级指标",
                    "指标值",
                    "指标类型",
                    "比较符",
                    "数值",
                    "上限",
                    "单位",
                    "方向",
                    "来源文件",
                    "单元格",
                ]
                .map(String::from)
                .into(),
            ),
            issues: list(
                "问题清单",
                [
                    "类型",
                    "代码",
                    "文件",
                    "工作表",
                    "单元格",
                    "项目名称",
                    "说明",
                ]
                .map(String::from)
                .into(),
            ),
            per_department: per_department.then(BTreeMap::new),
            truncated: 0,
        };
        for which in [Which::Details, Which::Indicators, Which::Issues] {
            summary.start_sheet(which)?;
        }
        Ok(summary)
    }

    /// Texts cut to fit Excel's cell limit so far.
    pub fn truncated_cells(&self) -> u64 {
        self.truncated
    }

    /// Data rows written to 项目明细.
    pub fn project_rows(&self) -> u64 {
        self.details.total_rows
    }

    /// Adds a project to 项目明细 and its indicators to 绩效指标.
    pub fn add_project(&mut self, project: &Project) -> Result<(), XlsxError> {
        let department = department_group(project);
        let warnings: Vec<&str> = project
            .warnings
            .iter()
            .map(|w| w.message.as_str())
            .collect();
        let warnings = warnings.join("；");
        let id = project_id(project);
        let row = detail_values(project, department, &warnings, &id);
        self.write_row(Which::Details, &row)?;
        for indicator in project.indicators.iter().filter(|i| !i.is_placeholder()) {
            let n = indicator.normalized.as_ref();
            let m = n.map(|n| &n.measure);
            let level = |canonical: Option<&String>, written: &'_ str| -> String {
                canonical.cloned().unwrap_or_else(|| written.to_owned())
            };
            let (level1, level2, level3) = (
                level(n.map(|n| &n.level1), &indicator.level1),
                level(n.map(|n| &n.level2), &indicator.level2),
                level(n.map(|n| &n.level3), &indicator.level3),
            );
            let number = m
                .and_then(|m| m.number)
                .map(|d| d.to_string())
                .unwrap_or_default();
            let upper = m
                .and_then(|m| m.upper)
                .map(|d| d.to_string())
                .unwrap_or_default();
            let values = [
                Value::Text(department),
                Value::Text(&project.project_name),
                Value::Text(indicator.block.label()),
                Value::Text(&level1),
                Value::Text(&level2),
                Value::Text(&level3),
                Value::Text(&indicator.value),
                Value::Text(m.map_or("", |m| m.kind.label())),
                Value::Text(m.and_then(|m| m.comparator).map_or("", |c| c.symbol())),
                Value::Text(&number),
                Value::Text(&upper),
                Value::Text(m.and_then(|m| m.unit.as_deref()).unwrap_or("")),
                Value::Text(m.and_then(|m| m.direction).map_or("", |d| d.label())),
                Value::Text(&project.source.file),
                Value::Text(&indicator.value_cell),
            ];
            self.write_row(Which::Indicators, &values)?;
        }
        if let Some(groups) = &mut self.per_department {
            groups
                .entry(department.to_owned())
                .or_default()
                .push(project.clone());
        }
        Ok(())
    }

    /// Adds a row to 问题清单.
    pub fn add_issue(&mut self, issue: &IssueRow) -> Result<(), XlsxError> {
        let values = [
            Value::Text(&issue.kind),
            Value::Text(&issue.code),
            Value::Text(&issue.file),
            Value::Text(&issue.sheet),
            Value::Text(&issue.cell),
            Value::Text(&issue.project),
            Value::Text(&issue.message),
        ];
        self.write_row(Which::Issues, &values)
    }

    /// Writes 汇总 from the totals, finishes every sheet and saves the workbook to `path`.
    pub fn finish(mut self, totals: &DepartmentTotals, path: &Path) -> Result<(), XlsxError> {
        self.write_summary_sheet(totals)?;
        for which in [Which::Details, Which::Indicators, Which::Issues] {
            self.finish_list(which)?;
        }
        if let Some(groups) = self.per_department.take() {
            self.write_department_sheets(groups)?;
        }
        self.workbook.save(path)
    }

    fn list(&mut self, which: Which) -> &mut ListSheet {
        match which {
            Which::Details => &mut self.details,
            Which::Indicators => &mut self.indicators,
            Which::Issues => &mut self.issues,
        }
    }

    fn start_sheet(&mut self, which: Which) -> Result<(), XlsxError> {
        let list = self.list(which);
        let name = list.sheet_name(list.sheets.len());
        let headers = list.headers.clone();
        let index = self.workbook.worksheets().len();
        let header = self.formats.header.clone();
        let sheet = self.workbook.add_worksheet_with_constant_memory()?;
        sheet.set_name(&name)?;
        for (col, text) in headers.iter().enumerate() {
            sheet.write_string_with_format(0, col as u16, text, &header)?;
        }
        sheet.set_row_height(0, 30)?;
        let list = self.list(which);
        list.sheets.push(index);
        list.rows = 1;
        Ok(())
    }

    fn write_row(&mut self, which: Which, values: &[Value<'_>]) -> Result<(), XlsxError> {
        if self.list(which).rows >= MAX_ROWS {
            self.start_sheet(which)?;
        }
        let list = self.list(which);
        let (index, row) = (*list.sheets.last().unwrap_or(&0), list.rows);
        let mut widths = std::mem::take(&mut list.widths);
        let sheet = self.workbook.worksheet_from_index(index)?;
        let formats = &self.formats;
        for (col, value) in values.iter().enumerate() {
            let col16 = col as u16;
            let width = match value {
                Value::Text(text) => {
                    let (text, cut) = fit_cell(text);
                    self.truncated += u64::from(cut);
                    if !text.is_empty() {
                        sheet.write_string_with_format(row, col16, text.as_ref(), &formats.text)?;
                    }
                    display_width(&text)
                }
                Value::Money(amount) => {
                    if let Some(amount) = amount {
                        sheet.write_with_format(row, col16, *amount, &formats.money)?;
                    }
                    12
                }
                Value::Count(n) => {
                    sheet.write_number_with_format(row, col16, *n as f64, &formats.count)?;
                    6
                }
                Value::Year(year) => {
                    if let Some(year) = year {
                        sheet.write_number_with_format(
                            row,
                            col16,
                            f64::from(*year),
                            &formats.count,
                        )?;
                    }
                    6
                }
                Value::Date(date) => {
                    if let Some(date) = date {
                        write_date(sheet, row, col16, *date, &formats.date)?;
                    }
                    11
                }
            };
            if widths.len() <= col {
                widths.resize(col + 1, 0);
            }
            widths[col] = widths[col].max(width);
        }
        let list = self.list(which);
        list.widths = widths;
        list.rows += 1;
        list.total_rows += 1;
        Ok(())
    }

    fn finish_list(&mut self, which: Which) -> Result<(), XlsxError> {
        let list = self.list(which);
        let parts: Vec<(usize, u32)> = list
            .sheets
            .iter()
            .enumerate()
            .map(|(part, &index)| {
                let rows = if part + 1 == list.sheets.len() {
                    list.rows
                } else {
                    MAX_ROWS
                };
                (index, rows)
            })
            .collect();
        let headers: Vec<usize> = list.headers.iter().map(|h| display_width(h)).collect();
        let widths = list.widths.clone();
        for (index, rows) in parts {
            let sheet = self.workbook.worksheet_from_index(index)?;
            finish_table(sheet, &headers, &widths, rows)?;
        }
        Ok(())
    }

    /// The 汇总 sheet: one row per department with SUMIF/COUNTIF formulas over 项目明细 (their
    /// values cached, so the figures show without recalculation), a 合计 row and a bar chart.
    fn write_summary_sheet(&mut self, totals: &DepartmentTotals) -> Result<(), XlsxError> {
        let detail_sheets: Vec<String> = (0..self.details.sheets.len())
            .map(|part| self.details.sheet_name(part))
            .collect();
        let f = &self.formats;
        let sheet = self.workbook.worksheet_from_index(0)?;
        let mut headers = vec!["主管部门".to_owned(), "项目数".to_owned()];
        let kinds = [
            FundKind::Total,
            FundKind::Fiscal,
            FundKind::Other,
            FundKind::AnnualTotal,
            FundKind::Appropriation,
            FundKind::Carryover,
        ];
        let label = |kind: FundKind| match kind {
            FundKind::Total => "项目资金总额（万元）",
            FundKind::Fiscal => "其中财政资金（万元）",
            FundKind::Other => "其他资金（万元）",
            FundKind::AnnualTotal => "年度资金申请总额（万元）",
            FundKind::Appropriation => "当年财政拨款（万元）",
            _ => "上年结转资金（万元）",
        };
        headers.extend(kinds.iter().map(|k| label(*k).to_owned()));
        for (col, text) in headers.iter().enumerate() {
            sheet.write_string_with_format(0, col as u16, text, &f.header)?;
        }
        sheet.set_row_height(0, 32)?;
        let mut name_width = display_width("主管部门");
        let mut row = 1u32;
        for (department, total) in totals.iter() {
            name_width = name_width.max(display_width(department));
            sheet.write_string_with_format(row, 0, department, &f.text)?;
            let criterion = criterion(department);
            let count = sum_over(&detail_sheets, |s| {
                format!("COUNTIF('{s}'!$A:$A,{criterion})")
            });
            sheet.write_formula_with_format(
                row,
                1,
                Formula::new(count).set_result(total.projects.to_string()),
                &f.count,
            )?;
            for (offset, kind) in kinds.iter().enumerate() {
                let position = FundKind::ALL.iter().position(|k| k == kind).unwrap_or(0) as u16;
                let column = column_letter(DETAIL_FIRST_FUND_COL + position);
                let formula = sum_over(&detail_sheets, |s| {
                    format!("SUMIF('{s}'!$A:$A,{criterion},'{s}'!${column}:${column})")
                });
                let cached = total.fund(*kind).normalize().to_string();
                sheet.write_formula_with_format(
                    row,
                    2 + offset as u16,
                    Formula::new(formula).set_result(cached),
                    &f.money,
                )?;
            }
            row += 1;
        }
        let last = row - 1;
        let grand = totals.grand_total();
        sheet.write_string_with_format(row, 0, "合计", &f.total_label)?;
        let range_sum = |col: u16| {
            let letter = column_letter(col);
            if last == 0 {
                "0".to_owned()
            } else {
                format!("SUM({letter}2:{letter}{})", last + 1)
            }
        };
        sheet.write_formula_with_format(
            row,
            1,
            Formula::new(range_sum(1)).set_result(grand.projects.to_string()),
            &f.total_count,
        )?;
        for (offset, kind) in kinds.iter().enumerate() {
            let col = 2 + offset as u16;
            let cached = grand.fund(*kind).normalize().to_string();
            sheet.write_formula_with_format(
                row,
                col,
                Formula::new(range_sum(col)).set_result(cached),
                &f.total_money,
            )?;
        }
        let note_row = row + 2;
        sheet.write_string_with_format(note_row, 0, "说明：项目资金总额、财政资金、其他资金为项目全周期口径，可能跨多个年度；年度资金申请总额、当年财政拨款、上年结转资金为本年度预算口径，年度预算应以后者汇总。", &f.note)?;
        sheet.write_string_with_format(
            note_row + 1,
            0,
            "主管部门未填写的表格归入“（未填写主管部门）”；各项合计为公式，随“项目明细”自动更新。",
            &f.note,
        )?;
        sheet.set_column_width(0, (name_width as f64 + 2.0).min(50.0))?;
        sheet.set_column_width(1, 8)?;
        for col in 2..8u16 {
            sheet.set_column_width(col, 16)?;
        }
        sheet.set_freeze_panes(1, 1)?;
        sheet.set_repeat_rows(0, 0)?;
        sheet.set_landscape();
        sheet.set_paper_size(9);
        sheet.set_print_fit_to_pages(1, 0);
        let departments = totals.len();
        if departments == 0 {
            return Ok(());
        }
        if departments > MAX_CHART_DEPARTMENTS {
            let text = format!(
                "主管部门共 {departments} 个，超过 {MAX_CHART_DEPARTMENTS} 个，未绘制图表。"
            );
            sheet.write_string_with_format(note_row + 2, 0, &text, &f.note)?;
            return Ok(());
        }
        let mut chart = Chart::new(ChartType::Bar);
        chart
            .add_series()
            .set_categories(("汇总", 1, 0, last, 0))
            .set_values(("汇总", 1, 2, last, 2))
            .set_name("项目资金总额（万元）");
        chart.title().set_name("各主管部门项目资金总额（万元）");
        chart.legend().set_hidden();
        chart.y_axis().set_num_format("#,##0");
        chart.y_axis().set_reverse();
        chart.set_height(120 + 28 * departments as u32);
        chart.set_width(560);
        sheet.insert_chart(1, 9, &chart)?;
        Ok(())
    }

    fn write_department_sheets(
        &mut self,
        groups: BTreeMap<String, Vec<Project>>,
    ) -> Result<(), XlsxError> {
        let mut used: Vec<String> = self
            .workbook
            .worksheets()
            .iter()
            .map(|s| s.name())
            .collect();
        let headers = detail_headers();
        for (department, projects) in groups {
            let name = unique_sheet_name(&department, &used);
            used.push(name.clone());
            let header = self.formats.header.clone();
            let text = self.formats.text.clone();
            let money = self.formats.money.clone();
            let count = self.formats.count.clone();
            let date = self.formats.date.clone();
            let sheet = self.workbook.add_worksheet();
            sheet.set_name(&name)?;
            for (col, h) in headers.iter().enumerate() {
                sheet.write_string_with_format(0, col as u16, h, &header)?;
            }
            let mut widths: Vec<usize> = vec![0; headers.len()];
            for (offset, project) in projects.iter().enumerate() {
                let row = offset as u32 + 1;
                let warnings: Vec<&str> = project
                    .warnings
                    .iter()
                    .map(|w| w.message.as_str())
                    .collect();
                let warnings = warnings.join("；");
                let id = project_id(project);
                for (col, value) in detail_values(project, &department, &warnings, &id)
                    .iter()
                    .enumerate()
                {
                    let c = col as u16;
                    let width = match value {
                        Value::Text(t) => {
                            let (t, _) = fit_cell(t);
                            sheet.write_string_with_format(row, c, t.as_ref(), &text)?;
                            display_width(&t)
                        }
                        Value::Money(Some(a)) => {
                            sheet.write_with_format(row, c, *a, &money)?;
                            12
                        }
                        Value::Count(n) => {
                            sheet.write_number_with_format(row, c, *n as f64, &count)?;
                            6
                        }
                        Value::Year(Some(y)) => {
                            sheet.write_number_with_format(row, c, f64::from(*y), &count)?;
                            6
                        }
                        Value::Date(Some(d)) => {
                            write_date(sheet, row, c, *d, &date)?;
                            11
                        }
                        _ => 0,
                    };
                    widths[col] = widths[col].max(width);
                }
            }
            let header_widths: Vec<usize> = headers.iter().map(|h| display_width(h)).collect();
            finish_table(sheet, &header_widths, &widths, projects.len() as u32 + 1)?;
        }
        Ok(())
    }
}

#[derive(Clone, Copy)]
enum Which {
    Details,
    Indicators,
    Issues,
}

fn list(name: &'static str, headers: Vec<String>) -> ListSheet {
    ListSheet {
        name,
        headers,
        sheets: Vec::new(),
        rows: 0,
        widths: Vec::new(),
        total_rows: 0,
    }
}

fn detail_values<'a>(
    project: &'a Project,
    department: &'a str,
    warnings: &'a str,
    id: &'a str,
) -> Vec<Value<'a>> {
    let mut values = vec![
        Value::Text(department),
        Value::Text(&project.implementing_unit),
        Value::Text(&project.project_name),
        Value::Year(project.year),
        Value::Text(project.category.as_deref().unwrap_or("")),
        Value::Date(project.start_date),
        Value::Date(project.end_date),
    ];
    values.extend(
        FundKind::ALL
            .iter()
            .map(|k| Value::Money(project.funds.get(*k))),
    );
    values.extend([
        Value::Count(indicator_count(project)),
        Value::Text(warnings),
        Value::Text(&project.source.file),
        Value::Text(&project.source.sheet),
        Value::Text(&project.source.cell),
        Value::Text(id),
    ]);
    debug_assert_eq!(values.len(), detail_headers().len());
    values
}

fn write_date(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    date: Date,
    format: &Format,
) -> Result<(), XlsxError> {
    let excel = ExcelDateTime::from_ymd(date.year() as u16, date.month() as u8, date.day() as u8)?;
    sheet.write_datetime_with_format(row, col, &excel, format)?;
    Ok(())
}

/// Column widths that fit the text (CJK counted double), a frozen header, an autofilter, the
/// header repeated on every printed page.
fn finish_table(
    sheet: &mut Worksheet,
    headers: &[usize],
    widths: &[usize],
    rows: u32,
) -> Result<(), XlsxError> {
    for (col, header) in headers.iter().enumerate() {
        let width = widths
            .get(col)
            .copied()
            .unwrap_or(0)
            .max(*header)
            .clamp(6, 60);
        sheet.set_column_width(col as u16, width as f64 + 2.0)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    if !headers.is_empty() {
        sheet.autofilter(
            0,
            0,
            rows.saturating_sub(1).max(1),
            headers.len() as u16 - 1,
        )?;
    }
    sheet.set_repeat_rows(0, 0)?;
    sheet.set_landscape();
    sheet.set_paper_size(9);
    Ok(())
}

/// A SUMIF/COUNTIF criterion that matches the name exactly: a literal "=name" with the wildcards
/// ~ * ? escaped and quotes doubled.
fn criterion(name: &str) -> String {
    let mut escaped = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        match c {
            '~' | '*' | '?' => {
                escaped.push('~');
                escaped.push(c);
            }
            '"' => escaped.push_str("\"\""),
            c => escaped.push(c),
        }
    }
    format!("\"={escaped}\"")
}

/// `term(sheet)` for each detail sheet, added up.
fn sum_over(sheets: &[String], term: impl Fn(&str) -> String) -> String {
    sheets.iter().map(|s| term(s)).collect::<Vec<_>>().join("+")
}

/// "A" … "Z", "AA" …
fn column_letter(col: u16) -> String {
    let cell = crate::read::grid::a1(0, u32::from(col));
    cell.trim_end_matches('1').to_owned()
}

/// A sheet name Excel accepts (no []:*?/\, at most 31 characters) not yet used.
fn unique_sheet_name(name: &str, used: &[String]) -> String {
    let clean: String = name
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .collect::<String>()
        .trim_matches('\'')
        .to_owned();
    let clean = if clean.is_empty() {
        "主管部门".to_owned()
    } else {
        clean
    };
    let taken = |candidate: &str| used.iter().any(|u| u.eq_ignore_ascii_case(candidate));
    for n in 1.. {
        let suffix = if n == 1 {
            String::new()
        } else {
            format!(" ({n})")
        };
        let room = 31 - suffix.chars().count();
        let candidate: String = clean.chars().take(room).collect::<String>() + &suffix;
        if !taken(&candidate) {
            return candidate;
        }
    }
    unreachable!("some suffix is free")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn criteria_match_names_exactly() {
        assert_eq!(criterion("吴泾镇人民政府"), "\"=吴泾镇人民政府\"");
        assert_eq!(criterion("某*局?~"), "\"=某~*局~?~~\"");
        assert_eq!(criterion("say \"hi\""), "\"=say \"\"hi\"\"\"");
    }

    #[test]
    fn sheet_names_are_legal_and_unique() {
        let used = vec!["汇总".to_owned(), "项目明细".to_owned()];
        assert_eq!(unique_sheet_name("汇总", &used), "汇总 (2)");
        assert_eq!(unique_sheet_name("a/b", &used), "a_b");
        let long = "很".repeat(40);
        assert_eq!(unique_sheet_name(&long, &used).chars().count(), 31);
        assert_eq!(column_letter(7), "H");
        assert_eq!(column_letter(26), "AA");
    }
}
