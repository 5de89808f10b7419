//! The stream index and the command index, packed.
//!
//! Both are caches of the log, rebuilt from it when missing or behind. They
//! live in one sled tree, so that an append's index changes and the
//! position they reflect are written by one atomic `apply_batch`.
//!
//! sled loads (and, after a write, rewrites) its whole page table at every
//! open, one entry per tree node of at most 16 keys; a key per event made
//! that table grow with the log (issue 14: 63–131 ms per open at a million
//! events). The keys here grow with the streams and stay bounded for the
//! commands:
//!
//! - `s` + stream length (u16, big-endian) + stream + chunk number (u32):
//!   the sequence numbers of the stream's events, each a big-endian u64,
//!   at most [`CHUNK`] per value. The stream's version is the count.
//! - `c` + bucket (u16): every command id whose hash falls in the bucket,
//!   each as id length (u16), id, first sequence number (u64) and event
//!   count (u32). [`BUCKETS`] buckets at most.
//! - `p`: the log position the index reflects (u64). While an import or a
//!   rebuild writes the index in parts, `p` is [`INVALID`] (beyond any
//!   log); an index with entries and no `p` (a clear cut short) is invalid
//!   too. An invalid index is cleared and rebuilt from the log at open.
//!
//! Adding an event or a command that is already there changes nothing, so
//! catching up from an older position never counts anything twice.

use std::collections::HashMap;

use crate::codec::IndexEntry;
use crate::sled_store::error::OrStore;
use crate::StoreError;

/// Sequence numbers per stream chunk.
pub(crate) const CHUNK: usize = 256;
/// Command buckets.
pub(crate) const BUCKETS: u16 = 16384;
const POSITION: &[u8] = b"p";
/// The position of an index being written in parts.
pub(crate) const INVALID: u64 = u64::MAX;

fn corrupt(message: &str) -> StoreError {
    StoreError::Corrupt { seq: 0, message: format!("索引损坏：{message}") }
}

fn stream_prefix(stream: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(3 + stream.len() + 4);
    key.push(b's');
    key.extend_from_slice(&(stream.len() as u16).to_be_bytes());
    key.extend_from_slice(stream.as_bytes());
    key
}

fn chunk_key(stream: &str, chunk: u32) -> Vec<u8> {
    let mut key = stream_prefix(stream);
    key.extend_from_slice(&chunk.to_be_bytes());
    key
}

#[cfg(test)]
pub(crate) fn chunk_key_for_tests(stream: &str, chunk: u32) -> Vec<u8> {
    chunk_key(stream, chunk)
}

fn chunk_number(key: &[u8]) -> Result<u32, StoreError> {
    let bytes: [u8; 4] = key[key.len().saturating_sub(4)..].try_into().map_err(|_| corrupt("流的键太短"))?;
    Ok(u32::from_be_bytes(bytes))
}

/// Which of `parts` partitions a stream's values fall in (an import builds
/// its index one partition at a time).
pub(crate) fn stream_partition(stream: &str, parts: usize) -> usize {
    (id_hash(stream) % parts as u64) as usize
}

/// Which of `parts` partitions a command id's bucket falls in.
pub(crate) fn command_partition(command_id: &str, parts: usize) -> usize {
    let [_, hi, lo] = bucket_key(command_id);
    usize::from(u16::from_be_bytes([hi, lo])) % parts
}

fn bucket_key(command_id: &str) -> [u8; 3] {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(command_id.as_bytes());
    let bucket = u16::from_be_bytes([digest[0], digest[1]]) % BUCKETS;
    let [a, b] = bucket.to_be_bytes();
    [b'c', a, b]
}

fn seqs(value: &[u8]) -> Result<impl Iterator<Item = u64> + '_, StoreError> {
    if !value.len().is_multiple_of(8) {
        return Err(corrupt("流的序号长度不是 8 的倍数"));
    }
    Ok(value.chunks_exact(8).map(|b| u64::from_be_bytes(b.try_into().expect("8 bytes"))))
}

fn last_seq(value: &[u8]) -> Option<u64> {
    let start = value.len().checked_sub(8)?;
    Some(u64::from_be_bytes(value[start..].try_into().expect("8 bytes")))
}

/// Finds `command_id` in a bucket: its first sequence number and count.
fn find_command(bucket: &[u8], command_id: &str) -> Result<Option<(u64, u64)>, StoreError> {
    let mut rest = bucket;
    while !rest.is_empty() {
        let short = || corrupt("命令索引的条目不完整");
        let len = u16::from_be_bytes(rest.get(..2).ok_or_else(short)?.try_into().expect("2 bytes")) as usize;
        let entry = rest.get(2..2 + len + 12).ok_or_else(short)?;
        let (id, numbers) = entry.split_at(len);
        if id == command_id.as_bytes() {
            let first = u64::from_be_bytes(numbers[..8].try_into().expect("8 bytes"));
            let count = u32::from_be_bytes(numbers[8..].try_into().expect("4 bytes"));
            return Ok(Some((first, u64::from(count))));
        }
        rest = &rest[2 + len + 12..];
    }
    Ok(None)
}

/// Index changes not yet written: the values they touch, whole.
#[derive(Debug, Default)]
pub(crate) struct Pending {
    values: HashMap<Vec<u8>, Vec<u8>>,
    last_chunk: HashMap<String, u32>,
    /// How much of each bucket was stored before: only that part is
    /// searched for an id, the ids added since are in `commands`.
    stored_bucket: HashMap<[u8; 3], usize>,
    /// Hashes of the ids added (a hit is confirmed in the bucket: two ids
    /// may share a hash).
    commands: std::collections::HashSet<u64>,
}

fn id_hash(command_id: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    command_id.hash(&mut hasher);
    hasher.finish()
}

/// The packed indexes, in their own tree.
#[derive(Clone)]
pub(crate) struct Index {
    pub(crate) tree: sled::Tree,
}

impl Index {
    /// The log position the index reflects: `Some(0)` for an empty index,
    /// `None` for entries without a position (a clear cut short), and
    /// [`INVALID`] while it is written in parts.
    pub(crate) fn position(&self) -> Result<Option<u64>, StoreError> {
        match self.tree.get(POSITION).or_store()? {
            Some(bytes) => crate::codec::decode_key(&bytes).map(Some),
            None if self.tree.first().or_store()?.is_none() => Ok(Some(0)),
            None => Ok(None),
        }
    }

    /// The stream's last chunk: its number and value.
    fn last_chunk(&self, stream: &str) -> Result<Option<(u32, sled::IVec)>, StoreError> {
        match self.tree.scan_prefix(stream_prefix(stream)).next_back() {
            None => Ok(None),
            Some(entry) => {
                let (key, value) = entry.or_store()?;
                if key.len() != 3 + stream.len() + 4 {
                    // A longer stream name that starts with this one cannot
                    // share the prefix: the length is part of it.
                    return Err(corrupt("流的键长度不符"));
                }
                Ok(Some((chunk_number(&key)?, value)))
            }
        }
    }

    /// The number of events in a stream.
    pub(crate) fn stream_version(&self, stream: &str) -> Result<u64, StoreError> {
        Ok(match self.last_chunk(stream)? {
            None => 0,
            Some((chunk, value)) => u64::from(chunk) * CHUNK as u64 + (value.len() / 8) as u64,
        })
    }

    /// The sequence numbers of a stream's events, in order.
    pub(crate) fn stream_seqs(&self, stream: &str) -> Result<Vec<u64>, StoreError> {
        let mut out = Vec::new();
        for entry in self.tree.scan_prefix(stream_prefix(stream)) {
            let (_, value) = entry.or_store()?;
            out.extend(seqs(&value)?);
        }
        Ok(out)
    }

    /// The first sequence number and event count of a command, if indexed.
    pub(crate) fn command(&self, command_id: &str) -> Result<Option<(u64, u64)>, StoreError> {
        match self.tree.get(bucket_key(command_id)).or_store()? {
            None => Ok(None),
            Some(bucket) => find_command(&bucket, command_id),
        }
    }

    /// The value at `key`, from what is pending or else from the tree.
    fn pending_value<'p>(&self, pending: &'p mut Pending, key: &[u8]) -> Result<&'p mut Vec<u8>, StoreError> {
        if !pending.values.contains_key(key) {
            let stored = self.tree.get(key).or_store()?.map(|v| v.to_vec()).unwrap_or_default();
            pending.values.insert(key.to_vec(), stored);
        }
        Ok(pending.values.get_mut(key).expect("inserted above"))
    }

    /// Adds one command's events (all of one command id, in order).
    pub(crate) fn add_command(&self, pending: &mut Pending, events: &[IndexEntry]) -> Result<(), StoreError> {
        let Some(first) = events.first() else { return Ok(()) };
        for e in events {
            self.add_stream_event(pending, &e.stream, e.seq)?;
        }
        self.add_command_id(pending, &first.command_id, first.seq, events.len())
    }

    /// Adds one event to its stream (nothing when the stream has it).
    pub(crate) fn add_stream_event(&self, pending: &mut Pending, stream: &str, seq: u64) -> Result<(), StoreError> {
        let chunk = match pending.last_chunk.get(stream) {
            Some(chunk) => *chunk,
            None => {
                let chunk = match self.last_chunk(stream)? {
                    Some((chunk, value)) => {
                        pending.values.entry(chunk_key(stream, chunk)).or_insert_with(|| value.to_vec());
                        chunk
                    }
                    None => 0,
                };
                pending.last_chunk.insert(stream.to_owned(), chunk);
                chunk
            }
        };
        let mut key = chunk_key(stream, chunk);
        let value = self.pending_value(pending, &key)?;
        if last_seq(value).is_some_and(|last| last >= seq) {
            return Ok(());
        }
        if value.len() / 8 >= CHUNK {
            key = chunk_key(stream, chunk + 1);
            pending.last_chunk.insert(stream.to_owned(), chunk + 1);
        }
        self.pending_value(pending, &key)?.extend_from_slice(&seq.to_be_bytes());
        Ok(())
    }

    /// Adds a command id with its first event and count (nothing when the
    /// index has it).
    pub(crate) fn add_command_id(
        &self,
        pending: &mut Pending,
        command_id: &str,
        first: u64,
        count: usize,
    ) -> Result<(), StoreError> {
        let hash = id_hash(command_id);
        let key = bucket_key(command_id);
        let known = pending.stored_bucket.get(&key).copied();
        let maybe_added = pending.commands.contains(&hash);
        let bucket = self.pending_value(pending, &key)?;
        let stored = known.unwrap_or(bucket.len());
        // The stored part is searched; the part added since only when an
        // id with the same hash was added.
        let searched = if maybe_added { &bucket[..] } else { &bucket[..stored] };
        if find_command(searched, command_id)?.is_none() {
            let id = command_id.as_bytes();
            let len = u16::try_from(id.len()).map_err(|_| {
                StoreError::InvalidBatch(format!("命令编号「{command_id}」过长；可接受：不超过 65,535 字节"))
            })?;
            let count = u32::try_from(count).map_err(|_| {
                StoreError::InvalidBatch(format!(
                    "命令「{command_id}」有 {count} 个事件；可接受：不超过 4,294,967,295 个"
                ))
            })?;
            bucket.extend_from_slice(&len.to_be_bytes());
            bucket.extend_from_slice(id);
            bucket.extend_from_slice(&first.to_be_bytes());
            bucket.extend_from_slice(&count.to_be_bytes());
            pending.commands.insert(hash);
        }
        pending.stored_bucket.insert(key, stored);
        Ok(())
    }

    /// Adds events of several commands, grouped by command id.
    pub(crate) fn add_all(&self, pending: &mut Pending, events: &[IndexEntry]) -> Result<(), StoreError> {
        for command in events.chunk_by(|a, b| a.command_id == b.command_id) {
            self.add_command(pending, command)?;
        }
        Ok(())
    }

    /// Writes the pending changes and the position they reach, atomically.
    pub(crate) fn commit(&self, pending: Pending, position: u64) -> Result<(), StoreError> {
        let mut batch = sled::Batch::default();
        for (key, value) in pending.values {
            batch.insert(key, value);
        }
        batch.insert(POSITION, &position.to_be_bytes());
        self.tree.apply_batch(batch).or_store()
    }

    /// Writes the pending changes a few MiB at a time, then the position:
    /// for an import or a rebuild (a single batch of a million events'
    /// index held it twice in memory). `after_part` is told how many bytes
    /// each part wrote and may reopen the engine: the index is fetched
    /// again for each part.
    pub(crate) fn commit_in_parts(
        pendings: &mut dyn Iterator<Item = Result<Pending, StoreError>>,
        position: u64,
        index: &mut dyn FnMut() -> Result<Index, StoreError>,
        after_part: &mut dyn FnMut(usize) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        // Marked invalid until the last part: a crash in between leaves an
        // index that is rebuilt, never one that is half trusted.
        index()?.tree.insert(POSITION, &INVALID.to_be_bytes()).or_store()?;
        let mut batch = sled::Batch::default();
        let mut bytes = 0;
        for pending in pendings {
            for (key, value) in pending?.values {
                bytes += key.len() + value.len();
                batch.insert(key, value);
                if bytes >= 4 << 20 {
                    index()?.tree.apply_batch(std::mem::take(&mut batch)).or_store()?;
                    after_part(bytes)?;
                    bytes = 0;
                }
            }
        }
        batch.insert(POSITION, &position.to_be_bytes());
        index()?.tree.apply_batch(batch).or_store()
    }

    /// Forgets everything (the index is rebuilt from the log).
    pub(crate) fn clear(&self) -> Result<(), StoreError> {
        self.tree.clear().or_store()
    }
}
