//! What identifies a form and where it came from.

use serde::{Deserialize, Serialize};

/// Where a form was found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Source {
    /// The path as walked from the input argument.
    pub file: String,
    /// The sheet name.
    pub sheet: String,
    /// The cell of the form's title (A1 notation).
    pub cell: String,
}
