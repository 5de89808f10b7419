//! `demo`: the example department of `shared/seed-report.txt`, recorded
//! once (running it again writes nothing), and its report; `demo --audit`:
//! a published-style 自评表 recorded as printed, its 自评表 and findings.

use std::io::Write;

use clap::Args;
use selfeval_core::evaluate;
use selfeval_ledger::{Ledger, Location, Purpose};

use super::report::write_report;
use super::{stdout, Ctx};
use crate::error::CliError;
use crate::settings::DEFAULT_STORE;

/// Where `demo --audit` records when no store is named: beside the demo's.
pub const AUDIT_STORE: &str = "selfeval-audit";

/// `demo`'s options.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// 审计示范：把一张印发式自评表按原表照录（空白单元格、「/」行、时限、百分数分值、照抄目标值……），打印自评表与核查结果；未指定 --store 时写入 selfeval-audit
    #[arg(long)]
    audit: bool,
}

/// `demo` and `demo --audit`.
pub fn demo(args: DemoArgs, ctx: &Ctx) -> Result<(), CliError> {
    if args.audit {
        return audit(ctx);
    }
    let mut ledger = ctx.open()?;
    let seeded = ledger.seed_demo(ctx.settings.now())?;
    let store = ctx.settings.location.shown();
    if seeded.written == 0 {
        eprintln!("示范库已存在于 {store}（{} 个事件），未重复写入。", ledger.head().seq);
    } else {
        eprintln!("已在 {store} 生成示范部门（{} 个事件）。", ledger.head().seq);
    }
    let head_hash = ledger.head().hash.clone();
    drop(ledger);
    let evaluation = evaluate(&seeded.state, &head_hash);
    let mut out = stdout();
    write_report(&evaluation, ctx.json(), &selfeval_report::ReportOptions::default(), &mut out)?;
    Ok(out.flush()?)
}

/// `demo --audit`: its own ledger (the default store is the demo's).
fn audit(ctx: &Ctx) -> Result<(), CliError> {
    let location = if ctx.settings.store.as_os_str() == DEFAULT_STORE {
        Location::Dir(AUDIT_STORE.into())
    } else {
        ctx.settings.location.clone()
    };
    let mut ledger = super::announce(Ledger::open(&location, &ctx.settings.ledger, Purpose::Create)?);
    let seeded = ledger.seed_audit_demo(ctx.settings.now())?;
    let store = location.shown();
    if seeded.written == 0 {
        eprintln!("审计示范库已存在于 {store}（{} 个事件），未重复写入。", ledger.head().seq);
    } else {
        eprintln!("已在 {store} 按原表照录一张印发的自评表（{} 个事件）。", ledger.head().seq);
    }
    let head_hash = ledger.head().hash.clone();
    drop(ledger);
    let evaluation = evaluate(&seeded.state, &head_hash);
    let mut out = stdout();
    if ctx.json() {
        let findings = selfeval_report::findings_json(&evaluation.findings);
        writeln!(out, "{}", serde_json::json!({ "findings": findings }))?;
        return Ok(out.flush()?);
    }
    for project in &evaluation.model.projects {
        writeln!(out, "{}", selfeval_report::table_markdown(&evaluation.model, project))?;
    }
    writeln!(out, "核查结果（selfeval check）：\n")?;
    out.write_all(selfeval_report::findings_markdown(&evaluation.findings).as_bytes())?;
    Ok(out.flush()?)
}
