//! The checks of a department-wide form: its budget adds up (总额 = 财政拨款 + 其他资金, 总额 =
//! 基本支出 + 项目支出). (Its tasks against their 金额合计 row are checked where the table is read;
//! a self-evaluation's arithmetic is the project self-evaluation's, see `evaluation`.)

use rust_decimal::Decimal;

use crate::model::{DepartmentForm, Warning, WarningCode};

/// The warning codes these checks give (removed and given afresh on every run).
pub const CODES: [WarningCode; 1] = [WarningCode::FundsMismatch];

/// The warnings of a department-wide form's budget.
pub fn check(form: &DepartmentForm) -> Vec<Warning> {
    let f = &form.funds;
    let cell = |key: &str| form.cells.get(&format!("funds.{key}")).cloned();
    let mut warnings = Vec::new();
    let mut sum = |parts: [(&str, Option<Decimal>); 2], labels: &str| {
        if let (Some(total), [(_, Some(a)), (_, Some(b))]) = (f.total, parts)
            && a + b != total
        {
            warnings.push(Warning {
                code: WarningCode::FundsMismatch,
                message: format!(
                    "部门预算总额 {} 万元 ≠ {labels} {} + {} = {} 万元",
                    total.normalize(),
                    a.normalize(),
                    b.normalize(),
                    (a + b).normalize()
                ),
                cell: cell("total"),
            });
        }
    };
    sum(
        [("fiscal", f.fiscal), ("other", f.other)],
        "财政拨款 + 其他资金",
    );
    sum(
        [("basic", f.basic), ("project", f.project)],
        "基本支出 + 项目支出",
    );
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DepartmentFunds;

    #[test]
    fn a_budget_that_does_not_add_up_is_warned_of() {
        let form = |total: i64, fiscal: i64, other: i64, basic: i64, project: i64| DepartmentForm {
            funds: DepartmentFunds {
                total: Some(Decimal::from(total)),
                fiscal: Some(Decimal::from(fiscal)),
                other: Some(Decimal::from(other)),
                basic: Some(Decimal::from(basic)),
                project: Some(Decimal::from(project)),
            },
            ..DepartmentForm::default()
        };
        assert!(check(&form(100, 80, 20, 60, 40)).is_empty());
        assert_eq!(check(&form(100, 80, 10, 60, 40)).len(), 1);
        assert_eq!(check(&form(100, 80, 10, 60, 30)).len(), 2);
    }
}
