//! Property tests: money conversion round-trips exactly, and normalizing is idempotent.

use jixiao::model::{Indicator, MoneyUnit, Project};
use jixiao::normalize::Normalizer;
use jixiao::read::grid::CellValue;
use jixiao::read::values::{Amount, parse_amount, parse_amount_text};
use proptest::prelude::*;
use rust_decimal::Decimal;

/// "1125000.37" as "1,125,000.37".
fn with_thousands(amount: Decimal) -> String {
    let text = amount.abs().to_string();
    let (int, frac) = text
        .split_once('.')
        .map_or((text.as_str(), None), |(i, f)| (i, Some(f)));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if amount.is_sign_negative() && !amount.is_zero() {
        "-"
    } else {
        ""
    };
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Any amount in 元 to the cent, written plainly, with thousands separators or with 元, is
    /// exactly that amount divided by 10,000 in 万元 — and back.
    #[test]
    fn yuan_text_converts_to_wan_exactly(cents in -1_000_000_000_000_000i64..1_000_000_000_000_000i64) {
        let yuan = Decimal::new(cents, 2);
        let expected = (yuan / Decimal::from(10_000)).normalize();
        for text in [yuan.to_string(), with_thousands(yuan), format!("{}元", with_thousands(yuan))] {
            let read = parse_amount_text(&text, MoneyUnit::Yuan);
            prop_assert_eq!(&read, &Amount::Value(expected), "{}", text);
            if let Amount::Value(wan) = read {
                prop_assert_eq!(wan * Decimal::from(10_000), yuan);
            }
        }
        prop_assert_eq!(parse_amount_text(&format!("{expected}万元"), MoneyUnit::Yuan), Amount::Value(expected));
    }

    /// A number cell holding any amount of up to 15 significant digits reads back exactly.
    #[test]
    fn number_cells_read_as_the_decimal_they_show(cents in -100_000_000_000_000i64..100_000_000_000_000i64) {
        let shown = Decimal::new(cents, 2);
        let cell = CellValue::Number(cents as f64 / 100.0);
        prop_assert_eq!(parse_amount(Some(&cell), MoneyUnit::Wan), Amount::Value(shown.normalize()));
        let in_yuan = (shown / Decimal::from(10_000)).normalize();
        prop_assert_eq!(parse_amount(Some(&cell), MoneyUnit::Yuan), Amount::Value(in_yuan));
        prop_assert_eq!(MoneyUnit::Yuan.to_wan(shown) * Decimal::from(10_000), shown);
    }
}

const LEVELS: &[&str] = &[
    "产出指标",
    "产 出",
    "效益指标",
    "满意度指标",
    "成本指标",
    "数量指标",
    "质量",
    "时效指标",
    "服务对象 满意度指标",
    "生态环境效益",
    "新闻宣传指标",
    "",
    "经济成本指标",
    "ＡＢＣ指标",
];
const VALUES: &[&str] = &[
    "100%",
    "达到80%以上",
    "≥90%",
    "90%以上",
    "<700万",
    "140000",
    "提供78个就业机会",
    "达到90以上",
    "较上一年提升",
    "下降",
    "控制在预算范围内",
    "无",
    "",
    "85%-95%",
    "1,125,000.00元",
    "0.95",
    "2023年12月底前完成",
    "≥1.2万户",
    "<p>≥95%</p>",
    "１００％",
    "采集上报城市管理问题",
];
const NAMES: &[&str] = &[
    "吴泾镇人民政府",
    "[610001]湖南省财政厅",
    "219-池州市城市管理局",
    " 某局 ",
    "",
    "2023年度项目组",
    "１０３００１－某某局",
    "吴泾镇人民政府(310112)",
];

fn text_from(pool: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(pool).prop_map(str::to_owned),
        1 => "\\PC{0,12}",
    ]
}

fn indicator() -> impl Strategy<Value = Indicator> {
    (
        text_from(LEVELS),
        text_from(LEVELS),
        text_from(VALUES),
        text_from(VALUES),
        prop::option::of(text_from(&["%", "个", "元", "小时"])),
    )
        .prop_map(|(level1, level2, level3, value, unit)| Indicator {
            level1,
            level2,
            level3,
            value,
            unit,
            cell: "D12".into(),
            value_cell: "F12".into(),
            ..Indicator::default()
        })
}

fn amount() -> impl Strategy<Value = Option<Decimal>> {
    prop::option::of((-1_000_000i64..1_000_000).prop_map(|c| Decimal::new(c, 2)))
}

fn project() -> impl Strategy<Value = Project> {
    (
        text_from(NAMES),
        text_from(NAMES),
        text_from(NAMES),
        prop::collection::vec(indicator(), 0..10),
        (amount(), amount(), amount(), amount(), amount()),
    )
        .prop_map(
            |(project_name, department, implementing_unit, indicators, funds)| {
                let mut p = Project {
                    project_name,
                    department,
                    implementing_unit,
                    indicators,
                    ..Project::default()
                };
                (
                    p.funds.total,
                    p.funds.fiscal,
                    p.funds.other,
                    p.funds.annual_total,
                    p.funds.appropriation,
                ) = funds;
                p
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// Normalizing a normalized project changes nothing.
    #[test]
    fn normalizing_is_idempotent(mut p in project()) {
        let normalizer = Normalizer::builtin();
        normalizer.normalize(&mut p);
        let once = p.clone();
        normalizer.normalize(&mut p);
        prop_assert_eq!(p, once);
    }
}
