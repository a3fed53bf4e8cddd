//! The kinds of form written at the end of a run — every kind but the project target form, whose
//! rows stream straight into the main outputs: which files each goes to (kinds that share files,
//! a department's target form and self-evaluation, share a channel), with their headers, and the
//! totals its summary sheets show. A batch without a kind makes none of its files.

use super::csv_out::CsvUnit;
use super::departments::{DEPARTMENT_INDICATOR_HEADER, department_header, task_header};
use super::evaluations::{EVALUATION_INDICATOR_HEADER, EvaluationTotals, evaluation_header};
use super::monitoring::{MONITORING_INDICATOR_HEADER, MonitoringTotals, monitoring_header};
use crate::model::{FormKind, Record};

/// The files of a channel: JSON lines, a CSV of the forms and a CSV of their indicators (and of
/// their tasks, for department-wide forms).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindFiles {
    /// The JSON lines file; it names the channel.
    pub jsonl: &'static str,
    /// The forms' CSV and its header.
    pub csv: (&'static str, Vec<String>),
    /// The indicators' CSV and its header.
    pub indicators: (&'static str, Vec<String>),
    /// The tasks' CSV and its header, for kinds with tasks.
    pub tasks: Option<(&'static str, Vec<String>)>,
}

/// The files a kind written at the end goes to (`None` for the project target form).
pub fn files_of(kind: FormKind, unit: CsvUnit) -> Option<KindFiles> {
    match kind {
        FormKind::Target => None,
        FormKind::SelfEvaluation => Some(KindFiles {
            jsonl: "evaluations.jsonl",
            csv: ("evaluations.csv", evaluation_header(unit)),
            indicators: (
                "evaluation_indicators.csv",
                EVALUATION_INDICATOR_HEADER.map(String::from).into(),
            ),
            tasks: None,
        }),
        FormKind::Monitoring => Some(KindFiles {
            jsonl: "monitoring.jsonl",
            csv: ("monitoring.csv", monitoring_header(unit)),
            indicators: (
                "monitoring_indicators.csv",
                MONITORING_INDICATOR_HEADER.map(String::from).into(),
            ),
            tasks: None,
        }),
        FormKind::DepartmentTarget | FormKind::DepartmentSelfEvaluation => Some(KindFiles {
            jsonl: "departments.jsonl",
            csv: ("departments.csv", department_header(unit)),
            indicators: (
                "department_indicators.csv",
                DEPARTMENT_INDICATOR_HEADER.map(String::from).into(),
            ),
            tasks: Some(("department_tasks.csv", task_header(unit))),
        }),
    }
}

/// The channel a kind is written through: its JSON lines file (`None` for project targets).
pub fn channel_of(kind: FormKind) -> Option<&'static str> {
    files_of(kind, CsvUnit::Yuan).map(|files| files.jsonl)
}

/// The file of the reconciliation (written when the batch holds a department-wide target form).
pub const RECONCILIATION_FILE: &str = "reconciliation.csv";

/// The totals of the kinds written at the end, for their summary sheets.
#[derive(Debug, Clone, Default)]
pub struct SetAsideTotals {
    /// Self-evaluations by 主管部门 (自评汇总).
    pub evaluations: EvaluationTotals,
    /// Monitoring forms by 主管部门 (监控汇总).
    pub monitoring: MonitoringTotals,
}

impl SetAsideTotals {
    /// Counts a record of a kind written at the end.
    pub fn add(&mut self, record: &Record) {
        match record {
            Record::Project(project) if project.kind == FormKind::SelfEvaluation => {
                self.evaluations.add(project);
            }
            Record::Project(project) if project.kind == FormKind::Monitoring => {
                self.monitoring.add(project);
            }
            Record::Project(_) | Record::Department(_) => {}
        }
    }
}
