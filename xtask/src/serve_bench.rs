//! `selfeval serve` under load, for `cargo xtask bench`: the release binary
//! serving the benchmark's store on a loopback port, asked over HTTP/1.1
//! keep-alive connections (hyper's client), as a browser would.
//!
//! Measured: the first page (the server starts its state), then warm
//! latencies of the pages the targets name (each request alone, one after
//! another: the p95 of each), the throughput of `/projects/{code}` with 32
//! connections at once, and the server's peak RSS over all of it (VmHWM).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use serde_json::json;

/// A server process, stopped with SIGTERM when dropped.
struct Server {
    child: Child,
    addr: std::net::SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(selfeval: &Path, store: &str) -> Result<Server, String> {
        use std::io::BufRead;
        let mut child = Command::new(selfeval)
            .args(["--store", store, "serve", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start selfeval serve: {e}"))?;
        let mut line = String::new();
        let stdout = child.stdout.take().ok_or("no stdout")?;
        std::io::BufReader::new(stdout).read_line(&mut line).map_err(|e| e.to_string())?;
        let addr = line
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .and_then(|a| a.parse().ok())
            .ok_or_else(|| format!("selfeval serve did not say where it listens: {line:?}"))?;
        Ok(Server { child, addr })
    }

    /// The server's peak and current resident memory (MB), from /proc.
    fn rss_mb(&self) -> Result<(f64, f64), String> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).map_err(|e| e.to_string())?;
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
                .map(|kb| kb / 1024.0)
                .ok_or_else(|| format!("no {name} in /proc status"))
        };
        Ok((field("VmHWM:")?, field("VmRSS:")?))
    }
}

/// One keep-alive connection to the server.
struct Connection {
    sender: hyper::client::conn::http1::SendRequest<Empty<Bytes>>,
    host: String,
}

impl Connection {
    async fn open(addr: std::net::SocketAddr) -> Result<Connection, String> {
        let stream = tokio::net::TcpStream::connect(addr).await.map_err(|e| format!("connect {addr}: {e}"))?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        let (sender, connection) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .map_err(|e| e.to_string())?;
        tokio::spawn(connection);
        Ok(Connection { sender, host: addr.to_string() })
    }

    /// GETs `uri`: the body, or why the page is not 200.
    async fn get(&mut self, uri: &str) -> Result<Bytes, String> {
        self.sender.ready().await.map_err(|e| e.to_string())?;
        let request = hyper::Request::get(uri)
            .header(hyper::header::HOST, &self.host)
            .body(Empty::new())
            .map_err(|e| e.to_string())?;
        let response = self.sender.send_request(request).await.map_err(|e| format!("GET {uri}: {e}"))?;
        let status = response.status();
        let body = response.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes();
        if status != hyper::StatusCode::OK {
            return Err(format!("GET {uri}: {status}: {}", String::from_utf8_lossy(&body)));
        }
        Ok(body)
    }
}

/// The p50 and p95 (ms) of `runs` requests for `uris` in turn, one at a time.
async fn latencies(conn: &mut Connection, uris: &[String], runs: usize) -> Result<(f64, f64), String> {
    let mut times = Vec::with_capacity(runs);
    for i in 0..runs {
        let started = Instant::now();
        conn.get(&uris[i % uris.len()]).await?;
        times.push(started.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() as f64 * q).ceil() as usize).clamp(1, times.len()) - 1];
    Ok((at(0.5), at(0.95)))
}

/// Requests per second for `uris` over `connections` connections at once
/// for `duration`, and how many requests that was.
async fn throughput(
    addr: std::net::SocketAddr,
    uris: &[String],
    connections: usize,
    duration: Duration,
) -> Result<(f64, u64), String> {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..connections {
        let uris = uris.to_vec();
        tasks.push(tokio::spawn(async move {
            let mut conn = Connection::open(addr).await?;
            let mut done = 0u64;
            while started.elapsed() < duration {
                conn.get(&uris[(c + done as usize) % uris.len()]).await?;
                done += 1;
            }
            Ok::<u64, String>(done)
        }));
    }
    let mut total = 0;
    for task in tasks {
        total += task.await.map_err(|e| e.to_string())??;
    }
    Ok((total as f64 / started.elapsed().as_secs_f64(), total))
}

/// The serve figures on `store` (`projects` projects named P00000…, as
/// `xtask gen` makes them).
pub fn serve_figures(selfeval: &Path, store: &str, projects: u64, quick: bool) -> Result<serde_json::Value, String> {
    let server = Server::start(selfeval, store)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let runs = if quick { 20 } else { 200 };
    let code = |i: u64| format!("P{:05}", (i * 7919) % projects.max(1));
    let figures = runtime.block_on(async {
        let mut conn = Connection::open(server.addr).await?;
        let started = Instant::now();
        let health = conn.get("/healthz").await?;
        let first_s = started.elapsed().as_secs_f64();
        // `ok SEQ`: how many events the log holds.
        let events: u64 = String::from_utf8_lossy(&health)
            .trim()
            .strip_prefix("ok ")
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| format!("/healthz said {health:?}"))?;
        let project_uris: Vec<String> = (0..50).map(|i| format!("/projects/{}", code(i))).collect();
        let trace_uris: Vec<String> = (0..50)
            .map(|i| {
                format!(
                    "/trace/{}/{}",
                    code(i),
                    ["execution_rate", "budget", "executed", "total_score"][i as usize % 4]
                )
            })
            .collect();
        // The log's first page, one in its middle, its last, a project's.
        let pages = events.div_ceil(100).max(1);
        let history_uris = vec![
            "/history".to_owned(),
            format!("/history?page={}", pages / 2 + 1),
            format!("/history?page={pages}"),
            format!("/history?project={}", code(3)),
        ];
        let (project_p50, project_p95) = latencies(&mut conn, &project_uris, runs).await?;
        let (trace_p50, trace_p95) = latencies(&mut conn, &trace_uris, runs / 2).await?;
        let (overview_p50, overview_p95) = latencies(&mut conn, &["/".to_owned()], runs / 4).await?;
        let (history_p50, history_p95) = latencies(&mut conn, &history_uris, runs / 2).await?;
        let seconds = if quick { 2 } else { 10 };
        let (rps, requests) = throughput(server.addr, &project_uris, 32, Duration::from_secs(seconds)).await?;
        Ok::<_, String>(json!({
            "serve_first_page_s": first_s,
            "serve_project_p50_ms": project_p50,
            "serve_project_p95_ms": project_p95,
            "serve_trace_p50_ms": trace_p50,
            "serve_trace_p95_ms": trace_p95,
            "serve_overview_p50_ms": overview_p50,
            "serve_overview_p95_ms": overview_p95,
            "serve_history_p50_ms": history_p50,
            "serve_history_p95_ms": history_p95,
            "serve_rps_32": rps,
            "serve_rps_requests": requests,
        }))
    })?;
    let (peak, now) = server.rss_mb()?;
    let mut figures = figures;
    figures["serve_rss_peak_mb"] = json!(peak);
    figures["serve_rss_mb"] = json!(now);
    Ok(figures)
}
