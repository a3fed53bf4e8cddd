//! The store's tables, one version at a time: a store is created at the latest version and an
//! older one is migrated on open, step by step, in one transaction; a store a newer jixiao wrote
//! is refused (its tables may mean what this version cannot know).

use rusqlite::Connection;

/// The schema this jixiao writes.
pub const VERSION: i64 = 3;

/// The tables of version 1. Amounts are exact decimal strings in 万元 (never floating point);
/// every record is also kept whole, as the JSON line the outputs hold (`records.record`).
const V1: &str = "
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE batches (
  id              INTEGER PRIMARY KEY,
  started         TEXT NOT NULL,
  finished        TEXT,
  jixiao_version  TEXT NOT NULL,
  inputs          TEXT NOT NULL,
  files           INTEGER NOT NULL DEFAULT 0,
  converted       INTEGER NOT NULL DEFAULT 0,
  rejected        INTEGER NOT NULL DEFAULT 0,
  skipped         INTEGER NOT NULL DEFAULT 0,
  unchanged_files INTEGER NOT NULL DEFAULT 0,
  records         INTEGER NOT NULL DEFAULT 0,
  added           INTEGER NOT NULL DEFAULT 0,
  superseded      INTEGER NOT NULL DEFAULT 0,
  paragraph       TEXT NOT NULL DEFAULT ''
);
CREATE TABLE files (
  id       INTEGER PRIMARY KEY,
  batch_id INTEGER NOT NULL REFERENCES batches(id),
  hash     TEXT,
  name     TEXT NOT NULL,
  size     INTEGER,
  status   TEXT NOT NULL,
  message  TEXT NOT NULL,
  forms    INTEGER NOT NULL
);
CREATE UNIQUE INDEX files_hash ON files(hash) WHERE hash IS NOT NULL;
CREATE TABLE records (
  id                INTEGER PRIMARY KEY,
  batch_id          INTEGER NOT NULL REFERENCES batches(id),
  file_id           INTEGER NOT NULL REFERENCES files(id),
  kind              TEXT NOT NULL,
  key               TEXT NOT NULL,
  year              INTEGER,
  project_id        TEXT,
  project_code      TEXT,
  project_name      TEXT NOT NULL,
  department        TEXT NOT NULL,
  department_code   TEXT,
  implementing_unit TEXT NOT NULL,
  template          TEXT NOT NULL,
  sheet             TEXT NOT NULL,
  cell              TEXT NOT NULL,
  total             TEXT,
  annual_total      TEXT,
  fiscal            TEXT,
  other             TEXT,
  adjusted          TEXT,
  executed          TEXT,
  total_score       TEXT,
  grade             TEXT,
  conclusion        TEXT,
  superseded_by     INTEGER REFERENCES records(id),
  record            TEXT NOT NULL
);
CREATE INDEX records_current ON records(key) WHERE superseded_by IS NULL;
CREATE INDEX records_code ON records(project_code, year);
CREATE INDEX records_project ON records(project_id);
CREATE INDEX records_name ON records(project_name);
CREATE INDEX records_department ON records(department);
CREATE TABLE indicators (
  record_id        INTEGER NOT NULL REFERENCES records(id),
  position         INTEGER NOT NULL,
  block            TEXT NOT NULL,
  level1           TEXT NOT NULL,
  level2           TEXT NOT NULL,
  level3           TEXT NOT NULL,
  level3_canonical TEXT,
  value            TEXT NOT NULL,
  unit             TEXT,
  comparator       TEXT,
  number           TEXT,
  actual           TEXT,
  expected         TEXT,
  likelihood       TEXT,
  deviation        TEXT,
  weight           TEXT,
  score            TEXT,
  cell             TEXT NOT NULL,
  PRIMARY KEY (record_id, position)
);
CREATE TABLE tasks (
  record_id INTEGER NOT NULL REFERENCES records(id),
  position  INTEGER NOT NULL,
  name      TEXT NOT NULL,
  content   TEXT NOT NULL,
  total     TEXT,
  fiscal    TEXT,
  other     TEXT,
  PRIMARY KEY (record_id, position)
);
CREATE TABLE findings (
  record_id INTEGER NOT NULL REFERENCES records(id),
  position  INTEGER NOT NULL,
  rule      TEXT NOT NULL,
  level     TEXT NOT NULL,
  message   TEXT NOT NULL,
  cell      TEXT,
  PRIMARY KEY (record_id, position)
);
CREATE TABLE warnings (
  record_id INTEGER NOT NULL REFERENCES records(id),
  position  INTEGER NOT NULL,
  code      TEXT NOT NULL,
  message   TEXT NOT NULL,
  cell      TEXT,
  PRIMARY KEY (record_id, position)
);
";

/// Version 2: the tables of a record's rows keyed by (record_id, position) alone (`WITHOUT
/// ROWID`: one B-tree per table instead of a table and an index to keep in step — an indicator
/// costs one insert, not two), and no index on `project_name` or `department` (lookups go by
/// project code, 项目编号 and key; `history` searches words of a name, which no index serves).
const V2: &str = "
CREATE TABLE indicators_v2 (
  record_id        INTEGER NOT NULL REFERENCES records(id),
  position         INTEGER NOT NULL,
  block            TEXT NOT NULL,
  level1           TEXT NOT NULL,
  level2           TEXT NOT NULL,
  level3           TEXT NOT NULL,
  level3_canonical TEXT,
  value            TEXT NOT NULL,
  unit             TEXT,
  comparator       TEXT,
  number           TEXT,
  actual           TEXT,
  expected         TEXT,
  likelihood       TEXT,
  deviation        TEXT,
  weight           TEXT,
  score            TEXT,
  cell             TEXT NOT NULL,
  PRIMARY KEY (record_id, position)
) WITHOUT ROWID;
INSERT INTO indicators_v2 SELECT * FROM indicators;
DROP TABLE indicators;
ALTER TABLE indicators_v2 RENAME TO indicators;
CREATE TABLE tasks_v2 (
  record_id INTEGER NOT NULL REFERENCES records(id),
  position  INTEGER NOT NULL,
  name      TEXT NOT NULL,
  content   TEXT NOT NULL,
  total     TEXT,
  fiscal    TEXT,
  other     TEXT,
  PRIMARY KEY (record_id, position)
) WITHOUT ROWID;
INSERT INTO tasks_v2 SELECT * FROM tasks;
DROP TABLE tasks;
ALTER TABLE tasks_v2 RENAME TO tasks;
CREATE TABLE findings_v2 (
  record_id INTEGER NOT NULL REFERENCES records(id),
  position  INTEGER NOT NULL,
  rule      TEXT NOT NULL,
  level     TEXT NOT NULL,
  message   TEXT NOT NULL,
  cell      TEXT,
  PRIMARY KEY (record_id, position)
) WITHOUT ROWID;
INSERT INTO findings_v2 SELECT * FROM findings;
DROP TABLE findings;
ALTER TABLE findings_v2 RENAME TO findings;
CREATE TABLE warnings_v2 (
  record_id INTEGER NOT NULL REFERENCES records(id),
  position  INTEGER NOT NULL,
  code      TEXT NOT NULL,
  message   TEXT NOT NULL,
  cell      TEXT,
  PRIMARY KEY (record_id, position)
) WITHOUT ROWID;
INSERT INTO warnings_v2 SELECT * FROM warnings;
DROP TABLE warnings;
ALTER TABLE warnings_v2 RENAME TO warnings;
DROP INDEX records_name;
DROP INDEX records_department;
";

/// Version 3 changes no table: `records.record` is written as an LZ4 frame from now on (rows of
/// version 2 stay zlib streams, those of version 1 text, and all are read). The number tells an
/// older jixiao, which could not read the new rows, to refuse the store.
const V3: &str = "";

/// Each version's step from the one before (index 0: from nothing to version 1).
const STEPS: [&str; 3] = [V1, V2, V3];

/// The tables in the order rows are copied (a table after those it refers to).
pub const TABLES: [&str; 7] = [
    "batches",
    "files",
    "records",
    "indicators",
    "tasks",
    "findings",
    "warnings",
];

/// The version a store is at (0 for a new, empty file).
pub fn version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA user_version", [], |row| row.get(0))
}

/// Brings a store to [`VERSION`], or says why it cannot: `Err` with the version found when a newer
/// jixiao wrote it.
pub fn migrate(conn: &mut Connection) -> Result<(), MigrateError> {
    let found = version(conn)?;
    if found > VERSION {
        return Err(MigrateError::Newer(found));
    }
    if found == VERSION {
        return Ok(());
    }
    // Another jixiao (or another batch of the page) may be bringing the same file up at this
    // moment: the write lock first (waiting as the store was opened to), then the version again.
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let found = version(&tx)?;
    if found > VERSION {
        return Err(MigrateError::Newer(found));
    }
    if found == VERSION {
        return Ok(());
    }
    for step in &STEPS[found as usize..] {
        tx.execute_batch(step)?;
    }
    tx.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('created_by', ?1)",
        [format!("jixiao {}", env!("CARGO_PKG_VERSION"))],
    )?;
    tx.pragma_update(None, "user_version", VERSION)?;
    tx.commit()?;
    Ok(())
}

/// Why a store could not be brought to this version.
#[derive(Debug)]
pub enum MigrateError {
    /// A newer jixiao wrote it, at this version.
    Newer(i64),
    /// SQLite said no.
    Sql(rusqlite::Error),
}

impl From<rusqlite::Error> for MigrateError {
    fn from(error: rusqlite::Error) -> Self {
        MigrateError::Sql(error)
    }
}
