//! What a process killed in the middle of the storage engine's own work
//! leaves in a store directory (issue 23), reproduced file by file: every
//! command still works and nothing acknowledged is lost, or, where the
//! engine refuses for good, `export --salvage` rescues what it can from a
//! copy and never changes the store's files.

use std::collections::BTreeMap;
use std::path::Path;

use crate::{Env, DEMO_OFFICE, DEMO_RESCUE};

/// sled's name for a snapshot it had not finished writing, with the
/// largest sequence number it can carry (it sorts after every other
/// snapshot, so sled would take it for the newest).
const UNFINISHED: &str = "snap.7FFFFFFFFFFFFFFF.generating";

/// The demo in a directory, opened once more so that sled has written a
/// complete snapshot beside its log.
fn demo_with_engine_snapshot() -> Env {
    let env = Env::in_dir();
    assert_eq!(env.run(&["demo"]).code(), 0);
    assert_eq!(env.run(&["status"]).code(), 0);
    assert_eq!(engine_snapshots(&env.store()).len(), 1, "sled keeps one complete snapshot");
    env
}

/// The names of sled's snapshot files in `dir`.
fn engine_snapshots(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("snap."))
        .collect();
    names.sort();
    names
}

/// Every file of a store directory and its bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            out.insert(entry.file_name().to_string_lossy().into_owned(), std::fs::read(entry.path()).unwrap());
        }
    }
    out
}

/// The export of the store (header, every event, trailer).
fn export(env: &Env) -> Vec<String> {
    let run = env.run(&["export"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    run.stdout().lines().map(str::to_owned).collect()
}

/// Bytes that are no snapshot: a fixed pseudo-random sequence.
fn noise(len: usize) -> Vec<u8> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

#[test]
fn a_half_written_engine_snapshot_is_removed_at_open_and_every_command_works() {
    for (what, leftover) in [("empty", Vec::new()), ("random bytes", noise(4096))] {
        let env = demo_with_engine_snapshot();
        let before = export(&env);
        assert_eq!(before.len(), 79, "{what}: header, 77 events, trailer");
        std::fs::write(env.store().join(UNFINISHED), &leftover).unwrap();

        // The first command to open the store removes it and says so once.
        let status = env.run(&["status"]);
        assert_eq!(status.code(), 0, "{what}: {}", status.stderr());
        assert!(status.stdout().contains("77 个事件"), "{what}: {}", status.stdout());
        let said =
            format!("提示：打开库时已移除 {UNFINISHED}（{} 字节）：存储引擎（sled）写到一半的快照文件", leftover.len());
        assert!(status.stderr().contains(&said), "{what}: {}", status.stderr());
        assert!(!env.store().join(UNFINISHED).exists(), "{what}: the leftover is gone");
        assert_eq!(engine_snapshots(&env.store()).len(), 1, "{what}: the complete snapshot stays");
        let again = env.run(&["status"]);
        assert!(!again.stderr().contains("已移除"), "{what}: said once: {}", again.stderr());

        // Every reader works, the chain verifies, the next write lands, and
        // the log is the one acknowledged before, with the new event after it.
        for args in [&["report"][..], &["history"], &["table", "P01"], &["check"], &["project", "list"]] {
            let run = env.run(args);
            assert!(run.code() == 0 || (args == ["check"] && run.code() == 1), "{what} {args:?}: {}", run.stderr());
            assert!(!run.stdout().is_empty(), "{what} {args:?}");
        }
        assert_eq!(env.run(&["verify"]).code(), 0, "{what}");
        env.ok_as(DEMO_OFFICE, &["reopen", "P02", "--reason", "补记年末支出"]);
        env.ok_as(DEMO_RESCUE, &["spend", "P02", "--amount", "0.5", "--date", "2024-12-30"]);
        let after = export(&env);
        assert_eq!(after.len(), 81, "{what}");
        assert_eq!(after[..78], before[..78], "{what}: every acknowledged event is kept as it was");
    }
}

#[test]
fn verify_says_what_it_removed_in_its_output() {
    let env = demo_with_engine_snapshot();
    std::fs::write(env.store().join(UNFINISHED), noise(100)).unwrap();
    let verify = env.run(&["verify"]);
    assert_eq!(verify.code(), 0, "{}", verify.stderr());
    assert!(verify.stdout().starts_with(&format!("打开库时已移除 {UNFINISHED}（100 字节）")), "{}", verify.stdout());
    assert!(verify.stdout().contains("哈希链完整：77 个事件"), "{}", verify.stdout());

    std::fs::write(env.store().join(UNFINISHED), b"").unwrap();
    let json = env.json(&["verify", "--json"]);
    let repairs = json["repairs"].as_array().unwrap();
    assert_eq!(repairs.len(), 1, "{json}");
    assert!(repairs[0].as_str().unwrap().starts_with(&format!("已移除 {UNFINISHED}（0 字节）")), "{json}");
    assert_eq!(env.json(&["verify", "--json"])["repairs"], serde_json::json!([]), "nothing left to remove");
}

#[test]
fn a_store_whose_first_open_was_killed_before_sled_wrote_its_conf_is_made_as_new() {
    // `init` killed between sled creating `conf` and writing it: an empty
    // `conf` and nothing else. sled takes it for none; the store must be
    // made with the segment size of a new store and work.
    let env = Env::in_dir();
    std::fs::create_dir_all(env.store()).unwrap();
    std::fs::write(env.store().join("conf"), b"").unwrap();
    assert_eq!(env.run(&["demo"]).code(), 0);
    // The file ends in a binary checksum.
    let conf = String::from_utf8_lossy(&std::fs::read(env.store().join("conf")).unwrap()).into_owned();
    assert!(conf.contains("segment_size: 2097152"), "{conf}");
    assert_eq!(env.run(&["verify"]).code(), 0);
}

#[test]
fn a_torn_write_after_the_last_acknowledged_one_is_ignored_by_the_engine() {
    // A kill while sled writes the next part of its log leaves bytes after
    // the last complete message: sled reads up to the last message whose
    // checksum holds. Nothing acknowledged is lost and the next write lands.
    let env = demo_with_engine_snapshot();
    let before = export(&env);
    let db = env.store().join("db");
    let mut file = std::fs::OpenOptions::new().append(true).open(&db).unwrap();
    std::io::Write::write_all(&mut file, &noise(5000)).unwrap();
    drop(file);
    assert_eq!(env.run(&["verify"]).code(), 0);
    assert_eq!(export(&env), before);
    env.ok_as(DEMO_OFFICE, &["reopen", "P02", "--reason", "补记年末支出"]);
    assert_eq!(export(&env).len(), 80);
}

#[test]
fn salvage_rescues_a_store_whose_complete_engine_snapshot_is_damaged_from_a_copy() {
    let env = demo_with_engine_snapshot();
    let before = export(&env);
    let snapshot = env.store().join(&engine_snapshots(&env.store())[0]);
    let mut bytes = std::fs::read(&snapshot).unwrap();
    bytes[3] ^= 0xff;
    std::fs::write(&snapshot, bytes).unwrap();
    // A leftover beside it, which an ordinary command would remove: the
    // salvage leaves even that as it is.
    std::fs::write(env.store().join(UNFINISHED), b"").unwrap();
    let files_before = files(&env.store());

    let out = env.dir.path().join("salvaged.jsonl");
    let salvage = env.run(&["export", "--salvage", out.to_str().unwrap()]);
    assert_eq!(salvage.code(), 0, "{}", salvage.stderr());
    let said = salvage.stderr();
    assert!(
        said.contains(&format!(
            "提示：存储引擎拒绝打开库 {}，已复制到临时目录抢救（原库文件未作任何改动）",
            env.store().display()
        )),
        "{said}"
    );
    assert!(said.contains(&format!("提示：在副本中已移除 {}", engine_snapshots(&env.store())[0])), "{said}");
    assert!(said.contains(&format!("提示：在副本中已移除 {UNFINISHED}")), "{said}");
    assert!(!said.contains("提示：打开库时"), "nothing is removed from the store itself: {said}");
    assert!(said.contains("已导出 77 个事件"), "{said}");
    let salvaged: Vec<String> = std::fs::read_to_string(&out).unwrap().lines().map(str::to_owned).collect();
    assert_eq!(salvaged, before, "every event, byte for byte");
    assert_eq!(files(&env.store()), files_before, "the store's files are as they were");
    let fresh = Env::in_dir();
    assert_eq!(fresh.run(&["import", out.to_str().unwrap()]).code(), 0);
    assert_eq!(fresh.run(&["verify"]).code(), 0);
    // A complete snapshot is not a leftover: an ordinary command removes the
    // leftover, leaves the damaged snapshot, and the engine still refuses.
    let status = env.run(&["status"]);
    assert_eq!(status.code(), 4, "{}", status.stderr());
    assert!(status.stderr().contains("存储引擎读到损坏的数据"), "{}", status.stderr());
    assert!(env.store().join(&engine_snapshots(&env.store())[0]).exists());
}

#[test]
fn where_the_engine_refuses_the_copy_too_salvage_says_so_and_changes_nothing() {
    let env = demo_with_engine_snapshot();
    let conf = env.store().join("conf");
    std::fs::write(&conf, "segment_size: 2097152\nuse_compression: fals\nversion: 0.34\n????").unwrap();
    let files_before = files(&env.store());
    let out = env.dir.path().join("salvaged.jsonl");
    let salvage = env.run(&["export", "--salvage", out.to_str().unwrap()]);
    assert_eq!(salvage.code(), 4, "{}", salvage.stderr());
    let said = salvage.stderr();
    assert!(said.contains("存储引擎拒绝打开该库"), "{said}");
    assert!(said.contains("后仍拒绝打开"), "{said}");
    assert!(said.contains("无法抢救：库目录中的文件未作任何改动"), "{said}");
    assert!(!out.exists(), "no export is written");
    assert_eq!(files(&env.store()), files_before, "the store's files are as they were");
}
