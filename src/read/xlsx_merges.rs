//! Merged regions of .xlsx sheets, read straight from the sheet XML's `<mergeCells>` block.
//!
//! calamine's merged-region API parses the whole sheet XML a second time (after the cells were
//! read); the block sits at the end of the sheet and is a flat list of `ref="A1:F1"` attributes,
//! so a byte scan of the inflated part finds it without parsing XML at all.

use std::collections::HashMap;
use std::io::Cursor;

use memchr::memmem;

use super::grid::{Region, parse_a1};

/// Sheet parts larger than this (inflated) are not scanned for merges.
pub const MAX_SHEET_XML: u64 = 512 * 1024 * 1024;

/// The sheet part paths of a workbook, by sheet name, from `xl/workbook.xml` and its rels.
pub fn sheet_paths(archive: &mut zip::ZipArchive<Cursor<&[u8]>>) -> HashMap<String, String> {
    let mut paths = HashMap::new();
    let (Some(workbook), Some(rels)) = (
        read_part(archive, "xl/workbook.xml", 64 * 1024 * 1024),
        read_part(archive, "xl/_rels/workbook.xml.rels", 64 * 1024 * 1024),
    ) else {
        return paths;
    };
    let targets: HashMap<String, String> = elements(&rels, b"Relationship")
        .filter_map(|tag| Some((attribute(tag, b"Id")?, attribute(tag, b"Target")?)))
        .collect();
    for tag in elements(&workbook, b"sheet") {
        let (Some(name), Some(id)) = (attribute(tag, b"name"), attribute_suffix(tag, b":id"))
        else {
            continue;
        };
        if let Some(target) = targets.get(&id) {
            let path = match target.strip_prefix('/') {
                Some(absolute) => absolute.to_owned(),
                None => format!("xl/{target}"),
            };
            paths.insert(unescape(&name), path);
        }
    }
    paths
}

/// The merged regions of the sheet part at `path`.
pub fn merged_regions(archive: &mut zip::ZipArchive<Cursor<&[u8]>>, path: &str) -> Vec<Region> {
    match sheet_xml(archive, path) {
        Some(xml) => merges_in(&xml),
        None => Vec::new(),
    }
}

/// The inflated XML of the sheet part at `path` (`None` when it is missing, too large or
/// damaged).
pub fn sheet_xml(archive: &mut zip::ZipArchive<Cursor<&[u8]>>, path: &str) -> Option<Vec<u8>> {
    read_part(archive, path, MAX_SHEET_XML)
}

/// The regions listed in a sheet part's `<mergeCells>` block.
pub fn merges_in(xml: &[u8]) -> Vec<Region> {
    match block_start(xml) {
        Some(start) => regions_from(xml, start),
        None => Vec::new(),
    }
}

/// The merged regions of a whole sheet part whose rows end at `rows_end`, as the part read in
/// pieces finds them: the block after the rows, where spreadsheets write it, else one before
/// `<sheetData>` — never a block name within the rows, which can only be text or an attribute's
/// value there (the fast reader gives up on any element it does not know among the rows).
/// [`merges_in`] of the whole part for every part but such malformed ones.
pub fn merges_outside_rows(xml: &[u8], rows_end: usize) -> Vec<Region> {
    let after = merges_in(xml.get(rows_end..).unwrap_or_default());
    if !after.is_empty() {
        return after;
    }
    let rows = memmem::find(xml, b"sheetData").unwrap_or(0);
    merges_in(&xml[..rows])
}

/// The last start tag of a `<mergeCells>` block (`</mergeCells>` is the last
/// "mergeCells" in the part, so the name alone is not enough), found searching forwards:
/// memchr's forward search is vectorized, its backward one is not.
fn block_start(xml: &[u8]) -> Option<usize> {
    memmem::find_iter(xml, b"mergeCells")
        .filter(|&at| is_start_tag(xml, at))
        .last()
}

/// The regions of the block whose start tag's name is at `start`.
fn regions_from(xml: &[u8], start: usize) -> Vec<Region> {
    let block = &xml[start..];
    let end = memmem::find(block, b"/mergeCells").unwrap_or(block.len());
    let block = &block[..end];
    // Every "ref=" of the block, by a plain loop over its bytes (a `<mergeCell ref="A1:F1"/>`
    // is too short for a vector search to pay): the value up to the quote that opened it.
    let mut regions = Vec::new();
    for at in 3..block.len() {
        if block[at] != b'=' || &block[at - 3..at] != b"ref" {
            continue;
        }
        let rest = &block[at + 1..];
        let Some(&quote) = rest.first() else {
            continue;
        };
        let Some(close) = rest[1..].iter().position(|&b| b == quote) else {
            continue;
        };
        if let Some(region) = range_of(&rest[1..1 + close]) {
            regions.push(region);
        }
    }
    regions
}

/// [`parse_range`] of raw bytes: a range of two references as spreadsheets write them read by
/// [`parse_a1`], anything else as text.
fn range_of(raw: &[u8]) -> Option<Region> {
    let (first, last) = match raw.iter().position(|&b| b == b':') {
        Some(colon) => (&raw[..colon], &raw[colon + 1..]),
        None => (raw, raw),
    };
    match (parse_a1(first), parse_a1(last)) {
        (Some((r0, c0)), Some((r1, c1))) => Some(Region {
            first_row: r0.min(r1),
            first_col: c0.min(c1),
            last_row: r0.max(r1),
            last_col: c0.max(c1),
        }),
        _ => parse_range(std::str::from_utf8(raw).ok()?),
    }
}

fn read_part(
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
    path: &str,
    limit: u64,
) -> Option<Vec<u8>> {
    let index = archive.index_for_name(path)?;
    super::zip_entry::content(archive, index, limit)
}

/// The start tags named `name` (with any namespace prefix), as raw bytes between `<` and `>`.
fn elements<'x>(xml: &'x [u8], name: &'x [u8]) -> impl Iterator<Item = &'x [u8]> + 'x {
    memmem::find_iter(xml, name).filter_map(move |at| {
        if !is_start_tag(xml, at) {
            return None;
        }
        let after = xml.get(at + name.len())?;
        if !after.is_ascii_whitespace() && *after != b'/' && *after != b'>' {
            return None;
        }
        let end = at + memchr::memchr(b'>', &xml[at..])?;
        Some(&xml[at..end])
    })
}

/// True when the name at `at` opens a start tag: `<name` or `<prefix:name`, not `</name`.
fn is_start_tag(xml: &[u8], at: usize) -> bool {
    let Some(before) = xml[..at].iter().rposition(|&b| b == b'<' || b == b'>') else {
        return false;
    };
    let prefix = &xml[before + 1..at];
    xml[before] == b'<'
        && (prefix.is_empty() || prefix.ends_with(b":"))
        && !prefix.iter().any(|&b| b == b' ' || b == b'/')
}

/// The value of the attribute `name` (exactly) in a start tag.
fn attribute(tag: &[u8], name: &[u8]) -> Option<String> {
    let mut search = 0;
    while let Some(found) = memmem::find(&tag[search..], name) {
        let at = search + found;
        search = at + name.len();
        let preceded = at > 0 && tag[at - 1].is_ascii_whitespace();
        if preceded && tag.get(at + name.len()) == Some(&b'=') {
            return quoted(&tag[at + name.len() + 1..]);
        }
    }
    None
}

/// The value of the first attribute whose name ends with `suffix` (`r:id`, `x:id` …).
fn attribute_suffix(tag: &[u8], suffix: &[u8]) -> Option<String> {
    let mut search = 0;
    while let Some(found) = memmem::find(&tag[search..], suffix) {
        let at = search + found;
        search = at + suffix.len();
        if tag.get(at + suffix.len()) == Some(&b'=') {
            return quoted(&tag[at + suffix.len() + 1..]);
        }
    }
    None
}

fn quoted(rest: &[u8]) -> Option<String> {
    let quote = *rest.first()?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let close = memchr::memchr(quote, &rest[1..])?;
    String::from_utf8(rest[1..1 + close].to_vec()).ok()
}

fn unescape(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    crate::text::strip_html(text).into_owned()
}

/// "A1:F1" (or a single "B3") as a region.
fn parse_range(text: &str) -> Option<Region> {
    let (first, last) = text.split_once(':').unwrap_or((text, text));
    let (r0, c0) = parse_cell(first)?;
    let (r1, c1) = parse_cell(last)?;
    Some(Region {
        first_row: r0.min(r1),
        first_col: c0.min(c1),
        last_row: r0.max(r1),
        last_col: c0.max(c1),
    })
}

fn parse_cell(text: &str) -> Option<(u32, u32)> {
    if let Some(cell) = parse_a1(text.as_bytes()) {
        return Some(cell);
    }
    let text = text.trim().trim_start_matches('$');
    let letters = text.bytes().take_while(u8::is_ascii_alphabetic).count();
    if letters == 0 || letters > 3 {
        return None;
    }
    let col = text[..letters].bytes().fold(0u32, |acc, b| {
        acc * 26 + u32::from(b.to_ascii_uppercase() - b'A' + 1)
    }) - 1;
    let row: u32 = text[letters..].trim_start_matches('$').parse().ok()?;
    Some((row.checked_sub(1)?, col))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_parse_as_regions() {
        let r = parse_range("B12:B14").unwrap();
        assert_eq!(
            (r.first_row, r.first_col, r.last_row, r.last_col),
            (11, 1, 13, 1)
        );
        assert!(parse_range("A1:XFD1048576").is_some());
        assert_eq!(parse_range("$A$1:$C$2").unwrap().last_col, 2);
        assert!(parse_range("1:2").is_none());
        assert!(parse_range("A0").is_none());
        for raw in [
            "B12:B14",
            "B3",
            "$A$1:$C$2",
            "1:2",
            "A0",
            "A1:B0",
            "A1:B2:C3",
            "C3:A1",
            ":",
        ] {
            assert_eq!(range_of(raw.as_bytes()), parse_range(raw), "{raw}");
        }
        // The one-pass reading agrees with the general one wherever it reads.
        for text in [
            "A1",
            "b7",
            "XFD1048576",
            "AB0",
            "ZZZ999999999",
            "A",
            "1",
            "ABCD1",
            "A1B",
            " A1",
            "$A$1",
            "A+1",
            "A01",
            "A1234567890",
            "é1",
        ] {
            let general = {
                let t = text.trim().trim_start_matches('$');
                let letters = t.bytes().take_while(u8::is_ascii_alphabetic).count();
                (1..=3)
                    .contains(&letters)
                    .then(|| {
                        let col = t[..letters].bytes().fold(0u32, |acc, b| {
                            acc * 26 + u32::from(b.to_ascii_uppercase() - b'A' + 1)
                        }) - 1;
                        let row: Option<u32> = t[letters..].trim_start_matches('$').parse().ok();
                        row.and_then(|r| r.checked_sub(1)).map(|r| (r, col))
                    })
                    .flatten()
            };
            assert_eq!(parse_cell(text), general, "{text}");
            if let Some(plain) = parse_a1(text.as_bytes()) {
                assert_eq!(Some(plain), general, "{text}");
            }
        }
    }

    #[test]
    fn tags_and_attributes_are_found_with_or_without_prefixes() {
        let xml = r#"<x:sheets><x:sheet name="A&amp;B" sheetId="1" r:id="rId1"/><sheet name='表6' r:id='rId2'/></x:sheets>"#.as_bytes();
        let tags: Vec<&[u8]> = elements(xml, b"sheet").collect();
        assert_eq!(tags.len(), 2);
        assert_eq!(attribute(tags[0], b"name").as_deref(), Some("A&amp;B"));
        assert_eq!(attribute_suffix(tags[0], b":id").as_deref(), Some("rId1"));
        assert_eq!(attribute(tags[1], b"name").as_deref(), Some("表6"));
        assert_eq!(unescape("A&amp;B"), "A&B");
    }

    #[test]
    fn the_merge_block_is_found_by_its_start_tag_not_its_end_tag() {
        // As Excel, rust_xlsxwriter and LibreOffice write it: the block, then more elements.
        let xml = br#"<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>mergeCells</t></is></c></row></sheetData><mergeCells count="2"><mergeCell ref="A1:B1"/><mergeCell ref="C3:C5"/></mergeCells><pageMargins left="0.7"/></worksheet>"#;
        let merges = merges_in(xml);
        assert_eq!(merges.len(), 2, "{merges:?}");
        assert_eq!((merges[1].first_row, merges[1].last_row), (2, 4));
        let prefixed = br#"<x:worksheet><x:mergeCells count="1"><x:mergeCell ref="D4:E4"/></x:mergeCells></x:worksheet>"#;
        assert_eq!(merges_in(prefixed).len(), 1);
        assert!(merges_in(br#"<worksheet><mergeCells count="0"/></worksheet>"#).is_empty());
        assert!(merges_in(br#"<worksheet><sheetData/></worksheet>"#).is_empty());
    }
}
