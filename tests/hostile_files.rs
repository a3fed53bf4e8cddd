//! Makers of broken and hostile input files for `hostile.rs`: each function writes one file that
//! real batches meet (truncated, mislabelled, encrypted, huge) or that an attacker could send
//! (zip bombs, entity expansion, declared counts that cannot be true).

use std::io::{Cursor, Read, Write};
use std::path::Path;

use flate2::{Compress, Compression, FlushCompress};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use crate::harness::repo;

/// The sample the rewrites start from.
pub fn sample_bytes() -> Vec<u8> {
    std::fs::read(repo("samples/残保金抚恤金专项.xlsx")).unwrap()
}

/// The parts of an xlsx, in order.
pub fn parts(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = ZipArchive::new(Cursor::new(bytes)).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut entry = archive.by_index(i).unwrap();
            let mut data = Vec::new();
            entry.read_to_end(&mut data).unwrap();
            (entry.name().unwrap().to_string(), data)
        })
        .collect()
}

/// An xlsx from parts (deflated).
pub fn zip_parts(parts: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    for (name, data) in parts {
        writer.start_file(name.as_str(), options).unwrap();
        writer.write_all(data).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// The sample with one part changed (or removed when `change` gives `None`).
pub fn rewrite(part: &str, change: impl Fn(Vec<u8>) -> Option<Vec<u8>>) -> Vec<u8> {
    let mut found = false;
    let rewritten: Vec<(String, Vec<u8>)> = parts(&sample_bytes())
        .into_iter()
        .filter_map(|(name, data)| {
            if name == part {
                found = true;
                change(data).map(|d| (name, d))
            } else {
                Some((name, data))
            }
        })
        .collect();
    assert!(found, "the sample has {part}");
    zip_parts(&rewritten)
}

/// The sample's parts with the worksheet replaced by `sheet_xml`.
pub fn with_sheet(sheet_xml: Vec<u8>) -> Vec<u8> {
    rewrite("xl/worksheets/sheet1.xml", move |_| Some(sheet_xml.clone()))
}

/// Raw deflate data for `blocks` MiB of zeros, made from one compressed MiB repeated (each block
/// ends with a full flush, so it stands alone), then a final empty block.
pub fn deflated_zeros(blocks: usize) -> Vec<u8> {
    let mut compress = Compress::new(Compression::best(), false);
    let zeros = vec![0u8; 1 << 20];
    let mut block = Vec::with_capacity(8192);
    compress
        .compress_vec(&zeros, &mut block, FlushCompress::Full)
        .unwrap();
    let mut data = Vec::with_capacity(block.len() * blocks + 8);
    for _ in 0..blocks {
        data.extend_from_slice(&block);
    }
    data.extend_from_slice(&[0x03, 0x00]); // final, fixed Huffman, end of block
    data
}

/// A zip written by hand, so an entry can carry data and declared sizes no zip library would
/// write: (name, deflated?, data, declared inflated size). Sizes past 4 GiB use ZIP64 records.
pub fn hand_zip(entries: &[(&str, bool, Vec<u8>, u64)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, deflated, data, size) in entries {
        let offset = out.len() as u64;
        let method: u16 = if *deflated { 8 } else { 0 };
        let zip64 = *size >= u64::from(u32::MAX) || data.len() as u64 >= u64::from(u32::MAX);
        let crc = if *deflated { 0 } else { crc32(data) };
        let small = |v: u64| if zip64 { u32::MAX } else { v as u32 };
        // ZIP64 extra field: sizes in the local header; sizes and offset in the central one.
        let zip64_extra = |central: bool| {
            let mut extra = Vec::new();
            if zip64 {
                extra.extend_from_slice(&1u16.to_le_bytes());
                extra.extend_from_slice(&(if central { 24u16 } else { 16 }).to_le_bytes());
                extra.extend_from_slice(&size.to_le_bytes());
                extra.extend_from_slice(&(data.len() as u64).to_le_bytes());
                if central {
                    extra.extend_from_slice(&offset.to_le_bytes());
                }
            }
            extra
        };
        let header = |sig: u32, central: bool| {
            let mut h = Vec::new();
            h.extend_from_slice(&sig.to_le_bytes());
            if central {
                h.extend_from_slice(&45u16.to_le_bytes()); // made by
            }
            h.extend_from_slice(&45u16.to_le_bytes()); // needed
            h.extend_from_slice(&0u16.to_le_bytes()); // flags
            h.extend_from_slice(&method.to_le_bytes());
            h.extend_from_slice(&[0, 0, 0x21, 0]); // time, date
            h.extend_from_slice(&crc.to_le_bytes());
            h.extend_from_slice(&small(data.len() as u64).to_le_bytes());
            h.extend_from_slice(&small(*size).to_le_bytes());
            let extra = zip64_extra(central);
            h.extend_from_slice(&(name.len() as u16).to_le_bytes());
            h.extend_from_slice(&(extra.len() as u16).to_le_bytes());
            if central {
                h.extend_from_slice(&[0; 6]); // comment length, disk, internal attributes
                h.extend_from_slice(&0u32.to_le_bytes()); // external attributes
                h.extend_from_slice(&small(offset).to_le_bytes());
            }
            h.extend_from_slice(name.as_bytes());
            h.extend_from_slice(&extra);
            h
        };
        out.extend(header(0x0403_4b50, false));
        out.extend_from_slice(data);
        central.extend(header(0x0201_4b50, true));
    }
    let directory = out.len() as u64;
    out.extend_from_slice(&central);
    let count = entries.len() as u64;
    // ZIP64 end of central directory record and locator, then the classic record.
    let zip64_end = out.len() as u64;
    out.extend_from_slice(&0x0606_4b50u32.to_le_bytes());
    out.extend_from_slice(&44u64.to_le_bytes());
    out.extend_from_slice(&45u16.to_le_bytes());
    out.extend_from_slice(&45u16.to_le_bytes());
    out.extend_from_slice(&[0; 8]);
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&(central.len() as u64).to_le_bytes());
    out.extend_from_slice(&directory.to_le_bytes());
    out.extend_from_slice(&0x0706_4b50u32.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&zip64_end.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&(count as u16).to_le_bytes());
    out.extend_from_slice(&(count as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&u32::MAX.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// The small parts every xlsx needs, stored, for hand-made zips.
pub fn skeleton_parts() -> Vec<(String, Vec<u8>)> {
    parts(&sample_bytes())
        .into_iter()
        .filter(|(name, _)| name != "xl/worksheets/sheet1.xml")
        .collect()
}

/// A zip bomb: the worksheet inflates to `gib` GiB of zeros from a few MB, with its true size
/// declared (so the archive check sees it) — or, when `lie`, a declared size of 2 KB.
pub fn zip_bomb(gib: usize, lie: bool) -> Vec<u8> {
    let bomb = deflated_zeros(gib * 1024);
    let declared = if lie { 2048 } else { (gib as u64) << 30 };
    let mut entries: Vec<(&str, bool, Vec<u8>, u64)> = Vec::new();
    let skeleton = skeleton_parts();
    for (name, data) in &skeleton {
        entries.push((name.as_str(), false, data.clone(), data.len() as u64));
    }
    entries.push(("xl/worksheets/sheet1.xml", true, bomb, declared));
    hand_zip(&entries)
}

/// A sheet whose cells are given as (reference, inline text).
pub fn sheet_xml(cells: &[(&str, &str)]) -> Vec<u8> {
    let mut xml = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    );
    for (reference, text) in cells {
        let row: String = reference.chars().filter(char::is_ascii_digit).collect();
        xml.push_str(&format!(
            r#"<row r="{row}"><c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c></row>"#
        ));
    }
    xml.push_str("</sheetData></worksheet>");
    xml.into_bytes()
}

/// A sheet with `rows` used rows.
pub fn many_rows(rows: u32) -> Vec<u8> {
    let mut xml = String::with_capacity(rows as usize * 48);
    xml.push_str(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#);
    for r in 1..=rows {
        xml.push_str(&format!(r#"<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>"#));
    }
    xml.push_str("</sheetData></worksheet>");
    xml.into_bytes()
}

/// An .ods with one value in A1 and one at the last row and column.
pub fn ods_far_apart() -> Vec<u8> {
    let content = r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="Sheet1"><table:table-row><table:table-cell office:value-type="string"><text:p>财政项目支出绩效目标表</text:p></table:table-cell></table:table-row><table:table-row table:number-rows-repeated="1048574"><table:table-cell table:number-columns-repeated="16384"/></table:table-row><table:table-row><table:table-cell table:number-columns-repeated="16383"/><table:table-cell office:value-type="string"><text:p>末</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"#;
    let manifest = r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    let deflated = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    writer.start_file("mimetype", stored).unwrap();
    writer
        .write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    writer
        .start_file("META-INF/manifest.xml", deflated)
        .unwrap();
    writer.write_all(manifest.as_bytes()).unwrap();
    writer.start_file("content.xml", deflated).unwrap();
    writer.write_all(content.as_bytes()).unwrap();
    writer.finish().unwrap().into_inner()
}

/// Writes `bytes` as `dir/name`.
pub fn put(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::write(dir.join(name), bytes).unwrap();
}

/// A workbook whose only sheet is a chartsheet (the data sheet its chart was drawn from is
/// dropped from the workbook's sheet list).
pub fn chart_only() -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    workbook
        .add_worksheet()
        .set_name("数据")
        .unwrap()
        .write(0, 0, 1)
        .unwrap();
    let mut chart = rust_xlsxwriter::Chart::new(rust_xlsxwriter::ChartType::Column);
    chart.add_series().set_values(("数据", 0, 0, 0, 0));
    workbook
        .add_chartsheet()
        .insert_chart(0, 0, &chart)
        .unwrap();
    let bytes = workbook.save_to_buffer().unwrap();
    let parts: Vec<(String, Vec<u8>)> = parts(&bytes)
        .into_iter()
        .map(|(name, data)| {
            if name != "xl/workbook.xml" {
                return (name, data);
            }
            let text = String::from_utf8(data).unwrap();
            let start = text.find("<sheet name=\"数据\"").unwrap();
            let end = start + text[start..].find("/>").unwrap() + 2;
            (
                name,
                format!("{}{}", &text[..start], &text[end..]).into_bytes(),
            )
        })
        .collect();
    zip_parts(&parts)
}

/// `chars` characters of varied Chinese text (not a run a zip would squeeze like a bomb).
pub fn varied_text(chars: usize) -> String {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    (0..chars)
        .map(|i| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            if i % 40 == 39 {
                '。'
            } else {
                char::from_u32(0x4E00 + (state % 3000) as u32).unwrap_or('字')
            }
        })
        .collect()
}
