//! The store's integration tests: appends, idempotency, conflicts, export and
//! import, the pinned digest, the Python verifier, crashes and many writers.

#![allow(missing_docs)] // test helpers, documented by their names

mod appends;
mod processes;
mod roundtrip;
mod tidy;

use chrono::{TimeZone, Utc};
use selfeval_store::{Batch, ExpectedVersion, NewEvent, OpenOptions, Store};

pub fn open(dir: &std::path::Path) -> Store {
    Store::open(dir, &OpenOptions::default()).unwrap()
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
