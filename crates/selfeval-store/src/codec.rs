//! The byte encoding of stored events and the hash chain (`docs/storage.md`).
//!
//! A stored event is one line: `{"hash":"<64 hex>","event":<body>}` where the
//! body is the envelope as compact JSON with a fixed field order. The hash is
//! SHA-256 over the 32 raw bytes of the previous hash followed by the exact
//! body bytes. A batch is stored as its lines, each ending in `\n`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use crate::{Batch, ChainBreak, Head, StoreError, Verified};

/// The hash algorithm of the chain.
pub const HASH_ALGORITHM: &str = "sha256";

/// The previous hash of the first event: 32 zero bytes.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

const LINE_PREFIX: &[u8] = b"{\"hash\":\"";
const LINE_MIDDLE: &[u8] = b"\",\"event\":";
const BODY_START: usize = LINE_PREFIX.len() + 64 + LINE_MIDDLE.len();
const PREV_HASH_SUFFIX_LEN: usize = "\"prev_hash\":\"".len() + 64 + "\"}".len();

/// The envelope of a stored event, in the order its fields are encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// Global sequence number, from 1, gapless.
    pub seq: u64,
    /// A UUID v7.
    pub event_id: String,
    /// The stream.
    pub stream: String,
    /// The version of the stream this event makes (from 1).
    pub stream_version: u64,
    /// The event type name.
    pub event_type: String,
    /// The payload's schema version.
    pub schema_version: u32,
    /// When it happened in the real world.
    pub occurred_at: DateTime<Utc>,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// Who.
    pub actor: String,
    /// Why, if given.
    pub reason: Option<String>,
    /// The command that appended it.
    pub command_id: String,
    /// The payload as compact JSON text.
    pub payload: String,
    /// The hash of the previous event.
    pub prev_hash: String,
}

#[derive(Serialize)]
struct BodyOut<'a> {
    seq: u64,
    event_id: &'a str,
    stream: &'a str,
    stream_version: u64,
    #[serde(rename = "type")]
    event_type: &'a str,
    schema_version: u32,
    occurred_at: &'a DateTime<Utc>,
    recorded_at: &'a DateTime<Utc>,
    actor: &'a str,
    reason: &'a Option<String>,
    command_id: &'a str,
    payload: &'a RawValue,
    prev_hash: &'a str,
}

#[derive(Deserialize)]
struct BodyIn<'a> {
    seq: u64,
    event_id: String,
    stream: String,
    stream_version: u64,
    #[serde(rename = "type")]
    event_type: String,
    schema_version: u32,
    occurred_at: DateTime<Utc>,
    recorded_at: DateTime<Utc>,
    actor: String,
    reason: Option<String>,
    command_id: String,
    #[serde(borrow)]
    payload: &'a RawValue,
    prev_hash: String,
}

impl Envelope {
    /// The exact bytes stored and hashed for this envelope.
    pub fn encode(&self) -> Result<Vec<u8>, String> {
        let payload: &RawValue = serde_json::from_str(&self.payload).map_err(|e| format!("事件内容不是 JSON：{e}"))?;
        // The payload is stored and hashed verbatim; a line break would
        // break the one-line-per-event layout.
        if self.payload.contains(['\n', '\r']) {
            return Err("事件内容须为单行 JSON".into());
        }
        let body = BodyOut {
            seq: self.seq,
            event_id: &self.event_id,
            stream: &self.stream,
            stream_version: self.stream_version,
            event_type: &self.event_type,
            schema_version: self.schema_version,
            occurred_at: &self.occurred_at,
            recorded_at: &self.recorded_at,
            actor: &self.actor,
            reason: &self.reason,
            command_id: &self.command_id,
            payload,
            prev_hash: &self.prev_hash,
        };
        serde_json::to_vec(&body).map_err(|e| e.to_string())
    }

    /// Decodes the body bytes of a stored event.
    pub fn decode(body: &[u8]) -> Result<Envelope, String> {
        let b: BodyIn = serde_json::from_slice(body).map_err(|e| format!("不是有效的事件：{e}"))?;
        Ok(Envelope {
            seq: b.seq,
            event_id: b.event_id,
            stream: b.stream,
            stream_version: b.stream_version,
            event_type: b.event_type,
            schema_version: b.schema_version,
            occurred_at: b.occurred_at,
            recorded_at: b.recorded_at,
            actor: b.actor,
            reason: b.reason,
            command_id: b.command_id,
            payload: b.payload.get().to_owned(),
            prev_hash: b.prev_hash,
        })
    }
}

/// An event as stored: its envelope and its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    /// The envelope.
    pub envelope: Envelope,
    /// SHA-256 over the previous hash and the body, in lower-case hex.
    pub hash: String,
}

/// SHA-256 over the 32 bytes of `prev_hash` (hex) and the body bytes.
pub fn chain_hash(prev_hash: &str, body: &[u8]) -> String {
    let mut prev = [0u8; 32];
    for (i, byte) in prev.iter_mut().enumerate() {
        *byte = prev_hash.get(2 * i..2 * i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()).unwrap_or(0);
    }
    let mut hasher = Sha256::new();
    hasher.update(prev);
    hasher.update(body);
    format!("{:x}", hasher.finalize())
}

pub(crate) fn push_line(out: &mut Vec<u8>, hash: &str, body: &[u8]) {
    out.extend_from_slice(LINE_PREFIX);
    out.extend_from_slice(hash.as_bytes());
    out.extend_from_slice(LINE_MIDDLE);
    out.extend_from_slice(body);
    out.extend_from_slice(b"}\n");
}

/// The lines of a batch value, without their `\n`.
pub(crate) fn lines(value: &[u8]) -> impl DoubleEndedIterator<Item = &[u8]> {
    value.split(|b| *b == b'\n').filter(|l| !l.is_empty())
}

/// Splits a stored or exported event line into its hash and body, checking
/// the fixed layout `{"hash":"<64 hex>","event":<body>}`.
pub fn split_line(line: &[u8]) -> Result<(&str, &[u8]), String> {
    let valid = line.len() > BODY_START + 1
        && line.starts_with(LINE_PREFIX)
        && &line[LINE_PREFIX.len() + 64..BODY_START] == LINE_MIDDLE
        && line.ends_with(b"}");
    if !valid {
        return Err("行的格式不是 {\"hash\":\"<64位十六进制>\",\"event\":<事件>}".into());
    }
    let hash = std::str::from_utf8(&line[LINE_PREFIX.len()..LINE_PREFIX.len() + 64]).map_err(|e| e.to_string())?;
    Ok((hash, &line[BODY_START..line.len() - 1]))
}

/// The `seq` of a body, read from its fixed start `{"seq":N,` without a parser.
pub(crate) fn body_seq(body: &[u8]) -> Result<u64, String> {
    let rest = body.strip_prefix(b"{\"seq\":").ok_or("事件不以 seq 开头")?;
    let end = rest.iter().position(|b| !b.is_ascii_digit()).ok_or("事件在 seq 中途结束")?;
    std::str::from_utf8(&rest[..end]).ok().and_then(|s| s.parse().ok()).ok_or_else(|| "seq 不是数字".into())
}

/// The `prev_hash` of a body, read from its fixed end without a parser.
fn body_prev_hash(body: &[u8]) -> Result<&str, String> {
    if body.len() < PREV_HASH_SUFFIX_LEN || !body.ends_with(b"\"}") {
        return Err("事件不以 prev_hash 结尾".into());
    }
    let suffix = &body[body.len() - PREV_HASH_SUFFIX_LEN..];
    if !suffix.starts_with(b"\"prev_hash\":\"") {
        return Err("事件不以 prev_hash 结尾".into());
    }
    std::str::from_utf8(&suffix[13..77]).map_err(|e| e.to_string())
}

pub(crate) fn decode_key(bytes: &[u8]) -> Result<u64, StoreError> {
    let array: [u8; 8] = bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt { seq: 0, message: format!("键长 {} 字节，应为 8", bytes.len()) })?;
    Ok(u64::from_be_bytes(array))
}

/// What the indexes need of an event, read without decoding the rest.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub(crate) struct IndexEntry {
    pub(crate) seq: u64,
    pub(crate) stream: String,
    pub(crate) stream_version: u64,
    pub(crate) command_id: String,
}

impl IndexEntry {
    pub(crate) fn of(envelope: &Envelope) -> IndexEntry {
        IndexEntry {
            seq: envelope.seq,
            stream: envelope.stream.clone(),
            stream_version: envelope.stream_version,
            command_id: envelope.command_id.clone(),
        }
    }

    /// Reads the four fields from a body; serde skips the rest unread.
    pub(crate) fn read(body: &[u8]) -> Result<IndexEntry, String> {
        serde_json::from_slice(body).map_err(|e| format!("不是有效的事件：{e}"))
    }
}

/// The event `seq` of a stored value (one batch, or several packed by an
/// import), decoding only its line.
pub(crate) fn line_at(key: &[u8], value: &[u8], seq: u64) -> Result<StoredEvent, StoreError> {
    let first = decode_key(key)?;
    let missing = || StoreError::Corrupt { seq, message: "索引指向的事件不在日志中".into() };
    let index = seq.checked_sub(first).ok_or_else(missing)?;
    let line = lines(value).nth(index as usize).ok_or_else(missing)?;
    stored_line(line, seq)
}

/// The byte ranges of a value's lines, without their `\n`.
pub(crate) fn line_spans(value: &[u8]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = 0;
    for (i, byte) in value.iter().enumerate() {
        if *byte == b'\n' {
            if i > start {
                spans.push((start, i));
            }
            start = i + 1;
        }
    }
    if start < value.len() {
        spans.push((start, value.len()));
    }
    spans
}

/// One stored line decoded, which must be event `seq`.
pub(crate) fn stored_line(line: &[u8], seq: u64) -> Result<StoredEvent, StoreError> {
    let corrupt = |message: String| StoreError::Corrupt { seq, message };
    let (hash, body) = split_line(line).map_err(corrupt)?;
    let envelope = Envelope::decode(body).map_err(corrupt)?;
    if envelope.seq != seq {
        return Err(StoreError::Corrupt {
            seq, message: format!("此处应为事件{seq}，读到的是事件{}", envelope.seq)
        });
    }
    Ok(StoredEvent { envelope, hash: hash.to_owned() })
}

/// Every line of stored lines (a log value, an import's pack, each line
/// ending in `\n`) decoded, in order; what cannot be read says why.
pub fn stored_lines(value: &[u8]) -> impl Iterator<Item = Result<StoredEvent, String>> + '_ {
    lines(value).map(|line| {
        let (hash, body) = split_line(line)?;
        Ok(StoredEvent { envelope: Envelope::decode(body)?, hash: hash.to_owned() })
    })
}

/// Decodes every event of a stored batch.
pub(crate) fn decode_batch(key: &[u8], value: &[u8]) -> Result<Vec<StoredEvent>, StoreError> {
    let first = decode_key(key)?;
    stored_lines(value)
        .enumerate()
        .map(|(i, stored)| stored.map_err(|message| StoreError::Corrupt { seq: first + i as u64, message }))
        .collect()
}

/// Checks lines one by one: gapless sequence numbers, the link to the
/// previous hash, and the hash of the exact bytes.
pub(crate) struct ChainVerifier {
    next_seq: u64,
    prev: String,
}

impl ChainVerifier {
    pub(crate) fn new() -> ChainVerifier {
        ChainVerifier { next_seq: 1, prev: GENESIS_HASH.to_owned() }
    }

    pub(crate) fn line(&mut self, line: &[u8]) -> Result<(), ChainBreak> {
        let expected = self.next_seq;
        let broken = |problem: String| ChainBreak { seq: expected, problem };
        let (hash, body) = split_line(line).map_err(broken)?;
        let seq = body_seq(body).map_err(broken)?;
        if seq != expected {
            let problem = if seq > expected {
                format!("事件{expected}缺失（其位置上是事件{seq}）")
            } else {
                format!("事件{seq}重复或次序错乱（此处应为事件{expected}）")
            };
            return Err(ChainBreak { seq: expected, problem });
        }
        let prev = body_prev_hash(body).map_err(broken)?;
        if prev != self.prev {
            return Err(broken(format!("prev_hash {prev} 与事件{}的哈希不符", expected - 1)));
        }
        let computed = chain_hash(prev, body);
        if computed != hash {
            return Err(broken(format!("记录的哈希为 {hash}，内容的哈希却是 {computed}：事件被改动过")));
        }
        self.prev = computed;
        self.next_seq += 1;
        Ok(())
    }

    pub(crate) fn batch(&mut self, first: u64, value: &[u8]) -> Result<(), ChainBreak> {
        if first != self.next_seq {
            return Err(ChainBreak {
                seq: self.next_seq,
                problem: format!("存于位置{first}的一批事件与日志的接续位置不符"),
            });
        }
        for line in lines(value) {
            self.line(line)?;
        }
        Ok(())
    }

    pub(crate) fn finish(self) -> Verified {
        Verified { events: self.next_seq - 1, head: Head { seq: self.next_seq - 1, hash: self.prev } }
    }

    pub(crate) fn head(&self) -> Head {
        Head { seq: self.next_seq - 1, hash: self.prev.clone() }
    }
}

/// Encodes a batch after `head`, its stream at `version`: the stored value
/// (its lines), the events, and the new head.
pub(crate) fn encode_batch(
    batch: &Batch,
    head: &Head,
    version: u64,
    event_id: &mut dyn FnMut() -> String,
) -> Result<(Vec<u8>, Vec<StoredEvent>, Head), StoreError> {
    if batch.events.is_empty() {
        return Err(StoreError::InvalidBatch("a batch needs at least one event".into()));
    }
    let first = head.seq + 1;
    let mut prev = head.hash.clone();
    let mut value = Vec::new();
    let mut stored = Vec::with_capacity(batch.events.len());
    for (i, event) in batch.events.iter().enumerate() {
        let envelope = Envelope {
            seq: first + i as u64,
            event_id: event_id(),
            stream: batch.stream.clone(),
            stream_version: version + 1 + i as u64,
            event_type: event.event_type.clone(),
            schema_version: event.schema_version,
            occurred_at: batch.occurred_at,
            recorded_at: batch.recorded_at,
            actor: batch.actor.clone(),
            reason: batch.reason.clone(),
            command_id: batch.command_id.clone(),
            payload: event.payload.clone(),
            prev_hash: prev,
        };
        let body = envelope.encode().map_err(StoreError::InvalidBatch)?;
        let hash = chain_hash(&envelope.prev_hash, &body);
        push_line(&mut value, &hash, &body);
        prev = hash.clone();
        stored.push(StoredEvent { envelope, hash });
    }
    let head = Head { seq: first + stored.len() as u64 - 1, hash: prev };
    Ok((value, stored, head))
}
