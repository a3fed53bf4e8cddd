//! 项目编码: read from a cell of its own or split off a name written "CODE-名称", kept through forms
//! written back, and used first when a self-evaluation is held against its target — so a project
//! renamed between the two forms is still linked.

use std::ffi::OsStr;
use std::path::Path;

use jixiao::TemplateSet;
use jixiao::model::{Block, FormKind, Indicator, Project};
use jixiao::normalize::Normalizer;
use jixiao::read::{Limits, read_workbook};
use jixiao::write::form::{FormStyle, Layout, write_layout};
use rust_decimal::Decimal;
use rust_xlsxwriter::Workbook;
use serde_json::Value;

use crate::harness::{fixture, jixiao};

fn target(name: &str, code: Option<&str>, year: i32) -> Project {
    Project {
        kind: FormKind::Target,
        template: "sh2023".into(),
        year: Some(year),
        project_name: name.into(),
        project_code: code.map(String::from),
        department: "成都市水务局".into(),
        implementing_unit: "成都市河湖保护中心".into(),
        annual_goal: "完成治理".into(),
        indicators: vec![Indicator {
            block: Block::Annual,
            level1: "产出指标".into(),
            level2: "数量指标".into(),
            level3: "治理河道长度".into(),
            value: "≥42公里".into(),
            ..Indicator::default()
        }],
        ..Project::default()
    }
    .with_funds(Decimal::new(300, 0))
}

trait WithFunds {
    fn with_funds(self, total: Decimal) -> Project;
}

impl WithFunds for Project {
    fn with_funds(mut self, total: Decimal) -> Project {
        self.funds.total = Some(total);
        self.funds.fiscal = Some(total);
        self.funds.annual_total = Some(total);
        self.funds.appropriation = Some(total);
        self
    }
}

fn write_form(project: &Project, path: &Path) {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    write_layout(sheet, project, &FormStyle::default(), Layout::Sh2023).unwrap();
    workbook.save(path).unwrap();
}

fn read_one(path: &Path) -> Project {
    let bytes = std::fs::read(path).unwrap();
    let read = read_workbook(
        &bytes,
        "x.xlsx",
        &TemplateSet::builtin(),
        &Limits::default(),
    )
    .unwrap();
    let mut project = read.into_projects().remove(0);
    Normalizer::builtin().normalize(&mut project);
    project
}

#[test]
fn a_code_is_read_from_its_own_cell_and_from_a_code_name_name() {
    let dir = tempfile::tempdir().unwrap();
    // A name written "CODE-名称" (as the budget system prints it): the code split off.
    let path = dir.path().join("code-name.xlsx");
    let mut project = target("2023年全县安可替代补助资金项目", None, 2023);
    project.project_name = "51092324T000010263357-2023年全县安可替代补助资金项目".into();
    write_form(&project, &path);
    let read = read_one(&path);
    assert_eq!(read.project_code.as_deref(), Some("51092324T000010263357"));
    assert_eq!(read.project_name, "2023年全县安可替代补助资金项目");
    // A project with a code goes out as "CODE-名称" and comes back the same.
    let path = dir.path().join("round-trip.xlsx");
    write_form(
        &target("河道治理", Some("51010024T000010251103"), 2024),
        &path,
    );
    let read = read_one(&path);
    assert_eq!(read.project_code.as_deref(), Some("51010024T000010251103"));
    assert_eq!(read.project_name, "河道治理");
    // A 项目编码 cell of its own.
    let path = dir.path().join("cell.xlsx");
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    write_layout(
        sheet,
        &target("河道治理", None, 2024),
        &FormStyle::default(),
        Layout::Sh2023,
    )
    .unwrap();
    sheet.write_string(2, 6, "项目编码").unwrap();
    sheet.write_string(2, 7, "31011225000431").unwrap();
    workbook.save(&path).unwrap();
    let read = read_one(&path);
    assert_eq!(read.project_code.as_deref(), Some("31011225000431"));
    assert_eq!(read.cells["project_code"], "H3");
}

fn evaluations(out: &Path) -> Vec<Value> {
    std::fs::read_to_string(out.join("evaluations.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn linking_prefers_the_project_code_over_the_name() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::copy(
        fixture("field-corpus-3/flat/成都市_2024年度项目支出绩效自评指标导出.xlsx"),
        input.join("自评导出.xlsx"),
    )
    .unwrap();
    // The approved target of 中小河流综合治理, renamed since, with the same code; and a target
    // of another project under the self-evaluation's name but another code.
    write_form(
        &target(
            "中小河流综合治理工程（一期）",
            Some("51010024T000010251103"),
            2024,
        ),
        &input.join("目标表.xlsx"),
    );
    let mut other = target(
        "社区养老服务综合体运营补贴",
        Some("51010024T999999999999"),
        2024,
    );
    other.department = "成都市民政局".into();
    write_form(&other, &input.join("另一项目.xlsx"));
    // Without the code on the target, the same year, 主管部门 and name still link.
    let mut uncoded = target("城市道路照明设施维护", None, 2024);
    uncoded.department = "成都市城市管理委员会".into();
    write_form(&uncoded, &input.join("无编码的目标表.xlsx"));
    let out = dir.path().join("out");
    jixiao([
        OsStr::new("convert"),
        input.as_os_str(),
        OsStr::new("-o"),
        out.as_os_str(),
    ])
    .expect_code(0);
    let records = evaluations(&out);
    let linked = |name: &str| {
        let record = records.iter().find(|r| r["project_name"] == name).unwrap();
        record["evaluation"]["target"]["source"]["file"].clone()
    };
    assert!(
        linked("中小河流综合治理")
            .as_str()
            .unwrap()
            .ends_with("目标表.xlsx"),
        "{records:?}"
    );
    // Same year, 主管部门 and name, different code: the code says it is another project.
    assert!(
        linked("社区养老服务综合体运营补贴").is_null(),
        "{records:?}"
    );
    assert!(
        linked("城市道路照明设施维护")
            .as_str()
            .unwrap()
            .ends_with("无编码的目标表.xlsx")
    );
}
