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
        let rate = p.execution_rate.value.map(rate_percent);
        // Each printed number beside the figure it stands for.
        let numbers = [
            ("总分", &printed.total, p.total_score.value, "", &p.total_score.seqs),
            ("执行率", &printed.execution_rate, rate, "%", &p.execution_rate.seqs),
            ("预算执行率得分", &printed.budget_score, p.budget_score.value, "", &p.budget_score.seqs),
        ];
        let mut found: Vec<(String, Vec<u64>)> = Vec::new();
        for (label, printed, computed, sign, seqs) in numbers {
            let Some(printed) = printed.as_ref().filter(|t| differs(t.value, computed)) else { continue };
            let text = computed
                .map_or_else(|| "按已记录的数据尚不能计算".to_owned(), |c| format!("按规则计算为{}{sign}", fmt2(c)));
            found.push((format!("原表{label}{}{sign}，{text}", printed.value), [&printed.seqs[..], seqs].concat()));
        }
        if let Some(grade) = printed.grade.as_ref().filter(|g| p.grade != Some(g.value)) {
            let text =
                p.grade.map_or_else(|| "按已记录的数据尚不能计算".to_owned(), |g| format!("按规则计算为{}", g.label()));
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

/// T2: an entry recorded as printed (`--as-printed`) although the clerk's
/// path refuses it, one finding per note, naming what was refused.
pub fn t2_recorded_as_printed(cx: &Context<'_>, out: &mut Findings<'_>) {
    for (i, project, p) in cx.projects() {
        for note in &project.as_printed {
            out.push(
                Place::ProjectClosing(i),
                Some(&p.code),
                format!("项目{}按原表照录（事件{}，{}）：{}；请核实原表", p.code, note.seq, note.actor, note.text),
                vec![note.seq],
            );
        }
    }
}
