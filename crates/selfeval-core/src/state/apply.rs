//! Applying an event to the state: the bookkeeping every event shares
//! (the approval it changes, the governance, the last sequence number),
//! then the room of its subject. Only state changes here: the rules are
//! `handle`'s and the judge's.

#![deny(clippy::arithmetic_side_effects)]

use super::*;
use crate::event::*;

impl State {
    /// Applies one event. Events in the log were validated when recorded, so
    /// this never fails; a reference to something unknown changes nothing.
    pub fn apply(&mut self, event: &RecordedEvent) {
        use EventPayload as E;
        if let Some((project, what)) = out_of_range(&event.payload) {
            // Not applied: a value no computation can carry. D1 reports it.
            self.impossible.push(Impossible { seq: event.seq, project, what });
            self.last_seq = event.seq;
            self.last_recorded_at = Some(event.meta.recorded_at);
            return;
        }
        self.mark_change_after_approval(event);
        self.governance.apply(event);
        let at = At { seq: event.seq, meta: &event.meta };
        match &event.payload {
            E::YearInitialised(p) => self.on_year_initialised(p, &at),
            E::DisplayUnitChanged(p) => self.on_display_unit_changed(p, &at),
            E::RuleProfileChanged(p) => self.on_rule_profile_changed(p, &at),
            E::NarrativeSet(p) => self.on_narrative_set(p, &at),
            E::ProjectRegistered(p) => self.on_project_registered(p, &at),
            E::ProjectAmended(p) => self.on_project_amended(p),
            E::ProjectWithdrawn(p) => self.on_project_withdrawn(p),
            E::GoalSet(p) => self.on_goal_set(p, &at),
            E::EvidenceAdded(p) => self.on_evidence_added(p, &at),
            E::PrintedFiguresRecorded(p) => self.on_printed_figures_recorded(p, &at),
            E::RecordedAsPrinted(p) => self.on_recorded_as_printed(p, &at),
            E::BudgetSet(p) => self.on_budget_set(p, &at),
            E::BudgetAdjusted(p) => self.on_budget_adjusted(p, &at),
            E::ExpenditureRecorded(p) => self.on_expenditure_recorded(p, &at),
            E::ExpenditureReversed(p) => self.on_expenditure_reversed(p, &at),
            E::IndicatorDefined(p) => self.on_indicator_defined(p, &at),
            E::IndicatorAmended(p) => self.on_indicator_amended(p, &at),
            E::IndicatorWithdrawn(p) => self.on_indicator_withdrawn(p),
            E::IndicatorActualRecorded(p) => self.on_indicator_actual_recorded(p, &at),
            E::MarkedNotApplicable(p) => self.on_marked_not_applicable(p, &at),
            E::NotApplicableUndone(p) => self.on_not_applicable_undone(p),
            E::ScoreAdjusted(p) => self.on_score_adjusted(p, &at),
            E::ScoreOverrideCleared(p) => self.on_score_override_cleared(p),
            E::ProblemIdentified(p) => self.on_problem_identified(p, &at),
            E::ProblemAmended(p) => self.on_problem_amended(p),
            E::ProblemWithdrawn(p) => self.on_problem_withdrawn(p),
            E::RectificationPlanned(p) => self.on_rectification_planned(p, &at),
            E::RectificationProgressed(p) => self.on_rectification_progressed(p, &at),
            E::RectificationCompleted(p) => self.on_rectification_completed(p, &at),
            E::SelfEvaluationSubmitted(p) => self.step(&p.project, Status::Submitted, at.note(at.reason())),
            E::SelfEvaluationApproved(p) => {
                self.step(&p.project, Status::Approved, at.note(at.reason()));
                if let Some(project) = self.project_mut(&p.project) {
                    project.approval_locks = p.locks;
                }
            }
            E::SelfEvaluationReturned(p) => self.step(&p.project, Status::Returned, at.note(at.reason())),
            E::SelfEvaluationReopened(p) => self.step(&p.project, Status::Draft, at.note(at.reason())),
            // The roster, the seal, the signatures and the checkpoints are
            // the governance's, applied above.
            E::MemberAdded(_)
            | E::MemberRemoved(_)
            | E::MemberKeyChanged(_)
            | E::YearSealed(_)
            | E::YearUnsealed(_)
            | E::SignaturePolicySet(_)
            | E::CommandSigned(_)
            | E::CheckpointRecorded(_) => {}
        }
        self.last_seq = event.seq;
        self.last_recorded_at = Some(event.meta.recorded_at);
    }

    /// An event on an approved project's stream that the approval covers
    /// is a change after approval (rectification and the workflow itself
    /// go on after approval by design, and are not).
    fn mark_change_after_approval(&mut self, event: &RecordedEvent) {
        use EventPayload as E;
        let outside_the_approval = matches!(
            event.payload,
            E::SelfEvaluationSubmitted(_)
                | E::SelfEvaluationApproved(_)
                | E::SelfEvaluationReturned(_)
                | E::ProblemIdentified(_)
                | E::ProblemAmended(_)
                | E::ProblemWithdrawn(_)
                | E::RectificationPlanned(_)
                | E::RectificationProgressed(_)
                | E::RectificationCompleted(_)
                | E::SelfEvaluationReopened(_)
                | E::CommandSigned(_)
                | E::EvidenceAdded(_)
        );
        if outside_the_approval {
            return;
        }
        if let Some(code) = event.payload.stream().strip_prefix("project/") {
            if let Some(project) = self.project_mut(code).filter(|p| p.status == Status::Approved) {
                project.changed_after_approval.push(event.seq);
            }
        }
    }
    pub(super) fn on_year_initialised(&mut self, p: &YearInitialised, at: &At<'_>) {
        let seq = at.seq;
        self.department = Some(Department {
            name: p.department.clone(),
            year: p.year,
            profile: p.profile.clone(),
            unit: p.unit.unwrap_or_default(),
            seqs: vec![seq],
        });
    }

    pub(super) fn on_display_unit_changed(&mut self, p: &DisplayUnitChanged, at: &At<'_>) {
        let seq = at.seq;
        if let Some(department) = &mut self.department {
            department.unit = p.unit;
            department.seqs.push(seq);
        }
    }

    pub(super) fn on_rule_profile_changed(&mut self, p: &RuleProfileChanged, at: &At<'_>) {
        let seq = at.seq;
        if let Some(department) = &mut self.department {
            department.profile = p.profile.clone();
            department.seqs.push(seq);
        }
    }

    pub(super) fn on_narrative_set(&mut self, p: &NarrativeSet, at: &At<'_>) {
        self.narratives.insert((p.section.clone(), p.project.clone()), at.note(p.text.clone()));
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
