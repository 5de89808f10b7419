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
//! A sled store (a directory) is held by one process at a time:
//! [`Store::open`] waits for a busy store, retrying with backoff up to
//! [`OpenOptions::wait`], then fails with [`StoreError::Busy`]. A
//! PostgreSQL ledger is open to many processes at once; each command holds
//! the ledger's write lock (an advisory lock on its name) from its
//! decision to its commit. Within a process, appends take `&mut self`.
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
mod pg_store;
mod sled_store;

use std::fmt;
use std::io::{BufRead, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};

pub use cache::{CacheFound, CacheStatus, Cached};
pub use codec::{chain_hash, split_line, stored_lines, Envelope, StoredEvent, GENESIS_HASH, HASH_ALGORITHM};
pub use export::{ExportSummary, ExportWriter, ImportRejected, Imported, Salvaged, Spooled};
pub use headfile::HEAD_FILE;
pub use pg_store::{ledger_exists, ledgers, redact, PgLocation, PgLogin, MIGRATIONS};
pub use sled_store::{remove_engine_snapshots, LOCK_FILE};

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

/// Commands encoded one after another, not yet stored ([`Store::staging`]).
#[derive(Debug, Clone)]
pub struct Staging {
    base: Head,
    head: Head,
    value: Vec<u8>,
    stored: Vec<StoredEvent>,
    versions: std::collections::HashMap<String, u64>,
    commands: std::collections::HashSet<String>,
    /// The identity the staged commands are recorded under, once asked
    /// ([`Store::staged_identity`]), and whether it is new (to be kept by
    /// the commit) rather than the ledger's own.
    identity: Option<(Identity, bool)>,
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
        if self.stream.is_empty() {
            // A commit whose log moved since it was decided.
            write!(f, "the log is at event {}, not {} as when the command was decided", self.actual, self.expected)
        } else {
            write!(f, "stream {} is at version {}, not {} as expected", self.stream, self.actual, self.expected)
        }
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

/// Which ledger this is, as opposed to a copy of its history: a random
/// UUID kept beside the log (never in it), made when the ledger first
/// records a command or is imported. A copy made by `import` or `migrate`
/// receives a new one, so its history (and head) stay byte-identical while
/// a command signed in the copy names the copy (`docs/reliability.md`, "A
/// command signed in a copy").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The UUID, lowercase and hyphenated.
    pub id: String,
    /// The first sequence number recorded under it: the events before it
    /// came with the history (an import, or a store from before identities).
    pub from: u64,
}

impl Identity {
    /// A new identity whose first event will be `from`.
    pub fn new(from: u64) -> Identity {
        Identity { id: uuid::Uuid::new_v4().to_string(), from }
    }

    /// Reads the stored form `UUID FROM`.
    pub(crate) fn parse(text: &str) -> Result<Identity, StoreError> {
        let corrupt =
            || StoreError::Corrupt { seq: 0, message: format!("库标识无法读取：「{}」", text.trim()) };
        let (id, from) = text.trim().split_once(' ').ok_or_else(corrupt)?;
        let id = uuid::Uuid::parse_str(id).map_err(|_| corrupt())?.to_string();
        let from = from.parse::<u64>().ok().filter(|from| *from > 0).ok_or_else(corrupt)?;
        Ok(Identity { id, from })
    }

    /// The stored form, `UUID FROM`.
    pub(crate) fn stored(&self) -> String {
        format!("{} {}", self.id, self.from)
    }
}

/// A file the store removed when it opened, because a process killed in
/// the middle of the storage engine's own housekeeping left it and the
/// engine would refuse to open beside it (`docs/storage.md`, "What a kill
/// leaves"). By construction such a file holds nothing acknowledged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repair {
    /// The file's name in the store's directory.
    pub file: String,
    /// Its size when removed.
    pub bytes: u64,
    /// What it was and why removing it loses nothing, in Chinese.
    pub why: String,
}

impl fmt::Display for Repair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "已移除 {}（{} 字节）：{}", self.file, self.bytes, self.why)
    }
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
    /// Remove what a killed process left that the engine would refuse
    /// ([`Repair`]). A salvage's first attempt does not: it promises to
    /// leave the store's files as they are.
    pub repair: bool,
    /// Reopen the engine after reading or importing this many bytes of log
    /// values (sled keeps what it read in memory until it is closed).
    pub reopen_after_bytes: u64,
    /// How to log in to PostgreSQL when the URL carries no password (the
    /// caller reads `PGPASSWORD` and `PGPASSFILE`; the store reads no
    /// environment).
    pub login: PgLogin,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            wait: Duration::from_secs(10),
            cache_bytes: 64 * 1024 * 1024,
            salvage: false,
            repair: true,
            reopen_after_bytes: sled_store::REOPEN_AFTER,
            login: PgLogin::default(),
        }
    }
}

/// A log value: consecutive stored lines, each with its `\n`, as a backend
/// holds them (an engine's buffer or owned bytes).
pub struct LogValue(ValueBytes);

enum ValueBytes {
    Engine(sled::IVec),
    Owned(Vec<u8>),
}

impl LogValue {
    pub(crate) fn engine(bytes: sled::IVec) -> LogValue {
        LogValue(ValueBytes::Engine(bytes))
    }

    /// A value made of these bytes.
    pub fn owned(bytes: Vec<u8>) -> LogValue {
        LogValue(ValueBytes::Owned(bytes))
    }
}

impl std::ops::Deref for LogValue {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match &self.0 {
            ValueBytes::Engine(bytes) => bytes,
            ValueBytes::Owned(bytes) => bytes,
        }
    }
}

/// Log values in order, each with the sequence number of its first event.
pub type LogValues<'a> = Box<dyn Iterator<Item = Result<(u64, LogValue), StoreError>> + 'a>;

/// Where a cache's bytes are written: a file, or a buffer the backend
/// stores when they are all there.
pub trait CacheSink: Write + Seek {}
impl<T: Write + Seek> CacheSink for T {}

/// What a storage backend keeps: the log (stored lines, as bytes, in
/// sequence order), what finds a stream's and a command's events in it,
/// and the caches beside it. Everything above it (staging commands,
/// reading events, verifying the chain, exports, cache digests) is
/// [`Store`]'s and the same for every backend.
pub trait Backend: fmt::Debug + Send {
    /// The directory the store lives in, for a local backend.
    fn path(&self) -> &Path;
    /// The last event's sequence number and hash, as of the last read or
    /// write.
    fn head(&self) -> &Head;
    /// The number of events in a stream.
    fn stream_version(&self, stream: &str) -> Result<u64, StoreError>;
    /// The sequence numbers appended for a command id, if it was appended.
    fn command_seqs(&self, command_id: &str) -> Result<Option<Vec<u64>>, StoreError>;
    /// Stores everything staged, atomically and durably; a conflict
    /// (nothing written) when the log moved since staging began.
    fn commit_staged(&mut self, staging: Staging) -> Result<Result<Appended, Conflict>, StoreError>;
    /// Keeps other writers out until the next [`Backend::commit_staged`]
    /// or [`Backend::release`], and brings the head up to date: a command
    /// is then decided on a log nobody else can move. On sled the process
    /// holds the whole store already; on PostgreSQL a transaction holds
    /// the ledger's write lock (without it, eight clients writing at once
    /// kept moving each other's head: five commands of 200 gave up).
    fn hold(&mut self) -> Result<(), StoreError> {
        Ok(())
    }
    /// Lets other writers in again when nothing was committed.
    fn release(&mut self) -> Result<(), StoreError> {
        Ok(())
    }
    /// Every log value from the one that holds event `from`, in order.
    fn log_values(&self, from: u64) -> LogValues<'_>;
    /// [`Backend::log_values`] for `verify`: also checks what the backend
    /// keeps beside each line against the line (PostgreSQL: the stream,
    /// stream version and command id columns a reader looks events up by).
    fn log_values_audited(&self, from: u64) -> LogValues<'_> {
        self.log_values(from)
    }
    /// After the chain verified: the command records against the log
    /// (PostgreSQL's `selfeval_commands`; sled's index is rebuilt from the
    /// log whenever it is in doubt, so there is nothing to check).
    fn audit_commands(&self) -> Result<(), StoreError> {
        Ok(())
    }
    /// Every event of one stream, in order.
    fn stream_events(&self, stream: &str, until: u64) -> Result<Vec<StoredEvent>, StoreError>;
    /// The exact stored lines of events `from..=to`, each with its `\n`.
    fn lines(&self, from: u64, to: u64) -> Result<Vec<u8>, StoreError>;
    /// The hash of event `seq`, if the log holds it.
    fn hash_at(&self, seq: u64) -> Result<Option<String>, StoreError>;
    /// The head acknowledged to writers, kept apart from the log where the
    /// backend keeps one (what a salvage compares with).
    fn acknowledged_head(&self) -> Result<Option<Head>, StoreError>;
    /// The bytes of cache `name`, if there is one.
    fn open_cache(&self, name: &str) -> Result<Option<Box<dyn Read + '_>>, StoreError>;
    /// Replaces cache `name`, atomically, with what `write` writes.
    fn save_cache(
        &self,
        name: &str,
        write: &mut dyn FnMut(&mut dyn CacheSink) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;
    /// Removes cache `name` (it is rebuilt when next needed).
    fn remove_cache(&self, name: &str) -> Result<(), StoreError>;
    /// Restores an export into this empty store ([`Store::import_with`]),
    /// checking its chain, its header and its trailer. A backend that
    /// spools the packs (sled) tells `each` where each lies; one that lands
    /// the file in one transaction (PostgreSQL) does not, and is given only
    /// files already checked (`Ledger::import_at`).
    fn import_with(
        &mut self,
        input: &mut dyn BufRead,
        each: &mut dyn FnMut(Spooled),
    ) -> Result<Result<Imported, ImportRejected>, StoreError>;
    /// The ledger's [`Identity`], if it has one yet.
    fn identity(&self) -> Result<Option<Identity>, StoreError>;
    /// Keeps `identity` unless the ledger has one already; returns the one
    /// it has. Inside the held transaction where there is one.
    fn keep_identity(&mut self, identity: &Identity) -> Result<Identity, StoreError>;
    /// The files removed when the store was opened ([`Repair`]).
    fn repairs(&self) -> &[Repair] {
        &[]
    }
    /// This backend, for its own tests.
    #[cfg(test)]
    fn as_any(&self) -> &dyn std::any::Any;
}

/// The events of `values` from sequence number `from` on.
pub(crate) fn events_in(
    values: LogValues<'_>,
    from: u64,
) -> impl Iterator<Item = Result<StoredEvent, StoreError>> + '_ {
    values
        .flat_map(|entry| -> Box<dyn Iterator<Item = Result<StoredEvent, StoreError>>> {
            match entry.and_then(|(first, value)| codec::decode_batch(&first.to_be_bytes(), &value)) {
                Ok(events) => Box::new(events.into_iter().map(Ok)),
                Err(e) => Box::new(std::iter::once(Err(e))),
            }
        })
        .filter(move |e| e.as_ref().map_or(true, |e| e.envelope.seq >= from))
}

/// An open event store, on one of the backends.
pub struct Store {
    backend: Box<dyn Backend>,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.backend.fmt(f)
    }
}

/// Where a store lives: the backend is chosen by it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A local directory, on sled (the default).
    Dir(PathBuf),
    /// A ledger in a PostgreSQL database (`postgres://…?ledger=NAME`).
    Postgres(PgLocation),
}

impl Location {
    /// A `postgres://` or `postgresql://` URL is a PostgreSQL ledger;
    /// anything else is a directory.
    pub fn parse(text: &str) -> Result<Location, String> {
        // Anything that looks like a PostgreSQL URL must be one: a typo
        // (`POSTGRES:/…`, a leading blank) would otherwise make a directory
        // of that name, the password in its path.
        let head = text.trim_start().get(..11).unwrap_or(text.trim_start()).to_ascii_lowercase();
        if head.starts_with("postgres:") || head.starts_with("postgresql:") {
            if text.trim_start() != text {
                return Err(format!("「{}」前有空白；可接受：以 postgres:// 开头的地址", redact(text).trim_start()));
            }
            PgLocation::parse(text).map(Location::Postgres)
        } else {
            Ok(Location::Dir(PathBuf::from(text)))
        }
    }

    /// The location as shown to people (never a password).
    pub fn shown(&self) -> String {
        match self {
            Location::Dir(dir) => dir.display().to_string(),
            Location::Postgres(pg) => pg.shown(),
        }
    }
}

/// The last acknowledged event of the store at `location`, read without
/// opening the store (no lock taken, nobody kept waiting): for a directory,
/// its head file; `None` when that cannot be known so (a PostgreSQL ledger,
/// a directory without a head file). A reader that holds the state at this
/// head holds the whole log: an event is acknowledged only after its head
/// is written, and two histories with the same head are one history.
pub fn acknowledged_head(location: &Location) -> Result<Option<Head>, StoreError> {
    match location {
        Location::Dir(dir) => headfile::read(dir),
        Location::Postgres(_) => Ok(None),
    }
}

impl Store {
    /// Opens (or creates) the store in the directory `dir`, waiting while
    /// another process holds it, and catches the indexes up with the log.
    pub fn open(dir: &Path, options: &OpenOptions) -> Result<Store, StoreError> {
        Ok(Store { backend: Box::new(sled_store::SledStore::open(dir, options)?) })
    }

    /// Opens (or creates) the store at `location`, on its backend. A
    /// PostgreSQL ledger is created (and the schema brought up to date) on
    /// first use.
    pub fn open_at(location: &Location, options: &OpenOptions) -> Result<Store, StoreError> {
        match location {
            Location::Dir(dir) => Store::open(dir, options),
            Location::Postgres(pg) => {
                Ok(Store { backend: Box::new(pg_store::PgStore::open(pg, options, pg_store::Mode::Write)?) })
            }
        }
    }

    /// Opens the store at `location` to import into it: a PostgreSQL
    /// ledger is registered only by the import's own transaction, so an
    /// import cut short leaves none behind.
    pub fn open_for_import_at(location: &Location, options: &OpenOptions) -> Result<Store, StoreError> {
        match location {
            Location::Dir(dir) => Store::open(dir, options),
            Location::Postgres(pg) => {
                Ok(Store { backend: Box::new(pg_store::PgStore::open(pg, options, pg_store::Mode::Import)?) })
            }
        }
    }

    /// Opens the store at `location` without creating anything there: a
    /// PostgreSQL ledger is used as it is (a role that may only read can).
    /// A directory opens as [`Store::open`] does (the caller checks that
    /// it holds a store).
    pub fn open_existing_at(location: &Location, options: &OpenOptions) -> Result<Store, StoreError> {
        match location {
            Location::Dir(dir) => Store::open(dir, options),
            Location::Postgres(pg) => {
                Ok(Store { backend: Box::new(pg_store::PgStore::open(pg, options, pg_store::Mode::Read)?) })
            }
        }
    }

    /// The store's directory.
    pub fn path(&self) -> &Path {
        self.backend.path()
    }

    /// The files this open removed: what a killed process left that the
    /// engine would have refused (empty when there was nothing to repair).
    pub fn repairs(&self) -> &[Repair] {
        self.backend.repairs()
    }

    /// The last event's sequence number and hash.
    pub fn head(&self) -> &Head {
        self.backend.head()
    }

    /// True when the log holds no event.
    pub fn is_empty(&self) -> bool {
        self.head().seq == 0
    }

    /// The number of events in a stream.
    pub fn stream_version(&self, stream: &str) -> Result<u64, StoreError> {
        self.backend.stream_version(stream)
    }

    /// The sequence numbers appended for a command id, if it was appended.
    pub fn command_seqs(&self, command_id: &str) -> Result<Option<Vec<u64>>, StoreError> {
        self.backend.command_seqs(command_id)
    }

    /// Stores everything staged as one log value, atomically and durably;
    /// a conflict (nothing written) when the log moved since staging began.
    ///
    /// The first commit of a ledger without an [`Identity`] keeps the one
    /// staged (the staging's first sequence number on); one made meanwhile
    /// by another writer is a conflict, and the command is decided again.
    pub fn commit_staged(&mut self, mut staging: Staging) -> Result<Result<Appended, Conflict>, StoreError> {
        if !staging.stored.is_empty() {
            let wanted = self.staged_identity(&mut staging)?;
            let new = staging.identity.as_ref().is_some_and(|(_, new)| *new);
            if !new {
                // The ledger's own: nothing to keep.
                return self.backend.commit_staged(staging);
            }
            self.backend.hold()?;
            if self.backend.keep_identity(&wanted)? != wanted {
                self.backend.release()?;
                return Ok(Err(Conflict {
                    stream: String::new(),
                    expected: staging.base.seq,
                    actual: staging.base.seq,
                }));
            }
        }
        self.backend.commit_staged(staging)
    }

    /// The ledger's [`Identity`]: `None` until it first records a command
    /// or is imported.
    pub fn identity(&self) -> Result<Option<Identity>, StoreError> {
        self.backend.identity()
    }

    /// The identity the commands in `staging` are recorded under (what a
    /// signature covers): the ledger's, or, for its first command, a new
    /// one kept when they are committed.
    pub fn staged_identity(&self, staging: &mut Staging) -> Result<Identity, StoreError> {
        if let Some((identity, _)) = &staging.identity {
            return Ok(identity.clone());
        }
        let (identity, new) = match self.backend.identity()? {
            Some(identity) => (identity, false),
            None => (Identity::new(staging.base.seq + 1), true),
        };
        staging.identity = Some((identity.clone(), new));
        Ok(identity)
    }

    /// Keeps other writers out while a command is decided
    /// ([`Backend::hold`]); the next commit or [`Store::release`] ends it.
    pub fn hold(&mut self) -> Result<(), StoreError> {
        self.backend.hold()
    }

    /// Lets other writers in again when nothing was committed.
    pub fn release(&mut self) -> Result<(), StoreError> {
        self.backend.release()
    }

    /// The exact stored lines of events `from..=to`, each with its `\n`:
    /// what a command's signature covers.
    pub fn lines(&self, from: u64, to: u64) -> Result<Vec<u8>, StoreError> {
        self.backend.lines(from, to)
    }

    /// Every event of one stream, in order, through the stream index: the
    /// cost is proportional to the stream, not to the log.
    pub fn stream_events(&self, stream: &str) -> Result<Vec<StoredEvent>, StoreError> {
        self.backend.stream_events(stream, u64::MAX)
    }

    /// A stream's events up to event `until`, in order: no later event of
    /// the stream is read.
    pub fn stream_events_until(&self, stream: &str, until: u64) -> Result<Vec<StoredEvent>, StoreError> {
        self.backend.stream_events(stream, until)
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
            base: self.head().clone(),
            head: self.head().clone(),
            value: Vec::new(),
            stored: Vec::new(),
            versions: std::collections::HashMap::new(),
            commands: std::collections::HashSet::new(),
            identity: None,
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

    /// Every event from sequence number `from` on, in order, read lazily.
    pub fn events_from(&self, from: u64) -> impl Iterator<Item = Result<StoredEvent, StoreError>> + '_ {
        events_in(self.backend.log_values(from), from)
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
        for entry in self.backend.log_values_audited(1) {
            let (first, value) = entry?;
            if let Err(broken) = verifier.batch(first, &value) {
                return Ok(Err(broken));
            }
            each(&value);
        }
        let verified = verifier.finish();
        if &verified.head != self.head() {
            return Ok(Err(ChainBreak {
                seq: verified.head.seq, problem: "核验期间日志头发生了变化".into()
            }));
        }
        self.backend.audit_commands()?;
        Ok(Ok(verified))
    }
}

#[cfg(test)]
impl Store {
    /// The sled backend, for its own tests.
    pub(crate) fn sled(&self) -> &sled_store::SledStore {
        self.backend.as_any().downcast_ref().expect("a sled store")
    }
}
