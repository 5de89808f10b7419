//! The scoring engine of `scoring.md`, as pure functions over decimals.
//!
//! Scores are rounded to two decimals (四舍五入) when computed; totals are sums
//! of rounded scores; rates are kept exact and rounded only for display.
//! Arithmetic goes through `arith`, which cannot panic.

#![deny(clippy::arithmetic_side_effects)]

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::arith::{div, hundred, mul, sub, sum};
pub use crate::profile::Grade;
use crate::profile::{ReverseScoring, RuleProfile};
use crate::state::Indicator;
use crate::values::deadline::Completion;
use crate::values::{round_half_up, Operator, Target};

/// The result of the budget execution row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BudgetOutcome {
    /// E ÷ P, exact; `None` when P = 0 (不适用).
    pub rate: Option<Decimal>,
    /// The score; `None` when the row is not applicable (P = 0 and E = 0).
    pub score: Option<Decimal>,
    /// Spending with no budget (P = 0, E > 0).
    pub spent_without_budget: bool,
    /// Spending beyond the budget (E > P > 0).
    pub over_budget: bool,
}

/// Scores budget execution: s_b = w_b × min(E ÷ P, 1), with the zero-budget cases.
pub fn budget_outcome(budget: Decimal, executed: Decimal, weight: Decimal) -> BudgetOutcome {
    if budget <= Decimal::ZERO {
        let spent = executed > Decimal::ZERO;
        return BudgetOutcome {
            rate: None,
            score: spent.then_some(Decimal::ZERO),
            spent_without_budget: spent,
            over_budget: false,
        };
    }
    let rate = div(executed, budget);
    let capped = rate.min(Decimal::ONE).max(Decimal::ZERO);
    BudgetOutcome {
        rate: Some(rate),
        score: Some(round_half_up(mul(weight, capped), 2)),
        spent_without_budget: false,
        over_budget: executed > budget,
    }
}

/// Scores a quantitative indicator with target `op target` and actual `actual`.
pub fn quantitative_score(
    op: Operator,
    target: Decimal,
    actual: Decimal,
    weight: Decimal,
    reverse: ReverseScoring,
) -> Decimal {
    let raw = match op {
        Operator::AtLeast | Operator::MoreThan => positive_score(op, target, actual, weight),
        Operator::Equal if target > Decimal::ZERO => positive_score(Operator::AtLeast, target, actual, weight),
        Operator::Equal if target.is_zero() => {
            if actual <= Decimal::ZERO {
                weight
            } else {
                Decimal::ZERO
            }
        }
        Operator::Equal => {
            if actual == target {
                weight
            } else {
                Decimal::ZERO
            }
        }
        Operator::AtMost | Operator::LessThan => {
            let met = if op == Operator::AtMost { actual <= target } else { actual < target };
            if met {
                weight
            } else if target <= Decimal::ZERO {
                Decimal::ZERO
            } else {
                match reverse {
                    ReverseScoring::Ratio => div(mul(weight, target), actual),
                    ReverseScoring::Linear => {
                        let factor = sub(Decimal::ONE, div(sub(actual, target), target));
                        mul(weight, factor.max(Decimal::ZERO))
                    }
                }
            }
        }
    };
    round_half_up(raw.max(Decimal::ZERO).min(weight), 2)
}

fn positive_score(op: Operator, target: Decimal, actual: Decimal, weight: Decimal) -> Decimal {
    let met = if op == Operator::MoreThan { actual > target } else { actual >= target };
    if met {
        weight
    } else if target <= Decimal::ZERO {
        Decimal::ZERO
    } else {
        div(mul(weight, actual.max(Decimal::ZERO)), target)
    }
}

/// The score of a deadline `by` with `completion`, out of `weight`: full
/// on or before it; later, a ceiling on the days elapsed since 1 January
/// of the deadline's year (planned `by`, actual the completion day), with
/// the profile's reverse scoring.
pub fn deadline_score(
    by: chrono::NaiveDate,
    completion: Completion,
    weight: Decimal,
    reverse: ReverseScoring,
) -> Decimal {
    let (planned, actual) = crate::values::deadline::elapsed_days(by, completion);
    quantitative_score(Operator::AtMost, planned, actual, weight, reverse)
}

/// Which way an indicator deviates from its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Deviation {
    /// Scored below its points, or a qualitative level below achieved.
    Under,
    /// Beyond the target by the profile's over-deviation threshold or more.
    Over,
}

/// The deviation thresholds of a rule profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviationThresholds {
    /// Under when the score falls short of the points by more than this fraction.
    pub under: Decimal,
    /// Over when beyond the target by this fraction or more.
    pub over: Decimal,
}

impl DeviationThresholds {
    /// The thresholds of a profile.
    pub fn of(profile: &RuleProfile) -> DeviationThresholds {
        DeviationThresholds { under: profile.under_deviation, over: profile.over_deviation }
    }
}

/// The deviation of a quantitative indicator.
pub fn quantitative_deviation(
    op: Operator,
    target: Decimal,
    actual: Decimal,
    auto_score: Decimal,
    weight: Decimal,
    thresholds: DeviationThresholds,
) -> Option<Deviation> {
    if auto_score < mul(weight, sub(Decimal::ONE, thresholds.under)) {
        return Some(Deviation::Under);
    }
    if target <= Decimal::ZERO {
        return None;
    }
    let beyond = if op.is_reverse() { div(sub(target, actual), target) } else { div(sub(actual, target), target) };
    (beyond >= thresholds.over).then_some(Deviation::Over)
}

/// How far an indicator is beyond its target, direction-aware: positive
/// means better than the target. `None` when the target is zero.
pub fn relative_deviation(op: Operator, target: Decimal, actual: Decimal) -> Option<Decimal> {
    if target.is_zero() {
        return None;
    }
    Some(if op.is_reverse() { div(sub(target, actual), target) } else { div(sub(actual, target), target) })
}

/// One scored row of a project (the budget row or an indicator).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScoredRow {
    /// Its points.
    pub weight: Decimal,
    /// Its effective (2-decimal) score; `None` when not applicable.
    pub score: Option<Decimal>,
}

/// The project total: the sum of the rounded scores, or, when any row is not
/// applicable, 100 × Σ s(applicable) ÷ Σ w(applicable) rounded to 2 decimals.
/// `None` when no row is applicable.
pub fn project_total(rows: &[ScoredRow]) -> Option<Decimal> {
    let applicable: Vec<_> = rows.iter().filter_map(|r| r.score.map(|s| (r.weight, s))).collect();
    if applicable.is_empty() {
        return None;
    }
    let score_sum = sum(applicable.iter().map(|(_, s)| *s));
    if applicable.len() == rows.len() {
        return Some(score_sum);
    }
    let weight_sum = sum(applicable.iter().map(|(w, _)| *w));
    if weight_sum.is_zero() {
        return None;
    }
    Some(round_half_up(div(mul(hundred(), score_sum), weight_sum), 2))
}

/// What the department summary needs of one project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProjectFigures {
    /// 全年预算数 P.
    pub budget: Decimal,
    /// 全年执行数 E.
    pub executed: Decimal,
    /// Its total score, if it has one.
    pub total: Option<Decimal>,
    /// Whether its self-evaluation is complete (submitted and approved).
    pub approved: bool,
}

/// The department's totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepartmentFigures {
    /// ΣP.
    pub budget: Decimal,
    /// ΣE.
    pub executed: Decimal,
    /// ΣE ÷ ΣP, exact; `None` when ΣP = 0.
    pub rate: Option<Decimal>,
    /// Arithmetic mean of the project totals, rounded to 2 decimals.
    pub average: Option<Decimal>,
    /// Projects in scope: a budget or spending that year, or an evaluation.
    pub in_scope: usize,
    /// Projects in scope whose self-evaluation is complete.
    pub evaluated: usize,
    /// How many totals fall in each grade: 优, 良, 中, 差.
    pub grade_counts: [usize; 4],
}

/// Sums the department: ΣP, ΣE, ΣE ÷ ΣP (not the mean of rates), the average
/// of the totals, grade counts and coverage.
pub fn department_figures(projects: &[ProjectFigures], profile: &RuleProfile) -> DepartmentFigures {
    let budget = sum(projects.iter().map(|p| p.budget));
    let executed = sum(projects.iter().map(|p| p.executed));
    let totals: Vec<Decimal> = projects.iter().filter_map(|p| p.total).collect();
    let average =
        (!totals.is_empty()).then(|| round_half_up(div(sum(totals.iter().copied()), Decimal::from(totals.len())), 2));
    let mut grade_counts = [0usize; 4];
    for total in &totals {
        let count = &mut grade_counts[profile.grade_of(*total) as usize];
        *count = (*count).saturating_add(1);
    }
    let in_scope =
        projects.iter().filter(|p| p.budget > Decimal::ZERO || p.executed > Decimal::ZERO || p.approved).count();
    DepartmentFigures {
        budget,
        executed,
        rate: (budget > Decimal::ZERO).then(|| div(executed, budget)),
        average,
        in_scope,
        evaluated: projects.iter().filter(|p| p.approved).count(),
        grade_counts,
    }
}

/// The automatic score of an indicator, if it has an actual: the formula of
/// its target for a quantitative one, the recorded score for a qualitative one.
pub fn indicator_auto_score(indicator: &Indicator, profile: &RuleProfile) -> Option<Decimal> {
    let actual = indicator.actual.as_ref()?;
    match &indicator.target {
        Target::Quantitative { op, value, .. } => {
            actual.number.map(|b| quantitative_score(*op, *value, b, indicator.weight, profile.reverse_scoring))
        }
        Target::Qualitative { .. } => actual.score,
        Target::Deadline { by, .. } => crate::values::deadline::parse_completion(&actual.value)
            .ok()
            .map(|done| deadline_score(*by, done, indicator.weight, profile.reverse_scoring)),
        Target::Blank => None,
    }
}

/// A rate as a percentage rounded for display (`0.8618304` → `86.18`).
pub fn rate_percent(rate: Decimal) -> Decimal {
    round_half_up(mul(rate, hundred()), 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn late_work_scores_on_elapsed_days() {
        let by = ymd(2023, 12, 31);
        let w = Decimal::from(10);
        assert_eq!(deadline_score(by, Completion::On(ymd(2023, 10, 31)), w, ReverseScoring::Ratio), w);
        assert_eq!(deadline_score(by, Completion::OnTime, w, ReverseScoring::Ratio), w);
        // 365 planned days, 396 actual (2024-01-31): 10 × 365 ÷ 396 = 9.217… → 9.22.
        let late = Completion::On(ymd(2024, 1, 31));
        assert_eq!(deadline_score(by, late, w, ReverseScoring::Ratio), Decimal::new(922, 2));
        // Linear: 10 × (1 − 31 ÷ 365) = 9.150… → 9.15.
        assert_eq!(deadline_score(by, late, w, ReverseScoring::Linear), Decimal::new(915, 2));
    }

    use crate::profile::DEFAULT_PROFILE_ID;
    use crate::values::{parse_amount, QualitativeLevel, Sign};

    fn profile() -> RuleProfile {
        RuleProfile::by_id(DEFAULT_PROFILE_ID).unwrap()
    }

    fn d(s: &str) -> Decimal {
        Decimal::from_str_exact(s).unwrap()
    }

    fn amount(s: &str) -> Decimal {
        parse_amount(s, Sign::NonNegative, crate::values::AmountUnit::TenThousandYuan).unwrap()
    }

    #[test]
    fn budget_rates_and_scores_match_the_hand_worked_cases() {
        // (P, E, rate %, score)
        let cases = [
            ("90", "89.974", "99.97", "10.00"),
            ("250,000元", "215,457.6元", "86.18", "8.62"),
            ("20,000元", "9,034元", "45.17", "4.52"),
            ("80", "68.9", "86.13", "8.61"),
            ("10", "58.79", "587.90", "10.00"),
        ];
        for (p, e, rate, score) in cases {
            let outcome = budget_outcome(amount(p), amount(e), d("10"));
            assert_eq!(format!("{:.2}", rate_percent(outcome.rate.unwrap())), rate, "{p} {e}");
            assert_eq!(format!("{:.2}", outcome.score.unwrap()), score, "{p} {e}");
        }
    }

    #[test]
    fn zero_budget_cases() {
        let none = budget_outcome(Decimal::ZERO, Decimal::ZERO, d("10"));
        assert_eq!(none, BudgetOutcome { rate: None, score: None, spent_without_budget: false, over_budget: false });
        let spent = budget_outcome(Decimal::ZERO, d("48.7912"), d("10"));
        assert_eq!(spent.rate, None);
        assert_eq!(spent.score, Some(Decimal::ZERO));
        assert!(spent.spent_without_budget);
        let over = budget_outcome(d("10"), d("58.79"), d("10"));
        assert!(over.over_budget);
        assert_eq!(over.score, Some(d("10")));
    }

    #[test]
    fn quantitative_scores_match_the_hand_worked_cases() {
        let ratio = ReverseScoring::Ratio;
        let linear = ReverseScoring::Linear;
        let w = d("10");
        // (op, A, B, mode, expected)
        let cases = [
            (Operator::AtLeast, "95", "100", ratio, "10.00"),
            (Operator::Equal, "100", "98", ratio, "9.80"),
            (Operator::AtMost, "90", "90", ratio, "10.00"),
            (Operator::AtMost, "90", "100", ratio, "9.00"),
            (Operator::AtMost, "90", "100", linear, "8.89"),
            (Operator::AtMost, "90", "180", linear, "0.00"),
            (Operator::AtMost, "90", "200", linear, "0.00"),
            (Operator::AtLeast, "50", "-5", ratio, "0.00"),
            (Operator::AtLeast, "0", "0", ratio, "10.00"),
            (Operator::MoreThan, "0", "0", ratio, "0.00"),
            (Operator::Equal, "0", "0", ratio, "10.00"),
            (Operator::Equal, "0", "1", ratio, "0.00"),
            (Operator::AtMost, "0", "1", ratio, "0.00"),
            (Operator::AtMost, "0", "0", ratio, "10.00"),
            (Operator::LessThan, "5", "5", ratio, "10.00"),
            (Operator::AtLeast, "3", "1", ratio, "3.33"),
        ];
        for (op, a, b, mode, expected) in cases {
            let score = quantitative_score(op, d(a), d(b), w, mode);
            assert_eq!(format!("{score:.2}"), expected, "{op:?} {a} {b} {mode:?}");
        }
    }

    #[test]
    fn qualitative_bands_are_half_open() {
        let w = d("10");
        let score_in_band = |level, w, s| profile().score_in_band(level, w, s);
        assert!(score_in_band(QualitativeLevel::Achieved, w, d("10")));
        assert!(score_in_band(QualitativeLevel::Achieved, w, d("8")));
        assert!(!score_in_band(QualitativeLevel::Partly, w, d("8.5")));
        assert!(score_in_band(QualitativeLevel::Partly, w, d("6")));
        assert!(!score_in_band(QualitativeLevel::Partly, w, d("8")));
        assert!(score_in_band(QualitativeLevel::NotAchieved, w, d("5.99")));
        assert!(!score_in_band(QualitativeLevel::NotAchieved, w, d("6")));
    }

    #[test]
    fn deviations_are_direction_aware_and_include_thirty_percent() {
        let t = DeviationThresholds::of(&profile());
        let w = d("10");
        assert_eq!(quantitative_deviation(Operator::AtLeast, d("100"), d("130"), w, w, t), Some(Deviation::Over));
        assert_eq!(quantitative_deviation(Operator::AtLeast, d("100"), d("129.9"), w, w, t), None);
        assert_eq!(quantitative_deviation(Operator::AtMost, d("100"), d("70"), w, w, t), Some(Deviation::Over));
        assert_eq!(quantitative_deviation(Operator::AtMost, d("100"), d("71"), w, w, t), None);
        assert_eq!(quantitative_deviation(Operator::AtLeast, d("100"), d("80"), d("8"), w, t), Some(Deviation::Under));
        assert_eq!(quantitative_deviation(Operator::AtLeast, d("0"), d("80"), w, w, t), None);
        // A profile that tolerates a shortfall of 5% of the points.
        let lenient = DeviationThresholds { under: d("0.05"), ..t };
        assert_eq!(quantitative_deviation(Operator::AtLeast, d("100"), d("96"), d("9.6"), w, lenient), None);
        assert_eq!(
            quantitative_deviation(Operator::AtLeast, d("100"), d("94"), d("9.4"), w, lenient),
            Some(Deviation::Under)
        );
    }

    #[test]
    fn grades_use_half_open_bands() {
        let profile = profile();
        let of = |total| profile.grade_of(total);
        assert_eq!(of(d("90")), Grade::Excellent);
        assert_eq!(of(d("89.99")), Grade::Good);
        assert_eq!(of(d("80")), Grade::Good);
        assert_eq!(of(d("79.99")), Grade::Fair);
        assert_eq!(of(d("60")), Grade::Fair);
        assert_eq!(of(d("59.99")), Grade::Poor);
    }

    #[test]
    fn totals_sum_rounded_scores_and_rescale_when_not_applicable() {
        let rows = [
            ScoredRow { weight: d("10"), score: Some(d("8.62")) },
            ScoredRow { weight: d("90"), score: Some(d("90")) },
        ];
        assert_eq!(project_total(&rows), Some(d("98.62")));
        let rescaled = [
            ScoredRow { weight: d("10"), score: None },
            ScoredRow { weight: d("50"), score: Some(d("50")) },
            ScoredRow { weight: d("40"), score: Some(d("40")) },
        ];
        assert_eq!(project_total(&rescaled), Some(d("100.00")));
        let partial = [ScoredRow { weight: d("10"), score: None }, ScoredRow { weight: d("90"), score: Some(d("80")) }];
        assert_eq!(project_total(&partial), Some(d("88.89")));
        assert_eq!(project_total(&[ScoredRow { weight: d("10"), score: None }]), None);
    }

    #[test]
    fn department_average_is_the_mean_of_totals() {
        let project = |budget: &str, executed: &str, total: Option<&str>, approved| ProjectFigures {
            budget: d(budget),
            executed: d(executed),
            total: total.map(d),
            approved,
        };
        let figures = department_figures(
            &[
                project("0", "0", None, false),
                project("6", "5.9988", Some("100"), true),
                project("4", "4", Some("98"), true),
                project("0", "48.7912", Some("98"), true),
            ],
            &profile(),
        );
        assert_eq!(figures.budget, d("10"));
        assert_eq!(figures.executed, d("58.79"));
        assert_eq!(rate_percent(figures.rate.unwrap()), d("587.90"));
        assert_eq!(figures.average, Some(d("98.67")));
        assert_eq!((figures.evaluated, figures.in_scope), (3, 3));
        assert_eq!(figures.grade_counts, [3, 0, 0, 0]);
    }
}
