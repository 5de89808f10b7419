//! What a person asks selfeval to record ([`Command`], [`Request`]) and
//! why it is refused ([`Rejection`]): the types every room that decides a
//! command shares, apart from the rules themselves (`command`, `roles`,
//! `validate`).

use std::fmt;

use chrono::{DateTime, Utc};

use crate::event::Meta;
use crate::state::{Project, State};
use crate::values::ValueError;

/// What a person asks selfeval to record. Values are as typed: `handle`
/// parses and checks them. Fields are named as the CLI flags of the same
/// command (`cli.md`), so they carry no separate docs. As data (the demo's
/// department), a command is an object tagged by its variant's name:
/// `{"command": "SetBudget", "project": "P02", "amount": "6"}`; an absent
/// optional field is `None`.
#[allow(missing_docs)]
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "command", deny_unknown_fields)]
pub enum Command {
    /// `init`.
    InitYear { department: String, year: String, profile: Option<String>, unit: Option<String> },
    /// `project add`.
    AddProject {
        code: String,
        name: String,
        category: Option<String>,
        section: Option<String>,
        budget_weight: Option<String>,
    },
    /// `budget set`.
    SetBudget { project: String, amount: String, source: Option<String> },
    /// `budget adjust`.
    AdjustBudget { project: String, delta: String, doc: Option<String>, source: Option<String> },
    /// `spend`.
    RecordExpenditure {
        project: String,
        amount: String,
        date: String,
        voucher: Option<String>,
        memo: Option<String>,
        source: Option<String>,
    },
    /// `spend reverse`.
    ReverseExpenditure { seq: String },
    /// `goal`.
    SetGoal { project: String, expected: Option<String>, actual: Option<String> },
    /// `printed`: what a published 自评表 printed for the project (总分,
    /// 执行率, 预算执行率得分, 等级), kept beside the computed figures.
    RecordPrinted {
        project: String,
        total: Option<String>,
        execution_rate: Option<String>,
        budget_score: Option<String>,
        grade: Option<String>,
    },
    /// `indicator add`.
    DefineIndicator {
        project: String,
        indicator: String,
        level1: String,
        level2: String,
        name: String,
        target: String,
        weight: String,
    },
    /// `indicator actual`.
    RecordActual {
        project: String,
        indicator: String,
        value: String,
        level: Option<String>,
        score: Option<String>,
        deviation: Option<String>,
        measure: Option<String>,
    },
    /// `indicator na` (ITEM may be `budget`).
    MarkNotApplicable { project: String, item: String },
    /// `score adjust`.
    AdjustScore { project: String, item: String, score: String },
    /// `problem add`.
    IdentifyProblem { project: String, problem: String, text: String },
    /// `rectify plan`.
    PlanRectification { problem: String, measure: String, owner: String, due: String },
    /// `rectify progress`.
    ProgressRectification { problem: String, note: String },
    /// `rectify done`.
    CompleteRectification { problem: String, evidence: String },
    /// `narrative set`.
    SetNarrative { section: String, text: String, project: Option<String> },
    /// `submit`.
    Submit { project: String },
    /// `approve`.
    Approve { project: String },
    /// `return`.
    Return { project: String },
    /// `profile set`: change the rule profile in force.
    ChangeProfile { profile: String },
    /// `unit set`: change the unit amounts are shown in.
    ChangeUnit { unit: String },
    /// `indicator amend`: correct some of an indicator's definition.
    AmendIndicator {
        project: String,
        indicator: String,
        level1: Option<String>,
        level2: Option<String>,
        name: Option<String>,
        target: Option<String>,
        weight: Option<String>,
        /// `--clear-value`: clear the recorded actual value.
        #[serde(default)]
        clear_value: bool,
        /// `--value`: the actual value under the amended definition,
        /// recorded in the same command (a second event).
        value: Option<String>,
        /// `--level` and `--score` of that value, for a qualitative target.
        level: Option<String>,
        /// See `level`.
        score: Option<String>,
    },
    /// `indicator withdraw`: take an indicator back.
    WithdrawIndicator { project: String, indicator: String },
    /// `indicator na --undo`: the item is applicable again.
    UndoNotApplicable { project: String, item: String },
    /// `problem amend`: correct a problem's text.
    AmendProblem { problem: String, text: String },
    /// `problem withdraw`: take a problem back.
    WithdrawProblem { problem: String },
    /// `project amend`: correct some of a project's attributes.
    AmendProject {
        project: String,
        name: Option<String>,
        section: Option<String>,
        category: Option<String>,
        owner: Option<String>,
    },
    /// `project withdraw`: take a project back (no spending may stand).
    WithdrawProject { project: String },
    /// `member add NAME@SECTION --role ROLE [--key FILE]` (the key's text).
    AddMember { member: String, role: String, key: Option<String> },
    /// `member remove NAME`.
    RemoveMember { name: String },
    /// `member key NAME --key FILE` (the key's text).
    ChangeMemberKey { name: String, key: String },
    /// `reopen`: an approved project back to 填报中.
    Reopen { project: String },
    /// `seal`.
    Seal,
    /// `unseal`.
    Unseal,
    /// `policy set signatures required|optional`.
    SetSignaturePolicy { policy: String },
    /// `checkpoint`: the head a signed statement pins (made by the ledger).
    RecordCheckpoint { seq: u64, head: String, key: String },
    /// `evidence add P FILE --note`: the file's name, size and SHA-256.
    AddEvidence { project: String, file: String, size: u64, sha256: String, note: String },
}

/// What a command is about: the one answer to "which project, which
/// streams", read by the access rules (`roles`: the project whose section
/// may write) and by the ledger (the streams a command is decided on).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject<'a> {
    /// The department: its settings, the roster, the signatures policy,
    /// the checkpoints, a department-wide paragraph, `init`.
    Department,
    /// Every project: the seal needs their statuses, a profile change is
    /// refused while any is approved.
    Everything,
    /// A project to be registered under this code (none yet to write for).
    NewProject(&'a str),
    /// The project of this code.
    Project(&'a str),
    /// A new problem of the project of this code (problem codes are looked
    /// up across the department, so it is decided on the whole log).
    NewProblem(&'a str),
    /// The problem named `P02/Q1`, or by a code only one project has.
    Problem(&'a str),
    /// The spending of this sequence number, as typed.
    Expenditure(&'a str),
}

impl Command {
    /// What this command is about.
    pub fn subject(&self) -> Subject<'_> {
        use Command as C;
        match self {
            C::InitYear { .. }
            | C::ChangeUnit { .. }
            | C::AddMember { .. }
            | C::RemoveMember { .. }
            | C::ChangeMemberKey { .. }
            | C::Unseal
            | C::SetSignaturePolicy { .. }
            | C::RecordCheckpoint { .. }
            | C::SetNarrative { project: None, .. } => Subject::Department,
            C::Seal | C::ChangeProfile { .. } => Subject::Everything,
            C::AddProject { code, .. } => Subject::NewProject(code),
            C::SetBudget { project, .. }
            | C::AdjustBudget { project, .. }
            | C::RecordExpenditure { project, .. }
            | C::SetGoal { project, .. }
            | C::RecordPrinted { project, .. }
            | C::DefineIndicator { project, .. }
            | C::RecordActual { project, .. }
            | C::MarkNotApplicable { project, .. }
            | C::AdjustScore { project, .. }
            | C::SetNarrative { project: Some(project), .. }
            | C::Submit { project }
            | C::Approve { project }
            | C::Return { project }
            | C::AmendIndicator { project, .. }
            | C::WithdrawIndicator { project, .. }
            | C::UndoNotApplicable { project, .. }
            | C::AmendProject { project, .. }
            | C::Reopen { project }
            | C::AddEvidence { project, .. }
            | C::WithdrawProject { project } => Subject::Project(project),
            C::IdentifyProblem { project, .. } => Subject::NewProblem(project),
            C::PlanRectification { problem, .. }
            | C::ProgressRectification { problem, .. }
            | C::CompleteRectification { problem, .. }
            | C::AmendProblem { problem, .. }
            | C::WithdrawProblem { problem } => Subject::Problem(problem),
            C::ReverseExpenditure { seq } => Subject::Expenditure(seq),
        }
    }
}

/// A command with who, when and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The audit metadata.
    pub meta: Meta,
    /// The command.
    pub command: Command,
    /// `--confirm-large`: an amount far beyond the project's budget is
    /// meant (`validate::large_amount`).
    pub confirm_large: bool,
    /// `--as-printed`: record what a published table printed although the
    /// clerk's path refuses it, with these notes from the caller (the
    /// 其中 rows `import-table` read) and those the command finds; `None`
    /// is the clerk's path.
    pub as_printed: Option<Vec<String>>,
    /// The business time given (`--at`, or a spending's payment date),
    /// which `meta.occurred_at` is; `None`: none was given, and the
    /// business time is the recorded time, or the date the ledger's rule
    /// gives a command recorded after its year's closing period
    /// (`command::default_business_time`). In memory only: a stored event
    /// has its business time, given or not.
    pub at: Option<DateTime<Utc>>,
}

impl Request {
    /// A request without confirmations. A `meta` whose business time is
    /// not its recorded time was given one (`at`); one whose two times are
    /// the same was given none.
    pub fn new(meta: Meta, command: Command) -> Request {
        let at = (meta.occurred_at != meta.recorded_at).then_some(meta.occurred_at);
        Request { meta, command, confirm_large: false, as_printed: None, at }
    }
}

/// What kind of "no" a rejection is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectionKind {
    /// A value as typed is invalid.
    InvalidValue,
    /// Something named does not exist.
    NotFound,
    /// A domain rule says no in the current state.
    Rule,
}

impl RejectionKind {
    /// The machine-readable name used in JSON errors.
    pub fn as_str(self) -> &'static str {
        match self {
            RejectionKind::InvalidValue => "invalid_value",
            RejectionKind::NotFound => "not_found",
            RejectionKind::Rule => "rejected",
        }
    }
}

/// Why a command was not accepted. Nothing is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The kind.
    pub kind: RejectionKind,
    /// The field as the user names it (`--amount`, `CODE`, `--reason`).
    pub field: String,
    /// What was given.
    pub given: String,
    /// What was wrong, in Chinese.
    pub problem: String,
    /// What is accepted, in Chinese.
    pub accepted: String,
}

impl Rejection {
    /// A rejection of `given` for `field`: what was wrong and what is accepted.
    pub fn new(
        kind: RejectionKind,
        field: &str,
        given: &str,
        problem: impl Into<String>,
        accepted: impl Into<String>,
    ) -> Self {
        Rejection {
            kind,
            field: field.to_owned(),
            given: given.to_owned(),
            problem: problem.into(),
            accepted: accepted.into(),
        }
    }

    pub(crate) fn value(field: &str, given: &str, error: ValueError) -> Self {
        Rejection::new(RejectionKind::InvalidValue, field, given, error.problem, error.accepted)
    }

    pub(crate) fn rule(field: &str, given: &str, problem: impl Into<String>, accepted: impl Into<String>) -> Self {
        Rejection::new(RejectionKind::Rule, field, given, problem, accepted)
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}：{}；可接受：{}", self.field, self.problem, self.accepted)
    }
}

impl std::error::Error for Rejection {}

pub(crate) fn existing_project<'a>(state: &'a State, code: &str) -> Result<&'a Project, Rejection> {
    state.project(code).ok_or_else(|| {
        let known: Vec<&str> = state.projects().iter().map(|p| p.code.as_str()).collect();
        Rejection::new(
            RejectionKind::NotFound,
            "CODE",
            code,
            format!("项目「{code}」不存在"),
            match known.len() {
                0 => "已登记的项目编号（尚无项目，请先 selfeval project add）".to_owned(),
                1..=20 => format!("已登记的项目编号：{}", known.join("、")),
                n => format!("已登记的项目编号，如 {} 等{n}个（selfeval report 列出全部）", known[..20].join("、")),
            },
        )
    })
}
