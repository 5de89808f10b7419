//! `import-table`: a filled 自评表 (.xlsx or .csv, the national layout)
//! recorded through the ordinary commands, or, with `--dry-run`, the
//! commands it would run and the findings they would raise.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use selfeval_core::intake::{self, Planned};
use selfeval_core::{Command, Meta, Request};

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

/// `import-table`.
pub fn import_table(args: ImportTableArgs, ctx: &Ctx) -> Result<(), CliError> {
    let (size, sha256) = selfeval_ledger::file_digest(&args.file)
        .map_err(|e| invalid("FILE", format!("无法读取 {}：{}", args.file.display(), crate::error::describe_io(&e))))?;
    let (sheet, grid) = selfeval_report::read_grid(&args.file, args.sheet.as_deref(), args.project.as_deref())
        .map_err(|why| invalid("FILE", why))?;
    let form = intake::parse_grid(&sheet, &grid).map_err(|e| invalid("FILE", e.to_string()))?;
    // 其中 rows that do not add up: refused, or recorded as printed.
    if let Some(e) = form.unbalanced.first().filter(|_| !args.as_printed) {
        return Err(invalid("FILE", format!("{e}（原表如此时可用 --as-printed 照录）")));
    }
    let file_name = args.file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let source = format!("{file_name}（{size}字节，SHA-256 {sha256}）");
    // A dry run only reads (a read-only store included).
    let mut ledger = if args.dry_run { ctx.open_for_reading()? } else { ctx.open_to_record(args.key, false)? };
    let state = ledger.replay(None)?.state;
    let ledger_year = state.department().map(|d| d.year);
    if let (Some((year, cell)), Some(ours)) = (&form.year, ledger_year) {
        if *year != ours && !args.year_mismatch_ok {
            return Err(invalid(
                "FILE",
                format!(
                    "{cell}：自评表为{year}年度，本库为{ours}年度；可接受：{ours}年度的自评表，或确属如此加 --year-mismatch-ok"
                ),
            ));
        }
    }
    if let Some(code) = &args.project {
        let same_name = state.projects().iter().find(|p| p.name == form.name && &p.code != code);
        if let Some(other) = same_name.filter(|_| !args.new_project) {
            return Err(invalid(
                "--project",
                format!(
                    "项目「{}」已登记为{}；可接受：--project {}，或确属另一个同名项目加 --new-project",
                    form.name, other.code, other.code
                ),
            ));
        }
    }
    let code = match &args.project {
        Some(code) => code.clone(),
        None => match state.projects().iter().find(|p| p.name == form.name) {
            Some(p) => p.code.clone(),
            // A new project: the code the form prints, else the next free
            // one, said before anything else.
            None => {
                let code = intake::new_project_code(&state, &form);
                let why = if form.code.as_deref() == Some(code.as_str()) {
                    "自评表所印项目编码"
                } else {
                    "下一个空闲编号"
                };
                eprintln!("项目「{}」尚未登记，新项目编号为 {code}（{why}；另用 --project 指定）", form.name);
                code
            }
        },
    };
    if let Some((field, message)) = intake::target_refusal(&state, &form, &code) {
        return Err(invalid(field, message));
    }
    let recorded_at = ctx.settings.now();
    let meta = |reason: Option<String>| Meta {
        actor: ctx.settings.actor.clone().unwrap_or_default(),
        reason,
        occurred_at: recorded_at,
        recorded_at,
    };
    let request = |p: &Planned| Request {
        meta: meta(p.reason.clone()),
        command: p.command.clone(),
        confirm_large: args.confirm_large,
        as_printed: args.as_printed.then(|| p.notes.clone()),
        at: None,
    };
    // Decided in order on the state at the head; the score overrides once
    // the actuals are in.
    let mut planned = intake::plan(&state, &form, &code, &source);
    let mut scratch = state;
    let refused = |(i, rejection): (usize, selfeval_core::Rejection), planned: &[Planned]| {
        let where_ = planned[i].cell.as_ref().map(|c| format!("（{c}）")).unwrap_or_default();
        CliError::Invalid {
            field: "FILE".into(),
            message: format!(
                "第{}条命令{where_}被拒绝，未写入任何内容：{}\n  {}",
                i + 1,
                rejection,
                command_line(&planned[i])
            ),
        }
    };
    let requests: Vec<Request> = planned.iter().map(request).collect();
    selfeval_ledger::simulate_on(&mut scratch, &requests).map_err(|e| refused(e, &planned))?;
    let extra = intake::overrides(&scratch, &form, &code, &source);
    let more: Vec<Request> = extra.iter().map(request).collect();
    let offset = planned.len();
    planned.extend(extra);
    selfeval_ledger::simulate_on(&mut scratch, &more).map_err(|(i, r)| refused((offset + i, r), &planned))?;
    let mut out = stdout();
    // A printed figure the amounts do not give is said, as a score that
    // differs is kept as an override and raises I17.
    if let Some(difference) = form.rate_difference() {
        eprintln!("注意：{difference}");
    }
    if args.dry_run {
        drop(ledger);
        writeln!(out, "将执行 {} 条命令（--dry-run：未写入）：", planned.len())?;
        for p in &planned {
            writeln!(out, "  {}", command_line(p))?;
        }
        let evaluation = selfeval_core::evaluate(&scratch, "");
        let findings: Vec<_> = evaluation.findings.iter().filter(|f| f.project.as_deref() == Some(&code)).collect();
        writeln!(out, "\n项目{code}将产生的核查结果：{}", if findings.is_empty() { "无" } else { "" })?;
        for f in findings {
            writeln!(out, "  {} {}：{}", f.rule, f.severity.label(), f.message)?;
        }
        return Ok(out.flush()?);
    }
    // One atomic append: the whole form, or nothing.
    let items: Vec<selfeval_ledger::Item> =
        planned.iter().map(|p| selfeval_ledger::Item { request: request(p), command_id: None, key: None }).collect();
    let recorded = match ledger.record_all(&items)? {
        Ok(recorded) => recorded,
        Err((i, error)) => return Err(refused_late(i, error, &planned)),
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
