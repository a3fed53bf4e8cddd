//! What identifies a form and where it came from, and whom to call about it.

use serde::{Deserialize, Serialize};

use super::Date;

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

/// Whom to call about a form: from labelled cells or the footer lines ("填报人：张三  联系电话：…
/// 填报日期：2025年10月20日"). Every key is written, `null` when the form has none.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Contact {
    /// The 填报人, else the 联系人, else the 项目负责人 — the name only (never 单位负责人 or
    /// 财务负责人).
    pub person: Option<String>,
    /// 联系电话, as written.
    pub phone: Option<String>,
    /// 填报日期.
    pub filed: Option<Date>,
}

impl Contact {
    /// True when the form names nobody, no phone and no date.
    pub fn is_empty(&self) -> bool {
        self.person.is_none() && self.phone.is_none() && self.filed.is_none()
    }
}
