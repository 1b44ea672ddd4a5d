//! `alys-log diff` and `alys-log audit` over a data dir that two node runs with different
//! configurations wrote, as an operator would use them after the fact.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use alys_tests::node::{node_command, Node};
use alys_tests::{bin, send_signal, wait_for};

fn run_once(data: &Path, sets: &[&str], env: &[(&str, &str)]) {
    let mut cmd = node_command();
    cmd.arg("run")
        .arg("--data-dir")
        .arg(data)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for set in sets {
        cmd.arg("--set").arg(set);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut node = cmd.spawn().unwrap();
    wait_for(Duration::from_secs(60), || {
        data.join("control.sock").exists().then_some(())
    })
    .expect("node up");
    send_signal(node.id(), libc::SIGTERM);
    let status =
        wait_for(Duration::from_secs(30), || node.try_wait().unwrap()).expect("node exits");
    assert!(status.success());
}

fn alys_log(data: &Path, args: &[&str]) -> String {
    let out = Command::new(bin("alys-log"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn revisions(data: &Path) -> Vec<u64> {
    alys_log(
        data,
        &["inspect", "--kind", "validation_reported", "--json"],
    )
    .lines()
    .map(|l| {
        serde_json::from_str::<serde_json::Value>(l).unwrap()["offset"]
            .as_u64()
            .unwrap()
    })
    .collect()
}

#[test]
fn diff_and_audit_name_the_changed_key_its_values_and_who_set_them() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    run_once(
        &data,
        &["network.max_peers=10"],
        &[("BITCOIN_RPC_PASS", "first-pass")],
    );
    run_once(
        &data,
        &["network.max_peers=20"],
        &[
            ("BITCOIN_RPC_PASS", "second-pass"),
            ("ALYS_LOGGING__LEVEL", "debug"),
        ],
    );
    let revs = revisions(&data);
    assert_eq!(revs.len(), 2);

    let diff = alys_log(&data, &["diff", &revs[0].to_string(), &revs[1].to_string()]);
    assert!(diff.contains("network.max_peers: 10 -> 20"), "{diff}");
    assert!(diff.contains("logging.level"), "{diff}");
    assert!(
        !diff.contains("first-pass") && !diff.contains("second-pass"),
        "{diff}"
    );
    assert!(
        diff.contains("bridge.bitcoin_rpc_password: <redacted fp:"),
        "a secret change is visible: {diff}"
    );

    let audit = alys_log(&data, &["audit", "network.max_peers"]);
    let lines: Vec<&str> = audit.lines().collect();
    assert_eq!(lines.len(), 2, "{audit}");
    assert!(
        lines[0].contains("(start) -> 10") && lines[0].contains("cli --set network.max_peers"),
        "{audit}"
    );
    assert!(lines[1].contains("10 -> 20"), "{audit}");

    let level = alys_log(&data, &["audit", "logging.level"]);
    assert!(
        level.contains("\"info\" -> \"debug\"") && level.contains("env $ALYS_LOGGING__LEVEL"),
        "{level}"
    );
}

const SECRET_A: &str = "first-literal-jwt-secret-0a1b";
const SECRET_B: &str = "second-literal-jwt-secret-2c3d";

fn secret_config(secret: &str) -> String {
    format!("[reload]\nwatch = \"manual\"\n\n[execution]\njwt_secret = \"{secret}\"\n")
}

/// `alys-node ctl` with `args`; asserts it succeeded and returns its stdout.
fn ctl(data: &Path, args: &[&str]) -> String {
    let out = node_command()
        .arg("ctl")
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "ctl {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn ctl_revision(data: &Path, args: &[&str]) -> u64 {
    let reply: serde_json::Value =
        serde_json::from_str(&ctl(data, &[&["--json"], args].concat())).unwrap();
    reply["revision"].as_u64().unwrap()
}

/// The `<redacted fp:…>` markers of a line, in order.
fn fingerprints(line: &str) -> Vec<&str> {
    line.match_indices("<redacted fp:")
        .map(|(at, _)| &line[at..at + line[at..].find('>').unwrap() + 1])
        .collect()
}

#[test]
fn a_literal_secret_changed_and_rolled_back_shows_in_both_diffs_and_every_audit_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("alys.toml");
    let data = dir.path().join("data");
    std::fs::write(&file, secret_config(SECRET_A)).unwrap();
    let node = Node::start(&[&file], &data, &[]);
    wait_for(Duration::from_secs(30), || {
        data.join("admin.addr").exists().then_some(())
    })
    .expect("admin API up");

    let first = ctl_revision(&data, &["status"]);
    std::fs::write(&file, secret_config(SECRET_B)).unwrap();
    let second = ctl_revision(&data, &["reload"]);
    let back = ctl_revision(&data, &["rollback", "--to", &first.to_string()]);
    let (first, second) = (first.to_string(), second.to_string());

    let tool = alys_log(&data, &["diff", &first, &second]);
    let admin = ctl(&data, &["diff", &first, &second]);
    for diff in [&tool, &admin] {
        let line = diff
            .lines()
            .find(|l| l.starts_with("~ execution.jwt_secret: "))
            .unwrap_or_else(|| panic!("no secret change in {diff}"));
        let prints = fingerprints(line);
        assert_eq!(prints.len(), 2, "{line}");
        assert_ne!(prints[0], prints[1], "{line}");
        assert!(!diff.contains("no changes"), "{diff}");
    }
    assert_eq!(
        tool.lines()
            .filter(|l| l.starts_with(['~', '+', '-']))
            .collect::<Vec<_>>(),
        admin
            .lines()
            .filter(|l| l.starts_with(['~', '+', '-']))
            .collect::<Vec<_>>()
    );

    let audit = alys_log(&data, &["audit", "execution.jwt_secret"]);
    let lines: Vec<&str> = audit.lines().collect();
    assert_eq!(lines.len(), 3, "start, change, rollback: {audit}");
    let a = fingerprints(lines[0]);
    let b = fingerprints(lines[1]);
    let c = fingerprints(lines[2]);
    assert!(lines[0].contains("(start) -> ") && a.len() == 1, "{audit}");
    assert_eq!(b.len(), 2, "{audit}");
    assert_eq!(
        (b[0], c[1]),
        (a[0], a[0]),
        "back to the first value: {audit}"
    );
    assert_eq!(c[0], b[1], "{audit}");
    assert_ne!(b[0], b[1], "{audit}");
    assert!(lines[2].starts_with(&format!("{back:>8}")), "{audit}");
    for text in [&tool, &admin, &audit] {
        assert!(
            !text.contains(SECRET_A) && !text.contains(SECRET_B),
            "{text}"
        );
    }
    assert_eq!(node.stop(), 0);
}
