//! Supervision through the built binary with real signals: an actor whose strategy is `never`
//! dies and the node keeps serving with degraded health; an escalation stops the node with a
//! non-zero status naming the actor and its last error.

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use alys_tests::node::node_command;
use alys_tests::{bin, send_signal, wait_for};

fn start(data: &Path, sets: &[&str]) -> Child {
    let mut cmd = node_command();
    cmd.arg("run")
        .arg("--data-dir")
        .arg(data)
        .arg("--fault-injection");
    for set in sets {
        cmd.arg("--set").arg(set);
    }
    cmd.stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node starts")
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

fn exit_of(mut child: Child) -> (i32, String) {
    let status =
        wait_for(Duration::from_secs(30), || child.try_wait().unwrap()).expect("node exits");
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    (status.code().unwrap_or(-1), out)
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

    send_signal(node.id(), libc::SIGTERM);
    let (code, out) = exit_of(node);
    assert_eq!(code, 0, "{out}");
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
    let node = cmd
        .arg("run")
        .arg("--data-dir")
        .arg(&data)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_ready(&data);
    let answer = control(&data, "inject chain panic");
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .contains("--fault-injection"),
        "{answer}"
    );
    send_signal(node.id(), libc::SIGTERM);
    let mut node = node;
    let status = wait_for(Duration::from_secs(30), || node.try_wait().unwrap()).unwrap();
    assert!(status.success());
}
