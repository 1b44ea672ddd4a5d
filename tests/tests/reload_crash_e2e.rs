//! SIGKILL in the middle of reloads, twenty times over the same data directory: after every
//! kill the log verifies, a reload that did not commit is not active, and the restarted node
//! records the interrupted reload as not applied and comes back on its files.

use std::fs;
use std::process::Command;
use std::time::Duration;

use alys_tests::bin;
use alys_tests::node::{config_at, events, payload, Node};
use rand::Rng;

const KILLS: u32 = 20;

fn config(retries: u32) -> String {
    format!("[reload]\nwatch = \"immediate\"\n\n[execution]\nmax_retries = {retries}\n")
}

fn verify(data: &std::path::Path) {
    let out = Command::new(bin("alys-log"))
        .arg("--data-dir")
        .arg(data)
        .arg("verify")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "log does not verify: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The offset of the last `reload requested` that no outcome follows, if any.
fn open_reload(data: &std::path::Path) -> Option<u64> {
    let mut open = None;
    for event in events(data, "reload_") {
        match event["kind"].as_str().unwrap() {
            "reload_requested" => open = event["offset"].as_u64(),
            _ => open = None,
        }
    }
    open
}

#[test]
fn sigkill_during_reloads_leaves_a_verifying_log_and_only_committed_configs_active() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("alys.toml");
    let data = dir.path().join("data");
    fs::write(&file, config(0)).unwrap();
    let mut rng = rand::rng();
    let mut interrupted = 0;

    for round in 1..=KILLS {
        let node = Node::start(&[&file], &data, &[]);
        fs::write(&file, config(round)).unwrap();
        std::thread::sleep(Duration::from_micros(rng.random_range(0..6_000)));
        node.kill();

        verify(&data);
        let head = events(&data, "").last().unwrap()["offset"]
            .as_u64()
            .unwrap();
        if let Some(requested) = open_reload(&data) {
            interrupted += 1;
            // The half-done reload changed nothing: what is active is what was before it.
            assert_eq!(
                config_at(&data, head),
                config_at(&data, requested - 1),
                "round {round}: an uncommitted reload is active"
            );
        }
    }

    let node = Node::start(&[&file], &data, &[]);
    verify(&data);
    let head = node.events("").last().unwrap()["offset"].as_u64().unwrap();
    assert!(config_at(&data, head).contains(&format!("max_retries = {KILLS}")));
    let closed = node
        .events("reload_rejected")
        .iter()
        .filter(|e| {
            payload(e, "ReloadRejected")["reason"]
                .as_str()
                .unwrap()
                .starts_with("interrupted")
        })
        .count();
    assert_eq!(
        closed, interrupted,
        "every interrupted reload is closed on restart"
    );
    assert_eq!(open_reload(&data), None);
    assert_eq!(node.stop(), 0);
}
