//! The record of a department-wide form (部门整体支出绩效目标表 / 自评表): one a department files
//! for its whole year — its budget, its main tasks with their amounts, its goals and indicators —
//! and, after the year, its self-evaluation, of the same shape as a project's ([`Evaluation`]).
//! It is its own record, never a project: project totals never include it.

use std::collections::BTreeMap;

use indexmap::IndexMap;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{Evaluation, FormKind, Indicator, Review, Source, Warning};

/// One department-wide form, read from one place in one workbook.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DepartmentForm {
    /// `department_target` or `department_self_evaluation`.
    pub kind: FormKind,
    /// Where the form is: file, sheet and the cell of its title.
    pub source: Source,
    /// Id of the template that recognised the form.
    pub template: String,
    /// The budget year the form is for.
    pub year: Option<i32>,
    /// 部门名称 / 部门（单位）名称 (without a code written before it).
    pub department: String,
    /// 部门预算编码, or the code written before the name; `null` when the form has none.
    pub department_code: Option<String>,
    /// The department's budget (a target form; all `null` on a self-evaluation).
    pub funds: DepartmentFunds,
    /// 年度主要任务 / 年度重点工作任务, in form order (the 金额合计 row is not a task).
    pub tasks: Vec<Task>,
    /// 总体绩效目标.
    pub overall_goal: String,
    /// 年度总体目标.
    pub annual_goal: String,
    /// The indicator table (the same rows a project's has).
    pub indicators: Vec<Indicator>,
    /// A self-evaluation's budget execution, goals and scores; absent on a target form.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evaluation: Option<Evaluation>,
    /// The review (绩效目标审核) of a target form, once reviewed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review: Option<Review>,
    /// Other labelled facts (财政供养人员数, 下属二级单位数, 其他需完成的任务, 备注 …), in form order.
    pub extras: IndexMap<String, String>,
    /// The cell each field was read from.
    pub cells: BTreeMap<String, String>,
    /// What the reader, the normalizer or the reconciliation noticed.
    pub warnings: Vec<Warning>,
}

/// A department's budget, in 万元; `null` where the form states no such figure.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DepartmentFunds {
    /// 部门整体预算 总额 / 合计.
    pub total: Option<Decimal>,
    /// 财政拨款.
    pub fiscal: Option<Decimal>,
    /// 其他资金.
    pub other: Option<Decimal>,
    /// 基本支出.
    pub basic: Option<Decimal>,
    /// 项目支出.
    pub project: Option<Decimal>,
}

impl DepartmentFunds {
    /// The field names, in output order.
    pub const KEYS: [&'static str; 5] = ["total", "fiscal", "other", "basic", "project"];

    /// The figure of a key.
    pub fn get(&self, key: &str) -> Option<Decimal> {
        match key {
            "total" => self.total,
            "fiscal" => self.fiscal,
            "other" => self.other,
            "basic" => self.basic,
            "project" => self.project,
            _ => None,
        }
    }

    /// The slot of a key.
    pub fn slot_mut(&mut self, key: &str) -> Option<&mut Option<Decimal>> {
        Some(match key {
            "total" => &mut self.total,
            "fiscal" => &mut self.fiscal,
            "other" => &mut self.other,
            "basic" => &mut self.basic,
            "project" => &mut self.project,
            _ => return None,
        })
    }

    /// The label users read for a key.
    pub fn label(key: &str) -> &'static str {
        match key {
            "total" => "部门预算总额",
            "fiscal" => "财政拨款",
            "other" => "其他资金",
            "basic" => "基本支出",
            "project" => "项目支出",
            _ => "",
        }
    }

    /// The department's 项目支出 as the reconciliation reads it: 项目支出 where the form splits its
    /// budget, else the total less 基本支出, else the total; with the basis (`project`,
    /// `total_less_basic`, `total`).
    pub fn project_spending(&self) -> Option<(Decimal, &'static str)> {
        match (self.project, self.total, self.basic) {
            (Some(project), _, _) => Some((project, "project")),
            (None, Some(total), Some(basic)) => Some((total - basic, "total_less_basic")),
            (None, Some(total), None) => Some((total, "total")),
            _ => None,
        }
    }
}

/// One of a department's main tasks (年度主要任务 / 年度重点工作任务).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Task {
    /// 任务名称 / 名称.
    pub name: String,
    /// 主要内容 / 主要实施内容.
    pub content: String,
    /// 预算金额 总额 / 拟投入的资金, in 万元.
    pub total: Option<Decimal>,
    /// 财政拨款.
    pub fiscal: Option<Decimal>,
    /// 其他资金.
    pub other: Option<Decimal>,
    /// 期望达到的目标, where the form has it.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub goal: String,
    /// The cell of the task's name.
    pub cell: String,
}
