//! What `jixiao serve` refuses: a request without the run's token, one whose `Host` is not the
//! loopback address (DNS rebinding), one from another site (`Origin`, `Sec-Fetch-Site`); and an
//! uploaded file's name that would land outside its batch's folder.

use std::path::PathBuf;

/// The checks of one server.
#[derive(Debug, Clone)]
pub struct Guard {
    /// The random token every path starts with.
    pub token: String,
    /// The port the server listens on.
    pub port: u16,
}

impl Guard {
    /// The path after the token (`/batches/…`), or `None` when the token is missing or wrong.
    pub fn strip_token<'u>(&self, url: &'u str) -> Option<&'u str> {
        let path = url.split('?').next().unwrap_or(url);
        let after = path.strip_prefix('/')?;
        let end = after.find('/').unwrap_or(after.len());
        // Compared in constant time: how long a wrong token takes says nothing of the right one.
        if !same_bytes(&after.as_bytes()[..end], self.token.as_bytes()) {
            return None;
        }
        let rest = &after[end..];
        if rest.is_empty() {
            return Some("/");
        }
        rest.starts_with('/').then_some(rest)
    }

    /// True for a `Host` header naming this server on the loopback address.
    pub fn host_ok(&self, host: Option<&str>) -> bool {
        let Some(host) = host else { return false };
        let host = host.trim().to_ascii_lowercase();
        [
            format!("127.0.0.1:{}", self.port),
            format!("localhost:{}", self.port),
        ]
        .contains(&host)
    }

    /// True unless the request says it comes from another site: an `Origin` other than this
    /// server, or `Sec-Fetch-Site: cross-site`.
    pub fn same_site(&self, origin: Option<&str>, fetch_site: Option<&str>) -> bool {
        if fetch_site.is_some_and(|s| s.trim().eq_ignore_ascii_case("cross-site")) {
            return false;
        }
        match origin {
            None => true,
            Some(origin) => {
                let origin = origin.trim().to_ascii_lowercase();
                [
                    format!("http://127.0.0.1:{}", self.port),
                    format!("http://localhost:{}", self.port),
                ]
                .contains(&origin)
            }
        }
    }
}

/// Equal byte strings, compared without stopping at the first difference.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Decodes %XX escapes of a query value (UTF-8); `None` for a malformed escape or text.
pub fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// The value of a query parameter of a URL, decoded.
pub fn query_value(url: &str, key: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (k == key).then(|| percent_decode(v)).flatten()
    })
}

/// Most folders deep an uploaded name may go.
const MAX_DEPTH: usize = 16;
/// Most bytes (UTF-8) of one part of an uploaded name: file systems allow 255 (Linux: bytes;
/// Windows: UTF-16 units), and the batch's folder and the output names need some room.
const MAX_PART_BYTES: usize = 180;

/// The relative path an uploaded file is stored under, from the name the browser gives
/// ("samples/应急救援.xlsx"): only plain parts, never `..`, `.`, an empty part (so no absolute
/// path), a drive or stream (`:`), a control character; a Windows device name (CON, NUL, COM1 …)
/// gets a `_` in front; a part over 180 bytes is cut (keeping its extension); at most 16
/// folders deep. `Err` says why a name is refused.
pub fn upload_path(name: &str) -> Result<PathBuf, String> {
    if name.is_empty() {
        return Err("文件名为空".into());
    }
    let parts: Vec<&str> = name.split(['/', '\\']).collect();
    if parts.len() > MAX_DEPTH {
        return Err(format!("文件夹层级超过 {MAX_DEPTH} 层"));
    }
    let mut path = PathBuf::new();
    for part in parts {
        let trimmed = part.trim_end_matches(['.', ' ']);
        if part.is_empty() || part == "." || part == ".." || trimmed.is_empty() {
            return Err(format!("文件名“{name}”含有不允许的路径部分"));
        }
        if part.contains(':') || part.chars().any(char::is_control) {
            return Err(format!("文件名“{name}”含有不允许的字符"));
        }
        let mut clean = shorten(trimmed);
        if is_device_name(&clean) {
            clean.insert(0, '_');
        }
        path.push(clean);
    }
    Ok(path)
}

fn is_device_name(part: &str) -> bool {
    let stem = part.split('.').next().unwrap_or("").to_ascii_uppercase();
    matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || (stem.len() == 4
            && (stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.as_bytes()[3].is_ascii_digit())
}

/// A part cut to at most 180 bytes on a character boundary, its extension kept.
fn shorten(part: &str) -> String {
    if part.len() <= MAX_PART_BYTES {
        return part.to_owned();
    }
    let (stem, extension) = match part.rfind('.') {
        Some(dot) if part.len() - dot <= 8 => (&part[..dot], &part[dot..]),
        _ => (part, ""),
    };
    let room = MAX_PART_BYTES - extension.len();
    let mut end = room.min(stem.len());
    while !stem.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{extension}", &stem[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard() -> Guard {
        Guard {
            token: "abc123".into(),
            port: 8080,
        }
    }

    #[test]
    fn the_token_host_and_origin_are_checked() {
        let g = guard();
        assert_eq!(g.strip_token("/abc123/"), Some("/"));
        assert_eq!(g.strip_token("/abc123"), Some("/"));
        assert_eq!(g.strip_token("/abc123/batches?x=1"), Some("/batches"));
        assert_eq!(g.strip_token("/abc1234/"), None);
        assert_eq!(g.strip_token("/"), None);
        assert_eq!(g.strip_token("/batches"), None);
        assert!(g.host_ok(Some("127.0.0.1:8080")) && g.host_ok(Some("localhost:8080")));
        assert!(!g.host_ok(Some("evil.example:8080")) && !g.host_ok(None));
        assert!(!g.host_ok(Some("127.0.0.1:9090")));
        assert!(g.same_site(None, None));
        assert!(g.same_site(Some("http://127.0.0.1:8080"), Some("same-origin")));
        assert!(!g.same_site(Some("http://evil.example"), None));
        assert!(!g.same_site(None, Some("cross-site")));
    }

    #[test]
    fn uploaded_names_stay_inside_the_batch() {
        assert_eq!(
            upload_path("samples/应急救援.xlsx").unwrap(),
            PathBuf::from("samples/应急救援.xlsx")
        );
        for bad in [
            "../x.xlsx",
            "a/../../x.xlsx",
            "/etc/passwd",
            "\\\\server\\share\\x.xlsx",
            "C:\\Windows\\x.xlsx",
            "a/./b.xlsx",
            "x.xlsx:stream",
            "a\u{0}b.xlsx",
            "",
            "...",
        ] {
            assert!(upload_path(bad).is_err(), "{bad:?}");
        }
        assert_eq!(upload_path("CON.xlsx").unwrap(), PathBuf::from("_CON.xlsx"));
        assert_eq!(upload_path("com1").unwrap(), PathBuf::from("_com1"));
        let long = format!("{}.xlsx", "长".repeat(300));
        let cut = upload_path(&long).unwrap();
        let name = cut.to_string_lossy();
        assert!(
            name.len() <= MAX_PART_BYTES && name.len() > MAX_PART_BYTES - 3,
            "{name}"
        );
        assert!(name.ends_with(".xlsx"));
        let deep = vec!["a"; 20].join("/");
        assert!(upload_path(&deep).is_err());
        assert_eq!(
            percent_decode("samples%2F%E5%BA%94%E6%80%A5.xlsx").as_deref(),
            Some("samples/应急.xlsx")
        );
        assert_eq!(
            query_value("/t/x?path=a%2Fb&y=1", "path").as_deref(),
            Some("a/b")
        );
    }
}
