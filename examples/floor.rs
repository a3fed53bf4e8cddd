//! The floor for any calamine-based tool: open each workbook, read every cell of every sheet and
//! its merged regions, on all cores — and do nothing else. `scripts/bench.sh` compares `convert`
//! with it. Usage: `cargo run --release --example floor -- [-j N] DIR...`

use std::path::PathBuf;

use calamine::{Data, Reader, Sheets, open_workbook_auto};
use jixiao::batch::{for_each_ordered, walk_inputs};

/// Reads one workbook completely; returns the cells and merged regions seen.
fn read(path: &std::path::Path) -> (u64, u64) {
    let Ok(mut workbook) = open_workbook_auto(path) else {
        return (0, 0);
    };
    let names = workbook.sheet_names();
    let (mut cells, mut merges) = (0u64, 0u64);
    for name in names {
        if let Ok(range) = workbook.worksheet_range(&name) {
            cells += range
                .used_cells()
                .filter(|(_, _, d)| !matches!(d, Data::Empty))
                .count() as u64;
        }
        merges += match &mut workbook {
            Sheets::Xlsx(x) => x.merge_cells_by_sheet_name(&name).map_or(0, |m| m.len()),
            Sheets::Xls(x) => x.merge_cells_by_sheet_name(&name).map_or(0, |m| m.len()),
            _ => 0,
        } as u64;
    }
    (cells, merges)
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut jobs = std::thread::available_parallelism().map_or(1, |n| n.get());
    if args.first().map(String::as_str) == Some("-j") && args.len() > 1 {
        jobs = args[1].parse().expect("-j N");
        args.drain(..2);
    }
    let inputs: Vec<PathBuf> = args.iter().map(PathBuf::from).collect();
    let files = walk_inputs(&inputs).filter(|f| f.skip.is_none());
    let (mut workbooks, mut cells, mut merges) = (0u64, 0u64, 0u64);
    for_each_ordered(
        files,
        jobs,
        |f| read(&f.path),
        |(c, m)| {
            workbooks += 1;
            cells += c;
            merges += m;
            Ok::<_, ()>(())
        },
    )
    .expect("the floor never fails");
    println!("{workbooks} workbooks, {cells} cells, {merges} merged regions");
}
