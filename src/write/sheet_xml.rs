//! The data rows of the summary workbook's list sheets as worksheet XML, written by jixiao and
//! spliced into the workbook rust_xlsxwriter saves.
//!
//! rust_xlsxwriter spent about 2,400 instructions on each cell of a list sheet (the row's cells
//! kept in a map, a format hashed and looked up, every piece of markup formatted through
//! `write!`) — 12 % of a batch's. Here each row's XML is made in one buffer and deflated as it
//! comes into a temporary file per sheet (see `zip_out.rs`); at the end the saved workbook is
//! copied entry by entry into the output, with each list sheet's deflated rows put in after its
//! header row (and its `<dimension>` made to cover them). The XML is byte for byte what
//! rust_xlsxwriter writes for the same cells (tests hold both together), so every part of
//! `summary.xlsx` is what it would have saved; only the deflated bytes differ. Everything else —
//! 汇总 with its formulas and chart, headers, widths, filters, frozen panes, styles — is still
//! rust_xlsxwriter's.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Cursor, Read, Write};
use std::path::Path;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::XlsxError;
use zip::{CompressionMethod, ZipArchive};

use super::cells::{XCell, column_letter, excel_date};
use super::direct::DirectWriter;
use super::zip_out::{Deflated, Deflater, Method, ZipOut, deflate};

/// Excel's longest cell text, in UTF-16 units (rust_xlsxwriter refuses longer).
const MAX_STRING_LEN: usize = 32_767;

/// The rows of one list sheet (one part of it), as XML deflated into a temporary file.
pub struct SheetRows {
    rows: Deflater<DirectWriter>,
    /// Reused for each row.
    row: Vec<u8>,
    /// The last row (0-based) and column any cell was written in.
    last_row: u32,
    last_col: u16,
    /// Whether any row was written.
    written: bool,
}

impl SheetRows {
    /// Rows for a sheet whose header (row 0) spans `header_cols` columns, deflated at zip
    /// `level`; the file goes in `tempdir`.
    pub fn new(tempdir: &Path, header_cols: usize, level: u32) -> std::io::Result<SheetRows> {
        Ok(SheetRows {
            rows: Deflater::new(level, DirectWriter::new(tempfile::tempfile_in(tempdir)?)),
            row: Vec::with_capacity(4096),
            last_row: 0,
            last_col: header_cols.saturating_sub(1) as u16,
            written: false,
        })
    }

    /// Writes row `row` (0-based) of `cells`; `style` gives the index of a format the first
    /// time a kind of cell needs it. A row without a cell writes nothing, as rust_xlsxwriter.
    pub fn write(
        &mut self,
        row: u32,
        cells: &[XCell],
        style: &mut impl FnMut(Format) -> u32,
    ) -> Result<(), XlsxError> {
        let out = &mut self.row;
        let r = row + 1;
        out.clear();
        out.extend_from_slice(b"<row r=\"");
        push_number(out, r);
        out.extend_from_slice(b"\">");
        let mut last_col = None;
        for (col, cell) in cells.iter().enumerate() {
            let col = col as u16;
            let start = out.len();
            match cell {
                XCell::Text(text) if !text.is_empty() => {
                    // (A text of no more bytes than the limit has no more UTF-16 units.)
                    if text.len() > MAX_STRING_LEN && text.encode_utf16().count() > MAX_STRING_LEN {
                        return Err(XlsxError::MaxStringLengthExceeded);
                    }
                    cell_start(out, col, r, 0);
                    out.extend_from_slice(b" t=\"inlineStr\"><is><t");
                    let edge = ['\t', '\n', ' '];
                    if text.starts_with(edge) || text.ends_with(edge) {
                        out.extend_from_slice(b" xml:space=\"preserve\"");
                    }
                    out.push(b'>');
                    push_escaped(out, text);
                    out.extend_from_slice(b"</t></is></c>");
                }
                XCell::Money(Some(amount)) => {
                    number_cell(out, col, r, style(Format::Money), *amount)?;
                }
                XCell::Number(Some(number)) => number_cell(out, col, r, 0, *number)?,
                XCell::Date(Some(date)) => {
                    let serial = excel_date(*date)?.to_excel();
                    cell_start(out, col, r, style(Format::Date));
                    let _ = write!(out, "><v>{serial}</v></c>");
                }
                XCell::Percent(Some(fraction)) => {
                    number_cell(out, col, r, style(Format::Percent), *fraction)?;
                }
                XCell::RowDifference { .. } | XCell::RowChange { .. } => {
                    let format = match cell {
                        XCell::RowDifference { .. } => Format::Money,
                        _ => Format::Percent,
                    };
                    if let Some((formula, cached)) = cell.formula(row) {
                        formula_cell(out, col, r, style(format), &formula, &cached);
                    }
                }
                _ => {}
            }
            if out.len() > start {
                last_col = Some(col);
            }
        }
        let Some(last_col) = last_col else {
            return Ok(());
        };
        self.last_row = row;
        self.last_col = self.last_col.max(last_col);
        self.written = true;
        self.row.extend_from_slice(b"</row>");
        self.rows.write(&self.row)?;
        Ok(())
    }

    /// The sheet's `<dimension>` reference: from A1 (the header) to the last cell.
    fn dimension(&self) -> String {
        if self.last_row == 0 && self.last_col == 0 {
            "A1".to_owned()
        } else {
            format!("A1:{}{}", column_letter(self.last_col), self.last_row + 1)
        }
    }
}

/// The formats of list cells, by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `#,##0.00`
    Money,
    /// `0.00%`
    Percent,
    /// `yyyy-mm-dd`
    Date,
}

/// `<c r="B7"` and ` s="3"` when styled (the caller goes on with the rest of the cell).
fn cell_start(out: &mut Vec<u8>, col: u16, row: u32, style: u32) {
    out.extend_from_slice(b"<c r=\"");
    push_column(out, col);
    push_number(out, row);
    out.push(b'"');
    if style > 0 {
        out.extend_from_slice(b" s=\"");
        push_number(out, style);
        out.push(b'"');
    }
}

fn number_cell(
    out: &mut Vec<u8>,
    col: u16,
    row: u32,
    style: u32,
    number: Decimal,
) -> Result<(), XlsxError> {
    let Some(number) = number.to_f64() else {
        return Err(XlsxError::ParameterError(format!(
            "Cannot represent Decimal {number:?} as an Excel f64 value."
        )));
    };
    cell_start(out, col, row, style);
    let _ = write!(out, "><v>{number}</v></c>");
    Ok(())
}

/// A formula cell with its cached result, as rust_xlsxwriter writes `Formula::new(formula)
/// .set_result(result)` (an empty result is its default, 0).
fn formula_cell(out: &mut Vec<u8>, col: u16, row: u32, style: u32, formula: &str, result: &str) {
    let result = if result.is_empty() { "0" } else { result };
    cell_start(out, col, row, style);
    if result.parse::<f64>().is_err() {
        out.extend_from_slice(match result {
            "#DIV/0!" | "#N/A" | "#NAME?" | "#NULL!" | "#NUM!" | "#REF!" | "#VALUE!"
            | "#GETTING_DATA" => b" t=\"e\"".as_slice(),
            "TRUE" | "FALSE" => b" t=\"b\"".as_slice(),
            _ => b" t=\"str\"".as_slice(),
        });
    }
    out.extend_from_slice(b"><f>");
    push_xml_data(out, formula);
    out.extend_from_slice(b"</f><v>");
    match result {
        "TRUE" => out.push(b'1'),
        "FALSE" => out.push(b'0'),
        _ => push_xml_data(out, result),
    }
    out.extend_from_slice(b"</v></c>");
}

/// Text as rust_xlsxwriter writes it in a cell: a literal `_xHHHH_` escaped as `_x005F_xHHHH_`,
/// then `&`, `<`, `>` and control characters escaped.
fn push_escaped(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    let has_escape_like =
        memchr::memchr_iter(b'_', bytes).any(|at| bytes.get(at + 1) == Some(&b'x'));
    if !has_escape_like {
        push_xml_data(out, text);
        return;
    }
    // Each "_x" followed by four hex digits and "_" gets "_x005F" before it.
    let mut escaped = String::with_capacity(text.len() + 8);
    let mut from = 0;
    for (at, _) in text.match_indices("_x") {
        let literal = bytes.len() >= at + 7
            && bytes[at + 6] == b'_'
            && bytes[at + 2..at + 6].iter().all(u8::is_ascii_hexdigit);
        if literal {
            escaped.push_str(&text[from..at]);
            escaped.push_str("_x005F");
            from = at;
        }
    }
    escaped.push_str(&text[from..]);
    push_xml_data(out, &escaped);
}

/// The bytes that begin something to escape: control characters but tab and line feed, `&`,
/// `<`, `>`, and 0xEF (U+FFFE and U+FFFF begin with it, and so does other text).
const MAY_ESCAPE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = b != 0x09 && b != 0x0A;
        b += 1;
    }
    table[b'&' as usize] = true;
    table[b'<' as usize] = true;
    table[b'>' as usize] = true;
    table[0xEF] = true;
    table
};

/// `&`, `<`, `>`, control characters (but tab and line feed) and U+FFFE/U+FFFF escaped, as
/// rust_xlsxwriter escapes cell text (all of them are found by their bytes: ASCII, or the
/// three bytes EF BF BE/BF).
fn push_xml_data(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    // Most text has nothing to escape: one pass over a table of the bytes that may need it.
    let Some(first) = bytes.iter().position(|&b| MAY_ESCAPE[usize::from(b)]) else {
        out.extend_from_slice(bytes);
        return;
    };
    let mut from = 0;
    let mut at = first;
    while at < bytes.len() {
        let b = bytes[at];
        let (escape, len): (&[u8], usize) = match b {
            b'&' => (b"&amp;", 1),
            b'<' => (b"&lt;", 1),
            b'>' => (b"&gt;", 1),
            b'\t' | b'\n' => {
                at += 1;
                continue;
            }
            0x00..=0x1F => {
                out.extend_from_slice(&bytes[from..at]);
                let _ = write!(out, "_x{b:04X}_");
                at += 1;
                from = at;
                continue;
            }
            0xEF if bytes.get(at + 1) == Some(&0xBF) && bytes.get(at + 2) == Some(&0xBE) => {
                (b"_xFFFE_", 3)
            }
            0xEF if bytes.get(at + 1) == Some(&0xBF) && bytes.get(at + 2) == Some(&0xBF) => {
                (b"_xFFFF_", 3)
            }
            _ => {
                at += 1;
                continue;
            }
        };
        out.extend_from_slice(&bytes[from..at]);
        out.extend_from_slice(escape);
        at += len;
        from = at;
    }
    out.extend_from_slice(&bytes[from..]);
}

fn push_column(out: &mut Vec<u8>, col: u16) {
    let mut n = u32::from(col) + 1;
    let mut letters = [0u8; 4];
    let mut at = letters.len();
    while n > 0 {
        at -= 1;
        letters[at] = b'A' + ((n - 1) % 26) as u8;
        n = (n - 1) / 26;
    }
    out.extend_from_slice(&letters[at..]);
}

fn push_number(out: &mut Vec<u8>, mut n: u32) {
    let mut digits = [0u8; 10];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

/// Copies the workbook rust_xlsxwriter saved (`packaged`) to `path`, putting each list sheet's
/// rows (by part name, `xl/worksheets/sheetN.xml`) in after its header row. Every entry keeps
/// its name, order and content, deflated at `level` (or stored, as rust_xlsxwriter stored it).
pub fn splice(
    packaged: &[u8],
    mut rows: HashMap<String, SheetRows>,
    level: u32,
    path: &Path,
) -> Result<(), XlsxError> {
    let mut source = ZipArchive::new(Cursor::new(packaged))?;
    let mut zip = ZipOut::new(DirectWriter::new(File::create(path)?));
    for index in 0..source.len() {
        let mut entry = source.by_index(index)?;
        let name = entry.name()?.into_owned();
        let stored = entry.compression() == CompressionMethod::Stored;
        let mut xml = Vec::with_capacity(entry.size() as usize);
        entry.read_to_end(&mut xml)?;
        let sheet = rows.remove(&name);
        if sheet.is_some() && stored {
            // Deflated rows cannot go into a part kept as it is (rust_xlsxwriter deflates
            // every worksheet); losing them quietly would be worse than no file.
            return Err(XlsxError::ParameterError(format!(
                "{name}: 未压缩的工作表无法放入行"
            )));
        }
        let Some(sheet) = sheet else {
            let (method, data) = if stored {
                (Method::Stored, Deflated::stored(xml))
            } else {
                (Method::Deflated, deflate(&xml, level, true)?)
            };
            zip.entry(&name, method, &data, |out| out.write_all(&data.out))?;
            continue;
        };
        let (start, header, end) = split_at_rows(&xml, sheet.written)
            .ok_or_else(|| XlsxError::ParameterError(format!("{name}: 表头之后的结构无法识别")))?;
        let mut head = with_dimension(start, &sheet.dimension());
        head.extend_from_slice(header);
        let head = deflate(&head, level, false)?;
        let body = sheet.rows.finish(false)?;
        let tail = deflate(end, level, true)?;
        let mut crc = head.crc.clone();
        crc.combine(&body.crc);
        crc.combine(&tail.crc);
        let whole = Deflated {
            out: (),
            crc,
            size: head.size + body.size + tail.size,
            compressed: head.compressed + body.compressed + tail.compressed,
        };
        let mut scratch = body.out.into_file()?;
        zip.entry(&name, Method::Deflated, &whole, |out| {
            out.write_all(&head.out)?;
            super::direct::copy_from_start(&mut scratch, body.compressed, out)?;
            out.write_all(&tail.out)
        })?;
    }
    // Rows for a part the workbook does not have would be lost: that is an error, not a file.
    if let Some(name) = rows.keys().min() {
        return Err(XlsxError::ParameterError(format!(
            "{name}: 工作簿中没有这个工作表"
        )));
    }
    zip.finish()?.into_file()?;
    Ok(())
}

/// A list sheet's XML as rust_xlsxwriter saved it (the header row only), in three: up to
/// `<sheetData>`, the header row, from `</sheetData>` on. Saved with the header as its last row,
/// the header's height is written a second time, as an empty `<row r="1" …/>` after it; with
/// rows after the header (as when rust_xlsxwriter wrote them) it is not, so it is left out when
/// there are rows.
fn split_at_rows(xml: &[u8], rows: bool) -> Option<(&[u8], &[u8], &[u8])> {
    const DATA: &[u8] = b"<sheetData>";
    let start = memchr::memmem::find(xml, DATA)? + DATA.len();
    let end = start + memchr::memmem::find(&xml[start..], b"</sheetData>")?;
    if !rows {
        return Some((&xml[..start], &xml[start..end], &xml[end..]));
    }
    let header_end = start + memchr::memmem::find(&xml[start..end], b"</row>")? + b"</row>".len();
    let between = &xml[header_end..end];
    let repeated_height = between.is_empty()
        || (between.starts_with(b"<row r=\"1\"")
            && between.ends_with(b"/>")
            && memchr::memchr(b'>', between) == Some(between.len() - 1));
    repeated_height.then(|| (&xml[..start], &xml[start..header_end], &xml[end..]))
}

/// The head of a sheet's XML with its `<dimension ref="…"/>` set to `reference`.
fn with_dimension(head: &[u8], reference: &str) -> Vec<u8> {
    const TAG: &[u8] = b"<dimension ref=\"";
    let mut out = Vec::with_capacity(head.len() + 16);
    match memchr::memmem::find(head, TAG) {
        Some(at) => {
            let value = at + TAG.len();
            let end = memchr::memchr(b'"', &head[value..]).map_or(head.len(), |e| value + e);
            out.extend_from_slice(&head[..value]);
            out.extend_from_slice(reference.as_bytes());
            out.extend_from_slice(&head[end..]);
        }
        None => out.extend_from_slice(head),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_named_as_excel_names_them() {
        for (col, name) in [
            (0, "A"),
            (25, "Z"),
            (26, "AA"),
            (51, "AZ"),
            (701, "ZZ"),
            (702, "AAA"),
        ] {
            let mut out = Vec::new();
            push_column(&mut out, col);
            assert_eq!(out, name.as_bytes());
            assert_eq!(column_letter(col), name);
        }
        let mut out = Vec::new();
        push_number(&mut out, 1_048_576);
        assert_eq!(out, b"1048576");
    }

    #[test]
    fn rows_for_a_sheet_the_workbook_lacks_are_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let mut book = rust_xlsxwriter::Workbook::new();
        book.add_worksheet();
        let packaged = book.save_to_buffer().unwrap();
        let mut rows = SheetRows::new(dir.path(), 1, 1).unwrap();
        rows.write(1, &[XCell::Text("x".into())], &mut |_| 1)
            .unwrap();
        let parts = HashMap::from([("xl/worksheets/sheet9.xml".to_owned(), rows)]);
        let out = dir.path().join("o.xlsx");
        let error = splice(&packaged, parts, 1, &out).unwrap_err();
        assert!(error.to_string().contains("sheet9.xml"), "{error}");
    }

    #[test]
    fn text_is_escaped_as_rust_xlsxwriter_escapes_it() {
        let cases = [
            ("a<b>&c", "a&lt;b&gt;&amp;c"),
            ("tab\tline\nok", "tab\tline\nok"),
            ("bell\x07cr\r", "bell_x0007_cr_x000D_"),
            (
                "_x0041_ and _x00_ and _xZZZZ_",
                "_x005F_x0041_ and _x00_ and _xZZZZ_",
            ),
            ("_x0041__x0042_", "_x005F_x0041__x005F_x0042_"),
            ("\u{FFFE}\u{FFFF}", "_xFFFE__xFFFF_"),
            ("资金_x4E2D_", "资金_x005F_x4E2D_"),
            ("！（）\u{FFFD}\u{FFFE}", "！（）\u{FFFD}_xFFFE_"),
            ("a_b x_ _y", "a_b x_ _y"),
        ];
        for (text, expected) in cases {
            let mut out = Vec::new();
            push_escaped(&mut out, text);
            assert_eq!(String::from_utf8(out).unwrap(), expected, "{text:?}");
        }
    }
}
