//! Who may do what (`roles.md`): each access rule refusing and letting
//! through, the roster, reopen, seal and evidence.

use selfeval_core::state::Status;
use selfeval_core::{Command, RejectionKind};

use crate::{actual, add_project, indicator, set_budget, spend, World};

pub const OFFICE: &str = "赵静@领导小组办公室";
pub const OFFICE2: &str = "李华@领导小组办公室";
pub const RESCUE: &str = "王敏@应急救援科";
pub const PERSONNEL: &str = "周磊@人事科";
pub const AUDITOR: &str = "孙丽@市财政局";
pub const KEY: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOkNEVqOonajXBWEjJAs4bdnlisLqIxrmCzkQkcWNhz4 zhao";
pub const OTHER_KEY: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICt/ohJvUSlw1r6skn9fLnJ2ExIsvWaNsQ4FTugohV97 wang";

pub fn add_member(member: &str, role: &str, key: Option<&str>) -> Command {
    Command::AddMember { member: member.into(), role: role.into(), key: key.map(str::to_owned) }
}

fn ok_as(w: &mut World, actor: &str, reason: Option<&str>, command: Command) -> Vec<u64> {
    let debug = format!("{command:?}");
    w.run_as(actor, reason, command).unwrap_or_else(|r| panic!("{debug} as {actor} was rejected: {r}"))
}

/// The refusal of `command` by `actor`: it must name `rule`.
fn refused(w: &mut World, actor: &str, reason: Option<&str>, command: Command, rule: &str) -> String {
    let before = w.log.len();
    let rejection = w.run_as(actor, reason, command).expect_err("refused");
    assert_eq!(w.log.len(), before, "nothing written");
    assert_eq!(rejection.kind, RejectionKind::Rule);
    assert!(rejection.problem.starts_with(&format!("违反规则{rule}（")), "{rule}: {rejection}");
    rejection.to_string()
}

/// A department with a roster: the office (赵静, 李华), 王敏 of 应急救援科,
/// 周磊 of 人事科, an auditor; P01 of 应急救援科 with a budget and one
/// indicator recorded, ready to submit.
fn rostered() -> World {
    let mut w = World::initialised();
    ok_as(&mut w, OFFICE, Some("建立名册"), add_member(OFFICE, "office", Some(KEY)));
    for (member, role) in [(OFFICE2, "office"), (RESCUE, "section"), (PERSONNEL, "section"), (AUDITOR, "auditor")] {
        ok_as(&mut w, OFFICE, Some("登记人员"), add_member(member, role, None));
    }
    ok_as(&mut w, RESCUE, None, add_project("P01"));
    ok_as(&mut w, RESCUE, Some("批复"), set_budget("P01", "10"));
    ok_as(&mut w, RESCUE, None, indicator("P01", "I1", "产出指标", "≥10台", "90"));
    ok_as(&mut w, RESCUE, None, actual("P01", "I1", "10台"));
    w
}

fn approved() -> World {
    let mut w = rostered();
    ok_as(&mut w, RESCUE, None, Command::Submit { project: "P01".into() });
    ok_as(&mut w, OFFICE, None, Command::Approve { project: "P01".into() });
    w
}

#[test]
fn open_mode_lets_anyone_write_as_before() {
    let mut w = World::initialised();
    w.run_as("root", None, add_project("P01")).unwrap();
    w.run_as("随便谁", Some("批复"), set_budget("P01", "1")).unwrap();
    assert!(!w.state.governance().has_roster());
}

#[test]
fn a8_the_first_member_is_the_actor_as_office() {
    let mut w = World::initialised();
    let said = refused(&mut w, OFFICE, Some("建立名册"), add_member(RESCUE, "section", None), "A8");
    assert!(said.contains("第一位须是操作人「赵静@领导小组办公室」本人，角色为 office"), "{said}");
    refused(&mut w, OFFICE, Some("建立名册"), add_member(OFFICE, "section", None), "A8");
    refused(&mut w, "赵静", Some("建立名册"), add_member("赵静@领导小组办公室", "office", None), "A8");
    ok_as(&mut w, OFFICE, Some("建立名册"), add_member(OFFICE, "office", None));
    assert!(w.state.governance().has_roster());
}

#[test]
fn a1_only_members_write() {
    let mut w = rostered();
    let said = refused(&mut w, "root", None, spend("P01", "1"), "A1");
    assert!(said.contains("「root」不是人员名册中的现任人员"), "{said}");
    // The actor is written as registered: one person, one name in the log.
    for other in ["王敏@人事科", "王敏", "王敏 @应急救援科", "王敏@ 应急救援科"] {
        refused(&mut w, other, None, spend("P01", "1"), "A1");
    }
    ok_as(&mut w, RESCUE, None, spend("P01", "1"));
    // A removed member writes no more.
    ok_as(&mut w, OFFICE, Some("调离"), Command::RemoveMember { name: "王敏".into() });
    refused(&mut w, RESCUE, None, spend("P01", "1"), "A1");
}

#[test]
fn a2_a_section_writes_only_its_own_projects() {
    let mut w = rostered();
    let said = refused(&mut w, PERSONNEL, None, spend("P01", "1"), "A2");
    assert!(said.contains("项目P01的实施科室是应急救援科，周磊是人事科的人员"), "{said}");
    refused(&mut w, PERSONNEL, None, Command::Submit { project: "P01".into() }, "A2");
    let other_section = Command::AddProject {
        code: "P02".into(),
        name: "人才资源开发专项资金".into(),
        category: None,
        section: Some("应急救援科".into()),
        budget_weight: None,
    };
    refused(&mut w, PERSONNEL, None, other_section.clone(), "A2");
    ok_as(&mut w, OFFICE, None, other_section);
    ok_as(&mut w, RESCUE, None, spend("P02", "1"));
    // The office writes any project.
    ok_as(&mut w, OFFICE, None, spend("P01", "1"));
}

#[test]
fn a3_only_the_office_approves_returns_seals_and_keeps_the_roster() {
    let mut w = rostered();
    ok_as(&mut w, RESCUE, None, Command::Submit { project: "P01".into() });
    for command in [
        Command::Approve { project: "P01".into() },
        Command::Return { project: "P01".into() },
        Command::Seal,
        add_member("赵六@应急救援科", "section", None),
        Command::SetNarrative { section: "5.evaluation".into(), text: "建议".into(), project: None },
    ] {
        refused(&mut w, RESCUE, Some("原因"), command, "A3");
    }
    ok_as(&mut w, OFFICE, None, Command::Approve { project: "P01".into() });
}

#[test]
fn a4_nobody_approves_or_returns_their_own_submission() {
    let mut w = rostered();
    ok_as(&mut w, OFFICE, None, Command::Submit { project: "P01".into() });
    let said = refused(&mut w, OFFICE, None, Command::Approve { project: "P01".into() }, "A4");
    assert!(said.contains("项目P01的自评由赵静本人于事件"), "{said}");
    refused(&mut w, OFFICE, Some("退回"), Command::Return { project: "P01".into() }, "A4");
    ok_as(&mut w, OFFICE2, None, Command::Approve { project: "P01".into() });
    assert_eq!(w.state.project("P01").unwrap().status, Status::Approved);
}

#[test]
fn a5_auditors_write_nothing_but_checkpoints() {
    let mut w = rostered();
    let said = refused(&mut w, AUDITOR, None, spend("P01", "1"), "A5");
    assert!(said.contains("孙丽是审计人员"), "{said}");
    let checkpoint = Command::RecordCheckpoint { seq: 3, head: "a".repeat(64), key: "SHA256:abc".into() };
    ok_as(&mut w, AUDITOR, None, checkpoint);
    assert_eq!(w.state.governance().latest_checkpoint().unwrap().pinned_seq, 3);
}

#[test]
fn a6_an_approved_project_is_locked_until_the_office_reopens_it() {
    let mut w = approved();
    for command in [
        spend("P01", "1"),
        set_budget("P01", "12"),
        actual("P01", "I1", "11台"),
        Command::IdentifyProblem { project: "P01".into(), problem: "Q1".into(), text: "进度慢".into() },
        Command::SetNarrative { section: "3.goals".into(), text: "完成".into(), project: Some("P01".into()) },
        Command::Return { project: "P01".into() },
    ] {
        refused(&mut w, OFFICE, Some("原因"), command, "A6");
    }
    let said = refused(&mut w, RESCUE, None, spend("P01", "1"), "A6");
    assert!(said.contains("办公室人员先用 selfeval reopen P01 --reason 原因 重新打开"), "{said}");
    refused(&mut w, RESCUE, Some("更正"), Command::Reopen { project: "P01".into() }, "A3");
    let reopened = ok_as(&mut w, OFFICE, Some("补记支出"), Command::Reopen { project: "P01".into() });
    let p01 = w.state.project("P01").unwrap();
    assert_eq!(p01.status, Status::Draft);
    assert_eq!(p01.workflow.last().unwrap().note.seq, reopened[0]);
    ok_as(&mut w, RESCUE, None, spend("P01", "1"));
    assert!(w.state.project("P01").unwrap().changed_after_approval.is_empty(), "reopened, not changed while approved");
}

#[test]
fn reopen_takes_only_an_approved_project_and_a_reason() {
    let mut w = rostered();
    let rejection = w.run_as(OFFICE, Some("更正"), Command::Reopen { project: "P01".into() }).unwrap_err();
    assert_eq!(rejection.problem, "项目P01当前状态为「填报中」，不能重新打开");
    let mut w = approved();
    let rejection = w.run_as(OFFICE, None, Command::Reopen { project: "P01".into() }).unwrap_err();
    assert_eq!(
        (rejection.field.as_str(), rejection.problem.as_str()),
        ("--reason", "重新打开已审核通过的自评须说明原因")
    );
}

#[test]
fn a7_a_sealed_year_takes_nothing_until_unsealed() {
    let mut w = rostered();
    let rejection = w.run_as(OFFICE, Some("年度结束"), Command::Seal).unwrap_err();
    assert_eq!(rejection.problem, "有预算或支出的项目尚未全部审核通过：P01（填报中）");
    let mut w = approved();
    let sealed = ok_as(&mut w, OFFICE, Some("年度结束"), Command::Seal);
    for (actor, command) in [
        (OFFICE, Command::Reopen { project: "P01".into() }),
        (OFFICE, add_member("赵六@应急救援科", "section", None)),
        (
            RESCUE,
            Command::AddProject {
                code: "P09".into(),
                name: "新项目".into(),
                category: None,
                section: Some("应急救援科".into()),
                budget_weight: None,
            },
        ),
    ] {
        let said = refused(&mut w, actor, Some("原因"), command, "A7");
        assert!(said.contains(&format!("年度已于事件#{}封存", sealed[0])), "{said}");
    }
    // An auditor pins the sealed year.
    ok_as(&mut w, AUDITOR, None, Command::RecordCheckpoint { seq: 9, head: "b".repeat(64), key: "SHA256:x".into() });
    refused(&mut w, RESCUE, Some("原因"), Command::Unseal, "A3");
    let unsealed = ok_as(&mut w, OFFICE, Some("补记"), Command::Unseal);
    ok_as(&mut w, OFFICE, Some("补记"), Command::Reopen { project: "P01".into() });
    let seal = &w.state.governance().seals[0];
    assert_eq!((seal.sealed.seq, seal.unsealed.as_ref().map(|n| n.seq)), (sealed[0], Some(unsealed[0])));
    assert_eq!(w.state.governance().after_seal.len(), 1, "the reopen, recorded after the seal");
}

#[test]
fn the_last_office_member_cannot_be_removed() {
    let mut w = World::initialised();
    ok_as(&mut w, OFFICE, Some("建立名册"), add_member(OFFICE, "office", None));
    let rejection = w.run_as(OFFICE, Some("调离"), Command::RemoveMember { name: "赵静".into() }).unwrap_err();
    assert_eq!(rejection.problem, "赵静是名册中唯一的办公室人员，移出后无人能维护名册");
}

#[test]
fn member_values_are_checked() {
    let mut w = rostered();
    let cases = [
        (add_member("赵六", "section", None), "NAME@SECTION", "未写明科室"),
        (add_member("赵六@应急救援科", "boss", None), "--role", "「boss」不是角色"),
        (add_member("王敏@人事科", "section", None), "NAME@SECTION", "「王敏」已于事件#4登记为应急救援科的科室人员"),
        (add_member("赵六@应急救援科", "section", Some("ssh-rsa AAAA")), "--key", ""),
    ];
    for (command, field, problem) in cases {
        let rejection = w.run_as(OFFICE, Some("登记"), command).unwrap_err();
        assert_eq!(rejection.field, field, "{rejection}");
        assert!(rejection.problem.starts_with(problem), "{rejection}");
    }
    let rejection = w.run_as(OFFICE, None, add_member("赵六@应急救援科", "section", None)).unwrap_err();
    assert_eq!(rejection.problem, "登记人员须说明原因");
}

#[test]
fn a_registered_key_is_kept_without_its_comment_and_can_be_rotated() {
    let mut w = rostered();
    let office = w.state.governance().member("赵静").unwrap();
    assert_eq!(office.key.as_deref(), Some(KEY.trim_end_matches(" zhao")));
    let rejection =
        w.run_as(OFFICE, Some("轮换"), Command::ChangeMemberKey { name: "赵静".into(), key: KEY.into() }).unwrap_err();
    assert_eq!(rejection.problem, "公钥没有变化");
    ok_as(&mut w, OFFICE, Some("轮换"), Command::ChangeMemberKey { name: "赵静".into(), key: OTHER_KEY.into() });
    let office = w.state.governance().member("赵静").unwrap();
    assert_eq!(office.key.as_deref(), Some(OTHER_KEY.trim_end_matches(" wang")));
}

#[test]
fn signatures_can_be_required_only_by_an_office_member_with_a_key() {
    let mut w = rostered();
    let rejection =
        w.run_as(OFFICE2, Some("审计要求"), Command::SetSignaturePolicy { policy: "required".into() }).unwrap_err();
    assert_eq!(rejection.problem, "要求签名前，操作人须已在人员名册中登记公钥");
    let rejection =
        w.run_as(OFFICE, Some("审计要求"), Command::SetSignaturePolicy { policy: "always".into() }).unwrap_err();
    assert_eq!(rejection.field, "POLICY");
    let set = ok_as(&mut w, OFFICE, Some("审计要求"), Command::SetSignaturePolicy { policy: "required".into() });
    assert_eq!(w.state.governance().signatures_required, Some(set[0]));
}

#[test]
fn evidence_is_pinned_by_name_size_and_hash() {
    let mut w = rostered();
    let hash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    let evidence = |file: &str, sha256: &str| Command::AddEvidence {
        project: "P01".into(),
        file: file.into(),
        size: 0,
        sha256: sha256.into(),
        note: "验收报告".into(),
    };
    ok_as(&mut w, RESCUE, None, evidence("验收报告.pdf", hash));
    let rejection = w.run_as(RESCUE, None, evidence("验收报告.pdf", hash)).unwrap_err();
    assert!(rejection.problem.contains("已于事件#11登记同名佐证材料"), "{rejection}");
    assert_eq!(w.run_as(RESCUE, None, evidence("a/b.pdf", hash)).unwrap_err().field, "FILE");
    assert_eq!(w.run_as(RESCUE, None, evidence("b.pdf", "XYZ")).unwrap_err().field, "sha256");
    refused(&mut w, PERSONNEL, None, evidence("c.pdf", hash), "A2");
    let p01 = w.state.project("P01").unwrap();
    assert_eq!(p01.evidence.len(), 1);
    assert_eq!((p01.evidence[0].file.as_str(), p01.evidence[0].sha256.as_str()), ("验收报告.pdf", hash));
}

#[test]
fn a2_a_section_cannot_hand_its_project_to_another_section() {
    let mut w = rostered();
    let amend = |section: &str| Command::AmendProject {
        project: "P01".into(),
        name: None,
        section: Some(section.into()),
        category: None,
        owner: None,
    };
    let said = refused(&mut w, RESCUE, Some("移交"), amend("人事科"), "A2");
    assert!(said.contains("王敏是应急救援科的人员，不能把项目P01移交给人事科"), "{said}");
    ok_as(&mut w, OFFICE, Some("移交"), amend("人事科"));
    assert_eq!(w.state.project("P01").unwrap().section.as_deref(), Some("人事科"));
}

#[test]
fn a6_a_profile_change_would_rescore_approved_projects() {
    let mut w = approved();
    let change = Command::ChangeProfile { profile: "cz2020-linear".into() };
    let said = refused(&mut w, OFFICE, Some("省厅要求"), change.clone(), "A6");
    assert!(said.contains("项目P01已审核通过，变更评分规则会改变其得分"), "{said}");
    ok_as(&mut w, OFFICE, Some("改规则"), Command::Reopen { project: "P01".into() });
    ok_as(&mut w, OFFICE, Some("省厅要求"), change);
}

#[test]
fn a_key_belongs_to_one_person() {
    let mut w = rostered();
    let rejection = w.run_as(OFFICE, Some("登记"), add_member("赵六@应急救援科", "section", Some(KEY))).unwrap_err();
    assert_eq!(rejection.problem, "该公钥已登记给赵静@领导小组办公室，一把密钥只能属于一个人");
    let rotate = Command::ChangeMemberKey { name: "王敏".into(), key: KEY.into() };
    let rejection = w.run_as(OFFICE, Some("轮换"), rotate).unwrap_err();
    assert_eq!(rejection.problem, "该公钥已登记给赵静@领导小组办公室，一把密钥只能属于一个人");
}

#[test]
fn a_seal_is_dated_when_it_was_recorded() {
    let mut w = approved();
    let recorded = w.state.last_recorded_at().unwrap() + chrono::Duration::minutes(1);
    let meta = selfeval_core::Meta {
        actor: OFFICE.into(),
        reason: Some("年度结束".into()),
        occurred_at: recorded - chrono::Duration::days(30),
        recorded_at: recorded,
    };
    let request = selfeval_core::Request::new(meta, Command::Seal);
    let sealed = selfeval_core::execute(&mut w.state, &request, |_| Ok::<_, std::convert::Infallible>(vec![99]));
    assert!(sealed.is_ok());
    assert_eq!(w.state.governance().seals[0].sealed.at, recorded, "not the back-dated --at");
}

#[test]
fn g2_goes_quiet_once_the_year_is_sealed_again() {
    let mut w = approved();
    ok_as(&mut w, OFFICE, Some("年度结束"), Command::Seal);
    ok_as(&mut w, OFFICE, Some("补记"), Command::Unseal);
    ok_as(&mut w, OFFICE, Some("补记"), Command::Reopen { project: "P01".into() });
    assert_eq!(w.state.governance().unsealed_changes().len(), 1);
    assert!(w.findings().iter().any(|f| f.rule == "G2"));
    ok_as(&mut w, RESCUE, None, Command::Submit { project: "P01".into() });
    ok_as(&mut w, OFFICE, None, Command::Approve { project: "P01".into() });
    ok_as(&mut w, OFFICE, Some("重新封存"), Command::Seal);
    assert!(!w.findings().iter().any(|f| f.rule == "G2"), "sealed again: the new seal covers the changes");
    assert_eq!(w.state.governance().after_seal.len(), 3, "the report still lists them");
}

#[test]
fn a7_holds_in_open_mode_too() {
    let mut w = World::initialised();
    w.ok_why("年度结束", Command::Seal);
    refused(&mut w, "任何人", None, add_project("P01"), "A7");
}

#[test]
fn an_event_is_held_to_the_same_rules_as_its_command() {
    use selfeval_core::roles::permits;
    let w = approved();
    let approve = selfeval_core::EventPayload::SelfEvaluationApproved(selfeval_core::event::Approval {
        project: "P01".into(),
        locks: true,
    });
    assert!(permits(&w.state, RESCUE, &approve).unwrap_err().starts_with("违反规则A3"));
    assert!(permits(&w.state, "root", &approve).unwrap_err().starts_with("违反规则A1"));
    let spend = selfeval_core::EventPayload::ExpenditureRecorded(selfeval_core::event::ExpenditureRecorded {
        project: "P01".into(),
        amount: crate::dec("1"),
        date: chrono::NaiveDate::from_ymd_opt(2024, 6, 30).unwrap(),
        voucher: None,
        memo: None,
        source: None,
    });
    assert!(permits(&w.state, OFFICE, &spend).unwrap_err().starts_with("违反规则A6"));
    let reopen = selfeval_core::EventPayload::SelfEvaluationReopened(selfeval_core::event::WorkflowStep {
        project: "P01".into(),
    });
    assert_eq!(permits(&w.state, OFFICE, &reopen), Ok(()));
}
