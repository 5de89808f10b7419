//! `--as-printed`: a published table records exactly as typed what the
//! clerk's path refuses (issue 25's refusals a printed table may hold),
//! never reinterpreted, and each such value becomes a note of a
//! `RecordedAsPrinted` event that follows the command's own, which check
//! T2 lists. What is read differently is nothing: thousands separators
//! are dropped and the number read in the ledger's unit, as the cell
//! shows it; a rate's target stays the bare fraction printed.

use crate::command::{Command, Request};
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
        Command::AmendIndicator { project, indicator, name, target: Some(target), .. } => {
            let current = state.project(project).and_then(|p| p.indicator(indicator)).map(|i| i.name.clone());
            let name = name.clone().or(current).unwrap_or_default();
            fraction(indicator, &name, target, &mut notes);
            Some(project.clone())
        }
        Command::AddProject { code, .. } => Some(code.clone()),
        _ => None,
    };
    (request, project, notes)
}

/// `21,545.76` without a unit: read as the number the cell shows, in the
/// ledger's unit.
fn separators(amount: &mut String, unit: AmountUnit, notes: &mut Vec<String>) {
    let typed = amount.trim().to_owned();
    let unit_given = typed.ends_with('元') || typed.ends_with('万');
    if unit_given || !typed.contains(',') {
        return;
    }
    let plain = typed.replace(',', "");
    notes.push(format!(
        "金额「{typed}」带千位分隔符却没有单位（一般记录会拒绝，问是否为{typed}元）；按原表照录为{plain}{}",
        unit.label()
    ));
    *amount = plain;
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
