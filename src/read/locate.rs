//! Finding forms in a sheet: by their titles, never by fixed coordinates. Several forms stacked
//! in one sheet are split at their titles; a sheet with a form's labels but no title still
//! yields that form (with a warning), since titles are sometimes deleted or moved to the header.
//!
//! Each form comes with the templates that could read it, best first: the longest matching title,
//! then the template whose labels and indicator headers fit the form best, then the generic
//! reading (`fallback` templates), which also finds forms under titles no template names.

use super::grid::{Cell, CellValue, Grid, a1};
use crate::template::{Target, Template, TemplateSet, any_matches};
use crate::text::fold_label_cow;

/// Texts longer than this (in characters) are never labels or titles.
pub const MAX_LABEL_CHARS: usize = 80;

/// One form's place in a sheet: the rows from its title to the next title.
#[derive(Debug, Clone)]
pub struct FormRegion<'t> {
    /// The template it is read with (the first of `candidates` until another is chosen).
    pub template: &'t Template,
    /// The templates that could read it, best first.
    pub candidates: Vec<&'t Template>,
    /// The title cell (or, for an untitled form, its first label).
    pub anchor: (u32, u32),
    /// First row of the form.
    pub first_row: u32,
    /// Last row of the form.
    pub last_row: u32,
    /// False when the form was found by its labels alone.
    pub titled: bool,
}

impl FormRegion<'_> {
    /// The anchor in A1 notation.
    pub fn anchor_cell(&self) -> String {
        a1(self.anchor.0, self.anchor.1)
    }
}

/// A short text cell and its folded text: a candidate label.
#[derive(Debug, Clone)]
pub struct LabelCell<'g> {
    /// Row.
    pub row: u32,
    /// Column.
    pub col: u32,
    /// The text as written.
    pub text: &'g str,
    /// The text folded for matching.
    pub folded: std::borrow::Cow<'g, str>,
}

/// The candidate labels among some cells.
pub fn label_cells(cells: &[Cell]) -> Vec<LabelCell<'_>> {
    cells
        .iter()
        .filter_map(|cell| match &cell.value {
            CellValue::Text(text) if text.chars().count() <= MAX_LABEL_CHARS => Some(LabelCell {
                row: cell.row,
                col: cell.col,
                text,
                folded: fold_label_cow(text),
            }),
            _ => None,
        })
        .collect()
}

/// The labels of rows `first..=last` (labels are in row order).
pub fn labels_in<'l, 'g>(
    labels: &'l [LabelCell<'g>],
    first: u32,
    last: u32,
) -> &'l [LabelCell<'g>] {
    let start = labels.partition_point(|l| l.row < first);
    let end = labels.partition_point(|l| l.row <= last);
    &labels[start..end.max(start)]
}

/// Finds the forms in a sheet, top to bottom, given the sheet's candidate labels.
pub fn locate_forms<'t>(
    grid: &Grid,
    labels: &[LabelCell<'_>],
    templates: &'t TemplateSet,
) -> Vec<FormRegion<'t>> {
    let registered: Vec<&'t Template> = templates
        .iter()
        .filter(|t| !t.fallback && t.flat.is_none())
        .collect();
    let fallback: Vec<&'t Template> = templates.iter().filter(|t| t.fallback).collect();
    let mut titles = find_titles(labels, templates, false);
    // The generic reading finds titles only where no registered template claims any.
    if titles.is_empty() {
        titles = find_titles(labels, templates, true);
    }
    if titles.is_empty() {
        return untitled_form(grid, labels, &registered, &fallback)
            .into_iter()
            .collect();
    }
    let last_row = grid.last_row();
    let mut regions = Vec::with_capacity(titles.len());
    for (index, title) in titles.iter().enumerate() {
        let end = titles.get(index + 1).map_or(last_row, |next| next.row - 1);
        let mut candidates = title.templates.clone();
        if candidates.len() > 1 {
            // Equal titles: the template whose labels fit the form best first.
            let in_region: Vec<&str> = labels_in(labels, title.row, end)
                .iter()
                .map(|l| l.folded.as_ref())
                .collect();
            candidates.sort_by_key(|(score, t)| std::cmp::Reverse((*score, t.fit(&in_region))));
        }
        let mut candidates: Vec<&'t Template> = candidates.into_iter().map(|(_, t)| t).collect();
        let kind = candidates[0].kind;
        for generic in &fallback {
            let claims = generic.kind == kind && generic.title_match(&title.folded).is_some();
            if claims && !candidates.iter().any(|c| std::ptr::eq(*c, *generic)) {
                candidates.push(generic);
            }
        }
        regions.push(FormRegion {
            template: candidates[0],
            candidates,
            anchor: (title.row, title.col),
            first_row: title.row,
            last_row: end,
            titled: true,
        });
    }
    regions
}

/// A title cell and the templates whose titles it matches, with how well.
struct Title<'t> {
    row: u32,
    col: u32,
    folded: String,
    templates: Vec<(usize, &'t Template)>,
}

/// The title cells among the labels (one per row), each with the templates it could be.
fn find_titles<'t>(
    labels: &[LabelCell<'_>],
    templates: &'t TemplateSet,
    fallback: bool,
) -> Vec<Title<'t>> {
    let mut titles: Vec<Title<'t>> = Vec::new();
    for label in labels {
        if titles.last().is_some_and(|t| t.row == label.row) {
            continue; // one title per row: a second one is a repeat in a neighbouring cell
        }
        let mut scored = templates.title_matches(&label.folded, fallback);
        if scored.is_empty() {
            continue;
        }
        scored.sort_by_key(|(score, _)| std::cmp::Reverse(*score));
        titles.push(Title {
            row: label.row,
            col: label.col,
            folded: label.folded.to_string(),
            templates: scored,
        });
    }
    titles
}

/// A sheet without any title: one form if it carries enough of one template's labels (the
/// project name label, the indicator table, and at least half of its required fields), or a
/// form to refuse (a department-wide form's labels). Registered templates are tried before the
/// generic reading.
fn untitled_form<'t>(
    grid: &Grid,
    labels: &[LabelCell<'_>],
    registered: &[&'t Template],
    fallback: &[&'t Template],
) -> Option<FormRegion<'t>> {
    let folded: Vec<&str> = labels.iter().map(|l| l.folded.as_ref()).collect();
    let mut ranked: Vec<(usize, &'t Template)> = registered
        .iter()
        .chain(fallback)
        .filter(|t| qualifies(t, labels))
        .map(|t| (t.fit(&folded), *t))
        .collect();
    // Registered templates by fit, best first; the generic reading last.
    ranked.sort_by_key(|(fit, t)| (t.fallback, std::cmp::Reverse(*fit)));
    let candidates: Vec<&'t Template> = ranked.into_iter().map(|(_, t)| t).collect();
    let template = *candidates.first()?;
    let name_target = name_target(template);
    let name_spec = template
        .fields
        .iter()
        .find(|f| f.targets.contains(&name_target))?;
    let first_label = labels
        .iter()
        .find(|l| any_matches(&name_spec.aliases, &l.folded))?;
    Some(FormRegion {
        template,
        candidates,
        anchor: (first_label.row, first_label.col),
        first_row: grid.cells().first().map_or(0, |c| c.row),
        last_row: grid.last_row(),
        titled: false,
    })
}

/// The field that names a template's form: the project's name, or a department-wide form's
/// department.
fn name_target(template: &Template) -> Target {
    if template.kind.is_department() {
        Target::Department
    } else {
        Target::ProjectName
    }
}

/// True when the labels carry enough of a template to be its form without a title: for a
/// template that refuses forms, every one of its labels; for a department-wide form, the
/// department's name label and its task table's header (任务名称 and another column); for any
/// other, the project name label, the indicator table and at least three (and half) of its
/// required fields.
fn qualifies(template: &Template, labels: &[LabelCell<'_>]) -> bool {
    let has =
        |aliases: &[crate::template::Alias]| labels.iter().any(|l| any_matches(aliases, &l.folded));
    if template.refuse.is_some() {
        return !template.fields.is_empty() && template.fields.iter().all(|f| has(&f.aliases));
    }
    if template.kind.is_department() {
        let named = template
            .fields
            .iter()
            .any(|f| f.targets.contains(&Target::Department) && has(&f.aliases));
        let tasks = template.tasks.as_ref().is_some_and(|spec| {
            let found = spec.columns.iter().filter(|(_, a)| has(a)).count();
            found >= 2
                && spec
                    .columns
                    .iter()
                    .any(|(c, a)| *c == crate::template::TaskColumn::Name && has(a))
        });
        return named && tasks;
    }
    let found = template
        .fields
        .iter()
        .filter(|f| has(&f.aliases) || f.sum.iter().any(|(a, _)| has(a)))
        .count();
    let required = template.fields.iter().filter(|f| !f.optional).count();
    let has_name = template
        .fields
        .iter()
        .any(|f| f.targets.contains(&Target::ProjectName) && has(&f.aliases));
    has_name && has(&template.table.level3) && found >= 3 && found * 2 >= required
}
