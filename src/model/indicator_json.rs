//! How an indicator row is written as JSON and read back. `normalized` holds only what the
//! normalizer made different from the row as written: a canonical `level1`/`level2`/`level3`
//! equal to the level as written, and a measure's `raw` equal to the text it was parsed from (the
//! `value`, or the `actual` for the structured 实际完成值), are left out — on the bench forms a
//! quarter of projects.jsonl — and put back on reading. Records written in full (by jixiao before
//! 2026-12) read the same.

use std::borrow::Cow;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::indicator::{
    Block, Comparator, Direction, Indicator, Measure, MeasureKind, NormalizedIndicator,
};

/// An indicator row as JSON: borrowed from an [`Indicator`] to write it, owned when read.
#[derive(Default, Serialize, Deserialize)]
#[serde(default)]
struct IndicatorJson<'a> {
    block: Block,
    level1: Cow<'a, str>,
    level2: Cow<'a, str>,
    level3: Cow<'a, str>,
    value: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    unit: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    direction: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    weight: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    level1_points: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    actual: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    score: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deviation: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expected: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    likelihood: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    measures: Option<Cow<'a, str>>,
    cell: Cow<'a, str>,
    value_cell: Cow<'a, str>,
    #[serde(skip_serializing_if = "str::is_empty")]
    actual_cell: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    normalized: Option<NormalizedJson<'a>>,
}

/// `normalized` as JSON: a level only where it differs from the level as written.
#[derive(Default, Serialize, Deserialize)]
#[serde(default)]
struct NormalizedJson<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    level1: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    level2: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    level3: Option<Cow<'a, str>>,
    placeholder: bool,
    measure: MeasureJson<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    actual: Option<MeasureJson<'a>>,
}

/// A measure as JSON: `raw` only where it differs from the text it was parsed from.
#[derive(Default, Serialize, Deserialize)]
#[serde(default)]
struct MeasureJson<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    raw: Option<Cow<'a, str>>,
    kind: MeasureKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    comparator: Option<Comparator>,
    #[serde(skip_serializing_if = "Option::is_none")]
    number: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    upper: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    unit: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    unit_inferred: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    direction: Option<Direction>,
}

/// Some text, borrowed.
fn text(t: &Option<String>) -> Option<Cow<'_, str>> {
    t.as_deref().map(Cow::Borrowed)
}

impl Serialize for Indicator {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        IndicatorJson {
            block: self.block,
            level1: Cow::Borrowed(&self.level1),
            level2: Cow::Borrowed(&self.level2),
            level3: Cow::Borrowed(&self.level3),
            value: Cow::Borrowed(&self.value),
            unit: text(&self.unit),
            direction: text(&self.direction),
            weight: self.weight,
            note: text(&self.note),
            level1_points: self.level1_points,
            actual: text(&self.actual),
            score: self.score,
            deviation: text(&self.deviation),
            expected: text(&self.expected),
            likelihood: text(&self.likelihood),
            measures: text(&self.measures),
            cell: Cow::Borrowed(&self.cell),
            value_cell: Cow::Borrowed(&self.value_cell),
            actual_cell: Cow::Borrowed(&self.actual_cell),
            normalized: self
                .normalized
                .as_ref()
                .map(|n| NormalizedJson::of(n, self)),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Indicator {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let json = IndicatorJson::deserialize(deserializer)?;
        let owned = |t: Option<Cow<'_, str>>| t.map(Cow::into_owned);
        let mut indicator = Indicator {
            block: json.block,
            level1: json.level1.into_owned(),
            level2: json.level2.into_owned(),
            level3: json.level3.into_owned(),
            value: json.value.into_owned(),
            unit: owned(json.unit),
            direction: owned(json.direction),
            weight: json.weight,
            note: owned(json.note),
            level1_points: json.level1_points,
            actual: owned(json.actual),
            score: json.score,
            deviation: owned(json.deviation),
            expected: owned(json.expected),
            likelihood: owned(json.likelihood),
            measures: owned(json.measures),
            cell: json.cell.into_owned(),
            value_cell: json.value_cell.into_owned(),
            actual_cell: json.actual_cell.into_owned(),
            normalized: None,
        };
        indicator.normalized = json.normalized.map(|n| n.restore(&indicator));
        Ok(indicator)
    }
}

impl<'a> NormalizedJson<'a> {
    /// What `n` adds to `row`.
    fn of(n: &'a NormalizedIndicator, row: &Indicator) -> Self {
        let changed = |canonical: &'a str, written: &str| {
            (canonical != written).then_some(Cow::Borrowed(canonical))
        };
        NormalizedJson {
            level1: changed(&n.level1, &row.level1),
            level2: changed(&n.level2, &row.level2),
            level3: changed(&n.level3, &row.level3),
            placeholder: n.placeholder,
            measure: MeasureJson::of(&n.measure, &row.value),
            actual: n
                .actual
                .as_ref()
                .map(|m| MeasureJson::of(m, row.actual.as_deref().unwrap_or_default())),
        }
    }

    /// The whole of it again, with what was left out taken from `row`.
    fn restore(self, row: &Indicator) -> NormalizedIndicator {
        let level = |canonical: Option<Cow<'_, str>>, written: &str| {
            canonical.map_or_else(|| written.to_owned(), Cow::into_owned)
        };
        NormalizedIndicator {
            level1: level(self.level1, &row.level1),
            level2: level(self.level2, &row.level2),
            level3: level(self.level3, &row.level3),
            placeholder: self.placeholder,
            measure: self.measure.restore(&row.value),
            actual: self
                .actual
                .map(|m| m.restore(row.actual.as_deref().unwrap_or_default())),
        }
    }
}

impl<'a> MeasureJson<'a> {
    /// `m`, parsed from `source`.
    fn of(m: &'a Measure, source: &str) -> Self {
        MeasureJson {
            raw: (m.raw != source).then_some(Cow::Borrowed(&m.raw)),
            kind: m.kind,
            comparator: m.comparator,
            number: m.number,
            upper: m.upper,
            unit: m.unit.as_deref().map(Cow::Borrowed),
            unit_inferred: m.unit_inferred,
            direction: m.direction,
        }
    }

    /// The measure, its `raw` the `source` unless written.
    fn restore(self, source: &str) -> Measure {
        Measure {
            raw: self.raw.map_or_else(|| source.to_owned(), Cow::into_owned),
            kind: self.kind,
            comparator: self.comparator,
            number: self.number,
            upper: self.upper,
            unit: self.unit.map(Cow::into_owned),
            unit_inferred: self.unit_inferred,
            direction: self.direction,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measure(raw: &str) -> Measure {
        Measure {
            raw: raw.to_owned(),
            kind: MeasureKind::Quantitative,
            comparator: Some(Comparator::AtLeast),
            number: Some(Decimal::new(95, 0)),
            unit: Some("%".to_owned()),
            unit_inferred: true,
            ..Measure::default()
        }
    }

    fn row() -> Indicator {
        Indicator {
            block: Block::LongTerm,
            level1: "产出指标".to_owned(),
            level2: "数量".to_owned(),
            level3: "群众满意度".to_owned(),
            value: "≥95".to_owned(),
            weight: Some(Decimal::new(105, 1)),
            actual: Some("96%".to_owned()),
            score: Some(Decimal::new(10, 0)),
            cell: "D7".to_owned(),
            value_cell: "G7".to_owned(),
            actual_cell: "H7".to_owned(),
            normalized: Some(NormalizedIndicator {
                level1: "产出指标".to_owned(),
                level2: "数量指标".to_owned(),
                level3: "服务对象满意度".to_owned(),
                placeholder: false,
                measure: measure("≥95"),
                actual: Some(measure("96%")),
            }),
            ..Indicator::default()
        }
    }

    fn round_trip(indicator: &Indicator) -> (serde_json::Value, Indicator) {
        let json = serde_json::to_string(indicator).unwrap();
        (
            serde_json::from_str(&json).unwrap(),
            serde_json::from_str(&json).unwrap(),
        )
    }

    #[test]
    fn what_repeats_the_row_is_left_out_and_put_back() {
        let indicator = row();
        let (json, back) = round_trip(&indicator);
        let n = &json["normalized"];
        assert!(n.get("level1").is_none(), "{json}");
        assert_eq!(n["level2"], "数量指标");
        assert_eq!(n["level3"], "服务对象满意度");
        assert_eq!(n["placeholder"], false);
        assert!(n["measure"].get("raw").is_none(), "{json}");
        assert!(n["actual"].get("raw").is_none(), "{json}");
        assert_eq!(n["measure"]["number"], "95");
        assert_eq!(n["measure"]["unit_inferred"], true);
        assert_eq!(json["actual_cell"], "H7");
        assert_eq!(back, indicator);
    }

    #[test]
    fn what_differs_is_written_even_when_empty() {
        // A level cleaned to nothing and a raw text unlike the value: both written, both read
        // back as they were, not taken from the row.
        let mut indicator = row();
        indicator.level1 = " ".to_owned();
        let n = indicator.normalized.as_mut().unwrap();
        n.level1 = String::new();
        n.measure.raw = "不同".to_owned();
        n.actual.as_mut().unwrap().raw = String::new();
        let (json, back) = round_trip(&indicator);
        assert_eq!(json["normalized"]["level1"], "");
        assert_eq!(json["normalized"]["measure"]["raw"], "不同");
        assert_eq!(json["normalized"]["actual"]["raw"], "");
        assert_eq!(back, indicator);
    }

    #[test]
    fn a_record_written_in_full_reads_the_same() {
        let full = r#"{"block":"annual","level1":"产出指标","level2":"数量","level3":"培训人次",
            "value":"3000人次","cell":"D5","value_cell":"G5","normalized":{"level1":"产出指标",
            "level2":"数量指标","level3":"培训人次","placeholder":false,"measure":{"raw":"3000人次",
            "kind":"quantitative","comparator":"=","number":"3000","unit":"人次"}}}"#;
        let indicator: Indicator = serde_json::from_str(full).unwrap();
        let n = indicator.normalized.as_ref().unwrap();
        assert_eq!(
            (n.level1.as_str(), n.level2.as_str(), n.level3.as_str()),
            ("产出指标", "数量指标", "培训人次")
        );
        assert_eq!(n.measure.raw, "3000人次");
        assert_eq!(n.measure.number, Some(Decimal::new(3000, 0)));
        assert!(n.actual.is_none());
        assert_eq!(round_trip(&indicator).1, indicator);
    }

    #[test]
    fn a_row_not_normalized_has_no_normalized() {
        let mut indicator = row();
        indicator.normalized = None;
        indicator.actual_cell.clear();
        let (json, back) = round_trip(&indicator);
        assert!(json.get("normalized").is_none() && json.get("actual_cell").is_none());
        assert_eq!(back, indicator);
    }
}
