//! Fuzzes the fast .xlsx reader against calamine. The input's first byte picks a part of the
//! sample workbook (the sheet, the shared strings, the styles or the workbook part), the rest
//! replaces it; the workbook is zipped (stored) and read by both readers. Wherever both read a
//! sheet, they must give the same sheets and cells: a difference is a crash. The fast reader
//! must never panic either (it runs unguarded here).
#![no_main]

use std::io::{Cursor, Read, Write};
use std::sync::{LazyLock, Once};

use libfuzzer_sys::fuzz_target;
use zip::write::SimpleFileOptions;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SAMPLE: &[u8] = include_bytes!("../../samples/吴泾镇_2023_绩效目标表.xlsx");
const TARGETS: [&str; 4] = [
    "xl/worksheets/sheet1.xml",
    "xl/sharedStrings.xml",
    "xl/styles.xml",
    "xl/workbook.xml",
];

/// The sample's parts, in order.
static PARTS: LazyLock<Vec<(String, Vec<u8>)>> = LazyLock::new(|| {
    let mut archive = zip::ZipArchive::new(Cursor::new(SAMPLE)).expect("the sample opens");
    (0..archive.len())
        .map(|i| {
            let mut entry = archive.by_index(i).expect("an entry");
            let mut data = Vec::new();
            entry.read_to_end(&mut data).expect("an entry inflates");
            (entry.name().expect("a name").to_string(), data)
        })
        .collect()
});

static HOOK: Once = Once::new();

fuzz_target!(|input: &[u8]| {
    HOOK.call_once(|| {
        // calamine's panics on malformed bytes are caught (the fast reader's are not).
        let abort = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !jixiao::panic_guard::is_guarded() {
                abort(info);
            }
        }));
    });
    let Some((&selector, replacement)) = input.split_first() else { return };
    let target = TARGETS[usize::from(selector) % TARGETS.len()];
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, data) in PARTS.iter() {
        writer.start_file(name.as_str(), options).expect("a zip entry");
        let data = if name == target { replacement } else { data.as_slice() };
        writer.write_all(data).expect("written");
    }
    let bytes = writer.finish().expect("a zip").into_inner();
    if let Err(difference) = jixiao::read::differential::check_against_calamine(&bytes) {
        panic!("the fast reader and calamine differ: {difference}");
    }
});
