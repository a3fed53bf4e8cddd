//! Text clean-up shared by the readers and the normalizer: folding labels for matching,
//! stripping HTML remnants, and tidying the whitespace of values.
//!
//! Nothing here knows about forms; it only knows how Chinese office text tends to be messy.

/// Folds one character the way labels are compared: full-width ASCII becomes half-width and a few
/// CJK brackets become their ASCII twins. Whitespace is reported as `None`.
pub fn fold_char(c: char) -> Option<char> {
    match c {
        c if is_space(c) => None,
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0),
        '【' | '〔' => Some('['),
        '】' | '〕' => Some(']'),
        '﹕' => Some(':'),
        c => Some(c),
    }
}

/// True for every kind of space a form may contain, including the ideographic space, no-break
/// space and zero-width characters.
pub fn is_space(c: char) -> bool {
    // Past the ideographic space (U+3000) only the byte-order mark is one: Chinese text, nearly
    // every character a form holds, is told at once, without Unicode's table of spaces.
    if c > '\u{3000}' {
        return c == '\u{FEFF}';
    }
    c.is_whitespace() || matches!(c, '\u{200B}' | '\u{200C}' | '\u{200D}')
}

/// Folds a label for matching: no whitespace anywhere ("项 目 名 称", line breaks), full-width
/// punctuation as ASCII ("（万元）" → "(万元)"), no trailing colon ("主管部门：" → "主管部门").
pub fn fold_label(text: &str) -> String {
    fold_label_cow(text).into_owned()
}

/// [`fold_label`] without allocating when the text is already folded (most cells are).
pub fn fold_label_cow(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().all(|c| fold_char(c) == Some(c)) {
        return std::borrow::Cow::Borrowed(text.trim_end_matches(':'));
    }
    let mut folded = map_chars(text, fold_char);
    while folded.ends_with(':') {
        folded.pop();
    }
    std::borrow::Cow::Owned(folded)
}

/// Folds full-width letters, digits and the symbols of numbers (％ ＋ － ＜ ＞ ＝ ． ／ ～) to
/// half-width, as Chinese typesetting expects, and keeps full-width Chinese punctuation
/// （，。：；！？（））. The ideographic space becomes a plain space.
pub fn fold_width(text: &str) -> String {
    // Every character changed here is U+3000 or in U+FF00–U+FFEF: three bytes starting 0xE3 0x80
    // or 0xEF. A text without those bytes comes back as it is.
    if !text.bytes().any(|b| b == 0xEF || b == 0xE3) {
        return text.to_owned();
    }
    map_chars(text, |c| {
        Some(match c {
            '\u{FF10}'..='\u{FF19}' | '\u{FF21}'..='\u{FF3A}' | '\u{FF41}'..='\u{FF5A}' => {
                char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
            }
            '％' | '＋' | '－' | '＜' | '＞' | '＝' | '．' | '／' | '～' => {
                char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
            }
            '\u{3000}' => ' ',
            c => c,
        })
    })
}

/// The characters of `text` mapped (or dropped, for `None`) into a new string, allocated once.
pub fn map_chars(text: &str, f: impl FnMut(char) -> Option<char>) -> String {
    let mut out = String::with_capacity(text.len());
    out.extend(text.chars().filter_map(f));
    out
}

/// True for CJK ideographs and CJK punctuation: characters between which a space carries no
/// meaning.
pub fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3000}'..='\u{303F}'   // CJK symbols and punctuation
        | '\u{3400}'..='\u{4DBF}' // extension A
        | '\u{4E00}'..='\u{9FFF}' // unified ideographs
        | '\u{F900}'..='\u{FAFF}' // compatibility ideographs
        | '\u{FF00}'..='\u{FF0F}' | '\u{FF1A}'..='\u{FF20}' // full-width punctuation
        | '\u{FF5B}'..='\u{FF65}'
        | '\u{2018}'..='\u{201F}' // curly quotes
        | '\u{2026}')
}

/// Cleans a one-line value (a name, a label, an 指标值): HTML remnants stripped, whitespace runs
/// (line breaks included) collapsed to one space, and removed altogether between two CJK
/// characters, where it is only layout ("吴泾镇 人民政府" → "吴泾镇人民政府").
pub fn clean_inline(text: &str) -> String {
    if !text.contains(['<', '&']) && !text.chars().any(is_space) {
        return text.to_owned();
    }
    let text = strip_html(text);
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars() {
        if is_space(c) {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            let after_cjk = out.chars().next_back().is_some_and(is_cjk);
            if !(after_cjk && is_cjk(c)) {
                out.push(' ');
            }
            pending_space = false;
        }
        out.push(c);
    }
    out
}

/// Cleans a paragraph (a goal, an overview): HTML remnants stripped, each line trimmed, blank
/// lines dropped, the lines kept.
pub fn clean_block(text: &str) -> String {
    let text = strip_html(text);
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let line = line.trim_matches(is_space);
        if line.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(line);
    }
    out
}

/// HTML tag names whose remnants appear in forms pasted from web systems and Word.
const HTML_TAGS: &[&str] = &[
    "p", "br", "div", "span", "font", "b", "i", "u", "strong", "em", "o:p", "hr", "sup", "sub",
    "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "a", "img", "table", "tr", "td", "th",
    "tbody", "thead", "center", "small", "big", "label", "section", "article", "pre", "code",
];

/// Strips HTML remnants: known tags are removed (block tags become line breaks), entities are
/// decoded, and `<input type="checkbox">` becomes ☑ or □ so a ticked box survives. Text that only
/// looks like a tag ("<700万") is left alone.
pub fn strip_html(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains('<') && !text.contains('&') {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find(['<', '&']) {
        out.push_str(&rest[..pos]);
        let tail = &rest[pos..];
        if tail.starts_with('<') {
            if let Some((replacement, len)) = html_tag(tail) {
                out.push_str(replacement);
                rest = &tail[len..];
                continue;
            }
        } else if let Some((decoded, len)) = html_entity(tail) {
            out.push(decoded);
            rest = &tail[len..];
            continue;
        }
        out.push(tail.chars().next().unwrap_or('<'));
        rest = &tail[1..];
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// Recognises a known tag at the start of `tail`; returns its replacement and its length.
fn html_tag(tail: &str) -> Option<(&'static str, usize)> {
    let end = tail.find('>').filter(|&end| end < 400)?;
    let inner = &tail[1..end];
    if inner.contains('<') || inner.contains('\n') {
        return None;
    }
    let closing = inner.starts_with('/');
    let body = inner.trim_start_matches('/');
    let name_len = body
        .find(|c: char| c.is_whitespace() || c == '/')
        .unwrap_or(body.len());
    let name = body[..name_len].to_ascii_lowercase();
    if name == "input" {
        let lower = body.to_ascii_lowercase();
        if !lower.contains("checkbox") && !lower.contains("radio") {
            return Some(("", end + 1));
        }
        let ticked = lower.contains("checked");
        return Some((if ticked { "☑" } else { "□" }, end + 1));
    }
    if !HTML_TAGS.contains(&name.as_str()) || !plausible_attributes(&body[name_len..]) {
        return None;
    }
    let breaks_line =
        name == "br" || (closing && matches!(name.as_str(), "p" | "div" | "li" | "tr"));
    Some((if breaks_line { "\n" } else { "" }, end + 1))
}

/// True when what follows a tag name looks like HTML attributes (`style="…"`, `checked`), so
/// that prose such as "<b and c>" is not taken for a tag.
fn plausible_attributes(rest: &str) -> bool {
    let mut rest = rest.trim_end_matches('/').trim();
    while !rest.is_empty() {
        let name_len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':')))
            .unwrap_or(rest.len());
        if name_len == 0 {
            return false;
        }
        let name = &rest[..name_len];
        rest = rest[name_len..].trim_start();
        if let Some(after) = rest.strip_prefix('=') {
            let after = after.trim_start();
            let value_len = match after.chars().next() {
                Some(quote @ ('"' | '\'')) => after[1..].find(quote).map(|p| p + 2),
                Some(_) => Some(after.find(char::is_whitespace).unwrap_or(after.len())),
                None => None,
            };
            let Some(value_len) = value_len else {
                return false;
            };
            rest = after[value_len..].trim_start();
        } else if !matches!(
            name,
            "checked" | "disabled" | "selected" | "nowrap" | "hidden"
        ) {
            return false;
        }
    }
    true
}

/// Decodes an entity at the start of `tail`; returns the character and the entity's length.
fn html_entity(tail: &str) -> Option<(char, usize)> {
    let end = tail.find(';').filter(|&end| end < 12)?;
    let name = &tail[1..end];
    let decoded = match name {
        "nbsp" | "ensp" | "emsp" => ' ',
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "ldquo" => '“',
        "rdquo" => '”',
        _ => {
            let code = if let Some(hex) = name.strip_prefix("#x").or(name.strip_prefix("#X")) {
                u32::from_str_radix(hex, 16).ok()?
            } else {
                name.strip_prefix('#')?.parse().ok()?
            };
            char::from_u32(code)?
        }
    };
    Some((decoded, end + 1))
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_space_is_what_unicode_calls_white_space_or_a_zero_width_character() {
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            assert_eq!(
                is_space(c),
                c.is_whitespace() || matches!(c, '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{FEFF}'),
                "U+{:04X}",
                c as u32
            );
        }
    }
    use super::*;

    #[test]
    fn labels_fold_through_spaces_full_width_and_colons() {
        assert_eq!(fold_label("项 目 名 称"), "项目名称");
        assert_eq!(fold_label("项目资金\n（万元）"), "项目资金(万元)");
        assert_eq!(fold_label("主管部门："), "主管部门");
        assert_eq!(fold_label("\u{3000}实施单位:\u{00A0}"), "实施单位");
        assert_eq!(fold_label("【说明】"), "[说明]");
    }

    #[test]
    fn width_folds_alphanumerics_but_keeps_chinese_punctuation() {
        assert_eq!(fold_width("达到９０％以上，（含）"), "达到90%以上，（含）");
        assert_eq!(fold_width("ＧＰＳ定位＜５ｍ"), "GPS定位<5m");
        assert_eq!(fold_width("满意度\u{3000}９５％"), "满意度 95%");
        // Texts without a full-width character (the quick path) are kept as they are.
        for text in ["", "达到90%以上", "《规划》、「标准」。", "𠀀😀é", "≥95%"]
        {
            assert_eq!(fold_width(text), text);
        }
    }

    #[test]
    fn inline_values_lose_layout_spaces_only_between_cjk() {
        assert_eq!(clean_inline("  吴泾镇 人民政府 "), "吴泾镇人民政府");
        assert_eq!(clean_inline("服务对象\n满意度指标"), "服务对象满意度指标");
        assert_eq!(clean_inline("达到 80% 以上"), "达到 80% 以上");
        assert_eq!(clean_inline("ISO  9001"), "ISO 9001");
    }

    #[test]
    fn html_remnants_are_stripped_but_comparisons_survive() {
        assert_eq!(clean_block("<p>为贯彻</p><p>第二段</p>"), "为贯彻\n第二段");
        assert_eq!(clean_inline("<700万"), "<700万");
        assert_eq!(clean_inline("a<b and c>d"), "a<b and c>d");
        assert_eq!(clean_inline("A&amp;B&nbsp;C"), "A&B C");
        assert_eq!(clean_inline("x &unknown; y"), "x &unknown; y");
        assert_eq!(
            clean_inline(
                r#"专项资金 <input checked="" type="checkbox"/> 经常性项目 <input type="checkbox"/>"#
            ),
            "专项资金 ☑ 经常性项目 □"
        );
        assert_eq!(
            clean_block("<span style=\"x\">文字</span><br/>下一行"),
            "文字\n下一行"
        );
    }

    #[test]
    fn long_text_without_a_closing_bracket_is_safe() {
        let text = format!("<p>{}", "采".repeat(300));
        assert_eq!(clean_block(&text), "采".repeat(300));
        let text = format!("&{}", "采".repeat(10));
        assert_eq!(clean_inline(&text), text);
    }

    #[test]
    fn blocks_keep_their_lines() {
        assert_eq!(clean_block("  第一行 \r\n\r\n 第二行\n"), "第一行\n第二行");
    }
}
