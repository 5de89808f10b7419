//! Applying the money's events: budgets, adjustments, spending and its
//! reversal.

#![deny(clippy::arithmetic_side_effects)]

use super::*;
use crate::event::*;

impl State {
    pub(super) fn on_budget_set(&mut self, p: &BudgetSet, at: &At<'_>) {
        let seq = at.seq;
        if let Some(project) = self.project_mut(&p.project) {
            project.budget_lines.push(BudgetLine {
                seq,
                effective: at.meta.occurred_at,
                amount: p.amount,
                source: p.source,
            });
        }
    }

    pub(super) fn on_budget_adjusted(&mut self, p: &BudgetAdjusted, at: &At<'_>) {
        let seq = at.seq;
        if let Some(project) = self.project_mut(&p.project) {
            project.adjustments.push(Adjustment {
                seq,
                delta: p.delta,
                doc: p.doc.clone(),
                source: p.source.unwrap_or(BudgetSource::CurrentAppropriation),
            });
        }
    }

    pub(super) fn on_expenditure_recorded(&mut self, p: &ExpenditureRecorded, at: &At<'_>) {
        let seq = at.seq;
        if let Some(&at) = self.index.projects.get(&p.project) {
            let project = &mut self.projects[at];
            project.expenditures.push(Expenditure {
                seq,
                amount: p.amount,
                date: p.date,
                voucher: p.voucher.as_deref().map(Box::from),
                source: p.source.unwrap_or(BudgetSource::CurrentAppropriation),
                reversed_by: None,
            });
        }
    }

    pub(super) fn on_expenditure_reversed(&mut self, p: &ExpenditureReversed, at: &At<'_>) {
        let seq = at.seq;
        if let Some((at, e)) = self.find_expenditure(Some(&p.project), p.expenditure_seq) {
            self.projects[at].expenditures[e].reversed_by = std::num::NonZeroU64::new(seq);
        }
    }
}
