//! Chinese-first help: one layout for every command and an example under
//! each command's help.

/// Chinese-first help layout, applied to every command.
const TEMPLATE: &str = "{about-with-newline}\n用法 (Usage): {usage}\n\n{all-args}{after-help}";

/// One example per command, shown under its help.
const EXAMPLES: &[(&str, &str)] = &[
    ("init", "selfeval --actor 赵静@领导小组办公室 init --department 某市应急管理局 --year 2024\n  selfeval init --department 某市应急管理局 --year 2024 --unit 元"),
    ("project add", "selfeval project add P01 --name 应急救援能力建设资金 --category 应急救援 --section 应急救援科"),
    ("project amend", "selfeval project amend P01 --owner 王敏 --reason 补录项目负责人"),
    ("project withdraw", "selfeval project withdraw P05 --reason 误登记的项目"),
    ("indicator amend", "selfeval indicator amend P03 I3 --target ≥95% --reason 按批复更正年度指标值"),
    ("indicator withdraw", "selfeval indicator withdraw P03 I6 --reason 重复设定"),
    ("problem amend", "selfeval problem amend P01/Q1 --text 前期勘察不够深入 --reason 措辞更正"),
    ("problem withdraw", "selfeval problem withdraw P01/Q2 --reason 与Q1重复"),
    ("project list", "selfeval project list\n  selfeval project list --json --as-of 2024-12-31T18:00:00+08:00"),
    ("problem list", "selfeval problem list"),
    ("budget set", "selfeval budget set P01 --amount 6 --source 本年财政拨款 --reason 2024年部门预算批复"),
    ("budget adjust", "selfeval budget adjust P01 --delta -0.026 --doc 财预〔2024〕5号 --reason 预算调减"),
    ("spend", "selfeval spend P01 --amount 215,457.60元 --date 2024-06-30 --voucher 记-0633\n  selfeval spend reverse 12 --reason 重复入账"),
    ("spend reverse", "selfeval spend reverse 12 --reason 重复入账"),
    ("goal", "selfeval goal P01 --expected 提升救援能力 --actual 救援效率明显提高"),
    ("indicator add", "selfeval indicator add P01 I1 --level1 产出指标 --level2 数量指标 --name 装备配备数量 --target ≥20台 --weight 20"),
    ("indicator actual", "selfeval indicator actual P01 I1 --value 24台\n  selfeval indicator actual P01 I4 --value 成效明显 --level 部分达成 --score 22 --deviation 原因 --measure 措施"),
    ("indicator na", "selfeval indicator na P01 I5 --reason 本年度无服务对象\n  selfeval indicator na P01 I5 --undo --reason 已补做满意度调查"),
    ("score adjust", "selfeval score adjust P01 I1 --score 18 --reason 目标设定偏低，按偏差扣分\n  selfeval score adjust P01 I1 --score auto --reason 恢复自动得分"),
    ("problem add", "selfeval problem add P01 Q1 --text 前期规划不够完善"),
    ("rectify plan", "selfeval rectify plan Q1 --measure 加强前期勘察 --owner 应急救援科 --due 2025-06-30"),
    ("rectify progress", "selfeval rectify progress Q1 --note 已完成实地勘察"),
    ("rectify done", "selfeval rectify done Q1 --evidence 勘察报告及评审纪要"),
    ("narrative set", "selfeval narrative set 3.funds --text 本部门建立了资金管理制度……"),
    ("profile set", "selfeval profile set cz2020-linear --reason 省财政厅要求反向指标线性扣分"),
    ("unit set", "selfeval unit set 元 --reason 财政局要求以元为单位报送"),
    ("profile show", "selfeval profile show\n  selfeval profile show cz2021-cost --json\n  selfeval profile show --all > docs/profiles.md"),
    ("submit", "selfeval --actor 王敏@应急救援科 submit P01"),
    ("approve", "selfeval --actor 赵静@领导小组办公室 approve P01"),
    ("return", "selfeval --actor 赵静@领导小组办公室 return P01 --reason 指标I2实际值缺佐证"),
    ("report", "selfeval report > 报告.md\n  selfeval report --output 2024年度自评报告.docx\n  selfeval report --format json --as-of 2024-12-31T18:00:00+08:00"),
    ("batch", "selfeval batch 上半年支出.txt\n  selfeval batch --all-or-nothing 年初录入.txt\n  cat 命令.txt | selfeval batch -"),
    ("import-table", "selfeval import-table 应急救援科自评表.xlsx --project P05 --dry-run\n  selfeval import-table 自评表.csv --project P05"),
    ("table", "selfeval table P01\n  selfeval table --all --output 2024年度自评表.xlsx\n  selfeval table P01 --output P01自评表.docx"),
    ("history", "selfeval history --project P01\n  selfeval history --type BudgetAdjusted --since 2024-06-01 --json\n  selfeval history --grep 记-0633"),
    ("trace", "selfeval trace P01 executed\n  selfeval trace department average_score"),
    ("diff", "selfeval diff 40 72\n  selfeval diff 2024-06-30 2024-12-31 --json"),
    ("check", "selfeval check --json\n  selfeval check --rules"),
    ("verify", "selfeval verify\n  selfeval verify --checkpoint 2024-检查点.txt --evidence 佐证材料/"),
    ("member add", "selfeval --actor 赵静@领导小组办公室 member add 赵静@领导小组办公室 --role office --key zhao.pub --reason 建立人员名册\n  selfeval member add 王敏@应急救援科 --role section --key wang.pub --reason 科室填报人员"),
    ("member remove", "selfeval member remove 王敏 --reason 调离"),
    ("member key", "selfeval member key 王敏 --key wang-2025.pub --reason 更换密钥"),
    ("member list", "selfeval member list --json"),
    ("reopen", "selfeval --actor 赵静@领导小组办公室 reopen P01 --reason 补记年末支出"),
    ("seal", "selfeval seal --reason 年度自评完成，报送财政局"),
    ("unseal", "selfeval unseal --reason 财政局退回更正"),
    ("policy set", "selfeval policy set signatures required --reason 审计要求 --key ~/.ssh/id_ed25519"),
    ("checkpoint", "selfeval checkpoint --out 2024-检查点.txt --key ~/.ssh/id_ed25519"),
    ("evidence add", "selfeval evidence add P01 验收报告.pdf --note 救援装备验收报告"),
    ("status", "selfeval status --json"),
    ("export", "selfeval export 2024年度.jsonl"),
    ("import", "selfeval --store 新库 import 2024年度.jsonl"),
    (
        "migrate",
        "selfeval --store selfeval-data migrate --to 'postgres://zhaojing@db.example/selfeval?ledger=某市应急管理局-2024'\n  selfeval --store 本地副本 migrate --from 'postgres://zhaojing@db.example/selfeval?ledger=某市应急管理局-2024'",
    ),
    (
        "ledgers",
        "selfeval --store postgres://zhaojing@db.example:5432/selfeval ledgers\n  PGPASSWORD=… selfeval --store 'postgres://zhaojing@db.example/selfeval?ledger=某市应急管理局-2024' status",
    ),
    ("demo", "selfeval demo\n  selfeval --store /tmp/示范 demo --json"),
    ("serve", "selfeval --store ./selfeval-demo serve\n  selfeval serve --listen 127.0.0.1:9000"),
];

/// Applies the layout and the examples to `command` and its subcommands.
pub fn localise(command: clap::Command, path: &str) -> clap::Command {
    let mut command = command
        .help_template(TEMPLATE)
        .subcommand_help_heading("命令 (Commands)")
        .subcommand_value_name("COMMAND")
        .mut_args(|arg| {
            if arg.get_help_heading().is_some() {
                arg
            } else if arg.is_positional() {
                arg.help_heading("参数 (Arguments)")
            } else {
                arg.help_heading("选项 (Options)")
            }
        });
    if let Some((_, example)) = EXAMPLES.iter().find(|(name, _)| *name == path) {
        command = command.after_help(format!("示例 (Example):\n  {example}"));
    }
    let prefix = path.to_owned();
    command.mut_subcommands(move |sub| {
        let path = if prefix.is_empty() { sub.get_name().to_owned() } else { format!("{prefix} {}", sub.get_name()) };
        localise(sub, &path)
    })
}

/// A clap error in Chinese: what was wrong, what is accepted, the usage
/// line, and where to read more. Help and version requests print as clap
/// prints them.
pub fn error_in_chinese(error: &clap::Error) -> String {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let context = |kind: ContextKind| -> Vec<String> {
        match error.get(kind) {
            Some(ContextValue::String(s)) => vec![s.clone()],
            Some(ContextValue::Strings(list)) => list.clone(),
            Some(ContextValue::StyledStr(s)) => vec![s.to_string()],
            Some(ContextValue::StyledStrs(list)) => list.iter().map(ToString::to_string).collect(),
            Some(ContextValue::Number(n)) => vec![n.to_string()],
            _ => Vec::new(),
        }
    };
    let first = |kind: ContextKind| context(kind).into_iter().next().unwrap_or_default();
    let suggestion = {
        let mut s = context(ContextKind::SuggestedArg);
        s.extend(context(ContextKind::SuggestedSubcommand));
        s.extend(context(ContextKind::SuggestedValue));
        if s.is_empty() {
            String::new()
        } else {
            format!("；是否想用：{}", s.join("、"))
        }
    };
    let message = match error.kind() {
        ErrorKind::MissingRequiredArgument => {
            format!("缺少必需的参数：{}", context(ContextKind::InvalidArg).join("、"))
        }
        ErrorKind::UnknownArgument => format!("无法识别的参数「{}」{suggestion}", first(ContextKind::InvalidArg)),
        ErrorKind::InvalidSubcommand => {
            format!("无法识别的命令「{}」{suggestion}", first(ContextKind::InvalidSubcommand))
        }
        ErrorKind::InvalidValue => {
            let valid = context(ContextKind::ValidValue);
            let accepted =
                if valid.is_empty() { String::new() } else { format!("；可接受：{}", valid.join("、")) };
            format!(
                "参数 {} 的值「{}」无效{accepted}{suggestion}",
                first(ContextKind::InvalidArg),
                first(ContextKind::InvalidValue)
            )
        }
        ErrorKind::ArgumentConflict => format!(
            "参数 {} 不能与 {} 同时使用",
            first(ContextKind::InvalidArg),
            context(ContextKind::PriorArg).join("、")
        ),
        ErrorKind::NoEquals => format!("参数 {} 须用 = 连接取值", first(ContextKind::InvalidArg)),
        ErrorKind::ValueValidation => {
            format!("参数 {} 的值「{}」无效", first(ContextKind::InvalidArg), first(ContextKind::InvalidValue))
        }
        ErrorKind::TooManyValues => {
            format!("参数 {} 的取值太多：「{}」", first(ContextKind::InvalidArg), first(ContextKind::InvalidValue))
        }
        ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => {
            format!("参数 {} 的取值个数不对", first(ContextKind::InvalidArg))
        }
        ErrorKind::MissingSubcommand => "缺少命令；可接受：--help 列出的命令".to_owned(),
        ErrorKind::InvalidUtf8 => "参数不是有效的 UTF-8 文字".to_owned(),
        _ => error.to_string().lines().next().unwrap_or_default().trim_start_matches("error: ").to_owned(),
    };
    let usage = first(ContextKind::Usage);
    // The environment gives --store and --actor: a usage line must not
    // make them look required.
    let usage = usage
        .trim()
        .trim_start_matches("Usage:")
        .trim_start_matches("用法 (Usage):")
        .replace("--store <DIR> ", "")
        .replace("--actor <NAME> ", "");
    let usage = usage.trim();
    let mut out = format!("错误：{message}\n");
    if !usage.is_empty() {
        out.push_str(&format!("\n用法 (Usage): {usage}\n"));
    }
    out.push_str("\n更多信息：在命令后加 --help，如 selfeval <命令> --help\n");
    out
}
