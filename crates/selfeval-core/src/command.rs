//! Commands and the rules that turn them into events.
//!
//! `handle(&state, &request)` holds every rule: it validates the values as
//! typed (so the CLI stays glue) and either returns the events to append or a
//! [`Rejection`] that names the field, what was given and what is accepted.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::event::*;
use crate::profile::RuleProfile;
pub(crate) use crate::request::existing_project;
pub use crate::request::{Command, Rejection, RejectionKind, Request};
use crate::scoring;
use crate::state::{Project, State};
use crate::values::{self, AmountUnit, Sign, Target};

type Outcome = Result<Vec<EventPayload>, Rejection>;

/// Why [`execute`] did not record a command.
#[derive(Debug)]
pub enum Executed<E> {
    /// `handle` rejected it; nothing was appended.
    Rejected(Rejection),
    /// The caller's `append` failed; the state is unchanged.
    NotAppended(E),
}

/// The one write loop: `handle` the request against `state`, let `append`
/// store the events (it returns their sequence numbers, one per payload),
/// then apply them to `state`. The store, an export writer or a test decides
/// what `append` means; the state changes only once the events are stored.
pub fn execute<E>(
    state: &mut State,
    request: &Request,
    append: impl FnOnce(&[EventPayload]) -> Result<Vec<u64>, E>,
) -> Result<Vec<RecordedEvent>, Executed<E>> {
    let payloads = handle(state, request).map_err(Executed::Rejected)?;
    let seqs = append(&payloads).map_err(Executed::NotAppended)?;
    assert_eq!(seqs.len(), payloads.len(), "append returns one sequence number per event");
    let events: Vec<RecordedEvent> = seqs
        .into_iter()
        .zip(payloads)
        .map(|(seq, payload)| RecordedEvent { seq, meta: request.meta.clone(), payload })
        .collect();
    for event in &events {
        state.apply(event);
    }
    Ok(events)
}

/// A number as a published table printed it, its decimals kept (`97.80`
/// stays `97.80`, so the report quotes the table as printed).
fn printed_number(field: &str, text: &str) -> Result<Decimal, Rejection> {
    let mut value = values::parse_number(text).map_err(|e| Rejection::value(field, text, e))?;
    let decimals = text.trim().split_once('.').map_or(0, |(_, d)| d.chars().take_while(char::is_ascii_digit).count());
    value.rescale(u32::try_from(decimals).unwrap_or(0).min(6));
    Ok(value)
}

/// 执行率 as a published table printed it: `97.80%` (or `97.80`, read as
/// per cent); a bare fraction up to 1 is asked about (「是否为97.8%？」).
fn printed_rate(text: &str) -> Result<Decimal, Rejection> {
    let trimmed = text.trim();
    let number = trimmed.trim_end_matches(['%', '％']);
    let value = printed_number("--execution-rate", number)?;
    if number.len() == trimmed.len() && value > Decimal::ZERO && value <= Decimal::ONE {
        let percent = values::fmt_plain(crate::arith::mul(value, crate::arith::hundred()));
        return Err(Rejection::new(
            RejectionKind::InvalidValue,
            "--execution-rate",
            text,
            format!("「{trimmed}」是小数，执行率按百分数填写（是否为{percent}%？）"),
            "百分数，如 97.80%",
        ));
    }
    Ok(value)
}

/// What `indicator actual` (or `indicator amend --value`) types for an
/// actual value.
struct ActualEntry<'a> {
    /// `--as-printed`: a deadline's actual that is no date is kept as typed.
    as_printed: bool,
    value: &'a str,
    level: &'a Option<String>,
    score: &'a Option<String>,
    deviation: &'a Option<String>,
    measure: &'a Option<String>,
}

/// The actual value `entry` records for `ind` of `project`, checked as
/// the judge of a recorded event checks it (not whether it changes
/// anything: the caller decides that).
fn actual_recorded(
    profile: &RuleProfile,
    project: &str,
    ind: &crate::state::Indicator,
    entry: &ActualEntry<'_>,
) -> Result<IndicatorActualRecorded, Rejection> {
    let &ActualEntry { as_printed, value, level, score, deviation, measure } = entry;
    let indicator = &ind.code;
    if ind.not_applicable.is_some() {
        return Err(Rejection::rule("ICODE", indicator, format!("指标{indicator}已标记为不适用"), "适用的指标编号"));
    }
    let deviation_reason = optional_text("--deviation", deviation)?;
    let measure = optional_text("--measure", measure)?;
    let value = value.trim();
    // A blank cell (`""`, 未填) is recorded blank; so is any actual of a
    // blank target, as typed: neither has a number, a level or a score.
    let unscored = |what: &str| {
        let refuse = |field: &str, given: &str| {
            Rejection::new(
                RejectionKind::InvalidValue,
                field,
                given,
                format!("{what}不计等级或得分"),
                "省略 --level 和 --score；得分如原表所印，用 selfeval score adjust 记录",
            )
        };
        match (level, score) {
            (Some(level), _) => Err(refuse("--level", level)),
            (None, Some(score)) => Err(refuse("--score", score)),
            (None, None) => Ok(()),
        }
    };
    let unscored_actual = |text: &str| IndicatorActualRecorded {
        project: project.to_owned(),
        indicator: ind.code.clone(),
        value: text.to_owned(),
        number: None,
        level: None,
        score: None,
        deviation_reason: deviation_reason.clone(),
        measure: measure.clone(),
        clears_override: ind.score_override.is_some(),
    };
    let payload = match &ind.target {
        _ if values::is_blank(value) => {
            unscored("空的实际完成值")?;
            unscored_actual("")
        }
        Target::Blank => {
            unscored("年度指标值为空的指标")?;
            values::check_text(value).map_err(|e| Rejection::value("--value", value, e))?;
            unscored_actual(value)
        }
        Target::Deadline { .. } => {
            unscored("完成时限指标按完成日期计分，")?;
            // 「已完成」 says when nothing: refused, or kept as printed
            // (no score from the rules; T2 names it).
            if !as_printed {
                crate::values::deadline::parse_completion(value).map_err(|e| Rejection::value("--value", value, e))?;
            }
            values::check_text(value).map_err(|e| Rejection::value("--value", value, e))?;
            unscored_actual(value)
        }
        Target::Quantitative { op, unit, .. } => {
            if let Some(level) = level {
                return Err(Rejection::new(
                    RejectionKind::InvalidValue,
                    "--level",
                    level,
                    "定量指标不填完成等级",
                    "省略 --level（等级只用于定性指标）",
                ));
            }
            if let Some(score) = score {
                return Err(Rejection::new(
                    RejectionKind::InvalidValue,
                    "--score",
                    score,
                    "定量指标的得分由实际完成值自动计算",
                    "省略 --score；确需改分请用 selfeval score adjust 并说明原因",
                ));
            }
            // A copy of the target (`≥80%`) is read as its boundary; I19 says so.
            let copied = values::copied_target(value, *op).map_err(|e| Rejection::value("--value", value, e))?;
            let number = values::parse_actual_number(copied.as_deref().unwrap_or(value), unit)
                .map_err(|e| Rejection::value("--value", value, e))?;
            IndicatorActualRecorded {
                project: project.to_owned(),
                indicator: ind.code.clone(),
                value: value.to_owned(),
                number: Some(number),
                level: None,
                score: None,
                deviation_reason,
                measure,
                clears_override: ind.score_override.is_some(),
            }
        }
        Target::Qualitative { .. } => {
            values::check_text(value).map_err(|e| Rejection::value("--value", value, e))?;
            let level_value = match level {
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
            let score_value = match score {
                Some(text) => Some(values::parse_number(text).map_err(|e| Rejection::value("--score", text, e))?),
                None => None,
            };
            let score_value = match (level_value, score_value) {
                (values::QualitativeLevel::Achieved, None) => ind.weight,
                (_, Some(s)) => s,
                (_, None) => {
                    return Err(Rejection::new(
                        RejectionKind::InvalidValue,
                        "--score",
                        "",
                        format!("完成等级为「{}」时须给出得分", level_value.label()),
                        band_text(profile, level_value, ind.weight),
                    ))
                }
            };
            if !profile.score_in_band(level_value, ind.weight, score_value) {
                return Err(Rejection::new(
                    RejectionKind::InvalidValue,
                    "--score",
                    score.as_deref().unwrap_or_default(),
                    format!("得分{}不在「{}」的分数区间内", values::fmt_plain(score_value), level_value.label()),
                    band_text(profile, level_value, ind.weight),
                ));
            }
            IndicatorActualRecorded {
                project: project.to_owned(),
                indicator: ind.code.clone(),
                value: value.to_owned(),
                number: None,
                level: Some(level_value),
                score: Some(score_value),
                deviation_reason,
                measure,
                clears_override: ind.score_override.is_some(),
            }
        }
    };
    // What the judge of a recorded event would refuse is never made.
    crate::validate::actual_value(profile, ind, &payload)?;
    Ok(payload)
}

/// Applies every rule to a request: the events to append, or why not.
pub fn handle(state: &State, request: &Request) -> Outcome {
    let meta = &request.meta;
    if meta.actor.trim().is_empty() {
        return Err(Rejection::new(
            RejectionKind::InvalidValue,
            "--actor",
            &meta.actor,
            "写入操作须注明操作人（--actor 或环境变量 SELFEVAL_ACTOR）",
            "姓名@科室，如 张三@应急救援科",
        ));
    }
    values::check_name(&meta.actor).map_err(|e| Rejection::value("--actor", &meta.actor, e))?;
    if let Some(reason) = &meta.reason {
        values::check_text(reason).map_err(|e| Rejection::value("--reason", reason, e))?;
    }
    if let Command::InitYear { department, year, profile, unit } = &request.command {
        return init_year(state, department, year, profile.as_deref(), unit.as_deref());
    }
    let Some(department) = state.department() else {
        return Err(Rejection::rule(
            "init",
            "",
            "本库尚未初始化年度",
            "先运行 selfeval init --department 部门名称 --year 年度",
        ));
    };
    // `--as-printed`: the request as the ordinary rules read it, and what
    // they would have refused (recorded after the command's own event).
    let prepared;
    let (request, printed) = match &request.as_printed {
        Some(given) => {
            let (read, project, notes) = crate::as_printed::prepare(state, request, department, given);
            prepared = read;
            (&prepared, project.filter(|_| !notes.is_empty()).map(|p| (p, notes)))
        }
        None => (request, None),
    };
    let needs_reason = |what: &str| crate::roles::needs_reason(request, what);
    let profile = RuleProfile::by_id_or_default(&department.profile);
    // Who may do this first (roles.md), then the command's own checks, then
    // its effective date (--at).
    crate::roles::authorize(state, request)?;
    let mut outcome = match crate::decide::decide(state, request) {
        Some(outcome) => outcome?,
        None => decide(state, request, department, &profile, &needs_reason)?,
    };
    if let Some((project, notes)) = printed {
        outcome.push(EventPayload::RecordedAsPrinted(crate::event::AsPrinted { project, notes }));
    }
    if meta.occurred_at != meta.recorded_at {
        check_effective(department.year, meta)?;
    }
    Ok(outcome)
}

/// The rules of every command but `init`.
fn decide(
    state: &State,
    request: &Request,
    department: &crate::state::Department,
    profile: &RuleProfile,
    needs_reason: &dyn Fn(&str) -> Result<(), Rejection>,
) -> Outcome {
    match &request.command {
        Command::InitYear { .. } => unreachable!("handled above"),
        Command::AddMember { .. }
        | Command::RemoveMember { .. }
        | Command::ChangeMemberKey { .. }
        | Command::Reopen { .. }
        | Command::Seal
        | Command::Unseal
        | Command::SetSignaturePolicy { .. }
        | Command::RecordCheckpoint { .. }
        | Command::AddEvidence { .. } => unreachable!("decided by roles"),
        Command::ChangeProfile { profile: id } => {
            needs_reason("变更评分规则")?;
            let id = known_profile("--profile", id)?;
            if id == department.profile {
                return Err(Rejection::rule("--profile", &id, "该评分规则已在使用中", "另一个规则编号"));
            }
            Ok(vec![EventPayload::RuleProfileChanged(RuleProfileChanged { profile: id })])
        }
        Command::AddProject { code, name, category, section, budget_weight } => {
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
                needs_reason("预算执行率分值与默认值不同")?;
            }
            Ok(vec![EventPayload::ProjectRegistered(ProjectRegistered {
                project: code.clone(),
                name: name.trim().to_owned(),
                category,
                section,
                budget_weight,
            })])
        }
        Command::SetBudget { project, amount, source } => {
            let request_amount = amount.clone();
            let project = existing_project(state, project)?;
            needs_reason("设定预算")?;
            let amount = values::parse_amount(amount, Sign::NonNegative, department.unit)
                .map_err(|e| Rejection::value("--amount", amount, e))?;
            let source = source_field(source)?.unwrap_or(BudgetSource::CurrentAppropriation);
            crate::validate::budget_set(project, amount, source, request.meta.occurred_at).map_err(|mut refused| {
                refused.given.clone_from(&request_amount);
                refused
            })?;
            if !request.confirm_large {
                let replaced = project.budget_lines.iter().rev().find(|l| l.source == source).map(|l| l.amount);
                let after = project.budget().value - replaced.unwrap_or_default() + amount;
                crate::validate::large_amount(project, "--amount", &request_amount, false, after)?;
            }
            Ok(vec![EventPayload::BudgetSet(BudgetSet { project: project.code.clone(), amount, source })])
        }
        Command::AdjustBudget { project, delta, doc, source } => {
            let project = existing_project(state, project)?;
            needs_reason("调整预算")?;
            let delta_value = values::parse_amount(delta, Sign::Any, department.unit)
                .map_err(|e| Rejection::value("--delta", delta, e))?;
            let doc = optional_name("--doc", doc)?;
            let source = source_field(source)?;
            crate::validate::budget_adjustment(project, delta_value, source).map_err(|mut refused| {
                refused.given = delta.clone();
                refused
            })?;
            if !request.confirm_large {
                let after = project.budget().value + delta_value;
                crate::validate::large_amount(project, "--delta", delta, false, after)?;
            }
            Ok(vec![EventPayload::BudgetAdjusted(BudgetAdjusted {
                project: project.code.clone(),
                delta: delta_value,
                doc,
                source,
            })])
        }
        Command::RecordExpenditure { project, amount, date, voucher, memo, source } => {
            let project = existing_project(state, project)?;
            let amount_value = values::parse_amount(amount, Sign::NonNegative, department.unit)
                .map_err(|e| Rejection::value("--amount", amount, e))?;
            if amount_value.is_zero() {
                return Err(Rejection::new(
                    RejectionKind::InvalidValue,
                    "--amount",
                    amount,
                    "支出金额为0",
                    "大于0的金额；冲销请用 selfeval spend reverse SEQ",
                ));
            }
            let date_value = date_field("--date", date)?;
            crate::validate::expenditure_date(department.year, date_value).map_err(|mut refused| {
                refused.given.clone_from(date);
                refused
            })?;
            if !request.confirm_large {
                let after = project.executed().value + amount_value;
                crate::validate::large_amount(project, "--amount", amount, true, after)?;
            }
            Ok(vec![EventPayload::ExpenditureRecorded(ExpenditureRecorded {
                project: project.code.clone(),
                amount: amount_value,
                date: date_value,
                voucher: optional_name("--voucher", voucher)?,
                memo: optional_text("--memo", memo)?,
                source: source_field(source)?,
            })])
        }
        Command::ReverseExpenditure { seq } => {
            needs_reason("冲销支出")?;
            let number: u64 = seq.trim().parse().map_err(|_| {
                Rejection::new(
                    RejectionKind::InvalidValue,
                    "SEQ",
                    seq,
                    format!("「{seq}」不是事件序号"),
                    "正整数，如 history 中支出记录的序号",
                )
            })?;
            let Some((project, expenditure)) = state.expenditure(number) else {
                return Err(Rejection::new(
                    RejectionKind::NotFound,
                    "SEQ",
                    seq,
                    format!("事件{number}不是支出记录"),
                    "selfeval history --type ExpenditureRecorded 列出的序号",
                ));
            };
            if let Some(by) = expenditure.reversed_by {
                return Err(Rejection::rule("SEQ", seq, format!("支出{number}已由事件{by}冲销"), "尚未冲销的支出序号"));
            }
            Ok(vec![EventPayload::ExpenditureReversed(ExpenditureReversed {
                project: project.code.clone(),
                expenditure_seq: number,
                amount: expenditure.amount,
            })])
        }
        Command::RecordPrinted { project, total, execution_rate, budget_score, grade } => {
            let project = existing_project(state, project)?;
            needs_reason("记录原表数字")?;
            let number = |field: &str, text: &Option<String>| -> Result<Option<Decimal>, Rejection> {
                text.as_deref().map(|t| printed_number(field, t)).transpose()
            };
            let printed = PrintedFigures {
                project: project.code.clone(),
                total: number("--total", total)?,
                execution_rate: match execution_rate {
                    Some(text) => Some(printed_rate(text)?),
                    None => None,
                },
                budget_score: number("--budget-score", budget_score)?,
                grade: match grade.as_deref().map(str::trim) {
                    Some(text) => Some(crate::scoring::Grade::parse(text).ok_or_else(|| {
                        Rejection::new(
                            RejectionKind::InvalidValue,
                            "--grade",
                            text,
                            format!("「{text}」不是自评等级"),
                            "优、良、中、差",
                        )
                    })?),
                    None => None,
                },
            };
            crate::validate::printed_figures(project, &printed)?;
            let now = &project.printed;
            // As typed: `99.00` after `99` corrects a transcription.
            let same = |given: Option<Decimal>, recorded: &Option<crate::state::Traced<Decimal>>| {
                given.is_none_or(|g| recorded.as_ref().is_some_and(|r| r.value.to_string() == g.to_string()))
            };
            if same(printed.total, &now.total)
                && same(printed.execution_rate, &now.execution_rate)
                && same(printed.budget_score, &now.budget_score)
                && printed.grade.is_none_or(|g| now.grade.as_ref().is_some_and(|r| r.value == g))
            {
                return Err(Rejection::new(
                    RejectionKind::InvalidValue,
                    "--total",
                    "",
                    "没有变化：原表数字已是这样记录的",
                    "与已记录的不同的原表数字",
                ));
            }
            Ok(vec![EventPayload::PrintedFiguresRecorded(printed)])
        }
        Command::SetGoal { project, expected, actual } => {
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
        Command::DefineIndicator { project, indicator, level1, level2, name, target, weight } => {
            let project = existing_project(state, project)?;
            let level1 = level1.trim();
            crate::validate::indicator_definition(profile, project, indicator, level1, level2, name)?;
            let target_value = values::parse_target(target).map_err(|e| Rejection::value("--target", target, e))?;
            let rate_checked =
                if request.as_printed.is_some() { Ok(()) } else { crate::validate::rate_target(name, &target_value) };
            rate_checked.map_err(|mut refused| {
                refused.given.clone_from(target);
                refused
            })?;
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
                crate::validate::weight_form(project, weight_in_percent).map_err(|mut refused| {
                    refused.given.clone_from(weight);
                    refused
                })?;
            }
            Ok(vec![EventPayload::IndicatorDefined(IndicatorDefined {
                project: project.code.clone(),
                indicator: indicator.clone(),
                level1: level1.to_owned(),
                level2: level2.trim().to_owned(),
                name: name.trim().to_owned(),
                target: target_value,
                weight: weight_value,
                weight_in_percent,
                not_applicable,
            })])
        }
        Command::RecordActual { project, indicator, value, level, score, deviation, measure } => {
            let project = existing_project(state, project)?;
            let ind = existing_indicator(project, indicator)?;
            let entry =
                ActualEntry { as_printed: request.as_printed.is_some(), value, level, score, deviation, measure };
            let payload = actual_recorded(profile, &project.code, ind, &entry)?;
            crate::validate::actual_unchanged(ind, &payload, request.meta.occurred_at)?;
            Ok(vec![EventPayload::IndicatorActualRecorded(payload)])
        }
        Command::MarkNotApplicable { project, item } => {
            let project = existing_project(state, project)?;
            needs_reason("标记不适用")?;
            if item != BUDGET_ITEM {
                existing_indicator(project, item)?;
            }
            crate::validate::not_applicable_mark(project, item, false)?;
            Ok(vec![EventPayload::MarkedNotApplicable(MarkedNotApplicable {
                project: project.code.clone(),
                item: item.clone(),
            })])
        }
        Command::ChangeUnit { unit } => {
            needs_reason("变更金额显示单位")?;
            let unit = unit_field(unit)?;
            if unit == department.unit {
                return Err(Rejection::rule("UNIT", unit.label(), "金额显示单位没有变化", "另一个单位：元、万元"));
            }
            Ok(vec![EventPayload::DisplayUnitChanged(DisplayUnitChanged { unit })])
        }
        Command::AdjustScore { project, item, score } if score.trim() == "auto" => {
            let project = existing_project(state, project)?;
            needs_reason("撤销人工调整的得分")?;
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
            Ok(vec![EventPayload::ScoreOverrideCleared(ItemWithdrawn {
                project: project.code.clone(),
                item: item.clone(),
            })])
        }
        Command::AmendIndicator {
            project,
            indicator,
            level1,
            level2,
            name,
            target,
            weight,
            clear_value,
            value,
            level,
            score,
        } => {
            let project = existing_project(state, project)?;
            let ind = existing_indicator(project, indicator)?;
            needs_reason("更正指标")?;
            let level1 = match level1 {
                Some(l) if profile.level1_points(l.trim()).is_none() => {
                    let names: Vec<&str> = profile.level1.iter().map(|l| l.name).collect();
                    return Err(Rejection::new(
                        RejectionKind::InvalidValue,
                        "--level1",
                        l,
                        format!("「{}」不是评分规则 {} 的一级指标", l.trim(), profile.id),
                        names.join("、"),
                    ));
                }
                Some(l) => Some(l.trim().to_owned()),
                None => None,
            };
            let level2 = optional_name("--level2", level2)?;
            let name = optional_name("--name", name)?;
            let target = match target {
                Some(t) => Some(values::parse_target(t).map_err(|e| Rejection::value("--target", t, e))?),
                None => None,
            };
            let weight = match weight {
                Some(w) if ind.weightless || is_slash(w) => {
                    return Err(Rejection::new(
                        RejectionKind::Rule,
                        "--weight",
                        w,
                        format!("指标{}的分值「/」（不适用）只在设定指标时给出，不能更正", ind.code),
                        "撤回该指标（indicator withdraw）后按原表重新设定（indicator add，不适用的用 --weight / 或 --na）",
                    ));
                }
                Some(w) => {
                    let (value, in_percent) = weight_as_typed("--weight", w)?;
                    // Typed as the project's indicators were defined.
                    if in_percent != ind.weight_in_percent {
                        return Err(Rejection::new(
                            RejectionKind::InvalidValue,
                            "--weight",
                            w,
                            format!(
                                "项目{}的指标分值以{}填写，「{w}」不是这样写的",
                                project.code,
                                if ind.weight_in_percent { "百分数（如 20%）" } else { "分（如 20）" }
                            ),
                            if ind.weight_in_percent { "百分数，如 20%" } else { "分，如 20" },
                        ));
                    }
                    Some(value)
                }
                None => None,
            };
            // Only what differs is a correction.
            let level1 = level1.filter(|v| *v != ind.level1);
            let level2 = level2.filter(|v| *v != ind.level2);
            let name = name.filter(|v| *v != ind.name);
            let target = target.filter(|v| *v != ind.target);
            let weight = weight.filter(|v| *v != ind.weight);
            // What the amendment names (the name or the target) must make no
            // fraction a rate's target; what it leaves is not judged again.
            if request.as_printed.is_none() && (name.is_some() || target.is_some()) {
                crate::validate::rate_target(
                    name.as_deref().unwrap_or(&ind.name),
                    target.as_ref().unwrap_or(&ind.target),
                )?;
            }
            if *clear_value && ind.actual.is_none() {
                return Err(Rejection::new(
                    RejectionKind::InvalidValue,
                    "--clear-value",
                    "",
                    format!("指标{}尚无实际完成值，没有可清除的", ind.code),
                    "省略 --clear-value",
                ));
            }
            if *clear_value && value.is_some() {
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
            let clears_actual = *clear_value || (value.is_some() && ind.actual.is_some());
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
        Command::WithdrawIndicator { project, indicator } => {
            let project = existing_project(state, project)?;
            let ind = existing_indicator(project, indicator)?;
            needs_reason("撤回指标")?;
            Ok(vec![EventPayload::IndicatorWithdrawn(ItemWithdrawn {
                project: project.code.clone(),
                item: ind.code.clone(),
            })])
        }
        Command::UndoNotApplicable { project, item } => {
            let project = existing_project(state, project)?;
            needs_reason("撤销不适用")?;
            if item != BUDGET_ITEM {
                existing_indicator(project, item)?;
            }
            crate::validate::not_applicable_mark(project, item, true)?;
            Ok(vec![EventPayload::NotApplicableUndone(ItemWithdrawn {
                project: project.code.clone(),
                item: item.clone(),
            })])
        }
        Command::AmendProblem { problem, text } => {
            let found = find_problem(state, problem)?;
            needs_reason("更正问题")?;
            text_field("--text", text)?;
            crate::validate::problem_amendment(found, text.trim()).map_err(|mut refused| {
                refused.given = text.clone();
                refused
            })?;
            Ok(vec![EventPayload::ProblemAmended(ProblemAmended {
                problem: found.code.clone(),
                project: found.project.clone(),
                text: text.trim().to_owned(),
            })])
        }
        Command::WithdrawProblem { problem } => {
            let found = find_problem(state, problem)?;
            needs_reason("撤回问题")?;
            Ok(vec![EventPayload::ProblemWithdrawn(ProblemWithdrawn {
                problem: found.code.clone(),
                project: found.project.clone(),
            })])
        }
        Command::AmendProject { project, name, section, category, owner } => {
            let project = existing_project(state, project)?;
            needs_reason("更正项目信息")?;
            let name = optional_name("--name", name)?.filter(|v| *v != project.name);
            let section = optional_name("--section", section)?.filter(|v| Some(v) != project.section.as_ref());
            let category = optional_name("--category", category)?.filter(|v| Some(v) != project.category.as_ref());
            let owner = optional_name("--owner", owner)?.filter(|v| Some(v) != project.owner.as_ref());
            let amended = ProjectAmended { project: project.code.clone(), name, section, category, owner };
            crate::validate::project_amendment(project, &amended)?;
            Ok(vec![EventPayload::ProjectAmended(amended)])
        }
        Command::WithdrawProject { project } => {
            let project = existing_project(state, project)?;
            needs_reason("撤回项目")?;
            let standing: Vec<String> = project
                .expenditures
                .iter()
                .filter(|e| e.reversed_by.is_none())
                .map(|e| format!("#{}", e.seq))
                .collect();
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
        Command::AdjustScore { project, item, score } => {
            let project = existing_project(state, project)?;
            needs_reason("人工调整得分")?;
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
            crate::validate::score_change(project, item, score_value, profile).map_err(|mut refused| {
                refused.given.clone_from(score);
                refused
            })?;
            Ok(vec![EventPayload::ScoreAdjusted(ScoreAdjusted {
                project: project.code.clone(),
                item: item.clone(),
                score: score_value,
                auto_score,
            })])
        }
        Command::IdentifyProblem { project, problem, text } => {
            let project = existing_project(state, project)?;
            values::check_code(problem).map_err(|e| Rejection::value("PCODE", problem, e))?;
            if state.problem(&project.code, problem).is_some() {
                return Err(Rejection::rule(
                    "PCODE",
                    problem,
                    format!("问题「{problem}」已登记"),
                    "尚未使用的问题编号",
                ));
            }
            text_field("--text", text)?;
            Ok(vec![EventPayload::ProblemIdentified(ProblemIdentified {
                problem: problem.clone(),
                project: project.code.clone(),
                text: text.trim().to_owned(),
            })])
        }
        Command::PlanRectification { problem, measure, owner, due } => {
            let found = open_problem(state, problem)?;
            text_field("--measure", measure)?;
            name_field("--owner", owner)?;
            let due = date_field("--due", due)?;
            Ok(vec![EventPayload::RectificationPlanned(RectificationPlanned {
                problem: found.code.clone(),
                project: found.project.clone(),
                measure: measure.trim().to_owned(),
                owner: owner.trim().to_owned(),
                due,
            })])
        }
        Command::ProgressRectification { problem, note } => {
            let found = planned_problem(state, problem)?;
            text_field("--note", note)?;
            Ok(vec![EventPayload::RectificationProgressed(RectificationProgressed {
                problem: found.code.clone(),
                project: found.project.clone(),
                note: note.trim().to_owned(),
            })])
        }
        Command::CompleteRectification { problem, evidence } => {
            let found = planned_problem(state, problem)?;
            text_field("--evidence", evidence)?;
            Ok(vec![EventPayload::RectificationCompleted(RectificationCompleted {
                problem: found.code.clone(),
                project: found.project.clone(),
                evidence: evidence.trim().to_owned(),
            })])
        }
        Command::SetNarrative { section, text, project } => {
            if !NARRATIVE_SECTIONS.iter().any(|(key, _)| key == section) {
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
            if state.narrative(section, project.as_deref()).is_some_and(|n| &n.text == text) {
                return Err(Rejection::rule("--text", text, "说明文字没有变化", "与现有文字不同的说明文字"));
            }
            Ok(vec![EventPayload::NarrativeSet(NarrativeSet { section: section.clone(), project, text: text.clone() })])
        }
        Command::Submit { project } => {
            let project = existing_project(state, project)?;
            crate::validate::workflow_step(project, crate::validate::Step::Submit)?;
            Ok(vec![EventPayload::SelfEvaluationSubmitted(WorkflowStep { project: project.code.clone() })])
        }
        Command::Approve { project } => {
            let project = existing_project(state, project)?;
            crate::validate::workflow_step(project, crate::validate::Step::Approve)?;
            Ok(vec![EventPayload::SelfEvaluationApproved(Approval { project: project.code.clone(), locks: true })])
        }
        Command::Return { project } => {
            let project = existing_project(state, project)?;
            needs_reason("退回自评")?;
            crate::validate::workflow_step(project, crate::validate::Step::Return)?;
            Ok(vec![EventPayload::SelfEvaluationReturned(WorkflowStep { project: project.code.clone() })])
        }
    }
}

/// The business time of a command recorded without `--at` after its fiscal
/// year's closing period (a 2024 ledger completed in 2026): a budget, an
/// indicator or a goal is the year's plan, in force from its first day; an
/// adjustment and an actual value are the year's outcome, dated its last
/// day (`docs/spec/cli.md`). `None`: the recorded time stands (recorded
/// within the year or its six months after, or another kind of command).
pub fn default_business_time(
    state: &State,
    command: &Command,
    recorded_at: chrono::DateTime<chrono::Utc>,
) -> Option<chrono::DateTime<chrono::Utc>> {
    use chrono::TimeZone;
    let year = state.department()?.year;
    let beijing = crate::report::beijing();
    let closing = NaiveDate::from_ymd_opt(year.checked_add(1)?, 6, 30)?;
    if recorded_at.with_timezone(&beijing).date_naive() <= closing {
        return None;
    }
    let date = match command {
        Command::SetBudget { .. } | Command::DefineIndicator { .. } | Command::AmendIndicator { .. } => {
            NaiveDate::from_ymd_opt(year, 1, 1)?
        }
        Command::SetGoal { .. } => NaiveDate::from_ymd_opt(year, 1, 1)?,
        Command::AdjustBudget { .. } | Command::RecordActual { .. } => NaiveDate::from_ymd_opt(year, 12, 31)?,
        _ => return None,
    };
    Some(beijing.from_local_datetime(&date.and_hms_opt(0, 0, 0)?).single()?.to_utc())
}

/// What a recording's echo adds when its business date was defaulted.
pub fn defaulted_date_note(at: chrono::DateTime<chrono::Utc>) -> String {
    let day = at.with_timezone(&crate::report::beijing()).date_naive();
    format!("未给 --at 且记录日已过年度整理期：业务日期按规则取{day}")
}

/// An effective date given with `--at`: not after the time it is recorded,
/// and within the fiscal year or its closing period (six months after).
fn check_effective(year: i32, meta: &Meta) -> Result<(), Rejection> {
    let beijing = crate::report::beijing();
    let given = meta.occurred_at.with_timezone(&beijing);
    let shown = given.format("%Y-%m-%d %H:%M").to_string();
    let accepted = format!("{year}-01-01 至 {}-06-30 之间、不晚于记录时间的日期或时间", year.saturating_add(1));
    if meta.occurred_at > meta.recorded_at {
        return Err(Rejection::new(
            RejectionKind::InvalidValue,
            "--at",
            &shown,
            "发生时间晚于现在（记录时间）",
            accepted,
        ));
    }
    let date = given.date_naive();
    let first = NaiveDate::from_ymd_opt(year, 1, 1);
    let last = NaiveDate::from_ymd_opt(year.saturating_add(1), 6, 30);
    if first.is_some_and(|f| date < f) || last.is_some_and(|l| date > l) {
        return Err(Rejection::new(
            RejectionKind::InvalidValue,
            "--at",
            &shown,
            format!("发生日期不在{year}年度及其后六个月的整理期内"),
            accepted,
        ));
    }
    Ok(())
}

/// `--unit`: 元 or 万元.
fn unit_field(text: &str) -> Result<AmountUnit, Rejection> {
    AmountUnit::parse(text).ok_or_else(|| {
        Rejection::new(RejectionKind::InvalidValue, "--unit", text, format!("「{text}」不是金额单位"), "元、万元")
    })
}

fn init_year(state: &State, department: &str, year: &str, profile: Option<&str>, unit: Option<&str>) -> Outcome {
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

fn existing_indicator<'a>(project: &'a Project, code: &str) -> Result<&'a crate::state::Indicator, Rejection> {
    project.indicator(code).ok_or_else(|| {
        let known: Vec<&str> = project.indicators.iter().map(|i| i.code.as_str()).collect();
        Rejection::new(
            RejectionKind::NotFound,
            "ICODE",
            code,
            format!("项目{}没有指标「{code}」", project.code),
            if known.is_empty() {
                "本项目尚无指标，请先 selfeval indicator add".to_owned()
            } else {
                format!("本项目的指标编号：{}", known.join("、"))
            },
        )
    })
}

/// The problem a command names: `P02/Q1`, or a bare `Q1` when only one
/// project has a problem with that code.
fn find_problem<'a>(state: &'a State, text: &str) -> Result<&'a crate::state::Problem, Rejection> {
    let not_found = |what: String| {
        Rejection::new(
            RejectionKind::NotFound,
            "PCODE",
            text,
            what,
            "selfeval problem add 登记过的问题编号，如 Q1，或写明项目如 P02/Q1",
        )
    };
    if let Some((project, code)) = text.split_once('/') {
        return state.problem(project, code).ok_or_else(|| not_found(format!("项目{project}没有问题「{code}」")));
    }
    match state.problems_coded(text).as_slice() {
        [] => Err(not_found(format!("问题「{text}」不存在"))),
        [one] => Ok(one),
        many => {
            let names: Vec<String> = many.iter().map(|q| format!("{}/{}", q.project, q.code)).collect();
            Err(Rejection::new(
                RejectionKind::InvalidValue,
                "PCODE",
                text,
                format!("问题编号「{text}」在多个项目中都有（{}）", names.join("、")),
                format!("写明项目，如 {}", names[0]),
            ))
        }
    }
}

fn open_problem<'a>(state: &'a State, code: &str) -> Result<&'a crate::state::Problem, Rejection> {
    let problem = find_problem(state, code)?;
    crate::validate::rectification_step(problem, false)?;
    Ok(problem)
}

fn planned_problem<'a>(state: &'a State, code: &str) -> Result<&'a crate::state::Problem, Rejection> {
    let problem = find_problem(state, code)?;
    crate::validate::rectification_step(problem, true)?;
    Ok(problem)
}

fn band_text(profile: &RuleProfile, level: values::QualitativeLevel, weight: Decimal) -> String {
    let (low, high, inclusive) = profile.qualitative_band(level, weight);
    let close = if inclusive { "≤" } else { "<" };
    format!("{} ≤ 得分 {close} {}", values::fmt_plain(low), values::fmt_plain(high))
}

/// `--source`: a 资金来源, if given.
fn source_field(source: &Option<String>) -> Result<Option<BudgetSource>, Rejection> {
    match source {
        None => Ok(None),
        Some(text) => BudgetSource::parse(text).map(Some).ok_or_else(|| {
            Rejection::new(
                RejectionKind::InvalidValue,
                "--source",
                text,
                format!("「{text}」不是资金来源"),
                "本年财政拨款、上年结转、其他资金",
            )
        }),
    }
}

fn name_field(field: &str, text: &str) -> Result<(), Rejection> {
    values::check_name(text).map_err(|e| Rejection::value(field, text, e))
}

fn text_field(field: &str, text: &str) -> Result<(), Rejection> {
    values::check_text(text).map_err(|e| Rejection::value(field, text, e))
}

fn optional_name(field: &str, text: &Option<String>) -> Result<Option<String>, Rejection> {
    match text {
        Some(t) => name_field(field, t).map(|()| Some(t.trim().to_owned())),
        None => Ok(None),
    }
}

fn optional_text(field: &str, text: &Option<String>) -> Result<Option<String>, Rejection> {
    match text {
        Some(t) => text_field(field, t).map(|()| Some(t.trim().to_owned())),
        None => Ok(None),
    }
}

/// An indicator's 分值 as typed: points (`20`), or a percentage of 100
/// (`20%`, as some published forms print weights) read as that many points.
/// A 「/」 cell (ASCII or full-width): not applicable as printed.
fn is_slash(text: &str) -> bool {
    matches!(text.trim(), "/" | "／")
}

fn weight_as_typed(field: &str, text: &str) -> Result<(Decimal, bool), Rejection> {
    let trimmed = text.trim();
    let number = trimmed.strip_suffix('%').or_else(|| trimmed.strip_suffix('％'));
    let value = weight_field(field, number.unwrap_or(trimmed).trim_end(), false).map_err(|mut refused| {
        refused.given = text.to_owned();
        refused.problem = refused
            .problem
            .replace(&format!("「{}」", number.unwrap_or(trimmed).trim_end()), &format!("「{trimmed}」"));
        refused
    })?;
    Ok((value, number.is_some()))
}

fn weight_field(field: &str, text: &str, zero_allowed: bool) -> Result<Decimal, Rejection> {
    let accepted = if zero_allowed {
        "0 至 100 之间的数，最多2位小数"
    } else {
        "大于0、不超过100的数，最多2位小数"
    };
    let value = values::parse_number(text)
        .map_err(|e| Rejection::new(RejectionKind::InvalidValue, field, text, e.problem, accepted))?;
    let in_range = value <= Decimal::from(100) && (zero_allowed || value > Decimal::ZERO) && value.scale() <= 2;
    if !in_range {
        return Err(Rejection::new(
            RejectionKind::InvalidValue,
            field,
            text,
            format!("分值「{text}」超出范围"),
            accepted,
        ));
    }
    Ok(value)
}

fn date_field(field: &str, text: &str) -> Result<NaiveDate, Rejection> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        Rejection::new(
            RejectionKind::InvalidValue,
            field,
            text,
            format!("「{text}」不是有效日期"),
            "YYYY-MM-DD，如 2024-06-30",
        )
    })
}
