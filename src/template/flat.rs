//! The flat layout of the template language (`[flat]`): a sheet exported by the budget system
//! (预算管理一体化), one row per indicator and many projects per sheet, found by its header row and
//! read by column families — each family a list of header labels, in any column order.

use serde::Deserialize;

use super::{Alias, aliases};
use crate::keywords::FastMap;

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
    /// The exact labels, each with the first family (index in `columns`) it names: a header
    /// cell is looked up once, not compared with every label (every sheet's top rows are).
    exact: FastMap<String, usize>,
    /// The labels matched by their start or end, with their family's index, in family order.
    patterns: Vec<(usize, Alias)>,
    /// True when a required family has a label matched as written.
    required_exact: bool,
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
        let mut exact: FastMap<String, usize> = FastMap::default();
        let mut patterns = Vec::new();
        for (index, (_, aliases)) in columns.iter().enumerate() {
            for alias in aliases {
                if alias.is_exact() {
                    exact.entry(alias.text.clone()).or_insert(index);
                } else {
                    patterns.push((index, alias.clone()));
                }
            }
        }
        let required_exact = exact
            .values()
            .any(|&index| required.contains(&columns[index].0));
        Ok(FlatSpec {
            columns,
            exact,
            patterns,
            required_exact,
            required,
            header_within: def.header_within.unwrap_or(20),
        })
    }

    /// True when a required family has labels matched as written: then a header row holds one
    /// of them, and only such rows need a close look.
    pub fn anchored(&self) -> bool {
        self.required_exact
    }

    /// True for a header cell (folded) that is, as written, a label of a required family.
    pub fn anchors(&self, folded: &str) -> bool {
        self.exact
            .get(folded)
            .is_some_and(|&index| self.required.contains(&self.columns[index].0))
    }

    /// The family a header cell (folded) names, if any: the first, in family order, with a
    /// label that matches it.
    pub fn column_of(&self, folded: &str) -> Option<FlatColumn> {
        let exact = self.exact.get(folded).copied();
        let pattern = self
            .patterns
            .iter()
            .take_while(|(index, _)| exact.is_none_or(|e| *index < e))
            .find(|(_, alias)| alias.matches(folded))
            .map(|(index, _)| *index);
        let index = match (exact, pattern) {
            (Some(e), Some(p)) => e.min(p),
            (e, p) => e.or(p)?,
        };
        Some(self.columns[index].0)
    }
}

#[cfg(test)]
mod tests {
    use crate::text::fold_label;

    #[test]
    fn a_header_cell_names_the_first_family_whose_label_it_matches() {
        let set = crate::template::TemplateSet::builtin();
        for template in set.iter() {
            let Some(spec) = &template.flat else { continue };
            // The lookup agrees with comparing every label in family order.
            let slow = |folded: &str| {
                spec.columns
                    .iter()
                    .find(|(_, aliases)| aliases.iter().any(|a| a.matches(folded)))
                    .map(|(c, _)| *c)
            };
            let headers = [
                "项目名称",
                "资金总额（元）",
                "资金总额",
                "截至7月底执行数",
                "全年预计执行数（万元）",
                "预算执行率",
                "截至7月底绩效目标完成情况",
                "当前完成值",
                "三级指标名称",
                "年度指标值",
                "单位名称",
                "单位",
                "其中：财政资金（万元）",
                "指标值",
                "偏差原因说明",
                "无关",
                "调整预算数",
                "1-7月执行数",
            ];
            for header in headers {
                let folded = fold_label(header);
                assert_eq!(
                    spec.column_of(&folded),
                    slow(&folded),
                    "{} {header}",
                    template.id
                );
            }
        }
    }
}
