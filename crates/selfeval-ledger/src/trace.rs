//! Trace: how one figure of the report was computed, and from which events.

use selfeval_core::describe::Describer;
use selfeval_core::report::{score_text, Figure, ProjectReport, ReportModel};
use selfeval_core::values::{fmt2, fmt_plain};

pub use selfeval_core::trail::{Trace, TracePage, TracedDetail, TracedEvent};

use std::collections::{HashMap, HashSet};

use crate::replay::Take;
use crate::{AsOf, Ledger, LedgerError, View};

/// The figures of the department that can be traced.
pub const DEPARTMENT_FIGURES: &[&str] = &["budget", "initial_budget", "executed", "execution_rate", "average_score"];

/// The figures of a project that can be traced (or an indicator's code).
pub const PROJECT_FIGURES: &[&str] =
    &["budget", "initial_budget", "executed", "execution_rate", "budget_score", "total_score"];

fn invalid(field: &str, message: String) -> LedgerError {
    LedgerError::Invalid { field: field.to_owned(), message }
}

/// The error for a project code the model does not have.
pub fn unknown_project(model: &ReportModel, code: &str) -> LedgerError {
    let known: Vec<&str> = model.projects.iter().map(|p| p.code.as_str()).collect();
    invalid(
        "CODE",
        format!(
            "项目「{code}」不存在；可接受：{}",
            if known.is_empty() { "（库中尚无项目）".to_owned() } else { known.join("、") }
        ),
    )
}

impl Ledger {
    /// Explains one figure of the report as of `as_of`: `code` is a project
    /// code or `department`.
    pub fn trace(self, code: &str, figure: &str, view: View) -> Result<Trace, LedgerError> {
        Ok(self.trace_in(code, figure, view)?.1)
    }

    /// [`Ledger::trace`], with the report model the figure is part of (a
    /// page states its scope from it; a project's figure at a point of the
    /// log: that project alone, see [`Ledger::trace_page`]).
    pub fn trace_in(self, code: &str, figure: &str, view: View) -> Result<(ReportModel, Trace), LedgerError> {
        let replayed = self.traced_replay(code, view)?;
        drop(self);
        let model = replayed.model_at_head();
        let trace = self_trace(&replayed, &model, code, figure)?;
        Ok((model, trace))
    }
}

impl Ledger {
    /// One page of a figure's trace (`per_page` events a page): each event
    /// of the page with its hash, whether its command was signed, the
    /// figure before and after it (replayed from the first event), and its
    /// stored line with the line's SHA-256. `Err` for a page beyond the last.
    ///
    /// A project's figure at a point of the log is read from that
    /// project's stream and the department's (a few hundred events, not
    /// the log): the model returned then holds that project only, and its
    /// basis is the view's point of the log.
    pub fn trace_page(
        &self,
        code: &str,
        figure: &str,
        view: View,
        page: usize,
        per_page: usize,
    ) -> Result<(ReportModel, TracePage), LedgerError> {
        if code == "department" {
            return self.department_page(figure, view, page, per_page);
        }
        let replayed = self.traced_replay(code, view)?;
        self.page_of_trace(&replayed, code, figure, page, per_page)
    }

    /// [`Ledger::trace_page`] on the events `replayed` kept.
    fn page_of_trace(
        &self,
        replayed: &crate::Replayed,
        code: &str,
        figure: &str,
        page: usize,
        per_page: usize,
    ) -> Result<(ReportModel, TracePage), LedgerError> {
        use sha2::Digest;
        let model = replayed.model_at_head();
        let trace = self_trace(replayed, &model, code, figure)?;
        let per_page = per_page.max(1);
        let pages = trace.events.len().div_ceil(per_page).max(1);
        if page == 0 || page > pages {
            return Err(invalid("page", format!("「{page}」不在 1 至 {pages} 之间；可接受：1 至 {pages} 的页码")));
        }
        let shown: Vec<u64> = trace.events.iter().skip((page - 1) * per_page).take(per_page).map(|e| e.seq).collect();
        let value = |state: &selfeval_core::State| {
            let model = ReportModel::build(state, "");
            explain(&model, code, figure).map_or_else(|_| "—".to_owned(), |(_, value, _, _)| value)
        };
        let signed: std::collections::HashSet<&str> = replayed
            .events
            .iter()
            .filter(|(stored, _)| stored.envelope.event_type == "CommandSigned")
            .map(|(stored, _)| stored.envelope.command_id.as_str())
            .collect();
        let mut state = selfeval_core::State::default();
        let mut details = Vec::new();
        for (stored, event) in &replayed.events {
            let wanted = shown.binary_search(&event.seq).is_ok();
            let before = if wanted { Some(value(&state)) } else { None };
            state.apply(event);
            if let Some(before) = before {
                let e = &stored.envelope;
                let bytes = self.store.lines(e.seq, e.seq)?;
                let line = String::from_utf8_lossy(&bytes).trim_end_matches('\n').to_owned();
                let sha256 = format!("{:x}", sha2::Sha256::digest(line.as_bytes()));
                details.push(TracedDetail {
                    seq: e.seq,
                    hash: stored.hash.clone(),
                    signed: signed.contains(e.command_id.as_str()),
                    before,
                    after: value(&state),
                    line,
                    sha256,
                });
            }
        }
        let total = trace.events.len();
        let mut trace = trace;
        trace.events.retain(|e| shown.binary_search(&e.seq).is_ok());
        Ok((model, TracePage { trace, details, page, pages, total }))
    }

    /// [`Ledger::trace_page`] of a department figure, in one pass through
    /// the log that keeps no event but the page's: the events behind the
    /// figure are known from the model at the view (replayed from the
    /// state snapshot); every event is described (what "old → new" needs),
    /// and the figure before and after each event of the page is summed
    /// from the projects' reports, each made again only when its project
    /// changed ([`Running`]).
    fn department_page(
        &self,
        figure: &str,
        view: View,
        page: usize,
        per_page: usize,
    ) -> Result<(ReportModel, TracePage), LedgerError> {
        use sha2::Digest;
        let replayed = self.replay_view(view)?;
        let model = replayed.model_at_head();
        let unit = replayed.state.department().map(|d| d.unit).unwrap_or_default();
        drop(replayed);
        let (label, value, formula, sources) = explain(&model, "department", figure)?;
        let per_page = per_page.max(1);
        let total = sources.seqs.len();
        let pages = total.div_ceil(per_page).max(1);
        if page == 0 || page > pages {
            return Err(invalid("page", format!("「{page}」不在 1 至 {pages} 之间；可接受：1 至 {pages} 的页码")));
        }
        let shown: Vec<u64> = sources.seqs.iter().skip((page - 1) * per_page).take(per_page).copied().collect();
        let mut describer = Describer::in_unit(unit);
        let mut state = selfeval_core::State::default();
        let mut running = Running::default();
        let (mut events, mut details) = (Vec::new(), Vec::new());
        // The commands of the page's events, and those that were signed:
        // a signature ends its command, which may end after the page.
        let (mut commands, mut signed) = (HashSet::new(), HashSet::new());
        for stored in self.store.events_from(1) {
            let stored = stored?;
            let e = &stored.envelope;
            if shown.last().is_none_or(|last| e.seq > *last) && !commands.contains(&e.command_id) {
                break;
            }
            let event = match view.take(&stored)? {
                Take::Apply(event) => *event,
                Take::Skip => continue,
                Take::Stop => break,
            };
            if e.event_type == "CommandSigned" {
                signed.insert(e.command_id.clone());
            }
            let change = describer.describe(e.seq, &event.payload);
            let wanted = shown.binary_search(&e.seq).is_ok();
            let before = wanted.then(|| running.value(&state, figure));
            state.apply(&event);
            running.touched(&event.payload);
            if let Some(before) = before {
                if !e.command_id.is_empty() {
                    commands.insert(e.command_id.clone());
                }
                let bytes = self.store.lines(e.seq, e.seq)?;
                let line = String::from_utf8_lossy(&bytes).trim_end_matches('\n').to_owned();
                let sha256 = format!("{:x}", sha2::Sha256::digest(line.as_bytes()));
                details.push((
                    e.command_id.clone(),
                    TracedDetail {
                        seq: e.seq,
                        hash: stored.hash.clone(),
                        signed: false,
                        before,
                        after: running.value(&state, figure),
                        line,
                        sha256,
                    },
                ));
                events.push(traced_event(&stored, change));
            }
        }
        let details = details
            .into_iter()
            .map(|(command, detail)| TracedDetail { signed: signed.contains(&command), ..detail })
            .collect();
        let trace = Trace { code: "department".to_owned(), figure: figure.to_owned(), label, value, formula, events };
        Ok((model, TracePage { trace, details, page, pages, total }))
    }

    /// The events a trace of `code`'s figure reads, kept: a project's
    /// stream and the department's when the view is a point of the log
    /// and the project has events; the whole log otherwise (the
    /// department's figures, a view by time or business date). A project
    /// with no events is looked up in the whole state, for the refusal
    /// that lists the projects there are.
    fn traced_replay(&self, code: &str, view: View) -> Result<crate::Replayed, LedgerError> {
        use selfeval_core::event::{project_stream, DEPARTMENT_STREAM};
        let point = view.effective.is_none() && !matches!(view.as_of, Some(AsOf::Time(_)));
        if code == "department" || !point {
            return self.replay_with_events(view);
        }
        let stream = project_stream(code);
        if self.store.stream_version(&stream)? == 0 {
            let model = self.replay_view(view)?.report_model();
            return Err(unknown_project(&model, code));
        }
        let last = self.store.head().clone();
        let until = match view.as_of {
            Some(AsOf::Seq(seq)) => crate::replay::point_of_log(seq, last.seq)?,
            _ => last.seq,
        };
        let mut events = Vec::new();
        for name in [DEPARTMENT_STREAM.to_owned(), stream] {
            events.extend(self.store.stream_events_until(&name, until)?);
        }
        events.sort_by_key(|e| e.envelope.seq);
        let mut state = selfeval_core::State::default();
        let mut kept = Vec::with_capacity(events.len());
        for stored in events {
            let event = crate::decode(&stored)?;
            state.apply(&event);
            kept.push((stored, event));
        }
        if state.project(code).is_none() {
            // Registered after the point asked for: the refusal lists the
            // projects there were then.
            let model = self.replay_view(view)?.report_model();
            return Err(unknown_project(&model, code));
        }
        let head = match until {
            seq if seq == last.seq => last,
            seq => {
                let at = self.store.events_from(seq).next().transpose()?;
                selfeval_store::Head { seq, hash: at.map(|e| e.hash).unwrap_or_default() }
            }
        };
        Ok(crate::Replayed { state, head, events: kept, from_snapshot: None, effective: None })
    }
}

/// A figure's trace from a replay that kept its events.
fn self_trace(replayed: &crate::Replayed, model: &ReportModel, code: &str, figure: &str) -> Result<Trace, LedgerError> {
    let (label, value, formula, sources) = explain(model, code, figure)?;
    let unit = replayed.state.department().map(|d| d.unit).unwrap_or_default();
    let mut describer = Describer::in_unit(unit);
    let events = replayed
        .events
        .iter()
        .map(|(stored, event)| (stored, describer.describe(event.seq, &event.payload)))
        .filter(|(stored, _)| sources.seqs.binary_search(&stored.envelope.seq).is_ok())
        .map(|(stored, change)| traced_event(stored, change))
        .collect();
    Ok(Trace { code: code.to_owned(), figure: figure.to_owned(), label, value, formula, events })
}

/// A stored event as a trace lists it, with what it changed.
fn traced_event(stored: &selfeval_store::StoredEvent, change: String) -> TracedEvent {
    let e = &stored.envelope;
    TracedEvent {
        seq: e.seq,
        recorded_at: e.recorded_at,
        occurred_at: e.occurred_at,
        actor: e.actor.clone(),
        event_type: e.event_type.clone(),
        change,
        reason: e.reason.clone(),
    }
}

/// A department figure computed again and again as events are applied:
/// each project's report is kept, and made again only when an event of
/// its project was applied since (or, after a change of the rule profile,
/// every project's); the figure is then summed from them.
#[derive(Default)]
struct Running {
    reports: HashMap<String, ProjectReport>,
    changed: HashSet<String>,
    /// The rules the reports were made under; `None` until the first
    /// figure and after a change of the rules (every report made again).
    profile: Option<selfeval_core::profile::RuleProfile>,
    /// A model of the totals alone: what `explain` reads of a department figure.
    shell: Option<ReportModel>,
}

impl Running {
    /// `payload` was applied.
    fn touched(&mut self, payload: &selfeval_core::EventPayload) {
        use selfeval_core::EventPayload as E;
        match Describer::project_of(payload) {
            Some(code) => {
                self.changed.insert(code);
            }
            None if matches!(payload, E::YearInitialised(_) | E::RuleProfileChanged(_)) => self.profile = None,
            None => {}
        }
    }

    /// The department's `figure` in `state`, as [`explain`] writes it (in
    /// the state's display unit, as a model of that state would).
    fn value(&mut self, state: &selfeval_core::State, figure: &str) -> String {
        use selfeval_core::report::{profile_of, project_report_in, Totals};
        if self.profile.is_none() {
            self.changed.extend(state.projects().iter().map(|p| p.code.clone()));
        }
        let profile = self.profile.get_or_insert_with(|| profile_of(state));
        for code in self.changed.drain() {
            match project_report_in(state, &code, profile) {
                Some(report) => self.reports.insert(code, report),
                None => self.reports.remove(&code),
            };
        }
        let reports: Vec<&ProjectReport> = self.reports.values().collect();
        let shell = self.shell.get_or_insert_with(|| ReportModel::build(&selfeval_core::State::default(), ""));
        shell.totals = Totals::of(&reports, profile, false);
        shell.unit = state.department().map(|d| d.unit).unwrap_or_default();
        explain(shell, "department", figure).map_or_else(|_| "—".to_owned(), |(_, value, _, _)| value)
    }
}

/// The label, value, formula and sources of one figure.
pub fn explain(model: &ReportModel, code: &str, figure: &str) -> Result<(String, String, String, Figure), LedgerError> {
    let amount = |f: &Figure| format!("{}{}", model.money(f), model.unit_label());
    if code == "department" {
        let t = &model.totals;
        let list = |pick: fn(&ProjectReport) -> &Figure| {
            model.projects.iter().map(|p| pick(p).amount_text()).collect::<Vec<_>>().join(" + ")
        };
        return Ok(match figure {
            "budget" => (
                "预算总额".into(),
                amount(&t.budget),
                format!("各项目全年预算数之和 = {}", list(|p| &p.budget)),
                t.budget.clone(),
            ),
            "initial_budget" => (
                "年初预算总额".into(),
                amount(&t.initial_budget),
                format!("各项目年初预算数之和 = {}", list(|p| &p.initial_budget)),
                t.initial_budget.clone(),
            ),
            "executed" => (
                "实际执行金额".into(),
                amount(&t.executed),
                format!("各项目全年执行数之和 = {}", list(|p| &p.executed)),
                t.executed.clone(),
            ),
            "execution_rate" => (
                "预算执行率".into(),
                t.execution_rate.rate_text(),
                format!(
                    "全年执行数合计 ÷ 全年预算数合计 = {}万元 ÷ {}万元",
                    fmt_plain(t.executed.value.unwrap_or_default()),
                    fmt_plain(t.budget.value.unwrap_or_default())
                ),
                t.execution_rate.clone(),
            ),
            "average_score" | "department" => {
                let scores: Vec<String> = model.projects.iter().filter_map(|p| p.total_score.value.map(fmt2)).collect();
                (
                    "平均自评分数".into(),
                    t.average_score.score_text(),
                    format!("({}) ÷ {}，四舍五入到2位小数", scores.join(" + "), scores.len()),
                    t.average_score.clone(),
                )
            }
            other => {
                return Err(invalid(
                    "FIGURE",
                    format!("「{other}」不是部门合计数字；可接受：{}", DEPARTMENT_FIGURES.join("、")),
                ))
            }
        });
    }
    let p = model.project(code).ok_or_else(|| unknown_project(model, code))?;
    let budget = p.budget.value.unwrap_or_default();
    let executed = p.executed.value.unwrap_or_default();
    Ok(match figure {
        "budget" => (
            "全年预算数".into(),
            amount(&p.budget),
            format!("年初预算数 {}万元 + 预算调整 = {}万元", p.initial_budget.amount_text(), fmt_plain(budget)),
            p.budget.clone(),
        ),
        "initial_budget" => (
            "年初预算数".into(),
            amount(&p.initial_budget),
            "各资金来源最新设定的年初预算之和".into(),
            p.initial_budget.clone(),
        ),
        "executed" => ("全年执行数".into(), amount(&p.executed), "未冲销的支出之和".into(), p.executed.clone()),
        "execution_rate" => (
            "执行率".into(),
            p.execution_rate.rate_text(),
            format!("全年执行数 ÷ 全年预算数 = {}万元 ÷ {}万元", fmt_plain(executed), fmt_plain(budget)),
            p.execution_rate.clone(),
        ),
        "budget_score" => {
            let formula = match (&p.budget_not_applicable, &p.budget_override_reason) {
                (Some(reason), _) => format!("不适用：{reason}"),
                (None, Some(reason)) => format!("人工调整（自动计算为{}）：{reason}", score_text(p.budget_auto_score)),
                (None, None) if budget.is_zero() => "全年预算数为0：有支出得0分，无支出不适用".into(),
                (None, None) => format!(
                    "分值 × min(执行率, 1) = {} × min({}万元 ÷ {}万元, 1)",
                    fmt_plain(p.budget_weight),
                    fmt_plain(executed),
                    fmt_plain(budget)
                ),
            };
            ("预算执行率得分".into(), p.budget_score.score_text(), formula, p.budget_score.clone())
        }
        "total_score" => {
            let mut parts = vec![p.budget_score.score_text()];
            parts.extend(p.indicators.iter().map(|i| i.score.score_text()));
            (
                "总分".into(),
                p.total_score.score_text(),
                format!("各项得分之和（有不适用项时按适用分值折算为百分制）= {}", parts.join(" + ")),
                p.total_score.clone(),
            )
        }
        indicator => {
            let row = p.indicators.iter().find(|i| i.code == indicator).ok_or_else(|| {
                let codes: Vec<&str> = p.indicators.iter().map(|i| i.code.as_str()).collect();
                invalid(
                    "FIGURE",
                    format!(
                        "「{indicator}」不是可追溯的数字；可接受：{} 或指标编号（{}）",
                        PROJECT_FIGURES.join("、"),
                        codes.join("、")
                    ),
                )
            })?;
            let formula = format!(
                "年度指标值 {}，实际完成值 {}，分值 {}；自动得分 {}{}",
                row.target,
                row.actual.as_deref().unwrap_or("（未填）"),
                fmt_plain(row.weight),
                score_text(row.auto_score),
                row.override_reason.as_ref().map(|r| format!("，人工调整：{r}")).unwrap_or_default()
            );
            (format!("指标{} {} 得分", row.code, row.name), row.score.score_text(), formula, row.score.clone())
        }
    })
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use crate::{AsOf, View};

    /// A project's figure traced from its streams is the one traced from
    /// the whole log: the value, the formula, every event, and each event's
    /// figure before and after it, at the head and at earlier points.
    #[test]
    fn a_project_traced_from_its_streams_is_traced_as_from_the_whole_log() {
        let (_dir, _location, ledger) = crate::demo::demo_in_temp();
        let model = ledger.replay(None).unwrap().report_model();
        let mut compared = 0;
        for as_of in [None, Some(40), Some(60)] {
            let view = View::from(as_of.map(AsOf::Seq));
            let whole = ledger.replay_with_events(view).unwrap();
            for project in &model.projects {
                let figures = super::PROJECT_FIGURES.iter().map(|f| (*f).to_owned());
                for figure in figures.chain(project.indicators.iter().map(|i| i.code.clone())) {
                    let streams = ledger.traced_replay(&project.code, view);
                    let Ok(streams) = streams else {
                        // A project registered after the point asked for.
                        assert!(as_of.is_some(), "{}: {streams:?}", project.code);
                        continue;
                    };
                    let from_whole = ledger.page_of_trace(&whole, &project.code, &figure, 1, 1000);
                    let from_streams = ledger.page_of_trace(&streams, &project.code, &figure, 1, 1000);
                    match (from_whole, from_streams) {
                        (Ok((m1, p1)), Ok((m2, p2))) => {
                            assert_eq!(p1, p2, "{} {figure} as of {as_of:?}", project.code);
                            assert_eq!(m1.basis.seq, m2.basis.seq);
                            assert_eq!((&m1.department, m1.year), (&m2.department, m2.year));
                            compared += 1;
                        }
                        (Err(e1), Err(e2)) => assert_eq!(e1.message(), e2.message()),
                        (whole, streams) => panic!("{} {figure}: {whole:?} / {streams:?}", project.code),
                    }
                }
            }
        }
        assert!(compared >= 40, "compared {compared}");
        // Before the last project was registered, it is refused naming the
        // projects there were then.
        let last = model.projects.last().unwrap();
        let registered =
            ledger.store.stream_events(&selfeval_core::event::project_stream(&last.code)).unwrap()[0].envelope.seq;
        let before = View::from(Some(AsOf::Seq(registered - 1)));
        let refused = ledger.trace_page(&last.code, "budget", before, 1, 100).unwrap_err();
        let earlier: Vec<&str> = model.projects[..model.projects.len() - 1].iter().map(|p| p.code.as_str()).collect();
        assert_eq!(refused.message(), format!("项目「{}」不存在；可接受：{}", last.code, earlier.join("、")));
    }

    /// A department figure's page read in one pass through the log is the
    /// page read from a replay that kept every event: the same events, the
    /// same figure before and after each, the same signatures, on every
    /// page, in every kind of view.
    #[test]
    fn a_department_page_in_one_pass_is_the_page_from_the_whole_log() {
        let (_dir, _location, mut ledger) = crate::demo::demo_in_temp();
        // The display unit and the rule profile change after the demo: the
        // figure before and after each later event is in the unit and
        // under the rules of its time.
        let at = Utc.with_ymd_and_hms(2025, 1, 11, 2, 0, 0).unwrap();
        let meta = selfeval_core::Meta {
            actor: "赵静@领导小组办公室".into(),
            reason: Some("按财政局要求".into()),
            occurred_at: at,
            recorded_at: at,
        };
        let reopen = |p: &str| selfeval_core::Command::Reopen { project: p.into() };
        for command in [
            selfeval_core::Command::ChangeUnit { unit: "元".into() },
            reopen("P02"),
            reopen("P03"),
            reopen("P04"),
            selfeval_core::Command::ChangeProfile { profile: "cz2020-linear".into() },
        ] {
            ledger.record(&selfeval_core::Request::new(meta.clone(), command), None).unwrap();
        }
        let spend = selfeval_core::Command::RecordExpenditure {
            project: "P02".into(),
            amount: "5000".into(),
            date: "2024-12-31".into(),
            voucher: None,
            memo: None,
            source: None,
        };
        let section = selfeval_core::Meta { actor: "王敏@应急救援科".into(), reason: None, ..meta };
        ledger.record(&selfeval_core::Request::new(section, spend), None).unwrap();
        let date = Utc.with_ymd_and_hms(2024, 6, 30, 15, 59, 59).unwrap();
        let views = [
            View::default(),
            View::from(Some(AsOf::Seq(30))),
            View { as_of: None, effective: Some(date) },
            View::from(Some(AsOf::Time(Utc.with_ymd_and_hms(2025, 1, 10, 2, 0, 0).unwrap()))),
        ];
        let mut pages_compared = 0;
        for view in views {
            let whole = ledger.replay_with_events(view).unwrap();
            for figure in super::DEPARTMENT_FIGURES {
                for page in 1.. {
                    let one_pass = ledger.department_page(figure, view, page, 4);
                    let from_whole = ledger.page_of_trace(&whole, "department", figure, page, 4);
                    match (one_pass, from_whole) {
                        (Ok((m1, p1)), Ok((m2, p2))) => {
                            assert_eq!(p1, p2, "{figure} page {page} in {view:?}");
                            assert_eq!((m1.basis.seq, &m1.totals), (m2.basis.seq, &m2.totals));
                            pages_compared += 1;
                        }
                        (Err(e1), Err(e2)) => {
                            assert_eq!(e1.message(), e2.message());
                            break;
                        }
                        (one_pass, whole) => panic!("{figure} page {page}: {one_pass:?} / {whole:?}"),
                    }
                }
            }
        }
        assert!(pages_compared >= 40, "pages compared {pages_compared}");
    }
}
