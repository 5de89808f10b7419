//! Real processes: appenders killed with SIGKILL, and many writers at once.
//! The children are this test binary itself, run in a child mode.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

use selfeval_store::{ExpectedVersion, OpenOptions, Store};

use crate::batch;

const CHILD: &str = "SELFEVAL_TEST_CHILD";
const STORE: &str = "SELFEVAL_TEST_STORE";
const TAG: &str = "SELFEVAL_TEST_TAG";
const BATCH: usize = 3;

fn child(test: &str, mode: &str, store: &std::path::Path, tag: &str) -> Command {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(CHILD, mode)
        .env(STORE, store)
        .env(TAG, tag)
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    command
}

/// Child mode: append batches of three forever, printing each acknowledged one.
#[test]
fn child_append_loop() {
    if std::env::var(CHILD).as_deref() != Ok("append-loop") {
        return;
    }
    let dir = std::env::var(STORE).unwrap();
    let tag = std::env::var(TAG).unwrap();
    let mut store = Store::open(dir.as_ref(), &OpenOptions::default()).unwrap();
    for i in 0..100_000 {
        let command_id = format!("{tag}-{i}");
        let appended = store.append(&batch("project/P01", ExpectedVersion::Any, &command_id, BATCH)).unwrap().unwrap();
        let seqs: Vec<String> = appended.seqs.iter().map(u64::to_string).collect();
        println!("ACK {command_id} {}", seqs.join(","));
    }
}

/// Child mode: 25 appends, each opening and closing the store.
#[test]
fn child_one_at_a_time() {
    if std::env::var(CHILD).as_deref() != Ok("one-at-a-time") {
        return;
    }
    let dir = std::env::var(STORE).unwrap();
    let tag = std::env::var(TAG).unwrap();
    let options = OpenOptions { wait: Duration::from_secs(60), ..OpenOptions::default() };
    for i in 0..25 {
        let mut store = Store::open(dir.as_ref(), &options).unwrap();
        store
            .append(&batch(&format!("project/{tag}"), ExpectedVersion::Any, &format!("{tag}-{i}"), 1))
            .unwrap()
            .unwrap();
    }
}

/// A small deterministic generator seeded from the clock (printed on failure).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % below
    }
}

#[test]
fn appenders_killed_at_random_moments_lose_no_acknowledged_batch() {
    if std::env::var(CHILD).is_ok() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let seed = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_nanos() as u64;
    let mut random = Lcg(seed);
    let mut acknowledged: Vec<(String, Vec<u64>)> = Vec::new();
    for round in 0..30 {
        let mut process =
            child("processes::child_append_loop", "append-loop", dir.path(), &format!("r{round}")).spawn().unwrap();
        let stdout = process.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            BufReader::new(stdout).lines().map_while(Result::ok).filter(|l| l.starts_with("ACK ")).collect::<Vec<_>>()
        });
        std::thread::sleep(Duration::from_millis(40 + random.next(400)));
        process.kill().unwrap(); // SIGKILL
        process.wait().unwrap();
        for line in reader.join().unwrap() {
            let mut parts = line.split(' ').skip(1);
            let command = parts.next().unwrap().to_owned();
            let seqs = parts.next().unwrap().split(',').map(|s| s.parse().unwrap()).collect();
            acknowledged.push((command, seqs));
        }
    }
    let store = Store::open(dir.path(), &OpenOptions::default()).unwrap();
    let verified = store.verify().unwrap().unwrap_or_else(|b| panic!("seed {seed}: chain broken: {b}"));
    assert!(acknowledged.len() > 30, "seed {seed}: the children appended too little to test ({})", acknowledged.len());
    for (command, seqs) in &acknowledged {
        assert_eq!(
            store.command_seqs(command).unwrap().as_ref(),
            Some(seqs),
            "seed {seed}: acknowledged {command} lost"
        );
    }
    let events: Vec<_> = store.events_from(1).map(Result::unwrap).collect();
    assert_eq!(events.len() as u64, verified.events);
    for group in events.chunk_by(|a, b| a.envelope.command_id == b.envelope.command_id) {
        assert_eq!(group.len(), BATCH, "seed {seed}: batch {} is partial", group[0].envelope.command_id);
    }
}

#[test]
fn eight_writers_append_exactly_two_hundred_events() {
    if std::env::var(CHILD).is_ok() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let children: Vec<_> = (0..8)
        .map(|w| {
            child("processes::child_one_at_a_time", "one-at-a-time", dir.path(), &format!("W{w}")).spawn().unwrap()
        })
        .collect();
    for mut process in children {
        assert!(process.wait().unwrap().success(), "a writer failed");
    }
    let store = Store::open(dir.path(), &OpenOptions::default()).unwrap();
    let verified = store.verify().unwrap().unwrap();
    assert_eq!(verified.events, 200);
    let seqs: Vec<u64> = store.events_from(1).map(|e| e.unwrap().envelope.seq).collect();
    assert_eq!(seqs, (1..=200).collect::<Vec<_>>());
    for w in 0..8 {
        assert_eq!(store.stream_version(&format!("project/W{w}")).unwrap(), 25);
    }
}

#[test]
fn a_busy_store_fails_after_the_wait() {
    let dir = tempfile::tempdir().unwrap();
    let _held = Store::open(dir.path(), &OpenOptions::default()).unwrap();
    let started = std::time::Instant::now();
    let error = Store::open(dir.path(), &OpenOptions { wait: Duration::from_millis(300), ..OpenOptions::default() })
        .unwrap_err();
    assert!(matches!(error, selfeval_store::StoreError::Busy { .. }), "{error}");
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert!(error.to_string().contains("in use by another process"));
}
