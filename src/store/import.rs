//! Writing a batch into the store: one transaction for the whole batch; each file once by its
//! content (a file seen before adds nothing); each record under the key of what it is — a project's
//! form of a kind and year (by 项目编码, else by 项目编号), a department's — so a corrected form
//! supersedes the one before it, which stays as history.

use std::io::Read;
use std::path::Path;

use rusqlite::{Connection, OptionalExtension, Statement, params};
use sha2::{Digest, Sha256};

use super::{Store, sql_error, store_error};
use crate::error::Result;
use crate::model::{DepartmentForm, Indicator, Project, Record};
use crate::text::fold_width;
use crate::write::rows::project_id;

/// The batch being written.
#[derive(Debug)]
pub(super) struct OpenBatch {
    id: i64,
    unchanged_files: u64,
    records: u64,
    added: u64,
    superseded: u64,
}

/// One input file as the store keeps it.
#[derive(Debug, Clone)]
pub struct FileEntry {
    /// The path as shown in the outputs.
    pub name: String,
    /// Its size in bytes, when it could be read.
    pub size: Option<u64>,
    /// SHA-256 of its content (hex), when it could be read.
    pub hash: Option<String>,
    /// converted, rejected or skipped.
    pub status: String,
    /// The manifest's reason.
    pub message: String,
    /// Forms read from it.
    pub forms: u64,
}

/// What a finished batch says of itself.
#[derive(Debug, Clone, Default)]
pub struct BatchCounts {
    /// Files met.
    pub files: u64,
    /// Files with at least one form.
    pub converted: u64,
    /// Files that could not be used.
    pub rejected: u64,
    /// Files not read.
    pub skipped: u64,
    /// The run's closing paragraph.
    pub paragraph: String,
}

/// What a batch left in the store.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoredBatch {
    /// The batch's number in the store.
    pub id: i64,
    /// Records the batch read.
    pub records: u64,
    /// Records added (the others came in files the store already had).
    pub added: u64,
    /// Earlier records the batch's records superseded.
    pub superseded: u64,
    /// Files the store already had (same content): nothing of them was added again.
    pub unchanged_files: u64,
}

/// SHA-256 (hex) and size of a file's content, when it is a regular file of at most `limit`
/// bytes that can be read.
pub fn content_hash(path: &Path, limit: u64) -> Option<(String, u64)> {
    let file = std::fs::File::open(path).ok()?;
    let meta = file.metadata().ok()?;
    if !meta.is_file() || meta.len() > limit {
        return None;
    }
    let mut hasher = Sha256::new();
    let mut reader = std::io::BufReader::with_capacity(64 * 1024, file.take(limit + 1));
    let mut buffer = [0u8; 64 * 1024];
    let mut size = 0u64;
    loop {
        let read = reader.read(&mut buffer).ok()?;
        if read == 0 {
            break;
        }
        size += read as u64;
        hasher.update(&buffer[..read]);
    }
    Some((hex(&hasher.finalize()), size))
}

/// SHA-256 of bytes in memory (hex), as [`content_hash`] gives it for a file.
pub fn digest(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(digest: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut hex = String::with_capacity(digest.len() * 2);
    for &b in digest {
        hex.push(DIGITS[usize::from(b >> 4)] as char);
        hex.push(DIGITS[usize::from(b & 15)] as char);
    }
    hex
}

/// The beginnings of the keys a current target form of `year` can have in the store (see
/// [`record_key`]): by 项目编码 (`target|2024|code:…`) and by 项目编号 (`target|id:2024-…`).
pub(super) fn target_key_prefixes(year: Option<i32>) -> [String; 2] {
    let kind = crate::model::FormKind::Target.as_str();
    let earlier = Project {
        year,
        ..Project::default()
    };
    let id = project_id(&earlier);
    let id_year = id.split_inclusive('-').next().unwrap_or_default();
    [
        format!("{kind}|{}|code:", year.map_or(0, |y| y)),
        format!("{kind}|id:{id_year}"),
    ]
}

/// The key a record is superseded under: the same kind of form for the same project (or
/// department) and year.
pub fn record_key(record: &Record) -> String {
    match record {
        Record::Project(p) => {
            let year = p.year.map_or(0, |y| y);
            match p.project_code.as_deref().filter(|c| !c.is_empty()) {
                Some(code) => format!("{}|{year}|code:{code}", p.kind.as_str()),
                None => format!("{}|id:{}", p.kind.as_str(), project_id(p)),
            }
        }
        Record::Department(d) => {
            let year = d.year.map_or(0, |y| y);
            match d.department_code.as_deref().filter(|c| !c.is_empty()) {
                Some(code) => format!("{}|{year}|dept:{code}", d.kind.as_str()),
                None => {
                    let name: String = fold_width(&d.department)
                        .chars()
                        .filter(|c| !c.is_whitespace())
                        .collect();
                    format!("{}|{year}|dept-name:{name}", d.kind.as_str())
                }
            }
        }
    }
}

fn amount(value: Option<rust_decimal::Decimal>) -> Option<String> {
    value.map(|d| d.to_string())
}

impl Store {
    /// Begins a batch: one transaction, waiting for another writer as the store was opened to.
    pub fn begin_batch(&mut self, inputs: &[String]) -> Result<()> {
        let path = self.path.clone();
        let sql = |e: rusqlite::Error| sql_error(&path, &e);
        self.conn.execute_batch("BEGIN IMMEDIATE").map_err(sql)?;
        let inputs = serde_json::to_string(inputs).unwrap_or_default();
        self.conn
            .execute(
                "INSERT INTO batches (started, jixiao_version, inputs) VALUES (?1, ?2, ?3)",
                params![now(), env!("CARGO_PKG_VERSION"), inputs],
            )
            .map_err(sql)?;
        self.batch = Some(OpenBatch {
            id: self.conn.last_insert_rowid(),
            unchanged_files: 0,
            records: 0,
            added: 0,
            superseded: 0,
        });
        Ok(())
    }

    /// The batch's inserts, their statements prepared once for the whole batch.
    pub fn inserts(&mut self) -> Result<Inserts<'_>> {
        let Store { conn, path, batch } = self;
        let Some(batch) = batch.as_mut() else {
            return Err(store_error(path, "未开始批次就写入存储文件"));
        };
        let statements = Statements::prepare(conn).map_err(|e| sql_error(path, &e))?;
        Ok(Inserts {
            conn,
            path,
            batch,
            statements,
        })
    }

    /// Finishes the batch: its counts, then the one commit.
    pub fn finish_batch(&mut self, counts: &BatchCounts) -> Result<StoredBatch> {
        let path = self.path.clone();
        let sql = |e: rusqlite::Error| sql_error(&path, &e);
        let Some(batch) = self.batch.take() else {
            return Err(store_error(&path, "存储文件没有正在写入的批次"));
        };
        self.conn
            .execute(
                "UPDATE batches SET finished = ?2, files = ?3, converted = ?4, rejected = ?5, \
                 skipped = ?6, unchanged_files = ?7, records = ?8, added = ?9, superseded = ?10, \
                 paragraph = ?11 WHERE id = ?1",
                params![
                    batch.id,
                    now(),
                    counts.files as i64,
                    counts.converted as i64,
                    counts.rejected as i64,
                    counts.skipped as i64,
                    batch.unchanged_files as i64,
                    batch.records as i64,
                    batch.added as i64,
                    batch.superseded as i64,
                    counts.paragraph
                ],
            )
            .map_err(sql)?;
        crate::pause::point("store:commit");
        super::prepare_large_checkpoint(&self.conn, &path);
        self.conn.execute_batch("COMMIT").map_err(sql)?;
        Ok(StoredBatch {
            id: batch.id,
            records: batch.records,
            added: batch.added,
            superseded: batch.superseded,
            unchanged_files: batch.unchanged_files,
        })
    }
}

/// The statements a batch runs, each prepared once for the batch (not taken from and given
/// back to the connection's cache at every row: that cost a fifth of the writing thread's work,
/// most of it hashing and copying the indicator inserts' long SQL and clearing their bindings).
/// Every statement binds all its parameters each time it runs, and lets go of them after (bound
/// text held between runs takes SQLite's quick per-connection allocations and leaves the next
/// bindings to the general allocator: twice the cost of binding).
struct Statements<'c> {
    known_file: Statement<'c>,
    file: Statement<'c>,
    finish_file: Statement<'c>,
    record: Statement<'c>,
    current: Statement<'c>,
    supersede: Statement<'c>,
    /// One per [`INDICATOR_CHUNKS`].
    indicators: Vec<Statement<'c>>,
    warning: Statement<'c>,
    finding: Statement<'c>,
    task: Statement<'c>,
}

impl<'c> Statements<'c> {
    fn prepare(conn: &'c Connection) -> rusqlite::Result<Statements<'c>> {
        // Kept for the whole batch: prepared as persistent, so that SQLite does not hold its
        // quick per-connection allocations with them (every binding and row would miss them).
        let prepare = |conn: &'c Connection, sql: &str| {
            conn.prepare_with_flags(sql, rusqlite::PrepFlags::SQLITE_PREPARE_PERSISTENT)
        };
        Ok(Statements {
            known_file: prepare(conn, "SELECT id FROM files WHERE hash = ?1")?,
            file: prepare(
                conn,
                "INSERT INTO files (batch_id, hash, name, size, status, message, forms) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?,
            finish_file: prepare(
                conn,
                "UPDATE files SET status = ?1, message = ?2, forms = ?3 WHERE id = ?4",
            )?,
            record: prepare(
                conn,
                "INSERT INTO records (batch_id, file_id, kind, key, year, project_id, project_code, \
                 project_name, department, department_code, implementing_unit, template, sheet, cell, \
                 total, annual_total, fiscal, other, adjusted, executed, total_score, grade, \
                 conclusion, record) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, \
                 ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24)",
            )?,
            current: prepare(
                conn,
                "SELECT id FROM records WHERE key = ?1 AND superseded_by IS NULL",
            )?,
            supersede: prepare(conn, "UPDATE records SET superseded_by = ?1 WHERE id = ?2")?,
            indicators: (0..INDICATOR_CHUNKS.len())
                .map(|chunk| prepare(conn, indicators_sql(chunk)))
                .collect::<rusqlite::Result<_>>()?,
            warning: prepare(
                conn,
                "INSERT INTO warnings (record_id, position, code, message, cell) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?,
            finding: prepare(
                conn,
                "INSERT INTO findings (record_id, position, rule, level, message, cell) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?,
            task: prepare(
                conn,
                "INSERT INTO tasks (record_id, position, name, content, total, fiscal, other) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?,
        })
    }
}

/// Runs a statement of the batch and lets go of its bindings (see [`Statements`]).
fn run(statement: &mut Statement<'_>, params: impl rusqlite::Params) -> rusqlite::Result<usize> {
    let done = statement.execute(params);
    statement.clear_bindings();
    done
}

/// A batch's files and records going into the store (see [`Store::inserts`]).
pub struct Inserts<'s> {
    conn: &'s Connection,
    path: &'s Path,
    batch: &'s mut OpenBatch,
    statements: Statements<'s>,
}

impl std::fmt::Debug for Inserts<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inserts").field("path", &self.path).finish()
    }
}

impl Inserts<'_> {
    fn sql(&self, error: rusqlite::Error) -> crate::error::Error {
        sql_error(self.path, &error)
    }

    /// Adds a file of the batch: its id, or `None` when a file of the same content is already in
    /// the store (its records are not added again).
    pub fn add_file(&mut self, file: &FileEntry) -> Result<Option<i64>> {
        if let Some(hash) = &file.hash {
            let known: Option<i64> = self
                .statements
                .known_file
                .query_row([hash], |r| r.get(0))
                .optional()
                .map_err(|e| self.sql(e))?;
            self.statements.known_file.clear_bindings();
            if known.is_some() {
                self.batch.unchanged_files += 1;
                return Ok(None);
            }
        }
        run(
            &mut self.statements.file,
            params![
                self.batch.id,
                file.hash,
                file.name,
                file.size.map(|s| s as i64),
                file.status,
                file.message,
                file.forms as i64
            ],
        )
        .map_err(|e| self.sql(e))?;
        Ok(Some(self.conn.last_insert_rowid()))
    }

    /// Sets the status, message and form count of a file added in this batch (one read in
    /// parts, added with its first records).
    pub fn finish_file(&mut self, file_id: i64, file: &FileEntry) -> Result<()> {
        run(
            &mut self.statements.finish_file,
            params![file.status, file.message, file.forms as i64, file_id],
        )
        .map_err(|e| self.sql(e))?;
        Ok(())
    }

    /// Adds a record of a file added in this batch, as its rows (made on a worker thread, see
    /// [`RecordRows::of`]); a current record under the same key is superseded by it.
    pub fn add_rows(&mut self, file_id: i64, rows: &RecordRows) -> Result<()> {
        self.insert(file_id, rows).map_err(|e| self.sql(e))
    }

    fn insert(&mut self, file_id: i64, rows: &RecordRows) -> rusqlite::Result<()> {
        // The records this one supersedes, found before it is there (one look into the index of
        // current records; an UPDATE by key instead built a temporary table at every record).
        let earlier: Vec<i64> = self
            .statements
            .current
            .query_map([&rows.key], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        self.statements.current.clear_bindings();
        let row = &rows.row;
        run(
            &mut self.statements.record,
            params![
                self.batch.id,
                file_id,
                rows.kind,
                rows.key,
                row.year,
                row.project_id,
                row.project_code,
                row.project_name,
                row.department,
                row.department_code,
                row.implementing_unit,
                rows.template,
                rows.sheet,
                rows.cell,
                row.total,
                row.annual_total,
                row.fiscal,
                row.other,
                row.adjusted,
                row.executed,
                row.total_score,
                row.grade,
                row.conclusion,
                rows.json
            ],
        )?;
        let id = self.conn.last_insert_rowid();
        for earlier in &earlier {
            run(&mut self.statements.supersede, params![id, earlier])?;
        }
        self.batch.records += 1;
        self.batch.added += 1;
        self.batch.superseded += earlier.len() as u64;
        self.insert_children(id, rows)
    }

    /// A record's indicators, warnings, findings and tasks.
    fn insert_children(&mut self, id: i64, rows: &RecordRows) -> rusqlite::Result<()> {
        // Indicators go in several rows a statement (the largest chunks first: 14 rows are one
        // statement of 8, one of 4, one of 2), each statement one pass of SQLite's program with
        // its cursor kept open, instead of one statement per row.
        let mut position = 0;
        for (at, &chunk) in INDICATOR_CHUNKS.iter().enumerate() {
            while rows.indicators.rows.len() - position >= chunk {
                let insert = &mut self.statements.indicators[at];
                for (k, row) in rows.indicators.rows[position..position + chunk]
                    .iter()
                    .enumerate()
                {
                    let first = k * INDICATOR_COLUMNS;
                    insert.raw_bind_parameter(first + 1, id)?;
                    insert.raw_bind_parameter(first + 2, (position + k) as i64)?;
                    // A column without a value stays NULL: every binding is let go after a run.
                    for (c, span) in row.iter().enumerate() {
                        if let Some(text) = rows.indicators.text(*span) {
                            insert.raw_bind_parameter(first + 3 + c, text)?;
                        }
                    }
                }
                insert.raw_execute()?;
                insert.clear_bindings();
                position += chunk;
            }
        }
        for (position, (code, message, cell)) in rows.warnings.iter().enumerate() {
            run(
                &mut self.statements.warning,
                params![id, position as i64, code, message, cell],
            )?;
        }
        for (position, f) in rows.findings.iter().enumerate() {
            run(
                &mut self.statements.finding,
                params![id, position as i64, f.0, f.1, f.2, f.3],
            )?;
        }
        for (position, t) in rows.tasks.iter().enumerate() {
            run(
                &mut self.statements.task,
                params![id, position as i64, t.0, t.1, t.2, t.3, t.4],
            )?;
        }
        Ok(())
    }

    /// Counts a record of a file already in the store (added before, not again).
    pub fn count_known_record(&mut self) {
        self.batch.records += 1;
    }
}

/// The columns of an indicators row, as bound.
const INDICATOR_COLUMNS: usize = 18;

/// Rows of indicators a statement inserts, largest first (the last is 1: any count is a sum).
const INDICATOR_CHUNKS: [usize; 5] = [16, 8, 4, 2, 1];

/// The INSERT of `INDICATOR_CHUNKS[chunk]` indicator rows at once (each text made once).
///
/// `OR FAIL`: a failing row stops the statement without undoing the rows before it, so SQLite
/// keeps no statement journal (a copy of every page the statement changes, written to a
/// temporary file: 44,000 of the 52,000 writes a 6,000-form batch made). Nothing is lost by it:
/// any error fails the batch, whose one transaction is rolled back whole.
fn indicators_sql(chunk: usize) -> &'static str {
    static SQL: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    let texts = SQL.get_or_init(|| {
        INDICATOR_CHUNKS
            .iter()
            .map(|&rows| {
                let mut sql = String::from(
                    "INSERT OR FAIL INTO indicators (record_id, position, block, level1, level2, level3, \
                     level3_canonical, value, unit, comparator, number, actual, expected, \
                     likelihood, deviation, weight, score, cell) VALUES ",
                );
                for row in 0..rows {
                    sql.push_str(if row == 0 { "(" } else { ", (" });
                    for column in 0..INDICATOR_COLUMNS {
                        if column > 0 {
                            sql.push_str(", ");
                        }
                        sql.push_str(&format!("?{}", row * INDICATOR_COLUMNS + column + 1));
                    }
                    sql.push(')');
                }
                sql
            })
            .collect()
    });
    &texts[chunk]
}

/// A record as the store's rows: made from the record alone (on a worker thread, in parallel),
/// inserted later in the batch's order.
#[derive(Debug, Clone)]
pub struct RecordRows {
    kind: &'static str,
    key: String,
    template: String,
    sheet: String,
    cell: String,
    /// The record's JSON as stored (see [`super::record_json`]).
    json: Vec<u8>,
    row: RecordRow,
    indicators: IndicatorRows,
    /// (code, message, cell)
    warnings: Vec<(&'static str, String, Option<String>)>,
    /// (rule, level, message, cell)
    findings: Vec<(String, String, String, Option<String>)>,
    tasks: Vec<TaskRow>,
}

/// A task's columns: name, content, total, fiscal, other.
type TaskRow = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// A record's indicator rows: the text of every column in one buffer, each row the spans of
/// its columns in it (one allocation a record instead of a dozen an indicator).
#[derive(Debug, Clone, Default)]
struct IndicatorRows {
    text: String,
    /// block, level1, level2, level3, level3_canonical, value, unit, comparator, number,
    /// actual, expected, likelihood, deviation, weight, score, cell (`None`: NULL).
    rows: Vec<[Option<(u32, u32)>; INDICATOR_COLUMNS - 2]>,
}

impl IndicatorRows {
    fn of(indicators: &[Indicator]) -> IndicatorRows {
        let mut all = IndicatorRows {
            text: String::with_capacity(indicators.len() * 256),
            rows: Vec::with_capacity(indicators.len()),
        };
        for i in indicators {
            let n = i.normalized.as_ref();
            let measure = n.map(|n| &n.measure);
            let unit = i
                .unit
                .as_deref()
                .or_else(|| measure.and_then(|m| m.unit.as_deref()));
            let row = [
                all.put(Some(i.block.as_str())),
                all.put(Some(&i.level1)),
                all.put(Some(&i.level2)),
                all.put(Some(&i.level3)),
                all.put(n.map(|n| n.level3.as_str())),
                all.put(Some(&i.value)),
                all.put(unit),
                all.put(measure.and_then(|m| m.comparator).map(|c| c.symbol())),
                all.put_decimal(measure.and_then(|m| m.number)),
                all.put(i.actual.as_deref()),
                all.put(i.expected.as_deref()),
                all.put(i.likelihood.as_deref()),
                all.put(i.deviation.as_deref()),
                all.put_decimal(i.weight),
                all.put_decimal(i.score),
                all.put(Some(&i.value_cell)),
            ];
            all.rows.push(row);
        }
        all.text.shrink_to_fit();
        all
    }

    fn put(&mut self, value: Option<&str>) -> Option<(u32, u32)> {
        let start = self.text.len() as u32;
        self.text.push_str(value?);
        Some((start, self.text.len() as u32))
    }

    fn put_decimal(&mut self, value: Option<rust_decimal::Decimal>) -> Option<(u32, u32)> {
        use std::fmt::Write;
        let start = self.text.len() as u32;
        write!(self.text, "{}", value?).ok()?;
        Some((start, self.text.len() as u32))
    }

    fn text(&self, span: Option<(u32, u32)>) -> Option<&str> {
        span.map(|(start, end)| &self.text[start as usize..end as usize])
    }
}

/// A value's serde name (`"performance"` for a block …).
fn serde_name(value: impl serde::Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

impl RecordRows {
    /// The rows of a record; an error only when it cannot be written as JSON.
    pub fn of(record: &Record) -> std::result::Result<RecordRows, String> {
        let json =
            serde_json::to_vec(record).map_err(|e| format!("记录无法写入存储文件（{e}）"))?;
        RecordRows::with_json(record, &json)
    }

    /// The rows of a record whose JSON is already made (the projects.jsonl line the renderer
    /// wrote for it: the same serialization, not made twice).
    pub fn with_json(record: &Record, json: &[u8]) -> std::result::Result<RecordRows, String> {
        let json = super::record_json::encode(json)?;
        let (indicators, warnings, review) = match record {
            Record::Project(p) => (&p.indicators, &p.warnings, p.review.as_ref()),
            Record::Department(d) => (&d.indicators, &d.warnings, d.review.as_ref()),
        };
        let tasks = match record {
            Record::Department(d) => tasks(d),
            Record::Project(_) => Vec::new(),
        };
        Ok(RecordRows {
            kind: record.kind().as_str(),
            key: record_key(record),
            template: record.template().to_owned(),
            sheet: record.source().sheet.clone(),
            cell: record.source().cell.clone(),
            json,
            row: RecordRow::of(record),
            indicators: IndicatorRows::of(indicators),
            warnings: warnings
                .iter()
                .map(|w| (w.code.as_str(), w.message.clone(), w.cell.clone()))
                .collect(),
            findings: review
                .map(|r| {
                    r.findings
                        .iter()
                        .map(|f| {
                            (
                                f.rule.clone(),
                                serde_name(f.level),
                                f.message.clone(),
                                f.cell.clone(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default(),
            tasks,
        })
    }
}

#[allow(clippy::type_complexity)]
fn tasks(
    form: &DepartmentForm,
) -> Vec<(
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
)> {
    form.tasks
        .iter()
        .map(|t| {
            (
                t.name.clone(),
                t.content.clone(),
                amount(t.total),
                amount(t.fiscal),
                amount(t.other),
            )
        })
        .collect()
}

/// The columns of a record's row.
#[derive(Debug, Clone)]
struct RecordRow {
    year: Option<i32>,
    project_id: Option<String>,
    project_code: Option<String>,
    project_name: String,
    department: String,
    department_code: Option<String>,
    implementing_unit: String,
    total: Option<String>,
    annual_total: Option<String>,
    fiscal: Option<String>,
    other: Option<String>,
    adjusted: Option<String>,
    executed: Option<String>,
    total_score: Option<String>,
    grade: Option<String>,
    conclusion: Option<String>,
}

impl RecordRow {
    fn of(record: &Record) -> RecordRow {
        match record {
            Record::Project(p) => RecordRow::of_project(p),
            Record::Department(d) => {
                let line = d
                    .evaluation
                    .as_ref()
                    .and_then(|e| e.funds.total.as_ref().or(e.funds.fiscal.as_ref()));
                RecordRow {
                    year: d.year,
                    project_id: None,
                    project_code: None,
                    project_name: String::new(),
                    department: d.department.clone(),
                    department_code: d.department_code.clone(),
                    implementing_unit: String::new(),
                    total: amount(d.funds.total),
                    annual_total: amount(d.funds.total),
                    fiscal: amount(d.funds.fiscal),
                    other: amount(d.funds.other),
                    adjusted: amount(line.and_then(|l| l.adjusted)),
                    executed: amount(line.and_then(|l| l.executed)),
                    total_score: amount(d.evaluation.as_ref().and_then(|e| e.total_score)),
                    grade: d.evaluation.as_ref().and_then(|e| e.grade.clone()),
                    conclusion: d.review.as_ref().map(|r| r.conclusion.clone()),
                }
            }
        }
    }

    fn of_project(p: &Project) -> RecordRow {
        let lines = p
            .evaluation
            .as_ref()
            .map(|e| &e.funds)
            .or(p.monitoring.as_ref().map(|m| &m.funds));
        let line = lines.and_then(|f| f.total.as_ref().or(f.fiscal.as_ref()));
        RecordRow {
            year: p.year,
            project_id: Some(project_id(p)),
            project_code: p.project_code.clone(),
            project_name: p.project_name.clone(),
            department: p.department.clone(),
            department_code: p.department_code.clone(),
            implementing_unit: p.implementing_unit.clone(),
            total: amount(p.funds.total),
            annual_total: amount(p.funds.annual_total),
            fiscal: amount(p.funds.fiscal),
            other: amount(p.funds.other),
            adjusted: amount(line.and_then(|l| l.adjusted)),
            executed: amount(line.and_then(|l| l.executed)),
            total_score: amount(p.evaluation.as_ref().and_then(|e| e.total_score)),
            grade: p.evaluation.as_ref().and_then(|e| e.grade.clone()),
            conclusion: p.review.as_ref().map(|r| r.conclusion.clone()),
        }
    }
}

/// Now, as RFC 3339 in UTC (seconds).
fn now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let days = secs.div_euclid(86_400);
    let rest = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// The calendar date of a day count from 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_digest_is_written_as_lowercase_hex() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
        assert_eq!(
            digest(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn an_indicator_block_is_stored_under_its_json_name() {
        use crate::model::Block;
        for block in [Block::Annual, Block::LongTerm] {
            assert_eq!(serde_name(block), block.as_str());
        }
    }

    #[test]
    fn days_become_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_454), (2026, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }
}
