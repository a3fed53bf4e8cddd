//! `jixiao store push`: copies a store into PostgreSQL tables of the same schema (a bureau's
//! server, or a 信创 database that speaks PostgreSQL) — the tables created when missing, amounts
//! as NUMERIC, every row upserted by its key, so pushing the same store twice changes nothing and
//! pushing it after more batches adds what is new and updates what a corrected form superseded.
//!
//! The tables come from the store itself (its columns, keys, references and indexes), so the
//! copy follows the store's schema version by construction. One push is one PostgreSQL
//! transaction, read from one consistent snapshot of the store; a schema that holds another
//! store's rows, or a newer schema version, is refused before anything is written.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use postgres::{Config, NoTls, Transaction};
use rusqlite::Connection;
use rusqlite::types::ValueRef;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{Store, schema, sql_error, store_error};
use crate::error::Result;

/// Columns that hold exact decimals (万元 amounts, scores, weights, structured target values):
/// NUMERIC in PostgreSQL, so a bureau's queries sum them exactly.
pub const NUMERIC: [(&str, &str); 13] = [
    ("records", "total"),
    ("records", "annual_total"),
    ("records", "fiscal"),
    ("records", "other"),
    ("records", "adjusted"),
    ("records", "executed"),
    ("records", "total_score"),
    ("indicators", "number"),
    ("indicators", "weight"),
    ("indicators", "score"),
    ("tasks", "total"),
    ("tasks", "fiscal"),
    ("tasks", "other"),
];

/// The PostgreSQL schema (namespace) the tables go in unless told otherwise.
pub const DEFAULT_SCHEMA: &str = "jixiao";

/// What one push did to one table.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TablePush {
    /// The table.
    pub table: String,
    /// Rows in the store.
    pub rows: u64,
    /// Rows the server did not have.
    pub inserted: u64,
    /// Rows the server had with other values (a record a later one superseded …).
    pub updated: u64,
}

/// What one push did.
#[derive(Debug, Clone, Serialize)]
pub struct PushReport {
    /// The PostgreSQL schema written.
    pub schema: String,
    /// Per table, in the order they were copied.
    pub tables: Vec<TablePush>,
}

/// A table's shape, read from the store.
struct Table {
    name: &'static str,
    /// (name, PostgreSQL type, NOT NULL)
    columns: Vec<(String, &'static str, bool)>,
    key: Vec<String>,
    /// (column, referenced table, referenced column)
    references: Vec<(String, String, String)>,
}

/// A PostgreSQL error in a clerk's words (the server's own message kept, it is often localized).
fn pg_error(path: &Path, error: &postgres::Error) -> crate::error::Error {
    let message = match error.as_db_error() {
        Some(db) => {
            let code = db.code().code();
            let what = match code {
                "28P01" | "28000" => "PostgreSQL 拒绝登录（用户名或密码不对）",
                "3D000" => "PostgreSQL 中没有这个数据库",
                "42501" => "PostgreSQL 用户没有建表或写入的权限",
                "53100" => "PostgreSQL 服务器磁盘已满",
                _ => "PostgreSQL 报错",
            };
            format!("{what}：{}（SQLSTATE {code}）", db.message())
        }
        None if error.is_closed() => "与 PostgreSQL 服务器的连接断开了".to_owned(),
        None => {
            let io = std::error::Error::source(error)
                .and_then(|e| e.downcast_ref::<std::io::Error>())
                .map(|e| e.kind());
            let why = match io {
                Some(std::io::ErrorKind::ConnectionRefused) => {
                    "连接被拒绝，该地址和端口上没有 PostgreSQL 服务器".to_owned()
                }
                Some(std::io::ErrorKind::TimedOut) => "连接超时".to_owned(),
                Some(std::io::ErrorKind::NotFound) => "找不到该主机".to_owned(),
                _ => std::error::Error::source(error)
                    .map_or_else(|| error.to_string(), |e| e.to_string()),
            };
            format!(
                "无法连接 PostgreSQL 服务器（{why}）；请检查地址、端口、用户名和服务器是否在运行"
            )
        }
    };
    store_error(path, message)
}

/// Whether a PostgreSQL schema name is plain (letters, digits, `_`; not starting with a digit).
fn plain_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

impl Store {
    /// Copies every table of the store into `schema` of the PostgreSQL database at `url`
    /// (`postgres://user:password@host:port/database`; the password may also come from
    /// `PGPASSWORD`), creating the schema and its tables when missing.
    pub fn push(&mut self, url: &str, schema: &str) -> Result<PushReport> {
        if !plain_name(schema) {
            return Err(store_error(
                &self.path,
                format!("PostgreSQL 模式名“{schema}”只能由小写字母、数字和下划线组成"),
            ));
        }
        let mut config: Config = url.parse().map_err(|e| {
            store_error(
                &self.path,
                format!(
                    "PostgreSQL 地址写得不对（应为 postgres://用户名:密码@主机:端口/数据库）：{e}"
                ),
            )
        })?;
        if config.get_password().is_none()
            && let Some(password) = std::env::var_os("PGPASSWORD")
        {
            config.password(password.to_string_lossy().as_bytes());
        }
        let store_id = self.store_id()?;
        let path = self.path.clone();
        let sql = |e: rusqlite::Error| sql_error(&path, &e);
        // One snapshot of the store: a batch committed during the push is left for the next.
        let snapshot = self.conn.transaction().map_err(sql)?;
        let tables = std::iter::once("meta")
            .chain(schema::TABLES)
            .map(|name| shape(&snapshot, name))
            .collect::<rusqlite::Result<Vec<Table>>>()
            .map_err(sql)?;
        let indexes: Vec<String> = snapshot
            .prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name")
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .map_err(sql)?;
        let version = schema::version(&snapshot).map_err(sql)?;

        let mut client = config.connect(NoTls).map_err(|e| pg_error(&path, &e))?;
        let mut tx = client.transaction().map_err(|e| pg_error(&path, &e))?;
        let q = format!("\"{schema}\"");
        let mut ddl = format!("CREATE SCHEMA IF NOT EXISTS {q};\n");
        for table in &tables {
            ddl.push_str(&create_table(&q, table));
        }
        for index in &indexes {
            if let Some(statement) = create_index(&q, index) {
                ddl.push_str(&statement);
            }
        }
        tx.batch_execute(&ddl).map_err(|e| pg_error(&path, &e))?;
        refuse_other(&path, &mut tx, &q, &store_id, version)?;
        let mut report = PushReport {
            schema: schema.to_owned(),
            tables: Vec::new(),
        };
        for table in &tables {
            let pushed =
                copy_table(&snapshot, &mut tx, &q, table, version).map_err(|e| match e {
                    CopyError::Sql(e) => sql_error(&path, &e),
                    CopyError::Pg(e) => pg_error(&path, &e),
                    CopyError::Io(e) => store_error(&path, format!("写往 PostgreSQL 时出错：{e}")),
                })?;
            report.tables.push(pushed);
        }
        tx.commit().map_err(|e| pg_error(&path, &e))?;
        drop(snapshot);
        Ok(report)
    }

    /// The store's own identity (made on first push): a PostgreSQL schema holds one store.
    fn store_id(&self) -> Result<String> {
        let sql = |e: rusqlite::Error| sql_error(&self.path, &e);
        let seed = format!(
            "{}|{}|{:?}",
            self.path.display(),
            std::process::id(),
            std::time::SystemTime::now()
        );
        let made: String = Sha256::digest(seed.as_bytes())
            .iter()
            .take(16)
            .map(|b| format!("{b:02x}"))
            .collect();
        self.conn
            .execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('store_id', ?1)",
                [made],
            )
            .map_err(sql)?;
        self.conn
            .query_row("SELECT value FROM meta WHERE key = 'store_id'", [], |r| {
                r.get(0)
            })
            .map_err(sql)
    }
}

/// Refuses a schema that holds another store's rows or a newer schema version.
fn refuse_other(
    path: &Path,
    tx: &mut Transaction<'_>,
    q: &str,
    store_id: &str,
    version: i64,
) -> Result<()> {
    let value = |tx: &mut Transaction<'_>, key: &str| -> Result<Option<String>> {
        tx.query_opt(
            &format!("SELECT value FROM {q}.meta WHERE key = $1"),
            &[&key],
        )
        .map(|row| row.map(|r| r.get(0)))
        .map_err(|e| pg_error(path, &e))
    };
    if let Some(found) = value(tx, "schema_version")?
        && found.parse::<i64>().unwrap_or(i64::MAX) > version
    {
        return Err(store_error(
            path,
            format!(
                "PostgreSQL 中的表由更新版本的 jixiao 写入（结构版本 {found}，本版本是 {version}）；请升级 jixiao"
            ),
        ));
    }
    if let Some(found) = value(tx, "store_id")?
        && found != store_id
    {
        return Err(store_error(
            path,
            format!(
                "PostgreSQL 模式 {q} 中已有另一个存储文件的数据；请用 --schema 另选一个模式（每个存储文件一个）"
            ),
        ));
    }
    let batches: i64 = tx
        .query_one(&format!("SELECT COUNT(*) FROM {q}.batches"), &[])
        .map(|r| r.get(0))
        .map_err(|e| pg_error(path, &e))?;
    if batches > 0 && value(tx, "store_id")?.is_none() {
        return Err(store_error(
            path,
            format!(
                "PostgreSQL 模式 {q} 中已有不是由 jixiao store push 写入的批次；请用 --schema 另选一个模式"
            ),
        ));
    }
    Ok(())
}

/// A table's columns, key and references, as the store has them.
fn shape(conn: &Connection, name: &'static str) -> rusqlite::Result<Table> {
    let mut columns = Vec::new();
    let mut key: Vec<(i64, String)> = Vec::new();
    let mut statement = conn.prepare(&format!("PRAGMA table_info({name})"))?;
    let mut rows = statement.query([])?;
    while let Some(row) = rows.next()? {
        let column: String = row.get(1)?;
        let declared: String = row.get(2)?;
        let not_null: bool = row.get(3)?;
        let pk: i64 = row.get(5)?;
        let kind = if NUMERIC.contains(&(name, column.as_str())) {
            "NUMERIC"
        } else if declared.eq_ignore_ascii_case("INTEGER") {
            "BIGINT"
        } else {
            "TEXT"
        };
        if pk > 0 {
            key.push((pk, column.clone()));
        }
        columns.push((column, kind, not_null || pk > 0));
    }
    key.sort();
    let references = conn
        .prepare(&format!("PRAGMA foreign_key_list({name})"))?
        .query_map([], |r| Ok((r.get(3)?, r.get(2)?, r.get(4)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Table {
        name,
        columns,
        key: key.into_iter().map(|(_, c)| c).collect(),
        references,
    })
}

/// `CREATE TABLE IF NOT EXISTS` of a table in the schema `q` (quoted).
fn create_table(q: &str, table: &Table) -> String {
    let mut parts: Vec<String> = table
        .columns
        .iter()
        .map(|(name, kind, not_null)| {
            let reference = table
                .references
                .iter()
                .find(|(column, ..)| column == name)
                .map(|(_, to, column)| format!(" REFERENCES {q}.{to}({column})"))
                .unwrap_or_default();
            let null = if *not_null { " NOT NULL" } else { "" };
            format!("  {name} {kind}{null}{reference}")
        })
        .collect();
    parts.push(format!("  PRIMARY KEY ({})", table.key.join(", ")));
    format!(
        "CREATE TABLE IF NOT EXISTS {q}.{} (\n{}\n);\n",
        table.name,
        parts.join(",\n")
    )
}

/// The store's `CREATE [UNIQUE] INDEX name ON table(…) [WHERE …]` for the schema `q`.
fn create_index(q: &str, sqlite: &str) -> Option<String> {
    let (head, rest) = sqlite.split_once(" ON ")?;
    let head = head
        .replacen(
            "CREATE UNIQUE INDEX ",
            "CREATE UNIQUE INDEX IF NOT EXISTS ",
            1,
        )
        .replacen("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1);
    Some(format!("{head} ON {q}.{};\n", rest.trim()))
}

enum CopyError {
    Sql(rusqlite::Error),
    Pg(postgres::Error),
    Io(std::io::Error),
}

impl From<rusqlite::Error> for CopyError {
    fn from(e: rusqlite::Error) -> Self {
        CopyError::Sql(e)
    }
}
impl From<postgres::Error> for CopyError {
    fn from(e: postgres::Error) -> Self {
        CopyError::Pg(e)
    }
}
impl From<std::io::Error> for CopyError {
    fn from(e: std::io::Error) -> Self {
        CopyError::Io(e)
    }
}

/// Copies one table: the store's rows streamed (COPY) into a staging table, then inserted where
/// the server lacks them and updated where they differ.
fn copy_table(
    store: &Connection,
    tx: &mut Transaction<'_>,
    q: &str,
    table: &Table,
    version: i64,
) -> std::result::Result<TablePush, CopyError> {
    let name = table.name;
    let staging = format!("jixiao_staging_{name}");
    let columns: Vec<&str> = table.columns.iter().map(|(c, ..)| c.as_str()).collect();
    let list = columns.join(", ");
    tx.batch_execute(&format!(
        "CREATE TEMP TABLE {staging} (LIKE {q}.{name}) ON COMMIT DROP;"
    ))?;
    let mut rows: u64 = 0;
    {
        let mut writer = tx.copy_in(&format!("COPY {staging} ({list}) FROM STDIN"))?;
        let mut line = String::new();
        let mut select = store.prepare(&format!(
            "SELECT {list} FROM {name} ORDER BY {}",
            table.key.join(", ")
        ))?;
        let mut found = select.query([])?;
        while let Some(row) = found.next()? {
            line.clear();
            for i in 0..columns.len() {
                if i > 0 {
                    line.push('\t');
                }
                match row.get_ref(i)? {
                    // A record's JSON kept compressed: the server gets it as text.
                    value @ ValueRef::Blob(_) => {
                        let json = super::record_json::decode(value).ok_or_else(|| {
                            CopyError::Io(std::io::Error::new(
                                std::io::ErrorKind::InvalidData,
                                format!("{name} 表第 {} 行的记录内容已损坏", rows + 1),
                            ))
                        })?;
                        copy_value(&mut line, ValueRef::Text(json.as_bytes()));
                    }
                    value => copy_value(&mut line, value),
                }
            }
            line.push('\n');
            writer.write_all(line.as_bytes())?;
            rows += 1;
        }
        if name == "meta" {
            // What the server's copy is: which store, at which schema version.
            // (store_id is one of the store's own rows).
            line.clear();
            let _ = writeln!(line, "schema_version\t{version}");
            writer.write_all(line.as_bytes())?;
            rows += 1;
        }
        writer.finish()?;
    }
    let key = table.key.join(", ");
    let inserted = tx.execute(
        &format!(
            "INSERT INTO {q}.{name} ({list}) SELECT {list} FROM {staging} ORDER BY {key} \
             ON CONFLICT ({key}) DO NOTHING"
        ),
        &[],
    )?;
    let others: Vec<&str> = columns
        .iter()
        .copied()
        .filter(|c| !table.key.iter().any(|k| k == c))
        .collect();
    let set: Vec<String> = others.iter().map(|c| format!("{c} = s.{c}")).collect();
    let matched: Vec<String> = table.key.iter().map(|k| format!("t.{k} = s.{k}")).collect();
    let mine: Vec<String> = others.iter().map(|c| format!("t.{c}")).collect();
    let theirs: Vec<String> = others.iter().map(|c| format!("s.{c}")).collect();
    let updated = tx.execute(
        &format!(
            "UPDATE {q}.{name} AS t SET {} FROM {staging} AS s WHERE {} \
             AND ({}) IS DISTINCT FROM ({})",
            set.join(", "),
            matched.join(" AND "),
            mine.join(", "),
            theirs.join(", ")
        ),
        &[],
    )?;
    tx.batch_execute(&format!("DROP TABLE {staging};"))?;
    Ok(TablePush {
        table: name.to_owned(),
        rows,
        inserted,
        updated,
    })
}

/// A value in COPY's text format: `\N` for NULL, text with its backslashes, tabs and line
/// breaks escaped.
fn copy_value(line: &mut String, value: ValueRef<'_>) {
    match value {
        ValueRef::Null => line.push_str("\\N"),
        ValueRef::Integer(i) => {
            let _ = write!(line, "{i}");
        }
        ValueRef::Real(f) => {
            let _ = write!(line, "{f}");
        }
        ValueRef::Text(bytes) | ValueRef::Blob(bytes) => {
            for c in String::from_utf8_lossy(bytes).chars() {
                match c {
                    '\\' => line.push_str("\\\\"),
                    '\t' => line.push_str("\\t"),
                    '\n' => line.push_str("\\n"),
                    '\r' => line.push_str("\\r"),
                    c => line.push(c),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_for_copy() {
        let mut line = String::new();
        copy_value(&mut line, ValueRef::Text("a\\b\tc\nd\re".as_bytes()));
        assert_eq!(line, "a\\\\b\\tc\\nd\\re");
        line.clear();
        copy_value(&mut line, ValueRef::Null);
        assert_eq!(line, "\\N");
    }

    #[test]
    fn schema_names_are_plain() {
        assert!(plain_name("jixiao"));
        assert!(plain_name("jixiao_2026"));
        assert!(!plain_name("Jixiao"));
        assert!(!plain_name("x\"; DROP TABLE batches; --"));
        assert!(!plain_name("2026"));
        assert!(!plain_name(""));
    }

    #[test]
    fn the_tables_follow_the_store() {
        let mut conn = Connection::open_in_memory().unwrap();
        schema::migrate(&mut conn).unwrap();
        let records = shape(&conn, "records").unwrap();
        let ddl = create_table("\"jixiao\"", &records);
        assert!(ddl.contains("  id BIGINT NOT NULL,"), "{ddl}");
        assert!(ddl.contains("  annual_total NUMERIC,"), "{ddl}");
        assert!(ddl.contains("  project_name TEXT NOT NULL,"), "{ddl}");
        assert!(
            ddl.contains("superseded_by BIGINT REFERENCES \"jixiao\".records(id)"),
            "{ddl}"
        );
        assert!(ddl.ends_with("  PRIMARY KEY (id)\n);\n"), "{ddl}");
        let indicators = shape(&conn, "indicators").unwrap();
        assert_eq!(indicators.key, ["record_id", "position"]);
        // Every NUMERIC column names a column the store has.
        for (table, column) in NUMERIC {
            let t = shape(&conn, table).unwrap();
            assert!(
                t.columns
                    .iter()
                    .any(|(c, kind, _)| c == column && *kind == "NUMERIC"),
                "{table}.{column}"
            );
        }
        assert_eq!(
            create_index(
                "\"jixiao\"",
                "CREATE UNIQUE INDEX files_hash ON files(hash) WHERE hash IS NOT NULL"
            )
            .unwrap(),
            "CREATE UNIQUE INDEX IF NOT EXISTS files_hash ON \"jixiao\".files(hash) WHERE hash IS NOT NULL;\n"
        );
    }
}
