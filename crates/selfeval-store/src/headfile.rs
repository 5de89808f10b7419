//! The head kept outside the storage engine: a small file that names the
//! last acknowledged event (sequence number and hash), written after every
//! flush of the log into the older of two checksummed slots and synced. At open it is compared with the
//! log: a log that went backwards (an acknowledged event lost) or a head
//! whose hash the log does not hold is an integrity error, never a silent
//! restart at an older head.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::{Head, StoreError};

/// The file's name in the store directory.
pub const HEAD_FILE: &str = "selfeval-head";
const MAGIC_V1: &str = "selfeval-head 1";
const MAGIC: &str = "selfeval-head 2\n";
const SLOT: usize = 128;

fn path(dir: &Path) -> PathBuf {
    dir.join(HEAD_FILE)
}

/// One slot: `generation seq hash check`, padded to [`SLOT`] bytes. The
/// newer generation is the current head (the last written, as with one
/// file); the check is the first 16 hex digits of SHA-256 over the rest, so
/// a torn write of a slot is seen, and the other slot (the previous head)
/// is used.
fn slot(generation: u64, head: &Head) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let record = format!("{generation:020} {:020} {}", head.seq, head.hash);
    let check = format!("{:x}", Sha256::digest(record.as_bytes()));
    let mut bytes = format!("{record} {}", &check[..16]).into_bytes();
    bytes.resize(SLOT - 1, b' ');
    bytes.push(b'\n');
    bytes
}

fn parse_slot(bytes: &[u8]) -> Option<(u64, Head)> {
    use sha2::{Digest, Sha256};
    let text = std::str::from_utf8(bytes).ok()?.trim_end();
    let mut parts = text.split(' ');
    let (generation, seq, hash, check) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let record = format!("{generation} {seq} {hash}");
    let expected = format!("{:x}", Sha256::digest(record.as_bytes()));
    let valid =
        seq.len() == 20 && hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) && expected[..16] == *check;
    if !valid {
        return None;
    }
    Some((generation.parse().ok()?, Head { seq: seq.parse().ok()?, hash: hash.to_owned() }))
}

/// The newest valid slot of a version-2 file: its head, its index and its
/// generation.
fn newest(bytes: &[u8]) -> Option<(Head, usize, u64)> {
    if bytes.len() != MAGIC.len() + 2 * SLOT || !bytes.starts_with(MAGIC.as_bytes()) {
        return None;
    }
    (0..2)
        .filter_map(|i| {
            let at = MAGIC.len() + i * SLOT;
            parse_slot(&bytes[at..at + SLOT]).map(|(generation, h)| (h, i, generation))
        })
        .max_by_key(|(_, _, generation)| *generation)
}

/// Reads the head file: `None` when there is none (a store made before it
/// existed, or a new one). Version 1 (one `seq hash` line) is read too.
pub fn read(dir: &Path) -> Result<Option<Head>, StoreError> {
    let bytes = match std::fs::read(path(dir)) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let corrupt =
        |why: &str| StoreError::Corrupt { seq: 0, message: format!("头文件 {HEAD_FILE} 无法读取：{why}") };
    if bytes.starts_with(MAGIC.as_bytes()) {
        return newest(&bytes).map(|(head, _, _)| Some(head)).ok_or_else(|| corrupt("两个记录都不完整"));
    }
    let text = String::from_utf8(bytes).map_err(|_| corrupt("不是 selfeval 头文件"))?;
    let mut lines = text.lines();
    if lines.next() != Some(MAGIC_V1) {
        return Err(corrupt("不是 selfeval 头文件"));
    }
    let line = lines.next().ok_or_else(|| corrupt("缺少头记录"))?;
    let (seq, hash) = line.split_once(' ').ok_or_else(|| corrupt("头记录格式不对"))?;
    let seq = seq.parse::<u64>().map_err(|_| corrupt("序号不是数字"))?;
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(corrupt("哈希不是64位十六进制"));
    }
    Ok(Some(Head { seq, hash: hash.to_owned() }))
}

/// Records `head` durably. A version-2 file gets it in the slot that does
/// not hold the newest head, written in place and fdatasynced (one sync); a
/// missing or older file is replaced whole: a temporary file written and
/// fsynced, renamed over the old one, and the directory fsynced.
pub fn write(dir: &Path, head: &Head) -> Result<(), StoreError> {
    use std::io::{Seek, SeekFrom};
    if let Ok(mut file) = std::fs::OpenOptions::new().read(true).write(true).open(path(dir)) {
        let mut bytes = Vec::with_capacity(MAGIC.len() + 2 * SLOT);
        std::io::Read::read_to_end(&mut file, &mut bytes)?;
        if let Some((_, newest_slot, generation)) = newest(&bytes) {
            let other = 1 - newest_slot;
            file.seek(SeekFrom::Start((MAGIC.len() + other * SLOT) as u64))?;
            file.write_all(&slot(generation + 1, head))?;
            file.sync_data()?;
            return Ok(());
        }
    }
    let temporary = dir.join(format!("{HEAD_FILE}.tmp"));
    let mut file = std::fs::File::create(&temporary)?;
    let mut bytes = MAGIC.as_bytes().to_vec();
    bytes.extend(slot(1, head));
    bytes.extend(slot(0, head));
    file.write_all(&bytes)?;
    file.sync_all()?;
    std::fs::rename(&temporary, path(dir))?;
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_torn_slot_falls_back_to_the_other_and_version_1_still_reads() {
        let dir = tempfile::tempdir().unwrap();
        let head = |seq: u64| Head { seq, hash: format!("{seq:064}") };
        write(dir.path(), &head(1)).unwrap();
        write(dir.path(), &head(2)).unwrap();
        write(dir.path(), &head(3)).unwrap();
        assert_eq!(read(dir.path()).unwrap(), Some(head(3)));
        // Tear the newest slot: the previous head is read (behind the log,
        // which open moves up; never ahead of it).
        let mut bytes = std::fs::read(path(dir.path())).unwrap();
        let newest_at = (0..2)
            .find(|i| {
                parse_slot(&bytes[MAGIC.len() + i * SLOT..MAGIC.len() + (i + 1) * SLOT]).map(|(_, h)| h)
                    == Some(head(3))
            })
            .unwrap();
        bytes[MAGIC.len() + newest_at * SLOT + 30] ^= 1;
        std::fs::write(path(dir.path()), &bytes).unwrap();
        assert_eq!(read(dir.path()).unwrap(), Some(head(2)));
        std::fs::write(path(dir.path()), format!("{MAGIC_V1}\n7 {}\n", "a".repeat(64))).unwrap();
        assert_eq!(read(dir.path()).unwrap(), Some(Head { seq: 7, hash: "a".repeat(64) }));
        write(dir.path(), &head(8)).unwrap();
        assert_eq!(read(dir.path()).unwrap(), Some(head(8)), "a version-1 file is replaced by version 2");
    }
}
