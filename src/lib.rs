//! jixiao (绩效) reads Chinese performance target forms (财政项目支出绩效目标表 and their regional
//! variants) from spreadsheets into one model, normalizes their wording and units, and writes the
//! consolidated summaries finance bureaus need.
//!
//! The pipeline is the layout: [`read`] → [`normalize`] (→ [`review`]) → [`write`], with [`model`]
//! (and the batch vocabulary beside it, [`outcome`]) in the middle; the model depends on nothing.
//! [`store`] keeps every batch in one SQLite file, beside the batch runner ([`convert`]).
#![warn(missing_docs)]

pub mod batch;
pub mod convert;
pub mod data_files;
pub mod error;
pub mod hash_index;
pub mod keywords;
pub mod model;
pub mod name_list;
pub mod normalize;
pub mod outcome;
pub mod panic_guard;
pub mod pause;
pub mod read;
pub mod review;
pub mod store;
pub mod template;
#[cfg(test)]
pub(crate) mod test_bytes;
pub mod text;
pub mod write;

pub use error::{Error, ErrorKind, Result};
pub use model::Project;
pub use template::TemplateSet;
