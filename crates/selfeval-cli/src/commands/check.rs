//! `check`: the consistency findings; `check --rules`: the table of rules.

use std::io::Write;

use clap::Args;
use serde_json::json;

use super::{stdout, Ctx, ViewArgs};
use crate::error::CliError;

/// `check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    view: ViewArgs,
    /// 列出全部核查规则（编号、级别、名称、检查内容），不读库
    #[arg(long, conflicts_with_all = ["as_of", "effective"])]
    rules: bool,
}

/// `check` and `check --rules`.
pub fn check(args: CheckArgs, ctx: &Ctx) -> Result<(), CliError> {
    let mut out = stdout();
    if args.rules {
        let rules = selfeval_report::all_rules();
        if ctx.json() {
            writeln!(out, "{}", selfeval_report::rules_json(rules))?;
        } else {
            out.write_all(selfeval_report::rules_markdown(rules).as_bytes())?;
        }
        return Ok(out.flush()?);
    }
    let evaluation = ctx.open_for_reading()?.evaluate(args.view.view()?)?;
    if ctx.json() {
        writeln!(out, "{}", json!({"findings": selfeval_report::findings_json(&evaluation.findings)}))?;
    } else {
        out.write_all(selfeval_report::findings_markdown(&evaluation.findings).as_bytes())?;
    }
    out.flush()?;
    if evaluation.has_errors() {
        return Err(CliError::FindingsFailed);
    }
    Ok(())
}
