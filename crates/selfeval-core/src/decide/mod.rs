//! The rooms that decide commands apart from `command::decide`: the
//! roster and signatures, the seal and the evidence. Each decides its
//! own commands; the access rules that come before are `roles`'.

mod roster;
mod workflow;

use crate::event::EventPayload;
use crate::request::{Command, Rejection, Request};
use crate::state::State;

/// The rules of the commands that keep the roster, the seal, the policy,
/// the checkpoints and the evidence; `None` for every other command.
pub(crate) fn decide(state: &State, request: &Request) -> Option<Result<Vec<EventPayload>, Rejection>> {
    use Command as C;
    Some(match &request.command {
        C::AddMember { member, role, key } => roster::add_member(state, request, member, role, key.as_deref()),
        C::RemoveMember { name } => roster::remove_member(state, request, name),
        C::ChangeMemberKey { name, key } => roster::change_key(state, request, name, key),
        C::Reopen { project } => workflow::reopen(state, request, project),
        C::Seal => workflow::seal(state, request),
        C::Unseal => workflow::unseal(state, request),
        C::SetSignaturePolicy { policy } => roster::set_policy(state, request, policy),
        C::RecordCheckpoint { seq, head, key } => roster::checkpoint(*seq, head, key),
        C::AddEvidence { project, file, size, sha256, note } => {
            workflow::evidence(state, project, file, *size, sha256, note)
        }
        _ => return None,
    })
}
