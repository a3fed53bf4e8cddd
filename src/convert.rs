//! `convert`, the job users run: walk the inputs, read and normalize every file on all cores,
//! and stream the results — in input order — into the summary workbook, the CSV hand-off, JSON
//! lines and the manifest. Nothing is held to the end but the per-department totals; the outputs
//! are renamed into place only when the run's own reconciliation has passed.

use std::collections::HashMap;
use std::io::BufWriter;
use std::path::PathBuf;

use crate::batch::{self, FileOutcome, FileStatus, Pipeline};
use crate::error::{Error, ErrorKind, Result};
use crate::model::Project;
use crate::read::IssueKind;
use crate::write::csv_out::{
    CsvEncoding, CsvUnit, EncodedWriter, INDICATOR_HEADER, csv_writer, finish_csv, indicator_rows,
    project_header, project_row,
};
use crate::write::jsonl::JsonLines;
use crate::write::manifest::Manifest;
use crate::write::output::{OutputDir, output_error};
use crate::write::rows::{fnv1a, project_id};
use crate::write::summary::{IssueRow, SummaryWorkbook};
use crate::write::totals::{DepartmentTotal, DepartmentTotals, RunningSum};

/// A checked conversion job (the command line's flags, validated).
#[derive(Debug, Clone)]
pub struct ConvertJob {
    /// Files and folders to read.
    pub inputs: Vec<PathBuf>,
    /// The output folder.
    pub out: PathBuf,
    /// Encoding of the CSV files.
    pub csv_encoding: CsvEncoding,
    /// Unit of amounts in the CSV files.
    pub csv_unit: CsvUnit,
    /// Worker threads.
    pub jobs: usize,
    /// One extra sheet per 主管部门 in the workbook.
    pub per_department: bool,
    /// Write the outputs (false: read, normalize and total only, for measuring).
    pub write: bool,
    /// What is done to each file.
    pub pipeline: Pipeline,
}

/// What a conversion did.
#[derive(Debug, Clone, Default)]
pub struct ConvertReport {
    /// Files met.
    pub files: u64,
    /// Files with at least one form.
    pub converted: u64,
    /// Files that could not be used.
    pub rejected: u64,
    /// Files not read.
    pub skipped: u64,
    /// Forms converted.
    pub forms: u64,
    /// Departments.
    pub departments: usize,
    /// The sums over all projects.
    pub totals: DepartmentTotal,
    /// Warnings on converted forms.
    pub warnings: u64,
    /// Projects seen more than once (same year, 主管部门 and 项目名称).
    pub duplicates: u64,
    /// Texts cut to fit an Excel cell.
    pub truncated_cells: u64,
    /// The files written.
    pub outputs: Vec<PathBuf>,
}

/// The open outputs.
struct Writers {
    workbook: SummaryWorkbook,
    projects: CsvFile,
    indicators: CsvFile,
    jsonl: JsonLines<BufWriter<std::fs::File>>,
    manifest: Manifest<BufWriter<std::fs::File>>,
    summary_path: PathBuf,
    project_rows: u64,
}

/// Everything the run keeps while results stream past.
struct RunState {
    job_unit: CsvUnit,
    report: ConvertReport,
    totals: DepartmentTotals,
    running: RunningSum,
    /// Project id hash → index into `first_files`, to recognise duplicates.
    seen: HashMap<u64, u32>,
    first_files: Vec<Box<str>>,
    writers: Option<Writers>,
}

/// Runs a conversion; `on_file` hears of every file as its results are written (for progress).
pub fn run(job: &ConvertJob, on_file: &mut dyn FnMut(&FileOutcome)) -> Result<ConvertReport> {
    let mut out = if job.write {
        Some(OutputDir::create(&job.out)?)
    } else {
        None
    };
    let writers = match &mut out {
        Some(out) => Some(open_writers(out, job)?),
        None => None,
    };
    let mut state = RunState {
        job_unit: job.csv_unit,
        report: ConvertReport::default(),
        totals: DepartmentTotals::default(),
        running: RunningSum::default(),
        seen: HashMap::new(),
        first_files: Vec::new(),
        writers,
    };
    let inputs = batch::walk_inputs(&job.inputs);
    batch::for_each_ordered(
        inputs,
        job.jobs,
        |input| job.pipeline.process(input),
        |outcome| {
            state.take(&outcome)?;
            on_file(&outcome);
            Ok::<_, Error>(())
        },
    )?;
    state.reconcile()?;
    let mut report = state.report;
    report.departments = state.totals.len();
    report.totals = state.totals.grand_total();
    if let (Some(writers), Some(out)) = (state.writers, out) {
        report.truncated_cells = writers.workbook.truncated_cells();
        finish_writers(writers, &state.totals)?;
        report.outputs = out.commit()?;
    }
    Ok(report)
}

type CsvFile = csv::Writer<EncodedWriter<BufWriter<std::fs::File>>>;

fn open_writers(out: &mut OutputDir, job: &ConvertJob) -> Result<Writers> {
    let summary_path = out.temp_path("summary.xlsx");
    let workbook = SummaryWorkbook::new(job.per_department, out.path())
        .map_err(|e| output_error(&summary_path, e))?;
    let projects = csv_output(
        out,
        "projects.csv",
        &project_header(job.csv_unit),
        job.csv_encoding,
    )?;
    let indicators = csv_output(out, "indicators.csv", &INDICATOR_HEADER, job.csv_encoding)?;
    let jsonl = JsonLines::new(BufWriter::new(out.create_file("projects.jsonl")?));
    let file = out.create_file("manifest.csv")?;
    let manifest = Manifest::new(BufWriter::new(file), job.csv_encoding)
        .map_err(|e| output_error(&out.path().join("manifest.csv"), e))?;
    Ok(Writers {
        workbook,
        projects,
        indicators,
        jsonl,
        manifest,
        summary_path,
        project_rows: 0,
    })
}

/// Creates a CSV output and writes its header.
fn csv_output<S: AsRef<str>>(
    out: &mut OutputDir,
    name: &str,
    header: &[S],
    encoding: CsvEncoding,
) -> Result<CsvFile> {
    let target = out.path().join(name);
    let file = out.create_file(name)?;
    let mut writer =
        csv_writer(BufWriter::new(file), encoding).map_err(|e| output_error(&target, e))?;
    writer
        .write_record(header.iter().map(|h| h.as_ref()))
        .map_err(|e| output_error(&target, e))?;
    Ok(writer)
}

impl RunState {
    /// Takes one file's results: counts them and writes them everywhere.
    fn take(&mut self, outcome: &FileOutcome) -> Result<()> {
        self.report.files += 1;
        match outcome.status {
            FileStatus::Converted => self.report.converted += 1,
            FileStatus::Rejected => self.report.rejected += 1,
            FileStatus::Skipped => self.report.skipped += 1,
        }
        let file_index = self.first_files.len() as u32;
        let mut file_recorded = false;
        for project in &outcome.forms {
            self.report.forms += 1;
            self.report.warnings += project.warnings.len() as u64;
            self.totals.add(project);
            self.running.add(project);
            let duplicate_of = match self.seen.entry(fnv1a(project_id(project).as_bytes())) {
                std::collections::hash_map::Entry::Occupied(first) => Some(*first.get()),
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(file_index);
                    if !file_recorded {
                        self.first_files.push(outcome.file.as_str().into());
                        file_recorded = true;
                    }
                    None
                }
            };
            if let Some(first) = duplicate_of {
                self.report.duplicates += 1;
                let first_file = self
                    .first_files
                    .get(first as usize)
                    .map_or("", |f| f.as_ref())
                    .to_owned();
                if let Some(writers) = &mut self.writers {
                    writers.duplicate(project, &first_file)?;
                }
            }
            if let Some(writers) = &mut self.writers {
                writers.project(project, self.job_unit)?;
            }
        }
        if let Some(writers) = &mut self.writers {
            writers.file(outcome)?;
        }
        Ok(())
    }

    /// The run's own checks before it reports success: every file accounted for, the
    /// department totals equal to the sum over projects, every project in every output.
    fn reconcile(&self) -> Result<()> {
        let r = &self.report;
        let mut failures = Vec::new();
        if r.converted + r.rejected + r.skipped != r.files {
            failures.push(format!(
                "文件数 {} ≠ 转换 {} + 拒收 {} + 跳过 {}",
                r.files, r.converted, r.rejected, r.skipped
            ));
        }
        if self.totals.grand_total() != self.running.0 {
            failures.push("各主管部门合计与逐项目累计不一致".to_owned());
        }
        if self.running.0.projects != r.forms {
            failures.push(format!(
                "项目数 {} ≠ 表格数 {}",
                self.running.0.projects, r.forms
            ));
        }
        if let Some(w) = &self.writers {
            let counts = [
                ("项目明细", w.workbook.project_rows()),
                ("projects.csv", w.project_rows),
                ("projects.jsonl", w.jsonl.lines()),
            ];
            for (name, count) in counts {
                if count != r.forms {
                    failures.push(format!("{name} 有 {count} 行，应为 {} 行", r.forms));
                }
            }
            if w.manifest.rows() != r.files {
                failures.push(format!(
                    "manifest.csv 有 {} 行，应为 {} 个文件",
                    w.manifest.rows(),
                    r.files
                ));
            }
        }
        if failures.is_empty() {
            Ok(())
        } else {
            let kind = ErrorKind::Output(format!("核对失败，未写出结果：{}", failures.join("；")));
            Err(Error {
                location: Default::default(),
                kind,
            })
        }
    }
}

impl Writers {
    fn project(&mut self, project: &Project, unit: CsvUnit) -> Result<()> {
        let summary = self.summary_path.clone();
        self.workbook
            .add_project(project)
            .map_err(|e| output_error(&summary, e))?;
        self.projects
            .write_record(project_row(project, unit))
            .map_err(|e| output_error(&summary.with_file_name("projects.csv"), e))?;
        self.project_rows += 1;
        for row in indicator_rows(project) {
            self.indicators
                .write_record(row)
                .map_err(|e| output_error(&summary.with_file_name("indicators.csv"), e))?;
        }
        self.jsonl
            .add(project)
            .map_err(|e| output_error(&summary.with_file_name("projects.jsonl"), e))?;
        for warning in &project.warnings {
            self.issue(IssueRow {
                kind: "警告".into(),
                code: warning.code.as_str().into(),
                file: project.source.file.clone(),
                sheet: project.source.sheet.clone(),
                cell: warning.cell.clone().unwrap_or_default(),
                project: project.project_name.clone(),
                message: warning.message.clone(),
            })?;
        }
        Ok(())
    }

    fn duplicate(&mut self, project: &Project, first_file: &str) -> Result<()> {
        self.issue(IssueRow {
            kind: "重复".into(),
            code: "duplicate_project".into(),
            file: project.source.file.clone(),
            sheet: project.source.sheet.clone(),
            cell: project.source.cell.clone(),
            project: project.project_name.clone(),
            message: format!("与“{first_file}”中的项目年度、主管部门、项目名称都相同；两份都已计入汇总，请核实是否重复报送"),
        })
    }

    fn file(&mut self, outcome: &FileOutcome) -> Result<()> {
        let manifest_path = self.summary_path.with_file_name("manifest.csv");
        self.manifest
            .add(outcome)
            .map_err(|e| output_error(&manifest_path, e))?;
        match outcome.status {
            FileStatus::Rejected | FileStatus::Skipped => {
                let (kind, code) = if outcome.status == FileStatus::Rejected {
                    ("拒收", "rejected")
                } else {
                    ("跳过", "skipped")
                };
                self.issue(IssueRow {
                    kind: kind.into(),
                    code: code.into(),
                    file: outcome.file.clone(),
                    message: outcome.message.clone(),
                    ..IssueRow::default()
                })
            }
            FileStatus::Converted => {
                for issue in &outcome.issues {
                    let kind = match issue.kind {
                        IssueKind::NoForm => continue,
                        IssueKind::UnknownLayout => "未识别样式",
                        IssueKind::BlankForm => "空白表格",
                        IssueKind::RejectedForm => "拒收的表",
                        IssueKind::UnreadableSheet => "无法读取的工作表",
                    };
                    let code = serde_json::to_value(issue.kind)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default();
                    self.issue(IssueRow {
                        kind: kind.into(),
                        code,
                        file: outcome.file.clone(),
                        sheet: issue.sheet.clone(),
                        cell: issue.cell.clone().unwrap_or_default(),
                        project: String::new(),
                        message: issue.reason.clone(),
                    })?;
                }
                Ok(())
            }
        }
    }

    fn issue(&mut self, row: IssueRow) -> Result<()> {
        let summary = self.summary_path.clone();
        self.workbook
            .add_issue(&row)
            .map_err(|e| output_error(&summary, e))
    }
}

fn finish_writers(writers: Writers, totals: &DepartmentTotals) -> Result<()> {
    let path = writers.summary_path.clone();
    let named = |name: &str| {
        let target = path.with_file_name(name);
        move |e: std::io::Error| output_error(&target, e)
    };
    finish_csv(writers.projects).map_err(named("projects.csv"))?;
    finish_csv(writers.indicators).map_err(named("indicators.csv"))?;
    writers.jsonl.finish().map_err(named("projects.jsonl"))?;
    writers.manifest.finish().map_err(named("manifest.csv"))?;
    writers
        .workbook
        .finish(totals, &path)
        .map_err(|e| output_error(&path, e))
}
