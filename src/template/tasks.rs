//! The task table of the template language (`[tasks]`): a department's 年度主要任务 /
//! 年度重点工作任务, one row per task under a header of its columns (a second header row may split
//! the amount into 总额 / 财政拨款 / 其他资金), ended by its 金额合计 row or the next section.

use serde::Deserialize;

use super::{Alias, aliases};

/// `[tasks]` in a template file: the header labels of each column.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TasksDef {
    /// 任务名称 / 名称.
    pub name: Vec<String>,
    /// 主要内容 / 主要实施内容.
    #[serde(default)]
    pub content: Vec<String>,
    /// 总额 / 预算金额 / 拟投入的资金.
    #[serde(default)]
    pub total: Vec<String>,
    /// 财政拨款.
    #[serde(default)]
    pub fiscal: Vec<String>,
    /// 其他资金.
    #[serde(default)]
    pub other: Vec<String>,
    /// 期望达到的目标.
    #[serde(default)]
    pub goal: Vec<String>,
    /// The labels of the row that adds the tasks up (金额合计); it ends the table.
    #[serde(default)]
    pub total_row: Vec<String>,
    /// True when the 金额合计 row is the department's budget (total, fiscal, other).
    #[serde(default)]
    pub total_row_is_budget: bool,
}

/// A compiled `[tasks]`.
#[derive(Debug, Clone)]
pub struct TasksSpec {
    /// (column, its header labels), for every column the template names.
    pub columns: Vec<(TaskColumn, Vec<Alias>)>,
    /// The labels of the 金额合计 row.
    pub total_row: Vec<Alias>,
    /// The 金额合计 row is the department's budget.
    pub total_row_is_budget: bool,
}

/// A column of the task table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskColumn {
    /// 任务名称.
    Name,
    /// 主要内容.
    Content,
    /// 总额.
    Total,
    /// 财政拨款.
    Fiscal,
    /// 其他资金.
    Other,
    /// 期望达到的目标.
    Goal,
}

impl TaskColumn {
    /// True for the amount columns.
    pub fn is_amount(self) -> bool {
        matches!(
            self,
            TaskColumn::Total | TaskColumn::Fiscal | TaskColumn::Other
        )
    }
}

impl TasksSpec {
    /// Compiles a `[tasks]`.
    pub fn compile(def: &TasksDef) -> Result<TasksSpec, String> {
        let columns: Vec<(TaskColumn, Vec<Alias>)> = [
            (TaskColumn::Name, &def.name),
            (TaskColumn::Content, &def.content),
            (TaskColumn::Total, &def.total),
            (TaskColumn::Fiscal, &def.fiscal),
            (TaskColumn::Other, &def.other),
            (TaskColumn::Goal, &def.goal),
        ]
        .into_iter()
        .map(|(column, labels)| (column, aliases(labels)))
        .filter(|(_, a)| !a.is_empty())
        .collect();
        if !columns.iter().any(|(c, _)| *c == TaskColumn::Name) {
            return Err("tasks 需要 name（任务名称）的表头文字".into());
        }
        Ok(TasksSpec {
            columns,
            total_row: aliases(&def.total_row),
            total_row_is_budget: def.total_row_is_budget,
        })
    }

    /// Every label of the table, so none is read as a value.
    pub fn all_labels(&self) -> impl Iterator<Item = &Alias> {
        self.columns
            .iter()
            .flat_map(|(_, a)| a.iter())
            .chain(&self.total_row)
    }
}
