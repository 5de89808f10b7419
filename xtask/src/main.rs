//! Automation for the selfeval workspace, run as `cargo xtask <task>`.
//!
//! - `ci`: what CI runs: formatting check, clippy with warnings as errors,
//!   every test of the workspace, and the quick benchmark (harness only).
//! - `gen`: a deterministic synthetic department (store and export).
//! - `bench`: the benchmark of `docs/performance.md`.
//! - `fuzz`: the cargo-fuzz targets of `fuzz/` (nightly), see `docs/reliability.md`.
//! - `render`: the demo's DOCX and XLSX through LibreOffice to PDF and PNG.

mod bench;
mod browser;
mod crash;
mod fuzz;
mod gen;
mod pg;
mod render;
mod serve_bench;
mod sqlite;

use std::path::PathBuf;
use std::process::{Command, ExitCode};

const USAGE: &str = "usage: cargo xtask <task>

tasks:
  ci                      cargo fmt --check, cargo clippy -D warnings, cargo test (the whole workspace)
  gen --projects N --events M --seed S --out DIR
                          a synthetic department: DIR/export.jsonl and DIR/store
  bench [--events N] [--quick] [--backend postgres]
                          the benchmark (docs/performance.md); --quick: 10,000 events;
                          --backend postgres: the same commands on a throwaway PostgreSQL cluster too
  fuzz [--seconds N] [--jobs J] [TARGET...]
                          cargo-fuzz targets (parsers, decode, import, handle), N seconds each
                          (default 600), J at a time (default 2); nightly toolchain
  crash [--kills N] [--per-store K] [--seed S] [--backend postgres] [--binary PATH]
                          recording commands (single and batch) killed with -9 at random moments
                          across fresh stores, N in all (default 300), K per store (default 30);
                          after every ten kills the chain verifies, every acknowledged command is
                          in the log and nothing more than was started; on PostgreSQL half the
                          interruptions are pg_terminate_backend; --binary: test that binary
                          (not built) instead of target/release/selfeval (docs/reliability.md)
  render                  the demo's report (.docx) and 自评表 (.xlsx) through headless LibreOffice
                          to PDF and PNG in target/render/, with page-count and text checks
  browser                 every page of selfeval serve in headless Chromium: screenshots in
                          target/browser/, no console error, links followed through WebDriver";

/// Reads `--name value` flags.
fn flag(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

fn number(args: &[String], name: &str, default: u64) -> Result<u64, String> {
    match flag(args, name) {
        None => Ok(default),
        Some(text) => text.replace('_', "").parse().map_err(|_| format!("{name}: {text:?} is not a whole number")),
    }
}

fn arg(args: &[String], i: usize) -> Result<String, String> {
    args.get(i).cloned().ok_or_else(|| format!("{} needs {} arguments", args[0], i))
}

fn run_gen(args: &[String]) -> Result<(), String> {
    let options = gen::GenOptions {
        projects: number(args, "--projects", 10_000)? as usize,
        events: number(args, "--events", 1_000_000)?,
        seed: number(args, "--seed", 2024)?,
        out: PathBuf::from(flag(args, "--out").unwrap_or_else(|| "target/bench/data".to_owned())),
    };
    let started = std::time::Instant::now();
    let generated = gen::gen(&options, &|done, all| eprint!("\r{done}/{all} events"))?;
    eprintln!(
        "\n{} events in {:.1} s: {} and {}",
        generated.events,
        started.elapsed().as_secs_f64(),
        generated.export.display(),
        generated.store.display()
    );
    Ok(())
}

fn cargo(args: &[&str]) -> bool {
    cargo_with(args, &[])
}

fn cargo_with(args: &[&str], env: &[(&str, &str)]) -> bool {
    eprintln!("$ cargo {}", args.join(" "));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    match Command::new(cargo).args(args).envs(env.iter().copied()).status() {
        Ok(status) => status.success(),
        Err(error) => {
            eprintln!("xtask: cannot run cargo: {error}");
            false
        }
    }
}

fn crash_options(args: &[String]) -> Result<crash::CrashOptions, String> {
    let clock = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    Ok(crash::CrashOptions {
        kills: number(args, "--kills", 300)?,
        per_store: number(args, "--per-store", 30)?.max(1),
        seed: number(args, "--seed", clock)?,
        postgres: match flag(args, "--backend").as_deref() {
            None | Some("sled") => false,
            Some("postgres") => true,
            Some(other) => return Err(format!("--backend: {other:?} is not a backend; accepted: sled, postgres")),
        },
        binary: PathBuf::from(flag(args, "--binary").unwrap_or_else(|| crash::BINARY.to_owned())),
    })
}

/// The crash loops CI runs: 300 kills on sled and 60 interruptions on
/// PostgreSQL when a server is installed (the release binary is built by
/// the quick benchmark before).
fn ci_crash() -> Result<(), String> {
    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let binary = PathBuf::from(crash::BINARY);
    crash::crash(&crash::CrashOptions { kills: 300, per_store: 30, seed, postgres: false, binary: binary.clone() })?;
    if pg::installed() {
        crash::crash(&crash::CrashOptions { kills: 60, per_store: 30, seed, postgres: true, binary })?;
    }
    Ok(())
}

fn ci() -> bool {
    cargo(&["fmt", "--all", "--", "--check"])
        && cargo(&["clippy", "--workspace", "--all-targets", "--locked", "--", "-D", "warnings"])
        // The quick benchmark keeps the harness working; the tests come last
        // so that their summary closes the log.
        && report(bench::bench(&bench::BenchOptions { events: 10_000, quick: true, postgres: pg::installed() }))
        && report(release_clock())
        && report(ci_crash())
        && report(render::render())
        && report(browser::browser().map(|said| eprintln!("{said}")))
        && test_workspace()
}

/// `cargo test --workspace`, with a throwaway PostgreSQL cluster for the
/// backend tests when a server is installed (`.ci/run` installs one and
/// sets `SELFEVAL_PG_REQUIRED`, so that CI cannot skip them).
fn test_workspace() -> bool {
    let cluster = match pg::Cluster::start() {
        Ok(cluster) => cluster,
        Err(error) => {
            eprintln!("xtask: the PostgreSQL cluster did not start: {error}");
            return false;
        }
    };
    let args = ["test", "--workspace", "--locked"];
    match &cluster {
        // Every test once (the store's shared tests on both backends), then
        // the end-to-end suite again with every store on PostgreSQL.
        Some(cluster) => {
            cargo_with(&args, &[("SELFEVAL_TEST_PG", &cluster.url)])
                && cargo_with(
                    &["test", "-p", "selfeval-cli", "--test", "it", "--locked"],
                    &[("SELFEVAL_TEST_PG", &cluster.url), ("SELFEVAL_TEST_BACKEND", "postgres")],
                )
        }
        None if std::env::var_os("SELFEVAL_PG_REQUIRED").is_some() => {
            eprintln!("xtask: SELFEVAL_PG_REQUIRED is set but no PostgreSQL server is installed");
            false
        }
        None => {
            eprintln!("xtask: no PostgreSQL server installed; the PostgreSQL backend tests are skipped");
            cargo(&args)
        }
    }
}

/// The release binary records the system clock's time whatever
/// `SELFEVAL_NOW` says (only builds for tests honour it), and says so.
fn release_clock() -> Result<(), String> {
    let store = std::env::temp_dir().join(format!("selfeval-release-clock-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&store);
    let run = |args: &[&str]| {
        Command::new("target/release/selfeval")
            .args(args)
            .env("SELFEVAL_STORE", &store)
            .env("SELFEVAL_ACTOR", "测试@办公室")
            .env("SELFEVAL_NOW", "1970-01-01T00:00:00Z")
            .output()
            .map_err(|e| format!("cannot run the release binary: {e}"))
    };
    let init = run(&["init", "--department", "时钟测试", "--year", "2024"])?;
    let history = run(&["history", "--json"])?;
    let _ = std::fs::remove_dir_all(&store);
    let said = String::from_utf8_lossy(&init.stderr);
    let listed = String::from_utf8_lossy(&history.stdout);
    if !init.status.success() || !said.contains("SELFEVAL_NOW 只在测试构建中生效") {
        return Err(format!("release clock: init did not say it ignores SELFEVAL_NOW: {said}"));
    }
    if listed.contains("\"recorded_at\":\"1970") {
        return Err(format!("release clock: the release binary recorded 1970: {listed}"));
    }
    eprintln!("release clock: SELFEVAL_NOW ignored by the release binary, as it says");
    Ok(())
}

fn report(outcome: Result<(), String>) -> bool {
    outcome.map_err(|e| eprintln!("xtask: {e}")).is_ok()
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let ok = match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("gen") => report(run_gen(&args)),
        Some("render") => cargo(&["build", "--release", "-p", "selfeval-cli"]) && report(render::render()),
        Some("browser") => {
            cargo(&["build", "--release", "-p", "selfeval-cli"])
                && report(browser::browser().map(|said| eprintln!("{said}")))
        }
        Some("fuzz") => report(number(&args, "--seconds", 600).and_then(|seconds| {
            let jobs = number(&args, "--jobs", 2)? as usize;
            let mut targets = Vec::new();
            let mut rest = args[1..].iter();
            while let Some(arg) = rest.next() {
                if arg == "--seconds" || arg == "--jobs" {
                    rest.next();
                } else {
                    targets.push(arg.clone());
                }
            }
            fuzz::fuzz(&fuzz::FuzzOptions { seconds, jobs, targets })
        })),
        Some("crash") => {
            (flag(&args, "--binary").is_some() || cargo(&["build", "--release", "--locked", "-p", "selfeval-cli"]))
                && report(crash_options(&args).and_then(|o| crash::crash(&o)))
        }
        Some("bench") => report(number(&args, "--events", 1_000_000).and_then(|events| {
            let postgres = match flag(&args, "--backend").as_deref() {
                None | Some("sled") => false,
                Some("postgres") => true,
                Some(other) => return Err(format!("--backend: {other:?} is not a backend; accepted: sled, postgres")),
            };
            bench::bench(&bench::BenchOptions { events, quick: args.iter().any(|a| a == "--quick"), postgres })
        })),
        // `xtask serve-bench STORE PROJECTS [--quick]`: the serve figures
        // alone, on a store the benchmark made (target/bench/imported).
        Some("serve-bench") => report(arg(&args, 1).and_then(|store| {
            let projects = arg(&args, 2)?.parse::<u64>().map_err(|e| format!("PROJECTS: {e}"))?;
            let quick = args.iter().any(|a| a == "--quick");
            let figures = serve_bench::serve_figures("target/release/selfeval".as_ref(), &store, projects, quick)?;
            println!("{}", serde_json::to_string_pretty(&figures).expect("JSON"));
            Ok(())
        })),
        // Helpers the benchmark runs as separate processes.
        Some("rss") => report(bench::rss(&args[1..])),
        Some("floor-decode") => report(arg(&args, 1).and_then(|f| bench::floor_decode(f.as_ref()))),
        Some("sqlite-import") => report(
            arg(&args, 1).and_then(|e| arg(&args, 2).and_then(|d| sqlite::import(e.as_ref(), d.as_ref()).map(drop))),
        ),
        Some("sqlite-report") => {
            report(arg(&args, 1).and_then(|d| arg(&args, 2).and_then(|o| sqlite::report(d.as_ref(), o.as_ref()))))
        }
        Some("sqlite-append") => {
            report(arg(&args, 1).and_then(|d| arg(&args, 2).and_then(|p| sqlite::append(d.as_ref(), &p).map(drop))))
        }
        Some("sqlite-batch") => report(arg(&args, 1).and_then(|d| {
            let count = number(&args, "--count", 10_000)?;
            let projects = number(&args, "--projects", 100)?;
            sqlite::batch(d.as_ref(), count, projects)
        })),
        Some("sqlite-history") => {
            report(arg(&args, 1).and_then(|d| arg(&args, 2).and_then(|p| sqlite::history(d.as_ref(), &p))))
        }
        Some("-h" | "--help") => {
            println!("{USAGE}");
            true
        }
        other => {
            eprintln!("xtask: unknown task {other:?}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
