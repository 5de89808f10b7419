//! `check`: the consistency findings; `check --rules`: the table of rules.

use std::io::Write;

use clap::Args;
use serde_json::json;

use super::{parse_as_of, stdout, Ctx};
use crate::error::CliError;

/// `check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// 截至某时间或事件序号
    #[arg(long, value_name = "RFC3339|SEQ")]
    as_of: Option<String>,
    /// 列出全部核查规则（编号、级别、名称、检查内容），不读库
    #[arg(long, conflicts_with = "as_of")]
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
    let as_of = parse_as_of(args.as_of.as_deref())?;
    let evaluation = ctx.open_for_reading()?.evaluate(as_of)?;
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
