//! The wider families as real forms arrive: each field-corpus-2 form copied cell by cell (merges
//! and all) and then moved down and right, re-labelled ("项 目 名 称", "主管部门："), with its amounts
//! in 元, or stacked two in one sheet — and the same forms saved by LibreOffice as .xls and .ods
//! (`tests/fixtures/variants/`, made from these copies by `scripts/make-variant-fixtures.sh`).
//! Every variant reads as the same model as the original, apart from where things are.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::harness::{Mismatches, fixture, jixiao};
use crate::sheet_copy::{Placed, SheetCopy, Variation, write_variant};

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

/// The normalized forms of a file, as `jixiao normalize` prints them.
pub fn forms(path: &Path) -> Vec<Value> {
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
        .map(|(_, cell)| crate::sheet_copy::parse_a1(cell.as_str().unwrap()))
        .collect()
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
