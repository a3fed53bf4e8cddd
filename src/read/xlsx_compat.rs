//! A copy of an .xlsx for calamine, made only when calamine must read a workbook (the fast reader
//! gave up on it or on one of its sheets) and would otherwise refuse or over-allocate for
//! something that does not make the file damaged:
//!
//! - a `sharedStrings.xml` whose `uniqueCount` no part of its size can hold: calamine reserves
//!   room for that many strings at open, so the copy's part goes without the attribute (the
//!   strings themselves are read as they come);
//! - macro sheets (`xl/macrosheets/…`, relationship types `xlMacrosheet` / `xlIntlMacrosheet`),
//!   which calamine 0.38 refuses whole ("Unrecognized sheet:type"): in the copy they are typed
//!   as dialog sheets, which calamine lists and never reads — so they are skipped with the note
//!   of chart and macro sheets, as in an .xls, and the worksheets are read.
//!
//! Every other part is copied as it is stored (not inflated again).

use std::io::{Cursor, Read, Write};

use zip::ZipArchive;
use zip::write::SimpleFileOptions;

use super::limits::unique_count_plausible;

const SHARED_STRINGS: &str = "xl/sharedStrings.xml";
const WORKBOOK_RELATIONSHIPS: &str = "xl/_rels/workbook.xml.rels";
/// Relationship types of macro sheets, as Excel writes them.
const MACRO_TYPES: [&[u8]; 2] = [b"/xlMacrosheet\"", b"/xlIntlMacrosheet\""];

/// The workbook as calamine should read it: `None` when calamine reads it as it is, else a
/// rewritten copy. `Err` carries the zip library's words when the archive cannot be copied.
pub fn calamine_copy(archive: &mut ZipArchive<Cursor<&[u8]>>) -> Result<Option<Vec<u8>>, String> {
    let mut replaced: Vec<(usize, Vec<u8>)> = Vec::new();
    if let Some(index) = index_of(archive, SHARED_STRINGS) {
        let mut entry = archive.by_index(index).map_err(|e| e.to_string())?;
        let size = entry.size();
        let mut head = Vec::with_capacity(4096);
        (&mut entry)
            .take(4096)
            .read_to_end(&mut head)
            .map_err(|e| e.to_string())?;
        if !unique_count_plausible(&head, size) {
            let mut xml = head;
            entry.read_to_end(&mut xml).map_err(|e| e.to_string())?;
            replaced.push((index, without_unique_count(xml)));
        }
    }
    if let Some(index) = index_of(archive, WORKBOOK_RELATIONSHIPS) {
        let mut xml = Vec::new();
        archive
            .by_index(index)
            .map_err(|e| e.to_string())?
            .read_to_end(&mut xml)
            .map_err(|e| e.to_string())?;
        if let Some(xml) = macro_sheets_as_dialogs(&xml) {
            replaced.push((index, xml));
        }
    }
    if replaced.is_empty() {
        return Ok(None);
    }
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for index in 0..archive.len() {
        match replaced.iter().find(|(i, _)| *i == index) {
            Some((_, data)) => {
                let name = archive
                    .name_for_index(index)
                    .and_then(Result::ok)
                    .map(|name| name.into_owned())
                    .unwrap_or_default();
                writer.start_file(name, stored).map_err(|e| e.to_string())?;
                writer.write_all(data).map_err(|e| e.to_string())?;
            }
            None => {
                let entry = archive.by_index_raw(index).map_err(|e| e.to_string())?;
                writer.raw_copy_file(entry).map_err(|e| e.to_string())?;
            }
        }
    }
    let bytes = writer.finish().map_err(|e| e.to_string())?.into_inner();
    Ok(Some(bytes))
}

/// The index of a part as calamine finds it: ignoring case and the kind of slash.
fn index_of(archive: &ZipArchive<Cursor<&[u8]>>, path: &str) -> Option<usize> {
    archive.index_for_name(path).or_else(|| {
        (0..archive.len()).find(|&index| {
            archive
                .name_for_index(index)
                .and_then(Result::ok)
                .is_some_and(|name| name.replace('\\', "/").eq_ignore_ascii_case(path))
        })
    })
}

/// The part without the `uniqueCount` attribute of its root element.
fn without_unique_count(mut xml: Vec<u8>) -> Vec<u8> {
    let head = &xml[..xml.len().min(4096)];
    if let Some(at) = memchr::memmem::find(head, b"uniqueCount=\"") {
        let value = at + b"uniqueCount=\"".len();
        if let Some(quote) = memchr::memchr(b'"', &xml[value..]) {
            // Also the space before the attribute, so the tag stays well formed either way.
            let start = if at > 0 && xml[at - 1].is_ascii_whitespace() {
                at - 1
            } else {
                at
            };
            xml.drain(start..value + quote + 1);
        }
    }
    xml
}

/// The workbook relationships with macro sheets typed as dialog sheets, or `None` when there
/// are none.
fn macro_sheets_as_dialogs(xml: &[u8]) -> Option<Vec<u8>> {
    if !MACRO_TYPES
        .iter()
        .any(|t| memchr::memmem::find(xml, t).is_some())
    {
        return None;
    }
    let mut out = Vec::with_capacity(xml.len());
    let mut rest = xml;
    while let Some((at, found)) = MACRO_TYPES
        .iter()
        .filter_map(|t| memchr::memmem::find(rest, t).map(|at| (at, *t)))
        .min_by_key(|(at, _)| *at)
    {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(b"/dialogsheet\"");
        rest = &rest[at + found.len()..];
    }
    out.extend_from_slice(rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_impossible_unique_count_is_taken_out() {
        let xml =
            br#"<sst xmlns="x" count="9640" uniqueCount="8876876876876"><si><t>a</t></si></sst>"#;
        let out = without_unique_count(xml.to_vec());
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"<sst xmlns="x" count="9640"><si><t>a</t></si></sst>"#
        );
    }

    #[test]
    fn macro_sheets_become_dialog_sheets() {
        let xml = br#"<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet" Target="macrosheets/sheet1.xml"/><Relationship Id="rId3" Type="http://schemas.microsoft.com/office/2006/relationships/xlIntlMacrosheet" Target="macrosheets/intl1.xml"/></Relationships>"#;
        let out = String::from_utf8(macro_sheets_as_dialogs(xml).unwrap()).unwrap();
        assert_eq!(out.matches("/dialogsheet\"").count(), 2, "{out}");
        assert!(out.contains("/worksheet\"") && !out.contains("Macrosheet"));
        assert_eq!(macro_sheets_as_dialogs(b"<Relationships/>"), None);
    }
}
