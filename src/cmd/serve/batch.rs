//! One batch of `jixiao serve`: the files a clerk uploads (streamed to the batch's folder, within
//! the limits), the `convert` run over them — exactly the CLI's, on the worker threads — its
//! progress, and what the page shows afterwards: 汇总 and 问题清单 as summary.xlsx has them, and the
//! outputs to download (each, or all in one zip).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use calamine::{Data, Reader, open_workbook_auto};
use jixiao::batch::{FileOutcome, FileStatus, Pipeline};
use jixiao::convert::{ConvertJob, ConvertReport};
use jixiao::read::limits::human_bytes;
use jixiao::write::csv_out::{CsvEncoding, CsvUnit};
use serde::Serialize;

/// Most files one batch takes.
pub const MAX_FILES: u64 = 100_000;
/// Most bytes one batch takes (all its files together).
pub const MAX_BATCH_BYTES: u64 = 20 * 1024 * 1024 * 1024;
/// Most problems the page lists (the rest are in summary.xlsx's 问题清单).
const MAX_PROBLEMS: usize = 1_000;

/// Where a batch is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Files are being uploaded.
    Receiving,
    /// The conversion runs.
    Running,
    /// Done: the outputs are ready.
    Done,
    /// Stopped, with the reason.
    Failed,
}

/// Files read so far, as the CLI's progress line counts them.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Progress {
    /// Files looked at.
    pub files: u64,
    /// Converted.
    pub converted: u64,
    /// Rejected.
    pub rejected: u64,
    /// Skipped.
    pub skipped: u64,
}

/// A table as the page shows it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Table {
    /// The header row.
    pub headers: Vec<String>,
    /// The rows.
    pub rows: Vec<Vec<String>>,
}

/// What a finished batch shows.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Results {
    /// The CLI's closing paragraph.
    pub paragraph: String,
    /// Target forms and self-evaluations converted.
    pub forms: u64,
    /// Self-evaluations.
    pub evaluations: u64,
    /// summary.xlsx's 汇总 (the per-department table and its 合计).
    pub summary: Table,
    /// summary.xlsx's 自评汇总, when there are self-evaluations.
    pub evaluation_summary: Option<Table>,
    /// Monitoring forms.
    pub monitoring: u64,
    /// summary.xlsx's 监控汇总, when there are monitoring forms.
    pub monitoring_summary: Option<Table>,
    /// summary.xlsx's 问题清单 (the first thousand rows).
    pub problems: Table,
    /// The findings of the forms sent back (退回修改), from the 审核 sheet (the first thousand).
    pub sent_back: Table,
    /// Rows of 问题清单 in all.
    pub problem_count: usize,
    /// The outputs, by name.
    pub outputs: Vec<String>,
    /// The folder the outputs are kept in (with --out).
    pub saved_in: Option<String>,
    /// The batch's number in the store, when it was kept there.
    pub stored_batch: Option<i64>,
}

/// One batch: its folder, options, state and results.
#[derive(Debug, Serialize)]
pub struct Batch {
    /// Its id (in URLs).
    pub id: String,
    /// Receiving, running, done or failed.
    pub state: State,
    /// Why it failed.
    pub message: String,
    /// Files received.
    pub received: u64,
    /// Bytes received.
    pub received_bytes: u64,
    /// Uploads refused, with the reason.
    pub refused: Vec<(String, String)>,
    /// Progress of the conversion.
    pub progress: Progress,
    /// The reading library's own words behind rejections (file, words), for the page's 详情:
    /// what a developer needs when a clerk reports a problem (the first thousand).
    pub details: Vec<(String, String)>,
    /// What the conversion gave.
    pub results: Option<Results>,
    /// Where the uploaded files are.
    #[serde(skip)]
    pub files: PathBuf,
    /// The output folder.
    #[serde(skip)]
    pub out: PathBuf,
    /// The folder of the batch's own working files (the zip of all outputs).
    #[serde(skip)]
    pub work: PathBuf,
    /// Whether the outputs stay after the server stops (--out).
    #[serde(skip)]
    pub kept: bool,
    /// CSV encoding and unit, as the clerk chose.
    #[serde(skip)]
    pub csv: (CsvEncoding, CsvUnit),
    /// Its number in this run (the page's 第 N 批, the folder's 批次N).
    pub number: u64,
    /// When it was made (old batches are removed).
    #[serde(skip)]
    pub created: std::time::Instant,
}

impl Batch {
    /// Stores an uploaded file under its (checked) relative path, streaming the body to disk; a
    /// file over `max_bytes` is refused as soon as it passes the limit (it is never held whole in
    /// memory) and its part removed.
    pub fn receive(
        batch: &Arc<Mutex<Batch>>,
        relative: &Path,
        body: &mut dyn Read,
        declared: u64,
        max_bytes: u64,
    ) -> Result<(), String> {
        let (files, received, received_bytes) = {
            let b = batch.lock().unwrap_or_else(|e| e.into_inner());
            if b.state != State::Receiving {
                return Err("这一批已开始转换，不能再添加文件；请新建一批".into());
            }
            (b.files.clone(), b.received, b.received_bytes)
        };
        if received >= MAX_FILES {
            return Err(format!("一批最多 {MAX_FILES} 个文件"));
        }
        let room = MAX_BATCH_BYTES.saturating_sub(received_bytes);
        let over = if room < max_bytes {
            format!("这一批文件合计超过 {} 的上限", human_bytes(MAX_BATCH_BYTES))
        } else {
            format!(
                "文件超过 {} 的上限；请拆小或另存后再传，或请管理员调高上限",
                human_bytes(max_bytes)
            )
        };
        let max_bytes = max_bytes.min(room);
        if declared > max_bytes {
            return Err(format!("文件大小 {}，{over}", human_bytes(declared)));
        }
        let path = files.join(relative);
        if let Some(parent) = path.parent() {
            private_dir(parent).map_err(|e| format!("无法保存：{e}"))?;
        }
        let mut file = private_file(&path).map_err(|e| format!("无法保存：{e}"))?;
        let mut buffer = vec![0u8; 64 * 1024];
        let mut written: u64 = 0;
        let copied: Result<(), String> = loop {
            let n = match body.read(&mut buffer) {
                Ok(0) => break Ok(()),
                Ok(n) => n,
                Err(e) => break Err(format!("上传中断：{e}")),
            };
            written += n as u64;
            if written > max_bytes {
                break Err(format!("{over}，未保存"));
            }
            if let Err(e) = file.write_all(&buffer[..n]) {
                break Err(format!("无法保存：{e}"));
            }
        };
        if let Err(reason) = copied {
            drop(file);
            let _ = std::fs::remove_file(&path);
            return Err(reason);
        }
        let mut b = batch.lock().unwrap_or_else(|e| e.into_inner());
        b.received += 1;
        b.received_bytes += written;
        Ok(())
    }

    /// Runs the conversion of a batch on a thread of its own; a panic or an error fails the batch,
    /// never the server.
    pub fn start(
        batch: Arc<Mutex<Batch>>,
        pipeline: Pipeline,
        store: Option<PathBuf>,
    ) -> Result<(), String> {
        let job = {
            let mut b = batch.lock().unwrap_or_else(|e| e.into_inner());
            if b.state != State::Receiving {
                return Err("这一批已经开始".into());
            }
            if b.received == 0 && b.refused.is_empty() {
                return Err("还没有上传文件".into());
            }
            b.state = State::Running;
            ConvertJob {
                inputs: vec![b.files.clone()],
                out: b.out.clone(),
                csv_encoding: b.csv.0,
                csv_unit: b.csv.1,
                jobs: std::thread::available_parallelism().map_or(1, |n| n.get()),
                per_department: false,
                write: true,
                force: false,
                wait: true,
                shown_root: Some(b.files.clone()),
                store,
                refused: b.refused.clone(),
                pipeline,
            }
        };
        let kept = batch.lock().unwrap_or_else(|e| e.into_inner()).kept;
        std::thread::spawn(move || {
            let progress = Arc::clone(&batch);
            let mut on_file = |outcome: &FileOutcome| {
                let mut b = progress.lock().unwrap_or_else(|e| e.into_inner());
                b.progress.files += 1;
                match outcome.status {
                    FileStatus::Converted => b.progress.converted += 1,
                    FileStatus::Rejected => b.progress.rejected += 1,
                    FileStatus::Skipped => b.progress.skipped += 1,
                }
                if let Some(detail) = &outcome.detail
                    && b.details.len() < MAX_PROBLEMS
                {
                    b.details.push((outcome.file.clone(), detail.clone()));
                }
            };
            let run = jixiao::panic_guard::guarded(|| jixiao::convert::run(&job, &mut on_file));
            let finished = match run {
                Ok(Ok(report)) => {
                    results(&job, &report, kept).map_err(|e| format!("无法读回结果：{e}"))
                }
                Ok(Err(error)) => Err(error.to_string()),
                Err(panic) => Err(format!(
                    "转换时出现内部错误（{panic}）；请把这批文件反馈给开发者"
                )),
            };
            let mut b = batch.lock().unwrap_or_else(|e| e.into_inner());
            match finished {
                Ok(results) => {
                    b.results = Some(results);
                    b.state = State::Done;
                }
                Err(message) => {
                    b.message = message;
                    b.state = State::Failed;
                }
            }
        });
        Ok(())
    }

    /// The path of an output, when the batch is done and has it.
    pub fn output(&self, name: &str) -> Option<PathBuf> {
        let results = self.results.as_ref()?;
        results
            .outputs
            .iter()
            .any(|o| o == name)
            .then(|| self.out.join(name))
    }

    /// All outputs in one zip (made on first request, in the batch's working folder).
    pub fn zip(&self) -> Result<PathBuf, String> {
        let results = self.results.as_ref().ok_or("这一批还没有结果")?;
        let path = self.work.join("jixiao-结果.zip");
        if path.exists() {
            return Ok(path);
        }
        let part = self.work.join(".jixiao-结果.zip.partial");
        let file = std::fs::File::create(&part).map_err(|e| e.to_string())?;
        let mut zip = zip::ZipWriter::new(file);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for name in &results.outputs {
            zip.start_file(name.as_str(), options)
                .map_err(|e| e.to_string())?;
            let mut source = std::fs::File::open(self.out.join(name)).map_err(|e| e.to_string())?;
            std::io::copy(&mut source, &mut zip).map_err(|e| e.to_string())?;
        }
        zip.finish().map_err(|e| e.to_string())?;
        std::fs::rename(&part, &path).map_err(|e| e.to_string())?;
        Ok(path)
    }
}

/// A folder only its owner can enter (0700 on Unix; on Windows the user's own temporary folder
/// already is), with the folders above it that are missing.
pub fn private_dir(path: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path)
}

/// A new file only its owner can read (0600 on Unix).
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// What the page shows of a finished conversion: read back from the outputs themselves, so the
/// page says exactly what summary.xlsx says.
fn results(job: &ConvertJob, report: &ConvertReport, kept: bool) -> Result<Results, String> {
    let mut workbook =
        open_workbook_auto(job.out.join("summary.xlsx")).map_err(|e| e.to_string())?;
    let mut sheet = |name: &str, limit: usize| -> Option<(Table, usize)> {
        let range = workbook.worksheet_range(name).ok()?;
        let mut rows = range.rows();
        let headers: Vec<String> = rows.next()?.iter().map(|c| c.to_string()).collect();
        let all: Vec<Vec<String>> = rows
            .map(|row| {
                let kind = |col: usize| headers.get(col).map_or("", String::as_str);
                row.iter()
                    .enumerate()
                    .map(|(col, cell)| shown(cell, kind(col)))
                    .collect::<Vec<String>>()
            })
            .filter(|r| r.iter().any(|c| !c.is_empty()))
            .collect();
        let count = all.len();
        Some((
            Table {
                headers,
                rows: all.into_iter().take(limit).collect(),
            },
            count,
        ))
    };
    // A summary sheet's table, without the notes under its 合计 row.
    let mut totals_table = |name: &str| {
        sheet(name, usize::MAX).map(|(mut table, _)| {
            if let Some(total) = table
                .rows
                .iter()
                .position(|r| r.first().is_some_and(|c| c == "合计"))
            {
                table.rows.truncate(total + 1);
            }
            table
        })
    };
    let summary = totals_table("汇总").unwrap_or_default();
    let evaluation_summary = totals_table("自评汇总");
    let monitoring_summary = totals_table("监控汇总");
    let (problems, problem_count) = sheet("问题清单", MAX_PROBLEMS).unwrap_or_default();
    let sent_back = sheet("审核", usize::MAX)
        .map(|(mut table, _)| {
            let conclusion = table.headers.iter().position(|h| h == "结论");
            table.rows.retain(|r| {
                conclusion
                    .and_then(|c| r.get(c))
                    .is_some_and(|c| c == "退回修改")
            });
            table.rows.truncate(MAX_PROBLEMS);
            table
        })
        .unwrap_or_default();
    let outputs = report
        .outputs
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    Ok(Results {
        paragraph: report.paragraph(),
        forms: report.forms,
        evaluations: report.evaluations,
        summary,
        evaluation_summary,
        monitoring: report.monitoring,
        monitoring_summary,
        problems,
        sent_back,
        problem_count,
        outputs,
        saved_in: kept.then(|| job.out.display().to_string()),
        stored_batch: report.stored.map(|s| s.id),
    })
}

/// A cell as the page shows it, by its column: amounts (万元) with two decimals, a rate as a
/// percentage, counts as integers, text as it is.
fn shown(cell: &Data, header: &str) -> String {
    let number = match cell {
        Data::Float(f) => *f,
        Data::Int(i) => *i as f64,
        Data::Empty => return String::new(),
        other => return other.to_string(),
    };
    if header.contains("万元") || header == "平均得分" {
        format!("{number:.2}")
    } else if header == "执行率" || header == "序时进度" {
        format!("{:.2}%", number * 100.0)
    } else if number.fract() == 0.0 && number.abs() < 1e15 {
        format!("{}", number as i64)
    } else {
        number.to_string()
    }
}
