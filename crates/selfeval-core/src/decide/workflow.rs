//! The seal and evidence room: `reopen`, `seal`, `unseal`, `evidence add`
//! (who may give them is `roles`' question; submission and approval are
//! decided with the projects).

use super::{Cx, Outcome};
use crate::event::*;
use crate::request::{existing_project, Rejection, RejectionKind, Request};
use crate::roles::needs_reason;
use crate::state::{State, Status};
use crate::values;

pub(super) fn reopen(state: &State, request: &Request, code: &str) -> Result<Vec<EventPayload>, Rejection> {
    needs_reason(request, "重新打开已审核通过的自评")?;
    let project = existing_project(state, code)?;
    crate::validate::workflow_step(project, crate::validate::Step::Reopen)?;
    Ok(vec![EventPayload::SelfEvaluationReopened(WorkflowStep { project: project.code.clone() })])
}

pub(super) fn seal(state: &State, request: &Request) -> Result<Vec<EventPayload>, Rejection> {
    needs_reason(request, "封存年度")?;
    if let Some(seal) = state.governance().sealed() {
        return Err(Rejection::new(
            RejectionKind::Rule,
            "seal",
            "",
            format!("年度已于事件#{}封存", seal.sealed.seq),
            "未封存的年度",
        ));
    }
    let pending: Vec<String> = state
        .projects()
        .iter()
        .filter(|p| {
            let has_money = !p.budget().value.is_zero() || !p.expenditures.is_empty();
            has_money && p.status != Status::Approved
        })
        .map(|p| format!("{}（{}）", p.code, p.status.label()))
        .collect();
    if !pending.is_empty() {
        return Err(Rejection::new(
            RejectionKind::Rule,
            "seal",
            "",
            format!("有预算或支出的项目尚未全部审核通过：{}", pending.join("、")),
            "有预算或支出的项目都已审核通过后再封存",
        ));
    }
    Ok(vec![EventPayload::YearSealed(YearStep {})])
}

pub(super) fn unseal(state: &State, request: &Request) -> Result<Vec<EventPayload>, Rejection> {
    needs_reason(request, "解除封存")?;
    if state.governance().sealed().is_none() {
        return Err(Rejection::new(RejectionKind::Rule, "unseal", "", "年度没有封存", "已封存的年度"));
    }
    Ok(vec![EventPayload::YearUnsealed(YearStep {})])
}

pub(super) fn evidence(
    state: &State,
    code: &str,
    file: &str,
    size: u64,
    sha256: &str,
    note: &str,
) -> Result<Vec<EventPayload>, Rejection> {
    let project = existing_project(state, code)?;
    let invalid = |field: &str, given: &str, problem: String, accepted: &str| {
        Rejection::new(RejectionKind::InvalidValue, field, given, problem, accepted)
    };
    crate::validate::evidence_file(project, file)?;
    if !values::is_sha256_hex(sha256) {
        return Err(invalid("sha256", sha256, "不是 SHA-256 哈希".into(), "64位小写十六进制"));
    }
    values::check_text(note).map_err(|e| invalid("--note", note, e.problem, e.accepted))?;
    Ok(vec![EventPayload::EvidenceAdded(EvidenceAdded {
        project: project.code.clone(),
        file: file.to_owned(),
        size,
        sha256: sha256.to_owned(),
        note: note.trim().to_owned(),
    })])
}

pub(super) fn submit(cx: &Cx<'_>, project: &str) -> Outcome {
    let state = cx.state;
    let project = existing_project(state, project)?;
    crate::validate::workflow_step(project, crate::validate::Step::Submit)?;
    Ok(vec![EventPayload::SelfEvaluationSubmitted(WorkflowStep { project: project.code.clone() })])
}

pub(super) fn approve(cx: &Cx<'_>, project: &str) -> Outcome {
    let state = cx.state;
    let project = existing_project(state, project)?;
    crate::validate::workflow_step(project, crate::validate::Step::Approve)?;
    Ok(vec![EventPayload::SelfEvaluationApproved(Approval { project: project.code.clone(), locks: true })])
}

pub(super) fn return_to_section(cx: &Cx<'_>, project: &str) -> Outcome {
    let state = cx.state;
    let project = existing_project(state, project)?;
    cx.needs_reason("退回自评")?;
    crate::validate::workflow_step(project, crate::validate::Step::Return)?;
    Ok(vec![EventPayload::SelfEvaluationReturned(WorkflowStep { project: project.code.clone() })])
}
