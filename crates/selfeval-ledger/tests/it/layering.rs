//! Tidy: which crate may depend on which. Only the ledger knows both the
//! core and the store; the CLI reaches the store through the ledger; only
//! the CLI's settings read the environment.

use std::path::Path;

fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().parent().unwrap()
}

/// The manifest of a workspace member (`xtask` or a crate under `crates/`).
fn manifest(krate: &str) -> String {
    let dir = if krate == "xtask" { workspace().join("xtask") } else { workspace().join("crates").join(krate) };
    std::fs::read_to_string(dir.join("Cargo.toml")).unwrap()
}

/// The workspace crates a member's `[dependencies]` and `[dev-dependencies]` name.
fn internal_dependencies(krate: &str) -> Vec<String> {
    let manifest = manifest(krate);
    let mut names = Vec::new();
    for table in ["[dependencies]", "[dev-dependencies]"] {
        let section = manifest.split(table).nth(1).unwrap_or_default();
        let section = section.split("\n[").next().unwrap_or_default();
        names.extend(
            section
                .lines()
                .filter_map(|l| l.split(['.', '=', ' ']).next())
                .filter(|name| name.starts_with("selfeval-"))
                .map(str::to_owned),
        );
    }
    names
}

#[test]
fn each_crate_depends_only_on_the_crates_below_it() {
    let allowed: &[(&str, &[&str])] = &[
        ("selfeval-core", &[]),
        ("selfeval-store", &[]),
        ("selfeval-ledger", &["selfeval-core", "selfeval-store"]),
        ("selfeval-report", &["selfeval-core"]),
        ("selfeval-cli", &["selfeval-core", "selfeval-ledger", "selfeval-report"]),
        ("selfeval-fuzz", &["selfeval-core", "selfeval-ledger"]),
        ("xtask", &["selfeval-core", "selfeval-ledger", "selfeval-report"]),
    ];
    let mut crates: Vec<String> = std::fs::read_dir(workspace().join("crates"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    crates.push("xtask".to_owned());
    for krate in &crates {
        let rule = allowed.iter().find(|(name, _)| name == krate);
        let Some((_, may)) = rule else { panic!("{krate} has no layering rule in this test") };
        for dependency in internal_dependencies(krate) {
            assert!(may.contains(&dependency.as_str()), "{krate} must not depend on {dependency}");
        }
    }
    let both = |k: &String| {
        let deps = internal_dependencies(k);
        deps.iter().any(|d| d == "selfeval-core") && deps.iter().any(|d| d == "selfeval-store")
    };
    let knowing_both: Vec<&String> = crates.iter().filter(|k| both(k)).collect();
    assert_eq!(knowing_both, vec!["selfeval-ledger"], "only the ledger knows both the core and the store");
}

fn rust_sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn only_the_cli_settings_read_the_environment() {
    let mut sources = Vec::new();
    for krate in
        ["selfeval-core", "selfeval-store", "selfeval-ledger", "selfeval-report", "selfeval-cli", "selfeval-fuzz"]
    {
        rust_sources(&workspace().join("crates").join(krate).join("src"), &mut sources);
    }
    for path in sources {
        let text = std::fs::read_to_string(&path).unwrap();
        let reads = ["env::var", "env::vars", "var_os(", "env = \""].iter().any(|needle| text.contains(needle));
        let is_settings = path.ends_with("selfeval-cli/src/settings.rs");
        assert!(
            !reads || is_settings,
            "{} reads the environment; only selfeval-cli/src/settings.rs may",
            path.display()
        );
    }
}

#[test]
fn no_cli_source_file_is_over_400_lines() {
    let mut sources = Vec::new();
    rust_sources(&workspace().join("crates/selfeval-cli/src"), &mut sources);
    for path in sources {
        let lines = std::fs::read_to_string(&path).unwrap().lines().count();
        assert!(lines <= 400, "{} has {lines} lines; split it by command group", path.display());
    }
}
