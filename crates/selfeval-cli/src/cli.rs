//! The command surface of `cli.md`, as clap definitions. Help is Chinese
//! first, with English where it helps.

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand};

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
  SELFEVAL_BUSY_TIMEOUT 库被占用时的等待秒数（默认10）
退出码 (Exit codes): 0 成功, 1 输入被拒绝或核查有错误, 2 用法错误,
  3 库被占用或并发冲突, 4 完整性错误（哈希链损坏）, 70 内部错误";

/// 项目支出绩效自评：每一次变更都是带哈希链的事件，报告由事件重放生成。
///
/// selfeval keeps the history of a department's project expenditure
/// performance self-evaluation and computes the year-end report from it.
#[derive(Debug, Parser)]
#[command(name = "selfeval", version, after_help = EXAMPLES, disable_help_flag = true, disable_version_flag = true, disable_help_subcommand = true)]
pub struct Cli {
    /// 库目录 (store directory)
    #[arg(long, global = true, env = "SELFEVAL_STORE", default_value = "selfeval-data", value_name = "DIR")]
    pub store: PathBuf,
    /// 操作人，如 张三@应急救援科 (who is acting)
    #[arg(long, global = true, env = "SELFEVAL_ACTOR", value_name = "NAME")]
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

/// Options every recording command takes.
#[derive(Debug, Args, Clone)]
pub struct WriteOpts {
    /// 原因（部分命令必填）(why)
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
    /// 变更实际发生的时间，RFC 3339 (when it happened)
    #[arg(long, value_name = "RFC3339")]
    pub at: Option<String>,
    /// 命令编号：重试时用同一编号不会重复记录 (idempotency key)
    #[arg(long, value_name = "ID")]
    pub command_id: Option<String>,
}

/// Every command.
#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// 初始化部门与预算年度 (initialise the department and fiscal year)
    Init {
        /// 部门名称
        #[arg(long)]
        department: String,
        /// 预算年度，如 2024
        #[arg(long)]
        year: String,
        /// 评分规则 (rule profile): cz2020-default | cz2020-linear | cz2021-cost
        #[arg(long)]
        profile: Option<String>,
        #[command(flatten)]
        write: WriteOpts,
    },
    /// 项目 (projects)
    #[command(subcommand)]
    Project(ProjectCmd),
    /// 预算：设定与调整 (budget)
    #[command(subcommand)]
    Budget(BudgetCmd),
    /// 记录支出；spend reverse SEQ 冲销 (record or reverse an expenditure)
    #[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
    Spend(SpendArgs),
    /// 年度总体目标：预期与实际完成 (annual goal)
    Goal {
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
    },
    /// 绩效指标 (indicators)
    #[command(subcommand)]
    Indicator(IndicatorCmd),
    /// 人工调整得分 (adjust a score by hand)
    #[command(subcommand)]
    Score(ScoreCmd),
    /// 问题 (problems)
    #[command(subcommand)]
    Problem(ProblemCmd),
    /// 整改：计划、进展、完成 (rectification)
    #[command(subcommand)]
    Rectify(RectifyCmd),
    /// 报告说明文字 (narrative paragraphs)
    #[command(subcommand)]
    Narrative(NarrativeCmd),
    /// 评分规则 (rule profile)
    #[command(subcommand)]
    Profile(ProfileCmd),
    /// 科室提交自评 (submit a project's self-evaluation)
    Submit {
        /// 项目编号
        code: String,
        #[command(flatten)]
        write: WriteOpts,
    },
    /// 办公室审核通过 (approve)
    Approve {
        /// 项目编号
        code: String,
        #[command(flatten)]
        write: WriteOpts,
    },
    /// 办公室退回，须 --reason (return for correction)
    Return {
        /// 项目编号
        code: String,
        #[command(flatten)]
        write: WriteOpts,
    },
    /// 生成自评报告 (the report, computed by replaying events)
    Report {
        /// 格式 md | json
        #[arg(long, default_value = "md", value_parser = ["md", "json"])]
        format: String,
        /// 截至某时间（RFC 3339）或事件序号 (as it stood then)
        #[arg(long, value_name = "RFC3339|SEQ")]
        as_of: Option<String>,
        /// 写入文件而非标准输出
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// 打印一个项目的自评表 (one project's 自评表)
    Table {
        /// 项目编号
        code: String,
        /// 格式 md | json
        #[arg(long, default_value = "md", value_parser = ["md", "json"])]
        format: String,
        /// 截至某时间或事件序号
        #[arg(long, value_name = "RFC3339|SEQ")]
        as_of: Option<String>,
    },
    /// 变更历史（审计轨迹）；--actor NAME 在此为筛选条件 (the audit trail)
    History {
        /// 只看一个项目
        #[arg(long, value_name = "CODE")]
        project: Option<String>,
        /// 事件类型，如 BudgetAdjusted
        #[arg(long = "type", value_name = "TYPE")]
        event_type: Option<String>,
        /// 起始时间（RFC 3339 或 YYYY-MM-DD）
        #[arg(long, value_name = "TIME")]
        since: Option<String>,
        /// 截止时间（RFC 3339 或 YYYY-MM-DD）
        #[arg(long, value_name = "TIME")]
        until: Option<String>,
    },
    /// 追溯一个数字的来源事件 (the events behind a figure)
    Trace {
        /// 项目编号，或 department（部门合计）
        code: String,
        /// budget | initial_budget | executed | execution_rate | budget_score | total_score | 指标编号 | average_score
        figure: String,
        /// 截至某时间或事件序号
        #[arg(long, value_name = "RFC3339|SEQ")]
        as_of: Option<String>,
    },
    /// 一致性核查 (consistency checks)
    Check {
        /// 截至某时间或事件序号
        #[arg(long, value_name = "RFC3339|SEQ")]
        as_of: Option<String>,
    },
    /// 重新计算哈希链 (verify the hash chain)
    Verify,
    /// 库的状态：事件数与头哈希，不重放 (events and head hash)
    Status,
    /// 导出全部事件为 JSON Lines (export)
    Export {
        /// 输出文件（默认标准输出）
        file: Option<PathBuf>,
    },
    /// 从导出文件恢复到空库，先校验 (import into an empty store)
    Import {
        /// 导出文件
        file: PathBuf,
    },
    /// 生成示范部门（seed-report）并打印报告 (build the example department)
    Demo,
}

/// `spend CODE …` or `spend reverse SEQ …`.
#[derive(Debug, Args)]
pub struct SpendArgs {
    /// 冲销
    #[command(subcommand)]
    pub reverse: Option<SpendCmd>,
    /// 项目编号
    #[arg(required = true)]
    pub code: Option<String>,
    /// 金额，默认万元，如 3.2、215,457.60元
    #[arg(long, required = true, allow_hyphen_values = true)]
    pub amount: Option<String>,
    /// 支付日期 YYYY-MM-DD
    #[arg(long, required = true)]
    pub date: Option<String>,
    /// 凭证号
    #[arg(long)]
    pub voucher: Option<String>,
    /// 摘要
    #[arg(long)]
    pub memo: Option<String>,
    #[command(flatten)]
    pub write: WriteOpts,
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
        #[command(flatten)]
        write: WriteOpts,
    },
}

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
        /// 年度指标值，如 ≥50个、<=90万元、=100%、效果明显
        #[arg(long, allow_hyphen_values = true)]
        target: String,
        /// 分值
        #[arg(long, allow_hyphen_values = true)]
        weight: String,
        #[command(flatten)]
        write: WriteOpts,
    },
    /// 记录实际完成值 (record the actual value)
    Actual {
        /// 项目编号
        code: String,
        /// 指标编号
        icode: String,
        /// 实际完成值
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
        #[command(flatten)]
        write: WriteOpts,
    },
    /// 标记为不适用（ICODE 可为 budget），须 --reason (not applicable)
    Na {
        /// 项目编号
        code: String,
        /// 指标编号或 budget
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
        /// 新得分
        #[arg(long, allow_hyphen_values = true)]
        score: String,
        #[command(flatten)]
        write: WriteOpts,
    },
}

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
}

/// `rectify …`.
#[derive(Debug, Subcommand)]
pub enum RectifyCmd {
    /// 制定整改计划 (plan)
    Plan {
        /// 问题编号
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
        /// 问题编号
        pcode: String,
        /// 进展说明
        #[arg(long)]
        note: String,
        #[command(flatten)]
        write: WriteOpts,
    },
    /// 整改完成 (done)
    Done {
        /// 问题编号
        pcode: String,
        /// 佐证材料
        #[arg(long)]
        evidence: String,
        #[command(flatten)]
        write: WriteOpts,
    },
}

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
}
