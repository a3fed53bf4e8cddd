//! `jixiao store push` into a real PostgreSQL server: pushing a store twice gives the same row
//! counts and the same sums as the store itself and changes nothing the second time; a later
//! batch adds its rows and updates the record it superseded; another store is refused; a server
//! that is not there is one clear line.
//!
//! The server comes from `JIXIAO_TEST_POSTGRES` (`scripts/check-postgres.sh`, run by `.ci/run`,
//! starts one and sets it); without it the tests that need it say so and skip.

use std::ffi::OsStr;
use std::path::Path;

use rust_decimal::Decimal;

use crate::harness::{fixture, jixiao};
use crate::store::{convert, year};

/// The server to test against, or `None` with the reason printed.
fn server() -> Option<String> {
    match std::env::var("JIXIAO_TEST_POSTGRES") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            eprintln!(
                "skipped: no PostgreSQL server given (set JIXIAO_TEST_POSTGRES=postgres://…, as scripts/check-postgres.sh does)"
            );
            None
        }
    }
}

fn push(store: &Path, url: &str, schema: &str) -> crate::harness::Run {
    jixiao([
        OsStr::new("store"),
        OsStr::new("push"),
        OsStr::new(url),
        OsStr::new("--schema"),
        OsStr::new(schema),
        OsStr::new("--store"),
        store.as_os_str(),
    ])
}

/// The columns summed on both sides (every NUMERIC column).
const SUMMED: [(&str, &str); 13] = [
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

const TABLES: [&str; 8] = [
    "meta",
    "batches",
    "files",
    "records",
    "indicators",
    "tasks",
    "findings",
    "warnings",
];

/// Row counts per table, exact sums per NUMERIC column, and every record (id, JSON, superseded_by).
type Snapshot = (Vec<i64>, Vec<Decimal>, Vec<(i64, String, Option<i64>)>);

/// Row counts, exact sums and every record's JSON, from the store.
fn from_store(store: &Path) -> Snapshot {
    let conn = rusqlite::Connection::open(store).unwrap();
    let counts = TABLES
        .iter()
        .map(|t| {
            let n: i64 = conn
                .query_row(&format!("SELECT COUNT(*) FROM {t}"), [], |r| r.get(0))
                .unwrap();
            // The server's meta also says which schema version it holds.
            if *t == "meta" { n + 1 } else { n }
        })
        .collect();
    let sums = SUMMED
        .iter()
        .map(|(t, c)| {
            let mut statement = conn
                .prepare(&format!("SELECT {c} FROM {t} WHERE {c} IS NOT NULL"))
                .unwrap();
            let values: Vec<String> = statement
                .query_map([], |r| r.get(0))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            values
                .iter()
                .map(|v| v.parse::<Decimal>().unwrap())
                .sum::<Decimal>()
                .normalize()
        })
        .collect();
    let records = conn
        .prepare("SELECT id, record, superseded_by FROM records ORDER BY id")
        .unwrap()
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                crate::store::stored_json(r.get_ref(1)?),
                r.get(2)?,
            ))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    (counts, sums, records)
}

/// The same, from the server.
fn from_server(client: &mut postgres::Client, schema: &str) -> Snapshot {
    let counts = TABLES
        .iter()
        .map(|t| {
            client
                .query_one(&format!("SELECT COUNT(*) FROM {schema}.{t}"), &[])
                .unwrap()
                .get(0)
        })
        .collect();
    let sums = SUMMED
        .iter()
        .map(|(t, c)| {
            let text: String = client
                .query_one(
                    &format!("SELECT COALESCE(SUM({c}), 0)::text FROM {schema}.{t}"),
                    &[],
                )
                .unwrap()
                .get(0);
            text.parse::<Decimal>().unwrap().normalize()
        })
        .collect();
    let records = client
        .query(
            &format!("SELECT id, record, superseded_by FROM {schema}.records ORDER BY id"),
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    (counts, sums, records)
}

/// (inserted, updated) over every table, from push's lines.
fn changes(stdout: &str) -> (u64, u64) {
    let mut inserted = 0;
    let mut updated = 0;
    for line in stdout.lines() {
        let number = |word: &str| -> u64 {
            line.split(word)
                .nth(1)
                .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
                .and_then(|n| n.parse().ok())
                .unwrap_or(0)
        };
        inserted += number("新增 ");
        updated += number("更新 ");
    }
    (inserted, updated)
}

#[test]
fn pushing_a_store_twice_gives_the_same_rows_and_sums_and_changes_nothing() {
    let Some(url) = server() else { return };
    let dir = tempfile::tempdir().unwrap();
    let year = year(dir.path());
    let store = dir.path().join("store.sqlite");
    let departments = fixture("field-corpus-3/departments");
    convert(
        &[&year.targets, &departments],
        &dir.path().join("o1"),
        &store,
    )
    .expect_code(0);
    convert(&[&year.later], &dir.path().join("o2"), &store).expect_code(0);
    let schema = format!(
        "jixiao_test_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    );
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();

    let first = push(&store, &url, &schema).expect_code(0);
    let (inserted, updated) = changes(&first.stdout);
    assert!(inserted > 100 && updated == 0, "{}", first.stdout);
    let expected = from_store(&store);
    assert!(
        expected.0[5] > 0,
        "the department forms' tasks are in the store"
    );
    assert_eq!(from_server(&mut client, &schema), expected);
    let column: String = client
        .query_one(
            "SELECT data_type FROM information_schema.columns \
             WHERE table_schema = $1 AND table_name = 'records' AND column_name = 'annual_total'",
            &[&schema],
        )
        .unwrap()
        .get(0);
    assert_eq!(column, "numeric", "amounts are NUMERIC");

    // Twice: nothing changes.
    let second = push(&store, &url, &schema).expect_code(0);
    assert_eq!(changes(&second.stdout), (0, 0), "{}", second.stdout);
    assert_eq!(from_server(&mut client, &schema), expected);

    // A corrected target: its record and rows added, the record it superseded updated.
    convert(&[&year.corrected], &dir.path().join("o3"), &store).expect_code(0);
    let third = push(&store, &url, &schema).expect_code(0);
    let expected = from_store(&store);
    assert_eq!(from_server(&mut client, &schema), expected);
    assert!(
        third.stdout.contains("records：存储库") && third.stdout.contains("新增 1，更新 1"),
        "{}",
        third.stdout
    );

    // Another store into the same schema is refused, and nothing of it lands.
    let other = dir.path().join("other.sqlite");
    convert(&[&year.corrected], &dir.path().join("o4"), &other).expect_code(0);
    let refused = push(&other, &url, &schema).expect_code(2);
    assert!(
        refused.stderr.contains("已有另一个存储文件的数据"),
        "{}",
        refused.describe()
    );
    assert_eq!(from_server(&mut client, &schema), expected);
    client
        .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
        .unwrap();
}

#[test]
fn a_server_that_is_not_there_or_a_bad_address_is_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store.sqlite");
    convert(&[&fixture("field-corpus")], &dir.path().join("o"), &store).expect_code(0);
    // Port 1 on the loopback: nothing listens there.
    let run = push(&store, "postgres://jixiao@127.0.0.1:1/jixiao", "jixiao").expect_code(2);
    assert!(
        run.stderr.contains("无法连接 PostgreSQL 服务器"),
        "{}",
        run.describe()
    );
    assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.describe());
    let run = push(&store, "mysql://x", "jixiao").expect_code(2);
    assert!(
        run.stderr.contains("PostgreSQL 地址写得不对"),
        "{}",
        run.describe()
    );
    let run = push(&store, "postgres://jixiao@127.0.0.1:1/jixiao", "Bad-Name").expect_code(2);
    assert!(run.stderr.contains("模式名"), "{}", run.describe());
}
