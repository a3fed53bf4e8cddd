//! The subcommands, one file each: its own arguments and a short `run`.

pub mod convert;
pub mod forms;
pub mod history;
pub mod inspect;
pub mod normalize;
pub mod review;
pub mod serve;
pub mod store;

use std::path::Path;

use jixiao::TemplateSet;
use jixiao::read::Limits;
use jixiao::read::limits::parse_size;

/// What every reading command takes: the inputs, extra templates, the limits.
#[derive(Debug, Clone, clap::Args)]
pub struct InputArgs {
    /// Workbooks or folders (folders are walked recursively).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<std::path::PathBuf>,
    /// A folder of extra templates (*.toml; one with a built-in id replaces it) and dictionary
    /// files (kind = "dictionary").
    #[arg(long, value_name = "DIR")]
    pub templates: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// How far each file goes down the pipeline.
#[derive(Debug, Clone, Copy)]
pub enum Stages<'a> {
    /// Read only.
    Read,
    /// Read and normalized.
    Normalize,
    /// Read, normalized, and target forms reviewed with the built-in rules, those in the
    /// templates folder, and `rules` (a review file) when given.
    Review {
        /// An extra review rules file.
        rules: Option<&'a Path>,
    },
}

impl InputArgs {
    /// The pipeline each file goes through: read with the templates within the limits, then
    /// normalized and reviewed as `stages` says.
    pub fn pipeline(&self, stages: Stages<'_>) -> Result<jixiao::batch::Pipeline, String> {
        let dir = self.templates.as_deref();
        let normalizer = match stages {
            Stages::Read => None,
            _ => Some(jixiao::normalize::Normalizer::with_dir(dir).map_err(|e| e.to_string())?),
        };
        let reviewer = match stages {
            Stages::Review { rules } => {
                Some(jixiao::review::Reviewer::load(dir, rules).map_err(|e| e.to_string())?)
            }
            _ => None,
        };
        Ok(jixiao::batch::Pipeline {
            templates: load_templates(dir)?,
            normalizer,
            reviewer,
            limits: self.limits.limits(),
            store: None,
            digest: false,
        })
    }
}

/// The limits every reading command takes (see `read::limits`).
#[derive(Debug, Clone, clap::Args)]
pub struct LimitArgs {
    /// Largest file read (e.g. 100MB, 1GB).
    #[arg(long, value_name = "SIZE", default_value = "100MB", value_parser = parse_size)]
    pub max_file_size: u64,
    /// Largest inflated size of one part of a workbook (all parts together: 4 times this, at
    /// least 1GB).
    #[arg(long, value_name = "SIZE", default_value = "256MB", value_parser = parse_size)]
    pub max_inflated: u64,
    /// Smallest compressed/inflated ratio of a workbook part over 100 KB (lower is a zip bomb).
    #[arg(long, value_name = "RATIO", default_value_t = 0.01)]
    pub min_inflate_ratio: f64,
    /// Most cells read from one sheet.
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    pub max_cells: u64,
    /// Most seconds spent on one file.
    #[arg(long, value_name = "SECONDS", default_value_t = 60.0)]
    pub max_seconds: f64,
}

impl LimitArgs {
    /// The limits as the library takes them.
    pub fn limits(&self) -> Limits {
        Limits {
            max_file_bytes: self.max_file_size,
            max_entry_bytes: self.max_inflated,
            max_total_bytes: self
                .max_inflated
                .saturating_mul(4)
                .max(Limits::default().max_total_bytes),
            min_inflate_ratio: self.min_inflate_ratio,
            max_cells_per_sheet: self.max_cells,
            max_seconds_per_file: self.max_seconds,
            ..Limits::default()
        }
    }
}

/// The built-in templates plus those in `dir`.
pub fn load_templates(dir: Option<&Path>) -> Result<TemplateSet, String> {
    let mut templates = TemplateSet::builtin();
    if let Some(dir) = dir {
        templates.add_dir(dir).map_err(|e| e.to_string())?;
    }
    Ok(templates)
}

/// The store a command uses: the one given, else the one `jixiao serve` keeps in the user's
/// data folder.
pub fn store_path(given: Option<std::path::PathBuf>) -> Result<std::path::PathBuf, String> {
    match given {
        Some(path) => Ok(path),
        None => {
            default_store().ok_or_else(|| "找不到用户数据文件夹；请用 --store 指定存储文件".into())
        }
    }
}

/// The default store: `jixiao/store.sqlite` in the user's data folder (%APPDATA% on Windows,
/// ~/Library/Application Support on macOS, $XDG_DATA_HOME or ~/.local/share elsewhere).
pub fn default_store() -> Option<std::path::PathBuf> {
    let env = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(std::path::PathBuf::from)
    };
    let base = if cfg!(windows) {
        env("APPDATA")?
    } else if cfg!(target_os = "macos") {
        env("HOME")?.join("Library/Application Support")
    } else {
        env("XDG_DATA_HOME").or_else(|| Some(env("HOME")?.join(".local/share")))?
    };
    Some(base.join("jixiao").join("store.sqlite"))
}

/// A closed pipe on stdout (`jixiao inspect … | head`) is not an error.
pub fn ignore_broken_pipe(result: std::io::Result<()>) -> Result<(), String> {
    match result {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.to_string()),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    #[derive(clap::Parser)]
    struct Probe {
        #[command(flatten)]
        limits: super::LimitArgs,
    }

    #[test]
    fn the_command_lines_default_limits_are_the_librarys() {
        let probe = Probe::parse_from(["probe"]);
        assert_eq!(probe.limits.limits(), jixiao::read::Limits::default());
    }
}
