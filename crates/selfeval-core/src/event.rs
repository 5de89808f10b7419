//! The event catalogue: every fact selfeval records, as past-tense payloads.
//!
//! A payload is a named struct; the envelope that the store keeps around it
//! carries the audit metadata (actor, reason, times, command id), the event
//! type name and the schema version. `docs/events.md` lists every event.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::values::{AmountUnit, QualitativeLevel, Target};

/// The stream of department-wide events (year, department narratives).
pub const DEPARTMENT_STREAM: &str = "department";

/// The stream of one project's events.
pub fn project_stream(code: &str) -> String {
    format!("project/{code}")
}

/// Where a budget comes from (资金来源).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BudgetSource {
    /// 本年财政拨款 (this year's appropriation), the default.
    CurrentAppropriation,
    /// 上年结转 (carried over from last year).
    CarriedOver,
    /// 其他资金 (other funds).
    Other,
}

impl BudgetSource {
    /// The Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            BudgetSource::CurrentAppropriation => "本年财政拨款",
            BudgetSource::CarriedOver => "上年结转",
            BudgetSource::Other => "其他资金",
        }
    }

    /// Parses the Chinese label (or the English identifier).
    pub fn parse(text: &str) -> Option<BudgetSource> {
        match text.trim() {
            "本年财政拨款" | "current_appropriation" => Some(BudgetSource::CurrentAppropriation),
            "上年结转" | "carried_over" => Some(BudgetSource::CarriedOver),
            "其他资金" | "other" => Some(BudgetSource::Other),
            _ => None,
        }
    }
}

/// A narrative section key (`1.composition` … `6.other`).
pub const NARRATIVE_SECTIONS: [(&str, &str); 15] = [
    ("1.composition", "一、构成情况"),
    ("1.execution", "一、预算执行进度说明"),
    ("2.coverage", "二、1 自评工作覆盖情况"),
    ("2.procedure", "二、2 组织开展程序"),
    ("2.responsibility", "二、3 责任单位"),
    ("3.scores", "三、自评分数情况及分析"),
    ("3.execution", "三、预算执行情况分析"),
    ("3.funds", "三、资金管理情况分析"),
    ("3.goals", "三、总体绩效目标完成情况分析"),
    ("3.indicators", "三、绩效指标完成情况分析"),
    ("4.problems", "四、1 存在的问题"),
    ("4.measures", "四、2 整改措施"),
    ("5.evaluation", "五、1 自评工作建议"),
    ("5.budget", "五、2 预算安排建议"),
    ("6.other", "六、其他需要说明的问题"),
];

/// The budget row's item name in `score adjust` and `indicator na`.
pub const BUDGET_ITEM: &str = "budget";

/// 年度已初始化: the department, the fiscal year and the rule profile in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearInitialised {
    /// The department (部门) name.
    pub department: String,
    /// The fiscal year; never derived from a timestamp.
    pub year: i32,
    /// The rule profile id, e.g. `cz2020-default`.
    pub profile: String,
    /// The display unit of amounts (v2; absent in v1: 万元).
    #[serde(default)]
    pub unit: Option<AmountUnit>,
}

/// 金额显示单位已变更.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisplayUnitChanged {
    /// The new display unit.
    pub unit: AmountUnit,
}

/// 评分规则已变更: a later change of the rule profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleProfileChanged {
    /// The new rule profile id.
    pub profile: String,
}

/// 项目已登记.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectRegistered {
    /// The project code, e.g. `P01`.
    pub project: String,
    /// The project name.
    pub name: String,
    /// The category (类别), if given.
    pub category: Option<String>,
    /// The implementing section (实施科室), if given.
    pub section: Option<String>,
    /// The points of the budget execution row.
    #[serde(with = "rust_decimal::serde::str")]
    pub budget_weight: Decimal,
}

/// 年初预算已设定: the initial budget from one source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetSet {
    /// The project code.
    pub project: String,
    /// The amount in 万元.
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
    /// The source of the funds.
    pub source: BudgetSource,
}

/// 预算已调整: a change of the full-year budget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetAdjusted {
    /// The project code.
    pub project: String,
    /// The change in 万元 (negative for a cut).
    #[serde(with = "rust_decimal::serde::str")]
    pub delta: Decimal,
    /// The document number (文号), if given.
    pub doc: Option<String>,
    /// The funds it changes (v2; absent in v1: 本年财政拨款).
    #[serde(default)]
    pub source: Option<BudgetSource>,
}

/// 支出已记录.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpenditureRecorded {
    /// The project code.
    pub project: String,
    /// The amount in 万元.
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
    /// The date of the payment.
    pub date: NaiveDate,
    /// The voucher reference (凭证号), if given.
    pub voucher: Option<String>,
    /// A memo, if given.
    pub memo: Option<String>,
    /// The funds it was paid from (v2; absent in v1: 本年财政拨款).
    #[serde(default)]
    pub source: Option<BudgetSource>,
}

/// 支出已冲销: an expenditure undone (the original event stays).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpenditureReversed {
    /// The project code.
    pub project: String,
    /// The sequence number of the reversed `ExpenditureRecorded`.
    pub expenditure_seq: u64,
    /// The amount reversed in 万元 (the original amount).
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
}

/// 年度总体目标已设定: the expected goal and/or its actual completion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoalSet {
    /// The project code.
    pub project: String,
    /// 预期目标, if given (otherwise unchanged).
    pub expected: Option<String>,
    /// 实际完成情况, if given (otherwise unchanged).
    pub actual: Option<String>,
}

/// 已按原表照录: what the command before it in the same command recorded
/// as printed (`--as-printed`) although the clerk's path refuses it (其中
/// rows that do not add up, a rate's target as a bare fraction, thousands
/// separators without a unit), one note each; check T2 lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AsPrinted {
    /// The project code.
    pub project: String,
    /// What the clerk's path would refuse, in Chinese.
    pub notes: Vec<String>,
}

/// 原表数字已记录: what a published 自评表 printed for a project, kept beside
/// the computed figures (never replacing them); each given figure replaces
/// the one recorded before, an absent one stays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrintedFigures {
    /// The project code.
    pub project: String,
    /// 总分 as printed.
    #[serde(default, with = "rust_decimal::serde::str_option", skip_serializing_if = "Option::is_none")]
    pub total: Option<Decimal>,
    /// 执行率 as printed, in per cent (`97.80` for 97.80%).
    #[serde(default, with = "rust_decimal::serde::str_option", skip_serializing_if = "Option::is_none")]
    pub execution_rate: Option<Decimal>,
    /// 预算执行率得分 as printed.
    #[serde(default, with = "rust_decimal::serde::str_option", skip_serializing_if = "Option::is_none")]
    pub budget_score: Option<Decimal>,
    /// 自评等级 as printed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grade: Option<crate::profile::Grade>,
}

/// 绩效指标已设定.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndicatorDefined {
    /// The project code.
    pub project: String,
    /// The indicator code, unique in the project.
    pub indicator: String,
    /// 一级指标, e.g. `产出指标`.
    pub level1: String,
    /// 二级指标, e.g. `数量指标`.
    pub level2: String,
    /// 三级指标 (the indicator's name).
    pub name: String,
    /// 年度指标值.
    pub target: Target,
    /// 分值.
    #[serde(with = "rust_decimal::serde::str")]
    pub weight: Decimal,
    /// v2: the 分值 was typed as a percentage of 100 (`20%`, as forms that
    /// print weights so do), read as that many points; written only when
    /// true. A project's indicators are all typed one way.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub weight_in_percent: bool,
    /// v3: the row is not applicable as printed (分值 「/」, `--na`): it
    /// has no weight (`weight` is 0), needs no actual and counts in no sum
    /// or total. Written only when true.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub not_applicable: bool,
}

/// 实际完成值已记录.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndicatorActualRecorded {
    /// The project code.
    pub project: String,
    /// The indicator code.
    pub indicator: String,
    /// The actual as typed (trimmed).
    pub value: String,
    /// The number, for a quantitative indicator.
    #[serde(with = "rust_decimal::serde::str_option")]
    pub number: Option<Decimal>,
    /// The level, for a qualitative indicator.
    pub level: Option<QualitativeLevel>,
    /// The score given, for a qualitative indicator.
    #[serde(with = "rust_decimal::serde::str_option")]
    pub score: Option<Decimal>,
    /// 偏差原因分析, if given.
    pub deviation_reason: Option<String>,
    /// 改进措施, if given.
    pub measure: Option<String>,
    /// v2: the score set by hand for this indicator is withdrawn (a new
    /// actual is a new basis; written only when there is one, so the echo
    /// can say so). A v1 event is read with `true`: v1 always withdrew it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub clears_override: bool,
}

/// 已标记为不适用: an indicator or the budget row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarkedNotApplicable {
    /// The project code.
    pub project: String,
    /// The indicator code, or `budget`.
    pub item: String,
}

/// 得分已人工调整: the automatic score stays visible beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreAdjusted {
    /// The project code.
    pub project: String,
    /// The indicator code, or `budget`.
    pub item: String,
    /// The score set by hand.
    #[serde(with = "rust_decimal::serde::str")]
    pub score: Decimal,
    /// The automatic score when the adjustment was made.
    #[serde(with = "rust_decimal::serde::str_option")]
    pub auto_score: Option<Decimal>,
}

/// 问题已发现.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProblemIdentified {
    /// The problem code, unique in the department.
    pub problem: String,
    /// The project code.
    pub project: String,
    /// The problem as written.
    pub text: String,
}

/// 整改已计划.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RectificationPlanned {
    /// The problem code.
    pub problem: String,
    /// The project the problem belongs to.
    pub project: String,
    /// 整改措施.
    pub measure: String,
    /// 责任人/责任科室.
    pub owner: String,
    /// 完成时限.
    pub due: NaiveDate,
}

/// 整改有进展.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RectificationProgressed {
    /// The problem code.
    pub problem: String,
    /// The project the problem belongs to.
    pub project: String,
    /// What was done.
    pub note: String,
}

/// 整改已完成.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RectificationCompleted {
    /// The problem code.
    pub problem: String,
    /// The project the problem belongs to.
    pub project: String,
    /// 佐证材料.
    pub evidence: String,
}

/// 说明文字已设定: a narrative paragraph of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NarrativeSet {
    /// The section key, e.g. `3.scores`.
    pub section: String,
    /// The project it belongs to, if any.
    pub project: Option<String>,
    /// The text, verbatim.
    pub text: String,
}

/// 自评已提交 / 已审核通过 / 已退回: a workflow step of one project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkflowStep {
    /// The project code.
    pub project: String,
}

/// 自评已审核通过: the approval of one project. `locks` (v2, always true
/// when written now): the approval locks the project in open mode too
/// (rule A6); a v1 approval, from before, locks only with a roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    /// The project code.
    pub project: String,
    /// Whether it locks the project without a roster (v2).
    #[serde(default)]
    pub locks: bool,
}

/// 绩效指标已更正: new values for some of an indicator's definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndicatorAmended {
    /// The project code.
    pub project: String,
    /// The indicator code.
    pub indicator: String,
    /// 一级, if corrected.
    pub level1: Option<String>,
    /// 二级, if corrected.
    pub level2: Option<String>,
    /// 三级 (name), if corrected.
    pub name: Option<String>,
    /// 年度指标值, if corrected.
    pub target: Option<Target>,
    /// 分值, if corrected.
    #[serde(with = "rust_decimal::serde::str_option")]
    pub weight: Option<Decimal>,
    /// v2: the recorded actual value is cleared (`--clear-value`; an
    /// actual the new target or points make incomparable is refused
    /// without it). A v1 amendment of the target or points cleared it
    /// always, and is read so.
    #[serde(default)]
    pub clears_actual: bool,
    /// v2: a score set by hand is cleared (new target or points do).
    #[serde(default)]
    pub clears_override: bool,
}

/// 项目或指标已撤回, 不适用已撤销, 人工得分已撤销: an entry taken back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemWithdrawn {
    /// The project code.
    pub project: String,
    /// The indicator code, or `budget`.
    pub item: String,
}

/// 问题已更正: a problem's new text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProblemAmended {
    /// The problem code.
    pub problem: String,
    /// The project it belongs to.
    pub project: String,
    /// The new text.
    pub text: String,
}

/// 问题已撤回.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProblemWithdrawn {
    /// The problem code.
    pub problem: String,
    /// The project it belongs to.
    pub project: String,
}

/// 项目信息已更正: new values for some of a project's attributes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectAmended {
    /// The project code.
    pub project: String,
    /// The name, if corrected.
    pub name: Option<String>,
    /// The implementing section, if corrected.
    pub section: Option<String>,
    /// The category, if corrected.
    pub category: Option<String>,
    /// 项目负责人, if set or corrected.
    pub owner: Option<String>,
}

/// The stream of the roster (人员名册).
pub const ROSTER_STREAM: &str = "roster";

/// What a member of the roster may do (`docs/spec/roles.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 领导小组办公室: writes any project, approves, returns, reopens,
    /// seals and keeps the roster.
    Office,
    /// 实施科室: writes and submits the projects of its own section.
    Section,
    /// 审计、财政: writes nothing but checkpoints.
    Auditor,
}

impl Role {
    /// The Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            Role::Office => "办公室",
            Role::Section => "科室",
            Role::Auditor => "审计",
        }
    }

    /// The identifier used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Office => "office",
            Role::Section => "section",
            Role::Auditor => "auditor",
        }
    }

    /// Parses `office|section|auditor` (or the Chinese label).
    pub fn parse(text: &str) -> Option<Role> {
        match text.trim() {
            "office" | "办公室" => Some(Role::Office),
            "section" | "科室" => Some(Role::Section),
            "auditor" | "审计" => Some(Role::Auditor),
            _ => None,
        }
    }
}

/// 人员已登记: a member of the roster, with the OpenSSH public key their
/// signatures are checked against, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberAdded {
    /// The person's name, unique in the roster.
    pub name: String,
    /// Their section (科室), e.g. 应急救援科.
    pub section: String,
    /// What they may do.
    pub role: Role,
    /// Their ed25519 public key in OpenSSH form (`ssh-ed25519 AAAA…`).
    pub key: Option<String>,
}

/// 人员已移出名册.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRemoved {
    /// The person's name.
    pub name: String,
}

/// 人员公钥已更换 (key rotation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberKeyChanged {
    /// The person's name.
    pub name: String,
    /// The new public key in OpenSSH form.
    pub key: String,
}

/// 年度已封存, 年度已解除封存: nothing to carry but the envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearStep {}

/// 签名要求已设定: whether every command from this event on is signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignaturePolicySet {
    /// True: every command must be signed by its actor's registered key.
    pub required: bool,
}

/// 命令已签名: the last event of a signed command. The signature is an
/// SSHSIG (namespace `selfeval`) over the exact stored lines of the
/// command's other events, each with its `\n`, after the line
/// `selfeval-ledger <ledger>` when `ledger` is given (v2;
/// `docs/spec/roles.md`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandSigned {
    /// The stream of the command it signs.
    pub stream: String,
    /// The member who signed (the command's actor).
    pub signer: String,
    /// The SHA-256 fingerprint of the key, e.g. `SHA256:…`.
    pub key: String,
    /// The armored signature (`-----BEGIN SSH SIGNATURE-----` …).
    pub signature: String,
    /// The identity of the ledger it was signed in (v2; absent in v1,
    /// whose signature covers the lines alone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ledger: Option<String>,
}

/// 检查点已生成: a signed statement of the head was handed out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckpointRecorded {
    /// The sequence number the statement pins.
    pub seq: u64,
    /// The hash of that event.
    pub head: String,
    /// The SHA-256 fingerprint of the key that signed the statement.
    pub key: String,
}

/// 佐证材料已登记: a file pinned by its hash (its content is not stored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceAdded {
    /// The project code.
    pub project: String,
    /// The file name, without directories.
    pub file: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its SHA-256, lower-case hex.
    pub sha256: String,
    /// What it shows.
    pub note: String,
}

macro_rules! catalogue {
    ($($variant:ident($payload:ty) = $version:literal, $label:literal;)*) => {
        /// Every event selfeval records.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum EventPayload {
            $(
                #[doc = $label]
                $variant($payload),
            )*
        }

        /// The event type names, in catalogue order.
        pub const EVENT_TYPES: &[&str] = &[$(stringify!($variant)),*];

        impl EventPayload {
            /// The event type name stored in the envelope.
            pub fn event_type(&self) -> &'static str {
                match self { $(EventPayload::$variant(_) => stringify!($variant),)* }
            }

            /// The schema version this build writes.
            pub fn schema_version(&self) -> u32 {
                match self { $(EventPayload::$variant(_) => $version,)* }
            }

            /// The payload as compact JSON.
            pub fn to_json(&self) -> String {
                let result = match self { $(EventPayload::$variant(p) => serde_json::to_string(p),)* };
                result.expect("payload structs always serialize")
            }

            /// Decodes a stored payload, upcasting older schema versions.
            pub fn decode(event_type: &str, schema_version: u32, payload: &str) -> Result<EventPayload, DecodeError> {
                let fail = |message: String| DecodeError {
                    event_type: event_type.to_owned(), schema_version, message,
                };
                match event_type {
                    $(stringify!($variant) => {
                        if schema_version == 0 || schema_version > $version {
                            return Err(fail(format!("this build reads schema versions 1 to {}", $version)));
                        }
                        let value = upcast(event_type, schema_version, payload).map_err(fail)?;
                        serde_json::from_str::<$payload>(&value)
                            .map(EventPayload::$variant)
                            .map_err(|e| fail(e.to_string()))
                    })*
                    _ => Err(fail("unknown event type".to_owned())),
                }
            }

            /// The schema version this build writes for an event type.
            pub fn schema_version_of(event_type: &str) -> Option<u32> {
                match event_type { $(stringify!($variant) => Some($version),)* _ => None }
            }

            /// The Chinese label of the event type.
            pub fn label_of(event_type: &str) -> Option<&'static str> {
                match event_type { $(stringify!($variant) => Some($label),)* _ => None }
            }
        }
    };
}

catalogue! {
    YearInitialised(YearInitialised) = 2, "年度已初始化";
    RuleProfileChanged(RuleProfileChanged) = 1, "评分规则已变更";
    ProjectRegistered(ProjectRegistered) = 1, "项目已登记";
    BudgetSet(BudgetSet) = 1, "年初预算已设定";
    BudgetAdjusted(BudgetAdjusted) = 2, "预算已调整";
    ExpenditureRecorded(ExpenditureRecorded) = 2, "支出已记录";
    ExpenditureReversed(ExpenditureReversed) = 1, "支出已冲销";
    GoalSet(GoalSet) = 1, "年度总体目标已设定";
    IndicatorDefined(IndicatorDefined) = 3, "绩效指标已设定";
    IndicatorActualRecorded(IndicatorActualRecorded) = 2, "实际完成值已记录";
    MarkedNotApplicable(MarkedNotApplicable) = 1, "已标记为不适用";
    ScoreAdjusted(ScoreAdjusted) = 1, "得分已人工调整";
    ProblemIdentified(ProblemIdentified) = 1, "问题已发现";
    RectificationPlanned(RectificationPlanned) = 1, "整改已计划";
    RectificationProgressed(RectificationProgressed) = 1, "整改有进展";
    RectificationCompleted(RectificationCompleted) = 1, "整改已完成";
    NarrativeSet(NarrativeSet) = 1, "说明文字已设定";
    SelfEvaluationSubmitted(WorkflowStep) = 1, "自评已提交";
    SelfEvaluationApproved(Approval) = 2, "自评已审核通过";
    SelfEvaluationReturned(WorkflowStep) = 1, "自评已退回";
    IndicatorAmended(IndicatorAmended) = 2, "绩效指标已更正";
    IndicatorWithdrawn(ItemWithdrawn) = 1, "绩效指标已撤回";
    NotApplicableUndone(ItemWithdrawn) = 1, "不适用已撤销";
    ScoreOverrideCleared(ItemWithdrawn) = 1, "人工得分已撤销";
    ProblemAmended(ProblemAmended) = 1, "问题已更正";
    ProblemWithdrawn(ProblemWithdrawn) = 1, "问题已撤回";
    ProjectAmended(ProjectAmended) = 1, "项目信息已更正";
    ProjectWithdrawn(WorkflowStep) = 1, "项目已撤回";
    DisplayUnitChanged(DisplayUnitChanged) = 1, "金额显示单位已变更";
    MemberAdded(MemberAdded) = 1, "人员已登记";
    MemberRemoved(MemberRemoved) = 1, "人员已移出名册";
    MemberKeyChanged(MemberKeyChanged) = 1, "人员公钥已更换";
    SelfEvaluationReopened(WorkflowStep) = 1, "自评已重新打开";
    YearSealed(YearStep) = 1, "年度已封存";
    YearUnsealed(YearStep) = 1, "年度已解除封存";
    SignaturePolicySet(SignaturePolicySet) = 1, "签名要求已设定";
    CommandSigned(CommandSigned) = 2, "命令已签名";
    CheckpointRecorded(CheckpointRecorded) = 1, "检查点已生成";
    EvidenceAdded(EvidenceAdded) = 1, "佐证材料已登记";
    PrintedFiguresRecorded(PrintedFigures) = 1, "原表数字已记录";
    RecordedAsPrinted(AsPrinted) = 1, "已按原表照录";
}

/// Rewrites an older payload into the current schema (stored events are
/// never rewritten). `BudgetAdjusted` and `ExpenditureRecorded` v2 add an
/// optional `source`, which a v1 payload reads as absent (本年财政拨款):
/// nothing to rewrite.
fn upcast(event_type: &str, schema_version: u32, payload: &str) -> Result<String, String> {
    // `IndicatorAmended` v1: a new target or new points cleared the actual
    // value and any score set by hand, whatever they were.
    if event_type == "IndicatorAmended" && schema_version == 1 {
        let mut value: serde_json::Value = serde_json::from_str(payload).map_err(|e| e.to_string())?;
        if let Some(object) = value.as_object_mut() {
            let given = |key: &str| object.get(key).is_some_and(|v| !v.is_null());
            let clears = given("target") || given("weight");
            object.insert("clears_actual".into(), clears.into());
            object.insert("clears_override".into(), clears.into());
        }
        return Ok(value.to_string());
    }
    // `IndicatorActualRecorded` v1: a new actual withdrew any score set by
    // hand, whether there was one or not.
    if event_type == "IndicatorActualRecorded" && schema_version == 1 {
        let mut value: serde_json::Value = serde_json::from_str(payload).map_err(|e| e.to_string())?;
        if let Some(object) = value.as_object_mut() {
            object.insert("clears_override".into(), true.into());
        }
        return Ok(value.to_string());
    }
    Ok(payload.to_owned())
}

/// What an indicator amendment says it did to the recorded values;
/// `recorded_again` when the same command records the new actual.
fn amended_echo(p: &IndicatorAmended, recorded_again: bool) -> Option<String> {
    let mut said = Vec::new();
    match (p.clears_actual, recorded_again) {
        (true, true) => said.push("原实际完成值已清除，按更正后的指标值重新记录"),
        (true, false) => said.push("实际完成值已清除，须重新记录"),
        (false, _) if p.target.is_some() || p.weight.is_some() => {
            said.push("已记录的实际完成值保留，得分按更正后的值计算")
        }
        (false, _) => {}
    }
    if p.clears_override {
        said.push("人工调整的得分已撤销");
    }
    (!said.is_empty()).then(|| format!("更正指标 {} {}：{}", p.project, p.indicator, said.join("；")))
}

impl EventPayload {
    /// What a recording command echoes of the values it parsed, for the
    /// entries whose typing is easy to get wrong: amounts in 万元 with their
    /// 元 equivalent, e.g. `支出 P01 2.154576万元（21,545.76元），2024-06-30`.
    pub fn echo(&self) -> Option<String> {
        use crate::values::{fmt_plain, AmountUnit};
        let money = |wan: Decimal| format!("{}万元（{}元）", fmt_plain(wan), AmountUnit::Yuan.format(wan));
        Some(match self {
            EventPayload::BudgetSet(p) => format!("年初预算 {} {}，{}", p.project, money(p.amount), p.source.label()),
            EventPayload::BudgetAdjusted(p) => format!("预算调整 {} {}", p.project, money(p.delta)),
            EventPayload::ExpenditureRecorded(p) => format!("支出 {} {}，{}", p.project, money(p.amount), p.date),
            EventPayload::ExpenditureReversed(p) => {
                format!("冲销 {} 的支出 #{}，{}", p.project, p.expenditure_seq, money(p.amount))
            }
            EventPayload::IndicatorAmended(p) => return amended_echo(p, false),
            EventPayload::IndicatorActualRecorded(p) => {
                let withdrawn = if p.clears_override {
                    "；人工调整的得分已撤销，得分按新的实际完成值计算"
                } else {
                    ""
                };
                match p.number {
                    Some(n) => format!(
                        "指标 {} {} 实际完成值 {}（读作 {}）{withdrawn}",
                        p.project,
                        p.indicator,
                        p.value,
                        fmt_plain(n)
                    ),
                    None if p.clears_override => {
                        format!("指标 {} {} 实际完成值 {}{withdrawn}", p.project, p.indicator, p.value)
                    }
                    None => return None,
                }
            }
            EventPayload::RecordedAsPrinted(p) => format!("按原表照录，记检查 T2：{}", p.notes.join("；")),
            _ => return None,
        })
    }

    /// The echoes of one command's events, in order: [`EventPayload::echo`]
    /// of each, but an amendment whose command records the new actual too
    /// (`indicator amend --value`) does not ask for it to be recorded.
    pub fn echoes(payloads: &[&EventPayload]) -> Vec<Option<String>> {
        payloads
            .iter()
            .enumerate()
            .map(|(i, payload)| match (payload, payloads.get(i + 1)) {
                (EventPayload::IndicatorAmended(a), Some(EventPayload::IndicatorActualRecorded(r)))
                    if a.indicator == r.indicator =>
                {
                    amended_echo(a, true)
                }
                _ => payload.echo(),
            })
            .collect()
    }

    /// Whether the event is a dated business fact (money, an actual value, a
    /// workflow or rectification step, a problem), which a view on the
    /// business axis (`--effective`) takes only once it has happened. The
    /// others define the year's structure (the year, projects, indicators,
    /// goals, texts) and always apply.
    pub fn is_dated(&self) -> bool {
        use EventPayload as E;
        matches!(
            self,
            E::BudgetSet(_)
                | E::BudgetAdjusted(_)
                | E::ExpenditureRecorded(_)
                | E::ExpenditureReversed(_)
                | E::IndicatorActualRecorded(_)
                | E::ProblemIdentified(_)
                | E::RectificationPlanned(_)
                | E::RectificationProgressed(_)
                | E::RectificationCompleted(_)
                | E::SelfEvaluationSubmitted(_)
                | E::SelfEvaluationApproved(_)
                | E::SelfEvaluationReturned(_)
                | E::SelfEvaluationReopened(_)
        )
    }

    /// The stream this event belongs to.
    pub fn stream(&self) -> String {
        use EventPayload as E;
        match self {
            E::YearInitialised(_)
            | E::RuleProfileChanged(_)
            | E::DisplayUnitChanged(_)
            | E::YearSealed(_)
            | E::YearUnsealed(_)
            | E::SignaturePolicySet(_)
            | E::CheckpointRecorded(_) => DEPARTMENT_STREAM.to_owned(),
            E::MemberAdded(_) | E::MemberRemoved(_) | E::MemberKeyChanged(_) => ROSTER_STREAM.to_owned(),
            E::CommandSigned(p) => p.stream.clone(),
            E::NarrativeSet(p) => p.project.as_deref().map_or_else(|| DEPARTMENT_STREAM.to_owned(), project_stream),
            E::ProjectRegistered(ProjectRegistered { project, .. })
            | E::BudgetSet(BudgetSet { project, .. })
            | E::BudgetAdjusted(BudgetAdjusted { project, .. })
            | E::ExpenditureRecorded(ExpenditureRecorded { project, .. })
            | E::ExpenditureReversed(ExpenditureReversed { project, .. })
            | E::GoalSet(GoalSet { project, .. })
            | E::PrintedFiguresRecorded(PrintedFigures { project, .. })
            | E::RecordedAsPrinted(AsPrinted { project, .. })
            | E::IndicatorDefined(IndicatorDefined { project, .. })
            | E::IndicatorActualRecorded(IndicatorActualRecorded { project, .. })
            | E::MarkedNotApplicable(MarkedNotApplicable { project, .. })
            | E::ScoreAdjusted(ScoreAdjusted { project, .. })
            | E::ProblemIdentified(ProblemIdentified { project, .. })
            | E::RectificationPlanned(RectificationPlanned { project, .. })
            | E::RectificationProgressed(RectificationProgressed { project, .. })
            | E::RectificationCompleted(RectificationCompleted { project, .. })
            | E::SelfEvaluationSubmitted(WorkflowStep { project })
            | E::SelfEvaluationApproved(Approval { project, .. })
            | E::SelfEvaluationReturned(WorkflowStep { project })
            | E::IndicatorAmended(IndicatorAmended { project, .. })
            | E::IndicatorWithdrawn(ItemWithdrawn { project, .. })
            | E::NotApplicableUndone(ItemWithdrawn { project, .. })
            | E::ScoreOverrideCleared(ItemWithdrawn { project, .. })
            | E::ProblemAmended(ProblemAmended { project, .. })
            | E::ProblemWithdrawn(ProblemWithdrawn { project, .. })
            | E::ProjectAmended(ProjectAmended { project, .. })
            | E::ProjectWithdrawn(WorkflowStep { project })
            | E::SelfEvaluationReopened(WorkflowStep { project })
            | E::EvidenceAdded(EvidenceAdded { project, .. }) => project_stream(project),
        }
    }
}

/// A stored payload that this build cannot read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot decode {event_type} v{schema_version}: {message}")]
pub struct DecodeError {
    /// The stored event type.
    pub event_type: String,
    /// The stored schema version.
    pub schema_version: u32,
    /// What went wrong.
    pub message: String,
}

/// The audit metadata of a command, separate from any payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meta {
    /// Who acted, e.g. `张三@应急救援科`.
    pub actor: String,
    /// Why, if given.
    pub reason: Option<String>,
    /// When the change happened in the real world.
    pub occurred_at: DateTime<Utc>,
    /// When it was recorded (the clock's time, given by the caller).
    pub recorded_at: DateTime<Utc>,
}

/// An event as read back from the log: its position, metadata and payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedEvent {
    /// The global sequence number (from 1, gapless).
    pub seq: u64,
    /// The audit metadata.
    pub meta: Meta,
    /// The payload.
    pub payload: EventPayload,
}
