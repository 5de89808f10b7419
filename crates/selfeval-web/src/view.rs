//! What the templates read: the scope band every page states, the query a
//! page was asked with (kept on every link), and figures as text with
//! their trace links.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use selfeval_core::report::{beijing, Figure, ReportModel};
use serde::Serialize;

/// The scope every page and its print states: whose, which year, as of
/// which event, the chain's head, when it was made, the view asked for.
#[derive(Debug, Clone, Serialize)]
pub struct Band {
    pub department: String,
    pub year: i32,
    /// The last event the page reflects.
    pub seq: u64,
    /// The chain's head when the page was made.
    pub head_seq: u64,
    /// Its hash's first 12 hex digits.
    pub head_hash: String,
    /// When the page was made (Beijing time).
    pub made: String,
    /// `?as_of=` and `?effective=`, as asked.
    pub as_of: Option<String>,
    pub effective: Option<String>,
}

impl Band {
    pub fn new(model: &ReportModel, head: &selfeval_ledger::Head, query: &Query, now: DateTime<Utc>) -> Band {
        Band::at(&model.department, model.year, model.basis.seq, head, query, now)
    }

    /// The band of a page that reflects event `seq` without a report model
    /// (the audit trail reads the raw log).
    pub fn at(
        department: &str,
        year: i32,
        seq: u64,
        head: &selfeval_ledger::Head,
        query: &Query,
        now: DateTime<Utc>,
    ) -> Band {
        Band {
            department: department.to_owned(),
            year,
            seq,
            head_seq: head.seq,
            head_hash: head.hash.chars().take(12).collect(),
            made: minute(now),
            as_of: query.as_of.clone(),
            effective: query.effective.clone(),
        }
    }
}

/// The query a page was asked with: the view, and the page's own.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub as_of: Option<String>,
    pub effective: Option<String>,
    pub other: BTreeMap<String, String>,
}

impl Query {
    pub fn new(mut all: BTreeMap<String, String>) -> Query {
        let mut take = |key: &str| all.remove(key).filter(|v| !v.trim().is_empty());
        let (as_of, effective) = (take("as_of"), take("effective"));
        Query { as_of, effective, other: all }
    }

    /// The view's part of a link (`?as_of=120`), so that every link stays
    /// in the view the page was asked in; empty at the head.
    pub fn view_suffix(&self) -> String {
        let mut pairs = Vec::new();
        if let Some(v) = &self.as_of {
            pairs.push(format!("as_of={}", encode(v)));
        }
        if let Some(v) = &self.effective {
            pairs.push(format!("effective={}", encode(v)));
        }
        if pairs.is_empty() {
            String::new()
        } else {
            format!("?{}", pairs.join("&"))
        }
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.other.get(key).map(String::as_str)
    }
}

/// A query value percent-encoded (every byte but unreserved ones).
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A time as pages show it: Beijing time, to the minute.
pub fn minute(t: DateTime<Utc>) -> String {
    t.with_timezone(&beijing()).format("%Y-%m-%d %H:%M").to_string()
}

/// A figure as a page shows it: its text and the link to its trace.
#[derive(Debug, Clone, Serialize)]
pub struct Shown {
    pub text: String,
    pub href: String,
}

/// The link to the trace of `figure` of `code` (a project or
/// `department`), in the view of `query`.
pub fn trace_href(code: &str, figure: &str, query: &Query) -> String {
    format!("/trace/{}/{}{}", encode(code), encode(figure), query.view_suffix())
}

pub fn shown(text: String, code: &str, figure: &str, query: &Query) -> Shown {
    Shown { text, href: trace_href(code, figure, query) }
}

/// An amount with its unit (`6.00万元`), or 不适用.
pub fn money(model: &ReportModel, figure: &Figure) -> String {
    match figure.value {
        Some(_) => format!("{}{}", model.money(figure), model.unit_label()),
        None => model.money(figure),
    }
}
