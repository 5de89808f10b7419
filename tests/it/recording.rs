//! Every recording command: accepted (prints the appended sequence numbers)
//! and refused (exit 1, a message naming the flag, nothing written).

use crate::Env;

#[test]
fn init_creates_the_store_and_refuses_bad_input_without_creating_one() {
    let env = Env::new();
    let no_actor = env.run(&["init", "--department", "局", "--year", "2024"]);
    assert_eq!(no_actor.code(), 1);
    assert!(no_actor.stderr().contains("--actor：写入操作须注明操作人"), "{}", no_actor.stderr());
    env.fails(&["init", "--department", "局", "--year", "24"], 1, "--year：「24」不是预算年度");
    env.fails(
        &["init", "--department", "局", "--year", "2024", "--profile", "x"],
        1,
        "--profile：「x」不是已知的评分规则",
    );
    assert!(!env.store().exists(), "a refused init creates no store");
    let out = env.ok(&["init", "--department", "某市应急管理局", "--year", "2024"]);
    assert_eq!(out, "已记录 #1 YearInitialised（年度已初始化）\n");
    env.fails(&["init", "--department", "局", "--year", "2025"], 1, "已初始化为「某市应急管理局」2024年度");
}

#[test]
fn a_command_before_init_or_on_a_missing_store_is_refused() {
    let env = Env::new();
    env.fails(&["project", "add", "P01", "--name", "x"], 1, "--store：库不存在：");
    assert!(!env.store().exists());
    env.ok(&["init", "--department", "局", "--year", "2024"]);
    env.fails(&["budget", "set", "P09", "--amount", "1", "--reason", "r"], 1, "CODE：项目「P09」不存在");
}

#[test]
fn project_add() {
    let env = Env::new();
    env.ok(&["init", "--department", "局", "--year", "2024"]);
    let out = env.ok(&["project", "add", "P01", "--name", "应急救援能力建设资金", "--json"]);
    assert_eq!(out, "{\"appended\":[{\"seq\":2,\"type\":\"ProjectRegistered\"}],\"duplicate\":false}\n");
    env.fails(&["project", "add", "P01", "--name", "x"], 1, "CODE：项目「P01」已登记");
    env.fails(&["project", "add", "P 2", "--name", "x"], 1, "CODE：「P 2」不是有效的编号");
    env.fails(
        &["project", "add", "P02", "--name", "x", "--budget-weight", "20"],
        1,
        "--reason：预算执行率分值与默认值不同须说明原因",
    );
}

#[test]
fn budget_set_and_adjust() {
    let env = Env::with_project();
    env.fails(&["budget", "set", "P01", "--amount", "6"], 1, "--reason：设定预算须说明原因");
    env.fails(
        &["budget", "set", "P01", "--amount", "6万美元", "--reason", "r"],
        1,
        "--amount：「6万美元」不是十进制数",
    );
    env.fails(&["budget", "set", "P01", "--amount", "1e3", "--reason", "r"], 1, "--amount：「1e3」不是十进制数");
    env.fails(
        &["budget", "set", "P01", "--amount", "5", "--source", "借款", "--reason", "r"],
        1,
        "--source：「借款」不是资金来源",
    );
    let out =
        env.ok(&["budget", "adjust", "P01", "--delta", "-0.026", "--reason", "批复调减", "--doc", "财预〔2024〕5号"]);
    assert_eq!(out, "已记录 #4 BudgetAdjusted（预算已调整）：预算调整 P01 -0.026万元（-260.00元）\n");
    env.fails(
        &["budget", "adjust", "P01", "--delta", "-7", "--reason", "r"],
        1,
        "调整后全年预算数为-1.026万元，不能为负",
    );
    env.fails(&["budget", "adjust", "P01", "--delta", "0.5"], 1, "--reason：调整预算须说明原因");
    let table = env.json(&["table", "P01", "--format", "json"]);
    assert_eq!(table["budget"], "5.974");
    assert_eq!(table["initial_budget"], "6");
}

#[test]
fn spend_and_reverse() {
    let env = Env::with_project();
    assert_eq!(
        env.ok(&["spend", "P01", "--amount", "215,457.60元", "--date", "2024-06-30", "--voucher", "记-0633"]),
        "已记录 #4 ExpenditureRecorded（支出已记录）：支出 P01 21.54576万元（215,457.60元），2024-06-30\n"
    );
    env.ok(&["spend", "P01", "--amount", "1.5", "--date", "2024-07-01"]);
    env.fails(
        &["spend", "P01", "--amount", "12,34", "--date", "2024-06-30"],
        1,
        "--amount：「12,34」的千位分隔符位置不对",
    );
    env.fails(&["spend", "P01", "--amount", "1", "--date", "2024-02-30"], 1, "--date：「2024-02-30」不是有效日期");
    env.fails(&["spend", "P01", "--amount", "1", "--date", "2023-12-31"], 1, "--date：支出日期不在2024预算年度内");
    env.fails(&["spend", "P01", "--amount", "-1", "--date", "2024-06-30"], 1, "不能为负");
    env.fails(&["spend", "reverse", "4"], 1, "--reason：冲销支出须说明原因");
    env.fails(&["spend", "reverse", "3", "--reason", "r"], 1, "SEQ：事件3不是支出记录");
    env.ok(&["spend", "reverse", "4", "--reason", "重复入账"]);
    env.fails(&["spend", "reverse", "4", "--reason", "r"], 1, "SEQ：支出4已由事件6冲销");
    assert_eq!(env.json(&["table", "P01", "--format", "json"])["executed"], "1.5");
    let usage = env.act(&["spend", "P01", "--amount", "1"]);
    assert_eq!(usage.code(), 2, "a missing required flag is a usage error");
}

#[test]
fn goal_indicators_and_scores() {
    let env = Env::with_project();
    env.ok(&["goal", "P01", "--expected", "提升救援能力"]);
    env.fails(&["goal", "P01"], 1, "--expected/--actual：未给出预期目标或实际完成情况");
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
        "装备数量",
        "--target",
        "≥20台",
        "--weight",
        "50",
    ]);
    env.ok(&[
        "indicator",
        "add",
        "P01",
        "I2",
        "--level1",
        "效益指标",
        "--level2",
        "社会效益指标",
        "--name",
        "救援效率",
        "--target",
        "效果明显",
        "--weight",
        "30",
    ]);
    env.ok(&[
        "indicator",
        "add",
        "P01",
        "I3",
        "--level1",
        "满意度指标",
        "--level2",
        "服务对象满意度指标",
        "--name",
        "满意度",
        "--target",
        ">=90%",
        "--weight",
        "10",
    ]);
    env.fails(
        &[
            "indicator",
            "add",
            "P01",
            "I4",
            "--level1",
            "成本指标",
            "--level2",
            "x",
            "--name",
            "x",
            "--target",
            "≤1万元",
            "--weight",
            "1",
        ],
        1,
        "--level1：「成本指标」不是评分规则 cz2020-default 的一级指标",
    );
    env.fails(&["indicator", "actual", "P01", "I1", "--value", "很多"], 1, "--value：「很多」不是数字");
    env.fails(&["indicator", "actual", "P01", "I1", "--value", "18个"], 1, "单位「个」与年度指标值的单位「台」不同");
    env.ok(&[
        "indicator",
        "actual",
        "P01",
        "I1",
        "--value",
        "18台",
        "--deviation",
        "供货延迟",
        "--measure",
        "加强督办",
    ]);
    env.fails(
        &["indicator", "actual", "P01", "I2", "--value", "明显", "--level", "部分达成", "--score", "27"],
        1,
        "--score：得分27不在「部分达成年度指标并具有一定效果」的分数区间内；可接受：18 ≤ 得分 < 24",
    );
    env.ok(&["indicator", "actual", "P01", "I2", "--value", "救援效率提高", "--level", "达成"]);
    env.fails(&["indicator", "na", "P01", "I3"], 1, "--reason：标记不适用须说明原因");
    env.ok(&["indicator", "na", "P01", "I3", "--reason", "本年度未开展满意度调查"]);
    env.fails(&["score", "adjust", "P01", "I1", "--score", "60", "--reason", "r"], 1, "--score：得分60超过分值50");
    env.fails(&["score", "adjust", "P01", "I1", "--score", "40"], 1, "--reason：人工调整得分须说明原因");
    env.ok(&["score", "adjust", "P01", "I1", "--score", "40", "--reason", "复核扣分"]);
    let table = env.json(&["table", "P01", "--format", "json"]);
    let indicators = table["indicators"].as_array().unwrap();
    assert_eq!((indicators[0]["score"].as_str(), indicators[0]["auto_score"].as_str()), (Some("40.00"), Some("45.00")));
    assert_eq!(indicators[0]["deviation"], "under");
    assert_eq!(indicators[1]["score"], "30.00");
    assert_eq!(indicators[2]["score"], serde_json::Value::Null);
    // (0 budget score: nothing spent yet) + 40 + 30, rescaled over 90 applicable points.
    assert_eq!(table["total_score"], "77.78");
    assert_eq!(table["grade"], "中");
}

#[test]
fn problems_rectification_narratives_and_workflow() {
    let env = Env::with_project();
    env.ok(&["problem", "add", "P01", "Q1", "--text", "前期规划不够完善"]);
    env.fails(&["problem", "add", "P01", "Q1", "--text", "x"], 1, "PCODE：问题「Q1」已登记");
    env.fails(&["rectify", "progress", "Q1", "--note", "x"], 1, "PCODE：问题Q1尚无整改计划");
    env.fails(
        &["rectify", "plan", "Q1", "--measure", "m", "--owner", "o", "--due", "下月"],
        1,
        "--due：「下月」不是有效日期",
    );
    env.ok(&["rectify", "plan", "Q1", "--measure", "加强勘察", "--owner", "应急救援科", "--due", "2025-06-30"]);
    env.ok(&["rectify", "progress", "Q1", "--note", "已勘察"]);
    env.ok(&["rectify", "done", "Q1", "--evidence", "勘察报告"]);
    env.fails(&["rectify", "done", "Q1", "--evidence", "x"], 1, "PCODE：问题Q1的整改已完成");
    env.ok(&["narrative", "set", "3.funds", "--text", "资金管理规范"]);
    env.fails(&["narrative", "set", "9.x", "--text", "x"], 1, "SECTION：「9.x」不是报告段落");
    let long = "字".repeat(10_001);
    env.fails(
        &["narrative", "set", "6.other", "--text", &long],
        1,
        "--text：文字有10001个字符，超过上限10000（不会截断）",
    );
    env.fails(&["submit", "P01"], 1, "CODE：项目P01尚未设定绩效指标");
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
        "n",
        "--target",
        "≥1个",
        "--weight",
        "90",
    ]);
    env.ok(&["indicator", "actual", "P01", "I1", "--value", "1"]);
    env.fails(&["approve", "P01"], 1, "当前状态为「填报中」，不能审核通过");
    env.ok(&["submit", "P01"]);
    env.fails(&["return", "P01"], 1, "--reason：退回自评须说明原因");
    env.ok(&["return", "P01", "--reason", "佐证不足"]);
    env.ok(&["submit", "P01"]);
    env.ok(&["approve", "P01"]);
    assert_eq!(env.json(&["table", "P01", "--format", "json"])["status"], "approved");
    // Approved, the project is locked in open mode too (A6): a new profile
    // would rescore it.
    env.fails(&["profile", "set", "cz2020-linear", "--reason", "省厅要求"], 1, "违反规则A6");
    env.ok(&["reopen", "P01", "--reason", "改用新评分规则"]);
    env.fails(&["profile", "set", "cz2020-linear"], 1, "--reason：变更评分规则须说明原因");
    env.ok(&["profile", "set", "cz2020-linear", "--reason", "省厅要求"]);
    assert_eq!(env.json(&["report", "--format", "json"])["profile"], "cz2020-linear");
}

#[test]
fn bad_at_and_a_resent_command_id() {
    let env = Env::with_project();
    env.fails(
        &["spend", "P01", "--amount", "1", "--date", "2024-06-30", "--at", "yesterday"],
        1,
        "--at：「yesterday」不是 RFC 3339 时间",
    );
    let args = ["spend", "P01", "--amount", "1", "--date", "2024-06-30", "--command-id", "batch-7"];
    assert_eq!(
        env.ok(&args),
        "已记录 #4 ExpenditureRecorded（支出已记录）：支出 P01 1万元（10,000.00元），2024-06-30\n"
    );
    let again = env.ok(&args);
    assert_eq!(
        again,
        "已记录 #4 ExpenditureRecorded（支出已记录）：支出 P01 1万元（10,000.00元），2024-06-30（该命令编号已记录过，未重复写入）\n"
    );
    assert_eq!(env.head().unwrap().0, 4);
}

#[test]
fn json_errors_name_the_field() {
    let env = Env::with_project();
    let run =
        env.fails(&["--json", "budget", "set", "P01", "--amount", "abc", "--reason", "r"], 1, "\"field\":\"--amount\"");
    let error: serde_json::Value = serde_json::from_str(run.stderr().trim()).unwrap();
    assert_eq!(error["error"]["kind"], "invalid_value");
    assert_eq!(error["error"]["given"], "abc");
}

#[test]
fn every_command_has_chinese_help_with_an_example() {
    let env = Env::new();
    let commands = [
        "init",
        "project add",
        "budget set",
        "budget adjust",
        "spend",
        "spend reverse",
        "goal",
        "indicator add",
        "indicator actual",
        "indicator na",
        "score adjust",
        "problem add",
        "rectify plan",
        "rectify progress",
        "rectify done",
        "narrative set",
        "profile set",
        "submit",
        "approve",
        "return",
        "report",
        "table",
        "history",
        "trace",
        "check",
        "verify",
        "status",
        "export",
        "import",
        "demo",
    ];
    for command in commands {
        let mut args: Vec<&str> = command.split(' ').collect();
        args.push("--help");
        let run = env.run(&args);
        assert_eq!(run.code(), 0, "{command} --help");
        let help = run.stdout();
        assert!(help.contains("用法 (Usage):"), "{command}: {help}");
        assert!(help.contains("示例 (Example"), "{command} --help has no example: {help}");
        assert!(help.contains(&format!("selfeval {}", args[0])), "{command}: {help}");
    }
    let top = env.run(&["--help"]).stdout();
    assert!(top.starts_with("项目支出绩效自评"), "{top}");
    assert!(top.contains("退出码 (Exit codes)"));
}
