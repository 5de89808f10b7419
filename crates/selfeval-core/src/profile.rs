//! Rule profiles: the scoring rules in force, as data selected by id.
//!
//! The id of the profile is recorded when a year is initialised, so a replay
//! always scores with the profile that was in force.

use rust_decimal::Decimal;
use serde::Serialize;

/// How a reverse (≤, <) indicator above its ceiling is scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReverseScoring {
    /// s = w × A ÷ B (the national default).
    Ratio,
    /// s = w × (1 − (B − A) ÷ A), 0 from B ≥ 2A (some provinces).
    Linear,
}

/// One 一级 (level-1 category) of indicators and its default points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Level1 {
    /// The label, e.g. `产出指标`.
    pub name: &'static str,
    /// The default points of all indicators under it.
    pub points: Decimal,
}

/// A rule profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleProfile {
    /// The id recorded in the log, e.g. `cz2020-default`.
    pub id: &'static str,
    /// What this profile is, in Chinese.
    pub description: &'static str,
    /// Default points of the budget execution row.
    pub budget_weight: Decimal,
    /// The 一级 categories with their default points, in report order.
    pub level1: Vec<Level1>,
    /// How reverse indicators above the ceiling are scored.
    pub reverse_scoring: ReverseScoring,
    /// An execution rate below this needs an explanation (F7): 0.90.
    pub low_execution_rate: Decimal,
    /// An indicator this far beyond its target is "over" (I12): 0.30.
    pub over_deviation: Decimal,
    /// A single project budget above this many 万元 looks like 元 typed as 万元 (F9).
    pub implausible_budget: Decimal,
}

/// The id of the default profile.
pub const DEFAULT_PROFILE_ID: &str = "cz2020-default";

fn dec(value: i64) -> Decimal {
    Decimal::from(value)
}

impl RuleProfile {
    /// The ids of every known profile.
    pub fn ids() -> [&'static str; 3] {
        [DEFAULT_PROFILE_ID, "cz2020-linear", "cz2021-cost"]
    }

    /// The profile with this id, if there is one.
    pub fn by_id(id: &str) -> Option<RuleProfile> {
        let default = RuleProfile {
            id: DEFAULT_PROFILE_ID,
            description: "财预〔2020〕10号：预算执行率10分、产出50分、效益30分、满意度10分，反向指标按比例计分",
            budget_weight: dec(10),
            level1: vec![
                Level1 { name: "产出指标", points: dec(50) },
                Level1 { name: "效益指标", points: dec(30) },
                Level1 { name: "满意度指标", points: dec(10) },
            ],
            reverse_scoring: ReverseScoring::Ratio,
            low_execution_rate: Decimal::new(90, 2),
            over_deviation: Decimal::new(30, 2),
            implausible_budget: dec(100_000),
        };
        match id {
            DEFAULT_PROFILE_ID => Some(default),
            "cz2020-linear" => Some(RuleProfile {
                id: "cz2020-linear",
                description: "同 cz2020-default，但反向指标超出上限时按线性扣分：s = w × (1 − (B − A) ÷ A)",
                reverse_scoring: ReverseScoring::Linear,
                ..default
            }),
            "cz2021-cost" => Some(RuleProfile {
                id: "cz2021-cost",
                description: "财预〔2021〕101号分类：成本指标单列一级（产出40分、成本10分、效益30分、满意度10分）",
                level1: vec![
                    Level1 { name: "产出指标", points: dec(40) },
                    Level1 { name: "成本指标", points: dec(10) },
                    Level1 { name: "效益指标", points: dec(30) },
                    Level1 { name: "满意度指标", points: dec(10) },
                ],
                ..default
            }),
            _ => None,
        }
    }

    /// The profile's default points for a 一级 label, if it is one of its categories.
    pub fn level1_points(&self, name: &str) -> Option<Decimal> {
        self.level1.iter().find(|l| l.name == name).map(|l| l.points)
    }
}
