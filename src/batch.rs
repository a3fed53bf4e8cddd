//! Walking the inputs and reading each file into an outcome: converted, rejected or skipped.
//!
//! Every file met ends up in exactly one [`FileOutcome`]; one bad file never stops the batch and
//! a panic inside a dependency becomes a rejection of that file, not the end of the run.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, mpsc};

use walkdir::WalkDir;

use crate::model::{FormKind, Record};
use crate::normalize::Normalizer;
pub use crate::outcome::{FileOutcome, FileStatus};
use crate::outcome::{IssueKind, SheetIssue, capped};
use crate::read::{self, Limits};
use crate::template::TemplateSet;

/// Extensions of the workbooks jixiao reads (WPS's .et/.ett are Excel 97–2003 inside).
const SPREADSHEET_EXTENSIONS: &[&str] = &[
    "xlsx", "xlsm", "xltx", "xltm", "xls", "xlt", "et", "ett", "xlsb", "ods", "ots",
];

/// A file to consider, with the path as the user should see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    /// Where to read it.
    pub path: PathBuf,
    /// The path as walked from the input argument.
    pub shown: String,
    /// Set when the file is not read at all, with the reason.
    pub skip: Option<String>,
}

/// Walks the inputs (files or folders, folders recursively) in a stable order: arguments in the
/// order given, each folder's entries sorted by name. Hidden folders are not entered; they are
/// listed as skipped so nothing disappears silently. Lazy: memory does not grow with the number
/// of files.
pub fn walk_inputs(inputs: &[PathBuf]) -> Inputs {
    Inputs {
        pending: inputs.iter().cloned().collect(),
        folder: None,
        excluded: None,
        own: Vec::new(),
        root: None,
    }
}

/// The files of the inputs, one at a time (see [`walk_inputs`]).
pub struct Inputs {
    pending: std::collections::VecDeque<PathBuf>,
    folder: Option<(PathBuf, walkdir::IntoIter)>,
    excluded: Option<PathBuf>,
    /// Paths the run itself makes (its lock file, its staging folder): passed over in silence.
    own: Vec<PathBuf>,
    /// Shown paths are relative to this folder, when set.
    root: Option<PathBuf>,
}

impl Inputs {
    /// Leaves a folder out of the walk (listed as skipped), such as the output folder.
    pub fn excluding(mut self, folder: Option<&Path>) -> Inputs {
        self.excluded = folder.and_then(|f| f.canonicalize().ok());
        self
    }

    /// Passes over the run's own working paths without listing them: they are not inputs.
    pub fn ignoring(mut self, own: Vec<PathBuf>) -> Inputs {
        self.own = own.iter().filter_map(|p| p.canonicalize().ok()).collect();
        self
    }

    /// Shows paths relative to `root` ("samples/a.xlsx" for `root/samples/a.xlsx`), as if the
    /// inputs had been given from there.
    pub fn shown_relative_to(mut self, root: Option<PathBuf>) -> Inputs {
        self.root = root;
        self
    }

    fn shown(&self, path: &Path) -> String {
        let relative = self
            .root
            .as_deref()
            .and_then(|root| path.strip_prefix(root).ok())
            .filter(|p| !p.as_os_str().is_empty());
        relative.unwrap_or(path).display().to_string()
    }

    fn is_excluded(&self, dir: &Path) -> bool {
        self.excluded
            .as_ref()
            .is_some_and(|excluded| dir.canonicalize().is_ok_and(|d| &d == excluded))
    }

    fn is_own(&self, path: &Path) -> bool {
        !self.own.is_empty() && path.canonicalize().is_ok_and(|p| self.own.contains(&p))
    }
}

impl Iterator for Inputs {
    type Item = InputFile;

    fn next(&mut self) -> Option<InputFile> {
        loop {
            if let Some((root, walker)) = &mut self.folder {
                match walker.next() {
                    Some(Ok(entry)) => {
                        // The run's own lock file and staging folder are hidden names; a link may
                        // lead to them under any name.
                        let maybe_own = entry.path_is_symlink()
                            || entry.file_name().as_encoded_bytes().starts_with(b".");
                        if maybe_own && self.is_own(entry.path()) {
                            if entry.file_type().is_dir()
                                && let Some((_, walker)) = &mut self.folder
                            {
                                walker.skip_current_dir();
                            }
                            continue;
                        }
                        let name = entry.file_name().to_string_lossy();
                        if !entry.file_type().is_dir() {
                            let path = entry.path().to_path_buf();
                            let shown = self.shown(&path);
                            // A link is followed to what it names; any other entry's type is
                            // known from the folder listing, without asking the system again.
                            let known = (!entry.path_is_symlink()).then(|| entry.file_type());
                            return Some(classify_known(path, shown, known));
                        }
                        let reason = if entry.depth() > 0 && name.starts_with('.') {
                            Some("隐藏文件夹，未读取其中文件")
                        } else if self.excluded.is_some() && self.is_excluded(entry.path()) {
                            Some("本次运行的输出目录，未读取其中文件")
                        } else {
                            None
                        };
                        if let Some(reason) = reason {
                            let path = entry.path().to_path_buf();
                            if let Some((_, walker)) = &mut self.folder {
                                walker.skip_current_dir();
                            }
                            return Some(InputFile {
                                shown: path.display().to_string(),
                                path,
                                skip: Some(reason.into()),
                            });
                        }
                        continue;
                    }
                    Some(Err(e)) => {
                        let path = e.path().map_or_else(|| root.clone(), Path::to_path_buf);
                        return Some(InputFile {
                            shown: path.display().to_string(),
                            path,
                            skip: Some(format!("无法读取：{e}")),
                        });
                    }
                    None => self.folder = None,
                }
            }
            let input = self.pending.pop_front()?;
            if input.is_dir() {
                let walker = WalkDir::new(&input)
                    .follow_links(false)
                    .sort_by_file_name()
                    .into_iter();
                self.folder = Some((input, walker));
                continue;
            }
            let shown = self.shown(&input);
            return Some(classify(input, shown));
        }
    }
}

/// Decides whether a file is read, by its name: lock files, hidden files and other kinds of file
/// are skipped with a reason.
pub fn classify(path: PathBuf, shown: String) -> InputFile {
    classify_known(path, shown, None)
}

/// [`classify`] with the file's type when it is already known (not a link).
fn classify_known(path: PathBuf, shown: String, known: Option<std::fs::FileType>) -> InputFile {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let extension = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    // Symbolic links are followed to what they name; only regular files are ever opened (reading
    // a named pipe would wait forever for a writer).
    let file_type = match known {
        Some(file_type) => Ok(file_type),
        None => std::fs::metadata(&path).map(|m| m.file_type()),
    };
    let skip = if file_type.is_err() {
        None // reported as unreadable when read, with the system's reason
    } else if file_type.as_ref().is_ok_and(|t| t.is_dir()) {
        Some("指向文件夹的链接，未进入（以免重复或循环读取）".to_owned())
    } else if file_type.is_ok_and(|t| !t.is_file()) {
        Some("不是普通文件（管道、设备等），未读取".to_owned())
    } else if name.starts_with("~$") {
        Some("Excel/WPS 打开文件时留下的临时锁定文件，不是表格".to_owned())
    } else if name.starts_with('.') {
        Some("隐藏文件".to_owned())
    } else if !SPREADSHEET_EXTENSIONS.contains(&extension.as_str()) {
        let kind = if extension.is_empty() {
            "没有扩展名".to_owned()
        } else {
            format!(".{extension} 文件")
        };
        Some(format!("不是电子表格（{kind}）"))
    } else {
        None
    };
    InputFile { path, shown, skip }
}

fn without_forms(
    input: &InputFile,
    status: FileStatus,
    message: String,
    detail: Option<String>,
) -> FileOutcome {
    FileOutcome {
        file: input.shown.clone(),
        status,
        format: None,
        records: Vec::new(),
        issues: Vec::new(),
        message: capped(message),
        detail,
        digest: None,
        early: false,
        handed: 0,
    }
}

/// Installs a panic hook that stays quiet for panics caught at the per-file boundary (they become
/// rejections in the manifest) and prints other panics as before.
pub fn install_panic_hook() {
    crate::panic_guard::install_quiet_hook();
}

/// What is done to each file: read with the templates within the limits, then normalized if a
/// normalizer is set.
#[derive(Debug, Clone)]
pub struct Pipeline {
    /// The templates forms are recognised by.
    pub templates: TemplateSet,
    /// The normalizer, or `None` to keep forms as read.
    pub normalizer: Option<Normalizer>,
    /// The reviewer of target forms (after normalizing), or `None` not to review.
    pub reviewer: Option<crate::review::Reviewer>,
    /// The limits each file is read within.
    pub limits: Limits,
    /// A store to find last year's target form of each target form in (before the review, so
    /// the year-over-year rules see it); `None` without a store.
    pub store: Option<std::sync::Arc<crate::store::Reader>>,
    /// Take the digest of each file's bytes as they are read ([`FileOutcome::digest`]).
    pub digest: bool,
}

impl Pipeline {
    /// Processes one input file. Never panics: a panic inside a reader or the normalizer
    /// becomes a rejection of that file.
    pub fn process(&self, input: &InputFile) -> FileOutcome {
        process_file(input, self, None)
    }

    /// [`Pipeline::process`], handing a long flat export's records to `part` as they are read
    /// (early parts, [`FileOutcome::early`]); the outcome returned is the file's last part, with
    /// its status and message for all its records. Should the file fail after a part was handed
    /// over, it stays converted with what was handed over, and its message says what stopped it.
    pub fn process_in_parts(
        &self,
        input: &InputFile,
        part: &mut dyn FnMut(FileOutcome),
    ) -> FileOutcome {
        process_file(input, self, Some(part))
    }

    /// Normalizes, holds against last year and reviews one record as read.
    fn finish_record(&self, record: &mut Record) {
        let Some(normalizer) = &self.normalizer else {
            return;
        };
        normalizer.normalize_record(record);
        if let (Some(store), Some(project)) = (&self.store, record.as_project_mut()) {
            hold_against_last_year(store, project);
        }
        if let Some(reviewer) = &self.reviewer {
            reviewer.review_record(record, normalizer.dictionary());
        }
    }
}

/// Reads (and normalizes, if asked) one input file. Never panics: a panic inside a reader
/// becomes a rejection.
fn process_file(
    input: &InputFile,
    pipeline: &Pipeline,
    mut part: Option<&mut dyn FnMut(FileOutcome)>,
) -> FileOutcome {
    let templates = &pipeline.templates;
    if let Some(reason) = &input.skip {
        return without_forms(input, FileStatus::Skipped, reason.clone(), None);
    }
    let digest = std::cell::RefCell::new(None);
    let mut take_digest = |bytes: &[u8]| {
        if pipeline.digest {
            *digest.borrow_mut() = Some((crate::store::digest(bytes), bytes.len() as u64));
        }
    };
    let wanted = part.is_some();
    // The kinds of the records handed over in early parts, for the file's message.
    let mut handed: Vec<FormKind> = Vec::new();
    let mut hand_over = |mut records: Vec<Record>| {
        for record in &mut records {
            pipeline.finish_record(record);
        }
        handed.extend(records.iter().map(Record::kind));
        if let Some(part) = part.as_mut() {
            part(FileOutcome {
                file: input.shown.clone(),
                status: FileStatus::Converted,
                format: None,
                records,
                issues: Vec::new(),
                message: String::new(),
                detail: None,
                digest: digest.borrow().clone(),
                early: true,
                handed: 0,
            });
        }
    };
    let in_parts: Option<read::Part<'_>> = if wanted { Some(&mut hand_over) } else { None };
    let result = crate::panic_guard::guarded(|| {
        let mut read = read::read_file_inspecting(
            &input.path,
            &input.shown,
            templates,
            &pipeline.limits,
            &mut take_digest,
            in_parts,
        )?;
        for record in &mut read.records {
            pipeline.finish_record(record);
        }
        Ok::<_, crate::Error>(read)
    });
    let digest = digest.into_inner();
    let failure = |message: String, detail: Option<String>, sheet: Option<String>| {
        if handed.is_empty() {
            return FileOutcome {
                digest: digest.clone(),
                ..without_forms(input, FileStatus::Rejected, message, detail)
            };
        }
        // Records were handed over already: the file stays converted with them, and the
        // problem is listed as an unreadable sheet.
        let issue = SheetIssue {
            sheet: sheet.unwrap_or_default(),
            cell: None,
            kind: IssueKind::UnreadableSheet,
            reason: format!("已读取的表已汇总，之后出错，其余内容未读取：{message}"),
        };
        let read = outcome_message(&[], &handed, std::slice::from_ref(&issue));
        FileOutcome {
            digest: digest.clone(),
            handed: handed.len() as u64,
            issues: vec![issue],
            ..without_forms(input, FileStatus::Converted, capped(read), detail)
        }
    };
    let read = match result {
        Ok(Ok(read)) => read,
        Ok(Err(error)) => {
            // The file is the manifest row's own; the sheet and cell, when known, lead the reason.
            let sheet = error.location.sheet.clone();
            let place = crate::error::Location {
                file: None,
                ..error.location
            }
            .to_string();
            let message = if place.is_empty() {
                error.kind.to_string()
            } else {
                format!("{place}：{}", error.kind)
            };
            let detail = error.kind.detail().map(str::to_owned);
            return failure(message, detail, sheet);
        }
        Err(detail) => {
            let message = "读取时出现内部错误，文件未能转换；请将此文件反馈给开发者".to_owned();
            return failure(message, Some(detail), None);
        }
    };
    let status = if read.records.is_empty() && handed.is_empty() {
        FileStatus::Rejected
    } else {
        FileStatus::Converted
    };
    let message = outcome_message(&read.records, &handed, &read.issues);
    let detail = (!read.details.is_empty()).then(|| read.details.join("; "));
    FileOutcome {
        file: input.shown.clone(),
        status,
        format: Some(read.format.name()),
        records: read.records,
        issues: read.issues,
        message: capped(message),
        detail,
        digest,
        early: false,
        handed: handed.len() as u64,
    }
}

/// Holds a target form against the same project's target of the year before, when the store
/// has one (a store that cannot be read leaves the form as it is: the review runs without it).
fn hold_against_last_year(store: &crate::store::Reader, project: &mut crate::model::Project) {
    if !project.kind.is_project_target() {
        return;
    }
    if let Ok(Some(last)) = store.last_year(project) {
        let id = crate::write::rows::project_id(&last.project);
        project.last_year = Some(crate::review::year_over_year::compare(
            project,
            &last.project,
            last.batch,
            id,
        ));
    }
}

/// Runs `work` over the items on `jobs` threads and hands each result to `sink` in the items'
/// order, whatever order the threads finish in, so outputs are the same for any thread count.
/// At most 16 results per thread wait for their turn, so memory stays flat; `sink` runs on the
/// calling thread, and its first error stops the run.
pub fn for_each_ordered<I, T, R, E>(
    items: I,
    jobs: usize,
    work: impl Fn(&T) -> R + Sync,
    sink: impl FnMut(R) -> Result<(), E>,
) -> Result<(), E>
where
    I: Iterator<Item = T> + Send,
    T: Send,
    R: Send,
{
    for_each_ordered_in_parts(items, jobs, |item, _| work(item), sink)
}

/// [`for_each_ordered`], where `work` may hand parts of an item's result to `sink` before the
/// result itself (through its second argument): they reach `sink` in the order handed, after all
/// of the items before and before the item's result. A thread handing over a part waits until
/// its item is the next for `sink`, so parts never pile up waiting for their turn.
pub fn for_each_ordered_in_parts<I, T, R, E>(
    items: I,
    jobs: usize,
    work: impl Fn(&T, &mut dyn FnMut(R)) -> R + Sync,
    mut sink: impl FnMut(R) -> Result<(), E>,
) -> Result<(), E>
where
    I: Iterator<Item = T> + Send,
    T: Send,
    R: Send,
{
    for_each_ordered_returning(items, jobs, work, |r| sink(r).map(|()| None))
}

/// [`for_each_ordered_in_parts`], where `sink` may hand a result back when it is done with it:
/// the result is then dropped on the thread that made it, whose allocator frees it on its fast
/// path — freed on the calling thread, every block went back through the other thread's queue
/// (about 5 % of a convert's perf samples, for the records, their rows and rendered bytes).
pub fn for_each_ordered_returning<I, T, R, E>(
    items: I,
    jobs: usize,
    work: impl Fn(&T, &mut dyn FnMut(R)) -> R + Sync,
    mut sink: impl FnMut(R) -> Result<Option<R>, E>,
) -> Result<(), E>
where
    I: Iterator<Item = T> + Send,
    T: Send,
    R: Send,
{
    if jobs <= 1 {
        for item in items {
            let mut failed = None;
            let last = work(&item, &mut |part| {
                if failed.is_none() {
                    failed = sink(part).err();
                }
            });
            if let Some(error) = failed {
                return Err(error);
            }
            sink(last)?;
        }
        return Ok(());
    }
    // What `sink` hands back, to each worker: dropped there before it takes its next item or
    // hands over its next part.
    let (returns, returned): (Vec<_>, Vec<_>) = (0..jobs).map(|_| mpsc::channel::<R>()).unzip();
    // Room for the calling thread's pauses (a sheet row flushed, a write the disk holds up)
    // without stalling the workers; 4 per thread cost about 0.05 s in 1.4 on 5,000 forms.
    let window = jobs * 16;
    let source = Mutex::new((0usize, items));
    let progress = (Mutex::new(Turn::default()), Condvar::new());
    let stop = AtomicBool::new(false);
    // Batches of (index, true for the item's result and false for an early part, the result or
    // part): a worker sends its results HELD at a time, so the calling thread (and the core it
    // takes from a worker) is woken once for several files, not for each.
    let (sender, receiver) = mpsc::sync_channel::<Vec<(usize, bool, R, usize)>>(window);
    std::thread::scope(|scope| {
        // Owned here, so that a panic in `sink` drops it before the scope joins the workers:
        // a worker blocked sending then stops, as one waiting for its turn does on `stopping`.
        let receiver = receiver;
        for (worker, returned) in returned.into_iter().enumerate() {
            let sender = sender.clone();
            let (source, progress, stop, work) = (&source, &progress, &stop, &work);
            scope.spawn(move || {
                // Results not sent yet. They go before this worker waits for anything (the
                // wait may be for them) and when it stops taking items.
                let mut held = Vec::with_capacity(HELD);
                let send = |held: &mut Vec<(usize, bool, R, usize)>| {
                    held.is_empty() || sender.send(std::mem::take(held)).is_ok()
                };
                loop {
                    // Ok(the next item and its index, or none left), or Err(items taken) when
                    // the window is full. Nobody waits holding `source`: a worker holding
                    // results may need it to get to sending them.
                    let taken = {
                        let mut source = source.lock().unwrap_or_else(|e| e.into_inner());
                        let turn = progress.0.lock().unwrap_or_else(|e| e.into_inner());
                        if source.0 >= turn.emitted + window {
                            Err(source.0)
                        } else {
                            drop(turn);
                            if stop.load(Ordering::Relaxed) {
                                return;
                            }
                            let item = source.1.next();
                            source.0 += usize::from(item.is_some());
                            Ok(item.map(|item| (source.0 - 1, item)))
                        }
                    };
                    let drain = || {
                        while let Ok(done) = returned.try_recv() {
                            drop(done);
                        }
                    };
                    drain();
                    let (index, item) = match taken {
                        Ok(Some(taken)) => taken,
                        Ok(None) => {
                            send(&mut held);
                            return;
                        }
                        Err(_) if !held.is_empty() => {
                            // The window may be waiting for these.
                            if !send(&mut held) {
                                return;
                            }
                            continue;
                        }
                        Err(taken) => {
                            let turn = progress.0.lock().unwrap_or_else(|e| e.into_inner());
                            drop(Turn::wait_while(turn, &progress.1, stop, |emitted| {
                                taken >= emitted + window
                            }));
                            if stop.load(Ordering::Relaxed) {
                                return;
                            }
                            continue;
                        }
                    };
                    let mut part = |part: R| {
                        // The parts handed back so far (a long file's would pile up).
                        drain();
                        if !send(&mut held) {
                            return; // the run is over; the result's send says so
                        }
                        let turn = progress.0.lock().unwrap_or_else(|e| e.into_inner());
                        drop(Turn::wait_while(turn, &progress.1, stop, |emitted| {
                            emitted < index
                        }));
                        if !stop.load(Ordering::Relaxed) {
                            // A closed channel means the run is over; the result's send says so.
                            let _ = sender.send(vec![(index, false, part, worker)]);
                        }
                    };
                    let last = work(&item, &mut part);
                    held.push((index, true, last, worker));
                    if held.len() >= HELD && !send(&mut held) {
                        return;
                    }
                }
            });
        }
        drop(sender);
        let stopping = StopOnExit {
            stop: &stop,
            progress: &progress,
        };
        let mut waiting = std::collections::BTreeMap::new();
        let mut next = 0;
        let mut result = Ok(());
        // Hands a result to `sink`, and what it hands back to the worker that made it (or drops
        // it here, once that worker is gone).
        let mut sink = |outcome: R, worker: usize| -> Result<(), E> {
            if let Some(done) = sink(outcome)? {
                let _ = returns[worker].send(done);
            }
            Ok(())
        };
        for (index, last, outcome, worker) in receiver.iter().flatten() {
            if !last {
                // Parts come only from the item next in turn, before its result.
                debug_assert_eq!(index, next);
                if result.is_ok() {
                    result = sink(outcome, worker);
                }
                if result.is_err() {
                    stopping.stop();
                }
                continue;
            }
            waiting.insert(index, (outcome, worker));
            while let Some((outcome, worker)) = waiting.remove(&next) {
                next += 1;
                if result.is_ok() {
                    result = sink(outcome, worker);
                }
                let mut turn = progress.0.lock().unwrap_or_else(|e| e.into_inner());
                turn.emitted = next;
                // Waking is a system call; most results find no worker waiting.
                let waiting = turn.waiting > 0;
                drop(turn);
                if waiting {
                    progress.1.notify_all();
                }
            }
            if result.is_err() {
                stopping.stop();
            }
        }
        drop(stopping);
        result
    })
}

/// Results a worker of [`for_each_ordered_in_parts`] holds before sending them together.
const HELD: usize = 8;

/// Stops the workers of [`for_each_ordered`] when the calling thread is done with them — by an
/// error of the sink, at the end, or by a panic unwinding through the sink.
struct StopOnExit<'a> {
    stop: &'a AtomicBool,
    progress: &'a (Mutex<Turn>, Condvar),
}

/// Whose turn it is in [`for_each_ordered_in_parts`]: how many items have reached the sink, and
/// how many workers wait for that to change.
#[derive(Default)]
struct Turn {
    emitted: usize,
    waiting: usize,
}

impl Turn {
    /// Waits (counted among the waiting) while `holds(emitted)` and the run goes on.
    fn wait_while<'a>(
        mut turn: std::sync::MutexGuard<'a, Turn>,
        changed: &Condvar,
        stop: &AtomicBool,
        holds: impl Fn(usize) -> bool,
    ) -> std::sync::MutexGuard<'a, Turn> {
        while holds(turn.emitted) && !stop.load(Ordering::Relaxed) {
            turn.waiting += 1;
            turn = changed.wait(turn).unwrap_or_else(|e| e.into_inner());
            turn.waiting -= 1;
        }
        turn
    }
}

impl StopOnExit<'_> {
    fn stop(&self) {
        // Under the workers' lock, so none can check the flag and then miss the wake-up.
        let guard = self.progress.0.lock().unwrap_or_else(|e| e.into_inner());
        self.stop.store(true, Ordering::Relaxed);
        drop(guard);
        self.progress.1.notify_all();
    }
}

impl Drop for StopOnExit<'_> {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The manifest line: how many forms (counted by kind when there are forms other than target
/// forms), and every sheet or form that yielded nothing — a reason shared by several sheets said
/// once, with their count.
fn outcome_message(records: &[Record], handed: &[FormKind], issues: &[SheetIssue]) -> String {
    let mut parts = Vec::new();
    let forms = records.len() + handed.len();
    let counts: Vec<(FormKind, usize)> = FormKind::ALL
        .into_iter()
        .map(|kind| {
            let read = records.iter().filter(|r| r.kind() == kind).count();
            (kind, read + handed.iter().filter(|k| **k == kind).count())
        })
        .filter(|(_, n)| *n > 0)
        .collect();
    match counts.as_slice() {
        [] => {}
        [(FormKind::Target, _)] => parts.push(format!("读取 {forms} 张表")),
        [(kind, _)] => parts.push(format!("读取 {forms} 张{}", kind.label())),
        _ => {
            let each: Vec<String> = counts
                .iter()
                .map(|(kind, n)| format!("{} {n} 张", kind.label()))
                .collect();
            parts.push(format!("读取 {forms} 张表（{}）", each.join("，")));
        }
    }
    // Sheets without a form are normal in a converted workbook (a 说明 sheet); only say so
    // when nothing was read, or for forms that were found but not used.
    let mut reasons: Vec<(&str, Vec<String>)> = Vec::new();
    for issue in issues {
        if forms > 0 && issue.kind == IssueKind::NoForm {
            continue;
        }
        let place = match &issue.cell {
            Some(cell) => format!("工作表“{}” {cell}", issue.sheet),
            None => format!("工作表“{}”", issue.sheet),
        };
        match reasons
            .iter_mut()
            .find(|(reason, _)| *reason == issue.reason)
        {
            Some((_, places)) => places.push(place),
            None => reasons.push((&issue.reason, vec![place])),
        }
    }
    for (reason, places) in reasons {
        if let [place] = places.as_slice() {
            parts.push(format!("{place}：{reason}"));
        } else {
            let names: Vec<&str> = places
                .iter()
                .take(3)
                .map(|p| p.trim_start_matches("工作表"))
                .collect();
            let more = if places.len() > 3 { "等" } else { "" };
            parts.push(format!(
                "{} 个工作表（{}{more}）均如此：{reason}",
                places.len(),
                names.join("、")
            ));
        }
    }
    if parts.is_empty() {
        parts.push("工作簿中没有工作表".into());
    }
    parts.join("；")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_hidden_and_foreign_files_are_skipped_with_a_reason() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["~$表.xlsx", ".hidden.xlsx", "说明.txt", "表.XLSX", "表.et"] {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        let files: Vec<InputFile> = walk_inputs(&[dir.path().to_path_buf()]).collect();
        let reason = |name: &str| {
            files
                .iter()
                .find(|f| f.shown.ends_with(name))
                .unwrap()
                .skip
                .clone()
        };
        assert!(reason("~$表.xlsx").unwrap().contains("锁定文件"));
        assert!(reason(".hidden.xlsx").unwrap().contains("隐藏"));
        assert!(reason("说明.txt").unwrap().contains(".txt"));
        assert_eq!(reason("表.XLSX"), None);
        assert_eq!(reason("表.et"), None);
    }

    #[test]
    fn results_come_in_input_order_whatever_the_thread_count() {
        for jobs in [1, 2, 3, 8] {
            let mut seen = Vec::new();
            let work = |n: &u64| {
                std::thread::sleep(std::time::Duration::from_micros((n * 7919) % 500));
                n * n
            };
            for_each_ordered(0..200u64, jobs, work, |r| {
                seen.push(r);
                Ok::<_, ()>(())
            })
            .unwrap();
            let expected: Vec<u64> = (0..200u64).map(|n| n * n).collect();
            assert_eq!(seen, expected, "jobs = {jobs}");
        }
    }

    #[test]
    fn a_full_window_never_stalls_workers_holding_results() {
        // A slow sink fills the window again and again while workers hold results unsent: one
        // waiting for the window must not keep another from sending what it holds.
        for jobs in [2, 3] {
            let (done, finished) = mpsc::channel();
            std::thread::spawn(move || {
                let mut seen = 0u32;
                let work = |n: &u32| {
                    if n.is_multiple_of(7) {
                        std::thread::sleep(std::time::Duration::from_micros(300));
                    }
                    *n
                };
                let result = for_each_ordered(0..3_000u32, jobs, work, |n| {
                    assert_eq!(n, seen);
                    seen += 1;
                    if n.is_multiple_of(5) {
                        std::thread::sleep(std::time::Duration::from_micros(50));
                    }
                    Ok::<_, ()>(())
                });
                let _ = done.send((result, seen));
            });
            let outcome = finished.recv_timeout(std::time::Duration::from_secs(60));
            assert_eq!(outcome, Ok((Ok(()), 3_000)), "jobs = {jobs}");
        }
    }

    #[test]
    fn parts_come_before_their_items_result_and_after_the_items_before() {
        for jobs in [1, 2, 3, 8] {
            let mut seen = Vec::new();
            // Every fifth item hands over three parts, (n, 0) (n, 1) (n, 2), then (n, 3).
            let work = |n: &u32, part: &mut dyn FnMut((u32, u32))| {
                std::thread::sleep(std::time::Duration::from_micros(u64::from(n * 7919) % 500));
                if n.is_multiple_of(5) {
                    for i in 0..3 {
                        part((*n, i));
                    }
                    (*n, 3)
                } else {
                    (*n, 0)
                }
            };
            for_each_ordered_in_parts(0..100u32, jobs, work, |r| {
                seen.push(r);
                Ok::<_, ()>(())
            })
            .unwrap();
            let expected: Vec<(u32, u32)> = (0..100u32)
                .flat_map(|n| {
                    let parts = if n.is_multiple_of(5) { 0..4 } else { 0..1 };
                    parts.map(move |i| (n, i))
                })
                .collect();
            assert_eq!(seen, expected, "jobs = {jobs}");
        }
    }

    #[test]
    fn a_sink_error_on_a_part_stops_the_run() {
        for jobs in [1, 4] {
            let mut seen = 0;
            let result = for_each_ordered_in_parts(
                0..1_000u32,
                jobs,
                |n, part| {
                    part(*n);
                    *n
                },
                |n| {
                    seen += 1;
                    if n == 10 { Err(n) } else { Ok(()) }
                },
            );
            assert_eq!(result, Err(10));
            assert!(seen < 100, "jobs = {jobs}: {seen}");
        }
    }

    #[test]
    fn the_sinks_first_error_stops_the_run() {
        let mut seen = 0;
        let result = for_each_ordered(
            0..10_000u32,
            4,
            |n| *n,
            |n| {
                seen += 1;
                if n == 10 { Err(n) } else { Ok(()) }
            },
        );
        assert_eq!(result, Err(10));
        assert_eq!(seen, 11);
    }

    #[test]
    fn results_handed_back_are_dropped_by_the_thread_that_made_them() {
        use std::sync::{Arc, Mutex};
        use std::thread::ThreadId;
        /// A result that notes where it was made and where it was dropped.
        struct Noted {
            n: u32,
            made: ThreadId,
            drops: Arc<Mutex<Vec<(u32, bool)>>>,
        }
        impl Drop for Noted {
            fn drop(&mut self) {
                let here = std::thread::current().id() == self.made;
                self.drops.lock().unwrap().push((self.n, here));
            }
        }
        let drops = Arc::new(Mutex::new(Vec::new()));
        let caller = std::thread::current().id();
        let mut order = Vec::new();
        for_each_ordered_returning(
            0..2_000u32,
            2,
            |n, _| Noted {
                n: *n,
                made: std::thread::current().id(),
                drops: drops.clone(),
            },
            |noted| {
                assert_ne!(noted.made, caller, "made on a worker");
                order.push(noted.n);
                Ok::<_, ()>(Some(noted))
            },
        )
        .unwrap();
        assert_eq!(order, (0..2_000).collect::<Vec<_>>(), "in order");
        let mut drops = drops.lock().unwrap().clone();
        let (total, at_home) = (drops.len(), drops.iter().filter(|(_, here)| *here).count());
        drops.sort();
        drops.dedup_by_key(|(n, _)| *n);
        assert_eq!(
            (total, drops.len()),
            (2_000, 2_000),
            "every result dropped once"
        );
        // Only those handed back after their worker had stopped are dropped elsewhere: at most
        // the window's worth.
        assert!(
            at_home >= 2_000 - 64,
            "{at_home} dropped where they were made"
        );
    }

    #[test]
    fn the_parts_of_a_long_item_handed_back_do_not_pile_up() {
        use std::sync::Arc;
        use std::sync::atomic::AtomicUsize;
        /// Counts itself among the live while it lives.
        struct Live(Arc<AtomicUsize>);
        impl Drop for Live {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::SeqCst);
            }
        }
        let live = Arc::new(AtomicUsize::new(0));
        let most = AtomicUsize::new(0);
        let make = || {
            let now = live.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(now, Ordering::SeqCst);
            Live(live.clone())
        };
        let mut seen = 0;
        for_each_ordered_returning(
            0..4u32,
            2,
            |n, part| {
                // Item 1 is a long file of 3,000 parts (a flat export read in pieces).
                for _ in 0..if *n == 1 { 3_000 } else { 0 } {
                    part(make());
                }
                make()
            },
            |live| {
                seen += 1;
                Ok::<_, ()>(Some(live))
            },
        )
        .unwrap();
        assert_eq!(seen, 3_004);
        assert_eq!(live.load(Ordering::SeqCst), 0, "all dropped at the end");
        let most = most.load(Ordering::SeqCst);
        assert!(most <= 100, "{most} parts alive at once");
    }

    #[test]
    fn a_failing_sink_never_leaves_a_worker_asleep() {
        for round in 0..200u32 {
            let result = for_each_ordered(0..1_000u32, 3, |n| *n, |_| Err::<(), u32>(round));
            assert_eq!(result, Err(round));
        }
    }

    #[test]
    fn a_panic_in_the_sink_stops_the_workers_and_unwinds() {
        // rust_xlsxwriter panics when a full disk fails a write in constant-memory mode: the run
        // waited forever for workers blocked on the full window.
        let caught = crate::panic_guard::guarded(|| {
            for_each_ordered(
                0..10_000u32,
                3,
                |n| *n,
                |n| {
                    assert!(n < 20, "the sink gives up");
                    Ok::<(), ()>(())
                },
            )
        });
        assert!(caught.unwrap_err().contains("the sink gives up"));
    }

    #[test]
    fn a_reason_shared_by_many_sheets_is_said_once_and_messages_stay_short() {
        let issues: Vec<SheetIssue> = (1..=40)
            .map(|i| SheetIssue {
                sheet: format!("Sheet{i}"),
                cell: None,
                kind: IssueKind::NoForm,
                reason: "工作表为空".into(),
            })
            .collect();
        let message = outcome_message(&[], &[], &issues);
        assert_eq!(message.matches("工作表为空").count(), 1, "{message}");
        assert!(message.starts_with("40 个工作表"), "{message}");
        let long = "很长的原因".repeat(100);
        let capped = capped(long);
        assert_eq!(capped.chars().count(), 200);
        assert!(capped.ends_with('…'));
    }

    #[test]
    fn walking_is_sorted_and_hidden_folders_are_listed_not_entered() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        std::fs::write(dir.path().join(".git").join("a.xlsx"), b"x").unwrap();
        std::fs::write(dir.path().join("b.xlsx"), b"x").unwrap();
        std::fs::write(dir.path().join("a.xlsx"), b"x").unwrap();
        let files: Vec<InputFile> = walk_inputs(&[dir.path().to_path_buf()]).collect();
        let names: Vec<String> = files
            .iter()
            .map(|f| f.path.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, [".git", "a.xlsx", "b.xlsx"]);
        assert!(files[0].skip.as_deref().unwrap().contains("隐藏文件夹"));
    }
}
