//! Reading the indicator table(s) of a form: header rows found by their labels (一级指标 …
//! 指标值, with optional 计量单位 / 指标方向 columns anywhere), then the rows under each header
//! until the section ends. Level names hidden by merged cells are resolved; where a form has no
//! merges (blank cells under a level name), the name above carries down.

use std::collections::BTreeMap;

use super::columns::{ColumnReader, ColumnSet, table_rows};
use super::extract::FormContext;
use super::grid::{Region, a1};
use super::limits::over_limit;
use super::locate::labels_in;
use super::values::cell_text;
use crate::error::ErrorKind;
use crate::model::{Block, Indicator};
use crate::template::{Alias, any_matches};
use crate::text::clean_inline;

/// More indicators than any real form has (they have tens): past this the sheet is not a form
/// but a table of data, and reading on would only exhaust memory.
const MAX_INDICATORS_PER_FORM: usize = 10_000;

/// The columns of one header row.
struct Header {
    row: u32,
    block: Block,
    level1: Option<Region>,
    level2: Option<Region>,
    level3: Region,
    unit: Option<Region>,
    direction: Option<Region>,
    values: Vec<(Region, Option<Block>)>,
}

impl Header {
    fn first_col(&self) -> u32 {
        [
            self.level1,
            self.level2,
            Some(self.level3),
            self.unit,
            self.direction,
        ]
        .into_iter()
        .flatten()
        .chain(self.values.iter().map(|(r, _)| *r))
        .map(|r| r.first_col)
        .min()
        .unwrap_or(self.level3.first_col)
    }
}

/// Reads every indicator table of the form, in order.
pub(super) fn read_indicators(ctx: &FormContext<'_, '_, '_>) -> Result<Vec<Indicator>, ErrorKind> {
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
        let column = |aliases: &[Alias]| {
            row_labels
                .iter()
                .find(|l| any_matches(aliases, &l.folded))
                .map(|l| ctx.grid.region(l.row, l.col))
        };
        let values: Vec<(Region, Option<Block>)> = row_labels
            .iter()
            .filter_map(|l| {
                let (_, block) = table
                    .values
                    .iter()
                    .find(|(a, _)| any_matches(a, &l.folded))?;
                Some((ctx.grid.region(l.row, l.col), *block))
            })
            .collect();
        if values.is_empty() {
            continue;
        }
        headers.push(Header {
            row: level3.row,
            block: Block::Annual,
            level1: column(&table.level1),
            level2: column(&table.level2),
            level3: ctx.grid.region(level3.row, level3.col),
            unit: column(&table.unit),
            direction: column(&table.direction),
            values,
        });
    }
    assign_blocks(ctx, &mut headers);
    headers
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

/// Reads the rows of one indicator table, up to `last_row`, into `out`.
fn read_table(
    ctx: &FormContext<'_, '_, '_>,
    header: &Header,
    last_row: u32,
    out: &mut Vec<Indicator>,
) -> Result<(), ErrorKind> {
    let table = &ctx.template.table;
    let first_row = header.row.saturating_add(1);
    let reader = |span: Region| ColumnReader::new(ctx.grid, span, first_row);
    let mut level1 = header.level1.map(reader);
    let mut level2 = header.level2.map(reader);
    let mut level3 = reader(header.level3);
    let mut unit = header.unit.map(reader);
    let mut direction = header.direction.map(reader);
    let spans: Vec<Region> = header.values.iter().map(|(span, _)| *span).collect();
    let blocks: Vec<Block> = header
        .values
        .iter()
        .map(|(_, block)| block.unwrap_or(header.block))
        .collect();
    let mut values = ColumnSet::new(ctx.grid, &spans, first_row);
    // Where a row without values gets its empty indicator: the first value column of each block.
    let mut empty_slots: Vec<(u32, Block)> = Vec::new();
    for (span, block) in spans.iter().zip(&blocks) {
        if !empty_slots.iter().any(|(_, seen)| seen == block) {
            empty_slots.push((span.first_col, *block));
        }
    }
    let text_at = |reader: &mut ColumnReader<'_>, row: u32, cells| -> (String, Option<Region>) {
        reader
            .value(row, cells)
            .map(|(value, region)| (clean_inline(&cell_text(value)), Some(region)))
            .unwrap_or_default()
    };
    let text_or_empty = |reader: &mut Option<ColumnReader<'_>>, row: u32, cells| -> String {
        reader
            .as_mut()
            .map(|r| text_at(r, row, cells).0)
            .unwrap_or_default()
    };
    let (mut carried1, mut carried2) = (String::new(), String::new());
    for cells in table_rows(ctx.grid, header.row, header.first_col(), last_row) {
        ctx.deadline.check()?;
        let row = cells[0].row;
        let ends_table = labels_in(ctx.labels, row, row)
            .iter()
            .any(|l| any_matches(&table.end_labels, &l.folded));
        if ends_table {
            break;
        }
        let level1 = text_or_empty(&mut level1, row, cells);
        let level2 = text_or_empty(&mut level2, row, cells);
        let (level3, level3_cell) = text_at(&mut level3, row, cells);
        let unit = text_or_empty(&mut unit, row, cells);
        let direction = text_or_empty(&mut direction, row, cells);
        // (value, its cell, block) for each value written in the row.
        let written: Vec<(String, String, Block)> = values
            .values(row, cells)
            .into_iter()
            .filter_map(|(index, value, region)| {
                let text = clean_inline(&cell_text(value));
                let cell = a1(region.first_row, region.first_col);
                (!text.is_empty()).then_some((text, cell, blocks[index]))
            })
            .collect();
        if !level1.is_empty() && level1 != carried1 {
            carried1 = level1;
            carried2.clear();
        }
        if !level2.is_empty() {
            carried2 = level2;
        }
        if level3.is_empty() && written.is_empty() && unit.is_empty() {
            continue;
        }
        let cell = match level3_cell {
            Some(region) => a1(region.first_row, region.first_col),
            None => a1(row, header.level3.first_col),
        };
        // One indicator per value written; a row without any gives one empty indicator per
        // block its value columns belong to (so a row costs no more than its cells).
        let entries = if written.is_empty() {
            empty_slots
                .iter()
                .map(|&(col, block)| (String::new(), a1(row, col), block))
                .collect()
        } else {
            written
        };
        for (value, value_cell, block) in entries {
            if out.len() >= MAX_INDICATORS_PER_FORM {
                return Err(over_limit(
                    &format!("标题在 {} 的表中的绩效指标条数", ctx.region.anchor_cell()),
                    format!("{MAX_INDICATORS_PER_FORM} 条以上"),
                    format!("{MAX_INDICATORS_PER_FORM} 条"),
                    None,
                ));
            }
            out.push(Indicator {
                block,
                level1: carried1.clone(),
                level2: carried2.clone(),
                level3: level3.clone(),
                value,
                unit: (!unit.is_empty()).then(|| unit.clone()),
                direction: (!direction.is_empty()).then(|| direction.clone()),
                cell: cell.clone(),
                value_cell,
                normalized: None,
            });
        }
    }
    Ok(())
}
