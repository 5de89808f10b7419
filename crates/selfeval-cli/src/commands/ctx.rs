//! What every command runs with ([`Ctx`]: the settings, the ledger opened
//! for what the command means, the output checks) and the helpers the
//! command groups share: the view flags, lists, standard output, errors.

use std::io::{BufWriter, StdoutLock};
use std::path::PathBuf;

use selfeval_ledger::{Ledger, Purpose, View};

use crate::error::CliError;
use crate::settings::Settings;

/// What a recording command handed to `record` while a batch collects.
#[derive(Debug)]
pub struct Collected {
    /// The request, checked as far as it can be without the store.
    pub request: selfeval_core::Request,
    /// Its `--command-id`.
    pub command_id: Option<String>,
    /// Its `--key`.
    pub key: Option<PathBuf>,
}

/// What every command runs with.
pub struct Ctx {
    /// The settings: flags over environment.
    pub settings: Settings,
    /// While `batch` reads its lines: recording commands hand their
    /// request here instead of recording it.
    pub collect: Option<std::cell::RefCell<Vec<Collected>>>,
}

impl Ctx {
    /// Whether to print JSON.
    pub fn json(&self) -> bool {
        self.settings.json
    }

    /// Opens the ledger, creating it if missing.
    pub fn open(&self) -> Result<Ledger, CliError> {
        Ok(announce(Ledger::open(&self.settings.location, &self.settings.ledger, Purpose::Create)?))
    }

    /// Opens the ledger to record, signing with `key` (a command's own
    /// signing key) over `SELFEVAL_KEY`; `create` for `init`.
    pub fn open_to_record(&self, key: Option<PathBuf>, create: bool) -> Result<Ledger, CliError> {
        let mut settings = self.settings.ledger.clone();
        if key.is_some() {
            settings.signer.key_file = key;
        }
        Ok(announce(if create {
            Ledger::open(&self.settings.location, &settings, Purpose::Create)?
        } else {
            Ledger::open(&self.settings.location, &settings, Purpose::Record)?
        }))
    }

    /// Opens an existing ledger to read it; a read-only one is read from a
    /// temporary copy, and the command says so.
    pub fn open_for_reading(&self) -> Result<Ledger, CliError> {
        let ledger = announce(Ledger::open(&self.settings.location, &self.settings.ledger, Purpose::Read)?);
        if ledger.is_read_only_copy() {
            eprintln!("提示：库 {} 只读，已复制到临时目录读取（不会写入原库）", self.settings.store.display());
        }
        Ok(ledger)
    }

    /// Refuses an output path inside the store (writing there would damage
    /// it) and an existing file unless `force`.
    pub fn check_output(&self, field: &str, path: &std::path::Path, force: bool) -> Result<(), CliError> {
        let absolute = |p: &std::path::Path| {
            let parent = p.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
            parent.canonicalize().ok().map(|d| d.join(p.file_name().unwrap_or_default()))
        };
        let local = matches!(self.settings.location, selfeval_ledger::Location::Dir(_));
        if let (true, Ok(store), Some(output)) = (local, self.settings.store.canonicalize(), absolute(path)) {
            if output.starts_with(&store) {
                return Err(invalid(
                    field,
                    format!(
                        "{} 在库目录 {} 之内，写入会破坏库；可接受：库目录之外的路径",
                        path.display(),
                        self.settings.store.display()
                    ),
                ));
            }
        }
        if path.is_dir() {
            return Err(invalid(field, format!("{} 是目录；可接受：目录中的一个文件路径", path.display())));
        }
        if path.exists() && !force {
            return Err(invalid(
                field,
                format!("文件 {} 已存在，未覆盖；可接受：另一个文件名，或加 --force 覆盖", path.display()),
            ));
        }
        Ok(())
    }
}

/// Prints a list read from the report model: JSON with `--json`, else a
/// Markdown table (`project list`, `problem list`).
pub fn print_list(
    ctx: &Ctx,
    view: &ViewArgs,
    json: fn(&selfeval_core::ReportModel) -> serde_json::Value,
    markdown: fn(&selfeval_core::ReportModel) -> String,
) -> Result<(), CliError> {
    use std::io::Write;
    let model = ctx.open_for_reading()?.report_model(view.view()?)?;
    let mut out = stdout();
    if ctx.json() {
        writeln!(out, "{}", json(&model))?;
    } else {
        out.write_all(markdown(&model).as_bytes())?;
    }
    Ok(out.flush()?)
}

/// Standard output, buffered.
pub fn stdout() -> BufWriter<StdoutLock<'static>> {
    BufWriter::new(std::io::stdout().lock())
}

/// The error of a value the binary itself parses.
pub fn invalid(field: &str, message: impl Into<String>) -> CliError {
    CliError::Invalid { field: field.to_owned(), message: message.into() }
}

/// Which events a reading command takes: `--as-of` on the recorded axis,
/// `--effective` on the business axis; both may be given.
#[derive(Debug, Clone, clap::Args)]
pub struct ViewArgs {
    /// 截至某事件序号、日期或时间（按记录时间：当时记录的状态）
    #[arg(long, value_name = "SEQ|DATE|RFC3339")]
    pub as_of: Option<String>,
    /// 业务日期：只计发生日期（--at）在此日期（含）之前的变更
    #[arg(long, value_name = "DATE|RFC3339")]
    pub effective: Option<String>,
}

impl ViewArgs {
    /// The view these flags ask for.
    pub fn view(&self) -> Result<View, CliError> {
        Ok(View::parse(self.as_of.as_deref(), self.effective.as_deref())?)
    }
}

/// Says on stderr what the store removed when it opened (a file a killed
/// process left, which the engine would have refused): once, since the
/// file is gone afterwards. `verify` says it in its output too.
pub fn announce(ledger: Ledger) -> Ledger {
    for repair in ledger.repairs() {
        eprintln!("提示：打开库时{repair}");
    }
    ledger
}
