//! Tidy checks of the core itself: it stays pure.

use std::fs;
use std::path::Path;

fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push((path.display().to_string(), fs::read_to_string(&path).unwrap()));
        }
    }
}

#[test]
fn core_depends_on_no_io_crate() {
    let manifest = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
    let dependencies = manifest.split("[dependencies]").nth(1).unwrap().split("\n[").next().unwrap();
    for forbidden in ["sled", "clap", "tokio", "rusqlite", "reqwest", "uuid", "rand", "sha2", "comfy-table"] {
        assert!(
            !dependencies.lines().any(|l| l.trim_start().starts_with(forbidden)),
            "selfeval-core must not depend on {forbidden}"
        );
    }
}

#[test]
fn core_reads_no_clock_environment_or_files() {
    let mut files = Vec::new();
    sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    assert!(files.len() > 5);
    for (path, text) in files {
        for forbidden in [
            "Utc::now",
            "Local::now",
            "SystemTime",
            "Instant::now",
            "std::env",
            "std::fs",
            "std::io",
            "std::net",
            "thread_rng",
            "println!",
            "eprintln!",
        ] {
            assert!(
                !text.contains(forbidden),
                "{path} uses {forbidden}: the core takes time and input from its caller"
            );
        }
    }
}

#[test]
fn every_module_has_docs() {
    let mut files = Vec::new();
    sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    for (path, text) in files {
        assert!(text.starts_with("//!"), "{path} must open with a module doc comment");
    }
}

#[test]
fn events_md_lists_every_event_and_version() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/events.md");
    let catalogue = fs::read_to_string(path).unwrap();
    for event_type in selfeval_core::event::EVENT_TYPES {
        let row = catalogue
            .lines()
            .find(|l| l.starts_with(&format!("| `{event_type}` |")))
            .unwrap_or_else(|| panic!("docs/events.md has no row for {event_type}"));
        let documented = row.split('|').nth(2).unwrap().trim();
        let written = selfeval_core::event::EventPayload::schema_version_of(event_type).unwrap();
        assert_eq!(documented, format!("v{written}"), "docs/events.md is out of date for {event_type}");
    }
}
