//! Reading the store: the approved target of a project (for linking across batches), last year's
//! target (for the year-over-year review), a project's or a department's history, what the store
//! holds, and whether it is sound.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;

use super::{Reader, Store, schema, sql_error};
use crate::error::Result;
use crate::model::{FormKind, Project};
use crate::write::rows::project_id;

/// A target form found in the store.
#[derive(Debug, Clone)]
pub struct StoredTarget {
    /// The record as it was stored.
    pub project: Project,
    /// The batch it came in.
    pub batch: i64,
    /// The file it came from, as shown then.
    pub file: String,
}

const TARGET: &str = "SELECT r.record, r.batch_id, f.name FROM records r JOIN files f ON f.id = r.file_id \
     WHERE r.kind = 'target' AND r.superseded_by IS NULL";

fn stored(row: &Row<'_>) -> rusqlite::Result<(Option<String>, i64, String)> {
    Ok((
        super::record_json::decode(row.get_ref(0)?),
        row.get(1)?,
        row.get(2)?,
    ))
}

fn target(found: Option<(Option<String>, i64, String)>) -> Option<StoredTarget> {
    let (json, batch, file) = found?;
    let project = serde_json::from_str(&json?).ok()?;
    Some(StoredTarget {
        project,
        batch,
        file,
    })
}

/// The current target of a project code and year, else of a 项目编号 (whose code, when both have
/// one, must be the same).
fn find_target(
    conn: &Connection,
    year: Option<i32>,
    code: Option<&str>,
    id: &str,
) -> rusqlite::Result<Option<StoredTarget>> {
    if let Some(code) = code {
        let sql =
            format!("{TARGET} AND r.project_code = ?1 AND r.year IS ?2 ORDER BY r.id DESC LIMIT 1");
        let found = conn
            .prepare_cached(&sql)?
            .query_row(params![code, year], stored)
            .optional()?;
        if found.is_some() {
            return Ok(target(found));
        }
    }
    let sql = format!(
        "{TARGET} AND r.project_id = ?1 AND (?2 IS NULL OR r.project_code IS NULL OR r.project_code = ?2) \
         ORDER BY r.id DESC LIMIT 1"
    );
    let found = conn
        .prepare_cached(&sql)?
        .query_row(params![id, code], stored)
        .optional()?;
    Ok(target(found))
}

/// Whether a current record's key lies in [?1, ?2).
const HOLDS_TARGETS: &str = "SELECT EXISTS (SELECT 1 FROM records \
     WHERE superseded_by IS NULL AND key >= ?1 AND key < ?2)";

/// Whether the store holds a current target form of `year`: a look into the index of current
/// records for the keys such a form has (see `import::target_key_prefixes`).
fn holds_targets_of(conn: &Connection, year: Option<i32>) -> rusqlite::Result<bool> {
    for prefix in super::import::target_key_prefixes(year) {
        // The prefix ends in an ASCII character (`:` or `-`): the range ends before the next one.
        let mut end = prefix.clone().into_bytes();
        if let Some(last) = end.last_mut() {
            *last += 1;
        }
        let end = String::from_utf8(end).unwrap_or_default();
        let found: bool = conn
            .prepare_cached(HOLDS_TARGETS)?
            .query_row(params![prefix, end], |r| r.get(0))?;
        if found {
            return Ok(true);
        }
    }
    Ok(false)
}

impl Reader {
    /// The approved target form of a project's later form (a self-evaluation, a monitoring form),
    /// when the store holds one: the same 项目编码 and year first, else the same 项目编号.
    pub fn target_of(&self, project: &Project) -> Result<Option<StoredTarget>> {
        let code = project.project_code.as_deref().filter(|c| !c.is_empty());
        let id = project_id(project);
        self.with(|conn| {
            if !self.holds_targets_of(conn, project.year)? {
                return Ok(None);
            }
            find_target(conn, project.year, code, &id)
        })
    }

    /// Whether the store holds a current target form of `year`, asked of the store once a run.
    fn holds_targets_of(&self, conn: &Connection, year: Option<i32>) -> rusqlite::Result<bool> {
        let mut years = match self.target_years.lock() {
            Ok(years) => years,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(&held) = years.get(&year) {
            return Ok(held);
        }
        let held = holds_targets_of(conn, year)?;
        years.insert(year, held);
        Ok(held)
    }

    /// Last year's target form of a project's target form: year − 1, the same 项目编码, else the
    /// same 主管部门 and 项目名称.
    pub fn last_year(&self, project: &Project) -> Result<Option<StoredTarget>> {
        let Some(year) = project.year else {
            return Ok(None);
        };
        let code = project.project_code.as_deref().filter(|c| !c.is_empty());
        let earlier = Project {
            year: Some(year - 1),
            project_name: project.project_name.clone(),
            department: project.department.clone(),
            ..Project::default()
        };
        let id = project_id(&earlier);
        self.with(|conn| {
            if !self.holds_targets_of(conn, Some(year - 1))? {
                return Ok(None);
            }
            find_target(conn, Some(year - 1), code, &id)
        })
    }
}

/// One record of a project's or department's history.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryRow {
    /// The record's number in the store.
    pub id: i64,
    /// The budget year.
    pub year: Option<i32>,
    /// What the form is (target, monitoring, self_evaluation …).
    pub kind: String,
    /// 项目名称 (empty for a department-wide form).
    pub project_name: String,
    /// 主管部门.
    pub department: String,
    /// 项目编码.
    pub project_code: Option<String>,
    /// 项目资金总额, in 万元.
    pub total: Option<String>,
    /// 年度资金申请总额, in 万元.
    pub annual_total: Option<String>,
    /// 全年预算数 (self-evaluations, monitoring forms), in 万元.
    pub adjusted: Option<String>,
    /// 执行数 (self-evaluations, monitoring forms), in 万元.
    pub executed: Option<String>,
    /// 总分 of a self-evaluation.
    pub total_score: Option<String>,
    /// The review's conclusion of a target form.
    pub conclusion: Option<String>,
    /// The batch it came in, and when.
    pub batch: i64,
    /// When the batch ran (UTC).
    pub imported: String,
    /// The file it came from.
    pub file: String,
    /// The sheet.
    pub sheet: String,
    /// The record that replaced it, when a corrected form did.
    pub superseded_by: Option<i64>,
}

/// What a store holds.
#[derive(Debug, Clone, Serialize)]
pub struct StoreInfo {
    /// The schema version.
    pub version: i64,
    /// The file's size in bytes.
    pub bytes: u64,
    /// Batches written.
    pub batches: i64,
    /// Files kept.
    pub files: i64,
    /// Per kind: current records and superseded ones.
    pub kinds: Vec<(String, i64, i64)>,
    /// Indicators kept.
    pub indicators: i64,
    /// The last batch's time, when there is one.
    pub last_batch: Option<String>,
}

/// A batch as listed.
#[derive(Debug, Clone, Serialize)]
pub struct BatchRow {
    /// Its number.
    pub id: i64,
    /// When it ran (UTC).
    pub started: String,
    /// Files met, converted, rejected, skipped.
    pub files: i64,
    /// Files converted.
    pub converted: i64,
    /// Files rejected.
    pub rejected: i64,
    /// Files skipped.
    pub skipped: i64,
    /// Files already in the store (added nothing).
    pub unchanged_files: i64,
    /// Records read, added, and older records they superseded.
    pub records: i64,
    /// Records added.
    pub added: i64,
    /// Records superseded.
    pub superseded: i64,
    /// The run's closing paragraph.
    pub paragraph: String,
}

impl Store {
    /// The current target forms of a budget year (else of the latest year the store has), in
    /// the order they were stored.
    pub fn current_targets(&self, year: Option<i32>) -> Result<Vec<Project>> {
        let sql = |e: rusqlite::Error| sql_error(&self.path, &e);
        let year: Option<i32> = match year {
            Some(year) => Some(year),
            None => self
                .conn
                .query_row(
                    "SELECT MAX(year) FROM records WHERE kind = 'target' AND superseded_by IS NULL",
                    [],
                    |r| r.get(0),
                )
                .map_err(sql)?,
        };
        let records: Vec<Option<String>> = self
            .conn
            .prepare(
                "SELECT record FROM records WHERE kind = 'target' AND superseded_by IS NULL \
                 AND year IS ?1 ORDER BY id",
            )
            .and_then(|mut s| {
                s.query_map([year], |r| Ok(super::record_json::decode(r.get_ref(0)?)))?
                    .collect()
            })
            .map_err(sql)?;
        Ok(records
            .iter()
            .filter_map(|json| serde_json::from_str(json.as_deref()?).ok())
            .collect())
    }

    /// A project's (by 项目编码, else 项目名称 containing the words) or a department's (主管部门
    /// containing the words) records across years and batches, oldest first.
    pub fn history(&self, query: &str) -> Result<Vec<HistoryRow>> {
        history(&self.conn, query).map_err(|e| sql_error(&self.path, &e))
    }

    /// What the store holds.
    pub fn info(&self) -> Result<StoreInfo> {
        let sql = |e: rusqlite::Error| sql_error(&self.path, &e);
        let count = |table: &str| -> rusqlite::Result<i64> {
            self.conn
                .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
        };
        let mut kinds = Vec::new();
        for kind in FormKind::ALL {
            let (current, superseded): (i64, i64) = self
                .conn
                .query_row(
                    "SELECT COUNT(*) FILTER (WHERE superseded_by IS NULL), \
                     COUNT(*) FILTER (WHERE superseded_by IS NOT NULL) FROM records WHERE kind = ?1",
                    [kind.as_str()],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .map_err(sql)?;
            if current + superseded > 0 {
                kinds.push((kind.label().to_owned(), current, superseded));
            }
        }
        Ok(StoreInfo {
            version: schema::version(&self.conn).map_err(sql)?,
            bytes: std::fs::metadata(&self.path).map_or(0, |m| m.len()),
            batches: count("batches").map_err(sql)?,
            files: count("files").map_err(sql)?,
            kinds,
            indicators: count("indicators").map_err(sql)?,
            last_batch: self
                .conn
                .query_row("SELECT MAX(started) FROM batches", [], |r| r.get(0))
                .map_err(sql)?,
        })
    }

    /// Checks the store: SQLite's own integrity and foreign keys, then jixiao's invariants (every
    /// record's JSON readable and of its row's kind, each superseded record replaced by a later
    /// one of the same key, at most one current record per key). Returns what is wrong.
    pub fn check(&self) -> Result<Vec<String>> {
        let sql = |e: rusqlite::Error| sql_error(&self.path, &e);
        let mut problems = Vec::new();
        let integrity: Vec<String> = self
            .conn
            .prepare("PRAGMA integrity_check")
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .map_err(sql)?;
        problems.extend(integrity.into_iter().filter(|m| m != "ok"));
        let foreign: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })
            .map_err(sql)?;
        if foreign > 0 {
            problems.push(format!("{foreign} 行指向不存在的批次、文件或记录"));
        }
        let queries = [
            (
                "SELECT COUNT(*) FROM records r JOIN records n ON n.id = r.superseded_by \
                 WHERE n.key <> r.key OR n.id < r.id",
                "条记录被不相干或更早的记录取代",
            ),
            (
                "SELECT COUNT(*) FROM (SELECT key FROM records WHERE superseded_by IS NULL \
                 GROUP BY key HAVING COUNT(*) > 1)",
                "个项目同时有多份当前记录",
            ),
            (
                "SELECT COUNT(*) FROM batches WHERE finished IS NULL",
                "个批次没有写完（这不应发生：每个批次一次提交）",
            ),
        ];
        for (query, what) in queries {
            let n: i64 = self.conn.query_row(query, [], |r| r.get(0)).map_err(sql)?;
            if n > 0 {
                problems.push(format!("{n} {what}"));
            }
        }
        let mut statement = self
            .conn
            .prepare("SELECT id, kind, record FROM records")
            .map_err(sql)?;
        let mut rows = statement.query([]).map_err(sql)?;
        let mut unreadable = 0;
        while let Some(row) = rows.next().map_err(sql)? {
            let kind: String = row.get(1).map_err(sql)?;
            let json = super::record_json::decode(row.get_ref(2).map_err(sql)?);
            let read: Option<serde_json::Value> =
                json.and_then(|json| serde_json::from_str(&json).ok());
            if read.is_none_or(|v| v["kind"] != kind.as_str()) {
                unreadable += 1;
            }
        }
        if unreadable > 0 {
            problems.push(format!("{unreadable} 条记录的内容无法读出或与类型不符"));
        }
        Ok(problems)
    }
}

impl Reader {
    /// The batches, newest first (at most `limit`).
    pub fn batches(&self, limit: usize) -> Result<Vec<BatchRow>> {
        self.with(|conn| batches(conn, "1 = 1", [], limit))
    }

    /// One finished batch, by its number.
    pub fn batch(&self, id: i64) -> Result<Option<BatchRow>> {
        self.with(|conn| batches(conn, "id = ?1", [id], 1).map(|mut b| b.pop()))
    }

    /// The records a batch added, in the order it stored them.
    pub fn batch_records(&self, batch: i64) -> Result<Vec<HistoryRow>> {
        self.with(|conn| records_where(conn, "r.batch_id = ?1 ORDER BY r.id", params![batch]))
    }

    /// The files a batch met, in the order it stored them.
    pub fn batch_files(&self, batch: i64) -> Result<Vec<FileRow>> {
        self.with(|conn| {
            conn.prepare(
                "SELECT name, size, status, message, forms FROM files WHERE batch_id = ?1 ORDER BY id",
            )?
            .query_map([batch], |r| {
                Ok(FileRow {
                    name: r.get(0)?,
                    size: r.get(1)?,
                    status: r.get(2)?,
                    message: r.get(3)?,
                    forms: r.get(4)?,
                })
            })?
            .collect()
        })
    }
}

/// A file a batch met, as the store keeps it.
#[derive(Debug, Clone, Serialize)]
pub struct FileRow {
    /// Its name, as shown in the batch's outputs.
    pub name: String,
    /// Its size in bytes.
    pub size: Option<i64>,
    /// converted, rejected or skipped.
    pub status: String,
    /// Why it was rejected or skipped.
    pub message: String,
    /// Forms read from it.
    pub forms: i64,
}

/// Records matching `condition` (an SQL condition on `r`, the records, followed by its order).
fn records_where(
    conn: &Connection,
    condition: &str,
    values: impl rusqlite::Params,
) -> rusqlite::Result<Vec<HistoryRow>> {
    let sql = format!(
        "SELECT r.id, r.year, r.kind, r.project_name, r.department, r.project_code, r.total, \
         r.annual_total, r.adjusted, r.executed, r.total_score, r.conclusion, r.batch_id, \
         b.started, f.name, r.sheet, r.superseded_by \
         FROM records r JOIN files f ON f.id = r.file_id JOIN batches b ON b.id = r.batch_id \
         WHERE {condition}"
    );
    conn.prepare(&sql)?
        .query_map(values, |row| {
            Ok(HistoryRow {
                id: row.get(0)?,
                year: row.get(1)?,
                kind: row.get(2)?,
                project_name: row.get(3)?,
                department: row.get(4)?,
                project_code: row.get(5)?,
                total: row.get(6)?,
                annual_total: row.get(7)?,
                adjusted: row.get(8)?,
                executed: row.get(9)?,
                total_score: row.get(10)?,
                conclusion: row.get(11)?,
                batch: row.get(12)?,
                imported: row.get(13)?,
                file: row.get(14)?,
                sheet: row.get(15)?,
                superseded_by: row.get(16)?,
            })
        })?
        .collect()
}

/// A project's or a department's records (see [`Store::history`]).
fn history(conn: &Connection, query: &str) -> rusqlite::Result<Vec<HistoryRow>> {
    let query = query.trim();
    let like = format!("%{}%", query.replace(['%', '_'], ""));
    records_where(
        conn,
        "r.project_code = ?1 OR r.project_name LIKE ?2 OR r.department LIKE ?2 \
         ORDER BY r.year, r.project_name, r.id",
        params![query, like],
    )
}

/// The finished batches meeting `condition` (on `batches`, its values numbered from ?1), newest
/// first, at most `limit`.
fn batches<const N: usize>(
    conn: &Connection,
    condition: &str,
    values: [i64; N],
    limit: usize,
) -> rusqlite::Result<Vec<BatchRow>> {
    conn.prepare(&format!(
        "SELECT id, started, files, converted, rejected, skipped, unchanged_files, records, \
         added, superseded, paragraph FROM batches WHERE finished IS NOT NULL AND ({condition}) \
         ORDER BY id DESC LIMIT {}",
        i64::try_from(limit).unwrap_or(i64::MAX)
    ))?
    .query_map(rusqlite::params_from_iter(values), |r| {
        Ok(BatchRow {
            id: r.get(0)?,
            started: r.get(1)?,
            files: r.get(2)?,
            converted: r.get(3)?,
            rejected: r.get(4)?,
            skipped: r.get(5)?,
            unchanged_files: r.get(6)?,
            records: r.get(7)?,
            added: r.get(8)?,
            superseded: r.get(9)?,
            paragraph: r.get(10)?,
        })
    })?
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Record;
    use crate::store::{BatchCounts, FileEntry, RecordRows};

    fn target(year: i32, code: Option<&str>, name: &str) -> Record {
        Record::Project(Project {
            kind: FormKind::Target,
            year: Some(year),
            project_code: code.map(str::to_owned),
            project_name: name.to_owned(),
            department: "区教育局".to_owned(),
            ..Project::default()
        })
    }

    /// A store holding the records, each from a file of its own, one batch each.
    fn store_of(dir: &std::path::Path, batches: &[&[Record]]) -> std::path::PathBuf {
        let path = dir.join("s.sqlite");
        let mut store = Store::open(&path, false).unwrap();
        for (b, records) in batches.iter().enumerate() {
            store.begin_batch(&[]).unwrap();
            let mut inserts = store.inserts().unwrap();
            for (n, record) in records.iter().enumerate() {
                let entry = FileEntry {
                    name: format!("{b}-{n}.xlsx"),
                    size: Some(1),
                    hash: Some(format!("{b}-{n}")),
                    status: "converted".into(),
                    message: String::new(),
                    forms: 1,
                };
                let id = inserts.add_file(&entry).unwrap().unwrap();
                inserts
                    .add_rows(id, &RecordRows::of(record).unwrap())
                    .unwrap();
            }
            drop(inserts);
            store.finish_batch(&BatchCounts::default()).unwrap();
        }
        store.close().unwrap();
        path
    }

    #[test]
    fn a_year_holds_targets_by_code_or_by_number_in_the_index_of_current_records() {
        let dir = tempfile::tempdir().unwrap();
        let path = store_of(
            dir.path(),
            &[
                &[
                    target(2023, Some("31011223000001"), "甲项目"),
                    target(2024, None, "乙项目"),
                ],
                // A second batch: a corrected 2023 form (superseding the first) and a 2021 one.
                &[
                    target(2023, Some("31011223000001"), "甲项目（更正）"),
                    target(2021, Some("31011221000009"), "丙项目"),
                ],
            ],
        );
        let reader = Reader::open(&path).unwrap();
        let conn = reader.conn.lock().unwrap();
        for (year, held) in [
            (2021, true),
            (2022, false),
            (2023, true),
            (2024, true),
            (2025, false),
        ] {
            assert_eq!(holds_targets_of(&conn, Some(year)).unwrap(), held, "{year}");
        }
        assert!(!holds_targets_of(&conn, None).unwrap());
        // One look into the index of current records, never a scan of the records.
        let plan: Vec<String> = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {HOLDS_TARGETS}"))
            .unwrap()
            .query_map(["a", "b"], |r| r.get::<_, String>(3))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert!(
            plan.iter().any(|p| p.contains("records_current")),
            "{plan:?}"
        );
        drop(conn);
        // Lookups find the targets of the years held, and last year's of the next.
        let later = |year, code: Option<&str>, name: &str| match target(year, code, name) {
            Record::Project(p) => p,
            Record::Department(_) => unreachable!(),
        };
        let found = reader
            .last_year(&later(2025, None, "乙项目"))
            .unwrap()
            .unwrap();
        assert_eq!(found.project.year, Some(2024));
        assert!(
            reader
                .target_of(&later(2023, Some("31011223000001"), "甲项目"))
                .unwrap()
                .is_some()
        );
        assert!(
            reader
                .last_year(&later(2026, None, "乙项目"))
                .unwrap()
                .is_none()
        );
    }
}
