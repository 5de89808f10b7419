//! `narrative set`.

use clap::Subcommand;
use selfeval_core::Command;

use super::write::{record, WriteOpts};
use super::Ctx;
use crate::error::CliError;

/// `narrative …`.
#[derive(Debug, Subcommand)]
pub enum NarrativeCmd {
    /// 设定报告某段的说明文字 (set a narrative)
    #[command(
        after_help = "SECTION: 1.composition 1.execution 2.coverage 2.procedure 2.responsibility 3.scores 3.execution 3.funds 3.goals 3.indicators 4.problems 4.measures 5.evaluation 5.budget 6.other"
    )]
    Set {
        /// 段落，如 3.scores
        section: String,
        /// 文字（原文照录）
        #[arg(long)]
        text: String,
        /// 所属项目
        #[arg(long)]
        project: Option<String>,
        #[command(flatten)]
        write: WriteOpts,
    },
}

/// `narrative set`.
pub fn narrative(cmd: NarrativeCmd, ctx: &Ctx) -> Result<(), CliError> {
    let NarrativeCmd::Set { section, text, project, write } = cmd;
    record(Command::SetNarrative { section, text, project }, write, ctx)
}
