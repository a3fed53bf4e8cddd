//! Reading the indicator table(s) of a form: header rows found by their labels (一级指标 …
//! 指标值, with optional 计量单位 / 指标方向 columns anywhere), then the rows under each header
//! until the section ends. Level names hidden by merged cells are resolved; where a form has no
//! merges (blank cells under a level name), the name above carries down.

use super::extract::FormContext;
use super::grid::{Region, a1};
use super::locate::LabelCell;
use super::values::cell_text;
use crate::model::{Block, Indicator};
use crate::template::{Alias, any_matches};
use crate::text::clean_inline;

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
pub(super) fn read_indicators(ctx: &FormContext<'_, '_, '_>) -> Vec<Indicator> {
    let headers = find_headers(ctx);
    let header_rows: Vec<u32> = headers.iter().map(|h| h.row).collect();
    let mut indicators = Vec::new();
    for header in &headers {
        read_table(ctx, header, &header_rows, &mut indicators);
    }
    indicators
}

fn find_headers(ctx: &FormContext<'_, '_, '_>) -> Vec<Header> {
    let table = &ctx.template.table;
    let mut headers = Vec::new();
    for level3 in ctx
        .labels
        .iter()
        .filter(|l| any_matches(&table.level3, &l.folded))
    {
        if headers.iter().any(|h: &Header| h.row == level3.row) {
            continue;
        }
        let row_labels: Vec<&LabelCell<'_>> =
            ctx.labels.iter().filter(|l| l.row == level3.row).collect();
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
        let mut header = Header {
            row: level3.row,
            block: Block::Annual,
            level1: column(&table.level1),
            level2: column(&table.level2),
            level3: ctx.grid.region(level3.row, level3.col),
            unit: column(&table.unit),
            direction: column(&table.direction),
            values,
        };
        header.block = block_of(ctx, &header);
        headers.push(header);
    }
    headers
}

/// The block a header row belongs to: a block label left of it ("长期绩效指标"), else annual.
fn block_of(ctx: &FormContext<'_, '_, '_>, header: &Header) -> Block {
    let first_col = header.first_col();
    for col in 0..first_col {
        if let Some(text) = ctx.grid.text(header.row, col) {
            let folded = crate::text::fold_label(text);
            for (block, aliases) in &ctx.template.table.blocks {
                if any_matches(aliases, &folded) {
                    return *block;
                }
            }
        }
    }
    Block::Annual
}

fn read_table(
    ctx: &FormContext<'_, '_, '_>,
    header: &Header,
    header_rows: &[u32],
    out: &mut Vec<Indicator>,
) {
    let table = &ctx.template.table;
    let first_col = header.first_col();
    let rows: Vec<u32> = ctx
        .rows_below(header.row, first_col)
        .take_while(|row| !header_rows.contains(row))
        .take_while(|&row| {
            !ctx.labels
                .iter()
                .any(|l| l.row == row && any_matches(&table.end_labels, &l.folded))
        })
        .collect();
    let text_at = |row: u32, span: Option<Region>| -> (String, Option<String>) {
        span.and_then(|s| ctx.column_value(row, s.first_col, s.last_col))
            .map(|(value, region)| {
                (
                    clean_inline(&cell_text(value)),
                    Some(a1(region.first_row, region.first_col)),
                )
            })
            .unwrap_or_default()
    };
    let (mut carried1, mut carried2) = (String::new(), String::new());
    for row in rows {
        let (level1, _) = text_at(row, header.level1);
        let (level2, _) = text_at(row, header.level2);
        let (level3, level3_cell) = text_at(row, Some(header.level3));
        let (unit, _) = text_at(row, header.unit);
        let (direction, _) = text_at(row, header.direction);
        let values: Vec<(String, String, Block)> = header
            .values
            .iter()
            .map(|(span, block)| {
                let (value, cell) = text_at(row, Some(*span));
                let cell = cell.unwrap_or_else(|| a1(row, span.first_col));
                (value, cell, block.unwrap_or(header.block))
            })
            .collect();
        if !level1.is_empty() && level1 != carried1 {
            carried1 = level1;
            carried2.clear();
        }
        if !level2.is_empty() {
            carried2 = level2;
        }
        let has_values = values.iter().any(|(v, _, _)| !v.is_empty());
        if level3.is_empty() && !has_values && unit.is_empty() {
            continue;
        }
        let cell = level3_cell.unwrap_or_else(|| a1(row, header.level3.first_col));
        let several = values.len() > 1;
        for (value, value_cell, block) in values {
            if several && value.is_empty() && has_values {
                continue;
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
}
