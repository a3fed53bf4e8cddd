//! Integration tests, in one crate so the binary is built once. Each module drives the real
//! `jixiao` binary on real files.

// Runs the binary in a temporary folder and reads its outputs back.
mod harness;

// The field corpus: workbooks from other office software yield exactly what their truth says.
mod field_corpus;

// The wider form families and the self-evaluations (field-corpus-2) yield exactly their truth.
mod field_corpus_2;

// Department-wide forms: their truth, the reconciliation, variants; never counted as projects.
mod departments;

// Monitoring forms: their truth, the links to their targets, each check, variants.
mod monitoring;

// The store: linking across batches, supersession, history, idempotence, crashes.
mod store;

// jixiao store push into a real PostgreSQL server (JIXIAO_TEST_POSTGRES; scripts/check-postgres.sh
// starts one).
mod postgres;

// The budget system's flat exports (field-corpus-3/flat) and variants of them.
mod flat;

// Copies of real forms, cell by cell, to vary and edit.
mod sheet_copy;

// The wider families moved, re-labelled, in 元, stacked, and as .xls and .ods: the same models.
mod variants;

// Layouts no template names read by their labels and marked, department-wide ones too.
mod generic;

// 项目编码 from a cell or a "CODE-名称" name; linking by code first.
mod project_codes;

// Footer lines (signatures, contacts, 审核意见) never become indicators, in every layout.
mod footers;

// Self-evaluations: the checks, the grade, held against their targets, the evaluation outputs.
mod evaluations;

// The review of target forms: rules as data, findings, conclusions, jixiao review.
mod review;

// Forms out: every layout written and read back as the same model.
mod forms;

// jixiao forms: from projects.jsonl and workbooks, next year's, blank forms filled in.
mod forms_cli;

// The bundled samples read back as the seed forms they were written from.
mod samples;

// Forms anywhere in a sheet, with inserted columns, spaced labels, stacked, in 元.
mod layout;

// A regional variant added by a template file alone.
mod templates;

// The command line on bad and foreign files: one clear line each, never a panic.
mod cli;

// The normalizer end to end: warnings, codes, the unmapped report and users' dictionaries.
mod normalize;

// Property tests: exact money conversion, idempotent normalization.
mod properties;

// jixiao convert: the five outputs, read back and reconciled; encodings, injection, exit codes.
mod convert;

// Outputs that survive a crash, a second run at the same time and a full disk.
mod crash;

// jixiao serve over HTTP: the CLI's outputs, the token/Host/Origin checks, safe upload names.
mod serve;

// Makers of broken and hostile files, for the next module.
mod hostile_files;

// Hostile and broken input in one batch: no panic, no hang, nothing lost.
mod hostile;

// Workbooks other programs write: read, encrypted ones named, damaged ones in plain Chinese.
mod other_programs;

// The fast .xlsx reader against calamine: the same cells, or it gives up.
mod xlsx_fast;

// Inputs the fuzzer found problems with, read again.
mod fuzz_regressions;

// Layouts built to cost time.
mod costly_layouts;
