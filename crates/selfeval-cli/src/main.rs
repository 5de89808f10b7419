//! `selfeval`: the command-line tool. Glue only: flags are parsed here and
//! handed to the core (rules), the store (events) and the report crate
//! (rendering). Every error is printed and mapped to an exit code in
//! `error.rs`.

mod app;
mod cli;
mod error;

use clap::{CommandFactory, FromArgMatches};

/// Chinese-first help layout, applied to every command.
const TEMPLATE: &str = "{about-with-newline}\n用法 (Usage): {usage}\n\n{all-args}{after-help}";

fn localise(command: clap::Command) -> clap::Command {
    command
        .help_template(TEMPLATE)
        .subcommand_help_heading("命令 (Commands)")
        .subcommand_value_name("COMMAND")
        .mut_args(|arg| {
            if arg.get_help_heading().is_some() {
                arg
            } else if arg.is_positional() {
                arg.help_heading("参数 (Arguments)")
            } else {
                arg.help_heading("选项 (Options)")
            }
        })
        .mut_subcommands(localise)
}

fn main() {
    let matches = localise(cli::Cli::command()).get_matches();
    let parsed = cli::Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let actor_on_command_line = matches!(matches.value_source("actor"), Some(clap::parser::ValueSource::CommandLine))
        || subcommand_actor_given(&matches);
    let json = parsed.json;
    let outcome = std::panic::catch_unwind(move || app::run(parsed, actor_on_command_line));
    let code = match outcome {
        Ok(Ok(())) => 0,
        Ok(Err(error)) => error.report(json),
        Err(_) => {
            eprintln!("错误：内部错误（这是 selfeval 的缺陷，请报告）");
            70
        }
    };
    std::process::exit(code);
}

/// A global flag typed after the subcommand is recorded on the subcommand's matches.
fn subcommand_actor_given(matches: &clap::ArgMatches) -> bool {
    let mut current = matches;
    while let Some((_, sub)) = current.subcommand() {
        if matches!(sub.value_source("actor"), Some(clap::parser::ValueSource::CommandLine)) {
            return true;
        }
        current = sub;
    }
    false
}
