//! The shared model: one record per form found in a workbook. A project's forms — its target
//! form (绩效目标表, before the year) and its self-evaluation (绩效自评表, after it) — are a
//! [`Project`]; [`kind`] lists the kinds in one place.
//!
//! Readers produce it, the normalizer refines it, writers consume it. It depends on nothing else in
//! the crate. Money is always an exact [`rust_decimal::Decimal`] in 万元; a figure the form leaves
//! blank stays `None`, never zero. Every value keeps the cell it came from (see
//! [`Project::cells`]).
//!
//! A project's mid-year monitoring form (绩效运行监控表) is a [`Project`] too, with the
//! [`Monitoring`] section. A department's department-wide form (部门整体支出绩效目标表 / 自评表) is a
//! [`DepartmentForm`].
//!
//! One file per record kind ([`project`], [`department`], and the sections kinds add:
//! [`evaluation`], [`monitoring`]), over shared
//! parts in files of their own: [`identity`], [`funds`], [`indicator`], [`review`], [`warning`],
//! [`date`].

pub mod date;
pub mod department;
pub mod evaluation;
pub mod funds;
pub mod identity;
pub mod indicator;
mod indicator_json;
pub mod kind;
pub mod last_year;
pub mod monitoring;
pub mod project;
pub mod review;
pub mod warning;

pub use date::{Date, days_in_month, spreadsheet_decimal};
pub use department::{DepartmentForm, DepartmentFunds, Task};
pub use evaluation::{Comparison, Evaluation, EvaluationFunds, TargetLink};
pub use funds::{FundKind, FundLine, Funds, MoneyUnit, Rate};
pub use identity::{Contact, Source};
pub use indicator::{
    Block, Comparator, Direction, Indicator, Measure, MeasureKind, NormalizedIndicator,
};
pub use kind::{FormKind, Record};
pub use last_year::{IndicatorChange, LastYear, YearChange};
pub use monitoring::{LIKELIHOODS, Monitoring, TimeProgress};
pub use project::Project;
pub use review::{Finding, FindingLevel, Review};
pub use warning::{Warning, WarningCode};
