//! The store (`--store FILE`): every batch kept in one SQLite file a clerk can copy — the
//! batches, the files (by content hash), every record with its indicators, tasks, review findings
//! and warnings — so a later batch finds last autumn's targets, a corrected form supersedes the
//! one before it (which stays as history), and a project can be followed across years.
//!
//! One batch is one transaction: a run killed half-way leaves the store as it was. A second
//! writer waits for the first (with `--wait`) or is refused with one clear line; lookups during a
//! batch read the last committed state (write-ahead log), so they never see a half-written batch.

#[cfg(target_os = "linux")]
mod direct_vfs;
mod import;
mod push;
pub mod query;
pub mod record_json;
pub mod schema;
mod writer;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use crate::error::{Error, ErrorKind, Result};
pub use import::{BatchCounts, FileEntry, Inserts, RecordRows, StoredBatch, content_hash, digest};
pub use push::{DEFAULT_SCHEMA, PushReport, TablePush};
pub use query::{BatchRow, FileRow, HistoryRow, StoreInfo, StoredTarget};
pub use writer::BatchWriter;

/// How long a writer waits for another one without `--wait`.
const BUSY_WAIT: Duration = Duration::from_secs(5);
/// How long a writer waits with `--wait`.
const LONG_WAIT: Duration = Duration::from_secs(24 * 3600);

/// An open store.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// The batch being written, once begun.
    batch: Option<import::OpenBatch>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

/// A store error, in a clerk's words, on the store's file.
fn store_error(path: &Path, message: impl Into<String>) -> Error {
    Error::in_file(path.display().to_string(), ErrorKind::Store(message.into()))
}

/// SQLite's error in a clerk's words.
fn sql_error(path: &Path, error: &rusqlite::Error) -> Error {
    use rusqlite::ErrorCode;
    let message = match error.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            "存储文件正被另一个 jixiao 写入；请等它写完再试，或加 --wait 等待".to_owned()
        }
        Some(ErrorCode::NotADatabase) => {
            "不是 jixiao 的存储文件（不是 SQLite 数据库，或已损坏）".to_owned()
        }
        Some(ErrorCode::DatabaseCorrupt) => {
            "存储文件已损坏；请用备份恢复，或用 jixiao store check 查看".to_owned()
        }
        Some(ErrorCode::DiskFull) => "磁盘已满，存储文件未能写入".to_owned(),
        Some(ErrorCode::ReadOnly | ErrorCode::PermissionDenied) => {
            "没有写入存储文件的权限".to_owned()
        }
        Some(ErrorCode::CannotOpen) => "无法打开存储文件（文件夹不存在或没有权限）".to_owned(),
        _ => format!("存储文件读写出错（{error}）"),
    };
    store_error(path, message)
}

/// One query plan per statement, whatever its bound values: without it SQLite recompiles a
/// lookup each time a value changes (a tenth of a batch's time in the store went to that).
fn stable_plans(conn: &Connection, path: &Path) -> Result<()> {
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )
    .map(|_| ())
    .map_err(|e| sql_error(path, &e))
}

impl Store {
    /// Opens a store for writing, creating it when missing and migrating an older one; refuses
    /// one a newer jixiao wrote. With `wait`, a batch waits for another writer to finish.
    pub fn open(path: &Path, wait: bool) -> Result<Store> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
            && !parent.exists()
        {
            std::fs::create_dir_all(parent)
                .map_err(|e| store_error(path, format!("无法建立存储文件所在的文件夹（{e}）")))?;
        }
        let conn = open_for_batches(path).map_err(|e| sql_error(path, &e))?;
        Store::prepare(conn, path, if wait { LONG_WAIT } else { BUSY_WAIT })
    }

    /// Opens an existing store (for `history`, `store info`, `store check`, `store push`): one
    /// that does not exist is an error, not a new empty store.
    pub fn open_existing(path: &Path) -> Result<Store> {
        if !path.is_file() {
            return Err(store_error(path, "存储文件不存在"));
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| sql_error(path, &e))?;
        Store::prepare(conn, path, BUSY_WAIT)
    }

    fn prepare(conn: Connection, path: &Path, wait: Duration) -> Result<Store> {
        conn.busy_timeout(wait).map_err(|e| sql_error(path, &e))?;
        // Room for every statement the lookups, queries and pushes repeat (a batch's inserts are
        // prepared once for the batch, see `import::Inserts`).
        conn.set_prepared_statement_cache_capacity(32);
        stable_plans(&conn, path)?;
        // The write-ahead log lets lookups read the last committed state while a batch writes. A
        // new store has 16 KB pages (before the log is on; an existing store keeps its own): a
        // record's JSON (~5 KB) fits a page instead of spilling over two of 4 KB.
        // The tables declare their foreign keys (for SQL tools, and PostgreSQL gets them as
        // constraints), but SQLite does not look each one up as a row goes in: the batch writer
        // inserts every parent before its children, and `store check` verifies all of them. The
        // lookup was one per indicator row: 6,000 forms, 8 interleaved rounds, convert --store
        // 1.42× → 1.31× of convert.
        let pragmas = "PRAGMA page_size = 16384; PRAGMA journal_mode = WAL; \
                       PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = OFF;";
        // Turning a new store's log on takes the file for itself and does not wait for the busy
        // timeout: with several runs starting together on a new store, it is tried again until
        // the others let go (the mode stays with the file, so only the first run's switch works).
        let started = std::time::Instant::now();
        loop {
            match conn.execute_batch(pragmas) {
                Ok(()) => break,
                Err(e)
                    if matches!(
                        e.sqlite_error_code(),
                        Some(
                            rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                        )
                    ) && started.elapsed() < wait =>
                {
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(e) => return Err(sql_error(path, &e)),
            }
        }
        let mut store = Store {
            conn,
            path: path.to_owned(),
            batch: None,
        };
        match schema::migrate(&mut store.conn) {
            Ok(()) => Ok(store),
            Err(schema::MigrateError::Newer(found)) => Err(store_error(
                path,
                format!(
                    "存储文件由更新版本的 jixiao 写入（结构版本 {found}，本版本只认识到 {}）；请升级 jixiao",
                    schema::VERSION
                ),
            )),
            Err(schema::MigrateError::Sql(e)) => Err(sql_error(path, &e)),
        }
    }

    /// The store's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A connection that only reads, for lookups from other threads while a batch writes.
    pub fn reader(&self) -> Result<Reader> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&self.path, flags)
            .map_err(|e| sql_error(&self.path, &e))?;
        conn.busy_timeout(BUSY_WAIT)
            .map_err(|e| sql_error(&self.path, &e))?;
        stable_plans(&conn, &self.path)?;
        Ok(Reader {
            conn: std::sync::Mutex::new(conn),
            path: self.path.clone(),
            target_years: Default::default(),
        })
    }

    /// Writes the log back into the one file (so a copy of it is the whole store) and closes.
    pub fn close(self) -> Result<()> {
        self.conn
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
            .map_err(|e| sql_error(&self.path, &e))?;
        self.conn
            .close()
            .map_err(|(_, e)| sql_error(&self.path, &e))
    }
}

/// A store's connection for writing batches: on Linux through the shim that can write the
/// database file past the page cache ([`direct_vfs`]; it does nothing until a batch asks).
fn open_for_batches(path: &Path) -> rusqlite::Result<Connection> {
    #[cfg(target_os = "linux")]
    if direct_vfs::register() {
        return Connection::open_with_flags_and_vfs(path, OpenFlags::default(), direct_vfs::NAME);
    }
    Connection::open(path)
}

/// The size of the write-ahead log from which a batch's checkpoint writes the database file past
/// the page cache: a smaller one is quicker through it (6,000 forms, 31 MB: 1.02× slower direct;
/// 150,000 forms, 769 MB: 22.3 s against 26–33 s).
#[cfg(target_os = "linux")]
const DIRECT_CHECKPOINT: u64 = 64 * 1024 * 1024;

/// Before a commit whose checkpoint will copy a large log into the database file: has it write
/// past the page cache (Linux; elsewhere, or where the file system refuses, nothing changes).
/// `JIXIAO_DIRECT_CHECKPOINT_BYTES` in the environment sets the line instead (the kill tests run
/// small batches through the direct path with it at 0).
fn prepare_large_checkpoint(conn: &Connection, path: &Path) {
    #[cfg(target_os = "linux")]
    {
        let line = std::env::var("JIXIAO_DIRECT_CHECKPOINT_BYTES")
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(DIRECT_CHECKPOINT);
        let mut wal = path.as_os_str().to_owned();
        wal.push("-wal");
        if std::fs::metadata(&wal).is_ok_and(|m| m.len() >= line) {
            direct_vfs::write_directly(conn);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (conn, path);
}

/// Lookups in a store from any thread (one connection, taken in turn: each lookup is one
/// indexed query).
pub struct Reader {
    conn: std::sync::Mutex<Connection>,
    path: PathBuf,
    /// Of each year asked about: whether the store holds a current target form of it, looked up
    /// once a run (a batch's lookups read the state before it, which the batch's write lock keeps
    /// as it is) — a year the store has no targets of costs no lookup per form.
    target_years: std::sync::Mutex<std::collections::HashMap<Option<i32>, bool>>,
}

impl std::fmt::Debug for Reader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reader").field("path", &self.path).finish()
    }
}

impl Reader {
    /// Opens an existing store only to read it (for `jixiao review --store`): one that does not
    /// exist, or that another jixiao version wrote, is refused.
    pub fn open(path: &Path) -> Result<Reader> {
        if !path.is_file() {
            return Err(store_error(path, "存储文件不存在"));
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| sql_error(path, &e))?;
        conn.busy_timeout(BUSY_WAIT)
            .map_err(|e| sql_error(path, &e))?;
        stable_plans(&conn, path)?;
        let version = schema::version(&conn).map_err(|e| sql_error(path, &e))?;
        if version != schema::VERSION {
            return Err(store_error(
                path,
                format!(
                    "存储文件的结构版本是 {version}，本版本是 {}；请用本版本的 jixiao convert --store 打开一次以升级，或升级 jixiao",
                    schema::VERSION
                ),
            ));
        }
        Ok(Reader {
            conn: std::sync::Mutex::new(conn),
            path: path.to_owned(),
            target_years: Default::default(),
        })
    }

    fn with<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T> {
        let conn = match self.conn.lock() {
            Ok(conn) => conn,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&conn).map_err(|e| sql_error(&self.path, &e))
    }
}
