//! The selfeval event store: an append-only, hash-chained log of events.
//!
//! # Model
//!
//! The store keeps one log of events, numbered from 1 without gaps. Each
//! event belongs to a *stream* (`department`, `project/P01`) and has a
//! version in it (1, 2, …). A command's events are appended together, as one
//! *batch*: all of them land or none does. Each stored event is linked to the
//! one before it by a SHA-256 hash over the previous hash and the event's exact
//! stored bytes, so any change to the history is detected by [`Store::verify`].
//! The log is the only source of truth; the per-stream index and the command
//! index are caches that the store catches up from the log when it opens.
//!
//! ```no_run
//! use selfeval_store::{Batch, ExpectedVersion, NewEvent, OpenOptions, Store};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut store = Store::open(std::path::Path::new("selfeval-data"), &OpenOptions::default())?;
//! let now = chrono::Utc::now();
//! let batch = Batch {
//!     stream: "project/P01".into(),
//!     expected_version: ExpectedVersion::Exact(0),
//!     command_id: "0190c0de-0000-7000-8000-000000000001".into(),
//!     actor: "张三@应急救援科".into(),
//!     reason: None,
//!     occurred_at: now,
//!     recorded_at: now,
//!     events: vec![NewEvent {
//!         event_type: "ProjectRegistered".into(),
//!         schema_version: 1,
//!         payload: r#"{"project":"P01"}"#.into(),
//!     }],
//! };
//! match store.append(&batch)? {
//!     Ok(appended) => println!("appended {:?}", appended.seqs),
//!     Err(conflict) => println!("retry: {conflict}"),
//! }
//! # Ok(()) }
//! ```
//!
//! # Durability
//!
//! **An append is durable when it returns `Ok`**: its batch and the index
//! entries are written and flushed to disk before `append` returns, with one
//! flush per batch. A process killed before that loses the unacknowledged
//! batch whole, never part of it. An import is durable when it returns.
//!
//! # Concurrency
//!
//! One process at a time holds a store. [`Store::open`] waits for a busy
//! store, retrying with backoff up to [`OpenOptions::wait`], then fails with
//! [`StoreError::Busy`]. Within a process, appends take `&mut self`.
//! Expected stream versions guard against lost updates: a wrong one is a
//! [`Conflict`], a value separate from the fatal [`StoreError`].
//!
//! The on-disk and export formats, and the hash, are specified in
//! `docs/storage.md`.

mod cache;
mod codec;
mod export;
mod headfile;
mod index;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

pub use cache::{CacheFound, CacheStatus, Cached};
pub use codec::{chain_hash, split_line, stored_lines, Envelope, StoredEvent, GENESIS_HASH, HASH_ALGORITHM};
pub use export::{ExportSummary, ExportWriter, ImportRejected, Imported, Salvaged, Spooled};
pub use headfile::HEAD_FILE;

/// An event to append: its type, schema version and payload (compact JSON).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// The event type name, e.g. `BudgetSet`.
    pub event_type: String,
    /// The schema version of the payload.
    pub schema_version: u32,
    /// The payload as JSON text, stored verbatim.
    pub payload: String,
}

/// What the stream's version must be for the append to go ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpectedVersion {
    /// Whatever it is.
    Any,
    /// Exactly this many events (0: the stream must not exist yet).
    Exact(u64),
}

/// A command's events with their shared audit metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// The stream all events belong to.
    pub stream: String,
    /// The version the stream must be at.
    pub expected_version: ExpectedVersion,
    /// The command's id: re-sending it appends nothing.
    pub command_id: String,
    /// Who acted.
    pub actor: String,
    /// Why, if given.
    pub reason: Option<String>,
    /// When it happened in the real world.
    pub occurred_at: DateTime<Utc>,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// The events, at least one.
    pub events: Vec<NewEvent>,
}

/// A log value being read: its first sequence number, its bytes and its
/// lines' spans.
type HeldValue = (u64, sled::IVec, Vec<(usize, usize)>);

/// Commands encoded one after another, not yet stored ([`Store::staging`]).
#[derive(Debug, Clone)]
pub struct Staging {
    base: Head,
    head: Head,
    value: Vec<u8>,
    stored: Vec<StoredEvent>,
    versions: std::collections::HashMap<String, u64>,
    commands: std::collections::HashSet<String>,
}

impl Staging {
    /// The sequence number the next staged event will have.
    pub fn next_seq(&self) -> u64 {
        self.head.seq + 1
    }

    /// Encodes `batch` after the staged events, its stream at `version`.
    fn push(&mut self, batch: &Batch, version: u64) -> Result<Vec<u8>, StoreError> {
        let (value, stored, head) =
            codec::encode_batch(batch, &self.head, version, &mut || uuid::Uuid::now_v7().to_string())?;
        self.versions.insert(batch.stream.clone(), version + stored.len() as u64);
        self.value.extend_from_slice(&value);
        self.stored.extend(stored);
        self.head = head;
        Ok(value)
    }
}

/// A successful append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    /// The sequence numbers of the batch's events.
    pub seqs: Vec<u64>,
    /// True when the command id was already in the log: nothing was written
    /// and `seqs` are those of the original append.
    pub duplicate: bool,
}

/// The stream was not at the expected version. Nothing was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// The stream.
    pub stream: String,
    /// The version the caller expected.
    pub expected: u64,
    /// The version it is at.
    pub actual: u64,
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "stream {} is at version {}, not {} as expected", self.stream, self.actual, self.expected)
    }
}

/// The last event of the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// Its sequence number (0 for an empty log).
    pub seq: u64,
    /// Its hash ([`GENESIS_HASH`] for an empty log).
    pub hash: String,
}

/// The first place where the chain does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainBreak {
    /// The first bad sequence number.
    pub seq: u64,
    /// What is wrong there.
    pub problem: String,
}

impl fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "事件{}：{}", self.seq, self.problem)
    }
}

/// A verified chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// How many events were checked.
    pub events: u64,
    /// The head.
    pub head: Head,
}

/// A failure the caller cannot fix by retrying the same call at once.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another process held the store for longer than the wait.
    #[error("the store {path} is in use by another process (waited {waited:?})")]
    Busy {
        /// The store directory.
        path: PathBuf,
        /// How long we waited.
        waited: Duration,
    },
    /// Stored bytes that cannot be read as the format says.
    #[error("the store is unreadable at event {seq}: {message}")]
    Corrupt {
        /// The sequence number (or batch key) where it is unreadable.
        seq: u64,
        /// What is wrong.
        message: String,
    },
    /// A batch that the store refuses (empty, or unencodable).
    #[error("invalid batch: {0}")]
    InvalidBatch(String),
    /// Input/output or the storage engine failed.
    #[error("storage failure: {0}")]
    Io(String),
    /// The machine refused: the disk is full, permission is denied, a path
    /// is not a directory. Nothing is wrong with the store itself.
    #[error("environment: {0}")]
    Environment(std::io::Error),
    /// Writing an export to its output failed (a closed pipe included).
    #[error("writing the export: {0}")]
    Write(std::io::Error),
}

/// Whether an IO error is the machine saying no rather than the store
/// being damaged.
pub fn is_environment(error: &std::io::Error) -> bool {
    use std::io::ErrorKind as K;
    matches!(
        error.kind(),
        K::StorageFull
            | K::PermissionDenied
            | K::NotADirectory
            | K::IsADirectory
            | K::ReadOnlyFilesystem
            | K::QuotaExceeded
            | K::FileTooLarge
            | K::AlreadyExists
            | K::OutOfMemory
    )
}

/// Converts the engine's errors: a public `From` impl would name sled in the API.
pub(crate) trait OrStore<T> {
    fn or_store(self) -> Result<T, StoreError>;
}

impl<T> OrStore<T> for Result<T, sled::Error> {
    fn or_store(self) -> Result<T, StoreError> {
        self.map_err(engine_error)
    }
}

/// The engine's error in our terms, its message in Chinese where it is ours
/// to say.
fn engine_error(error: sled::Error) -> StoreError {
    match error {
        sled::Error::Io(io) => io.into(),
        sled::Error::Corruption { at, .. } => StoreError::Corrupt {
            seq: 0,
            message: match at {
                Some(at) => format!("存储引擎在文件位置 {at} 读到损坏的数据"),
                None => "存储引擎读到损坏的数据".to_owned(),
            },
        },
        other => StoreError::Io(other.to_string()),
    }
}

impl From<std::io::Error> for StoreError {
    fn from(error: std::io::Error) -> Self {
        if is_environment(&error) {
            StoreError::Environment(error)
        } else {
            StoreError::Io(error.to_string())
        }
    }
}

/// How to open a store.
#[derive(Debug, Clone)]
pub struct OpenOptions {
    /// How long to wait for a store held by another process.
    pub wait: Duration,
    /// The storage engine's cache, in bytes.
    pub cache_bytes: u64,
    /// Open a damaged store to salvage what still verifies: the head file
    /// is not checked (nor written); only `export_salvage` makes sense then.
    pub salvage: bool,
    /// Reopen the engine after reading or importing this many bytes of log
    /// values (sled keeps what it read in memory until it is closed).
    pub reopen_after_bytes: u64,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            wait: Duration::from_secs(10),
            cache_bytes: 64 * 1024 * 1024,
            salvage: false,
            reopen_after_bytes: REOPEN_AFTER,
        }
    }
}

/// Tree names. `log` is the truth; `index` is a cache rebuilt from it.
const LOG: &str = "log";
const INDEX: &str = "index";
/// The trees of the first layout (a key per event and per command), dropped
/// and rebuilt as `index` when an older store is opened.
const OLD_TREES: [&str; 3] = ["streams", "commands", "meta"];

/// Our own lock file: held for the life of a [`Store`], across the
/// engine's reopenings (sled's own lock is released while it reopens).
pub const LOCK_FILE: &str = "selfeval-lock";

/// After reading (or importing) this many bytes of log values, the engine
/// is closed and opened again: sled 0.34 keeps every page it has read in
/// memory whatever its cache size, so a pass over a 600 MB log would hold
/// 600 MB (issue 14); reopened every 32 MiB it holds about 60 MB.
const REOPEN_AFTER: u64 = 32 << 20;

/// How many bytes of log values a scan fetches at a time.
const SCAN_BYTES: usize = 4 << 20;

/// The open engine: the database and its trees.
struct Engine {
    db: sled::Db,
    log: sled::Tree,
    index: index::Index,
}

/// sled's segment size for a new store. sled writes a page (a node and its
/// values) to a file of its own once it is over a quarter of a segment; at
/// the default 512 KiB an import's leaves (up to 17 packs of 16 KiB) became
/// several thousand such files, and creating a file cost 0.4 ms here: 2 MiB
/// keeps them inside the segments (a million events imported: sled's part
/// 4.4 s → 2.0 s, no blob file; open and close 8–10 ms).
const SEGMENT_BYTES: usize = 2 << 20;
/// sled's default, which every store made before `SEGMENT_BYTES` has.
const SLED_DEFAULT_SEGMENT_BYTES: usize = 512 << 10;

/// The segment size a store was made with: sled refuses another one. sled
/// records it in its `conf` file (`segment_size: N`), which the store syncs
/// when it makes a store (sled does not). A directory without a `conf` is a
/// new store, unless it holds sled's `db` already: then it was made before
/// `SEGMENT_BYTES`, when sled rewrote a lost `conf` with its default.
fn segment_size(dir: &Path) -> usize {
    // The file ends in a binary checksum: read as bytes.
    match std::fs::read(dir.join("conf")) {
        Err(_) if dir.join("db").exists() => SLED_DEFAULT_SEGMENT_BYTES,
        Err(_) => SEGMENT_BYTES,
        Ok(conf) => String::from_utf8_lossy(&conf)
            .lines()
            .find_map(|line| line.strip_prefix("segment_size: ")?.trim().parse().ok())
            .unwrap_or(SLED_DEFAULT_SEGMENT_BYTES),
    }
}

impl Engine {
    /// Opens sled in `dir`, waiting while another process holds it.
    fn open(dir: &Path, options: &OpenOptions, started: Instant) -> Result<Engine, StoreError> {
        let segment = segment_size(dir);
        let new = !dir.join("conf").exists();
        let db = wait_while_busy(dir, options.wait, started, || {
            match sled::Config::new().path(dir).cache_capacity(options.cache_bytes).segment_size(segment).open() {
                Ok(db) => Ok(Some(db)),
                Err(error) if is_lock_error(&error) => Ok(None),
                Err(error) => Err(engine_error(error)),
            }
        })?;
        if new {
            // sled writes its conf without syncing it; the segment size in
            // it must survive a power loss.
            std::fs::File::open(dir.join("conf"))?.sync_all()?;
            std::fs::File::open(dir)?.sync_all()?;
        }
        Ok(Engine {
            log: db.open_tree(LOG).or_store()?,
            index: index::Index { tree: db.open_tree(INDEX).or_store()? },
            db,
        })
    }
}

/// Takes our lock file in `dir`, waiting while another process holds it.
fn lock(dir: &Path, options: &OpenOptions, started: Instant) -> Result<std::fs::File, StoreError> {
    std::fs::create_dir_all(dir)?;
    let file = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(dir.join(LOCK_FILE))?;
    wait_while_busy(dir, options.wait, started, || match file.try_lock() {
        Ok(()) => Ok(Some(())),
        Err(std::fs::TryLockError::WouldBlock) => Ok(None),
        Err(std::fs::TryLockError::Error(error)) => Err(error.into()),
    })?;
    Ok(file)
}

/// Retries `attempt` while it answers busy (`None`), with backoff from
/// 10 ms doubling to 250 ms, until `wait` has passed since `started`.
fn wait_while_busy<T>(
    dir: &Path,
    wait: Duration,
    started: Instant,
    mut attempt: impl FnMut() -> Result<Option<T>, StoreError>,
) -> Result<T, StoreError> {
    let mut pause = Duration::from_millis(10);
    loop {
        if let Some(done) = attempt()? {
            return Ok(done);
        }
        let waited = started.elapsed();
        if waited >= wait {
            return Err(StoreError::Busy { path: dir.to_path_buf(), waited });
        }
        std::thread::sleep(pause.min(wait.saturating_sub(waited)));
        pause = (pause * 2).min(Duration::from_millis(250));
    }
}

/// An open event store.
pub struct Store {
    path: PathBuf,
    options: OpenOptions,
    /// Before `_lock`: fields drop in order, so sled is closed before our
    /// lock lets another process in.
    engine: std::cell::RefCell<Option<Engine>>,
    _lock: std::fs::File,
    /// Bytes read or imported since the engine was last opened.
    scanned: std::cell::Cell<u64>,
    head: Head,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store").field("path", &self.path).field("head", &self.head).finish()
    }
}

fn is_lock_error(error: &sled::Error) -> bool {
    match error {
        sled::Error::Io(io) => {
            io.kind() == std::io::ErrorKind::WouldBlock || io.to_string().contains("could not acquire lock")
        }
        _ => false,
    }
}

impl Store {
    /// Opens (or creates) the store in `dir`, waiting while another process
    /// holds it, and catches the indexes up with the log.
    pub fn open(dir: &Path, options: &OpenOptions) -> Result<Store, StoreError> {
        let started = Instant::now();
        let lock = lock(dir, options, started)?;
        let engine = Engine::open(dir, options, started)?;
        if !options.salvage {
            let names = engine.db.tree_names();
            for old in OLD_TREES {
                if names.iter().any(|name| name.as_ref() == old.as_bytes()) {
                    engine.db.drop_tree(old).or_store()?;
                }
            }
            export::discard_unfinished_import(dir, &engine.log, &engine.index, &engine.db)?;
        }
        let mut store = Store {
            path: dir.to_path_buf(),
            options: options.clone(),
            engine: std::cell::RefCell::new(Some(engine)),
            _lock: lock,
            scanned: std::cell::Cell::new(0),
            head: Head { seq: 0, hash: GENESIS_HASH.to_owned() },
        };
        store.head = store.read_head()?;
        if !options.salvage {
            store.check_head_file()?;
        }
        store.catch_up_indexes()?;
        Ok(store)
    }

    /// Compares the log with the head kept outside it. A log shorter than
    /// the acknowledged head, or one whose event at that position has another
    /// hash, is an integrity error. A log ahead of the file (killed between
    /// the flush and the file) moves the file up.
    fn check_head_file(&self) -> Result<(), StoreError> {
        let Some(acknowledged) = headfile::read(&self.path)? else {
            // A store from before the head file, or a new one.
            return self.write_head_file();
        };
        if acknowledged.seq > self.head.seq {
            return Err(StoreError::Corrupt {
                seq: acknowledged.seq,
                message: format!(
                    "日志只到事件{}，而已确认写入的事件到{}（头文件 {}）：已确认的事件丢失，库可能被替换为旧副本或已损坏；请从导出文件恢复",
                    self.head.seq, acknowledged.seq, HEAD_FILE
                ),
            });
        }
        if acknowledged.seq > 0 && self.hash_at(acknowledged.seq)?.as_deref() != Some(acknowledged.hash.as_str()) {
            return Err(StoreError::Corrupt {
                seq: acknowledged.seq,
                message: format!("事件{}的哈希与头文件 {} 记录的不同：历史已被改写", acknowledged.seq, HEAD_FILE),
            });
        }
        if acknowledged.seq < self.head.seq {
            return self.write_head_file();
        }
        Ok(())
    }

    fn with_engine<T>(&self, f: impl FnOnce(&Engine) -> T) -> Result<T, StoreError> {
        match self.engine.borrow().as_ref() {
            Some(engine) => Ok(f(engine)),
            None => Err(StoreError::Io("存储引擎重新打开失败，库已关闭".into())),
        }
    }

    /// The log tree (a handle: held only for the call that uses it, so that
    /// the engine can be reopened between calls).
    fn log(&self) -> Result<sled::Tree, StoreError> {
        self.with_engine(|e| e.log.clone())
    }

    fn index(&self) -> Result<index::Index, StoreError> {
        self.with_engine(|e| e.index.clone())
    }

    fn db(&self) -> Result<sled::Db, StoreError> {
        self.with_engine(|e| e.db.clone())
    }

    /// Counts bytes read or imported, and reopens the engine once they
    /// pass [`OpenOptions::reopen_after_bytes`] (our own lock stays held
    /// meanwhile).
    pub(crate) fn scanned(&self, bytes: usize) -> Result<(), StoreError> {
        let total = self.scanned.get() + bytes as u64;
        if total < self.options.reopen_after_bytes {
            self.scanned.set(total);
            return Ok(());
        }
        self.reopen()
    }

    /// Closes the engine and opens it again (our own lock stays held), so
    /// that sled lets go of the pages it holds.
    pub(crate) fn reopen(&self) -> Result<(), StoreError> {
        self.scanned.set(0);
        let mut slot = self.engine.borrow_mut();
        if let Some(old) = slot.take() {
            old.db.flush().or_store()?;
        }
        // Only this process can hold sled's lock now (ours is held), but
        // sled may let go of it a moment after it is closed: wait for that
        // whatever the caller's wait for other processes.
        let options = OpenOptions { wait: Duration::from_secs(10), ..self.options.clone() };
        *slot = Some(Engine::open(&self.path, &options, Instant::now())?);
        Ok(())
    }

    /// Writes a large set of index changes in parts, reopening the engine
    /// as the bytes written add up (sled holds what it writes until closed).
    pub(crate) fn write_index_in_parts(
        &self,
        pendings: &mut dyn Iterator<Item = Result<index::Pending, StoreError>>,
        position: u64,
    ) -> Result<(), StoreError> {
        index::Index::commit_in_parts(pendings, position, &mut || self.index(), &mut |bytes| self.scanned(bytes * 4))
    }

    /// Log values (first sequence number, bytes) from the one holding
    /// `key` on, at most about [`SCAN_BYTES`] of them (at least one).
    fn values_from(&self, key: u64) -> Result<Vec<(u64, sled::IVec)>, StoreError> {
        let mut out = Vec::new();
        let mut bytes = 0;
        for entry in self.log()?.range(key.to_be_bytes()..) {
            let (k, v) = entry.or_store()?;
            bytes += v.len();
            out.push((codec::decode_key(&k)?, v));
            if bytes >= SCAN_BYTES {
                break;
            }
        }
        self.scanned(bytes)?;
        Ok(out)
    }

    /// Every log value from the one that holds event `from`, in order,
    /// fetched a few MiB at a time (the engine may be reopened between).
    pub(crate) fn log_values(&self, from: u64) -> LogValues<'_> {
        LogValues { store: self, next: Some(from.max(1)), started: false, buffer: Vec::new().into_iter() }
    }

    /// Records the current head in the head file.
    pub(crate) fn write_head_file(&self) -> Result<(), StoreError> {
        headfile::write(&self.path, &self.head)
    }

    /// The store's directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The last event's sequence number and hash.
    pub fn head(&self) -> &Head {
        &self.head
    }

    /// True when the log holds no event.
    pub fn is_empty(&self) -> bool {
        self.head.seq == 0
    }

    fn read_head(&self) -> Result<Head, StoreError> {
        match self.log()?.last().or_store()? {
            None => Ok(Head { seq: 0, hash: GENESIS_HASH.to_owned() }),
            Some((key, value)) => {
                let first = codec::decode_key(&key)?;
                let last = codec::lines(&value)
                    .last()
                    .ok_or_else(|| StoreError::Corrupt { seq: first, message: "empty batch".into() })?;
                let (hash, body) =
                    codec::split_line(last).map_err(|m| StoreError::Corrupt { seq: first, message: m })?;
                let seq = codec::body_seq(body).map_err(|m| StoreError::Corrupt { seq: first, message: m })?;
                Ok(Head { seq, hash: hash.to_owned() })
            }
        }
    }

    /// Brings the stream and command indexes up to the log's head. An index
    /// ahead of the log (the log write was lost, the index write was not) is
    /// dropped and rebuilt.
    fn catch_up_indexes(&mut self) -> Result<(), StoreError> {
        let position = match self.index()?.position()? {
            Some(position) if position <= self.head.seq => position,
            // Ahead of the log, written in parts and cut short, or entries
            // without a position: rebuilt from the log.
            _ => {
                self.index()?.clear()?;
                0
            }
        };
        if position == self.head.seq {
            return Ok(());
        }
        let mut pending = index::Pending::default();
        let mut command: Vec<codec::IndexEntry> = Vec::new();
        for event in self.events_from(position + 1) {
            let entry = codec::IndexEntry::of(&event?.envelope);
            if command.last().is_some_and(|last| last.command_id != entry.command_id) {
                self.index()?.add_command(&mut pending, &command)?;
                command.clear();
            }
            command.push(entry);
        }
        self.index()?.add_command(&mut pending, &command)?;
        if position == 0 {
            // A rebuild: as large as the log's index.
            self.write_index_in_parts(&mut std::iter::once(Ok(pending)), self.head.seq)?;
        } else {
            self.index()?.commit(pending, self.head.seq)?;
        }
        self.db()?.flush().or_store()?;
        Ok(())
    }

    /// The number of events in a stream.
    pub fn stream_version(&self, stream: &str) -> Result<u64, StoreError> {
        self.index()?.stream_version(stream)
    }

    /// The sequence numbers appended for a command id, if it was appended.
    pub fn command_seqs(&self, command_id: &str) -> Result<Option<Vec<u64>>, StoreError> {
        Ok(self.index()?.command(command_id)?.map(|(first, count)| (first..first + count).collect()))
    }

    /// Appends a command's events atomically and durably.
    ///
    /// Returns `Ok(Err(conflict))` when the stream is not at the expected
    /// version, and the original sequence numbers (with `duplicate`) when the
    /// command id was appended before. In both cases nothing is written.
    pub fn append(&mut self, batch: &Batch) -> Result<Result<Appended, Conflict>, StoreError> {
        if let Some(seqs) = self.command_seqs(&batch.command_id)? {
            return Ok(Ok(Appended { seqs, duplicate: true }));
        }
        let mut staging = self.staging();
        if let Err(conflict) = self.stage(&mut staging, batch)? {
            return Ok(Err(conflict));
        }
        self.commit_staged(staging)
    }

    /// An empty staging area at the head: several commands encoded one
    /// after another ([`Store::stage`]) and stored together, all or none,
    /// by [`Store::commit_staged`].
    pub fn staging(&self) -> Staging {
        Staging {
            base: self.head.clone(),
            head: self.head.clone(),
            value: Vec::new(),
            stored: Vec::new(),
            versions: std::collections::HashMap::new(),
            commands: std::collections::HashSet::new(),
        }
    }

    /// Encodes `batch` after what `staging` holds (its stream at the version
    /// the staged commands leave it); returns the exact lines it adds, each
    /// with its `\n`, or a conflict when the stream is not at the batch's
    /// expected version. A command id already stored or staged is refused.
    pub fn stage(&self, staging: &mut Staging, batch: &Batch) -> Result<Result<Vec<u8>, Conflict>, StoreError> {
        if batch.events.is_empty() {
            return Err(StoreError::InvalidBatch("a batch needs at least one event".into()));
        }
        if staging.commands.contains(&batch.command_id) || self.command_seqs(&batch.command_id)?.is_some() {
            return Err(StoreError::InvalidBatch(format!("命令编号「{}」已记录过或在同一批中重复", batch.command_id)));
        }
        let version = match staging.versions.get(&batch.stream) {
            Some(v) => *v,
            None => self.stream_version(&batch.stream)?,
        };
        if let ExpectedVersion::Exact(expected) = batch.expected_version {
            if expected != version {
                return Ok(Err(Conflict { stream: batch.stream.clone(), expected, actual: version }));
            }
        }
        staging.commands.insert(batch.command_id.clone());
        Ok(Ok(staging.push(batch, version)?))
    }

    /// Stages one more event of the command staged last (its signature):
    /// same command id, stream and metadata as `batch`.
    pub fn stage_trailer(&self, staging: &mut Staging, batch: &Batch) -> Result<(), StoreError> {
        let last = staging.stored.last().map(|e| (&e.envelope.command_id, &e.envelope.stream));
        if last != Some((&batch.command_id, &batch.stream)) {
            return Err(StoreError::InvalidBatch("a trailer belongs to the command staged last".into()));
        }
        let version = staging.versions.get(&batch.stream).copied().unwrap_or_default();
        staging.push(batch, version).map(drop)
    }

    /// Stores everything staged as one log value, atomically and durably;
    /// a conflict (nothing written) when the log moved since staging began.
    pub fn commit_staged(&mut self, staging: Staging) -> Result<Result<Appended, Conflict>, StoreError> {
        let Staging { base, head, value, stored, .. } = staging;
        if base != self.head {
            return Ok(Err(Conflict { stream: String::new(), expected: base.seq, actual: self.head.seq }));
        }
        if stored.is_empty() {
            return Ok(Ok(Appended { seqs: Vec::new(), duplicate: false }));
        }
        let first = self.head.seq + 1;
        if self.log()?.compare_and_swap(first.to_be_bytes(), None::<&[u8]>, Some(value)).or_store()?.is_err() {
            return Err(StoreError::Corrupt { seq: first, message: "此位置已有一批事件".into() });
        }
        let entries: Vec<codec::IndexEntry> = stored.iter().map(|e| codec::IndexEntry::of(&e.envelope)).collect();
        let mut pending = index::Pending::default();
        self.index()?.add_all(&mut pending, &entries)?;
        self.index()?.commit(pending, head.seq)?;
        self.db()?.flush().or_store()?;
        self.head = head;
        let _ = self.write_head_file();
        Ok(Ok(Appended { seqs: stored.iter().map(|e| e.envelope.seq).collect(), duplicate: false }))
    }

    /// The log value (key and bytes) that holds event `seq`.
    fn value_holding(&self, seq: u64) -> Result<(sled::IVec, sled::IVec), StoreError> {
        self.log()?
            .range(..=seq.to_be_bytes())
            .next_back()
            .ok_or_else(|| StoreError::Corrupt { seq, message: "事件不在日志中".into() })?
            .or_store()
    }

    /// The exact stored lines of events `from..=to`, each with its `\n`:
    /// what a command's signature covers.
    pub fn lines(&self, from: u64, to: u64) -> Result<Vec<u8>, StoreError> {
        let mut out = Vec::new();
        let mut seq = from;
        while seq <= to {
            let (key, value) = self.value_holding(seq)?;
            let first = codec::decode_key(&key)?;
            for (i, line) in codec::lines(&value).enumerate() {
                let at = first + i as u64;
                if at >= seq && at <= to {
                    out.extend_from_slice(line);
                    out.push(b'\n');
                }
            }
            let count = codec::lines(&value).count() as u64;
            if first + count <= seq {
                return Err(StoreError::Corrupt { seq, message: "事件不在日志中".into() });
            }
            seq = first + count;
        }
        Ok(out)
    }

    /// Every event from sequence number `from` on, in order, read lazily.
    pub fn events_from(&self, from: u64) -> impl Iterator<Item = Result<StoredEvent, StoreError>> + '_ {
        self.log_values(from)
            .flat_map(|entry| -> Box<dyn Iterator<Item = Result<StoredEvent, StoreError>>> {
                match entry.and_then(|(first, value)| codec::decode_batch(&first.to_be_bytes(), &value)) {
                    Ok(events) => Box::new(events.into_iter().map(Ok)),
                    Err(e) => Box::new(std::iter::once(Err(e))),
                }
            })
            .filter(move |e| e.as_ref().map_or(true, |e| e.envelope.seq >= from))
    }

    /// Every event of one stream, in order, through the stream index: the
    /// cost is proportional to the stream, not to the log.
    pub fn stream_events(&self, stream: &str) -> Result<Vec<StoredEvent>, StoreError> {
        let mut events = Vec::new();
        // A log value may hold many events (an import's pack, an
        // all-or-nothing batch): its lines are found once per value, not
        // once per event.
        let mut current: Option<HeldValue> = None;
        for seq in self.index()?.stream_seqs(stream)? {
            let held =
                current.as_ref().is_some_and(|(first, _, lines)| seq >= *first && seq < first + lines.len() as u64);
            if !held {
                let (key, value) = self.value_holding(seq)?;
                let first = codec::decode_key(&key)?;
                current = Some((first, value.clone(), codec::line_spans(&value)));
            }
            let (first, value, lines) = current.as_ref().expect("set above");
            let (start, end) = *lines
                .get((seq - first) as usize)
                .ok_or_else(|| StoreError::Corrupt { seq, message: "索引指向的事件不在日志中".into() })?;
            events.push(codec::stored_line(&value[start..end], seq)?);
        }
        Ok(events)
    }

    /// Recomputes the whole hash chain: `Ok(Err(break))` names the first bad
    /// sequence number and what is wrong there.
    pub fn verify(&self) -> Result<Result<Verified, ChainBreak>, StoreError> {
        self.verify_with(&mut |_| {})
    }

    /// [`Store::verify`], handing `each` every log value (its lines, each
    /// with its `\n`) once its links are checked: a caller replays the log
    /// in the same pass.
    pub fn verify_with(&self, each: &mut dyn FnMut(&[u8])) -> Result<Result<Verified, ChainBreak>, StoreError> {
        let mut verifier = codec::ChainVerifier::new();
        for entry in self.log_values(1) {
            let (first, value) = entry?;
            if let Err(broken) = verifier.batch(first, &value) {
                return Ok(Err(broken));
            }
            each(&value);
        }
        let verified = verifier.finish();
        if verified.head != self.head {
            return Ok(Err(ChainBreak {
                seq: verified.head.seq, problem: "核验期间日志头发生了变化".into()
            }));
        }
        Ok(Ok(verified))
    }
}

/// Log values in order, fetched a few MiB at a time ([`Store::log_values`]).
pub(crate) struct LogValues<'a> {
    store: &'a Store,
    /// The key to fetch from next (`None`: the end was reached).
    next: Option<u64>,
    /// Whether the first fetch (which starts at the value holding the
    /// first event asked for) was made.
    started: bool,
    buffer: std::vec::IntoIter<(u64, sled::IVec)>,
}

impl Iterator for LogValues<'_> {
    type Item = Result<(u64, sled::IVec), StoreError>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(value) = self.buffer.next() {
            return Some(Ok(value));
        }
        let mut key = self.next?;
        if !self.started {
            self.started = true;
            // The value holding event `key` may start before it (a pack).
            match self.store.log().and_then(|log| log.range(..=key.to_be_bytes()).next_back().transpose().or_store()) {
                Ok(Some((first, _))) => match codec::decode_key(&first) {
                    Ok(first) => key = first,
                    Err(e) => return Some(Err(e)),
                },
                Ok(None) => {}
                Err(e) => return Some(Err(e)),
            }
        }
        match self.store.values_from(key) {
            Err(e) => {
                self.next = None;
                Some(Err(e))
            }
            Ok(values) => {
                self.next = values.last().map(|(first, _)| first + 1);
                self.buffer = values.into_iter();
                self.buffer.next().map(Ok)
            }
        }
    }
}

#[cfg(test)]
mod tamper_tests;

#[cfg(test)]
mod engine_error_tests {
    use super::*;

    #[test]
    fn the_engines_corruption_message_is_said_in_chinese() {
        let error = engine_error(sled::Error::Corruption { at: None, bt: () });
        match error {
            StoreError::Corrupt { message, .. } => assert_eq!(message, "存储引擎读到损坏的数据"),
            other => panic!("{other:?}"),
        }
        let full = std::io::Error::from(std::io::ErrorKind::StorageFull);
        assert!(
            matches!(engine_error(sled::Error::Io(full)), StoreError::Environment(_)),
            "a full disk is the machine"
        );
    }
}
