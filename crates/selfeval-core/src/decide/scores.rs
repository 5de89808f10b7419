//! The scores' room: `indicator actual` (the actual value and the score it
//! earns) and `score adjust`.

use rust_decimal::Decimal;

use super::fields::{as_given, existing_indicator, optional_text};
use super::{Cx, Outcome};
use crate::event::*;
use crate::profile::RuleProfile;
use crate::request::{existing_project, Rejection, RejectionKind};
use crate::scoring;
use crate::state::Indicator;
use crate::values::{self, Target};

/// What `indicator actual` (or `indicator amend --value`) types for an
/// actual value.
pub(super) struct ActualEntry<'a> {
    /// `--as-printed`: a deadline's actual that is no date is kept as typed.
    pub as_printed: bool,
    pub value: &'a str,
    pub level: &'a Option<String>,
    pub score: &'a Option<String>,
    pub deviation: &'a Option<String>,
    pub measure: &'a Option<String>,
}

/// The actual value `entry` records for `ind` of `project`, checked as
/// the judge of a recorded event checks it (not whether it changes
/// anything: the caller decides that).
pub(super) fn actual_recorded(
    profile: &RuleProfile,
    project: &str,
    ind: &Indicator,
    entry: &ActualEntry<'_>,
) -> Result<IndicatorActualRecorded, Rejection> {
    let indicator = &ind.code;
    if ind.not_applicable.is_some() {
        return Err(Rejection::rule("ICODE", indicator, format!("指标{indicator}已标记为不适用"), "适用的指标编号"));
    }
    let value = entry.value.trim();
    let mut payload = IndicatorActualRecorded {
        project: project.to_owned(),
        indicator: ind.code.clone(),
        value: value.to_owned(),
        number: None,
        level: None,
        score: None,
        deviation_reason: optional_text("--deviation", entry.deviation)?,
        measure: optional_text("--measure", entry.measure)?,
        clears_override: ind.score_override.is_some(),
    };
    let as_text = || values::check_text(value).map_err(|e| Rejection::value("--value", value, e));
    match &ind.target {
        // A blank cell (`""`, 未填) is recorded blank; so is any actual of a
        // blank target, as typed: neither has a number, a level or a score.
        _ if values::is_blank(value) => {
            unscored("空的实际完成值", entry)?;
            payload.value = String::new();
        }
        Target::Blank => {
            unscored("年度指标值为空的指标", entry)?;
            as_text()?;
        }
        Target::Deadline { .. } => {
            unscored("完成时限指标按完成日期计分，", entry)?;
            // 「已完成」 says when nothing: refused, or kept as printed
            // (no score from the rules; T2 names it).
            if !entry.as_printed {
                values::deadline::parse_completion(value).map_err(|e| Rejection::value("--value", value, e))?;
            }
            as_text()?;
        }
        Target::Quantitative { op, unit, .. } => payload.number = Some(quantitative(value, *op, unit, entry)?),
        Target::Qualitative { .. } => {
            as_text()?;
            let (level, score) = qualitative(profile, ind, value, entry)?;
            payload.level = Some(level);
            payload.score = Some(score);
        }
    }
    // What the judge of a recorded event would refuse is never made.
    crate::validate::actual_value(profile, ind, &payload)?;
    Ok(payload)
}

/// An actual without a level or a score (`what` says why it has none).
fn unscored(what: &str, entry: &ActualEntry<'_>) -> Result<(), Rejection> {
    let refuse = |field: &str, given: &str| {
        Rejection::new(
            RejectionKind::InvalidValue,
            field,
            given,
            format!("{what}不计等级或得分"),
            "省略 --level 和 --score；得分如原表所印，用 selfeval score adjust 记录",
        )
    };
    match (entry.level, entry.score) {
        (Some(level), _) => Err(refuse("--level", level)),
        (None, Some(score)) => Err(refuse("--score", score)),
        (None, None) => Ok(()),
    }
}

/// The number a quantitative actual records: no level, no score typed
/// (the rules score it); a copy of the target (`≥80%`) is read as its
/// boundary, and I19 says so.
fn quantitative(value: &str, op: values::Operator, unit: &str, entry: &ActualEntry<'_>) -> Result<Decimal, Rejection> {
    if let Some(level) = entry.level {
        return Err(Rejection::new(
            RejectionKind::InvalidValue,
            "--level",
            level,
            "定量指标不填完成等级",
            "省略 --level（等级只用于定性指标）",
        ));
    }
    if let Some(score) = entry.score {
        return Err(Rejection::new(
            RejectionKind::InvalidValue,
            "--score",
            score,
            "定量指标的得分由实际完成值自动计算",
            "省略 --score；确需改分请用 selfeval score adjust 并说明原因",
        ));
    }
    let copied = values::copied_target(value, op).map_err(|e| Rejection::value("--value", value, e))?;
    values::parse_actual_number(copied.as_deref().unwrap_or(value), unit)
        .map_err(|e| Rejection::value("--value", value, e))
}

/// The level and score a qualitative actual records: the level typed (or
/// the value itself, 达成), the score typed, or full marks when achieved;
/// the score within its level's band of the profile.
fn qualitative(
    profile: &RuleProfile,
    ind: &Indicator,
    value: &str,
    entry: &ActualEntry<'_>,
) -> Result<(values::QualitativeLevel, Decimal), Rejection> {
    let level = match entry.level {
        Some(text) => text.parse().map_err(|e| Rejection::value("--level", text, e))?,
        None => value.parse().map_err(|_| {
            Rejection::new(
                RejectionKind::InvalidValue,
                "--level",
                "",
                "定性指标须给出完成等级",
                "--level 达成|部分达成|未达成",
            )
        })?,
    };
    let typed = match entry.score {
        Some(text) => Some(values::parse_number(text).map_err(|e| Rejection::value("--score", text, e))?),
        None => None,
    };
    let score = match (level, typed) {
        (values::QualitativeLevel::Achieved, None) => ind.weight,
        (_, Some(s)) => s,
        (_, None) => {
            return Err(Rejection::new(
                RejectionKind::InvalidValue,
                "--score",
                "",
                format!("完成等级为「{}」时须给出得分", level.label()),
                band_text(profile, level, ind.weight),
            ))
        }
    };
    if !profile.score_in_band(level, ind.weight, score) {
        return Err(Rejection::new(
            RejectionKind::InvalidValue,
            "--score",
            entry.score.as_deref().unwrap_or_default(),
            format!("得分{}不在「{}」的分数区间内", values::fmt_plain(score), level.label()),
            band_text(profile, level, ind.weight),
        ));
    }
    Ok((level, score))
}

fn band_text(profile: &RuleProfile, level: values::QualitativeLevel, weight: Decimal) -> String {
    let (low, high, inclusive) = profile.qualitative_band(level, weight);
    let close = if inclusive { "≤" } else { "<" };
    format!("{} ≤ 得分 {close} {}", values::fmt_plain(low), values::fmt_plain(high))
}

pub(super) fn record_actual(cx: &Cx<'_>, project: &str, indicator: &str, entry: &ActualEntry<'_>) -> Outcome {
    let project = existing_project(cx.state, project)?;
    let ind = existing_indicator(project, indicator)?;
    let payload = actual_recorded(cx.profile, &project.code, ind, entry)?;
    crate::validate::actual_unchanged(ind, &payload, cx.request.meta.occurred_at)?;
    Ok(vec![EventPayload::IndicatorActualRecorded(payload)])
}

pub(super) fn clear_override(cx: &Cx<'_>, project: &str, item: &str) -> Outcome {
    let state = cx.state;
    let project = existing_project(state, project)?;
    cx.needs_reason("撤销人工调整的得分")?;
    let overridden = if item == BUDGET_ITEM {
        project.budget_score_override.is_some()
    } else {
        existing_indicator(project, item)?.score_override.is_some()
    };
    if !overridden {
        return Err(Rejection::rule(
            "ITEM",
            item,
            format!("{}的得分没有人工调整（没有变化）", item),
            "人工调整过得分的指标编号或 budget",
        ));
    }
    Ok(vec![EventPayload::ScoreOverrideCleared(ItemWithdrawn { project: project.code.clone(), item: item.to_owned() })])
}

pub(super) fn adjust_score(cx: &Cx<'_>, project: &str, item: &str, score: &str) -> Outcome {
    let state = cx.state;
    let profile = cx.profile;
    let project = existing_project(state, project)?;
    cx.needs_reason("人工调整得分")?;
    let score_value = values::parse_number(score).map_err(|e| Rejection::value("--score", score, e))?;
    if item != BUDGET_ITEM {
        existing_indicator(project, item)?;
    }
    crate::validate::score_adjustable(project, item)?;
    let (weight, auto_score) = match project.indicator(item) {
        None => {
            let budget = project.budget().value;
            let outcome = scoring::budget_outcome(budget, project.executed().value, project.budget_weight);
            (project.budget_weight, outcome.score)
        }
        Some(ind) => (ind.weight, scoring::indicator_auto_score(ind, profile)),
    };
    if score_value > weight {
        return Err(Rejection::new(
            RejectionKind::InvalidValue,
            "--score",
            score,
            format!("得分{}超过分值{}", values::fmt_plain(score_value), values::fmt_plain(weight)),
            format!("0 至 {} 之间的数", values::fmt_plain(weight)),
        ));
    }
    crate::validate::score_change(project, item, score_value, profile).map_err(as_given(score))?;
    Ok(vec![EventPayload::ScoreAdjusted(ScoreAdjusted {
        project: project.code.clone(),
        item: item.to_owned(),
        score: score_value,
        auto_score,
    })])
}
