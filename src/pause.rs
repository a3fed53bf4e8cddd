//! Named points of a run where a test can stop it, to prove what a crash at that moment leaves:
//! with `JIXIAO_PAUSE_AT=NAME` in the environment, the run prints `jixiao: paused at NAME` on
//! standard error when it reaches the point and waits there — until the file named by
//! `JIXIAO_PAUSE_UNTIL` exists, or forever (until it is killed). With `JIXIAO_PANIC_AT=NAME` it
//! panics there instead (to prove a panic at that moment is contained). Without the variables a
//! point costs one look at a value read once.

use std::sync::OnceLock;
use std::time::Duration;

static PAUSE_AT: OnceLock<Option<String>> = OnceLock::new();
static PANIC_AT: OnceLock<Option<String>> = OnceLock::new();

/// A point of the run named `name`.
pub fn point(name: &str) {
    let panic_at = PANIC_AT.get_or_init(|| std::env::var("JIXIAO_PANIC_AT").ok());
    if panic_at.as_deref() == Some(name) {
        panic!("JIXIAO_PANIC_AT={name}");
    }
    let pause_at = PAUSE_AT.get_or_init(|| std::env::var("JIXIAO_PAUSE_AT").ok());
    if pause_at.as_deref() != Some(name) {
        return;
    }
    eprintln!("jixiao: paused at {name}");
    let until = std::env::var_os("JIXIAO_PAUSE_UNTIL");
    loop {
        if until
            .as_ref()
            .is_some_and(|p| std::path::Path::new(p).exists())
        {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
