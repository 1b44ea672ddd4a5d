//! The reload pipeline through the built binary: live and restart changes reach only the actors
//! they concern, a config that fails validation or needs a node restart never reaches an actor,
//! an actor that does not acknowledge rolls the whole reload back, and two reloads never
//! interleave.

use std::fs;
use std::path::Path;
use std::time::Duration;

use alys_tests::node::{config_at, payload, Node};
use alys_tests::send_signal;

fn base(extra: &str) -> String {
    format!(
        "[reload]\nwatch = \"manual\"\n\n[actors.timeouts]\nconfig_reload = \"300ms\"\n\n{extra}"
    )
}

fn control(data: &Path, line: &str) -> serde_json::Value {
    let answer = alys_node::control_socket::request(&data.join("control.sock"), line).unwrap();
    serde_json::from_str(&answer).unwrap_or_else(|e| panic!("{answer}: {e}"))
}

fn reload(node: &Node) {
    send_signal(node.pid(), libc::SIGHUP);
}

/// The kinds of the reload events in order, with the names shortened.
fn reload_kinds(node: &Node) -> Vec<String> {
    node.events("reload_")
        .iter()
        .map(|e| {
            e["kind"]
                .as_str()
                .unwrap()
                .trim_start_matches("reload_")
                .to_owned()
        })
        .collect()
}

#[test]
fn live_change_reaches_engine_without_a_restart_and_restart_change_restarts_only_engine() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("alys.toml");
    fs::write(&file, base("[execution]\nmax_retries = 3\n")).unwrap();
    let node = Node::start(&[&file], &dir.path().join("data"), &[]);
    // The root records the five starts as the node comes up; count from when all are in.
    let started_before = node.wait_events("actor_lifecycle", 5).len();

    fs::write(&file, base("[execution]\nmax_retries = 4\n")).unwrap();
    reload(&node);
    let applied = node.wait_events("reload_applied", 1);
    let first = payload(&applied[0], "ReloadApplied");
    assert_eq!(first["impacted_actors"], serde_json::json!(["engine"]));
    assert_eq!(first["restarted_actors"], serde_json::json!([]));
    assert_eq!(node.events("actor_lifecycle").len(), started_before);

    fs::write(
        &file,
        base("[execution]\nmax_retries = 4\nendpoint = \"http://127.0.0.1:18545\"\n"),
    )
    .unwrap();
    reload(&node);
    let applied = node.wait_events("reload_applied", 2);
    let second = payload(&applied[1], "ReloadApplied");
    assert_eq!(second["restarted_actors"], serde_json::json!(["engine"]));
    let lifecycle: Vec<String> = node.events("actor_lifecycle")[started_before..]
        .iter()
        .map(|e| {
            let l = payload(e, "ActorLifecycle");
            format!("{} {}", l["actor"].as_str().unwrap(), l["change"])
        })
        .collect();
    assert_eq!(lifecycle, ["engine \"Stopped\"", "engine \"Started\""]);
    assert_eq!(node.stop(), 0);
}

#[test]
fn invalid_config_is_rejected_naming_the_key_and_never_reaches_an_actor() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("alys.toml");
    fs::write(&file, base("[execution]\nmax_retries = 3\n")).unwrap();
    let node = Node::start(&[&file], &dir.path().join("data"), &[]);
    let head_before = node.events("").last().unwrap()["offset"].as_u64().unwrap();

    fs::write(
        &file,
        base("[execution]\nmax_retries = 4\n\n[logging]\nlevel = \"loud\"\n"),
    )
    .unwrap();
    reload(&node);
    let (rejected_at, reason) = node.first_rejection();
    assert!(reason.contains("logging.level"), "{reason}");
    assert!(node.events("actor_snapshot").is_empty());
    let head = rejected_at;
    assert_eq!(
        config_at(&node.data, head),
        config_at(&node.data, head_before)
    );
}

#[test]
fn a_key_read_only_at_start_is_refused_with_the_key_named() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("alys.toml");
    fs::write(&file, base("")).unwrap();
    let node = Node::start(&[&file], &dir.path().join("data"), &[]);

    fs::write(&file, base("[actors.runtime]\nworker_threads = 3\n")).unwrap();
    reload(&node);
    let (_, reason) = node.first_rejection();
    assert!(
        reason.contains("actors.runtime.worker_threads") && reason.contains("restart the node"),
        "{reason}"
    );
}

#[test]
fn an_actor_that_never_acknowledges_rolls_the_reload_back_after_the_retries() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("alys.toml");
    fs::write(
        &file,
        base("[execution]\nmax_retries = 3\n\n[bridge]\nmin_confirmations_pegin = 6\n"),
    )
    .unwrap();
    let node = Node::start(&[&file], &dir.path().join("data"), &[]);
    let head_before = node.events("").last().unwrap()["offset"].as_u64().unwrap();
    assert_eq!(
        control(&node.data, "inject engine ignore-reload 5")["ok"],
        true
    );

    fs::write(
        &file,
        base("[execution]\nmax_retries = 4\n\n[bridge]\nmin_confirmations_pegin = 7\n"),
    )
    .unwrap();
    reload(&node);
    let (rejected_at, reason) = node.first_rejection();
    assert!(
        reason.contains("engine did not acknowledge within 300ms (2 attempts)"),
        "{reason}"
    );
    assert!(node.events("reload_applied").is_empty());
    let head = rejected_at;
    assert_eq!(
        config_at(&node.data, head),
        config_at(&node.data, head_before)
    );
}

#[test]
fn one_missed_acknowledgement_is_retried_and_the_reload_applies() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("alys.toml");
    fs::write(&file, base("[execution]\nmax_retries = 3\n")).unwrap();
    let node = Node::start(&[&file], &dir.path().join("data"), &[]);
    assert_eq!(
        control(&node.data, "inject engine ignore-reload 1")["ok"],
        true
    );

    fs::write(&file, base("[execution]\nmax_retries = 4\n")).unwrap();
    reload(&node);
    node.wait_events("reload_applied", 1);
    assert!(node.events("reload_rejected").is_empty());
}

#[test]
fn a_refused_section_rolls_the_reload_back_and_the_same_content_applies_later() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("alys.toml");
    fs::write(
        &file,
        base("[execution]\nmax_retries = 3\n\n[bridge]\nmin_confirmations_pegin = 6\n"),
    )
    .unwrap();
    let node = Node::start(&[&file], &dir.path().join("data"), &[]);
    assert_eq!(
        control(&node.data, "inject bridge reject-reload 1")["ok"],
        true
    );

    fs::write(
        &file,
        base("[execution]\nmax_retries = 4\n\n[bridge]\nmin_confirmations_pegin = 7\n"),
    )
    .unwrap();
    reload(&node);
    let (_, reason) = node.first_rejection();
    assert!(
        reason.contains("bridge refused the new section"),
        "{reason}"
    );

    // The running config is still the old one, so the same files are a change again.
    reload(&node);
    let applied = node.wait_events("reload_applied", 1);
    let changed: Vec<&str> = payload(&applied[0], "ReloadApplied")["diff"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        changed,
        ["bridge.min_confirmations_pegin", "execution.max_retries"]
    );
}

#[test]
fn reloads_asked_for_while_one_runs_wait_their_turn() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("alys.toml");
    fs::write(&file, base("[execution]\nmax_retries = 3\n")).unwrap();
    let node = Node::start(&[&file], &dir.path().join("data"), &[]);
    // The first reload waits out one missed acknowledgement (300 ms) while the others arrive.
    assert_eq!(
        control(&node.data, "inject engine ignore-reload 1")["ok"],
        true
    );

    fs::write(&file, base("[execution]\nmax_retries = 4\n")).unwrap();
    reload(&node);
    std::thread::sleep(Duration::from_millis(50));
    fs::write(&file, base("[execution]\nmax_retries = 5\n")).unwrap();
    reload(&node);
    reload(&node);
    node.wait_events("reload_applied", 2);
    std::thread::sleep(Duration::from_millis(500));

    let kinds = reload_kinds(&node);
    for pair in kinds.chunks(2) {
        assert_eq!(pair[0], "requested", "{kinds:?}");
        assert!(pair.len() == 2 && pair[1] != "requested", "{kinds:?}");
    }
    let head = node.events("reload_applied").last().unwrap()["offset"]
        .as_u64()
        .unwrap();
    assert!(config_at(&node.data, head).contains("max_retries = 5"));
}
