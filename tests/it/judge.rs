//! One judge for every event (issue 24): what the CLI refuses, `import`
//! and `verify` refuse too, with the same words. Each case is an event an
//! insider appends to the demo's log by hand, re-chained, as an import file
//! (refused whole) and as a store written without checks (refused by
//! `verify`).

use crate::{Env, DEMO_OFFICE};

/// An event to append: its stream, type and payload.
type Appended<'a> = (&'a str, &'a str, &'a str);

/// The demo's event lines (no header, no trailer).
fn demo_lines(env: &Env) -> Vec<String> {
    let export = env.run(&["export"]);
    assert_eq!(export.code(), 0, "{}", export.stderr());
    let all: Vec<String> = export.stdout().lines().map(str::to_owned).collect();
    all[1..all.len() - 1].to_vec()
}

/// An export of `lines` with `events` appended by `actor`, each a command
/// of its own, re-chained as a forger following `docs/storage.md` would.
fn with_appended(lines: &[String], actor: &str, events: &[(&str, &str, &str)]) -> String {
    let named: Vec<(&str, &str, &str, Option<&str>)> = events.iter().map(|&(a, b, c)| (a, b, c, None)).collect();
    with_appended_as(lines, actor, &named)
}

/// [`with_appended`], each event under the command id given (else its own).
fn with_appended_as(lines: &[String], actor: &str, events: &[(&str, &str, &str, Option<&str>)]) -> String {
    use selfeval_ledger::format::chain_hash;
    let mut lines = lines.to_vec();
    let last: serde_json::Value = serde_json::from_str(lines.last().unwrap()).unwrap();
    let time = last["event"]["recorded_at"].as_str().unwrap().to_owned();
    let mut prev = last["hash"].as_str().unwrap().to_owned();
    for (stream, event_type, payload, id) in events {
        let seq = lines.len() + 1;
        let id = id.map_or_else(|| format!("forged-{seq}"), str::to_owned);
        let version = 1 + lines.iter().filter(|l| l.contains(&format!("\"stream\":\"{stream}\","))).count();
        let body = format!(
            "{{\"seq\":{seq},\"event_id\":\"01a22355-0000-7000-8000-{seq:012}\",\"stream\":\"{stream}\",\"stream_version\":{version},\"type\":\"{event_type}\",\"schema_version\":1,\"occurred_at\":\"{time}\",\"recorded_at\":\"{time}\",\"actor\":\"{actor}\",\"reason\":\"手工追加\",\"command_id\":\"{id}\",\"payload\":{payload},\"prev_hash\":\"{prev}\"}}"
        );
        let hash = chain_hash(&prev, body.as_bytes());
        lines.push(format!("{{\"hash\":\"{hash}\",\"event\":{body}}}"));
        prev = hash;
    }
    let header = "{\"format\":\"selfeval-export\",\"version\":1,\"hash\":\"sha256\",\"genesis\":\"0000000000000000000000000000000000000000000000000000000000000000\"}";
    let trailer = format!("{{\"trailer\":{{\"events\":{},\"head_hash\":\"{prev}\"}}}}", lines.len());
    format!("{header}\n{}\n{trailer}\n", lines.join("\n"))
}

/// `forged` is refused by an import and by `verify` of a store that holds
/// it, both saying `expected` about event `seq`.
fn refused_by_import_and_verify(forged: &str, seq: u64, expected: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("forged.jsonl");
    std::fs::write(&file, forged).unwrap();
    let fresh = Env::in_dir();
    let import = fresh.run(&["import", file.to_str().unwrap()]);
    assert_eq!(import.code(), 4, "{expected}: {}", import.stderr());
    assert!(import.stderr().contains(&format!("事件{seq}：")), "{expected}: {}", import.stderr());
    assert!(import.stderr().contains(expected), "import: {expected}: {}", import.stderr());
    let held = Env::in_dir();
    let location = selfeval_ledger::Location::parse(&held.store_arg()).unwrap();
    let mut ledger = selfeval_ledger::Ledger::open(
        &location,
        &selfeval_ledger::LedgerSettings::default(),
        selfeval_ledger::Purpose::Create,
    )
    .unwrap();
    ledger.import(&mut forged.as_bytes()).unwrap().unwrap();
    drop(ledger);
    let verify = held.run(&["verify"]);
    assert_eq!(verify.code(), 4, "{expected}: {}{}", verify.stdout(), verify.stderr());
    assert!(
        verify.stderr().contains(&format!("事件{seq}不符合规则（导入同样会拒绝）："))
            && verify.stderr().contains(expected),
        "verify: {expected}: {}",
        verify.stderr()
    );
}

#[test]
fn the_workflow_is_judged_as_the_cli_judges_it() {
    let env = Env::in_dir();
    assert_eq!(env.run(&["demo"]).code(), 0);
    // What the CLI says, first: P01 is 填报中 and has no indicators.
    for (args, expected) in [
        (&["approve", "P01"][..], "项目P01当前状态为「填报中」，不能审核通过"),
        (&["return", "P01", "--reason", "退回"], "项目P01当前状态为「填报中」，不能退回"),
        (&["reopen", "P01", "--reason", "重开"], "项目P01当前状态为「填报中」，不能重新打开"),
        (&["submit", "P01"], "项目P01尚未设定绩效指标，自评表不完整"),
    ] {
        let mut full = vec!["--actor", DEMO_OFFICE];
        full.extend_from_slice(args);
        let run = env.run(&full);
        assert_eq!(run.code(), 1, "{args:?}: {}", run.stderr());
        assert!(run.stderr().contains(expected), "{args:?}: {}", run.stderr());
    }
    let lines = demo_lines(&env);
    let p01 = "{\"project\":\"P01\"}";
    for (event_type, expected) in [
        ("SelfEvaluationApproved", "项目P01当前状态为「填报中」，不能审核通过"),
        ("SelfEvaluationReturned", "项目P01当前状态为「填报中」，不能退回"),
        ("SelfEvaluationReopened", "项目P01当前状态为「填报中」，不能重新打开"),
        ("SelfEvaluationSubmitted", "项目P01尚未设定绩效指标，自评表不完整"),
    ] {
        let forged = with_appended(&lines, DEMO_OFFICE, &[("project/P01", event_type, p01)]);
        refused_by_import_and_verify(&forged, 78, expected);
    }
}

#[test]
fn evidence_names_and_member_names_are_judged_as_the_cli_judges_them() {
    let env = Env::in_dir();
    assert_eq!(env.run(&["demo"]).code(), 0);
    let lines = demo_lines(&env);
    let sha = "0".repeat(64);
    let evidence = |file: &str| {
        format!("{{\"project\":\"P01\",\"file\":\"{file}\",\"size\":5,\"sha256\":\"{sha}\",\"note\":\"佐证\"}}")
    };
    let forged =
        with_appended(&lines, DEMO_OFFICE, &[("project/P01", "EvidenceAdded", &evidence("../../etc/hostname"))]);
    refused_by_import_and_verify(&forged, 78, "文件名含目录");
    let twice = evidence("合同.pdf");
    let forged = with_appended(
        &lines,
        DEMO_OFFICE,
        &[("project/P01", "EvidenceAdded", &twice), ("project/P01", "EvidenceAdded", &twice)],
    );
    refused_by_import_and_verify(&forged, 79, "项目P01已于事件#78登记同名佐证材料「合同.pdf」");
    // A name with a zero-width space, shown as 钱多 by `member list`.
    let member = "{\"name\":\"钱\\u200b多\",\"section\":\"人事科\",\"role\":\"section\",\"key\":null}";
    let forged = with_appended(&lines, DEMO_OFFICE, &[("roster", "MemberAdded", member)]);
    refused_by_import_and_verify(&forged, 78, "name：");
    // The CLI refuses the same name.
    let run = env.run(&[
        "--actor",
        DEMO_OFFICE,
        "member",
        "add",
        "钱\u{200b}多@人事科",
        "--role",
        "section",
        "--reason",
        "x",
    ]);
    assert_eq!(run.code(), 1, "{}", run.stderr());
}

#[test]
fn a_command_id_used_again_by_a_later_command_is_judged_as_the_store_judges_it() {
    let env = Env::in_dir();
    assert_eq!(env.run(&["demo"]).code(), 0);
    let lines = demo_lines(&env);
    let first: serde_json::Value = serde_json::from_str(&lines[10]).unwrap();
    let reused = first["event"]["command_id"].as_str().unwrap().to_owned();
    let goal = "{\"project\":\"P01\",\"expected\":\"提升能力\",\"actual\":null}";
    let forged = with_appended_as(&lines, DEMO_OFFICE, &[("project/P01", "GoalSet", goal, Some(&reused))]);
    refused_by_import_and_verify(&forged, 78, &format!("command_id：命令编号「{reused}」在此前另一条命令中已用过"));
}

#[test]
fn an_indicator_is_judged_as_the_cli_judges_it() {
    let env = Env::in_dir();
    assert_eq!(env.run(&["demo"]).code(), 0);
    let lines = demo_lines(&env);
    // A P01 indicator as the demo defines P02's, under other words.
    let defined = lines.iter().find(|l| l.contains("\"type\":\"IndicatorDefined\"")).unwrap();
    let event: serde_json::Value = serde_json::from_str(defined).unwrap();
    let mut payload = event["event"]["payload"].clone();
    payload["project"] = "P01".into();
    payload["indicator"] = "I9".into();
    let as_text = |p: &serde_json::Value| serde_json::to_string(p).unwrap();
    for (field, value, expected) in [
        ("level1", "不存在的一级指标", "「不存在的一级指标」不是评分规则"),
        ("indicator", "budget", "项目P01已有指标「budget」"),
        ("name", "指标\u{200b}名称", "indicator："),
    ] {
        let mut forged_payload = payload.clone();
        forged_payload[field] = value.into();
        let forged =
            with_appended(&lines, DEMO_OFFICE, &[("project/P01", "IndicatorDefined", &as_text(&forged_payload))]);
        refused_by_import_and_verify(&forged, 78, expected);
    }
}

#[test]
fn an_actual_value_is_judged_as_the_cli_judges_it() {
    let env = Env::in_dir();
    assert_eq!(env.run(&["demo"]).code(), 0);
    // P03's I4 is qualitative (weight 30), its I1 quantitative (≥10套).
    let lines = demo_lines(&env);
    let actual = |indicator: &str, number: &str, level: &str, score: &str| {
        format!(
            "{{\"project\":\"P03\",\"indicator\":\"{indicator}\",\"value\":\"x\",\"number\":{number},\"level\":{level},\"score\":{score},\"deviation_reason\":null,\"measure\":null}}"
        )
    };
    // P03 is approved: the office reopens it first, as the CLI requires.
    let reopen = "{\"project\":\"P03\"}";
    for (payload, expected) in [
        (actual("I4", "null", "\"achieved\"", "\"0\""), "得分0不在「达成年度指标」的分数区间内"),
        (actual("I4", "null", "null", "null"), "定性指标的实际完成值须有完成等级和得分"),
        (actual("I1", "\"12\"", "\"achieved\"", "null"), "定量指标没有完成等级"),
    ] {
        let forged = with_appended(
            &lines,
            DEMO_OFFICE,
            &[("project/P03", "SelfEvaluationReopened", reopen), ("project/P03", "IndicatorActualRecorded", &payload)],
        );
        refused_by_import_and_verify(&forged, 79, expected);
    }
    // The CLI refuses the first: a score outside the level's band.
    env.ok_as(DEMO_OFFICE, &["reopen", "P03", "--reason", "补正"]);
    let run = env.run(&[
        "--actor",
        DEMO_OFFICE,
        "indicator",
        "actual",
        "P03",
        "I4",
        "--value",
        "x",
        "--level",
        "达成",
        "--score",
        "0",
    ]);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    assert!(run.stderr().contains("得分0不在「达成年度指标」的分数区间内"), "{}", run.stderr());
}

#[test]
fn a_reversal_of_another_projects_spending_is_judged_as_the_cli_judges_it() {
    let env = Env::in_dir();
    assert_eq!(env.run(&["demo"]).code(), 0);
    let lines = demo_lines(&env);
    // The office reopens P02 and reverses #17 under it: #17 is P03's 1.8.
    let reversal = "{\"project\":\"P02\",\"expenditure_seq\":17,\"amount\":\"1.8\"}";
    let forged = with_appended(
        &lines,
        DEMO_OFFICE,
        &[
            ("project/P02", "SelfEvaluationReopened", "{\"project\":\"P02\"}"),
            ("project/P02", "ExpenditureReversed", reversal),
        ],
    );
    refused_by_import_and_verify(&forged, 79, "expenditure_seq：事件17不是项目P02的支出");
}

#[test]
fn the_roster_seal_and_budget_rules_are_judged_as_the_cli_judges_them() {
    // Issue 24, item 1: each passed verify on PostgreSQL when inserted by
    // hand; import refused them. Both refuse them now, with its words.
    let env = Env::in_dir();
    assert_eq!(env.run(&["demo"]).code(), 0);
    let lines = demo_lines(&env);
    let key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAID/ckGzGnkDWt+adO4LnxYYDEtuOjYrnbJqRdH6G8yjN";
    let keyed = |name: &str| format!("{{\"name\":\"{name}\",\"key\":\"{key}\"}}");
    let cases: [(&[Appended], u64, &str); 5] = [
        // A seal while P02, which has money, is not approved.
        (
            &[("project/P02", "SelfEvaluationReopened", "{\"project\":\"P02\"}"), ("department", "YearSealed", "{}")],
            79,
            "有预算或支出的项目P02尚未审核通过，不能封存",
        ),
        (&[("roster", "MemberRemoved", "{\"name\":\"赵静\"}")], 78, "赵静是名册中唯一的办公室人员，不能移出"),
        (
            &[("roster", "MemberKeyChanged", &keyed("王敏")), ("roster", "MemberKeyChanged", &keyed("陈刚"))],
            79,
            "该公钥已登记给王敏@应急救援科",
        ),
        (
            &[(
                "project/P01",
                "BudgetSet",
                "{\"project\":\"P01\",\"amount\":\"-1\",\"source\":\"current_appropriation\"}",
            )],
            78,
            "年初预算数 -1 为负",
        ),
        (&[("department", "YearUnsealed", "{}")], 78, "年度没有封存，无从解除"),
    ];
    for (events, seq, expected) in cases {
        refused_by_import_and_verify(&with_appended(&lines, DEMO_OFFICE, events), seq, expected);
    }
}

/// Found by the fuzz target `handle` once it asserted both directions: a
/// spending dated outside the budget year, which `spend` refuses.
#[test]
fn a_spending_outside_the_budget_year_is_judged_as_the_cli_judges_it() {
    let env = Env::in_dir();
    assert_eq!(env.run(&["demo"]).code(), 0);
    let clerk = Env::with_project();
    clerk.fails(&["spend", "P01", "--amount", "1", "--date", "2099-01-01"], 1, "--date：支出日期不在2024预算年度内");
    let lines = demo_lines(&env);
    let forged = with_appended(
        &lines,
        DEMO_OFFICE,
        &[
            ("project/P02", "SelfEvaluationReopened", "{\"project\":\"P02\"}"),
            ("project/P02", "ExpenditureRecorded", "{\"project\":\"P02\",\"amount\":\"1\",\"date\":\"2099-01-01\"}"),
        ],
    );
    refused_by_import_and_verify(&forged, 79, "date：支出日期不在2024预算年度内");
}

/// A log written before issue 25 may hold a budget set again to the same
/// amount (then allowed): it still imports and verifies, as it changes no
/// figure, while `budget set` refuses it now.
#[test]
fn a_repeated_budget_of_an_earlier_version_still_imports() {
    let env = Env::in_dir();
    assert_eq!(env.run(&["demo"]).code(), 0);
    let lines = demo_lines(&env);
    let forged = with_appended(
        &lines,
        DEMO_OFFICE,
        &[
            ("project/P02", "SelfEvaluationReopened", "{\"project\":\"P02\"}"),
            ("project/P02", "BudgetSet", "{\"project\":\"P02\",\"amount\":\"0\",\"source\":\"current_appropriation\"}"),
            ("project/P02", "BudgetSet", "{\"project\":\"P02\",\"amount\":\"0\",\"source\":\"current_appropriation\"}"),
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("old.jsonl");
    std::fs::write(&file, forged).unwrap();
    let fresh = Env::in_dir();
    let import = fresh.run(&["import", file.to_str().unwrap()]);
    assert_eq!(import.code(), 0, "{}", import.stderr());
    assert_eq!(fresh.run(&["verify"]).code(), 0);
}

/// Issue 27: a `RecordedAsPrinted` note stands only after the event it is
/// about, in the same command; a row not applicable as printed has no
/// weight. Forged otherwise, import and verify refuse them as the CLI
/// never makes them.
#[test]
fn recorded_as_printed_and_weightless_rows_are_judged_as_the_cli_makes_them() {
    let env = Env::in_dir();
    assert_eq!(env.run(&["demo"]).code(), 0);
    let lines = demo_lines(&env);
    let alone = with_appended(
        &lines,
        DEMO_OFFICE,
        &[("project/P01", "RecordedAsPrinted", r#"{"project":"P01","notes":["伪造的说明"]}"#)],
    );
    refused_by_import_and_verify(&alone, 78, "按原表照录的说明只能跟在同一命令、同一项目的预算、支出或指标记录之后");
    // After an entry no table cell makes (the goal's text), in the same
    // command: refused alike.
    let goal = r#"{"project":"P01","expected":"伪造的目标","actual":null}"#;
    let note = r#"{"project":"P01","notes":["伪造的说明"]}"#;
    let after_goal = with_appended_as(
        &lines,
        DEMO_OFFICE,
        &[("project/P01", "GoalSet", goal, Some("forged")), ("project/P01", "RecordedAsPrinted", note, Some("forged"))],
    );
    refused_by_import_and_verify(
        &after_goal,
        79,
        "按原表照录的说明只能跟在同一命令、同一项目的预算、支出或指标记录之后",
    );
    // A deadline whose date is not the one its text names.
    let deadline = with_appended(
        &lines,
        DEMO_OFFICE,
        &[(
            "project/P01",
            "IndicatorDefined",
            r#"{"project":"P01","indicator":"I9","level1":"产出指标","level2":"时效指标","name":"伪造","target":{"kind":"deadline","by":"2999-12-31","text":"2024年12月"},"weight":"10"}"#,
        )],
    );
    refused_by_import_and_verify(&deadline, 78, "完成时限「2024年12月」所记的日期与其文字不符");
    let weighted = with_appended(
        &lines,
        DEMO_OFFICE,
        &[(
            "project/P01",
            "IndicatorDefined",
            r#"{"project":"P01","indicator":"I9","level1":"产出指标","level2":"数量指标","name":"伪造","target":{"kind":"qualitative","text":"/"},"weight":"10","not_applicable":true}"#,
        )],
    );
    refused_by_import_and_verify(&weighted, 78, "不适用（「/」）的指标没有分值，记录的分值为 10");
}
