//! `cargo xtask browser`: every page of `selfeval serve` in a real browser.
//! The release binary builds the demo in a temporary store and serves it on
//! a loopback port; headless Chromium (Debian's `chromium` and
//! `chromium-driver`), started with flags that let it reach nothing but
//! the loopback server, loads every page, saves a screenshot of each under
//! `target/browser/`, fails on a console message of level SEVERE (a
//! resource that did not load, a script error) or when the page's CJK font
//! is not installed, and follows links through WebDriver (fantoccini): from
//! the overview's chart to the project, from its execution rate to the
//! trace, from the trace's event to the history. Without Chromium the check
//! is skipped with a note, unless `SELFEVAL_BROWSER_REQUIRED` is set
//! (`.ci/run` sets it after installing the packages).

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use fantoccini::{Client, ClientBuilder, Locator};

/// The pages loaded and photographed, by file name.
const PAGES: &[(&str, &str)] = &[
    ("overview", "/"),
    ("projects", "/projects"),
    ("project-P02", "/projects/P02"),
    ("trace-P02-execution_rate", "/trace/P02/execution_rate"),
    ("trace-department-average_score", "/trace/department/average_score"),
    ("history", "/history"),
    ("check", "/check"),
    ("report", "/report"),
    ("verify", "/verify"),
    ("not-found", "/no/such/page"),
];

fn tool(name: &str) -> bool {
    Command::new("sh").args(["-c", &format!("command -v {name}")]).output().is_ok_and(|o| o.status.success())
}

/// A child process killed when dropped.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(listener.local_addr().map_err(|e| e.to_string())?.port())
}

/// The demo store served by the release binary: its address.
fn serve(binary: &Path, store: &Path) -> Result<(Killed, String), String> {
    let demo = Command::new(binary)
        .arg("--store")
        .arg(store)
        .arg("demo")
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
    if !demo.success() {
        return Err("selfeval demo failed".into());
    }
    let mut child = Command::new(binary)
        .arg("--store")
        .arg(store)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start selfeval serve: {e}"))?;
    let mut line = String::new();
    BufReader::new(child.stdout.take().ok_or("no stdout")?).read_line(&mut line).map_err(|e| e.to_string())?;
    let addr = line
        .strip_prefix("正在提供 http://")
        .and_then(|rest| rest.split('/').next())
        .ok_or_else(|| format!("selfeval serve said {line:?}"))?
        .to_owned();
    Ok((Killed(child), addr))
}

/// ChromeDriver on a free loopback port, once it answers.
fn chromedriver() -> Result<(Killed, u16), String> {
    let port = free_port()?;
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start chromedriver: {e}"))?;
    let child = Killed(child);
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok((child, port));
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    Err("chromedriver did not listen within 10 s".into())
}

/// The browser's console messages since the last call (ChromeDriver's log
/// endpoint, asked over plain HTTP on the loopback).
fn console(port: u16, session: &str) -> Result<Vec<(String, String)>, String> {
    let body = r#"{"type":"browser"}"#;
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    write!(
        stream,
        "POST /session/{session}/se/log HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .map_err(|e| e.to_string())?;
    // Read the head, then exactly the body it announces (ChromeDriver may
    // keep the connection open).
    stream.set_read_timeout(Some(std::time::Duration::from_secs(10))).map_err(|e| e.to_string())?;
    let mut reader = BufReader::new(stream);
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).map_err(|e| format!("chromedriver's log: {e}"))?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).map_err(|e| format!("chromedriver's log: {e}"))?;
    let json = String::from_utf8_lossy(&body).into_owned();
    let value: serde_json::Value =
        serde_json::from_str(&json).map_err(|e| format!("chromedriver's log is not JSON ({e}): {json}"))?;
    Ok(value["value"]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .map(|e| (e["level"].as_str().unwrap_or("").to_owned(), e["message"].as_str().unwrap_or("").to_owned()))
                .collect()
        })
        .unwrap_or_default())
}

async fn session(port: u16, profile: &Path) -> Result<Client, String> {
    let capabilities = serde_json::json!({
        "browserName": "chrome",
        "goog:loggingPrefs": {"browser": "ALL"},
        "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                format!("--user-data-dir={}", profile.display()),
                "--window-size=1280,1600", "--lang=zh-CN",
            ],
        },
    });
    let capabilities = capabilities.as_object().cloned().unwrap_or_default();
    ClientBuilder::rustls()
        .map_err(|e| format!("webdriver client: {e}"))?
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .map_err(|e| format!("cannot start a Chromium session: {e}"))
}

async fn pages(client: &Client, port: u16, base: &str, out: &Path) -> Result<Vec<String>, String> {
    let session = client.session_id().await.map_err(|e| e.to_string())?.ok_or("no session id")?;
    let mut problems = Vec::new();
    for (name, path) in PAGES {
        client.goto(&format!("{base}{path}")).await.map_err(|e| format!("{path}: {e}"))?;
        let png = client.screenshot().await.map_err(|e| format!("{path}: screenshot: {e}"))?;
        std::fs::write(out.join(format!("{name}.png")), png).map_err(|e| e.to_string())?;
        let messages = console(port, &session)?;
        for (level, message) in &messages {
            // The 404 page is a 404 on purpose.
            let expected = *name == "not-found" && message.contains("404");
            if level == "SEVERE" && !expected {
                problems.push(format!("{path}: console {level}: {message}"));
            }
        }
        // The channel itself: the 404 page must be reported, or the check
        // above would pass seeing nothing.
        if *name == "not-found" && !messages.iter().any(|(_, m)| m.contains("404")) {
            problems.push(format!("{path}: the browser's console reported no 404: is its log read?"));
        }
        let lang = client.execute("return document.documentElement.lang", vec![]).await.map_err(|e| e.to_string())?;
        if lang != "zh-CN" {
            problems.push(format!("{path}: <html lang> is {lang}"));
        }
    }
    Ok(problems)
}

async fn click(client: &Client, css: &str) -> Result<(), String> {
    let element = client.find(Locator::Css(css)).await.map_err(|e| format!("no {css}: {e}"))?;
    element.click().await.map_err(|e| format!("cannot click {css}: {e}"))?;
    Ok(())
}

async fn path_now(client: &Client) -> Result<String, String> {
    let url = client.current_url().await.map_err(|e| e.to_string())?;
    Ok(format!("{}{}", url.path(), url.query().map(|q| format!("?{q}")).unwrap_or_default()))
}

/// Overview → chart → project → execution rate → trace → event → history.
async fn follow(client: &Client, base: &str) -> Result<Vec<String>, String> {
    let mut problems = Vec::new();
    client.goto(&format!("{base}/")).await.map_err(|e| e.to_string())?;
    click(client, "svg a[href='/projects/P02']").await?;
    if path_now(client).await? != "/projects/P02" {
        problems.push(format!("the chart's P02 led to {}", path_now(client).await?));
    }
    click(client, "table.form a[href='/trace/P02/execution_rate']").await?;
    if path_now(client).await? != "/trace/P02/execution_rate" {
        problems.push(format!("the execution rate led to {}", path_now(client).await?));
    }
    click(client, "a[href^='/history?at=']").await?;
    let now = path_now(client).await?;
    if !now.starts_with("/history?at=") {
        problems.push(format!("the trace's event led to {now}"));
    }
    let seq = now.trim_start_matches("/history?at=").to_owned();
    if client.find(Locator::Css(&format!("tr#e{seq}"))).await.is_err() {
        problems.push(format!("the history page has no row for event {seq}"));
    }
    Ok(problems)
}

/// Runs the browser check; `Ok` says what it did or why it was skipped.
pub fn browser() -> Result<String, String> {
    if !(tool("chromium") && tool("chromedriver")) {
        if std::env::var_os("SELFEVAL_BROWSER_REQUIRED").is_some() {
            return Err("SELFEVAL_BROWSER_REQUIRED is set but chromium or chromedriver is not installed".into());
        }
        return Ok("browser: chromium and chromedriver are not installed; the browser check is skipped".into());
    }
    // The font the pages name for Chinese must be one the machine has.
    let font = Command::new("fc-match").arg("Noto Sans CJK SC").output().map_err(|e| format!("fc-match: {e}"))?;
    if !String::from_utf8_lossy(&font.stdout).contains("CJK") {
        return Err("the pages' CJK font (Noto Sans CJK SC, fonts-noto-cjk) is not installed".into());
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let binary = root.join("target/release/selfeval");
    let out = root.join("target/browser");
    std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    let work = std::env::temp_dir().join(format!("selfeval-browser-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    let outcome = (|| {
        let (_server, addr) = serve(&binary, &work.join("store"))?;
        let (_driver, port) = chromedriver()?;
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
        runtime.block_on(async {
            let client = session(port, &work.join("profile")).await?;
            let base = format!("http://{addr}");
            let mut problems = pages(&client, port, &base, &out).await;
            if let Ok(list) = &mut problems {
                match follow(&client, &base).await {
                    Ok(more) => list.extend(more),
                    Err(e) => list.push(e),
                }
            }
            let _ = client.close().await;
            problems
        })
    })();
    let _ = std::fs::remove_dir_all(&work);
    let problems = outcome?;
    if !problems.is_empty() {
        return Err(format!("browser: {}", problems.join("\n  ")));
    }
    Ok(format!("browser: {} pages loaded in Chromium, screenshots in target/browser; links followed", PAGES.len()))
}
