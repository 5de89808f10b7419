//! Checkpoints an outsider keeps: a signed statement of the head (format in
//! `docs/spec/roles.md`), recorded in the log when it is handed out, and
//! checked later against the store by `verify --checkpoint`.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use selfeval_core::{Command, Meta, Request, State};
use ssh_key::{HashAlg, PublicKey, SshSig};

use crate::signature::NAMESPACE;
use crate::{Ledger, LedgerError};

/// The first line of every statement.
pub const CHECKPOINT_HEADER: &str = "selfeval checkpoint 1";

/// What a statement says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// 部门.
    pub department: String,
    /// 年度.
    pub year: i32,
    /// The sequence number pinned.
    pub seq: u64,
    /// The hash of that event.
    pub head: String,
    /// When the statement was made.
    pub time: DateTime<Utc>,
    /// Who made it (the actor).
    pub signer: String,
    /// The fingerprint of the key that signed it.
    pub key: String,
}

impl Statement {
    /// The signed text: one `name: value` line each, after the header.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "{CHECKPOINT_HEADER}");
        let _ = writeln!(out, "department: {}", self.department);
        let _ = writeln!(out, "year: {}", self.year);
        let _ = writeln!(out, "seq: {}", self.seq);
        let _ = writeln!(out, "head: {}", self.head);
        let _ = writeln!(out, "time: {}", self.time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        let _ = writeln!(out, "signer: {}", self.signer);
        let _ = writeln!(out, "key: {}", self.key);
        out
    }
}

/// Why a statement file is not a valid checkpoint (before the store is
/// consulted): the file was edited, or it is not a checkpoint.
fn parse(text: &str) -> Result<(Statement, String, String), String> {
    let start = text.find("-----BEGIN SSH SIGNATURE-----").ok_or("没有签名（-----BEGIN SSH SIGNATURE-----）")?;
    let (body, armored) = text.split_at(start);
    let mut lines = body.lines();
    if lines.next() != Some(CHECKPOINT_HEADER) {
        return Err(format!("第一行不是「{CHECKPOINT_HEADER}」"));
    }
    let mut field = |name: &str| -> Result<String, String> {
        let line = lines.next().ok_or_else(|| format!("缺少 {name}: 行"))?;
        line.strip_prefix(&format!("{name}: "))
            .map(str::to_owned)
            .ok_or_else(|| format!("应为 {name}: 行，读到「{line}」"))
    };
    let department = field("department")?;
    let year = field("year")?.parse().map_err(|_| "year 不是年份".to_owned())?;
    let seq = field("seq")?.parse().map_err(|_| "seq 不是事件序号".to_owned())?;
    let head = field("head")?;
    let time = DateTime::parse_from_rfc3339(&field("time")?).map_err(|e| format!("time 无法读取：{e}"))?.to_utc();
    let signer = field("signer")?;
    let key = field("key")?;
    let statement = Statement { department, year, seq, head, time, signer, key };
    Ok((statement, body.to_owned(), armored.to_owned()))
}

/// Reads a statement and checks its signature against the key it names.
pub fn read_statement(text: &str) -> Result<Statement, String> {
    let (statement, body, armored) = parse(text)?;
    if statement.text() != body {
        return Err("正文格式与规定不符（多余的行或空白）".into());
    }
    let signature = SshSig::from_pem(armored.trim_end()).map_err(|e| format!("签名无法读取：{e}"))?;
    let public = PublicKey::from(signature.public_key().clone());
    let fingerprint = public.fingerprint(HashAlg::Sha256).to_string();
    if fingerprint != statement.key {
        return Err(format!("签名所用的公钥是 {fingerprint}，而声明写的是 {}", statement.key));
    }
    public
        .verify(NAMESPACE, body.as_bytes(), &signature)
        .map_err(|e| format!("签名与正文不符（{e}）：检查点文件被改动过"))?;
    Ok(statement)
}

/// A statement checked against the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointHeld {
    /// What it says.
    pub statement: Statement,
    /// The member whose registered key (now or once) signed it, if any.
    pub registered_to: Option<String>,
    /// The `CheckpointRecorded` event that recorded handing it out, if any.
    pub recorded: Option<u64>,
}

impl Ledger {
    /// Prepares a checkpoint of the head as it is now: the signed
    /// statement's text and the request that records it. The access rules
    /// are applied first (a non-member hears A1, not a key error); in roster
    /// mode the statement is signed with the actor's registered key.
    pub fn prepare_checkpoint(&self, meta: &Meta, command_id: Option<&str>) -> Result<(String, Request), LedgerError> {
        if let Some(seqs) = command_id.map(|id| self.store.command_seqs(id)).transpose()?.flatten() {
            // A statement pins the head when it is made: it is not resent.
            return Err(LedgerError::Invalid {
                field: "--command-id".into(),
                message: format!(
                    "命令编号「{}」已用于事件#{}；检查点不能重发，可接受：新的命令编号，或不带 --command-id 重新生成",
                    command_id.unwrap_or_default(),
                    seqs[0]
                ),
            });
        }
        let state = self.replay(None)?.state;
        let department = state.department().ok_or_else(|| LedgerError::Invalid {
            field: "checkpoint".into(),
            message: "本库尚未初始化年度；可接受：先运行 selfeval init 初始化年度，再生成检查点".into(),
        })?;
        let head = self.head().clone();
        let placeholder =
            Command::RecordCheckpoint { seq: head.seq, head: head.hash.clone(), key: "SHA256:(待签名)".into() };
        // The time the event will be recorded at is the statement's time.
        let mut request = self.recorded_after_the_head(&Request::new(meta.clone(), placeholder))?;
        selfeval_core::handle(&state, &request)?;
        let governance = state.governance();
        let member = governance.member_for_actor(&meta.actor);
        let registered = member.and_then(|m| m.key.clone());
        if governance.has_roster() && registered.is_none() {
            return Err(selfeval_core::roles::refusal(
                "A9",
                "--actor",
                &meta.actor,
                "检查点须由本人在名册中登记的公钥签名，而名册中没有登记",
                "办公室人员先用 selfeval member key 姓名 --key 公钥文件 --reason 原因 登记公钥",
            )
            .into());
        }
        let statement = Statement {
            department: department.name.clone(),
            year: department.year,
            seq: head.seq,
            head: head.hash.clone(),
            time: request.meta.recorded_at,
            signer: meta.actor.clone(),
            key: self.settings.signer.fingerprint(registered.as_deref())?,
        };
        let body = statement.text();
        let (armored, _) = self.settings.signer.sign(&meta.actor, registered.as_deref(), body.as_bytes())?;
        request.command = Command::RecordCheckpoint { seq: head.seq, head: head.hash, key: statement.key };
        Ok((format!("{body}{armored}"), request))
    }

    /// Checks a checkpoint statement: its signature, that it is about this
    /// department and year, and that the store still holds exactly that
    /// head at that sequence number; says whose key signed it and whether
    /// the log recorded it. `Ok(Err(why))` when it does not hold.
    pub(crate) fn verify_checkpoint(
        &self,
        text: &str,
        state: &State,
    ) -> Result<Result<CheckpointHeld, String>, LedgerError> {
        let statement = match read_statement(text) {
            Ok(statement) => statement,
            Err(why) => return Ok(Err(why)),
        };
        if let Some(department) = state.department() {
            if department.name != statement.department || department.year != statement.year {
                return Ok(Err(format!(
                    "检查点属于「{}」{}年度，本库是「{}」{}年度",
                    statement.department, statement.year, department.name, department.year
                )));
            }
        }
        let s = &statement;
        if s.seq > self.head().seq {
            return Ok(Err(format!(
                "检查点固定了事件{}，而本库只有{}个事件：历史被截短或替换",
                s.seq,
                self.head().seq
            )));
        }
        if s.seq == 0 {
            return Ok(Err("检查点固定的是事件0：没有固定任何事件".into()));
        }
        {
            match self.store.events_from(s.seq).next().transpose()? {
                Some(event) if event.envelope.seq == s.seq && event.hash == s.head => {}
                Some(event) if event.envelope.seq == s.seq => {
                    return Ok(Err(format!(
                        "事件{}的哈希现为 {}，检查点记为 {}：此前的历史被改写过",
                        s.seq, event.hash, s.head
                    )))
                }
                _ => return Ok(Err(format!("本库读不到事件{}", s.seq))),
            }
        }
        let governance = state.governance();
        let registered_to = governance
            .members
            .iter()
            .find(|m| m.key.as_deref().and_then(selfeval_core::roles::fingerprint).as_deref() == Some(s.key.as_str()))
            .map(|m| m.actor());
        let recorded = governance
            .checkpoints
            .iter()
            .find(|c| c.pinned_seq == s.seq && c.head == s.head && c.key == s.key)
            .map(|c| c.seq);
        Ok(Ok(CheckpointHeld { statement, registered_to, recorded }))
    }
}
