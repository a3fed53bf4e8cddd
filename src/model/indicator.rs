//! The indicator table: each row as written, and what the normalizer made of it (canonical level
//! names, the 指标值 as a structured measure).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

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
    /// Its name in the JSON outputs and the store (`annual`, `long_term`).
    pub fn as_str(self) -> &'static str {
        match self {
            Block::Annual => "annual",
            Block::LongTerm => "long_term",
        }
    }

    /// The label users read.
    pub fn label(self) -> &'static str {
        match self {
            Block::Annual => "年度",
            Block::LongTerm => "长期",
        }
    }
}

/// One row of the indicator table. Its JSON (`indicator_json.rs`) leaves out of `normalized` what
/// repeats the row as written.
#[derive(Debug, Clone, Default, PartialEq)]
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
    pub unit: Option<String>,
    /// 指标方向 / 计算符号 / 指标性质 (≥ ≤ = 定性), when the form has that column.
    pub direction: Option<String>,
    /// 分值 / 权重, when the form has that column.
    pub weight: Option<Decimal>,
    /// 评分细则 / 备注 / 指标解释, when the form has that column.
    pub note: Option<String>,
    /// Points a level name carried ("产出指标(50分)" → 50), taken off the name.
    pub level1_points: Option<Decimal>,
    /// 实际完成值 / 完成值, as written (self-evaluations; a monitoring form's 1-N月实际完成值).
    pub actual: Option<String>,
    /// 得分 (self-evaluations).
    pub score: Option<Decimal>,
    /// 偏差原因分析及改进措施 / 未完成原因分析 (self-evaluations, monitoring forms).
    pub deviation: Option<String>,
    /// 全年预计完成值 (monitoring forms).
    pub expected: Option<String>,
    /// 完成目标可能性: 确定能, 有可能 or 完全不可能 (monitoring forms).
    pub likelihood: Option<String>,
    /// 纠偏措施 (monitoring forms).
    pub measures: Option<String>,
    /// The cell of the 三级指标 (A1 notation).
    pub cell: String,
    /// The cell of the 指标值 (A1 notation).
    pub value_cell: String,
    /// The cell of the 实际完成值 (self-evaluations).
    pub actual_cell: String,
    /// What the normalizer made of the row; absent until the model is normalized.
    pub normalized: Option<NormalizedIndicator>,
}

/// An indicator row in canonical terms, beside the row as written.
#[derive(Debug, Clone, Default, PartialEq)]
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
    pub actual: Option<Measure>,
}

/// An 指标值 made comparable.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Measure {
    /// The value as written.
    pub raw: String,
    /// Quantitative, qualitative, or none.
    pub kind: MeasureKind,
    /// How the target compares (≥ > = < ≤, or ~ for a range).
    pub comparator: Option<Comparator>,
    /// The target number, exact.
    pub number: Option<Decimal>,
    /// The upper end of a range ("85%-95%").
    pub upper: Option<Decimal>,
    /// The unit (%, 万元, 个 …).
    pub unit: Option<String>,
    /// True when the unit was inferred, not written.
    pub unit_inferred: bool,
    /// The direction a qualitative (or relative) target states.
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
