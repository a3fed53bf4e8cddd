//! Writes a [`Project`] as the official form of a built-in layout — title, merged label cells,
//! borders, the fonts of the printed form — so that reading the sheet back gives the same model.
//! One file per layout (`sh2023.rs` …); this file holds what they share: the layouts and what each
//! can hold, the cell writer (which also notes every input cell, for blank forms), and the
//! indicator table.
//!
//! The readers never depend on it. It makes `jixiao forms`, `samples/`, the benchmark's inputs and
//! the tests' variants.

mod c2015;
pub mod department;
mod gx2021;
mod sc2023;
mod sd2020;
mod sh2023;

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, FormatBorder, Worksheet, XlsxError};

use crate::model::{Block, Date, FundKind, Indicator, Project};
use crate::write::rows::fit_cell;

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
    /// A blank form to fill in: no values, this many empty indicator rows, and every input cell
    /// noted (for drop-down lists, validation and protection).
    #[serde(skip)]
    pub blank_rows: Option<usize>,
}

/// A built-in layout a project can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layout {
    /// 财政项目支出绩效目标表 (上海乡镇).
    Sh2023,
    /// 财政支出项目绩效目标申报表 (山东济宁, 2020).
    Sd2020,
    /// 项目支出绩效目标申报表 (财政部).
    C2015,
    /// 财政支出绩效目标申报表 (广西).
    Gx2021,
    /// 部门预算项目支出绩效目标表 (四川).
    Sc2023,
}

impl Layout {
    /// Every layout, in the order of the README.
    pub const ALL: [Layout; 5] = [
        Layout::Sh2023,
        Layout::Sd2020,
        Layout::C2015,
        Layout::Gx2021,
        Layout::Sc2023,
    ];

    /// The layout that holds most of what a project has: the fewest values left out — each
    /// field the layout has no place for, and each indicator it drops (a project with long-term
    /// indicators goes to a layout with a long-term table) — sh2023 on a tie.
    pub fn holding(project: &Project) -> Layout {
        Layout::ALL
            .into_iter()
            .min_by_key(|layout| {
                let dropped = project.indicators.len() - layout.keep(project).indicators.len();
                layout.left_out(project).len() + dropped
            })
            .unwrap_or(Layout::Sh2023)
    }

    /// The template id.
    pub fn id(self) -> &'static str {
        match self {
            Layout::Sh2023 => "sh2023",
            Layout::Sd2020 => "sd2020",
            Layout::C2015 => "c2015",
            Layout::Gx2021 => "gx2021",
            Layout::Sc2023 => "sc2023",
        }
    }

    /// The layout of a template id.
    pub fn of(id: &str) -> Option<Layout> {
        Layout::ALL.into_iter().find(|l| l.id() == id)
    }

    /// The form's title.
    pub fn title(self) -> &'static str {
        match self {
            Layout::Sh2023 => "财政项目支出绩效目标表",
            Layout::Sd2020 => "财政支出项目绩效目标申报表",
            Layout::C2015 => "项目支出绩效目标申报表",
            Layout::Gx2021 => "财政支出绩效目标申报表",
            Layout::Sc2023 => "部门预算项目支出绩效目标表",
        }
    }

    /// The options of the form's 项目类别 / 项目属性 box (none on the 四川 form).
    pub fn category_options(self) -> &'static [&'static str] {
        match self {
            Layout::Sh2023 => &["专项资金", "经常性项目", "一次性项目"],
            Layout::Sd2020 | Layout::Gx2021 => &["新增项目", "延续项目"],
            Layout::C2015 => &["新增项目", "延续项目", "一次性项目", "经常性项目"],
            Layout::Sc2023 => &[],
        }
    }

    /// The template-specific fields (extras) the form has a place for.
    pub fn extras(self) -> &'static [&'static str] {
        match self {
            Layout::Sh2023 => &["项目负责人", "联系电话", "填报人", "填报日期"],
            Layout::Sd2020 => &[
                "项目负责人",
                "联系电话",
                "项目单位职能概述",
                "项目概况",
                "项目立项的依据",
                "项目申报的可行性",
                "项目实施进度计划",
                "其他需说明的问题",
                "填报人",
                "单位负责人",
                "填报日期",
            ],
            Layout::C2015 => &["项目期", "项目负责人", "联系电话"],
            Layout::Gx2021 => &["单位职能概述", "项目负责人", "联系电话"],
            Layout::Sc2023 => &["报表编号"],
        }
    }

    /// Whether the form has indicator columns beyond the levels and the value.
    pub fn columns(self) -> IndicatorColumns {
        match self {
            Layout::Sh2023 => IndicatorColumns {
                unit: true,
                ..IndicatorColumns::default()
            },
            Layout::Sd2020 => IndicatorColumns::default(),
            Layout::C2015 => IndicatorColumns::default(),
            Layout::Gx2021 => IndicatorColumns {
                weight: true,
                note: true,
                ..IndicatorColumns::default()
            },
            Layout::Sc2023 => IndicatorColumns {
                unit: true,
                direction: true,
                weight: true,
                ..IndicatorColumns::default()
            },
        }
    }

    /// The project as this layout holds it: what reading the written form gives back. Fields the
    /// form has no place for are cleared (see [`Layout::left_out`]); a form with one set of
    /// figures states the project's; indicators come in the order the form reads them (the 长期
    /// block before the 年度 one; on the 财政部 form, by 一级指标 section).
    pub fn keep(self, project: &Project) -> Project {
        let mut p = project.clone();
        p.template = self.id().to_owned();
        let f = &mut p.funds;
        if matches!(self, Layout::Sd2020 | Layout::Gx2021 | Layout::Sc2023) {
            f.annual_total = f.total;
            f.appropriation = f.fiscal;
            f.annual_other = f.other;
        }
        if !matches!(self, Layout::Sh2023 | Layout::Gx2021) {
            f.carryover = None;
        }
        match self {
            Layout::C2015 | Layout::Sc2023 => {
                p.start_date = None;
                p.end_date = None;
            }
            Layout::Sd2020 | Layout::Gx2021 if p.start_date.is_none() => p.end_date = None,
            _ => {}
        }
        if p.category
            .as_deref()
            .is_some_and(|c| !self.category_options().contains(&c))
        {
            p.category = None;
        }
        if self == Layout::Sc2023 {
            p.overall_goal.clear();
        }
        p.extras
            .retain(|key, _| self.extras().contains(&key.as_str()));
        // The written form names whom to call in its contact line, and where the layout has them
        // in the cells of 填报人 / 联系人 / 项目负责人 and 联系电话: read back, a contact the project
        // did not state is the one those cells give.
        let held = |key: &str| p.extras.get(key).filter(|v| !v.trim().is_empty()).cloned();
        if p.contact.person.is_none() {
            p.contact.person = held("填报人")
                .or_else(|| held("联系人"))
                .or_else(|| held("项目负责人"));
        }
        if p.contact.phone.is_none() {
            p.contact.phone = held("联系电话");
        }
        let columns = self.columns();
        for indicator in &mut p.indicators {
            if !columns.unit {
                indicator.unit = None;
            }
            if !columns.direction {
                indicator.direction = None;
            }
            if !columns.weight {
                indicator.weight = None;
            }
            if !columns.note {
                indicator.note = None;
            }
        }
        let indicators = std::mem::take(&mut p.indicators);
        p.indicators = match self {
            Layout::Sd2020 => {
                let (long, annual): (Vec<_>, Vec<_>) = indicators
                    .into_iter()
                    .partition(|i| i.block == Block::LongTerm);
                long.into_iter().chain(annual).collect()
            }
            Layout::C2015 => c2015::read_order(indicators),
            _ => indicators
                .into_iter()
                .filter(|i| i.block == Block::Annual)
                .collect(),
        };
        p
    }

    /// The fields of a project this layout has no place for (and that the project fills), in
    /// words a clerk reads: written out, they would be lost.
    pub fn left_out(self, p: &Project) -> Vec<String> {
        let mut lost: Vec<String> = Vec::new();
        let funds = &p.funds;
        let single_set = matches!(self, Layout::Sd2020 | Layout::Gx2021 | Layout::Sc2023);
        if single_set {
            let pairs = [
                (FundKind::Total, FundKind::AnnualTotal),
                (FundKind::Fiscal, FundKind::Appropriation),
                (FundKind::Other, FundKind::AnnualOther),
            ];
            for (project, annual) in pairs {
                if funds.get(project) != funds.get(annual) {
                    lost.push(format!(
                        "{}（表中只有一套资金数，{}与{}不同）",
                        annual.label(),
                        project.label(),
                        annual.label()
                    ));
                }
            }
        }
        let carryover = !matches!(self, Layout::Sh2023 | Layout::Gx2021);
        if carryover && funds.carryover.is_some() {
            lost.push("上年结转资金".into());
        }
        let dates = matches!(self, Layout::C2015 | Layout::Sc2023);
        if dates && (p.start_date.is_some() || p.end_date.is_some()) {
            lost.push("计划开始日期、计划完成日期".into());
        } else if !dates && self != Layout::Sh2023 && p.start_date.is_none() && p.end_date.is_some()
        {
            lost.push("计划完成日期（表中起止时间写在一格，没有开始日期时无法写出）".into());
        }
        if let Some(category) = &p.category
            && !self.category_options().contains(&category.as_str())
        {
            lost.push(format!("项目类别“{category}”（表中没有这个选项）"));
        }
        if self == Layout::Sc2023 && !p.overall_goal.is_empty() {
            lost.push("项目总目标（中长期目标）".into());
        }
        let long_term = p.indicators.iter().any(|i| i.block == Block::LongTerm);
        if long_term && !matches!(self, Layout::Sd2020 | Layout::C2015) {
            lost.push("长期（中期）绩效指标".into());
        }
        let columns = self.columns();
        let has = |f: fn(&Indicator) -> bool| p.indicators.iter().any(f);
        if !columns.unit && has(|i| i.unit.is_some()) {
            lost.push("指标的计量单位".into());
        }
        if !columns.direction && has(|i| i.direction.is_some()) {
            lost.push("指标性质（指标方向）".into());
        }
        if !columns.weight && has(|i| i.weight.is_some()) {
            lost.push("指标分值（权重）".into());
        }
        if !columns.note && has(|i| i.note.is_some()) {
            lost.push("评分细则".into());
        }
        for key in p.extras.keys() {
            if !self.extras().contains(&key.as_str()) {
                lost.push(key.clone());
            }
        }
        lost
    }
}

/// The indicator columns a layout has besides the levels and the value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IndicatorColumns {
    /// 计量单位 / 度量单位.
    pub unit: bool,
    /// 指标性质 / 指标方向.
    pub direction: bool,
    /// 分值 / 权重.
    pub weight: bool,
    /// 评分细则.
    pub note: bool,
}

/// What a cell of a blank form asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputKind {
    /// A name or short text.
    Text,
    /// A paragraph (a goal, an overview).
    Paragraph,
    /// An amount in 万元.
    Amount,
    /// A date.
    Date,
    /// One of these options.
    Choice(Vec<String>),
    /// A 一级指标.
    Level1,
    /// A 二级指标 under the 一级指标 in this column of the same row.
    Level2 {
        /// The column of the row's 一级指标.
        level1_col: u16,
    },
    /// A number (分值, 权重).
    Number,
}

/// A cell (or merged range) of a written form that holds a value rather than a label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputCell {
    /// Row (absolute).
    pub row: u32,
    /// First column (absolute).
    pub col: u16,
    /// What it holds.
    pub kind: InputKind,
    /// A short hint for whoever fills it in (its label).
    pub hint: String,
}

/// What writing a form produced: its extent, its input cells, and where each indicator's value
/// went (for next year's forms, which show last year's value beside it).
#[derive(Debug, Clone, Default)]
pub struct FormSheet {
    /// Rows written, from the origin.
    pub rows: u32,
    /// Columns written, from the origin.
    pub cols: u16,
    /// Every input cell, in form order.
    pub inputs: Vec<InputCell>,
    /// (index into the project's indicators, row, column) of each 指标值 cell.
    pub value_cells: Vec<(usize, u32, u16)>,
    /// Texts cut to fit a cell (more than Excel's 32,767 characters).
    pub cut: u32,
}

/// Formats shared by one sheet's cells. Input cells are unlocked, so that a blank form under
/// sheet protection can be filled in and its labels cannot be changed.
struct Formats {
    title: Format,
    subtitle: Format,
    label: Format,
    text: Format,
    paragraph: Format,
    amount: Format,
    amount_text: Format,
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
        let input = cell.clone().set_unlocked();
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
            text: input.clone().set_align(FormatAlign::Center),
            paragraph: input.clone().set_align(FormatAlign::Left),
            amount: input
                .clone()
                .set_align(FormatAlign::Center)
                .set_num_format(if in_yuan { "#,##0.00" } else { "0.00" }),
            amount_text: input.clone().set_align(FormatAlign::Center),
            date: input
                .set_align(FormatAlign::Center)
                .set_num_format("yyyy\"年\"m\"月\"d\"日\""),
            plain: Format::new().set_font_name("宋体").set_font_size(10.5),
        }
    }
}

/// A sheet being written, with the form's origin and style.
pub(crate) struct FormWriter<'a> {
    ws: &'a mut Worksheet,
    row0: u32,
    col0: u16,
    style: &'a FormStyle,
    formats: Formats,
    /// Column widths in characters, from the origin.
    widths: &'static [f64],
    /// Row heights the wrapped texts need, applied at the end (relative rows).
    heights: BTreeMap<u32, f64>,
    sheet: FormSheet,
}

impl FormWriter<'_> {
    fn blank(&self) -> bool {
        self.style.blank_rows.is_some()
    }

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
        let (text, cut) = fit_cell(text);
        self.sheet.cut += u32::from(cut);
        if (a, b) == (c, d) {
            if text.is_empty() {
                self.ws.write_blank(a, b, format)?;
            } else {
                self.ws.write_string_with_format(a, b, text, format)?;
            }
        } else {
            self.ws.merge_range(a, b, c, d, &text, format)?;
        }
        self.sheet.rows = self.sheet.rows.max(r1 + 1);
        self.sheet.cols = self.sheet.cols.max(c1 + 1);
        Ok(())
    }

    fn note_input(&mut self, r0: u32, c0: u16, kind: InputKind, hint: &str) {
        self.sheet.inputs.push(InputCell {
            row: self.row0 + r0,
            col: self.col0 + c0,
            kind,
            hint: hint.to_owned(),
        });
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

    /// A text value (an input of a blank form, hinted by `hint`).
    fn value(
        &mut self,
        r0: u32,
        c0: u16,
        c1: u16,
        text: &str,
        hint: &str,
    ) -> Result<(), XlsxError> {
        let format = self.formats.text.clone();
        self.note_input(r0, c0, InputKind::Text, hint);
        let text = if self.blank() { "" } else { text };
        self.text(r0, c0, r0, c1, text, &format)
    }

    /// A choice: the options with the chosen one ticked ("专项资金 □ 经常性项目 ☑"), or with
    /// `as_word` the chosen option alone; on a blank form an empty cell offering the options.
    #[allow(clippy::too_many_arguments)]
    fn choice(
        &mut self,
        r0: u32,
        c0: u16,
        c1: u16,
        options: &[&str],
        chosen: Option<&str>,
        as_word: bool,
        hint: &str,
    ) -> Result<(), XlsxError> {
        let format = self.formats.text.clone();
        let kind = InputKind::Choice(options.iter().map(|o| (*o).to_owned()).collect());
        self.note_input(r0, c0, kind, hint);
        let text = if self.blank() {
            String::new()
        } else if as_word {
            chosen.unwrap_or("").to_owned()
        } else {
            ticked(options, chosen)
        };
        self.text(r0, c0, r0, c1, &text, &format)
    }

    fn paragraph(
        &mut self,
        r0: u32,
        c0: u16,
        c1: u16,
        text: &str,
        hint: &str,
    ) -> Result<(), XlsxError> {
        let format = self.formats.paragraph.clone();
        self.note_input(r0, c0, InputKind::Paragraph, hint);
        let text = if self.blank() { "" } else { text };
        self.fit_height(r0, c0, c1, text);
        if self.blank() {
            // Room for a few lines of handwriting or typing.
            let slot = self.heights.entry(r0).or_insert(15.0);
            *slot = slot.max(60.0);
        }
        self.text(r0, c0, r0, c1, text, &format)
    }

    /// A paragraph whose labels stay on a blank form too ("资金总额：  财政拨款：  自有资金："),
    /// filled in after them.
    fn labelled_paragraph(
        &mut self,
        r0: u32,
        c0: u16,
        c1: u16,
        text: &str,
        hint: &str,
    ) -> Result<(), XlsxError> {
        let format = self.formats.paragraph.clone();
        self.note_input(r0, c0, InputKind::Paragraph, hint);
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

    /// An amount: a number where its exact value survives a spreadsheet's number, else the exact
    /// decimal as text ("123.45678901234567").
    fn amount(
        &mut self,
        r0: u32,
        c0: u16,
        c1: u16,
        amount: Option<Decimal>,
        hint: &str,
    ) -> Result<(), XlsxError> {
        let format = self.formats.amount.clone();
        self.note_input(r0, c0, InputKind::Amount, hint);
        self.text(r0, c0, r0, c1, "", &format)?;
        let Some(amount) = amount.filter(|_| !self.blank()) else {
            return Ok(());
        };
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
            return Ok(());
        }
        match exact_number(shown) {
            Some(number) => self
                .ws
                .write_number_with_format(row, col, number, &format)?,
            None => {
                let text = shown.normalize().to_string();
                let format = self.formats.amount_text.clone();
                self.ws.write_string_with_format(row, col, text, &format)?
            }
        };
        Ok(())
    }

    fn date(
        &mut self,
        r0: u32,
        c0: u16,
        c1: u16,
        date: Option<Date>,
        hint: &str,
    ) -> Result<(), XlsxError> {
        let format = self.formats.date.clone();
        self.note_input(r0, c0, InputKind::Date, hint);
        self.text(r0, c0, r0, c1, "", &format)?;
        if let Some(date) = date.filter(|_| !self.blank()) {
            let excel =
                ExcelDateTime::from_ymd(date.year() as u16, date.month() as u8, date.day() as u8)?;
            self.ws
                .write_datetime_with_format(self.row0 + r0, self.col0 + c0, &excel, &format)?;
        }
        Ok(())
    }

    /// Plain text outside the bordered form ("填报人：…").
    fn plain(&mut self, r0: u32, c0: u16, c1: u16, text: &str) -> Result<(), XlsxError> {
        let format = self.formats.plain.clone();
        self.text(r0, c0, r0, c1, text, &format)
    }
}

/// A Decimal as the f64 a spreadsheet stores, when reading that number back (to 15 significant
/// digits, as Excel shows it) gives the same Decimal.
fn exact_number(amount: Decimal) -> Option<f64> {
    let number = amount.to_f64()?;
    let back = crate::model::spreadsheet_decimal(number)?;
    (back == amount.normalize()).then_some(number)
}

/// Writes the form on a sheet in the layout of its template (sh2023 for a template without one);
/// returns the number of rows it takes.
pub fn write_form(
    ws: &mut Worksheet,
    project: &Project,
    style: &FormStyle,
) -> Result<u32, XlsxError> {
    let layout = Layout::of(&project.template).unwrap_or_else(|| Layout::holding(project));
    Ok(write_layout(ws, project, style, layout)?.rows)
}

/// Writes the form in a chosen layout; returns what it wrote.
pub fn write_layout(
    ws: &mut Worksheet,
    project: &Project,
    style: &FormStyle,
    layout: Layout,
) -> Result<FormSheet, XlsxError> {
    let widths = column_widths(layout, project, style);
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
        heights: BTreeMap::new(),
        sheet: FormSheet::default(),
    };
    writer.heights.insert(0, 32.0);
    match layout {
        Layout::Sh2023 => sh2023::write(&mut writer, project)?,
        Layout::Sd2020 => sd2020::write(&mut writer, project)?,
        Layout::C2015 => c2015::write(&mut writer, project)?,
        Layout::Gx2021 => gx2021::write(&mut writer, project)?,
        Layout::Sc2023 => sc2023::write(&mut writer, project)?,
    }
    if let Some(line) = contact_line(project).filter(|_| !writer.blank()) {
        // One row under the form, across it: the form's contact, as departments sign it.
        let row = writer.sheet.rows;
        let last = writer.sheet.cols.saturating_sub(1);
        let format = writer.formats.plain.clone();
        writer.text(row, 0, row, last, &line, &format)?;
        writer.sheet.rows += 1;
    }
    for (row, height) in &writer.heights {
        writer.ws.set_row_height(writer.row0 + row, *height)?;
    }
    Ok(writer.sheet)
}

/// Sets a sheet up to print one form per page, as departments print them for signing: A4, one
/// page wide, centred, the form's range as the print area, its title rows repeated on every page.
pub fn set_form_page(
    ws: &mut Worksheet,
    origin: (u32, u16),
    sheet: &FormSheet,
) -> Result<(), XlsxError> {
    ws.set_paper_size(9); // A4
    ws.set_print_fit_to_pages(1, 0);
    ws.set_print_center_horizontally(true);
    if sheet.rows > 0 && sheet.cols > 0 {
        let (r0, c0) = origin;
        ws.set_print_area(r0, c0, r0 + sheet.rows - 1, c0 + sheet.cols - 1)?;
        ws.set_repeat_rows(r0, r0 + 1)?;
    }
    Ok(())
}

/// "专项资金 □ 经常性项目 ☑ 一次性项目 □".
fn ticked(options: &[&str], chosen: Option<&str>) -> String {
    options
        .iter()
        .map(|o| format!("{o} {}", if Some(*o) == chosen { "☑" } else { "□" }))
        .collect::<Vec<_>>()
        .join(" ")
}

/// "(2023年度)", or a blank year line to fill in.
fn year_line(project: &Project) -> String {
    project
        .year
        .map_or_else(|| "(    年度)".to_owned(), |y| format!("({y}年度)"))
}

/// The project name as the budget system writes it when the project has a code
/// ("51092324T000010263357-2023年全县安可替代补助资金项目"), so a reader splits it again.
fn coded_name(project: &Project) -> String {
    match project.project_code.as_deref().filter(|c| !c.is_empty()) {
        Some(code) if !project.project_name.is_empty() => {
            format!("{code}-{}", project.project_name)
        }
        _ => project.project_name.clone(),
    }
}

/// The contact line under a form ("联系人：张三    电话：…    报送日期：2025年10月20日"), with the
/// parts the project has; `None` when it has none. Its labels are footer labels no layout keeps
/// as a field of its own (a layout's 填报人 / 联系电话 / 填报日期 cells stay its own).
fn contact_line(project: &Project) -> Option<String> {
    let c = &project.contact;
    let mut parts = Vec::new();
    if let Some(person) = &c.person {
        parts.push(format!("联系人：{person}"));
    }
    if let Some(phone) = &c.phone {
        parts.push(format!("电话：{phone}"));
    }
    if let Some(date) = c.filed {
        parts.push(format!(
            "报送日期：{}年{}月{}日",
            date.year(),
            date.month(),
            date.day()
        ));
    }
    (!parts.is_empty()).then(|| parts.join("    "))
}

/// A name with its code as the forms write it ("[173]中国科学院"), so a reader splits it again.
fn coded(code: Option<&str>, name: &str) -> String {
    match code.filter(|c| !c.is_empty()) {
        Some(code) if !name.is_empty() => format!("[{code}]{name}"),
        _ => name.to_owned(),
    }
}

fn extra<'p>(project: &'p Project, key: &str) -> &'p str {
    project.extras.get(key).map_or("", String::as_str)
}

fn block_rows(indicators: &[Indicator], block: Block) -> Vec<(usize, &Indicator)> {
    indicators
        .iter()
        .enumerate()
        .filter(|(_, i)| i.block == block)
        .collect()
}

/// Where an indicator table's columns are, relative to the origin.
#[derive(Debug, Clone, Copy)]
struct TableColumns {
    level1: u16,
    level2: u16,
    level3: (u16, u16),
    value: u16,
    unit: Option<u16>,
    direction: Option<u16>,
    weight: Option<u16>,
    note: Option<u16>,
}

/// Writes indicator rows from `first_row`, level names merged over their runs; on a blank form,
/// `blank_rows` empty rows with their inputs noted. Returns the rows written.
fn write_indicator_rows(
    w: &mut FormWriter<'_>,
    first_row: u32,
    rows: &[(usize, &Indicator)],
    columns: TableColumns,
) -> Result<u32, XlsxError> {
    if let Some(count) = w.style.blank_rows {
        for offset in 0..count as u32 {
            write_blank_indicator_row(w, first_row + offset, columns)?;
        }
        return Ok(count as u32);
    }
    let same_level1 = |a: &Indicator, b: &Indicator| a.level1 == b.level1;
    write_runs(w, first_row, columns.level1, rows, same_level1, |i| {
        &i.level1
    })?;
    let same_level2 = |a: &Indicator, b: &Indicator| same_level1(a, b) && a.level2 == b.level2;
    write_runs(w, first_row, columns.level2, rows, same_level2, |i| {
        &i.level2
    })?;
    for (offset, (index, indicator)) in rows.iter().enumerate() {
        let row = first_row + offset as u32;
        w.fit_height(row, columns.level3.0, columns.level3.1, &indicator.level3);
        w.fit_height(row, columns.value, columns.value, &indicator.value);
        let format = w.formats.text.clone();
        w.text(
            row,
            columns.level3.0,
            row,
            columns.level3.1,
            &indicator.level3,
            &format,
        )?;
        let optional = [
            (columns.unit, indicator.unit.clone()),
            (columns.direction, indicator.direction.clone()),
            (columns.note, indicator.note.clone()),
            (
                columns.weight,
                indicator.weight.map(|w| w.normalize().to_string()),
            ),
        ];
        for (col, text) in optional {
            if let Some(col) = col {
                w.text(row, col, row, col, text.as_deref().unwrap_or(""), &format)?;
            }
        }
        w.text(
            row,
            columns.value,
            row,
            columns.value,
            &indicator.value,
            &format,
        )?;
        w.sheet
            .value_cells
            .push((*index, w.row0 + row, w.col0 + columns.value));
    }
    Ok(rows.len() as u32)
}

/// Writes a level-name column over indicator rows from `first_row`: each run of rows that are
/// `same` is one merged cell showing the first row's `text`.
fn write_runs(
    w: &mut FormWriter<'_>,
    first_row: u32,
    col: u16,
    rows: &[(usize, &Indicator)],
    same: impl Fn(&Indicator, &Indicator) -> bool,
    text: impl Fn(&Indicator) -> &str,
) -> Result<(), XlsxError> {
    let format = w.formats.text.clone();
    let mut start = 0;
    while start < rows.len() {
        let mut end = start;
        while end + 1 < rows.len() && same(rows[end + 1].1, rows[start].1) {
            end += 1;
        }
        let (top, bottom) = (first_row + start as u32, first_row + end as u32);
        w.text(top, col, bottom, col, text(rows[start].1), &format)?;
        start = end + 1;
    }
    Ok(())
}

/// One empty indicator row of a blank form, each cell an input.
fn write_blank_indicator_row(
    w: &mut FormWriter<'_>,
    row: u32,
    columns: TableColumns,
) -> Result<(), XlsxError> {
    let format = w.formats.text.clone();
    let level1_col = w.col0 + columns.level1;
    let cells = [
        (
            Some((columns.level1, columns.level1)),
            InputKind::Level1,
            "一级指标",
        ),
        (
            Some((columns.level2, columns.level2)),
            InputKind::Level2 { level1_col },
            "二级指标",
        ),
        (Some(columns.level3), InputKind::Text, "三级指标"),
        (columns.unit.map(|c| (c, c)), InputKind::Text, "计量单位"),
        (
            columns.direction.map(|c| (c, c)),
            InputKind::Choice(["≥", "≤", "=", "定性"].map(String::from).into()),
            "指标性质",
        ),
        (columns.weight.map(|c| (c, c)), InputKind::Number, "分值"),
        (columns.note.map(|c| (c, c)), InputKind::Text, "评分细则"),
        (
            Some((columns.value, columns.value)),
            InputKind::Text,
            "指标值",
        ),
    ];
    for (span, kind, hint) in cells {
        let Some((c0, c1)) = span else { continue };
        w.note_input(row, c0, kind, hint);
        w.text(row, c0, row, c1, "", &format)?;
    }
    Ok(())
}

/// Column widths (in characters) that suit a layout.
fn column_widths(layout: Layout, project: &Project, style: &FormStyle) -> &'static [f64] {
    match layout {
        Layout::Sd2020 => &[16.0, 14.0, 14.0, 14.0, 14.0, 14.0, 18.0],
        Layout::Sh2023 if style.unit_column || sh2023::needs_unit_column(project, style) => {
            &[12.0, 16.0, 18.0, 22.0, 14.0, 10.0, 18.0]
        }
        Layout::Sh2023 => &[12.0, 16.0, 18.0, 22.0, 14.0, 18.0],
        Layout::C2015 => &[12.0, 12.0, 14.0, 22.0, 12.0, 14.0, 22.0, 12.0],
        Layout::Gx2021 => &[16.0, 16.0, 8.0, 22.0, 14.0, 26.0],
        Layout::Sc2023 => &[12.0, 14.0, 24.0, 10.0, 12.0, 10.0, 8.0],
    }
}
