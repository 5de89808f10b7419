//! `budget set`, `budget adjust`, `spend` and `spend reverse`.

use clap::{Args, Subcommand};
use selfeval_core::Command;

use super::write::{record, WriteOpts};
use super::Ctx;
use crate::error::CliError;

/// `budget …`.
#[derive(Debug, Subcommand)]
pub enum BudgetCmd {
    /// 设定年初预算数，须 --reason (set the initial budget)
    Set {
        /// 项目编号
        code: String,
        /// 金额，默认万元
        #[arg(long, allow_hyphen_values = true)]
        amount: String,
        /// 资金来源：本年财政拨款 | 上年结转 | 其他资金
        #[arg(long)]
        source: Option<String>,
        /// 金额远超项目预算（超过其100倍，或首个预算超过1,000,000万元）时确认确属如此
        #[arg(long)]
        confirm_large: bool,
        /// 按原表照录：千位分隔符而无单位的金额（如 21,545.76）照原表数字按账本单位记录，并记一条检查 T2
        #[arg(long)]
        as_printed: bool,
        #[command(flatten)]
        write: WriteOpts,
    },
    /// 调整预算（可为负），须 --reason (adjust the budget)
    Adjust {
        /// 项目编号
        code: String,
        /// 调整金额，如 0.5、-0.026
        #[arg(long, allow_hyphen_values = true)]
        delta: String,
        /// 文号
        #[arg(long)]
        doc: Option<String>,
        /// 资金来源：本年财政拨款（默认）| 上年结转 | 其他资金
        #[arg(long)]
        source: Option<String>,
        /// 金额远超项目预算（超过其100倍，或首个预算超过1,000,000万元）时确认确属如此
        #[arg(long)]
        confirm_large: bool,
        /// 按原表照录：千位分隔符而无单位的金额（如 21,545.76）照原表数字按账本单位记录，并记一条检查 T2
        #[arg(long)]
        as_printed: bool,
        #[command(flatten)]
        write: WriteOpts,
    },
}

/// `spend CODE …` or `spend reverse SEQ …`.
#[derive(Debug, Args)]
pub struct SpendArgs {
    /// 冲销
    #[command(subcommand)]
    reverse: Option<SpendCmd>,
    /// 项目编号
    #[arg(required = true)]
    code: Option<String>,
    /// 金额，默认万元，如 3.2、215,457.60元
    #[arg(long, required = true, allow_hyphen_values = true)]
    amount: Option<String>,
    /// 支付日期 YYYY-MM-DD
    #[arg(long, required = true)]
    date: Option<String>,
    /// 凭证号
    #[arg(long)]
    voucher: Option<String>,
    /// 摘要
    #[arg(long)]
    memo: Option<String>,
    /// 资金来源：本年财政拨款（默认）| 上年结转 | 其他资金
    #[arg(long)]
    source: Option<String>,
    /// 金额远超项目预算（超过其100倍）时确认确属如此
    #[arg(long)]
    confirm_large: bool,
    /// 按原表照录：千位分隔符而无单位的金额（如 21,545.76）照原表数字按账本单位记录，并记一条检查 T2
    #[arg(long)]
    as_printed: bool,
    #[command(flatten)]
    write: WriteOpts,
}

/// `spend reverse`.
#[derive(Debug, Subcommand)]
pub enum SpendCmd {
    /// 冲销一笔支出，须 --reason (reverse an expenditure)
    Reverse {
        /// 支出记录的事件序号
        seq: String,
        #[command(flatten)]
        write: WriteOpts,
    },
}

/// `budget set|adjust`.
pub fn budget(cmd: BudgetCmd, ctx: &Ctx) -> Result<(), CliError> {
    match cmd {
        BudgetCmd::Set { code, amount, source, confirm_large, as_printed, mut write } => {
            write.confirm_large = confirm_large;
            write.as_printed = as_printed;
            record(Command::SetBudget { project: code, amount, source }, write, ctx)
        }
        BudgetCmd::Adjust { code, delta, doc, source, confirm_large, as_printed, mut write } => {
            write.confirm_large = confirm_large;
            write.as_printed = as_printed;
            record(Command::AdjustBudget { project: code, delta, doc, source }, write, ctx)
        }
    }
}

/// `spend` and `spend reverse`.
pub fn spend(args: SpendArgs, ctx: &Ctx) -> Result<(), CliError> {
    match args {
        SpendArgs { reverse: Some(SpendCmd::Reverse { seq, write }), .. } => {
            record(Command::ReverseExpenditure { seq }, write, ctx)
        }
        SpendArgs {
            reverse: None,
            code,
            amount,
            date,
            voucher,
            memo,
            source,
            confirm_large,
            as_printed,
            mut write,
        } => {
            write.confirm_large = confirm_large;
            write.as_printed = as_printed;
            // Its business date defaults to --date: the ledger's rule (typed::request).
            record(
                Command::RecordExpenditure {
                    project: code.unwrap_or_default(),
                    amount: amount.unwrap_or_default(),
                    date: date.unwrap_or_default(),
                    voucher,
                    memo,
                    source,
                },
                write,
                ctx,
            )
        }
    }
}
