//! `cargo xtask gen`: a deterministic, realistic synthetic department.
//!
//! Every command goes through the core's `handle`, exactly as the CLI sends
//! it, and its events are written with the store's `ExportWriter`; the
//! export is then imported (and so verified) into a store. The year runs in
//! three phases: January (projects, budgets, goals, indicators), February to
//! November (expenditures with some reversals and budget adjustments), and
//! December (actuals, score adjustments, problems and rectification,
//! narratives, submission and approval).

use std::cell::Cell;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use selfeval_core::{execute, Command, Executed, Meta, Request, State};
use selfeval_ledger::format::{ExpectedVersion, ExportWriter};
use selfeval_ledger::{Ledger, LedgerSettings};

/// What to generate.
pub struct GenOptions {
    /// Projects.
    pub projects: usize,
    /// Events in all (the log's length).
    pub events: u64,
    /// The random seed.
    pub seed: u64,
    /// Where to write `export.jsonl` and `store/`.
    pub out: PathBuf,
}

/// What was generated.
pub struct Generated {
    /// Events written.
    pub events: u64,
    /// The export file.
    pub export: PathBuf,
    /// The store directory.
    pub store: PathBuf,
}

const SECTIONS: [&str; 8] =
    ["应急救援科", "防灾减灾科", "安全生产监管科", "危化品监管科", "综合科", "财务科", "人事科", "宣传教育科"];
const NAMES: [&str; 8] = [
    "应急救援能力建设资金",
    "灾害防治资金",
    "安全生产监管专项资金",
    "危险化学品应急演练经费",
    "应急物资储备资金",
    "人才资源开发专项资金",
    "安全生产宣传教育经费",
    "基层应急能力提升补助",
];
const STAFF: [&str; 5] = ["王敏", "陈刚", "刘洋", "李娜", "张伟"];
const OFFICE: &str = "赵静@领导小组办公室";

struct Generator {
    rng: ChaCha8Rng,
    state: State,
    writer: ExportWriter<BufWriter<File>>,
    clock: Rc<Cell<i64>>,
    commands: u64,
    /// The latest recorded time so far: recorded times never go back.
    recorded: DateTime<Utc>,
}

fn at(day: i64, seconds: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 1, 1, 0, 0).unwrap() + Duration::days(day) + Duration::seconds(seconds)
}

impl Generator {
    fn written(&self) -> u64 {
        self.writer.head().seq
    }

    /// Runs one command through `handle` and writes its events.
    fn run(&mut self, actor: &str, reason: Option<&str>, when: DateTime<Utc>, command: Command) -> Vec<u64> {
        // Business dates interleave across projects; the clock that records
        // them only moves forward.
        self.recorded = self.recorded.max(when);
        let meta = Meta {
            actor: actor.to_owned(),
            reason: reason.map(str::to_owned),
            occurred_at: when,
            recorded_at: self.recorded,
        };
        self.commands += 1;
        self.clock.set(self.recorded.timestamp_millis());
        let command_id = format!("gen-{:08}", self.commands);
        let writer = &mut self.writer;
        let request = Request::new(meta, command);
        let appended = execute(&mut self.state, &request, |payloads| {
            let batch = selfeval_ledger::batch_of(&request.meta, &command_id, ExpectedVersion::Any, payloads);
            writer.append(&batch).map(|appended| appended.expect("no conflict with ExpectedVersion::Any"))
        });
        match appended {
            Ok(events) => events.into_iter().map(|e| e.seq).collect(),
            Err(Executed::Rejected(r)) => {
                panic!("the generator sent a command the core refuses: {:?}: {r}", request.command)
            }
            Err(Executed::NotAppended(e)) => panic!("the export is not writable: {e}"),
        }
    }

    fn staff(&mut self, section: &str) -> String {
        format!("{}@{section}", STAFF[self.rng.random_range(0..STAFF.len())])
    }
}

fn code(i: usize) -> String {
    format!("P{i:05}")
}

/// The December commands of one project, planned before the year runs so
/// that the expenditures can fill the log to exactly the requested length.
fn december_plan(rng: &mut ChaCha8Rng, p: usize, section: &str) -> Vec<(String, Option<&'static str>, Command)> {
    let actor = format!("{}@{section}", STAFF[rng.random_range(0..STAFF.len())]);
    let project = code(p);
    let mut plan = Vec::new();
    let mut push = |actor: &str, reason, command| plan.push((actor.to_owned(), reason, command));
    // I1 count ≥ n, I2 = 100%, I3 qualitative, I4 satisfaction ≥ 90%.
    let explained = |short: bool, over: bool, why: &str, how: &str| match (short, over) {
        (true, _) => (Some(why.to_owned()), Some(how.to_owned())),
        (false, true) => (Some("年中追加任务，年初目标设定偏低".to_owned()), None),
        (false, false) => (None, None),
    };
    let quantitative = |indicator: &str, value: String, (deviation, measure): (Option<String>, Option<String>)| {
        Command::RecordActual {
            project: project.clone(),
            indicator: indicator.into(),
            value,
            level: None,
            score: None,
            deviation,
            measure,
        }
    };
    let count_target = 10 + (p % 40) as i64;
    let count = if rng.random_bool(0.15) {
        count_target - rng.random_range(1..=count_target / 2)
    } else if rng.random_bool(0.1) {
        count_target * 14 / 10
    } else {
        count_target
    };
    let why = explained(
        count < count_target,
        count > count_target * 13 / 10,
        "受供货周期影响，部分任务顺延",
        "加强合同履约督办",
    );
    push(&actor, None, quantitative("I1", count.to_string(), why));
    let quality = if rng.random_bool(0.1) { 96 } else { 100 };
    push(
        &actor,
        None,
        quantitative("I2", format!("{quality}%"), explained(quality < 100, false, "个别批次验收整改", "严格到货验收")),
    );
    let partly = rng.random_bool(0.08);
    push(
        &actor,
        None,
        Command::RecordActual {
            project: project.clone(),
            indicator: "I3".into(),
            value: if partly { "效果初步显现".into() } else { "效果明显".into() },
            level: Some(if partly { "部分达成".into() } else { "达成".into() }),
            score: partly.then(|| "20".to_owned()),
            deviation: partly.then(|| "项目周期跨年，效益尚未完全显现".to_owned()),
            measure: partly.then(|| "持续跟踪效益".to_owned()),
        },
    );
    let satisfaction = 86 + rng.random_range(0..14);
    let why = explained(satisfaction < 90, false, "部分服务对象反映响应不够及时", "优化服务流程");
    push(&actor, None, quantitative("I4", format!("{satisfaction}%"), why));
    // Only where the target was met (a full score): 18 is then a change
    // (below it, the rules may give 18 themselves, and an adjustment to the
    // score already given is refused).
    let adjusted = rng.random_bool(0.05);
    if adjusted && count >= count_target {
        push(
            OFFICE,
            Some("复核发现目标设定偏低，按偏差扣分"),
            Command::AdjustScore { project: project.clone(), item: "I1".into(), score: "18".into() },
        );
    }
    push(
        &actor,
        None,
        Command::SetGoal { project: project.clone(), expected: None, actual: Some("年度目标基本完成".into()) },
    );
    if rng.random_bool(0.3) {
        let problem = format!("Q{p:05}");
        push(
            &actor,
            None,
            Command::IdentifyProblem {
                project: project.clone(),
                problem: problem.clone(),
                text: "项目跟踪监督机制不够健全".into(),
            },
        );
        push(
            OFFICE,
            None,
            Command::PlanRectification {
                problem: problem.clone(),
                measure: "建立项目进度月报制度".into(),
                owner: section.to_owned(),
                due: "2025-06-30".into(),
            },
        );
        if rng.random_bool(0.5) {
            push(
                &actor,
                None,
                Command::ProgressRectification { problem: problem.clone(), note: "已建立月报模板".into() },
            );
        }
        if rng.random_bool(0.25) {
            push(&actor, None, Command::CompleteRectification { problem, evidence: "月报制度文件".into() });
        }
    }
    if rng.random_bool(0.2) {
        push(
            &actor,
            None,
            Command::SetNarrative {
                section: "3.scores".into(),
                text: "本项目按计划实施，绩效目标基本完成。".into(),
                project: Some(project.clone()),
            },
        );
    }
    push(&actor, None, Command::Submit { project: project.clone() });
    if rng.random_bool(0.03) {
        push(OFFICE, Some("佐证材料不全"), Command::Return { project: project.clone() });
        push(&actor, None, Command::Submit { project: project.clone() });
    }
    // The benchmark records into the first 100 projects (one command, a
    // batch): an approval locks a project (A6, open mode too), so those
    // stay open for it. The draw is made all the same, so that every other
    // project is generated as before.
    if rng.random_bool(0.95) && p >= BENCH_PROJECTS {
        push(OFFICE, None, Command::Approve { project });
    }
    plan
}

/// The projects the benchmark records into (`P00000`…`P00099`): never approved.
pub const BENCH_PROJECTS: usize = 100;

/// Generates the department.
pub fn gen(options: &GenOptions, progress: &dyn Fn(u64, u64)) -> Result<Generated, String> {
    std::fs::create_dir_all(&options.out).map_err(|e| format!("cannot create {}: {e}", options.out.display()))?;
    let export = options.out.join("export.jsonl");
    let store_dir = options.out.join("store");
    if store_dir.exists() {
        std::fs::remove_dir_all(&store_dir).map_err(|e| format!("cannot clear {}: {e}", store_dir.display()))?;
    }
    let clock = Rc::new(Cell::new(0i64));
    let mut ids = ChaCha8Rng::seed_from_u64(options.seed ^ 0x5e1f_e7a1);
    let id_clock = clock.clone();
    let event_id = Box::new(move || {
        let mut random = [0u8; 10];
        ids.fill(&mut random);
        uuid::Builder::from_unix_timestamp_millis(id_clock.get() as u64, &random).into_uuid().to_string()
    });
    let file = File::create(&export).map_err(|e| format!("cannot create {}: {e}", export.display()))?;
    let writer = ExportWriter::new(BufWriter::with_capacity(1 << 20, file), event_id).map_err(|e| e.to_string())?;
    let mut g = Generator {
        rng: ChaCha8Rng::seed_from_u64(options.seed),
        state: State::default(),
        writer,
        clock,
        commands: 0,
        recorded: DateTime::<Utc>::MIN_UTC,
    };

    // January.
    g.run(
        OFFICE,
        None,
        at(1, 0),
        Command::InitYear {
            department: "合成部门（基准测试）".into(), year: "2024".into(), profile: None, unit: None
        },
    );
    let mut budgets = Vec::with_capacity(options.projects);
    for p in 0..options.projects {
        let section = SECTIONS[p % SECTIONS.len()];
        let when = at(2 + (p as i64 * 20 / options.projects.max(1) as i64), (p % 3600) as i64);
        let actor = g.staff(section);
        let project = code(p);
        g.run(
            OFFICE,
            None,
            when,
            Command::AddProject {
                code: project.clone(),
                name: format!("{}（{p}）", NAMES[p % NAMES.len()]),
                category: Some(NAMES[p % NAMES.len()].trim_end_matches("资金").trim_end_matches("经费").to_owned()),
                section: Some(section.into()),
                budget_weight: None,
            },
        );
        let budget = g.rng.random_range(500..50_000) as i64; // in 0.01 万元
        budgets.push(budget);
        let amount = format!("{}.{:02}", budget / 100, budget % 100);
        g.run(
            &actor,
            Some("年度部门预算批复"),
            when,
            Command::SetBudget { project: project.clone(), amount, source: None },
        );
        g.run(
            &actor,
            None,
            when,
            Command::SetGoal {
                project: project.clone(),
                expected: Some("按计划完成年度任务，提升应急保障能力".into()),
                actual: None,
            },
        );
        let count_target = 10 + (p % 40);
        for (icode, level1, level2, name, target, weight) in [
            ("I1", "产出指标", "数量指标", "完成任务数量", format!("≥{count_target}项"), "30"),
            ("I2", "产出指标", "质量指标", "验收合格率", "=100%".to_owned(), "20"),
            ("I3", "效益指标", "社会效益指标", "应急保障能力", "效果明显".to_owned(), "30"),
            ("I4", "满意度指标", "服务对象满意度指标", "服务对象满意度", "≥90%".to_owned(), "10"),
        ] {
            g.run(
                &actor,
                None,
                when,
                Command::DefineIndicator {
                    project: project.clone(),
                    indicator: icode.into(),
                    level1: level1.into(),
                    level2: level2.into(),
                    name: name.into(),
                    target,
                    weight: weight.into(),
                },
            );
        }
    }
    g.run(
        OFFICE,
        None,
        at(25, 0),
        Command::SetNarrative {
            section: "1.composition".into(),
            text: "本部门项目支出涵盖应急救援、灾害防治、安全生产监管等领域。".into(),
            project: None,
        },
    );
    let plan: Vec<Vec<_>> =
        (0..options.projects).map(|p| december_plan(&mut g.rng, p, SECTIONS[p % SECTIONS.len()])).collect();
    let december: u64 = plan.iter().map(|p| p.len() as u64).sum::<u64>() + 1;
    let spending = options.events.checked_sub(g.written() + december).ok_or_else(|| {
        format!(
            "{} events are too few for {} projects (at least {})",
            options.events,
            options.projects,
            g.written() + december
        )
    })?;

    // February to November.
    let mut unreversed: Vec<(u64, usize)> = Vec::new();
    let spending_days = 300.0;
    for i in 0..spending {
        let when = at(31 + (i as f64 * spending_days / spending as f64) as i64, (i % 86_400) as i64 % 3600);
        let p = g.rng.random_range(0..options.projects);
        let project = code(p);
        let section = SECTIONS[p % SECTIONS.len()];
        let actor = g.staff(section);
        let roll: f64 = g.rng.random();
        if roll < 0.015 && !unreversed.is_empty() {
            let pick = g.rng.random_range(0..unreversed.len());
            let (seq, _) = unreversed.swap_remove(pick);
            g.run(&actor, Some("凭证重复入账，予以冲销"), when, Command::ReverseExpenditure { seq: seq.to_string() });
        } else if roll < 0.02 {
            let delta = g.rng.random_range(1..budgets[p] / 4 + 2);
            let amount = format!("{}.{:02}", delta / 100, delta % 100);
            g.run(
                &actor,
                Some("年中预算调整"),
                when,
                Command::AdjustBudget {
                    project, delta: amount, doc: Some("财预〔2024〕调整".into()), source: None
                },
            );
        } else {
            // On average a project spends about 95% of its budget over the year.
            let share = 0.95 * options.projects as f64 / spending as f64;
            let cents = (budgets[p] as f64 * share * g.rng.random_range(0.5..1.5)).max(1.0) as i64;
            let date = when.date_naive().to_string();
            let seq = g.run(
                &actor,
                None,
                when,
                Command::RecordExpenditure {
                    project,
                    amount: format!("{}.{:02}", cents / 100, cents % 100),
                    date,
                    voucher: Some(format!("记-{i:07}")),
                    memo: None,
                    source: None,
                },
            )[0];
            unreversed.push((seq, p));
        }
        if i % 10_000 == 0 {
            progress(g.written(), options.events);
        }
    }

    // December.
    for (p, commands) in plan.into_iter().enumerate() {
        let when = at(340 + (p as i64 * 20 / options.projects.max(1) as i64), (p % 3600) as i64);
        for (actor, reason, command) in commands {
            g.run(&actor, reason, when, command);
        }
    }
    g.run(
        OFFICE,
        None,
        at(364, 0),
        Command::SetNarrative {
            section: "3.funds".into(), text: "资金管理规范，专款专用。".into(), project: None
        },
    );
    progress(g.written(), options.events);
    let written = g.written();
    let (summary, mut out) = g.writer.finish().map_err(|e| e.to_string())?;
    std::io::Write::flush(&mut out).map_err(|e| e.to_string())?;
    drop(out);
    debug_assert_eq!(summary.events, written);
    import(&export, &store_dir)?;
    Ok(Generated { events: written, export, store: store_dir })
}

/// Imports an export into a new store (verifying it).
pub fn import(export: &Path, store_dir: &Path) -> Result<(), String> {
    let file = File::open(export).map_err(|e| e.to_string())?;
    let mut input = std::io::BufReader::with_capacity(1 << 20, file);
    match Ledger::import_new(store_dir, &LedgerSettings::default(), &mut input).map_err(|e| e.to_string())? {
        Ok(_) => Ok(()),
        Err(rejected) => Err(format!("the generated export does not import: {rejected}")),
    }
}
