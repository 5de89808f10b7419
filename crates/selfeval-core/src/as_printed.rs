//! `--as-printed`: a published table records exactly as typed what the
//! clerk's path refuses (issue 25's refusals a printed table may hold),
//! never reinterpreted, and each such value becomes a note of a
//! `RecordedAsPrinted` event that follows the command's own, which check
//! T2 lists. What is read differently is nothing: thousands separators
//! are dropped and the number read in the ledger's unit, as the cell
//! shows it; a rate's target stays the bare fraction printed.

use crate::request::{Command, Request};
use crate::state::{Department, State};
use crate::values::{self, AmountUnit};

/// The request the ordinary rules then decide, the project the notes are
/// about, and the notes: what the clerk's path would refuse in `request`,
/// after any the caller gives (`import-table`'s 其中 rows).
pub(crate) fn prepare(
    state: &State,
    request: &Request,
    department: &Department,
    given: &[String],
) -> (Request, Option<String>, Vec<String>) {
    let mut request = request.clone();
    let mut notes = given.to_vec();
    let unit = department.unit;
    let project = match &mut request.command {
        Command::SetBudget { project, amount, .. } | Command::RecordExpenditure { project, amount, .. } => {
            separators(amount, unit, &mut notes);
            Some(project.clone())
        }
        Command::AdjustBudget { project, delta, .. } => {
            separators(delta, unit, &mut notes);
            Some(project.clone())
        }
        Command::DefineIndicator { project, indicator, name, target, .. } => {
            fraction(indicator, name, target, &mut notes);
            Some(project.clone())
        }
        // The amended name and target together: a new name can make a
        // fraction a rate's target as much as a new target can.
        Command::AmendIndicator { project, indicator, name, target, .. } if name.is_some() || target.is_some() => {
            let current = state.project(project).and_then(|p| p.indicator(indicator));
            let name = name.clone().or_else(|| current.map(|i| i.name.clone())).unwrap_or_default();
            let target = target.clone().or_else(|| current.map(|i| i.target.display())).unwrap_or_default();
            fraction(indicator, &name, &target, &mut notes);
            Some(project.clone())
        }
        Command::RecordActual { project, indicator, value, .. } => {
            let current = state.project(project).and_then(|p| p.indicator(indicator));
            if let Some(current) = current.filter(|i| matches!(i.target, crate::values::Target::Deadline { .. })) {
                undated(current, value, &mut notes);
            }
            Some(project.clone())
        }
        _ => None,
    };
    (request, project, notes)
}

/// `21,545.76` without a unit: read as the number the cell shows, in the
/// ledger's unit.
fn separators(amount: &mut String, unit: AmountUnit, notes: &mut Vec<String>) {
    let typed = amount.trim().to_owned();
    let unit_given = typed.ends_with('元') || typed.ends_with('万');
    // Only separators in their places (`1,234.5`): `12,34` stays refused.
    let grouped = values::parse_amount(&format!("{typed}元"), values::Sign::Any, unit).is_ok();
    if unit_given || !typed.contains(',') || !grouped {
        return;
    }
    let plain = typed.replace(',', "");
    notes.push(format!(
        "金额「{typed}」带千位分隔符却没有单位（一般记录会拒绝，问是否为{typed}元）；按原表照录为{plain}{}",
        unit.label()
    ));
    *amount = plain;
}

/// A deadline's actual that names no date (「已完成」): kept as printed,
/// scored by no rule.
fn undated(indicator: &crate::state::Indicator, value: &str, notes: &mut Vec<String>) {
    if !values::is_blank(value) && crate::values::deadline::parse_completion(value).is_err() {
        notes.push(format!(
            "指标{}「{}」的年度指标值是完成时限{}，实际完成值「{}」却不是完成日期（一般记录会拒绝）；按原表照录，不按规则计分",
            indicator.code,
            indicator.name,
            indicator.target.display(),
            value.trim()
        ));
    }
}

/// A rate's target as a bare fraction (`≥0.95` for a 满意度).
fn fraction(indicator: &str, name: &str, target: &str, notes: &mut Vec<String>) {
    if let Ok(parsed) = values::parse_target(target) {
        if let Err(refused) = crate::validate::rate_target(name, &parsed) {
            notes.push(format!(
                "指标{indicator}「{}」的年度指标值「{}」是不带单位的小数（一般记录会拒绝：{}）；按原表照录，按小数计分",
                name.trim(),
                target.trim(),
                refused.problem
            ));
        }
    }
}
