//! The example department: the seed report (`shared/seed-report.txt`) as it
//! stands, recorded as the commands its staff would have typed (the data
//! is `demo/department.jsonl`, embedded in the binary).
//!
//! Its money and scores are the seed's: four budget lines (10.00 万元 in
//! all), 58.79 万元 executed, three scored projects (98, 100, 98). Its
//! narrative paragraphs are recorded verbatim, contradictions included, so
//! that the checks have something to find.

use selfeval_core::Command;

/// One step of the demo: who typed which command, when and why.
#[derive(Debug, Clone)]
pub struct DemoStep {
    /// The actor.
    pub actor: &'static str,
    /// The reason, if any.
    pub reason: Option<&'static str>,
    /// When it happened (RFC 3339).
    pub occurred_at: &'static str,
    /// The command.
    pub command: Command,
    /// Recorded with `--as-printed` (the audit demo's published table).
    pub as_printed: bool,
}

/// The demo department's steps, one JSON object a line (see the file).
const DEPARTMENT: &str = include_str!("demo/department.jsonl");

/// A line of a demo data file: when, who, why and the command.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Line<'a> {
    at: &'a str,
    actor: &'a str,
    #[serde(borrow, default)]
    reason: Option<&'a str>,
    #[serde(rename = "do")]
    command: Command,
}

/// The steps of a demo data file embedded in the binary: every line but
/// blank ones and `#` comments. A line that does not read is a defect of
/// the build (the demo tests read every line), hence the panic naming it.
fn steps_of(data: &'static str) -> Vec<DemoStep> {
    let step = |(number, text): (usize, &'static str)| {
        let line: Line<'static> =
            serde_json::from_str(text).unwrap_or_else(|e| panic!("demo data line {}: {e}", number.saturating_add(1)));
        DemoStep {
            actor: line.actor,
            reason: line.reason,
            occurred_at: line.at,
            command: line.command,
            as_printed: false,
        }
    };
    data.lines().enumerate().filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#')).map(step).collect()
}

/// The seed department's commands, in the order they were recorded.
pub fn seed_department() -> Vec<DemoStep> {
    steps_of(DEPARTMENT)
}

/// The command id prefix of the demo's deterministic command ids.
pub const DEMO_PREFIX: &str = "demo-";

/// What [`Ledger::seed_demo`] did.
#[derive(Debug)]
pub struct Seeded {
    /// How many commands it recorded now (0 when the demo was complete).
    pub written: usize,
    /// The state of the demo ledger afterwards.
    pub state: selfeval_core::State,
}

impl crate::Ledger {
    /// Records the demo department's commands that this ledger does not
    /// have yet, each under a deterministic command id, so that running it
    /// again writes nothing. `recorded_at` is the clock's time. A ledger
    /// that holds other data is refused.
    pub fn seed_demo(&mut self, recorded_at: chrono::DateTime<chrono::Utc>) -> Result<Seeded, crate::LedgerError> {
        self.seed(seed_department(), DEMO_PREFIX, recorded_at)
    }

    pub(crate) fn seed(
        &mut self,
        steps: Vec<DemoStep>,
        prefix: &str,
        recorded_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<Seeded, crate::LedgerError> {
        let first = format!("{prefix}0000");
        if !self.is_empty() && self.store.command_seqs(&first)?.is_none() {
            return Err(crate::LedgerError::NotDemo(self.path().to_owned()));
        }
        let state = self.replay(None)?.state;
        if state.governance().signatures_required.is_some() {
            // The demo's people have no keys: it would write unsigned commands.
            return Err(crate::LedgerError::Invalid {
                field: "--store".into(),
                message: format!(
                    "库 {} 要求每条命令签名，示范数据的人员没有密钥，不能写入；可接受：空目录或未要求签名的示范库",
                    self.path().display()
                ),
            });
        }
        // The steps not recorded yet, each under its deterministic id.
        let mut items = Vec::new();
        let mut numbers = Vec::new();
        for (i, step) in steps.into_iter().enumerate() {
            let command_id = format!("{prefix}{i:04}");
            if self.store.command_seqs(&command_id)?.is_some() {
                continue;
            }
            let occurred_at = chrono::DateTime::parse_from_rfc3339(step.occurred_at)
                .map_err(|e| crate::LedgerError::Internal(format!("内部错误：示范数据第{i}步的时间无效：{e}")))?
                .to_utc();
            let meta = selfeval_core::Meta {
                actor: step.actor.to_owned(),
                reason: step.reason.map(str::to_owned),
                occurred_at,
                recorded_at,
            };
            let mut request = selfeval_core::Request::new(meta, step.command);
            request.at = Some(occurred_at);
            if step.as_printed {
                request.as_printed = Some(Vec::new());
                request.confirm_large = true;
            }
            items.push(crate::record::Item { request, command_id: Some(command_id), key: None });
            numbers.push(i);
        }
        let written = match self.record_each(&items, |_| Ok(()))? {
            Ok(written) => written,
            Err((k, crate::LedgerError::Rejected(r))) => {
                return Err(crate::LedgerError::Internal(format!("内部错误：示范数据第{}步被拒绝：{r}", numbers[k])))
            }
            Err((_, error)) => return Err(error),
        };
        let state = if written == 0 { state } else { self.replay(None)?.state };
        Ok(Seeded { written, state })
    }
}

/// The demo department in a fresh temporary store, for the crate's tests:
/// the directory (removed when dropped), the location and the ledger.
#[cfg(test)]
pub(crate) fn demo_in_temp() -> (tempfile::TempDir, crate::Location, crate::Ledger) {
    use chrono::TimeZone;
    let dir = tempfile::tempdir().unwrap();
    let location = crate::Location::Dir(dir.path().join("store"));
    let mut ledger = crate::Ledger::open(&location, &crate::LedgerSettings::default(), crate::Purpose::Create).unwrap();
    ledger.seed_demo(chrono::Utc.with_ymd_and_hms(2025, 1, 10, 2, 0, 0).unwrap()).unwrap();
    (dir, location, ledger)
}
