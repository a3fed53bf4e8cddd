//! How `records.record` holds a record's JSON: written since schema version 2 as a zlib stream
//! (a BLOB, about a third of the bytes — which SQLite writes twice, into its log and back into
//! the file), and as plain text in rows a version-1 jixiao wrote (kept as they were).

use std::cell::RefCell;

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};
use rusqlite::types::ValueRef;

/// The longest record JSON read back (a form of the largest sheet a batch reads is far less): a
/// damaged or hostile store cannot make a lookup inflate without end.
const MAX_JSON: usize = 256 * 1024 * 1024;

/// The stored form of a record's JSON (zlib at level 1: the fastest level that still builds
/// its own code tables, a third of the size).
pub fn encode(json: &[u8]) -> Vec<u8> {
    thread_local! {
        static COMPRESS: RefCell<Compress> = RefCell::new(Compress::new(Compression::new(1), true));
    }
    COMPRESS.with(|compress| {
        let mut compress = compress.borrow_mut();
        compress.reset();
        let mut out = Vec::with_capacity(json.len() / 2 + 64);
        loop {
            let consumed = compress.total_in() as usize;
            match compress.compress_vec(&json[consumed..], &mut out, FlushCompress::Finish) {
                Ok(Status::StreamEnd) => return out,
                // Out of room (or, never for a Vec, an error): more room and on.
                _ => out.reserve(out.capacity().max(64)),
            }
        }
    })
}

/// A record's JSON from its stored value (`None` when it is neither text nor a whole zlib
/// stream, or inflates past the limit).
pub fn decode(value: ValueRef<'_>) -> Option<String> {
    match value {
        ValueRef::Text(text) => String::from_utf8(text.to_vec()).ok(),
        ValueRef::Blob(bytes) => inflate(bytes).and_then(|json| String::from_utf8(json).ok()),
        _ => None,
    }
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
    use super::*;

    #[test]
    fn a_record_comes_back_as_it_went_in() {
        let json = r#"{"kind":"target","project_name":"智慧城管平台","indicators":[]}"#.repeat(300);
        let stored = encode(json.as_bytes());
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
        // Rows a version-1 jixiao wrote are text.
        assert_eq!(
            decode(ValueRef::Text(json.as_bytes())).as_deref(),
            Some(json.as_str())
        );
        assert_eq!(decode(ValueRef::Blob(b"")), None);
    }

    #[test]
    fn a_damaged_or_cut_stream_is_no_record() {
        let stored = encode("{\"a\":1}".repeat(1000).as_bytes());
        assert_eq!(decode(ValueRef::Blob(&stored[..stored.len() / 2])), None);
        let mut damaged = stored.clone();
        damaged[stored.len() / 2] ^= 0x55;
        assert_eq!(decode(ValueRef::Blob(&damaged)), None);
        assert_eq!(decode(ValueRef::Integer(7)), None);
    }
}
