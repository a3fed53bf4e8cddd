//! Per-主管部门 totals, kept as a running map while forms stream past: no form is held to the end.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::rows::department_group;
use crate::model::{FindingLevel, FundKind, Project};

/// One department's count and sums (blank figures add nothing).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DepartmentTotal {
    /// Projects.
    pub projects: u64,
    /// Indicators (placeholder rows excluded).
    pub indicators: u64,
    /// Sums of the seven fund figures, in [`FundKind::ALL`] order, in 万元.
    pub funds: [Decimal; 7],
    /// Reviewed projects by conclusion: passed, needing attention, sent back.
    pub conclusions: [u64; 3],
}

impl DepartmentTotal {
    /// The sum of one figure.
    pub fn fund(&self, kind: FundKind) -> Decimal {
        self.funds[FundKind::ALL.iter().position(|k| *k == kind).unwrap_or(0)]
    }

    fn add(&mut self, other: &DepartmentTotal) {
        self.projects += other.projects;
        self.indicators += other.indicators;
        for (sum, count) in self.conclusions.iter_mut().zip(other.conclusions) {
            *sum += count;
        }
        for (sum, value) in self.funds.iter_mut().zip(other.funds) {
            *sum += value;
        }
    }
}

/// Totals by department name, sorted.
#[derive(Debug, Clone, Default)]
pub struct DepartmentTotals {
    by_department: BTreeMap<String, DepartmentTotal>,
}

impl DepartmentTotals {
    /// Counts a project.
    pub fn add(&mut self, project: &Project) {
        let total = self
            .by_department
            .entry(department_group(project).to_owned())
            .or_default();
        total.add(&project_total(project));
    }

    /// Departments in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &DepartmentTotal)> {
        self.by_department
            .iter()
            .map(|(name, total)| (name.as_str(), total))
    }

    /// How many departments.
    pub fn len(&self) -> usize {
        self.by_department.len()
    }

    /// True before any project.
    pub fn is_empty(&self) -> bool {
        self.by_department.is_empty()
    }

    /// The sum over all departments.
    pub fn grand_total(&self) -> DepartmentTotal {
        let mut sum = DepartmentTotal::default();
        for total in self.by_department.values() {
            sum.add(total);
        }
        sum
    }
}

/// One project's contribution: one project, its indicators, its figures.
pub fn project_total(project: &Project) -> DepartmentTotal {
    let mut total = DepartmentTotal {
        projects: 1,
        indicators: indicator_count(project),
        ..DepartmentTotal::default()
    };
    for (slot, kind) in total.funds.iter_mut().zip(FundKind::ALL) {
        *slot = project.funds.get(kind).unwrap_or_default();
    }
    if let Some(review) = &project.review {
        let index = match review.worst {
            Some(FindingLevel::Error) => 2,
            Some(FindingLevel::Warning) => 1,
            _ => 0,
        };
        total.conclusions[index] = 1;
    }
    total
}

/// Indicators that are indicators: placeholder ("无") rows are not counted.
pub fn indicator_count(project: &Project) -> u64 {
    project
        .indicators
        .iter()
        .filter(|i| !i.is_placeholder())
        .count() as u64
}

/// Adds up projects one by one, independently of the department map, to check it against.
#[derive(Debug, Clone, Default)]
pub struct RunningSum(pub DepartmentTotal);

impl RunningSum {
    /// Counts a project.
    pub fn add(&mut self, project: &Project) {
        self.0.add(&project_total(project));
    }
}
