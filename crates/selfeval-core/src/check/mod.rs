//! Consistency checks (`docs/spec/checks.md`) as a table: [`RULES`] lists
//! every rule with its id, severity, subject, title and what it checks, and
//! the function that checks it. The `check --rules` listing, the report's
//! 数据核查 appendix and the coverage test all read this one table.
//!
//! Each finding has the rule's id and severity, a project (if any), a
//! Chinese message saying what is wrong and how to fix it, and the events
//! involved. Thresholds come from the rule profile, and messages are built
//! from them.
//!
//! Findings are listed by severity, then in report order: each project's
//! money, indicators (in definition order) and closing facts, then the
//! department's totals, the narratives sentence by sentence, self-evaluation
//! coverage and the rectifications.

#![deny(clippy::arithmetic_side_effects)]

mod indicators;
mod money;
mod narrative;
mod printed;
mod workflow;

use std::collections::HashSet;

use crate::profile::RuleProfile;
use crate::report::{ProjectReport, ReportModel};
use crate::state::{Project, State};

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Must be fixed: the report contradicts the rules.
    Error,
    /// Should be explained or fixed.
    Warning,
    /// Listed for transparency.
    Info,
}

impl Severity {
    /// The JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }

    /// The Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            Severity::Error => "错误",
            Severity::Warning => "警告",
            Severity::Info => "提示",
        }
    }
}

/// What a rule is about: the groups of `checks.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// Recorded values that cannot be computed with.
    Data,
    /// Budgets and spending.
    Money,
    /// Performance indicators and their scores.
    Indicators,
    /// What people wrote.
    Narrative,
    /// Goals, coverage, problems and rectification.
    Workflow,
}

impl Subject {
    /// The JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            Subject::Data => "data",
            Subject::Money => "money",
            Subject::Indicators => "indicators",
            Subject::Narrative => "narrative",
            Subject::Workflow => "workflow",
        }
    }

    /// The Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            Subject::Data => "数据",
            Subject::Money => "资金",
            Subject::Indicators => "指标",
            Subject::Narrative => "说明文字",
            Subject::Workflow => "目标、覆盖与整改",
        }
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The stable rule id, e.g. `F3`.
    pub rule: &'static str,
    /// Severity.
    pub severity: Severity,
    /// The project, if the finding is about one.
    pub project: Option<String>,
    /// What is wrong and what would fix it.
    pub message: String,
    /// The events involved, ascending.
    pub events: Vec<u64>,
}

/// One rule of `checks.md`.
pub struct Rule {
    /// The stable id, e.g. `F2`.
    pub id: &'static str,
    /// The severity of its findings.
    pub severity: Severity,
    /// What it is about.
    pub subject: Subject,
    /// A short Chinese title.
    pub title: &'static str,
    /// What it checks, in one line.
    pub checks: &'static str,
    /// The function that checks it.
    pub run: fn(&Context<'_>, &mut Findings<'_>),
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rule").field("id", &self.id).field("severity", &self.severity).finish_non_exhaustive()
    }
}

/// Every rule this build checks, in the order their findings are listed
/// within one place of the report: a project's money (D1 F2 F3 F7 F9), its
/// indicators as a whole (I7 I8 I18), a narrative sentence (R6 before I13),
/// each indicator (I13 I9 I10 F10 I11 I12 I16 I17), the project's closing
/// facts (I17 P4 R7), then coverage (R4) and rectification (R8 R9).
pub static RULES: &[Rule] = &[
    Rule {
        id: "D1",
        severity: Severity::Warning,
        subject: Subject::Data,
        title: "数值超出范围",
        checks: "旧版本记录的金额、数量、分值或得分超出可计算的范围，重放时未计入",
        run: money::d1_value_out_of_range,
    },
    Rule {
        id: "F2",
        severity: Severity::Error,
        subject: Subject::Money,
        title: "零预算有支出",
        checks: "全年预算数为0的项目记录了支出",
        run: money::f2_spending_without_budget,
    },
    Rule {
        id: "F3",
        severity: Severity::Error,
        subject: Subject::Money,
        title: "超预算支出",
        checks: "全年执行数超过全年预算数（执行率超过100%），项目与部门合计分别检查",
        run: money::f3_spending_over_budget,
    },
    Rule {
        id: "F7",
        severity: Severity::Warning,
        subject: Subject::Money,
        title: "执行率偏低未说明",
        checks: "预算执行率低于评分规则的下限（默认90%），且没有记录原因",
        run: money::f7_low_execution_unexplained,
    },
    Rule {
        id: "F9",
        severity: Severity::Warning,
        subject: Subject::Money,
        title: "金额疑似单位错误",
        checks: "单笔支出或项目预算超过评分规则的上限（默认100,000万元），疑似把「元」当作「万元」",
        run: money::f9_implausible_amount,
    },
    Rule {
        id: "F11",
        severity: Severity::Warning,
        subject: Subject::Money,
        title: "凭证号重复",
        checks: "同一凭证号记录了两笔以上未冲销的支出",
        run: money::f11_voucher_recorded_twice,
    },
    Rule {
        id: "I7",
        severity: Severity::Error,
        subject: Subject::Indicators,
        title: "分值合计不为100",
        checks: "预算执行率分值与各指标分值之和不等于100",
        run: indicators::i7_points_not_100,
    },
    Rule {
        id: "I8",
        severity: Severity::Warning,
        subject: Subject::Indicators,
        title: "缺少一类指标",
        checks: "评分规则要求的一级指标（默认产出、效益、满意度）中有一类没有指标",
        run: indicators::i8_missing_level1,
    },
    Rule {
        id: "I18",
        severity: Severity::Warning,
        subject: Subject::Indicators,
        title: "一级指标分值与规则不同",
        checks: "某一级指标下的分值合计与评分规则的分配不同，且没有记录原因",
        run: indicators::i18_level1_split_unexplained,
    },
    Rule {
        id: "R6",
        severity: Severity::Error,
        subject: Subject::Narrative,
        title: "说明文字中的数字与数据不符",
        checks: "说明文字引用的带标签数字（预算总额、执行数、执行率、平均分、得分、项目数）按所写精度与计算值不同",
        run: narrative::r6_quoted_figure_differs,
    },
    Rule {
        id: "I13",
        severity: Severity::Error,
        subject: Subject::Narrative,
        title: "文字与数据矛盾",
        checks: "偏差原因或说明文字称未完成、超额完成或偏差N%以上，而数据不是这样",
        run: narrative::i13_claims_contradict_numbers,
    },
    Rule {
        id: "I9",
        severity: Severity::Warning,
        subject: Subject::Indicators,
        title: "成本指标没有上限",
        checks: "成本指标的目标写作 ≥ 或 >",
        run: indicators::i9_cost_without_ceiling,
    },
    Rule {
        id: "I10",
        severity: Severity::Warning,
        subject: Subject::Indicators,
        title: "比率超过100%",
        checks: "以%计的指标，目标或实际完成值超过100%",
        run: indicators::i10_rate_above_100,
    },
    Rule {
        id: "F10",
        severity: Severity::Warning,
        subject: Subject::Money,
        title: "成本目标高于预算",
        checks: "以万元计的成本指标目标高于项目全年预算数",
        run: money::f10_cost_target_above_budget,
    },
    Rule {
        id: "I11",
        severity: Severity::Error,
        subject: Subject::Indicators,
        title: "未完成指标缺少说明",
        checks: "指标得分低于分值（未完成），但缺少偏差原因分析或改进措施",
        run: indicators::i11_under_unexplained,
    },
    Rule {
        id: "I12",
        severity: Severity::Error,
        subject: Subject::Indicators,
        title: "超额指标缺少说明",
        checks: "指标超出目标达到评分规则的阈值（默认30%），但缺少偏差原因分析",
        run: indicators::i12_over_unexplained,
    },
    Rule {
        id: "I16",
        severity: Severity::Warning,
        subject: Subject::Indicators,
        title: "缺少实际完成值",
        checks: "指标尚无实际完成值（按0分计）",
        run: indicators::i16_missing_actual,
    },
    Rule {
        id: "I19",
        severity: Severity::Warning,
        subject: Subject::Indicators,
        title: "实际完成值照抄年度指标值",
        checks: "实际完成值写成年度指标值的形式（如 ≥80%），按其边界值计分",
        run: indicators::i19_actual_copies_target,
    },
    Rule {
        id: "I20",
        severity: Severity::Warning,
        subject: Subject::Indicators,
        title: "得分没有实际完成值",
        checks: "指标没有实际完成值，却有人工调整的得分（印发的表对空白行打了分）",
        run: indicators::i20_score_without_actual,
    },
    Rule {
        id: "I21",
        severity: Severity::Warning,
        subject: Subject::Indicators,
        title: "空白的指标值",
        checks: "年度指标值或实际完成值如原表所印为空：无法按规则计分，该行计为未填",
        run: indicators::i21_blank_cell,
    },
    Rule {
        id: "I17",
        severity: Severity::Info,
        subject: Subject::Indicators,
        title: "人工调整得分",
        checks: "得分被人工调整，列出调整人、原因与自动得分",
        run: indicators::i17_score_overridden,
    },
    Rule {
        id: "P5",
        severity: Severity::Warning,
        subject: Subject::Workflow,
        title: "缺少预期目标",
        checks: "已有指标实际完成值，但年度总体目标没有预期目标",
        run: workflow::p5_goal_expected_missing,
    },
    Rule {
        id: "T1",
        severity: Severity::Warning,
        subject: Subject::Workflow,
        title: "原表数字与计算不符",
        checks: "印发的自评表所印的总分、执行率、预算执行率得分或等级与按规则由记录计算的不同（两者并列）",
        run: printed::t1_printed_differs,
    },
    Rule {
        id: "T2",
        severity: Severity::Warning,
        subject: Subject::Workflow,
        title: "按原表照录",
        checks: "以 --as-printed 按原表照录了一般记录会拒绝的值（其中各项之和不等于总额、比率指标以小数为目标、千位分隔符而无单位），列出原表的写法与一般记录拒绝的原因",
        run: printed::t2_recorded_as_printed,
    },
    Rule {
        id: "P4",
        severity: Severity::Warning,
        subject: Subject::Workflow,
        title: "总体目标完成情况缺失",
        checks: "年度总体目标没有实际完成情况，或实际完成情况照抄预期目标而有指标未完成",
        run: workflow::p4_goal_actual_missing,
    },
    Rule {
        id: "R7",
        severity: Severity::Warning,
        subject: Subject::Workflow,
        title: "有偏差却没有问题和整改",
        checks: "项目等级为中或差，或有未完成、超额的指标，但没有记录问题和整改",
        run: workflow::r7_deviation_without_problem,
    },
    Rule {
        id: "R4",
        severity: Severity::Warning,
        subject: Subject::Workflow,
        title: "自评覆盖率不足",
        checks: "有预算或支出的项目尚未提交并审核通过",
        run: workflow::r4_coverage_incomplete,
    },
    Rule {
        id: "R10",
        severity: Severity::Warning,
        subject: Subject::Narrative,
        title: "报告段落没有说明文字",
        checks: "报告中只由说明文字构成的段落（如五（一）自评工作建议）没有记录文字",
        run: workflow::r10_required_narrative_missing,
    },
    Rule {
        id: "R11",
        severity: Severity::Warning,
        subject: Subject::Workflow,
        title: "审核通过后仍有变更",
        checks: "项目审核通过后又记录了变更，审核结论未覆盖这些变更",
        run: workflow::r11_changed_after_approval,
    },
    Rule {
        id: "R8",
        severity: Severity::Warning,
        subject: Subject::Workflow,
        title: "整改逾期",
        checks: "整改已过完成时限仍未完成",
        run: workflow::r8_rectification_overdue,
    },
    Rule {
        id: "R9",
        severity: Severity::Warning,
        subject: Subject::Workflow,
        title: "问题没有整改计划",
        checks: "登记的问题没有整改计划",
        run: workflow::r9_problem_unplanned,
    },
    Rule {
        id: "G1",
        severity: Severity::Warning,
        subject: Subject::Workflow,
        title: "无人员名册",
        checks: "本库没有人员名册（开放模式）：任何人都能以任何名字写入",
        run: workflow::g1_no_roster,
    },
    Rule {
        id: "G2",
        severity: Severity::Warning,
        subject: Subject::Workflow,
        title: "封存后仍有变更",
        checks: "年度封存后（解除封存期间）又记录了变更",
        run: workflow::g2_changed_after_seal,
    },
];

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// What the rules read: the replayed state, its report model and the
/// rules in force.
pub struct Context<'a> {
    /// The replayed state.
    pub state: &'a State,
    /// The report model built from it.
    pub model: &'a ReportModel,
    /// The rule profile in force.
    pub profile: &'a RuleProfile,
    /// What several rules look up, built once when first asked for (at
    /// ten thousand projects a search per sentence or per project made
    /// the checks quadratic).
    lookup: std::cell::OnceCell<Lookup>,
}

/// Lookups shared by the rules of one run.
struct Lookup {
    /// Where sentences name projects.
    names: crate::narrative::ProjectNames,
    /// The codes of projects with at least one problem recorded.
    with_problems: HashSet<String>,
}

impl<'a> Context<'a> {
    /// The context of one run of the rules.
    pub fn new(state: &'a State, model: &'a ReportModel, profile: &'a RuleProfile) -> Context<'a> {
        Context { state, model, profile, lookup: std::cell::OnceCell::new() }
    }

    fn lookup(&self) -> &Lookup {
        self.lookup.get_or_init(|| {
            let model = self.model;
            Lookup {
                names: crate::narrative::ProjectNames::new(
                    model.projects.iter().map(|p| (p.name.as_str(), p.category.as_deref())),
                ),
                with_problems: self.state.problems().iter().map(|q| q.project.clone()).collect(),
            }
        })
    }

    /// Where sentences name the model's projects.
    pub fn project_names(&self) -> &crate::narrative::ProjectNames {
        &self.lookup().names
    }

    /// Whether any problem is recorded for the project `code`.
    pub fn has_problem(&self, code: &str) -> bool {
        self.lookup().with_problems.contains(code)
    }

    /// Every project with its report, in registration order.
    pub fn projects(&self) -> impl Iterator<Item = (usize, &'a Project, &'a ProjectReport)> + 'a {
        self.state.projects().iter().zip(&self.model.projects).enumerate().map(|(i, (s, r))| (i, s, r))
    }
}

/// Where a finding sits in the report: the order in which findings of one
/// severity are listed (project by project, then the department, the
/// narratives, coverage and the rectifications).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// A project's budget and spending.
    ProjectMoney(usize),
    /// A project's indicators as a whole.
    ProjectIndicators(usize),
    /// One indicator of a project: (project, indicator).
    Indicator(usize, usize),
    /// A project's goal, budget score and problems.
    ProjectClosing(usize),
    /// The department's totals.
    Department,
    /// A sentence of a narrative: (narrative, sentence).
    Sentence(usize, usize),
    /// A project's self-evaluation workflow.
    Coverage(usize),
    /// A problem and its rectification.
    Rectification(usize),
}

impl Place {
    /// The sort key: (part of the report, position, section, item).
    fn key(self) -> (u8, usize, u8, usize) {
        match self {
            Place::ProjectMoney(i) => (0, i, 0, 0),
            Place::ProjectIndicators(i) => (0, i, 1, 0),
            Place::Indicator(i, j) => (0, i, 2, j),
            Place::ProjectClosing(i) => (0, i, 3, 0),
            Place::Department => (1, 0, 0, 0),
            Place::Sentence(n, s) => (2, n, 0, s),
            Place::Coverage(i) => (3, i, 0, 0),
            Place::Rectification(k) => (4, k, 0, 0),
        }
    }
}

/// The findings of one rule, as it runs.
pub struct Findings<'r> {
    rule: &'r Rule,
    found: &'r mut Vec<(Place, usize, Finding)>,
}

impl Findings<'_> {
    /// Records a finding of this rule.
    pub fn push(&mut self, place: Place, project: Option<&str>, message: String, mut events: Vec<u64>) {
        events.sort_unstable();
        events.dedup();
        let rank = RULES.iter().position(|r| r.id == self.rule.id).unwrap_or(usize::MAX);
        self.found.push((
            place,
            rank,
            Finding {
                rule: self.rule.id,
                severity: self.rule.severity,
                project: project.map(str::to_owned),
                message,
                events,
            },
        ));
    }
}

/// Runs every rule of [`RULES`] over the state and its report model.
pub fn run(state: &State, model: &ReportModel) -> Vec<Finding> {
    let context = Context::new(state, model, &model.rules);
    let mut found = Vec::new();
    for rule in RULES {
        (rule.run)(&context, &mut Findings { rule, found: &mut found });
    }
    // A stable sort: within one place and rule, the order a rule found them.
    found.sort_by_key(|(place, rank, finding)| (finding.severity, place.key(), *rank));
    found.into_iter().map(|(_, _, finding)| finding).collect()
}
