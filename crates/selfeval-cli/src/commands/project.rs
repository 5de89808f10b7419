//! `project add`, `goal`, and the workflow: `submit`, `approve`, `return`.

use clap::{Args, Subcommand};
use selfeval_core::Command;

use super::write::{record, WriteOpts};
use super::Ctx;
use crate::error::CliError;

/// `project …`.
#[derive(Debug, Subcommand)]
pub enum ProjectCmd {
    /// 登记项目 (register a project)
    Add {
        /// 项目编号，如 P01
        code: String,
        /// 项目名称
        #[arg(long)]
        name: String,
        /// 类别
        #[arg(long)]
        category: Option<String>,
        /// 实施科室
        #[arg(long)]
        section: Option<String>,
        /// 预算执行率分值（默认10；不同时须 --reason）
        #[arg(long)]
        budget_weight: Option<String>,
        #[command(flatten)]
        write: WriteOpts,
    },
}

/// `goal CODE`.
#[derive(Debug, Args)]
pub struct GoalArgs {
    /// 项目编号
    code: String,
    /// 预期目标
    #[arg(long)]
    expected: Option<String>,
    /// 实际完成情况
    #[arg(long)]
    actual: Option<String>,
    #[command(flatten)]
    write: WriteOpts,
}

/// `submit|approve|return CODE`.
#[derive(Debug, Args)]
pub struct StepArgs {
    /// 项目编号
    code: String,
    #[command(flatten)]
    write: WriteOpts,
}

/// `project add`.
pub fn project(cmd: ProjectCmd, ctx: &Ctx) -> Result<(), CliError> {
    let ProjectCmd::Add { code, name, category, section, budget_weight, write } = cmd;
    record(Command::AddProject { code, name, category, section, budget_weight }, write, ctx)
}

/// `goal`.
pub fn goal(args: GoalArgs, ctx: &Ctx) -> Result<(), CliError> {
    let GoalArgs { code, expected, actual, write } = args;
    record(Command::SetGoal { project: code, expected, actual }, write, ctx)
}

/// `submit`.
pub fn submit(args: StepArgs, ctx: &Ctx) -> Result<(), CliError> {
    record(Command::Submit { project: args.code }, args.write, ctx)
}

/// `approve`.
pub fn approve(args: StepArgs, ctx: &Ctx) -> Result<(), CliError> {
    record(Command::Approve { project: args.code }, args.write, ctx)
}

/// `return` (a keyword in Rust, hence the underscore).
pub fn return_(args: StepArgs, ctx: &Ctx) -> Result<(), CliError> {
    record(Command::Return { project: args.code }, args.write, ctx)
}
