//! A throwaway PostgreSQL cluster for the tests and the benchmark: made in
//! a temporary directory with the server's own `initdb`, started on a free
//! loopback port with its socket in that directory, stopped and removed
//! when dropped. The facts it relies on are in
//! `docs/spec/documents.md` ("A throwaway PostgreSQL").

use std::path::{Path, PathBuf};
use std::process::Command;

/// A running cluster.
pub struct Cluster {
    dir: PathBuf,
    bin: PathBuf,
    /// `postgres://postgres@127.0.0.1:PORT/postgres`.
    pub url: String,
}

/// The newest server's binaries: `/usr/lib/postgresql/<version>/bin`.
fn server_bin() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, bin): &(u32, PathBuf)| bin.join("initdb").exists() && bin.join("pg_ctl").exists())
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

/// Whether a PostgreSQL server is installed (the quick benchmark of CI then
/// measures it too).
pub fn installed() -> bool {
    server_bin().is_some()
}

/// A loopback port nobody listens on now.
fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    listener.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

/// Runs a server binary as the `postgres` user when we are root (initdb
/// refuses root), as ourselves otherwise.
fn as_server_user(bin: &Path, args: &[&str]) -> Command {
    if nix::unistd::Uid::effective().is_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(bin).args(args);
        command
    } else {
        let mut command = Command::new(bin);
        command.args(args);
        command
    }
}

fn run(mut command: Command, what: &str) -> Result<(), String> {
    let output = command.output().map_err(|e| format!("{what}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

impl Cluster {
    /// Makes and starts a cluster; `Ok(None)` when no PostgreSQL server is
    /// installed.
    pub fn start() -> Result<Option<Cluster>, String> {
        let Some(bin) = server_bin() else { return Ok(None) };
        let dir = std::env::temp_dir().join(format!("selfeval-pg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        if nix::unistd::Uid::effective().is_root() {
            run(
                {
                    let mut c = Command::new("chown");
                    c.args(["postgres:", dir.to_str().unwrap_or_default()]);
                    c
                },
                "chown",
            )?;
        }
        let data = dir.join("data");
        let (data_arg, dir_arg) = (data.to_string_lossy().into_owned(), dir.to_string_lossy().into_owned());
        run(
            as_server_user(
                &bin.join("initdb"),
                &["-D", &data_arg, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"],
            ),
            "initdb",
        )?;
        let port = free_port()?;
        let options = format!("-p {port} -k {dir_arg} -c listen_addresses=127.0.0.1 -c max_connections=60");
        let log = dir.join("log").to_string_lossy().into_owned();
        run(
            as_server_user(&bin.join("pg_ctl"), &["-D", &data_arg, "-o", &options, "-l", &log, "-w", "start"]),
            "pg_ctl start",
        )?;
        let url = format!("postgres://postgres@127.0.0.1:{port}/postgres");
        eprintln!("PostgreSQL: a throwaway cluster at {url} ({})", bin.display());
        Ok(Some(Cluster { dir, bin, url }))
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.dir.join("data").to_string_lossy().into_owned();
        let _ = run(
            as_server_user(&self.bin.join("pg_ctl"), &["-D", &data, "-m", "immediate", "-w", "stop"]),
            "pg_ctl stop",
        );
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
