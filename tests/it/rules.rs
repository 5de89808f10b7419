//! The rules as people review them: `check --rules` and `profile show`
//! read the same tables the code runs on.

use crate::Env;

#[test]
fn check_rules_lists_every_rule_of_the_table() {
    let env = Env::new();
    let listing = env.run(&["check", "--rules"]);
    assert_eq!(listing.code(), 0);
    let text = listing.stdout();
    for rule in selfeval_core::check::RULES {
        let row =
            text.lines().find(|l| l.starts_with(&format!("| {} ", rule.id))).unwrap_or_else(|| panic!("{}", rule.id));
        assert!(row.contains(rule.title) && row.contains(rule.severity.label()), "{row}");
    }
    let json = env.json(&["check", "--rules", "--json"]);
    let ids: Vec<&str> = json["rules"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    let expected: Vec<&str> = selfeval_core::check::RULES.iter().map(|r| r.id).collect();
    assert_eq!(ids, expected);
    assert_eq!(
        json["rules"][1],
        serde_json::json!({"id": "F2", "severity": "error", "subject": "money",
        "title": "零预算有支出", "checks": "全年预算数为0的项目记录了支出"})
    );
}

#[test]
fn profile_show_prints_the_profile_in_force() {
    let env = Env::new();
    // Without a store: the default profile.
    let default = env.run(&["profile", "show"]).stdout();
    assert!(default.starts_with("## cz2020-default\n"), "{default}");
    assert!(default.contains("| 优   | 总分 ≥ 90      | 予以支持，下年度预算优先保障"), "{default}");
    env.ok(&["init", "--department", "某市应急管理局", "--year", "2024", "--profile", "cz2021-cost"]);
    let in_force = env.run(&["profile", "show"]).stdout();
    assert!(in_force.starts_with("## cz2021-cost\n"), "{in_force}");
    assert!(in_force.contains("| 成本指标   | 10       |"), "{in_force}");
    let json = env.json(&["profile", "show", "cz2020-linear", "--json"]);
    assert_eq!(json["reverse_scoring"], "linear");
    assert_eq!(json["over_deviation"], "0.30");
    assert_eq!(
        json["grade_bands"][1],
        serde_json::json!({"grade": "良", "min_score": "80", "result_use": "根据需要保持资金安排"})
    );
    let unknown = env.run(&["profile", "show", "cz1999"]);
    assert_eq!(unknown.code(), 1);
    assert_eq!(
        unknown.stderr(),
        "错误：ID：「cz1999」不是评分规则编号；可接受：cz2020-default、cz2020-linear、cz2021-cost\n"
    );
}

#[test]
fn docs_profiles_md_is_what_profile_show_all_prints() {
    let env = Env::new();
    let generated = env.run(&["profile", "show", "--all"]).stdout();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/profiles.md");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if generated != committed {
        std::fs::write(&path, &generated).unwrap();
        panic!("docs/profiles.md was stale and has been regenerated; commit it");
    }
}
