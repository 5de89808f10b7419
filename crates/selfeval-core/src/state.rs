//! The state replayed from events. `apply` only changes state: every rule
//! lives in [`crate::handle`]. Each fact remembers the sequence number of
//! the event it came from, which is what makes figures traceable.

#![deny(clippy::arithmetic_side_effects)]

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::arith::{add, sum};
use crate::event::{BudgetSource, EventPayload, RecordedEvent, BUDGET_ITEM};
use crate::governance::Governance;
pub use crate::note::Note;
use crate::values::{AmountUnit, QualitativeLevel, Target};

/// The value of a payload that is beyond the ceilings of `values`, if any:
/// (the project, which value and what it was). Such events were never
/// written by `handle` with the ceilings in force.
fn out_of_range(payload: &EventPayload) -> Option<(Option<String>, String)> {
    use crate::values::{amount_in_range, quantity_in_range};
    let points = |w: Decimal| w >= Decimal::ZERO && w <= Decimal::from(100);
    let (project, what) = match payload {
        EventPayload::ProjectRegistered(p) if !points(p.budget_weight) => {
            (&p.project, format!("预算执行率分值 {}", p.budget_weight))
        }
        EventPayload::BudgetSet(p) if !amount_in_range(p.amount) => {
            (&p.project, format!("年初预算数 {}万元", p.amount))
        }
        EventPayload::BudgetAdjusted(p) if !amount_in_range(p.delta) => {
            (&p.project, format!("预算调整 {}万元", p.delta))
        }
        EventPayload::ExpenditureRecorded(p) if !amount_in_range(p.amount) => {
            (&p.project, format!("支出 {}万元", p.amount))
        }
        EventPayload::IndicatorDefined(p) if !points(p.weight) => {
            (&p.project, format!("指标{}的分值 {}", p.indicator, p.weight))
        }
        EventPayload::IndicatorDefined(p) => match &p.target {
            Target::Quantitative { value, .. } if !quantity_in_range(*value) => {
                (&p.project, format!("指标{}的年度指标值 {value}", p.indicator))
            }
            _ => return None,
        },
        EventPayload::IndicatorActualRecorded(p) => match (p.number, p.score) {
            (Some(n), _) if !quantity_in_range(n) => (&p.project, format!("指标{}的实际完成值 {n}", p.indicator)),
            (_, Some(s)) if !points(s) => (&p.project, format!("指标{}的得分 {s}", p.indicator)),
            _ => return None,
        },
        EventPayload::ScoreAdjusted(p) if !points(p.score) => (&p.project, format!("{}的得分 {}", p.item, p.score)),
        _ => return None,
    };
    Some((Some(project.clone()), what))
}

/// A value and the sequence numbers of the events it was computed from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Traced<T> {
    /// The value.
    pub value: T,
    /// The sequence numbers behind it, ascending.
    pub seqs: Vec<u64>,
}

/// The department and its fiscal year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Department {
    /// 部门名称.
    pub name: String,
    /// The fiscal year.
    pub year: i32,
    /// The rule profile id in force.
    pub profile: String,
    /// The unit amounts are shown in.
    pub unit: AmountUnit,
    /// The events that set the department and its profile.
    pub seqs: Vec<u64>,
}

/// One initial budget line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetLine {
    /// The event.
    pub seq: u64,
    /// When it took effect (the event's business time, `--at`).
    pub effective: chrono::DateTime<chrono::Utc>,
    /// The amount in 万元.
    pub amount: Decimal,
    /// Its source.
    pub source: BudgetSource,
}

/// One budget adjustment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Adjustment {
    /// The event.
    pub seq: u64,
    /// The change in 万元.
    pub delta: Decimal,
    /// The document number, if any.
    pub doc: Option<String>,
    /// The funds it changes.
    pub source: BudgetSource,
}

/// One expenditure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expenditure {
    /// The event.
    pub seq: u64,
    /// The amount in 万元.
    pub amount: Decimal,
    /// The payment date. (The memo stays in the event: nothing computed
    /// from the state needs it.)
    pub date: NaiveDate,
    /// The voucher number (凭证号), if recorded. (A boxed `str` and a
    /// non-zero event number: a million-event state holds 800,000 of these,
    /// and each saves 16 bytes; serialised as before.)
    pub voucher: Option<Box<str>>,
    /// The funds it was paid from.
    pub source: BudgetSource,
    /// The event that reversed it, if any.
    pub reversed_by: Option<std::num::NonZeroU64>,
}

/// An actual value recorded for an indicator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actual {
    /// The event.
    pub seq: u64,
    /// When it took effect (the event's business time, `--at`).
    pub effective: chrono::DateTime<chrono::Utc>,
    /// As typed.
    pub value: String,
    /// The number, for a quantitative indicator.
    pub number: Option<Decimal>,
    /// The level, for a qualitative indicator.
    pub level: Option<QualitativeLevel>,
    /// The score given, for a qualitative indicator.
    pub score: Option<Decimal>,
    /// 偏差原因分析.
    pub deviation_reason: Option<String>,
    /// 改进措施.
    pub measure: Option<String>,
}

impl Actual {
    /// A blank cell recorded as printed (`--value ""` or 未填).
    pub fn is_blank(&self) -> bool {
        self.value.is_empty()
    }
}

/// A score set by hand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreOverride {
    /// The event.
    pub seq: u64,
    /// The score.
    pub score: Decimal,
    /// Why (required when recorded).
    pub reason: String,
    /// Who.
    pub actor: String,
}

/// A performance indicator of a project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Indicator {
    /// The code, unique in the project.
    pub code: String,
    /// 一级.
    pub level1: String,
    /// 二级.
    pub level2: String,
    /// 三级 (name).
    pub name: String,
    /// 年度指标值.
    pub target: Target,
    /// 分值.
    pub weight: Decimal,
    /// The event that defined it.
    pub defined_seq: u64,
    /// The reason given when it was defined (e.g. for a non-default split).
    pub reason: Option<String>,
    /// The latest actual value.
    pub actual: Option<Actual>,
    /// Marked not applicable, with the reason.
    pub not_applicable: Option<Note>,
    /// A score set by hand, replacing the automatic one.
    pub score_override: Option<ScoreOverride>,
    /// The events that corrected its definition.
    pub amended: Vec<u64>,
    /// Its 分值 was typed as a percentage (`20%`): the project's form.
    #[serde(default)]
    pub weight_in_percent: bool,
    /// Not applicable as printed (分值 「/」): no weight, in no sum or total.
    #[serde(default)]
    pub weightless: bool,
}

/// Where a project's self-evaluation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Being recorded (草稿).
    Draft,
    /// Submitted by the section (已提交).
    Submitted,
    /// Approved by the office (已审核).
    Approved,
    /// Returned for correction (已退回).
    Returned,
}

impl Status {
    /// The Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            Status::Draft => "填报中",
            Status::Submitted => "已提交",
            Status::Approved => "已审核通过",
            Status::Returned => "已退回",
        }
    }
}

/// A workflow step taken on a project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkflowRecord {
    /// The status it moved to.
    pub status: Status,
    /// The event, actor, time and reason.
    pub note: Note,
}

/// A project (项目) and everything recorded about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Project {
    /// The code.
    pub code: String,
    /// The name.
    pub name: String,
    /// The category.
    pub category: Option<String>,
    /// The implementing section (实施科室).
    pub section: Option<String>,
    /// 项目负责人, once recorded.
    pub owner: Option<String>,
    /// The points of the budget row.
    pub budget_weight: Decimal,
    /// The event that registered it.
    pub registered_seq: u64,
    /// Initial budget lines; the latest per source counts.
    pub budget_lines: Vec<BudgetLine>,
    /// Budget adjustments.
    pub adjustments: Vec<Adjustment>,
    /// Expenditures, in log order.
    pub expenditures: Vec<Expenditure>,
    /// 年度总体目标: expected.
    pub goal_expected: Option<Traced<String>>,
    /// 年度总体目标: actual completion.
    pub goal_actual: Option<Traced<String>>,
    /// Indicators, in definition order.
    pub indicators: Vec<Indicator>,
    /// The budget row marked not applicable.
    pub budget_not_applicable: Option<Note>,
    /// The budget execution score set by hand, replacing the automatic one
    /// (not a change of the budget: that is an [`Adjustment`]).
    pub budget_score_override: Option<ScoreOverride>,
    /// The workflow status.
    pub status: Status,
    /// Whether its latest approval locks it without a roster too (an
    /// approval recorded since rule A6 applies in open mode).
    pub approval_locks: bool,
    /// Every workflow step.
    pub workflow: Vec<WorkflowRecord>,
    /// Events that changed the project while it stood approved.
    pub changed_after_approval: Vec<u64>,
    /// Evidence files pinned by their hash (佐证材料).
    #[serde(default)]
    pub evidence: Vec<Evidence>,
    /// What a published 自评表 printed for the project, beside the computed
    /// figures.
    #[serde(default)]
    pub printed: Printed,
    /// What was recorded as printed although the clerk's path refuses it
    /// (`--as-printed`), one note per event and refusal.
    #[serde(default)]
    pub as_printed: Vec<Note>,
}

/// The figures a published 自评表 printed (`selfeval printed`, or
/// `import-table`), each with the event that recorded it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Printed {
    /// 总分.
    pub total: Option<Traced<Decimal>>,
    /// 执行率, in per cent.
    pub execution_rate: Option<Traced<Decimal>>,
    /// 预算执行率得分.
    pub budget_score: Option<Traced<Decimal>>,
    /// 自评等级.
    pub grade: Option<Traced<crate::profile::Grade>>,
}

/// A file pinned by its hash: its name, size and SHA-256, not its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// The event.
    pub seq: u64,
    /// The file name.
    pub file: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its SHA-256, lower-case hex.
    pub sha256: String,
    /// What it shows.
    pub note: String,
    /// Who pinned it.
    pub actor: String,
}

impl Project {
    /// 年初预算数: the latest amount of each source, summed.
    pub fn initial_budget(&self) -> Traced<Decimal> {
        let mut latest: BTreeMap<BudgetSource, &BudgetLine> = BTreeMap::new();
        for line in &self.budget_lines {
            latest.insert(line.source, line);
        }
        let mut seqs: Vec<u64> = self.budget_lines.iter().map(|l| l.seq).collect();
        seqs.sort_unstable();
        Traced { value: sum(latest.values().map(|l| l.amount)), seqs }
    }

    /// 全年预算数: the initial budget plus every adjustment.
    pub fn budget(&self) -> Traced<Decimal> {
        let initial = self.initial_budget();
        let mut seqs = initial.seqs;
        seqs.extend(self.adjustments.iter().map(|a| a.seq));
        seqs.sort_unstable();
        let delta = sum(self.adjustments.iter().map(|a| a.delta));
        Traced { value: add(initial.value, delta), seqs }
    }

    /// 全年执行数: every expenditure not reversed (the reversals are in the trace).
    pub fn executed(&self) -> Traced<Decimal> {
        let mut seqs = Vec::new();
        let mut total = Decimal::ZERO;
        for e in &self.expenditures {
            seqs.push(e.seq);
            match e.reversed_by {
                Some(reversal) => seqs.push(reversal.get()),
                None => total = add(total, e.amount),
            }
        }
        seqs.sort_unstable();
        Traced { value: total, seqs }
    }

    /// The funds block of the 自评表: for each source, (年初预算数,
    /// 全年预算数, 全年执行数), in the form's order.
    pub fn funds_by_source(&self) -> Vec<(BudgetSource, Decimal, Decimal, Decimal)> {
        [BudgetSource::CurrentAppropriation, BudgetSource::CarriedOver, BudgetSource::Other]
            .into_iter()
            .map(|source| {
                let initial =
                    self.budget_lines.iter().rev().find(|l| l.source == source).map_or(Decimal::ZERO, |l| l.amount);
                let adjusted = sum(self.adjustments.iter().filter(|a| a.source == source).map(|a| a.delta));
                let executed = sum(self
                    .expenditures
                    .iter()
                    .filter(|e| e.source == source && e.reversed_by.is_none())
                    .map(|e| e.amount));
                (source, initial, add(initial, adjusted), executed)
            })
            .collect()
    }

    /// The indicator with this code.
    pub fn indicator(&self, code: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.code == code)
    }

    fn indicator_mut(&mut self, code: &str) -> Option<&mut Indicator> {
        self.indicators.iter_mut().find(|i| i.code == code)
    }
}

/// A problem (问题) and its rectification (整改).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// The code.
    pub code: String,
    /// The project.
    pub project: String,
    /// The text.
    pub text: String,
    /// The event that identified it.
    pub seq: u64,
    /// The plan, if any.
    pub plan: Option<Plan>,
    /// Progress notes.
    pub progress: Vec<Note>,
    /// Completion with its evidence.
    pub completed: Option<Note>,
}

/// A rectification plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// The event.
    pub seq: u64,
    /// 整改措施.
    pub measure: String,
    /// 责任人.
    pub owner: String,
    /// 完成时限.
    pub due: NaiveDate,
}

/// Everything replayed from the log.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    /// The department, once the year is initialised.
    department: Option<Department>,
    /// Projects in registration order.
    projects: Vec<Project>,
    /// Problems in identification order.
    problems: Vec<Problem>,
    /// The roster, seals, signature policy and checkpoints.
    governance: Governance,
    /// Narratives by (section key, project).
    narratives: BTreeMap<(String, Option<String>), Note>,
    /// The last sequence number applied.
    last_seq: u64,
    /// The recorded time of the last event applied.
    last_recorded_at: Option<DateTime<Utc>>,
    /// Events whose values are beyond what can be computed with (written by
    /// an older version, before the ceilings): not applied, reported by D1.
    impossible: Vec<Impossible>,
    /// Lookups by code and by sequence number, derived from the lists above
    /// (not serialised: [`State::rebuild_index`] recomputes them).
    #[serde(skip)]
    index: Index,
}

/// An event whose value was not applied because it is out of range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Impossible {
    /// The event.
    pub seq: u64,
    /// The project, if the event is about one.
    pub project: Option<String>,
    /// Which value, and what it was.
    pub what: String,
}

/// The index key of a problem: codes are unique within a project.
fn problem_key(project: &str, code: &str) -> String {
    format!("{project}/{code}")
}

/// Positions in the lists of [`State`], so that a department of ten
/// thousand projects is not scanned for every event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Index {
    projects: foldhash::HashMap<String, usize>,
    problems: foldhash::HashMap<String, usize>,
}

/// The version of [`State`]'s serialised form. A snapshot of another
/// version is ignored and rebuilt: bump it whenever `State` or `apply` changes.
pub const STATE_VERSION: u32 = 12;

impl State {
    /// Recomputes the lookups after deserialising a snapshot.
    pub fn rebuild_index(&mut self) {
        let mut index = Index::default();
        index.projects.reserve(self.projects.len());
        for (p, project) in self.projects.iter().enumerate() {
            index.projects.insert(project.code.clone(), p);
        }
        for (q, problem) in self.problems.iter().enumerate() {
            index.problems.insert(problem_key(&problem.project, &problem.code), q);
        }
        self.index = index;
    }

    /// Folds events into a state: replay.
    pub fn replay<'a>(events: impl IntoIterator<Item = &'a RecordedEvent>) -> State {
        let mut state = State::default();
        for event in events {
            state.apply(event);
        }
        state
    }

    /// The department, once the year is initialised.
    pub fn department(&self) -> Option<&Department> {
        self.department.as_ref()
    }

    /// The roster, seals, signature policy and checkpoints.
    pub fn governance(&self) -> &Governance {
        &self.governance
    }

    /// Projects in registration order.
    pub fn projects(&self) -> &[Project] {
        &self.projects
    }

    /// Problems in identification order.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// Narratives by (section key, project), in key order.
    pub fn narratives(&self) -> &BTreeMap<(String, Option<String>), Note> {
        &self.narratives
    }

    /// The narrative of a section, for the department (`None`) or a project.
    pub fn narrative(&self, section: &str, project: Option<&str>) -> Option<&Note> {
        self.narratives.get(&(section.to_owned(), project.map(str::to_owned)))
    }

    /// The events whose values were out of range and were not applied.
    pub fn impossible(&self) -> &[Impossible] {
        &self.impossible
    }

    /// The last sequence number applied (0 for an empty log).
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// The recorded time of the last event applied.
    pub fn last_recorded_at(&self) -> Option<DateTime<Utc>> {
        self.last_recorded_at
    }

    /// The project with this code.
    pub fn project(&self, code: &str) -> Option<&Project> {
        self.index.projects.get(code).map(|i| &self.projects[*i])
    }

    fn project_mut(&mut self, code: &str) -> Option<&mut Project> {
        self.index.projects.get(code).map(|i| &mut self.projects[*i])
    }

    /// The problem with this code.
    pub fn problem(&self, project: &str, code: &str) -> Option<&Problem> {
        self.index.problems.get(&problem_key(project, code)).map(|i| &self.problems[*i])
    }

    /// Every problem with this code, in any project (codes are per project).
    pub fn problems_coded(&self, code: &str) -> Vec<&Problem> {
        self.problems.iter().filter(|q| q.code == code).collect()
    }

    fn problem_mut(&mut self, project: &str, code: &str) -> Option<&mut Problem> {
        self.index.problems.get(&problem_key(project, code)).map(|i| &mut self.problems[*i])
    }

    /// The expenditure recorded by event `seq`, with its project.
    pub fn expenditure(&self, seq: u64) -> Option<(&Project, &Expenditure)> {
        let (p, e) = self.find_expenditure(None, seq)?;
        Some((&self.projects[p], &self.projects[p].expenditures[e]))
    }

    /// Where the expenditure recorded by event `seq` is: first in the named
    /// project, else in any. A project's expenditures are in log order, so
    /// each project is a binary search (no map of every expenditure: it
    /// cost a tenth of a million-event report to rebuild from a snapshot).
    fn find_expenditure(&self, project: Option<&str>, seq: u64) -> Option<(usize, usize)> {
        let in_project = |p: usize| self.projects[p].expenditures.binary_search_by_key(&seq, |e| e.seq).ok();
        if let Some(p) = project.and_then(|code| self.index.projects.get(code).copied()) {
            if let Some(e) = in_project(p) {
                return Some((p, e));
            }
        }
        (0..self.projects.len()).find_map(|p| in_project(p).map(|e| (p, e)))
    }

    /// Applies one event. Events in the log were validated when recorded, so
    /// this never fails; a reference to something unknown changes nothing.
    pub fn apply(&mut self, event: &RecordedEvent) {
        if let Some((project, what)) = out_of_range(&event.payload) {
            // Not applied: a value no computation can carry. D1 reports it.
            self.impossible.push(Impossible { seq: event.seq, project, what });
            self.last_seq = event.seq;
            self.last_recorded_at = Some(event.meta.recorded_at);
            return;
        }
        let seq = event.seq;
        let note = |text: String| Note { seq, text, actor: event.meta.actor.clone(), at: event.meta.occurred_at };
        let reason = || event.meta.reason.clone().unwrap_or_default();
        // What the approval covers: the evaluation, not the follow-up of its
        // problems (rectification goes on after approval by design).
        let outside_the_approval = matches!(
            event.payload,
            EventPayload::SelfEvaluationSubmitted(_)
                | EventPayload::SelfEvaluationApproved(_)
                | EventPayload::SelfEvaluationReturned(_)
                | EventPayload::ProblemIdentified(_)
                | EventPayload::ProblemAmended(_)
                | EventPayload::ProblemWithdrawn(_)
                | EventPayload::RectificationPlanned(_)
                | EventPayload::RectificationProgressed(_)
                | EventPayload::RectificationCompleted(_)
                | EventPayload::SelfEvaluationReopened(_)
                | EventPayload::CommandSigned(_)
                | EventPayload::EvidenceAdded(_)
        );
        if !outside_the_approval {
            if let Some(code) = event.payload.stream().strip_prefix("project/") {
                if let Some(project) = self.project_mut(code).filter(|p| p.status == Status::Approved) {
                    project.changed_after_approval.push(seq);
                }
            }
        }
        if self.governance.apply(event) {
            self.last_seq = seq;
            self.last_recorded_at = Some(event.meta.recorded_at);
            return;
        }
        match &event.payload {
            EventPayload::YearInitialised(p) => {
                self.department = Some(Department {
                    name: p.department.clone(),
                    year: p.year,
                    profile: p.profile.clone(),
                    unit: p.unit.unwrap_or_default(),
                    seqs: vec![seq],
                });
            }
            EventPayload::DisplayUnitChanged(p) => {
                if let Some(department) = &mut self.department {
                    department.unit = p.unit;
                    department.seqs.push(seq);
                }
            }
            EventPayload::RuleProfileChanged(p) => {
                if let Some(department) = &mut self.department {
                    department.profile = p.profile.clone();
                    department.seqs.push(seq);
                }
            }
            EventPayload::ProjectRegistered(p) => {
                self.index.projects.insert(p.project.clone(), self.projects.len());
                self.projects.push(Project {
                    code: p.project.clone(),
                    name: p.name.clone(),
                    category: p.category.clone(),
                    section: p.section.clone(),
                    owner: None,
                    budget_weight: p.budget_weight,
                    registered_seq: seq,
                    budget_lines: Vec::new(),
                    adjustments: Vec::new(),
                    expenditures: Vec::new(),
                    goal_expected: None,
                    goal_actual: None,
                    indicators: Vec::new(),
                    budget_not_applicable: None,
                    budget_score_override: None,
                    status: Status::Draft,
                    approval_locks: false,
                    workflow: Vec::new(),
                    changed_after_approval: Vec::new(),
                    evidence: Vec::new(),
                    printed: Printed::default(),
                    as_printed: Vec::new(),
                });
            }
            EventPayload::BudgetSet(p) => {
                if let Some(project) = self.project_mut(&p.project) {
                    project.budget_lines.push(BudgetLine {
                        seq,
                        effective: event.meta.occurred_at,
                        amount: p.amount,
                        source: p.source,
                    });
                }
            }
            EventPayload::BudgetAdjusted(p) => {
                if let Some(project) = self.project_mut(&p.project) {
                    project.adjustments.push(Adjustment {
                        seq,
                        delta: p.delta,
                        doc: p.doc.clone(),
                        source: p.source.unwrap_or(BudgetSource::CurrentAppropriation),
                    });
                }
            }
            EventPayload::ExpenditureRecorded(p) => {
                if let Some(&at) = self.index.projects.get(&p.project) {
                    let project = &mut self.projects[at];
                    project.expenditures.push(Expenditure {
                        seq,
                        amount: p.amount,
                        date: p.date,
                        voucher: p.voucher.as_deref().map(Box::from),
                        source: p.source.unwrap_or(BudgetSource::CurrentAppropriation),
                        reversed_by: None,
                    });
                }
            }
            EventPayload::ExpenditureReversed(p) => {
                if let Some((at, e)) = self.find_expenditure(Some(&p.project), p.expenditure_seq) {
                    self.projects[at].expenditures[e].reversed_by = std::num::NonZeroU64::new(seq);
                }
            }
            EventPayload::RecordedAsPrinted(p) => {
                if let Some(project) = self.project_mut(&p.project) {
                    project.as_printed.extend(p.notes.iter().map(|text| note(text.clone())));
                }
            }
            EventPayload::PrintedFiguresRecorded(p) => {
                if let Some(project) = self.project_mut(&p.project) {
                    let printed = &mut project.printed;
                    let traced = |value| Some(Traced { value, seqs: vec![seq] });
                    if let Some(v) = p.total {
                        printed.total = traced(v);
                    }
                    if let Some(v) = p.execution_rate {
                        printed.execution_rate = traced(v);
                    }
                    if let Some(v) = p.budget_score {
                        printed.budget_score = traced(v);
                    }
                    if let Some(g) = p.grade {
                        printed.grade = Some(Traced { value: g, seqs: vec![seq] });
                    }
                }
            }
            EventPayload::GoalSet(p) => {
                if let Some(project) = self.project_mut(&p.project) {
                    if let Some(text) = &p.expected {
                        project.goal_expected = Some(Traced { value: text.clone(), seqs: vec![seq] });
                    }
                    if let Some(text) = &p.actual {
                        project.goal_actual = Some(Traced { value: text.clone(), seqs: vec![seq] });
                    }
                }
            }
            EventPayload::IndicatorDefined(p) => {
                if let Some(project) = self.project_mut(&p.project) {
                    project.indicators.push(Indicator {
                        code: p.indicator.clone(),
                        level1: p.level1.clone(),
                        level2: p.level2.clone(),
                        name: p.name.clone(),
                        target: p.target.clone(),
                        weight: p.weight,
                        defined_seq: seq,
                        reason: event.meta.reason.clone(),
                        actual: None,
                        not_applicable: p
                            .not_applicable
                            .then(|| note(event.meta.reason.clone().unwrap_or_else(|| "原表分值为「/」".to_owned()))),
                        score_override: None,
                        amended: Vec::new(),
                        weight_in_percent: p.weight_in_percent,
                        weightless: p.not_applicable,
                    });
                }
            }
            EventPayload::IndicatorActualRecorded(p) => {
                if let Some(indicator) = self.project_mut(&p.project).and_then(|pr| pr.indicator_mut(&p.indicator)) {
                    indicator.actual = Some(Actual {
                        seq,
                        effective: event.meta.occurred_at,
                        value: p.value.clone(),
                        number: p.number,
                        level: p.level,
                        score: p.score,
                        deviation_reason: p.deviation_reason.clone(),
                        measure: p.measure.clone(),
                    });
                    // A new actual replaces the basis of any earlier manual score.
                    if p.clears_override {
                        indicator.score_override = None;
                    }
                }
            }
            EventPayload::MarkedNotApplicable(p) => {
                if let Some(project) = self.project_mut(&p.project) {
                    if p.item == BUDGET_ITEM {
                        project.budget_not_applicable = Some(note(reason()));
                    } else if let Some(indicator) = project.indicator_mut(&p.item) {
                        indicator.not_applicable = Some(note(reason()));
                    }
                }
            }
            EventPayload::ScoreAdjusted(p) => {
                if let Some(project) = self.project_mut(&p.project) {
                    let score_override =
                        ScoreOverride { seq, score: p.score, reason: reason(), actor: event.meta.actor.clone() };
                    if p.item == BUDGET_ITEM {
                        project.budget_score_override = Some(score_override);
                    } else if let Some(indicator) = project.indicator_mut(&p.item) {
                        indicator.score_override = Some(score_override);
                    }
                }
            }
            EventPayload::ProblemIdentified(p) => {
                self.index.problems.insert(problem_key(&p.project, &p.problem), self.problems.len());
                self.problems.push(Problem {
                    code: p.problem.clone(),
                    project: p.project.clone(),
                    text: p.text.clone(),
                    seq,
                    plan: None,
                    progress: Vec::new(),
                    completed: None,
                });
            }
            EventPayload::RectificationPlanned(p) => {
                if let Some(problem) = self.problem_mut(&p.project, &p.problem) {
                    problem.plan = Some(Plan { seq, measure: p.measure.clone(), owner: p.owner.clone(), due: p.due });
                }
            }
            EventPayload::RectificationProgressed(p) => {
                if let Some(problem) = self.problem_mut(&p.project, &p.problem) {
                    problem.progress.push(note(p.note.clone()));
                }
            }
            EventPayload::RectificationCompleted(p) => {
                if let Some(problem) = self.problem_mut(&p.project, &p.problem) {
                    problem.completed = Some(note(p.evidence.clone()));
                }
            }
            EventPayload::NarrativeSet(p) => {
                self.narratives.insert((p.section.clone(), p.project.clone()), note(p.text.clone()));
            }
            EventPayload::IndicatorAmended(p) => {
                if let Some(indicator) = self.project_mut(&p.project).and_then(|pr| pr.indicator_mut(&p.indicator)) {
                    if let Some(v) = &p.level1 {
                        indicator.level1 = v.clone();
                    }
                    if let Some(v) = &p.level2 {
                        indicator.level2 = v.clone();
                    }
                    if let Some(v) = &p.name {
                        indicator.name = v.clone();
                    }
                    if let Some(v) = &p.target {
                        indicator.target = v.clone();
                    }
                    if let Some(v) = p.weight {
                        indicator.weight = v;
                    }
                    // What the amendment says it clears (v1: whatever a new
                    // target or new points touched, as upcast).
                    if p.clears_actual {
                        indicator.actual = None;
                    }
                    if p.clears_override {
                        indicator.score_override = None;
                    }
                    indicator.amended.push(seq);
                }
            }
            EventPayload::IndicatorWithdrawn(p) => {
                if let Some(project) = self.project_mut(&p.project) {
                    project.indicators.retain(|i| i.code != p.item);
                }
            }
            EventPayload::NotApplicableUndone(p) => {
                if let Some(project) = self.project_mut(&p.project) {
                    if p.item == BUDGET_ITEM {
                        project.budget_not_applicable = None;
                    } else if let Some(indicator) = project.indicator_mut(&p.item) {
                        indicator.not_applicable = None;
                    }
                }
            }
            EventPayload::ScoreOverrideCleared(p) => {
                if let Some(project) = self.project_mut(&p.project) {
                    if p.item == BUDGET_ITEM {
                        project.budget_score_override = None;
                    } else if let Some(indicator) = project.indicator_mut(&p.item) {
                        indicator.score_override = None;
                    }
                }
            }
            EventPayload::ProblemAmended(p) => {
                if let Some(problem) = self.problem_mut(&p.project, &p.problem) {
                    problem.text = p.text.clone();
                }
            }
            EventPayload::ProblemWithdrawn(p) => {
                self.problems.retain(|q| !(q.project == p.project && q.code == p.problem));
                self.rebuild_index();
            }
            EventPayload::ProjectAmended(p) => {
                if let Some(project) = self.project_mut(&p.project) {
                    if let Some(v) = &p.name {
                        project.name = v.clone();
                    }
                    if let Some(v) = &p.section {
                        project.section = Some(v.clone());
                    }
                    if let Some(v) = &p.category {
                        project.category = Some(v.clone());
                    }
                    if let Some(v) = &p.owner {
                        project.owner = Some(v.clone());
                    }
                }
            }
            EventPayload::ProjectWithdrawn(p) => {
                self.projects.retain(|pr| pr.code != p.project);
                self.problems.retain(|q| q.project != p.project);
                self.narratives.retain(|(_, project), _| project.as_deref() != Some(p.project.as_str()));
                self.rebuild_index();
            }
            EventPayload::SelfEvaluationSubmitted(p) => self.step(&p.project, Status::Submitted, note(reason())),
            EventPayload::SelfEvaluationApproved(p) => {
                self.step(&p.project, Status::Approved, note(reason()));
                if let Some(project) = self.project_mut(&p.project) {
                    project.approval_locks = p.locks;
                }
            }
            EventPayload::SelfEvaluationReturned(p) => self.step(&p.project, Status::Returned, note(reason())),
            EventPayload::SelfEvaluationReopened(p) => self.step(&p.project, Status::Draft, note(reason())),
            EventPayload::EvidenceAdded(p) => {
                if let Some(project) = self.project_mut(&p.project) {
                    project.evidence.push(Evidence {
                        seq,
                        file: p.file.clone(),
                        size: p.size,
                        sha256: p.sha256.clone(),
                        note: p.note.clone(),
                        actor: event.meta.actor.clone(),
                    });
                }
            }
            EventPayload::MemberAdded(_)
            | EventPayload::MemberRemoved(_)
            | EventPayload::MemberKeyChanged(_)
            | EventPayload::YearSealed(_)
            | EventPayload::YearUnsealed(_)
            | EventPayload::SignaturePolicySet(_)
            | EventPayload::CommandSigned(_)
            | EventPayload::CheckpointRecorded(_) => unreachable!("applied by governance"),
        }
        self.last_seq = seq;
        self.last_recorded_at = Some(event.meta.recorded_at);
    }

    fn step(&mut self, code: &str, status: Status, note: Note) {
        if let Some(project) = self.project_mut(code) {
            project.status = status;
            project.workflow.push(WorkflowRecord { status, note });
            // Returned, the project is open again; approved again, the new
            // approval covers what changed before it.
            if matches!(status, Status::Returned | Status::Approved | Status::Draft) {
                project.changed_after_approval.clear();
            }
        }
    }
}
