//! `jixiao store info|check|push`: what a store holds, whether it is sound, and a copy of it in
//! a PostgreSQL database.

use std::path::PathBuf;

use jixiao::store::Store;

/// Arguments of `jixiao store`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub action: Action,
    /// The store (default: the one `jixiao serve` keeps in the user's data folder).
    #[arg(long, value_name = "FILE", global = true)]
    pub store: Option<PathBuf>,
}

/// What to do with the store.
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Batches, files and records per kind, size, schema version.
    Info,
    /// Checks the store's integrity; exit 1 when anything is wrong.
    Check,
    /// Copies the store into PostgreSQL tables of the same schema (created when missing; rows
    /// upserted, so pushing twice changes nothing).
    Push {
        /// postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE (the password may also come from
        /// PGPASSWORD).
        #[arg(value_name = "URL")]
        url: String,
        /// The PostgreSQL schema the tables go in.
        #[arg(long, value_name = "NAME", default_value = jixiao::store::DEFAULT_SCHEMA)]
        schema: String,
    },
}

/// Runs the command.
pub fn run(args: Args) -> Result<i32, String> {
    let path = super::store_path(args.store)?;
    let mut store = Store::open_existing(&path).map_err(|e| e.to_string())?;
    match args.action {
        Action::Info => {
            let info = store.info().map_err(|e| e.to_string())?;
            println!("存储文件：{}", path.display());
            println!(
                "结构版本 {}，{:.1} MB；{} 个批次（最近一次 {}），{} 个文件，{} 条指标",
                info.version,
                info.bytes as f64 / 1_048_576.0,
                info.batches,
                info.last_batch.as_deref().unwrap_or("无"),
                info.files,
                info.indicators
            );
            for (kind, current, superseded) in &info.kinds {
                println!("{kind}：当前 {current} 张，已被更正取代 {superseded} 张");
            }
            Ok(0)
        }
        Action::Check => {
            let problems = store.check().map_err(|e| e.to_string())?;
            if problems.is_empty() {
                println!("{}：检查通过", path.display());
                Ok(0)
            } else {
                for problem in &problems {
                    println!("{}：{problem}", path.display());
                }
                Ok(1)
            }
        }
        Action::Push { url, schema } => {
            let report = store.push(&url, &schema).map_err(|e| e.to_string())?;
            println!(
                "已把 {} 推送到 PostgreSQL 模式 {}：",
                path.display(),
                report.schema
            );
            for t in &report.tables {
                println!(
                    "  {}：存储库 {} 行，新增 {}，更新 {}",
                    t.table, t.rows, t.inserted, t.updated
                );
            }
            Ok(0)
        }
    }
}
