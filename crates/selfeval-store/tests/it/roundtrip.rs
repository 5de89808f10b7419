//! Export and import: byte-identical round trips, refusals, the pinned
//! digest and the auditor's Python verifier.

use std::io::Cursor;

use chrono::{TimeZone, Utc};
use proptest::prelude::*;
use selfeval_store::{chain_hash, Envelope, ExpectedVersion, GENESIS_HASH};

use crate::{backends, batch, each_backend, open, Fresh};

fn exported(store: &selfeval_store::Store) -> Vec<u8> {
    let mut out = Vec::new();
    store.export(&mut out).unwrap();
    out
}

fn sample_export(events: usize) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    for i in 0..events {
        store
            .append(&batch(&format!("project/P{}", i % 2), ExpectedVersion::Any, &format!("c{i}"), 1 + i % 3))
            .unwrap()
            .unwrap();
    }
    exported(&store)
}

/// Imports `bytes` into a fresh store of every backend: each gives the
/// same answer (the same export back, or the same refusal).
fn import(bytes: &[u8]) -> Result<Vec<u8>, selfeval_store::ImportRejected> {
    let outcomes: Vec<_> = backends().iter().map(|backend| import_on(&Fresh::new(backend), bytes)).collect();
    for other in &outcomes[1..] {
        assert_eq!(other, &outcomes[0], "the backends disagree");
    }
    outcomes.into_iter().next().expect("sled at least")
}

fn import_on(fresh: &Fresh, bytes: &[u8]) -> Result<Vec<u8>, selfeval_store::ImportRejected> {
    let mut store = fresh.open();
    let outcome = store.import(&mut Cursor::new(bytes)).unwrap();
    match outcome {
        Ok(_) => Ok(exported(&store)),
        Err(rejected) => {
            assert!(store.is_empty(), "a refused import writes nothing");
            assert_eq!(store.events_from(1).count(), 0);
            Err(rejected)
        }
    }
}

#[test]
fn the_digest_of_a_fixed_envelope_is_pinned() {
    let at = Utc.with_ymd_and_hms(2024, 6, 1, 8, 30, 0).unwrap();
    let envelope = Envelope {
        seq: 1,
        event_id: "01902a3b-0000-7000-8000-000000000001".into(),
        stream: "project/P01".into(),
        stream_version: 1,
        event_type: "BudgetSet".into(),
        schema_version: 1,
        occurred_at: at,
        recorded_at: at,
        actor: "张三@应急救援科".into(),
        reason: Some("年初批复".into()),
        command_id: "01902a3b-0000-7000-8000-0000000000aa".into(),
        payload: r#"{"project":"P01","amount":"6","source":"current_appropriation"}"#.into(),
        prev_hash: GENESIS_HASH.into(),
    };
    let body = envelope.encode().unwrap();
    assert_eq!(
        String::from_utf8(body.clone()).unwrap(),
        r#"{"seq":1,"event_id":"01902a3b-0000-7000-8000-000000000001","stream":"project/P01","stream_version":1,"type":"BudgetSet","schema_version":1,"occurred_at":"2024-06-01T08:30:00Z","recorded_at":"2024-06-01T08:30:00Z","actor":"张三@应急救援科","reason":"年初批复","command_id":"01902a3b-0000-7000-8000-0000000000aa","payload":{"project":"P01","amount":"6","source":"current_appropriation"},"prev_hash":"0000000000000000000000000000000000000000000000000000000000000000"}"#
    );
    assert_eq!(chain_hash(GENESIS_HASH, &body), "51ab2fe5d626bee4df68c70904eb108c7f9ca73d9fa99fb79018301864031282");
    assert_eq!(Envelope::decode(&body).unwrap(), envelope);
}

#[test]
fn export_import_export_is_byte_identical() {
    let first = sample_export(12);
    let second = import(&first).unwrap();
    assert_eq!(first, second);
    let text = String::from_utf8(first).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with(r#"{"format":"selfeval-export","version":1,"hash":"sha256""#));
    assert!(lines.last().unwrap().starts_with(r#"{"trailer":{"events":24,"head_hash":""#));
}

#[test]
fn a_truncated_export_is_refused() {
    let bytes = sample_export(5);
    let text = String::from_utf8(bytes).unwrap();
    let without_trailer: String = text.lines().take(text.lines().count() - 1).map(|l| format!("{l}\n")).collect();
    let rejected = import(without_trailer.as_bytes()).unwrap_err();
    assert!(rejected.problem.contains("文件不完整：事件9之后没有文件尾"), "{rejected}");
    let cut_in_the_middle: String = text.lines().take(4).map(|l| format!("{l}\n")).collect();
    assert!(import(cut_in_the_middle.as_bytes()).unwrap_err().problem.contains("文件不完整"));
    let empty = import(b"").unwrap_err();
    assert!(empty.problem.contains("没有文件头"));
}

#[test]
fn a_tampered_export_is_refused_naming_the_first_bad_event() {
    let text = String::from_utf8(sample_export(5)).unwrap();
    let tampered = text.replacen("\"amount\":\"1.5\"", "\"amount\":\"9.5\"", 1);
    let first_bad = text.lines().position(|l| l.contains("\"amount\":\"1.5\"")).unwrap() as u64;
    let rejected = import(tampered.as_bytes()).unwrap_err();
    assert_eq!(rejected.seq, Some(first_bad));
    assert!(rejected.problem.contains("事件被改动过"), "{rejected}");
    let mut lines: Vec<&str> = text.lines().collect();
    lines.remove(3);
    let deleted = import((lines.join("\n") + "\n").as_bytes()).unwrap_err();
    assert_eq!(deleted.seq, Some(3));
    assert!(deleted.problem.contains("事件3缺失"), "{deleted}");
    let mut lines: Vec<&str> = text.lines().collect();
    lines.insert(3, lines[2]);
    let duplicated = import((lines.join("\n") + "\n").as_bytes()).unwrap_err();
    assert_eq!(duplicated.seq, Some(3));
}

#[test]
fn import_refuses_a_store_that_is_not_empty() {
    let bytes = sample_export(2);
    each_backend(|fresh| {
        let mut store = fresh.open();
        store.append(&batch("department", ExpectedVersion::Any, "x", 1)).unwrap().unwrap();
        let rejected = store.import(&mut Cursor::new(&bytes)).unwrap().unwrap_err();
        assert_eq!(rejected.problem, "库中已有 1 个事件；导入需要空库");
        assert_eq!(store.head().seq, 1);
        drop(store);
        assert_eq!(fresh.open().head().seq, 1);
    });
}

#[test]
fn the_python_verifier_in_docs_agrees() {
    let bytes = sample_export(7);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.jsonl");
    std::fs::write(&path, &bytes).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/verify_export.py");
    let run = |file: &std::path::Path| {
        std::process::Command::new("python3")
            .arg(script)
            .arg(file)
            .output()
            .expect("python3 runs the auditor's verifier")
    };
    let ok = run(&path);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let head =
        String::from_utf8(bytes.clone()).unwrap().lines().last().unwrap().split("head_hash\":\"").nth(1).unwrap()[..64]
            .to_owned();
    assert_eq!(String::from_utf8_lossy(&ok.stdout).trim(), format!("OK 13 events, head {head}"));
    let tampered = String::from_utf8(bytes).unwrap().replacen("第0笔", "第9笔", 1);
    std::fs::write(&path, tampered).unwrap();
    let bad = run(&path);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&bad.stdout).contains("BROKEN at event 1"),
        "{}",
        String::from_utf8_lossy(&bad.stdout)
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn any_appends_survive_export_import_export(sizes in prop::collection::vec((0u8..4, 1usize..4, "[a-z\u{4e00}-\u{4e20}\"\\\\\n]{0,12}"), 1..15)) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = open(dir.path());
        for (i, (stream, count, text)) in sizes.iter().enumerate() {
            let mut b = batch(&format!("project/P{stream}"), ExpectedVersion::Any, &format!("c{i}"), *count);
            b.reason = Some(text.clone());
            b.actor = format!("{text}@科");
            store.append(&b).unwrap().unwrap();
        }
        let first = exported(&store);
        let second = import(&first).unwrap();
        prop_assert_eq!(first, second);
    }
}

#[test]
fn an_export_writer_file_imports_and_exports_byte_identically() {
    let mut counter = 0u64;
    let ids = Box::new(move || {
        counter += 1;
        format!("01900000-0000-7000-8000-{counter:012}")
    });
    let mut writer = selfeval_store::ExportWriter::new(Vec::new(), ids).unwrap();
    assert_eq!(writer.append(&batch("project/P01", ExpectedVersion::Exact(0), "a", 2)).unwrap().unwrap(), vec![1, 2]);
    assert_eq!(writer.append(&batch("project/P02", ExpectedVersion::Exact(0), "b", 1)).unwrap().unwrap(), vec![3]);
    let conflict = writer.append(&batch("project/P01", ExpectedVersion::Exact(0), "c", 1)).unwrap().unwrap_err();
    assert_eq!(conflict.actual, 2);
    assert_eq!(writer.append(&batch("project/P01", ExpectedVersion::Exact(2), "c", 1)).unwrap().unwrap(), vec![4]);
    let (summary, file) = writer.finish().unwrap();
    assert_eq!(summary.events, 4);
    assert_eq!(import(&file).unwrap(), file);
    let text = String::from_utf8(file).unwrap();
    assert!(text.contains("\"event_id\":\"01900000-0000-7000-8000-000000000004\""));
}

#[test]
fn an_imported_store_packs_commands_yet_reads_like_any_other() {
    let bytes = sample_export(40);
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    store.import(&mut Cursor::new(&bytes)).unwrap().unwrap();
    assert_eq!(store.command_seqs("c0").unwrap(), Some(vec![1]));
    assert_eq!(store.command_seqs("c2").unwrap(), Some(vec![4, 5, 6]));
    let p1: Vec<u64> = store.stream_events("project/P1").unwrap().iter().map(|e| e.envelope.seq).collect();
    assert_eq!(&p1[..4], &[2, 3, 7, 10]);
    assert_eq!(store.events_from(5).next().unwrap().unwrap().envelope.seq, 5);
    let appended =
        store.append(&batch("project/P1", ExpectedVersion::Exact(p1.len() as u64), "after", 1)).unwrap().unwrap();
    assert_eq!(appended.seqs, vec![80]);
    assert_eq!(store.verify().unwrap().unwrap().events, 80);
    drop(store);
    let reopened = open(dir.path());
    assert_eq!(reopened.head().seq, 80);
    assert_eq!(reopened.stream_version("project/P1").unwrap(), p1.len() as u64 + 1);
}

#[test]
fn a_store_that_reopens_its_engine_after_every_value_reads_and_imports_the_same() {
    // sled keeps what it read until it is closed, so long passes reopen it
    // every 64 MiB; here after every value, on every path that reads or
    // imports many values.
    let export = sample_export(40);
    let options = selfeval_store::OpenOptions { reopen_after_bytes: 1, ..Default::default() };
    let dir = tempfile::tempdir().unwrap();
    let mut store = selfeval_store::Store::open(dir.path(), &options).unwrap();
    let mut packs = 0;
    let imported = store.import_with(&mut Cursor::new(&export), &mut |_| packs += 1).unwrap().unwrap();
    assert_eq!(imported.events, store.head().seq);
    assert!(packs >= 1);
    assert_eq!(exported(&store), export, "export after reopenings is byte-identical");
    assert_eq!(store.verify().unwrap().unwrap().events, imported.events);
    let seqs: Vec<u64> = store.events_from(7).map(|e| e.unwrap().envelope.seq).collect();
    assert_eq!(seqs, (7..=imported.events).collect::<Vec<_>>());
    // Appends still work, and another opener still waits for this one.
    store.append(&batch("project/P0", ExpectedVersion::Any, "after", 1)).unwrap().unwrap();
    let short = selfeval_store::OpenOptions { wait: std::time::Duration::from_millis(200), ..Default::default() };
    assert!(matches!(selfeval_store::Store::open(dir.path(), &short), Err(selfeval_store::StoreError::Busy { .. })));
    drop(store);
    let store = selfeval_store::Store::open(dir.path(), &options).unwrap();
    assert_eq!(store.head().seq, imported.events + 1);
    assert_eq!(store.verify().unwrap().unwrap().events, imported.events + 1);
}

#[test]
fn an_import_leaves_no_spool_behind_whether_it_lands_or_not() {
    let export = sample_export(12);
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let truncated = &export[..export.len() - 20];
    assert!(store.import(&mut Cursor::new(truncated)).unwrap().is_err());
    assert!(store.is_empty());
    assert!(!dir.path().join("selfeval-import-spool").exists(), "a refused import removes its spool");
    store.import(&mut Cursor::new(&export)).unwrap().unwrap();
    assert!(!dir.path().join("selfeval-import-spool").exists(), "a landed import removes its spool");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("selfeval-import"))
        .collect();
    assert!(left.is_empty(), "nor its index partitions: {left:?}");
    assert_eq!(exported(&store), export);
    // The index gathered by partitions answers as one built command by command.
    for i in 0..12 {
        assert!(store.command_seqs(&format!("c{i}")).unwrap().is_some());
    }
    assert_eq!(
        store.stream_version("project/P0").unwrap() + store.stream_version("project/P1").unwrap(),
        store.head().seq
    );
}

#[test]
fn a_checker_can_read_every_pack_after_the_import_returned_and_with_no_wait() {
    // The packs are read through a handle opened with the spool, so a
    // checker that runs late finds them even after the spool is removed;
    // and reopening the engine never waits on this process itself.
    let export = sample_export(30);
    let options =
        selfeval_store::OpenOptions { wait: std::time::Duration::ZERO, reopen_after_bytes: 1, ..Default::default() };
    let dir = tempfile::tempdir().unwrap();
    let mut store = selfeval_store::Store::open(dir.path(), &options).unwrap();
    let mut packs = Vec::new();
    let imported = store.import_with(&mut Cursor::new(&export), &mut |pack| packs.push(pack)).unwrap().unwrap();
    let mut lines = Vec::new();
    for pack in &packs {
        use std::io::{Read, Seek};
        let mut file = &*pack.file;
        file.seek(std::io::SeekFrom::Start(pack.offset)).unwrap();
        let mut bytes = vec![0; pack.len];
        file.read_exact(&mut bytes).unwrap();
        lines.extend_from_slice(&bytes);
    }
    let body: Vec<u8> =
        export.split_inclusive(|b| *b == b'\n').filter(|l| l.starts_with(b"{\"hash\"")).flatten().copied().collect();
    assert_eq!(lines, body);
    assert_eq!(store.verify().unwrap().unwrap().events, imported.events);
    assert_eq!(exported(&store), export);
}

#[test]
fn blank_lines_after_the_trailer_are_not_content() {
    let first = sample_export(3);
    let mut padded = first.clone();
    padded.extend_from_slice(b"\n\r\n  \n");
    assert_eq!(import(&padded).unwrap(), first);
    let mut more = first.clone();
    more.extend_from_slice(b"\nx\n");
    assert!(import(&more).unwrap_err().problem.contains("文件尾之后还有内容"));
}
