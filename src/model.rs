//! The shared model: one [`Project`] per performance form found in a workbook — a target form
//! (绩效目标表, before the year) or a self-evaluation (绩效自评表, after it; see [`Evaluation`]).
//!
//! Readers produce it, the normalizer refines it, writers consume it. It depends on nothing else in
//! the crate. Money is always an exact [`Decimal`] in 万元; a figure the form leaves blank stays
//! `None`, never zero. Every value keeps the cell it came from (see [`Project::cells`]).

use std::collections::BTreeMap;
use std::fmt;

use indexmap::IndexMap;
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One performance form (a target form or a self-evaluation), read from one place in one
/// workbook.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Project {
    /// A target form or a self-evaluation.
    pub kind: FormKind,
    /// Where the form is: file, sheet and the cell of its title.
    pub source: Source,
    /// Id of the template that recognised the form (`sh2023`, `sd2020`, …).
    pub template: String,
    /// The budget year the form is for (from "(2023年度)"), when the form states it.
    pub year: Option<i32>,
    /// 项目名称.
    pub project_name: String,
    /// 主管部门, as written (blank when the form leaves it blank).
    pub department: String,
    /// Code prefix split off 主管部门 ("[610001]…", "219-…"), when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department_code: Option<String>,
    /// 实施单位 (项目单位 on the 2020 form).
    pub implementing_unit: String,
    /// Code prefix split off 实施单位, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub implementing_unit_code: Option<String>,
    /// 项目类别 / 项目属性: the ticked option (专项资金, 经常性项目, 一次性项目, 新增项目, 延续项目 …).
    pub category: Option<String>,
    /// 计划开始日期.
    pub start_date: Option<Date>,
    /// 计划完成日期.
    pub end_date: Option<Date>,
    /// Every fund figure on the form, in 万元.
    pub funds: Funds,
    /// 项目总目标 (长期目标 on the 2020 form).
    pub overall_goal: String,
    /// 年度总体目标 (年度目标 on the 2020 form).
    pub annual_goal: String,
    /// The indicator table, in the order of the form.
    pub indicators: Vec<Indicator>,
    /// What a self-evaluation says of the year (budget execution, goals reached, scores); absent
    /// on target forms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluation: Option<Evaluation>,
    /// The review of a target form against the finance rules (绩效目标审核), once reviewed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<Review>,
    /// Template-specific fields (项目负责人, 联系电话, 填报日期 …), keyed by their label, in form order.
    pub extras: IndexMap<String, String>,
    /// The cell (A1 notation) each field was read from, keyed by field name (`project_name`,
    /// `funds.total`, or an extra's label).
    pub cells: BTreeMap<String, String>,
    /// What the reader or normalizer noticed but could not settle.
    pub warnings: Vec<Warning>,
}

/// What a form is.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum FormKind {
    /// 绩效目标表: the targets a project sets before its year.
    #[default]
    Target,
    /// 绩效自评表: how the year went, scored against the targets.
    SelfEvaluation,
}

impl FormKind {
    /// The snake_case name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            FormKind::Target => "target",
            FormKind::SelfEvaluation => "self_evaluation",
        }
    }

    /// The label users read.
    pub fn label(self) -> &'static str {
        match self {
            FormKind::Target => "绩效目标表",
            FormKind::SelfEvaluation => "绩效自评表",
        }
    }
}

/// Where a form was found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Source {
    /// The path as walked from the input argument.
    pub file: String,
    /// The sheet name.
    pub sheet: String,
    /// The cell of the form's title (A1 notation).
    pub cell: String,
}

/// The fund block of a form, every figure in 万元.
///
/// The project's funds (`total`, `fiscal`, `other`) may span several years; this year's request
/// (`annual_total`, `appropriation`, `carryover`, `annual_other`) is what a year's budget sums.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Funds {
    /// 项目资金总额.
    pub total: Option<Decimal>,
    /// 其中：财政资金.
    pub fiscal: Option<Decimal>,
    /// 其他资金 (of the project).
    pub other: Option<Decimal>,
    /// 年度资金申请总额.
    pub annual_total: Option<Decimal>,
    /// 其中：当年财政拨款.
    pub appropriation: Option<Decimal>,
    /// 上年结转资金.
    pub carryover: Option<Decimal>,
    /// 其他资金 (of this year's request).
    pub annual_other: Option<Decimal>,
}

/// Names one figure of [`Funds`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FundKind {
    /// 项目资金总额
    Total,
    /// 财政资金
    Fiscal,
    /// 其他资金
    Other,
    /// 年度资金申请总额
    AnnualTotal,
    /// 当年财政拨款
    Appropriation,
    /// 上年结转资金
    Carryover,
    /// 其他资金 (annual)
    AnnualOther,
}

impl FundKind {
    /// All kinds, in the order of the form and of every output.
    pub const ALL: [FundKind; 7] = [
        FundKind::Total,
        FundKind::Fiscal,
        FundKind::Other,
        FundKind::AnnualTotal,
        FundKind::Appropriation,
        FundKind::Carryover,
        FundKind::AnnualOther,
    ];

    /// The snake_case field name, as in JSON.
    pub fn name(self) -> &'static str {
        match self {
            FundKind::Total => "total",
            FundKind::Fiscal => "fiscal",
            FundKind::Other => "other",
            FundKind::AnnualTotal => "annual_total",
            FundKind::Appropriation => "appropriation",
            FundKind::Carryover => "carryover",
            FundKind::AnnualOther => "annual_other",
        }
    }

    /// The label users read, as on the sh2023 form.
    pub fn label(self) -> &'static str {
        match self {
            FundKind::Total => "项目资金总额",
            FundKind::Fiscal => "其中：财政资金",
            FundKind::Other => "其他资金",
            FundKind::AnnualTotal => "年度资金申请总额",
            FundKind::Appropriation => "其中：当年财政拨款",
            FundKind::Carryover => "上年结转资金",
            FundKind::AnnualOther => "年度其他资金",
        }
    }

    /// Parses the snake_case name.
    pub fn from_name(name: &str) -> Option<FundKind> {
        FundKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

impl Funds {
    /// The figure of one kind.
    pub fn get(&self, kind: FundKind) -> Option<Decimal> {
        *self.slot(kind)
    }

    /// Sets the figure of one kind.
    pub fn set(&mut self, kind: FundKind, value: Option<Decimal>) {
        *self.slot_mut(kind) = value;
    }

    fn slot(&self, kind: FundKind) -> &Option<Decimal> {
        match kind {
            FundKind::Total => &self.total,
            FundKind::Fiscal => &self.fiscal,
            FundKind::Other => &self.other,
            FundKind::AnnualTotal => &self.annual_total,
            FundKind::Appropriation => &self.appropriation,
            FundKind::Carryover => &self.carryover,
            FundKind::AnnualOther => &self.annual_other,
        }
    }

    fn slot_mut(&mut self, kind: FundKind) -> &mut Option<Decimal> {
        match kind {
            FundKind::Total => &mut self.total,
            FundKind::Fiscal => &mut self.fiscal,
            FundKind::Other => &mut self.other,
            FundKind::AnnualTotal => &mut self.annual_total,
            FundKind::Appropriation => &mut self.appropriation,
            FundKind::Carryover => &mut self.carryover,
            FundKind::AnnualOther => &mut self.annual_other,
        }
    }
}

/// What a self-evaluation (项目支出绩效自评表) says of its year.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Evaluation {
    /// The budget execution lines the model names (年度资金总额, 当年财政拨款, 上年结转资金, 其他资金).
    pub funds: EvaluationFunds,
    /// Budget execution lines the model has no key for (财政专户管理资金, 单位资金 …), by label.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub other_lines: IndexMap<String, FundLine>,
    /// 年度总体目标 — 预期目标.
    pub goal_expected: String,
    /// 年度总体目标 — 实际完成情况.
    pub goal_actual: String,
    /// 总分: as written, or the sum of the funds' and the indicators' 得分 where the form has no
    /// 总分 row (then `total_score_computed`).
    pub total_score: Option<Decimal>,
    /// True when `total_score` was added up, not read.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub total_score_computed: bool,
    /// 合计: the indicators' 得分 as the form adds them up, where it has such a row.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub indicator_score: Option<Decimal>,
    /// 优 / 良 / 中 / 差 from the total score (set by the normalizer, thresholds as data).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grade: Option<String>,
    /// 评价结论, where the form has it.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub conclusion: String,
    /// 存在问题.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub problems: String,
    /// 改进措施.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub improvements: String,
    /// The target form this self-evaluation was held against, when one was in the batch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<TargetLink>,
    /// Indicator by indicator against that target (approved, claimed, actual, findings).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub comparison: Vec<Comparison>,
}

/// One indicator of a self-evaluation held against the approved target form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Comparison {
    /// Canonical 一级指标.
    pub level1: String,
    /// Canonical 二级指标.
    pub level2: String,
    /// 三级指标 as the self-evaluation (or, for a dropped one, the target) writes it.
    pub level3: String,
    /// The approved 指标值 (none for an indicator added in the self-evaluation).
    pub approved: Option<String>,
    /// The 年度指标值 the self-evaluation claims (none for a dropped one).
    pub claimed: Option<String>,
    /// 实际完成值.
    pub actual: Option<String>,
    /// What was found: target_changed, indicator_dropped, indicator_added, not_achieved.
    pub findings: Vec<WarningCode>,
    /// The cell of the claimed 指标值 (of the approved one for a dropped indicator).
    pub cell: String,
}

/// The budget execution lines of a self-evaluation, by the model's keys.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EvaluationFunds {
    /// 年度资金总额 / 总额.
    pub total: Option<FundLine>,
    /// 当年财政拨款 / 财政资金.
    pub fiscal: Option<FundLine>,
    /// 上年结转资金.
    pub carryover: Option<FundLine>,
    /// 其他资金.
    pub other: Option<FundLine>,
}

impl EvaluationFunds {
    /// The four keys, in form order.
    pub const KEYS: [&'static str; 4] = ["total", "fiscal", "carryover", "other"];

    /// The line of a key.
    pub fn get(&self, key: &str) -> Option<&FundLine> {
        match key {
            "total" => self.total.as_ref(),
            "fiscal" => self.fiscal.as_ref(),
            "carryover" => self.carryover.as_ref(),
            "other" => self.other.as_ref(),
            _ => None,
        }
    }

    /// The slot of a key.
    pub fn slot_mut(&mut self, key: &str) -> Option<&mut Option<FundLine>> {
        match key {
            "total" => Some(&mut self.total),
            "fiscal" => Some(&mut self.fiscal),
            "carryover" => Some(&mut self.carryover),
            "other" => Some(&mut self.other),
            _ => None,
        }
    }

    /// The label users read for a key.
    pub fn label(key: &str) -> &'static str {
        match key {
            "total" => "年度资金总额",
            "fiscal" => "当年财政拨款",
            "carryover" => "上年结转资金",
            "other" => "其他资金",
            _ => "",
        }
    }
}

/// One line of a self-evaluation's budget execution (预算执行情况), in 万元.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FundLine {
    /// 年初预算数.
    pub initial: Option<Decimal>,
    /// 全年预算数 / 调整后预算数.
    pub adjusted: Option<Decimal>,
    /// 全年执行数 / 预算执行数.
    pub executed: Option<Decimal>,
    /// 执行率, as written and as a fraction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate: Option<Rate>,
    /// 分值 / 权重.
    pub weight: Option<Decimal>,
    /// 得分.
    pub score: Option<Decimal>,
    /// 原因, where the form has that column.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub reason: String,
}

/// A rate as the form writes it ("95.37%", 0.987759) and as an exact fraction (0.9537).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rate {
    /// As written.
    pub written: String,
    /// As a fraction of one.
    pub fraction: Decimal,
    /// Decimal places of the fraction the form states (95.37% → 4, 0.987759 → 6), for comparing
    /// to the precision written.
    pub places: u32,
}

/// The target form a self-evaluation is linked to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TargetLink {
    /// The target's project id (as in projects.csv).
    pub project_id: String,
    /// Where the target form is.
    pub source: Source,
}

/// The review of a target form (绩效目标审核): its findings and the conclusion they lead to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Review {
    /// 通过 (nothing found), 需关注 (warnings only) or 退回修改 (an error) — the words are data.
    pub conclusion: String,
    /// How serious the worst finding is, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worst: Option<FindingLevel>,
    /// What the rules found, in rule order.
    pub findings: Vec<Finding>,
}

/// One thing a review rule found on a form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Finding {
    /// The rule's stable id (`vague_value`).
    pub rule: String,
    /// The rule's name, in words a reviewer reads (指标值不可衡量).
    pub name: String,
    /// Send back, look at it, or for information.
    pub level: FindingLevel,
    /// What was found, with the values.
    pub message: String,
    /// The cell concerned, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cell: Option<String>,
}

/// How serious a finding is.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum FindingLevel {
    /// For information; no effect on the conclusion.
    #[default]
    Info,
    /// Look at it: the form needs attention.
    Warning,
    /// Send it back: the form must be corrected.
    Error,
}

impl FindingLevel {
    /// The label users read.
    pub fn label(self) -> &'static str {
        match self {
            FindingLevel::Info => "提示",
            FindingLevel::Warning => "警告",
            FindingLevel::Error => "错误",
        }
    }
}

/// A unit money is written in on a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MoneyUnit {
    /// 元.
    #[serde(rename = "元")]
    Yuan,
    /// 万元 (the model's unit).
    #[serde(rename = "万元")]
    Wan,
}

impl MoneyUnit {
    /// Parses "元" or "万元" (also "万").
    pub fn from_label(label: &str) -> Option<MoneyUnit> {
        match label.trim() {
            "元" => Some(MoneyUnit::Yuan),
            "万元" | "万" => Some(MoneyUnit::Wan),
            _ => None,
        }
    }

    /// Converts an amount in this unit to 万元, exactly.
    pub fn to_wan(self, amount: Decimal) -> Decimal {
        match self {
            MoneyUnit::Wan => amount,
            MoneyUnit::Yuan => amount / Decimal::from(10_000),
        }
    }

    /// The unit's name.
    pub fn label(self) -> &'static str {
        match self {
            MoneyUnit::Yuan => "元",
            MoneyUnit::Wan => "万元",
        }
    }
}

/// Which indicator block of the form a row belongs to.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Block {
    /// 年度绩效指标 (the only block on most forms).
    #[default]
    Annual,
    /// 长期绩效指标 / 中长期.
    LongTerm,
}

impl Block {
    /// The label users read.
    pub fn label(self) -> &'static str {
        match self {
            Block::Annual => "年度",
            Block::LongTerm => "长期",
        }
    }
}

/// One row of the indicator table.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Indicator {
    /// The block the row sits in.
    pub block: Block,
    /// 一级指标.
    pub level1: String,
    /// 二级指标.
    pub level2: String,
    /// 三级指标 / 指标内容.
    pub level3: String,
    /// 指标值 as written.
    pub value: String,
    /// 计量单位, when the form has that column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// 指标方向 / 计算符号 / 指标性质 (≥ ≤ = 定性), when the form has that column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<String>,
    /// 分值 / 权重, when the form has that column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<Decimal>,
    /// 评分细则 / 备注 / 指标解释, when the form has that column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Points a level name carried ("产出指标(50分)" → 50), taken off the name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level1_points: Option<Decimal>,
    /// 实际完成值 / 完成值, as written (self-evaluations).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual: Option<String>,
    /// 得分 (self-evaluations).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<Decimal>,
    /// 偏差原因分析及改进措施 / 未完成原因分析 (self-evaluations).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deviation: Option<String>,
    /// The cell of the 三级指标 (A1 notation).
    pub cell: String,
    /// The cell of the 指标值 (A1 notation).
    pub value_cell: String,
    /// The cell of the 实际完成值 (self-evaluations).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub actual_cell: String,
    /// What the normalizer made of the row; absent until the model is normalized.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub normalized: Option<NormalizedIndicator>,
}

/// An indicator row in canonical terms, beside the row as written.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NormalizedIndicator {
    /// Canonical 一级指标 (as written, cleaned, when the dictionary does not know it).
    pub level1: String,
    /// Canonical 二级指标 (likewise).
    pub level2: String,
    /// Canonical 三级指标 wording.
    pub level3: String,
    /// A "无" row: kept, but no indicator; excluded from indicator counts.
    pub placeholder: bool,
    /// The structured 指标值.
    pub measure: Measure,
    /// The structured 实际完成值 (self-evaluations).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual: Option<Measure>,
}

/// An 指标值 made comparable.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Measure {
    /// The value as written.
    pub raw: String,
    /// Quantitative, qualitative, or none.
    pub kind: MeasureKind,
    /// How the target compares (≥ > = < ≤, or ~ for a range).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comparator: Option<Comparator>,
    /// The target number, exact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<Decimal>,
    /// The upper end of a range ("85%-95%").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upper: Option<Decimal>,
    /// The unit (%, 万元, 个 …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// True when the unit was inferred, not written.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub unit_inferred: bool,
    /// The direction a qualitative (or relative) target states.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direction: Option<Direction>,
}

/// The kinds of [`Measure`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeasureKind {
    /// A number to reach.
    Quantitative,
    /// Words: a direction or a state to reach.
    Qualitative,
    /// No value ("无", blank).
    #[default]
    None,
}

impl MeasureKind {
    /// The label users read.
    pub fn label(self) -> &'static str {
        match self {
            MeasureKind::Quantitative => "定量",
            MeasureKind::Qualitative => "定性",
            MeasureKind::None => "无",
        }
    }
}

/// How a quantitative target compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Comparator {
    /// ≥
    #[serde(rename = "≥")]
    AtLeast,
    /// >
    #[serde(rename = ">")]
    Above,
    /// =
    #[serde(rename = "=")]
    Equal,
    /// <
    #[serde(rename = "<")]
    Below,
    /// ≤
    #[serde(rename = "≤")]
    AtMost,
    /// a range, `number` to `upper`
    #[serde(rename = "~")]
    Between,
}

impl Comparator {
    /// The symbol users read.
    pub fn symbol(self) -> &'static str {
        match self {
            Comparator::AtLeast => "≥",
            Comparator::Above => ">",
            Comparator::Equal => "=",
            Comparator::Below => "<",
            Comparator::AtMost => "≤",
            Comparator::Between => "~",
        }
    }

    /// Parses a symbol as [`Comparator::symbol`] writes it.
    pub fn from_symbol(symbol: &str) -> Option<Comparator> {
        [
            Comparator::AtLeast,
            Comparator::Above,
            Comparator::Equal,
            Comparator::Below,
            Comparator::AtMost,
            Comparator::Between,
        ]
        .into_iter()
        .find(|c| c.symbol() == symbol)
    }
}

/// The direction a target states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// 提升, 上升, 提高 …
    Increase,
    /// 下降, 降低, 减少 …
    Decrease,
    /// 保持, 稳定 …
    Maintain,
    /// 完成, 达到, 显著 …
    Achieve,
    /// 控制在…以内, 不超过 …
    Within,
}

impl Direction {
    /// The label users read.
    pub fn label(self) -> &'static str {
        match self {
            Direction::Increase => "提升",
            Direction::Decrease => "下降",
            Direction::Maintain => "保持",
            Direction::Achieve => "达成",
            Direction::Within => "控制在范围内",
        }
    }

    /// Parses the snake_case name.
    pub fn from_name(name: &str) -> Option<Direction> {
        Some(match name {
            "increase" => Direction::Increase,
            "decrease" => Direction::Decrease,
            "maintain" => Direction::Maintain,
            "achieve" => Direction::Achieve,
            "within" => Direction::Within,
            _ => return None,
        })
    }
}

impl Indicator {
    /// True for a "无" row, once normalized.
    pub fn is_placeholder(&self) -> bool {
        self.normalized.as_ref().is_some_and(|n| n.placeholder)
    }
}

/// Something a reader or the normalizer noticed about a form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    /// What kind of problem, stable for scripts.
    pub code: WarningCode,
    /// What it means, in words a clerk follows.
    pub message: String,
    /// The cell concerned (A1 notation), when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cell: Option<String>,
}

/// The kinds of [`Warning`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningCode {
    /// A label the template expects is not on the form.
    MissingField,
    /// An amount could not be read as a number.
    UnparsedAmount,
    /// A date could not be read.
    UnparsedDate,
    /// The category box could not be read (nothing or several ticked).
    UnparsedCategory,
    /// The budget year is not stated near the title.
    MissingYear,
    /// A date was given only to the month or year and completed.
    PartialDate,
    /// 项目资金总额 ≠ 财政资金 + 其他资金, or the annual sum does not add up.
    FundsMismatch,
    /// This year's request exceeds the project's total.
    AnnualExceedsTotal,
    /// 计划完成日期 before 计划开始日期.
    DatesReversed,
    /// 主管部门 is blank.
    MissingDepartment,
    /// An indicator level name is not one the dictionary knows.
    UnmappedLevel,
    /// A unit was inferred for an 指标值 that did not state one.
    UnitInferred,
    /// A text was cut to fit a limit.
    Truncated,
    /// The form is on a hidden sheet.
    HiddenSheet,
    /// A number (分值, 权重, 得分) could not be read.
    UnparsedNumber,
    /// The form's layout is not a registered template; it was read by its labels.
    GenericTemplate,
    /// 执行率 ≠ 执行数 / 全年预算数.
    RateMismatch,
    /// The funds' 得分 ≠ min(执行率, 100 %) × 分值.
    FundScoreMismatch,
    /// 得分 above 分值.
    ScoreExceedsWeight,
    /// The 分值 of the funds and the indicators do not add up to 100.
    #[serde(rename = "weights_not_100")]
    WeightsNot100,
    /// 总分 ≠ the sum of the 得分.
    TotalScoreMismatch,
    /// 得分 below 分值, or 实际完成值 short of the target, with no reason given.
    MissingDeviation,
    /// 实际完成值 far beyond the target: the target may have been set too low.
    OverAchievement,
    /// The self-evaluation's 年度指标值 differs from the approved target.
    TargetChanged,
    /// An approved indicator is missing from the self-evaluation.
    IndicatorDropped,
    /// The self-evaluation lists an indicator the approved target does not.
    IndicatorAdded,
    /// 实际完成值 does not reach the target.
    NotAchieved,
}

impl WarningCode {
    /// The snake_case code, as in JSON and CSV.
    pub fn as_str(self) -> &'static str {
        match self {
            WarningCode::MissingField => "missing_field",
            WarningCode::UnparsedAmount => "unparsed_amount",
            WarningCode::UnparsedDate => "unparsed_date",
            WarningCode::UnparsedCategory => "unparsed_category",
            WarningCode::MissingYear => "missing_year",
            WarningCode::PartialDate => "partial_date",
            WarningCode::FundsMismatch => "funds_mismatch",
            WarningCode::AnnualExceedsTotal => "annual_exceeds_total",
            WarningCode::DatesReversed => "dates_reversed",
            WarningCode::MissingDepartment => "missing_department",
            WarningCode::UnmappedLevel => "unmapped_level",
            WarningCode::UnitInferred => "unit_inferred",
            WarningCode::Truncated => "truncated",
            WarningCode::HiddenSheet => "hidden_sheet",
            WarningCode::UnparsedNumber => "unparsed_number",
            WarningCode::GenericTemplate => "generic_template",
            WarningCode::RateMismatch => "rate_mismatch",
            WarningCode::FundScoreMismatch => "fund_score_mismatch",
            WarningCode::ScoreExceedsWeight => "score_exceeds_weight",
            WarningCode::WeightsNot100 => "weights_not_100",
            WarningCode::TotalScoreMismatch => "total_score_mismatch",
            WarningCode::MissingDeviation => "missing_deviation",
            WarningCode::OverAchievement => "over_achievement",
            WarningCode::TargetChanged => "target_changed",
            WarningCode::IndicatorDropped => "indicator_dropped",
            WarningCode::IndicatorAdded => "indicator_added",
            WarningCode::NotAchieved => "not_achieved",
        }
    }
}

impl fmt::Display for WarningCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A calendar date, written `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

impl Date {
    /// A date, if it exists on the calendar (years 1000–9999).
    pub fn new(year: i32, month: u32, day: u32) -> Option<Date> {
        if !(1000..=9999).contains(&year) || !(1..=12).contains(&month) {
            return None;
        }
        if day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date {
            year,
            month: month as u8,
            day: day as u8,
        })
    }

    /// The year.
    pub fn year(self) -> i32 {
        self.year
    }

    /// The month, 1–12.
    pub fn month(self) -> u32 {
        u32::from(self.month)
    }

    /// The day of the month.
    pub fn day(self) -> u32 {
        u32::from(self.day)
    }

    /// Parses `YYYY-MM-DD`.
    pub fn parse_iso(text: &str) -> Option<Date> {
        let mut parts = text.splitn(3, '-');
        let year = parts.next()?.parse().ok()?;
        let month = parts.next()?.parse().ok()?;
        let day = parts.next()?.parse().ok()?;
        Date::new(year, month, day)
    }
}

/// The decimal a spreadsheet shows for a float: 15 significant digits, as Excel displays, so
/// 87.03 stored as 87.030000000000001 reads 87.03 and 0.1 + 0.2 reads 0.3. Readers read numbers
/// with it; writers check with it that a number they write reads back the same.
pub fn spreadsheet_decimal(value: f64) -> Option<Decimal> {
    if !value.is_finite() {
        return None;
    }
    let scientific = format!("{value:.14e}");
    Decimal::from_scientific(&scientific)
        .ok()
        .map(|d| d.normalize())
}

/// Days in a month of the proleptic Gregorian calendar.
pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Date::parse_iso(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("not a YYYY-MM-DD date: {text}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_check_the_calendar() {
        assert!(Date::new(2024, 2, 29).is_some());
        assert!(Date::new(2023, 2, 29).is_none());
        assert!(Date::new(1900, 2, 29).is_none());
        assert!(Date::new(2000, 2, 29).is_some());
        assert!(Date::new(2023, 13, 1).is_none());
        assert_eq!(Date::new(2023, 1, 1).unwrap().to_string(), "2023-01-01");
        assert_eq!(Date::parse_iso("2023-12-31"), Date::new(2023, 12, 31));
        assert_eq!(Date::parse_iso("2023-12-32"), None);
    }

    #[test]
    fn warning_codes_serialize_as_their_codes() {
        let codes = [
            WarningCode::MissingField,
            WarningCode::UnparsedNumber,
            WarningCode::GenericTemplate,
            WarningCode::WeightsNot100,
            WarningCode::TotalScoreMismatch,
            WarningCode::NotAchieved,
        ];
        for code in codes {
            let json = serde_json::to_value(code).unwrap();
            assert_eq!(json, code.as_str());
            assert_eq!(serde_json::from_value::<WarningCode>(json).unwrap(), code);
        }
    }

    #[test]
    fn funds_serialize_as_decimal_strings_and_null() {
        let funds = Funds {
            total: Some(Decimal::new(11250, 2)),
            ..Funds::default()
        };
        let json = serde_json::to_value(&funds).unwrap();
        assert_eq!(json["total"], "112.50");
        assert!(json["fiscal"].is_null());
    }
}
