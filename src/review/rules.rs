//! The review rules as data (`templates/review.toml`, built in): loading them, and letting a user's
//! file add a rule or change one by its id — only the keys it writes — without a rebuild.

use std::path::Path;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::Deserialize;

use crate::data_files::{DataKind, files_of_kind};
use crate::error::{Error, ErrorKind, Result};
use crate::keywords::Keywords;
use crate::model::{FindingLevel, FormKind};

const BUILTIN: &str = include_str!("../../templates/review.toml");

/// The words of the three conclusions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conclusions {
    /// No error and no warning: 通过.
    pub pass: String,
    /// Warnings only: 需关注.
    pub attention: String,
    /// Any error: 退回修改.
    pub send_back: String,
}

/// What a rule checks, with its parameters.
#[derive(Debug, Clone)]
pub enum Check {
    /// Each level needs a real indicator as 一级指标.
    RequiredLevels(Vec<String>),
    /// One of the levels, as 一级 or 二级指标.
    RequiredAny(Vec<String>),
    /// A quantitative indicator under one of the levels (一级).
    QuantitativeUnder(Vec<String>),
    /// A qualitative 指标值 holding one of the words.
    VagueWords(Keywords<usize>, Vec<String>),
    /// A date in a 指标值 under the levels (二级) after the project's end.
    Deadline(Vec<String>),
    /// An indicator under the levels (一级 or 二级) with ≥, > or no number.
    UpperBound(Vec<String>),
    /// A rate above the limit (%).
    PercentOver {
        /// The limit, in %.
        limit: Decimal,
        /// Words naming a rate.
        words: Vec<String>,
        /// Words naming a growth, which may exceed the limit.
        except_words: Vec<String>,
    },
    /// A satisfaction under the threshold (%).
    SatisfactionBelow {
        /// The threshold, in %.
        threshold: Decimal,
        /// Words naming a satisfaction.
        words: Vec<String>,
    },
    /// Goals blank or only repeating the project name.
    BlankGoal(Vec<String>),
    /// Quantities in the 年度总体目标 no indicator measures.
    GoalQuantities,
    /// Warnings of these codes, as findings.
    Warning(Vec<String>),
    /// A department's task with no amount.
    TaskAmounts,
    /// An indicator's target made easier than last year's (from the store).
    LoweredVsLastYear,
    /// This year's 年度资金申请总额 changed from last year's by more than `threshold` %.
    FundsChange {
        /// The threshold, in %.
        threshold: Decimal,
    },
}

/// A compiled rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Stable id.
    pub id: String,
    /// The name a reviewer reads.
    pub name: String,
    /// How serious its findings are.
    pub level: FindingLevel,
    /// What it checks.
    pub check: Check,
    /// The message, with {placeholders}.
    pub message: String,
    /// Template ids it applies to (all when empty).
    pub templates: Vec<String>,
    /// The kinds of form it reviews (`target` when the rule says none).
    pub kinds: Vec<FormKind>,
    /// First budget year it applies to.
    pub from_year: Option<i32>,
    /// Last budget year it applies to.
    pub to_year: Option<i32>,
}

impl Rule {
    /// True when the rule applies to a form of this template and year. A year-bound rule does not
    /// apply to a form without a year (it cannot be judged; the form has a missing_year warning).
    pub fn applies(&self, template: &str, year: Option<i32>) -> bool {
        self.applies_to(FormKind::Target, template, year)
    }

    /// [`Rule::applies`] for a form of a kind.
    pub fn applies_to(&self, kind: FormKind, template: &str, year: Option<i32>) -> bool {
        if !self.kinds.contains(&kind) {
            return false;
        }
        let template_ok = self.templates.is_empty() || self.templates.iter().any(|t| t == template);
        let bounded = self.from_year.is_some() || self.to_year.is_some();
        let year_ok = match year {
            Some(y) => self.from_year.is_none_or(|f| y >= f) && self.to_year.is_none_or(|t| y <= t),
            None => !bounded,
        };
        template_ok && year_ok
    }
}

/// The rules in use and the conclusion words.
#[derive(Debug, Clone)]
pub struct RuleSet {
    /// The conclusion words.
    pub conclusions: Conclusions,
    /// The enabled rules, in order.
    pub rules: Vec<Rule>,
}

/// A rule as written: every key optional, so a user's file may change a few.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleDef {
    id: String,
    name: Option<String>,
    level: Option<FindingLevel>,
    check: Option<String>,
    message: Option<String>,
    templates: Option<Vec<String>>,
    kinds: Option<Vec<FormKind>>,
    from_year: Option<i32>,
    to_year: Option<i32>,
    enabled: Option<bool>,
    levels: Option<Vec<String>>,
    words: Option<Vec<String>>,
    except_words: Option<Vec<String>>,
    limit: Option<toml::Value>,
    threshold: Option<toml::Value>,
    goals: Option<Vec<String>>,
    codes: Option<Vec<String>>,
}

impl RuleDef {
    /// This rule with the keys `other` writes put over its own.
    fn merged(mut self, other: RuleDef) -> RuleDef {
        macro_rules! take {
            ($($key:ident),*) => { $( if other.$key.is_some() { self.$key = other.$key; } )* };
        }
        take!(
            name,
            level,
            check,
            message,
            templates,
            kinds,
            from_year,
            to_year,
            enabled,
            levels,
            words,
            except_words,
            limit,
            threshold,
            goals,
            codes
        );
        self
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    kind: String,
    #[serde(default)]
    conclusions: Option<ConclusionsDef>,
    #[serde(default)]
    rules: Vec<RuleDef>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConclusionsDef {
    pass: Option<String>,
    attention: Option<String>,
    send_back: Option<String>,
}

/// Rules being gathered from the built-in file and users' files, before compiling.
#[derive(Debug, Clone)]
pub struct RuleSources {
    conclusions: Conclusions,
    rules: Vec<RuleDef>,
}

impl RuleSources {
    /// The built-in rules.
    pub fn builtin() -> RuleSources {
        let mut sources = RuleSources {
            conclusions: Conclusions {
                pass: "通过".into(),
                attention: "需关注".into(),
                send_back: "退回修改".into(),
            },
            rules: Vec::new(),
        };
        sources
            .merge_text(BUILTIN)
            .unwrap_or_else(|e| panic!("built-in templates/review.toml is invalid: {e}"));
        sources
    }

    /// Adds every review file (`kind = "review"`) of a folder, in name order.
    pub fn add_dir(&mut self, dir: &Path) -> Result<()> {
        for (shown, text) in files_of_kind(dir, DataKind::Review)? {
            self.merge_text(&text)
                .map_err(|e| Error::in_file(&shown, ErrorKind::Template(e)))?;
        }
        Ok(())
    }

    /// Adds one review file.
    pub fn add_file(&mut self, path: &Path) -> Result<()> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::in_file(&shown, ErrorKind::Template(e.to_string())))?;
        self.merge_text(&text)
            .map_err(|e| Error::in_file(&shown, ErrorKind::Template(e)))
    }

    /// Adds a review file's rules: a new id is appended, a known one changed key by key.
    pub fn merge_text(&mut self, text: &str) -> std::result::Result<(), String> {
        let file: RulesFile = toml::from_str(text).map_err(|e| e.message().to_owned())?;
        if file.kind != "review" {
            return Err(format!("kind 应为 \"review\"，而不是 \"{}\"", file.kind));
        }
        if let Some(c) = file.conclusions {
            let words = &mut self.conclusions;
            for (slot, word) in [
                (&mut words.pass, c.pass),
                (&mut words.attention, c.attention),
                (&mut words.send_back, c.send_back),
            ] {
                if let Some(word) = word {
                    *slot = word;
                }
            }
        }
        for rule in file.rules {
            match self.rules.iter_mut().find(|r| r.id == rule.id) {
                Some(known) => *known = std::mem::take(known).merged(rule),
                None => self.rules.push(rule),
            }
        }
        Ok(())
    }

    /// Compiles the rules; the error names the rule and what is wrong with it.
    pub fn compile(&self) -> std::result::Result<RuleSet, String> {
        let mut rules = Vec::new();
        for def in &self.rules {
            if def.enabled == Some(false) {
                continue;
            }
            rules.push(compile(def).map_err(|e| format!("审核规则“{}”：{e}", def.id))?);
        }
        Ok(RuleSet {
            conclusions: self.conclusions.clone(),
            rules,
        })
    }
}

fn compile(def: &RuleDef) -> std::result::Result<Rule, String> {
    let list = |key: &str, value: &Option<Vec<String>>| {
        value
            .clone()
            .filter(|v| !v.is_empty())
            .ok_or_else(|| format!("需要 {key}"))
    };
    let number = |key: &str, value: &Option<toml::Value>| match value {
        Some(toml::Value::Integer(i)) => Ok(Decimal::from(*i)),
        Some(toml::Value::Float(f)) => Decimal::from_str(&f.to_string()).map_err(|e| e.to_string()),
        _ => Err(format!("需要数字 {key}")),
    };
    let check_name = def.check.as_deref().ok_or("需要 check")?;
    let check = match check_name {
        "required_levels" => Check::RequiredLevels(list("levels", &def.levels)?),
        "required_any" => Check::RequiredAny(list("levels", &def.levels)?),
        "quantitative_under" => Check::QuantitativeUnder(list("levels", &def.levels)?),
        "vague_words" => {
            let words = list("words", &def.words)?;
            let mut keywords = Keywords::default();
            for (index, word) in words.iter().enumerate() {
                keywords.insert(word, index);
            }
            Check::VagueWords(keywords, words)
        }
        "deadline" => Check::Deadline(list("levels", &def.levels)?),
        "upper_bound" => Check::UpperBound(list("levels", &def.levels)?),
        "percent_over" => Check::PercentOver {
            limit: number("limit", &def.limit)?,
            words: list("words", &def.words)?,
            except_words: def.except_words.clone().unwrap_or_default(),
        },
        "satisfaction_below" => Check::SatisfactionBelow {
            threshold: number("threshold", &def.threshold)?,
            words: list("words", &def.words)?,
        },
        "blank_goal" => {
            let goals = list("goals", &def.goals)?;
            if let Some(bad) = goals
                .iter()
                .find(|g| !matches!(g.as_str(), "overall_goal" | "annual_goal"))
            {
                return Err(format!(
                    "goals 只能是 overall_goal、annual_goal，而不是“{bad}”"
                ));
            }
            Check::BlankGoal(goals)
        }
        "goal_quantities" => Check::GoalQuantities,
        "warning" => Check::Warning(list("codes", &def.codes)?),
        "task_amounts" => Check::TaskAmounts,
        "lowered_vs_last_year" => Check::LoweredVsLastYear,
        "funds_change" => Check::FundsChange {
            threshold: number("threshold", &def.threshold)?,
        },
        other => {
            return Err(format!(
                "未知的 check“{other}”（可用：required_levels required_any quantitative_under \
                 vague_words deadline upper_bound percent_over satisfaction_below blank_goal \
                 goal_quantities warning task_amounts lowered_vs_last_year funds_change）"
            ));
        }
    };
    Ok(Rule {
        id: def.id.clone(),
        name: def.name.clone().unwrap_or_else(|| def.id.clone()),
        level: def.level.ok_or("需要 level（error、warning 或 info）")?,
        check,
        message: def.message.clone().ok_or("需要 message")?,
        templates: def.templates.clone().unwrap_or_default(),
        kinds: def
            .kinds
            .clone()
            .filter(|k| !k.is_empty())
            .unwrap_or_else(|| vec![FormKind::Target]),
        from_year: def.from_year,
        to_year: def.to_year,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_rules_compile_and_a_users_file_changes_one_by_its_id() {
        let mut sources = RuleSources::builtin();
        let rules = sources.compile().unwrap();
        assert!(rules.rules.len() >= 14);
        let vague = rules.rules.iter().find(|r| r.id == "vague_value").unwrap();
        assert_eq!(vague.level, FindingLevel::Warning);
        sources
            .merge_text("kind = \"review\"\n[[rules]]\nid = \"vague_value\"\nlevel = \"error\"\n[[rules]]\nid = \"blank_goal\"\nenabled = false\n")
            .unwrap();
        let rules = sources.compile().unwrap();
        let vague = rules.rules.iter().find(|r| r.id == "vague_value").unwrap();
        assert_eq!(vague.level, FindingLevel::Error);
        assert!(vague.message.contains("{word}"), "the other keys are kept");
        assert!(!rules.rules.iter().any(|r| r.id == "blank_goal"));
        let err = sources
            .merge_text("kind = \"review\"\n[[rules]]\nid = \"x\"\nlevel = \"error\"\ncheck = \"nonsense\"\nmessage = \"m\"\n")
            .and_then(|()| sources.compile().map(|_| ()))
            .unwrap_err();
        assert!(err.contains("“x”") && err.contains("nonsense"), "{err}");
    }
}
