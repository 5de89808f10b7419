//! Replay: stored events decoded and folded into state, as of a point, from
//! the state snapshot when one matches the log.

use chrono::{DateTime, Utc};
use selfeval_core::{Evaluation, EventPayload, Meta, RecordedEvent, State};
use selfeval_store::{CacheFound, Envelope, Head, Store, StoredEvent, GENESIS_HASH};

use crate::{Ledger, LedgerError};

/// Where a replay stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AsOf {
    /// After the event with this sequence number.
    Seq(u64),
    /// After every event recorded at or before this time.
    Time(DateTime<Utc>),
}

/// Which events a replay takes: up to a point of the log (the recorded
/// axis) and, when given, only those that happened by a date (the business
/// axis): "as recorded then" and "as it stood on that date, known now".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct View {
    /// The last point of the log, if not the head.
    pub as_of: Option<AsOf>,
    /// Only events whose effective time is at or before this.
    pub effective: Option<DateTime<Utc>>,
}

impl From<Option<AsOf>> for View {
    fn from(as_of: Option<AsOf>) -> View {
        View { as_of, effective: None }
    }
}

impl AsOf {
    /// A point of the log as typed for `field`: a sequence number, an
    /// RFC 3339 time, or a date (the end of that day, Beijing time).
    pub fn parse(field: &str, text: &str) -> Result<AsOf, crate::LedgerError> {
        let trimmed = text.trim();
        if let Ok(seq) = trimmed.parse::<u64>() {
            return Ok(AsOf::Seq(seq));
        }
        if let Ok(t) = chrono::DateTime::parse_from_rfc3339(trimmed) {
            return Ok(AsOf::Time(t.to_utc()));
        }
        if let Ok(date) = chrono::NaiveDate::parse_from_str(trimmed, "%Y-%m-%d") {
            let end = date.and_hms_opt(23, 59, 59).expect("a valid time of day");
            let local = chrono::TimeZone::from_local_datetime(&selfeval_core::report::beijing(), &end);
            return Ok(AsOf::Time(local.single().expect("a fixed offset has one local time").to_utc()));
        }
        Err(crate::LedgerError::Invalid {
            field: field.to_owned(),
            message: format!(
                "「{text}」既不是事件序号也不是时间；可接受：正整数序号、日期如 2024-12-31，或 RFC 3339 时间如 2024-12-31T18:00:00+08:00"
            ),
        })
    }
}

impl View {
    /// The view `--as-of` and `--effective` (or `?as_of=` and
    /// `?effective=`) ask for, as typed: a business date is a date or a
    /// time, never a sequence number.
    pub fn parse(as_of: Option<&str>, effective: Option<&str>) -> Result<View, crate::LedgerError> {
        let as_of = as_of.map(|t| AsOf::parse("--as-of", t)).transpose()?;
        let effective = match effective {
            None => None,
            Some(text) => match AsOf::parse("--effective", text)? {
                AsOf::Time(t) => Some(t),
                AsOf::Seq(_) => {
                    return Err(crate::LedgerError::Invalid {
                        field: "--effective".to_owned(),
                        message: format!("「{text}」是事件序号；业务日期须是日期或时间，如 2024-06-30"),
                    })
                }
            },
        };
        Ok(View { as_of, effective })
    }

    /// One end of a comparison (`diff FROM TO`) as typed for `field`: a
    /// point of the log, or with `effective` a business date (never a
    /// sequence number).
    pub fn end(field: &str, text: &str, effective: bool) -> Result<View, crate::LedgerError> {
        match (effective, AsOf::parse(field, text)?) {
            (false, point) => Ok(View { as_of: Some(point), effective: None }),
            (true, AsOf::Time(t)) => Ok(View { as_of: None, effective: Some(t) }),
            (true, AsOf::Seq(_)) => Err(crate::LedgerError::Invalid {
                field: field.to_owned(),
                message: format!("「{text}」是事件序号；--effective 比较的是业务日期，如 2024-06-30"),
            }),
        }
    }
}

/// What a view does with a stored event, in log order.
pub(crate) enum Take {
    /// The event, decoded: the view takes it.
    Apply(Box<RecordedEvent>),
    /// Not this one (recorded after the time asked for, or dated after the
    /// business date).
    Skip,
    /// Nor any later one (after the point of the log asked for).
    Stop,
}

impl View {
    /// Whether the view takes `stored` (see [`Take`]).
    pub(crate) fn take(&self, stored: &StoredEvent) -> Result<Take, LedgerError> {
        match self.as_of {
            Some(AsOf::Seq(seq)) if stored.envelope.seq > seq => return Ok(Take::Stop),
            Some(AsOf::Time(t)) if stored.envelope.recorded_at > t => return Ok(Take::Skip),
            _ => {}
        }
        let event = decode(stored)?;
        if self.effective.is_some_and(|e| event.payload.is_dated() && stored.envelope.occurred_at > e) {
            return Ok(Take::Skip);
        }
        Ok(Take::Apply(Box::new(event)))
    }
}

/// A replayed state, with the head it reflects and, when asked, every event.
#[derive(Debug)]
pub struct Replayed {
    /// The state.
    pub state: State,
    /// The last event replayed.
    pub head: Head,
    /// Every event replayed, as stored and as decoded (only when asked for).
    pub events: Vec<(StoredEvent, RecordedEvent)>,
    /// The event of the state snapshot the replay started from, if it did.
    pub from_snapshot: Option<u64>,
    /// The business date of the view, if it had one.
    pub effective: Option<DateTime<Utc>>,
}

impl Replayed {
    /// The report model and the findings of this state.
    pub fn evaluate(&self) -> Evaluation {
        selfeval_core::evaluation::evaluate_on(&self.state, &self.head.hash, self.business_date())
    }

    /// The report model alone, without the checks (for the 自评表 and lists).
    pub fn report_model(&self) -> selfeval_core::ReportModel {
        selfeval_core::ReportModel::build_on(&self.state, &self.head.hash, self.business_date())
    }

    /// [`Replayed::report_model`] stating the replay's point of the log as
    /// its basis: the last event the view took, also where the state holds
    /// fewer streams than the log (a project's trace).
    pub(crate) fn model_at_head(&self) -> selfeval_core::ReportModel {
        let mut model = self.report_model();
        model.basis.seq = self.head.seq;
        model
    }

    /// The view's business date (Beijing), against which deadlines are judged.
    fn business_date(&self) -> Option<chrono::NaiveDate> {
        self.effective.map(|t| t.with_timezone(&selfeval_core::report::beijing()).date_naive())
    }
}

/// What [`Ledger::verify_replaying`] found of the state snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnapshotCheck {
    /// There is no snapshot.
    Missing,
    /// It agrees with a replay of the log up to this event.
    Agrees(u64),
    /// It reflects an event the log no longer holds (removed).
    Stale,
    /// Its bytes do not match its digest or cannot be decoded (removed).
    Corrupt(String),
    /// It matches its digest but not a replay of the log up to this event:
    /// it was forged (removed).
    Differs(u64),
}

/// Decodes a stored event into the core's recorded event (upcasting old
/// schema versions). An undecodable event is an integrity error naming it.
pub fn decode(event: &StoredEvent) -> Result<RecordedEvent, LedgerError> {
    decode_envelope(&event.envelope)
}

/// Decodes an envelope (as the store and the export hold it) into the
/// core's recorded event.
pub fn decode_envelope(e: &Envelope) -> Result<RecordedEvent, LedgerError> {
    let payload = EventPayload::decode(&e.event_type, e.schema_version, &e.payload)
        .map_err(|d| LedgerError::Integrity(format!("事件{}无法解码：{d}", e.seq)))?;
    Ok(RecordedEvent {
        seq: e.seq,
        meta: Meta {
            actor: e.actor.clone(),
            reason: e.reason.clone(),
            occurred_at: e.occurred_at,
            recorded_at: e.recorded_at,
        },
        payload,
    })
}

/// The state snapshot, decoded as it is read (its bytes are never all in
/// memory beside the state).
pub(crate) fn read_snapshot(store: &Store) -> Result<CacheFound<State>, LedgerError> {
    Ok(store.read_cache_with(&snapshot_name(), |bytes| rmp_serde::from_read::<_, State>(bytes))?)
}

/// The name of the state snapshot of this build's `State`.
pub(crate) fn snapshot_name() -> String {
    format!("state-v{}", selfeval_core::state::STATE_VERSION)
}

/// `seq` as a point of a log whose last event is `last`, or the refusal
/// of `--as-of` that says which points there are.
pub(crate) fn point_of_log(seq: u64, last: u64) -> Result<u64, LedgerError> {
    if seq == 0 || seq > last {
        return Err(LedgerError::Invalid {
            field: "--as-of".into(),
            message: format!("库中的事件序号为1至{last}，没有事件{seq}；可接受：1至{last}之间的序号，或 RFC 3339 时间"),
        });
    }
    Ok(seq)
}

impl Ledger {
    /// Replays the log up to `as_of` (the head if `None`).
    pub fn replay(&self, as_of: Option<AsOf>) -> Result<Replayed, LedgerError> {
        self.replay_from_snapshot(View::from(as_of), false)
    }

    /// Replays the events `view` takes.
    pub fn replay_view(&self, view: View) -> Result<Replayed, LedgerError> {
        self.replay_from_snapshot(view, false)
    }

    /// Replays the events `view` takes, keeping every event (for `trace`).
    pub fn replay_with_events(&self, view: View) -> Result<Replayed, LedgerError> {
        self.replay_from_snapshot(view, true)
    }

    /// Replays from the whole log, never from the snapshot.
    pub fn replay_full(&self) -> Result<State, LedgerError> {
        self.replay_log_until(u64::MAX)
    }

    /// Replays the log from its first event up to `seq`, never from the snapshot.
    pub(crate) fn replay_log_until(&self, seq: u64) -> Result<State, LedgerError> {
        let mut state = State::default();
        for stored in self.store.events_from(1) {
            let stored = stored?;
            if stored.envelope.seq > seq {
                break;
            }
            state.apply(&decode(&stored)?);
        }
        Ok(state)
    }

    /// Starts from the state snapshot when one matches the log and lies
    /// before the point asked for (a time bound cannot use it: recorded
    /// times need not be monotone), and leaves a new snapshot when it
    /// replayed a long tail to the head.
    fn replay_from_snapshot(&self, view: View, keep_events: bool) -> Result<Replayed, LedgerError> {
        let View { as_of, effective } = view;
        if let Some(AsOf::Seq(seq)) = as_of {
            point_of_log(seq, self.store.head().seq)?;
        }
        let mut state = State::default();
        let mut head = Head { seq: 0, hash: GENESIS_HASH.to_owned() };
        let usable = !keep_events && effective.is_none() && !matches!(as_of, Some(AsOf::Time(_)));
        if usable {
            if let CacheFound::Valid { seq, hash, value: mut snapshot } = read_snapshot(&self.store)? {
                let before = match as_of {
                    Some(AsOf::Seq(at)) => seq <= at,
                    _ => true,
                };
                if before {
                    snapshot.rebuild_index();
                    state = snapshot;
                    head = Head { seq, hash };
                }
            }
        }
        let start = head.seq;
        let from_snapshot = (start > 0).then_some(start);
        let mut events = Vec::new();
        for stored in self.store.events_from(head.seq + 1) {
            let stored = stored?;
            let event = match view.take(&stored)? {
                Take::Apply(event) => *event,
                Take::Skip => continue,
                Take::Stop => break,
            };
            state.apply(&event);
            head = Head { seq: stored.envelope.seq, hash: stored.hash.clone() };
            if keep_events {
                events.push((stored, event));
            }
        }
        if usable && as_of.is_none() && head.seq > start && head.seq - start >= self.settings.snapshot_after {
            self.write_snapshot(&state, head.seq);
        }
        Ok(Replayed { state, head, events, from_snapshot, effective })
    }

    /// Leaves a state snapshot at `seq`. A cache: failing to write it costs
    /// speed, never correctness.
    pub(crate) fn write_snapshot(&self, state: &State, seq: u64) {
        // Serialised straight into the file: a snapshot at a million
        // events is tens of MB that need not be in memory beside the state.
        let _ = self.store.write_cache_with(&snapshot_name(), seq, &mut |out| {
            rmp_serde::encode::write(&mut *out, state).map_err(std::io::Error::other)
        });
    }

    /// Replays only the given streams, in log order: what a command that
    /// concerns one project needs, without reading the whole log.
    pub fn replay_streams(&self, streams: &[String]) -> Result<State, LedgerError> {
        let mut events = Vec::new();
        for stream in streams {
            events.extend(self.store.stream_events(stream)?);
        }
        // The streams are disjoint; only their interleaving needs restoring.
        events.sort_by_key(|e| e.envelope.seq);
        let mut state = State::default();
        for stored in &events {
            state.apply(&decode(stored)?);
        }
        Ok(state)
    }

    /// The raw events from `seq` on, without replaying domain state.
    pub fn events_from(&self, seq: u64) -> impl Iterator<Item = Result<StoredEvent, LedgerError>> + '_ {
        self.store.events_from(seq).map(|e| e.map_err(LedgerError::from))
    }
}

/// What a list of commands would do, decided one after another on the
/// state at the head, without writing anything.
#[derive(Debug)]
pub struct Simulated {
    /// The state after all of them.
    pub state: selfeval_core::State,
    /// The events each would append.
    pub events: Vec<Vec<EventPayload>>,
}

impl Ledger {
    /// Decides `requests` in order on the state at the head (each on the
    /// state the ones before it leave), writing nothing: the first refusal
    /// with its position, or what they would append.
    pub fn simulate(
        &self,
        requests: &[selfeval_core::Request],
    ) -> Result<Result<Simulated, (usize, selfeval_core::Rejection)>, LedgerError> {
        let mut state = self.replay(None)?.state;
        Ok(simulate_on(&mut state, requests).map(|events| Simulated { state, events }))
    }
}

/// [`Ledger::simulate`] on a state the caller holds.
pub fn simulate_on(
    state: &mut selfeval_core::State,
    requests: &[selfeval_core::Request],
) -> Result<Vec<Vec<EventPayload>>, (usize, selfeval_core::Rejection)> {
    let mut all = Vec::new();
    for (i, request) in requests.iter().enumerate() {
        let next = state.last_seq() + 1;
        let events = selfeval_core::execute(state, request, |payloads| {
            Ok::<_, std::convert::Infallible>((next..next + payloads.len() as u64).collect())
        });
        match events {
            Ok(events) => all.push(events.into_iter().map(|e| e.payload).collect()),
            Err(selfeval_core::Executed::Rejected(rejection)) => return Err((i, rejection)),
            Err(selfeval_core::Executed::NotAppended(never)) => match never {},
        }
    }
    Ok(all)
}
