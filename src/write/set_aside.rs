//! The kinds of form written at the end of a run — every kind but the project target form, whose
//! rows stream straight into the main outputs: which files each goes to, with their headers, and
//! the totals its summary sheets show. A batch without a kind makes none of its files.

use super::csv_out::CsvUnit;
use super::evaluations::{EVALUATION_INDICATOR_HEADER, EvaluationTotals, evaluation_header};
use crate::model::{FormKind, Record};

/// The files of a kind: JSON lines, a CSV of the forms and a CSV of their indicators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindFiles {
    /// The JSON lines file.
    pub jsonl: &'static str,
    /// The forms' CSV and its header.
    pub csv: (&'static str, Vec<String>),
    /// The indicators' CSV and its header.
    pub indicators: (&'static str, Vec<String>),
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
        }),
    }
}

/// The totals of the kinds written at the end, for their summary sheets.
#[derive(Debug, Clone, Default)]
pub struct SetAsideTotals {
    /// Self-evaluations by 主管部门 (自评汇总).
    pub evaluations: EvaluationTotals,
}

impl SetAsideTotals {
    /// Counts a record of a kind written at the end.
    pub fn add(&mut self, record: &Record) {
        match (record.kind(), record) {
            (FormKind::SelfEvaluation, Record::Project(project)) => self.evaluations.add(project),
            (FormKind::Target, _) => {}
        }
    }
}
