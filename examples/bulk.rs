//! Writes N realistic forms for benchmarks: `cargo run --release --example bulk -- N DIR`.
//!
//! Target forms of every built-in layout (about half sh2023; sd2020 15 %; the 财政部 c2015, 广西
//! gx2021 and 四川 sc2023 forms 10 % or so each), across some 120 主管部门 (a few with code prefixes,
//! a few blank), with 8–16 indicators from realistic wordings (both blocks where the layout has
//! two); most files hold one form, every tenth a workbook of three. Every twentieth file is a copy
//! of a form of another kind, in turn: the four self-evaluation workbooks of field-corpus-2, the
//! three monitoring workbooks and the two department-wide target forms of field-corpus-3. One more
//! file is a flat export of the budget system (one row per indicator, as 成都市's): N/50 projects,
//! at least 100, so at least 1,000 rows. `DIR/forms/` gets the workbooks, `DIR/expected.json` the
//! totals a correct conversion must reproduce: target forms, self-evaluations, and per 主管部门 the
//! projects and the sums of 项目资金总额 and 年度资金申请总额 in 万元. Deterministic: the same N gives
//! the same files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use jixiao::model::{Block, Date, Indicator, Project};
use jixiao::write::fixed_properties;
use jixiao::write::form::{FormStyle, FundRows, Layout, write_layout};
use rust_decimal::Decimal;
use rust_xlsxwriter::Workbook;

#[path = "common/rng.rs"]
mod rng;
use rng::Rng;

const DISTRICTS: &[&str] = &[
    "闵行区",
    "徐汇区",
    "浦东新区",
    "嘉定区",
    "松江区",
    "任城区",
    "兖州区",
    "曲阜市",
    "邹城市",
    "高新区",
    "金乡县",
    "嘉祥县",
];
const BUREAUS: &[&str] = &[
    "财政局",
    "教育局",
    "卫生健康委员会",
    "民政局",
    "城市管理局",
    "生态环境局",
    "农业农村局",
    "交通运输局",
    "文化和旅游局",
    "应急管理局",
];
const PROJECT_STEMS: &[&str] = &[
    "网格化管理",
    "应急物资储备",
    "社区服务中心运维",
    "道路养护",
    "河道保洁",
    "智慧城管平台",
    "老年助餐",
    "校园安全",
    "农田水利",
    "垃圾分类",
];
const PROJECT_KINDS: &[&str] = &["经费", "专项", "建设项目", "运维服务", "补助资金"];
const QUANTITY: &[(&str, &str)] = &[
    ("覆盖社区数", "≥120个"),
    ("培训人次", "不少于3000人次"),
    ("设备完好率", "≥95%"),
    ("巡查频次", "每日2次"),
];
const QUALITY: &[(&str, &str)] = &[
    ("验收合格率", "100%"),
    ("问题整改率", "达到90%以上"),
    ("差错率", "≤5%"),
];
const TIMELINESS: &[(&str, &str)] = &[
    ("按时完成率", "100%"),
    ("响应时间", "24小时内"),
    ("完成时间", "2023年12月底前完成"),
];
const COST: &[(&str, &str)] = &[
    ("控制在预算内", "控制在预算范围内"),
    ("单位成本", "≤3.5万"),
    ("财政支出", "<350万"),
];
const BENEFIT: &[(&str, &str)] = &[
    ("群众感受度", "较上一年提升"),
    ("投诉率降低", "下降"),
    ("市容提升", "明显提升"),
    ("就业带动", "提供78个就业机会"),
    ("无", "无"),
];
const SATISFACTION: &[(&str, &str)] = &[
    ("群众满意度", "达到80%以上"),
    ("居民满意度", "≥90%"),
    ("受众满意度", "达到90以上"),
];

fn department(rng: &mut Rng, index: usize) -> String {
    let district = DISTRICTS[index % DISTRICTS.len()];
    let bureau = BUREAUS[(index / DISTRICTS.len()) % BUREAUS.len()];
    let name = format!("{district}{bureau}");
    match rng.below(20) {
        0 => format!("[{:06}]{name}", 310_000 + index),
        1 => String::new(),
        _ => name,
    }
}

fn amount(rng: &mut Rng, max_cents: u64) -> Decimal {
    Decimal::new((rng.next() % max_cents) as i64 + 100, 2)
}

fn indicator(
    rng: &mut Rng,
    block: Block,
    level1: &str,
    level2: &str,
    pool: &[(&str, &str)],
) -> Indicator {
    let (level3, value) = pool[rng.below(pool.len())];
    Indicator {
        block,
        level1: level1.into(),
        level2: level2.into(),
        level3: level3.into(),
        value: value.into(),
        ..Indicator::default()
    }
}

fn indicators(rng: &mut Rng, block: Block) -> Vec<Indicator> {
    let mut rows = Vec::new();
    for (level2, pool) in [
        ("数量指标", QUANTITY),
        ("质量指标", QUALITY),
        ("时效指标", TIMELINESS),
        ("成本指标", COST),
    ] {
        for _ in 0..1 + rng.below(2) {
            rows.push(indicator(rng, block, "产出指标", level2, pool));
        }
    }
    for level2 in [
        "经济效益指标",
        "社会效益指标",
        "生态效益指标",
        "可持续影响指标",
    ] {
        rows.push(indicator(rng, block, "效益指标", level2, BENEFIT));
    }
    rows.push(indicator(
        rng,
        block,
        "满意度指标",
        "服务对象满意度指标",
        SATISFACTION,
    ));
    rows
}

/// The layout of the next form: about half sh2023, 15 % sd2020, the rest c2015, gx2021, sc2023.
fn layout(rng: &mut Rng) -> Layout {
    match rng.below(20) {
        0..=9 => Layout::Sh2023,
        10..=12 => Layout::Sd2020,
        13 | 14 => Layout::C2015,
        15 | 16 => Layout::Gx2021,
        _ => Layout::Sc2023,
    }
}

/// A project as its layout holds it (what reading the written form gives back).
fn project(rng: &mut Rng, serial: usize) -> Project {
    let layout = layout(rng);
    let index = rng.below(120);
    let department = department(rng, index);
    let total = amount(rng, 50_000_000);
    let fiscal = if rng.below(4) == 0 {
        (total * Decimal::new(8, 1)).round_dp(2)
    } else {
        total
    };
    let other = total - fiscal;
    let year = match layout {
        Layout::Sd2020 => 2020,
        Layout::C2015 => 2024,
        _ => 2023,
    };
    let mut p = Project {
        template: layout.id().into(),
        year: Some(year),
        project_name: format!(
            "{}{}{}（{serial:06}）",
            rng.pick(DISTRICTS),
            rng.pick(PROJECT_STEMS),
            rng.pick(PROJECT_KINDS)
        ),
        department,
        implementing_unit: format!("{}服务中心", rng.pick(DISTRICTS)),
        overall_goal: "通过项目实施，提升城市精细化管理水平，保障辖区居民的生活环境和公共安全。"
            .into(),
        annual_goal: "按计划完成年度各项工作任务，确保资金使用规范、安全、高效。".into(),
        ..Project::default()
    };
    p.funds.total = Some(total);
    p.funds.fiscal = Some(fiscal);
    p.funds.other = (!other.is_zero()).then_some(other);
    p.funds.annual_total = Some(total);
    p.funds.appropriation = Some(fiscal);
    p.funds.annual_other = p.funds.other;
    let categories = layout.category_options();
    if !categories.is_empty() {
        p.category = Some(rng.pick(categories).into());
    }
    match layout {
        Layout::Sd2020 | Layout::C2015 => {
            p.indicators = indicators(rng, Block::LongTerm);
            p.indicators.extend(indicators(rng, Block::Annual));
        }
        _ => p.indicators = indicators(rng, Block::Annual),
    }
    match layout {
        Layout::Sh2023 => {
            p.start_date = Date::new(2023, 1, 1);
            p.end_date = Date::new(2023, 12, 31);
        }
        Layout::Sd2020 | Layout::Gx2021 => {
            p.start_date = Date::new(year, 1, 1);
            p.end_date = Date::new(year, 12, 31);
        }
        _ => {}
    }
    if layout == Layout::Sc2023 {
        let share = Decimal::new(100, 0) / Decimal::from(p.indicators.len());
        for indicator in &mut p.indicators {
            indicator.weight = Some(share.round_dp(2));
        }
    }
    for (key, value) in [
        ("项目负责人", "张三"),
        ("联系电话", "0537-2345678"),
        ("填报人", "李四"),
        ("填报日期", "2019年12月2日"),
    ] {
        p.extras.insert(key.into(), value.into());
    }
    layout.keep(&p)
}

#[derive(Default, serde::Serialize)]
struct Expected {
    /// Target forms.
    forms: u64,
    /// Self-evaluations.
    evaluations: u64,
    files: u64,
    departments: BTreeMap<String, ExpectedDepartment>,
}

#[derive(Default, serde::Serialize)]
struct ExpectedDepartment {
    projects: u64,
    total_wan: Decimal,
    annual_total_wan: Decimal,
}

fn write_file(path: &Path, forms: &[Project]) {
    let mut workbook = Workbook::new();
    workbook.set_properties(&fixed_properties("财政项目支出绩效目标表"));
    for (i, form) in forms.iter().enumerate() {
        let style = FormStyle {
            fund_rows: if i % 2 == 0 {
                FundRows::Three
            } else {
                FundRows::OtherInFourth
            },
            ..FormStyle::default()
        };
        let sheet = workbook.add_worksheet();
        sheet
            .set_name(format!("表{}", i + 1))
            .expect("a valid sheet name");
        let layout = Layout::of(&form.template).expect("a built-in layout");
        write_layout(sheet, form, &style, layout).expect("the form fits a sheet");
    }
    workbook
        .save(path)
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}

/// The workbooks of a fixture folder whose names contain `word`, in name order.
fn fixtures(folder: &str, word: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(folder);
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("a fixture folder")
        .map(|e| e.expect("a folder entry").path())
        .filter(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default();
            name.ends_with(".xlsx") && name.contains(word)
        })
        .collect();
    names.sort();
    names
        .iter()
        .map(|p| std::fs::read(p).expect("a fixture workbook"))
        .collect()
}

/// The flat export's header, as the budget system writes it.
const FLAT_HEADER: [&str; 17] = [
    "预算年度",
    "项目编码",
    "项目名称",
    "部门名称",
    "单位编码",
    "单位名称",
    "资金总额（万元）",
    "其中：财政资金（万元）",
    "其他资金（万元）",
    "yearflag",
    "一级指标",
    "二级指标",
    "三级指标",
    "计算符号",
    "指标值",
    "计量单位",
    "指标值说明",
];

/// A flat export of `projects` projects (10–13 indicator rows each), counted into `expected`.
fn write_flat(rng: &mut Rng, path: &Path, projects: usize, expected: &mut Expected) {
    let mut workbook = Workbook::new();
    workbook.set_properties(&fixed_properties("项目绩效目标导出"));
    let sheet = workbook.add_worksheet();
    sheet.set_name("项目绩效目标").expect("a valid sheet name");
    for (col, label) in FLAT_HEADER.iter().enumerate() {
        sheet
            .write_string(0, col as u16, *label)
            .expect("a cell written");
    }
    let mut row = 1u32;
    for i in 0..projects {
        let department = format!(
            "{}{}",
            DISTRICTS[i % DISTRICTS.len()],
            BUREAUS[(i / DISTRICTS.len()) % BUREAUS.len()]
        );
        let fiscal = amount(rng, 5_000_000);
        let other = amount(rng, 500_000);
        let total = fiscal + other;
        let name = format!(
            "{}（平台导出{:04}）",
            PROJECT_STEMS[i % PROJECT_STEMS.len()],
            i
        );
        let code = format!("51010025T{:012}", 10_000_000 + i);
        let entry = expected.departments.entry(department.clone()).or_default();
        entry.projects += 1;
        entry.total_wan += total;
        entry.annual_total_wan += total;
        expected.forms += 1;
        let mut list = indicators(rng, Block::Annual);
        list.truncate(13);
        while list.len() < 10 {
            list.push(list[list.len() % 3].clone());
        }
        for indicator in &list {
            let text = [
                "2025".to_owned(),
                code.clone(),
                name.clone(),
                department.clone(),
                String::new(),
                format!("{department}（本级）"),
            ];
            for (col, value) in text.iter().enumerate() {
                sheet
                    .write_string(row, col as u16, value)
                    .expect("a cell written");
            }
            for (col, value) in [(6u16, total), (7, fiscal), (8, other)] {
                sheet
                    .write_number(row, col, value.to_string().parse::<f64>().unwrap_or(0.0))
                    .expect("a cell written");
            }
            sheet.write_number(row, 9, 0).expect("a cell written");
            for (col, value) in [
                (10u16, indicator.level1.as_str()),
                (11, indicator.level2.as_str()),
                (12, indicator.level3.as_str()),
                (13, ""),
                (14, indicator.value.as_str()),
                (15, indicator.unit.as_deref().unwrap_or("")),
                (16, ""),
            ] {
                sheet.write_string(row, col, value).expect("a cell written");
            }
            row += 1;
        }
    }
    workbook
        .save(path)
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(n), Some(dir)) = (
        args.get(1).and_then(|n| n.parse::<usize>().ok()),
        args.get(2),
    ) else {
        eprintln!("usage: cargo run --release --example bulk -- N DIR");
        std::process::exit(2);
    };
    let dir = PathBuf::from(dir);
    let forms_dir = dir.join("forms");
    std::fs::create_dir_all(&forms_dir).expect("the output folder can be created");
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    // The copies, in turn: self-evaluations, monitoring forms, department-wide target forms.
    let evaluations = fixtures("tests/fixtures/field-corpus-2", "自评表");
    let others: Vec<(Vec<u8>, bool)> = evaluations
        .iter()
        .map(|b| (b.clone(), true))
        .chain(
            fixtures("tests/fixtures/field-corpus-3/monitoring", "监控")
                .into_iter()
                .map(|b| (b, false)),
        )
        .chain(
            fixtures("tests/fixtures/field-corpus-3/departments", "部门整体")
                .into_iter()
                .map(|b| (b, false)),
        )
        .collect();
    let mut files: Vec<(PathBuf, Vec<Project>)> = Vec::new();
    let mut copies: Vec<(PathBuf, &[u8])> = Vec::new();
    let mut expected = Expected::default();
    let mut serial = 0;
    let path = |index: usize| forms_dir.join(format!("{:03}/{:06}.xlsx", index / 1000, index));
    while serial < n {
        let index = files.len() + copies.len();
        if index % 20 == 19 {
            let (copy, evaluation) = &others[copies.len() % others.len()];
            copies.push((path(index), copy.as_slice()));
            expected.evaluations += u64::from(*evaluation);
            continue;
        }
        let count = if index % 10 == 9 {
            3.min(n - serial)
        } else {
            1
        };
        let forms: Vec<Project> = (0..count).map(|i| project(&mut rng, serial + i)).collect();
        for p in &forms {
            let mut clean = p.clone();
            jixiao::normalize::Normalizer::builtin().normalize(&mut clean);
            let name = if clean.department.is_empty() {
                "（未填写主管部门）".to_owned()
            } else {
                clean.department
            };
            let entry = expected.departments.entry(name).or_default();
            entry.projects += 1;
            entry.total_wan += p.funds.total.unwrap_or_default();
            entry.annual_total_wan += p.funds.annual_total.unwrap_or_default();
        }
        serial += count;
        expected.forms += count as u64;
        files.push((path(index), forms));
    }
    let flat = forms_dir.join("flat").join("项目绩效目标导出.xlsx");
    std::fs::create_dir_all(flat.parent().expect("a folder")).expect("a folder");
    write_flat(&mut rng, &flat, (n / 50).max(100), &mut expected);
    expected.files = (files.len() + copies.len() + 1) as u64;
    for (path, bytes) in &copies {
        std::fs::create_dir_all(path.parent().expect("a folder")).expect("a folder");
        std::fs::write(path, bytes).expect("a self-evaluation copied");
    }
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = files.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        for part in files.chunks(chunk) {
            scope.spawn(move || {
                for (path, forms) in part {
                    std::fs::create_dir_all(path.parent().expect("a folder")).expect("a folder");
                    write_file(path, forms);
                }
            });
        }
    });
    let json = serde_json::to_string_pretty(&expected).expect("serializable");
    std::fs::write(dir.join("expected.json"), json).expect("expected.json written");
    println!(
        "wrote {} target forms and {} self-evaluations in {} files under {}",
        expected.forms,
        expected.evaluations,
        expected.files,
        forms_dir.display()
    );
}
