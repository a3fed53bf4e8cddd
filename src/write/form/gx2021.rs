//! 财政支出绩效目标申报表 (广西): identity, 项目属性 and 项目起止时间(如20190101), 单位职能概述, one
//! year's figures by budget type (the whole 财政资金 on the 一般公共预算拨款 line, 其他资金 on the
//! 未纳入财政专户管理的收入 line, 上年结转 on 上年结余收入), the two goals, and the indicator table
//! 一级指标 | 二级指标 | 分值 | 指标内容 | 指标值 | 评分细则.

use rust_xlsxwriter::XlsxError;

use super::{
    FormWriter, Layout, TableColumns, block_rows, coded, extra, write_indicator_rows, year_line,
};
use crate::model::{Block, FundKind, Project};

pub(super) fn write(w: &mut FormWriter<'_>, p: &Project) -> Result<(), XlsxError> {
    let title = w.formats.title.clone();
    let subtitle = w.formats.subtitle.clone();
    w.text(0, 0, 0, 5, Layout::Gx2021.title(), &title)?;
    w.text(1, 0, 1, 5, &year_line(p), &subtitle)?;
    w.label(2, 0, 2, 0, "项目名称")?;
    w.value(2, 1, 5, &super::coded_name(p), "项目名称")?;
    w.label(3, 0, 3, 0, "主管部门")?;
    let department = coded(p.department_code.as_deref(), &p.department);
    w.value(3, 1, 2, &department, "主管部门")?;
    w.label(3, 3, 3, 3, "项目实施单位")?;
    let unit = coded(p.implementing_unit_code.as_deref(), &p.implementing_unit);
    w.value(3, 4, 5, &unit, "项目实施单位")?;
    w.label(4, 0, 4, 0, "项目属性")?;
    let options = Layout::Gx2021.category_options();
    w.choice(4, 1, 2, options, p.category.as_deref(), false, "项目属性")?;
    w.label(4, 3, 4, 3, "项目起止时间(如20190101)")?;
    let day = |d: crate::model::Date| format!("{:04}{:02}{:02}", d.year(), d.month(), d.day());
    let period = match (p.start_date, p.end_date) {
        (Some(s), Some(e)) => format!("{}-{}", day(s), day(e)),
        (Some(s), None) => day(s),
        _ => String::new(),
    };
    w.value(4, 4, 5, &period, "项目起止时间（如 20240101-20241231）")?;
    w.label(5, 0, 5, 0, "单位职能概述(450字内)")?;
    w.paragraph(5, 1, 5, extra(p, "单位职能概述"), "单位职能概述（450字内）")?;
    let unit_label = if w.style.in_yuan {
        "项目资金（元）"
    } else {
        "项目资金（万元）"
    };
    w.label(6, 0, 12, 0, unit_label)?;
    let f = &p.funds;
    let lines = [
        ("资金总额", f.get(FundKind::Total)),
        ("一般公共预算拨款", f.get(FundKind::Fiscal)),
        ("政府性基金预算拨款", None),
        ("国有资本经营预算拨款", None),
        ("纳入财政专户管理的收入", None),
        ("未纳入财政专户管理的收入", f.get(FundKind::Other)),
        ("上年结余收入", f.get(FundKind::Carryover)),
    ];
    for (offset, (label, amount)) in lines.into_iter().enumerate() {
        let row = 6 + offset as u32;
        w.label(row, 1, row, 3, label)?;
        w.amount(row, 4, 5, amount, label)?;
    }
    w.label(13, 0, 14, 0, "项目绩效目标")?;
    w.label(13, 1, 13, 1, "长期目标")?;
    w.paragraph(13, 2, 5, &p.overall_goal, "长期目标")?;
    w.label(14, 1, 14, 1, "年度目标")?;
    w.paragraph(14, 2, 5, &p.annual_goal, "年度目标")?;
    let header = 15;
    for (col, text) in [
        (0, "一级指标"),
        (1, "二级指标"),
        (2, "分值"),
        (3, "指标内容"),
        (4, "指标值"),
        (5, "评分细则"),
    ] {
        w.label(header, col, header, col, text)?;
    }
    let rows = block_rows(&p.indicators, Block::Annual);
    let columns = TableColumns {
        level1: 0,
        level2: 1,
        level3: (3, 3),
        value: 4,
        unit: None,
        direction: None,
        weight: Some(2),
        note: Some(5),
    };
    let written = write_indicator_rows(w, header + 1, &rows, columns)?;
    let footer = header + 1 + written;
    if !extra(p, "项目负责人").is_empty() || !extra(p, "联系电话").is_empty() {
        w.label(footer, 0, footer, 0, "项目负责人")?;
        w.value(footer, 1, 2, extra(p, "项目负责人"), "项目负责人")?;
        w.label(footer, 3, footer, 3, "联系电话")?;
        w.value(footer, 4, 5, extra(p, "联系电话"), "联系电话")?;
    }
    Ok(())
}
