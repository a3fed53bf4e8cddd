//! The review of target forms against the finance rules (绩效目标审核): the mechanical first pass
//! a reviewer makes on every form — a missing 满意度 or 成本 indicator, no quantified output, a
//! value nobody can measure, a deadline after the project ends, a cost with no upper bound … —
//! with rules as data (`templates/review.toml`), and a conclusion per form: 通过, 需关注 or
//! 退回修改. It runs on normalized forms and adds to them; it reads nothing and writes nothing.

mod checks;
pub mod rules;
pub mod year_over_year;

use std::path::Path;

use crate::error::{Error, ErrorKind, Result};
use crate::model::{DepartmentForm, FindingLevel, FormKind, Project, Record, Review};
use crate::normalize::Dictionary;
pub use rules::{Conclusions, RuleSet, RuleSources};

/// Reviews target forms with a set of rules.
#[derive(Debug, Clone)]
pub struct Reviewer {
    rules: RuleSet,
}

impl Reviewer {
    /// The built-in rules, plus the review files (`kind = "review"`) of `dir` and `rules`, in
    /// that order; a file may add rules or change one by its id.
    pub fn load(dir: Option<&Path>, rules: Option<&Path>) -> Result<Reviewer> {
        let mut sources = RuleSources::builtin();
        if let Some(dir) = dir {
            sources.add_dir(dir)?;
        }
        if let Some(file) = rules {
            sources.add_file(file)?;
        }
        let rules = sources.compile().map_err(|e| {
            let file = rules.or(dir).map(|p| p.display().to_string());
            Error::in_file(file.unwrap_or_default(), ErrorKind::Template(e))
        })?;
        Ok(Reviewer { rules })
    }

    /// The built-in rules.
    pub fn builtin() -> Reviewer {
        Reviewer::load(None, None).expect("the built-in review rules compile")
    }

    /// The conclusion words in use.
    pub fn conclusions(&self) -> &Conclusions {
        &self.rules.conclusions
    }

    /// Reviews a normalized record in place: the kinds the rules are for (project target
    /// forms); others are left as they are.
    pub fn review_record(&self, record: &mut Record, dictionary: &Dictionary) {
        match record {
            Record::Project(project) => self.review(project, dictionary),
            Record::Department(form) => self.review_department(form, dictionary),
        }
    }

    /// Reviews a normalized target form in place (self-evaluations are not reviewed).
    pub fn review(&self, project: &mut Project, dictionary: &Dictionary) {
        if !project.kind.is_project_target() {
            return;
        }
        let mut findings = Vec::new();
        for rule in &self.rules.rules {
            if rule.applies(&project.template, project.year) {
                findings.extend(checks::run(rule, project, dictionary));
            }
        }
        let worst = findings.iter().map(|f| f.level).max();
        let words = &self.rules.conclusions;
        let conclusion = match worst {
            Some(FindingLevel::Error) => &words.send_back,
            Some(FindingLevel::Warning) => &words.attention,
            _ => &words.pass,
        };
        project.review = Some(Review {
            conclusion: conclusion.clone(),
            worst,
            findings,
        });
    }

    /// Reviews a normalized department-wide target form in place, by the rules whose `kinds`
    /// name it: the indicator rules read its table as a project's (its department as the name,
    /// its goals as the goals), `task_amounts` its tasks.
    pub fn review_department(&self, form: &mut DepartmentForm, dictionary: &Dictionary) {
        if form.kind != FormKind::DepartmentTarget {
            return;
        }
        let view = Project {
            kind: FormKind::Target,
            source: form.source.clone(),
            template: form.template.clone(),
            year: form.year,
            project_name: form.department.clone(),
            department: form.department.clone(),
            overall_goal: form.overall_goal.clone(),
            annual_goal: form.annual_goal.clone(),
            indicators: std::mem::take(&mut form.indicators),
            warnings: std::mem::take(&mut form.warnings),
            ..Project::default()
        };
        let mut findings = Vec::new();
        for rule in &self.rules.rules {
            if rule.applies_to(form.kind, &form.template, form.year) {
                findings.extend(checks::run(rule, &view, dictionary));
                findings.extend(checks::run_tasks(rule, &form.tasks));
            }
        }
        form.indicators = view.indicators;
        form.warnings = view.warnings;
        form.review = Some(self.conclude(findings));
    }

    /// The review of a form from its findings: the conclusion its worst finding leads to.
    fn conclude(&self, findings: Vec<crate::model::Finding>) -> Review {
        let worst = findings.iter().map(|f| f.level).max();
        let words = &self.rules.conclusions;
        let conclusion = match worst {
            Some(FindingLevel::Error) => &words.send_back,
            Some(FindingLevel::Warning) => &words.attention,
            _ => &words.pass,
        };
        Review {
            conclusion: conclusion.clone(),
            worst,
            findings,
        }
    }
}
