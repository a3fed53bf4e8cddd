//! How `records.record` holds a record's JSON: written since schema version 3 as an LZ4 frame
//! (a BLOB of about a third of the bytes — which SQLite writes twice, into its log and back into
//! the file), in rows of version 2 as a zlib stream, in rows of version 1 as plain text; all
//! three are read.

use std::io::Read;

use flate2::{Decompress, FlushDecompress, Status};
use rusqlite::types::ValueRef;

/// The longest record JSON read back (a form of the largest sheet a batch reads is far less): a
/// damaged or hostile store cannot make a lookup inflate without end.
const MAX_JSON: usize = 256 * 1024 * 1024;

/// How an LZ4 frame begins (a zlib stream begins with 0x78, or another byte whose low half is 8).
pub const LZ4_MAGIC: [u8; 4] = [0x04, 0x22, 0x4d, 0x18];

/// The largest block of the frames jixiao writes: 64 KB (the frame descriptor's `BD` byte 0x40).
const BLOCK: usize = 64 * 1024;

/// The frame descriptor's flags: version 01, independent blocks, the content's size and its
/// checksum given.
const FLAGS: u8 = 0b0110_1100;

/// A block stored as it is (its compressed form would be no shorter).
const UNCOMPRESSED: u32 = 0x8000_0000;

/// Scratch space a thread keeps between records (no more than this: a rare longer record gets
/// space of its own).
const KEPT_SCRATCH: usize = 1024 * 1024;

thread_local! {
    static SCRATCH: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The stored form of a record's JSON: an LZ4 frame with its length and a checksum of the
/// content (so a damaged value is no record, never a wrong one). Written here, block by block
/// through lz4_flex's block compressor into space the thread keeps, rather than by its frame
/// encoder, which allocated and zeroed some 150 KB for every record (a third of the time).
pub fn encode(json: &[u8]) -> Result<Vec<u8>, String> {
    let blocks = json.len().div_ceil(BLOCK);
    let bound =
        15 + blocks * (4 + lz4_flex::block::get_maximum_output_size(BLOCK.min(json.len()))) + 8;
    let frame = |scratch: &mut Vec<u8>| -> Result<Vec<u8>, String> {
        scratch.clear();
        scratch.resize(bound, 0);
        scratch[..4].copy_from_slice(&LZ4_MAGIC);
        scratch[4] = FLAGS;
        scratch[5] = 0x40;
        scratch[6..14].copy_from_slice(&(json.len() as u64).to_le_bytes());
        scratch[14] = (twox_hash::XxHash32::oneshot(0, &scratch[4..14]) >> 8) as u8;
        let mut at = 15;
        for block in json.chunks(BLOCK) {
            let (size, body) = scratch[at..].split_at_mut(4);
            let compressed = lz4_flex::block::compress_into(block, body)
                .map_err(|e| format!("记录无法压缩后存入存储文件（{e}）"))?;
            let stored = if compressed < block.len() {
                compressed as u32
            } else {
                body[..block.len()].copy_from_slice(block);
                block.len() as u32 | UNCOMPRESSED
            };
            size.copy_from_slice(&stored.to_le_bytes());
            at += 4 + (stored & !UNCOMPRESSED) as usize;
        }
        scratch[at..at + 4].copy_from_slice(&0u32.to_le_bytes());
        scratch[at + 4..at + 8]
            .copy_from_slice(&twox_hash::XxHash32::oneshot(0, json).to_le_bytes());
        Ok(scratch[..at + 8].to_vec())
    };
    if bound > KEPT_SCRATCH {
        return frame(&mut Vec::new());
    }
    SCRATCH.with(|scratch| match scratch.try_borrow_mut() {
        Ok(mut scratch) => frame(&mut scratch),
        Err(_) => frame(&mut Vec::new()),
    })
}

/// A record's JSON from its stored value (`None` when it is neither text nor a whole LZ4 frame
/// or zlib stream, or comes out longer than the limit).
pub fn decode(value: ValueRef<'_>) -> Option<String> {
    match value {
        ValueRef::Text(text) => String::from_utf8(text.to_vec()).ok(),
        ValueRef::Blob(bytes) if bytes.starts_with(&LZ4_MAGIC) => unframe(bytes),
        ValueRef::Blob(bytes) => inflate(bytes).and_then(|json| String::from_utf8(json).ok()),
        _ => None,
    }
}

fn unframe(bytes: &[u8]) -> Option<String> {
    // Every frame jixiao writes says its content's length (flag 0x08 of the byte after the magic,
    // eight bytes after the next): a frame cut short, which the decoder may take for a shorter
    // one, is told by it.
    let flags = *bytes.get(4)?;
    if flags & 0x08 == 0 {
        return None;
    }
    let size = u64::from_le_bytes(bytes.get(6..14)?.try_into().ok()?);
    if size > MAX_JSON as u64 {
        return None;
    }
    let mut json = Vec::with_capacity((size as usize).min(16 * 1024 * 1024));
    lz4_flex::frame::FrameDecoder::new(bytes)
        .take(size + 1)
        .read_to_end(&mut json)
        .ok()?;
    if json.len() as u64 != size {
        return None;
    }
    String::from_utf8(json).ok()
}

fn inflate(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut inflater = Decompress::new(true);
    let mut out = Vec::with_capacity(bytes.len().saturating_mul(3).min(MAX_JSON));
    loop {
        if out.len() == out.capacity() {
            if out.len() >= MAX_JSON {
                return None;
            }
            out.reserve(out.len().max(1024).min(MAX_JSON - out.len()));
        }
        let consumed = inflater.total_in() as usize;
        let before = (inflater.total_in(), inflater.total_out());
        match inflater.decompress_vec(&bytes[consumed..], &mut out, FlushDecompress::Finish) {
            Ok(Status::StreamEnd) => return Some(out),
            Ok(_)
                if (inflater.total_in(), inflater.total_out()) == before
                    && out.len() < out.capacity() =>
            {
                return None; // a stream cut short
            }
            Ok(_) => {}
            Err(_) => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::test_bytes::noise;

    /// A zlib stream, as a version-2 jixiao stored a record.
    fn zlib(json: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut encoder = flate2::write::ZlibEncoder::new(&mut out, flate2::Compression::new(1));
        encoder.write_all(json).unwrap();
        encoder.finish().unwrap();
        out
    }

    #[test]
    fn a_record_comes_back_as_it_went_in() {
        let json = r#"{"kind":"target","project_name":"智慧城管平台","indicators":[]}"#.repeat(300);
        let stored = encode(json.as_bytes()).unwrap();
        assert!(stored.starts_with(&LZ4_MAGIC));
        assert!(
            stored.len() < json.len() / 3,
            "{} of {}",
            stored.len(),
            json.len()
        );
        assert_eq!(
            decode(ValueRef::Blob(&stored)).as_deref(),
            Some(json.as_str())
        );
        // Rows a version-2 jixiao wrote are zlib streams, rows of version 1 text.
        assert_eq!(
            decode(ValueRef::Blob(&zlib(json.as_bytes()))).as_deref(),
            Some(json.as_str())
        );
        assert_eq!(
            decode(ValueRef::Text(json.as_bytes())).as_deref(),
            Some(json.as_str())
        );
        assert_eq!(decode(ValueRef::Blob(b"")), None);
        assert_eq!(
            decode(ValueRef::Blob(&encode(b"").unwrap())).as_deref(),
            Some("")
        );
    }

    #[test]
    fn a_damaged_or_cut_stream_is_no_record() {
        let json = "{\"a\":1}".repeat(1000);
        for stored in [encode(json.as_bytes()).unwrap(), zlib(json.as_bytes())] {
            for cut in [4, stored.len() / 2, stored.len() - 1] {
                assert_eq!(decode(ValueRef::Blob(&stored[..cut])), None, "cut at {cut}");
            }
            for at in [stored.len() / 2, stored.len() - 5] {
                let mut damaged = stored.clone();
                damaged[at] ^= 0x55;
                assert_eq!(decode(ValueRef::Blob(&damaged)), None, "damaged at {at}");
            }
        }
        assert_eq!(decode(ValueRef::Integer(7)), None);
    }

    #[test]
    fn every_frame_is_one_the_standard_reader_reads_back() {
        let text = "{\"level3\":\"群众满意度\",\"value\":\"≥95%\"}".repeat(4000);
        let mut mixed = noise(70_000);
        mixed.extend_from_slice(text.as_bytes());
        let inputs: Vec<Vec<u8>> = vec![
            Vec::new(),
            b"{}".to_vec(),
            text.as_bytes()[..BLOCK].to_vec(),
            text.as_bytes()[..BLOCK + 1].to_vec(),
            text.as_bytes().to_vec(),
            noise(10),
            noise(3 * BLOCK + 17),
            mixed,
        ];
        for input in &inputs {
            let stored = encode(input).unwrap();
            // lz4_flex's frame reader checks the descriptor's checksum and the content's.
            let mut read = Vec::new();
            lz4_flex::frame::FrameDecoder::new(&stored[..])
                .read_to_end(&mut read)
                .unwrap();
            assert_eq!(&read, input, "{} bytes", input.len());
            assert_eq!(stored[4], FLAGS);
            assert!(stored.len() <= input.len() + 15 + 8 + 4 * input.len().div_ceil(BLOCK));
        }
        // Text over several blocks is compressed; noise is kept as it is, block by block.
        assert!(encode(text.as_bytes()).unwrap().len() < text.len() / 4);
        let kept = encode(&noise(3 * BLOCK + 17)).unwrap();
        assert_eq!(kept.len(), 3 * BLOCK + 17 + 15 + 4 * 4 + 4 + 4);
    }
}
