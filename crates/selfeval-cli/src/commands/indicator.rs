//! `indicator add|actual|na` and `score adjust`.

use clap::Subcommand;
use selfeval_core::Command;

use super::write::{record, WriteOpts};
use super::Ctx;
use crate::error::CliError;

/// `indicator …`.
#[derive(Debug, Subcommand)]
pub enum IndicatorCmd {
    /// 设定绩效指标 (define an indicator)
    Add {
        /// 项目编号
        code: String,
        /// 指标编号，如 I1
        icode: String,
        /// 一级指标：产出指标 | 效益指标 | 满意度指标
        #[arg(long)]
        level1: String,
        /// 二级指标，如 数量指标
        #[arg(long)]
        level2: String,
        /// 三级指标名称
        #[arg(long)]
        name: String,
        /// 年度指标值，如 ≥50个、<=90万元、=100%、2023年12月（完成时限）、效果明显；原表空白写 ""，不适用写 /
        #[arg(long, allow_hyphen_values = true, required_unless_present = "na")]
        target: Option<String>,
        /// 分值，如 10；原表以百分数印的写 10%；原表印「/」（不适用）的写 /
        #[arg(long, allow_hyphen_values = true, required_unless_present = "na")]
        weight: Option<String>,
        /// 原表中不适用的指标（分值「/」）：不计分值、不计总分、无须实际完成值；同 --weight /
        #[arg(long, conflicts_with = "weight")]
        na: bool,
        /// 按原表照录：比率指标以不带单位的小数为年度指标值（如 ≥0.95）时照原表记录，并记一条检查 T2
        #[arg(long)]
        as_printed: bool,
        #[command(flatten)]
        write: WriteOpts,
    },
    /// 记录实际完成值 (record the actual value)
    Actual {
        /// 项目编号
        code: String,
        /// 指标编号
        icode: String,
        /// 实际完成值；完成时限指标写完成日期（如 2023-11-20、2023年11月）；原表空白写 "" 或 未填
        #[arg(long, allow_hyphen_values = true)]
        value: String,
        /// 定性指标完成等级：达成 | 部分达成 | 未达成
        #[arg(long)]
        level: Option<String>,
        /// 定性指标得分（达成时默认满分）
        #[arg(long, allow_hyphen_values = true)]
        score: Option<String>,
        /// 偏差原因分析
        #[arg(long)]
        deviation: Option<String>,
        /// 改进措施
        #[arg(long)]
        measure: Option<String>,
        /// 按原表照录：完成时限指标的实际完成值只印「已完成」等文字而无日期时照原表记录（不按规则计分），并记一条检查 T2
        #[arg(long)]
        as_printed: bool,
        #[command(flatten)]
        write: WriteOpts,
    },
    /// 标记为不适用（ICODE 可为 budget），须 --reason；--undo 撤销 (not applicable)
    Na {
        /// 项目编号
        code: String,
        /// 指标编号或 budget
        icode: String,
        /// 撤销不适用标记
        #[arg(long)]
        undo: bool,
        #[command(flatten)]
        write: WriteOpts,
    },
    /// 更正指标的定义（只给要改的项），须 --reason (correct an indicator)
    Amend {
        /// 项目编号
        code: String,
        /// 指标编号
        icode: String,
        /// 一级指标
        #[arg(long)]
        level1: Option<String>,
        /// 二级指标
        #[arg(long)]
        level2: Option<String>,
        /// 三级指标名称
        #[arg(long)]
        name: Option<String>,
        /// 年度指标值
        #[arg(long, allow_hyphen_values = true)]
        target: Option<String>,
        /// 分值
        #[arg(long, allow_hyphen_values = true)]
        weight: Option<String>,
        /// 清除已记录的实际完成值（更正后不可比时，与 --value 二选一）
        #[arg(long, conflicts_with = "value")]
        clear_value: bool,
        /// 按更正后的指标值记录的实际完成值（同一命令记录，替换已记录的）
        #[arg(long, allow_hyphen_values = true)]
        value: Option<String>,
        /// 该实际完成值的完成等级（定性指标）：达成|部分达成|未达成
        #[arg(long, requires = "value")]
        level: Option<String>,
        /// 该实际完成值的得分（定性指标，等级非达成时须给出）
        #[arg(long, requires = "value", allow_hyphen_values = true)]
        score: Option<String>,
        /// 按原表照录：比率指标以不带单位的小数为年度指标值（如 ≥0.95）时照原表记录，并记一条检查 T2
        #[arg(long)]
        as_printed: bool,
        #[command(flatten)]
        write: WriteOpts,
    },
    /// 撤回指标，须 --reason (withdraw an indicator)
    Withdraw {
        /// 项目编号
        code: String,
        /// 指标编号
        icode: String,
        #[command(flatten)]
        write: WriteOpts,
    },
}

/// `score …`.
#[derive(Debug, Subcommand)]
pub enum ScoreCmd {
    /// 人工调整得分，须 --reason；自动得分仍保留 (adjust a score)
    Adjust {
        /// 项目编号
        code: String,
        /// 指标编号或 budget
        item: String,
        /// 新得分；auto 撤销人工调整、恢复自动得分
        #[arg(long, allow_hyphen_values = true)]
        score: String,
        #[command(flatten)]
        write: WriteOpts,
    },
}

/// `indicator add|actual|na`.
pub fn indicator(cmd: IndicatorCmd, ctx: &Ctx) -> Result<(), CliError> {
    match cmd {
        IndicatorCmd::Add { code, icode, level1, level2, name, target, weight, na, as_printed, mut write } => {
            write.as_printed = as_printed;
            // --na is the printed 「/」 weight; the target stays as printed.
            let slash = || "/".to_owned();
            let weight = if na { slash() } else { weight.unwrap_or_default() };
            let target = target.unwrap_or_else(slash);
            record(
                Command::DefineIndicator { project: code, indicator: icode, level1, level2, name, target, weight },
                write,
                ctx,
            )
        }
        IndicatorCmd::Actual { code, icode, value, level, score, deviation, measure, as_printed, mut write } => {
            write.as_printed = as_printed;
            record(
                Command::RecordActual { project: code, indicator: icode, value, level, score, deviation, measure },
                write,
                ctx,
            )
        }
        IndicatorCmd::Na { code, icode, undo: false, write } => {
            record(Command::MarkNotApplicable { project: code, item: icode }, write, ctx)
        }
        IndicatorCmd::Na { code, icode, undo: true, write } => {
            record(Command::UndoNotApplicable { project: code, item: icode }, write, ctx)
        }
        IndicatorCmd::Amend {
            code,
            icode,
            level1,
            level2,
            name,
            target,
            weight,
            clear_value,
            value,
            level,
            score,
            as_printed,
            mut write,
        } => {
            write.as_printed = as_printed;
            record(
                Command::AmendIndicator {
                    project: code,
                    indicator: icode,
                    level1,
                    level2,
                    name,
                    target,
                    weight,
                    clear_value,
                    value,
                    level,
                    score,
                },
                write,
                ctx,
            )
        }
        IndicatorCmd::Withdraw { code, icode, write } => {
            record(Command::WithdrawIndicator { project: code, indicator: icode }, write, ctx)
        }
    }
}

/// `score adjust`: a score override.
pub fn score(cmd: ScoreCmd, ctx: &Ctx) -> Result<(), CliError> {
    let ScoreCmd::Adjust { code, item, score, write } = cmd;
    record(Command::AdjustScore { project: code, item, score }, write, ctx)
}
