//! Appends, reads, idempotency and conflicts.

use selfeval_store::{ExpectedVersion, GENESIS_HASH};

use crate::{batch, each_backend, open};

#[test]
fn appends_are_gapless_and_streams_are_versioned() {
    each_backend(|fresh| {
        let mut store = fresh.open();
        assert!(store.is_empty());
        assert_eq!(store.head().hash, GENESIS_HASH);
        let a = store.append(&batch("project/P01", ExpectedVersion::Exact(0), "c1", 2)).unwrap().unwrap();
        let b = store.append(&batch("project/P02", ExpectedVersion::Exact(0), "c2", 1)).unwrap().unwrap();
        let c = store.append(&batch("project/P01", ExpectedVersion::Exact(2), "c3", 3)).unwrap().unwrap();
        assert_eq!((a.seqs, b.seqs, c.seqs), (vec![1, 2], vec![3], vec![4, 5, 6]));
        assert_eq!(store.stream_version("project/P01").unwrap(), 5);
        let stream: Vec<u64> = store.stream_events("project/P01").unwrap().iter().map(|e| e.envelope.seq).collect();
        assert_eq!(stream, vec![1, 2, 4, 5, 6]);
        let versions: Vec<u64> =
            store.stream_events("project/P01").unwrap().iter().map(|e| e.envelope.stream_version).collect();
        assert_eq!(versions, vec![1, 2, 3, 4, 5]);
        let from_five: Vec<u64> = store.events_from(5).map(|e| e.unwrap().envelope.seq).collect();
        assert_eq!(from_five, vec![5, 6]);
        assert_eq!(store.events_from(1).count(), 6);
        assert_eq!(store.stream_version("project/P02").unwrap(), 1);
        let all: Vec<_> = store.events_from(1).map(Result::unwrap).collect();
        assert_eq!(all[1].envelope.prev_hash, all[0].hash);
        assert_eq!(store.head().hash, all[5].hash);
        assert_eq!(all[0].envelope.payload, r#"{"project":"project/P01","amount":"0.5","note":"第0笔"}"#);
    });
}

#[test]
fn a_resent_command_appends_nothing_and_returns_the_original_seqs() {
    each_backend(|fresh| {
        let mut store = fresh.open();
        store.append(&batch("department", ExpectedVersion::Any, "c0", 1)).unwrap().unwrap();
        let first = store.append(&batch("project/P01", ExpectedVersion::Any, "same", 2)).unwrap().unwrap();
        let again = store.append(&batch("project/P01", ExpectedVersion::Any, "same", 2)).unwrap().unwrap();
        assert_eq!(first.seqs, vec![2, 3]);
        assert!(!first.duplicate);
        assert_eq!(again.seqs, vec![2, 3]);
        assert!(again.duplicate);
        assert_eq!(store.head().seq, 3);
    });
}

#[test]
fn a_wrong_expected_version_is_a_conflict_and_writes_nothing() {
    each_backend(|fresh| {
        let mut store = fresh.open();
        store.append(&batch("project/P01", ExpectedVersion::Exact(0), "c1", 1)).unwrap().unwrap();
        let head = store.head().clone();
        let conflict = store.append(&batch("project/P01", ExpectedVersion::Exact(0), "c2", 2)).unwrap().unwrap_err();
        assert_eq!((conflict.expected, conflict.actual), (0, 1));
        assert_eq!(conflict.to_string(), "stream project/P01 is at version 1, not 0 as expected");
        assert_eq!(store.head(), &head);
        assert_eq!(store.command_seqs("c2").unwrap(), None);
    });
}

#[test]
fn an_empty_batch_or_a_payload_that_is_not_one_line_of_json_is_refused() {
    each_backend(|fresh| {
        let mut store = fresh.open();
        assert!(store.append(&batch("s", ExpectedVersion::Any, "c", 0)).is_err());
        let mut spaced = batch("s", ExpectedVersion::Any, "c", 1);
        spaced.events[0].payload = "{\n\"a\": 1 }".into();
        assert!(store.append(&spaced).unwrap_err().to_string().contains("事件内容须为单行 JSON"));
        let mut broken = batch("s", ExpectedVersion::Any, "c", 1);
        broken.events[0].payload = "{".into();
        assert!(store.append(&broken).is_err());
        assert!(store.is_empty());
    });
}

#[test]
fn the_store_survives_reopening() {
    each_backend(|fresh| {
        let head = {
            let mut store = fresh.open();
            for i in 0..10 {
                store.append(&batch("project/P01", ExpectedVersion::Exact(i), &format!("c{i}"), 1)).unwrap().unwrap();
            }
            store.head().clone()
        };
        let store = fresh.open();
        assert_eq!(store.head(), &head);
        assert_eq!(store.stream_version("project/P01").unwrap(), 10);
        assert_eq!(store.verify().unwrap().unwrap().events, 10);
    });
}

#[test]
fn a_cache_is_read_back_only_while_the_log_holds_its_event() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    assert!(store.write_cache("state-v1", 1, b"x").is_err(), "no event 1 yet");
    store.append(&batch("project/P01", ExpectedVersion::Any, "c1", 2)).unwrap().unwrap();
    store.write_cache("state-v1", 2, b"snapshot at 2").unwrap();
    store.append(&batch("project/P01", ExpectedVersion::Any, "c2", 1)).unwrap().unwrap();
    let cached = store.read_cache("state-v1").unwrap().unwrap();
    assert_eq!((cached.seq, cached.bytes.as_slice()), (2, b"snapshot at 2".as_slice()));
    assert_eq!(store.read_cache("other").unwrap(), None);
    assert!(store.read_cache("../escape").is_err());
    // A different log (an import of another history into a fresh store) does not match.
    let other = tempfile::tempdir().unwrap();
    let mut fresh = open(other.path());
    fresh.append(&batch("project/P09", ExpectedVersion::Any, "z", 3)).unwrap().unwrap();
    drop(fresh);
    std::fs::create_dir_all(other.path().join("selfeval-cache")).unwrap();
    std::fs::copy(dir.path().join("selfeval-cache/state-v1"), other.path().join("selfeval-cache/state-v1")).unwrap();
    assert_eq!(open(other.path()).read_cache("state-v1").unwrap(), None);
}

#[test]
fn a_cache_streams_in_and_out_in_the_format_of_a_whole_write() {
    use selfeval_store::CacheFound;
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    store.append(&batch("project/P01", ExpectedVersion::Any, "c1", 3)).unwrap().unwrap();
    let hash = store.head().hash.clone();
    // 300 KB: several buffers' worth on the way in and out.
    let bytes: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    store
        .write_cache_with("state", 3, &mut |out| {
            for piece in bytes.chunks(7) {
                out.write_all(piece)?;
            }
            Ok(())
        })
        .unwrap();
    // The file is exactly what the whole-bytes format says: magic, seq,
    // hash, SHA-256 over seq + hash + bytes, the bytes.
    let file = std::fs::read(dir.path().join("selfeval-cache/state")).unwrap();
    let mut digest = Sha256::new();
    digest.update(3u64.to_be_bytes());
    digest.update(hash.as_bytes());
    digest.update(&bytes);
    let mut expected = b"selfeval-cache 2\n".to_vec();
    expected.extend_from_slice(&3u64.to_be_bytes());
    expected.extend_from_slice(hash.as_bytes());
    expected.extend_from_slice(format!("{:x}", digest.finalize()).as_bytes());
    expected.extend_from_slice(&bytes);
    assert!(file == expected, "the streamed file differs from the whole-bytes format");
    assert!(!dir.path().join("selfeval-cache/state.tmp").exists());
    // Read as a stream by a reader that takes only the first 10 bytes: the
    // rest is still digested.
    let first = |r: &mut dyn Read| -> Result<Vec<u8>, std::io::Error> {
        let mut ten = vec![0; 10];
        r.read_exact(&mut ten).map(|_| ten)
    };
    assert_eq!(
        store.read_cache_with("state", first).unwrap(),
        CacheFound::Valid { seq: 3, hash: hash.clone(), value: bytes[..10].to_vec() }
    );
    // One byte changed at the very end, which that reader never sees.
    let mut edited = file.clone();
    *edited.last_mut().unwrap() ^= 1;
    std::fs::write(dir.path().join("selfeval-cache/state"), &edited).unwrap();
    assert_eq!(
        store.read_cache_with("state", first).unwrap(),
        CacheFound::Corrupt("内容与其摘要不符（被改动或损坏）".into())
    );
    // A reader that fails on good bytes makes the cache unusable, with its reason.
    std::fs::write(dir.path().join("selfeval-cache/state"), &file).unwrap();
    let refuse = |_: &mut dyn Read| -> Result<(), String> { Err("不是状态".into()) };
    assert_eq!(store.read_cache_with("state", refuse).unwrap(), CacheFound::Corrupt("无法解码：不是状态".into()));
    // Cut inside the header; missing; stale after another log.
    std::fs::write(dir.path().join("selfeval-cache/state"), &file[..40]).unwrap();
    assert_eq!(store.read_cache_with("state", first).unwrap(), CacheFound::Corrupt("文件过短".into()));
    assert_eq!(store.read_cache_with("none", first).unwrap(), CacheFound::Missing);
    let other = tempfile::tempdir().unwrap();
    let mut fresh = open(other.path());
    fresh.append(&batch("project/P09", ExpectedVersion::Any, "z", 3)).unwrap().unwrap();
    std::fs::create_dir_all(other.path().join("selfeval-cache")).unwrap();
    std::fs::write(other.path().join("selfeval-cache/state"), &file).unwrap();
    assert_eq!(fresh.read_cache_with("state", first).unwrap(), CacheFound::Stale);
}

/// The PostgreSQL server under test, if any (`cargo xtask ci` starts one),
/// and a fresh ledger there.
fn pg_fresh() -> Option<(String, crate::Fresh)> {
    let url = crate::backends().into_iter().find_map(|b| match b {
        crate::Backend::Postgres(url) => Some(url),
        crate::Backend::Sled => None,
    })?;
    let fresh = crate::Fresh::new(&crate::Backend::Postgres(url.clone()));
    Some((url, fresh))
}

#[test]
fn the_database_itself_refuses_to_rewrite_or_delete_history() {
    let Some((url, fresh)) = pg_fresh() else { return };
    let mut store = fresh.open();
    store.append(&batch("project/P01", ExpectedVersion::Any, "c1", 2)).unwrap().unwrap();
    let head = store.head().clone();
    let selfeval_store::Location::Postgres(pg) = &fresh.location else { unreachable!() };
    let mut sql = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    for statement in [
        format!("UPDATE selfeval_events SET line = 'x' WHERE ledger = '{}'", pg.ledger),
        format!("DELETE FROM selfeval_events WHERE ledger = '{}'", pg.ledger),
        "TRUNCATE selfeval_events CASCADE".to_owned(),
        format!("DELETE FROM selfeval_commands WHERE ledger = '{}'", pg.ledger),
        format!("UPDATE selfeval_ledgers SET name = 'other' WHERE name = '{}'", pg.ledger),
    ] {
        let error = sql.batch_execute(&statement).unwrap_err();
        let said = error.as_db_error().map(|e| e.message().to_owned()).unwrap_or_default();
        assert!(said.contains("refused: a ledger's history is append-only"), "{statement}: {said}");
    }
    drop(store);
    let store = fresh.open();
    assert_eq!(store.head(), &head);
    assert_eq!(store.verify().unwrap().unwrap().events, 2);
}

#[test]
fn a_cache_in_the_database_is_used_only_while_its_digest_and_event_hold() {
    use selfeval_store::CacheFound;
    let Some((url, fresh)) = pg_fresh() else { return };
    let mut store = fresh.open();
    store.append(&batch("project/P01", ExpectedVersion::Any, "c1", 3)).unwrap().unwrap();
    let bytes: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    store.write_cache_with("state", 3, &mut |out| out.write_all(&bytes)).unwrap();
    let all = |r: &mut dyn std::io::Read| -> Result<Vec<u8>, std::io::Error> {
        let mut v = Vec::new();
        r.read_to_end(&mut v).map(|_| v)
    };
    let hash = store.head().hash.clone();
    assert_eq!(store.read_cache_with("state", all).unwrap(), CacheFound::Valid { seq: 3, hash, value: bytes });
    // Edited in the database without its digest.
    let selfeval_store::Location::Postgres(pg) = &fresh.location else { unreachable!() };
    let mut sql = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    sql.execute(
        "UPDATE selfeval_caches SET bytes = overlay(bytes placing '\\x00'::bytea from 1000) WHERE ledger = $1",
        &[&pg.ledger],
    )
    .unwrap();
    assert_eq!(
        store.read_cache_with("state", all).unwrap(),
        CacheFound::Corrupt("内容与其摘要不符（被改动或损坏）".into())
    );
    store.remove_cache("state").unwrap();
    assert_eq!(store.read_cache_with("state", all).unwrap(), CacheFound::Missing);
}

#[test]
fn a_ledger_gets_its_identity_with_its_first_command_and_a_copy_gets_another() {
    each_backend(|fresh| {
        let mut store = fresh.open();
        assert_eq!(store.identity().unwrap(), None, "nothing recorded, no identity");
        let mut staging = store.staging();
        let staged = store.staged_identity(&mut staging).unwrap();
        drop(staging);
        assert_eq!(store.identity().unwrap(), None, "staged, not kept, until a command commits");
        store.append(&batch("project/P01", ExpectedVersion::Any, "c1", 2)).unwrap().unwrap();
        let own = store.identity().unwrap().unwrap();
        assert_eq!(own.from, 1);
        assert_ne!(own.id, staged.id, "a staging given up keeps nothing");
        store.append(&batch("project/P02", ExpectedVersion::Any, "c2", 1)).unwrap().unwrap();
        drop(store);
        let store = fresh.open();
        assert_eq!(store.identity().unwrap().as_ref(), Some(&own), "kept for good, never changed");
        let mut first = Vec::new();
        store.export(&mut first).unwrap();
        // A copy: the same history, byte for byte, and an identity of its own
        // from its next event on.
        let copy = crate::Fresh::new(&crate::backends()[0]);
        let mut copied = selfeval_store::Store::open_for_import_at(&copy.location, &Default::default()).unwrap();
        copied.import(&mut &first[..]).unwrap().unwrap();
        let theirs = copied.identity().unwrap().unwrap();
        assert_eq!(theirs.from, 4);
        assert_ne!(theirs.id, own.id);
        let mut again = Vec::new();
        copied.export(&mut again).unwrap();
        assert!(again == first, "export → import → export is byte-identical");
        assert_eq!(copied.head(), store.head());
    });
}

#[test]
fn a_database_migrated_to_identities_gives_each_ledger_with_events_one_from_its_next_event() {
    let Some((url, _)) = pg_fresh() else { return };
    // Back to version 1, as a database from before identities (its owner
    // may drop the table; the triggers stop only rewrites of rows).
    let database = format!("identities_{}", uuid::Uuid::now_v7().simple());
    let mut sql = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    sql.batch_execute(&format!("CREATE DATABASE {database}")).unwrap();
    let other = url.rsplit_once('/').map(|(base, _)| format!("{base}/{database}")).unwrap();
    let at = |ledger: &str| selfeval_store::Location::parse(&format!("{other}?ledger={ledger}")).unwrap();
    let mut old = selfeval_store::Store::open_at(&at("old"), &Default::default()).unwrap();
    old.append(&batch("project/P01", ExpectedVersion::Any, "c1", 3)).unwrap().unwrap();
    drop(old);
    drop(selfeval_store::Store::open_at(&at("empty"), &Default::default()).unwrap());
    let mut admin = postgres::Client::connect(&other, postgres::NoTls).unwrap();
    admin.batch_execute("DROP TABLE selfeval_identities; DELETE FROM selfeval_migrations WHERE version = 2").unwrap();
    let old = selfeval_store::Store::open_at(&at("old"), &Default::default()).unwrap();
    let identity = old.identity().unwrap().unwrap();
    assert_eq!(identity.from, 4, "a ledger with three events is one of its own from the fourth");
    let empty = selfeval_store::Store::open_at(&at("empty"), &Default::default()).unwrap();
    assert_eq!(empty.identity().unwrap(), None, "an empty ledger gets one with its first command");
}
