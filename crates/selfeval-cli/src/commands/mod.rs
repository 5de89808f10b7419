//! The command surface of `cli.md`: the top-level clap definition and the
//! dispatch to one module per command group, each holding its arguments
//! and what it does.

mod batch;
mod check;
mod demo;
mod indicator;
mod inspect;
mod intake;
mod money;
mod narrative;
mod problem;
mod profile;
mod project;
mod report;
mod roles;
mod store;
mod write;

use std::io::{BufWriter, StdoutLock};
use std::path::PathBuf;

use clap::{ArgAction, Parser, Subcommand};
use selfeval_ledger::{AsOf, Ledger, Purpose, View};

use crate::error::CliError;
use crate::settings::Settings;

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
}

/// What every command runs with.
pub struct Ctx {
    /// The settings: flags over environment.
    pub settings: Settings,
    /// While `batch` reads its lines: recording commands hand their
    /// request here instead of recording it.
    pub collect: Option<std::cell::RefCell<Vec<write::Collected>>>,
}

impl Cmd {
    /// Whether the command records (and so may stand in a batch): the
    /// one list, which `batch` and `main` read.
    pub fn records(&self) -> bool {
        match self {
            Cmd::Init(_)
            | Cmd::Budget(_)
            | Cmd::Spend(_)
            | Cmd::Goal(_)
            | Cmd::Printed(_)
            | Cmd::Indicator(_)
            | Cmd::Score(_)
            | Cmd::Rectify(_)
            | Cmd::Narrative(_)
            | Cmd::Unit(_)
            | Cmd::Submit(_)
            | Cmd::Approve(_)
            | Cmd::Return(_)
            | Cmd::Reopen(_)
            | Cmd::Seal(_)
            | Cmd::Unseal(_)
            | Cmd::Policy(_)
            | Cmd::Evidence(_) => true,
            Cmd::Project(cmd) => !matches!(cmd, project::ProjectCmd::List { .. }),
            Cmd::Problem(cmd) => !matches!(cmd, problem::ProblemCmd::List { .. }),
            Cmd::Profile(cmd) => !matches!(cmd, profile::ProfileCmd::Show { .. }),
            Cmd::Member(cmd) => !matches!(cmd, roles::MemberCmd::List),
            _ => false,
        }
    }

    /// Whether the command holds the whole ledger in memory (a replay of
    /// every stream, an import, a copy).
    pub fn holds_whole_ledger(&self) -> bool {
        matches!(
            self,
            Cmd::Report(_)
                | Cmd::Table(_)
                | Cmd::Batch(_)
                | Cmd::ImportTable(_)
                | Cmd::Trace(_)
                | Cmd::Diff(_)
                | Cmd::Check(_)
                | Cmd::Verify(_)
                | Cmd::Export(_)
                | Cmd::Import(_)
                | Cmd::Migrate(_)
        )
    }
}

impl Ctx {
    /// Whether to print JSON.
    pub fn json(&self) -> bool {
        self.settings.json
    }

    /// Opens the ledger, creating it if missing.
    pub fn open(&self) -> Result<Ledger, CliError> {
        Ok(store::announce(Ledger::open(&self.settings.location, &self.settings.ledger, Purpose::Create)?))
    }

    /// Opens the ledger to record, signing with `key` (a command's own
    /// signing key) over `SELFEVAL_KEY`; `create` for `init`.
    pub fn open_to_record(&self, key: Option<PathBuf>, create: bool) -> Result<Ledger, CliError> {
        let mut settings = self.settings.ledger.clone();
        if key.is_some() {
            settings.signer.key_file = key;
        }
        Ok(store::announce(if create {
            Ledger::open(&self.settings.location, &settings, Purpose::Create)?
        } else {
            Ledger::open(&self.settings.location, &settings, Purpose::Record)?
        }))
    }

    /// Opens an existing ledger to read it; a read-only one is read from a
    /// temporary copy, and the command says so.
    pub fn open_for_reading(&self) -> Result<Ledger, CliError> {
        let ledger = store::announce(Ledger::open(&self.settings.location, &self.settings.ledger, Purpose::Read)?);
        if ledger.is_read_only_copy() {
            eprintln!("提示：库 {} 只读，已复制到临时目录读取（不会写入原库）", self.settings.store.display());
        }
        Ok(ledger)
    }

    /// Refuses an output path inside the store (writing there would damage
    /// it) and an existing file unless `force`.
    pub fn check_output(&self, field: &str, path: &std::path::Path, force: bool) -> Result<(), CliError> {
        let absolute = |p: &std::path::Path| {
            let parent = p.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
            parent.canonicalize().ok().map(|d| d.join(p.file_name().unwrap_or_default()))
        };
        let local = matches!(self.settings.location, selfeval_ledger::Location::Dir(_));
        if let (true, Ok(store), Some(output)) = (local, self.settings.store.canonicalize(), absolute(path)) {
            if output.starts_with(&store) {
                return Err(invalid(
                    field,
                    format!(
                        "{} 在库目录 {} 之内，写入会破坏库；可接受：库目录之外的路径",
                        path.display(),
                        self.settings.store.display()
                    ),
                ));
            }
        }
        if path.is_dir() {
            return Err(invalid(field, format!("{} 是目录；可接受：目录中的一个文件路径", path.display())));
        }
        if path.exists() && !force {
            return Err(invalid(
                field,
                format!("文件 {} 已存在，未覆盖；可接受：另一个文件名，或加 --force 覆盖", path.display()),
            ));
        }
        Ok(())
    }
}

/// Prints a list read from the report model: JSON with `--json`, else a
/// Markdown table (`project list`, `problem list`).
pub fn print_list(
    ctx: &Ctx,
    view: &ViewArgs,
    json: fn(&selfeval_core::ReportModel) -> serde_json::Value,
    markdown: fn(&selfeval_core::ReportModel) -> String,
) -> Result<(), CliError> {
    use std::io::Write;
    let model = ctx.open_for_reading()?.report_model(view.view()?)?;
    let mut out = stdout();
    if ctx.json() {
        writeln!(out, "{}", json(&model))?;
    } else {
        out.write_all(markdown(&model).as_bytes())?;
    }
    Ok(out.flush()?)
}

/// Standard output, buffered.
pub fn stdout() -> BufWriter<StdoutLock<'static>> {
    BufWriter::new(std::io::stdout().lock())
}

/// The error of a value the binary itself parses.
pub fn invalid(field: &str, message: impl Into<String>) -> CliError {
    CliError::Invalid { field: field.to_owned(), message: message.into() }
}

/// Which events a reading command takes: `--as-of` on the recorded axis,
/// `--effective` on the business axis; both may be given.
#[derive(Debug, Clone, clap::Args)]
pub struct ViewArgs {
    /// 截至某事件序号、日期或时间（按记录时间：当时记录的状态）
    #[arg(long, value_name = "SEQ|DATE|RFC3339")]
    pub as_of: Option<String>,
    /// 业务日期：只计发生日期（--at）在此日期（含）之前的变更
    #[arg(long, value_name = "DATE|RFC3339")]
    pub effective: Option<String>,
}

impl ViewArgs {
    /// The view these flags ask for.
    pub fn view(&self) -> Result<View, CliError> {
        Ok(View::parse(self.as_of.as_deref(), self.effective.as_deref())?)
    }
}

/// A point of the log as typed for `field` ([`AsOf::parse`]).
pub fn parse_point(field: &str, text: &str) -> Result<AsOf, CliError> {
    Ok(AsOf::parse(field, text)?)
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
    }
}
