//! The wider form families (copied from `../shared/field-corpus-2`): the 财政部 target form (c2015),
//! the 广西 (gx2021) and 四川 (sc2023) variants, and the two self-evaluation layouts (zp2020,
//! sc2023zp). Every file yields exactly what its `*.truth.json` says — fields, funds, codes,
//! indicators with block, weight, unit and structured value, and for a self-evaluation its budget
//! lines, goals, scores and each indicator's actual value, score and reason — and the folder's
//! totals match its `INDEX.json`.

use std::collections::BTreeMap;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::Value;

use crate::harness::{Mismatches, fixture, jixiao};

/// The `normalize` report of the corpus folder, by file name.
pub fn corpus_report() -> BTreeMap<String, Value> {
    let run = jixiao([
        std::ffi::OsStr::new("normalize"),
        fixture("field-corpus-2").as_os_str(),
    ])
    .expect_code(0);
    run.json()
        .as_array()
        .expect("normalize prints an array")
        .iter()
        .map(|entry| {
            let path = entry["file"].as_str().unwrap();
            let name = path.rsplit(['/', '\\']).next().unwrap().to_owned();
            (name, entry.clone())
        })
        .collect()
}

fn truths() -> Vec<Value> {
    let mut paths: Vec<_> = std::fs::read_dir(fixture("field-corpus-2"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".truth.json"))
        .collect();
    paths.sort();
    assert_eq!(paths.len(), 11, "the corpus is copied into tests/fixtures");
    paths
        .iter()
        .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
        .collect()
}

fn decimal(value: &Value) -> Option<Decimal> {
    match value {
        Value::String(s) => Decimal::from_str(s).ok(),
        Value::Number(n) => Some(Decimal::from_str(&n.to_string()).unwrap()),
        _ => None,
    }
}

/// Compares two values as decimals when the truth holds one (weights, scores, amounts), else
/// exactly; a missing text on our side is an empty one in the truth.
fn check_value(m: &mut Mismatches, place: &str, what: &str, truth: &Value, actual: &Value) {
    let actual = if actual.is_null() && truth == &Value::from("") {
        truth
    } else {
        actual
    };
    match (decimal(truth), truth) {
        (Some(expected), Value::String(_)) if decimal_like(truth) => {
            if decimal(actual) != Some(expected) {
                m.note(format!(
                    "{place}: {what}\n    expected: {truth}\n    actual:   {actual}"
                ));
            }
        }
        _ => m.check(place, what, truth, actual),
    }
}

fn decimal_like(value: &Value) -> bool {
    value
        .as_str()
        .is_some_and(|s| !s.is_empty() && Decimal::from_str(s).is_ok())
}

#[test]
fn every_file_of_the_wider_families_yields_exactly_its_truth() {
    let report = corpus_report();
    let mut m = Mismatches::default();
    for truth in truths() {
        let name = truth["file"].as_str().unwrap();
        let Some(entry) = report.get(name) else {
            m.note(format!("{name}: not in the report"));
            continue;
        };
        m.check(name, "status", &"converted".into(), &entry["status"]);
        let expected = truth["forms"].as_array().unwrap();
        let forms = entry["forms"].as_array().unwrap();
        if expected.len() != forms.len() {
            m.note(format!(
                "{name}: {} forms expected, {} read",
                expected.len(),
                forms.len()
            ));
            continue;
        }
        for (i, (truth, form)) in expected.iter().zip(forms).enumerate() {
            compare(&mut m, &format!("{name} form {}", i + 1), truth, form);
        }
    }
    m.assert_none();
}

fn compare(m: &mut Mismatches, place: &str, truth: &Value, form: &Value) {
    let kind = truth
        .get("kind")
        .cloned()
        .unwrap_or_else(|| "target".into());
    m.check(place, "kind", &kind, &form["kind"]);
    m.check(place, "sheet", &truth["sheet"], &form["source"]["sheet"]);
    m.check(place, "anchor", &truth["anchor"], &form["source"]["cell"]);
    for key in [
        "template",
        "year",
        "project_name",
        "department",
        "department_code",
        "implementing_unit",
        "category",
        "start_date",
        "end_date",
        "overall_goal",
        "annual_goal",
    ] {
        if let Some(expected) = truth.get(key) {
            m.check(place, key, expected, &form[key]);
        }
    }
    if let Some(funds) = truth.get("funds_wan").and_then(Value::as_object) {
        for (key, amount) in funds {
            check_value(
                m,
                place,
                &format!("funds.{key}"),
                amount,
                &form["funds"][key],
            );
        }
    }
    if let Some(evaluation) = truth.get("evaluation") {
        compare_evaluation(m, place, evaluation, &form["evaluation"]);
    }
    let expected = truth["indicators"].as_array().unwrap();
    let rows = form["indicators"].as_array().unwrap();
    if expected.len() != rows.len() {
        m.note(format!(
            "{place}: {} indicators expected, {} read",
            expected.len(),
            rows.len()
        ));
        return;
    }
    for (i, (truth, row)) in expected.iter().zip(rows).enumerate() {
        let place = format!("{place} indicator {}", i + 1);
        for (key, expected) in truth.as_object().unwrap() {
            if key == "measure" {
                let measure = &row["normalized"]["measure"];
                for (part, value) in expected.as_object().unwrap() {
                    check_value(m, &place, &format!("measure.{part}"), value, &measure[part]);
                }
            } else {
                check_value(m, &place, key, expected, &row[key]);
            }
        }
    }
}

fn compare_evaluation(m: &mut Mismatches, place: &str, truth: &Value, read: &Value) {
    for key in ["goal_expected", "goal_actual"] {
        m.check(place, key, &truth[key], &read[key]);
    }
    check_value(
        m,
        place,
        "total_score",
        &truth["total_score"],
        &read["total_score"],
    );
    for (line, expected) in truth["funds"].as_object().unwrap() {
        let actual = &read["funds"][line];
        if expected.is_null() {
            m.check(place, &format!("budget line {line}"), expected, actual);
            continue;
        }
        for (column, value) in expected.as_object().unwrap() {
            check_value(
                m,
                place,
                &format!("budget {line}.{column}"),
                value,
                &actual[column],
            );
        }
    }
}

#[test]
fn totals_per_department_and_evaluation_scores_match_the_index() {
    let report = corpus_report();
    let index: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("field-corpus-2/INDEX.json")).unwrap(),
    )
    .unwrap();
    let mut targets: BTreeMap<String, (u64, Decimal)> = BTreeMap::new();
    let mut evaluations: BTreeMap<String, (u64, Decimal)> = BTreeMap::new();
    for entry in report.values() {
        for form in entry["forms"].as_array().unwrap() {
            let department = form["department"].as_str().unwrap().to_owned();
            if form["kind"] == "self_evaluation" {
                let slot = evaluations.entry(department).or_default();
                slot.0 += 1;
                slot.1 += decimal(&form["evaluation"]["total_score"]).unwrap_or_default();
            } else {
                let slot = targets.entry(department).or_default();
                slot.0 += 1;
                slot.1 += decimal(&form["funds"]["total"]).unwrap_or_default();
            }
        }
    }
    let mut m = Mismatches::default();
    for (department, figures) in index["departments"].as_object().unwrap() {
        let (projects, total) = targets.get(department).copied().unwrap_or_default();
        m.check(
            department,
            "projects",
            &figures["projects"],
            &projects.into(),
        );
        let total = Value::from(total.to_string());
        check_value(&mut m, department, "total", &figures["total_wan"], &total);
    }
    for (department, figures) in index["evaluations"].as_object().unwrap() {
        let (forms, scores) = evaluations.get(department).copied().unwrap_or_default();
        m.check(department, "evaluations", &figures["forms"], &forms.into());
        check_value(
            &mut m,
            department,
            "score sum",
            &figures["total_score_sum"],
            &scores.to_string().into(),
        );
    }
    let summary = &index["summary"];
    let forms: u64 = targets.values().map(|(n, _)| n).sum();
    let evaluated: u64 = evaluations.values().map(|(n, _)| n).sum();
    m.check("corpus", "forms", &summary["forms"], &forms.into());
    m.check(
        "corpus",
        "evaluations",
        &summary["evaluations"],
        &evaluated.into(),
    );
    m.check(
        "corpus",
        "departments",
        &summary["departments"],
        &targets.len().into(),
    );
    let grand: Decimal = targets.values().map(|(_, t)| *t).sum();
    check_value(
        &mut m,
        "corpus",
        "grand total",
        &summary["grand_total_wan"],
        &grand.to_string().into(),
    );
    m.assert_none();
}
