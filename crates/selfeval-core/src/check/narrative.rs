//! Rules on what people wrote: I13 (a claim that the numbers contradict) and
//! R6 (a labelled figure that differs from the computed one). Both read
//! narratives sentence by sentence; I13 also reads each indicator's
//! recorded deviation reason.

use rust_decimal::Decimal;

use super::{Context, Findings, Place};
use crate::narrative::{self, Claims, Label};
use crate::profile::percent_text;
use crate::report::{Figure, IndicatorRow, NarrativeReport};
use crate::scoring::rate_percent;
use crate::state::Indicator;
use crate::values::{fmt2, round_half_up, QualitativeLevel, Target};

/// I13: a deviation reason or a narrative sentence claims 未完成, 超额完成 or
/// N%以上 while the indicator's numbers say otherwise.
pub fn i13_claims_contradict_numbers(cx: &Context<'_>, out: &mut Findings<'_>) {
    for (i, project, p) in cx.projects() {
        for (j, (indicator, row)) in project.indicators.iter().zip(&p.indicators).enumerate() {
            let Some(reason) = &row.deviation_reason else { continue };
            if let Some(why) = contradiction(row, indicator, narrative::claims(reason, cx.profile.over_deviation)) {
                let mut events = row.score.seqs.clone();
                events.extend(indicator.actual.as_ref().map(|a| a.seq));
                out.push(
                    Place::Indicator(i, j),
                    Some(&p.code),
                    format!(
                        "项目{}指标{}「{}」的偏差原因{}；请改正偏差原因或核对实际完成值",
                        p.code, row.code, row.name, why
                    ),
                    events,
                );
            }
        }
    }
    for_each_sentence(cx, |place, s| {
        let claims = narrative::claims(s.text, cx.profile.over_deviation);
        if !claims.any() {
            return;
        }
        // The indicator is named before or in the clause that makes the claim.
        let claim_at = narrative::claim_position(s.text, cx.profile.over_deviation).unwrap_or(s.text.len());
        let clause_end = s.text[claim_at..].find(['，', ',']).map_or(s.text.len(), |i| claim_at.saturating_add(i));
        let mut blanked = s.text[..clause_end].to_owned();
        for (start, end, _) in s.mentioned.iter().rev().filter(|m| m.1 <= clause_end) {
            if blanked.is_char_boundary(*start) && blanked.is_char_boundary(*end) {
                blanked.replace_range(*start..*end, &"□".repeat(s.text[*start..*end].chars().count()));
            }
        }
        let projects: Vec<usize> = match (s.mentioned.first(), s.own) {
            (Some(_), _) => {
                let mut v: Vec<usize> = s.mentioned.iter().map(|m| m.2).collect();
                v.dedup();
                v
            }
            (None, Some(i)) => vec![i],
            (None, None) => (0..cx.model.projects.len()).collect(),
        };
        let mut best: Vec<(usize, usize, usize)> = Vec::new();
        for i in projects {
            for (j, row) in cx.model.projects[i].indicators.iter().enumerate() {
                let run = narrative::longest_common_run(&blanked, &row.name);
                if run >= narrative::MIN_NAME_RUN {
                    best.push((run, i, j));
                }
            }
        }
        best.sort_by_key(|b| std::cmp::Reverse(b.0));
        let Some(&(run, i, j)) = best.first() else { return };
        if best.get(1).is_some_and(|second| second.0 == run) {
            return; // two indicators fit equally well: say nothing rather than guess
        }
        let p = &cx.model.projects[i];
        let row = &p.indicators[j];
        let Some(indicator) = cx.state.project(&p.code).and_then(|project| project.indicator(&row.code)) else {
            return;
        };
        if let Some(why) = contradiction(row, indicator, claims) {
            let mut events = row.score.seqs.clone();
            events.push(s.narrative.seq);
            out.push(
                place,
                Some(&p.code),
                format!(
                    "{}说的是项目{}指标{}「{}」：{}；请改正说明文字或核对数据",
                    s.cite(s.text),
                    p.code,
                    row.code,
                    row.name,
                    why
                ),
                events,
            );
        }
    });
}

/// R6: a labelled figure in a narrative differs from the computed figure it
/// names, at the precision written.
pub fn r6_quoted_figure_differs(cx: &Context<'_>, out: &mut Findings<'_>) {
    let model = cx.model;
    for_each_sentence(cx, |place, s| {
        for quoted in narrative::quoted_figures(s.text) {
            let nearest = s
                .mentioned
                .iter()
                .filter(|(_, end, _)| *end <= quoted.start)
                .max_by_key(|(_, end, _)| *end)
                .map(|m| m.2);
            let scope = nearest.or(s.own);
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
                    None if s.mentioned.is_empty() => (
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
                Label::RateScore => match scope {
                    Some(i) => (Some(&model.projects[i].budget_score), format!("项目{}", model.projects[i].code)),
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
                events.push(s.narrative.seq);
                let project = scope
                    .map(|i| model.projects[i].code.as_str())
                    .filter(|_| !matches!(quoted.label, Label::BudgetTotal | Label::Average | Label::ProjectCount));
                out.push(
                    place,
                    project,
                    format!("{}与数据不符：{why}；请改正说明文字或核对数据", s.cite(&quoted.text)),
                    events,
                );
            }
        }
    });
}

/// One sentence of a narrative, with the projects it names.
struct Sentence<'a> {
    narrative: &'a NarrativeReport,
    text: &'a str,
    /// The projects named: (start, end, project index), in text order.
    mentioned: Vec<(usize, usize, usize)>,
    /// The project the narrative belongs to.
    own: Option<usize>,
}

impl Sentence<'_> {
    /// How a finding quotes the narrative.
    fn cite(&self, what: &str) -> String {
        let n = self.narrative;
        format!(
            "说明文字（{}{}）「{}」",
            n.section,
            n.project.as_ref().map(|p| format!("，{p}")).unwrap_or_default(),
            what
        )
    }
}

fn for_each_sentence(cx: &Context<'_>, mut visit: impl FnMut(Place, &Sentence<'_>)) {
    let model = cx.model;
    let names = cx.project_names();
    for (k, n) in model.narratives.iter().enumerate() {
        let own = n.project.as_deref().and_then(|c| model.position(c));
        for (s, text) in narrative::sentences(&n.text).into_iter().enumerate() {
            let sentence = Sentence { narrative: n, text, mentioned: names.mentions(text), own };
            visit(Place::Sentence(k, s), &sentence);
        }
    }
}

/// What a text claims about an indicator that its numbers contradict, if anything.
fn contradiction(row: &IndicatorRow, indicator: &Indicator, claims: Claims) -> Option<String> {
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
            if let (Some(threshold), Some(relative)) = (claims.beyond, relative) {
                let holds = if claims.exceeded {
                    relative >= threshold
                } else if claims.unmet {
                    relative <= crate::arith::sub(Decimal::ZERO, threshold)
                } else {
                    relative.abs() >= threshold
                };
                if !holds {
                    let direction = if relative >= Decimal::ZERO { "超出" } else { "差" };
                    wrong.push(format!(
                        "写「{}以上」，但实际完成值{}比年度指标值{}{}{}%",
                        percent_text(threshold),
                        actual.value,
                        row.target,
                        direction,
                        fmt2(rate_percent(relative.abs()))
                    ));
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
