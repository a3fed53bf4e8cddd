//! `jixiao serve`: a page for the clerk, served by jixiao itself on the loopback address — drop
//! the department files (or a whole folder) in the browser, watch them convert, read the 汇总 and
//! the problems, download every output. Nothing leaves the machine.
//!
//! Every request must carry the run's random token in its path, name this server in `Host` (no
//! DNS rebinding) and come from this page (`Origin`); uploads are streamed to the batch's folder
//! within the limits of `convert`; each batch runs exactly `convert`, on the worker threads, in
//! its own folder.

mod batch;
mod guard;
mod http;
mod stored;

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use batch::{Batch, State};
use guard::Guard;
use http::{Method, Reply, Request};
use jixiao::batch::Pipeline;
use jixiao::write::csv_out::{CsvEncoding, CsvUnit};

/// The page, with its script and style, built into the binary.
const PAGE: &str = include_str!("page.html");

/// Arguments of `jixiao serve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The port to listen on (default: a free one).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub port: u16,
    /// Do not open the page in the browser.
    #[arg(long)]
    pub no_open: bool,
    /// Keep each batch's outputs in a folder of DIR (default: temporary, removed at the end).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// A folder of extra templates, dictionary and review rules files.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// The store every batch is kept in (default: store.sqlite in the user's data folder, the
    /// one `jixiao history` and `jixiao store` use).
    #[arg(long, value_name = "FILE", conflicts_with = "no_store")]
    pub store: Option<PathBuf>,
    /// Keep no store: batches are forgotten when the server stops.
    #[arg(long)]
    pub no_store: bool,
    /// Batches kept on the page (older ones, with their uploads and outputs, are removed).
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub keep_batches: usize,
    /// Hours a batch is kept.
    #[arg(long, value_name = "H", default_value_t = 24)]
    pub keep_hours: u64,
    #[command(flatten)]
    pub limits: super::LimitArgs,
}

/// Everything the request handlers share.
struct App {
    guard: Guard,
    pipeline: Pipeline,
    max_file_bytes: u64,
    /// The run's temporary folder (uploads, working files; outputs unless --out).
    temp: PathBuf,
    /// Where batches' outputs go.
    outputs: PathBuf,
    /// Whether outputs are kept after the server stops (--out).
    kept: bool,
    /// The store batches are kept in (none with --no-store).
    store: Option<PathBuf>,
    /// How many batches, and for how long, are kept.
    keep: Keep,
    batches: Mutex<HashMap<String, Arc<Mutex<Batch>>>>,
    serial: Mutex<u64>,
}

/// Runs the server until Ctrl-C.
pub fn run(args: Args) -> Result<i32, String> {
    let input = super::InputArgs {
        inputs: Vec::new(),
        templates: args.templates.clone(),
        limits: args.limits.clone(),
    };
    let pipeline = input.pipeline(super::Stages::Review { rules: None })?;
    let store = if args.no_store {
        None
    } else {
        Some(super::store_path(args.store.clone())?)
    };
    let listener = std::net::TcpListener::bind(("127.0.0.1", args.port))
        .map_err(|e| format!("无法在 127.0.0.1:{} 上监听：{e}", args.port))?;
    let port = listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| format!("无法取得监听端口：{e}"))?;
    let token = random_hex(16);
    remove_stale_temporaries();
    let temp = std::env::temp_dir().join(format!(
        "jixiao-serve-{}-{}",
        std::process::id(),
        random_hex(4)
    ));
    batch::private_dir(&temp).map_err(|e| format!("无法建立临时目录 {}：{e}", temp.display()))?;
    let outputs = match &args.out {
        Some(dir) => dir.clone(),
        None => temp.join("outputs"),
    };
    let url = format!("http://127.0.0.1:{port}/{token}/");
    // The first line of standard output: where the page is (scripts and tests read it).
    println!("{url}");
    eprintln!("jixiao serve：在浏览器中打开 {url}（只在本机可访问；按 Ctrl-C 停止）");
    if let Some(store) = &store {
        eprintln!("jixiao serve：每一批都存入 {}", store.display());
    }
    let cleanup = temp.clone();
    ctrlc::set_handler(move || {
        let _ = std::fs::remove_dir_all(&cleanup);
        eprintln!("jixiao serve：已停止，临时文件已删除");
        std::process::exit(0);
    })
    .map_err(|e| format!("无法设置 Ctrl-C 处理：{e}"))?;
    if !args.no_open {
        open_browser(&url);
    }
    let app = Arc::new(App {
        guard: Guard { token, port },
        pipeline,
        max_file_bytes: args.limits.max_file_size,
        temp,
        outputs,
        kept: args.out.is_some(),
        store,
        keep: Keep {
            batches: args.keep_batches.max(1),
            age: std::time::Duration::from_secs(args.keep_hours.saturating_mul(3600)),
        },
        batches: Mutex::new(HashMap::new()),
        serial: Mutex::new(0),
    });
    // Each connection on a thread of its own (conversions run on threads of their own too).
    http::serve(listener, move |request| handle(&app, request));
    Ok(0)
}

/// Removes the temporary folders of servers that were killed before they could (Linux, where
/// `/proc` says whether their process still runs).
fn remove_stale_temporaries() {
    let proc = Path::new("/proc/self");
    if !proc.exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let pid = name
            .strip_prefix("jixiao-serve-")
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok());
        if let Some(pid) = pid
            && pid != std::process::id()
            && !Path::new("/proc").join(pid.to_string()).exists()
        {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Opens the page in the default browser (failing quietly: the address is printed).
fn open_browser(url: &str) {
    let command = if cfg!(target_os = "windows") {
        std::process::Command::new("cmd")
            .args(["/C", "start", "", url])
            .spawn()
    } else if cfg!(target_os = "macos") {
        std::process::Command::new("open").arg(url).spawn()
    } else {
        std::process::Command::new("xdg-open").arg(url).spawn()
    };
    let _ = command;
}

/// Random hex from the standard library's OS-seeded hash keys (`bytes` bytes).
fn random_hex(bytes: usize) -> String {
    let mut text = String::new();
    let mut counter: u64 = 0;
    while text.len() < bytes * 2 {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u64(counter);
        hasher.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        text.push_str(&format!("{:016x}", hasher.finish()));
        counter += 1;
    }
    text.truncate(bytes * 2);
    text
}

/// Answers one request; whatever happens in it, the server goes on.
fn handle(app: &App, request: &mut Request) -> Reply {
    let guard = &app.guard;
    let allowed = guard.host_ok(request.header("Host"))
        && guard.same_site(request.header("Origin"), request.header("Sec-Fetch-Site"));
    let url = request.target.clone();
    let path = guard.strip_token(&url).map(str::to_owned);
    match (allowed, path) {
        // The page's own links are relative: its address ends in '/'.
        (true, Some(path))
            if path == "/" && !url.split('?').next().unwrap_or("").ends_with('/') =>
        {
            redirect(&format!("/{}/", guard.token))
        }
        (true, Some(path)) => {
            match jixiao::panic_guard::guarded(|| route(app, request, &path, &url)) {
                Ok(response) => response,
                Err(panic) => json_error(500, &format!("内部错误：{panic}")),
            }
        }
        _ => text(403, "无权访问：请使用 jixiao serve 启动时给出的完整地址。"),
    }
}

fn route(app: &App, request: &mut Request, path: &str, url: &str) -> Reply {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let read = matches!(request.method, Method::Get | Method::Head);
    match (&request.method, parts.as_slice()) {
        (_, [""]) if read => page(),
        (Method::Post, ["batches"]) => create_batch(app, request),
        (_, ["batches"]) if read => list_batches(app),
        (Method::Put, ["batches", id, "files"]) => upload(app, request, id, url),
        (Method::Post, ["batches", id, "start"]) => start(app, id),
        (_, ["batches", id]) if read => status(app, id),
        (_, ["batches", id, "outputs", name]) if read => download(app, id, name),
        (_, ["batches", id, "all.zip"]) if read => zip(app, id),
        (_, ["stored"]) if read => stored_batches(app),
        (_, ["stored", id]) if read => stored_batch(app, id),
        _ => text(404, "没有这个地址"),
    }
}

/// The headers every reply carries: nothing cached, nothing sniffed, no referrer (the token is in
/// the address), scripts only from the page itself.
fn with_common_headers(mut response: Reply) -> Reply {
    let headers = [
        ("Cache-Control", "no-store"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        ("X-Frame-Options", "DENY"),
        ("Content-Security-Policy", content_security_policy()),
    ];
    for (name, value) in headers {
        response = response.with_header(name, value);
    }
    response
}

/// The page's policy: its one script and one style allowed by their SHA-256 (no inline code
/// otherwise), requests only to this server, no frames, no forms.
fn content_security_policy() -> &'static str {
    static POLICY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    POLICY.get_or_init(|| {
        let hash = |open: &str, close: &str| {
            let start = PAGE.find(open).map_or(0, |i| i + open.len());
            let end = PAGE[start..].find(close).map_or(start, |i| start + i);
            use sha2::Digest;
            format!(
                "'sha256-{}'",
                base64(&sha2::Sha256::digest(&PAGE.as_bytes()[start..end]))
            )
        };
        format!(
            "default-src 'none'; script-src {}; style-src {}; connect-src 'self'; \
             img-src 'self' data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
            hash("<script>", "</script>"),
            hash("<style>", "</style>")
        )
    })
}

/// Standard base64 (for the policy's hashes).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut text = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= chunk.len() {
                text.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                text.push('=');
            }
        }
    }
    text
}

fn reply(status: u16, content_type: &str, body: Vec<u8>) -> Reply {
    with_common_headers(Reply::bytes(status, content_type, body))
}

fn text(status: u16, message: &str) -> Reply {
    reply(
        status,
        "text/plain; charset=utf-8",
        message.as_bytes().to_vec(),
    )
}

fn redirect(location: &str) -> Reply {
    reply(301, "text/plain; charset=utf-8", Vec::new()).with_header("Location", location)
}

fn json(status: u16, value: &serde_json::Value) -> Reply {
    reply(
        status,
        "application/json; charset=utf-8",
        value.to_string().into_bytes(),
    )
}

fn json_error(status: u16, message: &str) -> Reply {
    json(status, &serde_json::json!({ "error": message }))
}

fn page() -> Reply {
    reply(200, "text/html; charset=utf-8", PAGE.as_bytes().to_vec())
}

/// How many batches, and for how long, a server keeps.
#[derive(Debug, Clone, Copy)]
struct Keep {
    batches: usize,
    age: std::time::Duration,
}

/// Removes the batches past the newest `keep.batches` and those older than `keep.age` (never
/// one that is converting), with their uploads, working files and — unless kept with --out —
/// outputs.
fn prune(batches: &mut HashMap<String, Arc<Mutex<Batch>>>, keep: Keep) {
    let mut all: Vec<(u64, std::time::Instant, String, bool)> = batches
        .iter()
        .map(|(id, b)| {
            let b = b.lock().unwrap_or_else(|e| e.into_inner());
            (b.number, b.created, id.clone(), b.state == State::Running)
        })
        .collect();
    all.sort_by_key(|b| std::cmp::Reverse(b.0));
    for (rank, (_, created, id, running)) in all.into_iter().enumerate() {
        if running || (rank < keep.batches && created.elapsed() <= keep.age) {
            continue;
        }
        if let Some(batch) = batches.remove(&id) {
            let b = batch.lock().unwrap_or_else(|e| e.into_inner());
            let _ = std::fs::remove_dir_all(&b.work);
            if !b.kept {
                let _ = std::fs::remove_dir_all(&b.out);
            }
        }
    }
}

fn find(app: &App, id: &str) -> Option<Arc<Mutex<Batch>>> {
    app.batches
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(id)
        .cloned()
}

/// A new batch with the CSV options the clerk chose: `{"csv_encoding": "gb18030", "csv_unit":
/// "wan"}` (either may be left out).
fn create_batch(app: &App, request: &mut Request) -> Reply {
    let mut body = String::new();
    if request.body().take(4096).read_to_string(&mut body).is_err() {
        return json_error(400, "请求无法读取");
    }
    let options: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    let encoding = match options["csv_encoding"].as_str() {
        Some("gb18030") => CsvEncoding::Gb18030,
        Some("utf-8") => CsvEncoding::Utf8,
        _ => CsvEncoding::Utf8Bom,
    };
    let unit = match options["csv_unit"].as_str() {
        Some("wan") => CsvUnit::Wan,
        _ => CsvUnit::Yuan,
    };
    let serial = {
        let mut serial = app.serial.lock().unwrap_or_else(|e| e.into_inner());
        *serial += 1;
        *serial
    };
    let id = format!("{serial}-{}", random_hex(6));
    let work = app.temp.join("batches").join(&id);
    let files = work.join("files");
    if let Err(e) = batch::private_dir(&files) {
        return json_error(500, &format!("无法建立这一批的目录：{e}"));
    }
    let out = app
        .outputs
        .join(format!("批次{serial}-{}", &id[id.len() - 6..]));
    let batch = Batch {
        id: id.clone(),
        state: State::Receiving,
        message: String::new(),
        received: 0,
        received_bytes: 0,
        refused: Vec::new(),
        progress: Default::default(),
        details: Vec::new(),
        results: None,
        files,
        out,
        work,
        kept: app.kept,
        csv: (encoding, unit),
        number: serial,
        created: std::time::Instant::now(),
    };
    let mut batches = app.batches.lock().unwrap_or_else(|e| e.into_inner());
    batches.insert(id.clone(), Arc::new(Mutex::new(batch)));
    prune(&mut batches, app.keep);
    json(201, &serde_json::json!({ "id": id, "number": serial }))
}

/// One file of a batch, its relative name in `?path=`, its bytes as the body.
fn upload(app: &App, request: &mut Request, id: &str, url: &str) -> Reply {
    let Some(batch) = find(app, id) else {
        return json_error(404, "没有这一批");
    };
    // A name whose %-escapes are not UTF-8 is kept as it came (cut short), to be named.
    let decoded = guard::query_value(url, "path");
    let name = decoded.clone().unwrap_or_else(|| {
        let raw = url.split_once("path=").map_or("", |(_, rest)| rest);
        raw.split('&')
            .next()
            .unwrap_or("")
            .chars()
            .take(120)
            .collect()
    });
    let refuse = |reason: String, status: u16| {
        let mut b = batch.lock().unwrap_or_else(|e| e.into_inner());
        b.refused.push((name.clone(), reason.clone()));
        json_error(status, &reason)
    };
    if decoded.is_none() && !name.is_empty() {
        return refuse(
            "文件名的编码有误（不是 UTF-8 的百分号编码），未保存".into(),
            400,
        );
    }
    let relative = match guard::upload_path(&name) {
        Ok(relative) => relative,
        Err(reason) => return refuse(reason, 400),
    };
    if batch.lock().unwrap_or_else(|e| e.into_inner()).state != State::Receiving {
        return refuse("这一批已开始转换，不能再添加文件；请新建一批".into(), 409);
    }
    let declared = request.content_length();
    match Batch::receive(
        &batch,
        &relative,
        request.body(),
        declared,
        app.max_file_bytes,
    ) {
        Ok(()) => json(
            201,
            &serde_json::json!({ "stored": relative.to_string_lossy() }),
        ),
        Err(reason) => refuse(reason, 413),
    }
}

/// This run's batches, newest first, as `GET batches/ID` gives each (for a reloaded page).
fn list_batches(app: &App) -> Reply {
    let mut all: Vec<serde_json::Value> = app
        .batches
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .values()
        .map(|b| {
            serde_json::to_value(&*b.lock().unwrap_or_else(|e| e.into_inner())).unwrap_or_default()
        })
        .collect();
    all.sort_by_key(|b| std::cmp::Reverse(b["number"].as_u64().unwrap_or(0)));
    json(200, &serde_json::json!({ "batches": all }))
}

fn start(app: &App, id: &str) -> Reply {
    let Some(batch) = find(app, id) else {
        return json_error(404, "没有这一批");
    };
    match Batch::start(batch, app.pipeline.clone(), app.store.clone()) {
        Ok(()) => json(202, &serde_json::json!({ "started": true })),
        Err(reason) => json_error(409, &reason),
    }
}

fn status(app: &App, id: &str) -> Reply {
    // Where the tests make a request panic (JIXIAO_PANIC_AT=serve:status).
    jixiao::pause::point("serve:status");
    let Some(batch) = find(app, id) else {
        return json_error(404, "没有这一批");
    };
    let b = batch.lock().unwrap_or_else(|e| e.into_inner());
    json(200, &serde_json::to_value(&*b).unwrap_or_default())
}

fn download(app: &App, id: &str, name: &str) -> Reply {
    let Some(batch) = find(app, id) else {
        return json_error(404, "没有这一批");
    };
    let name = guard::percent_decode(name).unwrap_or_default();
    let path = batch
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .output(&name);
    match path {
        Some(path) => file(&path, &name),
        None => json_error(404, "没有这个结果文件"),
    }
}

fn zip(app: &App, id: &str) -> Reply {
    let Some(batch) = find(app, id) else {
        return json_error(404, "没有这一批");
    };
    let made = batch.lock().unwrap_or_else(|e| e.into_inner()).zip();
    match made {
        Ok(path) => file(&path, "jixiao-结果.zip"),
        Err(reason) => json_error(409, &reason),
    }
}

/// The batches of the store, newest first.
fn stored_batches(app: &App) -> Reply {
    let Some(store) = &app.store else {
        return json(200, &serde_json::json!({ "store": null, "batches": [] }));
    };
    match stored::batches(store) {
        Ok(value) => json(200, &value),
        Err(reason) => json_error(500, &reason),
    }
}

/// One batch of the store: its files and the records it added.
fn stored_batch(app: &App, id: &str) -> Reply {
    let (Some(store), Ok(id)) = (&app.store, id.parse::<i64>()) else {
        return json_error(404, "存储库中没有这一批");
    };
    match stored::batch(store, id) {
        Ok(Some(value)) => json(200, &value),
        Ok(None) => json_error(404, "存储库中没有这一批"),
        Err(reason) => json_error(500, &reason),
    }
}

/// A file as a download, its name given in UTF-8 (RFC 6266).
fn file(path: &Path, name: &str) -> Reply {
    let Ok(handle) = std::fs::File::open(path) else {
        return json_error(404, "文件已不在");
    };
    let length = handle.metadata().map(|m| m.len()).ok();
    let content_type = match Path::new(name).extension().and_then(|e| e.to_str()) {
        Some("xlsx") => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Some("csv") => "text/csv",
        Some("jsonl") => "application/x-ndjson",
        Some("zip") => "application/zip",
        _ => "application/octet-stream",
    };
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}");
    let response = Reply {
        status: 200,
        headers: vec![
            ("Content-Type".into(), content_type.into()),
            ("Content-Disposition".into(), disposition),
        ],
        body: Box::new(handle),
        length,
    };
    with_common_headers(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_is_standard() {
        assert_eq!(base64(b"Man"), "TWFu");
        assert_eq!(base64(b"Ma"), "TWE=");
        assert_eq!(base64(b"M"), "TQ==");
        assert_eq!(base64(b""), "");
    }

    #[test]
    fn the_policy_allows_the_pages_own_script_and_style_only() {
        let policy = content_security_policy();
        assert!(!policy.contains("unsafe-inline"), "{policy}");
        assert_eq!(policy.matches("'sha256-").count(), 2, "{policy}");
        assert_eq!(PAGE.matches("<script>").count(), 1);
        assert_eq!(PAGE.matches("<style>").count(), 1);
    }
}
