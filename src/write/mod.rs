//! Writers: from the model to the files users open — the summary workbook, the CSV hand-off,
//! JSON lines (rendered in render.rs) and the manifest — plus the form renderer used for samples
//! and tests.

pub mod cells;
pub mod csv_out;
pub mod departments;
pub mod direct;
pub mod evaluations;
pub mod form;
pub mod forms_out;
pub mod manifest;
pub mod monitoring;
pub mod output;
pub mod render;
pub mod review_out;
pub mod rows;
pub mod set_aside;
pub mod sheet_xml;
pub mod summary;
pub mod totals;
pub mod zip_out;

use rust_xlsxwriter::{DocProperties, ExcelDateTime};

/// Document properties with a fixed creation time, so the same inputs give byte-identical
/// workbooks on every run.
pub fn fixed_properties(title: &str) -> DocProperties {
    let created = ExcelDateTime::from_ymd(2024, 1, 1).expect("a valid fixed date");
    DocProperties::new()
        .set_title(title)
        .set_author("jixiao")
        .set_creation_datetime(&created)
}
