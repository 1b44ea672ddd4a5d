//! Supervision through the built binary with real signals: an actor whose strategy is `never`
//! dies and the node keeps serving with degraded health; an escalation stops the node with a
//! non-zero status naming the actor and its last error.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use alys_tests::node::node_command;
use alys_tests::{bin, send_signal, wait_for, KillOnDrop};

fn start(data: &Path, sets: &[&str]) -> KillOnDrop {
    let mut cmd = node_command();
    cmd.arg("run")
        .arg("--data-dir")
        .arg(data)
        .arg("--fault-injection");
    for set in sets {
        cmd.arg("--set").arg(set);
    }
    KillOnDrop::new(
        cmd.stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("node starts"),
    )
}

fn control(data: &Path, line: &str) -> serde_json::Value {
    let answer = alys_node::control_socket::request(&data.join("control.sock"), line).unwrap();
    serde_json::from_str(&answer).unwrap_or_else(|e| panic!("{answer}: {e}"))
}

fn wait_ready(data: &Path) {
    wait_for(Duration::from_secs(60), || {
        data.join("control.sock").exists().then_some(())
    })
    .expect("node serves its control socket");
}

fn exit_of(mut node: KillOnDrop) -> (i32, String) {
    let child = node.child();
    let status =
        wait_for(Duration::from_secs(30), || child.try_wait().unwrap()).expect("node exits");
    let mut out = String::new();
    if let Some(mut stdout) = child.stdout.take() {
        stdout.read_to_string(&mut out).unwrap();
    }
    if let Some(mut stderr) = child.stderr.take() {
        stderr.read_to_string(&mut out).unwrap();
    }
    (status.code().unwrap_or(-1), out)
}

/// SIGTERM, and the node exits 0.
fn stop_cleanly(node: KillOnDrop) {
    send_signal(node.id(), libc::SIGTERM);
    let (code, out) = exit_of(node);
    assert_eq!(code, 0, "{out}");
}

fn lifecycle(data: &Path) -> String {
    let out = Command::new(bin("alys-log"))
        .arg("--data-dir")
        .arg(data)
        .args(["inspect", "--kind", "actor"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_never_actor_that_dies_leaves_the_node_serving_with_degraded_health() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let node = start(
        &data,
        &["actors.bridge_actor.restart_strategy={type=\"never\"}"],
    );
    wait_ready(&data);
    assert_eq!(control(&data, "status")["health"], "healthy");

    assert_eq!(control(&data, "inject bridge panic")["ok"], true);
    let status = wait_for(Duration::from_secs(30), || {
        let s = control(&data, "status");
        (s["health"] == "degraded").then_some(s)
    })
    .expect("health turns degraded");
    let actors = status["actors"].as_array().unwrap();
    for a in actors {
        assert_eq!(a["running"], a["name"] != "bridge", "{status}");
        assert!(
            a["mailbox"]["depth"].is_u64(),
            "mailbox counters per actor: {status}"
        );
    }
    let history = lifecycle(&data);
    assert!(
        history.contains("bridge failed: injected panic"),
        "{history}"
    );

    stop_cleanly(node);
    let verify = Command::new(bin("alys-log"))
        .arg("--data-dir")
        .arg(&data)
        .arg("verify")
        .output()
        .unwrap();
    assert!(verify.status.success());
}

#[test]
fn escalation_stops_the_node_with_status_1_naming_the_actor_and_error() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let node = start(&data, &["actors.chain_actor.restart_strategy={type=\"one_for_one\", max_retries=1, within_time=\"1h\"}"]);
    wait_ready(&data);
    control(&data, "inject chain panic");
    wait_for(Duration::from_secs(30), || {
        lifecycle(&data).contains("chain restarted").then_some(())
    })
    .expect("first failure restarts chain");
    control(&data, "inject chain error");
    let (code, out) = exit_of(node);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("actor `chain` escalated"), "{out}");
    assert!(out.contains("injected error"), "{out}");
    let history = lifecycle(&data);
    assert!(history.contains("chain escalated"), "{history}");
    let stopped: Vec<&str> = history
        .lines()
        .filter(|l| l.contains(" stopped "))
        .collect();
    assert!(
        stopped.last().is_some_and(|l| l.contains("storage")),
        "storage stops last: {history}"
    );
}

#[test]
fn injection_is_refused_unless_the_node_was_started_for_drills() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut cmd = node_command();
    let node = KillOnDrop::new(
        cmd.arg("run")
            .arg("--data-dir")
            .arg(&data)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_ready(&data);
    let answer = control(&data, "inject chain panic");
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .contains("--fault-injection"),
        "{answer}"
    );
    stop_cleanly(node);
}

#[test]
fn a_restart_that_cannot_start_the_actor_counts_as_a_failure_and_escalates() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let spec = dir.path().join("chain.json");
    std::fs::copy(alys_tests::fixture("upstream/chain-dev.json"), &spec).unwrap();
    let node = start(
        &data,
        &[
            &format!("chain.spec_file={}", spec.display()),
            "actors.chain_actor.restart_strategy={type=\"one_for_one\", max_retries=2, within_time=\"1h\"}",
        ],
    );
    wait_ready(&data);
    // The actor reads its spec when it starts: without the file, every restart fails.
    std::fs::remove_file(&spec).unwrap();
    assert_eq!(control(&data, "inject chain panic")["ok"], true);

    let (code, out) = exit_of(node);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("actor `chain` escalated"), "{out}");
    assert!(out.contains("restart failed"), "{out}");
    let history = lifecycle(&data);
    let failures = history
        .lines()
        .filter(|l| l.contains("chain failed: restart failed"))
        .count();
    assert_eq!(failures, 2, "one failure per restart attempt: {history}");
    assert!(history.contains("chain escalated"), "{history}");
}

#[test]
fn one_for_all_leaves_a_sibling_that_its_own_strategy_keeps_down() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let node = start(
        &data,
        &[
            "actors.bridge_actor.restart_strategy={type=\"never\"}",
            "actors.engine_actor.restart_strategy={type=\"one_for_all\", max_retries=3, within_time=\"1h\"}",
        ],
    );
    wait_ready(&data);
    control(&data, "inject bridge panic");
    wait_for(Duration::from_secs(30), || {
        lifecycle(&data)
            .contains("bridge failed: injected panic")
            .then_some(())
    })
    .expect("bridge fails");
    control(&data, "inject engine panic");
    wait_for(Duration::from_secs(30), || {
        lifecycle(&data).contains("engine restarted").then_some(())
    })
    .expect("engine restarts");

    let status = control(&data, "status");
    for actor in status["actors"].as_array().unwrap() {
        assert_eq!(actor["running"], actor["name"] != "bridge", "{status}");
    }
    let history = lifecycle(&data);
    assert!(!history.contains("bridge restarted"), "{history}");
    assert!(
        history.contains("storage restarted (one_for_all"),
        "siblings restart under the failed actor's strategy: {history}"
    );
    stop_cleanly(node);
}

#[test]
fn injecting_into_an_unknown_or_stopped_actor_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let node = start(
        &data,
        &["actors.bridge_actor.restart_strategy={type=\"never\"}"],
    );
    wait_ready(&data);
    let unknown = control(&data, "inject brige panic");
    let error = unknown["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("no actor `brige`") && error.contains("bridge"),
        "{unknown}"
    );

    control(&data, "inject bridge panic");
    wait_for(Duration::from_secs(30), || {
        (control(&data, "status")["health"] == "degraded").then_some(())
    })
    .expect("bridge goes down");
    let stopped = control(&data, "inject bridge error");
    assert!(
        stopped["error"]
            .as_str()
            .unwrap_or_default()
            .contains("not running"),
        "{stopped}"
    );
    stop_cleanly(node);
}

/// `status` asks each actor through its own mailbox what it has done; the answer counts that
/// question too. (actor, messages handled) for every actor that answered.
fn handled(data: &Path) -> Vec<(String, u64)> {
    let status = control(data, "status");
    status["actors"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| {
            let n = a["work"]["messages_handled"].as_u64()?;
            Some((a["name"].as_str().unwrap().to_owned(), n))
        })
        .collect()
}

#[test]
fn an_actor_keeps_its_work_across_a_crash_per_its_state_preservation() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let node = start(
        &data,
        &[
            "actors.engine_actor.state_preservation=full_serialization",
            "actors.bridge_actor.state_preservation=none",
        ],
    );
    wait_ready(&data);
    let names: Vec<String> = handled(&data).into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        ["chain", "engine", "bridge", "stream"],
        "storage has no probe"
    );
    for _ in 0..3 {
        handled(&data);
    }
    let before: std::collections::BTreeMap<String, u64> = handled(&data).into_iter().collect();
    assert_eq!(before["engine"], 5, "{before:?}");
    assert_eq!(before["bridge"], 5, "{before:?}");

    for actor in ["engine", "bridge"] {
        assert_eq!(control(&data, &format!("inject {actor} panic"))["ok"], true);
        wait_for(Duration::from_secs(30), || {
            lifecycle(&data)
                .contains(&format!("{actor} restarted"))
                .then_some(())
        })
        .expect("restarts");
    }
    // engine's count (5 questions) came back from its snapshots, plus this one; bridge starts
    // from nothing.
    let after: std::collections::BTreeMap<String, u64> = handled(&data).into_iter().collect();
    assert_eq!(after["engine"], 6, "{after:?}");
    assert_eq!(after["bridge"], 1, "{after:?}");
    let snapshots = Command::new(bin("alys-log"))
        .arg("--data-dir")
        .arg(&data)
        .args(["inspect", "--kind", "actor_snapshot"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&snapshots.stdout);
    assert!(text.contains("engine"), "{text}");
    assert!(!text.contains("bridge"), "{text}");

    stop_cleanly(node);
}
