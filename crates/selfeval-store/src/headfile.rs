//! The head kept outside the storage engine: a small file that names the
//! last acknowledged event (sequence number and hash), replaced atomically
//! and fsynced after every flush of the log. At open it is compared with the
//! log: a log that went backwards (an acknowledged event lost) or a head
//! whose hash the log does not hold is an integrity error, never a silent
//! restart at an older head.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::{Head, StoreError};

/// The file's name in the store directory.
pub const HEAD_FILE: &str = "selfeval-head";
const MAGIC: &str = "selfeval-head 1";

fn path(dir: &Path) -> PathBuf {
    dir.join(HEAD_FILE)
}

/// Reads the head file: `None` when there is none (a store made before it
/// existed, or a new one).
pub fn read(dir: &Path) -> Result<Option<Head>, StoreError> {
    let text = match std::fs::read_to_string(path(dir)) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let corrupt =
        |why: &str| StoreError::Corrupt { seq: 0, message: format!("头文件 {HEAD_FILE} 无法读取：{why}") };
    let mut lines = text.lines();
    if lines.next() != Some(MAGIC) {
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

/// Replaces the head file with `head`, durably: a temporary file written and
/// fsynced, renamed over the old one, and the directory fsynced.
pub fn write(dir: &Path, head: &Head) -> Result<(), StoreError> {
    let temporary = dir.join(format!("{HEAD_FILE}.tmp"));
    let mut file = std::fs::File::create(&temporary)?;
    write!(file, "{MAGIC}\n{} {}\n", head.seq, head.hash)?;
    file.sync_all()?;
    std::fs::rename(&temporary, path(dir))?;
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
}
