//! `report` and `table`: the 自评报告 and the 自评表, as Markdown, JSON,
//! Word (.docx) or, for the 自评表, Excel (.xlsx).

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use clap::Args;
use selfeval_core::Evaluation;
use selfeval_ledger::trace::unknown_project;
use selfeval_report::ReportOptions;

use super::{invalid, stdout, Ctx, ViewArgs};
use crate::error::CliError;

/// `report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// 格式 md | json | docx（默认按 --output 的扩展名，否则 md）
    #[arg(long, value_parser = ["md", "json", "docx"])]
    format: Option<String>,
    #[command(flatten)]
    view: ViewArgs,
    /// 写入文件而非标准输出（.docx 须写入文件）
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// 覆盖已存在的输出文件
    #[arg(long, requires = "output")]
    force: bool,
    /// 正文中加追溯标记：⚠见数据核查、事件序号、链头哈希（内部审阅用）
    #[arg(long)]
    markers: bool,
    /// 附表：all（自评表、数据核查、数据来源）或 none（只留自评表）
    #[arg(long, value_name = "all|none", default_value = "all", value_parser = ["all", "none"])]
    appendices: String,
}

/// `table`.
#[derive(Debug, Args)]
pub struct TableArgs {
    /// 项目编号（或用 --all 输出全部项目）
    #[arg(required_unless_present = "all")]
    code: Option<String>,
    /// 全部项目：每个项目一张自评表，xlsx 另加汇总表
    #[arg(long, conflicts_with = "code")]
    all: bool,
    /// 格式 md | json | xlsx | docx（默认按 --output 的扩展名，否则 md）
    #[arg(long, value_parser = ["md", "json", "xlsx", "docx"])]
    format: Option<String>,
    #[command(flatten)]
    view: ViewArgs,
    /// 写入文件而非标准输出（xlsx、docx 须写入文件）
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// 覆盖已存在的输出文件
    #[arg(long, requires = "output")]
    force: bool,
}

/// The format asked for: `--format`, else the output's extension, else
/// Markdown (`--json` asks for JSON). An extension that contradicts
/// `--format` is refused, and so is a binary format without a file.
fn format_of(format: Option<&str>, output: Option<&Path>, json: bool, accepted: &[&str]) -> Result<String, CliError> {
    const DOCUMENTS: &[&str] = &["md", "json", "docx", "xlsx", "csv", "pdf", "doc", "xls", "wps", "et", "txt", "html"];
    let extension = output
        .and_then(|p| p.extension())
        .map(|e| e.to_string_lossy().to_lowercase())
        .map(|e| if e == "markdown" { "md".to_owned() } else { e })
        .filter(|e| DOCUMENTS.contains(&e.as_str()));
    if let Some(e) = extension.as_deref().filter(|e| !accepted.contains(e)) {
        return Err(invalid(
            "--output",
            format!(
                "不能写成 .{e} 文件；可接受的扩展名：{}",
                accepted.iter().map(|a| format!(".{a}")).collect::<Vec<_>>().join("、")
            ),
        ));
    }
    let chosen = match (format, &extension) {
        (Some(f), Some(e)) if f != e => {
            return Err(invalid(
                "--format",
                format!(
                "--format {f} 与 --output 的扩展名 .{e} 矛盾；可接受：一致的格式与扩展名，或省略 --format 按扩展名决定"
            ),
            ))
        }
        (Some(f), _) => f.to_owned(),
        (None, Some(e)) if json && e != "json" => {
            return Err(invalid(
                "--json",
                format!("--json 与 --output 的扩展名 .{e} 矛盾；可接受：去掉 --json，或 .json 文件"),
            ))
        }
        (None, Some(e)) => e.clone(),
        (None, None) if json => "json".to_owned(),
        (None, None) => "md".to_owned(),
    };
    if matches!(chosen.as_str(), "xlsx" | "docx") && output.is_none() {
        return Err(invalid(
            "--output",
            format!("{chosen} 是二进制文件，不能写到终端；可接受：--output 文件名.{chosen}"),
        ));
    }
    Ok(chosen)
}

/// Writes the report as JSON or as Markdown.
pub fn write_report(
    evaluation: &Evaluation,
    json: bool,
    options: &ReportOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    if json {
        selfeval_report::write_report_json(evaluation, out)
    } else {
        out.write_all(selfeval_report::report_markdown(evaluation, options).as_bytes())
    }
}

/// Writes `bytes` (or what `write` produces) to `path`.
fn write_file(path: &Path, write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<(), CliError> {
    let file = std::fs::File::create(path).map_err(|e| {
        CliError::Environment(format!("无法写入 {}：{}", path.display(), crate::error::describe_io(&e)))
    })?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    write(&mut out)?;
    out.flush()?;
    Ok(())
}

fn document_error(what: &str) -> impl FnOnce(String) -> CliError + '_ {
    move |why| CliError::Internal(format!("内部错误：无法生成{what}：{why}"))
}

/// `report`.
pub fn report(args: ReportArgs, ctx: &Ctx) -> Result<(), CliError> {
    let view = args.view.view()?;
    let format = format_of(args.format.as_deref(), args.output.as_deref(), ctx.json(), &["md", "json", "docx"])?;
    if let Some(path) = &args.output {
        ctx.check_output("--output", path, args.force)?;
    }
    let evaluation = ctx.open_for_reading()?.evaluate(view)?;
    let options = ReportOptions { markers: args.markers, appendices: args.appendices == "all", links: false };
    match (format.as_str(), args.output) {
        ("docx", Some(path)) => {
            let bytes = selfeval_report::report_docx(&evaluation, &options).map_err(document_error("报告"))?;
            write_file(&path, |out| out.write_all(&bytes))?;
            eprintln!("报告（Word）已写入 {}", path.display());
            Ok(())
        }
        (format, Some(path)) => {
            write_file(&path, |out| write_report(&evaluation, format == "json", &options, out))?;
            eprintln!("报告已写入 {}", path.display());
            Ok(())
        }
        (format, None) => {
            let mut out = stdout();
            write_report(&evaluation, format == "json", &options, &mut out)?;
            Ok(out.flush()?)
        }
    }
}

/// `table`.
pub fn table(args: TableArgs, ctx: &Ctx) -> Result<(), CliError> {
    let format =
        format_of(args.format.as_deref(), args.output.as_deref(), ctx.json(), &["md", "json", "xlsx", "docx"])?;
    if let Some(path) = &args.output {
        ctx.check_output("--output", path, args.force)?;
    }
    let model = ctx.open_for_reading()?.report_model(args.view.view()?)?;
    let codes: Vec<&str> = match &args.code {
        Some(code) => {
            vec![model.project(code).ok_or_else(|| unknown_project(&model, code))?.code.as_str()]
        }
        None => model.projects.iter().map(|p| p.code.as_str()).collect(),
    };
    let bytes = match format.as_str() {
        "xlsx" => selfeval_report::tables_xlsx(&model, &codes).map_err(document_error("自评表（Excel）"))?,
        "docx" => selfeval_report::tables_docx(&model, &codes).map_err(document_error("自评表（Word）"))?,
        "json" => {
            let tables: Vec<_> =
                codes.iter().filter_map(|c| model.project(c)).map(|p| selfeval_report::table_json(&model, p)).collect();
            let value =
                if args.all { serde_json::Value::Array(tables) } else { tables.into_iter().next().unwrap_or_default() };
            format!("{}\n", serde_json::to_string_pretty(&value).expect("JSON")).into_bytes()
        }
        _ => codes
            .iter()
            .filter_map(|c| model.project(c))
            .map(|p| selfeval_report::table_markdown(&model, p))
            .collect::<Vec<_>>()
            .join("\n")
            .into_bytes(),
    };
    match args.output {
        Some(path) => {
            write_file(&path, |out| out.write_all(&bytes))?;
            eprintln!("自评表已写入 {}", path.display());
            Ok(())
        }
        None => {
            let mut out = stdout();
            out.write_all(&bytes)?;
            Ok(out.flush()?)
        }
    }
}
