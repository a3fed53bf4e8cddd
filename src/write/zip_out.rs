//! A zip package written entry by entry from data already compressed: the summary workbook's
//! parts as rust_xlsxwriter deflated them, and its list sheets deflated as their rows were
//! written. Plain zip (no ZIP64): entries and the package stay under 4 GB, as rust_xlsxwriter's
//! own packages (written with `large_file` off) had to.

use std::io::{self, Read, Write};

/// How an entry's data is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// As it is.
    Stored,
    /// Raw deflate.
    Deflated,
}

/// What the headers say of an entry.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The part's name in the package.
    pub name: String,
    /// How its data is stored.
    pub method: Method,
    /// CRC-32 of the uncompressed data.
    pub crc: u32,
    /// Bytes as stored.
    pub compressed: u64,
    /// Bytes uncompressed.
    pub size: u64,
}

/// A zip package being written.
pub struct ZipOut<W: Write> {
    out: W,
    /// Bytes written so far.
    at: u64,
    /// Each entry written, with where its local header starts.
    entries: Vec<(Entry, u32)>,
}

/// The zip format's limit for sizes and offsets without ZIP64.
const LIMIT: u64 = u32::MAX as u64;
/// 1980-01-01 00:00:00, the zip epoch, as the zip crate writes `DateTime::default()`.
const DOS_TIME: u16 = 0;
const DOS_DATE: u16 = (1 << 5) | 1;
/// Version 2.0 (deflate), made on Unix (so the permissions below are read).
const VERSION_NEEDED: u16 = 20;
const VERSION_MADE_BY: u16 = (3 << 8) | 20;
/// A regular file readable and writable by its owner (0600), as rust_xlsxwriter sets its parts.
const EXTERNAL_ATTRIBUTES: u32 = 0o100_600 << 16;

impl<W: Write> ZipOut<W> {
    /// A package written to `out`.
    pub fn new(out: W) -> ZipOut<W> {
        ZipOut {
            out,
            at: 0,
            entries: Vec::new(),
        }
    }

    /// Writes an entry: its local header, then its stored bytes, read from `data` (exactly
    /// `entry.compressed` of them).
    pub fn entry(&mut self, entry: Entry, data: &mut dyn Read) -> io::Result<()> {
        if entry.compressed > LIMIT || entry.size > LIMIT || self.at > LIMIT {
            return Err(too_large(&entry.name));
        }
        let offset = self.at as u32;
        let mut header = Vec::with_capacity(30 + entry.name.len());
        put32(&mut header, 0x0403_4b50);
        put16(&mut header, VERSION_NEEDED);
        put16(&mut header, flags(&entry.name));
        put16(&mut header, method_code(entry.method));
        put16(&mut header, DOS_TIME);
        put16(&mut header, DOS_DATE);
        put32(&mut header, entry.crc);
        put32(&mut header, entry.compressed as u32);
        put32(&mut header, entry.size as u32);
        put16(&mut header, name_len(&entry.name)?);
        put16(&mut header, 0);
        header.extend_from_slice(entry.name.as_bytes());
        self.write(&header)?;
        let copied = io::copy(&mut data.take(entry.compressed), &mut self.out)?;
        if copied != entry.compressed {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("{}: 数据比登记的短", entry.name),
            ));
        }
        self.at += copied;
        self.entries.push((entry, offset));
        Ok(())
    }

    /// Writes the central directory and its end record; returns the writer.
    pub fn finish(mut self) -> io::Result<W> {
        let start = self.at;
        let mut directory = Vec::new();
        for (entry, offset) in &self.entries {
            put32(&mut directory, 0x0201_4b50);
            put16(&mut directory, VERSION_MADE_BY);
            put16(&mut directory, VERSION_NEEDED);
            put16(&mut directory, flags(&entry.name));
            put16(&mut directory, method_code(entry.method));
            put16(&mut directory, DOS_TIME);
            put16(&mut directory, DOS_DATE);
            put32(&mut directory, entry.crc);
            put32(&mut directory, entry.compressed as u32);
            put32(&mut directory, entry.size as u32);
            put16(&mut directory, name_len(&entry.name)?);
            put16(&mut directory, 0); // extra field
            put16(&mut directory, 0); // comment
            put16(&mut directory, 0); // disk
            put16(&mut directory, 0); // internal attributes
            put32(&mut directory, EXTERNAL_ATTRIBUTES);
            put32(&mut directory, *offset);
            directory.extend_from_slice(entry.name.as_bytes());
        }
        let count = u16::try_from(self.entries.len())
            .map_err(|_| io::Error::other("汇总工作簿的部件超过 65535 个"))?;
        if start + directory.len() as u64 > LIMIT {
            return Err(too_large("汇总工作簿"));
        }
        let mut end = Vec::with_capacity(22);
        put32(&mut end, 0x0605_4b50);
        put16(&mut end, 0);
        put16(&mut end, 0);
        put16(&mut end, count);
        put16(&mut end, count);
        put32(&mut end, directory.len() as u32);
        put32(&mut end, start as u32);
        put16(&mut end, 0);
        self.write(&directory)?;
        self.write(&end)?;
        self.out.flush()?;
        Ok(self.out)
    }

    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)?;
        self.at += bytes.len() as u64;
        Ok(())
    }
}

fn too_large(name: &str) -> io::Error {
    io::Error::other(format!("{name}: 超过 4 GB，zip 格式（不用 ZIP64）写不下"))
}

/// Bit 11 (the name is UTF-8) for a name that is not ASCII.
fn flags(name: &str) -> u16 {
    if name.is_ascii() { 0 } else { 1 << 11 }
}

fn method_code(method: Method) -> u16 {
    match method {
        Method::Stored => 0,
        Method::Deflated => 8,
    }
}

fn name_len(name: &str) -> io::Result<u16> {
    u16::try_from(name.len()).map_err(|_| io::Error::other(format!("{name}: 部件名太长")))
}

fn put16(out: &mut Vec<u8>, value: u16) {
    out.extend_from_slice(&value.to_le_bytes());
}

fn put32(out: &mut Vec<u8>, value: u32) {
    out.extend_from_slice(&value.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    #[test]
    fn packages_written_here_are_read_by_the_zip_crate() {
        let text = "部件内容 ".repeat(500);
        let mut deflated =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::new(1));
        deflated.write_all(text.as_bytes()).unwrap();
        let deflated = deflated.finish().unwrap();
        let crc = crc32fast::hash(text.as_bytes());
        let mut zip = ZipOut::new(Vec::new());
        for (name, method, data) in [
            ("a/stored.xml", Method::Stored, text.as_bytes()),
            ("b/deflated.xml", Method::Deflated, &deflated[..]),
            ("c/空.xml", Method::Stored, &b""[..]),
        ] {
            let size = if name.starts_with('c') {
                0
            } else {
                text.len() as u64
            };
            let crc = if size == 0 { 0 } else { crc };
            let entry = Entry {
                name: name.into(),
                method,
                crc,
                compressed: data.len() as u64,
                size,
            };
            zip.entry(entry, &mut &data[..]).unwrap();
        }
        let bytes = zip.finish().unwrap();
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        assert_eq!(archive.len(), 3);
        for (index, expected) in [(0, text.as_str()), (1, text.as_str()), (2, "")] {
            let mut file = archive.by_index(index).unwrap();
            assert_eq!(file.unix_mode(), Some(0o100_600));
            let mut read = String::new();
            file.read_to_string(&mut read).unwrap();
            assert_eq!(read, expected);
        }
        assert_eq!(archive.by_index(2).unwrap().name().unwrap(), "c/空.xml");
        // Data shorter than its header says is an error, not a broken package.
        let mut zip = ZipOut::new(Vec::new());
        let entry = Entry {
            name: "x".into(),
            method: Method::Stored,
            crc: 0,
            compressed: 10,
            size: 10,
        };
        assert!(zip.entry(entry, &mut &b"short"[..]).is_err());
    }
}
