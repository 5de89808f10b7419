//! `batch FILE|-`: many recording commands in one process, one per line in
//! the command line's own syntax (`spend P01 --amount 1 --date 2024-06-30`),
//! `#` comments and blank lines skipped. Every line is parsed and checked
//! before anything is written; then each is recorded as it would be alone
//! (atomic, durable, idempotent under its own `--command-id`, with its own
//! actor, reason and key). Every line is first decided on a scratch state,
//! and a file with a bad line writes nothing and names every bad line; a
//! line without `--command-id` gets one from the digest of the file up to
//! it, so a rerun resends what was recorded. With `--all-or-nothing` the
//! whole file is one atomic append.

use std::cell::RefCell;
use std::io::Read;
use std::path::PathBuf;

use clap::{Args, CommandFactory, FromArgMatches};
use selfeval_ledger::Item;

use super::write::print_recorded;
use super::Collected;
use super::{invalid, run, Cli, Ctx};
use crate::error::CliError;

/// `batch`.
#[derive(Debug, Args)]
pub struct BatchArgs {
    /// 命令文件，每行一条记录命令（- 为标准输入）
    file: PathBuf,
    /// 整个文件作为一次原子写入：任一行被拒绝则一行也不写
    #[arg(long)]
    all_or_nothing: bool,
}

/// One line of the file, parsed and checked: its number, text and request.
struct Line {
    number: usize,
    text: String,
    collected: Collected,
}

fn parse_line(number: usize, text: &str, ctx: &Ctx) -> Result<Line, CliError> {
    let at = |message: String| invalid("FILE", format!("第{number}行「{text}」：{message}；未写入任何内容"));
    let words = shell_words::split(text).map_err(|e| at(format!("引号不成对（{e}）")))?;
    let matches = crate::help::localise(Cli::command(), "")
        .try_get_matches_from(std::iter::once("selfeval".to_owned()).chain(words))
        .map_err(|e| {
            let said = crate::help::error_in_chinese(&e);
            at(said.lines().next().unwrap_or_default().trim_start_matches("错误：").to_owned())
        })?;
    let cli = Cli::from_arg_matches(&matches).map_err(|e| at(e.to_string()))?;
    if cli.store.is_some() {
        return Err(at("批处理中的命令不能指定 --store（整批写入同一个库）".into()));
    }
    if !cli.command.records() {
        return Err(at("不是记录命令：batch 只接受写入数据的命令".into()));
    }
    let mut settings = ctx.settings.clone();
    if let Some(actor) = cli.actor {
        settings.actor = Some(actor);
    }
    let line_ctx = Ctx { settings, collect: Some(RefCell::new(Vec::new())) };
    run(cli.command, &line_ctx).map_err(|e| at(e.message()))?;
    let collected = line_ctx.collect.map(RefCell::into_inner).unwrap_or_default().pop();
    let collected = collected.ok_or_else(|| at("没有可记录的内容".into()))?;
    Ok(Line { number, text: text.to_owned(), collected })
}

/// `batch`.
pub fn batch(args: BatchArgs, ctx: &Ctx) -> Result<(), CliError> {
    let mut text = String::new();
    if args.file.as_os_str() == "-" {
        std::io::stdin().read_to_string(&mut text).map_err(|e| invalid("FILE", format!("无法读取标准输入：{e}")))?;
    } else {
        text = std::fs::read_to_string(&args.file).map_err(|e| {
            invalid("FILE", format!("无法读取 {}：{}", args.file.display(), crate::error::describe_io(&e)))
        })?;
    }
    let mut lines = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        lines.push(parse_line(i + 1, trimmed, ctx)?);
    }
    if lines.is_empty() {
        return Err(invalid("FILE", "文件中没有命令；可接受：每行一条记录命令，# 开头为注释"));
    }
    // A line without its own --command-id gets one from the digest of the
    // file's lines up to and including it: run again (also after a later
    // line was corrected), the lines already recorded are resends.
    let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
    let ids = selfeval_ledger::batch_line_ids(&texts);
    for (line, id) in lines.iter_mut().zip(ids) {
        line.collected.command_id.get_or_insert(id);
    }
    let creates = matches!(lines[0].collected.request.command, selfeval_core::Command::InitYear { .. });
    let existed = selfeval_ledger::exists_at(&ctx.settings.location, &ctx.settings.ledger)?;
    // Only a directory this run creates may be removed when it writes
    // nothing: never one that was there (`--store .` with other files).
    let made_here = match &ctx.settings.location {
        selfeval_ledger::Location::Dir(dir) if !existed && !dir.exists() => Some(dir.clone()),
        _ => None,
    };
    let mut ledger = ctx.open_to_record(None, creates)?;
    let items: Vec<Item> = lines
        .iter()
        .map(|l| Item {
            request: l.collected.request.clone(),
            command_id: l.collected.command_id.clone(),
            key: l.collected.key.clone(),
        })
        .collect();
    let json = ctx.json();
    if args.all_or_nothing {
        return match ledger.record_all(&items)? {
            Ok(recorded) => {
                drop(ledger);
                for r in &recorded {
                    print_recorded(r, json)?;
                }
                let new = recorded.iter().filter(|r| !r.duplicate).count();
                if new == 0 {
                    eprintln!("batch：{} 行都是重发（命令编号已记录过），未写入新内容", lines.len());
                } else {
                    eprintln!("batch：{} 行作为一次写入全部记录", lines.len());
                }
                Ok(())
            }
            Err((i, error)) => {
                drop(ledger);
                if let Some(dir) = &made_here {
                    // The store this batch's `init` made holds nothing: gone.
                    let _ = std::fs::remove_dir_all(dir);
                }
                let line = &lines[i];
                eprintln!("batch：第{}行「{}」被拒绝；整批未写入任何内容", line.number, line.text);
                Err(error.into())
            }
        };
    }
    // Every line decided before any is written; every bad one said.
    let refused = ledger.judge_all(&items)?;
    if !refused.is_empty() {
        drop(ledger);
        if let Some(dir) = &made_here {
            // The store this batch's `init` made holds nothing: gone.
            let _ = std::fs::remove_dir_all(dir);
        }
        let numbers: Vec<String> = refused.iter().map(|(i, _)| lines[*i].number.to_string()).collect();
        let count = refused.len();
        for (i, error) in refused {
            let line = &lines[i];
            eprintln!("batch：第{}行「{}」被拒绝：{}", line.number, line.text, CliError::from(error).message());
        }
        return Err(invalid(
            "FILE",
            format!("第{}行被拒绝（共{count}行）；未写入任何内容，改正后重新运行同一文件即可", numbers.join("、")),
        ));
    }
    let (mut new, mut resent) = (0usize, 0usize);
    let outcome = ledger.record_each(&items, |recorded| {
        if recorded.duplicate {
            resent += 1;
        } else {
            new += 1;
        }
        print_recorded(recorded, json).map_err(|e| match e {
            CliError::Output(io) => selfeval_ledger::LedgerError::Output(io),
            other => selfeval_ledger::LedgerError::Internal(other.message()),
        })
    });
    drop(ledger);
    let summary = |new: usize, resent: usize| {
        if resent > 0 {
            format!("{new} 行已记录，{resent} 行为重发（未重复写入）")
        } else {
            format!("{new} 行已记录")
        }
    };
    match outcome {
        Ok(Ok(_)) => {
            eprintln!("batch：{}", summary(new, resent));
            Ok(())
        }
        Ok(Err((i, error))) => {
            let line = &lines[i];
            eprintln!(
                "batch：第{}行「{}」被拒绝；此前 {}，此后的行未执行",
                line.number,
                line.text,
                summary(new, resent)
            );
            Err(error.into())
        }
        Err(error) => {
            eprintln!("batch：中途出错；此前 {}，其余的行未执行", summary(new, resent));
            Err(error.into())
        }
    }
}
