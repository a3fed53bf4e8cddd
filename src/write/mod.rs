//! Writers: from the model to files users open.

pub mod form;

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
