//! Applying the projects' events: registration, amendment, withdrawal,
//! the goal, evidence and what a published table printed.

#![deny(clippy::arithmetic_side_effects)]

use super::*;
use crate::event::*;

impl State {
    pub(super) fn on_project_registered(&mut self, p: &ProjectRegistered, at: &At<'_>) {
        let seq = at.seq;
        self.index.projects.insert(p.project.clone(), self.projects.len());
        self.projects.push(Project {
            code: p.project.clone(),
            name: p.name.clone(),
            category: p.category.clone(),
            section: p.section.clone(),
            owner: None,
            budget_weight: p.budget_weight,
            registered_seq: seq,
            budget_lines: Vec::new(),
            adjustments: Vec::new(),
            expenditures: Vec::new(),
            goal_expected: None,
            goal_actual: None,
            indicators: Vec::new(),
            budget_not_applicable: None,
            budget_score_override: None,
            status: Status::Draft,
            approval_locks: false,
            workflow: Vec::new(),
            changed_after_approval: Vec::new(),
            evidence: Vec::new(),
            printed: Printed::default(),
            as_printed: Vec::new(),
        });
    }

    pub(super) fn on_recorded_as_printed(&mut self, p: &AsPrinted, at: &At<'_>) {
        if let Some(project) = self.project_mut(&p.project) {
            project.as_printed.extend(p.notes.iter().map(|text| at.note(text.clone())));
        }
    }

    pub(super) fn on_printed_figures_recorded(&mut self, p: &PrintedFigures, at: &At<'_>) {
        let seq = at.seq;
        if let Some(project) = self.project_mut(&p.project) {
            let printed = &mut project.printed;
            let traced = |value| Some(Traced { value, seqs: vec![seq] });
            if let Some(v) = p.total {
                printed.total = traced(v);
            }
            if let Some(v) = p.execution_rate {
                printed.execution_rate = traced(v);
            }
            if let Some(v) = p.budget_score {
                printed.budget_score = traced(v);
            }
            if let Some(g) = p.grade {
                printed.grade = Some(Traced { value: g, seqs: vec![seq] });
            }
        }
    }

    pub(super) fn on_goal_set(&mut self, p: &GoalSet, at: &At<'_>) {
        let seq = at.seq;
        if let Some(project) = self.project_mut(&p.project) {
            if let Some(text) = &p.expected {
                project.goal_expected = Some(Traced { value: text.clone(), seqs: vec![seq] });
            }
            if let Some(text) = &p.actual {
                project.goal_actual = Some(Traced { value: text.clone(), seqs: vec![seq] });
            }
        }
    }

    pub(super) fn on_project_amended(&mut self, p: &ProjectAmended) {
        if let Some(project) = self.project_mut(&p.project) {
            if let Some(v) = &p.name {
                project.name = v.clone();
            }
            if let Some(v) = &p.section {
                project.section = Some(v.clone());
            }
            if let Some(v) = &p.category {
                project.category = Some(v.clone());
            }
            if let Some(v) = &p.owner {
                project.owner = Some(v.clone());
            }
        }
    }

    pub(super) fn on_project_withdrawn(&mut self, p: &WorkflowStep) {
        self.projects.retain(|pr| pr.code != p.project);
        self.problems.retain(|q| q.project != p.project);
        self.narratives.retain(|(_, project), _| project.as_deref() != Some(p.project.as_str()));
        self.rebuild_index();
    }

    pub(super) fn on_evidence_added(&mut self, p: &EvidenceAdded, at: &At<'_>) {
        let seq = at.seq;
        if let Some(project) = self.project_mut(&p.project) {
            project.evidence.push(Evidence {
                seq,
                file: p.file.clone(),
                size: p.size,
                sha256: p.sha256.clone(),
                note: p.note.clone(),
                actor: at.meta.actor.clone(),
            });
        }
    }
}
