//! Fuzz harnesses: each takes arbitrary bytes and must never panic. The
//! cargo-fuzz targets in `fuzz/` call these functions; the test
//! `tests/corpus.rs` replays the corpus kept in `fuzz/corpus/` through
//! them on every CI run, on the stable toolchain. `cargo xtask fuzz` runs
//! the fuzzer (nightly); `docs/reliability.md` records the runs.

use chrono::{TimeZone, Utc};
use selfeval_core::event::*;
use selfeval_core::validate::check_event;
use selfeval_core::values::{self, Sign};
use selfeval_core::{evaluate, execute, Command, Executed, Meta, RecordedEvent, RejectionKind, Request, State};
use selfeval_ledger::{Ledger, LedgerSettings};

/// A harness: arbitrary bytes in, a panic for a defect.
pub type Harness = fn(&[u8]);

/// The harnesses by name, as `cargo xtask fuzz` and the corpus test know them.
pub const TARGETS: &[(&str, Harness)] =
    &[("parsers", parsers), ("decode", decode), ("import", import), ("handle", handle)];

/// The value parsers: amounts, targets, actuals, numbers, names, texts,
/// codes and command ids. An accepted amount prints and parses back exactly.
pub fn parsers(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for sign in [Sign::NonNegative, Sign::Any] {
        if let Ok(amount) = values::parse_amount(text, sign, values::AmountUnit::Yuan) {
            assert!(values::amount_in_range(amount), "{text:?} parsed to {amount} beyond the ceiling");
        }
        if let Ok(amount) = values::parse_amount(text, sign, values::AmountUnit::TenThousandYuan) {
            assert!(values::amount_in_range(amount), "{text:?} parsed to {amount} beyond the ceiling");
            let again = values::parse_amount(&values::fmt_plain(amount), sign, values::AmountUnit::TenThousandYuan)
                .expect("a parsed amount parses again");
            assert_eq!(again, amount, "{text:?}");
        }
    }
    if let Ok(values::Target::Quantitative { value, unit, .. }) = values::parse_target(text) {
        assert!(values::quantity_in_range(value));
        let _ = values::parse_actual_number(text, &unit);
    }
    let _ = values::parse_number(text);
    let _ = values::check_name(text);
    let _ = values::check_text(text);
    let _ = values::check_code(text);
    let _ = values::check_command_id(text);
    let _ = values::visible(text);
}

/// Event decoding: a type name, a schema version and a payload, split from
/// the input at the first two newlines.
pub fn decode(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut parts = text.splitn(3, '\n');
    let (Some(event_type), Some(version), Some(payload)) = (parts.next(), parts.next(), parts.next()) else { return };
    let version = version.trim().parse::<u32>().unwrap_or(1);
    if let Ok(decoded) = EventPayload::decode(event_type, version, payload) {
        // What decodes encodes and decodes to the same payload.
        let again = EventPayload::decode(decoded.event_type(), decoded.schema_version(), &decoded.to_json());
        assert_eq!(again.as_ref().ok(), Some(&decoded));
    }
}

/// Import: arbitrary bytes as an export file, into a new ledger. Either it
/// imports whole and verifies and evaluates, or nothing is left behind.
pub fn import(data: &[u8]) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let target = dir.path().join("store");
    let settings = LedgerSettings { snapshot_after: u64::MAX, ..LedgerSettings::default() };
    match Ledger::import_new(&target, &settings, &mut &data[..]) {
        Ok(Ok(imported)) => {
            let ledger = Ledger::open(
                &selfeval_ledger::Location::Dir(target.clone()),
                &settings,
                selfeval_ledger::Purpose::Record,
            )
            .expect("an imported ledger opens");
            let verified = ledger.verify().expect("readable").expect("an imported chain verifies");
            assert_eq!(verified.events, imported.events);
            let _ = ledger.evaluate(selfeval_ledger::View::default()).expect("an imported ledger evaluates");
        }
        Ok(Err(_)) | Err(_) => assert!(!target.exists(), "a refused import leaves nothing behind"),
    }
}

/// Reads small choices and strings from the input.
struct Input<'a> {
    data: &'a [u8],
}

impl Input<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (first, rest) = self.data.split_first()?;
        self.data = rest;
        Some(*first)
    }

    fn pick<'p>(&mut self, pool: &[&'p str]) -> Option<&'p str> {
        Some(pool[usize::from(self.byte()?) % pool.len()])
    }

    /// A string: one of `pool`, or (with a zero byte first) the next bytes up to a zero.
    fn text(&mut self, pool: &[&str]) -> Option<String> {
        if self.byte()? % 4 != 0 {
            return self.pick(pool).map(str::to_owned);
        }
        let end = self.data.iter().position(|b| *b == 0).unwrap_or(self.data.len().min(64));
        let (text, rest) = self.data.split_at(end);
        self.data = rest.get(1..).unwrap_or_default();
        Some(String::from_utf8_lossy(text).into_owned())
    }
}

const PROJECTS: &[&str] = &["P1", "P2", "P3"];
const INDICATORS: &[&str] = &["I1", "I2", "budget"];
const PROBLEMS: &[&str] = &["Q1", "Q2"];
const AMOUNTS: &[&str] = &["0", "6", "0.5", "215,457.60元", "-0.026", "100000000", "1e3", "0.0000001", "1,234.5"];
const TARGETS_TEXT: &[&str] = &[
    "≥50个",
    "≤90万元",
    "=100%",
    "<5天",
    "≥0个",
    "效果明显",
    "≥0.000001个",
    "≥0.95",
    "≤2024年6月",
    "2024-12-31前",
    "",
    "/",
];
const ACTUALS: &[&str] =
    &["48个", "95%", "0", "1000000000000000", "成效明显", "0.95", "2024年7月", "按时完成", "未填", ""];
const LEVELS: &[&str] = &["产出指标", "效益指标", "满意度指标", "成本指标"];
const DATES: &[&str] = &["2024-06-30", "2024-02-30", "2099-01-01", "2024-12-31"];
const SCORES: &[&str] = &["0", "10", "7.5", "100", "-1", "20%", "/"];

fn command(input: &mut Input<'_>) -> Option<Command> {
    let project = |input: &mut Input<'_>| input.text(PROJECTS);
    Some(match input.byte()? % 26 {
        0 => Command::AddProject {
            code: project(input)?,
            name: input.text(&["项目", "应急救援能力建设资金"])?,
            category: None,
            section: Some("应急救援科".into()),
            budget_weight: input.byte().filter(|b| b % 3 == 0).map(|b| (b % 30).to_string()),
        },
        1 => Command::SetBudget { project: project(input)?, amount: input.text(AMOUNTS)?, source: None },
        2 => Command::AdjustBudget { project: project(input)?, delta: input.text(AMOUNTS)?, doc: None, source: None },
        3 => Command::RecordExpenditure {
            project: project(input)?,
            amount: input.text(AMOUNTS)?,
            date: input.text(DATES)?,
            voucher: None,
            memo: None,
            source: None,
        },
        4 => Command::ReverseExpenditure { seq: (input.byte()? % 40).to_string() },
        5 => Command::SetGoal {
            project: project(input)?,
            expected: input.text(&["目标"]),
            actual: input.text(&["完成"]),
        },
        6 => Command::DefineIndicator {
            project: project(input)?,
            indicator: input.text(INDICATORS)?,
            level1: input.text(LEVELS)?,
            level2: input.text(&["数量指标", "成本指标"])?,
            name: input.text(&["救援装备配备数量"])?,
            target: input.text(TARGETS_TEXT)?,
            weight: input.text(SCORES)?,
        },
        7 => Command::RecordActual {
            project: project(input)?,
            indicator: input.text(INDICATORS)?,
            value: input.text(ACTUALS)?,
            level: input.byte().filter(|b| b % 2 == 0).and_then(|_| input.text(&["达成", "部分达成", "未达成"])),
            score: input.byte().filter(|b| b % 2 == 0).and_then(|_| input.text(SCORES)),
            deviation: input.text(&["超额完成30%以上", "未完成"]),
            measure: None,
        },
        8 => Command::MarkNotApplicable { project: project(input)?, item: input.text(INDICATORS)? },
        9 => {
            Command::AdjustScore { project: project(input)?, item: input.text(INDICATORS)?, score: input.text(SCORES)? }
        }
        10 => {
            Command::IdentifyProblem { project: project(input)?, problem: input.text(PROBLEMS)?, text: "问题".into() }
        }
        11 => Command::PlanRectification {
            problem: input.text(PROBLEMS)?,
            measure: "措施".into(),
            owner: "科室".into(),
            due: input.text(DATES)?,
        },
        12 => Command::ProgressRectification { problem: input.text(PROBLEMS)?, note: "进展".into() },
        13 => Command::CompleteRectification { problem: input.text(PROBLEMS)?, evidence: "佐证".into() },
        14 => Command::SetNarrative {
            section: input.text(&["3.scores", "3.execution", "3.indicators"])?,
            text: input.text(&["平均自评分数为98分", "预算执行率为100%", "救援装备配备数量未完成目标的30%以上"])?,
            project: input.byte().filter(|b| b % 2 == 0).and_then(|_| project(input)),
        },
        15 => Command::Submit { project: project(input)? },
        16 => Command::Approve { project: project(input)? },
        17 => Command::ChangeProfile { profile: input.text(&["cz2020-linear", "cz2021-cost", "cz2020-default"])? },
        18 => Command::AmendIndicator {
            project: project(input)?,
            indicator: input.text(INDICATORS)?,
            level1: input.byte().filter(|b| b % 3 == 0).and_then(|_| input.text(LEVELS)),
            level2: None,
            name: input.byte().filter(|b| b % 3 == 0).and_then(|_| input.text(&["新名称"])),
            target: input.byte().filter(|b| b % 2 == 0).and_then(|_| input.text(TARGETS_TEXT)),
            weight: input.byte().filter(|b| b % 2 == 0).and_then(|_| input.text(SCORES)),
            clear_value: input.byte().is_some_and(|b| b % 4 == 0),
            value: input.byte().filter(|b| b % 5 == 0).and_then(|_| input.text(ACTUALS)),
            level: input.byte().filter(|b| b % 7 == 0).and_then(|_| input.text(&["达成", "部分达成"])),
            score: input.byte().filter(|b| b % 7 == 0).and_then(|_| input.text(SCORES)),
        },
        19 => Command::WithdrawIndicator { project: project(input)?, indicator: input.text(INDICATORS)? },
        20 => Command::UndoNotApplicable { project: project(input)?, item: input.text(INDICATORS)? },
        21 => Command::AdjustScore { project: project(input)?, item: input.text(INDICATORS)?, score: "auto".into() },
        22 => Command::AmendProblem { problem: input.text(PROBLEMS)?, text: input.text(&["新描述", "问题"])? },
        23 => Command::WithdrawProblem { problem: input.text(PROBLEMS)? },
        24 => Command::AmendProject {
            project: project(input)?,
            name: None,
            section: input.text(&["防灾减灾科"]),
            category: None,
            owner: input.text(&["王敏"]),
        },
        _ => match input.byte()? % 11 {
            0 => Command::WithdrawProject { project: project(input)? },
            1 => Command::ChangeUnit { unit: input.text(&["元", "万元"])? },
            // Who may do what: the actor is 张三@应急救援科.
            2 => Command::AddMember {
                member: input.text(&["张三@应急救援科", "李四@防灾减灾科", "王五@领导小组办公室"])?,
                role: input.text(&["office", "section", "auditor"])?,
                key: None,
            },
            3 => Command::RemoveMember { name: input.text(&["张三", "李四", "王五"])? },
            4 => Command::Reopen { project: project(input)? },
            5 => Command::Seal,
            6 => Command::Unseal,
            7 => Command::AddEvidence {
                project: project(input)?,
                file: input.text(&["验收报告.pdf", "a/b.pdf"])?,
                size: 3,
                sha256: "ab".repeat(32),
                note: "佐证".into(),
            },
            8 => Command::SetSignaturePolicy { policy: input.text(&["optional", "required", "必须"])? },
            9 => Command::RecordPrinted {
                project: project(input)?,
                total: input.byte().filter(|b| b % 2 == 0).and_then(|_| input.text(&["100", "98.62", "120", "-1"])),
                execution_rate: input
                    .byte()
                    .filter(|b| b % 2 == 0)
                    .and_then(|_| input.text(&["97.80%", "0.978", "587.90%"])),
                budget_score: input.byte().filter(|b| b % 2 == 0).and_then(|_| input.text(SCORES)),
                grade: input.byte().filter(|b| b % 2 == 0).and_then(|_| input.text(&["优", "良", "甲"])),
            },
            _ => Command::RecordCheckpoint { seq: 1, head: "cd".repeat(32), key: "SHA256:x".into() },
        },
    })
}

/// The command handler: a department initialised, then commands read from
/// the input, each handled, applied when accepted; then the whole state is
/// evaluated. Nothing may panic, and replay must give the same state.
pub fn handle(data: &[u8]) {
    let mut input = Input { data };
    let mut state = State::default();
    let mut log = Vec::new();
    let at = Utc.with_ymd_and_hms(2024, 12, 1, 2, 0, 0).single().expect("a valid time");
    let meta = Meta {
        actor: "张三@应急救援科".into(), reason: Some("原因".into()), occurred_at: at, recorded_at: at
    };
    let init =
        Command::InitYear {
            department: "某市应急管理局".into(), year: "2024".into(), profile: None, unit: None
        };
    let mut commands = vec![(init, false)];
    while let Some(command) = command(&mut input) {
        // Every fourth command as printed (`--as-printed`).
        let as_printed = input.byte().is_some_and(|b| b % 4 == 0);
        commands.push((command, as_printed));
    }
    for (command, as_printed) in commands {
        let next = log.len() as u64 + 1;
        let mut request = Request::new(meta.clone(), command);
        request.as_printed = as_printed.then(Vec::new);
        // What handle accepts, an import accepts too; what it refuses by a
        // rule, written into a log as a forger would, an import refuses.
        match selfeval_core::handle(&state, &request) {
            Ok(payloads) => {
                // Each event on the state after the ones before it (a command
                // of two events: `indicator amend --value`).
                // (A copy of the state only for such a command: a clone per
                // command would halve the fuzzer's pace.)
                let mut scratch = (payloads.len() > 1).then(|| state.clone());
                for (k, payload) in payloads.iter().enumerate() {
                    let event = RecordedEvent { seq: next + k as u64, meta: meta.clone(), payload: payload.clone() };
                    let judged_on = scratch.as_ref().unwrap_or(&state);
                    if let Err(why) = check_event(judged_on, &event) {
                        panic!("handle accepted {:?} but import would refuse it: {why}", request.command);
                    }
                    if let Some(scratch) = scratch.as_mut() {
                        scratch.apply(&event);
                    }
                }
            }
            Err(refused) if refused.kind != RejectionKind::InvalidValue => {
                if let Some(payload) = event_named_by(&state, &request.command) {
                    let event = RecordedEvent { seq: next, meta: meta.clone(), payload };
                    assert!(
                        check_event(&state, &event).is_err(),
                        "handle refused {:?} ({refused}) but import would accept {:?}",
                        request.command,
                        event.payload
                    );
                }
            }
            Err(_) => {}
        }
        match execute(&mut state, &request, |p| Ok::<_, ()>((next..next + p.len() as u64).collect())) {
            Ok(events) => log.extend(events),
            Err(Executed::Rejected(_)) => {}
            Err(Executed::NotAppended(())) => unreachable!("the append above never fails"),
        }
    }
    let evaluation = evaluate(&state, "fuzz");
    let replayed = State::replay(&log);
    assert_eq!(replayed, state, "replay gives the state that recording built");
    assert_eq!(evaluate(&replayed, "fuzz"), evaluation);
}

/// The event a refused command would have recorded, for the commands whose
/// event is fully named by the command itself (`None` for the others, and
/// where the command's text does not even parse): what a forger writes
/// into a log to get past `handle`, and what `check_event` must refuse.
pub fn event_named_by(state: &State, command: &Command) -> Option<EventPayload> {
    governance_event_named_by(command)
        .or_else(|| money_event_named_by(state, command))
        .or_else(|| indicator_event_named_by(state, command))
        .or_else(|| problem_event_named_by(state, command))
}

/// [`event_named_by`]: The workflow, the seal, the roster, the evidence and the department's settings.
fn governance_event_named_by(command: &Command) -> Option<EventPayload> {
    let step = |project: &str| WorkflowStep { project: project.to_owned() };
    Some(match command {
        Command::Submit { project } => EventPayload::SelfEvaluationSubmitted(step(project)),
        Command::Approve { project } => {
            EventPayload::SelfEvaluationApproved(Approval { project: project.to_owned(), locks: true })
        }
        Command::Return { project } => EventPayload::SelfEvaluationReturned(step(project)),
        Command::Reopen { project } => EventPayload::SelfEvaluationReopened(step(project)),
        Command::Seal => EventPayload::YearSealed(YearStep {}),
        Command::Unseal => EventPayload::YearUnsealed(YearStep {}),
        Command::RemoveMember { name } => EventPayload::MemberRemoved(MemberRemoved { name: name.clone() }),
        Command::AddEvidence { project, file, size, sha256, note } => EventPayload::EvidenceAdded(EvidenceAdded {
            project: project.clone(),
            file: file.clone(),
            size: *size,
            sha256: sha256.clone(),
            note: note.clone(),
        }),
        Command::SetNarrative { section, text, project } => EventPayload::NarrativeSet(NarrativeSet {
            section: section.clone(),
            project: project.clone(),
            text: text.clone(),
        }),
        Command::ChangeProfile { profile } => {
            EventPayload::RuleProfileChanged(RuleProfileChanged { profile: profile.clone() })
        }
        Command::AddMember { member, role, key: None } => {
            let (name, section) = member.split_once('@')?;
            EventPayload::MemberAdded(MemberAdded {
                name: name.to_owned(),
                section: section.to_owned(),
                role: Role::parse(role)?,
                key: None,
            })
        }
        Command::ChangeUnit { unit } => EventPayload::DisplayUnitChanged(DisplayUnitChanged {
            unit: serde_json::from_value(serde_json::Value::String(unit.clone())).ok()?,
        }),
        Command::ChangeMemberKey { name, key } => {
            EventPayload::MemberKeyChanged(MemberKeyChanged { name: name.clone(), key: key.clone() })
        }
        Command::SetSignaturePolicy { policy } => EventPayload::SignaturePolicySet(SignaturePolicySet {
            required: match policy.as_str() {
                "required" | "必须" => true,
                "optional" => false,
                _ => return None,
            },
        }),
        Command::RecordCheckpoint { seq, head, key } => {
            EventPayload::CheckpointRecorded(CheckpointRecorded { seq: *seq, head: head.clone(), key: key.clone() })
        }
        _ => return None,
    })
}

/// [`event_named_by`]: Projects, their money, goals and printed figures.
fn money_event_named_by(state: &State, command: &Command) -> Option<EventPayload> {
    // Amounts as handle reads them: a bare number in the ledger's unit.
    let unit = state.department().map(|d| d.unit).unwrap_or_default();
    let money = |text: &str, sign: Sign| values::parse_amount(text, sign, unit).ok();
    let step = |project: &str| WorkflowStep { project: project.to_owned() };
    Some(match command {
        Command::AddProject { code, name, category, section, budget_weight: None } => {
            EventPayload::ProjectRegistered(ProjectRegistered {
                project: code.clone(),
                name: name.clone(),
                category: category.clone(),
                section: section.clone(),
                budget_weight: rust_decimal::Decimal::from(10),
            })
        }
        Command::SetBudget { project, amount, source: None } => EventPayload::BudgetSet(BudgetSet {
            project: project.clone(),
            amount: money(amount, Sign::NonNegative)?,
            source: BudgetSource::CurrentAppropriation,
        }),
        Command::RecordExpenditure { project, amount, date, voucher, memo, source: None } => {
            EventPayload::ExpenditureRecorded(ExpenditureRecorded {
                project: project.clone(),
                amount: money(amount, Sign::NonNegative)?,
                date: date.parse().ok()?,
                voucher: voucher.clone(),
                memo: memo.clone(),
                source: None,
            })
        }
        Command::AdjustBudget { project, delta, doc, source: None } => EventPayload::BudgetAdjusted(BudgetAdjusted {
            project: project.clone(),
            delta: money(delta, Sign::Any)?,
            doc: doc.clone(),
            source: None,
        }),
        Command::RecordPrinted { project, total, execution_rate, budget_score, grade } => {
            let number = |text: &Option<String>| -> Option<Option<rust_decimal::Decimal>> {
                match text {
                    Some(t) => Some(Some(values::parse_number(t.trim_end_matches('%')).ok()?)),
                    None => Some(None),
                }
            };
            EventPayload::PrintedFiguresRecorded(PrintedFigures {
                project: project.clone(),
                total: number(total)?,
                execution_rate: number(execution_rate)?,
                budget_score: number(budget_score)?,
                grade: match grade.as_deref() {
                    Some("优") => Some(selfeval_core::scoring::Grade::Excellent),
                    Some("良") => Some(selfeval_core::scoring::Grade::Good),
                    Some(_) => return None,
                    None => None,
                },
            })
        }
        Command::SetGoal { project, expected, actual } => EventPayload::GoalSet(GoalSet {
            project: project.clone(),
            expected: expected.clone(),
            actual: actual.clone(),
        }),
        Command::ReverseExpenditure { seq } => {
            let seq: u64 = seq.parse().ok()?;
            let (project, spent) = state
                .projects()
                .iter()
                .find_map(|p| p.expenditures.iter().find(|e| e.seq == seq).map(|e| (p.code.clone(), e.amount)))?;
            EventPayload::ExpenditureReversed(ExpenditureReversed { project, expenditure_seq: seq, amount: spent })
        }
        Command::WithdrawProject { project } => EventPayload::ProjectWithdrawn(step(project)),
        Command::AmendProject { project, name, section, category, owner } => {
            EventPayload::ProjectAmended(ProjectAmended {
                project: project.clone(),
                name: name.clone(),
                section: section.clone(),
                category: category.clone(),
                owner: owner.clone(),
            })
        }
        _ => return None,
    })
}

/// [`event_named_by`]: Indicators and their scores.
fn indicator_event_named_by(state: &State, command: &Command) -> Option<EventPayload> {
    Some(match command {
        Command::MarkNotApplicable { project, item } => {
            EventPayload::MarkedNotApplicable(MarkedNotApplicable { project: project.clone(), item: item.clone() })
        }
        Command::AdjustScore { project, item, score } => EventPayload::ScoreAdjusted(ScoreAdjusted {
            project: project.clone(),
            item: item.clone(),
            score: score.parse().ok()?,
            auto_score: None,
        }),
        Command::UndoNotApplicable { project, item } => {
            EventPayload::NotApplicableUndone(ItemWithdrawn { project: project.clone(), item: item.clone() })
        }
        Command::WithdrawIndicator { project, indicator } => {
            EventPayload::IndicatorWithdrawn(ItemWithdrawn { project: project.clone(), item: indicator.clone() })
        }
        Command::DefineIndicator { project, indicator, level1, level2, name, target, weight } => {
            EventPayload::IndicatorDefined(IndicatorDefined {
                project: project.clone(),
                indicator: indicator.clone(),
                level1: level1.clone(),
                level2: level2.clone(),
                name: name.clone(),
                target: selfeval_core::values::parse_target(target).ok()?,
                // A 「/」 weight is a row with none (what handle writes).
                weight: if weight == "/" { Default::default() } else { weight.trim_end_matches('%').parse().ok()? },
                weight_in_percent: weight.ends_with('%'),
                not_applicable: weight == "/",
            })
        }
        // With a value the command names two events, the second computed;
        // a level or score without one is refused as typed.
        Command::AmendIndicator { value: Some(_), .. }
        | Command::AmendIndicator { level: Some(_), .. }
        | Command::AmendIndicator { score: Some(_), .. } => return None,
        Command::AmendIndicator {
            project,
            indicator,
            level1,
            level2,
            name,
            target,
            weight,
            clear_value,
            value: None,
            level: None,
            score: None,
        } => {
            let overridden =
                state.project(project).and_then(|p| p.indicator(indicator)).is_some_and(|i| i.score_override.is_some());
            EventPayload::IndicatorAmended(IndicatorAmended {
                project: project.clone(),
                indicator: indicator.clone(),
                level1: level1.clone(),
                level2: level2.clone(),
                name: name.clone(),
                target: match target {
                    Some(t) => Some(selfeval_core::values::parse_target(t).ok()?),
                    None => None,
                },
                weight: match weight {
                    Some(w) => Some(w.parse().ok()?),
                    None => None,
                },
                clears_actual: *clear_value,
                clears_override: (target.is_some() || weight.is_some()) && overridden,
            })
        }
        _ => return None,
    })
}

/// [`event_named_by`]: Problems and their rectification.
fn problem_event_named_by(state: &State, command: &Command) -> Option<EventPayload> {
    Some(match command {
        Command::IdentifyProblem { project, problem, text } => EventPayload::ProblemIdentified(ProblemIdentified {
            problem: problem.clone(),
            project: project.clone(),
            text: text.clone(),
        }),
        Command::PlanRectification { problem, measure, owner, due } => {
            EventPayload::RectificationPlanned(RectificationPlanned {
                problem: problem.clone(),
                project: owner_of(state, problem)?,
                measure: measure.clone(),
                owner: owner.clone(),
                due: due.parse().ok()?,
            })
        }
        Command::WithdrawProblem { problem } => EventPayload::ProblemWithdrawn(ProblemWithdrawn {
            problem: problem.clone(),
            project: owner_of(state, problem)?,
        }),
        Command::ProgressRectification { problem, note } => {
            EventPayload::RectificationProgressed(RectificationProgressed {
                problem: problem.clone(),
                project: owner_of(state, problem)?,
                note: note.clone(),
            })
        }
        Command::CompleteRectification { problem, evidence } => {
            EventPayload::RectificationCompleted(RectificationCompleted {
                problem: problem.clone(),
                project: owner_of(state, problem)?,
                evidence: evidence.clone(),
            })
        }
        Command::AmendProblem { problem, text } => EventPayload::ProblemAmended(ProblemAmended {
            problem: problem.clone(),
            project: owner_of(state, problem)?,
            text: text.clone(),
        }),
        _ => return None,
    })
}

/// The project a problem code belongs to, if one has it.
fn owner_of(state: &State, problem: &str) -> Option<String> {
    state.projects().iter().find(|p| state.problem(&p.code, problem).is_some()).map(|p| p.code.clone())
}
