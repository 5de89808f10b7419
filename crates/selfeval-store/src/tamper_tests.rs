//! Tamper tests: change the stored bytes under the API and check that
//! `verify` names the first bad sequence number and what is wrong.

use chrono::{TimeZone, Utc};

use super::*;
use crate::codec::IndexEntry;
use crate::index::Pending;
use crate::*;

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
    store.sled().log().unwrap().get(seq.to_be_bytes()).unwrap().unwrap().to_vec()
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
    store.sled().log().unwrap().insert(3u64.to_be_bytes(), value.as_bytes()).unwrap();
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
    store.sled().log().unwrap().insert(4u64.to_be_bytes(), tampered.as_bytes()).unwrap();
    let b = broken(&store);
    assert_eq!(b.seq, 4);
    assert!(b.problem.contains("与事件3的哈希不符"), "{}", b.problem);
}

#[test]
fn a_deleted_event_is_found() {
    let (_dir, store) = store_with(5);
    store.sled().log().unwrap().remove(3u64.to_be_bytes()).unwrap();
    let b = broken(&store);
    assert_eq!(b.seq, 3);
    assert!(b.problem.contains("与日志的接续位置不符"), "{}", b.problem);
}

#[test]
fn reordered_events_are_found() {
    let (_dir, store) = store_with(5);
    let (two, three) = (value_at(&store, 2), value_at(&store, 3));
    store.sled().log().unwrap().insert(2u64.to_be_bytes(), three).unwrap();
    store.sled().log().unwrap().insert(3u64.to_be_bytes(), two).unwrap();
    let b = broken(&store);
    assert_eq!(b.seq, 2);
    assert!(b.problem.contains("事件2缺失（其位置上是事件3"), "{}", b.problem);
}

#[test]
fn a_duplicated_event_is_found() {
    let (_dir, store) = store_with(5);
    let mut doubled = value_at(&store, 2);
    doubled.extend(value_at(&store, 2));
    store.sled().log().unwrap().insert(2u64.to_be_bytes(), doubled).unwrap();
    let b = broken(&store);
    assert_eq!(b.seq, 3);
    assert!(b.problem.contains("事件2重复或次序错乱"), "{}", b.problem);
}

#[test]
fn indexes_ahead_of_the_log_are_rebuilt_on_open() {
    let (dir, store) = store_with(4);
    // Simulate a crash that kept the index writes of batch 4 but lost its log
    // write: batch 4 was never acknowledged, so the head file names event 3.
    let third = crate::Head { seq: 3, hash: store.sled().hash_at(3).unwrap().unwrap() };
    crate::headfile::write(dir.path(), &third).unwrap();
    store.sled().log().unwrap().remove(4u64.to_be_bytes()).unwrap();
    store.sled().db().unwrap().flush().unwrap();
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
    // Simulate a crash after the log write and before the index writes:
    // the index reflects events 1 and 2 only.
    store.sled().index().unwrap().clear().unwrap();
    let first_two: Vec<_> = store.events_from(1).take(2).map(|e| IndexEntry::of(&e.unwrap().envelope)).collect();
    let mut pending = Pending::default();
    store.sled().index().unwrap().add_all(&mut pending, &first_two).unwrap();
    store.sled().index().unwrap().commit(pending, 2).unwrap();
    store.sled().db().unwrap().flush().unwrap();
    drop(store);
    let store = Store::open(dir.path(), &OpenOptions::default()).unwrap();
    assert_eq!(store.command_seqs("cmd-5").unwrap(), Some(vec![6]));
    assert_eq!(store.stream_version("project/P2").unwrap(), 2);
    assert_eq!(store.stream_events("project/P2").unwrap().len(), 2);
}

#[test]
fn an_index_caught_up_from_an_older_position_counts_nothing_twice() {
    let (dir, store) = store_with(6);
    // The index holds all six events but says it reflects only two (a crash
    // cannot leave this, the position is written with the entries; a
    // rebuild must still be idempotent).
    let mut pending = Pending::default();
    let all: Vec<_> = store.events_from(1).map(|e| IndexEntry::of(&e.unwrap().envelope)).collect();
    store.sled().index().unwrap().add_all(&mut pending, &all).unwrap();
    store.sled().index().unwrap().commit(pending, 2).unwrap();
    store.sled().db().unwrap().flush().unwrap();
    drop(store);
    let store = Store::open(dir.path(), &OpenOptions::default()).unwrap();
    assert_eq!(store.sled().index().unwrap().position().unwrap(), Some(6));
    for p in 0..3 {
        assert_eq!(store.stream_version(&format!("project/P{p}")).unwrap(), 2);
        let seqs: Vec<u64> =
            store.stream_events(&format!("project/P{p}")).unwrap().iter().map(|e| e.envelope.seq).collect();
        assert_eq!(seqs, vec![p + 1, p + 4]);
        // Up to an event: the stream's events before it and at it, no later one.
        let until = |seq: u64| -> Vec<u64> {
            let events = store.stream_events_until(&format!("project/P{p}"), seq).unwrap();
            events.iter().map(|e| e.envelope.seq).collect()
        };
        assert_eq!((until(p), until(p + 1), until(p + 3), until(6)), (vec![], vec![p + 1], vec![p + 1], seqs));
    }
    assert_eq!(store.command_seqs("cmd-5").unwrap(), Some(vec![6]));
}

#[test]
fn a_long_stream_spans_chunks_and_reads_back_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), &OpenOptions::default()).unwrap();
    let at = Utc.with_ymd_and_hms(2024, 6, 1, 0, 0, 0).unwrap();
    let total = crate::index::CHUNK as u64 * 2 + 3;
    for i in 0..total {
        let batch = Batch {
            stream: "department".into(),
            expected_version: ExpectedVersion::Exact(i),
            command_id: format!("cmd-{i}"),
            actor: "张三@科室".into(),
            reason: None,
            occurred_at: at,
            recorded_at: at,
            events: vec![NewEvent { event_type: "Noted".into(), schema_version: 1, payload: "{}".into() }],
        };
        store.append(&batch).unwrap().unwrap();
    }
    assert_eq!(store.stream_version("department").unwrap(), total);
    // A stream whose name starts with another's is a stream of its own.
    assert_eq!(store.stream_version("depart").unwrap(), 0);
    drop(store);
    let store = Store::open(dir.path(), &OpenOptions::default()).unwrap();
    let events = store.stream_events("department").unwrap();
    assert_eq!(events.iter().map(|e| e.envelope.seq).collect::<Vec<_>>(), (1..=total).collect::<Vec<_>>());
    assert_eq!(events.iter().map(|e| e.envelope.stream_version).collect::<Vec<_>>(), (1..=total).collect::<Vec<_>>());
    assert_eq!(
        store.sled().index().unwrap().tree.scan_prefix(b"s").count(),
        3,
        "three chunks of at most {}",
        crate::index::CHUNK
    );
}

#[test]
fn a_store_with_the_first_index_layout_is_reindexed_on_open() {
    let (dir, store) = store_with(5);
    // The first layout kept a key per event and per command in three trees.
    store.sled().index().unwrap().clear().unwrap();
    store.sled().db().unwrap().drop_tree(INDEX).unwrap();
    let streams = store.sled().db().unwrap().open_tree("streams").unwrap();
    streams.insert(b"project/P0\0\0\0\0\0\0\0\0\x01", &1u64.to_be_bytes()).unwrap();
    store.sled().db().unwrap().open_tree("commands").unwrap().insert(b"cmd-0", &[0u8; 16]).unwrap();
    store.sled().db().unwrap().open_tree("meta").unwrap().insert(b"indexed", &5u64.to_be_bytes()).unwrap();
    store.sled().db().unwrap().flush().unwrap();
    drop((streams, store));
    let store = Store::open(dir.path(), &OpenOptions::default()).unwrap();
    let names: Vec<_> =
        store.sled().db().unwrap().tree_names().iter().map(|n| String::from_utf8_lossy(n).into_owned()).collect();
    for old in OLD_TREES {
        assert!(!names.contains(&old.to_owned()), "{old} dropped: {names:?}");
    }
    assert_eq!(store.stream_version("project/P0").unwrap(), 2);
    assert_eq!(store.stream_version("project/P1").unwrap(), 2);
    assert_eq!(store.command_seqs("cmd-4").unwrap(), Some(vec![5]));
    assert_eq!(store.sled().index().unwrap().position().unwrap(), Some(5));
}

#[test]
fn a_store_made_with_sleds_default_segments_keeps_them_and_a_new_one_gets_two_mib() {
    // Stores made before SEGMENT_BYTES have sled's default 512 KiB
    // segments, which sled refuses to change.
    let old = tempfile::tempdir().unwrap();
    drop(sled::Config::new().path(old.path()).open().unwrap());
    assert_eq!(segment_size(old.path()), 512 << 10);
    let mut store = Store::open(old.path(), &OpenOptions::default()).unwrap();
    store.append(&one_batch("cmd-old")).unwrap().unwrap();
    drop(store);
    let store = Store::open(old.path(), &OpenOptions::default()).unwrap();
    assert_eq!(store.head().seq, 1);
    assert!(String::from_utf8_lossy(&std::fs::read(old.path().join("conf")).unwrap()).contains("segment_size: 524288"));
    let new = tempfile::tempdir().unwrap();
    drop(Store::open(new.path(), &OpenOptions::default()).unwrap());
    assert!(String::from_utf8_lossy(&std::fs::read(new.path().join("conf")).unwrap()).contains("segment_size: 2097152"));
}

fn one_batch(command_id: &str) -> Batch {
    let at = Utc.with_ymd_and_hms(2024, 6, 1, 0, 0, 0).unwrap();
    Batch {
        stream: "project/P0".into(),
        expected_version: ExpectedVersion::Exact(0),
        command_id: command_id.into(),
        actor: "张三@科室".into(),
        reason: None,
        occurred_at: at,
        recorded_at: at,
        events: vec![NewEvent { event_type: "Noted".into(), schema_version: 1, payload: "{}".into() }],
    }
}

#[test]
fn index_entries_without_a_position_or_written_in_parts_are_rebuilt() {
    for leave in ["no position", "in parts"] {
        let (dir, store) = store_with(6);
        // A clear cut short (sled removes keys in order, `p` before the
        // stream chunks), or an import's parts cut short before `p`.
        let index = store.sled().index().unwrap();
        index.tree.insert(crate::index::chunk_key_for_tests("project/P0", 0), &99u64.to_be_bytes()).unwrap();
        match leave {
            "no position" => drop(index.tree.remove(b"p").unwrap()),
            _ => drop(index.tree.insert(b"p", &crate::index::INVALID.to_be_bytes()).unwrap()),
        }
        store.sled().db().unwrap().flush().unwrap();
        drop((index, store));
        let store = Store::open(dir.path(), &OpenOptions::default()).unwrap();
        assert_eq!(store.sled().index().unwrap().position().unwrap(), Some(6), "{leave}");
        let seqs: Vec<u64> = store.stream_events("project/P0").unwrap().iter().map(|e| e.envelope.seq).collect();
        assert_eq!(seqs, vec![1, 4], "{leave}");
        assert_eq!(store.command_seqs("cmd-5").unwrap(), Some(vec![6]), "{leave}");
    }
}

#[test]
fn an_older_store_that_lost_its_conf_still_opens_with_sleds_default_segments() {
    let old = tempfile::tempdir().unwrap();
    let db = sled::Config::new().path(old.path()).open().unwrap();
    db.insert(b"k", b"v").unwrap();
    db.flush().unwrap();
    drop(db);
    drop(Store::open(old.path(), &OpenOptions::default()).unwrap());
    std::fs::remove_file(old.path().join("conf")).unwrap();
    assert_eq!(segment_size(old.path()), 512 << 10, "a db without conf was made at sled's default");
    let mut store = Store::open(old.path(), &OpenOptions::default()).unwrap();
    store.append(&one_batch("cmd-after")).unwrap().unwrap();
    assert_eq!(store.head().seq, 1);
}

#[test]
fn a_spool_left_by_an_import_cut_short_is_discarded_with_what_it_wrote() {
    let (_, source) = store_with(5);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), &OpenOptions::default()).unwrap();
    // The log values an import had written when it was killed, and its spool.
    for entry in source.sled().log().unwrap().iter() {
        let (key, value) = entry.unwrap();
        store.sled().log().unwrap().insert(key, value).unwrap();
    }
    store.sled().db().unwrap().flush().unwrap();
    std::fs::write(dir.path().join(crate::sled_store::import::SPOOL_FILE), b"partial").unwrap();
    let part = dir.path().join(format!("{}-index-3", crate::sled_store::import::SPOOL_FILE));
    std::fs::write(&part, b"partial").unwrap();
    drop(store);
    let store = Store::open(dir.path(), &OpenOptions::default()).unwrap();
    assert!(store.is_empty(), "an import lands whole or not at all");
    assert_eq!(store.events_from(1).count(), 0);
    assert!(!dir.path().join(crate::sled_store::import::SPOOL_FILE).exists());
    assert!(!part.exists());
}
