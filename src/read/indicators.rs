//! Reading the indicator table(s) of a form: header rows found by their labels (一级指标 …
//! 指标值, with optional 计量单位 / 指标方向 columns anywhere), then the rows under each header
//! until the section ends. Level names hidden by merged cells are resolved; where a form has no
//! merges (blank cells under a level name), the name above carries down.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::columns::{ColumnReader, ColumnSet, table_rows};
use super::context::FormContext;
use super::grid::{Cell, CellValue, Grid, Region, a1};
use super::limits::over_limit;
use super::locate::labels_in;
use super::values::{Number, cell_text, inline_text, parse_number};
use crate::error::ErrorKind;
use crate::model::{Block, Indicator, WarningCode};
use crate::template::{TableSpec, any_matches};
use crate::text::fold_label;

/// More indicators than any real form has (they have tens): past this the sheet is not a form
/// but a table of data, and reading on would only exhaust memory.
const MAX_INDICATORS_PER_FORM: usize = 10_000;

/// What a header cell of the indicator table names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Level1,
    Level2,
    Level3,
    Unit,
    Direction,
    Weight,
    Note,
    Actual,
    Score,
    Deviation,
    Expected,
    Likelihood,
    Measures,
    /// A value column: the index of its definition in the template.
    Value(usize),
}

impl Column {
    /// True for the columns whose header may be split into ticked options (确定能 | 有可能 |
    /// 完全不可能 under 完成目标可能性; 经费保障 | 制度保障 | … under 偏差原因分析).
    fn may_tick(self) -> bool {
        matches!(
            self,
            Column::Likelihood | Column::Deviation | Column::Measures | Column::Note
        )
    }
}

/// The columns of one group of a header row: every kind once (a kind seen again starts the next
/// group, as 二级/三级/指标值 repeat for 中期 and 年度 on the 财政部 form).
#[derive(Debug, Clone, Default)]
struct Group {
    columns: Vec<(Column, Region)>,
    /// The group's block, when the template orders its groups.
    block: Option<Block>,
    /// Columns split into options on the header's lower rows, each option a heading whose cell a
    /// row ticks (√): the column's value is the ticked heading.
    ticks: Vec<(Column, Vec<(Region, String)>)>,
}

impl Group {
    fn get(&self, kind: Column) -> Option<Region> {
        self.columns
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, r)| *r)
    }

    fn values(&self) -> impl Iterator<Item = (usize, Region)> + '_ {
        self.columns.iter().filter_map(|(k, r)| match k {
            Column::Value(i) => Some((*i, *r)),
            _ => None,
        })
    }
}

/// One header row: its groups of columns, left to right.
struct Header {
    row: u32,
    /// The header's last row: below `row` when header cells are merged down over a row of
    /// sub-headings (the options of a ticked column); the table's rows start under it.
    last_row: u32,
    block: Block,
    groups: Vec<Group>,
}

impl Header {
    fn first_col(&self) -> u32 {
        self.groups
            .iter()
            .flat_map(|g| g.columns.iter().map(|(_, r)| r.first_col))
            .min()
            .unwrap_or(0)
    }
}

/// Reads every indicator table of the form, in order: per header row, each column group in
/// turn (all of 中期, then all of 年度).
pub(super) fn read_indicators(
    ctx: &mut FormContext<'_, '_, '_>,
) -> Result<Vec<Indicator>, ErrorKind> {
    let headers = find_headers(ctx);
    let mut indicators = Vec::new();
    for (index, header) in headers.iter().enumerate() {
        // A table ends where the next header row starts (headers are in row order).
        let last_row = headers
            .get(index + 1)
            .map_or(ctx.region.last_row, |next| next.row - 1);
        read_table(ctx, header, last_row, &mut indicators)?;
    }
    Ok(indicators)
}

fn classify(table: &TableSpec, folded: &str) -> Option<Column> {
    let kinds = [
        (Column::Level1, &table.level1),
        (Column::Level2, &table.level2),
        (Column::Level3, &table.level3),
        (Column::Unit, &table.unit),
        (Column::Direction, &table.direction),
        (Column::Weight, &table.weight),
        (Column::Note, &table.note),
        // Before 实际完成值: "全年预计完成值" is never a "*完成值".
        (Column::Expected, &table.expected),
        (Column::Actual, &table.actual),
        (Column::Score, &table.score),
        (Column::Likelihood, &table.likelihood),
        (Column::Deviation, &table.deviation),
        (Column::Measures, &table.measures),
    ];
    kinds
        .into_iter()
        .find(|(_, aliases)| any_matches(aliases, folded))
        .map(|(kind, _)| kind)
        .or_else(|| {
            table
                .values
                .iter()
                .position(|(aliases, _)| any_matches(aliases, folded))
                .map(Column::Value)
        })
}

fn find_headers(ctx: &FormContext<'_, '_, '_>) -> Vec<Header> {
    let table = &ctx.template.table;
    let mut headers = Vec::new();
    for level3 in ctx
        .labels
        .iter()
        .filter(|l| any_matches(&table.level3, &l.folded))
    {
        if headers.last().is_some_and(|h: &Header| h.row == level3.row) {
            continue;
        }
        let row_labels = labels_in(ctx.labels, level3.row, level3.row);
        let mut groups: Vec<Group> = vec![Group::default()];
        for label in row_labels {
            let Some(kind) = classify(table, &label.folded) else {
                continue;
            };
            let region = ctx.grid.region(label.row, label.col);
            if region.first_row != label.row || region.first_col != label.col {
                continue;
            }
            let current = groups.last_mut().expect("one group at least");
            if current.get(kind).is_some() {
                groups.push(Group::default());
            }
            groups
                .last_mut()
                .expect("one group at least")
                .columns
                .push((kind, region));
        }
        // A group is an indicator table only with a 三级指标 and a value column; columns a later
        // group lacks (一级指标) are the first group's.
        groups.retain(|g| g.get(Column::Level3).is_some() && g.values().next().is_some());
        let Some(first) = groups.first().cloned() else {
            continue;
        };
        for (index, group) in groups.iter_mut().enumerate() {
            group.block = table.groups.get(index).copied();
            if index > 0 {
                for (kind, region) in &first.columns {
                    if !matches!(kind, Column::Value(_)) && group.get(*kind).is_none() {
                        group.columns.push((*kind, *region));
                    }
                }
            }
        }
        let last_row = groups
            .iter()
            .flat_map(|g| g.columns.iter().map(|(_, r)| r.last_row))
            .max()
            .unwrap_or(level3.row)
            .max(level3.row);
        if last_row > level3.row {
            for group in &mut groups {
                group.ticks = tick_options(ctx, group, level3.row + 1, last_row);
            }
        }
        headers.push(Header {
            row: level3.row,
            last_row,
            block: Block::Annual,
            groups,
        });
    }
    assign_blocks(ctx, &mut headers);
    headers
}

/// The ticked columns of a group: each column that may tick, spanning several columns, with two or
/// more headings under it on the header's lower rows.
fn tick_options(
    ctx: &FormContext<'_, '_, '_>,
    group: &Group,
    first_row: u32,
    last_row: u32,
) -> Vec<(Column, Vec<(Region, String)>)> {
    let below = labels_in(ctx.labels, first_row, last_row);
    group
        .columns
        .iter()
        .filter(|(kind, span)| kind.may_tick() && span.last_col > span.first_col)
        .filter_map(|(kind, span)| {
            let options: Vec<(Region, String)> = below
                .iter()
                .filter(|l| (span.first_col..=span.last_col).contains(&l.col))
                .map(|l| {
                    let region = ctx.grid.region(l.row, l.col);
                    let text = ctx
                        .grid
                        .raw(region.first_row, region.first_col)
                        .map(inline_text)
                        .unwrap_or_default();
                    (region, text)
                })
                .filter(|(_, text)| !text.is_empty())
                .collect();
            (options.len() >= 2).then_some((*kind, options))
        })
        .collect()
}

/// Sets each header's block: the leftmost block label ("长期绩效指标") whose cell or merged region
/// covers the header row left of its columns, else annual. One sweep down the rows, so forms with
/// many header rows and many block labels cost no more than their cells.
fn assign_blocks(ctx: &FormContext<'_, '_, '_>, headers: &mut [Header]) {
    // Block labels as (region, block), by first row (labels are in row order).
    let mut labels = ctx.labels.iter().filter_map(|l| {
        let (block, _) = ctx
            .template
            .table
            .blocks
            .iter()
            .find(|(_, aliases)| any_matches(aliases, &l.folded))?;
        let region = ctx.grid.region(l.row, l.col);
        (region.first_row == l.row && region.first_col == l.col).then_some((region, *block))
    });
    let mut pending = labels.next();
    // Labels whose region has begun, by first column (a cell is one label, so keys are unique);
    // the first one still covering the row is the leftmost.
    let mut started: BTreeMap<(u32, u32), (u32, Block)> = BTreeMap::new();
    for header in headers.iter_mut() {
        while let Some((region, block)) = pending.filter(|(r, _)| r.first_row <= header.row) {
            started.insert(
                (region.first_col, region.first_row),
                (region.last_row, block),
            );
            pending = labels.next();
        }
        while let Some(entry) = started.first_entry() {
            if entry.get().0 >= header.row {
                break;
            }
            entry.remove();
        }
        header.block = started
            .first_key_value()
            .filter(|((first_col, _), _)| *first_col < header.first_col())
            .map_or(Block::Annual, |(_, (_, block))| *block);
    }
}

/// The readers of one column group, and what carries down its rows.
struct GroupReader<'g> {
    level1: Option<ColumnReader<'g>>,
    level2: Option<ColumnReader<'g>>,
    level3: ColumnReader<'g>,
    level3_col: u32,
    unit: Option<ColumnReader<'g>>,
    direction: Option<ColumnReader<'g>>,
    weight: Option<ColumnReader<'g>>,
    note: Option<ColumnReader<'g>>,
    actual: Option<ColumnReader<'g>>,
    score: Option<ColumnReader<'g>>,
    deviation: Option<ColumnReader<'g>>,
    expected: Option<ColumnReader<'g>>,
    likelihood: Option<ColumnReader<'g>>,
    measures: Option<ColumnReader<'g>>,
    /// The ticked columns: per column its headings and their cells read together.
    ticks: Vec<(Column, Vec<String>, ColumnSet<'g>)>,
    values: ColumnSet<'g>,
    /// The block of each value column.
    blocks: Vec<Block>,
    /// Where a row without values gets its empty indicator: the first value column of each block.
    empty_slots: Vec<(u32, Block)>,
    carried1: String,
    carried2: String,
    /// The indicators read so far.
    out: Vec<Indicator>,
}

impl<'g> GroupReader<'g> {
    fn new(
        grid: &'g Grid,
        table: &TableSpec,
        group: &Group,
        header_block: Block,
        first_row: u32,
    ) -> Self {
        // A ticked column is read through its options, never through its heading's cell.
        let reader = |kind| {
            if group.ticks.iter().any(|(k, _)| *k == kind) {
                return None;
            }
            group
                .get(kind)
                .map(|span| ColumnReader::new(grid, span, first_row))
        };
        let ticks = group
            .ticks
            .iter()
            .map(|(kind, options)| {
                let spans: Vec<Region> = options.iter().map(|(r, _)| *r).collect();
                let headings = options.iter().map(|(_, t)| t.clone()).collect();
                (*kind, headings, ColumnSet::new(grid, &spans, first_row))
            })
            .collect();
        let level3_span = group
            .get(Column::Level3)
            .expect("a group has a 三级指标 column");
        let spans: Vec<Region> = group.values().map(|(_, span)| span).collect();
        // A value column's own block (年度指标值 / 中长期指标值) wins over the group's.
        let blocks: Vec<Block> = group
            .values()
            .map(|(index, _)| {
                table.values[index]
                    .1
                    .unwrap_or(group.block.unwrap_or(header_block))
            })
            .collect();
        let mut empty_slots: Vec<(u32, Block)> = Vec::new();
        for (span, block) in spans.iter().zip(&blocks) {
            if !empty_slots.iter().any(|(_, seen)| seen == block) {
                empty_slots.push((span.first_col, *block));
            }
        }
        GroupReader {
            level1: reader(Column::Level1),
            level2: reader(Column::Level2),
            level3: ColumnReader::new(grid, level3_span, first_row),
            level3_col: level3_span.first_col,
            unit: reader(Column::Unit),
            direction: reader(Column::Direction),
            weight: reader(Column::Weight),
            note: reader(Column::Note),
            actual: reader(Column::Actual),
            score: reader(Column::Score),
            deviation: reader(Column::Deviation),
            expected: reader(Column::Expected),
            likelihood: reader(Column::Likelihood),
            measures: reader(Column::Measures),
            ticks,
            values: ColumnSet::new(grid, &spans, first_row),
            blocks,
            empty_slots,
            carried1: String::new(),
            carried2: String::new(),
            out: Vec::new(),
        }
    }
}

/// A cell's text, cleaned, with its region.
fn text_at<'g>(
    reader: &mut ColumnReader<'g>,
    row: u32,
    cells: &[Cell],
) -> (String, Option<Region>) {
    reader
        .value(row, cells)
        .map(|(value, region)| (inline_text(value), Some(region)))
        .unwrap_or_default()
}

/// A column's value in a row, as (value, region), if the group has the column.
fn value_at<'g>(
    reader: &mut Option<ColumnReader<'g>>,
    row: u32,
    cells: &[Cell],
) -> Option<(&'g CellValue, Region)> {
    reader.as_mut().and_then(|r| r.value(row, cells))
}

fn text_or_empty(reader: &mut Option<ColumnReader<'_>>, row: u32, cells: &[Cell]) -> String {
    value_at(reader, row, cells)
        .map(|(value, _)| inline_text(value))
        .unwrap_or_default()
}

/// Reads the rows of one indicator table, up to `last_row`, into `out`.
fn read_table(
    ctx: &mut FormContext<'_, '_, '_>,
    header: &Header,
    last_row: u32,
    out: &mut Vec<Indicator>,
) -> Result<(), ErrorKind> {
    let grid = ctx.grid;
    let table = &ctx.template.table;
    let first_row = header.last_row.saturating_add(1);
    let mut groups: Vec<GroupReader<'_>> = header
        .groups
        .iter()
        .map(|group| GroupReader::new(grid, table, group, header.block, first_row))
        .collect();
    let mut count = out.len();
    for cells in table_rows(grid, header.last_row, header.first_col(), last_row) {
        ctx.deadline.check()?;
        let row = cells[0].row;
        // A row of the template's end labels ends the table, and so does a footer line
        // (signatures, contacts, dates, review opinions) in any template.
        let ends_table = labels_in(ctx.labels, row, row)
            .iter()
            .any(|l| any_matches(&table.end_labels, &l.folded))
            || first_text(cells).is_some_and(|text| ctx.footers.starts_line(&fold_label(text)));
        if ends_table {
            break;
        }
        for group in &mut groups {
            read_row(ctx, group, row, cells, &mut count)?;
        }
    }
    for group in groups {
        out.extend(group.out);
    }
    Ok(())
}

/// The text of a row's leftmost text cell.
fn first_text(cells: &[Cell]) -> Option<&str> {
    cells.iter().find_map(|cell| match &cell.value {
        CellValue::Text(text) if !text.trim().is_empty() => Some(text.as_str()),
        _ => None,
    })
}

/// Reads one row of one column group.
fn read_row(
    ctx: &mut FormContext<'_, '_, '_>,
    g: &mut GroupReader<'_>,
    row: u32,
    cells: &[Cell],
    count: &mut usize,
) -> Result<(), ErrorKind> {
    let level1 = text_or_empty(&mut g.level1, row, cells);
    let level2 = text_or_empty(&mut g.level2, row, cells);
    let (level3, level3_cell) = text_at(&mut g.level3, row, cells);
    let unit = text_or_empty(&mut g.unit, row, cells);
    let direction = text_or_empty(&mut g.direction, row, cells);
    let mut note = text_or_empty(&mut g.note, row, cells);
    let mut deviation = text_or_empty(&mut g.deviation, row, cells);
    let expected = text_or_empty(&mut g.expected, row, cells);
    let mut likelihood = text_or_empty(&mut g.likelihood, row, cells);
    let mut measures = text_or_empty(&mut g.measures, row, cells);
    for (kind, headings, options) in &mut g.ticks {
        let text = ticked(headings, options, row, cells);
        match kind {
            Column::Likelihood => likelihood = text,
            Column::Deviation => deviation = text,
            Column::Measures => measures = text,
            Column::Note => note = text,
            _ => {}
        }
    }
    let weight = value_at(&mut g.weight, row, cells);
    let score = value_at(&mut g.score, row, cells);
    let actual = value_at(&mut g.actual, row, cells);
    // (value, its cell, block) for each value written in the row.
    let blocks = &g.blocks;
    let written: Vec<(String, String, Block)> = g
        .values
        .values(row, cells)
        .into_iter()
        .filter_map(|(index, value, region)| {
            let text = inline_text(value);
            let cell = a1(region.first_row, region.first_col);
            (!text.is_empty()).then_some((text, cell, blocks[index]))
        })
        .collect();
    if !level1.is_empty() && level1 != g.carried1 {
        g.carried1 = level1;
        g.carried2.clear();
    }
    if !level2.is_empty() {
        g.carried2 = level2;
    }
    if level3.is_empty() && written.is_empty() && unit.is_empty() && actual.is_none() {
        return Ok(());
    }
    let cell = match level3_cell {
        Some(region) => a1(region.first_row, region.first_col),
        None => a1(row, g.level3_col),
    };
    let weight = number(ctx, weight, "分值");
    let score = number(ctx, score, "得分");
    let (actual, actual_cell) = match actual {
        Some((value, region)) => (
            Some(inline_text(value)).filter(|t| !t.is_empty()),
            a1(region.first_row, region.first_col),
        ),
        None => (None, String::new()),
    };
    let (level1, points) = split_points(&g.carried1);
    // One indicator per value written; a row without any gives one empty indicator per block its
    // value columns belong to (so a row costs no more than its cells).
    let entries = if written.is_empty() {
        g.empty_slots
            .iter()
            .map(|&(col, block)| (String::new(), a1(row, col), block))
            .collect()
    } else {
        written
    };
    let optional = |text: &str| (!text.is_empty()).then(|| text.to_owned());
    for (value, value_cell, block) in entries {
        if *count >= MAX_INDICATORS_PER_FORM {
            return Err(over_limit(
                &format!("标题在 {} 的表中的绩效指标条数", ctx.region.anchor_cell()),
                format!("{MAX_INDICATORS_PER_FORM} 条以上"),
                format!("{MAX_INDICATORS_PER_FORM} 条"),
                None,
            ));
        }
        *count += 1;
        g.out.push(Indicator {
            block,
            level1: level1.clone(),
            level2: g.carried2.clone(),
            level3: level3.clone(),
            value,
            unit: optional(&unit),
            direction: optional(&direction),
            weight,
            note: optional(&note),
            level1_points: points,
            actual: actual.clone(),
            score,
            deviation: optional(&deviation),
            expected: optional(&expected),
            likelihood: optional(&likelihood),
            measures: optional(&measures),
            cell: cell.clone(),
            value_cell,
            actual_cell: actual_cell.clone(),
            normalized: None,
        });
    }
    Ok(())
}

/// What a row of a ticked column says: the heading of each option ticked (√ ✓ ✔ ☑ ■ 是 …), and
/// "heading：text" for an option that holds words instead; several joined with "、".
fn ticked(headings: &[String], options: &mut ColumnSet<'_>, row: u32, cells: &[Cell]) -> String {
    let parts: Vec<String> = options
        .values(row, cells)
        .into_iter()
        .filter_map(|(index, value, _)| {
            let text = inline_text(value);
            let heading = &headings[index];
            if text.is_empty() {
                None
            } else if is_tick(&text) {
                Some(heading.clone())
            } else {
                Some(format!("{heading}：{text}"))
            }
        })
        .collect();
    parts.join("、")
}

/// True for a cell that only ticks its box.
fn is_tick(text: &str) -> bool {
    matches!(
        text.trim(),
        "√" | "✓" | "✔" | "☑" | "✅" | "■" | "●" | "▇" | "☒" | "是" | "v" | "V" | "对"
    )
}

/// A 分值 / 得分 cell as a number; text that is not one is warned of and left out.
fn number(
    ctx: &mut FormContext<'_, '_, '_>,
    value: Option<(&CellValue, Region)>,
    what: &str,
) -> Option<Decimal> {
    let (value, region) = value?;
    match parse_number(Some(value)) {
        Number::Value(n) => Some(n),
        Number::Blank => None,
        Number::Invalid => {
            let message = format!("{what}不是数字：{}", cell_text(value));
            let cell = a1(region.first_row, region.first_col);
            ctx.warn(WarningCode::UnparsedNumber, message, Some(cell));
            None
        }
    }
}

/// "产出指标(50分)" → ("产出指标", 50): the points a level name carries, taken off it.
pub fn split_points(name: &str) -> (String, Option<Decimal>) {
    let folded: String = name
        .chars()
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            c => c,
        })
        .collect();
    let Some(inner) = folded.strip_suffix(')') else {
        return (name.to_owned(), None);
    };
    let Some(open) = inner.rfind('(') else {
        return (name.to_owned(), None);
    };
    let body = inner[open + 1..].trim();
    let digits = body.strip_suffix('分').unwrap_or(body).trim();
    match digits.parse::<Decimal>() {
        Ok(points) if body.ends_with('分') => (
            inner[..open].trim_end().to_owned(),
            Some(points.normalize()),
        ),
        _ => (name.to_owned(), None),
    }
}
