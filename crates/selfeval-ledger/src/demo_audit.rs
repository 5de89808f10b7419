//! The audit demo (`selfeval demo --audit`): one published 自评表 of the
//! kind issue 27 met, recorded by an auditor exactly as printed, every
//! disagreement left to the checks. Its figures are invented; its forms
//! are the ones published tables take: a blank 年初预算数, amounts with
//! thousands separators and no unit (the ledger is kept in 元), weights
//! printed as percentages that add up to 110 under a printed 总分 of 100,
//! a rate's target as a bare fraction, a deadline met late, a 「/」 row,
//! a blank target and a blank actual each with a printed score, a score
//! on a row with no actual, and a 满意度 actual that copies its target.

use selfeval_core::Command;

use crate::demo::DemoStep;

/// The command id prefix of the audit demo's commands.
pub const AUDIT_PREFIX: &str = "audit-";

const AUDITOR: &str = "李审@县财政局";
const AT: &str = "2024-04-10T10:00:00+08:00";
const WHY: &str = "据印发的《2023年度项目支出绩效自评表》照录";

/// One indicator row as the table printed it: code, 一级, 二级, name,
/// target, weight, and whether it is recorded `--as-printed`.
const ROWS: &[(&str, &str, &str, &str, &str, &str, bool)] = &[
    ("I1", "产出指标", "数量指标", "新建高标准农田面积", "≥1万亩", "20%", false),
    ("I2", "产出指标", "质量指标", "工程验收合格率", "≥0.95", "20%", true),
    ("I3", "产出指标", "时效指标", "项目完成时间", "≤2023年12月", "10%", false),
    ("I4", "产出指标", "数量指标", "培训农户人次", "≥500人次", "10%", false),
    ("I5", "效益指标", "经济效益指标", "经济效益", "/", "/", false),
    ("I6", "效益指标", "社会效益指标", "带动农户增收", "", "20%", false),
    ("I7", "效益指标", "可持续影响指标", "长效管护机制", "建立健全", "10%", false),
    ("I8", "满意度指标", "服务对象满意度指标", "受益群众满意度", "≥90%", "10%", false),
];

/// The actual values as printed (none for I4, I5).
const ACTUALS: &[(&str, &str)] =
    &[("I1", "1.2万亩"), ("I2", "0.98"), ("I3", "2024年1月"), ("I6", "增收明显"), ("I7", "未填"), ("I8", "≥90%")];

/// The scores the table printed where no rule gives one (a blank target,
/// a blank actual, a row with no actual).
const PRINTED_SCORES: &[(&str, &str)] = &[("I4", "10"), ("I6", "20"), ("I7", "10")];

fn s(text: &str) -> String {
    text.to_owned()
}

/// The auditor's commands, in order.
pub fn published_table() -> Vec<DemoStep> {
    let mut steps = Vec::new();
    let mut step = |command: Command, reason: Option<&'static str>, as_printed: bool| {
        steps.push(DemoStep { actor: AUDITOR, reason, occurred_at: AT, command, as_printed });
    };
    step(
        Command::InitYear {
            department: s("某县农业农村局"), year: s("2023"), profile: None, unit: Some(s("元"))
        },
        None,
        false,
    );
    step(
        Command::AddProject {
            code: s("P01"),
            name: s("高标准农田建设项目"),
            category: None,
            section: Some(s("农田建设科")),
            budget_weight: None,
        },
        Some(WHY),
        false,
    );
    // 年初预算数 blank, 全年预算数 5,000,000.00: an adjustment alone.
    step(
        Command::AdjustBudget { project: s("P01"), delta: s("5,000,000.00"), doc: None, source: None },
        Some(WHY),
        true,
    );
    step(
        Command::RecordExpenditure {
            project: s("P01"),
            amount: s("4,890,000.00"),
            date: s("2023-12-31"),
            voucher: None,
            memo: Some(s("全年执行数")),
            source: None,
        },
        Some(WHY),
        true,
    );
    for &(code, level1, level2, name, target, weight, as_printed) in ROWS {
        step(
            Command::DefineIndicator {
                project: s("P01"),
                indicator: s(code),
                level1: s(level1),
                level2: s(level2),
                name: s(name),
                target: s(target),
                weight: s(weight),
            },
            Some(WHY),
            as_printed,
        );
    }
    for &(code, value) in ACTUALS {
        step(
            Command::RecordActual {
                project: s("P01"),
                indicator: s(code),
                value: s(value),
                level: None,
                score: None,
                deviation: None,
                measure: None,
            },
            Some(WHY),
            false,
        );
    }
    for &(code, score) in PRINTED_SCORES {
        step(Command::AdjustScore { project: s("P01"), item: s(code), score: s(score) }, Some(WHY), false);
    }
    step(
        Command::RecordPrinted {
            project: s("P01"),
            total: Some(s("100")),
            execution_rate: Some(s("97.80%")),
            budget_score: Some(s("10")),
            grade: Some(s("优")),
        },
        Some(WHY),
        false,
    );
    steps
}

impl crate::Ledger {
    /// Records the audit demo (`demo --audit`): a published-style 自评表
    /// recorded as printed by an auditor ([`crate::demo_audit`]), in a
    /// ledger of its own, as [`Ledger::seed_demo`] does.
    ///
    /// [`Ledger::seed_demo`]: crate::Ledger::seed_demo
    pub fn seed_audit_demo(
        &mut self,
        recorded_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<crate::demo::Seeded, crate::LedgerError> {
        self.seed(published_table(), AUDIT_PREFIX, recorded_at)
    }
}
