//! The bundled samples (written by `examples/make_samples.rs` from `examples/seed_forms.json`)
//! read back as exactly the seed forms, and `jixiao inspect` works on every one of them.

use std::ffi::OsStr;

use crate::harness::{Mismatches, compare_model, jixiao, repo, seed_forms};

#[test]
fn every_sample_reads_back_as_its_seed_form() {
    let run = jixiao([OsStr::new("inspect"), repo("samples").as_os_str()]).expect_code(0);
    let report = run.json();
    let entries = report.as_array().unwrap();
    let mut mismatches = Mismatches::default();
    let seeds = seed_forms();
    assert_eq!(seeds.len(), 9, "nine seed forms");
    for (file, sheet, _, expected) in &seeds {
        let entry = entries
            .iter()
            .find(|e| e["file"].as_str().unwrap().ends_with(file.as_str()))
            .unwrap_or_else(|| {
                panic!("{file} is not in samples/ (run cargo run --example make_samples)")
            });
        mismatches.check(file, "status", &"converted".into(), &entry["status"]);
        let form = entry["forms"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["source"]["sheet"] == sheet.as_str());
        match form {
            Some(form) => {
                compare_model(
                    &mut mismatches,
                    &format!("{file} / {sheet}"),
                    expected,
                    form,
                );
                let warnings = form["warnings"].as_array().unwrap();
                if !warnings.is_empty() {
                    mismatches.note(format!(
                        "{file} / {sheet}: unexpected warnings {warnings:?}"
                    ));
                }
            }
            None => mismatches.note(format!("{file}: no form on sheet {sheet}")),
        }
    }
    let forms: usize = entries
        .iter()
        .map(|e| e["forms"].as_array().unwrap().len())
        .sum();
    mismatches.check("samples", "forms", &9.into(), &forms.into());
    mismatches.assert_none();
}

/// The forms of one `inspect` run, without where they were read from (file name and format).
fn forms_read(path: &std::path::Path) -> Vec<serde_json::Value> {
    let run = jixiao([OsStr::new("inspect"), path.as_os_str()]).expect_code(0);
    let mut report = run.json();
    let entry = &mut report[0];
    assert_eq!(entry["status"], "converted", "{}", path.display());
    let mut forms = entry["forms"].as_array().unwrap().clone();
    for form in &mut forms {
        form["source"]["file"] = serde_json::Value::Null;
    }
    forms
}

#[test]
fn the_samples_saved_as_xls_and_ods_by_libreoffice_read_as_the_same_models() {
    // tests/fixtures/converted: each sample converted by LibreOffice 7.4 (`soffice --headless
    // --convert-to xls|ods`). Each format reports cells, numbers, dates and merged regions in its
    // own way; the models must not differ in any field, cell reference included.
    let samples = [
        "残保金抚恤金专项",
        "济宁高新区数字化城市管理数据采集及坐席队伍市场化运作项目",
        "吴泾镇_2023_绩效目标表",
    ];
    for name in samples {
        let original = forms_read(&repo(&format!("samples/{name}.xlsx")));
        assert!(!original.is_empty());
        for format in ["xls", "ods"] {
            let converted = forms_read(&crate::harness::fixture(&format!(
                "converted/{name}.{format}"
            )));
            assert_eq!(converted.len(), original.len(), "{name}.{format}");
            for (a, b) in original.iter().zip(&converted) {
                assert_eq!(a, b, "{name}.{format} differs from the .xlsx");
            }
        }
    }
}
