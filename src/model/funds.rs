//! Money on a form: the fund block of a target form, the budget execution lines of a
//! self-evaluation, rates, and the units amounts are written in. Always an exact [`Decimal`] in
//! 万元; a figure a form leaves blank stays `None`, never zero.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The fund block of a form, every figure in 万元.
///
/// The project's funds (`total`, `fiscal`, `other`) may span several years; this year's request
/// (`annual_total`, `appropriation`, `carryover`, `annual_other`) is what a year's budget sums.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Funds {
    /// 项目资金总额.
    pub total: Option<Decimal>,
    /// 其中：财政资金.
    pub fiscal: Option<Decimal>,
    /// 其他资金 (of the project).
    pub other: Option<Decimal>,
    /// 年度资金申请总额.
    pub annual_total: Option<Decimal>,
    /// 其中：当年财政拨款.
    pub appropriation: Option<Decimal>,
    /// 上年结转资金.
    pub carryover: Option<Decimal>,
    /// 其他资金 (of this year's request).
    pub annual_other: Option<Decimal>,
}

/// Names one figure of [`Funds`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FundKind {
    /// 项目资金总额
    Total,
    /// 财政资金
    Fiscal,
    /// 其他资金
    Other,
    /// 年度资金申请总额
    AnnualTotal,
    /// 当年财政拨款
    Appropriation,
    /// 上年结转资金
    Carryover,
    /// 其他资金 (annual)
    AnnualOther,
}

impl FundKind {
    /// All kinds, in the order of the form and of every output.
    pub const ALL: [FundKind; 7] = [
        FundKind::Total,
        FundKind::Fiscal,
        FundKind::Other,
        FundKind::AnnualTotal,
        FundKind::Appropriation,
        FundKind::Carryover,
        FundKind::AnnualOther,
    ];

    /// The snake_case field name, as in JSON.
    pub fn name(self) -> &'static str {
        match self {
            FundKind::Total => "total",
            FundKind::Fiscal => "fiscal",
            FundKind::Other => "other",
            FundKind::AnnualTotal => "annual_total",
            FundKind::Appropriation => "appropriation",
            FundKind::Carryover => "carryover",
            FundKind::AnnualOther => "annual_other",
        }
    }

    /// The label users read, as on the sh2023 form.
    pub fn label(self) -> &'static str {
        match self {
            FundKind::Total => "项目资金总额",
            FundKind::Fiscal => "其中：财政资金",
            FundKind::Other => "其他资金",
            FundKind::AnnualTotal => "年度资金申请总额",
            FundKind::Appropriation => "其中：当年财政拨款",
            FundKind::Carryover => "上年结转资金",
            FundKind::AnnualOther => "年度其他资金",
        }
    }

    /// Parses the snake_case name.
    pub fn from_name(name: &str) -> Option<FundKind> {
        FundKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

impl Funds {
    /// The figure of one kind.
    pub fn get(&self, kind: FundKind) -> Option<Decimal> {
        *self.slot(kind)
    }

    /// Sets the figure of one kind.
    pub fn set(&mut self, kind: FundKind, value: Option<Decimal>) {
        *self.slot_mut(kind) = value;
    }

    fn slot(&self, kind: FundKind) -> &Option<Decimal> {
        match kind {
            FundKind::Total => &self.total,
            FundKind::Fiscal => &self.fiscal,
            FundKind::Other => &self.other,
            FundKind::AnnualTotal => &self.annual_total,
            FundKind::Appropriation => &self.appropriation,
            FundKind::Carryover => &self.carryover,
            FundKind::AnnualOther => &self.annual_other,
        }
    }

    fn slot_mut(&mut self, kind: FundKind) -> &mut Option<Decimal> {
        match kind {
            FundKind::Total => &mut self.total,
            FundKind::Fiscal => &mut self.fiscal,
            FundKind::Other => &mut self.other,
            FundKind::AnnualTotal => &mut self.annual_total,
            FundKind::Appropriation => &mut self.appropriation,
            FundKind::Carryover => &mut self.carryover,
            FundKind::AnnualOther => &mut self.annual_other,
        }
    }
}

/// One line of budget execution (预算执行情况) of a self-evaluation or a monitoring form, in 万元.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FundLine {
    /// 年初预算数.
    pub initial: Option<Decimal>,
    /// 全年预算数 / 调整后预算数.
    pub adjusted: Option<Decimal>,
    /// 全年执行数 / 预算执行数 (a monitoring form's 1-N月执行数).
    pub executed: Option<Decimal>,
    /// 执行率, as written and as a fraction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate: Option<Rate>,
    /// 分值 / 权重.
    pub weight: Option<Decimal>,
    /// 得分.
    pub score: Option<Decimal>,
    /// 原因, where the form has that column.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// 全年预计执行数 (monitoring forms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<Decimal>,
}

/// A rate as the form writes it ("95.37%", 0.987759) and as an exact fraction (0.9537).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rate {
    /// As written.
    pub written: String,
    /// As a fraction of one.
    pub fraction: Decimal,
    /// Decimal places of the fraction the form states (95.37% → 4, 0.987759 → 6), for comparing
    /// to the precision written.
    pub places: u32,
}

/// A unit money is written in on a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MoneyUnit {
    /// 元.
    #[serde(rename = "元")]
    Yuan,
    /// 万元 (the model's unit).
    #[serde(rename = "万元")]
    Wan,
}

impl MoneyUnit {
    /// Parses "元" or "万元" (also "万").
    pub fn from_label(label: &str) -> Option<MoneyUnit> {
        match label.trim() {
            "元" => Some(MoneyUnit::Yuan),
            "万元" | "万" => Some(MoneyUnit::Wan),
            _ => None,
        }
    }

    /// Converts an amount in this unit to 万元, exactly.
    pub fn to_wan(self, amount: Decimal) -> Decimal {
        match self {
            MoneyUnit::Wan => amount,
            MoneyUnit::Yuan => amount / Decimal::from(10_000),
        }
    }

    /// The unit's name.
    pub fn label(self) -> &'static str {
        match self {
            MoneyUnit::Yuan => "元",
            MoneyUnit::Wan => "万元",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn funds_serialize_as_decimal_strings_and_null() {
        let funds = Funds {
            total: Some(Decimal::new(11250, 2)),
            ..Funds::default()
        };
        let json = serde_json::to_value(&funds).unwrap();
        assert_eq!(json["total"], "112.50");
        assert!(json["fiscal"].is_null());
    }
}
