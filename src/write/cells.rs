//! A cell of the summary workbook's list sheets, ready to write: the vocabulary the renderers of
//! each sheet share.

use rust_decimal::Decimal;

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
