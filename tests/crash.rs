//! Outputs survive a crash, a second run at the same time and a full disk: a `convert` killed
//! (SIGKILL) at every moment of its run leaves the folder holding exactly the old set of outputs
//! or exactly the new set, and the next run leaves no temporary file; a second run into the same
//! folder is refused (or waits) and the result is one consistent set; a lock left by a killed run
//! blocks no one; a full disk or a read-only folder stops the run with one clear line and the old
//! outputs intact.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::{fixture, jixiao, repo};

/// Every file of a folder (not the folders in it), name → bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            (name, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Two batches whose outputs differ: the samples (old) and the samples with the wider corpus
/// (new: more files, self-evaluations, so every output is written).
struct Batches {
    old: Vec<PathBuf>,
    new: Vec<PathBuf>,
}

impl Batches {
    fn get() -> Batches {
        Batches {
            old: vec![repo("samples")],
            new: vec![repo("samples"), fixture("field-corpus-2")],
        }
    }
}

fn convert_args<'a>(inputs: &'a [PathBuf], out: &'a Path) -> Vec<&'a OsStr> {
    let mut args: Vec<&OsStr> = vec![OsStr::new("convert"), OsStr::new("-q")];
    args.extend(inputs.iter().map(|p| p.as_os_str()));
    args.extend([OsStr::new("-o"), out.as_os_str()]);
    args
}

/// The set a complete run of these inputs writes.
fn complete_set(inputs: &[PathBuf], dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let out = dir.join("reference");
    jixiao(convert_args(inputs, &out)).expect_code(0);
    let set = snapshot(&out);
    std::fs::remove_dir_all(&out).unwrap();
    std::fs::remove_file(dir.join(".reference.jixiao-lock")).unwrap();
    set
}

/// Starts a convert that stops at the pause point `at` (and waits there until `until` exists,
/// when given); returns once it has reached the point.
fn start_paused(inputs: &[PathBuf], out: &Path, at: &str, until: Option<&Path>) -> Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_jixiao"));
    command
        .args(convert_args(inputs, out))
        .env("JIXIAO_PAUSE_AT", at)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(until) = until {
        command.env("JIXIAO_PAUSE_UNTIL", until);
    }
    let mut child = command.spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let expected = format!("jixiao: paused at {at}");
    loop {
        match lines.next() {
            Some(Ok(line)) if line == expected => break,
            Some(Ok(_)) => continue,
            _ => panic!("the run ended before the pause point {at}"),
        }
    }
    // Keep draining stderr so the child never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    child
}

/// Files and folders a run leaves beside and in the output folder that are not outputs.
fn leftovers(parent: &Path, out: &Path) -> Vec<String> {
    let mut left: Vec<String> = names(parent)
        .into_iter()
        .filter(|n| n.contains(".jixiao-staging-") || n.contains(".jixiao-old-"))
        .collect();
    if out.is_dir() {
        left.extend(
            names(out).into_iter().filter(|n| {
                n.contains(".partial-") || n.starts_with(".tmp") || n.contains("staging")
            }),
        );
    }
    left
}

#[cfg(unix)]
#[test]
fn a_run_killed_at_any_moment_leaves_the_old_set_or_the_new_one() {
    let dir = tempfile::tempdir().unwrap();
    let batches = Batches::get();
    let old = complete_set(&batches.old, dir.path());
    let new = complete_set(&batches.new, dir.path());
    assert_ne!(old, new);
    let points = [
        "locked",
        "reading",
        "written:projects.csv",
        "written:indicators.csv",
        "written:projects.jsonl",
        "written:manifest.csv",
        "written:review.csv",
        "written:evaluations.csv",
        "written:summary.xlsx",
        "staged",
        "swapped",
    ];
    for (index, point) in points.iter().enumerate() {
        let parent = dir.path().join(format!("k{index}"));
        let out = parent.join("out");
        jixiao(convert_args(&batches.old, &out)).expect_code(0);
        let mut child = start_paused(&batches.new, &out, point, None);
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let left = snapshot(&out);
        assert!(
            left == old || left == new,
            "killed at {point}: the folder holds {:?}, neither the old set nor the new",
            left.keys().collect::<Vec<_>>()
        );
        // The next run cleans up after the killed one and writes the new set.
        jixiao(convert_args(&batches.new, &out)).expect_code(0);
        assert_eq!(
            snapshot(&out),
            new,
            "after the run that followed a kill at {point}"
        );
        assert_eq!(
            leftovers(&parent, &out),
            Vec::<String>::new(),
            "after {point}"
        );
    }
}

#[cfg(unix)]
#[test]
fn a_run_killed_at_random_moments_leaves_the_old_set_or_the_new_one() {
    // A bigger batch (the samples forty times), killed after a growing delay: moments between
    // the named points, in reading, rendering and writing.
    let dir = tempfile::tempdir().unwrap();
    let many = dir.path().join("many");
    for copy in 0..40 {
        let folder = many.join(format!("{copy:02}"));
        std::fs::create_dir_all(&folder).unwrap();
        for entry in std::fs::read_dir(repo("samples")).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), folder.join(entry.file_name())).unwrap();
        }
    }
    let old_inputs = vec![repo("samples")];
    let new_inputs = vec![many.clone(), fixture("field-corpus-2")];
    let old = complete_set(&old_inputs, dir.path());
    let new = complete_set(&new_inputs, dir.path());
    let started = Instant::now();
    let out = dir.path().join("out");
    jixiao(convert_args(&old_inputs, &out)).expect_code(0);
    let full_run = {
        let begin = Instant::now();
        let scratch = dir.path().join("timing");
        jixiao(convert_args(&new_inputs, &scratch)).expect_code(0);
        begin.elapsed()
    };
    let mut saw = (0, 0);
    for step in 0..12u32 {
        let delay = full_run * step / 11;
        let mut child = Command::new(env!("CARGO_BIN_EXE_jixiao"))
            .args(convert_args(&new_inputs, &out))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let _ = child.kill();
        child.wait().unwrap();
        let left = snapshot(&out);
        if left == old {
            saw.0 += 1;
        } else if left == new {
            saw.1 += 1;
        } else {
            panic!("killed after {delay:?}: neither the old set nor the new");
        }
        // Back to the old set for the next kill.
        jixiao(convert_args(&old_inputs, &out)).expect_code(0);
        assert_eq!(snapshot(&out), old);
    }
    assert_eq!(leftovers(dir.path(), &out), Vec::<String>::new());
    assert!(started.elapsed() < Duration::from_secs(600));
    assert!(
        saw.0 > 0,
        "some kills came before the new set was in place: {saw:?}"
    );
}

#[cfg(unix)]
#[test]
fn a_second_run_into_the_folder_is_refused_or_waits_and_a_stale_lock_blocks_no_one() {
    let dir = tempfile::tempdir().unwrap();
    let batches = Batches::get();
    let new = complete_set(&batches.new, dir.path());
    let out = dir.path().join("out");
    let release = dir.path().join("release");
    let mut first = start_paused(&batches.new, &out, "reading", Some(&release));
    // A second run is refused at once, naming the first.
    let second = jixiao(convert_args(&batches.old, &out)).expect_code(2);
    let pid = first.id().to_string();
    assert!(
        second.stderr.contains("正由另一次运行") && second.stderr.contains(&pid),
        "{}",
        second.describe()
    );
    assert!(second.stderr.contains("--wait"), "{}", second.describe());
    assert_eq!(second.stderr.lines().count(), 1, "{}", second.describe());
    // With --wait, a third waits for the first and then writes its own complete set.
    let mut waiting = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args(convert_args(&batches.new, &out))
        .arg("--wait")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        waiting.try_wait().unwrap().is_none(),
        "it waits for the lock"
    );
    std::fs::write(&release, b"").unwrap();
    assert!(first.wait().unwrap().success());
    assert!(waiting.wait().unwrap().success());
    assert_eq!(snapshot(&out), new);

    // A run killed while holding the lock blocks no one.
    let mut killed = start_paused(&batches.new, &out, "reading", None);
    killed.kill().unwrap();
    killed.wait().unwrap();
    jixiao(convert_args(&batches.old, &out)).expect_code(0);
    assert_eq!(leftovers(dir.path(), &out), Vec::<String>::new());
}

/// A small filesystem for the full-disk test: a tmpfs where the machine lets us mount one.
#[cfg(target_os = "linux")]
struct SmallDisk {
    path: PathBuf,
}

#[cfg(target_os = "linux")]
impl SmallDisk {
    fn mount(path: &Path, size: &str) -> Option<SmallDisk> {
        std::fs::create_dir_all(path).ok()?;
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(path)
            .stderr(Stdio::null())
            .status()
            .ok()?;
        status.success().then(|| SmallDisk {
            path: path.to_path_buf(),
        })
    }

    fn read_only(&self) -> bool {
        Command::new("mount")
            .args(["-o", "remount,ro"])
            .arg(&self.path)
            .status()
            .is_ok_and(|s| s.success())
    }
}

#[cfg(target_os = "linux")]
impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.path).status();
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_or_a_read_only_folder_stops_the_run_with_the_old_outputs_intact() {
    let dir = tempfile::tempdir().unwrap();
    let batches = Batches::get();
    let many = dir.path().join("many");
    for copy in 0..12 {
        let folder = many.join(format!("{copy:02}"));
        std::fs::create_dir_all(&folder).unwrap();
        for entry in std::fs::read_dir(repo("samples")).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), folder.join(entry.file_name())).unwrap();
        }
    }
    let big = vec![many.clone()];
    let old = complete_set(&batches.old, dir.path());
    let old_size: usize = old.values().map(Vec::len).sum();
    let big_size: usize = complete_set(&big, dir.path()).values().map(Vec::len).sum();
    assert!(big_size > 4 * old_size, "{big_size} vs {old_size}");
    // Room for the old outputs and a little more, not for the new ones beside them.
    let room = old_size * 2 + 64 * 1024;
    let mount_point = dir.path().join("disk");
    let stops = |out: &Path, expect: &str| {
        let run = jixiao(convert_args(&big, out)).expect_code(2);
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.describe());
        assert!(run.stderr.contains(expect), "{}", run.describe());
        assert_eq!(snapshot(out), old, "the old outputs are intact");
        let parent = out.parent().unwrap();
        assert_eq!(leftovers(parent, out), Vec::<String>::new());
    };
    if let Some(disk) = SmallDisk::mount(&mount_point, &format!("{room}")) {
        let out = disk.path.join("out");
        jixiao(convert_args(&batches.old, &out)).expect_code(0);
        stops(&out, "磁盘空间不足");
        if disk.read_only() {
            stops(&out, "只读");
        }
    } else {
        // Not allowed to mount here: a file-size limit makes the writes fail the same way.
        let out = dir.path().join("limited");
        jixiao(convert_args(&batches.old, &out)).expect_code(0);
        let limit_blocks = (old_size * 2 / 1024).to_string();
        let mut command = Command::new("bash");
        command.args([
            "-c",
            "trap '' XFSZ; ulimit -f \"$0\"; exec \"$@\"",
            &limit_blocks,
        ]);
        command.arg(env!("CARGO_BIN_EXE_jixiao"));
        command.args(convert_args(&big, &out));
        let output = command.output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert_eq!(snapshot(&out), old);
        assert_eq!(leftovers(dir.path(), &out), Vec::<String>::new());
    }
}
