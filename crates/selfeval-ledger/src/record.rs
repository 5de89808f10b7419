//! Recording: a command is handled against the state it depends on, read
//! at one head of the log; its events are appended as one batch only if the
//! log is still at that head (and its stream at the version it had), so a
//! decision is never stored on top of events it did not see. When another
//! writer got there first, the command is handled again.

use selfeval_core::event::{project_stream, CommandSigned, DEPARTMENT_STREAM, ROSTER_STREAM};
use selfeval_core::request::Subject;
use selfeval_core::values::{check_command_id, visible};
use selfeval_core::{execute, handle, Command, EventPayload, Executed, Meta, Rejection, RejectionKind, Request, State};
use selfeval_store::{Batch, ExpectedVersion, NewEvent, StoredEvent};

use crate::{AsOf, Ledger, LedgerError};

/// How many times a command is handled again after a concurrent change.
/// On sled one process holds the store and a conflict is rare; on a shared
/// database eight clients writing at once made three too few (measured:
/// five commands of 200 gave up).
const CONFLICT_RETRIES: usize = 30;

/// A short pause before handling a command again after a conflict, longer
/// as they repeat and different from one client to the next, so that
/// clients that keep colliding spread out.
fn back_off(attempt: usize) {
    let spread = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |t| t.subsec_nanos() as u64 ^ u64::from(std::process::id()));
    let ceiling = 2 + 2 * attempt.min(20) as u64;
    std::thread::sleep(std::time::Duration::from_millis(spread % ceiling));
}

/// What a recording command appended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// The events: sequence number and type name.
    pub events: Vec<(u64, String)>,
    /// What each event echoes of the values parsed (amounts in 万元 and 元).
    pub echoes: Vec<Option<String>>,
    /// True when the command id had been recorded before: nothing new was
    /// written and `events` are those of the first time.
    pub duplicate: bool,
}

/// The checks that need no ledger: a malformed command id, a missing or
/// malformed actor, and an invalid value of `init`, are rejected before a
/// store is created or opened.
pub fn precheck(request: &Request, command_id: Option<&str>) -> Result<(), LedgerError> {
    if let Some(id) = command_id {
        valid_command_id(id)?;
    }
    let is_init = matches!(request.command, Command::InitYear { .. });
    match handle(&State::default(), request) {
        Err(rejection)
            if rejection.field == "--actor" || (is_init && rejection.kind == RejectionKind::InvalidValue) =>
        {
            Err(rejection.into())
        }
        _ => Ok(()),
    }
}

/// `--command-id`: 1–128 printable characters.
fn valid_command_id(id: &str) -> Result<(), LedgerError> {
    check_command_id(id).map_err(|e| {
        Rejection::new(RejectionKind::InvalidValue, "--command-id", &visible(id), e.problem, e.accepted).into()
    })
}

impl Ledger {
    /// Records one command under `command_id` (a new one is made when
    /// `None`). Re-sending a command id appends nothing and answers what it
    /// appended the first time.
    pub fn record(&mut self, request: &Request, command_id: Option<&str>) -> Result<Recorded, LedgerError> {
        if let Some(id) = command_id {
            valid_command_id(id)?;
        }
        let item = Item { request: request.clone(), command_id: command_id.map(str::to_owned), key: None };
        match self.land(std::slice::from_ref(&item), Landing::Each, &mut |_| Ok(()))? {
            Ok(mut recorded) => Ok(recorded.remove(0)),
            Err((_, why)) => Err(why),
        }
    }

    /// The private key file that signs what is recorded next (`None`: the
    /// ssh-agent only).
    pub fn set_key_file(&mut self, key: Option<std::path::PathBuf>) {
        self.settings.signer.key_file = key;
    }

    /// Records `items` as one atomic append: each decided, in order, on the
    /// state the ones before it leave (signed as it would be alone), then
    /// all stored in one log value, or nothing. `Ok(Err((i, why)))` names
    /// the first item refused. When every item names a command id that was
    /// recorded before, nothing is written and each answers as resent.
    pub fn record_all(&mut self, items: &[Item]) -> Result<Result<Vec<Recorded>, (usize, LedgerError)>, LedgerError> {
        self.land(items, Landing::Together, &mut |_| Ok(()))
    }

    /// Every item decided in order on one scratch state, as if those before
    /// it were recorded (a refused one is skipped and the next decided
    /// without it), writing nothing: each refusal with its item's index.
    /// An item whose command id is recorded already is a resend and is not
    /// decided again. What `batch` runs before it writes a line.
    pub fn judge_all(&self, items: &[Item]) -> Result<Vec<(usize, LedgerError)>, LedgerError> {
        let mut state = self.replay(None)?.state;
        let mut next = self.store.head().seq + 1;
        let mut refused = Vec::new();
        for (i, item) in items.iter().enumerate() {
            if let Some(id) = &item.command_id {
                if self.store.command_seqs(id)?.is_some() {
                    continue;
                }
            }
            let fake = |p: &[EventPayload]| Ok::<_, std::convert::Infallible>((next..next + p.len() as u64).collect());
            match execute(&mut state, &item.request, fake) {
                Ok(events) => next += events.len() as u64,
                Err(Executed::Rejected(why)) => refused.push((i, why.into())),
                Err(Executed::NotAppended(never)) => match never {},
            }
        }
        Ok(refused)
    }

    /// Records `items` one after another, each atomic and durable on its
    /// own (one log value and one flush per command), each decided on the
    /// state the one before left when the log has not moved since (on
    /// sled this process holds the store; on a shared database another
    /// client may have written, and the command is then decided on a fresh
    /// replay). A command id recorded before answers as resent. Stops at
    /// the first refusal: `Ok(Err((i, why)))`, the ones before it recorded.
    /// `each` sees every command recorded.
    pub fn record_each(
        &mut self,
        items: &[Item],
        mut each: impl FnMut(&Recorded) -> Result<(), LedgerError>,
    ) -> Result<Result<usize, (usize, LedgerError)>, LedgerError> {
        Ok(self.land(items, Landing::Each, &mut each)?.map(|recorded| recorded.len()))
    }

    /// The one write loop: `items` land together (one append) or each on
    /// its own; each append is decided while the store is held (a no-op on
    /// sled, which this process holds; a lock on a shared database) and
    /// decided again, after a short pause, when another writer moved the
    /// log first. Each item signs with its own key, or the ledger's.
    fn land(
        &mut self,
        items: &[Item],
        landing: Landing,
        each: &mut dyn FnMut(&Recorded) -> Result<(), LedgerError>,
    ) -> Result<Result<Vec<Recorded>, (usize, LedgerError)>, LedgerError> {
        let default_key = self.settings.signer.key_file.clone();
        let outcome = self.land_with(items, landing, each, &default_key);
        self.settings.signer.key_file = default_key;
        outcome
    }

    fn land_with(
        &mut self,
        items: &[Item],
        landing: Landing,
        each: &mut dyn FnMut(&Recorded) -> Result<(), LedgerError>,
        default_key: &Option<std::path::PathBuf>,
    ) -> Result<Result<Vec<Recorded>, (usize, LedgerError)>, LedgerError> {
        let groups: Vec<std::ops::Range<usize>> = match landing {
            Landing::Together => std::iter::once(0..items.len()).collect(),
            Landing::Each => (0..items.len()).map(|i| i..i + 1).collect(),
        };
        // The whole state left by the last append, with the head it is at.
        let mut kept: Option<(State, u64)> = None;
        let mut out = Vec::new();
        for group in groups {
            let mut attempts = 0;
            // A resend is answered without holding the store (and checked
            // again once it is held: another client may have recorded it).
            let seen = self.seen(items, group.clone())?;
            let resent = !group.is_empty() && seen.iter().all(Option::is_some);
            let recorded = loop {
                let decided = if resent {
                    Ok(Decided::Resent(group.clone().zip(seen.iter().flatten().cloned()).collect()))
                } else {
                    self.store.hold()?;
                    self.decide_group(items, group.clone(), &mut kept, default_key)
                };
                let (staging, recorded, whole) = match decided {
                    Ok(Decided::Staged(staged)) => {
                        let Staged { staging, recorded, whole } = *staged;
                        (staging, recorded, whole)
                    }
                    Ok(Decided::Resent(answered)) => {
                        if !resent {
                            self.store.release()?;
                        }
                        let mut answers = Vec::new();
                        for (i, seqs) in answered {
                            let item = &items[i];
                            let id = item.command_id.as_deref().unwrap_or_default();
                            match self.resent(&item.request, id, &seqs) {
                                Ok(recorded) => answers.push(recorded),
                                Err(why) => return Ok(Err((i, why))),
                            }
                        }
                        break answers;
                    }
                    Ok(Decided::Refused(i, why)) => {
                        self.store.release()?;
                        return Ok(Err((i, why)));
                    }
                    Err(error) => {
                        self.store.release()?;
                        return Err(error);
                    }
                };
                match self.store.commit_staged(staging)? {
                    Ok(_) => {
                        kept = whole.map(|state| (state, self.store.head().seq));
                        break recorded;
                    }
                    Err(conflict) => {
                        attempts += 1;
                        if attempts > CONFLICT_RETRIES {
                            return Err(LedgerError::Conflict(conflict.to_string()));
                        }
                        back_off(attempts);
                    }
                }
            };
            for r in &recorded {
                each(r)?;
            }
            out.extend(recorded);
        }
        Ok(Ok(out))
    }

    /// Decides one group of items on the held log: resends answered
    /// (when every item of the group is one), new command ids checked, then
    /// each item decided once, on the state the ones before it leave, and
    /// staged. A lone command is decided on its streams when they suffice.
    fn decide_group(
        &mut self,
        items: &[Item],
        group: std::ops::Range<usize>,
        kept: &mut Option<(State, u64)>,
        default_key: &Option<std::path::PathBuf>,
    ) -> Result<Decided, LedgerError> {
        let seen = self.seen(items, group.clone())?;
        if !group.is_empty() && seen.iter().all(Option::is_some) {
            return Ok(Decided::Resent(group.zip(seen.into_iter().flatten()).collect()));
        }
        let head = self.store.head().seq;
        let lone = items.len() == 1;
        let mut state = match kept.take() {
            Some((state, at)) if at == head => Some(state),
            _ if lone => None,
            _ => Some(self.replay(None)?.state),
        };
        let mut last = match &state {
            Some(whole) => whole.last_recorded_at(),
            None => self.head_recorded_at()?,
        };
        let mut staging = self.store.staging();
        let mut recorded = Vec::new();
        for (k, i) in group.clone().enumerate() {
            let item = &items[i];
            if let Some(id) = &item.command_id {
                if let Err(why) = new_command_id(id, seen[k].as_deref(), &items[group.start..i]) {
                    return Ok(Decided::Refused(i, why));
                }
            }
            self.settings.signer.key_file = item.key.clone().or_else(|| default_key.clone());
            let (mut decided_on, request, payloads) = match self.decide(state.take(), &item.request, last)? {
                Ok(decided) => decided,
                Err(why) => return Ok(Decided::Refused(i, why)),
            };
            last = Some(request.meta.recorded_at);
            match self.stage_one(&mut decided_on.state, &mut staging, item, &request, payloads)? {
                Ok(one) => recorded.push(one),
                Err(why) => return Ok(Decided::Refused(i, why)),
            }
            state = decided_on.whole.then_some(decided_on.state);
        }
        Ok(Decided::Staged(Box::new(Staged { staging, recorded, whole: state })))
    }

    /// The events each item's command id recorded before, if any.
    fn seen(&self, items: &[Item], group: std::ops::Range<usize>) -> Result<Vec<Option<Vec<u64>>>, LedgerError> {
        let mut seen = Vec::new();
        for item in &items[group] {
            seen.push(match &item.command_id {
                Some(id) => self.store.command_seqs(id)?,
                None => None,
            });
        }
        Ok(seen)
    }

    /// Decides `asked` once: on `state` (the whole state) when given, else
    /// on the streams it is about, and on the whole log when those do not
    /// know what it names. Its recorded time is no earlier than `last`, the
    /// log's last; without `--at`, its business time follows (and the
    /// ledger's rule dates it after the year's closing period).
    #[allow(clippy::type_complexity)]
    fn decide(
        &self,
        state: Option<State>,
        asked: &Request,
        last: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<Result<(DecidedOn, Request, Vec<EventPayload>), LedgerError>, LedgerError> {
        let mut request = asked.clone();
        not_before(&mut request, last);
        let on = |state: State, whole: bool| {
            let mut request = request.clone();
            date_by_rule(&state, &mut request);
            let outcome = handle(&state, &request);
            (DecidedOn { state, whole }, request, outcome)
        };
        let decided = match state {
            Some(whole) => on(whole, true),
            None => match self.streams_of(&request.command)? {
                None => on(self.replay(None)?.state, true),
                Some(streams) => match on(self.replay_streams(&streams)?, false) {
                    // "Not found" lists what exists, which only the whole state knows.
                    (_, _, Err(rejection)) if rejection.kind == RejectionKind::NotFound => {
                        on(self.replay(None)?.state, true)
                    }
                    scoped => scoped,
                },
            },
        };
        let (on, request, outcome) = decided;
        Ok(outcome.map(|payloads| (on, request, payloads)).map_err(LedgerError::from))
    }

    /// Stages one decided command (and its signature) after what `staging`
    /// holds, and applies it to `state`.
    fn stage_one(
        &mut self,
        state: &mut State,
        staging: &mut selfeval_store::Staging,
        item: &Item,
        request: &Request,
        payloads: Vec<EventPayload>,
    ) -> Result<Result<Recorded, LedgerError>, LedgerError> {
        let command_id = item.command_id.clone().unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
        // Whether it must be signed is said only once the rules accepted
        // it: a refusal names the rule before a missing key.
        let signing = match self.signing_for(state, request) {
            Ok(signing) => signing,
            Err(e) => return Ok(Err(e)),
        };
        let batch = batch_of(&request.meta, &command_id, ExpectedVersion::Any, &payloads);
        let first = staging.next_seq();
        let bytes = match self.store.stage(staging, &batch) {
            Ok(Ok(bytes)) => bytes,
            Ok(Err(conflict)) => return Ok(Err(LedgerError::Conflict(conflict.to_string()))),
            Err(e) => return Ok(Err(e.into())),
        };
        let mut events: Vec<(u64, String)> =
            payloads.iter().enumerate().map(|(k, p)| (first + k as u64, p.event_type().to_owned())).collect();
        let refs: Vec<&EventPayload> = payloads.iter().collect();
        let mut echoes = EventPayload::echoes(&refs);
        note_dated(&mut echoes, &item.request, request);
        for (k, payload) in payloads.into_iter().enumerate() {
            state.apply(&selfeval_core::RecordedEvent { seq: first + k as u64, meta: request.meta.clone(), payload });
        }
        if let Some(signing) = signing {
            let seq = staging.next_seq();
            let payload = match self.sign_staged(staging, &batch, &signing, &bytes) {
                Ok(payload) => payload,
                Err(e) => return Ok(Err(e)),
            };
            events.push((seq, payload.event_type().to_owned()));
            echoes.push(None);
            state.apply(&selfeval_core::RecordedEvent { seq, meta: request.meta.clone(), payload });
        }
        Ok(Ok(Recorded { events, echoes, duplicate: false }))
    }

    /// When the log's last event was recorded (`None`: the log is empty).
    fn head_recorded_at(&self) -> Result<Option<chrono::DateTime<chrono::Utc>>, LedgerError> {
        let head = self.store.head().seq;
        if head == 0 {
            return Ok(None);
        }
        Ok(self.store.events_from(head).next().transpose()?.map(|last| last.envelope.recorded_at))
    }

    /// The request with its recorded time no earlier than the head's: a
    /// clock that went back must not make the log's recorded times go back
    /// (an import refuses such a log).
    pub(crate) fn recorded_after_the_head(&self, request: &Request) -> Result<Request, LedgerError> {
        let mut request = request.clone();
        not_before(&mut request, self.head_recorded_at()?);
        Ok(request)
    }

    /// A command id seen before: the same command again answers what it
    /// appended the first time; another command under that id is refused.
    /// "The same" means the same actor, reason and events, decided on the
    /// state before the first time.
    fn resent(&self, request: &Request, id: &str, seqs: &[u64]) -> Result<Recorded, LedgerError> {
        // What the command index says is checked against the log itself: a
        // record pointing elsewhere (forged in a shared database, or an
        // index out of step) must neither answer for another command nor
        // crash.
        let head = self.store.head().seq;
        let stored: Vec<StoredEvent> = match seqs.first() {
            Some(&first) if first >= 1 && seqs.iter().all(|&s| s <= head) => {
                self.store.events_from(first).take(seqs.len()).collect::<Result<_, _>>()?
            }
            _ => Vec::new(),
        };
        if stored.len() != seqs.len() || stored.iter().any(|e| e.envelope.command_id != id) {
            return Err(LedgerError::Integrity(format!(
                "命令编号「{id}」的记录指向事件{:?}，日志中那里不是这条命令的事件：命令索引与日志不符（被改动过）；请运行 selfeval verify",
                seqs
            )));
        }
        let first = &stored[0].envelope;
        let before = match seqs[0] {
            1 => State::default(),
            first => self.replay(Some(AsOf::Seq(first - 1)))?.state,
        };
        // An --at given now must be the one recorded then (without one, the
        // effective time is the clock's and says nothing).
        let explicit_at = request.at.is_some();
        let same_meta = first.actor == request.meta.actor
            && first.reason == request.meta.reason
            && (!explicit_at || first.occurred_at == request.meta.occurred_at);
        // A signature is not part of what was asked: compare the rest.
        let asked: Vec<&StoredEvent> = stored.iter().filter(|e| e.envelope.event_type != "CommandSigned").collect();
        let same_events = match handle(&before, request) {
            Ok(payloads) => {
                payloads.len() == asked.len()
                    && payloads
                        .iter()
                        .zip(asked)
                        .all(|(p, s)| p.event_type() == s.envelope.event_type && p.to_json() == s.envelope.payload)
            }
            Err(_) => false,
        };
        if !(same_meta && same_events) {
            return Err(Rejection::new(
                RejectionKind::Rule,
                "--command-id",
                id,
                format!("命令编号「{id}」已用于事件#{}（{}），内容与本次命令不同；未写入", first.seq, first.event_type),
                "新的命令编号；或与原命令完全相同的重试（同一操作人、原因与内容）",
            )
            .into());
        }
        let events = stored.iter().map(|e| (e.envelope.seq, e.envelope.event_type.clone())).collect();
        let decoded: Vec<Option<EventPayload>> =
            stored.iter().map(|e| crate::decode(e).ok().map(|r| r.payload)).collect();
        let echoes = match decoded.iter().map(Option::as_ref).collect::<Option<Vec<&EventPayload>>>() {
            Some(payloads) => EventPayload::echoes(&payloads),
            None => decoded.iter().map(|p| p.as_ref().and_then(EventPayload::echo)).collect(),
        };
        Ok(Recorded { events, echoes, duplicate: true })
    }

    /// The streams whose events decide a command, when that is not the
    /// whole log: the department's and the roster's (who may write), and
    /// those of the project it is about ([`Command::subject`]).
    pub fn streams_of(&self, command: &Command) -> Result<Option<Vec<String>>, LedgerError> {
        let department = || vec![DEPARTMENT_STREAM.to_owned(), ROSTER_STREAM.to_owned()];
        let with = |stream: String| department().into_iter().chain([stream]).collect();
        Ok(match command.subject() {
            Subject::Department => Some(department()),
            Subject::Everything | Subject::NewProblem(_) | Subject::Problem(_) => None,
            Subject::NewProject(code) | Subject::Project(code) => Some(with(project_stream(code))),
            Subject::Expenditure(seq) => {
                // The expenditure's own event names its stream.
                let stream = match seq.trim().parse::<u64>() {
                    Ok(n) if n >= 1 => self
                        .store
                        .events_from(n)
                        .next()
                        .transpose()?
                        .filter(|e| e.envelope.seq == n)
                        .map(|e| e.envelope.stream),
                    _ => None,
                };
                Some(department().into_iter().chain(stream).collect())
            }
        })
    }

    /// Whether this command is signed, and by whom: when signatures are
    /// required (or this command requires them), or when a key file was
    /// given and the actor has a registered key. `Err` when a signature is
    /// required and cannot be made (rule A9).
    fn signing_for(&self, state: &State, request: &Request) -> Result<Option<Signing>, LedgerError> {
        let governance = state.governance();
        let requires = matches!(&request.command, Command::SetSignaturePolicy { policy }
            if selfeval_core::roles::parse_policy(policy) == Some(true));
        let required = governance.signatures_required.is_some() || requires;
        let member = governance.member_for_actor(&request.meta.actor);
        let registered = member.and_then(|m| m.key.clone());
        if !required {
            return Ok(match (self.settings.signer.has_key_file(), member, registered) {
                (true, Some(m), Some(key)) => Some(Signing { signer: m.name.clone(), key }),
                _ => None,
            });
        }
        let actor = &request.meta.actor;
        let Some(member) = member else {
            // Not a member: authorize (A1) refuses it with the roster.
            return Ok(None);
        };
        let Some(key) = registered else {
            return Err(selfeval_core::roles::refusal(
                "A9",
                "--actor",
                actor,
                format!("本库要求签名，而{}在名册中没有登记公钥", member.name),
                "办公室人员先用 selfeval member key 姓名 --key 公钥文件 --reason 原因 登记公钥",
            )
            .into());
        };
        if !self.settings.signer.is_available() {
            return Err(selfeval_core::roles::refusal(
                "A9",
                "--key",
                "",
                "本库要求签名，但没有给出签名密钥",
                "--key 私钥文件（member add|key 中为 --signing-key）、环境变量 SELFEVAL_KEY，或持有该私钥的 ssh-agent（SSH_AUTH_SOCK）",
            )
            .into());
        }
        Ok(Some(Signing { signer: member.name.clone(), key }))
    }

    /// Signs `bytes`, the staged lines of `batch`, as `signing` says, and
    /// stages the signature as the command's last event.
    fn sign_staged(
        &self,
        staging: &mut selfeval_store::Staging,
        batch: &Batch,
        signing: &Signing,
        bytes: &[u8],
    ) -> Result<EventPayload, LedgerError> {
        let ledger = self.store.staged_identity(staging)?.id;
        let message = crate::signature::signed_message(Some(&ledger), bytes);
        let (signature, key) = self.settings.signer.sign(&signing.signer, Some(&signing.key), &message)?;
        let payload = EventPayload::CommandSigned(CommandSigned {
            stream: batch.stream.clone(),
            signer: signing.signer.clone(),
            key,
            signature,
            ledger: Some(ledger),
        });
        let event = NewEvent {
            event_type: payload.event_type().to_owned(),
            schema_version: payload.schema_version(),
            payload: payload.to_json(),
        };
        self.store.stage_trailer(staging, &Batch { events: vec![event], ..batch.clone() })?;
        Ok(payload)
    }
}

/// A command's events as the store's batch: one stream (the first
/// payload's), the command's audit metadata, each payload with its type and
/// schema version. Also what bulk writers (`xtask gen`) append.
pub fn batch_of(meta: &Meta, command_id: &str, expected_version: ExpectedVersion, payloads: &[EventPayload]) -> Batch {
    Batch {
        stream: payloads[0].stream(),
        expected_version,
        command_id: command_id.to_owned(),
        actor: meta.actor.clone(),
        reason: meta.reason.clone(),
        occurred_at: meta.occurred_at,
        recorded_at: meta.recorded_at,
        events: payloads
            .iter()
            .map(|p| NewEvent {
                event_type: p.event_type().to_owned(),
                schema_version: p.schema_version(),
                payload: p.to_json(),
            })
            .collect(),
    }
}

/// One command of [`Ledger::record_all`]: the request, its command id and
/// the key that signs it (the ledger's signer when `None`).
#[derive(Debug, Clone)]
pub struct Item {
    /// The command with who, when and why.
    pub request: Request,
    /// Its command id (a new one when `None`).
    pub command_id: Option<String>,
    /// A private key file that signs it.
    pub key: Option<std::path::PathBuf>,
}

/// Who signs a command, with the key registered for them.
#[derive(Debug, Clone)]
pub(crate) struct Signing {
    signer: String,
    key: String,
}

/// A command id of a run that is new: well formed, not recorded before
/// (`seen`), not given to an earlier item of the same run (`before`).
fn new_command_id(id: &str, seen: Option<&[u64]>, before: &[Item]) -> Result<(), LedgerError> {
    valid_command_id(id)?;
    let again = before.iter().any(|other| other.command_id.as_deref() == Some(id));
    if seen.is_none() && !again {
        return Ok(());
    }
    let why = match seen {
        Some(seqs) => format!("命令编号「{id}」已用于事件#{}", seqs[0]),
        None => format!("命令编号「{id}」在同一批中出现了两次"),
    };
    Err(Rejection::new(
        RejectionKind::Rule,
        "--command-id",
        id,
        why,
        "整批写入时，各行的命令编号须全新（或整批原样重发）",
    )
    .into())
}

/// How the items of a run land.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Landing {
    /// All in one append, or none.
    Together,
    /// Each in its own append, durable before the next is decided.
    Each,
}

/// What deciding a group of items came to, before anything is stored.
enum Decided {
    /// Every item is a resend: its index and the events it recorded then.
    Resent(Vec<(usize, Vec<u64>)>),
    /// Refused: the item's index and why; nothing is stored.
    Refused(usize, LedgerError),
    /// Staged, to be committed.
    Staged(Box<Staged>),
}

/// A group of items staged: the appends, what each item recorded, and the
/// whole state they leave (`None` when a lone command was decided on its
/// streams).
struct Staged {
    staging: selfeval_store::Staging,
    recorded: Vec<Recorded>,
    whole: Option<State>,
}

/// The state a command was decided on, and whether it is the whole log's.
struct DecidedOn {
    state: State,
    whole: bool,
}

/// The recorded time no earlier than `last`, the log's last: a clock that
/// went back must not make the log's recorded times go back (an import
/// refuses such a log). Without `--at`, the business time follows.
fn not_before(request: &mut Request, last: Option<chrono::DateTime<chrono::Utc>>) {
    if let Some(last) = last {
        request.meta.recorded_at = request.meta.recorded_at.max(last);
        if request.at.is_none() {
            request.meta.occurred_at = request.meta.recorded_at;
        }
    }
}

/// A command recorded without `--at` after its year's closing period takes
/// the business date the ledger's rule gives it
/// (`core::command::default_business_time`).
fn date_by_rule(state: &State, request: &mut Request) {
    if request.at.is_none() {
        if let Some(at) =
            selfeval_core::command::default_business_time(state, &request.command, request.meta.recorded_at)
        {
            request.meta.occurred_at = at;
        }
    }
}

/// Says in the first echo when [`date_by_rule`] dated the command.
fn note_dated(echoes: &mut [Option<String>], asked: &Request, decided: &Request) {
    if asked.at.is_none() && decided.meta.occurred_at != decided.meta.recorded_at {
        let note = selfeval_core::command::defaulted_date_note(decided.meta.occurred_at);
        if let Some(first) = echoes.first_mut() {
            *first = Some(match first.take() {
                Some(echo) => format!("{echo}；{note}"),
                None => note,
            });
        }
    }
}

/// The command ids of a batch file's lines (their texts, comments and blank
/// lines left out): each from the SHA-256 of the lines up to and including
/// it, so that the same file run again, or corrected after line k, answers
/// the lines before k as resends.
pub fn batch_line_ids(lines: &[&str]) -> Vec<String> {
    use sha2::Digest;
    let mut digest = sha2::Sha256::new();
    lines
        .iter()
        .map(|line| {
            digest.update(line.as_bytes());
            digest.update(b"\n");
            let hex: String = digest.clone().finalize().iter().take(16).map(|b| format!("{b:02x}")).collect();
            format!("batch-{hex}")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use selfeval_core::{Command, Meta};
    use selfeval_store::ExpectedVersion;

    use super::batch_of;
    use crate::{Ledger, LedgerSettings};

    /// What the write loop relies on: a command staged when the log was at
    /// one head does not land once another command moved it; it is decided
    /// again.
    #[test]
    fn a_decision_made_at_an_older_head_is_a_conflict_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::open(
            &crate::Location::Dir(dir.path().to_owned()),
            &LedgerSettings::default(),
            crate::Purpose::Create,
        )
        .unwrap();
        let at = Utc.with_ymd_and_hms(2024, 12, 1, 2, 0, 0).unwrap();
        let meta = Meta { actor: "张三@应急救援科".into(), reason: None, occurred_at: at, recorded_at: at };
        let init =
            Command::InitYear {
                department: "某市应急管理局".into(), year: "2024".into(), profile: None, unit: None
            };
        let request = selfeval_core::Request::new(meta.clone(), init);
        // Decided when the log was empty, staged, not yet committed.
        let payloads = selfeval_core::handle(&selfeval_core::State::default(), &request).unwrap();
        let mut late = ledger.store.staging();
        let batch = batch_of(&meta, "late", ExpectedVersion::Any, &payloads);
        ledger.store.stage(&mut late, &batch).unwrap().unwrap();
        ledger.record(&request, None).unwrap();
        let conflict = ledger.store.commit_staged(late).unwrap().unwrap_err();
        assert_eq!((conflict.expected, conflict.actual), (0, 1));
        assert_eq!(ledger.head().seq, 1);
        assert!(ledger.store.command_seqs("late").unwrap().is_none());
    }
}
