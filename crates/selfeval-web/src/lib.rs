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

mod held;
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

/// [`router`], with the ledger's state made in the background at once
/// (a replay of the whole ledger), so that the first visitor does not wait
/// for it.
fn started(config: Config) -> Router {
    let app = Arc::new(pages::App::new(config));
    let warming = Arc::clone(&app);
    tokio::spawn(async move { warming.warm().await });
    pages::router(app)
}

/// Serves `router(config)` on `listener` until `shutdown` completes; then
/// stops accepting and finishes the requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, started(config)).with_graceful_shutdown(shutdown).await
}

/// A certificate chain and its private key for HTTPS (rustls), read and
/// checked before the server starts.
#[derive(Debug, Clone)]
pub struct Tls {
    config: Arc<rustls::ServerConfig>,
}

impl Tls {
    /// Reads the PEM certificate chain at `cert` and the PEM private key
    /// at `key`; `Err((flag, message))` names the file that will not do.
    pub fn load(cert: &std::path::Path, key: &std::path::Path) -> Result<Tls, (String, String)> {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let refuse = |flag: &str, message: String| (flag.to_owned(), message);
        let read = |flag: &str, path: &std::path::Path| {
            std::fs::read(path).map_err(|e| refuse(flag, format!("无法读取 {}：{e}", path.display())))
        };
        let (cert_pem, key_pem) = (read("--tls-cert", cert)?, read("--tls-key", key)?);
        let chain: Vec<CertificateDer<'static>> =
            CertificateDer::pem_slice_iter(&cert_pem)
                .collect::<Result<_, _>>()
                .map_err(|e| refuse("--tls-cert", format!("{} 不是 PEM 证书：{e}", cert.display())))?;
        if chain.is_empty() {
            return Err(refuse(
                "--tls-cert",
                format!("{} 中没有 PEM 证书（-----BEGIN CERTIFICATE-----）", cert.display()),
            ));
        }
        let private = PrivateKeyDer::from_pem_slice(&key_pem)
            .map_err(|e| refuse("--tls-key", format!("{} 不是 PEM 私钥：{e}", key.display())))?;
        // ring: it builds with a C compiler alone (no cmake), on every
        // machine this runs on; its lack of post-quantum key exchange is
        // what the deprecation says, and is acceptable for an office LAN.
        #[allow(deprecated)]
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| refuse("--tls-cert", format!("内部错误：TLS 协议版本不可用：{e}")))?
            .with_no_client_auth()
            .with_single_cert(chain, private)
            .map_err(|e| refuse("--tls-key", format!("私钥与证书不配，或不受支持：{e}")))?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Tls { config: Arc::new(config) })
    }
}

/// Listens on `addr` (over HTTPS with `tls`) and serves until SIGINT or
/// SIGTERM, then finishes the requests in flight and returns. `listening`
/// is told the address once the server listens (the CLI prints its line
/// then).
pub fn run(
    addr: SocketAddr,
    config: Config,
    tls: Option<Tls>,
    listening: impl FnOnce(SocketAddr),
) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    // A note in the store (pid and address) while serving, so that a
    // command kept waiting says who holds the store; removed at the end.
    let note = std::sync::Mutex::new(None);
    let (location, scheme) = (config.location.clone(), if tls.is_some() { "https" } else { "http" });
    let listening = |bound: SocketAddr| {
        let announced = selfeval_ledger::announce_server(&location, &format!("{scheme}://{bound}/"));
        *note.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = announced;
        listening(bound);
    };
    runtime.block_on(async move {
        let Some(tls) = tls else {
            let listener = tokio::net::TcpListener::bind(addr).await?;
            listening(listener.local_addr()?);
            return serve(listener, config, interrupted()).await;
        };
        let handle = axum_server::Handle::new();
        let stopper = handle.clone();
        tokio::spawn(async move {
            interrupted().await;
            stopper.graceful_shutdown(Some(std::time::Duration::from_secs(10)));
        });
        let waiter = handle.clone();
        let rustls = axum_server::tls_rustls::RustlsConfig::from_config(tls.config);
        let server = axum_server::bind_rustls(addr, rustls).handle(handle).serve(started(config).into_make_service());
        let announce = async move {
            if let Some(bound) = waiter.listening().await {
                listening(bound);
            }
        };
        let (served, ()) = tokio::join!(server, announce);
        served
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
