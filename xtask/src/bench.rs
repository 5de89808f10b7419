//! `cargo xtask bench`: measures the real `selfeval` binary, as a user runs
//! it, on a generated department, beside a SQLite peer and two floors.
//! Every figure is the median of several runs of a separate process.
//! Results: a table on stdout and `target/bench/results.json`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

/// How big, and how many runs.
pub struct BenchOptions {
    /// Events in the full store.
    pub events: u64,
    /// The quick mode of CI: small, one run each, no target asserted.
    pub quick: bool,
    /// Also measure the same commands on a PostgreSQL ledger (a throwaway
    /// cluster), beside sled and SQLite.
    pub postgres: bool,
}

struct Paths {
    root: PathBuf,
    selfeval: PathBuf,
    xtask: PathBuf,
}

impl Paths {
    fn bench(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }
}

/// A finished process: wall time and peak RSS.
struct Sample {
    seconds: f64,
    rss_mb: f64,
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// Runs a command through `xtask rss`, which reports the child's peak RSS.
fn measure(paths: &Paths, program: &Path, args: &[&str], env: &[(&str, &str)]) -> Result<Sample, String> {
    let mut command = Command::new(&paths.xtask);
    command.arg("rss").arg(program).args(args).stdout(Stdio::null()).stderr(Stdio::piped());
    for (k, v) in env {
        command.env(k, v);
    }
    let started = Instant::now();
    let output = command.output().map_err(|e| format!("cannot run {}: {e}", program.display()))?;
    let seconds = started.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(format!("{} {} failed: {stderr}", program.display(), args.join(" ")));
    }
    let rss_kb: f64 = stderr
        .lines()
        .find_map(|l| l.strip_prefix("maxrss_kb="))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| format!("no rss reported for {}: {stderr}", program.display()))?;
    Ok(Sample { seconds, rss_mb: rss_kb / 1024.0 })
}

fn repeat(runs: usize, mut run: impl FnMut() -> Result<Sample, String>) -> Result<(f64, f64), String> {
    let mut times = Vec::new();
    let mut rss: f64 = 0.0;
    for _ in 0..runs {
        let sample = run()?;
        times.push(sample.seconds);
        rss = rss.max(sample.rss_mb);
    }
    Ok((median(times), rss))
}

/// Drops the page cache, if this machine lets us (root outside a locked container).
fn drop_caches() -> bool {
    let _ = Command::new("sync").status();
    std::fs::write("/proc/sys/vm/drop_caches", "3\n").is_ok()
}

fn cargo_build() -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = Command::new(cargo)
        .args(["build", "--release", "--locked", "-p", "selfeval-cli", "-p", "xtask"])
        .status()
        .map_err(|e| e.to_string())?;
    status.success().then_some(()).ok_or_else(|| "release build failed".to_owned())
}

fn generate(paths: &Paths, out: &Path, projects: u64, events: u64) -> Result<(), String> {
    let status = Command::new(&paths.xtask)
        .args(["gen", "--projects", &projects.to_string(), "--events", &events.to_string(), "--seed", "2024", "--out"])
        .arg(out)
        .stderr(Stdio::null())
        .status()
        .map_err(|e| e.to_string())?;
    status.success().then_some(()).ok_or_else(|| format!("xtask gen failed for {}", out.display()))
}

fn fsync_latency_us(dir: &Path, runs: usize) -> Result<f64, String> {
    use std::io::Write;
    let path = dir.join("fsync.probe");
    let mut file = std::fs::File::create(&path).map_err(|e| e.to_string())?;
    let mut samples = Vec::new();
    for _ in 0..runs {
        file.write_all(&[7u8; 512]).map_err(|e| e.to_string())?;
        let started = Instant::now();
        file.sync_data().map_err(|e| e.to_string())?;
        samples.push(started.elapsed().as_secs_f64() * 1e6);
    }
    let _ = std::fs::remove_file(&path);
    Ok(median(samples))
}

/// Runs the benchmark.
pub fn bench(options: &BenchOptions) -> Result<(), String> {
    let events = if options.quick { 10_000 } else { options.events };
    let projects = (events / 100).max(10);
    let runs = if options.quick { 1 } else { 3 };
    let many = if options.quick { 3 } else { 50 };
    let root = PathBuf::from("target/bench");
    std::fs::create_dir_all(&root).map_err(|e| e.to_string())?;
    let steps = 16;
    let bar = ProgressBar::new(steps);
    bar.set_style(
        ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} {msg}").expect("a valid template"),
    );
    bar.set_message("release build");
    cargo_build()?;
    let paths = Paths {
        root: root.clone(),
        selfeval: PathBuf::from("target/release/selfeval"),
        xtask: PathBuf::from("target/release/xtask"),
    };
    let full = paths.bench("full");
    let small = paths.bench("small");
    bar.inc(1);
    bar.set_message(format!("generating {events} events, {projects} projects"));
    generate(&paths, &full, projects, events)?;
    generate(&paths, &small, 100, 10_000)?;
    let export = full.join("export.jsonl");
    let export_arg = export.to_str().expect("a UTF-8 path");
    bar.inc(1);

    bar.set_message("floor: decoding the export");
    let (floor_decode_s, _) = repeat(runs, || measure(&paths, &paths.xtask, &["floor-decode", export_arg], &[]))?;
    let fsync_us = fsync_latency_us(&root, if options.quick { 10 } else { 200 })?;
    bar.inc(1);

    bar.set_message("import");
    let imported = paths.bench("imported");
    let (import_s, import_rss) = repeat(runs, || {
        let _ = std::fs::remove_dir_all(&imported);
        measure(&paths, &paths.selfeval, &["--store", imported.to_str().unwrap(), "import", export_arg], &[])
    })?;
    let store = imported.to_str().expect("a UTF-8 path").to_owned();
    bar.inc(1);

    bar.set_message("open");
    let (open_s, open_rss) = repeat(if options.quick { 3 } else { 10 }, || {
        measure(&paths, &paths.selfeval, &["--store", &store, "status"], &[])
    })?;
    bar.inc(1);

    bar.set_message("report (cold)");
    let report_json = root.join("report-selfeval.json");
    let report_arg = report_json.to_str().unwrap().to_owned();
    let report_args = ["--store", &store, "report", "--format", "json", "--output", &report_arg, "--force"];
    let dropped = drop_caches();
    let (report_cold_s, cold_rss) = repeat(runs, || {
        drop_caches();
        measure(&paths, &paths.selfeval, &report_args, &[])
    })?;
    bar.inc(1);
    bar.set_message("report (warm)");
    let (report_warm_s, warm_rss) = repeat(runs, || measure(&paths, &paths.selfeval, &report_args, &[]))?;
    let report_rss_mb = cold_rss.max(warm_rss);
    bar.inc(1);

    bar.set_message("verify");
    let (verify_s, verify_rss) =
        repeat(runs, || measure(&paths, &paths.selfeval, &["--store", &store, "verify"], &[]))?;
    bar.inc(1);

    bar.set_message("history");
    let small_store = small.join("store");
    let (history_s, history_rss) = repeat(many.min(20), || {
        measure(&paths, &paths.selfeval, &["--store", &store, "history", "--project", "P00042"], &[])
    })?;
    let (history_small_s, _) = repeat(many.min(20), || {
        measure(
            &paths,
            &paths.selfeval,
            &["--store", small_store.to_str().unwrap(), "history", "--project", "P00042"],
            &[],
        )
    })?;
    bar.inc(1);

    bar.set_message("SQLite: import");
    let db = root.join("peer.sqlite");
    let db_arg = db.to_str().unwrap().to_owned();
    let (sqlite_import_s, _) = repeat(runs, || {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{db_arg}{suffix}"));
        }
        measure(&paths, &paths.xtask, &["sqlite-import", export_arg, &db_arg], &[])
    })?;
    bar.inc(1);
    bar.set_message("SQLite: report");
    let peer_json = root.join("report-sqlite.json");
    let peer_arg = peer_json.to_str().unwrap().to_owned();
    let (sqlite_report_s, _) =
        repeat(runs, || measure(&paths, &paths.xtask, &["sqlite-report", &db_arg, &peer_arg], &[]))?;
    let same_report = std::fs::read(&report_json).ok() == std::fs::read(&peer_json).ok();
    bar.inc(1);
    bar.set_message("SQLite: history");
    let (sqlite_history_s, _) =
        repeat(many.min(20), || measure(&paths, &paths.xtask, &["sqlite-history", &db_arg, "P00042"], &[]))?;
    bar.inc(1);

    bar.set_message("one recording command");
    let env = [("SELFEVAL_ACTOR", "基准@测试")];
    let spend = ["--store", store.as_str(), "spend", "P00001", "--amount", "0.01", "--date", "2024-12-31"];
    let (append_s, append_rss) = repeat(many, || measure(&paths, &paths.selfeval, &spend, &env))?;
    let (sqlite_append_s, _) =
        repeat(many, || measure(&paths, &paths.xtask, &["sqlite-append", &db_arg, "P00001"], &[]))?;
    bar.inc(1);

    // Many commands in one process: `selfeval batch` (each line durable)
    // against the SQLite peer committing each command durably.
    bar.set_message("batch");
    let commands: u64 = if options.quick { 500 } else { 10_000 };
    let batch_file = root.join("batch.txt");
    let lines: String = (0..commands)
        .map(|i| format!("spend P{:05} --amount 0.01 --date 2024-12-31\n", i % crate::gen::BENCH_PROJECTS as u64))
        .collect();
    std::fs::write(&batch_file, lines).map_err(|e| e.to_string())?;
    let batch_args = ["--store", store.as_str(), "batch", batch_file.to_str().unwrap()];
    let (batch_s, batch_rss) = repeat(1, || measure(&paths, &paths.selfeval, &batch_args, &env))?;
    let count_arg = commands.to_string();
    let (sqlite_batch_s, _) = repeat(1, || {
        measure(&paths, &paths.xtask, &["sqlite-batch", &db_arg, "--count", &count_arg, "--projects", "100"], &[])
    })?;
    bar.inc(1);
    bar.set_message("selfeval serve");
    let serve = crate::serve_bench::serve_figures(&paths.selfeval, &store, projects, options.quick)?;
    bar.inc(1);
    let postgres = if options.postgres {
        bar.set_message("PostgreSQL");
        Some(postgres_figures(&paths, export_arg, runs, many, &env, &batch_file, &report_json)?)
    } else {
        None
    };
    bar.finish_with_message("done");

    let n = events as f64;
    let results = json!({
        "events": events,
        "import_eps": n / import_s,
        "import_rss_mb": import_rss,
        "open_rss_mb": open_rss,
        "verify_rss_mb": verify_rss,
        "history_rss_mb": history_rss,
        "append_rss_mb": append_rss,
        "report_cold_s": report_cold_s,
        "report_warm_s": report_warm_s,
        "report_rss_mb": report_rss_mb,
        "report_cold_rss_mb": cold_rss,
        "report_warm_rss_mb": warm_rss,
        "verify_eps": n / verify_s,
        "append_ms": append_s * 1e3,
        "history_ms": history_s * 1e3,
        "history_small_ms": history_small_s * 1e3,
        "open_ms": open_s * 1e3,
        "sqlite_import_eps": n / sqlite_import_s,
        "sqlite_report_s": sqlite_report_s,
        "sqlite_append_ms": sqlite_append_s * 1e3,
        "sqlite_history_ms": sqlite_history_s * 1e3,
        "batch_commands": commands,
        "batch_cps": commands as f64 / batch_s,
        "batch_rss_mb": batch_rss,
        "sqlite_batch_cps": commands as f64 / sqlite_batch_s,
        "floor_decode_s": floor_decode_s,
        "fsync_us": fsync_us,
        "same_report_as_sqlite": same_report,
        "page_cache_dropped": dropped,
        "runs": runs,
    });
    let mut results = results;
    for (key, value) in serve.as_object().expect("an object") {
        results[key.as_str()] = value.clone();
    }
    if let Some(pg) = &postgres {
        for (key, value) in pg.as_object().expect("an object") {
            results[key.as_str()] = value.clone();
        }
        results["pg_import_eps"] = json!(n / pg["pg_import_s"].as_f64().unwrap_or(f64::NAN));
        results["pg_verify_eps"] = json!(n / pg["pg_verify_s"].as_f64().unwrap_or(f64::NAN));
        results["pg_batch_cps"] = json!(commands as f64 / pg["pg_batch_s"].as_f64().unwrap_or(f64::NAN));
    }
    std::fs::write(root.join("results.json"), serde_json::to_string_pretty(&results).expect("JSON") + "\n")
        .map_err(|e| e.to_string())?;
    print_table(&results, options.quick);
    print_serve_table(&results, options.quick);
    if postgres.is_some() {
        print_postgres_table(&results);
        if results["pg_same_report"] != json!(true) {
            return Err("the report on PostgreSQL differs from the one on sled (target/bench/report-*.json)".into());
        }
    }
    if !same_report {
        return Err("the SQLite peer's report differs from selfeval's (target/bench/report-*.json)".to_owned());
    }
    Ok(())
}

/// The same commands on a ledger in a throwaway PostgreSQL cluster: the
/// import of the same export, status, a warm report (which must be the
/// same bytes as on sled), verify, one project's history, one recording
/// command and the batch.
fn postgres_figures(
    paths: &Paths,
    export_arg: &str,
    runs: usize,
    many: usize,
    env: &[(&str, &str)],
    batch_file: &Path,
    sled_report: &Path,
) -> Result<serde_json::Value, String> {
    let cluster = crate::pg::Cluster::start()?.ok_or("no PostgreSQL server is installed (/usr/lib/postgresql)")?;
    let mut run_number = 0;
    let mut url = String::new();
    let (import_s, import_rss) = repeat(runs, || {
        run_number += 1;
        url = format!("{}?ledger=bench-{run_number}", cluster.url);
        measure(paths, &paths.selfeval, &["--store", &url, "import", export_arg], &[])
    })?;
    let (open_s, _) = repeat(runs.max(3), || measure(paths, &paths.selfeval, &["--store", &url, "status"], &[]))?;
    let report = paths.root.join("report-postgres.json");
    let report_arg = report.to_str().unwrap().to_owned();
    let report_args = ["--store", url.as_str(), "report", "--format", "json", "--output", &report_arg, "--force"];
    // The first report replays the log and leaves the state snapshot in the database.
    measure(paths, &paths.selfeval, &report_args, &[])?;
    let (report_s, report_rss) = repeat(runs, || measure(paths, &paths.selfeval, &report_args, &[]))?;
    let same = std::fs::read(&report).ok() == std::fs::read(sled_report).ok();
    let (verify_s, verify_rss) = repeat(runs, || measure(paths, &paths.selfeval, &["--store", &url, "verify"], &[]))?;
    let (history_s, _) = repeat(many.min(20), || {
        measure(paths, &paths.selfeval, &["--store", &url, "history", "--project", "P00042"], &[])
    })?;
    let spend = ["--store", url.as_str(), "spend", "P00001", "--amount", "0.01", "--date", "2024-12-31"];
    let (append_s, _) = repeat(many, || measure(paths, &paths.selfeval, &spend, env))?;
    let (batch_s, _) =
        repeat(1, || measure(paths, &paths.selfeval, &["--store", &url, "batch", batch_file.to_str().unwrap()], env))?;
    Ok(json!({
        "pg_import_s": import_s,
        "pg_import_rss_mb": import_rss,
        "pg_open_ms": open_s * 1e3,
        "pg_report_warm_s": report_s,
        "pg_report_rss_mb": report_rss,
        "pg_same_report": same,
        "pg_verify_s": verify_s,
        "pg_verify_rss_mb": verify_rss,
        "pg_history_ms": history_s * 1e3,
        "pg_append_ms": append_s * 1e3,
        "pg_batch_s": batch_s,
    }))
}

/// PostgreSQL beside sled and SQLite, each ratio from this run.
fn print_postgres_table(r: &serde_json::Value) {
    let f = |k: &str| r[k].as_f64().unwrap_or(f64::NAN);
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::ASCII_MARKDOWN);
    table.set_header(["measure", "PostgreSQL", "sled", "SQLite", "PostgreSQL ÷ sled", "PostgreSQL ÷ SQLite"]);
    let rows = [
        ("import (events/s)", "pg_import_eps", "import_eps", "sqlite_import_eps", 0),
        ("report warm (s)", "pg_report_warm_s", "report_warm_s", "sqlite_report_s", 3),
        ("verify (events/s)", "pg_verify_eps", "verify_eps", "", 0),
        ("one recording command (ms)", "pg_append_ms", "append_ms", "sqlite_append_ms", 1),
        ("batch (commands/s)", "pg_batch_cps", "batch_cps", "sqlite_batch_cps", 0),
        ("one project's history (ms)", "pg_history_ms", "history_ms", "sqlite_history_ms", 1),
        ("open (ms)", "pg_open_ms", "open_ms", "", 1),
    ];
    for (name, pg, sled, sqlite, digits) in rows {
        let cell = |k: &str| if k.is_empty() { String::new() } else { format!("{:.*}", digits, f(k)) };
        let ratio = |k: &str| if k.is_empty() { String::new() } else { format!("{:.2}", f(pg) / f(k)) };
        table.add_row([name.to_owned(), cell(pg), cell(sled), cell(sqlite), ratio(sled), ratio(sqlite)]);
    }
    println!("\nPostgreSQL (a throwaway local cluster); same report as sled: {}\n{table}", r["pg_same_report"]);
    println!(
        "peak RSS on PostgreSQL (MB): import {:.0}, report {:.0}, verify {:.0}",
        f("pg_import_rss_mb"),
        f("pg_report_rss_mb"),
        f("pg_verify_rss_mb")
    );
}

fn print_table(r: &serde_json::Value, quick: bool) {
    let f = |k: &str| r[k].as_f64().unwrap_or(f64::NAN);
    let verdict = |ok: bool| {
        if quick {
            "—"
        } else if ok {
            "PASS"
        } else {
            "FAIL"
        }
    };
    let peak_rss = ["import", "open", "report_cold", "report_warm", "verify", "history", "append", "batch"]
        .iter()
        .map(|k| f(&format!("{k}_rss_mb")))
        .fold(0.0, f64::max);
    let rows: Vec<(String, String, String, String, String, &str)> = vec![
        (
            "import (events/s)".into(),
            format!("{:.0}", f("import_eps")),
            format!("{:.0}", f("sqlite_import_eps")),
            format!("{:.2}", f("sqlite_import_eps") / f("import_eps")),
            "≥ 150,000, > SQLite".into(),
            verdict(f("import_eps") >= 150_000.0 && f("import_eps") > f("sqlite_import_eps")),
        ),
        (
            "report warm (s)".into(),
            format!("{:.3}", f("report_warm_s")),
            format!("{:.3}", f("sqlite_report_s")),
            format!("{:.2}", f("report_warm_s") / f("sqlite_report_s")),
            "≤ 0.5, ≤ SQLite".into(),
            verdict(f("report_warm_s") <= 0.5 && f("report_warm_s") <= f("sqlite_report_s")),
        ),
        (
            "report cold (s)".into(),
            format!("{:.3}", f("report_cold_s")),
            "".into(),
            "".into(),
            "≤ 1.5".into(),
            verdict(f("report_cold_s") <= 1.5),
        ),
        (
            "peak RSS, any command (MB)".into(),
            format!("{:.0}", peak_rss),
            "".into(),
            "".into(),
            "≤ 300".into(),
            verdict(peak_rss <= 300.0),
        ),
        (
            "verify (events/s)".into(),
            format!("{:.0}", f("verify_eps")),
            "".into(),
            "".into(),
            "≥ 1,500,000".into(),
            verdict(f("verify_eps") >= 1_500_000.0),
        ),
        (
            "one recording command (ms)".into(),
            format!("{:.1}", f("append_ms")),
            format!("{:.1}", f("sqlite_append_ms")),
            format!("{:.2}", f("append_ms") / f("sqlite_append_ms")),
            "≤ 40".into(),
            verdict(f("append_ms") <= 40.0),
        ),
        (
            "batch (commands/s)".into(),
            format!("{:.0}", f("batch_cps")),
            format!("{:.0}", f("sqlite_batch_cps")),
            format!("{:.2}", f("batch_cps") / f("sqlite_batch_cps")),
            "≥ SQLite".into(),
            verdict(f("batch_cps") >= f("sqlite_batch_cps")),
        ),
        (
            "one project's history (ms)".into(),
            format!("{:.1}", f("history_ms")),
            format!("{:.1}", f("sqlite_history_ms")),
            format!("{:.2}", f("history_ms") / f("sqlite_history_ms")),
            "≤ 30".into(),
            verdict(f("history_ms") <= 30.0),
        ),
        (
            "history full ÷ 10k store".into(),
            format!("{:.2}", f("history_ms") / f("history_small_ms")),
            "".into(),
            "".into(),
            "≤ 1.5".into(),
            verdict(f("history_ms") / f("history_small_ms") <= 1.5),
        ),
        (
            "open (ms)".into(),
            format!("{:.1}", f("open_ms")),
            "".into(),
            "".into(),
            "≤ 30".into(),
            verdict(f("open_ms") <= 30.0),
        ),
        (
            "floor: decode the export (s)".into(),
            format!("{:.3}", f("floor_decode_s")),
            "".into(),
            "".into(),
            "".into(),
            "",
        ),
        ("floor: fsync (µs)".into(), format!("{:.0}", f("fsync_us")), "".into(), "".into(), "".into(), ""),
    ];
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::ASCII_MARKDOWN);
    table.set_header(["measure", "selfeval", "SQLite", "selfeval ÷ SQLite", "target", "result"]);
    for (a, b, c, d, e, g) in rows {
        table.add_row([a, b, c, d, e, g.to_owned()]);
    }
    println!(
        "\n{} events{}; same report as SQLite: {}; page cache dropped for cold runs: {}\n\n{table}",
        r["events"],
        if quick { " (quick: the harness only, no target asserted)" } else { "" },
        r["same_report_as_sqlite"],
        r["page_cache_dropped"]
    );
}

/// The figures of `selfeval serve` against the targets of issue 29.
fn print_serve_table(r: &serde_json::Value, quick: bool) {
    let f = |k: &str| r[k].as_f64().unwrap_or(f64::NAN);
    let verdict = |ok: bool| match (quick, ok) {
        (true, _) => "—",
        (false, true) => "PASS",
        (false, false) => "FAIL",
    };
    let latency = |label: &str, key: &str, most: f64| {
        let (p50, p95) = (f(&format!("serve_{key}_p50_ms")), f(&format!("serve_{key}_p95_ms")));
        [label.to_owned(), format!("{p50:.1} / {p95:.1}"), format!("p95 ≤ {most:.0}"), verdict(p95 <= most).to_owned()]
    };
    let rows = [
        [
            "first page (s: the state replayed)".to_owned(),
            format!("{:.2}", f("serve_first_page_s")),
            "".into(),
            "".into(),
        ],
        latency("GET /projects/{code} (ms, p50 / p95)", "project", 50.0),
        latency("GET /trace/{code}/{figure} (ms)", "trace", 50.0),
        latency("GET / (ms)", "overview", 100.0),
        latency("a history page (ms)", "history", 100.0),
        [
            "/projects/{code}, 32 connections (requests/s)".to_owned(),
            format!("{:.0}", f("serve_rps_32")),
            "≥ 1,000".into(),
            verdict(f("serve_rps_32") >= 1000.0).to_owned(),
        ],
        [
            "server RSS (MB, peak / at the end)".to_owned(),
            format!("{:.0} / {:.0}", f("serve_rss_peak_mb"), f("serve_rss_mb")),
            "≤ 300".into(),
            verdict(f("serve_rss_peak_mb") <= 300.0).to_owned(),
        ],
    ];
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::ASCII_MARKDOWN);
    table.set_header(["selfeval serve", "measured", "target", "result"]);
    for row in rows {
        table.add_row(row);
    }
    println!("\n{table}");
}

/// `xtask rss PROGRAM ARGS…`: runs a program and prints its peak RSS.
pub fn rss(args: &[String]) -> Result<(), String> {
    let (program, rest) = args.split_first().ok_or("rss needs a program")?;
    let status = Command::new(program).args(rest).status().map_err(|e| format!("cannot run {program}: {e}"))?;
    let usage =
        nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN).map_err(|e| e.to_string())?;
    eprintln!("maxrss_kb={}", usage.max_rss());
    status.success().then_some(()).ok_or_else(|| format!("{program} exited with {status}"))
}

/// `xtask floor-decode EXPORT`: the least a replay can cost: read the
/// export and decode every event into its typed payload.
pub fn floor_decode(export: &Path) -> Result<(), String> {
    use std::io::BufRead;
    let file = std::fs::File::open(export).map_err(|e| e.to_string())?;
    let mut reader = std::io::BufReader::with_capacity(1 << 20, file);
    let mut line = Vec::new();
    let mut decoded = 0u64;
    while reader.read_until(b'\n', &mut line).map_err(|e| e.to_string())? > 0 {
        let trimmed = line.strip_suffix(b"\n").unwrap_or(&line);
        if let Ok((_, body)) = selfeval_ledger::format::split_line(trimmed) {
            let envelope = selfeval_ledger::format::Envelope::decode(body)?;
            selfeval_core::EventPayload::decode(&envelope.event_type, envelope.schema_version, &envelope.payload)
                .map_err(|e| e.to_string())?;
            decoded += 1;
        }
        line.clear();
    }
    std::hint::black_box(decoded);
    Ok(())
}
