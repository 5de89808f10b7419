//! Every route of `selfeval serve` on the demo store, through the router
//! itself (`tower::ServiceExt::oneshot`): snapshots of the HTML, every
//! figure a trace link equal to the JSON report at the same head, 404,
//! 405, the view parameters, hostile text.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use chrono::{TimeZone, Utc};
use http_body_util::BodyExt;
use rust_decimal::Decimal;
use selfeval_ledger::{Ledger, LedgerSettings, Location, Purpose};
use tower::ServiceExt;

/// The demo department in a fresh store, and the server over it.
struct Demo {
    _dir: tempfile::TempDir,
    location: Location,
    app: axum::Router,
}

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 1, 10, 2, 0, 0).unwrap()
}

fn demo() -> Demo {
    let dir = tempfile::tempdir().unwrap();
    let location = Location::Dir(dir.path().join("store"));
    let mut ledger = Ledger::open(&location, &LedgerSettings::default(), Purpose::Create).unwrap();
    ledger.seed_demo(now()).unwrap();
    drop(ledger);
    let config = selfeval_web::Config {
        location: location.clone(),
        ledger: LedgerSettings::default(),
        allow: selfeval_web::Allow::View,
        now: Some(now()),
    };
    Demo { _dir: dir, location, app: selfeval_web::router(config) }
}

async fn call(app: &axum::Router, method: Method, uri: &str) -> (StatusCode, String) {
    let request = Request::builder().method(method).uri(uri).body(Body::empty()).unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

async fn get(app: &axum::Router, uri: &str) -> String {
    let (status, body) = call(app, Method::GET, uri).await;
    assert_eq!(status, StatusCode::OK, "{uri}: {body}");
    body
}

/// The page with the chain head's hash (event ids are random) replaced.
fn stable(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(at) = rest.find("链头 #") {
        let (before, after) = rest.split_at(at);
        out.push_str(before);
        let seq_end = after["链头 #".len()..].find(' ').unwrap() + "链头 #".len() + 1;
        out.push_str(&after[..seq_end]);
        out.push_str("[hash]");
        rest = &after[seq_end + 12..];
    }
    out.push_str(rest);
    // The hashes and stored lines too (their event ids are random).
    let out = between(&out, "<code>", "</code>", "[hash]");
    between(&out, "<pre>", "</pre>", "[stored line]")
}

/// `text` with whatever stands between each `open` and its `close` replaced.
fn between(text: &str, open: &str, close: &str, with: &str) -> String {
    let mut redacted = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(open) {
        let (before, after) = rest.split_at(at + open.len());
        redacted.push_str(before);
        let end = after.find(close).unwrap();
        redacted.push_str(with);
        rest = &after[end..];
    }
    redacted.push_str(rest);
    redacted
}

#[tokio::test]
async fn every_page_of_the_demo_as_it_reads() {
    let demo = demo();
    for (name, uri) in [
        ("overview", "/"),
        ("projects", "/projects"),
        ("projects_by_rate", "/projects?sort=execution_rate"),
        ("project_p02", "/projects/P02"),
        ("trace_p02_execution_rate", "/trace/P02/execution_rate"),
        ("trace_department_average_score", "/trace/department/average_score"),
        ("history_p02", "/history?project=P02"),
        ("check", "/check"),
    ] {
        let html = get(&demo.app, uri).await;
        assert!(html.starts_with("<!doctype html>\n<html lang=\"zh-CN\">"), "{uri}");
        insta::assert_snapshot!(name, stable(&html));
    }
}

/// A figure's text as a number: `6.00万元` → 6.00, `99.98%` → 99.98.
fn number(text: &str) -> Option<Decimal> {
    let digits: String = text.chars().take_while(|c| c.is_ascii_digit() || *c == '.' || *c == '-').collect();
    digits.parse().ok()
}

/// Text that is a figure as pages print them: two decimals, a unit or %.
fn is_figure(text: &str) -> bool {
    let number = text.trim_end_matches("万元").trim_end_matches('元').trim_end_matches('%');
    number.split_once('.').is_some_and(|(whole, cents)| {
        !whole.is_empty()
            && whole.chars().all(|c| c.is_ascii_digit() || c == '-' || c == ',')
            && cents.len() == 2
            && cents.chars().all(|c| c.is_ascii_digit())
    })
}

/// What the JSON report says of `figure` of `code`, rounded as pages show it.
fn from_json(report: &serde_json::Value, code: &str, figure: &str) -> Option<Decimal> {
    let text = match (code, figure) {
        ("department", "average_score") => report["average_score"].as_str(),
        ("department", f) => report["totals"][f].as_str(),
        (p, f) => {
            let project = report["projects"].as_array()?.iter().find(|x| x["code"] == p)?;
            match project[f].as_str() {
                Some(text) => Some(text),
                None => project["indicators"].as_array()?.iter().find(|i| i["code"] == f)?["score"].as_str(),
            }
        }
    }?;
    let value: Decimal = text.parse().ok()?;
    Some(value.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero))
}

#[tokio::test]
async fn every_figure_is_a_link_to_its_trace_and_equals_the_json_report() {
    let demo = demo();
    let checked = figures_equal_the_json_report(&demo).await;
    assert!(checked >= 50, "figures checked: {checked}");
}

/// Every figure of the overview and the project pages is a link to its
/// trace and equals the CLI's JSON report at the ledger's head; how many
/// were compared.
async fn figures_equal_the_json_report(demo: &Demo) -> usize {
    let ledger = Ledger::open(&demo.location, &LedgerSettings::default(), Purpose::Read).unwrap();
    let evaluation = ledger.evaluate(selfeval_ledger::View::default()).unwrap();
    let report = selfeval_report::report_json(&evaluation);
    let link = scraper::Selector::parse("a[href^=\"/trace/\"]").unwrap();
    let cell_selector = scraper::Selector::parse("td").unwrap();
    let mut checked = 0;
    for uri in ["/", "/projects", "/projects/P01", "/projects/P02", "/projects/P03", "/projects/P04"] {
        let page = scraper::Html::parse_document(&get(&demo.app, uri).await);
        // Every figure (two decimals: an amount, a rate, a score) is in a
        // link to its trace.
        for cell in page.select(&cell_selector) {
            let text: String = cell.text().collect();
            if is_figure(text.trim()) {
                assert!(cell.select(&link).next().is_some(), "{uri}: a figure without a trace link: {}", cell.html());
            }
        }
        let rows = scraper::Selector::parse("tr").unwrap();
        for row in page.select(&rows) {
            // A fund source's amounts link to the project's figure they are
            // part of: not equal to it.
            let row_text: String = row.text().collect();
            let part = ["其中：", "上年结转资金", "其他资金"].iter().any(|l| row_text.contains(l));
            for a in row.select(&link) {
                let href = a.value().attr("href").unwrap();
                let path = href.trim_start_matches("/trace/").split('?').next().unwrap();
                let parts: Vec<&str> = path.split('/').collect();
                let text: String = a.text().collect();
                let Some(shown) = number(text.trim()) else { continue };
                if part {
                    continue;
                }
                let expected = from_json(&report, parts[0], parts[1]);
                assert_eq!(Some(shown), expected, "{uri}: {href} shows {text}");
                checked += 1;
            }
        }
    }
    checked
}

/// The spending of 1 on P01 (a budget of 0) recorded by its section, as
/// the CLI records it, in another opening of the store.
fn spend_on_p01(location: &Location) {
    use selfeval_core::{Command, Meta, Request};
    let mut ledger = Ledger::open(location, &LedgerSettings::default(), Purpose::Record).unwrap();
    let meta =
        Meta {
            actor: "周磊@人事科".into(), reason: Some("年末补记".into()), occurred_at: now(), recorded_at: now()
        };
    let command = Command::RecordExpenditure {
        project: "P01".into(),
        amount: "1".into(),
        date: "2024-12-31".into(),
        voucher: None,
        memo: None,
        source: None,
    };
    ledger.record(&Request::new(meta, command), None).unwrap();
}

#[tokio::test]
async fn a_write_by_another_process_is_on_the_next_page_and_a_replaced_store_is_read_anew() {
    let demo = demo();
    assert_eq!(get(&demo.app, "/healthz").await, "ok 77\n");
    let executed = |html: &str| html.split("实际执行金额").nth(1).map(|t| t[..200].to_owned()).unwrap_or_default();
    let before = executed(&get(&demo.app, "/").await);
    spend_on_p01(&demo.location);
    assert_eq!(get(&demo.app, "/healthz").await, "ok 78\n");
    let after = executed(&get(&demo.app, "/").await);
    assert_ne!(before, after, "the overview still shows the total before the spending");
    assert!(figures_equal_the_json_report(&demo).await >= 50);
    let trace = get(&demo.app, "/trace/P01/executed").await;
    assert!(trace.contains("#78"), "{trace}");
    let history = get(&demo.app, "/history?at=78").await;
    assert!(history.contains("年末补记"), "{history}");
    // Another history in the same place (the store removed and the demo
    // recorded again: other event ids, so other hashes at the same seqs).
    let Location::Dir(dir) = &demo.location else { unreachable!("a directory store") };
    std::fs::remove_dir_all(dir).unwrap();
    let mut ledger = Ledger::open(&demo.location, &LedgerSettings::default(), Purpose::Create).unwrap();
    ledger.seed_demo(now()).unwrap();
    let head = ledger.head().clone();
    drop(ledger);
    assert_eq!(get(&demo.app, "/healthz").await, "ok 77\n");
    let overview = get(&demo.app, "/").await;
    assert!(overview.contains(&head.hash[..12]), "the overview does not name the new head {}", head.hash);
    assert_eq!(executed(&overview), before);
    assert!(figures_equal_the_json_report(&demo).await >= 50);
}

#[tokio::test]
async fn unknown_paths_are_404_and_every_other_method_is_405_writing_nothing() {
    let demo = demo();
    let (status, body) = call(&demo.app, Method::GET, "/no/such/page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("<h1>没有这个页面</h1>"), "{body}");
    let (status, body) = call(&demo.app, Method::GET, "/projects/P99").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("项目「P99」不存在"), "{body}");
    let (status, _) = call(&demo.app, Method::GET, "/trace/P02/nonsense").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for method in [Method::POST, Method::PUT, Method::DELETE, Method::PATCH] {
        for uri in [
            "/",
            "/projects",
            "/projects/P02",
            "/trace/P02/budget",
            "/healthz",
            "/history",
            "/report.json",
            "/no/such/page",
        ] {
            let (status, body) = call(&demo.app, method.clone(), uri).await;
            assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {uri}");
            assert!(body.contains("只接受 GET 请求；未写入任何内容"), "{method} {uri}: {body}");
        }
    }
    let (_, health) = call(&demo.app, Method::GET, "/healthz").await;
    assert_eq!(health, "ok 77\n");
}

#[tokio::test]
async fn a_page_states_the_view_it_was_asked_for_and_refuses_a_bad_one() {
    let demo = demo();
    let html = get(&demo.app, "/?as_of=20").await;
    assert!(html.contains("截至事件#20 · 链头 #77 "), "{html}");
    assert!(html.contains("按记录截至 20"), "{html}");
    // The links keep the view.
    assert!(html.contains("/trace/department/budget?as_of=20"), "{html}");
    let html = get(&demo.app, "/projects/P02?effective=2024-06-30").await;
    assert!(html.contains("按业务日期截至 2024-06-30"), "{html}");
    assert!(html.contains("/trace/P02/executed?effective=2024-06-30"), "{html}");
    let (status, body) = call(&demo.app, Method::GET, "/?as_of=yesterday").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("as_of：「yesterday」既不是事件序号也不是时间"), "{body}");
    let (status, body) = call(&demo.app, Method::GET, "/?effective=12").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("effective：「12」是事件序号"), "{body}");
}

#[tokio::test]
async fn recorded_text_is_shown_as_text_never_as_markup() {
    let dir = tempfile::tempdir().unwrap();
    let location = Location::Dir(dir.path().join("store"));
    let mut ledger = Ledger::open(&location, &LedgerSettings::default(), Purpose::Create).unwrap();
    let meta =
        selfeval_core::Meta { actor: "赵静@办公室".into(), reason: None, occurred_at: now(), recorded_at: now() };
    let init = selfeval_core::Command::InitYear {
        department: "某局\"><img src=x onerror=alert(1)>".into(),
        year: "2024".into(),
        profile: None,
        unit: None,
    };
    ledger.record(&selfeval_core::Request::new(meta.clone(), init), None).unwrap();
    let add = selfeval_core::Command::AddProject {
        code: "P01".into(),
        name: "<script>alert(1)</script>".into(),
        category: None,
        section: Some("科'室&".into()),
        budget_weight: None,
    };
    ledger.record(&selfeval_core::Request::new(meta, add), None).unwrap();
    drop(ledger);
    let config = selfeval_web::Config {
        location,
        ledger: LedgerSettings::default(),
        allow: selfeval_web::Allow::View,
        now: Some(now()),
    };
    let app = selfeval_web::router(config);
    for uri in ["/", "/projects", "/projects/P01", "/trace/P01/budget", "/report", "/history", "/check"] {
        let html = get(&app, uri).await;
        assert!(!html.contains("<script>alert") && !html.contains("<img src=x"), "{uri}: {html}");
    }
    let html = get(&app, "/projects").await;
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{html}");
    assert!(html.contains("科&#39;室&amp;"), "{html}");
    assert!(html.contains("某局&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"), "{html}");
}

async fn bytes(app: &axum::Router, uri: &str) -> (StatusCode, String, Vec<u8>) {
    let request = Request::builder().uri(uri).body(Body::empty()).unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let kind = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    (status, kind, response.into_body().collect().await.unwrap().to_bytes().to_vec())
}

#[tokio::test]
async fn the_documents_are_the_ones_the_cli_writes_at_the_same_head() {
    let demo = demo();
    let ledger = Ledger::open(&demo.location, &LedgerSettings::default(), Purpose::Read).unwrap();
    let evaluation = ledger.evaluate(selfeval_ledger::View::default()).unwrap();
    let (status, kind, json) = bytes(&demo.app, "/report.json").await;
    assert_eq!((status, kind.as_str()), (StatusCode::OK, "application/json"));
    let served: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(served, selfeval_report::report_json(&evaluation));
    let options = selfeval_report::ReportOptions { markers: false, appendices: true, links: false };
    let (_, _, md) = bytes(&demo.app, "/report.md").await;
    assert_eq!(String::from_utf8(md).unwrap(), selfeval_report::report_markdown(&evaluation, &options));
    for (uri, kind) in [
        ("/report.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("/projects/P02/table.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ] {
        let (status, served_kind, body) = bytes(&demo.app, uri).await;
        assert_eq!((status, served_kind.as_str()), (StatusCode::OK, kind), "{uri}");
        assert!(body.starts_with(b"PK"), "{uri} is a zip package");
    }
    let (status, _, _) = bytes(&demo.app, "/projects/P99/table.xlsx").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // As of an earlier event, the documents are the report then.
    let (_, _, earlier) = bytes(&demo.app, "/report.json?as_of=20").await;
    let earlier: serde_json::Value = serde_json::from_slice(&earlier).unwrap();
    assert_eq!(earlier["as_of"]["seq"], 20, "{}", earlier["as_of"]);
}

#[tokio::test]
async fn the_history_is_paged_and_filtered_and_the_checks_are_listed() {
    let demo = demo();
    let html = get(&demo.app, "/history").await;
    assert!(html.contains("共 77 个事件 · 第 1/1 页"), "{html}");
    assert_eq!(html.matches("<tr id=\"e").count(), 77);
    let html = get(&demo.app, "/history?project=P02&type=ExpenditureRecorded").await;
    assert!(html.contains("共 2 个事件"), "{html}");
    let html = get(&demo.app, "/history?type=支出已记录&page=1").await;
    assert!(html.contains("共 6 个事件"), "{html}");
    let (status, body) = call(&demo.app, Method::GET, "/history?type=Nope").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("type：「Nope」不是事件类型"), "{body}");
    let (status, body) = call(&demo.app, Method::GET, "/history?page=0").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("page：「0」不是页码"), "{body}");
    let ledger = Ledger::open(&demo.location, &LedgerSettings::default(), Purpose::Read).unwrap();
    let findings = ledger.evaluate(selfeval_ledger::View::default()).unwrap().findings;
    let html = get(&demo.app, "/check").await;
    let rows = html.matches("<tr><td>").count();
    assert_eq!(rows, findings.len(), "{html}");
    assert!(findings.len() > 5);
}

#[tokio::test]
async fn a_trace_shows_each_event_with_the_figure_before_and_after_and_its_stored_line() {
    use sha2::Digest;
    let demo = demo();
    let page = scraper::Html::parse_document(&get(&demo.app, "/trace/P02/executed").await);
    let text: String = page.root_element().text().collect();
    assert!(text.contains("共 2 个来源事件 · 第 1/1 页"), "{text}");
    // The spending events, each moving the figure: 0 → 3.2 → 5.9988 万元.
    assert!(text.contains("0.00万元 → 3.20万元"), "{text}");
    assert!(text.contains("3.20万元 → 6.00万元"), "{text}");
    assert!(text.contains("未签名"), "{text}");
    // The stored line, and its SHA-256 as shown.
    let pre = scraper::Selector::parse("details pre").unwrap();
    let code = scraper::Selector::parse("details p code").unwrap();
    let lines: Vec<String> = page.select(&pre).map(|p| p.text().collect()).collect();
    let sums: Vec<String> = page.select(&code).map(|c| c.text().collect()).collect();
    assert_eq!(lines.len(), 2);
    for (line, sum) in lines.iter().zip(&sums) {
        assert_eq!(format!("{:x}", sha2::Sha256::digest(line.as_bytes())), *sum);
        assert!(line.contains("ExpenditureRecorded"), "{line}");
    }
    // Each event links to its place in the history.
    let (status, body) = call(&demo.app, Method::GET, "/history?at=15").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("<tr id=\"e15\">"), "{body}");
    let (status, body) = call(&demo.app, Method::GET, "/history?project=P01&at=15").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("at：事件#15不在所筛选的变更历史中"), "{body}");
    let (status, body) = call(&demo.app, Method::GET, "/trace/P02/executed?page=2").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("page：「2」不在 1 至 1 之间"), "{body}");
}

#[tokio::test]
async fn the_report_reads_as_a_page_and_verify_says_the_chain_holds() {
    let demo = demo();
    let html = get(&demo.app, "/report").await;
    assert!(html.contains("<h1>某市应急管理局2024年度项目支出绩效自评报告</h1>"), "{html}");
    assert!(html.contains("<h2>一、项目支出基本情况</h2>"), "{html}");
    assert!(html.contains("<table>"), "the report's tables are tables");
    assert!(html.contains("<div align=\"right\">某市应急管理局<br>"), "the 落款 block: {html}");
    assert!(html.contains("587.90%"), "{html}");
    // Every figure of the report is a link to its trace that shows what
    // the JSON report says; no marks are left in the text.
    let ledger = Ledger::open(&demo.location, &LedgerSettings::default(), Purpose::Read).unwrap();
    let report = selfeval_report::report_json(&ledger.evaluate(selfeval_ledger::View::default()).unwrap());
    let page = scraper::Html::parse_document(&html);
    let mut linked = 0;
    let part = |a: &scraper::ElementRef| {
        let row = a.ancestors().filter_map(scraper::ElementRef::wrap).find(|e| e.value().name() == "tr");
        row.is_some_and(|r| {
            ["其中：", "上年结转资金", "其他资金", "　　　"].iter().any(|l| r.text().any(|t| t.contains(l)))
        })
    };
    for a in page.select(&scraper::Selector::parse("a.figure").unwrap()) {
        if part(&a) {
            // A fund source's amounts link to the project's figure they are part of.
            continue;
        }
        let href = a.value().attr("href").unwrap();
        let parts: Vec<&str> = href.trim_start_matches("/trace/").split('/').collect();
        let text: String = a.text().collect();
        // An indicator's 完成率 links to its score's trace (where the ratio's
        // target and actual are), not to a figure it equals.
        let ratio = parts[1].starts_with('I') && text.ends_with('%');
        if let (Some(shown), false) = (number(text.trim()), ratio) {
            assert_eq!(Some(shown), from_json(&report, parts[0], parts[1]), "{href} shows {text}");
            linked += 1;
        }
    }
    assert!(linked >= 60, "figures linked in the report: {linked}");
    assert!(!html.contains(selfeval_report::FIGURE_MARKS), "marks left in the page");
    // Each cell of the report's tables that is a figure (as printed: a
    // published figure may stand beside it) and each figure of the 数据来源
    // list; paragraphs hold the narratives people recorded, and findings
    // quote figures in sentences.
    let anchor = scraper::Selector::parse("a").unwrap();
    let mut figures = 0;
    for cell in page.select(&scraper::Selector::parse("td, li").unwrap()) {
        let text: String = cell.text().collect();
        let value = match cell.value().name() {
            "li" => text.split_once('：').and_then(|(_, v)| v.split_once(" ←")).map_or("", |(v, _)| v),
            _ => text.split("（原表").next().unwrap_or_default(),
        };
        if is_figure(value.trim()) {
            figures += 1;
            assert!(cell.select(&anchor).next().is_some(), "a figure without a link in the report: {}", cell.html());
        }
    }
    assert!(figures >= 60, "figures found in the report's tables and lists: {figures}");
    // The sentence the issue asks about: the department's rate, linked.
    assert!(
        html.contains("预算执行率为<a class=\"figure\" href=\"/trace/department/execution_rate\">587.90%</a>"),
        "{html}"
    );
    let html = get(&demo.app, "/verify").await;
    assert!(html.contains("<h1>校验通过</h1>"), "{html}");
    assert!(html.contains("哈希链完整：77 个事件"), "{html}");
}

#[tokio::test]
async fn hostile_addresses_get_a_clear_answer_and_write_nothing() {
    let demo = demo();
    for (uri, status, said) in [
        ("/projects/%FF", StatusCode::BAD_REQUEST, "地址中的编号无法读取"),
        ("/trace/P02/%C3%28", StatusCode::BAD_REQUEST, "地址中的编号无法读取"),
        // A query's bytes that are not UTF-8 are read as U+FFFD: the value
        // is then refused as a value, or filters nothing.
        ("/?as_of=%FF", StatusCode::BAD_REQUEST, "as_of：「\u{fffd}」既不是事件序号也不是时间"),
        ("/projects?q=%E4%B8", StatusCode::OK, "0 个项目（共 4 个）"),
        ("/?as_of", StatusCode::OK, "截至事件#77"),
        ("/projects/..%2F..%2Fetc%2Fpasswd", StatusCode::NOT_FOUND, "项目「../../etc/passwd」不存在"),
        ("/../../etc/passwd", StatusCode::NOT_FOUND, "没有这个页面"),
        ("/trace/department/..", StatusCode::NOT_FOUND, "没有这个数字"),
    ] {
        let (got, body) = call(&demo.app, Method::GET, uri).await;
        assert_eq!(got, status, "{uri}: {body}");
        assert!(body.contains(said), "{uri}: {body}");
    }
    let long = format!("/projects?q={}", "长".repeat(2_000));
    let (got, body) = call(&demo.app, Method::GET, &long).await;
    assert_eq!(got, StatusCode::OK, "a long filter is a filter: {}", &body[..200.min(body.len())]);
    assert!(body.contains("0 个项目（共 4 个）"));
    let (_, health) = call(&demo.app, Method::GET, "/healthz").await;
    assert_eq!(health, "ok 77\n");
}
