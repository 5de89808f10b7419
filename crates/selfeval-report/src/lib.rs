//! Renders the report model of `selfeval-core` as the Chinese
//! 《项目支出绩效自评报告》 in Markdown, as the JSON of `cli.md`, and the
//! per-project 自评表 in both forms.
//!
//! Rendering computes nothing: every number comes from the
//! [`ReportModel`], formatted with two decimals after 四舍五入; an undefined
//! rate prints as 不适用 (`null` in JSON).

mod json;
mod markdown;

pub use json::{findings_json, report_json, table_json};
pub use markdown::{findings_markdown, report_markdown, table_markdown};

use rust_decimal::Decimal;
use selfeval_core::report::Figure;
use selfeval_core::scoring::rate_percent;
use selfeval_core::values::fmt2;

/// An amount in 万元 with two decimals, without the unit (`58.79`).
pub fn amount(figure: &Figure) -> String {
    figure.value.map_or_else(|| "不适用".to_owned(), fmt2)
}

/// A rate as a percentage with two decimals and `%`, or 不适用.
pub fn rate(figure: &Figure) -> String {
    figure.value.map_or_else(|| "不适用".to_owned(), |r| format!("{}%", fmt2(rate_percent(r))))
}

/// A score with two decimals, or 不适用.
pub fn score(value: Option<Decimal>) -> String {
    value.map_or_else(|| "不适用".to_owned(), fmt2)
}
