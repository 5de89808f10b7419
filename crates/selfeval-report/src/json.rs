//! The JSON report (`report --format json`, `format_version` 2): amounts
//! are exact decimal strings in the department's display unit (`unit`),
//! never rounded; rates and scores have two decimals. (Version 1 rounded
//! amounts to two decimals in 万元.) Formerly: amounts,
//! rates and scores are strings with two decimals; an undefined rate is null.
//!
//! Written through typed structs that borrow from the model, so a report of
//! ten thousand projects is serialised without building a value tree.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use selfeval_core::check::Finding;
use selfeval_core::report::{Figure, IndicatorRow, ProjectReport, ReportModel};
use selfeval_core::scoring::{rate_percent, Deviation};
use selfeval_core::state::Status;
use selfeval_core::values::{fmt2, fmt_plain, AmountUnit};
use selfeval_core::Evaluation;
use serde::Serialize;
use serde_json::Value;

fn two(value: Option<Decimal>) -> Option<String> {
    value.map(fmt2)
}

fn rate(figure: &Figure) -> Option<String> {
    two(figure.value.map(rate_percent))
}

#[derive(Serialize)]
struct IndicatorJson<'a> {
    code: &'a str,
    level1: &'a str,
    level2: &'a str,
    name: &'a str,
    target: &'a str,
    actual: Option<&'a str>,
    level: Option<&'static str>,
    weight: String,
    score: Option<String>,
    auto_score: Option<String>,
    #[serde(rename = "adjusted")]
    override_reason: Option<&'a str>,
    not_applicable: Option<&'a str>,
    completion: Option<String>,
    deviation: Option<&'static str>,
    reason: Option<&'a str>,
    measure: Option<&'a str>,
    events: String,
}

fn indicator(row: &IndicatorRow) -> IndicatorJson<'_> {
    IndicatorJson {
        code: &row.code,
        level1: &row.level1,
        level2: &row.level2,
        name: &row.name,
        target: &row.target,
        actual: row.actual.as_deref(),
        level: row.level.map(|l| l.label()),
        weight: if row.weightless { "/".to_owned() } else { fmt_plain(row.weight) },
        score: two(row.score.value),
        auto_score: two(row.auto_score),
        override_reason: row.override_reason.as_deref(),
        not_applicable: row.not_applicable.as_deref(),
        completion: two(row.completion),
        deviation: row.deviation.map(|d| match d {
            Deviation::Under => "under",
            Deviation::Over => "over",
        }),
        reason: row.deviation_reason.as_deref(),
        measure: row.measure.as_deref(),
        events: crate::ranges(&row.score.seqs),
    }
}

#[derive(Serialize)]
struct GoalJson<'a> {
    expected: Option<&'a str>,
    actual: Option<&'a str>,
}

/// The primary seq lists of a project; execution_rate is budget ∪ executed,
/// total_score is budget_score ∪ the indicators' events.
#[derive(Serialize)]
struct ProjectEvents {
    budget: String,
    executed: String,
    budget_score: String,
    goal: String,
}

#[derive(Serialize)]
struct ProjectJson<'a> {
    code: &'a str,
    name: &'a str,
    category: Option<&'a str>,
    section: Option<&'a str>,
    owner: Option<&'a str>,
    status: Status,
    initial_budget: Option<String>,
    budget: Option<String>,
    executed: Option<String>,
    execution_rate: Option<String>,
    budget_weight: String,
    budget_score: Option<String>,
    budget_auto_score: Option<String>,
    #[serde(rename = "budget_adjusted")]
    budget_override_reason: Option<&'a str>,
    budget_not_applicable: Option<&'a str>,
    total_score: Option<String>,
    grade: Option<&'static str>,
    goal: GoalJson<'a>,
    funds: Vec<FundsJson>,
    indicators: Vec<IndicatorJson<'a>>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    evidence: &'a [selfeval_core::state::Evidence],
    /// What a published table printed, as typed (`selfeval printed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    printed: Option<PrintedJson>,
    events: ProjectEvents,
}

/// The figures a published 自评表 printed, as typed, and their events.
#[derive(Serialize)]
struct PrintedJson {
    total: Option<String>,
    execution_rate: Option<String>,
    budget_score: Option<String>,
    grade: Option<&'static str>,
    events: String,
}

fn printed(p: &selfeval_core::state::Printed) -> Option<PrintedJson> {
    let text = |v: &Option<selfeval_core::state::Traced<Decimal>>| v.as_ref().map(|t| t.value.to_string());
    let mut seqs: Vec<u64> = [&p.total, &p.execution_rate, &p.budget_score]
        .into_iter()
        .flatten()
        .flat_map(|t| t.seqs.iter().copied())
        .chain(p.grade.iter().flat_map(|g| g.seqs.iter().copied()))
        .collect();
    if seqs.is_empty() {
        return None;
    }
    seqs.sort_unstable();
    seqs.dedup();
    Some(PrintedJson {
        total: text(&p.total),
        execution_rate: text(&p.execution_rate),
        budget_score: text(&p.budget_score),
        grade: p.grade.as_ref().map(|g| g.value.label()),
        events: crate::ranges(&seqs),
    })
}

/// One 其中 row of the funds block: amounts exact, in the display unit.
#[derive(Serialize)]
struct FundsJson {
    source: selfeval_core::event::BudgetSource,
    initial_budget: Option<String>,
    budget: String,
    executed: String,
}

fn project(p: &ProjectReport, unit: AmountUnit) -> ProjectJson<'_> {
    let exact = |v: Option<Decimal>| v.map(|v| unit.exact(v));
    let extra: Vec<u64> =
        p.budget_score.seqs.iter().copied().filter(|s| p.execution_rate.seqs.binary_search(s).is_err()).collect();
    ProjectJson {
        code: &p.code,
        name: &p.name,
        category: p.category.as_deref(),
        section: p.section.as_deref(),
        owner: p.owner.as_deref(),
        status: p.status,
        // A blank 年初预算数 (only adjustments recorded) is null, not 0.
        initial_budget: exact(p.initial_budget.value.filter(|_| !p.initial_budget_blank)),
        budget: exact(p.budget.value),
        executed: exact(p.executed.value),
        execution_rate: rate(&p.execution_rate),
        budget_weight: fmt_plain(p.budget_weight),
        budget_score: two(p.budget_score.value),
        budget_auto_score: two(p.budget_auto_score),
        budget_override_reason: p.budget_override_reason.as_deref(),
        budget_not_applicable: p.budget_not_applicable.as_deref(),
        total_score: two(p.total_score.value),
        grade: p.grade.map(|g| g.label()),
        goal: GoalJson { expected: p.goal_expected.as_deref(), actual: p.goal_actual.as_deref() },
        funds: p
            .funds
            .iter()
            .map(|f| FundsJson {
                source: f.source,
                initial_budget: (!p.initial_budget_blank).then(|| unit.exact(f.initial_budget)),
                budget: unit.exact(f.budget),
                executed: unit.exact(f.executed),
            })
            .collect(),
        indicators: p.indicators.iter().map(indicator).collect(),
        evidence: &p.evidence,
        printed: printed(&p.printed),
        events: ProjectEvents {
            budget: crate::ranges(&p.budget.seqs),
            executed: crate::ranges(&p.executed.seqs),
            budget_score: crate::ranges(&extra),
            goal: crate::ranges(&p.goal_seqs),
        },
    }
}

#[derive(Serialize)]
struct FindingJson<'a> {
    rule: &'static str,
    severity: &'static str,
    project: Option<&'a str>,
    message: &'a str,
    events: &'a [u64],
}

fn findings(list: &[Finding]) -> Vec<FindingJson<'_>> {
    list.iter()
        .map(|f| FindingJson {
            rule: f.rule,
            severity: f.severity.as_str(),
            project: f.project.as_deref(),
            message: &f.message,
            events: &f.events,
        })
        .collect()
}

/// The findings as JSON objects.
pub fn findings_json(list: &[Finding]) -> Value {
    serde_json::to_value(findings(list)).expect("findings serialize")
}

#[derive(Serialize)]
struct AsOf<'a> {
    seq: u64,
    recorded_at: Option<String>,
    head_hash: &'a str,
}

#[derive(Serialize)]
struct Totals {
    initial_budget: Option<String>,
    budget: Option<String>,
    executed: Option<String>,
    execution_rate: Option<String>,
}

#[derive(Serialize)]
struct Coverage {
    projects: usize,
    evaluated: usize,
    registered: usize,
}

#[derive(Serialize)]
struct Rectification<'a> {
    measure: Option<&'a str>,
    owner: Option<&'a str>,
    due: Option<String>,
    status: &'static str,
}

#[derive(Serialize)]
struct ProblemJson<'a> {
    code: &'a str,
    project: &'a str,
    text: &'a str,
    rectification: Rectification<'a>,
    events: String,
}

#[derive(Serialize)]
struct NarrativeJson<'a> {
    section: &'a str,
    project: Option<&'a str>,
    text: &'a str,
    actor: &'a str,
    event: u64,
}

#[derive(Serialize)]
struct TotalEvents {
    initial_budget: String,
    budget: String,
    executed: String,
    execution_rate: String,
    average_score: String,
}

#[derive(Serialize)]
struct ReportJson<'a> {
    format_version: u32,
    unit: &'static str,
    department: &'a str,
    year: i32,
    profile: &'a str,
    as_of: AsOf<'a>,
    totals: Totals,
    average_score: Option<String>,
    coverage: Coverage,
    grades: BTreeMap<&'static str, usize>,
    projects: Vec<ProjectJson<'a>>,
    problems: Vec<ProblemJson<'a>>,
    narratives: Vec<NarrativeJson<'a>>,
    findings: Vec<FindingJson<'a>>,
    events: TotalEvents,
    /// Absent in open mode with no seal and no checkpoint.
    #[serde(skip_serializing_if = "Option::is_none")]
    governance: Option<GovernanceJson<'a>>,
}

/// The roster, the seals and the checkpoints, as the report states them.
#[derive(Serialize)]
struct GovernanceJson<'a> {
    roster: Vec<MemberJson<'a>>,
    signatures_required: bool,
    seals: &'a [selfeval_core::governance::Seal],
    sealed: bool,
    changed_after_seal: &'a [selfeval_core::governance::AfterSeal],
    latest_checkpoint: Option<&'a selfeval_core::governance::Checkpoint>,
}

#[derive(Serialize)]
struct MemberJson<'a> {
    name: &'a str,
    section: &'a str,
    role: &'static str,
    key: Option<String>,
}

fn governance(g: &selfeval_core::governance::Governance) -> Option<GovernanceJson<'_>> {
    let anything = g.has_roster() || !g.seals.is_empty() || !g.checkpoints.is_empty();
    anything.then(|| GovernanceJson {
        roster: g
            .current_members()
            .map(|m| MemberJson {
                name: &m.name,
                section: &m.section,
                role: m.role.as_str(),
                key: m.key.as_deref().and_then(selfeval_core::roles::fingerprint),
            })
            .collect(),
        signatures_required: g.signatures_required.is_some(),
        seals: &g.seals,
        sealed: g.sealed().is_some(),
        changed_after_seal: &g.after_seal,
        latest_checkpoint: g.latest_checkpoint(),
    })
}

fn report(evaluation: &Evaluation) -> ReportJson<'_> {
    let model = &evaluation.model;
    let t = &model.totals;
    ReportJson {
        format_version: 2,
        unit: model.unit.label(),
        department: &model.department,
        year: model.year,
        profile: &model.profile,
        as_of: AsOf {
            seq: model.basis.seq,
            recorded_at: model.basis.recorded_at.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            head_hash: &model.basis.head_hash,
        },
        totals: Totals {
            initial_budget: t.initial_budget.value.map(|v| model.unit.exact(v)),
            budget: t.budget.value.map(|v| model.unit.exact(v)),
            executed: t.executed.value.map(|v| model.unit.exact(v)),
            execution_rate: rate(&t.execution_rate),
        },
        average_score: two(t.average_score.value),
        coverage: Coverage { projects: t.in_scope, evaluated: t.evaluated, registered: model.projects.len() },
        grades: [
            ("优", t.grade_counts[0]),
            ("良", t.grade_counts[1]),
            ("中", t.grade_counts[2]),
            ("差", t.grade_counts[3]),
        ]
        .into_iter()
        .collect(),
        projects: model.projects.iter().map(|p| project(p, model.unit)).collect(),
        problems: model
            .problems
            .iter()
            .map(|q| ProblemJson {
                code: &q.code,
                project: &q.project,
                text: &q.text,
                rectification: Rectification {
                    measure: q.measure.as_deref(),
                    owner: q.owner.as_deref(),
                    due: q.due.map(|d| d.to_string()),
                    status: q.status.as_str(),
                },
                events: crate::ranges(&q.seqs),
            })
            .collect(),
        narratives: model
            .narratives
            .iter()
            .map(|n| NarrativeJson {
                section: &n.section,
                project: n.project.as_deref(),
                text: &n.text,
                actor: &n.actor,
                event: n.seq,
            })
            .collect(),
        findings: findings(&evaluation.findings),
        events: TotalEvents {
            initial_budget: crate::ranges(&t.initial_budget.seqs),
            budget: crate::ranges(&t.budget.seqs),
            executed: crate::ranges(&t.executed.seqs),
            execution_rate: crate::ranges(&t.execution_rate.seqs),
            average_score: crate::ranges(&t.average_score.seqs),
        },
        governance: governance(&model.governance),
    }
}

/// The whole report as a JSON value (for tests and small reports).
pub fn report_json(evaluation: &Evaluation) -> Value {
    serde_json::to_value(report(evaluation)).expect("the report serializes")
}

/// Writes the whole report as one line of JSON and a newline.
pub fn write_report_json(evaluation: &Evaluation, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, &report(evaluation))?;
    out.write_all(b"\n")
}

/// One project's 自评表 as JSON (the same object as in the report).
pub fn table_json(model: &ReportModel, p: &ProjectReport) -> Value {
    let mut value = serde_json::to_value(project(p, model.unit)).expect("a project serializes");
    value["unit"] = serde_json::json!(model.unit.label());
    value["department"] = serde_json::json!(model.department);
    value["year"] = serde_json::json!(model.year);
    value["as_of"] = serde_json::json!({"seq": model.basis.seq, "head_hash": model.basis.head_hash});
    value
}
