//! Fuzzes how a record's JSON is read back from a store (`records.record`, which a damaged or
//! hostile store file may hold anything in): any bytes, as an LZ4 frame, a zlib stream or text,
//! give a record or none — never a panic, never more than the limit — and any text stored comes
//! back exactly.
#![no_main]

use jixiao::store::record_json::{LZ4_MAGIC, decode, encode};
use libfuzzer_sys::fuzz_target;
use rusqlite::types::ValueRef;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fuzz_target!(|data: &[u8]| {
    let _ = decode(ValueRef::Blob(data));
    // The same bytes behind an LZ4 frame's magic, so that most inputs reach the frame decoder.
    let mut framed = LZ4_MAGIC.to_vec();
    framed.extend_from_slice(data);
    let _ = decode(ValueRef::Blob(&framed));
    if let Ok(text) = std::str::from_utf8(data) {
        let stored = encode(data).expect("text is always stored");
        assert_eq!(decode(ValueRef::Blob(&stored)).as_deref(), Some(text));
    }
});
