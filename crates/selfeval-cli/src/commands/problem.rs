//! `problem add` and `rectify plan|progress|done`.

use clap::Subcommand;
use selfeval_core::Command;

use super::write::{record, WriteOpts};
use super::{print_list, Ctx, ViewArgs};
use crate::error::CliError;

/// `problem …`.
#[derive(Debug, Subcommand)]
pub enum ProblemCmd {
    /// 登记问题 (identify a problem)
    Add {
        /// 项目编号
        code: String,
        /// 问题编号，如 Q1
        pcode: String,
        /// 问题描述
        #[arg(long)]
        text: String,
        #[command(flatten)]
        write: WriteOpts,
    },
    /// 更正问题描述，须 --reason (correct a problem)
    Amend {
        /// 问题编号，如 Q1；多个项目有同一编号时写 P02/Q1
        pcode: String,
        /// 新的问题描述
        #[arg(long)]
        text: String,
        #[command(flatten)]
        write: WriteOpts,
    },
    /// 撤回问题，须 --reason (withdraw a problem)
    Withdraw {
        /// 问题编号，如 Q1；多个项目有同一编号时写 P02/Q1
        pcode: String,
        #[command(flatten)]
        write: WriteOpts,
    },
    /// 问题与整改一览 (list the problems and their rectification)
    List {
        #[command(flatten)]
        view: ViewArgs,
    },
}

/// `rectify …`.
#[derive(Debug, Subcommand)]
pub enum RectifyCmd {
    /// 制定整改计划 (plan)
    Plan {
        /// 问题编号，如 Q1；多个项目有同一编号时写 P02/Q1
        pcode: String,
        /// 整改措施
        #[arg(long)]
        measure: String,
        /// 责任人或责任科室
        #[arg(long)]
        owner: String,
        /// 完成时限 YYYY-MM-DD
        #[arg(long)]
        due: String,
        #[command(flatten)]
        write: WriteOpts,
    },
    /// 记录整改进展 (progress)
    Progress {
        /// 问题编号，如 Q1；多个项目有同一编号时写 P02/Q1
        pcode: String,
        /// 进展说明
        #[arg(long)]
        note: String,
        #[command(flatten)]
        write: WriteOpts,
    },
    /// 整改完成 (done)
    Done {
        /// 问题编号，如 Q1；多个项目有同一编号时写 P02/Q1
        pcode: String,
        /// 佐证材料
        #[arg(long)]
        evidence: String,
        #[command(flatten)]
        write: WriteOpts,
    },
}

/// `problem add|list`.
pub fn problem(cmd: ProblemCmd, ctx: &Ctx) -> Result<(), CliError> {
    match cmd {
        ProblemCmd::Add { code, pcode, text, write } => {
            record(Command::IdentifyProblem { project: code, problem: pcode, text }, write, ctx)
        }
        ProblemCmd::Amend { pcode, text, write } => record(Command::AmendProblem { problem: pcode, text }, write, ctx),
        ProblemCmd::Withdraw { pcode, write } => record(Command::WithdrawProblem { problem: pcode }, write, ctx),
        ProblemCmd::List { view } => {
            print_list(ctx, &view, selfeval_report::problems_json, selfeval_report::problems_markdown)
        }
    }
}

/// `rectify plan|progress|done`.
pub fn rectify(cmd: RectifyCmd, ctx: &Ctx) -> Result<(), CliError> {
    match cmd {
        RectifyCmd::Plan { pcode, measure, owner, due, write } => {
            record(Command::PlanRectification { problem: pcode, measure, owner, due }, write, ctx)
        }
        RectifyCmd::Progress { pcode, note, write } => {
            record(Command::ProgressRectification { problem: pcode, note }, write, ctx)
        }
        RectifyCmd::Done { pcode, evidence, write } => {
            record(Command::CompleteRectification { problem: pcode, evidence }, write, ctx)
        }
    }
}
