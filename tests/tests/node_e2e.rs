//! The built binaries end to end: `alys-node run` on real config files, `alys-log` reading the
//! log while the node runs, SIGTERM, then `verify` and `inspect` on the stopped node's log.

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use alys_tests::node::node_command;
use alys_tests::{bin, fixture, send_signal, wait_for};

const JWT: &str = "jwt-secret-value-7f3a";
const REFRESH: &str = "refresh-secret-value-91cc";

fn start_node(data_dir: &Path, extra: &[&str]) -> Child {
    let mut cmd = node_command();
    cmd.arg("run").arg("--data-dir").arg(data_dir).args(extra);
    cmd.env("GOVERNANCE_JWT_TOKEN", JWT)
        .env("GOVERNANCE_REFRESH_TOKEN", REFRESH)
        .env("ALYS_NODE_ID", "node-1")
        .env("ALYS_NETWORK__MAX_PEERS", "17")
        .env("RUST_LOG", "debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd.spawn().expect("alys-node starts")
}

fn alys_log(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(bin("alys-log"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .output()
        .unwrap()
}

fn json_lines(output: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect()
}

fn stop(mut child: Child) -> (i32, String) {
    send_signal(child.id(), libc::SIGTERM);
    let output = wait_for(Duration::from_secs(30), || child.try_wait().unwrap())
        .expect("node exits within 30 s of SIGTERM");
    let mut stderr = String::new();
    use std::io::Read;
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (output.code().unwrap_or(-1), stderr)
}

#[test]
fn run_sigterm_then_verify_and_inspect_show_the_whole_config_history() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let governance = fixture("upstream/governance-stream.toml");
    let node = start_node(
        &data,
        &[
            "--config",
            governance.to_str().unwrap(),
            "--environment",
            "development",
            "--set",
            "logging.level=debug",
        ],
    );
    let socket = data.join("eventlog.sock");
    wait_for(Duration::from_secs(60), || socket.exists().then_some(()))
        .expect("node serves its log socket");

    // alys-log reads the log through the node while sled is locked by it.
    let live = alys_log(&data, &["inspect", "--json"]);
    assert!(
        live.status.success(),
        "{}",
        String::from_utf8_lossy(&live.stderr)
    );
    let live_events = json_lines(&live);
    assert!(live_events
        .iter()
        .any(|e| e["kind"] == "validation_reported"));

    let (code, stderr) = stop(node);
    assert_eq!(code, 0, "node exit status; stderr:\n{stderr}");
    for secret in [JWT, REFRESH] {
        assert!(
            !stderr.contains(secret),
            "the node's own log leaked a secret"
        );
    }

    let verify = alys_log(&data, &["verify"]);
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );

    let inspect = alys_log(&data, &["inspect", "--json"]);
    assert!(inspect.status.success());
    let raw = String::from_utf8_lossy(&inspect.stdout).into_owned();
    for secret in [JWT, REFRESH] {
        assert!(
            !raw.contains(secret),
            "the event log holds a secret in clear"
        );
    }
    let events = json_lines(&inspect);
    let kinds: Vec<&str> = events.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds[0], "config_loaded");
    assert!(kinds.contains(&"override_applied"));
    assert!(kinds.contains(&"validation_reported"));
    let offsets: Vec<u64> = events
        .iter()
        .map(|e| e["offset"].as_u64().unwrap())
        .collect();
    assert_eq!(
        offsets,
        (0..events.len() as u64).collect::<Vec<_>>(),
        "offsets are dense"
    );
    for e in &events {
        assert!(e["timestamp"].is_string() && e.get("payload").is_some());
    }

    // Every override is recorded with its layer and source.
    let overrides: Vec<&serde_json::Value> = events
        .iter()
        .filter(|e| e["kind"] == "override_applied")
        .collect();
    let described = serde_json::to_string(&overrides).unwrap();
    assert!(described.contains("ALYS_NETWORK__MAX_PEERS"), "{described}");
    assert!(described.contains("logging.level"), "{described}");
    assert!(
        described.contains("--data-dir") && described.contains("system.data_dir"),
        "{described}"
    );

    // Actor lifecycle: storage and chain started, then stopped in reverse order.
    let actors = alys_log(&data, &["inspect", "--kind", "actor"]);
    let table = String::from_utf8_lossy(&actors.stdout);
    let lines: Vec<&str> = table.lines().collect();
    let position = |needle: &str| lines.iter().position(|l| l.contains(needle));
    let chain_stop = position("chain stopped").expect("chain stop recorded");
    let storage_stop = position("storage stopped").expect("storage stop recorded");
    assert!(chain_stop < storage_stop, "{table}");

    // `show` prints one event in full.
    let shown = alys_log(&data, &["show", "0"]);
    let first: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(first["kind"], "config_loaded");
    assert_eq!(first["offset"], 0);
    assert_eq!(first["prev_hash"], "0".repeat(64));

    // The active config at the verdict's offset is the effective config, with the override.
    let verdict = events
        .iter()
        .find(|e| e["kind"] == "validation_reported")
        .unwrap();
    let offset = verdict["offset"].as_u64().unwrap().to_string();
    let config = alys_log(&data, &["config-at", &offset]);
    let text = String::from_utf8_lossy(&config.stdout);
    assert!(text.contains("max_peers = 17"), "{text}");
    assert!(
        text.contains("dev-local"),
        "development section applied: {text}"
    );
    assert!(!text.contains(JWT));

    // Offsets past the head and kinds that do not exist are errors, not empty answers.
    let past = alys_log(&data, &["config-at", "99999"]);
    assert_eq!(past.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&past.stderr).contains("past the newest event"));
    let unknown = alys_log(&data, &["inspect", "--kind", "nope"]);
    assert_eq!(unknown.status.code(), Some(2));
}

#[test]
fn a_second_node_on_the_same_data_dir_is_refused_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let first = start_node(&data, &[]);
    wait_for(Duration::from_secs(60), || {
        data.join("eventlog.sock").exists().then_some(())
    })
    .expect("first node up");
    let second = node_command()
        .arg("run")
        .arg("--data-dir")
        .arg(&data)
        .output()
        .unwrap();
    assert!(!second.status.success());
    let message = String::from_utf8_lossy(&second.stderr);
    assert!(message.contains("lock"), "{message}");
    let (code, _) = stop(first);
    assert_eq!(code, 0);
    assert!(alys_log(&data, &["verify"]).status.success());
}

#[test]
fn tampering_with_one_stored_byte_is_named_by_offset() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let node = start_node(&data, &[]);
    wait_for(Duration::from_secs(60), || {
        data.join("eventlog.sock").exists().then_some(())
    })
    .expect("node up");
    let (code, _) = stop(node);
    assert_eq!(code, 0);

    {
        let db = sled::open(data.join("eventlog")).unwrap();
        let tree = db.open_tree("events").unwrap();
        let key = 1u64.to_be_bytes();
        let mut value = tree.get(key).unwrap().expect("offset 1 stored").to_vec();
        let last = value.len() - 70;
        value[last] ^= 0x01;
        tree.insert(key, value).unwrap();
        db.flush().unwrap();
    }
    let verify = alys_log(&data, &["verify"]);
    assert_eq!(verify.status.code(), Some(1));
    let said = String::from_utf8_lossy(&verify.stdout);
    assert!(said.contains("offset 1"), "{said}");

    {
        let db = sled::open(data.join("eventlog")).unwrap();
        let tree = db.open_tree("events").unwrap();
        tree.remove(1u64.to_be_bytes()).unwrap();
        db.flush().unwrap();
    }
    let verify = alys_log(&data, &["verify"]);
    assert_eq!(verify.status.code(), Some(1));
    let said = String::from_utf8_lossy(&verify.stdout);
    assert!(
        said.contains("1") && said.to_lowercase().contains("gap") || said.contains("missing"),
        "{said}"
    );
}

/// Regression: the socket servers woke their accept loops by connecting to their own socket
/// files, so with the data directory removed under a running node SIGTERM never finished.
#[test]
fn sigterm_still_stops_a_node_whose_data_directory_was_removed() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut cmd = node_command();
    let mut node = cmd
        .arg("run")
        .arg("--data-dir")
        .arg(&data)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for(Duration::from_secs(60), || {
        std::os::unix::net::UnixStream::connect(data.join("control.sock"))
            .ok()
            .map(|_| ())
    })
    .expect("node serves its control socket");
    // Moved away in one step (removing it races the node's own writes into it): the socket
    // files are no longer where the node made them.
    std::fs::rename(&data, dir.path().join("moved")).unwrap();

    send_signal(node.id(), libc::SIGTERM);
    let status = wait_for(Duration::from_secs(30), || node.try_wait().unwrap());
    if status.is_none() {
        let _ = node.kill();
    }
    assert!(status.is_some(), "node still running 30 s after SIGTERM");
}

#[test]
fn a_taken_metrics_port_exits_78_naming_the_key_and_the_actors_are_recorded_stopped() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = node_command()
        .env("ALYS_MONITORING__BIND_ADDR", &addr)
        .arg("run")
        .arg("--data-dir")
        .arg(&data)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(78), "{text}");
    assert!(
        text.contains(&addr) && text.contains("monitoring.bind_addr"),
        "{text}"
    );

    let lifecycle = json_lines(&alys_log(&data, &["inspect", "--kind", "actor", "--json"]));
    let count = |change: &str| {
        lifecycle
            .iter()
            .filter(|e| {
                e["payload"]["ActorLifecycle"]["change"]
                    .to_string()
                    .contains(change)
            })
            .count()
    };
    assert_eq!(count("Started"), 5, "{lifecycle:?}");
    assert_eq!(
        count("Stopped"),
        5,
        "every started actor is recorded stopped: {lifecycle:?}"
    );
    drop(taken);
}
