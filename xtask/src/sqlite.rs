//! The SQLite peer of the benchmark: what an engineer would otherwise pick.
//! One table of the same envelopes (the exact stored bytes and the same hash
//! chain), an index on stream, WAL and `synchronous=FULL` for the same
//! durability. It replays into the same core projection and renders the same
//! report, so the two can be compared figure for figure.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension};
use selfeval_core::describe::Describer;
use selfeval_core::{evaluate, execute, Command, Executed, Meta, RecordedEvent, Request, State};
use selfeval_ledger::format::{chain_hash, split_line, Envelope, GENESIS_HASH};

fn open(path: &Path) -> Result<Connection, String> {
    let connection = Connection::open(path).map_err(|e| e.to_string())?;
    connection
        .execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;
             CREATE TABLE IF NOT EXISTS events(
               seq INTEGER PRIMARY KEY, stream TEXT NOT NULL, stream_version INTEGER NOT NULL,
               type TEXT NOT NULL, command_id TEXT NOT NULL, body BLOB NOT NULL, hash TEXT NOT NULL);
             CREATE INDEX IF NOT EXISTS events_stream ON events(stream, stream_version);",
        )
        .map_err(|e| e.to_string())?;
    Ok(connection)
}

/// A stored body decoded as the ledger decodes it.
fn decode(seq: u64, body: &[u8]) -> Result<RecordedEvent, String> {
    let envelope = Envelope::decode(body).map_err(|m| format!("event {seq}: {m}"))?;
    selfeval_ledger::decode_envelope(&envelope).map_err(|e| e.to_string())
}

/// Imports an export, verifying the chain as it goes, in one transaction.
pub fn import(export: &Path, db: &Path) -> Result<u64, String> {
    let mut connection = open(db)?;
    let transaction = connection.transaction().map_err(|e| e.to_string())?;
    let mut prev = GENESIS_HASH.to_owned();
    let mut count = 0u64;
    {
        let mut insert = transaction
            .prepare("INSERT INTO events(seq, stream, stream_version, type, command_id, body, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
            .map_err(|e| e.to_string())?;
        let file = std::fs::File::open(export).map_err(|e| e.to_string())?;
        let mut reader = BufReader::with_capacity(1 << 20, file);
        let mut line = Vec::new();
        reader.read_until(b'\n', &mut line).map_err(|e| e.to_string())?;
        loop {
            line.clear();
            if reader.read_until(b'\n', &mut line).map_err(|e| e.to_string())? == 0 {
                break;
            }
            let trimmed = line.strip_suffix(b"\n").unwrap_or(&line);
            if trimmed.starts_with(b"{\"trailer\":") {
                break;
            }
            let (hash, body) = split_line(trimmed)?;
            let envelope = Envelope::decode(body)?;
            if envelope.prev_hash != prev || chain_hash(&prev, body) != hash {
                return Err(format!("the chain breaks at event {}", envelope.seq));
            }
            insert
                .execute(params![
                    envelope.seq as i64,
                    envelope.stream,
                    envelope.stream_version as i64,
                    envelope.event_type,
                    envelope.command_id,
                    body,
                    hash
                ])
                .map_err(|e| e.to_string())?;
            prev = hash.to_owned();
            count += 1;
        }
    }
    transaction.commit().map_err(|e| e.to_string())?;
    Ok(count)
}

fn head(connection: &Connection) -> Result<(u64, String), String> {
    Ok(connection
        .query_row("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1", [], |r| {
            Ok((r.get::<_, i64>(0)? as u64, r.get(1)?))
        })
        .optional()
        .map_err(|e| e.to_string())?
        .unwrap_or((0, GENESIS_HASH.to_owned())))
}

/// Replays every event into the core projection and writes the same report
/// JSON as `selfeval report --format json`.
pub fn report(db: &Path, out: &Path) -> Result<(), String> {
    let connection = open(db)?;
    let mut statement = connection.prepare("SELECT seq, body FROM events ORDER BY seq").map_err(|e| e.to_string())?;
    let mut rows = statement.query([]).map_err(|e| e.to_string())?;
    let mut state = State::default();
    while let Some(row) = rows.next().map_err(|e| e.to_string())? {
        let seq: i64 = row.get(0).map_err(|e| e.to_string())?;
        let body = row.get_ref(1).map_err(|e| e.to_string())?.as_blob().map_err(|e| e.to_string())?;
        state.apply(&decode(seq as u64, body)?);
    }
    let (_, hash) = head(&connection)?;
    let evaluation = evaluate(&state, &hash);
    let file = std::fs::File::create(out).map_err(|e| e.to_string())?;
    let mut writer = std::io::BufWriter::with_capacity(1 << 20, file);
    selfeval_report::write_report_json(&evaluation, &mut writer).map_err(|e| e.to_string())?;
    writer.flush().map_err(|e| e.to_string())
}

fn stream_events(connection: &Connection, stream: &str) -> Result<Vec<(u64, Vec<u8>)>, String> {
    let mut statement = connection
        .prepare("SELECT seq, body FROM events WHERE stream = ?1 ORDER BY stream_version")
        .map_err(|e| e.to_string())?;
    let rows = statement
        .query_map([stream], |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, Vec<u8>>(1)?)))
        .map_err(|e| e.to_string())?;
    rows.collect::<Result<_, _>>().map_err(|e| e.to_string())
}

/// One recording command, as the CLI does it: replay the department's and
/// the project's streams, handle, and append durably.
pub fn append(db: &Path, project: &str) -> Result<u64, String> {
    let mut connection = open(db)?;
    append_on(&mut connection, project)
}

/// `count` recording commands in one process, each decided on its streams
/// and committed in its own durable transaction (synchronous=FULL): the
/// peer of `selfeval batch`, spending on projects P00000… in turn.
pub fn batch(db: &Path, count: u64, projects: u64) -> Result<(), String> {
    let mut connection = open(db)?;
    for i in 0..count {
        append_on(&mut connection, &format!("P{:05}", i % projects.max(1)))?;
    }
    Ok(())
}

fn append_on(connection: &mut Connection, project: &str) -> Result<u64, String> {
    let transaction =
        connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(|e| e.to_string())?;
    let mut events = stream_events(&transaction, "department")?;
    let stream = format!("project/{project}");
    events.extend(stream_events(&transaction, &stream)?);
    events.sort_by_key(|e| e.0);
    let mut state = State::default();
    for (seq, body) in &events {
        state.apply(&decode(*seq, body)?);
    }
    let now = chrono::Utc::now();
    let meta = Meta { actor: "基准@测试".into(), reason: None, occurred_at: now, recorded_at: now };
    let command = Command::RecordExpenditure {
        project: project.into(),
        amount: "0.01".into(),
        date: "2024-12-31".into(),
        voucher: None,
        memo: None,
        source: None,
    };
    let request = Request::new(meta, command);
    let appended = execute(&mut state, &request, |payloads| -> Result<Vec<u64>, String> {
        let (mut seq, mut prev) = head(&transaction)?;
        let mut version: u64 = transaction
            .query_row("SELECT COALESCE(MAX(stream_version), 0) FROM events WHERE stream = ?1", [&stream], |r| {
                r.get::<_, i64>(0)
            })
            .map_err(|e| e.to_string())? as u64;
        let command_id = uuid::Uuid::now_v7().to_string();
        let mut seqs = Vec::new();
        for payload in payloads {
            seq += 1;
            version += 1;
            let envelope = Envelope {
                seq,
                event_id: uuid::Uuid::now_v7().to_string(),
                stream: stream.clone(),
                stream_version: version,
                event_type: payload.event_type().to_owned(),
                schema_version: payload.schema_version(),
                occurred_at: request.meta.occurred_at,
                recorded_at: request.meta.recorded_at,
                actor: request.meta.actor.clone(),
                reason: None,
                command_id: command_id.clone(),
                payload: payload.to_json(),
                prev_hash: prev.clone(),
            };
            let body = envelope.encode()?;
            let hash = chain_hash(&prev, &body);
            transaction
                .execute(
                    "INSERT INTO events(seq, stream, stream_version, type, command_id, body, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![seq as i64, stream, version as i64, envelope.event_type, command_id, body, hash],
                )
                .map_err(|e| e.to_string())?;
            prev = hash;
            seqs.push(seq);
        }
        Ok(seqs)
    });
    let seq = match appended {
        Ok(events) => events.last().map_or(0, |e| e.seq),
        Err(Executed::Rejected(r)) => return Err(r.to_string()),
        Err(Executed::NotAppended(e)) => return Err(e),
    };
    transaction.commit().map_err(|e| e.to_string())?;
    Ok(seq)
}

/// One project's history, described as `selfeval history --project` does.
pub fn history(db: &Path, project: &str) -> Result<(), String> {
    let connection = open(db)?;
    let mut describer = Describer::default();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (seq, body) in stream_events(&connection, &format!("project/{project}"))? {
        let event = decode(seq, &body)?;
        let change = describer.describe(seq, &event.payload);
        writeln!(out, "#{seq}  {}  {}  {change}", event.meta.actor, event.payload.event_type())
            .map_err(|e| e.to_string())?;
    }
    out.flush().map_err(|e| e.to_string())
}
