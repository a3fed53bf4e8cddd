//! `projects.jsonl`: one JSON object per project, the full model, one per line.

use std::io::Write;

use crate::model::Project;

/// Writes projects as JSON lines.
pub struct JsonLines<W: Write> {
    inner: W,
    lines: u64,
}

impl<W: Write> JsonLines<W> {
    /// Starts writing.
    pub fn new(inner: W) -> Self {
        JsonLines { inner, lines: 0 }
    }

    /// Writes one project as one line.
    pub fn add(&mut self, project: &Project) -> std::io::Result<()> {
        serde_json::to_writer(&mut self.inner, project)?;
        self.inner.write_all(b"\n")?;
        self.lines += 1;
        Ok(())
    }

    /// Lines written.
    pub fn lines(&self) -> u64 {
        self.lines
    }

    /// Flushes and returns the inner writer.
    pub fn finish(mut self) -> std::io::Result<W> {
        self.inner.flush()?;
        Ok(self.inner)
    }
}
