//! Tidy: which crate may depend on which, by the layer each declares (so a
//! new front end needs no edit here). Only the ledger knows both the core
//! and the store; the CLI reaches the store through the ledger; only the
//! CLI's settings read the environment; no two files of a crate import
//! each other.

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

/// A member's layer, from `[package.metadata.selfeval] role` in its manifest.
fn role(krate: &str) -> String {
    let manifest = manifest(krate);
    let section = manifest.split("[package.metadata.selfeval]").nth(1).unwrap_or_else(|| {
        panic!("{krate} has no [package.metadata.selfeval] role: domain, storage, application, rendering, front-end or tool")
    });
    let line = section.lines().find(|l| l.trim_start().starts_with("role")).unwrap_or_default();
    line.split('"').nth(1).unwrap_or_default().to_owned()
}

/// Which layers a layer may depend on: the domain (core) and the storage
/// (store) on nothing of ours; the application (ledger) on exactly both,
/// the only layer that knows both; rendering (report) on the domain; front
/// ends (the CLI, a web server) and tools on anything but the storage,
/// which they reach through the application.
fn may_depend_on(role: &str) -> &'static [&'static str] {
    match role {
        "domain" | "storage" => &[],
        "application" => &["domain", "storage"],
        "rendering" => &["domain"],
        "front-end" | "tool" => &["domain", "application", "rendering"],
        other => panic!("「{other}」 is no layer: domain, storage, application, rendering, front-end or tool"),
    }
}

#[test]
fn each_crate_depends_only_on_the_layers_below_it() {
    let mut crates: Vec<String> = std::fs::read_dir(workspace().join("crates"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    crates.sort();
    crates.push("xtask".to_owned());
    for krate in &crates {
        let layer = role(krate);
        let may = may_depend_on(&layer);
        for dependency in internal_dependencies(krate) {
            let theirs = role(&dependency);
            assert!(may.contains(&theirs.as_str()), "{krate} ({layer}) must not depend on {dependency} ({theirs})");
        }
    }
    let both = |k: &String| {
        let layers: Vec<String> = internal_dependencies(k).iter().map(|d| role(d)).collect();
        layers.iter().any(|l| l == "domain") && layers.iter().any(|l| l == "storage")
    };
    let knowing_both: Vec<&String> = crates.iter().filter(|k| both(k)).collect();
    assert_eq!(knowing_both, vec!["selfeval-ledger"], "only the ledger knows both the core and the store");
    assert_eq!(role("selfeval-core"), "domain");
    assert_eq!(role("selfeval-store"), "storage");
    assert_eq!(role("selfeval-ledger"), "application");
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
fn no_cli_source_file_is_over_250_lines() {
    let mut sources = Vec::new();
    rust_sources(&workspace().join("crates/selfeval-cli/src"), &mut sources);
    for path in sources {
        let lines = std::fs::read_to_string(&path).unwrap().lines().count();
        assert!(lines <= 250, "{} has {lines} lines; split it by command group, or move what is not parsing and printing into the ledger or report crate", path.display());
    }
}

/// The module a source file is, inside its crate: `check::printed` for
/// `src/check/printed.rs`, `check` for `src/check/mod.rs`, `` for `lib.rs`.
fn module_of(src: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib" | "main")) {
        parts.pop();
    }
    parts.join("::")
}

/// The longest module of `modules` that `path` (`a::b::Item`) names.
fn resolve<'m>(modules: &'m [String], path: &str) -> Option<&'m String> {
    let parts: Vec<&str> = path.split("::").collect();
    (1..=parts.len()).rev().find_map(|n| {
        let candidate = parts[..n].join("::");
        modules.iter().find(|m| **m == candidate)
    })
}

/// The modules of its crate a file names through `crate::` or `super::`
/// (outside comments), but its own submodules.
fn imports(modules: &[String], module: &str, text: &str) -> Vec<String> {
    let code: String = text.lines().map(|l| l.split("//").next().unwrap_or_default()).collect::<Vec<_>>().join("\n");
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == ':';
    let parent = module.rsplit_once("::").map_or("", |(p, _)| p);
    let mut found = Vec::new();
    let mut name = |path: &str| {
        if let Some(m) = resolve(modules, path) {
            let own = module.is_empty() || m.starts_with(&format!("{module}::")) || m == module;
            if !own && !found.contains(m) {
                found.push(m.clone());
            }
        }
    };
    for (prefix, base) in [("crate::", ""), ("super::", parent)] {
        for (at, _) in code.match_indices(prefix) {
            let rest = &code[at + prefix.len()..];
            let join = |p: &str| if base.is_empty() { p.to_owned() } else { format!("{base}::{p}") };
            if let Some(group) = rest.strip_prefix('{') {
                let group = group.split('}').next().unwrap_or_default();
                for item in group.split(',') {
                    name(&join(item.trim().split([' ', '{']).next().unwrap_or_default().trim_end_matches(':')));
                }
                if !base.is_empty() {
                    name(base);
                }
            } else {
                let path: String = rest.chars().take_while(|c| ident(*c)).collect();
                let path = path.trim_end_matches(':');
                if path.is_empty() || !base.is_empty() && resolve(modules, &join(path)).is_none() {
                    name(base);
                } else {
                    name(&join(path));
                }
            }
        }
    }
    found
}

#[test]
fn no_two_files_of_a_crate_import_each_other() {
    let mut circles = Vec::new();
    let mut roots: Vec<std::path::PathBuf> =
        std::fs::read_dir(workspace().join("crates")).unwrap().map(|e| e.unwrap().path().join("src")).collect();
    roots.push(workspace().join("xtask/src"));
    for src in roots {
        let mut sources = Vec::new();
        rust_sources(&src, &mut sources);
        let modules: Vec<String> = sources.iter().map(|p| module_of(&src, p)).collect();
        let graph: Vec<(String, Vec<String>)> = sources
            .iter()
            .zip(&modules)
            .map(|(path, module)| (module.clone(), imports(&modules, module, &std::fs::read_to_string(path).unwrap())))
            .collect();
        for (a, theirs) in &graph {
            for b in theirs {
                let back = graph.iter().find(|(m, _)| m == b).is_some_and(|(_, its)| its.contains(a));
                if back && a < b {
                    circles.push(format!("{}: {a} ↔ {b}", src.display()));
                }
            }
        }
    }
    assert!(
        circles.is_empty(),
        "files that import each other (move what both need below both):\n{}",
        circles.join("\n")
    );
}

/// The checker itself finds a circle, and not a file's own submodules.
#[test]
fn the_import_reader_sees_crate_super_and_groups() {
    let modules: Vec<String> = ["", "a", "a::b", "c"].iter().map(|s| s.to_string()).collect();
    assert_eq!(imports(&modules, "a", "use crate::c::Thing;\nmod b;\nuse b::X;"), ["c"]);
    assert_eq!(imports(&modules, "a::b", "use super::{Y, Z};"), ["a"]);
    assert_eq!(imports(&modules, "c", "use crate::{a::b::W, a};\n// crate::nothing"), ["a::b", "a"]);
    assert!(imports(&modules, "c", "/// see [`crate::a`]").is_empty());
}
