//! The state replayed from events. `apply` only changes state (its rooms,
//! one per subject, are this module's own files): every rule lives in
//! [`crate::handle`] and the judge. Each fact remembers the sequence number of
//! the event it came from, which is what makes figures traceable.

#![deny(clippy::arithmetic_side_effects)]

mod apply;
mod indicators;
mod money;
mod problems;
mod projects;

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::arith::{add, sum};
use crate::event::{BudgetSource, EventPayload, Meta, RecordedEvent};
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
}

/// The event being applied, as its room needs it.
struct At<'a> {
    seq: u64,
    meta: &'a Meta,
}

impl At<'_> {
    /// A note of this event: `text`, by its actor, at its business time.
    fn note(&self, text: String) -> Note {
        Note { seq: self.seq, text, actor: self.meta.actor.clone(), at: self.meta.occurred_at }
    }

    /// The event's reason, or nothing.
    fn reason(&self) -> String {
        self.meta.reason.clone().unwrap_or_default()
    }
}
