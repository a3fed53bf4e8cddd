//! Limits that keep one hostile or broken file from exhausting the machine, checked before
//! calamine sees the file: file size, the zip archive's entries (count, duplicate names, inflated
//! size per entry and in all, inflate ratio — as Apache POI's ZipSecureFile does), cells per sheet
//! and time per file. The zip reader itself refuses to inflate an entry past its declared size, so
//! the declared sizes are safe to check.
//!
//! A size a file declares may cap what is allocated for it, never refuse a file that reads: a
//! `sharedStrings.xml` whose `uniqueCount` no part of its size can hold is handed to calamine
//! without that count (see `xlsx_compat`), and its `count` (how many cells use a string, far above
//! the number of strings whenever strings repeat) is never looked at.

use std::collections::HashSet;
use std::io::Cursor;
use std::time::{Duration, Instant};

use crate::error::ErrorKind;

/// The limits, with safe defaults; every one can be raised from the command line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Largest file read, in bytes (`--max-file-size`).
    pub max_file_bytes: u64,
    /// Largest inflated size of one zip entry, in bytes (`--max-inflated`).
    pub max_entry_bytes: u64,
    /// Largest inflated size of all entries together, in bytes.
    pub max_total_bytes: u64,
    /// Smallest compressed/inflated ratio of an entry over 100 KB (`--min-inflate-ratio`).
    pub min_inflate_ratio: f64,
    /// Most entries in an archive.
    pub max_entries: usize,
    /// Most cells read from one sheet (`--max-cells`).
    pub max_cells_per_sheet: u64,
    /// Time allowed for one file (`--max-seconds`).
    pub max_seconds_per_file: f64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 100 * MB,
            max_entry_bytes: 256 * MB,
            max_total_bytes: 1024 * MB,
            min_inflate_ratio: 0.01,
            max_entries: 10_000,
            max_cells_per_sheet: 1_000_000,
            max_seconds_per_file: 60.0,
        }
    }
}

const MB: u64 = 1024 * 1024;
/// Entries smaller than this are never judged by their inflate ratio (as in POI).
const RATIO_THRESHOLD: u64 = 100 * 1024;
/// The fewest bytes one shared string takes in `sharedStrings.xml` (`<si/>`).
const MIN_BYTES_PER_STRING: u64 = 5;

/// "12.5 MB" for messages.
pub fn human_bytes(bytes: u64) -> String {
    if bytes >= 1024 * MB {
        format!("{:.1} GB", bytes as f64 / (1024 * MB) as f64)
    } else if bytes >= MB {
        format!("{:.1} MB", bytes as f64 / MB as f64)
    } else if bytes >= 1024 {
        format!("{:.1} KB", bytes as f64 / 1024.0)
    } else {
        format!("{bytes} 字节")
    }
}

/// A limit that was passed: what, by how much, and the option that raises it (if any does).
pub fn over_limit(what: &str, value: String, limit: String, option: Option<&str>) -> ErrorKind {
    ErrorKind::Limit(match option {
        Some(option) => {
            format!("{what}为 {value}，超过限制 {limit}；如确属正常文件，可用 {option} 调高限制")
        }
        None => format!("{what}为 {value}，超过限制 {limit}（此项限制不可调）"),
    })
}

impl Limits {
    /// Checks a file's size before it is read.
    pub fn check_file_size(&self, bytes: u64) -> Result<(), ErrorKind> {
        if bytes > self.max_file_bytes {
            return Err(over_limit(
                "文件大小",
                human_bytes(bytes),
                human_bytes(self.max_file_bytes),
                Some("--max-file-size"),
            ));
        }
        Ok(())
    }

    /// Checks a zip archive (xlsx, xlsb, ods) before it is opened: entries, names, sizes,
    /// ratios, and the shared strings' declared count. Returns the parsed archive for reuse.
    pub fn check_archive<'b>(
        &self,
        bytes: &'b [u8],
    ) -> Result<zip::ZipArchive<Cursor<&'b [u8]>>, ErrorKind> {
        let unreadable =
            |e: zip::result::ZipError| super::explain::unreadable("zip", e.to_string());
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(unreadable)?;
        if archive.len() > self.max_entries {
            return Err(over_limit(
                "压缩包中的部件数",
                archive.len().to_string(),
                self.max_entries.to_string(),
                None,
            ));
        }
        let mut names = HashSet::with_capacity(archive.len());
        let mut total: u64 = 0;
        for index in 0..archive.len() {
            let entry = archive.by_index_raw(index).map_err(unreadable)?;
            let name = entry
                .name()
                .map_or_else(|_| format!("#{index}"), |n| n.into_owned());
            // Excel and calamine find a part ignoring case and the kind of slash: two names that
            // differ only so would be read as one part by one reader and the other by another.
            if !names.insert(name.replace('\\', "/").to_ascii_lowercase()) {
                return Err(ErrorKind::damaged(
                    "zip",
                    format!("部件“{name}”出现了两次（不计大小写和斜杠方向），文件可能被篡改"),
                ));
            }
            let (size, packed) = (entry.size(), entry.compressed_size());
            if size > self.max_entry_bytes {
                return Err(over_limit(
                    &format!("部件“{name}”解压后的大小"),
                    human_bytes(size),
                    human_bytes(self.max_entry_bytes),
                    Some("--max-inflated"),
                ));
            }
            if size > RATIO_THRESHOLD && (packed as f64) < size as f64 * self.min_inflate_ratio {
                return Err(over_limit(
                    &format!(
                        "部件“{name}”的压缩比（压缩后 {} / 解压后 {}）",
                        human_bytes(packed),
                        human_bytes(size)
                    ),
                    format!("{:.5}", packed as f64 / size as f64),
                    format!("{}（疑似“压缩炸弹”）", self.min_inflate_ratio),
                    Some("--min-inflate-ratio"),
                ));
            }
            total = total.saturating_add(size);
        }
        if total > self.max_total_bytes {
            return Err(over_limit(
                "全部部件解压后的总大小",
                human_bytes(total),
                human_bytes(self.max_total_bytes),
                Some("--max-inflated"),
            ));
        }
        Ok(archive)
    }

    /// When a file started, to check the time budget against.
    pub fn deadline(&self) -> Deadline {
        let budget = Duration::try_from_secs_f64(self.max_seconds_per_file.max(0.0))
            .unwrap_or(Duration::MAX);
        Deadline {
            ends: Instant::now().checked_add(budget),
            seconds: self.max_seconds_per_file,
        }
    }
}

/// True when the `uniqueCount` declared at the start of `xl/sharedStrings.xml` (`head`, its first
/// 4 KB or more) is one a part of `size` bytes can hold — or when none is declared. calamine
/// reserves room for that many strings when it opens the workbook, so an impossible count must
/// not reach it (the part is then given to it without the count). The `count` attribute says how
/// many cells use a string and is not looked at.
pub fn unique_count_plausible(head: &[u8], size: u64) -> bool {
    let head = &head[..head.len().min(4096)];
    let Some(at) = memchr::memmem::find(head, b"uniqueCount=\"") else {
        return true;
    };
    let digits: Vec<u8> = head[at + 13..]
        .iter()
        .copied()
        .take_while(u8::is_ascii_digit)
        .collect();
    if digits.is_empty() {
        return true; // calamine does not parse it either
    }
    std::str::from_utf8(&digits)
        .ok()
        .and_then(|d| d.parse::<u64>().ok())
        .is_some_and(|declared| declared <= size / MIN_BYTES_PER_STRING + 1)
}

/// The time budget of one file.
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    ends: Option<Instant>,
    seconds: f64,
}

impl Deadline {
    /// Fails once the budget is spent.
    pub fn check(&self) -> Result<(), ErrorKind> {
        match self.ends {
            Some(ends) if Instant::now() > ends => Err(over_limit(
                "读取此文件所用时间",
                format!("超过 {} 秒", self.seconds),
                format!("{} 秒", self.seconds),
                Some("--max-seconds"),
            )),
            _ => Ok(()),
        }
    }
}

/// Parses sizes as people write them: "100MB", "1.5 GB", "512k", "2048" (bytes).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| format!("不是大小：{text}（例：100MB、1.5GB）"))?;
    let factor = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" | "kib" => 1024.0,
        "m" | "mb" | "mib" => MB as f64,
        "g" | "gb" | "gib" => (1024 * MB) as f64,
        "t" | "tb" | "tib" => (1024 * 1024 * MB) as f64,
        other => return Err(format!("不认识的单位“{other}”（可用 KB、MB、GB）")),
    };
    Ok((number * factor) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_as_written() {
        assert_eq!(parse_size("100MB"), Ok(100 * MB));
        assert_eq!(parse_size("1.5 GB"), Ok(1536 * MB));
        assert_eq!(parse_size("512k"), Ok(512 * 1024));
        assert_eq!(parse_size("2048"), Ok(2048));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("5 parsecs").is_err());
        assert_eq!(human_bytes(3 * MB / 2), "1.5 MB");
    }

    #[test]
    fn the_limit_message_names_the_option() {
        let err = Limits::default().check_file_size(200 * MB).unwrap_err();
        let message = err.to_string();
        assert!(
            message.contains("200.0 MB") && message.contains("--max-file-size"),
            "{message}"
        );
    }
}
