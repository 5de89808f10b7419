//! What each command does: open the store, replay, hand the command to the
//! core, append, render. No domain rule lives here.

use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};
use selfeval_core::history::Describer;
use selfeval_core::report::{beijing, Figure, ReportModel};
use selfeval_core::values::{fmt2, fmt_plain};
use selfeval_core::{handle, Command, EventPayload, Meta, RecordedEvent, Request, State};
use selfeval_store::{Batch, ExpectedVersion, Head, NewEvent, OpenOptions, Store, StoredEvent};
use serde_json::json;

use crate::cli::*;
use crate::error::CliError;

/// The command id prefix of the demo's deterministic command ids.
const DEMO_PREFIX: &str = "demo-";

struct App {
    store: PathBuf,
    actor: Option<String>,
    actor_on_command_line: bool,
    json: bool,
}

/// Runs one parsed command line.
pub fn run(cli: Cli, actor_on_command_line: bool) -> Result<(), CliError> {
    let app = App { store: cli.store, actor: cli.actor, actor_on_command_line, json: cli.json };
    match cli.command {
        Cmd::Report { format, as_of, output } => app.report(&format, as_of.as_deref(), output.as_deref()),
        Cmd::Table { code, format, as_of } => app.table(&code, &format, as_of.as_deref()),
        Cmd::History { project, event_type, since, until } => {
            app.history(project.as_deref(), event_type.as_deref(), since.as_deref(), until.as_deref())
        }
        Cmd::Trace { code, figure, as_of } => app.trace(&code, &figure, as_of.as_deref()),
        Cmd::Check { as_of } => app.check(as_of.as_deref()),
        Cmd::Verify => app.verify(),
        Cmd::Status => app.status(),
        Cmd::Export { file } => app.export(file.as_deref()),
        Cmd::Import { file } => app.import(&file),
        Cmd::Demo => app.demo(),
        writing => {
            let (command, write) = to_command(writing);
            app.record(command, &write)
        }
    }
}

/// Maps a recording command line to the core's command (values as typed).
fn to_command(cmd: Cmd) -> (Command, WriteOpts) {
    match cmd {
        Cmd::Init { department, year, profile, write } => (Command::InitYear { department, year, profile }, write),
        Cmd::Project(ProjectCmd::Add { code, name, category, section, budget_weight, write }) => {
            (Command::AddProject { code, name, category, section, budget_weight }, write)
        }
        Cmd::Budget(BudgetCmd::Set { code, amount, source, write }) => {
            (Command::SetBudget { project: code, amount, source }, write)
        }
        Cmd::Budget(BudgetCmd::Adjust { code, delta, doc, write }) => {
            (Command::AdjustBudget { project: code, delta, doc }, write)
        }
        Cmd::Spend(SpendArgs { reverse: Some(SpendCmd::Reverse { seq, write }), .. }) => {
            (Command::ReverseExpenditure { seq }, write)
        }
        Cmd::Spend(SpendArgs { reverse: None, code, amount, date, voucher, memo, write }) => (
            Command::RecordExpenditure {
                project: code.unwrap_or_default(),
                amount: amount.unwrap_or_default(),
                date: date.unwrap_or_default(),
                voucher,
                memo,
            },
            write,
        ),
        Cmd::Goal { code, expected, actual, write } => (Command::SetGoal { project: code, expected, actual }, write),
        Cmd::Indicator(IndicatorCmd::Add { code, icode, level1, level2, name, target, weight, write }) => {
            (Command::DefineIndicator { project: code, indicator: icode, level1, level2, name, target, weight }, write)
        }
        Cmd::Indicator(IndicatorCmd::Actual { code, icode, value, level, score, deviation, measure, write }) => {
            (Command::RecordActual { project: code, indicator: icode, value, level, score, deviation, measure }, write)
        }
        Cmd::Indicator(IndicatorCmd::Na { code, icode, write }) => {
            (Command::MarkNotApplicable { project: code, item: icode }, write)
        }
        Cmd::Score(ScoreCmd::Adjust { code, item, score, write }) => {
            (Command::AdjustScore { project: code, item, score }, write)
        }
        Cmd::Problem(ProblemCmd::Add { code, pcode, text, write }) => {
            (Command::IdentifyProblem { project: code, problem: pcode, text }, write)
        }
        Cmd::Rectify(RectifyCmd::Plan { pcode, measure, owner, due, write }) => {
            (Command::PlanRectification { problem: pcode, measure, owner, due }, write)
        }
        Cmd::Rectify(RectifyCmd::Progress { pcode, note, write }) => {
            (Command::ProgressRectification { problem: pcode, note }, write)
        }
        Cmd::Rectify(RectifyCmd::Done { pcode, evidence, write }) => {
            (Command::CompleteRectification { problem: pcode, evidence }, write)
        }
        Cmd::Narrative(NarrativeCmd::Set { section, text, project, write }) => {
            (Command::SetNarrative { section, text, project }, write)
        }
        Cmd::Profile(ProfileCmd::Set { id, write }) => (Command::ChangeProfile { profile: id }, write),
        Cmd::Submit { code, write } => (Command::Submit { project: code }, write),
        Cmd::Approve { code, write } => (Command::Approve { project: code }, write),
        Cmd::Return { code, write } => (Command::Return { project: code }, write),
        reading => unreachable!("{reading:?} does not write"),
    }
}

/// The clock: the system's, unless `SELFEVAL_NOW` fixes it (for tests).
fn now() -> DateTime<Utc> {
    std::env::var("SELFEVAL_NOW")
        .ok()
        .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
        .map_or_else(Utc::now, |t| t.to_utc())
}

fn busy_wait() -> Duration {
    std::env::var("SELFEVAL_BUSY_TIMEOUT")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map_or(Duration::from_secs(10), Duration::from_secs_f64)
}

fn invalid(field: &str, message: impl Into<String>) -> CliError {
    CliError::Invalid { field: field.to_owned(), message: message.into() }
}

/// Where a replay stops.
#[derive(Clone, Copy)]
enum AsOf {
    Seq(u64),
    Time(DateTime<Utc>),
}

fn parse_as_of(text: Option<&str>) -> Result<Option<AsOf>, CliError> {
    let Some(text) = text else { return Ok(None) };
    if let Ok(seq) = text.trim().parse::<u64>() {
        return Ok(Some(AsOf::Seq(seq)));
    }
    DateTime::parse_from_rfc3339(text.trim()).map(|t| Some(AsOf::Time(t.to_utc()))).map_err(|_| {
        invalid(
            "--as-of",
            format!(
                "「{text}」既不是事件序号也不是时间；可接受：正整数序号，或 RFC 3339 时间如 2024-12-31T18:00:00+08:00"
            ),
        )
    })
}

/// A time bound for `history`: RFC 3339, or a date (Beijing time; `end` picks the day's end).
fn parse_time_bound(field: &str, text: &str, end: bool) -> Result<DateTime<Utc>, CliError> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text.trim()) {
        return Ok(t.to_utc());
    }
    let date = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| invalid(field, format!("「{text}」不是时间；可接受：YYYY-MM-DD 或 RFC 3339 时间")))?;
    let time = if end { NaiveTime::from_hms_opt(23, 59, 59) } else { NaiveTime::from_hms_opt(0, 0, 0) };
    let local = date.and_time(time.expect("a valid time of day"));
    Ok(beijing().from_local_datetime(&local).single().expect("a fixed offset has one local time").to_utc())
}

fn decode(event: &StoredEvent) -> Result<RecordedEvent, CliError> {
    let e = &event.envelope;
    let payload = EventPayload::decode(&e.event_type, e.schema_version, &e.payload)
        .map_err(|d| CliError::Integrity(format!("事件{}无法解码：{d}", e.seq)))?;
    Ok(RecordedEvent {
        seq: e.seq,
        meta: Meta {
            actor: e.actor.clone(),
            reason: e.reason.clone(),
            occurred_at: e.occurred_at,
            recorded_at: e.recorded_at,
        },
        payload,
    })
}

/// A replayed state, with the head it reflects and, when asked, every event.
struct Replayed {
    state: State,
    head: Head,
    events: Vec<(StoredEvent, RecordedEvent)>,
}

impl Replayed {
    fn model(&self) -> ReportModel {
        ReportModel::build(&self.state, &self.head.hash)
    }
}

/// The name of the state snapshot of this build's `State`.
fn snapshot_name() -> String {
    format!("state-v{}", selfeval_core::state::STATE_VERSION)
}

/// A replay that left at least this many events after the snapshot writes a
/// new one: 10,000 unless `SELFEVAL_SNAPSHOT_AFTER` says otherwise.
fn snapshot_after() -> u64 {
    std::env::var("SELFEVAL_SNAPSHOT_AFTER").ok().and_then(|s| s.parse().ok()).unwrap_or(10_000)
}

/// Replays the log, up to `as_of` if given. Starts from the state snapshot
/// when one matches the log and lies before the point asked for (a time
/// bound cannot use it: recorded times need not be monotone), and leaves a
/// new snapshot when it replayed a long tail to the head.
fn replay(store: &Store, as_of: Option<AsOf>, keep_events: bool) -> Result<Replayed, CliError> {
    let mut state = State::default();
    let mut head = Head { seq: 0, hash: selfeval_store::GENESIS_HASH.to_owned() };
    let usable = !keep_events && !matches!(as_of, Some(AsOf::Time(_)));
    if usable {
        if let Some(cached) = store.read_cache(&snapshot_name())? {
            let before = match as_of {
                Some(AsOf::Seq(seq)) => cached.seq <= seq,
                _ => true,
            };
            if let (true, Ok(mut snapshot)) = (before, rmp_serde::from_slice::<State>(&cached.bytes)) {
                snapshot.rebuild_index();
                state = snapshot;
                head = Head { seq: cached.seq, hash: cached.hash };
            }
        }
    }
    let start = head.seq;
    let mut events = Vec::new();
    for stored in store.events_from(head.seq + 1) {
        let stored = stored?;
        match as_of {
            Some(AsOf::Seq(seq)) if stored.envelope.seq > seq => break,
            Some(AsOf::Time(t)) if stored.envelope.recorded_at > t => continue,
            _ => {}
        }
        let event = decode(&stored)?;
        state.apply(&event);
        head = Head { seq: stored.envelope.seq, hash: stored.hash.clone() };
        if keep_events {
            events.push((stored, event));
        }
    }
    if usable && as_of.is_none() && head.seq > start && head.seq - start >= snapshot_after() {
        // A cache: failing to write it costs speed, never correctness.
        if let Ok(bytes) = rmp_serde::to_vec(&state) {
            let _ = store.write_cache(&snapshot_name(), head.seq, &bytes);
        }
    }
    Ok(Replayed { state, head, events })
}

/// Replays, closes the store, then builds the report model: the store's
/// memory is free again before the model needs its own.
fn model_of(store: Store, as_of: Option<AsOf>) -> Result<ReportModel, CliError> {
    let replayed = replay(&store, as_of, false)?;
    drop(store);
    Ok(replayed.model())
}

/// Writes the report as JSON or as Markdown.
fn write_report(model: &ReportModel, json: bool, out: &mut dyn Write) -> std::io::Result<()> {
    if json {
        selfeval_report::write_report_json(model, out)
    } else {
        out.write_all(selfeval_report::report_markdown(model).as_bytes())
    }
}

fn stdout() -> BufWriter<std::io::StdoutLock<'static>> {
    BufWriter::new(std::io::stdout().lock())
}

fn beijing_time(t: DateTime<Utc>) -> DateTime<FixedOffset> {
    t.with_timezone(&beijing())
}

impl App {
    fn open(&self) -> Result<Store, CliError> {
        Ok(Store::open(&self.store, &OpenOptions { wait: busy_wait(), ..OpenOptions::default() })?)
    }

    /// Opens an existing store for reading: a missing directory is an error,
    /// not a new empty store.
    fn open_existing(&self) -> Result<Store, CliError> {
        if !self.store.exists() {
            return Err(invalid(
                "--store",
                format!(
                    "库目录 {} 不存在；可接受：已有的库目录（新建请先运行 selfeval init 或 selfeval demo）",
                    self.store.display()
                ),
            ));
        }
        self.open()
    }

    fn record(&self, command: Command, write: &WriteOpts) -> Result<(), CliError> {
        let recorded_at = now();
        let occurred_at = match &write.at {
            Some(text) => DateTime::parse_from_rfc3339(text.trim()).map(|t| t.to_utc()).map_err(|_| {
                invalid("--at", format!("「{text}」不是 RFC 3339 时间；可接受：如 2024-06-30T10:00:00+08:00"))
            })?,
            None => recorded_at,
        };
        let meta = Meta {
            actor: self.actor.clone().unwrap_or_default(),
            reason: write.reason.clone(),
            occurred_at,
            recorded_at,
        };
        // A missing actor, or an invalid value for a new store, is rejected
        // before the store is created or opened.
        let is_init = matches!(command, Command::InitYear { .. });
        if let Err(rejection) = handle(&State::default(), &Request { meta: meta.clone(), command: command.clone() }) {
            let before_store = rejection.field == "--actor"
                || (is_init && rejection.kind == selfeval_core::RejectionKind::InvalidValue);
            if before_store {
                return Err(rejection.into());
            }
        }
        let mut store = if is_init { self.open()? } else { self.open_existing()? };
        if let Some(id) = &write.command_id {
            if let Some(seqs) = store.command_seqs(id)? {
                // A resent command: report what it appended the first time.
                let types: Vec<(u64, String)> = store
                    .events_from(seqs[0])
                    .take(seqs.len())
                    .map(|e| e.map(|e| (e.envelope.seq, e.envelope.event_type)))
                    .collect::<Result<_, _>>()?;
                return self.print_appended(&types, true);
            }
        }
        let request = Request { meta: meta.clone(), command };
        let payloads = match streams_of(&store, &request.command)? {
            // Most commands concern one project: replay the department and
            // that project's streams through the index, not the whole log.
            Some(streams) => match handle(&replay_streams(&store, &streams)?, &request) {
                Ok(payloads) => payloads,
                // "Not found" lists what exists, which only the whole state knows.
                Err(rejection) if rejection.kind == selfeval_core::RejectionKind::NotFound => {
                    handle(&replay(&store, None, false)?.state, &request)?
                }
                Err(rejection) => return Err(rejection.into()),
            },
            None => handle(&replay(&store, None, false)?.state, &request)?,
        };
        let command_id = write.command_id.clone().unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
        let seqs = append(&mut store, &meta, &command_id, &payloads)?;
        drop(store);
        let types: Vec<(u64, String)> =
            seqs.into_iter().zip(payloads.iter().map(|p| p.event_type().to_owned())).collect();
        self.print_appended(&types, false)
    }

    fn print_appended(&self, types: &[(u64, String)], duplicate: bool) -> Result<(), CliError> {
        let mut out = stdout();
        if self.json {
            let appended: Vec<_> = types.iter().map(|(seq, t)| json!({"seq": seq, "type": t})).collect();
            writeln!(out, "{}", json!({"appended": appended, "duplicate": duplicate}))?;
        } else {
            for (seq, event_type) in types {
                let label = EventPayload::label_of(event_type).unwrap_or("");
                let note = if duplicate { "（该命令编号已记录过，未重复写入）" } else { "" };
                writeln!(out, "已记录 #{seq} {event_type}（{label}）{note}")?;
            }
        }
        Ok(out.flush()?)
    }

    fn report(&self, format: &str, as_of: Option<&str>, output: Option<&Path>) -> Result<(), CliError> {
        let as_of = parse_as_of(as_of)?;
        let model = model_of(self.open_existing()?, as_of)?;
        let json = format == "json" || self.json;
        let write = |out: &mut dyn Write| write_report(&model, json, out);
        match output {
            Some(path) => {
                let file = std::fs::File::create(path)
                    .map_err(|e| invalid("--output", format!("无法写入 {}：{e}", path.display())))?;
                let mut out = BufWriter::with_capacity(1 << 20, file);
                write(&mut out)?;
                out.flush()?;
                eprintln!("报告已写入 {}", path.display());
                Ok(())
            }
            None => {
                let mut out = stdout();
                write(&mut out)?;
                Ok(out.flush()?)
            }
        }
    }

    fn table(&self, code: &str, format: &str, as_of: Option<&str>) -> Result<(), CliError> {
        let as_of = parse_as_of(as_of)?;
        let model = model_of(self.open_existing()?, as_of)?;
        let project = model.project(code).ok_or_else(|| unknown_project(&model, code))?;
        let mut out = stdout();
        if format == "json" || self.json {
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&selfeval_report::table_json(&model, project)).expect("JSON")
            )?;
        } else {
            out.write_all(selfeval_report::table_markdown(&model, project).as_bytes())?;
        }
        Ok(out.flush()?)
    }

    fn history(
        &self,
        project: Option<&str>,
        event_type: Option<&str>,
        since: Option<&str>,
        until: Option<&str>,
    ) -> Result<(), CliError> {
        let since = since.map(|t| parse_time_bound("--since", t, false)).transpose()?;
        let until = until.map(|t| parse_time_bound("--until", t, true)).transpose()?;
        if let Some(t) = event_type {
            if !selfeval_core::event::EVENT_TYPES.contains(&t) {
                return Err(invalid(
                    "--type",
                    format!("「{t}」不是事件类型；可接受：{}", selfeval_core::event::EVENT_TYPES.join("、")),
                ));
            }
        }
        let actor = if self.actor_on_command_line { self.actor.as_deref() } else { None };
        let store = self.open_existing()?;
        let events: Box<dyn Iterator<Item = Result<StoredEvent, selfeval_store::StoreError>>> = match project {
            Some(code) => {
                Box::new(store.stream_events(&selfeval_core::event::project_stream(code))?.into_iter().map(Ok))
            }
            None => Box::new(store.events_from(1)),
        };
        let mut describer = Describer::default();
        let mut out = stdout();
        let mut shown = 0u64;
        for stored in events {
            let stored = stored?;
            let e = &stored.envelope;
            let (project_code, change) = match EventPayload::decode(&e.event_type, e.schema_version, &e.payload) {
                Ok(payload) => (Describer::project_of(&payload), describer.describe(e.seq, &payload)),
                Err(error) => (
                    e.stream.strip_prefix("project/").map(str::to_owned),
                    format!("（无法解码：{error}）{}", e.payload),
                ),
            };
            let keep = event_type.is_none_or(|t| t == e.event_type)
                && actor.is_none_or(|a| a == e.actor)
                && since.is_none_or(|t| e.recorded_at >= t)
                && until.is_none_or(|t| e.recorded_at <= t);
            if !keep {
                continue;
            }
            shown += 1;
            if self.json {
                let data = json!({
                    "seq": e.seq, "recorded_at": e.recorded_at, "occurred_at": e.occurred_at, "actor": e.actor,
                    "event_type": e.event_type, "schema_version": e.schema_version, "project": project_code,
                    "change": change, "reason": e.reason, "command_id": e.command_id, "hash": stored.hash,
                    "payload": serde_json::from_str::<serde_json::Value>(&e.payload).unwrap_or(serde_json::Value::Null),
                });
                writeln!(out, "{}", json!({"type": "event", "data": data}))?;
            } else {
                let reason = e.reason.as_ref().map(|r| format!("  原因：{r}")).unwrap_or_default();
                writeln!(
                    out,
                    "#{}  {}  {}  {}  {}  {}{}",
                    e.seq,
                    beijing_time(e.recorded_at).format("%Y-%m-%d %H:%M"),
                    e.actor,
                    e.event_type,
                    project_code.as_deref().unwrap_or("—"),
                    change,
                    reason
                )?;
            }
        }
        if self.json {
            writeln!(out, "{}", json!({"type": "summary", "data": {"events": shown}}))?;
        } else if shown == 0 {
            writeln!(out, "（没有符合条件的事件）")?;
        }
        Ok(out.flush()?)
    }

    fn check(&self, as_of: Option<&str>) -> Result<(), CliError> {
        let as_of = parse_as_of(as_of)?;
        let model = model_of(self.open_existing()?, as_of)?;
        let mut out = stdout();
        if self.json {
            writeln!(out, "{}", json!({"findings": selfeval_report::findings_json(&model.findings)}))?;
        } else {
            out.write_all(selfeval_report::findings_markdown(&model.findings).as_bytes())?;
        }
        out.flush()?;
        if model.findings.iter().any(|f| f.severity == selfeval_core::check::Severity::Error) {
            return Err(CliError::FindingsFailed);
        }
        Ok(())
    }

    fn trace(&self, code: &str, figure: &str, as_of: Option<&str>) -> Result<(), CliError> {
        let as_of = parse_as_of(as_of)?;
        let store = self.open_existing()?;
        let replayed = replay(&store, as_of, true)?;
        let model = replayed.model();
        let (label, value, formula, sources) = trace_figure(&model, code, figure)?;
        let mut describer = Describer::default();
        let described: Vec<_> = replayed
            .events
            .iter()
            .map(|(stored, event)| (stored, event, describer.describe(event.seq, &event.payload)))
            .filter(|(stored, _, _)| sources.seqs.contains(&stored.envelope.seq))
            .collect();
        let mut out = stdout();
        if self.json {
            let events: Vec<_> = described
                .iter()
                .map(|(s, _, change)| {
                    json!({"seq": s.envelope.seq, "recorded_at": s.envelope.recorded_at, "occurred_at": s.envelope.occurred_at,
                           "actor": s.envelope.actor, "event_type": s.envelope.event_type, "change": change, "reason": s.envelope.reason})
                })
                .collect();
            writeln!(
                out,
                "{}",
                json!({"project": code, "figure": figure, "label": label, "value": value, "formula": formula, "events": events})
            )?;
        } else {
            writeln!(out, "{code} {label}：{value}\n计算：{formula}\n来源事件：")?;
            for (s, _, change) in &described {
                let reason = s.envelope.reason.as_ref().map(|r| format!("  原因：{r}")).unwrap_or_default();
                writeln!(
                    out,
                    "  #{}  {}  {}  {}  {}{}",
                    s.envelope.seq,
                    beijing_time(s.envelope.recorded_at).format("%Y-%m-%d %H:%M"),
                    s.envelope.actor,
                    s.envelope.event_type,
                    change,
                    reason
                )?;
            }
            if described.is_empty() {
                writeln!(out, "  （无：该数字没有来源事件）")?;
            }
        }
        Ok(out.flush()?)
    }

    fn status(&self) -> Result<(), CliError> {
        let store = self.open_existing()?;
        let head = store.head().clone();
        drop(store);
        let mut out = stdout();
        if self.json {
            writeln!(out, "{}", json!({"store": self.store, "events": head.seq, "head_hash": head.hash}))?;
        } else {
            writeln!(out, "库 {}：{} 个事件，头哈希 {}", self.store.display(), head.seq, head.hash)?;
        }
        Ok(out.flush()?)
    }

    fn verify(&self) -> Result<(), CliError> {
        let store = self.open_existing()?;
        match store.verify()? {
            Ok(verified) => {
                let mut out = stdout();
                if self.json {
                    writeln!(
                        out,
                        "{}",
                        json!({"ok": true, "events": verified.events, "head_hash": verified.head.hash})
                    )?;
                } else {
                    writeln!(out, "哈希链完整：{} 个事件，头哈希 {}", verified.events, verified.head.hash)?;
                }
                Ok(out.flush()?)
            }
            Err(broken) => Err(CliError::Integrity(format!("哈希链在事件{}处断开：{}", broken.seq, broken.problem))),
        }
    }

    fn export(&self, file: Option<&Path>) -> Result<(), CliError> {
        let store = self.open_existing()?;
        let summary = match file {
            Some(path) => {
                let handle = std::fs::File::create(path)
                    .map_err(|e| invalid("FILE", format!("无法创建 {}：{e}", path.display())))?;
                let mut writer = BufWriter::new(handle);
                let summary = store.export(&mut writer)?;
                writer.into_inner().map_err(|e| CliError::Output(e.into_error()))?.sync_all()?;
                summary
            }
            None => store.export(&mut stdout())?,
        };
        if file.is_some() || !self.json {
            eprintln!("已导出 {} 个事件，头哈希 {}", summary.events, summary.head.hash);
        }
        Ok(())
    }

    fn import(&self, file: &Path) -> Result<(), CliError> {
        let handle =
            std::fs::File::open(file).map_err(|e| invalid("FILE", format!("无法打开 {}：{e}", file.display())))?;
        let mut store = self.open()?;
        match store.import(&mut BufReader::new(handle))? {
            Ok(imported) => {
                let mut out = stdout();
                if self.json {
                    writeln!(out, "{}", json!({"imported": imported.events, "head_hash": imported.head.hash}))?;
                } else {
                    writeln!(out, "已导入 {} 个事件，哈希链已校验，头哈希 {}", imported.events, imported.head.hash)?;
                }
                Ok(out.flush()?)
            }
            Err(rejected) => Err(CliError::Integrity(format!("导入被拒绝，未写入任何事件：{rejected}"))),
        }
    }

    fn demo(&self) -> Result<(), CliError> {
        let mut store = self.open()?;
        let first_demo_id = format!("{DEMO_PREFIX}0000");
        if !store.is_empty() && store.command_seqs(&first_demo_id)?.is_none() {
            return Err(invalid(
                "--store",
                format!(
                    "库 {} 已有数据且不是示范库；可接受：空目录或已有的示范库（用 --store 指定）",
                    self.store.display()
                ),
            ));
        }
        let mut state = replay(&store, None, false)?.state;
        let mut written = 0;
        for (i, step) in selfeval_core::demo::seed_department().into_iter().enumerate() {
            let command_id = format!("{DEMO_PREFIX}{i:04}");
            if store.command_seqs(&command_id)?.is_some() {
                continue;
            }
            let occurred_at = DateTime::parse_from_rfc3339(step.occurred_at).expect("demo times are valid").to_utc();
            let meta = Meta {
                actor: step.actor.to_owned(),
                reason: step.reason.map(str::to_owned),
                occurred_at,
                recorded_at: now(),
            };
            let payloads = handle(&state, &Request { meta: meta.clone(), command: step.command })
                .map_err(|r| CliError::Internal(format!("内部错误：示范数据第{i}步被拒绝：{r}")))?;
            let seqs = append(&mut store, &meta, &command_id, &payloads)?;
            for (seq, payload) in seqs.into_iter().zip(payloads) {
                state.apply(&RecordedEvent { seq, meta: meta.clone(), payload });
            }
            written += 1;
        }
        if written == 0 {
            eprintln!("示范库已存在于 {}（{} 个事件），未重复写入。", self.store.display(), store.head().seq);
        } else {
            eprintln!("已在 {} 生成示范部门（{} 个事件）。", self.store.display(), store.head().seq);
        }
        let model = ReportModel::build(&state, &store.head().hash);
        drop(store);
        let mut out = stdout();
        write_report(&model, self.json, &mut out)?;
        Ok(out.flush()?)
    }
}

/// The streams whose events decide a command, when that is not the whole
/// log: the department's, and the project's it names. Problems are looked up
/// across the department, so their commands replay everything.
fn streams_of(store: &Store, command: &Command) -> Result<Option<Vec<String>>, CliError> {
    use selfeval_core::event::{project_stream, DEPARTMENT_STREAM};
    let with_project = |code: &str| Some(vec![DEPARTMENT_STREAM.to_owned(), project_stream(code)]);
    Ok(match command {
        Command::InitYear { .. } | Command::ChangeProfile { .. } | Command::SetNarrative { project: None, .. } => {
            Some(vec![DEPARTMENT_STREAM.to_owned()])
        }
        Command::AddProject { code: project, .. }
        | Command::SetBudget { project, .. }
        | Command::AdjustBudget { project, .. }
        | Command::RecordExpenditure { project, .. }
        | Command::SetGoal { project, .. }
        | Command::DefineIndicator { project, .. }
        | Command::RecordActual { project, .. }
        | Command::MarkNotApplicable { project, .. }
        | Command::AdjustScore { project, .. }
        | Command::SetNarrative { project: Some(project), .. }
        | Command::Submit { project }
        | Command::Approve { project }
        | Command::Return { project } => with_project(project),
        Command::ReverseExpenditure { seq } => {
            // The expenditure's own event names its stream.
            let stream = match seq.trim().parse::<u64>() {
                Ok(n) if n >= 1 => {
                    store.events_from(n).next().transpose()?.filter(|e| e.envelope.seq == n).map(|e| e.envelope.stream)
                }
                _ => None,
            };
            Some(std::iter::once(DEPARTMENT_STREAM.to_owned()).chain(stream).collect())
        }
        Command::IdentifyProblem { .. }
        | Command::PlanRectification { .. }
        | Command::ProgressRectification { .. }
        | Command::CompleteRectification { .. } => None,
    })
}

/// Replays only the given streams, in log order.
fn replay_streams(store: &Store, streams: &[String]) -> Result<State, CliError> {
    let mut events = Vec::new();
    for stream in streams {
        events.extend(store.stream_events(stream)?);
    }
    // The streams are disjoint; only their interleaving needs restoring.
    events.sort_by_key(|e| e.envelope.seq);
    let mut state = State::default();
    for stored in &events {
        state.apply(&decode(stored)?);
    }
    Ok(state)
}

/// Appends a command's events as one batch.
fn append(store: &mut Store, meta: &Meta, command_id: &str, payloads: &[EventPayload]) -> Result<Vec<u64>, CliError> {
    let stream = payloads[0].stream();
    debug_assert!(payloads.iter().all(|p| p.stream() == stream), "a command writes one stream");
    let batch = Batch {
        expected_version: ExpectedVersion::Exact(store.stream_version(&stream)?),
        stream,
        command_id: command_id.to_owned(),
        actor: meta.actor.clone(),
        reason: meta.reason.clone(),
        occurred_at: meta.occurred_at,
        recorded_at: meta.recorded_at,
        events: payloads
            .iter()
            .map(|p| NewEvent {
                event_type: p.event_type().to_owned(),
                schema_version: p.schema_version(),
                payload: p.to_json(),
            })
            .collect(),
    };
    match store.append(&batch)? {
        Ok(appended) => Ok(appended.seqs),
        Err(conflict) => Err(CliError::Busy(format!("并发冲突，未写入：{conflict}；请重试"))),
    }
}

fn unknown_project(model: &ReportModel, code: &str) -> CliError {
    let known: Vec<&str> = model.projects.iter().map(|p| p.code.as_str()).collect();
    invalid(
        "CODE",
        format!(
            "项目「{code}」不存在；可接受：{}",
            if known.is_empty() { "（库中尚无项目）".to_owned() } else { known.join("、") }
        ),
    )
}

/// The label, value, formula and sources of one figure.
fn trace_figure(model: &ReportModel, code: &str, figure: &str) -> Result<(String, String, String, Figure), CliError> {
    let amount = |f: &Figure| format!("{}万元", selfeval_report::amount(f));
    if code == "department" {
        let t = &model.totals;
        let list = |pick: fn(&selfeval_core::report::ProjectReport) -> &Figure| {
            model.projects.iter().map(|p| selfeval_report::amount(pick(p))).collect::<Vec<_>>().join(" + ")
        };
        return Ok(match figure {
            "budget" => ("预算总额".into(), amount(&t.budget), format!("Σ全年预算数 = {}", list(|p| &p.budget)), t.budget.clone()),
            "initial_budget" => ("年初预算总额".into(), amount(&t.initial_budget), format!("Σ年初预算数 = {}", list(|p| &p.initial_budget)), t.initial_budget.clone()),
            "executed" => ("实际执行金额".into(), amount(&t.executed), format!("Σ全年执行数 = {}", list(|p| &p.executed)), t.executed.clone()),
            "execution_rate" => (
                "预算执行率".into(),
                selfeval_report::rate(&t.execution_rate),
                format!("ΣE ÷ ΣP = {} ÷ {}", fmt_plain(t.executed.value.unwrap_or_default()), fmt_plain(t.budget.value.unwrap_or_default())),
                t.execution_rate.clone(),
            ),
            "average_score" | "department" => {
                let scores: Vec<String> = model.projects.iter().filter_map(|p| p.total_score.value.map(fmt2)).collect();
                (
                    "平均自评分数".into(),
                    selfeval_report::score(t.average_score.value),
                    format!("({}) ÷ {}，四舍五入到2位小数", scores.join(" + "), scores.len()),
                    t.average_score.clone(),
                )
            }
            other => return Err(invalid("FIGURE", format!("「{other}」不是部门合计数字；可接受：budget、initial_budget、executed、execution_rate、average_score"))),
        });
    }
    let p = model.project(code).ok_or_else(|| unknown_project(model, code))?;
    let budget = p.budget.value.unwrap_or_default();
    let executed = p.executed.value.unwrap_or_default();
    Ok(match figure {
        "budget" => (
            "全年预算数".into(),
            amount(&p.budget),
            format!("年初预算数 {} + 预算调整 = {}", selfeval_report::amount(&p.initial_budget), fmt_plain(budget)),
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
            selfeval_report::rate(&p.execution_rate),
            format!("E ÷ P = {} ÷ {}", fmt_plain(executed), fmt_plain(budget)),
            p.execution_rate.clone(),
        ),
        "budget_score" => {
            let formula = match (&p.budget_not_applicable, &p.budget_adjusted) {
                (Some(reason), _) => format!("不适用：{reason}"),
                (None, Some(reason)) => {
                    format!("人工调整（自动计算为{}）：{reason}", selfeval_report::score(p.budget_auto_score))
                }
                (None, None) if budget.is_zero() => "全年预算数为0：有支出得0分，无支出不适用".into(),
                (None, None) => format!(
                    "分值 × min(执行率, 1) = {} × min({} ÷ {}, 1)",
                    fmt_plain(p.budget_weight),
                    fmt_plain(executed),
                    fmt_plain(budget)
                ),
            };
            ("预算执行率得分".into(), selfeval_report::score(p.budget_score.value), formula, p.budget_score.clone())
        }
        "total_score" => {
            let mut parts = vec![selfeval_report::score(p.budget_score.value)];
            parts.extend(p.indicators.iter().map(|i| selfeval_report::score(i.score.value)));
            (
                "总分".into(),
                selfeval_report::score(p.total_score.value),
                format!("各项得分之和（有不适用项时按适用分值折算为百分制）= {}", parts.join(" + ")),
                p.total_score.clone(),
            )
        }
        indicator => {
            let row = p.indicators.iter().find(|i| i.code == indicator).ok_or_else(|| {
                let codes: Vec<&str> = p.indicators.iter().map(|i| i.code.as_str()).collect();
                invalid("FIGURE", format!("「{indicator}」不是可追溯的数字；可接受：budget、initial_budget、executed、execution_rate、budget_score、total_score 或指标编号（{}）", codes.join("、")))
            })?;
            let formula = format!(
                "年度指标值 {}，实际完成值 {}，分值 {}；自动得分 {}{}",
                row.target,
                row.actual.as_deref().unwrap_or("（未填）"),
                fmt_plain(row.weight),
                selfeval_report::score(row.auto_score),
                row.adjusted.as_ref().map(|r| format!("，人工调整：{r}")).unwrap_or_default()
            );
            (
                format!("指标{} {} 得分", row.code, row.name),
                selfeval_report::score(row.score.value),
                formula,
                row.score.clone(),
            )
        }
    })
}
