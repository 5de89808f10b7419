//! `import-table`'s workflow: a filled 自评表 (already read into a
//! `FilledForm`) planned against the ledger as the ordinary commands that
//! record it, every one decided on a scratch state before anything is
//! written, then recorded in one atomic append. A front end reads the
//! file, shows the plan or records it.

use chrono::{DateTime, Utc};
use selfeval_core::intake::{self, FilledForm, Planned};
use selfeval_core::{Meta, Rejection, Request, State};

use crate::{Ledger, LedgerError, Recorded};

/// What `import-table` was given besides the table.
#[derive(Debug, Clone)]
pub struct TableOptions {
    /// `--project`: the project to record into (by default the one of the
    /// table's name, or a new one).
    pub project: Option<String>,
    /// `--new-project`: another project of the same name is meant.
    pub new_project: bool,
    /// `--year-mismatch-ok`: a table of another year is meant.
    pub year_mismatch_ok: bool,
    /// `--as-printed`: record what the clerk's path refuses, as printed.
    pub as_printed: bool,
    /// `--confirm-large`: amounts far beyond the budget are meant.
    pub confirm_large: bool,
    /// Who records it.
    pub actor: String,
    /// When (the clock's time; also the business time of every command).
    pub recorded_at: DateTime<Utc>,
}

/// A table planned against the ledger: every command decided, nothing
/// written.
#[derive(Debug, Clone)]
pub struct TablePlan {
    /// The project it records into.
    pub code: String,
    /// When the project is new: why this code (the one the table prints,
    /// or the next free one).
    pub new_code: Option<&'static str>,
    /// The commands, in order, each with the cell it comes from.
    pub planned: Vec<Planned>,
    /// Their requests, as they will be recorded.
    pub requests: Vec<Request>,
    /// The state once they are: what `--dry-run` evaluates.
    pub after: State,
}

/// Why a table cannot be recorded.
#[derive(Debug)]
pub enum TableRefused {
    /// The table, its year or its project: the field and why.
    Invalid(LedgerError),
    /// A command of the plan is refused by the rules: nothing is written.
    Command(Box<CommandRefused>),
}

/// A planned command the rules refuse.
#[derive(Debug)]
pub struct CommandRefused {
    /// Which command.
    pub index: usize,
    /// Why.
    pub rejection: Rejection,
    /// The whole plan, to name the command as a person would type it.
    pub planned: Vec<Planned>,
    /// The project it was planned for.
    pub code: String,
    /// See [`TablePlan::new_code`].
    pub new_code: Option<&'static str>,
}

impl From<LedgerError> for TableRefused {
    fn from(error: LedgerError) -> Self {
        TableRefused::Invalid(error)
    }
}

fn invalid(field: &str, message: String) -> TableRefused {
    TableRefused::Invalid(LedgerError::Invalid { field: field.to_owned(), message })
}

/// What is refused in a table before any ledger is opened: 其中 rows that
/// do not add up to the total, unless recorded as printed.
pub fn check_form(form: &FilledForm, as_printed: bool) -> Result<(), LedgerError> {
    match form.unbalanced.first().filter(|_| !as_printed) {
        Some(e) => Err(LedgerError::Invalid {
            field: "FILE".to_owned(),
            message: format!("{e}（原表如此时可用 --as-printed 照录）"),
        }),
        None => Ok(()),
    }
}

impl Ledger {
    /// Plans `form` (read from `source`, which the commands' reasons name)
    /// against the ledger as it stands: the project it goes to, and every
    /// command, decided in order on a scratch state (the score overrides
    /// once the actuals are in).
    pub fn plan_table(
        &self,
        form: &FilledForm,
        source: &str,
        options: &TableOptions,
    ) -> Result<TablePlan, TableRefused> {
        check_form(form, options.as_printed)?;
        let state = self.replay(None)?.state;
        let ledger_year = state.department().map(|d| d.year);
        if let (Some((year, cell)), Some(ours)) = (&form.year, ledger_year) {
            if *year != ours && !options.year_mismatch_ok {
                return Err(invalid(
                    "FILE",
                    format!(
                        "{cell}：自评表为{year}年度，本库为{ours}年度；可接受：{ours}年度的自评表，或确属如此加 --year-mismatch-ok"
                    ),
                ));
            }
        }
        let (code, new_code) = project_of(&state, form, options)?;
        if let Some((field, message)) = intake::target_refusal(&state, form, &code) {
            return Err(invalid(field, message));
        }
        let request = |p: &Planned| Request {
            meta: Meta {
                actor: options.actor.clone(),
                reason: p.reason.clone(),
                occurred_at: options.recorded_at,
                recorded_at: options.recorded_at,
            },
            command: p.command.clone(),
            confirm_large: options.confirm_large,
            as_printed: options.as_printed.then(|| p.notes.clone()),
            at: None,
        };
        let mut planned = intake::plan(&state, form, &code, source);
        let mut requests: Vec<Request> = planned.iter().map(request).collect();
        let mut after = state;
        let refused = |(index, rejection): (usize, Rejection), planned: &[Planned]| {
            TableRefused::Command(Box::new(CommandRefused {
                index,
                rejection,
                planned: planned.to_vec(),
                code: code.clone(),
                new_code,
            }))
        };
        crate::simulate_on(&mut after, &requests).map_err(|e| refused(e, &planned))?;
        let extra = intake::overrides(&after, form, &code, source);
        let more: Vec<Request> = extra.iter().map(request).collect();
        let offset = planned.len();
        planned.extend(extra);
        crate::simulate_on(&mut after, &more).map_err(|(i, r)| refused((offset + i, r), &planned))?;
        requests.extend(more);
        Ok(TablePlan { code, new_code, planned, requests, after })
    }

    /// Records a plan in one atomic append: the whole table, or nothing
    /// (`Ok(Err((i, why)))`: command `i` was refused when recorded).
    pub fn record_table(
        &mut self,
        plan: &TablePlan,
    ) -> Result<Result<Vec<Recorded>, (usize, LedgerError)>, LedgerError> {
        let items: Vec<crate::Item> = plan
            .requests
            .iter()
            .map(|request| crate::Item { request: request.clone(), command_id: None, key: None })
            .collect();
        self.record_all(&items)
    }
}

/// The project a table goes to: `--project` (refused when another project
/// has the table's name, unless `--new-project`), the project of its name,
/// or a new one (the code the table prints, else the next free one, with
/// why).
fn project_of(
    state: &State,
    form: &FilledForm,
    options: &TableOptions,
) -> Result<(String, Option<&'static str>), TableRefused> {
    if let Some(code) = &options.project {
        let same_name = state.projects().iter().find(|p| p.name == form.name && &p.code != code);
        if let Some(other) = same_name.filter(|_| !options.new_project) {
            return Err(invalid(
                "--project",
                format!(
                    "项目「{}」已登记为{}；可接受：--project {}，或确属另一个同名项目加 --new-project",
                    form.name, other.code, other.code
                ),
            ));
        }
        return Ok((code.clone(), None));
    }
    Ok(match state.projects().iter().find(|p| p.name == form.name) {
        Some(p) => (p.code.clone(), None),
        None => {
            let code = intake::new_project_code(state, form);
            let why = if form.code.as_deref() == Some(code.as_str()) {
                "自评表所印项目编码"
            } else {
                "下一个空闲编号"
            };
            (code, Some(why))
        }
    })
}
