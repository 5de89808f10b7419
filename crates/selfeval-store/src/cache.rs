//! Caches of derived data (projection snapshots) beside the log.
//!
//! A cache is bytes that reflect the log up to one event. It is stored with
//! that event's sequence number and hash and a SHA-256 digest of all of
//! these, in a file of its own under `selfeval-cache/` in the store
//! directory, written atomically. Reading it checks the digest and that the
//! log still holds that event with that hash; otherwise the cache is ignored.
//! Deleting the folder loses nothing.
//!
//! The digest catches a cache damaged or edited without recomputing it; a
//! forger who recomputes it is caught by `verify`, which replays the log and
//! compares (see `docs/reliability.md`).

use std::io::Write;
use std::path::PathBuf;

use crate::{OrStore, Store, StoreError};

const MAGIC: &[u8] = b"selfeval-cache 2\n";
/// seq (8 bytes) + event hash (64) + digest (64).
const HEADER: usize = 8 + 64 + 64;

/// What a cache file holds, as found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheStatus {
    /// There is no such cache.
    Missing,
    /// It reflects an event the log no longer holds with that hash.
    Stale,
    /// Its bytes do not match its digest, or it is not a cache file.
    Corrupt(String),
    /// It matches its digest and the log.
    Valid(Cached),
}

/// The digest of a cache: SHA-256 over seq, event hash and bytes.
fn digest(seq: u64, hash: &str, bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(seq.to_be_bytes());
    hasher.update(hash.as_bytes());
    hasher.update(bytes);
    format!("{:x}", hasher.finalize())
}

/// A cache as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cached {
    /// The last event it reflects.
    pub seq: u64,
    /// That event's hash.
    pub hash: String,
    /// The cached bytes.
    pub bytes: Vec<u8>,
}

fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

impl Store {
    fn cache_path(&self, name: &str) -> Result<PathBuf, StoreError> {
        if !valid_name(name) {
            return Err(StoreError::InvalidBatch(format!("invalid cache name {name:?}")));
        }
        Ok(self.path.join("selfeval-cache").join(name))
    }

    /// The hash of event `seq`, if the log holds it.
    pub(crate) fn hash_at(&self, seq: u64) -> Result<Option<String>, StoreError> {
        if seq == 0 || seq > self.head.seq {
            return Ok(None);
        }
        let Some(entry) = self.log()?.range(..=seq.to_be_bytes()).next_back() else { return Ok(None) };
        let (key, value) = entry.or_store()?;
        Ok(Some(crate::codec::line_at(&key, &value, seq)?.hash))
    }

    /// Reads a cache, if there is one that matches its digest and the log.
    pub fn read_cache(&self, name: &str) -> Result<Option<Cached>, StoreError> {
        Ok(match self.inspect_cache(name)? {
            CacheStatus::Valid(cached) => Some(cached),
            _ => None,
        })
    }

    /// What the cache file `name` holds: missing, stale, corrupt or valid.
    pub fn inspect_cache(&self, name: &str) -> Result<CacheStatus, StoreError> {
        let mut data = match std::fs::read(self.cache_path(name)?) {
            Ok(data) => data,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(CacheStatus::Missing),
            Err(e) => return Err(e.into()),
        };
        let Some(rest) = data.strip_prefix(MAGIC) else {
            return Ok(CacheStatus::Corrupt("不是本版本的缓存文件".into()));
        };
        if rest.len() < HEADER {
            return Ok(CacheStatus::Corrupt("文件过短".into()));
        }
        let seq = u64::from_be_bytes(rest[..8].try_into().expect("eight bytes"));
        let (Ok(hash), Ok(stated)) = (std::str::from_utf8(&rest[8..72]), std::str::from_utf8(&rest[72..HEADER])) else {
            return Ok(CacheStatus::Corrupt("头部不是文本".into()));
        };
        let bytes = &rest[HEADER..];
        if digest(seq, hash, bytes) != stated {
            return Ok(CacheStatus::Corrupt("内容与其摘要不符（被改动或损坏）".into()));
        }
        if self.hash_at(seq)?.as_deref() != Some(hash) {
            return Ok(CacheStatus::Stale);
        }
        let hash = hash.to_owned();
        // The bytes stay where they were read (a snapshot is tens of MB).
        data.drain(..MAGIC.len() + HEADER);
        Ok(CacheStatus::Valid(Cached { seq, hash, bytes: data }))
    }

    /// Removes a cache (it is rebuilt when next needed).
    pub fn remove_cache(&self, name: &str) -> Result<(), StoreError> {
        match std::fs::remove_file(self.cache_path(name)?) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
            _ => Ok(()),
        }
    }

    /// Writes a cache reflecting the log up to event `seq`, atomically.
    pub fn write_cache(&self, name: &str, seq: u64, bytes: &[u8]) -> Result<(), StoreError> {
        let path = self.cache_path(name)?;
        let Some(hash) = self.hash_at(seq)? else {
            return Err(StoreError::InvalidBatch(format!("no event {seq} to cache")));
        };
        let dir = path.parent().expect("a cache path has a folder");
        std::fs::create_dir_all(dir)?;
        let temporary = dir.join(format!("{name}.tmp"));
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(MAGIC)?;
        file.write_all(&seq.to_be_bytes())?;
        file.write_all(hash.as_bytes())?;
        file.write_all(digest(seq, &hash, bytes).as_bytes())?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temporary, &path)?;
        Ok(())
    }
}
