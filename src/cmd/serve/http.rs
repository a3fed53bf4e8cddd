//! The HTTP/1.1 layer of `jixiao serve`, small and strict: one request per connection, each
//! connection on a thread of its own (a slow or hostile client holds only its own), the head read
//! within a size and a deadline and parsed by `httparse` (the parser hyper uses, fuzzed upstream),
//! the body read only when the handler asks for it — a refused request is answered and closed
//! without its body being read — and a panic anywhere in a request answered 500, never fatal.
//!
//! (tiny_http, used before, reads the rest of every body when a request is dropped, into one
//! buffer of the declared size: a `Content-Length` of 2^64−1 killed a handler thread with a
//! "capacity overflow" panic, 16 of them the server; 16 slow refused uploads held every handler.)

use std::io::{BufWriter, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Largest request head (request line and headers).
const MAX_HEAD: usize = 16 * 1024;
/// Most headers in a request.
const MAX_HEADERS: usize = 64;
/// Time a client has to send its whole head.
const HEAD_DEADLINE: Duration = Duration::from_secs(10);
/// Longest wait for the next bytes of a body, or for the client to take the reply.
const IO_TIMEOUT: Duration = Duration::from_secs(60);
/// After a reply to a request whose body was not read: how long, and how much, of it is read
/// and thrown away so the client sees the reply rather than a reset connection.
const LINGER: Duration = Duration::from_millis(500);
const LINGER_BYTES: u64 = 1024 * 1024;
/// Connections handled at once; more are answered 503 at once. (Each thread reserves an 8 MB
/// stack, as a main thread does: a download zips in it, and deflate in a debug build needs more
/// than 256 KB; the memory is only reserved, not used.)
pub const MAX_CONNECTIONS: usize = 512;

/// A request's method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Method {
    Get,
    Head,
    Post,
    Put,
    Other(String),
}

/// A request: its head, and its body as a stream read on demand.
pub struct Request {
    pub method: Method,
    /// The request target, as sent (path and query).
    pub target: String,
    headers: Vec<(String, String)>,
    body: Body,
}

impl Request {
    /// The first header of that name (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body's declared length.
    pub fn content_length(&self) -> u64 {
        self.body.declared
    }

    /// The body (at most its declared length; a client that stalls longer than a minute ends
    /// it with an error).
    pub fn body(&mut self) -> &mut dyn Read {
        &mut self.body
    }
}

/// A request body: the bytes read with the head, then the connection, up to the declared length.
struct Body {
    early: Vec<u8>,
    stream: TcpStream,
    declared: u64,
    remaining: u64,
    /// `Expect: 100-continue` not yet answered.
    continue_due: bool,
}

impl Read for Body {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.remaining == 0 || buf.is_empty() {
            return Ok(0);
        }
        if self.continue_due {
            self.continue_due = false;
            self.stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        }
        let want = buf
            .len()
            .min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
        let n = if !self.early.is_empty() {
            let n = want.min(self.early.len());
            buf[..n].copy_from_slice(&self.early[..n]);
            self.early.drain(..n);
            n
        } else {
            let n = self.stream.read(&mut buf[..want])?;
            if n == 0 {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "连接在上传完成前断开",
                ));
            }
            n
        };
        self.remaining -= n as u64;
        Ok(n)
    }
}

/// A reply: status, headers, and a body streamed from any reader.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Box<dyn Read + Send>,
    pub length: Option<u64>,
}

impl Reply {
    /// A reply with a body held in memory.
    pub fn bytes(status: u16, content_type: &str, body: Vec<u8>) -> Reply {
        Reply {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            length: Some(body.len() as u64),
            body: Box::new(std::io::Cursor::new(body)),
        }
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        301 => "Moved Permanently",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        411 => "Length Required",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        _ => "",
    }
}

/// Serves connections from `listener` until the process ends; `handle` answers each request.
pub fn serve<H>(listener: TcpListener, handle: H)
where
    H: Fn(&mut Request) -> Reply + Send + Sync + 'static,
{
    let handle = Arc::new(handle);
    let active = Arc::new(AtomicUsize::new(0));
    for stream in listener.incoming() {
        let Ok(stream) = stream else {
            // Out of descriptors and the like: wait a moment rather than spin.
            std::thread::sleep(Duration::from_millis(10));
            continue;
        };
        if active.load(Ordering::SeqCst) >= MAX_CONNECTIONS {
            let _ = refuse_now(stream, 503, "服务繁忙，请稍后再试");
            continue;
        }
        active.fetch_add(1, Ordering::SeqCst);
        let handle = Arc::clone(&handle);
        let done = Arc::clone(&active);
        let spawned = std::thread::Builder::new()
            .stack_size(8 * 1024 * 1024)
            .spawn(move || {
                // Whatever happens on this connection, the count goes down.
                struct Leave(Arc<AtomicUsize>);
                impl Drop for Leave {
                    fn drop(&mut self) {
                        self.0.fetch_sub(1, Ordering::SeqCst);
                    }
                }
                let _leave = Leave(done);
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    connection(stream, &*handle)
                }));
            });
        if spawned.is_err() {
            active.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// A reply written straight away, the connection closed (no head read).
fn refuse_now(mut stream: TcpStream, status: u16, message: &str) -> std::io::Result<()> {
    stream.set_write_timeout(Some(Duration::from_secs(1)))?;
    let reply = Reply::bytes(
        status,
        "text/plain; charset=utf-8",
        message.as_bytes().to_vec(),
    );
    write_reply(&mut stream, reply, false)?;
    stream.shutdown(Shutdown::Both)
}

/// One connection: its one request.
fn connection(stream: TcpStream, handle: &dyn Fn(&mut Request) -> Reply) {
    let _ = stream.set_write_timeout(Some(IO_TIMEOUT));
    let mut request = match read_head(&stream) {
        Ok(request) => request,
        Err(Some(status)) => {
            let reply = Reply::bytes(
                status,
                "text/plain; charset=utf-8",
                reason(status).as_bytes().to_vec(),
            );
            let mut writer = &stream;
            let _ = write_reply(&mut writer, reply, false);
            linger(&stream);
            return;
        }
        Err(None) => return,
    };
    let head = request.method == Method::Head;
    let reply =
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handle(&mut request))) {
            Ok(reply) => reply,
            Err(_) => Reply::bytes(
                500,
                "application/json; charset=utf-8",
                r#"{"error":"内部错误"}"#.as_bytes().to_vec(),
            ),
        };
    let unread = request.body.remaining > 0;
    let mut writer = &stream;
    let _ = write_reply(&mut writer, reply, head);
    if unread {
        linger(&stream);
    } else {
        let _ = stream.shutdown(Shutdown::Both);
    }
}

/// Closes our side, then reads and drops what the client still sends — while it keeps sending,
/// at most 0.5 s and 1 MB — so that it reads the reply instead of a reset.
fn linger(stream: &TcpStream) {
    let _ = stream.shutdown(Shutdown::Write);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(100)));
    let started = Instant::now();
    let mut sink = [0u8; 16 * 1024];
    let mut read = 0u64;
    let mut reader = stream;
    while started.elapsed() < LINGER && read < LINGER_BYTES {
        match reader.read(&mut sink) {
            Ok(0) => break,
            Ok(n) => read += n as u64,
            // Nothing more for a tenth of a second: the client is waiting for the reply.
            Err(_) => break,
        }
    }
    let _ = stream.shutdown(Shutdown::Both);
}

/// Reads and parses the head: `Err(Some(status))` to answer, `Err(None)` to just close.
fn read_head(stream: &TcpStream) -> Result<Request, Option<u16>> {
    let started = Instant::now();
    let mut buffer = vec![0u8; MAX_HEAD];
    let mut filled = 0;
    loop {
        let left = HEAD_DEADLINE.saturating_sub(started.elapsed());
        if left.is_zero() {
            return Err(Some(408));
        }
        stream.set_read_timeout(Some(left)).map_err(|_| None)?;
        let mut reader = stream;
        let n = match reader.read(&mut buffer[filled..]) {
            Ok(0) => return Err(None),
            Ok(n) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return Err(Some(408));
            }
            Err(_) => return Err(None),
        };
        filled += n;
        if let Some(request) = parse_head(&buffer[..filled], stream)? {
            return Ok(request);
        }
        if filled == buffer.len() {
            return Err(Some(431));
        }
    }
}

/// The head, once complete (`Ok(None)` while it is not); an error status for a head that is
/// malformed, or whose body this server does not take.
fn parse_head(bytes: &[u8], stream: &TcpStream) -> Result<Option<Request>, Option<u16>> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Request::new(&mut headers);
    let end = match parsed.parse(bytes) {
        Ok(httparse::Status::Complete(end)) => end,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => return Err(Some(431)),
        Err(_) => return Err(Some(400)),
    };
    let head = check_head(&parsed)?;
    let stream = stream.try_clone().map_err(|_| None)?;
    let _ = stream.set_read_timeout(Some(IO_TIMEOUT));
    Ok(Some(Request {
        method: head.method,
        target: head.target,
        body: Body {
            early: bytes[end..].to_vec(),
            stream,
            declared: head.length,
            remaining: head.length,
            continue_due: head.expects_continue,
        },
        headers: head.headers,
    }))
}

/// What a parsed head says.
pub struct Head {
    pub method: Method,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub length: u64,
    pub expects_continue: bool,
}

/// Checks a parsed head: one plain `Content-Length` (no chunked bodies), known expectations,
/// text headers.
pub fn check_head(parsed: &httparse::Request<'_, '_>) -> Result<Head, Option<u16>> {
    let method = match parsed.method.unwrap_or("") {
        "GET" => Method::Get,
        "HEAD" => Method::Head,
        "POST" => Method::Post,
        "PUT" => Method::Put,
        other => Method::Other(other.to_owned()),
    };
    let target = parsed.path.unwrap_or("").to_owned();
    if !target.starts_with('/') {
        return Err(Some(400));
    }
    let mut headers = Vec::with_capacity(parsed.headers.len());
    let mut length: Option<u64> = None;
    let mut expects_continue = false;
    for header in parsed.headers.iter() {
        let value = std::str::from_utf8(header.value).map_err(|_| Some(400))?;
        let value = value.trim().to_owned();
        if header.name.eq_ignore_ascii_case("Content-Length") {
            // Digits only, at most 20 of them (a u64); two different lengths are a smuggling attempt.
            if value.is_empty() || value.len() > 20 || !value.bytes().all(|b| b.is_ascii_digit()) {
                return Err(Some(400));
            }
            let n: u64 = value.parse().map_err(|_| Some(400))?;
            if length.is_some_and(|l| l != n) {
                return Err(Some(400));
            }
            length = Some(n);
        } else if header.name.eq_ignore_ascii_case("Transfer-Encoding") {
            return Err(Some(501));
        } else if header.name.eq_ignore_ascii_case("Expect") {
            if !value.eq_ignore_ascii_case("100-continue") {
                return Err(Some(400));
            }
            expects_continue = true;
        }
        headers.push((header.name.to_owned(), value));
    }
    Ok(Head {
        method,
        target,
        headers,
        length: length.unwrap_or(0),
        expects_continue,
    })
}

/// Writes a reply (its body too, unless it answers a HEAD); every reply closes the connection.
fn write_reply(stream: &mut dyn Write, reply: Reply, head: bool) -> std::io::Result<()> {
    let mut out = BufWriter::with_capacity(64 * 1024, stream);
    write!(
        out,
        "HTTP/1.1 {} {}\r\n",
        reply.status,
        reason(reply.status)
    )?;
    for (name, value) in &reply.headers {
        // A header value never carries a line break (names and values are ours).
        if value.contains(['\r', '\n']) || name.contains(['\r', '\n', ':']) {
            continue;
        }
        write!(out, "{name}: {value}\r\n")?;
    }
    if let Some(length) = reply.length {
        write!(out, "Content-Length: {length}\r\n")?;
    }
    out.write_all(b"Connection: close\r\n\r\n")?;
    if !head {
        let mut body = reply.body;
        std::io::copy(&mut body, &mut out)?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(text: &str) -> Result<Head, Option<u16>> {
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut parsed = httparse::Request::new(&mut headers);
        match parsed.parse(text.as_bytes()) {
            Ok(httparse::Status::Complete(_)) => check_head(&parsed),
            _ => Err(Some(400)),
        }
    }

    #[test]
    fn lengths_are_plain_and_single() {
        let ok = head("PUT /t/x HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\n\r\n").unwrap();
        assert_eq!(ok.length, 12);
        assert_eq!(ok.method, Method::Put);
        let huge = head("PUT /x HTTP/1.1\r\nContent-Length: 18446744073709551615\r\n\r\n");
        assert_eq!(huge.unwrap().length, u64::MAX, "declared, never allocated");
        for bad in [
            "PUT /x HTTP/1.1\r\nContent-Length: 184467440737095516150\r\n\r\n",
            "PUT /x HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
            "PUT /x HTTP/1.1\r\nContent-Length: 1, 2\r\n\r\n",
            "PUT /x HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            "PUT /x HTTP/1.1\r\nExpect: nothing\r\n\r\n",
            "GET x HTTP/1.1\r\n\r\n",
        ] {
            assert_eq!(head(bad).err(), Some(Some(400)), "{bad:?}");
        }
        assert_eq!(
            head("PUT /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n").err(),
            Some(Some(501))
        );
    }
}
