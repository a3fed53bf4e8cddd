//! Rendering one file's results into what each output needs — CSV and JSON bytes, workbook rows —
//! on the worker thread that read the file, so that the one thread writing the outputs only
//! appends. A file's rendering depends on that file alone, which keeps outputs the same for any
//! number of threads.

use rust_decimal::Decimal;

pub use super::cells::XCell;
use super::csv_out::{
    CsvEncoding, CsvRows, CsvUnit, FUND_HEADERS, indicator_rows, project_row, rows_bytes,
};
use super::departments::{
    DEPARTMENT_SHEET_HEADERS, RECONCILIATION_HEADERS, department_indicator_rows, department_row,
    department_sheet_row, reconciliation_rows, reconciliation_sheet_row, task_rows,
};
use super::evaluations::{
    COMPARISON_HEADERS, EVALUATION_DETAIL_HEADERS, evaluation_indicator_rows, evaluation_row,
    findings_text, target_text, total_line,
};
use super::manifest::manifest_row;
use super::monitoring::{
    MONITORING_DETAIL_HEADERS, monitoring_indicator_rows, monitoring_row, monitoring_sheet_row,
};
use super::review_out::{REVIEW_HEADERS, review_rows};
use super::rows::{department_group, display_width, fit_cell, project_id};
use super::totals::indicator_count;
use crate::model::{DepartmentForm, FormKind, FundKind, Project, Record};
use crate::normalize::reconcile::ReconciliationRow;
use crate::outcome::{FileOutcome, FileStatus};

/// The list sheets of the summary workbook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sheet {
    /// 项目明细.
    Details,
    /// 绩效指标.
    Indicators,
    /// 问题清单.
    Issues,
    /// 审核: one row per review finding.
    Review,
    /// 自评明细 (only when the batch holds self-evaluations).
    EvaluationDetails,
    /// 目标对照 (likewise).
    Comparison,
    /// 部门整体 (only when the batch holds department-wide forms).
    DepartmentDetails,
    /// 部门对账 (only when the batch holds a department-wide target form).
    Reconciliation,
    /// 监控明细 (only when the batch holds monitoring forms).
    MonitoringDetails,
    /// 年度对比 (only when target forms were held against last year's, from a store).
    YearOverYear,
}

impl Sheet {
    /// Every list sheet, in workbook order (the order of the variants, so `sheet as usize` indexes
    /// this list).
    pub const ALL: [Sheet; 10] = [
        Sheet::Details,
        Sheet::Indicators,
        Sheet::Issues,
        Sheet::Review,
        Sheet::EvaluationDetails,
        Sheet::Comparison,
        Sheet::DepartmentDetails,
        Sheet::Reconciliation,
        Sheet::MonitoringDetails,
        Sheet::YearOverYear,
    ];

    /// The sheet's name.
    pub fn name(self) -> &'static str {
        match self {
            Sheet::Details => "项目明细",
            Sheet::Indicators => "绩效指标",
            Sheet::Issues => "问题清单",
            Sheet::EvaluationDetails => "自评明细",
            Sheet::Comparison => "目标对照",
            Sheet::Review => "审核",
            Sheet::DepartmentDetails => "部门整体",
            Sheet::Reconciliation => "部门对账",
            Sheet::MonitoringDetails => "监控明细",
            Sheet::YearOverYear => "年度对比",
        }
    }

    /// The column headers.
    pub fn headers(self) -> Vec<String> {
        let fixed: &[&str] = match self {
            Sheet::Details => return detail_headers(),
            Sheet::Indicators => &INDICATOR_HEADERS,
            Sheet::Issues => &ISSUE_HEADERS,
            Sheet::EvaluationDetails => &EVALUATION_DETAIL_HEADERS,
            Sheet::Comparison => &COMPARISON_HEADERS,
            Sheet::Review => &REVIEW_HEADERS,
            Sheet::DepartmentDetails => &DEPARTMENT_SHEET_HEADERS,
            Sheet::Reconciliation => &RECONCILIATION_HEADERS,
            Sheet::MonitoringDetails => &MONITORING_DETAIL_HEADERS,
            Sheet::YearOverYear => &YEAR_OVER_YEAR_HEADERS,
        };
        fixed.iter().map(|h| (*h).to_owned()).collect()
    }

    /// True for the sheets of self-evaluations, made only when a batch has any.
    pub fn of_evaluations(self) -> bool {
        matches!(self, Sheet::EvaluationDetails | Sheet::Comparison)
    }

    /// True for the sheets of department-wide forms, made only when a batch has any.
    pub fn of_departments(self) -> bool {
        matches!(self, Sheet::DepartmentDetails | Sheet::Reconciliation)
    }

    /// True for the sheets of monitoring forms, made only when a batch has any.
    pub fn of_monitoring(self) -> bool {
        self == Sheet::MonitoringDetails
    }

    /// True for the sheets every batch has (the others are made with their first row).
    pub fn always(self) -> bool {
        !self.of_evaluations()
            && !self.of_departments()
            && !self.of_monitoring()
            && self != Sheet::YearOverYear
    }

    /// The sheet listing one row per form of a kind written at the end, if it has one.
    pub fn details_of(kind: FormKind) -> Option<Sheet> {
        match kind {
            FormKind::SelfEvaluation => Some(Sheet::EvaluationDetails),
            FormKind::DepartmentTarget | FormKind::DepartmentSelfEvaluation => {
                Some(Sheet::DepartmentDetails)
            }
            FormKind::Monitoring => Some(Sheet::MonitoringDetails),
            FormKind::Target => None,
        }
    }
}

/// A row of a list sheet, with the display width of each cell.
#[derive(Debug, Clone, PartialEq)]
pub struct XRow {
    /// The sheet it goes to.
    pub sheet: Sheet,
    /// The cells.
    pub cells: Vec<XCell>,
    /// Display width of each cell, in character units.
    pub widths: Vec<u16>,
}

impl XRow {
    fn new(sheet: Sheet, cells: Vec<XCell>, truncated: &mut u64) -> XRow {
        let mut widths = Vec::with_capacity(cells.len());
        let cells = cells
            .into_iter()
            .map(|cell| {
                let (cell, width) = match cell {
                    XCell::Text(text) => {
                        let (fitted, cut) = fit_cell(&text);
                        *truncated += u64::from(cut);
                        let width = display_width(&fitted);
                        let text = if cut { fitted.into_owned() } else { text };
                        (XCell::Text(text), width)
                    }
                    XCell::Money(m) => (XCell::Money(m), 12),
                    XCell::Number(n) => (XCell::Number(n), 8),
                    XCell::Date(d) => (XCell::Date(d), 11),
                    XCell::Percent(p) => (XCell::Percent(p), 9),
                    cell @ XCell::RowDifference { .. } => (cell, 12),
                    cell @ XCell::RowChange { .. } => (cell, 9),
                };
                widths.push(width.min(usize::from(u16::MAX)) as u16);
                cell
            })
            .collect();
        XRow {
            sheet,
            cells,
            widths,
        }
    }

    /// The department a 项目明细 row belongs to (its first cell).
    pub fn department(&self) -> &str {
        match self.cells.first() {
            Some(XCell::Text(name)) => name,
            _ => "",
        }
    }
}

/// The columns of 项目明细 (the seven amounts in 万元 after the dates).
pub fn detail_headers() -> Vec<String> {
    let mut headers: Vec<String> = [
        "主管部门",
        "实施单位",
        "项目名称",
        "年度",
        "项目类别",
        "计划开始日期",
        "计划完成日期",
    ]
    .map(String::from)
    .into();
    headers.extend(FUND_HEADERS.iter().map(|h| format!("{h}（万元）")));
    headers.extend(
        [
            "指标数",
            "警告",
            "来源文件",
            "工作表",
            "单元格",
            "项目编号",
            "审核结论",
            "项目编码",
        ]
        .map(String::from),
    );
    headers
}

/// Column of 项目明细 holding the review's conclusion (the 汇总 counts read it).
pub const DETAIL_CONCLUSION_COL: u16 = 20;

/// Column of 项目明细 holding the first amount (主管部门 is column A).
pub const DETAIL_FIRST_FUND_COL: u16 = 7;

/// The columns of 绩效指标.
pub const INDICATOR_HEADERS: [&str; 11] = [
    "主管部门",
    "项目名称",
    "区块",
    "一级指标",
    "二级指标",
    "三级指标",
    "指标值",
    "比较符",
    "数值",
    "单位",
    "方向",
];

/// The columns of 年度对比: one row per indicator of a target form held against last year's.
pub const YEAR_OVER_YEAR_HEADERS: [&str; 15] = [
    "主管部门",
    "项目名称",
    "项目编码",
    "上年年度资金申请总额（万元）",
    "本年年度资金申请总额（万元）",
    "资金变化",
    "一级指标",
    "二级指标",
    "三级指标",
    "上年指标值",
    "本年指标值",
    "对比结果",
    "来源文件",
    "单元格",
    "上年来源",
];

/// The columns of 问题清单.
pub const ISSUE_HEADERS: [&str; 7] = [
    "类型",
    "代码",
    "文件",
    "工作表",
    "单元格",
    "项目名称",
    "说明",
];

/// One row of the 问题清单 sheet.
#[derive(Debug, Clone, Default)]
pub struct IssueRow {
    /// 警告, 拒收, 跳过, 空白表格, 未识别样式, 重复 …
    pub kind: String,
    /// A stable code (`funds_mismatch`, `rejected` …).
    pub code: String,
    /// The file.
    pub file: String,
    /// The sheet, if any.
    pub sheet: String,
    /// The cell, if any.
    pub cell: String,
    /// The project, if any.
    pub project: String,
    /// What it means.
    pub message: String,
}

impl IssueRow {
    /// The 问题清单 row.
    pub fn to_row(&self, truncated: &mut u64) -> XRow {
        let text = |t: &str| XCell::Text(t.to_owned());
        let cells = vec![
            text(&self.kind),
            text(&self.code),
            text(&self.file),
            text(&self.sheet),
            text(&self.cell),
            text(&self.project),
            text(&self.message),
        ];
        XRow::new(Sheet::Issues, cells, truncated)
    }
}

/// Everything one file contributes to the outputs.
#[derive(Debug, Default)]
pub struct Rendered {
    /// review.csv rows, encoded.
    pub review_csv: Vec<u8>,
    /// Review findings rendered (rows of review.csv and of 审核).
    pub findings: u64,
    /// Workbook rows, in order.
    pub rows: Vec<XRow>,
    /// projects.csv rows, encoded (a set-aside kind's own CSV of forms).
    pub projects_csv: Vec<u8>,
    /// department_tasks.csv rows, encoded (department-wide forms only).
    pub tasks_csv: Vec<u8>,
    /// indicators.csv rows, encoded.
    pub indicators_csv: Vec<u8>,
    /// projects.jsonl lines.
    pub jsonl: Vec<u8>,
    /// The manifest row, encoded.
    pub manifest: Vec<u8>,
    /// Projects rendered.
    pub projects: u64,
    /// Texts cut to fit a cell.
    pub truncated: u64,
}

/// Renders files for the outputs.
#[derive(Debug, Clone, Copy)]
pub struct Renderer {
    /// CSV encoding (a byte-order mark is written once, at the start of each file, not here).
    pub encoding: CsvEncoding,
    /// CSV amount unit.
    pub unit: CsvUnit,
}

impl Renderer {
    /// Renders one file's results.
    pub fn render(&self, outcome: &FileOutcome) -> std::io::Result<Rendered> {
        let encoding = match self.encoding {
            CsvEncoding::Utf8Bom => CsvEncoding::Utf8,
            other => other,
        };
        let mut out = Rendered::default();
        // Each project's rows are encoded as soon as they are made (a flat export of 11,000
        // indicator rows would otherwise hold them all as strings: 23 MB).
        let mut projects_csv = CsvRows::new(Vec::new(), encoding)?;
        let mut indicators_csv = CsvRows::new(Vec::new(), encoding)?;
        let mut review_csv = CsvRows::new(Vec::new(), encoding)?;
        // Other kinds are rendered at the end (self-evaluations once held against their targets).
        let targets = outcome.projects().filter(|p| p.kind.is_project_target());
        for project in targets {
            out.projects += 1;
            projects_csv.write_record(project_row(project, self.unit))?;
            let (id, year) = (project_id(project), project.year.map(|y| y.to_string()));
            for row in indicator_rows(project, &id, year.as_deref().unwrap_or_default()) {
                indicators_csv.write_record(row.iter().map(|field| field.as_bytes()))?;
            }
            for row in super::review_out::review_csv_rows(project) {
                review_csv.write_record(row)?;
                out.findings += 1;
            }
            serde_json::to_writer(&mut out.jsonl, project)?;
            out.jsonl.push(b'\n');
            self.workbook_rows(project, &mut out);
        }
        self.issue_rows(outcome, &mut out);
        out.projects_csv = projects_csv.finish()?;
        out.indicators_csv = indicators_csv.finish()?;
        out.review_csv = review_csv.finish()?;
        // An early part of a file has no manifest row: its last part has the file's.
        if !outcome.early {
            out.manifest = manifest_row(outcome, encoding)?;
        }
        Ok(out)
    }

    /// Renders a record of a kind written at the end of a run, for its own outputs.
    pub fn render_set_aside(&self, record: &Record) -> std::io::Result<Rendered> {
        match record {
            Record::Project(project) if project.kind == FormKind::SelfEvaluation => {
                self.render_evaluation(project)
            }
            Record::Project(project) if project.kind == FormKind::Monitoring => {
                self.render_monitoring(project)
            }
            Record::Project(_) => Ok(Rendered::default()),
            Record::Department(form) => self.render_department(form),
        }
    }

    /// Renders a department-wide form for the department outputs.
    pub fn render_department(&self, form: &DepartmentForm) -> std::io::Result<Rendered> {
        let encoding = match self.encoding {
            CsvEncoding::Utf8Bom => CsvEncoding::Utf8,
            other => other,
        };
        let mut out = Rendered {
            projects_csv: rows_bytes(&[department_row(form, self.unit)], encoding)?,
            indicators_csv: rows_bytes(&department_indicator_rows(form), encoding)?,
            tasks_csv: rows_bytes(&task_rows(form, self.unit), encoding)?,
            projects: 1,
            ..Rendered::default()
        };
        serde_json::to_writer(&mut out.jsonl, form)?;
        out.jsonl.push(b'\n');
        out.rows.push(XRow::new(
            Sheet::DepartmentDetails,
            department_sheet_row(form),
            &mut out.truncated,
        ));
        for warning in &form.warnings {
            let issue = IssueRow {
                kind: "警告".into(),
                code: warning.code.as_str().into(),
                file: form.source.file.clone(),
                sheet: form.source.sheet.clone(),
                cell: warning.cell.clone().unwrap_or_default(),
                project: form.department.clone(),
                message: warning.message.clone(),
            };
            out.rows.push(issue.to_row(&mut out.truncated));
        }
        Ok(out)
    }

    /// The reconciliation's rows for the 部门对账 sheet and reconciliation.csv.
    pub fn render_reconciliation(&self, rows: &[ReconciliationRow]) -> std::io::Result<Rendered> {
        let encoding = match self.encoding {
            CsvEncoding::Utf8Bom => CsvEncoding::Utf8,
            other => other,
        };
        let mut out = Rendered {
            projects_csv: rows_bytes(&reconciliation_rows(rows), encoding)?,
            projects: rows.len() as u64,
            ..Rendered::default()
        };
        for row in rows {
            out.rows.push(XRow::new(
                Sheet::Reconciliation,
                reconciliation_sheet_row(row),
                &mut out.truncated,
            ));
        }
        Ok(out)
    }

    /// Renders a self-evaluation (linked to its target, or not) for the evaluation outputs.
    pub fn render_evaluation(&self, project: &Project) -> std::io::Result<Rendered> {
        let encoding = match self.encoding {
            CsvEncoding::Utf8Bom => CsvEncoding::Utf8,
            other => other,
        };
        let mut out = Rendered {
            projects_csv: rows_bytes(&[evaluation_row(project, self.unit)], encoding)?,
            indicators_csv: rows_bytes(&evaluation_indicator_rows(project), encoding)?,
            projects: 1,
            ..Rendered::default()
        };
        serde_json::to_writer(&mut out.jsonl, project)?;
        out.jsonl.push(b'\n');
        let text = |t: &str| XCell::Text(t.to_owned());
        let department = department_group(project).to_owned();
        let evaluation = project.evaluation.as_ref();
        let line = total_line(project);
        let warnings: Vec<&str> = project
            .warnings
            .iter()
            .map(|w| w.message.as_str())
            .collect();
        let cells = vec![
            text(&department),
            text(&project.implementing_unit),
            text(&project.project_name),
            XCell::Number(project.year.map(Decimal::from)),
            XCell::Money(line.and_then(|l| l.initial)),
            XCell::Money(line.and_then(|l| l.adjusted)),
            XCell::Money(line.and_then(|l| l.executed)),
            XCell::Percent(line.and_then(|l| l.rate.as_ref()).map(|r| r.fraction)),
            XCell::Number(line.and_then(|l| l.score)),
            XCell::Number(evaluation.and_then(|e| e.total_score)),
            text(evaluation.and_then(|e| e.grade.as_deref()).unwrap_or("")),
            text(&target_text(project)),
            text(&warnings.join("；")),
            text(&project.source.file),
            text(&project.source.sheet),
            text(&project.source.cell),
            text(&project_id(project)),
            text(project.project_code.as_deref().unwrap_or("")),
        ];
        out.rows.push(XRow::new(
            Sheet::EvaluationDetails,
            cells,
            &mut out.truncated,
        ));
        for row in evaluation.map_or(&[][..], |e| e.comparison.as_slice()) {
            let cells = vec![
                text(&department),
                text(&project.project_name),
                text(&row.level1),
                text(&row.level2),
                text(&row.level3),
                text(row.approved.as_deref().unwrap_or("")),
                text(row.claimed.as_deref().unwrap_or("")),
                text(row.actual.as_deref().unwrap_or("")),
                text(&findings_text(row, project.kind)),
                text(&project.source.file),
                text(&row.cell),
            ];
            out.rows
                .push(XRow::new(Sheet::Comparison, cells, &mut out.truncated));
        }
        if evaluation.is_some_and(|e| e.target.is_none()) {
            let issue = IssueRow {
                kind: "未关联".into(),
                code: "unlinked_evaluation".into(),
                file: project.source.file.clone(),
                sheet: project.source.sheet.clone(),
                cell: project.source.cell.clone(),
                project: project.project_name.clone(),
                message: "本批次中没有同年度、同主管部门、同项目名称的绩效目标表，未做目标对照"
                    .into(),
            };
            out.rows.push(issue.to_row(&mut out.truncated));
        }
        self.warning_rows(project, &mut out);
        Ok(out)
    }

    /// Renders a monitoring form for the monitoring outputs.
    pub fn render_monitoring(&self, project: &Project) -> std::io::Result<Rendered> {
        let encoding = match self.encoding {
            CsvEncoding::Utf8Bom => CsvEncoding::Utf8,
            other => other,
        };
        let mut out = Rendered {
            projects_csv: rows_bytes(&[monitoring_row(project, self.unit)], encoding)?,
            indicators_csv: rows_bytes(&monitoring_indicator_rows(project), encoding)?,
            projects: 1,
            ..Rendered::default()
        };
        serde_json::to_writer(&mut out.jsonl, project)?;
        out.jsonl.push(b'\n');
        out.rows.push(XRow::new(
            Sheet::MonitoringDetails,
            monitoring_sheet_row(project),
            &mut out.truncated,
        ));
        self.warning_rows(project, &mut out);
        Ok(out)
    }

    fn workbook_rows(&self, project: &Project, out: &mut Rendered) {
        let truncated_before = out.truncated;
        self.project_rows(project, out);
        if out.truncated > truncated_before {
            let issue = IssueRow {
                kind: "警告".into(),
                code: "truncated".into(),
                file: project.source.file.clone(),
                sheet: project.source.sheet.clone(),
                cell: project.source.cell.clone(),
                project: project.project_name.clone(),
                message: format!(
                    "有 {} 处文字超过 Excel 单元格上限 {} 字，在 summary.xlsx 中已截断（末尾为“…”）；完整内容见 projects.jsonl 和 CSV",
                    out.truncated - truncated_before,
                    super::rows::EXCEL_CELL_CHARS
                ),
            };
            out.rows.push(issue.to_row(&mut out.truncated));
        }
    }

    fn project_rows(&self, project: &Project, out: &mut Rendered) {
        let department = department_group(project).to_owned();
        let warnings: Vec<&str> = project
            .warnings
            .iter()
            .map(|w| w.message.as_str())
            .collect();
        let text = |t: &str| XCell::Text(t.to_owned());
        let mut cells = vec![
            text(&department),
            text(&project.implementing_unit),
            text(&project.project_name),
            XCell::Number(project.year.map(Decimal::from)),
            text(project.category.as_deref().unwrap_or("")),
            XCell::Date(project.start_date),
            XCell::Date(project.end_date),
        ];
        cells.extend(
            FundKind::ALL
                .iter()
                .map(|k| XCell::Money(project.funds.get(*k))),
        );
        cells.extend([
            XCell::Number(Some(Decimal::from(indicator_count(project)))),
            text(&warnings.join("；")),
            text(&project.source.file),
            text(&project.source.sheet),
            text(&project.source.cell),
            text(&project_id(project)),
            text(
                project
                    .review
                    .as_ref()
                    .map_or("", |r| r.conclusion.as_str()),
            ),
            text(project.project_code.as_deref().unwrap_or("")),
        ]);
        out.rows
            .push(XRow::new(Sheet::Details, cells, &mut out.truncated));
        for cells in review_rows(project) {
            out.rows
                .push(XRow::new(Sheet::Review, cells, &mut out.truncated));
        }
        if let Some(last) = &project.last_year {
            let before = last.annual_total;
            let now = project.funds.annual_total.or(project.funds.total);
            let change = match (before, now) {
                (Some(b), Some(n)) if !b.is_zero() => Some(n / b - Decimal::ONE),
                _ => None,
            };
            let origin = format!(
                "{} {}（{}年，存储库第 {} 批）",
                last.source.file,
                last.source.sheet,
                last.year.map(|y| y.to_string()).unwrap_or_default(),
                last.stored_batch
            );
            for row in &last.indicators {
                let cells = vec![
                    text(&department),
                    text(&project.project_name),
                    text(project.project_code.as_deref().unwrap_or("")),
                    XCell::Money(before),
                    XCell::Money(now),
                    XCell::RowChange {
                        from: 3,
                        to: 4,
                        cached: change,
                    },
                    text(&row.level1),
                    text(&row.level2),
                    text(&row.level3),
                    text(row.last.as_deref().unwrap_or("")),
                    text(row.this.as_deref().unwrap_or("")),
                    text(row.change.label()),
                    text(&project.source.file),
                    text(&row.cell),
                    text(&origin),
                ];
                out.rows
                    .push(XRow::new(Sheet::YearOverYear, cells, &mut out.truncated));
            }
        }
        for indicator in project.indicators.iter().filter(|i| !i.is_placeholder()) {
            let n = indicator.normalized.as_ref();
            let m = n.map(|n| &n.measure);
            let level = |canonical: Option<&String>, written: &str| {
                XCell::Text(canonical.map_or(written, String::as_str).to_owned())
            };
            let number = match (m.and_then(|m| m.number), m.and_then(|m| m.upper)) {
                (Some(low), Some(high)) => XCell::Text(format!("{low}~{high}")),
                (number, _) => XCell::Number(number),
            };
            let cells = vec![
                text(&department),
                text(&project.project_name),
                text(indicator.block.label()),
                level(n.map(|n| &n.level1), &indicator.level1),
                level(n.map(|n| &n.level2), &indicator.level2),
                level(n.map(|n| &n.level3), &indicator.level3),
                text(&indicator.value),
                text(m.and_then(|m| m.comparator).map_or("", |c| c.symbol())),
                number,
                text(m.and_then(|m| m.unit.as_deref()).unwrap_or("")),
                text(m.and_then(|m| m.direction).map_or("", |d| d.label())),
            ];
            out.rows
                .push(XRow::new(Sheet::Indicators, cells, &mut out.truncated));
        }
        self.warning_rows(project, out);
    }

    /// 问题清单 rows for a form's warnings.
    fn warning_rows(&self, project: &Project, out: &mut Rendered) {
        for warning in &project.warnings {
            let issue = IssueRow {
                kind: "警告".into(),
                code: warning.code.as_str().into(),
                file: project.source.file.clone(),
                sheet: project.source.sheet.clone(),
                cell: warning.cell.clone().unwrap_or_default(),
                project: project.project_name.clone(),
                message: warning.message.clone(),
            };
            out.rows.push(issue.to_row(&mut out.truncated));
        }
    }

    /// 问题清单 rows for a file not converted, and for forms and sheets of a converted file that
    /// yielded nothing (sheets without any form are normal there and left out).
    fn issue_rows(&self, outcome: &FileOutcome, out: &mut Rendered) {
        let mut push = |row: IssueRow| out.rows.push(row.to_row(&mut out.truncated));
        match outcome.status {
            FileStatus::Rejected | FileStatus::Skipped => {
                let (kind, code) = if outcome.status == FileStatus::Rejected {
                    ("拒收", "rejected")
                } else {
                    ("跳过", "skipped")
                };
                push(IssueRow {
                    kind: kind.into(),
                    code: code.into(),
                    file: outcome.file.clone(),
                    message: outcome.message.clone(),
                    ..IssueRow::default()
                });
            }
            FileStatus::Converted => {
                for issue in &outcome.issues {
                    let Some((kind, code)) = issue.kind.listed() else {
                        continue;
                    };
                    push(IssueRow {
                        kind: kind.into(),
                        code: code.into(),
                        file: outcome.file.clone(),
                        sheet: issue.sheet.clone(),
                        cell: issue.cell.clone().unwrap_or_default(),
                        project: String::new(),
                        message: issue.reason.clone(),
                    });
                }
            }
        }
    }
}
