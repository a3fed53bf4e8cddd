//! The wider families as real forms arrive: each field-corpus-2 form copied cell by cell (merges
//! and all) and then moved down and right, re-labelled ("项 目 名 称", "主管部门："), with its amounts
//! in 元, or stacked two in one sheet — and the same forms saved by LibreOffice as .xls and .ods
//! (`tests/fixtures/variants/`, made from these copies by `scripts/make-variant-fixtures.sh`).
//! Every variant reads as the same model as the original, apart from where things are.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use calamine::{Data, Reader, Xlsx, open_workbook};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{Format, FormatBorder, Workbook, Worksheet};
use serde_json::Value;

use crate::harness::{Mismatches, fixture, jixiao};

/// The corpus forms the variants are made of (every family, targets and self-evaluations).
pub const ORIGINALS: [&str; 7] = [
    "中国科学院_天文数据中心_2024绩效目标申报表.xlsx",
    "江北区教育局_学生营养改善计划_2024绩效目标申报表.xlsx",
    "柳州市城中区住房和城乡建设局_城区市政道路日常养护_2023绩效目标申报表.xlsx",
    "成都市水务局_中心城区污水管网维护_2023项目支出绩效目标表.xlsx",
    "成都市文化广电旅游局_公共图书馆数字化建设_2023项目支出绩效目标表.xlsx",
    "廊坊市广阳区城管执法局_城区道路保洁及垃圾清运_2019年度项目支出绩效自评表.xlsx",
    "成都市卫生健康委员会_基层医疗卫生机构能力提升_部门预算项目支出绩效自评表.xlsx",
];

/// A sheet's content: its cells and merged regions.
struct SheetCopy {
    cells: Vec<(u32, u32, Data)>,
    merges: Vec<(u32, u32, u32, u32)>,
}

impl SheetCopy {
    fn load(path: &Path) -> SheetCopy {
        let mut workbook: Xlsx<_> = open_workbook(path).unwrap();
        let name = workbook.sheet_names()[0].clone();
        let range = workbook.worksheet_range(&name).unwrap();
        let (row0, col0) = range.start().unwrap_or((0, 0));
        let cells = range
            .cells()
            .filter(|(_, _, v)| !matches!(v, Data::Empty))
            .map(|(r, c, v)| (r as u32 + row0, c as u32 + col0, v.clone()))
            .collect();
        let merges = workbook
            .merge_cells_by_sheet_name(&name)
            .unwrap()
            .into_iter()
            .map(|d| (d.start.0, d.start.1, d.end.0, d.end.1))
            .collect();
        SheetCopy { cells, merges }
    }

    fn last_row(&self) -> u32 {
        let cells = self.cells.iter().map(|(r, _, _)| *r);
        cells
            .chain(self.merges.iter().map(|m| m.2))
            .max()
            .unwrap_or(0)
    }

    /// The first row of the indicator table: amounts stand above it.
    fn indicator_header_row(&self) -> u32 {
        self.cells
            .iter()
            .filter(|(_, _, v)| matches!(v, Data::String(s) if s == "一级指标"))
            .map(|(r, _, _)| *r)
            .min()
            .unwrap_or(u32::MAX)
    }
}

/// How a copy differs from its original.
#[derive(Clone, Copy, Default)]
struct Variation {
    /// Rows and columns the form is moved down and right.
    offset: (u32, u32),
    /// Labels spaced out or given a colon.
    relabel: bool,
    /// Amounts (the numbers above the indicator table, or a self-evaluation's budget figures)
    /// times 10,000, and "万元" in the labels there made "元".
    yuan: bool,
}

const RELABELLED: [&str; 6] = [
    "项目名称",
    "主管部门",
    "实施单位",
    "项目实施单位",
    "主管部门及代码",
    "项目属性",
];

fn relabel(text: &str) -> String {
    match text {
        "项目名称" | "项目属性" => {
            text.chars().map(String::from).collect::<Vec<_>>().join(" ")
        }
        "主管部门" => "主管部门：".to_owned(),
        _ => format!("{text}:"),
    }
}

/// A form to write: the sheet copied, how it varies, and its budget figures' cells (to scale to
/// 元 on a self-evaluation).
type Placed<'a> = (&'a SheetCopy, Variation, &'a [(u32, u32)]);

/// Writes the forms one under another in one sheet, each varied.
fn write_variant(forms: &[Placed<'_>], path: &Path) {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    let format = Format::new().set_border(FormatBorder::Thin).set_text_wrap();
    let mut top = 0;
    for (copy, variation, budget_cells) in forms {
        let (dr, dc) = (top + variation.offset.0, variation.offset.1);
        let header = copy.indicator_header_row();
        for &(r0, c0, r1, c1) in &copy.merges {
            sheet
                .merge_range(
                    r0 + dr,
                    (c0 + dc) as u16,
                    r1 + dr,
                    (c1 + dc) as u16,
                    "",
                    &format,
                )
                .unwrap();
        }
        for (row, col, value) in &copy.cells {
            let amount = variation.yuan
                && if budget_cells.is_empty() {
                    *row < header
                } else {
                    budget_cells.contains(&(*row, *col))
                };
            let (row, col) = (row + dr, (col + dc) as u16);
            write_cell(
                sheet,
                row,
                col,
                value,
                *variation,
                amount,
                row < header + dr,
                &format,
            );
        }
        top = dr + copy.last_row() + 3;
    }
    workbook.save(path).unwrap();
}

#[allow(clippy::too_many_arguments)]
fn write_cell(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    value: &Data,
    variation: Variation,
    amount: bool,
    above_indicators: bool,
    format: &Format,
) {
    match value {
        Data::String(text) => {
            let mut text = text.clone();
            if variation.relabel && RELABELLED.contains(&text.as_str()) {
                text = relabel(&text);
            }
            if variation.yuan && above_indicators && text.contains("万元") {
                text = text.replace("万元", "元");
            }
            sheet
                .write_string_with_format(row, col, &text, format)
                .unwrap();
        }
        Data::Float(_) | Data::Int(_) => {
            let number = match value {
                Data::Float(f) => *f,
                Data::Int(i) => *i as f64,
                _ => unreachable!(),
            };
            let number = if amount {
                // Exactly: 1318.5 万元 is 13,185,000 元, never 13184999.999….
                let wan = Decimal::from_f64_retain(number).unwrap().round_dp(6);
                (wan * Decimal::from(10_000)).to_f64().unwrap()
            } else {
                number
            };
            sheet
                .write_number_with_format(row, col, number, format)
                .unwrap();
        }
        other => panic!("a corpus cell of an unexpected type: {other:?}"),
    }
}

/// The normalized forms of a file, as `jixiao normalize` prints them.
fn forms(path: &Path) -> Vec<Value> {
    let run = jixiao([OsStr::new("normalize"), path.as_os_str()]).expect_code(0);
    run.json()[0]["forms"].as_array().unwrap().clone()
}

/// A form without where things are (source, cells): what must not change between variants.
fn model(form: &Value) -> Value {
    let mut form = form.clone();
    strip_places(&mut form);
    form
}

fn strip_places(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for key in ["source", "cells", "cell", "value_cell", "actual_cell"] {
                map.remove(key);
            }
            map.values_mut().for_each(strip_places);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_places),
        _ => {}
    }
}

/// The (row, column) of a self-evaluation's budget figures, zero-based, from its cells map.
fn budget_cells(form: &Value) -> Vec<(u32, u32)> {
    form["cells"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(key, _)| {
            key.starts_with("evaluation.")
                && ["initial", "adjusted", "executed"]
                    .iter()
                    .any(|c| key.ends_with(&format!(".{c}")))
        })
        .map(|(_, cell)| parse_a1(cell.as_str().unwrap()))
        .collect()
}

fn parse_a1(cell: &str) -> (u32, u32) {
    let letters: String = cell.chars().take_while(char::is_ascii_alphabetic).collect();
    let row: u32 = cell[letters.len()..].parse().unwrap();
    let col = letters
        .bytes()
        .fold(0u32, |acc, b| acc * 26 + u32::from(b - b'A' + 1));
    (row - 1, col - 1)
}

/// Where the variants are written: a temporary folder, or `JIXIAO_WRITE_VARIANTS` (so that
/// `scripts/make-variant-fixtures.sh` can convert them to .xls and .ods).
fn variant_dir() -> (Option<tempfile::TempDir>, PathBuf) {
    match std::env::var_os("JIXIAO_WRITE_VARIANTS") {
        Some(dir) => {
            std::fs::create_dir_all(&dir).unwrap();
            (None, PathBuf::from(dir))
        }
        None => {
            let temp = tempfile::tempdir().unwrap();
            let path = temp.path().to_path_buf();
            (Some(temp), path)
        }
    }
}

#[test]
fn moved_relabelled_in_yuan_and_stacked_forms_read_as_the_originals() {
    let (_keep, dir) = variant_dir();
    let mut m = Mismatches::default();
    for (index, name) in ORIGINALS.iter().enumerate() {
        let original_path = fixture(&format!("field-corpus-2/{name}"));
        let original = &forms(&original_path)[0];
        let expected = model(original);
        let copy = SheetCopy::load(&original_path);
        let budget = budget_cells(original);
        let moved = Variation {
            offset: (3, 2),
            ..Variation::default()
        };
        let relabelled = Variation {
            relabel: true,
            ..Variation::default()
        };
        let all = Variation {
            offset: (1, 1),
            relabel: true,
            yuan: true,
        };
        let yuan = Variation {
            yuan: true,
            ..Variation::default()
        };
        let cases: [(&str, Vec<Placed<'_>>, usize); 5] = [
            ("moved", vec![(&copy, moved, &budget)], 1),
            ("relabelled", vec![(&copy, relabelled, &budget)], 1),
            ("yuan", vec![(&copy, yuan, &budget)], 1),
            ("all", vec![(&copy, all, &budget)], 1),
            (
                "stacked",
                vec![
                    (&copy, Variation::default(), &budget),
                    (&copy, moved, &budget),
                ],
                2,
            ),
        ];
        for (case, forms_in_sheet, count) in cases {
            let path = dir.join(format!("v{index}-{case}.xlsx"));
            write_variant(&forms_in_sheet, &path);
            let read = forms(&path);
            let place = format!("{name} ({case})");
            if read.len() != count {
                m.note(format!(
                    "{place}: {count} forms expected, {} read",
                    read.len()
                ));
                continue;
            }
            for form in &read {
                m.check(&place, "model", &expected, &model(form));
            }
        }
    }
    m.assert_none();
}

#[test]
fn the_variants_saved_by_libreoffice_as_xls_and_ods_read_as_the_originals() {
    let mut m = Mismatches::default();
    let mut seen = 0;
    for (index, name) in ORIGINALS.iter().enumerate() {
        let expected = model(&forms(&fixture(&format!("field-corpus-2/{name}")))[0]);
        for extension in ["xls", "ods"] {
            let path = fixture(&format!("variants/v{index}-all.{extension}"));
            assert!(path.exists(), "{} is committed", path.display());
            seen += 1;
            let read = forms(&path);
            let place = format!("{name} (moved, relabelled, in 元, .{extension})");
            match read.as_slice() {
                [form] => m.check(&place, "model", &expected, &model(form)),
                _ => m.note(format!("{place}: {} forms read", read.len())),
            }
        }
    }
    assert_eq!(seen, ORIGINALS.len() * 2);
    m.assert_none();
}
