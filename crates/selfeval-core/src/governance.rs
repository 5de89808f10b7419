//! Who may write, and what holds the year still: the roster, the seal, the
//! signature policy and the checkpoints, as replayed from their events.
//! The rules that read them live in [`crate::roles`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::event::{EventPayload, RecordedEvent, Role};
use crate::note::Note;

/// A person on the roster (人员名册).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// The name, unique among current members.
    pub name: String,
    /// The section (科室).
    pub section: String,
    /// What they may do.
    pub role: Role,
    /// Their OpenSSH ed25519 public key, if registered.
    pub key: Option<String>,
    /// The event that added them.
    pub added_seq: u64,
    /// The event that removed them, if they were removed.
    pub removed_seq: Option<u64>,
}

impl Member {
    /// `NAME@SECTION`, as the actor is written.
    pub fn actor(&self) -> String {
        format!("{}@{}", self.name, self.section)
    }

    /// Whether they are on the roster now.
    pub fn is_current(&self) -> bool {
        self.removed_seq.is_none()
    }
}

/// A seal of the year and, if it was lifted, its unseal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seal {
    /// The sealing event (its reason is the text; the time is when it was
    /// recorded, which is when a seal takes effect).
    pub sealed: Note,
    /// The event that lifted it, if any.
    pub unsealed: Option<Note>,
}

/// A checkpoint statement that was handed out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The event that recorded it.
    pub seq: u64,
    /// The sequence number it pins.
    pub pinned_seq: u64,
    /// The hash of that event.
    pub head: String,
    /// The fingerprint of the key that signed it.
    pub key: String,
    /// Who wrote it.
    pub actor: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// An event recorded after the year had been sealed once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AfterSeal {
    /// The event.
    pub seq: u64,
    /// Its type name.
    pub event_type: String,
    /// The project it changed, if any.
    pub project: Option<String>,
    /// Who recorded it.
    pub actor: String,
}

/// The roster, the seals, the signature policy and the checkpoints.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Governance {
    /// Every member ever added, in order (removed ones keep their place).
    pub members: Vec<Member>,
    /// Every seal, in order.
    pub seals: Vec<Seal>,
    /// The event that requires signatures now, if they are required.
    pub signatures_required: Option<u64>,
    /// Every event that set the signature policy.
    pub policy_seqs: Vec<u64>,
    /// How many commands carry a signature.
    pub signed_commands: u64,
    /// Every checkpoint handed out, in order.
    pub checkpoints: Vec<Checkpoint>,
    /// What was recorded after the first seal (while unsealed).
    pub after_seal: Vec<AfterSeal>,
}

impl Governance {
    /// Whether a roster exists: from the first `member add` on, only
    /// members write. Without one the ledger is in open mode.
    pub fn has_roster(&self) -> bool {
        !self.members.is_empty()
    }

    /// The current member called `name`.
    pub fn member(&self, name: &str) -> Option<&Member> {
        self.members.iter().rev().find(|m| m.name == name && m.is_current())
    }

    /// The current members, in the order they were added.
    pub fn current_members(&self) -> impl Iterator<Item = &Member> {
        self.members.iter().filter(|m| m.is_current())
    }

    /// The current member an actor string names: exactly `NAME@SECTION`
    /// as registered, so that every event names a person one way.
    pub fn member_for_actor(&self, actor: &str) -> Option<&Member> {
        self.current_members().find(|m| m.actor() == actor)
    }

    /// The seal in force, if the year is sealed now.
    pub fn sealed(&self) -> Option<&Seal> {
        self.seals.last().filter(|s| s.unsealed.is_none())
    }

    /// The latest checkpoint handed out.
    pub fn latest_checkpoint(&self) -> Option<&Checkpoint> {
        self.checkpoints.last()
    }

    /// What was recorded after the latest seal while the year stood
    /// unsealed: empty while it is sealed (a new seal covers what came before).
    pub fn unsealed_changes(&self) -> &[AfterSeal] {
        match self.seals.last() {
            Some(seal) if seal.unsealed.is_some() => {
                let from = self.after_seal.partition_point(|a| a.seq < seal.sealed.seq);
                &self.after_seal[from..]
            }
            _ => &[],
        }
    }

    /// Folds one event in: its own (the roster, the seal, the signatures,
    /// the checkpoints), and any event after a seal.
    pub(crate) fn apply(&mut self, event: &RecordedEvent) {
        let seq = event.seq;
        let note = || Note {
            seq,
            text: event.meta.reason.clone().unwrap_or_default(),
            actor: event.meta.actor.clone(),
            at: event.meta.recorded_at,
        };
        let marks = matches!(
            event.payload,
            EventPayload::YearSealed(_)
                | EventPayload::YearUnsealed(_)
                | EventPayload::CheckpointRecorded(_)
                | EventPayload::CommandSigned(_)
        );
        if !self.seals.is_empty() && !marks {
            self.after_seal.push(AfterSeal {
                seq,
                event_type: event.payload.event_type().to_owned(),
                project: event.payload.stream().strip_prefix("project/").map(str::to_owned),
                actor: event.meta.actor.clone(),
            });
        }
        match &event.payload {
            EventPayload::MemberAdded(p) => self.members.push(Member {
                name: p.name.clone(),
                section: p.section.clone(),
                role: p.role,
                key: p.key.clone(),
                added_seq: seq,
                removed_seq: None,
            }),
            EventPayload::MemberRemoved(p) => {
                if let Some(m) = self.members.iter_mut().rev().find(|m| m.name == p.name && m.is_current()) {
                    m.removed_seq = Some(seq);
                }
            }
            EventPayload::MemberKeyChanged(p) => {
                if let Some(m) = self.members.iter_mut().rev().find(|m| m.name == p.name && m.is_current()) {
                    m.key = Some(p.key.clone());
                }
            }
            EventPayload::YearSealed(_) => self.seals.push(Seal { sealed: note(), unsealed: None }),
            EventPayload::YearUnsealed(_) => {
                if let Some(seal) = self.seals.last_mut().filter(|s| s.unsealed.is_none()) {
                    seal.unsealed = Some(note());
                }
            }
            EventPayload::SignaturePolicySet(p) => {
                self.policy_seqs.push(seq);
                self.signatures_required = p.required.then_some(seq);
            }
            EventPayload::CommandSigned(_) => self.signed_commands = self.signed_commands.saturating_add(1),
            EventPayload::CheckpointRecorded(p) => self.checkpoints.push(Checkpoint {
                seq,
                pinned_seq: p.seq,
                head: p.head.clone(),
                key: p.key.clone(),
                actor: event.meta.actor.clone(),
                at: event.meta.recorded_at,
            }),
            _ => {}
        }
    }
}

/// `NAME@SECTION` → (NAME, Some(SECTION)); `NAME` → (NAME, None).
pub fn split_actor(actor: &str) -> (&str, Option<&str>) {
    match actor.split_once('@') {
        Some((name, section)) => (name.trim(), Some(section.trim())),
        None => (actor.trim(), None),
    }
}
