//! verify, export, import, the v1 fixture, a busy store and a closed pipe.

use std::io::Read;
use std::process::Stdio;

use crate::{fixture, Env};

#[test]
fn export_import_round_trip_is_byte_identical() {
    let env = Env::with_project();
    env.ok(&["spend", "P01", "--amount", "2", "--date", "2024-06-30", "--memo", "含\"引号\"与\\反斜杠"]);
    env.ok(&["export", "out.jsonl"]);
    let first = std::fs::read(env.dir.path().join("out.jsonl")).unwrap();
    let restored = Env::new();
    let out = restored.run(&["import", env.dir.path().join("out.jsonl").to_str().unwrap()]);
    assert_eq!(out.code(), 0, "{}", out.stderr());
    assert!(out.stdout().starts_with("已导入 4 个事件，哈希链已校验"));
    let again = restored.run(&["export"]);
    assert_eq!(again.output.stdout, first);
    let stdout_export = env.run(&["export"]);
    assert_eq!(stdout_export.output.stdout, first);
}

#[test]
fn import_refuses_a_store_that_is_not_empty_and_a_broken_chain() {
    let env = Env::with_project();
    env.ok(&["export", "out.jsonl"]);
    // A store with data is not an integrity problem: the input is refused (exit 1).
    let not_empty = if env.pg.is_some() {
        "已有 3 个事件；可接受：不存在或为空的账本（导入不会覆盖已有数据）"
    } else {
        "已有 3 个事件；可接受：不存在的目录、空目录或空库（导入不会覆盖已有数据）"
    };
    env.fails(&["import", "out.jsonl"], 1, not_empty);
    let text = std::fs::read_to_string(env.dir.path().join("out.jsonl")).unwrap();
    std::fs::write(env.dir.path().join("bad.jsonl"), text.replace("\"amount\":\"6\"", "\"amount\":\"60\"")).unwrap();
    let fresh = Env::new();
    let run = fresh.run(&["import", env.dir.path().join("bad.jsonl").to_str().unwrap()]);
    assert_eq!(run.code(), 4);
    assert!(run.stderr().contains("导入被拒绝，未写入任何事件：事件3（第4行）：记录的哈希为 "), "{}", run.stderr());
    assert!(!fresh.store().exists(), "a refused import leaves nothing behind");
    let leftovers = std::fs::read_dir(fresh.dir.path())
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().contains("importing"));
    assert_eq!(leftovers.count(), 0);
    let missing = fresh.run(&["import", "nope.jsonl"]);
    assert_eq!(missing.code(), 1);
    assert!(missing.stderr().contains("FILE：无法打开 nope.jsonl"));
}

#[test]
fn the_v1_fixture_imports_and_replays_to_the_same_report() {
    let env = Env::new();
    let run = env.run(&["import", fixture("v1-demo-export.jsonl").to_str().unwrap()]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let report = env.json(&["report", "--format", "json"]);
    insta::assert_json_snapshot!("v1_fixture_report_json", report);
}

#[test]
fn a_busy_store_exits_three() {
    let env = Env::with_project_in_dir();
    let _held = selfeval_ledger::Ledger::open(
        &selfeval_ledger::Location::Dir(env.store()),
        &selfeval_ledger::LedgerSettings::default(),
        selfeval_ledger::Purpose::Create,
    )
    .unwrap();
    let run = env
        .command()
        .env("SELFEVAL_BUSY_TIMEOUT", "0.3")
        .args(["--actor", "a@b", "spend", "P01", "--amount", "1", "--date", "2024-06-30"])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&run.stderr).contains("正被另一个进程使用"));
}

#[test]
fn verify_names_a_broken_chain() {
    let env = Env::with_project();
    let out = env.ok(&["verify"]);
    assert!(out.starts_with("哈希链完整：3 个事件，头哈希 "), "{out}");
    let status = env.json(&["status", "--json"]);
    assert_eq!(status["events"], 3);
    assert_eq!(out.trim().rsplit(' ').next(), status["head_hash"].as_str());
}

#[test]
fn a_closed_pipe_exits_quietly() {
    let env = Env::new();
    env.run(&["demo"]);
    let mut child = env.command().args(["report"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    drop(child.stdout.take());
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert_eq!(stderr, "");
}
