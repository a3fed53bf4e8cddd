//! `jixiao normalize FILE...`: print the forms as the normalizer leaves them (canonical level
//! names, structured 指标值, codes split off names, checks as warnings), or with `--unmapped`, the
//! wordings it could not map, with counts, so the dictionary can grow.

use std::io::Write;

use jixiao::batch::{self, FileStatus};
use jixiao::normalize::UnmappedReport;
use serde_json::json;

/// Arguments of `jixiao normalize`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub input: super::InputArgs,
    /// Instead of the forms, list what could not be mapped (kind, wording, count) as CSV.
    #[arg(long)]
    pub unmapped: bool,
}

/// Runs the command; the exit code is 1 when any file could not be read.
pub fn run(args: Args) -> Result<i32, String> {
    let pipeline = args.input.pipeline(super::Stages::Normalize)?;
    let dictionary = pipeline
        .normalizer
        .as_ref()
        .map(|n| n.dictionary().clone())
        .unwrap_or_default();
    let mut files = Vec::new();
    let mut report = UnmappedReport::default();
    let mut any_rejected = false;
    for input in batch::walk_inputs(&args.input.inputs) {
        let outcome = pipeline.process(&input);
        if outcome.status == FileStatus::Rejected {
            any_rejected = true;
            eprintln!("jixiao: {}：{}", outcome.file, outcome.message);
        }
        for form in outcome.projects() {
            report.add(form, &dictionary);
        }
        if !args.unmapped {
            files.push(json!({
                "file": outcome.file,
                "status": outcome.status.as_str(),
                "message": outcome.message,
                "forms": outcome.records,
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
