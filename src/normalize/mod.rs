//! The normalizer: the step between reading and writing that makes forms comparable. It maps
//! level names and 三级指标 wording onto canonical ones, structures each 指标值, splits codes off
//! department names, checks the fund figures and dates — and says what it could not map.
//!
//! It only adds to what the reader found: the text as written stays in the model beside the
//! canonical form. Normalizing a normalized project changes nothing.

mod checks;
pub mod department;
pub mod dictionary;
pub mod evaluation;
pub mod link;
pub mod measure;
pub mod monitoring;
pub mod names;
pub mod reconcile;

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::Result;
use crate::model::{
    DepartmentForm, Indicator, MeasureKind, NormalizedIndicator, Project, Record, Warning,
    WarningCode,
};
use crate::text::{clean_inline, fold_width};
pub use dictionary::Dictionary;
use dictionary::NameMap;
use measure::{RowContext, parse_measure};

/// Warning codes the normalizer owns: removed and given afresh on every run, so normalizing twice
/// gives the same warnings as once.
const OWN_CODES: [WarningCode; 6] = [
    WarningCode::FundsMismatch,
    WarningCode::AnnualExceedsTotal,
    WarningCode::DatesReversed,
    WarningCode::MissingDepartment,
    WarningCode::UnmappedLevel,
    WarningCode::UnitInferred,
];

/// Normalizes projects with a dictionary.
#[derive(Debug, Clone)]
pub struct Normalizer {
    dictionary: Dictionary,
}

impl Default for Normalizer {
    fn default() -> Self {
        Normalizer::builtin()
    }
}

impl Normalizer {
    /// The normalizer with the built-in dictionary.
    pub fn builtin() -> Normalizer {
        Normalizer {
            dictionary: Dictionary::builtin(),
        }
    }

    /// The built-in dictionary plus the dictionary files in `dir`, if given.
    pub fn with_dir(dir: Option<&Path>) -> Result<Normalizer> {
        let mut normalizer = Normalizer::builtin();
        if let Some(dir) = dir {
            normalizer.dictionary.add_dir(dir)?;
        }
        Ok(normalizer)
    }

    /// The dictionary in use.
    pub fn dictionary(&self) -> &Dictionary {
        &self.dictionary
    }

    /// Normalizes a record of any kind in place.
    pub fn normalize_record(&self, record: &mut Record) {
        match record {
            Record::Project(project) => self.normalize(project),
            Record::Department(form) => self.normalize_department(form),
        }
    }

    /// Normalizes a department-wide form in place: its name and code, its indicators, the checks
    /// of its tasks and budget, and a self-evaluation's arithmetic and grade.
    pub fn normalize_department(&self, form: &mut DepartmentForm) {
        form.warnings.retain(|w| {
            !OWN_CODES.contains(&w.code)
                && !evaluation::CODES.contains(&w.code)
                && !department::CODES.contains(&w.code)
        });
        let (code, name) = names::split_code(&form.department);
        form.department = name;
        if code.is_some() && form.department_code.is_none() {
            form.department_code = code;
        }
        form.department_code = form
            .department_code
            .as_deref()
            .map(|c| fold_width(c.trim()))
            .filter(|c| !c.is_empty());
        let warnings = self.normalize_indicators(&mut form.indicators);
        form.warnings.extend(warnings);
        form.warnings.extend(department::check(form));
        if let Some(evaluation) = &form.evaluation {
            let (checked, grade) = evaluation::check_parts(
                evaluation,
                &form.indicators,
                &form.cells,
                &self.dictionary.evaluation,
            );
            form.warnings.extend(checked);
            if let Some(evaluation) = &mut form.evaluation {
                evaluation.grade = grade;
            }
        }
    }

    /// Normalizes a project's form in place.
    pub fn normalize(&self, project: &mut Project) {
        project.warnings.retain(|w| {
            !OWN_CODES.contains(&w.code)
                && !evaluation::CODES.contains(&w.code)
                && !monitoring::CODES.contains(&w.code)
        });
        project.project_name = fold_width(project.project_name.trim());
        // A project code written before the name ("CODE-名称") is the code; the name is the rest.
        project.project_code = project
            .project_code
            .as_deref()
            .map(|code| fold_width(code.trim()))
            .filter(|code| !code.is_empty());
        let (code, name) = names::split_project_code(&project.project_name);
        if let Some(code) = code
            && project
                .project_code
                .as_ref()
                .is_none_or(|known| *known == code)
        {
            project.project_code = Some(code);
            project.project_name = name;
        }
        let (code, name) = names::split_code(&project.department);
        project.department = name;
        if code.is_some() {
            project.department_code = code;
        }
        let (code, name) = names::split_code(&project.implementing_unit);
        project.implementing_unit = name;
        if code.is_some() {
            project.implementing_unit_code = code;
        }
        let warnings = self.normalize_indicators(&mut project.indicators);
        project.warnings.extend(warnings);
        project.warnings.extend(checks::check(project));
        let (checked, grade) = evaluation::check(project, &self.dictionary.evaluation);
        project.warnings.extend(checked);
        if let Some(evaluation) = &mut project.evaluation {
            evaluation.grade = grade;
        }
        let checked = monitoring::normalize(project, &self.dictionary.monitoring);
        project.warnings.extend(checked);
    }

    /// Normalizes an indicator table in place (canonical level names, 计算符号, the structured
    /// 指标值 and 实际完成值) and returns what it noticed. Shared by every kind with indicators.
    pub fn normalize_indicators(&self, indicators: &mut [Indicator]) -> Vec<Warning> {
        let mut warnings = Vec::new();
        let mut reported: Vec<String> = Vec::new();
        for indicator in indicators.iter_mut() {
            let d = &self.dictionary;
            let (level1, known1) = level(&d.level1, &indicator.level1);
            let (level2, known2) = level(&d.level2, &indicator.level2);
            for (known, name, which) in
                [(known1, &level1, "一级指标"), (known2, &level2, "二级指标")]
            {
                if !known && !name.is_empty() && !reported.contains(name) {
                    reported.push(name.clone());
                    warnings.push(Warning {
                        code: WarningCode::UnmappedLevel,
                        message: format!("{which}“{name}”不在词典中，原样保留"),
                        cell: Some(indicator.cell.clone()),
                    });
                }
            }
            if let Some(direction) = indicator.direction.as_deref().and_then(canonical_direction) {
                indicator.direction = Some(direction.to_owned());
            }
            let wording = fold_width(&clean_inline(&indicator.level3));
            let level3 = d.level3.exact(&wording).map_or(wording, str::to_owned);
            let row = RowContext {
                level1: &level1,
                level2: &level2,
                level3: &level3,
                unit_column: indicator.unit.as_deref(),
                direction_column: indicator.direction.as_deref(),
            };
            let measure = parse_measure(&indicator.value, &row, d);
            // The 实际完成值 in the row's unit; the 指标性质 column states the target's comparator.
            let actual = indicator.actual.as_deref().map(|actual| {
                let row = RowContext {
                    direction_column: None,
                    ..row
                };
                parse_measure(actual, &row, d)
            });
            let blank_or_placeholder = |t: &str| t.trim().is_empty() || d.is_placeholder(t);
            let placeholder =
                blank_or_placeholder(&level3) && blank_or_placeholder(&indicator.value);
            if measure.unit_inferred {
                warnings.push(Warning {
                    code: WarningCode::UnitInferred,
                    message: format!(
                        "指标值“{}”未写单位，按“{}”计（{}）",
                        indicator.value,
                        measure.unit.as_deref().unwrap_or(""),
                        level3
                    ),
                    cell: Some(indicator.value_cell.clone()),
                });
            }
            indicator.normalized = Some(NormalizedIndicator {
                level1,
                level2,
                level3,
                placeholder,
                measure,
                actual,
            });
        }
        warnings
    }
}

/// A level name in canonical form, and whether the dictionary knew it. Unknown names are kept as
/// written (spaces and full-width characters folded).
fn level(map: &NameMap, written: &str) -> (String, bool) {
    match map.level(written) {
        Some(canonical) => (canonical.to_owned(), true),
        None => (dictionary::key(&clean_inline(written)), false),
    }
}

/// Counts what the normalizer could not map, over any number of projects, so a user can grow the
/// dictionary: level names it does not know, 三级指标 wordings with no dictionary entry,
/// qualitative 指标值 with no direction, and units it does not list.
#[derive(Debug, Default)]
pub struct UnmappedReport {
    counts: BTreeMap<(usize, String), usize>,
}

/// The kinds of wording [`UnmappedReport`] counts, in report order.
pub const UNMAPPED_KINDS: [&str; 5] = ["一级指标", "二级指标", "三级指标", "指标值", "计量单位"];

impl UnmappedReport {
    /// Counts the unmapped wordings of a normalized project.
    pub fn add(&mut self, project: &Project, dictionary: &Dictionary) {
        for indicator in &project.indicators {
            let Some(n) = &indicator.normalized else {
                continue;
            };
            if n.placeholder {
                continue;
            }
            if !indicator.level1.trim().is_empty()
                && dictionary.level1.level(&indicator.level1).is_none()
            {
                self.count(0, &n.level1);
            }
            if !indicator.level2.trim().is_empty()
                && dictionary.level2.level(&indicator.level2).is_none()
            {
                self.count(1, &n.level2);
            }
            if !n.level3.is_empty() && dictionary.level3.exact(&n.level3).is_none() {
                self.count(2, &n.level3);
            }
            if n.measure.kind == MeasureKind::Qualitative && n.measure.direction.is_none() {
                self.count(3, &indicator.value);
            }
            if let Some(unit) = &n.measure.unit
                && !dictionary.knows_unit(unit)
            {
                self.count(4, unit);
            }
        }
    }

    fn count(&mut self, kind: usize, text: &str) {
        *self.counts.entry((kind, text.to_owned())).or_default() += 1;
    }

    /// (kind, wording, count), by kind, then most frequent first, then wording.
    pub fn rows(&self) -> Vec<(&'static str, &str, usize)> {
        let mut rows: Vec<(usize, &str, usize)> = self
            .counts
            .iter()
            .map(|((kind, text), count)| (*kind, text.as_str(), *count))
            .collect();
        rows.sort_by(|a, b| a.0.cmp(&b.0).then(b.2.cmp(&a.2)).then(a.1.cmp(b.1)));
        rows.into_iter()
            .map(|(kind, text, count)| (UNMAPPED_KINDS[kind], text, count))
            .collect()
    }
}

/// A 计算符号 / 运算符号 / 指标性质 as one of ≥ > = < ≤ 定性 定量（其他） 不适用, whichever way the form
/// or the budget system wrote it: the system's codes (1 ≥, 2 ＞, 3 ＝, 4 ＜, 5 ≤, 6 定性,
/// 9 定量（其他）, 10 不适用), glyphs half- or full-width, ">=" and "<=". Other words (正向指标 …)
/// are kept as written (`None`).
pub fn canonical_direction(written: &str) -> Option<&'static str> {
    let folded: String = fold_width(written.trim())
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            c => c,
        })
        .collect();
    Some(match folded.as_str() {
        "1" | "≥" | "≧" | ">=" | "=>" => "≥",
        "2" | ">" => ">",
        "3" | "=" | "==" => "=",
        "4" | "<" => "<",
        "5" | "≤" | "≦" | "<=" | "=<" => "≤",
        "6" | "定性" => "定性",
        "9" | "定量(其他)" => "定量（其他）",
        "10" | "不适用" => "不适用",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Direction, Indicator};

    fn indicator(level1: &str, level2: &str, level3: &str, value: &str) -> Indicator {
        Indicator {
            level1: level1.into(),
            level2: level2.into(),
            level3: level3.into(),
            value: value.into(),
            cell: "D12".into(),
            value_cell: "F12".into(),
            ..Indicator::default()
        }
    }

    #[test]
    fn a_form_comes_out_in_canonical_terms_with_the_wording_kept() {
        let mut p = Project {
            department: "[610001]某区民政局".into(),
            project_name: "２０２３年社区服务".into(),
            indicators: vec![
                indicator("产出", "数量", "服务人次", "≥1000人次"),
                indicator(
                    "满意度指标",
                    "服务对象 满意度指标",
                    "居民满意度",
                    "达到90以上",
                ),
                indicator("效益指标", "新闻宣传指标", "无", "无"),
            ],
            ..Project::default()
        };
        Normalizer::builtin().normalize(&mut p);
        assert_eq!(p.department, "某区民政局");
        assert_eq!(p.department_code.as_deref(), Some("610001"));
        assert_eq!(p.project_name, "2023年社区服务");
        let n: Vec<&NormalizedIndicator> = p
            .indicators
            .iter()
            .map(|i| i.normalized.as_ref().unwrap())
            .collect();
        assert_eq!(
            (n[0].level1.as_str(), n[0].level2.as_str()),
            ("产出指标", "数量指标")
        );
        assert_eq!(n[1].level2, "服务对象满意度指标");
        assert_eq!(n[1].level3, "服务对象满意度");
        assert_eq!(
            p.indicators[1].level3, "居民满意度",
            "the wording as written stays"
        );
        assert_eq!(n[2].level2, "新闻宣传指标");
        assert!(n[2].placeholder && !n[0].placeholder);
        assert_eq!(n[1].measure.direction, Some(Direction::Achieve));
        let codes: Vec<WarningCode> = p.warnings.iter().map(|w| w.code).collect();
        assert_eq!(
            codes,
            [WarningCode::UnitInferred, WarningCode::UnmappedLevel]
        );
        assert_eq!(p.warnings[0].cell.as_deref(), Some("F12"));
    }

    #[test]
    fn normalizing_twice_changes_nothing() {
        let mut p = Project {
            department: "219-池州市城市管理局".into(),
            indicators: vec![indicator("产出", "奇怪指标", "群众满意度", "95")],
            ..Project::default()
        };
        p.funds.total = Some(100.into());
        p.funds.fiscal = Some(90.into());
        let normalizer = Normalizer::builtin();
        normalizer.normalize(&mut p);
        let once = p.clone();
        normalizer.normalize(&mut p);
        assert_eq!(p, once);
        assert_eq!(p.department_code.as_deref(), Some("219"));
    }

    #[test]
    fn the_unmapped_report_counts_what_the_dictionary_lacks() {
        let normalizer = Normalizer::builtin();
        let mut report = UnmappedReport::default();
        for _ in 0..2 {
            let mut p = Project {
                indicators: vec![
                    indicator("产出指标", "新闻宣传指标", "宣传覆盖面", "广泛"),
                    indicator("产出指标", "数量指标", "群众满意度", "95%"),
                ],
                ..Project::default()
            };
            normalizer.normalize(&mut p);
            report.add(&p, normalizer.dictionary());
        }
        assert_eq!(
            report.rows(),
            [
                ("二级指标", "新闻宣传指标", 2),
                ("三级指标", "宣传覆盖面", 2),
                ("指标值", "广泛", 2)
            ]
        );
    }
}
