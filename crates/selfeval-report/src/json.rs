//! The JSON report (`report --format json`, `format_version` 1): amounts,
//! rates and scores are strings with two decimals; an undefined rate is null.

use rust_decimal::Decimal;
use selfeval_core::check::Finding;
use selfeval_core::report::{Figure, IndicatorRow, ProjectReport, ReportModel};
use selfeval_core::scoring::{rate_percent, Deviation};
use selfeval_core::values::{fmt2, fmt_plain};
use serde_json::{json, Value};

fn two(value: Option<Decimal>) -> Value {
    value.map_or(Value::Null, |v| Value::String(fmt2(v)))
}

fn rate(figure: &Figure) -> Value {
    two(figure.value.map(rate_percent))
}

fn deviation(row: &IndicatorRow) -> Value {
    match row.deviation {
        Some(Deviation::Under) => json!("under"),
        Some(Deviation::Over) => json!("over"),
        None => Value::Null,
    }
}

fn indicator(row: &IndicatorRow) -> Value {
    json!({
        "code": row.code,
        "level1": row.level1,
        "level2": row.level2,
        "name": row.name,
        "target": row.target,
        "actual": row.actual,
        "level": row.level.map(|l| l.label()),
        "weight": fmt_plain(row.weight),
        "score": two(row.score.value),
        "auto_score": two(row.auto_score),
        "adjusted": row.adjusted,
        "not_applicable": row.not_applicable,
        "completion": two(row.completion),
        "deviation": deviation(row),
        "reason": row.deviation_reason,
        "measure": row.measure,
        "events": crate::ranges(&row.score.seqs),
    })
}

fn project(p: &ProjectReport) -> Value {
    json!({
        "code": p.code,
        "name": p.name,
        "category": p.category,
        "section": p.section,
        "status": p.status,
        "initial_budget": two(p.initial_budget.value),
        "budget": two(p.budget.value),
        "executed": two(p.executed.value),
        "execution_rate": rate(&p.execution_rate),
        "budget_weight": fmt_plain(p.budget_weight),
        "budget_score": two(p.budget_score.value),
        "budget_auto_score": two(p.budget_auto_score),
        "budget_adjusted": p.budget_adjusted,
        "budget_not_applicable": p.budget_not_applicable,
        "total_score": two(p.total_score.value),
        "grade": p.grade.map(|g| g.label()),
        "goal": {"expected": p.goal_expected, "actual": p.goal_actual},
        "indicators": p.indicators.iter().map(indicator).collect::<Vec<_>>(),
        // The primary lists; execution_rate is budget ∪ executed, and
        // total_score is budget_score ∪ the indicators' events.
        "events": {
            "budget": crate::ranges(&p.budget.seqs),
            "executed": crate::ranges(&p.executed.seqs),
            "budget_score": crate::ranges(&p.budget_score.seqs.iter().copied().filter(|s| p.execution_rate.seqs.binary_search(s).is_err()).collect::<Vec<_>>()),
            "goal": crate::ranges(&p.goal_seqs),
        },
    })
}

/// The findings as JSON objects.
pub fn findings_json(findings: &[Finding]) -> Value {
    Value::Array(
        findings
            .iter()
            .map(|f| {
                json!({
                    "rule": f.rule,
                    "severity": f.severity.as_str(),
                    "project": f.project,
                    "message": f.message,
                    "events": f.events,
                })
            })
            .collect(),
    )
}

/// The whole report as JSON.
pub fn report_json(model: &ReportModel) -> Value {
    let t = &model.totals;
    json!({
        "format_version": 1,
        "department": model.department,
        "year": model.year,
        "profile": model.profile,
        "as_of": {
            "seq": model.basis.seq,
            "recorded_at": model.basis.recorded_at.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            "head_hash": model.basis.head_hash,
        },
        "totals": {
            "initial_budget": two(t.initial_budget.value),
            "budget": two(t.budget.value),
            "executed": two(t.executed.value),
            "execution_rate": rate(&t.execution_rate),
        },
        "average_score": two(t.average_score.value),
        "coverage": {"projects": t.in_scope, "evaluated": t.evaluated, "registered": model.projects.len()},
        "grades": {"优": t.grade_counts[0], "良": t.grade_counts[1], "中": t.grade_counts[2], "差": t.grade_counts[3]},
        "projects": model.projects.iter().map(project).collect::<Vec<_>>(),
        "problems": model.problems.iter().map(|q| json!({
            "code": q.code,
            "project": q.project,
            "text": q.text,
            "rectification": {
                "measure": q.measure,
                "owner": q.owner,
                "due": q.due.map(|d| d.to_string()),
                "status": q.status.as_str(),
            },
            "events": crate::ranges(&q.seqs),
        })).collect::<Vec<_>>(),
        "narratives": model.narratives.iter().map(|n| json!({
            "section": n.section, "project": n.project, "text": n.text, "actor": n.actor, "event": n.seq,
        })).collect::<Vec<_>>(),
        "findings": findings_json(&model.findings),
        "events": {
            "initial_budget": crate::ranges(&t.initial_budget.seqs),
            "budget": crate::ranges(&t.budget.seqs),
            "executed": crate::ranges(&t.executed.seqs),
            "execution_rate": crate::ranges(&t.execution_rate.seqs),
            "average_score": crate::ranges(&t.average_score.seqs),
        },
    })
}

/// One project's 自评表 as JSON (the same object as in the report).
pub fn table_json(model: &ReportModel, p: &ProjectReport) -> Value {
    let mut value = project(p);
    value["department"] = json!(model.department);
    value["year"] = json!(model.year);
    value["as_of"] = json!({"seq": model.basis.seq, "head_hash": model.basis.head_hash});
    value
}
