//! `jixiao review INPUT…`: the first pass of the target forms' review (绩效目标审核) — per form the
//! conclusion and each finding in words a reviewer reads, with file and cell, then a closing
//! count; as text, CSV (review.csv's columns) or JSON. Exit 0 when no form is sent back.

use std::io::Write;
use std::path::PathBuf;

use jixiao::batch::{self, FileOutcome, FileStatus};
use jixiao::model::{FindingLevel, Project};
use jixiao::write::csv_out::{CsvEncoding, rows_bytes};
use jixiao::write::review_out::{review_csv_header, review_csv_rows};
use jixiao::write::rows::{department_group, neutralize, project_id};
use serde_json::json;

/// Output formats of `jixiao review`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ReviewFormat {
    /// Words a reviewer reads.
    Text,
    /// review.csv's columns (a form without findings gets one row with its conclusion).
    Csv,
    /// One object per form.
    Json,
}

/// Arguments of `jixiao review`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub input: super::InputArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReviewFormat,
    /// A review rules file (kind = "review") that adds rules or changes built-in ones by id.
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// Worker threads (default: all cores); the output is the same for any N.
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Hold each target form against last year's in this store (the year-over-year rules
    /// lowered_vs_last_year and funds_change); the store is only read.
    #[arg(long, value_name = "FILE")]
    pub store: Option<PathBuf>,
}

/// Runs the command: 0 when no form is sent back (退回修改), 1 otherwise, 2 for usage errors.
pub fn run(args: Args) -> Result<i32, String> {
    let mut pipeline = args.input.pipeline(super::Stages::Review {
        rules: args.rules.as_deref(),
    })?;
    if let Some(path) = &args.store {
        let reader = jixiao::store::Reader::open(path).map_err(|e| e.to_string())?;
        pipeline.store = Some(std::sync::Arc::new(reader));
    }
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let words = pipeline
        .reviewer
        .as_ref()
        .map(|r| r.conclusions().clone())
        .ok_or("no reviewer")?;
    let mut stdout = std::io::stdout().lock();
    let mut counts = [0u64; 3];
    let mut json_forms = Vec::new();
    let mut csv_rows: Vec<Vec<String>> = vec![review_csv_header()];
    let mut unread = 0u64;
    // Project forms of other kinds (monitoring forms, self-evaluations), by kind.
    let mut unreviewed: std::collections::BTreeMap<jixiao::model::FormKind, u64> =
        Default::default();
    let inputs = batch::walk_inputs(&args.input.inputs);
    let mut printed: std::io::Result<()> = Ok(());
    batch::for_each_ordered(
        inputs,
        jobs,
        |input| pipeline.process(input),
        |outcome: FileOutcome| {
            if outcome.status == FileStatus::Rejected {
                unread += 1;
                eprintln!("jixiao: {}：{}", outcome.file, outcome.message);
            }
            for form in outcome.projects() {
                if !form.kind.is_project_target() {
                    *unreviewed.entry(form.kind).or_default() += 1;
                    continue;
                }
                let Some(review) = &form.review else { continue };
                let index = match review.worst {
                    Some(FindingLevel::Error) => 2,
                    Some(FindingLevel::Warning) => 1,
                    _ => 0,
                };
                counts[index] += 1;
                match args.format {
                    ReviewFormat::Text if printed.is_ok() => {
                        printed = stdout.write_all(text_block(form).as_bytes());
                    }
                    ReviewFormat::Text => {}
                    ReviewFormat::Csv => {
                        let rows = review_csv_rows(form);
                        if rows.is_empty() {
                            csv_rows.push(pass_row(form, &review.conclusion));
                        }
                        csv_rows.extend(rows);
                    }
                    ReviewFormat::Json => json_forms.push(json_form(form)),
                }
            }
            Ok::<_, String>(())
        },
    )?;
    super::ignore_broken_pipe(printed)?;
    let total: u64 = counts.iter().sum();
    let closing = format!(
        "共审核 {total} 张绩效目标表：{} {}，{} {}，{} {}。{}{}",
        words.pass,
        counts[0],
        words.attention,
        counts[1],
        words.send_back,
        counts[2],
        if unread > 0 {
            format!("另有 {unread} 个文件未能读取或没有可识别的表。")
        } else {
            String::new()
        },
        if unreviewed.is_empty() {
            String::new()
        } else {
            let kinds: Vec<String> = unreviewed
                .iter()
                .map(|(kind, count)| format!("{count} 张{}", kind.label()))
                .collect();
            format!("{}不在审核范围。", kinds.join("、"))
        },
    );
    let written = match args.format {
        ReviewFormat::Text => writeln!(stdout, "{closing}"),
        ReviewFormat::Csv => {
            eprintln!("{closing}");
            let bytes = rows_bytes(&csv_rows, CsvEncoding::Utf8Bom).map_err(|e| e.to_string())?;
            stdout.write_all(&bytes)
        }
        ReviewFormat::Json => {
            eprintln!("{closing}");
            let text = serde_json::to_string_pretty(&json_forms).map_err(|e| e.to_string())?;
            writeln!(stdout, "{text}")
        }
    };
    super::ignore_broken_pipe(written)?;
    Ok(i32::from(counts[2] > 0))
}

/// A form's conclusion and findings, for a reviewer to read.
fn text_block(form: &Project) -> String {
    let Some(review) = &form.review else {
        return String::new();
    };
    let mut text = format!(
        "【{}】{} · {} — {} 工作表“{}” {}\n",
        review.conclusion,
        form.project_name,
        department_group(form),
        form.source.file,
        form.source.sheet,
        form.source.cell
    );
    let contact = &form.contact;
    if !review.findings.is_empty() && (contact.person.is_some() || contact.phone.is_some()) {
        let who: Vec<&str> = [contact.person.as_deref(), contact.phone.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        text.push_str(&format!("  联系：{}\n", who.join(" ")));
    }
    for finding in &review.findings {
        let mark = match finding.level {
            FindingLevel::Error => "✗",
            FindingLevel::Warning => "!",
            FindingLevel::Info => "·",
        };
        let cell = finding
            .cell
            .as_deref()
            .map_or(String::new(), |c| format!("（单元格 {c}）"));
        text.push_str(&format!(
            "  {mark} {} {}：{}{cell}\n",
            finding.level.label(),
            finding.name,
            finding.message
        ));
    }
    text
}

/// The CSV row of a form without findings: its conclusion, no rule.
fn pass_row(form: &Project, conclusion: &str) -> Vec<String> {
    let text = |t: &str| neutralize(t).into_owned();
    vec![
        project_id(form),
        text(department_group(form)),
        text(&form.project_name),
        text(conclusion),
        String::new(),
        String::new(),
        String::new(),
        text(&form.source.file),
        text(&form.source.sheet),
        form.source.cell.clone(),
        text(form.project_code.as_deref().unwrap_or("")),
        text(form.contact.person.as_deref().unwrap_or("")),
        text(form.contact.phone.as_deref().unwrap_or("")),
        String::new(),
    ]
}

fn json_form(form: &Project) -> serde_json::Value {
    json!({
        "project_id": project_id(form),
        "project_name": form.project_name,
        "department": department_group(form),
        "source": form.source,
        "template": form.template,
        "year": form.year,
        "conclusion": form.review.as_ref().map(|r| r.conclusion.as_str()),
        "findings": form.review.as_ref().map(|r| &r.findings),
    })
}
