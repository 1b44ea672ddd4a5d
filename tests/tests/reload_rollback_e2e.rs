//! Rollback and confirmed commits through `alys-node ctl` against the built binary: a rollback
//! to an offset brings back exactly the config recorded there, `--steps` counts revisions, an
//! unconfirmed revision rolls back at its deadline or when an actor it changed fails, and putting
//! the good file back clears a failed reload from the status.

use std::fs;
use std::path::Path;
use std::time::Duration;

use alys_tests::node::{config_at, metrics_get, node_command, payload, Node};
use alys_tests::wait_for;
use serde_json::Value;

fn config(retries: u32, extra: &str) -> String {
    format!(
        "[reload]\nwatch = \"manual\"\n\n[execution]\nmax_retries = {retries}\n\n\
         [actors.engine_actor.health_check]\ninterval = \"100ms\"\nfailure_threshold = 1\n\n{extra}"
    )
}

/// Runs `alys-node ctl --json ...` and returns its exit code and parsed reply.
fn ctl(data: &Path, args: &[&str]) -> (i32, Value) {
    let out: std::process::Output = node_command()
        .arg("ctl")
        .arg("--data-dir")
        .arg(data)
        .arg("--json")
        .args(args)
        .output()
        .expect("ctl runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let value = serde_json::from_str(&text).unwrap_or_else(|_| {
        Value::String(format!("{text}{}", String::from_utf8_lossy(&out.stderr)))
    });
    (out.status.code().unwrap_or(-1), value)
}

fn ctl_text(data: &Path, args: &[&str]) -> String {
    let out = node_command()
        .arg("ctl")
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .output()
        .expect("ctl runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn wait_admin(node: &Node) {
    let addr = node.data.join("admin.addr");
    if wait_for(Duration::from_secs(30), || addr.exists().then_some(())).is_none() {
        panic!("admin API not up:\n{}", node.output_text());
    }
}

/// Status, `/metrics` and `/health` all tell whether the last reload failed.
fn assert_failing(data: &Path, failing: bool) {
    let status = ctl(data, &["status"]).1;
    assert_eq!(status["failing"], failing, "{status}");
    assert_eq!(status["healthy"], !failing, "{status}");
    let (code, metrics) = metrics_get(data, "/metrics");
    assert_eq!(code, 200);
    let gauge = format!("alys_last_reload_success {}", u8::from(!failing));
    assert!(metrics.contains(&gauge), "{metrics}");
    let health = if failing { 503 } else { 200 };
    assert_eq!(metrics_get(data, "/health").0, health);
}

fn reload(data: &Path, file: &Path, content: &str) -> Value {
    fs::write(file, content).unwrap();
    let (code, outcome) = ctl(data, &["reload"]);
    assert_eq!(code, 0, "{outcome}");
    assert_eq!(outcome["result"], "applied", "{outcome}");
    outcome
}

#[test]
fn rollback_to_an_offset_restores_the_bytes_recorded_there_and_steps_count_revisions() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("alys.toml");
    let data = dir.path().join("data");
    fs::write(&file, config(1, "")).unwrap();
    let node = Node::start(&[&file], &data, &[]);
    wait_admin(&node);

    let first = reload(&data, &file, &config(2, ""))["revision"]
        .as_u64()
        .unwrap();
    reload(&data, &file, &config(3, "[logging]\nlevel = \"debug\"\n"));

    let (code, outcome) = ctl(&data, &["rollback", "--to", &first.to_string()]);
    assert_eq!(code, 0, "{outcome}");
    assert_eq!(outcome["result"], "applied");
    let rolled = outcome["revision"].as_u64().unwrap();
    assert_eq!(config_at(&data, rolled), config_at(&data, first));
    assert!(config_at(&data, rolled).contains("max_retries = 2"));
    let event = &node.events("rollback")[0];
    assert_eq!(payload(event, "Rollback")["target_offset"], first);

    // Revisions so far: start (1), 2, 3 with debug, the rollback (2). One back is 3 again;
    // from there three back is the revision that first set 2.
    let (code, outcome) = ctl(&data, &["rollback", "--steps", "1"]);
    assert_eq!(code, 0, "{outcome}");
    let back = outcome["revision"].as_u64().unwrap();
    assert!(config_at(&data, back).contains("max_retries = 3"));
    let (code, outcome) = ctl(&data, &["rollback", "--steps", "3"]);
    assert_eq!(code, 0, "{outcome}");
    let back = outcome["revision"].as_u64().unwrap();
    assert_eq!(config_at(&data, back), config_at(&data, first));
    let (code, reply) = ctl(&data, &["rollback", "--steps", "50"]);
    assert_eq!(code, 1, "{reply}");

    let history = ctl_text(&data, &["history", "--kind", "reload_applied"]);
    assert!(history.contains("execution.max_retries"), "{history}");
    assert!(history.contains("logging.level"), "{history}");

    let (code, reply) = ctl(&data, &["rollback", "--to", "999999"]);
    assert_eq!(code, 2, "past the newest event: {reply}");
    assert_eq!(node.stop(), 0);
}

#[test]
fn an_unconfirmed_revision_rolls_back_at_its_deadline_and_a_confirmed_one_stays() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("alys.toml");
    let data = dir.path().join("data");
    fs::write(&file, config(1, "")).unwrap();
    let node = Node::start(&[&file], &data, &[]);
    wait_admin(&node);
    let before = node.events("").last().unwrap()["offset"].as_u64().unwrap();

    fs::write(&file, config(2, "")).unwrap();
    let (code, outcome) = ctl(&data, &["reload", "--confirm-within", "1s"]);
    assert_eq!(code, 0, "{outcome}");
    assert!(outcome["confirm_deadline_ms"].as_u64().is_some());
    assert_eq!(
        ctl(&data, &["status"]).1["pending_confirmation"]["revision"],
        outcome["revision"]
    );

    let rollback = node.wait_events("rollback", 1);
    let event = payload(&rollback[0], "Rollback");
    assert_eq!(event["reason"], "confirmation expired");
    let head = rollback[0]["offset"].as_u64().unwrap();
    assert_eq!(config_at(&data, head), config_at(&data, before));
    assert_eq!(
        ctl(&data, &["status"]).1["pending_confirmation"],
        Value::Null
    );

    fs::write(&file, config(3, "")).unwrap();
    let (_, outcome) = ctl(&data, &["reload", "--confirm-within", "1s"]);
    let (code, confirmed) = ctl(&data, &["confirm"]);
    assert_eq!(code, 0, "{confirmed}");
    assert_eq!(confirmed, outcome["revision"]);
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(node.events("rollback").len(), 1);
    assert_eq!(node.events("confirmation").len(), 1);
    let (code, _) = ctl(&data, &["confirm"]);
    assert_eq!(code, 1, "nothing left to confirm");
}

#[test]
fn an_actor_failing_its_health_checks_inside_the_window_rolls_the_revision_back_and_reports_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("alys.toml");
    let data = dir.path().join("data");
    fs::write(&file, config(1, "")).unwrap();
    let node = Node::start(&[&file], &data, &[]);
    wait_admin(&node);

    fs::write(&file, config(2, "")).unwrap();
    let (code, outcome) = ctl(&data, &["reload", "--confirm-within", "5m"]);
    assert_eq!(code, 0, "{outcome}");
    assert_eq!(outcome["impacted_actors"], serde_json::json!(["engine"]));
    let answer = alys_node::control_socket::request(
        &data.join("control.sock"),
        "inject engine fail-health 1",
    )
    .unwrap();
    assert!(answer.contains("true"), "{answer}");

    let rollback = node.wait_events("rollback", 1);
    let reason = payload(&rollback[0], "Rollback")["reason"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(reason, "health check failed: engine");
    let head = rollback[0]["offset"].as_u64().unwrap();
    assert!(config_at(&data, head).contains("max_retries = 1"));

    // Reported as a rolled-back reload, not an applied one, until a reload succeeds.
    let status = wait_last_trigger(&data, "health-check-failed");
    assert_eq!(
        status["last_reload"]["outcome"]["reason"],
        "health check failed: engine"
    );
    assert_reported_as_rolled_back(&data, &status);
    // The actor restarted after its failed check; wait until it is healthy again.
    wait_for(Duration::from_secs(30), || {
        let status = ctl(&data, &["status"]).1;
        let actors = status["actors"].as_array()?.clone();
        actors
            .iter()
            .all(|a| a["running"] == true && a["recovering"] == false)
            .then_some(())
    })
    .expect("actors recovered");
    reload(&data, &file, &config(3, ""));
    assert_failing(&data, false);
}

#[test]
fn putting_the_good_file_back_clears_a_failed_reload_from_status_metrics_and_health() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("alys.toml");
    let data = dir.path().join("data");
    let good = config(1, "");
    fs::write(&file, &good).unwrap();
    let node = Node::start(&[&file], &data, &[]);
    wait_admin(&node);

    fs::write(&file, config(1, "[logging]\nlevel = \"loud\"\n")).unwrap();
    let (code, outcome) = ctl(&data, &["reload"]);
    assert_eq!(code, 1, "{outcome}");
    assert_eq!(outcome["result"], "rejected");
    assert_failing(&data, true);
    assert!(metrics_get(&data, "/metrics")
        .1
        .contains("alys_reloads_total{result=\"rejected\"} 1"));

    fs::write(&file, &good).unwrap();
    let (code, outcome) = ctl(&data, &["reload"]);
    assert_eq!(code, 0, "{outcome}");
    assert_eq!(outcome["result"], "unchanged");
    assert_failing(&data, false);
}

#[test]
fn ctl_without_a_running_node_says_where_it_looked() {
    let dir = tempfile::tempdir().unwrap();
    let out = node_command()
        .arg("ctl")
        .arg("--data-dir")
        .arg(dir.path())
        .arg("status")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("admin.addr"), "{stderr}");
}

/// Polls `ctl status` until the last reload was triggered by `trigger`, and returns the status.
fn wait_last_trigger(data: &Path, trigger: &str) -> Value {
    wait_for(Duration::from_secs(30), || {
        let status = ctl(data, &["status"]).1;
        (status["last_reload"]["trigger"] == trigger).then_some(status)
    })
    .unwrap_or_else(|| panic!("no reload by {trigger}: {}", ctl(data, &["status"]).1))
}

/// An automatic rollback is a failed reload in status, `/metrics` and `/health`, the same as a
/// rollback after an actor did not acknowledge.
fn assert_reported_as_rolled_back(data: &Path, status: &Value) {
    assert_eq!(
        status["last_reload"]["outcome"]["result"], "rolled_back",
        "{status}"
    );
    assert_eq!(status["counts"]["rolled_back"], 1, "{status}");
    assert_failing(data, true);
    let metrics = metrics_get(data, "/metrics").1;
    assert!(
        metrics.contains("alys_reloads_total{result=\"rolled_back\"} 1"),
        "{metrics}"
    );
    let text = ctl_text(data, &["status"]);
    assert!(text.contains("last reload: rolled_back by "), "{text}");
}

#[test]
fn an_expired_confirmation_reports_a_rollback_until_the_files_are_put_back() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("alys.toml");
    let data = dir.path().join("data");
    let good = config(1, "");
    fs::write(&file, &good).unwrap();
    let node = Node::start(&[&file], &data, &[]);
    wait_admin(&node);

    fs::write(&file, config(2, "")).unwrap();
    let (code, outcome) = ctl(&data, &["reload", "--confirm-within", "1s"]);
    assert_eq!(code, 0, "{outcome}");
    let status = wait_last_trigger(&data, "confirmation-expired");
    assert_eq!(
        status["last_reload"]["outcome"]["reason"],
        "confirmation expired"
    );
    assert_reported_as_rolled_back(&data, &status);

    fs::write(&file, &good).unwrap();
    let (code, outcome) = ctl(&data, &["reload"]);
    assert_eq!(code, 0, "{outcome}");
    assert_eq!(outcome["result"], "unchanged");
    assert_failing(&data, false);
}

/// Regression: the read that catches a save made while the node started was reported as an
/// `unchanged` reload by file-watch that nobody had asked for.
#[test]
fn starting_a_watching_node_reports_no_reload_until_a_file_changes() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("alys.toml");
    let data = dir.path().join("data");
    let watching = |retries| config(retries, "").replace("\"manual\"", "\"immediate\"");
    fs::write(&file, watching(1)).unwrap();
    let node = Node::start(&[&file], &data, &[]);
    wait_admin(&node);
    // For a second after the start, status shows no reload at all.
    let until = std::time::Instant::now() + Duration::from_secs(1);
    while std::time::Instant::now() < until {
        let (_, status) = ctl(&data, &["status"]);
        assert!(status["last_reload"].is_null(), "{status}");
        assert_eq!(status["counts"]["unchanged"], 0, "{status}");
    }

    let tmp = dir.path().join("alys.toml.new");
    fs::write(&tmp, watching(2)).unwrap();
    fs::rename(&tmp, &file).unwrap();
    node.wait_events("reload_applied", 1);

    let (code, status) = ctl(&data, &["status"]);
    assert_eq!(code, 0, "{status}");
    assert_eq!(status["counts"]["applied"], 1, "{status}");
    assert_eq!(status["counts"]["unchanged"], 0, "{status}");
    let (_, metrics) = alys_tests::node::metrics_get(&data, "/metrics");
    assert!(
        !metrics
            .lines()
            .any(|l| l.contains("result=\"unchanged\"") && !l.ends_with(" 0")),
        "{metrics}"
    );
}

#[test]
fn rollback_to_an_offset_past_the_newest_event_exits_2_naming_the_head() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("alys.toml");
    let data = dir.path().join("data");
    fs::write(&file, config(1, "")).unwrap();
    let node = Node::start(&[&file], &data, &[]);
    wait_admin(&node);

    let (code, reply) = ctl(&data, &["rollback", "--to", "99999"]);
    assert_eq!(code, 2, "{reply}");
    let text = reply.to_string();
    assert!(
        text.contains("offset 99999 is past the newest event"),
        "{text}"
    );
    assert!(node.events("rollback").is_empty());
}
