//! `alys-log replay`: the state rebuilt from a prefix of the log, over a log written through the
//! event-log API so every offset is known.

use std::path::Path;
use std::process::{Command, Output};

use alys_eventlog::event::{
    ActorLifecycle, ActorSnapshot, ConfigLoaded, LifecycleChange, ReloadApplied,
    ValidationReported, Verdict,
};
use alys_eventlog::{Event, EventLog};
use alys_tests::bin;
use serde_json::Value;

/// Offsets of the events [`write_log`] appended.
struct Written {
    /// The snapshot taken under the first revision: the end of the first config's era.
    first_snapshot: u64,
    /// The newest event.
    head: u64,
}

fn config(environment: &str, max_peers: u32) -> Event {
    Event::ConfigLoaded(ConfigLoaded {
        environment: environment.into(),
        sources: vec![],
        effective_toml: format!("[network]\nmax_peers = {max_peers}\n"),
        provenance: vec![],
        secrets: vec![],
    })
}

fn lifecycle(revision: u64, change: LifecycleChange) -> Event {
    Event::ActorLifecycle(ActorLifecycle {
        actor: "chain".into(),
        config_revision: revision,
        change,
    })
}

fn snapshot(revision: u64, state: &[u8]) -> Event {
    Event::ActorSnapshot(ActorSnapshot {
        actor: "chain".into(),
        config_revision: revision,
        strategy: "full".into(),
        state: state.to_vec(),
    })
}

/// A first config (max_peers 10) with `chain` started and snapshotted under it, then a reload to
/// a second config (max_peers 20) during which `chain` fails, restarts and snapshots again.
fn write_log(data: &Path) -> Written {
    let log = EventLog::open(&data.join("eventlog")).unwrap();
    let mut at = 1_700_000_000_000;
    let mut append = |event: Event| {
        at += 1000;
        log.append_at(&event, at).unwrap().0
    };

    let first = append(config("development", 10));
    let rev1 = append(Event::ValidationReported(ValidationReported {
        config_offset: first,
        findings: vec![],
        verdict: Verdict::Accepted,
    }));
    append(lifecycle(rev1, LifecycleChange::Started));
    let first_snapshot = append(snapshot(rev1, b"one"));

    let second = append(config("production", 20));
    let rev2 = append(Event::ReloadApplied(ReloadApplied {
        config_offset: second,
        diff: vec![],
        impacted_actors: vec!["chain".into()],
        restarted_actors: vec!["chain".into()],
    }));
    append(lifecycle(
        rev2,
        LifecycleChange::Failed {
            error: "boom".into(),
        },
    ));
    append(lifecycle(
        rev2,
        LifecycleChange::Restarted {
            strategy: "one_for_one".into(),
            attempt: 1,
            delay_ms: 10,
        },
    ));
    let head = append(snapshot(rev2, b"two!"));
    log.close().unwrap();

    Written {
        first_snapshot,
        head,
    }
}

fn alys_log(data: &Path, args: &[&str]) -> Output {
    Command::new(bin("alys-log"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .output()
        .unwrap()
}

fn replay_json(data: &Path, args: &[&str]) -> Value {
    let out = alys_log(data, &[&["replay", "--json"], args].concat());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn replay_to_an_earlier_offset_shows_the_config_and_actor_state_of_that_time() {
    let dir = tempfile::tempdir().unwrap();
    let written = write_log(dir.path());
    let to = written.first_snapshot.to_string();

    let then = replay_json(dir.path(), &["--to", &to]);
    let now = replay_json(dir.path(), &[]);

    assert_eq!(then["offset"], written.first_snapshot);
    assert_eq!(then["config"]["environment"], "development");
    assert_eq!(then["config"]["revision"], 1);
    assert!(then["config"]["effective_toml"]
        .as_str()
        .unwrap()
        .contains("max_peers = 10"));
    let chain = &then["actors"]["chain"];
    assert_eq!(chain["status"], "started");
    assert_eq!(chain["restarts"], 0);
    assert_eq!(chain["latest_snapshot"]["config_revision"], 1);
    assert_eq!(chain["latest_snapshot"]["state_hex"], "6f6e65");

    assert_eq!(now["offset"], written.head);
    assert_eq!(now["config"]["environment"], "production");
    assert_eq!(now["config"]["activated_by"], "reload_applied");
    let chain = &now["actors"]["chain"];
    assert_eq!(chain["status"], "restarted");
    assert_eq!(
        (chain["restarts"].as_u64(), chain["failures"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(
        chain["latest_snapshot"]["config_revision"],
        now["config"]["revision"]
    );
    assert_ne!(then, now);
}

#[test]
fn replay_report_names_the_revision_actors_and_effective_toml() {
    let dir = tempfile::tempdir().unwrap();
    let written = write_log(dir.path());

    let out = alys_log(
        dir.path(),
        &["replay", "--to", &written.first_snapshot.to_string()],
    );
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);

    assert!(text.contains("revision:      1"), "{text}");
    assert!(text.contains("environment:   development"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.trim_start().starts_with("chain") && l.contains("started")),
        "{text}"
    );
    assert!(text.contains("max_peers = 10"), "{text}");
    assert!(!text.contains("max_peers = 20"), "{text}");
}

#[test]
fn replay_past_the_head_fails_with_exit_2_naming_the_head() {
    let dir = tempfile::tempdir().unwrap();
    let written = write_log(dir.path());

    let out = alys_log(
        dir.path(),
        &["replay", "--to", &(written.head + 5).to_string()],
    );

    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("offset {}", written.head)),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn diff_past_the_head_fails_with_exit_2_naming_the_head() {
    let dir = tempfile::tempdir().unwrap();
    let written = write_log(dir.path());
    let past = (written.head + 99_999).to_string();

    for args in [["diff", "1", &past], ["diff", &past, "1"]] {
        let out = alys_log(dir.path(), &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!("past the newest event (offset {})", written.head)),
            "{stderr}"
        );
        assert!(out.stdout.is_empty());
    }
    let head = written.head.to_string();
    assert!(alys_log(dir.path(), &["diff", "1", &head]).status.success());
}

#[test]
fn audit_of_a_misspelt_key_fails_with_exit_2_suggesting_the_real_key() {
    let dir = tempfile::tempdir().unwrap();
    write_log(dir.path());

    let out = alys_log(dir.path(), &["audit", "bridge.min_confirmation_pegin"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "unknown key `bridge.min_confirmation_pegin`, did you mean \
             `bridge.min_confirmations_pegin`?"
        ),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());

    // Real keys pass, set or not, including secrets and elements of arrays of tables.
    for key in [
        "network.max_peers",
        "execution.jwt_secret",
        "governance.endpoints[0].url",
    ] {
        let out = alys_log(dir.path(), &["audit", key]);
        assert!(
            out.status.success(),
            "{key}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
