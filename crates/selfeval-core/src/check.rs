//! Consistency checks (`checks.md`): each finding has a stable rule id, a
//! severity, a project, a Chinese message saying what is wrong and how to
//! fix it, and the events involved.

use rust_decimal::Decimal;

use crate::narrative::{self, Claims, Label};
use crate::profile::RuleProfile;
use crate::report::{Figure, IndicatorRow, RectificationStatus, ReportModel};
use crate::scoring::{rate_percent, Deviation, Grade};
use crate::state::{Indicator, State, Status};
use crate::values::{fmt2, fmt_plain, round_half_up, Operator, QualitativeLevel, Target};

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

/// The rule ids this build checks.
pub const RULES: &[&str] =
    &["F2", "F3", "F7", "F9", "F10", "I7", "I8", "I9", "I10", "I11", "I12", "I16", "I17", "P4", "R4", "R7", "R8", "R9"];

/// Runs every check over the state and its report model.
pub fn run(state: &State, model: &ReportModel, profile: &RuleProfile) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut push = |rule: &'static str, severity, project: Option<&str>, message: String, mut events: Vec<u64>| {
        events.sort_unstable();
        events.dedup();
        findings.push(Finding { rule, severity, project: project.map(str::to_owned), message, events });
    };
    for (project, p) in state.projects.iter().zip(&model.projects) {
        let code = Some(p.code.as_str());
        let budget = p.budget.value.unwrap_or_default();
        let executed = p.executed.value.unwrap_or_default();
        let money: Vec<u64> = p.execution_rate.seqs.clone();
        if budget.is_zero() && executed > Decimal::ZERO {
            push("F2", Severity::Error, code, format!(
                "项目{}全年预算数为0，却记录了支出{}万元（执行率不适用）；应补记预算（budget set/adjust）或冲销不属于本项目的支出",
                p.code, fmt2(executed)), money.clone());
        }
        if budget > Decimal::ZERO && executed > budget {
            let rate = p.execution_rate.value.map(rate_percent).unwrap_or_default();
            push(
                "F3",
                Severity::Error,
                code,
                format!(
                "项目{}全年执行数{}万元超过全年预算数{}万元（执行率{}%）；超预算支出须有预算调整，应补记调整或核对支出",
                p.code, fmt2(executed), fmt2(budget), fmt2(rate)),
                money.clone(),
            );
        }
        if let Some(rate) = p.execution_rate.value {
            let explained = ["1.execution", "3.execution"]
                .iter()
                .any(|s| state.narratives.contains_key(&((*s).to_owned(), Some(p.code.clone()))));
            if rate < profile.low_execution_rate && !explained {
                push("F7", Severity::Warning, code, format!(
                    "项目{}预算执行率{}%低于{}%，但没有说明原因；请用 narrative set 3.execution --project {} 记录原因",
                    p.code, fmt2(rate_percent(rate)), fmt_plain(profile.low_execution_rate * Decimal::from(100)), p.code), money.clone());
            }
        }
        let implausible = project.expenditures.iter().filter(|e| e.amount > profile.implausible_budget).map(|e| e.seq);
        let mut implausible: Vec<u64> = implausible.collect();
        if budget > profile.implausible_budget {
            implausible.extend(&p.budget.seqs);
        }
        if !implausible.is_empty() {
            push(
                "F9",
                Severity::Warning,
                code,
                format!(
                    "项目{}有超过{}万元的金额，疑似把「元」当作「万元」录入；请核对单位（金额可写作 215,457.60元）",
                    p.code,
                    fmt_plain(profile.implausible_budget)
                ),
                implausible,
            );
        }
        if p.indicators.is_empty() {
            continue;
        }
        let points: Decimal = p.budget_weight + p.indicators.iter().map(|i| i.weight).sum::<Decimal>();
        if points != Decimal::from(100) {
            let mut events = vec![project.registered_seq];
            events.extend(project.indicators.iter().map(|i| i.defined_seq));
            push(
                "I7",
                Severity::Error,
                code,
                format!(
                    "项目{}预算执行率分值与各指标分值合计为{}，应为100；请调整指标分值或补充指标",
                    p.code,
                    fmt_plain(points)
                ),
                events,
            );
        }
        for level1 in ["产出指标", "效益指标", "满意度指标"] {
            if !p.indicators.iter().any(|i| i.level1 == level1) {
                push(
                    "I8",
                    Severity::Warning,
                    code,
                    format!("项目{}没有{level1}；请补充该类指标", p.code),
                    project.indicators.iter().map(|i| i.defined_seq).collect(),
                );
            }
        }
        for level1 in &profile.level1 {
            let under: Vec<_> = project.indicators.iter().filter(|i| i.level1 == level1.name).collect();
            let points: Decimal = under.iter().map(|i| i.weight).sum();
            if !under.is_empty() && points != level1.points && under.iter().all(|i| i.reason.is_none()) {
                push("I18", Severity::Warning, code, format!(
                    "项目{}的{}分值合计为{}，与评分规则的{}分不同，且没有记录原因；请在设定指标时用 --reason 说明特殊分值",
                    p.code, level1.name, fmt_plain(points), fmt_plain(level1.points)),
                    under.iter().map(|i| i.defined_seq).collect());
            }
        }
        for (indicator, row) in project.indicators.iter().zip(&p.indicators) {
            if let Some(reason) = &row.deviation_reason {
                if let Some(why) = contradiction(row, indicator, narrative::claims(reason), profile) {
                    let mut events = row.score.seqs.clone();
                    events.extend(indicator.actual.as_ref().map(|a| a.seq));
                    push(
                        "I13",
                        Severity::Error,
                        code,
                        format!(
                            "项目{}指标{}「{}」的偏差原因{}；请改正偏差原因或核对实际完成值",
                            p.code, row.code, row.name, why
                        ),
                        events,
                    );
                }
            }
            let is_cost = row.level1 == "成本指标" || row.level2.contains("成本");
            if let Target::Quantitative { op, value, unit } = &indicator.target {
                if is_cost && matches!(op, Operator::AtLeast | Operator::MoreThan) {
                    push(
                        "I9",
                        Severity::Warning,
                        code,
                        format!(
                            "项目{}的成本指标{}「{}」目标为{}，成本没有上限；成本指标应写作 ≤ 目标",
                            p.code, row.code, row.name, row.target
                        ),
                        vec![indicator.defined_seq],
                    );
                }
                let actual_over =
                    indicator.actual.as_ref().and_then(|a| a.number).is_some_and(|b| b > Decimal::from(100));
                if unit == "%" && (*value > Decimal::from(100) || actual_over) {
                    push(
                        "I10",
                        Severity::Warning,
                        code,
                        format!("项目{}的比率指标{}「{}」目标或实际值超过100%；请核对", p.code, row.code, row.name),
                        row.score.seqs.clone(),
                    );
                }
                if is_cost && unit == "万元" && *value > budget {
                    push(
                        "F10",
                        Severity::Warning,
                        code,
                        format!(
                            "项目{}的成本指标{}目标{}万元高于全年预算数{}万元；请核对目标或预算",
                            p.code,
                            row.code,
                            fmt_plain(*value),
                            fmt2(budget)
                        ),
                        vec![indicator.defined_seq],
                    );
                }
            }
            let explained = row.deviation_reason.is_some();
            match row.deviation {
                Some(Deviation::Under) if !(explained && row.measure.is_some()) => push("I11", Severity::Error, code, format!(
                    "项目{}的指标{}「{}」未完成目标（得分低于分值），但缺少偏差原因分析或改进措施；请用 indicator actual --deviation --measure 补充",
                    p.code, row.code, row.name), row.score.seqs.clone()),
                Some(Deviation::Over) if !explained => push("I12", Severity::Error, code, format!(
                    "项目{}的指标{}「{}」超出目标30%以上，但缺少偏差原因分析；请说明是否目标设定偏低", p.code, row.code, row.name),
                    row.score.seqs.clone()),
                _ => {}
            }
            if indicator.actual.is_none() && indicator.not_applicable.is_none() {
                push(
                    "I16",
                    Severity::Warning,
                    code,
                    format!(
                        "项目{}的指标{}「{}」尚无实际完成值（按0分计）；请用 indicator actual 记录",
                        p.code, row.code, row.name
                    ),
                    vec![indicator.defined_seq],
                );
            }
            if let Some(adjustment) = &indicator.adjustment {
                push(
                    "I17",
                    Severity::Info,
                    code,
                    format!(
                        "项目{}的指标{}得分由{}人工调整为{}（自动计算为{}），原因：{}",
                        p.code,
                        row.code,
                        adjustment.actor,
                        fmt2(adjustment.score),
                        row.auto_score.map_or("—".to_owned(), fmt2),
                        adjustment.reason
                    ),
                    vec![adjustment.seq],
                );
            }
        }
        if let Some(adjustment) = &project.budget_adjustment {
            push(
                "I17",
                Severity::Info,
                code,
                format!(
                    "项目{}的预算执行率得分由{}人工调整为{}（自动计算为{}），原因：{}",
                    p.code,
                    adjustment.actor,
                    fmt2(adjustment.score),
                    p.budget_auto_score.map_or("—".to_owned(), fmt2),
                    adjustment.reason
                ),
                vec![adjustment.seq],
            );
        }
        let short = p.indicators.iter().any(|r| r.deviation == Some(Deviation::Under));
        let goal_repeats = p.goal_actual.is_some() && p.goal_actual == p.goal_expected && short;
        if p.goal_actual.is_none() || goal_repeats {
            let what = if goal_repeats {
                "实际完成情况照抄预期目标，而有指标未完成"
            } else {
                "年度总体目标没有记录实际完成情况"
            };
            push(
                "P4",
                Severity::Warning,
                code,
                format!("项目{}{what}；请用 goal --actual 如实记录", p.code),
                p.goal_seqs.clone(),
            );
        }
        let has_problem = state.problems.iter().any(|q| q.project == p.code);
        let weak = matches!(p.grade, Some(Grade::Fair | Grade::Poor));
        let deviating = p.indicators.iter().any(|r| r.deviation.is_some());
        if (weak || deviating) && !has_problem {
            let why = if weak { "自评等级为中或差" } else { "有未完成或超额30%以上的指标" };
            push(
                "R7",
                Severity::Warning,
                code,
                format!("项目{}{why}，但没有记录问题和整改；请用 problem add 与 rectify plan 记录", p.code),
                p.total_score.seqs.clone(),
            );
        }
    }
    let t = &model.totals;
    if let (Some(budget), Some(executed)) = (t.budget.value, t.executed.value) {
        if budget > Decimal::ZERO && executed > budget {
            push(
                "F3",
                Severity::Error,
                None,
                format!(
                    "部门全年执行数合计{}万元超过全年预算数合计{}万元（执行率{}%）；超出部分须有预算或预算调整",
                    fmt2(executed),
                    fmt2(budget),
                    t.execution_rate.value.map_or("—".to_owned(), |r| fmt2(rate_percent(r)))
                ),
                t.execution_rate.seqs.clone(),
            );
        }
    }
    narrative_findings(state, model, profile, &mut push);
    for (project, p) in state.projects.iter().zip(&model.projects) {
        let in_scope =
            p.budget.value.unwrap_or_default() > Decimal::ZERO || p.executed.value.unwrap_or_default() > Decimal::ZERO;
        if in_scope && p.status != Status::Approved {
            let mut events: Vec<u64> = p.workflow.iter().map(|w| w.3).collect();
            events.push(project.registered_seq);
            push(
                "R4",
                Severity::Warning,
                Some(&p.code),
                format!(
                    "项目{}有预算或支出，但自评尚未提交并审核通过（当前：{}）；自评覆盖率不足100%",
                    p.code,
                    p.status.label()
                ),
                events,
            );
        }
    }
    for problem in &model.problems {
        match problem.status {
            RectificationStatus::Overdue => push(
                "R8",
                Severity::Warning,
                Some(&problem.project),
                format!(
                    "问题{}的整改已过完成时限{}仍未完成；请记录进展或完成情况",
                    problem.code,
                    problem.due.map(|d| d.to_string()).unwrap_or_default()
                ),
                problem.seqs.clone(),
            ),
            RectificationStatus::Unplanned => push(
                "R9",
                Severity::Warning,
                Some(&problem.project),
                format!("问题{}没有整改计划；请用 rectify plan {} 制定", problem.code, problem.code),
                problem.seqs.clone(),
            ),
            _ => {}
        }
    }
    findings.sort_by_key(|f| f.severity);
    findings
}

/// What a text claims about an indicator that its numbers contradict, if anything.
fn contradiction(row: &IndicatorRow, indicator: &Indicator, claims: Claims, profile: &RuleProfile) -> Option<String> {
    let actual = indicator.actual.as_ref()?;
    let mut wrong = Vec::new();
    match (&indicator.target, actual.number, row.relative_deviation) {
        (Target::Quantitative { .. }, Some(_), relative) => {
            let met = row.auto_score == Some(indicator.weight);
            let beyond = relative.unwrap_or_default();
            if claims.unmet && met {
                wrong.push(format!("写「未完成/未达到」，但实际完成值{}已达到年度指标值{}", actual.value, row.target));
            }
            if claims.exceeded && beyond <= Decimal::ZERO {
                wrong.push(format!("写「超额完成」，但实际完成值{}没有超过年度指标值{}", actual.value, row.target));
            }
            if claims.beyond_30 {
                if let Some(relative) = relative {
                    let threshold = profile.over_deviation;
                    let holds = if claims.exceeded {
                        relative >= threshold
                    } else if claims.unmet {
                        relative <= -threshold
                    } else {
                        relative.abs() >= threshold
                    };
                    if !holds {
                        let direction = if relative >= Decimal::ZERO { "超出" } else { "差" };
                        wrong.push(format!(
                            "写「30%以上」，但实际完成值{}比年度指标值{}{}{}%",
                            actual.value,
                            row.target,
                            direction,
                            fmt2(rate_percent(relative.abs()))
                        ));
                    }
                }
            }
        }
        (Target::Qualitative { .. }, _, _) if claims.unmet && actual.level == Some(QualitativeLevel::Achieved) => {
            wrong.push(format!("写「未完成/未达到」，但完成等级记录为「{}」", QualitativeLevel::Achieved.label()));
        }
        _ => {}
    }
    (!wrong.is_empty()).then(|| wrong.join("，"))
}

type Push<'a> = dyn FnMut(&'static str, Severity, Option<&str>, String, Vec<u64>) + 'a;

/// I13 and R6 over every recorded narrative, sentence by sentence.
fn narrative_findings(state: &State, model: &ReportModel, profile: &RuleProfile, push: &mut Push<'_>) {
    let names = narrative::ProjectNames::new(model.projects.iter().map(|p| (p.name.as_str(), p.category.as_deref())));
    for n in &model.narratives {
        for sentence in narrative::sentences(&n.text) {
            let mentioned = names.mentions(sentence);
            let own = n.project.as_ref().and_then(|c| model.projects.iter().position(|p| &p.code == c));
            let cite = |what: &str| {
                format!(
                    "说明文字（{}{}）「{}」",
                    n.section,
                    n.project.as_ref().map(|p| format!("，{p}")).unwrap_or_default(),
                    what
                )
            };
            // R6: labelled figures.
            for quoted in narrative::quoted_figures(sentence) {
                let nearest = mentioned
                    .iter()
                    .filter(|(_, end, _)| *end <= quoted.start)
                    .max_by_key(|(_, end, _)| *end)
                    .map(|m| m.2);
                let scope = nearest.or(own);
                let (figure, whose): (Option<&Figure>, String) = match quoted.label {
                    Label::BudgetTotal => (Some(&model.totals.budget), "本部门".to_owned()),
                    Label::Average => (Some(&model.totals.average_score), "本部门".to_owned()),
                    Label::ProjectCount => (None, "本部门".to_owned()),
                    Label::Executed | Label::Rate => match scope {
                        Some(i) => {
                            let p = &model.projects[i];
                            (
                                Some(if quoted.label == Label::Rate { &p.execution_rate } else { &p.executed }),
                                format!("项目{}", p.code),
                            )
                        }
                        None if mentioned.is_empty() => (
                            Some(if quoted.label == Label::Rate {
                                &model.totals.execution_rate
                            } else {
                                &model.totals.executed
                            }),
                            "本部门".to_owned(),
                        ),
                        None => continue,
                    },
                    Label::Score => match scope {
                        Some(i) => (Some(&model.projects[i].total_score), format!("项目{}", model.projects[i].code)),
                        None => continue,
                    },
                };
                let (computed, seqs): (Option<Decimal>, Vec<u64>) = match (quoted.label, figure) {
                    (Label::ProjectCount, _) => (Some(Decimal::from(model.projects.len())), Vec::new()),
                    (Label::Rate, Some(f)) => (f.value.map(rate_percent), f.seqs.clone()),
                    (_, Some(f)) => (f.value, f.seqs.clone()),
                    (_, None) => continue,
                };
                let stated = quoted.value;
                let mismatch = match computed {
                    None => Some(format!("{whose}的{}不适用（无法计算）", quoted.label.name())),
                    Some(value) => {
                        let at_precision = round_half_up(value, quoted.decimals);
                        (at_precision != stated).then(|| {
                            format!(
                                "{whose}的{}计算值为{}{}，按所写精度应为{}{}",
                                quoted.label.name(),
                                fmt2(value),
                                quoted.label.unit(),
                                at_precision,
                                quoted.label.unit()
                            )
                        })
                    }
                };
                if let Some(why) = mismatch {
                    let mut events = seqs;
                    events.push(n.seq);
                    let project = scope
                        .map(|i| model.projects[i].code.as_str())
                        .filter(|_| !matches!(quoted.label, Label::BudgetTotal | Label::Average | Label::ProjectCount));
                    push(
                        "R6",
                        Severity::Error,
                        project,
                        format!("{}与数据不符：{why}；请改正说明文字或核对数据", cite(&quoted.text)),
                        events,
                    );
                }
            }
            // I13: claims about an indicator named in the sentence.
            let claims = narrative::claims(sentence);
            if !claims.any() {
                continue;
            }
            // The indicator is named before or in the clause that makes the claim.
            let claim_at = narrative::claim_position(sentence).unwrap_or(sentence.len());
            let clause_end = sentence[claim_at..].find(['，', ',']).map_or(sentence.len(), |i| claim_at + i);
            let mut blanked = sentence[..clause_end].to_owned();
            for (start, end, _) in mentioned.iter().rev().filter(|m| m.1 <= clause_end) {
                if blanked.is_char_boundary(*start) && blanked.is_char_boundary(*end) {
                    blanked.replace_range(*start..*end, &"□".repeat(sentence[*start..*end].chars().count()));
                }
            }
            let projects: Vec<usize> = match (mentioned.first(), own) {
                (Some(_), _) => {
                    let mut v: Vec<usize> = mentioned.iter().map(|m| m.2).collect();
                    v.dedup();
                    v
                }
                (None, Some(i)) => vec![i],
                (None, None) => (0..model.projects.len()).collect(),
            };
            let mut best: Vec<(usize, usize, usize)> = Vec::new();
            for i in projects {
                for (j, row) in model.projects[i].indicators.iter().enumerate() {
                    let run = narrative::longest_common_run(&blanked, &row.name);
                    if run >= narrative::MIN_NAME_RUN {
                        best.push((run, i, j));
                    }
                }
            }
            best.sort_by_key(|b| std::cmp::Reverse(b.0));
            let Some(&(run, i, j)) = best.first() else { continue };
            if best.get(1).is_some_and(|second| second.0 == run) {
                continue; // two indicators fit equally well: say nothing rather than guess
            }
            let p = &model.projects[i];
            let row = &p.indicators[j];
            let Some(indicator) = state.project(&p.code).and_then(|project| project.indicator(&row.code)) else {
                continue;
            };
            if let Some(why) = contradiction(row, indicator, claims, profile) {
                let mut events = row.score.seqs.clone();
                events.push(n.seq);
                push(
                    "I13",
                    Severity::Error,
                    Some(&p.code),
                    format!(
                        "{}说的是项目{}指标{}「{}」：{}；请改正说明文字或核对数据",
                        cite(sentence),
                        p.code,
                        row.code,
                        row.name,
                        why
                    ),
                    events,
                );
            }
        }
    }
}
