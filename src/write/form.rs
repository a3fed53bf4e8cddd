//! Writes a [`Project`] back as a government form sheet, laid out as the sh2023 (上海乡镇) or
//! sd2020 (山东济宁) form: title, merged label cells, borders. It is what makes `samples/`, the
//! bulk benchmark's inputs and the layout tests' variants; the readers never depend on it.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, FormatBorder, Worksheet, XlsxError};

use crate::model::{Block, Date, FundKind, Indicator, Project};

/// How the 其他资金 rows of the sh2023 fund block are laid out (the seeds use all three).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FundRows {
    /// 其他资金 | 上年结转资金 in the third row; no annual 其他资金.
    #[default]
    Three,
    /// A fourth row holds 其他资金 in both columns.
    OtherInFourth,
    /// The third row as in `Three`, and the annual 其他资金 alone in a fourth row.
    AnnualOtherInFourth,
}

/// Variations of the layout, as real forms vary.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct FormStyle {
    /// Top-left cell of the form (row, column), zero-based.
    pub origin: (u32, u16),
    /// A 计量单位 column between 三级指标 and the value column (sh2023).
    pub unit_column: bool,
    /// Labels written with spaces between their characters ("项 目 名 称").
    pub spaced_labels: bool,
    /// Amounts in 元 ("项目资金（元）" and 1,125,000.00) instead of 万元.
    pub in_yuan: bool,
    /// Amounts written as text ("112.50万元") rather than numbers.
    pub amounts_as_text: bool,
    /// The sh2023 fund block's rows.
    pub fund_rows: FundRows,
    /// The overall goal wrapped in `<p>…</p>`, as pasted from a web system.
    pub html_goal: bool,
}

/// Formats shared by one sheet's cells.
struct Formats {
    title: Format,
    subtitle: Format,
    label: Format,
    text: Format,
    paragraph: Format,
    amount: Format,
    date: Format,
    plain: Format,
}

impl Formats {
    fn new(in_yuan: bool) -> Formats {
        let cell = Format::new()
            .set_border(FormatBorder::Thin)
            .set_text_wrap()
            .set_align(FormatAlign::VerticalCenter)
            .set_font_name("宋体")
            .set_font_size(10.5);
        Formats {
            title: Format::new()
                .set_bold()
                .set_font_name("黑体")
                .set_font_size(18)
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter),
            subtitle: Format::new()
                .set_font_name("宋体")
                .set_font_size(12)
                .set_align(FormatAlign::Center),
            label: cell.clone().set_align(FormatAlign::Center),
            text: cell.clone().set_align(FormatAlign::Center),
            paragraph: cell.clone().set_align(FormatAlign::Left),
            amount: cell
                .clone()
                .set_align(FormatAlign::Center)
                .set_num_format(if in_yuan { "#,##0.00" } else { "0.00" }),
            date: cell
                .clone()
                .set_align(FormatAlign::Center)
                .set_num_format("yyyy\"年\"m\"月\"d\"日\""),
            plain: Format::new().set_font_name("宋体").set_font_size(10.5),
        }
    }
}

/// A sheet being written, with the form's origin and style.
struct FormWriter<'a> {
    ws: &'a mut Worksheet,
    row0: u32,
    col0: u16,
    style: &'a FormStyle,
    formats: Formats,
    /// Column widths in characters, from the origin.
    widths: &'static [f64],
    /// Row heights the wrapped texts need, applied at the end (relative rows).
    heights: std::collections::BTreeMap<u32, f64>,
}

impl FormWriter<'_> {
    /// Writes text over a (possibly merged) range, relative to the origin.
    fn text(
        &mut self,
        r0: u32,
        c0: u16,
        r1: u32,
        c1: u16,
        text: &str,
        format: &Format,
    ) -> Result<(), XlsxError> {
        let (a, b, c, d) = (
            self.row0 + r0,
            self.col0 + c0,
            self.row0 + r1,
            self.col0 + c1,
        );
        if (a, b) == (c, d) {
            if text.is_empty() {
                self.ws.write_blank(a, b, format)?;
            } else {
                self.ws.write_string_with_format(a, b, text, format)?;
            }
        } else {
            self.ws.merge_range(a, b, c, d, text, format)?;
        }
        Ok(())
    }

    fn label(&mut self, r0: u32, c0: u16, r1: u32, c1: u16, text: &str) -> Result<(), XlsxError> {
        let shown = if self.style.spaced_labels && text.chars().count() <= 6 && !text.contains('\n')
        {
            text.chars().map(String::from).collect::<Vec<_>>().join(" ")
        } else {
            text.to_owned()
        };
        let format = self.formats.label.clone();
        self.text(r0, c0, r1, c1, &shown, &format)
    }

    fn value(&mut self, r0: u32, c0: u16, c1: u16, text: &str) -> Result<(), XlsxError> {
        let format = self.formats.text.clone();
        self.text(r0, c0, r0, c1, text, &format)
    }

    fn paragraph(&mut self, r0: u32, c0: u16, c1: u16, text: &str) -> Result<(), XlsxError> {
        let format = self.formats.paragraph.clone();
        self.fit_height(r0, c0, c1, text);
        self.text(r0, c0, r0, c1, text, &format)
    }

    /// Makes a row tall enough for a wrapped text over columns `c0..=c1` (a CJK character is two
    /// width units; Excel and LibreOffice do not grow merged rows by themselves).
    fn fit_height(&mut self, r0: u32, c0: u16, c1: u16, text: &str) {
        let width: f64 = (c0..=c1)
            .map(|c| self.widths.get(usize::from(c)).copied().unwrap_or(10.0))
            .sum();
        let lines: f64 = text
            .lines()
            .map(|line| {
                let units: f64 = line
                    .chars()
                    .map(|c| if c.is_ascii() { 1.0 } else { 2.0 })
                    .sum();
                (units / width.max(1.0)).ceil().max(1.0)
            })
            .sum();
        let height = (lines * 14.0 + 4.0).min(409.0);
        let slot = self.heights.entry(r0).or_insert(15.0);
        *slot = slot.max(height);
    }

    fn amount(
        &mut self,
        r0: u32,
        c0: u16,
        c1: u16,
        amount: Option<Decimal>,
    ) -> Result<(), XlsxError> {
        let format = self.formats.amount.clone();
        self.text(r0, c0, r0, c1, "", &format)?;
        let Some(amount) = amount else { return Ok(()) };
        let (row, col) = (self.row0 + r0, self.col0 + c0);
        let shown = if self.style.in_yuan {
            amount * Decimal::from(10_000)
        } else {
            amount
        };
        if self.style.amounts_as_text {
            let unit = if self.style.in_yuan { "元" } else { "万元" };
            let text = format!("{}{unit}", shown.round_dp(2));
            self.ws.write_string_with_format(row, col, text, &format)?;
        } else {
            self.ws
                .write_number_with_format(row, col, shown.to_f64().unwrap_or(0.0), &format)?;
        }
        Ok(())
    }

    fn date(&mut self, r0: u32, c0: u16, c1: u16, date: Option<Date>) -> Result<(), XlsxError> {
        let format = self.formats.date.clone();
        self.text(r0, c0, r0, c1, "", &format)?;
        if let Some(date) = date {
            let excel =
                ExcelDateTime::from_ymd(date.year() as u16, date.month() as u8, date.day() as u8)?;
            self.ws
                .write_datetime_with_format(self.row0 + r0, self.col0 + c0, &excel, &format)?;
        }
        Ok(())
    }
}

/// Writes the form on a sheet in the layout of its template (sd2020, or sh2023 for any other);
/// returns the number of rows it takes.
pub fn write_form(
    ws: &mut Worksheet,
    project: &Project,
    style: &FormStyle,
) -> Result<u32, XlsxError> {
    let widths = column_widths(project, style);
    for (offset, width) in widths.iter().enumerate() {
        ws.set_column_width(style.origin.1 + offset as u16, *width)?;
    }
    let mut writer = FormWriter {
        ws,
        row0: style.origin.0,
        col0: style.origin.1,
        style,
        formats: Formats::new(style.in_yuan),
        widths,
        heights: std::collections::BTreeMap::new(),
    };
    writer.heights.insert(0, 32.0);
    let rows = if project.template == "sd2020" {
        write_sd2020(&mut writer, project)?
    } else {
        write_sh2023(&mut writer, project)?
    };
    for (row, height) in &writer.heights {
        writer.ws.set_row_height(writer.row0 + row, *height)?;
    }
    Ok(rows)
}

/// Sets a sheet up to print one form per page, as departments print them for signing.
pub fn set_form_page(ws: &mut Worksheet) {
    ws.set_paper_size(9); // A4
    ws.set_print_fit_to_pages(1, 0);
    ws.set_print_center_horizontally(true);
}

/// "专项资金 □ 经常性项目 ☑ 一次性项目 □".
fn ticked(options: &[&str], chosen: Option<&str>) -> String {
    options
        .iter()
        .map(|o| format!("{o} {}", if Some(*o) == chosen { "☑" } else { "□" }))
        .collect::<Vec<_>>()
        .join(" ")
}

fn year_line(project: &Project) -> String {
    project
        .year
        .map_or_else(String::new, |y| format!("({y}年度)"))
}

fn write_sh2023(w: &mut FormWriter<'_>, p: &Project) -> Result<u32, XlsxError> {
    let last: u16 = if w.style.unit_column { 6 } else { 5 };
    let title = w.formats.title.clone();
    let subtitle = w.formats.subtitle.clone();
    w.text(0, 0, 0, last, "财政项目支出绩效目标表", &title)?;
    w.text(1, 0, 1, last, &year_line(p), &subtitle)?;
    let options = ["专项资金", "经常性项目", "一次性项目"];
    w.label(2, 0, 2, 0, "项目名称")?;
    w.value(2, 1, 2, &p.project_name)?;
    w.label(2, 3, 2, 3, "项目类别")?;
    w.value(2, 4, last, &ticked(&options, p.category.as_deref()))?;
    w.label(3, 0, 3, 0, "主管部门")?;
    w.value(3, 1, 2, &p.department)?;
    w.label(3, 3, 3, 3, "实施单位")?;
    w.value(3, 4, last, &p.implementing_unit)?;
    w.label(4, 0, 4, 0, "计划开始日期")?;
    w.date(4, 1, 2, p.start_date)?;
    w.label(4, 3, 4, 3, "计划完成日期")?;
    w.date(4, 4, last, p.end_date)?;
    let fund_rows: u32 = if w.style.fund_rows == FundRows::Three {
        3
    } else {
        4
    };
    let unit = if w.style.in_yuan {
        "项目资金\n(元)"
    } else {
        "项目资金\n(万元)"
    };
    w.label(5, 0, 4 + fund_rows, 0, unit)?;
    let f = &p.funds;
    w.label(5, 1, 5, 1, "项目资金总额")?;
    w.amount(5, 2, 2, f.get(FundKind::Total))?;
    w.label(5, 3, 5, 3, "年度资金申请总额")?;
    w.amount(5, 4, last, f.get(FundKind::AnnualTotal))?;
    w.label(6, 1, 6, 1, "其中：财政资金")?;
    w.amount(6, 2, 2, f.get(FundKind::Fiscal))?;
    w.label(6, 3, 6, 3, "其中：当年财政拨款")?;
    w.amount(6, 4, last, f.get(FundKind::Appropriation))?;
    match w.style.fund_rows {
        FundRows::Three => {
            w.label(7, 1, 7, 1, "其他资金")?;
            w.amount(7, 2, 2, f.get(FundKind::Other))?;
        }
        FundRows::OtherInFourth => {
            w.value(7, 1, 1, "")?;
            w.value(7, 2, 2, "")?;
            w.label(8, 1, 8, 1, "其他资金")?;
            w.amount(8, 2, 2, f.get(FundKind::Other))?;
            w.label(8, 3, 8, 3, "其他资金")?;
            w.amount(8, 4, last, f.get(FundKind::AnnualOther))?;
        }
        FundRows::AnnualOtherInFourth => {
            w.label(7, 1, 7, 1, "其他资金")?;
            w.amount(7, 2, 2, f.get(FundKind::Other))?;
            w.value(8, 1, 1, "")?;
            w.value(8, 2, 2, "")?;
            w.label(8, 3, 8, 3, "其他资金")?;
            w.amount(8, 4, last, f.get(FundKind::AnnualOther))?;
        }
    }
    w.label(7, 3, 7, 3, "上年结转资金")?;
    w.amount(7, 4, last, f.get(FundKind::Carryover))?;
    let goals = 5 + fund_rows;
    w.label(goals, 0, goals + 1, 0, "项目\n绩效\n目标")?;
    let span = match (p.start_date, p.end_date) {
        (Some(s), Some(e)) => format!("项目总目标 ({}年-{}年)", s.year(), e.year()),
        _ => "项目总目标".to_owned(),
    };
    w.label(goals, 1, goals, 3, &span)?;
    w.label(goals, 4, goals, last, "年度总体目标")?;
    let overall = if w.style.html_goal {
        format!("<p>{}</p>", p.overall_goal)
    } else {
        p.overall_goal.clone()
    };
    w.heights.insert(5, 20.0);
    w.paragraph(goals + 1, 1, 3, &overall)?;
    w.paragraph(goals + 1, 4, last, &p.annual_goal)?;
    let header = goals + 2;
    let rows = indicator_rows(&p.indicators, Block::Annual);
    w.label(
        header,
        0,
        header + rows.len().max(1) as u32,
        0,
        "绩效\n指标",
    )?;
    w.label(header, 1, header, 1, "一级指标")?;
    w.label(header, 2, header, 2, "二级指标")?;
    w.label(header, 3, header, 4, "三级指标")?;
    if w.style.unit_column {
        w.label(header, 5, header, 5, "计量单位")?;
    }
    w.label(header, last, header, last, "年度指标值")?;
    write_indicator_rows(w, header + 1, &rows, 1, (3, 4), last)?;
    Ok(header + 1 + rows.len() as u32)
}

fn indicator_rows(indicators: &[Indicator], block: Block) -> Vec<&Indicator> {
    indicators.iter().filter(|i| i.block == block).collect()
}

/// Writes indicator rows with level names merged over their runs; `level1_col` is the 一级指标
/// column, the 三级指标 spans `level3`, the value sits in `value_col`.
fn write_indicator_rows(
    w: &mut FormWriter<'_>,
    first_row: u32,
    rows: &[&Indicator],
    level1_col: u16,
    level3: (u16, u16),
    value_col: u16,
) -> Result<(), XlsxError> {
    for (level, col) in [(1, level1_col), (2, level1_col + 1)] {
        let name = |i: &Indicator| {
            if level == 1 {
                i.level1.clone()
            } else {
                format!("{}\u{0}{}", i.level1, i.level2)
            }
        };
        let mut start = 0;
        while start < rows.len() {
            let mut end = start;
            while end + 1 < rows.len() && name(rows[end + 1]) == name(rows[start]) {
                end += 1;
            }
            let text = if level == 1 {
                &rows[start].level1
            } else {
                &rows[start].level2
            };
            let format = w.formats.text.clone();
            w.text(
                first_row + start as u32,
                col,
                first_row + end as u32,
                col,
                text,
                &format,
            )?;
            start = end + 1;
        }
    }
    for (offset, indicator) in rows.iter().enumerate() {
        let row = first_row + offset as u32;
        w.fit_height(row, level3.0, level3.1, &indicator.level3);
        w.fit_height(row, value_col, value_col, &indicator.value);
        let format = w.formats.text.clone();
        w.text(row, level3.0, row, level3.1, &indicator.level3, &format)?;
        if w.style.unit_column {
            w.value(
                row,
                value_col - 1,
                value_col - 1,
                indicator.unit.as_deref().unwrap_or(""),
            )?;
        }
        w.value(row, value_col, value_col, &indicator.value)?;
    }
    Ok(())
}

fn write_sd2020(w: &mut FormWriter<'_>, p: &Project) -> Result<u32, XlsxError> {
    let title = w.formats.title.clone();
    let subtitle = w.formats.subtitle.clone();
    let plain = w.formats.plain.clone();
    let extra = |key: &str| p.extras.get(key).cloned().unwrap_or_default();
    w.text(0, 0, 0, 6, "财政支出项目绩效目标申报表", &title)?;
    w.text(1, 0, 1, 6, &year_line(p), &subtitle)?;
    w.text(2, 0, 2, 0, "表6", &plain)?;
    w.text(3, 0, 3, 6, "填报单位(盖章)", &plain)?;
    w.label(4, 0, 4, 0, "项目名称")?;
    w.value(4, 1, 3, &p.project_name)?;
    w.label(4, 4, 4, 4, "项目属性")?;
    w.value(
        4,
        5,
        6,
        &ticked(&["新增项目", "延续项目"], p.category.as_deref()),
    )?;
    w.label(5, 0, 5, 0, "主管部门")?;
    w.value(5, 1, 3, &p.department)?;
    w.label(5, 4, 5, 4, "主管部门编码")?;
    w.value(5, 5, 6, p.department_code.as_deref().unwrap_or(""))?;
    w.label(6, 0, 6, 0, "项目单位")?;
    w.value(6, 1, 2, &p.implementing_unit)?;
    w.label(6, 3, 6, 3, "项目负责人")?;
    w.value(6, 4, 4, &extra("项目负责人"))?;
    w.label(6, 5, 6, 5, "联系电话")?;
    w.value(6, 6, 6, &extra("联系电话"))?;
    w.label(7, 0, 7, 0, "项目起止时间")?;
    let period = match (p.start_date, p.end_date) {
        (Some(s), Some(e)) => format!(
            "{}年{}月{}日-{}年{}月{}日",
            s.year(),
            s.month(),
            s.day(),
            e.year(),
            e.month(),
            e.day()
        ),
        _ => String::new(),
    };
    w.value(7, 1, 6, &period)?;
    w.label(8, 0, 8, 0, "项目资金申请\n(万元)")?;
    let amount = |kind| {
        p.funds
            .get(kind)
            .map_or_else(String::new, |d: Decimal| d.to_string())
    };
    let funds = format!(
        "资金总额：{} 财政拨款：{} 自有资金：{}\n1、事业收入\n2、经营性收入\n3、其他",
        amount(FundKind::Total),
        amount(FundKind::Fiscal),
        amount(FundKind::Other)
    );
    w.paragraph(8, 1, 6, &funds)?;
    w.label(9, 0, 9, 0, "项目单位职能概述")?;
    w.paragraph(9, 1, 6, &extra("项目单位职能概述"))?;
    w.label(10, 0, 10, 0, "项目概况")?;
    w.paragraph(10, 1, 6, &extra("项目概况"))?;
    w.label(11, 0, 12, 0, "项目立项情况")?;
    w.label(11, 1, 11, 1, "项目立项的依据")?;
    w.paragraph(11, 2, 6, &extra("项目立项的依据"))?;
    w.label(12, 1, 12, 1, "项目申报的可行性")?;
    w.paragraph(12, 2, 6, &extra("项目申报的可行性"))?;
    let schedule = extra("项目实施进度计划");
    let lines: Vec<&str> = schedule.lines().collect();
    let mut row = 13;
    w.label(row, 0, row + lines.len() as u32, 0, "项目实施进度计划")?;
    w.label(row, 1, row, 4, "项目实施内容")?;
    w.label(row, 5, row, 5, "开始时间")?;
    w.label(row, 6, row, 6, "完成时间")?;
    for line in &lines {
        row += 1;
        let parts: Vec<&str> = line.split(" | ").collect();
        w.paragraph(row, 1, 4, parts.first().copied().unwrap_or(""))?;
        w.value(row, 5, 5, parts.get(1).copied().unwrap_or(""))?;
        w.value(row, 6, 6, parts.get(2).copied().unwrap_or(""))?;
    }
    row += 1;
    w.label(row, 0, row + 1, 0, "项目绩效目标")?;
    w.label(row, 1, row, 3, "长期目标")?;
    w.label(row, 4, row, 6, "年度目标")?;
    w.paragraph(row + 1, 1, 3, &p.overall_goal)?;
    w.paragraph(row + 1, 4, 6, &p.annual_goal)?;
    row += 2;
    for (block, label) in [
        (Block::LongTerm, "长期绩效指标"),
        (Block::Annual, "年度绩效指标"),
    ] {
        let rows = indicator_rows(&p.indicators, block);
        w.label(row, 0, row + rows.len().max(1) as u32, 0, label)?;
        w.label(row, 1, row, 1, "一级指标")?;
        w.label(row, 2, row, 2, "二级指标")?;
        w.label(row, 3, row, 5, "指标内容")?;
        w.label(row, 6, row, 6, "指标值")?;
        write_indicator_rows(w, row + 1, &rows, 1, (3, 5), 6)?;
        row += 1 + rows.len().max(1) as u32;
    }
    w.label(row, 0, row, 0, "其他需说明的问题")?;
    w.paragraph(row, 1, 6, &extra("其他需说明的问题"))?;
    w.label(row + 1, 0, row + 1, 0, "预算部门审核意见")?;
    w.paragraph(row + 1, 1, 6, "(盖章) 年 月 日")?;
    row += 3;
    w.text(
        row,
        0,
        row,
        1,
        &format!("填报人： {}", extra("填报人")),
        &plain,
    )?;
    w.text(
        row,
        2,
        row,
        3,
        &format!("单位负责人： {}", extra("单位负责人")),
        &plain,
    )?;
    w.text(
        row,
        4,
        row,
        6,
        &format!("填报日期： {}", extra("填报日期")),
        &plain,
    )?;
    Ok(row + 1)
}

/// Column widths (in characters) that suit the form's layout.
fn column_widths(project: &Project, style: &FormStyle) -> &'static [f64] {
    if project.template == "sd2020" {
        &[16.0, 14.0, 14.0, 14.0, 14.0, 14.0, 18.0]
    } else if style.unit_column {
        &[12.0, 16.0, 18.0, 22.0, 14.0, 10.0, 18.0]
    } else {
        &[12.0, 16.0, 18.0, 22.0, 14.0, 18.0]
    }
}
