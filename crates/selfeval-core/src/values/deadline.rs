//! Deadlines: a 时效指标 whose 年度指标值 is a date or a month
//! (`2023年12月`, `≤2023年12月`, `2023-12-31前`, `2023年底前`) and whose
//! actual value is the date the work was done (`2023年11月`,
//! `2023-12-20`) or 「按时完成」.
//!
//! A month stands for its last day; `<` (strictly before) moves the
//! deadline to the day before the date or month named. An actual on or
//! before the deadline achieves it; a later one scores as a ceiling (≤) on
//! the days elapsed since 1 January of the deadline's year, with the rule
//! profile's reverse scoring (`docs/spec/scoring.md`, "Deadlines").

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use super::{Operator, ValueError};

/// The ways a table says work was done by its deadline without a date.
const ON_TIME: &[&str] =
    &["按时完成", "按期完成", "已按时完成", "已按期完成", "如期完成", "按计划完成", "按时", "按期", "如期"];

/// What an actual value of a deadline says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completion {
    /// Done on this day (a month is read as its last day).
    On(NaiveDate),
    /// 「按时完成」: done by the deadline, no date given.
    OnTime,
}

/// The accepted forms of a deadline's actual value.
pub const COMPLETION_ACCEPTED: &str =
    "完成日期或月份，如 2023-11-20、2023年11月20日、2023年11月、2023.11.20；或 按时完成；原表只印「已完成」等文字时用 --as-printed 照录";

/// A date or a month as printed: `2023年12月31日`, `2023年12月`,
/// `2023年12月底`, `2023年底`, `2023-12-31`, `2023-12`, `2023/12`,
/// `2023.12.31` (with dots only a full date: `2023.5` is a number). A
/// month (or a year's 底/末) is read as its last day; the flag says
/// whether a day was named (底 and 末 name one).
fn date_or_month(text: &str) -> Option<(NaiveDate, bool)> {
    let text = text.trim();
    let (year, rest) = text.split_once(['年', '-', '.', '/'])?;
    let year: i32 = number(year)?;
    if !(1900..=2999).contains(&year) {
        return None;
    }
    if matches!(rest, "底" | "末" | "年底" | "年末") && text[year.to_string().len()..].starts_with('年') {
        return NaiveDate::from_ymd_opt(year, 12, 31).map(|d| (d, true));
    }
    let (month, day) = match rest.split_once(['月', '-', '.', '/']) {
        Some((month, day)) => (month, Some(day)),
        None => (rest, None),
    };
    // `2023.5` and `1999.9` are numbers, not months.
    if text.contains('.') && day.is_none_or(str::is_empty) {
        return None;
    }
    let month: u32 = number(month)?;
    let day = day.map(|d| d.trim_end_matches(['日', '号']));
    match day {
        None | Some("") => last_day(year, month).map(|d| (d, false)),
        Some("底" | "末") => last_day(year, month).map(|d| (d, true)),
        Some(day) => NaiveDate::from_ymd_opt(year, month, number(day)?).map(|d| (d, true)),
    }
}

fn number<T: std::str::FromStr>(text: &str) -> Option<T> {
    let text = text.trim();
    if text.is_empty() || !text.chars().all(|c| c.is_ascii_digit()) || text.len() > 4 {
        return None;
    }
    text.parse().ok()
}

fn last_day(year: i32, month: u32) -> Option<NaiveDate> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let next = if month == 12 { NaiveDate::from_ymd_opt(year + 1, 1, 1)? } else { first.with_month(month + 1)? };
    next.pred_opt()
}

/// `text` without the words printed after a date: 完成, 前, 之前, 以前.
fn bare(text: &str) -> &str {
    let mut body = text.trim();
    for suffix in ["完成", "以前", "之前", "前"] {
        body = body.strip_suffix(suffix).unwrap_or(body).trim_end();
    }
    body
}

/// The last day a deadline target allows, if `text` is one: an optional
/// ≤ or < before a date or month, an optional 前/之前/以前 and 完成 after it.
/// `None` when the text is no deadline (it is then read as other targets are).
pub fn parse_deadline(text: &str, op: Option<Operator>) -> Option<NaiveDate> {
    let (date, day_named) = date_or_month(bare(text))?;
    match op {
        None | Some(Operator::AtMost) => Some(date),
        // Strictly before a month is before its first day.
        Some(Operator::LessThan) if day_named => date.pred_opt(),
        Some(Operator::LessThan) => date.with_day(1).and_then(|d| d.pred_opt()),
        Some(_) => None,
    }
}

/// Reads the actual value of a deadline indicator.
pub fn parse_completion(text: &str) -> Result<Completion, ValueError> {
    let text = text.trim();
    if ON_TIME.contains(&text) {
        return Ok(Completion::OnTime);
    }
    match date_or_month(bare(text)) {
        Some((date, _)) => Ok(Completion::On(date)),
        None => Err(ValueError::new(
            format!("「{text}」不是日期或月份：年度指标值是完成时限，实际完成值须为完成日期"),
            COMPLETION_ACCEPTED,
        )),
    }
}

/// Days from 1 January of the deadline's year to the deadline and to the
/// completion, both counted inclusive (`by` = 12-31 of a common year is 365).
pub fn elapsed_days(by: NaiveDate, completion: Completion) -> (Decimal, Decimal) {
    let done = match completion {
        Completion::On(date) => date,
        Completion::OnTime => by,
    };
    let start = NaiveDate::from_ymd_opt(by.year(), 1, 1).unwrap_or(by);
    let days = |d: NaiveDate| Decimal::from(d.signed_duration_since(start).num_days().saturating_add(1).max(0));
    (days(by), days(done))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn deadlines_read_as_their_last_day() {
        assert_eq!(parse_deadline("2023年12月", None), Some(ymd(2023, 12, 31)));
        assert_eq!(parse_deadline("2023年12月", Some(Operator::AtMost)), Some(ymd(2023, 12, 31)));
        assert_eq!(parse_deadline("2023-12-31前", None), Some(ymd(2023, 12, 31)));
        assert_eq!(parse_deadline("2023年底前", None), Some(ymd(2023, 12, 31)));
        assert_eq!(parse_deadline("2024年2月底前完成", None), Some(ymd(2024, 2, 29)));
        assert_eq!(parse_deadline("2023.6.30", None), Some(ymd(2023, 6, 30)));
        assert_eq!(parse_deadline("2023年12月", Some(Operator::LessThan)), Some(ymd(2023, 11, 30)));
        assert_eq!(parse_deadline("2023-12-15", Some(Operator::LessThan)), Some(ymd(2023, 12, 14)));
        assert_eq!(parse_deadline("2023年底", Some(Operator::LessThan)), Some(ymd(2023, 12, 30)));
        assert_eq!(parse_deadline("2023年12月底", Some(Operator::LessThan)), Some(ymd(2023, 12, 30)));
        assert_eq!(parse_deadline("2023年6月30", Some(Operator::LessThan)), Some(ymd(2023, 6, 29)));
        assert_eq!(parse_deadline("2024-2", None), Some(ymd(2024, 2, 29)));
        assert_eq!(parse_deadline("2023年12月", Some(Operator::AtLeast)), None);
        for not_a_date in
            ["效果明显", "2023", "2023年13月", "12月", "2023年12月32日", "≥95%", "2023.5", "1999.9", "2023-底"]
        {
            assert_eq!(parse_deadline(not_a_date, None), None, "{not_a_date}");
        }
    }

    #[test]
    fn completions_are_dates_or_on_time() {
        assert_eq!(parse_completion("2023年11月").unwrap(), Completion::On(ymd(2023, 11, 30)));
        assert_eq!(parse_completion("2023-11-20完成").unwrap(), Completion::On(ymd(2023, 11, 20)));
        assert_eq!(parse_completion("按时完成").unwrap(), Completion::OnTime);
        assert_eq!(parse_completion("按计划完成").unwrap(), Completion::OnTime);
        assert_eq!(parse_completion("2023年12月前完成").unwrap(), Completion::On(ymd(2023, 12, 31)));
        assert!(parse_completion("已完成").is_err());
        let error = parse_completion("很快").unwrap_err();
        assert_eq!(error.problem, "「很快」不是日期或月份：年度指标值是完成时限，实际完成值须为完成日期");
    }
}
