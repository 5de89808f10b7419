//! The audit trail: every event as recorded, with what it changed
//! (old → new), read from the raw log without replaying domain state, so
//! that it works when a replay would fail.

use chrono::{DateTime, Utc};
use selfeval_core::describe::Describer;
use selfeval_core::event::{project_stream, EVENT_TYPES};
use selfeval_core::EventPayload;
use selfeval_store::StoredEvent;

pub use selfeval_core::trail::HistoryEntry;

use crate::{Ledger, LedgerError};

/// Which events `history` shows; every condition given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryFilter {
    /// Only this project's events.
    pub project: Option<String>,
    /// Only events of this type.
    pub event_type: Option<String>,
    /// Only events recorded by this actor: `NAME@SECTION` exactly, or a
    /// bare `NAME` for every section that name wrote under.
    pub actor: Option<String>,
    /// Only events recorded at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Only events recorded at or before this time.
    pub until: Option<DateTime<Utc>>,
    /// Only events whose reason, actor, recorded text or change contains this.
    pub grep: Option<String>,
    /// Only events that happened (effective time) at or after this.
    pub effective_since: Option<DateTime<Utc>>,
    /// Only events that happened (effective time) at or before this.
    pub effective_until: Option<DateTime<Utc>>,
}

/// The event type whose Chinese label is `label` (`预算已调整` → `BudgetAdjusted`).
fn type_of_label(label: &str) -> Option<&'static str> {
    EVENT_TYPES.iter().copied().find(|t| EventPayload::label_of(t) == Some(label))
}

/// A time bound of the audit trail as typed for `field`: an RFC 3339
/// time, or a date (Beijing time; `end` takes the day's last second).
pub fn time_bound(field: &str, text: &str, end: bool) -> Result<DateTime<Utc>, LedgerError> {
    use chrono::{NaiveDate, NaiveTime, TimeZone};
    if let Ok(t) = DateTime::parse_from_rfc3339(text.trim()) {
        return Ok(t.to_utc());
    }
    let date = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| LedgerError::Invalid {
        field: field.to_owned(),
        message: format!("「{text}」不是时间；可接受：YYYY-MM-DD 或 RFC 3339 时间"),
    })?;
    let time = if end { NaiveTime::from_hms_opt(23, 59, 59) } else { NaiveTime::from_hms_opt(0, 0, 0) };
    let local = date.and_time(time.expect("a valid time of day"));
    let beijing = selfeval_core::report::beijing();
    Ok(beijing.from_local_datetime(&local).single().expect("a fixed offset has one local time").to_utc())
}

impl HistoryFilter {
    /// The event type asked for is one this build knows (by its name or
    /// its Chinese label), or the refusal for `field` that lists them.
    pub fn require_known_type(&self, field: &str) -> Result<(), LedgerError> {
        let Some(t) = self.unknown_type() else { return Ok(()) };
        let known: Vec<String> =
            EVENT_TYPES.iter().map(|t| format!("{}（{t}）", EventPayload::label_of(t).unwrap_or(t))).collect();
        Err(LedgerError::Invalid {
            field: field.to_owned(),
            message: format!("「{t}」不是事件类型；可接受：中文名或类型名，{}", known.join("、")),
        })
    }

    /// Whether the event type is one this build knows, by its name or its
    /// Chinese label (`None` when it is).
    pub fn unknown_type(&self) -> Option<&str> {
        self.event_type.as_deref().filter(|t| !EVENT_TYPES.contains(t) && type_of_label(t).is_none())
    }

    fn keeps(&self, stored: &StoredEvent) -> bool {
        let e = &stored.envelope;
        self.event_type.as_ref().is_none_or(|t| *t == e.event_type || type_of_label(t) == Some(e.event_type.as_str()))
            && self.actor.as_ref().is_none_or(|a| {
                *a == e.actor || (!a.contains('@') && e.actor.split_once('@').is_some_and(|(name, _)| name == a))
            })
            && self.since.is_none_or(|t| e.recorded_at >= t)
            && self.until.is_none_or(|t| e.recorded_at <= t)
            && self.effective_since.is_none_or(|t| e.occurred_at >= t)
            && self.effective_until.is_none_or(|t| e.occurred_at <= t)
    }
}

impl Ledger {
    /// The events that pass `filter`, in log order, each with what it changed.
    pub fn history<'a>(
        &'a self,
        filter: &'a HistoryFilter,
    ) -> Result<impl Iterator<Item = Result<HistoryEntry, LedgerError>> + 'a, LedgerError> {
        let events: Box<dyn Iterator<Item = Result<StoredEvent, LedgerError>>> = match &filter.project {
            Some(code) => Box::new(self.store.stream_events(&project_stream(code))?.into_iter().map(Ok)),
            None => Box::new(self.events_from(1)),
        };
        // Amounts in the ledger's display unit, as every other screen.
        let unit = self
            .replay_streams(&[selfeval_core::event::DEPARTMENT_STREAM.to_owned()])?
            .department()
            .map(|d| d.unit)
            .unwrap_or_default();
        let mut describer = Describer::in_unit(unit);
        Ok(events.filter_map(move |stored| {
            let stored = match stored {
                Ok(stored) => stored,
                Err(error) => return Some(Err(error)),
            };
            let e = &stored.envelope;
            // Every event is described, shown or not: "old" needs them all.
            let (project, change) = match EventPayload::decode(&e.event_type, e.schema_version, &e.payload) {
                Ok(payload) => (Describer::project_of(&payload), describer.describe(e.seq, &payload)),
                Err(error) => (
                    e.stream.strip_prefix("project/").map(str::to_owned),
                    format!("（无法解码：{error}）{}", e.payload),
                ),
            };
            let found = filter.grep.as_ref().is_none_or(|text| {
                let e = &stored.envelope;
                change.contains(text.as_str())
                    || e.actor.contains(text.as_str())
                    || e.reason.as_ref().is_some_and(|r| r.contains(text.as_str()))
                    || unescaped_payload_contains(&e.payload, text)
            });
            (found && filter.keeps(&stored)).then(|| Ok(entry(stored, project, change)))
        }))
    }
}

/// A stored event as the audit trail shows it.
fn entry(stored: StoredEvent, project: Option<String>, change: String) -> HistoryEntry {
    let StoredEvent { envelope: e, hash } = stored;
    HistoryEntry {
        seq: e.seq,
        recorded_at: e.recorded_at,
        occurred_at: e.occurred_at,
        actor: e.actor,
        event_type: e.event_type,
        schema_version: e.schema_version,
        project,
        change,
        reason: e.reason,
        command_id: e.command_id,
        hash,
        payload: e.payload,
    }
}

/// Whether the payload's text values contain `text` (JSON escapes undone).
fn unescaped_payload_contains(payload: &str, text: &str) -> bool {
    match serde_json::from_str::<serde_json::Value>(payload) {
        Ok(value) => value_contains(&value, text),
        Err(_) => payload.contains(text),
    }
}

fn value_contains(value: &serde_json::Value, text: &str) -> bool {
    match value {
        serde_json::Value::String(s) => s.contains(text),
        serde_json::Value::Array(items) => items.iter().any(|v| value_contains(v, text)),
        serde_json::Value::Object(map) => map.values().any(|v| value_contains(v, text)),
        _ => false,
    }
}
