//! `history` (the audit trail), `trace` (the events behind a figure) and
//! `diff` (what changed between two views).

use std::io::Write;

use clap::Args;
use selfeval_ledger::{HistoryFilter, View};
use selfeval_report as report;

use super::{stdout, Ctx, ViewArgs};
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

/// `history`.
pub fn history(args: HistoryArgs, ctx: &Ctx) -> Result<(), CliError> {
    let bound = |field: &str, text: &Option<String>, end: bool| {
        text.as_deref().map(|t| selfeval_ledger::time_bound(field, t, end)).transpose()
    };
    let filter = HistoryFilter {
        project: args.project,
        event_type: args.event_type,
        actor: ctx.settings.actor_flag.clone(),
        since: bound("--since", &args.since, false)?,
        until: bound("--until", &args.until, true)?,
        grep: args.grep,
        effective_since: bound("--effective-since", &args.effective_since, false)?,
        effective_until: bound("--effective-until", &args.effective_until, true)?,
    };
    filter.require_known_type("--type")?;
    let ledger = ctx.open_for_reading()?;
    let mut out = stdout();
    let mut shown = 0u64;
    for entry in ledger.history(&filter)? {
        let entry = entry?;
        shown += 1;
        if ctx.json() {
            writeln!(out, "{}", report::history_json(&entry))?;
        } else {
            if shown == 1 {
                writeln!(out, "{}", report::HISTORY_HEADING)?;
            }
            writeln!(out, "{}", report::history_line(&entry))?;
        }
    }
    if ctx.json() {
        writeln!(out, "{}", report::history_summary_json(shown))?;
    } else if shown == 0 {
        writeln!(out, "{}", report::HISTORY_NONE)?;
    }
    Ok(out.flush()?)
}

/// `trace`.
pub fn trace(args: TraceArgs, ctx: &Ctx) -> Result<(), CliError> {
    let trace = ctx.open_for_reading()?.trace(&args.code, &args.figure, args.view.view()?)?;
    let mut out = stdout();
    if ctx.json() {
        writeln!(out, "{}", report::trace_json(&trace))?;
    } else {
        write!(out, "{}", report::trace_text(&trace))?;
    }
    Ok(out.flush()?)
}

/// `diff`.
pub fn diff(args: DiffArgs, ctx: &Ctx) -> Result<(), CliError> {
    let (from, to) = (View::end("FROM", &args.from, args.effective)?, View::end("TO", &args.to, args.effective)?);
    let diff = ctx.open_for_reading()?.diff(from, to)?;
    let mut out = stdout();
    if ctx.json() {
        writeln!(out, "{}", report::diff_json(&diff))?;
    } else {
        let business = args.effective.then_some((args.from.as_str(), args.to.as_str()));
        write!(out, "{}", report::diff_text(&diff, business))?;
    }
    Ok(out.flush()?)
}
