//! Structuring an 指标值: "达到80%以上" is ≥ 80 %, "<700万" under a cost indicator is < 700 万元,
//! "较上一年提升" is a qualitative increase, "无" is no value. The raw text is always kept.

use rust_decimal::Decimal;
use std::str::FromStr;

use super::dictionary::Dictionary;
use crate::model::{Comparator, Measure, MeasureKind};
use crate::text::{clean_inline, fold_width, is_space, map_chars};

/// What is known about the row an 指标值 sits in.
#[derive(Debug, Clone, Copy, Default)]
pub struct RowContext<'a> {
    /// Canonical 一级指标.
    pub level1: &'a str,
    /// Canonical 二级指标.
    pub level2: &'a str,
    /// 三级指标 as written.
    pub level3: &'a str,
    /// The 计量单位 column, when the form has one.
    pub unit_column: Option<&'a str>,
    /// The 指标方向 / 计算符号 column, when the form has one.
    pub direction_column: Option<&'a str>,
}

/// A number found in the text: where it stands (byte offsets) and its value.
#[derive(Debug, Clone, Copy)]
struct NumberToken {
    start: usize,
    end: usize,
    value: Decimal,
}

/// Parses an 指标值 in the context of its row.
pub fn parse_measure(raw: &str, row: &RowContext<'_>, dictionary: &Dictionary) -> Measure {
    let mut measure = Measure {
        raw: raw.to_owned(),
        ..Measure::default()
    };
    let cleaned = fold_width(&clean_inline(raw));
    let text = map_chars(&cleaned, |c| (!is_space(c)).then_some(c));
    if text.is_empty() || dictionary.is_placeholder(&text) {
        measure.kind = MeasureKind::None;
        return measure;
    }
    let numbers = target_numbers(&text);
    measure.direction = dictionary.directions.first_in(&text);
    let Some(first) = numbers.first().copied() else {
        measure.kind = MeasureKind::Qualitative;
        return measure;
    };
    measure.kind = MeasureKind::Quantitative;
    let about_money = dictionary.is_about_money(&[row.level1, row.level2, row.level3]);
    let (mut number, unit, after) = unit_after(&text, first, about_money, dictionary);
    measure.unit = unit;
    measure.comparator = Some(comparator_in(&text, dictionary).unwrap_or(Comparator::Equal));
    if let Some(second) = numbers.get(1).copied()
        && second.start >= after
        && is_range_separator(&text[after..second.start])
    {
        let (upper, upper_unit, _) = unit_after(&text, second, about_money, dictionary);
        measure.upper = Some(upper);
        measure.comparator = Some(Comparator::Between);
        if measure.unit.is_none() {
            measure.unit = upper_unit;
        }
    }
    if let Some(unit) = row.unit_column.map(str::trim).filter(|u| !u.is_empty()) {
        measure.unit = Some(fold_width(unit));
    }
    if let Some(comparator) = row
        .direction_column
        .and_then(|d| column_comparator(d, dictionary))
        && measure.comparator != Some(Comparator::Between)
    {
        measure.comparator = Some(comparator);
    }
    if measure.unit.is_none() && dictionary.is_about_percent(row.level3) {
        let plain_number = text.bytes().all(|b| b.is_ascii_digit() || b == b'.');
        if plain_number && number > Decimal::ZERO && number <= Decimal::ONE {
            // An Excel percentage (0.95 shown as 95%) arrives as the bare fraction.
            number = (number * Decimal::ONE_HUNDRED).normalize();
        }
        if number <= Decimal::ONE_HUNDRED {
            measure.unit = Some("%".to_owned());
            measure.unit_inferred = true;
        }
    }
    measure.number = Some(number);
    measure
}

/// The quantities a text names — each number with the unit written after it (scaled by 万/亿 as in
/// an 指标值), years and dates left out: "完成52条道路共86万平方米" → (52, 条), (860000, 平方米).
pub fn quantities(text: &str, dictionary: &Dictionary) -> Vec<(Decimal, Option<String>)> {
    let cleaned = map_chars(&fold_width(&clean_inline(text)), |c| {
        (!is_space(c)).then_some(c)
    });
    target_numbers(&cleaned)
        .into_iter()
        .map(|token| {
            let (number, unit, _) = unit_after(&cleaned, token, false, dictionary);
            (number, unit)
        })
        .collect()
}

/// The numbers of a value that can be targets: years and dates ("2023年", "12月底前") are not.
fn target_numbers(text: &str) -> Vec<NumberToken> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        let mut digits = String::new();
        while i < bytes.len() {
            let b = bytes[i];
            let next_is_digit = bytes.get(i + 1).is_some_and(u8::is_ascii_digit);
            let decimal_point = b == b'.' && next_is_digit && !digits.contains('.');
            if b.is_ascii_digit() || decimal_point {
                digits.push(char::from(b));
            } else if b == b',' && next_is_digit && is_thousands_group(&bytes[i + 1..]) {
                // 1,125,000: the separator is dropped
            } else {
                break;
            }
            i += 1;
        }
        let Ok(value) = Decimal::from_str(&digits) else {
            continue;
        };
        let mut after = text[i..].chars();
        let (next, after_next) = (after.next(), after.next());
        let is_year = digits.len() == 4
            && (1900..=2100).contains(&value.trunc().mantissa())
            && next == Some('年');
        let is_date_part = matches!(next, Some('月'))
            && matches!(
                after_next,
                Some('底' | '前' | '末' | '初' | '中' | '上' | '下' | '份' | '1'..='9')
            )
            || matches!(next, Some('日' | '号')) && matches!(after_next, Some('前' | '止' | '之'))
            || continues_a_year(text, start);
        if !is_year && !is_date_part {
            tokens.push(NumberToken {
                start,
                end: i,
                value: value.normalize(),
            });
        }
    }
    tokens
}

/// True when the number at byte `start` continues a date whose year was just read ("2023年12月").
fn continues_a_year(text: &str, start: usize) -> bool {
    let Some(before) = text[..start].strip_suffix('年') else {
        return false;
    };
    before.len() >= 4
        && before.as_bytes()[before.len() - 4..]
            .iter()
            .all(u8::is_ascii_digit)
}

fn is_thousands_group(rest: &[u8]) -> bool {
    rest.len() >= 3
        && rest[..3].iter().all(u8::is_ascii_digit)
        && !rest.get(3).is_some_and(u8::is_ascii_digit)
}

/// The unit written after a number, with the number scaled by 万/亿 where they are multipliers;
/// returns the number, the unit and the byte offset after both.
fn unit_after(
    text: &str,
    token: NumberToken,
    about_money: bool,
    dictionary: &Dictionary,
) -> (Decimal, Option<String>, usize) {
    let mut number = token.value;
    if let Some((unit, _)) = dictionary.units.longest_at(text, token.end) {
        return (number, Some(unit.to_owned()), token.end + unit.len());
    }
    let rest = &text[token.end..];
    for (multiplier, scale) in [('万', 10_000i64), ('亿', 100_000_000)] {
        if !rest.starts_with(multiplier) {
            continue;
        }
        let after = token.end + multiplier.len_utf8();
        if about_money && multiplier == '万' {
            return (number, Some("万元".into()), after);
        }
        number = (number * Decimal::from(scale)).normalize();
        let unit = dictionary
            .units
            .longest_at(text, after)
            .filter(|(u, _)| !dictionary.is_money_unit(u));
        let end = after + unit.map_or(0, |(u, _)| u.len());
        return (number, unit.map(|(u, _)| u.to_owned()), end);
    }
    (number, None, token.end)
}

fn is_range_separator(between: &str) -> bool {
    matches!(between, "-" | "~" | "—" | "–" | "至" | "到" | "——" | "-至")
}

/// The comparator the text states: the longest word or symbol, first in the text.
pub fn comparator_in(text: &str, dictionary: &Dictionary) -> Option<Comparator> {
    dictionary.comparators.first_in(text)
}

/// A 指标方向 / 计算符号 column: symbols as comparators, 正向 / 反向 as ≥ / ≤.
fn column_comparator(text: &str, dictionary: &Dictionary) -> Option<Comparator> {
    let text = fold_width(text.trim());
    if text.contains("正向") {
        return Some(Comparator::AtLeast);
    }
    if text.contains("反向") {
        return Some(Comparator::AtMost);
    }
    comparator_in(&text, dictionary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Direction;

    /// (一级, 二级, 三级, 指标值) → (kind, comparator, number, upper, unit, inferred, direction)
    type Case = (
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        bool,
        &'static str,
    );

    fn check(cases: &[Case]) {
        let dictionary = Dictionary::builtin();
        let mut failures = Vec::new();
        for &(
            level1,
            level2,
            level3,
            raw,
            kind,
            comparator,
            number,
            upper,
            unit,
            inferred,
            direction,
        ) in cases
        {
            let row = RowContext {
                level1,
                level2,
                level3,
                ..RowContext::default()
            };
            let m = parse_measure(raw, &row, &dictionary);
            let got = (
                format!("{:?}", m.kind).to_lowercase(),
                m.comparator.map_or("", |c| c.symbol()).to_owned(),
                m.number.map_or(String::new(), |n| n.to_string()),
                m.upper.map_or(String::new(), |n| n.to_string()),
                m.unit.clone().unwrap_or_default(),
                m.unit_inferred,
                m.direction
                    .map_or(String::new(), |d| format!("{d:?}").to_lowercase()),
            );
            let want = (
                kind.to_owned(),
                comparator.to_owned(),
                number.to_owned(),
                upper.to_owned(),
                unit.to_owned(),
                inferred,
                direction.to_owned(),
            );
            if got != want {
                failures.push(format!(
                    "{level3} “{raw}”\n    want {want:?}\n    got  {got:?}"
                ));
            }
            assert_eq!(m.raw, raw, "the raw text is kept");
        }
        assert!(
            failures.is_empty(),
            "{} of {} cases:\n{}",
            failures.len(),
            cases.len(),
            failures.join("\n")
        );
    }

    const P: &str = "产出指标";
    const B: &str = "效益指标";
    const S: &str = "满意度指标";

    #[test]
    fn every_distinct_seed_value() {
        check(&[
            (
                P,
                "数量指标",
                "完成编制内人员残疾人保障金缴纳",
                "100%",
                "quantitative",
                "=",
                "100",
                "",
                "%",
                false,
                "",
            ),
            (
                P,
                "成本指标",
                "控制在预算范围内",
                "控制在预算范围内",
                "qualitative",
                "",
                "",
                "",
                "",
                false,
                "within",
            ),
            (
                B,
                "经济效益指标",
                "无",
                "无",
                "none",
                "",
                "",
                "",
                "",
                false,
                "",
            ),
            (
                B,
                "社会效益指标",
                "促进残疾人就业",
                "完成缴纳工作",
                "qualitative",
                "",
                "",
                "",
                "",
                false,
                "achieve",
            ),
            (
                B,
                "社会效益指标",
                "群众感受度",
                "较上一年提升",
                "qualitative",
                "",
                "",
                "",
                "",
                false,
                "increase",
            ),
            (P, "成本指标", "无", "", "none", "", "", "", "", false, ""),
            (
                B,
                "社会效益指标",
                "投诉率降低",
                "下降",
                "qualitative",
                "",
                "",
                "",
                "",
                false,
                "decrease",
            ),
            (
                P,
                "时效指标",
                "前端案件上报完成率",
                "90%",
                "quantitative",
                "=",
                "90",
                "",
                "%",
                false,
                "",
            ),
            (
                B,
                "经济效益指标",
                "按时办结率",
                "90%以上",
                "quantitative",
                "≥",
                "90",
                "",
                "%",
                false,
                "",
            ),
            (
                S,
                "服务对象满意度指标",
                "投诉满意率",
                "达到80%以上",
                "quantitative",
                "≥",
                "80",
                "",
                "%",
                false,
                "achieve",
            ),
            (
                B,
                "社会效益指标",
                "治安情况提升",
                "上升",
                "qualitative",
                "",
                "",
                "",
                "",
                false,
                "increase",
            ),
            (
                S,
                "服务对象满意度指标",
                "辖区内受众人群满意度",
                "达到90以上",
                "quantitative",
                "≥",
                "90",
                "",
                "%",
                true,
                "achieve",
            ),
            (
                S,
                "服务对象满意度指标",
                "受众满意度",
                "达到90%以上",
                "quantitative",
                "≥",
                "90",
                "",
                "%",
                false,
                "achieve",
            ),
            (
                P,
                "数量指标",
                "未来2年上报案件量",
                "140000",
                "quantitative",
                "=",
                "140000",
                "",
                "",
                false,
                "",
            ),
            (
                P,
                "质量指标",
                "未来2年案件处置数量",
                "126000",
                "quantitative",
                "=",
                "126000",
                "",
                "",
                false,
                "",
            ),
            (
                P,
                "时效指标",
                "2年后案件上报处置率",
                "≥90%",
                "quantitative",
                "≥",
                "90",
                "",
                "%",
                false,
                "",
            ),
            (
                P,
                "成本指标",
                "未来2年财政支出成本",
                "<700万",
                "quantitative",
                "<",
                "700",
                "",
                "万元",
                false,
                "",
            ),
            (
                B,
                "经济效益指标",
                "助力经济发展",
                "提升城市形象，促进新动能转换，促进经济发展",
                "qualitative",
                "",
                "",
                "",
                "",
                false,
                "increase",
            ),
            (
                B,
                "社会效益指标",
                "提供高新区更多就业机会，促进社会稳定",
                "提供78个就业机会",
                "quantitative",
                "=",
                "78",
                "",
                "个",
                false,
                "",
            ),
            (
                B,
                "生态效益指标",
                "实现高新区绿色发展，良好市貌，改善人居环境",
                "采集上报城市管理问题",
                "qualitative",
                "",
                "",
                "",
                "",
                false,
                "",
            ),
            (
                B,
                "可持续影响指标",
                "巩固创城成果",
                "达到文明城市创建对数字城管的要求，该项不区分",
                "qualitative",
                "",
                "",
                "",
                "",
                false,
                "achieve",
            ),
            (
                P,
                "数量指标",
                "上报案件量",
                "70000",
                "quantitative",
                "=",
                "70000",
                "",
                "",
                false,
                "",
            ),
            (
                P,
                "质量指标",
                "上报案件处置数量",
                "59500",
                "quantitative",
                "=",
                "59500",
                "",
                "",
                false,
                "",
            ),
            (
                P,
                "时效指标",
                "案件上报处置率",
                "≥85%",
                "quantitative",
                "≥",
                "85",
                "",
                "%",
                false,
                "",
            ),
            (
                P,
                "成本指标",
                "财政支出",
                "<350万",
                "quantitative",
                "<",
                "350",
                "",
                "万元",
                false,
                "",
            ),
            (
                B,
                "可持续影响指标",
                "巩固创城成果",
                "显著",
                "qualitative",
                "",
                "",
                "",
                "",
                false,
                "achieve",
            ),
        ]);
    }

    #[test]
    fn more_realistic_values() {
        check(&[
            (
                P,
                "质量指标",
                "验收合格率",
                "≥95%",
                "quantitative",
                "≥",
                "95",
                "",
                "%",
                false,
                "",
            ),
            (
                P,
                "质量指标",
                "差错率",
                "≤5%",
                "quantitative",
                "≤",
                "5",
                "",
                "%",
                false,
                "",
            ),
            (
                P,
                "质量指标",
                "设备完好率",
                "不低于90%",
                "quantitative",
                "≥",
                "90",
                "",
                "%",
                false,
                "",
            ),
            (
                P,
                "数量指标",
                "培训次数",
                "不少于3次",
                "quantitative",
                "≥",
                "3",
                "",
                "次",
                false,
                "",
            ),
            (
                P,
                "时效指标",
                "响应时间",
                "≤24小时",
                "quantitative",
                "≤",
                "24",
                "",
                "小时",
                false,
                "",
            ),
            (
                P,
                "时效指标",
                "处置时限",
                "24小时内",
                "quantitative",
                "≤",
                "24",
                "",
                "小时",
                false,
                "",
            ),
            (
                P,
                "时效指标",
                "办结时限",
                "1个工作日内",
                "quantitative",
                "≤",
                "1",
                "",
                "个工作日",
                false,
                "",
            ),
            (
                P,
                "时效指标",
                "维修时限",
                "3天以内",
                "quantitative",
                "≤",
                "3",
                "",
                "天",
                false,
                "within",
            ),
            (
                P,
                "数量指标",
                "服务人次",
                "≥1000人次",
                "quantitative",
                "≥",
                "1000",
                "",
                "人次",
                false,
                "",
            ),
            (
                P,
                "成本指标",
                "项目总成本",
                "100万元",
                "quantitative",
                "=",
                "100",
                "",
                "万元",
                false,
                "",
            ),
            (
                P,
                "成本指标",
                "设备采购成本",
                "控制在50万元以内",
                "quantitative",
                "≤",
                "50",
                "",
                "万元",
                false,
                "within",
            ),
            (
                P,
                "成本指标",
                "人均补助标准",
                "5000元/人",
                "quantitative",
                "=",
                "5000",
                "",
                "元",
                false,
                "",
            ),
            (
                P,
                "成本指标",
                "运维经费",
                "1,125,000.00元",
                "quantitative",
                "=",
                "1125000",
                "",
                "元",
                false,
                "",
            ),
            (
                P,
                "数量指标",
                "覆盖户数",
                "≥1.2万户",
                "quantitative",
                "≥",
                "12000",
                "",
                "户",
                false,
                "",
            ),
            (
                P,
                "数量指标",
                "受益人次",
                "5万人次",
                "quantitative",
                "=",
                "50000",
                "",
                "人次",
                false,
                "",
            ),
            (
                P,
                "质量指标",
                "达标率",
                "85%-95%",
                "quantitative",
                "~",
                "85",
                "95",
                "%",
                false,
                "",
            ),
            (
                P,
                "质量指标",
                "达标率",
                "85%～95%",
                "quantitative",
                "~",
                "85",
                "95",
                "%",
                false,
                "",
            ),
            (
                P,
                "时效指标",
                "完成时间",
                "2023年12月底前完成",
                "qualitative",
                "",
                "",
                "",
                "",
                false,
                "achieve",
            ),
            (
                P,
                "时效指标",
                "完成时间",
                "12月底前",
                "qualitative",
                "",
                "",
                "",
                "",
                false,
                "",
            ),
            (
                P,
                "时效指标",
                "完成时间",
                "2023年完成",
                "qualitative",
                "",
                "",
                "",
                "",
                false,
                "achieve",
            ),
            (
                P,
                "时效指标",
                "工期",
                "12个月",
                "quantitative",
                "=",
                "12",
                "",
                "个月",
                false,
                "",
            ),
            (
                S,
                "服务对象满意度指标",
                "群众满意度",
                "≥90分",
                "quantitative",
                "≥",
                "90",
                "",
                "分",
                false,
                "",
            ),
            (
                S,
                "服务对象满意度指标",
                "群众满意度",
                "95",
                "quantitative",
                "=",
                "95",
                "",
                "%",
                true,
                "",
            ),
            (
                S,
                "服务对象满意度指标",
                "群众满意度",
                "0.95",
                "quantitative",
                "=",
                "95",
                "",
                "%",
                true,
                "",
            ),
            (
                S,
                "服务对象满意度指标",
                "群众满意度",
                "大于90%",
                "quantitative",
                ">",
                "90",
                "",
                "%",
                false,
                "",
            ),
            (
                P,
                "质量指标",
                "故障率",
                "低于3%",
                "quantitative",
                "<",
                "3",
                "",
                "%",
                false,
                "",
            ),
            (
                P,
                "质量指标",
                "故障率",
                "小于等于2%",
                "quantitative",
                "≤",
                "2",
                "",
                "%",
                false,
                "",
            ),
            (
                P,
                "质量指标",
                "合格率",
                "９８％以上",
                "quantitative",
                "≥",
                "98",
                "",
                "%",
                false,
                "",
            ),
            (
                P,
                "质量指标",
                "合格率",
                "98.5 %",
                "quantitative",
                "=",
                "98.5",
                "",
                "%",
                false,
                "",
            ),
            (
                P,
                "数量指标",
                "新增网格覆盖率",
                "100%全覆盖",
                "quantitative",
                "=",
                "100",
                "",
                "%",
                false,
                "achieve",
            ),
            (
                B,
                "社会效益指标",
                "群众安全感",
                "明显提升",
                "qualitative",
                "",
                "",
                "",
                "",
                false,
                "increase",
            ),
            (
                B,
                "社会效益指标",
                "矛盾纠纷",
                "逐年减少",
                "qualitative",
                "",
                "",
                "",
                "",
                false,
                "decrease",
            ),
            (
                B,
                "可持续影响指标",
                "长效机制",
                "保持稳定",
                "qualitative",
                "",
                "",
                "",
                "",
                false,
                "maintain",
            ),
            (
                B,
                "社会效益指标",
                "覆盖范围",
                "全覆盖",
                "qualitative",
                "",
                "",
                "",
                "",
                false,
                "achieve",
            ),
            (
                P,
                "质量指标",
                "工程质量",
                "合格",
                "qualitative",
                "",
                "",
                "",
                "",
                false,
                "achieve",
            ),
            (
                P,
                "时效指标",
                "资金拨付",
                "按时拨付",
                "qualitative",
                "",
                "",
                "",
                "",
                false,
                "achieve",
            ),
            (
                B,
                "经济效益指标",
                "带动就业",
                "较上年增长5%",
                "quantitative",
                "=",
                "5",
                "",
                "%",
                false,
                "increase",
            ),
            (P, "数量指标", "无", "/", "none", "", "", "", "", false, ""),
            (P, "数量指标", "无", "—", "none", "", "", "", "", false, ""),
            (P, "数量指标", "  ", "", "none", "", "", "", "", false, ""),
            (
                P,
                "质量指标",
                "<p>验收合格率</p>",
                "<p>≥95%</p>",
                "quantitative",
                "≥",
                "95",
                "",
                "%",
                false,
                "",
            ),
            (
                P,
                "数量指标",
                "宣传册",
                "3000册",
                "quantitative",
                "=",
                "3000",
                "",
                "册",
                false,
                "",
            ),
            (
                P,
                "数量指标",
                "道路长度",
                "12.5公里",
                "quantitative",
                "=",
                "12.5",
                "",
                "公里",
                false,
                "",
            ),
            (
                P,
                "成本指标",
                "总投资",
                "1.2亿元",
                "quantitative",
                "=",
                "1.2",
                "",
                "亿元",
                false,
                "",
            ),
            (
                P,
                "成本指标",
                "经济成本",
                "≤3.5万",
                "quantitative",
                "≤",
                "3.5",
                "",
                "万元",
                false,
                "",
            ),
        ]);
    }

    #[test]
    fn unit_and_direction_columns_are_taken_as_given() {
        let dictionary = Dictionary::builtin();
        let row = RowContext {
            level1: P,
            level2: "数量指标",
            level3: "覆盖社区数",
            unit_column: Some("个"),
            direction_column: Some("≥"),
        };
        let m = parse_measure("120", &row, &dictionary);
        assert_eq!(
            (m.comparator, m.number, m.unit.as_deref()),
            (
                Some(Comparator::AtLeast),
                Some(Decimal::from(120)),
                Some("个")
            )
        );
        let row = RowContext {
            direction_column: Some("反向指标"),
            unit_column: Some("小时"),
            ..row
        };
        let m = parse_measure("2", &row, &dictionary);
        assert_eq!(
            (m.comparator, m.unit.as_deref()),
            (Some(Comparator::AtMost), Some("小时"))
        );
        assert_eq!(m.direction, None::<Direction>);
    }
}
