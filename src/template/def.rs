//! The template file format (`templates/*.toml`), as serde reads it. Nothing here matches
//! anything: [`super::Template::compile`] turns a [`TemplateDef`] into the matcher the readers use.

use serde::Deserialize;

use crate::model::{Block, FormKind};

/// One template file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateDef {
    /// Short stable id (`sh2023`), written into every project read with it.
    pub id: String,
    /// A name users read.
    pub name: String,
    /// Title texts the form is found by (none for a flat export, found by its header row).
    #[serde(default)]
    pub titles: Vec<String>,
    /// What the form is: `target` (default), `self_evaluation`, `monitoring`,
    /// `department_target` or `department_self_evaluation`.
    #[serde(default)]
    pub kind: FormKind,
    /// Words that rule the template out when the title holds them ("自评" for a target form).
    #[serde(default)]
    pub not_titles: Vec<String>,
    /// How many characters besides the title a title cell may hold (a year, a unit; default 16).
    #[serde(default)]
    pub title_slack: Option<usize>,
    /// A form recognised only to be refused, with this reason (a department-wide form).
    #[serde(default)]
    pub refuse: Option<String>,
    /// Tried only when no other template claims a form; forms read with it are marked
    /// `generic_template` for a person to check.
    #[serde(default)]
    pub fallback: bool,
    /// Unit of amounts unless a label or the value says otherwise: "万元" or "元".
    #[serde(default = "default_money_unit")]
    pub money_unit: String,
    /// Labels of the fund block whose text may name the unit ("项目资金（元）").
    #[serde(default)]
    pub unit_labels: Vec<String>,
    /// Other labels and section headings on the form, never taken as a value.
    #[serde(default)]
    pub labels: Vec<String>,
    /// The fields of the model this form fills.
    #[serde(default)]
    pub fields: Vec<FieldDef>,
    /// Template-specific fields, kept under their key.
    #[serde(default)]
    pub extras: Vec<ExtraDef>,
    /// The indicator table (every template but a refusing one has one).
    #[serde(default)]
    pub indicators: Option<TableDef>,
    /// A self-evaluation's budget execution table (预算执行情况).
    #[serde(default)]
    pub budget: Option<BudgetDef>,
    /// A flat export: one row per indicator, read by column families (no title, no fields).
    #[serde(default)]
    pub flat: Option<super::flat::FlatDef>,
    /// A department's task table (年度主要任务), on a department-wide form.
    #[serde(default)]
    pub tasks: Option<super::tasks::TasksDef>,
}

fn default_money_unit() -> String {
    "万元".to_owned()
}

/// One or several values; TOML lets a template write either.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany<T> {
    /// A single value.
    One(T),
    /// A list.
    Many(Vec<T>),
}

impl<T: Clone> OneOrMany<T> {
    /// The values as a list.
    pub fn to_vec(&self) -> Vec<T> {
        match self {
            OneOrMany::One(value) => vec![value.clone()],
            OneOrMany::Many(values) => values.clone(),
        }
    }
}

/// Where a value sits relative to its label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Position {
    /// In the next cell to the right (after the label's merged region).
    Right,
    /// In the cell below the label.
    Below,
    /// In the label's own cell, after a colon ("资金总额：350").
    Inline,
    /// A small table under a header label; its rows are kept as lines.
    Table,
}

/// A field of the model and how to find it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldDef {
    /// Model field(s) the value fills: `project_name`, `funds.total`, `period` …
    pub into: OneOrMany<String>,
    /// Label texts.
    #[serde(default)]
    pub labels: Vec<String>,
    /// An amount that is the sum of several labelled amounts (each part a label or a list of
    /// label texts); the value is blank only when every part is.
    #[serde(default)]
    pub sum: Vec<OneOrMany<String>>,
    /// The value sits in the label's row, in the column of the nearest header above holding one
    /// of these labels ("总分" … under "得分").
    #[serde(default)]
    pub in_column_of: Vec<String>,
    /// Where the value sits; tried in order.
    #[serde(default)]
    pub at: Option<OneOrMany<Position>>,
    /// Among several cells with the label, take the one in the column of one of these labels.
    #[serde(default)]
    pub column_of: Vec<String>,
    /// For a choice (项目类别): the options a box can be ticked against.
    #[serde(default)]
    pub options: Vec<String>,
    /// No warning when the form lacks the label.
    #[serde(default)]
    pub optional: bool,
}

/// A template-specific field.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtraDef {
    /// The key it is kept under (the label users know).
    pub key: String,
    /// Label texts.
    pub labels: Vec<String>,
    /// Where the value sits; tried in order.
    #[serde(default)]
    pub at: Option<OneOrMany<Position>>,
}

/// The indicator table's header labels.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableDef {
    /// 一级指标.
    #[serde(default)]
    pub level1: Vec<String>,
    /// 二级指标.
    #[serde(default)]
    pub level2: Vec<String>,
    /// 三级指标 / 指标内容.
    pub level3: Vec<String>,
    /// 计量单位.
    #[serde(default)]
    pub unit: Vec<String>,
    /// 指标方向 / 计算符号 / 指标性质.
    #[serde(default)]
    pub direction: Vec<String>,
    /// 分值 / 权重.
    #[serde(default)]
    pub weight: Vec<String>,
    /// 评分细则 / 备注 / 指标解释.
    #[serde(default)]
    pub note: Vec<String>,
    /// 实际完成值 / 完成值 (self-evaluations).
    #[serde(default)]
    pub actual: Vec<String>,
    /// 得分 (self-evaluations).
    #[serde(default)]
    pub score: Vec<String>,
    /// 偏差原因分析及改进措施 / 未完成原因分析 (self-evaluations, monitoring forms).
    #[serde(default)]
    pub deviation: Vec<String>,
    /// 全年预计完成值 (monitoring forms).
    #[serde(default)]
    pub expected: Vec<String>,
    /// 完成目标可能性 (monitoring forms).
    #[serde(default)]
    pub likelihood: Vec<String>,
    /// 纠偏措施 (monitoring forms).
    #[serde(default)]
    pub measures: Vec<String>,
    /// The value columns; each may fix its block (年度指标值 / 中长期指标值).
    pub values: Vec<ValueColumnDef>,
    /// Blocks of column groups repeated along one header row (二级/三级/指标值 for 中期, then
    /// again for 年度), in order; columns a group lacks (一级指标) are the first group's.
    #[serde(default)]
    pub groups: Vec<Block>,
    /// Labels left of a header row that say which block the table is.
    #[serde(default)]
    pub blocks: Vec<BlockDef>,
    /// Labels that end the table.
    #[serde(default)]
    pub end_labels: Vec<String>,
}

/// A value column of the indicator table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValueColumnDef {
    /// Header texts.
    pub labels: Vec<String>,
    /// The block its values belong to, when the column says (otherwise the table's block).
    #[serde(default)]
    pub block: Option<Block>,
}

/// A block label.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlockDef {
    /// The block.
    pub block: Block,
    /// Label texts.
    pub labels: Vec<String>,
}

/// The budget execution table of a self-evaluation or a monitoring form: the header labels of
/// its columns and the labels of the lines the model has keys for (other lines are kept by their
/// label).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BudgetDef {
    /// The lines with a key in the model.
    pub lines: Vec<BudgetLineDef>,
    /// 年初预算数.
    pub initial: Vec<String>,
    /// 全年预算数 / 调整后预算数.
    pub adjusted: Vec<String>,
    /// 全年执行数 / 预算执行数 (1-N月执行数 on a monitoring form).
    pub executed: Vec<String>,
    /// 全年预计执行数 (monitoring forms); matched before `executed`.
    #[serde(default)]
    pub expected: Vec<String>,
    /// 执行率.
    #[serde(default)]
    pub rate: Vec<String>,
    /// 分值 / 权重.
    #[serde(default)]
    pub weight: Vec<String>,
    /// 得分.
    #[serde(default)]
    pub score: Vec<String>,
    /// 原因.
    #[serde(default)]
    pub reason: Vec<String>,
}

/// A budget line with a key in the model.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BudgetLineDef {
    /// `total`, `fiscal`, `carryover` or `other`.
    pub into: String,
    /// Label texts.
    pub labels: Vec<String>,
}
