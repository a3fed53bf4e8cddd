//! Integration tests, in one crate so the binary is built once. Each module drives the real
//! `jixiao` binary on real files.

// Runs the binary in a temporary folder and reads its outputs back.
mod harness;

// The field corpus: workbooks from other office software yield exactly what their truth says.
mod field_corpus;
