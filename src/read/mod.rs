//! Readers: a workbook's bytes → its sheets → a grid per sheet → the forms located in it → one
//! [`Project`] per form, plus an account of every sheet that yielded none and why.
//!
//! Readers know nothing of writers; they fill the model and nothing else.

mod budget;
mod columns;
mod context;
pub mod differential;
pub mod explain;
pub mod extract;
mod flat;
pub mod grid;
mod indicators;
pub mod limits;
pub mod locate;
mod number_format;
mod ods_scan;
mod sheet;
mod tasks;
pub mod values;
pub mod workbook;
mod xls_check;
mod xlsx_compat;
pub mod xlsx_fast;
mod xlsx_merges;
mod xml_scan;
mod zip_entry;

use std::path::Path;

use crate::error::{Error, ErrorKind, Result};
use crate::model::{Project, Record, Source, Warning, WarningCode};
pub use crate::outcome::{IssueKind, SheetIssue};
use crate::template::{Footers, TemplateSet, any_matches};
pub use extract::FormOutcome;
use grid::Grid;
pub use limits::{Deadline, Limits};
use locate::FormRegion;
pub use workbook::Format;
use workbook::Workbook;
pub use xls_check::XlsFacts;

/// Everything read from one workbook.
#[derive(Debug, Clone)]
pub struct WorkbookRead {
    /// The format it was read as.
    pub format: Format,
    /// The records read, in sheet order, top to bottom.
    pub records: Vec<Record>,
    /// Sheets and forms that yielded no project, with the reason.
    pub issues: Vec<SheetIssue>,
    /// The reading library's own words behind unreadable sheets (for `--verbose` and the log).
    pub details: Vec<String>,
    /// Records handed out before the reading ended (see [`read_workbook_in_parts`]), not in
    /// `records`.
    pub handed: usize,
}

impl WorkbookRead {
    /// The project forms read, in sheet order.
    pub fn projects(&self) -> impl Iterator<Item = &Project> {
        self.records.iter().filter_map(Record::as_project)
    }

    /// The project forms read, taken out.
    pub fn into_projects(self) -> Vec<Project> {
        self.records
            .into_iter()
            .filter_map(|record| match record {
                Record::Project(project) => Some(project),
                Record::Department(_) => None,
            })
            .collect()
    }
}

/// Reads a file from disk; `shown` is the path as the user should see it. The file's size is
/// checked before it is read.
pub fn read_file(
    path: &Path,
    shown: &str,
    templates: &TemplateSet,
    limits: &Limits,
) -> Result<WorkbookRead> {
    read_file_inspecting(path, shown, templates, limits, &mut |_| {}, None)
}

/// Takes records out of a workbook's reading before it ends, in their order: a long flat
/// export hands its projects over [`PART_RECORDS`] at a time instead of holding them all.
pub type Part<'a> = &'a mut dyn FnMut(Vec<Record>);

/// How many records a workbook holds before it hands them to its [`Part`].
pub const PART_RECORDS: usize = 64;

/// [`read_file`], handing the file's bytes to `inspect` once they are read (before they are
/// parsed): what else needs the content — a digest for the store — gets it without reading the
/// file again. With `part`, records may be handed to it before the reading ends (see
/// [`read_workbook_in_parts`]).
pub fn read_file_inspecting(
    path: &Path,
    shown: &str,
    templates: &TemplateSet,
    limits: &Limits,
    inspect: &mut dyn FnMut(&[u8]),
    part: Option<Part<'_>>,
) -> Result<WorkbookRead> {
    let io = |e| Error::in_file(shown, ErrorKind::Io(e));
    let file = std::fs::File::open(path).map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    let check_size = |size| {
        limits
            .check_file_size(size)
            .map_err(|kind| Error::in_file(shown, kind))
    };
    check_size(size)?;
    // At most one byte past the limit, should the file have grown since.
    let bytes =
        workbook::read_bytes(file, size, limits.max_file_bytes.saturating_add(1)).map_err(io)?;
    check_size(bytes.len() as u64)?;
    inspect(&bytes);
    read_workbook_in_parts(&bytes, shown, templates, limits, part)
}

/// Reads a workbook held in memory; `file` is the name recorded in each project's source. This is
/// the per-file entry point: whatever the bytes, it returns (never panics on purpose, never
/// allocates past the limits).
pub fn read_workbook(
    bytes: &[u8],
    file: &str,
    templates: &TemplateSet,
    limits: &Limits,
) -> Result<WorkbookRead> {
    read_workbook_in_parts(bytes, file, templates, limits, None)
}

/// [`read_workbook`], handing records to `part` (when given) while a flat export is read, once
/// [`PART_RECORDS`] wait: the records before them, then theirs, in order; the returned reading
/// holds the rest and counts those handed out ([`WorkbookRead::handed`]). An error after a
/// hand-over leaves the records handed out as they are.
pub fn read_workbook_in_parts(
    bytes: &[u8],
    file: &str,
    templates: &TemplateSet,
    limits: &Limits,
    mut part: Option<Part<'_>>,
) -> Result<WorkbookRead> {
    let located = |kind| Error::in_file(file, kind);
    let deadline = limits.deadline();
    limits
        .check_file_size(bytes.len() as u64)
        .map_err(located)?;
    let format = workbook::sniff(bytes).map_err(located)?;
    let (archive, xls) = if format == Format::Xls {
        (None, xls_check::check_xls(bytes, limits).map_err(located)?)
    } else {
        let archive = limits.check_archive(bytes).map_err(located)?;
        (Some(archive), xls_check::XlsFacts::default())
    };
    let mut workbook = Workbook::open(bytes, format, archive, &xls, limits).map_err(located)?;
    let mut read = WorkbookRead {
        format,
        records: Vec::new(),
        issues: Vec::new(),
        details: Vec::new(),
        handed: 0,
    };
    let mut seen: Vec<String> = Vec::new();
    for sheet in workbook.sheets() {
        let issue = |kind, reason: String| SheetIssue {
            sheet: sheet.name.clone(),
            cell: None,
            kind,
            reason,
        };
        if seen.iter().any(|s| s.eq_ignore_ascii_case(&sheet.name)) {
            let reason = "工作簿中同名工作表出现两次（文件可能已损坏），只读取了一次".to_owned();
            read.issues.push(issue(IssueKind::UnreadableSheet, reason));
            continue;
        }
        seen.push(sheet.name.clone());
        if !sheet.is_worksheet {
            read.issues
                .push(issue(IssueKind::NoForm, "图表或宏工作表，不含表格".into()));
            continue;
        }
        deadline.check().map_err(located)?;
        let grid = match workbook.grid(&sheet.name, limits, &deadline) {
            Ok(grid) => grid,
            Err(sheet::GridError::Limit(kind)) => {
                return Err(located(kind).in_sheet(&sheet.name));
            }
            Err(sheet::GridError::Damaged(detail)) => {
                let reason = explain::explain(format.name(), &detail);
                read.issues.push(issue(
                    IssueKind::UnreadableSheet,
                    format!("无法读取工作表（{reason}）"),
                ));
                read.details.push(format!("{}: {detail}", sheet.name));
                continue;
            }
        };
        let place = SheetPlace {
            file,
            sheet: &sheet.name,
            hidden: sheet.hidden,
        };
        read_sheet(&grid, &place, templates, &deadline, &mut read, &mut part)
            .map_err(|kind| located(kind).in_sheet(&sheet.name))?;
    }
    Ok(read)
}

/// The sheet a form is read from.
struct SheetPlace<'a> {
    file: &'a str,
    sheet: &'a str,
    hidden: bool,
}

impl SheetPlace<'_> {
    /// Marks a record read from a hidden sheet.
    fn mark(&self, record: &mut Record) {
        if self.hidden {
            record.warnings_mut().push(Warning {
                code: WarningCode::HiddenSheet,
                message: format!("表格位于隐藏的工作表“{}”中", self.sheet),
                cell: None,
            });
        }
    }
}

/// Reads the forms of one sheet into `read`; fails only when the file's time budget runs out.
fn read_sheet(
    grid: &Grid,
    place: &SheetPlace<'_>,
    templates: &TemplateSet,
    deadline: &Deadline,
    read: &mut WorkbookRead,
    part: &mut Option<Part<'_>>,
) -> std::result::Result<(), ErrorKind> {
    let (file, sheet) = (place.file, place.sheet);
    let before = read.records.len();
    if grid.is_empty() {
        read.issues.push(SheetIssue {
            sheet: sheet.to_owned(),
            cell: None,
            kind: IssueKind::NoForm,
            reason: "工作表为空".into(),
        });
        return Ok(());
    }
    // A flat export of the budget system: many projects, one row per indicator, its header
    // among the top rows — found by their labels alone, so that a long export's cells are never
    // all made labels.
    let head_rows = templates.flat_header_rows();
    let head = match head_rows {
        0 => &[],
        rows => grid.rows(0, rows - 1),
    };
    let mut labels = locate::label_cells(head);
    if let Some(header) = flat::find_header(&labels, templates) {
        let source = Source {
            file: file.to_owned(),
            sheet: sheet.to_owned(),
            cell: String::new(),
        };
        let handed = flat::read_flat(grid, &header, &source, deadline, &mut |project| {
            let mut record = Record::Project(project);
            place.mark(&mut record);
            read.records.push(record);
            if read.records.len() >= PART_RECORDS
                && let Some(part) = part
            {
                read.handed += read.records.len();
                part(std::mem::take(&mut read.records));
            }
        })?;
        if handed == 0 {
            read.issues.push(SheetIssue {
                sheet: sheet.to_owned(),
                cell: None,
                kind: IssueKind::BlankForm,
                reason: "系统导出表只有表头，没有数据行".into(),
            });
        }
        return Ok(());
    }
    labels.extend(locate::label_cells(&grid.cells()[head.len()..]));
    let regions = locate::locate_forms(grid, &labels, templates);
    if regions.is_empty() {
        read.issues.push(no_form(grid, sheet, templates));
        return Ok(());
    }
    for region in &regions {
        let source = Source {
            file: file.to_owned(),
            sheet: sheet.to_owned(),
            cell: region.anchor_cell(),
        };
        let form_labels = locate::labels_in(&labels, region.first_row, region.last_row);
        let footers = templates.footers();
        match choose_template(grid, region, form_labels, &source, footers, deadline)? {
            FormOutcome::Form(record) => read.records.push(*record),
            // A form found by its labels alone that yields nothing is no form at all.
            FormOutcome::Blank | FormOutcome::Unfit { .. } if !region.titled => {
                read.issues.push(no_form(grid, sheet, templates));
            }
            FormOutcome::Rejected { .. } if !region.titled && region.template.refuse.is_none() => {
                read.issues.push(no_form(grid, sheet, templates));
            }
            FormOutcome::Blank => read.issues.push(SheetIssue {
                sheet: sheet.to_owned(),
                cell: Some(region.anchor_cell()),
                kind: IssueKind::BlankForm,
                reason: format!("“{}”是空白表格，未填写内容", region.template.name),
            }),
            FormOutcome::Unfit { reason } => read.issues.push(SheetIssue {
                sheet: sheet.to_owned(),
                cell: Some(region.anchor_cell()),
                kind: IssueKind::RejectedForm,
                reason: format!("{reason}；表格样式与已登记的模板都不相符，未汇总"),
            }),
            FormOutcome::Rejected { reason, cell } => read.issues.push(SheetIssue {
                sheet: sheet.to_owned(),
                cell: cell.or_else(|| Some(region.anchor_cell())),
                kind: IssueKind::RejectedForm,
                reason,
            }),
        }
    }
    for record in &mut read.records[before..] {
        place.mark(record);
    }
    Ok(())
}

/// Reads a form with the best of its candidate templates. The first clean reading wins at once
/// (figures found, no field missing or unreadable) — the usual case, one reading; otherwise every
/// candidate is read and the best kept: one with figures (amounts, or a self-evaluation's budget
/// lines) over one without; then an adequate reading (at most half the template's required fields
/// missing or unreadable); then a registered template over the generic one; then the fewest
/// problems; then the earlier candidate. So a form is never counted with blank funds by a
/// template that does not fit it when another reads its amounts, a title that merely contains
/// another template's title does not hand the form to it, and a form no template fits is refused
/// with the reason.
fn choose_template<'t>(
    grid: &Grid,
    region: &FormRegion<'t>,
    labels: &[locate::LabelCell<'_>],
    source: &Source,
    footers: &Footers,
    deadline: &Deadline,
) -> std::result::Result<FormOutcome, ErrorKind> {
    let mut best: Option<(Fit, FormOutcome)> = None;
    for (index, template) in region.candidates.iter().enumerate() {
        let attempt;
        let region = if index == 0 {
            region
        } else {
            attempt = FormRegion {
                template,
                ..region.clone()
            };
            &attempt
        };
        let outcome =
            extract::extract_form(grid, region, labels, source.clone(), footers, *deadline)?;
        let fit = Fit::of(&outcome, region.template);
        if fit.clean || region.template.refuse.is_some() {
            return Ok(outcome);
        }
        if best.as_ref().is_none_or(|(kept, _)| fit.better_than(kept)) {
            best = Some((fit, outcome));
        }
    }
    Ok(best.map_or(FormOutcome::Blank, |(_, outcome)| outcome))
}

/// How well a template read a form.
#[derive(Debug, Clone, Copy)]
struct Fit {
    /// Accept without trying another template.
    clean: bool,
    /// The reading holds amounts (or budget lines).
    figures: bool,
    /// At most half the template's required fields are missing or unreadable.
    adequate: bool,
    /// A registered template, not the generic reading.
    registered: bool,
    /// Fields the template looked for and did not find or could not read.
    problems: usize,
}

impl Fit {
    fn of(outcome: &FormOutcome, template: &crate::template::Template) -> Fit {
        let required = template.fields.iter().filter(|f| !f.optional).count();
        let registered = !template.fallback;
        match outcome {
            FormOutcome::Form(record) => {
                let problems = record
                    .warnings()
                    .iter()
                    .filter(|w| {
                        matches!(
                            w.code,
                            WarningCode::MissingField
                                | WarningCode::UnparsedAmount
                                | WarningCode::UnparsedDate
                                | WarningCode::UnparsedNumber
                        )
                    })
                    .count();
                let figures = has_figures(record);
                Fit {
                    clean: figures && problems == 0,
                    figures,
                    adequate: problems * 2 <= required,
                    registered,
                    problems,
                }
            }
            FormOutcome::Blank => Fit {
                clean: true,
                figures: false,
                adequate: true,
                registered,
                problems: 0,
            },
            FormOutcome::Rejected { .. } | FormOutcome::Unfit { .. } => Fit {
                clean: false,
                figures: false,
                adequate: false,
                registered,
                problems: usize::MAX,
            },
        }
    }

    fn rank(&self) -> (bool, bool, bool, std::cmp::Reverse<usize>) {
        let problems = std::cmp::Reverse(self.problems);
        (self.figures, self.adequate, self.registered, problems)
    }

    fn better_than(&self, other: &Fit) -> bool {
        self.rank() > other.rank()
    }
}

/// True when a form holds any amount (a target, a department's budget or tasks) or any budget
/// line (a self-evaluation).
fn has_figures(record: &Record) -> bool {
    let budget = |evaluation: &crate::model::Evaluation| {
        evaluation.funds != Default::default() || !evaluation.other_lines.is_empty()
    };
    match record {
        Record::Project(project) => match &project.evaluation {
            Some(evaluation) => budget(evaluation),
            None => crate::model::FundKind::ALL
                .iter()
                .any(|k| project.funds.get(*k).is_some()),
        },
        Record::Department(form) => match &form.evaluation {
            Some(evaluation) => budget(evaluation),
            None => {
                form.funds != Default::default() || form.tasks.iter().any(|t| t.total.is_some())
            }
        },
    }
}

/// Why a sheet holds no form, and what to do if it looks like an unknown layout.
fn no_form(grid: &Grid, sheet: &str, templates: &TemplateSet) -> SheetIssue {
    let mut reason = format!(
        "没有可识别的绩效目标表（未找到“{}”等表头）",
        templates.title_list()
    );
    let labels = locate::label_cells(grid.cells());
    let known: Option<&str> = templates.iter().find_map(|t| {
        t.fields.iter().find_map(|f| {
            labels
                .iter()
                .any(|l| any_matches(&f.aliases, &l.folded))
                .then_some(f.label.as_str())
        })
    });
    let mut kind = IssueKind::NoForm;
    if let Some(label) = known {
        kind = IssueKind::UnknownLayout;
        reason.push_str(&format!(
            "；表中有“{label}”等字样，可能是尚未登记的表格样式，可在模板目录中添加模板（见 README）"
        ));
    }
    SheetIssue {
        sheet: sheet.to_owned(),
        cell: None,
        kind,
        reason,
    }
}
