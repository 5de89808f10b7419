//! `cargo xtask crash`: recording commands killed at random moments across
//! fresh stores (issue 23), and after every ten kills the store is checked
//! as an auditor would: the chain verifies, every acknowledged command is
//! in the log, and nothing is there that was not started, nor a command in
//! part.
//!
//! A command is acknowledged when the release binary printed `已记录` for
//! it (one line per recorded event; each `spend` records one, so a batch
//! prints one line per command, in file order) or exited 0. A killed single command is sent again under its command id
//! and must then land exactly once: what a clerk does after a crash.
//!
//! On PostgreSQL (`--backend postgres`, a throwaway cluster) half of the
//! interruptions are `kill -9` of the client and half are
//! `pg_terminate_backend` of its server process, both at random moments.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::pg;

/// What `cargo xtask crash` is asked for.
pub struct CrashOptions {
    /// How many commands to kill in all.
    pub kills: u64,
    /// Kills per fresh store.
    pub per_store: u64,
    /// The random seed (printed, so that a run can be repeated).
    pub seed: u64,
    /// Run on a throwaway PostgreSQL cluster instead of directories.
    pub postgres: bool,
    /// The binary under test.
    pub binary: PathBuf,
}

/// The binary under test, unless `--binary` names another.
pub const BINARY: &str = "target/release/selfeval";

thread_local! {
    static UNDER_TEST: std::cell::RefCell<PathBuf> = std::cell::RefCell::new(PathBuf::from(BINARY));
}
const ACTOR: &str = "王敏@应急救援科";

/// Where the stores live.
enum Backend {
    Dirs(PathBuf),
    Postgres { cluster: pg::Cluster, client: Box<postgres::Client> },
}

impl Backend {
    fn store(&self, n: u64, seed: u64) -> String {
        match self {
            Backend::Dirs(root) => root.join(format!("store-{n}")).display().to_string(),
            Backend::Postgres { cluster, .. } => format!("{}?ledger=crash-{seed}-{n}", cluster.url),
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Backend::Dirs(_) => "sled",
            Backend::Postgres { .. } => "PostgreSQL",
        }
    }
}

/// How many times a command said it removed a killed process's leftover
/// (`提示：打开库时已移除 …`): the kills that would have left the store
/// unreadable before issue 23.
static REPAIRS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn count_repairs(stderr: &str) {
    let said = stderr.matches("打开库时已移除").count() as u64;
    REPAIRS.fetch_add(said, std::sync::atomic::Ordering::Relaxed);
}

/// One run's tallies.
#[derive(Default)]
struct Tally {
    kills: u64,
    terminations: u64,
    finished_first: u64,
    started: u64,
    acknowledged: u64,
    landed_unacknowledged: u64,
    checks: u64,
    stores: u64,
    failures: Vec<String>,
}

/// A store under test: what was started and acknowledged in it.
struct Subject {
    store: String,
    /// Every command id started, with the number of events it records.
    started: BTreeMap<String, u64>,
    acknowledged: BTreeSet<String>,
    next: u64,
}

fn selfeval(store: &str) -> Command {
    let mut command = Command::new(UNDER_TEST.with(|b| b.borrow().clone()));
    command.env_clear().env("SELFEVAL_STORE", store).env("SELFEVAL_ACTOR", ACTOR).env("SELFEVAL_BUSY_TIMEOUT", "30");
    if let Ok(path) = std::env::var("PATH") {
        command.env("PATH", path);
    }
    command
}

fn run_ok(store: &str, args: &[&str]) -> Result<String, String> {
    let output = selfeval(store).args(args).output().map_err(|e| format!("cannot run selfeval: {e}"))?;
    count_repairs(&String::from_utf8_lossy(&output.stderr));
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(format!(
            "selfeval {} exited {:?}: {}",
            args.join(" "),
            output.status.code(),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// A fresh store with one project and its budget, as the office sets it up.
fn set_up(store: &str) -> Result<Subject, String> {
    let office = |args: &[&str]| {
        let mut all = vec!["--actor", "赵静@领导小组办公室"];
        all.extend_from_slice(args);
        run_ok(store, &all)
    };
    office(&["init", "--department", "某市应急管理局", "--year", "2024"])?;
    office(&["project", "add", "P01", "--name", "应急救援能力建设资金", "--section", "应急救援科"])?;
    office(&["budget", "set", "P01", "--amount", "5000", "--reason", "2024年部门预算批复"])?;
    Ok(Subject { store: store.to_owned(), started: BTreeMap::new(), acknowledged: BTreeSet::new(), next: 0 })
}

/// The recording command for `id`, as command-line words.
fn spend_words(id: &str, n: u64) -> Vec<String> {
    let amount = format!("{}.{:02}", 1 + n % 7, n % 100);
    ["spend", "P01", "--amount", &amount, "--date", "2024-06-30", "--voucher", &format!("记-{n}"), "--command-id", id]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

/// A command under way and what it was asked to record, in order.
struct Running {
    child: Child,
    ids: Vec<String>,
    single: Option<Vec<String>>,
}

fn start(subject: &mut Subject, rng: &mut ChaCha8Rng, scratch: &Path) -> Result<Running, String> {
    let batch = rng.random_bool(0.3);
    let lines = if batch { rng.random_range(2..=8) } else { 1 };
    let mut ids = Vec::new();
    let mut words = Vec::new();
    for _ in 0..lines {
        subject.next += 1;
        let id = format!("crash-{}", subject.next);
        words.push(spend_words(&id, subject.next));
        subject.started.insert(id.clone(), 1);
        ids.push(id);
    }
    // A batch's file stays in the run's scratch directory, removed with it.
    let (child, single) = if batch {
        let path = scratch.join(format!("batch-{}.txt", subject.next));
        let text: String = words.iter().map(|w| w.join(" ") + "\n").collect();
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        let child = selfeval(&subject.store)
            .arg("batch")
            .arg(&path)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| e.to_string())?;
        (child, None)
    } else {
        let child = selfeval(&subject.store)
            .args(&words[0])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| e.to_string())?;
        (child, Some(words.remove(0)))
    };
    Ok(Running { child, ids, single })
}

/// How one interruption ended.
enum Ended {
    /// The command finished before it was interrupted.
    Finished,
    /// Killed (or its server process terminated) while it ran.
    Interrupted,
}

/// Whether the process died of SIGKILL.
fn terminated_by_kill(status: &std::process::ExitStatus) -> bool {
    use std::os::unix::process::ExitStatusExt;
    status.signal() == Some(9)
}

/// Waits `delay`, then interrupts the command unless it has finished, and
/// notes what it acknowledged.
fn interrupt(
    running: Running,
    delay: Duration,
    terminate: Option<&mut postgres::Client>,
    subject: &mut Subject,
    tally: &mut Tally,
) -> Result<(Ended, Option<Vec<String>>), String> {
    let Running { mut child, ids, single } = running;
    let deadline = Instant::now() + delay;
    let mut finished = None;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            finished = Some(status);
            break;
        }
        std::thread::sleep(Duration::from_micros(500));
    }
    let terminating = terminate.is_some();
    let ended = match finished {
        Some(_) => Ended::Finished,
        None => {
            match terminate {
                Some(client) => {
                    client
                        .execute(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                             WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()",
                            &[],
                        )
                        .map_err(|e| format!("pg_terminate_backend: {e}"))?;
                    // The client notices, says so and exits; one that does
                    // not within 30 s is killed.
                    let waited = Instant::now();
                    while child.try_wait().map_err(|e| e.to_string())?.is_none() {
                        if waited.elapsed() > Duration::from_secs(30) {
                            let _ = child.kill();
                        }
                        std::thread::sleep(Duration::from_millis(1));
                    }
                }
                None => {
                    let _ = child.kill(); // SIGKILL
                }
            }
            Ended::Interrupted
        }
    };
    let status = child.wait().map_err(|e| e.to_string())?;
    // Counted only when it hit: a child that exited between the last look
    // and the signal, or that had not reached the server yet, was not
    // interrupted at all.
    let ended = match ended {
        Ended::Interrupted if terminated_by_kill(&status) => {
            tally.kills += 1;
            Ended::Interrupted
        }
        Ended::Interrupted if terminating && status.code().is_some_and(|code| code != 0) => {
            tally.terminations += 1;
            Ended::Interrupted
        }
        _ => Ended::Finished,
    };
    let mut stdout = String::new();
    let mut stderr = String::new();
    if let Some(mut out) = child.stdout.take() {
        let _ = out.read_to_string(&mut stdout);
    }
    if let Some(mut err) = child.stderr.take() {
        let _ = err.read_to_string(&mut stderr);
    }
    count_repairs(&stderr);
    let recorded = stdout.lines().filter(|l| l.starts_with("已记录")).count();
    let acknowledged = if status.success() { ids.len() } else { recorded.min(ids.len()) };
    if matches!(ended, Ended::Finished) {
        tally.finished_first += 1;
        if !status.success() {
            return Err(format!("{} exited {:?} by itself: {stderr}", ids.join(","), status.code()));
        }
    } else if !status.success() && stderr.contains("内部错误") {
        return Err(format!("{} reported an internal error when interrupted: {stderr}", ids.join(",")));
    }
    for id in &ids[..acknowledged] {
        subject.acknowledged.insert(id.clone());
    }
    tally.acknowledged += acknowledged as u64;
    let resend = match ended {
        Ended::Interrupted if acknowledged == 0 => single,
        _ => None,
    };
    Ok((ended, resend))
}

/// The command ids in the log with how many events each recorded, from an
/// export.
fn logged(store: &str) -> Result<BTreeMap<String, u64>, String> {
    let export = run_ok(store, &["export"]).map_err(|e| format!("unreadable: {e}"))?;
    let mut out = BTreeMap::new();
    for line in export.lines() {
        let value: serde_json::Value = serde_json::from_str(line).map_err(|e| format!("export line: {e}"))?;
        if let Some(id) = value["event"]["command_id"].as_str() {
            *out.entry(id.to_owned()).or_insert(0) += 1;
        }
    }
    Ok(out)
}

/// The auditor's checks on a store after some kills.
fn check(subject: &Subject, tally: &mut Tally) -> Result<(), String> {
    tally.checks += 1;
    let verify = selfeval(&subject.store).args(["verify"]).output().map_err(|e| e.to_string())?;
    count_repairs(&String::from_utf8_lossy(&verify.stderr));
    if !verify.status.success() {
        return Err(format!(
            "unreadable: store {} no longer verifies (exit {:?}): {}",
            subject.store,
            verify.status.code(),
            String::from_utf8_lossy(&verify.stderr)
        ));
    }
    run_ok(&subject.store, &["status"]).map_err(|e| format!("unreadable: store {}: {e}", subject.store))?;
    let logged = logged(&subject.store)?;
    for id in &subject.acknowledged {
        if !logged.contains_key(id) {
            return Err(format!("lost: store {}: acknowledged command {id} is not in the log", subject.store));
        }
    }
    for (id, events) in &logged {
        if !id.starts_with("crash-") {
            continue; // the set-up's own commands
        }
        match subject.started.get(id) {
            None => return Err(format!("store {}: {id} is in the log but was never started", subject.store)),
            Some(expected) if expected != events => {
                return Err(format!("store {}: {id} recorded {events} events, not {expected}", subject.store))
            }
            Some(_) => {}
        }
    }
    let ours = logged.keys().filter(|id| id.starts_with("crash-")).count();
    if ours > subject.started.len() {
        return Err(format!("store {}: {ours} commands in the log, {} started", subject.store, subject.started.len()));
    }
    Ok(())
}

/// How long one recording command takes here: the window kills fall in.
fn window(subject: &mut Subject) -> Result<Duration, String> {
    let mut times = Vec::new();
    for _ in 0..5 {
        subject.next += 1;
        let id = format!("crash-{}", subject.next);
        subject.started.insert(id.clone(), 1);
        let words = spend_words(&id, subject.next);
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        let started = Instant::now();
        run_ok(&subject.store, &words)?;
        times.push(started.elapsed());
        subject.acknowledged.insert(id);
    }
    times.sort();
    Ok(times[2] * 3 / 2)
}

/// Runs the crash loop; an error names the first store that failed (kept
/// on disk for a directory).
pub fn crash(options: &CrashOptions) -> Result<(), String> {
    if !options.binary.exists() {
        return Err(format!("{} is missing: cargo build --release -p selfeval-cli", options.binary.display()));
    }
    UNDER_TEST.with(|b| *b.borrow_mut() = std::fs::canonicalize(&options.binary).unwrap_or(options.binary.clone()));
    let root = std::env::temp_dir().join(format!("selfeval-crash-{}", std::process::id()));
    std::fs::create_dir_all(&root).map_err(|e| format!("{}: {e}", root.display()))?;
    let mut backend = if options.postgres {
        let cluster = pg::Cluster::start()?.ok_or("--backend postgres: no PostgreSQL server is installed")?;
        let client = postgres::Client::connect(&cluster.url, postgres::NoTls).map_err(|e| e.to_string())?;
        Backend::Postgres { cluster, client: Box::new(client) }
    } else {
        Backend::Dirs(root.clone())
    };
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let mut tally = Tally::default();
    // Each run counts its own (CI runs sled and PostgreSQL in one process).
    REPAIRS.store(0, std::sync::atomic::Ordering::Relaxed);
    let started = Instant::now();
    eprintln!(
        "crash: {} interruptions on {}, {} per fresh store, seed {}",
        options.kills,
        backend.name(),
        options.per_store,
        options.seed
    );
    let outcome = (|| -> Result<(), String> {
        while tally.kills + tally.terminations < options.kills {
            tally.stores += 1;
            let store = backend.store(tally.stores, options.seed);
            let mut subject = set_up(&store)?;
            let window = window(&mut subject)?;
            let mut interrupted = 0;
            let mut since_check = 0;
            while interrupted < options.per_store && tally.kills + tally.terminations < options.kills {
                let running = start(&mut subject, &mut rng, &root)?;
                // A batch runs longer: its kills spread over twice the window.
                let span = if running.single.is_some() { window } else { window * 2 };
                let delay = Duration::from_micros(rng.random_range(0..=span.as_micros() as u64));
                let terminate = match &mut backend {
                    Backend::Postgres { client, .. } if rng.random_bool(0.5) => Some(&mut **client),
                    _ => None,
                };
                let (ended, resend) = interrupt(running, delay, terminate, &mut subject, &mut tally)?;
                if let Ended::Interrupted = ended {
                    interrupted += 1;
                    since_check += 1;
                }
                if let Some(words) = resend {
                    // The clerk sends it again under its id: it lands once.
                    let id = words.last().cloned().unwrap_or_default();
                    let before = logged(&subject.store)?.contains_key(&id);
                    let words: Vec<&str> = words.iter().map(String::as_str).collect();
                    run_ok(&subject.store, &words)?;
                    if before {
                        tally.landed_unacknowledged += 1;
                    }
                    subject.acknowledged.insert(id);
                }
                if since_check == 10 {
                    since_check = 0;
                    check(&subject, &mut tally)?;
                }
            }
            check(&subject, &mut tally)?;
            tally.started += subject.started.len() as u64;
            if let Backend::Dirs(_) = backend {
                let _ = std::fs::remove_dir_all(&subject.store);
            }
            eprint!(
                "\rcrash: {} interruptions, {} stores, {} checks, {:.0} s",
                tally.kills + tally.terminations,
                tally.stores,
                tally.checks,
                started.elapsed().as_secs_f64()
            );
        }
        Ok(())
    })();
    eprintln!();
    if let Err(failure) = outcome {
        tally.failures.push(failure);
    }
    let summary = format!(
        "crash ({}, seed {}): {} kill -9 and {} pg_terminate_backend over {} stores in {:.0} s; \
         {} commands started, {} acknowledged, {} landed unacknowledged and were resent once, \
         {} finished before their interruption; {} checks; {} leftovers of a killed process removed at open; \
         {} unreadable stores, {} lost acknowledged commands",
        backend.name(),
        options.seed,
        tally.kills,
        tally.terminations,
        tally.stores,
        started.elapsed().as_secs_f64(),
        tally.started,
        tally.acknowledged,
        tally.landed_unacknowledged,
        tally.finished_first,
        tally.checks,
        REPAIRS.load(std::sync::atomic::Ordering::Relaxed),
        tally.failures.iter().filter(|f| f.starts_with("unreadable:")).count(),
        tally.failures.iter().filter(|f| f.starts_with("lost:")).count(),
    );
    println!("{summary}");
    match tally.failures.first() {
        None => {
            let _ = std::fs::remove_dir_all(&root);
            Ok(())
        }
        Some(failure) => Err(format!("{failure} (stores kept in {})", root.display())),
    }
}
