//! Reading one located form into a [`Project`]: each field found by its label and read from where
//! the template says its value sits (right of the label, below it, or inline after a colon).

use std::collections::BTreeMap;

use indexmap::IndexMap;
use rust_decimal::Decimal;

use super::budget::read_budget;
use super::columns::{ColumnSet, table_rows};
use super::grid::{Cell, CellValue, Grid, Region, a1};
use super::indicators::read_indicators;
use super::limits::Deadline;
use super::locate::{FormRegion, LabelCell};
use super::values::{
    Amount, Choice, DateRead, Number, cell_text, find_year, inline_text, parse_amount,
    parse_choice, parse_date, parse_number, parse_period,
};
use crate::error::ErrorKind;
use crate::model::{Evaluation, FormKind, Funds, MoneyUnit, Project, Source, Warning, WarningCode};
use crate::template::{Alias, EvaluationField, FieldSpec, Position, Target, Template, any_matches};
use crate::text::{clean_block, clean_inline, fold_char};

/// What became of a located form.
#[derive(Debug, Clone)]
pub enum FormOutcome {
    /// A form with at least a project name.
    Form(Box<Project>),
    /// An empty copy of the form: nothing filled in.
    Blank,
    /// The template read none of its required amounts (or, for a self-evaluation, no budget
    /// table): another template should be tried.
    Unfit {
        /// Why, in words a clerk follows.
        reason: String,
    },
    /// A form that cannot be used, and why.
    Rejected {
        /// In words a clerk follows.
        reason: String,
        /// The cell concerned.
        cell: Option<String>,
    },
}

/// A located form and what is known about it while it is read.
pub(super) struct FormContext<'g, 't, 'l> {
    pub grid: &'g Grid,
    pub region: &'g FormRegion<'t>,
    pub template: &'t Template,
    /// Candidate labels in the form's rows, in row order.
    pub labels: &'l [LabelCell<'g>],
    /// Per label: true when it is one of the template's labels (and so never a value).
    known: Vec<bool>,
    /// Per field of the template: the labels naming it, and whether the value is inline after a
    /// colon in the label's own cell.
    hits: Vec<Vec<(usize, bool)>>,
    /// Text cells of the form holding a colon (the only places an inline value can be), folded.
    colon_cells: Vec<(&'g Cell, Folded<'g>)>,
    /// The rightmost column holding a value in the form's rows.
    pub max_col: u32,
    pub warnings: Vec<Warning>,
    /// The time budget of the file.
    pub deadline: Deadline,
}

/// A value found for a field, and its cell.
struct FoundValue {
    value: Option<CellValue>,
    cell: String,
}

/// What the parts of a summed amount hold.
#[derive(Default)]
struct SumRead {
    total: Option<Decimal>,
    cell: Option<String>,
    unreadable: Vec<(String, String)>,
}

impl<'g, 't, 'l> FormContext<'g, 't, 'l> {
    fn new(
        grid: &'g Grid,
        region: &'g FormRegion<'t>,
        labels: &'l [LabelCell<'g>],
        deadline: Deadline,
    ) -> Self {
        let cells = grid.rows(region.first_row, region.last_row);
        let template = region.template;
        let mut hits = vec![Vec::new(); template.fields.len()];
        let mut known = Vec::with_capacity(labels.len());
        for (index, label) in labels.iter().enumerate() {
            known.push(template.is_known_label(&label.folded));
            template.fields_labelled(&label.folded, |field| hits[field].push((index, false)));
            // "项目名称：某项目": a label with its value after a colon.
            for (colon, _) in label.folded.match_indices(':') {
                if colon + 1 < label.folded.len() {
                    let head = &label.folded[..colon];
                    template.fields_labelled(head, |field| hits[field].push((index, true)));
                }
            }
        }
        for field_hits in &mut hits {
            field_hits.sort_unstable();
            field_hits.dedup_by_key(|(index, _)| *index);
        }
        let colon_cells = cells
            .iter()
            .filter_map(|c| match &c.value {
                CellValue::Text(t) if t.contains([':', '：']) => Some((c, Folded::new(t))),
                _ => None,
            })
            .collect();
        FormContext {
            grid,
            region,
            template,
            labels,
            known,
            hits,
            colon_cells,
            max_col: cells.iter().map(|c| c.col).max().unwrap_or(0),
            warnings: Vec::new(),
            deadline,
        }
    }

    pub fn warn(&mut self, code: WarningCode, message: String, cell: Option<String>) {
        self.warnings.push(Warning {
            code,
            message,
            cell,
        });
    }

    /// True when the cell holds one of the template's labels, and so not a value.
    pub fn is_label_at(&self, row: u32, col: u32) -> bool {
        self.labels
            .binary_search_by_key(&(row, col), |l| (l.row, l.col))
            .is_ok_and(|i| self.known[i])
    }

    /// The value at a cell as a reader sees it (merges resolved), with the cell it sits in.
    pub fn value_at(&self, row: u32, col: u32) -> Option<(&'g CellValue, Region)> {
        let region = self.grid.region(row, col);
        self.grid
            .raw(region.first_row, region.first_col)
            .map(|v| (v, region))
    }

    /// The money unit of the fund block: "(元)" in its label switches from the template's unit.
    fn money_unit(&self) -> MoneyUnit {
        for label in self.labels {
            if any_matches(&self.template.unit_labels, &label.folded) {
                if label.folded.contains("万元") {
                    return MoneyUnit::Wan;
                }
                if label.folded.contains('元') {
                    return MoneyUnit::Yuan;
                }
            }
        }
        self.template.money_unit
    }

    /// Finds a field's value: its label, then the value where the template says it sits — the
    /// positions tried in order, the first that holds a value winning (when none does, the first
    /// place looked at, so its cell is known).
    fn find(&self, field: usize, spec: &FieldSpec) -> Option<FoundValue> {
        let candidates = self.candidates(field, spec);
        if !spec.in_column_of.is_empty() {
            let &(index, _) = candidates.first()?;
            return Some(self.in_column_of(&self.labels[index], &spec.in_column_of));
        }
        let mut first_empty = None;
        for position in &spec.at {
            let found = match position {
                Position::Inline => self.find_inline(spec),
                _ => candidates.first().map(|&(index, inline)| {
                    let label = &self.labels[index];
                    if inline {
                        let stoppers = self.inline_stoppers();
                        let folded = Folded::new(label.text);
                        let text = spec
                            .aliases
                            .iter()
                            .find_map(|alias| folded.value_after(alias, &stoppers))
                            .unwrap_or_default();
                        return FoundValue {
                            value: non_empty_text(text),
                            cell: a1(label.row, label.col),
                        };
                    }
                    match position {
                        Position::Below => self.below(label),
                        Position::Table => self.table_lines(label),
                        _ => self.right_of(label),
                    }
                }),
            };
            match found {
                Some(found) if found.value.is_some() => return Some(found),
                Some(found) => {
                    first_empty.get_or_insert(found);
                }
                None => {}
            }
        }
        first_empty
    }

    /// The labels naming a field (as hits: label index, value inline after a colon), those in
    /// the column of its `column_of` labels first.
    fn candidates(&self, field: usize, spec: &FieldSpec) -> Vec<(usize, bool)> {
        let mut candidates: Vec<(usize, bool)> = self.hits[field].clone();
        if !spec.column_of.is_empty() {
            let mut anchors: Vec<u32> = self
                .labels
                .iter()
                .filter(|l| any_matches(&spec.column_of, &l.folded))
                .map(|l| self.grid.region(l.row, l.col).first_col)
                .collect();
            anchors.sort_unstable();
            if !anchors.is_empty() {
                candidates.retain(|(i, _)| {
                    let l = &self.labels[*i];
                    let col = self.grid.region(l.row, l.col).first_col;
                    anchors.binary_search(&col).is_ok()
                });
            }
        }
        candidates
    }

    /// Labels that end an inline value: those of every field read inline.
    fn inline_stoppers(&self) -> Vec<&'t Alias> {
        self.template
            .fields
            .iter()
            .filter(|f| f.at.contains(&Position::Inline))
            .flat_map(|f| f.aliases.iter())
            .collect()
    }

    /// The value in a label's row, in the column of the nearest header above it holding one of
    /// `headers` ("总分" read under "得分").
    fn in_column_of(&self, label: &LabelCell<'_>, headers: &[Alias]) -> FoundValue {
        let header = self
            .labels
            .iter()
            .filter(|l| l.row < label.row && any_matches(headers, &l.folded))
            .max_by_key(|l| l.row);
        let Some(header) = header else {
            return FoundValue {
                value: None,
                cell: a1(label.row, label.col),
            };
        };
        let col = self.grid.region(header.row, header.col).first_col;
        let value = self
            .value_at(label.row, col)
            .filter(|(_, region)| !self.is_label_at(region.first_row, region.first_col))
            .map(|(value, _)| value.clone());
        FoundValue {
            value,
            cell: a1(label.row, col),
        }
    }

    /// A summed amount: each part found by its labels, its value right of them. The sum is blank
    /// only when every part is; returns it with the cell of the first part found (none when no
    /// part's label is on the form) and the parts that are not amounts.
    fn find_sum(&self, spec: &FieldSpec, unit: MoneyUnit) -> SumRead {
        let mut read = SumRead::default();
        for (aliases, label) in &spec.sum {
            let Some(part) = self.labels.iter().find(|l| any_matches(aliases, &l.folded)) else {
                continue;
            };
            let found = self.right_of(part);
            read.cell.get_or_insert_with(|| found.cell.clone());
            match parse_amount(found.value.as_ref(), unit) {
                Amount::Value(amount) => *read.total.get_or_insert(Decimal::ZERO) += amount,
                Amount::Blank => {}
                Amount::Invalid => read.unreadable.push((
                    format!(
                        "“{label}”不是金额：{}",
                        found.value.as_ref().map(cell_text).unwrap_or_default()
                    ),
                    found.cell,
                )),
            }
        }
        read
    }

    /// A value after "label：" inside any text cell of the form, up to the next such label.
    fn find_inline(&self, spec: &FieldSpec) -> Option<FoundValue> {
        let stoppers = self.inline_stoppers();
        for (cell, folded) in &self.colon_cells {
            for alias in &spec.aliases {
                if let Some(value) = folded.value_after(alias, &stoppers) {
                    return Some(FoundValue {
                        value: non_empty_text(value),
                        cell: a1(cell.row, cell.col),
                    });
                }
            }
        }
        None
    }

    /// The first value right of a label (after its merged region), unless that is another label.
    fn right_of(&self, label: &LabelCell<'_>) -> FoundValue {
        let span = self.grid.region(label.row, label.col);
        let first = span.last_col.saturating_add(1);
        for region in self.grid.regions_along_row(label.row, first, self.max_col) {
            if let Some(value) = self.grid.raw(region.first_row, region.first_col) {
                if self.is_label_at(region.first_row, region.first_col) {
                    break;
                }
                return FoundValue {
                    value: Some(value.clone()),
                    cell: a1(region.first_row, region.first_col),
                };
            }
        }
        FoundValue {
            value: None,
            cell: a1(label.row, first),
        }
    }

    /// The value in the cell below a label's merged region.
    fn below(&self, label: &LabelCell<'_>) -> FoundValue {
        let span = self.grid.region(label.row, label.col);
        let row = span.last_row.saturating_add(1);
        let value = match self.value_at(row, span.first_col) {
            Some((value, region))
                if row <= self.region.last_row
                    && !self.is_label_at(region.first_row, region.first_col) =>
            {
                Some(value.clone())
            }
            _ => None,
        };
        let cell = self.grid.region(row, span.first_col);
        FoundValue {
            value,
            cell: a1(cell.first_row, cell.first_col),
        }
    }

    /// The rows of a small table under a header label, one line each, columns joined by " | ".
    fn table_lines(&self, header: &LabelCell<'_>) -> FoundValue {
        let grid = self.grid;
        let columns: Vec<Region> = grid
            .regions_along_row(header.row, header.col, self.max_col)
            .into_iter()
            .filter(|r| r.first_col >= header.col && grid.raw(r.first_row, r.first_col).is_some())
            .collect();
        let mut readers = ColumnSet::new(grid, &columns, header.row.saturating_add(1));
        let mut line = |row: u32, cells: &[Cell]| -> Vec<String> {
            readers
                .values(row, cells)
                .into_iter()
                .map(|(_, value, _)| inline_text(value))
                .filter(|t| !t.is_empty())
                .collect()
        };
        let mut lines = Vec::new();
        let mut next_row = header.row.saturating_add(1);
        for cells in table_rows(grid, header.row, header.col, self.region.last_row) {
            let row = cells[0].row;
            // Rows without cells of their own end the table, unless merged cells fill them.
            if row > next_row && line(row - 1, &[]).is_empty() {
                break;
            }
            let parts = line(row, cells);
            if parts.is_empty() {
                break;
            }
            lines.push(parts.join(" | "));
            next_row = row.saturating_add(1);
        }
        FoundValue {
            value: non_empty_text(lines.join("\n")),
            cell: a1(header.row + 1, header.col),
        }
    }
}

/// The text after "alias：" in a cell, up to a line break or the next of `stoppers`
/// ("资金总额：350 财政拨款：350" gives "350" for 资金总额). Spaces inside the label and
/// full-width colons match.
#[cfg(test)]
fn inline_value(text: &str, alias: &Alias, stoppers: &[&Alias]) -> Option<String> {
    Folded::new(text).value_after(alias, stoppers)
}

/// A cell's text folded as labels are (spaces out, full-width punctuation as ASCII, line breaks
/// kept), with the way back to the text as written: folded once, searched for every label.
struct Folded<'t> {
    text: &'t str,
    folded: String,
    /// The byte offset in `text` of each character of `folded`.
    offsets: Vec<usize>,
}

impl<'t> Folded<'t> {
    fn new(text: &'t str) -> Folded<'t> {
        let mut folded = String::with_capacity(text.len());
        let mut offsets = Vec::with_capacity(text.len());
        for (pos, c) in text.char_indices() {
            if matches!(c, '\n' | '\r') {
                folded.push('\n');
                offsets.push(pos);
            } else if let Some(f) = fold_char(c) {
                folded.push(f);
                offsets.push(pos);
            }
        }
        Folded {
            text,
            folded,
            offsets,
        }
    }

    /// Where "label:" starts in the folded text (a byte offset), from `from` on.
    fn label_at(&self, label: &str, from: usize, to: usize) -> Option<usize> {
        let haystack = &self.folded[from..to];
        haystack
            .match_indices(label)
            .find(|(at, _)| haystack[at + label.len()..].starts_with(':'))
            .map(|(at, _)| from + at)
    }

    /// The value after "alias:" (see [`inline_value`]).
    fn value_after(&self, alias: &Alias, stoppers: &[&Alias]) -> Option<String> {
        let folded = &self.folded;
        let found = self.label_at(&alias.text, 0, folded.len())?;
        let value_start = found + alias.text.len() + 1;
        let mut value_end = folded[value_start..]
            .find('\n')
            .map_or(folded.len(), |p| value_start + p);
        // The earliest stopper ends the value ("其中:财政拨款:" before the "财政拨款:" inside it).
        let line_end = value_end;
        for stopper in stoppers {
            if let Some(p) = self.label_at(&stopper.text, value_start, line_end) {
                value_end = value_end.min(p);
            }
        }
        let to_original = |folded_byte: usize| {
            let index = folded[..folded_byte].chars().count();
            self.offsets.get(index).copied().unwrap_or(self.text.len())
        };
        let (start, end) = (to_original(value_start), to_original(value_end));
        Some(clean_inline(&self.text[start..end.max(start)]))
    }
}

fn non_empty_text(text: String) -> Option<CellValue> {
    if text.trim().is_empty() {
        None
    } else {
        Some(CellValue::Text(text))
    }
}

/// Reads one located form; fails only when the file's time budget runs out.
pub fn extract_form<'g>(
    grid: &'g Grid,
    region: &'g FormRegion<'_>,
    labels: &[LabelCell<'g>],
    source: Source,
    deadline: Deadline,
) -> Result<FormOutcome, ErrorKind> {
    deadline.check()?;
    let mut ctx = FormContext::new(grid, region, labels, deadline);
    let template = ctx.template;
    if let Some(reason) = &template.refuse {
        return Ok(FormOutcome::Rejected {
            reason: reason.clone(),
            cell: Some(region.anchor_cell()),
        });
    }
    let unit = ctx.money_unit();
    let mut form = FormFields::default();
    let mut filled: Vec<Target> = Vec::new();
    let mut amounts = AmountFit::default();
    for (index, spec) in template.fields.iter().enumerate() {
        if spec.targets.iter().all(|t| filled.contains(t)) {
            continue;
        }
        let required_amount =
            !spec.optional && spec.targets.iter().any(|t| matches!(t, Target::Funds(_)));
        amounts.required += usize::from(required_amount);
        let found = if spec.sum.is_empty() {
            ctx.find(index, spec)
        } else {
            let sum = ctx.find_sum(spec, unit);
            for (message, cell) in sum.unreadable {
                ctx.warn(WarningCode::UnparsedAmount, message, Some(cell));
            }
            sum.cell.map(|cell| FoundValue {
                value: sum
                    .total
                    .map(|t| CellValue::Text(format!("{}万元", t.normalize()))),
                cell,
            })
        };
        let Some(found) = found else {
            if !spec.optional {
                let message = format!("表中没有“{}”一栏", spec.label);
                ctx.warn(WarningCode::MissingField, message, None);
                if required_amount {
                    amounts.missing.push(spec.label.clone());
                }
            }
            continue;
        };
        amounts.found += usize::from(required_amount);
        form.labels_found.push(spec.label.clone());
        for target in &spec.targets {
            form.apply(&mut ctx, spec, target, &found, unit);
            filled.push(target.clone());
        }
    }
    // A template that finds none of its amounts is the wrong one for the form: never count the
    // form with blank funds; the caller tries another template.
    if amounts.required > 0 && amounts.found == 0 {
        return Ok(FormOutcome::Unfit {
            reason: format!(
                "按“{}”读取时，表中没有“{}”等金额栏",
                template.name,
                amounts.missing.join("”“")
            ),
        });
    }
    let mut evaluation = None;
    if template.kind == FormKind::SelfEvaluation {
        let budget = template
            .budget
            .as_ref()
            .and_then(|spec| read_budget(&mut ctx, spec, unit));
        let Some(budget) = budget else {
            return Ok(FormOutcome::Unfit {
                reason: format!(
                    "按“{}”读取时，表中没有预算执行情况（全年执行数等）一栏",
                    template.name
                ),
            });
        };
        let mut read = form.evaluation.take().unwrap_or_default();
        read.funds = budget.funds;
        read.other_lines = budget.other_lines;
        form.cells.extend(budget.cells);
        evaluation = Some(read);
    }
    let indicators = read_indicators(&mut ctx)?;
    if let Some(evaluation) = &mut evaluation {
        complete_total_score(evaluation, &indicators);
    }
    let year = find_title_year(grid, region);
    if !region.titled {
        let message = format!(
            "未找到表头标题“{}”，按表中字段识别",
            region.template.titles.first().map_or("", String::as_str)
        );
        ctx.warn(WarningCode::MissingField, message, None);
    }
    if template.fallback {
        let message = format!(
            "表格样式未登记，按通用字段识别（找到：{}）；请人工核对各项内容",
            form.labels_found.join("、")
        );
        ctx.warn(
            WarningCode::GenericTemplate,
            message,
            Some(region.anchor_cell()),
        );
    }
    if year.is_none() {
        ctx.warn(
            WarningCode::MissingYear,
            "表头附近没有写明年度（如“2023年度”）".into(),
            Some(region.anchor_cell()),
        );
    }
    let nothing_filled = form.project_name.is_empty()
        && form.department.is_empty()
        && form.implementing_unit.is_empty()
        && form.funds == Funds::default()
        && evaluation
            .as_ref()
            .is_none_or(|e| e.funds == Default::default())
        && indicators
            .iter()
            .all(|i| i.level3.is_empty() && i.value.is_empty());
    if nothing_filled {
        return Ok(FormOutcome::Blank);
    }
    if form.project_name.is_empty() {
        return Ok(FormOutcome::Rejected {
            reason: "项目名称为空，无法汇总；请补填后重新提交".into(),
            cell: form.cells.get("project_name").cloned(),
        });
    }
    Ok(FormOutcome::Form(Box::new(Project {
        kind: template.kind,
        source,
        template: region.template.id.clone(),
        year,
        project_name: form.project_name,
        department: form.department,
        department_code: form.department_code,
        implementing_unit_code: form.implementing_unit_code,
        implementing_unit: form.implementing_unit,
        category: form.category,
        start_date: form.start_date,
        end_date: form.end_date,
        funds: form.funds,
        overall_goal: form.overall_goal,
        annual_goal: form.annual_goal,
        indicators,
        evaluation,
        review: None,
        extras: form.extras,
        cells: form.cells,
        warnings: ctx.warnings,
    })))
}

/// How many of a template's required amounts it found on a form.
#[derive(Default)]
struct AmountFit {
    required: usize,
    found: usize,
    missing: Vec<String>,
}

/// A form without a 总分 row (the 四川 one) is scored by adding up: the funds' 得分 and the
/// indicators' 合计 (or, without that row, each indicator's 得分).
fn complete_total_score(evaluation: &mut Evaluation, indicators: &[crate::model::Indicator]) {
    if evaluation.total_score.is_some() {
        return;
    }
    let funds = evaluation.funds.total.as_ref().and_then(|l| l.score);
    let scored: Vec<Decimal> = indicators.iter().filter_map(|i| i.score).collect();
    let indicators = evaluation
        .indicator_score
        .or_else(|| (!scored.is_empty()).then(|| scored.iter().sum()));
    if funds.is_none() && indicators.is_none() {
        return;
    }
    evaluation.total_score =
        Some((funds.unwrap_or_default() + indicators.unwrap_or_default()).normalize());
    evaluation.total_score_computed = true;
}

/// The fields read so far.
#[derive(Default)]
struct FormFields {
    project_name: String,
    department: String,
    department_code: Option<String>,
    implementing_unit: String,
    implementing_unit_code: Option<String>,
    /// The self-evaluation's texts and scores read as fields.
    evaluation: Option<Evaluation>,
    /// The first label of each field found, for the generic reading's warning.
    labels_found: Vec<String>,
    category: Option<String>,
    start_date: Option<crate::model::Date>,
    end_date: Option<crate::model::Date>,
    funds: Funds,
    overall_goal: String,
    annual_goal: String,
    extras: IndexMap<String, String>,
    cells: BTreeMap<String, String>,
}

impl FormFields {
    fn apply(
        &mut self,
        ctx: &mut FormContext<'_, '_, '_>,
        spec: &FieldSpec,
        target: &Target,
        found: &FoundValue,
        unit: MoneyUnit,
    ) {
        let value = found.value.as_ref();
        let text = || value.map(cell_text).unwrap_or_default();
        let cell = || Some(found.cell.clone());
        match target {
            Target::ProjectName => self.project_name = clean_inline(&text()),
            Target::Department => self.department = clean_inline(&text()),
            Target::DepartmentCode => self.department_code = non_empty(clean_inline(&text())),
            Target::ImplementingUnit => self.implementing_unit = clean_inline(&text()),
            Target::ImplementingUnitCode => {
                self.implementing_unit_code = non_empty(clean_inline(&text()));
            }
            Target::Evaluation(field) => {
                let evaluation = self.evaluation.get_or_insert_with(Evaluation::default);
                let slot = match field {
                    EvaluationField::TotalScore | EvaluationField::IndicatorScore => {
                        let score = match parse_number(value) {
                            Number::Value(n) => Some(n),
                            Number::Blank => None,
                            Number::Invalid => {
                                let message = format!("“{}”不是数字：{}", spec.label, text());
                                ctx.warn(WarningCode::UnparsedNumber, message, cell());
                                None
                            }
                        };
                        if *field == EvaluationField::TotalScore {
                            evaluation.total_score = score;
                        } else {
                            evaluation.indicator_score = score;
                        }
                        None
                    }
                    EvaluationField::GoalExpected => Some(&mut evaluation.goal_expected),
                    EvaluationField::GoalActual => Some(&mut evaluation.goal_actual),
                    EvaluationField::Conclusion => Some(&mut evaluation.conclusion),
                    EvaluationField::Problems => Some(&mut evaluation.problems),
                    EvaluationField::Improvements => Some(&mut evaluation.improvements),
                };
                if let Some(slot) = slot {
                    *slot = clean_block(&text());
                }
            }
            Target::OverallGoal => self.overall_goal = clean_block(&text()),
            Target::AnnualGoal => self.annual_goal = clean_block(&text()),
            Target::Extra(key) => {
                let text = clean_block(&text());
                if !text.is_empty() {
                    self.extras.insert(key.clone(), text);
                }
            }
            Target::Category => match parse_choice(&text(), &spec.options) {
                Choice::Chosen(option) => self.category = Some(option),
                Choice::Blank => {}
                Choice::Unclear(why) => {
                    let message = format!("“{}”无法确定：{why}", spec.label);
                    ctx.warn(WarningCode::UnparsedCategory, message, cell());
                }
            },
            Target::StartDate => self.start_date = read_date(ctx, spec, value, false, cell()),
            Target::EndDate => self.end_date = read_date(ctx, spec, value, true, cell()),
            Target::Period => {
                let (start, end) = parse_period(value);
                self.start_date = date_or_warn(ctx, spec, value, start, cell());
                self.end_date = date_or_warn(ctx, spec, value, end, cell());
                self.cells.insert("start_date".into(), found.cell.clone());
                self.cells.insert("end_date".into(), found.cell.clone());
            }
            Target::Funds(kind) => match parse_amount(value, unit) {
                Amount::Value(amount) => self.funds.set(*kind, Some(amount)),
                Amount::Blank => {}
                Amount::Invalid => {
                    let message = format!("“{}”不是金额：{}", spec.label, text());
                    ctx.warn(WarningCode::UnparsedAmount, message, cell());
                }
            },
        }
        if *target != Target::Period {
            self.cells.insert(target.key(), found.cell.clone());
        }
    }
}

fn non_empty(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}

fn read_date(
    ctx: &mut FormContext<'_, '_, '_>,
    spec: &FieldSpec,
    value: Option<&CellValue>,
    is_end: bool,
    cell: Option<String>,
) -> Option<crate::model::Date> {
    date_or_warn(ctx, spec, value, parse_date(value, is_end), cell)
}

fn date_or_warn(
    ctx: &mut FormContext<'_, '_, '_>,
    spec: &FieldSpec,
    value: Option<&CellValue>,
    read: DateRead,
    cell: Option<String>,
) -> Option<crate::model::Date> {
    let written = value.map(cell_text).unwrap_or_default();
    match read {
        DateRead::Invalid => {
            let message = format!("“{}”不是日期：{written}", spec.label);
            ctx.warn(WarningCode::UnparsedDate, message, cell);
        }
        DateRead::Partial(date) => {
            let message = format!("“{}”只写到“{written}”，按 {date} 计", spec.label);
            ctx.warn(WarningCode::PartialDate, message, cell);
        }
        DateRead::Full(_) | DateRead::Blank => {}
    }
    read.date()
}

/// The year stated in the title or the three rows under it.
fn find_title_year(grid: &Grid, region: &FormRegion<'_>) -> Option<i32> {
    let last = region.last_row.min(region.first_row + 3);
    grid.rows(region.first_row, last)
        .iter()
        .filter_map(|cell| match &cell.value {
            CellValue::Text(text) => find_year(text),
            _ => None,
        })
        .next()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alias(text: &str) -> Alias {
        Alias {
            text: text.into(),
            prefix: false,
        }
    }

    #[test]
    fn inline_values_stop_at_the_next_label() {
        let cell = "资金总额：350 财政拨款：350 自有资金：\n1、事业收入\n2、经营性收入";
        let stoppers = [alias("资金总额"), alias("财政拨款"), alias("自有资金")];
        let stoppers: Vec<&Alias> = stoppers.iter().collect();
        assert_eq!(
            inline_value(cell, &alias("资金总额"), &stoppers).as_deref(),
            Some("350")
        );
        assert_eq!(
            inline_value(cell, &alias("财政拨款"), &stoppers).as_deref(),
            Some("350")
        );
        assert_eq!(
            inline_value(cell, &alias("自有资金"), &stoppers).as_deref(),
            Some("")
        );
        assert_eq!(
            inline_value("填报人： 李长洋", &alias("填报人"), &[]).as_deref(),
            Some("李长洋")
        );
        assert_eq!(
            inline_value("填 报 日 期:2019年12月2日", &alias("填报日期"), &[]).as_deref(),
            Some("2019年12月2日")
        );
        assert_eq!(inline_value("单位负责人", &alias("单位负责人"), &[]), None);
        let stoppers = [alias("财政拨款"), alias("其中:财政拨款"), alias("资金总额")];
        let stoppers: Vec<&Alias> = stoppers.iter().collect();
        assert_eq!(
            inline_value(
                "资金总额：120 其中：财政拨款：100",
                &alias("资金总额"),
                &stoppers
            )
            .as_deref(),
            Some("120"),
            "a longer stopper starting earlier ends the value"
        );
    }
}
