//! `cargo xtask fuzz`: runs the cargo-fuzz targets of `fuzz/` (nightly
//! toolchain; cargo-fuzz from the crate registry) for a given time each,
//! a few at a time. New inputs go to `target/fuzz-corpus/<target>`, seeded
//! from the small corpus kept in `fuzz/corpus/<target>`; crashes go to
//! `fuzz/artifacts/<target>` and fail the task. Each run's last status line
//! is printed so that `docs/reliability.md` can record it.

use std::path::Path;
use std::process::{Command, Stdio};

/// The targets, as in `fuzz/Cargo.toml` and `selfeval_fuzz::TARGETS`.
pub const TARGETS: &[&str] = &["parsers", "decode", "import", "handle"];

/// What to run.
pub struct FuzzOptions {
    /// Seconds per target.
    pub seconds: u64,
    /// How many targets run at once.
    pub jobs: usize,
    /// The targets (all when empty).
    pub targets: Vec<String>,
}

fn ensure_cargo_fuzz() -> Result<(), String> {
    let present =
        Command::new("cargo").args(["+nightly", "fuzz", "--version"]).output().is_ok_and(|o| o.status.success());
    if present {
        return Ok(());
    }
    eprintln!("xtask fuzz: installing cargo-fuzz");
    let status =
        Command::new("cargo").args(["install", "cargo-fuzz", "--locked"]).status().map_err(|e| e.to_string())?;
    status.success().then_some(()).ok_or_else(|| "cargo install cargo-fuzz failed".to_owned())
}

fn copy_seeds(target: &str) -> Result<String, String> {
    let work = format!("target/fuzz-corpus/{target}");
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    for entry in std::fs::read_dir(Path::new("fuzz/corpus").join(target)).map_err(|e| e.to_string())? {
        let entry = entry.map_err(|e| e.to_string())?;
        std::fs::copy(entry.path(), Path::new(&work).join(entry.file_name())).map_err(|e| e.to_string())?;
    }
    Ok(work)
}

/// Runs the fuzzer; fails when a target crashed.
pub fn fuzz(options: &FuzzOptions) -> Result<(), String> {
    ensure_cargo_fuzz()?;
    let targets: Vec<&str> = if options.targets.is_empty() {
        TARGETS.to_vec()
    } else {
        options.targets.iter().map(String::as_str).collect()
    };
    for target in &targets {
        if !TARGETS.contains(target) {
            return Err(format!("unknown fuzz target {target:?}; targets: {}", TARGETS.join(", ")));
        }
    }
    // Build once, then run.
    let built = Command::new("cargo").args(["+nightly", "fuzz", "build", "-O"]).status().map_err(|e| e.to_string())?;
    if !built.success() {
        return Err("cargo fuzz build failed".into());
    }
    std::fs::create_dir_all("target/fuzz-logs").map_err(|e| e.to_string())?;
    let mut failed = Vec::new();
    for group in targets.chunks(options.jobs.max(1)) {
        let mut running = Vec::new();
        for target in group {
            let work = copy_seeds(target)?;
            let log = std::fs::File::create(format!("target/fuzz-logs/{target}.log")).map_err(|e| e.to_string())?;
            eprintln!("xtask fuzz: {target} for {} s", options.seconds);
            let child = Command::new("cargo")
                .args(["+nightly", "fuzz", "run", "-O", target, &work, &format!("fuzz/corpus/{target}")])
                .arg("--")
                .arg(format!("-max_total_time={}", options.seconds))
                .arg("-rss_limit_mb=4096")
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .map_err(|e| e.to_string())?;
            running.push((*target, child));
        }
        for (target, mut child) in running {
            let status = child.wait().map_err(|e| e.to_string())?;
            let log = std::fs::read_to_string(format!("target/fuzz-logs/{target}.log")).unwrap_or_default();
            let last = log
                .lines()
                .rev()
                .find(|l| l.starts_with('#') && l[1..].starts_with(|c: char| c.is_ascii_digit()))
                .unwrap_or("(no status line)");
            println!("{target}: {} — {last}", if status.success() { "no crash" } else { "CRASH" });
            if !status.success() {
                failed.push(target);
            }
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("fuzz targets crashed: {failed:?}; inputs in fuzz/artifacts/, logs in target/fuzz-logs/"))
    }
}
