//! `import-table`: a filled 自评表 (.xlsx or .csv, the national layout)
//! recorded through the ordinary commands, or, with `--dry-run`, the
//! commands it would run and the findings they would raise.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use selfeval_core::intake::{self, Planned};
use selfeval_core::Command;
use selfeval_ledger::{CommandRefused, TableOptions, TableRefused};

use super::write::print_recorded;
use super::{invalid, stdout, Ctx};
use crate::error::CliError;

/// `import-table`.
#[derive(Debug, Args)]
pub struct ImportTableArgs {
    /// 填好的自评表（.xlsx 或 .csv，UTF-8 或 GB18030）
    file: PathBuf,
    /// 工作表名（默认第一个含「项目名称」的工作表）
    #[arg(long, value_name = "NAME")]
    sheet: Option<String>,
    /// 项目编号（默认按项目名称找已登记的项目；新项目取表中项目编码或下一个空闲编号）
    #[arg(long, value_name = "CODE")]
    project: Option<String>,
    /// 只列出将要执行的命令和将产生的核查结果，不写入
    #[arg(long)]
    dry_run: bool,
    /// 表头年度与本库年度不同时确认确属如此
    #[arg(long)]
    year_mismatch_ok: bool,
    /// --project 所给编号之外已有同名项目时，确认这是另一个同名项目
    #[arg(long)]
    new_project: bool,
    /// 表中金额远超预算（超过其100倍，或首个预算超过1,000,000万元）时确认确属如此
    #[arg(long)]
    confirm_large: bool,
    /// 按原表照录：其中各项之和不等于年度资金总额等一般导入会拒绝的表，照原表记录并记检查 T2
    #[arg(long)]
    as_printed: bool,
    /// 签名私钥文件，默认 $SELFEVAL_KEY，或 ssh-agent (signing key)
    #[arg(long, value_name = "FILE")]
    key: Option<PathBuf>,
}

/// A value for the command line, quoted when the shell needs it.
fn quote(text: &str) -> String {
    if !text.is_empty() && text.chars().all(|c| !c.is_whitespace() && !"'\"\\$`|&;<>()*?![]{}#~".contains(c)) {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

/// The command line of a planned command, as a person would type it.
fn command_line(planned: &Planned) -> String {
    let q = |t: &str| quote(t);
    let opt =
        |flag: &str, value: &Option<String>| value.as_ref().map(|v| format!(" {flag} {}", q(v))).unwrap_or_default();
    let mut line = match &planned.command {
        Command::AddProject { code, name, section, .. } => {
            format!("project add {code} --name {}{}", q(name), opt("--section", section))
        }
        Command::AmendProject { project, owner, .. } => format!("project amend {project}{}", opt("--owner", owner)),
        Command::SetBudget { project, amount, .. } => format!("budget set {project} --amount {amount}"),
        Command::AdjustBudget { project, delta, .. } => format!("budget adjust {project} --delta {delta}"),
        Command::RecordExpenditure { project, amount, date, memo, .. } => {
            format!("spend {project} --amount {amount} --date {date}{}", opt("--memo", memo))
        }
        Command::SetGoal { project, expected, actual } => {
            format!("goal {project}{}{}", opt("--expected", expected), opt("--actual", actual))
        }
        Command::DefineIndicator { project, indicator, level1, level2, name, target, weight } => format!(
            "indicator add {project} {indicator} --level1 {} --level2 {} --name {} --target {} --weight {weight}",
            q(level1),
            q(level2),
            q(name),
            q(target)
        ),
        Command::RecordActual { project, indicator, value, level, score, deviation, measure } => format!(
            "indicator actual {project} {indicator} --value {}{}{}{}{}",
            q(value),
            opt("--level", level),
            opt("--score", score),
            opt("--deviation", deviation),
            opt("--measure", measure)
        ),
        Command::AdjustScore { project, item, score } => format!("score adjust {project} {item} --score {score}"),
        other => format!("{other:?}"),
    };
    if let Some(reason) = &planned.reason {
        line.push_str(&format!(" --reason {}", q(reason)));
    }
    format!("selfeval {line}")
}

/// A command refused when the form was recorded (after it was decided):
/// nothing was written; the error keeps its own kind and exit code.
fn refused_late(i: usize, error: selfeval_ledger::LedgerError, planned: &[Planned]) -> CliError {
    eprintln!("import-table：第{}条命令被拒绝，未写入任何内容：{}", i + 1, command_line(&planned[i]));
    error.into()
}

/// Says the code a new project gets, and why (before anything else).
fn say_new_code(form_name: &str, code: &str, new_code: Option<&str>) {
    if let Some(why) = new_code {
        eprintln!("项目「{form_name}」尚未登记，新项目编号为 {code}（{why}；另用 --project 指定）");
    }
}

/// `import-table`.
pub fn import_table(args: ImportTableArgs, ctx: &Ctx) -> Result<(), CliError> {
    let (size, sha256) = selfeval_ledger::file_digest(&args.file)
        .map_err(|e| invalid("FILE", format!("无法读取 {}：{}", args.file.display(), crate::error::describe_io(&e))))?;
    let (sheet, grid) = selfeval_report::read_grid(&args.file, args.sheet.as_deref(), args.project.as_deref())
        .map_err(|why| invalid("FILE", why))?;
    let form = intake::parse_grid(&sheet, &grid).map_err(|e| invalid("FILE", e.to_string()))?;
    selfeval_ledger::check_form(&form, args.as_printed)?;
    let file_name = args.file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let source = format!("{file_name}（{size}字节，SHA-256 {sha256}）");
    // A dry run only reads (a read-only store included).
    let mut ledger = if args.dry_run { ctx.open_for_reading()? } else { ctx.open_to_record(args.key, false)? };
    let options = TableOptions {
        project: args.project,
        new_project: args.new_project,
        year_mismatch_ok: args.year_mismatch_ok,
        as_printed: args.as_printed,
        confirm_large: args.confirm_large,
        actor: ctx.settings.actor.clone().unwrap_or_default(),
        recorded_at: ctx.settings.now(),
    };
    let plan = match ledger.plan_table(&form, &source, &options) {
        Ok(plan) => plan,
        Err(TableRefused::Invalid(error)) => return Err(error.into()),
        Err(TableRefused::Command(refused)) => {
            let CommandRefused { index, rejection, planned, code, new_code } = *refused;
            say_new_code(&form.name, &code, new_code);
            let where_ = planned[index].cell.as_ref().map(|c| format!("（{c}）")).unwrap_or_default();
            return Err(invalid(
                "FILE",
                format!(
                    "第{}条命令{where_}被拒绝，未写入任何内容：{}\n  {}",
                    index + 1,
                    rejection,
                    command_line(&planned[index])
                ),
            ));
        }
    };
    let (code, planned) = (&plan.code, &plan.planned);
    say_new_code(&form.name, code, plan.new_code);
    let mut out = stdout();
    // A printed figure the amounts do not give is said, as a score that
    // differs is kept as an override and raises I17.
    if let Some(difference) = form.rate_difference() {
        eprintln!("注意：{difference}");
    }
    if args.dry_run {
        drop(ledger);
        writeln!(out, "将执行 {} 条命令（--dry-run：未写入）：", planned.len())?;
        for p in planned {
            writeln!(out, "  {}", command_line(p))?;
        }
        let evaluation = selfeval_core::evaluate(&plan.after, "");
        let findings: Vec<_> = evaluation.findings.iter().filter(|f| f.project.as_deref() == Some(code)).collect();
        writeln!(out, "\n项目{code}将产生的核查结果：{}", if findings.is_empty() { "无" } else { "" })?;
        for f in findings {
            writeln!(out, "  {} {}：{}", f.rule, f.severity.label(), f.message)?;
        }
        return Ok(out.flush()?);
    }
    // One atomic append: the whole form, or nothing.
    let recorded = match ledger.record_table(&plan)? {
        Ok(recorded) => recorded,
        Err((i, error)) => return Err(refused_late(i, error, planned)),
    };
    for r in &recorded {
        print_recorded(r, ctx.json())?;
    }
    drop(ledger);
    if !ctx.json() {
        eprintln!("自评表 {file_name} 已按 {} 条命令记录为项目 {code}", planned.len());
    }
    Ok(out.flush()?)
}
