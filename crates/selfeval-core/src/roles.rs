//! Who may do what (`docs/spec/roles.md`): the access rules A1–A8 (A9,
//! signatures, is the ledger's, which holds the keys) that
//! [`crate::handle`] applies before a command's own rules, and what those
//! rules share about members and keys. The commands that keep the roster,
//! the seal, the signature policy, the checkpoints and the evidence are
//! decided in `decide` (rooms of their own).
//!
//! A ledger without a roster is in open mode: anyone writes, as before the
//! roster existed, and check G1 warns. The first `member add` registers
//! the acting person as office; from then on only members write.

use crate::event::*;
use crate::governance::{split_actor, Member};
use crate::request::{Command, Rejection, RejectionKind, Request, Subject};
use crate::state::{Project, State, Status};

/// The access rules: id and what they say.
pub const ACCESS_RULES: &[(&str, &str)] = &[
    ("A1", "只有人员名册中的现任人员可以写入"),
    ("A2", "科室人员只写入、提交本科室的项目"),
    ("A3", "审核、退回、重新打开、封存、解除封存、人员名册、签名要求和部门级设置只由办公室人员写入"),
    ("A4", "不得审核或退回自己提交的自评"),
    ("A5", "审计人员只生成检查点"),
    ("A6", "已审核通过的项目已锁定，重新打开（reopen）前不得写入"),
    ("A7", "年度已封存，解除封存（unseal）前不得写入"),
    ("A8", "首次登记人员时，操作人须把本人登记为办公室人员"),
    ("A9", "要求签名时，每条命令须由操作人在名册中登记的公钥签名"),
];

/// The title of an access rule.
pub fn rule_title(id: &str) -> &'static str {
    ACCESS_RULES.iter().find(|(i, _)| *i == id).map_or("", |(_, t)| t)
}

/// A refusal that names the access rule it applies.
pub fn refusal(id: &str, field: &str, given: &str, detail: impl AsRef<str>, accepted: impl Into<String>) -> Rejection {
    Rejection::new(
        RejectionKind::Rule,
        field,
        given,
        format!("违反规则{id}（{}）：{}", rule_title(id), detail.as_ref()),
        accepted,
    )
}

/// What an action asks of the access rules: made from a command before it
/// is decided ([`authorize`]) or from an event when a log is checked
/// ([`permits`]), so that both read the same rules.
#[derive(Debug, Clone, Copy)]
enum Action<'a> {
    /// The year's first event: before any rule.
    Init,
    /// A checkpoint: any member, sealed or not.
    Checkpoint,
    /// Lifting the seal (office).
    Unseal,
    /// The roster, the policy, the seal, the unit, department narratives
    /// (office). `scores`: it changes approved projects' scores (a profile).
    Office { scores: bool },
    /// Registering a member; in open mode, the first must be the actor as office.
    AddMember { member: &'a str, role: Option<Role> },
    /// Registering a project of a section.
    AddProject { code: &'a str, section: Option<&'a str> },
    /// A write to a project: its own rules by `kind`.
    Project { project: &'a Project, kind: ProjectWrite<'a> },
    /// A write to a project that cannot be resolved yet: the command's own
    /// rules refuse it (not found, ambiguous).
    Unresolved,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ProjectWrite<'a> {
    /// Any entry of the section's (section or office).
    Entry,
    /// A change of the project's section, to this one.
    Section(&'a str),
    /// Approve or return (office; not one's own submission).
    Review,
    /// Reopen (office; the one write a locked project takes).
    Reopen,
}

/// The project a command names: by code, by a problem (`P02/Q1`, or a code
/// only one project has), or by an expenditure's sequence number.
fn project_named<'a>(state: &'a State, command: &Command) -> Option<Option<&'a Project>> {
    let code = match command.subject() {
        Subject::Project(code) | Subject::NewProblem(code) => code.to_owned(),
        Subject::Expenditure(seq) => {
            let seq = seq.trim().parse::<u64>().ok();
            return Some(seq.and_then(|s| state.expenditure(s)).map(|(p, _)| p));
        }
        Subject::Problem(problem) => {
            let (project, code) = match problem.split_once('/') {
                Some((p, c)) => (Some(p), c),
                None => (None, problem),
            };
            let found: Vec<_> =
                state.problems_coded(code).into_iter().filter(|q| project.is_none_or(|p| p == q.project)).collect();
            match found.as_slice() {
                [one] => one.project.clone(),
                _ => return Some(None),
            }
        }
        Subject::Department | Subject::Everything | Subject::NewProject(_) => return None,
    };
    Some(state.project(&code))
}

fn action_of_command<'a>(state: &'a State, command: &'a Command) -> Action<'a> {
    use Command as C;
    let kind = match command {
        C::InitYear { .. } => return Action::Init,
        C::RecordCheckpoint { .. } => return Action::Checkpoint,
        C::Unseal => return Action::Unseal,
        C::ChangeProfile { .. } => return Action::Office { scores: true },
        C::Seal
        | C::RemoveMember { .. }
        | C::ChangeMemberKey { .. }
        | C::SetSignaturePolicy { .. }
        | C::ChangeUnit { .. }
        | C::SetNarrative { project: None, .. } => return Action::Office { scores: false },
        C::AddMember { member, role, .. } => return Action::AddMember { member, role: Role::parse(role) },
        C::AddProject { code, section, .. } => return Action::AddProject { code, section: section.as_deref() },
        C::Approve { .. } | C::Return { .. } => ProjectWrite::Review,
        C::Reopen { .. } => ProjectWrite::Reopen,
        C::AmendProject { section: Some(section), .. } => ProjectWrite::Section(section),
        _ => ProjectWrite::Entry,
    };
    match project_named(state, command) {
        Some(Some(project)) => Action::Project { project, kind },
        _ => Action::Unresolved,
    }
}

fn action_of_event<'a>(state: &'a State, payload: &'a EventPayload) -> Action<'a> {
    use EventPayload as E;
    let kind = match payload {
        E::YearInitialised(_) | E::CommandSigned(_) => return Action::Init,
        E::CheckpointRecorded(_) => return Action::Checkpoint,
        E::YearUnsealed(_) => return Action::Unseal,
        E::RuleProfileChanged(_) => return Action::Office { scores: true },
        E::YearSealed(_)
        | E::MemberRemoved(_)
        | E::MemberKeyChanged(_)
        | E::SignaturePolicySet(_)
        | E::DisplayUnitChanged(_)
        | E::NarrativeSet(NarrativeSet { project: None, .. }) => return Action::Office { scores: false },
        E::MemberAdded(p) => return Action::AddMember { member: "", role: Some(p.role) },
        E::ProjectRegistered(p) => return Action::AddProject { code: &p.project, section: p.section.as_deref() },
        E::SelfEvaluationApproved(_) | E::SelfEvaluationReturned(_) => ProjectWrite::Review,
        E::SelfEvaluationReopened(_) => ProjectWrite::Reopen,
        E::ProjectAmended(ProjectAmended { section: Some(section), .. }) => ProjectWrite::Section(section),
        _ => ProjectWrite::Entry,
    };
    match payload.stream().strip_prefix("project/").and_then(|code| state.project(code)) {
        Some(project) => Action::Project { project, kind },
        None => Action::Unresolved,
    }
}

/// The rules A1–A8, applied before the command's own rules. `Ok` when the
/// actor may give this command in this state.
pub fn authorize(state: &State, request: &Request) -> Result<(), Rejection> {
    check(state, &request.meta.actor, action_of_command(state, &request.command))
}

/// The rules A1–A8 for an event as recorded (an import, `verify`): `Err`
/// says which rule the actor broke.
pub fn permits(state: &State, actor: &str, payload: &EventPayload) -> Result<(), String> {
    let action = match payload {
        // The bootstrap rule needs the member the event registers.
        EventPayload::MemberAdded(p) if !state.governance().has_roster() => {
            let member = format!("{}@{}", p.name, p.section);
            return check(state, actor, Action::AddMember { member: &member, role: Some(p.role) })
                .map_err(|r| r.problem);
        }
        other => action_of_event(state, other),
    };
    check(state, actor, action).map_err(|r| r.problem)
}

fn check(state: &State, actor: &str, action: Action<'_>) -> Result<(), Rejection> {
    let governance = state.governance();
    if matches!(action, Action::Init) {
        return Ok(());
    }
    // A7: a sealed year takes nothing but its unseal and checkpoints.
    if let Some(seal) = governance.sealed() {
        if !matches!(action, Action::Unseal | Action::Checkpoint) {
            return Err(refusal(
                "A7",
                "seal",
                "",
                format!("年度已于事件#{}封存（{}）", seal.sealed.seq, seal.sealed.actor),
                "办公室人员先用 selfeval unseal --reason 原因 解除封存",
            ));
        }
    }
    if !governance.has_roster() {
        // Open mode: an approval recorded since A6 applies here too locks
        // its project as with a roster (reopen unlocks it).
        match action {
            Action::Office { scores: true } => {
                let locked: Vec<&Project> =
                    state.projects().iter().filter(|p| p.status == Status::Approved && p.approval_locks).collect();
                profile_lock(&locked, false)?;
            }
            Action::Project { project, kind } if project.approval_locks => approval_lock(project, kind, false)?,
            _ => {}
        }
        // The first member added must be the actor, as office.
        // An unreadable role is the command's own refusal (--role).
        if let Action::AddMember { member, role: Some(role) } = action {
            if member != actor || role != Role::Office || !actor.contains('@') {
                return Err(refusal(
                    "A8",
                    "NAME@SECTION",
                    member,
                    format!("名册中还没有人员，第一位须是操作人「{actor}」本人，角色为 office"),
                    format!("selfeval member add {actor} --role office --reason 原因（操作人须写成 姓名@科室）"),
                ));
            }
        }
        return Ok(());
    }
    let Some(member) = governance.member_for_actor(actor) else {
        let known: Vec<String> = governance.current_members().map(Member::actor).collect();
        return Err(refusal(
            "A1",
            "--actor",
            actor,
            format!("「{actor}」不是人员名册中的现任人员（操作人须写成名册中的 姓名@科室）"),
            format!("名册中的人员：{}", known.join("、")),
        ));
    };
    if member.role == Role::Auditor && !matches!(action, Action::Checkpoint) {
        return Err(refusal(
            "A5",
            "--actor",
            actor,
            format!("{}是审计人员", member.name),
            "审计人员只可用 selfeval checkpoint 生成检查点；其他写入请由科室或办公室人员进行",
        ));
    }
    let office_only = matches!(
        action,
        Action::Unseal
            | Action::Office { .. }
            | Action::AddMember { .. }
            | Action::Project { kind: ProjectWrite::Review | ProjectWrite::Reopen, .. }
    );
    if office_only && member.role != Role::Office {
        return Err(refusal(
            "A3",
            "--actor",
            actor,
            format!("{}是{}人员，不是办公室人员", member.name, member.role.label()),
            "由领导小组办公室的人员操作",
        ));
    }
    match action {
        Action::Office { scores: true } => {
            let approved: Vec<&Project> = state.projects().iter().filter(|p| p.status == Status::Approved).collect();
            profile_lock(&approved, true)
        }
        Action::AddProject { code, section } => {
            if member.role == Role::Section && section.map(str::trim) != Some(member.section.as_str()) {
                return Err(refusal(
                    "A2",
                    "--section",
                    section.unwrap_or_default(),
                    format!("{}是{}的人员，只能登记本科室的项目", member.name, member.section),
                    format!("selfeval project add {code} … --section {}", member.section),
                ));
            }
            Ok(())
        }
        Action::Project { project, kind } => check_project(member, actor, project, kind),
        _ => Ok(()),
    }
}

/// A6: an approved project takes nothing but its reopening.
fn approval_lock(project: &Project, kind: ProjectWrite<'_>, roster: bool) -> Result<(), Rejection> {
    let who = if roster { "办公室人员" } else { "" };
    if project.status == Status::Approved && kind != ProjectWrite::Reopen {
        let approved = project.workflow.iter().rev().find(|w| w.status == Status::Approved).map_or(0, |w| w.note.seq);
        return Err(refusal(
            "A6",
            "CODE",
            &project.code,
            format!("项目{}已于事件#{approved}审核通过，已锁定", project.code),
            format!("{who}先用 selfeval reopen {} --reason 原因 重新打开", project.code),
        ));
    }
    Ok(())
}

/// A6: no new profile while an approved project would be rescored by it.
fn profile_lock(approved: &[&Project], roster: bool) -> Result<(), Rejection> {
    let who = if roster { "办公室人员" } else { "" };
    if approved.is_empty() {
        return Ok(());
    }
    let codes: Vec<&str> = approved.iter().map(|p| p.code.as_str()).collect();
    Err(refusal(
        "A6",
        "--profile",
        "",
        format!("项目{}已审核通过，变更评分规则会改变其得分", codes.join("、")),
        format!("{who}先用 selfeval reopen 重新打开这些项目"),
    ))
}

/// A2, A6 and A4 for a write to an existing project.
fn check_project(member: &Member, actor: &str, project: &Project, kind: ProjectWrite<'_>) -> Result<(), Rejection> {
    let section_member = member.role == Role::Section;
    if section_member && project.section.as_deref() != Some(member.section.as_str()) {
        return Err(refusal(
            "A2",
            "CODE",
            &project.code,
            format!(
                "项目{}的实施科室是{}，{}是{}的人员",
                project.code,
                project.section.as_deref().unwrap_or("（未填写）"),
                member.name,
                member.section
            ),
            format!("{}的项目，或由办公室人员操作", member.section),
        ));
    }
    if let ProjectWrite::Section(to) = kind {
        if section_member && to.trim() != member.section {
            return Err(refusal(
                "A2",
                "--section",
                to,
                format!("{}是{}的人员，不能把项目{}移交给{to}", member.name, member.section, project.code),
                "由办公室人员变更项目的实施科室",
            ));
        }
    }
    approval_lock(project, kind, true)?;
    if kind == ProjectWrite::Review {
        let submitter = project.workflow.iter().rev().find(|w| w.status == Status::Submitted).map(|w| &w.note);
        if let Some(submitted) = submitter.filter(|n| split_actor(&n.actor).0 == member.name) {
            return Err(refusal(
                "A4",
                "--actor",
                actor,
                format!("项目{}的自评由{}本人于事件#{}提交", project.code, member.name, submitted.seq),
                "由另一位办公室人员审核或退回",
            ));
        }
    }
    Ok(())
}

/// A public key as registered: `ssh-ed25519 BASE64` (the comment dropped)
/// and its fingerprint `SHA256:…`.
pub fn parse_public_key(field: &str, text: &str) -> Result<(String, String), Rejection> {
    const ACCEPTED: &str =
        "OpenSSH 格式的 ed25519 公钥（ssh-keygen -t ed25519 生成的 .pub 文件内容，ssh-ed25519 AAAA…）";
    let shown: String = text.chars().take(60).collect();
    if text.contains("PRIVATE KEY-----") {
        return Err(Rejection::new(
            RejectionKind::InvalidValue,
            field,
            "（私钥文件）",
            "这是私钥，不是公钥：私钥只留在本人手里",
            "同名的 .pub 公钥文件（ssh-keygen 生成的 xxx.pub）",
        ));
    }
    // What is not a key is never echoed: it may be any file (a password
    // file given by mistake).
    let key = ssh_key::PublicKey::from_openssh(text.trim()).map_err(|_| {
        let given = format!("（{} 个字符的内容，不显示）", text.chars().count());
        Rejection::new(RejectionKind::InvalidValue, field, &given, "不是可读的 OpenSSH 公钥", ACCEPTED)
    })?;
    if key.algorithm() != ssh_key::Algorithm::Ed25519 {
        return Err(Rejection::new(
            RejectionKind::InvalidValue,
            field,
            &shown,
            format!("公钥算法是 {}，不是 ed25519", key.algorithm()),
            ACCEPTED,
        ));
    }
    let fingerprint = key.fingerprint(ssh_key::HashAlg::Sha256).to_string();
    let mut bare = key;
    bare.set_comment("");
    let text = bare.to_openssh().map_err(|e| {
        Rejection::new(RejectionKind::InvalidValue, field, &shown, format!("公钥无法编码（{e}）"), ACCEPTED)
    })?;
    Ok((text.trim().to_owned(), fingerprint))
}

/// The fingerprint of a registered key (`SHA256:…`).
pub fn fingerprint(key: &str) -> Option<String> {
    ssh_key::PublicKey::from_openssh(key).ok().map(|k| k.fingerprint(ssh_key::HashAlg::Sha256).to_string())
}

/// A command that must say why.
pub(crate) fn needs_reason(request: &Request, what: &str) -> Result<(), Rejection> {
    match request.meta.reason {
        Some(_) => Ok(()),
        None => Err(Rejection::new(
            RejectionKind::InvalidValue,
            "--reason",
            "",
            format!("{what}须说明原因"),
            "不超过10000个字符的非空文字",
        )),
    }
}

/// `policy set signatures POLICY`: true for required, false for optional.
pub fn parse_policy(text: &str) -> Option<bool> {
    match text.trim() {
        "required" | "必须" => Some(true),
        "optional" | "可选" => Some(false),
        _ => None,
    }
}
