//! Reading a table under a header row: which rows belong to it, and what each header column
//! shows in a row once merged cells are resolved.
//!
//! Only rows holding cells of their own are visited (a row without any is empty, or repeats the
//! merged cells of the row above), each merged region is looked at once per column, and a header
//! row's many columns are read together touching only those a row has cells in (`ColumnSet`), so
//! a table costs its own cells and merges, however wide its header or tall its merges are.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::grid::{Cell, CellValue, Grid, Region};

/// The rows of a table under `header_row`, up to `last_row`, as the cells each holds: only rows
/// with cells of their own, stopping at the first whose cells left of `first_col` leave the
/// header row's merged regions (a new section of the form starts there).
pub fn table_rows(
    grid: &Grid,
    header_row: u32,
    first_col: u32,
    last_row: u32,
) -> impl Iterator<Item = &[Cell]> {
    let cells = header_row
        .checked_add(1)
        .map_or(&[][..], |first| grid.rows(first, last_row));
    cells
        .chunk_by(|a, b| a.row == b.row)
        .take_while(move |cells| {
            cells.iter().take_while(|c| c.col < first_col).all(|c| {
                let region = grid.region(c.row, c.col);
                region == grid.region(header_row, c.col)
                    || grid.raw(region.first_row, region.first_col).is_none()
            })
        })
}

/// What one header column shows, row by row down its table (rows in increasing order).
pub struct ColumnReader<'g> {
    grid: &'g Grid,
    first_col: u32,
    last_col: u32,
    /// Merged regions starting in the column with a value, not reached yet; the next one last.
    ahead: Vec<Region>,
    /// Merged regions reached, leftmost on top; those that ended above are dropped on the way.
    reached: BinaryHeap<Reverse<MergeKey>>,
}

/// A merged region ordered leftmost first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct MergeKey {
    first_col: u32,
    first_row: u32,
    last_row: u32,
    last_col: u32,
}

impl MergeKey {
    fn region(self) -> Region {
        Region {
            first_row: self.first_row,
            first_col: self.first_col,
            last_row: self.last_row,
            last_col: self.last_col,
        }
    }
}

impl<'g> ColumnReader<'g> {
    /// A reader for the header cell `span`, for rows from `first_row` on.
    pub fn new(grid: &'g Grid, span: Region, first_row: u32) -> Self {
        let mut ahead: Vec<Region> = grid
            .merges_starting_in(span.first_col, span.last_col)
            .filter(|m| m.last_row >= first_row && grid.raw(m.first_row, m.first_col).is_some())
            .copied()
            .collect();
        ahead.sort_by_key(|m| Reverse((m.first_row, m.first_col, m.last_row, m.last_col)));
        ColumnReader {
            grid,
            first_col: span.first_col,
            last_col: span.last_col,
            ahead,
            reached: BinaryHeap::new(),
        }
    }

    /// The value the column shows in `row`, given the row's own cells (none for a row without
    /// any): the leftmost value in the column whose cell or merged region starts inside it (a
    /// region spilling in from the left belongs to the column on the left), with its region.
    pub fn value(&mut self, row: u32, cells: &[Cell]) -> Option<(&'g CellValue, Region)> {
        while let Some(&next) = self.ahead.last() {
            if next.first_row > row {
                break;
            }
            self.ahead.pop();
            self.reached.push(Reverse(MergeKey {
                first_col: next.first_col,
                first_row: next.first_row,
                last_row: next.last_row,
                last_col: next.last_col,
            }));
        }
        while let Some(Reverse(top)) = self.reached.peek() {
            if top.last_row >= row {
                break;
            }
            self.reached.pop();
        }
        let merged = self.reached.peek().map(|Reverse(key)| key.region());
        let start = cells.partition_point(|c| c.col < self.first_col);
        let own = cells[start..]
            .iter()
            .take_while(|c| c.col <= self.last_col)
            .find_map(|c| {
                let region = self.grid.region(c.row, c.col);
                if region.first_col < self.first_col {
                    return None;
                }
                let value = self.grid.raw(region.first_row, region.first_col)?;
                Some((value, region))
            });
        match (own, merged) {
            (Some((_, own_region)), Some(merged)) if merged.first_col < own_region.first_col => {
                self.value_of(merged)
            }
            (Some(own), _) => Some(own),
            (None, Some(merged)) => self.value_of(merged),
            (None, None) => None,
        }
    }

    fn value_of(&self, region: Region) -> Option<(&'g CellValue, Region)> {
        let value = self.grid.raw(region.first_row, region.first_col)?;
        Some((value, region))
    }
}

/// The columns of one header row read together: a row costs its own cells and the columns with
/// merged regions still to come, not the width of the header.
pub struct ColumnSet<'g> {
    /// One reader per header column, left to right (the spans do not overlap).
    readers: Vec<ColumnReader<'g>>,
    /// The readers with merged regions to resolve; the others show only a row's own cells.
    with_merges: Vec<usize>,
}

impl<'g> ColumnSet<'g> {
    /// Readers for the header cells `spans` (left to right), for rows from `first_row` on.
    pub fn new(grid: &'g Grid, spans: &[Region], first_row: u32) -> Self {
        let readers: Vec<ColumnReader<'g>> = spans
            .iter()
            .map(|span| ColumnReader::new(grid, *span, first_row))
            .collect();
        // Spans that overlap (labels hidden under one merged cell) cannot be told apart by a
        // cell's column: then every column is read in every row.
        let disjoint = spans.windows(2).all(|w| w[0].last_col < w[1].first_col);
        let with_merges = (0..readers.len())
            .filter(|&i| !disjoint || !readers[i].ahead.is_empty())
            .collect();
        ColumnSet {
            readers,
            with_merges,
        }
    }

    /// The columns showing a value in `row` (rows in increasing order), left to right, as
    /// (index of the header span, value, its region); `cells` are the row's own cells.
    pub fn values(&mut self, row: u32, cells: &[Cell]) -> Vec<(usize, &'g CellValue, Region)> {
        let mut columns: Vec<usize> = cells
            .iter()
            .filter_map(|cell| {
                let after = self.readers.partition_point(|r| r.first_col <= cell.col);
                let index = after.checked_sub(1)?;
                (cell.col <= self.readers[index].last_col).then_some(index)
            })
            .collect();
        columns.extend(&self.with_merges);
        columns.sort_unstable();
        columns.dedup();
        columns
            .into_iter()
            .filter_map(|index| {
                let (value, region) = self.readers[index].value(row, cells)?;
                Some((index, value, region))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::grid::test_cells::{region, text};

    fn texts(grid: &Grid, span: Region, header_row: u32) -> Vec<(u32, String)> {
        let mut reader = ColumnReader::new(grid, span, header_row + 1);
        table_rows(grid, header_row, 0, grid.last_row())
            .filter_map(|cells| {
                let row = cells[0].row;
                match reader.value(row, cells)? {
                    (CellValue::Text(t), _) => Some((row, t.to_string())),
                    _ => None,
                }
            })
            .collect()
    }

    #[test]
    fn merged_names_cover_their_rows_and_spill_ins_belong_to_the_left() {
        // Header: 一级指标 (A) | 三级指标 (B:C) | 指标值 (D).
        let cells = vec![
            text(0, 0, "一级指标"),
            text(0, 1, "三级指标"),
            text(0, 3, "指标值"),
            text(1, 0, "产出指标"), // merged A2:A3
            text(1, 1, "数量"),
            text(1, 3, "10"),
            text(2, 2, "质量"), // C3 starts inside B:C
            text(2, 3, "100%"),
            text(3, 0, "效益指标"), // merged A4:B4, spills into B
            text(3, 3, "好"),
        ];
        let merges = vec![region(0, 1, 0, 2), region(1, 0, 2, 0), region(3, 0, 3, 1)];
        let grid = Grid::new(cells, merges);
        let level1 = texts(&grid, region(0, 0, 0, 0), 0);
        assert_eq!(
            level1,
            [(1, "产出指标"), (2, "产出指标"), (3, "效益指标")].map(|(r, t)| (r, t.to_owned()))
        );
        let level3 = texts(&grid, region(0, 1, 0, 2), 0);
        assert_eq!(
            level3,
            [(1, "数量"), (2, "质量")].map(|(r, t)| (r, t.to_owned()))
        );
    }

    #[test]
    fn a_value_merged_over_many_rows_is_read_in_each() {
        let cells = vec![
            text(0, 0, "三级指标"),
            text(0, 1, "指标值"),
            text(1, 0, "甲"),
            text(1, 1, "≥90%"), // merged B2:B4
            text(2, 0, "乙"),
            text(3, 0, "丙"),
            text(4, 0, "丁"),
        ];
        let grid = Grid::new(cells, vec![region(1, 1, 3, 1)]);
        let values = texts(&grid, region(0, 1, 0, 1), 0);
        let rows: Vec<u32> = values.iter().map(|(r, _)| *r).collect();
        assert_eq!(rows, [1, 2, 3]);
        assert!(values.iter().all(|(_, t)| t == "≥90%"));
    }

    #[test]
    fn rows_stop_where_the_left_column_starts_a_new_section() {
        let cells = vec![
            text(0, 0, "年度指标"), // merged A1:A3
            text(0, 1, "三级指标"),
            text(1, 1, "甲"),
            text(2, 1, "乙"),
            text(3, 0, "长期指标"),
            text(3, 1, "丙"),
        ];
        let grid = Grid::new(cells, vec![region(0, 0, 2, 0)]);
        let rows: Vec<u32> = table_rows(&grid, 0, 1, 10).map(|c| c[0].row).collect();
        assert_eq!(rows, [1, 2]);
    }

    #[test]
    fn a_header_cell_thousands_of_columns_wide_costs_its_cells_not_its_width() {
        // A fuzzed form: the 一级指标 header merged over 20,000 columns, a value merged over
        // 30,000 rows. Walking every column of every row took minutes.
        let cells = vec![
            text(0, 0, "一级指标"),
            text(0, 20_001, "指标值"),
            text(1, 20_001, "1"),
            text(40_000, 5, "末行"),
        ];
        let merges = vec![region(0, 0, 0, 20_000), region(1, 20_001, 30_000, 20_001)];
        let grid = Grid::new(cells, merges);
        let mut level1 = ColumnReader::new(&grid, region(0, 0, 0, 20_000), 1);
        let mut value = ColumnReader::new(&grid, region(0, 20_001, 0, 20_001), 1);
        let rows: Vec<(u32, bool, bool)> = table_rows(&grid, 0, 0, 50_000)
            .map(|cells| {
                let row = cells[0].row;
                let l1 = level1.value(row, cells).is_some();
                let v = value.value(row, cells).is_some();
                (row, l1, v)
            })
            .collect();
        assert_eq!(rows, [(1, false, true), (40_000, true, false)]);
    }

    #[test]
    fn a_column_set_reads_what_each_reader_reads_alone() {
        // Five header columns; values own, merged down, merged across, spilling in from the
        // left; rows with cells in a few columns only.
        let mut cells = vec![];
        for col in 0..5 {
            cells.push(text(0, col * 2, "列"));
        }
        cells.extend([
            text(1, 0, "甲"),
            text(1, 4, "乙"), // merged E2:E4
            text(2, 7, "丙"), // merged H3:I3: starts in the fourth span (G:H), spills into I
            text(3, 1, "丁"), // merged B4:C4: starts in the first span (A:B), spills into C
            text(4, 8, "戊"),
            text(6, 0, "己"),
        ]);
        let merges = vec![region(1, 4, 3, 4), region(2, 7, 2, 8), region(3, 1, 3, 2)];
        let grid = Grid::new(cells, merges);
        let spans: Vec<Region> = (0..5).map(|c| region(0, c * 2, 0, c * 2 + 1)).collect();
        let mut set = ColumnSet::new(&grid, &spans, 1);
        let mut alone: Vec<ColumnReader<'_>> = spans
            .iter()
            .map(|span| ColumnReader::new(&grid, *span, 1))
            .collect();
        let mut compared = 0;
        for cells in table_rows(&grid, 0, 0, 10) {
            let row = cells[0].row;
            let together: Vec<(usize, String)> = set
                .values(row, cells)
                .into_iter()
                .map(|(i, v, _)| (i, format!("{v:?}")))
                .collect();
            let separately: Vec<(usize, String)> = alone
                .iter_mut()
                .enumerate()
                .filter_map(|(i, r)| Some((i, format!("{:?}", r.value(row, cells)?.0))))
                .collect();
            assert_eq!(together, separately, "row {row}");
            compared += together.len();
        }
        // Rows 2–4: 甲 乙 | 乙 丙 | 丁 乙; row 5: 戊; row 7: 己.
        assert_eq!(compared, 8);
    }
}
