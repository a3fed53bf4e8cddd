//! The fast reader for .xlsx: the workbook's sheet list, shared strings and number formats, and
//! each sheet's cells, scanned from parts inflated once (the same inflated sheet gives the
//! merged regions). It yields exactly the cells calamine yields — the same positions, texts
//! (rich text, phonetic runs left out, Excel's `_x000D_` escapes), numbers and dates — and
//! nothing of what calamine also reads (fonts, fills, borders, the theme), which this tool never
//! uses.
//!
//! It reads only what it fully understands, the way Excel, WPS, LibreOffice and rust_xlsxwriter
//! write workbooks. On anything else — a part it cannot find by its exact name, a cell without
//! a reference, an error or ISO-date cell, a comment or CDATA in the XML — it gives up
//! ([`Stop::Bail`]) and the workbook or sheet is read by calamine as before. `tests/xlsx_fast.rs`
//! checks that both readers give the same cells for every .xlsx the tests hold, and the fuzz
//! target checks it for every input it makes.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{Cursor, Read};

use calamine::{ExcelDateTime, ExcelDateTimeType};

use memchr::memmem;

use super::grid::{Cell, CellValue, Region};
use super::number_format::{self, NumberKind};
use super::sheet::{GridError, SheetInfo, datetime, owned_text_value, text_value};
use super::xlsx_merges::{merges_in, merges_outside_rows};
use super::xml_scan::{
    Bail, Scanner, Tag, Token, decode, decode_into, is_utf8, local, unescape_excel,
};

/// At most this many cells of a streamed part are made room for in advance (a hostile part may
/// declare any size).
pub const PRESIZE_CELLS: usize = 1 << 20;

/// Workbook parts larger than this (inflated) are left to calamine.
const MAX_BOOK_PART: u64 = 256 * 1024 * 1024;

/// A workbook's relationships: id → (target, type), raw.
type Relationships = HashMap<Vec<u8>, (Vec<u8>, Vec<u8>)>;

/// Why the fast reader stopped.
#[derive(Debug)]
pub enum Stop {
    /// It met something it does not read: calamine reads the sheet instead.
    Bail,
    /// A limit was passed (as calamine's reading would have passed it).
    Limit(GridError),
}

impl From<Bail> for Stop {
    fn from(_: Bail) -> Self {
        Stop::Bail
    }
}

/// How far the scan of a sheet part has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Before `<sheetData>`.
    Prologue,
    /// Among the rows.
    Rows,
    /// Past the rows, which ended at this position of the part (or piece).
    Done(usize),
}

/// A streamed part is read in pieces of about this many bytes (each ending after a row).
pub const PIECE: usize = 256 * 1024;

/// Reads from `part` until `buf` holds `want` bytes; true when the part has ended.
fn fill(part: &mut dyn Read, buf: &mut Vec<u8>, want: usize) -> Result<bool, Bail> {
    while buf.len() < want {
        let start = buf.len();
        buf.resize(want, 0);
        match part.read(&mut buf[start..]) {
            Ok(0) => {
                buf.truncate(start);
                return Ok(true);
            }
            Ok(read) => buf.truncate(start + read),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => buf.truncate(start),
            Err(_) => return Err(Bail),
        }
    }
    Ok(false)
}

/// A sheet of the workbook.
#[derive(Debug, Clone)]
struct Sheet {
    info: SheetInfo,
    path: String,
}

/// What the cells of every sheet are read with.
#[derive(Debug)]
pub struct Book {
    sheets: Vec<Sheet>,
    /// The shared strings as cell values (`None`: blank), each made once for all its cells.
    strings: Vec<Option<CellValue>>,
    formats: Vec<NumberKind>,
    is_1904: bool,
}

impl Book {
    /// Reads the workbook's structure, shared strings and number formats; `None` when anything
    /// is not as the fast reader expects (calamine then reads the workbook). The declared string
    /// counts are not looked at: the strings are read as they come.
    pub fn open(archive: &mut zip::ZipArchive<Cursor<&[u8]>>) -> Option<Book> {
        Book::try_open(archive).ok()
    }

    fn try_open(archive: &mut zip::ZipArchive<Cursor<&[u8]>>) -> Result<Book, Bail> {
        check_package(&part(archive, "_rels/.rels")?.ok_or(Bail)?)?;
        let relationships =
            relationships(&part(archive, "xl/_rels/workbook.xml.rels")?.ok_or(Bail)?)?;
        let workbook = part(archive, "xl/workbook.xml")?.ok_or(Bail)?;
        let (sheets, is_1904) = workbook_sheets(&workbook, &relationships)?;
        for sheet in &sheets {
            if sheet.info.is_worksheet && archive.index_for_name(&sheet.path).is_none() {
                return Err(Bail);
            }
        }
        let strings = match part(archive, "xl/sharedStrings.xml")? {
            Some(xml) => shared_strings(&xml)?
                .into_iter()
                .map(owned_text_value)
                .collect(),
            None => Vec::new(),
        };
        let formats = styles(archive)?;
        Ok(Book {
            sheets,
            strings,
            formats,
            is_1904,
        })
    }

    /// The sheets, in workbook order.
    pub fn sheets(&self) -> Vec<SheetInfo> {
        self.sheets.iter().map(|s| s.info.clone()).collect()
    }

    /// The archive path of a sheet's part.
    pub fn path(&self, sheet: &str) -> Option<&str> {
        self.sheets
            .iter()
            .find(|s| s.info.name == sheet)
            .map(|s| s.path.as_str())
    }

    /// The cells of a sheet part, in the order calamine yields them (empty ones left out), and
    /// its merged regions (looked for outside the rows, as [`Book::cells_streamed`] looks);
    /// `count` is called once per `<c>` element, as calamine's reader counts cells.
    pub fn cells(
        &self,
        xml: &[u8],
        count: &mut dyn FnMut() -> Result<(), GridError>,
    ) -> Result<(Vec<Cell>, Vec<Region>), Stop> {
        // calamine's parser decodes the part as UTF-8 wherever it looks; bytes that are not (even
        // in markup the fast reader passes over) are left to it.
        if !is_utf8(xml) {
            return Err(Stop::Bail);
        }
        let mut cells = Vec::new();
        let mut phase = Phase::Prologue;
        self.scan(&mut Scanner::new(xml), &mut phase, &mut cells, count)?;
        match phase {
            Phase::Done(rows_end) => Ok((cells, merges_outside_rows(xml, rows_end))),
            _ => Err(Stop::Bail),
        }
    }

    /// [`Book::cells`] of a sheet part read piece by piece from `part` — never held whole: each
    /// piece of about `piece_bytes` ([`PIECE`]) ends after a row — and the merged regions of its `<mergeCells>` block (as
    /// [`super::xlsx_merges::merges_in`] finds them in the part after its rows, else before);
    /// room is made for `capacity` cells.
    pub fn cells_streamed(
        &self,
        part: &mut dyn Read,
        capacity: usize,
        piece_bytes: usize,
        count: &mut dyn FnMut() -> Result<(), GridError>,
    ) -> Result<(Vec<Cell>, Vec<Region>), Stop> {
        let piece_bytes = piece_bytes.max(1);
        let mut buf: Vec<u8> = Vec::with_capacity(piece_bytes + piece_bytes / 4);
        // The elements open where the next piece starts.
        let mut open: Vec<Vec<u8>> = Vec::new();
        let mut phase = Phase::Prologue;
        let mut cells = Vec::with_capacity(capacity);
        let mut merges = Vec::new();
        let mut first = true;
        let mut ended = false;
        loop {
            let mut want = piece_bytes;
            // What is left of the last piece holds no '</row>' (it was cut after the last), nor
            // does what was searched since: only new bytes are searched (a part without rows is
            // not searched over and over as it is read).
            let mut searched = buf.len();
            let cut = loop {
                if !ended {
                    ended = fill(part, &mut buf, want)?;
                }
                if ended {
                    break buf.len();
                }
                let from = searched.saturating_sub(b"</row>".len() - 1);
                match memmem::rfind(&buf[from..], b"</row>") {
                    Some(at) => break from + at + b"</row>".len(),
                    None => {
                        searched = buf.len();
                        want = buf.len() + piece_bytes;
                    }
                }
            };
            let piece = &buf[..cut];
            // Cut after an ASCII '>': each piece is UTF-8 when the part is.
            if !is_utf8(piece) {
                return Err(Stop::Bail);
            }
            if first {
                let rows = memmem::find(piece, b"sheetData").unwrap_or(0);
                merges = merges_in(&piece[..rows]);
            }
            let mut scanner = if first {
                Scanner::new(piece)
            } else {
                Scanner::resume(piece, open.iter().map(Vec::as_slice).collect())
            };
            self.scan(&mut scanner, &mut phase, &mut cells, count)?;
            match phase {
                Phase::Done(at) => {
                    // The rest of the part, where its <mergeCells> block is.
                    let mut tail = buf.split_off(at);
                    if !ended {
                        part.read_to_end(&mut tail).map_err(|_| Bail)?;
                    }
                    if !is_utf8(&tail) {
                        return Err(Stop::Bail);
                    }
                    let after = merges_in(&tail);
                    if !after.is_empty() {
                        merges = after;
                    }
                    return Ok((cells, merges));
                }
                // The part ended among its rows.
                _ if ended => return Err(Stop::Bail),
                _ => {}
            }
            let next: Vec<Vec<u8>> = scanner
                .open_elements()
                .ok_or(Bail)?
                .iter()
                .map(|name| name.to_vec())
                .collect();
            open = next;
            buf.drain(..cut);
            first = false;
        }
    }

    /// Scans a sheet part's tokens on from `phase`, collecting cells, until the part or piece ends
    /// or the rows do ([`Phase::Done`]).
    fn scan(
        &self,
        scanner: &mut Scanner<'_>,
        phase: &mut Phase,
        cells: &mut Vec<Cell>,
        count: &mut dyn FnMut() -> Result<(), GridError>,
    ) -> Result<(), Stop> {
        if *phase == Phase::Prologue {
            loop {
                match scanner.next_token()? {
                    None => return Ok(()),
                    Some(Token::Start(tag)) if tag.local() == b"dimension" => {
                        // calamine reads the used range and refuses a sheet whose range it
                        // cannot read: only `A1` or `A1:F8` as spreadsheets write them is read
                        // here, anything else is left to it.
                        let range = tag.attr(b"ref")?.ok_or(Bail)?;
                        let mut corners = range.split(|&b| b == b':');
                        let corners = [corners.next(), corners.next(), corners.next()];
                        match corners {
                            [Some(first), second, None] => {
                                cell_reference(first)?;
                                if let Some(second) = second {
                                    cell_reference(second)?;
                                }
                            }
                            _ => return Err(Stop::Bail),
                        }
                    }
                    Some(Token::Start(tag)) if tag.local() == b"sheetData" => {
                        if tag.empty {
                            *phase = Phase::Done(scanner.position());
                            return Ok(());
                        }
                        *phase = Phase::Rows;
                        break;
                    }
                    Some(_) => {}
                }
            }
        }
        if *phase != Phase::Rows {
            return Ok(());
        }
        while let Some(token) = scanner.next_token()? {
            match token {
                Token::Start(tag) if tag.local() == b"row" => {
                    // calamine refuses a row numbered 0 (rows count from 1).
                    if let Some(r) = tag.attr(b"r")?
                        && digits(r, 7)? == 0
                    {
                        return Err(Stop::Bail);
                    }
                }
                Token::Start(tag) if tag.local() == b"c" => {
                    count().map_err(Stop::Limit)?;
                    let [r, style, kind] = tag.attrs_of([b"r", b"s", b"t"])?;
                    let (row, col) = cell_reference(r.ok_or(Bail)?)?;
                    // Most cells are `<v>…</v></c>`: read in one step.
                    let plain = match kind {
                        Some(b"inlineStr" | b"is") => None,
                        _ if tag.name == b"c" => scanner.text_and_close(b"v", b"c"),
                        _ => None,
                    };
                    let value = match plain {
                        Some(raw) => self.value_of(raw, style, kind)?,
                        None => self.cell_value(scanner, style, kind)?,
                    };
                    if let Some(value) = value {
                        cells.push(Cell { row, col, value });
                    }
                }
                Token::End(name) if local(name) == b"row" => {}
                Token::End(name) if local(name) == b"sheetData" => {
                    *phase = Phase::Done(scanner.position());
                    return Ok(());
                }
                Token::Text(text) if text.iter().all(u8::is_ascii_whitespace) => {}
                _ => return Err(Stop::Bail),
            }
        }
        Ok(())
    }

    /// The value of a `<c>` element (its start tag read): the last child decides, as in
    /// calamine's reader.
    fn cell_value(
        &self,
        scanner: &mut Scanner<'_>,
        style: Option<&[u8]>,
        kind: Option<&[u8]>,
    ) -> Result<Option<CellValue>, Bail> {
        let mut value = None;
        loop {
            match scanner.next_token()?.ok_or(Bail)? {
                Token::Start(child) => value = self.child_value(scanner, &child, style, kind)?,
                Token::End(name) if local(name) == b"c" => return Ok(value),
                Token::Text(text) if text.iter().all(u8::is_ascii_whitespace) => {}
                _ => return Err(Bail),
            }
        }
    }

    fn child_value(
        &self,
        scanner: &mut Scanner<'_>,
        child: &Tag<'_>,
        style: Option<&[u8]>,
        kind: Option<&[u8]>,
    ) -> Result<Option<CellValue>, Bail> {
        match child.local() {
            b"is" => Ok(owned_text_value(rich_text(scanner, child)?)),
            b"f" => {
                skip_checked(scanner, child)?;
                Ok(None)
            }
            b"v" if matches!(kind, Some(b"inlineStr" | b"is")) => {
                skip_checked(scanner, child)?;
                Ok(None)
            }
            b"v" => {
                let raw = match scanner.next_token()?.ok_or(Bail)? {
                    Token::Text(raw) => raw,
                    Token::End(name) if name == child.name => return Ok(None),
                    _ => return Err(Bail),
                };
                match scanner.next_token()?.ok_or(Bail)? {
                    Token::End(name) if name == child.name => {}
                    _ => return Err(Bail),
                }
                self.value_of(raw, style, kind)
            }
            _ => Err(Bail),
        }
    }

    /// A `<v>`'s text as calamine's `read_v` reads it.
    fn value_of(
        &self,
        raw: &[u8],
        style: Option<&[u8]>,
        kind: Option<&[u8]>,
    ) -> Result<Option<CellValue>, Bail> {
        match kind {
            None | Some(b"n") => {
                if !is_plain_number(raw) {
                    return Err(Bail);
                }
                let text = std::str::from_utf8(raw).map_err(|_| Bail)?;
                let number: f64 = text.parse().map_err(|_| Bail)?;
                let format = match style {
                    Some(style) => {
                        let id = digits(style, 9)?;
                        self.formats.get(id as usize).copied()
                    }
                    None => Some(NumberKind::Other),
                };
                let kind = match format {
                    Some(NumberKind::DateTime) => ExcelDateTimeType::DateTime,
                    Some(NumberKind::TimeDelta) => ExcelDateTimeType::TimeDelta,
                    _ => return Ok(Some(CellValue::Number(number))),
                };
                Ok(Some(datetime(&ExcelDateTime::new(
                    number,
                    kind,
                    self.is_1904,
                ))))
            }
            Some(b"s") => {
                let index = digits(raw, 9)?;
                Ok(self.strings.get(index as usize).ok_or(Bail)?.clone())
            }
            Some(b"b") => match raw.trim_ascii() {
                b"0" => Ok(Some(CellValue::Bool(false))),
                b"1" => Ok(Some(CellValue::Bool(true))),
                _ => Err(Bail),
            },
            Some(b"str") => {
                let text = decode(raw)?;
                Ok(text_value(&unescape_excel(&text)))
            }
            _ => Err(Bail),
        }
    }
}

/// A part by its exact name: `None` when the archive does not have it, `Bail` when it has it
/// only under another spelling (calamine finds parts ignoring case) or it cannot be inflated.
fn part(archive: &mut zip::ZipArchive<Cursor<&[u8]>>, path: &str) -> Result<Option<Vec<u8>>, Bail> {
    let Some(index) = archive.index_for_name(path) else {
        let spelled_otherwise = archive
            .file_names()
            .any(|name| name.map_or(true, |n| n.replace('\\', "/").eq_ignore_ascii_case(path)));
        return if spelled_otherwise {
            Err(Bail)
        } else {
            Ok(None)
        };
    };
    let bytes = super::zip_entry::content(archive, index, MAX_BOOK_PART).ok_or(Bail)?;
    // A part that is not UTF-8 throughout is left to calamine, which decodes it as it parses.
    if !is_utf8(&bytes) {
        return Err(Bail);
    }
    Ok(Some(bytes))
}

/// The package relationships must point at `xl/workbook.xml`, where calamine also looks.
fn check_package(xml: &[u8]) -> Result<(), Bail> {
    let mut scanner = Scanner::new(xml);
    let mut target = None;
    let mut inside = false;
    while let Some(token) = scanner.next_token()? {
        match token {
            Token::Start(tag) if tag.local() == b"Relationships" => inside = true,
            Token::Start(tag) if inside && tag.local() == b"Relationship" => {
                let [kind, to] = tag.attrs_of([b"Type", b"Target"])?;
                let is_document =
                    kind.is_some_and(|t| t.ends_with(b"/relationships/officeDocument"));
                if is_document && let Some(t) = to {
                    target = Some(decode(t)?.into_owned());
                }
            }
            Token::End(name) if inside && local(name) == b"Relationships" => {
                return match target.as_deref() {
                    None | Some("xl/workbook.xml" | "/xl/workbook.xml") => Ok(()),
                    Some(_) => Err(Bail),
                };
            }
            _ => {}
        }
    }
    Err(Bail)
}

/// The workbook's relationships: id → (target, type), raw as calamine keeps them.
fn relationships(xml: &[u8]) -> Result<Relationships, Bail> {
    let mut scanner = Scanner::new(xml);
    let mut found = HashMap::new();
    while let Some(token) = scanner.next_token()? {
        match token {
            Token::Start(tag) if tag.local() == b"Relationship" => {
                let [id, target, kind] = tag.attrs_of([b"Id", b"Target", b"Type"])?;
                if let Some(id) = id {
                    let target = target.unwrap_or_default().to_vec();
                    let kind = kind.unwrap_or_default().to_vec();
                    found.insert(id.to_vec(), (target, kind));
                }
            }
            Token::End(name) if local(name) == b"Relationships" => return Ok(found),
            _ => {}
        }
    }
    Err(Bail)
}

/// The sheets of `xl/workbook.xml` (name, kind, visibility, part) and its 1904 date flag.
fn workbook_sheets(xml: &[u8], relationships: &Relationships) -> Result<(Vec<Sheet>, bool), Bail> {
    let mut scanner = Scanner::new(xml);
    let mut sheets = Vec::new();
    let mut is_1904 = false;
    while let Some(token) = checked_token(&mut scanner)? {
        match token {
            Token::Start(tag) if tag.local() == b"sheet" => {
                sheets.push(sheet(&tag, relationships)?);
                skip_checked(&mut scanner, &tag)?;
            }
            Token::Start(tag) if tag.local() == b"workbookPr" => {
                if let Some(v) = tag.attr(b"date1904")? {
                    is_1904 = v == b"1" || v == b"true";
                }
            }
            Token::Start(tag) if tag.local() == b"definedName" => {
                // calamine decodes every defined name: one it cannot decode stops it.
                loop {
                    match checked_token(&mut scanner)?.ok_or(Bail)? {
                        Token::Text(text) => {
                            decode(text)?;
                        }
                        Token::End(name) if name == tag.name => break,
                        _ => {}
                    }
                }
            }
            Token::End(name) if local(name) == b"workbook" => return Ok((sheets, is_1904)),
            _ => {}
        }
    }
    Err(Bail)
}

fn sheet(tag: &Tag<'_>, relationships: &Relationships) -> Result<Sheet, Bail> {
    let mut name = None;
    let mut hidden = false;
    let mut id: &[u8] = b"";
    for (key, value) in tag.attributes()? {
        match key {
            b"name" => {
                if value.iter().any(|b| matches!(b, b'\r' | b'\n' | b'\t')) {
                    return Err(Bail);
                }
                name = Some(decode(value)?.into_owned());
            }
            b"state" => {
                hidden = match value {
                    b"visible" => false,
                    b"hidden" | b"veryHidden" => true,
                    _ => return Err(Bail),
                }
            }
            key if local(key) == b"id" => id = value,
            _ => {}
        }
    }
    let (target, kind) = relationships.get(id).ok_or(Bail)?;
    let target = std::str::from_utf8(target).map_err(|_| Bail)?;
    let path = match target.strip_prefix('/') {
        Some(absolute) => absolute.to_owned(),
        None => format!("xl/{target}"),
    };
    // Chart, dialog and macro sheets hold no cells to read: listed, never read.
    let is_worksheet = match kind.rsplit(|&b| b == b'/').next() {
        Some(b"worksheet") => true,
        Some(b"chartsheet" | b"dialogsheet" | b"xlMacrosheet" | b"xlIntlMacrosheet") => false,
        _ => return Err(Bail),
    };
    Ok(Sheet {
        info: SheetInfo {
            name: name.unwrap_or_default(),
            is_worksheet,
            hidden,
        },
        path,
    })
}

/// The shared strings of `xl/sharedStrings.xml`, in order.
fn shared_strings(xml: &[u8]) -> Result<Vec<String>, Bail> {
    let mut scanner = Scanner::new(xml);
    loop {
        match scanner.next_token()?.ok_or(Bail)? {
            Token::Start(tag) if tag.local() == b"sst" => {
                // calamine looks for the count (to make room): a broken attribute before it
                // stops it.
                tag.attr(b"uniqueCount")?;
                break;
            }
            _ => {}
        }
    }
    let mut strings = Vec::new();
    loop {
        // Most strings are one plain run, `<si><t>…</t></si>`: read in one step.
        if let Some(raw) = scanner.plain_element(b"si", b"t") {
            // (Text without references or carriage returns is copied once, not twice.)
            strings.push(run_text(&decode(raw)?, false).into_owned());
            continue;
        }
        match scanner.next_token()?.ok_or(Bail)? {
            Token::Start(tag) if tag.local() == b"si" => {
                strings.push(rich_text(&mut scanner, &tag)?)
            }
            Token::End(name) if local(name) == b"sst" => return Ok(strings),
            _ => {}
        }
    }
}

/// The text of a `<si>` or `<is>` element (its start tag read), as calamine's `read_string`
/// reads it: every `<t>` outside phonetic runs (`<rPh>`), each trimmed of ASCII white space
/// unless `xml:space="preserve"`, Excel's escapes undone.
fn rich_text(scanner: &mut Scanner<'_>, element: &Tag<'_>) -> Result<String, Bail> {
    let mut text = String::new();
    let mut phonetic = false;
    // One run's decoded text, reused for every run.
    let mut value = String::new();
    loop {
        match scanner.next_token()?.ok_or(Bail)? {
            Token::Start(tag) if tag.local() == b"rPh" => phonetic = true,
            Token::End(name) if name == element.name => return Ok(text),
            Token::End(name) if local(name) == b"rPh" => phonetic = false,
            Token::Start(tag) if tag.local() == b"t" && !phonetic => {
                let preserve = tag.attr(b"xml:space")? == Some(b"preserve");
                value.clear();
                loop {
                    match scanner.next_token()?.ok_or(Bail)? {
                        Token::Text(raw) => decode_into(raw, &mut value)?,
                        Token::End(name) if name == tag.name => break,
                        _ => {}
                    }
                }
                text.push_str(&run_text(&value, preserve));
            }
            _ => {}
        }
    }
}

/// A `<t>` run's decoded text as calamine keeps it: trimmed of ASCII white space unless
/// `xml:space="preserve"`, Excel's escapes undone.
fn run_text(value: &str, preserve: bool) -> Cow<'_, str> {
    if preserve {
        unescape_excel(value)
    } else {
        unescape_excel(value.trim_matches([' ', '\t', '\r', '\n']))
    }
}

/// Styles parts whose stored bytes are at most this long are remembered (a few KB as written).
const KEEP_STYLES: u64 = 64 * 1024;
/// How many styles parts each thread remembers (the least recently used is forgotten first).
const KEPT_STYLES: usize = 16;

thread_local! {
    /// The cell formats of the styles parts this thread read last, by the parts' stored bytes:
    /// workbooks made from one template or by one program mostly share their styles part, and
    /// reading it (inflating it and checking every tag's attributes) was 6 % of a batch's reading.
    static STYLES: std::cell::RefCell<Vec<(Vec<u8>, Vec<NumberKind>)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// The cell formats of the workbook's styles part (none without one), read once for every
/// workbook whose part has the same stored bytes.
fn styles(archive: &mut zip::ZipArchive<Cursor<&[u8]>>) -> Result<Vec<NumberKind>, Bail> {
    const PATH: &str = "xl/styles.xml";
    let key = archive
        .index_for_name(PATH)
        .and_then(|index| super::zip_entry::stored_key(archive, index, KEEP_STYLES));
    if let Some(key) = &key
        && let Some(formats) = STYLES.with_borrow_mut(|kept| {
            // The part found moves to the back: the least recently used goes first.
            let at = kept.iter().position(|(stored, _)| stored == key)?;
            let found = kept.remove(at);
            let formats = found.1.clone();
            kept.push(found);
            Some(formats)
        })
    {
        return Ok(formats);
    }
    let formats = match part(archive, PATH)? {
        Some(xml) => cell_formats(&xml)?,
        None => return Ok(Vec::new()),
    };
    if let Some(key) = key {
        STYLES.with_borrow_mut(|kept| {
            if kept.len() == KEPT_STYLES {
                kept.remove(0);
            }
            kept.push((key, formats.clone()));
        });
    }
    Ok(formats)
}

/// What each cell style (`cellXfs`) shows: a date, an elapsed time or a plain number.
fn cell_formats(xml: &[u8]) -> Result<Vec<NumberKind>, Bail> {
    let mut scanner = Scanner::new(xml);
    let mut custom: HashMap<Vec<u8>, String> = HashMap::new();
    let mut formats = Vec::new();
    while let Some(token) = checked_token(&mut scanner)? {
        match token {
            Token::Start(tag) if tag.local() == b"numFmts" => loop {
                match checked_token(&mut scanner)?.ok_or(Bail)? {
                    Token::Start(format) if format.local() == b"numFmt" => {
                        if let [Some(id), Some(code)] =
                            format.attrs_of([b"numFmtId", b"formatCode"])?
                        {
                            custom.insert(id.to_vec(), decode(code)?.into_owned());
                        }
                    }
                    Token::End(name) if local(name) == b"numFmts" => break,
                    _ => {}
                }
            },
            Token::Start(tag) if tag.local() == b"cellXfs" => loop {
                match checked_token(&mut scanner)?.ok_or(Bail)? {
                    Token::Start(xf) if xf.local() == b"xf" => {
                        let kind = match xf.attr(b"numFmtId")? {
                            None => NumberKind::Other,
                            Some(id) => match custom.get(id) {
                                Some(code) => number_format::custom(code),
                                None => number_format::builtin(
                                    std::str::from_utf8(id).map_err(|_| Bail)?,
                                ),
                            },
                        };
                        formats.push(kind);
                        // The xf's alignment and protection, whose attributes calamine reads.
                        skip_checked(&mut scanner, &xf)?;
                    }
                    Token::End(name) if local(name) == b"cellXfs" => break,
                    _ => {}
                }
            },
            // calamine reads the part up to its </styleSheet> and nothing after it; a part that
            // never closes it is one calamine refuses, so it is left to calamine.
            Token::End(name) if local(name) == b"styleSheet" => return Ok(formats),
            _ => {}
        }
    }
    Err(Bail)
}

/// Skips to the end of `tag` (already read), nested tags of the same name included, checking
/// the attributes of everything inside as [`checked_token`] does.
fn skip_checked(scanner: &mut Scanner<'_>, tag: &Tag<'_>) -> Result<(), Bail> {
    let mut depth = 1usize;
    while depth > 0 {
        match checked_token(scanner)?.ok_or(Bail)? {
            Token::Start(inner) if inner.name == tag.name => depth += 1,
            Token::End(name) if name == tag.name => depth -= 1,
            _ => {}
        }
    }
    Ok(())
}

/// The next token of a styles or workbook part (or of a sheet element passed over), giving up at
/// a tag whose attributes are not well formed (a value without quotes, a name given twice):
/// calamine reads the attributes of most of these parts' elements (fonts, fills, borders,
/// alignment, defined names …) and refuses the part at such a tag.
fn checked_token<'x>(scanner: &mut Scanner<'x>) -> Result<Option<Token<'x>>, Bail> {
    let token = scanner.next_token()?;
    if let Some(Token::Start(tag)) = &token {
        let attributes = tag.attributes()?;
        for (i, (name, _)) in attributes.iter().enumerate() {
            if attributes[..i].iter().any(|(other, _)| other == name) {
                return Err(Bail);
            }
        }
    }
    Ok(token)
}

/// ASCII digits (at most `max` of them, no leading zero) as a number.
fn digits(raw: &[u8], max: usize) -> Result<u64, Bail> {
    let leading_zero = raw.len() > 1 && raw[0] == b'0';
    if raw.is_empty() || raw.len() > max || leading_zero || !raw.iter().all(u8::is_ascii_digit) {
        return Err(Bail);
    }
    Ok(raw.iter().fold(0u64, |n, &b| n * 10 + u64::from(b - b'0')))
}

/// "B12" as (row, column), both from 0: one to three capital letters, then the row from 1.
fn cell_reference(raw: &[u8]) -> Result<(u32, u32), Bail> {
    super::grid::parse_a1(raw).ok_or(Bail)
}

/// A number as spreadsheets write it: `-12`, `3.25`, `1.5E-3` (nothing else: a form both
/// readers might parse differently is left to calamine).
fn is_plain_number(raw: &[u8]) -> bool {
    let mut rest = raw.strip_prefix(b"-").unwrap_or(raw);
    let int = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    if int == 0 {
        return false;
    }
    rest = &rest[int..];
    if let Some(fraction) = rest.strip_prefix(b".") {
        let n = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
        if n == 0 {
            return false;
        }
        rest = &fraction[n..];
    }
    if let Some(exponent) = rest.strip_prefix(b"E").or_else(|| rest.strip_prefix(b"e")) {
        let exponent = exponent
            .strip_prefix(b"-")
            .or_else(|| exponent.strip_prefix(b"+"))
            .unwrap_or(exponent);
        let n = exponent.iter().take_while(|b| b.is_ascii_digit()).count();
        return n > 0 && n == exponent.len();
    }
    rest.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_and_numbers_are_read_strictly() {
        assert_eq!(cell_reference(b"A1"), Ok((0, 0)));
        assert_eq!(cell_reference(b"XFD1048576"), Ok((1_048_575, 16_383)));
        assert!(cell_reference(b"a1").is_err() && cell_reference(b"A0").is_err());
        assert!(cell_reference(b"AAAA1").is_err() && cell_reference(b"A").is_err());
        for ok in ["0", "-12", "3.25", "1.5E-3", "2e+10", "100"] {
            assert!(is_plain_number(ok.as_bytes()), "{ok}");
        }
        for bad in [
            "", "-", "1.", ".5", " 1", "1 ", "inf", "NaN", "1e", "0x10", "1,5",
        ] {
            assert!(!is_plain_number(bad.as_bytes()), "{bad}");
        }
    }

    #[test]
    fn rich_text_leaves_out_phonetic_runs_and_trims_each_run() {
        let xml = br#"<sst><si><r><t>Ab </t></r><r><t xml:space="preserve"> cd</t></r><rPh><t>PH</t></rPh></si><si/><si><t>a_x000D_b &amp; c</t></si></sst>"#;
        let strings = shared_strings(xml).unwrap();
        assert_eq!(strings, ["Ab cd", "", "a\rb & c"]);
    }
}
