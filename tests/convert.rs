//! `jixiao convert` end to end: the five outputs, the summary workbook read back with calamine and
//! checked against the models, the manifest accounting for every file, CSV encodings and units,
//! formula injection made inert, byte-identical outputs, and the exit codes.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use calamine::{Data, Reader, Xlsx, open_workbook};
use jixiao::model::Project;
use jixiao::write::form::{FormStyle, write_form};
use rust_decimal::Decimal;
use rust_xlsxwriter::Workbook;
use serde_json::Value;

use crate::harness::{fixture, jixiao, repo, seed_forms};

const OUTPUTS: [&str; 6] = [
    "summary.xlsx",
    "projects.csv",
    "indicators.csv",
    "projects.jsonl",
    "manifest.csv",
    "review.csv",
];

fn convert(inputs: &[&Path], out: &Path, extra: &[&str]) -> crate::harness::Run {
    let mut args: Vec<&OsStr> = vec![OsStr::new("convert"), OsStr::new("-o"), out.as_os_str()];
    args.extend(extra.iter().map(OsStr::new));
    args.extend(inputs.iter().map(|p| p.as_os_str()));
    jixiao(args)
}

fn projects(out: &Path) -> Vec<Project> {
    std::fs::read_to_string(out.join("projects.jsonl"))
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn sheet(path: &Path, name: &str) -> calamine::Range<Data> {
    let mut workbook: Xlsx<_> = open_workbook(path).unwrap();
    workbook.worksheet_range(name).unwrap()
}

fn cell_decimal(data: &Data) -> Decimal {
    match data {
        Data::Float(f) => Decimal::from_str(&format!("{f:.6}")).unwrap().normalize(),
        Data::Int(i) => Decimal::from(*i),
        other => panic!("not a number: {other:?}"),
    }
}

fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    let bytes = std::fs::read(path).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

/// The 汇总 sheet as department → (count, [six sums]), from the cached formula values.
fn summary_rows(path: &Path) -> BTreeMap<String, (Decimal, Vec<Decimal>)> {
    let range = sheet(path, "汇总");
    let mut rows = BTreeMap::new();
    for row in range.rows().skip(1) {
        let Some(Data::String(name)) = row.first() else {
            break;
        };
        if name.is_empty() || name == "合计" {
            break;
        }
        let sums = row[2..8].iter().map(cell_decimal).collect();
        rows.insert(name.clone(), (cell_decimal(&row[1]), sums));
    }
    rows
}

#[test]
fn samples_convert_to_six_outputs_whose_totals_match_the_models() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let run = convert(&[&repo("samples")], &out, &[]).expect_code(0);
    assert!(
        run.stderr.contains("转换 3 个（9 张表）"),
        "{}",
        run.describe()
    );
    for name in OUTPUTS {
        assert!(out.join(name).is_file(), "{name} missing");
    }
    let mut left: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    let mut expected: Vec<&str> = OUTPUTS.to_vec();
    expected.push(".jixiao-output");
    expected.sort();
    assert_eq!(
        left, expected,
        "the six outputs and the folder's marker, no temporary files"
    );

    let models = projects(&out);
    assert_eq!(models.len(), 9);
    let mut expected: BTreeMap<String, (Decimal, Vec<Decimal>)> = BTreeMap::new();
    for p in &models {
        let name = if p.department.is_empty() {
            "（未填写主管部门）".to_owned()
        } else {
            p.department.clone()
        };
        let entry = expected
            .entry(name)
            .or_insert((Decimal::ZERO, vec![Decimal::ZERO; 6]));
        entry.0 += Decimal::ONE;
        let f = &p.funds;
        for (sum, value) in entry.1.iter_mut().zip([
            f.total,
            f.fiscal,
            f.other,
            f.annual_total,
            f.appropriation,
            f.carryover,
        ]) {
            *sum += value.unwrap_or_default();
        }
    }
    let summary = out.join("summary.xlsx");
    assert_eq!(summary_rows(&summary), expected);
    assert!(
        expected.contains_key("（未填写主管部门）"),
        "the blank 主管部门 of the 2020 form is grouped, not dropped"
    );

    // 合计 row and the detail sheets.
    let range = sheet(&summary, "汇总");
    let total_row = range
        .rows()
        .find(|r| r.first() == Some(&Data::String("合计".into())))
        .unwrap();
    assert_eq!(cell_decimal(&total_row[1]), Decimal::from(9));
    assert_eq!(
        cell_decimal(&total_row[2]),
        Decimal::from_str("943.59").unwrap()
    );
    assert_eq!(sheet(&summary, "项目明细").height(), 10);
    let indicator_rows: usize = models
        .iter()
        .map(|p| p.indicators.iter().filter(|i| !i.is_placeholder()).count())
        .sum();
    assert_eq!(sheet(&summary, "绩效指标").height(), indicator_rows + 1);
    let issues = sheet(&summary, "问题清单");
    let codes: Vec<String> = issues.rows().skip(1).map(|r| r[1].to_string()).collect();
    assert_eq!(codes, ["unit_inferred", "missing_department"], "{issues:?}");

    // The manifest accounts for every file, and the CSV for every project.
    let manifest = csv_rows(&out.join("manifest.csv"));
    assert_eq!(
        manifest[0],
        ["path", "status", "templates", "forms", "message"]
    );
    assert_eq!(manifest.len(), 4);
    assert!(manifest[1..].iter().all(|r| r[1] == "converted"));
    let forms: usize = manifest[1..]
        .iter()
        .map(|r| r[3].parse::<usize>().unwrap())
        .sum();
    assert_eq!(forms, 9);
    assert_eq!(csv_rows(&out.join("projects.csv")).len(), 10);
    assert_eq!(
        csv_rows(&out.join("indicators.csv")).len(),
        indicator_rows + 1
    );
}

#[test]
fn the_field_corpus_totals_match_its_index_and_the_manifest_its_truth() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let corpus = fixture("field-corpus");
    convert(&[&corpus], &out, &[]).expect_code(0);
    let index: Value =
        serde_json::from_str(&std::fs::read_to_string(corpus.join("INDEX.json")).unwrap()).unwrap();
    let summary = summary_rows(&out.join("summary.xlsx"));
    let departments = index["departments"].as_object().unwrap();
    assert_eq!(summary.len(), departments.len());
    for (name, figures) in departments {
        let shown = if name.is_empty() {
            "（未填写主管部门）"
        } else {
            name.as_str()
        };
        let (count, sums) = &summary[shown];
        assert_eq!(
            count.to_string(),
            figures["projects"].to_string(),
            "{shown}"
        );
        assert_eq!(
            sums[0],
            Decimal::from_str(figures["total_wan"].as_str().unwrap()).unwrap(),
            "{shown}"
        );
    }
    let manifest = csv_rows(&out.join("manifest.csv"));
    for entry in index["files"].as_array().unwrap() {
        let file = entry["file"].as_str().unwrap();
        let row = manifest
            .iter()
            .find(|r| r[0].ends_with(&format!("/{file}")))
            .unwrap();
        let status = match entry["expect"].as_str().unwrap() {
            "ok" => "converted",
            "reject" => "rejected",
            _ => "skipped",
        };
        assert_eq!(row[1], status, "{file}");
        assert!(!row[4].is_empty(), "{file}: every row says why");
        if status == "converted" {
            assert_eq!(row[3], entry["forms"].to_string(), "{file}");
        }
    }
    let found = std::fs::read_dir(&corpus).unwrap().count();
    assert_eq!(
        manifest.len() - 1,
        found,
        "converted + rejected + skipped = files found"
    );
}

#[test]
fn outputs_are_byte_identical_across_runs_and_thread_counts() {
    let dir = tempfile::tempdir().unwrap();
    // Every kind: targets and self-evaluations, department-wide forms and the reconciliation,
    // flat exports, monitoring forms (all but targets written at the end of a run).
    let inputs = [
        fixture("field-corpus"),
        fixture("field-corpus-2"),
        fixture("field-corpus-3/departments"),
        fixture("field-corpus-3/flat"),
        fixture("field-corpus-3/monitoring"),
    ];
    let inputs: Vec<&Path> = inputs.iter().map(PathBuf::as_path).collect();
    let runs: Vec<PathBuf> = ["j1", "j2", "again", "j4"]
        .iter()
        .map(|n| dir.path().join(n))
        .collect();
    convert(&inputs, &runs[0], &["-j", "1"]).expect_code(0);
    convert(&inputs, &runs[1], &["-j", "2"]).expect_code(0);
    convert(&inputs, &runs[2], &["-j", "2"]).expect_code(0);
    convert(&inputs, &runs[3], &["-j", "4"]).expect_code(0);
    let mut names: Vec<String> = std::fs::read_dir(&runs[0])
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for name in
        OUTPUTS
            .iter()
            .chain(&["evaluations.jsonl", "departments.jsonl", "monitoring.jsonl"])
    {
        assert!(names.iter().any(|n| n == name), "{name} written");
    }
    for name in &names {
        let first = std::fs::read(runs[0].join(name)).unwrap();
        for other in &runs[1..] {
            assert!(
                first == std::fs::read(other.join(name)).unwrap(),
                "{name} differs in {}",
                other.display()
            );
        }
    }
}

fn write_form_file(dir: &Path, name: &str, project: &Project) -> PathBuf {
    let mut workbook = Workbook::new();
    write_form(workbook.add_worksheet(), project, &FormStyle::default()).unwrap();
    let path = dir.join(name);
    workbook.save(&path).unwrap();
    path
}

fn seed(name: &str) -> Project {
    let (_, _, _, form) = seed_forms()
        .into_iter()
        .find(|(_, _, _, f)| f["project_name"] == name)
        .unwrap();
    serde_json::from_value(form).unwrap()
}

#[test]
fn gb18030_csv_decodes_to_the_same_text_and_wan_keeps_the_forms_unit() {
    let dir = tempfile::tempdir().unwrap();
    let utf8 = dir.path().join("utf8");
    let gb = dir.path().join("gb");
    let samples = repo("samples");
    convert(&[&samples], &utf8, &["--csv-encoding", "utf-8"]).expect_code(0);
    convert(&[&samples], &gb, &["--csv-encoding", "gb18030"]).expect_code(0);
    for name in ["projects.csv", "indicators.csv", "manifest.csv"] {
        let plain = std::fs::read(utf8.join(name)).unwrap();
        let encoded = std::fs::read(gb.join(name)).unwrap();
        assert!(
            std::str::from_utf8(&encoded).is_err(),
            "{name} is really GB18030"
        );
        let (decoded, _, errors) = encoding_rs::GB18030.decode(&encoded);
        assert!(!errors, "{name}");
        assert_eq!(decoded.as_bytes(), plain.as_slice(), "{name}");
    }
    let bom = dir.path().join("bom");
    convert(&[&samples], &bom, &["--csv-unit", "wan"]).expect_code(0);
    let bytes = std::fs::read(bom.join("projects.csv")).unwrap();
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBF"),
        "utf-8-bom is the default"
    );
    let rows = csv_rows(&bom.join("projects.csv"));
    assert_eq!(rows[0][10], "项目资金总额（万元）");
    let yuan = csv_rows(&utf8.join("projects.csv"));
    assert_eq!(yuan[0][10], "项目资金总额（元）");
    let row = yuan
        .iter()
        .position(|r| r[6] == "联管大队整治经费")
        .unwrap();
    assert_eq!(
        (yuan[row][10].as_str(), rows[row][10].as_str()),
        ("1125000.00", "112.50")
    );
}

#[test]
fn a_formula_injection_probe_comes_out_inert() {
    let dir = tempfile::tempdir().unwrap();
    let mut probe = seed("城运中心指挥大厅建设");
    probe.project_name = "=HYPERLINK(\"http://evil.example\",\"点我\")".into();
    probe.implementing_unit = "@SUM(1+1)*cmd|' /C calc'!A0".into();
    probe.indicators[0].value = "+1+1".into();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    write_form_file(&input, "probe.xlsx", &probe);
    let out = dir.path().join("out");
    convert(&[&input], &out, &[]).expect_code(0);
    let rows = csv_rows(&out.join("projects.csv"));
    assert_eq!(rows[1][6], "'=HYPERLINK(\"http://evil.example\",\"点我\")");
    assert_eq!(rows[1][4], "'@SUM(1+1)*cmd|' /C calc'!A0");
    let indicators = csv_rows(&out.join("indicators.csv"));
    assert_eq!(indicators[1][9], "'+1+1");
    // Amounts stay numbers.
    assert_eq!(rows[1][10], "629600.00");
    // In the workbook the text is text: no formula anywhere in the detail sheet.
    let mut workbook: Xlsx<_> = open_workbook(out.join("summary.xlsx")).unwrap();
    let formulas = workbook.worksheet_formula("项目明细").unwrap();
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "{formulas:?}"
    );
    let detail = workbook.worksheet_range("项目明细").unwrap();
    assert_eq!(
        detail.get((1, 2)),
        Some(&Data::String(probe.project_name.clone()))
    );
}

#[test]
fn exit_codes_say_what_happened() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    std::fs::copy(
        repo("samples/残保金抚恤金专项.xlsx"),
        input.join("good.xlsx"),
    )
    .unwrap();
    std::fs::copy(
        fixture("field-corpus/损坏文件.xlsx"),
        input.join("bad.xlsx"),
    )
    .unwrap();
    let out = dir.path().join("out");
    let run = convert(&[&input], &out, &[]).expect_code(0);
    assert!(
        run.stderr.contains("bad.xlsx"),
        "the rejected file is named: {}",
        run.describe()
    );
    convert(&[&input], &out, &["--strict"]).expect_code(1);
    let quiet = convert(&[&input], &out, &["--strict", "-q"]).expect_code(1);
    assert!(quiet.stderr.is_empty(), "{}", quiet.describe());
    convert(&[&input], &out, &["--csv-unit", "jin"]).expect_code(2);
    convert(&[&input], &out, &["-j", "0"]).expect_code(2);
    // An output folder that cannot be created is an output error.
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, b"x").unwrap();
    let run = convert(&[&input], &blocker.join("out"), &[]).expect_code(2);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.describe());
}

#[test]
fn per_department_sheets_and_duplicates_are_listed() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    // The 7-sheet workbook and the single-file copy of one of its forms: a duplicate.
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    for name in [
        "吴泾镇_2023_绩效目标表.xlsx",
        "济宁高新区数字化城市管理数据采集及坐席队伍市场化运作项目.xlsx",
    ] {
        std::fs::copy(repo("samples").join(name), input.join(name)).unwrap();
    }
    write_form_file(&input, "应急救援（另报）.xlsx", &seed("应急救援"));
    let run = convert(&[&input], &out, &["--per-department"]).expect_code(0);
    assert!(
        run.stderr.contains("疑似重复项目 1 个"),
        "{}",
        run.describe()
    );
    let mut workbook: Xlsx<_> = open_workbook(out.join("summary.xlsx")).unwrap();
    let names = workbook.sheet_names();
    assert_eq!(
        names,
        [
            "汇总",
            "项目明细",
            "绩效指标",
            "问题清单",
            "审核",
            "吴泾镇人民政府",
            "（未填写主管部门）"
        ]
    );
    let per = workbook.worksheet_range("吴泾镇人民政府").unwrap();
    assert_eq!(per.height(), 9, "8 projects and the header");
    let issues = workbook.worksheet_range("问题清单").unwrap();
    let duplicate = issues
        .rows()
        .find(|r| r[1] == Data::String("duplicate_project".into()))
        .unwrap();
    assert!(
        duplicate[2].to_string().ends_with("应急救援（另报）.xlsx"),
        "{duplicate:?}"
    );
}

#[test]
fn a_folder_holding_other_files_is_not_clobbered_and_the_output_is_never_read_as_input() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    std::fs::copy(
        repo("samples/残保金抚恤金专项.xlsx"),
        input.join("残保金.xlsx"),
    )
    .unwrap();
    // A folder of the user's own files, one of them named like an output.
    let theirs = dir.path().join("theirs");
    std::fs::create_dir(&theirs).unwrap();
    std::fs::write(theirs.join("summary.xlsx"), b"the user's own summary").unwrap();
    let run = convert(&[&input], &theirs, &[]).expect_code(2);
    assert!(run.stderr.contains("--force"), "{}", run.describe());
    assert_eq!(
        std::fs::read(theirs.join("summary.xlsx")).unwrap(),
        b"the user's own summary"
    );
    convert(&[&input], &theirs, &["--force"]).expect_code(0);
    assert!(
        std::fs::read(theirs.join("summary.xlsx"))
            .unwrap()
            .starts_with(b"PK")
    );

    // Output inside the input folder: run twice; the outputs are never read back as forms.
    let inside = input.join("结果");
    convert(&[&input], &inside, &[]).expect_code(0);
    convert(&[&input], &inside, &[]).expect_code(0);
    let manifest = csv_rows(&inside.join("manifest.csv"));
    assert_eq!(manifest.len(), 3, "{manifest:?}");
    let skipped = manifest.iter().find(|r| r[0].ends_with("结果")).unwrap();
    assert_eq!(skipped[1], "skipped");
    assert!(skipped[4].contains("输出目录"));
    assert_eq!(projects(&inside).len(), 1);
}
