//! Rules on goals, coverage, problems and rectification: P4, R4, R7, R8, R9.

use rust_decimal::Decimal;

use super::{Context, Findings, Place};
use crate::profile::percent_text;
use crate::report::RectificationStatus;
use crate::scoring::{Deviation, Grade};
use crate::state::Status;

/// P4: the annual goal has no actual, or the actual repeats the expected
/// text while indicators fell short.
pub fn p4_goal_actual_missing(cx: &Context<'_>, out: &mut Findings<'_>) {
    for (i, _, p) in cx.projects().filter(|(_, _, p)| !p.indicators.is_empty()) {
        let short = p.indicators.iter().any(|r| r.deviation == Some(Deviation::Under));
        let repeats = p.goal_actual.is_some() && p.goal_actual == p.goal_expected && short;
        if p.goal_actual.is_none() || repeats {
            let what = if repeats {
                "实际完成情况照抄预期目标，而有指标未完成"
            } else {
                "年度总体目标没有记录实际完成情况"
            };
            out.push(
                Place::ProjectClosing(i),
                Some(&p.code),
                format!("项目{}{what}；请用 goal --actual 如实记录", p.code),
                p.goal_seqs.clone(),
            );
        }
    }
}

/// P5: actual values are recorded but the annual goal has no expected text.
pub fn p5_goal_expected_missing(cx: &Context<'_>, out: &mut Findings<'_>) {
    for (i, project, p) in cx.projects() {
        let has_actuals = project.indicators.iter().any(|ind| ind.actual.is_some());
        if has_actuals && p.goal_expected.is_none() {
            let seqs = project.indicators.iter().filter_map(|ind| ind.actual.as_ref().map(|a| a.seq)).collect();
            out.push(
                Place::ProjectClosing(i),
                Some(&p.code),
                format!("项目{}已记录指标实际完成值，但年度总体目标没有预期目标；请用 goal --expected 记录", p.code),
                seqs,
            );
        }
    }
}

/// R10: a section of the report made only of recorded text has none.
pub fn r10_required_narrative_missing(cx: &Context<'_>, out: &mut Findings<'_>) {
    if !cx.model.projects.iter().any(|p| p.total_score.value.is_some()) {
        return; // nothing evaluated yet: the report is not being written
    }
    for (section, title) in REQUIRED_NARRATIVES {
        if !cx.model.narratives.iter().any(|n| n.section == *section) {
            out.push(
                Place::Department,
                None,
                format!("报告的「{title}」只由说明文字构成，但没有记录文字；请用 narrative set {section} 记录"),
                Vec::new(),
            );
        }
    }
}

/// The report's sections that have no computed content: without recorded
/// text they print 「无。」, which the office should write on purpose
/// (`narrative set 6.other 无。`) rather than leave to chance.
pub const REQUIRED_NARRATIVES: &[(&str, &str)] = &[
    ("3.funds", "三、（三）资金管理情况分析"),
    ("5.evaluation", "五、（一）自评工作建议"),
    ("6.other", "六、其他需要说明的问题"),
];

/// R11: a project changed after its approval.
pub fn r11_changed_after_approval(cx: &Context<'_>, out: &mut Findings<'_>) {
    for (i, project, p) in cx.projects() {
        if project.changed_after_approval.is_empty() {
            continue;
        }
        let list: Vec<String> = project.changed_after_approval.iter().map(|s| format!("#{s}")).collect();
        out.push(
            Place::Coverage(i),
            Some(&p.code),
            format!(
                "项目{}审核通过后又有{}项变更（{}），审核结论没有覆盖这些变更；请退回后重新提交审核",
                p.code,
                list.len(),
                list.join("、")
            ),
            project.changed_after_approval.clone(),
        );
    }
}

/// R7: a weak grade or a deviating indicator with no problem recorded.
pub fn r7_deviation_without_problem(cx: &Context<'_>, out: &mut Findings<'_>) {
    for (i, _, p) in cx.projects().filter(|(_, _, p)| !p.indicators.is_empty()) {
        let has_problem = cx.has_problem(&p.code);
        let weak = matches!(p.grade, Some(Grade::Fair | Grade::Poor));
        let deviating = p.indicators.iter().any(|r| r.deviation.is_some());
        if (weak || deviating) && !has_problem {
            let why = if weak {
                "自评等级为中或差".to_owned()
            } else {
                format!("有未完成或超额{}以上的指标", percent_text(cx.profile.over_deviation))
            };
            out.push(
                Place::ProjectClosing(i),
                Some(&p.code),
                format!("项目{}{why}，但没有记录问题和整改；请用 problem add 与 rectify plan 记录", p.code),
                p.total_score.seqs.clone(),
            );
        }
    }
}

/// R4: a project with a budget or spending is not yet approved.
pub fn r4_coverage_incomplete(cx: &Context<'_>, out: &mut Findings<'_>) {
    for (i, project, p) in cx.projects() {
        let in_scope =
            p.budget.value.unwrap_or_default() > Decimal::ZERO || p.executed.value.unwrap_or_default() > Decimal::ZERO;
        if in_scope && p.status != Status::Approved {
            let mut events: Vec<u64> = p.workflow.iter().map(|w| w.seq).collect();
            events.push(project.registered_seq);
            out.push(
                Place::Coverage(i),
                Some(&p.code),
                format!(
                    "项目{}有预算或支出，但自评尚未提交并审核通过（当前：{}）；自评覆盖率不足100%",
                    p.code,
                    p.status.label()
                ),
                events,
            );
        }
    }
}

/// R8: a rectification past its due date and not done.
pub fn r8_rectification_overdue(cx: &Context<'_>, out: &mut Findings<'_>) {
    for (k, problem) in cx.model.problems.iter().enumerate() {
        if problem.status == RectificationStatus::Overdue {
            out.push(
                Place::Rectification(k),
                Some(&problem.project),
                format!(
                    "问题{}的整改已过完成时限{}仍未完成；请记录进展或完成情况",
                    problem.code,
                    problem.due.map(|d| d.to_string()).unwrap_or_default()
                ),
                problem.seqs.clone(),
            );
        }
    }
}

/// R9: a problem with no rectification plan.
pub fn r9_problem_unplanned(cx: &Context<'_>, out: &mut Findings<'_>) {
    for (k, problem) in cx.model.problems.iter().enumerate() {
        if problem.status == RectificationStatus::Unplanned {
            out.push(
                Place::Rectification(k),
                Some(&problem.project),
                format!("问题{}没有整改计划；请用 rectify plan {} 制定", problem.code, problem.code),
                problem.seqs.clone(),
            );
        }
    }
}

/// G1: no roster: anyone writes under any name (open mode).
pub fn g1_no_roster(cx: &Context<'_>, out: &mut Findings<'_>) {
    if cx.state.department().is_some() && !cx.state.governance().has_roster() {
        out.push(
            Place::Department,
            None,
            "无人员名册：本库处于开放模式，任何人都能以任何名字写入；请由办公室人员用 selfeval member add 本人姓名@科室 --role office --reason 原因 建立名册".to_owned(),
            Vec::new(),
        );
    }
}

/// G2: something was recorded after the latest seal was lifted, and the
/// year was not sealed again.
pub fn g2_changed_after_seal(cx: &Context<'_>, out: &mut Findings<'_>) {
    let governance = cx.state.governance();
    let Some(seal) = governance.seals.last() else { return };
    let changes = governance.unsealed_changes();
    if changes.is_empty() {
        return;
    }
    let seqs: Vec<u64> = changes.iter().map(|a| a.seq).collect();
    let list: Vec<String> = seqs.iter().take(12).map(|s| format!("#{s}")).collect();
    let more = if seqs.len() > 12 { format!("等{}个事件", seqs.len()) } else { String::new() };
    out.push(
        Place::Department,
        None,
        format!(
            "年度于事件#{}封存后解除封存，又记录了变更（{}{more}）；封存时的结论不覆盖这些变更，请核实后重新封存（selfeval seal）",
            seal.sealed.seq,
            list.join("、")
        ),
        seqs,
    );
}
