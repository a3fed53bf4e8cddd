//! The output folder, one generation at a time: a reader of the folder sees the complete old set
//! of outputs or the complete new set, never a mix, never an empty or half-written file.
//!
//! - **A lock** (`.NAME.jixiao-lock` beside the folder, an operating-system file lock released
//!   when the process ends, however it ends) lets one run at a time write into a folder; a second
//!   is refused at once, naming the first (or waits, with `wait`).
//! - **A staging folder** (`.NAME.jixiao-staging-PID` beside it) receives every output; each file
//!   is synced to disk, then the staging folder and the output folder are **exchanged in one
//!   step** (`renameat2(RENAME_EXCHANGE)` on Linux; where the system has no such call, two renames
//!   in a row, between which the folder is briefly absent — never mixed), and the parent folder is
//!   synced. Files in the folder that jixiao did not make are carried over into the new one.
//! - **Clean-up**: the next run into the folder removes what a killed run left (its staging or old
//!   folder, `.…partial-PID` files of earlier versions) — only names jixiao makes, and never a
//!   file jixiao did not make.
//!
//! Where the parent folder cannot be written, the outputs are staged inside the output folder and
//! renamed into place one by one (the only case where a crash between two renames can mix runs).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::error::{Error, ErrorKind, Result};

/// The files jixiao writes into an output folder (the evaluation files only when a batch holds
/// self-evaluations, review.csv only when forms are reviewed).
pub const OUTPUT_NAMES: [&str; 9] = [
    "summary.xlsx",
    "projects.csv",
    "indicators.csv",
    "projects.jsonl",
    "manifest.csv",
    "review.csv",
    "evaluations.jsonl",
    "evaluations.csv",
    "evaluation_indicators.csv",
];

/// Marks a folder as jixiao's output folder, so a later run may replace its outputs.
const MARKER: &str = ".jixiao-output";

const MARKER_TEXT: &str =
    "jixiao 的输出目录：再次运行会整体替换其中 jixiao 写出的文件（下列各文件），其他文件保留。\n";

/// How the outputs reach the folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Staged beside the folder and exchanged with it in one step.
    Swap,
    /// Staged inside the folder and renamed into place one by one.
    InPlace,
}

/// The output folder of one run: locked, with a staging folder the outputs are written into.
#[derive(Debug)]
pub struct OutputDir {
    /// The folder users open.
    target: PathBuf,
    /// Where the outputs are written until they are committed.
    staging: PathBuf,
    mode: Mode,
    /// The lock file, held (locked) for the whole run.
    lock: Option<File>,
    lock_path: PathBuf,
    /// Outputs written into the staging folder.
    written: Vec<String>,
    /// Working files of the run, never committed.
    scratch: Vec<PathBuf>,
    /// Outputs finished early, being synced to disk while the run goes on.
    syncing: Vec<(String, JoinHandle<std::io::Result<()>>)>,
    committed: bool,
}

impl OutputDir {
    /// Opens the output folder for a run: refuses a folder that holds other files and was not
    /// made by jixiao unless `force`; takes the lock (or, with `wait`, waits for it); removes what
    /// killed runs left; makes the staging folder.
    pub fn create(dir: &Path, force: bool, wait: bool) -> Result<OutputDir> {
        let target = absolute(dir)?;
        refuse_foreign(&target, force)?;
        let parent = target
            .parent()
            .ok_or_else(|| error(&target, "不能把根目录作为输出目录".into()))?
            .to_path_buf();
        let name = folder_name(&target);
        std::fs::create_dir_all(&parent).map_err(|e| io_error(&parent, &e))?;
        let lock_path = parent.join(format!(".{name}.jixiao-lock"));
        let (lock, lock_path, mode) = match take_lock(&lock_path, &target, wait) {
            Ok(lock) => (lock, lock_path, Mode::Swap),
            // A parent folder we may not write: lock and stage inside the output folder.
            Err(LockError::Io(e)) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                std::fs::create_dir_all(&target).map_err(|e| io_error(&target, &e))?;
                let inner = target.join(".jixiao-lock");
                let lock = take_lock(&inner, &target, wait).map_err(|e| e.into_error(&inner))?;
                (lock, inner, Mode::InPlace)
            }
            Err(e) => return Err(e.into_error(&lock_path)),
        };
        let staging = match mode {
            Mode::Swap => parent.join(format!(".{name}.jixiao-staging-{}", std::process::id())),
            Mode::InPlace => target.join(format!(".jixiao-staging-{}", std::process::id())),
        };
        let out = OutputDir {
            target,
            staging,
            mode,
            lock: Some(lock),
            lock_path,
            written: Vec::new(),
            scratch: Vec::new(),
            syncing: Vec::new(),
            committed: false,
        };
        out.clean_up_after_killed_runs()?;
        std::fs::create_dir_all(&out.staging).map_err(|e| io_error(&out.staging, &e))?;
        Ok(out)
    }

    /// The folder the outputs are written into until they are committed.
    pub fn path(&self) -> &Path {
        &self.staging
    }

    /// The folder users open.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Paths the run makes beside (or in) the folder, which an input walk must pass over in
    /// silence: the lock file and the staging folder.
    pub fn own_paths(&self) -> Vec<PathBuf> {
        vec![self.lock_path.clone(), self.staging.clone()]
    }

    /// The path the output `name` is written to (in the staging folder).
    pub fn temp_path(&mut self, name: &str) -> PathBuf {
        if !self.written.iter().any(|n| n == name) {
            self.written.push(name.to_owned());
        }
        self.staging.join(name)
    }

    /// Creates the output `name` in the staging folder.
    pub fn create_file(&mut self, name: &str) -> Result<File> {
        let path = self.temp_path(name);
        File::create(&path).map_err(|e| io_error(&path, &e))
    }

    /// Starts syncing a finished output to disk on a thread of its own, so the disk works while
    /// the run goes on (the summary workbook is still being saved); `commit` waits for it.
    pub fn sync_early(&mut self, name: &str, file: File) {
        let sync = std::thread::spawn(move || file.sync_all());
        self.syncing.push((name.to_owned(), sync));
    }

    /// Creates a working file of the run (removed before the outputs are committed, and when the
    /// run ends, whatever happens).
    pub fn create_scratch(&mut self, name: &str) -> Result<(PathBuf, File)> {
        let path = self.staging.join(format!(".{name}"));
        let file = File::create(&path).map_err(|e| io_error(&path, &e))?;
        self.scratch.push(path.clone());
        Ok((path, file))
    }

    /// Makes the new outputs the folder's, all at once: syncs every file and the staging folder,
    /// exchanges it with the output folder (or renames it into place), carries over the files
    /// jixiao did not make, syncs the parent, removes the old generation. Returns the outputs'
    /// final paths.
    pub fn commit(mut self) -> Result<Vec<PathBuf>> {
        for path in std::mem::take(&mut self.scratch) {
            let _ = std::fs::remove_file(path);
        }
        let syncing = std::mem::take(&mut self.syncing);
        for name in &self.written {
            if !syncing.iter().any(|(early, _)| early == name) {
                sync_file(&self.staging.join(name))?;
            }
        }
        for (name, sync) in syncing {
            let path = self.staging.join(&name);
            let synced = sync
                .join()
                .unwrap_or_else(|_| Err(std::io::Error::other("同步线程意外退出")));
            synced.map_err(|e| io_error(&path, &e))?;
        }
        // The marker lists this generation's files, so the next run knows them for its own.
        let marker = self.staging.join(MARKER);
        let mut listing = MARKER_TEXT.to_owned();
        for name in &self.written {
            listing.push_str(name);
            listing.push('\n');
        }
        write_synced(&marker, listing.as_bytes())?;
        sync_dir(&self.staging);
        crate::pause::point("staged");
        let mut done: Vec<PathBuf> = Vec::new();
        match self.mode {
            Mode::Swap => self.swap_in()?,
            Mode::InPlace => self.rename_in()?,
        }
        self.committed = true;
        for name in &self.written {
            done.push(self.target.join(name));
        }
        Ok(done)
    }

    /// The staging folder exchanged with the output folder in one step.
    fn swap_in(&mut self) -> Result<()> {
        let parent = self
            .target
            .parent()
            .expect("checked in create")
            .to_path_buf();
        let old = parent.join(format!(
            ".{}.jixiao-old-{}",
            folder_name(&self.target),
            std::process::id()
        ));
        if !self.target.exists() {
            std::fs::rename(&self.staging, &self.target).map_err(|e| io_error(&self.target, &e))?;
            sync_dir(&parent);
            return Ok(());
        }
        if !exchange(&self.staging, &self.target) {
            // No exchange on this system: two renames, the folder briefly absent between them.
            std::fs::rename(&self.target, &old).map_err(|e| io_error(&self.target, &e))?;
            std::fs::rename(&self.staging, &self.target).map_err(|e| io_error(&self.target, &e))?;
        } else {
            std::fs::rename(&self.staging, &old).map_err(|e| io_error(&old, &e))?;
        }
        sync_dir(&parent);
        crate::pause::point("swapped");
        // The old generation: files jixiao did not make go on living in the new folder.
        carry_over_foreign(&old, &self.target)?;
        remove_generation(&old);
        sync_dir(&parent);
        Ok(())
    }

    /// Outputs renamed into place one by one (staging inside the folder).
    fn rename_in(&mut self) -> Result<()> {
        let earlier = listed(&self.target);
        for name in &self.written {
            let to = self.target.join(name);
            std::fs::rename(self.staging.join(name), &to).map_err(|e| io_error(&to, &e))?;
        }
        std::fs::rename(self.staging.join(MARKER), self.target.join(MARKER))
            .map_err(|e| io_error(&self.target, &e))?;
        remove_stale_outputs(&self.target, &self.written, &earlier)?;
        let _ = std::fs::remove_dir_all(&self.staging);
        sync_dir(&self.target);
        Ok(())
    }

    /// Removes what killed runs left: staging and old folders beside the output folder (or in
    /// it), and `.NAME.partial-PID` files of earlier versions. Only names jixiao makes; the lock
    /// is held, so no live run owns them.
    fn clean_up_after_killed_runs(&self) -> Result<()> {
        let name = folder_name(&self.target);
        if let Some(parent) = self.target.parent() {
            let staging = format!(".{name}.jixiao-staging-");
            let old = format!(".{name}.jixiao-old-");
            for entry in read_dir_names(parent) {
                let left = [&staging, &old]
                    .iter()
                    .any(|prefix| has_pid_suffix(&entry, prefix));
                if left {
                    let path = parent.join(&entry);
                    if path.is_dir() && self.target.is_dir() {
                        carry_over_foreign(&path, &self.target)?;
                    }
                    remove_generation(&path);
                }
            }
        }
        if self.target.is_dir() {
            for entry in read_dir_names(&self.target) {
                let partial = OUTPUT_NAMES
                    .iter()
                    .any(|n| has_pid_suffix(&entry, &format!(".{n}.partial-")))
                    || has_pid_suffix(&entry, ".jixiao-staging-");
                if partial {
                    let path = self.target.join(&entry);
                    if path.is_dir() {
                        remove_generation(&path);
                    } else {
                        let _ = std::fs::remove_file(path);
                    }
                }
            }
        }
        Ok(())
    }
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        // Files still being synced are closed first (Windows removes no open file).
        for (_, sync) in std::mem::take(&mut self.syncing) {
            let _ = sync.join();
        }
        if !self.committed {
            for path in &self.scratch {
                let _ = std::fs::remove_file(path);
            }
            if self.mode == Mode::Swap || self.staging.starts_with(&self.target) {
                remove_generation(&self.staging);
            }
        }
        // The lock is released when the file is closed; the empty lock file is left for the next.
        self.lock.take();
    }
}

/// An output error naming the path, in words a clerk follows where the system's reason is known
/// (a full disk, a read-only folder, no permission).
pub fn output_error(path: &Path, error: impl std::fmt::Display) -> Error {
    Error::in_file(
        path.display().to_string(),
        ErrorKind::Output(error.to_string()),
    )
}

/// An I/O error while writing an output, with what a clerk can do about it.
pub fn io_error(path: &Path, error: &std::io::Error) -> Error {
    use std::io::ErrorKind as K;
    let words = match error.kind() {
        K::StorageFull | K::QuotaExceeded | K::FileTooLarge => {
            let written = path.parent().map(folder_size).map_or(String::new(), |b| {
                format!("（本次已写出 {}）", crate::read::limits::human_bytes(b))
            });
            format!("磁盘空间不足{written}；旧的结果保持不变，请腾出空间后重新运行（{error}）")
        }
        K::ReadOnlyFilesystem => format!("输出目录所在的磁盘只读；请换一个输出目录（{error}）"),
        K::PermissionDenied => {
            format!("没有写入权限；旧的结果保持不变，请换一个输出目录或检查权限（{error}）")
        }
        _ => error.to_string(),
    };
    output_error(path, words)
}

fn error(path: &Path, message: String) -> Error {
    output_error(path, message)
}

fn absolute(dir: &Path) -> Result<PathBuf> {
    let joined = if dir.is_absolute() {
        dir.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|e| io_error(dir, &e))?
            .join(dir)
    };
    // "out/." and "out/" name the folder "out".
    let mut clean = PathBuf::new();
    for part in joined.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                clean.pop();
            }
            other => clean.push(other),
        }
    }
    Ok(clean)
}

fn folder_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "jixiao-out".into())
}

/// A folder that already holds other files and was not made by jixiao is refused unless
/// `force`, so nothing is clobbered silently.
fn refuse_foreign(dir: &Path, force: bool) -> Result<()> {
    if !dir.is_dir() || dir.join(MARKER).exists() || force {
        return Ok(());
    }
    let mut foreign: Vec<String> = read_dir_names(dir)
        .into_iter()
        .filter(|name| !name.starts_with('.'))
        .collect();
    if foreign.is_empty() {
        return Ok(());
    }
    foreign.sort();
    let count = foreign.len();
    foreign.truncate(3);
    let message = format!(
        "输出目录已有其他文件（{} 等 {count} 个），为免覆盖未写入；请换一个空目录，或加 --force",
        foreign.join("、")
    );
    Err(error(dir, message))
}

enum LockError {
    Held(String),
    Io(std::io::Error),
}

impl LockError {
    fn into_error(self, lock: &Path) -> Error {
        match self {
            LockError::Held(message) => error(lock.parent().unwrap_or(lock), message),
            LockError::Io(e) => io_error(lock, &e),
        }
    }
}

/// Takes the folder's lock (an OS file lock, released however the holder ends) and writes who
/// holds it; a lock held by a live run refuses (naming it), or is waited for.
fn take_lock(path: &Path, target: &Path, wait: bool) -> std::result::Result<File, LockError> {
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(LockError::Io)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) if wait => {
            file.lock().map_err(LockError::Io)?;
        }
        Err(std::fs::TryLockError::WouldBlock) => {
            let holder = std::fs::read_to_string(path).unwrap_or_default();
            let holder = holder.trim();
            let who = if holder.is_empty() {
                "另一次运行".to_owned()
            } else {
                format!("另一次运行（{holder}）")
            };
            return Err(LockError::Held(format!(
                "输出目录 {} 正由{who}写入；请等它结束后再运行，或加 --wait 排队等候",
                target.display()
            )));
        }
        Err(std::fs::TryLockError::Error(e)) => return Err(LockError::Io(e)),
    }
    let started = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let holder = format!("进程 {}，开始于 {}", std::process::id(), utc_time(started));
    file.set_len(0).map_err(LockError::Io)?;
    file.write_all(holder.as_bytes()).map_err(LockError::Io)?;
    Ok(file)
}

/// "2026-11-28 23:40:12 UTC" from seconds since 1970.
fn utc_time(seconds: u64) -> String {
    let days = (seconds / 86_400) as i64;
    let rest = seconds % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rest / 3_600,
        rest % 3_600 / 60,
        rest % 60
    )
}

/// Exchanges two folders in one step; false where the system cannot.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> bool {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let (Ok(a), Ok(b)) = (
        CString::new(a.as_os_str().as_bytes()),
        CString::new(b.as_os_str().as_bytes()),
    ) else {
        return false;
    };
    // SAFETY: both arguments are valid NUL-terminated paths that outlive the call.
    let result = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    result == 0
}

#[cfg(not(target_os = "linux"))]
fn exchange(_a: &Path, _b: &Path) -> bool {
    false
}

/// The files a generation folder's marker lists as written by jixiao.
fn listed(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join(MARKER))
        .map(|text| text.lines().skip(1).map(str::to_owned).collect())
        .unwrap_or_default()
}

/// Moves the entries of an old generation that jixiao did not make into the output folder
/// (unless the folder already has one of that name).
fn carry_over_foreign(old: &Path, target: &Path) -> Result<()> {
    let listed = listed(old);
    for name in read_dir_names(old) {
        if is_own(&name) || listed.contains(&name) {
            continue;
        }
        let to = target.join(&name);
        if !to.exists() {
            std::fs::rename(old.join(&name), &to).map_err(|e| io_error(&to, &e))?;
        }
    }
    Ok(())
}

/// True for the names jixiao makes in an output folder.
fn is_own(name: &str) -> bool {
    name == MARKER
        || OUTPUT_NAMES.contains(&name)
        || OUTPUT_NAMES
            .iter()
            .any(|n| has_pid_suffix(name, &format!(".{n}.partial-")))
        || name.starts_with(".jixiao-staging-")
        || name.starts_with('.') && name.ends_with(".spill")
        || is_xlsxwriter_temp(name)
}

/// The temporary sheet files rust_xlsxwriter's constant-memory mode makes in its temp folder,
/// where the system cannot make them nameless: ".tmp" and six random letters or digits.
fn is_xlsxwriter_temp(name: &str) -> bool {
    name.strip_prefix(".tmp")
        .is_some_and(|rest| rest.len() == 6 && rest.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// Removes a generation folder of jixiao's: its own files, then the folder if nothing else is
/// left (a file jixiao did not make keeps it, and itself, in place).
fn remove_generation(dir: &Path) {
    let listed = listed(dir);
    for name in read_dir_names(dir) {
        if is_own(&name) || listed.contains(&name) {
            let path = dir.join(&name);
            if path.is_dir() {
                remove_generation(&path);
            } else {
                let _ = std::fs::remove_file(path);
            }
        }
    }
    let _ = std::fs::remove_dir(dir);
}

/// Outputs of an earlier run that this run does not write (evaluations.csv after a batch
/// without self-evaluations), so the folder never holds outputs of two runs.
fn remove_stale_outputs(dir: &Path, written: &[String], earlier: &[String]) -> Result<()> {
    let names = OUTPUT_NAMES
        .iter()
        .map(|n| (*n).to_owned())
        .chain(earlier.iter().cloned());
    for name in names {
        let stale = dir.join(&name);
        if !written.contains(&name) && stale.is_file() {
            std::fs::remove_file(&stale).map_err(|e| io_error(&stale, &e))?;
        }
    }
    Ok(())
}

fn has_pid_suffix(name: &str, prefix: &str) -> bool {
    name.strip_prefix(prefix)
        .is_some_and(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
}

fn read_dir_names(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn folder_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok()?.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

/// Writes a small file and syncs it.
fn write_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = File::create(path).map_err(|e| io_error(path, &e))?;
    file.write_all(bytes).map_err(|e| io_error(path, &e))?;
    file.sync_all().map_err(|e| io_error(path, &e))
}

/// Syncs a written file's data to disk.
fn sync_file(path: &Path) -> Result<()> {
    let file = OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| io_error(path, &e))?;
    file.sync_all().map_err(|e| io_error(path, &e))
}

/// Syncs a folder's entries (Unix; Windows has no handle on a folder to flush and commits the
/// rename's metadata itself).
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(handle) = File::open(dir) {
        let _ = handle.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_written_in_utc() {
        assert_eq!(utc_time(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc_time(1_795_563_612), "2026-11-24 23:40:12 UTC");
        assert_eq!(utc_time(951_782_400), "2000-02-29 00:00:00 UTC");
    }

    #[test]
    fn only_names_jixiao_makes_are_its_own() {
        assert!(is_own("summary.xlsx") && is_own(".jixiao-output"));
        assert!(is_own(".projects.csv.partial-1234"));
        assert!(!is_own("部门报送说明.docx"));
        assert!(!is_own(".projects.csv.partial-x"));
        assert!(is_own(".tmpA1b2C3") && !is_own("tmp_notes.txt") && !is_own(".tmp"));
        assert!(has_pid_suffix(
            ".out.jixiao-staging-42",
            ".out.jixiao-staging-"
        ));
        assert!(!has_pid_suffix(
            ".out.jixiao-staging-",
            ".out.jixiao-staging-"
        ));
    }
}
