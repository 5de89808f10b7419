//! Given/when/then tests: every command, accepted and rejected.

use selfeval_core::event::*;
use selfeval_core::{Command, RejectionKind};

use crate::*;

/// Asserts a rejection names `field`, says `problem` and writes nothing.
fn rejected(world: &mut World, reason: Option<&str>, command: Command, field: &str, problem: &str) {
    let before = world.log.len();
    let state_before = world.state.clone();
    let rejection =
        world.run_as("张三@应急救援科", reason, command.clone()).expect_err(&format!("{command:?} should be rejected"));
    assert_eq!(rejection.field, field, "{rejection}");
    assert!(rejection.problem.contains(problem), "expected 「{problem}」 in: {rejection}");
    assert!(!rejection.accepted.is_empty(), "a rejection says what is accepted: {rejection}");
    assert_eq!(world.log.len(), before, "a rejected command writes nothing");
    assert_eq!(world.state, state_before);
}

fn with_project() -> World {
    let mut world = World::initialised();
    world.ok(add_project("P01"));
    world
}

#[test]
fn init_records_department_year_and_profile() {
    let mut world = World::default();
    world.ok(init());
    assert_eq!(
        world.log[0].payload,
        EventPayload::YearInitialised(YearInitialised {
            department: "某市应急管理局".into(),
            year: 2024,
            profile: "cz2020-default".into(),
            unit: None,
        })
    );
    rejected(&mut world, None, init(), "init", "已初始化");
}

#[test]
fn init_rejects_bad_year_profile_and_missing_actor() {
    let mut world = World::default();
    let bad_year = Command::InitYear { department: "局".into(), year: "24".into(), profile: None, unit: None };
    rejected(&mut world, None, bad_year, "--year", "不是预算年度");
    let bad_profile =
        Command::InitYear { department: "局".into(), year: "2024".into(), profile: Some("cz1999".into()), unit: None };
    rejected(&mut world, None, bad_profile, "--profile", "不是已知的评分规则");
    let no_actor = world.run_as("  ", None, init()).unwrap_err();
    assert_eq!(no_actor.field, "--actor");
    assert!(world.log.is_empty());
}

#[test]
fn nothing_but_init_is_accepted_before_init() {
    let mut world = World::default();
    rejected(&mut world, None, add_project("P01"), "init", "尚未初始化");
}

#[test]
fn project_add_registers_and_rejects_duplicates_and_bad_codes() {
    let mut world = with_project();
    assert_eq!(world.state.project("P01").unwrap().budget_weight, dec("10"));
    rejected(&mut world, None, add_project("P01"), "CODE", "已登记");
    rejected(&mut world, None, add_project("P 1"), "CODE", "不是有效的编号");
    let long_name = Command::AddProject {
        code: "P02".into(),
        name: "名".repeat(201),
        category: None,
        section: None,
        budget_weight: None,
    };
    rejected(&mut world, None, long_name, "--name", "超过上限200");
    let odd_weight = Command::AddProject {
        code: "P02".into(),
        name: "x".into(),
        category: None,
        section: None,
        budget_weight: Some("20".into()),
    };
    rejected(&mut world, None, odd_weight.clone(), "--reason", "须说明原因");
    world.ok_why("省厅批复的特殊分值", odd_weight);
    assert_eq!(world.state.project("P02").unwrap().budget_weight, dec("20"));
}

#[test]
fn budget_set_and_adjust_give_the_full_year_budget() {
    let mut world = with_project();
    world.ok_why("年初批复", set_budget("P01", "6"));
    world.ok_why(
        "上年结转",
        Command::SetBudget { project: "P01".into(), amount: "5,000元".into(), source: Some("上年结转".into()) },
    );
    world.ok_why(
        "批复调整",
        Command::AdjustBudget {
            project: "P01".into(),
            delta: "-0.026".into(),
            doc: Some("财预〔2024〕5号".into()),
            source: None,
        },
    );
    let project = world.state.project("P01").unwrap();
    assert_eq!(project.initial_budget().value, dec("6.5"));
    assert_eq!(project.budget().value, dec("6.474"));
    assert_eq!(project.budget().seqs, vec![3, 4, 5]);
    // A new amount for the same source replaces the old one.
    world.ok_why("更正", set_budget("P01", "7"));
    assert_eq!(world.state.project("P01").unwrap().initial_budget().value, dec("7.5"));
}

#[test]
fn budget_rejections() {
    let mut world = with_project();
    rejected(&mut world, None, set_budget("P01", "6"), "--reason", "须说明原因");
    rejected(&mut world, Some("x"), set_budget("P09", "6"), "CODE", "不存在");
    rejected(&mut world, Some("x"), set_budget("P01", "-6"), "--amount", "不能为负");
    rejected(&mut world, Some("x"), set_budget("P01", "1e3"), "--amount", "不是十进制数");
    let bad_source = Command::SetBudget { project: "P01".into(), amount: "1".into(), source: Some("借款".into()) };
    rejected(&mut world, Some("x"), bad_source, "--source", "不是资金来源");
    let zero = Command::AdjustBudget { project: "P01".into(), delta: "0".into(), doc: None, source: None };
    rejected(&mut world, Some("x"), zero, "--delta", "为0");
    let negative = Command::AdjustBudget { project: "P01".into(), delta: "-1".into(), doc: None, source: None };
    rejected(&mut world, Some("x"), negative, "--delta", "不能为负");
}

#[test]
fn spend_and_reverse() {
    let mut world = with_project();
    let seq = world.ok(spend("P01", "215,457.60元"))[0];
    world.ok(spend("P01", "1"));
    assert_eq!(world.state.project("P01").unwrap().executed().value, dec("22.54576"));
    world.ok_why("重复入账", Command::ReverseExpenditure { seq: seq.to_string() });
    let executed = world.state.project("P01").unwrap().executed();
    assert_eq!(executed.value, dec("1"));
    assert_eq!(executed.seqs, vec![3, 4, 5]);
    rejected(&mut world, Some("x"), Command::ReverseExpenditure { seq: seq.to_string() }, "SEQ", "已由事件5冲销");
    rejected(&mut world, Some("x"), Command::ReverseExpenditure { seq: "1".into() }, "SEQ", "不是支出记录");
    rejected(&mut world, Some("x"), Command::ReverseExpenditure { seq: "abc".into() }, "SEQ", "不是事件序号");
    rejected(&mut world, None, Command::ReverseExpenditure { seq: "3".into() }, "--reason", "须说明原因");
}

#[test]
fn spend_rejections() {
    let mut world = with_project();
    rejected(&mut world, None, spend("P01", "0"), "--amount", "为0");
    rejected(&mut world, None, spend("P01", "12,34"), "--amount", "千位分隔符");
    let bad_date = Command::RecordExpenditure {
        project: "P01".into(),
        amount: "1".into(),
        date: "2024-13-01".into(),
        voucher: None,
        memo: None,
        source: None,
    };
    rejected(&mut world, None, bad_date, "--date", "不是有效日期");
    let other_year = Command::RecordExpenditure {
        project: "P01".into(),
        amount: "1".into(),
        date: "2025-01-02".into(),
        voucher: None,
        memo: None,
        source: None,
    };
    rejected(&mut world, None, other_year, "--date", "不在2024预算年度内");
}

#[test]
fn goal_sets_expected_and_actual_separately() {
    let mut world = with_project();
    world.ok(Command::SetGoal { project: "P01".into(), expected: Some("提升救援能力".into()), actual: None });
    world.ok(Command::SetGoal { project: "P01".into(), expected: None, actual: Some("已提升".into()) });
    let project = world.state.project("P01").unwrap();
    assert_eq!(project.goal_expected.as_ref().unwrap().value, "提升救援能力");
    assert_eq!(project.goal_actual.as_ref().unwrap().value, "已提升");
    rejected(
        &mut world,
        None,
        Command::SetGoal { project: "P01".into(), expected: None, actual: None },
        "--expected/--actual",
        "未给出",
    );
}

#[test]
fn indicator_add_and_rejections() {
    let mut world = with_project();
    world.ok(indicator("P01", "I1", "产出指标", "≥50个", "50"));
    rejected(&mut world, None, indicator("P01", "I1", "产出指标", "≥50个", "5"), "ICODE", "已有指标");
    rejected(&mut world, None, indicator("P01", "budget", "产出指标", "≥50个", "5"), "ICODE", "已有指标");
    rejected(
        &mut world,
        None,
        indicator("P01", "I2", "成本指标", "≤5万元", "5"),
        "--level1",
        "不是评分规则 cz2020-default 的一级指标",
    );
    rejected(&mut world, None, indicator("P01", "I2", "效益指标", "≥abc", "5"), "--target", "其后不是数字");
    rejected(&mut world, None, indicator("P01", "I2", "效益指标", "≥5个", "0"), "--weight", "超出范围");
    // Points beyond 100 are a quality finding (I7), not a refusal: a real
    // published table is recorded as it stands and checked.
    world.ok(indicator("P01", "I2", "效益指标", "≥5个", "41"));
    assert!(world.findings().iter().any(|f| f.rule == "I7" && f.message.contains("合计为")));
}

#[test]
fn quantitative_actual_scores_automatically() {
    let mut world = with_project();
    world.ok(indicator("P01", "I1", "产出指标", "=100%", "10"));
    rejected(&mut world, None, actual("P01", "I1", "很好"), "--value", "不是数字");
    rejected(&mut world, None, actual("P01", "I1", "98个"), "--value", "单位");
    rejected(&mut world, None, actual("P01", "I9", "98"), "ICODE", "没有指标");
    let with_score = Command::RecordActual {
        project: "P01".into(),
        indicator: "I1".into(),
        value: "98".into(),
        level: None,
        score: Some("10".into()),
        deviation: None,
        measure: None,
    };
    rejected(&mut world, None, with_score, "--score", "自动计算");
    world.ok(actual("P01", "I1", "98%"));
    let row = &world.report().projects[0].indicators[0];
    assert_eq!(row.score.value, Some(dec("9.80")));
    assert_eq!(row.completion, Some(dec("98")));
}

#[test]
fn qualitative_actual_needs_a_level_and_a_score_in_its_band() {
    let mut world = with_project();
    world.ok(indicator("P01", "I1", "效益指标", "效果明显", "10"));
    let record = |level: Option<&str>, score: Option<&str>| Command::RecordActual {
        project: "P01".into(),
        indicator: "I1".into(),
        value: "救援效率明显提高".into(),
        level: level.map(str::to_owned),
        score: score.map(str::to_owned),
        deviation: None,
        measure: None,
    };
    rejected(&mut world, None, record(None, None), "--level", "须给出完成等级");
    rejected(
        &mut world,
        None,
        record(Some("部分达成"), Some("8.5")),
        "--score",
        "不在「部分达成年度指标并具有一定效果」的分数区间内",
    );
    rejected(&mut world, None, record(Some("部分达成"), None), "--score", "须给出得分");
    rejected(&mut world, None, record(Some("达成"), Some("11")), "--score", "不在");
    world.ok(record(Some("达成"), None));
    assert_eq!(world.report().projects[0].indicators[0].score.value, Some(dec("10")));
    world.ok(record(Some("部分达成"), Some("7")));
    let row = &world.report().projects[0].indicators[0];
    assert_eq!(row.score.value, Some(dec("7")));
    assert_eq!(row.deviation, Some(selfeval_core::scoring::Deviation::Under));
}

#[test]
fn not_applicable_rescales_the_total() {
    let mut world = with_project();
    world.ok(indicator("P01", "I1", "产出指标", "≥10个", "50"));
    world.ok(indicator("P01", "I2", "效益指标", "≥10个", "30"));
    world.ok(indicator("P01", "I3", "满意度指标", "≥90%", "10"));
    for (code, value) in [("I1", "100"), ("I2", "100"), ("I3", "100%")] {
        world.ok(actual("P01", code, value));
    }
    // P 0, E 0: the budget row is not applicable by itself.
    let report = world.report();
    assert_eq!(report.projects[0].execution_rate.value, None);
    assert_eq!(report.projects[0].budget_score.value, None);
    assert_eq!(report.projects[0].total_score.value, Some(dec("100.00")));
    rejected(
        &mut world,
        None,
        Command::MarkNotApplicable { project: "P01".into(), item: "I3".into() },
        "--reason",
        "须说明原因",
    );
    world.ok_why("本年无服务对象", Command::MarkNotApplicable { project: "P01".into(), item: "I3".into() });
    rejected(
        &mut world,
        Some("x"),
        Command::MarkNotApplicable { project: "P01".into(), item: "I3".into() },
        "ICODE",
        "已标记为不适用",
    );
    rejected(&mut world, None, actual("P01", "I3", "90"), "ICODE", "不适用");
    // P 0, E > 0: budget score 0, and it counts.
    world.ok(spend("P01", "1"));
    let report = world.report();
    assert_eq!(report.projects[0].budget_score.value, Some(dec("0")));
    assert_eq!(report.projects[0].total_score.value, Some(dec("88.89")));
    assert!(world.findings().iter().any(|f| f.rule == "F2"));
}

#[test]
fn score_adjust_keeps_the_automatic_score_visible() {
    let mut world = with_project();
    world.ok(indicator("P01", "I1", "产出指标", "≥10个", "50"));
    // Without an actual a score by hand stands (issue 27: a published table
    // scores a blank row); the new actual withdraws it.
    world.ok_why(
        "按印发的自评表",
        Command::AdjustScore { project: "P01".into(), item: "I1".into(), score: "40".into() },
    );
    assert_eq!(world.report().projects[0].indicators[0].score.value, Some(dec("40")));
    assert!(world.findings().iter().any(|f| f.rule == "I20"));
    world.ok(actual("P01", "I1", "20"));
    assert!(world.report().projects[0].indicators[0].override_reason.is_none());
    rejected(
        &mut world,
        None,
        Command::AdjustScore { project: "P01".into(), item: "I1".into(), score: "40".into() },
        "--reason",
        "须说明原因",
    );
    rejected(
        &mut world,
        Some("x"),
        Command::AdjustScore { project: "P01".into(), item: "I1".into(), score: "51".into() },
        "--score",
        "超过分值50",
    );
    world.ok_why(
        "目标设定偏低，按偏差扣分",
        Command::AdjustScore { project: "P01".into(), item: "I1".into(), score: "40".into() },
    );
    let report = world.report();
    let row = &report.projects[0].indicators[0];
    assert_eq!((row.score.value, row.auto_score), (Some(dec("40")), Some(dec("50.00"))));
    assert_eq!(row.override_reason.as_deref(), Some("目标设定偏低，按偏差扣分"));
    assert!(world.findings().iter().any(|f| f.rule == "I17"));
    match &world.log.last().unwrap().payload {
        EventPayload::ScoreAdjusted(p) => assert_eq!(p.auto_score, Some(dec("50.00"))),
        other => panic!("{other:?}"),
    }
    world.ok_why("budget", set_budget("P01", "10"));
    world.ok_why("按原表", Command::AdjustScore { project: "P01".into(), item: "budget".into(), score: "8".into() });
    assert_eq!(world.report().projects[0].budget_score.value, Some(dec("8")));
}

#[test]
fn problems_and_rectification_follow_their_order() {
    let mut world = with_project();
    let add = Command::IdentifyProblem {
        project: "P01".into(), problem: "Q1".into(), text: "前期规划不够完善".into()
    };
    world.ok(add.clone());
    rejected(&mut world, None, add, "PCODE", "已登记");
    rejected(
        &mut world,
        None,
        Command::ProgressRectification { problem: "Q1".into(), note: "x".into() },
        "PCODE",
        "尚无整改计划",
    );
    rejected(
        &mut world,
        None,
        Command::PlanRectification {
            problem: "Q1".into(),
            measure: "加强规划".into(),
            owner: "李四".into(),
            due: "明年".into(),
        },
        "--due",
        "不是有效日期",
    );
    rejected(
        &mut world,
        None,
        Command::PlanRectification {
            problem: "Q9".into(),
            measure: "m".into(),
            owner: "o".into(),
            due: "2025-06-30".into(),
        },
        "PCODE",
        "不存在",
    );
    world.ok(Command::PlanRectification {
        problem: "Q1".into(),
        measure: "加强规划".into(),
        owner: "李四".into(),
        due: "2025-06-30".into(),
    });
    world.ok(Command::ProgressRectification { problem: "Q1".into(), note: "已组织勘察".into() });
    assert_eq!(world.report().problems[0].status, selfeval_core::report::RectificationStatus::InProgress);
    world.ok(Command::CompleteRectification { problem: "Q1".into(), evidence: "规划评审纪要".into() });
    assert_eq!(world.report().problems[0].status, selfeval_core::report::RectificationStatus::Done);
    rejected(
        &mut world,
        None,
        Command::CompleteRectification { problem: "Q1".into(), evidence: "x".into() },
        "PCODE",
        "整改已完成",
    );
}

#[test]
fn narratives_are_recorded_verbatim_per_section() {
    let mut world = with_project();
    world.ok(Command::SetNarrative { section: "6.other".into(), text: "  原文照录  ".into(), project: None });
    world.ok(Command::SetNarrative {
        section: "3.scores".into(),
        text: "项目说明".into(),
        project: Some("P01".into()),
    });
    let report = world.report();
    assert_eq!(report.narratives.len(), 2);
    assert_eq!(report.narratives[0].section, "3.scores");
    assert_eq!(report.narratives[1].text, "  原文照录  ");
    rejected(
        &mut world,
        None,
        Command::SetNarrative { section: "7.x".into(), text: "t".into(), project: None },
        "SECTION",
        "不是报告段落",
    );
    rejected(
        &mut world,
        None,
        Command::SetNarrative { section: "6.other".into(), text: "t".into(), project: Some("P9".into()) },
        "CODE",
        "不存在",
    );
    rejected(
        &mut world,
        None,
        Command::SetNarrative { section: "6.other".into(), text: "字".repeat(10_001), project: None },
        "--text",
        "超过上限10000",
    );
}

#[test]
fn workflow_submit_approve_return() {
    let mut world = with_project();
    rejected(&mut world, None, Command::Submit { project: "P01".into() }, "CODE", "尚未设定绩效指标");
    world.ok(indicator("P01", "I1", "产出指标", "≥10个", "50"));
    rejected(&mut world, None, Command::Submit { project: "P01".into() }, "CODE", "指标I1尚无实际完成值");
    world.ok(actual("P01", "I1", "10"));
    rejected(&mut world, None, Command::Approve { project: "P01".into() }, "CODE", "不能审核通过");
    world.ok(Command::Submit { project: "P01".into() });
    rejected(&mut world, None, Command::Submit { project: "P01".into() }, "CODE", "不能提交");
    rejected(&mut world, None, Command::Return { project: "P01".into() }, "--reason", "须说明原因");
    world.ok_why("指标值有误", Command::Return { project: "P01".into() });
    world.ok(Command::Submit { project: "P01".into() });
    world.ok(Command::Approve { project: "P01".into() });
    let project = world.state.project("P01").unwrap();
    assert_eq!(project.status, selfeval_core::state::Status::Approved);
    assert_eq!(project.workflow.len(), 4);
    assert_eq!(project.workflow[1].note.text, "指标值有误");
}

#[test]
fn profile_change_is_an_event_and_changes_scoring() {
    let mut world = with_project();
    world.ok(indicator("P01", "I1", "产出指标", "≤90万元", "10"));
    world.ok(actual("P01", "I1", "100"));
    assert_eq!(world.report().projects[0].indicators[0].score.value, Some(dec("9.00")));
    rejected(&mut world, None, Command::ChangeProfile { profile: "cz2020-linear".into() }, "--reason", "须说明原因");
    world.ok_why("省厅要求线性扣分", Command::ChangeProfile { profile: "cz2020-linear".into() });
    let report = world.report();
    assert_eq!(report.profile, "cz2020-linear");
    assert_eq!(report.projects[0].indicators[0].score.value, Some(dec("8.89")));
}

#[test]
fn rejections_display_field_problem_and_accepted() {
    let mut world = with_project();
    let rejection = world.run_why("x", set_budget("P01", "12,34")).unwrap_err();
    assert_eq!(rejection.kind, RejectionKind::InvalidValue);
    assert_eq!(rejection.given, "12,34");
    assert_eq!(
        rejection.to_string(),
        "--amount：「12,34」的千位分隔符位置不对（应每三位一个，如 215,457.60）；可接受：十进制数，可带单位「万元」「万」「元」（默认万元），如 6.5、215457.60元、2万；带千位分隔符时须写单位（如 215,457.60元）；万元最多6位小数"
    );
}

#[test]
fn an_unknown_project_lists_at_most_twenty_codes() {
    let mut world = World::initialised();
    for i in 0..25 {
        world.ok(add_project(&format!("P{i:02}")));
    }
    let rejection = world.run(set_budget("P99", "1")).unwrap_err();
    assert!(rejection.accepted.ends_with("P18、P19 等25个（selfeval report 列出全部）"), "{}", rejection.accepted);
}

#[test]
fn a_percent_target_needs_a_percent_actual() {
    let mut world = World::initialised();
    world.ok(add_project("P01"));
    world.ok(indicator("P01", "I1", "满意度指标", "≥90%", "10"));
    rejected(
        &mut world,
        None,
        actual("P01", "I1", "0.95"),
        "--value",
        "「0.95」没有单位「%」：年度指标值以%计，实际完成值也须写%（是否为95%？）",
    );
    rejected(&mut world, None, actual("P01", "I1", "95"), "--value", "（是否为95%？）");
    world.ok(actual("P01", "I1", "95%"));
    assert_eq!(world.report().projects[0].indicators[0].score.value, Some(dec("10")));
}

fn amend_indicator(target: Option<&str>, weight: Option<&str>, name: Option<&str>) -> Command {
    Command::AmendIndicator {
        project: "P01".into(),
        indicator: "I1".into(),
        level1: None,
        level2: None,
        name: name.map(str::to_owned),
        target: target.map(str::to_owned),
        weight: weight.map(str::to_owned),
        clear_value: false,
        value: None,
        level: None,
        score: None,
    }
}

#[test]
fn an_indicator_can_be_corrected_and_withdrawn_as_if_it_had_been_right() {
    let mut world = with_project();
    world.ok(indicator("P01", "I1", "产出指标", "≥20台", "50"));
    world.ok(actual("P01", "I1", "18台"));
    assert_eq!(world.report().projects[0].indicators[0].score.value, Some(dec("45.00")));
    rejected(&mut world, None, amend_indicator(Some("≥18台"), None, None), "--reason", "更正指标须说明原因");
    rejected(&mut world, Some("r"), amend_indicator(Some("≥20台"), Some("50"), None), "ICODE", "没有变化");
    let seqs = world.ok_why("按批复更正", amend_indicator(Some("≥18台"), None, Some("救援装备配备数量")));
    // The actual (18台, the same unit) still compares with the new target:
    // kept, and scored against it at once (issue 25: it was erased).
    let row = world.report().projects[0].indicators[0].clone();
    assert_eq!((row.target.as_str(), row.name.as_str()), ("≥18台", "救援装备配备数量"));
    assert_eq!(row.actual.as_deref(), Some("18台"));
    assert_eq!(row.score.value, Some(dec("50.00")));
    assert!(row.score.seqs.contains(&seqs[0]), "the correction is behind the score");
    // New points: the actual stays, a score set by hand is cleared (it was
    // set against the old points), and the echo says so.
    world.ok_why("复核", Command::AdjustScore { project: "P01".into(), item: "I1".into(), score: "40".into() });
    world.ok_why("按批复更正分值", amend_indicator(None, Some("40"), None));
    let row = world.report().projects[0].indicators[0].clone();
    assert_eq!((row.actual.as_deref(), row.override_reason, row.score.value), (Some("18台"), None, Some(dec("40.00"))));
    assert_eq!(row.weight, dec("40"));
    // Another unit no longer compares: refused unless the actual is cleared.
    rejected(&mut world, Some("r"), amend_indicator(Some("≥18套"), None, None), "--target", "已记录实际完成值 18台");
    let mut clearing = amend_indicator(Some("≥18套"), None, None);
    if let Command::AmendIndicator { clear_value, .. } = &mut clearing {
        *clear_value = true;
    }
    world.ok_why("单位更正", clearing);
    let row = world.report().projects[0].indicators[0].clone();
    assert_eq!((row.actual, row.score.value), (None, Some(dec("0"))));
    world.ok_why("重复设定", Command::WithdrawIndicator { project: "P01".into(), indicator: "I1".into() });
    assert!(world.report().projects[0].indicators.is_empty());
    rejected(
        &mut world,
        Some("r"),
        Command::WithdrawIndicator { project: "P01".into(), indicator: "I1".into() },
        "ICODE",
        "没有指标",
    );
}

#[test]
fn not_applicable_and_a_score_override_can_be_taken_back() {
    let mut world = with_project();
    world.ok(indicator("P01", "I1", "产出指标", "≥20台", "50"));
    world.ok(actual("P01", "I1", "18台"));
    let undo = || Command::UndoNotApplicable { project: "P01".into(), item: "I1".into() };
    rejected(&mut world, Some("r"), undo(), "ICODE", "没有标记为不适用（没有变化）");
    world.ok_why("未开展", Command::MarkNotApplicable { project: "P01".into(), item: "I1".into() });
    assert_eq!(world.report().projects[0].indicators[0].score.value, None);
    world.ok_why("已开展", undo());
    assert_eq!(world.report().projects[0].indicators[0].score.value, Some(dec("45.00")));
    let auto = || Command::AdjustScore { project: "P01".into(), item: "I1".into(), score: "auto".into() };
    rejected(&mut world, Some("r"), auto(), "ITEM", "没有人工调整（没有变化）");
    world.ok_why("复核", Command::AdjustScore { project: "P01".into(), item: "I1".into(), score: "40".into() });
    assert_eq!(world.report().projects[0].indicators[0].score.value, Some(dec("40")));
    world.ok_why("恢复自动得分", auto());
    let row = world.report().projects[0].indicators[0].clone();
    assert_eq!((row.score.value, row.override_reason), (Some(dec("45.00")), None));
}

#[test]
fn a_problem_and_a_project_can_be_corrected_and_withdrawn() {
    let mut world = with_project();
    world.ok(Command::IdentifyProblem { project: "P01".into(), problem: "Q1".into(), text: "规划不完善".into() });
    rejected(
        &mut world,
        Some("r"),
        Command::AmendProblem { problem: "Q1".into(), text: "规划不完善".into() },
        "--text",
        "没有变化",
    );
    world.ok_why("措辞", Command::AmendProblem { problem: "P01/Q1".into(), text: "前期规划不够完善".into() });
    assert_eq!(world.report().problems[0].text, "前期规划不够完善");
    world.ok_why("重复", Command::WithdrawProblem { problem: "Q1".into() });
    assert!(world.report().problems.is_empty());
    let amend = |owner: &str| Command::AmendProject {
        project: "P01".into(),
        name: None,
        section: None,
        category: None,
        owner: Some(owner.into()),
    };
    world.ok_why("补录负责人", amend("王敏"));
    assert_eq!(world.state.project("P01").unwrap().owner.as_deref(), Some("王敏"));
    rejected(&mut world, Some("r"), amend("王敏"), "CODE", "没有变化");
    let spent = world.ok(spend("P01", "1"));
    let withdraw = || Command::WithdrawProject { project: "P01".into() };
    rejected(&mut world, Some("误登记"), withdraw(), "CODE", &format!("有未冲销的支出（#{}）", spent[0]));
    world.ok_why("误录", Command::ReverseExpenditure { seq: spent[0].to_string() });
    world.ok_why("误登记", withdraw());
    assert!(world.report().projects.is_empty());
    // A replay of the log gives the same state.
    assert_eq!(selfeval_core::State::replay(&world.log), world.state);
}
