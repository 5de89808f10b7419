//! The fields every room reads the same way: names, texts, dates,
//! sources, weights, and the indicator a command names.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::event::BudgetSource;
use crate::request::{Rejection, RejectionKind};
use crate::state::{Indicator, Project};
use crate::values;

/// `--source`: a 资金来源, if given.
pub(super) fn source_field(source: &Option<String>) -> Result<Option<BudgetSource>, Rejection> {
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

pub(super) fn name_field(field: &str, text: &str) -> Result<(), Rejection> {
    values::check_name(text).map_err(|e| Rejection::value(field, text, e))
}

pub(super) fn text_field(field: &str, text: &str) -> Result<(), Rejection> {
    values::check_text(text).map_err(|e| Rejection::value(field, text, e))
}

pub(super) fn optional_name(field: &str, text: &Option<String>) -> Result<Option<String>, Rejection> {
    match text {
        Some(t) => name_field(field, t).map(|()| Some(t.trim().to_owned())),
        None => Ok(None),
    }
}

pub(super) fn optional_text(field: &str, text: &Option<String>) -> Result<Option<String>, Rejection> {
    match text {
        Some(t) => text_field(field, t).map(|()| Some(t.trim().to_owned())),
        None => Ok(None),
    }
}

/// An indicator's 分值 as typed: points (`20`), or a percentage of 100
/// (`20%`, as some published forms print weights) read as that many points.
/// A 「/」 cell (ASCII or full-width): not applicable as printed.
pub(super) fn is_slash(text: &str) -> bool {
    matches!(text.trim(), "/" | "／")
}

pub(super) fn weight_as_typed(field: &str, text: &str) -> Result<(Decimal, bool), Rejection> {
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

pub(super) fn weight_field(field: &str, text: &str, zero_allowed: bool) -> Result<Decimal, Rejection> {
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

pub(super) fn date_field(field: &str, text: &str) -> Result<NaiveDate, Rejection> {
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

pub(super) fn existing_indicator<'a>(project: &'a Project, code: &str) -> Result<&'a Indicator, Rejection> {
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

/// A refusal of a value derived from what was typed, naming what was typed
/// (`.map_err(as_given(amount))`).
pub(super) fn as_given(typed: &str) -> impl FnOnce(Rejection) -> Rejection + '_ {
    move |mut refused| {
        typed.clone_into(&mut refused.given);
        refused
    }
}
