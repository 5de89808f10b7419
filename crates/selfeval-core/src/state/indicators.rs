//! Applying the indicators' events: definitions, amendments, actual
//! values, scores set by hand, not-applicable marks.

#![deny(clippy::arithmetic_side_effects)]

use super::*;
use crate::event::*;

impl State {
    pub(super) fn on_indicator_defined(&mut self, p: &IndicatorDefined, at: &At<'_>) {
        let seq = at.seq;
        if let Some(project) = self.project_mut(&p.project) {
            project.indicators.push(Indicator {
                code: p.indicator.clone(),
                level1: p.level1.clone(),
                level2: p.level2.clone(),
                name: p.name.clone(),
                target: p.target.clone(),
                weight: p.weight,
                defined_seq: seq,
                reason: at.meta.reason.clone(),
                actual: None,
                not_applicable: p
                    .not_applicable
                    .then(|| at.note(at.meta.reason.clone().unwrap_or_else(|| "原表分值为「/」".to_owned()))),
                score_override: None,
                amended: Vec::new(),
                weight_in_percent: p.weight_in_percent,
                weightless: p.not_applicable,
            });
        }
    }

    pub(super) fn on_indicator_actual_recorded(&mut self, p: &IndicatorActualRecorded, at: &At<'_>) {
        let seq = at.seq;
        if let Some(indicator) = self.project_mut(&p.project).and_then(|pr| pr.indicator_mut(&p.indicator)) {
            indicator.actual = Some(Actual {
                seq,
                effective: at.meta.occurred_at,
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

    pub(super) fn on_marked_not_applicable(&mut self, p: &MarkedNotApplicable, at: &At<'_>) {
        if let Some(project) = self.project_mut(&p.project) {
            if p.item == BUDGET_ITEM {
                project.budget_not_applicable = Some(at.note(at.reason()));
            } else if let Some(indicator) = project.indicator_mut(&p.item) {
                indicator.not_applicable = Some(at.note(at.reason()));
            }
        }
    }

    pub(super) fn on_score_adjusted(&mut self, p: &ScoreAdjusted, at: &At<'_>) {
        let seq = at.seq;
        if let Some(project) = self.project_mut(&p.project) {
            let score_override =
                ScoreOverride { seq, score: p.score, reason: at.reason(), actor: at.meta.actor.clone() };
            if p.item == BUDGET_ITEM {
                project.budget_score_override = Some(score_override);
            } else if let Some(indicator) = project.indicator_mut(&p.item) {
                indicator.score_override = Some(score_override);
            }
        }
    }

    pub(super) fn on_indicator_amended(&mut self, p: &IndicatorAmended, at: &At<'_>) {
        let seq = at.seq;
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

    pub(super) fn on_indicator_withdrawn(&mut self, p: &ItemWithdrawn) {
        if let Some(project) = self.project_mut(&p.project) {
            project.indicators.retain(|i| i.code != p.item);
        }
    }

    pub(super) fn on_not_applicable_undone(&mut self, p: &ItemWithdrawn) {
        if let Some(project) = self.project_mut(&p.project) {
            if p.item == BUDGET_ITEM {
                project.budget_not_applicable = None;
            } else if let Some(indicator) = project.indicator_mut(&p.item) {
                indicator.not_applicable = None;
            }
        }
    }

    pub(super) fn on_score_override_cleared(&mut self, p: &ItemWithdrawn) {
        if let Some(project) = self.project_mut(&p.project) {
            if p.item == BUDGET_ITEM {
                project.budget_score_override = None;
            } else if let Some(indicator) = project.indicator_mut(&p.item) {
                indicator.score_override = None;
            }
        }
    }
}
