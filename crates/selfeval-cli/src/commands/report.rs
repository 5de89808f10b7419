//! `report` and `table`: the 自评报告 and one project's 自评表.

use std::io::{BufWriter, Write};
use std::path::PathBuf;

use clap::Args;
use selfeval_core::Evaluation;
use selfeval_ledger::trace::unknown_project;

use super::{stdout, Ctx, ViewArgs};
use crate::error::CliError;

/// `report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// 格式 md | json
    #[arg(long, default_value = "md", value_parser = ["md", "json"])]
    format: String,
    #[command(flatten)]
    view: ViewArgs,
    /// 写入文件而非标准输出
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// 覆盖已存在的输出文件
    #[arg(long, requires = "output")]
    force: bool,
}

/// `table`.
#[derive(Debug, Args)]
pub struct TableArgs {
    /// 项目编号
    code: String,
    /// 格式 md | json
    #[arg(long, default_value = "md", value_parser = ["md", "json"])]
    format: String,
    #[command(flatten)]
    view: ViewArgs,
}

/// Writes the report as JSON or as Markdown.
pub fn write_report(evaluation: &Evaluation, json: bool, out: &mut dyn Write) -> std::io::Result<()> {
    if json {
        selfeval_report::write_report_json(evaluation, out)
    } else {
        out.write_all(selfeval_report::report_markdown(evaluation).as_bytes())
    }
}

/// `report`.
pub fn report(args: ReportArgs, ctx: &Ctx) -> Result<(), CliError> {
    let view = args.view.view()?;
    if let Some(path) = &args.output {
        ctx.check_output("--output", path, args.force)?;
    }
    let evaluation = ctx.open_for_reading()?.evaluate(view)?;
    let json = args.format == "json" || ctx.json();
    match args.output {
        Some(path) => {
            let file = std::fs::File::create(&path).map_err(|e| {
                CliError::Environment(format!("无法写入 {}：{}", path.display(), crate::error::describe_io(&e)))
            })?;
            let mut out = BufWriter::with_capacity(1 << 20, file);
            write_report(&evaluation, json, &mut out)?;
            out.flush()?;
            eprintln!("报告已写入 {}", path.display());
            Ok(())
        }
        None => {
            let mut out = stdout();
            write_report(&evaluation, json, &mut out)?;
            Ok(out.flush()?)
        }
    }
}

/// `table`.
pub fn table(args: TableArgs, ctx: &Ctx) -> Result<(), CliError> {
    let model = ctx.open_for_reading()?.report_model(args.view.view()?)?;
    let project = model.project(&args.code).ok_or_else(|| unknown_project(&model, &args.code))?;
    let mut out = stdout();
    if args.format == "json" || ctx.json() {
        let table = selfeval_report::table_json(&model, project);
        writeln!(out, "{}", serde_json::to_string_pretty(&table).expect("JSON"))?;
    } else {
        out.write_all(selfeval_report::table_markdown(&model, project).as_bytes())?;
    }
    Ok(out.flush()?)
}
