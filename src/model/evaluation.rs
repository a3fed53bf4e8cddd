//! The section a self-evaluation (绩效自评表) adds to a project's record: budget execution, goals
//! reached, scores, and the approved target form it was held against.

use indexmap::IndexMap;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{FundLine, Source, WarningCode};

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

/// The target form a self-evaluation is linked to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TargetLink {
    /// The target's project id (as in projects.csv).
    pub project_id: String,
    /// Where the target form is.
    pub source: Source,
    /// The store's batch the target came from, when it was not in this batch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stored_batch: Option<i64>,
}
