//! Nothing false passes as verified (issue 10): each attack or accident
//! reproduced on the real binary.

use std::path::Path;

use crate::Env;

fn demo() -> Env {
    let env = Env::new();
    assert_eq!(env.run(&["demo"]).code(), 0);
    env
}

fn snapshot_path(env: &Env) -> std::path::PathBuf {
    env.store().join(format!("selfeval-cache/state-v{}", selfeval_core::state::STATE_VERSION))
}

/// Writes a state snapshot by a report that replays the whole log.
fn make_snapshot(env: &Env) {
    let output =
        env.command().env("SELFEVAL_SNAPSHOT_AFTER", "1").args(["report", "--format", "json"]).output().unwrap();
    assert!(output.status.success());
    assert!(snapshot_path(env).exists());
}

fn replace(bytes: &mut Vec<u8>, from: &[u8], to: &[u8]) {
    let at = bytes.windows(from.len()).position(|w| w == from).expect("the value is in the snapshot");
    bytes.splice(at..at + from.len(), to.iter().copied());
}

fn executed(env: &Env) -> String {
    env.json(&["report", "--format", "json"])["totals"]["executed"].as_str().unwrap().to_owned()
}

#[test]
fn an_edited_snapshot_is_never_trusted_and_verify_says_so() {
    let env = demo();
    make_snapshot(&env);
    let path = snapshot_path(&env);
    let mut bytes = std::fs::read(&path).unwrap();
    replace(&mut bytes, b"18.7912", b"10.7912");
    std::fs::write(&path, &bytes).unwrap();
    assert_eq!(executed(&env), "58.79", "the edited snapshot fails its digest and is ignored");
    let verify = env.run(&["verify"]);
    assert_eq!(verify.code(), 4, "{}", verify.stderr());
    assert!(verify.stdout().contains("状态快照：内容与其摘要不符（被改动或损坏），已删除"), "{}", verify.stdout());
    assert!(!path.exists(), "the bad snapshot is removed");
    assert_eq!(env.run(&["verify"]).code(), 0);
}

#[test]
fn a_forged_snapshot_with_a_recomputed_digest_is_caught_by_verify() {
    use sha2::{Digest, Sha256};
    let env = demo();
    make_snapshot(&env);
    let path = snapshot_path(&env);
    let file = std::fs::read(&path).unwrap();
    let magic = b"selfeval-cache 2\n".len();
    let (seq, hash) = (&file[magic..magic + 8], &file[magic + 8..magic + 72]);
    let mut body = file[magic + 136..].to_vec();
    replace(&mut body, b"18.7912", b"10.7912");
    let digest = format!("{:x}", Sha256::new().chain_update(seq).chain_update(hash).chain_update(&body).finalize());
    let mut forged = file[..magic + 72].to_vec();
    forged.extend_from_slice(digest.as_bytes());
    forged.extend_from_slice(&body);
    std::fs::write(&path, forged).unwrap();
    assert_eq!(executed(&env), "50.79", "a forger who recomputes the digest fools a report…");
    let verify = env.run(&["verify"]);
    assert_eq!(verify.code(), 4, "…but not verify");
    assert!(verify.stdout().contains("与日志重放到事件72的结果不符（被改动过），已删除"), "{}", verify.stdout());
    assert_eq!(executed(&env), "58.79", "and the next report is computed from the log again");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn a_log_that_went_back_is_an_integrity_error_not_a_restart() {
    let env = demo();
    let backup = env.dir.path().join("backup");
    copy_dir(&env.store(), &backup);
    env.ok(&["spend", "P02", "--amount", "0.5", "--date", "2024-12-30"]);
    // The store's files replaced by the older copy, the head file kept.
    let head = std::fs::read(env.store().join("selfeval-head")).unwrap();
    std::fs::remove_dir_all(env.store()).unwrap();
    copy_dir(&backup, &env.store());
    std::fs::write(env.store().join("selfeval-head"), head).unwrap();
    for args in [&["status"][..], &["verify"], &["spend", "P02", "--amount", "1", "--date", "2024-12-30"]] {
        let run = env.act(args);
        assert_eq!(run.code(), 4, "{args:?}: {}", run.stderr());
        assert!(run.stderr().contains("日志只到事件72，而已确认写入的事件到73"), "{}", run.stderr());
    }
}

#[test]
fn a_flipped_bit_in_the_engines_file_is_caught_before_any_write_is_acknowledged_again() {
    let env = demo();
    let db = env.store().join("db");
    let mut bytes = std::fs::read(&db).unwrap();
    bytes[5] ^= 1;
    std::fs::write(&db, bytes).unwrap();
    let first = env.act(&["spend", "P02", "--amount", "1", "--date", "2024-12-30"]);
    assert_eq!(first.code(), 4, "the damaged log is noticed at open: {}", first.stderr());
    assert!(first.stdout().is_empty(), "nothing is acknowledged");
    assert_eq!(env.run(&["status"]).code(), 4);
}
