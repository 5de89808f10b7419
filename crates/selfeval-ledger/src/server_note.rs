//! The note a running `selfeval serve` leaves in a directory store: its
//! process and address, so that a command kept waiting by it says who
//! holds the store and where (the server holds a store only while it reads
//! it, so a command rarely waits; a long read, such as a verification of a
//! large log, can make it).

use std::path::{Path, PathBuf};

use crate::Location;

/// The note's name in the store directory.
pub const SERVER_NOTE: &str = "selfeval-serve";

/// A server's note, removed when dropped (if it is still this process's).
#[derive(Debug)]
pub struct ServerNote {
    path: PathBuf,
}

/// Who serves a store: a process and the address it listens on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    /// The server's process id.
    pub pid: u32,
    /// Where it listens (`http://127.0.0.1:8080/`).
    pub address: String,
}

/// Leaves this process's note in the store at `location` (a directory;
/// nothing for a PostgreSQL ledger, where commands never wait for a
/// server). A store this process may not write gets none: nobody can
/// record there, so nobody waits.
pub fn announce_server(location: &Location, address: &str) -> Option<ServerNote> {
    let Location::Dir(dir) = location else { return None };
    let path = dir.join(SERVER_NOTE);
    let temporary = dir.join(format!("{SERVER_NOTE}.{}.tmp", std::process::id()));
    let text = format!("{} {address}\n", std::process::id());
    let written = std::fs::write(&temporary, text).and_then(|()| std::fs::rename(&temporary, &path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
        return None;
    }
    Some(ServerNote { path })
}

impl Drop for ServerNote {
    fn drop(&mut self) {
        let ours = read(&self.path).is_some_and(|s| s.pid == std::process::id());
        if ours {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

fn read(path: &Path) -> Option<Server> {
    let text = std::fs::read_to_string(path).ok()?;
    let (pid, address) = text.trim().split_once(' ')?;
    Some(Server { pid: pid.parse().ok()?, address: address.to_owned() })
}

/// The server that serves the store in `dir`, if its note names a process
/// that still runs (a note left by a killed server names none) and is not
/// this one (a server kept waiting by a command is not waiting for itself).
pub fn serving(dir: &Path) -> Option<Server> {
    let server = read(&dir.join(SERVER_NOTE)).filter(|s| s.pid != std::process::id())?;
    // Where there is no /proc to ask, the note is not believed.
    Path::new("/proc").join(server.pid.to_string()).exists().then_some(server)
}
