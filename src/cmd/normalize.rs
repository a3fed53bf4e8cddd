//! `jixiao normalize FILE...`: print the forms as the normalizer leaves them (canonical level
//! names, structured 指标值, codes split off names, checks as warnings), or with `--unmapped`, the
//! wordings it could not map, with counts, so the dictionary can grow.

use std::io::Write;
use std::path::PathBuf;

use jixiao::batch::{self, FileStatus};
use jixiao::normalize::{Normalizer, UnmappedReport};
use serde_json::json;

/// Arguments of `jixiao normalize`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Workbooks or folders.
    #[arg(required = true, value_name = "FILE")]
    pub inputs: Vec<PathBuf>,
    /// A folder of extra templates and dictionary files (normalize.toml with kind = "dictionary").
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    #[command(flatten)]
    pub limits: super::LimitArgs,
    /// Instead of the forms, list what could not be mapped (kind, wording, count) as CSV.
    #[arg(long)]
    pub unmapped: bool,
}

/// Runs the command; the exit code is 1 when any file could not be read.
pub fn run(args: Args) -> Result<i32, String> {
    let templates = super::load_templates(args.templates.as_deref())?;
    let normalizer = Normalizer::with_dir(args.templates.as_deref()).map_err(|e| e.to_string())?;
    let pipeline = batch::Pipeline {
        templates,
        normalizer: Some(normalizer.clone()),
        limits: args.limits.limits(),
    };
    let mut files = Vec::new();
    let mut report = UnmappedReport::default();
    let mut any_rejected = false;
    for input in batch::walk_inputs(&args.inputs) {
        let outcome = pipeline.process(&input);
        if outcome.status == FileStatus::Rejected {
            any_rejected = true;
            eprintln!("jixiao: {}：{}", outcome.file, outcome.message);
        }
        for form in &outcome.forms {
            report.add(form, normalizer.dictionary());
        }
        if !args.unmapped {
            files.push(json!({
                "file": outcome.file,
                "status": outcome.status.as_str(),
                "message": outcome.message,
                "forms": outcome.forms,
            }));
        }
    }
    let mut stdout = std::io::stdout().lock();
    let written = if args.unmapped {
        let mut csv = csv::Writer::from_writer(Vec::new());
        let rows = report.rows();
        let header = csv.write_record(["类别", "原文", "次数"]);
        let body = rows.iter().try_for_each(|(kind, text, count)| {
            csv.write_record([*kind, *text, &count.to_string()])
        });
        header.and(body).map_err(|e| e.to_string())?;
        let bytes = csv.into_inner().map_err(|e| e.to_string())?;
        stdout.write_all(&bytes)
    } else {
        let text = serde_json::to_string_pretty(&files).map_err(|e| e.to_string())?;
        writeln!(stdout, "{text}")
    };
    super::ignore_broken_pipe(written)?;
    Ok(i32::from(any_rejected))
}
