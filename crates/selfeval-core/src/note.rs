//! A one-line fact of the state: what was recorded, by whom, when (shared
//! by the projects' state and the roster's, below both).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A one-line fact with who recorded it and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    /// The event.
    pub seq: u64,
    /// The text (reason, evidence, narrative).
    pub text: String,
    /// Who recorded it.
    pub actor: String,
    /// When it happened.
    pub at: DateTime<Utc>,
}
