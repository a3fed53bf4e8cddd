//! A scan of an .ods `content.xml` for what calamine does not give: each sheet's merged regions
//! (cells carrying `table:number-columns-spanned` / `table:number-rows-spanned`), and the extent
//! of the cells holding values, measured before calamine lays every sheet out as a rectangle.

use std::collections::HashMap;
use std::io::{Cursor, Read};

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::grid::Region;

/// A `content.xml` larger than this is not scanned for merges (the values still are read).
const MAX_CONTENT_BYTES: u64 = 256 * 1024 * 1024;
/// Repetitions of a row holding merged cells that are expanded, at most.
const MAX_ROW_REPEAT: u32 = 1_000;

/// What the scan found.
#[derive(Debug, Default)]
pub struct OdsScan {
    /// Merged regions by sheet name.
    pub merges: HashMap<String, Vec<Region>>,
    /// Rows and columns spanned by the cells holding values, by sheet name:
    /// (first row, last row, first column, last column).
    pub extents: HashMap<String, (u64, u64, u64, u64)>,
}

impl OdsScan {
    /// The sheet whose used area (rows × columns) is largest, and that area.
    pub fn largest_area(&self) -> Option<(&str, u64)> {
        self.extents
            .iter()
            .map(|(sheet, (r0, r1, c0, c1))| {
                (sheet.as_str(), (r1 - r0 + 1).saturating_mul(c1 - c0 + 1))
            })
            .max_by_key(|(sheet, area)| (*area, std::cmp::Reverse(*sheet)))
    }

    fn note_value(&mut self, sheet: &Option<String>, rows: (u64, u64), cols: (u64, u64)) {
        let Some(sheet) = sheet else { return };
        let extent = self
            .extents
            .entry(sheet.clone())
            .or_insert((rows.0, rows.1, cols.0, cols.1));
        extent.0 = extent.0.min(rows.0);
        extent.1 = extent.1.max(rows.1);
        extent.2 = extent.2.min(cols.0);
        extent.3 = extent.3.max(cols.1);
    }
}

/// Scans `content.xml`. Damaged XML ends the scan early: what was read so far is returned, since
/// calamine reports the damage itself.
pub fn scan(bytes: &[u8]) -> OdsScan {
    let mut found = OdsScan::default();
    let Some(xml) = content_xml(bytes) else {
        return found;
    };
    let mut merges: HashMap<String, Vec<Region>> = HashMap::new();
    let mut reader = Reader::from_reader(xml.as_slice());
    let mut buf = Vec::new();
    let mut sheet: Option<String> = None;
    let mut row: u32 = 0;
    let mut col: u32 = 0;
    let mut row_repeat: u32 = 1;
    let mut row_spans: Vec<(u32, u32, u32)> = Vec::new(); // (col, rows, cols) in this row
    let mut row_values: Option<(u64, u64)> = None; // columns holding values in this row
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
                        end_row(&mut merges, &sheet, row, row_repeat, &mut row_spans);
                        if let Some(cols) = row_values.take() {
                            let rows = (u64::from(row), u64::from(row) + u64::from(row_repeat) - 1);
                            found.note_value(&sheet, rows, cols);
                        }
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
                row_values = None;
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
                let repeat = number(e, "table:number-columns-repeated").max(1);
                // calamine takes values from covered cells too, so they count here as well.
                let holds_value = !is_empty || has_attr(e, "office:value-type");
                if holds_value {
                    let (first, last) = (u64::from(col), u64::from(col) + u64::from(repeat) - 1);
                    row_values = Some(
                        row_values.map_or((first, last), |(a, b)| (a.min(first), b.max(last))),
                    );
                }
                col = col.saturating_add(repeat);
            }
            _ => {}
        }
    }
    found.merges = merges;
    found
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

fn has_attr(e: &BytesStart<'_>, name: &str) -> bool {
    e.attributes().flatten().any(|a| a.key.as_ref() == name)
}

fn number(e: &BytesStart<'_>, name: &str) -> u32 {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .and_then(|a| a.value.trim().parse().ok())
        .unwrap_or(0)
}
