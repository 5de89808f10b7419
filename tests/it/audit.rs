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
