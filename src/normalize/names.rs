//! Department and unit names: the code some systems put before the name ("[610001]湖南省…",
//! "219-池州市…", "219001 池州市…") is split off, so one department never appears twice.

use crate::text::{fold_width, is_cjk};

/// Splits a leading (or trailing, bracketed) code off a name: `(code, name)`. A name without a
/// code comes back whole, with no code.
pub fn split_code(text: &str) -> (Option<String>, String) {
    let folded = fold_width(text.trim());
    if let Some(split) = leading_code(&folded).or_else(|| trailing_code(&folded)) {
        return split;
    }
    (None, folded)
}

/// Splits a budget-system project code off a project name written "CODE-名称"
/// ("51092324T000010263357-2023年全县安可替代补助资金项目"): a code of at least six letters and
/// digits (digits among them), then "-", "—" or spaces, then a name with Chinese in it. Any
/// other name comes back whole, with no code.
pub fn split_project_code(text: &str) -> (Option<String>, String) {
    let folded = fold_width(text.trim());
    let code: String = folded
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    let rest = &folded[code.len()..];
    let name = rest.trim_start_matches(['-', '—', '–', '_', ' ']);
    let separated = name.len() < rest.len();
    if code.chars().count() >= 6
        && code.chars().any(|c| c.is_ascii_digit())
        && separated
        && name.chars().any(is_cjk)
    {
        return (Some(code), name.trim().to_owned());
    }
    (None, folded)
}

const OPEN: &[char] = &['[', '【', '(', '（', '〔', '［'];
const CLOSE: &[char] = &[']', '】', ')', '）', '〕', '］'];
const SEPARATORS: &[char] = &['-', '_', ':', '：', '.', '、', '—', ' ', '|'];

fn is_code_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
}

fn is_code(code: &str) -> bool {
    let digits = code.chars().filter(char::is_ascii_digit).count();
    (2..=20).contains(&code.chars().count()) && digits * 2 >= code.chars().count()
}

fn leading_code(text: &str) -> Option<(Option<String>, String)> {
    let chars: Vec<char> = text.chars().collect();
    let bracketed = chars.first().is_some_and(|c| OPEN.contains(c));
    let start = usize::from(bracketed);
    let end = start
        + chars[start..]
            .iter()
            .take_while(|c| is_code_char(**c))
            .count();
    let code: String = chars[start..end].iter().collect();
    if !is_code(&code) || !code.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut rest = end;
    if bracketed {
        if !chars.get(rest).is_some_and(|c| CLOSE.contains(c)) {
            return None;
        }
        rest += 1;
    } else {
        let separated = chars.get(rest).is_some_and(|c| SEPARATORS.contains(c));
        // "219001池州市…" is a code; "2023年度…" and "3个…" are words.
        let joined = chars
            .get(rest)
            .is_some_and(|c| is_cjk(*c) && !"年月日号届期级个家人万亿元次项第".contains(*c));
        if !separated && !joined {
            return None;
        }
    }
    while chars.get(rest).is_some_and(|c| SEPARATORS.contains(c)) {
        rest += 1;
    }
    let name: String = chars[rest..].iter().collect::<String>().trim().to_owned();
    if name.chars().count() < 2 || !name.chars().any(is_cjk) {
        return None;
    }
    Some((Some(code), name))
}

fn trailing_code(text: &str) -> Option<(Option<String>, String)> {
    let chars: Vec<char> = text.chars().collect();
    if !chars.last().is_some_and(|c| CLOSE.contains(c)) {
        return None;
    }
    let close = chars.len() - 1;
    let open = chars[..close].iter().rposition(|c| OPEN.contains(c))?;
    let code: String = chars[open + 1..close].iter().collect();
    if !is_code(&code) || !code.chars().all(is_code_char) {
        return None;
    }
    let name: String = chars[..open].iter().collect::<String>().trim().to_owned();
    if name.chars().count() < 2 {
        return None;
    }
    Some((Some(code), name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_project_code_before_the_name_is_split_off() {
        assert_eq!(
            split_project_code("51092324T000010263357-2023年全县安可替代补助资金项目"),
            (
                Some("51092324T000010263357".into()),
                "2023年全县安可替代补助资金项目".into()
            )
        );
        assert_eq!(
            split_project_code("310112250004 社区公共空间微更新")
                .0
                .as_deref(),
            Some("310112250004")
        );
        for name in [
            "2023-2025年道路养护",
            "G318-国道养护",
            "社区公共空间微更新",
            "ABCDEFG-名称",
        ] {
            assert_eq!(split_project_code(name).0, None, "{name}");
        }
    }

    fn split(text: &str) -> (Option<&str>, String) {
        let (code, name) = split_code(text);
        (code.map(|c| Box::leak(c.into_boxed_str()) as &str), name)
    }

    #[test]
    fn codes_come_off_in_the_usual_spellings() {
        assert_eq!(
            split("[610001]湖南省财政厅"),
            (Some("610001"), "湖南省财政厅".into())
        );
        assert_eq!(
            split("【610001】湖南省财政厅"),
            (Some("610001"), "湖南省财政厅".into())
        );
        assert_eq!(
            split("219-池州市城市管理局"),
            (Some("219"), "池州市城市管理局".into())
        );
        assert_eq!(
            split("219001-池州市城市管理局"),
            (Some("219001"), "池州市城市管理局".into())
        );
        assert_eq!(
            split("219001 池州市城市管理局"),
            (Some("219001"), "池州市城市管理局".into())
        );
        assert_eq!(
            split("219001池州市城市管理局"),
            (Some("219001"), "池州市城市管理局".into())
        );
        assert_eq!(split("  吴泾镇人民政府  "), (None, "吴泾镇人民政府".into()));
        assert_eq!(
            split("吴泾镇人民政府(310112)"),
            (Some("310112"), "吴泾镇人民政府".into())
        );
        assert_eq!(
            split("１０３００１－某某局"),
            (Some("103001"), "某某局".into())
        );
    }

    #[test]
    fn names_that_only_look_like_codes_stay_whole() {
        assert_eq!(
            split("吴泾镇人民政府（镇本级）"),
            (None, "吴泾镇人民政府（镇本级）".into())
        );
        assert_eq!(split("12"), (None, "12".into()));
        assert_eq!(split(""), (None, "".into()));
        assert_eq!(split("2023年度项目组"), (None, "2023年度项目组".into()));
    }
}
