//! Flat exports of the budget system (copied from `../shared/field-corpus-3/flat`): every file
//! yields exactly its truth — one record per project, codes, blocks, directions, amounts taken once,
//! self-evaluations with actual values and scores — and variants made here give the same records:
//! columns reordered and renamed, amounts in 元, 计算符号 as the system's codes or full-width glyphs,
//! no code column, the exports saved by LibreOffice as .xls and .ods, and 10,000 rows.

use std::ffi::OsStr;
use std::path::Path;
use std::str::FromStr;

use calamine::Data;
use rust_decimal::Decimal;
use rust_xlsxwriter::Workbook;
use serde_json::{Value, json};

use crate::harness::{Mismatches, fixture, jixiao};
use crate::sheet_copy::SheetCopy;

const TARGETS: &str = "成都市_2025年部门预算项目绩效目标导出";
const EVALUATIONS: &str = "成都市_2024年度项目支出绩效自评指标导出";

/// The records `convert` writes for a folder (targets, then self-evaluations).
fn convert(input: &Path, out: &Path) -> Vec<Value> {
    jixiao([
        OsStr::new("convert"),
        input.as_os_str(),
        OsStr::new("-o"),
        out.as_os_str(),
    ])
    .expect_code(0);
    ["projects.jsonl", "evaluations.jsonl"]
        .iter()
        .filter_map(|name| std::fs::read_to_string(out.join(name)).ok())
        .flat_map(|text| {
            text.lines()
                .map(|l| serde_json::from_str::<Value>(l).unwrap())
                .collect::<Vec<_>>()
        })
        .collect()
}

fn decimal(value: &Value) -> Option<Decimal> {
    value.as_str().and_then(|s| Decimal::from_str(s).ok())
}

/// What a record says, in the truth files' terms: identity, funds, indicators.
fn view(record: &Value) -> Value {
    let funds = &record["funds"];
    let amount = |key: &str| decimal(&funds[key]).map(|d| d.normalize().to_string());
    let indicators: Vec<Value> = record["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            json!({
                "block": i["block"],
                "level1": i["level1"], "level2": i["level2"], "level3": i["level3"],
                "value": i["value"], "unit": i.get("unit"), "direction": i.get("direction"),
                "actual": i.get("actual"),
                "weight": decimal(&i["weight"]).map(|d| d.normalize().to_string()),
                "score": decimal(&i["score"]).map(|d| d.normalize().to_string()),
                "deviation": i.get("deviation").and_then(Value::as_str).unwrap_or(""),
            })
        })
        .collect();
    json!({
        "kind": record["kind"], "year": record["year"],
        "project_name": record["project_name"], "project_code": record["project_code"],
        "department": record["department"], "department_code": record.get("department_code"),
        "implementing_unit": record["implementing_unit"],
        "funds": {
            "total": amount("total"), "fiscal": amount("fiscal"), "other": amount("other"),
            "annual_total": amount("annual_total"), "appropriation": amount("appropriation"),
            "annual_other": amount("annual_other"), "carryover": amount("carryover"),
        },
        "indicators": indicators,
    })
}

#[test]
fn every_flat_export_yields_exactly_its_truth() {
    let dir = tempfile::tempdir().unwrap();
    let records = convert(&fixture("field-corpus-3/flat"), dir.path());
    let mut m = Mismatches::default();
    let mut expected = 0;
    for stem in [TARGETS, EVALUATIONS] {
        let path = fixture(&format!("field-corpus-3/flat/{stem}.truth.json"));
        let truth: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        for form in truth["forms"].as_array().unwrap() {
            expected += 1;
            let name = form["project_name"].as_str().unwrap();
            let Some(record) = records.iter().find(|r| r["project_name"] == name) else {
                m.note(format!("{stem}: {name} not read"));
                continue;
            };
            let place = format!("{stem}: {name}");
            let kind = form.get("kind").cloned().unwrap_or(json!("target"));
            m.check(&place, "kind", &kind, &record["kind"]);
            for key in [
                "template",
                "year",
                "project_code",
                "department",
                "department_code",
                "implementing_unit",
            ] {
                m.check(&place, key, &form[key], &record[key]);
            }
            m.check(
                &place,
                "source.sheet",
                &form["sheet"],
                &record["source"]["sheet"],
            );
            for key in ["person", "phone", "filed"] {
                m.check(&place, key, &Value::Null, &record["contact"][key]);
            }
            for (key, want) in form["funds_wan"].as_object().into_iter().flatten() {
                let got = decimal(&record["funds"][key]);
                if got != decimal(want) {
                    m.note(format!("{place}: funds.{key} = {got:?}, want {want}"));
                }
            }
            let ours = record["indicators"].as_array().unwrap();
            let theirs = form["indicators"].as_array().unwrap();
            if ours.len() != theirs.len() {
                m.note(format!(
                    "{place}: {} indicators, want {}",
                    ours.len(),
                    theirs.len()
                ));
            }
            for (i, (got, want)) in ours.iter().zip(theirs).enumerate() {
                for (key, want) in want.as_object().unwrap() {
                    let got = &got[key];
                    let same = match (decimal(want), decimal(got)) {
                        (Some(a), Some(b)) if key == "weight" || key == "score" => a == b,
                        _ => got == want || (want == "" && got.is_null()),
                    };
                    if !same {
                        m.note(format!("{place}: indicator {i}.{key} = {got}, want {want}"));
                    }
                }
            }
        }
    }
    assert_eq!(
        records.len(),
        expected,
        "one record per project, nothing more"
    );
    m.assert_none();
}

/// The corpus export's sheet, to vary.
fn export(stem: &str) -> SheetCopy {
    SheetCopy::load(&fixture(&format!("field-corpus-3/flat/{stem}.xlsx")))
}

fn text(data: &Data) -> String {
    match data {
        Data::String(s) => s.clone(),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        other => format!("{other:?}"),
    }
}

/// The export's header row and the column of a header.
fn header(copy: &SheetCopy) -> (u32, Vec<(u32, String)>) {
    let row = copy
        .cells
        .iter()
        .find(|(_, _, v)| text(v) == "项目名称")
        .map(|c| c.0)
        .unwrap();
    let mut cols: Vec<(u32, String)> = copy
        .cells
        .iter()
        .filter(|c| c.0 == row)
        .map(|(_, c, v)| (*c, text(v)))
        .collect();
    cols.sort();
    (row, cols)
}

/// Writes a sheet of cells (row, col, value) as an .xlsx.
fn write(cells: &[(u32, u32, Data)], path: &Path) {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet().set_name("导出").unwrap();
    for (row, col, value) in cells {
        let col = *col as u16;
        match value {
            Data::String(s) => sheet.write_string(*row, col, s).map(|_| ()),
            Data::Float(f) => sheet.write_number(*row, col, *f).map(|_| ()),
            Data::Int(i) => sheet.write_number(*row, col, *i as f64).map(|_| ()),
            _ => Ok(()),
        }
        .unwrap();
    }
    workbook.save(path).unwrap();
}

/// A variant of an export: its columns reordered by `order` (headers by name; the rest after),
/// headers renamed, cells of a column changed.
struct Variant {
    drop: &'static [&'static str],
    rename: &'static [(&'static str, &'static str)],
    reverse_columns: bool,
    change: fn(&str, &Data) -> Data,
}

fn same(_: &str, value: &Data) -> Data {
    value.clone()
}

fn vary(copy: &SheetCopy, variant: &Variant) -> Vec<(u32, u32, Data)> {
    let (header_row, cols) = header(copy);
    let mut kept: Vec<(u32, String)> = cols
        .into_iter()
        .filter(|(_, name)| !variant.drop.contains(&name.as_str()))
        .collect();
    if variant.reverse_columns {
        kept.reverse();
    }
    let mut out = Vec::new();
    for (row, col, value) in &copy.cells {
        if *row < header_row {
            out.push((*row, *col, value.clone()));
            continue;
        }
        let Some(new_col) = kept.iter().position(|(c, _)| c == col) else {
            continue;
        };
        let name = &kept[new_col].1;
        let value = if *row == header_row {
            let renamed = variant
                .rename
                .iter()
                .find(|(from, _)| from == name)
                .map_or(name.clone(), |(_, to)| (*to).to_owned());
            Data::String(renamed)
        } else {
            (variant.change)(name, value)
        };
        out.push((*row, new_col as u32, value));
    }
    out
}

fn in_yuan(column: &str, value: &Data) -> Data {
    let amount = column.contains("资金");
    match value {
        Data::Float(f) if amount => Data::Float(f * 10_000.0),
        Data::Int(i) if amount => Data::Int(i * 10_000),
        other => other.clone(),
    }
}

fn as_codes(column: &str, value: &Data) -> Data {
    if column != "计算符号" {
        return value.clone();
    }
    let code = match text(value).as_str() {
        "≥" => "1",
        ">" => "2",
        "=" => "3",
        "<" => "4",
        "≤" => "5",
        "定性" => "6",
        other => return Data::String(other.into()),
    };
    Data::Float(code.parse().unwrap())
}

fn full_width(column: &str, value: &Data) -> Data {
    if column != "计算符号" {
        return value.clone();
    }
    let glyph = match text(value).as_str() {
        ">" => "＞",
        "=" => "＝",
        "<" => "＜",
        "≥" => ">=",
        "≤" => "<=",
        other => return Data::String(other.into()),
    };
    Data::String(glyph.into())
}

#[test]
fn reordered_renamed_coded_and_uncoded_exports_give_the_same_records() {
    let dir = tempfile::tempdir().unwrap();
    let original = convert(
        &fixture("field-corpus-3/flat"),
        &dir.path().join("original"),
    );
    let by_name = |records: &[Value], name: &Value| {
        records
            .iter()
            .find(|r| r["project_name"] == *name)
            .map(view)
            .unwrap_or(Value::Null)
    };
    let variants = [
        (
            "改名换序且以元计",
            Variant {
                drop: &[],
                rename: &[
                    ("部门名称", "主管部门"),
                    ("单位名称", "实施单位"),
                    ("三级指标", "指标名称"),
                    ("三级指标名称", "指标名称"),
                    ("计算符号", "运算符号"),
                    ("资金总额（万元）", "预算金额（元）"),
                    ("其中：财政资金（万元）", "财政资金（元）"),
                    ("其他资金（万元）", "其他资金（元）"),
                    ("指标得分", "得分"),
                ],
                reverse_columns: true,
                change: in_yuan,
            },
        ),
        (
            "计算符号为代码",
            Variant {
                drop: &[],
                rename: &[],
                reverse_columns: false,
                change: as_codes,
            },
        ),
        (
            "计算符号为全角",
            Variant {
                drop: &[],
                rename: &[],
                reverse_columns: false,
                change: full_width,
            },
        ),
        (
            "没有项目编码列",
            Variant {
                drop: &["项目编码"],
                rename: &[],
                reverse_columns: false,
                change: same,
            },
        ),
    ];
    let mut m = Mismatches::default();
    for (name, variant) in &variants {
        let input = dir.path().join(name);
        std::fs::create_dir_all(&input).unwrap();
        for stem in [TARGETS, EVALUATIONS] {
            let cells = vary(&export(stem), variant);
            write(&cells, &input.join(format!("{stem}.xlsx")));
        }
        let records = convert(&input, &dir.path().join(format!("{name}-out")));
        assert_eq!(records.len(), original.len(), "{name}");
        for record in &original {
            let mut want = view(record);
            if variant.drop.contains(&"项目编码") {
                want["project_code"] = Value::Null;
            }
            let got = by_name(&records, &record["project_name"]);
            m.check(name, &record["project_name"].to_string(), &want, &got);
        }
    }
    // The exports as LibreOffice saves them (.xls and .ods).
    let records = convert(
        &fixture("field-corpus-3/flat-variants"),
        &dir.path().join("saved"),
    );
    assert_eq!(records.len(), 2 * original.len());
    for record in &records {
        let file = record["source"]["file"].as_str().unwrap();
        let want = by_name(&original, &record["project_name"]);
        m.check(
            file,
            &record["project_name"].to_string(),
            &want,
            &view(record),
        );
    }
    m.assert_none();
}

#[test]
fn ten_thousand_rows_are_one_thousand_projects() {
    let dir = tempfile::tempdir().unwrap();
    let mut cells = Vec::new();
    let headers = [
        "预算年度",
        "项目编码",
        "项目名称",
        "部门名称",
        "单位名称",
        "资金总额（万元）",
        "一级指标",
        "二级指标",
        "三级指标",
        "计算符号",
        "指标值",
        "计量单位",
    ];
    for (col, h) in headers.iter().enumerate() {
        cells.push((0, col as u32, Data::String((*h).into())));
    }
    let mut total = Decimal::ZERO;
    for project in 0..1_000u32 {
        let amount = Decimal::new(i64::from(project) * 137 + 5, 2);
        total += amount;
        for indicator in 0..10u32 {
            let row = 1 + project * 10 + indicator;
            let values = [
                Data::Int(2025),
                Data::String(format!("51010025T{project:012}")),
                Data::String(format!("第{project}号项目")),
                Data::String(format!("{}-第{}部门", 300 + project % 7, project % 7)),
                Data::String("某某中心".into()),
                Data::Float(amount.to_string().parse().unwrap()),
                Data::String("产出指标".into()),
                Data::String("数量指标".into()),
                Data::String(format!("指标{indicator}")),
                Data::String("≥".into()),
                Data::Int(i64::from(indicator) + 1),
                Data::String("个".into()),
            ];
            for (col, value) in values.into_iter().enumerate() {
                cells.push((row, col as u32, value));
            }
        }
    }
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    write(&cells, &input.join("大导出.xlsx"));
    let records = convert(&input, &dir.path().join("out"));
    assert_eq!(records.len(), 1_000);
    assert!(
        records
            .iter()
            .all(|r| r["indicators"].as_array().unwrap().len() == 10)
    );
    let sum: Decimal = records
        .iter()
        .filter_map(|r| decimal(&r["funds"]["total"]))
        .sum();
    assert_eq!(sum, total);
    assert_eq!(records[9]["department_code"], "302");
    assert_eq!(records[9]["project_code"], "51010025T000000000009");
}

/// A flat export's cells: the header, then `rows` (project number, indicator number) in order.
fn export_cells(rows: &[(u32, u32)]) -> Vec<(u32, u32, Data)> {
    let headers = [
        "预算年度",
        "项目编码",
        "项目名称",
        "部门名称",
        "资金总额（万元）",
        "三级指标",
        "指标值",
    ];
    let mut cells: Vec<(u32, u32, Data)> = headers
        .iter()
        .enumerate()
        .map(|(col, h)| (0, col as u32, Data::String((*h).into())))
        .collect();
    for (i, (project, indicator)) in rows.iter().enumerate() {
        let values = [
            Data::Int(2025),
            Data::String(format!("51010025T{project:012}")),
            Data::String(format!("第{project}号项目")),
            Data::String(format!("第{}部门", project % 5)),
            Data::Float(f64::from(*project) + 0.5),
            Data::String(format!("指标{indicator}")),
            Data::Int(i64::from(*indicator) + 1),
        ];
        for (col, value) in values.into_iter().enumerate() {
            cells.push((i as u32 + 1, col as u32, value));
        }
    }
    cells
}

/// Every output file of a folder, by name.
fn outputs(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect();
    files.sort();
    files
}

#[test]
fn a_long_export_is_handed_over_in_parts_and_reads_as_if_whole() {
    // 300 projects of 3 rows; project 7 has two more rows at the very end of the sheet, so it is
    // complete only at the last row while the projects after it are done long before.
    let mut rows: Vec<(u32, u32)> = (0..300u32)
        .flat_map(|p| (0..3u32).map(move |i| (p, i)))
        .collect();
    rows.extend([(7, 3), (7, 4)]);
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    write(&export_cells(&rows), &input.join("b导出.xlsx"));
    // A file before and after it, so that parts meet other files' results in the batch order.
    let sample = fixture("field-corpus/应急救援.xlsx");
    std::fs::copy(&sample, input.join("a表.xlsx")).unwrap();
    std::fs::copy(&sample, input.join("c表.xlsx")).unwrap();

    // Read whole, through the library: the projects in the order of their first rows.
    let bytes = std::fs::read(input.join("b导出.xlsx")).unwrap();
    let whole = jixiao::read::read_workbook(
        &bytes,
        "b导出.xlsx",
        &jixiao::template::TemplateSet::builtin(),
        &jixiao::read::Limits::default(),
    )
    .unwrap();
    let codes: Vec<String> = whole
        .projects()
        .map(|p| p.project_code.clone().unwrap_or_default())
        .collect();
    let expected: Vec<String> = (0..300u32).map(|p| format!("51010025T{p:012}")).collect();
    assert_eq!(codes, expected);
    assert_eq!(whole.handed, 0);

    let mut runs = Vec::new();
    for jobs in ["1", "4"] {
        let out = dir.path().join(format!("out{jobs}"));
        let store = dir.path().join(format!("store{jobs}.sqlite"));
        jixiao([
            OsStr::new("convert"),
            input.as_os_str(),
            OsStr::new("-o"),
            out.as_os_str(),
            OsStr::new("-j"),
            OsStr::new(jobs),
            OsStr::new("--store"),
            store.as_os_str(),
        ])
        .expect_code(0);
        runs.push((outputs(&out), store));
    }
    assert!(
        runs[0].0 == runs[1].0,
        "-j 1 and -j 4 wrote different outputs"
    );
    let (files, store) = &runs[0];
    let text = |name: &str| {
        let (_, bytes) = files.iter().find(|(n, _)| n == name).unwrap();
        String::from_utf8_lossy(bytes).into_owned()
    };
    let records: Vec<Value> = text("projects.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // The sample form, the export's 300 projects in first-row order, the sample again.
    assert_eq!(records.len(), 302);
    let flat: Vec<&Value> = records[1..301].iter().collect();
    for (i, record) in flat.iter().enumerate() {
        assert_eq!(record["project_code"], expected[i]);
        let indicators = record["indicators"].as_array().unwrap().len();
        assert_eq!(indicators, if i == 7 { 5 } else { 3 }, "project {i}");
    }
    let file = |r: &Value| r["source"]["file"].as_str().unwrap().to_owned();
    assert!(file(&records[0]).ends_with("a表.xlsx") && file(&records[301]).ends_with("c表.xlsx"));
    let manifest = text("manifest.csv");
    let line = manifest.lines().find(|l| l.contains("b导出")).unwrap();
    assert!(
        line.contains(",converted,") && line.contains(",300,读取 300 张表"),
        "{line}"
    );
    assert_eq!(manifest.lines().count(), 4);
    // The store has the file once, with all its forms.
    let conn = rusqlite::Connection::open(store).unwrap();
    let (status, forms, message): (String, i64, String) = conn
        .query_row(
            "SELECT status, forms, message FROM files WHERE name LIKE '%b导出%'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(
        (status.as_str(), forms, message.as_str()),
        ("converted", 300, "读取 300 张表")
    );
    let stored: i64 = conn
        .query_row(
            "SELECT count(*) FROM records r JOIN files f ON r.file_id = f.id WHERE f.name LIKE '%b导出%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, 300);
}

#[test]
fn an_export_that_fails_after_parts_were_handed_over_keeps_them_and_says_so() {
    // 70 projects of 2 rows, then one with more indicator rows than a project may have.
    let mut rows: Vec<(u32, u32)> = (0..70u32)
        .flat_map(|p| (0..2u32).map(move |i| (p, i)))
        .collect();
    rows.extend((0..10_001u32).map(|i| (70, i)));
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    write(&export_cells(&rows), &input.join("导出.xlsx"));
    let out = dir.path().join("out");
    // The first 64 projects were handed over before the error; they stay, counted once.
    assert_eq!(convert(&input, &out).len(), 64);
    let manifest = std::fs::read_to_string(out.join("manifest.csv")).unwrap();
    let line = manifest.lines().nth(1).unwrap();
    assert!(
        line.contains(",converted,") && line.contains(",64,"),
        "{line}"
    );
    assert!(
        line.contains("读取 64 张表") && line.contains("其余内容未读取"),
        "{line}"
    );
    assert!(line.contains("10000 行"), "{line}");
}
