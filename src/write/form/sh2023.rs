//! 财政项目支出绩效目标表 (上海乡镇): identity, dates, the project and annual fund columns, the two
//! goals, and the annual indicator table (with a 计量单位 column when indicators state units).

use rust_xlsxwriter::XlsxError;

use super::{
    FormStyle, FormWriter, FundRows, Layout, TableColumns, block_rows, coded, extra,
    write_indicator_rows, year_line,
};
use crate::model::{Block, FundKind, Project};

/// True when the form needs its 计量单位 column (an indicator states a unit, or a blank form).
pub(super) fn needs_unit_column(p: &Project, style: &FormStyle) -> bool {
    style.blank_rows.is_none() && p.indicators.iter().any(|i| i.unit.is_some())
}

pub(super) fn write(w: &mut FormWriter<'_>, p: &Project) -> Result<(), XlsxError> {
    let unit_column = w.style.unit_column || needs_unit_column(p, w.style);
    let last: u16 = if unit_column { 6 } else { 5 };
    let title = w.formats.title.clone();
    let subtitle = w.formats.subtitle.clone();
    w.text(0, 0, 0, last, Layout::Sh2023.title(), &title)?;
    w.text(1, 0, 1, last, &year_line(p), &subtitle)?;
    w.label(2, 0, 2, 0, "项目名称")?;
    w.value(2, 1, 2, &super::coded_name(p), "项目名称")?;
    w.label(2, 3, 2, 3, "项目类别")?;
    let options = Layout::Sh2023.category_options();
    w.choice(
        2,
        4,
        last,
        options,
        p.category.as_deref(),
        false,
        "项目类别",
    )?;
    w.label(3, 0, 3, 0, "主管部门")?;
    let department = coded(p.department_code.as_deref(), &p.department);
    w.value(3, 1, 2, &department, "主管部门")?;
    w.label(3, 3, 3, 3, "实施单位")?;
    let unit = coded(p.implementing_unit_code.as_deref(), &p.implementing_unit);
    w.value(3, 4, last, &unit, "实施单位")?;
    w.label(4, 0, 4, 0, "计划开始日期")?;
    w.date(4, 1, 2, p.start_date, "计划开始日期")?;
    w.label(4, 3, 4, 3, "计划完成日期")?;
    w.date(4, 4, last, p.end_date, "计划完成日期")?;
    // A form with an annual 其他资金 needs the fourth fund row for it.
    let fund_rows = match w.style.fund_rows {
        FundRows::Three if p.funds.annual_other.is_some() => FundRows::AnnualOtherInFourth,
        other => other,
    };
    let fund_row_count: u32 = if fund_rows == FundRows::Three { 3 } else { 4 };
    let unit_label = if w.style.in_yuan {
        "项目资金\n(元)"
    } else {
        "项目资金\n(万元)"
    };
    w.label(5, 0, 4 + fund_row_count, 0, unit_label)?;
    let f = &p.funds;
    w.label(5, 1, 5, 1, "项目资金总额")?;
    w.amount(5, 2, 2, f.get(FundKind::Total), "项目资金总额")?;
    w.label(5, 3, 5, 3, "年度资金申请总额")?;
    w.amount(5, 4, last, f.get(FundKind::AnnualTotal), "年度资金申请总额")?;
    w.label(6, 1, 6, 1, "其中：财政资金")?;
    w.amount(6, 2, 2, f.get(FundKind::Fiscal), "其中：财政资金")?;
    w.label(6, 3, 6, 3, "其中：当年财政拨款")?;
    w.amount(
        6,
        4,
        last,
        f.get(FundKind::Appropriation),
        "其中：当年财政拨款",
    )?;
    let empty = w.formats.text.clone();
    match fund_rows {
        FundRows::Three => {
            w.label(7, 1, 7, 1, "其他资金")?;
            w.amount(7, 2, 2, f.get(FundKind::Other), "其他资金")?;
        }
        FundRows::OtherInFourth => {
            w.text(7, 1, 7, 1, "", &empty)?;
            w.text(7, 2, 7, 2, "", &empty)?;
            w.label(8, 1, 8, 1, "其他资金")?;
            w.amount(8, 2, 2, f.get(FundKind::Other), "其他资金")?;
            w.label(8, 3, 8, 3, "其他资金")?;
            w.amount(8, 4, last, f.get(FundKind::AnnualOther), "年度其他资金")?;
        }
        FundRows::AnnualOtherInFourth => {
            w.label(7, 1, 7, 1, "其他资金")?;
            w.amount(7, 2, 2, f.get(FundKind::Other), "其他资金")?;
            w.text(8, 1, 8, 1, "", &empty)?;
            w.text(8, 2, 8, 2, "", &empty)?;
            w.label(8, 3, 8, 3, "其他资金")?;
            w.amount(8, 4, last, f.get(FundKind::AnnualOther), "年度其他资金")?;
        }
    }
    w.label(7, 3, 7, 3, "上年结转资金")?;
    w.amount(7, 4, last, f.get(FundKind::Carryover), "上年结转资金")?;
    let goals = 5 + fund_row_count;
    w.label(goals, 0, goals + 1, 0, "项目\n绩效\n目标")?;
    let span = match (p.start_date, p.end_date) {
        (Some(s), Some(e)) => format!("项目总目标 ({}年-{}年)", s.year(), e.year()),
        _ => "项目总目标".to_owned(),
    };
    w.label(goals, 1, goals, 3, &span)?;
    w.label(goals, 4, goals, last, "年度总体目标")?;
    let overall = if w.style.html_goal {
        format!("<p>{}</p>", p.overall_goal)
    } else {
        p.overall_goal.clone()
    };
    w.heights.insert(5, 20.0);
    w.paragraph(goals + 1, 1, 3, &overall, "项目总目标")?;
    w.paragraph(goals + 1, 4, last, &p.annual_goal, "年度总体目标")?;
    let header = goals + 2;
    let rows = block_rows(&p.indicators, Block::Annual);
    let count = w.style.blank_rows.unwrap_or(rows.len()).max(1) as u32;
    w.label(header, 0, header + count, 0, "绩效\n指标")?;
    w.label(header, 1, header, 1, "一级指标")?;
    w.label(header, 2, header, 2, "二级指标")?;
    w.label(header, 3, header, 4, "三级指标")?;
    if unit_column {
        w.label(header, 5, header, 5, "计量单位")?;
    }
    w.label(header, last, header, last, "年度指标值")?;
    let columns = TableColumns {
        level1: 1,
        level2: 2,
        level3: (3, 4),
        value: last,
        unit: unit_column.then_some(5),
        direction: None,
        weight: None,
        note: None,
    };
    let written = write_indicator_rows(w, header + 1, &rows, columns)?;
    let footer = header + 1 + written.max(1);
    write_footer(w, p, footer, last)
}

/// 项目负责人 / 联系电话 and 填报人 / 填报日期 below the table, when the project has them (the
/// official form has no place for them; a form that added them keeps them).
fn write_footer(w: &mut FormWriter<'_>, p: &Project, row: u32, last: u16) -> Result<(), XlsxError> {
    let has = |key: &str| !extra(p, key).is_empty();
    let mut row = row;
    if has("项目负责人") || has("联系电话") {
        w.label(row, 0, row, 0, "项目负责人")?;
        w.value(row, 1, 2, extra(p, "项目负责人"), "项目负责人")?;
        w.label(row, 3, row, 3, "联系电话")?;
        w.value(row, 4, last, extra(p, "联系电话"), "联系电话")?;
        row += 1;
    }
    if has("填报人") || has("填报日期") {
        row += 1;
        w.plain(row, 0, 2, &format!("填报人：{}", extra(p, "填报人")))?;
        w.plain(row, 3, last, &format!("填报日期：{}", extra(p, "填报日期")))?;
    }
    Ok(())
}
