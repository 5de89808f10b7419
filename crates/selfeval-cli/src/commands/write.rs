//! What every recording command shares: its options (`--reason`, `--at`,
//! `--command-id`), the request it becomes, and the `已记录` lines.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use selfeval_core::{Command, EventPayload, Request};
use selfeval_ledger::{precheck, Ledger, Recorded};
use serde_json::json;

use super::{stdout, Collected, Ctx};
use crate::error::CliError;

/// What every recording command says of itself: why, when, and its id.
#[derive(Debug, Args, Clone)]
pub struct Recording {
    /// 原因（部分命令必填）(why)
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
    /// 业务发生日期或时间（默认为记录时间），如 2024-06-30 (when it happened)
    #[arg(long, value_name = "DATE|RFC3339")]
    pub at: Option<String>,
    /// 命令编号：重试时用同一编号不会重复记录 (idempotency key)
    #[arg(long, value_name = "ID")]
    pub command_id: Option<String>,
}

/// Options every recording command takes.
#[derive(Debug, Args, Clone)]
pub struct WriteOpts {
    #[command(flatten)]
    pub recording: Recording,
    /// 签名私钥文件，默认 $SELFEVAL_KEY，或 ssh-agent (signing key)
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// Set by the money commands from their `--confirm-large`.
    #[arg(skip)]
    pub confirm_large: bool,
    /// Set by the commands that take `--as-printed`.
    #[arg(skip)]
    pub as_printed: bool,
}

/// The recording options of `member add|key`, whose `--key` names the
/// member's public key: the signing key is `--signing-key`.
#[derive(Debug, Args, Clone)]
pub struct MemberWriteOpts {
    #[command(flatten)]
    pub recording: Recording,
    /// 签名私钥文件，默认 $SELFEVAL_KEY，或 ssh-agent (signing key)
    #[arg(long, value_name = "FILE")]
    pub signing_key: Option<PathBuf>,
}

impl From<MemberWriteOpts> for WriteOpts {
    fn from(o: MemberWriteOpts) -> WriteOpts {
        WriteOpts { recording: o.recording, key: o.signing_key, confirm_large: false, as_printed: false }
    }
}

/// A command with nothing but the recording options (`seal`, `unseal`).
#[derive(Debug, Args)]
pub struct WriteOnly {
    #[command(flatten)]
    pub write: WriteOpts,
}

/// Records one command: checks what needs no store, opens the ledger
/// (creating it for `init`), records, and prints what was appended.
pub fn record(command: Command, write: WriteOpts, ctx: &Ctx) -> Result<(), CliError> {
    let is_init = matches!(command, Command::InitYear { .. });
    let key = write.key.clone();
    let (request, command_id) = request(command, write, ctx)?;
    if let Some(collect) = &ctx.collect {
        // Inside `batch`: handed over, recorded once every line is read.
        collect.borrow_mut().push(Collected { request, command_id, key });
        return Ok(());
    }
    let mut ledger: Ledger = ctx.open_to_record(key, is_init)?;
    let recorded = ledger.record(&request, command_id.as_deref())?;
    drop(ledger);
    print_recorded(&recorded, ctx.json())
}

/// The request a recording command makes (checked as far as it can be
/// without a store), and its command id.
pub fn request(command: Command, write: WriteOpts, ctx: &Ctx) -> Result<(Request, Option<String>), CliError> {
    let typed = selfeval_ledger::typed::Typed {
        actor: ctx.settings.actor.clone().unwrap_or_default(),
        reason: write.recording.reason,
        at: write.recording.at,
        confirm_large: write.confirm_large,
        as_printed: write.as_printed,
    };
    let request = selfeval_ledger::typed::request(command, typed, ctx.settings.now())?;
    precheck(&request, write.recording.command_id.as_deref())?;
    Ok((request, write.recording.command_id))
}

/// Prints `已记录 #N 类型（标签）` lines, or the JSON of `cli.md`.
pub fn print_recorded(recorded: &Recorded, json: bool) -> Result<(), CliError> {
    let mut out = stdout();
    if json {
        let appended: Vec<_> = recorded
            .events
            .iter()
            .zip(&recorded.echoes)
            .map(|((seq, t), echo)| {
                let mut event = json!({"seq": seq, "type": t});
                if let Some(echo) = echo {
                    event["echo"] = json!(echo);
                }
                event
            })
            .collect();
        writeln!(out, "{}", json!({"appended": appended, "duplicate": recorded.duplicate}))?;
    } else {
        for ((seq, event_type), echo) in recorded.events.iter().zip(&recorded.echoes) {
            let label = EventPayload::label_of(event_type).unwrap_or("");
            let echo = echo.as_ref().map(|e| format!("：{e}")).unwrap_or_default();
            let note = if recorded.duplicate { "（该命令编号已记录过，未重复写入）" } else { "" };
            writeln!(out, "已记录 #{seq} {event_type}（{label}）{echo}{note}")?;
        }
    }
    Ok(out.flush()?)
}
