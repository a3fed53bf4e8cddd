//! The record of one project's form: its identity (names, codes, department, where it was
//! found), its funds, goals and indicators, and the section its kind adds — a self-evaluation's
//! [`Evaluation`], a monitoring form's [`Monitoring`]. Target forms, monitoring forms and
//! self-evaluations are this record; the kind says which.

use std::collections::BTreeMap;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::{
    Comparison, Contact, Date, Evaluation, FormKind, Funds, Indicator, LastYear, Monitoring,
    Review, Source, TargetLink, Warning,
};

/// One project's form (a target form, a monitoring form or a self-evaluation), read from one
/// place in one workbook.
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
    /// 项目名称 (without a budget-system code written before it).
    pub project_name: String,
    /// 项目编码: the budget system's code of the project (from a cell of its own, or split off a
    /// name written "CODE-名称"); `null` when the form has none. Ties a project across years.
    pub project_code: Option<String>,
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
    /// Whom to call about the form.
    pub contact: Contact,
    /// The indicator table, in the order of the form.
    pub indicators: Vec<Indicator>,
    /// What a self-evaluation says of the year (budget execution, goals reached, scores); absent
    /// on target forms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluation: Option<Evaluation>,
    /// What a monitoring form says of the year so far; absent on other kinds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monitoring: Option<Monitoring>,
    /// A target form held against the same project's target of the year before (from the
    /// store); absent without a store or without such a form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_year: Option<LastYear>,
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

impl Project {
    /// The approved target form the record was held against (a self-evaluation's or a
    /// monitoring form's), when one was in the batch.
    pub fn linked_target(&self) -> Option<&TargetLink> {
        match (&self.evaluation, &self.monitoring) {
            (Some(e), _) => e.target.as_ref(),
            (None, Some(m)) => m.target.as_ref(),
            (None, None) => None,
        }
    }

    /// The indicator-by-indicator comparison with the approved target (empty when unlinked).
    pub fn comparison(&self) -> &[Comparison] {
        match (&self.evaluation, &self.monitoring) {
            (Some(e), _) => &e.comparison,
            (None, Some(m)) => &m.comparison,
            (None, None) => &[],
        }
    }

    /// Where a link to the approved target goes: the section of a kind held against it.
    pub fn link_slots_mut(&mut self) -> Option<(&mut Option<TargetLink>, &mut Vec<Comparison>)> {
        match (&mut self.evaluation, &mut self.monitoring) {
            (Some(e), _) => Some((&mut e.target, &mut e.comparison)),
            (None, Some(m)) => Some((&mut m.target, &mut m.comparison)),
            (None, None) => None,
        }
    }
}
