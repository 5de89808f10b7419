//! The store as a whole: `verify` (which replays and judges every
//! event), `status`, `export`, `import`, `ledgers`, `migrate`.

use std::io::{BufReader, BufWriter, Write};
use std::path::PathBuf;

use clap::Args;
use selfeval_ledger::{ExportSummary, Ledger, Location, Purpose};
use serde_json::json;

use super::{invalid, stdout, Ctx};
use crate::error::CliError;

/// `export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// 输出文件（默认标准输出）
    file: Option<PathBuf>,
    /// 覆盖已存在的输出文件
    #[arg(long, requires = "file")]
    force: bool,
    /// 抢救：导出直到第一个无法校验的事件为止的全部事件，并说明在哪里、为何停止
    #[arg(long)]
    salvage: bool,
}

/// `import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// 导出文件
    file: PathBuf,
}

/// `status`.
pub fn status(ctx: &Ctx) -> Result<(), CliError> {
    let ledger = ctx.open_for_reading()?;
    let (head, identity) = (ledger.head().clone(), ledger.identity()?);
    let store = ctx.settings.location.shown();
    let mut out = stdout();
    if ctx.json() {
        let identity = identity.map(|i| json!({"id": i.id, "from": i.from}));
        writeln!(out, "{}", json!({"store": store, "events": head.seq, "head_hash": head.hash, "identity": identity}))?;
    } else {
        writeln!(out, "库 {store}：{} 个事件，头哈希 {}", head.seq, head.hash)?;
        match identity {
            Some(i) => writeln!(
                out,
                "库标识 {}（自事件{}起；本库的签名都覆盖它，导入或迁移所得的副本另有标识）",
                i.id, i.from
            )?,
            None => writeln!(out, "库标识：尚无（第一条命令或导入时生成）")?,
        }
    }
    Ok(out.flush()?)
}

/// `ledgers`: the ledgers of the database (`?ledger=` names one), or the
/// one a directory holds.
pub fn ledgers(ctx: &Ctx) -> Result<(), CliError> {
    let found = selfeval_ledger::ledgers(&ctx.settings.location, &ctx.settings.ledger)?;
    let mut out = stdout();
    if ctx.json() {
        let list: Vec<_> = found.iter().map(|(name, events)| json!({"ledger": name, "events": events})).collect();
        writeln!(out, "{}", serde_json::to_string_pretty(&list).expect("JSON"))?;
    } else if found.is_empty() {
        writeln!(out, "{} 中没有账本", ctx.settings.location.shown())?;
    } else {
        for (name, events) in &found {
            writeln!(out, "{name}\t{events} 个事件")?;
        }
    }
    Ok(out.flush()?)
}

/// `migrate`.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct MigrateArgs {
    /// 目标：目录或 postgres:// 地址（必须不存在或为空）；源为 --store
    #[arg(long, value_name = "STORE")]
    to: Option<String>,
    /// 源：目录或 postgres:// 地址；目标为 --store（必须不存在或为空）
    #[arg(long, value_name = "STORE")]
    from: Option<String>,
}

/// `migrate --to` / `--from`: the ledger copied between backends, checked
/// on arrival.
pub fn migrate(args: MigrateArgs, ctx: &Ctx) -> Result<(), CliError> {
    let parse = |field: &str, text: &str| {
        selfeval_ledger::Location::parse(text)
            .map_err(|why| invalid(field, format!("「{}」：{why}", selfeval_ledger::redact(text))))
    };
    let here = ctx.settings.location.clone();
    let (from, to) = match (&args.to, &args.from) {
        (Some(to), _) => (here, parse("--to", to)?),
        (_, Some(from)) => (parse("--from", from)?, here),
        (None, None) => return Err(invalid("--to", "缺少 --to 或 --from；可接受：其中之一")),
    };
    match Ledger::migrate(&from, &to, &ctx.settings.ledger)? {
        Ok(imported) => {
            let mut out = stdout();
            if ctx.json() {
                let shown = json!({"from": from.shown(), "to": to.shown(), "events": imported.events, "head_hash": imported.head.hash});
                writeln!(out, "{shown}")?;
            } else {
                writeln!(
                    out,
                    "已将 {} 个事件从 {} 迁移到 {}，到达后哈希链已校验，头哈希 {}",
                    imported.events,
                    from.shown(),
                    to.shown(),
                    imported.head.hash
                )?;
            }
            Ok(out.flush()?)
        }
        Err(refused) => Err(CliError::Integrity(format!("迁移被拒绝，目标未写入任何事件：{refused}"))),
    }
}

/// `verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// 核对检查点文件：库中仍有该序号处的同一哈希（可多次给出）
    #[arg(long, value_name = "FILE")]
    checkpoint: Vec<PathBuf>,
    /// 核对佐证材料：目录中的文件与登记的大小和 SHA-256 相同
    #[arg(long, value_name = "DIR")]
    evidence: Option<PathBuf>,
}

/// `verify`: the hash chain, the state snapshot against the log, every
/// signature against the roster, then the checkpoints and evidence given.
pub fn verify(args: VerifyArgs, ctx: &Ctx) -> Result<(), CliError> {
    let ledger = ctx.open_for_reading()?;
    let v = ledger.verify_all(&args.checkpoint, args.evidence.as_deref())?;
    drop(ledger);
    let mut out = stdout();
    if ctx.json() {
        let value = json!({
            "ok": v.failures.is_empty(),
            "events": v.events,
            "head_hash": v.head_hash,
            "snapshot": v.snapshot,
            "signatures": v.signatures,
            "checkpoints": {"given": args.checkpoint.len(), "held": v.checkpoints.len()},
            "evidence": v.evidence.map(|(checked, bad)| json!({"checked": checked, "bad": bad})),
            "problems": v.failures,
            "repairs": v.repairs,
        });
        writeln!(out, "{value}")?;
    } else {
        for repair in &v.repairs {
            writeln!(out, "打开库时{repair}")?;
        }
        writeln!(out, "哈希链完整：{} 个事件，头哈希 {}", v.events, v.head_hash)?;
        if !v.snapshot_said.is_empty() {
            writeln!(out, "{}", v.snapshot_said)?;
        }
        if v.signatures > 0 {
            writeln!(out, "签名：{} 条签名命令均由名册中登记的公钥签名", v.signatures)?;
        }
        for line in &v.checkpoints {
            writeln!(out, "{line}")?;
        }
        if let Some((checked, 0)) = v.evidence {
            writeln!(out, "佐证材料：{checked} 个文件与登记的大小和 SHA-256 一致")?;
        }
    }
    out.flush()?;
    if !v.failures.is_empty() {
        return Err(CliError::Integrity(v.failures.join("\n")));
    }
    Ok(())
}

/// `export` and `export --salvage`.
pub fn export(args: ExportArgs, ctx: &Ctx) -> Result<(), CliError> {
    if let Some(path) = &args.file {
        ctx.check_output("FILE", path, args.force)?;
    }
    let ledger = if let (true, selfeval_ledger::Location::Dir(dir)) = (args.salvage, &ctx.settings.location) {
        let ledger =
            super::announce(Ledger::open(&Location::Dir(dir.to_owned()), &ctx.settings.ledger, Purpose::Salvage)?);
        if !ledger.copy_repairs().is_empty() {
            eprintln!("提示：存储引擎拒绝打开库 {}，已复制到临时目录抢救（原库文件未作任何改动）", dir.display());
            for repair in ledger.copy_repairs() {
                eprintln!("提示：在副本中{repair}");
            }
        }
        ledger
    } else {
        ctx.open_for_reading()?
    };
    let write = |out: &mut dyn Write| -> Result<(ExportSummary, Option<String>), CliError> {
        if args.salvage {
            let salvaged = ledger.export_salvage(out)?;
            let stopped = salvaged.stopped.map(|b| format!("在事件{}处停止：{}", b.seq, b.problem));
            Ok((salvaged.summary, stopped))
        } else {
            Ok((ledger.export(out)?, None))
        }
    };
    let (summary, stopped) = match &args.file {
        Some(path) => {
            let handle = std::fs::File::create(path).map_err(|e| {
                CliError::Environment(format!("无法创建 {}：{}", path.display(), crate::error::describe_io(&e)))
            })?;
            let mut writer = BufWriter::new(handle);
            let outcome = write(&mut writer)?;
            writer.into_inner().map_err(|e| CliError::Output(e.into_error()))?.sync_all()?;
            outcome
        }
        None => write(&mut stdout())?,
    };
    if args.file.is_some() || !ctx.json() {
        eprintln!("已导出 {} 个事件，头哈希 {}", summary.events, summary.head.hash);
    }
    match stopped {
        Some(why) => Err(CliError::Integrity(format!(
            "抢救导出只含前 {} 个能校验的事件；{why}。该文件可导入新库",
            summary.events
        ))),
        None => Ok(()),
    }
}

/// `import`.
pub fn import(args: ImportArgs, ctx: &Ctx) -> Result<(), CliError> {
    let file = &args.file;
    let handle = std::fs::File::open(file).map_err(|e| invalid("FILE", format!("无法打开 {}：{e}", file.display())))?;
    match Ledger::import_at(&ctx.settings.location, &ctx.settings.ledger, &mut BufReader::new(handle))? {
        Ok(imported) => {
            let mut out = stdout();
            if ctx.json() {
                writeln!(out, "{}", json!({"imported": imported.events, "head_hash": imported.head.hash}))?;
            } else {
                writeln!(out, "已导入 {} 个事件，哈希链已校验，头哈希 {}", imported.events, imported.head.hash)?;
            }
            Ok(out.flush()?)
        }
        Err(rejected) => Err(CliError::Integrity(format!("导入被拒绝，未写入任何事件：{rejected}"))),
    }
}
