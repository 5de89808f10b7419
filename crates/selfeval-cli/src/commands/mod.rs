//! The command surface of `cli.md`: the top-level clap definition and the
//! dispatch to one module per command group, each holding its arguments
//! and what it does.

mod batch;
mod check;
mod ctx;
mod demo;
mod indicator;
mod inspect;
mod intake;
mod kinds;
mod money;
mod narrative;
mod problem;
mod profile;
mod project;
mod report;
mod roles;
mod serve;
mod store;
mod write;

use clap::{ArgAction, Parser, Subcommand};

use std::path::PathBuf;

pub use ctx::{announce, invalid, print_list, stdout, Collected, Ctx, ViewArgs};

use crate::error::CliError;

const EXAMPLES: &str = "\
示例 (Examples):
  selfeval demo                                   生成示范部门并打印报告
  selfeval --actor 张三@应急救援科 init --department 某市应急管理局 --year 2024
  selfeval project add P01 --name 应急救援能力建设资金 --section 应急救援科
  selfeval budget set P01 --amount 6 --reason 年初预算批复
  selfeval spend P01 --amount 215,457.60元 --date 2024-06-30
  selfeval report --format json --as-of 120
  selfeval history --project P01

环境变量 (Environment): SELFEVAL_STORE 库目录, SELFEVAL_ACTOR 操作人,
  SELFEVAL_KEY 签名私钥文件, SSH_AUTH_SOCK ssh-agent,
  SELFEVAL_BUSY_TIMEOUT 库被占用时的等待秒数（默认10）
退出码 (Exit codes): 0 成功, 1 输入被拒绝或核查有错误, 2 用法错误,
  3 库被占用或并发冲突, 4 完整性错误（哈希链损坏、签名或名册规则不符）,
  70 内部错误, 74 机器拒绝（磁盘满、无权限、路径不可写）";

/// 项目支出绩效自评：每一次变更都是带哈希链的事件，报告由事件重放生成。
///
/// selfeval keeps the history of a department's project expenditure
/// performance self-evaluation and computes the year-end report from it.
#[derive(Debug, Parser)]
#[command(name = "selfeval", version, after_help = EXAMPLES, disable_help_flag = true, disable_version_flag = true, disable_help_subcommand = true)]
pub struct Cli {
    /// 库目录或 postgres://用户@主机/数据库?ledger=账本，默认 $SELFEVAL_STORE 或 selfeval-data (store directory or PostgreSQL URL)
    #[arg(long, global = true, value_name = "STORE")]
    pub store: Option<PathBuf>,
    /// 操作人，如 张三@应急救援科，默认 $SELFEVAL_ACTOR (who is acting)
    #[arg(long, global = true, value_name = "NAME")]
    pub actor: Option<String>,
    /// 输出 JSON (machine-readable output)
    #[arg(long, global = true)]
    pub json: bool,
    /// 显示帮助 (print help)
    #[arg(short = 'h', long, global = true, action = ArgAction::Help)]
    pub help: Option<bool>,
    /// 显示版本 (print version)
    #[arg(short = 'V', long, action = ArgAction::Version)]
    pub version: Option<bool>,
    /// 命令
    #[command(subcommand)]
    pub command: Cmd,
}

/// Every command.
#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// 初始化部门与预算年度 (initialise the department and fiscal year)
    Init(profile::InitArgs),
    /// 项目 (projects)
    #[command(subcommand)]
    Project(project::ProjectCmd),
    /// 预算：设定与调整 (budget)
    #[command(subcommand)]
    Budget(money::BudgetCmd),
    /// 记录支出；spend reverse SEQ 冲销 (record or reverse an expenditure)
    #[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
    Spend(money::SpendArgs),
    /// 年度总体目标：预期与实际完成 (annual goal)
    Goal(project::GoalArgs),
    /// 记录印发的自评表所印的总分、执行率等，与计算值并列 (figures a published table printed)
    Printed(project::PrintedArgs),
    /// 绩效指标 (indicators)
    #[command(subcommand)]
    Indicator(indicator::IndicatorCmd),
    /// 人工调整得分 (adjust a score by hand)
    #[command(subcommand)]
    Score(indicator::ScoreCmd),
    /// 问题 (problems)
    #[command(subcommand)]
    Problem(problem::ProblemCmd),
    /// 整改：计划、进展、完成 (rectification)
    #[command(subcommand)]
    Rectify(problem::RectifyCmd),
    /// 报告说明文字 (narrative paragraphs)
    #[command(subcommand)]
    Narrative(narrative::NarrativeCmd),
    /// 评分规则：查看与变更 (rule profile)
    #[command(subcommand)]
    Profile(profile::ProfileCmd),
    /// 金额显示单位 (display unit of amounts)
    #[command(subcommand)]
    Unit(profile::UnitCmd),
    /// 科室提交自评 (submit a project's self-evaluation)
    Submit(project::StepArgs),
    /// 办公室审核通过 (approve)
    Approve(project::StepArgs),
    /// 办公室退回，须 --reason (return for correction)
    Return(project::StepArgs),
    /// 办公室重新打开已审核通过的项目，须 --reason (reopen an approved project)
    Reopen(project::StepArgs),
    /// 封存年度：此后一切写入被拒绝，须 --reason (seal the year)
    Seal(write::WriteOnly),
    /// 解除封存，须 --reason (lift the seal)
    Unseal(write::WriteOnly),
    /// 人员名册：登记、移出、更换公钥、列出 (the roster)
    #[command(subcommand)]
    Member(roles::MemberCmd),
    /// 签名要求 (signature policy)
    #[command(subcommand)]
    Policy(roles::PolicyCmd),
    /// 生成签名的检查点文件，交外部保存 (a signed statement of the head)
    Checkpoint(roles::CheckpointArgs),
    /// 佐证材料：按哈希登记文件 (evidence pinned by hash)
    #[command(subcommand)]
    Evidence(roles::EvidenceCmd),
    /// 生成自评报告 (the report, computed by replaying events)
    Report(report::ReportArgs),
    /// 打印一个项目的自评表 (one project's 自评表)
    Table(report::TableArgs),
    /// 批量记录：文件中每行一条记录命令 (many recording commands in one process)
    Batch(batch::BatchArgs),
    /// 导入填好的自评表（.xlsx/.csv）：按普通命令记录 (bring in a filled 自评表)
    ImportTable(intake::ImportTableArgs),
    /// 变更历史（审计轨迹）；--actor NAME 在此为筛选条件 (the audit trail)
    History(inspect::HistoryArgs),
    /// 追溯一个数字的来源事件 (the events behind a figure)
    Trace(inspect::TraceArgs),
    /// 两个时点之间报告的变化：每个变了的数字及其间的事件 (what changed between two points)
    Diff(inspect::DiffArgs),
    /// 一致性核查；--rules 列出全部规则 (consistency checks)
    Check(check::CheckArgs),
    /// 重新计算哈希链，核对签名、检查点与佐证材料 (verify)
    Verify(store::VerifyArgs),
    /// 库的状态：事件数与头哈希，不重放 (events and head hash)
    Status,
    /// 导出全部事件为 JSON Lines (export)
    Export(store::ExportArgs),
    /// 从导出文件恢复到空库，先校验 (import into an empty store)
    Import(store::ImportArgs),
    /// 列出数据库中的账本及其事件数 (list the ledgers in the database)
    Ledgers,
    /// 把本库复制到另一处（目录或 PostgreSQL 账本），到达后校验 (copy the ledger to or from PostgreSQL)
    Migrate(store::MigrateArgs),
    /// 生成示范部门（seed-report）并打印报告 (build the example department)
    Demo(demo::DemoArgs),
    /// 在浏览器中查看本库：每个数字可追溯到来源事件 (the ledger in a browser)
    Serve(serve::ServeArgs),
}

/// Runs one parsed command line.
pub fn run(command: Cmd, ctx: &Ctx) -> Result<(), CliError> {
    match command {
        Cmd::Init(args) => profile::init(args, ctx),
        Cmd::Project(cmd) => project::project(cmd, ctx),
        Cmd::Goal(args) => project::goal(args, ctx),
        Cmd::Printed(args) => project::printed(args, ctx),
        Cmd::Submit(args) => project::submit(args, ctx),
        Cmd::Approve(args) => project::approve(args, ctx),
        Cmd::Return(args) => project::return_(args, ctx),
        Cmd::Reopen(args) => roles::reopen(args, ctx),
        Cmd::Seal(args) => roles::seal(args, ctx),
        Cmd::Unseal(args) => roles::unseal(args, ctx),
        Cmd::Member(cmd) => roles::member(cmd, ctx),
        Cmd::Policy(cmd) => roles::policy(cmd, ctx),
        Cmd::Checkpoint(args) => roles::checkpoint(args, ctx),
        Cmd::Evidence(cmd) => roles::evidence(cmd, ctx),
        Cmd::Budget(cmd) => money::budget(cmd, ctx),
        Cmd::Spend(args) => money::spend(args, ctx),
        Cmd::Indicator(cmd) => indicator::indicator(cmd, ctx),
        Cmd::Score(cmd) => indicator::score(cmd, ctx),
        Cmd::Problem(cmd) => problem::problem(cmd, ctx),
        Cmd::Rectify(cmd) => problem::rectify(cmd, ctx),
        Cmd::Narrative(cmd) => narrative::narrative(cmd, ctx),
        Cmd::Profile(cmd) => profile::profile(cmd, ctx),
        Cmd::Unit(cmd) => profile::unit(cmd, ctx),
        Cmd::Report(args) => report::report(args, ctx),
        Cmd::Table(args) => report::table(args, ctx),
        Cmd::ImportTable(args) => intake::import_table(args, ctx),
        Cmd::Batch(args) => batch::batch(args, ctx),
        Cmd::History(args) => inspect::history(args, ctx),
        Cmd::Trace(args) => inspect::trace(args, ctx),
        Cmd::Diff(args) => inspect::diff(args, ctx),
        Cmd::Check(args) => check::check(args, ctx),
        Cmd::Verify(args) => store::verify(args, ctx),
        Cmd::Status => store::status(ctx),
        Cmd::Export(args) => store::export(args, ctx),
        Cmd::Import(args) => store::import(args, ctx),
        Cmd::Ledgers => store::ledgers(ctx),
        Cmd::Migrate(args) => store::migrate(args, ctx),
        Cmd::Demo(args) => demo::demo(args, ctx),
        Cmd::Serve(args) => serve::serve(args, ctx),
    }
}
