//! `jixiao convert [OPTIONS] INPUT...`: the bulk conversion — the annual summary workbook, the
//! accounting CSV, JSON lines and the manifest, in one go.

use std::io::IsTerminal;
use std::path::PathBuf;

use jixiao::batch::FileStatus;
use jixiao::convert::{self, ConvertJob, ConvertReport};
use jixiao::write::csv_out::{CsvEncoding, CsvUnit};

/// CSV encodings on the command line.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum EncodingArg {
    /// UTF-8 without BOM.
    #[value(name = "utf-8")]
    Utf8,
    /// UTF-8 with BOM (Excel and WPS open it correctly).
    #[value(name = "utf-8-bom")]
    Utf8Bom,
    /// GB18030, for ledger software.
    #[value(name = "gb18030")]
    Gb18030,
}

/// CSV amount units on the command line.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum UnitArg {
    /// 元 with two decimals.
    Yuan,
    /// 万元.
    Wan,
}

/// Arguments of `jixiao convert`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub input: super::InputArgs,
    /// Output folder.
    #[arg(short, long, value_name = "DIR", default_value = "jixiao-out")]
    pub out: PathBuf,
    /// Encoding of the CSV files.
    #[arg(long, value_enum, default_value = "utf-8-bom")]
    pub csv_encoding: EncodingArg,
    /// Unit of amounts in the CSV files.
    #[arg(long, value_enum, default_value = "yuan")]
    pub csv_unit: UnitArg,
    /// Worker threads (default: all cores).
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Exit with code 1 if any file was rejected.
    #[arg(long)]
    pub strict: bool,
    /// One extra sheet per 主管部门 in summary.xlsx.
    #[arg(long)]
    pub per_department: bool,
    /// No progress, no summary; only errors.
    #[arg(short, long)]
    pub quiet: bool,
    /// Also print, under each rejected file's line, the reading library's own message (in
    /// English; for reporting a problem).
    #[arg(short, long)]
    pub verbose: bool,
    /// Write into an output folder that already holds other files.
    #[arg(long)]
    pub force: bool,
    /// When another run is writing into the same output folder (or the same store), wait for it
    /// instead of stopping.
    #[arg(long)]
    pub wait: bool,
    /// Keep the batch in this store (one SQLite file, created when missing): targets of earlier
    /// batches are found there, corrected forms supersede earlier ones.
    #[arg(long, value_name = "FILE")]
    pub store: Option<PathBuf>,
    /// Read, normalize and total, but write nothing (for measuring).
    #[arg(long, hide = true)]
    pub no_write: bool,
}

impl Args {
    fn job(self) -> Result<ConvertJob, String> {
        let pipeline = self.input.pipeline(super::Stages::Review { rules: None })?;
        let jobs = match self.jobs {
            Some(0) => return Err("--jobs 至少为 1".into()),
            Some(n) => n,
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        Ok(ConvertJob {
            inputs: self.input.inputs,
            out: self.out,
            csv_encoding: match self.csv_encoding {
                EncodingArg::Utf8 => CsvEncoding::Utf8,
                EncodingArg::Utf8Bom => CsvEncoding::Utf8Bom,
                EncodingArg::Gb18030 => CsvEncoding::Gb18030,
            },
            csv_unit: match self.csv_unit {
                UnitArg::Yuan => CsvUnit::Yuan,
                UnitArg::Wan => CsvUnit::Wan,
            },
            jobs,
            per_department: self.per_department,
            write: !self.no_write,
            force: self.force,
            wait: self.wait,
            shown_root: None,
            store: self.store,
            refused: Vec::new(),
            pipeline,
        })
    }
}

/// Runs the command: 0 done, 1 done with rejected files under --strict, 2 usage or output error.
pub fn run(args: Args) -> Result<i32, String> {
    let (quiet, strict, verbose) = (args.quiet, args.strict, args.verbose);
    let job = args.job()?;
    let bar = progress_bar(quiet);
    let mut counts = (0u64, 0u64, 0u64);
    let mut on_file = |outcome: &jixiao::batch::FileOutcome| {
        match outcome.status {
            FileStatus::Converted => counts.0 += 1,
            FileStatus::Rejected => {
                counts.1 += 1;
                if !quiet {
                    bar.suspend(|| {
                        eprintln!("jixiao: {}：{}", outcome.file, outcome.message);
                        if let Some(detail) = outcome.detail.as_deref().filter(|_| verbose) {
                            eprintln!("  详情（读取库的原话）：{detail}");
                        }
                    });
                }
            }
            FileStatus::Skipped => counts.2 += 1,
        }
        bar.inc(1);
        bar.set_message(format!(
            "转换 {}，拒收 {}，跳过 {}",
            counts.0, counts.1, counts.2
        ));
    };
    let report = convert::run(&job, &mut on_file).map_err(|e| e.to_string());
    bar.finish_and_clear();
    let report = report?;
    if !quiet {
        eprintln!("{}", summary_paragraph(&report, &job));
    }
    Ok(i32::from(strict && report.rejected > 0))
}

fn progress_bar(quiet: bool) -> indicatif::ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new_spinner();
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{spinner} 已处理 {pos} 个文件 {msg} [{elapsed}]")
    {
        bar.set_style(style);
    }
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

/// The one paragraph printed at the end.
fn summary_paragraph(report: &ConvertReport, job: &ConvertJob) -> String {
    let mut text = report.paragraph();
    if let (Some(stored), Some(path)) = (&report.stored, &job.store) {
        text.push_str(&format!(
            "本批次已存入 {}（第 {} 批）：新增 {} 条记录",
            path.display(),
            stored.id,
            stored.added
        ));
        if stored.superseded > 0 {
            text.push_str(&format!(
                "，取代了 {} 条旧记录（仍可查历史）",
                stored.superseded
            ));
        }
        if stored.unchanged_files > 0 {
            text.push_str(&format!(
                "；{} 个文件此前已存入，内容相同，未重复存入",
                stored.unchanged_files
            ));
        }
        text.push('。');
    }
    if job.write {
        let names: Vec<&str> = report
            .outputs
            .iter()
            .filter_map(|p| p.file_name().and_then(|n| n.to_str()))
            .collect();
        text.push_str(&format!(
            "结果在 {}/（{}）。",
            job.out.display(),
            names.join("、")
        ));
    }
    text
}
