//! The report model: every figure the report and the 自评表 need, computed
//! from replayed state, each carrying the sequence numbers it came from.

#![deny(clippy::arithmetic_side_effects)]

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use rust_decimal::Decimal;

use crate::arith::{div, hundred, mul, sum};
use crate::event::{BudgetSource, NARRATIVE_SECTIONS};
use crate::profile::{RuleProfile, DEFAULT_PROFILE_ID};
use crate::scoring::{self, Deviation, DeviationThresholds, Grade, ProjectFigures, ScoredRow};
use crate::state::{Indicator, Project, State, Status};
use crate::values::{fmt2, QualitativeLevel, Target};

/// A figure and the events behind it. `value` is `None` when undefined
/// (a rate on a zero budget prints as 不适用).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figure {
    /// The exact value (rates as fractions, not percentages).
    pub value: Option<Decimal>,
    /// The sequence numbers it was computed from, ascending, no duplicates.
    pub seqs: Vec<u64>,
}

impl Figure {
    /// An amount with two decimals, without its unit (`58.79`), or 不适用.
    pub fn amount_text(&self) -> String {
        self.value.map_or_else(|| NOT_APPLICABLE.to_owned(), fmt2)
    }

    /// A rate as a percentage with two decimals and `%`, or 不适用.
    pub fn rate_text(&self) -> String {
        self.value.map_or_else(|| NOT_APPLICABLE.to_owned(), |r| format!("{}%", fmt2(scoring::rate_percent(r))))
    }

    /// A score with two decimals, or 不适用.
    pub fn score_text(&self) -> String {
        score_text(self.value)
    }

    fn new(value: Option<Decimal>, mut seqs: Vec<u64>) -> Figure {
        seqs.sort_unstable();
        seqs.dedup();
        Figure { value, seqs }
    }
}

/// How a figure that cannot be computed prints.
pub const NOT_APPLICABLE: &str = "不适用";

/// A score with two decimals, or 不适用.
pub fn score_text(value: Option<Decimal>) -> String {
    value.map_or_else(|| NOT_APPLICABLE.to_owned(), fmt2)
}

/// The union of sorted seq lists, sorted and without duplicates. A bitset
/// over the range they span: a department total unites a million seqs.
pub fn seq_union<'a>(lists: impl IntoIterator<Item = &'a [u64]> + Clone) -> Vec<u64> {
    let Some(max) = lists.clone().into_iter().filter_map(|l| l.last().copied()).max() else { return Vec::new() };
    let mut bits = vec![0u64; usize::try_from(max / 64).unwrap_or(usize::MAX).saturating_add(1)];
    let mut count = 0usize;
    for list in lists {
        count = count.saturating_add(list.len());
        for seq in list {
            bits[(seq / 64) as usize] |= 1 << (seq % 64);
        }
    }
    let mut out = Vec::with_capacity(count);
    for (word_index, mut word) in bits.into_iter().enumerate() {
        while word != 0 {
            out.push((word_index as u64).saturating_mul(64).saturating_add(u64::from(word.trailing_zeros())));
            word &= word.wrapping_sub(1);
        }
    }
    out
}

/// What the report is based on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Basis {
    /// The last sequence number replayed.
    pub seq: u64,
    /// The recorded time of that event.
    pub recorded_at: Option<DateTime<Utc>>,
    /// The hash of that event in the chain (given by the store).
    pub head_hash: String,
}

impl IndicatorRow {
    /// Whether the row can be judged: an actual value filled in (not
    /// missing, not a blank cell) against a target that is not blank.
    pub fn filled(&self) -> bool {
        self.actual.as_deref().is_some_and(|a| !a.is_empty()) && !self.target.is_empty()
    }
}

/// One indicator row of the 自评表.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndicatorRow {
    /// Code.
    pub code: String,
    /// 一级.
    pub level1: String,
    /// 二级.
    pub level2: String,
    /// 三级.
    pub name: String,
    /// 年度指标值 as printed.
    pub target: String,
    /// 实际完成值 as typed, if recorded.
    pub actual: Option<String>,
    /// The qualitative level, if any.
    pub level: Option<QualitativeLevel>,
    /// 分值.
    pub weight: Decimal,
    /// Not applicable as printed (分值 「/」): printed 「/」, in no sum or total.
    pub weightless: bool,
    /// The effective score (`None` when not applicable).
    pub score: Figure,
    /// The automatic score, before any manual adjustment.
    pub auto_score: Option<Decimal>,
    /// The reason of a score override, if the score was set by hand.
    pub override_reason: Option<String>,
    /// The reason it is not applicable, if it is not.
    pub not_applicable: Option<String>,
    /// B ÷ A × 100 for a quantitative indicator with A ≠ 0.
    pub completion: Option<Decimal>,
    /// Under or over.
    pub deviation: Option<Deviation>,
    /// How far beyond the target (direction-aware), as a fraction.
    pub relative_deviation: Option<Decimal>,
    /// 偏差原因分析.
    pub deviation_reason: Option<String>,
    /// 改进措施.
    pub measure: Option<String>,
}

/// One project of the report, with its 自评表.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectReport {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Category.
    pub category: Option<String>,
    /// 实施科室 (the form's 实施单位).
    pub section: Option<String>,
    /// 项目负责人.
    pub owner: Option<String>,
    /// The funds block: one row per source (年初预算数, 全年预算数, 全年执行数).
    pub funds: Vec<FundsRow>,
    /// Workflow status.
    pub status: Status,
    /// 年初预算数.
    pub initial_budget: Figure,
    /// No 年初预算数 was recorded, only adjustments (a table printing 全年预算数
    /// beside a blank 年初预算数): the 自评表 prints the cell blank, not 0.
    pub initial_budget_blank: bool,
    /// 全年预算数.
    pub budget: Figure,
    /// 全年执行数.
    pub executed: Figure,
    /// 执行率 (E ÷ P).
    pub execution_rate: Figure,
    /// 预算执行率分值.
    pub budget_weight: Decimal,
    /// 预算执行率得分 (`None` when not applicable).
    pub budget_score: Figure,
    /// The automatic budget score.
    pub budget_auto_score: Option<Decimal>,
    /// The reason of a budget score override, if the score was set by hand.
    pub budget_override_reason: Option<String>,
    /// Why the budget row is not applicable, if it is not.
    pub budget_not_applicable: Option<String>,
    /// 总分.
    pub total_score: Figure,
    /// 等级.
    pub grade: Option<Grade>,
    /// 年度总体目标: expected.
    pub goal_expected: Option<String>,
    /// 年度总体目标: actual.
    pub goal_actual: Option<String>,
    /// The events behind the goal.
    pub goal_seqs: Vec<u64>,
    /// Indicator rows.
    pub indicators: Vec<IndicatorRow>,
    /// Workflow steps, in log order.
    pub workflow: Vec<WorkflowEntry>,
    /// Evidence files pinned by their hash (佐证材料).
    pub evidence: Vec<crate::state::Evidence>,
    /// What a published 自评表 printed (`selfeval printed`), beside the
    /// computed figures; never used to compute one.
    pub printed: crate::state::Printed,
}

/// One step of a project's workflow: submitted, approved or returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkflowEntry {
    /// The status the project moved to.
    pub status: Status,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// Who took the step.
    pub actor: String,
    /// The event.
    pub seq: u64,
}

/// One 其中 row of the funds block of the 自评表.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundsRow {
    /// 资金来源.
    pub source: BudgetSource,
    /// 年初预算数.
    pub initial_budget: Decimal,
    /// 全年预算数: the initial amount and the adjustments of this source.
    pub budget: Decimal,
    /// 全年执行数: the standing spending paid from this source.
    pub executed: Decimal,
}

/// A rectification's status against the report date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RectificationStatus {
    /// No plan yet.
    Unplanned,
    /// Planned.
    Planned,
    /// Progress recorded.
    InProgress,
    /// Done.
    Done,
    /// Past its due date and not done.
    Overdue,
}

impl RectificationStatus {
    /// The JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            RectificationStatus::Unplanned => "unplanned",
            RectificationStatus::Planned => "planned",
            RectificationStatus::InProgress => "in_progress",
            RectificationStatus::Done => "done",
            RectificationStatus::Overdue => "overdue",
        }
    }

    /// The Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            RectificationStatus::Unplanned => "未制定整改计划",
            RectificationStatus::Planned => "已计划",
            RectificationStatus::InProgress => "整改中",
            RectificationStatus::Done => "已完成",
            RectificationStatus::Overdue => "已逾期",
        }
    }
}

/// A problem and its rectification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProblemReport {
    /// Code.
    pub code: String,
    /// Project code.
    pub project: String,
    /// Text.
    pub text: String,
    /// 整改措施.
    pub measure: Option<String>,
    /// 责任人.
    pub owner: Option<String>,
    /// 完成时限.
    pub due: Option<NaiveDate>,
    /// Status against the report date.
    pub status: RectificationStatus,
    /// The events behind it.
    pub seqs: Vec<u64>,
}

/// A recorded narrative paragraph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NarrativeReport {
    /// Section key.
    pub section: String,
    /// Project, if any.
    pub project: Option<String>,
    /// Text, verbatim.
    pub text: String,
    /// Author.
    pub actor: String,
    /// The event.
    pub seq: u64,
}

/// The department's totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Totals {
    /// Σ 年初预算数.
    pub initial_budget: Figure,
    /// Σ 全年预算数.
    pub budget: Figure,
    /// Σ 全年执行数.
    pub executed: Figure,
    /// ΣE ÷ ΣP.
    pub execution_rate: Figure,
    /// The mean of the project totals.
    pub average_score: Figure,
    /// Projects in scope.
    pub in_scope: usize,
    /// Projects whose self-evaluation is complete (approved).
    pub evaluated: usize,
    /// Counts of 优, 良, 中, 差.
    pub grade_counts: [usize; 4],
}

impl Totals {
    /// The department's totals over its projects' reports, with the events
    /// behind each when `seqs` (without, each figure's `seqs` is empty: a
    /// value alone, for a figure computed again and again).
    pub fn of(projects: &[&ProjectReport], profile: &RuleProfile, seqs: bool) -> Totals {
        let figures = scoring::department_figures(
            &projects
                .iter()
                .map(|p| ProjectFigures {
                    budget: p.budget.value.unwrap_or_default(),
                    executed: p.executed.value.unwrap_or_default(),
                    total: p.total_score.value,
                    approved: p.status == Status::Approved,
                })
                .collect::<Vec<_>>(),
            profile,
        );
        let union = |pick: fn(&ProjectReport) -> &Figure| {
            if seqs {
                seq_union(projects.iter().map(|p| pick(p).seqs.as_slice()))
            } else {
                Vec::new()
            }
        };
        let budget_seqs = union(|p| &p.budget);
        let executed_seqs = union(|p| &p.executed);
        let rate_seqs = seq_union([budget_seqs.as_slice(), executed_seqs.as_slice()]);
        Totals {
            initial_budget: Figure {
                value: Some(sum(projects.iter().filter_map(|p| p.initial_budget.value))),
                seqs: union(|p| &p.initial_budget),
            },
            budget: Figure { value: Some(figures.budget), seqs: budget_seqs },
            executed: Figure { value: Some(figures.executed), seqs: executed_seqs },
            execution_rate: Figure { value: figures.rate, seqs: rate_seqs },
            average_score: Figure { value: figures.average, seqs: union(|p| &p.total_score) },
            in_scope: figures.in_scope,
            evaluated: figures.evaluated,
            grade_counts: figures.grade_counts,
        }
    }
}

/// The rule profile the state's department scores by.
pub fn profile_of(state: &State) -> RuleProfile {
    RuleProfile::by_id_or_default(state.department().map_or(DEFAULT_PROFILE_ID, |d| d.profile.as_str()))
}

/// One project's report as [`ReportModel::build`] makes it, from the state,
/// under `profile` (the state's: [`profile_of`]).
pub fn project_report_in(state: &State, code: &str, profile: &RuleProfile) -> Option<ProjectReport> {
    state.project(code).map(|p| project_report(p, profile))
}

/// The whole report model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportModel {
    /// 部门.
    pub department: String,
    /// 年度.
    pub year: i32,
    /// The rule profile id.
    pub profile: String,
    /// The rules of that profile (the default's when the id is unknown).
    pub rules: RuleProfile,
    /// The unit amounts are shown in.
    pub unit: crate::values::AmountUnit,
    /// The basis: sequence, time, head hash.
    pub basis: Basis,
    /// The report date (Beijing time) used for overdue rectifications.
    pub report_date: Option<NaiveDate>,
    /// The business date the figures are shown at (`--effective`), if any.
    pub effective: Option<NaiveDate>,
    /// Department totals.
    pub totals: Totals,
    /// Projects in registration order.
    pub projects: Vec<ProjectReport>,
    /// Problems in identification order.
    pub problems: Vec<ProblemReport>,
    /// Narratives in section order.
    pub narratives: Vec<NarrativeReport>,
    /// The roster, seals, signature policy and checkpoints.
    pub governance: crate::governance::Governance,
    /// Each project's position by code, as built (a renderer looks one up
    /// per narrative and per problem; a search each was quadratic at ten
    /// thousand projects). Checked on use, so a changed `projects` is
    /// still answered right.
    positions: std::collections::HashMap<String, usize>,
}

/// Beijing time, where the report's dates are read.
pub fn beijing() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("+08:00 is a valid offset")
}

fn indicator_row(indicator: &Indicator, profile: &RuleProfile) -> IndicatorRow {
    let auto_score = scoring::indicator_auto_score(indicator, profile);
    let mut seqs = vec![indicator.defined_seq];
    seqs.extend(&indicator.amended);
    let actual = indicator.actual.as_ref();
    seqs.extend(actual.map(|a| a.seq));
    let (score, override_reason) = match (&indicator.not_applicable, &indicator.score_override) {
        (Some(note), _) => {
            seqs.push(note.seq);
            (None, None)
        }
        (None, Some(score_override)) => {
            seqs.push(score_override.seq);
            (Some(score_override.score), Some(score_override.reason.clone()))
        }
        // An indicator with no actual yet scores 0 (and raises I16).
        (None, None) => (Some(auto_score.unwrap_or(Decimal::ZERO)), None),
    };
    // The checks read the final score: a score docked by hand is a
    // deviation to explain, one raised to full is not (issue 25).
    let thresholds = DeviationThresholds::of(profile);
    let overridden = indicator.score_override.as_ref().map(|o| o.score);
    // A blank cell recorded as printed deviates from nothing.
    let measured = actual.filter(|a| !a.is_blank());
    let (completion, deviation, relative) = match (&indicator.target, measured) {
        (Target::Quantitative { op, value, .. }, Some(a)) => {
            let b = a.number.unwrap_or_default();
            // 完成率 in the target's direction: actual ÷ target for ≥ > =,
            // target ÷ actual for a ceiling (≤ <), where less is better.
            let completion = if op.is_reverse() {
                (b > Decimal::ZERO).then(|| mul(div(*value, b), hundred()))
            } else {
                (!value.is_zero()).then(|| mul(div(b, *value), hundred()))
            };
            let last = overridden.or(auto_score).unwrap_or_default();
            let deviation = scoring::quantitative_deviation(*op, *value, b, last, indicator.weight, thresholds);
            (completion, deviation, scoring::relative_deviation(*op, *value, b))
        }
        (Target::Qualitative { .. }, Some(a)) => {
            let under = match overridden {
                Some(score) => score < mul(indicator.weight, crate::arith::sub(Decimal::ONE, thresholds.under)),
                None => a.level.is_some_and(|l| l != QualitativeLevel::Achieved),
            };
            (None, under.then_some(Deviation::Under), None)
        }
        // Late work is under by its score, as any ceiling (a completion
        // that is no date scores 0 but by hand).
        (Target::Deadline { .. }, Some(_)) => {
            let last = overridden.or(auto_score).unwrap_or_default();
            let under = last < mul(indicator.weight, crate::arith::sub(Decimal::ONE, thresholds.under));
            (None, under.then_some(Deviation::Under), None)
        }
        (Target::Blank, _) | (_, None) => (None, None, None),
    };
    IndicatorRow {
        code: indicator.code.clone(),
        level1: indicator.level1.clone(),
        level2: indicator.level2.clone(),
        name: indicator.name.clone(),
        target: indicator.target.display(),
        actual: actual.map(|a| a.value.clone()),
        level: actual.and_then(|a| a.level),
        weight: indicator.weight,
        weightless: indicator.weightless,
        score: Figure::new(score, seqs),
        auto_score,
        override_reason,
        not_applicable: indicator.not_applicable.as_ref().map(|n| n.text.clone()),
        completion,
        deviation: if indicator.not_applicable.is_some() { None } else { deviation },
        relative_deviation: relative,
        deviation_reason: actual.and_then(|a| a.deviation_reason.clone()),
        measure: actual.and_then(|a| a.measure.clone()),
    }
}

fn project_report(project: &Project, profile: &RuleProfile) -> ProjectReport {
    let initial = project.initial_budget();
    let budget = project.budget();
    let executed = project.executed();
    let outcome = scoring::budget_outcome(budget.value, executed.value, project.budget_weight);
    let mut money_seqs = budget.seqs.clone();
    money_seqs.extend(&executed.seqs);
    let mut budget_score_seqs = money_seqs.clone();
    let (budget_score, budget_override_reason) = match (&project.budget_not_applicable, &project.budget_score_override)
    {
        (Some(note), _) => {
            budget_score_seqs.push(note.seq);
            (None, None)
        }
        (None, Some(score_override)) => {
            budget_score_seqs.push(score_override.seq);
            (Some(score_override.score), Some(score_override.reason.clone()))
        }
        (None, None) => (outcome.score, None),
    };
    let indicators: Vec<IndicatorRow> = project.indicators.iter().map(|i| indicator_row(i, profile)).collect();
    let mut rows = vec![ScoredRow { weight: project.budget_weight, score: budget_score }];
    // A row printed with 「/」 has no weight: it is in no total, not even
    // as a not-applicable row that would rescale it.
    rows.extend(
        indicators.iter().filter(|i| !i.weightless).map(|i| ScoredRow { weight: i.weight, score: i.score.value }),
    );
    // A project with no indicators has not been evaluated: it has no total.
    let total = if indicators.is_empty() { None } else { scoring::project_total(&rows) };
    let mut total_seqs = budget_score_seqs.clone();
    for row in &indicators {
        total_seqs.extend(&row.score.seqs);
    }
    let mut goal_seqs: Vec<u64> = Vec::new();
    goal_seqs.extend(project.goal_expected.iter().flat_map(|g| g.seqs.iter()));
    goal_seqs.extend(project.goal_actual.iter().flat_map(|g| g.seqs.iter()));
    ProjectReport {
        code: project.code.clone(),
        name: project.name.clone(),
        category: project.category.clone(),
        section: project.section.clone(),
        owner: project.owner.clone(),
        funds: project
            .funds_by_source()
            .into_iter()
            .map(|(source, initial_budget, budget, executed)| FundsRow { source, initial_budget, budget, executed })
            .collect(),
        status: project.status,
        initial_budget: Figure::new(Some(initial.value), initial.seqs),
        initial_budget_blank: project.budget_lines.is_empty() && !project.adjustments.is_empty(),
        budget: Figure::new(Some(budget.value), budget.seqs),
        executed: Figure::new(Some(executed.value), executed.seqs),
        execution_rate: Figure::new(outcome.rate, money_seqs),
        budget_weight: project.budget_weight,
        budget_score: Figure::new(budget_score, budget_score_seqs),
        budget_auto_score: outcome.score,
        budget_override_reason,
        budget_not_applicable: project.budget_not_applicable.as_ref().map(|n| n.text.clone()),
        total_score: Figure::new(total, if total.is_some() { total_seqs } else { Vec::new() }),
        grade: total.map(|t| profile.grade_of(t)),
        goal_expected: project.goal_expected.as_ref().map(|g| g.value.clone()),
        goal_actual: project.goal_actual.as_ref().map(|g| g.value.clone()),
        goal_seqs,
        indicators,
        workflow: project
            .workflow
            .iter()
            .map(|w| WorkflowEntry { status: w.status, at: w.note.at, actor: w.note.actor.clone(), seq: w.note.seq })
            .collect(),
        evidence: project.evidence.clone(),
        printed: project.printed.clone(),
    }
}

fn problem_report(problem: &crate::state::Problem, report_date: Option<NaiveDate>) -> ProblemReport {
    let mut seqs = vec![problem.seq];
    seqs.extend(problem.plan.as_ref().map(|p| p.seq));
    seqs.extend(problem.progress.iter().map(|n| n.seq));
    seqs.extend(problem.completed.as_ref().map(|n| n.seq));
    let status = match (&problem.plan, &problem.completed) {
        (_, Some(_)) => RectificationStatus::Done,
        (None, None) => RectificationStatus::Unplanned,
        (Some(plan), None) if report_date.is_some_and(|d| d > plan.due) => RectificationStatus::Overdue,
        (Some(_), None) if !problem.progress.is_empty() => RectificationStatus::InProgress,
        (Some(_), None) => RectificationStatus::Planned,
    };
    ProblemReport {
        code: problem.code.clone(),
        project: problem.project.clone(),
        text: problem.text.clone(),
        measure: problem.plan.as_ref().map(|p| p.measure.clone()),
        owner: problem.plan.as_ref().map(|p| p.owner.clone()),
        due: problem.plan.as_ref().map(|p| p.due),
        status,
        seqs,
    }
}

impl ReportModel {
    /// Builds the report model from replayed state. `head_hash` is the hash of
    /// the last event replayed, as the store reports it. The checks run over
    /// the finished model: see [`crate::evaluate`].
    pub fn build(state: &State, head_hash: &str) -> ReportModel {
        ReportModel::build_on(state, head_hash, None)
    }

    /// Builds the report model as of a business date: rectifications are
    /// judged overdue against `date` (when earlier than the last recorded
    /// event), for a view on the effective axis.
    pub fn build_on(state: &State, head_hash: &str, date: Option<NaiveDate>) -> ReportModel {
        let (department, year, profile_id) = match state.department() {
            Some(d) => (d.name.clone(), d.year, d.profile.clone()),
            None => (String::new(), 0, DEFAULT_PROFILE_ID.to_owned()),
        };
        let profile = RuleProfile::by_id_or_default(&profile_id);
        let recorded = state.last_recorded_at().map(|t| t.with_timezone(&beijing()).date_naive());
        let report_date = match (recorded, date) {
            (Some(r), Some(d)) => Some(r.min(d)),
            (r, d) => r.or(d),
        };
        let projects: Vec<ProjectReport> = state.projects().iter().map(|p| project_report(p, &profile)).collect();
        let totals = Totals::of(&projects.iter().collect::<Vec<_>>(), &profile, true);
        let problems = state.problems().iter().map(|p| problem_report(p, report_date)).collect();
        let mut narratives: Vec<NarrativeReport> = state
            .narratives()
            .iter()
            .map(|((section, project), note)| NarrativeReport {
                section: section.clone(),
                project: project.clone(),
                text: note.text.clone(),
                actor: note.actor.clone(),
                seq: note.seq,
            })
            .collect();
        let order = |key: &str| NARRATIVE_SECTIONS.iter().position(|(k, _)| *k == key).unwrap_or(usize::MAX);
        // Positions looked up once (a search per comparison was quadratic
        // at ten thousand projects).
        let positions: std::collections::HashMap<String, usize> =
            projects.iter().enumerate().rev().map(|(i, p)| (p.code.clone(), i)).collect();
        let project_order = |code: &Option<String>| {
            code.as_deref().map_or(0, |c| positions.get(c).map_or(usize::MAX, |i| i.saturating_add(1)))
        };
        narratives.sort_by_cached_key(|n| (order(&n.section), project_order(&n.project)));
        ReportModel {
            department,
            year,
            profile: profile.id.to_owned(),
            rules: profile,
            unit: state.department().map(|d| d.unit).unwrap_or_default(),
            basis: Basis {
                seq: state.last_seq(),
                recorded_at: state.last_recorded_at(),
                head_hash: head_hash.to_owned(),
            },
            report_date,
            effective: date,
            totals,
            projects,
            problems,
            narratives,
            governance: state.governance().clone(),
            positions,
        }
    }

    /// The project with this code.
    pub fn project(&self, code: &str) -> Option<&ProjectReport> {
        self.position(code).and_then(|i| self.projects.get(i))
    }

    /// The position in `projects` of the project with this code.
    pub fn position(&self, code: &str) -> Option<usize> {
        match self.positions.get(code) {
            Some(&i) if self.projects.get(i).is_some_and(|p| p.code == code) => Some(i),
            _ => self.projects.iter().position(|p| p.code == code),
        }
    }

    /// What a project's result means for next year's budget (结果应用,
    /// `docs/spec/scoring.md`): the grade's text, qualified by the state of
    /// its rectifications and never contradicting it. `None` without a grade.
    pub fn result_use(&self, project: &ProjectReport) -> Option<String> {
        let grade = project.grade?;
        let base = self.rules.result_use(grade);
        let open: Vec<RectificationStatus> = self
            .problems
            .iter()
            .filter(|q| q.project == project.code && q.status != RectificationStatus::Done)
            .map(|q| q.status)
            .collect();
        let lagging = open.iter().any(|s| matches!(s, RectificationStatus::Overdue | RectificationStatus::Unplanned));
        Some(match (open.is_empty(), lagging, grade) {
            (true, _, _) => base.to_owned(),
            (false, false, _) => format!("{base}；整改按期推进中，完成情况纳入下年度评价"),
            (false, true, Grade::Excellent | Grade::Good) => {
                "整改逾期或未制定整改计划，暂不予以优先保障；整改到位前维持现有资金安排".to_owned()
            }
            (false, true, Grade::Fair | Grade::Poor) => {
                format!("{base}；整改逾期或未制定整改计划，整改到位前不安排新增资金")
            }
        })
    }

    /// An amount figure in the display unit with two decimals, without the
    /// unit (`58.79`, `587,912.00`), or 不适用.
    pub fn money(&self, figure: &Figure) -> String {
        figure.value.map_or_else(|| NOT_APPLICABLE.to_owned(), |v| self.unit.format(v))
    }

    /// The display unit's label (`万元`, `元`).
    pub fn unit_label(&self) -> &'static str {
        self.unit.label()
    }

    /// The narratives of one section (department-level first).
    pub fn narratives_of<'a>(&'a self, section: &'a str) -> impl Iterator<Item = &'a NarrativeReport> + 'a {
        self.narratives.iter().filter(move |n| n.section == section)
    }
}

#[cfg(test)]
mod tests {
    use super::seq_union;

    #[test]
    fn unions_are_sorted_and_distinct() {
        assert_eq!(seq_union([[1u64, 5, 64].as_slice(), &[2, 5, 130], &[]]), vec![1, 2, 5, 64, 130]);
        assert_eq!(seq_union(Vec::<&[u64]>::new()), Vec::<u64>::new());
        assert_eq!(seq_union([[0u64, 63].as_slice()]), vec![0, 63]);
    }
}
