//! Every input the fuzzer (`fuzz/`) ever found a problem with, kept in `tests/fixtures/fuzz/`:
//! read through the per-file entry point, none may panic, and each must end as a clear rejection
//! or a form.

use jixiao::TemplateSet;
use jixiao::read::{Limits, read_workbook};

use crate::harness::fixture;

#[test]
fn fuzz_findings_never_panic_again() {
    let templates = TemplateSet::builtin();
    let limits = Limits::default();
    let mut findings: Vec<_> = std::fs::read_dir(fixture("fuzz"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_none_or(|e| e != "md"))
        .collect();
    findings.sort();
    assert!(!findings.is_empty());
    for path in findings {
        let bytes = std::fs::read(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let result = std::panic::catch_unwind(|| read_workbook(&bytes, &name, &templates, &limits));
        match result {
            Err(_) => panic!("{name} panics again"),
            Ok(Err(error)) => {
                let reason = error.to_string();
                assert!(!reason.is_empty(), "{name}: a reason");
                // A looping chain is refused as one, before calamine follows it.
                if name.contains("loop") {
                    assert!(reason.contains("循环"), "{name}: {reason}");
                }
            }
            Ok(Ok(_)) => {}
        }
    }
}
