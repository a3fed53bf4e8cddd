//! The store (`--store FILE`): targets converted in one run are found by the self-evaluations
//! and monitoring forms of a later run; a corrected target supersedes the one before it, which
//! `jixiao history` still shows; importing the same files twice changes no row; a run killed at
//! any moment leaves the store with the old batches or the new one, and `store check` passes; a
//! store a newer jixiao wrote, or a file that is no store, is refused with one clear line.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use calamine::Data;
use rusqlite::types::ValueRef;
use serde_json::Value;

use crate::evaluations::{write_target, 卫生};
use crate::harness::{fixture, jixiao};
use crate::sheet_copy::{SheetCopy, Variation, write_variant};

const MONITORING: &str = "field-corpus-3/monitoring";

pub fn convert(inputs: &[&Path], out: &Path, store: &Path) -> crate::harness::Run {
    let mut args: Vec<&OsStr> = vec![OsStr::new("convert")];
    args.extend(inputs.iter().map(|p| p.as_os_str()));
    args.extend([
        OsStr::new("-o"),
        out.as_os_str(),
        OsStr::new("--store"),
        store.as_os_str(),
    ]);
    jixiao(args)
}

fn lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Every row of every table but `batches`, as text: what a batch may change.
fn rows(store: &Path) -> BTreeMap<String, Vec<String>> {
    let conn = rusqlite::Connection::open(store).unwrap();
    let mut all = BTreeMap::new();
    for table in [
        "files",
        "records",
        "indicators",
        "tasks",
        "findings",
        "warnings",
    ] {
        let mut statement = conn
            .prepare(&format!("SELECT * FROM {table} ORDER BY 1, 2"))
            .unwrap();
        let columns = statement.column_count();
        let found: Vec<String> = statement
            .query_map([], |row| {
                let cells: Vec<String> = (0..columns)
                    .map(|i| format!("{:?}", row.get_ref(i).unwrap()))
                    .collect();
                Ok(cells.join("|"))
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        all.insert(table.to_owned(), found);
    }
    all
}

/// A record's JSON as the store keeps it: an LZ4 frame (a zlib stream in rows of schema version
/// 2, text in rows of version 1).
pub fn stored_json(value: ValueRef<'_>) -> String {
    use std::io::Read;
    let mut json = String::new();
    match value {
        ValueRef::Text(text) => return String::from_utf8(text.to_vec()).unwrap(),
        ValueRef::Blob(bytes @ [0x04, 0x22, 0x4d, 0x18, ..]) => {
            lz4_flex::frame::FrameDecoder::new(bytes)
                .read_to_string(&mut json)
                .unwrap();
        }
        ValueRef::Blob(bytes) => {
            flate2::read::ZlibDecoder::new(bytes)
                .read_to_string(&mut json)
                .unwrap();
        }
        other => panic!("a record stored as {other:?}"),
    }
    json
}

/// `jixiao store check` on a store: it passes.
fn store_check(store: &Path) {
    let check = jixiao([
        OsStr::new("store"),
        OsStr::new("check"),
        OsStr::new("--store"),
        store.as_os_str(),
    ])
    .expect_code(0);
    assert!(check.stdout.contains("检查通过"), "{}", check.describe());
}

fn count(store: &Path, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(store).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// The three folders of a year: targets in the autumn, monitoring and self-evaluations later,
/// and a corrected target.
pub struct Year {
    pub targets: PathBuf,
    pub later: PathBuf,
    pub corrected: PathBuf,
}

pub fn year(dir: &Path) -> Year {
    let targets = dir.join("targets");
    let later = dir.join("later");
    let corrected = dir.join("corrected");
    for folder in [&targets, &later, &corrected] {
        std::fs::create_dir_all(folder).unwrap();
    }
    for entry in std::fs::read_dir(fixture(MONITORING)).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with(".xlsx") {
            continue;
        }
        let to = if name.contains("监控") {
            &later
        } else {
            &targets
        };
        std::fs::copy(&path, to.join(&name)).unwrap();
    }
    write_target(&targets.join("卫生健康委员会_目标表.xlsx"));
    std::fs::copy(fixture(卫生), later.join("卫生健康委员会_自评表.xlsx")).unwrap();
    // The 吴泾镇 target corrected: a changed annual goal (same project, same year).
    let mut copy =
        SheetCopy::load(&targets.join("吴泾镇人民政府_社区公共空间微更新_2025年度绩效目标表.xlsx"));
    let goal = copy
        .cells
        .iter()
        .find(|(_, _, v)| matches!(v, Data::String(s) if s.starts_with("完成12处社区公共空间")))
        .map(|(r, c, _)| (*r, *c))
        .unwrap();
    copy.cells.retain(|(r, c, _)| (*r, *c) != goal);
    copy.cells.push((
        goal.0,
        goal.1,
        Data::String("完成12处社区公共空间微更新改造（更正）".into()),
    ));
    write_variant(
        &[(&copy, Variation::default(), &[])],
        &corrected.join("吴泾镇_更正后的绩效目标表.xlsx"),
    );
    Year {
        targets,
        later,
        corrected,
    }
}

#[test]
fn later_forms_find_their_targets_in_the_store_and_corrections_supersede() {
    let dir = tempfile::tempdir().unwrap();
    let year = year(dir.path());
    let store = dir.path().join("存储/jixiao.sqlite");

    // The autumn: three target forms.
    let run = convert(&[&year.targets], &dir.path().join("o1"), &store).expect_code(0);
    assert!(run.stderr.contains("第 1 批"), "{}", run.describe());
    assert_eq!(count(&store, "SELECT COUNT(*) FROM records"), 3);

    // July and the next spring, in one batch without the targets: every link through the store.
    let run = convert(&[&year.later], &dir.path().join("o2"), &store).expect_code(0);
    assert!(
        run.stderr
            .contains("有 3 张表的绩效目标表不在本批次中，取自存储库"),
        "{}",
        run.describe()
    );
    let monitoring = lines(&dir.path().join("o2/monitoring.jsonl"));
    let linked: Vec<&Value> = monitoring
        .iter()
        .filter(|m| m["monitoring"]["target"].is_object())
        .collect();
    assert_eq!(
        linked.len(),
        2,
        "the two projects whose targets the store has"
    );
    for m in &linked {
        assert_eq!(m["monitoring"]["target"]["stored_batch"], 1);
    }
    let changed = monitoring
        .iter()
        .find(|m| m["project_name"] == "城市排水管网清疏养护")
        .unwrap();
    assert!(
        changed["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["code"] == "target_changed"
                && w["message"].as_str().unwrap().contains("检查井维修数量")),
        "{changed}"
    );
    let evaluations = lines(&dir.path().join("o2/evaluations.jsonl"));
    assert_eq!(evaluations.len(), 1);
    let target = &evaluations[0]["evaluation"]["target"];
    assert_eq!(target["stored_batch"], 1, "{target}");
    assert!(
        target["source"]["file"]
            .as_str()
            .unwrap()
            .ends_with("卫生健康委员会_目标表.xlsx")
    );
    // The outputs say where the target came from.
    let csv = std::fs::read_to_string(dir.path().join("o2/monitoring.csv")).unwrap();
    assert!(csv.contains("存储库第 1 批"), "{csv}");

    // A corrected target supersedes the first; history shows both.
    convert(&[&year.corrected], &dir.path().join("o3"), &store).expect_code(0);
    assert_eq!(
        count(
            &store,
            "SELECT COUNT(*) FROM records WHERE superseded_by IS NOT NULL"
        ),
        1
    );
    let history = jixiao([
        OsStr::new("history"),
        OsStr::new("社区公共空间微更新"),
        OsStr::new("--store"),
        store.as_os_str(),
        OsStr::new("--json"),
    ])
    .expect_code(0);
    let rows: Vec<Value> = serde_json::from_str(&history.stdout).unwrap();
    let targets: Vec<&Value> = rows.iter().filter(|r| r["kind"] == "target").collect();
    assert_eq!(targets.len(), 2, "{rows:#?}");
    assert!(targets[0]["superseded_by"] == targets[1]["id"]);
    assert!(targets[1]["superseded_by"].is_null());
    assert!(rows.iter().any(|r| r["kind"] == "monitoring"));
    let table = jixiao([
        OsStr::new("history"),
        OsStr::new("31011225000431"),
        OsStr::new("--store"),
        store.as_os_str(),
    ])
    .expect_code(0);
    assert!(table.stdout.contains("绩效运行监控表"), "{}", table.stdout);

    // The same files again: no row changes (the batch is logged, adding nothing).
    let before = rows_of(&store);
    let run = convert(
        &[&year.targets, &year.later, &year.corrected],
        &dir.path().join("o4"),
        &store,
    )
    .expect_code(0);
    assert!(
        run.stderr.contains("新增 0 条记录") && run.stderr.contains("此前已存入"),
        "{}",
        run.describe()
    );
    assert_eq!(rows_of(&store), before);
    // Re-importing the old target does not bring it back: the corrected one stays current.
    assert_eq!(
        count(
            &store,
            "SELECT COUNT(*) FROM records WHERE superseded_by IS NULL AND kind = 'target'"
        ),
        3
    );
    store_check(&store);
    let info = jixiao([
        OsStr::new("store"),
        OsStr::new("info"),
        OsStr::new("--store"),
        store.as_os_str(),
    ])
    .expect_code(0);
    assert!(
        info.stdout.contains("4 个批次")
            && info
                .stdout
                .contains("绩效目标表：当前 3 张，已被更正取代 1 张"),
        "{}",
        info.stdout
    );
    // Closed cleanly: the store is one file.
    assert!(!store.with_extension("sqlite-wal").exists());
}

fn rows_of(store: &Path) -> BTreeMap<String, Vec<String>> {
    rows(store)
}

#[test]
fn a_newer_store_or_a_file_that_is_no_store_is_refused_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let input = fixture(MONITORING);
    let newer = dir.path().join("newer.sqlite");
    {
        let conn = rusqlite::Connection::open(&newer).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
    }
    let run = convert(&[&input], &dir.path().join("o1"), &newer).expect_code(2);
    // One line: the file, then what is wrong with it, said once.
    assert!(
        run.stderr
            .contains("newer.sqlite：存储文件由更新版本的 jixiao 写入（结构版本 99")
            && run.stderr.lines().count() == 1,
        "{}",
        run.describe()
    );
    assert!(
        !dir.path().join("o1/summary.xlsx").exists(),
        "nothing written"
    );
    let text = dir.path().join("笔记.sqlite");
    std::fs::write(&text, "这不是数据库，只是一段文字。".repeat(100)).unwrap();
    let run = convert(&[&input], &dir.path().join("o2"), &text).expect_code(2);
    assert!(
        run.stderr.contains("不是 jixiao 的存储文件"),
        "{}",
        run.describe()
    );
    let missing = jixiao([
        OsStr::new("store"),
        OsStr::new("info"),
        OsStr::new("--store"),
        dir.path().join("无.sqlite").as_os_str(),
    ])
    .expect_code(2);
    assert!(
        missing.stderr.contains("存储文件不存在"),
        "{}",
        missing.describe()
    );
}

/// Whether files in `dir` can be opened for direct writes (Linux; not on tmpfs), as the store's
/// checkpoint of a large batch does.
fn direct_writes_allowed(dir: &Path) -> bool {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let probe = dir.join("direct-probe");
        let allowed = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .custom_flags(libc::O_DIRECT)
            .open(&probe)
            .is_ok();
        let _ = std::fs::remove_file(&probe);
        allowed
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = dir;
        false
    }
}

/// The counts a store holds: batches and rows of every table.
fn state(store: &Path) -> Vec<i64> {
    ["batches", "files", "records", "indicators", "warnings"]
        .iter()
        .map(|t| count(store, &format!("SELECT COUNT(*) FROM {t}")))
        .collect()
}

#[cfg(unix)]
#[test]
fn a_run_killed_at_any_moment_leaves_the_store_with_the_old_batches_or_the_new_one() {
    let dir = tempfile::tempdir().unwrap();
    let year = year(dir.path());
    // The states before and after the second batch, from complete runs.
    let reference = dir.path().join("reference.sqlite");
    convert(&[&year.targets], &dir.path().join("r1"), &reference).expect_code(0);
    let old = state(&reference);
    convert(&[&year.later], &dir.path().join("r2"), &reference).expect_code(0);
    let new = state(&reference);
    assert_ne!(old, new);
    let mut points = vec![
        "locked",
        "reading",
        "written:monitoring.jsonl",
        "written:summary.xlsx",
        "store:commit",
        "staged",
        "swapped",
    ];
    // Every killed run checkpoints past the page cache (the line at 0): on a file system that
    // takes direct writes, also killed between the checkpoint's pages and its sync.
    if direct_writes_allowed(dir.path()) {
        points.push("store:direct-written");
    } else {
        println!(
            "direct writes refused in {}: not killed mid-checkpoint",
            dir.path().display()
        );
    }
    for (index, point) in points.iter().enumerate() {
        let store = dir.path().join(format!("k{index}.sqlite"));
        let out = dir.path().join(format!("k{index}"));
        convert(&[&year.targets], &out, &store).expect_code(0);
        let mut child = Command::new(env!("CARGO_BIN_EXE_jixiao"))
            .arg("convert")
            .arg(&year.later)
            .arg("-o")
            .arg(&out)
            .arg("--store")
            .arg(&store)
            .env("JIXIAO_PAUSE_AT", point)
            .env("JIXIAO_DIRECT_CHECKPOINT_BYTES", "0")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let mut lines = BufReader::new(stderr).lines();
        let expected = format!("jixiao: paused at {point}");
        loop {
            match lines.next() {
                Some(Ok(line)) if line == expected => break,
                Some(Ok(_)) => continue,
                _ => panic!("the run ended before {point}"),
            }
        }
        child.kill().unwrap();
        child.wait().unwrap();
        let left = state(&store);
        assert!(
            left == old || left == new,
            "killed at {point}: the store holds {left:?}, neither {old:?} nor {new:?}"
        );
        store_check(&store);
        // The batch run again completes it (its files are new to the store if the kill came
        // before the commit, and known after it: either way the store ends in the new state).
        convert(&[&year.later], &out, &store).expect_code(0);
        let mut after = state(&store);
        let mut want = new.clone();
        // One more batch logged when the killed one had committed.
        after[0] = 0;
        want[0] = 0;
        assert_eq!(after, want, "after the run that followed a kill at {point}");
    }
}

#[cfg(unix)]
#[test]
fn a_second_writer_is_refused_or_waits_and_never_corrupts() {
    let dir = tempfile::tempdir().unwrap();
    let year = year(dir.path());
    let store = dir.path().join("s.sqlite");
    convert(&[&year.targets], &dir.path().join("o0"), &store).expect_code(0);
    // The first run holds the store (its batch is open) until `release` exists.
    let release = dir.path().join("release");
    let mut first = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .arg("convert")
        .arg(&year.later)
        .arg("-o")
        .arg(dir.path().join("o1"))
        .arg("--store")
        .arg(&store)
        .env("JIXIAO_PAUSE_AT", "reading")
        .env("JIXIAO_PAUSE_UNTIL", &release)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = first.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    loop {
        match lines.next() {
            Some(Ok(line)) if line == "jixiao: paused at reading" => break,
            Some(Ok(_)) => continue,
            _ => panic!("the first run ended before it held the store"),
        }
    }
    std::thread::spawn(move || lines.for_each(drop));
    // A second writer without --wait is refused, in one line, after a few seconds.
    let refused = convert(&[&year.corrected], &dir.path().join("o2"), &store).expect_code(2);
    assert!(
        refused.stderr.contains("存储文件正被另一个 jixiao 写入"),
        "{}",
        refused.describe()
    );
    // With --wait it waits for the first to finish, then writes its own batch.
    let waiting = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .arg("convert")
        .arg(&year.corrected)
        .arg("-o")
        .arg(dir.path().join("o3"))
        .arg("--store")
        .arg(&store)
        .arg("--wait")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    std::fs::write(&release, "").unwrap();
    assert!(first.wait().unwrap().success());
    assert!(waiting.wait_with_output().unwrap().status.success());
    assert_eq!(count(&store, "SELECT COUNT(*) FROM batches"), 3);
    assert_eq!(
        count(
            &store,
            "SELECT COUNT(*) FROM records WHERE superseded_by IS NOT NULL"
        ),
        1
    );
    store_check(&store);
}

/// The 吴泾镇 sample form of 2023, as `year`'s: another name when `name` is given, an eased
/// 考核内点位整改率 (≥95% in 2023, ≥90% after) and the amounts times `funds`.
fn sample_form(path: &Path, year: i32, name: Option<&str>, eased: bool, funds: f64) {
    let mut copy = SheetCopy::load(&crate::harness::repo("samples/吴泾镇_2023_绩效目标表.xlsx"));
    copy.set("A2", Data::String(format!("({year}年度)")));
    copy.set("B5", Data::String(format!("{year}-01-01")));
    copy.set("E5", Data::String(format!("{year}-12-31")));
    copy.set(
        "F13",
        Data::String(if eased { "≥90%" } else { "≥95%" }.into()),
    );
    if let Some(name) = name {
        copy.set("B3", Data::String(name.into()));
    }
    for cell in ["C6", "C7", "E6", "E7"] {
        copy.set(cell, Data::Float(112.5 * funds));
    }
    write_variant(&[(&copy, Variation::default(), &[])], path);
}

#[test]
fn this_years_targets_are_held_against_last_years_in_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let (last, this) = (dir.path().join("2023"), dir.path().join("2024"));
    std::fs::create_dir_all(&last).unwrap();
    std::fs::create_dir_all(&this).unwrap();
    sample_form(&last.join("联管大队.xlsx"), 2023, None, false, 1.0);
    sample_form(
        &last.join("巡查.xlsx"),
        2023,
        Some("巡查员工作经费"),
        false,
        1.0,
    );
    // 2024: one indicator made easier and the funds doubled; the other project as it was.
    sample_form(&this.join("联管大队.xlsx"), 2024, None, true, 2.0);
    sample_form(
        &this.join("巡查.xlsx"),
        2024,
        Some("巡查员工作经费"),
        false,
        1.0,
    );
    let store = dir.path().join("s.sqlite");
    convert(&[&last], &dir.path().join("o1"), &store).expect_code(0);
    let out = dir.path().join("o2");
    convert(&[&this], &out, &store).expect_code(0);
    let review = std::fs::read_to_string(out.join("review.csv")).unwrap();
    let rules = |project: &str| -> Vec<String> {
        review
            .lines()
            .filter(|l| l.contains(project) && l.contains("2024"))
            .filter_map(|l| l.rsplit(',').next().map(str::to_owned))
            .filter(|r| r == "lowered_vs_last_year" || r == "funds_change")
            .collect()
    };
    let first = rules("联管大队整治经费");
    assert!(
        first.contains(&"lowered_vs_last_year".to_owned())
            && first.contains(&"funds_change".to_owned()),
        "{review}"
    );
    assert!(
        review.contains("“考核内点位整改率”的指标值由2023年的“≥95%”放宽为“≥90%”"),
        "{review}"
    );
    assert!(review.contains("（+100%）"), "{review}");
    assert_eq!(rules("巡查员工作经费"), Vec::<String>::new(), "{review}");
    // The record carries last year's form beside this year's.
    let projects = lines(&out.join("projects.jsonl"));
    let held = projects
        .iter()
        .find(|p| p["project_name"] == "联管大队整治经费")
        .unwrap();
    assert_eq!(held["last_year"]["year"], 2023);
    assert_eq!(held["last_year"]["stored_batch"], 1);
    // 年度对比: one row per indicator of each project held against last year's.
    let sheets = crate::harness::workbook_sheets(&out.join("summary.xlsx"));
    let sheet = &sheets["年度对比"];
    assert_eq!(sheet[0][5], "资金变化");
    let eased: Vec<&Vec<String>> = sheet.iter().filter(|r| r[11] == "较上年放宽").collect();
    assert_eq!(eased.len(), 1, "{sheet:?}");
    assert_eq!(eased[0][9], "≥95%");
    assert_eq!(eased[0][10], "≥90%");
    assert_eq!(eased[0][5], "1", "a live change, its value cached: +100%");
    // Without a store, the same batch has no 年度对比 and no year-over-year finding.
    let plain = dir.path().join("o3");
    jixiao([
        OsStr::new("convert"),
        this.as_os_str(),
        OsStr::new("-o"),
        plain.as_os_str(),
    ])
    .expect_code(0);
    assert!(!crate::harness::workbook_sheets(&plain.join("summary.xlsx")).contains_key("年度对比"));
    // jixiao review --store reads the store and finds the same; jixiao forms --next-year takes
    // the store's 2024 forms.
    let reviewed = jixiao([
        OsStr::new("review"),
        this.as_os_str(),
        OsStr::new("--store"),
        store.as_os_str(),
        OsStr::new("--format"),
        OsStr::new("csv"),
    ]);
    assert!(
        reviewed.stdout.contains("lowered_vs_last_year"),
        "{}",
        reviewed.describe()
    );
    convert(&[&this], &dir.path().join("o4"), &store).expect_code(0);
    let forms = dir.path().join("forms");
    let run = jixiao([
        OsStr::new("forms"),
        OsStr::new("--next-year"),
        OsStr::new("--store"),
        store.as_os_str(),
        OsStr::new("-o"),
        forms.as_os_str(),
    ])
    .expect_code(0);
    assert!(run.stderr.contains("写出 2 张表"), "{}", run.describe());
    let read = jixiao([OsStr::new("inspect"), forms.as_os_str()]).expect_code(0);
    assert!(
        read.stdout.contains("2025"),
        "next year's forms: {}",
        read.stdout
    );
}

/// A store the jixiao before schema version 2 wrote (two target forms of
/// field-corpus-3/monitoring, one batch): opened by a batch, it is migrated in place — its rows
/// kept, the record tables rebuilt without rowid — and the new batch's monitoring forms find
/// their targets in it.
#[test]
fn a_store_an_older_jixiao_wrote_is_migrated_and_keeps_its_rows() {
    migrated_keeps_its_rows("store/v1-targets.sqlite", 1, |record| {
        matches!(record, ValueRef::Text(_))
    });
}

/// The same two forms in a store of schema version 2, whose records are zlib streams: read as
/// they are, while the new batch's records are LZ4 frames.
#[test]
fn a_version_2_store_keeps_its_zlib_records_and_adds_lz4_ones() {
    migrated_keeps_its_rows("store/v2-targets.sqlite", 2, |record| {
        matches!(record, ValueRef::Blob([0x78, ..]))
    });
}

/// Opens a store of an older version with a batch of monitoring forms: every row kept, the
/// tables of the current version, the old records (`old_record` says how their JSON is kept)
/// found as targets, the new records LZ4 frames of what the outputs hold.
fn migrated_keeps_its_rows(name: &str, version: i64, old_record: fn(ValueRef<'_>) -> bool) {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("old.sqlite");
    std::fs::copy(fixture(name), &store).unwrap();
    assert_eq!(count(&store, "PRAGMA user_version"), version);
    let before = rows(&store);
    assert_eq!(before["records"].len(), 2);
    assert_eq!(before["indicators"].len(), 16);

    let later = dir.path().join("later");
    std::fs::create_dir(&later).unwrap();
    for entry in std::fs::read_dir(fixture(MONITORING)).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.contains("监控") && name.ends_with(".xlsx") {
            std::fs::copy(&path, later.join(&name)).unwrap();
        }
    }
    let run = convert(&[&later], &dir.path().join("o"), &store).expect_code(0);
    assert!(run.stderr.contains("第 2 批"), "{}", run.describe());
    assert_eq!(count(&store, "PRAGMA user_version"), 3);
    let after = rows(&store);
    for (table, old) in &before {
        for row in old {
            assert!(after[table].contains(row), "{table}: {row} lost");
        }
    }
    assert_eq!(
        count(
            &store,
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND sql LIKE '%WITHOUT ROWID%'"
        ),
        4,
        "indicators, tasks, findings, warnings"
    );
    let monitoring = lines(&dir.path().join("o/monitoring.jsonl"));
    let linked = monitoring
        .iter()
        .filter(|m| m["monitoring"]["target"]["stored_batch"] == 1)
        .count();
    assert_eq!(
        linked, 2,
        "both monitoring forms held against the old batch's targets"
    );
    // The old rows keep their JSON as they had it; the new ones are LZ4 frames of the very
    // records the outputs hold.
    let conn = rusqlite::Connection::open(&store).unwrap();
    let stored: Vec<(bool, bool, Value)> = conn
        .prepare("SELECT record FROM records ORDER BY id")
        .unwrap()
        .query_map([], |r| {
            let value = r.get_ref(0)?;
            let lz4 = matches!(value, ValueRef::Blob([0x04, 0x22, 0x4d, 0x18, ..]));
            let json = stored_json(value);
            Ok((old_record(value), lz4, serde_json::from_str(&json).unwrap()))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(stored.len(), 2 + monitoring.len());
    for (i, &(old, lz4, ref record)) in stored.iter().enumerate() {
        if i < 2 {
            assert!(old && !lz4, "record {i} kept as it was");
        } else {
            assert!(lz4 && !old, "record {i} an LZ4 frame");
            assert!(monitoring.contains(record), "{record}");
        }
    }
    store_check(&store);
}

/// Every record's indicators table rows are its indicators in order: positions 0, 1, 2 …, the
/// levels, value, weight, score and cell its JSON holds — for records of 6 to 16 indicators, so
/// that every chunk the writer inserts at once (16, 8, 4, 2, 1 rows a statement) is used.
#[test]
fn every_records_indicator_rows_are_its_indicators_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.sqlite");
    convert(
        &[&fixture("field-corpus-3"), &fixture("field-corpus")],
        &dir.path().join("o"),
        &store,
    )
    .expect_code(0);
    let conn = rusqlite::Connection::open(&store).unwrap();
    let records: Vec<(i64, Value)> = conn
        .prepare("SELECT id, record FROM records ORDER BY id")
        .unwrap()
        .query_map([], |r| {
            let json = stored_json(r.get_ref(1)?);
            Ok((r.get(0)?, serde_json::from_str(&json).unwrap()))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut counts = Vec::new();
    for (id, record) in &records {
        let expected: Vec<Vec<Value>> = record["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
            .map(|(position, i)| {
                let decimal = |v: &Value| match v {
                    Value::Null => Value::Null,
                    other => Value::String(other.as_str().map_or(other.to_string(), str::to_owned)),
                };
                vec![
                    Value::from(position as i64),
                    i["block"].clone(),
                    i["level1"].clone(),
                    i["level2"].clone(),
                    i["level3"].clone(),
                    i["value"].clone(),
                    decimal(&i["weight"]),
                    decimal(&i["score"]),
                    i["value_cell"].clone(),
                ]
            })
            .collect();
        let stored: Vec<Vec<Value>> = conn
            .prepare(
                "SELECT position, block, level1, level2, level3, value, weight, score, cell \
                 FROM indicators WHERE record_id = ?1 ORDER BY position",
            )
            .unwrap()
            .query_map([id], |r| {
                (0..9)
                    .map(|c| {
                        Ok(match r.get_ref(c)? {
                            ValueRef::Null => Value::Null,
                            ValueRef::Integer(n) => Value::from(n),
                            ValueRef::Text(t) => Value::from(String::from_utf8_lossy(t).as_ref()),
                            other => panic!("{other:?}"),
                        })
                    })
                    .collect()
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(stored, expected, "record {id}");
        counts.push(expected.len());
    }
    assert!(counts.iter().any(|&n| n >= 16), "{counts:?}");
    assert!(counts.iter().any(|&n| n % 2 == 1), "{counts:?}");
}

/// Several runs starting at once on a store that does not exist yet: one creates its tables,
/// the others wait for it and find them made (two creating the same tables failed one batch on
/// the page, which converts two batches at once).
#[test]
fn runs_starting_together_on_a_new_store_all_write_their_batch() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("新.sqlite");
    let input = fixture(MONITORING);
    let children: Vec<_> = (0..4)
        .map(|i| {
            Command::new(env!("CARGO_BIN_EXE_jixiao"))
                .arg("convert")
                .arg(&input)
                .arg("-o")
                .arg(dir.path().join(format!("o{i}")))
                .arg("--store")
                .arg(&store)
                .arg("--wait")
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    assert_eq!(count(&store, "SELECT COUNT(*) FROM batches"), 4);
    assert_eq!(count(&store, "PRAGMA user_version"), 3);
    // The same files four times: their records once.
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM records"),
        count(&store, "SELECT SUM(forms) FROM files")
    );
}
