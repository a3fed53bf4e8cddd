//! A sheet as the form locator sees it: the non-empty cells, sorted, and the merged regions, so
//! that a merged region's top-left value covers the whole region.
//!
//! The grid is sparse on purpose: a file's declared dimension is never trusted, so two cells far
//! apart cost two cells, not the rectangle between them.

use std::collections::HashMap;
use std::rc::Rc;

use crate::model::Date;

/// A cell's value, as far as the forms need it.
#[derive(Debug, Clone, PartialEq)]
pub enum CellValue {
    /// Text (never empty). Shared: the cells of one shared string (a flat export repeats its
    /// project's code, name and department on every row) hold one copy; one pointer wide, so
    /// that a cell is 24 bytes.
    Text(Rc<String>),
    /// A number without a date format.
    Number(f64),
    /// A boolean.
    Bool(bool),
    /// A date (a number with a date format, or an ISO date in .ods).
    Date(Date),
    /// An error such as `#DIV/0!`.
    Error(Rc<String>),
}

/// A non-empty cell.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// Zero-based row.
    pub row: u32,
    /// Zero-based column.
    pub col: u32,
    /// The value.
    pub value: CellValue,
}

// A long sheet's grid is mostly cells: keep them small.
const _: () = assert!(std::mem::size_of::<Cell>() == 24);

/// A rectangle of cells, inclusive at both ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Region {
    /// First row.
    pub first_row: u32,
    /// First column.
    pub first_col: u32,
    /// Last row.
    pub last_row: u32,
    /// Last column.
    pub last_col: u32,
}

impl Region {
    /// A single cell.
    pub fn cell(row: u32, col: u32) -> Region {
        Region {
            first_row: row,
            first_col: col,
            last_row: row,
            last_col: col,
        }
    }

    /// True when the region holds the cell.
    pub fn contains(&self, row: u32, col: u32) -> bool {
        (self.first_row..=self.last_row).contains(&row)
            && (self.first_col..=self.last_col).contains(&col)
    }

    fn area(&self) -> u64 {
        u64::from(self.last_row - self.first_row + 1)
            * u64::from(self.last_col - self.first_col + 1)
    }
}

/// Merged regions larger than this are not indexed cell by cell but searched directly.
const INDEXED_MERGE_AREA: u64 = 4_096;
/// Cells indexed for all merged regions of a sheet together; regions past it are searched.
const INDEXED_CELLS: usize = 4_000_000;

/// The non-empty cells of a sheet and its merged regions.
#[derive(Debug, Clone, Default)]
pub struct Grid {
    cells: Vec<Cell>,
    merges: Vec<Region>,
    /// Cell → index of the merged region covering it (small regions only).
    covered: HashMap<(u32, u32), u32, foldhash::fast::RandomState>,
    /// Indices of regions too large to index cell by cell.
    large_merges: Vec<u32>,
    /// Indices of all regions, by first column then first row.
    by_first_col: Vec<u32>,
}

impl Grid {
    /// Builds a grid from cells in any order (blank text is dropped; a later duplicate position
    /// wins) and the sheet's merged regions (degenerate ones are dropped). Cells on row or column
    /// `u32::MAX` are dropped and regions end before it.
    pub fn new(mut cells: Vec<Cell>, merges: Vec<Region>) -> Grid {
        // No cell sits, and no region ends, on the last row or column a u32 can name, so that
        // "the row after" always exists (no real sheet comes near).
        cells.retain(|c| {
            c.row < u32::MAX
                && c.col < u32::MAX
                && !matches!(&c.value, CellValue::Text(t) if t.trim().is_empty())
        });
        // Cells come sorted from every reader but calamine's .xls and .ods ranges' edge cases;
        // sorting sorted cells would still take a scratch copy of half of them.
        if !cells.is_sorted_by_key(|c| (c.row, c.col)) {
            cells.sort_by_key(|c| (c.row, c.col));
        }
        cells.dedup_by(|later, earlier| {
            let same = later.row == earlier.row && later.col == earlier.col;
            if same {
                std::mem::swap(later, earlier);
            }
            same
        });
        let merges: Vec<Region> = merges
            .into_iter()
            .map(|m| Region {
                last_row: m.last_row.min(u32::MAX - 1),
                last_col: m.last_col.min(u32::MAX - 1),
                ..m
            })
            .filter(|m| m.first_row <= m.last_row && m.first_col <= m.last_col && m.area() > 1)
            .collect();
        let mut covered = HashMap::default();
        let mut large_merges = Vec::new();
        for (index, merge) in merges.iter().enumerate() {
            if merge.area() > INDEXED_MERGE_AREA || covered.len() >= INDEXED_CELLS {
                large_merges.push(index as u32);
                continue;
            }
            for row in merge.first_row..=merge.last_row {
                for col in merge.first_col..=merge.last_col {
                    covered.entry((row, col)).or_insert(index as u32);
                }
            }
        }
        let mut by_first_col: Vec<u32> = (0..merges.len() as u32).collect();
        by_first_col.sort_by_key(|&i| {
            let m = merges[i as usize];
            (m.first_col, m.first_row, m.last_row, m.last_col)
        });
        Grid {
            cells,
            merges,
            covered,
            large_merges,
            by_first_col,
        }
    }

    /// All non-empty cells, sorted by row then column.
    pub fn cells(&self) -> &[Cell] {
        &self.cells
    }

    /// The merged regions.
    pub fn merges(&self) -> &[Region] {
        &self.merges
    }

    /// True when the sheet has no value at all.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// The non-empty cells of rows `first..=last`.
    pub fn rows(&self, first: u32, last: u32) -> &[Cell] {
        let start = self.cells.partition_point(|c| c.row < first);
        let end = self.cells.partition_point(|c| c.row <= last);
        &self.cells[start..end.max(start)]
    }

    /// The merged regions whose first column is in `first..=last`, by first column.
    pub fn merges_starting_in(&self, first: u32, last: u32) -> impl Iterator<Item = &Region> {
        let first_col = |i: &u32| self.merges[*i as usize].first_col;
        let start = self.by_first_col.partition_point(|i| first_col(i) < first);
        let end = self.by_first_col.partition_point(|i| first_col(i) <= last);
        self.by_first_col[start..end.max(start)]
            .iter()
            .map(|&i| &self.merges[i as usize])
    }

    /// The cells and merged regions that row `row` passes through between columns `from` and
    /// `to`, left to right, each once: what a walk along the row meets, without visiting the
    /// empty columns between (a cell at column 4,000,000,000 costs one step, not billions).
    pub fn regions_along_row(&self, row: u32, from: u32, to: u32) -> Vec<Region> {
        let mut regions: Vec<Region> = self
            .rows(row, row)
            .iter()
            .filter(|c| (from..=to).contains(&c.col))
            .map(|c| self.region(row, c.col))
            .chain(self.merges.iter().copied().filter(|m| {
                m.first_row <= row && row <= m.last_row && m.last_col >= from && m.first_col <= to
            }))
            .collect();
        regions.sort_by_key(|r| (r.first_col.max(from), r.first_row, r.last_row, r.last_col));
        regions.dedup();
        regions
    }

    /// The cell's own value (not resolving merges).
    pub fn raw(&self, row: u32, col: u32) -> Option<&CellValue> {
        self.cells
            .binary_search_by_key(&(row, col), |c| (c.row, c.col))
            .ok()
            .map(|i| &self.cells[i].value)
    }

    /// The merged region holding the cell, or the cell itself.
    pub fn region(&self, row: u32, col: u32) -> Region {
        if let Some(&index) = self.covered.get(&(row, col)) {
            return self.merges[index as usize];
        }
        self.large_merges
            .iter()
            .map(|&i| self.merges[i as usize])
            .find(|m| m.contains(row, col))
            .unwrap_or(Region::cell(row, col))
    }

    /// The value a reader sees at a cell: a merged region's top-left value covers it all.
    pub fn value(&self, row: u32, col: u32) -> Option<&CellValue> {
        let region = self.region(row, col);
        self.raw(region.first_row, region.first_col)
    }

    /// The value at a cell as text, if it is text.
    pub fn text(&self, row: u32, col: u32) -> Option<&str> {
        match self.value(row, col) {
            Some(CellValue::Text(text)) => Some(text),
            _ => None,
        }
    }

    /// The last row holding a value.
    pub fn last_row(&self) -> u32 {
        self.cells.last().map_or(0, |c| c.row)
    }
}

/// "B12" as (row, column), both from 0, read strictly as spreadsheets write a reference: one to
/// three capital letters, then the row from 1 in at most seven digits without a leading zero
/// (`None` for anything else). The inverse of [`a1`] for every cell Excel has.
pub fn parse_a1(raw: &[u8]) -> Option<(u32, u32)> {
    let letters = raw.iter().take_while(|b| b.is_ascii_uppercase()).count();
    let digits = &raw[letters..];
    if !(1..=3).contains(&letters)
        || !(1..=7).contains(&digits.len())
        || digits[0] == b'0'
        || !digits.iter().all(u8::is_ascii_digit)
    {
        return None;
    }
    let col = raw[..letters]
        .iter()
        .fold(0u32, |c, &b| c * 26 + u32::from(b - b'A') + 1);
    let row = digits
        .iter()
        .fold(0u32, |n, &b| n * 10 + u32::from(b - b'0'));
    Some((row - 1, col - 1))
}

/// A cell's name in A1 notation ("C7"); safe for any column number.
pub fn a1(row: u32, col: u32) -> String {
    // Built by hand: called for every value read, where `format!` showed in profiles.
    let mut letters = [0u8; 7]; // u32::MAX + 1 is "MWLQKWV", seven letters
    let mut start = letters.len();
    let mut n = u64::from(col) + 1;
    while n > 0 {
        start -= 1;
        letters[start] = b'A' + ((n - 1) % 26) as u8;
        n = (n - 1) / 26;
    }
    let mut digits = [0u8; 10];
    let mut at = digits.len();
    let mut r = u64::from(row) + 1;
    while r > 0 {
        at -= 1;
        digits[at] = b'0' + (r % 10) as u8;
        r /= 10;
    }
    let mut name = String::with_capacity(letters.len() - start + digits.len() - at);
    name.extend(letters[start..].iter().map(|&b| b as char));
    name.extend(digits[at..].iter().map(|&b| b as char));
    name
}

/// Building blocks for the grid tests here and in the table-reading modules.
#[cfg(test)]
pub(crate) mod test_cells {
    use super::{Cell, CellValue, Region};

    /// A text cell.
    pub fn text(row: u32, col: u32, t: &str) -> Cell {
        Cell {
            row,
            col,
            value: CellValue::Text(t.to_owned().into()),
        }
    }

    /// A region from its corners.
    pub fn region(first_row: u32, first_col: u32, last_row: u32, last_col: u32) -> Region {
        Region {
            first_row,
            first_col,
            last_row,
            last_col,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_cells::{region, text};
    use super::*;

    #[test]
    fn a1_names_cells() {
        assert_eq!(a1(0, 0), "A1");
        assert_eq!(a1(6, 2), "C7");
        assert_eq!(a1(0, 25), "Z1");
        assert_eq!(a1(0, 26), "AA1");
        assert_eq!(a1(1_048_575, 16_383), "XFD1048576");
        assert_eq!(a1(u32::MAX, u32::MAX), "MWLQKWV4294967296");
    }

    #[test]
    fn a_walk_along_a_row_meets_cells_and_merges_once_each_in_column_order() {
        let from_above = region(0, 3, 1, 4);
        let wide = region(1, 6, 1, 9);
        let grid = Grid::new(
            vec![
                text(0, 3, "上"),
                text(1, 0, "标签"),
                text(1, 4, "被覆盖"),
                text(1, 6, "宽"),
                text(1, 4_000_000_000, "远"),
                text(2, 1, "别的行"),
            ],
            vec![from_above, wide],
        );
        let along = grid.regions_along_row(1, 1, u32::MAX - 1);
        let far = Region::cell(1, 4_000_000_000);
        assert_eq!(along, [from_above, wide, far]);
        assert_eq!(grid.regions_along_row(1, 5, 8), [wide]);
        assert!(grid.regions_along_row(3, 0, 10).is_empty());
    }

    #[test]
    fn merged_regions_share_their_top_left_value() {
        let merge = region(2, 1, 4, 1);
        let grid = Grid::new(
            vec![text(2, 1, "产出指标"), text(3, 2, "时效指标")],
            vec![merge],
        );
        assert_eq!(grid.text(4, 1), Some("产出指标"));
        assert_eq!(grid.raw(4, 1), None);
        assert_eq!(grid.region(3, 1), merge);
        assert_eq!(grid.region(3, 2), Region::cell(3, 2));
    }

    #[test]
    fn huge_merges_are_found_without_indexing_every_cell() {
        let merge = region(0, 0, 1_000_000, 100);
        let grid = Grid::new(vec![text(0, 0, "标题")], vec![merge]);
        assert_eq!(grid.text(999_999, 99), Some("标题"));
        assert!(grid.covered.is_empty());
    }

    #[test]
    fn blank_text_is_no_cell_and_rows_slice_by_row() {
        let grid = Grid::new(
            vec![text(1, 0, "b"), text(0, 0, "  "), text(3, 0, "d")],
            vec![],
        );
        assert_eq!(grid.cells().len(), 2);
        assert_eq!(grid.rows(1, 2).len(), 1);
        assert_eq!(grid.rows(4, 9).len(), 0);
        assert_eq!(grid.last_row(), 3);
    }
}
