//! The kinds of form jixiao reads, in one place: every stage that treats kinds differently (the
//! batch runner, the linking, the review, the writers) asks [`FormKind`] or matches on
//! [`Record`], so a new kind is a variant here and files of its own, not a change to every stage.

use serde::{Deserialize, Serialize};

use super::{DepartmentForm, Project, Source, Warning};

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
    /// 绩效运行监控表: budget execution and goals through a month of the year (around July).
    Monitoring,
    /// 部门整体支出绩效目标表: a department's targets for its whole year.
    DepartmentTarget,
    /// 部门整体支出绩效自评表: how a department's year went.
    DepartmentSelfEvaluation,
}

impl FormKind {
    /// Every kind, in the order outputs list them.
    pub const ALL: [FormKind; 5] = [
        FormKind::Target,
        FormKind::SelfEvaluation,
        FormKind::Monitoring,
        FormKind::DepartmentTarget,
        FormKind::DepartmentSelfEvaluation,
    ];

    /// The snake_case name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            FormKind::Target => "target",
            FormKind::SelfEvaluation => "self_evaluation",
            FormKind::Monitoring => "monitoring",
            FormKind::DepartmentTarget => "department_target",
            FormKind::DepartmentSelfEvaluation => "department_self_evaluation",
        }
    }

    /// The label users read.
    pub fn label(self) -> &'static str {
        match self {
            FormKind::Target => "绩效目标表",
            FormKind::SelfEvaluation => "绩效自评表",
            FormKind::Monitoring => "绩效运行监控表",
            FormKind::DepartmentTarget => "部门整体绩效目标表",
            FormKind::DepartmentSelfEvaluation => "部门整体绩效自评表",
        }
    }

    /// True for a department-wide form (a [`DepartmentForm`] record).
    pub fn is_department(self) -> bool {
        matches!(
            self,
            FormKind::DepartmentTarget | FormKind::DepartmentSelfEvaluation
        )
    }

    /// True for a self-evaluation (a project's or a department's): the kinds with an
    /// [`super::Evaluation`].
    pub fn is_self_evaluation(self) -> bool {
        matches!(
            self,
            FormKind::SelfEvaluation | FormKind::DepartmentSelfEvaluation
        )
    }

    /// True for a project's target form: the records a year's totals, the review and the
    /// project outputs (项目明细, projects.csv, projects.jsonl) are made of.
    pub fn is_project_target(self) -> bool {
        self == FormKind::Target
    }

    /// True for the kinds held against the approved target form of the same project (the
    /// target is found anywhere in the batch, so these are written at the end of a run).
    pub fn held_against_target(self) -> bool {
        matches!(self, FormKind::SelfEvaluation | FormKind::Monitoring)
    }

    /// True for the monitoring form (a [`Project`] with a [`super::Monitoring`]).
    pub fn is_monitoring(self) -> bool {
        self == FormKind::Monitoring
    }

    /// True for the department-wide target form: held against the project target forms of its
    /// department (对账) at the end of a run.
    pub fn reconciled(self) -> bool {
        self == FormKind::DepartmentTarget
    }
}

/// One record read from a form, of any kind. (Records are moved a few times per form — into a
/// file's list, through the channel to the writing thread — so the larger variant is not boxed:
/// an allocation per form would cost more than the copies.)
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Record {
    /// A project's form: its target form, its monitoring form or its self-evaluation.
    Project(Project),
    /// A department-wide form: the department's targets or its self-evaluation.
    Department(DepartmentForm),
}

impl Record {
    /// The kind of form.
    pub fn kind(&self) -> FormKind {
        match self {
            Record::Project(project) => project.kind,
            Record::Department(form) => form.kind,
        }
    }

    /// Where the form was found.
    pub fn source(&self) -> &Source {
        match self {
            Record::Project(project) => &project.source,
            Record::Department(form) => &form.source,
        }
    }

    /// The id of the template that read it.
    pub fn template(&self) -> &str {
        match self {
            Record::Project(project) => &project.template,
            Record::Department(form) => &form.template,
        }
    }

    /// What the reader or normalizer noticed.
    pub fn warnings(&self) -> &[Warning] {
        match self {
            Record::Project(project) => &project.warnings,
            Record::Department(form) => &form.warnings,
        }
    }

    /// The warnings, to add to.
    pub fn warnings_mut(&mut self) -> &mut Vec<Warning> {
        match self {
            Record::Project(project) => &mut project.warnings,
            Record::Department(form) => &mut form.warnings,
        }
    }

    /// The project's form, when this is one.
    pub fn as_project(&self) -> Option<&Project> {
        match self {
            Record::Project(project) => Some(project),
            Record::Department(_) => None,
        }
    }

    /// The project's form, to change, when this is one.
    pub fn as_project_mut(&mut self) -> Option<&mut Project> {
        match self {
            Record::Project(project) => Some(project),
            Record::Department(_) => None,
        }
    }

    /// The department-wide form, when this is one.
    pub fn as_department(&self) -> Option<&DepartmentForm> {
        match self {
            Record::Department(form) => Some(form),
            Record::Project(_) => None,
        }
    }
}

impl From<DepartmentForm> for Record {
    fn from(form: DepartmentForm) -> Record {
        Record::Department(form)
    }
}

impl From<Project> for Record {
    fn from(project: Project) -> Record {
        Record::Project(project)
    }
}
