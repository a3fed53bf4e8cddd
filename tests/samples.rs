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
