//! Lists a person asks for: the projects (`project list`) and the problems
//! with their rectification (`problem list`) and the roster (`member
//! list`), as tables and as JSON.

use selfeval_core::governance::{Governance, Member};
use selfeval_core::report::ReportModel;
use selfeval_core::roles::fingerprint;
use selfeval_core::scoring::rate_percent;
use selfeval_core::values::{fmt2, visible};
use serde_json::{json, Value};

use crate::markdown::list_table;
use crate::{rate, score};

/// `project list`: one row per project.
pub fn projects_markdown(model: &ReportModel) -> String {
    if model.projects.is_empty() {
        return "（库中尚无项目）\n".to_owned();
    }
    let rows = model
        .projects
        .iter()
        .map(|p| {
            vec![
                p.code.clone(),
                visible(&p.name),
                p.section.as_deref().map_or_else(|| "—".to_owned(), visible),
                p.status.label().to_owned(),
                model.money(&p.budget),
                model.money(&p.executed),
                rate(&p.execution_rate),
                score(p.total_score.value),
                p.grade.map_or("—", |g| g.label()).to_owned(),
            ]
        })
        .collect();
    let unit = model.unit_label();
    let (budget, executed) = (format!("全年预算数（{unit}）"), format!("全年执行数（{unit}）"));
    list_table(&["编号", "项目", "实施科室", "状态", &budget, &executed, "执行率", "总分", "等级"], rows)
}

/// `project list --json`.
pub fn projects_json(model: &ReportModel) -> Value {
    let projects: Vec<Value> = model
        .projects
        .iter()
        .map(|p| {
            json!({
                "code": p.code, "name": p.name, "section": p.section, "status": p.status,
                "budget": p.budget.value.map(|v| model.unit.exact(v)),
                "executed": p.executed.value.map(|v| model.unit.exact(v)),
                "unit": model.unit.label(),
                "execution_rate": p.execution_rate.value.map(|r| fmt2(rate_percent(r))),
                "total_score": p.total_score.value.map(|s| s.to_string()),
                "grade": p.grade.map(|g| g.label()),
            })
        })
        .collect();
    json!({ "projects": projects, "as_of": { "seq": model.basis.seq, "head_hash": model.basis.head_hash } })
}

/// `problem list`: one row per problem with its rectification.
pub fn problems_markdown(model: &ReportModel) -> String {
    if model.problems.is_empty() {
        return "（尚未登记问题）\n".to_owned();
    }
    let rows = model
        .problems
        .iter()
        .map(|q| {
            vec![
                q.project.clone(),
                q.code.clone(),
                visible(&q.text),
                q.measure.as_deref().map_or_else(|| "—".to_owned(), visible),
                q.owner.as_deref().map_or_else(|| "—".to_owned(), visible),
                q.due.map_or_else(|| "—".to_owned(), |d| d.to_string()),
                q.status.label().to_owned(),
            ]
        })
        .collect();
    list_table(&["项目", "问题", "问题描述", "整改措施", "责任人", "完成时限", "整改状态"], rows)
}

/// `problem list --json`.
pub fn problems_json(model: &ReportModel) -> Value {
    let problems: Vec<Value> = model
        .problems
        .iter()
        .map(|q| {
            json!({
                "project": q.project, "code": q.code, "text": q.text, "measure": q.measure, "owner": q.owner,
                "due": q.due.map(|d| d.to_string()), "status": q.status.as_str(), "events": q.seqs,
            })
        })
        .collect();
    json!({ "problems": problems })
}

/// `member list`: the current members as a table, and the policy.
pub fn members_markdown(governance: &Governance) -> String {
    let members: Vec<&Member> = governance.current_members().collect();
    if members.is_empty() {
        return "没有人员名册（开放模式）：任何人都能以任何名字写入\n".to_owned();
    }
    let rows = members
        .iter()
        .map(|m| {
            vec![
                m.name.clone(),
                m.section.clone(),
                format!("{}（{}）", m.role.as_str(), m.role.label()),
                m.key.as_deref().and_then(fingerprint).unwrap_or_else(|| "—".into()),
                format!("#{}", m.added_seq),
            ]
        })
        .collect();
    let mut out = list_table(&["姓名", "科室", "角色", "公钥指纹", "登记事件"], rows);
    if governance.signatures_required.is_some() {
        out.push_str("\n签名要求：每条命令须由本人登记的公钥签名\n");
    }
    out
}

/// `member list --json`.
pub fn members_json(governance: &Governance) -> Value {
    let members: Vec<Value> = governance
        .current_members()
        .map(|m| {
            json!({
                "name": m.name,
                "section": m.section,
                "role": m.role.as_str(),
                "key": m.key.as_deref().and_then(fingerprint),
                "added": m.added_seq,
            })
        })
        .collect();
    json!({
        "roster": governance.has_roster(),
        "signatures_required": governance.signatures_required.is_some(),
        "members": members,
    })
}
