//! The rules as people review them: a rule profile (`profile show`,
//! `docs/profiles.md`) and the table of checks (`check --rules`), in
//! Markdown and JSON, read from the same data the code runs on.

use std::fmt::Write;

use rust_decimal::Decimal;
use selfeval_core::check::{Rule, RULES};
use selfeval_core::profile::{percent_text, RuleProfile};
use selfeval_core::values::fmt_plain;
use serde_json::{json, Value};

use crate::markdown::list_table;

/// A fraction's band as people write it: `0.8 × 分值 ≤ 得分 ≤ 分值`.
fn band(low: Decimal, high: Decimal, inclusive: bool) -> String {
    let side = |f: Decimal| if f == Decimal::ONE { "分值".to_owned() } else { format!("{} × 分值", fmt_plain(f)) };
    let close = if inclusive { "≤" } else { "<" };
    format!("{} ≤ 得分 {close} {}", if low.is_zero() { "0".to_owned() } else { side(low) }, side(high))
}

/// One profile as a Markdown section a finance officer can review.
pub fn profile_markdown(profile: &RuleProfile) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## {}\n\n{}\n", profile.id, profile.description);
    let mut points = vec![vec!["预算执行率".to_owned(), fmt_plain(profile.budget_weight)]];
    points.extend(profile.level1.iter().map(|l| vec![l.name.to_owned(), fmt_plain(l.points)]));
    out.push_str("### 分值\n\n");
    out.push_str(&list_table(&["项目", "默认分值"], points));
    out.push_str("\n### 等级与结果应用\n\n");
    let mut upper: Option<Decimal> = None;
    let grades: Vec<Vec<String>> = profile
        .grade_bands
        .iter()
        .map(|b| {
            let range = match upper {
                Some(u) => format!("{} ≤ 总分 < {}", fmt_plain(b.min_score), fmt_plain(u)),
                None => format!("总分 ≥ {}", fmt_plain(b.min_score)),
            };
            upper = Some(b.min_score);
            vec![b.grade.label().to_owned(), range, b.result_use.to_owned()]
        })
        .collect();
    out.push_str(&list_table(&["等级", "总分区间", "结果应用"], grades));
    out.push_str("\n### 定性指标得分区间\n\n");
    let bands: Vec<Vec<String>> = profile
        .qualitative_bands
        .iter()
        .map(|b| vec![b.level.label().to_owned(), band(b.low, b.high, b.high_inclusive)])
        .collect();
    out.push_str(&list_table(&["完成等级", "得分区间"], bands));
    out.push_str("\n### 计分与核查阈值\n\n");
    let cost = format!("一级指标为「{}」，或二级指标含「{}」", profile.cost_level1, profile.cost_words.join("」「"));
    let under = if profile.under_deviation.is_zero() {
        "得分低于分值即为未完成".to_owned()
    } else {
        format!("得分比分值低{}以上为未完成", percent_text(profile.under_deviation))
    };
    let thresholds = vec![
        vec!["反向指标（≤、<）超出上限".to_owned(), profile.reverse_scoring.formula().to_owned(), "计分".to_owned()],
        vec!["未完成（偏差）".to_owned(), under, "I11、R7".to_owned()],
        vec![
            "超额（偏差）".to_owned(),
            format!("超出年度指标值{}及以上", percent_text(profile.over_deviation)),
            "I12、R7".to_owned(),
        ],
        vec![
            "执行率偏低".to_owned(),
            format!("低于{}须说明原因", percent_text(profile.low_execution_rate)),
            "F7".to_owned(),
        ],
        vec![
            "金额疑似单位错误".to_owned(),
            format!("单笔支出或项目全年预算数超过{}万元", fmt_plain(profile.implausible_budget)),
            "F9".to_owned(),
        ],
        vec!["应有的一级指标".to_owned(), profile.required_level1.join("、"), "I8".to_owned()],
        vec!["成本指标的识别".to_owned(), cost, "I9、F10".to_owned()],
    ];
    out.push_str(&list_table(&["规则", "取值", "用于"], thresholds));
    out
}

/// One profile as JSON: every value as the code uses it.
pub fn profile_json(profile: &RuleProfile) -> Value {
    serde_json::to_value(profile).expect("a profile serializes")
}

/// Every known profile, as `docs/profiles.md` holds them.
pub fn profiles_document() -> String {
    let mut out = String::from(
        "# 评分规则 (rule profiles)\n\n\
         <!-- Generated from selfeval-core's profile data by `selfeval profile show --all`; \
         a tidy test keeps it fresh. Do not edit by hand. -->\n\n\
         每个年度在初始化时记录所用的评分规则编号；重放时总用当时有效的规则。\
         下列每个数字都是程序实际使用的数据。\n\n",
    );
    for profile in RuleProfile::all() {
        out.push_str(&profile_markdown(&profile));
        out.push('\n');
    }
    out
}

/// The table of checks as Markdown: id, severity, subject, title, what it checks.
pub fn rules_markdown(rules: &[Rule]) -> String {
    let rows = rules
        .iter()
        .map(|r| {
            vec![
                r.id.to_owned(),
                r.severity.label().to_owned(),
                r.subject.label().to_owned(),
                r.title.to_owned(),
                r.checks.to_owned(),
            ]
        })
        .collect();
    list_table(&["规则", "级别", "类别", "名称", "检查内容"], rows)
}

/// The table of checks as JSON.
pub fn rules_json(rules: &[Rule]) -> Value {
    let rules: Vec<Value> = rules
        .iter()
        .map(|r| {
            json!({"id": r.id, "severity": r.severity.as_str(), "subject": r.subject.as_str(),
                   "title": r.title, "checks": r.checks})
        })
        .collect();
    json!({ "rules": rules })
}

/// Every rule of this build.
pub fn all_rules() -> &'static [Rule] {
    RULES
}
