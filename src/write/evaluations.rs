//! What a self-evaluation (绩效自评表) contributes to the outputs: its row of evaluations.csv and
//! 自评明细, its indicators in evaluation_indicators.csv, its indicator-by-indicator comparison
//! with the approved target (目标对照), and the per-主管部门 totals of 自评汇总. Self-evaluations
//! never enter the target totals.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::csv_out::CsvUnit;
use super::rows::{department_group, neutralize, project_id};
use crate::model::{Comparison, FormKind, FundLine, Project};

/// The columns of evaluations.csv (amounts in the unit of `--csv-unit`).
pub fn evaluation_header(unit: CsvUnit) -> Vec<String> {
    let mut header: Vec<String> = [
        "项目编号",
        "年度",
        "主管部门",
        "主管部门编码",
        "实施单位",
        "项目名称",
    ]
    .map(String::from)
    .into();
    header.extend(
        ["年初预算数", "全年预算数", "全年执行数"]
            .iter()
            .map(|h| format!("{h}（{}）", unit.label())),
    );
    header.extend(
        [
            "执行率",
            "资金分值",
            "资金得分",
            "指标分值合计",
            "指标得分合计",
            "总分",
            "等级",
            "对应目标表",
            "警告",
            "模板",
            "来源文件",
            "工作表",
            "单元格",
            "项目编码",
        ]
        .map(String::from),
    );
    header
}

/// The columns of evaluation_indicators.csv.
pub const EVALUATION_INDICATOR_HEADER: [&str; 19] = [
    "项目编号",
    "年度",
    "主管部门",
    "项目名称",
    "一级指标",
    "二级指标",
    "三级指标",
    "三级指标原文",
    "年度指标值",
    "实际完成值",
    "分值",
    "得分",
    "偏差原因",
    "批复指标值",
    "对照结果",
    "来源文件",
    "工作表",
    "单元格",
    "实际完成值单元格",
];

/// The columns of 自评明细 (amounts in 万元; 执行率 as a percentage).
pub const EVALUATION_DETAIL_HEADERS: [&str; 18] = [
    "主管部门",
    "实施单位",
    "项目名称",
    "年度",
    "年初预算数（万元）",
    "全年预算数（万元）",
    "全年执行数（万元）",
    "执行率",
    "资金得分",
    "总分",
    "等级",
    "对应目标表",
    "警告",
    "来源文件",
    "工作表",
    "单元格",
    "项目编号",
    "项目编码",
];

/// Columns of 自评明细 the 自评汇总 formulas read: 主管部门 (A), 全年预算数, 全年执行数, 总分, 等级.
pub const DETAIL_ADJUSTED_COL: u16 = 5;
/// 全年执行数 in 自评明细.
pub const DETAIL_EXECUTED_COL: u16 = 6;
/// 总分 in 自评明细.
pub const DETAIL_SCORE_COL: u16 = 9;
/// 等级 in 自评明细.
pub const DETAIL_GRADE_COL: u16 = 10;

/// The columns of 目标对照.
pub const COMPARISON_HEADERS: [&str; 11] = [
    "主管部门",
    "项目名称",
    "一级指标",
    "二级指标",
    "三级指标",
    "批复指标值",
    "自评年度指标值",
    "实际完成值",
    "对照结果",
    "来源文件",
    "单元格",
];

/// The 年度资金总额 line of a self-evaluation (or, without one, its 财政拨款 line).
pub fn total_line(project: &Project) -> Option<&FundLine> {
    let funds = &project.evaluation.as_ref()?.funds;
    funds.total.as_ref().or(funds.fiscal.as_ref())
}

/// Where the linked target form is, or that none was in the batch.
pub fn target_text(project: &Project) -> String {
    match project.linked_target() {
        Some(link) => match link.stored_batch {
            Some(batch) => format!(
                "{} {}（{}，存储库第 {batch} 批）",
                link.source.file, link.source.sheet, link.project_id
            ),
            None => format!(
                "{} {}（{}）",
                link.source.file, link.source.sheet, link.project_id
            ),
        },
        None => "未找到对应的绩效目标表".to_owned(),
    }
}

/// The findings of a comparison row of a self-evaluation or a monitoring form (`kind`), in
/// words.
pub fn findings_text(row: &Comparison, kind: FormKind) -> String {
    if row.findings.is_empty() {
        return "一致".to_owned();
    }
    let (missing, added) = if kind == FormKind::Monitoring {
        ("监控表缺少此指标", "监控时新增")
    } else {
        ("自评表缺少此指标", "自评时新增")
    };
    let words: Vec<&str> = row
        .findings
        .iter()
        .map(|code| match code.as_str() {
            "target_changed" => "指标值被改动",
            "indicator_dropped" => missing,
            "indicator_added" => added,
            "not_achieved" => "未达到批复目标",
            other => other,
        })
        .collect();
    words.join("；")
}

/// The sum of the indicators' 分值 and 得分, when any is written.
fn indicator_sums(project: &Project) -> (Option<Decimal>, Option<Decimal>) {
    let sum = |values: Vec<Decimal>| (!values.is_empty()).then(|| values.iter().sum());
    let weights = project.indicators.iter().filter_map(|i| i.weight).collect();
    let scores = project.indicators.iter().filter_map(|i| i.score).collect();
    (sum(weights), sum(scores))
}

/// The evaluations.csv row of a self-evaluation.
pub fn evaluation_row(project: &Project, unit: CsvUnit) -> Vec<String> {
    let text = |t: &str| neutralize(t).into_owned();
    let number = |d: Option<Decimal>| d.map(|d| d.normalize().to_string()).unwrap_or_default();
    let amount = |d: Option<Decimal>| d.map(|d| unit.format(d)).unwrap_or_default();
    let line = total_line(project);
    let evaluation = project.evaluation.as_ref();
    let (weights, scores) = indicator_sums(project);
    let warnings: Vec<&str> = project
        .warnings
        .iter()
        .map(|w| w.message.as_str())
        .collect();
    vec![
        project_id(project),
        project.year.map(|y| y.to_string()).unwrap_or_default(),
        text(department_group(project)),
        text(project.department_code.as_deref().unwrap_or("")),
        text(&project.implementing_unit),
        text(&project.project_name),
        amount(line.and_then(|l| l.initial)),
        amount(line.and_then(|l| l.adjusted)),
        amount(line.and_then(|l| l.executed)),
        text(
            line.and_then(|l| l.rate.as_ref())
                .map_or("", |r| &r.written),
        ),
        number(line.and_then(|l| l.weight)),
        number(line.and_then(|l| l.score)),
        number(weights),
        number(scores),
        number(evaluation.and_then(|e| e.total_score)),
        text(evaluation.and_then(|e| e.grade.as_deref()).unwrap_or("")),
        text(&target_text(project)),
        text(&warnings.join("；")),
        text(&project.template),
        text(&project.source.file),
        text(&project.source.sheet),
        project.source.cell.clone(),
        text(project.project_code.as_deref().unwrap_or("")),
    ]
}

/// The evaluation_indicators.csv rows of a self-evaluation (placeholder rows left out).
pub fn evaluation_indicator_rows(project: &Project) -> Vec<Vec<String>> {
    let text = |t: &str| neutralize(t).into_owned();
    let number = |d: Option<Decimal>| d.map(|d| d.normalize().to_string()).unwrap_or_default();
    let id = project_id(project);
    let year = project.year.map(|y| y.to_string()).unwrap_or_default();
    let comparison = project
        .evaluation
        .as_ref()
        .map_or(&[][..], |e| e.comparison.as_slice());
    project
        .indicators
        .iter()
        .filter(|i| !i.is_placeholder())
        .map(|i| {
            let n = i.normalized.as_ref();
            let level = |canonical: Option<&String>, written: &str| {
                text(canonical.map_or(written, |c| c.as_str()))
            };
            let compared = comparison.iter().find(|c| c.cell == i.value_cell);
            vec![
                id.clone(),
                year.clone(),
                text(department_group(project)),
                text(&project.project_name),
                level(n.map(|n| &n.level1), &i.level1),
                level(n.map(|n| &n.level2), &i.level2),
                level(n.map(|n| &n.level3), &i.level3),
                text(&i.level3),
                text(&i.value),
                text(i.actual.as_deref().unwrap_or("")),
                number(i.weight),
                number(i.score),
                text(i.deviation.as_deref().unwrap_or("")),
                text(compared.and_then(|c| c.approved.as_deref()).unwrap_or("")),
                compared
                    .map(|c| findings_text(c, project.kind))
                    .unwrap_or_default(),
                text(&project.source.file),
                text(&project.source.sheet),
                i.value_cell.clone(),
                i.actual_cell.clone(),
            ]
        })
        .collect()
}

/// One 主管部门's self-evaluations: count, budget and execution sums, scores, grades.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EvaluationTotal {
    /// Self-evaluations.
    pub forms: u64,
    /// Sum of 全年预算数, in 万元.
    pub adjusted: Decimal,
    /// Sum of 全年执行数, in 万元.
    pub executed: Decimal,
    /// Sum of 总分.
    pub score_sum: Decimal,
    /// Self-evaluations with a 总分.
    pub scored: u64,
    /// Self-evaluations per grade, in the order of the grades.
    pub grades: BTreeMap<String, u64>,
}

impl EvaluationTotal {
    /// The mean 总分, when any form has one.
    pub fn mean_score(&self) -> Option<Decimal> {
        (self.scored > 0).then(|| (self.score_sum / Decimal::from(self.scored)).round_dp(2))
    }
}

/// Self-evaluation totals by 主管部门, in name order.
#[derive(Debug, Clone, Default)]
pub struct EvaluationTotals {
    by_department: BTreeMap<String, EvaluationTotal>,
    /// The grades in use, highest first (the columns of 自评汇总).
    grades: Vec<String>,
}

impl EvaluationTotals {
    /// Totals counting the given grades (highest first).
    pub fn with_grades(grades: Vec<String>) -> EvaluationTotals {
        EvaluationTotals {
            by_department: BTreeMap::new(),
            grades,
        }
    }

    /// The grades counted.
    pub fn grade_names(&self) -> &[String] {
        &self.grades
    }

    /// Counts a self-evaluation.
    pub fn add(&mut self, project: &Project) {
        let total = self
            .by_department
            .entry(department_group(project).to_owned())
            .or_default();
        total.forms += 1;
        if let Some(line) = total_line(project) {
            total.adjusted += line.adjusted.unwrap_or_default();
            total.executed += line.executed.unwrap_or_default();
        }
        let evaluation = project.evaluation.as_ref();
        if let Some(score) = evaluation.and_then(|e| e.total_score) {
            total.score_sum += score;
            total.scored += 1;
        }
        if let Some(grade) = evaluation.and_then(|e| e.grade.clone()) {
            *total.grades.entry(grade).or_default() += 1;
        }
    }

    /// Departments in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &EvaluationTotal)> {
        self.by_department.iter().map(|(n, t)| (n.as_str(), t))
    }

    /// How many departments.
    pub fn len(&self) -> usize {
        self.by_department.len()
    }

    /// True before any self-evaluation.
    pub fn is_empty(&self) -> bool {
        self.by_department.is_empty()
    }

    /// The sums over all departments.
    pub fn grand_total(&self) -> EvaluationTotal {
        let mut sum = EvaluationTotal::default();
        for total in self.by_department.values() {
            sum.forms += total.forms;
            sum.adjusted += total.adjusted;
            sum.executed += total.executed;
            sum.score_sum += total.score_sum;
            sum.scored += total.scored;
            for (grade, count) in &total.grades {
                *sum.grades.entry(grade.clone()).or_default() += count;
            }
        }
        sum
    }
}
