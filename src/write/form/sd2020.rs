//! 财政支出项目绩效目标申报表 (山东济宁, 2020, 表6): identity with 主管部门编码, one cell of funds
//! ("资金总额：350 财政拨款：350 自有资金："), the project's case, its schedule, the two goals, and
//! the 长期 and 年度 indicator blocks one under the other.

use rust_decimal::Decimal;
use rust_xlsxwriter::XlsxError;

use super::{
    FormWriter, Layout, TableColumns, block_rows, coded, extra, write_indicator_rows, year_line,
};
use crate::model::{Block, FundKind, Project};

pub(super) fn write(w: &mut FormWriter<'_>, p: &Project) -> Result<(), XlsxError> {
    let title = w.formats.title.clone();
    let subtitle = w.formats.subtitle.clone();
    let plain = w.formats.plain.clone();
    w.text(0, 0, 0, 6, Layout::Sd2020.title(), &title)?;
    w.text(1, 0, 1, 6, &year_line(p), &subtitle)?;
    w.text(2, 0, 2, 0, "表6", &plain)?;
    w.text(3, 0, 3, 6, "填报单位(盖章)", &plain)?;
    w.label(4, 0, 4, 0, "项目名称")?;
    w.value(4, 1, 3, &super::coded_name(p), "项目名称")?;
    w.label(4, 4, 4, 4, "项目属性")?;
    let options = Layout::Sd2020.category_options();
    w.choice(4, 5, 6, options, p.category.as_deref(), false, "项目属性")?;
    w.label(5, 0, 5, 0, "主管部门")?;
    w.value(5, 1, 3, &p.department, "主管部门")?;
    w.label(5, 4, 5, 4, "主管部门编码")?;
    w.value(
        5,
        5,
        6,
        p.department_code.as_deref().unwrap_or(""),
        "主管部门编码",
    )?;
    w.label(6, 0, 6, 0, "项目单位")?;
    let unit = coded(p.implementing_unit_code.as_deref(), &p.implementing_unit);
    w.value(6, 1, 2, &unit, "项目单位")?;
    w.label(6, 3, 6, 3, "项目负责人")?;
    w.value(6, 4, 4, extra(p, "项目负责人"), "项目负责人")?;
    w.label(6, 5, 6, 5, "联系电话")?;
    w.value(6, 6, 6, extra(p, "联系电话"), "联系电话")?;
    w.label(7, 0, 7, 0, "项目起止时间")?;
    let period = match (p.start_date, p.end_date) {
        (Some(s), Some(e)) => format!(
            "{}年{}月{}日-{}年{}月{}日",
            s.year(),
            s.month(),
            s.day(),
            e.year(),
            e.month(),
            e.day()
        ),
        (Some(s), None) => format!("{}年{}月{}日", s.year(), s.month(), s.day()),
        _ => String::new(),
    };
    w.value(
        7,
        1,
        6,
        &period,
        "项目起止时间（如 2024年1月1日-2024年12月31日）",
    )?;
    w.label(8, 0, 8, 0, "项目资金申请\n(万元)")?;
    let blank = w.blank();
    let amount = |kind| {
        p.funds
            .get(kind)
            .filter(|_| !blank)
            .map_or_else(String::new, |d: Decimal| d.normalize().to_string())
    };
    let funds = format!(
        "资金总额：{} 财政拨款：{} 自有资金：{}\n1、事业收入\n2、经营性收入\n3、其他",
        amount(FundKind::Total),
        amount(FundKind::Fiscal),
        amount(FundKind::Other)
    );
    w.labelled_paragraph(8, 1, 6, &funds, "资金总额：  财政拨款：  自有资金：")?;
    w.label(9, 0, 9, 0, "项目单位职能概述")?;
    w.paragraph(9, 1, 6, extra(p, "项目单位职能概述"), "项目单位职能概述")?;
    w.label(10, 0, 10, 0, "项目概况")?;
    w.paragraph(10, 1, 6, extra(p, "项目概况"), "项目概况")?;
    w.label(11, 0, 12, 0, "项目立项情况")?;
    w.label(11, 1, 11, 1, "项目立项的依据")?;
    w.paragraph(11, 2, 6, extra(p, "项目立项的依据"), "项目立项的依据")?;
    w.label(12, 1, 12, 1, "项目申报的可行性")?;
    w.paragraph(12, 2, 6, extra(p, "项目申报的可行性"), "项目申报的可行性")?;
    let schedule = extra(p, "项目实施进度计划");
    let lines: Vec<&str> = if w.blank() {
        vec![""; 3]
    } else {
        schedule.lines().collect()
    };
    let mut row = 13;
    w.label(row, 0, row + lines.len() as u32, 0, "项目实施进度计划")?;
    w.label(row, 1, row, 4, "项目实施内容")?;
    w.label(row, 5, row, 5, "开始时间")?;
    w.label(row, 6, row, 6, "完成时间")?;
    for line in &lines {
        row += 1;
        let parts: Vec<&str> = line.split(" | ").collect();
        w.paragraph(
            row,
            1,
            4,
            parts.first().copied().unwrap_or(""),
            "项目实施内容",
        )?;
        w.value(row, 5, 5, parts.get(1).copied().unwrap_or(""), "开始时间")?;
        w.value(row, 6, 6, parts.get(2).copied().unwrap_or(""), "完成时间")?;
    }
    row += 1;
    w.label(row, 0, row + 1, 0, "项目绩效目标")?;
    w.label(row, 1, row, 3, "长期目标")?;
    w.label(row, 4, row, 6, "年度目标")?;
    w.paragraph(row + 1, 1, 3, &p.overall_goal, "长期目标")?;
    w.paragraph(row + 1, 4, 6, &p.annual_goal, "年度目标")?;
    row += 2;
    for (block, label) in [
        (Block::LongTerm, "长期绩效指标"),
        (Block::Annual, "年度绩效指标"),
    ] {
        let rows = block_rows(&p.indicators, block);
        let count = w.style.blank_rows.unwrap_or(rows.len()).max(1) as u32;
        w.label(row, 0, row + count, 0, label)?;
        w.label(row, 1, row, 1, "一级指标")?;
        w.label(row, 2, row, 2, "二级指标")?;
        w.label(row, 3, row, 5, "指标内容")?;
        w.label(row, 6, row, 6, "指标值")?;
        let columns = TableColumns {
            level1: 1,
            level2: 2,
            level3: (3, 5),
            value: 6,
            unit: None,
            direction: None,
            weight: None,
            note: None,
        };
        write_indicator_rows(w, row + 1, &rows, columns)?;
        row += 1 + count;
    }
    w.label(row, 0, row, 0, "其他需说明的问题")?;
    w.paragraph(row, 1, 6, extra(p, "其他需说明的问题"), "其他需说明的问题")?;
    w.label(row + 1, 0, row + 1, 0, "预算部门审核意见")?;
    w.paragraph(row + 1, 1, 6, "(盖章) 年 月 日", "预算部门审核意见")?;
    row += 3;
    w.text(
        row,
        0,
        row,
        1,
        &format!("填报人： {}", extra(p, "填报人")),
        &plain,
    )?;
    w.text(
        row,
        2,
        row,
        3,
        &format!("单位负责人： {}", extra(p, "单位负责人")),
        &plain,
    )?;
    w.text(
        row,
        4,
        row,
        6,
        &format!("填报日期： {}", extra(p, "填报日期")),
        &plain,
    )?;
    Ok(())
}
