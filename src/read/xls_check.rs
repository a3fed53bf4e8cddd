//! Checks an .xls before calamine opens it. An .xls is an OLE compound file: sectors linked into
//! chains by a FAT. calamine 0.38 follows a chain without looking for a loop (so a chain that
//! points back at itself grows memory until the process dies), trusts sector numbers up to one
//! past the last complete sector (a panic), reserves room for the rows × columns a DIMENSIONS
//! record declares, and lays a sheet out as the full rectangle between its extreme cells — all
//! ways a few KB abort the whole process, which no `catch_unwind` can stop. So every chain is
//! followed here first (within bounds, without loops), and the workbook stream's records are
//! scanned for the extent of each sheet.

use super::limits::{Limits, over_limit};
use crate::error::ErrorKind;

const END_OF_CHAIN: u32 = 0xFFFF_FFFE;
const FREE_SECTOR: u32 = 0xFFFF_FFFF;
/// Streams smaller than this live in the mini stream.
const MINI_CUTOFF: u64 = 4096;
const MINI_SECTOR: usize = 64;

fn damaged(detail: &str) -> ErrorKind {
    ErrorKind::Unreadable {
        format: "xls",
        detail: format!("复合文档结构损坏（{detail}），文件可能被截断或篡改"),
    }
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

/// The file's sectors, the FAT, and the sector size.
struct Sectors<'a> {
    bytes: &'a [u8],
    size: usize,
    count: u32,
    fat: Vec<u32>,
}

impl<'a> Sectors<'a> {
    fn sector(&self, id: u32) -> Result<&'a [u8], ErrorKind> {
        if id >= self.count {
            return Err(damaged(&format!("扇区 {id} 超出文件末尾")));
        }
        let start = (id as usize + 1) * self.size;
        Ok(&self.bytes[start..start + self.size])
    }

    /// The sectors of a chain, checked: every one inside the file, no loop. With `limit`, the
    /// chain is followed only as far as that many sectors, as calamine follows it.
    fn chain(&self, start: u32, limit: Option<usize>) -> Result<Vec<u32>, ErrorKind> {
        let mut ids = Vec::new();
        let mut id = start;
        while id != END_OF_CHAIN && limit.is_none_or(|limit| ids.len() < limit) {
            if id >= self.count || id as usize >= self.fat.len() {
                return Err(damaged(&format!("扇区链指向不存在的扇区 {id}")));
            }
            if ids.len() >= self.count as usize {
                return Err(damaged("扇区链首尾相连，形成循环"));
            }
            ids.push(id);
            id = self.fat[id as usize];
        }
        Ok(ids)
    }

    fn read_chain(&self, start: u32, size: Option<u64>) -> Result<Vec<u8>, ErrorKind> {
        let limit = size.map(|size| {
            size.div_ceil(self.size as u64)
                .min(u64::from(self.count) + 1) as usize
        });
        let mut data = Vec::new();
        for id in self.chain(start, limit)? {
            data.extend_from_slice(self.sector(id)?);
        }
        if let Some(size) = size {
            data.truncate(size.min(data.len() as u64) as usize);
        }
        Ok(data)
    }
}

/// A directory entry as calamine sees it: name, first sector, size.
struct Entry {
    name: String,
    start: u32,
    size: u64,
}

/// Checks the compound file's structure and the extent of each sheet in its workbook stream.
pub fn check_xls(bytes: &[u8], limits: &Limits) -> Result<(), ErrorKind> {
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
    let count = ((bytes.len() - size) / size) as u32;
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
        let sector = sectors.sector(difat)?;
        let entries = size / 4 - 1;
        fat_sectors.extend((0..entries).map(|i| u32_at(sector, 4 * i)));
        difat = u32_at(sector, size - 4);
    }
    for id in fat_sectors.into_iter().filter(|id| *id < 0xFFFF_FFFA) {
        let sector = sectors.sector(id)?;
        sectors
            .fat
            .extend((0..size / 4).map(|i| u32_at(sector, 4 * i)));
    }

    // The directory, read as calamine reads it: every 128-byte entry, named by its 64 name bytes
    // up to the first NUL (the name length and the entry type are not looked at).
    let directory = sectors.read_chain(u32_at(bytes, 48), None)?;
    let entries: Vec<Entry> = directory
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
    // The mini stream (the first entry's chain) and the mini FAT, when the header has one.
    let mini_fat_sectors = u64::from(u32_at(bytes, 64));
    let (mini_stream, mini_fat) = if mini_fat_sectors > 0 {
        let mini_stream = sectors.read_chain(root.start, Some(root.size))?;
        let mini_fat_bytes = mini_fat_sectors.saturating_mul(size as u64);
        let data = sectors.read_chain(u32_at(bytes, 60), Some(mini_fat_bytes))?;
        let mini_fat = (0..data.len() / 4).map(|i| u32_at(&data, 4 * i)).collect();
        (mini_stream, mini_fat)
    } else {
        (Vec::new(), Vec::new())
    };
    // The workbook stream, as calamine finds it: the first entry named Workbook, else Book.
    let named = |wanted: &str| entries.iter().find(|e| e.name.eq_ignore_ascii_case(wanted));
    let Some(entry) = named("Workbook").or_else(|| named("Book")) else {
        return Ok(()); // calamine says what is missing
    };
    let stream = if entry.size < MINI_CUTOFF {
        mini_chain(&mini_stream, &mini_fat, entry.start, entry.size)?
    } else {
        sectors.read_chain(entry.start, Some(entry.size))?
    };
    check_extents(&stream, limits)
}

/// A stream in the mini stream, its chain checked the same way.
fn mini_chain(
    mini_stream: &[u8],
    mini_fat: &[u32],
    start: u32,
    size: u64,
) -> Result<Vec<u8>, ErrorKind> {
    let sectors = (mini_stream.len() / MINI_SECTOR) as u32;
    let mut data = Vec::new();
    let mut id = start;
    let mut steps = 0;
    while id != END_OF_CHAIN && (data.len() as u64) < size {
        if id >= sectors || id as usize >= mini_fat.len() {
            return Err(damaged(&format!("小扇区链指向不存在的扇区 {id}")));
        }
        steps += 1;
        if steps > sectors as usize {
            return Err(damaged("小扇区链形成循环"));
        }
        let at = id as usize * MINI_SECTOR;
        data.extend_from_slice(&mini_stream[at..at + MINI_SECTOR]);
        id = mini_fat[id as usize];
    }
    data.truncate(size.min(data.len() as u64) as usize);
    Ok(data)
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
/// (type, data), ending quietly where the stream is cut (calamine stops there with an error).
/// CONTINUE records come through as records of their own type, which nothing here looks at.
fn records(stream: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    let mut at = 0;
    std::iter::from_fn(move || {
        let kind = u16_at(stream, at);
        let len = u16_at(stream, at + 2) as usize;
        let data = stream.get(at + 4..at + 4 + len)?;
        at += 4 + len;
        Some((kind, data))
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
/// embedded charts skipped). calamine reserves the cells a DIMENSIONS record declares and lays
/// the cells and formulas out as full rectangles; each must stay within the limit.
fn check_extents(stream: &[u8], limits: &Limits) -> Result<(), ErrorKind> {
    let limit = limits.max_cells_per_sheet.saturating_mul(10);
    let too_large = |what: &str, area: u64| {
        over_limit(
            what,
            area.to_string(),
            limit.to_string(),
            Some("--max-cells"),
        )
    };
    let mut offsets = Vec::new();
    for (kind, data) in records(stream) {
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
        for (kind, data) in records(sheet) {
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
                        return Err(too_large("工作表声明的范围（行数×列数）", area));
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
    Ok(())
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
        for cut in [600, bytes.len() / 2, bytes.len() - 100] {
            assert!(
                check_xls(&bytes[..cut], &Limits::default()).is_err(),
                "cut at {cut}"
            );
        }
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
        let dims = vec![0u8, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0x7F, 0, 0, 0xFF, 0, 0, 0];
        assert!(check_extents(&workbook(&[(0x0200, dims)], None), &Limits::default()).is_err());
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
