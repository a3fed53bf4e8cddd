//! Forms laid out to cost time: header cells thousands of columns wide, thousands of header rows,
//! far-right tables, wide small tables. Reading walked columns × rows once (the fuzzer found a
//! file that took 31 s in release, minutes in a debug build); now a table costs its own cells.
//! Each file must be read in seconds even by the debug build the tests run, and read right.

use std::time::{Duration, Instant};

use jixiao::TemplateSet;
use jixiao::model::Block;
use jixiao::read::{Limits, WorkbookRead, read_workbook};
use rust_xlsxwriter::{Format, Workbook, Worksheet};

use crate::harness::{fixture, jixiao};

/// Far more than any of these takes now (well under a second each in a debug build), far less
/// than they took when reading walked every column of every row.
const BOUND: Duration = Duration::from_secs(10);

fn xlsx(fill: impl FnOnce(&mut Worksheet)) -> Vec<u8> {
    let mut workbook = Workbook::new();
    fill(workbook.add_worksheet());
    workbook.save_to_buffer().unwrap()
}

fn read_within_bound(name: &str, bytes: &[u8]) -> Result<WorkbookRead, String> {
    let started = Instant::now();
    let result = read_workbook(bytes, name, &TemplateSet::builtin(), &Limits::default());
    let elapsed = started.elapsed();
    assert!(elapsed < BOUND, "{name} took {elapsed:?}");
    result.map_err(|e| e.to_string())
}

#[test]
fn thousands_of_header_rows_far_right_get_their_blocks_in_one_sweep() {
    // 2,000 header rows at column 15,000; a 长期绩效指标 label merged down the first half of
    // them, 年度绩效指标 down the second. Finding each row's block walked all 15,000 columns.
    let (col, rows) = (15_000u16, 2_000u32);
    let bytes = xlsx(|ws| {
        ws.write_string(0, col, "财政支出项目绩效目标申报表")
            .unwrap();
        ws.write_string(1, col, "项目名称").unwrap();
        ws.write_string(1, col + 1, "宽表").unwrap();
        ws.write_string(1, col + 3, "资金总额：10").unwrap();
        let format = Format::new();
        ws.merge_range(2, col, 1 + rows / 2, col, "长期绩效指标", &format)
            .unwrap();
        ws.merge_range(2 + rows / 2, col, 1 + rows, col, "年度绩效指标", &format)
            .unwrap();
        for row in (2..2 + rows).step_by(2) {
            ws.write_string(row, col + 1, "三级指标").unwrap();
            ws.write_string(row, col + 2, "指标值").unwrap();
            ws.write_string(row + 1, col + 1, format!("指标{row}"))
                .unwrap();
            ws.write_string(row + 1, col + 2, "≥90%").unwrap();
        }
    });
    let read = read_within_bound("远在右边.xlsx", &bytes).unwrap();
    assert_eq!(read.records.len(), 1, "{:?}", read.issues);
    let indicators = &read.projects().next().unwrap().indicators;
    assert_eq!(indicators.len(), rows as usize / 2);
    let (long_term, annual) = indicators.split_at(rows as usize / 4);
    assert!(long_term.iter().all(|i| i.block == Block::LongTerm));
    assert!(annual.iter().all(|i| i.block == Block::Annual));
    assert_eq!(indicators[0].level3, "指标2");
    assert_eq!(indicators[0].value, "≥90%");
}

#[test]
fn a_wide_small_table_costs_its_cells() {
    // 项目实施内容 read as a table under a header 12,000 cells wide, 5,000 rows down.
    let (cols, rows) = (12_000u16, 5_000u32);
    let bytes = xlsx(|ws| {
        ws.write_string(0, 0, "财政支出项目绩效目标申报表").unwrap();
        ws.write_string(1, 0, "项目名称").unwrap();
        ws.write_string(1, 1, "宽表").unwrap();
        ws.write_string(1, 2, "资金总额：10 财政拨款：10").unwrap();
        // The labels of the 2020 form, so that it is the template that fits.
        for (c, label) in [
            "主管部门",
            "项目单位",
            "项目属性",
            "项目起止时间",
            "长期目标",
        ]
        .iter()
        .enumerate()
        {
            ws.write_string(1, 4 + c as u16 * 2, *label).unwrap();
        }
        ws.write_string(2, 0, "项目实施内容").unwrap();
        for c in 1..=cols {
            ws.write_string(2, c, "阶段").unwrap();
        }
        for r in 3..3 + rows {
            ws.write_string(r, 1, format!("第{r}步")).unwrap();
        }
    });
    let read = read_within_bound("实施内容很宽.xlsx", &bytes).unwrap();
    assert_eq!(read.records.len(), 1, "{:?}", read.issues);
    let plan = &read.projects().next().unwrap().extras["项目实施进度计划"];
    let lines: Vec<&str> = plan.lines().collect();
    assert_eq!(
        lines.len(),
        rows as usize,
        "one line per row under the header"
    );
    assert_eq!(lines[0], "第3步");
    assert_eq!(lines[lines.len() - 1], format!("第{}步", 2 + rows));
}

#[test]
fn a_sheet_of_data_under_thousands_of_value_columns_is_refused_in_its_sheet() {
    // One 三级指标 column, 3,000 指标值 columns, 12,000 rows: not a form but a table of data.
    // A row without values made one empty indicator per column (36 million in all; the process
    // was killed at 24 GB). Now a row without values gives one per block, and a form stops at
    // 10,000 indicators.
    let bytes = xlsx(|ws| {
        ws.set_name("数据").unwrap();
        ws.write_string(0, 0, "财政项目支出绩效目标表").unwrap();
        ws.write_string(1, 0, "项目名称").unwrap();
        ws.write_string(1, 1, "数据表").unwrap();
        ws.write_string(1, 2, "项目资金总额").unwrap();
        ws.write_number(1, 3, 10).unwrap();
        ws.write_string(2, 0, "三级指标").unwrap();
        for c in 1..=3_000u16 {
            ws.write_string(2, c, "指标值").unwrap();
        }
        for r in 3..12_003u32 {
            ws.write_string(r, 0, format!("行{r}")).unwrap();
        }
    });
    let error = read_within_bound("数据表.xlsx", &bytes).unwrap_err();
    assert!(
        error.contains("工作表“数据”") && error.contains("绩效指标条数"),
        "{error}"
    );
    // The manifest says which sheet, and that no option raises this limit.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("数据表.xlsx"), &bytes).unwrap();
    let out = dir.path().join("out");
    jixiao([
        "convert".as_ref(),
        dir.path().join("数据表.xlsx").as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
    ])
    .expect_code(0);
    let manifest = std::fs::read_to_string(out.join("manifest.csv")).unwrap();
    assert!(
        manifest.contains("rejected") && manifest.contains("工作表“数据”：标题在 A1 的表"),
        "{manifest}"
    );
    assert!(manifest.contains("此项限制不可调"), "{manifest}");
}

#[test]
fn the_fuzzed_form_with_a_header_twenty_thousand_columns_wide_is_read_in_seconds() {
    // 一级指标 merged over 22,273 columns, a value merged over 16,000 rows, the form down to
    // row 33,538 (tests/fixtures/fuzz/README.md). It is rejected for its empty 项目名称.
    let path = fixture("fuzz/indicator-table-rows-times-columns-hang.xls");
    let bytes = std::fs::read(path).unwrap();
    let read = read_within_bound("hang.xls", &bytes).unwrap();
    assert!(read.records.is_empty());
    assert!(
        read.issues
            .iter()
            .any(|i| i.reason.contains("项目名称为空")),
        "{:?}",
        read.issues
    );
}

#[test]
fn a_file_that_takes_longer_than_max_seconds_is_refused_naming_the_option() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("残保金抚恤金专项.xlsx");
    std::fs::copy(
        crate::harness::repo("samples/残保金抚恤金专项.xlsx"),
        &input,
    )
    .unwrap();
    let out = dir.path().join("out");
    let run = jixiao([
        "convert".as_ref(),
        input.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
        "--max-seconds".as_ref(),
        "0".as_ref(),
    ]);
    let manifest = std::fs::read_to_string(out.join("manifest.csv")).unwrap();
    assert!(
        manifest.contains("rejected") && manifest.contains("--max-seconds"),
        "{manifest}\n{}",
        run.describe()
    );
}

#[test]
fn a_value_billions_of_columns_right_of_its_label_is_one_step_away() {
    // calamine reads any column a cell reference names, far past Excel's XFD: walking column by
    // column to "ZZZZZZ2" took 6.5 s in release, and 44 s for a reference that wraps near 2^32.
    let sheet = |reference: &str| {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>财政项目支出绩效目标表</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>项目名称</t></is></c><c r="{reference}" t="inlineStr"><is><t>远处的项目</t></is></c></row><row r="3"><c r="A3" t="inlineStr"><is><t>主管部门</t></is></c></row><row r="4"><c r="A4" t="inlineStr"><is><t>项目资金总额</t></is></c><c r="B4"><v>10</v></c></row></sheetData></worksheet>"#
        )
        .into_bytes()
    };
    for reference in ["ZZZZZZ2", "FXSHRXW2"] {
        let bytes = crate::hostile_files::with_sheet(sheet(reference));
        let read = read_within_bound(reference, &bytes).unwrap();
        let form = read.projects().next().unwrap();
        assert_eq!(form.project_name, "远处的项目", "{reference}");
    }
}
