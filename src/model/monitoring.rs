//! The section a mid-year monitoring form (绩效运行监控表, "双监控") adds to a project's record:
//! budget execution through a month of the year against the share of the year gone (序时进度),
//! progress toward the annual goal, and the approved target form it was held against. The
//! execution lines are a self-evaluation's ([`FundLine`] in [`EvaluationFunds`]): one vocabulary
//! for execution.

use indexmap::IndexMap;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{Comparison, EvaluationFunds, FundLine, TargetLink};

/// What a monitoring form (项目支出绩效运行监控表) says of the year so far.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Monitoring {
    /// The last month the figures cover (7 for 1-7月, 截至7月底, 7月31日), when the form says.
    pub through_month: Option<u32>,
    /// The share of the year gone by then (序时进度): through_month / 12.
    pub time_progress: Option<TimeProgress>,
    /// The execution lines (年度资金总额, 财政拨款, 上年结转资金, 其他资金): 年初预算数, 全年预算数,
    /// 1-N月执行数, 执行率 and 全年预计执行数 of each.
    pub funds: EvaluationFunds,
    /// Execution lines the model has no key for, by label.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub other_lines: IndexMap<String, FundLine>,
    /// 年度总体目标 / 年度绩效目标.
    pub goal_annual: String,
    /// 1-N月总体目标完成情况.
    pub goal_progress: String,
    /// The target form the monitoring form was held against, when one was in the batch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<TargetLink>,
    /// Indicator by indicator against that target (approved, this form's 年度指标值, findings).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub comparison: Vec<Comparison>,
}

/// The share of the year gone (序时进度).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeProgress {
    /// through_month / 12, rounded to four places (7 → 0.5833).
    pub fraction: Decimal,
}

impl TimeProgress {
    /// The progress at the end of a month (1–12).
    pub fn through(month: u32) -> TimeProgress {
        let mut fraction = (Decimal::from(month) / Decimal::from(12)).round_dp(4);
        fraction.rescale(4);
        TimeProgress { fraction }
    }
}

/// How likely an indicator's annual target is to be reached (完成目标可能性).
pub const LIKELIHOODS: [&str; 3] = ["确定能", "有可能", "完全不可能"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_progress_is_the_share_of_the_year_to_four_places() {
        assert_eq!(TimeProgress::through(7).fraction.to_string(), "0.5833");
        assert_eq!(TimeProgress::through(6).fraction.to_string(), "0.5000");
        assert_eq!(TimeProgress::through(12).fraction.to_string(), "1.0000");
        let json = serde_json::to_value(TimeProgress::through(8)).unwrap();
        assert_eq!(json["fraction"], "0.6667");
    }
}
