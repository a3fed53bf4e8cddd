//! `manifest.csv`: one row per input file met — `path,status,templates,forms,message` — so that
//! converted + rejected + skipped account for every file found.

use std::io::Write;

use super::csv_out::{CsvEncoding, EncodedWriter, csv_writer, finish_csv};
use super::rows::neutralize;
use crate::batch::FileOutcome;

/// The manifest's header, exactly.
pub const MANIFEST_HEADER: [&str; 5] = ["path", "status", "templates", "forms", "message"];

/// Writes the manifest.
pub struct Manifest<W: Write> {
    writer: csv::Writer<EncodedWriter<W>>,
    rows: u64,
}

impl<W: Write> Manifest<W> {
    /// Starts the manifest with its header.
    pub fn new(inner: W, encoding: CsvEncoding) -> std::io::Result<Self> {
        let mut writer = csv_writer(inner, encoding)?;
        writer.write_record(MANIFEST_HEADER)?;
        Ok(Manifest { writer, rows: 0 })
    }

    /// Adds a file's row.
    pub fn add(&mut self, outcome: &FileOutcome) -> std::io::Result<()> {
        let templates = outcome.templates().join(";");
        self.writer.write_record([
            neutralize(&outcome.file).as_ref(),
            outcome.status.as_str(),
            &templates,
            &outcome.forms.len().to_string(),
            neutralize(&outcome.message).as_ref(),
        ])?;
        self.rows += 1;
        Ok(())
    }

    /// Rows written (files).
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Flushes and returns the inner writer.
    pub fn finish(self) -> std::io::Result<W> {
        finish_csv(self.writer)
    }
}
