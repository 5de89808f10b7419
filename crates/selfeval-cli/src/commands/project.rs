//! `project add`, `goal`, and the workflow: `submit`, `approve`, `return`.

use clap::{Args, Subcommand};
use selfeval_core::Command;

use super::write::{record, WriteOpts};
use super::{print_list, Ctx, ViewArgs};
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
    /// 更正项目信息（只给要改的项），须 --reason (correct a project)
    Amend {
        /// 项目编号
        code: String,
        /// 项目名称
        #[arg(long)]
        name: Option<String>,
        /// 实施科室
        #[arg(long)]
        section: Option<String>,
        /// 类别
        #[arg(long)]
        category: Option<String>,
        /// 项目负责人
        #[arg(long)]
        owner: Option<String>,
        #[command(flatten)]
        write: WriteOpts,
    },
    /// 撤回项目（须先冲销其全部支出），须 --reason (withdraw a project)
    Withdraw {
        /// 项目编号
        code: String,
        #[command(flatten)]
        write: WriteOpts,
    },
    /// 项目一览：编号、名称、科室、状态、预算、执行、执行率、总分、等级 (list the projects)
    List {
        #[command(flatten)]
        view: ViewArgs,
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

/// `printed CODE [--total N] [--execution-rate R%] [--budget-score N] [--grade 优|良|中|差]`.
#[derive(Debug, Args)]
pub struct PrintedArgs {
    /// 项目编号
    code: String,
    /// 原表所印的总分
    #[arg(long, allow_hyphen_values = true)]
    total: Option<String>,
    /// 原表所印的执行率，如 97.80%
    #[arg(long, allow_hyphen_values = true)]
    execution_rate: Option<String>,
    /// 原表所印的预算执行率得分
    #[arg(long, allow_hyphen_values = true)]
    budget_score: Option<String>,
    /// 原表所印的自评等级：优|良|中|差
    #[arg(long)]
    grade: Option<String>,
    #[command(flatten)]
    write: WriteOpts,
}

/// `submit|approve|return|reopen CODE`.
#[derive(Debug, Args)]
pub struct StepArgs {
    /// 项目编号
    pub code: String,
    #[command(flatten)]
    pub write: WriteOpts,
}

/// `project add|list`.
pub fn project(cmd: ProjectCmd, ctx: &Ctx) -> Result<(), CliError> {
    match cmd {
        ProjectCmd::Add { code, name, category, section, budget_weight, write } => {
            record(Command::AddProject { code, name, category, section, budget_weight }, write, ctx)
        }
        ProjectCmd::Amend { code, name, section, category, owner, write } => {
            record(Command::AmendProject { project: code, name, section, category, owner }, write, ctx)
        }
        ProjectCmd::Withdraw { code, write } => record(Command::WithdrawProject { project: code }, write, ctx),
        ProjectCmd::List { view } => {
            print_list(ctx, &view, selfeval_report::projects_json, selfeval_report::projects_markdown)
        }
    }
}

/// `printed`.
pub fn printed(args: PrintedArgs, ctx: &Ctx) -> Result<(), CliError> {
    let PrintedArgs { code, total, execution_rate, budget_score, grade, write } = args;
    record(Command::RecordPrinted { project: code, total, execution_rate, budget_score, grade }, write, ctx)
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
