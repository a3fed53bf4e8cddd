//! Where a panic is expected and caught: around calls into dependencies that may panic on
//! malformed bytes, and at the per-file boundary of a batch. A thread-local depth says whether
//! the current code runs inside such a guard, so a panic hook can stay quiet for caught panics
//! (the batch reports them as rejections) and a fuzz target can abort only on the others.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};

thread_local! {
    static DEPTH: Cell<u32> = const { Cell::new(0) };
}

/// True while code runs inside [`guarded`].
pub fn is_guarded() -> bool {
    DEPTH.with(Cell::get) > 0
}

/// Runs `call`, returning a panic's message as an error instead of unwinding further.
pub fn guarded<T>(call: impl FnOnce() -> T) -> Result<T, String> {
    DEPTH.with(|d| d.set(d.get() + 1));
    let result = catch_unwind(AssertUnwindSafe(call));
    DEPTH.with(|d| d.set(d.get() - 1));
    result.map_err(|panic| {
        panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_else(|| "未知错误".to_owned())
    })
}

/// Installs a panic hook that stays quiet for caught panics and prints the others as before.
pub fn install_quiet_hook() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !is_guarded() {
            default_hook(info);
        }
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_guarded_panic_becomes_its_message() {
        assert_eq!(guarded(|| 1 + 1), Ok(2));
        let caught = guarded(|| -> u32 { panic!("boom {}", 7) });
        assert_eq!(caught, Err("boom 7".to_owned()));
        assert!(!is_guarded());
        assert_eq!(guarded(is_guarded), Ok(true));
    }
}
