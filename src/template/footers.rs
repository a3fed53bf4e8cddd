//! The lines at the foot of a form (`templates/footers.toml`): signatures, contacts, dates and
//! review opinions. A row starting with one of their labels ends an indicator table, and the
//! form's contact (填报人 / 联系人 / 项目负责人, 联系电话, 填报日期) is read from their labels.

use serde::Deserialize;

use super::{Alias, aliases};

/// The built-in footer labels.
const BUILTIN: &str = include_str!("../../templates/footers.toml");

/// Labels this short count as a footer line only with a colon or bracket after them ("日期：").
const SHORT: usize = 2;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FootersFile {
    #[allow(dead_code)]
    kind: String,
    footers: FootersDef,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FootersDef {
    #[serde(default)]
    person: Vec<String>,
    #[serde(default)]
    phone: Vec<String>,
    #[serde(default)]
    filed: Vec<String>,
    #[serde(default)]
    other: Vec<String>,
}

/// The footer labels, compiled.
#[derive(Debug, Clone)]
pub struct Footers {
    /// Whom to call, in order of preference.
    pub person: Vec<Alias>,
    /// 联系电话.
    pub phone: Vec<Alias>,
    /// 填报日期.
    pub filed: Vec<Alias>,
    /// Labels that name no contact.
    pub other: Vec<Alias>,
}

impl Footers {
    /// The built-in footer labels.
    pub fn builtin() -> Footers {
        Footers::parse(BUILTIN).expect("the built-in footers.toml is valid")
    }

    /// Parses a footers file.
    pub fn parse(text: &str) -> Result<Footers, String> {
        let file: FootersFile = toml::from_str(text).map_err(|e| e.message().to_owned())?;
        Ok(Footers {
            person: aliases(&file.footers.person),
            phone: aliases(&file.footers.phone),
            filed: aliases(&file.footers.filed),
            other: aliases(&file.footers.other),
        })
    }

    /// Adds another file's labels to these.
    pub fn extend(&mut self, other: Footers) {
        self.person.extend(other.person);
        self.phone.extend(other.phone);
        self.filed.extend(other.filed);
        self.other.extend(other.other);
    }

    /// Every footer label.
    pub fn all(&self) -> impl Iterator<Item = &Alias> {
        self.person
            .iter()
            .chain(&self.phone)
            .chain(&self.filed)
            .chain(&self.other)
    }

    /// True when a cell's folded text (see `text::fold_label`) begins a footer line.
    pub fn starts_line(&self, folded: &str) -> bool {
        self.all().any(|alias| {
            let Some(rest) = folded.strip_prefix(alias.text.as_str()) else {
                return false;
            };
            let short = alias.text.chars().count() <= SHORT;
            rest.is_empty() && !short || rest.starts_with([':', '(', '[', '（'])
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::fold_label;

    #[test]
    fn footer_lines_are_told_from_indicator_names() {
        let footers = Footers::builtin();
        for line in [
            "单位负责人（签章）：",
            "填报人：周晓雯",
            "联系电话：021-64301255",
            "填 报 日 期：2025年8月8日",
            "主管部门审核意见",
            "日期：2025年10月20日",
            "审核人",
        ] {
            assert!(footers.starts_line(&fold_label(line)), "{line}");
        }
        for name in [
            "日期准确率",
            "联系群众户数",
            "电话回访率",
            "签字确认率",
            "社区居民满意度",
        ] {
            assert!(!footers.starts_line(&fold_label(name)), "{name}");
        }
    }
}
