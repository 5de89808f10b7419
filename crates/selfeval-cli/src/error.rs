//! Every error of the binary becomes output here, in one place, and is
//! mapped to an exit code by one function (`cli.md`, "Exit codes").

use std::io;

use selfeval_core::Rejection;
use selfeval_ledger::{ErrorClass, LedgerError};
use serde_json::json;

/// Why a command did not succeed.
#[derive(Debug)]
pub enum CliError {
    /// Invalid input or a domain rule said no; nothing was written.
    Rejected(Rejection),
    /// A flag's value that the binary itself parses was invalid.
    Invalid {
        /// The flag.
        field: String,
        /// What was wrong and what is accepted.
        message: String,
    },
    /// `check` found error-severity findings (already printed).
    FindingsFailed,
    /// The store is held by another process, or a concurrent change conflicted.
    Busy(String),
    /// The chain or the store is broken or unreadable.
    Integrity(String),
    /// Writing the output failed (a closed pipe exits quietly).
    Output(io::Error),
    /// The machine refused: disk full, permission denied, not a directory.
    Environment(String),
    /// A bug.
    Internal(String),
}

/// Exit 2: the command line or a `SELFEVAL_*` variable could not be used.
pub const EXIT_USAGE: i32 = 2;
/// Exit 70: a bug (a panic caught in `main`).
pub const EXIT_INTERNAL: i32 = 70;

impl CliError {
    /// The exit code of `cli.md`: the one map from an error to a number.
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Rejected(_) | CliError::Invalid { .. } | CliError::FindingsFailed => 1,
            CliError::Busy(_) => 3,
            CliError::Integrity(_) => 4,
            CliError::Output(e) if e.kind() == io::ErrorKind::BrokenPipe => 0,
            CliError::Output(_) | CliError::Environment(_) => 74,
            CliError::Internal(_) => EXIT_INTERNAL,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            CliError::Rejected(r) => r.kind.as_str(),
            CliError::Invalid { .. } => "invalid_value",
            CliError::FindingsFailed => "findings",
            CliError::Busy(_) => "busy",
            CliError::Integrity(_) => "integrity",
            CliError::Output(_) => "output",
            CliError::Environment(_) => "environment",
            CliError::Internal(_) => "internal",
        }
    }

    fn field(&self) -> Option<&str> {
        match self {
            CliError::Rejected(r) => Some(&r.field),
            CliError::Invalid { field, .. } => Some(field),
            _ => None,
        }
    }

    /// What went wrong, as printed after 错误：.
    pub fn message(&self) -> String {
        match self {
            CliError::Rejected(r) => r.to_string(),
            CliError::Invalid { field, message } => format!("{field}：{message}"),
            CliError::FindingsFailed => "核查发现错误级别的问题".to_owned(),
            CliError::Busy(m) | CliError::Integrity(m) | CliError::Internal(m) | CliError::Environment(m) => m.clone(),
            CliError::Output(e) => format!("无法写出结果：{}", describe_io(e)),
        }
    }

    /// Prints the error on stderr (as JSON with `--json`) and returns the exit code.
    pub fn report(&self, json_output: bool) -> i32 {
        let code = self.exit_code();
        if code == 0 || matches!(self, CliError::FindingsFailed) {
            return code;
        }
        if json_output {
            let mut error = json!({"kind": self.kind(), "message": self.message()});
            if let Some(field) = self.field() {
                error["field"] = json!(field);
            }
            if let CliError::Rejected(r) = self {
                error["given"] = json!(r.given);
                error["accepted"] = json!(r.accepted);
            }
            eprintln!("{}", json!({ "error": error }));
        } else {
            eprintln!("错误：{}", self.message());
        }
        code
    }
}

impl From<Rejection> for CliError {
    fn from(rejection: Rejection) -> Self {
        CliError::Rejected(rejection)
    }
}

pub use selfeval_ledger::describe_io;

impl From<io::Error> for CliError {
    fn from(error: io::Error) -> Self {
        CliError::Output(error)
    }
}

impl From<LedgerError> for CliError {
    /// The ledger's class and message, as the CLI answers them.
    fn from(error: LedgerError) -> Self {
        let message = error.message();
        match (error.class(), error) {
            (_, LedgerError::Rejected(rejection)) => CliError::Rejected(rejection),
            (_, LedgerError::Output(error)) => CliError::Output(error),
            (ErrorClass::Refused, other) => {
                CliError::Invalid { field: other.field().unwrap_or_default().to_owned(), message }
            }
            (ErrorClass::Busy, _) => CliError::Busy(message),
            (ErrorClass::Integrity, _) => CliError::Integrity(message),
            (ErrorClass::Environment | ErrorClass::Output, _) => CliError::Environment(message),
            (ErrorClass::Internal, _) => CliError::Internal(message),
        }
    }
}
