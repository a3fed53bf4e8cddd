//! What each kind of review rule looks at on a normalized target form, and the findings it makes:
//! the values a message names are filled into its {placeholders}.

use rust_decimal::Decimal;

use super::rules::{Check, Rule};
use crate::model::{
    Comparator, Date, Finding, Indicator, MeasureKind, NormalizedIndicator, Project, Task,
};
use crate::normalize::Dictionary;
use crate::normalize::measure::quantities;

/// The findings of one rule on a form.
pub fn run(rule: &Rule, project: &Project, dictionary: &Dictionary) -> Vec<Finding> {
    let mut found = Vec::new();
    let mut find = |values: &[(&str, String)], cell: Option<String>| {
        found.push(Finding {
            rule: rule.id.clone(),
            name: rule.name.clone(),
            level: rule.level,
            message: fill(&rule.message, values),
            cell,
        });
    };
    let real: Vec<(&Indicator, &NormalizedIndicator)> = project
        .indicators
        .iter()
        .filter(|i| !i.is_placeholder())
        .filter_map(|i| Some((i, i.normalized.as_ref()?)))
        .filter(|(i, _)| !i.level3.trim().is_empty() || !i.value.trim().is_empty())
        .collect();
    let named = |(i, _): &(&Indicator, &NormalizedIndicator)| i.level3.clone();
    // A finding about the table as a whole names its first cell (or the form's title).
    let table_cell = project
        .indicators
        .first()
        .map_or_else(|| project.source.cell.clone(), |i| i.cell.clone());
    let value_cell = |(i, _): &(&Indicator, &NormalizedIndicator)| Some(i.value_cell.clone());
    match &rule.check {
        Check::RequiredLevels(levels) => {
            for level in levels {
                if !real.iter().any(|(_, n)| &n.level1 == level) {
                    find(&[("level", level.clone())], Some(table_cell.clone()));
                }
            }
        }
        Check::RequiredAny(levels) => {
            let has = real
                .iter()
                .any(|(_, n)| levels.contains(&n.level1) || levels.contains(&n.level2));
            if !has {
                let year = rule.from_year.or(project.year).unwrap_or_default();
                find(
                    &[("year", year.to_string()), ("levels", levels.join("、"))],
                    Some(table_cell.clone()),
                );
            }
        }
        Check::QuantitativeUnder(levels) => {
            let has = real.iter().any(|(_, n)| {
                levels.contains(&n.level1) && n.measure.kind == MeasureKind::Quantitative
            });
            let under: Vec<_> = real
                .iter()
                .filter(|(_, n)| levels.contains(&n.level1))
                .collect();
            if !has && !under.is_empty() {
                find(
                    &[("levels", levels.join("、"))],
                    under.first().and_then(|r| value_cell(r)),
                );
            }
        }
        Check::VagueWords(keywords, words) => {
            for row in &real {
                let (indicator, n) = row;
                if n.measure.kind != MeasureKind::Qualitative {
                    continue;
                }
                if let Some(index) = keywords.first_in(&indicator.value) {
                    find(
                        &[
                            ("indicator", named(row)),
                            ("value", indicator.value.clone()),
                            ("word", words[index].clone()),
                        ],
                        value_cell(row),
                    );
                }
            }
        }
        Check::Deadline(levels) => {
            let (end, end_label) = match (project.end_date, project.year) {
                (Some(end), _) => (end, "计划完成日期"),
                (None, Some(year)) => match Date::new(year, 12, 31) {
                    Some(end) => (end, "预算年度末"),
                    None => return found,
                },
                (None, None) => return found,
            };
            for row in real.iter().filter(|(_, n)| levels.contains(&n.level2)) {
                let (indicator, _) = row;
                let Some(date) = deadline_in(&indicator.value, project.year) else {
                    continue;
                };
                if date > end {
                    find(
                        &[
                            ("indicator", named(row)),
                            ("value", indicator.value.clone()),
                            ("date", date.to_string()),
                            ("end", end.to_string()),
                            ("end_label", end_label.to_owned()),
                        ],
                        value_cell(row),
                    );
                }
            }
        }
        Check::UpperBound(levels) => {
            for row in &real {
                let (indicator, n) = row;
                if !levels.contains(&n.level1) && !levels.contains(&n.level2) {
                    continue;
                }
                let open = match n.measure.kind {
                    MeasureKind::Quantitative => matches!(
                        n.measure.comparator,
                        Some(Comparator::AtLeast | Comparator::Above)
                    ),
                    MeasureKind::Qualitative => true,
                    MeasureKind::None => false,
                };
                if open {
                    find(
                        &[
                            ("indicator", named(row)),
                            ("value", indicator.value.clone()),
                        ],
                        value_cell(row),
                    );
                }
            }
        }
        Check::PercentOver {
            limit,
            words,
            except_words,
        } => {
            for row in &real {
                let (indicator, n) = row;
                let m = &n.measure;
                let over = [m.number, m.upper]
                    .into_iter()
                    .flatten()
                    .any(|x| x > *limit);
                // The name's words are looked for last: most indicators are not percentages over
                // the limit, and the search is the costly part.
                let name = &n.level3;
                let is_rate = || {
                    words.iter().any(|w| name.contains(w.as_str()))
                        && !except_words.iter().any(|w| name.contains(w.as_str()))
                };
                if m.unit.as_deref() == Some("%") && over && is_rate() {
                    find(
                        &[
                            ("indicator", named(row)),
                            ("value", indicator.value.clone()),
                            ("limit", limit.to_string()),
                        ],
                        value_cell(row),
                    );
                }
            }
        }
        Check::SatisfactionBelow { threshold, words } => {
            for row in &real {
                let (indicator, n) = row;
                let about = || {
                    words.iter().any(|w| {
                        n.level3.contains(w.as_str()) || indicator.level3.contains(w.as_str())
                    })
                };
                let m = &n.measure;
                let percent = m.unit.as_deref().is_none_or(|u| u == "%");
                let below = m.kind == MeasureKind::Quantitative
                    && !matches!(m.comparator, Some(Comparator::AtMost | Comparator::Below))
                    && m.number.is_some_and(|x| x < *threshold);
                if percent && below && about() {
                    find(
                        &[
                            ("indicator", named(row)),
                            ("value", indicator.value.clone()),
                            ("threshold", threshold.to_string()),
                        ],
                        value_cell(row),
                    );
                }
            }
        }
        Check::BlankGoal(goals) => {
            for goal in goals {
                // A goal the form has no place for (the 四川 form has no 中期目标) is not blank.
                if !project.cells.contains_key(goal) {
                    continue;
                }
                let (text, label) = if goal == "overall_goal" {
                    (&project.overall_goal, "项目总目标（中期/长期目标）")
                } else {
                    (&project.annual_goal, "年度总体目标")
                };
                let problem = if text.trim().is_empty() {
                    "未填写"
                } else if repeats(text, &project.project_name) {
                    "只重复了项目名称，没有说明要达到的目标"
                } else {
                    continue;
                };
                find(
                    &[("goal", label.to_owned()), ("problem", problem.to_owned())],
                    project.cells.get(goal).cloned(),
                );
            }
        }
        Check::GoalQuantities => {
            let measured: Vec<Decimal> = real
                .iter()
                .flat_map(|(_, n)| {
                    let unit = n.measure.unit.as_deref();
                    [n.measure.number, n.measure.upper]
                        .into_iter()
                        .flatten()
                        .map(move |x| canonical(x, unit))
                })
                .collect();
            let mut reported: Vec<Decimal> = Vec::new();
            for (number, unit) in quantities(&project.annual_goal, dictionary) {
                let Some(unit) = unit else { continue };
                let number = canonical(number, Some(&unit));
                if measured.contains(&number) || reported.contains(&number) {
                    continue;
                }
                reported.push(number);
                let quantity = format!("{}{unit}", shown(number, &unit));
                find(
                    &[("quantity", quantity)],
                    project.cells.get("annual_goal").cloned(),
                );
            }
        }
        Check::Warning(codes) => {
            for warning in &project.warnings {
                if codes.iter().any(|c| c == warning.code.as_str()) {
                    find(
                        &[("message", warning.message.clone())],
                        warning.cell.clone(),
                    );
                }
            }
        }
        // Tasks are a department's: checked by `run_tasks`.
        Check::TaskAmounts => {}
        Check::LoweredVsLastYear => {
            let Some(last) = &project.last_year else {
                return found;
            };
            let year = last.year.map(|y| y.to_string()).unwrap_or_default();
            for change in last
                .indicators
                .iter()
                .filter(|c| c.change == crate::model::IndicatorChange::Eased)
            {
                find(
                    &[
                        ("indicator", change.level3.clone()),
                        ("last", change.last.clone().unwrap_or_default()),
                        ("this", change.this.clone().unwrap_or_default()),
                        ("last_year", year.clone()),
                    ],
                    Some(change.cell.clone()).filter(|c| !c.is_empty()),
                );
            }
        }
        Check::FundsChange { threshold } => {
            let Some(last) = &project.last_year else {
                return found;
            };
            let this = project.funds.annual_total.or(project.funds.total);
            let (Some(before), Some(now)) = (last.annual_total, this) else {
                return found;
            };
            if before <= Decimal::ZERO {
                return found;
            }
            let change = (now - before) / before * Decimal::ONE_HUNDRED;
            if change.abs() > *threshold {
                let cell = project
                    .cells
                    .get("funds.annual_total")
                    .or_else(|| project.cells.get("funds.total"))
                    .cloned();
                let sign = if change > Decimal::ZERO { "+" } else { "" };
                find(
                    &[
                        ("last", before.normalize().to_string()),
                        ("this", now.normalize().to_string()),
                        (
                            "change",
                            format!("{sign}{}%", change.round_dp(1).normalize()),
                        ),
                        ("threshold", threshold.normalize().to_string()),
                        (
                            "last_year",
                            last.year.map(|y| y.to_string()).unwrap_or_default(),
                        ),
                    ],
                    cell,
                );
            }
        }
    }
    found
}

/// The checks of a department's tasks (年度主要任务): each task should state its amount.
pub fn run_tasks(rule: &Rule, tasks: &[Task]) -> Vec<Finding> {
    if !matches!(rule.check, Check::TaskAmounts) {
        return Vec::new();
    }
    tasks
        .iter()
        .filter(|t| t.total.is_none() && t.fiscal.is_none() && t.other.is_none())
        .map(|task| Finding {
            rule: rule.id.clone(),
            name: rule.name.clone(),
            level: rule.level,
            message: fill(&rule.message, &[("task", task.name.clone())]),
            cell: Some(task.cell.clone()),
        })
        .collect()
}

/// A message with its {placeholders} filled in (unknown ones left as written).
fn fill(message: &str, values: &[(&str, String)]) -> String {
    let mut text = message.to_owned();
    for (key, value) in values {
        text = text.replace(&format!("{{{key}}}"), value);
    }
    text
}

/// True when a goal only repeats the project's name (with at most a few characters around it).
fn repeats(goal: &str, name: &str) -> bool {
    let plain = |t: &str| -> String { t.chars().filter(|c| c.is_alphanumeric()).collect() };
    let (goal, name) = (plain(goal), plain(name));
    !name.is_empty() && goal.contains(&name) && goal.chars().count() <= name.chars().count() + 4
}

/// A number in its unit's base: 300 万人次 is 3,000,000 (人次); money units are left as they are.
fn canonical(number: Decimal, unit: Option<&str>) -> Decimal {
    let scale = match unit {
        Some(u) if u.starts_with('万') && u != "万元" && u.chars().count() > 1 => 10_000,
        Some(u) if u.starts_with('亿') && u != "亿元" && u.chars().count() > 1 => 100_000_000,
        _ => 1,
    };
    (number * Decimal::from(scale)).normalize()
}

/// A quantity as the goal writes it: 860000 平方米 back to 86万.
fn shown(number: Decimal, unit: &str) -> String {
    let ten_thousand = Decimal::from(10_000);
    if unit != "%" && number >= ten_thousand && (number % ten_thousand).is_zero() {
        format!("{}万", (number / ten_thousand).normalize())
    } else {
        number.normalize().to_string()
    }
}

/// The date a deadline states: "2023年12月底前" → 2023-12-31, "2023年5月31日前" → 2023-05-31,
/// "10月底" → the budget year's 10-31, "2024-09-30". `None` when the value names no date.
pub fn deadline_in(text: &str, year: Option<i32>) -> Option<Date> {
    let chars: Vec<char> = crate::text::fold_width(text).chars().collect();
    let mut numbers: Vec<(u32, char)> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let value: u32 = chars[start..i].iter().collect::<String>().parse().ok()?;
            numbers.push((value, chars.get(i).copied().unwrap_or(' ')));
        } else {
            i += 1;
        }
    }
    let (mut y, mut m, mut d) = (None, None, None);
    for (value, after) in numbers {
        match after {
            '年' if (1990..=2100).contains(&value) => y = Some(value as i32),
            '-' | '.' | '/' if y.is_none() && (1990..=2100).contains(&value) => {
                y = Some(value as i32)
            }
            '月' | '-' | '.' | '/'
                if (y.is_some() || after == '月') && m.is_none() && (1..=12).contains(&value) =>
            {
                m = Some(value);
            }
            '日' | '号' if m.is_some() => d = Some(value),
            _ if m.is_some() && d.is_none() && (1..=31).contains(&value) => d = Some(value),
            _ => {}
        }
    }
    let year = y.or(year)?;
    let month = m?;
    let day = d.unwrap_or_else(|| crate::model::days_in_month(year, month));
    Date::new(year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_are_read_from_the_ways_forms_write_them() {
        let d = |y, m, day| Date::new(y, m, day);
        assert_eq!(deadline_in("2023年12月底前", None), d(2023, 12, 31));
        assert_eq!(deadline_in("2023年5月31日前", None), d(2023, 5, 31));
        assert_eq!(deadline_in("10月底前完成", Some(2024)), d(2024, 10, 31));
        assert_eq!(deadline_in("2024-09-30", None), d(2024, 9, 30));
        assert_eq!(deadline_in("2月底", Some(2024)), d(2024, 2, 29));
        assert_eq!(deadline_in("及时", Some(2024)), None);
        assert_eq!(deadline_in("≤48小时", Some(2024)), None);
    }

    #[test]
    fn a_goal_that_repeats_the_name_is_no_goal() {
        assert!(repeats("城区道路养护项目", "城区道路养护"));
        assert!(!repeats(
            "完成城区52条市政道路共86万平方米路面日常养护",
            "城区市政道路日常养护"
        ));
    }
}
