//! Forms out, read back: every project of the samples and both field corpora, a generated set,
//! and random projects (amounts of any precision, long texts, odd characters, 0–60 indicators),
//! written in every built-in layout, read back as the same model — every field the layout holds
//! (`Layout::keep`), amounts exact, dates, goals, indicators with their block, levels, value and
//! the columns the layout has, in order.

use std::path::Path;

use jixiao::TemplateSet;
use jixiao::model::{Block, Date, FormKind, FundKind, Indicator, Project};
use jixiao::normalize::Normalizer;
use jixiao::read::{Limits, read_workbook};
use jixiao::text::{clean_block, clean_inline};
use jixiao::write::form::{FormStyle, Layout, write_layout};
use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_xlsxwriter::Workbook;
use serde_json::Value;

use crate::harness::{fixture, repo};

/// The target forms of a folder, read and normalized as `convert` reads them.
fn projects_in(dir: &Path) -> Vec<Project> {
    let templates = TemplateSet::builtin();
    let normalizer = Normalizer::builtin();
    let mut projects = Vec::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if !entry.file_type().is_file() || name.starts_with("~$") || name.ends_with(".json") {
            continue;
        }
        let Ok(bytes) = std::fs::read(entry.path()) else {
            continue;
        };
        let Ok(read) = read_workbook(&bytes, &name, &templates, &Limits::default()) else {
            continue;
        };
        for mut form in read.into_projects() {
            normalizer.normalize(&mut form);
            if form.kind == FormKind::Target {
                projects.push(form);
            }
        }
    }
    projects
}

/// A project as compared: where things are (source, cells, cell names) and the warnings left out,
/// re-normalized.
fn model(project: &Project) -> Value {
    let mut p = project.clone();
    Normalizer::builtin().normalize(&mut p);
    p.source = Default::default();
    p.cells.clear();
    p.warnings.clear();
    for indicator in &mut p.indicators {
        indicator.cell.clear();
        indicator.value_cell.clear();
        indicator.actual_cell.clear();
    }
    serde_json::to_value(p).unwrap()
}

/// Writes a project in a layout and reads it back (normalized).
fn round_trip(project: &Project, layout: Layout) -> Result<Project, String> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    write_layout(sheet, project, &FormStyle::default(), layout).map_err(|e| e.to_string())?;
    let bytes = workbook.save_to_buffer().map_err(|e| e.to_string())?;
    let read = read_workbook(
        &bytes,
        "x.xlsx",
        &TemplateSet::builtin(),
        &Limits::default(),
    )
    .map_err(|e| e.to_string())?;
    let issues = read.issues.clone();
    let mut forms = read.into_projects();
    if forms.len() != 1 {
        return Err(format!("{} forms read ({:?})", forms.len(), issues));
    }
    let mut form = forms.remove(0);
    Normalizer::builtin().normalize(&mut form);
    Ok(form)
}

/// The mismatches of a project's round trips through every layout, each described.
fn check_all(project: &Project, place: &str) -> Vec<String> {
    let mut failures = Vec::new();
    for layout in Layout::ALL {
        let expected = layout.keep(project);
        match round_trip(&expected, layout) {
            Err(e) => failures.push(format!("{place} as {}: {e}", layout.id())),
            Ok(read) => {
                let (a, b) = (model(&expected), model(&read));
                if a != b {
                    failures.push(format!(
                        "{place} as {}:\n{}",
                        layout.id(),
                        first_difference(&a, &b, "")
                    ));
                }
            }
        }
    }
    failures
}

/// Where two JSON values first differ, readably.
fn first_difference(a: &Value, b: &Value, path: &str) -> String {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for key in x.keys().chain(y.keys()) {
                let (va, vb) = (
                    x.get(key).unwrap_or(&Value::Null),
                    y.get(key).unwrap_or(&Value::Null),
                );
                if va != vb {
                    return first_difference(va, vb, &format!("{path}.{key}"));
                }
            }
            String::new()
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (va, vb)) in x.iter().zip(y).enumerate() {
                if va != vb {
                    return first_difference(va, vb, &format!("{path}[{i}]"));
                }
            }
            String::new()
        }
        _ => format!("  {path}\n    written: {a}\n    read:    {b}"),
    }
}

#[test]
fn every_sample_and_corpus_project_reads_back_from_every_layout() {
    let mut projects = projects_in(&repo("samples"));
    projects.extend(projects_in(&fixture("field-corpus")));
    projects.extend(projects_in(&fixture("field-corpus-2")));
    assert!(projects.len() >= 30, "{}", projects.len());
    let mut failures = Vec::new();
    for project in &projects {
        failures.extend(check_all(project, &project.project_name));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[path = "../examples/common/rng.rs"]
pub(crate) mod rng;
use rng::Rng;

const LEVELS: &[(&str, &[&str])] = &[
    (
        "产出指标",
        &["数量指标", "质量指标", "时效指标", "成本指标"],
    ),
    (
        "效益指标",
        &["社会效益指标", "经济效益指标", "可持续影响指标"],
    ),
    ("满意度指标", &["服务对象满意度指标"]),
    ("投入指标", &["资金投入", "项目立项"]),
];
const WORDINGS: &[&str] = &[
    "覆盖社区数",
    "培训人次",
    "验收合格率",
    "完成时间",
    "单位成本",
    "群众满意度",
    "社会效益",
    "长效机制",
    "设备完好率",
];
const VALUES: &[&str] = &[
    "≥120个",
    "不少于3000人次",
    "100%",
    "2024年12月底前",
    "≤3.5万元",
    "≥90%",
    "有效提升",
    "85%-95%",
    "无",
    "较上年提升",
    "0起",
];

/// A generated project in the image of the reader: names and texts as read (cleaned), level
/// names carried as a form carries them, and every layout's optional columns filled at random.
pub(crate) fn generated(rng: &mut Rng, serial: usize) -> Project {
    let mut p = Project {
        template: "sh2023".into(),
        year: Some(2020 + rng.below(8) as i32),
        project_name: format!(
            "{}第{serial}号项目",
            rng.pick(&["道路养护", "智慧城管", "校园安全"])
        ),
        department: rng.pick(&["某区财政局", "某市教育局", "某县民政局"]).into(),
        implementing_unit: rng.pick(&["某中心", "某所", "某站"]).into(),
        overall_goal: "建立长效机制\n提升服务水平".into(),
        annual_goal: format!("完成第{serial}批任务"),
        ..Project::default()
    };
    if rng.below(3) == 0 {
        p.department_code = Some(format!("{}", 100 + rng.below(800)));
    }
    if rng.below(4) == 0 {
        p.implementing_unit_code = Some(format!("{}", 100_000 + rng.below(800_000)));
    }
    p.category = Some(
        rng.pick(&["新增项目", "延续项目", "专项资金", "经常性项目"])
            .into(),
    );
    let year = p.year.unwrap();
    if rng.below(4) > 0 {
        p.start_date = Date::new(year, 1 + rng.below(6) as u32, 1 + rng.below(28) as u32);
        p.end_date = Date::new(year, 7 + rng.below(6) as u32, 1 + rng.below(28) as u32);
    }
    for kind in FundKind::ALL {
        if rng.below(5) > 0 {
            let cents = rng.next() % 10_000_000_000;
            let scale = rng.below(7) as u32;
            p.funds
                .set(kind, Some(Decimal::new(cents as i64, scale).normalize()));
        }
    }
    for (key, value) in [
        ("项目负责人", "张三"),
        ("联系电话", "0531-1234567"),
        ("项目期", "3年"),
    ] {
        if rng.below(3) == 0 {
            p.extras.insert(key.into(), value.into());
        }
    }
    let count = rng.below(25);
    for block in [Block::LongTerm, Block::Annual] {
        let mut rows: Vec<Indicator> = Vec::new();
        for (level1, level2s) in LEVELS {
            let mut level2 = String::new();
            for _ in 0..rng.below(count / 3 + 1) {
                if level2.is_empty() || rng.below(3) == 0 {
                    level2 = rng.pick(level2s).to_owned();
                }
                rows.push(Indicator {
                    block,
                    level1: (*level1).into(),
                    level2: level2.clone(),
                    level3: rng.pick(WORDINGS).into(),
                    value: rng.pick(VALUES).into(),
                    unit: (rng.below(3) == 0).then(|| "个".into()),
                    direction: (rng.below(3) == 0).then(|| "≥".into()),
                    weight: (rng.below(2) == 0).then(|| Decimal::from(rng.below(20) as i64)),
                    note: (rng.below(3) == 0).then(|| "按完成比例计分".into()),
                    ..Indicator::default()
                });
            }
        }
        p.indicators.extend(rows);
    }
    Normalizer::builtin().normalize(&mut p);
    p
}

#[test]
fn a_generated_set_reads_back_from_every_layout() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut failures = Vec::new();
    for serial in 0..120 {
        let project = generated(&mut rng, serial);
        failures.extend(check_all(&project, &format!("generated {serial}")));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_text_longer_than_a_cell_is_cut_in_every_layout_not_an_error() {
    // 20,000 emoji: 40,000 UTF-16 units, more than an Excel cell holds.
    let mut project = projects_in(&repo("samples")).remove(0);
    project.overall_goal = "😀".repeat(20_000);
    project.annual_goal = project.overall_goal.clone();
    for layout in Layout::ALL {
        let kept = layout.keep(&project);
        let mut workbook = Workbook::new();
        let ws = workbook.add_worksheet();
        let sheet = write_layout(ws, &kept, &FormStyle::default(), layout).unwrap();
        let goals = [&kept.overall_goal, &kept.annual_goal];
        let long = goals.iter().filter(|g| g.len() > 40_000).count() as u32;
        assert!(
            long > 0 && sheet.cut >= long,
            "{}: {} cut",
            layout.id(),
            sheet.cut
        );
        let read = round_trip(&kept, layout).unwrap();
        let goal = [&read.overall_goal, &read.annual_goal]
            .into_iter()
            .find(|g| g.starts_with("😀"))
            .unwrap_or_else(|| panic!("{}: the goal is read back", layout.id()));
        assert_eq!(goal.encode_utf16().count(), 32_767, "{}", layout.id());
        assert!(goal.ends_with('…'));
    }
}

/// Text as a reader leaves it: from a pool of CJK, Latin, digits, punctuation and symbols (no
/// colons, which would make a value cell look like an inline label).
fn text(max: usize) -> impl Strategy<Value = String> {
    let pool: Vec<char> = "项目名称城市道路养护智慧管理中心绿化服务ABCxyz0123456789（）()【】《》、，。！？—…·&<>'\"%+-=@#$€¥😀𠀀 ".chars().collect();
    prop::collection::vec(prop::sample::select(pool), 1..max)
        .prop_map(|chars| clean_inline(&chars.into_iter().collect::<String>()))
        .prop_filter("not empty", |t| !t.is_empty())
}

fn amount() -> impl Strategy<Value = Option<Decimal>> {
    prop_oneof![
        Just(None),
        (0i64..1_000_000_000_000_000, 0u32..10)
            .prop_map(|(m, s)| Some(Decimal::new(m, s).normalize())),
    ]
}

fn indicator(block: Block) -> impl Strategy<Value = Indicator> {
    (
        prop::sample::select(LEVELS.to_vec()),
        text(20),
        text(30),
        prop::option::of(0u32..100),
    )
        .prop_map(
            move |((level1, level2s), level3, value, weight)| Indicator {
                block,
                level1: level1.into(),
                level2: level2s[0].into(),
                level3,
                value,
                weight: weight.map(Decimal::from),
                ..Indicator::default()
            },
        )
}

prop_compose! {
    fn random_project()(
        name in text(60),
        department in text(20),
        unit in text(20),
        goal in prop::collection::vec(text(200), 1..4),
        funds in prop::collection::vec(amount(), 7),
        long in prop::collection::vec(indicator(Block::LongTerm), 0..30),
        annual in prop::collection::vec(indicator(Block::Annual), 0..30),
        year in 2000i32..2100,
    ) -> Project {
        let mut p = Project {
            template: "sh2023".into(),
            year: Some(year),
            project_name: name,
            department,
            implementing_unit: unit,
            overall_goal: clean_block(&goal.join("\n")),
            annual_goal: clean_block(&goal.concat()),
            indicators: long.into_iter().chain(annual).collect(),
            ..Project::default()
        };
        for (kind, value) in FundKind::ALL.into_iter().zip(funds) {
            p.funds.set(kind, value);
        }
        Normalizer::builtin().normalize(&mut p);
        p
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn random_projects_read_back_from_every_layout(project in random_project()) {
        let failures = check_all(&project, "random");
        prop_assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}
