//! The indicators' room: `indicator add|amend|withdraw|na`.

use rust_decimal::Decimal;

use super::fields::{as_given, existing_indicator, is_slash, optional_name, weight_as_typed};
use super::scores::{actual_recorded, ActualEntry};
use super::{Cx, Outcome};
use crate::event::*;
use crate::request::{existing_project, Rejection, RejectionKind};
use crate::values;

/// `indicator add`'s definition as typed.
pub(super) struct Definition<'a> {
    pub level1: &'a str,
    pub level2: &'a str,
    pub name: &'a str,
    pub target: &'a str,
    pub weight: &'a str,
}

pub(super) fn define_indicator(cx: &Cx<'_>, project: &str, indicator: &str, definition: &Definition<'_>) -> Outcome {
    let (state, request, profile) = (cx.state, cx.request, cx.profile);
    let &Definition { level1, level2, name, target, weight } = definition;
    let project = existing_project(state, project)?;
    let level1 = level1.trim();
    crate::validate::indicator_definition(profile, project, indicator, level1, level2, name)?;
    let target_value = values::parse_target(target).map_err(|e| Rejection::value("--target", target, e))?;
    let rate_checked =
        if request.as_printed.is_some() { Ok(()) } else { crate::validate::rate_target(name, &target_value) };
    rate_checked.map_err(as_given(target))?;
    // A row printed with 「/」 as its weight is not applicable: no
    // weight, no actual, in no sum or total.
    let not_applicable = is_slash(weight);
    if is_slash(target) && !not_applicable {
        return Err(Rejection::new(
            RejectionKind::InvalidValue,
            "--weight",
            weight,
            "年度指标值为「/」（不适用）的指标，分值也须为「/」",
            "--weight / 或 --na（不适用的指标没有分值）；适用的指标请填写年度指标值",
        ));
    }
    // Points that do not add up to 100 are recorded as typed and
    // raise I7: a quality finding, not a refusal.
    let (weight_value, weight_in_percent) =
        if not_applicable { (Decimal::ZERO, false) } else { weight_as_typed("--weight", weight)? };
    if !not_applicable {
        crate::validate::weight_form(project, weight_in_percent).map_err(as_given(weight))?;
    }
    Ok(vec![EventPayload::IndicatorDefined(IndicatorDefined {
        project: project.code.clone(),
        indicator: indicator.to_owned(),
        level1: level1.to_owned(),
        level2: level2.trim().to_owned(),
        name: name.trim().to_owned(),
        target: target_value,
        weight: weight_value,
        weight_in_percent,
        not_applicable,
    })])
}

pub(super) fn mark_not_applicable(cx: &Cx<'_>, project: &str, item: &str) -> Outcome {
    let state = cx.state;
    let project = existing_project(state, project)?;
    cx.needs_reason("标记不适用")?;
    if item != BUDGET_ITEM {
        existing_indicator(project, item)?;
    }
    crate::validate::not_applicable_mark(project, item, false)?;
    Ok(vec![EventPayload::MarkedNotApplicable(MarkedNotApplicable {
        project: project.code.clone(),
        item: item.to_owned(),
    })])
}

pub(super) fn withdraw_indicator(cx: &Cx<'_>, project: &str, indicator: &str) -> Outcome {
    let state = cx.state;
    let project = existing_project(state, project)?;
    let ind = existing_indicator(project, indicator)?;
    cx.needs_reason("撤回指标")?;
    Ok(vec![EventPayload::IndicatorWithdrawn(ItemWithdrawn { project: project.code.clone(), item: ind.code.clone() })])
}

pub(super) fn undo_not_applicable(cx: &Cx<'_>, project: &str, item: &str) -> Outcome {
    let state = cx.state;
    let project = existing_project(state, project)?;
    cx.needs_reason("撤销不适用")?;
    if item != BUDGET_ITEM {
        existing_indicator(project, item)?;
    }
    crate::validate::not_applicable_mark(project, item, true)?;
    Ok(vec![EventPayload::NotApplicableUndone(ItemWithdrawn { project: project.code.clone(), item: item.to_owned() })])
}

/// `indicator amend` as typed: what the definition becomes, and an actual
/// value to clear or to record under the amended definition.
pub(super) struct Amendment<'a> {
    pub level1: &'a Option<String>,
    pub level2: &'a Option<String>,
    pub name: &'a Option<String>,
    pub target: &'a Option<String>,
    pub weight: &'a Option<String>,
    pub clear_value: bool,
    pub value: &'a Option<String>,
    pub level: &'a Option<String>,
    pub score: &'a Option<String>,
}

pub(super) fn amend_indicator(cx: &Cx<'_>, project: &str, indicator: &str, amendment: &Amendment<'_>) -> Outcome {
    let (state, request, profile) = (cx.state, cx.request, cx.profile);
    let &Amendment { level1, level2, name, target, weight, clear_value, value, level, score } = amendment;
    let project = existing_project(state, project)?;
    let ind = existing_indicator(project, indicator)?;
    cx.needs_reason("更正指标")?;
    let level1 = level1.as_deref().map(|l| amended_level1(profile, l)).transpose()?;
    let level2 = optional_name("--level2", level2)?;
    let name = optional_name("--name", name)?;
    let target = match target {
        Some(t) => Some(values::parse_target(t).map_err(|e| Rejection::value("--target", t, e))?),
        None => None,
    };
    let weight = weight.as_deref().map(|w| amended_weight(&project.code, ind, w)).transpose()?;
    // Only what differs is a correction.
    let level1 = level1.filter(|v| *v != ind.level1);
    let level2 = level2.filter(|v| *v != ind.level2);
    let name = name.filter(|v| *v != ind.name);
    let target = target.filter(|v| *v != ind.target);
    let weight = weight.filter(|v| *v != ind.weight);
    // What the amendment names (the name or the target) must make no
    // fraction a rate's target; what it leaves is not judged again.
    if request.as_printed.is_none() && (name.is_some() || target.is_some()) {
        crate::validate::rate_target(name.as_deref().unwrap_or(&ind.name), target.as_ref().unwrap_or(&ind.target))?;
    }
    if clear_value && ind.actual.is_none() {
        return Err(Rejection::new(
            RejectionKind::InvalidValue,
            "--clear-value",
            "",
            format!("指标{}尚无实际完成值，没有可清除的", ind.code),
            "省略 --clear-value",
        ));
    }
    if clear_value && value.is_some() {
        return Err(Rejection::new(
            RejectionKind::InvalidValue,
            "--clear-value",
            "",
            "--clear-value 与 --value 不能同时给出",
            "--value 新的实际完成值（替换已记录的），或 --clear-value（只清除）",
        ));
    }
    let rescored = target.is_some() || weight.is_some();
    // A new actual replaces the recorded one: the amendment clears it.
    let clears_actual = clear_value || (value.is_some() && ind.actual.is_some());
    let amended = IndicatorAmended {
        project: project.code.clone(),
        indicator: ind.code.clone(),
        level1,
        level2,
        name,
        target,
        weight,
        clears_actual,
        clears_override: rescored && ind.score_override.is_some(),
    };
    if value.is_none() && (level.is_some() || score.is_some()) {
        return Err(Rejection::new(
            RejectionKind::InvalidValue,
            if level.is_some() { "--level" } else { "--score" },
            level.as_deref().or(score.as_deref()).unwrap_or_default(),
            "--level 和 --score 属于同时记录的实际完成值",
            "同时给出 --value",
        ));
    }
    let Some(value) = value else {
        crate::validate::indicator_amendment(ind, &amended)?;
        crate::validate::amendment_keeps_a_comparable_actual(profile, ind, &amended)?;
        return Ok(vec![EventPayload::IndicatorAmended(amended)]);
    };
    // The new actual is judged against the amended definition; a
    // value alone (nothing else amended) is `indicator actual`'s.
    if amended.level1.is_none()
        && amended.level2.is_none()
        && amended.name.is_none()
        && amended.target.is_none()
        && amended.weight.is_none()
    {
        return Err(Rejection::new(
            RejectionKind::InvalidValue,
            "--value",
            value,
            format!("指标{}的定义没有更正，只改实际完成值", ind.code),
            format!("selfeval indicator actual {} {} --value {value}", project.code, ind.code),
        ));
    }
    crate::validate::indicator_amendment(ind, &amended)?;
    let mut under_amendment = ind.clone();
    under_amendment.target = amended.target.clone().unwrap_or_else(|| ind.target.clone());
    under_amendment.weight = amended.weight.unwrap_or(ind.weight);
    under_amendment.actual = None;
    if amended.clears_override {
        under_amendment.score_override = None;
    }
    // The reason and measure recorded with the old value carry over.
    let deviation = ind.actual.as_ref().and_then(|a| a.deviation_reason.clone());
    let measure = ind.actual.as_ref().and_then(|a| a.measure.clone());
    let entry = ActualEntry {
        as_printed: request.as_printed.is_some(),
        value,
        level,
        score,
        deviation: &deviation,
        measure: &measure,
    };
    let actual = actual_recorded(profile, &project.code, &under_amendment, &entry)?;
    Ok(vec![EventPayload::IndicatorAmended(amended), EventPayload::IndicatorActualRecorded(actual)])
}

/// `--level1` as amended: one of the profile's first-level names.
fn amended_level1(profile: &crate::profile::RuleProfile, l: &str) -> Result<String, Rejection> {
    if profile.level1_points(l.trim()).is_none() {
        let names: Vec<&str> = profile.level1.iter().map(|l| l.name).collect();
        return Err(Rejection::new(
            RejectionKind::InvalidValue,
            "--level1",
            l,
            format!("「{}」不是评分规则 {} 的一级指标", l.trim(), profile.id),
            names.join("、"),
        ));
    }
    Ok(l.trim().to_owned())
}

/// `--weight` as amended: typed as the project's indicators were defined
/// (points or a percentage), never 「/」 and never for a weightless row.
fn amended_weight(project: &str, ind: &crate::state::Indicator, w: &str) -> Result<Decimal, Rejection> {
    if ind.weightless || is_slash(w) {
        return Err(Rejection::new(
            RejectionKind::Rule,
            "--weight",
            w,
            format!("指标{}的分值「/」（不适用）只在设定指标时给出，不能更正", ind.code),
            "撤回该指标（indicator withdraw）后按原表重新设定（indicator add，不适用的用 --weight / 或 --na）",
        ));
    }
    let (value, in_percent) = weight_as_typed("--weight", w)?;
    if in_percent != ind.weight_in_percent {
        return Err(Rejection::new(
            RejectionKind::InvalidValue,
            "--weight",
            w,
            format!(
                "项目{project}的指标分值以{}填写，「{w}」不是这样写的",
                if ind.weight_in_percent { "百分数（如 20%）" } else { "分（如 20）" }
            ),
            if ind.weight_in_percent { "百分数，如 20%" } else { "分，如 20" },
        ));
    }
    Ok(value)
}
