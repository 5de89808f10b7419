//! The selfeval ledger: a department's year of self-evaluation, kept as a
//! hash-chained event log and read back as state.
//!
//! This is the only crate that knows both the domain (`selfeval-core`) and
//! the event store (`selfeval-store`). It owns:
//! - opening a ledger ([`Ledger::open`], for a [`Purpose`]) with the
//!   [`LedgerSettings`] the caller passes in (it reads no environment);
//! - recording ([`Ledger::record`]): idempotent command ids, a replay of
//!   only the streams a command needs, the expected stream version, and a
//!   retry when another writer got there first;
//! - replay as of a point ([`Ledger::replay`], [`AsOf`]) and the state
//!   snapshot policy;
//! - decoding stored events into the core's [`RecordedEvent`] ([`decode`]),
//!   the one copy used by the CLI, `xtask gen` and the SQLite peer;
//! - seeding the example department ([`Ledger::seed_demo`], [`demo`]);
//! - the audit trail ([`Ledger::history`]) and trace explanations
//!   ([`trace`]).
//!
//! ```no_run
//! use selfeval_ledger::{Ledger, LedgerSettings, Location, Purpose};
//! let location = Location::Dir("selfeval-data".into());
//! let ledger = Ledger::open(&location, &LedgerSettings::default(), Purpose::Read)?;
//! let evaluation = ledger.evaluate(selfeval_ledger::View::default())?;
//! println!("{} 万元 executed", evaluation.model.totals.executed.amount_text());
//! # Ok::<(), selfeval_ledger::LedgerError>(())
//! ```

mod audit_trail;
mod checkpoint;
pub mod demo;
pub mod demo_audit;
mod diff;
mod evidence;
mod import;
mod judge;
mod live;
mod record;
mod replay;
mod server_note;
mod signature;
mod table;
pub mod trace;
pub mod typed;
mod verify;

use std::path::{Path, PathBuf};
use std::time::Duration;

use selfeval_core::{Evaluation, Rejection};
use selfeval_store::{OpenOptions, Store, StoreError};

pub use selfeval_store::{redact, Identity, Location, PgLocation, PgLogin, Repair};

pub use audit_trail::{time_bound, HistoryEntry, HistoryFilter, HistoryPage, PageAt};
pub use checkpoint::{read_statement, CheckpointHeld, Statement, CHECKPOINT_HEADER};
pub use diff::{Change, Diff};
pub use evidence::{file_digest, verify_evidence, EvidenceProblem};
pub use judge::ImportRefused;
pub use live::{acknowledged_head, Followed, Live};
pub use record::{batch_line_ids, batch_of, precheck, Item, Recorded};
pub use replay::{decode, decode_envelope, simulate_on, AsOf, Replayed, Simulated, SnapshotCheck, View};
pub use selfeval_store::{Batch, ExpectedVersion};
pub use selfeval_store::{
    ChainBreak, ExportSummary, Head, ImportRejected, Imported, Salvaged, StoredEvent, Verified, GENESIS_HASH,
};
pub use server_note::{announce_server, serving, Server, ServerNote, SERVER_NOTE};
pub use signature::{RulesChecked, Signer, Violation, NAMESPACE};
pub use table::{check_form, CommandRefused, TableOptions, TablePlan, TableRefused};
pub use verify::{Checked, Verification};

/// The store's wire format, for tools that write an export or keep a peer
/// copy of the log (the benchmark's generator and its SQLite peer): the
/// ledger is their only way to the store, as it is the CLI's.
pub mod format {
    pub use selfeval_store::{
        chain_hash, split_line, Batch, Envelope, ExpectedVersion, ExportWriter, NewEvent, GENESIS_HASH,
    };
}

/// How a ledger behaves: passed in by the caller, never read from the
/// environment here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerSettings {
    /// How long to wait for a store another process holds.
    pub busy_wait: Duration,
    /// A replay that left at least this many events after the state
    /// snapshot writes a new one.
    pub snapshot_after: u64,
    /// Where signatures come from (none unless the caller says).
    pub signer: Signer,
    /// How to log in to PostgreSQL when a URL has no password (the caller
    /// reads `PGPASSWORD` and `PGPASSFILE`).
    pub pg_login: PgLogin,
}

impl Default for LedgerSettings {
    fn default() -> Self {
        LedgerSettings {
            busy_wait: Duration::from_secs(10),
            snapshot_after: 10_000,
            signer: Signer::default(),
            pg_login: PgLogin::default(),
        }
    }
}

/// Why a ledger operation did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// The core rejected the command; nothing was written.
    #[error("{0}")]
    Rejected(Rejection),
    /// A value the ledger itself reads (not a command's) is invalid.
    #[error("{field}：{message}")]
    Invalid {
        /// The argument or flag.
        field: String,
        /// What was wrong and what is accepted.
        message: String,
    },
    /// There is no ledger at this path.
    #[error("no ledger at {}", .0.display())]
    Missing(PathBuf),
    /// The demo was asked for in a ledger that holds other data.
    #[error("{} holds data that is not the demo", .0.display())]
    NotDemo(PathBuf),
    /// Another process held the store for longer than the wait.
    #[error("the store {} is in use (waited {waited:?})", path.display())]
    Busy {
        /// The store.
        path: PathBuf,
        /// How long we waited.
        waited: Duration,
        /// The `selfeval serve` that holds it, when one does.
        server: Option<Server>,
    },
    /// Other writers kept changing the streams the command depends on.
    #[error("concurrent change: {0}")]
    Conflict(String),
    /// The log cannot be read or decoded as recorded.
    #[error("{0}")]
    Integrity(String),
    /// The machine refused (disk full, permission, not a directory).
    #[error("{0}")]
    Environment(std::io::Error),
    /// Writing an output failed (a closed pipe included).
    #[error("{0}")]
    Output(std::io::Error),
    /// A bug: something that the rules guarantee did not hold.
    #[error("{0}")]
    Internal(String),
}

impl From<Rejection> for LedgerError {
    fn from(rejection: Rejection) -> Self {
        LedgerError::Rejected(rejection)
    }
}

/// An IO error in Chinese: what the machine said, and its own words.
pub fn describe_io(error: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    let what = match error.kind() {
        K::StorageFull => "磁盘已满",
        K::QuotaExceeded => "磁盘配额已用完",
        K::PermissionDenied => "没有权限",
        K::ReadOnlyFilesystem => "文件系统只读",
        K::NotADirectory => "路径中有一项不是目录",
        K::IsADirectory => "这是一个目录",
        K::AlreadyExists => "已存在同名的文件",
        K::NotFound => "文件或目录不存在",
        K::OutOfMemory => "内存不足",
        _ => "输入输出错误",
    };
    format!("{what}（{error}）")
}

/// What kind of failure a [`LedgerError`] is: what a front end answers
/// with (the CLI an exit code, a web server a status).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// The input was refused; nothing was written.
    Refused,
    /// The store is in use, or others kept changing it; try again.
    Busy,
    /// The log or the store is broken or unreadable.
    Integrity,
    /// The machine refused: disk full, permission, not a directory.
    Environment,
    /// Writing an output failed.
    Output,
    /// A bug.
    Internal,
}

impl LedgerError {
    /// Its class.
    pub fn class(&self) -> ErrorClass {
        match self {
            LedgerError::Rejected(_)
            | LedgerError::Invalid { .. }
            | LedgerError::Missing(_)
            | LedgerError::NotDemo(_) => ErrorClass::Refused,
            LedgerError::Busy { .. } | LedgerError::Conflict(_) => ErrorClass::Busy,
            LedgerError::Integrity(_) => ErrorClass::Integrity,
            LedgerError::Environment(_) => ErrorClass::Environment,
            LedgerError::Output(_) => ErrorClass::Output,
            LedgerError::Internal(_) => ErrorClass::Internal,
        }
    }

    /// The field a refused input names (`--store` for a store that is
    /// missing or not the demo), if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            LedgerError::Rejected(r) => Some(&r.field),
            LedgerError::Invalid { field, .. } => Some(field),
            LedgerError::Missing(_) | LedgerError::NotDemo(_) => Some("--store"),
            _ => None,
        }
    }

    /// What a person reads, in Chinese.
    pub fn message(&self) -> String {
        match self {
            LedgerError::Rejected(r) => format!("{}；可接受：{}", r.problem, r.accepted),
            LedgerError::Invalid { message, .. } | LedgerError::Integrity(message) | LedgerError::Internal(message) => {
                message.clone()
            }
            LedgerError::Missing(path) => {
                format!("库不存在：{}；请先运行 selfeval init（或 selfeval demo 生成示范库）", path.display())
            }
            LedgerError::NotDemo(path) => {
                format!("库 {} 已有数据且不是示范库；可接受：空目录或已有的示范库（用 --store 指定）", path.display())
            }
            LedgerError::Busy { path, waited, server: None } => format!(
                "库 {} 正被另一个进程使用（已等待{:.1}秒）；请稍后重试，或用 SELFEVAL_BUSY_TIMEOUT 加长等待",
                path.display(),
                waited.as_secs_f64()
            ),
            LedgerError::Busy { path, waited, server: Some(server) } => format!(
                "库 {} 可能正由 selfeval serve（{}，进程 {}）读取，已等待{:.1}秒：服务在读库的页面之间持库至多约1秒，\
                 较长的页面（如校验整个库）可能占用数秒；请稍后重试，或用 SELFEVAL_BUSY_TIMEOUT 加长等待",
                path.display(),
                server.address,
                server.pid,
                waited.as_secs_f64()
            ),
            LedgerError::Conflict(conflict) => format!("并发冲突，未写入：{conflict}；请重试"),
            LedgerError::Environment(error) => format!("库无法读写：{}", describe_io(error)),
            LedgerError::Output(error) => describe_io(error),
        }
    }
}

impl From<StoreError> for LedgerError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Busy { path, waited } => {
                LedgerError::Busy { server: path.is_dir().then(|| serving(&path)).flatten(), path, waited }
            }
            StoreError::Corrupt { seq, message } => {
                LedgerError::Integrity(format!("库无法读取（事件{seq}）：{message}"))
            }
            StoreError::Io(message) => LedgerError::Integrity(format!("库无法读取：{message}")),
            StoreError::InvalidBatch(message) => LedgerError::Internal(format!("内部错误：{message}")),
            StoreError::Environment(error) => LedgerError::Environment(error),
            StoreError::Write(error) => LedgerError::Output(error),
        }
    }
}

/// An open ledger: the event store and the settings it was opened with.
#[derive(Debug)]
pub struct Ledger {
    store: Store,
    settings: LedgerSettings,
    /// The temporary copy this ledger reads, when the original is read-only
    /// or refused by the storage engine (removed when the ledger is dropped).
    copy: Option<tempfile::TempDir>,
    /// What a salvage removed in that copy before the engine would open it.
    copy_repairs: Vec<Repair>,
}

/// Whether `path` holds a ledger: a directory with the engine's files.
pub fn is_ledger(path: &Path) -> bool {
    path.is_dir() && path.join("conf").is_file() && path.join("db").is_file()
}

/// The files of `repairs`, for a message.
fn names(repairs: &[Repair]) -> String {
    repairs.iter().map(|r| r.file.as_str()).collect::<Vec<_>>().join("、")
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

/// Whether there is a ledger at `location`: a directory with the engine's
/// files, or a ledger registered in the PostgreSQL database.
pub fn exists_at(location: &Location, settings: &LedgerSettings) -> Result<bool, LedgerError> {
    match location {
        Location::Dir(dir) => Ok(is_ledger(dir)),
        Location::Postgres(pg) => Ok(selfeval_store::ledger_exists(pg, &settings.pg_login)?),
    }
}

/// The ledgers in the PostgreSQL database of `location` with their event
/// counts, by name; a directory holds one ledger (named by its path).
pub fn ledgers(location: &Location, settings: &LedgerSettings) -> Result<Vec<(String, u64)>, LedgerError> {
    match location {
        Location::Dir(dir) if !is_ledger(dir) => Ok(Vec::new()),
        Location::Dir(dir) => {
            let ledger = Ledger::reading(dir, settings)?;
            Ok(vec![(dir.display().to_string(), ledger.head().seq)])
        }
        Location::Postgres(pg) => Ok(selfeval_store::ledgers(pg, &settings.pg_login)?),
    }
}

pub(crate) fn store_options(settings: &LedgerSettings) -> OpenOptions {
    OpenOptions { wait: settings.busy_wait, login: settings.pg_login.clone(), ..OpenOptions::default() }
}

/// What a ledger is opened for ([`Ledger::open`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// To record, creating an empty ledger where there is none (`init`,
    /// `demo`, an import's working directory).
    Create,
    /// To record in an existing ledger: nothing is created.
    Record,
    /// To read an existing ledger: a directory the process may read but
    /// not write is read from a private temporary copy
    /// ([`Ledger::is_read_only_copy`]).
    Read,
    /// To salvage a damaged directory ledger ([`Ledger::export_salvage`]):
    /// the acknowledged head is not checked, a store the engine refuses is
    /// opened from a copy without the engine's snapshots
    /// ([`Ledger::copy_repairs`]); on PostgreSQL, as `Read`.
    Salvage,
}

impl Ledger {
    /// Opens the ledger at `location` (a directory or a PostgreSQL ledger)
    /// for `purpose`: the one way in.
    pub fn open(location: &Location, settings: &LedgerSettings, purpose: Purpose) -> Result<Ledger, LedgerError> {
        match (purpose, location) {
            (Purpose::Create, _) => Ledger::create_at(location, settings),
            (Purpose::Record, _) => Ledger::existing_at(location, settings),
            (Purpose::Read | Purpose::Salvage, Location::Postgres(_)) => Ledger::existing_at(location, settings),
            (Purpose::Read, Location::Dir(dir)) => Ledger::reading(dir, settings),
            (Purpose::Salvage, Location::Dir(dir)) => Ledger::salvaging(dir, settings),
        }
    }

    /// Opens the ledger at `path`, creating an empty one if there is none.
    fn create(path: &Path, settings: &LedgerSettings) -> Result<Ledger, LedgerError> {
        let store = Store::open(path, &store_options(settings))?;
        Ok(Ledger { store, settings: settings.clone(), copy: None, copy_repairs: Vec::new() })
    }

    /// Opens the ledger at `location` (a directory or a PostgreSQL
    /// ledger), creating an empty one if there is none.
    fn create_at(location: &Location, settings: &LedgerSettings) -> Result<Ledger, LedgerError> {
        let store = Store::open_at(location, &store_options(settings))?;
        Ok(Ledger { store, settings: settings.clone(), copy: None, copy_repairs: Vec::new() })
    }

    /// Opens an existing ledger at `location`; nothing is created.
    fn existing_at(location: &Location, settings: &LedgerSettings) -> Result<Ledger, LedgerError> {
        match location {
            Location::Dir(dir) => Ledger::existing(dir, settings),
            Location::Postgres(_) if !exists_at(location, settings)? => {
                Err(LedgerError::Missing(PathBuf::from(location.shown())))
            }
            Location::Postgres(_) => {
                let store = Store::open_existing_at(location, &store_options(settings))?;
                Ok(Ledger { store, settings: settings.clone(), copy: None, copy_repairs: Vec::new() })
            }
        }
    }

    /// Opens an existing ledger: a path that holds none (missing, a file, a
    /// directory of something else) is an error, and nothing is created.
    fn existing(path: &Path, settings: &LedgerSettings) -> Result<Ledger, LedgerError> {
        if !is_ledger(path) {
            return Err(LedgerError::Missing(path.to_owned()));
        }
        Ledger::create(path, settings)
    }

    /// Opens an existing ledger to read it. A ledger the process may read
    /// but not write (an auditor's read-only copy) is copied to a temporary
    /// directory and read there; the copy is removed when the ledger is
    /// dropped. [`Ledger::is_read_only_copy`] says when that happened.
    fn reading(path: &Path, settings: &LedgerSettings) -> Result<Ledger, LedgerError> {
        match Ledger::existing(path, settings) {
            Err(LedgerError::Environment(error)) if error.kind() == std::io::ErrorKind::PermissionDenied => {
                // A fresh private directory (mode 0700, unpredictable name):
                // nobody else can plant files or links in it.
                let copy =
                    tempfile::Builder::new().prefix("selfeval-read-").tempdir().map_err(LedgerError::Environment)?;
                copy_dir(path, copy.path()).map_err(LedgerError::Environment)?;
                let mut ledger = Ledger::create(copy.path(), settings)?;
                ledger.copy = Some(copy);
                Ok(ledger)
            }
            other => other,
        }
    }

    /// Opens a damaged ledger to salvage what still verifies
    /// ([`Ledger::export_salvage`]); the acknowledged head is not checked.
    ///
    /// A store the storage engine refuses to open is copied to a temporary
    /// directory and the engine's snapshots are removed there (it then
    /// rebuilds them from the log); [`Ledger::copy_repairs`] says what was
    /// removed. The original's files are never changed by that. Where the
    /// engine refuses the copy too, the error says so and names both
    /// refusals.
    fn salvaging(path: &Path, settings: &LedgerSettings) -> Result<Ledger, LedgerError> {
        if !is_ledger(path) {
            return Err(LedgerError::Missing(path.to_owned()));
        }
        // Nothing in the store is changed, not even a leftover the next
        // ordinary command would remove.
        let options = OpenOptions { salvage: true, repair: false, ..store_options(settings) };
        let refused = match Store::open(path, &options) {
            Ok(store) => return Ok(Ledger { store, settings: settings.clone(), copy: None, copy_repairs: Vec::new() }),
            Err(error @ (StoreError::Corrupt { .. } | StoreError::Io(_))) => LedgerError::from(error),
            Err(other) => return Err(other.into()),
        };
        let copy = tempfile::Builder::new().prefix("selfeval-salvage-").tempdir().map_err(LedgerError::Environment)?;
        copy_dir(path, copy.path()).map_err(LedgerError::Environment)?;
        let copy_repairs = selfeval_store::remove_engine_snapshots(copy.path())?;
        match Store::open(copy.path(), &options) {
            Ok(store) => Ok(Ledger { store, settings: settings.clone(), copy: Some(copy), copy_repairs }),
            Err(again) => Err(LedgerError::Integrity(format!(
                "存储引擎拒绝打开该库（{refused}）；在临时副本中移除引擎的快照文件（{}）后仍拒绝打开（{}）。\
                 无法抢救：库目录中的文件未作任何改动，请保留整个目录并从最近的导出文件或检查点恢复",
                if copy_repairs.is_empty() { "没有快照文件".to_owned() } else { names(&copy_repairs) },
                LedgerError::from(again)
            ))),
        }
    }

    /// What [`Purpose::Salvage`] removed in its temporary copy of a
    /// store the engine refused (empty when the store opened as it is).
    pub fn copy_repairs(&self) -> &[Repair] {
        &self.copy_repairs
    }

    /// The files the store removed when it opened: what a killed process
    /// left that the engine would have refused ([`Repair`]).
    pub fn repairs(&self) -> &[Repair] {
        self.store.repairs()
    }

    /// Which ledger this is, as opposed to a copy of its history: what its
    /// signatures name ([`Identity`]); `None` until its first command or
    /// import.
    pub fn identity(&self) -> Result<Option<Identity>, LedgerError> {
        Ok(self.store.identity()?)
    }

    /// Whether this ledger is a temporary copy of a read-only one.
    pub fn is_read_only_copy(&self) -> bool {
        self.copy.is_some()
    }

    /// Where the ledger lives.
    pub fn path(&self) -> &Path {
        self.store.path()
    }

    /// The last event of the log.
    pub fn head(&self) -> &Head {
        self.store.head()
    }

    /// Whether the log is empty.
    pub fn is_empty(&self) -> bool {
        self.store.is_empty()
    }

    /// Replays to `as_of` (the head if `None`), closes the store, then
    /// evaluates: the store's memory is free before the model needs its own.
    pub fn evaluate(self, view: View) -> Result<Evaluation, LedgerError> {
        let replayed = self.replay_view(view)?;
        drop(self);
        Ok(replayed.evaluate())
    }

    /// Replays to `as_of`, closes the store, and builds the report model
    /// without running the checks (for the 自评表).
    pub fn report_model(self, view: View) -> Result<selfeval_core::ReportModel, LedgerError> {
        let replayed = self.replay_view(view)?;
        drop(self);
        Ok(replayed.report_model())
    }

    /// Recomputes the hash chain of the whole log.
    pub fn verify(&self) -> Result<Result<Verified, ChainBreak>, LedgerError> {
        Ok(self.store.verify()?)
    }

    /// Writes the archival export (JSON Lines with hashes).
    pub fn export(&self, out: &mut dyn std::io::Write) -> Result<ExportSummary, LedgerError> {
        Ok(self.store.export(out)?)
    }

    /// Writes every event that still verifies, up to the first that does
    /// not, as an export that imports; says where and why it stopped.
    pub fn export_salvage(&self, out: &mut dyn std::io::Write) -> Result<Salvaged, LedgerError> {
        Ok(self.store.export_salvage(out)?)
    }

    /// Imports an export into this (empty) ledger, verifying the chain first.
    pub fn import(
        &mut self,
        input: &mut dyn std::io::BufRead,
    ) -> Result<Result<Imported, ImportRejected>, LedgerError> {
        Ok(self.store.import(input)?)
    }
}
