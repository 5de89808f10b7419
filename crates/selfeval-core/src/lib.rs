//! The domain of selfeval: the pure core of 项目支出绩效自评.
//!
//! Data flows one way: a [`Request`] (a [`Command`] with its audit [`Meta`])
//! goes through [`handle`], which applies every rule to the current
//! [`State`] and returns the events to append or a [`Rejection`]. The
//! caller stores the events; replay folds them back into a [`State`] with
//! [`State::apply`]; [`evaluate`] computes every figure of the report
//! ([`ReportModel`]), each with the sequence numbers it came from, and then
//! runs the checks of [`check::RULES`] over it.
//!
//! This crate does no IO, reads no clock, no environment and no randomness:
//! time and actor arrive as inputs.

pub mod arith;
mod as_printed;
pub mod check;
pub mod command;
mod decide;
pub mod describe;
pub mod evaluation;
pub mod event;
pub mod governance;
pub mod intake;
pub mod narrative;
pub mod note;
pub mod profile;
pub mod report;
pub mod request;
pub mod roles;
pub mod scoring;
pub mod state;
pub mod trail;
pub mod validate;
pub mod values;

pub use command::{execute, handle, Command, Executed, Rejection, RejectionKind, Request};
pub use evaluation::{evaluate, Evaluation};
pub use event::{EventPayload, Meta, RecordedEvent};
pub use profile::RuleProfile;
pub use report::ReportModel;
pub use state::State;
