//! Per-stage micro-benchmarks of reading one form, so a regression shows in the stage it is in:
//! `cargo bench --bench stages`. Stages: open (format sniff + calamine open), grid (cells and
//! merged regions of the sheet), locate (labels and form regions), extract (the fields and the
//! indicator table), normalize, render (every output's rows and bytes).

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use jixiao::TemplateSet;
use jixiao::batch::{FileOutcome, FileStatus};
use jixiao::model::Source;
use jixiao::normalize::Normalizer;
use jixiao::read::Limits;
use jixiao::read::extract::{FormOutcome, extract_form};
use jixiao::read::locate::{label_cells, locate_forms};
use jixiao::read::workbook::{Workbook, sniff};
use jixiao::write::csv_out::{CsvEncoding, CsvUnit};
use jixiao::write::render::Renderer;

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("samples")
            .join(name),
    )
    .expect("the samples exist")
}

fn stages(c: &mut Criterion) {
    let templates = TemplateSet::builtin();
    let limits = Limits::default();
    let normalizer = Normalizer::builtin();
    for (label, file) in [
        ("sh2023", "残保金抚恤金专项.xlsx"),
        (
            "sd2020",
            "济宁高新区数字化城市管理数据采集及坐席队伍市场化运作项目.xlsx",
        ),
    ] {
        let bytes = sample(file);
        let format = sniff(&bytes).expect("an xlsx");
        let sheet = Workbook::open(&bytes, format, None, &Default::default(), &limits)
            .expect("opens")
            .sheets()[0]
            .name
            .clone();
        let mut group = c.benchmark_group(label);
        group.bench_function("open", |b| {
            b.iter(|| {
                Workbook::open(
                    black_box(&bytes),
                    sniff(&bytes).unwrap(),
                    None,
                    &Default::default(),
                    &limits,
                )
                .unwrap()
                .sheets()
                .len()
            })
        });
        group.bench_function("grid", |b| {
            b.iter_batched(
                || Workbook::open(&bytes, format, None, &Default::default(), &limits).unwrap(),
                |mut workbook| {
                    workbook
                        .grid(&sheet, &limits, &limits.deadline())
                        .unwrap()
                        .cells()
                        .len()
                },
                criterion::BatchSize::SmallInput,
            )
        });
        let grid = Workbook::open(&bytes, format, None, &Default::default(), &limits)
            .unwrap()
            .grid(&sheet, &limits, &limits.deadline())
            .unwrap();
        group.bench_function("locate", |b| {
            b.iter(|| {
                let labels = label_cells(grid.cells());
                locate_forms(black_box(&grid), &labels, &templates).len()
            })
        });
        let labels = label_cells(grid.cells());
        let regions = locate_forms(&grid, &labels, &templates);
        let source = Source {
            file: file.into(),
            sheet: sheet.clone(),
            cell: "A1".into(),
        };
        let deadline = Limits::default().deadline();
        let footers = templates.footers();
        let extract = || {
            extract_form(
                &grid,
                &regions[0],
                &labels,
                source.clone(),
                footers,
                deadline,
            )
        };
        group.bench_function("extract", |b| {
            b.iter(|| match extract() {
                Ok(FormOutcome::Form(record)) => record.warnings().len(),
                _ => 0,
            })
        });
        let Ok(FormOutcome::Form(record)) = extract() else {
            panic!("the sample is a form");
        };
        let Some(project) = record.as_project().cloned() else {
            panic!("the sample is a project's form");
        };
        group.bench_function("normalize", |b| {
            b.iter_batched(
                || project.clone(),
                |mut p| {
                    normalizer.normalize(&mut p);
                    p.warnings.len()
                },
                criterion::BatchSize::SmallInput,
            )
        });
        let mut normalized = project.clone();
        normalizer.normalize(&mut normalized);
        let outcome = FileOutcome {
            file: file.into(),
            status: FileStatus::Converted,
            format: Some("xlsx"),
            records: vec![normalized.into()],
            issues: Vec::new(),
            message: String::new(),
            detail: None,
            digest: None,
            early: false,
            handed: 0,
        };
        let renderer = Renderer {
            encoding: CsvEncoding::Utf8Bom,
            unit: CsvUnit::Yuan,
        };
        group.bench_function("render", |b| {
            b.iter(|| renderer.render(black_box(&outcome)).unwrap().rows.len())
        });
        group.finish();
    }
}

criterion_group!(benches, stages);
criterion_main!(benches);
