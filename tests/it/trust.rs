//! Nothing false passes as verified (issue 10): each attack or accident
//! reproduced on the real binary.

use std::path::Path;

use crate::{Env, DEMO_OFFICE};

/// The demo in a directory whatever the suite's backend: for the attacks
/// on the engine's and the caches' files.
fn demo_in_dir() -> Env {
    let env = Env::in_dir();
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
    let env = demo_in_dir();
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

/// Changes an amount in the snapshot at `path` and recomputes its digest,
/// as a forger who read `docs/storage.md` would.
fn forge_snapshot(path: &Path) {
    use sha2::{Digest, Sha256};
    let file = std::fs::read(path).unwrap();
    let magic = b"selfeval-cache 2\n".len();
    let (seq, hash) = (&file[magic..magic + 8], &file[magic + 8..magic + 72]);
    let mut body = file[magic + 136..].to_vec();
    replace(&mut body, b"18.7912", b"10.7912");
    let digest = format!("{:x}", Sha256::new().chain_update(seq).chain_update(hash).chain_update(&body).finalize());
    let mut forged = file[..magic + 72].to_vec();
    forged.extend_from_slice(digest.as_bytes());
    forged.extend_from_slice(&body);
    std::fs::write(path, forged).unwrap();
}

#[test]
fn a_forged_snapshot_with_a_recomputed_digest_is_caught_by_verify() {
    let env = demo_in_dir();
    make_snapshot(&env);
    let path = snapshot_path(&env);
    forge_snapshot(&path);
    assert_eq!(executed(&env), "50.79", "a forger who recomputes the digest fools a report…");
    let verify = env.run(&["verify"]);
    assert_eq!(verify.code(), 4, "…but not verify");
    assert!(verify.stdout().contains("与日志重放到事件77的结果不符（被改动过），已删除"), "{}", verify.stdout());
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
    let env = demo_in_dir();
    let backup = env.dir.path().join("backup");
    copy_dir(&env.store(), &backup);
    env.demo_spend_on_p02();
    // The store's files replaced by the older copy, the head file kept.
    let head = std::fs::read(env.store().join("selfeval-head")).unwrap();
    std::fs::remove_dir_all(env.store()).unwrap();
    copy_dir(&backup, &env.store());
    std::fs::write(env.store().join("selfeval-head"), head).unwrap();
    for args in [&["status"][..], &["verify"], &["spend", "P02", "--amount", "1", "--date", "2024-12-30"]] {
        let run = env.act(args);
        assert_eq!(run.code(), 4, "{args:?}: {}", run.stderr());
        assert!(run.stderr().contains("日志只到事件77，而已确认写入的事件到79"), "{}", run.stderr());
    }
}

#[test]
fn a_flipped_bit_in_the_engines_file_is_caught_before_any_write_is_acknowledged_again() {
    let env = demo_in_dir();
    let db = env.store().join("db");
    let mut bytes = std::fs::read(&db).unwrap();
    bytes[5] ^= 1;
    std::fs::write(&db, bytes).unwrap();
    let first = env.act(&["spend", "P02", "--amount", "1", "--date", "2024-12-30"]);
    assert_eq!(first.code(), 4, "the damaged log is noticed at open: {}", first.stderr());
    assert!(first.stdout().is_empty(), "nothing is acknowledged");
    assert_eq!(env.run(&["status"]).code(), 4);
}

/// The event bodies of an export, in order.
pub(crate) fn bodies(export: &str) -> Vec<String> {
    export
        .lines()
        .filter(|l| l.starts_with("{\"hash\":"))
        .map(|l| l[l.find(",\"event\":").unwrap() + ",\"event\":".len()..l.len() - 1].to_owned())
        .collect()
}

/// An export of `bodies`, re-chained as a forger following docs/storage.md would.
pub(crate) fn rechain(bodies: &[String]) -> String {
    use sha2::{Digest, Sha256};
    let genesis = "0".repeat(64);
    let mut out =
        format!("{{\"format\":\"selfeval-export\",\"version\":1,\"hash\":\"sha256\",\"genesis\":\"{genesis}\"}}\n");
    let mut prev = genesis;
    for body in bodies {
        let body = format!("{}{prev}\"}}", &body[..body.len() - 66]);
        let prev_bytes: Vec<u8> = (0..32).map(|i| u8::from_str_radix(&prev[2 * i..2 * i + 2], 16).unwrap()).collect();
        let hash = format!("{:x}", Sha256::new().chain_update(&prev_bytes).chain_update(body.as_bytes()).finalize());
        out.push_str(&format!("{{\"hash\":\"{hash}\",\"event\":{body}}}\n"));
        prev = hash;
    }
    out.push_str(&format!("{{\"trailer\":{{\"events\":{},\"head_hash\":\"{prev}\"}}}}\n", bodies.len()));
    out
}

#[test]
fn rechaining_an_unchanged_export_reproduces_it() {
    let export = std::fs::read_to_string(crate::fixture("v1-demo-export.jsonl")).unwrap();
    assert_eq!(rechain(&bodies(&export)), export, "the test's forger follows docs/storage.md exactly");
}

#[test]
fn import_checks_every_event_not_only_the_chain() {
    let export = std::fs::read_to_string(crate::fixture("v1-demo-export.jsonl")).unwrap();
    let original = bodies(&export);
    let event = |seq: usize| original[seq - 1].clone();
    // Event 14 of the fixture is P04's spending of 30 万元 (ExpenditureRecorded, project/P04 version 3).
    assert!(event(14).contains("\"type\":\"ExpenditureRecorded\""), "{}", event(14));
    let cases: Vec<(usize, String, &str)> = vec![
        (14, event(14).replace("\"amount\":\"30\"", "\"amount\":\"abc\""), "事件14：事件14无法解码"),
        (14, event(14).replace("\"type\":\"ExpenditureRecorded\"", "\"type\":\"MoneyVanished\""), "unknown event type"),
        (14, event(14).replace("\"schema_version\":1", "\"schema_version\":99"), "schema versions 1 to"),
        (14, event(14).replace("\"payload\":{\"project\":\"P04\"", "\"payload\":{\"x\":\"P04\""), "事件14无法解码"),
        (
            14,
            event(14).replace("\"project\":\"P04\"", "\"project\":\"P99\"").replace("project/P04", "project/P99"),
            "project：项目「P99」不存在",
        ),
        (14, event(14).replace("\"amount\":\"30\"", "\"amount\":\"-30\""), "amount：支出 -30 不是正数"),
        (
            14,
            event(14).replace("\"stream_version\":3", "\"stream_version\":2"),
            "stream_version：「project/P04」的第3个事件标为版本2",
        ),
        (1, event(1).replace("cz2020-default", "cz1999"), "profile：「cz1999」不是评分规则编号"),
    ];
    for (seq, changed, expected) in cases {
        assert_ne!(changed, event(seq), "the case changes the event: {expected}");
        let mut forged = original.clone();
        forged[seq - 1] = changed;
        let env = Env::new();
        let file = env.dir.path().join("forged.jsonl");
        std::fs::write(&file, rechain(&forged)).unwrap();
        let run = env.run(&["import", file.to_str().unwrap()]);
        assert_eq!(run.code(), 4, "{expected}: {}", run.stderr());
        assert!(run.stderr().contains("导入被拒绝，未写入任何事件"), "{}", run.stderr());
        assert!(run.stderr().contains(expected), "expected {expected:?} in {}", run.stderr());
        assert!(!env.store().exists(), "nothing stays behind: {expected}");
    }
}

/// The fixture followed by `extra` more spending events on P04, re-chained.
fn big_export(extra: usize) -> String {
    let export = std::fs::read_to_string(crate::fixture("v1-demo-export.jsonl")).unwrap();
    let mut all = bodies(&export);
    let template = all[13].clone();
    let mut version = all.iter().filter(|b| b.contains("\"stream\":\"project/P04\"")).count();
    for n in all.len() + 1..=all.len() + extra {
        version += 1;
        all.push(
            template
                .replace("\"seq\":14,", &format!("\"seq\":{n},"))
                .replace("\"stream_version\":3,", &format!("\"stream_version\":{version},"))
                .replace("\"command_id\":\"demo-0013\"", &format!("\"command_id\":\"bulk-{n}\""))
                .replace("01a21f6a-8dc4-76c9-9081-1520195e8668", &format!("01a21f6a-8dc4-76c9-9081-{n:012}")),
        );
    }
    rechain(&all)
}

#[test]
fn an_import_killed_at_any_moment_leaves_no_store_and_a_retry_succeeds() {
    let env = Env::in_dir();
    let file = env.dir.path().join("big.jsonl");
    std::fs::write(&file, big_export(30_000)).unwrap();
    for delay in [20u64, 150, 400, 900] {
        let mut child = env.command().args(["import", file.to_str().unwrap()]).spawn().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay));
        let _ = child.kill();
        let status = child.wait().unwrap();
        if status.success() {
            break; // it finished before the kill: the retry below still checks the result
        }
        assert!(!env.store().exists(), "killed after {delay} ms, the target must not exist");
        let report = env.run(&["report"]);
        assert_eq!(report.code(), 1, "no half store to report on: {}", report.stderr());
    }
    if env.store().exists() {
        std::fs::remove_dir_all(env.store()).unwrap();
    }
    let run = env.run(&["import", file.to_str().unwrap()]);
    assert_eq!(run.code(), 0, "the retry succeeds: {}", run.stderr());
    assert!(run.stdout().starts_with("已导入 30072 个事件"), "{}", run.stdout());
    let leftovers = std::fs::read_dir(env.dir.path())
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().contains("importing"));
    assert_eq!(leftovers.count(), 0, "what killed imports left is cleaned up");
    assert_eq!(env.run(&["verify"]).code(), 0);
}

#[test]
fn a_command_id_is_bound_to_its_content() {
    let env = Env::with_project();
    let spend = |amount: &str, id: &str| {
        env.act(&["spend", "P01", "--amount", amount, "--date", "2024-06-30", "--command-id", id])
    };
    let first = spend("1", "付款-0001");
    assert_eq!(first.code(), 0);
    assert_eq!(
        first.stdout(),
        "已记录 #4 ExpenditureRecorded（支出已记录）：支出 P01 1万元（10,000.00元），2024-06-30\n"
    );
    let again = spend("1", "付款-0001");
    assert_eq!(again.code(), 0, "{}", again.stderr());
    assert_eq!(
        again.stdout(),
        "已记录 #4 ExpenditureRecorded（支出已记录）：支出 P01 1万元（10,000.00元），2024-06-30（该命令编号已记录过，未重复写入）\n"
    );
    let other = spend("999", "付款-0001");
    assert_eq!(other.code(), 1);
    assert_eq!(
        other.stderr(),
        "错误：--command-id：命令编号「付款-0001」已用于事件#4（ExpenditureRecorded），内容与本次命令不同；未写入；可接受：新的命令编号；或与原命令完全相同的重试（同一操作人、原因与内容）\n"
    );
    let long = "x".repeat(129);
    for (id, problem) in [
        ("", "命令编号为空"),
        (long.as_str(), "命令编号有129个字符，超过128"),
        ("a\nb", "「a\\u{000A}b」含空白或不可打印的字符"),
    ] {
        let run = spend("1", id);
        assert_eq!(run.code(), 1, "{id:?}");
        assert!(run.stderr().starts_with(&format!("错误：--command-id：{problem}")), "{}", run.stderr());
    }
    assert_eq!(env.head().unwrap().0, 4, "nothing more was written");
}

#[test]
fn text_that_hides_or_forges_is_refused() {
    let env = Env::with_project();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["project", "add", "P02", "--name", "项目\n## 七、伪造章节"],
            "错误：--name：「项目\\u{000A}## 七、伪造章节」含控制字符 U+000A",
        ),
        (vec!["project", "add", "P02", "--name", " 项目"], "错误：--name：「 项目」首尾有空白"),
        (
            vec!["--actor", "赵静\u{200b}@领导小组办公室", "approve", "P01"],
            "错误：--actor：「赵静\\u{200B}@领导小组办公室」含零宽字符 U+200B",
        ),
        (
            vec!["budget", "adjust", "P01", "--delta", "1", "--reason", "调增\u{1b}[31m"],
            "错误：--reason：「调增\\u{001B}[31m」含控制字符 U+001B",
        ),
        (
            vec!["narrative", "set", "3.funds", "--text", "资金\u{202e}用途"],
            "错误：--text：「资金\\u{202E}用途」含双向文字控制符 U+202E",
        ),
        (vec!["narrative", "set", "3.funds", "--text", "\u{200b}\u{200b}"], "错误：--text：文字只有空白或零宽字符"),
    ];
    for (args, expected) in cases {
        let run = if args[0] == "--actor" { env.run(&args) } else { env.act(&args) };
        assert_eq!(run.code(), 1, "{args:?}");
        assert!(run.stderr().starts_with(expected), "{args:?}: {}", run.stderr());
    }
    assert_eq!(env.head().unwrap().0, 3, "nothing was written");
    // A paragraph may have lines.
    env.ok(&["narrative", "set", "3.funds", "--text", "第一段。\n第二段。"]);
}

#[test]
fn recorded_text_cannot_add_a_section_to_the_report() {
    let env = Env::with_project();
    env.ok(&["narrative", "set", "6.other", "--text", "说明如下。\n## 七、伪造章节\n> 引用\n| 表 |"]);
    let report = env.ok(&["report"]);
    assert!(report.contains("说明如下。\n\n\\## 七、伪造章节\n\n\\> 引用\n\n\\| 表 |"), "{report}");
    assert!(!report.lines().any(|l| l.starts_with("## 七")), "no forged heading");
}

#[test]
fn malformed_settings_are_usage_errors() {
    let env = Env::with_project();
    for (name, value) in
        [("SELFEVAL_BUSY_TIMEOUT", "1e20"), ("SELFEVAL_BUSY_TIMEOUT", "abc"), ("SELFEVAL_SNAPSHOT_AFTER", "-5")]
    {
        let output = env.command().env(name, value).args(["status"]).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{name}={value}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.starts_with(&format!("错误：环境变量 {name}：「{value}」无法使用；可接受：")), "{stderr}");
    }
}

#[test]
fn as_of_beyond_the_head_is_an_error_not_the_head() {
    let env = Env::with_project();
    for seq in ["999999", "0"] {
        let run = env.run(&["report", "--as-of", seq]);
        assert_eq!(run.code(), 1);
        assert_eq!(
            run.stderr(),
            format!("错误：--as-of：库中的事件序号为1至3，没有事件{seq}；可接受：1至3之间的序号，或 RFC 3339 时间\n")
        );
    }
    assert_eq!(env.run(&["report", "--as-of", "3"]).code(), 0);
}

#[test]
fn import_checks_the_header_and_refuses_endless_lines() {
    let export = std::fs::read_to_string(crate::fixture("v1-demo-export.jsonl")).unwrap();
    let env = Env::new();
    let wrong_genesis = env.dir.path().join("genesis.jsonl");
    std::fs::write(&wrong_genesis, export.replacen(&"0".repeat(64), &"1".repeat(64), 1)).unwrap();
    let run = env.run(&["import", wrong_genesis.to_str().unwrap()]);
    assert_eq!(run.code(), 4);
    assert!(run.stderr().contains("第1行：不是 selfeval 导出文件的文件头"), "{}", run.stderr());
    let endless = env.dir.path().join("endless.jsonl");
    let mut text = export.lines().next().unwrap().to_owned();
    text.push('\n');
    text.push_str(&"x".repeat(5 << 20));
    std::fs::write(&endless, text).unwrap();
    let run = env.run(&["import", endless.to_str().unwrap()]);
    assert_eq!(run.code(), 4);
    assert!(run.stderr().contains("第2行超过 4 MiB：不是导出文件的行"), "{}", run.stderr());
    assert!(!env.store().exists());
}

#[test]
fn a_clock_that_went_back_never_makes_recorded_times_go_back() {
    let env = Env::with_project();
    let late = env
        .command()
        .env("SELFEVAL_NOW", "2030-01-01T00:00:00Z")
        .args(["--actor", "王敏@应急救援科", "spend", "P01", "--amount", "1", "--date", "2024-06-30"])
        .output()
        .unwrap();
    assert!(late.status.success());
    env.ok(&["spend", "P01", "--amount", "2", "--date", "2024-06-30"]);
    let history = env.run(&["history", "--json"]).stdout();
    let times: Vec<String> = history
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["data"]["recorded_at"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(times.len(), 5);
    assert_eq!(times[3], "2030-01-01T00:00:00Z");
    assert_eq!(times[4], "2030-01-01T00:00:00Z", "the clock said 2025, the log keeps 2030");
    env.ok(&["export", "again.jsonl"]);
    let fresh = Env::new();
    assert_eq!(fresh.run(&["import", env.dir.path().join("again.jsonl").to_str().unwrap()]).code(), 0);
}

#[test]
fn read_commands_never_create_a_store() {
    let env = Env::new();
    let other = env.dir.path().join("别的目录");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("笔记.txt"), "不是库").unwrap();
    let a_file = other.join("笔记.txt");
    for store in [&other, &a_file] {
        for args in [&["status"][..], &["verify"], &["report"], &["history"], &["export"]] {
            let run = env.command().env("SELFEVAL_STORE", store).args(args).output().unwrap();
            assert_eq!(run.status.code(), Some(1), "{args:?} on {}", store.display());
            let stderr = String::from_utf8_lossy(&run.stderr);
            assert!(stderr.starts_with("错误：--store：库不存在："), "{stderr}");
        }
    }
    let entries: Vec<_> = std::fs::read_dir(&other).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(entries.len(), 1, "nothing was created: {entries:?}");
    let init = env
        .command()
        .env("SELFEVAL_STORE", &a_file)
        .args(["--actor", "赵静@领导小组办公室", "init", "--department", "某局", "--year", "2024"])
        .output()
        .unwrap();
    assert_eq!(init.status.code(), Some(74), "{}", String::from_utf8_lossy(&init.stderr));
}

#[test]
fn outputs_never_overwrite_silently_nor_land_in_the_store() {
    let env = demo_in_dir();
    for args in [&["export", "db"][..], &["report", "--output", "db"]] {
        let inside = env.store().join(args.last().unwrap());
        let mut full: Vec<&str> = args[..args.len() - 1].to_vec();
        let path = inside.to_str().unwrap().to_owned();
        full.push(&path);
        full.push("--force");
        let run = env.run(&full);
        assert_eq!(run.code(), 1, "{full:?}");
        assert!(run.stderr().contains("在库目录") && run.stderr().contains("之内，写入会破坏库"), "{}", run.stderr());
    }
    assert_eq!(env.run(&["verify"]).code(), 0, "the store is intact");
    let report = env.dir.path().join("报告.md");
    std::fs::write(&report, "旧内容").unwrap();
    let run = env.run(&["report", "--output", report.to_str().unwrap()]);
    assert_eq!(run.code(), 1);
    assert!(run.stderr().contains("已存在，未覆盖；可接受：另一个文件名，或加 --force 覆盖"), "{}", run.stderr());
    assert_eq!(std::fs::read_to_string(&report).unwrap(), "旧内容");
    assert_eq!(env.run(&["report", "--output", report.to_str().unwrap(), "--force"]).code(), 0);
    assert!(std::fs::read_to_string(&report).unwrap().starts_with("# 某市应急管理局"));
    let full_disk = env.run(&["report", "--output", "/dev/full", "--force"]);
    assert_eq!(full_disk.code(), 74, "{}", full_disk.stderr());
    assert!(full_disk.stderr().contains("磁盘已满"), "{}", full_disk.stderr());
}

#[test]
fn a_closed_pipe_ends_an_export_quietly() {
    let env = Env::new();
    let file = env.dir.path().join("big.jsonl");
    std::fs::write(&file, big_export(5_000)).unwrap();
    assert_eq!(env.run(&["import", file.to_str().unwrap()]).code(), 0);
    let mut child = env
        .command()
        .args(["export"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut first).unwrap();
    assert!(first.starts_with("{\"format\":\"selfeval-export\""));
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
}

#[test]
fn a_damaged_event_can_still_be_salvaged_up_to_it() {
    let env = demo_in_dir();
    let db = env.store().join("db");
    let mut bytes = std::fs::read(&db).unwrap();
    let at = bytes.windows(7).position(|w| w == b"18.7912").expect("the amount is in the engine's file");
    bytes[at] = b'9';
    std::fs::write(&db, bytes).unwrap();
    let verify = env.run(&["verify"]);
    assert_eq!(verify.code(), 4, "{}", verify.stderr());
    let out = env.dir.path().join("salvaged.jsonl");
    let salvage = env.run(&["export", "--salvage", out.to_str().unwrap()]);
    assert_eq!(salvage.code(), 4);
    let said = salvage.stderr();
    assert!(said.contains("抢救导出只含前 ") && said.contains("在事件"), "{said}");
    let kept: u64 = said.split("抢救导出只含前 ").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
    assert!(kept > 0 && kept < 77, "{said}");
    let fresh = Env::new();
    let import = fresh.run(&["import", out.to_str().unwrap()]);
    assert_eq!(import.code(), 0, "{}", import.stderr());
    assert!(import.stdout().starts_with(&format!("已导入 {kept} 个事件")));
}

/// Makes `path` and everything below it readable and not writable by others.
fn read_only_for_others(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path).unwrap();
    let mode = if meta.is_dir() { 0o755 } else { 0o644 };
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    if meta.is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            read_only_for_others(&entry.unwrap().path());
        }
    }
}

#[test]
fn an_auditor_with_read_access_can_verify_export_and_report() {
    use std::os::unix::fs::PermissionsExt;
    let env = demo_in_dir();
    let head_hash = env.head().unwrap().1;
    read_only_for_others(&env.store());
    std::fs::set_permissions(env.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    // As root (CI), the auditor is the unprivileged user `nobody`; otherwise
    // the current user without write permission.
    let is_root = std::process::Command::new("id").arg("-u").output().unwrap().stdout == b"0\n";
    if !is_root {
        std::fs::set_permissions(env.store(), std::fs::Permissions::from_mode(0o555)).unwrap();
    }
    // The binary where `nobody` may run it, whoever owns the build directory.
    let binary = env.dir.path().join("selfeval");
    std::fs::copy(env!("CARGO_BIN_EXE_selfeval"), &binary).unwrap();
    std::fs::set_permissions(&binary, std::fs::Permissions::from_mode(0o755)).unwrap();
    let before: Vec<_> = std::fs::read_dir(env.store()).unwrap().map(|e| e.unwrap().file_name()).collect();
    let auditor = |args: &[&str]| {
        let mut command = if is_root {
            let mut c = std::process::Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups"]).arg(&binary);
            c
        } else {
            std::process::Command::new(&binary)
        };
        command
            .env_clear()
            .env("SELFEVAL_STORE", env.store())
            .env("SELFEVAL_NOW", crate::NOW)
            .args(args)
            .output()
            .unwrap()
    };
    for args in [&["verify"][..], &["export"], &["report", "--format", "json"]] {
        let output = auditor(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(stderr.contains("只读，已复制到临时目录读取"), "{stderr}");
    }
    let export = String::from_utf8(auditor(&["export"]).stdout).unwrap();
    assert!(export.ends_with(&format!("\"events\":77,\"head_hash\":\"{head_hash}\"}}}}\n")));
    let after: Vec<_> = std::fs::read_dir(env.store()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(before, after, "the read-only store was not changed");
    let write = auditor(&["--actor", "审计@财政局", "spend", "P02", "--amount", "1", "--date", "2024-06-30"]);
    assert_eq!(write.status.code(), Some(74), "a write to a read-only store is refused by the machine");
    let bytes = |p: std::path::PathBuf| std::fs::read(p).unwrap();
    // The newest slot (the highest generation) still names event 77.
    let head_file = String::from_utf8(bytes(env.store().join("selfeval-head"))).unwrap();
    let newest = head_file.lines().skip(1).max_by_key(|l| l.get(..20).and_then(|g| g.parse::<u64>().ok())).unwrap();
    assert!(newest.contains(&format!(" {:020} {head_hash} ", 77)), "{head_file}");
}

#[test]
fn values_that_would_overflow_later_are_refused_when_typed() {
    let env = Env::with_project();
    env.indicator("I1", "产出指标", "数量", "≥10个", "50");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["spend", "P01", "--amount", "50000000000000000000000000000", "--date", "2024-06-30"], "错误：--amount：「50000000000000000000000000000」超过金额上限（1,000,000,000,000元，即100,000,000万元）"),
        (vec!["budget", "adjust", "P01", "--delta", "79228162514264337593543950335", "--reason", "调整"], "错误：--delta：「79228162514264337593543950335」超过金额上限"),
        (vec!["indicator", "add", "P01", "I2", "--level1", "产出指标", "--level2", "数量指标", "--name", "数量", "--target", "≥0.0000000000000000000001个", "--weight", "10"], "错误：--target：「≥0.0000000000000000000001个」超出范围：数值的绝对值不能超过 1,000,000,000,000,000，最多6位小数"),
        (vec!["indicator", "actual", "P01", "I1", "--value", "99999999999999999999999999个"], "错误：--value：「99999999999999999999999999个」超出范围"),
    ];
    for (args, expected) in cases {
        let run = env.act(&args);
        assert_eq!(run.code(), 1, "{args:?}: {}", run.stderr());
        assert!(run.stderr().starts_with(expected), "{args:?}: {}", run.stderr());
    }
    assert_eq!(env.run(&["report"]).code(), 0);
}

#[test]
fn history_prints_one_line_per_event_whatever_the_text() {
    let env = Env::with_project();
    env.ok(&["narrative", "set", "6.other", "--text", "第一行\n#9  2099-01-01 00:00  伪造@科室  BudgetSet"]);
    let history = env.run(&["history"]).stdout();
    assert_eq!(history.lines().filter(|l| l.starts_with('#')).count(), 4, "{history}");
    assert!(history.contains("第一行\\u{000A}#9  2099-01-01"), "{history}");
}

#[test]
fn verify_compares_a_snapshot_behind_the_head_with_the_replay_where_it_was_taken() {
    // verify replays the log once and takes the state's digest as it passes
    // the snapshot's event, not only at the head.
    let env = demo_in_dir();
    make_snapshot(&env);
    let path = snapshot_path(&env);
    env.ok_as(DEMO_OFFICE, &["reopen", "P02", "--reason", "补记年末支出"]);
    let verify = env.run(&["verify"]);
    assert_eq!(verify.code(), 0, "{}", verify.stderr());
    assert!(verify.stdout().contains("哈希链完整：78 个事件"), "{}", verify.stdout());
    assert!(verify.stdout().contains("状态快照：与日志重放到事件77一致"), "{}", verify.stdout());
    // Forged behind the head, it is caught there too.
    forge_snapshot(&path);
    let verify = env.run(&["verify"]);
    assert_eq!(verify.code(), 4);
    assert!(verify.stdout().contains("与日志重放到事件77的结果不符（被改动过），已删除"), "{}", verify.stdout());
    assert!(!path.exists());
}
