//! The flat layout of the template language (`[flat]`): a sheet exported by the budget system
//! (预算管理一体化), one row per indicator and many projects per sheet, found by its header row and
//! read by column families — each family a list of header labels, in any column order.

use serde::Deserialize;

use super::{Alias, aliases};

/// What a column of a flat export holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FlatColumn {
    /// 预算年度 / 年度.
    Year,
    /// 项目编码.
    ProjectCode,
    /// 项目名称.
    ProjectName,
    /// 部门名称 (may be written "code-name").
    Department,
    /// 部门编码.
    DepartmentCode,
    /// 单位名称 (may be written "code-name").
    ImplementingUnit,
    /// 单位编码.
    ImplementingUnitCode,
    /// 资金总额: the project's total and its annual total.
    Total,
    /// 财政资金.
    Fiscal,
    /// 其他资金.
    Other,
    /// 年度 / 总体 flag (yearflag 0/1).
    Block,
    /// 一级指标.
    Level1,
    /// 二级指标.
    Level2,
    /// 三级指标.
    Level3,
    /// 计算符号 / 运算符号 / 指标性质.
    Direction,
    /// 指标值.
    Value,
    /// 计量单位.
    Unit,
    /// 指标值说明.
    Note,
    /// 实际完成值 (self-evaluations).
    Actual,
    /// 分值.
    Weight,
    /// 指标得分.
    Score,
    /// 偏差原因.
    Deviation,
    /// 年初预算数 (monitoring exports).
    Initial,
    /// 调整预算数 / 全年预算数 (monitoring exports).
    Adjusted,
    /// 截至N月底执行数 (monitoring exports).
    Executed,
    /// 预算执行率 (monitoring exports).
    Rate,
    /// 全年预计执行数 (monitoring exports).
    ExpectedAmount,
    /// 年度绩效目标 (monitoring exports).
    GoalAnnual,
    /// 截至N月底绩效目标完成情况 (monitoring exports).
    GoalProgress,
    /// 全年预计完成值 (monitoring exports).
    ExpectedValue,
    /// 完成可能性分析 / 完成目标可能性 (monitoring exports).
    Likelihood,
    /// 纠偏措施 (monitoring exports).
    Measures,
}

impl FlatColumn {
    /// Every family, in the order a header row is matched against them (a header cell is the
    /// first family whose label it matches).
    pub const ALL: [FlatColumn; 32] = [
        FlatColumn::ProjectCode,
        FlatColumn::ProjectName,
        FlatColumn::DepartmentCode,
        FlatColumn::Department,
        FlatColumn::ImplementingUnitCode,
        FlatColumn::ImplementingUnit,
        FlatColumn::Year,
        FlatColumn::Fiscal,
        FlatColumn::Other,
        FlatColumn::Total,
        FlatColumn::Initial,
        FlatColumn::Adjusted,
        FlatColumn::ExpectedAmount,
        FlatColumn::Executed,
        FlatColumn::Rate,
        FlatColumn::GoalAnnual,
        FlatColumn::GoalProgress,
        FlatColumn::Block,
        FlatColumn::Level1,
        FlatColumn::Level2,
        FlatColumn::Level3,
        FlatColumn::Direction,
        FlatColumn::ExpectedValue,
        FlatColumn::Actual,
        FlatColumn::Value,
        FlatColumn::Unit,
        FlatColumn::Note,
        FlatColumn::Weight,
        FlatColumn::Score,
        FlatColumn::Likelihood,
        FlatColumn::Deviation,
        FlatColumn::Measures,
    ];

    /// The family's name in a template file.
    pub fn name(self) -> &'static str {
        match self {
            FlatColumn::Year => "year",
            FlatColumn::ProjectCode => "project_code",
            FlatColumn::ProjectName => "project_name",
            FlatColumn::Department => "department",
            FlatColumn::DepartmentCode => "department_code",
            FlatColumn::ImplementingUnit => "implementing_unit",
            FlatColumn::ImplementingUnitCode => "implementing_unit_code",
            FlatColumn::Total => "total",
            FlatColumn::Fiscal => "fiscal",
            FlatColumn::Other => "other",
            FlatColumn::Block => "block",
            FlatColumn::Level1 => "level1",
            FlatColumn::Level2 => "level2",
            FlatColumn::Level3 => "level3",
            FlatColumn::Direction => "direction",
            FlatColumn::Value => "value",
            FlatColumn::Unit => "unit",
            FlatColumn::Note => "note",
            FlatColumn::Actual => "actual",
            FlatColumn::Weight => "weight",
            FlatColumn::Score => "score",
            FlatColumn::Deviation => "deviation",
            FlatColumn::Initial => "initial",
            FlatColumn::Adjusted => "adjusted",
            FlatColumn::Executed => "executed",
            FlatColumn::Rate => "rate",
            FlatColumn::ExpectedAmount => "expected_amount",
            FlatColumn::GoalAnnual => "goal_annual",
            FlatColumn::GoalProgress => "goal_progress",
            FlatColumn::ExpectedValue => "expected",
            FlatColumn::Likelihood => "likelihood",
            FlatColumn::Measures => "measures",
        }
    }

    /// True for the columns only a self-evaluation export has.
    pub fn of_evaluation(self) -> bool {
        matches!(self, FlatColumn::Actual | FlatColumn::Score)
    }
}

/// `[flat]` in a template file: the header labels of each column family, and the families a
/// header row must have to be this layout's.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlatDef {
    /// Header labels by family name (`project_name = ["项目名称"]` …).
    #[serde(default)]
    pub columns: std::collections::BTreeMap<String, Vec<String>>,
    /// The families a header row must have (default: project_name, level3, value).
    #[serde(default)]
    pub required: Vec<String>,
    /// How many rows from the top of a sheet the header row may be (default 20).
    #[serde(default)]
    pub header_within: Option<u32>,
}

/// A compiled `[flat]`.
#[derive(Debug, Clone)]
pub struct FlatSpec {
    /// The header labels of each family, in [`FlatColumn::ALL`] order.
    pub columns: Vec<(FlatColumn, Vec<Alias>)>,
    /// The families a header row must have.
    pub required: Vec<FlatColumn>,
    /// How far down a sheet the header row may be.
    pub header_within: u32,
}

impl FlatSpec {
    /// Compiles a `[flat]`; the error names what is wrong.
    pub fn compile(def: &FlatDef) -> Result<FlatSpec, String> {
        let family = |name: &str| {
            FlatColumn::ALL
                .into_iter()
                .find(|c| c.name() == name)
                .ok_or_else(|| {
                    let names: Vec<&str> = FlatColumn::ALL.iter().map(|c| c.name()).collect();
                    format!("flat 中的列“{name}”不认识；可用：{}", names.join(", "))
                })
        };
        for name in def.columns.keys() {
            family(name)?;
        }
        let columns = FlatColumn::ALL
            .into_iter()
            .filter_map(|c| Some((c, aliases(def.columns.get(c.name())?))))
            .filter(|(_, a)| !a.is_empty())
            .collect::<Vec<_>>();
        let required = if def.required.is_empty() {
            vec![
                FlatColumn::ProjectName,
                FlatColumn::Level3,
                FlatColumn::Value,
            ]
        } else {
            def.required
                .iter()
                .map(|n| family(n))
                .collect::<Result<_, _>>()?
        };
        for need in &required {
            if !columns.iter().any(|(c, _)| c == need) {
                return Err(format!("flat.required 中的“{}”没有表头文字", need.name()));
            }
        }
        Ok(FlatSpec {
            columns,
            required,
            header_within: def.header_within.unwrap_or(20),
        })
    }

    /// The family a header cell (folded) names, if any.
    pub fn column_of(&self, folded: &str) -> Option<FlatColumn> {
        self.columns
            .iter()
            .find(|(_, aliases)| aliases.iter().any(|a| a.matches(folded)))
            .map(|(c, _)| *c)
    }
}
