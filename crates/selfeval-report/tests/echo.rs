//! A general guard for "no number changes without the user's word": over
//! random sequences of every recording command kind, the report's JSON after
//! a command differs from the one before only in the figures that command
//! names: the project its events name, the indicator (or `budget`) they name
//! and the kind of figure the event is about (money, an indicator, the
//! workflow status), plus what those figures add up to (the project's total
//! and grade, the department's totals and average). A figure cleared on the
//! way (an actual value, a score set by hand) must be said in the command's
//! echo. Figures are the amounts, rates, scores, grades and statuses under
//! `projects`, `totals` and `average_score`; findings and `as_of` are not.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use selfeval_core::event::EventPayload;
use selfeval_core::{evaluate, handle, RecordedEvent, State};
use serde_json::Value;

#[path = "../../selfeval-ledger/tests/it/commands.rs"]
#[allow(dead_code)]
mod commands;

use commands::{command, init, request};
use selfeval_core::Command;

/// Three projects with a budget and three indicators each (a rate, a cost
/// and a qualitative one), so most random commands act on figures.
fn prelude() -> Vec<Command> {
    let mut out = Vec::new();
    for p in ["P0", "P1", "P2"] {
        out.push(Command::AddProject {
            code: p.into(),
            name: format!("项目{p}"),
            category: None,
            section: None,
            budget_weight: None,
        });
        out.push(Command::SetBudget { project: p.into(), amount: "100".into(), source: None });
        for (i, target) in ["≥95%", "≤90万元", "效果明显"].into_iter().enumerate() {
            out.push(Command::DefineIndicator {
                project: p.into(),
                indicator: format!("I{i}"),
                level1: "产出指标".into(),
                level2: "数量指标".into(),
                name: format!("指标{i}"),
                target: target.into(),
                weight: "30".into(),
            });
        }
    }
    out
}

/// The random commands, seal excepted (it stops every later one), with
/// actual values each indicator can read and amendments that keep, clear
/// or replace them.
fn commands_on_figures() -> impl Strategy<Value = (bool, Command)> {
    let project = || (0u8..3).prop_map(|i| format!("P{i}"));
    let actual = (
        project(),
        prop_oneof![
            Just(("I0", "96%")),
            Just(("I0", "80%")),
            Just(("I1", "85万元")),
            Just(("I1", "120万元")),
            Just(("I2", "达成")),
        ],
    )
        .prop_map(|(p, (i, v))| {
            (
                false,
                Command::RecordActual {
                    project: p,
                    indicator: i.into(),
                    value: v.into(),
                    level: None,
                    score: None,
                    deviation: None,
                    measure: None,
                },
            )
        });
    let amend = (
        project(),
        0u8..3,
        prop_oneof![Just("≥90%"), Just("≤80万元"), Just("≥3个")],
        prop::option::of(Just("4个")),
        any::<bool>(),
    )
        .prop_map(|(p, i, target, value, clear)| {
            (
                true,
                Command::AmendIndicator {
                    project: p,
                    indicator: format!("I{i}"),
                    level1: None,
                    level2: None,
                    name: None,
                    target: Some(target.into()),
                    weight: None,
                    clear_value: clear && value.is_none(),
                    value: value.map(str::to_owned),
                    level: None,
                    score: None,
                },
            )
        });
    let spend = (project(), 1u32..80).prop_map(|(p, a)| {
        (
            false,
            Command::RecordExpenditure {
                project: p,
                amount: a.to_string(),
                date: "2024-06-30".into(),
                voucher: None,
                memo: None,
                source: None,
            },
        )
    });
    prop_oneof![
        4 => command().prop_filter("the seal stops every later command", |(_, c)| !matches!(c, Command::Seal)),
        2 => actual,
        1 => amend,
        1 => spend,
    ]
}

/// A project's figures.
const PROJECT_FIGURES: &[&str] = &[
    "initial_budget",
    "budget",
    "executed",
    "execution_rate",
    "budget_weight",
    "budget_score",
    "budget_auto_score",
    "budget_adjusted",
    "budget_not_applicable",
    "total_score",
    "grade",
    "status",
    "funds",
];
/// The project's figures that only add up others.
const SUMS: &[&str] = &["total_score", "grade"];
/// The figures of the budget row (`budget` as an item).
const BUDGET_ROW: &[&str] =
    &["budget_weight", "budget_score", "budget_auto_score", "budget_adjusted", "budget_not_applicable"];
/// An indicator's figures.
const INDICATOR_FIGURES: &[&str] =
    &["target", "actual", "level", "weight", "score", "auto_score", "adjusted", "not_applicable", "completion"];

/// Every figure of a report, by a path: `P0.budget`, `P0.I1.score`,
/// `totals.executed`, `average_score`.
fn figures(report: &Value) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for (key, value) in report["totals"].as_object().into_iter().flatten() {
        out.insert(format!("totals.{key}"), value.clone());
    }
    out.insert("average_score".into(), report["average_score"].clone());
    for p in report["projects"].as_array().into_iter().flatten() {
        let code = p["code"].as_str().unwrap();
        for field in PROJECT_FIGURES {
            out.insert(format!("{code}.{field}"), p[field].clone());
        }
        for i in p["indicators"].as_array().into_iter().flatten() {
            let icode = i["code"].as_str().unwrap();
            for field in INDICATOR_FIGURES {
                out.insert(format!("{code}.{icode}.{field}"), i[field].clone());
            }
        }
    }
    out
}

/// What an event names, read from its payload: the project, the item (an
/// indicator code or `budget`) and the kind of figure.
#[derive(Debug)]
enum Named {
    /// The year, the rule profile, the display unit: every figure.
    Everything,
    /// A project registered or withdrawn: its own figures appear or go.
    Project(String),
    /// Money of a project: its amounts and the budget row.
    Money(String),
    /// One item of a project: an indicator's figures, or the budget row.
    Item(String, String),
    /// A workflow step: the project's status.
    Status(String),
    /// Nothing any figure depends on (texts, the roster, problems,
    /// signatures, evidence, the seal, checkpoints).
    Nothing,
}

fn named(payload: &EventPayload) -> Named {
    use EventPayload as E;
    let json: Value = serde_json::from_str(&payload.to_json()).unwrap();
    let field = |key: &str| json[key].as_str().unwrap_or_default().to_owned();
    let project = field("project");
    match payload {
        E::YearInitialised(_) | E::RuleProfileChanged(_) | E::DisplayUnitChanged(_) => Named::Everything,
        E::ProjectRegistered(_) | E::ProjectWithdrawn(_) => Named::Project(project),
        E::BudgetSet(_) | E::BudgetAdjusted(_) | E::ExpenditureRecorded(_) | E::ExpenditureReversed(_) => {
            Named::Money(project)
        }
        E::IndicatorDefined(_)
        | E::IndicatorActualRecorded(_)
        | E::IndicatorAmended(_)
        | E::IndicatorWithdrawn(_)
        | E::MarkedNotApplicable(_)
        | E::NotApplicableUndone(_)
        | E::ScoreAdjusted(_)
        | E::ScoreOverrideCleared(_) => {
            let item = if json["indicator"].is_string() { field("indicator") } else { field("item") };
            Named::Item(project, item)
        }
        E::SelfEvaluationSubmitted(_)
        | E::SelfEvaluationApproved(_)
        | E::SelfEvaluationReturned(_)
        | E::SelfEvaluationReopened(_) => Named::Status(project),
        _ => Named::Nothing,
    }
}

/// Whether a change of the figure at `path` is one the events name.
fn is_named(path: &str, events: &[Named]) -> bool {
    let parts: Vec<&str> = path.split('.').collect();
    events.iter().any(|named| match (named, parts.as_slice()) {
        (Named::Everything, _) => true,
        (_, ["totals", _] | ["average_score"]) => !matches!(named, Named::Nothing | Named::Status(_)),
        (Named::Project(p), [code, ..]) => code == p,
        (Named::Money(p), [code, field]) => {
            code == p
                && (SUMS.contains(field) || BUDGET_ROW.contains(field) || !field.starts_with("budget_"))
                && *field != "status"
        }
        (Named::Item(p, item), [code, field]) if item == "budget" => {
            code == p && (SUMS.contains(field) || BUDGET_ROW.contains(field))
        }
        (Named::Item(p, _), [code, field]) => code == p && SUMS.contains(field),
        (Named::Item(p, item), [code, icode, _]) => code == p && icode == item,
        (Named::Status(p), [code, field]) => code == p && *field == "status",
        _ => false,
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn a_command_changes_only_the_figures_it_names_and_says_what_it_clears(
        commands in prop::collection::vec(commands_on_figures(), 1..40),
    ) {
        let mut state = State::default();
        let mut seq = 0u64;
        let mut apply = |state: &mut State, request: &selfeval_core::Request, payloads: Vec<EventPayload>| {
            for payload in payloads {
                seq += 1;
                state.apply(&RecordedEvent { seq, meta: request.meta.clone(), payload });
            }
        };
        let first = request(0, false, init());
        let payloads = handle(&state, &first).unwrap();
        apply(&mut state, &first, payloads);
        for (i, command) in prelude().into_iter().enumerate() {
            let request = request(i + 1, true, command);
            let payloads = handle(&state, &request).unwrap();
            apply(&mut state, &request, payloads);
        }
        let mut before = figures(&selfeval_report::report_json(&evaluate(&state, "")));
        for (i, (reason, command)) in commands.into_iter().enumerate() {
            let request = request(i + 100, reason, command);
            let Ok(payloads) = handle(&state, &request) else { continue };
            let names: Vec<Named> = payloads.iter().map(named).collect();
            let echo: Vec<String> = payloads.iter().filter_map(EventPayload::echo).collect();
            let echo = echo.join("\n");
            let kinds: BTreeSet<&str> = payloads.iter().map(EventPayload::event_type).collect();
            apply(&mut state, &request, payloads);
            let after = figures(&selfeval_report::report_json(&evaluate(&state, "")));
            let paths: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
            for path in paths {
                let (old, new) = (before.get(path), after.get(path));
                if old == new {
                    continue;
                }
                prop_assert!(
                    is_named(path, &names),
                    "{:?} changed {path}: {:?} → {:?}, which its events {:?} do not name",
                    request.command, old, new, names
                );
                let cleared = |field: &str| {
                    path.ends_with(field)
                        && old.is_some_and(|v| !v.is_null())
                        && new.is_some_and(Value::is_null)
                };
                // Marked not applicable, an indicator shows no figure of its
                // own (they come back with `na --undo`): nothing is cleared.
                let not_applicable = kinds.contains("MarkedNotApplicable");
                if cleared(".actual") && !kinds.contains("IndicatorWithdrawn") && !not_applicable {
                    prop_assert!(echo.contains("实际完成值已清除"), "{:?} cleared {path} without a word: {echo:?}", request.command);
                }
                if cleared(".adjusted")
                    && !kinds.contains("ScoreOverrideCleared")
                    && !kinds.contains("ScoreAdjusted")
                    && !not_applicable
                {
                    prop_assert!(
                        echo.contains("人工调整的得分已撤销"),
                        "{:?} cleared {path} without a word: {echo:?}",
                        request.command
                    );
                }
            }
            before = after;
        }
    }
}
