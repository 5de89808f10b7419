//! The projects' room: `project add|amend|withdraw` and `goal`.

use super::fields::{name_field, optional_name, optional_text, weight_field};
use super::{Cx, Outcome};
use crate::event::*;
use crate::request::{existing_project, Rejection, RejectionKind};
use crate::values;

pub(super) fn add_project(
    cx: &Cx<'_>,
    code: &str,
    name: &str,
    category: &Option<String>,
    section: &Option<String>,
    budget_weight: &Option<String>,
) -> Outcome {
    let state = cx.state;
    let profile = cx.profile;
    values::check_code(code).map_err(|e| Rejection::value("CODE", code, e))?;
    if state.project(code).is_some() {
        return Err(Rejection::rule("CODE", code, format!("项目「{code}」已登记"), "尚未使用的项目编号"));
    }
    name_field("--name", name)?;
    let category = optional_name("--category", category)?;
    let section = optional_name("--section", section)?;
    let budget_weight = match budget_weight {
        Some(text) => weight_field("--budget-weight", text, true)?,
        None => profile.budget_weight,
    };
    if budget_weight != profile.budget_weight {
        cx.needs_reason("预算执行率分值与默认值不同")?;
    }
    Ok(vec![EventPayload::ProjectRegistered(ProjectRegistered {
        project: code.to_owned(),
        name: name.trim().to_owned(),
        category,
        section,
        budget_weight,
    })])
}

pub(super) fn set_goal(cx: &Cx<'_>, project: &str, expected: &Option<String>, actual: &Option<String>) -> Outcome {
    let state = cx.state;
    let project = existing_project(state, project)?;
    if expected.is_none() && actual.is_none() {
        return Err(Rejection::new(
            RejectionKind::InvalidValue,
            "--expected/--actual",
            "",
            "未给出预期目标或实际完成情况",
            "--expected 文字 和/或 --actual 文字",
        ));
    }
    let expected = optional_text("--expected", expected)?;
    let actual = optional_text("--actual", actual)?;
    if !crate::validate::goal_changes(project, &expected, &actual) {
        return Err(Rejection::rule(
            "--expected/--actual",
            expected.as_deref().or(actual.as_deref()).unwrap_or_default(),
            "年度总体目标没有变化",
            "与现有文字不同的预期目标或实际完成情况",
        ));
    }
    Ok(vec![EventPayload::GoalSet(GoalSet { project: project.code.clone(), expected, actual })])
}

pub(super) fn amend_project(
    cx: &Cx<'_>,
    project: &str,
    name: &Option<String>,
    section: &Option<String>,
    category: &Option<String>,
    owner: &Option<String>,
) -> Outcome {
    let state = cx.state;
    let project = existing_project(state, project)?;
    cx.needs_reason("更正项目信息")?;
    let name = optional_name("--name", name)?.filter(|v| *v != project.name);
    let section = optional_name("--section", section)?.filter(|v| Some(v) != project.section.as_ref());
    let category = optional_name("--category", category)?.filter(|v| Some(v) != project.category.as_ref());
    let owner = optional_name("--owner", owner)?.filter(|v| Some(v) != project.owner.as_ref());
    let amended = ProjectAmended { project: project.code.clone(), name, section, category, owner };
    crate::validate::project_amendment(project, &amended)?;
    Ok(vec![EventPayload::ProjectAmended(amended)])
}

pub(super) fn withdraw_project(cx: &Cx<'_>, project: &str) -> Outcome {
    let state = cx.state;
    let project = existing_project(state, project)?;
    cx.needs_reason("撤回项目")?;
    let standing: Vec<String> =
        project.expenditures.iter().filter(|e| e.reversed_by.is_none()).map(|e| format!("#{}", e.seq)).collect();
    if !standing.is_empty() {
        return Err(Rejection::rule(
            "CODE",
            &project.code,
            format!("项目{}有未冲销的支出（{}），不能撤回", project.code, standing.join("、")),
            "先用 selfeval spend reverse 冲销这些支出",
        ));
    }
    Ok(vec![EventPayload::ProjectWithdrawn(WorkflowStep { project: project.code.clone() })])
}
