//! Reading the values of form cells: amounts as exact decimals, dates from serials or the many
//! ways forms write them, the ticked box of a choice, and the year of a title.
//!
//! Every function takes what the cell holds and says plainly when it could not read it, so the
//! caller can warn with the cell's name instead of guessing.

use std::str::FromStr;

use rust_decimal::Decimal;

use super::grid::CellValue;
use crate::model::{Date, MoneyUnit, days_in_month, spreadsheet_decimal};
use crate::text::{clean_inline, fold_char, is_space, strip_html};

/// What an amount cell holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Amount {
    /// Nothing (blank, "-", "无"): the figure is absent, not zero.
    Blank,
    /// A figure, in 万元.
    Value(Decimal),
    /// Something that is not an amount.
    Invalid,
}

/// Reads an amount cell; `unit` is the unit the form uses unless the text names its own.
pub fn parse_amount(value: Option<&CellValue>, unit: MoneyUnit) -> Amount {
    match value {
        None => Amount::Blank,
        Some(CellValue::Number(n)) => match decimal_from_f64(*n) {
            Some(d) => Amount::Value(unit.to_wan(d).normalize()),
            None => Amount::Invalid,
        },
        Some(CellValue::Text(text)) => parse_amount_text(text, unit),
        Some(_) => Amount::Invalid,
    }
}

/// Words and marks that mean "nothing here" in an amount or date cell.
const BLANK_MARKS: &[&str] = &[
    "-", "--", "—", "——", "–", "/", "\\", "无", "空", "暂无", "n/a", "N/A",
];

/// Reads an amount written as text: "112.50", "62.96万元", "1,125,000.00", "￥3.5万", "350元".
pub fn parse_amount_text(text: &str, unit: MoneyUnit) -> Amount {
    let folded: String = strip_html(text)
        .chars()
        .filter_map(fold_char)
        .map(|c| if c == '￥' { '¥' } else { c })
        .collect();
    if folded.is_empty() || BLANK_MARKS.contains(&folded.as_str()) {
        return Amount::Blank;
    }
    let mut rest = folded.as_str();
    for prefix in ["人民币", "RMB", "¥"] {
        rest = rest.strip_prefix(prefix).unwrap_or(rest);
    }
    let mut scale = Decimal::ONE; // multiplier into 万元
    let mut text_unit = None;
    for (suffix, factor) in [("万元", 1i64), ("千元", -1), ("元", -4), ("万", 1)] {
        if let Some(stem) = rest.strip_suffix(suffix) {
            rest = stem;
            text_unit = Some(factor);
            break;
        }
    }
    match text_unit {
        Some(1) => {}
        Some(exponent) => scale = Decimal::new(1, (-exponent) as u32),
        None if unit == MoneyUnit::Yuan => scale = Decimal::new(1, 4),
        None => {}
    }
    let digits: String = rest.chars().filter(|&c| c != ',').collect();
    match parse_plain_decimal(&digits) {
        Some(d) => Amount::Value((d * scale).normalize()),
        None => Amount::Invalid,
    }
}

/// Parses "-12.50" style decimals only (no exponent, no stray characters).
fn parse_plain_decimal(text: &str) -> Option<Decimal> {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let mut dots = 0;
    let valid = !body.is_empty()
        && body.chars().all(|c| {
            if c == '.' {
                dots += 1;
            }
            c.is_ascii_digit() || c == '.'
        })
        && dots <= 1
        && body.chars().any(|c| c.is_ascii_digit());
    if !valid {
        return None;
    }
    Decimal::from_str(text.trim_start_matches('+')).ok()
}

/// What a number cell (分值, 权重, 得分) holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Number {
    /// Nothing (blank, "—", "/").
    Blank,
    /// A number, exact.
    Value(Decimal),
    /// Something that is not a number.
    Invalid,
}

/// Reads a score or weight: a number, or text such as "9.5", "9.5分", "10.00".
pub fn parse_number(value: Option<&CellValue>) -> Number {
    match value {
        None => Number::Blank,
        Some(CellValue::Number(n)) => decimal_from_f64(*n).map_or(Number::Invalid, Number::Value),
        Some(CellValue::Text(text)) => {
            let folded: String = strip_html(text).chars().filter_map(fold_char).collect();
            if folded.is_empty() || BLANK_MARKS.contains(&folded.as_str()) {
                return Number::Blank;
            }
            let body = folded.strip_suffix('分').unwrap_or(&folded);
            parse_plain_decimal(body).map_or(Number::Invalid, |d| Number::Value(d.normalize()))
        }
        Some(_) => Number::Invalid,
    }
}

/// Reads a rate (执行率): "95.37%", 0.987759 (an Excel percentage), 95.37 (percent points), "—".
/// A bare number above 2 is taken as percent points. Returns (as written, fraction, decimal
/// places of the fraction as written), or `None` for a blank; `Some(Err(text))` when unreadable.
pub fn parse_rate(value: Option<&CellValue>) -> Option<Result<crate::model::Rate, String>> {
    let (written, percent_sign, digits) = match value? {
        CellValue::Number(n) => {
            let d = decimal_from_f64(*n)?;
            (format_number(*n), false, d)
        }
        CellValue::Text(text) => {
            let folded: String = strip_html(text).chars().filter_map(fold_char).collect();
            if folded.is_empty() || BLANK_MARKS.contains(&folded.as_str()) {
                return None;
            }
            let (body, percent) = match folded.strip_suffix('%') {
                Some(body) => (body, true),
                None => (folded.as_str(), false),
            };
            match parse_plain_decimal(body) {
                Some(d) => (text.trim().to_owned(), percent, d),
                None => return Some(Err(text.trim().to_owned())),
            }
        }
        other => return Some(Err(cell_text(other))),
    };
    let as_percent = percent_sign || digits > Decimal::TWO;
    let (fraction, places) = if as_percent {
        (digits / Decimal::ONE_HUNDRED, digits.scale() + 2)
    } else {
        (digits, digits.scale())
    };
    Some(Ok(crate::model::Rate {
        written,
        fraction: fraction.normalize(),
        places,
    }))
}

/// The decimal a spreadsheet shows for a float (see [`spreadsheet_decimal`]).
pub fn decimal_from_f64(value: f64) -> Option<Decimal> {
    spreadsheet_decimal(value)
}

/// A number as a person reads it in a text field: whole numbers without ".0", others with up to
/// 15 significant digits.
pub fn format_number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        return format!("{}", value as i64);
    }
    decimal_from_f64(value).map_or_else(|| value.to_string(), |d| d.to_string())
}

/// A cell's content as text, whatever its type (numbers as a person reads them, dates ISO).
pub fn cell_text(value: &CellValue) -> String {
    match value {
        CellValue::Text(text) => text.to_string(),
        CellValue::Number(n) => format_number(*n),
        CellValue::Bool(b) => if *b { "是" } else { "否" }.to_owned(),
        CellValue::Date(date) => date.to_string(),
        CellValue::Error(e) => e.to_string(),
    }
}

/// A cell's text on one line, cleaned (`clean_inline`), without copying a text cell twice.
pub fn inline_text(value: &CellValue) -> String {
    match value {
        CellValue::Text(text) => clean_inline(text),
        other => clean_inline(&cell_text(other)),
    }
}

/// What a date cell holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateRead {
    /// Nothing.
    Blank,
    /// A whole date.
    Full(Date),
    /// A month or a year only, completed to its first or last day.
    Partial(Date),
    /// Something that is not a date.
    Invalid,
}

impl DateRead {
    /// The date, if any.
    pub fn date(self) -> Option<Date> {
        match self {
            DateRead::Full(d) | DateRead::Partial(d) => Some(d),
            DateRead::Blank | DateRead::Invalid => None,
        }
    }
}

/// Reads a date cell. A month or year alone is completed to its first day, or to its last when
/// `is_end` (a 计划完成日期 of "2023年12月" is 2023-12-31).
pub fn parse_date(value: Option<&CellValue>, is_end: bool) -> DateRead {
    match value {
        None => DateRead::Blank,
        Some(CellValue::Date(date)) => DateRead::Full(*date),
        Some(CellValue::Number(n)) => date_from_number(*n),
        Some(CellValue::Text(text)) => match date_groups(text) {
            None => DateRead::Invalid,
            Some(groups) if groups.is_empty() => DateRead::Blank,
            Some(groups) if groups.len() == 1 => complete(&groups[0], is_end),
            Some(_) => DateRead::Invalid,
        },
        Some(_) => DateRead::Invalid,
    }
}

/// Reads a 项目起止时间 cell: "2019年8月1日-2020年7月31日", "2023.1-2023.12", "2023年".
pub fn parse_period(value: Option<&CellValue>) -> (DateRead, DateRead) {
    match value {
        Some(CellValue::Text(text)) => match date_groups(text).as_deref() {
            None => (DateRead::Invalid, DateRead::Invalid),
            Some([]) => (DateRead::Blank, DateRead::Blank),
            Some([only]) if only.len() == 1 => (complete(only, false), complete(only, true)),
            Some([only]) => (complete(only, false), DateRead::Blank),
            Some([start, end]) => (complete(start, false), complete(end, true)),
            Some(_) => (DateRead::Invalid, DateRead::Invalid),
        },
        other => (parse_date(other, false), DateRead::Blank),
    }
}

fn date_from_number(n: f64) -> DateRead {
    if n.fract() == 0.0 && (19_000_101.0..=21_001_231.0).contains(&n) {
        let n = n as u32;
        return complete(&[n / 10_000, n / 100 % 100, n % 100], false);
    }
    if (20_000.0..=80_000.0).contains(&n) {
        let serial = calamine::ExcelDateTime::new(n, calamine::ExcelDateTimeType::DateTime, false);
        let (y, m, d, ..) = serial.to_ymd_hms_milli();
        if let Some(date) = Date::new(i32::from(y), u32::from(m), u32::from(d)) {
            return DateRead::Full(date);
        }
    }
    DateRead::Invalid
}

fn complete(parts: &[u32], is_end: bool) -> DateRead {
    let year = parts[0] as i32;
    match *parts {
        [_, month, day] => Date::new(year, month, day).map_or(DateRead::Invalid, DateRead::Full),
        [_, month] => {
            let day = if is_end {
                days_in_month(year, month)
            } else {
                1
            };
            Date::new(year, month, day).map_or(DateRead::Invalid, DateRead::Partial)
        }
        [_] => {
            let (month, day) = if is_end { (12, 31) } else { (1, 1) };
            Date::new(year, month, day).map_or(DateRead::Invalid, DateRead::Partial)
        }
        _ => DateRead::Invalid,
    }
}

/// Characters that may stand between the parts of a date or between two dates.
fn is_date_separator(c: char) -> bool {
    matches!(
        c,
        '年' | '月'
            | '日'
            | '号'
            | '度'
            | '-'
            | '/'
            | '.'
            | '、'
            | '至'
            | '到'
            | '~'
            | '～'
            | '—'
            | '–'
            | '－'
            | '('
            | ')'
            | '（'
            | '）'
            | '起'
            | '止'
    ) || is_space(c)
}

/// Splits a text into dates, each as [year, month?, day?]; `None` when the text holds anything
/// but dates. A number of four digits starts a date; "20230101" is a whole date.
fn date_groups(text: &str) -> Option<Vec<Vec<u32>>> {
    let text = strip_html(text);
    let trimmed = text.trim();
    if trimmed.is_empty() || BLANK_MARKS.contains(&trimmed) {
        return Some(Vec::new());
    }
    let mut groups: Vec<Vec<u32>> = Vec::new();
    let chars: Vec<char> = text.chars().filter_map(fold_char).collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        if c.is_ascii_digit() {
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let run: String = chars[start..i].iter().collect();
            push_number(&mut groups, &run, run.parse().ok()?)?;
        } else if chinese_digit(c).is_some() || c == '十' {
            while i < chars.len() && (chinese_digit(chars[i]).is_some() || chars[i] == '十') {
                i += 1;
            }
            let run: String = chars[start..i].iter().collect();
            push_number(&mut groups, &run, chinese_number(&run)?)?;
        } else if is_date_separator(c) {
            i += 1;
        } else {
            return None;
        }
    }
    Some(groups)
}

fn push_number(groups: &mut Vec<Vec<u32>>, run: &str, value: u32) -> Option<()> {
    let digits = run.chars().count();
    if digits == 8 && value >= 10_000_000 {
        groups.push(vec![value / 10_000, value / 100 % 100, value % 100]);
    } else if digits == 4 && (1000..=9999).contains(&value) {
        groups.push(vec![value]);
    } else if value < 100 {
        let last = groups.last_mut()?;
        if last.len() >= 3 {
            return None;
        }
        last.push(value);
    } else {
        return None;
    }
    Some(())
}

fn chinese_digit(c: char) -> Option<u32> {
    "〇一二三四五六七八九"
        .chars()
        .position(|d| d == c)
        .map(|p| p as u32)
        .or(if c == '零' { Some(0) } else { None })
}

/// "二〇二三" → 2023, "十二" → 12, "三十一" → 31, "十" → 10.
fn chinese_number(run: &str) -> Option<u32> {
    if let Some((tens, units)) = run.split_once('十') {
        let tens = if tens.is_empty() {
            1
        } else {
            chinese_digit(tens.chars().next()?)?
        };
        let units = if units.is_empty() {
            0
        } else {
            chinese_digit(units.chars().next()?)?
        };
        return Some(tens * 10 + units);
    }
    run.chars()
        .try_fold(0u32, |acc, c| Some(acc * 10 + chinese_digit(c)?))
}

/// What a choice cell (项目类别) says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// Nothing written.
    Blank,
    /// One option ticked (or written alone).
    Chosen(String),
    /// Several ticked, none ticked among several, or an unknown word; says which.
    Unclear(String),
}

const TICKED: &[char] = &['☑', '√', '■', '✓', '✔', '☒', '▣', '●', '◉', '✅', '▇'];
const UNTICKED: &[char] = &['□', '☐', '○', '◯', '▢'];

/// Reads which option of a choice is ticked: "专项资金 □ 经常性项目 ☑ 一次性项目 □",
/// "☑新增项目 □延续项目", the lone word "经常性项目", or Wingdings boxes ("R" ticked, "£" not)
/// as they come out of forms made in Excel with that font.
pub fn parse_choice(text: &str, options: &[String]) -> Choice {
    let cleaned = strip_html(text);
    let folded: Vec<char> = cleaned.chars().filter_map(fold_char).collect();
    if folded.is_empty() {
        return Choice::Blank;
    }
    let wingdings = folded.contains(&'£');
    let is_tick = |c: char| TICKED.contains(&c) || (wingdings && (c == 'R' || c == 'S'));
    let is_box = |c: char| is_tick(c) || UNTICKED.contains(&c) || (wingdings && c == '£');
    let text: String = folded.iter().collect();
    // Where each option stands, in text order (char indices).
    let mut found: Vec<(usize, usize, &String)> = options
        .iter()
        .filter_map(|option| {
            let option_folded: String = option.chars().filter_map(fold_char).collect();
            let byte = text.find(&option_folded)?;
            let start = text[..byte].chars().count();
            Some((start, start + option_folded.chars().count(), option))
        })
        .collect();
    found.sort();
    let boxes: Vec<usize> = (0..folded.len()).filter(|&i| is_box(folded[i])).collect();
    if boxes.is_empty() {
        return match found.as_slice() {
            [(_, _, only)] => Choice::Chosen((*only).clone()),
            [] => Choice::Unclear(format!(
                "“{}”不是可选项（{}）",
                cleaned.trim(),
                options.join("、")
            )),
            _ => Choice::Unclear("列出了多个选项但没有勾选标记".into()),
        };
    }
    let marks_before = found.first().is_some_and(|(start, _, _)| boxes[0] < *start);
    let mut ticked = Vec::new();
    for (index, (start, end, option)) in found.iter().enumerate() {
        let (from, to) = if marks_before {
            let from = if index == 0 { 0 } else { found[index - 1].1 };
            (from, *start)
        } else {
            let to = found.get(index + 1).map_or(folded.len(), |next| next.0);
            (*end, to)
        };
        if (from..to).any(|i| is_tick(folded[i])) {
            ticked.push((*option).clone());
        }
    }
    match ticked.len() {
        1 => Choice::Chosen(ticked.remove(0)),
        0 => Choice::Unclear("没有勾选任何选项".into()),
        _ => Choice::Unclear(format!("勾选了多项：{}", ticked.join("、"))),
    }
}

/// The budget year in a title line: "(2023年度)", "2023 年度", "2023年". Years from 1990 to 2100.
pub fn find_year(text: &str) -> Option<i32> {
    let chars: Vec<char> = text.chars().filter_map(fold_char).collect();
    let mut best: Option<(bool, i32)> = None;
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        if i - start != 4 || chars.get(i) != Some(&'年') {
            continue;
        }
        let year: i32 = chars[start..i].iter().collect::<String>().parse().ok()?;
        if !(1990..=2100).contains(&year) {
            continue;
        }
        let annual = chars.get(i + 1) == Some(&'度');
        if best.is_none_or(|(was_annual, _)| annual && !was_annual) {
            best = Some((annual, year));
        }
    }
    best.map(|(_, year)| year)
}

/// The last month a monitoring form's figures cover, from a text that states it: "1-7月",
/// "（2025年1—7月）", "截至7月底", "截止到6月末", "截至2025年8月31日", a period "2025年1月1日—2025年7月31日".
/// A month (1–12) counts when a range dash or 至 / 止 / 到 stands before it (a year "2025年" may sit
/// between); the last such month of the text is taken. `None` when the text states none.
pub fn find_through_month(text: &str) -> Option<u32> {
    let chars: Vec<char> = text.chars().filter_map(fold_char).collect();
    let mut found = None;
    for (at, _) in chars.iter().enumerate().filter(|(_, c)| **c == '月') {
        let mut start = at;
        while start > 0 && chars[start - 1].is_ascii_digit() && at - start < 2 {
            start -= 1;
        }
        if start == at || (start > 0 && chars[start - 1].is_ascii_digit()) {
            continue;
        }
        let month: u32 = chars[start..at]
            .iter()
            .fold(0, |n, c| n * 10 + c.to_digit(10).unwrap_or(0));
        if !(1..=12).contains(&month) {
            continue;
        }
        // Skip a year written between the dash and the month ("—2025年7月").
        let mut before = start;
        if before >= 5
            && chars[before - 1] == '年'
            && chars[before - 5..before - 1]
                .iter()
                .all(char::is_ascii_digit)
        {
            before -= 5;
        }
        let joined = before > 0
            && matches!(
                chars[before - 1],
                '-' | '—' | '–' | '~' | '～' | '〜' | '至' | '止' | '到' | '－' | '‐' | '―'
            );
        if joined {
            found = Some(month);
        }
    }
    found
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_month_a_monitoring_form_runs_to_is_read_from_its_wording() {
        let cases = [
            ("（2025年1-7月）", Some(7)),
            ("2025年1—7月项目支出绩效运行监控表", Some(7)),
            ("项目支出绩效监控表（1～6月）", Some(6)),
            ("1-7月执行数", Some(7)),
            ("截至7月底执行数", Some(7)),
            ("截止到6月末", Some(6)),
            ("截至2025年8月31日", Some(8)),
            ("监控期间：2025年1月1日—2025年7月31日", Some(7)),
            ("１－１０月", Some(10)),
            ("2025年5月31日前", None),
            ("全年预算数", None),
            ("1-13月", None),
            ("2025年度", None),
        ];
        for (text, month) in cases {
            assert_eq!(find_through_month(text), month, "{text}");
        }
    }
    use super::*;

    fn wan(text: &str) -> Amount {
        Amount::Value(Decimal::from_str(text).unwrap())
    }

    fn text(t: &str) -> CellValue {
        CellValue::Text(t.to_owned().into())
    }

    #[test]
    fn amounts_from_numbers_are_what_excel_shows() {
        let unit = MoneyUnit::Wan;
        assert_eq!(
            parse_amount(Some(&CellValue::Number(112.5)), unit),
            wan("112.5")
        );
        assert_eq!(
            parse_amount(Some(&CellValue::Number(1.1 * 1.1)), unit),
            wan("1.21")
        );
        assert_eq!(
            parse_amount(Some(&CellValue::Number(0.1 + 0.2)), unit),
            wan("0.3")
        );
        assert_eq!(
            parse_amount(Some(&CellValue::Number(1_125_000.0)), MoneyUnit::Yuan),
            wan("112.5")
        );
        assert_eq!(parse_amount(None, unit), Amount::Blank);
        assert_eq!(
            parse_amount(Some(&CellValue::Number(f64::NAN)), unit),
            Amount::Invalid
        );
    }

    #[test]
    fn amounts_from_text_in_every_usual_spelling() {
        let unit = MoneyUnit::Wan;
        assert_eq!(parse_amount_text("112.50", unit), wan("112.5"));
        assert_eq!(parse_amount_text("62.96万元", unit), wan("62.96"));
        assert_eq!(parse_amount_text(" ３．５０ 万 ", unit), wan("3.5"));
        assert_eq!(
            parse_amount_text("1,125,000.00", MoneyUnit::Yuan),
            wan("112.5")
        );
        assert_eq!(parse_amount_text("1，125，000.00元", unit), wan("112.5"));
        assert_eq!(parse_amount_text("￥350元", unit), wan("0.035"));
        assert_eq!(parse_amount_text("12千元", unit), wan("1.2"));
        assert_eq!(parse_amount_text("0", unit), wan("0"));
        assert_eq!(parse_amount_text("-", unit), Amount::Blank);
        assert_eq!(parse_amount_text("无", unit), Amount::Blank);
        assert_eq!(parse_amount_text("详见附件", unit), Amount::Invalid);
        assert_eq!(parse_amount_text("1.2.3", unit), Amount::Invalid);
        assert_eq!(parse_amount_text("1e5", unit), Amount::Invalid);
    }

    #[test]
    fn numbers_print_as_people_read_them() {
        assert_eq!(format_number(140000.0), "140000");
        assert_eq!(format_number(13800000000.0), "13800000000");
        assert_eq!(format_number(0.1 + 0.2), "0.3");
        assert_eq!(format_number(-2.5), "-2.5");
    }

    #[test]
    fn dates_in_the_ways_forms_write_them() {
        let full = |y, m, d| DateRead::Full(Date::new(y, m, d).unwrap());
        assert_eq!(
            parse_date(Some(&text("2023年1月1日")), false),
            full(2023, 1, 1)
        );
        assert_eq!(parse_date(Some(&text("2023.1.1")), false), full(2023, 1, 1));
        assert_eq!(
            parse_date(Some(&text("2023-01-01")), false),
            full(2023, 1, 1)
        );
        assert_eq!(
            parse_date(Some(&text("2023/12/31")), true),
            full(2023, 12, 31)
        );
        assert_eq!(
            parse_date(Some(&text("２０２３年１２月３１日")), true),
            full(2023, 12, 31)
        );
        assert_eq!(
            parse_date(Some(&text("二〇二三年十二月三十一日")), true),
            full(2023, 12, 31)
        );
        assert_eq!(parse_date(Some(&text("20230101")), false), full(2023, 1, 1));
        assert_eq!(
            parse_date(Some(&CellValue::Number(44927.0)), false),
            full(2023, 1, 1)
        );
        assert_eq!(
            parse_date(Some(&CellValue::Number(20231231.0)), true),
            full(2023, 12, 31)
        );
        assert_eq!(
            parse_date(Some(&text("2023年12月")), true),
            DateRead::Partial(Date::new(2023, 12, 31).unwrap())
        );
        assert_eq!(
            parse_date(Some(&text("2024.2")), true),
            DateRead::Partial(Date::new(2024, 2, 29).unwrap())
        );
        assert_eq!(
            parse_date(Some(&text("2023年2月30日")), false),
            DateRead::Invalid
        );
        assert_eq!(parse_date(Some(&text("全年")), false), DateRead::Invalid);
        assert_eq!(parse_date(Some(&text("1月1日")), false), DateRead::Invalid);
        assert_eq!(parse_date(Some(&text("-")), false), DateRead::Blank);
        assert_eq!(parse_date(None, false), DateRead::Blank);
    }

    #[test]
    fn periods_split_into_start_and_end() {
        let d = |y, m, dd| Date::new(y, m, dd).unwrap();
        let (start, end) = parse_period(Some(&text("2019年8月1日-2020年7月31日")));
        assert_eq!(
            (start.date(), end.date()),
            (Some(d(2019, 8, 1)), Some(d(2020, 7, 31)))
        );
        let (start, end) = parse_period(Some(&text("2023-01-01-2023-12-31")));
        assert_eq!(
            (start.date(), end.date()),
            (Some(d(2023, 1, 1)), Some(d(2023, 12, 31)))
        );
        let (start, end) = parse_period(Some(&text("2023.1至2023.12")));
        assert_eq!(
            (start, end.date()),
            (DateRead::Partial(d(2023, 1, 1)), Some(d(2023, 12, 31)))
        );
        let (start, end) = parse_period(Some(&text("2023年")));
        assert_eq!(
            (start.date(), end.date()),
            (Some(d(2023, 1, 1)), Some(d(2023, 12, 31)))
        );
        assert_eq!(parse_period(None), (DateRead::Blank, DateRead::Blank));
    }

    #[test]
    fn the_ticked_box_wins_wherever_the_marks_stand() {
        let sh: Vec<String> = ["专项资金", "经常性项目", "一次性项目"]
            .map(String::from)
            .into();
        let sd: Vec<String> = ["新增项目", "延续项目"].map(String::from).into();
        let chosen = |s: &str| Choice::Chosen(s.into());
        assert_eq!(
            parse_choice("专项资金 □ 经常性项目 ☑ 一次性项目 □", &sh),
            chosen("经常性项目")
        );
        assert_eq!(
            parse_choice("专项资金 ☑ 经常性项目 □ 一次性项目 □", &sh),
            chosen("专项资金")
        );
        assert_eq!(
            parse_choice("专项资金□经常性项目□一次性项目√", &sh),
            chosen("一次性项目")
        );
        assert_eq!(parse_choice("☑新增项目 □延续项目", &sd), chosen("新增项目"));
        assert_eq!(parse_choice("□新增项目 ■延续项目", &sd), chosen("延续项目"));
        assert_eq!(
            parse_choice(
                "新增项目 <input checked=\"\" type=\"checkbox\"/> 延续项目 <input type=\"checkbox\"/>",
                &sd
            ),
            chosen("新增项目")
        );
        assert_eq!(parse_choice("经常性项目", &sh), chosen("经常性项目"));
        assert_eq!(parse_choice("£新增项目 R延续项目", &sd), chosen("延续项目"));
        assert_eq!(parse_choice("", &sh), Choice::Blank);
        assert!(
            matches!(parse_choice("专项资金 ☑ 经常性项目 ☑", &sh), Choice::Unclear(m) if m.contains("多项"))
        );
        assert!(matches!(
            parse_choice("专项资金 □ 经常性项目 □", &sh),
            Choice::Unclear(_)
        ));
        assert!(matches!(parse_choice("其他", &sh), Choice::Unclear(_)));
    }

    #[test]
    fn the_year_of_a_title_line() {
        assert_eq!(find_year("(2023年度)"), Some(2023));
        assert_eq!(find_year("（2023 年度）"), Some(2023));
        assert_eq!(find_year("2020年度"), Some(2020));
        assert_eq!(find_year("截至2022年，2023年度"), Some(2023));
        assert_eq!(find_year("项目总目标"), None);
        assert_eq!(find_year("1850年"), None);
    }
}
