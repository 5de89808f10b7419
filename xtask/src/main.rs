//! Automation for the selfeval workspace, run as `cargo xtask <task>`.
//!
//! - `ci`: what CI runs: formatting check, clippy with warnings as errors,
//!   and every test of the workspace.

use std::process::{Command, ExitCode};

const USAGE: &str = "usage: cargo xtask <task>\n\ntasks:\n  ci    cargo fmt --check, cargo clippy -D warnings, cargo test (the whole workspace)";

fn cargo(args: &[&str]) -> bool {
    eprintln!("$ cargo {}", args.join(" "));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    match Command::new(cargo).args(args).status() {
        Ok(status) => status.success(),
        Err(error) => {
            eprintln!("xtask: cannot run cargo: {error}");
            false
        }
    }
}

fn ci() -> bool {
    cargo(&["fmt", "--all", "--", "--check"])
        && cargo(&["clippy", "--workspace", "--all-targets", "--locked", "--", "-D", "warnings"])
        && cargo(&["test", "--workspace", "--locked"])
}

fn main() -> ExitCode {
    let task = std::env::args().nth(1);
    let ok = match task.as_deref() {
        Some("ci") => ci(),
        Some("-h" | "--help") => {
            println!("{USAGE}");
            true
        }
        other => {
            eprintln!("xtask: unknown task {other:?}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
