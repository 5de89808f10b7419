//! The commands by kind, listed once: which record, which hold the whole
//! ledger.

use super::{problem, profile, project, roles, Cmd};

impl Cmd {
    /// Whether the command records (and so may stand in a batch): the
    /// one list, which `batch` reads.
    pub fn records(&self) -> bool {
        match self {
            Cmd::Init(_)
            | Cmd::Budget(_)
            | Cmd::Spend(_)
            | Cmd::Goal(_)
            | Cmd::Printed(_)
            | Cmd::Indicator(_)
            | Cmd::Score(_)
            | Cmd::Rectify(_)
            | Cmd::Narrative(_)
            | Cmd::Unit(_)
            | Cmd::Submit(_)
            | Cmd::Approve(_)
            | Cmd::Return(_)
            | Cmd::Reopen(_)
            | Cmd::Seal(_)
            | Cmd::Unseal(_)
            | Cmd::Policy(_)
            | Cmd::Evidence(_) => true,
            Cmd::Project(cmd) => !matches!(cmd, project::ProjectCmd::List { .. }),
            Cmd::Problem(cmd) => !matches!(cmd, problem::ProblemCmd::List { .. }),
            Cmd::Profile(cmd) => !matches!(cmd, profile::ProfileCmd::Show { .. }),
            Cmd::Member(cmd) => !matches!(cmd, roles::MemberCmd::List),
            _ => false,
        }
    }

    /// Whether the command holds the whole ledger in memory (a replay of
    /// every stream, an import, a copy).
    pub fn holds_whole_ledger(&self) -> bool {
        matches!(
            self,
            Cmd::Report(_)
                | Cmd::Table(_)
                | Cmd::Batch(_)
                | Cmd::ImportTable(_)
                | Cmd::Trace(_)
                | Cmd::Diff(_)
                | Cmd::Check(_)
                | Cmd::Verify(_)
                | Cmd::Export(_)
                | Cmd::Import(_)
                | Cmd::Migrate(_)
                | Cmd::Serve(_)
        )
    }
}
