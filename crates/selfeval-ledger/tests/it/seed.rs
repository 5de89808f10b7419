//! The seed department, replayed: figures as the seed states them where the
//! seed is arithmetic, as computed where it is not.

use chrono::DateTime;
use selfeval_core::scoring::Grade;
use selfeval_core::{evaluate, execute, Evaluation, Meta, RecordedEvent, Request, State};
use selfeval_ledger::demo::seed_department;

use crate::dec;

/// The seed department replayed in memory: its state, its log and its evaluation.
fn seed_report() -> (State, Vec<RecordedEvent>, Evaluation) {
    let mut state = State::default();
    let mut log: Vec<RecordedEvent> = Vec::new();
    for step in seed_department() {
        let at = DateTime::parse_from_rfc3339(step.occurred_at).unwrap().to_utc();
        let meta =
            Meta { actor: step.actor.into(), reason: step.reason.map(str::to_owned), occurred_at: at, recorded_at: at };
        let next = log.len() as u64 + 1;
        let request = Request::new(meta, step.command.clone());
        let events = execute(&mut state, &request, |p| Ok::<_, ()>((next..next + p.len() as u64).collect()))
            .unwrap_or_else(|e| panic!("demo step {:?} rejected: {e:?}", step.command));
        log.extend(events);
    }
    let evaluation = evaluate(&state, "head");
    (state, log, evaluation)
}

#[test]
fn seed_totals_are_the_seeds_arithmetic() {
    let (_, _, evaluation) = seed_report();
    assert_eq!(evaluation.model.department, "某市应急管理局");
    assert_eq!(evaluation.model.year, 2024);
    assert_eq!(evaluation.model.profile, "cz2020-default");
    assert_eq!(evaluation.model.totals.budget.value, Some(dec("10")));
    assert_eq!(evaluation.model.totals.initial_budget.value, Some(dec("10")));
    assert_eq!(evaluation.model.totals.executed.value, Some(dec("58.79")));
    let rate = evaluation.model.totals.execution_rate.value.unwrap();
    assert_eq!(selfeval_core::scoring::rate_percent(rate), dec("587.90"));
}

#[test]
fn seed_scores_average_to_98_67_not_98() {
    let (_, _, evaluation) = seed_report();
    let totals: Vec<_> = evaluation.model.projects.iter().map(|p| p.total_score.value).collect();
    assert_eq!(totals, vec![None, Some(dec("100.00")), Some(dec("98.00")), Some(dec("98.00"))]);
    assert_eq!(evaluation.model.totals.average_score.value, Some(dec("98.67")));
    assert_eq!((evaluation.model.totals.in_scope, evaluation.model.totals.evaluated), (3, 3));
    assert_eq!(evaluation.model.totals.grade_counts, [3, 0, 0, 0]);
    assert_eq!(evaluation.model.projects[1].grade, Some(Grade::Excellent));
}

#[test]
fn seed_project_rates_include_the_undefined_one() {
    let (_, _, evaluation) = seed_report();
    let rate = |i: usize| evaluation.model.projects[i].execution_rate.value.map(selfeval_core::scoring::rate_percent);
    assert_eq!(rate(0), None);
    assert_eq!(rate(1), Some(dec("99.98")));
    assert_eq!(rate(2), Some(dec("100.00")));
    assert_eq!(rate(3), None);
    assert_eq!(evaluation.model.projects[3].budget_auto_score, Some(dec("0")));
    assert_eq!(evaluation.model.projects[3].budget_score.value, Some(dec("10")));
}

#[test]
fn seed_findings_include_spending_without_budget() {
    let (_, _, evaluation) = seed_report();
    let rules: Vec<&str> = evaluation.findings.iter().map(|f| f.rule).collect();
    assert!(rules.contains(&"F2"), "{rules:?}");
    assert!(rules.contains(&"I17"), "{rules:?}");
    let f2 = evaluation.findings.iter().find(|f| f.rule == "F2").unwrap();
    assert_eq!(f2.project.as_deref(), Some("P04"));
    assert!(f2.message.contains("48.79"), "{}", f2.message);
}

#[test]
fn every_figure_traces_to_the_events_it_came_from() {
    let (_, log, evaluation) = seed_report();
    let p02 = &evaluation.model.projects[1];
    let types =
        |seqs: &[u64]| -> Vec<&str> { seqs.iter().map(|s| log[*s as usize - 1].payload.event_type()).collect() };
    assert_eq!(types(&p02.budget.seqs), vec!["BudgetSet"]);
    assert_eq!(types(&p02.executed.seqs), vec!["ExpenditureRecorded", "ExpenditureRecorded"]);
    let total_types = types(&evaluation.model.totals.executed.seqs);
    assert_eq!(total_types.len(), 6);
    assert!(total_types.iter().all(|t| *t == "ExpenditureRecorded"));
    assert!(types(&p02.indicators[0].score.seqs).contains(&"IndicatorActualRecorded"));
}

#[test]
fn the_seeds_contradictions_are_found_where_they_are() {
    let (_, _, evaluation) = seed_report();
    let found: Vec<(&str, Option<&str>)> = evaluation
        .findings
        .iter()
        .filter(|f| f.severity == selfeval_core::check::Severity::Error)
        .map(|f| (f.rule, f.project.as_deref()))
        .collect();
    assert_eq!(
        found,
        vec![
            ("I13", Some("P02")),
            ("I13", Some("P03")),
            ("F2", Some("P04")),
            ("F3", None),
            ("R6", None),
            ("R6", Some("P04")),
            ("I13", Some("P03")),
            ("I13", Some("P02")),
        ]
    );
    let messages: Vec<&str> = evaluation.findings.iter().map(|f| f.message.as_str()).collect();
    assert!(messages
        .iter()
        .any(|m| m.contains("「平均自评分数为98分」") && m.contains("计算值为98.67分，按所写精度应为99分")));
    assert!(messages.iter().any(|m| m.contains("「预算执行率为100%」") && m.contains("项目P04的预算执行率不适用")));
    assert!(messages.iter().any(|m| m.contains("指标I4「救援装备使用率」")
        && m.contains("写「未完成/未达到」，但实际完成值95%已达到年度指标值≥70%")));
    assert!(messages
        .iter()
        .any(|m| m.contains("指标I2") && m.contains("写「30%以上」，但实际完成值80%比年度指标值≥100%差20.00%")));
    // The seed's correct figures raise nothing: 10.00万元, 58.79万元, 587.90%, 99.98%, 98分, 100分.
    assert_eq!(messages.iter().filter(|m| m.starts_with("说明文字") && m.contains("R6")).count(), 0);
    assert_eq!(evaluation.findings.iter().filter(|f| f.rule == "R6").count(), 2);
}
