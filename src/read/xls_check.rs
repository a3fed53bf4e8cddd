//! Checks an .xls before calamine opens it. An .xls is an OLE compound file: sectors linked into
//! chains by a FAT. calamine 0.38 follows a chain without looking for a loop (so a chain that
//! points back at itself grows memory until the process dies), reserves room for the rows ×
//! columns a DIMENSIONS record declares, and lays a sheet out as the full rectangle between its
//! extreme cells — all ways a few KB abort the whole process, which no `catch_unwind` can stop. So
//! every chain is followed here first (within bounds, without loops), and the workbook stream's
//! records are scanned for the extent of each sheet.
//!
//! What Excel accepts is accepted here too: a chain may end in a free sector as well as an
//! end-of-chain mark, and may name the sector just past the file's last one (writers leave such
//! slack; calamine reads it as empty), a last sector may be cut short. Only a chain that loops or
//! leaves the file is refused. An encrypted workbook (a FILEPASS record, or the streams of an
//! encrypted .xlsx) is recognised before anything else is looked at, so it always gets the
//! password message; a code page calamine does not know is reported, to be read as Windows-1252.

use super::limits::{Limits, over_limit};
use crate::error::ErrorKind;

const END_OF_CHAIN: u32 = 0xFFFF_FFFE;
const FREE_SECTOR: u32 = 0xFFFF_FFFF;
/// Streams smaller than this live in the mini stream.
const MINI_CUTOFF: u64 = 4096;
const MINI_SECTOR: usize = 64;

fn damaged(detail: &str) -> ErrorKind {
    ErrorKind::damaged(
        "xls",
        format!("复合文档结构损坏：{detail}，文件可能被截断或篡改"),
    )
}

fn u16_at(bytes: &[u8], at: usize) -> u16 {
    bytes
        .get(at..at + 2)
        .map_or(0, |b| u16::from_le_bytes([b[0], b[1]]))
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    bytes.get(at..at + 4).map_or(FREE_SECTOR, |b| {
        u32::from_le_bytes([b[0], b[1], b[2], b[3]])
    })
}

/// What the check learned that the reader needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct XlsFacts {
    /// The code page to read the workbook with when calamine does not know the one its CODEPAGE
    /// record names (instead of refusing it): UTF-16 for a BIFF8 workbook, whose texts are
    /// Unicode whatever the record says; for older ones Windows-1252 (BIFF2–3 write 32769 for
    /// it) or Mac Roman (32768).
    pub codepage: Option<u16>,
    /// Bytes to change in a copy of the file before calamine reads it: (offset, value). A
    /// DIMENSIONS record declaring more cells than the limit is zeroed there, since calamine
    /// reserves what it declares — the cells themselves are what is judged.
    pub patches: Vec<(usize, u8)>,
}

impl XlsFacts {
    /// The file as calamine should read it: the bytes themselves, or a copy with the patches.
    pub fn patched<'b>(&self, bytes: &'b [u8]) -> std::borrow::Cow<'b, [u8]> {
        if self.patches.is_empty() {
            return std::borrow::Cow::Borrowed(bytes);
        }
        let mut copy = bytes.to_vec();
        for &(at, value) in &self.patches {
            if let Some(byte) = copy.get_mut(at) {
                *byte = value;
            }
        }
        std::borrow::Cow::Owned(copy)
    }
}

/// A stream's bytes and where each of its pieces (sectors or mini sectors) lies in the file.
#[derive(Default)]
struct Stream {
    data: Vec<u8>,
    piece: usize,
    offsets: Vec<usize>,
}

impl Stream {
    /// Where the stream's byte `at` lies in the file.
    fn file_offset(&self, at: usize) -> Option<usize> {
        Some(self.offsets.get(at / self.piece)? + at % self.piece)
    }
}

/// The file's sectors, the FAT, and the sector size.
struct Sectors<'a> {
    bytes: &'a [u8],
    size: usize,
    /// Sectors that start inside the file (the last may be cut short).
    count: u32,
    fat: Vec<u32>,
}

impl<'a> Sectors<'a> {
    /// A sector's bytes as far as the file holds them: the sector just past the end of a file
    /// is empty (as calamine reads it); `None` for one further out.
    fn sector(&self, id: u32) -> Option<&'a [u8]> {
        let start = (id as usize).checked_add(1)?.checked_mul(self.size)?;
        if start > self.bytes.len() {
            return None;
        }
        Some(&self.bytes[start..(start + self.size).min(self.bytes.len())])
    }

    /// A sector that must be there (a FAT or DIFAT sector).
    fn required(&self, id: u32) -> Result<&'a [u8], ErrorKind> {
        self.sector(id)
            .ok_or_else(|| damaged(&format!("扇区 {id} 超出文件末尾")))
    }

    /// The sectors of a chain, checked: every one inside the file (or the empty one just past
    /// it), no loop. With `limit`, the chain is followed only as far as that many sectors, as
    /// calamine follows it. A free sector ends a chain as an end-of-chain mark does.
    fn chain(&self, start: u32, limit: Option<usize>) -> Result<Vec<u32>, ErrorKind> {
        let mut ids = Vec::new();
        let mut id = start;
        while id != END_OF_CHAIN && id != FREE_SECTOR && limit.is_none_or(|limit| ids.len() < limit)
        {
            if self.sector(id).is_none() {
                return Err(damaged(&format!("扇区链指向文件之外的扇区 {id}")));
            }
            if ids.len() > self.count as usize {
                return Err(damaged("扇区链首尾相连，形成循环"));
            }
            ids.push(id);
            // A sector the FAT does not describe ends its chain (calamine stops there too).
            id = self.fat.get(id as usize).copied().unwrap_or(END_OF_CHAIN);
        }
        Ok(ids)
    }

    fn read_chain(&self, start: u32, size: Option<u64>) -> Result<Stream, ErrorKind> {
        // As far as the declared size asks (calamine copies sectors until it has that many
        // bytes): a loop that would be followed past the file's sectors is refused — a 19 KB
        // file declaring a 3.7 GB stream on a looping chain made calamine copy gigabytes.
        let limit =
            size.map(|size| usize::try_from(size.div_ceil(self.size as u64)).unwrap_or(usize::MAX));
        let mut stream = Stream {
            piece: self.size,
            ..Stream::default()
        };
        for id in self.chain(start, limit)? {
            stream.offsets.push((id as usize + 1) * self.size);
            let sector = self.sector(id).unwrap_or_default();
            stream.data.extend_from_slice(sector);
            // A sector cut short by the end of the file keeps the pieces aligned.
            stream.data.resize(stream.offsets.len() * self.size, 0);
        }
        if let Some(size) = size {
            stream
                .data
                .truncate(size.min(stream.data.len() as u64) as usize);
        }
        Ok(stream)
    }
}

/// A directory entry as calamine sees it: name, first sector, size.
struct Entry {
    name: String,
    start: u32,
    size: u64,
}

/// Checks the compound file's structure and the extent of each sheet in its workbook stream.
pub fn check_xls(bytes: &[u8], limits: &Limits) -> Result<XlsFacts, ErrorKind> {
    if bytes.len() < 512 {
        return Err(damaged("文件头不完整"));
    }
    let size = match u16_at(bytes, 30) {
        9 => 512,
        12 => 4096,
        _ => return Err(damaged("扇区大小无效")),
    };
    if bytes.len() < size {
        return Err(damaged("文件头不完整"));
    }
    let count = (bytes.len() - size).div_ceil(size) as u32;
    let mut sectors = Sectors {
        bytes,
        size,
        count,
        fat: Vec::new(),
    };

    // The FAT sectors: 109 listed in the header, the rest in the DIFAT chain.
    let mut fat_sectors: Vec<u32> = (0..109).map(|i| u32_at(bytes, 76 + 4 * i)).collect();
    let mut difat = u32_at(bytes, 68);
    let mut steps = 0;
    while difat < 0xFFFF_FFFA {
        steps += 1;
        if steps > count as usize + 1 {
            return Err(damaged("DIFAT 链形成循环"));
        }
        let sector = sectors.required(difat)?;
        let entries = size / 4 - 1;
        fat_sectors.extend((0..entries).map(|i| u32_at(sector, 4 * i)));
        difat = u32_at(sector, size - 4);
    }
    for id in fat_sectors.into_iter().filter(|id| *id < 0xFFFF_FFFA) {
        let sector = sectors.required(id)?;
        sectors
            .fat
            .extend((0..sector.len() / 4).map(|i| u32_at(sector, 4 * i)));
    }

    // The directory, read as calamine reads it: every 128-byte entry, named by its 64 name bytes
    // up to the first NUL (the name length and the entry type are not looked at).
    let directory = sectors.read_chain(u32_at(bytes, 48), None)?;
    let entries: Vec<Entry> = directory
        .data
        .chunks_exact(128)
        .map(|e| {
            let (name, _, _) = encoding_rs::UTF_16LE.decode(&e[..64]);
            let name = name.split('\0').next().unwrap_or("").to_owned();
            let size = if size == 512 {
                u64::from(u32_at(e, 120))
            } else {
                u64::from(u32_at(e, 120)) | (u64::from(u32_at(e, 124)) << 32)
            };
            Entry {
                name,
                start: u32_at(e, 116),
                size,
            }
        })
        .collect();
    let Some(root) = entries.first() else {
        return Err(damaged("没有目录"));
    };
    let named = |wanted: &str| entries.iter().find(|e| e.name.eq_ignore_ascii_case(wanted));
    // An encrypted .xlsx is a compound file holding the encrypted package.
    if named("EncryptionInfo").is_some() || named("EncryptedPackage").is_some() {
        return Err(ErrorKind::Encrypted);
    }
    // The mini stream (the first entry's chain) and the mini FAT, when the header has one.
    let mini_fat_sectors = u64::from(u32_at(bytes, 64));
    let (mini_stream, mini_fat) = if mini_fat_sectors > 0 {
        let mini_stream = sectors.read_chain(root.start, Some(root.size))?;
        let mini_fat_bytes = mini_fat_sectors.saturating_mul(size as u64);
        let data = sectors
            .read_chain(u32_at(bytes, 60), Some(mini_fat_bytes))?
            .data;
        let mini_fat = (0..data.len() / 4).map(|i| u32_at(&data, 4 * i)).collect();
        (mini_stream, mini_fat)
    } else {
        (Stream::default(), Vec::new())
    };
    // The workbook stream, as calamine finds it: the first entry named Workbook, else Book.
    let Some(entry) = named("Workbook").or_else(|| named("Book")) else {
        return Ok(XlsFacts::default()); // calamine says what is missing
    };
    let stream = if entry.size < MINI_CUTOFF {
        mini_chain(&mini_stream, &mini_fat, entry.start, entry.size)?
    } else {
        sectors.read_chain(entry.start, Some(entry.size))?
    };
    let mut facts = check_globals(&stream.data)?;
    for at in check_extents(&stream.data, limits)? {
        facts
            .patches
            .extend((at.0..at.1).filter_map(|i| Some((stream.file_offset(i)?, 0))));
    }
    Ok(facts)
}

/// The workbook globals, up to their end: a FILEPASS record means the workbook is encrypted (its
/// records after it are scrambled, so nothing else is judged); the CODEPAGE record is checked
/// against the code pages calamine knows.
fn check_globals(stream: &[u8]) -> Result<XlsFacts, ErrorKind> {
    let mut facts = XlsFacts::default();
    let mut biff8 = true;
    for (kind, data, _) in records(stream) {
        match kind {
            // BOF: the version, as calamine reads it (BIFF5 is 0x0500, or 0 with type 0x1000).
            0x0809 if data.len() >= 4 => {
                let (version, kind) = (u16_at(data, 0), u16_at(data, 2));
                let older = matches!(version, 0x0200 | 0x0002 | 0x0007 | 0x0300 | 0x0400 | 0x0500);
                biff8 = !(older || version == 0 && kind == 0x1000);
            }
            0x002F => return Err(ErrorKind::Encrypted),
            0x0042 if data.len() >= 2 => {
                let codepage = u16_at(data, 0);
                if codepage::to_encoding(codepage).is_none() {
                    facts.codepage = Some(match codepage {
                        _ if biff8 => 1200,
                        0x8000 => 10000,
                        _ => 1252,
                    });
                }
            }
            0x000A => break,
            _ => {}
        }
    }
    Ok(facts)
}

/// A stream in the mini stream, its chain checked the same way.
fn mini_chain(
    mini_stream: &Stream,
    mini_fat: &[u32],
    start: u32,
    size: u64,
) -> Result<Stream, ErrorKind> {
    let sectors = mini_stream.data.len().div_ceil(MINI_SECTOR) as u32;
    let mut stream = Stream {
        piece: MINI_SECTOR,
        ..Stream::default()
    };
    let mut id = start;
    while id != END_OF_CHAIN && id != FREE_SECTOR && (stream.data.len() as u64) < size {
        if id >= sectors {
            return Err(damaged(&format!("小扇区链指向不存在的扇区 {id}")));
        }
        if stream.offsets.len() > sectors as usize {
            return Err(damaged("小扇区链形成循环"));
        }
        let at = id as usize * MINI_SECTOR;
        let end = (at + MINI_SECTOR).min(mini_stream.data.len());
        stream.data.extend_from_slice(&mini_stream.data[at..end]);
        stream
            .data
            .resize((stream.offsets.len() + 1) * MINI_SECTOR, 0);
        stream
            .offsets
            .push(mini_stream.file_offset(at).unwrap_or(usize::MAX));
        id = mini_fat.get(id as usize).copied().unwrap_or(END_OF_CHAIN);
    }
    stream
        .data
        .truncate(size.min(stream.data.len() as u64) as usize);
    Ok(stream)
}

/// How many cells calamine 0.38 reserves for a DIMENSIONS record, computed as it does (its
/// column reset, its wrapping row and column counts); `None` for a record it rejects.
fn reserved_cells(data: &[u8]) -> Option<u64> {
    let (rf, rl, mut cf, cl) = match data.len() {
        10 => (
            u32::from(u16_at(data, 0)),
            u32::from(u16_at(data, 2)),
            u32::from(u16_at(data, 4)),
            u32::from(u16_at(data, 6)),
        ),
        14 | 16 => (
            u32_at(data, 0),
            u32_at(data, 4),
            u32::from(u16_at(data, 8)),
            u32::from(u16_at(data, 10)),
        ),
        _ => return None,
    };
    if 0xFF < cf || cl < cf {
        cf = 0;
    }
    let (start, end) = if 1 <= rl && 1 <= cl {
        ((rf, cf), (rl - 1, cl - 1))
    } else {
        ((rf, cf), (rf, cf))
    };
    let rows = u64::from(end.0.wrapping_sub(start.0).wrapping_add(1));
    let cols = u64::from(end.1.wrapping_sub(start.1).wrapping_add(1));
    Some(rows.saturating_mul(cols))
}

/// The records of a BIFF stream from its start, as calamine's record iterator reads them:
/// (type, data, where the data starts), ending quietly where the stream is cut (calamine stops
/// there with an error). CONTINUE records come through as records of their own type, which
/// nothing here looks at.
fn records(stream: &[u8]) -> impl Iterator<Item = (u16, &[u8], usize)> {
    let mut at = 0;
    std::iter::from_fn(move || {
        let kind = u16_at(stream, at);
        let len = u16_at(stream, at + 2) as usize;
        let data = stream.get(at + 4..at + 4 + len)?;
        at += 4 + len;
        Some((kind, data, at - len))
    })
}

/// A rectangle of cells grown one cell (or run of cells) at a time.
#[derive(Default)]
struct Extent(Option<(u32, u32, u32, u32)>);

impl Extent {
    fn note(&mut self, row: u32, first: u32, last: u32) {
        let (r0, r1, c0, c1) = self.0.get_or_insert((row, row, first, last));
        *r0 = (*r0).min(row);
        *r1 = (*r1).max(row);
        *c0 = (*c0).min(first);
        *c1 = (*c1).max(last);
    }

    fn area(&self) -> u64 {
        self.0.map_or(0, |(r0, r1, c0, c1)| {
            u64::from(r1 - r0 + 1) * u64::from(c1 - c0 + 1)
        })
    }
}

/// Scans the workbook stream as calamine reads it: the sheets' offsets from the BOUNDSHEET
/// records of the globals, then each sheet's records from its offset (nested substreams such as
/// embedded charts skipped). calamine lays the cells and formulas out as full rectangles; each
/// must stay within the limit. It also reserves the cells a DIMENSIONS record declares: a
/// declaration over the limit is returned (the stream range of its data), to be zeroed in the
/// copy calamine reads, never a reason to refuse the file.
fn check_extents(stream: &[u8], limits: &Limits) -> Result<Vec<(usize, usize)>, ErrorKind> {
    let limit = limits.max_cells_per_sheet.saturating_mul(10);
    let too_large = |what: &str, area: u64| {
        over_limit(
            what,
            area.to_string(),
            format!("{limit}（--max-cells 的 10 倍）"),
            Some("--max-cells"),
        )
    };
    let mut declarations = Vec::new();
    let mut offsets = Vec::new();
    for (kind, data, _) in records(stream) {
        match kind {
            0x0085 if data.len() >= 4 => offsets.push(u32_at(data, 0) as usize),
            0x000A => break,
            _ => {}
        }
    }
    for offset in offsets {
        let Some(sheet) = stream.get(offset..) else {
            continue;
        };
        let (mut cells, mut formulas) = (Extent::default(), Extent::default());
        let (mut seen_bof, mut depth) = (false, 0usize);
        for (kind, data, at) in records(sheet) {
            if depth > 0 {
                match kind {
                    0x0809 => depth += 1,
                    0x000A => depth -= 1,
                    _ => {}
                }
                continue;
            }
            let row = u32::from(u16_at(data, 0));
            let col = u32::from(u16_at(data, 2));
            match kind {
                0x0809 if seen_bof => depth += 1,
                0x0809 => seen_bof = true,
                0x000A => break,
                0x0200 => {
                    let area = reserved_cells(data).unwrap_or(0);
                    if area > limit {
                        declarations.push((offset + at, offset + at + data.len()));
                    }
                }
                // Number, Label, RString, BoolErr, RK, LabelSst.
                0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD if data.len() >= 4 => {
                    cells.note(row, col, col);
                }
                // Formula: a cell, and a formula laid out as a rectangle of its own.
                0x0006 if data.len() >= 4 => {
                    cells.note(row, col, col);
                    formulas.note(row, col, col);
                }
                // MulRk: a row of cells from one column to another.
                0x00BD if data.len() >= 6 => {
                    let last = u32::from(u16_at(data, data.len() - 2));
                    cells.note(row, col.min(last), col.max(last));
                }
                _ => {}
            }
        }
        let area = cells.area().max(formulas.area());
        if area > limit {
            return Err(too_large("工作表的使用范围（行数×列数）", area));
        }
    }
    Ok(declarations)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus_xls() -> Vec<u8> {
        std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/field-corpus/应急救援（97-2003格式）.xls"
        ))
        .unwrap()
    }

    #[test]
    fn a_real_xls_passes() {
        assert!(check_xls(&corpus_xls(), &Limits::default()).is_ok());
    }

    #[test]
    fn a_looping_chain_is_refused() {
        let mut bytes = corpus_xls();
        let size = 512;
        // Make the directory chain's first sector point at itself in the FAT.
        let dir_start = u32_at(&bytes, 48) as usize;
        let first_fat = u32_at(&bytes, 76) as usize;
        let at = (first_fat + 1) * size + 4 * dir_start;
        bytes[at..at + 4].copy_from_slice(&(dir_start as u32).to_le_bytes());
        let err = check_xls(&bytes, &Limits::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("循环"), "{err}");
    }

    #[test]
    fn a_truncated_xls_is_refused() {
        let bytes = corpus_xls();
        for cut in [600, bytes.len() / 2] {
            let err = check_xls(&bytes[..cut], &Limits::default()).unwrap_err();
            assert!(err.to_string().contains("文件之外"), "cut at {cut}: {err}");
        }
    }

    /// The corpus file with its directory chain's last sector pointing at the sector just past
    /// the end of the file (whose FAT entry ends the chain), and the file cut short inside its
    /// last sector: slack Excel and calamine read.
    #[test]
    fn slack_at_the_end_of_a_chain_is_accepted() {
        let mut bytes = corpus_xls();
        let size = 512;
        let count = (bytes.len() - size) / size;
        let first_fat = u32_at(&bytes, 76) as usize;
        let fat_entry = |id: usize| (first_fat + 1) * size + 4 * id;
        // Walk the directory chain to its last sector.
        let mut last = u32_at(&bytes, 48) as usize;
        while u32_at(&bytes, fat_entry(last)) != END_OF_CHAIN {
            last = u32_at(&bytes, fat_entry(last)) as usize;
        }
        assert!(
            count < 128,
            "the phantom sector's entry is in the first FAT sector"
        );
        let at = fat_entry(last);
        bytes[at..at + 4].copy_from_slice(&(count as u32).to_le_bytes());
        let at = fat_entry(count);
        bytes[at..at + 4].copy_from_slice(&END_OF_CHAIN.to_le_bytes());
        assert_eq!(
            check_xls(&bytes, &Limits::default()).unwrap(),
            XlsFacts::default()
        );
        // A chain ending in a free sector instead of an end-of-chain mark.
        let at = fat_entry(last);
        bytes[at..at + 4].copy_from_slice(&FREE_SECTOR.to_le_bytes());
        assert_eq!(
            check_xls(&bytes, &Limits::default()).unwrap(),
            XlsFacts::default()
        );
        // Two sectors past the end leaves the file.
        bytes[at..at + 4].copy_from_slice(&(count as u32 + 1).to_le_bytes());
        assert!(check_xls(&bytes, &Limits::default()).is_err());
    }

    fn record(stream: &mut Vec<u8>, kind: u16, data: &[u8]) {
        stream.extend_from_slice(&kind.to_le_bytes());
        stream.extend_from_slice(&(data.len() as u16).to_le_bytes());
        stream.extend_from_slice(data);
    }

    /// A workbook stream: globals with one BOUNDSHEET pointing at `offset` (or at the sheet that
    /// follows the globals), then the sheet's records.
    fn workbook(sheet: &[(u16, Vec<u8>)], offset: Option<u32>) -> Vec<u8> {
        let globals_len = 4 + 16 + 4 + 8 + 4;
        let mut stream = Vec::new();
        record(&mut stream, 0x0809, &[0; 16]);
        let at = offset.unwrap_or(globals_len as u32);
        record(
            &mut stream,
            0x0085,
            &[&at.to_le_bytes()[..], &[0, 0, 0, 0]].concat(),
        );
        record(&mut stream, 0x000A, &[]);
        assert_eq!(stream.len(), globals_len);
        record(&mut stream, 0x0809, &[0; 16]);
        for (kind, data) in sheet {
            record(&mut stream, *kind, data);
        }
        record(&mut stream, 0x000A, &[]);
        stream
    }

    fn number(row: u16, col: u16) -> Vec<u8> {
        [&row.to_le_bytes()[..], &col.to_le_bytes()[..], &[0; 10]].concat()
    }

    #[test]
    fn cells_far_apart_are_refused() {
        let near = workbook(&[(0x0203, number(0, 0)), (0x0203, number(20, 6))], None);
        assert!(check_extents(&near, &Limits::default()).is_ok());
        let far = workbook(
            &[(0x0203, number(0, 0)), (0x0203, number(0xFFFF, 0xFFFF))],
            None,
        );
        let err = check_extents(&far, &Limits::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("--max-cells"), "{err}");
        let formulas = workbook(
            &[(0x0006, number(0, 0)), (0x0006, number(0xFFFF, 0x00FF))],
            None,
        );
        assert!(check_extents(&formulas, &Limits::default()).is_err());
    }

    #[test]
    fn a_large_declared_range_is_zeroed_for_calamine_not_refused() {
        let dims = vec![0u8, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0x7F, 0, 0, 0xFF, 0, 0, 0];
        let stream = workbook(&[(0x0200, dims.clone()), (0x0203, number(3, 2))], None);
        let declared = check_extents(&stream, &Limits::default()).unwrap();
        assert_eq!(declared.len(), 1);
        let (start, end) = declared[0];
        assert_eq!(&stream[start..end], dims.as_slice());
        let mut zeroed = stream.clone();
        zeroed[start..end].fill(0);
        assert_eq!(reserved_cells(&zeroed[start..end]), Some(1));
        // A declaration within the limit is left alone.
        let small = vec![0u8, 0, 0, 0, 20, 0, 0, 0, 0, 0, 6, 0, 0, 0];
        let stream = workbook(&[(0x0200, small)], None);
        assert!(
            check_extents(&stream, &Limits::default())
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn sheets_are_read_from_their_offsets_as_calamine_reads_them() {
        // Read from the stream's start, the far cell hides inside an opaque record; read from
        // the (hostile) sheet offset, as calamine reads it, it is a cell.
        let mut hidden = Vec::new();
        record(&mut hidden, 0x0203, &number(0, 0));
        record(&mut hidden, 0x0203, &number(0xFFFF, 0xFFFF));
        let sheet = vec![(0x1234u16, hidden), (0x0203, number(0, 0))];
        let sheet_start = 36u32;
        let inside_opaque = sheet_start + 4 + 16 + 4;
        let stream = workbook(&sheet, Some(inside_opaque));
        assert!(check_extents(&stream, &Limits::default()).is_err());
        assert!(check_extents(&workbook(&sheet, None), &Limits::default()).is_ok());
    }

    #[test]
    fn dimensions_are_counted_as_calamine_counts_them() {
        // BIFF5: rows 0..60000, columns 0..200.
        assert_eq!(
            reserved_cells(&[0, 0, 0x60, 0xEA, 0, 0, 200, 0, 0, 0]),
            Some(60_000 * 200)
        );
        // A first row after the last: calamine's row count wraps to about 2^32.
        let wrapped = reserved_cells(&[0x10, 0, 0, 0, 0x05, 0, 0, 0, 0, 0, 0x02, 0, 0, 0]).unwrap();
        assert!(wrapped > 1 << 31, "{wrapped}");
        // A first column past 0xFF is taken as 0.
        assert_eq!(
            reserved_cells(&[0, 0, 0, 0, 1, 0, 0, 0, 0x00, 0x01, 0x10, 0, 0, 0]),
            Some(16)
        );
        assert_eq!(reserved_cells(&[0; 12]), None);
    }
}
