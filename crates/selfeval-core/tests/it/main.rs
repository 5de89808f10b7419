//! The core's integration tests: given/when/then for every command, one
//! firing and one silent test per check, properties of replay and scoring,
//! and the tidy checks of the crate itself. (The seed department's figures
//! are tested beside the seed, in `selfeval-ledger`.)

#![allow(missing_docs)] // test helpers, documented by their names

mod checks;
mod commands;
mod properties;
mod roles;
mod tidy;

use chrono::{DateTime, TimeZone, Utc};
use selfeval_core::check::Finding;
use selfeval_core::{
    evaluate, execute, Command, Executed, Meta, RecordedEvent, Rejection, ReportModel, Request, State,
};

/// A department under test: commands go through `handle`, accepted events
/// are applied and kept as a log.
pub struct World {
    pub state: State,
    pub log: Vec<RecordedEvent>,
    clock: DateTime<Utc>,
    /// The next command runs with `--as-printed` (`ok_as_printed`).
    as_printed: bool,
}

impl Default for World {
    fn default() -> Self {
        World {
            state: State::default(),
            log: Vec::new(),
            clock: Utc.with_ymd_and_hms(2024, 12, 1, 2, 0, 0).unwrap(),
            as_printed: false,
        }
    }
}

impl World {
    /// A world with the year initialised.
    pub fn initialised() -> World {
        let mut world = World::default();
        world.ok(init());
        world
    }

    /// Runs a command without a reason.
    pub fn run(&mut self, command: Command) -> Result<Vec<u64>, Rejection> {
        self.run_as("张三@应急救援科", None, command)
    }

    /// Runs a command with a reason.
    pub fn run_why(&mut self, reason: &str, command: Command) -> Result<Vec<u64>, Rejection> {
        self.run_as("张三@应急救援科", Some(reason), command)
    }

    /// Runs a command as someone, with an optional reason.
    pub fn run_as(&mut self, actor: &str, reason: Option<&str>, command: Command) -> Result<Vec<u64>, Rejection> {
        self.run_confirming(actor, reason, command, false)
    }

    /// Runs a command with `--confirm-large`: a large amount on purpose (or
    /// as a version before the bound recorded it), for the checks that
    /// find one (F9).
    pub fn ok_large(&mut self, reason: Option<&str>, command: Command) -> Vec<u64> {
        let debug = format!("{command:?}");
        self.run_confirming("张三@应急救援科", reason, command, true)
            .unwrap_or_else(|r| panic!("{debug} was rejected: {r}"))
    }

    /// Runs a command with `--as-printed` and a reason: what a published
    /// table printed although the clerk's path refuses it (T2).
    pub fn ok_as_printed(&mut self, reason: &str, command: Command) -> Vec<u64> {
        let debug = format!("{command:?}");
        self.as_printed = true;
        let outcome = self.run_confirming("张三@应急救援科", Some(reason), command, true);
        self.as_printed = false;
        outcome.unwrap_or_else(|r| panic!("{debug} was rejected: {r}"))
    }

    fn run_confirming(
        &mut self,
        actor: &str,
        reason: Option<&str>,
        command: Command,
        confirm_large: bool,
    ) -> Result<Vec<u64>, Rejection> {
        self.clock += chrono::Duration::minutes(1);
        let meta = Meta {
            actor: actor.to_owned(),
            reason: reason.map(str::to_owned),
            occurred_at: self.clock,
            recorded_at: self.clock,
        };
        let next = self.log.len() as u64 + 1;
        let appended = execute(
            &mut self.state,
            &Request { meta, command, confirm_large, as_printed: self.as_printed.then(Vec::new), at: None },
            |payloads| Ok::<_, std::convert::Infallible>((next..next + payloads.len() as u64).collect()),
        );
        match appended {
            Ok(events) => {
                let seqs = events.iter().map(|e| e.seq).collect();
                self.log.extend(events);
                Ok(seqs)
            }
            Err(Executed::Rejected(rejection)) => Err(rejection),
            Err(Executed::NotAppended(never)) => match never {},
        }
    }

    /// Records the approval of `code` as a version before issue 25 wrote
    /// it (`SelfEvaluationApproved` v1, which locks nothing without a
    /// roster): what the checks of changes after an approval (R11, and
    /// every check tested on an approved department and then changed)
    /// still meet in older ledgers.
    pub fn approve_as_before_the_lock(&mut self, code: &str) {
        self.clock += chrono::Duration::minutes(1);
        let meta =
            Meta {
                actor: "张三@应急救援科".into(), reason: None, occurred_at: self.clock, recorded_at: self.clock
            };
        let payload = selfeval_core::EventPayload::SelfEvaluationApproved(selfeval_core::event::Approval {
            project: code.into(),
            locks: false,
        });
        let event = RecordedEvent { seq: self.log.len() as u64 + 1, meta, payload };
        selfeval_core::validate::check_event(&self.state, &event).expect("an approval the rules allow");
        self.state.apply(&event);
        self.log.push(event);
    }

    /// Runs a command that must be accepted.
    pub fn ok(&mut self, command: Command) -> Vec<u64> {
        let debug = format!("{command:?}");
        self.run(command).unwrap_or_else(|r| panic!("{debug} was rejected: {r}"))
    }

    /// Runs a command with a reason that must be accepted.
    pub fn ok_why(&mut self, reason: &str, command: Command) -> Vec<u64> {
        let debug = format!("{command:?}");
        self.run_why(reason, command).unwrap_or_else(|r| panic!("{debug} was rejected: {r}"))
    }

    /// The report model of the current state.
    pub fn report(&self) -> ReportModel {
        ReportModel::build(&self.state, "test-head")
    }

    /// The findings of the checks over the current state.
    pub fn findings(&self) -> Vec<Finding> {
        evaluate(&self.state, "test-head").findings
    }
}

pub fn init() -> Command {
    Command::InitYear { department: "某市应急管理局".into(), year: "2024".into(), profile: None, unit: None }
}

pub fn add_project(code: &str) -> Command {
    Command::AddProject {
        code: code.into(),
        name: format!("项目{code}"),
        category: None,
        section: Some("应急救援科".into()),
        budget_weight: None,
    }
}

pub fn set_budget(code: &str, amount: &str) -> Command {
    Command::SetBudget { project: code.into(), amount: amount.into(), source: None }
}

pub fn spend(code: &str, amount: &str) -> Command {
    Command::RecordExpenditure {
        project: code.into(),
        amount: amount.into(),
        date: "2024-06-30".into(),
        voucher: None,
        memo: None,
        source: None,
    }
}

pub fn indicator(code: &str, icode: &str, level1: &str, target: &str, weight: &str) -> Command {
    Command::DefineIndicator {
        project: code.into(),
        indicator: icode.into(),
        level1: level1.into(),
        level2: "数量指标".into(),
        name: format!("指标{icode}"),
        target: target.into(),
        weight: weight.into(),
    }
}

pub fn actual(code: &str, icode: &str, value: &str) -> Command {
    explained(code, icode, value, None, None)
}

/// An actual with its deviation reason and improvement measure.
pub fn explained(code: &str, icode: &str, value: &str, deviation: Option<&str>, measure: Option<&str>) -> Command {
    Command::RecordActual {
        project: code.into(),
        indicator: icode.into(),
        value: value.into(),
        level: None,
        score: None,
        deviation: deviation.map(str::to_owned),
        measure: measure.map(str::to_owned),
    }
}

pub fn dec(text: &str) -> rust_decimal::Decimal {
    rust_decimal::Decimal::from_str_exact(text).unwrap()
}
