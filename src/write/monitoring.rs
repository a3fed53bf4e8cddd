//! What a monitoring form (绩效运行监控表) contributes to the outputs: its row of monitoring.csv and
//! 监控明细, its indicators in monitoring_indicators.csv, and the per-主管部门 totals of 监控汇总
//! (budget, execution, the share of the year gone, projects behind schedule, indicators at risk).
//! Monitoring forms never enter the target totals.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::cells::XCell;
use super::csv_out::CsvUnit;
use super::evaluations::{findings_text, target_text};
use super::rows::{department_group, neutralize, project_id};
use crate::model::{FormKind, FundLine, LIKELIHOODS, Project, WarningCode};

/// The columns of monitoring.csv (amounts in the unit of `--csv-unit`).
pub fn monitoring_header(unit: CsvUnit) -> Vec<String> {
    let mut header: Vec<String> = [
        "项目编号",
        "年度",
        "主管部门",
        "主管部门编码",
        "实施单位",
        "项目名称",
        "项目编码",
        "截至月份",
        "序时进度",
    ]
    .map(String::from)
    .into();
    header.extend(
        ["年初预算数", "全年预算数", "执行数"]
            .iter()
            .map(|h| format!("{h}（{}）", unit.label())),
    );
    header.push("执行率".into());
    header.push(format!("全年预计执行数（{}）", unit.label()));
    header.extend(
        [
            "落后于序时进度",
            "有可能完成的指标数",
            "完全不可能完成的指标数",
            "对应目标表",
            "填报人",
            "联系电话",
            "填报日期",
            "警告",
            "模板",
            "来源文件",
            "工作表",
            "单元格",
        ]
        .map(String::from),
    );
    header
}

/// The columns of monitoring_indicators.csv.
pub const MONITORING_INDICATOR_HEADER: [&str; 21] = [
    "项目编号",
    "年度",
    "主管部门",
    "项目名称",
    "一级指标",
    "二级指标",
    "三级指标",
    "三级指标原文",
    "年度指标值",
    "计量单位",
    "实际完成值",
    "全年预计完成值",
    "完成目标可能性",
    "偏差原因",
    "纠偏措施",
    "批复指标值",
    "对照结果",
    "来源文件",
    "工作表",
    "单元格",
    "实际完成值单元格",
];

/// The columns of 监控明细 (amounts in 万元; rates as percentages).
pub const MONITORING_DETAIL_HEADERS: [&str; 21] = [
    "主管部门",
    "实施单位",
    "项目名称",
    "年度",
    "截至月份",
    "序时进度",
    "年初预算数（万元）",
    "全年预算数（万元）",
    "执行数（万元）",
    "执行率",
    "全年预计执行数（万元）",
    "落后于序时进度",
    "有可能完成的指标（个）",
    "完全不可能完成的指标（个）",
    "对应目标表",
    "警告",
    "来源文件",
    "工作表",
    "单元格",
    "项目编号",
    "项目编码",
];

/// Columns of 监控明细 the 监控汇总 formulas read (主管部门 is column A).
pub const MONITORING_PROGRESS_COL: u16 = 5;
/// 全年预算数 in 监控明细.
pub const MONITORING_ADJUSTED_COL: u16 = 7;
/// 执行数 in 监控明细.
pub const MONITORING_EXECUTED_COL: u16 = 8;
/// 落后于序时进度 in 监控明细 ("是" for a project behind schedule).
pub const MONITORING_BEHIND_COL: u16 = 11;
/// 有可能完成的指标 in 监控明细 (完全不可能 is the next column).
pub const MONITORING_POSSIBLE_COL: u16 = 12;
/// What 落后于序时进度 reads for a project behind schedule.
pub const BEHIND_MARK: &str = "是";

/// The 年度资金总额 line of a monitoring form (or, without one, its 财政拨款 line).
pub fn monitoring_line(project: &Project) -> Option<&FundLine> {
    let funds = &project.monitoring.as_ref()?.funds;
    funds.total.as_ref().or(funds.fiscal.as_ref())
}

/// The line's 执行率 as a fraction: as written, else 执行数 ÷ 全年预算数.
fn rate_of(line: &FundLine) -> Option<Decimal> {
    line.rate.as_ref().map(|r| r.fraction).or_else(|| {
        let (executed, adjusted) = (line.executed?, line.adjusted?);
        (!adjusted.is_zero()).then(|| (executed / adjusted).round_dp(4))
    })
}

/// True when the normalizer found the form behind schedule on any line.
pub fn behind_schedule(project: &Project) -> bool {
    project
        .warnings
        .iter()
        .any(|w| w.code == WarningCode::BehindSchedule)
}

/// How many indicators are rated 有可能 and how many 完全不可能.
pub fn at_risk_counts(project: &Project) -> (u64, u64) {
    let count = |word: &str| {
        project
            .indicators
            .iter()
            .filter(|i| !i.is_placeholder() && i.likelihood.as_deref() == Some(word))
            .count() as u64
    };
    (count(LIKELIHOODS[1]), count(LIKELIHOODS[2]))
}

/// The monitoring.csv row of a monitoring form.
pub fn monitoring_row(project: &Project, unit: CsvUnit) -> Vec<String> {
    let text = |t: &str| neutralize(t).into_owned();
    let amount = |d: Option<Decimal>| d.map(|d| unit.format(d)).unwrap_or_default();
    let monitoring = project.monitoring.as_ref();
    let line = monitoring_line(project);
    let (possible, impossible) = at_risk_counts(project);
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
        text(project.project_code.as_deref().unwrap_or("")),
        monitoring
            .and_then(|m| m.through_month)
            .map(|m| m.to_string())
            .unwrap_or_default(),
        monitoring
            .and_then(|m| m.time_progress)
            .map(|p| p.fraction.to_string())
            .unwrap_or_default(),
        amount(line.and_then(|l| l.initial)),
        amount(line.and_then(|l| l.adjusted)),
        amount(line.and_then(|l| l.executed)),
        text(
            line.and_then(|l| l.rate.as_ref())
                .map_or("", |r| &r.written),
        ),
        amount(line.and_then(|l| l.expected)),
        if behind_schedule(project) {
            BEHIND_MARK.to_owned()
        } else {
            String::new()
        },
        possible.to_string(),
        impossible.to_string(),
        text(&target_text(project)),
        text(project.contact.person.as_deref().unwrap_or("")),
        text(project.contact.phone.as_deref().unwrap_or("")),
        project
            .contact
            .filed
            .map(|d| d.to_string())
            .unwrap_or_default(),
        text(&warnings.join("；")),
        text(&project.template),
        text(&project.source.file),
        text(&project.source.sheet),
        project.source.cell.clone(),
    ]
}

/// The monitoring_indicators.csv rows of a monitoring form (placeholder rows left out).
pub fn monitoring_indicator_rows(project: &Project) -> Vec<Vec<String>> {
    let text = |t: &str| neutralize(t).into_owned();
    let optional = |t: &Option<String>| text(t.as_deref().unwrap_or(""));
    let id = project_id(project);
    let year = project.year.map(|y| y.to_string()).unwrap_or_default();
    let comparison = project.comparison();
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
                optional(&i.unit),
                optional(&i.actual),
                optional(&i.expected),
                optional(&i.likelihood),
                optional(&i.deviation),
                optional(&i.measures),
                text(compared.and_then(|c| c.approved.as_deref()).unwrap_or("")),
                compared
                    .map(|c| findings_text(c, FormKind::Monitoring))
                    .unwrap_or_default(),
                text(&project.source.file),
                text(&project.source.sheet),
                i.value_cell.clone(),
                i.actual_cell.clone(),
            ]
        })
        .collect()
}

/// The 监控明细 row of a monitoring form.
pub fn monitoring_sheet_row(project: &Project) -> Vec<XCell> {
    let text = |t: &str| XCell::Text(t.to_owned());
    let monitoring = project.monitoring.as_ref();
    let line = monitoring_line(project);
    let (possible, impossible) = at_risk_counts(project);
    let warnings: Vec<&str> = project
        .warnings
        .iter()
        .map(|w| w.message.as_str())
        .collect();
    vec![
        text(department_group(project)),
        text(&project.implementing_unit),
        text(&project.project_name),
        XCell::Number(project.year.map(Decimal::from)),
        XCell::Number(monitoring.and_then(|m| m.through_month).map(Decimal::from)),
        XCell::Percent(monitoring.and_then(|m| m.time_progress).map(|p| p.fraction)),
        XCell::Money(line.and_then(|l| l.initial)),
        XCell::Money(line.and_then(|l| l.adjusted)),
        XCell::Money(line.and_then(|l| l.executed)),
        XCell::Percent(line.and_then(rate_of)),
        XCell::Money(line.and_then(|l| l.expected)),
        text(if behind_schedule(project) {
            BEHIND_MARK
        } else {
            ""
        }),
        XCell::Number(Some(Decimal::from(possible))),
        XCell::Number(Some(Decimal::from(impossible))),
        text(&target_text(project)),
        text(&warnings.join("；")),
        text(&project.source.file),
        text(&project.source.sheet),
        text(&project.source.cell),
        text(&project_id(project)),
        text(project.project_code.as_deref().unwrap_or("")),
    ]
}

/// One 主管部门's monitoring forms: count, budget and execution, 序时进度, projects behind
/// schedule, indicators at risk.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MonitoringTotal {
    /// Monitoring forms.
    pub forms: u64,
    /// Sum of 全年预算数, in 万元.
    pub adjusted: Decimal,
    /// Sum of 执行数, in 万元.
    pub executed: Decimal,
    /// Sum of 序时进度 over the forms that state it, for the mean.
    pub progress_sum: Decimal,
    /// Forms stating 序时进度.
    pub with_progress: u64,
    /// Forms behind schedule.
    pub behind: u64,
    /// Indicators rated 有可能.
    pub possible: u64,
    /// Indicators rated 完全不可能.
    pub impossible: u64,
}

impl MonitoringTotal {
    /// 执行数 ÷ 全年预算数, when there is a budget.
    pub fn rate(&self) -> Option<Decimal> {
        (!self.adjusted.is_zero()).then(|| (self.executed / self.adjusted).round_dp(6))
    }

    /// The mean 序时进度, when any form states it.
    pub fn progress(&self) -> Option<Decimal> {
        (self.with_progress > 0)
            .then(|| (self.progress_sum / Decimal::from(self.with_progress)).round_dp(6))
    }

    fn add(&mut self, other: &MonitoringTotal) {
        self.forms += other.forms;
        self.adjusted += other.adjusted;
        self.executed += other.executed;
        self.progress_sum += other.progress_sum;
        self.with_progress += other.with_progress;
        self.behind += other.behind;
        self.possible += other.possible;
        self.impossible += other.impossible;
    }
}

/// Monitoring totals by 主管部门, in name order.
#[derive(Debug, Clone, Default)]
pub struct MonitoringTotals {
    by_department: BTreeMap<String, MonitoringTotal>,
}

impl MonitoringTotals {
    /// Counts a monitoring form.
    pub fn add(&mut self, project: &Project) {
        let total = self
            .by_department
            .entry(department_group(project).to_owned())
            .or_default();
        total.forms += 1;
        if let Some(line) = monitoring_line(project) {
            total.adjusted += line.adjusted.unwrap_or_default();
            total.executed += line.executed.unwrap_or_default();
        }
        if let Some(progress) = project.monitoring.as_ref().and_then(|m| m.time_progress) {
            total.progress_sum += progress.fraction;
            total.with_progress += 1;
        }
        total.behind += u64::from(behind_schedule(project));
        let (possible, impossible) = at_risk_counts(project);
        total.possible += possible;
        total.impossible += impossible;
    }

    /// Departments in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &MonitoringTotal)> {
        self.by_department.iter().map(|(n, t)| (n.as_str(), t))
    }

    /// The sums over all departments.
    pub fn grand_total(&self) -> MonitoringTotal {
        let mut sum = MonitoringTotal::default();
        for total in self.by_department.values() {
            sum.add(total);
        }
        sum
    }
}
