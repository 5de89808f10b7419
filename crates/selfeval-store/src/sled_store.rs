//! The store in a local directory, on sled: the default backend.
//!
//! Layout, head file, lock and reopening are specified in
//! `docs/storage.md`. Nothing here is public: the crate's API is
//! [`crate::Store`] over [`crate::Backend`], and no sled type leaves this
//! module but through [`crate::LogValue`].

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::{
    codec, headfile, index, Appended, Conflict, Head, ImportRejected, Imported, LogValue, LogValues, OpenOptions,
    Repair, Spooled, Staging, StoreError, StoredEvent, GENESIS_HASH, HEAD_FILE,
};

/// A log value being read: its first sequence number, its bytes and its
/// lines' spans.
pub(crate) mod error;
pub(crate) mod import;

use error::engine_error;
pub(crate) use error::OrStore;
pub(crate) use import::discard_unfinished_import;

type HeldValue = (u64, sled::IVec, Vec<(usize, usize)>);

/// Tree names. `log` is the truth; `index` is a cache rebuilt from it.
pub(crate) const LOG: &str = "log";
pub(crate) const INDEX: &str = "index";
/// The key of the ledger's [`crate::Identity`] in sled's default tree.
const IDENTITY_KEY: &[u8] = b"selfeval-identity";
/// The trees of the first layout (a key per event and per command), dropped
/// and rebuilt as `index` when an older store is opened.
pub(crate) const OLD_TREES: [&str; 3] = ["streams", "commands", "meta"];

/// Our own lock file: held for the life of a [`Store`], across the
/// engine's reopenings (sled's own lock is released while it reopens).
pub const LOCK_FILE: &str = "selfeval-lock";

/// After reading (or importing) this many bytes of log values, the engine
/// is closed and opened again: sled 0.34 keeps every page it has read in
/// memory whatever its cache size, so a pass over a 600 MB log would hold
/// 600 MB (issue 14); reopened every 32 MiB it holds about 60 MB.
pub(crate) const REOPEN_AFTER: u64 = 32 << 20;

/// How many bytes of log values a scan fetches at a time.
const SCAN_BYTES: usize = 4 << 20;

/// The open engine: the database and its trees.
pub(crate) struct Engine {
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
///
/// sled takes a `conf` of 8 bytes or fewer for none and writes it again: a
/// store whose first open was killed between creating the file and writing
/// it (an `init` killed at once) is a new store too, not one of sled's
/// default size.
fn segment_size(dir: &Path) -> usize {
    // The file ends in a binary checksum: read as bytes.
    match read_conf(dir) {
        None if dir.join("db").exists() => SLED_DEFAULT_SEGMENT_BYTES,
        None => SEGMENT_BYTES,
        Some(conf) => String::from_utf8_lossy(&conf)
            .lines()
            .find_map(|line| line.strip_prefix("segment_size: ")?.trim().parse().ok())
            .unwrap_or(SLED_DEFAULT_SEGMENT_BYTES),
    }
}

/// sled's `conf` file, unless it is missing or as short as sled takes for
/// missing (8 bytes or fewer).
fn read_conf(dir: &Path) -> Option<Vec<u8>> {
    std::fs::read(dir.join("conf")).ok().filter(|conf| conf.len() > 8)
}

impl Engine {
    /// Opens sled in `dir`, waiting while another process holds it.
    fn open(dir: &Path, options: &OpenOptions, started: Instant) -> Result<Engine, StoreError> {
        let segment = segment_size(dir);
        let new = read_conf(dir).is_none();
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

/// Removes the snapshot files sled left unfinished (`snap.<LSN>.generating`).
///
/// sled 0.34 writes its snapshot (a summary of where each page lies in its
/// log, rebuilt from the log at every open) to `snap.<LSN>.generating`,
/// syncs it, renames it to `snap.<LSN>` and only then removes older
/// snapshots. A process killed before the rename leaves the `.generating`
/// file, often empty; at the next open sled takes the name that sorts last
/// for its snapshot, that leftover, and refuses to open: "empty/corrupt
/// snapshot file" (sled issues #1527 and #1533). Writing the file changes
/// nothing else on disk, and the snapshot sled wrote before it is still
/// there (it is removed only after the rename), so without the leftover the
/// directory is one sled itself leaves when killed a moment before it began
/// the file, and recovers from: the older snapshot and the log after it.
/// The log holds every acknowledged write; the leftover holds none.
///
/// Called under our lock and before sled is opened in this process; not on
/// a reopening within one process, which cannot find one (a leftover needs
/// the process that wrote it to die).
fn remove_unfinished_snapshots(dir: &Path) -> Result<Vec<Repair>, StoreError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(error.into()),
    };
    let mut repairs = Vec::new();
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !(name.starts_with("snap.") && name.ends_with(".generating") && entry.file_type()?.is_file()) {
            continue;
        }
        let bytes = entry.metadata()?.len();
        std::fs::remove_file(entry.path())?;
        repairs.push(Repair {
            file: name,
            bytes,
            why: "存储引擎（sled）写到一半的快照文件，写它的进程在完成前被中止；快照只是日志的摘要，\
                  引擎改用上一个完整的快照和其后的日志打开，已确认的事件都在日志中，无一丢失"
                .to_owned(),
        });
    }
    if !repairs.is_empty() {
        std::fs::File::open(dir)?.sync_all()?;
        repairs.sort_by(|a, b| a.file.cmp(&b.file));
    }
    Ok(repairs)
}

/// Removes every snapshot file of sled's in `dir`, complete or not: sled
/// then rebuilds where its pages lie from the whole log. Only ever run on a
/// copy, by a salvage of a store sled refuses to open (`export
/// --salvage`): a snapshot holds no event, so what the log holds is read
/// as it is, and the salvage's chain check decides what of it is exported.
pub fn remove_engine_snapshots(dir: &Path) -> Result<Vec<Repair>, StoreError> {
    let mut repairs = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("snap.") && entry.file_type()?.is_file() {
            let bytes = entry.metadata()?.len();
            std::fs::remove_file(entry.path())?;
            repairs.push(Repair {
                file: name,
                bytes,
                why: "存储引擎（sled）的快照文件：快照只是日志的摘要，不含事件，引擎改为从整个日志重建".to_owned(),
            });
        }
    }
    repairs.sort_by(|a, b| a.file.cmp(&b.file));
    Ok(repairs)
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

/// A store in a local directory, on sled.
pub(crate) struct SledStore {
    pub(crate) path: PathBuf,
    pub(crate) options: OpenOptions,
    /// Before `_lock`: fields drop in order, so sled is closed before our
    /// lock lets another process in.
    pub(crate) engine: std::cell::RefCell<Option<Engine>>,
    pub(crate) _lock: std::fs::File,
    /// Bytes read or imported since the engine was last opened.
    pub(crate) scanned: std::cell::Cell<u64>,
    pub(crate) head: Head,
    /// What the open removed ([`remove_unfinished_snapshots`]).
    pub(crate) repairs: Vec<Repair>,
}

impl fmt::Debug for SledStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SledStore").field("path", &self.path).field("head", &self.head).finish()
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

impl SledStore {
    /// Opens (or creates) the store in `dir`, waiting while another process
    /// holds it, and catches the indexes up with the log.
    pub(crate) fn open(dir: &Path, options: &OpenOptions) -> Result<SledStore, StoreError> {
        let started = Instant::now();
        let lock = lock(dir, options, started)?;
        let repairs = if options.repair { remove_unfinished_snapshots(dir)? } else { Vec::new() };
        let engine = Engine::open(dir, options, started)?;
        if !options.salvage {
            let names = engine.db.tree_names();
            for old in OLD_TREES {
                if names.iter().any(|name| name.as_ref() == old.as_bytes()) {
                    engine.db.drop_tree(old).or_store()?;
                }
            }
            discard_unfinished_import(dir, &engine.log, &engine.index, &engine.db)?;
        }
        let mut store = SledStore {
            path: dir.to_path_buf(),
            options: options.clone(),
            engine: std::cell::RefCell::new(Some(engine)),
            _lock: lock,
            scanned: std::cell::Cell::new(0),
            head: Head { seq: 0, hash: GENESIS_HASH.to_owned() },
            repairs,
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
    pub(crate) fn check_head_file(&self) -> Result<(), StoreError> {
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
    pub(crate) fn log(&self) -> Result<sled::Tree, StoreError> {
        self.with_engine(|e| e.log.clone())
    }

    pub(crate) fn index(&self) -> Result<index::Index, StoreError> {
        self.with_engine(|e| e.index.clone())
    }

    pub(crate) fn db(&self) -> Result<sled::Db, StoreError> {
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
    pub(crate) fn values_from(&self, key: u64) -> Result<Vec<(u64, sled::IVec)>, StoreError> {
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
    pub(crate) fn log_values(&self, from: u64) -> SledValues<'_> {
        SledValues { store: self, next: Some(from.max(1)), started: false, buffer: Vec::new().into_iter() }
    }

    /// Records the current head in the head file.
    pub(crate) fn write_head_file(&self) -> Result<(), StoreError> {
        headfile::write(&self.path, &self.head)
    }

    pub(crate) fn read_head(&self) -> Result<Head, StoreError> {
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
    pub(crate) fn catch_up_indexes(&mut self) -> Result<(), StoreError> {
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
        for event in crate::events_in(self.values(position + 1), position + 1) {
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
    pub(crate) fn stream_version(&self, stream: &str) -> Result<u64, StoreError> {
        self.index()?.stream_version(stream)
    }

    /// The sequence numbers appended for a command id, if it was appended.
    pub(crate) fn command_seqs(&self, command_id: &str) -> Result<Option<Vec<u64>>, StoreError> {
        Ok(self.index()?.command(command_id)?.map(|(first, count)| (first..first + count).collect()))
    }

    /// Stores everything staged as one log value, atomically and durably;
    /// a conflict (nothing written) when the log moved since staging began.
    pub(crate) fn commit_staged(&mut self, staging: Staging) -> Result<Result<Appended, Conflict>, StoreError> {
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
    pub(crate) fn value_holding(&self, seq: u64) -> Result<(sled::IVec, sled::IVec), StoreError> {
        self.log()?
            .range(..=seq.to_be_bytes())
            .next_back()
            .ok_or_else(|| StoreError::Corrupt { seq, message: "事件不在日志中".into() })?
            .or_store()
    }

    /// The exact stored lines of events `from..=to`, each with its `\n`:
    /// what a command's signature covers.
    pub(crate) fn lines(&self, from: u64, to: u64) -> Result<Vec<u8>, StoreError> {
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

    /// Every event of one stream, in order, through the stream index: the
    /// cost is proportional to the stream, not to the log.
    pub(crate) fn stream_events(&self, stream: &str, until: u64) -> Result<Vec<StoredEvent>, StoreError> {
        let mut events = Vec::new();
        // A log value may hold many events (an import's pack, an
        // all-or-nothing batch): its lines are found once per value, not
        // once per event.
        let mut current: Option<HeldValue> = None;
        // The index is let go before the engine may be reopened below.
        let seqs = self.index()?.stream_seqs(stream)?;
        for seq in seqs.into_iter().take_while(|&seq| seq <= until) {
            let held =
                current.as_ref().is_some_and(|(first, _, lines)| seq >= *first && seq < first + lines.len() as u64);
            if !held {
                let (key, value) = self.value_holding(seq)?;
                // A stream's events lie in values all over the log, which
                // sled keeps in memory until it is closed: counted, so that
                // a reader of many streams reopens it as a long scan does.
                self.scanned(value.len())?;
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
}

/// Log values in order, fetched a few MiB at a time ([`SledStore::log_values`]).
pub(crate) struct SledValues<'a> {
    store: &'a SledStore,
    /// The key to fetch from next (`None`: the end was reached).
    next: Option<u64>,
    /// Whether the first fetch (which starts at the value holding the
    /// first event asked for) was made.
    started: bool,
    buffer: std::vec::IntoIter<(u64, sled::IVec)>,
}

impl Iterator for SledValues<'_> {
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

impl SledStore {
    /// The log values from the one holding `from`, as any backend's.
    pub(crate) fn values(&self, from: u64) -> LogValues<'_> {
        Box::new(self.log_values(from).map(|value| value.map(|(first, bytes)| (first, LogValue::engine(bytes)))))
    }

    pub(crate) fn cache_path(&self, name: &str) -> Result<PathBuf, StoreError> {
        crate::cache::check_name(name)?;
        Ok(self.path.join("selfeval-cache").join(name))
    }

    /// The hash of event `seq`, if the log holds it.
    pub(crate) fn hash_at(&self, seq: u64) -> Result<Option<String>, StoreError> {
        if seq == 0 || seq > self.head.seq {
            return Ok(None);
        }
        let Some(entry) = self.log()?.range(..=seq.to_be_bytes()).next_back() else { return Ok(None) };
        let (key, value) = entry.or_store()?;
        Ok(Some(codec::line_at(&key, &value, seq)?.hash))
    }
}

impl crate::Backend for SledStore {
    fn path(&self) -> &Path {
        &self.path
    }

    fn head(&self) -> &Head {
        &self.head
    }

    fn stream_version(&self, stream: &str) -> Result<u64, StoreError> {
        SledStore::stream_version(self, stream)
    }

    fn command_seqs(&self, command_id: &str) -> Result<Option<Vec<u64>>, StoreError> {
        SledStore::command_seqs(self, command_id)
    }

    fn commit_staged(&mut self, staging: Staging) -> Result<Result<Appended, Conflict>, StoreError> {
        SledStore::commit_staged(self, staging)
    }

    fn log_values(&self, from: u64) -> LogValues<'_> {
        self.values(from)
    }

    fn stream_events(&self, stream: &str, until: u64) -> Result<Vec<StoredEvent>, StoreError> {
        SledStore::stream_events(self, stream, until)
    }

    fn lines(&self, from: u64, to: u64) -> Result<Vec<u8>, StoreError> {
        SledStore::lines(self, from, to)
    }

    fn hash_at(&self, seq: u64) -> Result<Option<String>, StoreError> {
        SledStore::hash_at(self, seq)
    }

    fn acknowledged_head(&self) -> Result<Option<Head>, StoreError> {
        headfile::read(&self.path)
    }

    fn identity(&self) -> Result<Option<crate::Identity>, StoreError> {
        match self.db()?.get(IDENTITY_KEY).or_store()? {
            None => Ok(None),
            Some(bytes) => crate::Identity::parse(&String::from_utf8_lossy(&bytes)).map(Some),
        }
    }

    fn keep_identity(&mut self, identity: &crate::Identity) -> Result<crate::Identity, StoreError> {
        let db = self.db()?;
        let stored = identity.stored();
        if let Err(taken) = db.compare_and_swap(IDENTITY_KEY, None::<&[u8]>, Some(stored.as_bytes())).or_store()? {
            let current = taken.current.map(|bytes| String::from_utf8_lossy(&bytes).into_owned()).unwrap_or_default();
            return crate::Identity::parse(&current);
        }
        db.flush().or_store()?;
        Ok(identity.clone())
    }

    fn repairs(&self) -> &[Repair] {
        &self.repairs
    }

    fn open_cache(&self, name: &str) -> Result<Option<Box<dyn Read + '_>>, StoreError> {
        match std::fs::File::open(self.cache_path(name)?) {
            Ok(file) => Ok(Some(Box::new(file))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn save_cache(
        &self,
        name: &str,
        write: &mut dyn FnMut(&mut dyn crate::CacheSink) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let path = self.cache_path(name)?;
        let dir = path.parent().expect("a cache path has a folder");
        std::fs::create_dir_all(dir)?;
        let temporary = dir.join(format!("{name}.tmp"));
        let mut file = std::fs::File::create(&temporary)?;
        write(&mut file)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temporary, &path)?;
        Ok(())
    }

    fn remove_cache(&self, name: &str) -> Result<(), StoreError> {
        match std::fs::remove_file(self.cache_path(name)?) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
            _ => Ok(()),
        }
    }

    fn import_with(
        &mut self,
        input: &mut dyn std::io::BufRead,
        each: &mut dyn FnMut(Spooled),
    ) -> Result<Result<Imported, ImportRejected>, StoreError> {
        SledStore::import_with(self, input, each)
    }

    #[cfg(test)]
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[cfg(test)]
#[path = "tamper_tests.rs"]
mod tamper_tests;

#[cfg(test)]
mod engine_error_tests {
    use super::*;
    use crate::StoreError;

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
