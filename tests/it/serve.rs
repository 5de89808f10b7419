//! `selfeval serve` as a person starts it: the listening line, the pages
//! over HTTP, SIGTERM, the refusals of what this version does not serve.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read, Write};

use crate::Env;

/// A GET over a plain TCP connection: the status line and the body.
fn http_get(addr: &str, path: &str) -> (String, String) {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    (head.lines().next().unwrap().to_owned(), body.to_owned())
}

/// `selfeval serve ARGS` started on a free loopback port: the process and
/// the address its listening line names (`scheme` as it says it).
fn start(env: &Env, args: &[&OsStr], scheme: &str) -> (std::process::Child, String) {
    let mut child = env
        .command()
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let addr = line
        .strip_prefix(&format!("正在提供 {scheme}://"))
        .and_then(|rest| rest.strip_suffix("/ （只读）\n"))
        .unwrap_or_else(|| panic!("the listening line: {line:?}"))
        .to_owned();
    (child, addr)
}

#[test]
fn serve_prints_where_it_listens_answers_pages_and_stops_on_sigterm() {
    let env = Env::with_project_in_dir();
    let (mut child, addr) = start(&env, &[], "http");
    let (status, body) = http_get(&addr, "/healthz");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert_eq!(body, "ok 3\n");
    let (status, body) = http_get(&addr, "/projects/P01");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(body.contains("<h1>P01 应急救援能力建设资金</h1>"), "{body}");
    // While it serves, the store names it (for a command kept waiting).
    let note = std::fs::read_to_string(env.store().join("selfeval-serve")).unwrap();
    assert_eq!(note, format!("{} http://{addr}/\n", child.id()));
    // A moment after the last page the store is free: a command on it works.
    env.ok(&["spend", "P01", "--amount", "1", "--date", "2024-06-30"]);
    let (_, body) = http_get(&addr, "/healthz");
    assert_eq!(body, "ok 4\n", "the next request sees the new event");
    let killed = std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "serve exits 0 on SIGTERM");
    assert!(!env.store().join("selfeval-serve").exists(), "the note outlived the server");
}

/// Issue 29, item 1: "On PostgreSQL both simply work": a server on a
/// PostgreSQL ledger and a command on the same ledger, each as a process;
/// the command lands at once and is on the server's next page.
#[test]
fn serve_on_postgres_and_a_command_on_the_same_ledger_both_work() {
    let Some(env) = Env::on_postgres() else { return };
    let env = Env::with_project_on(env);
    let (mut child, addr) = start(&env, &[], "http");
    let (status, body) = http_get(&addr, "/healthz");
    assert_eq!((status.as_str(), body.as_str()), ("HTTP/1.1 200 OK", "ok 3\n"));
    let (status, _) = http_get(&addr, "/trace/P01/budget");
    assert_eq!(status, "HTTP/1.1 200 OK");
    let run = env
        .command()
        .env("SELFEVAL_BUSY_TIMEOUT", "0")
        .args(["--actor", crate::ACTOR, "spend", "P01", "--amount", "1", "--date", "2024-06-30"])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    let (_, body) = http_get(&addr, "/healthz");
    assert_eq!(body, "ok 4\n", "the next page sees the command");
    let (_, trace) = http_get(&addr, "/trace/P01/executed");
    assert!(trace.contains("<tr id=\"e4\">"), "the spending is behind P01's executed: {trace}");
    std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

/// Pages that read the store keep coming (a trace every 50 ms, each
/// holding the store): a command on it still lands within its busy
/// timeout, since the server lets the store go after holding it for a
/// second; the next page shows it.
#[test]
fn a_command_lands_while_pages_keep_reading_the_store() {
    let env = Env::with_project_in_dir();
    let (mut child, addr) = start(&env, &[], "http");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let (stop, addr) = (stop.clone(), addr.clone());
        std::thread::spawn(move || {
            let mut pages = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let (status, _) = http_get(&addr, "/trace/P01/budget");
                assert_eq!(status, "HTTP/1.1 200 OK");
                pages += 1;
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            pages
        })
    };
    std::thread::sleep(std::time::Duration::from_millis(300));
    for amount in ["1", "2"] {
        let run = env
            .command()
            .env("SELFEVAL_BUSY_TIMEOUT", "2")
            .args(["--actor", crate::ACTOR, "spend", "P01", "--amount", amount, "--date", "2024-06-30"])
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(reader.join().unwrap() >= 5, "the pages kept coming");
    let (_, body) = http_get(&addr, "/healthz");
    assert_eq!(body, "ok 5\n");
    std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

/// A command kept waiting by a server (which holds the store only while it
/// reads it: here the test holds the store's lock as a long read would)
/// says which server, where and which process; a note left by a server
/// that no longer runs names nobody.
#[test]
fn a_command_kept_waiting_by_serve_names_its_address_and_pid() {
    let env = Env::with_project_in_dir();
    let lock = std::fs::File::open(env.store().join("selfeval-lock")).unwrap();
    lock.lock().unwrap();
    let note = env.store().join("selfeval-serve");
    let spend = |timeout: &str| {
        let mut command = env.command();
        command.env("SELFEVAL_BUSY_TIMEOUT", timeout);
        let args = ["--actor", crate::ACTOR, "spend", "P01", "--amount", "1", "--date", "2024-06-30"];
        command.args(args).output().unwrap()
    };
    std::fs::write(&note, format!("{} http://127.0.0.1:8080/\n", std::process::id())).unwrap();
    let waited = spend("0.3");
    assert_eq!(waited.status.code(), Some(3));
    let said = String::from_utf8_lossy(&waited.stderr);
    let expected = format!("可能正由 selfeval serve（http://127.0.0.1:8080/，进程 {}）读取", std::process::id());
    assert!(said.contains(&expected), "{said}");
    // A pid no process has (above the kernel's limit).
    std::fs::write(&note, "4194305 http://127.0.0.1:8080/\n").unwrap();
    let waited = spend("0.3");
    assert_eq!(waited.status.code(), Some(3));
    let said = String::from_utf8_lossy(&waited.stderr);
    assert!(said.contains("正被另一个进程使用") && !said.contains("selfeval serve"), "{said}");
    drop(lock);
    let free = spend("2");
    assert_eq!(free.status.code(), Some(0), "{}", String::from_utf8_lossy(&free.stderr));
}

#[test]
fn serve_refuses_what_it_cannot_serve_safely_yet() {
    let env = Env::with_project();
    env.fails(&["serve", "--allow", "fill"], 1, "--allow：「fill」需要网页登录与填报，本版本尚未提供");
    env.fails(&["serve", "--allow", "admin"], 1, "--allow：「admin」不是服务方式；可接受：view、fill、review");
    env.fails(&["serve", "--listen", "0.0.0.0:8080"], 1, "--listen：0.0.0.0:8080 不是本机回环地址");
    env.fails(&["serve", "--listen", "localhost"], 1, "--listen：「localhost」不是监听地址");
    env.fails(&["serve", "--tls-cert", "c.pem"], 1, "--tls-key：给出了 --tls-cert 而没有 --tls-key");
    env.fails(&["serve", "--tls-key", "k.pem"], 1, "--tls-cert：给出了 --tls-key 而没有 --tls-cert");
}

/// Issue 29: TLS with rustls. A self-signed certificate for 127.0.0.1;
/// a client that trusts only it reads the pages; SIGTERM ends it.
#[test]
fn serve_over_tls_answers_a_client_that_trusts_its_certificate() {
    use std::sync::Arc;
    let env = Env::with_project_in_dir();
    let made = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let (cert, key) = (env.dir.path().join("cert.pem"), env.dir.path().join("key.pem"));
    std::fs::write(&cert, made.cert.pem()).unwrap();
    std::fs::write(&key, made.key_pair.serialize_pem()).unwrap();
    let flags = [OsStr::new("--tls-cert"), cert.as_os_str(), OsStr::new("--tls-key"), key.as_os_str()];
    let (mut child, addr) = start(&env, &flags, "https");
    let mut roots = rustls::RootCertStore::empty();
    roots.add(made.cert.der().clone()).unwrap();
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
    let connection = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
    let mut tls = rustls::StreamOwned::new(connection, std::net::TcpStream::connect(&addr).unwrap());
    write!(tls, "GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = Vec::new();
    let _ = tls.read_to_end(&mut response);
    let response = String::from_utf8_lossy(&response);
    assert!(response.starts_with("HTTP/1.1 200 OK"), "{response}");
    assert!(response.ends_with("ok 3\n"), "{response}");
    std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

#[test]
fn serve_refuses_a_certificate_or_key_that_will_not_do() {
    let env = Env::with_project();
    let junk = env.dir.path().join("junk.pem");
    std::fs::write(&junk, "not a certificate").unwrap();
    let junk = junk.to_str().unwrap();
    env.fails(&["serve", "--tls-cert", junk, "--tls-key", junk], 1, "中没有 PEM 证书");
    env.fails(&["serve", "--tls-cert", "/no/such.pem", "--tls-key", junk], 1, "--tls-cert：无法读取 /no/such.pem");
}
