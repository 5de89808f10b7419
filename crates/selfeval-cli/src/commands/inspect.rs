//! `history` (the audit trail), `trace` (the events behind a figure) and
//! `diff` (what changed between two views).

use std::io::Write;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};
use clap::Args;
use selfeval_core::report::beijing;
use selfeval_core::values::visible;
use selfeval_ledger::{HistoryFilter, View};
use serde_json::json;

use super::{invalid, stdout, Ctx, ViewArgs};
use crate::error::CliError;

/// `history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// 只看一个项目
    #[arg(long, value_name = "CODE")]
    project: Option<String>,
    /// 事件类型，如 BudgetAdjusted
    #[arg(long = "type", value_name = "TYPE")]
    event_type: Option<String>,
    /// 起始时间（RFC 3339 或 YYYY-MM-DD）
    #[arg(long, value_name = "TIME")]
    since: Option<String>,
    /// 截止时间（RFC 3339 或 YYYY-MM-DD）
    #[arg(long, value_name = "TIME")]
    until: Option<String>,
    /// 只看原因、操作人、记录的文字或变更中含有此文字的事件
    #[arg(long, value_name = "TEXT")]
    grep: Option<String>,
    /// 业务发生时间起（YYYY-MM-DD 或 RFC 3339）
    #[arg(long, value_name = "TIME")]
    effective_since: Option<String>,
    /// 业务发生时间止（YYYY-MM-DD 或 RFC 3339）
    #[arg(long, value_name = "TIME")]
    effective_until: Option<String>,
}

/// The Chinese name of an event type (the type itself when unknown).
fn label(event_type: &str) -> &str {
    selfeval_core::EventPayload::label_of(event_type).unwrap_or(event_type)
}

/// `trace`.
#[derive(Debug, Args)]
pub struct TraceArgs {
    /// 项目编号，或 department（部门合计）
    code: String,
    /// budget | initial_budget | executed | execution_rate | budget_score | total_score | 指标编号 | average_score
    figure: String,
    #[command(flatten)]
    view: ViewArgs,
}

/// `diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// 起点：事件序号、日期或 RFC 3339 时间
    from: String,
    /// 终点：事件序号、日期或 RFC 3339 时间
    to: String,
    /// 按业务发生日期比较（起点、终点为日期或时间）
    #[arg(long)]
    effective: bool,
}

fn beijing_time(t: DateTime<Utc>) -> DateTime<FixedOffset> {
    t.with_timezone(&beijing())
}

/// A time bound: RFC 3339, or a date (Beijing time; `end` picks the day's end).
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

/// `history`.
pub fn history(args: HistoryArgs, ctx: &Ctx) -> Result<(), CliError> {
    let filter = HistoryFilter {
        project: args.project,
        event_type: args.event_type,
        actor: ctx.settings.actor_flag.clone(),
        since: args.since.as_deref().map(|t| parse_time_bound("--since", t, false)).transpose()?,
        until: args.until.as_deref().map(|t| parse_time_bound("--until", t, true)).transpose()?,
        grep: args.grep,
        effective_since: args
            .effective_since
            .as_deref()
            .map(|t| parse_time_bound("--effective-since", t, false))
            .transpose()?,
        effective_until: args
            .effective_until
            .as_deref()
            .map(|t| parse_time_bound("--effective-until", t, true))
            .transpose()?,
    };
    if let Some(t) = filter.unknown_type() {
        return Err(invalid(
            "--type",
            format!(
                "「{t}」不是事件类型；可接受：中文名或类型名，{}",
                selfeval_core::event::EVENT_TYPES
                    .iter()
                    .map(|t| format!("{}（{t}）", label(t)))
                    .collect::<Vec<_>>()
                    .join("、")
            ),
        ));
    }
    let ledger = ctx.open_for_reading()?;
    let mut out = stdout();
    let mut shown = 0u64;
    for entry in ledger.history(&filter)? {
        let entry = entry?;
        let e = &entry.stored.envelope;
        shown += 1;
        if ctx.json() {
            let data = json!({
                "seq": e.seq, "recorded_at": e.recorded_at, "occurred_at": e.occurred_at, "actor": e.actor,
                "event_type": e.event_type, "schema_version": e.schema_version, "project": entry.project,
                "change": entry.change, "reason": e.reason, "command_id": e.command_id, "hash": entry.stored.hash,
                "payload": serde_json::from_str::<serde_json::Value>(&e.payload).unwrap_or(serde_json::Value::Null),
            });
            writeln!(out, "{}", json!({"type": "event", "data": data}))?;
        } else {
            if shown == 1 {
                writeln!(out, "序号  记录时间  发生日期  操作人  事件  项目  变化（旧 → 新，金额单位万元）  原因")?;
            }
            let reason = e.reason.as_ref().map(|r| format!("  原因：{}", visible(r))).unwrap_or_default();
            let occurred = beijing_time(e.occurred_at).format("%Y-%m-%d");
            writeln!(
                out,
                "#{}  {}  发生{occurred}  {}  {}  {}  {}{}",
                e.seq,
                beijing_time(e.recorded_at).format("%Y-%m-%d %H:%M"),
                visible(&e.actor),
                label(&e.event_type),
                entry.project.as_deref().map_or_else(|| "—".to_owned(), visible),
                visible(&entry.change),
                reason
            )?;
        }
    }
    if ctx.json() {
        writeln!(out, "{}", json!({"type": "summary", "data": {"events": shown}}))?;
    } else if shown == 0 {
        writeln!(out, "（没有符合条件的事件）")?;
    }
    Ok(out.flush()?)
}

/// `trace`.
pub fn trace(args: TraceArgs, ctx: &Ctx) -> Result<(), CliError> {
    let trace = ctx.open_for_reading()?.trace(&args.code, &args.figure, args.view.view()?)?;
    let mut out = stdout();
    if ctx.json() {
        let events: Vec<_> = trace
            .events
            .iter()
            .map(|e| {
                json!({"seq": e.seq, "recorded_at": e.recorded_at, "occurred_at": e.occurred_at,
                       "actor": e.actor, "event_type": e.event_type, "change": e.change, "reason": e.reason})
            })
            .collect();
        let value = json!({"project": trace.code, "figure": trace.figure, "label": trace.label, "value": trace.value,
                           "formula": trace.formula, "events": events});
        writeln!(out, "{value}")?;
    } else {
        writeln!(out, "{} {}：{}\n计算：{}\n来源事件：", trace.code, trace.label, trace.value, trace.formula)?;
        for e in &trace.events {
            let reason = e.reason.as_ref().map(|r| format!("  原因：{}", visible(r))).unwrap_or_default();
            writeln!(
                out,
                "  #{}  {}  {}  {}  {}{}",
                e.seq,
                beijing_time(e.recorded_at).format("%Y-%m-%d %H:%M"),
                visible(&e.actor),
                label(&e.event_type),
                visible(&e.change),
                reason
            )?;
        }
        if trace.events.is_empty() {
            writeln!(out, "  （无：该数字没有来源事件）")?;
        }
    }
    Ok(out.flush()?)
}

/// `diff`.
pub fn diff(args: DiffArgs, ctx: &Ctx) -> Result<(), CliError> {
    let (from, to) = (View::end("FROM", &args.from, args.effective)?, View::end("TO", &args.to, args.effective)?);
    let diff = ctx.open_for_reading()?.diff(from, to)?;
    let mut out = stdout();
    let finding = |f: &selfeval_core::check::Finding| json!({"rule": f.rule, "severity": f.severity.as_str(), "project": f.project, "message": f.message, "events": f.events});
    if ctx.json() {
        let changes: Vec<_> = diff
            .changes
            .iter()
            .map(|c| json!({"project": c.project, "figure": c.figure, "before": c.before, "after": c.after, "events": c.events}))
            .collect();
        let value = json!({
            "from": diff.from_seq, "to": diff.to_seq, "changes": changes,
            "findings_added": diff.findings_added.iter().map(finding).collect::<Vec<_>>(),
            "findings_removed": diff.findings_removed.iter().map(finding).collect::<Vec<_>>(),
        });
        writeln!(out, "{value}")?;
        return Ok(out.flush()?);
    }
    if args.effective {
        writeln!(out, "按业务日期从 {} 到 {} 的变化：", args.from, args.to)?;
    } else {
        writeln!(out, "从事件#{} 到事件#{} 的变化：", diff.from_seq, diff.to_seq)?;
    }
    if diff.changes.is_empty() {
        writeln!(out, "  （报告中的数字没有变化）")?;
    }
    for c in &diff.changes {
        let events: Vec<String> = c.events.iter().map(|s| format!("#{s}")).collect();
        let events = if events.is_empty() { String::new() } else { format!("  （事件 {}）", events.join(" ")) };
        writeln!(
            out,
            "  {}  {}：{} → {}{events}",
            c.project.as_deref().unwrap_or("部门"),
            c.figure,
            c.before,
            c.after
        )?;
    }
    for (title, list) in [("新增的核查结果", &diff.findings_added), ("消除的核查结果", &diff.findings_removed)]
    {
        if !list.is_empty() {
            writeln!(out, "{title}：")?;
            for f in list {
                writeln!(out, "  {} {}：{}", f.rule, f.project.as_deref().unwrap_or("部门"), visible(&f.message))?;
            }
        }
    }
    Ok(out.flush()?)
}
