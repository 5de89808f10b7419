//! A recording command's request as a front end builds it from what was
//! typed: who, why, when it happened (`--at`, a spending's payment date)
//! and the confirmations. The CLI and a web form build theirs here, so the
//! defaults are one rule.

use chrono::{DateTime, Utc};
use selfeval_core::{Command, Meta, Request};

use crate::LedgerError;

/// What accompanies a command as typed.
#[derive(Debug, Clone, Default)]
pub struct Typed {
    /// Who acts.
    pub actor: String,
    /// Why, if said.
    pub reason: Option<String>,
    /// When it happened (`--at`): a date (its start, Beijing time) or an
    /// RFC 3339 time; absent, now (a spending: its payment date).
    pub at: Option<String>,
    /// `--confirm-large`.
    pub confirm_large: bool,
    /// `--as-printed`.
    pub as_printed: bool,
}

/// An effective time as typed for `--at`: RFC 3339, or a date (its start,
/// Beijing time).
pub fn parse_effective(text: &str) -> Result<DateTime<Utc>, LedgerError> {
    let trimmed = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(trimmed) {
        return Ok(t.to_utc());
    }
    if let Ok(date) = chrono::NaiveDate::parse_from_str(trimmed, "%Y-%m-%d") {
        let start = date.and_hms_opt(0, 0, 0).expect("midnight exists");
        let local = chrono::TimeZone::from_local_datetime(&selfeval_core::report::beijing(), &start);
        return Ok(local.single().expect("a fixed offset has one local time").to_utc());
    }
    Err(LedgerError::Invalid {
        field: "--at".to_owned(),
        message: format!(
            "「{text}」不是 RFC 3339 时间，也不是日期；可接受：如 2024-06-30 或 2024-06-30T10:00:00+08:00"
        ),
    })
}

/// The request `command` makes with `typed`, recorded at `recorded_at`.
/// A spending happened on its payment date unless `--at` says otherwise,
/// and an `--at` on another day than the payment date is refused: it
/// would date the spending twice, differently.
pub fn request(command: Command, typed: Typed, recorded_at: DateTime<Utc>) -> Result<Request, LedgerError> {
    let mut at = typed.at;
    if let Command::RecordExpenditure { date, .. } = &command {
        let paid = Some(date.trim()).filter(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok());
        match (&at, paid) {
            (None, _) => at = paid.map(str::to_owned),
            (Some(given), Some(paid)) => {
                let day = parse_effective(given)?.with_timezone(&selfeval_core::report::beijing());
                if day.date_naive().to_string() != paid {
                    return Err(LedgerError::Invalid {
                        field: "--at".to_owned(),
                        message: format!(
                            "「{given}」与支付日期 --date {paid} 不是同一天：支出的发生日期就是支付日期；可接受：省略 --at，或 {paid} 当天的时间"
                        ),
                    });
                }
            }
            (Some(_), None) => {}
        }
    }
    let at = at.as_deref().map(parse_effective).transpose()?;
    let meta = Meta { actor: typed.actor, reason: typed.reason, occurred_at: at.unwrap_or(recorded_at), recorded_at };
    Ok(Request { meta, command, confirm_large: typed.confirm_large, as_printed: typed.as_printed.then(Vec::new), at })
}
