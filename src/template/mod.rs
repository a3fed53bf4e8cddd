//! Templates: the data that says which forms exist and where their values sit.
//!
//! The built-in templates (`templates/*.toml`) are compiled into the binary; `--templates DIR`
//! adds more, and a file whose `id` equals a built-in one replaces it. A template is compiled once
//! into a [`Template`]: labels folded for matching, field names checked.

pub mod def;
pub mod flat;
pub mod footers;
pub mod tasks;

use std::path::Path;

use crate::data_files::{DataKind, files_of_kind};
use crate::error::{Error, ErrorKind, Result};
use crate::keywords::{FastMap, FastSet};
use crate::model::{Block, FormKind, FundKind, MoneyUnit};
use crate::text::fold_label;
pub use def::Position;
use def::{BudgetDef, OneOrMany, TableDef, TemplateDef};
pub use flat::{FlatColumn, FlatSpec};
pub use footers::Footers;
pub use tasks::{TaskColumn, TasksSpec};

/// The templates built into the binary, as (file name, text).
const BUILTIN: &[(&str, &str)] = &[
    ("sh2023.toml", include_str!("../../templates/sh2023.toml")),
    ("sd2020.toml", include_str!("../../templates/sd2020.toml")),
    ("c2015.toml", include_str!("../../templates/c2015.toml")),
    ("gx2021.toml", include_str!("../../templates/gx2021.toml")),
    ("sc2023.toml", include_str!("../../templates/sc2023.toml")),
    ("zp2020.toml", include_str!("../../templates/zp2020.toml")),
    (
        "sc2023zp.toml",
        include_str!("../../templates/sc2023zp.toml"),
    ),
    (
        "sx2020bm.toml",
        include_str!("../../templates/sx2020bm.toml"),
    ),
    (
        "zj2023bm.toml",
        include_str!("../../templates/zj2023bm.toml"),
    ),
    (
        "nd2018zp.toml",
        include_str!("../../templates/nd2018zp.toml"),
    ),
    ("jk2025.toml", include_str!("../../templates/jk2025.toml")),
    (
        "department.toml",
        include_str!("../../templates/department.toml"),
    ),
    ("generic.toml", include_str!("../../templates/generic.toml")),
    (
        "jk2025flat.toml",
        include_str!("../../templates/jk2025flat.toml"),
    ),
    ("flat.toml", include_str!("../../templates/flat.toml")),
];

/// Characters a title cell may hold besides the title (a year, "（单位：万元）").
const DEFAULT_TITLE_SLACK: usize = 16;

/// A model field a template can fill.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    /// 项目名称
    ProjectName,
    /// 项目编码 / 项目代码, in a cell of its own
    ProjectCode,
    /// 主管部门
    Department,
    /// 主管部门编码, in a cell of its own
    DepartmentCode,
    /// 实施单位 / 项目单位
    ImplementingUnit,
    /// 实施单位编码, in a cell of its own
    ImplementingUnitCode,
    /// 项目类别 (a ticked box)
    Category,
    /// 计划开始日期
    StartDate,
    /// 计划完成日期
    EndDate,
    /// 项目起止时间: both dates in one cell
    Period,
    /// 项目总目标
    OverallGoal,
    /// 年度总体目标
    AnnualGoal,
    /// A fund figure
    Funds(FundKind),
    /// A department-wide form's 基本支出 or 项目支出 (`basic`, `project`)
    DepartmentFunds(&'static str),
    /// A self-evaluation's text or score
    Evaluation(EvaluationField),
    /// A monitoring form's goal texts (`goal_annual`, `goal_progress`)
    Monitoring(&'static str),
    /// A template-specific field, by key
    Extra(String),
}

/// The fields of a monitoring form read like any other field (after `monitoring.`).
pub const MONITORING_FIELDS: [&str; 2] = ["goal_annual", "goal_progress"];

/// The fields of a self-evaluation read like any other field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EvaluationField {
    /// 预期目标
    GoalExpected,
    /// 实际完成情况
    GoalActual,
    /// 总分
    TotalScore,
    /// 合计: the indicators' 得分 added up on the form
    IndicatorScore,
    /// 评价结论
    Conclusion,
    /// 存在问题
    Problems,
    /// 改进措施
    Improvements,
}

impl EvaluationField {
    const ALL: [EvaluationField; 7] = [
        EvaluationField::GoalExpected,
        EvaluationField::GoalActual,
        EvaluationField::TotalScore,
        EvaluationField::IndicatorScore,
        EvaluationField::Conclusion,
        EvaluationField::Problems,
        EvaluationField::Improvements,
    ];

    /// The name after `evaluation.`.
    pub fn name(self) -> &'static str {
        match self {
            EvaluationField::GoalExpected => "goal_expected",
            EvaluationField::GoalActual => "goal_actual",
            EvaluationField::TotalScore => "total_score",
            EvaluationField::IndicatorScore => "indicator_score",
            EvaluationField::Conclusion => "conclusion",
            EvaluationField::Problems => "problems",
            EvaluationField::Improvements => "improvements",
        }
    }
}

impl Target {
    /// Parses a field name as written in a template's `into`.
    pub fn parse(name: &str) -> Option<Target> {
        Some(match name {
            "project_name" => Target::ProjectName,
            "project_code" => Target::ProjectCode,
            "department" => Target::Department,
            "department_code" => Target::DepartmentCode,
            "implementing_unit" => Target::ImplementingUnit,
            "implementing_unit_code" => Target::ImplementingUnitCode,
            "category" => Target::Category,
            "start_date" => Target::StartDate,
            "end_date" => Target::EndDate,
            "period" => Target::Period,
            "overall_goal" => Target::OverallGoal,
            "annual_goal" => Target::AnnualGoal,
            _ => {
                if let Some(field) = name.strip_prefix("monitoring.") {
                    return MONITORING_FIELDS
                        .into_iter()
                        .find(|f| *f == field)
                        .map(Target::Monitoring);
                }
                if let Some(field) = name.strip_prefix("evaluation.") {
                    let found = EvaluationField::ALL
                        .into_iter()
                        .find(|f| f.name() == field)?;
                    return Some(Target::Evaluation(found));
                }
                let key = name.strip_prefix("funds.")?;
                match key {
                    "basic" => Target::DepartmentFunds("basic"),
                    "project" => Target::DepartmentFunds("project"),
                    key => Target::Funds(FundKind::from_name(key)?),
                }
            }
        })
    }

    /// The field names a template may write in `into`.
    pub const NAMES: &'static str = "project_name, project_code, department, department_code, \
        implementing_unit, implementing_unit_code, category, start_date, end_date, period, \
        overall_goal, annual_goal, funds.total, funds.fiscal, funds.other, funds.annual_total, \
        funds.basic, funds.project, \
        funds.appropriation, funds.carryover, funds.annual_other, evaluation.goal_expected, \
        evaluation.goal_actual, evaluation.total_score, evaluation.indicator_score, \
        evaluation.conclusion, \
        evaluation.problems, evaluation.improvements, monitoring.goal_annual, \
        monitoring.goal_progress";

    /// The key under which the field's cell is recorded in [`crate::model::Project::cells`].
    pub fn key(&self) -> String {
        match self {
            Target::ProjectName => "project_name".into(),
            Target::ProjectCode => "project_code".into(),
            Target::Department => "department".into(),
            Target::DepartmentCode => "department_code".into(),
            Target::ImplementingUnit => "implementing_unit".into(),
            Target::ImplementingUnitCode => "implementing_unit_code".into(),
            Target::Category => "category".into(),
            Target::StartDate => "start_date".into(),
            Target::EndDate => "end_date".into(),
            Target::Period => "period".into(),
            Target::OverallGoal => "overall_goal".into(),
            Target::AnnualGoal => "annual_goal".into(),
            Target::Funds(kind) => format!("funds.{}", kind.name()),
            Target::DepartmentFunds(key) => format!("funds.{key}"),
            Target::Evaluation(field) => format!("evaluation.{}", field.name()),
            Target::Monitoring(field) => format!("monitoring.{field}"),
            Target::Extra(key) => key.clone(),
        }
    }
}

/// A label text, folded for matching. A template writes a trailing `*` for a label that starts
/// so ("资金总额*" matches "资金总额（万元）"), a leading `*` for one that ends so ("*执行数" matches
/// "1-7月执行数" and "截至7月底执行数"), and both for one that holds the text anywhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alias {
    /// The folded text.
    pub text: String,
    /// Matches any label that starts with the text.
    pub prefix: bool,
    /// Matches any label that ends with the text.
    pub suffix: bool,
}

impl Alias {
    fn new(label: &str) -> Alias {
        let trimmed = label.trim();
        let (trimmed, suffix) = match trimmed.strip_prefix('*') {
            Some(rest) => (rest, true),
            None => (trimmed, false),
        };
        let (stem, prefix) = match trimmed.strip_suffix('*') {
            Some(stem) => (stem, true),
            None => (trimmed, false),
        };
        Alias {
            text: fold_label(stem),
            prefix,
            suffix,
        }
    }

    /// True when the alias matches only the label itself.
    pub fn is_exact(&self) -> bool {
        !self.prefix && !self.suffix
    }

    /// True when a folded cell text is this label.
    pub fn matches(&self, folded: &str) -> bool {
        match (self.prefix, self.suffix) {
            (false, false) => folded == self.text,
            (true, false) => folded.starts_with(&self.text),
            (false, true) => folded.ends_with(&self.text),
            (true, true) => folded.contains(self.text.as_str()),
        }
    }
}

fn aliases(labels: &[String]) -> Vec<Alias> {
    labels
        .iter()
        .map(|l| Alias::new(l))
        .filter(|a| !a.text.is_empty())
        .collect()
}

/// True when any alias matches the folded text.
pub fn any_matches(aliases: &[Alias], folded: &str) -> bool {
    aliases.iter().any(|a| a.matches(folded))
}

/// How to find one field (or extra) on a form.
#[derive(Debug, Clone)]
pub struct FieldSpec {
    /// The model fields it fills.
    pub targets: Vec<Target>,
    /// Its labels.
    pub aliases: Vec<Alias>,
    /// The label as the template wrote it first, for messages.
    pub label: String,
    /// Where the value sits, tried in order.
    pub at: Vec<Position>,
    /// Prefer the label cell in the column of one of these labels.
    pub column_of: Vec<Alias>,
    /// The parts of a summed amount, each with its labels and its first label (for messages).
    pub sum: Vec<(Vec<Alias>, String)>,
    /// The value is in the label's row under the nearest header above with one of these labels.
    pub in_column_of: Vec<Alias>,
    /// Options of a choice.
    pub options: Vec<String>,
    /// No warning when missing.
    pub optional: bool,
}

/// The indicator table's header labels, folded.
#[derive(Debug, Clone)]
pub struct TableSpec {
    /// 一级指标.
    pub level1: Vec<Alias>,
    /// 二级指标.
    pub level2: Vec<Alias>,
    /// 三级指标.
    pub level3: Vec<Alias>,
    /// 计量单位.
    pub unit: Vec<Alias>,
    /// 指标方向 / 指标性质.
    pub direction: Vec<Alias>,
    /// 分值 / 权重.
    pub weight: Vec<Alias>,
    /// 评分细则 / 备注.
    pub note: Vec<Alias>,
    /// 实际完成值.
    pub actual: Vec<Alias>,
    /// 得分.
    pub score: Vec<Alias>,
    /// 偏差原因.
    pub deviation: Vec<Alias>,
    /// 全年预计完成值.
    pub expected: Vec<Alias>,
    /// 完成目标可能性.
    pub likelihood: Vec<Alias>,
    /// 纠偏措施.
    pub measures: Vec<Alias>,
    /// Value columns with their fixed block, if any.
    pub values: Vec<(Vec<Alias>, Option<Block>)>,
    /// Blocks of repeated column groups, in order.
    pub groups: Vec<Block>,
    /// Block labels.
    pub blocks: Vec<(Block, Vec<Alias>)>,
    /// Labels that end the table.
    pub end_labels: Vec<Alias>,
}

/// The columns of a self-evaluation's budget execution table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BudgetColumn {
    /// 年初预算数
    Initial,
    /// 全年预算数
    Adjusted,
    /// 全年执行数 (1-N月执行数)
    Executed,
    /// 全年预计执行数
    Expected,
    /// 执行率
    Rate,
    /// 分值
    Weight,
    /// 得分
    Score,
    /// 原因
    Reason,
}

/// The budget execution table of a self-evaluation or a monitoring form, folded.
#[derive(Debug, Clone)]
pub struct BudgetSpec {
    /// Lines with a model key (`total`, `fiscal`, `carryover`, `other`) and their labels.
    pub lines: Vec<(&'static str, Vec<Alias>)>,
    /// Header labels of the columns.
    pub columns: Vec<(BudgetColumn, Vec<Alias>)>,
}

impl BudgetSpec {
    fn compile(def: &BudgetDef) -> std::result::Result<BudgetSpec, String> {
        let mut lines = Vec::new();
        for line in &def.lines {
            let key = crate::model::EvaluationFunds::KEYS
                .into_iter()
                .find(|k| *k == line.into)
                .ok_or_else(|| {
                    format!(
                        "budget.lines 的 into 应为 total、fiscal、carryover 或 other，而不是“{}”",
                        line.into
                    )
                })?;
            lines.push((key, aliases(&line.labels)));
        }
        let columns = [
            (BudgetColumn::Initial, &def.initial),
            (BudgetColumn::Adjusted, &def.adjusted),
            // Before 执行数: "*执行数" would take "全年预计执行数" too.
            (BudgetColumn::Expected, &def.expected),
            (BudgetColumn::Executed, &def.executed),
            (BudgetColumn::Rate, &def.rate),
            (BudgetColumn::Weight, &def.weight),
            (BudgetColumn::Score, &def.score),
            (BudgetColumn::Reason, &def.reason),
        ]
        .into_iter()
        .map(|(column, labels)| (column, aliases(labels)))
        .filter(|(_, a)| !a.is_empty())
        .collect();
        Ok(BudgetSpec { lines, columns })
    }
}

/// A compiled template.
#[derive(Debug, Clone)]
pub struct Template {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Title texts, folded.
    pub titles: Vec<String>,
    /// Target form or self-evaluation.
    pub kind: FormKind,
    /// Folded words that rule the template out when a title holds them.
    pub not_titles: Vec<String>,
    /// Characters a title cell may hold besides the title.
    pub title_slack: usize,
    /// Recognised only to be refused, with this reason.
    pub refuse: Option<String>,
    /// Tried only when no other template claims a form.
    pub fallback: bool,
    /// The budget execution table of a self-evaluation or a monitoring form.
    pub budget: Option<BudgetSpec>,
    /// A flat export's column families, for a flat template (which has no title or fields).
    pub flat: Option<FlatSpec>,
    /// A department-wide form's task table.
    pub tasks: Option<TasksSpec>,
    /// The default unit of amounts.
    pub money_unit: MoneyUnit,
    /// Labels that may name the unit.
    pub unit_labels: Vec<Alias>,
    /// Fields, then extras, in template order.
    pub fields: Vec<FieldSpec>,
    /// The indicator table.
    pub table: TableSpec,
    /// Every label of the template, so a label is never read as a value.
    known: Vec<Alias>,
    known_exact: FastSet<String>,
    /// Field (and extra) indices by exact folded label, and the labels matched by their start
    /// or end.
    field_index: FastMap<String, Vec<usize>>,
    field_patterns: Vec<(Alias, usize)>,
}

impl Template {
    /// Compiles a template definition; the error says what is wrong in the template's words.
    pub fn compile(def: TemplateDef) -> std::result::Result<Template, String> {
        if def.id.trim().is_empty() {
            return Err("id 不能为空".into());
        }
        let titles: Vec<String> = def.titles.iter().map(|t| fold_label(t)).collect();
        let flat = def.flat.as_ref().map(FlatSpec::compile).transpose()?;
        if titles.iter().all(|t| t.is_empty()) && flat.is_none() {
            return Err("titles 至少要有一个表头标题".into());
        }
        let money_unit = MoneyUnit::from_label(&def.money_unit)
            .ok_or_else(|| format!("money_unit 应为“万元”或“元”，而不是“{}”", def.money_unit))?;
        let mut fields = Vec::new();
        for field in &def.fields {
            let mut targets = Vec::new();
            for name in field.into.to_vec() {
                let target = Target::parse(&name)
                    .ok_or_else(|| format!("未知字段“{name}”；可用字段：{}", Target::NAMES))?;
                targets.push(target);
            }
            let mut field_spec = spec(
                targets,
                &field.labels,
                field.at.as_ref(),
                &field.column_of,
                &field.options,
                field.optional,
            )?;
            field_spec.sum = field
                .sum
                .iter()
                .map(|part| {
                    let labels = part.to_vec();
                    (
                        aliases(&labels),
                        labels.first().cloned().unwrap_or_default(),
                    )
                })
                .collect();
            if field_spec.sum.iter().any(|(a, _)| a.is_empty()) {
                return Err(format!("字段 {} 的 sum 有空的部分", field_spec.label));
            }
            if field_spec.label.is_empty() {
                field_spec.label = field_spec
                    .sum
                    .first()
                    .map(|(_, l)| l.clone())
                    .unwrap_or_default();
            }
            field_spec.in_column_of = aliases(&field.in_column_of);
            fields.push(field_spec);
        }
        for extra in &def.extras {
            let targets = vec![Target::Extra(extra.key.clone())];
            fields.push(spec(
                targets,
                &extra.labels,
                extra.at.as_ref(),
                &[],
                &[],
                true,
            )?);
        }
        if let Some(field) = fields
            .iter()
            .find(|f| f.aliases.is_empty() && f.sum.is_empty())
        {
            let names: Vec<String> = field.targets.iter().map(Target::key).collect();
            return Err(format!("字段 {} 没有 labels", names.join(", ")));
        }
        let table = match &def.indicators {
            Some(t) => TableSpec::compile(t)?,
            None if def.refuse.is_some() || flat.is_some() => {
                TableSpec::compile(&TableDef::default())?
            }
            None => return Err("缺少 [indicators]（绩效指标表的表头文字）".into()),
        };
        if def.refuse.is_none()
            && flat.is_none()
            && (table.level3.is_empty() || table.values.iter().all(|(a, _)| a.is_empty()))
        {
            return Err("indicators 需要 level3 和 values 的表头文字".into());
        }
        let tasks = def.tasks.as_ref().map(TasksSpec::compile).transpose()?;
        let budget = def.budget.as_ref().map(BudgetSpec::compile).transpose()?;
        let mut known: Vec<Alias> = aliases(&def.labels);
        known.extend(aliases(&def.unit_labels));
        for field in &fields {
            known.extend(field.aliases.iter().cloned());
            known.extend(field.sum.iter().flat_map(|(a, _)| a.iter().cloned()));
        }
        known.extend(table.all_labels());
        if let Some(tasks) = &tasks {
            known.extend(tasks.all_labels().cloned());
        }
        if let Some(budget) = &budget {
            known.extend(budget.lines.iter().flat_map(|(_, a)| a.iter().cloned()));
            known.extend(budget.columns.iter().flat_map(|(_, a)| a.iter().cloned()));
        }
        let known_exact = known
            .iter()
            .filter(|a| a.is_exact())
            .map(|a| a.text.clone())
            .collect();
        known.retain(|a| !a.is_exact());
        let mut field_index: FastMap<String, Vec<usize>> = FastMap::default();
        let mut field_patterns = Vec::new();
        for (index, field) in fields.iter().enumerate() {
            for alias in &field.aliases {
                if !alias.is_exact() {
                    field_patterns.push((alias.clone(), index));
                } else {
                    field_index
                        .entry(alias.text.clone())
                        .or_default()
                        .push(index);
                }
            }
        }
        Ok(Template {
            id: def.id.trim().to_owned(),
            name: def.name,
            titles,
            kind: def.kind,
            not_titles: def
                .not_titles
                .iter()
                .map(|t| fold_label(t))
                .filter(|t| !t.is_empty())
                .collect(),
            title_slack: def.title_slack.unwrap_or(DEFAULT_TITLE_SLACK),
            refuse: def.refuse,
            fallback: def.fallback,
            budget,
            flat,
            tasks,
            money_unit,
            unit_labels: aliases(&def.unit_labels),
            fields,
            table,
            known,
            known_exact,
            field_index,
            field_patterns,
        })
    }

    /// Calls `found` with the index of every field (or extra) one of whose labels the folded
    /// text is.
    pub fn fields_labelled(&self, folded: &str, mut found: impl FnMut(usize)) {
        if let Some(indices) = self.field_index.get(folded) {
            indices.iter().for_each(|&i| found(i));
        }
        for (alias, index) in &self.field_patterns {
            if alias.matches(folded) {
                found(*index);
            }
        }
    }

    /// True when a folded cell text is one of the template's labels (and so never a value).
    pub fn is_known_label(&self, folded: &str) -> bool {
        self.known_exact.contains(folded) || any_matches(&self.known, folded)
    }

    /// How well a folded cell text matches one of the titles: the matched title's length, or
    /// `None`. A cell matches when it contains the title and little else (a year, brackets), and
    /// none of the words that rule the template out.
    pub fn title_match(&self, folded: &str) -> Option<usize> {
        self.title_match_counted(folded, folded.chars().count())
    }

    /// [`Template::title_match`] with the text's length in characters already counted.
    fn title_match_counted(&self, folded: &str, cell_len: usize) -> Option<usize> {
        let best = self
            .titles
            .iter()
            .filter(|title| !title.is_empty() && folded.contains(title.as_str()))
            .map(|title| title.chars().count())
            .filter(|&len| cell_len <= len + self.title_slack)
            .max()?;
        if self.not_titles.iter().any(|w| folded.contains(w.as_str())) {
            return None;
        }
        Some(best)
    }

    /// How many of the template's field labels and indicator headers the labels show: how well
    /// the template fits a form.
    pub fn fit(&self, labels: &[&str]) -> usize {
        let found = |aliases: &[Alias]| labels.iter().any(|l| any_matches(aliases, l));
        let fields = self
            .fields
            .iter()
            .filter(|f| found(&f.aliases) || f.sum.iter().any(|(a, _)| found(a)))
            .count();
        let table = &self.table;
        let headers = [
            &table.level1,
            &table.level2,
            &table.level3,
            &table.unit,
            &table.direction,
            &table.weight,
            &table.note,
            &table.actual,
            &table.score,
            &table.deviation,
            &table.expected,
            &table.likelihood,
            &table.measures,
        ]
        .into_iter()
        .filter(|a| !a.is_empty() && found(a))
        .count();
        let budget = self.budget.as_ref().map_or(0, |b| {
            b.columns.iter().filter(|(_, a)| found(a)).count()
                + b.lines.iter().filter(|(_, a)| found(a)).count()
        });
        fields + headers + budget
    }
}

fn spec(
    targets: Vec<Target>,
    labels: &[String],
    at: Option<&OneOrMany<Position>>,
    column_of: &[String],
    options: &[String],
    optional: bool,
) -> std::result::Result<FieldSpec, String> {
    let aliases = aliases(labels);
    let label = labels
        .first()
        .map(|l| l.trim().trim_end_matches('*').to_owned())
        .unwrap_or_default();
    let at = at
        .map(OneOrMany::to_vec)
        .unwrap_or_else(|| vec![Position::Right]);
    if targets.contains(&Target::Category) && options.is_empty() {
        return Err("category 字段需要 options（可勾选的选项）".into());
    }
    Ok(FieldSpec {
        targets,
        aliases,
        label,
        at,
        column_of: self::aliases(column_of),
        sum: Vec::new(),
        in_column_of: Vec::new(),
        options: options.to_vec(),
        optional,
    })
}

impl TableSpec {
    fn compile(t: &TableDef) -> std::result::Result<TableSpec, String> {
        Ok(TableSpec {
            level1: aliases(&t.level1),
            level2: aliases(&t.level2),
            level3: aliases(&t.level3),
            unit: aliases(&t.unit),
            direction: aliases(&t.direction),
            weight: aliases(&t.weight),
            note: aliases(&t.note),
            actual: aliases(&t.actual),
            score: aliases(&t.score),
            deviation: aliases(&t.deviation),
            expected: aliases(&t.expected),
            likelihood: aliases(&t.likelihood),
            measures: aliases(&t.measures),
            values: t
                .values
                .iter()
                .map(|v| (aliases(&v.labels), v.block))
                .collect(),
            groups: t.groups.clone(),
            blocks: t
                .blocks
                .iter()
                .map(|b| (b.block, aliases(&b.labels)))
                .collect(),
            end_labels: aliases(&t.end_labels),
        })
    }

    /// Every header label of the table.
    fn all_labels(&self) -> impl Iterator<Item = Alias> + '_ {
        [
            &self.level1,
            &self.level2,
            &self.level3,
            &self.unit,
            &self.direction,
            &self.weight,
            &self.note,
            &self.actual,
            &self.score,
            &self.deviation,
            &self.expected,
            &self.likelihood,
            &self.measures,
            &self.end_labels,
        ]
        .into_iter()
        .flatten()
        .chain(self.values.iter().flat_map(|(a, _)| a.iter()))
        .chain(self.blocks.iter().flat_map(|(_, a)| a.iter()))
        .cloned()
    }
}

/// The templates in use: the built-in ones plus any loaded from a folder.
#[derive(Debug, Clone)]
pub struct TemplateSet {
    templates: Vec<Template>,
    /// The labels of footer lines (built in, plus any footers file of a templates folder).
    footers: Footers,
    /// Every template's titles in one automaton (built on first use, dropped on a change).
    titles: std::sync::OnceLock<TitleIndex>,
}

/// All titles of a set of templates in one Aho–Corasick automaton: a cell is searched once for
/// every title, instead of once per title of every template.
#[derive(Debug, Clone)]
struct TitleIndex {
    automaton: Option<aho_corasick::AhoCorasick>,
    /// Per pattern (a distinct title): (template index, title length in characters).
    owners: Vec<Vec<(usize, usize)>>,
}

impl TitleIndex {
    fn new(templates: &[Template]) -> TitleIndex {
        let mut patterns: Vec<&str> = Vec::new();
        let mut owners: Vec<Vec<(usize, usize)>> = Vec::new();
        for (index, template) in templates.iter().enumerate() {
            for title in template.titles.iter().filter(|t| !t.is_empty()) {
                let at = match patterns.iter().position(|p| *p == title.as_str()) {
                    Some(at) => at,
                    None => {
                        patterns.push(title);
                        owners.push(Vec::new());
                        patterns.len() - 1
                    }
                };
                owners[at].push((index, title.chars().count()));
            }
        }
        let automaton = (!patterns.is_empty())
            .then(|| {
                aho_corasick::AhoCorasick::builder()
                    .kind(Some(aho_corasick::AhoCorasickKind::DFA))
                    .prefilter(false)
                    .build(&patterns)
                    .ok()
            })
            .flatten();
        TitleIndex { automaton, owners }
    }
}

impl TemplateSet {
    /// The templates built into the binary.
    pub fn builtin() -> TemplateSet {
        let templates = BUILTIN
            .iter()
            .map(|(name, text)| {
                parse(text).unwrap_or_else(|e| panic!("built-in template {name} is invalid: {e}"))
            })
            .collect();
        TemplateSet {
            templates,
            footers: Footers::builtin(),
            titles: std::sync::OnceLock::new(),
        }
    }

    /// The labels of footer lines.
    pub fn footers(&self) -> &Footers {
        &self.footers
    }

    /// Adds every `*.toml` in `dir` (sorted by name); one with a built-in id replaces it.
    /// Dictionary files (`kind = "dictionary"`) are left to the normalizer.
    pub fn add_dir(&mut self, dir: &Path) -> Result<()> {
        for (shown, text) in files_of_kind(dir, DataKind::Template)? {
            let template =
                parse(&text).map_err(|e| Error::in_file(&shown, ErrorKind::Template(e)))?;
            self.insert(template);
        }
        for (shown, text) in files_of_kind(dir, DataKind::Footers)? {
            let footers = Footers::parse(&text)
                .map_err(|e| Error::in_file(&shown, ErrorKind::Template(e)))?;
            self.footers.extend(footers);
        }
        Ok(())
    }

    /// Adds one template; one with the same id is replaced.
    pub fn insert(&mut self, template: Template) {
        match self.templates.iter_mut().find(|t| t.id == template.id) {
            Some(slot) => *slot = template,
            None => self.templates.push(template),
        }
        self.titles = std::sync::OnceLock::new();
    }

    /// The templates whose titles a folded cell text matches (see [`Template::title_match`]), in
    /// set order, each with its score; `fallback` chooses the generic templates or the others.
    /// One pass over the text for all titles.
    pub fn title_matches(&self, folded: &str, fallback: bool) -> Vec<(usize, &Template)> {
        let index = self.titles.get_or_init(|| TitleIndex::new(&self.templates));
        let Some(automaton) = &index.automaton else {
            return Vec::new();
        };
        // Per template, the longest title the text contains.
        let mut longest: Vec<(usize, usize)> = Vec::new();
        for found in automaton.find_overlapping_iter(folded) {
            for &(template, chars) in &index.owners[found.pattern().as_usize()] {
                if self.templates[template].fallback != fallback {
                    continue;
                }
                match longest.iter_mut().find(|(t, _)| *t == template) {
                    Some(slot) => slot.1 = slot.1.max(chars),
                    None => longest.push((template, chars)),
                }
            }
        }
        if longest.is_empty() {
            return Vec::new();
        }
        longest.sort_unstable();
        let cell_chars = folded.chars().count();
        longest
            .into_iter()
            .filter_map(|(index, _)| {
                let template = &self.templates[index];
                template
                    .title_match_counted(folded, cell_chars)
                    .map(|score| (score, template))
            })
            .collect()
    }

    /// The rows under which every flat template looks for its header (0 without flat templates).
    pub fn flat_header_rows(&self) -> u32 {
        self.templates
            .iter()
            .filter_map(|t| t.flat.as_ref().map(|f| f.header_within))
            .max()
            .unwrap_or(0)
    }

    /// The templates, built-in first.
    pub fn iter(&self) -> impl Iterator<Item = &Template> {
        self.templates.iter()
    }

    /// The template with an id.
    pub fn get(&self, id: &str) -> Option<&Template> {
        self.templates.iter().find(|t| t.id == id)
    }

    /// The first few templates' titles, for messages.
    pub fn title_list(&self) -> String {
        let mut titles: Vec<&str> = self
            .templates
            .iter()
            .filter_map(|t| t.titles.first().map(String::as_str))
            .collect();
        titles.dedup();
        // A few are enough to say what is looked for (a message stays short).
        titles.truncate(4);
        titles.join("、")
    }
}

/// Parses and compiles one template file's text.
pub fn parse(text: &str) -> std::result::Result<Template, String> {
    let def: TemplateDef = toml::from_str(text).map_err(|e| {
        let message = e.message().trim().replace('\n', " ");
        match e.span() {
            Some(span) => {
                let before = &text[..span.start.min(text.len())];
                let line = before.matches('\n').count() + 1;
                let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                format!("第 {line} 行第 {column} 列：{message}")
            }
            None => message,
        }
    })?;
    Template::compile(def)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_title_index_finds_what_each_template_finds() {
        let mut set = TemplateSet::builtin();
        let mut texts: Vec<String> = Vec::new();
        for template in set.iter() {
            for title in template.titles.iter().chain(&template.not_titles) {
                texts.push(title.clone());
                texts.push(format!("2024年度{title}"));
                texts.push(format!("{title}（试行）附件1"));
                texts.push(format!(
                    "关于报送{title}的通知，请各部门于3月底前完成并加盖公章"
                ));
                texts.push(title.chars().skip(1).collect());
            }
        }
        texts.extend(["", "项目名称", "绩效", "≥95%"].map(String::from));
        let check = |set: &TemplateSet, texts: &[String]| {
            for text in texts {
                let folded = crate::text::fold_label(text);
                for fallback in [false, true] {
                    let naive: Vec<(usize, &str)> = set
                        .iter()
                        .filter(|t| t.fallback == fallback)
                        .filter_map(|t| t.title_match(&folded).map(|s| (s, t.id.as_str())))
                        .collect();
                    let indexed: Vec<(usize, &str)> = set
                        .title_matches(&folded, fallback)
                        .into_iter()
                        .map(|(s, t)| (s, t.id.as_str()))
                        .collect();
                    assert_eq!(indexed, naive, "{text:?} (fallback {fallback})");
                }
            }
        };
        check(&set, &texts);
        assert!(texts.iter().any(|t| {
            !set.title_matches(&crate::text::fold_label(t), false)
                .is_empty()
        }));
        // A template added later is in the index.
        let mut extra = set.get("sh2023").unwrap().clone();
        extra.id = "extra".into();
        extra.titles = vec![crate::text::fold_label("某某区项目绩效目标申报表")];
        set.insert(extra);
        texts.push("某某区项目绩效目标申报表".into());
        check(&set, &texts);
        assert!(
            !set.title_matches(&crate::text::fold_label("某某区项目绩效目标申报表"), false)
                .is_empty()
        );
    }

    #[test]
    fn builtin_templates_compile() {
        let set = TemplateSet::builtin();
        let sh = set.get("sh2023").unwrap();
        assert_eq!(sh.titles[0], "财政项目支出绩效目标表");
        assert!(sh.is_known_label("项目名称"));
        assert!(sh.is_known_label("项目总目标(2023年-2023年)"));
        assert!(!sh.is_known_label("吴泾镇人民政府"));
        assert!(set.get("sd2020").is_some());
    }

    #[test]
    fn titles_match_with_a_year_around_but_not_inside_paragraphs() {
        let set = TemplateSet::builtin();
        let sh = set.get("sh2023").unwrap();
        assert!(sh.title_match("财政项目支出绩效目标表").is_some());
        assert!(sh.title_match("2023年度财政项目支出绩效目标表").is_some());
        let paragraph = "根据要求填写财政项目支出绩效目标表并于月底前报送区财政局审核后执行";
        assert!(sh.title_match(paragraph).is_none());
    }

    #[test]
    fn a_wrong_template_says_what_is_wrong() {
        let err = parse("id = \"x\"\nname = \"x\"\ntitles = [\"表\"]\n[[fields]]\ninto = \"nonsense\"\nlabels = [\"a\"]\n[indicators]\nlevel3 = [\"三级指标\"]\nvalues = [{ labels = [\"指标值\"] }]\n").unwrap_err();
        assert!(err.contains("未知字段“nonsense”"), "{err}");
        let err = parse("id = \"x\"\nname = \"x\"\ntitles = [\"表\"]\nbogus = 1\n[indicators]\nlevel3 = [\"a\"]\nvalues = []\n").unwrap_err();
        assert!(err.contains("bogus"), "{err}");
    }
}
