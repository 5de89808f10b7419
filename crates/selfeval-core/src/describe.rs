//! Describes what each event changed, old → new, for the audit trail.
//!
//! This is deliberately not a replay of the domain: it keeps only the few
//! running values that "old → new" needs (budgets, spending, actuals,
//! statuses), so `history` works on any readable log, even one whose
//! replay would fail.

#![deny(clippy::arithmetic_side_effects)]

use std::collections::HashMap;

use rust_decimal::Decimal;

use crate::arith::{add, sub, sum};
use crate::event::*;
use crate::state::Status;
use crate::values::{fmt2, fmt_plain, AmountUnit};

#[derive(Default)]
struct ProjectTrack {
    initial: HashMap<crate::event::BudgetSource, Decimal>,
    adjustments: Decimal,
    executed: Decimal,
    expenditures: HashMap<u64, Decimal>,
    actuals: HashMap<String, String>,
    goal_expected: Option<String>,
    goal_actual: Option<String>,
    status: Option<Status>,
    /// Indicator definitions: code → (一级, 二级, 名称, 年度指标值, 分值).
    indicators: HashMap<String, [String; 5]>,
    /// Problem texts by code.
    problems: HashMap<String, String>,
    /// Project attributes: 名称, 科室, 类别, 负责人.
    attributes: [Option<String>; 4],
    /// The printed 总分, 执行率, 预算执行率得分 and 等级.
    printed: [Option<String>; 4],
}

impl ProjectTrack {
    fn budget(&self) -> Decimal {
        add(sum(self.initial.values().copied()), self.adjustments)
    }
}

/// Describes events in log order.
#[derive(Default)]
pub struct Describer {
    projects: HashMap<String, ProjectTrack>,
    profile: Option<String>,
    /// The unit amounts are written in: the ledger's display unit.
    unit: crate::values::AmountUnit,
}

fn short(text: &str) -> String {
    const LIMIT: usize = 40;
    if text.chars().count() <= LIMIT {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(LIMIT).collect::<String>())
    }
}

fn or_dash(value: Option<&String>) -> String {
    value.map_or_else(|| "—".to_owned(), |v| cell(short(v)))
}

/// A cell's text, or 「（空）」 for a blank cell recorded as printed.
fn cell(text: String) -> String {
    if text.is_empty() {
        "（空）".to_owned()
    } else {
        text
    }
}

impl Describer {
    /// A describer writing amounts in `unit` (the ledger's display unit,
    /// whatever it was when each event was recorded).
    pub fn in_unit(unit: crate::values::AmountUnit) -> Describer {
        Describer { unit, ..Describer::default() }
    }

    /// The project an event is about, if any.
    pub fn project_of(payload: &EventPayload) -> Option<String> {
        payload.stream().strip_prefix("project/").map(str::to_owned)
    }

    /// What `payload`, recorded as event `seq`, changed.
    pub fn describe(&mut self, seq: u64, payload: &EventPayload) -> String {
        use EventPayload as E;
        let project = Describer::project_of(payload);
        let unit = self.unit;
        let track = self.projects.entry(project.unwrap_or_default()).or_default();
        match payload {
            E::YearInitialised(p) => {
                self.profile = Some(p.profile.clone());
                format!("部门「{}」{}年度，评分规则 {}", p.department, p.year, p.profile)
            }
            E::DisplayUnitChanged(p) => format!("金额显示单位改为{}", p.unit.label()),
            E::RuleProfileChanged(p) => {
                let old = self.profile.replace(p.profile.clone());
                format!("评分规则 {} → {}", old.unwrap_or_else(|| "—".into()), p.profile)
            }
            E::ProjectRegistered(p) => project_registered(track, p),
            E::BudgetSet(p) => budget_set(track, p, unit),
            E::BudgetAdjusted(p) => budget_adjusted(track, p, unit),
            E::ExpenditureRecorded(p) => expenditure_recorded(track, p, unit, seq),
            E::ExpenditureReversed(p) => expenditure_reversed(track, p, unit),
            E::GoalSet(p) => goal_set(track, p),
            E::RecordedAsPrinted(p) => format!("按原表照录（{}）：{}", p.project, p.notes.join("；")),
            E::PrintedFiguresRecorded(p) => printed_figures_recorded(track, p),
            E::IndicatorDefined(p) => indicator_defined(track, p),
            E::IndicatorAmended(p) => indicator_amended(track, p),
            E::IndicatorWithdrawn(p) => {
                track.actuals.remove(&p.item);
                let old = track.indicators.remove(&p.item).map(|d| format!("（{}，分值 {}）", d[2], d[4]));
                format!("撤回指标 {}{}", p.item, old.unwrap_or_default())
            }
            E::NotApplicableUndone(p) => format!("{} 不适用 → 适用", item_label(&p.item)),
            E::ScoreOverrideCleared(p) => format!("{} 得分 人工调整 → 自动计算", item_label(&p.item)),
            E::ProblemAmended(p) => {
                let old = track.problems.insert(p.problem.clone(), p.text.clone());
                format!("问题 {}：{} → {}", p.problem, or_dash(old.as_ref()), short(&p.text))
            }
            E::ProblemWithdrawn(p) => {
                let old = track.problems.remove(&p.problem);
                format!("撤回问题 {}（{}）", p.problem, or_dash(old.as_ref()))
            }
            E::ProjectAmended(p) => project_amended(track, p),
            E::ProjectWithdrawn(_) => {
                let name = track.attributes[0].clone();
                // A project registered again under this code starts afresh.
                *track = ProjectTrack::default();
                format!("撤回项目（{}）", or_dash(name.as_ref()))
            }
            E::IndicatorActualRecorded(p) => indicator_actual_recorded(track, p),
            E::MarkedNotApplicable(p) => format!("{} 标记为不适用", item_label(&p.item)),
            E::ScoreAdjusted(p) => format!(
                "{} 得分 {}（自动）→ {}",
                item_label(&p.item),
                p.auto_score.map_or_else(|| "—".to_owned(), fmt2),
                fmt2(p.score)
            ),
            E::ProblemIdentified(p) => {
                track.problems.insert(p.problem.clone(), p.text.clone());
                format!("问题 {}：{}", p.problem, short(&p.text))
            }
            E::RectificationPlanned(p) => {
                format!("问题 {} 整改计划：{}（责任人 {}，时限 {}）", p.problem, short(&p.measure), p.owner, p.due)
            }
            E::RectificationProgressed(p) => format!("问题 {} 整改进展：{}", p.problem, short(&p.note)),
            E::RectificationCompleted(p) => format!("问题 {} 整改完成：{}", p.problem, short(&p.evidence)),
            E::NarrativeSet(p) => format!("说明文字 {}：{}", p.section, short(&p.text)),
            E::SelfEvaluationSubmitted(_) => step(track, Status::Submitted),
            E::SelfEvaluationApproved(_) => step(track, Status::Approved),
            E::SelfEvaluationReturned(_) => step(track, Status::Returned),
            E::SelfEvaluationReopened(_) => format!("{}（重新打开）", step(track, Status::Draft)),
            E::EvidenceAdded(p) => {
                format!("佐证材料「{}」（{}字节，SHA-256 {}）：{}", p.file, p.size, p.sha256, short(&p.note))
            }
            E::MemberAdded(p) => format!(
                "登记人员 {}@{}，角色 {}（{}）{}",
                p.name,
                p.section,
                p.role.as_str(),
                p.role.label(),
                p.key.as_deref().and_then(crate::roles::fingerprint).map(|f| format!("，公钥 {f}")).unwrap_or_default()
            ),
            E::MemberRemoved(p) => format!("移出人员 {}", p.name),
            E::MemberKeyChanged(p) => format!(
                "人员 {} 更换公钥为 {}",
                p.name,
                crate::roles::fingerprint(&p.key).unwrap_or_else(|| "—".into())
            ),
            E::YearSealed(_) => "年度封存".to_owned(),
            E::YearUnsealed(_) => "年度解除封存".to_owned(),
            E::SignaturePolicySet(p) => {
                if p.required { "签名要求：此后每条命令须签名" } else { "签名要求：可不签名" }.to_owned()
            }
            E::CommandSigned(p) => match &p.ledger {
                Some(ledger) => format!("{} 以公钥 {} 签名（签于库 {ledger}）", p.signer, p.key),
                None => format!("{} 以公钥 {} 签名", p.signer, p.key),
            },
            E::CheckpointRecorded(p) => format!("检查点：事件#{} 哈希 {}，公钥 {}", p.seq, p.head, p.key),
        }
    }
}

fn step(track: &mut ProjectTrack, status: Status) -> String {
    let old = track.status.replace(status).unwrap_or(Status::Draft);
    format!("状态 {} → {}", old.label(), status.label())
}

fn item_label(item: &str) -> String {
    if item == crate::event::BUDGET_ITEM {
        "预算执行率".to_owned()
    } else {
        format!("指标 {item}")
    }
}

/// An amount as the report shows it, with its unit.
fn money(unit: AmountUnit, wan: Decimal) -> String {
    format!("{}{}", unit.format(wan), unit.label())
}

fn project_registered(track: &mut ProjectTrack, p: &ProjectRegistered) -> String {
    track.attributes = [Some(p.name.clone()), p.section.clone(), p.category.clone(), None];
    format!(
        "登记项目「{}」，科室 {}，预算执行率分值 {}",
        p.name,
        p.section.as_deref().unwrap_or("—"),
        fmt_plain(p.budget_weight)
    )
}

fn budget_set(track: &mut ProjectTrack, p: &BudgetSet, unit: AmountUnit) -> String {
    let old_budget = track.budget();
    let old = track.initial.insert(p.source, p.amount).unwrap_or_default();
    format!(
        "年初预算数（{}）{} → {}；全年预算数 {} → {}",
        p.source.label(),
        unit.format(old),
        money(unit, p.amount),
        unit.format(old_budget),
        money(unit, track.budget())
    )
}

fn budget_adjusted(track: &mut ProjectTrack, p: &BudgetAdjusted, unit: AmountUnit) -> String {
    let old = track.budget();
    track.adjustments = add(track.adjustments, p.delta);
    let doc = p.doc.as_ref().map(|d| format!("，文号 {d}")).unwrap_or_default();
    let sign = if p.delta > Decimal::ZERO { "+" } else { "" };
    format!(
        "全年预算数 {} → {}（调整 {sign}{}{}{doc}）",
        unit.format(old),
        money(unit, track.budget()),
        unit.exact(p.delta),
        unit.label()
    )
}

fn expenditure_recorded(track: &mut ProjectTrack, p: &ExpenditureRecorded, unit: AmountUnit, seq: u64) -> String {
    let old = track.executed;
    track.executed = add(track.executed, p.amount);
    track.expenditures.insert(seq, p.amount);
    let voucher = p.voucher.as_ref().map(|v| format!("，凭证 {v}")).unwrap_or_default();
    format!(
        "支出 {}{}（{}{voucher}）；全年执行数 {} → {}",
        unit.exact(p.amount),
        unit.label(),
        p.date,
        unit.format(old),
        money(unit, track.executed)
    )
}

fn expenditure_reversed(track: &mut ProjectTrack, p: &ExpenditureReversed, unit: AmountUnit) -> String {
    let old = track.executed;
    track.executed = sub(track.executed, p.amount);
    format!(
        "冲销支出 #{}（{}{}）；全年执行数 {} → {}",
        p.expenditure_seq,
        unit.exact(p.amount),
        unit.label(),
        unit.format(old),
        money(unit, track.executed)
    )
}

fn goal_set(track: &mut ProjectTrack, p: &GoalSet) -> String {
    let mut parts = Vec::new();
    if let Some(text) = &p.expected {
        parts.push(format!("预期目标 {} → {}", or_dash(track.goal_expected.as_ref()), short(text)));
        track.goal_expected = Some(text.clone());
    }
    if let Some(text) = &p.actual {
        parts.push(format!("实际完成 {} → {}", or_dash(track.goal_actual.as_ref()), short(text)));
        track.goal_actual = Some(text.clone());
    }
    parts.join("；")
}

fn printed_figures_recorded(track: &mut ProjectTrack, p: &PrintedFigures) -> String {
    let given = [
        p.total.map(|v| v.to_string()),
        p.execution_rate.map(|r| format!("{r}%")),
        p.budget_score.map(|v| v.to_string()),
        p.grade.map(|g| g.label().to_owned()),
    ];
    let mut parts = Vec::new();
    for ((label, new), old) in
        ["总分", "执行率", "预算执行率得分", "等级"].into_iter().zip(given).zip(track.printed.iter_mut())
    {
        if let Some(new) = new {
            parts.push(format!("{label} {} → {new}", old.as_deref().unwrap_or("—")));
            *old = Some(new);
        }
    }
    format!("原表（印发的自评表）：{}", parts.join("；"))
}

fn indicator_defined(track: &mut ProjectTrack, p: &IndicatorDefined) -> String {
    // A row printed 「/」 has no points: its weight is 「/」.
    let weight = if p.not_applicable { "/".to_owned() } else { fmt_plain(p.weight) };
    let definition = [p.level1.clone(), p.level2.clone(), p.name.clone(), cell(p.target.display()), weight.clone()];
    track.indicators.insert(p.indicator.clone(), definition);
    format!(
        "指标 {} {}/{}/{}，年度指标值 {}，分值 {weight}",
        p.indicator,
        p.level1,
        p.level2,
        p.name,
        cell(p.target.display()),
    )
}

fn indicator_amended(track: &mut ProjectTrack, p: &IndicatorAmended) -> String {
    let cleared = if p.clears_actual { track.actuals.remove(&p.indicator) } else { None };
    let old = track.indicators.entry(p.indicator.clone()).or_default();
    let new = [
        p.level1.clone(),
        p.level2.clone(),
        p.name.clone(),
        p.target.as_ref().map(|t| cell(t.display())),
        p.weight.map(fmt_plain),
    ];
    let mut parts = Vec::new();
    for (i, label) in ["一级指标", "二级指标", "名称", "年度指标值", "分值"].iter().enumerate() {
        if let Some(value) = &new[i] {
            let before = if old[i].is_empty() { "—".to_owned() } else { old[i].clone() };
            parts.push(format!("{label} {before} → {value}"));
            old[i] = value.clone();
        }
    }
    if let Some(value) = cleared {
        parts.push(format!("实际完成值 {value} → （已清除）"));
    }
    if p.clears_override {
        parts.push("人工调整的得分 → 自动计算".into());
    }
    format!("更正指标 {}：{}", p.indicator, parts.join("；"))
}

fn project_amended(track: &mut ProjectTrack, p: &ProjectAmended) -> String {
    let new = [p.name.clone(), p.section.clone(), p.category.clone(), p.owner.clone()];
    let mut parts = Vec::new();
    for (i, label) in ["名称", "实施科室", "类别", "项目负责人"].iter().enumerate() {
        if let Some(value) = &new[i] {
            let before = track.attributes[i].replace(value.clone());
            parts.push(format!("{label} {} → {value}", or_dash(before.as_ref())));
        }
    }
    format!("更正项目信息：{}", parts.join("；"))
}

fn indicator_actual_recorded(track: &mut ProjectTrack, p: &IndicatorActualRecorded) -> String {
    let old = track.actuals.insert(p.indicator.clone(), p.value.clone());
    let mut text = format!("指标 {} 实际完成值 {} → {}", p.indicator, or_dash(old.as_ref()), cell(p.value.clone()));
    if let (Some(level), Some(score)) = (p.level, p.score) {
        text.push_str(&format!("（{}，得分 {}）", level.label(), fmt2(score)));
    }
    text
}
