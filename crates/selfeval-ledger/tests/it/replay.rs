//! Replay properties: a command decided on its own streams gets the same
//! answer as on the whole log, and a snapshot plus its tail is the whole log.

use chrono::{TimeZone, Utc};
use proptest::prelude::*;
use selfeval_core::{handle, Command, Meta, RejectionKind, Request};
use selfeval_ledger::{Ledger, LedgerError, LedgerSettings};

pub fn request(i: usize, reason: bool, command: Command) -> Request {
    let at = Utc.with_ymd_and_hms(2024, 12, 1, 2, 0, 0).unwrap() + chrono::Duration::minutes(i as i64);
    let meta = Meta {
        actor: "张三@应急救援科".into(),
        reason: reason.then(|| "原因".to_owned()),
        occurred_at: at,
        recorded_at: at,
    };
    Request { meta, command }
}

fn project() -> impl Strategy<Value = String> {
    (0u8..3).prop_map(|i| format!("P{i}"))
}

/// Commands over three projects, valid or not, with or without a reason.
pub fn command() -> impl Strategy<Value = (bool, Command)> {
    prop_oneof![
        // Who may do what: the roster (the actor is 张三), reopen, seal, evidence.
        prop_oneof![
            Just((true, Command::AddMember { member: "张三@应急救援科".into(), role: "office".into(), key: None })),
            Just((true, Command::AddMember { member: "李四@应急救援科".into(), role: "section".into(), key: None })),
            Just((true, Command::RemoveMember { name: "李四".into() })),
            project().prop_map(|p| (true, Command::Reopen { project: p })),
            Just((true, Command::Seal)),
            Just((true, Command::Unseal)),
            project().prop_map(|p| (
                false,
                Command::AddEvidence {
                    project: p,
                    file: "a.pdf".into(),
                    size: 1,
                    sha256: "ab".repeat(32),
                    note: "材料".into()
                }
            )),
        ],
        project().prop_map(|code| (
            false,
            Command::AddProject { code, name: "项目".into(), category: None, section: None, budget_weight: None }
        )),
        (project(), 0u32..900)
            .prop_map(|(p, a)| (true, Command::SetBudget { project: p, amount: a.to_string(), source: None })),
        (project(), 0u32..500).prop_map(|(p, a)| (
            false,
            Command::RecordExpenditure {
                project: p,
                amount: a.to_string(),
                date: "2024-06-30".into(),
                voucher: None,
                memo: None,
                source: None
            }
        )),
        (1u64..40).prop_map(|s| (true, Command::ReverseExpenditure { seq: s.to_string() })),
        (project(), 0u8..3, prop_oneof![Just("≥95%"), Just("≤90万元"), Just("效果明显")]).prop_map(|(p, i, t)| (
            false,
            Command::DefineIndicator {
                project: p,
                indicator: format!("I{i}"),
                level1: "产出指标".into(),
                level2: "数量指标".into(),
                name: "指标".into(),
                target: t.into(),
                weight: "30".into(),
            }
        )),
        (project(), 0u8..3, 0u32..200).prop_map(|(p, i, v)| (
            false,
            Command::RecordActual {
                project: p,
                indicator: format!("I{i}"),
                value: v.to_string(),
                level: None,
                score: None,
                deviation: None,
                measure: None
            }
        )),
        (project(), 0u8..3).prop_map(|(p, i)| (
            false,
            Command::IdentifyProblem { project: p, problem: format!("Q{i}"), text: "问题".into() }
        )),
        project().prop_map(|p| (false, Command::Submit { project: p })),
        project().prop_map(|p| (false, Command::Approve { project: p })),
        project().prop_map(|p| (true, Command::Return { project: p })),
        (project(), -300i64..300).prop_map(|(p, d)| (
            true,
            Command::AdjustBudget {
                project: p,
                delta: rust_decimal::Decimal::new(d, 1).to_string(),
                doc: None,
                source: None
            }
        )),
        project().prop_map(|p| (
            false,
            Command::SetGoal { project: p, expected: Some("目标".into()), actual: Some("完成".into()) }
        )),
        (project(), prop_oneof![Just("budget".to_owned()), (0u8..3).prop_map(|i| format!("I{i}"))])
            .prop_map(|(p, item)| (true, Command::MarkNotApplicable { project: p, item })),
        (project(), prop_oneof![Just("budget".to_owned()), (0u8..3).prop_map(|i| format!("I{i}"))], 0u32..40)
            .prop_map(|(p, item, s)| (true, Command::AdjustScore { project: p, item, score: s.to_string() })),
        (prop::option::of(project()), prop_oneof![Just("3.scores"), Just("3.execution"), Just("9.none")]).prop_map(
            |(p, section)| (false, Command::SetNarrative { section: section.into(), text: "说明".into(), project: p })
        ),
        prop_oneof![Just("cz2020-linear"), Just("cz2021-cost"), Just("cz1999")]
            .prop_map(|id| (true, Command::ChangeProfile { profile: id.into() })),
        // Units, withdrawals, undoing, rectification steps.
        prop_oneof![
            prop_oneof![Just("元"), Just("万元")].prop_map(|u| (true, Command::ChangeUnit { unit: u.into() })),
            (project(), prop_oneof![Just("budget".to_owned()), (0u8..3).prop_map(|i| format!("I{i}"))])
                .prop_map(|(p, item)| (true, Command::UndoNotApplicable { project: p, item })),
            (project(), 0u8..3)
                .prop_map(|(p, i)| (true, Command::WithdrawIndicator { project: p, indicator: format!("I{i}") })),
            (0u8..3).prop_map(|i| (true, Command::WithdrawProblem { problem: format!("Q{i}") })),
            project().prop_map(|p| (true, Command::WithdrawProject { project: p })),
            (0u8..3).prop_map(|i| (
                false,
                Command::ProgressRectification { problem: format!("Q{i}"), note: "进展".into() }
            )),
            (0u8..3).prop_map(|i| (
                false,
                Command::CompleteRectification { problem: format!("Q{i}"), evidence: "整改报告".into() }
            )),
            (project(), prop_oneof![Just("项目"), Just("新名称")]).prop_map(|(p, name)| (
                true,
                Command::AmendProject {
                    project: p,
                    name: Some(name.into()),
                    section: None,
                    category: None,
                    owner: None
                }
            )),
            (0u8..3, prop_oneof![Just("问题"), Just("更正的问题")])
                .prop_map(|(i, text)| (true, Command::AmendProblem { problem: format!("Q{i}"), text: text.into() })),
        ],
        (0u8..3).prop_map(|i| (
            false,
            Command::PlanRectification {
                problem: format!("Q{i}"),
                measure: "措施".into(),
                owner: "科室".into(),
                due: "2025-06-30".into()
            }
        )),
    ]
}

pub fn init() -> Command {
    Command::InitYear { department: "某市应急管理局".into(), year: "2024".into(), profile: None, unit: None }
}

/// A new store on each backend the tests run on: a directory always, a
/// ledger of the test database when `SELFEVAL_TEST_PG` names one
/// (`cargo xtask ci` starts a throwaway cluster; CI requires it).
fn places() -> Vec<(Option<tempfile::TempDir>, selfeval_ledger::Location)> {
    let dir = tempfile::tempdir().unwrap();
    let location = selfeval_ledger::Location::Dir(dir.path().to_path_buf());
    let mut all = vec![(Some(dir), location)];
    match std::env::var("SELFEVAL_TEST_PG") {
        Ok(url) if !url.is_empty() => {
            let ledger = format!("ledger-test-{}", uuid::Uuid::now_v7());
            all.push((None, selfeval_ledger::Location::parse(&format!("{url}?ledger={ledger}")).unwrap()));
        }
        _ => {
            assert!(std::env::var_os("SELFEVAL_PG_REQUIRED").is_none(), "SELFEVAL_PG_REQUIRED without SELFEVAL_TEST_PG")
        }
    }
    all
}

fn open(place: &selfeval_ledger::Location, snapshot_after: u64) -> Ledger {
    let settings = LedgerSettings { snapshot_after, ..LedgerSettings::default() };
    Ledger::open_at(place, &settings).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// The ledger decides most commands on the department's and the
    /// project's streams only; that answer must be the one the whole log gives.
    #[test]
    fn scoped_replay_answers_as_the_whole_log_does(commands in prop::collection::vec(command(), 1..30)) {
      for (_dir, place) in places() {
        let mut ledger = open(&place, u64::MAX);
        ledger.record(&request(0, false, init()), None).unwrap();
        for (i, (reason, command)) in commands.iter().cloned().enumerate() {
            let request = request(i + 1, reason, command);
            let full = handle(&ledger.replay_full().unwrap(), &request);
            if let Some(streams) = ledger.streams_of(&request.command).unwrap() {
                let scoped = handle(&ledger.replay_streams(&streams).unwrap(), &request);
                // A "not found" on the scoped state is decided on the whole log.
                if !matches!(&scoped, Err(r) if r.kind == RejectionKind::NotFound) {
                    prop_assert_eq!(&scoped, &full, "{:?}", request.command);
                }
            }
            match (ledger.record(&request, None), full) {
                (Ok(recorded), Ok(payloads)) => prop_assert_eq!(recorded.events.len(), payloads.len()),
                (Err(LedgerError::Rejected(got)), Err(expected)) => prop_assert_eq!(got, expected),
                (got, expected) => prop_assert!(false, "recorded {:?}, the whole log says {:?}", got, expected),
            }
        }
      }
    }

    /// A replay from the state snapshot plus the events after it gives the
    /// state of a replay of the whole log.
    #[test]
    fn snapshot_and_tail_equal_the_whole_log(
        before in prop::collection::vec(command(), 1..20),
        after in prop::collection::vec(command(), 0..20),
    ) {
      for (_dir, place) in places() {
        let mut ledger = open(&place, 1);
        ledger.record(&request(0, false, init()), None).unwrap();
        for (i, (reason, command)) in before.iter().cloned().enumerate() {
            let _ = ledger.record(&request(i + 1, reason, command), None);
        }
        // This replay leaves a snapshot at the head.
        let at_snapshot = ledger.replay(None).unwrap();
        prop_assert_eq!(&at_snapshot.state, &ledger.replay_full().unwrap());
        // The tail is recorded without moving the snapshot.
        drop(ledger);
        let mut ledger = open(&place, u64::MAX);
        for (i, (reason, command)) in after.iter().cloned().enumerate() {
            let _ = ledger.record(&request(100 + i, reason, command), None);
        }
        drop(ledger);
        let ledger = open(&place, u64::MAX);
        let replayed = ledger.replay(None).unwrap();
        prop_assert_eq!(replayed.from_snapshot, Some(at_snapshot.head.seq), "the replay started from the snapshot");
        prop_assert_eq!(&replayed.state, &ledger.replay_full().unwrap());
        prop_assert_eq!(replayed.head.seq, ledger.head().seq);
      }
    }
}

#[test]
fn a_resent_command_id_records_nothing_and_answers_the_first_events() {
    for (_dir, place) in places() {
        let mut ledger = open(&place, u64::MAX);
        ledger.record(&request(0, false, init()), Some("c-1")).unwrap();
        let again = ledger.record(&request(1, false, init()), Some("c-1")).unwrap();
        assert!(again.duplicate);
        assert_eq!(again.events, vec![(1, "YearInitialised".to_owned())]);
        assert_eq!(ledger.head().seq, 1);
    }
}
