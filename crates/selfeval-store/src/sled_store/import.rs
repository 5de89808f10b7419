//! An import into sled: the export read, spooled and indexed in parts, and
//! what an import killed half-way leaves discarded on the next open.

use std::io::{BufRead, Write};

use super::{OrStore, SledStore};
use crate::codec;
use crate::export::{read_export, Spooled};
use crate::{Head, ImportRejected, Imported, StoreError, GENESIS_HASH};

impl SledStore {
    pub(crate) fn import_with(
        &mut self,
        input: &mut dyn BufRead,
        each: &mut dyn FnMut(Spooled),
    ) -> Result<Result<Imported, ImportRejected>, StoreError> {
        if self.head.seq != 0 {
            return Ok(Err(ImportRejected {
                seq: None,
                line: 0,
                problem: format!("库中已有 {} 个事件；导入需要空库", self.head.seq),
            }));
        }
        match self.import_lines(input, each) {
            Ok(Ok(imported)) => Ok(Ok(imported)),
            outcome => {
                // The spool marks the import as unfinished until what it
                // wrote is cleared: if this fails too, the next open clears it.
                let cleared = (|| {
                    self.log()?.clear().or_store()?;
                    self.index()?.clear()?;
                    self.db()?.flush().or_store()?;
                    std::fs::remove_file(self.path.join(SPOOL_FILE)).or_else(|e| {
                        if e.kind() == std::io::ErrorKind::NotFound {
                            Ok(())
                        } else {
                            Err(e)
                        }
                    })?;
                    self.head = Head { seq: 0, hash: GENESIS_HASH.to_owned() };
                    self.write_head_file()
                })();
                // The first failure is the one to report.
                match (outcome, cleared) {
                    (Err(first), _) => Err(first),
                    (outcome, Ok(())) => outcome,
                    (_, Err(cleanup)) => Err(cleanup),
                }
            }
        }
    }

    fn import_lines(
        &mut self,
        input: &mut dyn BufRead,
        each: &mut dyn FnMut(Spooled),
    ) -> Result<Result<Imported, ImportRejected>, StoreError> {
        // Commands are packed into log values of up to PACK_BYTES: an import
        // lands whole or not at all, so one value may hold many commands.
        // Each event keeps its own line and its link in the chain.
        let mut pack = Pack::default();
        // The index entries wait in partition files, and are gathered one
        // partition at a time once the file is checked: gathered whole they
        // held 140 MB beside the state being checked (a million events).
        let mut index_parts = IndexParts::create(&self.path)?;
        // The packs wait in a spool file until the whole file is checked:
        // the index is then written first and the log after it. sled frees
        // the segments an import's writes leave as garbage only as later
        // writes go by, and overwrites and syncs every free segment at each
        // open; with the log written last they stay unfreed (measured at a
        // million events: 229 free segments, open and close 40 ms, when the
        // index followed the log; 5 and 10–15 ms when it preceded it).
        let mut spool = Spool::create(&self.path)?;
        let read = read_export(input, &mut |line, entry| {
            let new_command = pack.entries.last().is_none_or(|last| last.command_id != entry.command_id);
            if new_command && pack.bytes.len() >= PACK_BYTES {
                spool_pack(std::mem::take(&mut pack), &mut spool, &mut index_parts, each)?;
            }
            pack.bytes.extend_from_slice(line);
            pack.bytes.push(b'\n');
            pack.entries.push(entry);
            Ok(())
        })?;
        let head = match read {
            Ok(head) => head,
            Err(rejected) => return Ok(Err(rejected)),
        };
        if !pack.entries.is_empty() {
            spool_pack(pack, &mut spool, &mut index_parts, each)?;
        }
        // No index handle outlives a partition: writing the parts reopens
        // sled, which a live handle would keep open.
        let get_index = || self.index();
        let mut pendings = index_parts.gather(&get_index)?;
        self.write_index_in_parts(&mut pendings, head.seq)?;
        drop(pendings);
        // sled keeps what was written in memory until it is closed.
        self.reopen()?;
        for pack in spool.read_back()? {
            let (first, bytes) = pack?;
            self.write_value(first, &bytes)?;
        }
        self.db()?.flush().or_store()?;
        // The import is whole once the spool is gone: a spool found at open
        // is an import cut short.
        spool.remove()?;
        self.head = head.clone();
        self.write_head_file()?;
        Ok(Ok(Imported { events: head.seq, head }))
    }

    /// Writes one log value of an import (never over another).
    fn write_value(&mut self, first: u64, bytes: &[u8]) -> Result<(), StoreError> {
        if self.log()?.compare_and_swap(first.to_be_bytes(), None::<&[u8]>, Some(bytes)).or_store()?.is_err() {
            return Err(StoreError::Corrupt { seq: first, message: "此位置已有一批事件".into() });
        }
        // sled holds about six times what it was given to write until it is
        // closed (a probe writing 590 MB: 804 MB never reopened, 411 MB
        // reopened every 64 MiB, 153 MB every 16 MiB, and faster), so
        // written bytes count four times toward the reopening (every 8 MiB).
        self.scanned(bytes.len() * 4)
    }
}

/// The spool file of an import in progress, in the store directory.
pub(crate) const SPOOL_FILE: &str = "selfeval-import-spool";

/// An import's checked packs, kept in a file in the store directory until
/// the import is whole ([`Spool::remove`]) or what it wrote is cleared.
struct Spool {
    path: std::path::PathBuf,
    out: Option<std::fs::File>,
    reader: std::sync::Arc<std::fs::File>,
    written: u64,
}

/// How many partitions an import's index is gathered in.
const INDEX_PARTS: usize = 8;

/// An import's index entries, in partition files in the store directory
/// (removed when dropped): a stream's events and a command id always fall in
/// the same partition, in log order.
struct IndexParts {
    paths: Vec<std::path::PathBuf>,
    outs: Vec<std::io::BufWriter<std::fs::File>>,
}

impl IndexParts {
    fn create(dir: &std::path::Path) -> Result<IndexParts, StoreError> {
        let mut parts = IndexParts { paths: Vec::new(), outs: Vec::new() };
        for part in 0..INDEX_PARTS {
            let path = dir.join(format!("{SPOOL_FILE}-index-{part}"));
            parts.outs.push(std::io::BufWriter::with_capacity(256 << 10, std::fs::File::create(&path)?));
            parts.paths.push(path);
        }
        Ok(parts)
    }

    /// Records one command's events: `S`, stream, seq for each event; `C`,
    /// id, first seq, count for the command.
    fn push(&mut self, events: &[codec::IndexEntry]) -> Result<(), StoreError> {
        for command in events.chunk_by(|a, b| a.command_id == b.command_id) {
            for e in command {
                let out = &mut self.outs[crate::index::stream_partition(&e.stream, INDEX_PARTS)];
                out.write_all(b"S")?;
                write_text(out, &e.stream)?;
                out.write_all(&e.seq.to_be_bytes())?;
            }
            let first = &command[0];
            let out = &mut self.outs[crate::index::command_partition(&first.command_id, INDEX_PARTS)];
            out.write_all(b"C")?;
            write_text(out, &first.command_id)?;
            out.write_all(&first.seq.to_be_bytes())?;
            out.write_all(&(command.len() as u64).to_be_bytes())?;
        }
        Ok(())
    }

    /// Each partition's index changes, gathered when asked for.
    fn gather<'a>(
        &'a mut self,
        get_index: &'a dyn Fn() -> Result<crate::index::Index, StoreError>,
    ) -> Result<impl Iterator<Item = Result<crate::index::Pending, StoreError>> + 'a, StoreError> {
        for out in &mut self.outs {
            out.flush()?;
        }
        self.outs.clear();
        Ok(self.paths.iter().map(move |path| {
            use std::io::Read;
            let mut input = std::io::BufReader::with_capacity(256 << 10, std::fs::File::open(path)?);
            let index = get_index()?;
            let mut pending = crate::index::Pending::default();
            let mut kind = [0u8; 1];
            loop {
                match input.read_exact(&mut kind) {
                    Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
                    other => other?,
                }
                let text = read_text(&mut input)?;
                let mut number = [0u8; 8];
                input.read_exact(&mut number)?;
                let seq = u64::from_be_bytes(number);
                if kind == *b"S" {
                    index.add_stream_event(&mut pending, &text, seq)?;
                } else {
                    input.read_exact(&mut number)?;
                    index.add_command_id(&mut pending, &text, seq, u64::from_be_bytes(number) as usize)?;
                }
            }
            Ok(pending)
        }))
    }
}

impl Drop for IndexParts {
    fn drop(&mut self) {
        self.outs.clear();
        for path in &self.paths {
            let _ = std::fs::remove_file(path);
        }
    }
}

fn write_text(out: &mut impl Write, text: &str) -> std::io::Result<()> {
    out.write_all(&(text.len() as u32).to_be_bytes())?;
    out.write_all(text.as_bytes())
}

fn read_text(input: &mut impl std::io::Read) -> Result<String, StoreError> {
    let mut len = [0u8; 4];
    input.read_exact(&mut len)?;
    let mut bytes = vec![0; u32::from_be_bytes(len) as usize];
    input.read_exact(&mut bytes)?;
    String::from_utf8(bytes).map_err(|e| StoreError::Io(format!("导入的索引暂存文件损坏：{e}")))
}

/// A spool left in a store directory is an import into it that did not
/// finish (the spool is removed before an import is acknowledged): what it
/// wrote is removed, as an import lands whole or not at all.
pub(crate) fn discard_unfinished_import(
    dir: &std::path::Path,
    log: &sled::Tree,
    index: &crate::index::Index,
    db: &sled::Db,
) -> Result<(), StoreError> {
    let spool = dir.join(SPOOL_FILE);
    if !spool.exists() {
        return Ok(());
    }
    log.clear().or_store()?;
    index.clear()?;
    db.flush().or_store()?;
    for part in 0..INDEX_PARTS {
        let _ = std::fs::remove_file(dir.join(format!("{SPOOL_FILE}-index-{part}")));
    }
    std::fs::remove_file(&spool)?;
    Ok(())
}

impl Spool {
    fn create(dir: &std::path::Path) -> Result<Spool, StoreError> {
        let path = dir.join(SPOOL_FILE);
        let file = std::fs::File::create(&path)?;
        let reader = std::sync::Arc::new(std::fs::File::open(&path)?);
        Ok(Spool { path, out: Some(file), reader, written: 0 })
    }

    /// Appends a pack (written through at once, so that a reader of the
    /// file finds it); returns where its bytes start.
    fn push(&mut self, first: u64, bytes: &[u8]) -> Result<u64, StoreError> {
        let out = self.out.as_mut().expect("open until read back");
        let mut record = Vec::with_capacity(16 + bytes.len());
        record.extend_from_slice(&first.to_be_bytes());
        record.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
        record.extend_from_slice(bytes);
        out.write_all(&record)?;
        let offset = self.written + 16;
        self.written += record.len() as u64;
        Ok(offset)
    }

    /// The packs in the order they were pushed.
    fn read_back(&mut self) -> Result<impl Iterator<Item = Result<(u64, Vec<u8>), StoreError>> + '_, StoreError> {
        use std::io::Read;
        self.out = None;
        let mut input = std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(&self.path)?);
        Ok(std::iter::from_fn(move || {
            let mut header = [0u8; 16];
            match input.read_exact(&mut header) {
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return None,
                Err(e) => return Some(Err(e.into())),
                Ok(()) => {}
            }
            let first = u64::from_be_bytes(header[..8].try_into().expect("8 bytes"));
            let len = u64::from_be_bytes(header[8..].try_into().expect("8 bytes")) as usize;
            let mut bytes = vec![0; len];
            Some(input.read_exact(&mut bytes).map(|()| (first, bytes)).map_err(StoreError::from))
        }))
    }
}

impl Spool {
    /// Removes the spool: the import it served is whole.
    fn remove(mut self) -> Result<(), StoreError> {
        self.out = None;
        std::fs::remove_file(&self.path)?;
        Ok(())
    }
}

/// How many bytes of events an import packs into one log value. sled reads
/// a whole leaf (up to 16 values) to return one value, so a point read
/// (one project's history, the streams a command replays) costs up to 16
/// packs: 16 KiB keeps that near 256 KiB. Larger packs (256 KiB, measured)
/// open faster after an import but make those reads 16 times dearer.
const PACK_BYTES: usize = 16 * 1024;

/// Whole commands waiting to be written as one log value.
#[derive(Default)]
struct Pack {
    bytes: Vec<u8>,
    entries: Vec<codec::IndexEntry>,
}

/// Hands a checked pack to the caller and to the spool; its index
/// entries go to their partitions.
fn spool_pack(
    pack: Pack,
    spool: &mut Spool,
    index_parts: &mut IndexParts,
    each: &mut dyn FnMut(Spooled),
) -> Result<(), StoreError> {
    index_parts.push(&pack.entries)?;
    let offset = spool.push(pack.entries[0].seq, &pack.bytes)?;
    each(Spooled { file: spool.reader.clone(), offset, len: pack.bytes.len() });
    Ok(())
}
