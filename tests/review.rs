//! The review of target forms (绩效目标审核): each built-in rule fires on a form built to break it,
//! naming the cell, and stays silent on a compliant one; every sample and field-corpus form gets
//! the findings judged right below; a rule changed or added in a file under `--templates` changes
//! the result without a rebuild; `jixiao review` prints, counts and exits as documented; and
//! convert's 审核 sheet, review.csv and 汇总 counts agree.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use jixiao::model::{Date, Indicator, Project};
use jixiao::write::form::{FormStyle, write_form};
use rust_xlsxwriter::Workbook;
use serde_json::Value;

use crate::harness::{Mismatches, fixture, jixiao, repo, workbook_sheets};
use crate::sheet_copy::write_rows;

fn indicator(level1: &str, level2: &str, level3: &str, value: &str) -> Indicator {
    Indicator {
        level1: level1.into(),
        level2: level2.into(),
        level3: level3.into(),
        value: value.into(),
        ..Indicator::default()
    }
}

/// A target form no rule finds fault with.
fn compliant() -> Project {
    let mut project = Project {
        template: "sh2023".into(),
        year: Some(2024),
        project_name: "城区绿地养护".into(),
        department: "某区绿化市容局".into(),
        implementing_unit: "某区绿化养护所".into(),
        category: Some("经常性项目".into()),
        start_date: Date::new(2024, 1, 1),
        end_date: Date::new(2024, 12, 31),
        overall_goal: "建立城区绿地长效养护机制，绿地完好率保持在较高水平".into(),
        annual_goal: "完成26万平方米绿地日常养护，养护合格率达到95%以上".into(),
        indicators: vec![
            indicator("产出指标", "数量指标", "绿地养护面积", "≥26万平方米"),
            indicator("产出指标", "质量指标", "养护合格率", "≥95%"),
            indicator("产出指标", "时效指标", "年度养护完成时间", "2024年11月底前"),
            indicator("产出指标", "成本指标", "每平方米养护成本", "≤3.5元"),
            indicator(
                "效益指标",
                "社会效益指标",
                "市容环境",
                "达到省级园林城区标准",
            ),
            indicator("满意度指标", "服务对象满意度指标", "市民满意度", "≥90%"),
        ],
        ..Project::default()
    };
    for (kind, amount) in [
        ("total", 100),
        ("fiscal", 100),
        ("annual_total", 100),
        ("appropriation", 100),
    ] {
        let kind = jixiao::model::FundKind::from_name(kind).unwrap();
        project.funds.set(kind, Some(amount.into()));
    }
    project
}

fn write_project(dir: &Path, name: &str, project: &Project) -> PathBuf {
    let mut workbook = Workbook::new();
    write_form(workbook.add_worksheet(), project, &FormStyle::default()).unwrap();
    let path = dir.join(name);
    workbook.save(&path).unwrap();
    path
}

/// A reviewed form: its findings as (rule, cell), and its conclusion.
type Reviewed = (Vec<(String, String)>, String);

/// `jixiao review --format json` on paths: each form reviewed, and the exit code.
fn review(paths: &[&Path], extra: &[&OsStr]) -> (Vec<Reviewed>, i32) {
    let mut args: Vec<&OsStr> = vec![
        OsStr::new("review"),
        OsStr::new("--format"),
        OsStr::new("json"),
    ];
    args.extend(extra);
    args.extend(paths.iter().map(|p| p.as_os_str()));
    let run = jixiao(args);
    let code = run.code.unwrap_or(-1);
    let forms = run
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|form| {
            let findings = form["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| {
                    let text = |k: &str| f[k].as_str().unwrap_or("").to_owned();
                    (text("rule"), text("cell"))
                })
                .collect();
            (findings, form["conclusion"].as_str().unwrap().to_owned())
        })
        .collect();
    (forms, code)
}

#[test]
fn each_rule_fires_on_a_form_built_to_break_it_and_names_the_cell() {
    let dir = tempfile::tempdir().unwrap();
    let (forms, code) = review(&[&write_project(dir.path(), "ok.xlsx", &compliant())], &[]);
    assert_eq!(
        forms,
        vec![(vec![], "通过".to_owned())],
        "the compliant form"
    );
    assert_eq!(code, 0);

    type Break = fn(&mut Project);
    // (rule, how the form breaks it, the cell the finding names, the conclusion)
    let cases: Vec<(&str, Break, &str, &str)> = vec![
        (
            "missing_level1",
            |p| p.indicators.retain(|i| i.level1 != "满意度指标"),
            "D12",
            "退回修改",
        ),
        (
            "missing_cost_indicator",
            |p| p.indicators.retain(|i| i.level2 != "成本指标"),
            "D12",
            "退回修改",
        ),
        (
            "no_quantitative_output",
            |p| {
                p.indicators
                    .retain(|i| i.level1 != "产出指标" || i.level2 == "时效指标");
                p.indicators.push(indicator(
                    "产出指标",
                    "成本指标",
                    "养护成本",
                    "控制在预算内",
                ));
            },
            "F12",
            "退回修改",
        ),
        (
            "vague_value",
            |p| p.indicators[4].value = "有效提升".into(),
            "F16",
            "需关注",
        ),
        (
            "deadline_after_end",
            |p| p.indicators[2].value = "2025年3月底前".into(),
            "F14",
            "退回修改",
        ),
        (
            "cost_without_upper_bound",
            |p| p.indicators[3].value = "≥3.5元".into(),
            "F15",
            "需关注",
        ),
        (
            "percent_over_100",
            |p| p.indicators[1].value = "120%".into(),
            "F13",
            "退回修改",
        ),
        (
            "satisfaction_below",
            |p| p.indicators[5].value = "≥70%".into(),
            "F17",
            "需关注",
        ),
        ("blank_goal", |p| p.annual_goal.clear(), "E10", "退回修改"),
        (
            "blank_goal",
            |p| p.overall_goal = "城区绿地养护项目".into(),
            "B10",
            "退回修改",
        ),
        (
            "goal_without_indicator",
            |p| p.annual_goal = "完成26万平方米绿地和15公里行道树日常养护".into(),
            "E10",
            "需关注",
        ),
        (
            "funds_mismatch",
            |p| p.funds.fiscal = Some(80.into()),
            "C6",
            "退回修改",
        ),
        (
            "annual_exceeds_total",
            |p| {
                p.funds.annual_total = Some(150.into());
                p.funds.appropriation = Some(150.into());
            },
            "E6",
            "退回修改",
        ),
        (
            "dates_reversed",
            |p| p.end_date = Date::new(2023, 6, 30),
            "E5",
            "退回修改",
        ),
        (
            "missing_department",
            |p| p.department.clear(),
            "B4",
            "退回修改",
        ),
    ];
    let mut m = Mismatches::default();
    for (index, (rule, breaks, cell, conclusion)) in cases.iter().enumerate() {
        let mut project = compliant();
        breaks(&mut project);
        let path = write_project(dir.path(), &format!("{index}-{rule}.xlsx"), &project);
        let (forms, _) = review(&[&path], &[]);
        let (findings, got) = &forms[0];
        let place = format!("{rule} (case {index})");
        match findings.iter().find(|(r, _)| r == rule) {
            None => m.note(format!("{place}: did not fire; found {findings:?}")),
            Some((_, at)) => m.check(&place, "cell", &(*cell).into(), &at.as_str().into()),
        }
        m.check(
            &place,
            "conclusion",
            &(*conclusion).into(),
            &got.as_str().into(),
        );
    }
    // A layout no template names is read, and the review says so (for information only).
    let generic = dir.path().join("generic.xlsx");
    write_rows(
        &generic,
        &[
            &["2024年项目绩效目标表", "", ""],
            &["项目名称", "某项目", ""],
            &["主管部门", "某局", ""],
            &["资金总额", "10", ""],
        ],
        &[],
    );
    let (forms, _) = review(&[&generic], &[]);
    let rules: Vec<&str> = forms[0].0.iter().map(|(r, _)| r.as_str()).collect();
    m.check(
        "generic",
        "generic_layout",
        &true.into(),
        &rules.contains(&"generic_layout").into(),
    );
    m.assert_none();
}

#[test]
fn every_sample_and_corpus_form_gets_the_findings_judged_right() {
    // (file name, sheet) → the rule ids found, as judged by reading each form.
    let judged: BTreeMap<(&str, &str), Vec<&str>> = [
        // No cost indicator on a 2023 form (required from 2022).
        (
            ("吴泾镇_2023_绩效目标表.xlsx", "街面督查人员经费"),
            vec!["missing_cost_indicator"],
        ),
        (
            ("街面督查人员经费.xlsx", "Sheet1"),
            vec!["missing_cost_indicator"],
        ),
        (
            ("吴泾镇_2023_汇总.xlsx", "2"),
            vec!["missing_cost_indicator"],
        ),
        // 满意度指标 holds only "无"; the cost "控制在预算范围内" states no bound.
        (
            ("残保金抚恤金专项.xlsx", "Sheet1"),
            vec!["missing_level1", "cost_without_upper_bound"],
        ),
        // The 2020 form: no 满意度 indicator, 主管部门 left blank (2020 needs no cost indicator).
        (
            (
                "济宁高新区数字化城市管理数据采集及坐席队伍市场化运作项目.xlsx",
                "表6",
            ),
            vec!["missing_level1", "missing_department"],
        ),
        // The annual goal names 52 roads; no indicator counts them.
        (
            (
                "柳州市城中区住房和城乡建设局_城区市政道路日常养护_2023绩效目标申报表.xlsx",
                "绩效目标申报表",
            ),
            vec!["goal_without_indicator"],
        ),
    ]
    .into_iter()
    .collect();
    let inputs = [
        repo("samples"),
        fixture("field-corpus"),
        fixture("field-corpus-2"),
    ];
    let paths: Vec<&Path> = inputs.iter().map(PathBuf::as_path).collect();
    let mut args: Vec<&OsStr> = vec![
        OsStr::new("review"),
        OsStr::new("--format"),
        OsStr::new("json"),
    ];
    args.extend(paths.iter().map(|p| p.as_os_str()));
    let run = jixiao(args).expect_code(1);
    let mut m = Mismatches::default();
    let mut reviewed = 0;
    for form in run.json().as_array().unwrap() {
        reviewed += 1;
        let file = form["source"]["file"].as_str().unwrap();
        let name = file.rsplit(['/', '\\']).next().unwrap();
        let sheet = form["source"]["sheet"].as_str().unwrap();
        let rules: Vec<&str> = form["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap())
            .collect();
        let expected = judged.get(&(name, sheet)).cloned().unwrap_or_default();
        m.check(
            &format!("{name} / {sheet}"),
            "findings",
            &serde_json::json!(expected),
            &serde_json::json!(rules),
        );
    }
    assert_eq!(reviewed, 34, "every target form is reviewed");
    m.assert_none();
}

#[test]
fn a_rule_changed_or_added_in_a_templates_folder_changes_the_result() {
    let dir = tempfile::tempdir().unwrap();
    let mut project = compliant();
    project.indicators[4].value = "有效提升".into();
    let path = write_project(dir.path(), "vague.xlsx", &project);
    let (forms, code) = review(&[&path], &[]);
    assert_eq!(forms[0].1, "需关注");
    assert_eq!(code, 0);

    let rules = dir.path().join("rules");
    std::fs::create_dir(&rules).unwrap();
    std::fs::write(
        rules.join("本地审核规则.toml"),
        r#"kind = "review"
[conclusions]
send_back = "退回"

# Here a vague value sends the form back.
[[rules]]
id = "vague_value"
level = "error"

# And every form needs a 可持续影响指标.
[[rules]]
id = "need_sustainability"
name = "缺少可持续影响指标"
level = "warning"
check = "required_any"
levels = ["可持续影响指标"]
message = "没有可持续影响指标"
"#,
    )
    .unwrap();
    let (forms, code) = review(&[&path], &[OsStr::new("--templates"), rules.as_os_str()]);
    let found: Vec<&str> = forms[0].0.iter().map(|(r, _)| r.as_str()).collect();
    assert_eq!(found, ["vague_value", "need_sustainability"]);
    assert_eq!(forms[0].1, "退回");
    assert_eq!(code, 1, "a form sent back");
    // The same file given with --rules; and convert reads it from --templates too.
    let (forms, _) = review(
        &[&path],
        &[
            OsStr::new("--rules"),
            rules.join("本地审核规则.toml").as_os_str(),
        ],
    );
    assert_eq!(forms[0].1, "退回");
    let out = dir.path().join("out");
    jixiao([
        OsStr::new("convert"),
        path.as_os_str(),
        OsStr::new("--templates"),
        rules.as_os_str(),
        OsStr::new("-o"),
        out.as_os_str(),
    ])
    .expect_code(0);
    let review_csv = std::fs::read_to_string(out.join("review.csv")).unwrap();
    assert!(review_csv.contains(",退回,") && review_csv.contains("need_sustainability"));
    // A rule file with a mistake is one clear line naming it.
    std::fs::write(
        rules.join("本地审核规则.toml"),
        "kind = \"review\"\n[[rules]]\nid = \"x\"\nlevel = \"error\"\ncheck = \"nonsense\"\nmessage = \"m\"\n",
    )
    .unwrap();
    let run = jixiao([
        OsStr::new("review"),
        OsStr::new("--templates"),
        rules.as_os_str(),
        path.as_os_str(),
    ])
    .expect_code(2);
    assert!(
        run.stderr.contains("nonsense") && run.stderr.contains("“x”"),
        "{}",
        run.describe()
    );
}

#[test]
fn the_review_command_prints_words_csv_and_a_closing_count() {
    let samples = repo("samples");
    let run = jixiao([OsStr::new("review"), samples.as_os_str()]).expect_code(1);
    assert!(
        run.stdout
            .contains("【退回修改】残保金抚恤金专项 · 吴淞镇人民政府"),
        "{}",
        run.describe()
    );
    assert!(
        run.stdout.contains("✗ 错误 缺少一级指标"),
        "{}",
        run.describe()
    );
    assert!(
        run.stdout
            .trim_end()
            .ends_with("共审核 9 张绩效目标表：通过 6，需关注 0，退回修改 3。"),
        "{}",
        run.describe()
    );
    let run = jixiao([
        OsStr::new("review"),
        OsStr::new("--format"),
        OsStr::new("csv"),
        samples.as_os_str(),
    ])
    .expect_code(1);
    let mut reader = csv::Reader::from_reader(run.stdout.trim_start_matches('\u{feff}').as_bytes());
    let header = reader.headers().unwrap().clone();
    assert_eq!(header.get(0), Some("项目编号"));
    assert_eq!(header.get(13), Some("规则编号"));
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    // Six forms pass (one row each), three are sent back with four findings.
    assert_eq!(rows.iter().filter(|r| &r[3] == "通过").count(), 6);
    assert_eq!(rows.iter().filter(|r| !r[13].is_empty()).count(), 5);
}

#[test]
fn convert_writes_the_review_sheet_review_csv_and_counts_per_department() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    jixiao([
        OsStr::new("convert"),
        repo("samples").as_os_str(),
        OsStr::new("-o"),
        out.as_os_str(),
    ])
    .expect_code(0);
    let sheets = workbook_sheets(&out.join("summary.xlsx"));
    let review_sheet = &sheets["审核"];
    assert_eq!(
        review_sheet[0],
        [
            "主管部门",
            "项目名称",
            "结论",
            "规则",
            "级别",
            "说明",
            "来源文件",
            "工作表",
            "单元格",
            "项目编码",
            "填报人",
            "联系电话"
        ]
    );
    let csv = std::fs::read_to_string(out.join("review.csv")).unwrap();
    assert_eq!(review_sheet.len() - 1, csv.lines().count() - 1);
    let summary = &sheets["汇总"];
    assert_eq!(
        &summary[0][8..11],
        ["审核通过（个）", "审核需关注（个）", "审核退回修改（个）"]
    );
    let row =
        |name: &str| -> Vec<String> { summary.iter().find(|r| r[0] == name).unwrap().clone() };
    assert_eq!(&row("吴泾镇人民政府")[8..11], ["6", "0", "1"]);
    assert_eq!(&row("吴淞镇人民政府")[8..11], ["0", "0", "1"]);
    assert_eq!(&row("合计")[8..11], ["6", "0", "3"]);
    let details = &sheets["项目明细"];
    assert_eq!(details[0][20], "审核结论");
    let value: Value = serde_json::from_str(
        std::fs::read_to_string(out.join("projects.jsonl"))
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert!(value["review"]["conclusion"].is_string());
}
