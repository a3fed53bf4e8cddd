//! Workbooks other programs write (tests/fixtures/other-programs, made by
//! scripts/make-other-program-fixtures.sh, and files built here from the sample as Excel, WPS and
//! LibreOffice write them): every valid one read, every encrypted one given the password message,
//! every damaged one a short Chinese reason — never a library's English, never a reason repeated.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::Path;

use serde_json::Value;

use crate::harness::{fixture, jixiao};
use crate::hostile_files::{hand_zip, parts, rewrite, sample_bytes, zip_parts};

/// Writes a file into a folder, making the folder.
fn put(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::create_dir_all(dir).unwrap();
    crate::hostile_files::put(dir, name, bytes);
}

/// The manifest rows of an output folder: file name → (status, forms, message).
fn manifest(out: &Path) -> BTreeMap<String, (String, String, String)> {
    let text = std::fs::read_to_string(out.join("manifest.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            let name = Path::new(&r[0])
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (name, (r[1].to_owned(), r[3].to_owned(), r[4].to_owned()))
        })
        .collect()
}

fn projects(out: &Path) -> Vec<Value> {
    std::fs::read_to_string(out.join("projects.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// What must be the same whoever wrote the workbook: the form's content, not where it came from.
fn content(project: &Value) -> Value {
    let mut p = project.clone();
    for key in ["source", "cells", "template"] {
        p.as_object_mut().unwrap().remove(key);
    }
    for indicator in p["indicators"].as_array_mut().unwrap() {
        let indicator = indicator.as_object_mut().unwrap();
        indicator.remove("cell");
        indicator.remove("value_cell");
    }
    p
}

/// The sample's project as jixiao reads it from the file as the sample's writer saved it.
fn sample_project(dir: &Path) -> Value {
    let input = dir.join("sample");
    put(&input, "sample.xlsx", &sample_bytes());
    let out = dir.join("sample-out");
    jixiao([
        OsStr::new("convert"),
        input.as_os_str(),
        OsStr::new("-o"),
        out.as_os_str(),
    ])
    .expect_code(0);
    content(&projects(&out)[0])
}

/// The sample's sheet with an XML comment in it: the fast reader gives the sheet to calamine.
fn sheet_for_calamine(parts: &mut [(String, Vec<u8>)]) {
    for (name, data) in parts.iter_mut() {
        if name == "xl/worksheets/sheet1.xml" {
            let text = String::from_utf8(data.clone()).unwrap();
            *data = text
                .replacen("<sheetData>", "<sheetData><!-- 由其他程序写入 -->", 1)
                .into_bytes();
        }
    }
}

/// The sample with a macro sheet and a dialog sheet beside the form, as an .xlsm saved by Excel
/// holds them.
fn with_macro_sheets(for_calamine: bool) -> Vec<u8> {
    let mut parts = parts(&sample_bytes());
    for (name, data) in parts.iter_mut() {
        let text = String::from_utf8(data.clone()).unwrap();
        let text = match name.as_str() {
            "xl/workbook.xml" => text.replace(
                r#"<sheet name="Sheet1" sheetId="1" r:id="rId1"/>"#,
                r#"<sheet name="Sheet1" sheetId="1" r:id="rId1"/><sheet name="Macro1" sheetId="2" r:id="rId91"/><sheet name="Dialog1" sheetId="3" r:id="rId92"/><sheet name="宏表2" sheetId="4" state="hidden" r:id="rId93"/>"#,
            ),
            "xl/_rels/workbook.xml.rels" => text.replace(
                "</Relationships>",
                r#"<Relationship Id="rId91" Type="http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet" Target="macrosheets/sheet1.xml"/><Relationship Id="rId92" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/dialogsheet" Target="dialogsheets/sheet1.xml"/><Relationship Id="rId93" Type="http://schemas.microsoft.com/office/2006/relationships/xlIntlMacrosheet" Target="macrosheets/intlsheet1.xml"/></Relationships>"#,
            ),
            "[Content_Types].xml" => text.replace(
                "</Types>",
                r#"<Override PartName="/xl/macrosheets/sheet1.xml" ContentType="application/vnd.ms-excel.macrosheet+xml"/><Override PartName="/xl/macrosheets/intlsheet1.xml" ContentType="application/vnd.ms-excel.intlmacrosheet+xml"/><Override PartName="/xl/dialogsheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.dialogsheet+xml"/></Types>"#,
            ),
            _ => text,
        };
        *data = text.into_bytes();
    }
    let macro_sheet = br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><xm:macrosheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"><sheetData><row r="1"><c r="A1" t="str"><f>ALERT("hi")</f><v>TRUE</v></c></row></sheetData></xm:macrosheet>"#;
    let dialog = br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><dialogsheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetPr/></dialogsheet>"#;
    parts.push(("xl/macrosheets/sheet1.xml".into(), macro_sheet.to_vec()));
    parts.push(("xl/macrosheets/intlsheet1.xml".into(), macro_sheet.to_vec()));
    parts.push(("xl/dialogsheets/sheet1.xml".into(), dialog.to_vec()));
    if for_calamine {
        sheet_for_calamine(&mut parts);
    }
    zip_parts(&parts)
}

/// The sample with its shared strings' `count` (and, when given, `uniqueCount`) as written.
fn with_counts(count: &str, unique: Option<&str>) -> Vec<u8> {
    rewrite("xl/sharedStrings.xml", |data| {
        let text = String::from_utf8(data).unwrap();
        let text = text.replacen(r#"count="56""#, &format!(r#"count="{count}""#), 1);
        let text = match unique {
            Some(unique) => text.replacen(
                r#"uniqueCount="47""#,
                &format!(r#"uniqueCount="{unique}""#),
                1,
            ),
            None => text,
        };
        Some(text.into_bytes())
    })
}

/// The corpus .xls with the end of its directory chain pointing at the sector just past the end
/// of the file (whose FAT entry ends the chain), or cut inside its last sector: the slack other
/// writers leave, which Excel reads.
fn xls_with_slack(cut: bool) -> Vec<u8> {
    let mut bytes = std::fs::read(fixture("field-corpus/应急救援（97-2003格式）.xls")).unwrap();
    let u32_at = |b: &[u8], at: usize| u32::from_le_bytes(b[at..at + 4].try_into().unwrap());
    let count = (bytes.len() - 512) / 512;
    let fat = u32_at(&bytes, 76) as usize;
    let entry = |id: usize| (fat + 1) * 512 + 4 * id;
    let mut last = u32_at(&bytes, 48) as usize;
    while u32_at(&bytes, entry(last)) != 0xFFFF_FFFE {
        last = u32_at(&bytes, entry(last)) as usize;
    }
    if cut {
        // The last sector's trailing zeros (past every stream's end) left out.
        while bytes.len() > 512 * count + 1 && bytes.last() == Some(&0) {
            bytes.pop();
        }
        assert!(!bytes.len().is_multiple_of(512));
    } else {
        let at = entry(last);
        bytes[at..at + 4].copy_from_slice(&(count as u32).to_le_bytes());
        let at = entry(count);
        bytes[at..at + 4].copy_from_slice(&0xFFFF_FFFEu32.to_le_bytes());
    }
    bytes
}

/// The corpus .xls with its CODEPAGE record naming 32769 (BIFF2–3's code for Windows-1252).
fn xls_with_codepage_32769() -> Vec<u8> {
    let mut bytes = std::fs::read(fixture("field-corpus/应急救援（97-2003格式）.xls")).unwrap();
    // CODEPAGE (0x0042), 2 bytes of data: 1200 (UTF-16), as Excel writes it.
    let record = [0x42, 0x00, 0x02, 0x00, 0xB0, 0x04];
    let at = bytes.windows(6).position(|w| w == record).unwrap();
    bytes[at + 4..at + 6].copy_from_slice(&32769u16.to_le_bytes());
    bytes
}

#[test]
fn workbooks_other_programs_write_are_read_and_locked_ones_get_the_password_message() {
    let dir = tempfile::tempdir().unwrap();
    let expected = sample_project(dir.path());
    let input = dir.path().join("input");
    for entry in std::fs::read_dir(fixture("other-programs")).unwrap() {
        let path = entry.unwrap().path();
        put(
            &input,
            &path.file_name().unwrap().to_string_lossy(),
            &std::fs::read(&path).unwrap(),
        );
    }
    put(
        &input,
        "Excel式count远大于uniqueCount.xlsx",
        &with_counts("9640", None),
    );
    put(
        &input,
        "uniqueCount不可能.xlsx",
        &with_counts("56", Some("8876876876876")),
    );
    let mut by_calamine = parts(&with_counts("56", Some("8876876876876")));
    sheet_for_calamine(&mut by_calamine);
    put(
        &input,
        "uniqueCount不可能（由calamine读取）.xlsx",
        &zip_parts(&by_calamine),
    );
    put(&input, "带宏表和对话框表.xlsm", &with_macro_sheets(false));
    put(
        &input,
        "带宏表和对话框表（由calamine读取）.xlsm",
        &with_macro_sheets(true),
    );
    put(&input, "扇区链留有余量.xls", &xls_with_slack(false));
    put(&input, "末扇区不完整.xls", &xls_with_slack(true));
    put(&input, "代码页32769.xls", &xls_with_codepage_32769());
    let out = dir.path().join("out");
    jixiao([
        OsStr::new("convert"),
        input.as_os_str(),
        OsStr::new("-o"),
        out.as_os_str(),
    ])
    .expect_code(0);
    let rows = manifest(&out);
    let mut failures = Vec::new();
    for (name, (status, forms, message)) in &rows {
        let encrypted = name.starts_with("加密");
        let ok = if encrypted {
            status == "rejected" && message == "工作簿设有打开密码，无法读取；请去掉密码后重新提交"
        } else {
            status == "converted" && forms == "1"
        };
        if !ok {
            failures.push(format!("{name}: {status} {forms} {message}"));
        }
    }
    assert_eq!(rows.len(), 13, "{rows:#?}");
    assert!(failures.is_empty(), "{failures:#?}");
    // Every workbook made from the sample reads as the sample (the .xls ones are another form).
    let read = projects(&out);
    for project in &read {
        let file = project["source"]["file"].as_str().unwrap();
        if file.ends_with(".xls") {
            continue;
        }
        assert_eq!(content(project), expected, "{file}");
    }
    assert_eq!(read.len(), 10);
}

#[test]
fn macro_and_dialog_sheets_are_skipped_with_a_note_and_the_worksheets_read() {
    let dir = tempfile::tempdir().unwrap();
    for for_calamine in [false, true] {
        let path = dir.path().join(format!("宏{for_calamine}.xlsm"));
        std::fs::write(&path, with_macro_sheets(for_calamine)).unwrap();
        let run = jixiao([OsStr::new("inspect"), path.as_os_str()]).expect_code(0);
        let json = run.json();
        let text = json.to_string();
        assert_eq!(
            text.matches("图表或宏工作表，不含表格").count(),
            3,
            "{}",
            run.describe()
        );
        assert!(text.contains("残保金抚恤金专项"), "{}", run.describe());
    }
}

#[test]
fn parts_that_differ_only_in_case_or_slash_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let sample = parts(&sample_bytes());
    let sheet = sample
        .iter()
        .find(|(name, _)| name == "xl/worksheets/sheet1.xml")
        .unwrap()
        .1
        .clone();
    let mut fail = Vec::new();
    for (file, twin) in [
        ("反斜杠.xlsx", "xl\\worksheets\\sheet1.xml"),
        ("大小写.xlsx", "XL/Worksheets/Sheet1.xml"),
    ] {
        let mut entries: Vec<(&str, bool, Vec<u8>, u64)> = sample
            .iter()
            .map(|(name, data)| (name.as_str(), false, data.clone(), data.len() as u64))
            .collect();
        entries.push((twin, false, sheet.clone(), sheet.len() as u64));
        put(dir.path(), file, &hand_zip(&entries));
        fail.push(file);
    }
    let out = dir.path().join("out");
    jixiao([
        OsStr::new("convert"),
        dir.path().as_os_str(),
        OsStr::new("-o"),
        out.as_os_str(),
    ])
    .expect_code(0);
    let rows = manifest(&out);
    for file in fail {
        let (status, _, message) = &rows[file];
        assert_eq!(status, "rejected", "{file}: {message}");
        assert!(message.contains("出现了两次"), "{file}: {message}");
    }
}

#[test]
fn damaged_workbooks_get_a_short_chinese_reason_and_the_library_words_only_with_verbose() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("input");
    let sample = sample_bytes();
    put(&input, "截断.xlsx", &sample[..sample.len() / 2]);
    put(&input, "只有开头.xlsx", &sample[..300]);
    let xls = std::fs::read(fixture("field-corpus/应急救援（97-2003格式）.xls")).unwrap();
    put(&input, "截断.xls", &xls[..xls.len() / 2]);
    let entity = rewrite("xl/workbook.xml", |data| {
        let text = String::from_utf8(data).unwrap();
        Some(
            text.replace(r#"name="Sheet1""#, r#"name="Sheet&bogus;1""#)
                .into_bytes(),
        )
    });
    put(&input, "未知实体.xlsx", &entity);
    // Forty sheets, none with a form: the reason is said once, with the count.
    let mut many = parts(&sample);
    let mut sheets = String::new();
    let mut relationships = String::new();
    for i in 1..=40 {
        sheets.push_str(&format!(
            r#"<sheet name="空白{i}" sheetId="{}" r:id="rIdE{i}"/>"#,
            i + 1
        ));
        relationships.push_str(&format!(
            r#"<Relationship Id="rIdE{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/empty{i}.xml"/>"#
        ));
    }
    for (name, data) in many.iter_mut() {
        let text = String::from_utf8(data.clone()).unwrap();
        *data = match name.as_str() {
            "xl/workbook.xml" => {
                text.replace(r#"<sheet name="Sheet1" sheetId="1" r:id="rId1"/>"#, &sheets)
            }
            "xl/_rels/workbook.xml.rels" => text.replace(
                "</Relationships>",
                &format!("{relationships}</Relationships>"),
            ),
            _ => text,
        }
        .into_bytes();
    }
    for i in 1..=40 {
        many.push((
            format!("xl/worksheets/empty{i}.xml"),
            br#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>"#.to_vec(),
        ));
    }
    put(&input, "四十个空表.xlsx", &zip_parts(&many));
    let out = dir.path().join("out");
    let run = jixiao([
        OsStr::new("convert"),
        input.as_os_str(),
        OsStr::new("-o"),
        out.as_os_str(),
    ])
    .expect_code(0);
    let rows = manifest(&out);
    assert_eq!(rows.len(), 5, "{rows:#?}");
    for (name, (status, _, message)) in &rows {
        assert_eq!(status, "rejected", "{name}: {message}");
        assert!(message.chars().count() <= 200, "{name}: {message}");
        // No library's English: only Chinese words, file and sheet names, numbers and units.
        let english = message
            .split(|c: char| !c.is_ascii_alphabetic())
            .filter(|w| w.len() > 3 && !["xlsx", "xlsb"].contains(w))
            .collect::<Vec<_>>();
        assert!(english.is_empty(), "{name}: {message}");
        assert!(
            !message.contains("EOCD") && !message.contains("Xml"),
            "{message}"
        );
    }
    assert!(rows["截断.xlsx"].2.contains("截断"), "{rows:#?}");
    let empty = &rows["四十个空表.xlsx"].2;
    assert_eq!(empty.matches("工作表为空").count(), 1, "{empty}");
    assert!(empty.starts_with("40 个工作表"), "{empty}");
    // The library's own words are on stderr only when asked for.
    assert!(!run.stderr.contains("EOCD"), "{}", run.describe());
    let verbose = jixiao([
        OsStr::new("convert"),
        OsStr::new("--verbose"),
        input.as_os_str(),
        OsStr::new("-o"),
        dir.path().join("out2").as_os_str(),
    ])
    .expect_code(0);
    assert!(
        verbose.stderr.contains("详情") && verbose.stderr.contains("EOCD"),
        "{}",
        verbose.describe()
    );
}
