//! Rules on performance indicators and their scores: I7, I8, I18, I9, I10,
//! I11, I12, I16, I17. A project with no indicators has not been evaluated
//! yet, so these rules pass it by.

use rust_decimal::Decimal;

use super::{Context, Findings, Place};
use crate::arith::{add, sum};
use crate::profile::percent_text;
use crate::report::{IndicatorRow, ProjectReport};
use crate::scoring::Deviation;
use crate::state::{Indicator, Project, ScoreOverride};
use crate::values::{fmt2, fmt_plain, Operator, Target};

/// The evaluated projects: those with indicators.
fn evaluated<'a>(cx: &Context<'a>) -> impl Iterator<Item = (usize, &'a Project, &'a ProjectReport)> + 'a {
    cx.projects().filter(|(_, _, p)| !p.indicators.is_empty())
}

/// Every indicator of the evaluated projects, with its place in the report.
fn rows<'a>(
    cx: &Context<'a>,
) -> impl Iterator<Item = (Place, &'a ProjectReport, &'a Indicator, &'a IndicatorRow)> + 'a {
    evaluated(cx).flat_map(|(i, project, p)| {
        project
            .indicators
            .iter()
            .zip(&p.indicators)
            .enumerate()
            .map(move |(j, (ind, row))| (Place::Indicator(i, j), p, ind, row))
    })
}

/// I7: the budget row's points and the indicators' points do not sum to 100.
pub fn i7_points_not_100(cx: &Context<'_>, out: &mut Findings<'_>) {
    for (i, project, p) in evaluated(cx) {
        let points = add(p.budget_weight, sum(p.indicators.iter().map(|r| r.weight)));
        if points != Decimal::from(100) {
            let mut events = vec![project.registered_seq];
            events.extend(project.indicators.iter().map(|ind| ind.defined_seq));
            out.push(
                Place::ProjectIndicators(i),
                Some(&p.code),
                format!(
                    "项目{}预算执行率分值与各指标分值合计为{}，应为100；请调整指标分值或补充指标",
                    p.code,
                    fmt_plain(points)
                ),
                events,
            );
        }
    }
}

/// I8: a 一级 the profile requires has no indicator.
pub fn i8_missing_level1(cx: &Context<'_>, out: &mut Findings<'_>) {
    for (i, project, p) in evaluated(cx) {
        for level1 in &cx.profile.required_level1 {
            if !p.indicators.iter().any(|r| r.level1 == *level1) {
                out.push(
                    Place::ProjectIndicators(i),
                    Some(&p.code),
                    format!("项目{}没有{level1}；请补充该类指标", p.code),
                    project.indicators.iter().map(|ind| ind.defined_seq).collect(),
                );
            }
        }
    }
}

/// I18: the points under a 一级 differ from the profile's split, with no reason.
pub fn i18_level1_split_unexplained(cx: &Context<'_>, out: &mut Findings<'_>) {
    for (i, project, p) in evaluated(cx) {
        for level1 in &cx.profile.level1 {
            // A row printed 「/」 has no points, and its reason is no reason for the split.
            let under: Vec<_> =
                project.indicators.iter().filter(|ind| ind.level1 == level1.name && !ind.weightless).collect();
            let points = sum(under.iter().map(|ind| ind.weight));
            if !under.is_empty() && points != level1.points && under.iter().all(|ind| ind.reason.is_none()) {
                out.push(
                    Place::ProjectIndicators(i),
                    Some(&p.code),
                    format!(
                        "项目{}的{}分值合计为{}，与评分规则的{}分不同，且没有记录原因；请在设定指标时用 --reason 说明特殊分值",
                        p.code,
                        level1.name,
                        fmt_plain(points),
                        fmt_plain(level1.points)
                    ),
                    under.iter().map(|ind| ind.defined_seq).collect(),
                );
            }
        }
    }
}

/// I9: a cost indicator with a ≥ or > target.
pub fn i9_cost_without_ceiling(cx: &Context<'_>, out: &mut Findings<'_>) {
    for (place, p, indicator, row) in rows(cx) {
        let Target::Quantitative { op, .. } = &indicator.target else { continue };
        if cx.profile.is_cost(&row.level1, &row.level2) && matches!(op, Operator::AtLeast | Operator::MoreThan) {
            out.push(
                place,
                Some(&p.code),
                format!(
                    "项目{}的成本指标{}「{}」目标为{}，成本没有上限；成本指标应写作 ≤ 目标",
                    p.code, row.code, row.name, row.target
                ),
                vec![indicator.defined_seq],
            );
        }
    }
}

/// I10: a rate indicator whose target or actual is above 100%.
pub fn i10_rate_above_100(cx: &Context<'_>, out: &mut Findings<'_>) {
    let hundred = Decimal::from(100);
    for (place, p, indicator, row) in rows(cx) {
        let Target::Quantitative { value, unit, .. } = &indicator.target else { continue };
        let actual_over = indicator.actual.as_ref().and_then(|a| a.number).is_some_and(|b| b > hundred);
        if unit == "%" && (*value > hundred || actual_over) {
            out.push(
                place,
                Some(&p.code),
                format!("项目{}的比率指标{}「{}」目标或实际值超过100%；请核对", p.code, row.code, row.name),
                row.score.seqs.clone(),
            );
        }
    }
}

/// I11: an indicator under its target with no deviation reason or measure.
pub fn i11_under_unexplained(cx: &Context<'_>, out: &mut Findings<'_>) {
    let under = if cx.profile.under_deviation.is_zero() {
        "得分低于分值".to_owned()
    } else {
        format!("得分比分值低{}以上", percent_text(cx.profile.under_deviation))
    };
    for (place, p, _, row) in rows(cx) {
        if row.deviation == Some(Deviation::Under) && !(row.deviation_reason.is_some() && row.measure.is_some()) {
            // Recording the actual again clears a score set by hand.
            let then = if row.override_reason.is_some() {
                "（得分系人工调整：补充后须重新调整得分）"
            } else {
                ""
            };
            out.push(
                place,
                Some(&p.code),
                format!(
                    "项目{}的指标{}「{}」未完成目标（{under}），但缺少偏差原因分析或改进措施；请用 indicator actual --deviation --measure 补充{then}",
                    p.code, row.code, row.name
                ),
                row.score.seqs.clone(),
            );
        }
    }
}

/// I12: an indicator beyond its target by the profile's threshold with no reason.
pub fn i12_over_unexplained(cx: &Context<'_>, out: &mut Findings<'_>) {
    let threshold = percent_text(cx.profile.over_deviation);
    for (place, p, _, row) in rows(cx) {
        if row.deviation == Some(Deviation::Over) && row.deviation_reason.is_none() {
            // A ceiling (≤ <) bettered by far was set too high, not too low.
            let ceiling = row.target.starts_with(['≤', '<']);
            let (beyond, set) =
                if ceiling { ("低于目标值", "偏高（过宽）") } else { ("超出目标", "偏低") };
            out.push(
                place,
                Some(&p.code),
                format!(
                    "项目{}的指标{}「{}」{beyond}{threshold}以上，但缺少偏差原因分析；请说明是否目标设定{set}",
                    p.code, row.code, row.name
                ),
                row.score.seqs.clone(),
            );
        }
    }
}

/// I16: an indicator with no actual value.
pub fn i16_missing_actual(cx: &Context<'_>, out: &mut Findings<'_>) {
    for (place, p, indicator, row) in rows(cx) {
        // One with a score set by hand is I20's.
        if indicator.actual.is_none() && indicator.not_applicable.is_none() && indicator.score_override.is_none() {
            out.push(
                place,
                Some(&p.code),
                format!(
                    "项目{}的指标{}「{}」尚无实际完成值（按0分计）；请用 indicator actual 记录",
                    p.code, row.code, row.name
                ),
                vec![indicator.defined_seq],
            );
        }
    }
}

/// I19: an actual value that copies a target (`≥80%`, as published tables
/// print for 满意度): recorded as printed, scored at its boundary.
pub fn i19_actual_copies_target(cx: &Context<'_>, out: &mut Findings<'_>) {
    for (place, p, indicator, row) in rows(cx) {
        let Some(actual) = indicator.actual.as_ref().filter(|_| indicator.not_applicable.is_none()) else { continue };
        // Only a quantitative row is scored by the boundary it copies.
        let crate::values::Target::Quantitative { op, .. } = indicator.target else { continue };
        if let Ok(Some(boundary)) = crate::values::copied_target(&actual.value, op) {
            out.push(
                place,
                Some(&p.code),
                format!(
                    "项目{}的指标{}「{}」实际完成值「{}」照抄年度指标值，按{boundary}计分；请核实实际完成值",
                    p.code, row.code, row.name, actual.value
                ),
                vec![actual.seq],
            );
        }
    }
}

/// I21: a blank cell recorded as printed: a blank 年度指标值 (no score can
/// be computed against it) or a blank 实际完成值 (the row is 未填).
pub fn i21_blank_cell(cx: &Context<'_>, out: &mut Findings<'_>) {
    for (place, p, indicator, row) in rows(cx) {
        if indicator.not_applicable.is_some() {
            continue;
        }
        let score = match &indicator.score_override {
            Some(o) => format!("得分为人工调整的{}（事件{}）", fmt_plain(o.score), o.seq),
            None => "按0分计".to_owned(),
        };
        if indicator.target == Target::Blank {
            out.push(
                place,
                Some(&p.code),
                format!(
                    "项目{}的指标{}「{}」年度指标值为空（如原表所印），无法按规则计算得分，{score}；请补充年度指标值",
                    p.code, row.code, row.name
                ),
                vec![indicator.defined_seq],
            );
        }
        if let Some(actual) = indicator.actual.as_ref().filter(|a| a.is_blank()) {
            out.push(
                place,
                Some(&p.code),
                format!(
                    "项目{}的指标{}「{}」实际完成值为空（如原表所印），{score}；请补充实际完成值",
                    p.code, row.code, row.name
                ),
                vec![actual.seq],
            );
        }
    }
}

/// I20: a score set by hand on an indicator without an actual value (a
/// published table printing a score for a blank row): the score counts,
/// the row is 未填 in the report's counts.
pub fn i20_score_without_actual(cx: &Context<'_>, out: &mut Findings<'_>) {
    for (place, p, indicator, row) in rows(cx) {
        let Some(score) = indicator.score_override.as_ref() else { continue };
        if indicator.actual.is_none() && indicator.not_applicable.is_none() {
            out.push(
                place,
                Some(&p.code),
                format!(
                    "项目{}的指标{}「{}」没有实际完成值，却有人工调整的得分{}（事件{}）；请记录实际完成值或核实得分依据",
                    p.code,
                    row.code,
                    row.name,
                    crate::values::fmt_plain(score.score),
                    score.seq
                ),
                vec![indicator.defined_seq, score.seq],
            );
        }
    }
}

/// I17: a score set by hand, listed with who, why and the automatic score.
pub fn i17_score_overridden(cx: &Context<'_>, out: &mut Findings<'_>) {
    let mut push = |place, p: &ProjectReport, what: String, score: &ScoreOverride, auto: Option<Decimal>| {
        out.push(
            place,
            Some(&p.code),
            format!(
                "项目{}的{what}得分由{}人工调整为{}（自动计算为{}），原因：{}",
                p.code,
                score.actor,
                fmt2(score.score),
                auto.map_or("—".to_owned(), fmt2),
                score.reason
            ),
            vec![score.seq],
        );
    };
    for (place, p, indicator, row) in rows(cx) {
        if let Some(score) = &indicator.score_override {
            push(place, p, format!("指标{}", row.code), score, row.auto_score);
        }
    }
    for (i, project, p) in evaluated(cx) {
        if let Some(score) = &project.budget_score_override {
            push(Place::ProjectClosing(i), p, "预算执行率".to_owned(), score, p.budget_auto_score);
        }
    }
}
