//! A ledger kept in memory at its head, following the log: what a
//! long-running front end (`selfeval serve`) reads, so that a page costs
//! neither an opening of the store nor a replay.
//!
//! Before each read, [`Live::is_current`] says whether the store's
//! acknowledged head (a directory's head file, read without taking the
//! store's lock) is the one held: then nothing is opened. Otherwise
//! [`Live::follow`] brings it to the head of the opened ledger: when the log
//! grew from the head held, only the new events are read and applied; when
//! it holds another history (a store replaced by an import), it is replayed
//! anew. `Live` holds no store: its owner opens one when it must, and lets
//! it go, so the CLI records in the same directory while a server runs.

use std::sync::Arc;

use selfeval_core::{Evaluation, State};
use selfeval_store::{Head, Location};

use crate::{Ledger, LedgerError, View};

/// The most new events a follow applies; a longer tail is replayed from
/// the state snapshot.
const TAIL: u64 = 10_000;

/// The last event the store at `location` acknowledged, read without
/// opening it (no lock): a directory's head file; `None` where that cannot
/// be known so (a PostgreSQL ledger, a store without a head file).
pub fn acknowledged_head(location: &Location) -> Result<Option<Head>, LedgerError> {
    Ok(selfeval_store::acknowledged_head(location)?)
}

/// The state and its evaluation at the head of a ledger's log.
#[derive(Debug)]
pub struct Live {
    state: State,
    head: Head,
    evaluation: Arc<Evaluation>,
}

/// What one [`Live::follow`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Followed {
    /// The head held is the log's: nothing was read.
    Current,
    /// This many new events were applied.
    Applied(u64),
    /// The log holds another history than the one held: it was replayed.
    Replayed,
}

impl Live {
    /// Replays `ledger` (from its state snapshot when one matches) and
    /// evaluates it.
    pub fn start(ledger: &Ledger) -> Result<Live, LedgerError> {
        let replayed = ledger.replay_view(View::default())?;
        let evaluation = Arc::new(replayed.evaluate());
        Ok(Live { state: replayed.state, head: replayed.head, evaluation })
    }

    /// Whether the head held is the one the store at `location` has
    /// acknowledged, read without opening the store (`false` when that
    /// cannot be known so: [`Live::follow`] then opens it).
    pub fn is_current(&self, location: &Location) -> Result<bool, LedgerError> {
        Ok(acknowledged_head(location)?.as_ref() == Some(&self.head))
    }

    /// Brings the state to the head of `ledger`'s log (see the module's text).
    pub fn follow(&mut self, ledger: &Ledger) -> Result<Followed, LedgerError> {
        let last = ledger.head().clone();
        if last == self.head {
            return Ok(Followed::Current);
        }
        let held = self.head.seq;
        // The log grew from the head held when its event there is the one
        // held; a long tail is replayed from the snapshot instead.
        let grown = last.seq > held
            && last.seq - held <= TAIL
            && (held == 0 || ledger.events_from(held).next().transpose()?.is_some_and(|e| e.hash == self.head.hash));
        if !grown {
            let replayed = ledger.replay_view(View::default())?;
            self.settle(replayed.state, replayed.head);
            return Ok(Followed::Replayed);
        }
        // Decoded before anything is applied: an event that does not decode
        // leaves the state as it was.
        let mut tail = Vec::new();
        for stored in ledger.events_from(held + 1) {
            let stored = stored?;
            let head = Head { seq: stored.envelope.seq, hash: stored.hash.clone() };
            tail.push((crate::decode(&stored)?, head));
        }
        let Some((_, head)) = tail.last().cloned() else { return Ok(Followed::Current) };
        let mut state = std::mem::take(&mut self.state);
        for (event, _) in &tail {
            state.apply(event);
        }
        self.settle(state, head);
        Ok(Followed::Applied(tail.len() as u64))
    }

    fn settle(&mut self, state: State, head: Head) {
        self.evaluation =
            Arc::new(selfeval_core::evaluation::evaluate_on(&state, &head.hash, None::<chrono::NaiveDate>));
        self.state = state;
        self.head = head;
    }

    /// The head of the log the state reflects.
    pub fn head(&self) -> &Head {
        &self.head
    }

    /// The state at the head.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// The report model and the findings at the head (shared: a reader
    /// keeps it while the next follow replaces it).
    pub fn evaluation(&self) -> Arc<Evaluation> {
        Arc::clone(&self.evaluation)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::{Followed, Live};
    use crate::{Ledger, LedgerSettings, Location, Purpose, View};

    fn evaluation_at_head(location: &Location) -> selfeval_core::Evaluation {
        let ledger = Ledger::open(location, &LedgerSettings::default(), Purpose::Read).unwrap();
        ledger.evaluate(View::default()).unwrap()
    }

    /// Follows a ledger that grows, stays, and is replaced: each time the
    /// state held evaluates as a fresh replay does.
    #[test]
    fn a_live_ledger_applies_what_was_appended_and_replays_another_history() {
        let dir = tempfile::tempdir().unwrap();
        let location = Location::Dir(dir.path().join("store"));
        let settings = LedgerSettings::default();
        let now = Utc.with_ymd_and_hms(2025, 1, 10, 2, 0, 0).unwrap();
        let steps = crate::demo::seed_department();
        let mut ledger = Ledger::open(&location, &settings, Purpose::Create).unwrap();
        ledger.seed(steps[..30].to_vec(), crate::demo::DEMO_PREFIX, now).unwrap();
        drop(ledger);
        let open = || Ledger::open(&location, &settings, Purpose::Read).unwrap();
        let mut live = Live::start(&open()).unwrap();
        let started = live.head().seq;
        assert!(live.is_current(&location).unwrap());
        assert_eq!(live.follow(&open()).unwrap(), Followed::Current);

        let mut ledger = Ledger::open(&location, &settings, Purpose::Record).unwrap();
        ledger.seed_demo(now).unwrap();
        let grown = ledger.head().clone();
        drop(ledger);
        assert!(!live.is_current(&location).unwrap());
        assert_eq!(live.follow(&open()).unwrap(), Followed::Applied(grown.seq - started));
        assert_eq!(live.head(), &grown);
        assert_eq!(*live.evaluation(), evaluation_at_head(&location));
        assert!(live.is_current(&location).unwrap());
        assert_eq!(live.follow(&open()).unwrap(), Followed::Current);

        std::fs::remove_dir_all(dir.path().join("store")).unwrap();
        let mut ledger = Ledger::open(&location, &settings, Purpose::Create).unwrap();
        ledger.seed_demo(now).unwrap();
        let other = ledger.head().clone();
        drop(ledger);
        assert_eq!(other.seq, grown.seq);
        assert_ne!(other.hash, grown.hash);
        assert!(!live.is_current(&location).unwrap());
        assert_eq!(live.follow(&open()).unwrap(), Followed::Replayed);
        assert_eq!(live.head(), &other);
        assert_eq!(*live.evaluation(), evaluation_at_head(&location));
    }
}
