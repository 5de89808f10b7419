//! Properties: replay is a deterministic fold, scores stay in their bounds,
//! payloads survive a JSON round trip exactly.

use proptest::prelude::*;
use rust_decimal::Decimal;
use selfeval_core::{Command, EventPayload, ReportModel, State};

use crate::World;

fn amount() -> impl Strategy<Value = String> {
    (0u64..2_000_000, 0u32..7).prop_map(|(n, scale)| Decimal::new(n as i64, scale).to_string())
}

fn project() -> impl Strategy<Value = String> {
    (0u8..3).prop_map(|i| format!("P{i}"))
}

fn item() -> impl Strategy<Value = String> {
    prop_oneof![Just("budget".to_owned()), (0u8..4).prop_map(|i| format!("I{i}"))]
}

fn command() -> impl Strategy<Value = (Option<&'static str>, Command)> {
    let why = Some("原因");
    prop_oneof![
        project().prop_map(|code| (None, crate::add_project(&code))),
        (project(), amount()).prop_map(move |(p, a)| (why, crate::set_budget(&p, &a))),
        (project(), -500i64..500).prop_map(move |(p, d)| (
            why,
            Command::AdjustBudget { project: p, delta: Decimal::new(d, 2).to_string(), doc: None, source: None }
        )),
        (project(), amount()).prop_map(|(p, a)| (None, crate::spend(&p, &a))),
        (1u64..60).prop_map(move |s| (why, Command::ReverseExpenditure { seq: s.to_string() })),
        (
            project(),
            0u8..4,
            prop_oneof![Just("产出指标"), Just("效益指标"), Just("满意度指标")],
            prop_oneof![
                Just("≥95%"),
                Just("=100%"),
                Just("≤90万元"),
                Just("<5天"),
                Just("≥0个"),
                Just("效果明显"),
                Just("≤2024年6月"),
                Just(""),
                Just("/")
            ],
            prop_oneof![(1u32..40).prop_map(|w| w.to_string()), Just("/".to_owned())]
        )
            .prop_map(|(p, i, l1, t, w)| (None, crate::indicator(&p, &format!("I{i}"), l1, t, &w))),
        (project(), 0u8..4, 0u32..300)
            .prop_map(|(p, i, v)| (None, crate::actual(&p, &format!("I{i}"), &v.to_string()))),
        (
            project(),
            0u8..4,
            prop_oneof![Just("2024年5月"), Just("2024-09-30"), Just("按时完成"), Just(""), Just("未填")]
        )
            .prop_map(|(p, i, v)| (None, crate::actual(&p, &format!("I{i}"), v))),
        (project(), 0u8..4, prop_oneof![Just("达成"), Just("部分达成"), Just("未达成")], 0u32..40).prop_map(
            |(p, i, l, s)| (
                None,
                Command::RecordActual {
                    project: p,
                    indicator: format!("I{i}"),
                    value: "文字".into(),
                    level: Some(l.into()),
                    score: Some(s.to_string()),
                    deviation: None,
                    measure: None
                }
            )
        ),
        (project(), item()).prop_map(move |(p, i)| (why, Command::MarkNotApplicable { project: p, item: i })),
        (project(), item(), 0u32..60)
            .prop_map(move |(p, i, s)| (why, Command::AdjustScore { project: p, item: i, score: s.to_string() })),
        project().prop_map(|p| (None, Command::Submit { project: p })),
        project().prop_map(|p| (None, Command::Approve { project: p })),
        project().prop_map(move |p| (why, Command::Return { project: p })),
    ]
}

fn run(commands: Vec<(Option<&'static str>, Command)>) -> World {
    let mut world = World::initialised();
    for (reason, command) in commands {
        let _ = world.run_as("测试员@科室", reason, command);
    }
    world
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn replay_is_a_deterministic_fold(commands in prop::collection::vec(command(), 0..80)) {
        let world = run(commands);
        let once = State::replay(&world.log);
        let twice = State::replay(&world.log);
        prop_assert_eq!(&once, &twice);
        prop_assert_eq!(&once, &world.state);
        prop_assert_eq!(ReportModel::build(&once, "h"), ReportModel::build(&twice, "h"));
    }

    #[test]
    fn scores_stay_within_their_points(commands in prop::collection::vec(command(), 0..80)) {
        let report = run(commands).report();
        for project in &report.projects {
            if let Some(score) = project.budget_score.value {
                prop_assert!(score >= Decimal::ZERO && score <= project.budget_weight);
            }
            for row in &project.indicators {
                if let Some(score) = row.score.value {
                    prop_assert!(score >= Decimal::ZERO && score <= row.weight, "{:?}", row);
                }
            }
            if let Some(total) = project.total_score.value {
                prop_assert!(total >= Decimal::ZERO && total <= Decimal::from(100), "{:?}", project);
            }
        }
    }

    #[test]
    fn a_state_snapshot_round_trips_and_replays_on(commands in prop::collection::vec(command(), 0..80), split in 0usize..80) {
        let world = run(commands);
        let split = split.min(world.log.len());
        let prefix = State::replay(&world.log[..split]);
        let bytes = rmp_serde::to_vec(&prefix).unwrap();
        let mut restored: State = rmp_serde::from_slice(&bytes).unwrap();
        restored.rebuild_index();
        prop_assert_eq!(&restored, &prefix);
        for event in &world.log[split..] {
            restored.apply(event);
        }
        prop_assert_eq!(&restored, &world.state);
    }

    #[test]
    fn payloads_survive_a_json_round_trip_exactly(commands in prop::collection::vec(command(), 0..60)) {
        let world = run(commands);
        for event in &world.log {
            let json = event.payload.to_json();
            let decoded = EventPayload::decode(event.payload.event_type(), event.payload.schema_version(), &json).unwrap();
            prop_assert_eq!(&decoded, &event.payload);
        }
    }
}

proptest! {
    /// A deadline's score never rises with a later completion and stays
    /// within its points; on time is full.
    #[test]
    fn a_later_completion_never_scores_more(by in 0i64..700, first in 0i64..900, later in 0i64..400, w in 1u32..40) {
        use selfeval_core::values::deadline::Completion;
        use selfeval_core::scoring::deadline_score as score;
        use selfeval_core::profile::ReverseScoring;
        let day = |n: i64| chrono::NaiveDate::from_ymd_opt(2023, 1, 1).unwrap() + chrono::Duration::days(n);
        let weight = Decimal::from(w);
        for reverse in [ReverseScoring::Ratio, ReverseScoring::Linear] {
            let early = score(day(by), Completion::On(day(first)), weight, reverse);
            let late = score(day(by), Completion::On(day(first + later)), weight, reverse);
            prop_assert!(late <= early && late >= Decimal::ZERO && early <= weight);
            if first <= by {
                prop_assert_eq!(early, weight);
            }
            prop_assert_eq!(score(day(by), Completion::OnTime, weight, reverse), weight);
        }
    }
}

#[test]
fn large_amounts_do_not_go_through_floats() {
    let payload = EventPayload::BudgetSet(selfeval_core::event::BudgetSet {
        project: "P01".into(),
        amount: Decimal::from_str_exact("12345678901234567.89").unwrap(),
        source: selfeval_core::event::BudgetSource::Other,
    });
    let json = payload.to_json();
    assert_eq!(json, r#"{"project":"P01","amount":"12345678901234567.89","source":"other"}"#);
    assert_eq!(EventPayload::decode("BudgetSet", 1, &json).unwrap(), payload);
    assert!(EventPayload::decode("BudgetSet", 2, &json).unwrap_err().message.contains("schema versions 1 to 1"));
    assert!(EventPayload::decode("Nope", 1, &json).is_err());
}
