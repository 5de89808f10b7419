//! Rules on budgets and spending: D1 (values out of range), F2, F3, F7, F9, F10.

use rust_decimal::Decimal;

use super::{Context, Findings, Place};
use crate::arith::{hundred, mul};
use crate::scoring::rate_percent;
use crate::values::{fmt2, fmt_plain, Target};

/// D1: an event whose value is beyond what can be computed with; replay
/// left it out, so every figure it would have changed is short of it.
pub fn d1_value_out_of_range(cx: &Context<'_>, out: &mut Findings<'_>) {
    for impossible in cx.state.impossible() {
        let index = impossible.project.as_ref().and_then(|code| cx.model.projects.iter().position(|p| &p.code == code));
        let place = index.map_or(Place::Department, Place::ProjectMoney);
        out.push(
            place,
            impossible.project.as_deref(),
            format!(
                "事件#{}的{}超出可计算的范围（金额不超过100,000,000万元，数量不超过10^15，分值与得分在0至100之间），重放时未计入，如同已撤销；请核对原始凭证，按正确的值重新记录",
                impossible.seq, impossible.what
            ),
            vec![impossible.seq],
        );
    }
}

/// F2: spending recorded on a project whose full-year budget is zero.
pub fn f2_spending_without_budget(cx: &Context<'_>, out: &mut Findings<'_>) {
    for (i, _, p) in cx.projects() {
        let executed = p.executed.value.unwrap_or_default();
        if p.budget.value.unwrap_or_default().is_zero() && executed > Decimal::ZERO {
            out.push(
                Place::ProjectMoney(i),
                Some(&p.code),
                format!(
                    "项目{}全年预算数为0，却记录了支出{}万元（执行率不适用）；应补记预算（budget set/adjust）或冲销不属于本项目的支出",
                    p.code,
                    fmt2(executed)
                ),
                p.execution_rate.seqs.clone(),
            );
        }
    }
}

/// F3: executed above the full-year budget, per project and for the department.
pub fn f3_spending_over_budget(cx: &Context<'_>, out: &mut Findings<'_>) {
    for (i, _, p) in cx.projects() {
        let budget = p.budget.value.unwrap_or_default();
        let executed = p.executed.value.unwrap_or_default();
        if budget > Decimal::ZERO && executed > budget {
            let rate = p.execution_rate.value.map(rate_percent).unwrap_or_default();
            out.push(
                Place::ProjectMoney(i),
                Some(&p.code),
                format!(
                    "项目{}全年执行数{}万元超过全年预算数{}万元（执行率{}%）；超预算支出须有预算调整，应补记调整或核对支出",
                    p.code,
                    fmt2(executed),
                    fmt2(budget),
                    fmt2(rate)
                ),
                p.execution_rate.seqs.clone(),
            );
        }
    }
    let t = &cx.model.totals;
    if let (Some(budget), Some(executed)) = (t.budget.value, t.executed.value) {
        if budget > Decimal::ZERO && executed > budget {
            out.push(
                Place::Department,
                None,
                format!(
                    "部门全年执行数合计{}万元超过全年预算数合计{}万元（执行率{}%）；超出部分须有预算或预算调整",
                    fmt2(executed),
                    fmt2(budget),
                    t.execution_rate.value.map_or("—".to_owned(), |r| fmt2(rate_percent(r)))
                ),
                t.execution_rate.seqs.clone(),
            );
        }
    }
}

/// F7: an execution rate below the profile's floor with no explanation.
pub fn f7_low_execution_unexplained(cx: &Context<'_>, out: &mut Findings<'_>) {
    let floor = cx.profile.low_execution_rate;
    for (i, _, p) in cx.projects() {
        let Some(rate) = p.execution_rate.value else { continue };
        let explained =
            ["1.execution", "3.execution"].iter().any(|section| cx.state.narrative(section, Some(&p.code)).is_some());
        if rate < floor && !explained {
            out.push(
                Place::ProjectMoney(i),
                Some(&p.code),
                format!(
                    "项目{}预算执行率{}%低于{}%，但没有说明原因；请用 narrative set 3.execution --project {} 记录原因",
                    p.code,
                    fmt2(rate_percent(rate)),
                    fmt_plain(mul(floor, hundred())),
                    p.code
                ),
                p.execution_rate.seqs.clone(),
            );
        }
    }
}

/// F9: an amount above the profile's ceiling, likely 元 typed as 万元.
pub fn f9_implausible_amount(cx: &Context<'_>, out: &mut Findings<'_>) {
    let ceiling = cx.profile.implausible_budget;
    for (i, project, p) in cx.projects() {
        // A reversed spending no longer counts: its typo has been corrected.
        let mut events: Vec<u64> = project
            .expenditures
            .iter()
            .filter(|e| e.reversed_by.is_none() && e.amount > ceiling)
            .map(|e| e.seq)
            .collect();
        if p.budget.value.unwrap_or_default() > ceiling {
            events.extend(&p.budget.seqs);
        }
        if !events.is_empty() {
            out.push(
                Place::ProjectMoney(i),
                Some(&p.code),
                format!(
                    "项目{}有超过{}万元的金额，疑似把「元」当作「万元」录入；请核对单位（金额可写作 215,457.60元）",
                    p.code,
                    fmt_plain(ceiling)
                ),
                events,
            );
        }
    }
}

/// F11: one voucher number on two or more spendings that stand (not reversed).
pub fn f11_voucher_recorded_twice(cx: &Context<'_>, out: &mut Findings<'_>) {
    // A hash set finds the vouchers used more than once (a sorted map of
    // all of them cost half a second of a million-event report); only
    // their uses are then gathered, in project and recording order.
    let unreversed = || {
        cx.projects().flat_map(|(i, project, _)| {
            project.expenditures.iter().filter(|e| e.reversed_by.is_none()).filter_map(move |e| {
                let voucher = e.voucher.as_deref().filter(|v| !v.trim().is_empty())?;
                // Compared as typed in any width or dash (记－0801 is 记-0801).
                Some((crate::values::voucher_key(voucher), voucher, i, project.code.as_str(), e.seq))
            })
        })
    };
    let count = cx.projects().map(|(_, project, _)| project.expenditures.len()).sum();
    let mut seen: foldhash::HashSet<std::borrow::Cow<'_, str>> =
        foldhash::HashSet::with_capacity_and_hasher(count, Default::default());
    let repeated: foldhash::HashSet<std::borrow::Cow<'_, str>> =
        unreversed().filter_map(|u| (!seen.insert(u.0.clone())).then_some(u.0)).collect();
    if repeated.is_empty() {
        return;
    }
    let mut uses: Vec<_> = unreversed().filter(|u| repeated.contains(&u.0)).collect();
    // By voucher, each voucher's uses in the order found (a stable sort).
    uses.sort_by(|a, b| a.0.cmp(&b.0));
    for group in uses.chunk_by(|a, b| a.0 == b.0) {
        let (_, voucher, first, code, _) = &group[0];
        let (voucher, first, code) = (*voucher, *first, *code);
        let seqs: Vec<u64> = group.iter().map(|u| u.4).collect();
        let list: Vec<String> = seqs.iter().map(|s| format!("#{s}")).collect();
        out.push(
            Place::ProjectMoney(first),
            Some(code),
            format!(
                "凭证号「{}」记录了{}笔支出（{}），且都未冲销；若是重复入账，请用 spend reverse 冲销多余的一笔",
                selfeval_voucher(voucher),
                group.len(),
                list.join("、")
            ),
            seqs,
        );
    }
}

fn selfeval_voucher(voucher: &str) -> String {
    crate::values::visible(voucher)
}

/// F10: a cost indicator whose target in 万元 is above the project's budget.
pub fn f10_cost_target_above_budget(cx: &Context<'_>, out: &mut Findings<'_>) {
    for (i, project, p) in cx.projects() {
        let budget = p.budget.value.unwrap_or_default();
        for (j, (indicator, row)) in project.indicators.iter().zip(&p.indicators).enumerate() {
            let Target::Quantitative { value, unit, .. } = &indicator.target else { continue };
            if cx.profile.is_cost(&row.level1, &row.level2) && unit == "万元" && *value > budget {
                out.push(
                    Place::Indicator(i, j),
                    Some(&p.code),
                    format!(
                        "项目{}的成本指标{}目标{}万元高于全年预算数{}万元；请核对目标或预算",
                        p.code,
                        row.code,
                        fmt_plain(*value),
                        fmt2(budget)
                    ),
                    vec![indicator.defined_seq],
                );
            }
        }
    }
}
