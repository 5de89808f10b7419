//! T1: a figure a published 自评表 printed (`selfeval printed`,
//! `import-table`) that differs from the one the rules compute from the
//! recorded entries. The printed figure is kept beside the computed one,
//! never in its place; the finding puts them side by side, the printed one
//! as it was typed (`97.80`, not `97.8`).

use rust_decimal::Decimal;

use super::{Context, Findings, Place};
use crate::scoring::rate_percent;
use crate::values::fmt2;

/// A printed number against the computed one, both at two decimals (a
/// table prints 97.80 % for a computed 97.81 %: a difference).
fn differs(printed: Decimal, computed: Option<Decimal>) -> bool {
    computed.is_none_or(|c| crate::values::round_half_up(printed, 2) != crate::values::round_half_up(c, 2))
}

/// T1: each printed figure that differs from its computed one.
pub fn t1_printed_differs(cx: &Context<'_>, out: &mut Findings<'_>) {
    for (i, project, p) in cx.projects() {
        let printed = &project.printed;
        let computed = |value: Option<Decimal>, text: String| match value {
            Some(_) => format!("按规则计算为{text}"),
            None => "按已记录的数据尚不能计算".to_owned(),
        };
        let mut found: Vec<(String, Vec<u64>)> = Vec::new();
        if let Some(total) = printed.total.as_ref().filter(|t| differs(t.value, p.total_score.value)) {
            let text = computed(p.total_score.value, p.total_score.value.map(fmt2).unwrap_or_default());
            found.push((format!("原表总分{}，{text}", total.value), [&total.seqs[..], &p.total_score.seqs].concat()));
        }
        let rate = p.execution_rate.value.map(rate_percent);
        if let Some(printed_rate) = printed.execution_rate.as_ref().filter(|r| differs(r.value, rate)) {
            let text = computed(rate, rate.map(|r| format!("{}%", fmt2(r))).unwrap_or_default());
            found.push((
                format!("原表执行率{}%，{text}", printed_rate.value),
                [&printed_rate.seqs[..], &p.execution_rate.seqs].concat(),
            ));
        }
        if let Some(score) = printed.budget_score.as_ref().filter(|s| differs(s.value, p.budget_score.value)) {
            let text = computed(p.budget_score.value, p.budget_score.value.map(fmt2).unwrap_or_default());
            found.push((
                format!("原表预算执行率得分{}，{text}", score.value),
                [&score.seqs[..], &p.budget_score.seqs].concat(),
            ));
        }
        if let Some(grade) = printed.grade.as_ref().filter(|g| p.grade != Some(g.value)) {
            let text = match p.grade {
                Some(g) => format!("按规则计算为{}", g.label()),
                None => "按已记录的数据尚不能计算".to_owned(),
            };
            found.push((
                format!("原表等级{}，{text}", grade.value.label()),
                [&grade.seqs[..], &p.total_score.seqs].concat(),
            ));
        }
        for (what, mut seqs) in found {
            seqs.sort_unstable();
            seqs.dedup();
            out.push(Place::ProjectClosing(i), Some(&p.code), format!("项目{}{what}", p.code), seqs);
        }
    }
}
