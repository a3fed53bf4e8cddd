//! Checks that become warnings on a form: fund figures that do not add up, a year's request over
//! the project's total, dates in the wrong order, a blank 主管部门.

use rust_decimal::Decimal;

use crate::model::{FundKind, Project, Warning, WarningCode};

/// The warnings the checks give for a project (its other warnings untouched).
pub fn check(project: &Project) -> Vec<Warning> {
    let mut warnings = Vec::new();
    let funds = &project.funds;
    let cell = |kind: FundKind| {
        project
            .cells
            .get(&format!("funds.{}", kind.name()))
            .cloned()
    };
    // A form with one set of figures (a year's) states 资金总额 with the carryover in it.
    let single_set = funds.total == funds.annual_total
        && funds.fiscal == funds.appropriation
        && funds.other == funds.annual_other;
    let project_parts = [
        (FundKind::Fiscal, funds.fiscal),
        (FundKind::Other, funds.other),
    ];
    let with_carryover = [
        (FundKind::Fiscal, funds.fiscal),
        (FundKind::Other, funds.other),
        (FundKind::Carryover, funds.carryover),
    ];
    let parts: &[(FundKind, Option<Decimal>)] = if single_set && funds.carryover.is_some() {
        &with_carryover
    } else {
        &project_parts
    };
    if let Some(message) = sum_mismatch(funds.total, parts, FundKind::Total) {
        warnings.push(warning(
            WarningCode::FundsMismatch,
            message,
            cell(FundKind::Total),
        ));
    }
    if let Some(message) = sum_mismatch(
        funds.annual_total,
        &[
            (FundKind::Appropriation, funds.appropriation),
            (FundKind::Carryover, funds.carryover),
            (FundKind::AnnualOther, funds.annual_other),
        ],
        FundKind::AnnualTotal,
    ) {
        warnings.push(warning(
            WarningCode::FundsMismatch,
            message,
            cell(FundKind::AnnualTotal),
        ));
    }
    if let (Some(total), Some(annual)) = (funds.total, funds.annual_total)
        && annual > total
    {
        let message = format!("年度资金申请总额 {annual} 万元大于项目资金总额 {total} 万元");
        warnings.push(warning(
            WarningCode::AnnualExceedsTotal,
            message,
            cell(FundKind::AnnualTotal),
        ));
    }
    if let (Some(start), Some(end)) = (project.start_date, project.end_date)
        && end < start
    {
        let message = format!("计划完成日期 {end} 早于计划开始日期 {start}");
        warnings.push(warning(
            WarningCode::DatesReversed,
            message,
            project.cells.get("end_date").cloned(),
        ));
    }
    if project.department.trim().is_empty() {
        warnings.push(warning(
            WarningCode::MissingDepartment,
            "主管部门未填写；汇总时归入“（未填写主管部门）”".into(),
            project.cells.get("department").cloned(),
        ));
    }
    warnings
}

/// "项目资金总额 100 ≠ 财政资金 80 + 其他资金 10": checked when the total and at least one part
/// are filled in; a blank part counts as zero, as a clerk reads a blank cell.
fn sum_mismatch(
    total: Option<Decimal>,
    parts: &[(FundKind, Option<Decimal>)],
    total_kind: FundKind,
) -> Option<String> {
    let total = total?;
    if parts.iter().all(|(_, v)| v.is_none()) {
        return None;
    }
    let sum: Decimal = parts.iter().filter_map(|(_, v)| *v).sum();
    if sum == total {
        return None;
    }
    let terms: Vec<String> = parts
        .iter()
        .map(|(kind, v)| {
            format!(
                "{} {}",
                short_label(*kind),
                v.map_or("（空）".to_owned(), |d| d.to_string())
            )
        })
        .collect();
    Some(format!(
        "{} {total} 万元 ≠ {} = {sum} 万元",
        short_label(total_kind),
        terms.join(" + ")
    ))
}

fn short_label(kind: FundKind) -> &'static str {
    match kind {
        FundKind::Total => "项目资金总额",
        FundKind::Fiscal => "财政资金",
        FundKind::Other => "其他资金",
        FundKind::AnnualTotal => "年度资金申请总额",
        FundKind::Appropriation => "当年财政拨款",
        FundKind::Carryover => "上年结转资金",
        FundKind::AnnualOther => "其他资金（年度）",
    }
}

fn warning(code: WarningCode, message: String, cell: Option<String>) -> Warning {
    Warning {
        code,
        message,
        cell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Date;

    fn d(text: &str) -> Option<Decimal> {
        Some(text.parse().unwrap())
    }

    fn codes(project: &Project) -> Vec<WarningCode> {
        check(project).into_iter().map(|w| w.code).collect()
    }

    #[test]
    fn a_consistent_form_gives_no_warning() {
        let mut p = Project {
            department: "吴泾镇人民政府".into(),
            ..Project::default()
        };
        p.funds.total = d("112.50");
        p.funds.fiscal = d("112.5");
        p.funds.annual_total = d("112.5");
        p.funds.appropriation = d("100");
        p.funds.carryover = d("12.5");
        p.start_date = Date::new(2023, 1, 1);
        p.end_date = Date::new(2023, 12, 31);
        assert_eq!(codes(&p), []);
    }

    #[test]
    fn each_check_fires_on_its_own_problem() {
        let mut p = Project {
            department: "某局".into(),
            ..Project::default()
        };
        p.funds.total = d("100");
        p.funds.fiscal = d("80");
        p.funds.other = d("10");
        assert_eq!(codes(&p), [WarningCode::FundsMismatch]);
        p.funds.other = d("20");
        p.funds.annual_total = d("150");
        p.funds.appropriation = d("150");
        assert_eq!(codes(&p), [WarningCode::AnnualExceedsTotal]);
        p.funds.annual_total = d("60");
        p.funds.appropriation = d("50");
        assert_eq!(codes(&p), [WarningCode::FundsMismatch]);
        let p = Project {
            start_date: Date::new(2023, 12, 31),
            end_date: Date::new(2023, 1, 1),
            ..Project::default()
        };
        assert_eq!(
            codes(&p),
            [WarningCode::DatesReversed, WarningCode::MissingDepartment]
        );
    }

    #[test]
    fn the_mismatch_message_shows_the_sum() {
        let mut p = Project {
            department: "某局".into(),
            ..Project::default()
        };
        p.funds.total = d("100");
        p.funds.fiscal = d("80");
        p.cells.insert("funds.total".into(), "C6".into());
        let w = &check(&p)[0];
        assert_eq!(w.cell.as_deref(), Some("C6"));
        assert!(
            w.message
                .contains("项目资金总额 100 万元 ≠ 财政资金 80 + 其他资金 （空） = 80 万元"),
            "{}",
            w.message
        );
    }
}
