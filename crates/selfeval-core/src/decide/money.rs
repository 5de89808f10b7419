//! The money's room: `budget set|adjust`, `spend`, `spend reverse`, and
//! `printed` (the figures a published table printed beside them).

use rust_decimal::Decimal;

use super::fields::{as_given, date_field, optional_name, optional_text, source_field};
use super::{Cx, Outcome};
use crate::event::*;
use crate::request::{existing_project, Rejection, RejectionKind};
use crate::values::{self, Sign};

pub(super) fn set_budget(cx: &Cx<'_>, project: &str, amount: &str, source: &Option<String>) -> Outcome {
    let state = cx.state;
    let request = cx.request;
    let department = cx.department;
    let request_amount = amount;
    let project = existing_project(state, project)?;
    cx.needs_reason("设定预算")?;
    let amount = values::parse_amount(amount, Sign::NonNegative, department.unit)
        .map_err(|e| Rejection::value("--amount", amount, e))?;
    let source = source_field(source)?.unwrap_or(BudgetSource::CurrentAppropriation);
    crate::validate::budget_set(project, amount, source, request.meta.occurred_at).map_err(as_given(request_amount))?;
    if !request.confirm_large {
        let replaced = project.budget_lines.iter().rev().find(|l| l.source == source).map(|l| l.amount);
        let after = project.budget().value - replaced.unwrap_or_default() + amount;
        crate::validate::large_amount(project, "--amount", request_amount, false, after)?;
    }
    Ok(vec![EventPayload::BudgetSet(BudgetSet { project: project.code.clone(), amount, source })])
}

pub(super) fn adjust_budget(
    cx: &Cx<'_>,
    project: &str,
    delta: &str,
    doc: &Option<String>,
    source: &Option<String>,
) -> Outcome {
    let state = cx.state;
    let request = cx.request;
    let department = cx.department;
    let project = existing_project(state, project)?;
    cx.needs_reason("调整预算")?;
    let delta_value =
        values::parse_amount(delta, Sign::Any, department.unit).map_err(|e| Rejection::value("--delta", delta, e))?;
    let doc = optional_name("--doc", doc)?;
    let source = source_field(source)?;
    crate::validate::budget_adjustment(project, delta_value, source).map_err(as_given(delta))?;
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

pub(super) fn record_expenditure(
    cx: &Cx<'_>,
    project: &str,
    amount: &str,
    date: &str,
    voucher: &Option<String>,
    memo: &Option<String>,
    source: &Option<String>,
) -> Outcome {
    let state = cx.state;
    let request = cx.request;
    let department = cx.department;
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
    crate::validate::expenditure_date(department.year, date_value).map_err(as_given(date))?;
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

pub(super) fn reverse_expenditure(cx: &Cx<'_>, seq: &str) -> Outcome {
    let state = cx.state;
    cx.needs_reason("冲销支出")?;
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

pub(super) fn record_printed(
    cx: &Cx<'_>,
    project: &str,
    total: &Option<String>,
    execution_rate: &Option<String>,
    budget_score: &Option<String>,
    grade: &Option<String>,
) -> Outcome {
    let state = cx.state;
    let project = existing_project(state, project)?;
    cx.needs_reason("记录原表数字")?;
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
