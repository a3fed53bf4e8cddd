//! `jixiao history QUERY`: a project's (by 项目编码 or name) or a department's records in the
//! store, across years and batches — what it promised, monitored and reported, and which forms
//! a corrected one replaced.

use std::io::Write;
use std::path::PathBuf;

use jixiao::model::FormKind;
use jixiao::store::{HistoryRow, Store};

/// Arguments of `jixiao history`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A 项目编码, or words of a 项目名称 or a 主管部门.
    #[arg(value_name = "QUERY")]
    pub query: String,
    /// The store (default: the one `jixiao serve` keeps in the user's data folder).
    #[arg(long, value_name = "FILE")]
    pub store: Option<PathBuf>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Runs the command: 0 with records found, 1 with none.
pub fn run(args: Args) -> Result<i32, String> {
    let path = super::store_path(args.store)?;
    let store = Store::open_existing(&path).map_err(|e| e.to_string())?;
    let rows = store.history(&args.query).map_err(|e| e.to_string())?;
    let mut stdout = std::io::stdout().lock();
    let written = if args.json {
        let text = serde_json::to_string_pretty(&rows).map_err(|e| e.to_string())?;
        writeln!(stdout, "{text}")
    } else {
        stdout.write_all(table(&rows).as_bytes())
    };
    super::ignore_broken_pipe(written)?;
    if rows.is_empty() {
        eprintln!("存储库中没有与“{}”相符的记录", args.query);
        return Ok(1);
    }
    Ok(0)
}

/// The rows as a table a clerk reads: one line per record, oldest year first.
fn table(rows: &[HistoryRow]) -> String {
    let mut text = String::from(
        "年度\t类型\t项目名称\t主管部门\t项目编码\t年度资金申请总额（万元）\t执行数（万元）\t结论或总分\t批次\t存入时间\t文件\t状态\n",
    );
    for row in rows {
        let kind = FormKind::ALL
            .into_iter()
            .find(|k| k.as_str() == row.kind)
            .map_or(row.kind.as_str(), |k| k.label());
        let state = match row.superseded_by {
            Some(by) => format!("已被更正（第 {by} 条记录取代）"),
            None => "当前".to_owned(),
        };
        let judged = row
            .conclusion
            .clone()
            .or_else(|| row.total_score.clone())
            .unwrap_or_default();
        let line = [
            row.year.map(|y| y.to_string()).unwrap_or_default(),
            kind.to_owned(),
            row.project_name.clone(),
            row.department.clone(),
            row.project_code.clone().unwrap_or_default(),
            row.annual_total
                .clone()
                .or_else(|| row.adjusted.clone())
                .unwrap_or_default(),
            row.executed.clone().unwrap_or_default(),
            judged,
            row.batch.to_string(),
            row.imported.clone(),
            row.file.clone(),
            state,
        ];
        text.push_str(&line.join("\t"));
        text.push('\n');
    }
    text
}
