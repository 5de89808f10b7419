//! The store's integration tests: appends, idempotency, conflicts, export and
//! import, the pinned digest, the Python verifier, crashes and many writers.

#![allow(missing_docs)] // test helpers, documented by their names

mod appends;
mod processes;
mod roundtrip;
mod tidy;

use chrono::{TimeZone, Utc};
use selfeval_store::{Batch, ExpectedVersion, Location, NewEvent, OpenOptions, Store};

pub fn open(dir: &std::path::Path) -> Store {
    Store::open(dir, &OpenOptions::default()).unwrap()
}

/// A backend the shared tests run on.
pub enum Backend {
    Sled,
    Postgres(String),
}

/// sled always; PostgreSQL when `SELFEVAL_TEST_PG` names a server
/// (`cargo xtask ci` starts a throwaway cluster). Where
/// `SELFEVAL_PG_REQUIRED` is set (CI), a missing server fails the test
/// instead of skipping it.
pub fn backends() -> Vec<Backend> {
    let mut all = vec![Backend::Sled];
    match std::env::var("SELFEVAL_TEST_PG") {
        Ok(url) if !url.is_empty() => all.push(Backend::Postgres(url)),
        _ => assert!(
            std::env::var_os("SELFEVAL_PG_REQUIRED").is_none(),
            "SELFEVAL_PG_REQUIRED is set but SELFEVAL_TEST_PG names no PostgreSQL server"
        ),
    }
    all
}

/// A new, empty store on a backend: a temporary directory, or a ledger
/// of its own in the test database.
pub struct Fresh {
    pub location: Location,
    _dir: Option<tempfile::TempDir>,
}

impl Fresh {
    pub fn new(backend: &Backend) -> Fresh {
        match backend {
            Backend::Sled => {
                let dir = tempfile::tempdir().unwrap();
                Fresh { location: Location::Dir(dir.path().to_path_buf()), _dir: Some(dir) }
            }
            Backend::Postgres(url) => {
                let ledger = format!("store-test-{}", uuid::Uuid::now_v7());
                Fresh { location: Location::parse(&format!("{url}?ledger={ledger}")).unwrap(), _dir: None }
            }
        }
    }

    pub fn open(&self) -> Store {
        Store::open_at(&self.location, &OpenOptions::default()).unwrap()
    }
}

/// Runs `test` on a fresh store of every backend.
pub fn each_backend(test: impl Fn(&Fresh)) {
    for backend in backends() {
        test(&Fresh::new(&backend));
    }
}

pub fn batch(stream: &str, expected: ExpectedVersion, command_id: &str, events: usize) -> Batch {
    let at = Utc.with_ymd_and_hms(2024, 6, 1, 8, 30, 0).unwrap();
    Batch {
        stream: stream.into(),
        expected_version: expected,
        command_id: command_id.into(),
        actor: "张三@应急救援科".into(),
        reason: Some("年初批复".into()),
        occurred_at: at,
        recorded_at: at,
        events: (0..events)
            .map(|i| NewEvent {
                event_type: "BudgetSet".into(),
                schema_version: 1,
                payload: format!(r#"{{"project":"{stream}","amount":"{i}.5","note":"第{i}笔"}}"#),
            })
            .collect(),
    }
}
