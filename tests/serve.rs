//! `jixiao serve` over real HTTP: the samples and the field corpora uploaded as a clerk's browser
//! would send them give outputs byte-identical to `jixiao convert` on the same files; requests
//! without the token, naming another host or coming from another site are refused; uploaded names
//! never land outside their batch; an upload over the limit is refused and not kept; batches do not
//! mix; Ctrl-C removes the temporary files.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::harness::{fixture, jixiao_in, repo};

/// A running `jixiao serve --no-open`, stopped when dropped.
struct Server {
    child: Child,
    port: u16,
    token: String,
    /// The user data folder the default store goes in, unless the test gave one.
    _data: Option<tempfile::TempDir>,
}

impl Server {
    /// Starts the server with `TMPDIR` set to `temp` and extra arguments.
    fn start(temp: &Path, extra: &[&str]) -> Server {
        Server::start_with(temp, extra, &[])
    }

    /// Starts the server with extra arguments and environment variables.
    fn start_with(temp: &Path, extra: &[&str], env: &[(&str, &str)]) -> Server {
        // The default store lands in a data folder of the test's own, never the user's.
        let data =
            (!env.iter().any(|(k, _)| *k == "XDG_DATA_HOME")).then(|| tempfile::tempdir().unwrap());
        let mut command = Command::new(env!("CARGO_BIN_EXE_jixiao"));
        if let Some(data) = &data {
            command.env("XDG_DATA_HOME", data.path());
        }
        let mut child = command
            .arg("serve")
            .envs(env.iter().copied())
            .arg("--no-open")
            .args(extra)
            .env("TMPDIR", temp)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("jixiao serve starts");
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        let url = first.trim().to_owned();
        let rest = url
            .strip_prefix("http://127.0.0.1:")
            .unwrap_or_else(|| panic!("first line is the page's address: {url:?}"));
        let (port, token) = rest.trim_end_matches('/').split_once('/').unwrap();
        assert!(token.len() >= 32, "the token is long and random: {token}");
        assert!(url.ends_with('/'), "the page's address ends in '/': {url}");
        Server {
            port: port.parse().unwrap(),
            token: token.to_owned(),
            child,
            _data: data,
        }
    }

    /// A request to `path` (after the token) with this server's own Host.
    fn call(&self, method: &str, path: &str, body: &[u8]) -> Reply {
        let target = format!("/{}/{path}", self.token);
        let host = format!("127.0.0.1:{}", self.port);
        self.raw(method, &target, &[("Host", host.as_str())], body)
    }

    /// Bytes sent as they are (no header added), and the reply.
    fn send(&self, bytes: &[u8]) -> Reply {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let _ = stream.write_all(bytes);
        let mut reply = Vec::new();
        let _ = stream.read_to_end(&mut reply);
        Reply::parse(&reply)
    }

    /// A request exactly as given: target, headers, body.
    fn raw(&self, method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        let mut head = format!("{method} {target} HTTP/1.1\r\n");
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str(&format!(
            "Content-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        ));
        stream.write_all(head.as_bytes()).unwrap();
        // The server may refuse before reading the whole body and close: that is its answer.
        let _ = stream.write_all(body);
        let mut bytes = Vec::new();
        let _ = stream.read_to_end(&mut bytes);
        Reply::parse(&bytes)
    }

    /// Creates a batch, uploads `files` (name as the browser gives it → file), starts it and waits
    /// until it is done; returns its id and final status.
    fn convert(&self, files: &[(String, PathBuf)], options: &str) -> (String, Value) {
        let (id, status) = self.run_batch(files, options);
        assert_eq!(status["state"], "done", "the batch failed: {status}");
        (id, status)
    }

    /// Like `convert`, but returns a failed batch's status too.
    fn run_batch(&self, files: &[(String, PathBuf)], options: &str) -> (String, Value) {
        let created = self.call("POST", "batches", options.as_bytes());
        assert_eq!(created.status, 201, "{}", created.text());
        let id = created.json()["id"].as_str().unwrap().to_owned();
        for (name, path) in files {
            let target = format!("batches/{id}/files?path={}", encode(name));
            let stored = self.call("PUT", &target, &std::fs::read(path).unwrap());
            assert_eq!(stored.status, 201, "{name}: {}", stored.text());
        }
        let status = self.start_batch(&id);
        (id, status)
    }

    /// Starts a batch whose files are uploaded and waits until it is done or has failed; its
    /// final status.
    fn start_batch(&self, id: &str) -> Value {
        let started = self.call("POST", &format!("batches/{id}/start"), b"");
        assert_eq!(started.status, 202, "{}", started.text());
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let status = self.call("GET", &format!("batches/{id}"), b"").json();
            if status["state"] == "done" || status["state"] == "failed" {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the batch never finished: {status}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A response: status, headers (names in lower case), body (chunked encoding undone).
struct Reply {
    status: u16,
    headers: BTreeMap<String, String>,
    body: Vec<u8>,
}

impl Reply {
    fn parse(bytes: &[u8]) -> Reply {
        let end = bytes
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or_else(|| panic!("no response head in {:?}", String::from_utf8_lossy(bytes)));
        let head = std::str::from_utf8(&bytes[..end]).unwrap();
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .unwrap()
            .split(' ')
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        let headers: BTreeMap<String, String> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let mut body = bytes[end + 4..].to_vec();
        if headers
            .get("transfer-encoding")
            .is_some_and(|v| v.contains("chunked"))
        {
            body = unchunk(&body);
        }
        Reply {
            status,
            headers,
            body,
        }
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

fn unchunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = body.windows(2).position(|w| w == b"\r\n").unwrap();
        let size_text = std::str::from_utf8(&body[..line_end]).unwrap();
        let size = usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16).unwrap();
        if size == 0 {
            return out;
        }
        let start = line_end + 2;
        out.extend_from_slice(&body[start..start + size]);
        body = &body[start + size + 2..];
    }
}

/// Percent-encodes a query value as `encodeURIComponent` does.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Every file under `dir`, named as a browser names a dropped folder's files: "prefix/a/b.xlsx".
fn folder_files(dir: &Path, prefix: &str) -> Vec<(String, PathBuf)> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let name = format!("{prefix}/{}", entry.file_name().to_string_lossy());
        if entry.file_type().unwrap().is_dir() {
            files.extend(folder_files(&entry.path(), &name));
        } else {
            files.push((name, entry.path()));
        }
    }
    files.sort();
    files
}

/// The files of a folder, name → bytes (the output set).
fn outputs(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// Everything under a folder, recursively, as relative paths.
fn tree(dir: &Path) -> Vec<String> {
    let mut all = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries {
            let entry = entry.unwrap();
            let path = entry.path();
            all.push(path.strip_prefix(dir).unwrap().display().to_string());
            if entry.file_type().unwrap().is_dir() {
                all.extend(
                    tree(&path)
                        .into_iter()
                        .map(|p| format!("{}/{p}", entry.file_name().to_string_lossy())),
                );
            }
        }
    }
    all.sort();
    all
}

#[test]
fn uploads_give_the_same_outputs_as_convert_on_the_same_files() {
    let temp = tempfile::tempdir().unwrap();
    let kept = temp.path().join("kept");
    let server = Server::start(temp.path(), &["--out", kept.to_str().unwrap()]);
    let page = server.call("GET", "", b"");
    assert_eq!(page.status, 200);
    assert!(page.text().contains("绩效表格汇总"), "the page is served");
    assert!(page.headers["content-security-policy"].contains("default-src 'none'"));
    assert_eq!(page.headers["referrer-policy"], "no-referrer");

    // What a clerk drops: three folders, as the browser names their files.
    let mut files = folder_files(&repo("samples"), "samples");
    files.extend(folder_files(&fixture("field-corpus"), "field-corpus"));
    files.extend(folder_files(&fixture("field-corpus-2"), "field-corpus-2"));
    files.extend(folder_files(
        &fixture("field-corpus-3/monitoring"),
        "monitoring",
    ));
    let (id, status) = server.convert(&files, r#"{"csv_encoding": "gb18030", "csv_unit": "wan"}"#);
    let results = &status["results"];
    let progress = &status["progress"];
    assert_eq!(progress["files"], files.len() as u64, "{status}");
    assert!(
        progress["rejected"].as_u64().unwrap() >= 1,
        "损坏文件 is rejected: {status}"
    );
    assert!(
        progress["skipped"].as_u64().unwrap() >= 2,
        "说明.txt and ~$ are skipped: {status}"
    );
    assert!(results["evaluations"].as_u64().unwrap() > 0, "{status}");
    // The monitoring forms, counted apart, and 监控汇总 shown per 主管部门 with its 合计.
    assert_eq!(results["monitoring"], 5, "{status}");
    let monitoring = &results["monitoring_summary"];
    assert_eq!(monitoring["headers"][5], "序时进度", "{monitoring}");
    let rows = monitoring["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 6, "five 主管部门 and 合计: {monitoring}");
    assert!(rows.iter().all(|r| r[5] == "58.33%"), "{monitoring}");
    // Held against their targets in the upload too (the targets are read again from it).
    let paragraph = results["paragraph"].as_str().unwrap();
    assert!(
        paragraph.contains("其中 2 张找到了对应的绩效目标表"),
        "{paragraph}"
    );

    // The same files, given to the CLI from a folder holding them under the same names.
    let copy = temp.path().join("copy");
    for (name, path) in &files {
        let to = copy.join(name);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(path, to).unwrap();
    }
    jixiao_in(
        Some(&copy),
        [
            "convert",
            "-q",
            "field-corpus",
            "field-corpus-2",
            "monitoring",
            "samples",
            "-o",
            "out",
            "--csv-encoding",
            "gb18030",
            "--csv-unit",
            "wan",
        ],
    );
    let cli = outputs(&copy.join("out"));
    assert!(cli.contains_key("summary.xlsx") && cli.contains_key("evaluations.csv"));

    // Each output downloaded is the CLI's, byte for byte; and so is the folder kept by --out.
    let names: Vec<String> = results["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap().to_owned())
        .collect();
    let mut expected: Vec<&String> = cli.keys().filter(|n| !n.starts_with('.')).collect();
    expected.sort();
    let mut listed: Vec<&String> = names.iter().collect();
    listed.sort();
    assert_eq!(listed, expected, "every output is offered");
    for name in &names {
        let got = server.call(
            "GET",
            &format!("batches/{id}/outputs/{}", encode(name)),
            b"",
        );
        assert_eq!(got.status, 200, "{name}");
        assert!(got.body == cli[name], "{name} differs from the CLI's");
        assert!(got.headers["content-disposition"].contains("filename*=UTF-8''"));
    }
    let kept_dir = std::fs::read_dir(&kept)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.is_dir())
        .expect("--out keeps the batch's outputs in a folder of its own");
    let kept_files = outputs(&kept_dir);
    for name in &names {
        assert!(kept_files[name] == cli[name], "kept {name} differs");
    }

    // All of them in one zip.
    let zip = server.call("GET", &format!("batches/{id}/all.zip"), b"");
    assert_eq!(zip.status, 200);
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip.body)).unwrap();
    assert_eq!(archive.len(), names.len());
    for name in &names {
        let mut entry = archive.by_name(name).unwrap();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        assert!(bytes == cli[name], "zipped {name} differs");
    }

    // What the page shows is summary.xlsx's 汇总 and 问题清单, the totals included.
    let summary = &results["summary"];
    let total = summary["rows"].as_array().unwrap().last().unwrap();
    assert_eq!(total[0], "合计");
    let headers = summary["headers"].as_array().unwrap();
    let projects = headers.iter().position(|h| h == "项目数").unwrap();
    let cli_projects = std::fs::read_to_string(copy.join("out/projects.jsonl"))
        .unwrap()
        .lines()
        .count();
    assert_eq!(total[projects], cli_projects.to_string());
    let problems = results["problems"]["rows"].as_array().unwrap();
    assert!(
        problems
            .iter()
            .any(|row| row.to_string().contains("损坏文件")),
        "the problems list names the broken file: {problems:?}"
    );
    assert!(results["paragraph"].as_str().unwrap().contains("拒收"));
    assert_eq!(results["saved_in"], kept_dir.display().to_string());
}

#[test]
fn requests_without_the_token_from_another_host_or_site_are_refused() {
    let temp = tempfile::tempdir().unwrap();
    let server = Server::start(temp.path(), &[]);
    let host = format!("127.0.0.1:{}", server.port);
    let own = format!("http://127.0.0.1:{}", server.port);
    let page = format!("/{}/", server.token);
    let ok =
        |headers: &[(&str, &str)], target: &str| server.raw("GET", target, headers, b"").status;
    assert_eq!(ok(&[("Host", &host)], &page), 200);
    assert_eq!(ok(&[("Host", &host), ("Origin", &own)], &page), 200);
    assert_eq!(
        ok(&[("Host", &format!("localhost:{}", server.port))], &page),
        200
    );
    // The page's address without its last slash is sent to the one with it.
    assert_eq!(ok(&[("Host", &host)], page.trim_end_matches('/')), 301);
    for (what, headers, target) in [
        ("no token", vec![("Host", host.as_str())], "/".to_owned()),
        (
            "no token, an API path",
            vec![("Host", host.as_str())],
            "/batches".to_owned(),
        ),
        (
            "a wrong token",
            vec![("Host", host.as_str())],
            format!("/{}x/", server.token),
        ),
        (
            "a shorter token",
            vec![("Host", host.as_str())],
            format!("/{}/", &server.token[1..]),
        ),
        (
            "DNS rebinding",
            vec![("Host", "evil.example")],
            page.clone(),
        ),
        (
            "rebinding with the port",
            vec![("Host", &*format!("evil.example:{}", server.port))],
            page.clone(),
        ),
        ("no Host", vec![], page.clone()),
        (
            "another site",
            vec![("Host", host.as_str()), ("Origin", "http://evil.example")],
            page.clone(),
        ),
        (
            "another port",
            vec![("Host", host.as_str()), ("Origin", "http://127.0.0.1:1")],
            page.clone(),
        ),
        (
            "cross-site fetch",
            vec![("Host", host.as_str()), ("Sec-Fetch-Site", "cross-site")],
            page.clone(),
        ),
    ] {
        assert_eq!(ok(&headers, &target), 403, "{what} is refused");
    }
    // A cross-site POST cannot make a batch either.
    let posted = server.raw(
        "POST",
        &format!("{page}batches"),
        &[("Host", &host), ("Origin", "http://evil.example")],
        b"{}",
    );
    assert_eq!(posted.status, 403);
}

#[test]
fn uploaded_names_never_land_outside_the_batch_and_limits_hold() {
    let temp = tempfile::tempdir().unwrap();
    let server = Server::start(temp.path(), &["--max-file-size", "64KB"]);
    let created = server.call("POST", "batches", b"{}").json();
    let id = created["id"].as_str().unwrap().to_owned();
    let body = std::fs::read(repo("samples/残保金抚恤金专项.xlsx")).unwrap();
    let before = tree(temp.path());
    for bad in [
        "../escaped.xlsx",
        "a/../../escaped.xlsx",
        "/tmp/escaped.xlsx",
        "C:\\escaped.xlsx",
        "..\\escaped.xlsx",
        "a/./escaped.xlsx",
        "escaped.xlsx:stream",
        "",
    ] {
        let reply = server.call(
            "PUT",
            &format!("batches/{id}/files?path={}", encode(bad)),
            &body,
        );
        assert_eq!(reply.status, 400, "{bad:?} is refused: {}", reply.text());
    }
    assert_eq!(
        tree(temp.path()),
        before,
        "nothing was written for refused names"
    );
    assert!(!Path::new("/tmp/escaped.xlsx").exists());

    // Reserved and very long names are made harmless, not refused (a name part is cut to 180
    // bytes, its extension kept: 58 three-byte characters and ".xlsx").
    let long = format!("{}.xlsx", "很长的文件名".repeat(60));
    for (name, stored) in [
        ("CON.xlsx", "_CON.xlsx".to_owned()),
        ("部门/NUL", "部门/_NUL".to_owned()),
        (
            long.as_str(),
            format!(
                "{}.xlsx",
                "很长的文件名"
                    .repeat(60)
                    .chars()
                    .take(58)
                    .collect::<String>()
            ),
        ),
    ] {
        let reply = server.call(
            "PUT",
            &format!("batches/{id}/files?path={}", encode(name)),
            &body,
        );
        assert_eq!(reply.status, 201, "{name}: {}", reply.text());
        assert_eq!(reply.json()["stored"], stored);
    }

    // Over the file-size limit: refused with the reason, nothing kept.
    let big = vec![b'x'; 1024 * 1024];
    let reply = server.call("PUT", &format!("batches/{id}/files?path=big.xlsx"), &big);
    assert_eq!(reply.status, 413, "{}", reply.text());
    assert!(reply.json()["error"].as_str().unwrap().contains("上限"));
    let stored = tree(temp.path());
    assert!(
        !stored.iter().any(|p| p.ends_with("big.xlsx")),
        "{stored:?}"
    );

    // The batch converts what it kept and tells what it refused.
    let started = server.call("POST", &format!("batches/{id}/start"), b"");
    assert_eq!(started.status, 202);
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        let status = server.call("GET", &format!("batches/{id}"), b"").json();
        if status["state"] == "done" {
            break status;
        }
        assert!(
            Instant::now() < deadline && status["state"] != "failed",
            "{status}"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    // The three kept and the nine refused at upload: every file sent is in the batch.
    assert_eq!(status["progress"]["files"], 12);
    assert!(status["progress"]["rejected"].as_u64().unwrap() >= 9);
    assert_eq!(status["refused"].as_array().unwrap().len(), 9, "{status}");
    // A started batch takes no more files.
    let late = server.call("PUT", &format!("batches/{id}/files?path=late.xlsx"), &body);
    assert_eq!(late.status, 409);
    // No path in an output's name leaves the batch's outputs.
    for name in ["..%2F..%2Fetc%2Fpasswd", "%2E%2E", "summary.xlsx%00"] {
        let got = server.call("GET", &format!("batches/{id}/outputs/{name}"), b"");
        assert_eq!(got.status, 404, "{name}");
    }
    let unknown = server.call("GET", "batches/1-000000000000", b"");
    assert_eq!(unknown.status, 404);
}

#[test]
fn batches_do_not_mix_and_ctrl_c_removes_the_temporary_files() {
    let temp = tempfile::tempdir().unwrap();
    // A killed server's folder (no process can have this id: Linux's largest is 4194304).
    let stale = temp.path().join("jixiao-serve-4194400-0a0b0c0d");
    std::fs::create_dir_all(stale.join("batches/1-x/files")).unwrap();
    let server = Server::start(temp.path(), &[]);
    assert!(
        !stale.exists(),
        "a killed server's temporary files are removed at start"
    );
    let one = folder_files(&repo("samples"), "samples");
    let two = folder_files(&fixture("field-corpus-2"), "field-corpus-2");
    // Both at once, from two threads.
    let (first, second) = std::thread::scope(|scope| {
        let a = scope.spawn(|| server.convert(&one, "{}"));
        let b = scope.spawn(|| server.convert(&two, "{}"));
        (a.join().unwrap(), b.join().unwrap())
    });
    assert_ne!(first.0, second.0);
    assert_eq!(first.1["progress"]["files"], one.len() as u64);
    assert_eq!(second.1["progress"]["files"], two.len() as u64);
    assert_eq!(
        first.1["results"]["evaluations"], 0,
        "the samples hold no self-evaluation"
    );
    assert!(second.1["results"]["evaluations"].as_u64().unwrap() > 0);
    let projects = |status: &Value| {
        let summary = &status["results"]["summary"];
        let at = summary["headers"]
            .as_array()
            .unwrap()
            .iter()
            .position(|h| h == "项目数")
            .unwrap();
        summary["rows"].as_array().unwrap().last().unwrap()[at]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(projects(&first.1), "9", "the samples' nine projects only");
    assert!(
        !tree(temp.path()).is_empty(),
        "the server keeps its files while it runs"
    );

    let pid = server.child.id().to_string();
    let signalled = Command::new("kill").args(["-INT", &pid]).status().unwrap();
    assert!(signalled.success());
    let mut server = server;
    let deadline = Instant::now() + Duration::from_secs(20);
    while server.child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "Ctrl-C stops the server");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        tree(temp.path()),
        Vec::<String>::new(),
        "its temporary files are gone"
    );
}

#[test]
fn a_crash_in_one_batch_never_stops_the_server() {
    let temp = tempfile::tempdir().unwrap();
    // Every conversion panics once it holds its output folder.
    let server = Server::start_with(temp.path(), &[], &[("JIXIAO_PANIC_AT", "locked")]);
    let files = folder_files(&repo("samples"), "samples");
    for _ in 0..2 {
        let (_, status) = server.run_batch(&files, "{}");
        assert_eq!(status["state"], "failed", "{status}");
        assert!(
            status["message"].as_str().unwrap().contains("内部错误"),
            "{status}"
        );
    }
    assert_eq!(
        server.call("GET", "", b"").status,
        200,
        "the server goes on"
    );
}

#[test]
fn the_page_lists_the_stores_batches_after_a_restart() {
    let temp = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let data_home = data.path().to_str().unwrap().to_owned();
    let env = [("XDG_DATA_HOME", data_home.as_str())];
    let store = data.path().join("jixiao").join("store.sqlite");
    let samples = folder_files(&repo("samples"), "samples");
    {
        let server = Server::start_with(temp.path(), &[], &env);
        let before = server.call("GET", "stored", b"").json();
        assert_eq!(
            before["batches"],
            serde_json::json!([]),
            "a new store: no batch"
        );
        assert_eq!(before["store"], store.display().to_string());
        let (_, status) = server.convert(&samples, "{}");
        assert_eq!(status["results"]["stored_batch"], 1, "{status}");
    }
    assert!(
        store.is_file(),
        "the default store is in the user's data folder"
    );
    // A new server on the same store: the batch is listed, its files and records readable.
    let server = Server::start_with(temp.path(), &[], &env);
    let listed = server.call("GET", "stored", b"").json();
    let batches = listed["batches"].as_array().unwrap();
    assert_eq!(batches.len(), 1, "{listed}");
    assert_eq!(batches[0]["id"], 1);
    assert_eq!(batches[0]["files"], samples.len() as u64);
    let detail = server.call("GET", "stored/1", b"");
    assert_eq!(detail.status, 200, "{}", detail.text());
    let detail = detail.json();
    let files = detail["files"].as_array().unwrap();
    assert_eq!(files.len(), samples.len());
    assert!(
        files
            .iter()
            .all(|f| f["name"].as_str().unwrap().starts_with("samples/"))
    );
    let records = detail["records"].as_array().unwrap();
    assert_eq!(records.len(), 9, "the samples' nine projects");
    assert!(
        records.iter().all(|r| r["kind_label"] == "绩效目标表"),
        "{detail}"
    );
    // A second batch of the same files adds nothing and is listed first.
    let (_, status) = server.convert(&samples, "{}");
    assert_eq!(status["results"]["stored_batch"], 2);
    let listed = server.call("GET", "stored", b"").json();
    let batches = listed["batches"].as_array().unwrap();
    assert_eq!(batches[0]["id"], 2);
    assert_eq!(batches[0]["unchanged_files"], samples.len() as u64);
    assert_eq!(batches[0]["added"], 0);
    assert_eq!(server.call("GET", "stored/3", b"").status, 404);
    assert_eq!(server.call("GET", "stored/x", b"").status, 404);
    drop(server);
    // Without a store nothing is kept or listed.
    let server = Server::start_with(temp.path(), &["--no-store"], &env);
    let listed = server.call("GET", "stored", b"").json();
    assert_eq!(listed["store"], Value::Null);
    let (_, status) = server.convert(&samples, "{}");
    assert_eq!(status["results"]["stored_batch"], Value::Null);
}

/// The folder the server keeps its batches in.
fn server_folder(temp: &Path) -> PathBuf {
    std::fs::read_dir(temp)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("jixiao-serve-")
        })
        .expect("the server's temporary folder")
}

#[test]
fn absurd_or_malformed_requests_and_panics_never_stop_the_server() {
    let temp = tempfile::tempdir().unwrap();
    let server = Server::start_with(temp.path(), &[], &[("JIXIAO_PANIC_AT", "serve:status")]);
    let host = format!("Host: 127.0.0.1:{}", server.port);
    // Once these killed tiny_http's handlers, one each ("capacity overflow"), the server after 16.
    for _ in 0..20 {
        let reply = server.send(
            format!(
                "PUT /nope/x HTTP/1.1\r\n{host}\r\nContent-Length: 18446744073709551615\r\n\r\n"
            )
            .as_bytes(),
        );
        assert_eq!(reply.status, 403);
    }
    let token = server.token.clone();
    let huge = server.send(
        format!("PUT /{token}/batches/x/files?path=a.xlsx HTTP/1.1\r\n{host}\r\nContent-Length: 18446744073709551615\r\n\r\n")
            .as_bytes(),
    );
    assert_eq!(huge.status, 404, "{}", huge.text());
    for (request, status) in [
        (
            format!("GET /{token}/ HTTP/1.1\r\n{host}\r\nContent-Length: abc\r\n\r\n"),
            400,
        ),
        (
            format!(
                "GET /{token}/ HTTP/1.1\r\n{host}\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"
            ),
            400,
        ),
        (
            format!("PUT /{token}/ HTTP/1.1\r\n{host}\r\nTransfer-Encoding: chunked\r\n\r\n"),
            501,
        ),
        (
            format!("GET /{token}/ HTTP/1.1\r\n{}\r\n", "X: y\r\n".repeat(100)),
            431,
        ),
        (
            format!(
                "GET /{token}/ HTTP/1.1\r\nX: {}\r\n\r\n",
                "y".repeat(20_000)
            ),
            431,
        ),
        ("\u{0}\u{1}garbage\r\n\r\n".to_owned(), 400),
    ] {
        assert_eq!(
            server.send(request.as_bytes()).status,
            status,
            "{request:.80}"
        );
    }
    // A name whose escapes are not UTF-8 is refused as such, not as an empty name.
    let created = server.call("POST", "batches", b"{}").json();
    let id = created["id"].as_str().unwrap().to_owned();
    let odd = server.call("PUT", &format!("batches/{id}/files?path=%zz%ff.xlsx"), b"x");
    assert_eq!(odd.status, 400);
    assert!(odd.text().contains("编码有误"), "{}", odd.text());
    // A hundred requests that panic inside the handler: each answered 500.
    for _ in 0..100 {
        assert_eq!(server.call("GET", "batches/x", b"").status, 500);
    }
    // HEAD is served, without a body.
    let head = server.call("HEAD", "", b"");
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    // Still serving: the page and a whole conversion.
    assert_eq!(server.call("GET", "", b"").status, 200);
    let created = server.call("POST", "batches", b"{}");
    assert_eq!(created.status, 201);
}

#[test]
fn slow_clients_refused_or_not_never_delay_the_clerk() {
    let temp = tempfile::tempdir().unwrap();
    let server = Server::start(temp.path(), &[]);
    let host = format!("Host: 127.0.0.1:{}", server.port);
    let mut slow = Vec::new();
    // 16 refused uploads declaring 100 MB and sending a byte now and then, and 16 clients that
    // never finish their head.
    for i in 0..32 {
        let mut stream = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
        let head = if i % 2 == 0 {
            format!(
                "PUT /wrong-token/batches/x/files?path=a HTTP/1.1\r\n{host}\r\nContent-Length: 104857600\r\n\r\nx"
            )
        } else {
            "GET / HTTP/1.1\r\nHost: 127".to_owned()
        };
        stream.write_all(head.as_bytes()).unwrap();
        slow.push(stream);
    }
    std::thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    let page = server.call("GET", "", b"");
    assert_eq!(page.status, 200);
    let created = server.call("POST", "batches", b"{}");
    assert_eq!(created.status, 201);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "the page took {:?} behind 32 slow clients",
        started.elapsed()
    );
    // Each refused upload was answered at once, its body never waited for.
    for stream in slow.iter_mut().step_by(2) {
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut reply = Vec::new();
        let _ = stream.read_to_end(&mut reply);
        assert!(
            reply.starts_with(b"HTTP/1.1 403"),
            "{:?}",
            String::from_utf8_lossy(&reply)
        );
    }
}

#[cfg(unix)]
#[test]
fn uploads_are_private_and_old_batches_are_removed() {
    use std::os::unix::fs::PermissionsExt;
    let temp = tempfile::tempdir().unwrap();
    let server = Server::start(temp.path(), &["--keep-batches", "3"]);
    let samples = folder_files(&repo("samples"), "samples");
    let created = server.call("POST", "batches", b"{}").json();
    let first = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["number"], 1);
    let (name, path) = &samples[0];
    let target = format!("batches/{first}/files?path={}", encode(name));
    assert_eq!(
        server
            .call("PUT", &target, &std::fs::read(path).unwrap())
            .status,
        201
    );
    let folder = server_folder(temp.path());
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&folder), 0o700, "the server's folder");
    let uploaded = folder.join("batches").join(&first).join("files").join(name);
    assert_eq!(mode(&uploaded), 0o600, "an uploaded workbook");
    assert_eq!(mode(uploaded.parent().unwrap()), 0o700);
    // Ten more batches: only the newest three are kept, the first one's files removed.
    for _ in 0..10 {
        assert_eq!(server.call("POST", "batches", b"{}").status, 201);
    }
    let kept = std::fs::read_dir(folder.join("batches")).unwrap().count();
    assert_eq!(kept, 3, "batches kept");
    assert!(!uploaded.exists());
    assert_eq!(
        server.call("GET", &format!("batches/{first}"), b"").status,
        404
    );
}

#[test]
fn files_refused_at_upload_are_in_the_manifest_with_their_reason() {
    let temp = tempfile::tempdir().unwrap();
    let server = Server::start(temp.path(), &["--max-file-size", "10KB"]);
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("太大的表.xlsx");
    std::fs::write(&big, vec![b'x'; 30_000]).unwrap();
    let small = repo("samples").join("残保金抚恤金专项.xlsx");
    let created = server.call("POST", "batches", b"{}").json();
    let id = created["id"].as_str().unwrap().to_owned();
    for (name, path, status) in [
        ("报送/残保金抚恤金专项.xlsx", &small, 201),
        ("报送/太大的表.xlsx", &big, 413),
    ] {
        let target = format!("batches/{id}/files?path={}", encode(name));
        assert_eq!(
            server
                .call("PUT", &target, &std::fs::read(path).unwrap())
                .status,
            status
        );
    }
    let status = server.start_batch(&id);
    assert_eq!(status["state"], "done", "{status}");
    assert_eq!(status["progress"]["files"], 2);
    assert_eq!(status["progress"]["rejected"], 1);
    let manifest = server.call("GET", &format!("batches/{id}/outputs/manifest.csv"), b"");
    let text = manifest.text();
    let row = text
        .lines()
        .find(|l| l.contains("报送/太大的表.xlsx"))
        .unwrap_or_else(|| panic!("the refused file is in the manifest: {text}"));
    assert!(row.contains("rejected") && row.contains("上限"), "{row}");
    // A batch of refused files only: converted, its manifest says what and why.
    let created = server.call("POST", "batches", b"{}").json();
    let id = created["id"].as_str().unwrap().to_owned();
    let target = format!("batches/{id}/files?path={}", encode("太大的表.xlsx"));
    assert_eq!(
        server
            .call("PUT", &target, &std::fs::read(&big).unwrap())
            .status,
        413
    );
    let status = server.start_batch(&id);
    assert_eq!(status["state"], "done", "{status}");
    assert_eq!(status["progress"]["rejected"], 1);
}
