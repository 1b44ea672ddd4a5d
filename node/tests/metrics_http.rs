//! The `/metrics` and `/health` endpoint over real TCP: statuses published through a real watch
//! channel, actors answered by a canned [`ActorStatusFn`].

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use alys_config::schema::MonitoringConfig;
use alys_node::actors::ChildStatus;
use alys_node::data_dir::DataDir;
use alys_node::mailbox::MailboxMetrics;
use alys_node::metrics::{self, MetricsServer, ADDR_FILE};
use alys_node::reload::{ActorStatusFn, LastReload, Outcome, ReloadStatus, ResultKind};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;

/// How long a test waits for the observer task to see a published status.
const DEADLINE: Duration = Duration::from_secs(10);

struct Node {
    _dir: tempfile::TempDir,
    data_dir: DataDir,
    status: watch::Sender<ReloadStatus>,
    actors: Arc<Mutex<Vec<ChildStatus>>>,
    server: MetricsServer,
}

fn child(name: &str, running: bool, recovering: bool) -> ChildStatus {
    ChildStatus {
        name: name.into(),
        running,
        restarts: 0,
        recovering,
        mailbox: MailboxMetrics::default(),
    }
}

fn local_config() -> MonitoringConfig {
    MonitoringConfig {
        bind_addr: "127.0.0.1:0".into(),
        ..MonitoringConfig::default()
    }
}

async fn start_with(config: MonitoringConfig) -> Node {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = DataDir::create(dir.path()).unwrap();
    let (status, rx) = watch::channel(ReloadStatus::default());
    let actors = Arc::new(Mutex::new(vec![
        child("storage", true, false),
        child("chain", true, false),
    ]));
    let canned = actors.clone();
    let actor_fn: ActorStatusFn = Arc::new(move || {
        let children = canned.lock().unwrap().clone();
        Box::pin(async move { children })
    });
    let server = metrics::serve(&config, &data_dir, rx, actor_fn)
        .await
        .unwrap();
    Node {
        _dir: dir,
        data_dir,
        status,
        actors,
        server,
    }
}

async fn start() -> Node {
    start_with(local_config()).await
}

/// One HTTP/1.1 GET with `Connection: close`; returns the status code and the body.
async fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();

    let (head, body) = response.split_once("\r\n\r\n").expect("a full response");
    let code = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("a status line");
    (code, body.to_owned())
}

fn finished(result: ResultKind, duration_us: u64, at_ms: u64) -> LastReload {
    LastReload {
        outcome: Outcome {
            result,
            revision: 12,
            offset: Some(12),
            changed_keys: vec!["network.max_peers".into()],
            impacted_actors: vec![],
            restarted_actors: vec![],
            reason: (result == ResultKind::Rejected).then(|| "validation failed".into()),
            confirm_deadline_ms: None,
            duration_us,
        },
        trigger: "sighup".into(),
        at_ms,
    }
}

/// Scrapes until a line of the metrics text equals `line`, or the deadline passes.
async fn wait_for_line(addr: SocketAddr, line: &str) -> String {
    let result = tokio::time::timeout(DEADLINE, async {
        loop {
            let (_, text) = get(addr, "/metrics").await;
            if text.lines().any(|l| l == line) {
                return text;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    result.unwrap_or_else(|_| panic!("`{line}` never appeared"))
}

#[tokio::test]
async fn metrics_report_reload_counts_by_result_and_the_revision_after_a_publish() {
    let node = start().await;
    let addr = node.server.local_addr();
    node.status.send_modify(|s| {
        s.revision = 12;
        s.counts.applied = 2;
        s.counts.unchanged = 1;
        s.counts.rejected = 3;
        s.counts.rolled_back = 4;
        s.last_success_ms = Some(1_700_000_000_500);
        s.failing = true;
        s.last = Some(finished(ResultKind::Rejected, 5_000, 1_700_000_001_000));
    });

    let (code, text) = get(addr, "/metrics").await;

    assert_eq!(code, 200);
    for line in [
        "alys_reloads_total{result=\"applied\"} 2",
        "alys_reloads_total{result=\"unchanged\"} 1",
        "alys_reloads_total{result=\"rejected\"} 3",
        "alys_reloads_total{result=\"rolled_back\"} 4",
        "alys_config_revision 12",
        "alys_last_reload_success 0",
        "alys_last_reload_success_timestamp_seconds 1700000000.5",
        "alys_reload_pending_confirmation 0",
        "alys_actor_up{actor=\"chain\"} 1",
        "alys_actor_recovering{actor=\"storage\"} 0",
        "alys_actor_restarts_total{actor=\"chain\"} 0",
        "alys_mailbox_depth{actor=\"chain\"} 0",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing `{line}` in:\n{text}"
        );
    }
}

#[tokio::test]
async fn metrics_use_the_configured_prefix_and_report_mailbox_figures() {
    let mut config = local_config();
    config.prometheus.prefix = "node_".into();
    let node = start_with(config).await;
    node.actors.lock().unwrap()[1].mailbox = MailboxMetrics {
        depth: 4,
        dead_letters: 9,
        dropped_oldest: 2,
        ..MailboxMetrics::default()
    };

    let (_, text) = get(node.server.local_addr(), "/metrics").await;

    for line in [
        "node_mailbox_depth{actor=\"chain\"} 4",
        "node_mailbox_dead_letters_total{actor=\"chain\"} 9",
        "node_mailbox_dropped_oldest_total{actor=\"chain\"} 2",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing `{line}` in:\n{text}"
        );
    }
    assert!(!text.contains("alys_"), "{text}");
}

#[tokio::test]
async fn duration_histogram_counts_each_finished_reload_once() {
    let node = start().await;
    let addr = node.server.local_addr();
    wait_for_line(addr, "alys_reload_duration_seconds_count 0").await;

    let first = finished(ResultKind::Applied, 250_000, 1);
    node.status.send_modify(|s| s.last = Some(first.clone()));
    wait_for_line(addr, "alys_reload_duration_seconds_count 1").await;

    // A republish that leaves `last` as it was (a reload starting) is not a finished reload.
    node.status.send_modify(|s| s.in_progress = true);
    node.status.send_modify(|s| {
        s.in_progress = false;
        s.last = Some(finished(ResultKind::Unchanged, 750_000, 2));
    });
    let text = wait_for_line(addr, "alys_reload_duration_seconds_count 2").await;

    assert!(
        text.lines()
            .any(|l| l == "alys_reload_duration_seconds_sum 1.0"),
        "{text}"
    );
    assert_eq!(node.server.reload_durations().count(), 2);
}

#[tokio::test]
async fn health_is_ok_when_every_actor_runs_and_no_reload_failed() {
    let node = start().await;

    let (code, body) = get(node.server.local_addr(), "/health").await;

    assert_eq!(code, 200, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["status"], "healthy");
    assert_eq!(json["actors"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn health_is_unavailable_after_a_rejected_reload() {
    let node = start().await;
    node.status.send_modify(|s| {
        s.failing = true;
        s.last = Some(finished(ResultKind::Rejected, 1_000, 1));
    });

    let (code, body) = get(node.server.local_addr(), "/health").await;

    assert_eq!(code, 503, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["status"], "unhealthy");
    assert_eq!(
        json["reasons"][0],
        "last reload failed: rejected (validation failed)"
    );
}

#[tokio::test]
async fn health_is_unavailable_while_an_actor_recovers_or_is_down() {
    let node = start().await;
    let addr = node.server.local_addr();

    node.actors.lock().unwrap()[1] = child("chain", true, true);
    let (code, body) = get(addr, "/health").await;
    assert_eq!(code, 503, "{body}");
    assert!(body.contains("actor chain is recovering"), "{body}");
    assert!(body.contains(r#""status":"degraded""#), "{body}");

    node.actors.lock().unwrap()[1] = child("chain", false, false);
    let (code, body) = get(addr, "/health").await;
    assert_eq!(code, 503, "{body}");
    assert!(body.contains("actor chain is not running"), "{body}");

    node.actors.lock().unwrap()[1] = child("chain", true, false);
    let (code, _) = get(addr, "/health").await;
    assert_eq!(code, 200);
}

#[tokio::test]
async fn unknown_paths_and_a_disabled_metrics_path_are_not_found() {
    let node = start().await;
    let (code, _) = get(node.server.local_addr(), "/nope").await;
    assert_eq!(code, 404);

    let mut config = local_config();
    config.prometheus.enabled = false;
    let disabled = start_with(config).await;
    let (code, _) = get(disabled.server.local_addr(), "/metrics").await;
    assert_eq!(code, 404);
    let (code, _) = get(disabled.server.local_addr(), "/health").await;
    assert_eq!(code, 200);
}

#[tokio::test]
async fn addr_file_holds_the_bound_address_until_the_server_stops() {
    let node = start().await;
    let file = node.data_dir.root().join(ADDR_FILE);
    let addr = node.server.local_addr();

    let written = std::fs::read_to_string(&file).unwrap();
    assert_eq!(written.trim_end().parse::<SocketAddr>().unwrap(), addr);
    assert_ne!(addr.port(), 0);

    node.server.stop().await;
    assert!(!file.exists());
    assert!(TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn a_taken_address_fails_naming_it() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let data_dir = DataDir::create(dir.path()).unwrap();
    let (_tx, rx) = watch::channel(ReloadStatus::default());
    let actors: ActorStatusFn = Arc::new(|| Box::pin(async { Vec::new() }));
    let config = MonitoringConfig {
        bind_addr: addr.clone(),
        ..MonitoringConfig::default()
    };

    let error = metrics::serve(&config, &data_dir, rx, actors)
        .await
        .unwrap_err();

    assert!(error.to_string().contains(&addr), "{error}");
    assert!(!dir.path().join(ADDR_FILE).exists());
}
