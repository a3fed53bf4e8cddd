//! 项目支出绩效目标申报表 (财政部): 主管部门及代码, 项目属性 and 项目期, the 中期 and 年度 fund
//! columns side by side, the two goals, and the indicator table whose 二级/三级/指标值 columns
//! repeat — 中期 on the left, 年度 on the right — beside one 一级指标 column.

use rust_xlsxwriter::XlsxError;

use super::{FormWriter, Indicator, Layout, coded, extra, write_runs, year_line};
use crate::model::{Block, FundKind, Project};

/// One 一级指标 section of the table: its 中期 and 年度 indicators, side by side.
struct Section<'p> {
    level1: &'p str,
    long_term: Vec<(usize, &'p Indicator)>,
    annual: Vec<(usize, &'p Indicator)>,
}

/// The indicators in the order the form reads them back: the 中期 group, section by section, then
/// the 年度 group.
pub(super) fn read_order(indicators: Vec<Indicator>) -> Vec<Indicator> {
    let project = Project {
        indicators,
        ..Project::default()
    };
    let order: Vec<usize> = {
        let sections = sections(&project);
        let long = sections
            .iter()
            .flat_map(|s| s.long_term.iter().map(|(i, _)| *i));
        let annual = sections
            .iter()
            .flat_map(|s| s.annual.iter().map(|(i, _)| *i));
        long.chain(annual).collect()
    };
    let mut slots: Vec<Option<Indicator>> = project.indicators.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}

/// The indicators by 一级指标, in the order each first appears.
fn sections(p: &Project) -> Vec<Section<'_>> {
    let mut sections: Vec<Section<'_>> = Vec::new();
    for (index, indicator) in p.indicators.iter().enumerate() {
        let at = match sections.iter().position(|s| s.level1 == indicator.level1) {
            Some(at) => at,
            None => {
                sections.push(Section {
                    level1: &indicator.level1,
                    long_term: Vec::new(),
                    annual: Vec::new(),
                });
                sections.len() - 1
            }
        };
        let section = &mut sections[at];
        match indicator.block {
            Block::LongTerm => section.long_term.push((index, indicator)),
            Block::Annual => section.annual.push((index, indicator)),
        }
    }
    sections
}

pub(super) fn write(w: &mut FormWriter<'_>, p: &Project) -> Result<(), XlsxError> {
    let title = w.formats.title.clone();
    let subtitle = w.formats.subtitle.clone();
    w.text(0, 0, 0, 7, Layout::C2015.title(), &title)?;
    w.text(1, 0, 1, 7, &year_line(p), &subtitle)?;
    w.label(2, 0, 2, 0, "项目名称")?;
    w.value(2, 1, 7, &super::coded_name(p), "项目名称")?;
    w.label(3, 0, 3, 0, "主管部门及代码")?;
    let department = coded(p.department_code.as_deref(), &p.department);
    w.value(3, 1, 3, &department, "主管部门及代码（如 [173]中国科学院）")?;
    w.label(3, 4, 3, 4, "实施单位")?;
    let unit = coded(p.implementing_unit_code.as_deref(), &p.implementing_unit);
    w.value(3, 5, 7, &unit, "实施单位")?;
    w.label(4, 0, 4, 0, "项目属性")?;
    let options = Layout::C2015.category_options();
    // The 财政部 form writes the category as a word, not as ticked boxes.
    w.choice(4, 1, 3, options, p.category.as_deref(), true, "项目属性")?;
    w.label(4, 4, 4, 4, "项目期")?;
    w.value(4, 5, 7, extra(p, "项目期"), "项目期（如 3年）")?;
    let unit_label = if w.style.in_yuan {
        "项目资金（元）"
    } else {
        "项目资金（万元）"
    };
    w.label(5, 0, 7, 0, unit_label)?;
    let f = &p.funds;
    let lines = [
        (
            "中期资金总额",
            FundKind::Total,
            "年度资金总额",
            FundKind::AnnualTotal,
        ),
        (
            "其中：财政拨款",
            FundKind::Fiscal,
            "其中：财政拨款",
            FundKind::Appropriation,
        ),
        (
            "其他资金",
            FundKind::Other,
            "其他资金",
            FundKind::AnnualOther,
        ),
    ];
    for (offset, (left, left_kind, right, right_kind)) in lines.into_iter().enumerate() {
        let row = 5 + offset as u32;
        w.label(row, 1, row, 2, left)?;
        w.amount(row, 3, 3, f.get(left_kind), left)?;
        w.label(row, 4, row, 5, right)?;
        w.amount(row, 6, 7, f.get(right_kind), right)?;
    }
    w.label(8, 0, 9, 0, "总体目标")?;
    w.label(8, 1, 8, 4, "中期目标")?;
    w.label(8, 5, 8, 7, "年度目标")?;
    w.paragraph(9, 1, 4, &p.overall_goal, "中期目标")?;
    w.paragraph(9, 5, 7, &p.annual_goal, "年度目标")?;
    let header = 10;
    for (col, text) in [
        (1, "一级指标"),
        (2, "二级指标"),
        (3, "三级指标"),
        (4, "指标值"),
        (5, "二级指标"),
        (6, "三级指标"),
        (7, "指标值"),
    ] {
        w.label(header, col, header, col, text)?;
    }
    let rows = if let Some(count) = w.style.blank_rows {
        write_blank(w, header + 1, count as u32)?
    } else {
        write_sections(w, header + 1, &sections(p))?
    };
    w.label(header, 0, header + rows.max(1), 0, "绩效指标")?;
    let footer = header + 1 + rows.max(1);
    if !extra(p, "项目负责人").is_empty() || !extra(p, "联系电话").is_empty() {
        w.label(footer, 0, footer, 0, "项目负责人")?;
        w.value(footer, 1, 3, extra(p, "项目负责人"), "项目负责人")?;
        w.label(footer, 4, footer, 4, "联系电话")?;
        w.value(footer, 5, 7, extra(p, "联系电话"), "联系电话")?;
    }
    Ok(())
}

/// The sections one under another: the 一级指标 merged over each, each group's 二级指标 merged
/// over its runs. Returns the rows written.
fn write_sections(
    w: &mut FormWriter<'_>,
    first_row: u32,
    sections: &[Section<'_>],
) -> Result<u32, XlsxError> {
    let format = w.formats.text.clone();
    let mut row = first_row;
    for section in sections {
        let height = section.long_term.len().max(section.annual.len()).max(1) as u32;
        w.text(row, 1, row + height - 1, 1, section.level1, &format)?;
        for (rows, columns) in [
            (&section.long_term, (2, 3, 4)),
            (&section.annual, (5, 6, 7)),
        ] {
            write_group(w, row, height, rows, columns)?;
        }
        row += height;
    }
    Ok(row - first_row)
}

/// One column group of a section: 二级指标 merged over its runs, 三级指标 and 指标值 per row,
/// empty cells below its last row.
fn write_group(
    w: &mut FormWriter<'_>,
    first_row: u32,
    height: u32,
    rows: &[(usize, &Indicator)],
    (level2, level3, value): (u16, u16, u16),
) -> Result<(), XlsxError> {
    // A section holds one 一级指标, so a run is rows of the same 二级指标.
    let same = |a: &Indicator, b: &Indicator| a.level2 == b.level2;
    write_runs(w, first_row, level2, rows, same, |i| &i.level2)?;
    let format = w.formats.text.clone();
    for (offset, (index, indicator)) in rows.iter().enumerate() {
        let row = first_row + offset as u32;
        w.fit_height(row, level3, level3, &indicator.level3);
        w.text(row, level3, row, level3, &indicator.level3, &format)?;
        w.text(row, value, row, value, &indicator.value, &format)?;
        w.sheet
            .value_cells
            .push((*index, w.row0 + row, w.col0 + value));
    }
    for row in first_row + rows.len() as u32..first_row + height {
        for col in [level2, level3, value] {
            w.text(row, col, row, col, "", &format)?;
        }
    }
    Ok(())
}

/// Empty rows of a blank form, each cell of both groups an input.
fn write_blank(w: &mut FormWriter<'_>, first_row: u32, count: u32) -> Result<u32, XlsxError> {
    use super::InputKind;
    let format = w.formats.text.clone();
    let level1_col = w.col0 + 1;
    for row in first_row..first_row + count {
        let cells = [
            (1, InputKind::Level1, "一级指标"),
            (2, InputKind::Level2 { level1_col }, "中期二级指标"),
            (3, InputKind::Text, "中期三级指标"),
            (4, InputKind::Text, "中期指标值"),
            (5, InputKind::Level2 { level1_col }, "年度二级指标"),
            (6, InputKind::Text, "年度三级指标"),
            (7, InputKind::Text, "年度指标值"),
        ];
        for (col, kind, hint) in cells {
            w.note_input(row, col, kind, hint);
            w.text(row, col, row, col, "", &format)?;
        }
    }
    Ok(count)
}
