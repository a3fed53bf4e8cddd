//! `convert`, the job users run: walk the inputs, read and normalize every file on all cores,
//! and stream the results — in input order — into the summary workbook, the CSV hand-off, JSON
//! lines and the manifest. Nothing is held to the end but the per-department totals; the outputs
//! are renamed into place only when the run's own reconciliation has passed.
//!
//! Every other kind of form (see `model::kind`) is set aside as it streams past, in a working file
//! of its kind (not in memory); at the end each kind is written to its own outputs — a kind held
//! against the approved target (self-evaluations) after the target form of the same project has
//! been read again from its file, so no target is kept in memory for it.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::batch::{self, FileOutcome, FileStatus, InputFile, Pipeline};
use crate::error::{Error, ErrorKind, Result};
use crate::hash_index::HashIndex;
use crate::model::{FormKind, FundKind, Project, Record};
use crate::name_list::NameList;
use crate::normalize::link::link;
use crate::normalize::reconcile::{ProjectSums, Reconciliation};
use crate::store::{
    BatchCounts, BatchWriter, FileEntry, Reader, RecordRows, Store, StoredBatch, content_hash,
};
use crate::write::csv_out::{CsvEncoding, CsvUnit, INDICATOR_HEADER, project_header, rows_bytes};
use crate::write::direct::DirectWriter;
use crate::write::evaluations::EvaluationTotals;
use crate::write::manifest::MANIFEST_HEADER;
use crate::write::output::{OutputDir, io_error, output_error};
use crate::write::render::{IssueRow, Rendered, Renderer, Sheet, XRow};
use crate::write::review_out::review_csv_header;
use crate::write::rows::fixed2;
use crate::write::rows::{fnv1a, project_id};
use crate::write::set_aside::{
    KindFiles, RECONCILIATION_FILE, SetAsideTotals, channel_of, files_of,
};
use crate::write::summary::SummaryWorkbook;
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
    /// Write into an output folder that holds other files.
    pub force: bool,
    /// Wait for another run writing into the same output folder, instead of refusing.
    pub wait: bool,
    /// Show input paths relative to this folder (a batch uploaded to `jixiao serve`).
    pub shown_root: Option<PathBuf>,
    /// Keep the batch in this store (and look for targets and last year's forms there).
    pub store: Option<PathBuf>,
    /// Files refused before the run (an upload over a limit): each a rejected file of the batch,
    /// first in the manifest, with its reason — (name as shown, reason).
    pub refused: Vec<(String, String)>,
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
    /// Target forms converted.
    pub forms: u64,
    /// Self-evaluations converted.
    pub evaluations: u64,
    /// Monitoring forms (绩效运行监控表) converted; never counted as projects.
    pub monitoring: u64,
    /// Self-evaluations held against a target form (of the batch or the store).
    pub linked: u64,
    /// Monitoring forms held against a target form (of the batch or the store).
    pub monitoring_linked: u64,
    /// Of those linked, the ones whose target came from the store.
    pub linked_from_store: u64,
    /// What the batch left in the store, when it was kept in one.
    pub stored: Option<StoredBatch>,
    /// Department-wide forms (部门整体支出绩效目标表 / 自评表) converted; never counted as projects.
    pub department_forms: u64,
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

impl ConvertReport {
    /// What a run found, in one paragraph (printed at the end, shown on the page of `jixiao
    /// serve`, kept with the batch in the store): files, forms, departments, fund totals, links,
    /// warnings.
    pub fn paragraph(&self) -> String {
        let report = self;
        let total = fixed2(report.totals.fund(FundKind::Total));
        let annual = fixed2(report.totals.fund(FundKind::AnnualTotal));
        let forms =
            if report.evaluations > 0 || report.department_forms > 0 || report.monitoring > 0 {
                let mut kinds = vec![format!("绩效目标表 {} 张", report.forms)];
                if report.monitoring > 0 {
                    kinds.push(format!("绩效运行监控表 {} 张", report.monitoring));
                }
                if report.evaluations > 0 {
                    kinds.push(format!("绩效自评表 {} 张", report.evaluations));
                }
                if report.department_forms > 0 {
                    kinds.push(format!("部门整体表 {} 张", report.department_forms));
                }
                kinds.join("，")
            } else {
                format!("{} 张表", report.forms)
            };
        let mut text = format!(
            "读取 {} 个文件：转换 {} 个（{forms}），拒收 {} 个，跳过 {} 个；{} 个主管部门，项目资金总额合计 {total} 万元，年度资金申请总额合计 {annual} 万元。",
            report.files, report.converted, report.rejected, report.skipped, report.departments,
        );
        if report.evaluations > 0 {
            text.push_str(&format!(
                "自评表中 {} 张找到了对应的绩效目标表并做了目标对照。",
                report.linked
            ));
        }
        if report.monitoring > 0 {
            text.push_str(&format!(
                "监控表不计入项目合计，其中 {} 张找到了对应的绩效目标表，执行进度见“监控汇总”。",
                report.monitoring_linked
            ));
        }
        if report.linked_from_store > 0 {
            text.push_str(&format!(
                "有 {} 张表的绩效目标表不在本批次中，取自存储库。",
                report.linked_from_store
            ));
        }
        if report.department_forms > 0 {
            text.push_str(
                "部门整体表不计入项目合计，与项目表的对账见 reconciliation.csv 和“部门对账”。",
            );
        }
        if report.warnings > 0 || report.duplicates > 0 {
            text.push_str(&format!(
                "警告 {} 条，疑似重复项目 {} 个，见 summary.xlsx 的“问题清单”。",
                report.warnings, report.duplicates
            ));
        }
        text
    }
}

/// The open outputs.
struct Writers {
    workbook: SummaryWorkbook,
    summary_path: PathBuf,
    projects: TextOutput,
    indicators: TextOutput,
    jsonl: TextOutput,
    manifest: TextOutput,
    /// review.csv, when forms are reviewed.
    review: Option<TextOutput>,
    project_rows: u64,
    jsonl_lines: u64,
    manifest_rows: u64,
    truncated: u64,
    /// Rows of review.csv.
    review_rows: u64,
    /// Of each channel written at the end: rows of its CSV and lines of its JSON lines file.
    set_aside_rows: BTreeMap<&'static str, (u64, u64)>,
    /// Rows of reconciliation.csv, when written.
    reconciliation_rows: Option<u64>,
}

/// A text output (CSV or JSON lines) that rendered bytes are appended to.
struct TextOutput {
    path: PathBuf,
    file: DirectWriter,
}

impl TextOutput {
    fn create(out: &mut OutputDir, name: &str, header: Option<Vec<u8>>) -> Result<TextOutput> {
        let path = out.path().join(name);
        let mut output = TextOutput {
            file: DirectWriter::new(out.create_file(name)?),
            path,
        };
        if let Some(header) = header {
            output.append(&header)?;
        }
        Ok(output)
    }

    fn append(&mut self, bytes: &[u8]) -> Result<()> {
        self.file
            .write_all(bytes)
            .map_err(|e| io_error(&self.path, &e))
    }

    /// Writes out what is buffered and hands the file to `out` to sync while the run goes on.
    fn finish(self, out: &mut OutputDir) -> Result<()> {
        let file = self
            .file
            .into_file()
            .map_err(|e| io_error(&self.path, &e))?;
        let name = file_name(&self.path);
        crate::pause::point(&format!("written:{name}"));
        out.sync_early(&name, file);
        Ok(())
    }
}

/// Everything the run keeps while results stream past.
struct RunState {
    report: ConvertReport,
    totals: DepartmentTotals,
    running: RunningSum,
    targets: TargetIndex,
    writers: Option<Writers>,
    /// The records of each channel (see `write::set_aside`) set aside until the end (when
    /// writing), by the channel's JSON lines file.
    spills: BTreeMap<&'static str, Spill>,
    /// How many records of each kind were set aside.
    set_aside: BTreeMap<FormKind, u64>,
    /// What each department's project target forms add up to, for the reconciliation.
    project_sums: ProjectSums,
    /// The store the batch is written into (on a thread of its own), when there is one.
    store: Option<BatchWriter>,
    /// The file whose early parts are being stored (its row is in the store already).
    parted: Option<String>,
}

/// Where each target form was first found: project id hash → the file, to recognise duplicates
/// and to find a self-evaluation's target again; and by project code and year, which a linking
/// tries first.
#[derive(Default)]
struct TargetIndex {
    seen: HashIndex,
    codes: HashIndex,
    first_files: NameList,
}

impl TargetIndex {
    /// The file a project id was first found in.
    fn file_of(&self, id: &str) -> Option<String> {
        let index = self.seen.get(fnv1a(id.as_bytes()))?;
        self.first_files.get(index as usize)
    }

    /// The file a project code (of a year) was first found in.
    fn file_of_code(&self, key: &str) -> Option<String> {
        let index = self.codes.get(fnv1a(key.as_bytes()))?;
        self.first_files.get(index as usize)
    }
}

/// A project's budget-system code with its year ("2025|51010025T000010263357"), when it has one.
fn code_key(project: &Project) -> Option<String> {
    let code = project.project_code.as_deref().filter(|c| !c.is_empty())?;
    Some(format!("{}|{code}", project.year.map_or(0, |y| y)))
}

/// Records of one kind set aside as JSON lines in a working file of the output folder.
struct Spill {
    path: PathBuf,
    file: BufWriter<std::fs::File>,
}

/// Runs a conversion; `on_file` hears of every file as its results are written (for progress).
pub fn run(job: &ConvertJob, on_file: &mut dyn FnMut(&FileOutcome)) -> Result<ConvertReport> {
    let mut out = if job.write {
        Some(OutputDir::create(&job.out, job.force, job.wait)?)
    } else {
        None
    };
    let writers = match &mut out {
        Some(out) => Some(open_writers(out, job)?),
        None => None,
    };
    crate::pause::point("locked");
    let mut store = match (&job.store, job.write) {
        (Some(path), true) => {
            let mut store = Store::open(path, job.wait)?;
            let inputs: Vec<String> = job.inputs.iter().map(|p| p.display().to_string()).collect();
            store.begin_batch(&inputs)?;
            Some(store)
        }
        _ => None,
    };
    let reader = store
        .as_ref()
        .map(Store::reader)
        .transpose()?
        .map(std::sync::Arc::new);
    // With a store, each target form is held against last year's before its review.
    let pipeline = crate::batch::Pipeline {
        store: reader.clone(),
        digest: reader.is_some(),
        ..job.pipeline.clone()
    };
    let limit = job.pipeline.limits.max_file_bytes;
    let hashing = store.is_some();
    let mut state = RunState {
        report: ConvertReport::default(),
        totals: DepartmentTotals::default(),
        running: RunningSum::default(),
        targets: TargetIndex::default(),
        writers,
        spills: BTreeMap::new(),
        set_aside: BTreeMap::new(),
        project_sums: ProjectSums::default(),
        store: store.take().map(BatchWriter::start),
        parted: None,
    };
    let renderer = job.write.then_some(Renderer {
        encoding: job.csv_encoding,
        unit: job.csv_unit,
    });
    // Reading, normalizing and rendering run on the worker threads; this thread only appends.
    // A long flat export comes in parts, each rendered (and its store rows made) on its own.
    let finish = |input: &InputFile, outcome: FileOutcome| {
        let rendered = renderer.map(|r| r.render(&outcome));
        // For the store: the content's digest (taken as the file was read; a file that was not —
        // skipped, say — is read for it here) and the rows of its target forms, made here in
        // parallel.
        let stored = hashing.then(|| {
            let targets = outcome
                .records
                .iter()
                .filter(|r| r.kind().is_project_target());
            // A target's JSON is its projects.jsonl line, made once: the renderer writes one
            // line per target, in this order (serialized again should the counts ever differ).
            let lines: Vec<&[u8]> = match &rendered {
                Some(Ok(rendered)) => rendered.jsonl.split_inclusive(|&b| b == b'\n').collect(),
                _ => Vec::new(),
            };
            let rows: Vec<_> = if lines.len() == targets.clone().count() {
                targets
                    .zip(lines)
                    .map(|(record, line)| {
                        RecordRows::with_json(record, line.strip_suffix(b"\n").unwrap_or(line))
                    })
                    .collect()
            } else {
                targets.map(RecordRows::of).collect()
            };
            let digest = outcome
                .digest
                .clone()
                .or_else(|| content_hash(&input.path, limit));
            (digest, rows)
        });
        (outcome, rendered, stored)
    };
    let work = |input: &InputFile, part: &mut dyn FnMut(_)| {
        let outcome = pipeline.process_in_parts(input, &mut |early| part(finish(input, early)));
        finish(input, outcome)
    };
    // The output folder is never read as input, even when it lies inside an input folder.
    let own = out.as_ref().map(OutputDir::own_paths).unwrap_or_default();
    let inputs = batch::walk_inputs(&job.inputs)
        .excluding(job.write.then_some(job.out.as_path()))
        .ignoring(own)
        .shown_relative_to(job.shown_root.clone());
    // Files refused before the run: rejected files of the batch, in the order given.
    for (name, reason) in &job.refused {
        let outcome = FileOutcome::refused(name, reason);
        let rendered = renderer
            .map(|r| r.render(&outcome))
            .transpose()
            .map_err(|e| output_error(&job.out, e))?;
        state.store_file(&outcome, None, Vec::new())?;
        state.take(&outcome, rendered.as_ref(), out.as_mut())?;
        on_file(&outcome);
    }
    // Each file's results go back to the worker that made them, to be freed there.
    batch::for_each_ordered_returning(inputs, job.jobs, work, |(outcome, rendered, stored)| {
        let rendered = rendered
            .transpose()
            .map_err(|e| output_error(&job.out, e))?;
        if let Some((hash, rows)) = stored {
            state.store_file(&outcome, hash, rows)?;
        }
        state.take(&outcome, rendered.as_ref(), out.as_mut())?;
        if !outcome.early {
            on_file(&outcome);
            if state.report.files == 3 {
                crate::pause::point("reading");
            }
        }
        Ok::<_, Error>(Some((outcome, rendered.map(Ok), None)))
    })?;
    let grades = job
        .pipeline
        .normalizer
        .as_ref()
        .map(|n| {
            n.dictionary()
                .evaluation
                .grades
                .iter()
                .map(|(g, _)| g.clone())
        })
        .into_iter()
        .flatten()
        .collect();
    let mut set_aside_totals = SetAsideTotals {
        evaluations: EvaluationTotals::with_grades(grades),
        ..SetAsideTotals::default()
    };
    let mut reconciliation = Reconciliation::default();
    for (channel, spill) in std::mem::take(&mut state.spills) {
        let (Some(out), Some(writers)) = (out.as_mut(), state.writers.as_mut()) else {
            break;
        };
        let pass = SetAsidePass {
            job,
            channel,
            targets: &state.targets,
            project_sums: &state.project_sums,
            renderer: renderer.expect("a renderer when writing"),
            reader: reader.as_deref(),
        };
        let mut stored = StoredRecords {
            store: state.store.as_mut(),
        };
        pass.run(
            spill,
            out,
            writers,
            &mut set_aside_totals,
            &mut reconciliation,
            &mut state.report,
            &mut stored,
        )?;
    }
    if let (Some(out), Some(writers), Some(renderer)) =
        (out.as_mut(), state.writers.as_mut(), renderer)
    {
        let rows = reconciliation.rows(&state.project_sums);
        if !rows.is_empty() {
            let rendered = renderer
                .render_reconciliation(&rows)
                .map_err(|e| output_error(&job.out, e))?;
            writers.write_reconciliation(rendered, out, job)?;
        }
    }
    state.reconcile()?;
    let mut report = state.report;
    report.departments = state.totals.len();
    report.totals = state.totals.grand_total();
    if let (Some(writers), Some(mut out)) = (state.writers, out) {
        report.truncated_cells = writers.truncated;
        let counts = BatchCounts {
            files: report.files,
            converted: report.converted,
            rejected: report.rejected,
            skipped: report.skipped,
            paragraph: report.paragraph(),
        };
        // The store's lookups are over: its file is left to the batch's own connection.
        drop(reader);
        drop(pipeline);
        // The store's batch is committed (and its log written back into the one file) on a
        // thread of its own while this one finishes the outputs in the working folder; both
        // before the outputs are put in place — a run killed before that leaves the store with
        // the batch or without it and the old outputs, never outputs of a batch the store lacks.
        let (written, stored) = std::thread::scope(|scope| {
            let stored = state.store.map(|writer| {
                scope.spawn(move || -> Result<StoredBatch> {
                    let mut store = writer.finish()?;
                    let stored = store.finish_batch(&counts)?;
                    store.close()?;
                    Ok(stored)
                })
            });
            let written = finish_writers(writers, &state.totals, &set_aside_totals, &mut out);
            (written, stored.map(|handle| handle.join()))
        });
        if let Some(stored) = stored {
            let stored = stored.map_err(|_| {
                let path = job.store.as_deref().unwrap_or(Path::new(""));
                Error::in_file(
                    path.display().to_string(),
                    crate::error::ErrorKind::Store("写入存储文件时出现内部错误".into()),
                )
            })?;
            report.stored = Some(stored?);
        }
        written?;
        report.outputs = out.commit()?;
    }
    Ok(report)
}

/// The end of a run for one channel set aside: each record held against its target (for the
/// kinds that are), a department-wide target form against its department's project forms, and
/// written to the channel's outputs.
struct SetAsidePass<'a> {
    job: &'a ConvertJob,
    channel: &'static str,
    targets: &'a TargetIndex,
    project_sums: &'a ProjectSums,
    renderer: Renderer,
    /// The store, to find a target the batch does not hold.
    reader: Option<&'a Reader>,
}

/// Where the records written at the end go in the store.
struct StoredRecords<'a> {
    store: Option<&'a mut BatchWriter>,
}

impl StoredRecords<'_> {
    fn add(&mut self, record: &Record) -> Result<()> {
        let Some(store) = self.store.as_deref_mut() else {
            return Ok(());
        };
        let rows = RecordRows::of(record)
            .map_err(|e| Error::in_file(record.source().file.clone(), ErrorKind::Store(e)))?;
        store.record(&record.source().file, rows)
    }
}

impl SetAsidePass<'_> {
    #[allow(clippy::too_many_arguments)]
    fn run(
        &self,
        spill: Spill,
        out: &mut OutputDir,
        writers: &mut Writers,
        totals: &mut SetAsideTotals,
        reconciliation: &mut Reconciliation,
        report: &mut ConvertReport,
        stored: &mut StoredRecords<'_>,
    ) -> Result<()> {
        let Spill { path, file } = spill;
        file.into_inner().map_err(|e| io_error(&path, e.error()))?;
        let reader = std::fs::File::open(&path).map_err(|e| io_error(&path, &e))?;
        let lines = BufReader::new(reader).lines();
        let mut outputs = KindOutputs::open(out, self.job, self.channel)?;
        let work = |line: &std::io::Result<String>| -> Result<Record> {
            let line = line.as_ref().map_err(|e| io_error(&path, e))?;
            let mut record = read_back(line).map_err(|e| output_error(&path, e))?;
            if record.kind().held_against_target()
                && let Some(project) = record.as_project_mut()
            {
                self.link_to_target(project)?;
            }
            Ok(record)
        };
        // The reconciliation adds to each department-wide target form, in input order, on this
        // thread; rendering follows it.
        let mut reconciled = |record: Record| -> Result<(Record, Rendered)> {
            let mut record = record;
            if let Record::Department(form) = &mut record
                && form.kind.reconciled()
            {
                reconciliation.add(form, self.project_sums);
            }
            let rendered = self
                .renderer
                .render_set_aside(&record)
                .map_err(|e| output_error(&self.job.out, e))?;
            Ok((record, rendered))
        };
        batch::for_each_ordered(lines, self.job.jobs, work, |result| {
            let (record, rendered) = reconciled(result?)?;
            totals.add(&record);
            report.warnings += record.warnings().len() as u64;
            if let Some(link) = record.as_project().and_then(|p| p.linked_target()) {
                if record.kind() == FormKind::Monitoring {
                    report.monitoring_linked += 1;
                } else {
                    report.linked += 1;
                }
                report.linked_from_store += u64::from(link.stored_batch.is_some());
            }
            stored.add(&record)?;
            writers.append_set_aside(rendered, &mut outputs)
        })?;
        outputs.finish(writers, out)
    }

    /// Holds the form against the target form of the same project: of the batch (read again
    /// from the file it was found in), else of the store — the target of the same project code
    /// and year first, else of the same year, 主管部门 and 项目名称. No target: left unlinked.
    fn link_to_target(&self, evaluation: &mut Project) -> Result<()> {
        let by_code =
            code_key(evaluation).and_then(|key| Some((self.targets.file_of_code(&key)?, key)));
        let id = project_id(evaluation);
        let (file, code) = match by_code {
            Some((file, key)) => (file, Some(key)),
            None => match self.targets.file_of(&id) {
                Some(file) => (file, None),
                None => return self.link_to_stored_target(evaluation),
            },
        };
        // The file as shown (relative to the folder of an upload) and where it is.
        let path = match &self.job.shown_root {
            Some(root) => root.join(&file),
            None => PathBuf::from(&file),
        };
        let input = InputFile {
            path,
            shown: file.to_owned(),
            skip: None,
        };
        let outcome = self.job.pipeline.process(&input);
        // By name, a target whose code differs is another project.
        let own_code = evaluation.project_code.clone();
        let target = outcome.projects().find(|f| {
            f.kind.is_project_target()
                && match &code {
                    Some(key) => code_key(f).as_ref() == Some(key),
                    None => {
                        project_id(f) == id
                            && (own_code.is_none()
                                || f.project_code.is_none()
                                || f.project_code == own_code)
                    }
                }
        });
        match target {
            Some(target) => {
                let target_id = project_id(target);
                link(evaluation, target, target_id);
                Ok(())
            }
            None => self.link_to_stored_target(evaluation),
        }
    }

    /// Holds the form against the current target of the same project in the store, if any.
    fn link_to_stored_target(&self, evaluation: &mut Project) -> Result<()> {
        let Some(reader) = self.reader else {
            return Ok(());
        };
        if let Some(stored) = reader.target_of(evaluation)? {
            let target_id = project_id(&stored.project);
            link(evaluation, &stored.project, target_id);
            if let Some((Some(link), _)) = evaluation.link_slots_mut() {
                link.stored_batch = Some(stored.batch);
            }
        }
        Ok(())
    }
}

/// A record read back from a working file: a department-wide form or a project's.
fn read_back(line: &str) -> std::result::Result<Record, String> {
    #[derive(serde::Deserialize)]
    struct Kind {
        #[serde(default)]
        kind: FormKind,
    }
    let kind: Kind = serde_json::from_str(line).map_err(|e| format!("工作文件无法读回：{e}"))?;
    let record = if kind.kind.is_department() {
        serde_json::from_str(line).map(Record::Department)
    } else {
        serde_json::from_str(line).map(Record::Project)
    };
    record.map_err(|e| format!("工作文件无法读回：{e}"))
}

/// The outputs of a channel set aside, made only when a batch holds its kinds.
struct KindOutputs {
    channel: &'static str,
    jsonl: TextOutput,
    csv: TextOutput,
    indicators: TextOutput,
    tasks: Option<TextOutput>,
    rows: u64,
    jsonl_lines: u64,
}

impl KindOutputs {
    fn open(out: &mut OutputDir, job: &ConvertJob, channel: &'static str) -> Result<KindOutputs> {
        let files = FormKind::ALL
            .into_iter()
            .filter_map(|kind| files_of(kind, job.csv_unit))
            .find(|files| files.jsonl == channel)
            .ok_or_else(|| output_error(out.path(), format!("没有输出文件 {channel}")))?;
        let header = |row: Vec<String>, name: &str| {
            rows_bytes(&[row], job.csv_encoding)
                .map_err(|e| output_error(&out.path().join(name), e))
        };
        let csv_header = header(files.csv.1, files.csv.0)?;
        let indicators_header = header(files.indicators.1, files.indicators.0)?;
        let tasks = match files.tasks {
            Some((name, columns)) => {
                let tasks_header = header(columns, name)?;
                Some(TextOutput::create(out, name, Some(tasks_header))?)
            }
            None => None,
        };
        Ok(KindOutputs {
            channel,
            jsonl: TextOutput::create(out, files.jsonl, None)?,
            csv: TextOutput::create(out, files.csv.0, Some(csv_header))?,
            indicators: TextOutput::create(out, files.indicators.0, Some(indicators_header))?,
            tasks,
            rows: 0,
            jsonl_lines: 0,
        })
    }

    fn finish(self, writers: &mut Writers, out: &mut OutputDir) -> Result<()> {
        writers
            .set_aside_rows
            .insert(self.channel, (self.rows, self.jsonl_lines));
        self.jsonl.finish(out)?;
        self.csv.finish(out)?;
        self.indicators.finish(out)?;
        match self.tasks {
            Some(tasks) => tasks.finish(out),
            None => Ok(()),
        }
    }
}

fn open_writers(out: &mut OutputDir, job: &ConvertJob) -> Result<Writers> {
    let summary_path = out.temp_path("summary.xlsx");
    let conclusions = job.pipeline.reviewer.as_ref().map(|r| {
        let words = r.conclusions();
        [
            words.pass.clone(),
            words.attention.clone(),
            words.send_back.clone(),
        ]
    });
    let workbook = SummaryWorkbook::new(job.per_department, conclusions, out.path())
        .map_err(|e| xlsx_error(&summary_path, e))?;
    let header = |row: Vec<String>, name: &str| {
        rows_bytes(&[row], job.csv_encoding).map_err(|e| output_error(&out.path().join(name), e))
    };
    let projects_header = header(project_header(job.csv_unit), "projects.csv")?;
    let indicators_header = header(INDICATOR_HEADER.map(String::from).into(), "indicators.csv")?;
    let manifest_header = header(MANIFEST_HEADER.map(String::from).into(), "manifest.csv")?;
    let review = match job.pipeline.reviewer {
        Some(_) => {
            let review_header = header(review_csv_header(), "review.csv")?;
            Some(TextOutput::create(out, "review.csv", Some(review_header))?)
        }
        None => None,
    };
    Ok(Writers {
        workbook,
        summary_path,
        projects: TextOutput::create(out, "projects.csv", Some(projects_header))?,
        indicators: TextOutput::create(out, "indicators.csv", Some(indicators_header))?,
        jsonl: TextOutput::create(out, "projects.jsonl", None)?,
        manifest: TextOutput::create(out, "manifest.csv", Some(manifest_header))?,
        review,
        project_rows: 0,
        jsonl_lines: 0,
        manifest_rows: 0,
        truncated: 0,
        review_rows: 0,
        set_aside_rows: BTreeMap::new(),
        reconciliation_rows: None,
    })
}

impl RunState {
    /// Takes one file's results: counts them and writes them everywhere (self-evaluations are set
    /// aside for the end).
    fn take(
        &mut self,
        outcome: &FileOutcome,
        rendered: Option<&Rendered>,
        out: Option<&mut OutputDir>,
    ) -> Result<()> {
        if !outcome.early {
            self.report.files += 1;
            match outcome.status {
                FileStatus::Converted => self.report.converted += 1,
                FileStatus::Rejected => self.report.rejected += 1,
                FileStatus::Skipped => self.report.skipped += 1,
            }
        }
        if let (Some(writers), Some(rendered)) = (&mut self.writers, rendered) {
            writers.append(rendered)?;
        }
        let others = outcome
            .records
            .iter()
            .filter(|r| !r.kind().is_project_target());
        let mut out = out;
        for record in others {
            *self.set_aside.entry(record.kind()).or_default() += 1;
            match record.kind() {
                FormKind::SelfEvaluation => self.report.evaluations += 1,
                FormKind::Monitoring => self.report.monitoring += 1,
                kind if kind.is_department() => self.report.department_forms += 1,
                _ => {}
            }
            if let Some(out) = out.as_deref_mut() {
                self.set_aside(record, out)?;
            }
        }
        let targets = &mut self.targets;
        let file_index = targets.first_files.len() as u32;
        let mut file_recorded = false;
        for project in outcome.projects().filter(|p| p.kind.is_project_target()) {
            self.project_sums.add(project);
            if let Some(key) = code_key(project) {
                let hash = fnv1a(key.as_bytes());
                if targets.codes.get(hash).is_none() {
                    if !file_recorded {
                        targets.first_files.push(&outcome.file);
                        file_recorded = true;
                    }
                    targets.codes.insert(hash, file_index);
                }
            }
            self.report.forms += 1;
            self.report.warnings += project.warnings.len() as u64;
            self.totals.add(project);
            self.running.add(project);
            let hash = fnv1a(project_id(project).as_bytes());
            let first = match targets.seen.get(hash) {
                Some(first) => first,
                None => {
                    targets.seen.insert(hash, file_index);
                    if !file_recorded {
                        targets.first_files.push(&outcome.file);
                        file_recorded = true;
                    }
                    continue;
                }
            };
            self.report.duplicates += 1;
            if let Some(writers) = &mut self.writers {
                let first_file = targets.first_files.get(first as usize).unwrap_or_default();
                let row = IssueRow {
                    kind: "重复".into(),
                    code: "duplicate_project".into(),
                    file: project.source.file.clone(),
                    sheet: project.source.sheet.clone(),
                    cell: project.source.cell.clone(),
                    project: project.project_name.clone(),
                    message: format!(
                        "与“{first_file}”中的项目年度、主管部门、项目名称都相同；两份都已计入汇总，请核实是否重复报送"
                    ),
                };
                let row = row.to_row(&mut writers.truncated);
                writers.append_row(&row)?;
            }
        }
        Ok(())
    }

    /// Keeps a file of the batch in the store (when there is one), with the rows of its target
    /// forms; the records of other kinds are stored when they are written at the end.
    fn store_file(
        &mut self,
        outcome: &FileOutcome,
        hash: Option<(String, u64)>,
        rows: Vec<std::result::Result<RecordRows, String>>,
    ) -> Result<()> {
        let Some(store) = &mut self.store else {
            return Ok(());
        };
        let (hash, size) = match hash {
            Some((hash, size)) => (Some(hash), Some(size)),
            None => (None, None),
        };
        let entry = FileEntry {
            name: outcome.file.clone(),
            size,
            hash,
            status: outcome.status.as_str().to_owned(),
            message: outcome.message.clone(),
            forms: outcome.handed + outcome.records.len() as u64,
        };
        let rows = rows
            .into_iter()
            .collect::<std::result::Result<Vec<_>, String>>()
            .map_err(|e| Error::in_file(outcome.file.clone(), ErrorKind::Store(e)))?;
        // A file in parts: its row goes in with the first part and is completed with the last;
        // the records in between are records of a file sent before.
        if outcome.early || outcome.handed > 0 {
            if outcome.early && self.parted.as_deref() != Some(outcome.file.as_str()) {
                self.parted = Some(outcome.file.clone());
                return store.file(entry, rows, true);
            }
            for record in rows {
                store.record(&outcome.file, record)?;
            }
            if !outcome.early {
                self.parted = None;
                store.finish_file(entry)?;
            }
            return Ok(());
        }
        let later = outcome
            .records
            .iter()
            .any(|r| !r.kind().is_project_target());
        store.file(entry, rows, later)
    }

    /// Sets a record aside in the working file of its channel.
    fn set_aside(&mut self, record: &Record, out: &mut OutputDir) -> Result<()> {
        let channel = channel_of(record.kind())
            .ok_or_else(|| output_error(out.path(), "项目绩效目标表不另存"))?;
        let spill = match self.spills.entry(channel) {
            std::collections::btree_map::Entry::Occupied(spill) => spill.into_mut(),
            std::collections::btree_map::Entry::Vacant(slot) => {
                let name = format!("{}.spill", channel.trim_end_matches(".jsonl"));
                let (path, file) = out.create_scratch(&name)?;
                slot.insert(Spill {
                    path,
                    file: BufWriter::with_capacity(256 * 1024, file),
                })
            }
        };
        let mut line = serde_json::to_vec(record).map_err(|e| output_error(&spill.path, e))?;
        line.push(b'\n');
        spill
            .file
            .write_all(&line)
            .map_err(|e| io_error(&spill.path, &e))
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
                ("projects.jsonl", w.jsonl_lines),
            ];
            for (name, count) in counts {
                if count != r.forms {
                    failures.push(format!("{name} 有 {count} 行，应为 {} 行", r.forms));
                }
            }
            if w.manifest_rows != r.files {
                failures.push(format!(
                    "manifest.csv 有 {} 行，应为 {} 个文件",
                    w.manifest_rows, r.files
                ));
            }
            if w.review.is_some() && w.workbook.rows(Sheet::Review) != w.review_rows {
                failures.push(format!(
                    "审核 有 {} 行，review.csv 有 {} 行",
                    w.workbook.rows(Sheet::Review),
                    w.review_rows
                ));
            }
            // Each channel's files and sheet hold every record of its kinds.
            let mut channels: BTreeMap<&str, (KindFiles, u64, Vec<&str>)> = BTreeMap::new();
            for kind in FormKind::ALL {
                let Some(files) = files_of(kind, CsvUnit::Yuan) else {
                    continue;
                };
                let entry = channels
                    .entry(files.jsonl)
                    .or_insert_with(|| (files, 0, Vec::new()));
                entry.1 += self.set_aside.get(&kind).copied().unwrap_or(0);
                entry.2.push(kind.label());
            }
            for (channel, (files, expected, labels)) in channels {
                let (rows, lines) = w.set_aside_rows.get(channel).copied().unwrap_or((0, 0));
                let mut counts = vec![(files.csv.0, rows), (files.jsonl, lines)];
                let kind = FormKind::ALL
                    .into_iter()
                    .find(|k| files_of(*k, CsvUnit::Yuan).is_some_and(|f| f.jsonl == channel));
                if let Some(sheet) = kind.and_then(Sheet::details_of) {
                    counts.push((sheet.name(), w.workbook.rows(sheet)));
                }
                for (name, count) in counts {
                    if count != expected {
                        failures.push(format!(
                            "{name} 有 {count} 行，应为 {expected} 张{}",
                            labels.join("或")
                        ));
                    }
                }
            }
            if let Some(rows) = w.reconciliation_rows
                && rows != w.workbook.rows(Sheet::Reconciliation)
            {
                failures.push(format!(
                    "部门对账 有 {} 行，reconciliation.csv 有 {rows} 行",
                    w.workbook.rows(Sheet::Reconciliation)
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
    /// Appends a row to its sheet of the workbook.
    fn append_row(&mut self, row: &XRow) -> Result<()> {
        let workbook = &mut self.workbook;
        workbook_call(&self.summary_path, || workbook.append(row))
    }

    /// Appends one file's rendered rows and bytes to every output.
    fn append(&mut self, rendered: &Rendered) -> Result<()> {
        for row in &rendered.rows {
            self.append_row(row)?;
        }
        self.projects.append(&rendered.projects_csv)?;
        self.indicators.append(&rendered.indicators_csv)?;
        self.jsonl.append(&rendered.jsonl)?;
        self.manifest.append(&rendered.manifest)?;
        if let Some(review) = &mut self.review {
            review.append(&rendered.review_csv)?;
            self.review_rows += rendered.findings;
        }
        self.project_rows += rendered.projects;
        self.jsonl_lines += rendered.jsonl.iter().filter(|&&b| b == b'\n').count() as u64;
        // An early part of a file has no manifest row (its last part has the file's).
        self.manifest_rows += u64::from(!rendered.manifest.is_empty());
        self.truncated += rendered.truncated;
        Ok(())
    }

    /// Writes the reconciliation: reconciliation.csv and the 部门对账 sheet.
    fn write_reconciliation(
        &mut self,
        mut rendered: Rendered,
        out: &mut OutputDir,
        job: &ConvertJob,
    ) -> Result<()> {
        let header = rows_bytes(
            &[crate::write::departments::RECONCILIATION_HEADERS
                .map(String::from)
                .to_vec()],
            job.csv_encoding,
        )
        .map_err(|e| output_error(&out.path().join(RECONCILIATION_FILE), e))?;
        let mut file = TextOutput::create(out, RECONCILIATION_FILE, Some(header))?;
        file.append(&rendered.projects_csv)?;
        for row in std::mem::take(&mut rendered.rows) {
            self.append_row(&row)?;
        }
        self.reconciliation_rows = Some(rendered.projects);
        self.truncated += rendered.truncated;
        file.finish(out)
    }

    /// Appends one rendered record of a kind set aside to the workbook and its kind's outputs.
    fn append_set_aside(
        &mut self,
        mut rendered: Rendered,
        outputs: &mut KindOutputs,
    ) -> Result<()> {
        for row in std::mem::take(&mut rendered.rows) {
            self.append_row(&row)?;
        }
        outputs.jsonl.append(&rendered.jsonl)?;
        outputs.csv.append(&rendered.projects_csv)?;
        outputs.indicators.append(&rendered.indicators_csv)?;
        if let Some(tasks) = &mut outputs.tasks {
            tasks.append(&rendered.tasks_csv)?;
        }
        outputs.rows += rendered.projects;
        outputs.jsonl_lines += rendered.jsonl.iter().filter(|&&b| b == b'\n').count() as u64;
        self.truncated += rendered.truncated;
        Ok(())
    }
}

fn finish_writers(
    writers: Writers,
    totals: &DepartmentTotals,
    set_aside: &SetAsideTotals,
    out: &mut OutputDir,
) -> Result<()> {
    writers.projects.finish(out)?;
    writers.indicators.finish(out)?;
    writers.jsonl.finish(out)?;
    writers.manifest.finish(out)?;
    if let Some(review) = writers.review {
        review.finish(out)?;
    }
    let path: &Path = &writers.summary_path;
    let workbook = writers.workbook;
    workbook_call(path, || workbook.finish(totals, set_aside, path))?;
    crate::pause::point("written:summary.xlsx");
    Ok(())
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// A call into the workbook writer, its errors in a clerk's words. rust_xlsxwriter's
/// constant-memory sheets panic when a write to their temporary files fails (a full disk): the
/// panic is caught and reported like the error it stands for.
fn workbook_call<T>(
    path: &Path,
    call: impl FnOnce() -> std::result::Result<T, rust_xlsxwriter::XlsxError>,
) -> Result<T> {
    match crate::panic_guard::guarded(call) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(xlsx_error(path, error)),
        Err(panic) => Err(match io_kind_in(&panic) {
            Some(kind) => io_error(path, &std::io::Error::new(kind, panic)),
            None => output_error(path, panic),
        }),
    }
}

/// The I/O error kind a panic message names ("… Os { code: 28, kind: StorageFull, … }").
fn io_kind_in(message: &str) -> Option<std::io::ErrorKind> {
    use std::io::ErrorKind as K;
    [
        ("StorageFull", K::StorageFull),
        ("QuotaExceeded", K::QuotaExceeded),
        ("ReadOnlyFilesystem", K::ReadOnlyFilesystem),
        ("PermissionDenied", K::PermissionDenied),
        ("FileTooLarge", K::FileTooLarge),
    ]
    .into_iter()
    .find(|(name, _)| message.contains(&format!("kind: {name}")))
    .map(|(_, kind)| kind)
}

/// A workbook error: an I/O one in a clerk's words (a full disk …), else as the library says.
fn xlsx_error(path: &Path, error: rust_xlsxwriter::XlsxError) -> Error {
    match error {
        rust_xlsxwriter::XlsxError::IoError(e) => io_error(path, &e),
        other => output_error(path, other),
    }
}
