//! A zip package (summary.xlsx) written here, entry by entry, with an entry's data deflated in
//! pieces that join into one deflate stream: a list sheet's rows are deflated as they are made,
//! long before the head of its XML (the `<dimension>` covering them) can be.
//!
//! Each piece but an entry's last ends on a byte boundary (a sync flush, as pigz joins its
//! pieces), so pieces deflated apart, one after another, are one valid stream; its CRC-32 is
//! the pieces' CRCs combined. Entries are written as rust_xlsxwriter's zip crate writes them
//! (version 2.0, permissions 0600, the zip epoch as their time, no extra fields), but with their
//! sizes in the local header (nothing is written before its size is known), and without ZIP64:
//! an entry or package past 4 GB is an error, as it was.

use std::io::{self, Write};

use flate2::{Compress, Compression, FlushCompress, Status};

/// Bytes deflated at once: large enough that a piece's calls cost little, small enough to keep.
const PIECE: usize = 64 * 1024;

/// What an entry's data (or a piece of it) is: its CRC-32, its size before deflating, the bytes
/// written for it, and where they went.
pub struct Deflated<W> {
    /// The deflated bytes (a `Vec`, or the file they were written to).
    pub out: W,
    /// The CRC-32 of the bytes before deflating.
    pub crc: crc32fast::Hasher,
    /// Bytes before deflating.
    pub size: u64,
    /// Bytes written to `out`.
    pub compressed: u64,
}

impl Deflated<Vec<u8>> {
    /// `bytes` as an entry stored as they are.
    pub fn stored(bytes: Vec<u8>) -> Deflated<Vec<u8>> {
        let mut crc = crc32fast::Hasher::new();
        crc.update(&bytes);
        let size = bytes.len() as u64;
        Deflated {
            out: bytes,
            crc,
            size,
            compressed: size,
        }
    }
}

/// A piece of a deflate stream, deflated as it comes into `out`.
pub struct Deflater<W: Write> {
    compress: Compress,
    pending: Vec<u8>,
    scratch: Vec<u8>,
    done: Deflated<W>,
}

impl<W: Write> Deflater<W> {
    /// A piece deflated at zip `level` (0–9) into `out`.
    pub fn new(level: u32, out: W) -> Deflater<W> {
        Deflater::with_scratch(level, out, PIECE + 1024)
    }

    /// [`Deflater::new`], deflating into `scratch` bytes at a time — at least 64: a flush that
    /// fills the scratch exactly is asked to go on, and zlib-rs then starts another empty block
    /// (5 bytes), which ends it only if there is room for it.
    fn with_scratch(level: u32, out: W, scratch: usize) -> Deflater<W> {
        let scratch = scratch.max(64);
        Deflater {
            // Raw deflate, as a zip entry holds it.
            compress: Compress::new(Compression::new(level.min(9)), false),
            pending: Vec::with_capacity(PIECE),
            scratch: Vec::with_capacity(scratch),
            done: Deflated {
                out,
                crc: crc32fast::Hasher::new(),
                size: 0,
                compressed: 0,
            },
        }
    }

    /// Adds `bytes` to the piece.
    pub fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.done.crc.update(bytes);
        self.done.size += bytes.len() as u64;
        if self.pending.len() + bytes.len() < PIECE {
            self.pending.extend_from_slice(bytes);
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending);
        self.run(&pending, FlushCompress::None)?;
        self.pending = pending;
        self.pending.clear();
        if bytes.len() >= PIECE {
            self.run(bytes, FlushCompress::None)
        } else {
            self.pending.extend_from_slice(bytes);
            Ok(())
        }
    }

    /// Ends the piece: with `last`, the stream (its final block); otherwise on a byte boundary,
    /// so that another piece may follow it.
    pub fn finish(mut self, last: bool) -> io::Result<Deflated<W>> {
        let pending = std::mem::take(&mut self.pending);
        let flush = if last {
            FlushCompress::Finish
        } else {
            FlushCompress::Sync
        };
        self.run(&pending, flush)?;
        Ok(self.done)
    }

    fn run(&mut self, mut input: &[u8], flush: FlushCompress) -> io::Result<()> {
        loop {
            self.scratch.clear();
            let before = self.compress.total_in();
            let status = self
                .compress
                .compress_vec(input, &mut self.scratch, flush)
                .map_err(io::Error::other)?;
            let consumed = (self.compress.total_in() - before) as usize;
            input = &input[consumed..];
            self.done.out.write_all(&self.scratch)?;
            self.done.compressed += self.scratch.len() as u64;
            let room_left = self.scratch.len() < self.scratch.capacity();
            match status {
                Status::StreamEnd => return Ok(()),
                // Everything taken, and (for a flush) everything flushed: there was room left,
                // or nothing was left to give (the last call filled the scratch exactly).
                _ if input.is_empty()
                    && (room_left || status == Status::BufError)
                    && flush != FlushCompress::Finish =>
                {
                    return Ok(());
                }
                _ if consumed == 0 && self.scratch.is_empty() => {
                    return Err(io::Error::other("压缩没有进展"));
                }
                _ => {}
            }
        }
    }
}

/// `bytes` deflated whole, as one piece (see [`Deflater::finish`] for `last`).
pub fn deflate(bytes: &[u8], level: u32, last: bool) -> io::Result<Deflated<Vec<u8>>> {
    let mut piece = Deflater::new(level, Vec::with_capacity(bytes.len() / 4 + 64));
    piece.write(bytes)?;
    piece.finish(last)
}

/// How an entry's data is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// As it is.
    Stored,
    /// Deflated.
    Deflated,
}

/// A zip file being written: each entry's header and data as it comes, the central directory at
/// the end.
pub struct ZipOut<W: Write> {
    out: W,
    offset: u64,
    central: Vec<u8>,
    entries: u16,
}

/// The zip epoch, 1980-01-01 00:00, in DOS time and date.
const DOS_TIME: u16 = 0;
const DOS_DATE: u16 = (1 << 5) | 1;
/// Version 2.0 (deflate); "made by" Unix, for the permissions.
const VERSION: u16 = 20;
const MADE_BY: u16 = (3 << 8) | VERSION;
/// A regular file, readable and writable by its owner only.
const PERMISSIONS: u32 = 0o100_600 << 16;
/// UTF-8 names.
const UTF8_NAME: u16 = 1 << 11;

fn too_large() -> io::Error {
    io::Error::other("summary.xlsx 超过 zip 的 4 GB 上限")
}

fn u32_of(n: u64) -> io::Result<u32> {
    u32::try_from(n)
        .ok()
        .filter(|&n| n != u32::MAX)
        .ok_or_else(too_large)
}

impl<W: Write> ZipOut<W> {
    /// A zip file written to `out`.
    pub fn new(out: W) -> ZipOut<W> {
        ZipOut {
            out,
            offset: 0,
            central: Vec::new(),
            entries: 0,
        }
    }

    /// Adds entry `name`: its data, `data.compressed` bytes holding `data.size` bytes with CRC
    /// `data.crc`, is what `write` writes (anything else is an error).
    pub fn entry(
        &mut self,
        name: &str,
        method: Method,
        data: &Deflated<impl Sized>,
        write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> io::Result<()> {
        let crc = data.crc.clone().finalize();
        let (size, compressed) = (u32_of(data.size)?, u32_of(data.compressed)?);
        let offset = u32_of(self.offset)?;
        let name_len = u16::try_from(name.len()).map_err(|_| too_large())?;
        self.entries = self.entries.checked_add(1).ok_or_else(too_large)?;
        let flags = if name.is_ascii() { 0 } else { UTF8_NAME };
        let method = match method {
            Method::Stored => 0u16,
            Method::Deflated => 8,
        };
        let mut local = Vec::with_capacity(30 + name.len());
        local.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        for field in [VERSION, flags, method, DOS_TIME, DOS_DATE] {
            local.extend_from_slice(&field.to_le_bytes());
        }
        for field in [crc, compressed, size] {
            local.extend_from_slice(&field.to_le_bytes());
        }
        local.extend_from_slice(&name_len.to_le_bytes());
        local.extend_from_slice(&0u16.to_le_bytes());
        local.extend_from_slice(name.as_bytes());
        self.out.write_all(&local)?;

        let c = &mut self.central;
        c.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        for field in [MADE_BY, VERSION, flags, method, DOS_TIME, DOS_DATE] {
            c.extend_from_slice(&field.to_le_bytes());
        }
        for field in [crc, compressed, size] {
            c.extend_from_slice(&field.to_le_bytes());
        }
        // Name, extra field and comment lengths, disk number, internal attributes.
        for field in [name_len, 0, 0, 0, 0] {
            c.extend_from_slice(&field.to_le_bytes());
        }
        c.extend_from_slice(&PERMISSIONS.to_le_bytes());
        c.extend_from_slice(&offset.to_le_bytes());
        c.extend_from_slice(name.as_bytes());

        let mut counted = Counted {
            inner: &mut self.out,
            written: 0,
        };
        write(&mut counted)?;
        if counted.written != data.compressed {
            return Err(io::Error::other(format!(
                "{name}: 写入 {} 字节，应为 {}",
                counted.written, data.compressed
            )));
        }
        self.offset += local.len() as u64 + data.compressed;
        Ok(())
    }

    /// Writes the central directory and returns the writer.
    pub fn finish(mut self) -> io::Result<W> {
        let at = u32_of(self.offset)?;
        let size = u32_of(self.central.len() as u64)?;
        self.out.write_all(&self.central)?;
        let mut end = Vec::with_capacity(22);
        end.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        for field in [0u16, 0, self.entries, self.entries] {
            end.extend_from_slice(&field.to_le_bytes());
        }
        end.extend_from_slice(&size.to_le_bytes());
        end.extend_from_slice(&at.to_le_bytes());
        end.extend_from_slice(&0u16.to_le_bytes());
        self.out.write_all(&end)?;
        Ok(self.out)
    }
}

/// A writer that counts what goes through it.
struct Counted<'a, W: Write> {
    inner: &'a mut W,
    written: u64,
}

impl<W: Write> Write for Counted<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_bytes::noise;
    use std::io::Read;

    #[test]
    fn pieces_deflated_apart_are_one_stream() {
        let text = "<row r=\"1\"><c t=\"inlineStr\"><is><t>吴泾镇</t></is></c></row>".repeat(5_000);
        let pieces: Vec<Vec<u8>> = vec![
            b"<worksheet>".to_vec(),
            Vec::new(),
            text.into_bytes(),
            noise(3 * PIECE + 17),
            b"</worksheet>".to_vec(),
        ];
        let mut joined = Vec::new();
        let mut crc = crc32fast::Hasher::new();
        let (mut size, mut compressed) = (0, 0);
        for (i, piece) in pieces.iter().enumerate() {
            let last = i == pieces.len() - 1;
            // In uneven writes, some longer than a piece.
            let mut deflater = Deflater::new(1, Vec::new());
            for chunk in piece.chunks(if i == 3 { 2 * PIECE } else { PIECE / 3 + 5 }) {
                deflater.write(chunk).unwrap();
            }
            let done = deflater.finish(last).unwrap();
            crc.combine(&done.crc);
            size += done.size;
            compressed += done.compressed;
            assert_eq!(done.compressed, done.out.len() as u64);
            joined.extend_from_slice(&done.out);
        }
        let whole = pieces.concat();
        let mut inflated = Vec::new();
        flate2::read::DeflateDecoder::new(joined.as_slice())
            .read_to_end(&mut inflated)
            .unwrap();
        assert!(inflated == whole, "the joined pieces inflate to the whole");
        assert_eq!(crc.finalize(), crc32fast::hash(&whole));
        assert_eq!(size, whole.len() as u64);
        assert_eq!(compressed, joined.len() as u64);
        let big = noise(5 * PIECE);
        let once = deflate(&big, 6, true).unwrap();
        let mut back = Vec::new();
        flate2::read::DeflateDecoder::new(once.out.as_slice())
            .read_to_end(&mut back)
            .unwrap();
        assert!(back == big, "a write longer than a piece");
    }

    #[test]
    fn a_scratch_filled_to_the_byte_is_no_error() {
        // Scratch spaces of many small sizes (64 and up): some call fills one exactly, at a
        // flush too.
        let text = "<c r=\"A1\"><v>12345</v></c>".repeat(300).into_bytes();
        for (scratch, split) in
            (1..200).flat_map(|s| [300, 1000, 1777, 2500, 4000].map(|at| (s, at)))
        {
            let mut joined = Vec::new();
            for (piece, last) in [(&text[..split], false), (&text[split..], true)] {
                let mut deflater = Deflater::with_scratch(1, Vec::new(), scratch);
                deflater.write(piece).unwrap();
                joined.extend(deflater.finish(last).unwrap().out);
            }
            let mut back = Vec::new();
            flate2::read::DeflateDecoder::new(joined.as_slice())
                .read_to_end(&mut back)
                .unwrap();
            assert!(back == text, "scratch {scratch}, split at {split}");
        }
    }

    #[test]
    fn packages_open_and_a_short_write_is_an_error() {
        let mut zip = ZipOut::new(Vec::new());
        let text = "资金".repeat(1000).into_bytes();
        let deflated = deflate(&text, 1, true).unwrap();
        zip.entry("xl/a.xml", Method::Deflated, &deflated, |w| {
            w.write_all(&deflated.out)
        })
        .unwrap();
        let stored = Deflated::stored(b"plain".to_vec());
        zip.entry("目录/b.txt", Method::Stored, &stored, |w| {
            w.write_all(&stored.out)
        })
        .unwrap();
        let error = zip
            .entry("c.xml", Method::Stored, &stored, |w| w.write_all(b"pla"))
            .unwrap_err();
        assert!(error.to_string().contains("c.xml"), "{error}");
        let mut zip = ZipOut::new(Vec::new());
        for (name, method, data) in [
            ("xl/a.xml", Method::Deflated, &deflated),
            ("目录/b.txt", Method::Stored, &stored),
        ] {
            zip.entry(name, method, data, |w| w.write_all(&data.out))
                .unwrap();
        }
        let bytes = zip.finish().unwrap();
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(archive.len(), 2);
        let mut read = |i: usize| {
            let mut entry = archive.by_index(i).unwrap();
            let mut content = Vec::new();
            entry.read_to_end(&mut content).unwrap();
            (
                entry.name().unwrap().into_owned(),
                entry.unix_mode(),
                content,
            )
        };
        assert_eq!(read(0), ("xl/a.xml".to_owned(), Some(0o100_600), text));
        assert_eq!(
            read(1),
            ("目录/b.txt".to_owned(), Some(0o100_600), b"plain".to_vec())
        );
    }
}
