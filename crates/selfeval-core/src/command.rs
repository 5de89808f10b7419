//! Commands and the rules that turn them into events.
//!
//! `handle(&state, &request)` holds every rule: it validates the values as
//! typed (so the CLI stays glue) and either returns the events to append or a
//! [`Rejection`] that names the field, what was given and what is accepted.
//! The checks every command shares (the actor, the reason's text, who may
//! give it, the business date) are here; each command's own rules are in
//! the room of its subject (`decide`).

use chrono::NaiveDate;

use crate::event::*;
use crate::profile::RuleProfile;
pub use crate::request::{Command, Rejection, RejectionKind, Request};
use crate::state::State;
use crate::values;

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
    if let Some(outcome) = crate::decide::init_year(state, &request.command) {
        return outcome;
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
    let profile = RuleProfile::by_id_or_default(&department.profile);
    // Who may do this first (roles.md), then the command's own checks, then
    // its effective date (--at).
    crate::roles::authorize(state, request)?;
    let mut outcome = crate::decide::decide(&crate::decide::Cx { state, request, department, profile: &profile })?;
    if let Some((project, notes)) = printed {
        outcome.push(EventPayload::RecordedAsPrinted(crate::event::AsPrinted { project, notes }));
    }
    if request.at.is_some() {
        check_effective(department.year, meta)?;
    }
    Ok(outcome)
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
