//! Reading one located form into a [`Project`]: each field found by its label and read from where
//! the template says its value sits (right of the label, below it, or inline after a colon).

use std::collections::BTreeMap;

use indexmap::IndexMap;
use rust_decimal::Decimal;

use super::budget::read_budget;
use super::context::{FormContext, FoundValue};
use super::grid::{CellValue, Grid};
use super::indicators::read_indicators;
use super::limits::Deadline;
use super::locate::{FormRegion, LabelCell};
use super::tasks::{TasksRead, read_tasks};
use super::values::{
    Amount, Choice, DateRead, Number, cell_text, find_through_month, find_year, parse_amount,
    parse_choice, parse_date, parse_number, parse_period,
};
use crate::error::ErrorKind;
use crate::model::{
    DepartmentForm, DepartmentFunds, Evaluation, Funds, MoneyUnit, Monitoring, Project, Record,
    Source, WarningCode,
};
use crate::template::{EvaluationField, FieldSpec, Footers, Target};
use crate::text::{clean_block, clean_inline};

/// What became of a located form.
#[derive(Debug, Clone)]
pub enum FormOutcome {
    /// A form with at least a project's (or a department's) name.
    Form(Box<Record>),
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

/// Reads one located form; fails only when the file's time budget runs out.
pub fn extract_form<'g>(
    grid: &'g Grid,
    region: &'g FormRegion<'_>,
    labels: &[LabelCell<'g>],
    source: Source,
    footers: &Footers,
    deadline: Deadline,
) -> Result<FormOutcome, ErrorKind> {
    deadline.check()?;
    let mut ctx = FormContext::new(grid, region, labels, footers, deadline);
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
                    .map(|t| CellValue::Text(format!("{}万元", t.normalize()).into())),
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
    if template.kind.is_self_evaluation() {
        let budget = template
            .budget
            .as_ref()
            .and_then(|spec| read_budget(&mut ctx, spec, unit, "evaluation"));
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
    let mut monitoring = None;
    if template.kind.is_monitoring() {
        let budget = template
            .budget
            .as_ref()
            .and_then(|spec| read_budget(&mut ctx, spec, unit, "monitoring"));
        let Some(budget) = budget else {
            return Ok(FormOutcome::Unfit {
                reason: format!(
                    "按“{}”读取时，表中没有项目资金执行情况（执行数等）一栏",
                    template.name
                ),
            });
        };
        let mut read = form.monitoring.take().unwrap_or_default();
        read.funds = budget.funds;
        read.other_lines = budget.other_lines;
        read.through_month = find_through_month_near(grid, region, ctx.labels, template);
        if read.through_month.is_none() {
            ctx.warn(
                WarningCode::MissingField,
                "表头附近没有写明监控截至的月份（如“1-7月”），无法计算序时进度".into(),
                Some(region.anchor_cell()),
            );
        }
        form.cells.extend(budget.cells);
        monitoring = Some(read);
    }
    let indicators = read_indicators(&mut ctx)?;
    if let Some(evaluation) = &mut evaluation {
        complete_total_score(evaluation, &indicators);
    }
    let (contact, contact_cells) = ctx.read_contact();
    form.cells.extend(contact_cells);
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
    if template.kind.is_department() {
        let tasks = match &template.tasks {
            Some(spec) => read_tasks(&mut ctx, spec, unit),
            None => None,
        };
        return Ok(department_form(
            ctx, form, tasks, indicators, evaluation, source, year,
        ));
    }
    let nothing_filled = form.project_name.is_empty()
        && form.department.is_empty()
        && form.implementing_unit.is_empty()
        && form.funds == Funds::default()
        && evaluation
            .as_ref()
            .is_none_or(|e| e.funds == Default::default())
        && monitoring
            .as_ref()
            .is_none_or(|m| m.funds == Default::default())
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
    Ok(FormOutcome::Form(Box::new(Record::Project(Project {
        kind: template.kind,
        source,
        template: region.template.id.clone(),
        year,
        project_name: form.project_name,
        project_code: form.project_code,
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
        contact,
        indicators,
        evaluation,
        monitoring,
        last_year: None,
        review: None,
        extras: form.extras,
        cells: form.cells,
        warnings: ctx.warnings,
    }))))
}

/// A department-wide form from what was read: rejected when it names no department, blank when
/// nothing is filled in.
fn department_form(
    ctx: FormContext<'_, '_, '_>,
    form: FormFields,
    tasks: Option<TasksRead>,
    indicators: Vec<crate::model::Indicator>,
    evaluation: Option<Evaluation>,
    source: Source,
    year: Option<i32>,
) -> FormOutcome {
    let template = ctx.template;
    let mut funds = form.department_funds;
    funds.total = form.funds.total;
    funds.fiscal = form.funds.fiscal;
    funds.other = form.funds.other;
    let mut cells = form.cells;
    let tasks = tasks.unwrap_or_default();
    if let (true, Some((written, cell))) = (
        template
            .tasks
            .as_ref()
            .is_some_and(|t| t.total_row_is_budget),
        &tasks.total_row,
    ) {
        for (key, amount) in ["total", "fiscal", "other"].into_iter().zip(written) {
            if let (Some(slot), Some(amount)) = (funds.slot_mut(key), amount)
                && slot.is_none()
            {
                *slot = Some(*amount);
                cells.insert(format!("funds.{key}"), cell.clone());
            }
        }
    }
    let nothing_filled = form.department.is_empty()
        && funds == Default::default()
        && tasks.tasks.is_empty()
        && indicators
            .iter()
            .all(|i| i.level3.is_empty() && i.value.is_empty());
    if nothing_filled {
        return FormOutcome::Blank;
    }
    if form.department.is_empty() {
        return FormOutcome::Rejected {
            reason: "部门名称为空，无法汇总；请补填后重新提交".into(),
            cell: cells.get("department").cloned(),
        };
    }
    FormOutcome::Form(Box::new(Record::from(DepartmentForm {
        kind: template.kind,
        source,
        template: template.id.clone(),
        year,
        department: form.department,
        department_code: form.department_code,
        funds,
        tasks: tasks.tasks,
        overall_goal: form.overall_goal,
        annual_goal: form.annual_goal,
        indicators,
        evaluation,
        review: None,
        extras: form.extras,
        cells,
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
    /// A department-wide form's 基本支出 and 项目支出.
    department_funds: DepartmentFunds,
    project_name: String,
    project_code: Option<String>,
    department: String,
    department_code: Option<String>,
    implementing_unit: String,
    implementing_unit_code: Option<String>,
    /// The self-evaluation's texts and scores read as fields.
    evaluation: Option<Evaluation>,
    /// The monitoring form's goal texts read as fields.
    monitoring: Option<Monitoring>,
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
            Target::ProjectCode => self.project_code = non_empty(clean_inline(&text())),
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
            Target::Monitoring(field) => {
                let monitoring = self.monitoring.get_or_insert_with(Monitoring::default);
                let slot = if *field == "goal_progress" {
                    &mut monitoring.goal_progress
                } else {
                    &mut monitoring.goal_annual
                };
                *slot = clean_block(&text());
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
            Target::DepartmentFunds(key) => match parse_amount(value, unit) {
                Amount::Value(amount) => {
                    if let Some(slot) = self.department_funds.slot_mut(key) {
                        *slot = Some(amount);
                    }
                }
                Amount::Blank => {}
                Amount::Invalid => {
                    let message = format!("“{}”不是金额：{}", spec.label, text());
                    ctx.warn(WarningCode::UnparsedAmount, message, cell());
                }
            },
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

/// The last month a monitoring form covers: stated in the title or the three rows under it
/// ("（2025年1-7月）"), else in one of the template's labels on the form ("1-7月执行数",
/// "截至7月底执行数").
fn find_through_month_near(
    grid: &Grid,
    region: &FormRegion<'_>,
    labels: &[LabelCell<'_>],
    template: &crate::template::Template,
) -> Option<u32> {
    let last = region.last_row.min(region.first_row + 3);
    grid.rows(region.first_row, last)
        .iter()
        .find_map(|cell| match &cell.value {
            CellValue::Text(text) => find_through_month(text),
            _ => None,
        })
        .or_else(|| {
            labels
                .iter()
                .filter(|l| l.row >= region.first_row && template.is_known_label(&l.folded))
                .find_map(|l| find_through_month(l.text))
        })
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
