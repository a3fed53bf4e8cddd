//! Fuzzes the per-file entry point: any bytes, read as a workbook within the default limits (every
//! built-in template, the self-evaluations' included), then normalized, each self-evaluation held
//! against the file's target forms, each target form reviewed, and rendered for every output. It must never hang or abort, and jixiao's own code
//! must never panic. A panic inside calamine on malformed bytes is caught by the reader (and
//! reported as a damaged file), so only panics outside such a guard count as crashes.
#![no_main]

use std::sync::{LazyLock, Once};

use jixiao::TemplateSet;
use jixiao::batch::{FileOutcome, FileStatus};
use jixiao::model::{FormKind, Project};
use jixiao::normalize::Normalizer;
use jixiao::normalize::link::link;
use jixiao::review::Reviewer;
use jixiao::read::{Limits, read_workbook};
use jixiao::write::csv_out::{CsvEncoding, CsvUnit};
use jixiao::write::render::Renderer;
use libfuzzer_sys::fuzz_target;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

static TEMPLATES: LazyLock<TemplateSet> = LazyLock::new(TemplateSet::builtin);
static NORMALIZER: LazyLock<Normalizer> = LazyLock::new(Normalizer::builtin);
static REVIEWER: LazyLock<Reviewer> = LazyLock::new(Reviewer::builtin);

static HOOK: Once = Once::new();

fuzz_target!(|bytes: &[u8]| {
    HOOK.call_once(|| {
        // libFuzzer's hook aborts on every panic; keep it for panics nobody catches.
        let abort = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !jixiao::panic_guard::is_guarded() {
                abort(info);
            }
        }));
    });
    let limits = Limits { max_seconds_per_file: 10.0, ..Limits::default() };
    let Ok(mut read) = read_workbook(bytes, "fuzz.xlsx", &TEMPLATES, &limits) else { return };
    for record in &mut read.records {
        NORMALIZER.normalize_record(record);
        REVIEWER.review_record(record, NORMALIZER.dictionary());
    }
    let outcome = FileOutcome {
        file: "fuzz.xlsx".into(),
        status: if read.records.is_empty() { FileStatus::Rejected } else { FileStatus::Converted },
        format: Some(read.format.name()),
        records: read.records,
        issues: read.issues,
        message: String::new(),
        detail: None,
        digest: None,
        early: false,
        handed: 0,
    };
    let renderer = Renderer { encoding: CsvEncoding::Gb18030, unit: CsvUnit::Yuan };
    let _ = renderer.render(&outcome);
    let targets: Vec<&Project> =
        outcome.projects().filter(|f| f.kind == FormKind::Target).collect();
    for record in outcome.records.iter().filter(|r| !r.kind().is_project_target()) {
        let mut record = record.clone();
        if let Some(evaluation) = record.as_project_mut() {
            for target in &targets {
                link(evaluation, target, "fuzz".into());
            }
        }
        let _ = renderer.render_set_aside(&record);
    }
});
