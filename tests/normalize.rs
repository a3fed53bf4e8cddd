//! The normalizer end to end: its warnings fire on crafted forms and, in the field corpus, only
//! where the truth says so; `normalize --unmapped` lists what the dictionary lacks and a user's
//! dictionary file maps it.

use std::ffi::OsStr;
use std::path::Path;

use jixiao::model::{Date, Project};
use jixiao::write::form::{FormStyle, write_form};
use rust_xlsxwriter::Workbook;
use serde_json::Value;

use crate::harness::{fixture, jixiao, seed_forms};

fn normalize(args: &[&OsStr]) -> Value {
    let mut all = vec![OsStr::new("normalize")];
    all.extend_from_slice(args);
    let run = jixiao(all);
    assert_ne!(run.code, Some(2), "{}", run.describe());
    run.json()
}

fn warning_codes(form: &Value) -> Vec<String> {
    form["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn in_the_field_corpus_warnings_fire_only_where_the_truth_says_so() {
    let report = normalize(&[fixture("field-corpus").as_os_str()]);
    let mut checked = 0;
    for entry in report.as_array().unwrap() {
        let name = entry["file"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_owned();
        let truth_path = fixture(&format!(
            "field-corpus/{}.truth.json",
            name.rsplit_once('.')
                .map_or(name.as_str(), |(stem, _)| stem)
        ));
        let Ok(text) = std::fs::read_to_string(&truth_path) else {
            continue;
        };
        let truth: Value = serde_json::from_str(&text).unwrap();
        for (form, expected) in entry["forms"]
            .as_array()
            .unwrap()
            .iter()
            .zip(truth["forms"].as_array().unwrap())
        {
            let mut want = Vec::new();
            // The truth leaves these forms' 主管部门 blank.
            if expected["department"] == "" {
                want.push("missing_department".to_owned());
            }
            // The truth records a satisfaction target written without its unit.
            for indicator in expected["indicators"].as_array().unwrap() {
                if indicator["value"] == "达到90以上" {
                    want.push("unit_inferred".to_owned());
                }
            }
            want.sort();
            let mut got = warning_codes(form);
            got.sort();
            assert_eq!(
                got, want,
                "{name} / {}: {:#}",
                form["project_name"], form["warnings"]
            );
            // Placeholder rows are exactly the truth's 无 rows.
            for (row, truth_row) in form["indicators"]
                .as_array()
                .unwrap()
                .iter()
                .zip(expected["indicators"].as_array().unwrap())
            {
                let placeholder = truth_row["level3"] == "无"
                    && (truth_row["value"] == "无" || truth_row["value"] == "");
                assert_eq!(
                    row["normalized"]["placeholder"], placeholder,
                    "{name}: {row:#}"
                );
                let kind = &row["normalized"]["measure"]["kind"];
                assert_eq!(kind == "none", placeholder, "{name}: {row:#}");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 18, "every corpus form was checked");
}

fn seed_project(name: &str) -> Project {
    let (_, _, _, form) = seed_forms()
        .into_iter()
        .find(|(_, _, _, f)| f["project_name"] == name)
        .unwrap();
    serde_json::from_value(form).unwrap()
}

fn write(dir: &Path, name: &str, project: &Project) -> std::path::PathBuf {
    let mut workbook = Workbook::new();
    write_form(workbook.add_worksheet(), project, &FormStyle::default()).unwrap();
    let path = dir.join(name);
    workbook.save(&path).unwrap();
    path
}

#[test]
fn each_check_fires_on_a_crafted_form() {
    let dir = tempfile::tempdir().unwrap();
    let base = seed_project("城运中心指挥大厅建设");
    let mut cases: Vec<(&str, Project, &str)> = Vec::new();
    let mut p = base.clone();
    p.funds.other = Some("10".parse().unwrap());
    cases.push(("mismatch.xlsx", p, "funds_mismatch"));
    let mut p = base.clone();
    p.funds.annual_total = Some("70".parse().unwrap());
    p.funds.appropriation = Some("70".parse().unwrap());
    cases.push(("exceeds.xlsx", p, "annual_exceeds_total"));
    let mut p = base.clone();
    p.start_date = Date::new(2023, 12, 31);
    p.end_date = Date::new(2023, 1, 1);
    cases.push(("reversed.xlsx", p, "dates_reversed"));
    let mut p = base.clone();
    p.department = String::new();
    cases.push(("no-department.xlsx", p, "missing_department"));
    let mut p = base.clone();
    p.indicators[0].level2 = "新闻宣传指标".into();
    cases.push(("unmapped.xlsx", p, "unmapped_level"));
    let mut p = base.clone();
    p.indicators[7].value = "95".into();
    cases.push(("inferred.xlsx", p, "unit_inferred"));
    for (name, project, code) in &cases {
        let path = write(dir.path(), name, project);
        let report = normalize(&[path.as_os_str()]);
        let form = &report[0]["forms"][0];
        assert_eq!(
            warning_codes(form),
            [code.to_string()],
            "{name}: {:#}",
            form["warnings"]
        );
        let warning = &form["warnings"][0];
        assert!(
            warning["cell"].is_string(),
            "{name}: the warning names its cell: {warning:#}"
        );
    }
    // And the unchanged form gives none.
    let path = write(dir.path(), "clean.xlsx", &base);
    assert_eq!(
        warning_codes(&normalize(&[path.as_os_str()])[0]["forms"][0]),
        Vec::<String>::new()
    );
}

#[test]
fn department_codes_are_split_off_and_names_grouped_clean() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = seed_project("应急救援");
    p.department = "[310112]吴泾镇人民政府".into();
    p.implementing_unit = "310112001-吴泾镇城市运行管理中心".into();
    let path = write(dir.path(), "coded.xlsx", &p);
    let form = &normalize(&[path.as_os_str()])[0]["forms"][0];
    assert_eq!(form["department"], "吴泾镇人民政府");
    assert_eq!(form["department_code"], "310112");
    assert_eq!(form["implementing_unit"], "吴泾镇城市运行管理中心");
    assert_eq!(form["implementing_unit_code"], "310112001");
}

#[test]
fn the_unmapped_report_lists_what_a_users_dictionary_then_maps() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = seed_project("城运中心指挥大厅建设");
    p.indicators[0].level2 = "新闻宣传指标".into();
    p.indicators[1].level2 = "新闻宣传指标".into();
    p.indicators[2].value = "广泛".into();
    let path = write(dir.path(), "form.xlsx", &p);
    let run = jixiao([
        OsStr::new("normalize"),
        OsStr::new("--unmapped"),
        path.as_os_str(),
    ])
    .expect_code(0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines[0], "类别,原文,次数");
    assert!(lines.contains(&"二级指标,新闻宣传指标,2"), "{}", run.stdout);
    assert!(lines.contains(&"指标值,广泛,1"), "{}", run.stdout);

    let templates = dir.path().join("templates");
    std::fs::create_dir(&templates).unwrap();
    std::fs::write(
        templates.join("normalize.toml"),
        "kind = \"dictionary\"\n[level2]\n\"数量指标\" = [\"新闻宣传指标\"]\n[values.directions]\nachieve = [\"广泛\"]\n",
    )
    .unwrap();
    let run = jixiao([
        OsStr::new("normalize"),
        OsStr::new("--unmapped"),
        OsStr::new("--templates"),
        templates.as_os_str(),
        path.as_os_str(),
    ])
    .expect_code(0);
    assert!(!run.stdout.contains("新闻宣传指标"), "{}", run.stdout);
    assert!(!run.stdout.contains("广泛"), "{}", run.stdout);
    let report = normalize(&[
        OsStr::new("--templates"),
        templates.as_os_str(),
        path.as_os_str(),
    ]);
    let indicator = &report[0]["forms"][0]["indicators"][0];
    assert_eq!(indicator["normalized"]["level2"], "数量指标");
    assert_eq!(
        indicator["level2"], "新闻宣传指标",
        "the wording as written stays"
    );
}
