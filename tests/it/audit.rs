//! Issue 27, "An auditor records any published 自评表 exactly as printed":
//! each form a published table takes, recorded as printed, and each
//! disagreement with the rules a finding.

use crate::Env;

/// Item 1: printed figures beside computed ones. A published table's 总分,
/// 执行率, 预算执行率得分 and 等级 are recorded as printed, never replace a
/// computed figure, and each one that differs is a T1 finding naming both.
#[test]
fn printed_figures_stand_beside_the_computed_ones_and_each_difference_is_a_finding() {
    let env = Env::with_project();
    env.ok(&["spend", "P01", "--amount", "5.8686", "--date", "2024-06-30"]);
    env.indicator("I1", "产出指标", "培训人次", "≥100人次", "90");
    env.ok(&["indicator", "actual", "P01", "I1", "--value", "120人次"]);
    // Without a reason, or with nothing printed: refused, nothing written.
    env.fails(&["printed", "P01", "--total", "100"], 1, "--reason");
    env.fails(&["printed", "P01", "--reason", "r"], 1, "至少一项");
    // Bad input: a grade that is not one of the four, a score above its
    // points, a rate typed as a fraction.
    env.fails(&["printed", "P01", "--grade", "甲", "--reason", "r"], 1, "「甲」不是自评等级；可接受：优、良、中、差");
    env.fails(&["printed", "P01", "--budget-score", "11", "--reason", "r"], 1, "原表预算执行率得分 11 高于其分值 10");
    env.fails(&["printed", "P01", "--execution-rate", "0.978", "--reason", "r"], 1, "是否为97.8%？");
    env.ok(&[
        "printed",
        "P01",
        "--total",
        "99",
        "--execution-rate",
        "97.80%",
        "--budget-score",
        "9",
        "--grade",
        "优",
        "--reason",
        "据印发的自评表",
    ]);
    // Printed figures never replace computed ones.
    let table = env.json(&["table", "P01", "--format", "json"]);
    assert_eq!(table["total_score"], "99.78");
    assert_eq!(table["execution_rate"], "97.81");
    assert_eq!(
        table["printed"],
        serde_json::json!({"total": "99", "execution_rate": "97.80", "budget_score": "9", "grade": "优", "events": "7"}),
        "{}",
        table["printed"]
    );
    let check = env.act(&["check"]).stdout();
    for finding in [
        "项目P01原表总分99，按规则计算为99.78",
        "项目P01原表执行率97.80%，按规则计算为97.81%",
        "项目P01原表预算执行率得分9，按规则计算为9.78",
    ] {
        assert!(check.contains(finding), "{finding}\n{check}");
    }
    assert!(!check.contains("原表等级"), "优 is what 99.78 gives: {check}");
    // The 自评表 carries them beside the computed ones.
    let form = env.ok(&["table", "P01"]);
    assert!(form.contains("（原表99）") && form.contains("（原表97.80%）") && form.contains("（原表9）"), "{form}");
    // A correction replaces what it gives; the same again changes nothing.
    env.ok(&["printed", "P01", "--total", "99.78", "--reason", "更正抄录错误"]);
    env.fails(&["printed", "P01", "--total", "99.78", "--reason", "r"], 1, "没有变化");
    let history = env.run(&["history", "--project", "P01", "--type", "PrintedFiguresRecorded"]).stdout();
    assert!(history.contains("原表（印发的自评表）：总分 99 → 99.78"), "{history}");
    assert!(!env.act(&["check"]).stdout().contains("原表总分"));
    // A 99.00 after 99 corrects a transcription; on a budget row marked not
    // applicable there is no score to print.
    env.ok(&["printed", "P01", "--total", "99.780", "--reason", "按原表小数位"]);
    // The workbook selfeval writes prints them beside the computed figures,
    // and imports back with them.
    let file = env.dir.path().join("P01.xlsx");
    assert_eq!(env.run(&["table", "P01", "--output", file.to_str().unwrap()]).code(), 0);
    let fresh = Env::new();
    fresh.ok(&["init", "--department", "某市应急管理局", "--year", "2024"]);
    let run = fresh.act(&["import-table", file.to_str().unwrap(), "--project", "P01"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let printed = &fresh.json(&["table", "P01", "--format", "json"])["printed"];
    assert_eq!((printed["budget_score"].as_str(), printed["grade"].as_str()), (Some("9"), Some("优")), "{printed}");
    assert_eq!(printed["total"].as_str().map(|t| t.parse::<f64>().unwrap()), Some(99.78), "{printed}");
    env.ok(&["indicator", "na", "P01", "budget", "--reason", "无预算"]);
    env.fails(
        &["printed", "P01", "--budget-score", "10", "--reason", "r"],
        1,
        "预算执行率已标记为不适用，没有得分可印",
    );
}

/// Item 6: an actual that copies its target (`≥80%`, as published tables
/// print for 满意度 rows) was refused; it is read as the boundary, printed
/// as typed, and I19 names it.
#[test]
fn an_actual_that_copies_its_target_is_read_as_its_boundary_and_named() {
    let env = Env::with_project();
    env.indicator("I1", "满意度指标", "服务对象满意度", "≥80%", "10");
    let said = env.ok(&["indicator", "actual", "P01", "I1", "--value", "≧80%"]);
    assert!(said.contains("指标 P01 I1 实际完成值 ≧80%（读作 80）"), "{said}");
    let table = env.json(&["table", "P01", "--format", "json"]);
    assert_eq!(
        (table["indicators"][0]["actual"].as_str(), table["indicators"][0]["score"].as_str()),
        (Some("≧80%"), Some("10.00"))
    );
    let check = env.act(&["check"]).stdout();
    assert!(check.contains("项目P01的指标I1「服务对象满意度」实际完成值「≧80%」照抄年度指标值，按80%计分"), "{check}");
    // Another unit is refused as any actual in another unit, another
    // operator as the opposite of meeting the target: nothing written.
    env.fails(&["indicator", "actual", "P01", "I1", "--value", "≥80人", "--reason", "r"], 1, "单位");
    env.fails(
        &["indicator", "actual", "P01", "I1", "--value", "<80%", "--reason", "r"],
        1,
        "「<80%」的比较符与年度指标值的「≥」不同",
    );
    // A qualitative row is scored by its level: no I19 there.
    env.indicator("I2", "效益指标", "社会效益", "效果明显", "30");
    env.ok(&["indicator", "actual", "P01", "I2", "--value", "≥95%", "--level", "达成"]);
    let check = env.act(&["check"]).stdout();
    assert!(!check.contains("指标I2「社会效益」实际完成值「≥95%」照抄"), "{check}");
}

/// Item 2: a published table prints a score on a row it leaves blank;
/// `score adjust` refused it (「尚无实际完成值」). It stands, I20 names it,
/// and the report counts the row 未填 with its score beside it, never 达成.
#[test]
fn a_printed_score_without_a_printed_actual_stands_and_the_row_counts_as_unfilled() {
    let env = Env::with_project();
    env.indicator("I1", "产出指标", "培训覆盖率", "≥90%", "90");
    env.ok(&["score", "adjust", "P01", "I1", "--score", "90", "--reason", "据印发的自评表"]);
    let table = env.json(&["table", "P01", "--format", "json"]);
    assert_eq!(
        (table["indicators"][0]["actual"].as_str(), table["indicators"][0]["score"].as_str()),
        (None, Some("90.00"))
    );
    let check = env.act(&["check"]).stdout();
    assert!(check.contains("项目P01的指标I1「培训覆盖率」没有实际完成值，却有人工调整的得分90（事件"), "{check}");
    assert!(!check.contains("尚无实际完成值（按0分计）"), "{check}");
    let report = env.ok(&["report"]);
    assert!(report.contains("达成0个，未完成0个，未填实际完成值1个"), "{report}");
    assert!(
        report.contains("未填实际完成值的指标（无人工得分的按0分计）：P01 I1 培训覆盖率（人工得分90.00）。"),
        "{report}"
    );
}

/// Item 5: a form that prints weights as percentages of 100 (`20%`) is
/// recorded as printed, read as that many points; a project's weights are
/// all typed one way.
#[test]
fn weights_printed_as_percentages_are_read_as_points_one_way_per_project() {
    let env = Env::with_project();
    env.indicator("I1", "产出指标", "培训人次", "≥100人次", "50%");
    let table = env.json(&["table", "P01", "--format", "json"]);
    assert_eq!(table["indicators"][0]["weight"], "50");
    let refused = env.fails(
        &[
            "indicator",
            "add",
            "P01",
            "I2",
            "--level1",
            "产出指标",
            "--level2",
            "质量指标",
            "--name",
            "合格率",
            "--target",
            "≥95%",
            "--weight",
            "40",
        ],
        1,
        "--weight",
    );
    assert!(
        refused.stderr().contains(
            "项目P01其他指标的分值以百分数填写（如 I1 的 50%），同一项目的分值须同一写法；可接受：百分数，如 20%"
        ),
        "{}",
        refused.stderr()
    );
    env.fails(
        &["indicator", "amend", "P01", "I1", "--weight", "40", "--reason", "r"],
        1,
        "项目P01的指标分值以百分数（如 20%）填写，「40」不是这样写的",
    );
    env.ok(&["indicator", "amend", "P01", "I1", "--weight", "40%", "--reason", "按批复更正"]);
    assert_eq!(env.json(&["table", "P01", "--format", "json"])["indicators"][0]["weight"], "40");
}

/// The arguments of `indicator add P01 CODE` for a row of 二级 `level2`.
fn add<'a>(code: &'a str, level1: &'a str, level2: &'a str, name: &'a str) -> Vec<&'a str> {
    vec!["indicator", "add", "P01", code, "--level1", level1, "--level2", level2, "--name", name]
}

/// Item 3: blank cells. A blank target or actual (`""`, 未填) is recorded
/// blank, never as 0 or an invented level: printed blank, counted 未填,
/// named by I21; a score printed on such a row stands beside it.
#[test]
fn blank_cells_are_recorded_blank_printed_blank_and_named() {
    let env = Env::with_project();
    env.ok(&[add("I1", "产出指标", "数量指标", "培训人次"), vec!["--target", "", "--weight", "50"]].concat());
    env.ok(
        &[add("I2", "效益指标", "社会效益指标", "群众知晓度"), vec!["--target", "效果明显", "--weight", "40"]].concat()
    );
    let said = env.ok(&["indicator", "actual", "P01", "I1", "--value", "120人次"]);
    assert!(said.contains("已记录"), "{said}");
    env.ok(&["indicator", "actual", "P01", "I2", "--value", "未填"]);
    // A blank cell has no level and no score: refused, nothing written.
    env.fails(
        &["indicator", "actual", "P01", "I2", "--value", "", "--level", "达成", "--reason", "r"],
        1,
        "--level：空的实际完成值不计等级或得分",
    );
    env.ok(&["score", "adjust", "P01", "I2", "--score", "40", "--reason", "据印发的自评表"]);
    let table = env.json(&["table", "P01", "--format", "json"]);
    let rows = &table["indicators"];
    assert_eq!((rows[0]["target"].as_str(), rows[0]["actual"].as_str()), (Some(""), Some("120人次")));
    assert_eq!((rows[0]["score"].as_str(), rows[0]["auto_score"].as_str()), (Some("0.00"), None));
    assert_eq!((rows[1]["actual"].as_str(), rows[1]["score"].as_str()), (Some(""), Some("40.00")));
    let form = env.ok(&["table", "P01"]);
    assert!(
        form.contains("| 产出指标 | 数量指标     | 培训人次   |            | 120人次    | 50   | 0.00  |"),
        "{form}"
    );
    assert!(
        form.contains("| 效益指标 | 社会效益指标 | 群众知晓度 | 效果明显   |            | 40   | 40.00 |"),
        "{form}"
    );
    let check = env.act(&["check"]).stdout();
    for finding in [
        "项目P01的指标I1「培训人次」年度指标值为空（如原表所印），无法按规则计算得分，按0分计；请补充年度指标值",
        "项目P01的指标I2「群众知晓度」实际完成值为空（如原表所印），得分为人工调整的40（事件",
    ] {
        assert!(check.contains(finding), "{finding}\n{check}");
    }
    assert!(!check.contains("尚无实际完成值"), "{check}");
    let report = env.ok(&["report"]);
    assert!(report.contains("共2个绩效指标：达成0个，未完成0个，未填实际完成值2个"), "{report}");
    let history = env.ok(&["history", "--project", "P01"]);
    assert!(history.contains("指标 I2 实际完成值 — → （空）"), "{history}");
    // A blank actual on a quantitative row is no measured 0: no deviation.
    env.indicator("I3", "产出指标", "培训场次", "≥10场", "10");
    env.ok(&["indicator", "actual", "P01", "I3", "--value", ""]);
    let rows = env.json(&["table", "P01", "--format", "json"])["indicators"].clone();
    assert_eq!((rows[2]["deviation"].as_str(), rows[2]["completion"].as_str()), (None, None));
    assert!(!env.act(&["check"]).stdout().contains("指标I3「培训场次」未完成目标"));
    assert!(history.contains("年度指标值 （空）"), "{history}");
    // A blank actual is not a filled one: the project cannot be submitted.
    env.fails(&["submit", "P01"], 1, "项目P01的指标I2、I3尚无实际完成值，自评表不完整");
}

/// Item 4: a not-applicable row as printed (`--target / --weight /`, or
/// `--na`) has no weight: printed 「/」, in no weight sum (I7, I18) and no
/// total, and takes no actual. Bad input stays refused.
#[test]
fn not_applicable_rows_as_printed_have_no_weight_and_count_in_no_sum() {
    let env = Env::with_project();
    env.ok(&["spend", "P01", "--amount", "6", "--date", "2024-06-30"]);
    env.indicator("I1", "产出指标", "培训人次", "≥100人次", "50");
    env.ok(
        &[add("I2", "效益指标", "社会效益指标", "群众知晓度"), vec!["--target", "效果明显", "--weight", "30"]].concat()
    );
    env.ok(&[add("I3", "效益指标", "经济效益指标", "经济效益"), vec!["--target", "/", "--weight", "/"]].concat());
    env.ok(&[add("I4", "满意度指标", "服务对象满意度指标", "群众满意度"), vec!["--na"]].concat());
    env.ok(&["indicator", "actual", "P01", "I1", "--value", "120人次"]);
    env.ok(&["indicator", "actual", "P01", "I2", "--value", "达成"]);
    // Bad input: 「/」 as a target with points, an actual on such a row, a
    // weight amended onto it, making it applicable: refused, nothing written.
    env.fails(
        &[add("I5", "效益指标", "社会效益指标", "x"), vec!["--target", "/", "--weight", "10", "--reason", "r"]]
            .concat(),
        1,
        "年度指标值为「/」（不适用）的指标，分值也须为「/」",
    );
    env.fails(&["indicator", "actual", "P01", "I3", "--value", "5", "--reason", "r"], 1, "指标I3已标记为不适用");
    env.fails(
        &["indicator", "amend", "P01", "I3", "--weight", "10", "--reason", "r"],
        1,
        "指标I3的分值「/」（不适用）只在设定指标时给出，不能更正",
    );
    env.fails(&["indicator", "na", "P01", "I4", "--undo", "--reason", "r"], 1, "没有分值，不能恢复为适用");
    // 「/」 as the weight of an indicator that has an actual: refused.
    env.fails(
        &["indicator", "amend", "P01", "I1", "--weight", "/", "--reason", "r"],
        1,
        "指标I1的分值「/」（不适用）只在设定指标时给出，不能更正",
    );
    // 10 + 50 + 30 = 90 points: I7 names 90, with no rescaling by the 「/」 rows.
    let table = env.json(&["table", "P01", "--format", "json"]);
    assert_eq!(table["total_score"], "90.00");
    let weights: Vec<&str> =
        table["indicators"].as_array().unwrap().iter().map(|r| r["weight"].as_str().unwrap()).collect();
    assert_eq!(weights, ["50", "30", "/", "/"]);
    assert_eq!(table["indicators"][2]["score"], serde_json::Value::Null);
    let check = env.act(&["check"]).stdout();
    assert!(check.contains("项目P01预算执行率分值与各指标分值合计为90，应为100"), "{check}");
    assert!(!check.contains("尚无实际完成值"), "{check}");
    let form = env.ok(&["table", "P01"]);
    assert!(
        form.contains("| 效益指标   | 经济效益指标       | 经济效益   | /          | /          | /    | /     |"),
        "{form}"
    );
    assert!(
        form.contains("| 总分       |                    |            |            |            | 90   | 90.00 |"),
        "{form}"
    );
    // Every applicable row filled: the project can be submitted.
    env.ok(&["submit", "P01"]);
}

/// Item 7: a 时效指标 whose target is a date or a month is a deadline: a
/// completion on or before it achieves it, a later one scores as a ceiling
/// on the days elapsed since 1 January (`docs/spec/scoring.md`).
#[test]
fn deadlines_are_targets_met_on_or_before_the_date() {
    let env = Env::with_project();
    for (code, target) in [("I1", "2024年12月"), ("I2", "≤2024年6月"), ("I3", "2024-03-31前")] {
        env.ok(&[add(code, "产出指标", "时效指标", code), vec!["--target", target, "--weight", "30"]].concat());
    }
    env.ok(&["indicator", "actual", "P01", "I1", "--value", "2024年11月"]);
    env.ok(&["indicator", "actual", "P01", "I2", "--value", "按时完成"]);
    // 2024 is a leap year: 91 days planned to 31 March, 122 to 1 May.
    env.ok(&["indicator", "actual", "P01", "I3", "--value", "2024-05-01"]);
    // A level, a score or no date: refused, nothing written.
    env.fails(&["indicator", "actual", "P01", "I1", "--value", "很快", "--reason", "r"], 1, "「很快」不是日期或月份");
    env.fails(
        &["indicator", "actual", "P01", "I1", "--value", "2024年10月", "--level", "达成", "--reason", "r"],
        1,
        "完成时限指标按完成日期计分，不计等级或得分",
    );
    env.fails(
        &[add("I4", "产出指标", "时效指标", "x"), vec!["--target", "≥2024年12月", "--weight", "1", "--reason", "r"]]
            .concat(),
        1,
        "是完成时限，时限只能以 ≤ 或 < 比较",
    );
    let table = env.json(&["table", "P01", "--format", "json"]);
    let scores: Vec<&str> =
        table["indicators"].as_array().unwrap().iter().map(|r| r["score"].as_str().unwrap()).collect();
    // 30 × 91 ÷ 122 = 22.377… → 22.38.
    assert_eq!(scores, ["30.00", "30.00", "22.38"]);
    assert_eq!(table["indicators"][2]["deviation"], "under");
    assert_eq!(table["indicators"][1]["target"], "≤2024年6月");
    // 「已完成」 names no date: refused, or kept as printed with a T2 and no score.
    env.ok(
        &[add("I4", "产出指标", "时效指标", "验收时间"), vec!["--target", "2024年12月底前", "--weight", "10"]].concat()
    );
    env.fails(
        &["indicator", "actual", "P01", "I4", "--value", "已完成", "--reason", "r"],
        1,
        "「已完成」不是日期或月份",
    );
    env.ok(&["indicator", "actual", "P01", "I4", "--value", "已完成", "--as-printed", "--reason", "据印发的自评表"]);
    let row = env.json(&["table", "P01", "--format", "json"])["indicators"][3].clone();
    assert_eq!(
        (row["actual"].as_str(), row["score"].as_str(), row["deviation"].as_str()),
        (Some("已完成"), Some("0.00"), Some("under"))
    );
    let check = env.act(&["check"]).stdout();
    assert!(
        check.contains("指标I4「验收时间」的年度指标值是完成时限2024年12月底前，实际完成值「已完成」却不是完成日期"),
        "{check}"
    );
    // A number with a dot is no month.
    env.ok(&[&add("I5", "产出指标", "数量指标", "亩数")[..], &["--target", "2023.5", "--weight", "1"]].concat());
    assert_eq!(env.json(&["table", "P01", "--format", "json"])["indicators"][4]["target"], "=2023.5");
}

/// Item 8: a table with a blank 年初预算数 and a printed 全年预算数 records
/// the second as an adjustment and leaves the first blank, never 0: on the
/// command line and through `import-table`.
#[test]
fn a_blank_initial_budget_stays_blank() {
    let env = Env::new();
    env.ok(&["init", "--department", "某市应急管理局", "--year", "2024"]);
    env.ok(&["project", "add", "P01", "--name", "应急救援能力建设资金"]);
    env.ok(&["budget", "adjust", "P01", "--delta", "6", "--reason", "原表年初预算数空白，全年预算数6万元"]);
    let table = env.json(&["table", "P01", "--format", "json"]);
    assert_eq!((table["initial_budget"].as_str(), table["budget"].as_str()), (None, Some("6")));
    let form = env.ok(&["table", "P01"]);
    assert!(form.contains("| 年度资金总额       |            | 6.00       |"), "{form}");
    let rows = [
        "项目名称,,培训补助资金,,,,,",
        "主管部门,,某市应急管理局,,实施单位,应急救援科,,",
        "项目资金（万元）,,年初预算数,全年预算数,全年执行数,分值,执行率,得分",
        ",年度资金总额,,8,6,10,75%,7.5",
        "一级指标,二级指标,三级指标,年度指标值,实际完成值,分值,得分,偏差原因分析及改进措施",
        "产出指标,数量指标,培训人次,≥100人次,120人次,90,90,",
        "总分,,,,,100,97.5,优",
    ];
    let file = env.dir.path().join("空白年初.csv");
    std::fs::write(&file, rows.join("\n")).unwrap();
    env.ok(&["import-table", file.to_str().unwrap(), "--project", "P02"]);
    let report = env.json(&["report", "--format", "json"]);
    let p02 = report["projects"].as_array().unwrap().iter().find(|p| p["code"] == "P02").unwrap();
    assert_eq!((p02["initial_budget"].as_str(), p02["budget"].as_str()), (None, Some("8")));
    let set = env.ok(&["history", "--project", "P02", "--type", "BudgetSet"]);
    assert_eq!(set.trim(), "（没有符合条件的事件）", "no 年初预算数 is set");
    let adjusted = env.ok(&["--json", "history", "--project", "P02", "--type", "BudgetAdjusted"]);
    assert!(adjusted.ends_with("{\"data\":{\"events\":1},\"type\":\"summary\"}\n"), "{adjusted}");
    // Blank 其中 rows under a blank total: each source's 全年预算数 as printed.
    let with_sources = [
        "项目名称,,其中空白,,,,,",
        "项目资金（万元）,,年初预算数,全年预算数,全年执行数,分值,执行率,得分",
        ",年度资金总额,,10,8,10,80%,8",
        ",其中：本年财政拨款,,6,5,,,",
        ",上年结转资金,,4,3,,,",
        "一级指标,二级指标,三级指标,年度指标值,实际完成值,分值,得分,偏差原因分析及改进措施",
        "产出指标,数量指标,培训人次,≥100人次,120人次,90,90,",
    ];
    std::fs::write(&file, with_sources.join("\n")).unwrap();
    env.ok(&["import-table", file.to_str().unwrap(), "--project", "P03"]);
    let p03 = env.json(&["table", "P03", "--format", "json"]);
    assert_eq!((p03["initial_budget"].as_str(), p03["budget"].as_str()), (None, Some("10")));
    let sources: Vec<_> = p03["funds"].as_array().unwrap().iter().map(|f| f["budget"].as_str().unwrap()).collect();
    assert_eq!(sources, ["6", "4", "0"]);
    // A blank 年初预算数 cannot join one already recorded: refused, nothing written.
    env.ok(&["project", "add", "P04", "--name", "已有预算的项目"]);
    env.ok(&["budget", "set", "P04", "--amount", "8", "--reason", "年初批复"]);
    std::fs::write(&file, rows.join("\n").replace("培训补助资金", "已有预算的项目")).unwrap();
    env.fails(
        &["import-table", file.to_str().unwrap(), "--project", "P04"],
        1,
        "表中年初预算数为空，而项目P04已记录年初预算数 8 万元",
    );
}

/// `--as-printed`: what issue 25 made the clerk's path refuse, recorded
/// exactly as a published table printed it, each with a T2 finding naming
/// what was refused; `verify` passes the command, `export`/`import` too.
#[test]
fn as_printed_records_what_the_clerks_path_refuses_and_names_it() {
    let env = Env::with_project();
    // Thousands separators without a unit: refused, then recorded as printed.
    env.fails(
        &["spend", "P01", "--amount", "1,234.5", "--date", "2024-06-30", "--reason", "r"],
        1,
        "是否为1,234.5元？",
    );
    let said = env.ok(&[
        "spend",
        "P01",
        "--amount",
        "1,234.5",
        "--date",
        "2024-06-30",
        "--as-printed",
        "--confirm-large",
        "--reason",
        "据印发的自评表",
    ]);
    assert!(said.contains("支出 P01 1234.5万元"), "{said}");
    assert!(said.contains("按原表照录，记检查 T2：金额「1,234.5」带千位分隔符却没有单位"), "{said}");
    // A rate's target as a bare fraction: refused, then recorded as printed.
    let fraction =
        [add("I1", "满意度指标", "服务对象满意度指标", "群众满意度"), vec!["--target", "≥0.9", "--weight", "10"]]
            .concat();
    env.fails(&[fraction.clone(), vec!["--reason", "r"]].concat(), 1, "是否为≥90%？");
    env.ok(&[fraction, vec!["--as-printed", "--reason", "据印发的自评表"]].concat());
    env.ok(&["indicator", "actual", "P01", "I1", "--value", "0.95"]);
    let table = env.json(&["table", "P01", "--format", "json"]);
    assert_eq!(
        (table["indicators"][0]["target"].as_str(), table["indicators"][0]["score"].as_str()),
        (Some("≥0.9"), Some("10.00"))
    );
    let check = env.act(&["check"]).stdout();
    for finding in [
        "按原表照录（事件",
        "金额「1,234.5」带千位分隔符却没有单位（一般记录会拒绝，问是否为1,234.5元）；按原表照录为1234.5万元",
        "指标I1「群众满意度」的年度指标值「≥0.9」是不带单位的小数（一般记录会拒绝：",
    ] {
        assert!(check.contains(finding), "{finding}\n{check}");
    }
    // Separators out of place stay refused, as printed or not.
    env.fails(
        &["spend", "P01", "--amount", "12,34", "--date", "2024-06-30", "--as-printed", "--reason", "r"],
        1,
        "--amount",
    );
    // A new name that makes a fraction a rate's target: refused, or noted.
    env.ok(&[add("I2", "产出指标", "质量指标", "验收结果"), vec!["--target", "≥0.9", "--weight", "10"]].concat());
    env.fails(&["indicator", "amend", "P01", "I2", "--name", "验收合格率", "--reason", "r"], 1, "是否为≥90%？");
    env.ok(&["indicator", "amend", "P01", "I2", "--name", "验收合格率", "--as-printed", "--reason", "据印发的自评表"]);
    let check = env.act(&["check"]).stdout();
    assert!(check.contains("指标I2「验收合格率」的年度指标值「≥0.9」是不带单位的小数"), "{check}");
    // Other points for it need no flag: what stands is not judged again.
    env.ok(&["indicator", "amend", "P01", "I2", "--weight", "20", "--reason", "按批复更正"]);
    let verify = env.ok(&["verify"]);
    assert!(verify.contains("哈希链完整"), "{verify}");
    // The same log imports into a fresh store: the judge accepts the pair.
    let exported = env.dir.path().join("log.jsonl");
    env.ok(&["export", exported.to_str().unwrap()]);
    let fresh = Env::new();
    fresh.ok(&["import", exported.to_str().unwrap()]);
    assert!(fresh.act(&["check"]).stdout().contains("按原表照录为1234.5万元"));
}

/// `import-table --as-printed`: 其中 rows that do not add up to the total
/// are refused as before, or recorded as printed with a T2 finding.
#[test]
fn import_table_as_printed_records_unbalanced_fund_rows() {
    let env = Env::new();
    env.ok(&["init", "--department", "某市应急管理局", "--year", "2024"]);
    let rows = [
        "项目名称,,培训补助资金,,,,,",
        "主管部门,,某市应急管理局,,实施单位,应急救援科,,",
        "项目资金（万元）,,年初预算数,全年预算数,全年执行数,分值,执行率,得分",
        ",年度资金总额,10,10,8,10,80%,8",
        ",其中：本年财政拨款,6,6,5,,,",
        ",上年结转资金,3,3,3,,,",
        "一级指标,二级指标,三级指标,年度指标值,实际完成值,分值,得分,偏差原因分析及改进措施",
        "产出指标,数量指标,培训人次,≥100人次,120人次,90,90,",
        "总分,,,,,100,98,优",
    ];
    let file = env.dir.path().join("其中.csv");
    std::fs::write(&file, rows.join("\n")).unwrap();
    let refused = env.fails(&["import-table", file.to_str().unwrap(), "--project", "P01"], 1, "不等于其中各项");
    assert!(refused.stderr().contains("（原表如此时可用 --as-printed 照录）"), "{}", refused.stderr());
    env.ok(&["import-table", file.to_str().unwrap(), "--project", "P01", "--as-printed"]);
    let table = env.json(&["table", "P01", "--format", "json"]);
    assert_eq!((table["budget"].as_str(), table["executed"].as_str()), (Some("9"), Some("8")));
    let check = env.act(&["check"]).stdout();
    assert!(
        check.contains("原表其中!C4：年度资金总额的年初预算数 10 万元不等于其中各项（其中!C5、其中!C6）之和 9 万元（一般导入会拒绝）；按其中各项照录"),
        "{check}"
    );
    assert!(
        check.contains("原表其中!D4：年度资金总额的全年预算数 10 万元不等于其中各项（其中!D5、其中!D6）之和 9 万元"),
        "{check}"
    );
    assert!(env.ok(&["verify"]).contains("哈希链完整"));
    // A 满意度 row printed 未填 with a printed score imports: blank, the score kept.
    let unfilled = [
        "项目名称,,未填的行,,,,,",
        "项目资金（万元）,,年初预算数,全年预算数,全年执行数,分值,执行率,得分",
        ",年度资金总额,10,10,10,10,100%,10",
        "一级指标,二级指标,三级指标,年度指标值,实际完成值,分值,得分,偏差原因分析及改进措施",
        "产出指标,数量指标,培训人次,≥100人次,120人次,50,50,",
        "效益指标,社会效益指标,群众知晓度,效果明显,未填,40,40,",
    ];
    std::fs::write(&file, unfilled.join("\n")).unwrap();
    env.ok(&["import-table", file.to_str().unwrap(), "--project", "P02"]);
    let row = env.json(&["table", "P02", "--format", "json"])["indicators"][1].clone();
    assert_eq!((row["actual"].as_str(), row["score"].as_str()), (Some(""), Some("40.00")), "{row}");
}

/// Item 9: `demo --audit` records one published-style table with every
/// form above, as printed, and prints its 自评表 and its findings; again,
/// it writes nothing; a store holding anything else is refused.
#[test]
fn demo_audit_records_a_published_table_with_every_form_and_prints_its_findings() {
    let env = Env::new();
    let run = env.run(&["demo", "--audit"]);
    assert_eq!(run.code(), 0, "{}", run.explain());
    assert!(run.stderr().contains("按原表照录一张印发的自评表（25 个事件）"), "{}", run.stderr());
    let out = run.stdout();
    for expected in [
        "| 年度资金总额       |            | 5,000,000.00 | 4,890,000.00 |",
        "| 产出指标   | 时效指标           | 项目完成时间       | ≤2023年12月 | 2024年1月  | 10   | 9.22              |",
        "| 效益指标   | 经济效益指标       | 经济效益           | /           | /          | /    | /                 |",
        "| 总分       |                    |                    |             |            | 110  | 109.00（原表100） |",
        "项目P01预算执行率分值与各指标分值合计为110，应为100",
        "项目P01原表总分100，按规则计算为109.00",
        "实际完成值「≥90%」照抄年度指标值，按90%计分",
        "没有实际完成值，却有人工调整的得分10",
        "年度指标值为空（如原表所印）",
        "实际完成值为空（如原表所印）",
        "金额「4,890,000.00」带千位分隔符却没有单位",
        "的年度指标值「≥0.95」是不带单位的小数",
    ] {
        assert!(out.contains(expected), "{expected}\n{out}");
    }
    insta::assert_snapshot!("demo_audit", out);
    let again = env.run(&["demo", "--audit"]);
    assert!(again.stderr().contains("审计示范库已存在于"), "{}", again.stderr());
    assert_eq!(again.stdout(), out);
    // The demo's own store is not an audit demo: refused, nothing written.
    let other = Env::new();
    other.run(&["demo"]);
    other.fails(&["demo", "--audit"], 1, "已有数据且不是示范库");
}
