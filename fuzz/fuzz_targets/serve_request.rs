//! jixiao serve's request path on any bytes: the head parsed and checked as the server does
//! (src/cmd/serve/http.rs), then the token, Host and Origin checks and the uploaded name's path
//! (src/cmd/serve/guard.rs). Never a panic; an accepted upload name is always a plain relative
//! path inside the batch.
#![no_main]
#![allow(dead_code)]

use libfuzzer_sys::fuzz_target;

#[path = "../../src/cmd/serve/guard.rs"]
mod guard;
#[path = "../../src/cmd/serve/http.rs"]
mod http;

fuzz_target!(|data: &[u8]| {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut parsed = httparse::Request::new(&mut headers);
    let Ok(httparse::Status::Complete(_)) = parsed.parse(data) else {
        return;
    };
    let Ok(head) = http::check_head(&parsed) else {
        return;
    };
    let guard = guard::Guard {
        token: "0123456789abcdef0123456789abcdef".into(),
        port: 8080,
    };
    let header = |name: &str| {
        head.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    let _ = guard.host_ok(header("Host"));
    let _ = guard.same_site(header("Origin"), header("Sec-Fetch-Site"));
    if let Some(rest) = guard.strip_token(&head.target) {
        assert!(rest.starts_with('/'));
    }
    if let Some(name) = guard::query_value(&head.target, "path")
        && let Ok(path) = guard::upload_path(&name)
    {
        assert!(
            path.components()
                .all(|c| matches!(c, std::path::Component::Normal(_))),
            "{path:?}"
        );
    }
});
