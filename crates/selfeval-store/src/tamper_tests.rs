//! Tamper tests: change the stored bytes under the API and check that
//! `verify` names the first bad sequence number and what is wrong.

use chrono::{TimeZone, Utc};

use super::*;

fn store_with(events: u64) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), &OpenOptions::default()).unwrap();
    let at = Utc.with_ymd_and_hms(2024, 6, 1, 0, 0, 0).unwrap();
    for i in 0..events {
        let batch = Batch {
            stream: format!("project/P{}", i % 3),
            expected_version: ExpectedVersion::Any,
            command_id: format!("cmd-{i}"),
            actor: "张三@科室".into(),
            reason: None,
            occurred_at: at,
            recorded_at: at,
            events: vec![NewEvent {
                event_type: "ExpenditureRecorded".into(),
                schema_version: 1,
                payload: format!(r#"{{"project":"P{}","amount":"1.{i}"}}"#, i % 3),
            }],
        };
        store.append(&batch).unwrap().unwrap();
    }
    (dir, store)
}

fn value_at(store: &Store, seq: u64) -> Vec<u8> {
    store.log.get(seq.to_be_bytes()).unwrap().unwrap().to_vec()
}

fn broken(store: &Store) -> ChainBreak {
    store.verify().unwrap().expect_err("tampering must be detected")
}

#[test]
fn a_clean_chain_verifies() {
    let (_dir, store) = store_with(5);
    let verified = store.verify().unwrap().unwrap();
    assert_eq!(verified.events, 5);
    assert_eq!(&verified.head, store.head());
}

#[test]
fn a_changed_payload_byte_is_found() {
    let (_dir, store) = store_with(5);
    let value = String::from_utf8(value_at(&store, 3)).unwrap().replace("\"1.2\"", "\"9.2\"");
    store.log.insert(3u64.to_be_bytes(), value.as_bytes()).unwrap();
    let b = broken(&store);
    assert_eq!(b.seq, 3);
    assert!(b.problem.contains("事件被改动过"), "{}", b.problem);
}

#[test]
fn a_changed_previous_hash_is_found() {
    let (_dir, store) = store_with(5);
    let value = String::from_utf8(value_at(&store, 4)).unwrap();
    let at = value.find("\"prev_hash\":\"").unwrap() + 13;
    let mut tampered = value.clone();
    tampered.replace_range(at..at + 1, if &value[at..at + 1] == "a" { "b" } else { "a" });
    store.log.insert(4u64.to_be_bytes(), tampered.as_bytes()).unwrap();
    let b = broken(&store);
    assert_eq!(b.seq, 4);
    assert!(b.problem.contains("与事件3的哈希不符"), "{}", b.problem);
}

#[test]
fn a_deleted_event_is_found() {
    let (_dir, store) = store_with(5);
    store.log.remove(3u64.to_be_bytes()).unwrap();
    let b = broken(&store);
    assert_eq!(b.seq, 3);
    assert!(b.problem.contains("与日志的接续位置不符"), "{}", b.problem);
}

#[test]
fn reordered_events_are_found() {
    let (_dir, store) = store_with(5);
    let (two, three) = (value_at(&store, 2), value_at(&store, 3));
    store.log.insert(2u64.to_be_bytes(), three).unwrap();
    store.log.insert(3u64.to_be_bytes(), two).unwrap();
    let b = broken(&store);
    assert_eq!(b.seq, 2);
    assert!(b.problem.contains("事件2缺失（其位置上是事件3"), "{}", b.problem);
}

#[test]
fn a_duplicated_event_is_found() {
    let (_dir, store) = store_with(5);
    let mut doubled = value_at(&store, 2);
    doubled.extend(value_at(&store, 2));
    store.log.insert(2u64.to_be_bytes(), doubled).unwrap();
    let b = broken(&store);
    assert_eq!(b.seq, 3);
    assert!(b.problem.contains("事件2重复或次序错乱"), "{}", b.problem);
}

#[test]
fn indexes_ahead_of_the_log_are_rebuilt_on_open() {
    let (dir, store) = store_with(4);
    // Simulate a crash that kept the index writes of batch 4 but lost its log
    // write: batch 4 was never acknowledged, so the head file names event 3.
    let third = crate::Head { seq: 3, hash: store.hash_at(3).unwrap().unwrap() };
    crate::headfile::write(dir.path(), &third).unwrap();
    store.log.remove(4u64.to_be_bytes()).unwrap();
    store.db.flush().unwrap();
    drop(store);
    let store = Store::open(dir.path(), &OpenOptions::default()).unwrap();
    assert_eq!(store.head().seq, 3);
    assert_eq!(store.command_seqs("cmd-3").unwrap(), None);
    assert_eq!(store.stream_version("project/P0").unwrap(), 1);
    assert_eq!(store.stream_version("project/P1").unwrap(), 1);
}

#[test]
fn indexes_behind_the_log_are_caught_up_on_open() {
    let (dir, store) = store_with(6);
    // Simulate a crash after the log write and before the index writes.
    store.streams.clear().unwrap();
    store.commands.clear().unwrap();
    store.meta.insert(INDEXED, &2u64.to_be_bytes()).unwrap();
    store.db.flush().unwrap();
    drop(store);
    let store = Store::open(dir.path(), &OpenOptions::default()).unwrap();
    assert_eq!(store.command_seqs("cmd-5").unwrap(), Some(vec![6]));
    assert_eq!(store.stream_version("project/P2").unwrap(), 2);
    assert_eq!(store.stream_events("project/P2").unwrap().len(), 2);
}
