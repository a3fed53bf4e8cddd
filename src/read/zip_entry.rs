//! The content of a workbook's zip entry, inflated by a decompressor each thread keeps.
//!
//! The zip crate sets up a new decompressor for every entry it reads — allocating and zeroing
//! its window and tables — and zero-fills the output before inflating into it; for the six or so
//! parts of each workbook that was about 4 % of a batch's instructions. Here a plain deflated
//! entry is inflated whole, straight into its output (its size is in the zip directory), by the
//! thread's libdeflate decompressor — which builds each block's Huffman tables and decodes in
//! about 40 % of zlib-rs's instructions — and held to the same checks as the zip crate's reader
//! (no more than the declared size, the CRC-32 at the end). Anything else — a stored or
//! otherwise compressed entry, an encrypted one, a stream that does not end where it should, a
//! checksum that does not match — is read by the zip crate exactly as before, so that what it
//! accepts and what it refuses (and its message) do not change.

use std::cell::RefCell;
use std::io::{Cursor, Read};

use zip::{CompressionMethod, ZipArchive};

/// A compressed-bytes buffer larger than this is not kept for the thread's next entry.
const KEEP_INPUT: usize = 256 * 1024;

thread_local! {
    /// The thread's decompressor (raw deflate, as zip entries are) and its input buffer.
    static INFLATER: RefCell<(libdeflater::Decompressor, Vec<u8>)> =
        RefCell::new((libdeflater::Decompressor::new(), Vec::new()));
}

/// The content of entry `index`: what the zip crate's reader gives read to the end; `None` when
/// the entry cannot be read, is damaged or declares more than `limit` bytes.
pub fn content(
    archive: &mut ZipArchive<Cursor<&[u8]>>,
    index: usize,
    limit: u64,
) -> Option<Vec<u8>> {
    if let Some(content) = inflated(archive, index, limit) {
        return Some(content);
    }
    let entry = archive.by_index(index).ok()?;
    if entry.size() > limit {
        return None;
    }
    let mut content = Vec::with_capacity(entry.size() as usize);
    entry.take(limit).read_to_end(&mut content).ok()?;
    Some(content)
}

/// What identifies entry `index`'s content without inflating it: its compression method,
/// declared size and CRC-32 and its stored bytes (two entries with the same key inflate to the
/// same content, or both fail alike). `None` for an encrypted entry, or one storing more than
/// `limit` bytes.
pub fn stored_key(
    archive: &mut ZipArchive<Cursor<&[u8]>>,
    index: usize,
    limit: u64,
) -> Option<Vec<u8>> {
    let mut entry = archive.by_index_raw(index).ok()?;
    if entry.encrypted() || entry.compressed_size() > limit {
        return None;
    }
    let method: u16 = match entry.compression() {
        CompressionMethod::Stored => 0,
        CompressionMethod::Deflated => 8,
        _ => return None,
    };
    let mut key = Vec::with_capacity(entry.compressed_size() as usize + 14);
    key.extend_from_slice(&method.to_le_bytes());
    key.extend_from_slice(&entry.size().to_le_bytes());
    key.extend_from_slice(&entry.crc32().to_le_bytes());
    entry.read_to_end(&mut key).ok()?;
    Some(key)
}

/// A deflated entry inflated by the thread's decompressor; `None` when the entry is of another
/// kind or anything about it is not as it should be.
fn inflated(archive: &mut ZipArchive<Cursor<&[u8]>>, index: usize, limit: u64) -> Option<Vec<u8>> {
    let mut entry = archive.by_index_raw(index).ok()?;
    if entry.encrypted() || entry.compression() != CompressionMethod::Deflated {
        return None;
    }
    let size = entry.size();
    if size > limit {
        return None;
    }
    let size = usize::try_from(size).ok()?;
    let checksum = entry.crc32();
    INFLATER.with_borrow_mut(|(inflater, input)| {
        input.clear();
        let read = entry.read_to_end(input);
        let mut output = vec![0; size];
        let inflated = match read {
            Ok(_) => inflater.deflate_decompress(input, &mut output),
            Err(_) => return None,
        };
        if input.capacity() > KEEP_INPUT {
            *input = Vec::new();
        }
        // The stream must end within the declared size (one that needs more room is an entry
        // larger than it says).
        output.truncate(inflated.ok()?);
        (crc32fast::hash(&output) == checksum).then_some(output)
    })
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use zip::write::SimpleFileOptions;

    use super::*;

    fn archive_of(entries: &[(&str, &[u8], CompressionMethod)]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, bytes, method) in entries {
            let options = SimpleFileOptions::default().compression_method(*method);
            writer.start_file(*name, options).unwrap();
            writer.write_all(bytes).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    /// The entry as the zip crate's reader gives it (as the callers read parts before).
    fn by_zip_crate(bytes: &[u8], index: usize, limit: u64) -> Option<Vec<u8>> {
        let mut archive = ZipArchive::new(Cursor::new(bytes)).unwrap();
        let entry = archive.by_index(index).ok()?;
        if entry.size() > limit {
            return None;
        }
        let mut content = Vec::new();
        entry.take(limit).read_to_end(&mut content).ok()?;
        Some(content)
    }

    fn by_content(bytes: &[u8], index: usize, limit: u64) -> Option<Vec<u8>> {
        let mut archive = ZipArchive::new(Cursor::new(bytes)).unwrap();
        content(&mut archive, index, limit)
    }

    #[test]
    fn entries_read_as_the_zip_crate_reads_them() {
        let xml: Vec<u8> = (0..5000)
            .flat_map(|i| format!("<c r=\"A{i}\"><v>{i}</v></c>").into_bytes())
            .collect();
        let bytes = archive_of(&[
            ("a.xml", &xml, CompressionMethod::Deflated),
            ("b.xml", b"<x/>", CompressionMethod::Stored),
            ("empty.xml", b"", CompressionMethod::Deflated),
            ("c.xml", &xml[..777], CompressionMethod::Deflated),
        ]);
        for index in 0..4 {
            let expected = by_zip_crate(&bytes, index, u64::MAX).unwrap();
            assert_eq!(by_content(&bytes, index, u64::MAX).unwrap(), expected);
            let mut archive = ZipArchive::new(Cursor::new(bytes.as_slice())).unwrap();
            let stored = index == 1;
            assert_eq!(inflated(&mut archive, index, u64::MAX).is_some(), !stored);
        }
        // The thread's decompressor, used again and again, gives each entry whole.
        for _ in 0..3 {
            assert_eq!(by_content(&bytes, 0, u64::MAX).unwrap(), xml);
        }
    }

    #[test]
    fn a_damaged_entry_is_refused_as_the_zip_crate_refuses_it() {
        let xml: Vec<u8> = (0..2000)
            .flat_map(|i| format!("<row r=\"{i}\"/>").into_bytes())
            .collect();
        let good = archive_of(&[("a.xml", &xml, CompressionMethod::Deflated)]);
        let data_start = {
            let mut archive = ZipArchive::new(Cursor::new(good.as_slice())).unwrap();
            archive.by_index_raw(0).unwrap().data_start().unwrap() as usize
        };
        // Every byte of the compressed data flipped in turn (some give other valid streams, whose
        // checksum then fails), and the declared checksum made wrong.
        let compressed_len = {
            let mut archive = ZipArchive::new(Cursor::new(good.as_slice())).unwrap();
            archive.by_index_raw(0).unwrap().compressed_size() as usize
        };
        for at in (data_start..data_start + compressed_len).step_by(7) {
            let mut bad = good.clone();
            bad[at] ^= 0x5a;
            assert_eq!(
                by_content(&bad, 0, u64::MAX),
                by_zip_crate(&bad, 0, u64::MAX),
                "byte {at}"
            );
        }
        let mut archive = ZipArchive::new(Cursor::new(good.as_slice())).unwrap();
        assert!(inflated(&mut archive, 0, u64::MAX).is_some());
        // Declared larger than the limit: none.
        assert_eq!(by_content(&good, 0, 100), None);
        assert_eq!(by_zip_crate(&good, 0, 100), None);
    }
}
