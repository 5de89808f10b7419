//! Signatures with the keys people already have: OpenSSH ed25519 keys,
//! SSHSIG signatures in the namespace `selfeval`, so that `ssh-keygen -Y
//! verify` checks them without selfeval (`docs/spec/roles.md`).
//!
//! A signed command ends with a `CommandSigned` event whose signature
//! covers the exact stored lines of the command's other events (each with
//! its `\n`); those lines carry the previous hash, so a signature pins the
//! whole history before it.

use std::path::{Path, PathBuf};

use selfeval_core::governance::Governance;
use selfeval_core::{EventPayload, RecordedEvent, State};
use ssh_key::{HashAlg, LineEnding, PrivateKey, PublicKey, SshSig};

use crate::LedgerError;

/// The SSHSIG namespace of every selfeval signature.
pub const NAMESPACE: &str = "selfeval";

/// What a command's signature covers: the line `selfeval-ledger <ledger>`
/// (v2: the identity of the ledger it was signed in), then the command's
/// stored lines, each with its `\n`; v1 signatures cover the lines alone.
pub fn signed_message(ledger: Option<&str>, lines: &[u8]) -> Vec<u8> {
    match ledger {
        None => lines.to_vec(),
        Some(ledger) => {
            let mut message = format!("selfeval-ledger {ledger}\n").into_bytes();
            message.extend_from_slice(lines);
            message
        }
    }
}

/// Where a signing key comes from: a private key file (`--key`,
/// `SELFEVAL_KEY`) or the ssh-agent (`SSH_AUTH_SOCK`). Passed in by the
/// caller; nothing here reads the environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Signer {
    /// An OpenSSH private key file (unencrypted; an encrypted key goes
    /// through the agent).
    pub key_file: Option<PathBuf>,
    /// The ssh-agent's socket.
    pub agent: Option<PathBuf>,
}

impl Signer {
    /// Whether a key file was named (the agent alone signs only when asked).
    pub fn has_key_file(&self) -> bool {
        self.key_file.is_some()
    }

    /// Whether any way to sign was given.
    pub fn is_available(&self) -> bool {
        self.key_file.is_some() || self.agent.is_some()
    }

    /// The fingerprint of the key that will sign: the registered key's, or
    /// the key file's when none is registered.
    pub fn fingerprint(&self, registered: Option<&str>) -> Result<String, LedgerError> {
        let public = match (registered, &self.key_file) {
            (Some(text), _) => PublicKey::from_openssh(text).map_err(|e| LedgerError::Integrity(e.to_string()))?,
            (None, Some(file)) => read_private_key(file)?.public_key().clone(),
            (None, None) => {
                return Err(invalid(
                    "没有可用的签名密钥：名册中没有登记本人公钥时，请用 --key 私钥文件或环境变量 SELFEVAL_KEY".into(),
                ))
            }
        };
        Ok(public.fingerprint(HashAlg::Sha256).to_string())
    }

    /// Signs `message` as `who`, with the key registered for them if any
    /// (the key file must be that key; the agent must hold it). Returns the
    /// armored signature and the key's fingerprint.
    pub fn sign(&self, who: &str, registered: Option<&str>, message: &[u8]) -> Result<(String, String), LedgerError> {
        let registered = match registered {
            Some(text) => Some(PublicKey::from_openssh(text).map_err(|e| LedgerError::Integrity(e.to_string()))?),
            None => None,
        };
        let signature = match (&self.key_file, &self.agent, &registered) {
            (Some(file), _, _) => {
                let private = read_private_key(file)?;
                if let Some(expected) = &registered {
                    if private.public_key().key_data() != expected.key_data() {
                        return Err(selfeval_core::Rejection::new(
                            selfeval_core::RejectionKind::InvalidValue,
                            "--key",
                            &file.display().to_string(),
                            format!(
                                "私钥 {} 不是{who}在名册中登记的公钥 {}",
                                private.public_key().fingerprint(HashAlg::Sha256),
                                expected.fingerprint(HashAlg::Sha256)
                            ),
                            format!("{who}登记的公钥对应的私钥，或由办公室人员用 selfeval member key 更换登记的公钥"),
                        )
                        .into());
                    }
                }
                private
                    .sign(NAMESPACE, HashAlg::Sha512, message)
                    .map_err(|e| invalid(format!("无法用 {} 签名：{e}", file.display())))?
            }
            (None, Some(socket), Some(public)) => sign_with_agent(socket, public, message)?,
            (None, Some(_), None) => {
                return Err(invalid(format!(
                    "{who}在名册中没有登记公钥，无法从 ssh-agent 选出签名用的密钥；请用 --key 指定私钥文件"
                )))
            }
            (None, None, _) => {
                return Err(invalid(
                    "没有可用的签名密钥：请用 --key 私钥文件、环境变量 SELFEVAL_KEY，或启动 ssh-agent（SSH_AUTH_SOCK）"
                        .into(),
                ))
            }
        };
        let fingerprint = PublicKey::from(signature.public_key().clone()).fingerprint(HashAlg::Sha256).to_string();
        let armored = signature.to_pem(LineEnding::LF).map_err(|e| invalid(e.to_string()))?;
        Ok((armored, fingerprint))
    }
}

fn invalid(message: String) -> LedgerError {
    LedgerError::Invalid { field: "--key|SELFEVAL_KEY".into(), message }
}

fn read_private_key(file: &Path) -> Result<PrivateKey, LedgerError> {
    let text = std::fs::read_to_string(file).map_err(|e| {
        let why = match e.kind() {
            std::io::ErrorKind::NotFound => "文件不存在".to_owned(),
            std::io::ErrorKind::PermissionDenied => "没有读取权限".to_owned(),
            std::io::ErrorKind::IsADirectory => "这是目录".to_owned(),
            std::io::ErrorKind::InvalidData => "不是文本文件".to_owned(),
            _ => e.to_string(),
        };
        invalid(format!(
            "无法读取私钥文件 {}：{why}；可接受：ssh-keygen -t ed25519 生成的私钥文件（不带 .pub）",
            file.display()
        ))
    })?;
    if text.trim_start().starts_with("ssh-") {
        return Err(invalid(format!(
            "{} 是公钥（.pub）；签名要用私钥：可接受：同名不带 .pub 的私钥文件",
            file.display()
        )));
    }
    let key = PrivateKey::from_openssh(text.as_bytes()).map_err(|_| {
        invalid(format!(
            "{} 不是 OpenSSH 格式的私钥；可接受：ssh-keygen -t ed25519 生成的私钥文件（不带 .pub）",
            file.display()
        ))
    })?;
    if key.is_encrypted() {
        return Err(invalid(format!(
            "私钥 {} 有口令保护：请先用 ssh-add {} 把它交给 ssh-agent，再不带 --key 运行",
            file.display(),
            file.display()
        )));
    }
    if key.algorithm() != ssh_key::Algorithm::Ed25519 {
        return Err(invalid(format!("私钥 {} 的算法是 {}，不是 ed25519", file.display(), key.algorithm())));
    }
    Ok(key)
}

/// SSHSIG through the agent: the agent signs the SSHSIG blob of `message`.
fn sign_with_agent(socket: &Path, public: &PublicKey, message: &[u8]) -> Result<SshSig, LedgerError> {
    let fail = |e: String| invalid(format!("ssh-agent（{}）无法签名：{e}", socket.display()));
    let blob = SshSig::signed_data(NAMESPACE, HashAlg::Sha512, message).map_err(|e| fail(e.to_string()))?;
    let mut client = ssh_agent_client_rs::Client::connect(socket).map_err(|e| fail(e.to_string()))?;
    let signature = client.sign(public, &blob).map_err(|e| {
        fail(format!("{e}（agent 中没有公钥 {} 对应的私钥？用 ssh-add 加入）", public.fingerprint(HashAlg::Sha256)))
    })?;
    SshSig::new(public.key_data().clone(), NAMESPACE, HashAlg::Sha512, signature).map_err(|e| fail(e.to_string()))
}

/// Checks an armored SSHSIG over `message` against a registered OpenSSH
/// public key, in the namespace `selfeval`.
pub fn verify(registered: &str, message: &[u8], armored: &str) -> Result<(), String> {
    let public = PublicKey::from_openssh(registered).map_err(|e| format!("登记的公钥无法读取：{e}"))?;
    let signature = SshSig::from_pem(armored).map_err(|e| format!("签名无法读取：{e}"))?;
    public.verify(NAMESPACE, message, &signature).map_err(|e| match e {
        ssh_key::Error::PublicKey => format!(
            "签名所用的公钥 {} 不是登记的公钥 {}",
            PublicKey::from(signature.public_key().clone()).fingerprint(HashAlg::Sha256),
            public.fingerprint(HashAlg::Sha256)
        ),
        ssh_key::Error::Namespace => format!("签名的命名空间是「{}」，不是 selfeval", signature.namespace()),
        other => format!("签名与内容不符（{other}）"),
    })
}

/// The ledgers the signatures of a log name, in order, against the
/// ledger's own identity (`docs/reliability.md`, "A command signed in a
/// copy"): from the identity's first event on, every signature names it;
/// before, a signature names the ledger it was made in (or none, v1), and a
/// ledger once left is never named again.
struct SigningLedgers {
    own: Option<selfeval_store::Identity>,
    /// The identities named so far, each once, in order of first naming.
    named: Vec<String>,
}

impl SigningLedgers {
    fn check(&mut self, seq: u64, named: Option<&str>) -> Result<(), String> {
        if let Some(own) = self.own.as_ref().filter(|own| seq >= own.from) {
            match named {
                Some(id) if id == own.id => {}
                Some(other) => {
                    return Err(format!(
                        "签名是在另一个库（库标识 {other}）中做的，不是本库（库标识 {}）：在副本中签名的命令不能放进本库",
                        own.id
                    ))
                }
                None => {
                    return Err(format!(
                        "本库（库标识 {}）自事件{}起的签名都覆盖库标识，这条签名是旧格式、不覆盖任何库标识：它不是在本库签的",
                        own.id, own.from
                    ))
                }
            }
        }
        match (named, self.named.last()) {
            (None, Some(last)) => {
                Err(format!("旧格式（不覆盖库标识）的签名出现在库标识 {last} 的签名之后：它不是在这段历史所在的库签的"))
            }
            (Some(id), Some(last)) if id != last && self.named.iter().any(|n| n == id) => Err(format!(
                "签名所在的库（库标识 {id}）之后已由库标识 {last} 接替：在一个库的副本之后，不会再有原库的签名"
            )),
            (Some(id), last) if last.map(String::as_str) != Some(id) => {
                self.named.push(id.to_owned());
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

/// The first command of the log that breaks a rule of who may do what:
/// a bad or missing signature, an access rule, a checkpoint that names a
/// hash the log does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The first event of the command.
    pub seq: u64,
    /// What is wrong, in Chinese.
    pub problem: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "事件{}：{}", self.seq, self.problem)
    }
}

/// What [`crate::Ledger::verify_rules`] checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RulesChecked {
    /// Whether the log was walked (a ledger in open mode that never sealed,
    /// signed or made a checkpoint has nothing to check).
    pub walked: bool,
    /// Signed commands whose signature holds.
    pub signatures: u64,
}

impl crate::Ledger {
    /// Walks the log command by command, each against the state before it:
    /// one actor, reason and time per command; the access rules (roles.md,
    /// as `handle` applies them); every signature against the roster as it
    /// stood, with the key it names; every command under the policy signed;
    /// every checkpoint's hash the one the log holds.
    pub(crate) fn verify_rules(&self, governance: &Governance) -> Result<Result<RulesChecked, Violation>, LedgerError> {
        let nothing = !governance.has_roster()
            && governance.seals.is_empty()
            && governance.signed_commands == 0
            && governance.policy_seqs.is_empty()
            && governance.checkpoints.is_empty();
        if nothing {
            return Ok(Ok(RulesChecked::default()));
        }
        let mut state = State::default();
        let mut group: Vec<RecordedEvent> = Vec::new();
        let mut group_id = String::new();
        let mut checked = RulesChecked { walked: true, signatures: 0 };
        let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
        let mut ledgers = SigningLedgers { own: self.store.identity()?, named: Vec::new() };
        let mut events = self.store.events_from(1);
        loop {
            let next = events.next().transpose()?;
            let same = next.as_ref().is_some_and(|e| e.envelope.command_id == group_id);
            if !same && !group.is_empty() {
                if !seen.insert(group_id.clone()) {
                    let problem = format!("命令编号「{group_id}」在日志中出现了不止一次");
                    return Ok(Err(Violation { seq: group[0].seq, problem }));
                }
                if let Err(bad) = self.check_command(&state, &group, &mut ledgers) {
                    return Ok(Err(bad));
                }
                if matches!(group.last().map(|e| &e.payload), Some(EventPayload::CommandSigned(_))) {
                    checked.signatures += 1;
                }
                for event in group.drain(..) {
                    state.apply(&event);
                }
            }
            let Some(stored) = next else { break };
            group_id.clone_from(&stored.envelope.command_id);
            group.push(crate::decode(&stored)?);
        }
        for c in &governance.checkpoints {
            let held = self.store.events_from(c.pinned_seq).next().transpose()?;
            if !held.is_some_and(|e| e.envelope.seq == c.pinned_seq && e.hash == c.head) {
                let problem = format!("检查点记录的事件{}的哈希 {} 与日志不符", c.pinned_seq, c.head);
                return Ok(Err(Violation { seq: c.seq, problem }));
            }
        }
        Ok(Ok(checked))
    }

    /// One command's events against the state before them.
    fn check_command(
        &self,
        state: &State,
        group: &[RecordedEvent],
        ledgers: &mut SigningLedgers,
    ) -> Result<(), Violation> {
        use selfeval_core::event::SignaturePolicySet;
        use EventPayload as E;
        let first = group[0].seq;
        let bad = |problem: String| Violation { seq: first, problem };
        // A command is one actor's, at one time, for one reason.
        if let Some(other) = group.iter().find(|e| e.meta != group[0].meta) {
            return Err(bad(format!("同一命令中的事件{}与事件{first}的操作人、原因或时间不同", other.seq)));
        }
        // Every command records one event (and its signature), but for
        // `indicator amend --value`: the amendment and the new actual of the
        // same indicator; either may be followed by the notes of
        // `--as-printed` on the same project's stream. Each is checked
        // against the state before it.
        let mut asked: Vec<&RecordedEvent> =
            group.iter().filter(|e| !matches!(e.payload, E::CommandSigned(_))).collect();
        let as_printed = match asked.as_slice() {
            [.., before, last] if matches!(last.payload, E::RecordedAsPrinted(_)) => {
                if before.payload.stream() != last.payload.stream() {
                    return Err(bad(format!("按原表照录的事件{}与其命令的事件不属同一项目", last.seq)));
                }
                asked.pop()
            }
            _ => None,
        };
        let amended_with_value = matches!(
            asked.as_slice(),
            [a, b] if matches!((&a.payload, &b.payload), (E::IndicatorAmended(x), E::IndicatorActualRecorded(y))
                if x.project == y.project && x.indicator == y.indicator)
        );
        if asked.len() != 1 && !amended_with_value {
            return Err(bad(format!(
                "一条命令记录了{}个事件（应为一个，另加签名；或 indicator amend --value 的更正与实际完成值；或其后按原表照录的说明）",
                asked.len()
            )));
        }
        let actor = &group[0].meta.actor;
        selfeval_core::roles::permits(state, actor, &asked[0].payload).map_err(&bad)?;
        // The state is copied only for a command of more than one event.
        let rest: Vec<&RecordedEvent> = asked.iter().skip(1).copied().chain(as_printed).collect();
        if !rest.is_empty() {
            let mut after = state.clone();
            after.apply(asked[0]);
            for (k, event) in rest.iter().enumerate() {
                selfeval_core::roles::permits(&after, actor, &event.payload).map_err(&bad)?;
                if k + 1 < rest.len() {
                    after.apply(event);
                }
            }
        }
        let governance = state.governance();
        let requires =
            group.iter().any(|e| matches!(e.payload, E::SignaturePolicySet(SignaturePolicySet { required: true })));
        let required = governance.signatures_required.or(requires.then_some(first));
        let signed_at = group.iter().position(|e| matches!(e.payload, E::CommandSigned(_)));
        let Some(at) = signed_at else {
            return match required {
                Some(since) => Err(bad(format!("命令没有签名，而本库自事件{since}起要求每条命令签名"))),
                None => Ok(()),
            };
        };
        let E::CommandSigned(signed) = &group[at].payload else { unreachable!("found above") };
        if at + 1 != group.len() {
            return Err(bad("签名事件不在命令的最后，或命令只有签名".into()));
        }
        let member = governance
            .member_for_actor(actor)
            .ok_or_else(|| bad(format!("签名人「{actor}」当时不是名册中的现任人员")))?;
        if member.name != signed.signer {
            return Err(bad(format!("签名人记为「{}」，而操作人是「{actor}」", signed.signer)));
        }
        let registered =
            member.key.as_deref().ok_or_else(|| bad(format!("{}当时在名册中没有登记公钥", member.name)))?;
        if selfeval_core::roles::fingerprint(registered).as_deref() != Some(signed.key.as_str()) {
            return Err(bad(format!("签名事件记的公钥 {} 不是{}登记的公钥", signed.key, member.name)));
        }
        ledgers.check(first, signed.ledger.as_deref()).map_err(bad)?;
        let lines = self.store.lines(first, group[at].seq - 1).map_err(|e| bad(e.to_string()))?;
        let message = signed_message(signed.ledger.as_deref(), &lines);
        verify(registered, &message, &signed.signature)
            .map_err(|why| bad(format!("{}的签名不成立：{why}", member.name)))
    }
}

#[cfg(test)]
mod tests {
    use super::SigningLedgers;
    use selfeval_store::Identity;

    const OWN: &str = "00000000-0000-4000-8000-000000000001";
    const SOURCE: &str = "00000000-0000-4000-8000-000000000002";

    fn ledger(from: u64) -> SigningLedgers {
        SigningLedgers { own: Some(Identity { id: OWN.into(), from }), named: Vec::new() }
    }

    #[test]
    fn from_its_first_event_on_every_signature_names_the_ledger() {
        assert_eq!(ledger(5).check(5, Some(OWN)), Ok(()));
        let other = ledger(5).check(5, Some(SOURCE)).unwrap_err();
        assert_eq!(
            other,
            format!(
                "签名是在另一个库（库标识 {SOURCE}）中做的，不是本库（库标识 {OWN}）：在副本中签名的命令不能放进本库"
            )
        );
        let old = ledger(5).check(9, None).unwrap_err();
        assert!(old.starts_with(&format!("本库（库标识 {OWN}）自事件5起的签名都覆盖库标识")), "{old}");
    }

    #[test]
    fn before_it_signatures_name_the_ledgers_they_were_made_in_in_order() {
        let mut ledgers = ledger(10);
        for (seq, named) in [(1, None), (2, None), (4, Some(SOURCE)), (6, Some(SOURCE)), (10, Some(OWN))] {
            assert_eq!(ledgers.check(seq, named), Ok(()), "event {seq}");
        }
        // Without an identity of its own yet (a store from before them).
        let mut legacy = SigningLedgers { own: None, named: Vec::new() };
        assert_eq!(legacy.check(3, Some(SOURCE)), Ok(()));
        // An unsigned-ledger signature after a named one, or a ledger named
        // again after another took over: a command moved between copies.
        let v1_after = legacy.check(4, None).unwrap_err();
        assert!(v1_after.starts_with("旧格式（不覆盖库标识）的签名出现在库标识"), "{v1_after}");
        let mut copied = ledger(20);
        assert_eq!(copied.check(1, Some(SOURCE)), Ok(()));
        assert_eq!(copied.check(2, Some(OWN)), Ok(()));
        let back = copied.check(3, Some(SOURCE)).unwrap_err();
        assert_eq!(
            back,
            format!("签名所在的库（库标识 {SOURCE}）之后已由库标识 {OWN} 接替：在一个库的副本之后，不会再有原库的签名")
        );
    }
}
