//! A target form held against the same project's target form of the year before (from the
//! store): last year's figures beside this year's, and per indicator whether the target stayed,
//! was made easier or harder, was added or dropped.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::Source;

/// Last year's target form of a project, as this year's is held against it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LastYear {
    /// Last year's 项目编号.
    pub project_id: String,
    /// Its budget year.
    pub year: Option<i32>,
    /// Where last year's form was read.
    pub source: Source,
    /// The store's batch it came in.
    pub stored_batch: i64,
    /// Its 年度资金申请总额 (else 项目资金总额), in 万元.
    pub annual_total: Option<Decimal>,
    /// Indicator by indicator: last year's 指标值 beside this year's.
    pub indicators: Vec<YearChange>,
}

/// One indicator, last year and this year.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct YearChange {
    /// Canonical 一级指标.
    pub level1: String,
    /// Canonical 二级指标.
    pub level2: String,
    /// 三级指标 as this year's form (or, for a dropped one, last year's) writes it.
    pub level3: String,
    /// Last year's 指标值 (none for an indicator added this year).
    pub last: Option<String>,
    /// This year's 指标值 (none for a dropped one).
    pub this: Option<String>,
    /// What changed.
    pub change: IndicatorChange,
    /// The cell of this year's 指标值 (empty for a dropped one).
    pub cell: String,
}

/// How an indicator's target changed from one year to the next.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorChange {
    /// The same target.
    #[default]
    Same,
    /// Made easier: a lower "at least", a higher "at most", a later deadline.
    Eased,
    /// Made harder.
    Tightened,
    /// Changed in a way that is neither (other words, another unit).
    Changed,
    /// New this year.
    Added,
    /// Last year's, gone this year.
    Dropped,
}

impl IndicatorChange {
    /// The words users read.
    pub fn label(self) -> &'static str {
        match self {
            IndicatorChange::Same => "一致",
            IndicatorChange::Eased => "较上年放宽",
            IndicatorChange::Tightened => "较上年提高",
            IndicatorChange::Changed => "有变化",
            IndicatorChange::Added => "本年新增",
            IndicatorChange::Dropped => "本年取消",
        }
    }
}
