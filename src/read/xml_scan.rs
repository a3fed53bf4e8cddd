//! A small pull scanner for the XML parts of an .xlsx, for the fast reader (`xlsx_fast`).
//!
//! It reads the plain markup spreadsheet writers produce — start, end and empty tags with
//! attributes, text with the predefined entities and character references, processing
//! instructions — over bytes already in memory, without allocating. Anything else (a comment,
//! CDATA, a DOCTYPE, an unknown entity, invalid UTF-8, a tag left open) makes it give up with
//! [`Bail`]: the caller then hands the part to calamine, which reads it (or reports it) as
//! before. Giving up is always safe; reading something differently from calamine is not.

use std::borrow::Cow;

use memchr::memchr;

/// How far a plain byte loop looks before handing a search to `memchr`: most searches in markup
/// end within a few bytes (an attribute's `=`, its closing quote, a tag's `>`), where the loop
/// is faster than setting up a vector search.
const SHORT: usize = 16;

/// The first `needle` in `hay`.
#[inline]
fn find(needle: u8, hay: &[u8]) -> Option<usize> {
    let head = hay.len().min(SHORT);
    match hay[..head].iter().position(|&b| b == needle) {
        Some(at) => Some(at),
        None if hay.len() > SHORT => memchr(needle, &hay[SHORT..]).map(|at| at + SHORT),
        None => None,
    }
}

/// The scanner met something it does not read; the part goes to calamine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bail;

/// A start tag (or an empty-element tag, which stands for a start and an end tag).
#[derive(Debug, Clone, Copy)]
pub struct Tag<'x> {
    /// The qualified name (`c`, `x:c`).
    pub name: &'x [u8],
    /// The raw attributes, between the name and the closing `>` or `/>`.
    attrs: &'x [u8],
    /// True for `<name … />`.
    pub empty: bool,
}

impl<'x> Tag<'x> {
    /// The name without its namespace prefix.
    pub fn local(&self) -> &'x [u8] {
        local(self.name)
    }

    /// The raw value of the attribute named exactly `key`; `Bail` when the attributes are not
    /// well formed.
    pub fn attr(&self, key: &[u8]) -> Result<Option<&'x [u8]>, Bail> {
        let mut rest = self.attrs;
        while let Some((name, value)) = next_attribute(&mut rest)? {
            if name == key {
                return Ok(Some(value));
            }
        }
        Ok(None)
    }

    /// The raw values of several attributes in one pass; `Bail` when one of them is given twice
    /// (calamine's reading of such a tag depends on the order of all its attributes).
    pub fn attrs_of<const N: usize>(
        &self,
        keys: [&[u8]; N],
    ) -> Result<[Option<&'x [u8]>; N], Bail> {
        if let Some(found) = self.plain_attrs_of(keys) {
            return found;
        }
        let mut rest = self.attrs;
        let mut found = [None; N];
        while let Some((name, value)) = next_attribute(&mut rest)? {
            // (Names are short: compared byte by byte, not through `memcmp`.)
            if let Some(at) = keys.iter().position(|k| same_short(k, name)) {
                if found[at].is_some() {
                    return Err(Bail);
                }
                found[at] = Some(value);
            }
        }
        Ok(found)
    }

    /// [`Tag::attrs_of`] of attributes written as spreadsheets write them — each a space, a
    /// name, `="`, a value without `"`, `"` — in one pass over their bytes; `None` (nothing
    /// decided) for anything else.
    #[inline]
    fn plain_attrs_of<const N: usize>(
        &self,
        keys: [&[u8]; N],
    ) -> Option<Result<[Option<&'x [u8]>; N], Bail>> {
        let bytes = self.attrs;
        let mut found = [None; N];
        let mut at = 0;
        while at < bytes.len() {
            if bytes[at] != b' ' {
                return None;
            }
            at += 1;
            let name_start = at;
            while at < bytes.len() && NAME_BYTE[usize::from(bytes[at])] {
                at += 1;
            }
            if at == name_start || !has_at(bytes, at, b"=\"") {
                return None;
            }
            let name = &bytes[name_start..at];
            at += 2;
            let value_start = at;
            while at < bytes.len() && bytes[at] != b'"' {
                at += 1;
            }
            if at == bytes.len() {
                return None;
            }
            let value = &bytes[value_start..at];
            at += 1;
            if let Some(key) = keys.iter().position(|k| same_short(k, name)) {
                if found[key].is_some() {
                    return Some(Err(Bail));
                }
                found[key] = Some(value);
            }
        }
        Some(Ok(found))
    }

    /// Every attribute as (name, raw value), in order.
    pub fn attributes(&self) -> Result<Vec<Attribute<'x>>, Bail> {
        let mut rest = self.attrs;
        let mut all = Vec::new();
        while let Some(pair) = next_attribute(&mut rest)? {
            all.push(pair);
        }
        Ok(all)
    }
}

/// `a == b` for short slices, without a call to `memcmp`.
#[inline]
fn same_short(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

/// True when `bytes` stand in `hay` at `at` (short ones: no call to `memcmp`).
#[inline]
fn has_at(hay: &[u8], at: usize, bytes: &[u8]) -> bool {
    hay.get(at..at + bytes.len())
        .is_some_and(|there| same_short(there, bytes))
}

/// True when `<name>` (no attributes) stands in `hay` at `at`.
fn start_tag_at(hay: &[u8], at: usize, name: &[u8]) -> bool {
    hay.get(at) == Some(&b'<')
        && has_at(hay, at + 1, name)
        && hay.get(at + 1 + name.len()) == Some(&b'>')
}

/// True when `</name>` stands in `hay` at `at`.
fn end_tag_at(hay: &[u8], at: usize, name: &[u8]) -> bool {
    has_at(hay, at, b"</")
        && has_at(hay, at + 2, name)
        && hay.get(at + 2 + name.len()) == Some(&b'>')
}

/// The next `name="value"` of raw attributes, advancing past it: a name, white space, `=`,
/// white space, a quoted value, then white space or the end.
fn next_attribute<'x>(rest: &mut &'x [u8]) -> Result<Option<Attribute<'x>>, Bail> {
    let text = trim_start(rest);
    if text.is_empty() {
        return Ok(None);
    }
    let name_len = text
        .iter()
        .position(|&b| !NAME_BYTE[usize::from(b)])
        .ok_or(Bail)?;
    if name_len == 0 {
        return Err(Bail);
    }
    let name = &text[..name_len];
    let after = trim_start(&text[name_len..])
        .strip_prefix(b"=")
        .ok_or(Bail)?;
    let after = trim_start(after);
    let quote = *after.first().ok_or(Bail)?;
    if quote != b'"' && quote != b'\'' {
        return Err(Bail);
    }
    let close = find(quote, &after[1..]).ok_or(Bail)?;
    let value = &after[1..1 + close];
    let next = &after[close + 2..];
    if next.first().is_some_and(|b| !b.is_ascii_whitespace()) {
        return Err(Bail);
    }
    *rest = next;
    Ok(Some((name, value)))
}

/// An attribute: its name and raw value.
pub type Attribute<'x> = (&'x [u8], &'x [u8]);

/// One piece of markup.
#[derive(Debug, Clone, Copy)]
pub enum Token<'x> {
    /// A start or empty-element tag.
    Start(Tag<'x>),
    /// An end tag, by its qualified name.
    End(&'x [u8]),
    /// Raw text between tags (entities not yet decoded).
    Text(&'x [u8]),
}

/// The name without its namespace prefix.
pub fn local(name: &[u8]) -> &[u8] {
    match name.iter().rposition(|&b| b == b':') {
        Some(colon) => &name[colon + 1..],
        None => name,
    }
}

/// Reads tokens from the start of a part. An empty-element tag gives its start tag and then its
/// end tag, as calamine's reader (quick-xml with `expand_empty_elements`) sees it.
pub struct Scanner<'x> {
    xml: &'x [u8],
    pos: usize,
    /// The end tag an empty-element tag still owes.
    pending_end: Option<&'x [u8]>,
    /// The elements open: every end tag must close the innermost (calamine does not check,
    /// and reads badly nested parts in ways that depend on elements this scanner passes over).
    open: Vec<&'x [u8]>,
    /// True for a piece that goes on from another (its start is not the part's).
    resumed: bool,
}

impl<'x> Scanner<'x> {
    /// A scanner over a whole part (a UTF-8 byte-order mark is passed over).
    pub fn new(xml: &'x [u8]) -> Scanner<'x> {
        let pos = if xml.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        Scanner {
            xml,
            pos,
            pending_end: None,
            open: Vec::new(),
            resumed: false,
        }
    }

    /// A scanner over a piece of a part that goes on from where the scanner of the piece before
    /// stopped, between tokens: `open` are the elements open there, outermost first.
    pub fn resume(piece: &'x [u8], open: Vec<&'x [u8]>) -> Scanner<'x> {
        Scanner {
            xml: piece,
            pos: 0,
            pending_end: None,
            open,
            resumed: true,
        }
    }

    /// The elements open, outermost first (the last token read was not an empty-element tag's
    /// start, whose end is still owed).
    pub fn open_elements(&self) -> Option<&[&'x [u8]]> {
        self.pending_end.is_none().then_some(&self.open[..])
    }

    /// Where the next token starts in the part.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// At `<outer><inner>text</inner></outer>` exactly — no attributes, no prefixes, no markup in
    /// the text — its raw text (entities not yet decoded), moving past it: what the five tokens
    /// [`Scanner::next_token`] gives for it say, read in one step. Anything else gives `None` and
    /// the scanner stays where it was.
    pub fn plain_element(&mut self, outer: &[u8], inner: &[u8]) -> Option<&'x [u8]> {
        if self.pending_end.is_some() || (self.pos == 0 && !self.resumed) {
            return None;
        }
        let xml = self.xml;
        let rest = &xml[self.pos..];
        let text_start = outer.len() + inner.len() + 4;
        if !start_tag_at(rest, 0, outer) || !start_tag_at(rest, outer.len() + 2, inner) {
            return None;
        }
        let text_end = text_start + find(b'<', rest.get(text_start..)?)?;
        let outer_close = text_end + inner.len() + 3;
        if !end_tag_at(rest, text_end, inner) || !end_tag_at(rest, outer_close, outer) {
            return None;
        }
        self.pos += outer_close + outer.len() + 3;
        Some(&rest[text_start..text_end])
    }

    /// At `<inner>text</inner></outer>` exactly, `outer` being the innermost element open (its
    /// start tag read) — no attributes, no prefixes, text that is not empty and has no markup
    /// or `&` — the raw text, moving past it and closing `outer`: what the four tokens
    /// [`Scanner::next_token`] gives for it say, read in one step (a cell's `<v>1</v></c>`).
    /// Anything else gives `None` and the scanner stays where it was.
    pub fn text_and_close(&mut self, inner: &[u8], outer: &[u8]) -> Option<&'x [u8]> {
        if self.pending_end.is_some() || self.open.last() != Some(&outer) {
            return None;
        }
        let xml = self.xml;
        let rest = &xml[self.pos..];
        let text_start = inner.len() + 2;
        if !start_tag_at(rest, 0, inner) {
            return None;
        }
        let text_len = find(b'<', rest.get(text_start..)?)?;
        let text = &rest[text_start..text_start + text_len];
        if text.is_empty() || text.contains(&b'&') {
            return None;
        }
        let mut at = text_start + text_len;
        for name in [inner, outer] {
            if !end_tag_at(rest, at, name) {
                return None;
            }
            at += name.len() + 3;
        }
        self.open.pop();
        self.pos += at;
        Some(text)
    }

    /// The next token, `None` at the end of the part.
    pub fn next_token(&mut self) -> Result<Option<Token<'x>>, Bail> {
        if self.pos == 0
            && !self.resumed
            && (self.xml.starts_with(b"\xFF\xFE")
                || self.xml.starts_with(b"\xFE\xFF")
                || self.xml.get(1) == Some(&0))
        {
            return Err(Bail); // UTF-16
        }
        if let Some(name) = self.pending_end.take() {
            self.open.pop();
            return Ok(Some(Token::End(name)));
        }
        loop {
            let xml = self.xml;
            let rest = &xml[self.pos..];
            if rest.is_empty() {
                return Ok(None);
            }
            if rest[0] != b'<' {
                let end = find(b'<', rest).unwrap_or(rest.len());
                let text = &rest[..end];
                if !references_closed(text) {
                    return Err(Bail);
                }
                self.pos += end;
                return Ok(Some(Token::Text(text)));
            }
            match rest.get(1) {
                Some(b'/') => {
                    let close = find(b'>', rest).ok_or(Bail)?;
                    let name = trim_end(&rest[2..close]);
                    if name.is_empty() || !is_name(name) {
                        return Err(Bail);
                    }
                    if self.open.pop() != Some(name) {
                        return Err(Bail);
                    }
                    self.pos += close + 1;
                    return Ok(Some(Token::End(name)));
                }
                Some(b'?') => {
                    let close = memchr::memmem::find(rest, b"?>").ok_or(Bail)?;
                    // calamine decodes a part in the encoding its declaration names: only UTF-8
                    // is read here.
                    let declaration = &rest[..close];
                    if let Some(at) = memchr::memmem::find(declaration, b"encoding") {
                        let after = trim_start(&declaration[at + 8..]);
                        let after = trim_start(after.strip_prefix(b"=").ok_or(Bail)?);
                        let quote = *after.first().ok_or(Bail)?;
                        let end = memchr(quote, &after[1..]).ok_or(Bail)?;
                        let value = &after[1..1 + end];
                        if !value.eq_ignore_ascii_case(b"utf-8") {
                            return Err(Bail);
                        }
                    }
                    self.pos += close + 2;
                    continue;
                }
                Some(b'!') | None => return Err(Bail),
                Some(_) => {}
            }
            // The name: name bytes up to white space, '/' or '>' (another byte, or the part's
            // end, gives up).
            let name_len = rest[1..]
                .iter()
                .position(|&b| !NAME_BYTE[usize::from(b)])
                .ok_or(Bail)?;
            let after_name = rest[1 + name_len];
            if name_len == 0
                || !(after_name.is_ascii_whitespace() || after_name == b'/' || after_name == b'>')
            {
                return Err(Bail);
            }
            let name = &rest[1..1 + name_len];
            // The tag ends at the first '>' outside quotes ('>' may stand in an attribute value):
            // a plain loop, tags being too short for a vector search to pay.
            let mut at = 1 + name_len;
            let close = loop {
                match *rest.get(at).ok_or(Bail)? {
                    b'>' => break at,
                    quote @ (b'"' | b'\'') => {
                        at += 1;
                        while *rest.get(at).ok_or(Bail)? != quote {
                            at += 1;
                        }
                        at += 1;
                    }
                    _ => at += 1,
                }
            };
            let inside = &rest[1 + name_len..close];
            let empty = inside.last() == Some(&b'/');
            let attrs = if empty {
                &inside[..inside.len() - 1]
            } else {
                inside
            };
            self.pos += close + 1;
            self.open.push(name);
            if empty {
                self.pending_end = Some(name);
            }
            return Ok(Some(Token::Start(Tag { name, attrs, empty })));
        }
    }
}

/// True when every `&` of a text is closed by a `;` before another `&`: calamine's XML reader
/// (quick-xml, `allow_dangling_amp` off) refuses a part with text that breaks this, wherever it
/// reads, even text it then passes over.
fn references_closed(text: &[u8]) -> bool {
    let mut rest = text;
    while let Some(at) = memchr(b'&', rest) {
        rest = &rest[at + 1..];
        match memchr::memchr2(b';', b'&', rest) {
            Some(end) if rest[end] == b';' => rest = &rest[end + 1..],
            _ => return false,
        }
    }
    true
}

/// Letters, digits and the punctuation XML names use (ASCII only; anything else gives up).
fn is_name(name: &[u8]) -> bool {
    name.iter().all(|&b| NAME_BYTE[usize::from(b)])
}

/// The bytes [`is_name`] accepts, by value.
static NAME_BYTE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        table[b] = byte.is_ascii_alphanumeric() || matches!(byte, b':' | b'_' | b'-' | b'.');
        b += 1;
    }
    table
};

fn trim_start(bytes: &[u8]) -> &[u8] {
    match bytes.first() {
        Some(b) if !b.is_ascii_whitespace() => bytes,
        _ => trim_start_slow(bytes),
    }
}

fn trim_start_slow(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    &bytes[start..]
}

fn trim_end(bytes: &[u8]) -> &[u8] {
    let end = bytes
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(0, |i| i + 1);
    &bytes[..end]
}

/// Whether bytes are UTF-8 throughout, checked with the CPU's vector instructions (a whole
/// part, or a piece of one cut after an ASCII byte).
pub fn is_utf8(bytes: &[u8]) -> bool {
    simdutf8::basic::from_utf8(bytes).is_ok()
}

/// Appends raw text decoded as an XML 1.0 processor reads it: UTF-8, the line ends of each
/// literal run normalized ("\r\n" and a lone "\r" become "\n"), the five predefined entities
/// and character references resolved (a reference is never normalized). Anything else gives up.
pub fn decode_into(raw: &[u8], out: &mut String) -> Result<(), Bail> {
    let text = std::str::from_utf8(raw).map_err(|_| Bail)?;
    let mut rest = text;
    loop {
        let literal_end = rest.find('&').unwrap_or(rest.len());
        push_normalized(&rest[..literal_end], out);
        if literal_end == rest.len() {
            return Ok(());
        }
        let after = &rest[literal_end + 1..];
        let semi = after.find(';').ok_or(Bail)?;
        let entity = &after[..semi];
        match entity {
            "lt" => out.push('<'),
            "gt" => out.push('>'),
            "amp" => out.push('&'),
            "apos" => out.push('\''),
            "quot" => out.push('"'),
            _ => out.push(char_reference(entity)?),
        }
        rest = &after[semi + 1..];
    }
}

/// The raw text decoded (see [`decode_into`]), borrowed when there is nothing to decode.
pub fn decode(raw: &[u8]) -> Result<Cow<'_, str>, Bail> {
    if !raw.contains(&b'&') && !raw.contains(&b'\r') {
        return std::str::from_utf8(raw)
            .map(Cow::Borrowed)
            .map_err(|_| Bail);
    }
    let mut out = String::with_capacity(raw.len());
    decode_into(raw, &mut out)?;
    Ok(Cow::Owned(out))
}

/// `#123` or `#x7B` as a character, as quick-xml resolves it (not 0, not a surrogate).
fn char_reference(entity: &str) -> Result<char, Bail> {
    let number = entity.strip_prefix('#').ok_or(Bail)?;
    let (digits, radix) = match number.strip_prefix('x') {
        Some(hex) => (hex, 16),
        None => (number, 10),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Bail);
    }
    let code = u32::from_str_radix(digits, radix).map_err(|_| Bail)?;
    if code == 0 {
        return Err(Bail);
    }
    char::from_u32(code).ok_or(Bail)
}

fn push_normalized(literal: &str, out: &mut String) {
    if !literal.contains('\r') {
        out.push_str(literal);
        return;
    }
    let mut chars = literal.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' {
            if chars.peek() == Some(&'\n') {
                chars.next();
            }
            out.push('\n');
        } else {
            out.push(c);
        }
    }
}

/// Length of an "_xHHHH_" escape.
const ESCAPE_LEN: usize = 7;

/// Undoes Excel's own escapes in a string: "_x000D_" is the UTF-16 code unit 0x000D, a pair of
/// them a character beyond the BMP, "_x005F_" a literal "_" (as calamine's `unescape_xml`, which
/// this follows step by step: a lone surrogate becomes U+FFFD).
pub fn unescape_excel(original: &str) -> Cow<'_, str> {
    let Some((mut index, mut unit)) = find_escape(original, 0) else {
        return Cow::Borrowed(original);
    };
    let mut out = String::with_capacity(original.len());
    let mut copied = 0;
    loop {
        out.push_str(&original[copied..index]);
        index += ESCAPE_LEN;
        match unit {
            0xD800..=0xDBFF => match parse_escape(original, index) {
                Some(low @ 0xDC00..=0xDFFF) => {
                    let code =
                        0x10000 + ((u32::from(unit) - 0xD800) << 10) + (u32::from(low) - 0xDC00);
                    out.push(char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER));
                    index += ESCAPE_LEN;
                }
                _ => out.push(char::REPLACEMENT_CHARACTER),
            },
            0xDC00..=0xDFFF => out.push(char::REPLACEMENT_CHARACTER),
            _ => out.push(char::from_u32(u32::from(unit)).unwrap_or(char::REPLACEMENT_CHARACTER)),
        }
        copied = index;
        match find_escape(original, index) {
            Some(next) => (index, unit) = next,
            None => break,
        }
    }
    out.push_str(&original[copied..]);
    Cow::Owned(out)
}

fn find_escape(original: &str, mut start: usize) -> Option<(usize, u16)> {
    while let Some(offset) = original[start..].find('_') {
        let index = start + offset;
        if let Some(unit) = parse_escape(original, index) {
            return Some((index, unit));
        }
        start = index + 1;
    }
    None
}

fn parse_escape(original: &str, index: usize) -> Option<u16> {
    let bytes = original.as_bytes().get(index..index + ESCAPE_LEN)?;
    if bytes[0] != b'_' || bytes[1] != b'x' || bytes[6] != b'_' {
        return None;
    }
    let hex = &bytes[2..6];
    if !hex.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    u16::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_part_is_utf8_exactly_when_std_says_so() {
        let cjk = "<c r=\"B3\" t=\"inlineStr\"><is><t>群众满意度≥95%</t></is></c>".repeat(40);
        let cases: Vec<Vec<u8>> = vec![
            Vec::new(),
            cjk.as_bytes().to_vec(),
            cjk.as_bytes()[..cjk.len() - 1].to_vec(),
            // Cut inside a character.
            [
                cjk.as_bytes(),
                &cjk.as_bytes()[..cjk.find('群').unwrap() + 1],
            ]
            .concat(),
            b"\xC0\x80".to_vec(),
            b"\xED\xA0\x80".to_vec(),
            b"\xF4\x90\x80\x80".to_vec(),
            [cjk.as_bytes(), b"\xFF", cjk.as_bytes()].concat(),
            "𝄞".repeat(100).into_bytes(),
        ];
        for bytes in &cases {
            assert_eq!(
                is_utf8(bytes),
                std::str::from_utf8(bytes).is_ok(),
                "{} bytes",
                bytes.len()
            );
        }
    }

    #[test]
    fn text_with_an_unclosed_reference_gives_up_as_quick_xml_refuses_it() {
        for closed in [
            "<a>x &amp; y</a>",
            "<a>&#20013;&foo;</a>",
            "<a>; & ;</a>",
            "<a>a;b</a>",
        ] {
            assert!(tokens(closed).is_ok(), "{closed}");
        }
        for dangling in ["<a>x & y</a>", "<a>&a&b;</a>", "<a>x &amp</a>", " & <a/>"] {
            assert_eq!(tokens(dangling), Err(Bail), "{dangling}");
        }
    }

    #[test]
    fn attributes_written_plainly_are_read_as_any_attributes_are() {
        let cases: [&[u8]; 12] = [
            b"",
            b" r=\"A1\" s=\"3\" t=\"s\"",
            b" t=\"s\" r=\"B2\"",
            b" r=\"A1\" r=\"A2\"",
            b" x=\"1\" s=\"\"",
            b"  r=\"A1\"",
            b" r = \"A1\"",
            b" r='A1' s=\"1\"",
            b" r=\"A1\"s=\"1\"",
            b" r=\"A1",
            b" r=\"A1\" ",
            b" r=\"a>b\" x:s=\"1\"",
        ];
        for attrs in cases {
            let tag = Tag {
                name: b"c",
                attrs,
                empty: false,
            };
            let general = {
                let mut rest = attrs;
                let mut found = [None; 3];
                let mut result = Ok(());
                loop {
                    match next_attribute(&mut rest) {
                        Ok(Some((name, value))) => {
                            if let Some(at) = [b"r", b"s", b"t"].iter().position(|k| *k == name) {
                                if found[at].is_some() {
                                    result = Err(Bail);
                                    break;
                                }
                                found[at] = Some(value);
                            }
                        }
                        Ok(None) => break,
                        Err(e) => {
                            result = Err(e);
                            break;
                        }
                    }
                }
                result.map(|()| found)
            };
            let keys: [&[u8]; 3] = [b"r", b"s", b"t"];
            assert_eq!(
                tag.attrs_of(keys),
                general,
                "{}",
                String::from_utf8_lossy(attrs)
            );
            if let Some(plain) = tag.plain_attrs_of(keys) {
                assert_eq!(plain, general, "{}", String::from_utf8_lossy(attrs));
            }
        }
    }

    #[test]
    fn attributes_are_a_name_an_equals_sign_and_a_quoted_value() {
        let attributes = |attrs: &'static [u8]| {
            Tag {
                name: b"c",
                attrs,
                empty: false,
            }
            .attributes()
        };
        assert_eq!(
            attributes(b" a=\"1\"  b = '2'\tc:d=\"x=y\" ").unwrap(),
            [
                (&b"a"[..], &b"1"[..]),
                (&b"b"[..], &b"2"[..]),
                (&b"c:d"[..], &b"x=y"[..])
            ]
        );
        for broken in [
            &b" a b=\"1\""[..],
            b" a=1",
            b" =\"1\"",
            b" a=\"1\"b=\"2\"",
            b" a",
            b" a=\"1",
            b" \"a\"=\"1\"",
        ] {
            assert_eq!(
                attributes(broken),
                Err(Bail),
                "{}",
                String::from_utf8_lossy(broken)
            );
        }
    }

    #[test]
    fn a_plain_element_is_read_in_one_step_and_anything_else_is_left_to_the_tokens() {
        let xml = b"<sst><si><t>a &amp; b</t></si><si><t></t></si><si><t xml:space=\"preserve\"> c</t></si><si><r><t>d</t></r></si><si><t>e</t><t>f</t></si><si><t>g</si></t></sst>";
        let mut scanner = Scanner::new(xml);
        assert!(
            scanner.plain_element(b"si", b"t").is_none(),
            "not at the part's start"
        );
        scanner.next_token().unwrap(); // <sst>
        assert_eq!(scanner.plain_element(b"si", b"t"), Some(&b"a &amp; b"[..]));
        assert_eq!(scanner.plain_element(b"si", b"t"), Some(&b""[..]));
        assert_eq!(scanner.open_elements(), Some(&[&b"sst"[..]][..]));
        // An attribute, a run, two texts, bad nesting: nothing moves.
        for case in 0..4 {
            let at = scanner.position();
            assert!(scanner.plain_element(b"si", b"t").is_none(), "case {case}");
            assert_eq!(scanner.position(), at);
            let Some(Token::Start(_)) = scanner.next_token().unwrap() else {
                panic!("a start tag")
            };
            // The badly nested last one is refused by the tokens too.
            let skipped = loop {
                match scanner.next_token() {
                    Ok(Some(Token::End(b"si"))) => break Ok(()),
                    Ok(Some(_)) => {}
                    Ok(None) | Err(_) => break Err(Bail),
                }
            };
            assert_eq!(skipped.is_err(), case == 3);
        }
    }

    #[test]
    fn a_value_and_its_cells_end_are_read_in_one_step_and_anything_else_is_left_to_the_tokens() {
        let xml = b"<row><c><v>12</v></c><c><v>1</v></c><c><v></v></c><c><v>a&amp;b</v></c><c><v>1</v> </c><c><v a=\"1\">1</v></c><c><v>1</v></x></c></row>";
        let mut scanner = Scanner::new(xml);
        scanner.next_token().unwrap(); // <row>
        assert!(scanner.text_and_close(b"v", b"c").is_none(), "<c> not open");
        scanner.next_token().unwrap(); // <c>
        assert_eq!(scanner.text_and_close(b"v", b"c"), Some(&b"12"[..]));
        assert_eq!(scanner.open_elements(), Some(&[&b"row"[..]][..]));
        scanner.next_token().unwrap(); // <c>
        assert!(
            scanner.text_and_close(b"v", b"x").is_none(),
            "another element open"
        );
        assert_eq!(scanner.text_and_close(b"v", b"c"), Some(&b"1"[..]));
        // Empty, a reference, white space before </c>, an attribute, bad nesting: nothing moves,
        // and the tokens read on as before.
        for case in 0..5 {
            let Some(Token::Start(_)) = scanner.next_token().unwrap() else {
                panic!("a start tag")
            };
            let at = scanner.position();
            assert!(scanner.text_and_close(b"v", b"c").is_none(), "case {case}");
            assert_eq!(scanner.position(), at);
            let skipped = loop {
                match scanner.next_token() {
                    Ok(Some(Token::End(b"c"))) => break Ok(()),
                    Ok(Some(_)) => {}
                    Ok(None) | Err(_) => break Err(Bail),
                }
            };
            assert_eq!(skipped.is_err(), case == 4, "case {case}");
        }
    }

    fn tokens(xml: &str) -> Result<Vec<String>, Bail> {
        let mut scanner = Scanner::new(xml.as_bytes());
        let mut out = Vec::new();
        while let Some(token) = scanner.next_token()? {
            out.push(match token {
                Token::Start(tag) => format!(
                    "<{}{}>",
                    String::from_utf8_lossy(tag.name),
                    if tag.empty { "/" } else { "" }
                ),
                Token::End(name) => format!("</{}>", String::from_utf8_lossy(name)),
                Token::Text(text) => String::from_utf8_lossy(text).into_owned(),
            });
        }
        Ok(out)
    }

    #[test]
    fn tags_text_and_attributes_are_read() {
        let xml = "\u{feff}<?xml version=\"1.0\" encoding=\"UTF-8\"?><x:c r=\"A1\" s='3' t=\"s\"><v>12</v></x:c><f a=\"x>y\"/>";
        assert_eq!(
            tokens(xml).unwrap(),
            ["<x:c>", "<v>", "12", "</v>", "</x:c>", "<f/>", "</f>"]
        );
        let mut scanner = Scanner::new(br#"<c r="B2"  s = '7' t="inlineStr"/>"#);
        let Some(Token::Start(tag)) = scanner.next_token().unwrap() else {
            panic!()
        };
        assert_eq!(tag.local(), b"c");
        assert!(tag.empty);
        assert_eq!(tag.attr(b"r"), Ok(Some(&b"B2"[..])));
        assert_eq!(tag.attr(b"s"), Ok(Some(&b"7"[..])));
        assert_eq!(tag.attr(b"t"), Ok(Some(&b"inlineStr"[..])));
        assert_eq!(tag.attr(b"x"), Ok(None));
        // A '>' inside an attribute value does not end the tag.
        let mut scanner = Scanner::new(br#"<numFmt formatCode="[>=100]0" numFmtId="5"/>"#);
        let Some(Token::Start(tag)) = scanner.next_token().unwrap() else {
            panic!()
        };
        assert_eq!(tag.attr(b"numFmtId"), Ok(Some(&b"5"[..])));
    }

    #[test]
    fn anything_unusual_gives_up() {
        for xml in [
            "<a><!-- note --></a>",
            "<a><![CDATA[x]]></a>",
            "<!DOCTYPE a><a/>",
            "<a",
            "<a b=\"1></a>",
            "</>",
            "<a><b></a></b>",
            "<?xml version=\"1.0\" encoding=\"GBK\"?><a/>",
            "\u{0}<\u{0}a\u{0}/\u{0}>",
            "<a></b>",
        ] {
            assert!(tokens(xml).is_err(), "{xml}");
        }
        for raw in ["&nbsp;", "&#0;", "&#xD800;", "&amp", "&#x;", "&#-5;"] {
            assert!(decode(raw.as_bytes()).is_err(), "{raw}");
        }
        assert_eq!(decode(b"\xff"), Err(Bail));
    }

    #[test]
    fn text_is_decoded_as_an_xml_processor_does() {
        assert_eq!(
            decode(b"a &lt; b &amp;&#26102;&#x95F4;").unwrap(),
            "a < b &时间"
        );
        assert_eq!(decode(b"l1\r\nl2\rl3&#13;").unwrap(), "l1\nl2\nl3\r");
        assert!(matches!(decode(b"plain"), Ok(Cow::Borrowed("plain"))));
        assert_eq!(unescape_excel("a_x000D_b"), "a\rb");
        assert_eq!(unescape_excel("_x005F_x000D_"), "_x000D_");
        assert_eq!(unescape_excel("_xD83D__xDCF7_"), "\u{1F4F7}");
        assert_eq!(unescape_excel("_xD83D_x"), "\u{FFFD}x");
        assert_eq!(unescape_excel("_x00_"), "_x00_");
    }
}
