//! Finding forms in a sheet: by their titles, never by fixed coordinates. Several forms stacked
//! in one sheet are split at their titles; a sheet with a form's labels but no title still
//! yields that form (with a warning), since titles are sometimes deleted or moved to the header.

use super::grid::{Cell, CellValue, Grid, a1};
use crate::template::{Target, Template, TemplateSet, any_matches};
use crate::text::fold_label_cow;

/// Texts longer than this (in characters) are never labels or titles.
pub const MAX_LABEL_CHARS: usize = 80;

/// One form's place in a sheet: the rows from its title to the next title.
#[derive(Debug, Clone)]
pub struct FormRegion<'t> {
    /// The template that recognised it.
    pub template: &'t Template,
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
    let mut titles: Vec<(u32, u32, Vec<&'t Template>)> = Vec::new();
    for label in labels {
        if titles.last().is_some_and(|(row, _, _)| *row == label.row) {
            continue; // one title per row: a second one is a repeat in a neighbouring cell
        }
        let mut scored: Vec<(usize, &'t Template)> = templates
            .iter()
            .filter_map(|t| t.title_match(&label.folded).map(|score| (score, t)))
            .collect();
        let Some(best) = scored.iter().map(|(score, _)| *score).max() else {
            continue;
        };
        scored.retain(|(score, _)| *score == best);
        titles.push((
            label.row,
            label.col,
            scored.into_iter().map(|(_, t)| t).collect(),
        ));
    }
    if titles.is_empty() {
        return untitled_form(grid, labels, templates).into_iter().collect();
    }
    let last_row = grid.last_row();
    let mut regions = Vec::with_capacity(titles.len());
    for (index, (row, col, candidates)) in titles.iter().enumerate() {
        let end = titles
            .get(index + 1)
            .map_or(last_row, |(next_row, _, _)| next_row - 1);
        let template = if candidates.len() == 1 {
            candidates[0]
        } else {
            let in_region: Vec<&LabelCell<'_>> = labels_in(labels, *row, end).iter().collect();
            best_by_labels(candidates, &in_region).0
        };
        regions.push(FormRegion {
            template,
            anchor: (*row, *col),
            first_row: *row,
            last_row: end,
            titled: true,
        });
    }
    regions
}

/// A sheet without any title: one form if it carries enough of one template's labels (the
/// project name label, the indicator table, and at least half of its required fields).
fn untitled_form<'t>(
    grid: &Grid,
    labels: &[LabelCell<'_>],
    templates: &'t TemplateSet,
) -> Option<FormRegion<'t>> {
    let candidates: Vec<&'t Template> = templates.iter().collect();
    let all: Vec<&LabelCell<'_>> = labels.iter().collect();
    let (template, fields_found) = best_by_labels(&candidates, &all);
    let name_spec = template
        .fields
        .iter()
        .find(|f| f.targets.contains(&Target::ProjectName))?;
    let first_label = all
        .iter()
        .find(|l| any_matches(&name_spec.aliases, &l.folded))?;
    let has_table = all
        .iter()
        .any(|l| any_matches(&template.table.level3, &l.folded));
    let required = template.fields.iter().filter(|f| !f.optional).count();
    if fields_found < 3 || fields_found * 2 < required || !has_table {
        return None;
    }
    Some(FormRegion {
        template,
        anchor: (first_label.row, first_label.col),
        first_row: grid.cells().first().map_or(0, |c| c.row),
        last_row: grid.last_row(),
        titled: false,
    })
}

/// The template whose field labels appear most often among the labels, and that count.
pub fn best_by_labels<'t>(
    candidates: &[&'t Template],
    labels: &[&LabelCell<'_>],
) -> (&'t Template, usize) {
    let count = |t: &Template| {
        t.fields
            .iter()
            .filter(|f| labels.iter().any(|l| any_matches(&f.aliases, &l.folded)))
            .count()
    };
    let mut best = (candidates[0], count(candidates[0]));
    for &candidate in &candidates[1..] {
        let found = count(candidate);
        if found > best.1 {
            best = (candidate, found);
        }
    }
    best
}
