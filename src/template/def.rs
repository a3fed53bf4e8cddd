//! The template file format (`templates/*.toml`), as serde reads it. Nothing here matches
//! anything: [`super::Template::compile`] turns a [`TemplateDef`] into the matcher the readers use.

use serde::Deserialize;

use crate::model::Block;

/// One template file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateDef {
    /// Short stable id (`sh2023`), written into every project read with it.
    pub id: String,
    /// A name users read.
    pub name: String,
    /// Title texts the form is found by.
    pub titles: Vec<String>,
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
    /// The indicator table.
    pub indicators: TableDef,
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
    pub labels: Vec<String>,
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
#[derive(Debug, Clone, Deserialize)]
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
    /// 指标方向 / 计算符号.
    #[serde(default)]
    pub direction: Vec<String>,
    /// The value columns; each may fix its block (年度指标值 / 中长期指标值).
    pub values: Vec<ValueColumnDef>,
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
