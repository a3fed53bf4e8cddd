//! What a reader or the normalizer noticed about a form but could not settle.

use std::fmt;

use serde::{Deserialize, Serialize};

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
    /// A value repeated on every row of a project (a flat export's amounts) differs between rows.
    RepeatedValueDiffers,
    /// A department's tasks do not add up to the table's 金额合计 row.
    TaskTotalMismatch,
    /// A department-wide form's 项目支出 differs from the sum of the department's project forms.
    DepartmentProjectsMismatch,
    /// A monitoring form's 执行率 trails the share of the year gone by more than the threshold.
    BehindSchedule,
    /// An indicator a monitoring form rates 有可能 or 完全不可能 with no 偏差原因.
    AtRiskWithoutReason,
    /// 全年预计执行数 above the adjusted budget.
    ExpectedExceedsBudget,
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
            WarningCode::RepeatedValueDiffers => "repeated_value_differs",
            WarningCode::TaskTotalMismatch => "task_total_mismatch",
            WarningCode::DepartmentProjectsMismatch => "department_projects_mismatch",
            WarningCode::BehindSchedule => "behind_schedule",
            WarningCode::AtRiskWithoutReason => "at_risk_without_reason",
            WarningCode::ExpectedExceedsBudget => "expected_exceeds_budget",
        }
    }
}

impl fmt::Display for WarningCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
