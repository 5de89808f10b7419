//! The one check of a recorded event against the state before it, for
//! every event that did not come from `handle` in this process: an
//! import's, and every event of the log when `verify` replays it. What
//! verifies therefore also imports, and the other way round.
//!
//! Per event: it decodes (a known type and schema version), names an actor,
//! passes `core::validate::check_event` (the rules of `handle` that can be
//! judged from the event: access, references, ranges, the roster), is in
//! the stream its payload names at the next version of that stream, and is
//! not recorded before the event before it.

use std::collections::HashMap;

use selfeval_core::validate::check_event;
use selfeval_core::State;
use selfeval_store::Envelope;

use crate::decode_envelope;

/// Why an import was refused; nothing was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRefused {
    /// The first bad event, when the problem is an event.
    pub seq: Option<u64>,
    /// What is wrong, in Chinese when it is about the content.
    pub problem: String,
}

impl std::fmt::Display for ImportRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.seq {
            Some(seq) => write!(f, "事件{seq}：{}", self.problem),
            None => write!(f, "{}", self.problem),
        }
    }
}

/// Events judged in log order, each against the state the ones before
/// leave.
#[derive(Default)]
pub(crate) struct EventJudge {
    state: State,
    versions: HashMap<String, u64>,
    last_recorded: Option<chrono::DateTime<chrono::Utc>>,
    /// The digest of the command whose events are being read, and a 64-bit
    /// digest of every command id begun before it: a command's events are one
    /// run, so an id that comes back after another command is a second
    /// command under the same id (which a PostgreSQL import refuses and
    /// sled's index would answer for the first only). Digests, not the ids,
    /// keep a million commands in 16 MB; two ids share one with a
    /// probability of about 3 × 10⁻⁸ at a million commands.
    current: Option<u64>,
    finished: foldhash::HashSet<u64>,
    /// The digest of the stream of the event before, when it is one that
    /// `--as-printed` may follow with its `RecordedAsPrinted` notes.
    notable: Option<u64>,
}

/// Whether `--as-printed` may follow `payload` with a `RecordedAsPrinted`
/// in the same command: the entries a published table's cells make.
fn notable(payload: &selfeval_core::EventPayload) -> bool {
    use selfeval_core::EventPayload as E;
    matches!(
        payload,
        E::BudgetSet(_)
            | E::BudgetAdjusted(_)
            | E::ExpenditureRecorded(_)
            | E::IndicatorDefined(_)
            | E::IndicatorAmended(_)
            | E::IndicatorActualRecorded(_)
    )
}

/// The digest of a command id kept by [`EventJudge`].
fn id_digest(id: &str) -> u64 {
    use std::hash::BuildHasher;
    foldhash::quality::FixedState::with_seed(0x5e1f_e7a1).hash_one(id)
}

impl EventJudge {
    /// Judges and applies a pack of stored lines (each with its `\n`).
    pub(crate) fn pack(&mut self, lines: &[u8]) -> Result<(), ImportRefused> {
        for stored in selfeval_store::stored_lines(lines) {
            let stored = stored.map_err(|problem| ImportRefused { seq: None, problem })?;
            self.event(&stored.envelope)?;
        }
        Ok(())
    }

    /// Decodes, judges and applies one event.
    pub(crate) fn event(&mut self, e: &Envelope) -> Result<(), ImportRefused> {
        let Self { state, versions, last_recorded, current, finished, notable: before } = self;
        let refuse = |problem: String| ImportRefused { seq: Some(e.seq), problem };
        let digest = id_digest(&e.command_id);
        let began = *current != Some(digest);
        if began {
            if !finished.insert(digest) {
                return Err(refuse(format!(
                    "command_id：命令编号「{}」在此前另一条命令中已用过（一条命令的事件是连续的）",
                    e.command_id
                )));
            }
            *current = Some(digest);
        }
        let event = decode_envelope(e).map_err(|error| refuse(error.to_string()))?;
        // Actors and reasons are restored as they were recorded (older
        // versions stored them as typed); output escapes them.
        if e.actor.trim().is_empty() {
            return Err(refuse("actor：操作人为空".into()));
        }
        check_event(state, &event).map_err(refuse)?;
        // The notes of `--as-printed` end the command whose entry they are about.
        if let selfeval_core::EventPayload::RecordedAsPrinted(_) = &event.payload {
            if began || *before != Some(id_digest(&e.stream)) {
                return Err(refuse("按原表照录的说明只能跟在同一命令、同一项目的预算、支出或指标记录之后".into()));
            }
        }
        *before = notable(&event.payload).then(|| id_digest(&e.stream));
        if event.payload.stream() != e.stream {
            return Err(refuse(format!("stream：事件属于「{}」，却记在「{}」", event.payload.stream(), e.stream)));
        }
        // (No allocation per event: a stream's name is copied once.)
        let version = match versions.get_mut(e.stream.as_str()) {
            Some(version) => {
                *version += 1;
                *version
            }
            None => {
                versions.insert(e.stream.clone(), 1);
                1
            }
        };
        if e.stream_version != version {
            return Err(refuse(format!(
                "stream_version：「{}」的第{}个事件标为版本{}",
                e.stream, version, e.stream_version
            )));
        }
        if last_recorded.is_some_and(|last| e.recorded_at < last) {
            return Err(refuse("recorded_at：记录时间早于前一个事件".into()));
        }
        *last_recorded = Some(e.recorded_at);
        state.apply(&event);
        Ok(())
    }

    /// The state the judged events leave.
    pub(crate) fn state(&self) -> &State {
        &self.state
    }

    /// The state the judged events leave, taken.
    pub(crate) fn into_state(self) -> State {
        self.state
    }
}
