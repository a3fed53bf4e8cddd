//! `jixiao store info|check`: what a store holds, and whether it is sound.

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
}

/// Runs the command.
pub fn run(args: Args) -> Result<i32, String> {
    let path = super::store_path(args.store)?;
    let store = Store::open_existing(&path).map_err(|e| e.to_string())?;
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
    }
}
