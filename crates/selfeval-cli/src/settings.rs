//! Every `SELFEVAL_*` environment variable, read once, here and nowhere
//! else. A command-line flag wins over its variable.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use selfeval_ledger::LedgerSettings;

/// The store directory when neither `--store` nor `SELFEVAL_STORE` names one.
pub const DEFAULT_STORE: &str = "selfeval-data";

/// What the environment and the global flags say.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The store directory (`--store`, `SELFEVAL_STORE`).
    pub store: PathBuf,
    /// Who is acting (`--actor`, `SELFEVAL_ACTOR`).
    pub actor: Option<String>,
    /// The actor typed on the command line, if any (a filter for `history`).
    pub actor_flag: Option<String>,
    /// Output JSON.
    pub json: bool,
    /// The clock: fixed by `SELFEVAL_NOW` (for tests), else the system's.
    pub fixed_now: Option<DateTime<Utc>>,
    /// How the ledger behaves (`SELFEVAL_BUSY_TIMEOUT`, `SELFEVAL_SNAPSHOT_AFTER`).
    pub ledger: LedgerSettings,
}

impl Settings {
    /// Reads the environment once, under the global flags.
    pub fn read(store_flag: Option<PathBuf>, actor_flag: Option<String>, json: bool) -> Settings {
        Settings::from_vars(store_flag, actor_flag, json, |name| std::env::var_os(name))
    }

    /// The settings given a way to look variables up (tests pass a map).
    pub fn from_vars(
        store_flag: Option<PathBuf>,
        actor_flag: Option<String>,
        json: bool,
        var: impl Fn(&str) -> Option<OsString>,
    ) -> Settings {
        // An empty variable counts as unset, as it does for clap and most tools.
        let var = |name: &str| var(name).filter(|v| !v.is_empty());
        let text = |name: &str| var(name).and_then(|v| v.into_string().ok());
        let defaults = LedgerSettings::default();
        let busy_wait = text("SELFEVAL_BUSY_TIMEOUT")
            .and_then(|s| s.parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map_or(defaults.busy_wait, Duration::from_secs_f64);
        let snapshot_after =
            text("SELFEVAL_SNAPSHOT_AFTER").and_then(|s| s.parse().ok()).unwrap_or(defaults.snapshot_after);
        Settings {
            store: store_flag
                .or_else(|| var("SELFEVAL_STORE").map(PathBuf::from))
                .unwrap_or_else(|| DEFAULT_STORE.into()),
            actor: actor_flag.clone().or_else(|| text("SELFEVAL_ACTOR")),
            actor_flag,
            json,
            fixed_now: text("SELFEVAL_NOW").and_then(|t| DateTime::parse_from_rfc3339(&t).ok()).map(|t| t.to_utc()),
            ledger: LedgerSettings { busy_wait, snapshot_after },
        }
    }

    /// The time now, by the clock in force.
    pub fn now(&self) -> DateTime<Utc> {
        self.fixed_now.unwrap_or_else(Utc::now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_win_over_variables_and_defaults_fill_the_rest() {
        let vars = |name: &str| match name {
            "SELFEVAL_STORE" => Some(OsString::from("/from/env")),
            "SELFEVAL_ACTOR" => Some(OsString::from("环境@办公室")),
            "SELFEVAL_BUSY_TIMEOUT" => Some(OsString::from("2.5")),
            _ => None,
        };
        let s = Settings::from_vars(Some("/flag".into()), None, false, vars);
        assert_eq!(s.store, PathBuf::from("/flag"));
        assert_eq!(s.actor.as_deref(), Some("环境@办公室"));
        assert_eq!(s.actor_flag, None);
        assert_eq!(s.ledger.busy_wait, Duration::from_millis(2500));
        assert_eq!(s.ledger.snapshot_after, 10_000);
        let s = Settings::from_vars(None, Some("旗@科".into()), true, |_| None);
        assert_eq!(s.store, PathBuf::from(DEFAULT_STORE));
        assert_eq!((s.actor.as_deref(), s.actor_flag.as_deref()), (Some("旗@科"), Some("旗@科")));
        assert_eq!(s.fixed_now, None);
    }
}
