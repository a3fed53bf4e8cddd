//! The reconciliation (对账) of each department's department-wide target form with the project
//! target forms it sent: per 主管部门 and year, the form's 项目支出 (without that split, its total
//! less 基本支出, else its total) against the sum of `annual_total` of the department's project
//! target forms in the batch. Departments match on their normalized name (whitespace and
//! full/half width aside, a "code-name" prefix already split off by the normalizer), then on the
//! code where both have one. A difference is the warning `department_projects_mismatch` on the
//! department record.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::model::{DepartmentForm, Project, Warning, WarningCode};
use crate::text::fold_width;

/// The key departments are matched on: the name without whitespace, full-width folded.
pub fn department_key(name: &str) -> String {
    fold_width(name)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// What a department's project target forms add up to, for one year.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectSum {
    /// The department's name as first written.
    pub name: String,
    /// Its code, when a form gave one.
    pub code: Option<String>,
    /// Project target forms.
    pub forms: u64,
    /// The sum of their `annual_total` (blank counts 0), in 万元.
    pub annual_total: Decimal,
}

/// The project target forms of a batch, by department and year.
#[derive(Debug, Clone, Default)]
pub struct ProjectSums {
    by_department: BTreeMap<(String, Option<i32>), ProjectSum>,
}

impl ProjectSums {
    /// Counts a project target form.
    pub fn add(&mut self, project: &Project) {
        let key = (department_key(&project.department), project.year);
        let sum = self.by_department.entry(key).or_insert_with(|| ProjectSum {
            name: project.department.trim().to_owned(),
            ..ProjectSum::default()
        });
        if sum.code.is_none() {
            sum.code = project.department_code.clone();
        }
        sum.forms += 1;
        sum.annual_total += project.funds.annual_total.unwrap_or_default();
    }

    /// The sum for a department-wide form: by name, else by code (where both have one).
    fn find(&self, form: &DepartmentForm) -> Option<(&(String, Option<i32>), &ProjectSum)> {
        let key = (department_key(&form.department), form.year);
        if let Some((k, sum)) = self.by_department.get_key_value(&key) {
            return Some((k, sum));
        }
        let code = form.department_code.as_deref()?;
        self.by_department
            .iter()
            .find(|((_, year), sum)| *year == form.year && sum.code.as_deref() == Some(code))
    }
}

/// One row of the reconciliation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReconciliationRow {
    /// 主管部门.
    pub department: String,
    /// 年度.
    pub year: Option<i32>,
    /// 部门整体表项目支出 (万元), when the department sent a department-wide target form.
    pub department_spending: Option<Decimal>,
    /// 项目表合计 (万元).
    pub projects_total: Decimal,
    /// 项目表数.
    pub projects: u64,
    /// 差额 = 部门整体表项目支出 − 项目表合计, when there is a department-wide form.
    pub difference: Option<Decimal>,
}

/// The reconciliation of a batch, built as the department-wide target forms come past.
#[derive(Debug, Clone, Default)]
pub struct Reconciliation {
    rows: BTreeMap<(String, Option<i32>), ReconciliationRow>,
    /// True once a department-wide target form has been seen (only then is it written).
    any_form: bool,
}

impl Reconciliation {
    /// Holds a department-wide target form against its department's project forms: its row, and
    /// the warning `department_projects_mismatch` on the form when they differ.
    pub fn add(&mut self, form: &mut DepartmentForm, sums: &ProjectSums) {
        self.any_form = true;
        let found = sums.find(form);
        let key = found.map_or_else(
            || (department_key(&form.department), form.year),
            |(key, _)| key.clone(),
        );
        let (projects_total, projects) =
            found.map_or((Decimal::ZERO, 0), |(_, s)| (s.annual_total, s.forms));
        let spending = form.funds.project_spending();
        let row = self.rows.entry(key).or_insert_with(|| ReconciliationRow {
            department: form.department.clone(),
            year: form.year,
            department_spending: None,
            projects_total,
            projects,
            difference: None,
        });
        let Some((spending, basis)) = spending else {
            return;
        };
        // A second department-wide form of the same department and year adds to the first.
        let spending = row.department_spending.unwrap_or_default() + spending;
        row.department_spending = Some(spending);
        let difference = spending - projects_total;
        row.difference = Some(difference);
        if !difference.is_zero() {
            let basis = match basis {
                "project" => "项目支出",
                "total_less_basic" => "总额减基本支出",
                _ => "总额",
            };
            let message = if projects == 0 {
                format!(
                    "部门整体表的项目支出（{basis}）为 {} 万元，本批次没有该部门{}年度的项目绩效目标表，无法对上",
                    spending.round_dp(2),
                    form.year.map_or(String::new(), |y| y.to_string())
                )
            } else {
                format!(
                    "部门整体表的项目支出（{basis}）为 {} 万元，本批次该部门 {projects} 张项目绩效目标表的年度资金合计为 {} 万元，相差 {} 万元",
                    spending.round_dp(2),
                    projects_total.round_dp(2),
                    difference.round_dp(2)
                )
            };
            form.warnings.push(Warning {
                code: WarningCode::DepartmentProjectsMismatch,
                message,
                cell: form
                    .cells
                    .get("funds.project")
                    .or_else(|| form.cells.get("funds.total"))
                    .cloned(),
            });
        }
    }

    /// The rows, sorted by 主管部门 and 年度: every department and year with a department-wide
    /// target form or project target forms — empty when the batch held no department-wide target
    /// form (then nothing is written).
    pub fn rows(&self, sums: &ProjectSums) -> Vec<ReconciliationRow> {
        if !self.any_form {
            return Vec::new();
        }
        let mut rows = self.rows.clone();
        // A form's row is keyed by the project sums it matched (by name or by code).
        for (key, sum) in &sums.by_department {
            rows.entry(key.clone())
                .or_insert_with(|| ReconciliationRow {
                    department: sum.name.clone(),
                    year: key.1,
                    department_spending: None,
                    projects_total: sum.annual_total,
                    projects: sum.forms,
                    difference: None,
                });
        }
        let mut rows: Vec<ReconciliationRow> = rows.into_values().collect();
        rows.sort_by(|a, b| (&a.department, a.year).cmp(&(&b.department, b.year)));
        rows
    }
}
