//! What a target form's review contributes to the outputs: a row per finding in the 审核 sheet
//! and in review.csv (the same columns, with the project's id first and the rule's id last).

use super::cells::XCell;
use super::rows::{department_group, neutralize, project_id};
use crate::model::{Finding, Project};

/// The columns of the 审核 sheet.
pub const REVIEW_HEADERS: [&str; 12] = [
    "主管部门",
    "项目名称",
    "结论",
    "规则",
    "级别",
    "说明",
    "来源文件",
    "工作表",
    "单元格",
    "项目编码",
    "填报人",
    "联系电话",
];

/// The columns of review.csv: the 审核 sheet's, with 项目编号 first and 规则编号 last.
pub fn review_csv_header() -> Vec<String> {
    std::iter::once("项目编号")
        .chain(REVIEW_HEADERS)
        .chain(std::iter::once("规则编号"))
        .map(String::from)
        .collect()
}

fn findings(project: &Project) -> impl Iterator<Item = (&str, &Finding)> {
    project
        .review
        .iter()
        .flat_map(|r| r.findings.iter().map(move |f| (r.conclusion.as_str(), f)))
}

/// The 审核 rows of a form's findings.
pub fn review_rows(project: &Project) -> Vec<Vec<XCell>> {
    let text = |t: &str| XCell::Text(t.to_owned());
    findings(project)
        .map(|(conclusion, f)| {
            vec![
                text(department_group(project)),
                text(&project.project_name),
                text(conclusion),
                text(&f.name),
                text(f.level.label()),
                text(&f.message),
                text(&project.source.file),
                text(&project.source.sheet),
                text(f.cell.as_deref().unwrap_or(&project.source.cell)),
                text(project.project_code.as_deref().unwrap_or("")),
                text(project.contact.person.as_deref().unwrap_or("")),
                text(project.contact.phone.as_deref().unwrap_or("")),
            ]
        })
        .collect()
}

/// The review.csv rows of a form's findings.
pub fn review_csv_rows(project: &Project) -> Vec<Vec<String>> {
    let text = |t: &str| neutralize(t).into_owned();
    let id = project_id(project);
    findings(project)
        .map(|(conclusion, f)| {
            vec![
                id.clone(),
                text(department_group(project)),
                text(&project.project_name),
                text(conclusion),
                text(&f.name),
                f.level.label().to_owned(),
                text(&f.message),
                text(&project.source.file),
                text(&project.source.sheet),
                f.cell
                    .clone()
                    .unwrap_or_else(|| project.source.cell.clone()),
                text(project.project_code.as_deref().unwrap_or("")),
                text(project.contact.person.as_deref().unwrap_or("")),
                text(project.contact.phone.as_deref().unwrap_or("")),
                f.rule.clone(),
            ]
        })
        .collect()
}
