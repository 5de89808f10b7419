//! Applying the problems' events and their rectification.

#![deny(clippy::arithmetic_side_effects)]

use super::*;
use crate::event::*;

impl State {
    pub(super) fn on_problem_identified(&mut self, p: &ProblemIdentified, at: &At<'_>) {
        let seq = at.seq;
        self.index.problems.insert(problem_key(&p.project, &p.problem), self.problems.len());
        self.problems.push(Problem {
            code: p.problem.clone(),
            project: p.project.clone(),
            text: p.text.clone(),
            seq,
            plan: None,
            progress: Vec::new(),
            completed: None,
        });
    }

    pub(super) fn on_rectification_planned(&mut self, p: &RectificationPlanned, at: &At<'_>) {
        let seq = at.seq;
        if let Some(problem) = self.problem_mut(&p.project, &p.problem) {
            problem.plan = Some(Plan { seq, measure: p.measure.clone(), owner: p.owner.clone(), due: p.due });
        }
    }

    pub(super) fn on_rectification_progressed(&mut self, p: &RectificationProgressed, at: &At<'_>) {
        if let Some(problem) = self.problem_mut(&p.project, &p.problem) {
            problem.progress.push(at.note(p.note.clone()));
        }
    }

    pub(super) fn on_rectification_completed(&mut self, p: &RectificationCompleted, at: &At<'_>) {
        if let Some(problem) = self.problem_mut(&p.project, &p.problem) {
            problem.completed = Some(at.note(p.evidence.clone()));
        }
    }

    pub(super) fn on_problem_amended(&mut self, p: &ProblemAmended) {
        if let Some(problem) = self.problem_mut(&p.project, &p.problem) {
            problem.text = p.text.clone();
        }
    }

    pub(super) fn on_problem_withdrawn(&mut self, p: &ProblemWithdrawn) {
        self.problems.retain(|q| !(q.project == p.project && q.code == p.problem));
        self.rebuild_index();
    }
}
