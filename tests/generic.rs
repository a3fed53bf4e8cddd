//! Layouts no template names, written here from the label families seen across China, are read
//! by the generic template — with the right values and the warning `generic_template` — and a
//! department-wide form (部门整体支出绩效目标申报表) is refused with its reason, titled or not.

use std::ffi::OsStr;
use std::path::Path;

use serde_json::{Value, json};

use crate::harness::{Mismatches, jixiao};
use crate::sheet_copy::write_rows as write;

fn normalize(path: &Path) -> Value {
    jixiao([OsStr::new("normalize"), path.as_os_str()]).json()[0].clone()
}

/// Checks a form's fields (`expected` keys are model keys; funds as decimal strings), its
/// indicators as (level1, level2, level3, value, unit) and that it carries `generic_template`.
fn check(m: &mut Mismatches, place: &str, form: &Value, expected: Value, indicators: &[[&str; 5]]) {
    m.check(place, "template", &"generic".into(), &form["template"]);
    for (key, value) in expected.as_object().unwrap() {
        let actual = match key.strip_prefix("funds.") {
            Some(kind) => form["funds"][kind].clone(),
            None => form[key].clone(),
        };
        m.check(place, key, value, &actual);
    }
    let read: Vec<[String; 5]> = form["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let text = |k: &str| i[k].as_str().unwrap_or("").to_owned();
            [
                text("level1"),
                text("level2"),
                text("level3"),
                text("value"),
                text("unit"),
            ]
        })
        .collect();
    let expected: Vec<[String; 5]> = indicators
        .iter()
        .map(|row| row.map(str::to_owned))
        .collect();
    if read != expected {
        m.note(format!(
            "{place}: indicators\n    expected: {expected:?}\n    actual:   {read:?}"
        ));
    }
    let warning = form["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["code"] == "generic_template");
    match warning {
        Some(w) if w["message"].as_str().unwrap().contains("项目名称") => {}
        _ => m.note(format!(
            "{place}: no generic_template warning naming the labels: {}",
            form["warnings"]
        )),
    }
}

#[test]
fn three_unregistered_layouts_are_read_by_their_labels_and_marked() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = Mismatches::default();

    // 1. A municipal 申报表: values right of labels, the funds inline in one cell, goals below
    //    their labels, 指标名称 / 计量单位 / 目标值 columns.
    let first = dir.path().join("市级申报表.xlsx");
    write(
        &first,
        &[
            &["某市2024年度市级财政项目绩效目标申报表", "", "", "", ""],
            &["项目名称", "城市公园绿地养护", "", "", ""],
            &[
                "主管预算部门",
                "某市园林绿化局",
                "项目承担单位",
                "某市公园管理中心",
                "",
            ],
            &[
                "资金总额：120 其中：财政拨款：100 自有资金：20",
                "",
                "",
                "",
                "",
            ],
            &["总体目标", "", "年度目标", "", ""],
            &[
                "提升公园绿地养护水平",
                "",
                "完成全市公园绿地日常养护",
                "",
                "",
            ],
            &["一级指标", "二级指标", "指标名称", "计量单位", "目标值"],
            &["产出指标", "数量指标", "养护绿地面积", "万平方米", "≥350"],
            &["", "质量指标", "绿地完好率", "%", "≥95"],
            &["满意度指标", "服务对象满意度指标", "游客满意度", "%", "≥90"],
        ],
        &[(0, 0, 0, 4), (3, 0, 3, 4), (7, 0, 8, 0)],
    );
    let form = &normalize(&first)["forms"][0];
    check(
        &mut m,
        "市级申报表",
        form,
        json!({
            "year": 2024,
            "project_name": "城市公园绿地养护",
            "department": "某市园林绿化局",
            "implementing_unit": "某市公园管理中心",
            "funds.total": "120",
            "funds.fiscal": "100",
            "funds.other": "20",
            "funds.annual_total": "120",
            "overall_goal": "提升公园绿地养护水平",
            "annual_goal": "完成全市公园绿地日常养护",
        }),
        &[
            ["产出指标", "数量指标", "养护绿地面积", "≥350", "万平方米"],
            ["产出指标", "质量指标", "绿地完好率", "≥95", "%"],
            ["满意度指标", "服务对象满意度指标", "游客满意度", "≥90", "%"],
        ],
    );

    // 2. Values below their labels, a coded 主管部门及代码, 年度资金总额 / 财政资金 / 其他资金,
    //    goals right of their labels, and 三级指标 | 指标性质 | 当年预期实现值 | 度量单位 | 权重.
    let second = dir.path().join("区县绩效目标表.xlsx");
    write(
        &second,
        &[
            &["2025年项目绩效目标表", "", "", "", "", ""],
            &["项目名称", "主管部门及代码", "实施单位", "", "", ""],
            &[
                "社区养老服务补贴",
                "[208]某区民政局",
                "某区养老服务中心",
                "",
                "",
                "",
            ],
            &["年度资金总额", "财政资金", "其他资金", "", "", ""],
            &["86.5", "80", "6.5", "", "", ""],
            &["长期目标", "建成覆盖全区的社区养老服务网络", "", "", "", ""],
            &["年度总体目标", "为1200名老人提供助餐服务", "", "", "", ""],
            &[
                "一级指标",
                "二级指标",
                "三级指标",
                "指标性质",
                "当年预期实现值",
                "度量单位",
            ],
            &["产出指标", "数量指标", "助餐服务人数", "≥", "1200", "人"],
            &[
                "效益指标",
                "社会效益指标",
                "老人生活质量",
                "定性",
                "明显改善",
                "",
            ],
        ],
        &[(0, 0, 0, 5)],
    );
    let form = &normalize(&second)["forms"][0];
    check(
        &mut m,
        "区县绩效目标表",
        form,
        json!({
            "year": 2025,
            "project_name": "社区养老服务补贴",
            "department": "某区民政局",
            "department_code": "208",
            "implementing_unit": "某区养老服务中心",
            "funds.total": "86.5",
            "funds.fiscal": "80",
            "funds.other": "6.5",
            "funds.appropriation": "80",
            "overall_goal": "建成覆盖全区的社区养老服务网络",
            "annual_goal": "为1200名老人提供助餐服务",
        }),
        &[
            ["产出指标", "数量指标", "助餐服务人数", "1200", "人"],
            ["效益指标", "社会效益指标", "老人生活质量", "明显改善", ""],
        ],
    );
    let measure = &form["indicators"][0]["normalized"]["measure"];
    m.check(
        "区县绩效目标表",
        "comparator",
        &"≥".into(),
        &measure["comparator"],
    );

    // 3. A 填报表 in 元 with 项目资金总额 / 财政性资金 / 单位自筹资金 and 项目总目标 below, 指标内容 /
    //    指标值 columns under 长期 and 年度 block labels.
    let third = dir.path().join("单位填报表.xlsx");
    write(
        &third,
        &[
            &["项目支出绩效目标填报表（2024年）", "", "", "", ""],
            &["项目名称", "档案数字化", "主管部门", "某县档案局", ""],
            &["实施单位", "某县档案馆", "", "", ""],
            &["资金情况（元）", "项目资金总额", "1,200,000.00", "", ""],
            &["", "财政性资金", "1,000,000.00", "", ""],
            &["", "单位自筹资金", "200,000.00", "", ""],
            &["项目总目标", "", "", "", ""],
            &["完成馆藏档案数字化", "", "", "", ""],
            &["长期绩效指标", "一级指标", "二级指标", "指标内容", "指标值"],
            &["", "产出指标", "数量指标", "累计数字化档案", "≥50万页"],
            &["年度绩效指标", "一级指标", "二级指标", "指标内容", "指标值"],
            &["", "产出指标", "数量指标", "年度数字化档案", "≥20万页"],
        ],
        &[(0, 0, 0, 4), (3, 0, 5, 0)],
    );
    let form = &normalize(&third)["forms"][0];
    check(
        &mut m,
        "单位填报表",
        form,
        json!({
            "year": 2024,
            "project_name": "档案数字化",
            "department": "某县档案局",
            "implementing_unit": "某县档案馆",
            "funds.total": "120",
            "funds.fiscal": "100",
            "funds.other": "20",
            "overall_goal": "完成馆藏档案数字化",
        }),
        &[
            ["产出指标", "数量指标", "累计数字化档案", "≥50万页", ""],
            ["产出指标", "数量指标", "年度数字化档案", "≥20万页", ""],
        ],
    );
    let blocks: Vec<&Value> = form["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| &i["block"])
        .collect();
    m.check(
        "单位填报表",
        "blocks",
        &json!(["long_term", "annual"]),
        &json!(blocks),
    );
    m.assert_none();
}

#[test]
fn a_department_wide_form_of_a_layout_no_template_names_is_read_as_a_department_titled_or_not() {
    let dir = tempfile::tempdir().unwrap();
    let titled = dir.path().join("部门整体.xlsx");
    write(
        &titled,
        &[
            &["部门整体支出绩效目标申报表", "", ""],
            &["（2024年度）", "", ""],
            &["部门（单位）名称", "某区教育局", ""],
            &["年度主要任务", "任务名称", "主要内容"],
            &["", "义务教育保障", "保障全区义务教育学校正常运转"],
            &["部门整体预算", "5000", ""],
        ],
        &[],
    );
    let untitled = dir.path().join("无标题整体.xlsx");
    write(
        &untitled,
        &[
            &["部门（单位）名称", "某区卫健委", ""],
            &["年度主要任务", "任务名称", "主要内容"],
            &["", "公共卫生服务", "开展基本公共卫生服务"],
        ],
        &[],
    );
    // The untitled one carries the labels of the 陕西 layout and is read with it; the titled one,
    // a title no registered template has, is read generically.
    for (path, department, task, template) in [
        (&titled, "某区教育局", "义务教育保障", "department"),
        (&untitled, "某区卫健委", "公共卫生服务", "sx2020bm"),
    ] {
        let entry = normalize(path);
        assert_eq!(entry["status"], "converted", "{entry:#}");
        let forms = entry["forms"].as_array().unwrap();
        assert_eq!(forms.len(), 1, "{entry:#}");
        let form = &forms[0];
        assert_eq!(form["kind"], "department_target", "{form:#}");
        assert_eq!(form["template"], template);
        assert_eq!(form["department"], department);
        assert_eq!(form["tasks"][0]["name"], task, "{form:#}");
        let codes: Vec<&str> = form["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|w| w["code"].as_str())
            .collect();
        assert_eq!(
            codes.contains(&"generic_template"),
            template == "department",
            "{codes:?}"
        );
    }
    assert_eq!(
        normalize(&titled)["forms"][0]["funds"]["total"],
        "5000",
        "the 部门整体预算 figure"
    );
}
