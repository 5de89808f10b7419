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

use std::io::{Read, SeekFrom, Write};

use sha2::{Digest, Sha256};

use crate::{Store, StoreError};

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

/// The digest of a cache is SHA-256 over seq, event hash and bytes; this
/// is it before the bytes.
fn hasher(seq: u64, hash: &str) -> Sha256 {
    let mut hasher = Sha256::new();
    hasher.update(seq.to_be_bytes());
    hasher.update(hash.as_bytes());
    hasher
}

/// A cache as found by [`Store::read_cache_with`]: what its reader made
/// of its bytes only when they are the ones its digest names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheFound<T> {
    /// There is no such cache.
    Missing,
    /// It reflects an event the log no longer holds with that hash.
    Stale,
    /// It reflects an event beyond the log's head: the log went back since
    /// it was written (cut short, or replaced by an older copy).
    Beyond {
        /// The event it reflects.
        seq: u64,
    },
    /// Its bytes do not match its digest, it is not a cache file, or its
    /// reader could not make sense of it.
    Corrupt(String),
    /// It matches its digest and the log.
    Valid {
        /// The last event it reflects.
        seq: u64,
        /// That event's hash.
        hash: String,
        /// What the reader made of the bytes.
        value: T,
    },
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

/// Refuses a cache name that is not a plain file name.
pub(crate) fn check_name(name: &str) -> Result<(), StoreError> {
    if valid_name(name) {
        Ok(())
    } else {
        Err(StoreError::InvalidBatch(format!("invalid cache name {name:?}")))
    }
}

impl Store {
    /// Reads a cache, if there is one that matches its digest and the log.
    pub fn read_cache(&self, name: &str) -> Result<Option<Cached>, StoreError> {
        Ok(match self.inspect_cache(name)? {
            CacheStatus::Valid(cached) => Some(cached),
            _ => None,
        })
    }

    /// What the cache file `name` holds: missing, stale, corrupt or valid.
    pub fn inspect_cache(&self, name: &str) -> Result<CacheStatus, StoreError> {
        Ok(
            match self.read_cache_with(name, |bytes| {
                let mut all = Vec::new();
                bytes.read_to_end(&mut all).map(|_| all)
            })? {
                CacheFound::Missing => CacheStatus::Missing,
                CacheFound::Stale | CacheFound::Beyond { .. } => CacheStatus::Stale,
                CacheFound::Corrupt(why) => CacheStatus::Corrupt(why),
                CacheFound::Valid { seq, hash, value } => CacheStatus::Valid(Cached { seq, hash, bytes: value }),
            },
        )
    }

    /// Reads the cache `name` as a stream: `read` is given its bytes (a
    /// snapshot is tens of MB; they are never all in memory at once) while
    /// they are digested, and what it made is returned only if the digest
    /// then matches and the log still holds the event the cache reflects.
    /// A stale cache is not read at all; one `read` cannot decode is
    /// `Corrupt`.
    pub fn read_cache_with<T, E: std::fmt::Display>(
        &self,
        name: &str,
        read: impl FnOnce(&mut dyn Read) -> Result<T, E>,
    ) -> Result<CacheFound<T>, StoreError> {
        check_name(name)?;
        let Some(mut file) = self.backend.open_cache(name)? else { return Ok(CacheFound::Missing) };
        let mut head = vec![0; MAGIC.len() + HEADER];
        if file.read_exact(&mut head).is_err() {
            return Ok(CacheFound::Corrupt(if head.starts_with(MAGIC) {
                "文件过短".into()
            } else {
                "不是本版本的缓存文件".into()
            }));
        }
        let Some(rest) = head.strip_prefix(MAGIC) else {
            return Ok(CacheFound::Corrupt("不是本版本的缓存文件".into()));
        };
        let seq = u64::from_be_bytes(rest[..8].try_into().expect("eight bytes"));
        let (Ok(hash), Ok(stated)) = (std::str::from_utf8(&rest[8..72]), std::str::from_utf8(&rest[72..HEADER])) else {
            return Ok(CacheFound::Corrupt("头部不是文本".into()));
        };
        if seq > self.head().seq {
            return Ok(CacheFound::Beyond { seq });
        }
        if self.backend.hash_at(seq)?.as_deref() != Some(hash) {
            return Ok(CacheFound::Stale);
        }
        // Digested in large pieces as they fill the buffer `read` reads
        // from; what it leaves unread is digested too.
        let mut body = std::io::BufReader::with_capacity(1 << 16, Digesting { inner: file, hasher: hasher(seq, hash) });
        let value = read(&mut body);
        let mut rest = body.into_inner();
        std::io::copy(&mut rest, &mut std::io::sink())?;
        if format!("{:x}", rest.hasher.finalize()) != stated {
            return Ok(CacheFound::Corrupt("内容与其摘要不符（被改动或损坏）".into()));
        }
        Ok(match value {
            Ok(value) => CacheFound::Valid { seq, hash: hash.to_owned(), value },
            Err(why) => CacheFound::Corrupt(format!("无法解码：{why}")),
        })
    }

    /// Removes a cache (it is rebuilt when next needed).
    pub fn remove_cache(&self, name: &str) -> Result<(), StoreError> {
        check_name(name)?;
        self.backend.remove_cache(name)
    }

    /// Writes a cache reflecting the log up to event `seq`, atomically.
    pub fn write_cache(&self, name: &str, seq: u64, bytes: &[u8]) -> Result<(), StoreError> {
        self.write_cache_with(name, seq, &mut |out| out.write_all(bytes))
    }

    /// Writes a cache reflecting the log up to event `seq`, atomically, its
    /// bytes given by `write` as a stream (digested as they pass, the
    /// digest put in the header once they are all written).
    pub fn write_cache_with(
        &self,
        name: &str,
        seq: u64,
        write: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>,
    ) -> Result<(), StoreError> {
        check_name(name)?;
        let Some(hash) = self.backend.hash_at(seq)? else {
            return Err(StoreError::InvalidBatch(format!("no event {seq} to cache")));
        };
        self.backend.save_cache(name, &mut |file| {
            let mut header = Vec::with_capacity(MAGIC.len() + HEADER);
            header.extend_from_slice(MAGIC);
            header.extend_from_slice(&seq.to_be_bytes());
            header.extend_from_slice(hash.as_bytes());
            // The digest's place, filled in below.
            header.extend_from_slice(&[b'0'; 64]);
            file.write_all(&header)?;
            // Digested in large pieces as they leave the buffer.
            let mut body =
                std::io::BufWriter::with_capacity(1 << 16, Digesting { inner: &mut *file, hasher: hasher(seq, &hash) });
            write(&mut body)?;
            let Digesting { inner: file, hasher } = body.into_inner().map_err(|e| e.into_error())?;
            let digest = format!("{:x}", hasher.finalize());
            file.seek(SeekFrom::Start((MAGIC.len() + 8 + 64) as u64))?;
            file.write_all(digest.as_bytes())?;
            Ok(())
        })?;
        Ok(())
    }
}

/// A cache's bytes on their way in or out, digested as they pass.
struct Digesting<T> {
    inner: T,
    hasher: Sha256,
}

impl<R: Read> Read for Digesting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

impl<W: Write> Write for Digesting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
