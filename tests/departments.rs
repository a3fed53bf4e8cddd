//! Department-wide forms (copied from `../shared/field-corpus-3/departments`): every file yields
//! exactly its truth — department, code, budget, tasks, goals, indicators, a self-evaluation's
//! budget execution and scores — the reconciliation with the departments' project forms gives
//! the stated difference, and variants give the same records: moved, re-labelled, in 元, amounts
//! written "120万元", two forms in one workbook, .xls and .ods saved by LibreOffice, and a layout of
//! our own read generically. Department-wide forms never count as projects.

use std::ffi::OsStr;
use std::path::Path;
use std::str::FromStr;

use calamine::Data;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::harness::{Mismatches, fixture, jixiao, repo};
use crate::sheet_copy::{SheetCopy, Variation, write_variant};

const CORPUS: &str = "field-corpus-3/departments";

fn convert(input: &Path, out: &Path) {
    jixiao([
        OsStr::new("convert"),
        input.as_os_str(),
        OsStr::new("-o"),
        out.as_os_str(),
    ])
    .expect_code(0);
}

fn lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn decimal(value: &Value) -> Option<Decimal> {
    match value {
        Value::String(s) => Decimal::from_str(s).ok(),
        Value::Number(n) => Decimal::from_str(&n.to_string()).ok(),
        _ => None,
    }
}

fn squeeze(value: &Value) -> String {
    value
        .as_str()
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// Compares a record with its truth: texts without whitespace, amounts as decimals.
fn compare(m: &mut Mismatches, place: &str, truth: &Value, record: &Value) {
    for key in ["kind", "year", "department_code"] {
        m.check(place, key, &truth[key], &record[key]);
    }
    for key in ["department", "overall_goal", "annual_goal"] {
        if squeeze(&truth[key]) != squeeze(&record[key]) {
            m.note(format!(
                "{place}: {key} = {}, want {}",
                record[key], truth[key]
            ));
        }
    }
    m.check(place, "sheet", &truth["sheet"], &record["source"]["sheet"]);
    for (key, want) in truth["funds"].as_object().into_iter().flatten() {
        if decimal(want) != decimal(&record["funds"][key]) {
            m.note(format!(
                "{place}: funds.{key} = {}, want {want}",
                record["funds"][key]
            ));
        }
    }
    let empty = Vec::new();
    let tasks = record["tasks"].as_array().unwrap_or(&empty);
    let truth_tasks = truth["tasks"].as_array().unwrap_or(&empty);
    if tasks.len() != truth_tasks.len() {
        m.note(format!(
            "{place}: {} tasks, want {}",
            tasks.len(),
            truth_tasks.len()
        ));
    }
    for (i, (got, want)) in tasks.iter().zip(truth_tasks).enumerate() {
        for key in ["name", "content"] {
            if squeeze(&got[key]) != squeeze(&want[key]) {
                m.note(format!(
                    "{place}: task {i}.{key} = {}, want {}",
                    got[key], want[key]
                ));
            }
        }
        for key in ["total", "fiscal", "other"] {
            if decimal(&got[key]) != decimal(&want[key]) {
                m.note(format!(
                    "{place}: task {i}.{key} = {}, want {}",
                    got[key], want[key]
                ));
            }
        }
    }
    let indicators = record["indicators"].as_array().unwrap();
    let truth_indicators = truth["indicators"].as_array().unwrap();
    if indicators.len() != truth_indicators.len() {
        m.note(format!(
            "{place}: {} indicators, want {}",
            indicators.len(),
            truth_indicators.len()
        ));
    }
    for (i, (got, want)) in indicators.iter().zip(truth_indicators).enumerate() {
        for (key, want) in want.as_object().unwrap() {
            let same = match key.as_str() {
                "weight" | "score" => decimal(want) == decimal(&got[key]),
                _ => squeeze(want) == squeeze(&got[key]),
            };
            if !same {
                m.note(format!(
                    "{place}: indicator {i}.{key} = {}, want {want}",
                    got[key]
                ));
            }
        }
    }
    if let Some(evaluation) = truth.get("evaluation") {
        let ours = &record["evaluation"];
        for (line, parts) in evaluation["funds"].as_object().into_iter().flatten() {
            for (key, want) in parts.as_object().unwrap() {
                let got = &ours["funds"][line][key];
                if decimal(want) != decimal(got) {
                    m.note(format!(
                        "{place}: evaluation.funds.{line}.{key} = {got}, want {want}"
                    ));
                }
            }
        }
        for key in ["goal_expected", "goal_actual"] {
            if squeeze(&evaluation[key]) != squeeze(&ours[key]) {
                m.note(format!("{place}: evaluation.{key} = {}", ours[key]));
            }
        }
        if decimal(&evaluation["total_score"]) != decimal(&ours["total_score"]) {
            m.note(format!("{place}: total_score = {}", ours["total_score"]));
        }
    }
    let codes: Vec<&str> = record["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|w| w["code"].as_str())
        .collect();
    for want in truth["expected_warnings"].as_array().into_iter().flatten() {
        if !codes.contains(&want.as_str().unwrap()) {
            m.note(format!("{place}: warning {want} missing ({codes:?})"));
        }
    }
}

fn truths() -> Vec<(String, Value)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(fixture(CORPUS)).unwrap() {
        let path = entry.unwrap().path();
        if path.to_string_lossy().ends_with(".truth.json") {
            let truth: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            for form in truth["departments"].as_array().into_iter().flatten() {
                found.push((truth["file"].as_str().unwrap().to_owned(), form.clone()));
            }
        }
    }
    found.sort_by(|a, b| {
        (&a.0, a.1["department"].as_str()).cmp(&(&b.0, b.1["department"].as_str()))
    });
    found
}

fn find<'r>(records: &'r [Value], file: &str, department: &Value) -> Option<&'r Value> {
    records.iter().find(|r| {
        r["source"]["file"].as_str().unwrap().ends_with(file)
            && squeeze(&r["department"]) == squeeze(department)
    })
}

#[test]
fn every_department_wide_form_yields_its_truth_and_the_reconciliation_its_difference() {
    let dir = tempfile::tempdir().unwrap();
    convert(&fixture(CORPUS), dir.path());
    let records = lines(&dir.path().join("departments.jsonl"));
    let truths = truths();
    assert_eq!(records.len(), truths.len());
    let mut m = Mismatches::default();
    for (file, truth) in &truths {
        let place = format!("{file}: {}", truth["department"]);
        match find(&records, file, &truth["department"]) {
            Some(record) => compare(&mut m, &place, truth, record),
            None => m.note(format!("{place}: not read")),
        }
    }
    // Never projects: the project outputs hold the five project forms and their totals only.
    let projects = lines(&dir.path().join("projects.jsonl"));
    assert_eq!(projects.len(), 5);
    assert!(projects.iter().all(|p| p["kind"] == "target"));
    // The reconciliation: as INDEX.json says, every row.
    let index: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture(&format!("{CORPUS}/INDEX.json"))).unwrap(),
    )
    .unwrap();
    let text = std::fs::read_to_string(dir.path().join("reconciliation.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "主管部门",
            "年度",
            "部门整体表项目支出（万元）",
            "项目表合计（万元）",
            "项目表数",
            "差额（万元）"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let wanted = index["reconciliation"].as_array().unwrap();
    assert_eq!(rows.len(), wanted.len());
    for want in wanted {
        let department = want["主管部门"].as_str().unwrap();
        let row = rows.iter().find(|r| &r[0] == department).unwrap();
        for (col, key) in [
            (2, "部门整体表项目支出（万元）"),
            (3, "项目表合计（万元）"),
            (5, "差额（万元）"),
        ] {
            assert_eq!(
                decimal(&json!(row[col])),
                decimal(&want[key]),
                "{department} {key}"
            );
        }
        assert_eq!(row[4], want["项目表数"].to_string(), "{department}");
    }
    // The department that adds up carries no mismatch; the one that does not, does.
    let codes = |department: &str| -> Vec<String> {
        records
            .iter()
            .find(|r| r["department"] == department)
            .unwrap()["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["code"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(!codes("湛江市坡头区卫生健康局").contains(&"department_projects_mismatch".to_owned()));
    assert!(
        codes("湛江市坡头区住房和城乡建设局").contains(&"department_projects_mismatch".to_owned())
    );
    m.assert_none();
}

#[test]
fn a_batch_without_department_wide_forms_writes_none_of_their_outputs() {
    let dir = tempfile::tempdir().unwrap();
    convert(&repo("samples"), dir.path());
    for name in [
        "departments.jsonl",
        "departments.csv",
        "department_tasks.csv",
        "department_indicators.csv",
        "reconciliation.csv",
    ] {
        assert!(!dir.path().join(name).exists(), "{name}");
    }
    let sheets = crate::harness::workbook_sheets(&dir.path().join("summary.xlsx"));
    assert!(!sheets.contains_key("部门整体") && !sheets.contains_key("部门对账"));
}

/// The 湛江 卫生健康局 form, to vary.
fn zhanjiang() -> SheetCopy {
    SheetCopy::load(&fixture(&format!(
        "{CORPUS}/湛江市坡头区卫生健康局_2025年度部门整体预算绩效目标表.xlsx"
    )))
}

/// A department record as compared across variants: what the form says, not where.
fn content(record: &Value) -> Value {
    let mut r = record.clone();
    for key in ["source", "cells", "warnings", "review"] {
        r.as_object_mut().unwrap().remove(key);
    }
    for task in r["tasks"].as_array_mut().unwrap() {
        task.as_object_mut().unwrap().remove("cell");
    }
    for indicator in r["indicators"].as_array_mut().unwrap() {
        let i = indicator.as_object_mut().unwrap();
        i.remove("cell");
        i.remove("value_cell");
    }
    // Amounts as numbers (1150.3 and 1150.30 are the same amount).
    for key in ["total", "fiscal", "other", "basic", "project"] {
        r["funds"][key] = json!(decimal(&r["funds"][key]).map(|d| d.normalize().to_string()));
    }
    for task in r["tasks"].as_array_mut().unwrap() {
        for key in ["total", "fiscal", "other"] {
            task[key] = json!(decimal(&task[key]).map(|d| d.normalize().to_string()));
        }
    }
    r
}

#[test]
fn moved_relabelled_in_yuan_as_text_and_stacked_forms_read_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let original_dir = dir.path().join("original");
    std::fs::create_dir_all(&original_dir).unwrap();
    let copy = zhanjiang();
    write_variant(
        &[(&copy, Variation::default(), &[])],
        &original_dir.join("原样.xlsx"),
    );
    convert(&original_dir, &dir.path().join("original-out"));
    let original = content(&lines(&dir.path().join("original-out/departments.jsonl"))[0]);
    let input = dir.path().join("variants");
    std::fs::create_dir_all(&input).unwrap();
    // Moved down and right, the name label spaced out.
    let mut relabelled = SheetCopy {
        cells: copy.cells.clone(),
        merges: copy.merges.clone(),
    };
    for cell in &mut relabelled.cells {
        if cell.2 == Data::String("部门名称".into()) {
            cell.2 = Data::String("部 门 名 称".into());
        }
    }
    write_variant(
        &[(
            &relabelled,
            Variation {
                offset: (3, 2),
                ..Variation::default()
            },
            &[],
        )],
        &input.join("移动并改写标签.xlsx"),
    );
    // In 元: every amount ×10,000 and the headers saying 元; and amounts written as text.
    let mut yuan = SheetCopy {
        cells: copy.cells.clone(),
        merges: copy.merges.clone(),
    };
    let mut text = SheetCopy {
        cells: copy.cells.clone(),
        merges: copy.merges.clone(),
    };
    for (copy, as_text) in [(&mut yuan, false), (&mut text, true)] {
        for cell in &mut copy.cells {
            match &cell.2 {
                Data::Float(f) if cell.1 >= 3 && *f > 100.0 => {
                    cell.2 = if as_text {
                        Data::String(format!("{f}万元"))
                    } else {
                        Data::Float(f * 10_000.0)
                    };
                }
                Data::String(s) if !as_text && s.contains("（万元）") => {
                    cell.2 = Data::String(s.replace("（万元）", "（元）"));
                }
                _ => {}
            }
        }
    }
    write_variant(
        &[(&yuan, Variation::default(), &[])],
        &input.join("以元计.xlsx"),
    );
    write_variant(
        &[(&text, Variation::default(), &[])],
        &input.join("金额写成文字.xlsx"),
    );
    // Two forms in one sheet, one under the other.
    write_variant(
        &[
            (&copy, Variation::default(), &[]),
            (&copy, Variation::default(), &[]),
        ],
        &input.join("两张表.xlsx"),
    );
    convert(&input, &dir.path().join("variants-out"));
    let records = lines(&dir.path().join("variants-out/departments.jsonl"));
    assert_eq!(records.len(), 5, "{records:#?}");
    let mut m = Mismatches::default();
    for record in &records {
        let place = record["source"]["file"].as_str().unwrap().to_owned();
        m.check(&place, "record", &original, &content(record));
    }
    // The .xls and .ods LibreOffice saved of the corpus forms.
    convert(
        &fixture("field-corpus-3/department-variants"),
        &dir.path().join("saved-out"),
    );
    let saved = lines(&dir.path().join("saved-out/departments.jsonl"));
    let corpus = {
        let out = dir.path().join("corpus-out");
        convert(&fixture(CORPUS), &out);
        lines(&out.join("departments.jsonl"))
    };
    assert_eq!(
        saved.len(),
        2 * 3,
        "the 陕西 workbook's two units and a 湛江 form, twice"
    );
    for record in &saved {
        let want = corpus
            .iter()
            .find(|r| r["department"] == record["department"])
            .unwrap();
        let place = record["source"]["file"].as_str().unwrap().to_owned();
        m.check(&place, "record", &content(want), &content(record));
    }
    m.assert_none();
}

#[test]
fn department_wide_forms_go_out_as_forms_that_read_back_as_the_same_records() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first");
    convert(&fixture(CORPUS), &first);
    let forms = dir.path().join("forms");
    let run = jixiao([
        OsStr::new("forms"),
        first.join("departments.jsonl").as_os_str(),
        OsStr::new("-o"),
        forms.as_os_str(),
    ])
    .expect_code(0);
    // What the 陕西 layout has no place for is named, never dropped silently.
    assert!(
        run.stderr.contains("未写出：基本支出、项目支出"),
        "{}",
        run.describe()
    );
    let again = dir.path().join("again");
    convert(&forms, &again);
    let before: Vec<Value> = lines(&first.join("departments.jsonl"))
        .into_iter()
        .filter(|r| r["kind"] == "department_target")
        .collect();
    let after = lines(&again.join("departments.jsonl"));
    assert_eq!(before.len(), after.len());
    let kept = |r: &Value| {
        let mut c = content(r);
        for key in ["basic", "project"] {
            c["funds"][key] = Value::Null;
        }
        c["overall_goal"] = json!("");
        c["template"] = json!("sx2020bm");
        c["extras"]
            .as_object_mut()
            .unwrap()
            .retain(|k, _| k == "备注");
        for task in c["tasks"].as_array_mut().unwrap() {
            task.as_object_mut().unwrap().remove("goal");
        }
        for indicator in c["indicators"].as_array_mut().unwrap() {
            let i = indicator.as_object_mut().unwrap();
            i.retain(|k, _| {
                ["block", "level1", "level2", "level3", "value", "normalized"].contains(&k.as_str())
            });
        }
        c
    };
    let mut m = Mismatches::default();
    for record in &before {
        let back = after
            .iter()
            .find(|r| r["department"] == record["department"])
            .unwrap();
        m.check(
            record["department"].as_str().unwrap(),
            "record",
            &kept(record),
            &kept(back),
        );
    }
    m.assert_none();
    // A blank department-wide form to send out reads as a blank form, not a department.
    let blank = dir.path().join("blank");
    jixiao([
        OsStr::new("forms"),
        OsStr::new("--blank"),
        OsStr::new("--template"),
        OsStr::new("sx2020bm"),
        OsStr::new("--year"),
        OsStr::new("2026"),
        OsStr::new("-o"),
        blank.as_os_str(),
    ])
    .expect_code(0);
    let read = jixiao([OsStr::new("inspect"), blank.as_os_str()]);
    let text = read.stdout;
    assert!(
        text.contains("空白表格") || text.contains("blank_form"),
        "{text}"
    );
}
