//! A new regional variant is a template file alone: a layout jixiao has never seen, with values
//! below their labels, amounts in 元 and two value columns, is read exactly once its template is
//! in a folder given to `--templates`; before, it is only read by its labels and marked for a
//! person to check.

use std::ffi::OsStr;
use std::path::Path;

use rust_xlsxwriter::{Format, FormatBorder, Workbook};
use serde_json::Value;

use crate::harness::{Mismatches, field, jixiao};

const TEMPLATE: &str = r#"
id = "gd2024"
name = "项目支出绩效目标申报表（测试用地区样式）"
titles = ["项目支出绩效目标申报表"]
unit_labels = ["资金情况*"]

[[fields]]
into = "project_name"
labels = ["项目名称"]
at = "below"

[[fields]]
into = "department"
labels = ["主管单位"]
at = "below"

[[fields]]
into = "implementing_unit"
labels = ["执行单位"]
at = "below"

[[fields]]
into = "category"
labels = ["项目类型"]
at = "below"
options = ["新设立项目", "延续性项目"]

[[fields]]
into = "period"
labels = ["起止时间"]
at = "below"

[[fields]]
into = ["funds.total", "funds.annual_total"]
labels = ["资金总额"]
at = "below"

[[fields]]
into = ["funds.fiscal", "funds.appropriation"]
labels = ["财政拨款"]
at = "below"

[[fields]]
into = ["funds.other", "funds.annual_other"]
labels = ["其他资金"]
at = "below"

[[fields]]
into = "overall_goal"
labels = ["总体目标"]
at = "below"

[[extras]]
key = "联系人"
labels = ["联系人"]
at = "inline"

[indicators]
level1 = ["一级指标"]
level2 = ["二级指标"]
level3 = ["三级指标"]
unit = ["计量单位"]
direction = ["指标方向"]
values = [
  { labels = ["年度指标值"], block = "annual" },
  { labels = ["中长期指标值"], block = "long_term" },
]
"#;

fn write_variant(path: &Path) {
    let mut workbook = Workbook::new();
    let ws = workbook.add_worksheet();
    let cell = Format::new().set_border(FormatBorder::Thin);
    let rows: &[&[&str]] = &[
        &["2024年度项目支出绩效目标申报表"],
        &[],
        &["项目名称", "主管单位", "执行单位", "项目类型", "起止时间"],
        &[
            "智慧社区平台运维",
            "[610001]某区民政局",
            "某区社区服务中心",
            "新设立项目 □ 延续性项目 ☑",
            "2024.1-2024.12",
        ],
        &["资金情况（元）"],
        &["资金总额", "财政拨款", "其他资金"],
        &["1,250,000.00", "1,000,000.00", "250,000.00"],
        &["总体目标"],
        &["保障社区平台全年稳定运行"],
        &[
            "一级指标",
            "二级指标",
            "三级指标",
            "指标方向",
            "计量单位",
            "年度指标值",
            "中长期指标值",
        ],
        &[
            "产出指标",
            "数量指标",
            "覆盖社区数",
            "≥",
            "个",
            "120",
            "150",
        ],
        &["", "时效指标", "故障响应时间", "≤", "小时", "2", ""],
        &["联系人：张三"],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, text) in row.iter().enumerate() {
            ws.write_string_with_format(r as u32 + 1, c as u16 + 1, *text, &cell)
                .unwrap();
        }
    }
    workbook.save(path).unwrap();
}

#[test]
fn a_new_regional_variant_needs_only_a_template_file() {
    let dir = tempfile::tempdir().unwrap();
    let templates = dir.path().join("templates");
    std::fs::create_dir(&templates).unwrap();
    std::fs::write(templates.join("gd2024.toml"), TEMPLATE).unwrap();
    let form_path = dir.path().join("智慧社区.xlsx");
    write_variant(&form_path);

    // Without the template: read by the generic labels only, and marked for a person to check.
    let run = jixiao([OsStr::new("inspect"), form_path.as_os_str()]).expect_code(0);
    let generic = &run.json()[0]["forms"][0];
    assert_eq!(generic["template"], "generic", "{generic:#}");
    let marked = generic["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w["code"] == "generic_template");
    assert!(marked, "{generic:#}");

    let run = jixiao([
        OsStr::new("inspect"),
        OsStr::new("--templates"),
        templates.as_os_str(),
        form_path.as_os_str(),
    ])
    .expect_code(0);
    let form = &run.json()[0]["forms"][0];
    let mut m = Mismatches::default();
    let expect = |m: &mut Mismatches, key: &str, value: Value| {
        m.check("gd2024", key, &value, field(form, key))
    };
    expect(&mut m, "template", "gd2024".into());
    expect(&mut m, "year", 2024.into());
    expect(&mut m, "project_name", "智慧社区平台运维".into());
    expect(&mut m, "department", "[610001]某区民政局".into());
    expect(&mut m, "implementing_unit", "某区社区服务中心".into());
    expect(&mut m, "category", "延续性项目".into());
    expect(&mut m, "start_date", "2024-01-01".into());
    expect(&mut m, "end_date", "2024-12-31".into());
    expect(&mut m, "overall_goal", "保障社区平台全年稳定运行".into());
    m.check(
        "gd2024",
        "source cell",
        &"B2".into(),
        &form["source"]["cell"],
    );
    m.check(
        "gd2024",
        "extra",
        &"张三".into(),
        field(&form["extras"], "联系人"),
    );
    for (kind, amount) in [
        ("total", "125"),
        ("fiscal", "100"),
        ("other", "25"),
        ("annual_total", "125"),
    ] {
        m.check("gd2024", kind, &amount.into(), field(&form["funds"], kind));
    }
    let rows: Vec<(String, String, String, String, String, String)> = form["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let s = |k: &str| i[k].as_str().unwrap_or("").to_owned();
            (
                s("block"),
                s("level1"),
                s("level3"),
                s("value"),
                s("unit"),
                s("direction"),
            )
        })
        .collect();
    let expected: Vec<(String, String, String, String, String, String)> = [
        ("annual", "产出指标", "覆盖社区数", "120", "个", "≥"),
        ("long_term", "产出指标", "覆盖社区数", "150", "个", "≥"),
        ("annual", "产出指标", "故障响应时间", "2", "小时", "≤"),
    ]
    .iter()
    .map(|(a, b, c, d, e, f)| {
        (
            a.to_string(),
            b.to_string(),
            c.to_string(),
            d.to_string(),
            e.to_string(),
            f.to_string(),
        )
    })
    .collect();
    if rows != expected {
        m.note(format!(
            "indicators\n    expected: {expected:?}\n    actual:   {rows:?}"
        ));
    }
    let codes: Vec<&str> = form["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap())
        .collect();
    m.check(
        "gd2024",
        "warnings",
        &serde_json::json!(["partial_date", "partial_date"]),
        &serde_json::json!(codes),
    );
    m.assert_none();
}

#[test]
fn a_broken_template_file_is_one_clear_line_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.toml"),
        "id = \"bad\"\ntitles = [\"x\"]\n[[fields]]\ninto = \"nonsense\"\n",
    )
    .unwrap();
    let run = jixiao([
        OsStr::new("inspect"),
        OsStr::new("--templates"),
        dir.path().as_os_str(),
        OsStr::new("x.xlsx"),
    ])
    .expect_code(2);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.describe());
    assert!(run.stderr.contains("bad.toml"), "{}", run.describe());
}
