//! Replay properties: a command decided on its own streams gets the same
//! answer as on the whole log, and a snapshot plus its tail is the whole log.

use proptest::prelude::*;
use selfeval_core::{handle, RejectionKind};
use selfeval_ledger::{Ledger, LedgerError, LedgerSettings};

use crate::commands::{command, init, request};

/// A new store on each backend the tests run on: a directory always, a
/// ledger of the test database when `SELFEVAL_TEST_PG` names one
/// (`cargo xtask ci` starts a throwaway cluster; CI requires it).
fn places() -> Vec<(Option<tempfile::TempDir>, selfeval_ledger::Location)> {
    let dir = tempfile::tempdir().unwrap();
    let location = selfeval_ledger::Location::Dir(dir.path().to_path_buf());
    let mut all = vec![(Some(dir), location)];
    match std::env::var("SELFEVAL_TEST_PG") {
        Ok(url) if !url.is_empty() => {
            let ledger = format!("ledger-test-{}", uuid::Uuid::now_v7());
            all.push((None, selfeval_ledger::Location::parse(&format!("{url}?ledger={ledger}")).unwrap()));
        }
        _ => {
            assert!(std::env::var_os("SELFEVAL_PG_REQUIRED").is_none(), "SELFEVAL_PG_REQUIRED without SELFEVAL_TEST_PG")
        }
    }
    all
}

fn open(place: &selfeval_ledger::Location, snapshot_after: u64) -> Ledger {
    let settings = LedgerSettings { snapshot_after, ..LedgerSettings::default() };
    Ledger::open(place, &settings, selfeval_ledger::Purpose::Create).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// The ledger decides most commands on the department's and the
    /// project's streams only; that answer must be the one the whole log gives.
    #[test]
    fn scoped_replay_answers_as_the_whole_log_does(commands in prop::collection::vec(command(), 1..30)) {
      for (_dir, place) in places() {
        let mut ledger = open(&place, u64::MAX);
        ledger.record(&request(0, false, init()), None).unwrap();
        for (i, (reason, command)) in commands.iter().cloned().enumerate() {
            let request = request(i + 1, reason, command);
            let full = handle(&ledger.replay_full().unwrap(), &request);
            if let Some(streams) = ledger.streams_of(&request.command).unwrap() {
                let scoped = handle(&ledger.replay_streams(&streams).unwrap(), &request);
                // A "not found" on the scoped state is decided on the whole log.
                if !matches!(&scoped, Err(r) if r.kind == RejectionKind::NotFound) {
                    prop_assert_eq!(&scoped, &full, "{:?}", request.command);
                }
            }
            match (ledger.record(&request, None), full) {
                (Ok(recorded), Ok(payloads)) => prop_assert_eq!(recorded.events.len(), payloads.len()),
                (Err(LedgerError::Rejected(got)), Err(expected)) => prop_assert_eq!(got, expected),
                (got, expected) => prop_assert!(false, "recorded {:?}, the whole log says {:?}", got, expected),
            }
        }
      }
    }

    /// A replay from the state snapshot plus the events after it gives the
    /// state of a replay of the whole log.
    #[test]
    fn snapshot_and_tail_equal_the_whole_log(
        before in prop::collection::vec(command(), 1..20),
        after in prop::collection::vec(command(), 0..20),
    ) {
      for (_dir, place) in places() {
        let mut ledger = open(&place, 1);
        ledger.record(&request(0, false, init()), None).unwrap();
        for (i, (reason, command)) in before.iter().cloned().enumerate() {
            let _ = ledger.record(&request(i + 1, reason, command), None);
        }
        // This replay leaves a snapshot at the head.
        let at_snapshot = ledger.replay(None).unwrap();
        prop_assert_eq!(&at_snapshot.state, &ledger.replay_full().unwrap());
        // The tail is recorded without moving the snapshot.
        drop(ledger);
        let mut ledger = open(&place, u64::MAX);
        for (i, (reason, command)) in after.iter().cloned().enumerate() {
            let _ = ledger.record(&request(100 + i, reason, command), None);
        }
        drop(ledger);
        let ledger = open(&place, u64::MAX);
        let replayed = ledger.replay(None).unwrap();
        prop_assert_eq!(replayed.from_snapshot, Some(at_snapshot.head.seq), "the replay started from the snapshot");
        prop_assert_eq!(&replayed.state, &ledger.replay_full().unwrap());
        prop_assert_eq!(replayed.head.seq, ledger.head().seq);
      }
    }
}

#[test]
fn a_resent_command_id_records_nothing_and_answers_the_first_events() {
    for (_dir, place) in places() {
        let mut ledger = open(&place, u64::MAX);
        ledger.record(&request(0, false, init()), Some("c-1")).unwrap();
        let again = ledger.record(&request(1, false, init()), Some("c-1")).unwrap();
        assert!(again.duplicate);
        assert_eq!(again.events, vec![(1, "YearInitialised".to_owned())]);
        assert_eq!(ledger.head().seq, 1);
    }
}
