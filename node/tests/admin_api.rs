//! The admin API over real TCP: a jsonrpsee server on a sled event log in a temporary data dir,
//! with a stand-in coordinator that answers each command with a canned outcome.

use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;
use std::time::Duration;

use alys_config::schema::reload::AdminConfig;
use alys_eventlog::event::{
    ActorLifecycle, ConfigLoaded, KeyChange, LifecycleChange, ReloadApplied, SourceDigest,
    ValidationReported, Verdict,
};
use alys_eventlog::{Event, EventLog};
use alys_node::actors::ChildStatus;
use alys_node::admin::{serve, AdminClient, AdminError, AdminServer, HistoryParams};
use alys_node::data_dir::DataDir;
use alys_node::mailbox::MailboxMetrics;
use alys_node::reload::{
    ActorStatusFn, Command, Outcome, ReloadStatus, ResultKind, RollbackTarget, Trigger,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{mpsc, watch};

const FIRST_TOML: &str = "[logging]\nlevel = \"info\"\n";
const SECOND_TOML: &str = "[logging]\nlevel = \"debug\"\n";

/// What the stand-in coordinator was asked.
#[derive(Debug, PartialEq)]
enum Asked {
    Reload(Trigger, Option<Duration>),
    Rollback(RollbackTarget, String, Trigger),
    Confirm(String),
}

struct Fixture {
    dir: tempfile::TempDir,
    server: AdminServer,
    asked: mpsc::UnboundedReceiver<Asked>,
}

impl Fixture {
    fn client(&self) -> AdminClient {
        AdminClient::for_data_dir(self.dir.path()).unwrap()
    }
}

fn outcome(result: ResultKind, revision: u64) -> Outcome {
    Outcome {
        result,
        revision,
        offset: Some(revision),
        changed_keys: vec!["logging.level".to_owned()],
        impacted_actors: vec![],
        restarted_actors: vec![],
        reason: None,
        confirm_deadline_ms: None,
        duration_us: 10,
    }
}

/// Log: 0 config loaded, 1 accepted (revision 1), 2 chain started, 3 config loaded,
/// 4 reload applied (revision 4).
fn record_history(log: &EventLog) {
    let loaded = |toml: &str| {
        Event::ConfigLoaded(ConfigLoaded {
            environment: "development".into(),
            sources: vec![SourceDigest {
                layer: "file".into(),
                name: "alys.toml".into(),
                blake3: "00".repeat(32),
            }],
            effective_toml: toml.into(),
            provenance: vec![],
            secrets: vec![],
        })
    };
    log.append(&loaded(FIRST_TOML)).unwrap();
    log.append(&Event::ValidationReported(ValidationReported {
        config_offset: 0,
        findings: vec![],
        verdict: Verdict::Accepted,
    }))
    .unwrap();
    log.append(&Event::ActorLifecycle(ActorLifecycle {
        actor: "chain".into(),
        config_revision: 1,
        change: LifecycleChange::Started,
    }))
    .unwrap();
    log.append(&loaded(SECOND_TOML)).unwrap();
    log.append(&Event::ReloadApplied(ReloadApplied {
        config_offset: 3,
        diff: vec![KeyChange {
            key: "logging.level".into(),
            old: Some("\"info\"".into()),
            new: Some("\"debug\"".into()),
        }],
        impacted_actors: vec![],
        restarted_actors: vec![],
    }))
    .unwrap();
}

/// Answers every command with a canned outcome and reports what it was asked.
async fn stand_in_coordinator(
    mut commands: mpsc::Receiver<Command>,
    asked: mpsc::UnboundedSender<Asked>,
) {
    while let Some(command) = commands.recv().await {
        match command {
            Command::Reload {
                trigger,
                confirm_within,
                reply,
            } => {
                let _ = asked.send(Asked::Reload(trigger, confirm_within));
                if let Some(reply) = reply {
                    let _ = reply.send(Ok(outcome(ResultKind::Applied, 7)));
                }
            }
            Command::Rollback {
                target,
                reason,
                trigger,
                reply,
            } => {
                let _ = asked.send(Asked::Rollback(target, reason, trigger));
                if let Some(reply) = reply {
                    let _ = reply.send(Ok(outcome(ResultKind::RolledBack, 1)));
                }
            }
            Command::Confirm { by, reply } => {
                let _ = asked.send(Asked::Confirm(by));
                let _ = reply.send(Ok(7));
            }
        }
    }
}

async fn start() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = DataDir::create(dir.path()).unwrap();
    let log = EventLog::open(&data_dir.eventlog()).unwrap();
    record_history(&log);

    let (commands, received) = mpsc::channel(4);
    let (asked_tx, asked) = mpsc::unbounded_channel();
    tokio::spawn(stand_in_coordinator(received, asked_tx));

    let (_publish, status) = watch::channel(ReloadStatus {
        revision: 4,
        config_offset: 3,
        ..ReloadStatus::default()
    });
    let actors: ActorStatusFn = Arc::new(|| {
        Box::pin(async {
            vec![ChildStatus {
                name: "chain".into(),
                running: true,
                restarts: 0,
                recovering: false,
                mailbox: MailboxMetrics::default(),
            }]
        })
    });

    let server = serve(
        &AdminConfig::default(),
        &data_dir,
        log,
        commands,
        status,
        actors,
    )
    .await
    .unwrap();
    Fixture { dir, server, asked }
}

/// Sends one raw HTTP request and returns the status code.
async fn post_status(addr: SocketAddr, authorization: Option<&str>) -> u16 {
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"admin_status","params":{}}"#;
    let auth = authorization.map_or_else(String::new, |a| format!("Authorization: {a}\r\n"));
    let request = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n{auth}\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    response
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {response:?}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn token_file_is_owner_only_and_addr_file_names_the_bound_address() {
    let fixture = start().await;
    let token = fixture.dir.path().join("admin.token");
    let mode = std::fs::metadata(&token).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    assert_eq!(std::fs::read_to_string(&token).unwrap().trim().len(), 64);

    let addr = std::fs::read_to_string(fixture.dir.path().join("admin.addr")).unwrap();
    assert_eq!(addr.trim(), fixture.server.local_addr().to_string());
    assert!(fixture.server.local_addr().ip().is_loopback());
}

#[tokio::test(flavor = "multi_thread")]
async fn requests_without_the_token_get_401_and_with_it_200() {
    let fixture = start().await;
    let addr = fixture.server.local_addr();
    let token = std::fs::read_to_string(fixture.dir.path().join("admin.token")).unwrap();

    assert_eq!(post_status(addr, None).await, 401);
    assert_eq!(post_status(addr, Some("Bearer 0123")).await, 401);
    let wrong = format!("Bearer {}", "0".repeat(64));
    assert_eq!(post_status(addr, Some(&wrong)).await, 401);
    let basic = format!("Basic {}", token.trim());
    assert_eq!(post_status(addr, Some(&basic)).await, 401);
    let right = format!("Bearer {}", token.trim());
    assert_eq!(post_status(addr, Some(&right)).await, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn client_with_a_stale_token_is_told_it_was_refused() {
    let fixture = start().await;
    std::fs::write(fixture.dir.path().join("admin.token"), "f".repeat(64)).unwrap();
    let error = fixture.client().status().await.unwrap_err();
    assert!(matches!(error, AdminError::Unauthorized { .. }), "{error}");
}

#[tokio::test(flavor = "multi_thread")]
async fn status_returns_the_published_revision_and_actor_health() {
    let fixture = start().await;
    let status = fixture.client().status().await.unwrap();
    assert_eq!(status.revision, 4);
    assert_eq!(status.config_offset, 3);
    assert!(status.healthy);
    assert_eq!(status.actors.len(), 1);
    assert_eq!(status.actors[0].name, "chain");
    assert_eq!(status.actors[0].mailbox["depth"], 0);
    assert!(status.last_reload.is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn reload_carries_the_confirmation_window_to_the_coordinator() {
    let mut fixture = start().await;
    let outcome = fixture.client().reload(Some("5m")).await.unwrap();
    assert_eq!(outcome.result, ResultKind::Applied);
    assert_eq!(outcome.revision, 7);
    assert_eq!(
        fixture.asked.recv().await,
        Some(Asked::Reload(
            Trigger::AdminApi,
            Some(Duration::from_secs(300))
        ))
    );

    let error = fixture.client().reload(Some("soon")).await.unwrap_err();
    assert!(error.to_string().contains("\"soon\""), "{error}");
}

#[tokio::test(flavor = "multi_thread")]
async fn rollback_needs_exactly_one_of_to_or_steps() {
    let mut fixture = start().await;
    let client = fixture.client();
    for (to, steps) in [(Some(1), Some(1)), (None, None)] {
        let error = client.rollback(to, steps).await.unwrap_err();
        assert!(
            error
                .to_string()
                .contains("give exactly one of `to` or `steps`"),
            "{error}"
        );
    }

    let outcome = client.rollback(None, Some(1)).await.unwrap();
    assert_eq!(outcome.result, ResultKind::RolledBack);
    assert_eq!(
        fixture.asked.recv().await,
        Some(Asked::Rollback(
            RollbackTarget::Steps(1),
            "operator".to_owned(),
            Trigger::Rollback
        ))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn confirm_returns_the_revision_the_coordinator_confirmed() {
    let mut fixture = start().await;
    assert_eq!(fixture.client().confirm().await.unwrap(), 7);
    assert_eq!(
        fixture.asked.recv().await,
        Some(Asked::Confirm("admin-api".to_owned()))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn history_lists_events_in_order_with_kinds_and_summaries() {
    let fixture = start().await;
    let entries = fixture
        .client()
        .history(&HistoryParams::default())
        .await
        .unwrap();
    let kinds: Vec<(u64, &str)> = entries
        .iter()
        .map(|e| (e.offset, e.kind.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            (0, "config_loaded"),
            (1, "validation_reported"),
            (2, "actor_lifecycle"),
            (3, "config_loaded"),
            (4, "reload_applied"),
        ]
    );
    assert!(entries[0].summary.contains("development"));
    assert!(entries[2].summary.contains("chain started"));
    assert!(entries[4].summary.contains("logging.level"));
    assert!(entries[0].time.ends_with('Z'));

    let only = HistoryParams {
        kind: Some("config_loaded".into()),
        limit: Some(1),
        ..HistoryParams::default()
    };
    let latest = fixture.client().history(&only).await.unwrap();
    assert_eq!(latest.len(), 1);
    assert_eq!(latest[0].offset, 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn config_at_returns_the_accepted_toml_and_diff_names_changed_keys() {
    let fixture = start().await;
    let client = fixture.client();

    let first = client.config_at(Some(2)).await.unwrap();
    assert_eq!(first.revision, 1);
    assert_eq!(first.effective_toml, FIRST_TOML);
    let head = client.config_at(None).await.unwrap();
    assert_eq!(head.revision, 4);
    assert_eq!(head.effective_toml, SECOND_TOML);

    let diff = client.diff(1, 4).await.unwrap();
    let keys: Vec<&str> = diff.changes.iter().map(|c| c.key.as_str()).collect();
    assert_eq!(keys, ["logging.level"]);

    let error = client.config_at(Some(0)).await.unwrap_err();
    assert!(error
        .to_string()
        .contains("no configuration was active at offset 0"));
}

#[tokio::test(flavor = "multi_thread")]
async fn stopping_the_server_removes_the_address_file() {
    let fixture = start().await;
    let addr_file = fixture.dir.path().join("admin.addr");
    assert!(addr_file.exists());
    fixture.server.stop().await;
    assert!(!addr_file.exists());

    let error = AdminClient::for_data_dir(fixture.dir.path()).unwrap_err();
    assert!(error.to_string().contains("is the node running"), "{error}");
}

/// Runs the real `alys-node` binary against `data_dir`; returns its exit code and output.
async fn ctl(data_dir: &std::path::Path, args: &[&str]) -> (i32, String) {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_alys-node"));
    command
        .arg("ctl")
        .arg("--data-dir")
        .arg(data_dir)
        .args(args);
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    (
        output.status.code().unwrap_or(-1),
        format!("{stdout}{stderr}"),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn ctl_binary_prints_status_and_history_lines() {
    let fixture = start().await;

    let (code, status) = ctl(fixture.dir.path(), &["status"]).await;
    assert_eq!(code, 0, "{status}");
    assert!(
        status.contains("revision 4 (config@3): healthy"),
        "{status}"
    );
    assert!(status.contains("chain"), "{status}");

    let (code, history) = ctl(fixture.dir.path(), &["history"]).await;
    assert_eq!(code, 0, "{history}");
    let lines: Vec<&str> = history.lines().collect();
    assert_eq!(lines.len(), 5, "{history}");
    assert!(lines[0].trim_start().starts_with("0  "), "{history}");
    assert!(lines[4].contains("reload_applied"), "{history}");
    assert!(lines[4].contains("logging.level"), "{history}");

    let (code, json) = ctl(fixture.dir.path(), &["--json", "status"]).await;
    assert_eq!(code, 0, "{json}");
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["revision"], 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn ctl_exit_codes_tell_a_failed_change_from_an_unreachable_node() {
    let fixture = start().await;
    let (code, out) = ctl(fixture.dir.path(), &["rollback", "--steps", "1"]).await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("rolled_back: revision 1"), "{out}");

    let (code, out) = ctl(fixture.dir.path(), &["reload", "--confirm-within", "5m"]).await;
    assert_eq!(code, 0, "{out}");

    let empty = tempfile::tempdir().unwrap();
    let (code, out) = ctl(empty.path(), &["status"]).await;
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("is the node running"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn bearer_scheme_matches_in_any_case_and_the_token_exactly() {
    let fixture = start().await;
    let addr = fixture.server.local_addr();
    let token = std::fs::read_to_string(fixture.dir.path().join("admin.token")).unwrap();
    let token = token.trim();

    for scheme in ["bearer", "BEARER", "BeArEr"] {
        let header = format!("{scheme} {token}");
        assert_eq!(post_status(addr, Some(&header)).await, 200, "{header}");
    }
    let shouted = format!("bearer {}", token.to_ascii_uppercase());
    assert_eq!(post_status(addr, Some(&shouted)).await, 401);
    let glued = format!("bearer{token}");
    assert_eq!(post_status(addr, Some(&glued)).await, 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn ctl_history_kind_takes_a_prefix_like_alys_log_inspect() {
    let fixture = start().await;

    let (code, out) = ctl(fixture.dir.path(), &["history", "--kind", "reload"]).await;
    assert_eq!(code, 0, "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 1, "{out}");
    assert!(lines[0].contains("reload_applied"), "{out}");

    let (code, out) = ctl(fixture.dir.path(), &["history", "--kind", "config"]).await;
    assert_eq!(code, 0, "{out}");
    assert_eq!(out.lines().count(), 2, "{out}");

    let (code, out) = ctl(fixture.dir.path(), &["history", "--kind", "nope"]).await;
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("no event kind starts with `nope`"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn ctl_diff_and_config_at_past_the_newest_event_exit_2_naming_the_head() {
    let fixture = start().await;
    let dir = fixture.dir.path();

    for args in [
        &["diff", "1", "999"][..],
        &["diff", "999", "1"],
        &["config-at", "99999"],
    ] {
        let (code, out) = ctl(dir, args).await;
        assert_eq!(code, 2, "{args:?}: {out}");
        assert!(
            out.contains("past the newest event (offset 4)"),
            "{args:?}: {out}"
        );
    }
    let (code, out) = ctl(dir, &["diff", "1", "4"]).await;
    assert_eq!(code, 0, "{out}");
    let (code, out) = ctl(dir, &["config-at", "4"]).await;
    assert_eq!(code, 0, "{out}");
}
