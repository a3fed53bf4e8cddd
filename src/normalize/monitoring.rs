//! Checks of a mid-year monitoring form (绩效运行监控表), as a finance reviewer makes them in July:
//! does each 执行率 follow from its figures; does spending trail the share of the year gone (序时进度)
//! by more than the threshold; is more expected to be spent than the budget holds; is every
//! indicator rated at risk (有可能 / 完全不可能) explained. Also the 序时进度 itself and the canonical
//! 完成目标可能性. Thresholds and words are data (`[monitoring]` in the dictionary).

use rust_decimal::Decimal;

use super::evaluation::{execution_ratio, funds_lines, percent, rate_mismatch};
use crate::model::{LIKELIHOODS, Monitoring, Project, TimeProgress, Warning, WarningCode};
use crate::text::fold_label;

/// The threshold and the words of the monitoring checks.
#[derive(Debug, Clone)]
pub struct MonitoringRules {
    /// A line is behind schedule when its rate trails 序时进度 by more than this many percentage
    /// points.
    pub behind_schedule_points: Decimal,
    /// Ways forms write 完成目标可能性, folded, with the canonical word.
    pub likelihood: Vec<(String, &'static str)>,
}

impl Default for MonitoringRules {
    fn default() -> Self {
        MonitoringRules {
            behind_schedule_points: Decimal::TEN,
            likelihood: LIKELIHOODS.iter().map(|w| ((*w).to_owned(), *w)).collect(),
        }
    }
}

impl MonitoringRules {
    /// The canonical 完成目标可能性 of a written one (确定能 / 有可能 / 完全不可能), if known.
    pub fn likelihood(&self, written: &str) -> Option<&'static str> {
        let folded = fold_label(written);
        self.likelihood
            .iter()
            .find(|(variant, _)| *variant == folded)
            .map(|(_, canonical)| *canonical)
    }

    /// Adds ways to write a canonical 完成目标可能性; the error names an unknown canonical word.
    pub fn add_likelihood(&mut self, canonical: &str, variants: &[String]) -> Result<(), String> {
        let canonical = LIKELIHOODS
            .into_iter()
            .find(|w| *w == canonical.trim())
            .ok_or_else(|| {
                format!(
                    "完成目标可能性应为 {}，而不是“{canonical}”",
                    LIKELIHOODS.join("、")
                )
            })?;
        for variant in variants {
            let folded = fold_label(variant);
            if !folded.is_empty() && self.likelihood(&folded).is_none() {
                self.likelihood.push((folded, canonical));
            }
        }
        Ok(())
    }
}

/// The warning codes these checks give (removed and given afresh on every run; `rate_mismatch`
/// is the self-evaluation's).
pub const CODES: [WarningCode; 3] = [
    WarningCode::BehindSchedule,
    WarningCode::AtRiskWithoutReason,
    WarningCode::ExpectedExceedsBudget,
];

/// Completes a monitoring form (序时进度, canonical 完成目标可能性) and returns its warnings.
pub fn normalize(project: &mut Project, rules: &MonitoringRules) -> Vec<Warning> {
    let Some(monitoring) = &mut project.monitoring else {
        return Vec::new();
    };
    monitoring.time_progress = monitoring
        .through_month
        .filter(|m| (1..=12).contains(m))
        .map(TimeProgress::through);
    for indicator in &mut project.indicators {
        if let Some(canonical) = indicator
            .likelihood
            .as_deref()
            .and_then(|l| rules.likelihood(l))
        {
            indicator.likelihood = Some(canonical.to_owned());
        }
    }
    let Some(monitoring) = &project.monitoring else {
        return Vec::new();
    };
    let mut warnings = funds_warnings(monitoring, &project.cells, rules);
    for indicator in project.indicators.iter().filter(|i| !i.is_placeholder()) {
        let at_risk = indicator
            .likelihood
            .as_deref()
            .is_some_and(|l| !l.trim().is_empty() && l != LIKELIHOODS[0]);
        let explained = indicator
            .deviation
            .as_deref()
            .is_some_and(|d| !d.trim().is_empty());
        if at_risk && !explained {
            warnings.push(Warning {
                code: WarningCode::AtRiskWithoutReason,
                message: format!(
                    "“{}”完成目标可能性为“{}”，但未填写偏差原因",
                    indicator.level3,
                    indicator.likelihood.as_deref().unwrap_or("")
                ),
                cell: Some(indicator.cell.clone()).filter(|c| !c.is_empty()),
            });
        }
    }
    warnings
}

/// The execution lines' checks: 执行率 against its figures, against 序时进度, and 全年预计执行数
/// against the budget.
fn funds_warnings(
    monitoring: &Monitoring,
    cells: &std::collections::BTreeMap<String, String>,
    rules: &MonitoringRules,
) -> Vec<Warning> {
    let cell = |key: String| cells.get(&key).cloned();
    let mut warnings = Vec::new();
    for (label, path, line) in funds_lines(&monitoring.funds, &monitoring.other_lines, "monitoring")
    {
        warnings.extend(rate_mismatch(&label, &path, line, cells));
        if let Some(progress) = monitoring.time_progress {
            let computed = execution_ratio(line);
            let written = line.rate.as_ref().map(|r| r.fraction);
            let lower = match (computed, written) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            if let Some(lower) = lower {
                let behind = (progress.fraction - lower) * Decimal::ONE_HUNDRED;
                if behind > rules.behind_schedule_points {
                    warnings.push(Warning {
                        code: WarningCode::BehindSchedule,
                        message: format!(
                            "“{label}”执行率 {}% 低于序时进度 {}%（截至 {} 月）{} 个百分点，超过 {} 个百分点",
                            percent(lower),
                            percent(progress.fraction),
                            monitoring.through_month.unwrap_or_default(),
                            behind.round_dp(2).normalize(),
                            rules.behind_schedule_points.normalize()
                        ),
                        cell: cell(format!("{path}.rate")).or_else(|| cell(format!("{path}.executed"))),
                    });
                }
            }
        }
        if let (Some(expected), Some(adjusted)) = (line.expected, line.adjusted)
            && expected > adjusted
        {
            warnings.push(Warning {
                code: WarningCode::ExpectedExceedsBudget,
                message: format!(
                    "“{label}”全年预计执行数 {} 万元超过全年预算数 {} 万元",
                    expected.normalize(),
                    adjusted.normalize()
                ),
                cell: cell(format!("{path}.expected")),
            });
        }
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FundLine, Indicator, Rate};

    fn line(adjusted: &str, executed: &str, rate: Option<&str>) -> FundLine {
        FundLine {
            adjusted: Some(adjusted.parse().unwrap()),
            executed: Some(executed.parse().unwrap()),
            rate: rate.map(|r| Rate {
                written: format!("{r}%"),
                fraction: r.parse::<Decimal>().unwrap() / Decimal::ONE_HUNDRED,
                places: 4,
            }),
            ..FundLine::default()
        }
    }

    fn codes(warnings: &[Warning]) -> Vec<WarningCode> {
        warnings.iter().map(|w| w.code).collect()
    }

    #[test]
    fn spending_is_held_to_the_share_of_the_year_gone() {
        let rules = MonitoringRules::default();
        let mut project = Project {
            monitoring: Some(Monitoring {
                through_month: Some(7),
                ..Monitoring::default()
            }),
            ..Project::default()
        };
        let mut run = |total: FundLine| {
            project.monitoring.as_mut().unwrap().funds.total = Some(total);
            normalize(&mut project, &rules)
        };
        // 58.33% of the year gone: 48.33% is exactly 10 points behind (not more), 48.00% is.
        assert_eq!(codes(&run(line("100", "48.33", Some("48.33")))), []);
        assert_eq!(
            codes(&run(line("100", "48", Some("48.00")))),
            [WarningCode::BehindSchedule]
        );
        // The lower of the written and the computed rate counts (and a wrong rate is its own
        // warning).
        assert_eq!(
            codes(&run(line("100", "40", Some("60.00")))),
            [WarningCode::RateMismatch, WarningCode::BehindSchedule]
        );
        let mut over = line("100", "60", None);
        over.expected = Some(Decimal::from(120));
        assert_eq!(codes(&run(over)), [WarningCode::ExpectedExceedsBudget]);
        let progress = project.monitoring.as_ref().unwrap().time_progress.unwrap();
        assert_eq!(progress.fraction.to_string(), "0.5833");
    }

    #[test]
    fn an_indicator_at_risk_needs_a_reason() {
        let mut rules = MonitoringRules::default();
        rules
            .add_likelihood("有可能", &["可能".into(), "有 可 能".into()])
            .unwrap();
        assert!(rules.add_likelihood("也许", &["也许".into()]).is_err());
        let indicator = |level3: &str, likelihood: &str, deviation: Option<&str>| Indicator {
            level3: level3.into(),
            value: "12处".into(),
            likelihood: Some(likelihood.into()),
            deviation: deviation.map(str::to_owned),
            cell: "D13".into(),
            ..Indicator::default()
        };
        let mut project = Project {
            monitoring: Some(Monitoring::default()),
            indicators: vec![
                indicator("改造点位", "确定能", None),
                indicator("绿化面积", "可能", None),
                indicator("满意度", "完全不可能", Some("经费保障")),
            ],
            ..Project::default()
        };
        let warnings = normalize(&mut project, &rules);
        assert_eq!(codes(&warnings), [WarningCode::AtRiskWithoutReason]);
        assert!(warnings[0].message.contains("绿化面积"), "{warnings:?}");
        assert_eq!(project.indicators[1].likelihood.as_deref(), Some("有可能"));
    }
}
