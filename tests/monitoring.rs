//! Monitoring forms (copied from `../shared/field-corpus-3/monitoring`): every file yields exactly
//! its truth — identity, the month and 序时进度, every execution line, the goals, each indicator
//! with its 完成目标可能性 (the ticked heading on the ticked layout) — and the links to the two
//! approved targets there (one target changed, one indicator dropped). Each check fires on a form
//! built to break it and stays silent on the examples; variants (another month, amounts in 元,
//! codes before names, moved and re-labelled, .xls and .ods saved by LibreOffice) read the same.
//! Monitoring forms never count as projects; 监控汇总 adds them up per 主管部门.

use std::ffi::OsStr;
use std::path::Path;
use std::str::FromStr;

use calamine::Data;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::harness::{Mismatches, fixture, jixiao, repo, workbook_sheets};
use crate::sheet_copy::{SheetCopy, Variation, write_variant};

const CORPUS: &str = "field-corpus-3/monitoring";

/// The codes of the monitoring checks and of the links to the approved target.
const CHECKS: [&str; 4] = [
    "rate_mismatch",
    "behind_schedule",
    "at_risk_without_reason",
    "expected_exceeds_budget",
];
const LINKS: [&str; 3] = ["target_changed", "indicator_dropped", "indicator_added"];

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

/// An amount or a rate (its fraction) as a decimal.
fn decimal(value: &Value) -> Option<Decimal> {
    match value {
        Value::String(s) => Decimal::from_str(s).ok(),
        Value::Number(n) => Decimal::from_str(&n.to_string()).ok(),
        Value::Object(o) => o.get("fraction").and_then(decimal),
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

fn warnings<'r>(record: &'r Value, code: &str) -> Vec<&'r str> {
    record["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["code"] == code)
        .map(|w| w["message"].as_str().unwrap())
        .collect()
}

/// Compares a record with its truth: texts without whitespace, amounts and rates as decimals;
/// the checks' warnings exactly those the truth calls for, the links naming their indicators.
fn compare(m: &mut Mismatches, place: &str, truth: &Value, record: &Value) {
    m.check(place, "kind", &json!("monitoring"), &record["kind"]);
    m.check(place, "year", &truth["year"], &record["year"]);
    for key in [
        "project_name",
        "project_code",
        "department",
        "implementing_unit",
    ] {
        if squeeze(&truth[key]) != squeeze(&record[key]) {
            m.note(format!(
                "{place}: {key} = {}, want {}",
                record[key], truth[key]
            ));
        }
    }
    if let Some(code) = truth.get("department_code") {
        m.check(place, "department_code", code, &record["department_code"]);
    }
    for key in ["person", "phone", "filed"] {
        m.check(
            place,
            &format!("contact.{key}"),
            &truth["contact"][key],
            &record["contact"][key],
        );
    }
    let want = &truth["monitoring"];
    let got = &record["monitoring"];
    m.check(
        place,
        "through_month",
        &want["through_month"],
        &got["through_month"],
    );
    m.check(
        place,
        "time_progress",
        &want["time_progress"]["fraction"],
        &got["time_progress"]["fraction"],
    );
    for (line, parts) in want["funds"].as_object().unwrap() {
        let ours = &got["funds"][line];
        match parts {
            Value::Null => {
                if !ours.is_null() {
                    m.note(format!("{place}: funds.{line} = {ours}, want none"));
                }
            }
            parts => {
                for (key, want) in parts.as_object().unwrap() {
                    if decimal(want) != decimal(&ours[key]) {
                        m.note(format!(
                            "{place}: funds.{line}.{key} = {}, want {want}",
                            ours[key]
                        ));
                    }
                }
            }
        }
    }
    for key in ["goal_annual", "goal_progress"] {
        if squeeze(&want[key]) != squeeze(&got[key]) {
            m.note(format!("{place}: {key} = {}", got[key]));
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
    for (got, truth_indicator) in indicators.iter().zip(truth_indicators) {
        let name = &truth_indicator["level3"];
        for (key, want) in truth_indicator.as_object().unwrap() {
            // A key the form has no column for is left out of the record (as null in truth).
            if squeeze(want) != squeeze(&got[key]) {
                m.note(format!("{place}: {name}.{key} = {}, want {want}", got[key]));
            }
        }
    }
    // The checks: exactly what the truth calls for.
    let expected: Vec<&str> = truth["expected_warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    for code in CHECKS {
        let fired = !warnings(record, code).is_empty();
        if fired != expected.contains(&code) {
            m.note(format!(
                "{place}: {code} {}",
                if fired { "unexpected" } else { "missing" }
            ));
        }
    }
    // The links: each finding names its indicator, nothing else is found.
    let links = &truth["expected_links"];
    for code in LINKS {
        let named: Vec<&str> = links[code]
            .as_array()
            .into_iter()
            .flatten()
            .map(|n| n.as_str().unwrap())
            .collect();
        let found = warnings(record, code);
        if found.len() != named.len() || !named.iter().all(|n| found.iter().any(|w| w.contains(n)))
        {
            m.note(format!("{place}: {code} {found:?}, want {named:?}"));
        }
    }
    let linked = links.is_object();
    if record["monitoring"]["target"].is_object() != linked {
        m.note(format!(
            "{place}: linked {}, want {linked}",
            record["monitoring"]["target"]
        ));
    }
}

fn truths() -> Vec<(String, Value)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(fixture(CORPUS)).unwrap() {
        let path = entry.unwrap().path();
        if path.to_string_lossy().ends_with(".truth.json") {
            let truth: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            for form in truth["forms"].as_array().into_iter().flatten() {
                if form["kind"] == "monitoring" {
                    found.push((truth["file"].as_str().unwrap().to_owned(), form.clone()));
                }
            }
        }
    }
    found.sort_by(|a, b| {
        (&a.0, a.1["project_name"].as_str()).cmp(&(&b.0, b.1["project_name"].as_str()))
    });
    found
}

fn find<'r>(records: &'r [Value], file: &str, name: &Value) -> Option<&'r Value> {
    records.iter().find(|r| {
        r["source"]["file"].as_str().unwrap().ends_with(file)
            && squeeze(&r["project_name"]) == squeeze(name)
    })
}

#[test]
fn every_monitoring_form_yields_its_truth_and_its_links_to_the_approved_targets() {
    let dir = tempfile::tempdir().unwrap();
    convert(&fixture(CORPUS), dir.path());
    let records = lines(&dir.path().join("monitoring.jsonl"));
    let truths = truths();
    assert_eq!(records.len(), truths.len());
    let mut m = Mismatches::default();
    for (file, truth) in &truths {
        let place = format!("{file}: {}", truth["project_name"]);
        match find(&records, file, &truth["project_name"]) {
            Some(record) => compare(&mut m, &place, truth, record),
            None => m.note(format!("{place}: not read")),
        }
    }
    m.assert_none();
    // Never projects: the project outputs hold the two target forms and their totals only.
    let index: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture(&format!("{CORPUS}/INDEX.json"))).unwrap(),
    )
    .unwrap();
    let projects = lines(&dir.path().join("projects.jsonl"));
    assert_eq!(projects.len(), 2);
    assert!(projects.iter().all(|p| p["kind"] == "target"));
    // 监控汇总: per 主管部门 the forms, budget and execution INDEX.json states.
    let sheets = workbook_sheets(&dir.path().join("summary.xlsx"));
    let summary = &sheets["监控汇总"];
    assert_eq!(
        summary[0][..6],
        [
            "主管部门",
            "项目数",
            "全年预算数（万元）",
            "执行数（万元）",
            "执行率",
            "序时进度"
        ]
    );
    let wanted = index["monitoring"].as_object().unwrap();
    for (department, want) in wanted {
        let row = summary
            .iter()
            .find(|r| &r[0] == department)
            .unwrap_or_else(|| panic!("{department} in 监控汇总"));
        assert_eq!(row[1], want["forms"].to_string(), "{department}");
        for (col, key) in [(2, "adjusted_wan"), (3, "executed_wan")] {
            assert_eq!(
                decimal(&json!(row[col])),
                decimal(&want[key]),
                "{department} {key}"
            );
        }
        assert_eq!(
            decimal(&json!(row[5])),
            decimal(&json!("0.5833")),
            "{department}"
        );
    }
    let total = summary.iter().find(|r| r[0] == "合计").unwrap();
    assert_eq!(total[1], wanted.len().to_string());
    // 监控明细: one row per form; monitoring.csv and monitoring_indicators.csv likewise.
    assert_eq!(sheets["监控明细"].len(), records.len() + 1);
    let csv = std::fs::read_to_string(dir.path().join("monitoring.csv")).unwrap();
    assert_eq!(csv.lines().count(), records.len() + 1);
    let indicators = std::fs::read_to_string(dir.path().join("monitoring_indicators.csv")).unwrap();
    let count: usize = records
        .iter()
        .map(|r| r["indicators"].as_array().unwrap().len())
        .sum();
    assert_eq!(indicators.lines().count(), count + 1);
    // The changed target reads so in the indicators' comparison column.
    assert!(
        indicators.lines().any(|l| l.contains("检查井维修数量")
            && l.contains("1200")
            && l.contains("指标值被改动")),
        "{indicators}"
    );
}

#[test]
fn a_batch_without_monitoring_forms_writes_none_of_their_outputs() {
    let dir = tempfile::tempdir().unwrap();
    convert(&repo("samples"), dir.path());
    for name in [
        "monitoring.jsonl",
        "monitoring.csv",
        "monitoring_indicators.csv",
    ] {
        assert!(!dir.path().join(name).exists(), "{name}");
    }
    let sheets = workbook_sheets(&dir.path().join("summary.xlsx"));
    assert!(!sheets.contains_key("监控汇总") && !sheets.contains_key("监控明细"));
}

/// The 吴泾镇 form, to vary.
fn wujing() -> SheetCopy {
    SheetCopy::load(&fixture(&format!(
        "{CORPUS}/吴泾镇人民政府_社区公共空间微更新_2025年1-7月项目支出绩效运行监控表.xlsx"
    )))
}

fn text(t: &str) -> Data {
    Data::String(t.into())
}

/// A monitoring record as compared across variants: what the form says, not where.
fn content(record: &Value) -> Value {
    let mut r = record.clone();
    for key in ["source", "cells", "warnings", "template"] {
        r.as_object_mut().unwrap().remove(key);
    }
    for indicator in r["indicators"].as_array_mut().unwrap() {
        let i = indicator.as_object_mut().unwrap();
        for key in ["cell", "value_cell", "actual_cell"] {
            i.remove(key);
        }
    }
    // Amounts as numbers (86 and 86.00 are the same amount); the link's source aside.
    if let Some(funds) = r["monitoring"]["funds"].as_object_mut() {
        for line in funds.values_mut().filter(|l| l.is_object()) {
            for key in ["initial", "adjusted", "executed", "expected"] {
                line[key] = json!(decimal(&line[key]).map(|d| d.normalize().to_string()));
            }
        }
    }
    r["monitoring"].as_object_mut().unwrap().remove("target");
    r
}

/// Converts forms written from copies, one file each, and returns the records by file name.
fn convert_copies(
    dir: &Path,
    name: &str,
    forms: &[(&str, &SheetCopy, Variation)],
) -> Vec<(String, Value)> {
    let input = dir.join(name);
    std::fs::create_dir_all(&input).unwrap();
    for (file, copy, variation) in forms {
        write_variant(
            &[(copy, *variation, &[])],
            &input.join(format!("{file}.xlsx")),
        );
    }
    let out = dir.join(format!("{name}-out"));
    convert(&input, &out);
    let mut records: Vec<(String, Value)> = lines(&out.join("monitoring.jsonl"))
        .into_iter()
        .map(|r| {
            let file = Path::new(r["source"]["file"].as_str().unwrap())
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (file, r)
        })
        .collect();
    records.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(records.len(), forms.len(), "{records:#?}");
    records
}

#[test]
fn moved_relabelled_in_yuan_and_with_codes_the_form_reads_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let copy = wujing();
    // Codes before the names: the department written "301001-…", the project "CODE-名称" with
    // its code cell left blank.
    let mut coded = wujing();
    coded.set("B5", text("301001-吴泾镇人民政府"));
    coded.set("B4", text("31011225000431-社区公共空间微更新"));
    coded.set("G4", Data::Empty);
    let forms = [
        ("原样", &copy, Variation::default()),
        (
            "移动并改写标签",
            &copy,
            Variation {
                offset: (4, 3),
                relabel: true,
                ..Variation::default()
            },
        ),
        (
            "以元计",
            &copy,
            Variation {
                yuan: true,
                ..Variation::default()
            },
        ),
        ("编码在前", &coded, Variation::default()),
    ];
    let records = convert_copies(dir.path(), "variants", &forms);
    let original = content(&records.iter().find(|(f, _)| f == "原样").unwrap().1);
    let mut m = Mismatches::default();
    for (file, record) in &records {
        let mut got = content(record);
        if file == "编码在前" {
            m.check(
                file,
                "department_code",
                &json!("301001"),
                &got["department_code"],
            );
            got.as_object_mut().unwrap().remove("department_code");
        }
        m.check(file, "record", &original, &got);
        assert!(
            CHECKS.iter().all(|c| warnings(record, c).is_empty()),
            "{file}: {}",
            record["warnings"]
        );
    }
    m.assert_none();
}

#[test]
fn another_month_gives_its_share_of_the_year() {
    let dir = tempfile::tempdir().unwrap();
    // 1-6月: the title's period and the headers say so.
    let mut june = wujing();
    june.set("A2", text("（2025年1-6月）"));
    june.set("H6", text("1-6月执行数"));
    june.set("F10", text("1-6月总体目标完成情况"));
    june.set("F12", text("1-6月实际完成值"));
    // 截至10月底, said only by the headers (no period under the title).
    let mut october = wujing();
    october.set("A2", Data::Empty);
    october.set("H6", text("截至10月底执行数"));
    october.set("F10", text("截至10月底总体目标完成情况"));
    october.set("F12", text("截至10月底实际完成值"));
    // No month anywhere: no 序时进度, and a warning saying what is missing.
    let mut none = wujing();
    none.set("A2", Data::Empty);
    none.set("H6", text("累计执行数"));
    none.set("F10", text("总体目标完成情况"));
    none.set("F12", text("累计实际完成值"));
    let records = convert_copies(
        dir.path(),
        "months",
        &[
            ("六月", &june, Variation::default()),
            ("十月", &october, Variation::default()),
            ("无月份", &none, Variation::default()),
        ],
    );
    let by = |name: &str| &records.iter().find(|(f, _)| f == name).unwrap().1;
    assert_eq!(by("六月")["monitoring"]["through_month"], 6);
    assert_eq!(
        by("六月")["monitoring"]["time_progress"]["fraction"],
        "0.5000"
    );
    assert_eq!(
        by("六月")["monitoring"]["funds"]["total"]["executed"],
        "52.3"
    );
    // By October 83.33% of the year is gone: 60.81% is 22.52 points behind.
    assert_eq!(by("十月")["monitoring"]["through_month"], 10);
    let behind = warnings(by("十月"), "behind_schedule");
    assert_eq!(behind.len(), 2, "both lines behind: {behind:?}");
    assert!(behind[0].contains("22.52 个百分点"), "{behind:?}");
    assert!(by("无月份")["monitoring"]["time_progress"].is_null());
    assert!(
        warnings(by("无月份"), "missing_field")
            .iter()
            .any(|w| w.contains("月份"))
    );
    assert!(warnings(by("无月份"), "behind_schedule").is_empty());
}

#[test]
fn each_check_fires_on_a_form_built_to_break_it() {
    let dir = tempfile::tempdir().unwrap();
    // Spent 30 of 86 by July: 34.88%, far behind 58.33%.
    let mut behind = wujing();
    for (cell, value) in [("H7", 30.0), ("H8", 30.0)] {
        behind.set(cell, Data::Float(value));
    }
    behind.set("I7", text("34.88%"));
    behind.set("I8", text("34.88%"));
    // 执行率 written 70.00% where 52.3 ÷ 86 is 60.81%.
    let mut rate = wujing();
    rate.set("I7", text("70.00%"));
    // 100 expected of a budget of 86.
    let mut expected = wujing();
    expected.set("J7", Data::Float(100.0));
    // 有可能 with the 偏差原因 left blank.
    let mut at_risk = wujing();
    at_risk.set("I17", Data::Empty);
    // The ticked layout: 完全不可能 ticked, no reason ticked.
    let mut ticked = SheetCopy::load(&fixture(&format!(
        "{CORPUS}/绵阳市涪城区农业农村局_农村人居环境整治提升_项目支出绩效监控表（1-7月）.xlsx"
    )));
    ticked.set("H14", Data::Empty);
    ticked.set("J14", text("√"));
    let records = convert_copies(
        dir.path(),
        "checks",
        &[
            ("behind_schedule", &behind, Variation::default()),
            ("rate_mismatch", &rate, Variation::default()),
            ("expected_exceeds_budget", &expected, Variation::default()),
            ("at_risk_without_reason", &at_risk, Variation::default()),
            ("ticked", &ticked, Variation::default()),
        ],
    );
    for (file, record) in &records {
        let code = if file == "ticked" {
            "at_risk_without_reason"
        } else {
            file.as_str()
        };
        let fired: Vec<&str> = CHECKS
            .iter()
            .copied()
            .filter(|c| !warnings(record, c).is_empty())
            .collect();
        assert_eq!(fired, [code], "{file}: {}", record["warnings"]);
        let cells: Vec<&Value> = record["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|w| w["code"] == code)
            .map(|w| &w["cell"])
            .collect();
        assert!(
            cells.iter().all(|c| c.is_string()),
            "{file}: a cell: {cells:?}"
        );
    }
    let by = |name: &str| &records.iter().find(|(f, _)| f == name).unwrap().1;
    assert_eq!(warnings(by("behind_schedule"), "behind_schedule").len(), 2);
    assert_eq!(
        by("behind_schedule")["warnings"][0]["cell"],
        "I7",
        "the rate's cell"
    );
    assert_eq!(by("expected_exceeds_budget")["warnings"][0]["cell"], "J7");
    assert!(
        warnings(by("at_risk_without_reason"), "at_risk_without_reason")[0]
            .contains("新增绿化面积")
    );
    let risk = warnings(by("ticked"), "at_risk_without_reason");
    assert!(
        risk[0].contains("农村生活污水治理行政村数") && risk[0].contains("完全不可能"),
        "{risk:?}"
    );
    assert_eq!(by("ticked")["indicators"][0]["likelihood"], "完全不可能");
    // 监控明细 marks the project behind schedule, and 监控汇总 counts it.
    let sheets = workbook_sheets(&dir.path().join("checks-out/summary.xlsx"));
    let details = &sheets["监控明细"];
    let column = details[0]
        .iter()
        .position(|h| h == "落后于序时进度")
        .unwrap();
    let marked: Vec<&str> = details[1..]
        .iter()
        .filter(|r| r[column] == "是")
        .map(|r| r[16].as_str())
        .collect();
    assert_eq!(marked.len(), 1);
    assert!(marked[0].ends_with("behind_schedule.xlsx"), "{marked:?}");
    let summary = &sheets["监控汇总"];
    let total = summary.iter().find(|r| r[0] == "合计").unwrap();
    assert_eq!(total[6], "1", "one project behind schedule: {total:?}");
    // The marked row is coloured by conditional formatting on that column, over every data row.
    let file = std::fs::File::open(dir.path().join("checks-out/summary.xlsx")).unwrap();
    let mut archive = zip::ZipArchive::new(file).unwrap();
    let mut rules = Vec::new();
    for index in 0..archive.len() {
        let mut part = archive.by_index(index).unwrap();
        if part.name().unwrap().starts_with("xl/worksheets/sheet") {
            let mut xml = String::new();
            std::io::Read::read_to_string(&mut part, &mut xml).unwrap();
            if let Some(at) = xml.find("<conditionalFormatting") {
                rules.push(
                    xml[at..]
                        .split("</conditionalFormatting>")
                        .next()
                        .unwrap()
                        .to_owned(),
                );
            }
        }
    }
    assert_eq!(rules.len(), 1, "{rules:?}");
    assert!(
        rules[0].contains(r#"sqref="A2:U6""#)
            && rules[0].contains(r#"<formula>$L2="是"</formula>"#),
        "{}",
        rules[0]
    );
}

#[test]
fn the_forms_saved_by_libreoffice_as_xls_and_ods_read_the_same() {
    let dir = tempfile::tempdir().unwrap();
    convert(&fixture(CORPUS), &dir.path().join("xlsx"));
    convert(
        &fixture("field-corpus-3/monitoring-variants"),
        &dir.path().join("other"),
    );
    let originals = lines(&dir.path().join("xlsx/monitoring.jsonl"));
    let others = lines(&dir.path().join("other/monitoring.jsonl"));
    assert_eq!(others.len(), 2 * originals.len());
    let stem = |r: &Value| {
        Path::new(r["source"]["file"].as_str().unwrap())
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .into_owned()
    };
    let mut m = Mismatches::default();
    for other in &others {
        let original = originals
            .iter()
            .find(|o| stem(o) == stem(other) && o["project_name"] == other["project_name"])
            .unwrap();
        let mut want = content(original);
        // Linked in the corpus (its targets are there), not here.
        want["monitoring"]
            .as_object_mut()
            .unwrap()
            .remove("comparison");
        m.check(
            other["source"]["file"].as_str().unwrap(),
            "record",
            &want,
            &content(other),
        );
    }
    m.assert_none();
}
