//! The questions users ask (issue 11): which projects, which problems,
//! where a text was recorded.

use crate::Env;

#[test]
fn project_list_answers_what_is_where() {
    let env = Env::new();
    assert_eq!(env.run(&["demo"]).code(), 0);
    let list = env.ok(&["project", "list"]);
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(lines.len(), 6, "{list}");
    assert!(lines[0].starts_with("| 编号 | 项目"), "{list}");
    assert!(
        lines[3].contains("| P02  | 应急救援能力建设资金")
            && lines[3].contains("| 6.00 ")
            && lines[3].contains("| 99.98% ")
            && lines[3].contains("| 100.00 ")
            && lines[3].contains("| 优 "),
        "{}",
        lines[3]
    );
    assert!(lines[5].contains("| P04 ") && lines[5].contains("| 不适用 "), "{}", lines[5]);
    let json = env.json(&["project", "list", "--json"]);
    let p04 = &json["projects"][3];
    assert_eq!(p04["code"], "P04");
    assert_eq!(p04["executed"], "48.7912");
    assert_eq!(p04["unit"], "万元");
    assert_eq!(p04["execution_rate"], serde_json::Value::Null);
    assert_eq!(json["projects"].as_array().unwrap().len(), 4);
    // history shows when a step happened (the demo's submissions: 2024-12-29)
    // beside when it was recorded (the test clock: 2025-03-01).
    let submitted = env.run(&["history", "--type", "SelfEvaluationSubmitted"]).stdout();
    assert!(submitted.lines().nth(1).unwrap().contains("2025-03-01 09:00  发生2024-12-29  "), "{submitted}");
    // Events 2–6 register the roster, 7 and 8 the first two projects.
    let earlier = env.json(&["project", "list", "--json", "--as-of", "8"]);
    assert_eq!(earlier["projects"].as_array().unwrap().len(), 2, "as it stood after event 8");
}

#[test]
fn problem_list_shows_each_rectification() {
    let env = Env::with_project();
    assert_eq!(env.run(&["problem", "list"]).stdout(), "（尚未登记问题）\n");
    env.ok(&["problem", "add", "P01", "Q1", "--text", "供应商供货跟踪不及时"]);
    env.ok(&["rectify", "plan", "Q1", "--measure", "建立供货周报", "--owner", "应急救援科", "--due", "2025-06-30"]);
    let list = env.ok(&["problem", "list"]);
    assert!(
        list.contains("| P01  | Q1   | 供应商供货跟踪不及时 | 建立供货周报 | 应急救援科 | 2025-06-30 | 已计划   |"),
        "{list}"
    );
    let json = env.json(&["problem", "list", "--json"]);
    assert_eq!(json["problems"][0]["status"], "planned");
    assert_eq!(json["problems"][0]["events"], serde_json::json!([4, 5]));
}

#[test]
fn history_grep_finds_reasons_texts_and_actors() {
    let env = Env::with_project();
    env.ok(&["spend", "P01", "--amount", "1", "--date", "2024-06-30", "--voucher", "记-0633"]);
    env.ok(&["budget", "adjust", "P01", "--delta", "-0.5", "--reason", "年中调减"]);
    let by_voucher = env.run(&["history", "--grep", "记-0633"]).stdout();
    assert_eq!(by_voucher.lines().filter(|l| l.starts_with('#')).count(), 1, "{by_voucher}");
    assert!(by_voucher.starts_with("序号  记录时间") && by_voucher.contains("\n#4 "), "{by_voucher}");
    let by_reason = env.run(&["history", "--grep", "调减"]).stdout();
    assert!(
        by_reason.contains("\n#5 ") && by_reason.lines().filter(|l| l.starts_with('#')).count() == 1,
        "{by_reason}"
    );
    let by_actor = env.run(&["history", "--grep", "张三"]).stdout();
    assert_eq!(by_actor.lines().filter(|l| l.starts_with('#')).count(), 5, "{by_actor}");
    assert_eq!(env.run(&["history", "--grep", "没有这段文字"]).stdout(), "（没有符合条件的事件）\n");
}

#[test]
fn a_published_table_whose_points_exceed_100_is_recorded_and_flagged() {
    let env = Env::with_project();
    let add = |code: &str, level1: &str, weight: &str| env.indicator(code, level1, code, "≥1个", weight);
    add("I1", "产出指标", "50");
    add("I2", "效益指标", "30");
    add("I3", "满意度指标", "10");
    add("I4", "产出指标", "10");
    let check = env.run(&["check"]);
    assert_eq!(check.code(), 1, "an error finding, not a refusal");
    assert!(check.stdout().contains("项目P01预算执行率分值与各指标分值合计为110，应为100"), "{}", check.stdout());
}

#[test]
fn problem_codes_are_per_project() {
    let env = Env::with_project();
    env.ok(&["project", "add", "P02", "--name", "第二个项目", "--section", "防灾减灾科"]);
    env.ok(&["problem", "add", "P01", "Q1", "--text", "规划不完善"]);
    env.ok(&["problem", "add", "P02", "Q1", "--text", "进度滞后"]);
    env.fails(&["problem", "add", "P02", "Q1", "--text", "再来"], 1, "PCODE：问题「Q1」已登记");
    env.fails(
        &["rectify", "plan", "Q1", "--measure", "m", "--owner", "o", "--due", "2025-06-30"],
        1,
        "PCODE：问题编号「Q1」在多个项目中都有（P01/Q1、P02/Q1）；可接受：写明项目，如 P01/Q1",
    );
    env.ok(&["rectify", "plan", "P02/Q1", "--measure", "倒排工期", "--owner", "防灾减灾科", "--due", "2025-06-30"]);
    env.fails(
        &["rectify", "plan", "P03/Q1", "--measure", "m", "--owner", "o", "--due", "2025-06-30"],
        1,
        "PCODE：项目P03没有问题「Q1」",
    );
    let json = env.json(&["problem", "list", "--json"]);
    assert_eq!(json["problems"][0]["status"], "unplanned");
    assert_eq!(
        (json["problems"][1]["project"].as_str(), json["problems"][1]["status"].as_str()),
        (Some("P02"), Some("planned"))
    );
    // A bare code still works where it is unambiguous.
    env.ok(&["problem", "add", "P02", "Q2", "--text", "资料不全"]);
    env.ok(&["rectify", "plan", "Q2", "--measure", "补齐资料", "--owner", "防灾减灾科", "--due", "2025-06-30"]);
}

#[test]
fn diff_shows_each_changed_figure_with_the_events_between() {
    let env = Env::new();
    assert_eq!(env.run(&["demo"]).code(), 0);
    env.demo_spend_on_p02();
    let diff = env.ok(&["diff", "78", "79"]);
    let lines: Vec<&str> = diff.lines().collect();
    assert_eq!(
        lines[..5],
        [
            "从事件#78 到事件#79 的变化：",
            "  部门  实际执行金额：58.79万元 → 59.29万元  （事件 #79）",
            "  部门  预算执行率：587.90% → 592.90%  （事件 #79）",
            "  P02  全年执行数：6.00万元 → 6.50万元  （事件 #79）",
            "  P02  执行率：99.98% → 108.31%  （事件 #79）",
        ]
    );
    assert!(diff.contains("新增的核查结果：\n  F3 P02：项目P02全年执行数6.50万元超过全年预算数6.00万元"), "{diff}");
    assert!(diff.contains("消除的核查结果：\n  F3 部门：部门全年执行数合计58.79万元"), "{diff}");
    let json = env.json(&["diff", "78", "79", "--json"]);
    assert_eq!(
        json["changes"][0],
        serde_json::json!({"project": null, "figure": "实际执行金额", "before": "58.79万元", "after": "59.29万元", "events": [79]})
    );
    assert_eq!(env.ok(&["diff", "79", "79"]), "从事件#79 到事件#79 的变化：\n  （报告中的数字没有变化）\n");
    // A plain date is a point too: the end of that day, Beijing time.
    assert_eq!(env.run(&["report", "--as-of", "2030-12-31"]).code(), 0);
    assert_eq!(env.run(&["diff", "1", "99"]).code(), 1, "beyond the head is an error");
}

#[test]
fn corrections_show_old_and_new_in_history() {
    let env = Env::with_project();
    env.indicator("I1", "产出指标", "装备数量", "≥20台", "50");
    env.ok(&["indicator", "amend", "P01", "I1", "--target", "≥18台", "--reason", "按批复更正"]);
    env.ok(&["project", "amend", "P01", "--owner", "王敏", "--reason", "补录负责人"]);
    env.fails(&["project", "amend", "P01", "--owner", "王敏", "--reason", "再来"], 1, "没有变化");
    let history = env.run(&["history", "--project", "P01"]).stdout();
    assert!(history.contains("更正指标 I1：年度指标值 ≥20台 → ≥18台  原因：按批复更正"), "{history}");
    assert!(history.contains("更正项目信息：项目负责人 — → 王敏  原因：补录负责人"), "{history}");
    env.ok(&["indicator", "na", "P01", "I1", "--reason", "未开展"]);
    env.ok(&["indicator", "na", "P01", "I1", "--undo", "--reason", "已开展"]);
    let history = env.run(&["history", "--project", "P01"]).stdout();
    assert!(history.contains("指标 I1 不适用 → 适用  原因：已开展"), "{history}");
}

#[test]
fn business_dates_are_a_time_axis() {
    let env = Env::with_project();
    // Recorded today (the fixed clock: 2025-03-01), happened in 2024: the
    // budget as dated by --at, the spending on its payment date.
    env.ok(&["budget", "set", "P01", "--amount", "6", "--reason", "年初批复", "--at", "2024-01-15"]);
    env.ok(&["spend", "P01", "--amount", "1", "--date", "2024-03-01"]);
    env.ok(&["spend", "P01", "--amount", "2", "--date", "2024-10-01"]);
    env.ok(&["budget", "adjust", "P01", "--delta", "1", "--reason", "追加", "--at", "2024-11-15"]);
    let executed = |args: &[&str]| {
        let mut full = vec!["project", "list", "--json"];
        full.extend_from_slice(args);
        let json = env.json(&full);
        (
            json["projects"][0]["executed"].as_str().unwrap().to_owned(),
            json["projects"][0]["budget"].as_str().unwrap().to_owned(),
        )
    };
    assert_eq!(executed(&[]), ("3".to_owned(), "7".to_owned()));
    assert_eq!(
        executed(&["--effective", "2024-09-01"]),
        ("1".to_owned(), "6".to_owned()),
        "as it stood on 1 September, known now"
    );
    assert_eq!(executed(&["--effective", "2024-12-31"]), ("3".to_owned(), "7".to_owned()));
    // Both axes at once: recorded up to event 5, effective by 1 September.
    assert_eq!(executed(&["--as-of", "5", "--effective", "2024-09-01"]), ("1".to_owned(), "6".to_owned()));
    // A budget nobody dated is not in force on a business date.
    assert_eq!(executed(&["--as-of", "3", "--effective", "2024-09-01"]), ("0".to_owned(), "0".to_owned()));
    let report = env.json(&["report", "--format", "json", "--effective", "2024-09-01"]);
    assert_eq!(report["totals"]["executed"], "1");
    // history filters on either axis and shows both times.
    let in_autumn =
        env.run(&["history", "--effective-since", "2024-09-01", "--effective-until", "2024-12-31"]).stdout();
    let lines: Vec<&str> = in_autumn.lines().filter(|l| l.starts_with('#')).collect();
    assert_eq!(lines.len(), 2, "{in_autumn}");
    assert!(lines[0].starts_with("#6  2025-03-01 09:00  发生2024-10-01  "), "{in_autumn}");
    assert!(lines[1].starts_with("#7  2025-03-01 09:00  发生2024-11-15  "), "{in_autumn}");
    // --at stays within the fiscal year and its closing period, and never in the future.
    env.fails(
        &["budget", "adjust", "P01", "--delta", "1", "--reason", "r", "--at", "2020-01-01"],
        1,
        "--at：发生日期不在2024年度及其后六个月的整理期内",
    );
    env.fails(
        &["budget", "adjust", "P01", "--delta", "1", "--reason", "r", "--at", "2025-03-02"],
        1,
        "--at：发生时间晚于现在（记录时间）",
    );
    env.fails(&["report", "--effective", "5"], 1, "--effective：「5」是事件序号");
}

#[test]
fn the_table_shows_the_funds_block_and_who_is_responsible() {
    let env = Env::with_project();
    env.ok(&["budget", "set", "P01", "--amount", "2", "--source", "上年结转", "--reason", "结转"]);
    env.ok(&["budget", "adjust", "P01", "--delta", "-0.5", "--source", "上年结转", "--reason", "调减"]);
    env.ok(&["spend", "P01", "--amount", "1", "--date", "2024-06-30", "--source", "上年结转"]);
    env.ok(&["spend", "P01", "--amount", "3", "--date", "2024-07-30"]);
    env.ok(&["project", "amend", "P01", "--owner", "王敏", "--reason", "补录负责人"]);
    let table = env.ok(&["table", "P01"]);
    assert!(table.contains("主管部门：某市应急管理局　实施单位：应急救援科　项目负责人：王敏"), "{table}");
    assert!(table.contains("| 年度资金总额       | 8.00       | 7.50       | 4.00       |"), "{table}");
    assert!(table.contains("| 其中：本年财政拨款 | 6.00       | 6.00       | 3.00       |"), "{table}");
    assert!(table.contains("| 　　　上年结转资金 | 2.00       | 1.50       | 1.00       |"), "{table}");
    let json = env.json(&["table", "P01", "--format", "json"]);
    assert_eq!(json["owner"], "王敏");
    assert_eq!(
        json["funds"][1],
        serde_json::json!({"source": "carried_over", "initial_budget": "2", "budget": "1.5", "executed": "1"})
    );
}

#[test]
fn amounts_print_in_the_departments_unit_and_json_is_exact() {
    let env = Env::new();
    env.ok(&["init", "--department", "某市应急管理局", "--year", "2024", "--unit", "元"]);
    env.ok(&["project", "add", "P01", "--name", "应急救援能力建设资金", "--section", "应急救援科"]);
    // A bare number is in the ledger's unit (元 here): 50万元 is written out.
    env.ok(&["budget", "set", "P01", "--amount", "50万元", "--reason", "年初批复"]);
    let echo = env.ok(&["spend", "P01", "--amount", "387,664.62元", "--date", "2024-06-30"]);
    assert_eq!(
        echo,
        "已记录 #4 ExpenditureRecorded（支出已记录）：支出 P01 38.766462万元（387,664.62元），2024-06-30\n"
    );
    let table = env.ok(&["table", "P01"]);
    assert!(table.contains("项目资金（元）："), "{table}");
    assert!(table.contains("| 年度资金总额       | 500,000.00 | 500,000.00 | 387,664.62 |"), "{table}");
    let json = env.json(&["report", "--format", "json"]);
    assert_eq!((json["unit"].as_str(), json["totals"]["executed"].as_str()), (Some("元"), Some("387664.62")));
    env.fails(&["unit", "set", "元", "--reason", "r"], 1, "金额显示单位没有变化");
    env.ok(&["unit", "set", "万元", "--reason", "财政局要求以万元报送"]);
    let json = env.json(&["report", "--format", "json"]);
    assert_eq!((json["unit"].as_str(), json["totals"]["executed"].as_str()), (Some("万元"), Some("38.766462")));
    let report = env.ok(&["report"]);
    assert!(report.contains("实际执行金额为38.77万元"), "two decimals in the text, exact in JSON");
    env.fails(&["init", "--department", "x", "--year", "2024", "--unit", "千元"], 1, "--unit：「千元」不是金额单位");
}

#[test]
fn diff_on_the_business_axis_and_no_change_refusals() {
    let env = Env::with_project();
    env.ok(&["spend", "P01", "--amount", "1", "--date", "2024-03-01"]);
    let autumn = env.ok(&["spend", "P01", "--amount", "2", "--date", "2024-10-01"]);
    let seq: u64 = autumn.split('#').nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
    let diff = env.ok(&["diff", "--effective", "2024-09-01", "2024-12-31"]);
    assert!(diff.starts_with("按业务日期从 2024-09-01 到 2024-12-31 的变化：\n"), "{diff}");
    assert!(diff.contains(&format!("  P01  全年执行数：1.00万元 → 3.00万元  （事件 #{seq}）")), "{diff}");
    env.fails(&["diff", "--effective", "3", "5"], 1, "FROM：「3」是事件序号");
    env.ok(&["goal", "P01", "--expected", "提升救援能力"]);
    env.fails(&["goal", "P01", "--expected", "提升救援能力"], 1, "年度总体目标没有变化");
    env.ok(&["narrative", "set", "6.other", "--text", "无。"]);
    env.fails(&["narrative", "set", "6.other", "--text", "无。"], 1, "说明文字没有变化");
}

#[test]
fn review_findings_stay_fixed() {
    let env = Env::with_project();
    // A fund source cannot go below zero on its own.
    env.fails(
        &["budget", "adjust", "P01", "--delta", "-2", "--source", "上年结转", "--reason", "调减"],
        1,
        "调整后上年结转的全年预算数为负（当前0.00万元）",
    );
    // A resend under the same id with another --at is another command.
    let args =
        ["budget", "adjust", "P01", "--delta", "1", "--reason", "追加", "--at", "2024-05-01", "--command-id", "adj-1"];
    env.ok(&args);
    let mut other = args.to_vec();
    other[8] = "2024-06-01";
    env.fails(&other, 1, "命令编号「adj-1」已用于事件#4");
    // A business-date view judges rectification deadlines on that date.
    env.ok(&["problem", "add", "P01", "Q1", "--text", "跟踪不及时", "--at", "2024-11-01"]);
    env.ok(&[
        "rectify",
        "plan",
        "Q1",
        "--measure",
        "周报",
        "--owner",
        "科室",
        "--due",
        "2024-12-31",
        "--at",
        "2024-11-02",
    ]);
    let now = env.json(&["problem", "list", "--json"]);
    assert_eq!(now["problems"][0]["status"], "overdue", "on 2025-03-01 the due date has passed");
    let then = env.json(&["problem", "list", "--json", "--effective", "2024-12-01"]);
    assert_eq!(then["problems"][0]["status"], "planned", "on 2024-12-01 it had not");
}
