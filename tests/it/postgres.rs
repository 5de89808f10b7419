//! The same ledger on PostgreSQL (issue 15), on the throwaway cluster that
//! `cargo xtask ci` starts: every command works unchanged, an export moves
//! between the backends byte for byte, many processes write at once, and
//! a client killed or cut off leaves no partial command.
//!
//! Each test returns at once where no server is given (`SELFEVAL_TEST_PG`
//! unset) unless `SELFEVAL_PG_REQUIRED` is set, as in CI.

use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::{Env, DEMO_OFFICE};

/// The test's ledger's name, from its URL.
fn ledger_of(env: &Env) -> String {
    env.pg.as_deref().and_then(|u| u.split("ledger=").nth(1)).unwrap().to_owned()
}

fn sql(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls).unwrap()
}

fn events_in(url: &str, ledger: &str) -> i64 {
    sql(url).query_one("SELECT count(*) FROM selfeval_events WHERE ledger = $1", &[&ledger]).unwrap().get(0)
}

/// The demo in a directory, and its export.
fn demo_exported() -> (Env, std::path::PathBuf) {
    let sled = Env::in_dir();
    assert_eq!(sled.run(&["demo"]).code(), 0);
    sled.ok(&["export", "demo.jsonl"]);
    let export = sled.dir.path().join("demo.jsonl");
    (sled, export)
}

#[test]
fn the_demo_moves_between_the_backends_byte_for_byte_and_reports_the_same() {
    let Some(pg) = Env::on_postgres() else { return };
    let (sled, export) = demo_exported();
    let imported = pg.ok(&["import", export.to_str().unwrap()]);
    assert!(imported.contains("已导入 77 个事件"), "{imported}");
    for args in [&["report", "--format", "json"][..], &["report"], &["check"], &["history", "--project", "P04"]] {
        let on_sled = sled.run(args);
        let on_pg = pg.run(args);
        assert_eq!(on_sled.stdout(), on_pg.stdout(), "{args:?}");
        assert_eq!(on_sled.code(), on_pg.code(), "{args:?}");
    }
    pg.ok(&["export", "back.jsonl"]);
    let back = std::fs::read(pg.dir.path().join("back.jsonl")).unwrap();
    assert!(back == std::fs::read(&export).unwrap(), "the export from PostgreSQL differs");
    // And back into a directory: verified, the same bytes again.
    let again = Env::in_dir();
    again.ok(&["import", pg.dir.path().join("back.jsonl").to_str().unwrap()]);
    again.ok(&["export", "again.jsonl"]);
    assert!(std::fs::read(again.dir.path().join("again.jsonl")).unwrap() == back);
    let verified = pg.run(&["verify"]);
    assert_eq!(verified.code(), 0, "{}", verified.stderr());
    assert!(verified.stdout().contains("哈希链完整：77 个事件"), "{}", verified.stdout());
    // A second import into the same ledger is refused and writes nothing.
    pg.fails(&["import", export.to_str().unwrap()], 1, "已有 77 个事件");
}

#[test]
fn commands_record_refuse_and_resend_on_postgres_as_on_sled() {
    let Some(env) = Env::on_postgres() else { return };
    let missing = env.run(&["status"]);
    assert_eq!(missing.code(), 1, "{}", missing.stderr());
    assert!(missing.stderr().contains("库不存在"), "{}", missing.stderr());
    env.ok(&["init", "--department", "某市应急管理局", "--year", "2024"]);
    env.ok(&["project", "add", "P01", "--name", "应急救援能力建设资金", "--section", "应急救援科"]);
    env.ok(&["budget", "set", "P01", "--amount", "6", "--reason", "年初批复"]);
    let first = env.ok(&["spend", "P01", "--amount", "1.5", "--date", "2024-06-30", "--command-id", "付款-0001"]);
    assert!(first.contains("已记录"), "{first}");
    let resent = env.act(&["spend", "P01", "--amount", "1.5", "--date", "2024-06-30", "--command-id", "付款-0001"]);
    assert_eq!(resent.code(), 0, "{}", resent.stderr());
    assert!(resent.stdout().contains("该命令编号已记录过，未重复写入"), "{}", resent.stdout());
    env.fails(&["spend", "P09", "--amount", "1", "--date", "2024-06-30"], 1, "P09");
    env.fails(&["spend", "P01", "--amount", "9", "--date", "2024-06-30", "--command-id", "付款-0001"], 1, "付款-0001");
    let report = env.json(&["report", "--format", "json"]);
    assert_eq!(report["totals"]["executed"], "1.5", "{report}");
    assert_eq!(env.head().unwrap().0, 4);
}

#[test]
fn several_ledgers_share_a_database_each_with_its_own_chain() {
    let Some(a) = Env::on_postgres() else { return };
    let b =
        Env { dir: tempfile::tempdir().unwrap(), pg: Some(a.pg.clone().unwrap().replace("cli-test-", "cli-test-b-")) };
    a.ok(&["init", "--department", "某市应急管理局", "--year", "2024"]);
    b.ok(&["init", "--department", "某市财政局", "--year", "2025"]);
    b.ok(&["project", "add", "P01", "--name", "预算绩效管理", "--section", "预算科"]);
    let server = Env::pg_server().unwrap();
    let listing = Env { dir: tempfile::tempdir().unwrap(), pg: Some(server) };
    let all = listing.json(&["ledgers", "--json"]);
    let count = |name: &str| {
        all.as_array().unwrap().iter().find(|l| l["ledger"] == name).map(|l| l["events"].as_u64().unwrap())
    };
    assert_eq!(count(&ledger_of(&a)), Some(1), "{all}");
    assert_eq!(count(&ledger_of(&b)), Some(2), "{all}");
    assert_ne!(a.head().unwrap().1, b.head().unwrap().1);
}

#[test]
fn a_bad_url_or_an_unreachable_server_is_said_clearly() {
    let Some(server) = Env::pg_server() else { return };
    let env = Env { dir: tempfile::tempdir().unwrap(), pg: Some(format!("{server}?ledger=")) };
    let empty = env.run(&["status"]);
    assert_eq!(empty.code(), 2, "{}", empty.stderr());
    assert!(empty.stderr().contains("账本名「」不可用"), "{}", empty.stderr());
    // Nobody listens on port 1.
    let env = Env { dir: tempfile::tempdir().unwrap(), pg: Some("postgres://postgres@127.0.0.1:1/postgres".into()) };
    let down = env.run(&["status"]);
    assert_eq!(down.code(), 74, "{}", down.stderr());
    assert!(down.stderr().contains("PostgreSQL 连接失败或中断"), "{}", down.stderr());
    assert!(!down.stderr().contains("panicked"), "{}", down.stderr());
}

/// Starts a batch of `count` spends (command ids `{prefix}{i}`) on P01 and
/// returns once at least `landed` more events are in the ledger.
fn batch_under_way(env: &Env, prefix: &str, count: usize, landed: i64) -> std::process::Child {
    let lines: String =
        (0..count).map(|i| format!("spend P01 --amount 0.01 --date 2024-06-30 --command-id {prefix}{i}\n")).collect();
    std::fs::write(env.dir.path().join("many.txt"), lines).unwrap();
    let (url, ledger) = (Env::pg_server().unwrap(), ledger_of(env));
    let before = events_in(&url, &ledger);
    let child = env
        .command()
        .args(["--actor", crate::ACTOR, "batch", "many.txt"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while events_in(&url, &ledger) < before + landed && started.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(5));
    }
    child
}

/// A department with P01 of 应急救援科, the demo's people on its roster.
fn department(env: &Env) {
    env.ok_as(DEMO_OFFICE, &["init", "--department", "某市应急管理局", "--year", "2024"]);
    env.ok_as(DEMO_OFFICE, &["project", "add", "P01", "--name", "应急救援能力建设资金", "--section", "应急救援科"]);
}

#[test]
fn eight_processes_append_two_hundred_commands_and_the_chain_verifies() {
    let Some(env) = Env::on_postgres() else { return };
    department(&env);
    let before = env.head().unwrap().0;
    let env = std::sync::Arc::new(env);
    let writers: Vec<_> = (0..8)
        .map(|w| {
            let env = env.clone();
            std::thread::spawn(move || {
                for i in 0..25 {
                    let id = format!("w{w}-{i}");
                    let run =
                        env.act(&["spend", "P01", "--amount", "0.01", "--date", "2024-06-30", "--command-id", &id]);
                    assert_eq!(run.code(), 0, "{id}: {}", run.stderr());
                }
            })
        })
        .collect();
    for writer in writers {
        writer.join().unwrap();
    }
    let (head, _) = env.head().unwrap();
    assert_eq!(head, before + 200);
    let report = env.json(&["report", "--format", "json"]);
    assert_eq!(report["totals"]["executed"], "2", "{report}");
    // What many clients wrote at once exports and imports like any log.
    env.ok(&["export", "together.jsonl"]);
    let copy = Env::in_dir();
    copy.ok(&["import", env.dir.path().join("together.jsonl").to_str().unwrap()]);
    assert_eq!(copy.head(), env.head());
}

#[test]
fn a_client_killed_in_the_middle_leaves_no_partial_command_and_loses_nothing_acknowledged() {
    let Some(env) = Env::on_postgres() else { return };
    department(&env);
    let url = Env::pg_server().unwrap();
    let ledger = ledger_of(&env);
    for round in 0..3 {
        let before = events_in(&url, &ledger);
        // New command ids each round: a resent line prints 已记录 too.
        let mut child = batch_under_way(&env, &format!("k{round}-"), 3000, 20 * (round + 1));
        child.kill().unwrap(); // SIGKILL
        let output = child.wait_with_output().unwrap();
        let acknowledged = String::from_utf8_lossy(&output.stdout).lines().filter(|l| l.contains("已记录")).count();
        let verified = env.run(&["verify"]);
        assert_eq!(verified.code(), 0, "{}", verified.stderr());
        // Whole commands only: each spend is one event, each has its command row.
        let mut client = sql(&url);
        let events = events_in(&url, &ledger);
        let commands: i64 = client
            .query_one("SELECT coalesce(sum(count), 0)::bigint FROM selfeval_commands WHERE ledger = $1", &[&ledger])
            .unwrap()
            .get(0);
        assert_eq!(events, commands, "an event without its command, or the reverse");
        assert!(events - before >= acknowledged as i64, "acknowledged {acknowledged}, landed {}", events - before);
    }
}

#[test]
fn a_connection_cut_by_the_server_is_a_clear_error_and_nothing_half_written() {
    let Some(env) = Env::on_postgres() else { return };
    department(&env);
    let url = Env::pg_server().unwrap();
    let ledger = ledger_of(&env);
    let before = events_in(&url, &ledger);
    let child = batch_under_way(&env, "t", 5000, 30);
    let mut admin = sql(&url);
    let cut: i64 = admin
        .query_one(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE application_name = 'selfeval' AND pid <> pg_backend_pid()) t",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(cut >= 1, "no selfeval connection to cut");
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(74), "{stderr}");
    assert!(stderr.contains("PostgreSQL 连接失败或中断"), "{stderr}");
    let acknowledged = String::from_utf8_lossy(&output.stdout).lines().filter(|l| l.contains("已记录")).count() as i64;
    let landed = events_in(&url, &ledger) - before;
    assert!(landed == acknowledged || landed == acknowledged + 1, "acknowledged {acknowledged}, landed {landed}");
    let verified = env.run(&["verify"]);
    assert_eq!(verified.code(), 0, "{}", verified.stderr());
}

#[test]
fn migrate_copies_a_ledger_to_postgres_and_back_checked_on_arrival() {
    let Some(pg) = Env::on_postgres() else { return };
    let sled = Env::in_dir();
    sled.run(&["demo"]);
    let url = pg.pg.clone().unwrap();
    let there = sled.ok(&["migrate", "--to", &url]);
    assert!(there.contains("已将 77 个事件从") && there.contains("到达后哈希链已校验"), "{there}");
    assert_eq!(pg.head(), sled.head());
    // Into a directory that is not there yet, from the database.
    let back = Env::in_dir();
    let said = back.ok(&["migrate", "--from", &url]);
    assert!(said.contains("已将 77 个事件"), "{said}");
    sled.ok(&["export", "a.jsonl"]);
    back.ok(&["export", "b.jsonl"]);
    assert!(
        std::fs::read(sled.dir.path().join("a.jsonl")).unwrap()
            == std::fs::read(back.dir.path().join("b.jsonl")).unwrap()
    );
    // A ledger that holds events is never overwritten.
    sled.fails(&["migrate", "--to", &url], 1, "已有 77 个事件");
    let neither = sled.run(&["migrate"]);
    assert_eq!(neither.code(), 2, "{}", neither.stderr());
}

#[test]
fn an_application_role_with_only_select_and_insert_records_and_cannot_touch_history() {
    let Some(server) = Env::pg_server() else { return };
    // The schema exists (made by the administrator's role, here the server's superuser).
    let admin = Env::on_postgres().unwrap();
    department(&admin);
    let role = format!("app_{}", uuid::Uuid::now_v7().simple());
    let mut sql = sql(&server);
    sql.batch_execute(&format!(
        "CREATE ROLE {role} LOGIN;
         GRANT SELECT, INSERT ON selfeval_ledgers, selfeval_events, selfeval_commands, selfeval_identities TO {role};
         GRANT SELECT, INSERT, UPDATE, DELETE ON selfeval_caches TO {role};
         GRANT SELECT ON selfeval_migrations TO {role};"
    ))
    .unwrap();
    let as_app = admin.pg.clone().unwrap().replacen("postgres://postgres@", &format!("postgres://{role}@"), 1);
    let app = Env { dir: tempfile::tempdir().unwrap(), pg: Some(as_app.clone()) };
    let spent = app.ok_as(DEMO_OFFICE, &["spend", "P01", "--amount", "1", "--date", "2024-06-30"]);
    assert!(spent.contains("已记录 #3"), "{spent}");
    let mut client = postgres::Client::connect(as_app.split('?').next().unwrap(), postgres::NoTls).unwrap();
    for (statement, said) in [
        ("ALTER TABLE selfeval_events DISABLE TRIGGER ALL", "must be owner"),
        ("DELETE FROM selfeval_events", "permission denied"),
        ("UPDATE selfeval_events SET line = 'x'", "permission denied"),
    ] {
        let error = client.batch_execute(statement).unwrap_err();
        let message = error.as_db_error().map(|e| e.message().to_owned()).unwrap_or_default();
        assert!(message.contains(said), "{statement}: {message}");
    }
    // A role that may not even read is told so, as the machine's refusal (74).
    let stranger = format!("stranger_{}", uuid::Uuid::now_v7().simple());
    sql.batch_execute(&format!("CREATE ROLE {stranger} LOGIN")).unwrap();
    let denied = Env {
        dir: tempfile::tempdir().unwrap(),
        pg: Some(admin.pg.clone().unwrap().replacen("postgres://postgres@", &format!("postgres://{stranger}@"), 1)),
    };
    let refused = denied.run(&["status"]);
    assert_eq!(refused.code(), 74, "{}", refused.stderr());
    assert!(
        refused.stderr().contains("PostgreSQL 拒绝") && refused.stderr().contains("permission denied"),
        "{}",
        refused.stderr()
    );
}

#[test]
fn a_writer_waits_for_the_ledgers_lock_no_longer_than_on_a_busy_directory() {
    let Some(env) = Env::on_postgres() else { return };
    department(&env);
    let url = Env::pg_server().unwrap();
    // Another client holds the ledger's write lock (as a command being decided would).
    let mut other = sql(&url);
    other.batch_execute("BEGIN").unwrap();
    other.execute("SELECT pg_advisory_xact_lock(1936026727, hashtext($1))", &[&ledger_of(&env)]).unwrap();
    let started = Instant::now();
    let busy = env
        .command()
        .env("SELFEVAL_BUSY_TIMEOUT", "0.5")
        .args(["--actor", DEMO_OFFICE, "spend", "P01", "--amount", "1", "--date", "2024-06-30"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&busy.stderr);
    assert_eq!(busy.status.code(), Some(3), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(10), "waited {:?}", started.elapsed());
    // Readers never wait.
    assert_eq!(env.run(&["status"]).code(), 0);
    other.batch_execute("ROLLBACK").unwrap();
    env.ok_as(DEMO_OFFICE, &["spend", "P01", "--amount", "1", "--date", "2024-06-30"]);
}

#[test]
fn an_auditor_role_that_may_only_read_reports_and_verifies() {
    let Some(server) = Env::pg_server() else { return };
    let admin = Env::on_postgres().unwrap();
    department(&admin);
    admin.ok_as(DEMO_OFFICE, &["budget", "set", "P01", "--amount", "6", "--reason", "年初批复"]);
    let role = format!("auditor_{}", uuid::Uuid::now_v7().simple());
    sql(&server)
        .batch_execute(&format!(
            "CREATE ROLE {role} LOGIN;
             GRANT SELECT ON selfeval_ledgers, selfeval_events, selfeval_commands, selfeval_identities, selfeval_caches, selfeval_migrations TO {role};"
        ))
        .unwrap();
    let url = admin.pg.clone().unwrap().replacen("postgres://postgres@", &format!("postgres://{role}@"), 1);
    let auditor = Env { dir: tempfile::tempdir().unwrap(), pg: Some(url) };
    for args in [&["status"][..], &["verify"], &["report"], &["history"], &["export"]] {
        let run = auditor.run(args);
        assert_eq!(run.code(), 0, "{args:?}: {}", run.stderr());
    }
    assert_eq!(auditor.run(&["report"]).stdout(), admin.run(&["report"]).stdout());
    let refused = auditor.run(&["--actor", DEMO_OFFICE, "spend", "P01", "--amount", "1", "--date", "2024-06-30"]);
    assert_eq!(refused.code(), 74, "{}", refused.stderr());
    assert!(refused.stderr().contains("permission denied"), "{}", refused.stderr());
    // A ledger that does not exist is not created by reading it.
    let missing = Env {
        dir: tempfile::tempdir().unwrap(),
        pg: Some(format!(
            "{}?ledger=nobody-{}",
            server.replacen("postgres://postgres@", &format!("postgres://{role}@"), 1),
            uuid::Uuid::now_v7()
        )),
    };
    assert_eq!(missing.run(&["report"]).code(), 1);
    assert_eq!(missing.run(&["status"]).code(), 1);
}

/// The demo on a PostgreSQL ledger of its own, and a superuser's SQL
/// session on the same server (what an attacker with the database has).
fn demo_with_sql() -> Option<(Env, postgres::Client, String)> {
    let env = Env::on_postgres()?;
    assert_eq!(env.run(&["demo"]).code(), 0);
    let client = sql(&Env::pg_server().unwrap());
    let ledger = ledger_of(&env);
    Some((env, client, ledger))
}

#[test]
fn a_row_copied_under_another_number_is_an_integrity_error_for_every_reader_not_a_figure_counted_twice() {
    let Some((env, mut sql, ledger)) = demo_with_sql() else { return };
    // What the application role can do: INSERT. Event 77's line again as 78.
    sql.execute(
        "INSERT INTO selfeval_events SELECT ledger, 78, stream, 99, 'copied', line, hash FROM selfeval_events
         WHERE ledger = $1 AND seq = 77",
        &[&ledger],
    )
    .unwrap();
    for args in [&["report"][..], &["export"], &["status"], &["trace", "P01", "executed"], &["project", "list"]] {
        let run = env.run(args);
        assert_eq!(run.code(), 4, "{args:?}: {}{}", run.stdout(), run.stderr());
        assert!(run.stderr().contains("事件表第78行存的是事件77：历史被删改"), "{args:?}: {}", run.stderr());
    }
    let spend = env.run(&["--actor", DEMO_OFFICE, "spend", "P01", "--amount", "1", "--date", "2024-06-30"]);
    assert_eq!(spend.code(), 4, "{}", spend.stderr());
}

#[test]
fn a_gap_in_the_numbers_is_an_integrity_error() {
    let Some((env, mut sql, ledger)) = demo_with_sql() else { return };
    // A superuser can switch the triggers off for a session and delete.
    sql.batch_execute("SET session_replication_role = replica").unwrap();
    sql.execute("DELETE FROM selfeval_events WHERE ledger = $1 AND seq = 40", &[&ledger]).unwrap();
    let export = env.run(&["export"]);
    assert_eq!(export.code(), 4, "{}", export.stderr());
    assert!(export.stderr().contains("事件表中事件40缺失，下一行是事件41"), "{}", export.stderr());
    assert_eq!(env.run(&["verify"]).code(), 4);
}

#[test]
fn a_tail_cut_behind_a_snapshot_is_caught_by_verify() {
    let Some((env, mut sql, ledger)) = demo_with_sql() else { return };
    // A report that replays the whole log leaves a snapshot at 77.
    let snapshot = env.command().env("SELFEVAL_SNAPSHOT_AFTER", "1").args(["report"]).output().unwrap();
    assert!(snapshot.status.success());
    sql.batch_execute("SET session_replication_role = replica").unwrap();
    sql.execute("DELETE FROM selfeval_events WHERE ledger = $1 AND seq > 70", &[&ledger]).unwrap();
    // The command records of the cut events are left: verify names them.
    let verify = env.run(&["verify"]);
    assert_eq!(verify.code(), 4, "{}{}", verify.stdout(), verify.stderr());
    assert!(verify.stderr().contains("起的1个事件，日志中那里属于它的只有0个"), "{}", verify.stderr());
    // Cut with them, the snapshot still tells.
    sql.execute("DELETE FROM selfeval_commands WHERE ledger = $1 AND first_seq > 70", &[&ledger]).unwrap();
    let verify = env.run(&["verify"]);
    assert_eq!(verify.code(), 4, "{}{}", verify.stdout(), verify.stderr());
    assert!(verify.stdout().contains("它反映到事件77，而日志只到事件70"), "{}", verify.stdout());
}

#[test]
fn a_forged_command_record_answers_for_no_other_command_and_crashes_nothing() {
    let Some((env, mut sql, ledger)) = demo_with_sql() else { return };
    // Event 77 is some command's; a record says it is "victim-2"'s, and one
    // points past the head.
    sql.execute("INSERT INTO selfeval_commands VALUES ($1, 'victim-2', 77, 1), ($1, 'victim-1', 999, 1)", &[&ledger])
        .unwrap();
    let head = env.json(&["--json", "status"]);
    for id in ["victim-2", "victim-1"] {
        let run = env.run(&["--actor", DEMO_OFFICE, "reopen", "P02", "--reason", "补记", "--command-id", id]);
        assert_eq!(run.code(), 4, "{id}: {}", run.stderr());
        assert!(run.stderr().contains("命令索引与日志不符"), "{id}: {}", run.stderr());
    }
    assert_eq!(env.json(&["--json", "status"]), head, "nothing written");
    // and verify, which the message sends the user to, names the record.
    let verify = env.run(&["verify"]);
    assert_eq!(verify.code(), 4, "{}", verify.stderr());
    assert!(verify.stderr().contains("命令「victim-2」"), "{}", verify.stderr());
    // A record pointing past every event alone is named too.
    let (env, mut sql, ledger) = demo_with_sql().unwrap();
    sql.execute("INSERT INTO selfeval_commands VALUES ($1, 'victim-1', 999, 1)", &[&ledger]).unwrap();
    let verify = env.run(&["verify"]);
    assert_eq!(verify.code(), 4, "{}", verify.stderr());
    assert!(
        verify.stderr().contains("命令表说命令「victim-1」是事件999起的1个事件，日志中那里属于它的只有0个"),
        "{}",
        verify.stderr()
    );
}

#[test]
fn a_rechained_event_in_the_wrong_stream_or_version_fails_verify_as_it_fails_import() {
    let Some((env, mut sql, ledger)) = demo_with_sql() else { return };
    use selfeval_ledger::format::{chain_hash, split_line};
    let export = env.run(&["export"]).stdout();
    let lines: Vec<&str> = export.lines().collect();
    // Event 3 again at the head, its stream version unchanged (a repeat),
    // re-chained as a forger following docs/storage.md would.
    let (_, body) = split_line(lines[3].as_bytes()).unwrap();
    let head: serde_json::Value = serde_json::from_str(lines[77]).unwrap();
    let prev = head["hash"].as_str().unwrap();
    // Edited as text: the layout (key order) is part of what is hashed.
    let event: serde_json::Value = serde_json::from_slice(body).unwrap();
    let text = String::from_utf8(body.to_vec())
        .unwrap()
        .replacen("{\"seq\":3,", "{\"seq\":78,", 1)
        .replacen(event["prev_hash"].as_str().unwrap(), prev, 1)
        .replacen(event["command_id"].as_str().unwrap(), "forged", 1);
    let hash = chain_hash(prev, text.as_bytes());
    let line = format!("{{\"hash\":\"{hash}\",\"event\":{text}}}");
    let stream = event["stream"].as_str().unwrap().to_owned();
    sql.execute(
        "INSERT INTO selfeval_events VALUES ($1, 78, $2, 999, 'forged', $3, $4)",
        &[&ledger, &stream, &line.as_bytes(), &hash],
    )
    .unwrap();
    let verify = env.run(&["verify"]);
    assert_eq!(verify.code(), 4, "{}{}", verify.stdout(), verify.stderr());
    // The row's version column (999) says otherwise than its line: caught
    // as the row is read, before the replay would catch the repeat.
    assert!(verify.stderr().contains("事件表第78行把事件列为「roster」的第999个事件"), "{}", verify.stderr());
    // A column telling the truth would repeat the stream's version 2,
    // which the table's unique key refuses: the replay's own check of
    // versions (what an import runs) is tested on sled's exports.
}

#[test]
fn a_mistyped_url_is_refused_never_a_directory_and_never_shows_its_password() {
    let Some(server) = Env::pg_server() else { return };
    let dir = tempfile::tempdir().unwrap();
    let run = |store: &str| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_selfeval"))
            .env_clear()
            .env("SELFEVAL_ACTOR", DEMO_OFFICE)
            .current_dir(dir.path())
            .args(["--store", store, "init", "--department", "某局", "--year", "2024"])
            .output()
            .unwrap();
        (output.status.code(), String::from_utf8_lossy(&output.stderr).into_owned())
    };
    let secret = server.replacen("postgres://postgres@", "postgres://postgres:PwSecret9@", 1);
    for bad in [
        secret.replacen("postgres://", "postgres:/", 1),
        format!(" {secret}?ledger=x"),
        format!("{secret}?ledger=a&ledger=b"),
        format!("{secret}?ledger=x%E2%80%8B"),
        format!("{secret}?ledger=x%20"),
        "postgres://?ledger=x".to_owned(),
    ] {
        let (code, stderr) = run(&bad);
        assert_eq!(code, Some(2), "{bad}: {stderr}");
        assert!(!stderr.contains("PwSecret9"), "{bad}: {stderr}");
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "no directory was made");
    // The scheme in capitals is still PostgreSQL.
    let (code, stderr) =
        run(&format!("{}?ledger=caps-{}", secret.replacen("postgres://", "POSTGRES://", 1), uuid::Uuid::now_v7()));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("PwSecret9"), "{stderr}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn a_database_with_a_newer_schema_is_neither_read_nor_written() {
    let Some(server) = Env::pg_server() else { return };
    let database = format!("newer_{}", uuid::Uuid::now_v7().simple());
    sql(&server).batch_execute(&format!("CREATE DATABASE {database}")).unwrap();
    let url = server.rsplit_once('/').map(|(base, _)| format!("{base}/{database}")).unwrap();
    let env = Env { dir: tempfile::tempdir().unwrap(), pg: Some(format!("{url}?ledger=x")) };
    department(&env);
    sql(&url).batch_execute("INSERT INTO selfeval_migrations (version) VALUES (99)").unwrap();
    for args in [&["status"][..], &["--actor", DEMO_OFFICE, "spend", "P01", "--amount", "1", "--date", "2024-06-30"]] {
        let run = env.run(args);
        assert_eq!(run.code(), 74, "{args:?}: {}", run.stderr());
        assert!(run.stderr().contains("数据库的结构版本为99，新于本程序所知的2"), "{}", run.stderr());
    }
}

#[test]
fn imports_racing_into_one_ledger_land_once_and_the_others_are_told_it_is_full() {
    let Some(pg) = Env::on_postgres() else { return };
    let (sled, file) = demo_exported();
    let children: Vec<_> = (0..4)
        .map(|_| pg.command().args(["import", file.to_str().unwrap()]).stderr(Stdio::piped()).spawn().unwrap())
        .collect();
    let codes: Vec<(Option<i32>, String)> = children
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().unwrap();
            (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
        })
        .collect();
    assert_eq!(codes.iter().filter(|(c, _)| *c == Some(0)).count(), 1, "{codes:?}");
    for (code, stderr) in codes.iter().filter(|(c, _)| *c != Some(0)) {
        assert_eq!(*code, Some(1), "{stderr}");
        assert!(stderr.contains("已有 77 个事件"), "{stderr}");
    }
    assert_eq!(pg.head(), sled.head());
}

#[test]
fn no_command_shows_a_password_whatever_characters_it_holds() {
    let Some(server) = Env::pg_server() else { return };
    // The throwaway cluster trusts loopback: any password connects, so
    // every command below runs as far as it would with the right one.
    for (n, password) in ["pa/ss", "pa?ss", "pa:ss", "pa%25ss", "s/e?c:r%40t"].iter().enumerate() {
        let secret = server.replacen("postgres://postgres@", &format!("postgres://postgres:{password}@"), 1);
        let ledger = format!("secret-{n}-{}", uuid::Uuid::now_v7());
        let env = Env { dir: tempfile::tempdir().unwrap(), pg: Some(format!("{secret}?ledger={ledger}")) };
        let decoded = password.replace("%25", "%").replace("%40", "@");
        let mut said = Vec::new();
        // A ledger that does not exist yet: 「库不存在」 names the location.
        let missing = env.run(&["status"]);
        assert_eq!(missing.code(), 1, "{password}: {}", missing.stderr());
        assert!(missing.stderr().contains("库不存在"), "{password}: {}", missing.stderr());
        said.push(missing.stderr());
        department(&env);
        for args in [
            &["status"][..],
            &["--json", "status"],
            &["ledgers"],
            &["--json", "ledgers"],
            &["verify"],
            &["--json", "verify"],
            &["export"],
        ] {
            let run = env.run(args);
            assert_eq!(run.code(), 0, "{password} {args:?}: {}", run.stderr());
            said.push(run.stdout());
            said.push(run.stderr());
        }
        // A password given as a parameter, with an `@` in it.
        let bad = env
            .command()
            .args(["--store", &format!("{server}?password=s3cr@t&ledger=a&ledger=b"), "status"])
            .output()
            .unwrap();
        assert_eq!(bad.status.code(), Some(2));
        let said_param = String::from_utf8_lossy(&bad.stderr).into_owned();
        assert!(!said_param.contains("s3cr"), "{said_param}");
        // A URL refused before it is used (exit 2) quotes it redacted.
        let bad = env.command().args(["--store", &format!("{secret}?ledger=a&ledger=b"), "status"]).output().unwrap();
        assert_eq!(bad.status.code(), Some(2));
        said.push(String::from_utf8_lossy(&bad.stderr).into_owned());
        for text in &said {
            assert!(!text.contains(password) && !text.contains(&decoded), "{password} shown: {text}");
        }
        assert!(said[1].contains("postgres://postgres@127.0.0.1"), "{}", said[1]);
    }
}

/// The demo in a PostgreSQL ledger and a copy of it in another ledger
/// (`migrate`), with the office's `reopen P02` recorded in the copy only:
/// its row 78 chains onto the original's head as a genuine event would.
fn demo_and_a_copy_one_event_ahead() -> Option<(Env, postgres::Client, String, Vec<u8>, String)> {
    let (env, mut sql, ledger) = demo_with_sql()?;
    let copy = Env::on_postgres()?;
    let copied = env.ok_as(DEMO_OFFICE, &["migrate", "--to", &copy.store_arg()]);
    assert!(copied.contains("已将 77 个事件"), "{copied}");
    copy.ok_as(DEMO_OFFICE, &["reopen", "P02", "--reason", "演练", "--command-id", "drill-78"]);
    let row = sql
        .query_one("SELECT line, hash FROM selfeval_events WHERE ledger = $1 AND seq = 78", &[&ledger_of(&copy)])
        .unwrap();
    let (line, hash): (Vec<u8>, String) = (row.get(0), row.get(1));
    Some((env, sql, ledger, line, hash))
}

/// The next version of `stream` in `ledger`, as the table holds it.
fn next_version(sql: &mut postgres::Client, ledger: &str, stream: &str) -> i64 {
    sql.query_one("SELECT count(*) + 1 FROM selfeval_events WHERE ledger = $1 AND stream = $2", &[&ledger, &stream])
        .unwrap()
        .get(0)
}

/// `line` inserted as event 78 of P02's stream, at its next version, under
/// `command_id`, without a command record.
fn insert_p02_row(sql: &mut postgres::Client, ledger: &str, command_id: &str, line: &[u8], hash: &str) {
    let version = next_version(sql, ledger, "project/P02");
    sql.execute(
        "INSERT INTO selfeval_events VALUES ($1, 78, 'project/P02', $2, $3, $4, $5)",
        &[&ledger, &version, &command_id, &line, &hash],
    )
    .unwrap();
}

#[test]
fn a_row_whose_stream_column_disagrees_with_its_line_fails_verify() {
    let Some((env, mut sql, ledger, line, hash)) = demo_and_a_copy_one_event_ahead() else { return };
    // The genuine line, filed under another stream (as the application
    // role may INSERT): history --project P02 would miss it.
    sql.execute(
        "INSERT INTO selfeval_events VALUES ($1, 78, 'project/ZZZ', 1, 'drill-78', $2, $3)",
        &[&ledger, &line, &hash],
    )
    .unwrap();
    sql.execute("INSERT INTO selfeval_commands VALUES ($1, 'drill-78', 78, 1)", &[&ledger]).unwrap();
    let verify = env.run(&["verify"]);
    assert_eq!(verify.code(), 4, "{}{}", verify.stdout(), verify.stderr());
    assert!(
        verify
            .stderr()
            .contains("事件表第78行把事件列为「project/ZZZ」的第1个事件、命令「drill-78」，事件本身是「project/P02」"),
        "{}",
        verify.stderr()
    );
    // The command id column lying is caught the same way.
    let (env, mut sql, ledger, line, hash) = demo_and_a_copy_one_event_ahead().unwrap();
    insert_p02_row(&mut sql, &ledger, "other", &line, &hash);
    let verify = env.run(&["verify"]);
    assert_eq!(verify.code(), 4, "{}{}", verify.stdout(), verify.stderr());
    assert!(verify.stderr().contains("命令「other」，事件本身是「project/P02」"), "{}", verify.stderr());
}

#[test]
fn a_forged_or_missing_command_record_fails_verify() {
    // A record saying event 77 is another command's.
    let Some((env, mut sql, ledger)) = demo_with_sql() else { return };
    sql.execute("INSERT INTO selfeval_commands VALUES ($1, 'victim-2', 77, 1)", &[&ledger]).unwrap();
    let verify = env.run(&["verify"]);
    assert_eq!(verify.code(), 4, "{}{}", verify.stdout(), verify.stderr());
    assert!(
        verify.stderr().contains("命令表说命令「victim-2」是事件77起的1个事件，日志中那里属于它的只有0个"),
        "{}",
        verify.stderr()
    );
    // A genuine event inserted without its command record.
    let (env, mut sql, ledger, line, hash) = demo_and_a_copy_one_event_ahead().unwrap();
    insert_p02_row(&mut sql, &ledger, "drill-78", &line, &hash);
    let verify = env.run(&["verify"]);
    assert_eq!(verify.code(), 4, "{}{}", verify.stdout(), verify.stderr());
    assert!(verify.stderr().contains("命令表中没有事件78的命令「drill-78」"), "{}", verify.stderr());
}

/// A line forged from `template` (an exported line) as an insider with an
/// INSERT right would: `edits` applied to its body as text (the layout is
/// part of what is hashed), placed at `seq` after `prev`, re-chained.
fn forged_line(template: &str, seq: u64, prev: &str, edits: &[(&str, &str)]) -> (String, String) {
    use selfeval_ledger::format::{chain_hash, split_line};
    let (_, body) = split_line(template.as_bytes()).unwrap();
    let event: serde_json::Value = serde_json::from_slice(body).unwrap();
    let mut text = String::from_utf8(body.to_vec()).unwrap().replacen(
        &format!("{{\"seq\":{},", event["seq"]),
        &format!("{{\"seq\":{seq},"),
        1,
    );
    text = text.replacen(event["prev_hash"].as_str().unwrap(), prev, 1);
    for (from, to) in edits {
        assert!(text.contains(from), "{from} is not in {text}");
        text = text.replacen(from, to, 1);
    }
    let hash = chain_hash(prev, text.as_bytes());
    (format!("{{\"hash\":\"{hash}\",\"event\":{text}}}"), hash)
}

/// Inserts a forged event at the head with its command record, as the
/// application role may.
fn insert_forged(sql: &mut postgres::Client, ledger: &str, seq: i64, line: &str, hash: &str) {
    let event: serde_json::Value = serde_json::from_str(line).unwrap();
    let e = &event["event"];
    sql.execute(
        "INSERT INTO selfeval_events VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[
            &ledger,
            &seq,
            &e["stream"].as_str().unwrap(),
            &e["stream_version"].as_i64().unwrap(),
            &e["command_id"].as_str().unwrap(),
            &line.as_bytes(),
            &hash,
        ],
    )
    .unwrap();
    sql.execute(
        "INSERT INTO selfeval_commands VALUES ($1, $2, $3, 1)",
        &[&ledger, &e["command_id"].as_str().unwrap(), &seq],
    )
    .unwrap();
}

#[test]
fn verify_refuses_what_import_refuses_a_second_year_inserted_by_hand() {
    let Some((env, mut sql, ledger)) = demo_with_sql() else { return };
    let export = env.run(&["export"]).stdout();
    let lines: Vec<&str> = export.lines().collect();
    let head: serde_json::Value = serde_json::from_str(lines[77]).unwrap();
    let next = next_version(&mut sql, &ledger, "department");
    let (line, hash) = forged_line(
        lines[1],
        78,
        head["hash"].as_str().unwrap(),
        &[
            ("\"stream_version\":1,", &format!("\"stream_version\":{next},")),
            ("\"year\":2024", "\"year\":2025"),
            ("\"command_id\":\"", "\"command_id\":\"forged-"),
        ],
    );
    insert_forged(&mut sql, &ledger, 78, &line, &hash);
    let verify = env.run(&["verify"]);
    assert_eq!(verify.code(), 4, "{}{}", verify.stdout(), verify.stderr());
    assert!(
        verify.stderr().contains("事件78不符合规则（导入同样会拒绝）：年度已初始化，不能再次初始化"),
        "{}",
        verify.stderr()
    );
    // The same log, exported, is refused by an import with the same words.
    let exported = env.run(&["export"]);
    assert_eq!(exported.code(), 0, "{}", exported.stderr());
    let file = env.dir.path().join("forged.jsonl");
    std::fs::write(&file, exported.stdout()).unwrap();
    let fresh = Env::in_dir();
    let import = fresh.run(&["import", file.to_str().unwrap()]);
    assert_eq!(import.code(), 4, "{}", import.stderr());
    assert!(import.stderr().contains("年度已初始化，不能再次初始化"), "{}", import.stderr());
}

#[test]
fn verify_refuses_a_reversal_of_another_sections_spending_inserted_by_hand() {
    let Some((env, mut sql, ledger)) = demo_with_sql() else { return };
    // A genuine reversal of P02's own spending #15, recorded in a drill
    // copy, turned into a reversal of P03's #17 (another section's) and
    // put at the original's head.
    let copy = Env::on_postgres().unwrap();
    env.ok_as(DEMO_OFFICE, &["migrate", "--to", &copy.store_arg()]);
    copy.ok_as(DEMO_OFFICE, &["reopen", "P02", "--reason", "演练"]);
    copy.ok_as(crate::DEMO_RESCUE, &["spend", "reverse", "15", "--reason", "演练冲销"]);
    let copied = copy.run(&["export"]).stdout();
    let template = copied.lines().nth(79).unwrap();
    assert!(template.contains("\"type\":\"ExpenditureReversed\""), "{template}");
    let export = env.run(&["export"]).stdout();
    let head: serde_json::Value = serde_json::from_str(export.lines().nth(77).unwrap()).unwrap();
    let version: serde_json::Value = serde_json::from_str(template).unwrap();
    let version = version["event"]["stream_version"].as_i64().unwrap();
    let (line, hash) = forged_line(
        template,
        78,
        head["hash"].as_str().unwrap(),
        &[
            (&format!("\"stream_version\":{version},"), &format!("\"stream_version\":{},", version - 1)),
            ("\"expenditure_seq\":15", "\"expenditure_seq\":17"),
            ("\"amount\":\"3.2\"", "\"amount\":\"1.8\""),
        ],
    );
    insert_forged(&mut sql, &ledger, 78, &line, &hash);
    let verify = env.run(&["verify"]);
    assert_eq!(verify.code(), 4, "{}{}", verify.stdout(), verify.stderr());
    // P02 is approved in the original: the lock (A6) refuses it first; the
    // reference rule itself is tested in tests/it/judge.rs.
    assert!(verify.stderr().contains("事件78不符合规则（导入同样会拒绝）：actor：违反规则A6"), "{}", verify.stderr());
}
