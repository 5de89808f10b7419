//! The routes and their pages. A page at the head reads the state kept in
//! memory ([`Live`]); one that needs the store reads the ledger [`Held`]
//! (one request at a time in this process, on a blocking thread). Each
//! builds what its template reads.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{FromRequestParts, Path, Query as AxumQuery, State};
use axum::http::{header, Method, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use minijinja::{context, Environment};
use selfeval_core::report::{ProjectReport, ReportModel};
use selfeval_core::Evaluation;
use selfeval_ledger::{ErrorClass, Head, Ledger, LedgerError, Live, View};
use serde::Serialize;

use crate::held::Held;
use crate::view::{money, shown, trace_href, Band, Query, Shown};
use crate::Config;

/// How long the store's head file is trusted before the log itself is
/// looked at again (see [`App::current`]).
const RECHECK: std::time::Duration = std::time::Duration::from_secs(5);

/// The server's state: its configuration, the one lock its reads take
/// turns on, and the templates.
pub struct App {
    config: Config,
    turn: tokio::sync::Mutex<()>,
    /// The store, opened when a page needs it, let go when pages stop.
    held: Arc<Held>,
    /// The ledger at its head, following the log (started by the first
    /// page that needs it).
    live: Arc<std::sync::Mutex<(Option<Live>, std::time::Instant)>>,
    templates: Environment<'static>,
}

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("templates/base.html")),
    ("overview.html", include_str!("templates/overview.html")),
    ("projects.html", include_str!("templates/projects.html")),
    ("project.html", include_str!("templates/project.html")),
    ("trace.html", include_str!("templates/trace.html")),
    ("error.html", include_str!("templates/error.html")),
    ("history.html", include_str!("templates/history.html")),
    ("check.html", include_str!("templates/check.html")),
    ("report.html", include_str!("templates/report.html")),
    ("verify.html", include_str!("templates/verify.html")),
];

impl App {
    pub fn new(config: Config) -> App {
        let mut templates = Environment::new();
        templates.set_formatter(html_formatter);
        for (name, source) in TEMPLATES {
            templates.add_template(name, source).expect("the embedded templates parse");
        }
        let held = Arc::new(Held::new(config.location.clone(), config.ledger.clone()));
        let live = Arc::new(std::sync::Mutex::new((None, std::time::Instant::now())));
        App { config, turn: tokio::sync::Mutex::new(()), held, live, templates }
    }

    /// Runs `read` on the ledger (held, or opened to read), on a blocking
    /// thread, one request at a time.
    async fn read<T: Send + 'static>(
        &self,
        read: impl FnOnce(&Ledger) -> Result<T, LedgerError> + Send + 'static,
    ) -> Result<T, LedgerError> {
        let _turn = self.turn.lock().await;
        let held = Arc::clone(&self.held);
        tokio::task::spawn_blocking(move || held.with(read))
            .await
            .map_err(|e| LedgerError::Internal(format!("内部错误：读取库的线程失败：{e}")))?
    }

    /// Makes the state kept in memory now (what the first page would), so
    /// that the first visitor does not wait for the replay; an error is
    /// the first page's to show.
    pub async fn warm(&self) {
        let _ = self.current().await;
    }

    /// The head of the log and the evaluation there, from the state kept
    /// in memory, brought to the head first (a write by the CLI or another
    /// server is on the next page): the store is opened only when its
    /// acknowledged head is not the one held.
    async fn current(&self) -> Result<(Head, Arc<Evaluation>), LedgerError> {
        let _turn = self.turn.lock().await;
        let (location, held, live) = (self.config.location.clone(), Arc::clone(&self.held), self.live.clone());
        tokio::task::spawn_blocking(move || {
            let mut kept = live.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let (live, checked) = &mut *kept;
            let now = |live: &Live| (live.head().clone(), live.evaluation());
            // The head file is trusted for a few seconds at a time: a writer
            // that could not update it (a full disk, a kill between the log
            // and the file) leaves it behind the log until the next look.
            if let Some(known) = live.as_ref() {
                if checked.elapsed() < RECHECK && known.is_current(&location)? {
                    return Ok(now(known));
                }
            }
            *checked = std::time::Instant::now();
            held.with(|ledger| {
                match live.as_mut() {
                    Some(known) => {
                        if let Err(error) = known.follow(ledger) {
                            // Started anew on the next page, never left half-followed.
                            *live = None;
                            return Err(error);
                        }
                    }
                    None => *live = Some(Live::start(ledger)?),
                }
                Ok(now(live.as_ref().expect("started above")))
            })
        })
        .await
        .map_err(|e| LedgerError::Internal(format!("内部错误：读取库的线程失败：{e}")))?
    }

    fn render(&self, status: StatusCode, name: &str, ctx: minijinja::Value) -> Response {
        match self.templates.get_template(name).and_then(|t| t.render(ctx)) {
            Ok(html) => (status, Html(html)).into_response(),
            Err(e) => {
                (StatusCode::INTERNAL_SERVER_ERROR, format!("内部错误：页面 {name} 无法生成：{e}")).into_response()
            }
        }
    }

    /// A page that says what went wrong, with the status it deserves.
    fn error(&self, status: StatusCode, title: &str, message: &str) -> Response {
        self.render(status, "error.html", context! { title, message, status => status.as_u16() })
    }

    fn failed(&self, error: &LedgerError) -> Response {
        let status = match error.class() {
            ErrorClass::Refused => StatusCode::BAD_REQUEST,
            ErrorClass::Busy => StatusCode::SERVICE_UNAVAILABLE,
            ErrorClass::Integrity | ErrorClass::Environment | ErrorClass::Output | ErrorClass::Internal => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        // A field is named as the CLI's flag; the page names its parameter.
        let message = match error.field() {
            Some(field) => format!("{}：{}", field.trim_start_matches("--").replace('-', "_"), error.message()),
            None => error.message(),
        };
        self.error(status, "无法显示", &message)
    }
}

/// Text into HTML: `& < > " '` escaped (a `/` stays a `/`, so links and
/// paths read as written); values marked safe, and what is not text, as
/// minijinja writes them.
fn html_formatter(
    out: &mut minijinja::Output,
    state: &minijinja::State,
    value: &minijinja::Value,
) -> Result<(), minijinja::Error> {
    match value.as_str() {
        Some(text) if !value.is_safe() && state.auto_escape() != minijinja::AutoEscape::None => {
            escape_into(out, text).map_err(|e| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, e.to_string()))
        }
        _ => minijinja::escape_formatter(out, state, value),
    }
}

/// Text into HTML, into `out`: `& < > " '` escaped, a `/` left as it is.
fn escape_into(out: &mut impl std::fmt::Write, text: &str) -> std::fmt::Result {
    for c in text.chars() {
        match c {
            '&' => out.write_str("&amp;")?,
            '<' => out.write_str("&lt;")?,
            '>' => out.write_str("&gt;")?,
            '"' => out.write_str("&quot;")?,
            '\'' => out.write_str("&#39;")?,
            c => out.write_char(c)?,
        }
    }
    Ok(())
}

/// [`escape_into`] a new string.
fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(&mut out, text).expect("writing to a String does not fail");
    out
}

type Shared = State<Arc<App>>;
/// The query string as name → value, or a Chinese 400 page when it is not
/// one (bytes that are not UTF-8, a malformed escape).
struct Params(BTreeMap<String, String>);

impl FromRequestParts<Arc<App>> for Params {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, app: &Arc<App>) -> Result<Self, Response> {
        match AxumQuery::<BTreeMap<String, String>>::from_request_parts(parts, app).await {
            Ok(AxumQuery(params)) => Ok(Params(params)),
            Err(_) => Err(app.error(
                StatusCode::BAD_REQUEST,
                "无法显示",
                "查询参数无法读取（须为 UTF-8 文字，%XX 转义完整）；可接受：如 ?as_of=120&effective=2024-06-30",
            )),
        }
    }
}

/// A path's parameters, or a Chinese 400 page when they are not text.
struct Segments<T>(T);

impl<T: serde::de::DeserializeOwned + Send> FromRequestParts<Arc<App>> for Segments<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, app: &Arc<App>) -> Result<Self, Response> {
        match Path::<T>::from_request_parts(parts, app).await {
            Ok(Path(value)) => Ok(Segments(value)),
            Err(_) => Err(app.error(
                StatusCode::BAD_REQUEST,
                "无法显示",
                "地址中的编号无法读取（须为 UTF-8 文字）；可接受：如 /projects/P01",
            )),
        }
    }
}

pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(overview))
        .route("/healthz", get(healthz))
        // No icon: said plainly, so that a browser's request is no error.
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
        .route("/projects", get(projects))
        .route("/projects/{code}", get(project))
        .route("/trace/{code}/{figure}", get(trace))
        .route("/history", get(history))
        .route("/check", get(check))
        .route("/report", get(report_html))
        .route("/verify", get(verify))
        .route("/report.md", get(report_md))
        .route("/report.json", get(report_json))
        .route("/report.docx", get(report_docx))
        .route("/projects/{code}/table.xlsx", get(table_xlsx))
        .fallback(fallback)
        .method_not_allowed_fallback(not_allowed)
        .with_state(app)
}

fn view_of(query: &Query) -> Result<View, LedgerError> {
    View::parse(query.as_of.as_deref(), query.effective.as_deref())
}

async fn healthz(State(app): Shared) -> Response {
    match app.current().await.map(|(head, _)| head.seq) {
        Ok(seq) => (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], format!("ok {seq}\n"))
            .into_response(),
        Err(error) => app.failed(&error),
    }
}

/// A bar of the budget-vs-executed chart: widths out of 100.
#[derive(Serialize)]
struct Bar {
    code: String,
    name: String,
    budget: Shown,
    executed: Shown,
    budget_width: String,
    executed_width: String,
    y: usize,
}

fn width(value: Option<rust_decimal::Decimal>, most: rust_decimal::Decimal) -> String {
    use rust_decimal::prelude::ToPrimitive;
    let share = match value {
        Some(v) if most > rust_decimal::Decimal::ZERO => (v / most * rust_decimal::Decimal::from(300)).round_dp(1),
        _ => rust_decimal::Decimal::ZERO,
    };
    format!("{}", share.to_f64().unwrap_or(0.0).clamp(0.0, 300.0))
}

async fn overview(State(app): Shared, Params(params): Params) -> Response {
    let query = Query::new(params);
    let (head, evaluation) = match evaluated(&app, &query).await {
        Ok(read) => read,
        Err(page) => return page,
    };
    let model = &evaluation.model;
    let t = &model.totals;
    let totals = context! {
        budget => shown(money(model, &t.budget), "department", "budget", &query),
        executed => shown(money(model, &t.executed), "department", "executed", &query),
        execution_rate => shown(selfeval_report::rate(&t.execution_rate), "department", "execution_rate", &query),
        average_score => shown(selfeval_report::score(t.average_score.value), "department", "average_score", &query),
    };
    // The 20 largest budgets; the rest are on /projects.
    let mut largest: Vec<&ProjectReport> = model.projects.iter().collect();
    largest.sort_by(|a, b| b.budget.value.cmp(&a.budget.value).then_with(|| a.code.cmp(&b.code)));
    let rest = largest.len().saturating_sub(20);
    largest.truncate(20);
    let most = largest.iter().flat_map(|p| [p.budget.value, p.executed.value]).flatten().max().unwrap_or_default();
    let bars: Vec<Bar> = largest
        .iter()
        .enumerate()
        .map(|(i, p)| Bar {
            code: p.code.clone(),
            name: p.name.clone(),
            budget: shown(money(model, &p.budget), &p.code, "budget", &query),
            executed: shown(money(model, &p.executed), &p.code, "executed", &query),
            budget_width: width(p.budget.value, most),
            executed_width: width(p.executed.value, most),
            y: i * 34,
        })
        .collect();
    let grades: Vec<_> =
        ["优", "良", "中", "差"].iter().zip(t.grade_counts).map(|(label, count)| context! { label, count }).collect();
    let severities: Vec<_> = [
        selfeval_core::check::Severity::Error,
        selfeval_core::check::Severity::Warning,
        selfeval_core::check::Severity::Info,
    ]
    .iter()
    .map(|s| context! { label => s.label(), count => evaluation.findings.iter().filter(|f| f.severity == *s).count() })
    .collect();
    use selfeval_core::report::RectificationStatus as R;
    let open: Vec<_> = model
        .problems
        .iter()
        .filter(|q| q.status != R::Done)
        .map(|q| {
            context! {
                project => q.project, code => q.code, text => q.text,
                due => q.due.map(|d| d.to_string()), overdue => q.status == R::Overdue,
            }
        })
        .collect();
    let band = Band::new(model, &head, &query, app.config.now());
    let ctx = context! {
        title => "概览", band, totals, bars, rest, grades, severities, open,
        chart_height => bars_height(largest.len()), unit => model.unit_label(),
        scored => t.grade_counts.iter().sum::<usize>(),
    };
    app.render(StatusCode::OK, "overview.html", ctx)
}

fn bars_height(n: usize) -> usize {
    n * 34 + 4
}

/// One row of the projects list.
#[derive(Serialize)]
struct Row {
    code: String,
    href: String,
    name: String,
    section: String,
    status: &'static str,
    budget: Shown,
    executed: Shown,
    execution_rate: Shown,
    total_score: Shown,
    grade: &'static str,
}

fn row(model: &ReportModel, p: &ProjectReport, query: &Query) -> Row {
    Row {
        code: p.code.clone(),
        href: format!("/projects/{}{}", crate::view::encode(&p.code), query.view_suffix()),
        name: p.name.clone(),
        section: p.section.clone().unwrap_or_default(),
        status: p.status.label(),
        budget: shown(money(model, &p.budget), &p.code, "budget", query),
        executed: shown(money(model, &p.executed), &p.code, "executed", query),
        execution_rate: shown(selfeval_report::rate(&p.execution_rate), &p.code, "execution_rate", query),
        total_score: shown(selfeval_report::score(p.total_score.value), &p.code, "total_score", query),
        grade: p.grade.map_or("—", selfeval_core::scoring::Grade::label),
    }
}

/// The sorts of `/projects?sort=`: key, label.
const SORTS: &[(&str, &str)] = &[
    ("code", "编号"),
    ("budget", "全年预算数"),
    ("executed", "全年执行数"),
    ("execution_rate", "执行率"),
    ("total_score", "自评得分"),
];

async fn projects(State(app): Shared, Params(params): Params) -> Response {
    let query = Query::new(params);
    let sort = query.get("sort").unwrap_or("code").to_owned();
    if !SORTS.iter().any(|(key, _)| *key == sort) {
        let keys: Vec<&str> = SORTS.iter().map(|(k, _)| *k).collect();
        let message = format!("sort：「{sort}」不是排序方式；可接受：{}", keys.join("、"));
        return app.error(StatusCode::BAD_REQUEST, "无法显示", &message);
    }
    let filter = query.get("q").unwrap_or_default().trim().to_owned();
    let (head, evaluation) = match evaluated(&app, &query).await {
        Ok(read) => read,
        Err(page) => return page,
    };
    let model = &evaluation.model;
    let mut listed: Vec<&ProjectReport> = model
        .projects
        .iter()
        .filter(|p| {
            filter.is_empty()
                || p.code.contains(&filter)
                || p.name.contains(&filter)
                || p.section.as_deref().is_some_and(|s| s.contains(&filter))
        })
        .collect();
    let key = |p: &ProjectReport| match sort.as_str() {
        "budget" => p.budget.value,
        "executed" => p.executed.value,
        "execution_rate" => p.execution_rate.value,
        "total_score" => p.total_score.value,
        _ => None,
    };
    if sort != "code" {
        listed.sort_by(|a, b| key(b).cmp(&key(a)).then_with(|| a.code.cmp(&b.code)));
    }
    let rows: Vec<Row> = listed.iter().map(|p| row(model, p, &query)).collect();
    let sorts: Vec<_> = SORTS
        .iter()
        .map(|(key, label)| {
            let mut params = vec![format!("sort={key}")];
            if !filter.is_empty() {
                params.push(format!("q={}", crate::view::encode(&filter)));
            }
            if let Some(v) = &query.as_of {
                params.push(format!("as_of={}", crate::view::encode(v)));
            }
            if let Some(v) = &query.effective {
                params.push(format!("effective={}", crate::view::encode(v)));
            }
            context! { key, label, href => format!("/projects?{}", params.join("&")), current => *key == sort }
        })
        .collect();
    let band = Band::new(model, &head, &query, app.config.now());
    let ctx = context! {
        title => "项目", band, rows, sorts, filter, total => model.projects.len(),
        as_of => query.as_of, effective => query.effective, sort,
    };
    app.render(StatusCode::OK, "projects.html", ctx)
}

/// A cell of the 自评表 as the page draws it.
#[derive(Serialize)]
struct FormCell {
    text: String,
    rows: usize,
    cols: usize,
    class: &'static str,
    href: Option<String>,
}

async fn project(State(app): Shared, Segments(code): Segments<String>, Params(params): Params) -> Response {
    let query = Query::new(params);
    let (head, evaluation) = match evaluated(&app, &query).await {
        Ok(read) => read,
        Err(page) => return page,
    };
    let model = &evaluation.model;
    let Some(p) = model.project(&code) else {
        let message = format!("项目「{code}」不存在；可接受：项目列表中的编号");
        return app.error(StatusCode::NOT_FOUND, "没有这个项目", &message);
    };
    let form = selfeval_report::form::form(model, p);
    let mut rows: Vec<Vec<FormCell>> = (0..form.rows).map(|_| Vec::new()).collect();
    for cell in &form.cells {
        use selfeval_report::form::Style;
        let figure = form.figures.iter().find(|(at, _)| *at == (cell.row, cell.col)).map(|(_, name)| name);
        rows[cell.row].push(FormCell {
            text: cell.value.text(),
            rows: cell.rows,
            cols: cell.cols,
            class: match cell.style {
                Style::Title => "title",
                Style::Label => "label",
                Style::Value => "value",
                Style::Text => "text",
            },
            href: figure.map(|name| trace_href(&p.code, name, &query)),
        });
    }
    let band = Band::new(model, &head, &query, app.config.now());
    let xlsx = format!("/projects/{}/table.xlsx{}", crate::view::encode(&p.code), query.view_suffix());
    let ctx =
        context! { title => format!("{} {}", p.code, p.name), band, project => row(model, p, &query), rows, xlsx };
    app.render(StatusCode::OK, "project.html", ctx)
}

/// How many events a trace page shows.
const TRACE_PAGE: usize = 100;

async fn trace(
    State(app): Shared,
    Segments((code, figure)): Segments<(String, String)>,
    Params(params): Params,
) -> Response {
    let query = Query::new(params);
    let view = match view_of(&query) {
        Ok(view) => view,
        Err(error) => return app.failed(&error),
    };
    let page = match page_of(&query) {
        Ok(page) => page,
        Err(message) => return app.error(StatusCode::BAD_REQUEST, "无法显示", &message),
    };
    let (c, f) = (code.clone(), figure.clone());
    let read = app
        .read(move |ledger| {
            let head = ledger.head().clone();
            let (model, page) = ledger.trace_page(&c, &f, view, page, TRACE_PAGE)?;
            Ok((head, model, page))
        })
        .await;
    let (head, model, traced) = match read {
        Ok(read) => read,
        Err(error) if error.class() == ErrorClass::Refused && error.field() == Some("page") => {
            return app.failed(&error)
        }
        Err(error) if error.class() == ErrorClass::Refused => {
            let message = format!("{}（{code}/{figure}）", error.message());
            return app.error(StatusCode::NOT_FOUND, "没有这个数字", &message);
        }
        Err(error) => return app.failed(&error),
    };
    let at = crate::view::minute;
    let trace = &traced.trace;
    let events: Vec<_> = traced
        .details
        .iter()
        .filter_map(|d| trace.events.iter().find(|e| e.seq == d.seq).map(|e| (e, d)))
        .map(|(e, d)| {
            context! {
                seq => e.seq, recorded => at(e.recorded_at), occurred => at(e.occurred_at),
                actor => e.actor, event_type => selfeval_core::EventPayload::label_of(&e.event_type).unwrap_or(&e.event_type),
                change => e.change, reason => e.reason, signed => d.signed, before => d.before, after => d.after,
                hash => d.hash, line => d.line, sha256 => d.sha256,
                history => format!("/history?at={}#e{}", e.seq, e.seq),
            }
        })
        .collect();
    let link = |n: usize| {
        let suffix = query.view_suffix();
        let join = if suffix.is_empty() { "?" } else { "&" };
        format!("{}{suffix}{join}page={n}", trace_href_base(&trace.code, &trace.figure))
    };
    let band = Band::new(&model, &head, &query, app.config.now());
    let ctx = context! {
        title => format!("{} {}", trace.code, trace.label), band, trace => context! {
            code => trace.code, label => trace.label, value => trace.value, formula => trace.formula,
        }, events, total => traced.total, page => traced.page, pages => traced.pages,
        previous => (traced.page > 1).then(|| link(traced.page - 1)),
        next => (traced.page < traced.pages).then(|| link(traced.page + 1)),
    };
    app.render(StatusCode::OK, "trace.html", ctx)
}

/// `/trace/{code}/{figure}` without a query.
fn trace_href_base(code: &str, figure: &str) -> String {
    format!("/trace/{}/{}", crate::view::encode(code), crate::view::encode(figure))
}

/// `?page=` as asked: 1 when not given.
fn page_of(query: &Query) -> Result<usize, String> {
    match query.get("page").map(str::trim).filter(|p| !p.is_empty()) {
        None => Ok(1),
        Some(p) => match p.parse::<usize>() {
            Ok(n) if n >= 1 => Ok(n),
            _ => Err(format!("page：「{p}」不是页码；可接受：1 起的整数")),
        },
    }
}

async fn fallback(State(app): Shared, method: Method) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return not_allowed(State(app)).await;
    }
    app.error(StatusCode::NOT_FOUND, "没有这个页面", "地址不存在；可接受：概览 / 或项目列表 /projects")
}

async fn not_allowed(State(app): Shared) -> Response {
    let mut response = app.error(
        StatusCode::METHOD_NOT_ALLOWED,
        "只读",
        "本服务以只读方式运行（--allow view），只接受 GET 请求；未写入任何内容",
    );
    response.headers_mut().insert(header::ALLOW, header::HeaderValue::from_static("GET, HEAD"));
    response
}

/// A document to download: its bytes, type and file name (said in UTF-8,
/// RFC 5987, and in ASCII for old clients).
fn download(bytes: Vec<u8>, content_type: &'static str, name: &str) -> Response {
    let ascii: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_".contains(c) { c } else { '_' }).collect();
    let disposition = format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{}", crate::view::encode(name));
    let mut response = (StatusCode::OK, bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, header::HeaderValue::from_static(content_type));
    if let Ok(value) = header::HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// The report's evaluation in the view `params` ask for, or the page that
/// says why not.
async fn evaluation_of(app: &App, params: BTreeMap<String, String>) -> Result<Arc<Evaluation>, Response> {
    Ok(evaluated(app, &Query::new(params)).await?.1)
}

/// The chain's head and the evaluation in the view `query` asks for, or
/// the page that says why not: at the head, the one kept in memory; in
/// another view, replayed (in one opening of the ledger).
async fn evaluated(app: &App, query: &Query) -> Result<(Head, Arc<Evaluation>), Response> {
    let view = view_of(query).map_err(|e| app.failed(&e))?;
    if view == View::default() {
        return app.current().await.map_err(|e| app.failed(&e));
    }
    app.read(move |ledger| Ok((ledger.head().clone(), Arc::new(ledger.replay_view(view)?.evaluate()))))
        .await
        .map_err(|e| app.failed(&e))
}

/// The options of `selfeval report` without flags: no trace marks, every
/// appendix.
const REPORT: selfeval_report::ReportOptions =
    selfeval_report::ReportOptions { markers: false, appendices: true, links: false };

fn report_name(evaluation: &selfeval_core::Evaluation, extension: &str) -> String {
    let model = &evaluation.model;
    format!("{}{}年度项目支出绩效自评报告.{extension}", model.department, model.year)
}

async fn report_md(State(app): Shared, Params(params): Params) -> Response {
    match evaluation_of(&app, params).await {
        Ok(evaluation) => {
            let text = selfeval_report::report_markdown(&evaluation, &REPORT);
            download(text.into_bytes(), "text/markdown; charset=utf-8", &report_name(&evaluation, "md"))
        }
        Err(page) => page,
    }
}

async fn report_json(State(app): Shared, Params(params): Params) -> Response {
    match evaluation_of(&app, params).await {
        Ok(evaluation) => {
            let mut bytes = Vec::new();
            match selfeval_report::write_report_json(&evaluation, &mut bytes) {
                Ok(()) => download(bytes, "application/json", &report_name(&evaluation, "json")),
                Err(e) => app.error(StatusCode::INTERNAL_SERVER_ERROR, "无法生成", &format!("内部错误：{e}")),
            }
        }
        Err(page) => page,
    }
}

async fn report_docx(State(app): Shared, Params(params): Params) -> Response {
    match evaluation_of(&app, params).await {
        Ok(evaluation) => match selfeval_report::report_docx(&evaluation, &REPORT) {
            Ok(bytes) => download(
                bytes,
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                &report_name(&evaluation, "docx"),
            ),
            Err(why) => {
                app.error(StatusCode::INTERNAL_SERVER_ERROR, "无法生成", &format!("内部错误：无法生成报告：{why}"))
            }
        },
        Err(page) => page,
    }
}

async fn table_xlsx(State(app): Shared, Segments(code): Segments<String>, Params(params): Params) -> Response {
    let evaluation = match evaluation_of(&app, params).await {
        Ok(evaluation) => evaluation,
        Err(page) => return page,
    };
    let model = &evaluation.model;
    if model.project(&code).is_none() {
        return app.error(
            StatusCode::NOT_FOUND,
            "没有这个项目",
            &format!("项目「{code}」不存在；可接受：项目列表中的编号"),
        );
    }
    match selfeval_report::tables_xlsx(model, &[code.as_str()]) {
        Ok(bytes) => download(
            bytes,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            &format!("{code}项目支出绩效自评表.xlsx"),
        ),
        Err(why) => {
            app.error(StatusCode::INTERNAL_SERVER_ERROR, "无法生成", &format!("内部错误：无法生成自评表：{why}"))
        }
    }
}

/// How many events a history page shows.
const PAGE: usize = 100;

async fn history(State(app): Shared, Params(params): Params) -> Response {
    let query = Query::new(params);
    let text = |key: &str| query.get(key).map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
    let filter = selfeval_ledger::HistoryFilter {
        project: text("project"),
        event_type: text("type"),
        actor: text("actor"),
        ..Default::default()
    };
    if let Err(error) = filter.require_known_type("type") {
        return app.failed(&error);
    }
    let page = match page_of(&query) {
        Ok(page) => page,
        Err(message) => return app.error(StatusCode::BAD_REQUEST, "无法显示", &message),
    };
    // `?at=SEQ`: the page that holds event SEQ (a link from a trace or a
    // finding), instead of `?page=`.
    let target = match query.get("at").map(str::trim).filter(|t| !t.is_empty()) {
        None => None,
        Some(t) => match t.parse::<u64>() {
            Ok(seq) if seq >= 1 => Some(seq),
            _ => {
                let message = format!("at：「{t}」不是事件序号；可接受：1 起的整数");
                return app.error(StatusCode::BAD_REQUEST, "无法显示", &message);
            }
        },
    };
    // The band's department and year from the state kept in memory.
    let (department, year) = match app.current().await {
        Ok((_, evaluation)) => (evaluation.model.department.clone(), evaluation.model.year),
        Err(error) => return app.failed(&error),
    };
    let wanted = filter.clone();
    let at = match target {
        Some(seq) => selfeval_ledger::PageAt::Holding(seq),
        None => selfeval_ledger::PageAt::Number(page),
    };
    let read = app.read(move |ledger| Ok((ledger.head().clone(), ledger.history_page(&wanted, at, PAGE)?))).await;
    let (head, read) = match read {
        Ok(read) => read,
        Err(error) => return app.failed(&error),
    };
    let Some(selfeval_ledger::HistoryPage { entries: shown, total, page, pages }) = read else {
        let seq = target.unwrap_or_default();
        let message = format!("at：事件#{seq}不在所筛选的变更历史中；可接受：历史中的事件序号");
        return app.error(StatusCode::NOT_FOUND, "没有这个事件", &message);
    };
    let at = crate::view::minute;
    let events: Vec<_> = shown
        .iter()
        .map(|e| {
            context! {
                seq => e.seq, recorded => at(e.recorded_at), occurred => at(e.occurred_at), actor => e.actor,
                event_type => selfeval_core::EventPayload::label_of(&e.event_type).unwrap_or(&e.event_type),
                project => e.project, change => e.change, reason => e.reason,
                hash => e.hash.chars().take(12).collect::<String>(),
            }
        })
        .collect();
    let link = |n: usize| {
        let mut params = vec![format!("page={n}")];
        for (key, value) in [("project", &filter.project), ("type", &filter.event_type), ("actor", &filter.actor)] {
            if let Some(v) = value {
                params.push(format!("{key}={}", crate::view::encode(v)));
            }
        }
        format!("/history?{}", params.join("&"))
    };
    let band = Band::at(&department, year, head.seq, &head, &query, app.config.now());
    let ctx = context! {
        title => "变更历史", band, events, total, page, pages,
        previous => (page > 1).then(|| link(page - 1)), next => (page < pages).then(|| link(page + 1)),
        project => filter.project, event_type => filter.event_type, actor => filter.actor,
    };
    app.render(StatusCode::OK, "history.html", ctx)
}

async fn check(State(app): Shared, Params(params): Params) -> Response {
    let query = Query::new(params);
    let (head, evaluation) = match evaluated(&app, &query).await {
        Ok(read) => read,
        Err(page) => return page,
    };
    let findings: Vec<_> = evaluation
        .findings
        .iter()
        .map(|f| {
            context! {
                rule => f.rule, severity => f.severity.label(), project => f.project, message => f.message,
                project_href => f.project.as_ref().map(|p| format!("/projects/{}{}", crate::view::encode(p), query.view_suffix())),
                figures => figures_about(&evaluation.model, f, &query),
                events => f.events.iter().map(|s| context! { seq => s, href => format!("/history?at={s}#e{s}") }).collect::<Vec<_>>(),
            }
        })
        .collect();
    let band = Band::new(&evaluation.model, &head, &query, app.config.now());
    app.render(StatusCode::OK, "check.html", context! { title => "数据核查", band, findings })
}

/// The figures of a finding's project (the department's when it names
/// none) behind every event of the finding that is behind a figure at all
/// (not a narrative's own event), as links to their traces: what the
/// finding is about.
fn figures_about(model: &ReportModel, finding: &selfeval_core::check::Finding, query: &Query) -> Vec<minijinja::Value> {
    if finding.events.is_empty() {
        return Vec::new();
    }
    let t = &model.totals;
    let (code, figures): (&str, Vec<(String, String, &selfeval_core::report::Figure)>) = match &finding.project {
        None => (
            "department",
            vec![
                ("budget".into(), "预算总额".into(), &t.budget),
                ("executed".into(), "实际执行金额".into(), &t.executed),
                ("execution_rate".into(), "预算执行率".into(), &t.execution_rate),
                ("average_score".into(), "平均自评分数".into(), &t.average_score),
            ],
        ),
        Some(code) => {
            let Some(p) = model.project(code) else { return Vec::new() };
            let mut figures = vec![
                ("initial_budget".to_owned(), "年初预算数".to_owned(), &p.initial_budget),
                ("budget".into(), "全年预算数".into(), &p.budget),
                ("executed".into(), "全年执行数".into(), &p.executed),
                ("execution_rate".into(), "执行率".into(), &p.execution_rate),
                ("budget_score".into(), "预算执行率得分".into(), &p.budget_score),
            ];
            figures.extend(p.indicators.iter().map(|i| (i.code.clone(), format!("指标{} 得分", i.code), &i.score)));
            figures.push(("total_score".into(), "总分".into(), &p.total_score));
            (p.code.as_str(), figures)
        }
    };
    // The finding's events that some figure is behind (a narrative's own
    // event is behind none): the figures behind all of them.
    let behind: Vec<u64> = finding
        .events
        .iter()
        .copied()
        .filter(|e| figures.iter().any(|(_, _, figure)| figure.seqs.binary_search(e).is_ok()))
        .collect();
    if behind.is_empty() {
        return Vec::new();
    }
    figures
        .into_iter()
        .filter(|(_, _, figure)| behind.iter().all(|e| figure.seqs.binary_search(e).is_ok()))
        .map(|(name, label, _)| context! { label, href => trace_href(code, &name, query) })
        .collect()
}

/// The report's Markdown as HTML. Recorded text reaches the Markdown
/// escaped; raw HTML in it is shown as text, except the 落款 block the
/// report writes itself (its text escaped there). Each figure the report
/// marked ([`selfeval_report::FIGURE_MARKS`]) becomes a link to its trace
/// when `link` gives one (anything else shows as its text).
fn markdown_html(markdown: &str, link: impl Fn(&str, &str) -> Option<String>) -> String {
    use pulldown_cmark::{CowStr, Event, Options, Parser};
    let signature = |html: &str| {
        let inner = html.trim().strip_prefix("<div align=\"right\">").and_then(|h| h.strip_suffix("</div>"));
        inner.is_some_and(|i| !i.replace("<br>", "").contains('<'))
    };
    // A figure's marks may be split over several text events (escapes
    // end one): the text is joined before it is cut into figures.
    let mut events: Vec<Event> = Vec::new();
    for event in Parser::new_ext(markdown, Options::ENABLE_TABLES) {
        let event = match event {
            Event::Html(html) | Event::InlineHtml(html) if !signature(&html) => Event::Text(html),
            other => other,
        };
        match (events.last_mut(), event) {
            (Some(Event::Text(joined)), Event::Text(more)) => *joined = CowStr::from(format!("{joined}{more}")),
            (_, event) => events.push(event),
        }
    }
    let events = events.into_iter().flat_map(|event| match event {
        Event::Text(text) if text.contains(selfeval_report::FIGURE_MARKS) => {
            figure_links(&text, &link).into_iter().collect::<Vec<_>>()
        }
        other => vec![other],
    });
    let mut out = String::new();
    pulldown_cmark::html::push_html(&mut out, events);
    out
}

/// Text with marked figures as HTML events: each figure `link` knows a
/// link around its (escaped) text.
fn figure_links<'a>(text: &str, link: &impl Fn(&str, &str) -> Option<String>) -> Vec<pulldown_cmark::Event<'a>> {
    use pulldown_cmark::Event;
    use selfeval_report::Piece;
    selfeval_report::figure_pieces(text)
        .into_iter()
        .map(|piece| match piece {
            // A mark that made no figure is not shown.
            Piece::Text(t) => Event::Text(t.replace(selfeval_report::FIGURE_MARKS, "").into()),
            Piece::Figure { code, figure, text } => match link(code, figure) {
                Some(href) => Event::InlineHtml(
                    format!("<a class=\"figure\" href=\"{}\">{}</a>", escape_html(&href), escape_html(text)).into(),
                ),
                None => Event::Text(text.to_owned().into()),
            },
        })
        .collect()
}

/// Whether `figure` is one `selfeval trace` takes for `code` in `model`.
fn traceable(model: &ReportModel, code: &str, figure: &str) -> bool {
    use selfeval_ledger::trace::{DEPARTMENT_FIGURES, PROJECT_FIGURES};
    match model.project(code) {
        _ if code == "department" => DEPARTMENT_FIGURES.contains(&figure),
        Some(p) => PROJECT_FIGURES.contains(&figure) || p.indicators.iter().any(|i| i.code == figure),
        None => false,
    }
}

async fn report_html(State(app): Shared, Params(params): Params) -> Response {
    let query = Query::new(params);
    let (head, evaluation) = match evaluated(&app, &query).await {
        Ok(read) => read,
        Err(page) => return page,
    };
    let options = selfeval_report::ReportOptions { links: true, ..REPORT };
    let model = &evaluation.model;
    let link = |code: &str, figure: &str| traceable(model, code, figure).then(|| trace_href(code, figure, &query));
    let body = markdown_html(&selfeval_report::report_markdown(&evaluation, &options), link);
    let body = minijinja::Value::from_safe_string(body);
    let band = Band::new(&evaluation.model, &head, &query, app.config.now());
    let suffix = query.view_suffix();
    let ctx = context! {
        title => "自评报告", band, body,
        docx => format!("/report.docx{suffix}"), md => format!("/report.md{suffix}"), json => format!("/report.json{suffix}"),
    };
    app.render(StatusCode::OK, "report.html", ctx)
}

async fn verify(State(app): Shared) -> Response {
    // The band's scope from the state kept in memory: verify replays the
    // log itself, a second replay would only name the department.
    let model = match app.current().await {
        Ok((_, evaluation)) => evaluation,
        Err(error) => return app.failed(&error),
    };
    let read = app.read(|ledger| Ok((ledger.head().clone(), ledger.verify_all(&[], None)))).await;
    let (head, verification) = match read {
        Ok(read) => read,
        Err(error) => return app.failed(&error),
    };
    let band = Band::new(&model.model, &head, &Query::default(), app.config.now());
    let ctx = match verification {
        Ok(v) => context! {
            title => "校验", band, passed => v.failures.is_empty(), events => v.events, head_hash => v.head_hash,
            snapshot => v.snapshot_said, signatures => v.signatures, failures => v.failures, repairs => v.repairs,
        },
        Err(error) if error.class() == ErrorClass::Integrity => context! {
            title => "校验", band, passed => false, failures => vec![error.message()],
        },
        Err(error) => return app.failed(&error),
    };
    app.render(StatusCode::OK, "verify.html", ctx)
}
