//! Snapshots of what a person sees when something goes wrong: stderr and
//! the exit status of one refusal of each kind, and the whole help tree.

use crate::Env;

/// Exit status and stderr, with the temporary store path replaced.
fn outcome(env: &Env, args: &[&str], actor: bool) -> String {
    let run = if actor { env.act(args) } else { env.run(args) };
    let store = env.store().display().to_string();
    format!("$ selfeval {}\nexit: {}\n{}", args.join(" "), run.code(), run.stderr().replace(&store, "[STORE]"))
}

#[test]
fn one_refusal_of_each_kind() {
    let missing = Env::in_dir();
    let env = Env::with_project();
    let mut all = vec![
        // A store that does not exist.
        outcome(&missing, &["report"], false),
        // No actor for a recording command.
        outcome(&env, &["budget", "adjust", "P01", "--delta", "1", "--reason", "调整"], false),
        // A malformed value.
        outcome(&env, &["spend", "P01", "--amount", "12,34", "--date", "2024-06-30"], true),
        // Something that does not exist.
        outcome(&env, &["spend", "P09", "--amount", "1", "--date", "2024-06-30"], true),
        // A rule of the domain.
        outcome(&env, &["approve", "P01"], true),
        // A required reason.
        outcome(&env, &["budget", "adjust", "P01", "--delta", "1"], true),
        // A value the binary parses itself.
        outcome(&env, &["report", "--as-of", "昨天"], false),
        // A usage error from the argument parser.
        outcome(&env, &["spend", "P01", "--amount", "1"], true),
    ];
    // The same refusal, as JSON on stderr.
    all.push(outcome(&env, &["--json", "spend", "P01", "--amount", "abc", "--date", "2024-06-30"], true));
    // A file whose history was changed: an integrity error, nothing written.
    let fixture = std::fs::read_to_string(crate::fixture("v1-demo-export.jsonl")).unwrap();
    let tampered = env.dir.path().join("tampered.jsonl");
    std::fs::write(&tampered, fixture.replacen("\"amount\":\"30\"", "\"amount\":\"3\"", 1)).unwrap();
    let fresh = Env::new();
    all.push(
        outcome(&fresh, &["import", tampered.to_str().unwrap()], false)
            .replace(env.dir.path().to_str().unwrap(), "[DIR]"),
    );
    // Error findings make `check` exit 1, with the findings on stdout.
    env.ok(&["spend", "P01", "--amount", "7", "--date", "2024-06-30"]);
    all.push(outcome(&env, &["check"], false));
    insta::assert_snapshot!("refusals", all.join("\n"));
}

#[test]
fn a_busy_store_exits_three() {
    let env = Env::with_project_in_dir();
    let _held = selfeval_ledger::Ledger::open(
        &selfeval_ledger::Location::Dir(env.store()),
        &selfeval_ledger::LedgerSettings::default(),
        selfeval_ledger::Purpose::Create,
    )
    .unwrap();
    let busy = env.command().env("SELFEVAL_BUSY_TIMEOUT", "0").args(["status"]).output().unwrap();
    assert_eq!(busy.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&busy.stderr).replace(&env.store().display().to_string(), "[STORE]");
    insta::assert_snapshot!("busy", stderr);
}

/// Every command path of the binary, from its own help.
fn command_paths(env: &Env, prefix: &[String], out: &mut Vec<Vec<String>>) {
    let mut args = prefix.to_vec();
    args.push("--help".to_owned());
    let help = env.run(&args.iter().map(String::as_str).collect::<Vec<_>>()).stdout();
    out.push(prefix.to_vec());
    let Some(section) = help.split("命令 (Commands):").nth(1) else { return };
    for line in section.lines().skip(1) {
        let Some(name) = line.strip_prefix("  ").and_then(|l| l.split_whitespace().next()) else { break };
        let mut path = prefix.to_vec();
        path.push(name.to_owned());
        command_paths(env, &path, out);
    }
}

#[test]
fn the_help_tree() {
    let env = Env::new();
    let mut paths = Vec::new();
    command_paths(&env, &[], &mut paths);
    assert!(paths.len() > 35, "the walk found every command: {paths:?}");
    let mut tree = String::new();
    for path in &paths {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let run = env.run(&args);
        assert_eq!(run.code(), 0, "{path:?}");
        tree.push_str(&format!("==== selfeval {} --help\n{}\n", path.join(" "), run.stdout()));
    }
    insta::assert_snapshot!("help_tree", tree);
}

#[test]
fn usage_errors_are_said_in_chinese_without_making_the_environment_look_required() {
    let env = crate::Env::new();
    let run = env.run(&["spnd"]);
    assert_eq!(run.code(), 2);
    assert!(run.stderr().starts_with("错误：无法识别的命令「spnd」；是否想用：spend\n"), "{}", run.stderr());
    let run = env.run(&["report", "--format", "pdf"]);
    assert_eq!(run.code(), 2);
    assert!(
        run.stderr().starts_with("错误：参数 --format <FORMAT> 的值「pdf」无效；可接受：md、json、docx"),
        "{}",
        run.stderr()
    );
    let run = env.run(&["--actor", "张三@应急救援科", "--store", "/tmp/x", "spend", "P01", "--bogus"]);
    assert_eq!(run.code(), 2);
    let said = run.stderr();
    assert!(said.starts_with("错误：无法识别的参数「--bogus」"), "{said}");
    let usage = said.lines().find(|l| l.starts_with("用法 (Usage):")).unwrap();
    assert!(!usage.contains("--actor") && !usage.contains("--store"), "{usage}");
    assert!(!said.contains("error:") && !said.contains("For more information"), "{said}");
    assert_eq!(env.run(&["--version"]).code(), 0);
}
