//! The output folder: every file is written under a temporary name and renamed into place only
//! when the whole run has succeeded, so a failed or interrupted run never leaves a half-written
//! summary where the last good one was.

use std::path::{Path, PathBuf};

use crate::error::{Error, ErrorKind, Result};

/// The output folder and the files written into it so far.
#[derive(Debug)]
pub struct OutputDir {
    dir: PathBuf,
    pending: Vec<(PathBuf, PathBuf)>,
    /// Working files of the run, never committed.
    scratch: Vec<PathBuf>,
}

/// The files jixiao writes into an output folder (the evaluation files only when a batch holds
/// self-evaluations).
pub const OUTPUT_NAMES: [&str; 9] = [
    "summary.xlsx",
    "projects.csv",
    "indicators.csv",
    "projects.jsonl",
    "manifest.csv",
    "review.csv",
    "evaluations.jsonl",
    "evaluations.csv",
    "evaluation_indicators.csv",
];

/// Marks a folder as jixiao's output folder, so a later run may replace its outputs.
const MARKER: &str = ".jixiao-output";

impl OutputDir {
    /// Opens the output folder, creating it if needed. A folder that already holds other files
    /// and was not made by jixiao is refused unless `force`, so nothing is clobbered silently.
    pub fn create(dir: &Path, force: bool) -> Result<OutputDir> {
        if dir.is_dir() && !dir.join(MARKER).exists() && !force {
            let foreign: Vec<String> = std::fs::read_dir(dir)
                .map_err(|e| output_error(dir, e))?
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|name| !name.starts_with('.'))
                .collect();
            if !foreign.is_empty() {
                let mut shown = foreign.clone();
                shown.sort();
                shown.truncate(3);
                let message = format!(
                    "输出目录已有其他文件（{} 等 {} 个），为免覆盖未写入；请换一个空目录，或加 --force",
                    shown.join("、"),
                    foreign.len()
                );
                return Err(Error::in_file(
                    dir.display().to_string(),
                    ErrorKind::Output(message),
                ));
            }
        }
        std::fs::create_dir_all(dir).map_err(|e| output_error(dir, e))?;
        let marker = "jixiao 的输出目录：再次运行会替换其中的 summary.xlsx、projects.csv、indicators.csv、projects.jsonl、manifest.csv。\n";
        std::fs::write(dir.join(MARKER), marker).map_err(|e| output_error(dir, e))?;
        Ok(OutputDir {
            dir: dir.to_path_buf(),
            pending: Vec::new(),
            scratch: Vec::new(),
        })
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// A temporary path for the output `name`, renamed to `name` by [`OutputDir::commit`].
    pub fn temp_path(&mut self, name: &str) -> PathBuf {
        let temp = self
            .dir
            .join(format!(".{name}.partial-{}", std::process::id()));
        self.pending.push((temp.clone(), self.dir.join(name)));
        temp
    }

    /// Creates the output `name` under its temporary name.
    pub fn create_file(&mut self, name: &str) -> Result<std::fs::File> {
        let temp = self.temp_path(name);
        std::fs::File::create(&temp).map_err(|e| output_error(&temp, e))
    }

    /// Creates a working file of the run (removed when the run ends, whatever happens).
    pub fn create_scratch(&mut self, name: &str) -> Result<(PathBuf, std::fs::File)> {
        let path = self
            .dir
            .join(format!(".{name}.partial-{}", std::process::id()));
        let file = std::fs::File::create(&path).map_err(|e| output_error(&path, e))?;
        self.scratch.push(path.clone());
        Ok((path, file))
    }

    /// Renames every output into place; returns the final paths.
    /// An output of an earlier run that this run does not write (evaluations.csv after a batch
    /// without self-evaluations) is removed, so the folder never holds outputs of two runs.
    pub fn commit(mut self) -> Result<Vec<PathBuf>> {
        let mut done = Vec::new();
        for (temp, target) in std::mem::take(&mut self.pending) {
            std::fs::rename(&temp, &target).map_err(|e| output_error(&target, e))?;
            done.push(target);
        }
        for name in OUTPUT_NAMES {
            let stale = self.dir.join(name);
            if !done.contains(&stale) && stale.is_file() {
                std::fs::remove_file(&stale).map_err(|e| output_error(&stale, e))?;
            }
        }
        Ok(done)
    }
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        for (temp, _) in &self.pending {
            let _ = std::fs::remove_file(temp);
        }
        for path in &self.scratch {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// An output error naming the path.
pub fn output_error(path: &Path, error: impl std::fmt::Display) -> Error {
    Error::in_file(
        path.display().to_string(),
        ErrorKind::Output(error.to_string()),
    )
}
