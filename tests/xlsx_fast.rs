//! The fast .xlsx reader against calamine: for every .xlsx the tests hold (written by Excel, WPS,
//! LibreOffice, rust_xlsxwriter and by hand) both readers give the same sheets and, sheet by
//! sheet, the same cells; the fast reader really reads the real files (it does not give up on
//! them); and on XML it does not fully understand it gives up rather than read differently.

use std::path::{Path, PathBuf};

use jixiao::read::differential::{Agreement, check_against_calamine};

use crate::harness::{fixture, repo};
use crate::hostile_files::{parts, rewrite, sample_bytes, sheet_xml, with_sheet, zip_parts};

fn xlsx_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(xlsx_under(&path));
        } else if path.extension().is_some_and(|e| e == "xlsx" || e == "xlsm") {
            found.push(path);
        }
    }
    found.sort();
    found
}

#[test]
fn both_readers_give_the_same_cells_for_every_workbook_the_tests_hold() {
    let mut files = xlsx_under(&fixture(""));
    files.extend(xlsx_under(&repo("samples")));
    assert!(files.len() >= 25, "{files:?}");
    let mut read_fast = 0;
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        let agreement = check_against_calamine(&bytes)
            .unwrap_or_else(|difference| panic!("{}: {difference}", path.display()));
        let name = path.file_name().unwrap().to_string_lossy();
        // Real workbooks (not the deliberately broken or hostile ones) are read by the fast reader.
        let real = !path.to_string_lossy().contains("/hostile/")
            && !path.to_string_lossy().contains("/fuzz/")
            && !name.contains("损坏")
            && !name.starts_with("加密")
            && !name.starts_with("~$");
        if real {
            assert_eq!(
                (agreement.book_bailed, agreement.bailed),
                (false, 0),
                "{}: the fast reader gave up ({agreement:?})",
                path.display()
            );
            assert!(agreement.same > 0, "{}: {agreement:?}", path.display());
            read_fast += 1;
        }
    }
    assert!(read_fast >= 20, "{read_fast} real workbooks read fast");
}

/// A sheet of the sample replaced by `cells` (the row elements), with the sample's styles and
/// shared strings.
fn sheet(rows: &str) -> Vec<u8> {
    with_sheet(
        format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><dimension ref="A1:D9"/><sheetData>{rows}</sheetData><mergeCells count="1"><mergeCell ref="A1:D1"/></mergeCells></worksheet>"#
        )
        .into_bytes(),
    )
}

fn agree(bytes: &[u8], what: &str) -> Agreement {
    check_against_calamine(bytes).unwrap_or_else(|difference| panic!("{what}: {difference}"))
}

#[test]
fn what_the_fast_reader_reads_it_reads_as_calamine_does() {
    // Each of these is read by the fast reader, and must come out as calamine reads it.
    let read = [
        (
            "numbers and dates",
            r#"<row r="1"><c r="A1"><v>12</v></c><c r="B1" s="5"><v>-3.25</v></c><c r="C1" t="n"><v>1.5E-3</v></c><c r="D1" s="7"><v>45292</v></c></row>"#,
        ),
        (
            "shared strings",
            r#"<row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2" t="s"><v>3</v></c></row>"#,
        ),
        (
            "inline rich text with phonetic runs",
            r#"<row r="3"><c r="A3" t="inlineStr"><is><r><rPr><b/></rPr><t>项目 </t></r><r><t xml:space="preserve"> 名称</t></r><rPh sb="0" eb="1"><t>XIANG</t></rPh></is></c></row>"#,
        ),
        (
            "entities and Excel escapes",
            r#"<row r="4"><c r="A4" t="inlineStr"><is><t>A &amp; B &lt;C&gt; &#26102;&#x95F4; line_x000D_
two</t></is></c><c r="B4" t="str"><f>A4</f><v>x &amp; y_x005F_x000D_</v></c></row>"#,
        ),
        (
            "booleans, formulas, empty cells",
            r#"<row r="5" spans="1:4"><c r="A5" t="b"><v>1</v></c><c r="B5" t="b"><v>0</v></c><c r="C5" s="2"/><c r="D5"><f>SUM(A1:B1)</f><v>8.75</v></c></row><row r="6"/>"#,
        ),
        (
            "blank texts and whitespace",
            "<row r=\"7\">\n  <c r=\"A7\" t=\"inlineStr\"><is><t>   </t></is></c>\n  <c r=\"B7\" t=\"inlineStr\"><is/></c><c r=\"C7\" t=\"inlineStr\"><is><t xml:space=\"preserve\">  留白  </t></is></c></row>",
        ),
        (
            "prefixed names",
            r#"<x:row r="8"><x:c r="A8" t="inlineStr"><x:is><x:t>前缀</x:t></x:is></x:c></x:row>"#,
        ),
        (
            "the last child decides",
            r#"<row r="9"><c r="A9" t="inlineStr"><is><t>kept?</t></is><v>no</v></c><c r="B9"><v>2</v><f>1+1</f></c></row>"#,
        ),
    ];
    for (what, rows) in read {
        let bytes = sheet(rows);
        let agreement = agree(&bytes, what);
        assert_eq!(
            agreement.bailed, 0,
            "{what}: read by the fast reader ({agreement:?})"
        );
        assert_eq!(agreement.same, 1, "{what}: {agreement:?}");
    }

    // On these it gives up (calamine reads the sheet); it never reads them differently.
    let bail = [
        (
            "a cell without a reference",
            r#"<row r="1"><c><v>1</v></c></row>"#,
        ),
        (
            "an error cell",
            r##"<row r="1"><c r="A1" t="e"><v>#DIV/0!</v></c></row>"##,
        ),
        (
            "an ISO date cell",
            r#"<row r="1"><c r="A1" t="d"><v>2024-01-31T00:00:00</v></c></row>"#,
        ),
        (
            "a comment",
            r#"<row r="1"><!-- x --><c r="A1"><v>1</v></c></row>"#,
        ),
        (
            "CDATA",
            r#"<row r="1"><c r="A1" t="inlineStr"><is><t><![CDATA[x]]></t></is></c></row>"#,
        ),
        (
            "an unknown entity",
            r#"<row r="1"><c r="A1" t="inlineStr"><is><t>&nbsp;</t></is></c></row>"#,
        ),
        (
            "a number with spaces",
            r#"<row r="1"><c r="A1"><v> 1 </v></c></row>"#,
        ),
        (
            "a shared string out of range",
            r#"<row r="1"><c r="A1" t="s"><v>99999</v></c></row>"#,
        ),
        (
            "a lower-case reference",
            r#"<row r="1"><c r="a1"><v>1</v></c></row>"#,
        ),
    ];
    for (what, rows) in bail {
        let agreement = agree(&sheet(rows), what);
        assert_eq!(
            agreement.bailed, 1,
            "{what}: the fast reader gives up ({agreement:?})"
        );
    }

    // A sheet of inline texts, as the hostile-file makers write them.
    let plain = with_sheet(sheet_xml(&[
        ("A1", "财政项目支出绩效目标表"),
        ("B3", "项目名称"),
    ]));
    assert_eq!(agree(&plain, "inline texts").same, 1);
}

#[test]
fn dates_follow_the_workbooks_number_formats_and_epoch() {
    // A custom date format, a built-in one and a Chinese one on three numbers, in both epochs.
    let styles = |xml: Vec<u8>| {
        let text = String::from_utf8(xml).unwrap();
        let text = text.replacen(
            "</cellXfs>",
            r#"<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="57" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="46" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>"#,
            1,
        );
        Some(text.into_bytes())
    };
    let base = rewrite("xl/styles.xml", styles);
    let mut all = parts(&base);
    let xfs = {
        let styles = &all.iter().find(|(n, _)| n == "xl/styles.xml").unwrap().1;
        let text = String::from_utf8_lossy(styles);
        text.matches("<xf ").count() - 1 // the cellStyleXfs one
    };
    let rows = format!(
        r#"<row r="1"><c r="A1" s="{}"><v>45292</v></c><c r="B1" s="{}"><v>45292.5</v></c><c r="C1" s="{}"><v>1.25</v></c><c r="D1" s="1"><v>45292</v></c></row>"#,
        xfs - 3,
        xfs - 2,
        xfs - 1
    );
    for date1904 in [false, true] {
        for (name, data) in all.iter_mut() {
            if name == "xl/worksheets/sheet1.xml" {
                *data = format!(
                    r#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{rows}</sheetData></worksheet>"#
                )
                .into_bytes();
            }
            if name == "xl/workbook.xml" && date1904 {
                let text = String::from_utf8_lossy(data).into_owned();
                *data = if text.contains("<workbookPr") {
                    text.replacen("<workbookPr", r#"<workbookPr date1904="1""#, 1)
                } else {
                    text.replacen("<sheets>", r#"<workbookPr date1904="1"/><sheets>"#, 1)
                }
                .into_bytes();
            }
        }
        let bytes = zip_parts(&all);
        let agreement = agree(&bytes, "dates");
        assert_eq!(
            (agreement.same, agreement.bailed),
            (1, 0),
            "1904: {date1904}"
        );
    }
    // The untouched sample reads the same, too.
    assert_eq!(agree(&sample_bytes(), "sample").same, 1);
}

/// A fuzz input as the xlsx_fast target reads it: a selector byte (0 the sheet, 1 the shared
/// strings, 2 the styles, 3 the workbook part) and the part that replaces it in 吴泾镇's sample.
fn fuzz_workbook(input: &[u8]) -> Vec<u8> {
    let targets = [
        "xl/worksheets/sheet1.xml",
        "xl/sharedStrings.xml",
        "xl/styles.xml",
        "xl/workbook.xml",
    ];
    let (&selector, replacement) = input.split_first().expect("a selector byte");
    let target = targets[usize::from(selector) % targets.len()];
    let sample = std::fs::read(repo("samples/吴泾镇_2023_绩效目标表.xlsx")).unwrap();
    let parts: Vec<(String, Vec<u8>)> = parts(&sample)
        .into_iter()
        .map(|(name, data)| {
            let data = if name == target {
                replacement.to_vec()
            } else {
                data
            };
            (name, data)
        })
        .collect();
    zip_parts(&parts)
}

#[test]
fn what_the_differential_fuzzer_found_stays_fixed() {
    let dir = fixture("fuzz-xlsx-fast");
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_none_or(|e| e != "md"))
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty());
    for input in inputs {
        let bytes = fuzz_workbook(&std::fs::read(&input).unwrap());
        agree(&bytes, &input.display().to_string());
    }
}
