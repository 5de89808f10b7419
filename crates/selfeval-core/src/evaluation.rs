//! The report model and the findings over it, computed in that order: the
//! model is built from the state, then the checks read the finished model.
//! Neither the model nor the checks know the other's internals.

use crate::check::{self, Finding, Severity};
use crate::report::ReportModel;
use crate::state::State;

/// Everything a report shows: the figures and the findings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    /// Every figure, each with the events behind it.
    pub model: ReportModel,
    /// The findings of the checks, by severity and report order.
    pub findings: Vec<Finding>,
}

impl Evaluation {
    /// Whether any finding is an error.
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }
}

/// Builds the report model from replayed state, then runs every check over
/// it. `head_hash` is the hash of the last event replayed.
pub fn evaluate(state: &State, head_hash: &str) -> Evaluation {
    evaluate_on(state, head_hash, None)
}

/// [`evaluate`] as of a business date (see [`ReportModel::build_on`]).
pub fn evaluate_on(state: &State, head_hash: &str, date: Option<chrono::NaiveDate>) -> Evaluation {
    let model = ReportModel::build_on(state, head_hash, date);
    let findings = check::run(state, &model);
    Evaluation { model, findings }
}
