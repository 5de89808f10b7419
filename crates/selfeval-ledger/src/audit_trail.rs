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
        let mut describer = Describer::in_unit(self.display_unit()?);
        Ok(events.filter_map(move |stored| {
            let stored = match stored {
                Ok(stored) => stored,
                Err(error) => return Some(Err(error)),
            };
            // Every event is described, shown or not: "old" needs them all.
            let (project, change) = described(&mut describer, &stored);
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

/// The project a stored event is about and what it changed, `describer`
/// having seen the events before it (of its stream, at least).
fn described(describer: &mut Describer, stored: &StoredEvent) -> (Option<String>, String) {
    let e = &stored.envelope;
    match EventPayload::decode(&e.event_type, e.schema_version, &e.payload) {
        Ok(payload) => (Describer::project_of(&payload), describer.describe(e.seq, &payload)),
        Err(error) => {
            (e.stream.strip_prefix("project/").map(str::to_owned), format!("（无法解码：{error}）{}", e.payload))
        }
    }
}

/// Which page of the audit trail to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageAt {
    /// The page with this number (from 1).
    Number(usize),
    /// The page that holds this event.
    Holding(u64),
}

/// One page of the audit trail, with the count of all its pages.
#[derive(Debug, Clone)]
pub struct HistoryPage {
    /// The events of the page, in log order.
    pub entries: Vec<HistoryEntry>,
    /// How many events pass the filter, on all pages.
    pub total: usize,
    /// This page's number, from 1.
    pub page: usize,
    /// How many pages there are (at least 1).
    pub pages: usize,
}

impl HistoryFilter {
    /// Whether the filter keeps every event.
    fn keeps_all(&self) -> bool {
        *self == HistoryFilter::default()
    }
}

impl Ledger {
    /// The ledger's display unit (the department's, read from its stream).
    fn display_unit(&self) -> Result<selfeval_core::values::AmountUnit, LedgerError> {
        let department = self.replay_streams(&[selfeval_core::event::DEPARTMENT_STREAM.to_owned()])?;
        Ok(department.department().map(|d| d.unit).unwrap_or_default())
    }

    /// One page (`per_page` events) of the events that pass `filter`;
    /// `None` when the event a page is asked to hold does not pass it.
    /// A page beyond the last is refused, naming `page`.
    ///
    /// Without a filter, the page is read where it lies in the log, and
    /// each event is described after the events of its own stream before
    /// it (what "old → new" needs), not after the whole log.
    pub fn history_page(
        &self,
        filter: &HistoryFilter,
        at: PageAt,
        per_page: usize,
    ) -> Result<Option<HistoryPage>, LedgerError> {
        let per_page = per_page.max(1);
        if filter.keeps_all() {
            return self.log_page(at, per_page);
        }
        let (mut total, mut reading, mut shown, mut found) = (0usize, Vec::new(), Vec::new(), None);
        for entry in self.history(filter)? {
            let entry = entry?;
            let on = total / per_page + 1;
            match (at, found) {
                (PageAt::Number(n), _) if on == n => shown.push(entry),
                (PageAt::Number(_), _) => {}
                (PageAt::Holding(_), Some(kept)) if on == kept => shown.push(entry),
                (PageAt::Holding(_), Some(_)) => {}
                (PageAt::Holding(seq), None) => {
                    if total.is_multiple_of(per_page) {
                        reading.clear();
                    }
                    let hit = entry.seq == seq;
                    reading.push(entry);
                    if hit {
                        found = Some(on);
                        shown = std::mem::take(&mut reading);
                    }
                }
            }
            total += 1;
        }
        let page = match (at, found) {
            (PageAt::Holding(_), None) => return Ok(None),
            (_, Some(kept)) => kept,
            (PageAt::Number(n), None) => n,
        };
        page_in(page, total, per_page)?;
        Ok(Some(HistoryPage { entries: shown, total, page, pages: total.div_ceil(per_page).max(1) }))
    }

    /// [`Ledger::history_page`] without a filter.
    fn log_page(&self, at: PageAt, per_page: usize) -> Result<Option<HistoryPage>, LedgerError> {
        let total = usize::try_from(self.store.head().seq).unwrap_or(usize::MAX);
        let page = match at {
            PageAt::Number(n) => n,
            PageAt::Holding(seq) => match usize::try_from(seq) {
                Ok(seq) if seq >= 1 && seq <= total => (seq - 1) / per_page + 1,
                _ => return Ok(None),
            },
        };
        let pages = page_in(page, total, per_page)?;
        let first = (page - 1) * per_page + 1;
        let last = (page * per_page).min(total);
        let mut stored = Vec::with_capacity(per_page);
        if total > 0 {
            for event in self.store.events_from(first as u64) {
                let event = event?;
                if event.envelope.seq > last as u64 {
                    break;
                }
                stored.push(event);
            }
        }
        let unit = self.display_unit()?;
        let streams: std::collections::BTreeSet<String> = stored.iter().map(|e| e.envelope.stream.clone()).collect();
        let mut changes = std::collections::HashMap::new();
        for stream in streams {
            let mut describer = Describer::in_unit(unit);
            for event in self.store.stream_events_until(&stream, last as u64)? {
                let change = described(&mut describer, &event);
                if event.envelope.seq >= first as u64 {
                    changes.insert(event.envelope.seq, change);
                }
            }
        }
        let entries = stored
            .into_iter()
            .map(|event| {
                let (project, change) = changes.remove(&event.envelope.seq).unwrap_or_default();
                entry(event, project, change)
            })
            .collect();
        Ok(Some(HistoryPage { entries, total, page, pages }))
    }
}

/// The number of pages of `total` events, or the refusal of a `page` beyond them.
fn page_in(page: usize, total: usize, per_page: usize) -> Result<usize, LedgerError> {
    let pages = total.div_ceil(per_page).max(1);
    if page == 0 || page > pages {
        return Err(LedgerError::Invalid {
            field: "page".to_owned(),
            message: format!("「{page}」不在 1 至 {pages} 之间；可接受：1 至 {pages} 的页码"),
        });
    }
    Ok(pages)
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

#[cfg(test)]
mod tests {
    use super::{HistoryFilter, PageAt};

    /// The unfiltered trail read page by page where each page lies in the
    /// log is the trail read from the first event: every entry, with the
    /// same "old → new"; a page is found by an event it holds.
    #[test]
    fn a_page_of_the_log_reads_as_the_whole_trail_does() {
        let (_dir, _location, ledger) = crate::demo::demo_in_temp();
        let all = HistoryFilter::default();
        let whole: Vec<_> = ledger.history(&all).unwrap().map(Result::unwrap).collect();
        assert_eq!(whole.len(), 77);
        for per_page in [1, 7, 100] {
            let pages = whole.len().div_ceil(per_page);
            for (i, chunk) in whole.chunks(per_page).enumerate() {
                let page = ledger.history_page(&all, PageAt::Number(i + 1), per_page).unwrap().unwrap();
                assert_eq!(page.entries, chunk, "page {} of {per_page}", i + 1);
                assert_eq!((page.total, page.page, page.pages), (77, i + 1, pages));
                let held = ledger.history_page(&all, PageAt::Holding(chunk[0].seq), per_page).unwrap().unwrap();
                assert_eq!(held.page, i + 1);
            }
            let beyond = ledger.history_page(&all, PageAt::Number(pages + 1), per_page).unwrap_err();
            assert_eq!(beyond.field(), Some("page"));
            assert!(beyond.message().contains(&format!("不在 1 至 {pages} 之间")), "{}", beyond.message());
        }
        for seq in [0, 78] {
            assert!(ledger.history_page(&all, PageAt::Holding(seq), 10).unwrap().is_none());
        }
        // A filtered trail is paged the same way.
        let p02 = HistoryFilter { project: Some("P02".into()), ..HistoryFilter::default() };
        let filtered: Vec<_> = ledger.history(&p02).unwrap().map(Result::unwrap).collect();
        let page = ledger.history_page(&p02, PageAt::Holding(filtered[12].seq), 10).unwrap().unwrap();
        assert_eq!(
            (page.page, page.total, &page.entries[..]),
            (2, filtered.len(), &filtered[10..20.min(filtered.len())])
        );
    }
}
