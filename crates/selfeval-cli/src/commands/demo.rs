//! `demo`: the example department of `shared/seed-report.txt`, recorded
//! once (running it again writes nothing), and its report.

use std::io::Write;

use selfeval_core::evaluate;

use super::report::write_report;
use super::{stdout, Ctx};
use crate::error::CliError;

/// `demo`.
pub fn demo(ctx: &Ctx) -> Result<(), CliError> {
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
