//! What the readers of every format share about a sheet: its name and kind, why it could not be
//! read, and how calamine's cells become jixiao's (texts trimmed to nothing dropped, dates as
//! dates).

use std::rc::Rc;

use calamine::{DataRef, SheetType, SheetVisible, Xlsx};

use super::grid::{Cell, CellValue};
use crate::error::ErrorKind;
use crate::model::Date;

/// A sheet's name and what kind of sheet it is.
#[derive(Debug, Clone)]
pub struct SheetInfo {
    /// The name.
    pub name: String,
    /// False for chart, dialog and macro sheets, which hold no cells.
    pub is_worksheet: bool,
    /// True for hidden and very hidden sheets.
    pub hidden: bool,
}

/// Why a sheet could not be turned into a grid.
#[derive(Debug)]
pub enum GridError {
    /// The sheet is damaged; other sheets may still be read.
    Damaged(String),
    /// A limit was passed; the file is rejected.
    Limit(ErrorKind),
}

impl From<String> for GridError {
    fn from(detail: String) -> Self {
        GridError::Damaged(detail)
    }
}

pub(super) fn push_ref(cells: &mut Vec<Cell>, row: u32, col: u32, data: &DataRef<'_>) {
    let value = match data {
        DataRef::SharedString(text) => text_value(text),
        DataRef::String(text) => text_value(text),
        DataRef::Int(i) => Some(CellValue::Number(*i as f64)),
        DataRef::Float(f) => Some(CellValue::Number(*f)),
        DataRef::Bool(b) => Some(CellValue::Bool(*b)),
        DataRef::DateTime(dt) => Some(datetime(dt)),
        DataRef::DateTimeIso(iso) => Some(iso_date(iso)),
        DataRef::DurationIso(text) => text_value(text),
        DataRef::Error(e) => Some(CellValue::Error(e.to_string().into())),
        DataRef::Empty => None,
    };
    if let Some(value) = value {
        cells.push(Cell { row, col, value });
    }
}

/// The cells calamine's reader yields for a sheet of an .xlsx (no limits: for checks).
pub(super) fn calamine_cells<R: std::io::Read + std::io::Seek>(
    workbook: &mut Xlsx<R>,
    sheet: &str,
) -> Result<Vec<Cell>, String> {
    let mut reader = workbook
        .worksheet_cells_reader(sheet)
        .map_err(|e| e.to_string())?;
    let mut cells = Vec::new();
    while let Some(cell) = reader.next_cell().map_err(|e| e.to_string())? {
        let (row, col) = cell.get_position();
        push_ref(&mut cells, row, col, cell.get_value());
    }
    Ok(cells)
}

/// calamine's sheet list as jixiao's.
pub(super) fn sheet_infos(metadata: &[calamine::Sheet]) -> Vec<SheetInfo> {
    metadata
        .iter()
        .map(|sheet| SheetInfo {
            name: sheet.name.clone(),
            is_worksheet: sheet.typ == SheetType::WorkSheet,
            hidden: sheet.visible != SheetVisible::Visible,
        })
        .collect()
}

/// A text cell's value: `None` for a blank text.
pub(super) fn text_value(text: &str) -> Option<CellValue> {
    if text.trim().is_empty() {
        None
    } else {
        Some(CellValue::Text(Rc::new(text.to_owned())))
    }
}

/// [`text_value`] of a text already owned (kept, not copied).
pub(super) fn owned_text_value(text: String) -> Option<CellValue> {
    if text.trim().is_empty() {
        None
    } else {
        Some(CellValue::Text(Rc::new(text)))
    }
}

/// A date (or a plain number, for an elapsed time or a date out of range) as a cell value.
pub(super) fn datetime(dt: &calamine::ExcelDateTime) -> CellValue {
    if dt.is_datetime() {
        let (year, month, day, ..) = dt.to_ymd_hms_milli();
        if let Some(date) = Date::new(i32::from(year), u32::from(month), u32::from(day)) {
            return CellValue::Date(date);
        }
    }
    CellValue::Number(dt.as_f64())
}

/// An ISO date text (.ods) as a date, or as the text when it is none.
pub(super) fn iso_date(iso: &str) -> CellValue {
    iso.get(..10)
        .and_then(Date::parse_iso)
        .map_or_else(|| CellValue::Text(Rc::new(iso.to_owned())), CellValue::Date)
}
