//! `selfeval`: the command-line tool. Glue only: flags are parsed here,
//! the environment is read in `settings.rs`, each command group lives in
//! `commands/`, the ledger (`selfeval-ledger`) records and replays, and the
//! report crate renders. Every error is printed and mapped to an exit code
//! in `error.rs`.

mod commands;
mod error;
mod help;
mod settings;

use clap::{CommandFactory, FromArgMatches};

/// Replaying a million events allocates and frees millions of small
/// strings; mimalloc keeps that fast and the peak resident size low.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Help and version print as asked (exit 0); any other clap error is said
/// in Chinese on stderr (exit 2).
fn usage_error(error: &clap::Error) -> ! {
    use clap::error::ErrorKind;
    // Help asked for, or a command group given without its command: the
    // (Chinese) help, as clap prints it.
    if matches!(
        error.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        error.exit();
    }
    eprint!("{}", help::error_in_chinese(error));
    std::process::exit(error::EXIT_USAGE);
}

/// No transparent huge pages for a command that holds the whole ledger in
/// memory. mimalloc asks for them on its arenas, and the kernel then backs
/// each touched 2 MiB whole: at a million events a report held 290 MB with
/// them and 241 MB without (an import 341 and 296 MB), and on a fragmented
/// machine compaction for them cost a report up to 0.8 s of system time.
/// A point command keeps them: there 4 KiB page faults cost about 10 ms of
/// a 20 ms command, and its peak is under 90 MB either way (issue 14).
fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    let _ = nix::sys::prctl::set_thp_disable(true);
}

fn main() {
    let matches = help::localise(commands::Cli::command(), "").try_get_matches().unwrap_or_else(|e| usage_error(&e));
    let cli = commands::Cli::from_arg_matches(&matches).unwrap_or_else(|e| usage_error(&e));
    let json = cli.json;
    if cli.command.holds_whole_ledger() {
        no_huge_pages();
    }
    let settings = match settings::Settings::read(cli.store, cli.actor, cli.json) {
        Ok(settings) => settings,
        Err(bad) => {
            eprintln!("错误：{bad}");
            std::process::exit(error::EXIT_USAGE);
        }
    };
    if settings.ignored_now {
        eprintln!("提示：SELFEVAL_NOW 只在测试构建中生效；本程序按系统时钟记录时间");
    }
    let ctx = commands::Ctx { settings, collect: None };
    let outcome = std::panic::catch_unwind(move || commands::run(cli.command, &ctx));
    let code = match outcome {
        Ok(Ok(())) => 0,
        Ok(Err(error)) => error.report(json),
        Err(_) => {
            eprintln!("错误：内部错误（这是 selfeval 的缺陷，请报告）");
            error::EXIT_INTERNAL
        }
    };
    std::process::exit(code);
}
