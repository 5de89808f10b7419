//! Export to and import from JSON Lines: a header, one line per event exactly
//! as stored, and a trailer with the event count and the head hash, so that a
//! truncated file is detected.

use std::fmt;
use std::io::{BufRead, Write};

use serde::Deserialize;

use crate::codec::{self, ChainVerifier};
use crate::sled_store::{OrStore, SledStore};
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

/// Hands a checked pack to the caller and to the spool; its index
/// entries go to their partitions.
fn spool_pack(
    pack: Pack,
    spool: &mut Spool,
    index_parts: &mut IndexParts,
    each: &mut dyn FnMut(Spooled),
) -> Result<(), StoreError> {
    index_parts.push(&pack.entries)?;
    let offset = spool.push(pack.entries[0].seq, &pack.bytes)?;
    each(Spooled { file: spool.reader.clone(), offset, len: pack.bytes.len() });
    Ok(())
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

impl SledStore {
    pub(crate) fn import_with(
        &mut self,
        input: &mut dyn BufRead,
        each: &mut dyn FnMut(Spooled),
    ) -> Result<Result<Imported, ImportRejected>, StoreError> {
        if self.head.seq != 0 {
            return Ok(Err(ImportRejected {
                seq: None,
                line: 0,
                problem: format!("库中已有 {} 个事件；导入需要空库", self.head.seq),
            }));
        }
        match self.import_lines(input, each) {
            Ok(Ok(imported)) => Ok(Ok(imported)),
            outcome => {
                // The spool marks the import as unfinished until what it
                // wrote is cleared: if this fails too, the next open clears it.
                let cleared = (|| {
                    self.log()?.clear().or_store()?;
                    self.index()?.clear()?;
                    self.db()?.flush().or_store()?;
                    std::fs::remove_file(self.path.join(SPOOL_FILE)).or_else(|e| {
                        if e.kind() == std::io::ErrorKind::NotFound {
                            Ok(())
                        } else {
                            Err(e)
                        }
                    })?;
                    self.head = Head { seq: 0, hash: GENESIS_HASH.to_owned() };
                    self.write_head_file()
                })();
                // The first failure is the one to report.
                match (outcome, cleared) {
                    (Err(first), _) => Err(first),
                    (outcome, Ok(())) => outcome,
                    (_, Err(cleanup)) => Err(cleanup),
                }
            }
        }
    }

    fn import_lines(
        &mut self,
        input: &mut dyn BufRead,
        each: &mut dyn FnMut(Spooled),
    ) -> Result<Result<Imported, ImportRejected>, StoreError> {
        // Commands are packed into log values of up to PACK_BYTES: an import
        // lands whole or not at all, so one value may hold many commands.
        // Each event keeps its own line and its link in the chain.
        let mut pack = Pack::default();
        // The index entries wait in partition files, and are gathered one
        // partition at a time once the file is checked: gathered whole they
        // held 140 MB beside the state being checked (a million events).
        let mut index_parts = IndexParts::create(&self.path)?;
        // The packs wait in a spool file until the whole file is checked:
        // the index is then written first and the log after it. sled frees
        // the segments an import's writes leave as garbage only as later
        // writes go by, and overwrites and syncs every free segment at each
        // open; with the log written last they stay unfreed (measured at a
        // million events: 229 free segments, open and close 40 ms, when the
        // index followed the log; 5 and 10–15 ms when it preceded it).
        let mut spool = Spool::create(&self.path)?;
        let read = read_export(input, &mut |line, entry| {
            let new_command = pack.entries.last().is_none_or(|last| last.command_id != entry.command_id);
            if new_command && pack.bytes.len() >= PACK_BYTES {
                spool_pack(std::mem::take(&mut pack), &mut spool, &mut index_parts, each)?;
            }
            pack.bytes.extend_from_slice(line);
            pack.bytes.push(b'\n');
            pack.entries.push(entry);
            Ok(())
        })?;
        let head = match read {
            Ok(head) => head,
            Err(rejected) => return Ok(Err(rejected)),
        };
        if !pack.entries.is_empty() {
            spool_pack(pack, &mut spool, &mut index_parts, each)?;
        }
        // No index handle outlives a partition: writing the parts reopens
        // sled, which a live handle would keep open.
        let get_index = || self.index();
        let mut pendings = index_parts.gather(&get_index)?;
        self.write_index_in_parts(&mut pendings, head.seq)?;
        drop(pendings);
        // sled keeps what was written in memory until it is closed.
        self.reopen()?;
        for pack in spool.read_back()? {
            let (first, bytes) = pack?;
            self.write_value(first, &bytes)?;
        }
        self.db()?.flush().or_store()?;
        // The import is whole once the spool is gone: a spool found at open
        // is an import cut short.
        spool.remove()?;
        self.head = head.clone();
        self.write_head_file()?;
        Ok(Ok(Imported { events: head.seq, head }))
    }

    /// Writes one log value of an import (never over another).
    fn write_value(&mut self, first: u64, bytes: &[u8]) -> Result<(), StoreError> {
        if self.log()?.compare_and_swap(first.to_be_bytes(), None::<&[u8]>, Some(bytes)).or_store()?.is_err() {
            return Err(StoreError::Corrupt { seq: first, message: "此位置已有一批事件".into() });
        }
        // sled holds about six times what it was given to write until it is
        // closed (a probe writing 590 MB: 804 MB never reopened, 411 MB
        // reopened every 64 MiB, 153 MB every 16 MiB, and faster), so
        // written bytes count four times toward the reopening (every 8 MiB).
        self.scanned(bytes.len() * 4)
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

/// The spool file of an import in progress, in the store directory.
pub(crate) const SPOOL_FILE: &str = "selfeval-import-spool";

/// An import's checked packs, kept in a file in the store directory until
/// the import is whole ([`Spool::remove`]) or what it wrote is cleared.
struct Spool {
    path: std::path::PathBuf,
    out: Option<std::fs::File>,
    reader: std::sync::Arc<std::fs::File>,
    written: u64,
}

/// How many partitions an import's index is gathered in.
const INDEX_PARTS: usize = 8;

/// An import's index entries, in partition files in the store directory
/// (removed when dropped): a stream's events and a command id always fall in
/// the same partition, in log order.
struct IndexParts {
    paths: Vec<std::path::PathBuf>,
    outs: Vec<std::io::BufWriter<std::fs::File>>,
}

impl IndexParts {
    fn create(dir: &std::path::Path) -> Result<IndexParts, StoreError> {
        let mut parts = IndexParts { paths: Vec::new(), outs: Vec::new() };
        for part in 0..INDEX_PARTS {
            let path = dir.join(format!("{SPOOL_FILE}-index-{part}"));
            parts.outs.push(std::io::BufWriter::with_capacity(256 << 10, std::fs::File::create(&path)?));
            parts.paths.push(path);
        }
        Ok(parts)
    }

    /// Records one command's events: `S`, stream, seq for each event; `C`,
    /// id, first seq, count for the command.
    fn push(&mut self, events: &[codec::IndexEntry]) -> Result<(), StoreError> {
        for command in events.chunk_by(|a, b| a.command_id == b.command_id) {
            for e in command {
                let out = &mut self.outs[crate::index::stream_partition(&e.stream, INDEX_PARTS)];
                out.write_all(b"S")?;
                write_text(out, &e.stream)?;
                out.write_all(&e.seq.to_be_bytes())?;
            }
            let first = &command[0];
            let out = &mut self.outs[crate::index::command_partition(&first.command_id, INDEX_PARTS)];
            out.write_all(b"C")?;
            write_text(out, &first.command_id)?;
            out.write_all(&first.seq.to_be_bytes())?;
            out.write_all(&(command.len() as u64).to_be_bytes())?;
        }
        Ok(())
    }

    /// Each partition's index changes, gathered when asked for.
    fn gather<'a>(
        &'a mut self,
        get_index: &'a dyn Fn() -> Result<crate::index::Index, StoreError>,
    ) -> Result<impl Iterator<Item = Result<crate::index::Pending, StoreError>> + 'a, StoreError> {
        for out in &mut self.outs {
            out.flush()?;
        }
        self.outs.clear();
        Ok(self.paths.iter().map(move |path| {
            use std::io::Read;
            let mut input = std::io::BufReader::with_capacity(256 << 10, std::fs::File::open(path)?);
            let index = get_index()?;
            let mut pending = crate::index::Pending::default();
            let mut kind = [0u8; 1];
            loop {
                match input.read_exact(&mut kind) {
                    Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
                    other => other?,
                }
                let text = read_text(&mut input)?;
                let mut number = [0u8; 8];
                input.read_exact(&mut number)?;
                let seq = u64::from_be_bytes(number);
                if kind == *b"S" {
                    index.add_stream_event(&mut pending, &text, seq)?;
                } else {
                    input.read_exact(&mut number)?;
                    index.add_command_id(&mut pending, &text, seq, u64::from_be_bytes(number) as usize)?;
                }
            }
            Ok(pending)
        }))
    }
}

impl Drop for IndexParts {
    fn drop(&mut self) {
        self.outs.clear();
        for path in &self.paths {
            let _ = std::fs::remove_file(path);
        }
    }
}

fn write_text(out: &mut impl Write, text: &str) -> std::io::Result<()> {
    out.write_all(&(text.len() as u32).to_be_bytes())?;
    out.write_all(text.as_bytes())
}

fn read_text(input: &mut impl std::io::Read) -> Result<String, StoreError> {
    let mut len = [0u8; 4];
    input.read_exact(&mut len)?;
    let mut bytes = vec![0; u32::from_be_bytes(len) as usize];
    input.read_exact(&mut bytes)?;
    String::from_utf8(bytes).map_err(|e| StoreError::Io(format!("导入的索引暂存文件损坏：{e}")))
}

/// A spool left in a store directory is an import into it that did not
/// finish (the spool is removed before an import is acknowledged): what it
/// wrote is removed, as an import lands whole or not at all.
pub(crate) fn discard_unfinished_import(
    dir: &std::path::Path,
    log: &sled::Tree,
    index: &crate::index::Index,
    db: &sled::Db,
) -> Result<(), StoreError> {
    let spool = dir.join(SPOOL_FILE);
    if !spool.exists() {
        return Ok(());
    }
    log.clear().or_store()?;
    index.clear()?;
    db.flush().or_store()?;
    for part in 0..INDEX_PARTS {
        let _ = std::fs::remove_file(dir.join(format!("{SPOOL_FILE}-index-{part}")));
    }
    std::fs::remove_file(&spool)?;
    Ok(())
}

impl Spool {
    fn create(dir: &std::path::Path) -> Result<Spool, StoreError> {
        let path = dir.join(SPOOL_FILE);
        let file = std::fs::File::create(&path)?;
        let reader = std::sync::Arc::new(std::fs::File::open(&path)?);
        Ok(Spool { path, out: Some(file), reader, written: 0 })
    }

    /// Appends a pack (written through at once, so that a reader of the
    /// file finds it); returns where its bytes start.
    fn push(&mut self, first: u64, bytes: &[u8]) -> Result<u64, StoreError> {
        let out = self.out.as_mut().expect("open until read back");
        let mut record = Vec::with_capacity(16 + bytes.len());
        record.extend_from_slice(&first.to_be_bytes());
        record.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
        record.extend_from_slice(bytes);
        out.write_all(&record)?;
        let offset = self.written + 16;
        self.written += record.len() as u64;
        Ok(offset)
    }

    /// The packs in the order they were pushed.
    fn read_back(&mut self) -> Result<impl Iterator<Item = Result<(u64, Vec<u8>), StoreError>> + '_, StoreError> {
        use std::io::Read;
        self.out = None;
        let mut input = std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(&self.path)?);
        Ok(std::iter::from_fn(move || {
            let mut header = [0u8; 16];
            match input.read_exact(&mut header) {
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return None,
                Err(e) => return Some(Err(e.into())),
                Ok(()) => {}
            }
            let first = u64::from_be_bytes(header[..8].try_into().expect("8 bytes"));
            let len = u64::from_be_bytes(header[8..].try_into().expect("8 bytes")) as usize;
            let mut bytes = vec![0; len];
            Some(input.read_exact(&mut bytes).map(|()| (first, bytes)).map_err(StoreError::from))
        }))
    }
}

impl Spool {
    /// Removes the spool: the import it served is whole.
    fn remove(mut self) -> Result<(), StoreError> {
        self.out = None;
        std::fs::remove_file(&self.path)?;
        Ok(())
    }
}

/// How many bytes of events an import packs into one log value. sled reads
/// a whole leaf (up to 16 values) to return one value, so a point read
/// (one project's history, the streams a command replays) costs up to 16
/// packs: 16 KiB keeps that near 256 KiB. Larger packs (256 KiB, measured)
/// open faster after an import but make those reads 16 times dearer.
const PACK_BYTES: usize = 16 * 1024;

/// Whole commands waiting to be written as one log value.
#[derive(Default)]
struct Pack {
    bytes: Vec<u8>,
    entries: Vec<codec::IndexEntry>,
}

fn trim_newline(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}
