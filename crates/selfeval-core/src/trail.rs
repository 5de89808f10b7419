//! What the audit trail, a trace and a diff say: the models the ledger
//! builds from the log and every front end renders (the report crate's
//! `trail` module writes them as text and JSON; a page writes them as
//! HTML).

use chrono::{DateTime, Utc};

use crate::check::Finding;

/// One event of the audit trail, as recorded, with what it changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    /// Its sequence number.
    pub seq: u64,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// When it happened (its business time).
    pub occurred_at: DateTime<Utc>,
    /// Who recorded it.
    pub actor: String,
    /// Its type name.
    pub event_type: String,
    /// The schema version of its payload.
    pub schema_version: u32,
    /// The project it is about, if any.
    pub project: Option<String>,
    /// What it changed, old → new (or why it cannot be decoded).
    pub change: String,
    /// Why, if given.
    pub reason: Option<String>,
    /// The command that recorded it.
    pub command_id: String,
    /// Its link in the hash chain.
    pub hash: String,
    /// Its payload as stored (JSON).
    pub payload: String,
}

/// One figure explained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trace {
    /// The project code, or `department`.
    pub code: String,
    /// The figure's key, as asked for.
    pub figure: String,
    /// Its Chinese label.
    pub label: String,
    /// Its value as the report prints it.
    pub value: String,
    /// How it was computed, in words and numbers.
    pub formula: String,
    /// The events it was computed from, in log order.
    pub events: Vec<TracedEvent>,
}

/// One event behind a figure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TracedEvent {
    /// Its sequence number.
    pub seq: u64,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// Who recorded it.
    pub actor: String,
    /// Its type name.
    pub event_type: String,
    /// What it changed, old → new.
    pub change: String,
    /// Why, if given.
    pub reason: Option<String>,
}

/// One figure that differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The project, or `None` for the department.
    pub project: Option<String>,
    /// The figure, in Chinese (`全年执行数`, `指标I1 实际完成值`).
    pub figure: String,
    /// Its value at the first point, as the report prints it.
    pub before: String,
    /// Its value at the second point.
    pub after: String,
    /// The events between the two points that it was computed from.
    pub events: Vec<u64>,
}

/// What changed between two points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diff {
    /// The last event of the first point.
    pub from_seq: u64,
    /// The last event of the second point.
    pub to_seq: u64,
    /// The figures that differ, in report order.
    pub changes: Vec<Change>,
    /// Findings at the second point that were not at the first.
    pub findings_added: Vec<Finding>,
    /// Findings at the first point that are gone at the second.
    pub findings_removed: Vec<Finding>,
}

/// One event of a trace as a page shows it beside the figure: its place in
/// the chain, whether its command was signed, the figure before and after
/// it, and its stored line with that line's SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TracedDetail {
    /// The event.
    pub seq: u64,
    /// Its link in the hash chain.
    pub hash: String,
    /// Whether its command was signed (a `CommandSigned` of the same command).
    pub signed: bool,
    /// The figure just before it (`—` where it did not exist yet).
    pub before: String,
    /// The figure just after it.
    pub after: String,
    /// Its stored line, exactly as the chain hashed it.
    pub line: String,
    /// The SHA-256 of that line, in lower-case hex.
    pub sha256: String,
}

/// One page of a trace: the figure, the events of this page with their
/// details, and how many there are in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TracePage {
    /// The figure and the events of this page behind it.
    pub trace: Trace,
    /// The events of this page (at most `per_page`), in log order.
    pub details: Vec<TracedDetail>,
    /// This page, from 1.
    pub page: usize,
    /// How many pages there are (at least 1).
    pub pages: usize,
    /// How many events are behind the figure, on all pages.
    pub total: usize,
}
