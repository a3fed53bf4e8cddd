//! `jixiao inspect FILE...`: print the forms found in each file as JSON, each field with the cell
//! it came from, and for every sheet or file that yields none, why.

use std::io::Write;

use jixiao::batch::{self, FileOutcome, FileStatus};
use jixiao::model::{FundKind, Project, Record};
use serde_json::{Map, Value, json};

/// Arguments of `jixiao inspect`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub input: super::InputArgs,
}

/// Runs the command; the exit code is 1 when any file could not be read.
pub fn run(args: Args) -> Result<i32, String> {
    let pipeline = args.input.pipeline(super::Stages::Read)?;
    let mut report = Vec::new();
    let mut any_rejected = false;
    for input in batch::walk_inputs(&args.input.inputs) {
        let outcome = pipeline.process(&input);
        if outcome.status == FileStatus::Rejected {
            any_rejected = true;
            eprintln!("jixiao: {}：{}", outcome.file, outcome.message);
        }
        report.push(file_view(&outcome));
    }
    let mut stdout = std::io::stdout().lock();
    let text = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
    super::ignore_broken_pipe(writeln!(stdout, "{text}"))?;
    Ok(i32::from(any_rejected))
}

fn file_view(outcome: &FileOutcome) -> Value {
    json!({
        "file": outcome.file,
        "status": outcome.status.as_str(),
        "format": outcome.format,
        "message": outcome.message,
        "forms": outcome.records.iter().map(record_view).collect::<Vec<_>>(),
        "issues": outcome.issues,
    })
}

/// A record with each field shown with its cell.
pub fn record_view(record: &Record) -> Value {
    match record {
        Record::Project(project) => form_view(project),
        // A department-wide form as its record, with the cell of every field in `cells`.
        Record::Department(form) => serde_json::to_value(form).unwrap_or_default(),
    }
}

/// A project with each field shown as `{ "value": …, "cell": "B3" }`.
pub fn form_view(project: &Project) -> Value {
    let mut view = serde_json::to_value(project).unwrap_or_default();
    let Some(object) = view.as_object_mut() else {
        return view;
    };
    let cells = &project.cells;
    let with_cell = |value: Value, key: &str| json!({ "value": value, "cell": cells.get(key) });
    for key in [
        "project_name",
        "department",
        "implementing_unit",
        "category",
        "start_date",
        "end_date",
        "overall_goal",
        "annual_goal",
    ] {
        if let Some(value) = object.remove(key) {
            object.insert(key.to_owned(), with_cell(value, key));
        }
    }
    if let Some(Value::Object(funds)) = object.get_mut("funds") {
        for kind in FundKind::ALL {
            if let Some(value) = funds.remove(kind.name()) {
                let key = format!("funds.{}", kind.name());
                funds.insert(kind.name().to_owned(), with_cell(value, &key));
            }
        }
    }
    // A self-evaluation's or a monitoring form's execution lines and goals, each with its cell.
    for section in ["evaluation", "monitoring"] {
        let Some(Value::Object(part)) = object.get_mut(section) else {
            continue;
        };
        for (key, value) in part.iter_mut() {
            match (key.as_str(), value) {
                ("funds" | "other_lines", Value::Object(lines)) => {
                    for (line, figures) in lines.iter_mut() {
                        let Value::Object(figures) = figures else {
                            continue;
                        };
                        for (name, figure) in figures.iter_mut() {
                            let at = format!("{section}.{key}.{line}.{name}");
                            *figure = with_cell(figure.take(), &at);
                        }
                    }
                }
                (name, value @ Value::String(_)) => {
                    let at = format!("{section}.{name}");
                    if cells.contains_key(&at) {
                        *value = with_cell(value.take(), &at);
                    }
                }
                _ => {}
            }
        }
    }
    if let Some(Value::Object(extras)) = object.remove("extras") {
        let wrapped: Map<String, Value> = extras
            .into_iter()
            .map(|(key, value)| {
                let cell = with_cell(value, &key);
                (key, cell)
            })
            .collect();
        object.insert("extras".into(), Value::Object(wrapped));
    }
    object.remove("cells");
    view
}
