//! One test per rule of checks.md that makes it fire, and its near miss that
//! stays silent, on top of a clean department that has no finding at all.

use selfeval_core::Command;

use crate::*;

/// P01: budget 10, executed 9.5 (95%), indicators 产出 40 + 成本 10 (≤8万元),
/// 效益 30 (qualitative), 满意度 10; goal recorded; submitted and approved
/// by an approval of an older version, which locked nothing in open mode,
/// so that each test can change it and see its check fire.
fn clean() -> World {
    let mut w = World::initialised();
    w.ok(Command::AddProject {
        code: "P01".into(),
        name: "应急救援能力建设资金".into(),
        category: Some("应急救援".into()),
        section: Some("应急救援科".into()),
        budget_weight: None,
    });
    w.ok_why("年初批复", set_budget("P01", "10"));
    w.ok(spend("P01", "5"));
    w.ok(spend("P01", "4.5"));
    w.ok(Command::SetGoal {
        project: "P01".into(),
        expected: Some("提升救援能力".into()),
        actual: Some("救援能力明显提升".into()),
    });
    define(&mut w, "P01", ("I1", "产出指标", "数量指标", "救援装备配备数量", "≥10台", "40"));
    define(&mut w, "P01", ("I4", "产出指标", "成本指标", "装备采购成本", "≤8万元", "10"));
    define(&mut w, "P01", ("I2", "效益指标", "社会效益指标", "救援效率", "明显提高", "30"));
    define(&mut w, "P01", ("I3", "满意度指标", "服务对象满意度指标", "参训人员满意度", "≥90%", "10"));
    w.ok(actual("P01", "I1", "10台"));
    w.ok(actual("P01", "I4", "8"));
    w.ok(qualitative("P01", "I2", "达成"));
    w.ok(actual("P01", "I3", "95%"));
    for (section, text) in
        [("3.funds", "资金按规定用途使用。"), ("5.evaluation", "建议进一步细化绩效指标。"), ("6.other", "无。")]
    {
        w.ok(Command::SetNarrative { section: section.into(), text: text.into(), project: None });
    }
    w.ok(Command::Submit { project: "P01".into() });
    w.approve_as_before_the_lock("P01");
    w
}

/// (indicator code, 一级, 二级, name, target, weight).
type Spec<'a> = (&'a str, &'a str, &'a str, &'a str, &'a str, &'a str);

fn define(w: &mut World, code: &str, (icode, level1, level2, name, target, weight): Spec<'_>) {
    w.ok(Command::DefineIndicator {
        project: code.into(),
        indicator: icode.into(),
        level1: level1.into(),
        level2: level2.into(),
        name: name.into(),
        target: target.into(),
        weight: weight.into(),
    });
}

fn qualitative(code: &str, icode: &str, level: &str) -> Command {
    Command::RecordActual {
        project: code.into(),
        indicator: icode.into(),
        value: "成效明显".into(),
        level: Some(level.into()),
        score: None,
        deviation: None,
        measure: None,
    }
}

fn narrative(section: &str, project: Option<&str>, text: &str) -> Command {
    Command::SetNarrative { section: section.into(), text: text.into(), project: project.map(str::to_owned) }
}

fn rules(w: &World) -> Vec<&'static str> {
    w.findings().iter().map(|f| f.rule).collect()
}

fn fires(w: &World, rule: &str) {
    assert!(rules(w).contains(&rule), "{rule} should fire; findings: {:#?}", w.findings());
}

fn silent(w: &World, rule: &str) {
    assert!(!rules(w).contains(&rule), "{rule} should be silent; findings: {:#?}", w.findings());
}

/// A second project, P02, budget 5, with the given indicators (none recorded).
fn second_project(indicators: &[(&str, &str, &str, &str, &str)]) -> World {
    let mut w = clean();
    w.ok(Command::AddProject {
        code: "P02".into(),
        name: "灾害防治资金".into(),
        category: Some("灾害防治".into()),
        section: None,
        budget_weight: None,
    });
    w.ok_why("批复", set_budget("P02", "5"));
    for (icode, level1, level2, target, weight) in indicators {
        define(&mut w, "P02", (icode, level1, level2, &format!("指标{icode}"), target, weight));
    }
    w
}

#[test]
fn the_clean_department_has_no_finding() {
    let mut w = clean();
    // Open mode (no roster) is the one thing left to say.
    let rules: Vec<_> = w.findings().into_iter().map(|f| f.rule).collect();
    assert_eq!(rules, ["G1"]);
    w.ok_why("建立人员名册", crate::roles::add_member("张三@应急救援科", "office", None));
    assert_eq!(w.findings(), vec![]);
}

#[test]
fn g1_no_roster() {
    let mut w = clean();
    fires(&w, "G1");
    let g1 = w.findings().into_iter().find(|f| f.rule == "G1").unwrap();
    assert!(g1.message.starts_with("无人员名册：本库处于开放模式"), "{}", g1.message);
    w.ok_why("建立人员名册", crate::roles::add_member("张三@应急救援科", "office", None));
    silent(&w, "G1");
}

#[test]
fn g2_changed_after_seal() {
    let mut w = clean();
    w.ok_why("年度自评完成", Command::Seal);
    silent(&w, "G2");
    w.ok_why("补记支出", Command::Unseal);
    silent(&w, "G2");
    let seqs = w.ok(spend("P01", "0.1"));
    fires(&w, "G2");
    let g2 = w.findings().into_iter().find(|f| f.rule == "G2").unwrap();
    assert_eq!(g2.events, seqs);
    assert!(g2.message.contains(&format!("封存后解除封存，又记录了变更（#{}）", seqs[0])), "{}", g2.message);
}

#[test]
fn f2_spending_on_a_zero_budget() {
    let mut w = clean();
    w.ok(add_project("P02"));
    w.ok_why("批复", set_budget("P02", "0"));
    silent(&w, "F2");
    w.ok(spend("P02", "1"));
    fires(&w, "F2");
}

#[test]
fn f3_spending_beyond_the_budget() {
    let mut w = clean();
    w.ok(spend("P01", "0.5"));
    silent(&w, "F3");
    w.ok(spend("P01", "0.01"));
    fires(&w, "F3");
    let f3: Vec<_> = w.findings().into_iter().filter(|f| f.rule == "F3").collect();
    assert_eq!(f3.len(), 2, "the project and the department both exceed: {f3:#?}");
}

#[test]
fn f7_low_execution_needs_an_explanation() {
    let mut w = clean();
    w.ok_why("记账错误", Command::ReverseExpenditure { seq: "5".into() });
    let exactly_ninety = w.ok(spend("P01", "4"))[0];
    silent(&w, "F7");
    w.ok_why("记账错误", Command::ReverseExpenditure { seq: exactly_ninety.to_string() });
    w.ok(spend("P01", "3.99"));
    fires(&w, "F7");
    w.ok(narrative("3.execution", Some("P01"), "部分设备采购延至次年"));
    silent(&w, "F7");
}

#[test]
fn f9_yuan_typed_as_wan_yuan() {
    let mut w = clean();
    w.ok_large(
        Some("其他资金"),
        Command::SetBudget { project: "P01".into(), amount: "99990".into(), source: Some("其他资金".into()) },
    );
    silent(&w, "F9");
    // Amounts like these are refused as typed unless confirmed
    // (--confirm-large, tests/it/silent.rs); F9 still finds one recorded on
    // purpose, or by a version before the bound.
    let large =
        Command::SetBudget { project: "P01".into(), amount: "215457.6".into(), source: Some("其他资金".into()) };
    w.ok_large(Some("其他资金"), large);
    fires(&w, "F9");
}

#[test]
fn f10_a_cost_ceiling_above_the_budget() {
    let mut w = clean();
    w.ok_why("调减", Command::AdjustBudget { project: "P01".into(), delta: "-2".into(), doc: None, source: None });
    silent(&w, "F10");
    w.ok_why("调减", Command::AdjustBudget { project: "P01".into(), delta: "-0.01".into(), doc: None, source: None });
    fires(&w, "F10");
}

#[test]
fn i7_points_must_total_one_hundred() {
    let full = second_project(&[
        ("I1", "产出指标", "数量指标", "≥1个", "50"),
        ("I2", "效益指标", "社会效益指标", "≥1个", "30"),
        ("I3", "满意度指标", "满意度指标", "≥90%", "10"),
    ]);
    silent(&full, "I7");
    let short = second_project(&[
        ("I1", "产出指标", "数量指标", "≥1个", "50"),
        ("I2", "效益指标", "社会效益指标", "≥1个", "30"),
        ("I3", "满意度指标", "满意度指标", "≥90%", "9"),
    ]);
    fires(&short, "I7");
}

#[test]
fn i8_every_level1_needs_an_indicator() {
    let w = second_project(&[
        ("I1", "产出指标", "数量指标", "≥1个", "60"),
        ("I2", "效益指标", "社会效益指标", "≥1个", "30"),
    ]);
    fires(&w, "I8");
    silent(&clean(), "I8");
}

#[test]
fn i9_a_cost_with_no_ceiling() {
    let w = second_project(&[("I1", "产出指标", "成本指标", "≥1万元", "50")]);
    fires(&w, "I9");
    silent(&second_project(&[("I1", "产出指标", "成本指标", "≤1万元", "50")]), "I9");
}

#[test]
fn i10_a_rate_above_one_hundred_percent() {
    fires(&second_project(&[("I1", "产出指标", "质量指标", "≥120%", "50")]), "I10");
    silent(&second_project(&[("I1", "产出指标", "质量指标", "≥100%", "50")]), "I10");
    let mut w = clean();
    w.ok(actual("P01", "I3", "101%"));
    fires(&w, "I10");
}

#[test]
fn i11_under_target_needs_a_reason_and_a_measure() {
    let mut w = clean();
    w.ok(explained("P01", "I1", "9台", Some("供货延迟"), None));
    fires(&w, "I11");
    w.ok(explained("P01", "I1", "9台", Some("供货延迟"), Some("加强督办")));
    silent(&w, "I11");
}

#[test]
fn i12_thirty_percent_over_needs_a_reason() {
    let mut w = clean();
    w.ok(actual("P01", "I1", "12.9台"));
    silent(&w, "I12");
    w.ok(actual("P01", "I1", "13台"));
    fires(&w, "I12");
    w.ok(explained("P01", "I1", "13台", Some("年中追加采购，目标设定偏低"), None));
    silent(&w, "I12");
}

#[test]
fn i13_a_reason_that_contradicts_the_numbers() {
    let mut w = clean();
    w.ok(explained("P01", "I1", "10台", Some("已按计划完成配备"), None));
    silent(&w, "I13");
    w.ok(explained("P01", "I1", "10台", Some("装备配备数量未完成"), None));
    fires(&w, "I13");
    let mut w = clean();
    w.ok(explained("P01", "I1", "8台", Some("未完成目标的30%以上，因供货延迟"), Some("督办")));
    fires(&w, "I13");
    w.ok(explained("P01", "I1", "7台", Some("未完成目标的30%以上，因供货延迟"), Some("督办")));
    silent(&w, "I13");
}

#[test]
fn i13_in_a_narrative_is_direction_aware_for_ceilings() {
    let mut w = clean();
    w.ok(actual("P01", "I4", "5"));
    w.ok(narrative("3.indicators", None, "装备采购成本控制良好，超额完成30%以上"));
    silent(&w, "I13");
    w.ok(actual("P01", "I4", "6"));
    fires(&w, "I13");
    w.ok(narrative("3.indicators", None, "装备采购成本控制良好，低于预算上限"));
    silent(&w, "I13");
}

#[test]
fn i16_an_indicator_with_no_actual() {
    fires(&second_project(&[("I1", "产出指标", "数量指标", "≥1个", "50")]), "I16");
    silent(&clean(), "I16");
}

#[test]
fn i17_a_score_changed_by_hand() {
    let mut w = clean();
    silent(&w, "I17");
    w.ok_why("复核", Command::AdjustScore { project: "P01".into(), item: "I1".into(), score: "39".into() });
    fires(&w, "I17");
}

#[test]
fn i18_a_split_that_differs_from_the_profile_needs_a_reason() {
    let indicators = [
        ("I1", "产出指标", "数量指标", "≥1个", "40"),
        ("I2", "效益指标", "社会效益指标", "≥1个", "40"),
        ("I3", "满意度指标", "满意度指标", "≥90%", "10"),
    ];
    fires(&second_project(&indicators), "I18");
    let mut w = clean();
    w.ok(Command::AddProject {
        code: "P02".into(),
        name: "x".into(),
        category: None,
        section: None,
        budget_weight: None,
    });
    for (icode, level1, level2, target, weight) in indicators {
        w.ok_why(
            "省厅批复的特殊分值",
            Command::DefineIndicator {
                project: "P02".into(),
                indicator: icode.into(),
                level1: level1.into(),
                level2: level2.into(),
                name: icode.into(),
                target: target.into(),
                weight: weight.into(),
            },
        );
    }
    silent(&w, "I18");
}

#[test]
fn p4_the_goal_needs_an_actual() {
    let w = second_project(&[("I1", "产出指标", "数量指标", "≥1个", "50")]);
    fires(&w, "P4");
    silent(&clean(), "P4");
    let mut repeated = clean();
    repeated.ok(Command::SetGoal { project: "P01".into(), expected: None, actual: Some("提升救援能力".into()) });
    silent(&repeated, "P4");
    repeated.ok(explained("P01", "I1", "9台", Some("供货延迟"), Some("督办")));
    fires(&repeated, "P4");
}

#[test]
fn r4_coverage_below_one_hundred_percent() {
    let mut w = clean();
    w.ok(add_project("P02"));
    silent(&w, "R4");
    w.ok_why("批复", set_budget("P02", "1"));
    fires(&w, "R4");
}

#[test]
fn r6_a_quoted_figure_that_differs_at_its_precision() {
    let mut w = clean();
    w.ok(narrative("1.execution", None, "2024年度预算总额为10.00万元，实际执行金额为9.50万元，预算执行率为95%。依据财预〔2020〕10号，于2024年12月31日前组织培训120人次。"));
    silent(&w, "R6");
    w.ok(narrative("3.execution", None, "应急救援能力建设资金预算执行率为95.1%"));
    fires(&w, "R6");
    w.ok(narrative("3.execution", None, "应急救援能力建设资金预算执行率为95.00%"));
    silent(&w, "R6");
    w.ok(narrative("3.scores", None, "各项目平均自评分数为99分"));
    fires(&w, "R6");
}

#[test]
fn r7_weak_results_need_a_problem() {
    let mut w = clean();
    w.ok(explained("P01", "I1", "9台", Some("供货延迟"), Some("督办")));
    fires(&w, "R7");
    w.ok(Command::IdentifyProblem {
        project: "P01".into(), problem: "Q1".into(), text: "供货跟踪不及时".into()
    });
    silent(&w, "R7");
}

#[test]
fn r8_and_r9_rectification_plans_and_deadlines() {
    let mut w = clean();
    w.ok(Command::IdentifyProblem { project: "P01".into(), problem: "Q1".into(), text: "跟踪不及时".into() });
    fires(&w, "R9");
    w.ok(Command::PlanRectification {
        problem: "Q1".into(),
        measure: "建立周报".into(),
        owner: "应急救援科".into(),
        due: "2025-06-30".into(),
    });
    silent(&w, "R9");
    silent(&w, "R8");
    w.ok(Command::PlanRectification {
        problem: "Q1".into(),
        measure: "建立周报".into(),
        owner: "应急救援科".into(),
        due: "2024-11-30".into(),
    });
    fires(&w, "R8");
    w.ok(Command::CompleteRectification { problem: "Q1".into(), evidence: "周报制度".into() });
    silent(&w, "R8");
}

#[test]
fn every_rule_of_checks_md_is_covered() {
    let source = include_str!("checks.rs");
    let spec = include_str!("../../../../docs/spec/checks.md");
    for rule in selfeval_core::check::RULES {
        let id = rule.id.to_lowercase();
        let covered = source.contains(&format!("fn {id}_")) || source.contains(&format!("_and_{id}_"));
        assert!(covered, "no test named for {}", rule.id);
        let row = format!("| {} | {} |", rule.id, rule.severity.as_str());
        assert!(spec.contains(&row), "docs/spec/checks.md has no row {row}");
    }
    // And the other way round: every rule of the spec is in the table.
    for line in spec.lines().filter(|l| l.starts_with("| ") && !l.starts_with("| id")) {
        let id = line.split('|').nth(1).unwrap_or_default().trim();
        if id.chars().next().is_some_and(|c| c.is_ascii_uppercase()) && id.len() <= 4 {
            assert!(selfeval_core::check::rule(id).is_some(), "{id} of docs/spec/checks.md is not in check::RULES");
        }
    }
}

#[test]
fn findings_of_one_indicator_keep_the_report_order() {
    let mut w = clean();
    // I1 (≥10台) falls short; its reason claims it was exceeded (I13) and it
    // has no measure (I11): the claim is listed first, as it always was.
    w.ok(explained("P01", "I1", "8台", Some("超额完成"), None));
    // P02's cost indicator with a floor instead of a ceiling (I9), whose
    // target is above the budget (F10): I9 first.
    w.ok(add_project("P02"));
    w.ok_why("年初批复", set_budget("P02", "10"));
    w.ok(Command::DefineIndicator {
        project: "P02".into(),
        indicator: "I5".into(),
        level1: "产出指标".into(),
        level2: "成本指标".into(),
        name: "设备购置成本".into(),
        target: "≥20万元".into(),
        weight: "5".into(),
    });
    let order: Vec<&str> =
        w.findings().iter().map(|f| f.rule).filter(|r| ["I13", "I11", "I9", "F10"].contains(r)).collect();
    assert_eq!(order, vec!["I13", "I11", "I9", "F10"]);
}

#[test]
fn d1_values_beyond_the_ceilings_are_left_out_and_reported() {
    use chrono::TimeZone;
    use selfeval_core::event::ExpenditureRecorded;
    use selfeval_core::{EventPayload, Meta, RecordedEvent};
    let mut w = clean();
    silent(&w, "D1");
    let before = w.report().projects[0].executed.value;
    // Two spendings an older version accepted: their sum overflows a decimal.
    let huge = rust_decimal::Decimal::from_str_exact("50000000000000000000000000000").unwrap();
    for seq in [1000, 1001] {
        let at = chrono::Utc.with_ymd_and_hms(2024, 12, 2, 0, 0, 0).unwrap();
        w.state.apply(&RecordedEvent {
            seq,
            meta: Meta { actor: "旧版本@科室".into(), reason: None, occurred_at: at, recorded_at: at },
            payload: EventPayload::ExpenditureRecorded(ExpenditureRecorded {
                project: "P01".into(),
                amount: huge,
                date: chrono::NaiveDate::from_ymd_opt(2024, 6, 30).unwrap(),
                voucher: None,
                memo: None,
                source: None,
            }),
        });
    }
    fires(&w, "D1");
    let d1: Vec<_> = w.findings().into_iter().filter(|f| f.rule == "D1").collect();
    assert_eq!(d1.len(), 2);
    assert_eq!(d1[0].events, vec![1000]);
    assert!(
        d1[0].message.starts_with("事件#1000的支出 50000000000000000000000000000万元超出可计算的范围"),
        "{}",
        d1[0].message
    );
    assert_eq!(w.report().projects[0].executed.value, before, "the figures leave them out");
}

#[test]
fn f9_ignores_a_spending_that_was_reversed() {
    let mut w = clean();
    let seqs = w.ok_large(None, spend("P01", "215457.6"));
    fires(&w, "F9");
    w.ok_why("误将元录为万元", Command::ReverseExpenditure { seq: seqs[0].to_string() });
    silent(&w, "F9");
}

#[test]
fn r6_a_score_right_after_an_execution_rate_is_that_rates_score() {
    let mut w = clean();
    // Budget 10, executed 9.5: the execution score is 9.50 of 10.
    let narrative = |text: &str| Command::SetNarrative {
        section: "3.execution".into(),
        text: text.into(),
        project: Some("P01".into()),
    };
    w.ok(narrative("预算执行率为95%，得分9.5分"));
    silent(&w, "R6");
    w.ok(narrative("预算执行率为95%，得分9分"));
    fires(&w, "R6");
    let r6 = w.findings().into_iter().find(|f| f.rule == "R6").unwrap();
    assert!(r6.message.contains("项目P01的预算执行率得分计算值为9.50分，按所写精度应为10分"), "{}", r6.message);
}

#[test]
fn result_use_never_contradicts_the_grade() {
    let mut w = clean();
    let model = w.report();
    assert_eq!(model.result_use(&model.projects[0]).unwrap(), "予以支持，下年度预算优先保障");
    w.ok(Command::IdentifyProblem { project: "P01".into(), problem: "Q1".into(), text: "跟踪不及时".into() });
    let model = w.report();
    assert_eq!(
        model.result_use(&model.projects[0]).unwrap(),
        "整改逾期或未制定整改计划，暂不予以优先保障；整改到位前维持现有资金安排"
    );
    w.ok(Command::PlanRectification {
        problem: "Q1".into(),
        measure: "建立周报".into(),
        owner: "应急救援科".into(),
        due: "2025-06-30".into(),
    });
    let model = w.report();
    assert_eq!(
        model.result_use(&model.projects[0]).unwrap(),
        "予以支持，下年度预算优先保障；整改按期推进中，完成情况纳入下年度评价"
    );
}

fn spend_with_voucher(code: &str, amount: &str, voucher: &str) -> Command {
    Command::RecordExpenditure {
        project: code.into(),
        amount: amount.into(),
        date: "2024-06-30".into(),
        voucher: Some(voucher.into()),
        memo: None,
        source: None,
    }
}

#[test]
fn f11_a_voucher_recorded_twice_and_not_reversed() {
    let mut w = clean();
    w.ok(spend_with_voucher("P01", "0.1", "记-0633"));
    silent(&w, "F11");
    let second = w.ok(spend_with_voucher("P01", "0.1", "记-0633"));
    fires(&w, "F11");
    let f11 = w.findings().into_iter().find(|f| f.rule == "F11").unwrap();
    assert!(f11.message.starts_with("凭证号「记-0633」记录了2笔支出"), "{}", f11.message);
    w.ok_why("重复入账", Command::ReverseExpenditure { seq: second[0].to_string() });
    silent(&w, "F11");
}

#[test]
fn f11_lists_each_repeated_voucher_once_in_voucher_order_with_its_uses_in_recording_order() {
    let mut w = clean();
    let a1 = w.ok(spend_with_voucher("P01", "0.1", "记-0900"));
    w.ok(spend_with_voucher("P01", "0.1", "记-0001"));
    let b1 = w.ok(spend_with_voucher("P01", "0.1", "记-0100"));
    let a2 = w.ok(spend_with_voucher("P01", "0.1", "记-0900"));
    let b2 = w.ok(spend_with_voucher("P01", "0.1", "记-0100"));
    let a3 = w.ok(spend_with_voucher("P01", "0.1", "记-0900"));
    let f11: Vec<_> = w.findings().into_iter().filter(|f| f.rule == "F11").collect();
    assert_eq!(f11.len(), 2, "记-0001 is used once");
    assert!(f11[0].message.starts_with("凭证号「记-0100」记录了2笔支出"), "{}", f11[0].message);
    assert_eq!(f11[0].events, vec![b1[0], b2[0]]);
    assert!(f11[1].message.starts_with("凭证号「记-0900」记录了3笔支出"), "{}", f11[1].message);
    assert_eq!(f11[1].events, vec![a1[0], a2[0], a3[0]]);
}

#[test]
fn p5_actuals_without_an_expected_goal() {
    let mut w = World::initialised();
    w.ok(add_project("P01"));
    w.ok(indicator("P01", "I1", "产出指标", "≥10个", "50"));
    silent(&w, "P5");
    w.ok(actual("P01", "I1", "10个"));
    fires(&w, "P5");
    w.ok(Command::SetGoal { project: "P01".into(), expected: Some("提升能力".into()), actual: None });
    silent(&w, "P5");
}

#[test]
fn r10_a_section_made_only_of_text_has_none() {
    let w = clean();
    silent(&w, "R10");
    let mut bare = World::initialised();
    bare.ok(add_project("P01"));
    silent(&bare, "R10"); // nothing scored yet: no report is being written
    bare.ok(indicator("P01", "I1", "产出指标", "≥10个", "50"));
    fires(&bare, "R10");
    let r10: Vec<String> = bare.findings().into_iter().filter(|f| f.rule == "R10").map(|f| f.message).collect();
    assert_eq!(
        r10,
        [
            "报告的「三、（三）资金管理情况分析」只由说明文字构成，但没有记录文字；请用 narrative set 3.funds 记录",
            "报告的「五、（一）自评工作建议」只由说明文字构成，但没有记录文字；请用 narrative set 5.evaluation 记录",
            "报告的「六、其他需要说明的问题」只由说明文字构成，但没有记录文字；请用 narrative set 6.other 记录",
        ]
    );
    for section in ["3.funds", "5.evaluation", "6.other"] {
        bare.ok(Command::SetNarrative { section: section.into(), text: "无。".into(), project: None });
    }
    silent(&bare, "R10");
}

#[test]
fn r11_a_change_after_approval() {
    let mut w = clean();
    silent(&w, "R11");
    // Following up a problem after approval is not a change to the evaluation.
    w.ok(Command::IdentifyProblem { project: "P01".into(), problem: "Q1".into(), text: "跟踪不及时".into() });
    silent(&w, "R11");
    let changed = w.ok(spend("P01", "0.1"));
    fires(&w, "R11");
    let r11 = w.findings().into_iter().find(|f| f.rule == "R11").unwrap();
    assert_eq!(r11.events, changed);
    // Returned, resubmitted and approved again: the new approval covers it.
    w.ok_why("支出有变", Command::Return { project: "P01".into() });
    silent(&w, "R11");
    w.ok(Command::Submit { project: "P01".into() });
    w.ok(Command::Approve { project: "P01".into() });
    silent(&w, "R11");
}

#[test]
fn a_reversal_naming_another_project_still_reverses_its_expenditure() {
    use chrono::TimeZone;
    use selfeval_core::event::{ExpenditureRecorded, ExpenditureReversed};
    use selfeval_core::{EventPayload, Meta, RecordedEvent};
    // Logs of older versions may name the wrong project in a reversal:
    // the expenditure is found by its event wherever it is, as before.
    let mut w = clean();
    let before = w.report().projects[0].executed.value;
    let at = chrono::Utc.with_ymd_and_hms(2024, 12, 2, 0, 0, 0).unwrap();
    let meta = Meta { actor: "旧版本@科室".into(), reason: None, occurred_at: at, recorded_at: at };
    w.state.apply(&RecordedEvent {
        seq: 1000,
        meta: meta.clone(),
        payload: EventPayload::ExpenditureRecorded(ExpenditureRecorded {
            project: "P01".into(),
            amount: rust_decimal::Decimal::from(3),
            date: chrono::NaiveDate::from_ymd_opt(2024, 6, 30).unwrap(),
            voucher: None,
            memo: None,
            source: None,
        }),
    });
    assert_eq!(w.report().projects[0].executed.value, before.map(|b| b + rust_decimal::Decimal::from(3)));
    w.state.apply(&RecordedEvent {
        seq: 1001,
        meta,
        payload: EventPayload::ExpenditureReversed(ExpenditureReversed {
            project: "P99".into(),
            expenditure_seq: 1000,
            amount: rust_decimal::Decimal::from(3),
        }),
    });
    assert_eq!(w.report().projects[0].executed.value, before);
    assert_eq!(
        w.state.expenditure(1000).map(|(p, e)| (p.code.as_str(), e.reversed_by.map(|s| s.get()))),
        Some(("P01", Some(1001)))
    );
}

#[test]
fn a_project_is_found_by_code_in_the_model_even_after_its_projects_are_reordered() {
    let w = second_project(&[]);
    let mut model = w.report();
    let codes: Vec<String> = model.projects.iter().map(|p| p.code.clone()).collect();
    assert!(codes.len() >= 2, "{codes:?}");
    for (i, code) in codes.iter().enumerate() {
        assert_eq!(model.position(code), Some(i));
        assert_eq!(model.project(code).map(|p| p.code.as_str()), Some(code.as_str()));
    }
    assert_eq!(model.position("P99"), None);
    // A caller that reorders the (public) projects still gets the right one.
    model.projects.reverse();
    for code in &codes {
        let at = model.position(code).expect("still found");
        assert_eq!(&model.projects[at].code, code);
    }
}

fn printed(total: Option<&str>, rate: Option<&str>, budget_score: Option<&str>, grade: Option<&str>) -> Command {
    Command::RecordPrinted {
        project: "P01".into(),
        total: total.map(str::to_owned),
        execution_rate: rate.map(str::to_owned),
        budget_score: budget_score.map(str::to_owned),
        grade: grade.map(str::to_owned),
    }
}

#[test]
fn t1_a_printed_figure_differs_from_the_computed_one() {
    let mut w = clean();
    let model = w.report();
    let p = &model.projects[0];
    let (total, rate, budget_score) =
        (p.total_score.value.unwrap(), p.execution_rate.value.unwrap(), p.budget_score.value.unwrap());
    let two = |d: rust_decimal::Decimal| selfeval_core::values::fmt2(d);
    let rate = two(selfeval_core::scoring::rate_percent(rate));
    // Printed as computed: silent.
    w.ok_why(
        "据印发的自评表",
        printed(Some(&two(total)), Some(&format!("{rate}%")), Some(&two(budget_score)), Some("优")),
    );
    silent(&w, "T1");
    // Printed otherwise: one finding per figure, side by side.
    w.ok_why("据印发的自评表", printed(Some("90"), None, None, Some("良")));
    let t1: Vec<String> = w.findings().into_iter().filter(|f| f.rule == "T1").map(|f| f.message).collect();
    assert_eq!(
        t1,
        [format!("项目P01原表总分90，按规则计算为{}", two(total)), "项目P01原表等级良，按规则计算为优".to_owned()]
    );
}

#[test]
fn i19_an_actual_that_copies_its_target() {
    let mut w = clean();
    silent(&w, "I19");
    // 参训人员满意度 ≥90% (I3, points 10): the table printed its target as the actual.
    w.ok_why("按印发的自评表", actual("P01", "I3", "≥90%"));
    let i19: Vec<String> = w.findings().into_iter().filter(|f| f.rule == "I19").map(|f| f.message).collect();
    assert_eq!(i19, ["项目P01的指标I3「参训人员满意度」实际完成值「≥90%」照抄年度指标值，按90%计分；请核实实际完成值"]);
    let model = w.report();
    let row = model.projects[0].indicators.iter().find(|r| r.code == "I3").unwrap();
    assert_eq!(row.actual.as_deref(), Some("≥90%"));
    assert_eq!(row.score.value, Some(rust_decimal::Decimal::from(10)));
    // A real actual ends it.
    w.ok_why("更正", actual("P01", "I3", "95%"));
    silent(&w, "I19");
}

#[test]
fn i20_a_score_set_by_hand_without_an_actual() {
    let mut w = clean();
    silent(&w, "I20");
    w.ok(Command::DefineIndicator {
        project: "P01".into(),
        indicator: "I5".into(),
        level1: "产出指标".into(),
        level2: "质量指标".into(),
        name: "培训覆盖率".into(),
        target: "≥90%".into(),
        weight: "5".into(),
    });
    fires(&w, "I16");
    let seqs = w
        .ok_why("按印发的自评表", Command::AdjustScore { project: "P01".into(), item: "I5".into(), score: "4".into() });
    silent(&w, "I16");
    let i20: Vec<String> = w.findings().into_iter().filter(|f| f.rule == "I20").map(|f| f.message).collect();
    assert_eq!(
        i20,
        [format!(
            "项目P01的指标I5「培训覆盖率」没有实际完成值，却有人工调整的得分4（事件{}）；请记录实际完成值或核实得分依据",
            seqs[0]
        )]
    );
}

#[test]
fn i21_a_blank_cell_recorded_as_printed() {
    let mut w = clean();
    silent(&w, "I21");
    let define = |code: &str, target: &str| Command::DefineIndicator {
        project: "P01".into(),
        indicator: code.into(),
        level1: "产出指标".into(),
        level2: "质量指标".into(),
        name: format!("指标{code}"),
        target: target.into(),
        weight: "5".into(),
    };
    let blank_target = w.ok_why("按印发的自评表", define("I5", ""));
    w.ok_why("按印发的自评表", define("I6", "≥90%"));
    let blank_actual = w.ok_why("按印发的自评表", actual("P01", "I6", "未填"));
    let i21: Vec<(String, Vec<u64>)> =
        w.findings().into_iter().filter(|f| f.rule == "I21").map(|f| (f.message, f.events)).collect();
    assert_eq!(
        i21,
        [
            (
                "项目P01的指标I5「指标I5」年度指标值为空（如原表所印），无法按规则计算得分，按0分计；请补充年度指标值"
                    .to_owned(),
                blank_target
            ),
            (
                "项目P01的指标I6「指标I6」实际完成值为空（如原表所印），按0分计；请补充实际完成值".to_owned(),
                blank_actual
            ),
        ]
    );
    // A blank actual is recorded: I16 (no actual at all) is not the rule for it.
    let i16: Vec<String> = w.findings().into_iter().filter(|f| f.rule == "I16").map(|f| f.message).collect();
    assert_eq!(i16, ["项目P01的指标I5「指标I5」尚无实际完成值（按0分计）；请用 indicator actual 记录"]);
    // Filled in: silent.
    w.ok_why("补充", actual("P01", "I6", "95%"));
    w.ok_why("原表有误", Command::WithdrawIndicator { project: "P01".into(), indicator: "I5".into() });
    silent(&w, "I21");
}

#[test]
fn t2_an_entry_recorded_as_printed() {
    let mut w = clean();
    silent(&w, "T2");
    let seqs = w.ok_as_printed("按印发的自评表", spend("P01", "1,000.5"));
    assert_eq!(seqs.len(), 2, "the spending and its note, one command");
    let t2: Vec<(String, Vec<u64>)> =
        w.findings().into_iter().filter(|f| f.rule == "T2").map(|f| (f.message, f.events)).collect();
    assert_eq!(
        t2,
        [(
            format!(
                "项目P01按原表照录（事件{}，张三@应急救援科）：金额「1,000.5」带千位分隔符却没有单位（一般记录会拒绝，问是否为1,000.5元）；按原表照录为1000.5万元；请核实原表",
                seqs[1]
            ),
            vec![seqs[1]]
        )]
    );
    // Nothing the clerk's path refuses: no note, no finding.
    let plain = w.ok_as_printed("按印发的自评表", spend("P01", "0.5"));
    assert_eq!(plain.len(), 1);
    assert_eq!(w.findings().into_iter().filter(|f| f.rule == "T2").count(), 1);
}
