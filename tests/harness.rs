//! A small harness: run the real binary, show everything when it fails, read JSON back.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// The path of a fixture under `tests/fixtures`.
pub fn fixture(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(relative)
}

/// What one run of the binary did.
pub struct Run {
    pub command: String,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Panics, showing the command and its output, unless the exit code is `expected`.
    pub fn expect_code(self, expected: i32) -> Run {
        if self.code != Some(expected) {
            panic!("expected exit code {expected}\n{}", self.describe());
        }
        self
    }

    /// Parses standard output as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e})\n{}", self.describe()))
    }

    pub fn describe(&self) -> String {
        format!(
            "command: {}\nstatus: {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.command,
            self.code,
            truncate(&self.stdout),
            truncate(&self.stderr)
        )
    }
}

fn truncate(text: &str) -> &str {
    match text.char_indices().nth(20_000) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

/// Runs `jixiao` with arguments, in `dir` when given.
pub fn jixiao_in<I, S>(dir: Option<&Path>, args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut command = Command::new(env!("CARGO_BIN_EXE_jixiao"));
    let args: Vec<S> = args.into_iter().collect();
    command.args(&args);
    if let Some(dir) = dir {
        command.current_dir(dir);
    }
    let shown = std::iter::once("jixiao".to_owned())
        .chain(
            args.iter()
                .map(|a| a.as_ref().to_string_lossy().into_owned()),
        )
        .collect::<Vec<_>>()
        .join(" ");
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {shown}: {e}"));
    Run {
        command: shown,
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Runs `jixiao` with arguments.
pub fn jixiao<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    jixiao_in(None, args)
}

/// The value of a field in `jixiao inspect` output (fields are `{value, cell}`).
pub fn field<'a>(form: &'a Value, key: &str) -> &'a Value {
    let value = &form[key];
    if value.is_object() && value.get("cell").is_some() {
        &value["value"]
    } else {
        value
    }
}

/// Collects mismatches and reports them all at once, readably.
#[derive(Default)]
pub struct Mismatches(Vec<String>);

impl Mismatches {
    pub fn check(&mut self, place: &str, what: &str, expected: &Value, actual: &Value) {
        if expected != actual {
            self.0.push(format!(
                "{place}: {what}\n    expected: {expected}\n    actual:   {actual}"
            ));
        }
    }

    pub fn note(&mut self, message: String) {
        self.0.push(message);
    }

    pub fn assert_none(self) {
        if !self.0.is_empty() {
            panic!("{} mismatch(es):\n{}", self.0.len(), self.0.join("\n"));
        }
    }
}

/// The path of something in the repository.
pub fn repo(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// The seed forms (`examples/seed_forms.json`): (file, sheet, layout, form) for each.
pub fn seed_forms() -> Vec<(String, String, Value, Value)> {
    let text = std::fs::read_to_string(repo("examples/seed_forms.json")).unwrap();
    let seeds: Value = serde_json::from_str(&text).unwrap();
    let mut forms = Vec::new();
    for file in seeds["files"].as_array().unwrap() {
        for sheet in file["sheets"].as_array().unwrap() {
            forms.push((
                file["file"].as_str().unwrap().to_owned(),
                sheet["sheet"].as_str().unwrap().to_owned(),
                sheet["layout"].clone(),
                sheet["form"].clone(),
            ));
        }
    }
    forms
}

/// Compares a form from `jixiao inspect` with a model in plain JSON (as in seed_forms.json),
/// leaving out where things are (cells, source): amounts as decimals, everything else exactly.
pub fn compare_model(m: &mut Mismatches, place: &str, expected: &Value, form: &Value) {
    use rust_decimal::Decimal;
    use std::str::FromStr;
    for key in [
        "template",
        "year",
        "project_name",
        "department",
        "implementing_unit",
        "category",
        "start_date",
        "end_date",
        "overall_goal",
        "annual_goal",
    ] {
        m.check(place, key, &expected[key], field(form, key));
    }
    let decimal = |v: &Value| v.as_str().map(|s| Decimal::from_str(s).unwrap());
    for (kind, amount) in expected["funds"].as_object().unwrap() {
        let actual = field(&form["funds"], kind);
        if decimal(amount) != decimal(actual) {
            m.note(format!(
                "{place}: funds.{kind}: expected {amount}, actual {actual}"
            ));
        }
    }
    if let Some(extras) = expected["extras"].as_object() {
        for (key, value) in extras {
            m.check(
                place,
                &format!("extra {key}"),
                value,
                field(&form["extras"], key),
            );
        }
    }
    let expected_rows = expected["indicators"].as_array().unwrap();
    let rows = form["indicators"].as_array().unwrap();
    if expected_rows.len() != rows.len() {
        m.note(format!(
            "{place}: {} indicators expected, {} read",
            expected_rows.len(),
            rows.len()
        ));
        return;
    }
    for (i, (expected, row)) in expected_rows.iter().zip(rows).enumerate() {
        for key in ["block", "level1", "level2", "level3", "value"] {
            m.check(
                place,
                &format!("indicator {} {key}", i + 1),
                &expected[key],
                &row[key],
            );
        }
    }
}

/// Every sheet of a workbook, as rows of cell texts (numbers as calamine shows them).
pub fn workbook_sheets(path: &Path) -> std::collections::BTreeMap<String, Vec<Vec<String>>> {
    use calamine::{Reader, open_workbook_auto};
    let mut workbook = open_workbook_auto(path).unwrap();
    let names = workbook.sheet_names();
    names
        .into_iter()
        .map(|name| {
            let range = workbook.worksheet_range(&name).unwrap();
            let rows = range
                .rows()
                .map(|row| row.iter().map(|c| c.to_string()).collect())
                .collect();
            (name, rows)
        })
        .collect()
}
