//! 部门预算项目支出绩效目标表 (四川): 报表编号, identity (the codes written before the names, as
//! "318-成都市文化广电旅游局"), one year's figures below their labels, the 年度总体目标, and the
//! indicator table 一级指标 | 二级指标 | 三级指标 | 指标性质 | 指标值 | 度量单位 | 权重.

use rust_xlsxwriter::XlsxError;

use super::{FormWriter, Layout, TableColumns, block_rows, extra, write_indicator_rows, year_line};
use crate::model::{Block, FundKind, Project};

/// "318-成都市文化广电旅游局", as the 四川 forms write a coded name.
fn dashed(code: Option<&str>, name: &str) -> String {
    match code.filter(|c| !c.is_empty()) {
        Some(code) if !name.is_empty() => format!("{code}-{name}"),
        _ => name.to_owned(),
    }
}

pub(super) fn write(w: &mut FormWriter<'_>, p: &Project) -> Result<(), XlsxError> {
    let title = w.formats.title.clone();
    let subtitle = w.formats.subtitle.clone();
    let plain = w.formats.plain.clone();
    w.text(0, 0, 0, 6, Layout::Sc2023.title(), &title)?;
    w.text(1, 0, 1, 6, &year_line(p), &subtitle)?;
    let number = extra(p, "报表编号");
    w.text(2, 0, 2, 3, &format!("报表编号：{number}"), &plain)?;
    let unit = if w.style.in_yuan {
        "单位：元"
    } else {
        "单位：万元"
    };
    w.text(2, 4, 2, 6, unit, &plain)?;
    w.label(3, 0, 3, 0, "项目名称")?;
    w.value(3, 1, 6, &super::coded_name(p), "项目名称")?;
    w.label(4, 0, 4, 0, "主管部门")?;
    let department = dashed(p.department_code.as_deref(), &p.department);
    w.value(
        4,
        1,
        2,
        &department,
        "主管部门（如 318-成都市文化广电旅游局）",
    )?;
    w.label(4, 3, 4, 3, "实施单位")?;
    let unit_name = dashed(p.implementing_unit_code.as_deref(), &p.implementing_unit);
    w.value(4, 4, 6, &unit_name, "实施单位")?;
    let money = if w.style.in_yuan {
        "项目资金（元）"
    } else {
        "项目资金（万元）"
    };
    w.label(5, 0, 6, 0, money)?;
    let f = &p.funds;
    let columns = [
        (1, 2, "年度资金总额", f.get(FundKind::Total)),
        (3, 4, "其中：财政资金", f.get(FundKind::Fiscal)),
        (5, 6, "其他资金", f.get(FundKind::Other)),
    ];
    for (c0, c1, label, amount) in columns {
        w.label(5, c0, 5, c1, label)?;
        w.amount(6, c0, c1, amount, label)?;
    }
    w.label(7, 0, 7, 0, "年度总体目标")?;
    w.paragraph(7, 1, 6, &p.annual_goal, "年度总体目标")?;
    let header = 8;
    for (col, text) in [
        (0, "一级指标"),
        (1, "二级指标"),
        (2, "三级指标"),
        (3, "指标性质"),
        (4, "指标值"),
        (5, "度量单位"),
        (6, "权重"),
    ] {
        w.label(header, col, header, col, text)?;
    }
    let rows = block_rows(&p.indicators, Block::Annual);
    let columns = TableColumns {
        level1: 0,
        level2: 1,
        level3: (2, 2),
        value: 4,
        unit: Some(5),
        direction: Some(3),
        weight: Some(6),
        note: None,
    };
    write_indicator_rows(w, header + 1, &rows, columns)?;
    Ok(())
}
