//! Writes `samples/` from `examples/seed_forms.json`: the nine seed forms recreated as the
//! departments' workbooks look (titles, merged label cells, borders). Run it with
//! `cargo run --example make_samples` after changing the seed data or the form writer; the
//! output is byte-for-byte the same on every run.

use std::path::Path;

use jixiao::model::Project;
use jixiao::write::fixed_properties;
use jixiao::write::form::{FormStyle, Layout, set_form_page, write_layout};
use rust_xlsxwriter::Workbook;
use serde::Deserialize;

#[derive(Deserialize)]
struct SeedFile {
    file: String,
    sheets: Vec<SeedSheet>,
}

#[derive(Deserialize)]
struct SeedSheet {
    sheet: String,
    layout: FormStyle,
    form: Project,
}

#[derive(Deserialize)]
struct Seeds {
    files: Vec<SeedFile>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let seeds: Seeds = serde_json::from_str(&std::fs::read_to_string(
        root.join("examples/seed_forms.json"),
    )?)?;
    let out = root.join("samples");
    std::fs::create_dir_all(&out)?;
    for file in &seeds.files {
        let mut workbook = Workbook::new();
        workbook.set_properties(&fixed_properties("财政项目支出绩效目标表"));
        for sheet in &file.sheets {
            let ws = workbook.add_worksheet();
            ws.set_name(&sheet.sheet)?;
            let layout = Layout::of(&sheet.form.template).unwrap_or(Layout::Sh2023);
            let written = write_layout(ws, &sheet.form, &sheet.layout, layout)?;
            set_form_page(ws, sheet.layout.origin, &written)?;
        }
        let path = out.join(&file.file);
        workbook.save(&path)?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
