//! Who may do what (`roles.md`): `member`, `reopen`, `seal`, `unseal`,
//! `policy`, `checkpoint` and `evidence`.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use selfeval_core::Command;

use super::project::StepArgs;
use super::write::{print_recorded, record, request, MemberWriteOpts, WriteOnly, WriteOpts};
use super::{invalid, stdout, Ctx};
use crate::error::CliError;

/// `member`.
#[derive(Debug, Subcommand)]
pub enum MemberCmd {
    /// 登记人员：姓名@科室、角色与公钥，须 --reason (add a member)
    Add {
        /// 姓名@科室，如 王敏@应急救援科
        #[arg(value_name = "NAME@SECTION")]
        member: String,
        /// 角色：office（办公室）、section（科室）、auditor（审计）
        #[arg(long, value_name = "ROLE")]
        role: String,
        /// 本人的 ed25519 公钥文件（.pub）
        #[arg(long = "key", value_name = "PUBKEY_FILE")]
        public_key: Option<PathBuf>,
        #[command(flatten)]
        write: MemberWriteOpts,
    },
    /// 移出人员，须 --reason (remove a member)
    Remove {
        /// 姓名
        name: String,
        #[command(flatten)]
        write: WriteOpts,
    },
    /// 更换公钥，须 --reason (rotate a member's key)
    Key {
        /// 姓名
        name: String,
        /// 新的 ed25519 公钥文件（.pub）
        #[arg(long = "key", value_name = "PUBKEY_FILE")]
        public_key: PathBuf,
        #[command(flatten)]
        write: MemberWriteOpts,
    },
    /// 列出名册中的现任人员 (list the roster)
    List,
}

/// `policy`.
#[derive(Debug, Subcommand)]
pub enum PolicyCmd {
    /// 设定签名要求：policy set signatures required|optional，须 --reason
    Set {
        /// 要求的种类（目前只有 signatures）
        #[arg(value_name = "WHAT", value_parser = ["signatures"])]
        what: String,
        /// required（此后每条命令须签名）或 optional
        #[arg(value_name = "POLICY")]
        policy: String,
        #[command(flatten)]
        write: WriteOpts,
    },
}

/// `checkpoint`.
#[derive(Debug, Args)]
pub struct CheckpointArgs {
    /// 检查点文件（交外部保存）
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// 覆盖已存在的文件
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    write: WriteOpts,
}

/// `evidence`.
#[derive(Debug, Subcommand)]
pub enum EvidenceCmd {
    /// 登记佐证材料：只记文件名、大小与 SHA-256，不存内容 (pin a file)
    Add {
        /// 项目编号
        code: String,
        /// 文件
        file: PathBuf,
        /// 说明（材料证明什么）
        #[arg(long, value_name = "TEXT")]
        note: String,
        #[command(flatten)]
        write: WriteOpts,
    },
}

/// A public key file's text. A file that is not a public key is named,
/// never echoed (it may be a password file given by mistake).
fn read_public_key(path: &Path) -> Result<String, CliError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        invalid("--key", format!("无法读取公钥文件 {}：{}", path.display(), crate::error::describe_io(&e)))
    })?;
    selfeval_core::roles::parse_public_key("--key", &text).map_err(|mut refused| {
        refused.given = path.display().to_string();
        refused.problem = format!("{} {}", path.display(), refused.problem);
        CliError::from(refused)
    })?;
    Ok(text)
}

/// `member add|remove|key|list`.
pub fn member(cmd: MemberCmd, ctx: &Ctx) -> Result<(), CliError> {
    match cmd {
        MemberCmd::Add { member, role, public_key, write } => {
            let key = public_key.as_deref().map(read_public_key).transpose()?;
            record(Command::AddMember { member, role, key }, write.into(), ctx)
        }
        MemberCmd::Remove { name, write } => record(Command::RemoveMember { name }, write, ctx),
        MemberCmd::Key { name, public_key, write } => {
            let key = read_public_key(&public_key)?;
            record(Command::ChangeMemberKey { name, key }, write.into(), ctx)
        }
        MemberCmd::List => {
            let state = ctx.open_for_reading()?.replay(None)?.state;
            let mut out = stdout();
            if ctx.json() {
                writeln!(out, "{}", selfeval_report::members_json(state.governance()))?;
            } else {
                out.write_all(selfeval_report::members_markdown(state.governance()).as_bytes())?;
            }
            Ok(out.flush()?)
        }
    }
}

/// `reopen`.
pub fn reopen(args: StepArgs, ctx: &Ctx) -> Result<(), CliError> {
    record(Command::Reopen { project: args.code }, args.write, ctx)
}

/// `seal`.
pub fn seal(args: WriteOnly, ctx: &Ctx) -> Result<(), CliError> {
    record(Command::Seal, args.write, ctx)
}

/// `unseal`.
pub fn unseal(args: WriteOnly, ctx: &Ctx) -> Result<(), CliError> {
    record(Command::Unseal, args.write, ctx)
}

/// `policy set signatures required|optional`.
pub fn policy(cmd: PolicyCmd, ctx: &Ctx) -> Result<(), CliError> {
    let PolicyCmd::Set { what: _, policy, write } = cmd;
    record(Command::SetSignaturePolicy { policy }, write, ctx)
}

/// `checkpoint --out FILE`: the signed statement is written beside FILE,
/// recorded, then moved into place; a refusal or a failed write leaves
/// neither a file nor an event.
pub fn checkpoint(args: CheckpointArgs, ctx: &Ctx) -> Result<(), CliError> {
    ctx.check_output("--out", &args.out, args.force)?;
    // Checked like any command first (actor, command id), with a
    // placeholder for what only the store knows.
    let placeholder = Command::RecordCheckpoint { seq: 0, head: "0".repeat(64), key: "SHA256:".into() };
    let key = args.write.key.clone();
    let (request, command_id) = request(placeholder, args.write, ctx)?;
    let mut ledger = ctx.open_to_record(key, false)?;
    let (text, request) = ledger.prepare_checkpoint(&request.meta, command_id.as_deref())?;
    let name = args.out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let partial = args.out.with_file_name(format!(".{name}.partial-{}", std::process::id()));
    let written = std::fs::File::create(&partial).and_then(|mut f| {
        f.write_all(text.as_bytes())?;
        f.sync_all()
    });
    if let Err(e) = written {
        let _ = std::fs::remove_file(&partial);
        return Err(CliError::Environment(format!(
            "无法写入 {}：{}",
            args.out.display(),
            crate::error::describe_io(&e)
        )));
    }
    let recorded = match ledger.record(&request, command_id.as_deref()) {
        Ok(recorded) => recorded,
        Err(error) => {
            let _ = std::fs::remove_file(&partial);
            return Err(error.into());
        }
    };
    drop(ledger);
    std::fs::rename(&partial, &args.out).map_err(|e| {
        CliError::Environment(format!(
            "检查点已记录，但无法放到 {}（内容在 {}）：{}",
            args.out.display(),
            partial.display(),
            crate::error::describe_io(&e)
        ))
    })?;
    print_recorded(&recorded, ctx.json())?;
    if !ctx.json() {
        eprintln!("检查点已写入 {}：请交外部保存，日后用 selfeval verify --checkpoint 核对", args.out.display());
    }
    Ok(())
}

/// `evidence add P FILE --note TEXT`.
pub fn evidence(cmd: EvidenceCmd, ctx: &Ctx) -> Result<(), CliError> {
    let EvidenceCmd::Add { code, file, note, write } = cmd;
    if !file.is_file() {
        return Err(invalid("FILE", format!("{} 不是可读的文件；可接受：要登记的佐证材料文件", file.display())));
    }
    let (size, sha256) = selfeval_ledger::file_digest(&file)
        .map_err(|e| invalid("FILE", format!("无法读取 {}：{}", file.display(), crate::error::describe_io(&e))))?;
    let Some(name) = file.file_name().and_then(|n| n.to_str()).map(str::to_owned) else {
        return Err(invalid("FILE", format!("{} 的文件名不是有效的 UTF-8；可接受：改名后再登记", file.display())));
    };
    record(Command::AddEvidence { project: code, file: name, size, sha256, note }, write, ctx)
}
