//! Export to and import from JSON Lines: a header, one line per event exactly
//! as stored, and a trailer with the event count and the head hash, so that a
//! truncated file is detected.

use std::fmt;
use std::io::{BufRead, Write};

use serde::Deserialize;

use crate::codec::{self, ChainVerifier};
use crate::{Head, Store, StoreError, GENESIS_HASH, HASH_ALGORITHM};

const FORMAT: &str = "selfeval-export";

fn header() -> String {
    format!("{{\"format\":\"{FORMAT}\",\"version\":1,\"hash\":\"{HASH_ALGORITHM}\",\"genesis\":\"{GENESIS_HASH}\"}}\n")
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportSummary {
    /// Events written.
    pub events: u64,
    /// The head hash written in the trailer.
    pub head: Head,
}

/// What an import restored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// Events imported.
    pub events: u64,
    /// The head after import.
    pub head: Head,
}

/// Why an import was refused. Nothing was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRejected {
    /// The first bad event's sequence number, when the problem is an event.
    pub seq: Option<u64>,
    /// The line of the file (from 1).
    pub line: u64,
    /// What is wrong.
    pub problem: String,
}

impl fmt::Display for ImportRejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.seq, self.line) {
            (Some(seq), line) => write!(f, "事件{seq}（第{line}行）：{}", self.problem),
            (None, 0) => write!(f, "{}", self.problem),
            (None, line) => write!(f, "第{line}行：{}", self.problem),
        }
    }
}

/// What `export_salvage` wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Salvaged {
    /// The events written and the last one's hash.
    pub summary: ExportSummary,
    /// Where and why it stopped before the end of the log, if it did.
    pub stopped: Option<crate::ChainBreak>,
}

fn write_trailer(out: &mut dyn Write, events: u64, hash: &str) -> Result<(), StoreError> {
    writeln!(out, "{{\"trailer\":{{\"events\":{events},\"head_hash\":\"{hash}\"}}}}").map_err(StoreError::Write)?;
    out.flush().map_err(StoreError::Write)
}

#[derive(Deserialize)]
struct Header {
    format: String,
    version: u32,
    hash: String,
    genesis: String,
}

/// What [`read_export`] hands each checked event line to.
pub(crate) type EachLine<'a> = dyn FnMut(&[u8], codec::IndexEntry) -> Result<(), StoreError> + 'a;

/// Reads an export: its header, every event line (checked in the chain,
/// then handed to `line` with what the indexes need of it) and its
/// trailer. Returns the head the file ends at, or why it is refused; the
/// same for every backend.
pub(crate) fn read_export(
    input: &mut dyn BufRead,
    line: &mut EachLine<'_>,
) -> Result<Result<Head, ImportRejected>, StoreError> {
    let mut buffer = Vec::new();
    let mut line_number = 0u64;
    let reject = |seq, line, problem: String| Ok(Err(ImportRejected { seq, line, problem }));
    let too_long = |line| format!("第{line}行超过 {} MiB：不是导出文件的行", MAX_LINE_BYTES >> 20);
    match read_line(input, &mut buffer) {
        Ok(Some(())) => {}
        Ok(None) => return reject(None, 1, "文件为空：没有文件头".into()),
        Err(LineError::TooLong) => return reject(None, 1, too_long(1)),
        Err(LineError::Io(e)) => return Err(e.into()),
    }
    line_number += 1;
    match serde_json::from_slice::<Header>(trim_newline(&buffer)) {
        Ok(h) if h.format == FORMAT && h.version == 1 && h.hash == HASH_ALGORITHM && h.genesis == GENESIS_HASH => {}
        _ => return reject(None, 1, format!("不是 selfeval 导出文件的文件头（应为 {}）", header().trim_end())),
    }
    let mut verifier = ChainVerifier::new();
    let mut trailer: Option<TrailerBody> = None;
    loop {
        match read_line(input, &mut buffer) {
            Ok(Some(())) => {}
            Ok(None) => break,
            Err(LineError::TooLong) => return reject(None, line_number + 1, too_long(line_number + 1)),
            Err(LineError::Io(e)) => return Err(e.into()),
        }
        line_number += 1;
        let text = trim_newline(&buffer);
        if trailer.is_some() {
            // Blank lines an editor may add after the trailer are not content.
            if text.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            return reject(None, line_number, "文件尾之后还有内容".into());
        }
        if text.starts_with(b"{\"trailer\":") {
            match serde_json::from_slice::<Trailer>(text) {
                Ok(t) => trailer = Some(t.trailer),
                Err(e) => return reject(None, line_number, format!("文件尾无法读取：{e}")),
            }
            continue;
        }
        let seq = verifier.head().seq + 1;
        if let Err(broken) = verifier.line(text) {
            return reject(Some(broken.seq), line_number, broken.problem);
        }
        let (_, body) = codec::split_line(text).expect("the verifier checked the layout");
        let entry = match codec::IndexEntry::read(body) {
            Ok(entry) => entry,
            Err(problem) => return reject(Some(seq), line_number, problem),
        };
        line(text, entry)?;
    }
    let head = verifier.head();
    let Some(trailer) = trailer else {
        return reject(None, line_number, format!("文件不完整：事件{}之后没有文件尾", head.seq));
    };
    if trailer.events != head.seq || trailer.head_hash != head.hash {
        return reject(
            None,
            line_number,
            format!(
                "文件尾记为 {} 个事件、头哈希 {}，文件中却是 {} 个、头哈希 {}",
                trailer.events, trailer.head_hash, head.seq, head.hash
            ),
        );
    }
    Ok(Ok(head))
}

/// The longest line an export may have: an event is far smaller (its texts
/// are limited to 10,000 characters), so a longer line is not an export.
const MAX_LINE_BYTES: u64 = 4 << 20;

/// Reads one line of at most [`MAX_LINE_BYTES`]: `Ok(None)` at the end,
/// `Err` when the line is longer (the rest is not read).
fn read_line(input: &mut dyn BufRead, buffer: &mut Vec<u8>) -> Result<Option<()>, LineError> {
    buffer.clear();
    let read = std::io::Read::take(&mut *input, MAX_LINE_BYTES + 1).read_until(b'\n', buffer).map_err(LineError::Io)?;
    if read == 0 {
        return Ok(None);
    }
    if read as u64 > MAX_LINE_BYTES {
        return Err(LineError::TooLong);
    }
    Ok(Some(()))
}

enum LineError {
    Io(std::io::Error),
    TooLong,
}

#[derive(Deserialize)]
struct Trailer {
    trailer: TrailerBody,
}

#[derive(Deserialize)]
struct TrailerBody {
    events: u64,
    head_hash: String,
}

/// Writes an export directly, without a store: for generators and
/// converters that produce a history in bulk. The file it writes is exactly
/// what [`Store::export`] would write for the same batches, and
/// [`Store::import`] verifies it like any other export.
pub struct ExportWriter<W: Write> {
    out: W,
    head: Head,
    versions: std::collections::HashMap<String, u64>,
    event_id: Box<dyn FnMut() -> String>,
}

impl<W: Write> ExportWriter<W> {
    /// Starts an export; `event_id` makes the id of each event (a UUID v7).
    pub fn new(mut out: W, event_id: Box<dyn FnMut() -> String>) -> Result<ExportWriter<W>, StoreError> {
        out.write_all(header().as_bytes())?;
        Ok(ExportWriter {
            out,
            head: Head { seq: 0, hash: GENESIS_HASH.to_owned() },
            versions: std::collections::HashMap::new(),
            event_id,
        })
    }

    /// Appends a batch; its expected version is checked like [`Store::append`].
    pub fn append(&mut self, batch: &crate::Batch) -> Result<Result<Vec<u64>, crate::Conflict>, StoreError> {
        let version = self.versions.get(&batch.stream).copied().unwrap_or(0);
        if let crate::ExpectedVersion::Exact(expected) = batch.expected_version {
            if expected != version {
                return Ok(Err(crate::Conflict { stream: batch.stream.clone(), expected, actual: version }));
            }
        }
        let (value, stored, head) = codec::encode_batch(batch, &self.head, version, &mut self.event_id)?;
        self.out.write_all(&value)?;
        self.versions.insert(batch.stream.clone(), version + stored.len() as u64);
        self.head = head;
        Ok(Ok(stored.iter().map(|e| e.envelope.seq).collect()))
    }

    /// The head so far.
    pub fn head(&self) -> &Head {
        &self.head
    }

    /// Writes the trailer, flushes, and gives the output back.
    pub fn finish(mut self) -> Result<(ExportSummary, W), StoreError> {
        writeln!(self.out, "{{\"trailer\":{{\"events\":{},\"head_hash\":\"{}\"}}}}", self.head.seq, self.head.hash)?;
        self.out.flush()?;
        Ok((ExportSummary { events: self.head.seq, head: self.head }, self.out))
    }
}

impl Store {
    /// Writes every event, exactly as stored, with a header and a trailer.
    pub fn export(&self, out: &mut dyn Write) -> Result<ExportSummary, StoreError> {
        out.write_all(header().as_bytes()).map_err(StoreError::Write)?;
        let mut events = 0;
        for entry in self.backend.log_values(1) {
            let (_, value) = entry?;
            out.write_all(&value).map_err(StoreError::Write)?;
            events += codec::lines(&value).count() as u64;
        }
        let head = self.head().clone();
        write_trailer(out, events, &head.hash)?;
        Ok(ExportSummary { events, head })
    }

    /// Writes every event that still verifies, in order, up to the first
    /// that does not (unreadable, or breaking the chain), as an export of
    /// that prefix: it imports as it is. Says where and why it stopped.
    pub fn export_salvage(&self, out: &mut dyn Write) -> Result<Salvaged, StoreError> {
        out.write_all(header().as_bytes()).map_err(StoreError::Write)?;
        let mut verifier = ChainVerifier::new();
        let mut stopped = None;
        'entries: for entry in self.backend.log_values(1) {
            let value = match entry {
                Ok((_, value)) => value,
                Err(error) => {
                    stopped = Some(crate::ChainBreak { seq: verifier.head().seq + 1, problem: error.to_string() });
                    break;
                }
            };
            for line in codec::lines(&value) {
                if let Err(broken) = verifier.line(line) {
                    stopped = Some(broken);
                    break 'entries;
                }
                out.write_all(line).map_err(StoreError::Write)?;
                out.write_all(b"\n").map_err(StoreError::Write)?;
            }
        }
        let head = verifier.head();
        if stopped.is_none() {
            if let Some(acknowledged) = self.backend.acknowledged_head().ok().flatten() {
                if acknowledged.seq > head.seq {
                    stopped = Some(crate::ChainBreak {
                        seq: head.seq + 1,
                        problem: format!(
                            "日志只到事件{}，而已确认写入的事件到{}：事件{}至{}已丢失",
                            head.seq,
                            acknowledged.seq,
                            head.seq + 1,
                            acknowledged.seq
                        ),
                    });
                }
            }
        }
        write_trailer(out, head.seq, &head.hash)?;
        Ok(Salvaged { summary: ExportSummary { events: head.seq, head }, stopped })
    }

    /// Restores an export into this empty store, verifying the whole chain
    /// and the trailer. A refused import leaves the store empty.
    pub fn import(&mut self, input: &mut dyn BufRead) -> Result<Result<Imported, ImportRejected>, StoreError> {
        self.import_with(input, &mut |_| {})
    }

    /// [`Store::import`], telling `each` where every pack of events lies in
    /// the import's spool file once its chain is checked (the pack's lines,
    /// each with its `\n`, in log order; readable there until `import_with`
    /// returns): a caller checks the events while the store goes on, without
    /// holding the packs in memory nor reading them back from the log.
    pub fn import_with(
        &mut self,
        input: &mut dyn BufRead,
        each: &mut dyn FnMut(Spooled),
    ) -> Result<Result<Imported, ImportRejected>, StoreError> {
        let imported = self.backend.import_with(input, each)?;
        // An empty import makes no ledger yet: its identity comes with what
        // lands first (a later import into it, or its first command).
        if let Some(imported) = imported.as_ref().ok().filter(|i| i.events > 0) {
            // The copy is a ledger of its own from its next event on. Cut
            // off before this, it gets the same one at its first command.
            self.backend.keep_identity(&crate::Identity::new(imported.head.seq + 1))?;
        }
        Ok(imported)
    }
}

/// Where a checked pack of an import lies: `len` bytes at `offset` of the
/// spool, read through `file` ([`Store::import_with`]). The handle stays
/// readable after the spool is removed.
#[derive(Debug, Clone)]
pub struct Spooled {
    /// The spool, open for reading.
    pub file: std::sync::Arc<std::fs::File>,
    /// Where the pack's lines start.
    pub offset: u64,
    /// Their length in bytes.
    pub len: usize,
}

pub(crate) fn trim_newline(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}
