//! `batch`: many recording commands in one process, each as it would be
//! alone, or the whole file as one atomic append.

use crate::Env;

fn write(env: &Env, name: &str, lines: &[&str]) -> String {
    let path = env.dir.path().join(name);
    std::fs::write(&path, lines.join("\n")).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn each_line_records_as_it_would_alone_with_its_own_actor_reason_and_id() {
    let env = Env::with_project();
    let file = write(
        &env,
        "cmds.txt",
        &[
            "# 上半年支出",
            "",
            "spend P01 --amount 1 --date 2024-06-30 --command-id s-1",
            "--actor 王敏@应急救援科 spend P01 --amount 2 --date 2024-07-30 --voucher 记-0735 --command-id s-2",
            "budget adjust P01 --delta -0.5 --reason '年中 调减' --command-id a-1",
        ],
    );
    let out = env.ok(&["batch", &file]);
    assert_eq!(
        out,
        "已记录 #4 ExpenditureRecorded（支出已记录）：支出 P01 1万元（10,000.00元），2024-06-30\n\
         已记录 #5 ExpenditureRecorded（支出已记录）：支出 P01 2万元（20,000.00元），2024-07-30\n\
         已记录 #6 BudgetAdjusted（预算已调整）：预算调整 P01 -0.5万元（-5,000.00元）\n"
    );
    let history = env.run(&["history", "--project", "P01", "--json"]).stdout();
    assert!(
        history.contains("\"actor\":\"王敏@应急救援科\"") && history.contains("\"reason\":\"年中 调减\""),
        "{history}"
    );
    // Sent again: every line has its command id, nothing new is written.
    let again = env.ok(&["batch", &file]);
    assert_eq!(again.matches("该命令编号已记录过，未重复写入").count(), 3, "{again}");
    assert_eq!(env.head().unwrap().0, 6);
    // From standard input too.
    let mut child = env
        .command()
        .args(["--actor", crate::ACTOR, "batch", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    child.stdin.take().unwrap().write_all("spend P01 --amount 0.5 --date 2024-08-01\n".as_bytes()).unwrap();
    assert!(child.wait_with_output().unwrap().status.success());
    assert_eq!(env.head().unwrap().0, 7);
}

/// Issue 25, item 12: a batch stopped at its first bad line after writing
/// the lines before it, and a rerun of the fixed file wrote them again.
#[test]
fn every_bad_line_is_named_before_anything_is_written_and_a_rerun_resends_what_was_recorded() {
    let env = Env::with_project();
    let lines = [
        "spend P01 --amount 1 --date 2024-06-30",
        "spend P09 --amount 1 --date 2024-06-30",
        "spend P01 --amount 2 --date 2024-07-30",
        "spend P08 --amount 2 --date 2024-07-30",
    ];
    let file = write(&env, "cmds.txt", &lines);
    let before = env.head();
    let run = env.act(&["batch", &file]);
    assert_eq!(run.code(), 1);
    let said = run.stderr();
    assert!(
        said.contains("batch：第2行「spend P09 --amount 1 --date 2024-06-30」被拒绝：CODE：项目「P09」不存在"),
        "{said}"
    );
    assert!(
        said.contains("batch：第4行「spend P08 --amount 2 --date 2024-07-30」被拒绝：CODE：项目「P08」不存在"),
        "{said}"
    );
    assert!(said.contains("错误：FILE：第2、4行被拒绝（共2行）；未写入任何内容，改正后重新运行同一文件即可"), "{said}");
    assert_eq!(env.head(), before, "nothing written");
    // Corrected, it records all four; run again, it writes nothing twice.
    let fixed =
        [lines[0], "spend P01 --amount 1 --date 2024-06-30", lines[2], "spend P01 --amount 2 --date 2024-07-30"];
    let file = write(&env, "cmds.txt", &fixed);
    let run = env.act(&["batch", &file]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert!(run.stderr().contains("batch：4 行已记录"), "{}", run.stderr());
    let head = env.head();
    let run = env.act(&["batch", &file]);
    assert!(run.stderr().contains("batch：0 行已记录，4 行为重发（未重复写入）"), "{}", run.stderr());
    assert_eq!(env.head(), head);
    // A line added at the end: the four are resends, the fifth is new.
    let mut more = fixed.to_vec();
    more.push("spend P01 --amount 0.5 --date 2024-08-30");
    let file = write(&env, "cmds.txt", &more);
    let run = env.act(&["batch", &file]);
    assert!(run.stderr().contains("batch：1 行已记录，4 行为重发（未重复写入）"), "{}", run.stderr());
    assert_eq!(env.json(&["table", "P01", "--format", "json"])["executed"], "6.5");
}

#[test]
fn a_line_that_does_not_parse_or_does_not_record_writes_nothing_at_all() {
    let env = Env::with_project();
    let before = env.head();
    for (lines, said) in [
        (vec!["spend P01 --amount 1 --date 2024-06-30", "spnd P01"], "第2行「spnd P01」：无法识别的命令「spnd」"),
        (vec!["spend P01 --amount 1 --date 2024-06-30", "report"], "第2行「report」：不是记录命令"),
        (vec!["--store /tmp/其他 spend P01 --amount 1 --date 2024-06-30"], "不能指定 --store"),
        (vec!["budget set P01 --amount 6 --reason '未闭合"], "引号不成对"),
    ] {
        let file = write(&env, "bad.txt", &lines);
        let run = env.act(&["batch", &file]);
        assert_eq!(run.code(), 1, "{lines:?}");
        assert!(run.stderr().contains(said) && run.stderr().contains("未写入任何内容"), "{lines:?}: {}", run.stderr());
        assert_eq!(env.head(), before);
    }
}

#[test]
fn all_or_nothing_is_one_atomic_append() {
    let env = Env::with_project();
    let bad =
        write(&env, "bad.txt", &["spend P01 --amount 1 --date 2024-06-30", "spend P01 --amount 2 --date 2099-07-30"]);
    let before = env.head();
    let run = env.act(&["batch", "--all-or-nothing", &bad]);
    assert_eq!(run.code(), 1);
    assert!(
        run.stderr().contains("batch：第2行「spend P01 --amount 2 --date 2099-07-30」被拒绝；整批未写入任何内容"),
        "{}",
        run.stderr()
    );
    assert_eq!(env.head(), before, "line 1 was not written either");
    let good = write(
        &env,
        "good.txt",
        &[
            "spend P01 --amount 1 --date 2024-06-30 --command-id g-1",
            "indicator add P01 I1 --level1 产出指标 --level2 数量指标 --name 台数 --target ≥10台 --weight 90 --command-id g-2",
            "indicator actual P01 I1 --value 12台 --command-id g-3",
        ],
    );
    let out = env.ok(&["batch", "--all-or-nothing", &good]);
    assert!(
        out.contains("#4 ExpenditureRecorded")
            && out.contains("#5 IndicatorDefined")
            && out.contains("#6 IndicatorActualRecorded"),
        "{out}"
    );
    assert_eq!(env.run(&["verify"]).code(), 0);
    let report = env.json(&["report", "--format", "json"]);
    assert_eq!(
        report["projects"][0]["indicators"][0]["score"], "90.00",
        "decided in order: the actual saw its indicator"
    );
    // The same file again: all answered as resent; a file mixing old and new ids is refused.
    let again = env.ok(&["batch", "--all-or-nothing", &good]);
    assert_eq!(again.matches("该命令编号已记录过").count(), 3);
    let mixed = write(
        &env,
        "mixed.txt",
        &[
            "spend P01 --amount 1 --date 2024-06-30 --command-id g-1",
            "spend P01 --amount 1 --date 2024-06-30 --command-id g-9",
        ],
    );
    let run = env.act(&["batch", "--all-or-nothing", &mixed]);
    assert_eq!(run.code(), 1);
    assert!(run.stderr().contains("命令编号「g-1」已用于事件#4"), "{}", run.stderr());
    assert_eq!(env.head().unwrap().0, 6);
}

#[test]
fn a_refused_all_or_nothing_batch_that_began_with_init_leaves_no_store() {
    let env = Env::new();
    let file = write(
        &env,
        "new.txt",
        &[
            "init --department 某市应急管理局 --year 2024",
            "project add P01 --name 应急救援能力建设资金",
            "spend P09 --amount 1 --date 2024-06-30",
        ],
    );
    let run = env.act(&["batch", "--all-or-nothing", &file]);
    assert_eq!(run.code(), 1);
    assert!(run.stderr().contains("第3行") && run.stderr().contains("整批未写入任何内容"), "{}", run.stderr());
    assert!(!env.store().exists(), "no store is left behind");
    // Line by line, the same file is decided whole first: nothing written,
    // no store left behind either.
    let run = env.act(&["batch", &file]);
    assert_eq!(run.code(), 1);
    assert!(run.stderr().contains("第3行被拒绝（共1行）；未写入任何内容"), "{}", run.stderr());
    assert!(!env.store().exists(), "no store is left behind");
}

#[test]
fn a_batch_on_a_busy_store_exits_three_as_one_command_would_and_writes_nothing() {
    // Issue 14: "Exit codes as for one command."
    let env = Env::with_project_in_dir();
    let file = write(&env, "cmds.txt", &["spend P01 --amount 1 --date 2024-06-30"]);
    let before = env.head();
    let held = selfeval_ledger::Ledger::open(
        &selfeval_ledger::Location::Dir(env.store()),
        &selfeval_ledger::LedgerSettings::default(),
        selfeval_ledger::Purpose::Create,
    )
    .unwrap();
    let busy = env
        .command()
        .env("SELFEVAL_BUSY_TIMEOUT", "0")
        .args(["--actor", crate::ACTOR, "batch", &file])
        .output()
        .unwrap();
    assert_eq!(busy.status.code(), Some(3), "{}", String::from_utf8_lossy(&busy.stderr));
    assert!(String::from_utf8_lossy(&busy.stderr).contains("正被另一个进程使用"));
    drop(held);
    assert_eq!(env.head(), before, "nothing was written");
}

/// A refused batch removes only a store directory it made itself: never a
/// directory that was there (`--store .` beside other files).
#[test]
fn a_refused_batch_never_removes_a_directory_that_was_there() {
    let env = Env::in_dir();
    let there = env.dir.path().join("work");
    std::fs::create_dir_all(&there).unwrap();
    std::fs::write(
        there.join("plan.txt"),
        "init --department 某市应急管理局 --year 2024\nspend P09 --amount 1 --date 2024-06-30\n",
    )
    .unwrap();
    let run = env
        .command()
        .env("SELFEVAL_STORE", &there)
        .args(["--actor", crate::ACTOR, "batch", there.join("plan.txt").to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1), "{}", String::from_utf8_lossy(&run.stderr));
    assert!(there.join("plan.txt").exists(), "the user's file and directory are left as they were");
}

/// Issue 28: one write loop for a command alone and for a batch's lines.
/// An amendment that records the new actual in the same command echoes it
/// so in a batch too (a batch used to echo its events one by one: 「须重新
/// 记录」, although the line had recorded it), in both batch modes.
#[test]
fn a_batch_line_echoes_what_the_same_command_alone_echoes() {
    let env = Env::with_project();
    env.ok(&[
        "indicator",
        "add",
        "P01",
        "I1",
        "--level1",
        "产出指标",
        "--level2",
        "数量指标",
        "--name",
        "台数",
        "--target",
        "≥10台",
        "--weight",
        "90",
    ]);
    env.ok(&["indicator", "actual", "P01", "I1", "--value", "12台"]);
    let alone =
        env.ok(&["indicator", "amend", "P01", "I1", "--target", "≥12台", "--value", "13台", "--reason", "批复更正"]);
    assert!(alone.contains("原实际完成值已清除，按更正后的指标值重新记录"), "{alone}");
    let line = "indicator amend P01 I1 --target ≥14台 --value 15台 --reason 再次更正";
    for (name, mode) in [("each.txt", None), ("all.txt", Some("--all-or-nothing"))] {
        let file = write(&env, name, &[line.replace("14台", if mode.is_some() { "16台" } else { "14台" }).as_str()]);
        let mut args = vec!["batch", file.as_str()];
        args.extend(mode);
        let out = env.ok(&args);
        assert!(out.contains("原实际完成值已清除，按更正后的指标值重新记录"), "{name}: {out}");
        assert!(!out.contains("须重新记录"), "{name}: {out}");
    }
}
