//! `verify` in one pass over the log: the hash chain checked on this
//! thread while a second one replays the same values, and the state
//! snapshot compared with the replay where it was taken.

use selfeval_core::State;
use selfeval_store::{CacheFound, ChainBreak, Verified};
use sha2::{Digest, Sha256};

use crate::judge::EventJudge;
use crate::replay::{read_snapshot, snapshot_name};
use crate::{Ledger, LedgerError, SnapshotCheck};

/// What [`Ledger::verify_replaying`] found.
#[derive(Debug)]
pub struct Checked {
    /// The hash chain from the genesis to the head, or where it breaks.
    pub chain: Result<Verified, ChainBreak>,
    /// The state snapshot against the replay (a bad one is removed).
    pub snapshot: SnapshotCheck,
    /// The state replayed from the log to the head (empty when the chain
    /// is broken).
    pub state: State,
}

/// SHA-256 of a state's serialised form (the snapshot's encoding, which is
/// canonical: `State` serialises no hash map), written through a hasher
/// rather than into memory.
fn state_digest(state: &State) -> Result<[u8; 32], LedgerError> {
    let mut hasher = Sha256::new();
    rmp_serde::encode::write(&mut hasher, state).map_err(|e| LedgerError::Integrity(format!("状态无法编码：{e}")))?;
    Ok(hasher.finalize().into())
}

impl Ledger {
    /// The snapshot decoded and compared with the state replayed to its
    /// event (`at_head` when that is the head).
    fn compare_decoded(&self, seq: u64, at_head: &State) -> Result<SnapshotCheck, LedgerError> {
        let mut snapshot = match read_snapshot(&self.store)? {
            CacheFound::Valid { value, .. } => value,
            CacheFound::Corrupt(why) => return Ok(SnapshotCheck::Corrupt(why)),
            _ => return Ok(SnapshotCheck::Differs(seq)),
        };
        snapshot.rebuild_index();
        let agrees =
            if seq == self.store.head().seq { &snapshot == at_head } else { snapshot == self.replay_log_until(seq)? };
        Ok(if agrees { SnapshotCheck::Agrees(seq) } else { SnapshotCheck::Differs(seq) })
    }

    /// Verifies the chain and replays the log in the same pass (the replay
    /// on a second thread), then compares the state snapshot with the
    /// replay at the event it reflects: a forged snapshot with a recomputed
    /// digest differs there. Leaves a snapshot of the head when there was
    /// none usable and the log is long.
    pub fn verify_replaying(&self) -> Result<Checked, LedgerError> {
        let name = snapshot_name();
        // Only the snapshot's position and digest are kept during the
        // replay, not its bytes.
        let cache = match self.store.read_cache_with(&name, |bytes| {
            let mut hasher = Sha256::new();
            std::io::copy(bytes, &mut hasher).map(|_| <[u8; 32]>::from(hasher.finalize()))
        })? {
            CacheFound::Valid { seq, value, .. } => Ok((seq, value)),
            other => Err(other),
        };
        let pinned = cache.as_ref().ok().map(|(seq, _)| *seq);
        let (values, received) = std::sync::mpsc::sync_channel::<Vec<u8>>(16);
        let replayer = std::thread::spawn(move || -> Result<(State, Option<[u8; 32]>), LedgerError> {
            // Every event judged as an import judges it (its rules, its
            // stream and version, its time): what verifies here also
            // imports.
            let mut judge = EventJudge::default();
            let mut at_pin = None;
            for value in received {
                for stored in selfeval_store::stored_lines(&value) {
                    let stored = stored.map_err(|m| LedgerError::Integrity(format!("日志中的事件无法读取：{m}")))?;
                    judge.event(&stored.envelope).map_err(|refused| {
                        LedgerError::Integrity(format!(
                            "事件{}不符合规则（导入同样会拒绝）：{}",
                            refused.seq.unwrap_or(stored.envelope.seq),
                            refused.problem
                        ))
                    })?;
                    if Some(stored.envelope.seq) == pinned {
                        at_pin = Some(state_digest(judge.state())?);
                    }
                }
            }
            Ok((judge.into_state(), at_pin))
        });
        let chain = self.store.verify_with(&mut |value| drop(values.send(value.to_vec())));
        drop(values);
        let replayed = replayer.join().map_err(|_| LedgerError::Integrity("重放线程异常终止".into()))?;
        let chain = chain?;
        if chain.is_err() {
            // The replay of a broken log proves nothing; the break is what
            // verify reports.
            return Ok(Checked { chain, snapshot: SnapshotCheck::Missing, state: State::default() });
        }
        let (mut state, at_pin) = replayed?;
        state.rebuild_index();
        let snapshot = match cache {
            Err(CacheFound::Stale) => SnapshotCheck::Stale,
            // A snapshot ahead of the log: the log lost its tail since.
            Err(CacheFound::Beyond { seq }) => SnapshotCheck::Corrupt(format!(
                "它反映到事件{seq}，而日志只到事件{}：日志后来被截短或换成了较旧的副本",
                self.store.head().seq
            )),
            Err(CacheFound::Corrupt(why)) => SnapshotCheck::Corrupt(why),
            Err(_) => SnapshotCheck::Missing,
            Ok((seq, stored)) if at_pin == Some(stored) => SnapshotCheck::Agrees(seq),
            // Other bytes: decoded and compared as states before it is
            // called forged (an encoding may change without the state).
            Ok((seq, _)) => self.compare_decoded(seq, &state)?,
        };
        if !matches!(snapshot, SnapshotCheck::Missing | SnapshotCheck::Agrees(_)) {
            // What was found is said whether or not this role may remove
            // it (an auditor's read-only role may not).
            let _ = self.store.remove_cache(&name);
        }
        let head = self.store.head().seq;
        if !matches!(snapshot, SnapshotCheck::Agrees(_)) && head >= self.settings.snapshot_after {
            self.write_snapshot(&state, head);
        }
        Ok(Checked { chain, snapshot, state })
    }
}
