//! The shared vocabulary of a batch, beside the model: what became of each input file
//! ([`FileOutcome`]) and of each sheet or form that yielded no project ([`SheetIssue`]).
//!
//! Readers produce sheet issues, the batch runner produces file outcomes, writers print both; none
//! of them needs the others for it. Like the model, this depends on nothing else in the crate but
//! the model.

use serde::Serialize;

use crate::model::{FormKind, Project, Record};

/// A sheet or form that yielded no project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SheetIssue {
    /// The sheet.
    pub sheet: String,
    /// The cell concerned, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cell: Option<String>,
    /// What kind of problem.
    pub kind: IssueKind,
    /// Why, in words a clerk follows.
    pub reason: String,
}

/// The kinds of [`SheetIssue`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IssueKind {
    /// The sheet holds no recognisable form.
    NoForm,
    /// The sheet carries a form's labels but no known template matches it.
    UnknownLayout,
    /// A form was found but nothing is filled in.
    BlankForm,
    /// A form was found but cannot be used.
    RejectedForm,
    /// The sheet could not be read.
    UnreadableSheet,
}

impl IssueKind {
    /// The 问题清单 type word and stable code of an issue in a converted file, or `None` for
    /// a sheet without any form (normal in a converted workbook, e.g. a 说明 sheet).
    pub fn listed(self) -> Option<(&'static str, &'static str)> {
        Some(match self {
            IssueKind::NoForm => return None,
            IssueKind::UnknownLayout => ("未识别样式", "unknown_layout"),
            IssueKind::BlankForm => ("空白表格", "blank_form"),
            IssueKind::RejectedForm => ("拒收的表", "rejected_form"),
            IssueKind::UnreadableSheet => ("无法读取的工作表", "unreadable_sheet"),
        })
    }
}

/// What became of one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileStatus {
    /// At least one form was read.
    Converted,
    /// The file was meant to be read but yielded no form.
    Rejected,
    /// The file was not read (lock file, hidden file, not a spreadsheet).
    Skipped,
}

impl FileStatus {
    /// The status word, as in the manifest.
    pub fn as_str(self) -> &'static str {
        match self {
            FileStatus::Converted => "converted",
            FileStatus::Rejected => "rejected",
            FileStatus::Skipped => "skipped",
        }
    }
}

/// Everything known about one input file after reading it.
#[derive(Debug, Clone)]
pub struct FileOutcome {
    /// The path as walked.
    pub file: String,
    /// Converted, rejected or skipped.
    pub status: FileStatus,
    /// The format it was read as, when it was.
    pub format: Option<&'static str>,
    /// The records read (target forms, self-evaluations …), in sheet order.
    pub records: Vec<Record>,
    /// Sheets and forms that yielded nothing, with reasons.
    pub issues: Vec<SheetIssue>,
    /// One line for the manifest: why, in words a clerk follows (at most
    /// [`MAX_MESSAGE_CHARS`] characters, each reason said once).
    pub message: String,
    /// The reading library's own words behind a rejection or an unreadable sheet, when there
    /// are any: for `--verbose` and the log, never the manifest.
    pub detail: Option<String>,
    /// SHA-256 (hex) and size of the bytes read, when the pipeline was asked for them (a store
    /// keeps files by their content) and the file was read.
    pub digest: Option<(String, u64)>,
    /// True for an early part of a file read in parts ([`crate::batch::Pipeline::process_in_parts`]):
    /// records only — the file's status, message and issues come with its last part.
    pub early: bool,
    /// Of the last part of a file read in parts: the records handed over in its early parts
    /// (not in `records`).
    pub handed: u64,
}

impl FileOutcome {
    /// A file refused before it could be read (an upload over a limit), with the reason.
    pub fn refused(file: &str, reason: &str) -> FileOutcome {
        FileOutcome {
            file: file.to_owned(),
            status: FileStatus::Rejected,
            format: None,
            records: Vec::new(),
            issues: Vec::new(),
            message: capped(reason.to_owned()),
            detail: None,
            digest: None,
            early: false,
            handed: 0,
        }
    }
}

/// The longest manifest message, in characters; a longer one is cut with "…".
pub const MAX_MESSAGE_CHARS: usize = 200;

/// A message cut to [`MAX_MESSAGE_CHARS`] characters.
pub fn capped(message: String) -> String {
    if message.chars().count() <= MAX_MESSAGE_CHARS {
        return message;
    }
    let mut cut: String = message.chars().take(MAX_MESSAGE_CHARS - 1).collect();
    cut.push('…');
    cut
}

impl FileOutcome {
    /// The template ids of the forms read, without repeats, in order of first use.
    pub fn templates(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = Vec::new();
        for record in &self.records {
            if !ids.contains(&record.template()) {
                ids.push(record.template());
            }
        }
        ids
    }

    /// How many forms of a kind were read.
    pub fn count(&self, kind: FormKind) -> usize {
        self.records.iter().filter(|r| r.kind() == kind).count()
    }

    /// The project forms read (of every kind), in sheet order.
    pub fn projects(&self) -> impl Iterator<Item = &Project> {
        self.records.iter().filter_map(Record::as_project)
    }
}
