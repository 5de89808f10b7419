//! Caches of derived data (projection snapshots) beside the log.
//!
//! A cache is bytes that reflect the log up to one event. It is stored with
//! that event's sequence number and hash, in a file of its own under
//! `selfeval-cache/` in the store directory, written atomically. Reading
//! it checks that the log still holds that event with that hash; otherwise
//! the cache is ignored. Deleting the folder loses nothing.

use std::io::Write;
use std::path::PathBuf;

use crate::{OrStore, Store, StoreError};

const MAGIC: &[u8] = b"selfeval-cache 1\n";

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
    fn hash_at(&self, seq: u64) -> Result<Option<String>, StoreError> {
        if seq == 0 || seq > self.head.seq {
            return Ok(None);
        }
        let Some(entry) = self.log.range(..=seq.to_be_bytes()).next_back() else { return Ok(None) };
        let (key, value) = entry.or_store()?;
        Ok(Some(crate::codec::line_at(&key, &value, seq)?.hash))
    }

    /// Reads a cache, if there is one that still matches the log.
    pub fn read_cache(&self, name: &str) -> Result<Option<Cached>, StoreError> {
        let Ok(data) = std::fs::read(self.cache_path(name)?) else { return Ok(None) };
        let Some(rest) = data.strip_prefix(MAGIC) else { return Ok(None) };
        if rest.len() < 72 {
            return Ok(None);
        }
        let seq = u64::from_be_bytes(rest[..8].try_into().expect("eight bytes"));
        let Ok(hash) = std::str::from_utf8(&rest[8..72]) else { return Ok(None) };
        if self.hash_at(seq)?.as_deref() != Some(hash) {
            return Ok(None);
        }
        Ok(Some(Cached { seq, hash: hash.to_owned(), bytes: rest[72..].to_vec() }))
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
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temporary, &path)?;
        Ok(())
    }
}
