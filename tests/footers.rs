//! Footers never become indicators: every built-in layout (a real form of each, copied cell by
//! cell) and the generic reading (a 签章版 form of a layout no template names), each with the
//! footer styles forms end with — a signature and a date, 填报人 and a phone in one cell, 审核意见
//! blocks, a contact after a blank row — read with exactly the indicators of the form without
//! them, and its contact filled from the footer.

use std::path::Path;

use calamine::Data;
use jixiao::TemplateSet;
use jixiao::model::{Date, Project};
use jixiao::read::{Limits, read_workbook};
use rust_xlsxwriter::{Format, FormatBorder, Workbook};

use crate::harness::{fixture, repo};
use crate::sheet_copy::{SheetCopy, Variation, write_variant};

/// One footer style: its rows (column, text) under the form, after `gap` blank rows, and the
/// contact it gives (person, phone, filed).
struct Style {
    name: &'static str,
    gap: u32,
    rows: &'static [&'static [(u32, &'static str)]],
    person: Option<&'static str>,
    phone: Option<&'static str>,
    filed: Option<(i32, u32, u32)>,
}

const STYLES: [Style; 4] = [
    Style {
        name: "签章和日期",
        gap: 0,
        rows: &[&[(0, "单位负责人（签章）："), (3, "填报日期：2025年10月20日")]],
        person: None,
        phone: None,
        filed: Some((2025, 10, 20)),
    },
    Style {
        name: "填报人和电话在一格",
        gap: 0,
        rows: &[&[(0, "填报人：张三    联系电话：13812345678")]],
        person: Some("张三"),
        phone: Some("13812345678"),
        filed: None,
    },
    Style {
        name: "审核意见",
        gap: 0,
        rows: &[
            &[(0, "主管部门审核意见")],
            &[(0, "（盖章）")],
            &[(0, "审核人：王五"), (3, "日期：2025年11月1日")],
            &[(0, "财政部门审核意见")],
        ],
        person: None,
        phone: None,
        filed: None,
    },
    Style {
        name: "空一行后的联系人",
        gap: 1,
        rows: &[&[
            (0, "联系人：赵 六（签字）"),
            (2, "联系电话：0531-5550123"),
            (4, "填报日期：2025年9月30日"),
        ]],
        person: Some("赵六"),
        phone: Some("0531-5550123"),
        filed: Some((2025, 9, 30)),
    },
];

/// A real form of every built-in layout.
fn forms() -> Vec<(&'static str, std::path::PathBuf)> {
    vec![
        ("sh2023", repo("samples/残保金抚恤金专项.xlsx")),
        (
            "sd2020",
            fixture("field-corpus/济宁高新区数字化城市管理数据采集及坐席队伍市场化运作项目.xlsx"),
        ),
        (
            "c2015",
            fixture("field-corpus-2/江北区教育局_学生营养改善计划_2024绩效目标申报表.xlsx"),
        ),
        (
            "gx2021",
            fixture("field-corpus-2/桂林市七星区民政局_社区居家养老服务_2023绩效目标申报表.xlsx"),
        ),
        (
            "sc2023",
            fixture("field-corpus-2/成都市水务局_中心城区污水管网维护_2023项目支出绩效目标表.xlsx"),
        ),
        (
            "zp2020",
            fixture(
                "field-corpus-2/廊坊市广阳区城管执法局_城区道路保洁及垃圾清运_2019年度项目支出绩效自评表.xlsx",
            ),
        ),
        (
            "sc2023zp",
            fixture(
                "field-corpus-2/成都市卫生健康委员会_基层医疗卫生机构能力提升_部门预算项目支出绩效自评表.xlsx",
            ),
        ),
    ]
}

fn read_one(path: &Path) -> Project {
    let bytes = std::fs::read(path).unwrap();
    let read = read_workbook(
        &bytes,
        "x.xlsx",
        &TemplateSet::builtin(),
        &Limits::default(),
    )
    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut projects = read.into_projects();
    assert_eq!(projects.len(), 1, "{}", path.display());
    projects.remove(0)
}

/// What must not change: each indicator's block, levels, value and actual.
fn indicators(project: &Project) -> Vec<String> {
    project
        .indicators
        .iter()
        .map(|i| {
            format!(
                "{:?}|{}|{}|{}|{}|{:?}",
                i.block, i.level1, i.level2, i.level3, i.value, i.actual
            )
        })
        .collect()
}

fn check(name: &str, plain: &Project, with_footer: &Project, style: &Style) -> Vec<String> {
    let mut failures = Vec::new();
    if indicators(plain) != indicators(with_footer) {
        failures.push(format!(
            "{name} + {}: indicators differ\n    without: {:?}\n    with:    {:?}",
            style.name,
            indicators(plain),
            indicators(with_footer)
        ));
    }
    let footer_words = ["签章", "填报", "审核", "联系", "盖章", "日期："];
    for indicator in &with_footer.indicators {
        let text = format!(
            "{}{}{}",
            indicator.level1, indicator.level3, indicator.value
        );
        if footer_words.iter().any(|w| text.contains(w)) {
            failures.push(format!(
                "{name} + {}: footer as indicator {text}",
                style.name
            ));
        }
    }
    let c = &with_footer.contact;
    let expect = |what: &str, want: Option<String>, got: Option<String>, had: bool| {
        // A contact the form itself states (in its own cells) comes first.
        if let Some(want) = want
            && !had
            && got.as_deref() != Some(want.as_str())
        {
            return Some(format!(
                "{name} + {}: contact.{what} = {got:?}, want {want}",
                style.name
            ));
        }
        None
    };
    failures.extend(expect(
        "person",
        style.person.map(String::from),
        c.person.clone(),
        plain.contact.person.is_some(),
    ));
    failures.extend(expect(
        "phone",
        style.phone.map(String::from),
        c.phone.clone(),
        plain.contact.phone.is_some(),
    ));
    failures.extend(expect(
        "filed",
        style
            .filed
            .map(|(y, m, d)| Date::new(y, m, d).unwrap().to_string()),
        c.filed.map(|d| d.to_string()),
        plain.contact.filed.is_some(),
    ));
    failures
}

#[test]
fn footer_lines_end_the_indicator_table_of_every_layout_and_give_the_contact() {
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for (layout, path) in forms() {
        let copy = SheetCopy::load(&path);
        let plain_path = dir.path().join(format!("{layout}.xlsx"));
        write_variant(&[(&copy, Variation::default(), &[])], &plain_path);
        let plain = read_one(&plain_path);
        assert_eq!(plain.template, layout, "{}", path.display());
        assert!(!plain.indicators.is_empty());
        let last = copy
            .cells
            .iter()
            .map(|c| c.0)
            .chain(copy.merges.iter().map(|m| m.2))
            .max()
            .unwrap();
        for style in &STYLES {
            let mut varied = SheetCopy {
                cells: copy.cells.clone(),
                merges: copy.merges.clone(),
            };
            for (index, row) in style.rows.iter().enumerate() {
                for (col, text) in row.iter() {
                    let r = last + 1 + style.gap + index as u32;
                    varied.cells.push((r, *col, Data::String((*text).into())));
                }
            }
            let path = dir.path().join(format!("{layout}-{}.xlsx", style.name));
            write_variant(&[(&varied, Variation::default(), &[])], &path);
            let read = read_one(&path);
            failures.extend(check(layout, &plain, &read, style));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A 签章版 target form of a layout no template names: a 总体目标 group label with 中期目标 and
/// 年度目标 beside it, a 单位 column before 年度指标值（A）, a footer line at the end.
fn signed_form(path: &Path, footer: &[&[(u32, &str)]], gap: u32) {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    let cell = Format::new().set_border(FormatBorder::Thin);
    let rows: Vec<Vec<&str>> = vec![
        vec!["项目支出绩效目标表（签章版）"],
        vec!["（2025年度）"],
        vec![
            "项目名称",
            "背街小巷整治提升",
            "",
            "主管部门",
            "某区城市管理局",
        ],
        vec!["实施单位", "某区市容环境管理所", "", "资金总额", "120"],
        vec!["总体目标", "中期目标", "三年内完成全区背街小巷整治", "", ""],
        vec!["", "年度目标", "完成40条背街小巷整治", "", ""],
        vec![
            "一级指标",
            "二级指标",
            "三级指标",
            "单位",
            "年度指标值（A）",
        ],
        vec!["产出指标", "数量指标", "整治背街小巷条数", "条", "≥40"],
        vec!["", "质量指标", "验收合格率", "%", "≥95"],
        vec!["效益指标", "社会效益指标", "群众满意度", "%", "≥90"],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, text) in row.iter().enumerate() {
            if !text.is_empty() {
                sheet
                    .write_string_with_format(r as u32, c as u16, *text, &cell)
                    .unwrap();
            }
        }
    }
    sheet.merge_range(4, 0, 5, 0, "总体目标", &cell).unwrap();
    sheet
        .merge_range(4, 2, 4, 4, "三年内完成全区背街小巷整治", &cell)
        .unwrap();
    sheet
        .merge_range(5, 2, 5, 4, "完成40条背街小巷整治", &cell)
        .unwrap();
    let below = rows.len() as u32 + gap;
    for (r, row) in footer.iter().enumerate() {
        for (c, text) in row.iter() {
            sheet
                .write_string(below + r as u32, *c as u16, *text)
                .unwrap();
        }
    }
    workbook.save(path).unwrap();
}

#[test]
fn the_generic_reading_of_a_signed_form_keeps_footers_out_and_reads_the_sub_labelled_goals() {
    let dir = tempfile::tempdir().unwrap();
    let plain_path = dir.path().join("plain.xlsx");
    signed_form(&plain_path, &[], 0);
    let plain = read_one(&plain_path);
    assert_eq!(plain.template, "generic");
    assert_eq!(plain.overall_goal, "三年内完成全区背街小巷整治");
    assert_eq!(plain.annual_goal, "完成40条背街小巷整治");
    assert_eq!(indicators(&plain).len(), 3, "{:?}", indicators(&plain));
    let units: Vec<Option<&str>> = plain.indicators.iter().map(|i| i.unit.as_deref()).collect();
    assert_eq!(units, [Some("条"), Some("%"), Some("%")]);
    assert_eq!(plain.indicators[0].value, "≥40");
    let mut failures = Vec::new();
    // The footer of the report: "单位负责人（签章）：… 填报日期：2025年10月20日" in one line.
    let signed = dir.path().join("signed.xlsx");
    signed_form(
        &signed,
        &[&[(0, "单位负责人（签章）：李四    填报日期：2025年10月20日")]],
        0,
    );
    let read = read_one(&signed);
    failures.extend(check("generic", &plain, &read, &STYLES[0]));
    for style in &STYLES {
        let path = dir.path().join(format!("generic-{}.xlsx", style.name));
        signed_form(&path, style.rows, style.gap);
        let read = read_one(&path);
        failures.extend(check("generic", &plain, &read, style));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
