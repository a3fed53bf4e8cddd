//! Merged regions of .ods sheets, which calamine does not report: read from `content.xml`, where
//! a merged cell carries `table:number-columns-spanned` / `table:number-rows-spanned`.

use std::collections::HashMap;
use std::io::{Cursor, Read};

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::grid::Region;

/// A `content.xml` larger than this is not scanned for merges (the values still are read).
const MAX_CONTENT_BYTES: u64 = 256 * 1024 * 1024;
/// Repetitions of a row holding merged cells that are expanded, at most.
const MAX_ROW_REPEAT: u32 = 1_000;

/// The merged regions of every sheet, by sheet name. Damaged XML ends the scan early: what was
/// read so far is returned, since merges only refine what the reader sees.
pub fn merged_regions_by_sheet(bytes: &[u8]) -> HashMap<String, Vec<Region>> {
    let mut by_sheet = HashMap::new();
    let Some(xml) = content_xml(bytes) else {
        return by_sheet;
    };
    let mut reader = Reader::from_reader(xml.as_slice());
    let mut buf = Vec::new();
    let mut sheet: Option<String> = None;
    let mut row: u32 = 0;
    let mut col: u32 = 0;
    let mut row_repeat: u32 = 1;
    let mut row_spans: Vec<(u32, u32, u32)> = Vec::new(); // (col, rows, cols) in this row
    loop {
        buf.clear();
        let event = match reader.read_event_into(&mut buf) {
            Ok(event) => event,
            Err(_) => break,
        };
        let (start, is_empty) = match &event {
            Event::Start(e) => (Some(e), false),
            Event::Empty(e) => (Some(e), true),
            Event::End(e) => {
                match e.name().as_ref() {
                    "table:table-row" => {
                        end_row(&mut by_sheet, &sheet, row, row_repeat, &mut row_spans);
                        row = row.saturating_add(row_repeat);
                    }
                    "table:table" => sheet = None,
                    _ => {}
                }
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let Some(e) = start else { continue };
        match e.name().as_ref() {
            "table:table" if !is_empty => {
                sheet = attr(e, "table:name");
                row = 0;
            }
            "table:table-row" => {
                col = 0;
                row_repeat = number(e, "table:number-rows-repeated").max(1);
                row_spans.clear();
                if is_empty {
                    row = row.saturating_add(row_repeat);
                }
            }
            "table:table-cell" | "table:covered-table-cell" => {
                let rows = number(e, "table:number-rows-spanned").max(1);
                let cols = number(e, "table:number-columns-spanned").max(1);
                if rows > 1 || cols > 1 {
                    row_spans.push((col, rows, cols));
                }
                col = col.saturating_add(number(e, "table:number-columns-repeated").max(1));
            }
            _ => {}
        }
    }
    by_sheet
}

fn end_row(
    by_sheet: &mut HashMap<String, Vec<Region>>,
    sheet: &Option<String>,
    row: u32,
    repeat: u32,
    spans: &mut Vec<(u32, u32, u32)>,
) {
    let Some(sheet) = sheet else { return };
    let regions = by_sheet.entry(sheet.clone()).or_default();
    for offset in 0..repeat.min(MAX_ROW_REPEAT) {
        for &(col, rows, cols) in spans.iter() {
            let first_row = row.saturating_add(offset);
            regions.push(Region {
                first_row,
                first_col: col,
                last_row: first_row.saturating_add(rows - 1),
                last_col: col.saturating_add(cols - 1),
            });
        }
    }
    spans.clear();
}

fn content_xml(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let entry = archive.by_name("content.xml").ok()?;
    if entry.size() > MAX_CONTENT_BYTES {
        return None;
    }
    let mut xml = Vec::with_capacity(entry.size() as usize);
    entry.take(MAX_CONTENT_BYTES).read_to_end(&mut xml).ok()?;
    Some(xml)
}

fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .and_then(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
}

fn number(e: &BytesStart<'_>, name: &str) -> u32 {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .and_then(|a| a.value.trim().parse().ok())
        .unwrap_or(0)
}
