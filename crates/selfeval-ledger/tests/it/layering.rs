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

/// The workspace crates a member depends on, in any dependency table
/// (`[dependencies]`, `[dev-dependencies]`, `[build-dependencies]`, a
/// target's, `[dependencies.selfeval-x]`), renamed ones by their package.
fn internal_dependencies(krate: &str) -> Vec<String> {
    let manifest = manifest(krate);
    let mut names = Vec::new();
    let mut in_dependencies = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_dependencies = line.contains("dependencies");
            if let Some(name) = line.trim_matches(['[', ']']).rsplit('.').next().filter(|n| n.starts_with("selfeval-"))
            {
                names.push(name.to_owned());
            }
            continue;
        }
        if !in_dependencies {
            continue;
        }
        let package = line.split("package").nth(1).and_then(|rest| rest.split('"').nth(1));
        let key = line.split(['.', '=', ' ']).next().unwrap_or_default();
        if let Some(name) =
            package.filter(|p| p.starts_with("selfeval-")).or(Some(key).filter(|k| k.starts_with("selfeval-")))
        {
            names.push(name.to_owned());
        }
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
/// ends (the CLI, a web server, which the CLI mounts) and tools on anything but the storage,
/// which they reach through the application.
fn may_depend_on(role: &str) -> &'static [&'static str] {
    match role {
        "domain" | "storage" => &[],
        "application" => &["domain", "storage"],
        "rendering" => &["domain"],
        // A front end may mount another: the `selfeval` binary serves the
        // web front end as `selfeval serve`.
        "front-end" | "tool" => &["domain", "application", "rendering", "front-end"],
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
    // Every crate of the workspace: a new one is read without an edit here.
    let mut sources = Vec::new();
    for entry in std::fs::read_dir(workspace().join("crates")).unwrap() {
        let src = entry.unwrap().path().join("src");
        if src.is_dir() {
            rust_sources(&src, &mut sources);
        }
    }
    assert!(sources.iter().any(|p| p.ends_with("selfeval-web/src/lib.rs")), "the web crate is read");
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

/// The items a module re-exports (`pub use x::{A, B}`, `pub(crate) use
/// y::C`), each with the path it comes from, relative to the crate.
fn re_exports(module: &str, text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in text.lines().map(str::trim) {
        let Some(rest) = line.strip_prefix("pub use ").or_else(|| line.strip_prefix("pub(crate) use ")) else {
            continue;
        };
        let rest = rest.trim_end_matches(';');
        let rest = rest.strip_prefix("crate::").map(str::to_owned).unwrap_or_else(|| {
            // A path from this module (`pub use ctx::X`) or from its parent.
            match rest.strip_prefix("super::") {
                Some(r) => join(module.rsplit_once("::").map_or("", |(p, _)| p), r),
                None => join(module, rest),
            }
        });
        let (base, items) = match rest.split_once("::{") {
            Some((base, items)) => (base.to_owned(), items.trim_end_matches('}').to_owned()),
            None => match rest.rsplit_once("::") {
                Some((base, item)) => (base.to_owned(), item.to_owned()),
                None => continue,
            },
        };
        for item in items.split(',').map(|i| i.trim().split(" as ").last().unwrap_or_default().trim()) {
            if !item.is_empty() && item != "self" {
                out.push((item.to_owned(), base.clone()));
            }
        }
    }
    out
}

fn join(base: &str, path: &str) -> String {
    if base.is_empty() {
        path.to_owned()
    } else {
        format!("{base}::{path}")
    }
}

/// The module of `modules` that `path` (`a::b::Item`) names: the longest
/// module it starts with (the crate root `` at worst), followed through a
/// re-export of the item after it.
fn resolve(modules: &[String], exports: &[(String, Vec<(String, String)>)], path: &str) -> Option<String> {
    let parts: Vec<&str> = path.split("::").filter(|p| !p.is_empty()).collect();
    let found = (0..=parts.len()).rev().find(|&n| modules.iter().any(|m| *m == parts[..n].join("::")))?;
    let module = parts[..found].join("::");
    if let Some(item) = parts.get(found) {
        let exported = exports.iter().find(|(m, _)| *m == module).and_then(|(_, e)| e.iter().find(|(i, _)| i == item));
        if let Some((_, from)) = exported.filter(|(_, from)| *from != module) {
            return resolve(modules, exports, &join(from, item)).or(Some(module));
        }
    }
    Some(module)
}

/// A file's code without its comments (`//` not inside a string such as
/// `postgres://`, which follows a `:`).
fn without_comments(text: &str) -> String {
    let strip = |line: &str| -> String {
        let mut at = 0;
        while let Some(found) = line[at..].find("//") {
            let start = at + found;
            if !line[..start].ends_with(':') {
                return line[..start].to_owned();
            }
            at = start + 2;
        }
        line.to_owned()
    };
    text.lines().map(strip).collect::<Vec<_>>().join("\n")
}

/// The modules of its crate a file names through `crate::` or `super::`
/// (outside comments), but itself and its own submodules, which it
/// declares: a room and its parts may use each other.
fn imports(modules: &[String], exports: &[(String, Vec<(String, String)>)], module: &str, text: &str) -> Vec<String> {
    let code = without_comments(text);
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == ':';
    let parent = |m: &str| m.rsplit_once("::").map_or(String::new(), |(p, _)| p.to_owned());
    let mut found = Vec::new();
    let mut name = |path: &str| {
        if let Some(m) = resolve(modules, exports, path) {
            let own = module.is_empty() || m == module || m.starts_with(&format!("{module}::"));
            if !own && !found.contains(&m) {
                found.push(m);
            }
        }
    };
    for prefix in ["crate::", "super::"] {
        for (at, _) in code.match_indices(prefix) {
            // A whole word: not `my_crate::`, not the second `super::` of `super::super::`.
            if code[..at].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let mut rest = &code[at + prefix.len()..];
            let mut base = if prefix == "crate::" { String::new() } else { parent(module) };
            while prefix == "super::" && rest.starts_with("super::") {
                base = parent(&base);
                rest = &rest["super::".len()..];
            }
            // `a::b::{X, Y}`: the group's items under the path before it.
            let path: String = rest.chars().take_while(|c| ident(*c)).collect();
            let base = join(&base, path.trim_end_matches(':'));
            match rest[path.len()..].strip_prefix('{') {
                Some(group) => {
                    for item in group.split('}').next().unwrap_or_default().split(',') {
                        let item = item.trim().split([' ', '{']).next().unwrap_or_default().trim_end_matches(':');
                        name(&join(&base, item));
                    }
                }
                None => name(&base),
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
        let texts: Vec<String> = sources.iter().map(|p| std::fs::read_to_string(p).unwrap()).collect();
        let exports: Vec<(String, Vec<(String, String)>)> =
            modules.iter().zip(&texts).map(|(m, t)| (m.clone(), re_exports(m, t))).collect();
        let graph: Vec<(String, Vec<String>)> =
            modules.iter().zip(&texts).map(|(m, t)| (m.clone(), imports(&modules, &exports, m, t))).collect();
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

/// The reader itself: `crate::`, `super::` (twice too), groups, re-exports
/// followed to the module that defines the item, the root, comments.
#[test]
fn the_import_reader_sees_crate_super_groups_and_re_exports() {
    let modules: Vec<String> = ["", "a", "a::b", "c", "d", "d::e"].iter().map(|s| s.to_string()).collect();
    let exports = vec![
        ("".to_owned(), re_exports("", "pub use c::Thing;")),
        ("d".to_owned(), re_exports("d", "pub use e::{X, Y as Z};")),
    ];
    let read = |module: &str, text: &str| imports(&modules, &exports, module, text);
    assert_eq!(read("a", "use crate::c::Thing;\nmod b;\nuse b::X;"), ["c"]);
    assert_eq!(read("a::b", "use super::{Y, Z};"), ["a"]);
    assert_eq!(read("c", "use crate::{a::b::W, a};\n// crate::d"), ["a::b", "a"]);
    assert!(read("c", "/// see [`crate::a`]").is_empty());
    // A re-export names the module that defines the item.
    assert_eq!(read("a", "use crate::Thing;"), ["c"]);
    assert_eq!(read("d::e", "use super::super::a::X;"), ["a"]);
    assert_eq!(read("a", "use crate::d::{X, Z};"), ["d::e"]);
    assert_eq!(read("c", "let url = \"postgres://x\"; crate::a::f();"), ["a"]);
    assert!(read("c", "my_crate::a::f();").is_empty());
}
