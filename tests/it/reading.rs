//! Reading commands: report --as-of, history, trace, check.

use crate::Env;

#[test]
fn as_of_gives_the_report_as_it_stood_then() {
    let env = Env::with_project();
    env.ok(&["spend", "P01", "--amount", "3", "--date", "2024-06-30"]);
    let submitted = env.json(&["report", "--format", "json"]);
    env.ok(&["budget", "adjust", "P01", "--delta", "-1.5", "--reason", "年中调减"]);
    env.ok(&["spend", "P01", "--amount", "1.5", "--date", "2024-09-30"]);
    let corrected = env.json(&["report", "--format", "json"]);
    assert_eq!(corrected["totals"]["budget"], "4.5");
    assert_eq!(corrected["totals"]["execution_rate"], "100.00");
    let then = env.json(&["report", "--format", "json", "--as-of", "4"]);
    assert_eq!(then, submitted, "--as-of SEQ replays exactly up to that event");
    assert_eq!(then["as_of"]["seq"], 4);
    assert_eq!(then["totals"]["budget"], "6");
    assert_eq!(then["totals"]["execution_rate"], "50.00");
    let before_everything = env.json(&["report", "--format", "json", "--as-of", "2024-01-01T00:00:00+08:00"]);
    assert_eq!(before_everything["as_of"]["seq"], 0);
    let bad = env.act(&["report", "--as-of", "last week"]);
    assert_eq!(bad.code(), 1);
    assert!(bad.stderr().contains("--as-of：「last week」既不是事件序号也不是时间"), "{}", bad.stderr());
}

#[test]
fn history_shows_old_and_new_values_with_reasons() {
    let env = Env::with_project();
    env.ok(&["budget", "adjust", "P01", "--delta", "0.5", "--reason", "追加预算", "--doc", "财预〔2024〕9号"]);
    env.ok(&["spend", "P01", "--amount", "2", "--date", "2024-06-30"]);
    let out = env.ok(&["history", "--project", "P01"]);
    let lines: Vec<&str> = out.lines().filter(|l| l.starts_with('#')).collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert!(lines[1].starts_with("#3  2025-03-01 09:00  发生2025-03-01  张三@应急救援科  年初预算已设定  P01  年初预算数（本年财政拨款）0.00 → 6.00万元；全年预算数 0.00 → 6.00万元  原因：年初批复"), "{out}");
    assert!(
        lines[2].contains(
            "预算已调整  P01  全年预算数 6.00 → 6.50万元（调整 +0.5万元，文号 财预〔2024〕9号）  原因：追加预算"
        ),
        "{out}"
    );
    assert!(lines[3].contains("全年执行数 0.00 → 2.00"), "{out}");
    let filtered = env.ok(&["history", "--type", "BudgetAdjusted", "--json"]);
    let events: Vec<serde_json::Value> = filtered.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["type"], "event");
    assert_eq!(events[0]["data"]["seq"], 4);
    assert_eq!(events[0]["data"]["change"], "全年预算数 6.00 → 6.50万元（调整 +0.5万元，文号 财预〔2024〕9号）");
    assert_eq!(events[1], serde_json::json!({"type": "summary", "data": {"events": 1}}));
    assert!(env.ok(&["history", "--actor", "李四@别科"]).contains("没有符合条件的事件"));
    assert_eq!(env.ok(&["history", "--actor", crate::ACTOR]).lines().filter(|l| l.starts_with('#')).count(), 5);
    assert_eq!(env.ok(&["history", "--until", "2024-12-31"]).trim(), "（没有符合条件的事件）");
    let bad = env.act(&["history", "--type", "Nope"]);
    assert_eq!(bad.code(), 1);
    assert!(bad.stderr().contains("--type：「Nope」不是事件类型"));
}

#[test]
fn trace_explains_a_figure_with_its_events() {
    let env = Env::with_project();
    env.ok(&["spend", "P01", "--amount", "2", "--date", "2024-06-30"]);
    env.ok(&["spend", "P01", "--amount", "1", "--date", "2024-07-30"]);
    let out = env.ok(&["trace", "P01", "executed"]);
    assert!(out.starts_with("P01 全年执行数：3.00万元\n计算：未冲销的支出之和\n来源事件：\n"), "{out}");
    assert!(
        out.contains(
            "#4  2025-03-01 09:00  张三@应急救援科  支出已记录  支出 2万元（2024-06-30）；全年执行数 0.00 → 2.00万元"
        ),
        "{out}"
    );
    let rate = env.json(&["trace", "P01", "execution_rate", "--json"]);
    assert_eq!(rate["value"], "50.00%");
    assert_eq!(rate["formula"], "全年执行数 ÷ 全年预算数 = 3万元 ÷ 6万元");
    let seqs: Vec<u64> = rate["events"].as_array().unwrap().iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, vec![3, 4, 5]);
    let department = env.json(&["trace", "department", "budget", "--json"]);
    assert_eq!(department["value"], "6.00万元");
    let bad = env.act(&["trace", "P01", "nonsense"]);
    assert_eq!(bad.code(), 1);
    assert!(bad.stderr().contains("FIGURE：「nonsense」不是可追溯的数字"));
}

#[test]
fn check_exits_one_on_error_findings() {
    let env = Env::with_project();
    let clean = env.act(&["check"]);
    assert_eq!(clean.code(), 0, "{}", clean.stderr());
    env.ok(&["spend", "P01", "--amount", "7", "--date", "2024-06-30"]);
    let run = env.act(&["check", "--json"]);
    assert_eq!(run.code(), 1);
    let findings: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    let f3 = findings["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "F3").unwrap();
    assert_eq!(f3["severity"], "error");
    assert_eq!(f3["project"], "P01");
    assert_eq!(f3["events"], serde_json::json!([3, 4]));
    assert_eq!(env.act(&["check", "--as-of", "3"]).code(), 0, "before the overspending the data was clean of errors");
}

#[test]
fn a_state_snapshot_gives_the_same_report_as_a_full_replay() {
    let env = crate::Env::in_dir();
    env.run(&["demo"]);
    let snapshotting = |args: &[&str]| {
        let output = env.command().env("SELFEVAL_SNAPSHOT_AFTER", "1").args(args).output().unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).unwrap()
    };
    let first = snapshotting(&["report", "--format", "json"]);
    let snapshot = format!("selfeval-cache/state-v{}", selfeval_core::state::STATE_VERSION);
    assert!(env.store().join(snapshot).exists(), "a long replay leaves a snapshot");
    env.demo_spend_on_p02();
    let from_snapshot = snapshotting(&["report", "--format", "json"]);
    assert_ne!(first, from_snapshot);
    assert!(from_snapshot.contains("\"executed\":\"59.29\""), "the tail after the snapshot is replayed");
    let as_of = snapshotting(&["report", "--format", "json", "--as-of", "77"]);
    assert_eq!(as_of, first, "--as-of before the head ignores a later snapshot");
    std::fs::remove_dir_all(env.store().join("selfeval-cache")).unwrap();
    let full = env.ok(&["report", "--format", "json"]);
    assert_eq!(full, from_snapshot, "the snapshot and a full replay agree");
}
