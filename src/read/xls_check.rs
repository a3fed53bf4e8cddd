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

    /// The sectors of a chain, checked: every one inside the file, no loop.
    fn chain(&self, start: u32) -> Result<Vec<u32>, ErrorKind> {
        let mut ids = Vec::new();
        let mut id = start;
        while id != END_OF_CHAIN {
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
        let mut data = Vec::new();
        for id in self.chain(start)? {
            data.extend_from_slice(self.sector(id)?);
        }
        if let Some(size) = size {
            data.truncate(size.min(data.len() as u64) as usize);
        }
        Ok(data)
    }
}

/// A directory entry: name, type, first sector, size.
struct Entry {
    name: String,
    kind: u8,
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

    // The directory, then every stream's chain.
    let directory = sectors.read_chain(u32_at(bytes, 48), None)?;
    let entries: Vec<Entry> = directory
        .chunks_exact(128)
        .map(|e| {
            let name_len = (u16_at(e, 64) as usize).min(64);
            let units: Vec<u16> = (0..name_len / 2).map(|i| u16_at(e, 2 * i)).collect();
            Entry {
                name: String::from_utf16_lossy(&units)
                    .trim_end_matches('\0')
                    .to_owned(),
                kind: e[66],
                start: u32_at(e, 116),
                size: if size == 512 {
                    u64::from(u32_at(e, 120))
                } else {
                    u64::from(u32_at(e, 120)) | (u64::from(u32_at(e, 124)) << 32)
                },
            }
        })
        .collect();
    let Some(root) = entries.first() else {
        return Err(damaged("没有目录"));
    };
    let mini_stream = if root.start != END_OF_CHAIN && root.kind == 5 {
        sectors.read_chain(root.start, Some(root.size))?
    } else {
        Vec::new()
    };
    let mini_fat_start = u32_at(bytes, 60);
    let mini_fat: Vec<u32> = if mini_fat_start == END_OF_CHAIN || mini_fat_start == FREE_SECTOR {
        Vec::new()
    } else {
        let data = sectors.read_chain(mini_fat_start, None)?;
        (0..data.len() / 4).map(|i| u32_at(&data, 4 * i)).collect()
    };
    let mut workbook = None;
    for entry in entries.iter().skip(1).filter(|e| e.kind == 2) {
        let data = if entry.size >= MINI_CUTOFF {
            sectors.chain(entry.start)?;
            if entry.name.eq_ignore_ascii_case("Workbook")
                || entry.name.eq_ignore_ascii_case("Book")
            {
                Some(sectors.read_chain(entry.start, Some(entry.size))?)
            } else {
                None
            }
        } else {
            let data = mini_chain(&mini_stream, &mini_fat, entry.start, entry.size)?;
            let is_workbook = entry.name.eq_ignore_ascii_case("Workbook")
                || entry.name.eq_ignore_ascii_case("Book");
            is_workbook.then_some(data)
        };
        if workbook.is_none() {
            workbook = data;
        }
    }
    match workbook {
        Some(stream) => check_extents(&stream, limits),
        None => Ok(()), // calamine says what is missing
    }
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

/// Scans the BIFF records of the workbook stream: each sheet's declared DIMENSIONS and the
/// rectangle between its extreme cells must stay within the limit.
fn check_extents(stream: &[u8], limits: &Limits) -> Result<(), ErrorKind> {
    let limit = limits.max_cells_per_sheet.saturating_mul(10);
    let mut extent: Option<(u32, u32, u32, u32)> = None;
    let mut at = 0;
    let check = |extent: Option<(u32, u32, u32, u32)>| -> Result<(), ErrorKind> {
        if let Some((r0, r1, c0, c1)) = extent {
            let area = u64::from(r1 - r0 + 1) * u64::from(c1 - c0 + 1);
            if area > limit {
                return Err(over_limit(
                    "工作表的使用范围（行数×列数）",
                    area.to_string(),
                    limit.to_string(),
                    "--max-cells",
                ));
            }
        }
        Ok(())
    };
    let note = |extent: &mut Option<(u32, u32, u32, u32)>, row: u32, first: u32, last: u32| {
        let (r0, r1, c0, c1) = extent.get_or_insert((row, row, first, last));
        *r0 = (*r0).min(row);
        *r1 = (*r1).max(row);
        *c0 = (*c0).min(first);
        *c1 = (*c1).max(last);
    };
    while at + 4 <= stream.len() {
        let kind = u16_at(stream, at);
        let len = u16_at(stream, at + 2) as usize;
        let Some(data) = stream.get(at + 4..at + 4 + len) else {
            break;
        };
        at += 4 + len;
        match kind {
            // BOF: a new substream (sheet) begins.
            0x0809 => {
                check(extent.take())?;
            }
            // DIMENSIONS: calamine reserves rows × columns for the sheet.
            0x0200 => {
                if let Some(area) = reserved_cells(data) {
                    if area > limit {
                        let shown = area.to_string();
                        return Err(over_limit(
                            "工作表声明的范围（行数×列数）",
                            shown,
                            limit.to_string(),
                            "--max-cells",
                        ));
                    }
                }
            }
            // Cells: Number, Label, RString, BoolErr, RK, LabelSst, Formula.
            0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD | 0x0006 if len >= 4 => {
                let (row, col) = (u32::from(u16_at(data, 0)), u32::from(u16_at(data, 2)));
                note(&mut extent, row, col, col);
            }
            // MulRk: a row of cells from one column to another.
            0x00BD if len >= 6 => {
                let row = u32::from(u16_at(data, 0));
                let (first, last) = (u32::from(u16_at(data, 2)), u32::from(u16_at(data, len - 2)));
                note(&mut extent, row, first.min(last), first.max(last));
            }
            _ => {}
        }
    }
    check(extent)
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

    #[test]
    fn cells_far_apart_are_refused() {
        let mut stream = Vec::new();
        let mut record = |kind: u16, data: &[u8]| {
            stream.extend_from_slice(&kind.to_le_bytes());
            stream.extend_from_slice(&(data.len() as u16).to_le_bytes());
            stream.extend_from_slice(data);
        };
        record(0x0809, &[0; 16]);
        record(0x0203, &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        record(
            0x0203,
            &[0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        );
        let err = check_extents(&stream, &Limits::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("--max-cells"), "{err}");
        let dims = [0u8, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0x7F, 0, 0, 0xFF, 0, 0, 0];
        let mut stream = Vec::new();
        stream.extend_from_slice(&0x0200u16.to_le_bytes());
        stream.extend_from_slice(&14u16.to_le_bytes());
        stream.extend_from_slice(&dims);
        assert!(check_extents(&stream, &Limits::default()).is_err());
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
