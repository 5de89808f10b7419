//! The audit trail, a trace and a diff as text and JSON: what `history`,
//! `trace` and `diff` print, from the models the ledger builds
//! (`selfeval_core::trail`).

use chrono::{DateTime, FixedOffset, Utc};
use selfeval_core::check::Finding;
use selfeval_core::report::beijing;
use selfeval_core::trail::{Diff, HistoryEntry, Trace};
use selfeval_core::values::visible;
use selfeval_core::EventPayload;
use serde_json::{json, Value};

/// The heading line of the audit trail as text.
pub const HISTORY_HEADING: &str = "序号  记录时间  发生日期  操作人  事件  项目  变化（旧 → 新，金额单位万元）  原因";

/// What the audit trail says when no event passes the filter.
pub const HISTORY_NONE: &str = "（没有符合条件的事件）";

fn beijing_time(t: DateTime<Utc>) -> DateTime<FixedOffset> {
    t.with_timezone(&beijing())
}

/// The Chinese name of an event type (the type itself when unknown).
fn label(event_type: &str) -> &str {
    EventPayload::label_of(event_type).unwrap_or(event_type)
}

fn reason_text(reason: &Option<String>) -> String {
    reason.as_ref().map(|r| format!("  原因：{}", visible(r))).unwrap_or_default()
}

/// One event of the audit trail as a line of text.
pub fn history_line(e: &HistoryEntry) -> String {
    format!(
        "#{}  {}  发生{}  {}  {}  {}  {}{}",
        e.seq,
        beijing_time(e.recorded_at).format("%Y-%m-%d %H:%M"),
        beijing_time(e.occurred_at).format("%Y-%m-%d"),
        visible(&e.actor),
        label(&e.event_type),
        e.project.as_deref().map_or_else(|| "—".to_owned(), visible),
        visible(&e.change),
        reason_text(&e.reason)
    )
}

/// One event of the audit trail as a JSON line (`{"type": "event", …}`).
pub fn history_json(e: &HistoryEntry) -> Value {
    let data = json!({
        "seq": e.seq, "recorded_at": e.recorded_at, "occurred_at": e.occurred_at, "actor": e.actor,
        "event_type": e.event_type, "schema_version": e.schema_version, "project": e.project,
        "change": e.change, "reason": e.reason, "command_id": e.command_id, "hash": e.hash,
        "payload": serde_json::from_str::<Value>(&e.payload).unwrap_or(Value::Null),
    });
    json!({"type": "event", "data": data})
}

/// The last JSON line of the audit trail: how many events it showed.
pub fn history_summary_json(shown: u64) -> Value {
    json!({"type": "summary", "data": {"events": shown}})
}

/// A figure's trace as text: its value, how it was computed, and its events.
pub fn trace_text(trace: &Trace) -> String {
    let mut out = format!("{} {}：{}\n计算：{}\n来源事件：\n", trace.code, trace.label, trace.value, trace.formula);
    for e in &trace.events {
        out.push_str(&format!(
            "  #{}  {}  {}  {}  {}{}\n",
            e.seq,
            beijing_time(e.recorded_at).format("%Y-%m-%d %H:%M"),
            visible(&e.actor),
            label(&e.event_type),
            visible(&e.change),
            reason_text(&e.reason)
        ));
    }
    if trace.events.is_empty() {
        out.push_str("  （无：该数字没有来源事件）\n");
    }
    out
}

/// A figure's trace as JSON.
pub fn trace_json(trace: &Trace) -> Value {
    let events: Vec<Value> = trace
        .events
        .iter()
        .map(|e| {
            json!({"seq": e.seq, "recorded_at": e.recorded_at, "occurred_at": e.occurred_at,
                   "actor": e.actor, "event_type": e.event_type, "change": e.change, "reason": e.reason})
        })
        .collect();
    json!({"project": trace.code, "figure": trace.figure, "label": trace.label, "value": trace.value,
           "formula": trace.formula, "events": events})
}

fn finding_json(f: &Finding) -> Value {
    json!({"rule": f.rule, "severity": f.severity.as_str(), "project": f.project, "message": f.message, "events": f.events})
}

/// What changed between two views as JSON.
pub fn diff_json(diff: &Diff) -> Value {
    let changes: Vec<Value> = diff
        .changes
        .iter()
        .map(|c| json!({"project": c.project, "figure": c.figure, "before": c.before, "after": c.after, "events": c.events}))
        .collect();
    json!({
        "from": diff.from_seq, "to": diff.to_seq, "changes": changes,
        "findings_added": diff.findings_added.iter().map(finding_json).collect::<Vec<_>>(),
        "findings_removed": diff.findings_removed.iter().map(finding_json).collect::<Vec<_>>(),
    })
}

/// What changed between two views as text. `business` names the two
/// business dates when the views are on that axis (as typed); otherwise
/// the two points are the diff's sequence numbers.
pub fn diff_text(diff: &Diff, business: Option<(&str, &str)>) -> String {
    let mut out = match business {
        Some((from, to)) => format!("按业务日期从 {from} 到 {to} 的变化：\n"),
        None => format!("从事件#{} 到事件#{} 的变化：\n", diff.from_seq, diff.to_seq),
    };
    if diff.changes.is_empty() {
        out.push_str("  （报告中的数字没有变化）\n");
    }
    for c in &diff.changes {
        let events: Vec<String> = c.events.iter().map(|s| format!("#{s}")).collect();
        let events = if events.is_empty() { String::new() } else { format!("  （事件 {}）", events.join(" ")) };
        out.push_str(&format!(
            "  {}  {}：{} → {}{events}\n",
            c.project.as_deref().unwrap_or("部门"),
            c.figure,
            c.before,
            c.after
        ));
    }
    for (title, list) in [("新增的核查结果", &diff.findings_added), ("消除的核查结果", &diff.findings_removed)]
    {
        if !list.is_empty() {
            out.push_str(&format!("{title}：\n"));
            for f in list {
                out.push_str(&format!(
                    "  {} {}：{}\n",
                    f.rule,
                    f.project.as_deref().unwrap_or("部门"),
                    visible(&f.message)
                ));
            }
        }
    }
    out
}
