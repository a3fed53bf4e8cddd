//! Opening a workbook whatever its format, and turning each sheet into a [`Grid`].
//!
//! The format is decided by the file's bytes, not its name (a .xls saved as .xlsx still opens);
//! each format has its own small adapter over calamine, the way calamine's `auto.rs` dispatches.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{Cursor, Read};

use calamine::{Data, DataRef, Dimensions, Ods, Reader, Xls, XlsOptions, Xlsb, Xlsx};

use super::explain::unreadable;
use super::grid::{Cell, CellValue, Grid, Region};
use super::limits::{Deadline, Limits, over_limit};
pub use super::sheet::{GridError, SheetInfo};
use super::sheet::{datetime, iso_date, push_ref, sheet_infos, text_value};
use super::xls_check::XlsFacts;
use super::xlsx_fast::{self, Stop};
use super::{ods_scan, xlsx_compat, xlsx_merges};
use crate::error::ErrorKind;

/// The formats jixiao reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Office Open XML (.xlsx, .xlsm).
    Xlsx,
    /// Excel binary workbook (.xlsb).
    Xlsb,
    /// Excel 97–2003 (.xls, WPS .et).
    Xls,
    /// OpenDocument spreadsheet (.ods).
    Ods,
}

impl Format {
    /// The format's usual name.
    pub fn name(self) -> &'static str {
        match self {
            Format::Xlsx => "xlsx",
            Format::Xlsb => "xlsb",
            Format::Xls => "xls",
            Format::Ods => "ods",
        }
    }
}

/// Decides a file's format from its first bytes and, for zip archives, their entry names.
pub fn sniff(bytes: &[u8]) -> Result<Format, ErrorKind> {
    const CFB: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    if bytes.is_empty() {
        return Err(ErrorKind::NotSpreadsheet("空文件，0 字节".into()));
    }
    if bytes.starts_with(CFB) {
        // An encrypted .xlsx, .xlsb or .docx is a compound file with these streams.
        if contains_utf16(bytes, "EncryptedPackage") || contains_utf16(bytes, "EncryptionInfo") {
            return Err(ErrorKind::Encrypted);
        }
        if contains_utf16(bytes, "WordDocument") {
            return Err(ErrorKind::NotSpreadsheet("是 Word 文档".into()));
        }
        return Ok(Format::Xls);
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return sniff_zip(bytes);
    }
    Err(ErrorKind::NotSpreadsheet(describe_foreign(bytes)))
}

fn sniff_zip(bytes: &[u8]) -> Result<Format, ErrorKind> {
    // Entry names are stored as plain bytes: a scan finds the usual ones without parsing the
    // archive (calamine parses it anyway when it opens the workbook).
    let named = |name: &[u8]| memchr::memmem::find(bytes, name).is_some();
    if named(b"xl/workbook.xml") {
        return Ok(Format::Xlsx);
    }
    if named(b"xl/workbook.bin") {
        return Ok(Format::Xlsb);
    }
    let archive =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| unreadable("xlsx", e.to_string()))?;
    let has = |name: &str| archive.index_for_name(name).is_some();
    if has("xl/workbook.xml") {
        Ok(Format::Xlsx)
    } else if has("xl/workbook.bin") {
        Ok(Format::Xlsb)
    } else if has("content.xml") && (has("mimetype") || has("META-INF/manifest.xml")) {
        Ok(Format::Ods)
    } else if has("word/document.xml") {
        Err(ErrorKind::NotSpreadsheet("是 Word 文档（.docx）".into()))
    } else if has("ppt/presentation.xml") {
        Err(ErrorKind::NotSpreadsheet("是 PowerPoint 演示文稿".into()))
    } else {
        Err(ErrorKind::NotSpreadsheet(
            "是 zip 压缩包，不含工作簿".into(),
        ))
    }
}

/// Says what a non-spreadsheet file looks like, for the message.
fn describe_foreign(bytes: &[u8]) -> String {
    let head = &bytes[..bytes.len().min(2048)];
    let text = String::from_utf8_lossy(head).to_ascii_lowercase();
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('<') {
        if text.contains("urn:schemas-microsoft-com:office:spreadsheet") {
            return "是“XML 电子表格 2003”格式；请用 Excel 或 WPS 另存为 .xlsx".into();
        }
        if text.contains("<html") || text.contains("<table") || text.contains("<!doctype html") {
            return "是网页（HTML）文件，常见于系统导出的“假 .xls”；请用 Excel 或 WPS 打开后另存为 .xlsx"
                .into();
        }
        return "是 XML 或网页文本".into();
    }
    if bytes.starts_with(b"%PDF") {
        return "是 PDF 文件".into();
    }
    if bytes.starts_with(b"Rar!") || bytes.starts_with(b"7z\xBC\xAF") {
        return "是压缩包".into();
    }
    let printable = head
        .iter()
        .filter(|&&b| b == b'\n' || b == b'\r' || b == b'\t' || b >= 0x20)
        .count();
    if std::str::from_utf8(head).is_ok() && printable == head.len() {
        if head.contains(&b',') {
            return "是文本文件（可能是 CSV）".into();
        }
        return "是文本文件".into();
    }
    "文件格式无法识别".into()
}

fn contains_utf16(bytes: &[u8], needle: &str) -> bool {
    let pattern: Vec<u8> = needle.encode_utf16().flat_map(u16::to_le_bytes).collect();
    memchr::memmem::find(bytes, &pattern).is_some()
}

/// An .xlsx: read by the fast reader (`xlsx_fast`), by calamine where the fast reader gives up.
pub struct XlsxBook<'a> {
    bytes: &'a [u8],
    archive: zip::ZipArchive<Cursor<&'a [u8]>>,
    /// The fast reader, unless it gave up on the workbook.
    fast: Option<xlsx_fast::Book>,
    /// calamine's reader, opened when needed (on a copy where calamine needs one, see
    /// `xlsx_compat`).
    calamine: Option<Xlsx<Cursor<Cow<'a, [u8]>>>>,
    /// The sheet parts by sheet name, for calamine's sheets' merged regions.
    paths: HashMap<String, String>,
}

impl<'a> XlsxBook<'a> {
    fn open(
        bytes: &'a [u8],
        archive: Option<zip::ZipArchive<Cursor<&'a [u8]>>>,
    ) -> Result<XlsxBook<'a>, GridError> {
        let mut archive = match archive {
            Some(archive) => archive,
            None => zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| e.to_string())?,
        };
        let fast = xlsx_fast::Book::open(&mut archive);
        let mut book = XlsxBook {
            bytes,
            archive,
            fast,
            calamine: None,
            paths: HashMap::new(),
        };
        if book.fast.is_none() {
            book.calamine()?;
        }
        Ok(book)
    }

    /// calamine's reader, opened on first use (on a copy of the workbook where calamine would
    /// refuse or over-allocate for something that does not make the file damaged).
    fn calamine(&mut self) -> Result<&mut Xlsx<Cursor<Cow<'a, [u8]>>>, GridError> {
        if self.calamine.is_none() {
            let bytes = match xlsx_compat::calamine_copy(&mut self.archive)? {
                Some(copy) => Cow::Owned(copy),
                None => Cow::Borrowed(self.bytes),
            };
            let workbook = guarded(|| Xlsx::new(Cursor::new(bytes)))?.map_err(|e| e.to_string())?;
            self.paths = xlsx_merges::sheet_paths(&mut self.archive);
            self.calamine = Some(workbook);
        }
        self.calamine
            .as_mut()
            .ok_or_else(|| GridError::Damaged(String::new()))
    }

    fn sheets(&self) -> Vec<SheetInfo> {
        match (&self.fast, &self.calamine) {
            (Some(fast), _) => fast.sheets(),
            (None, Some(workbook)) => sheet_infos(workbook.sheets_metadata()),
            (None, None) => Vec::new(),
        }
    }

    fn grid(&mut self, sheet: &str, budget: &mut CellBudget<'_>) -> Result<Grid, GridError> {
        // A long part (a flat export's sheet) is read piece by piece, never held whole.
        let streamed = match &self.fast {
            Some(fast) => fast
                .path(sheet)
                .and_then(|p| self.archive.index_for_name(p))
                .and_then(|index| self.archive.by_index(index).ok())
                .filter(|entry| (STREAM_PART..=xlsx_merges::MAX_SHEET_XML).contains(&entry.size()))
                .map(|mut entry| {
                    let capacity = (entry.size() / 24).min(xlsx_fast::PRESIZE_CELLS as u64);
                    let piece = xlsx_fast::PIECE;
                    fast.cells_streamed(&mut entry, capacity as usize, piece, &mut || {
                        budget.count()
                    })
                }),
            None => None,
        };
        match streamed {
            Some(Ok((cells, merges))) => return Ok(Grid::new(cells, merges)),
            Some(Err(Stop::Limit(error))) => return Err(error),
            Some(Err(Stop::Bail)) => {
                budget.seen = 0;
                return self.calamine_grid(sheet, budget, None);
            }
            None => {}
        }
        let xml = match &self.fast {
            Some(fast) => fast
                .path(sheet)
                .map(str::to_owned)
                .and_then(|path| xlsx_merges::sheet_xml(&mut self.archive, &path)),
            None => None,
        };
        if let (Some(fast), Some(xml)) = (&self.fast, &xml) {
            match fast.cells(xml, &mut || budget.count()) {
                Ok((cells, merges)) => return Ok(Grid::new(cells, merges)),
                Err(Stop::Limit(error)) => return Err(error),
                Err(Stop::Bail) => budget.seen = 0,
            }
        }
        self.calamine_grid(sheet, budget, xml.as_deref())
    }

    /// A sheet read by calamine, its merged regions from its part (`xml`, when inflated already).
    fn calamine_grid(
        &mut self,
        sheet: &str,
        budget: &mut CellBudget<'_>,
        xml: Option<&[u8]>,
    ) -> Result<Grid, GridError> {
        let workbook = self.calamine()?;
        let cells = guarded(|| {
            let mut reader = workbook
                .worksheet_cells_reader(sheet)
                .map_err(|e| e.to_string())?;
            streamed_cells(|| reader.next_cell().map_err(|e| e.to_string()), budget)
        })??;
        let merges = match xml {
            Some(xml) => xlsx_merges::merges_in(xml),
            None => match self.paths.get(sheet) {
                Some(path) => xlsx_merges::merged_regions(&mut self.archive, path),
                None => Vec::new(),
            },
        };
        Ok(Grid::new(cells, merges))
    }
}

/// Runs a call into calamine, turning a panic on malformed bytes into a "damaged file" message:
/// a dependency's panic is a property of the file, while a panic in jixiao's own code is a bug
/// (which the fuzz target looks for, and the per-file boundary in `batch` still catches). Only
/// calls into calamine go through here.
fn guarded<T>(call: impl FnOnce() -> T) -> Result<T, String> {
    crate::panic_guard::guarded(call).map_err(|detail| format!("读取库在此文件上出错（{detail}）"))
}

/// Sheet parts longer than this (inflated, as declared) are read piece by piece.
const STREAM_PART: u64 = 1024 * 1024;

/// Most merged regions one sheet may have.
const MAX_MERGES: usize = 100_000;

/// Counts cells against the sheet's limit and checks the time budget now and then.
struct CellBudget<'a> {
    limit: u64,
    seen: u64,
    deadline: &'a Deadline,
}

impl CellBudget<'_> {
    fn count(&mut self) -> Result<(), GridError> {
        self.seen += 1;
        if self.seen > self.limit {
            return Err(GridError::Limit(ErrorKind::Limit(format!(
                "单元格数超过限制 {}；如确属正常文件，可用 --max-cells 调高限制",
                self.limit
            ))));
        }
        if self.seen.is_multiple_of(65_536) {
            self.deadline.check().map_err(GridError::Limit)?;
        }
        Ok(())
    }
}

/// An open workbook of any format.
pub enum Workbook<'a> {
    /// .xlsx, read by the fast reader or calamine.
    Xlsx(Box<XlsxBook<'a>>),
    /// .xlsb
    Xlsb(Xlsb<Cursor<&'a [u8]>>),
    /// .xls (read from a patched copy where the check asked for one).
    Xls(Xls<Cursor<Cow<'a, [u8]>>>),
    /// .ods, with its merged regions by sheet, read separately (calamine does not report them).
    Ods(Ods<Cursor<&'a [u8]>>, HashMap<String, Vec<Region>>),
}

impl<'a> Workbook<'a> {
    /// Opens a workbook held in memory (its archive, when it is one, already checked against the
    /// limits and passed in for reuse; an .xls with what its check found).
    pub fn open(
        bytes: &'a [u8],
        format: Format,
        mut archive: Option<zip::ZipArchive<Cursor<&'a [u8]>>>,
        xls: &XlsFacts,
        limits: &Limits,
    ) -> Result<Workbook<'a>, ErrorKind> {
        let unreadable = |detail: String| unreadable(format.name(), detail);
        let cursor = Cursor::new(bytes);
        Ok(match format {
            Format::Xlsx => Workbook::Xlsx(Box::new(XlsxBook::open(bytes, archive).map_err(
                |e| match e {
                    GridError::Limit(kind) => kind,
                    GridError::Damaged(detail) => unreadable(detail),
                },
            )?)),
            Format::Xlsb => Workbook::Xlsb(
                guarded(|| Xlsb::new(cursor))
                    .map_err(unreadable)?
                    .map_err(|e| unreadable(e.to_string()))?,
            ),
            Format::Xls => {
                let mut options = XlsOptions::default();
                options.force_codepage = xls.codepage;
                let cursor = Cursor::new(xls.patched(bytes));
                Workbook::Xls(
                    guarded(|| Xls::new_with_options(cursor, options))
                        .map_err(unreadable)?
                        .map_err(|e| match e {
                            calamine::XlsError::Password => ErrorKind::Encrypted,
                            e => unreadable(e.to_string()),
                        })?,
                )
            }
            Format::Ods => {
                if archive.as_mut().is_some_and(ods_is_encrypted) {
                    return Err(ErrorKind::Encrypted);
                }
                // calamine lays every .ods sheet out as a full rectangle when it opens the file:
                // the used extent is measured first, so a hostile one is refused instead.
                let scan = ods_scan::scan(bytes);
                let cells_limit = limits.max_cells_per_sheet.saturating_mul(10);
                if let Some((sheet, area)) = scan.largest_area()
                    && area > cells_limit
                {
                    return Err(over_limit(
                        &format!("工作表“{sheet}”的使用范围（行数×列数）"),
                        area.to_string(),
                        cells_limit.to_string(),
                        Some("--max-cells"),
                    ));
                }
                let workbook = guarded(|| Ods::new(cursor))
                    .map_err(unreadable)?
                    .map_err(|e| unreadable(e.to_string()))?;
                Workbook::Ods(workbook, scan.merges)
            }
        })
    }

    /// The sheets, in workbook order.
    pub fn sheets(&self) -> Vec<SheetInfo> {
        match self {
            Workbook::Xlsx(book) => book.sheets(),
            Workbook::Xlsb(wb) => sheet_infos(wb.sheets_metadata()),
            Workbook::Xls(wb) => sheet_infos(wb.sheets_metadata()),
            Workbook::Ods(wb, _) => sheet_infos(wb.sheets_metadata()),
        }
    }

    /// Reads one sheet into a grid, within the cell limit and the file's time budget.
    pub fn grid(
        &mut self,
        sheet: &str,
        limits: &Limits,
        deadline: &Deadline,
    ) -> Result<Grid, GridError> {
        let mut budget = CellBudget {
            limit: limits.max_cells_per_sheet,
            seen: 0,
            deadline,
        };
        let grid = self.read_grid(sheet, &mut budget)?;
        if grid.merges().len() > MAX_MERGES {
            return Err(GridError::Limit(over_limit(
                "合并单元格数",
                grid.merges().len().to_string(),
                MAX_MERGES.to_string(),
                None,
            )));
        }
        deadline.check().map_err(GridError::Limit)?;
        Ok(grid)
    }

    fn read_grid(&mut self, sheet: &str, budget: &mut CellBudget<'_>) -> Result<Grid, GridError> {
        match self {
            Workbook::Xlsx(book) => book.grid(sheet, budget),
            Workbook::Xlsb(wb) => {
                let cells = guarded(|| {
                    let mut reader = wb
                        .worksheet_cells_reader(sheet)
                        .map_err(|e| e.to_string())?;
                    streamed_cells(|| reader.next_cell().map_err(|e| e.to_string()), budget)
                })??;
                Ok(Grid::new(cells, Vec::new()))
            }
            Workbook::Xls(wb) => {
                let (range, merges) = guarded(|| {
                    let range = wb.worksheet_range(sheet).map_err(|e| e.to_string())?;
                    let merges = wb.merge_cells_by_sheet_name(sheet).unwrap_or_default();
                    Ok::<_, String>((range, merges))
                })??;
                let merges = merges.iter().map(region).collect();
                Ok(Grid::new(range_cells(&range, budget)?, merges))
            }
            Workbook::Ods(wb, merges) => {
                let range = guarded(|| wb.worksheet_range(sheet).map_err(|e| e.to_string()))??;
                let merges = merges.remove(sheet).unwrap_or_default();
                Ok(Grid::new(range_cells(&range, budget)?, merges))
            }
        }
    }
}

/// True when an .ods's manifest says its content is encrypted (saved with a password).
fn ods_is_encrypted(archive: &mut zip::ZipArchive<Cursor<&[u8]>>) -> bool {
    let Ok(entry) = archive.by_name("META-INF/manifest.xml") else {
        return false;
    };
    let mut manifest = Vec::new();
    if entry
        .take(16 * 1024 * 1024)
        .read_to_end(&mut manifest)
        .is_err()
    {
        return false;
    }
    memchr::memmem::find(&manifest, b"encryption-data").is_some()
}

/// The cells a streaming cell reader (.xlsx, .xlsb) yields, within the sheet's budget.
fn streamed_cells<'d>(
    mut next: impl FnMut() -> Result<Option<calamine::Cell<DataRef<'d>>>, String>,
    budget: &mut CellBudget<'_>,
) -> Result<Vec<Cell>, GridError> {
    let mut cells = Vec::new();
    while let Some(cell) = next()? {
        budget.count()?;
        let (row, col) = cell.get_position();
        push_ref(&mut cells, row, col, cell.get_value());
    }
    Ok(cells)
}

fn region(d: &Dimensions) -> Region {
    Region {
        first_row: d.start.0,
        first_col: d.start.1,
        last_row: d.end.0,
        last_col: d.end.1,
    }
}

fn range_cells(
    range: &calamine::Range<Data>,
    budget: &mut CellBudget<'_>,
) -> Result<Vec<Cell>, GridError> {
    let (row0, col0) = range.start().unwrap_or((0, 0));
    let mut cells = Vec::new();
    for (row, col, data) in range.used_cells() {
        if let Some(value) = convert(data) {
            budget.count()?;
            cells.push(Cell {
                row: row0 + row as u32,
                col: col0 + col as u32,
                value,
            });
        }
    }
    Ok(cells)
}

fn convert(data: &Data) -> Option<CellValue> {
    match data {
        Data::String(text) => text_value(text),
        Data::Int(i) => Some(CellValue::Number(*i as f64)),
        Data::Float(f) => Some(CellValue::Number(*f)),
        Data::Bool(b) => Some(CellValue::Bool(*b)),
        Data::DateTime(dt) => Some(datetime(dt)),
        Data::DateTimeIso(iso) => Some(iso_date(iso)),
        Data::DurationIso(text) => text_value(text),
        Data::Error(e) => Some(CellValue::Error(e.to_string().into())),
        Data::Empty => None,
    }
}

/// Reads a whole file, `size` bytes long when it was opened, into memory (so it is read from
/// disk exactly once), up to `most` bytes.
pub fn read_bytes(file: std::fs::File, size: u64, most: u64) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::with_capacity(usize::try_from(size.min(most)).unwrap_or(0));
    // Through `take`: File's own read_to_end would ask the system for the size again.
    file.take(most).read_to_end(&mut bytes)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_read_to_at_most_the_bytes_asked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("grown.xlsx");
        std::fs::write(&path, vec![7u8; 10_000]).unwrap();
        let open = || std::fs::File::open(&path).unwrap();
        // Sized at 100 bytes when opened, grown to 10,000 since: read past the size, to `most`.
        assert_eq!(read_bytes(open(), 100, 4_001).unwrap().len(), 4_001);
        assert_eq!(
            read_bytes(open(), 10_000, u64::MAX).unwrap(),
            vec![7u8; 10_000]
        );
    }

    #[test]
    fn sniffing_names_what_a_foreign_file_is() {
        let message = |bytes: &[u8]| match sniff(bytes) {
            Err(ErrorKind::NotSpreadsheet(what)) => what,
            other => panic!("{other:?}"),
        };
        assert!(message(b"").contains("0 字节"));
        assert!(message(b"<html><table><tr><td>1</td></tr></table></html>").contains("HTML"));
        assert!(message(b"name,amount\na,1\n").contains("CSV"));
        assert!(message(b"%PDF-1.4").contains("PDF"));
        assert!(matches!(
            sniff(b"PK\x03\x04garbage"),
            Err(ErrorKind::Unreadable { .. })
        ));
    }
}
