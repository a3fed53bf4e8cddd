//! `jixiao forms` end to end: projects.jsonl from `convert` back out as forms that read as the same
//! projects; fields a layout cannot hold reported; next year's forms; blank forms that, filled in
//! by a script, read back with no warning; names Excel and file systems accept.

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::path::Path;

use jixiao::model::Project;
use jixiao::write::form::{FormStyle, InputKind, Layout, write_layout};
use serde_json::Value;

use crate::harness::{fixture, jixiao, repo};

fn projects_jsonl(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// What must survive: the model without where things are (and without the review and warnings,
/// which a new reading gives afresh).
fn model(value: &Value) -> Value {
    let mut project: Project = serde_json::from_value(value.clone()).unwrap();
    project.source = Default::default();
    project.cells.clear();
    project.warnings.clear();
    project.review = None;
    project.template.clear();
    for i in &mut project.indicators {
        i.cell.clear();
        i.value_cell.clear();
    }
    serde_json::to_value(project).unwrap()
}

#[test]
fn projects_jsonl_goes_out_as_forms_that_read_as_the_same_projects() {
    let dir = tempfile::tempdir().unwrap();
    let converted = dir.path().join("converted");
    jixiao([
        OsStr::new("convert"),
        repo("samples").as_os_str(),
        fixture("field-corpus-2").as_os_str(),
        OsStr::new("-o"),
        converted.as_os_str(),
    ])
    .expect_code(0);
    let jsonl = converted.join("projects.jsonl");
    let forms = dir.path().join("forms");
    let run = jixiao([
        OsStr::new("forms"),
        jsonl.as_os_str(),
        OsStr::new("-o"),
        forms.as_os_str(),
    ])
    .expect_code(0);
    assert!(
        run.stderr.contains("写出 16 张表（9 个文件）"),
        "{}",
        run.describe()
    );
    let again = dir.path().join("again");
    jixiao([
        OsStr::new("convert"),
        forms.as_os_str(),
        OsStr::new("-o"),
        again.as_os_str(),
    ])
    .expect_code(0);
    let mut before: Vec<Value> = projects_jsonl(&jsonl).iter().map(model).collect();
    let mut after: Vec<Value> = projects_jsonl(&again.join("projects.jsonl"))
        .iter()
        .map(model)
        .collect();
    let key = |v: &Value| format!("{}{}", v["department"], v["project_name"]);
    before.sort_by_key(key);
    after.sort_by_key(key);
    assert_eq!(before.len(), after.len());
    for (a, b) in before.iter().zip(&after) {
        assert_eq!(a, b, "{}", a["project_name"]);
    }
}

/// A 主管部门 sending all its forms in one workbook is ordinary: 150 projects written as one
/// workbook (its shared strings used by far more cells than there are strings, as Excel writes
/// them too) read back project for project.
#[test]
fn a_department_of_150_projects_goes_out_as_one_workbook_and_reads_back_whole() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = crate::forms::rng::Rng(0x5eed_1500);
    let mut jsonl = String::new();
    for serial in 0..150 {
        let mut project = crate::forms::generated(&mut rng, serial);
        project.department = "某某市测试局".into();
        project.department_code = Some("301001".into());
        // What the department's form (sh2023) holds of it.
        let mut project = Layout::Sh2023.keep(&project);
        jixiao::normalize::Normalizer::builtin().normalize(&mut project);
        jsonl.push_str(&serde_json::to_string(&project).unwrap());
        jsonl.push('\n');
    }
    let input = dir.path().join("projects.jsonl");
    std::fs::write(&input, jsonl).unwrap();
    let forms = dir.path().join("forms");
    let run = jixiao([
        OsStr::new("forms"),
        input.as_os_str(),
        OsStr::new("-o"),
        forms.as_os_str(),
    ])
    .expect_code(0);
    assert!(
        run.stderr.contains("写出 150 张表（1 个文件）"),
        "{}",
        run.describe()
    );
    let workbook = forms.join("某某市测试局.xlsx");
    let strings = crate::hostile_files::parts(&std::fs::read(&workbook).unwrap())
        .into_iter()
        .find(|(name, _)| name == "xl/sharedStrings.xml")
        .map(|(_, data)| String::from_utf8(data).unwrap())
        .unwrap();
    let attribute = |name: &str| -> u64 {
        let at = strings.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        strings[at..at + strings[at..].find('"').unwrap()]
            .parse()
            .unwrap()
    };
    assert!(
        attribute("count") > 2 * attribute("uniqueCount"),
        "{strings:.300}"
    );
    let again = dir.path().join("again");
    jixiao([
        OsStr::new("convert"),
        workbook.as_os_str(),
        OsStr::new("-o"),
        again.as_os_str(),
    ])
    .expect_code(0);
    let before: Vec<Value> = projects_jsonl(&input).iter().map(model).collect();
    let after: Vec<Value> = projects_jsonl(&again.join("projects.jsonl"))
        .iter()
        .map(model)
        .collect();
    assert_eq!(before.len(), after.len());
    for (a, b) in before.iter().zip(&after) {
        assert_eq!(a, b, "{}", a["project_name"]);
    }
}

/// A project read generically (or from a flat export) has no layout of its own: it goes out in
/// the layout that holds all it has — with long-term indicators, one with a long-term table.
#[test]
fn a_generic_project_goes_to_the_layout_that_holds_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = crate::forms::rng::Rng(0x006e_6e1c);
    let project = (0..50)
        .map(|serial| crate::forms::generated(&mut rng, serial))
        .find(|p| {
            p.indicators
                .iter()
                .any(|i| i.block == jixiao::model::Block::LongTerm)
        })
        .unwrap();
    let mut project = project;
    project.template = "generic".into();
    let input = dir.path().join("projects.jsonl");
    std::fs::write(&input, serde_json::to_string(&project).unwrap() + "\n").unwrap();
    let forms = dir.path().join("forms");
    jixiao([
        OsStr::new("forms"),
        input.as_os_str(),
        OsStr::new("-o"),
        forms.as_os_str(),
    ])
    .expect_code(0);
    let again = dir.path().join("again");
    jixiao([
        OsStr::new("convert"),
        forms.as_os_str(),
        OsStr::new("-o"),
        again.as_os_str(),
    ])
    .expect_code(0);
    let read = projects_jsonl(&again.join("projects.jsonl"));
    assert_eq!(read.len(), 1);
    assert_ne!(
        read[0]["template"], "sh2023",
        "sh2023 has no long-term table"
    );
    let long_term = |p: &Value| {
        p["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["block"] == "long_term")
            .count()
    };
    let written = serde_json::to_value(&project).unwrap();
    assert_eq!(long_term(&read[0]), long_term(&written));
}

#[test]
fn fields_a_layout_cannot_hold_are_named_and_sheet_and_file_names_are_legal() {
    let dir = tempfile::tempdir().unwrap();
    // Two projects of one name in one department, and a department name no file system takes.
    let mut a: Project = serde_json::from_str(include_str!("fixtures/forms/project.json")).unwrap();
    a.funds.carryover = Some("12.5".parse().unwrap());
    let mut b = a.clone();
    b.project_name = a.project_name.clone();
    b.department = "CON".into();
    let mut c = a.clone();
    c.department = "某局/二处:*".into();
    let jsonl = dir.path().join("p.jsonl");
    let lines: Vec<String> = [&a, &a, &b, &c]
        .iter()
        .map(|p| serde_json::to_string(p).unwrap())
        .collect();
    std::fs::write(&jsonl, lines.join("\n")).unwrap();
    let out = dir.path().join("out");
    let run = jixiao([
        OsStr::new("forms"),
        jsonl.as_os_str(),
        OsStr::new("--template"),
        OsStr::new("sd2020"),
        OsStr::new("-o"),
        out.as_os_str(),
    ])
    .expect_code(0);
    // Each project once, naming what is lost: the carryover, an annual figure apart from the
    // project's, a category the 2020 form does not offer.
    for lost in [
        "上年结转资金",
        "其中：当年财政拨款（表中只有一套资金数",
        "项目类别“经常性项目”",
    ] {
        assert_eq!(
            run.stderr.matches(lost).count(),
            4,
            "{lost}\n{}",
            run.describe()
        );
    }
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["_CON.xlsx", "某区绿化市容局.xlsx", "某局_二处__.xlsx"]
    );
    let sheets = crate::harness::workbook_sheets(&out.join("某区绿化市容局.xlsx"));
    let sheet_names: Vec<&String> = sheets.keys().collect();
    assert_eq!(sheet_names, ["城区绿地养护", "城区绿地养护 (2)"]);
}

#[test]
fn next_years_forms_carry_the_project_over_with_amounts_blank() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("next");
    jixiao([
        OsStr::new("forms"),
        repo("samples/残保金抚恤金专项.xlsx").as_os_str(),
        OsStr::new("--next-year"),
        OsStr::new("--template"),
        OsStr::new("sd2020"),
        OsStr::new("-o"),
        out.as_os_str(),
    ])
    .expect_code(0);
    let file = out.join("吴淞镇人民政府.xlsx");
    let run = jixiao([OsStr::new("normalize"), file.as_os_str()]).expect_code(0);
    let form = &run.json()[0]["forms"][0];
    assert_eq!(form["year"], 2024);
    assert_eq!(form["category"], "延续项目");
    assert_eq!(form["start_date"], "2024-01-01");
    assert!(
        form["funds"]
            .as_object()
            .unwrap()
            .values()
            .all(Value::is_null),
        "{form:#}"
    );
    assert_eq!(form["indicators"][0]["value"], "100%");
    // Last year's 指标值 is a note beside each value.
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&file).unwrap()).unwrap();
    let mut comments = String::new();
    archive
        .by_name("xl/comments1.xml")
        .unwrap()
        .read_to_string(&mut comments)
        .unwrap();
    assert!(comments.contains("2023年指标值：100%"), "{comments}");
}

/// Fills the input cells of a blank form written by `jixiao forms --blank` as a clerk would:
/// each cell's XML gets a value of its kind.
fn fill_blank(path: &Path, layout: Layout, year: i32) {
    // The same blank form, laid out again, says where its inputs are.
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let style = FormStyle {
        blank_rows: Some(12),
        ..FormStyle::default()
    };
    let blank = Project {
        template: layout.id().into(),
        year: Some(year),
        ..Project::default()
    };
    let sheet = write_layout(workbook.add_worksheet(), &blank, &style, layout).unwrap();
    let mut values: Vec<(String, String, bool)> = Vec::new(); // (cell, value, is number)
    let mut indicator_row = None;
    for input in &sheet.inputs {
        let cell = rust_xlsxwriter::utility::row_col_to_cell(input.row, input.col);
        let row_of_table = matches!(input.kind, InputKind::Level1);
        if row_of_table {
            indicator_row = Some(indicator_row.map_or(0, |n| n + 1));
        }
        // Only the first three indicator rows are filled in; the rest stay empty.
        let in_table = indicator_row.is_some();
        if in_table && indicator_row.unwrap() >= 3 {
            continue;
        }
        let hint = input.hint.as_str();
        let (value, number) = match &input.kind {
            InputKind::Amount => {
                // The totals and the fiscal line 100, every other line 0.
                let parts = ["其他", "结转", "结余", "政府性", "国有", "纳入"];
                let zero = parts.iter().any(|p| hint.contains(p));
                ((if zero { "0" } else { "100" }).to_owned(), true)
            }
            InputKind::Date => (
                (if hint.contains("开始") {
                    "45658"
                } else {
                    "46022"
                })
                .to_owned(),
                true,
            ),
            InputKind::Number => ("10".to_owned(), true),
            InputKind::Choice(options) => (options[options.len().min(2) - 1].clone(), false),
            InputKind::Level1 => ("产出指标".to_owned(), false),
            InputKind::Level2 { .. } => ("数量指标".to_owned(), false),
            InputKind::Paragraph if hint.starts_with("资金总额") => {
                ("资金总额：100 财政拨款：100 自有资金：0".to_owned(), false)
            }
            _ => (
                match hint {
                    h if h.starts_with("项目名称") => "社区助餐服务".to_owned(),
                    h if h.starts_with("主管部门") => "某区民政局".to_owned(),
                    h if h.contains("实施单位") || h.starts_with("项目单位") => {
                        "某区养老服务中心".to_owned()
                    }
                    h if h.starts_with("项目起止时间") && layout == Layout::Gx2021 => {
                        "20250101-20251231".to_owned()
                    }
                    h if h.starts_with("项目起止时间") => {
                        "2025年1月1日-2025年12月31日".to_owned()
                    }
                    h if h.contains("三级指标") => "助餐服务人次".to_owned(),
                    h if h.contains("指标值") => "≥1000人次".to_owned(),
                    "计量单位" => "人次".to_owned(),
                    "开始时间" | "完成时间" => String::new(),
                    _ => "已填写".to_owned(),
                },
                false,
            ),
        };
        if !value.is_empty() {
            values.push((cell, value, number));
        }
    }
    // Rewrite the sheet's XML with the values in.
    let file = std::fs::File::open(path).unwrap();
    let mut archive = zip::ZipArchive::new(file).unwrap();
    let mut parts: Vec<(String, Vec<u8>)> = Vec::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        parts.push((entry.name().unwrap().into_owned(), bytes));
    }
    for (name, bytes) in &mut parts {
        if name != "xl/worksheets/sheet1.xml" {
            continue;
        }
        let mut xml = String::from_utf8(bytes.clone()).unwrap();
        for (cell, value, number) in &values {
            // The cell's element, empty (<c r="B3" s="5"/>) or holding a prefilled text.
            let open = format!("<c r=\"{cell}\" s=\"");
            let start = xml
                .find(&open)
                .unwrap_or_else(|| panic!("{cell} in the sheet"));
            let style_start = start + open.len();
            let style_end = style_start + xml[style_start..].find('"').unwrap();
            let style = xml[style_start..style_end].to_owned();
            let tag_end = start + xml[start..].find('>').unwrap();
            let end = if xml[..tag_end].ends_with('/') {
                tag_end + 1
            } else {
                tag_end + xml[tag_end..].find("</c>").unwrap() + "</c>".len()
            };
            let filled = if *number {
                format!("<c r=\"{cell}\" s=\"{style}\"><v>{value}</v></c>")
            } else {
                format!("<c r=\"{cell}\" s=\"{style}\" t=\"inlineStr\"><is><t>{value}</t></is></c>")
            };
            xml.replace_range(start..end, &filled);
        }
        *bytes = xml.into_bytes();
    }
    let mut writer = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for (name, bytes) in parts {
        writer
            .start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        writer.write_all(&bytes).unwrap();
    }
    writer.finish().unwrap();
}

#[test]
fn a_blank_form_filled_in_reads_back_with_no_warning() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("blank");
    let run = jixiao([
        OsStr::new("forms"),
        OsStr::new("--blank"),
        OsStr::new("--year"),
        OsStr::new("2025"),
        OsStr::new("-o"),
        out.as_os_str(),
    ])
    .expect_code(0);
    // Every layout's, and the department-wide target form's.
    assert!(run.stderr.contains("写出 6 张空白表"), "{}", run.describe());
    for layout in Layout::ALL {
        let name = format!("空白_{}_{}.xlsx", layout.title(), layout.id());
        let path = out.join(&name);
        // Untouched, the blank form is recognised as a blank form, not a project.
        let run = jixiao([OsStr::new("inspect"), path.as_os_str()]).expect_code(1);
        assert!(
            run.stdout.contains("blank_form"),
            "{name}: {}",
            run.describe()
        );
        let filled = dir.path().join(format!("filled-{}.xlsx", layout.id()));
        std::fs::copy(&path, &filled).unwrap();
        fill_blank(&filled, layout, 2025);
        let run = jixiao([OsStr::new("normalize"), filled.as_os_str()]).expect_code(0);
        let form = &run.json()[0]["forms"][0];
        assert_eq!(form["project_name"], "社区助餐服务", "{name}");
        assert_eq!(form["year"], 2025, "{name}");
        assert_eq!(form["funds"]["total"], "100", "{name}");
        assert_eq!(form["warnings"], Value::Array(vec![]), "{name}: {form:#}");
        let indicators = form["indicators"].as_array().unwrap();
        assert!(!indicators.is_empty(), "{name}");
        assert!(
            indicators.iter().all(|i| i["level2"] == "数量指标"),
            "{name}"
        );
        // The sheet is protected and its inputs are validated.
        let mut archive = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
        let mut xml = String::new();
        archive
            .by_name("xl/worksheets/sheet1.xml")
            .unwrap()
            .read_to_string(&mut xml)
            .unwrap();
        assert!(xml.contains("<sheetProtection"), "{name}");
        assert!(xml.contains("INDIRECT("), "{name}");
        // Amounts validated as numbers (the 2020 form states its funds in one text cell).
        let decimal = xml.contains("type=\"decimal\"");
        assert_eq!(decimal, layout != Layout::Sd2020, "{name}");
    }
}
