//! `alys-log diff` and `alys-log audit` over a data dir that two node runs with different
//! configurations wrote, as an operator would use them after the fact.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use alys_tests::node::node_command;
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
