//! The department's room: `init`, `profile set`, `unit set`, `narrative set`.

use super::fields::name_field;
use super::{Cx, Outcome};
use crate::event::*;
use crate::profile::RuleProfile;
use crate::request::{existing_project, Rejection, RejectionKind};
use crate::state::State;
use crate::values::{self, AmountUnit};

pub(super) fn init_year(
    state: &State,
    department: &str,
    year: &str,
    profile: Option<&str>,
    unit: Option<&str>,
) -> Outcome {
    if let Some(existing) = state.department() {
        return Err(Rejection::rule(
            "init",
            "",
            format!("本库已初始化为「{}」{}年度", existing.name, existing.year),
            "每个库只记录一个部门的一个年度；另建库请用 --store 指定新目录",
        ));
    }
    name_field("--department", department)?;
    let year_value: i32 = year.trim().parse().ok().filter(|y| (2000..=2100).contains(y)).ok_or_else(|| {
        Rejection::new(
            RejectionKind::InvalidValue,
            "--year",
            year,
            format!("「{year}」不是预算年度"),
            "2000 至 2100 之间的四位年份，如 2024",
        )
    })?;
    let profile = known_profile("--profile", profile.unwrap_or(crate::profile::DEFAULT_PROFILE_ID))?;
    let unit = unit.map(unit_field).transpose()?;
    Ok(vec![EventPayload::YearInitialised(YearInitialised {
        department: department.trim().to_owned(),
        year: year_value,
        profile,
        unit,
    })])
}

pub(super) fn change_profile(cx: &Cx<'_>, id: &str) -> Outcome {
    let department = cx.department;
    cx.needs_reason("变更评分规则")?;
    let id = known_profile("--profile", id)?;
    if id == department.profile {
        return Err(Rejection::rule("--profile", &id, "该评分规则已在使用中", "另一个规则编号"));
    }
    Ok(vec![EventPayload::RuleProfileChanged(RuleProfileChanged { profile: id })])
}

pub(super) fn change_unit(cx: &Cx<'_>, unit: &str) -> Outcome {
    let department = cx.department;
    cx.needs_reason("变更金额显示单位")?;
    let unit = unit_field(unit)?;
    if unit == department.unit {
        return Err(Rejection::rule("UNIT", unit.label(), "金额显示单位没有变化", "另一个单位：元、万元"));
    }
    Ok(vec![EventPayload::DisplayUnitChanged(DisplayUnitChanged { unit })])
}

pub(super) fn set_narrative(cx: &Cx<'_>, section: &str, text: &str, project: &Option<String>) -> Outcome {
    let state = cx.state;
    if !NARRATIVE_SECTIONS.iter().any(|(key, _)| *key == section) {
        let keys: Vec<&str> = NARRATIVE_SECTIONS.iter().map(|(k, _)| *k).collect();
        return Err(Rejection::new(
            RejectionKind::InvalidValue,
            "SECTION",
            section,
            format!("「{section}」不是报告段落"),
            keys.join("、"),
        ));
    }
    let project = match project {
        Some(code) => Some(existing_project(state, code)?.code.clone()),
        None => None,
    };
    values::check_text(text).map_err(|e| Rejection::value("--text", text, e))?;
    if state.narrative(section, project.as_deref()).is_some_and(|n| n.text == text) {
        return Err(Rejection::rule("--text", text, "说明文字没有变化", "与现有文字不同的说明文字"));
    }
    Ok(vec![EventPayload::NarrativeSet(NarrativeSet { section: section.to_owned(), project, text: text.to_owned() })])
}

/// `--unit`: 元 or 万元.
fn unit_field(text: &str) -> Result<AmountUnit, Rejection> {
    AmountUnit::parse(text).ok_or_else(|| {
        Rejection::new(RejectionKind::InvalidValue, "--unit", text, format!("「{text}」不是金额单位"), "元、万元")
    })
}

fn known_profile(field: &str, id: &str) -> Result<String, Rejection> {
    match RuleProfile::by_id(id.trim()) {
        Some(profile) => Ok(profile.id.to_owned()),
        None => Err(Rejection::new(
            RejectionKind::InvalidValue,
            field,
            id,
            format!("「{id}」不是已知的评分规则"),
            RuleProfile::ids().join("、"),
        )),
    }
}
