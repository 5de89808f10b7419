//! `init` (which chooses the rule profile), `profile set` and `profile show`.

use std::io::Write;

use clap::{Args, Subcommand};
use selfeval_core::event::DEPARTMENT_STREAM;
use selfeval_core::profile::{RuleProfile, DEFAULT_PROFILE_ID};
use selfeval_core::Command;

use super::write::{record, WriteOpts};
use super::{invalid, stdout, Ctx};
use crate::error::CliError;

/// `init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// 部门名称
    #[arg(long)]
    department: String,
    /// 预算年度，如 2024
    #[arg(long)]
    year: String,
    /// 评分规则 (rule profile): cz2020-default | cz2020-linear | cz2021-cost
    #[arg(long)]
    profile: Option<String>,
    /// 金额显示单位：万元（默认）| 元
    #[arg(long)]
    unit: Option<String>,
    #[command(flatten)]
    write: WriteOpts,
}

/// `unit …`.
#[derive(Debug, Subcommand)]
pub enum UnitCmd {
    /// 变更金额显示单位（元 | 万元），须 --reason (change the display unit)
    Set {
        /// 单位：元 或 万元
        unit: String,
        #[command(flatten)]
        write: WriteOpts,
    },
}

/// `unit set`.
pub fn unit(cmd: UnitCmd, ctx: &Ctx) -> Result<(), CliError> {
    let UnitCmd::Set { unit, write } = cmd;
    record(Command::ChangeUnit { unit }, write, ctx)
}

/// `profile …`.
#[derive(Debug, Subcommand)]
pub enum ProfileCmd {
    /// 变更评分规则，须 --reason (change the rule profile)
    Set {
        /// 规则编号
        id: String,
        #[command(flatten)]
        write: WriteOpts,
    },
    /// 查看评分规则的全部数字：分值、等级、区间与阈值 (show a rule profile)
    Show {
        /// 规则编号；省略时为本库正在使用的规则（无库时为默认规则）
        id: Option<String>,
        /// 列出全部规则（即 docs/profiles.md）
        #[arg(long, conflicts_with = "id")]
        all: bool,
    },
}

/// `init`.
pub fn init(args: InitArgs, ctx: &Ctx) -> Result<(), CliError> {
    let InitArgs { department, year, profile, unit, write } = args;
    record(Command::InitYear { department, year, profile, unit }, write, ctx)
}

/// `profile set|show`.
pub fn profile(cmd: ProfileCmd, ctx: &Ctx) -> Result<(), CliError> {
    match cmd {
        ProfileCmd::Set { id, write } => record(Command::ChangeProfile { profile: id }, write, ctx),
        ProfileCmd::Show { id, all } => show(id.as_deref(), all, ctx),
    }
}

fn show(id: Option<&str>, all: bool, ctx: &Ctx) -> Result<(), CliError> {
    let mut out = stdout();
    if all {
        if ctx.json() {
            let profiles: Vec<_> = RuleProfile::all().iter().map(selfeval_report::profile_json).collect();
            writeln!(out, "{}", serde_json::to_string_pretty(&profiles).expect("JSON"))?;
        } else {
            out.write_all(selfeval_report::profiles_document().as_bytes())?;
        }
        return Ok(out.flush()?);
    }
    let id = match id {
        Some(id) => id.to_owned(),
        None => in_force(ctx)?,
    };
    let profile = RuleProfile::by_id(&id)
        .ok_or_else(|| invalid("ID", format!("「{id}」不是评分规则编号；可接受：{}", RuleProfile::ids().join("、"))))?;
    if ctx.json() {
        writeln!(out, "{}", serde_json::to_string_pretty(&selfeval_report::profile_json(&profile)).expect("JSON"))?;
    } else {
        out.write_all(selfeval_report::profile_markdown(&profile).as_bytes())?;
    }
    Ok(out.flush()?)
}

/// The profile in force in the store, or the default one without a store.
fn in_force(ctx: &Ctx) -> Result<String, CliError> {
    if !selfeval_ledger::exists_at(&ctx.settings.location, &ctx.settings.ledger)? {
        return Ok(DEFAULT_PROFILE_ID.to_owned());
    }
    let state = ctx.open_for_reading()?.replay_streams(&[DEPARTMENT_STREAM.to_owned()])?;
    Ok(state.department().map_or_else(|| DEFAULT_PROFILE_ID.to_owned(), |d| d.profile.clone()))
}
