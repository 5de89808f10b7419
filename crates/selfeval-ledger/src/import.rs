//! Import: an export restored into a new ledger, whole or not at all.
//!
//! The file is imported into a fresh sibling directory, its hash chain
//! checked line by line by the store; meanwhile, on a second thread, every
//! event the store has checked and written is decoded (old schema versions
//! upcast), checked against the state before it (known types and versions,
//! values in range, stream versions contiguous, referenced projects,
//! indicators, problems and expenditures exist, recorded times never go
//! back) and applied. Only when both are done is the state snapshot
//! written, the directory synced and renamed into place. A killed import
//! leaves the target as it was, and a retry starts afresh.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use selfeval_core::State;
use selfeval_store::Imported;

use crate::judge::{EventJudge, ImportRefused};
use crate::{Ledger, LedgerError, LedgerSettings, Location, Purpose};

/// The working directory of an import into `target`, beside it.
fn working_dir(target: &Path) -> Result<PathBuf, LedgerError> {
    let name = target.file_name().ok_or_else(|| LedgerError::Invalid {
        field: "--store".into(),
        message: format!("{} 不是可用作库的目录名", target.display()),
    })?;
    let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    Ok(parent.join(format!(".{}.importing-{}", name.to_string_lossy(), std::process::id())))
}

/// Removes what killed imports into `target` left behind.
fn remove_leftovers(target: &Path) {
    let (Some(name), Some(parent)) = (target.file_name(), target.parent()) else { return };
    let parent = if parent.as_os_str().is_empty() { Path::new(".") } else { parent };
    let prefix = format!(".{}.importing-", name.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(parent) else { return };
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = file_name.strip_prefix(&prefix) else { continue };
        let alive = Path::new("/proc").join(pid).exists() && pid != std::process::id().to_string();
        if !alive {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// The refusal of an import into `store` (`库 …` or `账本 …`), which
/// already holds `events` events; `accepted` says what may be there.
fn not_empty(store: String, events: u64, accepted: &str) -> LedgerError {
    LedgerError::Invalid {
        field: "--store".into(),
        message: format!("{store} 已有 {events} 个事件；可接受：{accepted}（导入不会覆盖已有数据）"),
    }
}

/// What may be at the target: nothing, an empty directory, or an empty ledger.
fn target_is_free(target: &Path, settings: &LedgerSettings) -> Result<(), LedgerError> {
    if !target.exists() {
        return Ok(());
    }
    let refuse = |why: String| LedgerError::Invalid { field: "--store".into(), message: why };
    if !target.is_dir() {
        return Err(refuse(format!("{} 是文件，不是目录；可接受：不存在的目录、空目录或空库", target.display())));
    }
    let is_empty_dir = std::fs::read_dir(target).map(|mut d| d.next().is_none()).unwrap_or(false);
    if is_empty_dir {
        return Ok(());
    }
    if !crate::is_ledger(target) {
        return Err(refuse(format!(
            "目录 {} 已有其他文件，不是库；可接受：不存在的目录、空目录或空库",
            target.display()
        )));
    }
    let ledger = Ledger::open(&Location::Dir(target.to_owned()), settings, Purpose::Record)?;
    if !ledger.is_empty() {
        return Err(not_empty(format!("库 {}", target.display()), ledger.head().seq, "不存在的目录、空目录或空库"));
    }
    Ok(())
}

impl Ledger {
    /// Imports an export into a new ledger at `target`. Returns what was
    /// imported, or why the file was refused (nothing written either way).
    pub fn import_new(
        target: &Path,
        settings: &LedgerSettings,
        input: &mut dyn BufRead,
    ) -> Result<Result<Imported, ImportRefused>, LedgerError> {
        target_is_free(target, settings)?;
        remove_leftovers(target);
        let work = working_dir(target)?;
        let _ = std::fs::remove_dir_all(&work);
        let outcome = Ledger::import_into(&work, settings, input);
        match outcome {
            Ok(Ok(imported)) => {
                // Checked again: another process may have made a ledger
                // there while the import ran.
                if let Err(taken) = target_is_free(target, settings) {
                    let _ = std::fs::remove_dir_all(&work);
                    return Err(taken);
                }
                if target.exists() {
                    // An empty directory or an empty ledger, checked above.
                    std::fs::remove_dir_all(target).map_err(io)?;
                }
                std::fs::rename(&work, target).map_err(io)?;
                if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
                    std::fs::File::open(parent).and_then(|d| d.sync_all()).map_err(io)?;
                }
                Ok(Ok(imported))
            }
            other => {
                let _ = std::fs::remove_dir_all(&work);
                other
            }
        }
    }

    /// Imports an export into a new ledger at `location`: a directory as
    /// [`Ledger::import_new`] does, or an empty PostgreSQL ledger. For the
    /// latter the file is first imported, with every check, into a
    /// temporary directory; only a file that passes is then copied into
    /// the database, in one transaction (nothing lands otherwise).
    pub fn import_at(
        location: &Location,
        settings: &LedgerSettings,
        input: &mut dyn BufRead,
    ) -> Result<Result<Imported, ImportRefused>, LedgerError> {
        if let Location::Dir(dir) = location {
            return Ledger::import_new(dir, settings, input);
        }
        let full = |events| not_empty(format!("账本 {}", location.shown()), events, "不存在或为空的账本");
        if crate::exists_at(location, settings)? {
            let ledger = Ledger::open(location, settings, Purpose::Record)?;
            if !ledger.is_empty() {
                return Err(full(ledger.head().seq));
            }
        }
        let scratch = tempfile::Builder::new().prefix("selfeval-import-").tempdir().map_err(io)?;
        let copy = scratch.path().join("export.jsonl");
        let mut file = std::fs::File::create(&copy).map_err(io)?;
        std::io::copy(input, &mut file).map_err(io)?;
        drop(file);
        let reader = || std::fs::File::open(&copy).map(std::io::BufReader::new).map_err(io);
        let checked = match Ledger::import_new(&scratch.path().join("checked"), settings, &mut reader()?)? {
            Ok(checked) => checked,
            Err(refused) => return Ok(Err(refused)),
        };
        let store = selfeval_store::Store::open_for_import_at(location, &crate::store_options(settings))?;
        let mut ledger = Ledger { store, settings: settings.clone(), copy: None, copy_repairs: Vec::new() };
        let imported = match ledger.store.import_with(&mut reader()?, &mut |_| {})? {
            Ok(imported) => imported,
            // Line 0: not the file but the ledger, which another import
            // filled meanwhile; said as when it was full to begin with.
            Err(rejected) if rejected.line == 0 => return Err(full(ledger.head().seq)),
            Err(rejected) => return Ok(Err(ImportRefused { seq: None, problem: rejected.to_string() })),
        };
        if imported.head != checked.head {
            return Err(LedgerError::Internal(format!(
                "内部错误：导入的头（事件{}）与检查时的头（事件{}）不同",
                imported.head.seq, checked.head.seq
            )));
        }
        Ok(Ok(imported))
    }

    /// Copies the ledger at `from` into a new ledger at `to` (a directory
    /// into PostgreSQL, or back): its export, imported with every check,
    /// then the arrival's chain verified and its head compared with the
    /// source's. Nothing lands at `to` from a refused copy.
    pub fn migrate(
        from: &Location,
        to: &Location,
        settings: &LedgerSettings,
    ) -> Result<Result<Imported, ImportRefused>, LedgerError> {
        if from == to {
            return Err(LedgerError::Invalid {
                field: "--to/--from".into(),
                message: format!("源与目标都是 {}；可接受：另一个目录或数据库账本", from.shown()),
            });
        }
        let scratch = tempfile::Builder::new().prefix("selfeval-migrate-").tempdir().map_err(io)?;
        let copy = scratch.path().join("export.jsonl");
        let source = Ledger::open(from, settings, Purpose::Read)?;
        let mut file = std::io::BufWriter::new(std::fs::File::create(&copy).map_err(io)?);
        let exported = source.export(&mut file)?;
        file.into_inner().map_err(|e| io(e.into_error()))?.sync_all().map_err(io)?;
        drop(source);
        let mut input = std::io::BufReader::new(std::fs::File::open(&copy).map_err(io)?);
        let imported = match Ledger::import_at(to, settings, &mut input)? {
            Ok(imported) => imported,
            Err(refused) => return Ok(Err(refused)),
        };
        let arrived = Ledger::open(to, settings, Purpose::Record)?;
        match arrived.verify()? {
            Ok(verified) if verified.head == exported.head && imported.head == exported.head => Ok(Ok(imported)),
            Ok(verified) => Err(LedgerError::Integrity(format!(
                "迁移后的头（事件{}，{}）与源的头（事件{}，{}）不同",
                verified.head.seq, verified.head.hash, exported.head.seq, exported.head.hash
            ))),
            Err(broken) => Err(LedgerError::Integrity(format!("迁移后的哈希链不完整：{broken}"))),
        }
    }

    fn import_into(
        work: &Path,
        settings: &LedgerSettings,
        input: &mut dyn BufRead,
    ) -> Result<Result<Imported, ImportRefused>, LedgerError> {
        let mut ledger = Ledger::open(&Location::Dir(work.to_owned()), settings, Purpose::Create)?;
        // The store says where each pack of lines it has checked lies in its
        // spool file; the checker reads, decodes and applies them meanwhile,
        // at its own pace (only the positions wait in the channel).
        let (packs, received) = std::sync::mpsc::channel::<selfeval_store::Spooled>();
        let checker = std::thread::spawn(move || {
            use std::io::{Read, Seek};
            let mut check = EventJudge::default();
            let mut bytes = Vec::new();
            for pack in received {
                bytes.resize(pack.len, 0);
                // Only this thread reads through the handle.
                let mut file = &*pack.file;
                file.seek(std::io::SeekFrom::Start(pack.offset)).map_err(unreadable_spool)?;
                file.read_exact(&mut bytes).map_err(unreadable_spool)?;
                check.pack(&bytes)?;
            }
            Ok::<State, ImportRefused>(check.into_state())
        });
        // A checker that stopped at a bad event no longer listens; the store
        // finishes its own check, then the checker's finding is reported.
        let stored = ledger.store.import_with(input, &mut |pack| drop(packs.send(pack)));
        drop(packs);
        let checked = checker.join().map_err(|_| LedgerError::Integrity("导入检查线程异常终止".into()))?;
        let imported = match stored? {
            Ok(imported) => imported,
            Err(rejected) => return Ok(Err(ImportRefused { seq: None, problem: rejected.to_string() })),
        };
        let state = match checked {
            Ok(state) => state,
            Err(refused) => return Ok(Err(refused)),
        };
        if let Err(bad) = ledger.verify_rules(state.governance())? {
            return Ok(Err(ImportRefused { seq: Some(bad.seq), problem: bad.problem }));
        }
        ledger.write_snapshot(&state, imported.head.seq);
        drop(state);
        drop(ledger);
        // sled replays what was written since its last open when it opens
        // next; that recovery is paid here, inside the import, rather than
        // by the first command after it.
        drop(Ledger::open(&Location::Dir(work.to_owned()), settings, Purpose::Create)?);
        sync_tree(work).map_err(io)?;
        Ok(Ok(imported))
    }
}

fn unreadable_spool(error: std::io::Error) -> ImportRefused {
    ImportRefused { seq: None, problem: format!("无法读取导入的暂存文件：{error}") }
}

fn io(error: std::io::Error) -> LedgerError {
    LedgerError::Environment(error)
}

/// Makes everything below `dir` durable. On Linux one `syncfs` of its
/// file system (one journal commit, where an fsync of each of sled's
/// several thousand blob files took a second at a million events).
#[cfg(target_os = "linux")]
fn sync_tree(dir: &Path) -> std::io::Result<()> {
    let handle = std::fs::File::open(dir)?;
    nix::unistd::syncfs(&handle).map_err(std::io::Error::from)
}

/// Syncs every file and directory below `dir`, and `dir` itself.
#[cfg(not(target_os = "linux"))]
fn sync_tree(dir: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            sync_tree(&entry.path())?;
        } else {
            std::fs::File::open(entry.path())?.sync_all()?;
        }
    }
    std::fs::File::open(dir)?.sync_all()
}
