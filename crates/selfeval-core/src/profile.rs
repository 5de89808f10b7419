//! Rule profiles: every number the scoring rules and the checks depend on,
//! as data selected by id, so that a finance officer can read and review
//! them (`selfeval profile show`, `docs/profiles.md`).
//!
//! The id of the profile is recorded when a year is initialised, so a replay
//! always scores with the profile that was in force. Code reads thresholds
//! from here and builds its messages from them; no rule number is written
//! twice.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::arith::mul;
use crate::values::{fmt_plain, QualitativeLevel};

/// How a reverse (≤, <) indicator above its ceiling is scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReverseScoring {
    /// s = w × A ÷ B (the national default).
    Ratio,
    /// s = w × (1 − (B − A) ÷ A), 0 from B ≥ 2A (some provinces).
    Linear,
}

impl ReverseScoring {
    /// The formula in Chinese, for people.
    pub fn formula(self) -> &'static str {
        match self {
            ReverseScoring::Ratio => "按比例：得分 = 分值 × 年度指标值 ÷ 实际完成值",
            ReverseScoring::Linear => "线性扣分：得分 = 分值 × (1 − (实际完成值 − 年度指标值) ÷ 年度指标值)，不低于0",
        }
    }
}

/// One 一级 (level-1 category) of indicators and its default points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Level1 {
    /// The label, e.g. `产出指标`.
    pub name: &'static str,
    /// The default points of all indicators under it.
    pub points: Decimal,
}

/// A grade and the lowest total that earns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GradeBand {
    /// The grade.
    pub grade: Grade,
    /// The lowest total score of the band (inclusive); the band ends where
    /// the next higher band starts.
    pub min_score: Decimal,
    /// What the grade means for next year's budget (结果应用).
    pub result_use: &'static str,
}

/// The band of scores a qualitative level may be given, as fractions of the
/// indicator's points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QualitativeBand {
    /// The level.
    pub level: QualitativeLevel,
    /// The lowest fraction (inclusive).
    pub low: Decimal,
    /// The highest fraction.
    pub high: Decimal,
    /// Whether `high` itself is allowed.
    pub high_inclusive: bool,
}

/// A rule profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleProfile {
    /// The id recorded in the log, e.g. `cz2020-default`.
    pub id: &'static str,
    /// What this profile is, in Chinese.
    pub description: &'static str,
    /// Default points of the budget execution row (预算执行率分值).
    pub budget_weight: Decimal,
    /// The 一级 categories with their default points, in report order.
    pub level1: Vec<Level1>,
    /// The 一级 categories every evaluated project should have (I8).
    pub required_level1: Vec<&'static str>,
    /// How reverse indicators above the ceiling are scored.
    pub reverse_scoring: ReverseScoring,
    /// The grade bands, from the highest grade down.
    pub grade_bands: Vec<GradeBand>,
    /// The score bands of the qualitative levels.
    pub qualitative_bands: Vec<QualitativeBand>,
    /// An execution rate below this needs an explanation (F7): 0.90.
    pub low_execution_rate: Decimal,
    /// An indicator counts as under its target when its automatic score is
    /// below its points by more than this fraction of them (0: any shortfall).
    pub under_deviation: Decimal,
    /// An indicator this far beyond its target is "over" (I12): 0.30.
    pub over_deviation: Decimal,
    /// A single amount above this many 万元 looks like 元 typed as 万元 (F9).
    pub implausible_budget: Decimal,
    /// The 一级 label of cost indicators (I9, F10).
    pub cost_level1: &'static str,
    /// Words that make a 二级 label a cost indicator (I9, F10).
    pub cost_words: Vec<&'static str>,
}

/// The id of the default profile.
pub const DEFAULT_PROFILE_ID: &str = "cz2020-default";

fn dec(value: i64) -> Decimal {
    Decimal::from(value)
}

fn tenths(value: i64) -> Decimal {
    Decimal::new(value, 1)
}

impl RuleProfile {
    /// The ids of every known profile.
    pub fn ids() -> [&'static str; 3] {
        [DEFAULT_PROFILE_ID, "cz2020-linear", "cz2021-cost"]
    }

    /// Every known profile, in the order of [`RuleProfile::ids`].
    pub fn all() -> Vec<RuleProfile> {
        Self::ids().iter().filter_map(|id| Self::by_id(id)).collect()
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
            required_level1: vec!["产出指标", "效益指标", "满意度指标"],
            reverse_scoring: ReverseScoring::Ratio,
            grade_bands: vec![
                GradeBand {
                    grade: Grade::Excellent, min_score: dec(90), result_use: "予以支持，下年度预算优先保障"
                },
                GradeBand { grade: Grade::Good, min_score: dec(80), result_use: "根据需要保持资金安排" },
                GradeBand {
                    grade: Grade::Fair, min_score: dec(60), result_use: "按比例压减预算并改进管理"
                },
                GradeBand {
                    grade: Grade::Poor,
                    min_score: Decimal::ZERO,
                    result_use: "压减、暂停或取消预算，整改到位前不安排新增资金",
                },
            ],
            qualitative_bands: vec![
                QualitativeBand {
                    level: QualitativeLevel::Achieved,
                    low: tenths(8),
                    high: Decimal::ONE,
                    high_inclusive: true,
                },
                QualitativeBand {
                    level: QualitativeLevel::Partly,
                    low: tenths(6),
                    high: tenths(8),
                    high_inclusive: false,
                },
                QualitativeBand {
                    level: QualitativeLevel::NotAchieved,
                    low: Decimal::ZERO,
                    high: tenths(6),
                    high_inclusive: false,
                },
            ],
            low_execution_rate: Decimal::new(90, 2),
            under_deviation: Decimal::ZERO,
            over_deviation: Decimal::new(30, 2),
            implausible_budget: dec(100_000),
            cost_level1: "成本指标",
            cost_words: vec!["成本"],
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

    /// [`RuleProfile::by_id_or_default`], built once per process: for the
    /// judge of recorded events, which needs it for every indicator event.
    pub fn shared(id: &str) -> &'static RuleProfile {
        static PROFILES: std::sync::OnceLock<Vec<RuleProfile>> = std::sync::OnceLock::new();
        let all = PROFILES.get_or_init(|| Self::ids().iter().filter_map(|id| Self::by_id(id)).collect());
        all.iter()
            .find(|p| p.id == id)
            .unwrap_or_else(|| all.iter().find(|p| p.id == DEFAULT_PROFILE_ID).expect("the default profile exists"))
    }

    /// The profile with this id, or the default one for an id this build
    /// does not know (a replay never fails on it; `check` reports it).
    pub fn by_id_or_default(id: &str) -> RuleProfile {
        Self::by_id(id).unwrap_or_else(|| Self::by_id(DEFAULT_PROFILE_ID).expect("the default profile exists"))
    }

    /// The profile's default points for a 一级 label, if it is one of its categories.
    pub fn level1_points(&self, name: &str) -> Option<Decimal> {
        self.level1.iter().find(|l| l.name == name).map(|l| l.points)
    }

    /// The grade of a total score: the first band (from the top) whose
    /// minimum the total reaches. Bands are half-open: with 优 from 90,
    /// 89.99 is 良.
    pub fn grade_of(&self, total: Decimal) -> Grade {
        self.grade_bands.iter().find(|b| total >= b.min_score).map_or(Grade::Poor, |b| b.grade)
    }

    /// The band of a grade.
    pub fn grade_band(&self, grade: Grade) -> Option<&GradeBand> {
        self.grade_bands.iter().find(|b| b.grade == grade)
    }

    /// What a grade means for next year's budget.
    pub fn result_use(&self, grade: Grade) -> &'static str {
        self.grade_band(grade).map_or("", |b| b.result_use)
    }

    /// The band of allowed scores of a qualitative level for points
    /// `weight`, as (low, high, high inclusive).
    pub fn qualitative_band(&self, level: QualitativeLevel, weight: Decimal) -> (Decimal, Decimal, bool) {
        let band = self.qualitative_bands.iter().find(|b| b.level == level);
        band.map_or((Decimal::ZERO, weight, true), |b| (mul(weight, b.low), mul(weight, b.high), b.high_inclusive))
    }

    /// Whether `score` lies in the band of `level` for points `weight`.
    pub fn score_in_band(&self, level: QualitativeLevel, weight: Decimal, score: Decimal) -> bool {
        let (low, high, inclusive) = self.qualitative_band(level, weight);
        score >= low && if inclusive { score <= high } else { score < high }
    }

    /// Whether an indicator with these labels is a cost indicator.
    pub fn is_cost(&self, level1: &str, level2: &str) -> bool {
        level1 == self.cost_level1 || self.cost_words.iter().any(|w| level2.contains(w))
    }

    /// The over-deviation threshold as a percentage for messages (`30%`).
    pub fn over_deviation_text(&self) -> String {
        percent_text(self.over_deviation)
    }
}

/// A fraction as a percentage for people: `0.3` → `30%`.
pub fn percent_text(fraction: Decimal) -> String {
    format!("{}%", fmt_plain(mul(fraction, Decimal::ONE_HUNDRED)))
}

/// The grade (等级) of a total score; its bands are the profile's
/// ([`RuleProfile::grade_of`]): 优 ≥ 90, 良 ≥ 80, 中 ≥ 60, else 差 by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Grade {
    /// 优 (excellent).
    #[serde(rename = "优")]
    Excellent,
    /// 良 (good).
    #[serde(rename = "良")]
    Good,
    /// 中 (fair).
    #[serde(rename = "中")]
    Fair,
    /// 差 (poor).
    #[serde(rename = "差")]
    Poor,
}

impl Grade {
    /// A grade as tables print it: 优 (优秀), 良 (良好), 中 (中等, 一般),
    /// 差 (较差), with or without 「自评等级：」 or 「等级:」 before it.
    pub fn parse(text: &str) -> Option<Grade> {
        let text: String = text.split_whitespace().collect();
        let bare =
            ["自评等级：", "自评等级:", "等级：", "等级:"].iter().fold(text.as_str(), |t, p| t.trim_start_matches(p));
        match bare {
            "优" | "优秀" => Some(Grade::Excellent),
            "良" | "良好" => Some(Grade::Good),
            "中" | "中等" | "一般" => Some(Grade::Fair),
            "差" | "较差" => Some(Grade::Poor),
            _ => None,
        }
    }

    /// The Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            Grade::Excellent => "优",
            Grade::Good => "良",
            Grade::Fair => "中",
            Grade::Poor => "差",
        }
    }
}
