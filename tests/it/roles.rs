//! Who may do what, on the real binary with real OpenSSH: the roster's
//! refusals, signatures checked by `ssh-keygen -Y verify` and made by
//! `ssh-keygen -Y sign`, the ssh-agent, forged histories caught by `verify`,
//! `import` and checkpoints, evidence, reopen and seal in the report.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{Env, DEMO_OFFICE, DEMO_RESCUE};

const OFFICE: &str = "赵静@领导小组办公室";
const RESCUE: &str = "王敏@应急救援科";

/// A fresh ed25519 key pair made by ssh-keygen: (private, public).
fn keygen(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    let private = dir.join(name);
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
        .arg(&private)
        .status()
        .expect("ssh-keygen is installed (.ci/run installs openssh-client)");
    assert!(status.success());
    (private.clone(), private.with_extension("pub"))
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The export's event lines (`{"hash":…,"event":…}`), in order.
fn event_lines(export: &str) -> Vec<String> {
    export.lines().filter(|l| l.starts_with("{\"hash\":")).map(str::to_owned).collect()
}

fn export(env: &Env) -> String {
    let out = env.dir.path().join(format!("export-{}.jsonl", env.head().unwrap().0));
    env.ok(&["export", path(&out), "--force"]);
    std::fs::read_to_string(out).unwrap()
}

struct Signed {
    env: Env,
    office_key: PathBuf,
    rescue_key: PathBuf,
    rescue_pub: PathBuf,
}

/// A ledger with a roster and keys, signatures required from event 5 on:
/// 1 init, 2–3 the roster, 4 P01, 5–6 the policy and its signature, 7–8 the
/// budget, 9–10 spending of 30 万元 by 王敏, each with its signature.
fn signed() -> Signed {
    signed_in(Env::new())
}

/// [`signed`] in `env`'s store.
fn signed_in(env: Env) -> Signed {
    let (office_key, office_pub) = keygen(env.dir.path(), "zhao");
    let (rescue_key, rescue_pub) = keygen(env.dir.path(), "wang");
    env.ok_as(OFFICE, &["init", "--department", "某市应急管理局", "--year", "2024"]);
    env.ok_as(
        OFFICE,
        &["member", "add", OFFICE, "--role", "office", "--key", path(&office_pub), "--reason", "建立名册"],
    );
    env.ok_as(
        OFFICE,
        &["member", "add", RESCUE, "--role", "section", "--key", path(&rescue_pub), "--reason", "科室填报人"],
    );
    env.ok_as(RESCUE, &["project", "add", "P01", "--name", "应急救援能力建设资金", "--section", "应急救援科"]);
    let policy = env.ok_as(
        OFFICE,
        &["policy", "set", "signatures", "required", "--reason", "审计要求", "--key", path(&office_key)],
    );
    assert_eq!(policy, "已记录 #5 SignaturePolicySet（签名要求已设定）\n已记录 #6 CommandSigned（命令已签名）\n");
    env.ok_as(RESCUE, &["budget", "set", "P01", "--amount", "40", "--reason", "批复", "--key", path(&rescue_key)]);
    env.ok_as(RESCUE, &["spend", "P01", "--amount", "30", "--date", "2024-06-30", "--key", path(&rescue_key)]);
    Signed { env, office_key, rescue_key, rescue_pub }
}

#[test]
fn the_roster_refuses_on_the_real_binary_naming_the_rule() {
    let s = signed();
    let env = &s.env;
    let run = env.run(&["--actor", "root", "spend", "P01", "--amount", "1", "--date", "2024-06-30"]);
    assert_eq!(run.code(), 1);
    assert!(
        run.stderr().starts_with(
            "错误：--actor：违反规则A1（只有人员名册中的现任人员可以写入）：「root」不是人员名册中的现任人员"
        ),
        "{}",
        run.stderr()
    );
    let json = env.run(&["--json", "--actor", "王敏@应急救援科", "approve", "P01"]);
    let value: serde_json::Value = serde_json::from_str(json.stderr().trim()).unwrap();
    assert_eq!(value["error"]["kind"], "rejected", "{value}");
    assert!(value["error"]["message"].as_str().unwrap().starts_with("--actor：违反规则A3"), "{value}");
    // history --actor takes a bare name for every section it wrote under.
    let by_name = env.run(&["--actor", "王敏", "history"]).stdout();
    let seqs: Vec<&str> =
        by_name.lines().filter(|l| l.starts_with('#')).map(|l| l.split(' ').next().unwrap()).collect();
    assert_eq!(seqs, ["#4", "#7", "#8", "#9", "#10"], "{by_name}");
    let list = env.json(&["member", "list", "--json"]);
    assert_eq!(list["signatures_required"], true);
    assert_eq!(list["members"][1]["name"], "王敏");
    assert_eq!(list["members"][1]["role"], "section");
    assert!(list["members"][1]["key"].as_str().unwrap().starts_with("SHA256:"));
}

#[test]
fn once_signatures_are_required_unsigned_and_wrongly_signed_commands_are_refused() {
    let s = signed();
    let env = &s.env;
    let before = env.head();
    let spend = ["--actor", RESCUE, "spend", "P01", "--amount", "1", "--date", "2024-07-01"];
    let run = env.run(&spend);
    assert_eq!(run.code(), 1);
    assert!(
        run.stderr().contains("违反规则A9") && run.stderr().contains("本库要求签名，但没有给出签名密钥"),
        "{}",
        run.stderr()
    );
    let mut with_office_key = spend.to_vec();
    with_office_key.extend(["--key", path(&s.office_key)]);
    let run = env.run(&with_office_key);
    assert_eq!(run.code(), 1);
    assert!(run.stderr().contains("不是王敏在名册中登记的公钥"), "{}", run.stderr());
    assert_eq!(env.head(), before, "nothing written");
    // SELFEVAL_KEY is the default signing key.
    let output = env.command().env("SELFEVAL_KEY", &s.rescue_key).args(spend).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let verify = env.ok(&["verify"]);
    assert!(verify.contains("签名：4 条签名命令均由名册中登记的公钥签名"), "{verify}");
    let history = env.run(&["history", "--type", "CommandSigned"]).stdout();
    assert_eq!(history.lines().filter(|l| l.starts_with('#')).count(), 4, "{history}");
    assert!(history.contains("王敏 以公钥 SHA256:"), "{history}");
}

#[test]
fn a_signature_made_by_selfeval_verifies_with_ssh_keygen() {
    let s = signed();
    let lines = event_lines(&export(&s.env));
    // Event 9 is the spending, event 10 its signature.
    let signed: serde_json::Value = serde_json::from_str(&lines[9]).unwrap();
    assert_eq!(signed["event"]["type"], "CommandSigned");
    let signature = signed["event"]["payload"]["signature"].as_str().unwrap();
    let dir = s.env.dir.path();
    std::fs::write(dir.join("spend.sig"), signature).unwrap();
    // The line naming the ledger it was signed in, then the spending's line.
    let ledger = signed["event"]["payload"]["ledger"].as_str().unwrap();
    let status = s.env.json(&["--json", "status"]);
    assert_eq!(status["identity"]["id"], ledger, "signed in this ledger, whose identity status shows");
    assert_eq!(status["identity"]["from"], 1);
    std::fs::write(dir.join("spend.msg"), format!("selfeval-ledger {ledger}\n{}\n", lines[8])).unwrap();
    let public = std::fs::read_to_string(&s.rescue_pub).unwrap();
    std::fs::write(dir.join("allowed_signers"), format!("王敏 {public}")).unwrap();
    let verify = |message: &str| {
        Command::new("ssh-keygen")
            .args(["-Y", "verify", "-f", path(&dir.join("allowed_signers")), "-I", "王敏", "-n", "selfeval", "-s"])
            .arg(dir.join("spend.sig"))
            .stdin(std::fs::File::open(dir.join(message)).unwrap())
            .output()
            .unwrap()
    };
    let output = verify("spend.msg");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("Good \"selfeval\" signature for 王敏"));
    // The same bytes with 30 changed to 3: OpenSSH says no.
    let forged = lines[8].replace("\"amount\":\"30\"", "\"amount\":\"3\"");
    std::fs::write(dir.join("forged.msg"), format!("selfeval-ledger {ledger}\n{forged}\n")).unwrap();
    assert!(!verify("forged.msg").status.success());
    // The same line signed in another ledger: OpenSSH says no too.
    let elsewhere = format!("selfeval-ledger {}\n{}\n", uuid::Uuid::nil(), lines[8]);
    std::fs::write(dir.join("elsewhere.msg"), elsewhere).unwrap();
    assert!(!verify("elsewhere.msg").status.success());
}

/// `export` with event `seq`'s amount 30 changed to 3, re-chained as a
/// forger following docs/storage.md would.
fn forged(export: &str, seq: usize) -> String {
    forged_first(export, seq, usize::MAX)
}

/// [`forged`], keeping only the first `keep` events.
fn forged_first(export: &str, seq: usize, keep: usize) -> String {
    let mut bodies: Vec<String> = crate::trust::bodies(export).into_iter().take(keep).collect();
    assert!(bodies[seq - 1].contains("\"amount\":\"30\""), "{}", bodies[seq - 1]);
    bodies[seq - 1] = bodies[seq - 1].replace("\"amount\":\"30\"", "\"amount\":\"3\"");
    crate::trust::rechain(&bodies)
}

/// A store holding `export` as its log, written past every check but the
/// chain's, as someone holding the files could.
/// Writes `export` as the store's log with only its chain checked (what
/// someone who can write the files, or the database, could do).
fn raw_store(env: &Env, export: &str) {
    let location = selfeval_ledger::Location::parse(&env.store_arg()).unwrap();
    let mut ledger = selfeval_ledger::Ledger::open(
        &location,
        &selfeval_ledger::LedgerSettings::default(),
        selfeval_ledger::Purpose::Create,
    )
    .unwrap();
    ledger.import(&mut export.as_bytes()).unwrap().unwrap();
}

#[test]
fn a_forged_history_is_refused_by_verify_and_import_once_signatures_are_required() {
    let s = signed();
    let forgery = forged(&export(&s.env), 9);
    let file = s.env.dir.path().join("forged.jsonl");
    std::fs::write(&file, &forgery).unwrap();
    let fresh = Env::new();
    let import = fresh.run(&["import", path(&file)]);
    assert_eq!(import.code(), 4, "{}", import.stderr());
    assert!(
        import.stderr().contains("导入被拒绝，未写入任何事件：事件9：王敏的签名不成立：签名与内容不符"),
        "{}",
        import.stderr()
    );
    assert!(!fresh.store().exists(), "nothing landed");
    let held = Env::new();
    raw_store(&held, &forgery);
    let verify = held.run(&["verify"]);
    assert_eq!(verify.code(), 4, "{}", verify.stderr());
    assert!(verify.stdout().starts_with("哈希链完整：10 个事件"), "the chain alone is fooled: {}", verify.stdout());
    assert!(verify.stderr().contains("签名不成立：事件9：王敏的签名不成立"), "{}", verify.stderr());
    // Dropping the signature event instead: unsigned under the policy.
    let export = export(&s.env);
    let mut lines = event_lines(&export);
    lines.remove(9);
    let trimmed = Env::new();
    let mut text = export.lines().next().unwrap().to_owned() + "\n";
    for line in &lines {
        text.push_str(line);
        text.push('\n');
    }
    let head = lines.last().unwrap()[9..73].to_owned();
    text.push_str(&format!("{{\"trailer\":{{\"events\":9,\"head_hash\":\"{head}\"}}}}\n"));
    std::fs::write(trimmed.dir.path().join("trimmed.jsonl"), &text).unwrap();
    let import = trimmed.run(&["import", path(&trimmed.dir.path().join("trimmed.jsonl"))]);
    assert_eq!(import.code(), 4, "{}", import.stderr());
    assert!(import.stderr().contains("事件9：命令没有签名，而本库自事件5起要求每条命令签名"), "{}", import.stderr());
    // The outsider's script (docs/verify_export.py, with ssh-keygen) sees it too.
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/verify_export.py");
    let outsider = |file: &Path| {
        let output = Command::new("python3").arg(script).arg(file).output().expect("python3");
        String::from_utf8(output.stdout).unwrap()
    };
    assert_eq!(outsider(&file), "BROKEN at event 9: the signature of 王敏 does not hold\n");
    // The genuine export imports and verifies.
    std::fs::write(&file, &export).unwrap();
    assert!(outsider(&file).ends_with(", 3 signatures\n"), "{}", outsider(&file));
    let restored = Env::new();
    assert_eq!(restored.run(&["import", path(&file)]).code(), 0);
    assert!(restored.ok(&["verify"]).contains("签名：3 条签名命令"));
}

#[test]
fn the_ssh_agent_signs_when_no_key_file_is_given() {
    let s = signed();
    let socket = s.env.dir.path().join("agent.sock");
    let mut agent = Command::new("ssh-agent")
        .args(["-D", "-a"])
        .arg(&socket)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("ssh-agent");
    for _ in 0..100 {
        if socket.exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let added = Command::new("ssh-add").arg(&s.rescue_key).env("SSH_AUTH_SOCK", &socket).output().unwrap();
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let output = s
        .env
        .command()
        .env("SSH_AUTH_SOCK", &socket)
        .args(["--actor", RESCUE, "spend", "P01", "--amount", "2", "--date", "2024-08-01"])
        .output()
        .unwrap();
    let _ = agent.kill();
    let _ = agent.wait();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).contains("#12 CommandSigned"));
    assert!(s.env.ok(&["verify"]).contains("签名：4 条签名命令"));
}

#[test]
fn a_checkpoint_catches_a_rewritten_history_in_open_mode() {
    let env = Env::new();
    let (key, _) = keygen(env.dir.path(), "auditor");
    env.ok(&["init", "--department", "某市应急管理局", "--year", "2024"]);
    env.ok(&["project", "add", "P01", "--name", "应急救援能力建设资金"]);
    env.ok(&["spend", "P01", "--amount", "30", "--date", "2024-06-30"]);
    let statement = env.dir.path().join("checkpoint.txt");
    let recorded = env.ok(&["checkpoint", "--out", path(&statement), "--key", path(&key)]);
    assert_eq!(recorded, "已记录 #4 CheckpointRecorded（检查点已生成）\n");
    let text = std::fs::read_to_string(&statement).unwrap();
    let (head_seq, head_hash) = (3, env.run(&["export"]).stdout().lines().nth(3).unwrap()[9..73].to_owned());
    assert!(
        text.starts_with(&format!(
            "selfeval checkpoint 1\ndepartment: 某市应急管理局\nyear: 2024\nseq: {head_seq}\nhead: {head_hash}\ntime: 2025-03-01T01:00:00Z\nsigner: 张三@应急救援科\nkey: SHA256:"
        )),
        "{text}"
    );
    assert!(text.contains("-----BEGIN SSH SIGNATURE-----"), "{text}");
    let verified = env.ok(&["verify", "--checkpoint", path(&statement)]);
    assert!(
        verified.contains(&format!(
            "检查点 {}：事件3的哈希 {head_hash} 与库一致；声明人 张三@应急救援科",
            path(&statement)
        )),
        "{verified}"
    );
    assert!(verified.contains("（不是名册中登记的公钥；库中于事件4记录了该检查点）"), "{verified}");
    let report = env.ok(&["report"]);
    assert!(
        report.contains(&format!(
            "> 最近检查点：张三@应急救援科 于 2025年3月1日 生成（#4），固定事件序号 3 的哈希 `{head_hash}`"
        )),
        "{report}"
    );
    // The history before it rewritten (30 → 3) and re-chained: the log's
    // own record of the checkpoint no longer matches…
    let kept = Env::new();
    raw_store(&kept, &forged(&env.run(&["export"]).stdout(), 3));
    let run = kept.run(&["verify"]);
    assert_eq!(run.code(), 4);
    assert!(run.stderr().contains("事件4：检查点记录的事件3的哈希"), "{}", run.stderr());
    // …so a forger drops that record too; only the statement held outside tells.
    let held = Env::new();
    raw_store(&held, &forged_first(&env.run(&["export"]).stdout(), 3, 3));
    assert_eq!(held.run(&["verify"]).code(), 0, "without the checkpoint the forgery passes");
    let run = held.run(&["verify", "--checkpoint", path(&statement)]);
    assert_eq!(run.code(), 4);
    assert!(run.stderr().contains("的哈希现为") && run.stderr().contains("此前的历史被改写过"), "{}", run.stderr());
    // A statement edited after signing is refused, whatever the store holds.
    let edited = env.dir.path().join("edited.txt");
    std::fs::write(&edited, text.replace("seq: 3", "seq: 2")).unwrap();
    let run = env.run(&["verify", "--checkpoint", path(&edited)]);
    assert_eq!(run.code(), 4);
    assert!(run.stderr().contains("签名与正文不符"), "{}", run.stderr());
    // A truncated history is caught too.
    let short = Env::new();
    let export = env.run(&["export"]).stdout();
    let lines = event_lines(&export);
    let mut text = export.lines().next().unwrap().to_owned() + "\n";
    text.push_str(&format!("{}\n{}\n", lines[0], lines[1]));
    text.push_str(&format!("{{\"trailer\":{{\"events\":2,\"head_hash\":\"{}\"}}}}\n", &lines[1][9..73]));
    raw_store(&short, &text);
    let run = short.run(&["verify", "--checkpoint", path(&statement)]);
    assert_eq!(run.code(), 4);
    assert!(run.stderr().contains("检查点固定了事件3，而本库只有2个事件"), "{}", run.stderr());
}

#[test]
fn a_checkpoint_signed_by_ssh_keygen_is_accepted() {
    let env = Env::new();
    let (key, _) = keygen(env.dir.path(), "auditor");
    env.ok(&["init", "--department", "某市应急管理局", "--year", "2024"]);
    let head_hash = env.run(&["export"]).stdout().lines().nth(1).unwrap()[9..73].to_owned();
    let fingerprint = String::from_utf8(
        Command::new("ssh-keygen").args(["-l", "-E", "sha256", "-f"]).arg(&key).output().unwrap().stdout,
    )
    .unwrap()
    .split(' ')
    .nth(1)
    .unwrap()
    .to_owned();
    let body = format!(
        "selfeval checkpoint 1\ndepartment: 某市应急管理局\nyear: 2024\nseq: 1\nhead: {head_hash}\ntime: 2025-03-02T00:00:00Z\nsigner: 外部审计\nkey: {fingerprint}\n"
    );
    let file = env.dir.path().join("body.txt");
    std::fs::write(&file, &body).unwrap();
    let signed =
        Command::new("ssh-keygen").args(["-Y", "sign", "-n", "selfeval", "-f"]).arg(&key).arg(&file).output().unwrap();
    assert!(signed.status.success(), "{}", String::from_utf8_lossy(&signed.stderr));
    let signature = std::fs::read_to_string(file.with_extension("txt.sig")).unwrap();
    let statement = env.dir.path().join("statement.txt");
    std::fs::write(&statement, format!("{body}{signature}")).unwrap();
    let verified = env.ok(&["verify", "--checkpoint", path(&statement)]);
    assert!(
        verified.contains("事件1的哈希")
            && verified.contains(&format!(
                "声明人 外部审计，签名公钥 {fingerprint}（不是名册中登记的公钥；库中没有生成该检查点的记录）"
            )),
        "{verified}"
    );
}

#[test]
fn evidence_is_pinned_by_hash_listed_in_the_table_and_rechecked() {
    let env = Env::new();
    env.ok(&["init", "--department", "某市应急管理局", "--year", "2024"]);
    env.ok(&["project", "add", "P01", "--name", "应急救援能力建设资金"]);
    let dir = env.dir.path().join("材料");
    std::fs::create_dir(&dir).unwrap();
    let file = dir.join("验收报告.pdf");
    std::fs::write(&file, b"%PDF-1.4 acceptance").unwrap();
    let recorded = env.ok(&["evidence", "add", "P01", path(&file), "--note", "装备验收报告"]);
    assert_eq!(recorded, "已记录 #3 EvidenceAdded（佐证材料已登记）\n");
    let table = env.ok(&["table", "P01"]);
    assert!(table.contains("佐证材料") && table.contains("| 验收报告.pdf | 装备验收报告 |"), "{table}");
    let json = env.json(&["report", "--format", "json"]);
    assert_eq!(json["projects"][0]["evidence"][0]["size"], 19, "the size and hash stay in the JSON");
    let checked = env.ok(&["verify", "--evidence", path(&dir)]);
    assert!(checked.contains("佐证材料：1 个文件与登记的大小和 SHA-256 一致"), "{checked}");
    std::fs::write(&file, b"%PDF-1.4 acceptancE").unwrap();
    let run = env.run(&["verify", "--evidence", path(&dir)]);
    assert_eq!(run.code(), 4);
    assert!(
        run.stderr().contains("佐证材料 P01 验收报告.pdf（事件3）：") && run.stderr().contains("已改动"),
        "{}",
        run.stderr()
    );
    std::fs::remove_file(&file).unwrap();
    let run = env.run(&["verify", "--evidence", path(&dir)]);
    assert_eq!(run.code(), 4);
    assert!(run.stderr().contains("文件不在"), "{}", run.stderr());
    env.fails(&["evidence", "add", "P01", path(&dir.join("无此文件.pdf")), "--note", "x"], 1, "不是可读的文件");
    let odd = dir.join(<std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(b"bad\xff.pdf"));
    std::fs::write(&odd, b"x").unwrap();
    let output = env
        .command()
        .args(["--actor", crate::ACTOR, "evidence", "add", "P01"])
        .arg(&odd)
        .args(["--note", "x"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("的文件名不是有效的 UTF-8"));
}

#[test]
fn the_demo_shows_reopen_and_seal_in_the_report_and_history() {
    let env = Env::new();
    assert_eq!(env.run(&["demo"]).code(), 0);
    env.demo_spend_on_p02();
    let refused = env.run(&["--actor", DEMO_OFFICE, "seal", "--reason", "年度自评完成"]);
    assert_eq!(refused.code(), 1);
    assert!(refused.stderr().contains("有预算或支出的项目尚未全部审核通过：P02（填报中）"), "{}", refused.stderr());
    env.ok_as(DEMO_RESCUE, &["submit", "P02"]);
    env.ok_as(DEMO_OFFICE, &["approve", "P02"]);
    env.ok_as(DEMO_OFFICE, &["seal", "--reason", "年度自评完成"]);
    let run = env.run(&["--actor", "周磊@人事科", "goal", "P01", "--expected", "x"]);
    assert_eq!(run.code(), 1);
    assert!(run.stderr().contains("违反规则A7"), "{}", run.stderr());
    env.ok_as(DEMO_OFFICE, &["unseal", "--reason", "补记P01目标"]);
    env.ok_as("周磊@人事科", &["goal", "P01", "--expected", "培养人才"]);
    let report = env.ok(&["report"]);
    assert!(
        report.contains("- P02 应急救援能力建设资金：2024年12月29日应急救援科王敏提交；2024年12月30日领导小组办公室赵静审核通过；2025年3月1日领导小组办公室赵静重新打开；2025年3月1日应急救援科王敏提交；2025年3月1日领导小组办公室赵静审核通过\n"),
        "{report}"
    );
    assert!(report.contains("- 年度封存：2025年3月1日领导小组办公室赵静封存；2025年3月1日领导小组办公室赵静解除封存（原因：补记P01目标）。"), "{report}");
    assert!(report.contains("- 封存后的变更：P01 年度总体目标已设定（人事科周磊）。"), "{report}");
    let marked = env.ok(&["report", "--markers"]);
    assert!(marked.contains("审核通过（#75）；2025年3月1日领导小组办公室赵静重新打开（#78）"), "{marked}");
    assert!(marked.contains("- 年度封存：2025年3月1日领导小组办公室赵静封存（#82）；2025年3月1日领导小组办公室赵静解除封存（#83）（原因：补记P01目标）。"), "{marked}");
    assert!(marked.contains("- 封存后的变更：#84 P01 年度总体目标已设定（人事科周磊）。"), "{marked}");
    assert!(report.contains("| G2   |"), "{report}");
    // A new rule profile would rescore the approved projects: they must be reopened first.
    let run = env.run(&["--actor", DEMO_OFFICE, "profile", "set", "cz2020-linear", "--reason", "省厅要求"]);
    assert_eq!(run.code(), 1);
    assert!(
        run.stderr().contains("违反规则A6") && run.stderr().contains("P02、P03、P04已审核通过"),
        "{}",
        run.stderr()
    );
    assert_eq!(env.run(&["verify"]).code(), 0);
    let history = env.run(&["history", "--project", "P02", "--type", "SelfEvaluationReopened"]).stdout();
    assert!(history.contains("状态 已审核通过 → 填报中（重新打开）  原因：补记年末支出"), "{history}");
    let json = env.json(&["report", "--format", "json"]);
    assert_eq!(json["governance"]["sealed"], false);
    assert_eq!(json["governance"]["changed_after_seal"][0]["seq"], 84);
    assert_eq!(json["governance"]["roster"].as_array().unwrap().len(), 5);
}

/// Appends to `export` one command of `actor` (an event of `event.0` with
/// the payload `event.1` on `stream`), signed with `key` by `ssh-keygen -Y
/// sign`, as a member holding the files would: a valid chain and a valid
/// signature by that key.
fn append_signed(dir: &Path, export: &str, actor: &str, stream: &str, event: (&str, &str), key: &Path) -> String {
    append_signed_all(dir, export, actor, stream, &[event], key)
}

/// [`append_signed`] with several events in the one command.
fn append_signed_all(
    dir: &Path,
    export: &str,
    actor: &str,
    stream: &str,
    events: &[(&str, &str)],
    key: &Path,
) -> String {
    use sha2::{Digest, Sha256};
    let mut lines = event_lines(export);
    let last: serde_json::Value = serde_json::from_str(lines.last().unwrap()).unwrap();
    let time = last["event"]["recorded_at"].as_str().unwrap().to_owned();
    let version = lines.iter().filter(|l| l.contains(&format!("\"stream\":\"{stream}\""))).count();
    let mut prev = last["hash"].as_str().unwrap().to_owned();
    let first_seq = lines.len() + 1;
    let mut line_of = |offset: usize, event_type: &str, payload: &str| {
        let seq = first_seq + offset;
        let version = version + 1 + offset;
        let body = format!(
            "{{\"seq\":{seq},\"event_id\":\"01a22355-0000-7000-8000-{seq:012}\",\"stream\":\"{stream}\",\"stream_version\":{version},\"type\":\"{event_type}\",\"schema_version\":1,\"occurred_at\":\"{time}\",\"recorded_at\":\"{time}\",\"actor\":\"{actor}\",\"reason\":null,\"command_id\":\"forged-{first_seq}\",\"payload\":{payload},\"prev_hash\":\"{prev}\"}}"
        );
        let prev_bytes: Vec<u8> = (0..32).map(|i| u8::from_str_radix(&prev[2 * i..2 * i + 2], 16).unwrap()).collect();
        let hash = format!("{:x}", Sha256::new().chain_update(&prev_bytes).chain_update(body.as_bytes()).finalize());
        prev.clone_from(&hash);
        format!("{{\"hash\":\"{hash}\",\"event\":{body}}}")
    };
    let command: Vec<String> = events.iter().enumerate().map(|(i, (t, p))| line_of(i, t, p)).collect();
    let message = dir.join("forged-command.txt");
    std::fs::write(&message, command.iter().map(|l| format!("{l}\n")).collect::<String>()).unwrap();
    let _ = std::fs::remove_file(dir.join("forged-command.txt.sig"));
    let signed = Command::new("ssh-keygen")
        .args(["-Y", "sign", "-n", "selfeval", "-f"])
        .arg(key)
        .arg(&message)
        .output()
        .unwrap();
    assert!(signed.status.success(), "{}", String::from_utf8_lossy(&signed.stderr));
    let signature = std::fs::read_to_string(dir.join("forged-command.txt.sig")).unwrap();
    let listed = Command::new("ssh-keygen").args(["-l", "-E", "sha256", "-f"]).arg(key).output().unwrap();
    let fingerprint = String::from_utf8(listed.stdout).unwrap().split(' ').nth(1).unwrap().to_owned();
    let signer = actor.split('@').next().unwrap();
    let payload = serde_json::json!({"stream": stream, "signer": signer, "key": fingerprint, "signature": signature});
    let signature_line = line_of(events.len(), "CommandSigned", &payload.to_string());
    lines.extend(command);
    lines.push(signature_line);
    let mut text = export.lines().next().unwrap().to_owned() + "\n";
    for line in &lines {
        text.push_str(line);
        text.push('\n');
    }
    text.push_str(&format!("{{\"trailer\":{{\"events\":{},\"head_hash\":\"{prev}\"}}}}\n", lines.len()));
    text
}

#[test]
fn a_signed_command_the_rules_forbid_is_refused_by_import_and_verify() {
    let s = signed();
    let dir = s.env.dir.path();
    // 王敏 (a section member, with his own key) appends an approval of his project.
    let forged = append_signed(
        dir,
        &export(&s.env),
        RESCUE,
        "project/P01",
        ("SelfEvaluationApproved", "{\"project\":\"P01\"}"),
        &s.rescue_key,
    );
    let file = dir.join("forged-approval.jsonl");
    std::fs::write(&file, &forged).unwrap();
    let fresh = Env::new();
    let import = fresh.run(&["import", path(&file)]);
    assert_eq!(import.code(), 4, "{}", import.stderr());
    assert!(import.stderr().contains("事件11：actor：违反规则A3"), "{}", import.stderr());
    let held = Env::new();
    raw_store(&held, &forged);
    let verify = held.run(&["verify"]);
    assert_eq!(verify.code(), 4, "{}", verify.stderr());
    // verify judges each event as import does, with the same words.
    assert!(verify.stderr().contains("事件11不符合规则（导入同样会拒绝）：actor：违反规则A3"), "{}", verify.stderr());
    // An office's write the rules allow, signed with the key he holds: the
    // signature names him, not the actor.
    let as_office = append_signed(
        dir,
        &export(&s.env),
        OFFICE,
        "project/P01",
        ("GoalSet", "{\"project\":\"P01\",\"expected\":\"提升救援能力\",\"actual\":null}"),
        &s.rescue_key,
    );
    std::fs::write(&file, &as_office).unwrap();
    let fresh = Env::new();
    let import = fresh.run(&["import", path(&file)]);
    assert_eq!(import.code(), 4);
    assert!(
        import.stderr().contains("事件11：签名事件记的公钥 SHA256:") && import.stderr().contains("不是赵静登记的公钥"),
        "{}",
        import.stderr()
    );
}

#[test]
fn a_rotated_key_signs_from_its_rotation_on_and_older_signatures_still_hold() {
    let s = signed();
    let env = &s.env;
    let (new_key, new_pub) = keygen(env.dir.path(), "wang-2025");
    env.ok_as(
        OFFICE,
        &[
            "member",
            "key",
            "王敏",
            "--key",
            path(&new_pub),
            "--reason",
            "更换密钥",
            "--signing-key",
            path(&s.office_key),
        ],
    );
    let old = env.run(&[
        "--actor",
        RESCUE,
        "spend",
        "P01",
        "--amount",
        "1",
        "--date",
        "2024-07-01",
        "--key",
        path(&s.rescue_key),
    ]);
    assert_eq!(old.code(), 1);
    assert!(old.stderr().contains("不是王敏在名册中登记的公钥"), "{}", old.stderr());
    env.ok_as(RESCUE, &["spend", "P01", "--amount", "1", "--date", "2024-07-01", "--key", path(&new_key)]);
    let verify = env.ok(&["verify"]);
    assert!(verify.contains("签名：5 条签名命令"), "before the rotation by the old key, after by the new: {verify}");
}

#[test]
fn policy_required_in_chinese_is_signed_too() {
    let env = Env::new();
    let (key, public) = keygen(env.dir.path(), "zhao");
    env.ok_as(OFFICE, &["init", "--department", "某市应急管理局", "--year", "2024"]);
    env.ok_as(OFFICE, &["member", "add", OFFICE, "--role", "office", "--key", path(&public), "--reason", "建立名册"]);
    let refused = env.run(&["--actor", OFFICE, "policy", "set", "signatures", "必须", "--reason", "审计要求"]);
    assert_eq!(refused.code(), 1, "no key: refused, not recorded unsigned");
    assert!(refused.stderr().contains("违反规则A9"), "{}", refused.stderr());
    let recorded =
        env.ok_as(OFFICE, &["policy", "set", "signatures", "必须", "--reason", "审计要求", "--key", path(&key)]);
    assert!(recorded.ends_with("#4 CommandSigned（命令已签名）\n"), "{recorded}");
    assert_eq!(env.run(&["verify"]).code(), 0);
}

#[test]
fn a_checkpoint_is_refused_before_any_key_is_read_and_leaves_nothing_when_it_cannot_be_written() {
    let s = signed();
    let env = &s.env;
    let out = env.dir.path().join("cp.txt");
    // The rules first: a non-member hears A1 even with no readable key.
    let run = env.run(&["--actor", "root", "checkpoint", "--out", path(&out), "--key", "/无此密钥"]);
    assert_eq!(run.code(), 1);
    assert!(run.stderr().contains("违反规则A1"), "{}", run.stderr());
    let run = env.run(&["--actor", OFFICE, "checkpoint", "--out", path(env.dir.path()), "--force"]);
    assert_eq!(run.code(), 1);
    assert!(run.stderr().contains("是目录；可接受：目录中的一个文件路径"), "{}", run.stderr());
    // A statement is not resent under its command id: it pins the head when made.
    env.ok_as(OFFICE, &["checkpoint", "--out", path(&out), "--key", path(&s.office_key), "--command-id", "cp-1"]);
    let again = env.dir.path().join("cp-again.txt");
    let run = env.run(&["--actor", OFFICE, "checkpoint", "--out", path(&again), "--command-id", "cp-1"]);
    assert_eq!(run.code(), 1);
    assert!(run.stderr().contains("命令编号「cp-1」已用于事件#11；检查点不能重发"), "{}", run.stderr());
    std::fs::remove_file(&out).unwrap();
    let before = env.head();
    let missing_dir = env.dir.path().join("无此目录").join("cp.txt");
    let run = env.run(&["--actor", OFFICE, "checkpoint", "--out", path(&missing_dir), "--key", path(&s.office_key)]);
    assert_eq!(run.code(), 74, "{}", run.stderr());
    assert_eq!(env.head(), before, "no CheckpointRecorded for a statement never written");
    env.ok_as(
        OFFICE,
        &[
            "member",
            "add",
            "孙丽@市财政局",
            "--role",
            "auditor",
            "--reason",
            "财政监督",
            "--signing-key",
            path(&s.office_key),
        ],
    );
    let run = env.run(&["--actor", "孙丽@市财政局", "checkpoint", "--out", path(&out), "--key", path(&s.rescue_key)]);
    assert_eq!(run.code(), 1, "a member without a registered key signs no checkpoint");
    assert!(run.stderr().contains("检查点须由本人在名册中登记的公钥签名"), "{}", run.stderr());
    assert!(!out.exists());
}

#[test]
fn the_demo_does_not_write_unsigned_commands_into_a_ledger_that_requires_signatures() {
    let env = Env::new();
    assert_eq!(env.run(&["demo"]).code(), 0);
    let export = export(&env);
    // The demo's first 12 events (the year, the roster, the projects), then a key and the policy.
    let lines = event_lines(&export);
    let mut text = export.lines().next().unwrap().to_owned() + "\n";
    for line in &lines[..12] {
        text.push_str(line);
        text.push('\n');
    }
    text.push_str(&format!("{{\"trailer\":{{\"events\":12,\"head_hash\":\"{}\"}}}}\n", &lines[11][9..73]));
    let partial = Env::new();
    std::fs::write(partial.dir.path().join("p.jsonl"), &text).unwrap();
    assert_eq!(partial.run(&["import", path(&partial.dir.path().join("p.jsonl"))]).code(), 0);
    let (key, public) = keygen(partial.dir.path(), "zhao");
    partial.ok_as(DEMO_OFFICE, &["member", "key", "赵静", "--key", path(&public), "--reason", "登记公钥"]);
    partial
        .ok_as(DEMO_OFFICE, &["policy", "set", "signatures", "required", "--reason", "审计要求", "--key", path(&key)]);
    let before = partial.head();
    let demo = partial.run(&["demo"]);
    assert_eq!(demo.code(), 1);
    assert!(demo.stderr().contains("要求每条命令签名，示范数据的人员没有密钥，不能写入"), "{}", demo.stderr());
    assert_eq!(partial.head(), before);
}

#[test]
fn a_forged_command_of_two_events_is_refused() {
    let s = signed();
    let dir = s.env.dir.path();
    // P01 complete, so that a submission is allowed.
    let key = path(&s.rescue_key);
    let indicator = [
        "indicator",
        "add",
        "P01",
        "I1",
        "--level1",
        "产出指标",
        "--level2",
        "数量指标",
        "--name",
        "装备数量",
        "--target",
        "≥20台",
        "--weight",
        "50",
        "--key",
        key,
    ];
    s.env.ok_as(RESCUE, &indicator);
    s.env.ok_as(RESCUE, &["indicator", "actual", "P01", "I1", "--value", "20台", "--key", key]);
    // The office submits and approves in one command: self-approval hidden
    // from a check made against the state before the command.
    let forged = append_signed_all(
        dir,
        &export(&s.env),
        OFFICE,
        "project/P01",
        &[("SelfEvaluationSubmitted", "{\"project\":\"P01\"}"), ("SelfEvaluationApproved", "{\"project\":\"P01\"}")],
        &s.office_key,
    );
    let file = dir.join("two.jsonl");
    std::fs::write(&file, &forged).unwrap();
    let import = Env::new().run(&["import", path(&file)]);
    assert_eq!(import.code(), 4);
    assert!(import.stderr().contains("事件16：actor：违反规则A4"), "{}", import.stderr());
    let held = Env::new();
    raw_store(&held, &forged);
    let verify = held.run(&["verify"]);
    assert_eq!(verify.code(), 4);
    assert!(verify.stderr().contains("事件16不符合规则（导入同样会拒绝）：actor：违反规则A4"), "{}", verify.stderr());
}

#[test]
fn a_batch_signs_each_command_with_its_own_key_and_one_append_holds_them_all() {
    let s = signed();
    let env = &s.env;
    let file = env.dir.path().join("cmds.txt");
    let lines = format!(
        "--actor {RESCUE} spend P01 --amount 1 --date 2024-07-01 --key {}\n--actor {OFFICE} narrative set 6.other --text 无 --key {}\n",
        path(&s.rescue_key),
        path(&s.office_key)
    );
    std::fs::write(&file, lines).unwrap();
    let out = env.ok(&["batch", "--all-or-nothing", path(&file)]);
    assert_eq!(out.matches("CommandSigned").count(), 2, "{out}");
    let verify = env.ok(&["verify"]);
    assert!(verify.contains("签名：5 条签名命令"), "{verify}");
    // Without a key the policy refuses the line, and nothing of the file is written.
    std::fs::write(&file, format!("--actor {RESCUE} spend P01 --amount 1 --date 2024-07-02 --key {}\n--actor {OFFICE} narrative set 6.other --text 有\n", path(&s.rescue_key))).unwrap();
    let before = env.head();
    let run = env.run(&["batch", "--all-or-nothing", path(&file)]);
    assert_eq!(run.code(), 1);
    assert!(run.stderr().contains("第2行") && run.stderr().contains("违反规则A9"), "{}", run.stderr());
    assert_eq!(env.head(), before);
}

/// Issue 12's "Why", as the auditor tried it on the demo: any string was an
/// actor; one person submitted and approved their own project; spending on
/// an approved project changed it while the status stayed 已审核通过.
#[test]
fn the_auditors_observations_on_the_demo_are_refused_and_write_nothing() {
    let env = Env::new();
    assert_eq!(env.run(&["demo"]).code(), 0);
    let head = env.head();
    let stranger = env.run(&["--actor", "随便谁", "spend", "P01", "--amount", "1", "--date", "2024-06-30"]);
    assert_eq!(stranger.code(), 1, "{}", stranger.explain());
    assert!(
        stranger.stderr().starts_with(
            "错误：--actor：违反规则A1（只有人员名册中的现任人员可以写入）：「随便谁」不是人员名册中的现任人员"
        ),
        "{}",
        stranger.stderr()
    );
    // P02 is approved: spending on it is refused, its figures and status stay.
    let locked = env.run(&["--actor", DEMO_RESCUE, "spend", "P02", "--amount", "30", "--date", "2024-12-30"]);
    assert_eq!(locked.code(), 1, "{}", locked.explain());
    assert!(locked.stderr().contains("违反规则A6"), "{}", locked.stderr());
    assert!(locked.stderr().contains("selfeval reopen P02 --reason"), "{}", locked.stderr());
    assert_eq!(env.head(), head, "a refused command moved the head");
    let list = env.ok(&["project", "list"]);
    let p02 = list.lines().find(|l| l.starts_with("| P02")).unwrap();
    assert!(p02.contains("| 已审核通过 | 6.00 ") && p02.contains("| 6.00 "), "{list}");
    // The office member who reopens and submits cannot approve it too.
    env.ok_as(DEMO_OFFICE, &["reopen", "P02", "--reason", "复核"]);
    env.ok_as(DEMO_OFFICE, &["submit", "P02"]);
    let head = env.head();
    let own = env.run(&["--actor", DEMO_OFFICE, "approve", "P02"]);
    assert_eq!(own.code(), 1, "{}", own.explain());
    assert!(own.stderr().contains("违反规则A4"), "{}", own.stderr());
    assert!(own.stderr().contains("由赵静本人于事件#"), "{}", own.stderr());
    assert_eq!(env.head(), head, "a refused approval moved the head");
    let returned = env.run(&["--actor", DEMO_OFFICE, "return", "P02", "--reason", "自己退回"]);
    assert_eq!(returned.code(), 1, "{}", returned.explain());
    assert!(returned.stderr().contains("违反规则A4"), "{}", returned.stderr());
}

#[test]
fn a_file_that_is_not_a_public_key_is_named_never_echoed() {
    let env = Env::new();
    assert_eq!(env.run(&["demo"]).code(), 0);
    let pgpass = env.dir.path().join("pgpass");
    std::fs::write(&pgpass, "127.0.0.1:5432:se:app:S3cretPW!\n").unwrap();
    let path = pgpass.to_str().unwrap();
    for json in [false, true] {
        let mut args = vec!["--actor", crate::DEMO_OFFICE];
        if json {
            args.push("--json");
        }
        args.extend(["member", "key", "赵静", "--key", path, "--reason", "换钥"]);
        let run = env.run(&args);
        assert_eq!(run.code(), 1, "{}", run.stderr());
        let said = run.stderr() + &run.stdout();
        assert!(!said.contains("S3cretPW") && !said.contains("127.0.0.1:5432"), "{said}");
        assert!(said.contains(path) && said.contains("不是可读的 OpenSSH 公钥"), "{said}");
        if json {
            let error: serde_json::Value = serde_json::from_str(said.trim()).unwrap_or_else(|e| panic!("{e}: {said}"));
            assert_eq!(error["error"]["given"], path, "{error}");
        }
    }
}

/// Issue 24, item 5: a drill ledger copied from production (`migrate`)
/// holds the same history and head but an identity of its own; a command
/// signed there names the drill, so copied into production by `INSERT …
/// SELECT` it fails production's `verify`, while the drill verifies.
#[test]
fn a_command_signed_in_a_copy_is_refused_by_the_original() {
    let Some(env) = Env::on_postgres() else { return };
    let s = signed_in(env);
    let production_url = s.env.pg.clone().unwrap();
    let production = production_url.split("ledger=").nth(1).unwrap().to_owned();
    let drill = Env { dir: tempfile::tempdir().unwrap(), pg: Some(format!("{production_url}-drill")) };
    s.env.ok(&["migrate", "--to", drill.pg.as_deref().unwrap()]);
    // The copy: the same history, head and export, another identity.
    assert_eq!(drill.head(), s.env.head());
    assert_eq!(export(&drill), export(&s.env), "an export of the copy is byte-identical");
    let (ours, theirs) = (s.env.json(&["--json", "status"]), drill.json(&["--json", "status"]));
    assert_eq!(ours["identity"]["from"], 1);
    assert_eq!(theirs["identity"]["from"], 11, "the copy is a ledger of its own from its next event on");
    assert_ne!(ours["identity"]["id"], theirs["identity"]["id"]);
    let status = drill.run(&["status"]).stdout();
    assert!(status.contains(&format!("库标识 {}（自事件11起", theirs["identity"]["id"].as_str().unwrap())), "{status}");
    // 王敏 signs a spending of 5 in the drill: it verifies there.
    drill.ok_as(RESCUE, &["spend", "P01", "--amount", "5", "--date", "2024-07-01", "--key", path(&s.rescue_key)]);
    assert!(drill.ok(&["verify"]).contains("签名：4 条签名命令均由名册中登记的公钥签名"));
    let history = drill.run(&["history", "--type", "CommandSigned"]).stdout();
    assert!(history.contains(&format!("（签于库 {}）", theirs["identity"]["id"].as_str().unwrap())), "{history}");
    // Copied into production as the application role may: a valid chain, a
    // valid signature by a registered key, the rules kept; refused.
    let mut sql = postgres::Client::connect(&crate::Env::pg_server().unwrap(), postgres::NoTls).unwrap();
    let drill_ledger = format!("{production}-drill");
    sql.execute(
        "INSERT INTO selfeval_events SELECT $1, seq, stream, stream_version, command_id, line, hash
         FROM selfeval_events WHERE ledger = $2 AND seq > 10",
        &[&production, &drill_ledger],
    )
    .unwrap();
    sql.execute(
        "INSERT INTO selfeval_commands SELECT $1, command_id, first_seq, count
         FROM selfeval_commands WHERE ledger = $2 AND first_seq > 10",
        &[&production, &drill_ledger],
    )
    .unwrap();
    assert_eq!(s.env.json(&["--json", "status"])["events"], 12);
    let verify = s.env.act(&["verify"]);
    assert_eq!(verify.code(), 4, "{}", verify.explain());
    let said = verify.stdout() + &verify.stderr();
    let expected = format!(
        "事件11：签名是在另一个库（库标识 {}）中做的，不是本库（库标识 {}）：在副本中签名的命令不能放进本库",
        theirs["identity"]["id"].as_str().unwrap(),
        ours["identity"]["id"].as_str().unwrap()
    );
    assert!(said.contains(&expected), "{said}");
    assert!(drill.ok(&["verify"]).contains("签名：4 条签名命令"), "the drill itself still verifies");
}

/// A ledger made by `migrate` into a directory signs under its own
/// identity from its next event on, and its older signatures (made in the
/// source) still hold.
#[test]
fn a_copy_in_a_directory_signs_under_its_own_identity_and_keeps_the_sources_signatures() {
    let s = signed();
    let copy = Env::in_dir();
    s.env.ok(&["migrate", "--to", &copy.store_arg()]);
    let (ours, theirs) = (s.env.json(&["--json", "status"]), copy.json(&["--json", "status"]));
    assert_eq!(theirs["identity"]["from"], 11);
    assert_ne!(ours["identity"]["id"], theirs["identity"]["id"]);
    copy.ok_as(RESCUE, &["spend", "P01", "--amount", "5", "--date", "2024-07-01", "--key", path(&s.rescue_key)]);
    assert!(copy.ok(&["verify"]).contains("签名：4 条签名命令均由名册中登记的公钥签名"));
    let history = copy.run(&["history", "--type", "CommandSigned"]).stdout();
    let source = format!("（签于库 {}）", ours["identity"]["id"].as_str().unwrap());
    let own = format!("（签于库 {}）", theirs["identity"]["id"].as_str().unwrap());
    assert_eq!(history.matches(&source).count(), 3, "{history}");
    assert_eq!(history.matches(&own).count(), 1, "{history}");
    // The outsider's script checks both kinds with ssh-keygen.
    copy.ok(&["export", "copy.jsonl"]);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/verify_export.py");
    let run = Command::new("python3").arg(script).arg(copy.dir.path().join("copy.jsonl")).output().unwrap();
    assert!(
        String::from_utf8_lossy(&run.stdout).starts_with("OK 12 events"),
        "{}",
        String::from_utf8_lossy(&run.stdout)
    );
    assert!(String::from_utf8_lossy(&run.stdout).contains("4 signatures"));
}
