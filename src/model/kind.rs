//! The kinds of form jixiao reads, in one place: every stage that treats kinds differently (the
//! batch runner, the linking, the review, the writers) asks [`FormKind`] or matches on
//! [`Record`], so a new kind is a variant here and files of its own, not a change to every stage.

use serde::{Deserialize, Serialize};

use super::{Project, Source, Warning};

/// What a form is.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum FormKind {
    /// 绩效目标表: the targets a project sets before its year.
    #[default]
    Target,
    /// 绩效自评表: how the year went, scored against the targets.
    SelfEvaluation,
}

impl FormKind {
    /// Every kind, in the order outputs list them.
    pub const ALL: [FormKind; 2] = [FormKind::Target, FormKind::SelfEvaluation];

    /// The snake_case name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            FormKind::Target => "target",
            FormKind::SelfEvaluation => "self_evaluation",
        }
    }

    /// The label users read.
    pub fn label(self) -> &'static str {
        match self {
            FormKind::Target => "绩效目标表",
            FormKind::SelfEvaluation => "绩效自评表",
        }
    }

    /// True for a project's target form: the records a year's totals, the review and the
    /// project outputs (项目明细, projects.csv, projects.jsonl) are made of.
    pub fn is_project_target(self) -> bool {
        self == FormKind::Target
    }

    /// True for the kinds held against the approved target form of the same project (the
    /// target is found anywhere in the batch, so these are written at the end of a run).
    pub fn held_against_target(self) -> bool {
        self == FormKind::SelfEvaluation
    }
}

/// One record read from a form, of any kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Record {
    /// A project's form: its target form or its self-evaluation.
    Project(Project),
}

impl Record {
    /// The kind of form.
    pub fn kind(&self) -> FormKind {
        match self {
            Record::Project(project) => project.kind,
        }
    }

    /// Where the form was found.
    pub fn source(&self) -> &Source {
        match self {
            Record::Project(project) => &project.source,
        }
    }

    /// The id of the template that read it.
    pub fn template(&self) -> &str {
        match self {
            Record::Project(project) => &project.template,
        }
    }

    /// What the reader or normalizer noticed.
    pub fn warnings(&self) -> &[Warning] {
        match self {
            Record::Project(project) => &project.warnings,
        }
    }

    /// The warnings, to add to.
    pub fn warnings_mut(&mut self) -> &mut Vec<Warning> {
        match self {
            Record::Project(project) => &mut project.warnings,
        }
    }

    /// The project's form, when this is one.
    pub fn as_project(&self) -> Option<&Project> {
        match self {
            Record::Project(project) => Some(project),
        }
    }

    /// The project's form, to change, when this is one.
    pub fn as_project_mut(&mut self) -> Option<&mut Project> {
        match self {
            Record::Project(project) => Some(project),
        }
    }
}

impl From<Project> for Record {
    fn from(project: Project) -> Record {
        Record::Project(project)
    }
}
