//! Forms are found by their titles and labels, never by fixed coordinates: a form moved to C3,
//! with an inserted 计量单位 column and spaced-out labels, reads as the same model; forms stacked
//! in one sheet are split at their titles; amounts in 元 become exact 万元.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use jixiao::model::Project;
use jixiao::write::form::{FormStyle, write_form};
use rust_xlsxwriter::Workbook;
use serde_json::Value;

use crate::harness::{Mismatches, compare_model, field, jixiao, seed_forms};

fn seed(name: &str) -> (Value, Project) {
    let (_, _, _, form) = seed_forms()
        .into_iter()
        .find(|(_, _, _, f)| f["project_name"] == name)
        .unwrap_or_else(|| panic!("seed form {name}"));
    let project = serde_json::from_value(form.clone()).unwrap();
    (form, project)
}

/// Writes forms into one sheet of a new workbook, each with its style (origin included).
fn write_sheet(dir: &Path, name: &str, forms: &[(&Project, FormStyle)]) -> PathBuf {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    for (project, style) in forms {
        write_form(sheet, project, style).unwrap();
    }
    let path = dir.join(name);
    workbook.save(&path).unwrap();
    path
}

fn inspect(path: &Path) -> Value {
    let run = jixiao([OsStr::new("inspect"), path.as_os_str()]).expect_code(0);
    run.json()[0].clone()
}

#[test]
fn a_form_moved_to_c3_with_an_inserted_column_and_spaced_labels_reads_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let (expected, plain) = seed("联管大队整治经费");
    let mut with_units = plain.clone();
    for indicator in &mut with_units.indicators {
        if indicator.value.ends_with('%') {
            indicator.unit = Some("%".into());
        }
    }
    let fund_rows = serde_json::from_value(Value::from("other_in_fourth")).unwrap();
    let baseline = write_sheet(
        dir.path(),
        "a1.xlsx",
        &[(
            &plain,
            FormStyle {
                fund_rows,
                ..FormStyle::default()
            },
        )],
    );
    let moved_style = FormStyle {
        origin: (2, 2),
        unit_column: true,
        spaced_labels: true,
        fund_rows,
        ..FormStyle::default()
    };
    let moved = write_sheet(dir.path(), "c3.xlsx", &[(&with_units, moved_style)]);

    let baseline = inspect(&baseline);
    let moved = inspect(&moved);
    let mut mismatches = Mismatches::default();
    let (a, b) = (&baseline["forms"][0], &moved["forms"][0]);
    compare_model(&mut mismatches, "baseline", &expected, a);
    compare_model(&mut mismatches, "moved", &expected, b);
    mismatches.check("moved", "anchor", &"C3".into(), &b["source"]["cell"]);
    mismatches.check("baseline", "anchor", &"A1".into(), &a["source"]["cell"]);
    mismatches.check(
        "moved",
        "project name cell",
        &"D5".into(),
        &b["project_name"]["cell"],
    );
    mismatches.check(
        "moved",
        "total cell",
        &"E8".into(),
        &b["funds"]["total"]["cell"],
    );
    for (i, indicator) in b["indicators"].as_array().unwrap().iter().enumerate() {
        let value = indicator["value"].as_str().unwrap();
        let unit = if value.ends_with('%') {
            Value::from("%")
        } else {
            Value::Null
        };
        let unit_read = indicator.get("unit").cloned().unwrap_or(Value::Null);
        mismatches.check(
            "moved",
            &format!("indicator {} unit", i + 1),
            &unit,
            &unit_read,
        );
        // The inserted column shifts the value one column right of where the baseline has it.
        mismatches.check(
            "moved",
            &format!("indicator {} value column", i + 1),
            &"I".into(),
            &Value::from(
                indicator["value_cell"]
                    .as_str()
                    .unwrap()
                    .trim_end_matches(char::is_numeric),
            ),
        );
    }
    mismatches.check("moved", "warnings", &Value::Array(vec![]), &b["warnings"]);
    mismatches.assert_none();
}

#[test]
fn stacked_forms_in_one_sheet_are_split_at_their_titles() {
    let dir = tempfile::tempdir().unwrap();
    let (first_expected, first) = seed("残保金抚恤金专项");
    let (second_expected, second) = seed("应急救援");
    let (third_expected, third) = seed("济宁高新区数字化城市管理数据采集及坐席队伍市场化运作项目");
    let at = |row: u32| FormStyle {
        origin: (row, 0),
        ..FormStyle::default()
    };
    let path = write_sheet(
        dir.path(),
        "stacked.xlsx",
        &[(&first, at(0)), (&second, at(22)), (&third, at(47))],
    );
    let entry = inspect(&path);
    let forms = entry["forms"].as_array().unwrap();
    assert_eq!(forms.len(), 3, "{entry:#}");
    let mut mismatches = Mismatches::default();
    for (expected, form, anchor) in [
        (&first_expected, &forms[0], "A1"),
        (&second_expected, &forms[1], "A23"),
        (&third_expected, &forms[2], "A48"),
    ] {
        let place = field(form, "project_name").to_string();
        compare_model(&mut mismatches, &place, expected, form);
        mismatches.check(&place, "anchor", &anchor.into(), &form["source"]["cell"]);
    }
    mismatches.assert_none();
}

#[test]
fn amounts_in_yuan_become_exact_wan_whether_numbers_or_text() {
    let dir = tempfile::tempdir().unwrap();
    let (expected, project) = seed("联管大队整治经费");
    let yuan = FormStyle {
        in_yuan: true,
        ..FormStyle::default()
    };
    let yuan_text = FormStyle {
        in_yuan: true,
        amounts_as_text: true,
        ..FormStyle::default()
    };
    let wan_text = FormStyle {
        amounts_as_text: true,
        ..FormStyle::default()
    };
    let mut mismatches = Mismatches::default();
    for (name, style) in [
        ("yuan.xlsx", yuan),
        ("yuan-text.xlsx", yuan_text),
        ("wan-text.xlsx", wan_text),
    ] {
        let path = write_sheet(dir.path(), name, &[(&project, style)]);
        let entry = inspect(&path);
        let form = &entry["forms"][0];
        compare_model(&mut mismatches, name, &expected, form);
        mismatches.check(
            name,
            "total as written",
            &"112.5".into(),
            field(&form["funds"], "total"),
        );
    }
    mismatches.assert_none();
}

#[test]
fn a_value_merged_down_several_rows_belongs_to_each_row_in_every_format() {
    // One form written by openpyxl (xlsx) and converted by LibreOffice (xls, ods, and xlsx
    // again): 指标值 "≥95%" merged over D5:D7 covers three indicators.
    let files = [
        "merged-values.xlsx",
        "merged-values-libreoffice.xlsx",
        "merged-values.xls",
        "merged-values.ods",
    ];
    for name in files {
        let path = crate::harness::fixture(&format!("merged/{name}"));
        let form = &inspect(&path)["forms"][0];
        let read: Vec<(String, String, String)> = form["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                let text = |key: &str| i[key].as_str().unwrap().to_owned();
                (text("level3"), text("value"), text("value_cell"))
            })
            .collect();
        let expected = [
            ("河面保洁合格率", "≥95%", "D5"),
            ("岸坡保洁合格率", "≥95%", "D5"),
            ("设施完好率", "≥95%", "D5"),
            ("完成时间", "2024年12月底前", "D8"),
        ]
        .map(|(a, b, c)| (a.to_owned(), b.to_owned(), c.to_owned()));
        assert_eq!(read, expected, "{name}");
    }
}

#[test]
fn a_code_in_a_cell_of_its_own_is_the_department_code() {
    // The 2020 form has a 主管部门编码 cell beside 主管部门; projects.csv has a column for it.
    let dir = tempfile::tempdir().unwrap();
    let (_, mut project) = seed("济宁高新区数字化城市管理数据采集及坐席队伍市场化运作项目");
    project.department_code = Some("371001".into());
    let path = write_sheet(
        dir.path(),
        "coded.xlsx",
        &[(&project, FormStyle::default())],
    );
    let form = &inspect(&path)["forms"][0];
    assert_eq!(form["department_code"], "371001", "{form:#}");
    assert!(form["extras"].get("主管部门编码").is_none(), "{form:#}");
}
