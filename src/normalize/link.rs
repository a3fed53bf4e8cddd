//! Holding a self-evaluation or a monitoring form against the target form that was approved for
//! the same project (项目编码 and 年度, else 年度, 主管部门 and 项目名称): per indicator (matched by
//! level names and normalized 三级指标 wording) the approved 指标值, the 年度指标值 the later form
//! states, and the 实际完成值 — and the findings a finance reviewer looks for: a target changed
//! after approval (compared by meaning, so "≥95%" and "95%以上" agree), an indicator dropped or
//! added, and, at the end of the year only, a target not achieved (a monitoring form's figures
//! are the year's so far).

use crate::model::{
    Block, Comparator, Comparison, FormKind, Indicator, Measure, MeasureKind, Project, Source,
    TargetLink, Warning, WarningCode,
};

/// The codes of the findings (a self-evaluation linked twice gets them afresh).
pub const CODES: [WarningCode; 4] = [
    WarningCode::TargetChanged,
    WarningCode::IndicatorDropped,
    WarningCode::IndicatorAdded,
    WarningCode::NotAchieved,
];

/// Links a normalized self-evaluation or monitoring form to its normalized target form
/// (`project_id` is the target's id): fills the target and the comparison of its section
/// (`evaluation` or `monitoring`), and adds each finding as a warning on the form.
pub fn link(evaluation: &mut Project, target: &Project, project_id: String) {
    evaluation.warnings.retain(|w| !CODES.contains(&w.code));
    let year_end = evaluation.kind != FormKind::Monitoring;
    let (stage, form) = if year_end {
        ("自评", "自评表")
    } else {
        ("监控", "监控表")
    };
    // The approved annual targets: a form with 中期 and 年度 indicators is held to its 年度 ones.
    let approved: Vec<&Indicator> = target
        .indicators
        .iter()
        .filter(|i| !i.is_placeholder() && i.normalized.is_some())
        .filter(|i| i.block == Block::Annual)
        .collect();
    let claimed: Vec<&Indicator> = evaluation
        .indicators
        .iter()
        .filter(|i| !i.is_placeholder() && i.normalized.is_some())
        .collect();
    let pairs = match_indicators(&approved, &claimed);
    let mut rows = Vec::new();
    let mut warnings = Vec::new();
    let mut warn = |code, message: String, cell: &str| {
        warnings.push(Warning {
            code,
            message,
            cell: (!cell.is_empty()).then(|| cell.to_owned()),
        });
    };
    for (claimed_index, claimed) in claimed.iter().enumerate() {
        let approved = pairs
            .iter()
            .find(|(_, c)| *c == claimed_index)
            .map(|(a, _)| approved[*a]);
        let mut findings = Vec::new();
        let name = &claimed.level3;
        let cell = &claimed.value_cell;
        match approved {
            None => {
                findings.push(WarningCode::IndicatorAdded);
                warn(
                    WarningCode::IndicatorAdded,
                    format!("“{name}”不在批复的绩效目标表中，是{stage}时新增的指标"),
                    cell,
                );
            }
            Some(approved) => {
                if let Some(change) = changed(approved, claimed) {
                    findings.push(WarningCode::TargetChanged);
                    warn(
                        WarningCode::TargetChanged,
                        format!("“{name}”的年度指标值{change}"),
                        cell,
                    );
                }
                let reached = match (measure(approved), actual(claimed)) {
                    (Some(goal), Some(got)) if year_end => super::evaluation::achieved(goal, got),
                    _ => None,
                };
                if reached == Some(false) {
                    findings.push(WarningCode::NotAchieved);
                    warn(
                        WarningCode::NotAchieved,
                        format!(
                            "“{name}”实际完成值“{}”未达到批复的年度指标值“{}”",
                            claimed.actual.as_deref().unwrap_or(""),
                            approved.value
                        ),
                        &claimed.actual_cell,
                    );
                }
            }
        }
        rows.push(comparison(claimed, approved, findings));
    }
    for (approved_index, dropped) in approved.iter().enumerate() {
        if pairs.iter().any(|(a, _)| *a == approved_index) {
            continue;
        }
        warn(
            WarningCode::IndicatorDropped,
            format!(
                "批复的指标“{}”（年度指标值“{}”）在{form}中没有",
                dropped.level3, dropped.value
            ),
            "",
        );
        let mut row = comparison(dropped, Some(dropped), vec![WarningCode::IndicatorDropped]);
        row.claimed = None;
        row.actual = None;
        rows.push(row);
    }
    evaluation.warnings.extend(warnings);
    if let Some((link, comparison)) = evaluation.link_slots_mut() {
        *link = Some(TargetLink {
            project_id,
            source: Source::clone(&target.source),
            stored_batch: None,
        });
        *comparison = rows;
    }
}

fn comparison(
    claimed: &Indicator,
    approved: Option<&Indicator>,
    findings: Vec<WarningCode>,
) -> Comparison {
    let n = claimed.normalized.as_ref();
    Comparison {
        level1: n.map_or(claimed.level1.clone(), |n| n.level1.clone()),
        level2: n.map_or(claimed.level2.clone(), |n| n.level2.clone()),
        level3: claimed.level3.clone(),
        approved: approved.map(|a| a.value.clone()),
        claimed: Some(claimed.value.clone()),
        actual: claimed.actual.clone(),
        findings,
        cell: claimed.value_cell.clone(),
    }
}

/// Pairs of (approved index, claimed index): first by all three level names, then what is left
/// by the 三级指标 wording alone.
pub fn match_indicators(approved: &[&Indicator], claimed: &[&Indicator]) -> Vec<(usize, usize)> {
    let full = |i: &Indicator| {
        let n = i.normalized.as_ref();
        (
            n.map_or(String::new(), |n| n.level1.clone()),
            n.map_or(String::new(), |n| n.level2.clone()),
            wording(i),
        )
    };
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    for pass in 0..2 {
        for (c, claimed) in claimed.iter().enumerate() {
            if pairs.iter().any(|(_, pc)| *pc == c) {
                continue;
            }
            let found = approved.iter().enumerate().find(|(a, approved)| {
                !pairs.iter().any(|(pa, _)| pa == a)
                    && if pass == 0 {
                        full(approved) == full(claimed)
                    } else {
                        wording(approved) == wording(claimed)
                    }
            });
            if let Some((a, _)) = found {
                pairs.push((a, c));
            }
        }
    }
    pairs
}

/// The 三级指标 as compared: canonical, without spaces and punctuation.
fn wording(indicator: &Indicator) -> String {
    let text = indicator
        .normalized
        .as_ref()
        .map_or(indicator.level3.as_str(), |n| n.level3.as_str());
    text.chars().filter(|c| c.is_alphanumeric()).collect()
}

fn measure(indicator: &Indicator) -> Option<&Measure> {
    indicator.normalized.as_ref().map(|n| &n.measure)
}

fn actual(indicator: &Indicator) -> Option<&Measure> {
    indicator.normalized.as_ref()?.actual.as_ref()
}

/// How the claimed 年度指标值 differs in meaning from the approved one, in words, or `None`.
fn changed(approved: &Indicator, claimed: &Indicator) -> Option<String> {
    let (a, c) = (measure(approved)?, measure(claimed)?);
    if same_meaning(a, c) {
        return None;
    }
    let verb = match (a.number, c.number, upward(a) && upward(c)) {
        (Some(x), Some(y), true) if y < x => "降为",
        (Some(x), Some(y), true) if y > x => "提高为",
        _ => "改为",
    };
    Some(format!(
        "由批复的“{}”{verb}“{}”",
        approved.value, claimed.value
    ))
}

/// True for a target to reach from below (≥, >, or a plain number that is not an upper bound).
fn upward(m: &Measure) -> bool {
    matches!(
        m.comparator,
        None | Some(Comparator::AtLeast | Comparator::Above | Comparator::Equal)
    )
}

/// True when two 指标值 mean the same: the same numbers and unit with compatible comparators ("="
/// agrees with any; ≥ with >; ≤ with <), or the same words.
pub fn same_meaning(a: &Measure, b: &Measure) -> bool {
    match (a.kind, b.kind) {
        (MeasureKind::Quantitative, MeasureKind::Quantitative) => {
            let units = match (&a.unit, &b.unit) {
                (Some(x), Some(y)) => x == y,
                _ => true,
            };
            units && a.number == b.number && a.upper == b.upper && compatible(a, b)
        }
        (MeasureKind::None, MeasureKind::None) => true,
        _ => plain(&a.raw) == plain(&b.raw),
    }
}

fn compatible(a: &Measure, b: &Measure) -> bool {
    use Comparator::*;
    let class = |c: Option<Comparator>| match c {
        None | Some(Equal) => 0,
        Some(AtLeast | Above) => 1,
        Some(AtMost | Below) => 2,
        Some(Between) => 3,
    };
    let (x, y) = (class(a.comparator), class(b.comparator));
    x == y || x == 0 || y == 0
}

fn plain(text: &str) -> String {
    crate::text::fold_width(text)
        .chars()
        .filter(|c| !crate::text::is_space(*c))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::Normalizer;

    fn indicator(level2: &str, level3: &str, value: &str, actual: Option<&str>) -> Indicator {
        Indicator {
            level1: "产出指标".into(),
            level2: level2.into(),
            level3: level3.into(),
            value: value.into(),
            actual: actual.map(str::to_owned),
            value_cell: "E13".into(),
            actual_cell: "F13".into(),
            ..Indicator::default()
        }
    }

    #[test]
    fn a_lowered_target_a_dropped_indicator_and_a_shortfall_are_found() {
        let normalizer = Normalizer::builtin();
        let mut target = Project {
            indicators: vec![
                indicator("数量指标", "清扫保洁面积", "≥320万平方米", None),
                indicator("质量指标", "机械化清扫率", "≥80%", None),
                indicator("质量指标", "垃圾清运率", "100%", None),
            ],
            ..Project::default()
        };
        let mut evaluation = Project {
            kind: crate::model::FormKind::SelfEvaluation,
            evaluation: Some(Default::default()),
            indicators: vec![
                // "320万平方米以上" means what "≥320万平方米" means.
                indicator(
                    "数量指标",
                    "清扫保洁面积",
                    "320万平方米以上",
                    Some("328万平方米"),
                ),
                // Lowered from ≥80% to ≥75%, and 76% misses what was approved.
                indicator("质量指标", "机械化清扫率", "≥75%", Some("76%")),
                indicator("质量指标", "公厕保洁率", "100%", Some("100%")),
            ],
            ..Project::default()
        };
        normalizer.normalize(&mut target);
        normalizer.normalize(&mut evaluation);
        link(&mut evaluation, &target, "2023-x".into());
        let codes: Vec<(WarningCode, &str)> = evaluation
            .warnings
            .iter()
            .map(|w| (w.code, w.message.as_str()))
            .collect();
        let found = |code| codes.iter().filter(|(c, _)| *c == code).count();
        assert_eq!(found(WarningCode::TargetChanged), 1, "{codes:?}");
        assert!(
            codes.iter().any(|(_, m)| m.contains("降为“≥75%”")),
            "{codes:?}"
        );
        assert_eq!(found(WarningCode::NotAchieved), 1, "{codes:?}");
        assert_eq!(found(WarningCode::IndicatorAdded), 1, "{codes:?}");
        assert_eq!(found(WarningCode::IndicatorDropped), 1, "{codes:?}");
        let e = evaluation.evaluation.as_ref().unwrap();
        assert_eq!(e.target.as_ref().unwrap().project_id, "2023-x");
        assert_eq!(e.comparison.len(), 4);
        assert_eq!(e.comparison[0].findings, []);
        assert_eq!(e.comparison[0].approved.as_deref(), Some("≥320万平方米"));
    }

    #[test]
    fn a_monitoring_form_is_held_to_its_targets_but_not_yet_to_reaching_them() {
        let normalizer = Normalizer::builtin();
        let mut target = Project {
            indicators: vec![
                indicator("数量指标", "检查井维修数量", "1200座", None),
                indicator("数量指标", "管网清疏长度", "380公里", None),
                indicator("质量指标", "验收合格率", "100%", None),
            ],
            ..Project::default()
        };
        let mut monitoring = Project {
            kind: FormKind::Monitoring,
            department: "成都市水务局".into(),
            monitoring: Some(Default::default()),
            indicators: vec![
                indicator("数量指标", "检查井维修数量", "1000座", Some("610座")),
                // 236 of 380 by July: on the way, not a shortfall.
                indicator("数量指标", "管网清疏长度", "380公里", Some("236公里")),
            ],
            ..Project::default()
        };
        normalizer.normalize(&mut target);
        normalizer.normalize(&mut monitoring);
        link(&mut monitoring, &target, "2025-x".into());
        let codes: Vec<(WarningCode, &str)> = monitoring
            .warnings
            .iter()
            .map(|w| (w.code, w.message.as_str()))
            .collect();
        assert_eq!(
            codes,
            [
                (
                    WarningCode::TargetChanged,
                    "“检查井维修数量”的年度指标值由批复的“1200座”降为“1000座”"
                ),
                (
                    WarningCode::IndicatorDropped,
                    "批复的指标“验收合格率”（年度指标值“100%”）在监控表中没有"
                ),
            ]
        );
        let m = monitoring.monitoring.as_ref().unwrap();
        assert_eq!(m.target.as_ref().unwrap().project_id, "2025-x");
        assert_eq!(m.comparison.len(), 3);
        assert_eq!(monitoring.comparison().len(), 3);
    }
}
