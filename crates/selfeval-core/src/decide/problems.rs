//! The problems' room: `problem add|amend|withdraw` and `rectify
//! plan|progress|done`.

use super::fields::{as_given, date_field, name_field, text_field};
use super::{Cx, Outcome};
use crate::event::*;
use crate::request::{existing_project, Rejection, RejectionKind};
use crate::state::{Problem, State};
use crate::values;

pub(super) fn amend_problem(cx: &Cx<'_>, problem: &str, text: &str) -> Outcome {
    let state = cx.state;
    let found = find_problem(state, problem)?;
    cx.needs_reason("更正问题")?;
    text_field("--text", text)?;
    crate::validate::problem_amendment(found, text.trim()).map_err(as_given(text))?;
    Ok(vec![EventPayload::ProblemAmended(ProblemAmended {
        problem: found.code.clone(),
        project: found.project.clone(),
        text: text.trim().to_owned(),
    })])
}

pub(super) fn withdraw_problem(cx: &Cx<'_>, problem: &str) -> Outcome {
    let state = cx.state;
    let found = find_problem(state, problem)?;
    cx.needs_reason("撤回问题")?;
    Ok(vec![EventPayload::ProblemWithdrawn(ProblemWithdrawn {
        problem: found.code.clone(),
        project: found.project.clone(),
    })])
}

pub(super) fn identify_problem(cx: &Cx<'_>, project: &str, problem: &str, text: &str) -> Outcome {
    let state = cx.state;
    let project = existing_project(state, project)?;
    values::check_code(problem).map_err(|e| Rejection::value("PCODE", problem, e))?;
    if state.problem(&project.code, problem).is_some() {
        return Err(Rejection::rule("PCODE", problem, format!("问题「{problem}」已登记"), "尚未使用的问题编号"));
    }
    text_field("--text", text)?;
    Ok(vec![EventPayload::ProblemIdentified(ProblemIdentified {
        problem: problem.to_owned(),
        project: project.code.clone(),
        text: text.trim().to_owned(),
    })])
}

pub(super) fn plan_rectification(cx: &Cx<'_>, problem: &str, measure: &str, owner: &str, due: &str) -> Outcome {
    let state = cx.state;
    let found = open_problem(state, problem)?;
    text_field("--measure", measure)?;
    name_field("--owner", owner)?;
    let due = date_field("--due", due)?;
    Ok(vec![EventPayload::RectificationPlanned(RectificationPlanned {
        problem: found.code.clone(),
        project: found.project.clone(),
        measure: measure.trim().to_owned(),
        owner: owner.trim().to_owned(),
        due,
    })])
}

pub(super) fn progress_rectification(cx: &Cx<'_>, problem: &str, note: &str) -> Outcome {
    let state = cx.state;
    let found = planned_problem(state, problem)?;
    text_field("--note", note)?;
    Ok(vec![EventPayload::RectificationProgressed(RectificationProgressed {
        problem: found.code.clone(),
        project: found.project.clone(),
        note: note.trim().to_owned(),
    })])
}

pub(super) fn complete_rectification(cx: &Cx<'_>, problem: &str, evidence: &str) -> Outcome {
    let state = cx.state;
    let found = planned_problem(state, problem)?;
    text_field("--evidence", evidence)?;
    Ok(vec![EventPayload::RectificationCompleted(RectificationCompleted {
        problem: found.code.clone(),
        project: found.project.clone(),
        evidence: evidence.trim().to_owned(),
    })])
}

/// The problem a command names: `P02/Q1`, or a bare `Q1` when only one
/// project has a problem with that code.
fn find_problem<'a>(state: &'a State, text: &str) -> Result<&'a Problem, Rejection> {
    let not_found = |what: String| {
        Rejection::new(
            RejectionKind::NotFound,
            "PCODE",
            text,
            what,
            "selfeval problem add 登记过的问题编号，如 Q1，或写明项目如 P02/Q1",
        )
    };
    if let Some((project, code)) = text.split_once('/') {
        return state.problem(project, code).ok_or_else(|| not_found(format!("项目{project}没有问题「{code}」")));
    }
    match state.problems_coded(text).as_slice() {
        [] => Err(not_found(format!("问题「{text}」不存在"))),
        [one] => Ok(one),
        many => {
            let names: Vec<String> = many.iter().map(|q| format!("{}/{}", q.project, q.code)).collect();
            Err(Rejection::new(
                RejectionKind::InvalidValue,
                "PCODE",
                text,
                format!("问题编号「{text}」在多个项目中都有（{}）", names.join("、")),
                format!("写明项目，如 {}", names[0]),
            ))
        }
    }
}

fn open_problem<'a>(state: &'a State, code: &str) -> Result<&'a Problem, Rejection> {
    let problem = find_problem(state, code)?;
    crate::validate::rectification_step(problem, false)?;
    Ok(problem)
}

fn planned_problem<'a>(state: &'a State, code: &str) -> Result<&'a Problem, Rejection> {
    let problem = find_problem(state, code)?;
    crate::validate::rectification_step(problem, true)?;
    Ok(problem)
}
