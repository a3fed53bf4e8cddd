//! What every output shares about a project: its stable id, the department it is grouped under,
//! how amounts are written exactly, and how text is made safe for spreadsheets.

use std::borrow::Cow;

use rust_decimal::Decimal;

use crate::model::Project;

/// The group of forms whose 主管部门 is blank; they are never dropped.
pub const BLANK_DEPARTMENT: &str = "（未填写主管部门）";

/// The 主管部门 a project is counted under.
pub fn department_group(project: &Project) -> &str {
    let name = project.department.trim();
    if name.is_empty() {
        BLANK_DEPARTMENT
    } else {
        name
    }
}

/// A stable project id from year + 主管部门 + 项目名称: "2023-9f2c41d0a7b3e815". The same project
/// read from two files gets the same id, which is how duplicates are recognised.
/// (Made without `format!`: it is asked for several times a form, by every output.)
pub fn project_id(project: &Project) -> String {
    let mut id = String::with_capacity(21);
    match project.year {
        Some(y @ 0..=9999) => {
            let y = y as u32;
            id.extend(
                [y / 1000, y / 100 % 10, y / 10 % 10, y % 10].map(|d| (b'0' + d as u8) as char),
            );
        }
        Some(y) => id.push_str(&format!("{y:04}")),
        None => id.push_str("0000"),
    }
    let key: [&[u8]; 5] = [
        id.as_bytes(),
        b"|",
        department_group(project).as_bytes(),
        b"|",
        project.project_name.trim().as_bytes(),
    ];
    let hash = key
        .iter()
        .fold(FNV_OFFSET, |hash, part| fnv1a_from(hash, part));
    id.push('-');
    id.extend(
        (0..16)
            .rev()
            .map(|at| HEX[(hash >> (at * 4)) as usize & 0xf] as char),
    );
    id
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// FNV-1a's starting value (64 bits).
const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a, 64 bits: a stable hash (the same on every platform and release).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    fnv1a_from(FNV_OFFSET, bytes)
}

/// FNV-1a of `bytes` continued from `hash` (of the bytes before them).
fn fnv1a_from(hash: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(hash, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// An amount written exactly with at least two decimals: 112.5 → "112.50", 0.000037 stays.
pub fn fixed2(amount: Decimal) -> String {
    let amount = amount.normalize();
    if amount.scale() <= 2 {
        format!("{amount:.2}")
    } else {
        amount.to_string()
    }
}

/// Text for a CSV cell that a spreadsheet will not run as a formula: a leading = + - @ tab, CR or
/// LF gets an apostrophe in front, as OWASP advises. Numbers are never passed through here.
pub fn neutralize(text: &str) -> Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r', '\n']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// The most characters an Excel cell holds (UTF-16 code units: a character outside the Basic
/// Multilingual Plane, such as an emoji or a rare CJK ideograph, counts two).
pub const EXCEL_CELL_CHARS: usize = 32_767;

/// Text cut to fit an Excel cell, and whether it was cut (an ellipsis marks the cut).
pub fn fit_cell(text: &str) -> (Cow<'_, str>, bool) {
    // A character is at least one byte and at most two UTF-16 units per byte it takes.
    if text.len() <= EXCEL_CELL_CHARS {
        return (Cow::Borrowed(text), false);
    }
    if text.encode_utf16().count() <= EXCEL_CELL_CHARS {
        return (Cow::Borrowed(text), false);
    }
    let mut units = 0;
    let mut cut = 0;
    for (at, c) in text.char_indices() {
        // Room for the ellipsis (one unit) after the kept text.
        if units + c.len_utf16() > EXCEL_CELL_CHARS - 1 {
            break;
        }
        units += c.len_utf16();
        cut = at + c.len_utf8();
    }
    let mut shortened = text[..cut].to_owned();
    shortened.push('…');
    (Cow::Owned(shortened), true)
}

/// The display width of a text in Excel's character units (a CJK character is two): its widest
/// line, lines split as `str::lines` splits them.
pub fn display_width(text: &str) -> usize {
    let bytes = text.as_bytes();
    if memchr::memchr(b'\n', bytes).is_none() {
        // One line (the loop below, in a form the compiler vectorizes): ASCII counts one, any
        // other character two by its first byte.
        return bytes
            .iter()
            .map(|&b| usize::from(b < 0x80) + 2 * usize::from(b >= 0xC0))
            .sum();
    }
    let (mut widest, mut width) = (0, 0);
    for (at, &b) in bytes.iter().enumerate() {
        match b {
            b'\n' => {
                // "\r\n" ends a line as "\n" does.
                if at > 0 && bytes[at - 1] == b'\r' {
                    width -= 1;
                }
                widest = widest.max(width);
                width = 0;
            }
            0..=0x7F => width += 1,
            // A character's first byte outside ASCII; continuation bytes (0x80–0xBF) add nothing.
            0xC0.. => width += 2,
            _ => {}
        }
    }
    widest.max(width)
}

/// A sheet name Excel accepts (no []:*?/\, at most 31 characters) not yet used.
pub fn unique_sheet_name(name: &str, used: &[String]) -> String {
    let clean: String = name
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .collect::<String>()
        .trim_matches('\'')
        .to_owned();
    let clean = if clean.is_empty() {
        "主管部门".to_owned()
    } else {
        clean
    };
    let taken = |candidate: &str| used.iter().any(|u| u.eq_ignore_ascii_case(candidate));
    for n in 1.. {
        let suffix = if n == 1 {
            String::new()
        } else {
            format!(" ({n})")
        };
        let room = 31 - suffix.chars().count();
        let candidate: String = clean.chars().take(room).collect::<String>() + &suffix;
        if !taken(&candidate) {
            return candidate;
        }
    }
    unreachable!("some suffix is free")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_depend_on_year_department_and_name() {
        let p = Project {
            year: Some(2023),
            department: "吴泾镇人民政府".into(),
            project_name: "应急救援".into(),
            ..Project::default()
        };
        let id = project_id(&p);
        assert!(id.starts_with("2023-") && id.len() == 21, "{id}");
        assert_eq!(project_id(&p.clone()), id);
        let other = Project {
            project_name: "应急救援2".into(),
            ..p.clone()
        };
        assert_ne!(project_id(&other), id);
        // As it was first written (with format!), for years of every width and none.
        let formatted = |p: &Project| {
            let year = p
                .year
                .map_or_else(|| "0000".to_owned(), |y| format!("{y:04}"));
            let key = format!("{year}|{}|{}", department_group(p), p.project_name.trim());
            format!("{year}-{:016x}", fnv1a(key.as_bytes()))
        };
        for year in [
            None,
            Some(0),
            Some(7),
            Some(999),
            Some(2023),
            Some(9999),
            Some(12345),
            Some(-3),
        ] {
            for (department, name) in [("", ""), (" 民政局 ", " 项目 "), ("a|b", "c")] {
                let p = Project {
                    year,
                    department: department.into(),
                    project_name: name.into(),
                    ..Project::default()
                };
                assert_eq!(
                    project_id(&p),
                    formatted(&p),
                    "{year:?} {department} {name}"
                );
            }
        }
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn amounts_keep_every_digit() {
        assert_eq!(fixed2("112.5".parse().unwrap()), "112.50");
        assert_eq!(fixed2("1125000".parse().unwrap()), "1125000.00");
        assert_eq!(fixed2("0.000037".parse().unwrap()), "0.000037");
        assert_eq!(fixed2("-3.10".parse().unwrap()), "-3.10");
    }

    #[test]
    fn formula_like_text_is_made_inert() {
        assert_eq!(neutralize("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralize("-1+1"), "'-1+1");
        assert_eq!(neutralize("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralize("\tcmd"), "'\tcmd");
        assert_eq!(neutralize("应急救援"), "应急救援");
    }

    #[test]
    fn long_text_is_cut_to_an_excel_cell() {
        let long = "字".repeat(EXCEL_CELL_CHARS + 10);
        let (cut, was_cut) = fit_cell(&long);
        assert!(was_cut);
        assert_eq!(cut.chars().count(), EXCEL_CELL_CHARS);
        assert!(!fit_cell("短").1);
        assert_eq!(display_width("吴泾镇 ab"), 9);
    }

    #[test]
    fn a_cut_counts_utf16_units_as_excel_does() {
        // 20,000 emoji are 40,000 UTF-16 units: more than a cell holds, fewer than 32,767 chars.
        let emoji = "😀".repeat(20_000);
        let (cut, was_cut) = fit_cell(&emoji);
        assert!(was_cut);
        assert!(
            cut.encode_utf16().count() <= EXCEL_CELL_CHARS,
            "{}",
            cut.len()
        );
        assert_eq!(cut.encode_utf16().count(), EXCEL_CELL_CHARS); // 16,383 emoji and "…"
        assert!(cut.ends_with('…'));
        // Exactly at the limit: kept whole.
        let full = "字".repeat(EXCEL_CELL_CHARS);
        assert_eq!(fit_cell(&full), (Cow::Borrowed(full.as_str()), false));
    }

    #[test]
    fn widths_count_the_widest_line_cjk_double() {
        let slow = |text: &str| -> usize {
            text.lines()
                .map(|line| line.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum())
                .max()
                .unwrap_or(0)
        };
        for text in [
            "",
            "\n",
            "a",
            "吴泾镇",
            "ab\r\n字字字",
            "字\r\nabcdefg\n",
            "a\rb",
            "😀é",
            "line\n\n\nlonger line",
            "\r\n\r\n",
            "末行\r",
        ] {
            assert_eq!(display_width(text), slow(text), "{text:?}");
        }
    }
}
