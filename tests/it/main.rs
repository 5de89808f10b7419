//! End-to-end tests: the real `selfeval` binary, each test in a fresh temp
//! directory with a clean environment and a fixed clock. A failing command
//! prints its arguments, stdout, stderr and exit code.

#![allow(missing_docs)] // test helpers, documented by their names

mod audit;
mod batch;
mod demo;
mod documents;
mod judge;
mod leftovers;
mod postgres;
mod questions;
mod reading;
mod recording;
mod roles;
mod rules;
mod serve;
mod silent;
mod store;
mod surface;
mod trust;

use std::path::{Path, PathBuf};
use std::process::Output;

/// The fixed clock of every test.
pub const NOW: &str = "2025-03-01T09:00:00+08:00";
pub const ACTOR: &str = "张三@应急救援科";

/// The demo's office member and one of its section members.
pub const DEMO_OFFICE: &str = "赵静@领导小组办公室";
/// The demo's member of 应急救援科, which implements P02.
pub const DEMO_RESCUE: &str = "王敏@应急救援科";

pub struct Env {
    pub dir: tempfile::TempDir,
    /// The URL of this test's own PostgreSQL ledger, when it runs there.
    pub pg: Option<String>,
}

pub struct Run {
    pub args: Vec<String>,
    pub output: Output,
}

impl Run {
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    pub fn code(&self) -> i32 {
        self.output.status.code().unwrap_or(-1)
    }

    fn explain(&self) -> String {
        format!(
            "selfeval {}\n--- exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.args.join(" "),
            self.code(),
            self.stdout(),
            self.stderr()
        )
    }
}

impl Default for Env {
    /// A fresh store: a directory, or, when the suite runs on PostgreSQL
    /// (`SELFEVAL_TEST_BACKEND=postgres`, as `cargo xtask ci`'s second
    /// pass does), a new ledger of the test database.
    fn default() -> Self {
        if std::env::var("SELFEVAL_TEST_BACKEND").as_deref() == Ok("postgres") {
            return Env::on_postgres().expect("SELFEVAL_TEST_BACKEND=postgres needs SELFEVAL_TEST_PG");
        }
        Env::in_dir()
    }
}

impl Env {
    pub fn new() -> Env {
        Env::default()
    }

    /// A store in a directory whatever the backend of the suite: for what
    /// only a directory has (its files, its lock, a read-only copy).
    pub fn in_dir() -> Env {
        Env { dir: tempfile::tempdir().unwrap(), pg: None }
    }

    pub fn store(&self) -> PathBuf {
        self.dir.path().join("store")
    }

    /// The PostgreSQL server under test (`cargo xtask ci` starts one), if
    /// any; where `SELFEVAL_PG_REQUIRED` is set its absence fails.
    pub fn pg_server() -> Option<String> {
        match std::env::var("SELFEVAL_TEST_PG") {
            Ok(url) if !url.is_empty() => Some(url),
            _ => {
                assert!(
                    std::env::var_os("SELFEVAL_PG_REQUIRED").is_none(),
                    "SELFEVAL_PG_REQUIRED without SELFEVAL_TEST_PG"
                );
                None
            }
        }
    }

    /// An environment whose store is a new ledger of its own in the test
    /// database, if there is one.
    pub fn on_postgres() -> Option<Env> {
        let url = Env::pg_server()?;
        let ledger = format!("cli-test-{}", uuid::Uuid::now_v7());
        Some(Env { dir: tempfile::tempdir().unwrap(), pg: Some(format!("{url}?ledger={ledger}")) })
    }

    /// What `--store` is: the directory, or this test's ledger's URL.
    pub fn store_arg(&self) -> String {
        match &self.pg {
            Some(url) => url.clone(),
            None => self.store().display().to_string(),
        }
    }

    pub fn command(&self) -> std::process::Command {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_selfeval"));
        command
            .env_clear()
            .env("SELFEVAL_STORE", self.store_arg())
            .env("SELFEVAL_NOW", NOW)
            .env("SELFEVAL_BUSY_TIMEOUT", "2")
            .current_dir(self.dir.path());
        command
    }

    pub fn run(&self, args: &[&str]) -> Run {
        let output = self.command().args(args).output().unwrap();
        Run { args: args.iter().map(|a| a.to_string()).collect(), output }
    }

    /// Runs as the test actor.
    pub fn act(&self, args: &[&str]) -> Run {
        let mut full = vec!["--actor", ACTOR];
        full.extend_from_slice(args);
        self.run(&full)
    }

    /// Runs as `actor`; must succeed.
    pub fn ok_as(&self, actor: &str, args: &[&str]) -> String {
        let mut full = vec!["--actor", actor];
        full.extend_from_slice(args);
        let run = self.run(&full);
        assert_eq!(run.code(), 0, "{}", run.explain());
        run.stdout()
    }

    /// On the demo (77 events, P02 approved and so locked): the office
    /// reopens P02 (#78) and its section records 0.5 more spending (#79).
    pub fn demo_spend_on_p02(&self) {
        self.ok_as(DEMO_OFFICE, &["reopen", "P02", "--reason", "补记年末支出"]);
        self.ok_as(DEMO_RESCUE, &["spend", "P02", "--amount", "0.5", "--date", "2024-12-30"]);
    }

    /// Runs as the test actor; must succeed.
    pub fn ok(&self, args: &[&str]) -> String {
        let run = self.act(args);
        assert_eq!(run.code(), 0, "{}", run.explain());
        run.stdout()
    }

    /// Runs; must fail with `code`, leave the log head where it was, and
    /// say `expected` on stderr.
    pub fn fails(&self, args: &[&str], code: i32, expected: &str) -> Run {
        let before = self.head();
        let run = self.act(args);
        assert_eq!(run.code(), code, "{}", run.explain());
        assert!(run.stderr().contains(expected), "expected 「{expected}」\n{}", run.explain());
        assert_eq!(self.head(), before, "a refused command moved the log head\n{}", run.explain());
        run
    }

    /// The log head `(events, hash)`, or `None` without a store.
    pub fn head(&self) -> Option<(u64, String)> {
        if self.pg.is_none() && !self.store().exists() {
            return None;
        }
        let run = self.run(&["verify", "--json"]);
        if self.pg.is_some() && run.code() == 1 && run.stderr().contains("库不存在") {
            return None;
        }
        assert_eq!(run.code(), 0, "{}", run.explain());
        let value: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
        Some((value["events"].as_u64().unwrap(), value["head_hash"].as_str().unwrap().to_owned()))
    }

    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let stdout = self.ok(args);
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
    }

    /// Defines a quantitative indicator of P01 (二级 数量指标); must succeed.
    pub fn indicator(&self, code: &str, level1: &str, name: &str, target: &str, weight: &str) -> String {
        self.ok(&[
            "indicator",
            "add",
            "P01",
            code,
            "--level1",
            level1,
            "--level2",
            "数量指标",
            "--name",
            name,
            "--target",
            target,
            "--weight",
            weight,
        ])
    }

    /// A department with one project, P01, with a 6.00 budget.
    pub fn with_project() -> Env {
        Env::with_project_on(Env::new())
    }

    /// [`Env::with_project`] in a directory whatever the suite's backend.
    pub fn with_project_in_dir() -> Env {
        Env::with_project_on(Env::in_dir())
    }

    fn with_project_on(env: Env) -> Env {
        env.ok(&["init", "--department", "某市应急管理局", "--year", "2024"]);
        env.ok(&["project", "add", "P01", "--name", "应急救援能力建设资金", "--section", "应急救援科"]);
        env.ok(&["budget", "set", "P01", "--amount", "6", "--reason", "年初批复"]);
        env
    }
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test_data").join(name)
}
