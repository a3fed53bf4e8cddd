//! `summary.xlsx`, the annual summary workbook: 汇总 (one row per 主管部门 with live totals and a
//! chart), 项目明细 (one row per project), 绩效指标 (one row per indicator) and 问题清单 (every
//! warning and every file or form not converted). Rows arrive rendered (see `render.rs`) and
//! stream to temporary files as worksheet XML (see `sheet_xml.rs`), spliced in when the workbook
//! is saved; only the per-department totals are kept to the end.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use rust_decimal::Decimal;
use rust_xlsxwriter::{
    Chart, ChartType, ConditionalFormatFormula, Format, FormatAlign, FormatBorder, Formula,
    Workbook, Worksheet, XlsxError,
};

use super::cells::{column_letter, excel_date};
use super::csv_out::FUND_HEADERS;
use super::evaluations::{
    DETAIL_ADJUSTED_COL, DETAIL_EXECUTED_COL, DETAIL_GRADE_COL, DETAIL_SCORE_COL, EvaluationTotals,
};
use super::monitoring::{
    BEHIND_MARK, MONITORING_ADJUSTED_COL, MONITORING_BEHIND_COL, MONITORING_EXECUTED_COL,
    MONITORING_POSSIBLE_COL, MONITORING_PROGRESS_COL, MonitoringTotals,
};
use super::render::{
    DETAIL_CONCLUSION_COL, DETAIL_FIRST_FUND_COL, Sheet, XCell, XRow, detail_headers,
};
use super::rows::{display_width, fit_cell, unique_sheet_name};
use super::set_aside::SetAsideTotals;
use super::sheet_xml::{self, SheetRows};
use super::totals::DepartmentTotals;
use crate::model::{Date, FundKind};

/// Rows a sheet holds (Excel's limit); a longer list goes on in "项目明细 (2)" and so on.
const MAX_ROWS: u32 = 1_048_576;
/// Above this many departments the chart would be unreadable and is left out.
const MAX_CHART_DEPARTMENTS: usize = 60;
/// summary.xlsx's zip level: about twice as fast to save as the default 6, for a file a few
/// percent larger.
const ZIP_LEVEL: u8 = 1;

/// Formats, made once. Text cells take the workbook default (no per-cell format to look up).
struct Formats {
    header: Format,
    count: Format,
    money: Format,
    percent: Format,
    date: Format,
    text: Format,
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
            count: base.clone().set_num_format("0"),
            money: Format::new().set_num_format("#,##0.00"),
            percent: Format::new().set_num_format("0.00%"),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            text: base.clone(),
            total_label: total.clone(),
            total_money: total.clone().set_num_format("#,##0.00"),
            total_count: total.set_num_format("0"),
            note: base.set_italic().set_font_color("#595959"),
        }
    }
}

/// A list sheet that streams rows and goes on in a new sheet when full.
struct ListSheet {
    kind: Sheet,
    name: &'static str,
    headers: Vec<String>,
    /// Workbook indices of the sheets, first to last.
    sheets: Vec<usize>,
    /// The data rows of each sheet, as XML (see `sheet_xml`).
    parts: Vec<SheetRows>,
    /// Rows written to the last sheet, header included.
    rows: u32,
    /// Widest text per column, in character units.
    widths: Vec<u16>,
    /// Data rows in all.
    total_rows: u64,
}

impl ListSheet {
    fn new(kind: Sheet) -> ListSheet {
        ListSheet {
            kind,
            name: kind.name(),
            headers: kind.headers(),
            sheets: Vec::new(),
            parts: Vec::new(),
            rows: 0,
            widths: Vec::new(),
            total_rows: 0,
        }
    }

    fn sheet_name(&self, part: usize) -> String {
        if part == 0 {
            self.name.to_owned()
        } else {
            format!("{} ({})", self.name, part + 1)
        }
    }
}

/// The style numbers (rust_xlsxwriter's xf indices) of the list cells' formats, each given when
/// a cell first needs it — registered with the workbook then, in the order rust_xlsxwriter would
/// have met them writing the same cells, so the numbers are the ones it would have given: the
/// default format is 0, the header's (written with each sheet's first row, before any cell) 1.
/// (`Workbook::register_format` is public but undocumented: should it or the numbering change,
/// the test `list_rows_written_here_are_the_bytes_rust_xlsxwriter_writes` fails.)
#[derive(Debug, Default)]
struct Styles {
    money: Option<u32>,
    percent: Option<u32>,
    date: Option<u32>,
    given: u32,
}

impl Styles {
    fn index(&mut self, kind: sheet_xml::Format, workbook: &mut Workbook, f: &Formats) -> u32 {
        let (slot, format) = match kind {
            sheet_xml::Format::Money => (&mut self.money, &f.money),
            sheet_xml::Format::Percent => (&mut self.percent, &f.percent),
            sheet_xml::Format::Date => (&mut self.date, &f.date),
        };
        *slot.get_or_insert_with(|| {
            workbook.register_format(format);
            self.given += 1;
            1 + self.given
        })
    }
}

/// The summary workbook being written.
pub struct SummaryWorkbook {
    workbook: Workbook,
    formats: Formats,
    styles: Styles,
    /// Where the list sheets' rows wait.
    tempdir: PathBuf,
    /// The list sheets, in [`Sheet::ALL`] order.
    lists: Vec<ListSheet>,
    /// The index of 自评汇总, once the first self-evaluation row has made the evaluation sheets.
    evaluation_summary: Option<usize>,
    /// The index of 监控汇总, once the first monitoring row has made the monitoring sheets.
    monitoring_summary: Option<usize>,
    /// 项目明细 rows per department for `--per-department` (held to the end, so only when asked).
    per_department: Option<BTreeMap<String, Vec<XRow>>>,
    /// The review's conclusion words (通过, 需关注, 退回修改): 汇总 counts each per 主管部门.
    conclusions: Option<[String; 3]>,
}

impl SummaryWorkbook {
    /// Starts a workbook; temporary sheet files go to `tempdir`. With the review's conclusion
    /// words, 汇总 counts the projects of each conclusion and the 审核 sheet lists the findings.
    pub fn new(
        per_department: bool,
        conclusions: Option<[String; 3]>,
        tempdir: &Path,
    ) -> Result<SummaryWorkbook, XlsxError> {
        let mut workbook = Workbook::new();
        workbook.set_tempdir(tempdir)?;
        workbook.set_properties(&super::fixed_properties("财政项目支出绩效目标汇总"));
        workbook.set_zip_compression_level(ZIP_LEVEL);
        workbook.add_worksheet().set_name("汇总")?;
        let mut summary = SummaryWorkbook {
            workbook,
            formats: Formats::new(),
            styles: Styles::default(),
            tempdir: tempdir.to_owned(),
            lists: Sheet::ALL.into_iter().map(ListSheet::new).collect(),
            evaluation_summary: None,
            monitoring_summary: None,
            per_department: per_department.then(BTreeMap::new),
            conclusions,
        };
        let reviewed = summary.conclusions.is_some();
        for sheet in Sheet::ALL {
            if sheet.always() && (sheet != Sheet::Review || reviewed) {
                summary.start_sheet(sheet)?;
            }
        }
        Ok(summary)
    }

    /// Data rows written to a list sheet (all its parts).
    pub fn rows(&self, sheet: Sheet) -> u64 {
        self.lists[sheet as usize].total_rows
    }

    /// Data rows written to 项目明细.
    pub fn project_rows(&self) -> u64 {
        self.rows(Sheet::Details)
    }

    /// Makes the self-evaluation sheets, in a fixed order whatever row comes first: 自评汇总
    /// (filled in at the end), 自评明细, 目标对照.
    fn start_evaluation_sheets(&mut self) -> Result<(), XlsxError> {
        let index = self.workbook.worksheets().len();
        self.workbook.add_worksheet().set_name("自评汇总")?;
        self.evaluation_summary = Some(index);
        for sheet in Sheet::ALL.into_iter().filter(|s| s.of_evaluations()) {
            self.start_sheet(sheet)?;
        }
        Ok(())
    }

    /// Makes the monitoring sheets: 监控汇总 (filled in at the end), then 监控明细.
    fn start_monitoring_sheets(&mut self) -> Result<(), XlsxError> {
        let index = self.workbook.worksheets().len();
        self.workbook.add_worksheet().set_name("监控汇总")?;
        self.monitoring_summary = Some(index);
        for sheet in Sheet::ALL.into_iter().filter(|s| s.of_monitoring()) {
            self.start_sheet(sheet)?;
        }
        Ok(())
    }

    /// Appends a rendered row to its sheet.
    pub fn append(&mut self, row: &XRow) -> Result<(), XlsxError> {
        if row.sheet.of_evaluations() && self.evaluation_summary.is_none() {
            self.start_evaluation_sheets()?;
        }
        if row.sheet.of_monitoring() && self.monitoring_summary.is_none() {
            self.start_monitoring_sheets()?;
        }
        // A department sheet is made with its first row (部门整体, then 部门对账 at the end), and
        // so is 年度对比.
        if (row.sheet.of_departments() || row.sheet == Sheet::YearOverYear)
            && self.list(row.sheet).sheets.is_empty()
        {
            self.start_sheet(row.sheet)?;
        }
        if self.list(row.sheet).rows >= MAX_ROWS {
            self.start_sheet(row.sheet)?;
        }
        let list = self.list(row.sheet);
        let (index, at) = (*list.sheets.last().unwrap_or(&0), list.rows);
        if list.widths.len() < row.widths.len() {
            list.widths.resize(row.widths.len(), 0);
        }
        for (slot, width) in list.widths.iter_mut().zip(&row.widths) {
            *slot = (*slot).max(*width);
        }
        list.rows += 1;
        list.total_rows += 1;
        if row.sheet == Sheet::Details
            && let Some(groups) = &mut self.per_department
        {
            groups
                .entry(row.department().to_owned())
                .or_default()
                .push(row.clone());
        }
        let (workbook, styles, formats) = (&mut self.workbook, &mut self.styles, &self.formats);
        let rows = self.lists[row.sheet as usize]
            .parts
            .last_mut()
            .ok_or(XlsxError::UnknownWorksheetNameOrIndex(index.to_string()))?;
        rows.write(at, &row.cells, &mut |kind| {
            styles.index(kind, workbook, formats)
        })
    }

    /// Writes 汇总 (and 自评汇总) from the totals, finishes every sheet and saves the workbook to
    /// `path`.
    pub fn finish(
        mut self,
        totals: &DepartmentTotals,
        set_aside: &SetAsideTotals,
        path: &Path,
    ) -> Result<(), XlsxError> {
        self.write_summary_sheet(totals)?;
        if let Some(index) = self.evaluation_summary {
            self.write_evaluation_summary(index, &set_aside.evaluations)?;
        }
        if let Some(index) = self.monitoring_summary {
            self.write_monitoring_summary(index, &set_aside.monitoring)?;
            self.mark_behind_schedule()?;
        }
        for sheet in Sheet::ALL {
            if !self.list(sheet).sheets.is_empty() {
                self.finish_list(sheet)?;
            }
        }
        if let Some(groups) = self.per_department.take() {
            self.write_department_sheets(groups)?;
        }
        // The list sheets' rows go in as the saved workbook is copied to `path`; worksheet N
        // (from 1, in workbook order) is the part xl/worksheets/sheetN.xml.
        let mut rows = HashMap::new();
        for list in &mut self.lists {
            for (index, part) in list.sheets.iter().zip(list.parts.drain(..)) {
                rows.insert(format!("xl/worksheets/sheet{}.xml", index + 1), part);
            }
        }
        let packaged = self.workbook.save_to_buffer()?;
        sheet_xml::splice(&packaged, rows, u32::from(ZIP_LEVEL), path)
    }

    fn list(&mut self, sheet: Sheet) -> &mut ListSheet {
        let list = &mut self.lists[sheet as usize];
        debug_assert_eq!(list.kind, sheet);
        list
    }

    fn start_sheet(&mut self, which: Sheet) -> Result<(), XlsxError> {
        let list = self.list(which);
        let name = list.sheet_name(list.sheets.len());
        let headers = list.headers.clone();
        let index = self.workbook.worksheets().len();
        let header = self.formats.header.clone();
        let part = SheetRows::new(&self.tempdir, headers.len(), u32::from(ZIP_LEVEL))?;
        let sheet = self.workbook.add_worksheet_with_constant_memory()?;
        sheet.set_name(&name)?;
        for (col, text) in headers.iter().enumerate() {
            sheet.write_string_with_format(0, col as u16, text, &header)?;
        }
        sheet.set_row_height(0, 30)?;
        let list = self.list(which);
        list.sheets.push(index);
        list.parts.push(part);
        list.rows = 1;
        Ok(())
    }

    fn finish_list(&mut self, which: Sheet) -> Result<(), XlsxError> {
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

    fn write_summary_sheet(&mut self, totals: &DepartmentTotals) -> Result<(), XlsxError> {
        let details = &self.lists[Sheet::Details as usize];
        let detail_sheets: Vec<String> = (0..details.sheets.len())
            .map(|part| details.sheet_name(part))
            .collect();
        let f = &self.formats;
        let sheet = self.workbook.worksheet_from_index(0)?;
        let mut headers = vec!["主管部门".to_owned(), "项目数".to_owned()];
        // The six figures of the 汇总 columns: every amount but 年度其他资金 (in 项目明细 only).
        let kinds = &FundKind::ALL[..6];
        headers.extend(FUND_HEADERS[..6].iter().map(|h| format!("{h}（万元）")));
        let conclusions = self.conclusions.clone();
        if let Some(words) = &conclusions {
            headers.extend(words.iter().map(|w| format!("审核{w}（个）")));
        }
        let conclusion_col = column_letter(DETAIL_CONCLUSION_COL);
        for (col, text) in headers.iter().enumerate() {
            sheet.write_string_with_format(0, col as u16, text, &f.header)?;
        }
        sheet.set_row_height(0, 32)?;
        let mut name_width = display_width("主管部门");
        let mut row = 1u32;
        for (department, total) in totals.iter() {
            name_width = name_width.max(display_width(department));
            sheet.write_string_with_format(row, 0, fit_cell(department).0, &f.text)?;
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
                let column = column_letter(DETAIL_FIRST_FUND_COL + offset as u16);
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
            for (offset, word) in conclusions.iter().flatten().enumerate() {
                let w = self::criterion(word);
                let formula = sum_over(&detail_sheets, |s| {
                    format!(
                        "COUNTIFS('{s}'!$A:$A,{criterion},'{s}'!${conclusion_col}:${conclusion_col},{w})"
                    )
                });
                sheet.write_formula_with_format(
                    row,
                    8 + offset as u16,
                    Formula::new(formula).set_result(total.conclusions[offset].to_string()),
                    &f.count,
                )?;
            }
            row += 1;
        }
        let last = row - 1;
        let grand = totals.grand_total();
        sheet.write_string_with_format(row, 0, "合计", &f.total_label)?;
        let range_sum = |col: u16| column_total(col, last + 1);
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
        for offset in 0..conclusions.as_ref().map_or(0, |w| w.len()) {
            let col = 8 + offset as u16;
            sheet.write_formula_with_format(
                row,
                col,
                Formula::new(range_sum(col)).set_result(grand.conclusions[offset].to_string()),
                &f.total_count,
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
        for col in 8..11u16 {
            sheet.set_column_width(col, 18)?;
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
        // Below the table and its notes, so the printed page is no wider than the table.
        sheet.insert_chart(note_row + 3, 0, &chart)?;
        Ok(())
    }

    /// 自评汇总: per 主管部门 the self-evaluations, their 全年预算数 and 全年执行数, the 执行率 and the
    /// mean 总分 as live formulas over 自评明细, and how many got each grade.
    fn write_evaluation_summary(
        &mut self,
        index: usize,
        totals: &EvaluationTotals,
    ) -> Result<(), XlsxError> {
        let details = &self.lists[Sheet::EvaluationDetails as usize];
        let parts: Vec<String> = (0..details.sheets.len())
            .map(|part| details.sheet_name(part))
            .collect();
        let f = &self.formats;
        let sheet = self.workbook.worksheet_from_index(index)?;
        let grades = totals.grade_names();
        let mut headers: Vec<String> = [
            "主管部门",
            "项目数",
            "全年预算数（万元）",
            "全年执行数（万元）",
            "执行率",
            "平均得分",
        ]
        .map(String::from)
        .into();
        headers.extend(grades.iter().map(|g| format!("{g}（个）")));
        for (col, text) in headers.iter().enumerate() {
            sheet.write_string_with_format(0, col as u16, text, &f.header)?;
        }
        sheet.set_row_height(0, 32)?;
        let column = |col: u16| column_letter(col);
        let (adjusted, executed) = (column(DETAIL_ADJUSTED_COL), column(DETAIL_EXECUTED_COL));
        let (score, grade) = (column(DETAIL_SCORE_COL), column(DETAIL_GRADE_COL));
        let mut name_width = display_width("主管部门");
        let mut row = 1u32;
        let rate = |row: u32| format!("IF(C{r}=0,\"\",D{r}/C{r})", r = row + 1);
        let rate_of = |t: &crate::write::evaluations::EvaluationTotal| {
            if t.adjusted.is_zero() {
                String::new()
            } else {
                (t.executed / t.adjusted)
                    .round_dp(6)
                    .normalize()
                    .to_string()
            }
        };
        for (department, total) in totals.iter() {
            name_width = name_width.max(display_width(department));
            sheet.write_string_with_format(row, 0, fit_cell(department).0, &f.text)?;
            let c = criterion(department);
            let count = sum_over(&parts, |s| format!("COUNTIF('{s}'!$A:$A,{c})"));
            let sum = |col: &str| {
                sum_over(&parts, |s| {
                    format!("SUMIF('{s}'!$A:$A,{c},'{s}'!${col}:${col})")
                })
            };
            let scored = sum_over(&parts, |s| {
                format!("COUNTIFS('{s}'!$A:$A,{c},'{s}'!${score}:${score},\"<>\")")
            });
            let mean = format!("IF(({scored})=0,\"\",({})/({scored}))", sum(&score));
            let cached = [
                (1, count, total.forms.to_string(), &f.count),
                (
                    2,
                    sum(&adjusted),
                    total.adjusted.normalize().to_string(),
                    &f.money,
                ),
                (
                    3,
                    sum(&executed),
                    total.executed.normalize().to_string(),
                    &f.money,
                ),
                (4, rate(row), rate_of(total), &f.percent),
                (
                    5,
                    mean,
                    total
                        .mean_score()
                        .map_or(String::new(), |m| m.normalize().to_string()),
                    &f.money,
                ),
            ];
            for (col, formula, value, format) in cached {
                sheet.write_formula_with_format(
                    row,
                    col,
                    Formula::new(formula).set_result(value),
                    format,
                )?;
            }
            for (offset, name) in grades.iter().enumerate() {
                let g = criterion(name);
                let formula = sum_over(&parts, |s| {
                    format!("COUNTIFS('{s}'!$A:$A,{c},'{s}'!${grade}:${grade},{g})")
                });
                let value = total.grades.get(name).copied().unwrap_or(0).to_string();
                sheet.write_formula_with_format(
                    row,
                    6 + offset as u16,
                    Formula::new(formula).set_result(value),
                    &f.count,
                )?;
            }
            row += 1;
        }
        let last = row;
        let grand = totals.grand_total();
        sheet.write_string_with_format(row, 0, "合计", &f.total_label)?;
        let range_sum = |col: u16| column_total(col, last);
        let grand_cached = [
            (1, grand.forms.to_string(), &f.total_count),
            (2, grand.adjusted.normalize().to_string(), &f.total_money),
            (3, grand.executed.normalize().to_string(), &f.total_money),
        ];
        for (col, value, format) in grand_cached {
            sheet.write_formula_with_format(
                row,
                col,
                Formula::new(range_sum(col)).set_result(value),
                format,
            )?;
        }
        sheet.write_formula_with_format(
            row,
            4,
            Formula::new(rate(row)).set_result(rate_of(&grand)),
            &f.percent,
        )?;
        for (offset, name) in grades.iter().enumerate() {
            let col = 6 + offset as u16;
            let value = grand.grades.get(name).copied().unwrap_or(0).to_string();
            sheet.write_formula_with_format(
                row,
                col,
                Formula::new(range_sum(col)).set_result(value),
                &f.total_count,
            )?;
        }
        let note = "说明：绩效自评表不计入绩效目标表的资金汇总；执行率 = 全年执行数 ÷ 全年预算数（年度资金总额一行），平均得分为有总分的自评表的平均；各项为公式，随“自评明细”自动更新。";
        sheet.write_string_with_format(row + 2, 0, note, &f.note)?;
        sheet.set_column_width(0, (name_width as f64 + 2.0).min(50.0))?;
        sheet.set_column_width(1, 8)?;
        for col in 2..6u16 {
            sheet.set_column_width(col, 14)?;
        }
        sheet.set_freeze_panes(1, 1)?;
        sheet.set_repeat_rows(0, 0)?;
        sheet.set_landscape();
        sheet.set_paper_size(9);
        sheet.set_print_fit_to_pages(1, 0);
        Ok(())
    }

    /// 监控汇总: per 主管部门 the monitoring forms, their 全年预算数 and 执行数, the 执行率 and the mean
    /// 序时进度, the projects behind schedule and the indicators at risk — live formulas over 监控明细.
    fn write_monitoring_summary(
        &mut self,
        index: usize,
        totals: &MonitoringTotals,
    ) -> Result<(), XlsxError> {
        let details = &self.lists[Sheet::MonitoringDetails as usize];
        let parts: Vec<String> = (0..details.sheets.len())
            .map(|part| details.sheet_name(part))
            .collect();
        let f = &self.formats;
        let sheet = self.workbook.worksheet_from_index(index)?;
        let headers = [
            "主管部门",
            "项目数",
            "全年预算数（万元）",
            "执行数（万元）",
            "执行率",
            "序时进度",
            "落后于序时进度的项目（个）",
            "有可能完成的指标（个）",
            "完全不可能完成的指标（个）",
        ];
        for (col, text) in headers.iter().enumerate() {
            sheet.write_string_with_format(0, col as u16, *text, &f.header)?;
        }
        sheet.set_row_height(0, 32)?;
        let column = column_letter;
        let (adjusted, executed) = (
            column(MONITORING_ADJUSTED_COL),
            column(MONITORING_EXECUTED_COL),
        );
        let progress = column(MONITORING_PROGRESS_COL);
        let behind = column(MONITORING_BEHIND_COL);
        let (possible, impossible) = (
            column(MONITORING_POSSIBLE_COL),
            column(MONITORING_POSSIBLE_COL + 1),
        );
        let rate = |row: u32| format!("IF(C{r}=0,\"\",D{r}/C{r})", r = row + 1);
        let decimal = |d: Option<Decimal>| d.map_or(String::new(), |d| d.normalize().to_string());
        let mut name_width = display_width("主管部门");
        let mut row = 1u32;
        for (department, total) in totals.iter() {
            name_width = name_width.max(display_width(department));
            sheet.write_string_with_format(row, 0, fit_cell(department).0, &f.text)?;
            let c = criterion(department);
            let count = sum_over(&parts, |s| format!("COUNTIF('{s}'!$A:$A,{c})"));
            let sum = |col: &str| {
                sum_over(&parts, |s| {
                    format!("SUMIF('{s}'!$A:$A,{c},'{s}'!${col}:${col})")
                })
            };
            let stated = sum_over(&parts, |s| {
                format!("COUNTIFS('{s}'!$A:$A,{c},'{s}'!${progress}:${progress},\"<>\")")
            });
            let mean = format!("IF(({stated})=0,\"\",({})/({stated}))", sum(&progress));
            let mark = criterion(BEHIND_MARK);
            let behind_count = sum_over(&parts, |s| {
                format!("COUNTIFS('{s}'!$A:$A,{c},'{s}'!${behind}:${behind},{mark})")
            });
            let cells = [
                (1, count, total.forms.to_string(), &f.count),
                (
                    2,
                    sum(&adjusted),
                    total.adjusted.normalize().to_string(),
                    &f.money,
                ),
                (
                    3,
                    sum(&executed),
                    total.executed.normalize().to_string(),
                    &f.money,
                ),
                (4, rate(row), decimal(total.rate()), &f.percent),
                (5, mean, decimal(total.progress()), &f.percent),
                (6, behind_count, total.behind.to_string(), &f.count),
                (7, sum(&possible), total.possible.to_string(), &f.count),
                (8, sum(&impossible), total.impossible.to_string(), &f.count),
            ];
            for (col, formula, value, format) in cells {
                sheet.write_formula_with_format(
                    row,
                    col,
                    Formula::new(formula).set_result(value),
                    format,
                )?;
            }
            row += 1;
        }
        let last = row;
        let grand = totals.grand_total();
        sheet.write_string_with_format(row, 0, "合计", &f.total_label)?;
        let range_sum = |col: u16| column_total(col, last);
        let grand_cells = [
            (1, grand.forms.to_string(), &f.total_count),
            (2, grand.adjusted.normalize().to_string(), &f.total_money),
            (3, grand.executed.normalize().to_string(), &f.total_money),
            (6, grand.behind.to_string(), &f.total_count),
            (7, grand.possible.to_string(), &f.total_count),
            (8, grand.impossible.to_string(), &f.total_count),
        ];
        for (col, value, format) in grand_cells {
            sheet.write_formula_with_format(
                row,
                col,
                Formula::new(range_sum(col)).set_result(value),
                format,
            )?;
        }
        sheet.write_formula_with_format(
            row,
            4,
            Formula::new(rate(row)).set_result(decimal(grand.rate())),
            &f.percent,
        )?;
        let stated = sum_over(&parts, |s| format!("COUNT('{s}'!${progress}:${progress})"));
        let all = sum_over(&parts, |s| format!("SUM('{s}'!${progress}:${progress})"));
        sheet.write_formula_with_format(
            row,
            5,
            Formula::new(format!("IF(({stated})=0,\"\",({all})/({stated}))"))
                .set_result(decimal(grand.progress())),
            &f.percent,
        )?;
        let note = "说明：绩效运行监控表不计入绩效目标表的资金汇总；执行率 = 执行数 ÷ 全年预算数（年度资金总额一行），序时进度为截至月份 ÷ 12 的平均；“落后于序时进度”按任一资金行执行率低于序时进度超过阈值计（见“监控明细”中标色的行）；各项为公式，随“监控明细”自动更新。";
        sheet.write_string_with_format(row + 2, 0, note, &f.note)?;
        sheet.set_column_width(0, (name_width as f64 + 2.0).min(50.0))?;
        sheet.set_column_width(1, 8)?;
        for col in 2..9u16 {
            sheet.set_column_width(col, 14)?;
        }
        sheet.set_freeze_panes(1, 1)?;
        sheet.set_repeat_rows(0, 0)?;
        sheet.set_landscape();
        sheet.set_paper_size(9);
        sheet.set_print_fit_to_pages(1, 0);
        Ok(())
    }

    /// Marks the rows of 监控明细 behind schedule: a light red fill by conditional formatting on
    /// the 落后于序时进度 column, so a row a reviewer corrects changes colour with it.
    fn mark_behind_schedule(&mut self) -> Result<(), XlsxError> {
        let list = &self.lists[Sheet::MonitoringDetails as usize];
        let last_col = list.headers.len().saturating_sub(1) as u16;
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
        let behind = column_letter(MONITORING_BEHIND_COL);
        let rule = format!("=${behind}2=\"{BEHIND_MARK}\"");
        let format = Format::new()
            .set_background_color("#FCE4D6")
            .set_font_color("#9C0006");
        for (index, rows) in parts {
            if rows < 2 {
                continue;
            }
            let conditional = ConditionalFormatFormula::new()
                .set_rule(rule.as_str())
                .set_format(&format);
            let sheet = self.workbook.worksheet_from_index(index)?;
            sheet.add_conditional_format(1, 0, rows - 1, last_col, &conditional)?;
        }
        Ok(())
    }

    fn write_department_sheets(
        &mut self,
        groups: BTreeMap<String, Vec<XRow>>,
    ) -> Result<(), XlsxError> {
        let mut used: Vec<String> = self
            .workbook
            .worksheets()
            .iter()
            .map(|s| s.name())
            .collect();
        let headers = detail_headers();
        let header_widths: Vec<usize> = headers.iter().map(|h| display_width(h)).collect();
        for (department, rows) in groups {
            let name = unique_sheet_name(&department, &used);
            used.push(name.clone());
            let header = self.formats.header.clone();
            let sheet = self.workbook.add_worksheet();
            sheet.set_name(&name)?;
            for (col, h) in headers.iter().enumerate() {
                sheet.write_string_with_format(0, col as u16, h, &header)?;
            }
            let mut widths: Vec<u16> = vec![0; headers.len()];
            let count = rows.len() as u32;
            for (offset, row) in rows.into_iter().enumerate() {
                for (slot, width) in widths.iter_mut().zip(&row.widths) {
                    *slot = (*slot).max(*width);
                }
                write_cells(sheet, offset as u32 + 1, row.cells, &self.formats)?;
            }
            finish_table(sheet, &header_widths, &widths, count + 1)?;
        }
        Ok(())
    }
}

/// Writes a row's cells: text as text (never a formula; the string handed over, not copied),
/// amounts and numbers as numbers.
fn write_cells(
    sheet: &mut Worksheet,
    row: u32,
    cells: Vec<XCell>,
    formats: &Formats,
) -> Result<(), XlsxError> {
    for (col, cell) in cells.into_iter().enumerate() {
        let col = col as u16;
        match cell {
            XCell::Text(text) if !text.is_empty() => {
                sheet.write_string(row, col, text)?;
            }
            XCell::Money(Some(amount)) => {
                sheet.write_with_format(row, col, amount, &formats.money)?;
            }
            XCell::Number(Some(number)) => {
                sheet.write(row, col, number)?;
            }
            XCell::Date(Some(date)) => write_date(sheet, row, col, date, &formats.date)?,
            XCell::Percent(Some(fraction)) => {
                sheet.write_with_format(row, col, fraction, &formats.percent)?;
            }
            XCell::RowDifference { .. } | XCell::RowChange { .. } => {
                let format = match cell {
                    XCell::RowDifference { .. } => &formats.money,
                    _ => &formats.percent,
                };
                if let Some((formula, cached)) = cell.formula(row) {
                    let formula = Formula::new(formula).set_result(cached);
                    sheet.write_formula_with_format(row, col, formula, format)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn write_date(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    date: Date,
    format: &Format,
) -> Result<(), XlsxError> {
    sheet.write_datetime_with_format(row, col, &excel_date(date)?, format)?;
    Ok(())
}

/// Column widths that fit the text (CJK counted double), a frozen header, an autofilter, the
/// header repeated on every printed page.
fn finish_table(
    sheet: &mut Worksheet,
    headers: &[usize],
    widths: &[u16],
    rows: u32,
) -> Result<(), XlsxError> {
    for (col, header) in headers.iter().enumerate() {
        let width = widths
            .get(col)
            .map_or(0, |w| usize::from(*w))
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
    let escape = |c: char, into: &mut String| match c {
        '~' | '*' | '?' => {
            into.push('~');
            into.push(c);
        }
        '"' => into.push_str("\"\""),
        c => into.push(c),
    };
    // The criterion Excel reads: "=" and the name, wildcards escaped (quotes are only doubled in
    // the formula's text).
    let units = |c: char| c.len_utf16() + usize::from(matches!(c, '~' | '*' | '?'));
    let mut escaped = String::with_capacity(name.len() + 4);
    // "=" and the name within the limit.
    if name.chars().map(units).sum::<usize>() < CRITERION_UNITS {
        name.chars().for_each(|c| escape(c, &mut escaped));
    } else {
        // Excel compares at most 255 characters of a criterion (a longer one gives #VALUE!):
        // the name's beginning and a wildcard for the rest.
        let mut used = 1;
        for c in name.chars() {
            if used + units(c) > CRITERION_UNITS - 1 {
                break;
            }
            used += units(c);
            escape(c, &mut escaped);
        }
        escaped.push('*');
    }
    format!("\"={escaped}\"")
}

/// The longest criterion COUNTIF/SUMIF read, in characters (UTF-16 units).
const CRITERION_UNITS: usize = 255;

/// `term(sheet)` for each detail sheet, added up.
fn sum_over(sheets: &[String], term: impl Fn(&str) -> String) -> String {
    sheets.iter().map(|s| term(s)).collect::<Vec<_>>().join("+")
}

/// The sum of a column's rows under the header, for a 合计 in the row after them (0-based
/// `total_row`: the rows summed are the sheet's rows 2 to `total_row`); "0" when there are none.
fn column_total(col: u16, total_row: u32) -> String {
    let letter = column_letter(col);
    if total_row <= 1 {
        "0".to_owned()
    } else {
        format!("SUM({letter}2:{letter}{total_row})")
    }
}

/// "A" … "Z", "AA" …
#[cfg(test)]
mod tests {
    use super::*;

    /// Cells of every kind a list row holds, with text to escape.
    fn sample_rows() -> Vec<Vec<XCell>> {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        let mut rows = Vec::new();
        for i in 0..300 {
            rows.push(vec![
                XCell::Text(format!("吴泾镇人民政府 {i}")),
                XCell::Text(String::new()),
                XCell::Text(" a<b>&c \t".to_owned()),
                XCell::Text("_x0041_ bell\x07 \u{FFFE}！（）\u{FFFD}\r\n".to_owned()),
                XCell::Money(Some(d("8587.17") * Decimal::from(i))),
                XCell::Money(None),
                XCell::Number(Some(d("-0.125"))),
                XCell::Date(Date::new(2020 + i % 5, 1 + (i as u32) % 12, 28)),
                XCell::Percent(Some(d("0.9537"))),
                XCell::RowDifference {
                    minuend: 4,
                    subtrahend: 6,
                    cached: d("123.456"),
                },
                XCell::RowChange {
                    from: 4,
                    to: 6,
                    cached: (i % 2 == 0).then(|| d("-1.5")),
                },
            ]);
        }
        // A row of nothing writes no row; one after it still does.
        rows.push(vec![XCell::Text(String::new()), XCell::Money(None)]);
        rows.push(vec![XCell::Number(Some(d("1e-7")))]);
        rows
    }

    /// A workbook as the summary makes one: 汇总 first, then a list sheet with the header format
    /// and height, its rows written by `rows`, and one list sheet with its header only.
    fn list_workbook(rows: impl FnOnce(&mut Workbook, usize, &Formats)) -> Workbook {
        let formats = Formats::new();
        let mut book = Workbook::new();
        book.set_zip_compression_level(ZIP_LEVEL);
        book.set_properties(&crate::write::fixed_properties("t"));
        book.add_worksheet().set_name("汇总").unwrap();
        for name in ["项目明细", "问题清单"] {
            let sheet = book.add_worksheet_with_constant_memory().unwrap();
            sheet.set_name(name).unwrap();
            for col in 0..11u16 {
                sheet
                    .write_string_with_format(0, col, format!("列{col}"), &formats.header)
                    .unwrap();
            }
            sheet.set_row_height(0, 30).unwrap();
        }
        rows(&mut book, 1, &formats);
        book
    }

    /// Every entry of a package, in order: its name and content (read through the zip crate,
    /// which checks each entry's CRC-32 and size).
    fn entries(path: &std::path::Path) -> Vec<(String, Vec<u8>)> {
        let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
        (0..zip.len())
            .map(|i| {
                let mut entry = zip.by_index(i).unwrap();
                let mut content = Vec::new();
                std::io::Read::read_to_end(&mut entry, &mut content).unwrap();
                (entry.name().unwrap().into_owned(), content)
            })
            .collect()
    }

    #[test]
    fn list_rows_written_here_are_the_parts_rust_xlsxwriter_writes() {
        let dir = tempfile::tempdir().unwrap();
        let (theirs, ours) = (dir.path().join("a.xlsx"), dir.path().join("b.xlsx"));
        let many = |rows: Vec<Vec<XCell>>| -> Vec<Vec<XCell>> {
            // Rows over several of the deflater's 64 KB pieces.
            (0..40).flat_map(|_| rows.clone()).collect()
        };
        let mut book = list_workbook(|book, index, formats| {
            let sheet = book.worksheet_from_index(index).unwrap();
            for (at, cells) in many(sample_rows()).into_iter().enumerate() {
                write_cells(sheet, at as u32 + 1, cells, formats).unwrap();
            }
        });
        book.save(&theirs).unwrap();
        let mut parts = HashMap::new();
        let mut book = list_workbook(|book, index, formats| {
            let mut rows = SheetRows::new(dir.path(), 11, u32::from(ZIP_LEVEL)).unwrap();
            let mut styles = Styles::default();
            for (at, cells) in many(sample_rows()).into_iter().enumerate() {
                rows.write(at as u32 + 1, &cells, &mut |kind| {
                    styles.index(kind, book, formats)
                })
                .unwrap();
            }
            parts.insert(format!("xl/worksheets/sheet{}.xml", index + 1), rows);
            let header_only = SheetRows::new(dir.path(), 11, u32::from(ZIP_LEVEL)).unwrap();
            parts.insert(format!("xl/worksheets/sheet{}.xml", index + 2), header_only);
        });
        let packaged = book.save_to_buffer().unwrap();
        sheet_xml::splice(&packaged, parts, u32::from(ZIP_LEVEL), &ours).unwrap();
        let (theirs, ours) = (entries(&theirs), entries(&ours));
        let sheet = &theirs
            .iter()
            .find(|(n, _)| n == "xl/worksheets/sheet2.xml")
            .unwrap()
            .1;
        assert!(sheet.len() > 3 * 64 * 1024, "rows over several pieces");
        assert_eq!(
            theirs.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            ours.iter().map(|(n, _)| n).collect::<Vec<_>>()
        );
        for ((name, a), (_, b)) in theirs.iter().zip(&ours) {
            assert!(a == b, "{name} differs from rust_xlsxwriter's");
        }
    }

    #[test]
    fn criteria_match_names_exactly() {
        assert_eq!(criterion("吴泾镇人民政府"), "\"=吴泾镇人民政府\"");
        assert_eq!(criterion("某*局?~"), "\"=某~*局~?~~\"");
        assert_eq!(criterion("say \"hi\""), "\"=say \"\"hi\"\"\"");
        // Up to 255 characters with the "=": the name as it is; longer, its beginning and "*".
        let fits = "局".repeat(254);
        assert_eq!(criterion(&fits), format!("\"={fits}\""));
        let long = "局".repeat(255);
        assert_eq!(criterion(&long), format!("\"={}*\"", "局".repeat(253)));
        let starred = "*".repeat(200);
        let c = criterion(&starred);
        assert_eq!(
            c,
            format!("\"={}*\"", "~*".repeat(126)),
            "an escape is never split"
        );
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
