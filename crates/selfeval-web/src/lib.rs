//! `selfeval serve`: the ledger in a browser. Server-rendered pages
//! (minijinja templates, auto-escaped; inline SVG charts; no JavaScript),
//! every figure a link to the events it was computed from. A front end:
//! it reaches the store only through the ledger, and renders the models
//! the ledger and the report crate build (`docs/ARCHITECTURE.md`, "Adding
//! a front end").
//!
//! The server keeps no ledger open between requests: each request opens
//! it to read, under one lock in the process, and lets it go, so a CLI
//! command on the same sled store works between two requests, and every
//! page shows the log as it stands.

mod pages;
mod view;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use chrono::{DateTime, Utc};
use selfeval_ledger::{LedgerSettings, Location};

/// What the server lets a visitor do (`--allow`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allow {
    /// Read every page; every non-GET request is refused (405).
    View,
    /// Also record (section staff): sign-in and forms.
    Fill,
    /// Also submit, approve and return (the office).
    Review,
}

impl Allow {
    /// `--allow` as typed: `view`, `fill` or `review`.
    pub fn parse(text: &str) -> Option<Allow> {
        match text.trim() {
            "view" => Some(Allow::View),
            "fill" => Some(Allow::Fill),
            "review" => Some(Allow::Review),
            _ => None,
        }
    }

    /// The mode as the listening line says it.
    pub fn label(self) -> &'static str {
        match self {
            Allow::View => "只读",
            Allow::Fill => "可填报",
            Allow::Review => "可审核",
        }
    }
}

/// What the server runs with: the store, the ledger's settings, the mode
/// and the clock (fixed in tests, as the CLI's `SELFEVAL_NOW`).
#[derive(Debug, Clone)]
pub struct Config {
    /// The store: a directory or a PostgreSQL ledger.
    pub location: Location,
    /// The ledger's settings (busy wait, snapshots, signer).
    pub ledger: LedgerSettings,
    /// What visitors may do.
    pub allow: Allow,
    /// A fixed time for "made at" (tests); `None`: the clock.
    pub now: Option<DateTime<Utc>>,
}

impl Config {
    fn now(&self) -> DateTime<Utc> {
        self.now.unwrap_or_else(Utc::now)
    }
}

/// Where to listen, as typed for `field`: an address and port. Only a
/// loopback address may be served without TLS (`tls`: a certificate and
/// key were given).
pub fn listen_address(field: &str, text: &str, tls: bool) -> Result<SocketAddr, (String, String)> {
    let addr: SocketAddr = text
        .trim()
        .parse()
        .map_err(|_| (field.to_owned(), format!("「{text}」不是监听地址；可接受：IP:端口，如 127.0.0.1:8080")))?;
    if !addr.ip().is_loopback() && !tls {
        return Err((
            field.to_owned(),
            format!(
                "{addr} 不是本机回环地址，不加密地对外提供会让口令和数据明文经过网络；可接受：127.0.0.1:端口，或同时给出 --tls-cert 和 --tls-key"
            ),
        ));
    }
    Ok(addr)
}

/// The application: every route of the server.
pub fn router(config: Config) -> Router {
    pages::router(Arc::new(pages::App::new(config)))
}

/// Serves `router(config)` on `listener` until `shutdown` completes; then
/// stops accepting and finishes the requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(config)).with_graceful_shutdown(shutdown).await
}

/// Listens on `addr` and serves until SIGINT or SIGTERM, then finishes
/// the requests in flight and returns. `listening` is told the address
/// once the server listens (the CLI prints its line then).
pub fn run(addr: SocketAddr, config: Config, listening: impl FnOnce(SocketAddr)) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        listening(listener.local_addr()?);
        serve(listener, config, interrupted()).await
    })
}

/// Resolves on the first SIGINT or SIGTERM.
pub async fn interrupted() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
