//! Copies of real forms, cell by cell with their merged regions, to vary: moved, re-labelled,
//! in 元, edited, stacked with others in one sheet.

use std::path::Path;

use calamine::{Data, Reader, Xlsx, open_workbook};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{Format, FormatBorder, Workbook, Worksheet};

/// A sheet's content: its cells and merged regions.
pub struct SheetCopy {
    pub cells: Vec<(u32, u32, Data)>,
    pub merges: Vec<(u32, u32, u32, u32)>,
}

impl SheetCopy {
    pub fn load(path: &Path) -> SheetCopy {
        let mut workbook: Xlsx<_> = open_workbook(path).unwrap();
        let name = workbook.sheet_names()[0].clone();
        let range = workbook.worksheet_range(&name).unwrap();
        let (row0, col0) = range.start().unwrap_or((0, 0));
        let cells = range
            .cells()
            .filter(|(_, _, v)| !matches!(v, Data::Empty))
            .map(|(r, c, v)| (r as u32 + row0, c as u32 + col0, v.clone()))
            .collect();
        let merges = workbook
            .merge_cells_by_sheet_name(&name)
            .unwrap()
            .into_iter()
            .map(|d| (d.start.0, d.start.1, d.end.0, d.end.1))
            .collect();
        SheetCopy { cells, merges }
    }

    /// Sets a cell (A1 notation) to a value, or clears it with `Data::Empty`.
    pub fn set(&mut self, cell: &str, value: Data) {
        let (row, col) = parse_a1(cell);
        self.cells.retain(|(r, c, _)| (*r, *c) != (row, col));
        if value != Data::Empty {
            self.cells.push((row, col, value));
        }
    }

    fn last_row(&self) -> u32 {
        let cells = self.cells.iter().map(|(r, _, _)| *r);
        cells
            .chain(self.merges.iter().map(|m| m.2))
            .max()
            .unwrap_or(0)
    }

    /// The first row of the indicator table: amounts stand above it.
    fn indicator_header_row(&self) -> u32 {
        self.cells
            .iter()
            .filter(|(_, _, v)| matches!(v, Data::String(s) if s == "一级指标"))
            .map(|(r, _, _)| *r)
            .min()
            .unwrap_or(u32::MAX)
    }
}

/// How a copy differs from its original.
#[derive(Clone, Copy, Default)]
pub struct Variation {
    /// Rows and columns the form is moved down and right.
    pub offset: (u32, u32),
    /// Labels spaced out or given a colon.
    pub relabel: bool,
    /// Amounts (the numbers above the indicator table, or a self-evaluation's budget figures)
    /// times 10,000, and "万元" in the labels there made "元".
    pub yuan: bool,
}

const RELABELLED: [&str; 6] = [
    "项目名称",
    "主管部门",
    "实施单位",
    "项目实施单位",
    "主管部门及代码",
    "项目属性",
];

fn relabel(text: &str) -> String {
    match text {
        "项目名称" | "项目属性" => {
            text.chars().map(String::from).collect::<Vec<_>>().join(" ")
        }
        "主管部门" => "主管部门：".to_owned(),
        _ => format!("{text}:"),
    }
}

/// A form to write: the sheet copied, how it varies, and its budget figures' cells (to scale to
/// 元 on a self-evaluation).
pub type Placed<'a> = (&'a SheetCopy, Variation, &'a [(u32, u32)]);

/// Writes the forms one under another in one sheet, each varied.
pub fn write_variant(forms: &[Placed<'_>], path: &Path) {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    let format = Format::new().set_border(FormatBorder::Thin).set_text_wrap();
    let mut top = 0;
    for (copy, variation, budget_cells) in forms {
        let (dr, dc) = (top + variation.offset.0, variation.offset.1);
        let header = copy.indicator_header_row();
        for &(r0, c0, r1, c1) in &copy.merges {
            sheet
                .merge_range(
                    r0 + dr,
                    (c0 + dc) as u16,
                    r1 + dr,
                    (c1 + dc) as u16,
                    "",
                    &format,
                )
                .unwrap();
        }
        for (row, col, value) in &copy.cells {
            let amount = variation.yuan
                && if budget_cells.is_empty() {
                    *row < header
                } else {
                    budget_cells.contains(&(*row, *col))
                };
            let (row, col) = (row + dr, (col + dc) as u16);
            write_cell(
                sheet,
                row,
                col,
                value,
                *variation,
                amount,
                row < header + dr,
                &format,
            );
        }
        top = dr + copy.last_row() + 3;
    }
    workbook.save(path).unwrap();
}

#[allow(clippy::too_many_arguments)]
fn write_cell(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    value: &Data,
    variation: Variation,
    amount: bool,
    above_indicators: bool,
    format: &Format,
) {
    match value {
        Data::String(text) => {
            let mut text = text.clone();
            if variation.relabel && RELABELLED.contains(&text.as_str()) {
                text = relabel(&text);
            }
            if variation.yuan && above_indicators && text.contains("万元") {
                text = text.replace("万元", "元");
            }
            sheet
                .write_string_with_format(row, col, &text, format)
                .unwrap();
        }
        Data::Float(_) | Data::Int(_) => {
            let number = match value {
                Data::Float(f) => *f,
                Data::Int(i) => *i as f64,
                _ => unreachable!(),
            };
            let number = if amount {
                // Exactly: 1318.5 万元 is 13,185,000 元, never 13184999.999….
                let wan = Decimal::from_f64_retain(number).unwrap().round_dp(6);
                (wan * Decimal::from(10_000)).to_f64().unwrap()
            } else {
                number
            };
            sheet
                .write_number_with_format(row, col, number, format)
                .unwrap();
        }
        Data::DateTime(date) => {
            let format = format.clone().set_num_format("yyyy\"年\"m\"月\"d\"日\"");
            sheet
                .write_number_with_format(row, col, date.as_f64(), &format)
                .unwrap();
        }
        other => panic!("a corpus cell of an unexpected type: {other:?}"),
    }
}

/// (row, column), zero-based, of an A1 cell name.
pub fn parse_a1(cell: &str) -> (u32, u32) {
    let letters: String = cell.chars().take_while(char::is_ascii_alphabetic).collect();
    let row: u32 = cell[letters.len()..].parse().unwrap();
    let col = letters
        .bytes()
        .fold(0u32, |acc, b| acc * 26 + u32::from(b - b'A' + 1));
    (row - 1, col - 1)
}

/// Writes rows of text cells (a cell "" is left empty) at the top left of one sheet; `merges`
/// are (first row, first col, last row, last col) with the text of their top-left cell.
pub fn write_rows(path: &Path, rows: &[&[&str]], merges: &[(u32, u16, u32, u16)]) {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    let format = Format::new().set_border(FormatBorder::Thin);
    for &(r0, c0, r1, c1) in merges {
        let text = rows[r0 as usize][c0 as usize];
        sheet.merge_range(r0, c0, r1, c1, text, &format).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, text) in row.iter().enumerate() {
            let inside_merge = merges.iter().any(|&(r0, c0, r1, c1)| {
                (r0..=r1).contains(&(r as u32)) && (c0..=c1).contains(&(c as u16))
            });
            if text.is_empty() || inside_merge {
                continue;
            }
            match text.parse::<f64>() {
                Ok(number) if !text.starts_with('0') || *text == "0" => {
                    sheet.write_number_with_format(r as u32, c as u16, number, &format)
                }
                _ => sheet.write_string_with_format(r as u32, c as u16, *text, &format),
            }
            .unwrap();
        }
    }
    workbook.save(path).unwrap();
}
