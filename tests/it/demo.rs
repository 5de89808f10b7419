//! The demo: the seed department as it stands, its report, and re-running it.

use crate::Env;

fn redact(text: &str, env: &Env) -> String {
    let (_, hash) = env.head().unwrap();
    text.replace(&hash, "[head hash]")
}

#[test]
fn demo_prints_the_seed_report_with_its_figures() {
    let env = Env::new();
    let run = env.run(&["demo"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert!(run.stderr().contains("生成示范部门（77 个事件）"), "{}", run.stderr());
    let report = run.stdout();
    assert!(report.contains("预算总额为10.00万元"));
    assert!(report.contains("实际执行金额为58.79万元，预算执行率为587.90%"));
    assert!(report.contains("3个项目平均自评分数为98.67分"));
    insta::assert_snapshot!("demo_report_md", redact(&report, &env));
}

#[test]
fn demo_report_json_has_the_contract_fields() {
    let env = Env::new();
    env.run(&["demo"]);
    let json = env.json(&["report", "--format", "json"]);
    assert_eq!(json["format_version"], 2);
    assert_eq!(json["unit"], "万元");
    // Amounts are exact decimals (10, not 10.00); rates and scores have two decimals.
    assert_eq!(
        json["totals"],
        serde_json::json!({"initial_budget": "10", "budget": "10", "executed": "58.79", "execution_rate": "587.90"})
    );
    assert_eq!(json["projects"][3]["executed"], "48.7912");
    assert_eq!(json["average_score"], "98.67");
    assert_eq!(json["coverage"]["projects"], 3);
    assert_eq!(json["coverage"]["evaluated"], 3);
    assert_eq!(json["projects"][0]["execution_rate"], serde_json::Value::Null);
    assert_eq!(json["projects"][1]["execution_rate"], "99.98");
    let rules: Vec<&str> = json["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap()).collect();
    assert!(rules.contains(&"F2"), "{rules:?}");
    insta::assert_json_snapshot!("demo_report_json", json, {
        ".as_of.head_hash" => "[head hash]",
    });
}

#[test]
fn rerunning_the_demo_writes_nothing() {
    let env = Env::new();
    env.run(&["demo"]);
    let before = env.head();
    let again = env.run(&["demo"]);
    assert_eq!(again.code(), 0);
    assert!(again.stderr().contains("示范库已存在"), "{}", again.stderr());
    assert_eq!(env.head(), before);
    let other = Env::with_project();
    let refused = other.run(&["demo"]);
    assert_eq!(refused.code(), 1);
    assert!(refused.stderr().contains("已有数据且不是示范库"));
}

#[test]
fn every_figure_of_the_demo_report_traces() {
    let env = Env::new();
    env.run(&["demo"]);
    for code in ["P01", "P02", "P03", "P04"] {
        for figure in ["budget", "initial_budget", "executed", "execution_rate", "budget_score", "total_score"] {
            let run = env.act(&["trace", code, figure]);
            assert_eq!(run.code(), 0, "trace {code} {figure}: {}", run.stderr());
        }
    }
    for figure in ["budget", "executed", "execution_rate", "average_score"] {
        assert_eq!(env.act(&["trace", "department", figure]).code(), 0);
    }
    let average = env.json(&["trace", "department", "average_score", "--json"]);
    assert_eq!(average["value"], "98.67");
    assert_eq!(average["formula"], "(100.00 + 98.00 + 98.00) ÷ 3，四舍五入到2位小数");
}

#[test]
fn check_on_the_demo_lists_the_seeds_contradictions_and_exits_one() {
    let env = Env::new();
    env.run(&["demo"]);
    let run = env.act(&["check", "--json"]);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    let findings: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    let rules: Vec<&str> =
        findings["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap()).collect();
    for rule in ["F2", "F3", "I13", "R6"] {
        assert!(rules.contains(&rule), "{rule} missing from {rules:?}");
    }
    let text = env.act(&["check"]);
    assert_eq!(text.code(), 1);
    assert!(text.stdout().starts_with("错误（8项）："), "{}", text.stdout());
}
