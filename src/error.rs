//! The library's error type: what went wrong and where (file, sheet, cell).
//!
//! Messages are written for the clerk who reads them in the manifest or on the console, in
//! Chinese, each reason said once; a library's own technical text is kept apart
//! ([`ErrorKind::detail`]) for `--verbose` and the log, never shown in its place.

use std::fmt;
use std::io;

/// Where an error happened. Every part is optional; `Display` prints what is known.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    /// The file, as walked from the input argument.
    pub file: Option<String>,
    /// The sheet name.
    pub sheet: Option<String>,
    /// The cell, in A1 notation.
    pub cell: Option<String>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(file) = &self.file {
            parts.push(file.clone());
        }
        if let Some(sheet) = &self.sheet {
            parts.push(format!("工作表“{sheet}”"));
        }
        if let Some(cell) = &self.cell {
            parts.push(format!("单元格 {cell}"));
        }
        f.write_str(&parts.join(" "))
    }
}

/// What went wrong.
#[derive(Debug, thiserror::Error)]
pub enum ErrorKind {
    /// The file could not be read from disk.
    #[error("无法读取文件：{}", io_reason(.0))]
    Io(#[from] io::Error),
    /// The file is not a workbook at all.
    #[error("不是电子表格文件（{0}）")]
    NotSpreadsheet(String),
    /// The file looks like a workbook but its content is damaged.
    #[error("无法打开工作簿，文件可能已损坏（{reason}）")]
    Unreadable {
        /// The format it was read as.
        format: &'static str,
        /// Why, in words a clerk follows.
        reason: String,
        /// The reading library's own message, when one was turned into `reason` (boxed: errors
        /// stay small on the happy path).
        detail: Option<Box<String>>,
    },
    /// The workbook is protected by a password.
    #[error("工作簿设有打开密码，无法读取；请去掉密码后重新提交")]
    Encrypted,
    /// A sheet could not be read.
    #[error("无法读取工作表：{0}")]
    Sheet(String),
    /// A limit was passed (the message names it and the option that raises it).
    #[error("{0}")]
    Limit(String),
    /// A template file is wrong.
    #[error("模板有误：{0}")]
    Template(String),
    /// An output could not be written.
    #[error("无法写出结果：{0}")]
    Output(String),
    /// The store could not be opened, read or written (the message names the store, or
    /// PostgreSQL for a push).
    #[error("{0}")]
    Store(String),
}

impl ErrorKind {
    /// A damaged workbook, with the reason in a clerk's words and no library message.
    pub fn damaged(format: &'static str, reason: impl Into<String>) -> ErrorKind {
        ErrorKind::Unreadable {
            format,
            reason: reason.into(),
            detail: None,
        }
    }

    /// The library's own words behind this error, when there are any (for `--verbose` and the
    /// log; the message itself never repeats them).
    pub fn detail(&self) -> Option<&str> {
        match self {
            ErrorKind::Unreadable { detail, .. } => detail.as_deref().map(String::as_str),
            _ => None,
        }
    }
}

/// An I/O error in words a clerk follows, the system's own message after them.
fn io_reason(error: &io::Error) -> String {
    let words = match error.kind() {
        io::ErrorKind::NotFound => "文件不存在（已被移走或删除，或快捷方式指向的文件不在了）",
        io::ErrorKind::PermissionDenied => "没有读取权限",
        io::ErrorKind::IsADirectory => "这是一个文件夹",
        io::ErrorKind::Interrupted | io::ErrorKind::TimedOut => "读取被中断",
        _ => return error.to_string(),
    };
    format!("{words}（{error}）")
}

/// The library's error: a kind and where it happened.
#[derive(Debug)]
pub struct Error {
    /// Where.
    pub location: Location,
    /// What.
    pub kind: ErrorKind,
}

impl Error {
    /// An error in a file.
    pub fn in_file(file: impl Into<String>, kind: ErrorKind) -> Error {
        Error {
            location: Location {
                file: Some(file.into()),
                ..Location::default()
            },
            kind,
        }
    }

    /// The same error, placed in a sheet.
    pub fn in_sheet(mut self, sheet: impl Into<String>) -> Error {
        self.location.sheet = Some(sheet.into());
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let location = self.location.to_string();
        if location.is_empty() {
            write!(f, "{}", self.kind)
        } else {
            write!(f, "{location}：{}", self.kind)
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.kind.source()
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
