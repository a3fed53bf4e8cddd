//! A target form held against the same project's target form of the year before: which
//! indicators stayed, which were made easier (a lower "at least", a higher "at most", a later
//! deadline within the year) or harder, which were added or dropped — what the rules
//! `lowered_vs_last_year` and `funds_change` read.

use crate::model::{
    Block, Comparator, Direction, Indicator, IndicatorChange, LastYear, MeasureKind, Project,
    YearChange,
};
use crate::normalize::link::{match_indicators, same_meaning};

use super::checks::deadline_in;

/// This year's target form against last year's (`batch`: the store's batch it came in,
/// `last_id`: last year's 项目编号).
pub fn compare(this: &Project, last: &Project, batch: i64, last_id: String) -> LastYear {
    let (now, before) = (annual(this), annual(last));
    let pairs = match_indicators(&before, &now);
    let mut indicators = Vec::new();
    for (index, indicator) in now.iter().enumerate() {
        let earlier = pairs
            .iter()
            .find(|(_, n)| *n == index)
            .map(|(b, _)| before[*b]);
        let change = match earlier {
            None => IndicatorChange::Added,
            Some(earlier) => change(earlier, indicator, last.year, this.year),
        };
        indicators.push(row(indicator, earlier, change));
    }
    for (index, dropped) in before.iter().enumerate() {
        if !pairs.iter().any(|(b, _)| *b == index) {
            let mut dropped_row = row(dropped, Some(dropped), IndicatorChange::Dropped);
            dropped_row.this = None;
            dropped_row.cell = String::new();
            indicators.push(dropped_row);
        }
    }
    LastYear {
        project_id: last_id,
        year: last.year,
        source: last.source.clone(),
        stored_batch: batch,
        annual_total: last.funds.annual_total.or(last.funds.total),
        indicators,
    }
}

/// A form's real annual indicators.
fn annual(project: &Project) -> Vec<&Indicator> {
    project
        .indicators
        .iter()
        .filter(|i| !i.is_placeholder() && i.normalized.is_some())
        .filter(|i| i.block == Block::Annual)
        .collect()
}

fn row(this: &Indicator, last: Option<&Indicator>, change: IndicatorChange) -> YearChange {
    let n = this.normalized.as_ref();
    YearChange {
        level1: n.map_or(this.level1.clone(), |n| n.level1.clone()),
        level2: n.map_or(this.level2.clone(), |n| n.level2.clone()),
        level3: this.level3.clone(),
        last: last.map(|l| l.value.clone()),
        this: Some(this.value.clone()),
        change,
        cell: this.value_cell.clone(),
    }
}

/// How a target changed from last year's to this year's.
fn change(
    last: &Indicator,
    this: &Indicator,
    last_year: Option<i32>,
    this_year: Option<i32>,
) -> IndicatorChange {
    let (Some(a), Some(b)) = (last.normalized.as_ref(), this.normalized.as_ref()) else {
        return IndicatorChange::Changed;
    };
    let (a, b) = (&a.measure, &b.measure);
    if same_meaning(a, b) {
        return IndicatorChange::Same;
    }
    // A deadline within the budget year: compared by its place in the year (the 11th month of
    // 2024 against the 12th of 2025 is a month later).
    if let (Some(x), Some(y)) = (
        deadline_in(&last.value, last_year),
        deadline_in(&this.value, this_year),
    ) {
        let place = |date: crate::model::Date, year: Option<i32>| {
            let shift = i64::from(date.year() - year.unwrap_or(date.year()));
            (shift * 12 + i64::from(date.month()), date.day())
        };
        let (x, y) = (place(x, last_year), place(y, this_year));
        return match y.cmp(&x) {
            std::cmp::Ordering::Greater => IndicatorChange::Eased,
            std::cmp::Ordering::Less => IndicatorChange::Tightened,
            std::cmp::Ordering::Equal => IndicatorChange::Same,
        };
    }
    let quantitative = a.kind == MeasureKind::Quantitative && b.kind == MeasureKind::Quantitative;
    let same_unit = match (&a.unit, &b.unit) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    };
    let (Some(x), Some(y), true, true) = (a.number, b.number, quantitative, same_unit) else {
        return IndicatorChange::Changed;
    };
    // An upper bound ("≤", "<", or a cost or a decrease written as a plain number) is eased
    // upwards; anything else ("≥", ">", "=", a plain number) downwards.
    let upper = |m: &crate::model::Measure| {
        matches!(m.comparator, Some(Comparator::AtMost | Comparator::Below))
            || (matches!(m.comparator, None | Some(Comparator::Equal))
                && matches!(m.direction, Some(Direction::Decrease | Direction::Within)))
    };
    let eased = if upper(a) && upper(b) {
        y > x
    } else if !upper(a) && !upper(b) {
        y < x
    } else {
        return IndicatorChange::Changed;
    };
    if eased {
        IndicatorChange::Eased
    } else if x == y {
        IndicatorChange::Changed
    } else {
        IndicatorChange::Tightened
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::Normalizer;

    fn form(year: i32, rows: &[(&str, &str, &str)]) -> Project {
        let mut p = Project {
            year: Some(year),
            project_name: "社区服务".into(),
            department: "某区民政局".into(),
            indicators: rows
                .iter()
                .map(|(level2, level3, value)| Indicator {
                    level1: "产出指标".into(),
                    level2: (*level2).into(),
                    level3: (*level3).into(),
                    value: (*value).into(),
                    value_cell: "E12".into(),
                    ..Indicator::default()
                })
                .collect(),
            ..Project::default()
        };
        Normalizer::builtin().normalize(&mut p);
        p
    }

    #[test]
    fn targets_are_compared_with_last_years_by_meaning() {
        let last = form(
            2024,
            &[
                ("数量指标", "服务人次", "≥1000人次"),
                ("成本指标", "人均成本", "≤50元"),
                ("时效指标", "完成时间", "2024年11月底前"),
                ("质量指标", "合格率", "≥95%"),
                ("数量指标", "培训场次", "≥10场"),
            ],
        );
        let this = form(
            2025,
            &[
                ("数量指标", "服务人次", "≥800人次"),
                ("成本指标", "人均成本", "≤60元"),
                ("时效指标", "完成时间", "2025年12月底前"),
                ("质量指标", "合格率", "95%以上"),
                ("满意度指标", "满意度", "≥90%"),
            ],
        );
        let compared = compare(&this, &last, 3, "2024-x".into());
        let changes: Vec<(&str, IndicatorChange)> = compared
            .indicators
            .iter()
            .map(|c| (c.level3.as_str(), c.change))
            .collect();
        assert_eq!(
            changes,
            [
                ("服务人次", IndicatorChange::Eased),
                ("人均成本", IndicatorChange::Eased),
                ("完成时间", IndicatorChange::Eased),
                ("合格率", IndicatorChange::Same),
                ("满意度", IndicatorChange::Added),
                ("培训场次", IndicatorChange::Dropped),
            ]
        );
        assert_eq!(compared.stored_batch, 3);
        // The other way round the same targets were made harder.
        let back = compare(&last, &this, 3, "2025-x".into());
        assert_eq!(back.indicators[0].change, IndicatorChange::Tightened);
        assert_eq!(back.indicators[2].change, IndicatorChange::Tightened);
    }
}
