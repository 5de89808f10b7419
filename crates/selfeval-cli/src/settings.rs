//! Every `SELFEVAL_*` environment variable, read once, here and nowhere
//! else. A command-line flag wins over its variable.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use selfeval_ledger::{LedgerSettings, Location, PgLogin, Signer};

/// The store directory when neither `--store` nor `SELFEVAL_STORE` names one.
pub const DEFAULT_STORE: &str = "selfeval-data";

/// What the environment and the global flags say.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The store directory (`--store`, `SELFEVAL_STORE`), as given.
    pub store: PathBuf,
    /// Where the store is: that directory, or a PostgreSQL ledger when it
    /// is a `postgres://` URL.
    pub location: Location,
    /// Who is acting (`--actor`, `SELFEVAL_ACTOR`).
    pub actor: Option<String>,
    /// The actor typed on the command line, if any (a filter for `history`).
    pub actor_flag: Option<String>,
    /// Output JSON.
    pub json: bool,
    /// The clock: fixed by `SELFEVAL_NOW` (in builds for tests), else the system's.
    pub fixed_now: Option<DateTime<Utc>>,
    /// `SELFEVAL_NOW` was set and ignored (a release build).
    pub ignored_now: bool,
    /// How the ledger behaves (`SELFEVAL_BUSY_TIMEOUT`, `SELFEVAL_SNAPSHOT_AFTER`).
    pub ledger: LedgerSettings,
}

/// A `SELFEVAL_*` variable with a value that cannot be used: a usage
/// error (exit 2), never ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadVariable {
    /// The variable.
    pub name: &'static str,
    /// Its value, as given.
    pub value: String,
    /// What is accepted.
    pub accepted: &'static str,
}

impl std::fmt::Display for BadVariable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = if self.name.starts_with("--") { "参数" } else { "环境变量" };
        write!(f, "{kind} {}：「{}」无法使用；可接受：{}", self.name, self.value, self.accepted)
    }
}

/// The longest wait for a busy store that `SELFEVAL_BUSY_TIMEOUT` may ask for.
const MAX_BUSY_SECONDS: f64 = 3600.0;

impl Settings {
    /// Reads the environment once, under the global flags.
    pub fn read(store_flag: Option<PathBuf>, actor_flag: Option<String>, json: bool) -> Result<Settings, BadVariable> {
        Settings::from_vars(store_flag, actor_flag, json, |name| std::env::var_os(name))
    }

    /// The settings given a way to look variables up (tests pass a map).
    pub fn from_vars(
        store_flag: Option<PathBuf>,
        actor_flag: Option<String>,
        json: bool,
        var: impl Fn(&str) -> Option<OsString>,
    ) -> Result<Settings, BadVariable> {
        // An empty variable counts as unset, as it does for clap and most tools.
        let var = |name: &str| var(name).filter(|v| !v.is_empty());
        let text = |name: &'static str, accepted: &'static str| -> Result<Option<String>, BadVariable> {
            match var(name) {
                None => Ok(None),
                Some(value) => value.into_string().map(Some).map_err(|value| BadVariable {
                    name,
                    value: value.to_string_lossy().into_owned(),
                    accepted,
                }),
            }
        };
        let defaults = LedgerSettings::default();
        const SECONDS: &str = "0 至 3600 之间的秒数，如 10 或 0.5";
        let busy_wait = match text("SELFEVAL_BUSY_TIMEOUT", SECONDS)? {
            None => defaults.busy_wait,
            Some(value) => match value.trim().parse::<f64>() {
                Ok(s) if s.is_finite() && (0.0..=MAX_BUSY_SECONDS).contains(&s) => Duration::from_secs_f64(s),
                _ => return Err(BadVariable { name: "SELFEVAL_BUSY_TIMEOUT", value, accepted: SECONDS }),
            },
        };
        const COUNT: &str = "正整数（事件个数），如 10000";
        let snapshot_after = match text("SELFEVAL_SNAPSHOT_AFTER", COUNT)? {
            None => defaults.snapshot_after,
            Some(value) => match value.trim().parse::<u64>() {
                Ok(n) if n > 0 => n,
                _ => return Err(BadVariable { name: "SELFEVAL_SNAPSHOT_AFTER", value, accepted: COUNT }),
            },
        };
        const TIME: &str = "RFC 3339 时间，如 2025-03-01T09:00:00+08:00（仅测试构建使用）";
        let fixed_now = match text("SELFEVAL_NOW", TIME)? {
            None => None,
            Some(value) => match DateTime::parse_from_rfc3339(value.trim()) {
                Ok(t) => Some(t.to_utc()),
                Err(_) => return Err(BadVariable { name: "SELFEVAL_NOW", value, accepted: TIME }),
            },
        };
        let actor = match actor_flag.clone() {
            Some(actor) => Some(actor),
            None => text("SELFEVAL_ACTOR", "姓名@科室，如 张三@应急救援科")?,
        };
        let from_flag = store_flag.is_some();
        let store =
            store_flag.or_else(|| var("SELFEVAL_STORE").map(PathBuf::from)).unwrap_or_else(|| DEFAULT_STORE.into());
        const STORE: &str = "目录，或 postgres://用户@主机:端口/数据库?ledger=账本名";
        let location = match store.to_str() {
            Some(text) => Location::parse(text).map_err(|why| BadVariable {
                name: if from_flag { "--store" } else { "SELFEVAL_STORE" },
                value: format!("{}（{why}）", selfeval_ledger::redact(text)),
                accepted: STORE,
            })?,
            None => Location::Dir(store.clone()),
        };
        // A PostgreSQL password never comes from a flag (it would stay in
        // the shell's history): the URL, PGPASSWORD, or the password file
        // (PGPASSFILE, else ~/.pgpass), searched for each location.
        let pg_login = PgLogin {
            password: text("PGPASSWORD", "口令文本")?,
            password_file: var("PGPASSFILE")
                .map(PathBuf::from)
                .or_else(|| var("HOME").map(|home| PathBuf::from(home).join(".pgpass"))),
        };
        Ok(Settings {
            store,
            location,
            actor,
            actor_flag,
            json,
            // A release build records only the system clock's time.
            fixed_now: fixed_now.filter(|_| FIXED_CLOCK_ALLOWED),
            ignored_now: fixed_now.is_some() && !FIXED_CLOCK_ALLOWED,
            ledger: LedgerSettings {
                busy_wait,
                snapshot_after,
                // The signing key: SELFEVAL_KEY (a command's --key wins),
                // else the ssh-agent.
                signer: Signer {
                    key_file: var("SELFEVAL_KEY").map(PathBuf::from),
                    agent: var("SSH_AUTH_SOCK").map(PathBuf::from),
                },
                // A PostgreSQL password never comes from a flag (it would
                // stay in the shell's history): the URL, PGPASSWORD, or the
                // password file (PGPASSFILE, else ~/.pgpass) as libpq reads it.
                pg_login,
            },
        })
    }

    /// The time now, by the clock in force.
    pub fn now(&self) -> DateTime<Utc> {
        self.fixed_now.unwrap_or_else(Utc::now)
    }
}

/// Whether `SELFEVAL_NOW` may fix the clock: only in builds made for tests
/// (debug builds); a release build records the system clock's time.
pub const FIXED_CLOCK_ALLOWED: bool = cfg!(debug_assertions);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_win_over_variables_and_defaults_fill_the_rest() {
        let vars = |name: &str| match name {
            "SELFEVAL_STORE" => Some(OsString::from("/from/env")),
            "SELFEVAL_ACTOR" => Some(OsString::from("环境@办公室")),
            "SELFEVAL_BUSY_TIMEOUT" => Some(OsString::from("2.5")),
            "SELFEVAL_KEY" => Some(OsString::from("/keys/env")),
            "SSH_AUTH_SOCK" => Some(OsString::from("/tmp/agent.sock")),
            _ => None,
        };
        let s = Settings::from_vars(Some("/flag".into()), None, false, vars).unwrap();
        assert_eq!(s.ledger.signer.key_file, Some(PathBuf::from("/keys/env")));
        assert_eq!(s.ledger.signer.agent, Some(PathBuf::from("/tmp/agent.sock")));
        assert_eq!(s.store, PathBuf::from("/flag"));
        assert_eq!(s.actor.as_deref(), Some("环境@办公室"));
        assert_eq!(s.actor_flag, None);
        assert_eq!(s.ledger.busy_wait, Duration::from_millis(2500));
        assert_eq!(s.ledger.snapshot_after, 10_000);
        let s = Settings::from_vars(None, Some("旗@科".into()), true, |_| None).unwrap();
        assert_eq!(s.store, PathBuf::from(DEFAULT_STORE));
        assert_eq!((s.actor.as_deref(), s.actor_flag.as_deref()), (Some("旗@科"), Some("旗@科")));
        assert_eq!(s.fixed_now, None);
    }

    #[test]
    fn a_postgres_login_comes_from_pgpassword_and_the_password_file_never_a_flag() {
        let url = "postgres://zhaojing@db.example:5432/selfeval?ledger=某局-2024";
        let vars = |name: &str| match name {
            "PGPASSWORD" => Some(OsString::from("from-env")),
            "HOME" => Some(OsString::from("/home/zhao")),
            _ => None,
        };
        let s = Settings::from_vars(Some(url.into()), None, false, vars).unwrap();
        assert_eq!(s.ledger.pg_login.password.as_deref(), Some("from-env"));
        assert_eq!(s.ledger.pg_login.password_file, Some(PathBuf::from("/home/zhao/.pgpass")));
        assert!(!format!("{:?}", s.ledger).contains("from-env"), "a password in Debug output");
        let s = Settings::from_vars(Some(url.into()), None, false, |n| {
            (n == "PGPASSFILE").then(|| OsString::from("/etc/selfeval/pgpass"))
        })
        .unwrap();
        assert_eq!(s.ledger.pg_login.password, None);
        assert_eq!(s.ledger.pg_login.password_file, Some(PathBuf::from("/etc/selfeval/pgpass")));
        match s.location {
            Location::Postgres(pg) => assert_eq!(pg.ledger, "某局-2024"),
            other => panic!("{other:?}"),
        }
        // A URL that cannot be used is refused without quoting its password.
        let bad =
            Settings::from_vars(Some("postgres://x:s3cret@h/db?ledger=".into()), None, false, |_| None).unwrap_err();
        assert_eq!(bad.name, "--store");
        assert!(bad.to_string().starts_with("参数 --store："), "{bad}");
        assert!(!bad.to_string().contains("s3cret"), "{bad}");
    }

    #[test]
    fn malformed_variables_are_usage_errors() {
        for (name, value) in [
            ("SELFEVAL_BUSY_TIMEOUT", "abc"),
            ("SELFEVAL_BUSY_TIMEOUT", "1e20"),
            ("SELFEVAL_BUSY_TIMEOUT", "-1"),
            ("SELFEVAL_SNAPSHOT_AFTER", "0"),
            ("SELFEVAL_NOW", "1970"),
        ] {
            let error = Settings::from_vars(None, None, false, |n| (n == name).then(|| OsString::from(value)));
            let error = error.unwrap_err();
            assert_eq!((error.name, error.value.as_str()), (name, value));
        }
    }
}
