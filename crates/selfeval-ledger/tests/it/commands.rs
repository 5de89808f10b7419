//! Random commands for the property tests: over three projects, valid or
//! not, with or without a reason. Shared, as a source file, by the ledger's
//! replay tests and the judge's property test in `selfeval-fuzz`.

use chrono::{TimeZone, Utc};
use proptest::prelude::*;
use selfeval_core::{Command, Meta, Request};

pub fn request(i: usize, reason: bool, command: Command) -> Request {
    let at = Utc.with_ymd_and_hms(2024, 12, 1, 2, 0, 0).unwrap() + chrono::Duration::minutes(i as i64);
    let meta = Meta {
        actor: "张三@应急救援科".into(),
        reason: reason.then(|| "原因".to_owned()),
        occurred_at: at,
        recorded_at: at,
    };
    Request::new(meta, command)
}

/// Two public keys for the roster's key rules (one key per person).
const KEYS: [&str; 2] = [
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAID/ckGzGnkDWt+adO4LnxYYDEtuOjYrnbJqRdH6G8yjN",
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPf85bnSr/WZAdlbv6c0kruVTwTfiElwsb2JTnVgP5G0",
];

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
            (0usize..2, 0usize..2).prop_map(|(who, key)| (
                true,
                Command::ChangeMemberKey { name: ["张三", "李四"][who].into(), key: KEYS[key].into() }
            )),
            Just((
                true,
                Command::AddMember {
                    member: "王五@应急救援科".into(),
                    role: "section".into(),
                    key: Some(KEYS[1].into())
                }
            )),
            prop_oneof![Just("required"), Just("optional"), Just("必须")]
                .prop_map(|policy| (true, Command::SetSignaturePolicy { policy: policy.into() })),
            // The ledger pins its head, so an event before the checkpoint's
            // own; the judge alone refuses one that is not (its own rule).
            prop_oneof![Just("SHA256:x"), Just("SHA256:"), Just("x")]
                .prop_map(|key| (false, Command::RecordCheckpoint { seq: 1, head: "ab".repeat(32), key: key.into() })),
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
        (project(), 0u32..500, prop_oneof![4 => Just("2024-06-30"), 1 => Just("2099-01-01"), 1 => Just("2023-12-31")])
            .prop_map(|(p, a, date)| (
                false,
                Command::RecordExpenditure {
                    project: p,
                    amount: a.to_string(),
                    date: date.into(),
                    voucher: None,
                    memo: None,
                    source: None
                }
            )),
        (1u64..40).prop_map(|s| (true, Command::ReverseExpenditure { seq: s.to_string() })),
        (
            project(),
            0u8..3,
            prop_oneof![Just("≥95%"), Just("≤90万元"), Just("效果明显")],
            prop_oneof![4 => Just("30"), 1 => Just("30%")]
        )
            .prop_map(|(p, i, t, w)| (
                false,
                Command::DefineIndicator {
                    project: p,
                    indicator: format!("I{i}"),
                    level1: "产出指标".into(),
                    level2: "数量指标".into(),
                    name: "指标".into(),
                    target: t.into(),
                    weight: w.into(),
                }
            )),
        (project(), 0u8..3, 0u8..8).prop_map(|(p, i, what)| (
            true,
            Command::AmendIndicator {
                project: p,
                indicator: format!("I{i}"),
                level1: (what == 0).then(|| "效益指标".into()),
                level2: (what == 1).then(|| "质量指标".into()),
                name: (what == 2).then(|| "指标二".into()),
                target: (what == 3 || what == 6).then(|| "≥20个".into()),
                weight: (what == 4 || what == 7).then(|| "90".into()),
                clear_value: what == 5,
                // A new actual under the amended definition, in the same command.
                value: (what >= 6).then(|| "24个".into()),
                level: None,
                score: None,
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
        (project(), prop_oneof![Just(Some("100")), Just(Some("120")), Just(None)], prop::option::of(Just("优")))
            .prop_map(|(p, total, grade)| (
                true,
                Command::RecordPrinted {
                    project: p,
                    total: total.map(str::to_owned),
                    execution_rate: Some("97.80%".into()),
                    budget_score: None,
                    grade: grade.map(str::to_owned),
                }
            )),
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
