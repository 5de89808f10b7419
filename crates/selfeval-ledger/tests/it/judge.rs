//! The judge of recorded events (`core::validate::check_event`, which
//! import and `verify` run on every event) against `handle`, the judge of
//! commands: over random command sequences, every event `handle` produces
//! is accepted by the judge on the same state, and for the commands whose
//! one event the command names (every kind the generator makes but actual
//! values, whose events carry values `handle` computes), what `handle`
//! refuses by a rule the judge refuses too.

use proptest::prelude::*;
use selfeval_core::event::*;
use selfeval_core::validate::check_event;
use selfeval_core::{handle, Command, RecordedEvent, RejectionKind, State};

use crate::replay::{command, init, request};

/// The event a refused command would have recorded, for the commands whose
/// event is fully named by the command itself.
fn event_named_by(state: &State, command: &Command) -> Option<EventPayload> {
    let step = |project: &str| WorkflowStep { project: project.to_owned() };
    Some(match command {
        Command::Submit { project } => EventPayload::SelfEvaluationSubmitted(step(project)),
        Command::Approve { project } => EventPayload::SelfEvaluationApproved(step(project)),
        Command::Return { project } => EventPayload::SelfEvaluationReturned(step(project)),
        Command::Reopen { project } => EventPayload::SelfEvaluationReopened(step(project)),
        Command::Seal => EventPayload::YearSealed(YearStep {}),
        Command::Unseal => EventPayload::YearUnsealed(YearStep {}),
        Command::RemoveMember { name } => EventPayload::MemberRemoved(MemberRemoved { name: name.clone() }),
        Command::AddEvidence { project, file, size, sha256, note } => EventPayload::EvidenceAdded(EvidenceAdded {
            project: project.clone(),
            file: file.clone(),
            size: *size,
            sha256: sha256.clone(),
            note: note.clone(),
        }),
        Command::AddProject { code, name, category, section, budget_weight: None } => {
            EventPayload::ProjectRegistered(ProjectRegistered {
                project: code.clone(),
                name: name.clone(),
                category: category.clone(),
                section: section.clone(),
                budget_weight: rust_decimal::Decimal::from(10),
            })
        }
        Command::SetBudget { project, amount, source: None } => EventPayload::BudgetSet(BudgetSet {
            project: project.clone(),
            amount: amount.parse().ok()?,
            source: BudgetSource::CurrentAppropriation,
        }),
        Command::RecordExpenditure { project, amount, date, voucher, memo, source: None } => {
            EventPayload::ExpenditureRecorded(ExpenditureRecorded {
                project: project.clone(),
                amount: amount.parse().ok()?,
                date: date.parse().ok()?,
                voucher: voucher.clone(),
                memo: memo.clone(),
                source: None,
            })
        }
        Command::IdentifyProblem { project, problem, text } => EventPayload::ProblemIdentified(ProblemIdentified {
            problem: problem.clone(),
            project: project.clone(),
            text: text.clone(),
        }),
        Command::SetNarrative { section, text, project } => EventPayload::NarrativeSet(NarrativeSet {
            section: section.clone(),
            project: project.clone(),
            text: text.clone(),
        }),
        Command::ChangeProfile { profile } => {
            EventPayload::RuleProfileChanged(RuleProfileChanged { profile: profile.clone() })
        }
        Command::AdjustBudget { project, delta, doc, source: None } => EventPayload::BudgetAdjusted(BudgetAdjusted {
            project: project.clone(),
            delta: delta.parse().ok()?,
            doc: doc.clone(),
            source: None,
        }),
        Command::AddMember { member, role, key: None } => {
            let (name, section) = member.split_once('@')?;
            EventPayload::MemberAdded(MemberAdded {
                name: name.to_owned(),
                section: section.to_owned(),
                role: Role::parse(role)?,
                key: None,
            })
        }
        Command::SetGoal { project, expected, actual } => EventPayload::GoalSet(GoalSet {
            project: project.clone(),
            expected: expected.clone(),
            actual: actual.clone(),
        }),
        Command::MarkNotApplicable { project, item } => {
            EventPayload::MarkedNotApplicable(MarkedNotApplicable { project: project.clone(), item: item.clone() })
        }
        Command::AdjustScore { project, item, score } => EventPayload::ScoreAdjusted(ScoreAdjusted {
            project: project.clone(),
            item: item.clone(),
            score: score.parse().ok()?,
            auto_score: None,
        }),
        Command::PlanRectification { problem, measure, owner, due } => {
            EventPayload::RectificationPlanned(RectificationPlanned {
                problem: problem.clone(),
                project: owner_of(state, problem)?,
                measure: measure.clone(),
                owner: owner.clone(),
                due: due.parse().ok()?,
            })
        }
        Command::ReverseExpenditure { seq } => {
            let seq: u64 = seq.parse().ok()?;
            let (project, spent) = state
                .projects()
                .iter()
                .find_map(|p| p.expenditures.iter().find(|e| e.seq == seq).map(|e| (p.code.clone(), e.amount)))?;
            EventPayload::ExpenditureReversed(ExpenditureReversed { project, expenditure_seq: seq, amount: spent })
        }
        Command::ChangeUnit { unit } => EventPayload::DisplayUnitChanged(DisplayUnitChanged {
            unit: serde_json::from_value(serde_json::Value::String(unit.clone())).ok()?,
        }),
        Command::UndoNotApplicable { project, item } => {
            EventPayload::NotApplicableUndone(ItemWithdrawn { project: project.clone(), item: item.clone() })
        }
        Command::WithdrawIndicator { project, indicator } => {
            EventPayload::IndicatorWithdrawn(ItemWithdrawn { project: project.clone(), item: indicator.clone() })
        }
        Command::WithdrawProblem { problem } => EventPayload::ProblemWithdrawn(ProblemWithdrawn {
            problem: problem.clone(),
            project: owner_of(state, problem)?,
        }),
        Command::WithdrawProject { project } => EventPayload::ProjectWithdrawn(step(project)),
        Command::ProgressRectification { problem, note } => {
            EventPayload::RectificationProgressed(RectificationProgressed {
                problem: problem.clone(),
                project: owner_of(state, problem)?,
                note: note.clone(),
            })
        }
        Command::CompleteRectification { problem, evidence } => {
            EventPayload::RectificationCompleted(RectificationCompleted {
                problem: problem.clone(),
                project: owner_of(state, problem)?,
                evidence: evidence.clone(),
            })
        }
        Command::AmendProject { project, name, section, category, owner } => {
            EventPayload::ProjectAmended(ProjectAmended {
                project: project.clone(),
                name: name.clone(),
                section: section.clone(),
                category: category.clone(),
                owner: owner.clone(),
            })
        }
        Command::AmendProblem { problem, text } => EventPayload::ProblemAmended(ProblemAmended {
            problem: problem.clone(),
            project: owner_of(state, problem)?,
            text: text.clone(),
        }),
        Command::DefineIndicator { project, indicator, level1, level2, name, target, weight } => {
            EventPayload::IndicatorDefined(IndicatorDefined {
                project: project.clone(),
                indicator: indicator.clone(),
                level1: level1.clone(),
                level2: level2.clone(),
                name: name.clone(),
                target: selfeval_core::values::parse_target(target).ok()?,
                weight: weight.parse().ok()?,
            })
        }
        _ => return None,
    })
}

/// The project a problem code belongs to, if one has it.
fn owner_of(state: &State, problem: &str) -> Option<String> {
    state.projects().iter().find(|p| state.problem(&p.code, problem).is_some()).map(|p| p.code.clone())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn what_handle_records_the_judge_accepts_and_what_it_refuses_by_a_rule_the_judge_refuses(
        commands in prop::collection::vec(command(), 1..40),
    ) {
        let mut state = State::default();
        let mut seq = 0u64;
        let mut judge = |state: &mut State, meta: &Meta, payload: EventPayload, apply: bool| {
            let event = RecordedEvent { seq: seq + 1, meta: meta.clone(), payload };
            let judged = check_event(state, &event);
            if apply {
                seq += 1;
                state.apply(&event);
            }
            judged
        };
        let first = request(0, false, init());
        for payload in handle(&state, &first).unwrap() {
            judge(&mut state, &first.meta, payload, true).unwrap();
        }
        for (i, (reason, command)) in commands.into_iter().enumerate() {
            let request = request(i + 1, reason, command);
            match handle(&state, &request) {
                Ok(payloads) => {
                    for payload in payloads {
                        let judged = judge(&mut state, &request.meta, payload.clone(), true);
                        prop_assert!(judged.is_ok(), "handle recorded {:?}, the judge says {:?}", payload, judged);
                    }
                }
                Err(refused) if refused.kind != RejectionKind::InvalidValue => {
                    if let Some(payload) = event_named_by(&state, &request.command) {
                        let judged = judge(&mut state, &request.meta, payload.clone(), false);
                        prop_assert!(
                            judged.is_err(),
                            "handle refused {:?} ({}), the judge accepts {:?}",
                            request.command,
                            refused,
                            payload
                        );
                    }
                }
                Err(_) => {}
            }
        }
    }
}
