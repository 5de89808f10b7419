//! What an event may say, given the state before it. `handle` only ever
//! produces valid events; this is for events that did not come from
//! `handle` here: an import, whose every event is decoded, checked and
//! applied before anything lands.

mod recorded;

use rust_decimal::Decimal;

use crate::event::{BudgetSource, BUDGET_ITEM};
use crate::profile::RuleProfile;
use crate::request::{Rejection, RejectionKind};
use crate::state::{Project, State, Status};
use crate::values::{amount_in_range, check_code, quantity_in_range, Target};

pub use recorded::check_event;

/// A step of a project's self-evaluation workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The section submits (填报中 or 已退回 → 已提交), every applicable
    /// indicator having its actual value.
    Submit,
    /// The office approves (已提交 → 已审核通过).
    Approve,
    /// The office returns (已提交 or 已审核通过 → 已退回).
    Return,
    /// The office reopens (已审核通过 → 填报中).
    Reopen,
}

/// Whether `project` may take `step` now. The one rule: `handle` decides
/// `submit`, `approve`, `return` and `reopen` by it, and an import or
/// `verify` judges the recorded steps by it.
pub fn workflow_step(project: &Project, step: Step) -> Result<(), Rejection> {
    let (allowed, action, accepted) = match step {
        Step::Submit => (matches!(project.status, Status::Draft | Status::Returned), "提交", "填报中或已退回的项目"),
        Step::Approve => (project.status == Status::Submitted, "审核通过", "已提交的项目"),
        Step::Return => {
            (matches!(project.status, Status::Submitted | Status::Approved), "退回", "已提交或已审核通过的项目")
        }
        Step::Reopen => (project.status == Status::Approved, "重新打开", "已审核通过的项目"),
    };
    if !allowed {
        return Err(Rejection::new(
            RejectionKind::Rule,
            "CODE",
            &project.code,
            format!("项目{}当前状态为「{}」，不能{action}", project.code, project.status.label()),
            accepted,
        ));
    }
    if step == Step::Submit {
        let missing: Vec<&str> = project
            .indicators
            .iter()
            .filter(|i| i.not_applicable.is_none() && i.actual.as_ref().is_none_or(crate::state::Actual::is_blank))
            .map(|i| i.code.as_str())
            .collect();
        if project.indicators.is_empty() || !missing.is_empty() {
            let problem = if project.indicators.is_empty() {
                format!("项目{}尚未设定绩效指标，自评表不完整", project.code)
            } else {
                format!("项目{}的指标{}尚无实际完成值，自评表不完整", project.code, missing.join("、"))
            };
            return Err(Rejection::new(
                RejectionKind::Rule,
                "CODE",
                &project.code,
                problem,
                "每个适用指标都已记录实际完成值的项目",
            ));
        }
    }
    Ok(())
}

/// Whether `file` may be pinned as evidence of `project`: a name (no
/// directory, no control or invisible characters) not pinned there before.
/// The one rule for `evidence add` and for a recorded `EvidenceAdded`.
pub fn evidence_file(project: &Project, file: &str) -> Result<(), Rejection> {
    let invalid =
        |problem: String, accepted: &str| Rejection::new(RejectionKind::InvalidValue, "FILE", file, problem, accepted);
    crate::values::check_name(file).map_err(|e| invalid(e.problem, e.accepted))?;
    if file.contains(['/', '\\']) {
        return Err(invalid("文件名含目录".into(), "不含目录的文件名"));
    }
    if let Some(pinned) = project.evidence.iter().find(|e| e.file == file) {
        return Err(Rejection::new(
            RejectionKind::Rule,
            "FILE",
            file,
            format!("项目{}已于事件#{}登记同名佐证材料「{file}」", project.code, pinned.seq),
            "另一个文件名（同名文件核对时无法区分）",
        ));
    }
    Ok(())
}

/// A 年初预算数 set again for its source: something must change. The one
/// rule for `budget set` and for a recorded `BudgetSet`.
/// A set of the same amount that does not date it earlier changes nothing.
pub fn budget_set(
    project: &Project,
    amount: Decimal,
    source: BudgetSource,
    effective: chrono::DateTime<chrono::Utc>,
) -> Result<(), Rejection> {
    let current = project.budget_lines.iter().rev().find(|l| l.source == source);
    if let Some(line) = current.filter(|l| l.amount == amount && effective >= l.effective) {
        return Err(Rejection::new(
            RejectionKind::InvalidValue,
            "--amount",
            &crate::values::fmt_plain(amount),
            format!(
                "项目{}的年初预算数（{}）没有变化：已是{}万元（{}元，事件{}）",
                project.code,
                source.label(),
                crate::values::fmt_plain(amount),
                crate::values::AmountUnit::Yuan.format(amount),
                line.seq
            ),
            "与现有的不同的金额；预算的增减请用 budget adjust",
        ));
    }
    Ok(())
}

/// An amount that would put a project's budget or spending (`after`, in
/// 万元) above 100 times its current non-zero budget, or a budget above
/// 10^6 万元 when it has none, is a 元 amount typed as 万元 far more often
/// than it is meant: refused unless confirmed (`--confirm-large`). A check
/// of what was typed, for `handle` only (the recorded event is the same
/// whether it was confirmed or not). Spending on a zero budget is not
/// bounded: the seed report records one.
pub fn large_amount(
    project: &Project,
    field: &str,
    given: &str,
    spending: bool,
    after: Decimal,
) -> Result<(), Rejection> {
    use crate::values::fmt_plain;
    let budget = project.budget().value;
    let what = if spending { "支出" } else { "预算" };
    let problem = if budget > Decimal::ZERO {
        let limit = crate::arith::mul(budget, Decimal::ONE_HUNDRED);
        if after <= limit {
            return Ok(());
        }
        format!(
            "「{given}」将使项目{}的{what}达到{}万元，超过其现有预算{}万元的100倍",
            project.code,
            fmt_plain(after),
            fmt_plain(budget)
        )
    } else if !spending && after > Decimal::from(1_000_000) {
        format!("「{given}」将使项目{}的预算达到{}万元，超过1,000,000万元", project.code, fmt_plain(after))
    } else {
        return Ok(());
    };
    let yuan = given.trim().trim_end_matches("万元").trim_end_matches('万');
    Err(Rejection::new(
        RejectionKind::InvalidValue,
        field,
        given,
        format!("{problem}：是否为{yuan}元？"),
        "以元计请写单位「元」；确属如此请加 --confirm-large 记录",
    ))
}

/// A spending's payment date lies in the budget year. The one rule for
/// `spend` and for a recorded `ExpenditureRecorded`.
pub fn expenditure_date(year: i32, date: chrono::NaiveDate) -> Result<(), Rejection> {
    if chrono::Datelike::year(&date) != year {
        return Err(Rejection::rule(
            "--date",
            &date.to_string(),
            format!("支出日期不在{year}预算年度内"),
            format!("{year}-01-01 至 {year}-12-31 之间的日期"),
        ));
    }
    Ok(())
}

/// Whether `project`'s budget may be adjusted by `delta` (of `source`, 本年
/// 财政拨款 when `None`): not by zero, and neither the year's budget nor
/// that source's part of it below zero after it. The one rule for `budget
/// adjust` and for a recorded `BudgetAdjusted`.
pub fn budget_adjustment(project: &Project, delta: Decimal, source: Option<BudgetSource>) -> Result<(), Rejection> {
    let field = "--delta";
    let given = delta.to_string();
    if delta.is_zero() {
        return Err(Rejection::new(
            RejectionKind::InvalidValue,
            field,
            &given,
            "调整金额为0，没有可记录的变化",
            "非零金额，调增为正、调减为负，如 0.5、-0.026",
        ));
    }
    let current = project.budget().value;
    if current + delta < Decimal::ZERO {
        return Err(Rejection::new(
            RejectionKind::Rule,
            field,
            &given,
            format!(
                "调整后全年预算数为{}万元，不能为负（当前{}万元）",
                crate::values::fmt_plain(current + delta),
                crate::values::fmt2(current)
            ),
            format!("不小于 -{} 的金额", crate::values::fmt_plain(current)),
        ));
    }
    let of_source = source.unwrap_or(BudgetSource::CurrentAppropriation);
    let funds = project.funds_by_source().into_iter().find(|f| f.0 == of_source).map_or(Decimal::ZERO, |f| f.2);
    if crate::arith::add(funds, delta) < Decimal::ZERO {
        return Err(Rejection::new(
            RejectionKind::Rule,
            field,
            &given,
            format!("调整后{}的全年预算数为负（当前{}万元）", of_source.label(), crate::values::fmt2(funds)),
            format!("不小于 -{} 的金额，或用 --source 指明调整的资金来源", crate::values::fmt_plain(funds)),
        ));
    }
    Ok(())
}

/// Whether `item` (an indicator of `project`, or `budget`) is marked not
/// applicable as `marked` says, so that it can be marked (`false`) or the
/// mark undone (`true`): the one rule for `indicator na [--undo]` and
/// `MarkedNotApplicable` / `NotApplicableUndone`. An unknown indicator is
/// not marked.
pub fn not_applicable_mark(project: &Project, item: &str, marked: bool) -> Result<(), Rejection> {
    let is_marked = if item == BUDGET_ITEM {
        project.budget_not_applicable.is_some()
    } else {
        project.indicator(item).is_some_and(|i| i.not_applicable.is_some())
    };
    let (problem, accepted) = match (is_marked, marked) {
        (true, false) => (format!("{item}已标记为不适用"), "尚未标记为不适用的指标编号或 budget"),
        (false, true) => (format!("{item}没有标记为不适用（没有变化）"), "已标记为不适用的指标编号或 budget"),
        (true, true) if project.indicator(item).is_some_and(|i| i.weightless) => (
            format!("指标{item}如原表以「/」设定为不适用，没有分值，不能恢复为适用"),
            "撤回该指标（indicator withdraw）后按正确的分值重新设定",
        ),
        _ => return Ok(()),
    };
    Err(Rejection::new(RejectionKind::Rule, "ICODE", item, problem, accepted))
}

/// Whether `item` (an indicator of `project`, or `budget`) may have its
/// score set by hand: applicable, and an indicator with an actual value.
/// The one rule for `score` and `ScoreAdjusted`.
/// (An indicator without an actual may take a score by hand: a published
/// table prints scores for rows it leaves blank; I20 names it, issue 27.)
pub fn score_adjustable(project: &Project, item: &str) -> Result<(), Rejection> {
    let refuse = |problem: String, accepted: &str| Rejection::new(RejectionKind::Rule, "ITEM", item, problem, accepted);
    if item == BUDGET_ITEM {
        if project.budget_not_applicable.is_some() {
            return Err(refuse("预算执行率已标记为不适用".into(), "适用的指标编号或 budget"));
        }
        return Ok(());
    }
    match project.indicator(item) {
        Some(i) if i.not_applicable.is_some() => {
            Err(refuse(format!("指标{item}已标记为不适用"), "适用的指标编号或 budget"))
        }
        _ => Ok(()),
    }
}

/// A score set by hand must change the item's score: not the one it has
/// (its override, or the one the rules give). The one rule for `score
/// adjust` and for a recorded `ScoreAdjusted`.
pub fn score_change(project: &Project, item: &str, score: Decimal, profile: &RuleProfile) -> Result<(), Rejection> {
    let (overridden, auto) = match project.indicator(item) {
        None => (
            project.budget_score_override.as_ref(),
            crate::scoring::budget_outcome(project.budget().value, project.executed().value, project.budget_weight)
                .score,
        ),
        Some(indicator) => {
            (indicator.score_override.as_ref(), crate::scoring::indicator_auto_score(indicator, profile))
        }
    };
    let (current, how) = match (overridden, auto) {
        (Some(o), _) => (Some(o.score), format!("人工调整，事件{}", o.seq)),
        (None, auto) => (auto, "按规则得出".to_owned()),
    };
    if current == Some(score) {
        return Err(Rejection::new(
            RejectionKind::InvalidValue,
            "--score",
            &crate::values::fmt_plain(score),
            format!("{item}的得分没有变化：已是{}（{how}）", crate::values::fmt_plain(score)),
            "与现有得分不同的分数；撤销人工调整用 --score auto",
        ));
    }
    Ok(())
}

/// Whether `problem` may take a rectification step: not completed, and,
/// for progress and completion (`needs_plan`), planned. The one rule for
/// `rectify` and the recorded rectification events.
pub fn rectification_step(problem: &crate::state::Problem, needs_plan: bool) -> Result<(), Rejection> {
    let code = problem.code.as_str();
    if problem.completed.is_some() {
        return Err(Rejection::new(
            RejectionKind::Rule,
            "PCODE",
            code,
            format!("问题{code}的整改已完成"),
            "整改尚未完成的问题编号",
        ));
    }
    if needs_plan && problem.plan.is_none() {
        return Err(Rejection::new(
            RejectionKind::Rule,
            "PCODE",
            code,
            format!("问题{code}尚无整改计划"),
            "先用 selfeval rectify plan 制定整改计划",
        ));
    }
    Ok(())
}

/// Whether `amended` changes `project`: at least one field given, each
/// other than the project's. The one rule for `project amend` (which drops
/// the values that equal the project's) and `ProjectAmended`.
pub fn project_amendment(project: &Project, amended: &crate::event::ProjectAmended) -> Result<(), Rejection> {
    let differs = |new: &Option<String>, old: Option<&String>| new.as_ref().is_none_or(|n| Some(n) != old);
    let given = [&amended.name, &amended.section, &amended.category, &amended.owner].iter().any(|v| v.is_some());
    let all_differ = differs(&amended.name, Some(&project.name))
        && differs(&amended.section, project.section.as_ref())
        && differs(&amended.category, project.category.as_ref())
        && differs(&amended.owner, project.owner.as_ref());
    if !given || !all_differ {
        return Err(Rejection::new(
            RejectionKind::Rule,
            "CODE",
            &project.code,
            format!("项目{}没有变化：给出的值与现有的相同或没有给出", project.code),
            "--name、--section、--category、--owner 中至少一项新值",
        ));
    }
    Ok(())
}

/// Whether `text` changes `problem`'s description: the one rule for
/// `problem amend` and `ProblemAmended`.
pub fn problem_amendment(problem: &crate::state::Problem, text: &str) -> Result<(), Rejection> {
    if text == problem.text {
        return Err(Rejection::new(RejectionKind::Rule, "--text", text, "问题描述没有变化", "与现有描述不同的文字"));
    }
    Ok(())
}

/// Whether `project` may define indicator `code` under the first-level
/// `level1` of `profile`, with those names: a code not used in the project
/// (`budget` is the budget line's), a first level the profile scores, names
/// that are names. The one rule for `indicator add` and `IndicatorDefined`.
pub fn indicator_definition(
    profile: &RuleProfile,
    project: &Project,
    code: &str,
    level1: &str,
    level2: &str,
    name: &str,
) -> Result<(), Rejection> {
    let value = |field: &str, given: &str, e: crate::values::ValueError| {
        Rejection::new(RejectionKind::InvalidValue, field, given, e.problem, e.accepted)
    };
    check_code(code).map_err(|e| value("ICODE", code, e))?;
    if code == BUDGET_ITEM || project.indicator(code).is_some() {
        return Err(Rejection::new(
            RejectionKind::Rule,
            "ICODE",
            code,
            format!("项目{}已有指标「{code}」", project.code),
            "本项目尚未使用的指标编号（budget 保留给预算执行率）",
        ));
    }
    if profile.level1_points(level1).is_none() {
        let names: Vec<&str> = profile.level1.iter().map(|l| l.name).collect();
        return Err(Rejection::new(
            RejectionKind::InvalidValue,
            "--level1",
            level1,
            format!("「{level1}」不是评分规则 {} 的一级指标", profile.id),
            names.join("、"),
        ));
    }
    crate::values::check_name(level2).map_err(|e| value("--level2", level2, e))?;
    crate::values::check_name(name).map_err(|e| value("--name", name, e))?;
    Ok(())
}

/// An indicator amendment changes something: one of its values given and
/// other than the current one. The one rule for `indicator amend` and a
/// recorded `IndicatorAmended`.
pub fn indicator_amendment(
    indicator: &crate::state::Indicator,
    amended: &crate::event::IndicatorAmended,
) -> Result<(), Rejection> {
    let changes = amended.level1.as_ref().is_some_and(|v| *v != indicator.level1)
        || amended.level2.as_ref().is_some_and(|v| *v != indicator.level2)
        || amended.name.as_ref().is_some_and(|v| *v != indicator.name)
        || amended.target.as_ref().is_some_and(|v| *v != indicator.target)
        || amended.weight.is_some_and(|v| v != indicator.weight)
        || (amended.clears_actual && indicator.actual.is_some());
    if indicator.weightless && amended.weight.is_some() {
        return Err(Rejection::rule(
            "--weight",
            &indicator.code,
            format!("指标{}的分值「/」（不适用）只在设定指标时给出，不能更正", indicator.code),
            "撤回该指标后按原表重新设定",
        ));
    }
    if !changes {
        return Err(Rejection::rule(
            "ICODE",
            &indicator.code,
            format!("指标{}没有变化：给出的值与现有的相同或没有给出", indicator.code),
            "--level1、--level2、--name、--target、--weight 中至少一项新值，或 --clear-value",
        ));
    }
    Ok(())
}

/// Whether the actual value recorded for `indicator` means the same under
/// `target` and `weight`: a number against a target of the same kind and
/// unit; a level whose score lies in that level's band for the new points.
pub fn actual_comparable(
    profile: &RuleProfile,
    indicator: &crate::state::Indicator,
    target: &Target,
    weight: Decimal,
) -> bool {
    let Some(actual) = &indicator.actual else { return true };
    match (&indicator.target, target) {
        _ if actual.value.is_empty() => true,
        (Target::Blank, Target::Blank) | (Target::Deadline { .. }, Target::Deadline { .. }) => true,
        (Target::Quantitative { unit: before, .. }, Target::Quantitative { unit: after, .. }) => before == after,
        (Target::Qualitative { .. }, Target::Qualitative { .. }) => match (actual.level, actual.score) {
            (Some(level), Some(score)) => profile.score_in_band(level, weight, score),
            _ => false,
        },
        _ => false,
    }
}

/// An amendment that would leave an incomparable actual value (a new unit,
/// another kind, a qualitative score outside its band for the new points)
/// must clear it. The one rule for `indicator amend` and a recorded
/// `IndicatorAmended`.
pub fn amendment_keeps_a_comparable_actual(
    profile: &RuleProfile,
    indicator: &crate::state::Indicator,
    amended: &crate::event::IndicatorAmended,
) -> Result<(), Rejection> {
    let target = amended.target.as_ref().unwrap_or(&indicator.target);
    let weight = amended.weight.unwrap_or(indicator.weight);
    match &indicator.actual {
        Some(actual) if !amended.clears_actual && !actual_comparable(profile, indicator, target, weight) => {
            Err(Rejection::rule(
                "--target",
                &target.display(),
                format!(
                    "指标{}已记录实际完成值 {}（事件{}），更正后的年度指标值或分值与它不可比，更正指标值须同时 --value 或 --clear-value",
                    indicator.code, actual.value, actual.seq
                ),
                "同时给出 --value 按更正后的指标值记录的实际完成值，或 --clear-value 清除实际完成值（之后用 indicator actual 重新记录）",
            ))
        }
        _ => Ok(()),
    }
}

/// A rate's target is a percentage: an indicator whose name ends in 率 or
/// 度 (合格率, 完成率, 满意度 …) with a bare fraction ≤ 1 as its target
/// (`≥0.95`) is a percentage typed as a fraction. A check of what was
/// typed, by `indicator add|amend` (and `--as-printed`, which records it
/// with a note): versions before issue 25 recorded such targets, so the
/// judge of recorded events lets them stand.
pub fn rate_target(name: &str, target: &Target) -> Result<(), Rejection> {
    // 频率 counts times; 浓度, 温度 … are no rates: only 率 (but 频率) and 满意度.
    let name = name.trim();
    let rate = (name.ends_with('率') && !name.ends_with("频率")) || name.ends_with("满意度");
    if let Target::Quantitative { op, value, unit } = target {
        if rate && unit.is_empty() && *value > Decimal::ZERO && *value <= Decimal::ONE {
            let typed = format!("{}{}", op.symbol(), crate::values::fmt_plain(*value));
            let percent = crate::values::fmt_plain(crate::arith::mul(*value, Decimal::ONE_HUNDRED));
            return Err(Rejection::new(
                RejectionKind::InvalidValue,
                "--target",
                &typed,
                format!(
                    "「{}」是比率，年度指标值「{typed}」却是不带单位的小数：是否为{}{percent}%？",
                    name.trim(),
                    op.symbol()
                ),
                "以%计的年度指标值，如 ≥95%",
            ));
        }
    }
    Ok(())
}

/// An actual value recorded again as it is (value, level, score, reason and
/// measure), not dated earlier and clearing no score set by hand, changes
/// nothing: refused by `indicator actual` as a check of what was typed (an
/// earlier version recorded such repeats, which the judge therefore lets
/// stand: they change no figure).
pub fn actual_unchanged(
    indicator: &crate::state::Indicator,
    actual: &crate::event::IndicatorActualRecorded,
    effective: chrono::DateTime<chrono::Utc>,
) -> Result<(), Rejection> {
    if let Some(current) = &indicator.actual {
        let same = current.value == actual.value
            && current.number == actual.number
            && current.level == actual.level
            && current.score == actual.score
            && current.deviation_reason == actual.deviation_reason
            && current.measure == actual.measure
            // Dated earlier, or clearing a score set by hand, it changes something.
            && effective >= current.effective
            && indicator.score_override.is_none();
        if same {
            return Err(Rejection::new(
                RejectionKind::InvalidValue,
                "--value",
                &actual.value,
                format!("指标{}的实际完成值没有变化（已是「{}」，事件{}）", indicator.code, actual.value, current.seq),
                "与现有的不同的实际完成值、偏差原因或改进措施",
            ));
        }
    }
    Ok(())
}

/// Whether `actual` may be recorded for `indicator` under `profile`: an
/// applicable indicator; for a quantitative target a number within range
/// and no level; for a qualitative one a level and a score inside that
/// level's band. The one rule for `indicator actual` (whose event it checks
/// once made) and `IndicatorActualRecorded`.
pub fn actual_value(
    profile: &RuleProfile,
    indicator: &crate::state::Indicator,
    actual: &crate::event::IndicatorActualRecorded,
) -> Result<(), Rejection> {
    let code = indicator.code.as_str();
    let refuse = |kind: RejectionKind, field: &str, problem: String, accepted: &str| {
        Rejection::new(kind, field, code, problem, accepted)
    };
    if indicator.not_applicable.is_some() {
        return Err(refuse(RejectionKind::Rule, "ICODE", format!("指标{code}已标记为不适用"), "适用的指标编号"));
    }
    if indicator.score_override.is_some() && !actual.clears_override {
        return Err(refuse(
            RejectionKind::Rule,
            "--value",
            format!("指标{code}的得分已人工调整；新的实际完成值须同时撤销人工得分（clears_override）"),
            "撤销人工得分的实际完成值记录",
        ));
    }
    let invalid = RejectionKind::InvalidValue;
    let unscored = actual.number.is_none() && actual.level.is_none() && actual.score.is_none();
    let blank = actual.value.is_empty();
    match (&indicator.target, actual.number, actual.level, actual.score) {
        // A blank cell, or any actual of a blank target, carries nothing to score.
        _ if blank || indicator.target == Target::Blank => {
            if unscored {
                Ok(())
            } else {
                Err(refuse(invalid, "--value", "空的实际完成值不计数值、等级或得分".into(), "空的实际完成值"))
            }
        }
        // A completion date is read when scored; one that is no date
        // (`--as-printed`, 「已完成」) takes no score from the rules.
        (Target::Deadline { .. }, _, _, _) if !unscored => Err(refuse(
            invalid,
            "--value",
            "完成时限指标按完成日期计分，不计数值、等级或得分".into(),
            crate::values::deadline::COMPLETION_ACCEPTED,
        )),
        (Target::Deadline { .. }, _, _, _) => Ok(()),
        (Target::Quantitative { .. }, None, _, _) => {
            Err(refuse(invalid, "--value", "定量指标的实际完成值没有数值".into(), "带数值的实际完成值"))
        }
        (Target::Quantitative { .. }, Some(n), _, _) if !quantity_in_range(n) => {
            Err(refuse(invalid, "--value", format!("实际完成值 {n} 超出范围"), "绝对值不超过 10^15 的数"))
        }
        (Target::Quantitative { .. }, _, Some(_), _) => {
            Err(refuse(invalid, "--level", "定量指标没有完成等级".into(), "省略 --level（等级只用于定性指标）"))
        }
        (Target::Quantitative { .. }, _, None, _) => Ok(()),
        (_, _, None, _) | (_, _, _, None) => Err(refuse(
            invalid,
            "--level",
            "定性指标的实际完成值须有完成等级和得分".into(),
            "--level 达成|部分达成|未达成",
        )),
        (_, _, Some(level), Some(score)) if !profile.score_in_band(level, indicator.weight, score) => Err(refuse(
            invalid,
            "--score",
            format!("得分{}不在「{}」的分数区间内", crate::values::fmt_plain(score), level.label()),
            "该完成等级的分数区间内的得分",
        )),
        _ => Ok(()),
    }
}

/// Whether setting the goal's `expected` and `actual` texts (`None`:
/// unchanged) changes anything: the one rule for `goal` and `GoalSet`.
pub fn goal_changes(project: &Project, expected: &Option<String>, actual: &Option<String>) -> bool {
    let same = |new: &Option<String>, old: &Option<crate::state::Traced<String>>| {
        new.as_ref().is_none_or(|n| old.as_ref().is_some_and(|o| &o.value == n))
    };
    !(same(expected, &project.goal_expected) && same(actual, &project.goal_actual))
}

/// What a published table may print for a project: at least one figure; a
/// 总分 from 0 to the project's points (100, or more where its weights add
/// up to more, as some published tables do); a 预算执行率得分 from 0 to the
/// budget row's points; a 执行率 from 0 to 10000 %. The one rule for
/// `printed` (and `import-table`) and a recorded `PrintedFiguresRecorded`.
pub fn printed_figures(project: &crate::state::Project, p: &crate::event::PrintedFigures) -> Result<(), Rejection> {
    use crate::values::fmt_plain;
    if p.total.is_none() && p.execution_rate.is_none() && p.budget_score.is_none() && p.grade.is_none() {
        return Err(Rejection::new(
            RejectionKind::InvalidValue,
            "--total",
            "",
            "没有给出原表数字",
            "--total、--execution-rate、--budget-score、--grade 中至少一项",
        ));
    }
    let points = project.budget_weight + project.indicators.iter().map(|i| i.weight).sum::<Decimal>();
    let most = points.max(Decimal::from(100));
    if let Some(total) = p.total.filter(|t| t.is_sign_negative() || *t > most) {
        return Err(Rejection::new(
            RejectionKind::InvalidValue,
            "--total",
            &fmt_plain(total),
            format!("原表总分 {} 超出项目的分值（{}）", fmt_plain(total), fmt_plain(most)),
            format!("0 至 {} 之间的数", fmt_plain(most)),
        ));
    }
    if let (Some(score), Some(_)) = (p.budget_score, &project.budget_not_applicable) {
        return Err(Rejection::new(
            RejectionKind::Rule,
            "--budget-score",
            &fmt_plain(score),
            format!("项目{}的预算执行率已标记为不适用，没有得分可印", project.code),
            "省略 --budget-score，或先用 indicator na CODE budget --undo 撤销不适用",
        ));
    }
    if let Some(score) = p.budget_score.filter(|s| s.is_sign_negative() || *s > project.budget_weight) {
        return Err(Rejection::new(
            RejectionKind::InvalidValue,
            "--budget-score",
            &fmt_plain(score),
            format!("原表预算执行率得分 {} 高于其分值 {}", fmt_plain(score), fmt_plain(project.budget_weight)),
            format!("0 至 {} 之间的数", fmt_plain(project.budget_weight)),
        ));
    }
    if let Some(rate) = p.execution_rate.filter(|r| r.is_sign_negative() || *r > Decimal::from(10_000)) {
        return Err(Rejection::new(
            RejectionKind::InvalidValue,
            "--execution-rate",
            &fmt_plain(rate),
            format!("原表执行率 {}% 超出范围", fmt_plain(rate)),
            "0% 至 10000% 之间的百分数，如 97.80%",
        ));
    }
    Ok(())
}

/// A project's indicators have their 分值 typed one way: all as points, or
/// all as percentages of 100 (`20%`), as the form the project copies prints
/// them. The one rule for `indicator add` and a recorded `IndicatorDefined`.
pub fn weight_form(project: &crate::state::Project, in_percent: bool) -> Result<(), Rejection> {
    match project.indicators.iter().find(|i| !i.weightless && i.weight_in_percent != in_percent) {
        Some(other) => Err(Rejection::new(
            RejectionKind::Rule,
            "--weight",
            "",
            format!(
                "项目{}其他指标的分值以{}填写（如 {} 的 {}{}），同一项目的分值须同一写法",
                project.code,
                if other.weight_in_percent { "百分数" } else { "分" },
                other.code,
                crate::values::fmt_plain(other.weight),
                if other.weight_in_percent { "%" } else { "" }
            ),
            if other.weight_in_percent { "百分数，如 20%" } else { "分，如 20" },
        )),
        None => Ok(()),
    }
}
