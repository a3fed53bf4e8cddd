//! `manifest.csv`: one row per input file met — `path,status,templates,forms,message` — so that
//! converted + rejected + skipped account for every file found.

use super::csv_out::{CsvEncoding, rows_bytes};
use super::rows::neutralize;
use crate::outcome::FileOutcome;

/// The manifest's header, exactly.
pub const MANIFEST_HEADER: [&str; 5] = ["path", "status", "templates", "forms", "message"];

/// A file's manifest row, encoded.
pub fn manifest_row(outcome: &FileOutcome, encoding: CsvEncoding) -> std::io::Result<Vec<u8>> {
    let row = vec![
        neutralize(&outcome.file).into_owned(),
        outcome.status.as_str().to_owned(),
        outcome.templates().join(";"),
        (outcome.handed + outcome.records.len() as u64).to_string(),
        neutralize(&outcome.message).into_owned(),
    ];
    rows_bytes(&[row], encoding)
}
