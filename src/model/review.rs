//! The review of a target form against the finance rules (绩效目标审核): findings and the
//! conclusion they lead to.

use serde::{Deserialize, Serialize};

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
