//! A cell of the summary workbook's list sheets, ready to write: the vocabulary the renderers of
//! each sheet share.

use rust_decimal::Decimal;
use rust_xlsxwriter::{ExcelDateTime, XlsxError};

use crate::model::Date;

/// A workbook cell, ready to write.
#[derive(Debug, Clone, PartialEq)]
pub enum XCell {
    /// Text (already cut to fit a cell).
    Text(String),
    /// An amount in 万元, shown `#,##0.00`.
    Money(Option<Decimal>),
    /// A plain number.
    Number(Option<Decimal>),
    /// A date.
    Date(Option<Date>),
    /// A fraction shown as a percentage (0.9537 → 95.37%).
    Percent(Option<Decimal>),
    /// An amount in 万元 written as a live formula: this row's `minuend` column less its
    /// `subtrahend` column, with its value cached.
    RowDifference {
        /// The column subtracted from.
        minuend: u16,
        /// The column subtracted.
        subtrahend: u16,
        /// The value Excel would compute.
        cached: Decimal,
    },
    /// A change as a live formula, shown as a percentage: this row's `to` column over its `from`
    /// column, less one (empty when `from` is 0), with its value cached.
    RowChange {
        /// The column of the earlier amount.
        from: u16,
        /// The column of the later amount.
        to: u16,
        /// The value Excel would compute (none when there is no earlier amount).
        cached: Option<Decimal>,
    },
}

impl XCell {
    /// A formula cell's formula (without its "=") in row `row` (0-based) and the value cached
    /// with it (empty: none); `None` for a cell that is not a formula.
    pub fn formula(&self, row: u32) -> Option<(String, String)> {
        let r = row + 1;
        match *self {
            XCell::RowDifference {
                minuend,
                subtrahend,
                cached,
            } => {
                let (m, s) = (column_letter(minuend), column_letter(subtrahend));
                let cached = cached.round_dp(2).normalize().to_string();
                Some((format!("{m}{r}-{s}{r}"), cached))
            }
            XCell::RowChange { from, to, cached } => {
                let (from, to) = (column_letter(from), column_letter(to));
                let cached =
                    cached.map_or(String::new(), |c| c.round_dp(6).normalize().to_string());
                Some((
                    format!("IF(N({from}{r})=0,\"\",{to}{r}/{from}{r}-1)"),
                    cached,
                ))
            }
            _ => None,
        }
    }
}

/// A column's letters (0 → A, 26 → AA).
pub fn column_letter(col: u16) -> String {
    rust_xlsxwriter::utility::column_number_to_name(col)
}

/// A date as the workbook writes it.
pub fn excel_date(date: Date) -> Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::from_ymd(date.year() as u16, date.month() as u8, date.day() as u8)
}
