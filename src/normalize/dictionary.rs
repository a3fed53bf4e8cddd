//! The normalizer's dictionary (`templates/normalize.toml`): level names, 三级指标 synonyms, units
//! and the words that state comparators and directions. Built in, and extended by any file with
//! `kind = "dictionary"` in a `--templates` folder.

use std::path::Path;

use indexmap::IndexMap;
use serde::Deserialize;

use std::str::FromStr;

use rust_decimal::Decimal;

use super::evaluation::EvaluationRules;
use super::monitoring::MonitoringRules;
use crate::data_files::{DataKind, files_of_kind};
use crate::error::{Error, ErrorKind, Result};
use crate::keywords::{FastMap, FastSet, Keywords};
use crate::model::{Comparator, Direction};
use crate::text::{fold_char, fold_width, map_chars};

const BUILTIN: &str = include_str!("../../templates/normalize.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DictionaryFile {
    kind: String,
    #[serde(default)]
    level1: IndexMap<String, Vec<String>>,
    #[serde(default)]
    level2: IndexMap<String, Vec<String>>,
    #[serde(default)]
    level3: IndexMap<String, Vec<String>>,
    #[serde(default)]
    hierarchy: IndexMap<String, Vec<String>>,
    #[serde(default)]
    values: ValuesFile,
    #[serde(default)]
    evaluation: Option<EvaluationFile>,
    #[serde(default)]
    monitoring: Option<MonitoringFile>,
}

/// `[monitoring]`: how far behind 序时进度 a monitoring form's execution may be, and the ways forms
/// write 完成目标可能性.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct MonitoringFile {
    behind_schedule_points: Option<toml::Value>,
    likelihood: IndexMap<String, Vec<String>>,
}

/// `[evaluation]`: the grade thresholds and the over-achievement ratio of self-evaluations.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct EvaluationFile {
    grades: Vec<GradeFile>,
    over_achievement: Option<toml::Value>,
    full_score: Option<toml::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GradeFile {
    grade: String,
    min: toml::Value,
}

/// A TOML number as an exact decimal ("0.1" stays 0.1).
fn toml_decimal(value: &toml::Value, what: &str) -> std::result::Result<Decimal, String> {
    match value {
        toml::Value::Integer(i) => Ok(Decimal::from(*i)),
        toml::Value::Float(f) => {
            Decimal::from_str(&f.to_string()).map_err(|e| format!("{what}：{e}"))
        }
        toml::Value::String(s) => Decimal::from_str(s.trim()).map_err(|e| format!("{what}：{e}")),
        other => Err(format!("{what} 应为数字，而不是 {other}")),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct ValuesFile {
    placeholders: Vec<String>,
    units: Vec<String>,
    money_units: Vec<String>,
    money_words: Vec<String>,
    percent_words: Vec<String>,
    comparators: IndexMap<String, Vec<String>>,
    directions: IndexMap<String, Vec<String>>,
}

/// The key a level name or wording is looked up by: no spaces, full-width folded.
pub fn key(text: &str) -> String {
    map_chars(text, fold_char)
}

/// Canonical names by the keys of their variants.
#[derive(Debug, Clone, Default)]
pub struct NameMap {
    by_key: FastMap<String, String>,
}

impl NameMap {
    fn add(&mut self, canonical: &str, variants: &[String]) {
        let canonical = canonical.trim().to_owned();
        self.by_key.insert(key(&canonical), canonical.clone());
        for variant in variants {
            self.by_key
                .entry(key(variant))
                .or_insert_with(|| canonical.clone());
        }
    }

    /// The canonical name of a level name: as listed, or with or without its "指标" suffix.
    pub fn level(&self, text: &str) -> Option<&str> {
        let k = key(text);
        if k.is_empty() {
            return None;
        }
        if let Some(found) = self.by_key.get(&k) {
            return Some(found);
        }
        let alternative = match k.strip_suffix("指标") {
            Some(stem) => stem.to_owned(),
            None => format!("{k}指标"),
        };
        self.by_key.get(&alternative).map(String::as_str)
    }

    /// The canonical wording of a text, if listed.
    pub fn exact(&self, text: &str) -> Option<&str> {
        self.by_key.get(&key(text)).map(String::as_str)
    }
}

/// The compiled dictionary.
#[derive(Debug, Clone, Default)]
pub struct Dictionary {
    /// 一级指标.
    pub level1: NameMap,
    /// 二级指标.
    pub level2: NameMap,
    /// 三级指标 synonyms.
    pub level3: NameMap,
    /// The 二级指标 of each 一级指标 (canonical names), in order.
    pub hierarchy: IndexMap<String, Vec<String>>,
    placeholders: FastSet<String>,
    /// Units an 指标值 may carry after its number.
    pub units: Keywords<()>,
    money_units: FastSet<String>,
    money_words: Keywords<()>,
    percent_words: Keywords<()>,
    /// Comparator words and symbols.
    pub comparators: Keywords<Comparator>,
    /// Direction words.
    pub directions: Keywords<Direction>,
    /// Grade thresholds and the over-achievement ratio of self-evaluations.
    pub evaluation: EvaluationRules,
    /// The behind-schedule threshold and the 完成目标可能性 words of monitoring forms.
    pub monitoring: MonitoringRules,
}

impl Dictionary {
    /// The built-in dictionary.
    pub fn builtin() -> Dictionary {
        let mut dictionary = Dictionary::default();
        dictionary
            .merge_text(BUILTIN)
            .unwrap_or_else(|e| panic!("built-in templates/normalize.toml is invalid: {e}"));
        dictionary
    }

    /// Adds every dictionary file (`kind = "dictionary"`) of a folder, in name order.
    pub fn add_dir(&mut self, dir: &Path) -> Result<()> {
        for (shown, text) in files_of_kind(dir, DataKind::Dictionary)? {
            self.merge_text(&text)
                .map_err(|e| Error::in_file(&shown, ErrorKind::Template(e)))?;
        }
        Ok(())
    }

    /// Adds a dictionary file's entries to this one.
    pub fn merge_text(&mut self, text: &str) -> std::result::Result<(), String> {
        let file: DictionaryFile = toml::from_str(text).map_err(|e| e.message().to_owned())?;
        if file.kind != "dictionary" {
            return Err(format!(
                "kind 应为 \"dictionary\"，而不是 \"{}\"",
                file.kind
            ));
        }
        for (canonical, variants) in &file.level1 {
            self.level1.add(canonical, variants);
        }
        for (canonical, variants) in &file.level2 {
            self.level2.add(canonical, variants);
        }
        for (canonical, variants) in &file.level3 {
            self.level3.add(canonical, variants);
        }
        for (level1, level2s) in &file.hierarchy {
            let list = self.hierarchy.entry(level1.trim().to_owned()).or_default();
            for level2 in level2s {
                if !list.contains(level2) {
                    list.push(level2.trim().to_owned());
                }
            }
        }
        let values = file.values;
        self.placeholders
            .extend(values.placeholders.iter().map(|p| key(p)));
        for unit in values.units.iter().chain(&values.money_units) {
            self.units.insert(&fold_width(unit.trim()), ());
        }
        self.money_units
            .extend(values.money_units.iter().map(|u| fold_width(u.trim())));
        for word in &values.money_words {
            self.money_words.insert(word, ());
        }
        for word in &values.percent_words {
            self.percent_words.insert(word, ());
        }
        for (symbol, words) in &values.comparators {
            let comparator = Comparator::from_symbol(symbol)
                .ok_or_else(|| format!("未知的比较符“{symbol}”（可用：≥ > = < ≤）"))?;
            for word in words {
                self.comparators.insert(&fold_width(word), comparator);
            }
        }
        if let Some(evaluation) = &file.evaluation {
            if !evaluation.grades.is_empty() {
                let mut grades = Vec::new();
                for grade in &evaluation.grades {
                    grades.push((grade.grade.clone(), toml_decimal(&grade.min, "grades.min")?));
                }
                grades.sort_by_key(|(_, min)| std::cmp::Reverse(*min));
                self.evaluation.grades = grades;
            }
            if let Some(ratio) = &evaluation.over_achievement {
                self.evaluation.over_achievement = toml_decimal(ratio, "over_achievement")?;
            }
            if let Some(full) = &evaluation.full_score {
                self.evaluation.full_score = toml_decimal(full, "full_score")?;
            }
        }
        if let Some(monitoring) = &file.monitoring {
            if let Some(points) = &monitoring.behind_schedule_points {
                self.monitoring.behind_schedule_points =
                    toml_decimal(points, "behind_schedule_points")?;
            }
            for (canonical, variants) in &monitoring.likelihood {
                self.monitoring.add_likelihood(canonical, variants)?;
            }
        }
        for (name, words) in &values.directions {
            let direction = Direction::from_name(name).ok_or_else(|| {
                format!("未知的方向“{name}”（可用：increase decrease maintain achieve within）")
            })?;
            for word in words {
                self.directions.insert(word, direction);
            }
        }
        Ok(())
    }

    /// True for "无" and the like.
    pub fn is_placeholder(&self, text: &str) -> bool {
        self.placeholders.contains(&key(text))
    }

    /// True for a money unit (万元, 元 …).
    pub fn is_money_unit(&self, unit: &str) -> bool {
        self.money_units.contains(unit)
    }

    /// True when any of the texts names money (成本, 资金, 经费 …).
    pub fn is_about_money(&self, texts: &[&str]) -> bool {
        texts.iter().any(|t| self.money_words.any_in(t))
    }

    /// True when the text names a rate or a satisfaction (率, 满意度 …).
    pub fn is_about_percent(&self, text: &str) -> bool {
        self.percent_words.any_in(text)
    }

    /// True when the unit is one the dictionary lists.
    pub fn knows_unit(&self, unit: &str) -> bool {
        self.units.contains(unit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_names_map_through_spaces_width_and_a_missing_suffix() {
        let d = Dictionary::builtin();
        assert_eq!(d.level1.level("产出指标"), Some("产出指标"));
        assert_eq!(d.level1.level("产 出"), Some("产出指标"));
        assert_eq!(d.level1.level("成本指标"), Some("成本指标"));
        assert_eq!(
            d.level2.level("服务对象 满意度指标"),
            Some("服务对象满意度指标")
        );
        assert_eq!(d.level2.level("生态环境效益"), Some("生态效益指标"));
        assert_eq!(d.level2.level("经济成本"), Some("经济成本指标"));
        assert_eq!(d.level2.level("新闻宣传指标"), None);
        assert_eq!(d.level1.level(""), None);
    }

    #[test]
    fn a_users_file_adds_to_the_dictionary() {
        let mut d = Dictionary::builtin();
        assert_eq!(d.level3.exact("老百姓满意度"), None);
        d.merge_text("kind = \"dictionary\"\n[level3]\n\"服务对象满意度\" = [\"老百姓满意度\"]\n[values]\nunits = [\"标段\"]\n")
            .unwrap();
        assert_eq!(d.level3.exact("老百姓满意度"), Some("服务对象满意度"));
        assert_eq!(d.level3.exact("群众满意度"), Some("服务对象满意度"));
        assert!(d.knows_unit("标段"));
        let err = d
            .merge_text("kind = \"dictionary\"\n[values.comparators]\n\"≈\" = [\"约\"]\n")
            .unwrap_err();
        assert!(err.contains("≈"), "{err}");
    }
}
