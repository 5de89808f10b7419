//! The rules of every command, one room per subject: the department and
//! its profile, projects, money, indicators, scores, problems and their
//! rectification, the workflow and the seal, the roster and signatures.
//! Each room decides its own commands (the values as typed, the state they
//! need, the reason they must give); who may give a command at all is
//! `roles`' question and comes first (`command::handle`).

mod department;
mod fields;
mod indicators;
mod money;
mod problems;
mod projects;
mod roster;
mod scores;
mod workflow;

use crate::event::EventPayload;
use crate::profile::RuleProfile;
use crate::request::{Command, Rejection, Request};
use crate::state::{Department, State};

/// What a room returns: the events to append, or why not.
type Outcome = Result<Vec<EventPayload>, Rejection>;

/// What every room decides against: the state, the request, and the
/// department and rule profile in force.
pub(crate) struct Cx<'a> {
    pub state: &'a State,
    pub request: &'a Request,
    pub department: &'a Department,
    pub profile: &'a RuleProfile,
}

impl Cx<'_> {
    /// The command must say why (`--reason`): `what` names it.
    fn needs_reason(&self, what: &str) -> Result<(), Rejection> {
        crate::roles::needs_reason(self.request, what)
    }
}

/// `init`, the one command decided before a department exists.
pub(crate) fn init_year(state: &State, command: &Command) -> Option<Outcome> {
    match command {
        Command::InitYear { department, year, profile, unit } => {
            Some(department::init_year(state, department, year, profile.as_deref(), unit.as_deref()))
        }
        _ => None,
    }
}

/// The events `cx.request` records, or why not, by the room of its subject.
pub(crate) fn decide(cx: &Cx<'_>) -> Outcome {
    use Command as C;
    let (state, request) = (cx.state, cx.request);
    match &request.command {
        C::InitYear { department, year, profile, unit } => {
            department::init_year(state, department, year, profile.as_deref(), unit.as_deref())
        }
        C::ChangeProfile { profile } => department::change_profile(cx, profile),
        C::ChangeUnit { unit } => department::change_unit(cx, unit),
        C::SetNarrative { section, text, project } => department::set_narrative(cx, section, text, project),
        C::AddProject { code, name, category, section, budget_weight } => {
            projects::add_project(cx, code, name, category, section, budget_weight)
        }
        C::AmendProject { project, name, section, category, owner } => {
            projects::amend_project(cx, project, name, section, category, owner)
        }
        C::WithdrawProject { project } => projects::withdraw_project(cx, project),
        C::SetGoal { project, expected, actual } => projects::set_goal(cx, project, expected, actual),
        C::SetBudget { project, amount, source } => money::set_budget(cx, project, amount, source),
        C::AdjustBudget { project, delta, doc, source } => money::adjust_budget(cx, project, delta, doc, source),
        C::RecordExpenditure { project, amount, date, voucher, memo, source } => {
            money::record_expenditure(cx, project, amount, date, voucher, memo, source)
        }
        C::ReverseExpenditure { seq } => money::reverse_expenditure(cx, seq),
        C::RecordPrinted { project, total, execution_rate, budget_score, grade } => {
            money::record_printed(cx, project, total, execution_rate, budget_score, grade)
        }
        C::DefineIndicator { project, indicator, level1, level2, name, target, weight } => {
            let definition = indicators::Definition { level1, level2, name, target, weight };
            indicators::define_indicator(cx, project, indicator, &definition)
        }
        C::AmendIndicator {
            project,
            indicator,
            level1,
            level2,
            name,
            target,
            weight,
            clear_value,
            value,
            level,
            score,
        } => {
            let amendment = indicators::Amendment {
                level1,
                level2,
                name,
                target,
                weight,
                clear_value: *clear_value,
                value,
                level,
                score,
            };
            indicators::amend_indicator(cx, project, indicator, &amendment)
        }
        C::WithdrawIndicator { project, indicator } => indicators::withdraw_indicator(cx, project, indicator),
        C::MarkNotApplicable { project, item } => indicators::mark_not_applicable(cx, project, item),
        C::UndoNotApplicable { project, item } => indicators::undo_not_applicable(cx, project, item),
        C::RecordActual { project, indicator, value, level, score, deviation, measure } => {
            let entry = scores::ActualEntry {
                as_printed: request.as_printed.is_some(),
                value,
                level,
                score,
                deviation,
                measure,
            };
            scores::record_actual(cx, project, indicator, &entry)
        }
        C::AdjustScore { project, item, score } if score.trim() == "auto" => scores::clear_override(cx, project, item),
        C::AdjustScore { project, item, score } => scores::adjust_score(cx, project, item, score),
        C::IdentifyProblem { project, problem, text } => problems::identify_problem(cx, project, problem, text),
        C::AmendProblem { problem, text } => problems::amend_problem(cx, problem, text),
        C::WithdrawProblem { problem } => problems::withdraw_problem(cx, problem),
        C::PlanRectification { problem, measure, owner, due } => {
            problems::plan_rectification(cx, problem, measure, owner, due)
        }
        C::ProgressRectification { problem, note } => problems::progress_rectification(cx, problem, note),
        C::CompleteRectification { problem, evidence } => problems::complete_rectification(cx, problem, evidence),
        C::Submit { project } => workflow::submit(cx, project),
        C::Approve { project } => workflow::approve(cx, project),
        C::Return { project } => workflow::return_to_section(cx, project),
        C::Reopen { project } => workflow::reopen(state, request, project),
        C::Seal => workflow::seal(state, request),
        C::Unseal => workflow::unseal(state, request),
        C::AddEvidence { project, file, size, sha256, note } => {
            workflow::evidence(state, project, file, *size, sha256, note)
        }
        C::AddMember { member, role, key } => roster::add_member(state, request, member, role, key.as_deref()),
        C::RemoveMember { name } => roster::remove_member(state, request, name),
        C::ChangeMemberKey { name, key } => roster::change_key(state, request, name, key),
        C::SetSignaturePolicy { policy } => roster::set_policy(state, request, policy),
        C::RecordCheckpoint { seq, head, key } => roster::checkpoint(*seq, head, key),
    }
}
