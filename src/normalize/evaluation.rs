//! Checks of a self-evaluation's arithmetic, as a reviewer would make them by hand: does each
//! 执行率 follow from its figures, the funds' 得分 from the 执行率, the 总分 from the 得分; do the
//! 分值 add up to 100; is a shortfall explained; is a target exceeded so far that it was set too
//! low. Also the grade (优 良 中 差) from the total score. Thresholds are data (`[evaluation]` in
//! the dictionary).

use rust_decimal::Decimal;

use crate::model::{
    Comparator, Direction, Evaluation, EvaluationFunds, FundLine, Indicator, Measure, MeasureKind,
    Project, Warning, WarningCode,
};

/// The thresholds of the checks and the grade.
#[derive(Debug, Clone)]
pub struct EvaluationRules {
    /// Grades from the highest: a total score at or above the bound gets the grade.
    pub grades: Vec<(String, Decimal)>,
    /// An 实际完成值 at or above this many times its target is `over_achievement`.
    pub over_achievement: Decimal,
    /// The score a form's 分值 add up to.
    pub full_score: Decimal,
}

impl Default for EvaluationRules {
    fn default() -> Self {
        EvaluationRules {
            grades: Vec::new(),
            over_achievement: Decimal::new(15, 1),
            full_score: Decimal::ONE_HUNDRED,
        }
    }
}

impl EvaluationRules {
    /// The grade of a total score.
    pub fn grade(&self, score: Decimal) -> Option<&str> {
        self.grades
            .iter()
            .find(|(_, min)| score >= *min)
            .map(|(grade, _)| grade.as_str())
    }
}

/// The warning codes these checks give (removed and given afresh on every run).
pub const CODES: [WarningCode; 7] = [
    WarningCode::RateMismatch,
    WarningCode::FundScoreMismatch,
    WarningCode::ScoreExceedsWeight,
    WarningCode::WeightsNot100,
    WarningCode::TotalScoreMismatch,
    WarningCode::MissingDeviation,
    WarningCode::OverAchievement,
];

/// The warnings a self-evaluation's checks give, and its grade.
pub fn check(project: &Project, rules: &EvaluationRules) -> (Vec<Warning>, Option<String>) {
    let Some(evaluation) = &project.evaluation else {
        return (Vec::new(), None);
    };
    check_parts(evaluation, &project.indicators, &project.cells, rules)
}

/// The checks of a self-evaluation of any kind (a project's or a department's): its budget
/// execution, its indicators' scores and the 总分, and its grade.
pub fn check_parts(
    evaluation: &Evaluation,
    indicators: &[Indicator],
    cells: &std::collections::BTreeMap<String, String>,
    rules: &EvaluationRules,
) -> (Vec<Warning>, Option<String>) {
    let mut warnings = Vec::new();
    let cell = |key: String| cells.get(&key).cloned();
    let mut warn = |code, message: String, cell: Option<String>| {
        warnings.push(Warning {
            code,
            message,
            cell,
        });
    };
    let lines = funds_lines(&evaluation.funds, &evaluation.other_lines, "evaluation");
    for (label, path, line) in &lines {
        if let Some(mismatch) = rate_mismatch(label, path, line, cells) {
            warn(mismatch.code, mismatch.message, mismatch.cell);
        }
        if let (Some(weight), Some(score)) = (line.weight, line.score) {
            if score > weight {
                warn(
                    WarningCode::ScoreExceedsWeight,
                    format!("“{label}”得分 {score} 超过分值 {weight}"),
                    cell(format!("{path}.score")),
                );
            } else if let Some(ratio) =
                execution_ratio(line).or(line.rate.as_ref().map(|r| r.fraction))
            {
                let expected = ratio.min(Decimal::ONE) * weight;
                if (expected - score).abs() > last_place(score) {
                    warn(
                        WarningCode::FundScoreMismatch,
                        format!(
                            "“{label}”得分 {score}，按执行率 {}% × 分值 {weight} 应为 {}",
                            percent(ratio),
                            expected.round_dp(2).normalize()
                        ),
                        cell(format!("{path}.score")),
                    );
                }
            }
        }
    }
    for indicator in indicators.iter().filter(|i| !i.is_placeholder()) {
        check_indicator(indicator, rules, &mut warn);
    }
    let fund_weight = evaluation.funds.total.as_ref().and_then(|l| l.weight);
    let fund_score = evaluation.funds.total.as_ref().and_then(|l| l.score);
    let weights: Vec<Decimal> = indicators.iter().filter_map(|i| i.weight).collect();
    let scores: Vec<Decimal> = indicators.iter().filter_map(|i| i.score).collect();
    // Only a form with its budget execution can be held to 100 points (an export of the
    // indicators alone leaves the budget's points out).
    let has_budget = evaluation.funds != Default::default() || !evaluation.other_lines.is_empty();
    if has_budget && (fund_weight.is_some() || !weights.is_empty()) {
        let sum = fund_weight.unwrap_or_default() + weights.iter().sum::<Decimal>();
        if sum != rules.full_score {
            warn(
                WarningCode::WeightsNot100,
                format!(
                    "资金与各指标分值合计 {} 分，不是 {} 分",
                    sum.normalize(),
                    rules.full_score
                ),
                None,
            );
        }
    }
    let indicator_sum: Decimal = scores.iter().sum();
    if let Some(written) = evaluation.indicator_score
        && !scores.is_empty()
        && (written - indicator_sum).abs() > last_place(written)
    {
        warn(
            WarningCode::TotalScoreMismatch,
            format!(
                "指标得分合计写作 {written}，各指标得分相加为 {}",
                indicator_sum.normalize()
            ),
            cell("evaluation.indicator_score".into()),
        );
    }
    if let (Some(total), false) = (evaluation.total_score, evaluation.total_score_computed) {
        let sum = fund_score.unwrap_or_default() + indicator_sum;
        if (fund_score.is_some() || !scores.is_empty()) && (total - sum).abs() > last_place(total) {
            warn(
                WarningCode::TotalScoreMismatch,
                format!(
                    "总分写作 {total}，资金得分与各指标得分相加为 {}",
                    sum.normalize()
                ),
                cell("evaluation.total_score".into()),
            );
        }
    }
    let grade = evaluation
        .total_score
        .and_then(|s| rules.grade(s))
        .map(str::to_owned);
    (warnings, grade)
}

fn check_indicator(
    indicator: &Indicator,
    rules: &EvaluationRules,
    warn: &mut impl FnMut(WarningCode, String, Option<String>),
) {
    let name = &indicator.level3;
    let at = |cell: &str| (!cell.is_empty()).then(|| cell.to_owned());
    let cell = at(&indicator.actual_cell).or_else(|| at(&indicator.value_cell));
    if let (Some(weight), Some(score)) = (indicator.weight, indicator.score)
        && score > weight
    {
        warn(
            WarningCode::ScoreExceedsWeight,
            format!("“{name}”得分 {score} 超过分值 {weight}"),
            cell.clone(),
        );
    }
    let normalized = indicator.normalized.as_ref();
    let reached = normalized.and_then(|n| achieved(&n.measure, n.actual.as_ref()?));
    let lost_points = matches!((indicator.weight, indicator.score), (Some(w), Some(s)) if s < w);
    let explained = indicator
        .deviation
        .as_deref()
        .is_some_and(|d| !d.trim().is_empty());
    if (lost_points || reached == Some(false)) && !explained {
        let why = if lost_points {
            format!(
                "得分 {} 低于分值 {}",
                indicator.score.unwrap_or_default(),
                indicator.weight.unwrap_or_default()
            )
        } else {
            format!(
                "实际完成值“{}”未达到年度指标值“{}”",
                indicator.actual.as_deref().unwrap_or(""),
                indicator.value
            )
        };
        warn(
            WarningCode::MissingDeviation,
            format!("“{name}”{why}，但未填写偏差原因"),
            cell.clone(),
        );
    }
    if let Some(n) = normalized
        && let Some(actual) = &n.actual
        && let Some(times) = exceeded(&n.measure, actual, rules.over_achievement)
    {
        warn(
            WarningCode::OverAchievement,
            format!(
                "“{name}”实际完成值“{}”是年度指标值“{}”的 {times} 倍，目标可能定得偏低",
                indicator.actual.as_deref().unwrap_or(""),
                indicator.value
            ),
            cell,
        );
    }
}

/// Whether an actual value reaches a target, by the structured values: `None` when that cannot
/// be told (words, different units). A target with no comparator or "=" is reached from below
/// ("320万平方米" by 328), unless it is an upper bound (控制在…, a decrease).
pub fn achieved(target: &Measure, actual: &Measure) -> Option<bool> {
    let (goal, got) = comparable(target, actual)?;
    let upper_bound = matches!(
        target.direction,
        Some(Direction::Decrease | Direction::Within)
    );
    Some(match target.comparator.unwrap_or(Comparator::Equal) {
        Comparator::AtLeast => got >= goal,
        Comparator::Above => got > goal,
        Comparator::AtMost => got <= goal,
        Comparator::Below => got < goal,
        Comparator::Equal if upper_bound => got <= goal,
        Comparator::Equal => got >= goal,
        Comparator::Between => got >= goal && target.upper.is_none_or(|u| got <= u),
    })
}

/// How many times its target a "reach at least" actual value is, when at or above `ratio`.
fn exceeded(target: &Measure, actual: &Measure, ratio: Decimal) -> Option<Decimal> {
    let (goal, got) = comparable(target, actual)?;
    let upward = matches!(
        target.comparator,
        Some(Comparator::AtLeast | Comparator::Above | Comparator::Equal) | None
    ) && !matches!(
        target.direction,
        Some(Direction::Decrease | Direction::Within)
    );
    // Rates and satisfactions cannot be far exceeded; a target of 0 has no ratio.
    if !upward || goal <= Decimal::ZERO || target.unit.as_deref() == Some("%") {
        return None;
    }
    let times = got / goal;
    (times >= ratio).then(|| times.round_dp(1).normalize())
}

/// The two numbers when both values are quantitative in the same unit (or one states none).
fn comparable(target: &Measure, actual: &Measure) -> Option<(Decimal, Decimal)> {
    if target.kind != MeasureKind::Quantitative || actual.kind != MeasureKind::Quantitative {
        return None;
    }
    match (&target.unit, &actual.unit) {
        (Some(a), Some(b)) if a != b => return None,
        _ => {}
    }
    Some((target.number?, actual.number?))
}

/// `rate_mismatch` when a line's 执行率 is not its 执行数 ÷ 全年预算数 to the places written (a
/// self-evaluation's or a monitoring form's line; `path` is the key its cells are recorded under).
pub fn rate_mismatch(
    label: &str,
    path: &str,
    line: &FundLine,
    cells: &std::collections::BTreeMap<String, String>,
) -> Option<Warning> {
    let (rate, ratio) = (line.rate.as_ref()?, execution_ratio(line)?);
    let unit = Decimal::new(1, rate.places);
    ((ratio - rate.fraction).abs() > unit).then(|| Warning {
        code: WarningCode::RateMismatch,
        message: format!(
            "“{label}”执行率写作 {}，按执行数 {} ÷ 全年预算数 {} 应为 {}%",
            rate.written,
            shown(line.executed),
            shown(line.adjusted),
            percent(ratio)
        ),
        cell: cells.get(&format!("{path}.rate")).cloned(),
    })
}

/// 执行数 / 全年预算数, when both are there.
pub fn execution_ratio(line: &FundLine) -> Option<Decimal> {
    let (executed, adjusted) = (line.executed?, line.adjusted?);
    (!adjusted.is_zero()).then(|| executed / adjusted)
}

/// One unit in the last decimal place written, at least 0.01.
fn last_place(value: Decimal) -> Decimal {
    Decimal::new(1, value.scale().max(2))
}

/// A fraction as a percentage to two places (0.58333 → 58.33).
pub fn percent(ratio: Decimal) -> Decimal {
    (ratio * Decimal::ONE_HUNDRED).round_dp(2).normalize()
}

fn shown(amount: Option<Decimal>) -> String {
    amount.map_or_else(|| "（空）".to_owned(), |a| a.normalize().to_string())
}

/// Every execution line with its label and the key its cells are recorded under
/// (`{section}.funds.total`, `{section}.other_lines.单位资金`).
pub fn funds_lines<'a>(
    funds: &'a EvaluationFunds,
    other_lines: &'a indexmap::IndexMap<String, FundLine>,
    section: &str,
) -> Vec<(String, String, &'a FundLine)> {
    let named = EvaluationFunds::KEYS.into_iter().filter_map(|key| {
        let line = funds.get(key)?;
        Some((
            EvaluationFunds::label(key).to_owned(),
            format!("{section}.funds.{key}"),
            line,
        ))
    });
    let others = other_lines.iter().map(|(label, line)| {
        (
            label.clone(),
            format!("{section}.other_lines.{label}"),
            line,
        )
    });
    named.chain(others).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measure(kind: MeasureKind, comparator: Option<Comparator>, number: &str) -> Measure {
        Measure {
            kind,
            comparator,
            number: Some(number.parse().unwrap()),
            ..Measure::default()
        }
    }

    #[test]
    fn targets_are_reached_by_their_comparator_and_direction() {
        let q = MeasureKind::Quantitative;
        let actual = measure(q, None, "118");
        assert_eq!(
            achieved(&measure(q, Some(Comparator::AtLeast), "120"), &actual),
            Some(false)
        );
        assert_eq!(
            achieved(&measure(q, Some(Comparator::Equal), "100"), &actual),
            Some(true)
        );
        let cost = Measure {
            direction: Some(Direction::Within),
            ..measure(q, Some(Comparator::Equal), "100")
        };
        assert_eq!(achieved(&cost, &actual), Some(false));
        assert_eq!(
            achieved(&measure(q, Some(Comparator::AtMost), "120"), &actual),
            Some(true)
        );
        let words = Measure {
            kind: MeasureKind::Qualitative,
            ..Measure::default()
        };
        assert_eq!(achieved(&words, &actual), None);
    }

    #[test]
    fn grades_follow_the_thresholds() {
        let rules = EvaluationRules {
            grades: vec![
                ("优".into(), Decimal::from(90)),
                ("良".into(), Decimal::from(80)),
                ("中".into(), Decimal::from(60)),
                ("差".into(), Decimal::ZERO),
            ],
            ..EvaluationRules::default()
        };
        let grade = |s: &str| rules.grade(s.parse().unwrap()).unwrap().to_owned();
        assert_eq!(grade("97.88"), "优");
        assert_eq!(grade("90"), "优");
        assert_eq!(grade("89.99"), "良");
        assert_eq!(grade("80"), "良");
        assert_eq!(grade("79.99"), "中");
        assert_eq!(grade("59.99"), "差");
    }
}
