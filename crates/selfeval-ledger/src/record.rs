//! Recording: a command is handled against the state it depends on, read
//! at one head of the log; its events are appended as one batch only if the
//! log is still at that head (and its stream at the version it had), so a
//! decision is never stored on top of events it did not see. When another
//! writer got there first, the command is handled again.

use selfeval_core::event::{project_stream, CommandSigned, DEPARTMENT_STREAM, ROSTER_STREAM};
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
            if let Some(seqs) = self.store.command_seqs(id)? {
                return self.resent(request, id, &seqs);
            }
        }
        let given_id = command_id.is_some();
        let command_id = command_id.map_or_else(|| uuid::Uuid::now_v7().to_string(), str::to_owned);
        let asked = request;
        let mut attempts = 0;
        loop {
            // Other writers of a shared database are kept out from here to
            // the commit (a no-op on sled, which this process holds).
            self.store.hold()?;
            let decided = self.recorded_after_the_head(asked).and_then(|mut request| {
                let state = self.state_for(&request)?;
                date_by_rule(&state, &mut request);
                Ok((request, state))
            });
            let (request, mut state) = match decided {
                Ok(decided) => decided,
                Err(error) => {
                    self.store.release()?;
                    return Err(error);
                }
            };
            // Another client of a shared database may have recorded the
            // same command id since it was looked up: the answer is then
            // the resent one. (An id made here is new: no second lookup.)
            let resent = if given_id { self.store.command_seqs(&command_id)? } else { None };
            if let Some(seqs) = resent {
                self.store.release()?;
                return self.resent(asked, &command_id, &seqs);
            }
            let request = &request;
            let decided_at = self.store.head().seq;
            // Whether it must be signed is said only once the rules accepted
            // it: a refusal names the rule before a missing key.
            let signing = self.signing_for(&state, request);
            let signed = matches!(signing, Ok(Some(_)));
            let outcome = execute(&mut state, request, |payloads| {
                let signing = signing.map_err(Append::Failed)?;
                self.append_at(decided_at, &request.meta, &command_id, payloads, signing.as_ref())
            });
            // Nothing is held after a commit; a refusal lets go here.
            self.store.release()?;
            match outcome {
                Ok(events) => {
                    let payloads: Vec<&EventPayload> = events.iter().map(|e| &e.payload).collect();
                    let mut echoes = EventPayload::echoes(&payloads);
                    note_dated(&mut echoes, asked, request);
                    let mut events: Vec<_> =
                        events.into_iter().map(|e| (e.seq, e.payload.event_type().to_owned())).collect();
                    if signed {
                        events.push((self.store.head().seq, "CommandSigned".to_owned()));
                        echoes.push(None);
                    }
                    return Ok(Recorded { events, echoes, duplicate: false });
                }
                Err(Executed::Rejected(rejection)) => return Err(rejection.into()),
                Err(Executed::NotAppended(Append::Failed(error))) => return Err(error),
                Err(Executed::NotAppended(Append::Conflict(conflict))) => {
                    attempts += 1;
                    if attempts > CONFLICT_RETRIES {
                        return Err(LedgerError::Conflict(conflict));
                    }
                    back_off(attempts);
                }
            }
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
        let known: Vec<bool> = items
            .iter()
            .map(|it| {
                it.command_id
                    .as_deref()
                    .map(|id| self.store.command_seqs(id))
                    .transpose()
                    .map(|s| s.flatten().is_some())
            })
            .collect::<Result<_, _>>()?;
        if !items.is_empty() && known.iter().all(|k| *k) {
            let mut out = Vec::new();
            for (i, item) in items.iter().enumerate() {
                match self.record(&item.request, item.command_id.as_deref()) {
                    Ok(recorded) => out.push(recorded),
                    Err(e) => return Ok(Err((i, e))),
                }
            }
            return Ok(Ok(out));
        }
        // Decided on a log no other writer of a shared database can move.
        self.store.hold()?;
        let default_key = self.settings.signer.key_file.clone();
        let outcome = self.stage_all(items);
        self.settings.signer.key_file = default_key;
        let (staging, recorded) = match outcome {
            Ok(Ok(staged)) => staged,
            Ok(Err(refused)) => {
                self.store.release()?;
                return Ok(Err(refused));
            }
            Err(error) => {
                self.store.release()?;
                return Err(error);
            }
        };
        match self.store.commit_staged(staging)? {
            Ok(_) => Ok(Ok(recorded)),
            Err(conflict) => Err(LedgerError::Conflict(conflict.to_string())),
        }
    }

    #[allow(clippy::type_complexity)]
    fn stage_all(
        &mut self,
        items: &[Item],
    ) -> Result<Result<(selfeval_store::Staging, Vec<Recorded>), (usize, LedgerError)>, LedgerError> {
        let mut state = self.replay(None)?.state;
        let mut staging = self.store.staging();
        let mut out = Vec::new();
        let default_key = self.settings.signer.key_file.clone();
        for (i, item) in items.iter().enumerate() {
            if let Some(id) = &item.command_id {
                if let Err(e) = valid_command_id(id) {
                    return Ok(Err((i, e)));
                }
                let seen = self.store.command_seqs(id)?.map(|s| s[0]);
                let again = items[..i].iter().any(|other| other.command_id.as_deref() == Some(id.as_str()));
                if seen.is_some() || again {
                    let why = match seen {
                        Some(seq) => format!("命令编号「{id}」已用于事件#{seq}"),
                        None => format!("命令编号「{id}」在同一批中出现了两次"),
                    };
                    let rejection = Rejection::new(
                        RejectionKind::Rule,
                        "--command-id",
                        id,
                        why,
                        "整批写入时，各行的命令编号须全新（或整批原样重发）",
                    );
                    return Ok(Err((i, rejection.into())));
                }
            }
            self.settings.signer.key_file = item.key.clone().or_else(|| default_key.clone());
            match self.stage_one(&mut state, &mut staging, item)? {
                Ok(recorded) => out.push(recorded),
                Err(e) => return Ok(Err((i, e))),
            }
        }
        Ok(Ok((staging, out)))
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
            let fake = |p: &[EventPayload]| Ok::<_, ()>((next..next + p.len() as u64).collect());
            match execute(&mut state, &item.request, fake) {
                Ok(events) => next += events.len() as u64,
                Err(Executed::Rejected(why)) => refused.push((i, why.into())),
                Err(Executed::NotAppended(())) => unreachable!("the scratch append never fails"),
            }
        }
        Ok(refused)
    }

    /// Records `items` one after another in this process, each atomic and
    /// durable on its own (one log value and one flush per command), each
    /// decided on a state kept in memory: this process holds the store, so
    /// no other writer can move it between two commands. A command id
    /// recorded before answers as resent. Stops at the first refusal:
    /// `Ok(Err((i, why)))`, the ones before it recorded. `each` sees every
    /// command recorded.
    pub fn record_each(
        &mut self,
        items: &[Item],
        each: impl FnMut(&Recorded) -> Result<(), LedgerError>,
    ) -> Result<Result<usize, (usize, LedgerError)>, LedgerError> {
        let default_key = self.settings.signer.key_file.clone();
        let outcome = self.record_each_with(items, &default_key, each);
        self.settings.signer.key_file = default_key;
        outcome
    }

    fn record_each_with(
        &mut self,
        items: &[Item],
        default_key: &Option<std::path::PathBuf>,
        mut each: impl FnMut(&Recorded) -> Result<(), LedgerError>,
    ) -> Result<Result<usize, (usize, LedgerError)>, LedgerError> {
        // The state kept between lines, with the event it reflects.
        let mut state: Option<(State, u64)> = None;
        for (i, item) in items.iter().enumerate() {
            self.settings.signer.key_file = item.key.clone().or_else(|| default_key.clone());
            let resent = match &item.command_id {
                Some(id) => self.store.command_seqs(id)?.is_some(),
                None => false,
            };
            if resent || matches!(item.request.command, Command::InitYear { .. }) {
                let recorded = match self.record(&item.request, item.command_id.as_deref()) {
                    Ok(recorded) => recorded,
                    Err(e) => return Ok(Err((i, e))),
                };
                each(&recorded)?;
                if !resent {
                    state = None; // a new year: replayed when next needed
                }
                continue;
            }
            if let Some(id) = &item.command_id {
                if let Err(e) = valid_command_id(id) {
                    return Ok(Err((i, e)));
                }
            }
            // On sled this process holds the store and the state kept in
            // memory stays true; on a shared database another client may
            // have written meanwhile: the line is then decided again on a
            // fresh replay, as a single command is.
            let mut attempts = 0;
            let recorded = loop {
                self.store.hold()?;
                let head = self.store.head().seq;
                let mut current = match state.take() {
                    Some((state, at)) if at == head => state,
                    _ => match self.replay(None) {
                        Ok(replayed) => replayed.state,
                        Err(error) => {
                            self.store.release()?;
                            return Err(error);
                        }
                    },
                };
                let mut staging = self.store.staging();
                let staged = self.stage_one(&mut current, &mut staging, item);
                let recorded = match staged {
                    Ok(Ok(recorded)) => recorded,
                    Ok(Err(e)) => {
                        self.store.release()?;
                        return Ok(Err((i, e)));
                    }
                    Err(error) => {
                        self.store.release()?;
                        return Err(error);
                    }
                };
                match self.store.commit_staged(staging)? {
                    Ok(_) => {
                        state = Some((current, self.store.head().seq));
                        break recorded;
                    }
                    Err(_) if attempts < CONFLICT_RETRIES => {
                        attempts += 1;
                        back_off(attempts);
                    }
                    Err(conflict) => return Err(LedgerError::Conflict(conflict.to_string())),
                }
            };
            each(&recorded)?;
        }
        Ok(Ok(items.len()))
    }

    /// Decides one item on `state`, stages it (and its signature) after
    /// what `staging` holds, and applies it to `state`.
    fn stage_one(
        &mut self,
        state: &mut State,
        staging: &mut selfeval_store::Staging,
        item: &Item,
    ) -> Result<Result<Recorded, LedgerError>, LedgerError> {
        let command_id = item.command_id.clone().unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
        let mut request = item.request.clone();
        if let Some(last) = state.last_recorded_at() {
            let defaulted = request.meta.occurred_at == request.meta.recorded_at;
            request.meta.recorded_at = request.meta.recorded_at.max(last);
            if defaulted {
                request.meta.occurred_at = request.meta.recorded_at;
            }
        }
        date_by_rule(state, &mut request);
        let payloads = match handle(state, &request) {
            Ok(payloads) => payloads,
            Err(rejection) => return Ok(Err(rejection.into())),
        };
        let signing = match self.signing_for(state, &request) {
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
        let mut echoes: Vec<Option<String>> = payloads.iter().map(EventPayload::echo).collect();
        note_dated(&mut echoes, &item.request, &request);
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

    /// The request with its recorded time no earlier than the head's: a
    /// clock that went back must not make the log's recorded times go back
    /// (an import refuses such a log).
    pub(crate) fn recorded_after_the_head(&self, request: &Request) -> Result<Request, LedgerError> {
        let mut request = request.clone();
        let head = self.store.head().seq;
        if head > 0 {
            if let Some(last) = self.store.events_from(head).next().transpose()? {
                let defaulted = request.meta.occurred_at == request.meta.recorded_at;
                request.meta.recorded_at = request.meta.recorded_at.max(last.envelope.recorded_at);
                if defaulted {
                    // No --at was given: the effective time follows the recorded one.
                    request.meta.occurred_at = request.meta.recorded_at;
                }
            }
        }
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
        let explicit_at = request.meta.occurred_at != request.meta.recorded_at;
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

    /// The state a command is decided on: its streams only when that is
    /// enough, the whole log otherwise.
    fn state_for(&self, request: &Request) -> Result<State, LedgerError> {
        let Some(streams) = self.streams_of(&request.command)? else {
            return Ok(self.replay(None)?.state);
        };
        let scoped = self.replay_streams(&streams)?;
        match handle(&scoped, request) {
            // "Not found" lists what exists, which only the whole state knows.
            Err(rejection) if rejection.kind == RejectionKind::NotFound => Ok(self.replay(None)?.state),
            _ => Ok(scoped),
        }
    }

    /// The streams whose events decide a command, when that is not the
    /// whole log: the department's, and the project's it names. Problems are
    /// looked up across the department, so their commands replay everything.
    pub fn streams_of(&self, command: &Command) -> Result<Option<Vec<String>>, LedgerError> {
        // The department's and the roster's streams decide who may write.
        let with_project =
            |code: &str| Some(vec![DEPARTMENT_STREAM.to_owned(), ROSTER_STREAM.to_owned(), project_stream(code)]);
        Ok(match command {
            Command::InitYear { .. }
            | Command::ChangeUnit { .. }
            | Command::AddMember { .. }
            | Command::RemoveMember { .. }
            | Command::ChangeMemberKey { .. }
            | Command::Unseal
            | Command::SetSignaturePolicy { .. }
            | Command::RecordCheckpoint { .. }
            | Command::SetNarrative { project: None, .. } => {
                Some(vec![DEPARTMENT_STREAM.to_owned(), ROSTER_STREAM.to_owned()])
            }
            // A seal needs every project's status; a profile change is
            // refused while any project is approved (A6).
            Command::Seal | Command::ChangeProfile { .. } => None,
            Command::AddProject { code: project, .. }
            | Command::SetBudget { project, .. }
            | Command::AdjustBudget { project, .. }
            | Command::RecordExpenditure { project, .. }
            | Command::SetGoal { project, .. }
            | Command::RecordPrinted { project, .. }
            | Command::DefineIndicator { project, .. }
            | Command::RecordActual { project, .. }
            | Command::MarkNotApplicable { project, .. }
            | Command::AdjustScore { project, .. }
            | Command::SetNarrative { project: Some(project), .. }
            | Command::Submit { project }
            | Command::Approve { project }
            | Command::Return { project }
            | Command::AmendIndicator { project, .. }
            | Command::WithdrawIndicator { project, .. }
            | Command::UndoNotApplicable { project, .. }
            | Command::AmendProject { project, .. }
            | Command::Reopen { project }
            | Command::AddEvidence { project, .. }
            | Command::WithdrawProject { project } => with_project(project),
            Command::ReverseExpenditure { seq } => {
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
                Some([DEPARTMENT_STREAM.to_owned(), ROSTER_STREAM.to_owned()].into_iter().chain(stream).collect())
            }
            Command::IdentifyProblem { .. }
            | Command::PlanRectification { .. }
            | Command::ProgressRectification { .. }
            | Command::CompleteRectification { .. }
            | Command::AmendProblem { .. }
            | Command::WithdrawProblem { .. } => None,
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

    /// Appends a command's events as one batch, if the log is still at the
    /// head `decided_at` that the command was decided on; signed, when
    /// `signing` says so, over the exact lines to be stored.
    pub(crate) fn append_at(
        &mut self,
        decided_at: u64,
        meta: &Meta,
        command_id: &str,
        payloads: &[EventPayload],
        signing: Option<&Signing>,
    ) -> Result<Vec<u64>, Append> {
        if self.store.head().seq != decided_at {
            return Err(Append::Conflict(format!(
                "决定命令期间日志从事件{decided_at}变到了事件{}",
                self.store.head().seq
            )));
        }
        let stream = payloads[0].stream();
        debug_assert!(payloads.iter().all(|p| p.stream() == stream), "a command writes one stream");
        let version = self.store.stream_version(&stream).map_err(|e| Append::Failed(e.into()))?;
        let batch = batch_of(meta, command_id, ExpectedVersion::Exact(version), payloads);
        let failed = |e: LedgerError| Append::Failed(e);
        let mut staging = self.store.staging();
        let bytes = match self.store.stage(&mut staging, &batch).map_err(|e| failed(e.into()))? {
            Ok(bytes) => bytes,
            Err(conflict) => return Err(Append::Conflict(conflict.to_string())),
        };
        if let Some(signing) = signing {
            self.sign_staged(&mut staging, &batch, signing, &bytes).map_err(failed)?;
        }
        match self.store.commit_staged(staging).map_err(|e| failed(e.into()))? {
            Ok(appended) => Ok(appended.seqs[..payloads.len()].to_vec()),
            Err(conflict) => Err(Append::Conflict(conflict.to_string())),
        }
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

/// Why an append did not land.
#[derive(Debug)]
pub(crate) enum Append {
    /// Another writer changed the stream first: handle again.
    Conflict(String),
    /// The store failed.
    Failed(LedgerError),
}

/// A command recorded without `--at` after its year's closing period takes
/// the business date the ledger's rule gives it
/// (`core::command::default_business_time`).
fn date_by_rule(state: &State, request: &mut Request) {
    if request.meta.occurred_at == request.meta.recorded_at {
        if let Some(at) =
            selfeval_core::command::default_business_time(state, &request.command, request.meta.recorded_at)
        {
            request.meta.occurred_at = at;
        }
    }
}

/// Says in the first echo when [`date_by_rule`] dated the command.
fn note_dated(echoes: &mut [Option<String>], asked: &Request, decided: &Request) {
    let defaulted = asked.meta.occurred_at == asked.meta.recorded_at;
    if defaulted && decided.meta.occurred_at != decided.meta.recorded_at {
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
    use selfeval_core::{Command, EventPayload, Meta};

    use super::Append;
    use crate::{Ledger, LedgerSettings};

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
        ledger.record(&request, None).unwrap();
        // A command decided when the log was empty, appended after event 1 landed.
        let payloads = selfeval_core::handle(&selfeval_core::State::default(), &request).unwrap();
        match ledger.append_at(0, &meta, "late", &payloads, None) {
            Err(Append::Conflict(why)) => {
                assert_eq!(why, "决定命令期间日志从事件0变到了事件1")
            }
            other => panic!("expected a conflict, got {other:?}"),
        }
        assert_eq!(ledger.head().seq, 1);
        assert!(matches!(payloads[0], EventPayload::YearInitialised(_)));
    }
}
