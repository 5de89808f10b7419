//! Renders the report model of `selfeval-core` as the Chinese
//! 《项目支出绩效自评报告》 in Markdown, as the JSON of `cli.md`, and the
//! per-project 自评表 in both forms.
//!
//! Rendering computes nothing: every number comes from the
//! [`ReportModel`], formatted with two decimals after 四舍五入; an undefined
//! rate prints as 不适用 (`null` in JSON).

mod docx;
pub mod form;
mod json;
mod lists;
mod markdown;
mod package;
mod rules;
mod sheets;
mod trail;
mod xlsx;

pub use docx::{report_docx, tables_docx};
pub use json::{findings_json, report_json, table_json, write_report_json};
pub use lists::{members_json, members_markdown, problems_json, problems_markdown, projects_json, projects_markdown};
pub use markdown::{
    figure_pieces, findings_markdown, report_markdown, table_markdown, Piece, ReportOptions, FIGURE_MARKS,
};
pub use rules::{all_rules, profile_json, profile_markdown, profiles_document, rules_json, rules_markdown};
pub use sheets::{read_grid, Grid};
pub use trail::{
    diff_json, diff_text, history_json, history_line, history_summary_json, trace_json, trace_text, HISTORY_HEADING,
    HISTORY_NONE,
};
pub use xlsx::tables_xlsx;

use rust_decimal::Decimal;
use selfeval_core::report::Figure;

/// An amount in 万元 with two decimals, without the unit (`58.79`).
pub fn amount(figure: &Figure) -> String {
    figure.amount_text()
}

/// A rate as a percentage with two decimals and `%`, or 不适用.
pub fn rate(figure: &Figure) -> String {
    figure.rate_text()
}

/// Sequence numbers as compact ranges: `[7, 10, 11, 12, 14]` → `7,10-12,14`.
/// The seqs of a figure are sorted; a department total may have a million.
pub fn ranges(seqs: &[u64]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < seqs.len() {
        let start = seqs[i];
        let mut end = start;
        while i + 1 < seqs.len() && seqs[i + 1] == end + 1 {
            i += 1;
            end = seqs[i];
        }
        if !out.is_empty() {
            out.push(',');
        }
        if end == start {
            out.push_str(&start.to_string());
        } else {
            out.push_str(&format!("{start}-{end}"));
        }
        i += 1;
    }
    out
}

/// A score with two decimals, or 不适用.
pub fn score(value: Option<Decimal>) -> String {
    selfeval_core::report::score_text(value)
}

#[cfg(test)]
mod tests {
    #[test]
    fn ranges_are_compact() {
        assert_eq!(super::ranges(&[]), "");
        assert_eq!(super::ranges(&[7]), "7");
        assert_eq!(super::ranges(&[7, 10, 11, 12, 14, 15]), "7,10-12,14-15");
    }
}
