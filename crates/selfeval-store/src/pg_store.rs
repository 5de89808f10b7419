//! The store on PostgreSQL: many clients on many machines, one ledger (or
//! several, one per department and year) per database.
//!
//! The same stored lines as on sled, one row each, with the same hash chain
//! over the same bytes; what finds a stream's and a command's events is the
//! database's own indexes. The schema, its migrations and the rules that
//! keep it append-only are in [`MIGRATIONS`] and `docs/storage.md`.
//!
//! One command is one transaction: it takes its ledger's write lock before
//! it is decided ([`crate::Backend::hold`]; writers of one ledger take
//! turns, readers never wait), checks that the log is still at the head
//! the command was decided on (otherwise a [`Conflict`], decided again by
//! the ledger as on sled), inserts the events and the command, and commits
//! (durable when `COMMIT` returns, at the server's default
//! `synchronous_commit`).

use std::cell::RefCell;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use postgres::error::SqlState;
use postgres::{Client, NoTls};

use crate::{
    codec, Appended, Conflict, Head, ImportRejected, Imported, LogValue, LogValues, Spooled, Staging, StoreError,
    StoredEvent, GENESIS_HASH,
};

/// The schema, one migration per entry, applied in order and recorded in
/// `selfeval_migrations` (its version is the entry's position, from 1).
/// An applied migration is never edited: a change is a new entry.
pub const MIGRATIONS: &[&str] = &[
    // 1: ledgers, their events and commands (append-only), their caches.
    r#"
CREATE TABLE selfeval_ledgers (
    name text PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE selfeval_events (
    ledger text NOT NULL REFERENCES selfeval_ledgers (name),
    seq bigint NOT NULL CHECK (seq > 0),
    stream text NOT NULL,
    stream_version bigint NOT NULL CHECK (stream_version > 0),
    command_id text NOT NULL,
    line bytea NOT NULL,
    hash char(64) NOT NULL,
    PRIMARY KEY (ledger, seq),
    UNIQUE (ledger, stream, stream_version)
);
CREATE TABLE selfeval_commands (
    ledger text NOT NULL REFERENCES selfeval_ledgers (name),
    command_id text NOT NULL,
    first_seq bigint NOT NULL CHECK (first_seq > 0),
    count integer NOT NULL CHECK (count > 0),
    PRIMARY KEY (ledger, command_id)
);
CREATE TABLE selfeval_caches (
    ledger text NOT NULL REFERENCES selfeval_ledgers (name),
    name text NOT NULL,
    bytes bytea NOT NULL,
    PRIMARY KEY (ledger, name)
);
CREATE FUNCTION selfeval_refuse_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'selfeval: % on % refused: a ledger''s history is append-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER selfeval_events_append_only BEFORE UPDATE OR DELETE ON selfeval_events
    FOR EACH ROW EXECUTE FUNCTION selfeval_refuse_rewrite();
CREATE TRIGGER selfeval_events_no_truncate BEFORE TRUNCATE ON selfeval_events
    FOR EACH STATEMENT EXECUTE FUNCTION selfeval_refuse_rewrite();
CREATE TRIGGER selfeval_commands_append_only BEFORE UPDATE OR DELETE ON selfeval_commands
    FOR EACH ROW EXECUTE FUNCTION selfeval_refuse_rewrite();
CREATE TRIGGER selfeval_commands_no_truncate BEFORE TRUNCATE ON selfeval_commands
    FOR EACH STATEMENT EXECUTE FUNCTION selfeval_refuse_rewrite();
CREATE TRIGGER selfeval_ledgers_append_only BEFORE UPDATE OR DELETE ON selfeval_ledgers
    FOR EACH ROW EXECUTE FUNCTION selfeval_refuse_rewrite();
CREATE TRIGGER selfeval_ledgers_no_truncate BEFORE TRUNCATE ON selfeval_ledgers
    FOR EACH STATEMENT EXECUTE FUNCTION selfeval_refuse_rewrite();
"#,
    // 2: each ledger's identity (what its signatures name), never changed;
    // a ledger that has events already is one from its next event on.
    r#"
CREATE TABLE selfeval_identities (
    ledger text PRIMARY KEY REFERENCES selfeval_ledgers (name),
    identity uuid NOT NULL,
    from_seq bigint NOT NULL CHECK (from_seq > 0),
    created_at timestamptz NOT NULL DEFAULT now()
);
-- Each ledger's writers are waited for (their write lock), so that no
-- command lands between the head read here and the commit.
SELECT pg_advisory_xact_lock(1936026727, hashtext(name)) FROM selfeval_ledgers ORDER BY name;
INSERT INTO selfeval_identities (ledger, identity, from_seq)
    SELECT l.name, gen_random_uuid(),
           coalesce((SELECT max(e.seq) FROM selfeval_events e WHERE e.ledger = l.name), 0) + 1
    FROM selfeval_ledgers l
    WHERE EXISTS (SELECT 1 FROM selfeval_events e WHERE e.ledger = l.name);
CREATE TRIGGER selfeval_identities_append_only BEFORE UPDATE OR DELETE ON selfeval_identities
    FOR EACH ROW EXECUTE FUNCTION selfeval_refuse_rewrite();
CREATE TRIGGER selfeval_identities_no_truncate BEFORE TRUNCATE ON selfeval_identities
    FOR EACH STATEMENT EXECUTE FUNCTION selfeval_refuse_rewrite();
"#,
];

/// Takes a ledger's write lock until the transaction ends: an advisory
/// lock keyed by the ledger's name (`SELECT … FOR UPDATE` on its row would
/// need UPDATE on `selfeval_ledgers`, which the application's role has
/// not). The first key is selfeval's ("self" + 1), so that no other use of
/// advisory locks in the database collides with it.
const LOCK_LEDGER: &str = "SELECT pg_advisory_xact_lock(1936026727, hashtext($1))";

/// Registers a ledger (once: a second registration does nothing).
const REGISTER_LEDGER: &str = "INSERT INTO selfeval_ledgers (name) VALUES ($1) ON CONFLICT (name) DO NOTHING";

/// Rows fetched per log value when the log is read in order.
const ROWS_PER_VALUE: i64 = 2_000;

/// Where a PostgreSQL store is: the connection and the ledger's name. A
/// password in it is used to connect and never shown.
#[derive(Clone, PartialEq, Eq)]
pub struct PgLocation {
    /// `postgres://` and the authority and path, as given.
    base: String,
    /// The query parameters other than `ledger`, as given.
    params: Vec<String>,
    /// The ledger's name (`default` when the URL names none).
    pub ledger: String,
}

impl fmt::Debug for PgLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.shown())
    }
}

/// At most 60 characters of `text`, for a message.
fn shorten(text: &str) -> String {
    match text.char_indices().nth(60) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// `text` with any password in it replaced by `***`: what an error may
/// quote of a URL that could not be used (even a mistyped one).
///
/// The client library takes everything from the scheme to the first `@`
/// for `user:password` (`/`, `?` and `:` included); libpq stops at a `/`; a
/// password typed with a raw `@` puts more `@`s after it. So everything
/// from the first `:` after the scheme to the *last* `@` is hidden, which
/// covers every reading (at worst a host is hidden with it, never a
/// password shown), and so is every `password=` parameter, its name
/// percent-encoded or not.
pub fn redact(text: &str) -> String {
    let scheme_end = text.find("://").map_or(0, |i| i + 3);
    let mut out = text.to_owned();
    if let Some(at) = text.rfind('@').filter(|&at| at >= scheme_end) {
        if let Some(colon) = text[scheme_end..at].find(':') {
            out = format!("{}:***{}", &text[..scheme_end + colon], &text[at..]);
        }
    }
    // Every `password=` parameter, wherever a `?` or `&` starts one (an
    // `@` or `?` elsewhere in the text cannot hide it).
    let mut masked = String::with_capacity(out.len());
    let mut rest = out.as_str();
    while let Some(at) = rest.find(['?', '&']) {
        masked.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        let end = rest.find(['&', '?']).unwrap_or(rest.len());
        let pair = &rest[..end];
        masked.push_str(without_password(pair));
        rest = &rest[end..];
    }
    masked.push_str(rest);
    masked
}

/// A URL parameter, or `password=***` when it is the password (its name
/// decoded as the client library decodes it).
fn without_password(pair: &str) -> &str {
    match pair.split_once('=') {
        Some((key, _)) if is_password_key(key) => "password=***",
        _ => pair,
    }
}

fn is_password_key(key: &str) -> bool {
    percent_decode(key).is_ok_and(|key| key == "password")
}

/// Where the credentials end in what follows a URL's scheme: the client
/// library reads everything up to the first `@` as `user:password`, a `/`
/// or `?` in the password included. 0 when there is no `@`.
fn credentials_end(rest: &str) -> usize {
    rest.find('@').map_or(0, |at| at + 1)
}

impl PgLocation {
    /// Parses `postgres://USER@HOST:PORT/DB?ledger=NAME` (or
    /// `postgresql://`). An error never quotes a password.
    pub fn parse(text: &str) -> Result<PgLocation, String> {
        let scheme_end = text.find("://").map_or(0, |i| i + 3);
        let rest = match text[..scheme_end].to_ascii_lowercase().as_str() {
            "postgres://" | "postgresql://" => &text[scheme_end..],
            _ => return Err(format!("「{}」不是 postgres:// 地址", shorten(&redact(text)))),
        };
        // An `@` typed as it is anywhere but once before the host makes the
        // client library read another user, password or host than meant
        // (and a message show part of a password): it must be `%40`.
        // (A single `@` after a host, path or parameter is one too: the
        // user name before it would hold a `/`, `?`, `=` or `&`.)
        let raw_at = rest.matches('@').count();
        let user = rest.find('@').map(|at| rest[..at].split(':').next().unwrap_or_default());
        if raw_at > 1 || user.is_some_and(|user| user.contains(['/', '?', '=', '&'])) {
            return Err(format!(
                "「{}」中有多于一个未编码的 @；可接受：用户名、密码或参数中的 @ 写成 %40，只留主机前的一个 @",
                shorten(&redact(text))
            ));
        }
        // The query starts at the first `?` after the credentials (a
        // password may hold a `?`).
        let credentials = credentials_end(rest);
        let (base, query) = match rest[credentials..].find('?') {
            Some(q) => (&rest[..credentials + q], &rest[credentials + q + 1..]),
            None => (rest, ""),
        };
        let mut ledger = None;
        let mut params = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            match pair.split_once('=') {
                Some(("ledger", _)) if ledger.is_some() => {
                    return Err("ledger 参数出现了不止一次；可接受：一个 ledger=账本名".into())
                }
                Some(("ledger", name)) => ledger = Some(percent_decode(name)?),
                _ => params.push(pair.to_owned()),
            }
        }
        let ledger = ledger.unwrap_or_else(|| "default".to_owned());
        let invisible = |c: char| {
            c.is_control()
                || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{061C}' | '\u{FEFF}')
        };
        if ledger.is_empty() || ledger.chars().count() > 200 || ledger.chars().any(invisible) || ledger.trim() != ledger
        {
            return Err(format!(
                "账本名「{}」不可用；可接受：1至200个字符，首尾无空白，不含控制、方向或零宽字符",
                shorten(&ledger.escape_debug().to_string())
            ));
        }
        let location = PgLocation { base: format!("postgres://{base}"), params, ledger };
        let config = location.config().map_err(|e| format!("PostgreSQL 地址无法解析：{e}"))?;
        if config.get_hosts().is_empty() {
            return Err("PostgreSQL 地址中没有主机；可接受：postgres://用户@主机:端口/数据库?ledger=账本名".into());
        }
        Ok(location)
    }

    /// The client's configuration: the URL without `ledger`.
    fn config(&self) -> Result<postgres::Config, postgres::Error> {
        let url =
            if self.params.is_empty() { self.base.clone() } else { format!("{}?{}", self.base, self.params.join("&")) };
        url.parse()
    }

    /// Whom the URL connects as, and where: what a password file is
    /// searched by. `None` when the URL names no user or host.
    fn target(&self) -> Option<PgTarget> {
        let config = self.config().ok()?;
        let host = match config.get_hosts().first()? {
            postgres::config::Host::Tcp(host) => host.clone(),
            #[cfg(unix)]
            postgres::config::Host::Unix(_) => "localhost".to_owned(),
        };
        Some(PgTarget {
            host,
            port: config.get_ports().first().copied().unwrap_or(5432),
            database: config.get_dbname().or(config.get_user())?.to_owned(),
            user: config.get_user()?.to_owned(),
        })
    }

    /// The location as shown in messages, and as it can be given again
    /// (less its password): `postgres://USER@HOST:PORT/DB?…&ledger=NAME`.
    pub fn shown(&self) -> String {
        let rest = &self.base["postgres://".len()..];
        let shown = match credentials_end(rest) {
            0 => rest.to_owned(),
            end => {
                let credentials = &rest[..end - 1];
                let user = credentials.split_once(':').map_or(credentials, |(name, _)| name);
                format!("{user}@{}", &rest[end..])
            }
        };
        let mut params: Vec<String> =
            self.params.iter().filter(|p| without_password(p) == p.as_str()).cloned().collect();
        params.push(format!("ledger={}", percent_encode(&self.ledger)));
        format!("postgres://{shown}?{}", params.join("&"))
    }

    /// Connects. The password: the URL's, else `PGPASSWORD` (as the caller
    /// read it: the store reads no environment), else this location's line
    /// of the password file, if any.
    fn connect(&self, login: &PgLogin) -> Result<Client, StoreError> {
        let mut config = self.config().map_err(|e| StoreError::Io(format!("{e}")))?;
        // What an administrator sees in pg_stat_activity.
        if config.get_application_name().is_none() {
            config.application_name("selfeval");
        }
        if config.get_password().is_none() {
            let from_file = || self.password_from(login.password_file.as_deref()?);
            if let Some(password) = login.password.clone().or_else(from_file) {
                config.password(password);
            }
        }
        config.connect(NoTls).map_err(|error| match error.code() {
            Some(_) => db_error(error),
            // Refused, unreachable, TLS asked for, the network: the machine's.
            None => connection_error(&error),
        })
    }

    /// This location's password in a password file in libpq's format
    /// (`host:port:database:user:password`, `*` for any), if it has one.
    fn password_from(&self, file: &Path) -> Option<String> {
        let target = self.target()?;
        let passwords = postgres_secrets::PgPass::open(file).ok()?;
        let query = passwords
            .query()
            .hostname(&target.host)
            .and_then(|q| q.port(target.port))
            .and_then(|q| q.database(&target.database))
            .and_then(|q| q.username(&target.user))
            .ok()?;
        Some(query.find().ok()??.password)
    }
}

/// Whom a PostgreSQL URL connects as, and where ([`PgLocation::target`]).
#[derive(Debug, Clone, PartialEq, Eq)]
struct PgTarget {
    /// The host name or address (`localhost` for a socket).
    pub host: String,
    /// The port (5432 unless the URL says).
    pub port: u16,
    /// The database (the user's name unless the URL says).
    pub database: String,
    /// The user.
    pub user: String,
}

fn percent_decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = text.get(i + 1..i + 3).ok_or("ledger 中的 % 后应有两位十六进制数")?;
                out.push(u8::from_str_radix(hex, 16).map_err(|_| "ledger 中的 % 后应有两位十六进制数")?);
                i += 3;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| "ledger 不是 UTF-8 文本；可接受：UTF-8 文字，可用 %XX 编码".to_owned())
}

/// `text` with what would end or change a URL's query value
/// percent-encoded (other characters, Chinese included, stay readable).
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' | '&' | '=' | '#' | '?' | '+' | '/' => out.push_str(&format!("%{:02X}", c as u32)),
            c if c.is_whitespace() => {
                let mut bytes = [0; 4];
                for byte in c.encode_utf8(&mut bytes).bytes() {
                    out.push_str(&format!("%{byte:02X}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// A connection that could not be made or was lost: the machine's (or the
/// network's) problem, never the ledger's.
fn connection_error(error: &postgres::Error) -> StoreError {
    StoreError::Environment(std::io::Error::new(
        std::io::ErrorKind::ConnectionAborted,
        format!("PostgreSQL 连接失败或中断：{}", describe(error)),
    ))
}

/// What the server said (the client's own text for a database error is
/// only "db error").
fn describe(error: &postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("{}（{}）", db.message(), db.code().code()),
        None => match std::error::Error::source(error) {
            Some(cause) => format!("{error}: {cause}"),
            None => error.to_string(),
        },
    }
}

/// A database error in our terms, by its SQLSTATE class: the connection,
/// the server's resources or state, the role's rights and a lock not
/// granted in time are the machine's (exit 74, or busy); what is left is
/// a problem with the data (exit 4).
fn db_error(error: postgres::Error) -> StoreError {
    let Some(code) = error.code() else {
        // No server error: the connection (closed, refused, cut, its IO).
        let io = std::error::Error::source(&error).is_some_and(|c| c.is::<std::io::Error>());
        return if error.is_closed() || io {
            connection_error(&error)
        } else {
            StoreError::Io(format!("PostgreSQL：{}", describe(&error)))
        };
    };
    let code = code.code();
    let environment =
        |kind| StoreError::Environment(std::io::Error::new(kind, format!("PostgreSQL 拒绝：{}", describe(&error))));
    match code {
        // A lock not granted within the wait (lock_timeout).
        "55P03" => StoreError::Busy { path: PathBuf::from("PostgreSQL"), waited: std::time::Duration::ZERO },
        _ if code.starts_with("08") || code.starts_with("57") => connection_error(&error),
        // Rights: no privilege, no such role or database, a bad password.
        "42501" | "3D000" => environment(std::io::ErrorKind::PermissionDenied),
        _ if code.starts_with("28") => environment(std::io::ErrorKind::PermissionDenied),
        // The server's resources (disk, memory, connections) or a read-only server.
        _ if code.starts_with("53") || code.starts_with("58") || code == "25006" => {
            environment(std::io::ErrorKind::Other)
        }
        _ => StoreError::Io(format!("PostgreSQL：{}", describe(&error))),
    }
}

trait OrDb<T> {
    fn or_db(self) -> Result<T, StoreError>;
}

impl<T> OrDb<T> for Result<T, postgres::Error> {
    fn or_db(self) -> Result<T, StoreError> {
        self.map_err(db_error)
    }
}

/// The schema's version, if the database has selfeval's schema.
fn schema_version(client: &mut Client) -> Option<usize> {
    client
        .query_one(
            "SELECT CASE WHEN to_regclass('selfeval_migrations') IS NULL THEN NULL
                    ELSE (SELECT coalesce(max(version), 0) FROM selfeval_migrations) END",
            &[],
        )
        .ok()
        .and_then(|row| row.get::<_, Option<i32>>(0))
        .and_then(|v| usize::try_from(v).ok())
}

/// A database whose schema is newer than this program knows: it may hold
/// what this program would misread, so it is neither read nor written.
fn newer_schema(version: usize) -> StoreError {
    StoreError::Environment(std::io::Error::other(format!(
        "数据库的结构版本为{version}，新于本程序所知的{}；请升级 selfeval",
        MIGRATIONS.len()
    )))
}

/// Brings the schema up to the last migration, in one transaction;
/// concurrent clients take turns on an advisory lock.
pub(crate) fn migrate(client: &mut Client) -> Result<usize, StoreError> {
    // Up to date: nothing to create, so a role without CREATE (the
    // application's, docs/storage.md) goes on.
    match schema_version(client) {
        Some(version) if version == MIGRATIONS.len() => return Ok(0),
        Some(version) if version > MIGRATIONS.len() => return Err(newer_schema(version)),
        _ => {}
    }
    let mut tx = client.transaction().or_db()?;
    // One number for selfeval's migrations (the bytes of "self").
    tx.execute("SELECT pg_advisory_xact_lock(1936026726)", &[]).or_db()?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS selfeval_migrations (
             version integer PRIMARY KEY,
             applied_at timestamptz NOT NULL DEFAULT now()
         )",
    )
    .or_db()?;
    let applied: i32 = tx.query_one("SELECT coalesce(max(version), 0) FROM selfeval_migrations", &[]).or_db()?.get(0);
    let applied = usize::try_from(applied).unwrap_or(0);
    if applied > MIGRATIONS.len() {
        return Err(newer_schema(applied));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(applied) {
        tx.batch_execute(sql).or_db()?;
        let version = i32::try_from(i + 1).unwrap_or(i32::MAX);
        tx.execute("INSERT INTO selfeval_migrations (version) VALUES ($1)", &[&version]).or_db()?;
    }
    tx.commit().or_db()?;
    Ok(MIGRATIONS.len() - applied)
}

/// How to log in: `PGPASSWORD` and the password file, as the caller read
/// them (the store reads no environment).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct PgLogin {
    /// `PGPASSWORD`: for every location whose URL has no password.
    pub password: Option<String>,
    /// `PGPASSFILE`, else `~/.pgpass`: searched for each location.
    pub password_file: Option<PathBuf>,
}

impl fmt::Debug for PgLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgLogin")
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("password_file", &self.password_file)
            .finish()
    }
}

/// Whether the database has selfeval's schema (nothing is created).
fn has_schema(client: &mut Client) -> Result<bool, StoreError> {
    Ok(client.query_one("SELECT to_regclass('selfeval_ledgers') IS NOT NULL", &[]).or_db()?.get(0))
}

/// The ledgers in the database at `location` (its ledger part ignored),
/// with their event counts, by name; nothing is created.
pub fn ledgers(location: &PgLocation, login: &PgLogin) -> Result<Vec<(String, u64)>, StoreError> {
    let mut client = location.connect(login)?;
    if !has_schema(&mut client)? {
        return Ok(Vec::new());
    }
    let rows = client
        .query(
            "SELECT l.name, coalesce((SELECT max(seq) FROM selfeval_events e WHERE e.ledger = l.name), 0)
             FROM selfeval_ledgers l ORDER BY l.name",
            &[],
        )
        .or_db()?;
    Ok(rows.iter().map(|r| (r.get::<_, String>(0), u64::try_from(r.get::<_, i64>(1)).unwrap_or(0))).collect())
}

/// Whether the ledger at `location` exists (nothing is created, not even
/// the schema: a reader may not be allowed to).
pub fn ledger_exists(location: &PgLocation, login: &PgLogin) -> Result<bool, StoreError> {
    let mut client = location.connect(login)?;
    if !has_schema(&mut client)? {
        return Ok(false);
    }
    let row = client.query_opt("SELECT 1 FROM selfeval_ledgers WHERE name = $1", &[&location.ledger]).or_db()?;
    Ok(row.is_some())
}

/// How a ledger is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// As it is: nothing created, not even the schema.
    Read,
    /// The schema brought up to date and the ledger registered.
    Write,
    /// The schema brought up to date; the ledger registered by the import.
    Import,
}

/// A ledger in a PostgreSQL database.
pub(crate) struct PgStore {
    client: RefCell<Client>,
    /// A transaction holding the ledger's write lock is open ([`crate::Backend::hold`]).
    held: bool,
    location: PgLocation,
    /// What [`crate::Backend::path`] shows: the location, without password.
    shown: PathBuf,
    head: Head,
    /// How long a writer waits for the ledger's write lock.
    wait: std::time::Duration,
    /// The ledger's identity once read (it never changes).
    identity: RefCell<Option<crate::Identity>>,
}

impl fmt::Debug for PgStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgStore").field("location", &self.location).field("head", &self.head).finish()
    }
}

/// The rows of `selfeval_commands` for events in log order: a command's
/// events are consecutive, so each run of one command id is one row.
#[derive(Default)]
struct CommandRuns(Vec<(String, u64, i32)>);

impl CommandRuns {
    fn push(&mut self, command_id: &str, seq: u64) {
        match self.0.last_mut() {
            Some((id, _, count)) if id == command_id => *count += 1,
            _ => self.0.push((command_id.to_owned(), seq, 1)),
        }
    }
}

/// A row of `selfeval_events` as the log needs it: the next number after
/// the one before (no gap, no repeat), and its columns saying what its
/// stored line says (a row inserted by hand with other columns would make
/// readers count an event twice or look in the wrong stream).
fn checked_row(expected: u64, seq: u64, line: &[u8], hash: &str) -> Result<(), StoreError> {
    let corrupt = |message: String| StoreError::Corrupt { seq: expected, message };
    if seq != expected {
        return Err(corrupt(format!("事件表中事件{expected}缺失，下一行是事件{seq}：历史被删改")));
    }
    let (line_hash, body) = codec::split_line(line).map_err(corrupt)?;
    let body_seq = codec::body_seq(body).map_err(corrupt)?;
    if body_seq != seq {
        return Err(corrupt(format!("事件表第{seq}行存的是事件{body_seq}：历史被删改")));
    }
    if line_hash != hash {
        return Err(corrupt(format!("事件表第{seq}行的哈希列与事件本身的哈希不同：历史被删改")));
    }
    Ok(())
}

fn seq_param(seq: u64) -> i64 {
    i64::try_from(seq).unwrap_or(i64::MAX)
}

fn seq_of(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

impl PgStore {
    /// Connects and reads the head; what else depends on `mode` (a role
    /// that may only read can open in `Read`; an up-to-date schema needs
    /// no CREATE in the others either).
    pub(crate) fn open(location: &PgLocation, options: &crate::OpenOptions, mode: Mode) -> Result<PgStore, StoreError> {
        let mut client = location.connect(&options.login)?;
        match mode {
            Mode::Read => match schema_version(&mut client) {
                Some(version) if version > MIGRATIONS.len() => return Err(newer_schema(version)),
                _ => {}
            },
            Mode::Write => {
                migrate(&mut client)?;
                client.execute(REGISTER_LEDGER, &[&location.ledger]).or_db()?;
            }
            // The ledger is registered by the import's own transaction: an
            // import cut short leaves no empty ledger behind.
            Mode::Import => {
                migrate(&mut client)?;
            }
        }
        // A client that stalls inside a command (a laptop suspended, a
        // network cut) does not hold the ledger's writers for ever.
        client.batch_execute("SET idle_in_transaction_session_timeout = '10min'").or_db()?;
        let mut store = PgStore {
            client: RefCell::new(client),
            held: false,
            shown: PathBuf::from(location.shown()),
            location: location.clone(),
            head: Head { seq: 0, hash: GENESIS_HASH.to_owned() },
            wait: options.wait,
            identity: RefCell::new(None),
        };
        let head = store.read_head(&mut *store.client.borrow_mut())?;
        store.head = head;
        Ok(store)
    }

    fn read_head(&self, client: &mut impl postgres::GenericClient) -> Result<Head, StoreError> {
        let row = client
            .query_opt(
                "SELECT seq, line, hash FROM selfeval_events WHERE ledger = $1 ORDER BY seq DESC LIMIT 1",
                &[&self.location.ledger],
            )
            .or_db()?;
        Ok(match row {
            None => Head { seq: 0, hash: GENESIS_HASH.to_owned() },
            Some(row) => {
                let seq = seq_of(row.get(0));
                checked_row(seq, seq, row.get(1), row.get(2))?;
                Head { seq, hash: row.get::<_, String>(2) }
            }
        })
    }

    /// The stored lines of events `from..=to`, each with its `\n`, and how
    /// many there were.
    fn rows(&self, from: u64, to: u64) -> Result<(Vec<u8>, u64), StoreError> {
        self.rows_with(from, to, false)
    }

    /// The log values from event `from` on, [`PgStore::rows_with`] at a time.
    fn values(&self, from: u64, audited: bool) -> LogValues<'_> {
        let mut next = from.max(1);
        let last = self.head.seq;
        Box::new(std::iter::from_fn(move || {
            if next > last {
                return None;
            }
            let to = last.min(next.saturating_add(seq_of(ROWS_PER_VALUE) - 1));
            Some(match self.rows_with(next, to, audited) {
                Ok((_, 0)) => Err(StoreError::Corrupt { seq: next, message: "事件不在日志中".into() }),
                Ok((bytes, count)) => {
                    let first = next;
                    next += count;
                    Ok((first, LogValue::owned(bytes)))
                }
                Err(e) => {
                    next = u64::MAX;
                    Err(e)
                }
            })
        }))
    }

    /// [`PgStore::rows`]; `audited`: each row's stream, stream version and
    /// command id columns are also compared with what its line says (what
    /// `verify` reads the log with: readers look events up by those
    /// columns, so a row whose columns lie would hide an event from its
    /// stream's history or give the next command a version already used).
    fn rows_with(&self, from: u64, to: u64, audited: bool) -> Result<(Vec<u8>, u64), StoreError> {
        let query = if audited {
            "SELECT seq, line, hash, stream, stream_version, command_id FROM selfeval_events
             WHERE ledger = $1 AND seq BETWEEN $2 AND $3 ORDER BY seq"
        } else {
            "SELECT seq, line, hash FROM selfeval_events WHERE ledger = $1 AND seq BETWEEN $2 AND $3 ORDER BY seq"
        };
        let rows = self
            .client
            .borrow_mut()
            .query(query, &[&self.location.ledger, &seq_param(from), &seq_param(to)])
            .or_db()?;
        let mut out = Vec::new();
        for (i, row) in rows.iter().enumerate() {
            let line: &[u8] = row.get(1);
            let seq = seq_of(row.get(0));
            checked_row(from + i as u64, seq, line, row.get(2))?;
            if audited {
                let event = codec::stored_line(line, seq)?;
                let e = &event.envelope;
                let columns: (&str, u64, &str) = (row.get(3), seq_of(row.get(4)), row.get(5));
                if columns != (e.stream.as_str(), e.stream_version, e.command_id.as_str()) {
                    return Err(StoreError::Corrupt {
                        seq,
                        message: format!(
                            "事件表第{seq}行把事件列为「{}」的第{}个事件、命令「{}」，事件本身是「{}」的第{}个事件、命令「{}」：历史被删改",
                            columns.0, columns.1, columns.2, e.stream, e.stream_version, e.command_id
                        ),
                    });
                }
            }
            out.extend_from_slice(line);
            out.push(b'\n');
        }
        Ok((out, rows.len() as u64))
    }
}

impl PgStore {
    /// Inserts what is staged inside the held transaction, if the log is
    /// still at the head it was staged on (the head [`Backend::hold`] read
    /// under the lock: nobody else can have moved it since).
    ///
    /// [`Backend::hold`]: crate::Backend::hold
    fn insert_staged(&mut self, staging: &Staging) -> Result<Result<Appended, Conflict>, StoreError> {
        let Staging { base, stored, value, .. } = staging;
        if &self.head != base {
            return Ok(Err(Conflict { stream: String::new(), expected: base.seq, actual: self.head.seq }));
        }
        let mut client = self.client.borrow_mut();
        let insert = client
            .prepare(
                "INSERT INTO selfeval_events (ledger, seq, stream, stream_version, command_id, line, hash)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .or_db()?;
        let mut commands = CommandRuns::default();
        for (event, line) in stored.iter().zip(codec::lines(value)) {
            let e = &event.envelope;
            let params: [&(dyn postgres::types::ToSql + Sync); 7] = [
                &self.location.ledger,
                &seq_param(e.seq),
                &e.stream,
                &seq_param(e.stream_version),
                &e.command_id,
                &line,
                &event.hash,
            ];
            client.execute(&insert, &params).or_db()?;
            commands.push(&e.command_id, e.seq);
        }
        for (id, first, count) in commands.0 {
            let inserted = client.execute(
                "INSERT INTO selfeval_commands (ledger, command_id, first_seq, count) VALUES ($1, $2, $3, $4)",
                &[&self.location.ledger, &id, &seq_param(first), &count],
            );
            if let Err(error) = inserted {
                if error.code() == Some(&SqlState::UNIQUE_VIOLATION) {
                    // Recorded by another client meanwhile.
                    return Ok(Err(Conflict { stream: String::new(), expected: base.seq, actual: base.seq }));
                }
                return Err(db_error(error));
            }
        }
        Ok(Ok(Appended { seqs: stored.iter().map(|e| e.envelope.seq).collect(), duplicate: false }))
    }
}

impl crate::Backend for PgStore {
    fn path(&self) -> &Path {
        &self.shown
    }

    fn head(&self) -> &Head {
        &self.head
    }

    fn stream_version(&self, stream: &str) -> Result<u64, StoreError> {
        let row = self
            .client
            .borrow_mut()
            .query_one(
                "SELECT coalesce(max(stream_version), 0) FROM selfeval_events WHERE ledger = $1 AND stream = $2",
                &[&self.location.ledger, &stream],
            )
            .or_db()?;
        Ok(seq_of(row.get(0)))
    }

    fn command_seqs(&self, command_id: &str) -> Result<Option<Vec<u64>>, StoreError> {
        let row = self
            .client
            .borrow_mut()
            .query_opt(
                "SELECT first_seq, count FROM selfeval_commands WHERE ledger = $1 AND command_id = $2",
                &[&self.location.ledger, &command_id],
            )
            .or_db()?;
        Ok(row.map(|row| {
            let first = seq_of(row.get(0));
            let count = u64::try_from(row.get::<_, i32>(1)).unwrap_or(0);
            (first..first + count).collect()
        }))
    }

    fn commit_staged(&mut self, staging: Staging) -> Result<Result<Appended, Conflict>, StoreError> {
        if !self.held {
            self.hold()?;
        }
        let outcome = self.insert_staged(&staging);
        let finish = match &outcome {
            Ok(Ok(_)) => "COMMIT",
            _ => "ROLLBACK",
        };
        self.held = false;
        let finished = self.client.borrow_mut().batch_execute(finish);
        let outcome = outcome?;
        match finished {
            Ok(()) => {}
            // Cut off while committing: the server may have committed.
            Err(error) if finish == "COMMIT" => {
                let id = staging.stored.first().map_or("", |e| e.envelope.command_id.as_str());
                return Err(match db_error(error) {
                    StoreError::Environment(cause) => StoreError::Environment(std::io::Error::new(
                        cause.kind(),
                        format!(
                            "{cause}；提交时连接中断，该命令可能已经写入：请用 --command-id {id} 重发，已写入则不会重复"
                        ),
                    )),
                    other => other,
                });
            }
            Err(error) => return Err(db_error(error)),
        }
        if outcome.is_ok() {
            self.head = staging.head.clone();
        }
        Ok(outcome)
    }

    fn hold(&mut self) -> Result<(), StoreError> {
        if self.held {
            return Ok(());
        }
        let mut client = self.client.borrow_mut();
        client.batch_execute("BEGIN").or_db()?;
        self.held = true;
        // Writers of one ledger take turns from here to their COMMIT, each
        // waiting at most as long as for sled's busy store; the head is
        // then read as it is, not as this process last saw it.
        let wait_ms = self.wait.as_millis().clamp(1, i32::MAX as u128);
        let locked = client
            .batch_execute(&format!("SET LOCAL lock_timeout = {wait_ms}"))
            .and_then(|()| client.execute(LOCK_LEDGER, &[&self.location.ledger]))
            .map_err(|error| match error.code() {
                Some(code) if *code == SqlState::LOCK_NOT_AVAILABLE => {
                    StoreError::Busy { path: self.shown.clone(), waited: self.wait }
                }
                _ => db_error(error),
            })
            .and_then(|_| self.read_head(&mut *client));
        drop(client);
        match locked {
            Ok(head) => {
                self.head = head;
                Ok(())
            }
            Err(error) => {
                let _ = self.release();
                Err(error)
            }
        }
    }

    fn release(&mut self) -> Result<(), StoreError> {
        if !self.held {
            return Ok(());
        }
        self.held = false;
        self.client.borrow_mut().batch_execute("ROLLBACK").or_db()
    }

    fn log_values(&self, from: u64) -> LogValues<'_> {
        self.values(from, false)
    }

    fn log_values_audited(&self, from: u64) -> LogValues<'_> {
        self.values(from, true)
    }

    fn audit_commands(&self) -> Result<(), StoreError> {
        // Each query reads the tables as one snapshot: a command another
        // client commits meanwhile lands with its record, whole, so the
        // whole tables are checked, not only up to the head read before
        // (a record pointing past every event is forged too).
        let mut client = self.client.borrow_mut();
        // Every event lies in the range its command's record gives (an
        // event whose command has no record, or a record elsewhere).
        let stray = client
            .query_opt(
                "SELECT e.seq, e.command_id, c.first_seq, c.count FROM selfeval_events e
                 LEFT JOIN selfeval_commands c ON c.ledger = e.ledger AND c.command_id = e.command_id
                 WHERE e.ledger = $1
                   AND (c.command_id IS NULL OR e.seq < c.first_seq OR e.seq >= c.first_seq + c.count)
                 ORDER BY e.seq LIMIT 1",
                &[&self.location.ledger],
            )
            .or_db()?;
        if let Some(row) = stray {
            let (seq, id) = (seq_of(row.get(0)), row.get::<_, String>(1));
            let problem = match row.get::<_, Option<i64>>(2) {
                None => format!("命令表中没有事件{seq}的命令「{id}」：命令记录被删改"),
                Some(first) => format!(
                    "命令表说命令「{id}」是事件{}起的{}个事件，不含属于它的事件{seq}：命令记录被删改",
                    first,
                    row.get::<_, i32>(3)
                ),
            };
            return Err(StoreError::Corrupt { seq, message: problem });
        }
        // Every record covers exactly its command's events, in the log.
        let forged = client
            .query_opt(
                "SELECT c.command_id, c.first_seq, c.count, count(e.seq) FROM selfeval_commands c
                 LEFT JOIN selfeval_events e ON e.ledger = c.ledger AND e.command_id = c.command_id
                   AND e.seq >= c.first_seq AND e.seq < c.first_seq + c.count
                 WHERE c.ledger = $1
                 GROUP BY c.command_id, c.first_seq, c.count
                 HAVING count(e.seq) <> c.count
                 ORDER BY c.first_seq LIMIT 1",
                &[&self.location.ledger],
            )
            .or_db()?;
        match forged {
            None => Ok(()),
            Some(row) => {
                let (id, first, count, found) =
                    (row.get::<_, String>(0), seq_of(row.get(1)), row.get::<_, i32>(2), row.get::<_, i64>(3));
                Err(StoreError::Corrupt {
                    seq: first,
                    message: format!(
                        "命令表说命令「{id}」是事件{first}起的{count}个事件，日志中那里属于它的只有{found}个：命令记录被删改"
                    ),
                })
            }
        }
    }

    fn stream_events(&self, stream: &str, until: u64) -> Result<Vec<StoredEvent>, StoreError> {
        let until = i64::try_from(until).unwrap_or(i64::MAX);
        let rows = self
            .client
            .borrow_mut()
            .query(
                "SELECT seq, line FROM selfeval_events WHERE ledger = $1 AND stream = $2 AND seq <= $3 ORDER BY seq",
                &[&self.location.ledger, &stream, &until],
            )
            .or_db()?;
        let mut events = Vec::with_capacity(rows.len());
        for row in &rows {
            let event = codec::stored_line(row.get::<_, &[u8]>(1), seq_of(row.get(0)))?;
            let e = &event.envelope;
            // The table's stream column must say what the line says, and
            // the stream's versions must follow one another.
            if e.stream != stream || e.stream_version != events.len() as u64 + 1 {
                return Err(StoreError::Corrupt {
                    seq: e.seq,
                    message: format!(
                        "事件表把事件{}列为「{stream}」的第{}个事件，事件本身是「{}」的第{}个：历史被删改",
                        e.seq,
                        events.len() + 1,
                        e.stream,
                        e.stream_version
                    ),
                });
            }
            events.push(event);
        }
        Ok(events)
    }

    fn lines(&self, from: u64, to: u64) -> Result<Vec<u8>, StoreError> {
        let (bytes, count) = self.rows(from, to)?;
        if count != to.saturating_sub(from) + 1 {
            return Err(StoreError::Corrupt { seq: from, message: "事件不在日志中".into() });
        }
        Ok(bytes)
    }

    fn hash_at(&self, seq: u64) -> Result<Option<String>, StoreError> {
        // As on sled: only what this store's view of the log holds (a cache
        // another client wrote after it opened is not this view's).
        if seq == 0 || seq > self.head.seq {
            return Ok(None);
        }
        let row = self
            .client
            .borrow_mut()
            .query_opt(
                "SELECT hash FROM selfeval_events WHERE ledger = $1 AND seq = $2",
                &[&self.location.ledger, &seq_param(seq)],
            )
            .or_db()?;
        Ok(row.map(|row| row.get::<_, String>(0)))
    }

    fn acknowledged_head(&self) -> Result<Option<Head>, StoreError> {
        // A commit is the acknowledgement: the database's head is it.
        Ok(None)
    }

    fn open_cache(&self, name: &str) -> Result<Option<Box<dyn Read + '_>>, StoreError> {
        let row = self
            .client
            .borrow_mut()
            .query_opt(
                "SELECT bytes FROM selfeval_caches WHERE ledger = $1 AND name = $2",
                &[&self.location.ledger, &name],
            )
            .or_db()?;
        Ok(row.map(|row| Box::new(std::io::Cursor::new(row.get::<_, Vec<u8>>(0))) as Box<dyn Read>))
    }

    fn save_cache(
        &self,
        name: &str,
        write: &mut dyn FnMut(&mut dyn crate::CacheSink) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        if self.held {
            // Not inside a command's transaction: its failure would abort
            // the command, and its bytes would lengthen the lock. A cache
            // is only speed; a reader writes it.
            return Ok(());
        }
        let mut buffer = std::io::Cursor::new(Vec::new());
        write(&mut buffer)?;
        self.client
            .borrow_mut()
            .execute(
                "INSERT INTO selfeval_caches (ledger, name, bytes) VALUES ($1, $2, $3)
                 ON CONFLICT (ledger, name) DO UPDATE SET bytes = excluded.bytes",
                &[&self.location.ledger, &name, &buffer.into_inner()],
            )
            .or_db()?;
        Ok(())
    }

    fn remove_cache(&self, name: &str) -> Result<(), StoreError> {
        if self.held {
            return Ok(());
        }
        self.client
            .borrow_mut()
            .execute("DELETE FROM selfeval_caches WHERE ledger = $1 AND name = $2", &[&self.location.ledger, &name])
            .or_db()?;
        Ok(())
    }

    fn identity(&self) -> Result<Option<crate::Identity>, StoreError> {
        if let Some(known) = &*self.identity.borrow() {
            return Ok(Some(known.clone()));
        }
        let row = self.client.borrow_mut().query_opt(
            "SELECT identity::text || ' ' || from_seq FROM selfeval_identities WHERE ledger = $1",
            &[&self.location.ledger],
        );
        let row = match row {
            Ok(row) => row,
            // A database not migrated yet, read by a role that may not.
            Err(error) if error.code() == Some(&SqlState::UNDEFINED_TABLE) => return Ok(None),
            Err(error) => return Err(db_error(error)),
        };
        let Some(row) = row else { return Ok(None) };
        let identity = crate::Identity::parse(row.get(0))?;
        *self.identity.borrow_mut() = Some(identity.clone());
        Ok(Some(identity))
    }

    fn keep_identity(&mut self, identity: &crate::Identity) -> Result<crate::Identity, StoreError> {
        if let Some(known) = self.identity()? {
            return Ok(known);
        }
        self.client
            .borrow_mut()
            .execute(
                "INSERT INTO selfeval_identities (ledger, identity, from_seq) VALUES ($1, $2::text::uuid, $3)
                 ON CONFLICT (ledger) DO NOTHING",
                &[&self.location.ledger, &identity.id, &seq_param(identity.from)],
            )
            .or_db()?;
        let kept = self.identity()?;
        if self.held {
            // Kept only if the command commits: not remembered before that.
            *self.identity.borrow_mut() = None;
        }
        kept.ok_or_else(|| StoreError::Corrupt { seq: 0, message: "库标识写入后读不到".into() })
    }

    fn import_with(
        &mut self,
        input: &mut dyn std::io::BufRead,
        _each: &mut dyn FnMut(Spooled),
    ) -> Result<Result<Imported, ImportRejected>, StoreError> {
        use postgres::binary_copy::BinaryCopyInWriter;
        use postgres::types::Type;
        // An import is its own transaction.
        self.release()?;
        let ledger = self.location.ledger.clone();
        let mut client = self.client.borrow_mut();
        let mut tx = client.transaction().or_db()?;
        tx.execute(REGISTER_LEDGER, &[&ledger]).or_db()?;
        tx.execute(LOCK_LEDGER, &[&ledger]).or_db()?;
        let current = self.read_head(&mut tx)?;
        if current.seq != 0 {
            drop(tx);
            drop(client);
            self.head = current.clone();
            return Ok(Err(ImportRejected {
                seq: None,
                line: 0,
                problem: format!("库中已有 {} 个事件；导入需要空库", current.seq),
            }));
        }
        let sink = tx
            .copy_in(
                "COPY selfeval_events (ledger, seq, stream, stream_version, command_id, line, hash) FROM STDIN BINARY",
            )
            .or_db()?;
        let types = [Type::TEXT, Type::INT8, Type::TEXT, Type::INT8, Type::TEXT, Type::BYTEA, Type::BPCHAR];
        let mut writer = BinaryCopyInWriter::new(sink, &types);
        let mut commands = CommandRuns::default();
        let read = crate::export::read_export(input, &mut |line, entry| {
            let (hash, _) = codec::split_line(line).map_err(|m| StoreError::Corrupt { seq: entry.seq, message: m })?;
            writer
                .write(&[
                    &ledger,
                    &seq_param(entry.seq),
                    &entry.stream,
                    &seq_param(entry.stream_version),
                    &entry.command_id,
                    &line,
                    &hash,
                ])
                .or_db()?;
            commands.push(&entry.command_id, entry.seq);
            Ok(())
        })?;
        let head = match read {
            Ok(head) => head,
            // The transaction is rolled back when it is dropped.
            Err(rejected) => return Ok(Err(rejected)),
        };
        writer.finish().or_db()?;
        let sink =
            tx.copy_in("COPY selfeval_commands (ledger, command_id, first_seq, count) FROM STDIN BINARY").or_db()?;
        let mut writer = BinaryCopyInWriter::new(sink, &[Type::TEXT, Type::TEXT, Type::INT8, Type::INT4]);
        for (id, first, count) in &commands.0 {
            writer.write(&[&ledger, id, &seq_param(*first), count]).or_db()?;
        }
        writer.finish().map_err(|e| match e.code() {
            Some(code) if *code == SqlState::UNIQUE_VIOLATION => {
                StoreError::Corrupt { seq: 0, message: "导出文件中有重复的命令编号".into() }
            }
            _ => db_error(e),
        })?;
        tx.commit().or_db()?;
        drop(client);
        self.head = head.clone();
        Ok(Ok(Imported { events: head.seq, head }))
    }

    #[cfg(test)]
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_location_is_shown_without_its_password_and_can_be_given_again() {
        let pg = PgLocation::parse(
            "postgres://zhao:s3cret@db.example:5432/selfeval?connect_timeout=5&ledger=某局%262024&password=p2",
        )
        .unwrap();
        assert_eq!(pg.ledger, "某局&2024");
        let shown = pg.shown();
        assert_eq!(shown, "postgres://zhao@db.example:5432/selfeval?connect_timeout=5&ledger=某局%262024");
        assert!(!format!("{pg:?}").contains("s3cret"));
        let again = PgLocation::parse(&shown).unwrap();
        assert_eq!((again.ledger.as_str(), again.shown()), (pg.ledger.as_str(), shown.clone()));
        // A `+` is a `+`, not a space; no ledger is `default`.
        assert_eq!(PgLocation::parse("postgres://u@h/db?ledger=2024+补充").unwrap().ledger, "2024+补充");
        assert_eq!(PgLocation::parse("postgresql://u@h/db").unwrap().ledger, "default");
        let error = PgLocation::parse("postgres://u:s3cret@h/db?ledger=").unwrap_err();
        assert!(error.contains("账本名「」不可用"), "{error}");
        assert_eq!(
            redact("postgres://u:s3cret@h/db?password=p2&ledger=x"),
            "postgres://u:***@h/db?password=***&ledger=x"
        );
        assert_eq!(redact("/tmp/store"), "/tmp/store");
    }

    #[test]
    fn no_password_is_ever_shown_whatever_characters_it_holds() {
        for password in ["pa/ss", "pa?ss", "pa:ss", "pa%2Fss", "s/e?c:r%40t", "x/y/z"] {
            let url = format!("postgres://app:{password}@127.0.0.1:5432/selfeval?connect_timeout=5&ledger=某局");
            let pg = PgLocation::parse(&url).unwrap_or_else(|e| panic!("{url}: {e}"));
            assert_eq!(pg.ledger, "某局", "{url}");
            assert_eq!(pg.config().unwrap().get_password(), Some(percent_decode(password).unwrap().as_bytes()));
            let shown = pg.shown();
            assert_eq!(shown, "postgres://app@127.0.0.1:5432/selfeval?connect_timeout=5&ledger=某局", "{url}");
            assert!(!format!("{pg:?}").contains(password), "{url}");
            let redacted = redact(&url);
            assert_eq!(redacted, "postgres://app:***@127.0.0.1:5432/selfeval?connect_timeout=5&ledger=某局", "{url}");
        }
        // A raw `@` in a password: the client library reads `pa` and a host
        // `ss:w@h`; whatever the reading, no part of the password is shown.
        let redacted = redact("postgres://app3:pa@ss:w@h:5432/db?ledger=x");
        assert_eq!(redacted, "postgres://app3:***@h:5432/db?ledger=x");
        // An `@` in the query hides no `password=` from the mask.
        assert_eq!(
            redact("postgres://app@db/selfeval?password=s3cr@t&ledger=a&ledger=b"),
            "postgres://app@db/selfeval?password=***&ledger=a&ledger=b"
        );
        assert_eq!(
            redact("postgres://db/x?application_name=ops@x&password=secret&ledger="),
            "postgres://db/x?application_name=ops@x&password=***&ledger="
        );
        // Two raw `@`s, or one in a parameter, are refused, never half-read
        // as user and host.
        let error = PgLocation::parse("postgres://app:p@ss@h/db?ledger=x").unwrap_err();
        assert!(error.contains("%40") && !error.contains("p@ss") && !error.contains(":p@"), "{error}");
        let error = PgLocation::parse("postgres://h/db?application_name=ops@x&ledger=x").unwrap_err();
        assert!(error.contains("%40"), "{error}");
        assert!(PgLocation::parse("postgres://app:p%40ss@h/db?ledger=x").is_ok());
        // The password as a parameter, its name encoded or not.
        assert_eq!(redact("postgres://u@h/db?pass%77ord=s3&ledger=x"), "postgres://u@h/db?password=***&ledger=x");
        let pg = PgLocation::parse("postgres://u@h/db?pass%77ord=s3&ledger=x").unwrap();
        assert!(!pg.shown().contains("s3"), "{}", pg.shown());
    }

    #[test]
    fn the_password_file_is_searched_for_each_location() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pgpass");
        std::fs::write(&file, "db.example:5432:selfeval:zhao:from-file\n*:*:*:wang:other\n").unwrap();
        let password = |url: &str| PgLocation::parse(url).unwrap().password_from(&file);
        assert_eq!(password("postgres://zhao@db.example:5432/selfeval").as_deref(), Some("from-file"));
        assert_eq!(password("postgres://wang@elsewhere/x").as_deref(), Some("other"));
        assert_eq!(password("postgres://zhao@db.example:5432/another"), None);
        assert_eq!(password("postgres://li@db.example/selfeval"), None);
    }
}
