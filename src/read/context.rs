//! A located form while it is read: its grid, region, template and labels, the warnings found so
//! far, and how a field's value is found by its label (right of it, below it, in a table under
//! it, or inline after a colon). The readers of a form's parts (fields, budget, indicators) share
//! it.

use rust_decimal::Decimal;

use super::columns::{ColumnSet, table_rows};
use super::grid::{Cell, CellValue, Grid, Region, a1};
use super::limits::Deadline;
use super::locate::{FormRegion, LabelCell};
use super::values::{Amount, DateRead, cell_text, inline_text, parse_amount, parse_date};
use crate::model::{Contact, MoneyUnit, Warning, WarningCode};
use crate::template::{Alias, FieldSpec, Footers, Position, Template, any_matches};
use crate::text::{clean_inline, fold_char};

/// A located form and what is known about it while it is read.
pub(super) struct FormContext<'g, 't, 'l> {
    pub grid: &'g Grid,
    pub region: &'g FormRegion<'t>,
    pub template: &'t Template,
    /// The labels of footer lines.
    pub footers: &'g Footers,
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
pub(super) struct FoundValue {
    pub(super) value: Option<CellValue>,
    pub(super) cell: String,
}

/// What the parts of a summed amount hold.
#[derive(Default)]
pub(super) struct SumRead {
    pub(super) total: Option<Decimal>,
    pub(super) cell: Option<String>,
    pub(super) unreadable: Vec<(String, String)>,
}

impl<'g, 't, 'l> FormContext<'g, 't, 'l> {
    pub(super) fn new(
        grid: &'g Grid,
        region: &'g FormRegion<'t>,
        labels: &'l [LabelCell<'g>],
        footers: &'g Footers,
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
            footers,
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
    pub(super) fn money_unit(&self) -> MoneyUnit {
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
    /// positions tried in order, the first that holds a value winning. When the first label
    /// naming the field has no value anywhere (a group label "总体目标" with its own sub-labels
    /// 中期目标 / 年度目标 beside it), the next few labels are tried the same way; when none has
    /// one, the first place looked at is returned, so its cell is known.
    pub(super) fn find(&self, field: usize, spec: &FieldSpec) -> Option<FoundValue> {
        let candidates = self.candidates(field, spec);
        if !spec.in_column_of.is_empty() {
            let &(index, _) = candidates.first()?;
            return Some(self.in_column_of(&self.labels[index], &spec.in_column_of));
        }
        let mut first_empty = None;
        let tried = candidates.len().clamp(1, 4);
        for (attempt, candidate) in (0..tried).map(|i| (i, candidates.get(i))) {
            let found = self.find_at(spec, candidate.copied(), attempt == 0);
            match found {
                Ok(found) => return Some(found),
                Err(Some(found)) => {
                    first_empty.get_or_insert(found);
                }
                Err(None) => {}
            }
        }
        first_empty
    }

    /// A field's value at one of its labels, the positions tried in order (the inline search,
    /// which looks at every cell, only with `inline`): `Ok` with a value, else the first place
    /// looked at.
    fn find_at(
        &self,
        spec: &FieldSpec,
        candidate: Option<(usize, bool)>,
        inline: bool,
    ) -> Result<FoundValue, Option<FoundValue>> {
        let mut first_empty = None;
        for position in &spec.at {
            let found = match position {
                Position::Inline if inline => self.find_inline(spec),
                Position::Inline => None,
                _ => candidate.map(|(index, inline)| {
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
                Some(found) if found.value.is_some() => return Ok(found),
                Some(found) => {
                    first_empty.get_or_insert(found);
                }
                None => {}
            }
        }
        Err(first_empty)
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

    /// The labels that end an inline value: the template's inline fields and every footer label
    /// ("填报人：张三  联系电话：…" in one cell gives 张三).
    fn inline_stoppers(&self) -> Vec<&'g Alias>
    where
        't: 'g,
    {
        self.template
            .fields
            .iter()
            .filter(|f| f.at.contains(&Position::Inline))
            .flat_map(|f| f.aliases.iter())
            .chain(self.footers.all())
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
    pub(super) fn find_sum(&self, spec: &FieldSpec, unit: MoneyUnit) -> SumRead {
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

    /// The form's contact, wherever the form says it: "label：value" in any cell of the form's rows
    /// (a footer line, several labels in one cell) or a label cell with the value on its right.
    /// The person is the first of the footer file's person labels found (填报人, else 联系人, else
    /// 项目负责人), the name only. Returns the cells read, keyed `contact.person` ….
    pub(super) fn read_contact(&self) -> (Contact, Vec<(String, String)>) {
        let footers = self.footers;
        let stoppers: Vec<&Alias> = self.inline_stoppers();
        let find = |aliases: &[Alias]| -> Option<(CellValue, String)> {
            aliases.iter().find_map(|alias| {
                let inline = self.colon_cells.iter().find_map(|(cell, folded)| {
                    let value = folded.value_after(alias, &stoppers)?;
                    Some((non_empty_text(value)?, a1(cell.row, cell.col)))
                });
                inline.or_else(|| {
                    self.labels
                        .iter()
                        .filter(|l| alias.matches(&l.folded))
                        .find_map(|label| {
                            let found = self.right_of(label);
                            Some((found.value?, found.cell))
                        })
                })
            })
        };
        let mut contact = Contact::default();
        let mut cells = Vec::new();
        if let Some((value, cell)) = find(&footers.person) {
            contact.person = person_name(&cell_text(&value));
            cells.push(("contact.person".to_owned(), cell));
        }
        if let Some((value, cell)) = find(&footers.phone) {
            contact.phone = Some(clean_inline(&cell_text(&value))).filter(|p| !p.is_empty());
            cells.push(("contact.phone".to_owned(), cell));
        }
        if let Some((value, cell)) = find(&footers.filed) {
            contact.filed = match parse_date(Some(&value), false) {
                DateRead::Full(date) | DateRead::Partial(date) => Some(date),
                DateRead::Blank | DateRead::Invalid => None,
            };
            cells.push(("contact.filed".to_owned(), cell));
        }
        (contact, cells)
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
    pub(super) fn new(text: &'t str) -> Folded<'t> {
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
    ///
    /// The matches are those `str::match_indices` gives (leftmost, not overlapping), found by
    /// their first byte: a label is a few characters and the text short, so this is faster than
    /// making a substring searcher for each of the ~130 searches a form makes.
    fn label_at(&self, label: &str, from: usize, to: usize) -> Option<usize> {
        let haystack = &self.folded.as_bytes()[from..to];
        let needle = label.as_bytes();
        let Some(&first) = needle.first() else {
            return memchr::memchr(b':', haystack).map(|at| from + at);
        };
        let mut at = 0;
        while let Some(found) = memchr::memchr(first, &haystack[at..]) {
            let start = at + found;
            let rest = &haystack[start..];
            if !rest.starts_with(needle) {
                at = start + 1;
                continue;
            }
            if rest.get(needle.len()) == Some(&b':') {
                return Some(from + start);
            }
            at = start + needle.len();
        }
        None
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

/// A person's name as a form writes it after 填报人: brackets (（签字）) and a phone number after
/// it left out, spaces between characters closed up.
fn person_name(text: &str) -> Option<String> {
    let mut name = String::new();
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '(' | '（' | '[' | '【' => depth += 1,
            ')' | '）' | ']' | '】' => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            c if c.is_ascii_digit() => break,
            c if crate::text::is_space(c) => {}
            c => name.push(c),
        }
    }
    let name = name.trim_matches(|c: char| matches!(c, ':' | '：' | '、' | ',' | '，' | '-'));
    (!name.is_empty()).then(|| name.to_owned())
}

fn non_empty_text(text: String) -> Option<CellValue> {
    if text.trim().is_empty() {
        None
    } else {
        Some(CellValue::Text(text.into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alias(text: &str) -> Alias {
        Alias {
            text: text.into(),
            prefix: false,
            suffix: false,
        }
    }

    #[test]
    fn a_label_is_found_where_str_match_indices_finds_it() {
        // The search as it was written before: leftmost matches, not overlapping.
        fn reference(folded: &str, label: &str, from: usize, to: usize) -> Option<usize> {
            let haystack = &folded[from..to];
            haystack
                .match_indices(label)
                .find(|(at, _)| haystack[at + label.len()..].starts_with(':'))
                .map(|(at, _)| from + at)
        }
        let texts = [
            "aaa:",
            "aa:aa:",
            "资金总额：350 财政拨款：350",
            "资资金:资金总额:",
            "其中：财政拨款：100\n财政拨款：7",
            "财政拨款",
            ":",
            "",
        ];
        let labels = [
            "aa",
            "a",
            "资金",
            "资金总额",
            "财政拨款",
            "其中:财政拨款",
            "款",
            "",
        ];
        for text in texts {
            let folded = Folded::new(text);
            let len = folded.folded.len();
            let bounds: Vec<usize> = (0..=len)
                .filter(|&i| folded.folded.is_char_boundary(i))
                .collect();
            for label in labels {
                for &from in &bounds {
                    for &to in bounds.iter().filter(|&&to| to >= from) {
                        assert_eq!(
                            folded.label_at(label, from, to),
                            reference(&folded.folded, label, from, to),
                            "{label:?} in {:?}[{from}..{to}]",
                            folded.folded
                        );
                    }
                }
            }
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
