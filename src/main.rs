//! The `jixiao` command line: parses arguments and hands them to a subcommand.

mod cmd;

/// glibc's allocator lets the heap grow without bound under the many 64-byte-aligned buffers the
/// zip inflater allocates per workbook part (fragmentation, not live memory); mimalloc keeps a
/// batch's memory flat and is faster on the many small allocations of form reading.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in the `mi_option_e` enum of libmimalloc-sys 0.1.49's mimalloc.h
/// (version 3), which its Rust bindings do not name.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// How long freed memory is kept for reuse before it goes back to the system.
const PURGE_DELAY_MS: std::ffi::c_long = 100;

/// Memory a batch frees goes back to the system after 100 ms rather than mimalloc's default
/// second: files are read and dropped one after another, and a second of freed memory was most
/// of the peak RSS (6,000 forms: 30 → 22 MB at 1 ms; an 11,000-row flat export: 72 → 48 MB).
/// Not 1 ms: memory given back that soon is taken again a moment later, each page faulted in
/// afresh (on a virtual machine that hands free pages back to its host, dearly): 6,000 forms
/// convert 0.94× the wall time at 100 ms, for 3–8 MB more peak RSS (README, "Performance").
/// `MIMALLOC_PURGE_DELAY` in the environment still wins.
fn configure_allocator() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets an integer option; mimalloc reads options atomically at any time.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS) };
    }
}

use clap::{Parser, Subcommand};

/// jixiao (绩效): reads performance target forms (绩效目标表) and self-evaluations (绩效自评表)
/// from spreadsheets.
#[derive(Debug, Parser)]
#[command(name = "jixiao", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Convert workbooks into the annual summary workbook, the accounting CSV, JSON lines and a
    /// manifest.
    Convert(cmd::convert::Args),
    /// Print the forms found in workbooks as JSON, each field with its cell.
    Inspect(cmd::inspect::Args),
    /// Print the forms normalized (canonical names, structured 指标值, checks), or with
    /// --unmapped the wordings the dictionary could not map.
    Normalize(cmd::normalize::Args),
    /// Review the target forms against the finance rules (绩效目标审核): per form the conclusion
    /// (通过 / 需关注 / 退回修改) and its findings; exit 1 when any form is sent back.
    Review(cmd::review::Args),
    /// Write projects back out as official forms (from projects.jsonl or workbooks), next
    /// year's forms pre-filled, or blank forms with drop-down lists to send out.
    Forms(cmd::forms::Args),
    /// A page for the clerk on this machine only: drop the department workbooks in a browser,
    /// watch them converted, download summary.xlsx and the other outputs.
    Serve(cmd::serve::Args),
    /// A project's (by 项目编码 or name) or a department's records in the store, across years and
    /// batches.
    History(cmd::history::Args),
    /// What the store holds (info), whether it is sound (check), a copy of it in PostgreSQL (push).
    Store(cmd::store::Args),
}

fn main() {
    configure_allocator();
    jixiao::batch::install_panic_hook();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Convert(args) => cmd::convert::run(args),
        Command::Inspect(args) => cmd::inspect::run(args),
        Command::Normalize(args) => cmd::normalize::run(args),
        Command::Review(args) => cmd::review::run(args),
        Command::Forms(args) => cmd::forms::run(args),
        Command::Serve(args) => cmd::serve::run(args),
        Command::History(args) => cmd::history::run(args),
        Command::Store(args) => cmd::store::run(args),
    };
    match result {
        Ok(code) => std::process::exit(code),
        Err(message) => {
            eprintln!("jixiao: {message}");
            std::process::exit(2);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The option's number still names the purge delay: version 3's default for it is 1000 ms,
    /// which no option near it has (a mimalloc whose enum moved fails here, not silently).
    #[test]
    fn the_purge_delay_option_is_the_one_set() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
            return; // the environment chose the value; the default is not observable
        }
        // SAFETY: reads an integer option.
        let default = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
        assert_eq!(default, 1000);
        configure_allocator();
        // SAFETY: as above.
        assert_eq!(
            unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) },
            PURGE_DELAY_MS
        );
    }
}
