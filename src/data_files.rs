//! The data files of a templates folder (`--templates DIR`): every `*.toml`, and which of the three
//! kinds of data each holds — a template, a dictionary file (`kind = "dictionary"`), a review
//! rules file (`kind = "review"`) or footer labels (`kind = "footers"`). The template loader, the normalizer's dictionary and the review
//! each take their own kind from one listing, so none of them needs to know the others.

use std::path::Path;

use crate::error::{Error, ErrorKind, Result};

/// What a data file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataKind {
    /// A template (a layout of a form).
    Template,
    /// Dictionary entries for the normalizer.
    Dictionary,
    /// Review rules.
    Review,
    /// Footer labels (`kind = "footers"`).
    Footers,
}

impl DataKind {
    /// The kind of a data file, from its text.
    pub fn of(text: &str) -> DataKind {
        let lines = || text.lines().map(str::trim);
        if lines().any(|l| l.starts_with("[dictionary]") || l.starts_with("kind = \"dictionary\""))
        {
            DataKind::Dictionary
        } else if lines().any(|l| l.starts_with("kind = \"review\"")) {
            DataKind::Review
        } else if lines().any(|l| l.starts_with("kind = \"footers\"")) {
            DataKind::Footers
        } else {
            DataKind::Template
        }
    }
}

/// The `*.toml` files of a folder, sorted by name, as (path shown, text).
pub fn toml_files(dir: &Path) -> Result<Vec<(String, String)>> {
    let template_error = |path: &Path, e: std::io::Error| {
        Error::in_file(
            path.display().to_string(),
            ErrorKind::Template(e.to_string()),
        )
    };
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| template_error(dir, e))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
        })
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).map_err(|e| template_error(&path, e))?;
            Ok((path.display().to_string(), text))
        })
        .collect()
}

/// The files of a folder that hold one kind of data, as (path shown, text).
pub fn files_of_kind(dir: &Path, kind: DataKind) -> Result<Vec<(String, String)>> {
    Ok(toml_files(dir)?
        .into_iter()
        .filter(|(_, text)| DataKind::of(text) == kind)
        .collect())
}
