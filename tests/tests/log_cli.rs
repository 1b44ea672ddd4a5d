//! `alys-log verify` and `inspect` over a stopped node's log written through the event-log API and
//! edited through sled behind its back: every break of the stored history is a finding (exit 1),
//! and only a question the log cannot answer exits 2.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use alys_eventlog::event::{Event, ReloadRequested};
use alys_eventlog::{EventLog, Offset};
use alys_tests::bin;

/// A data directory whose log holds `n` events at offsets `0..n`.
fn data_with(n: u64) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let log = EventLog::open(&data.join("eventlog")).unwrap();
    for i in 0..n {
        let event = Event::ReloadRequested(ReloadRequested {
            trigger: format!("t{i}"),
        });
        log.append_at(&event, 1_700_000_000_000 + i).unwrap();
    }
    log.close().unwrap();
    (dir, data)
}

/// Replaces the value under `key` through sled, as an attacker or a bad disk would.
fn tamper(data: &Path, key: &[u8], edit: impl FnOnce(Option<Vec<u8>>) -> Vec<u8>) {
    // sled lets go of its directory lock from a background thread a moment after the last
    // handle is dropped; wait for it rather than race it.
    let db = alys_tests::wait_for(std::time::Duration::from_secs(10), || {
        sled::open(data.join("eventlog")).ok()
    })
    .expect("sled releases the closed log's lock");
    let tree = db.open_tree("events").unwrap();
    let old = tree.get(key).unwrap().map(|v| v.to_vec());
    tree.insert(key, edit(old)).unwrap();
    db.flush().unwrap();
}

fn alys_log(data: &Path, args: &[&str]) -> Output {
    Command::new(bin("alys-log"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .output()
        .unwrap()
}

fn said(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn flip_middle_byte(old: Option<Vec<u8>>) -> Vec<u8> {
    let mut bytes = old.expect("stored");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    bytes
}

fn cut_in_half(old: Option<Vec<u8>>) -> Vec<u8> {
    let mut bytes = old.expect("stored");
    bytes.truncate(bytes.len() / 2);
    bytes
}

/// Regression: a damaged newest event made `verify` fail to open the log ("error: event log
/// corrupt at offset 15", exit 2) while the same damage elsewhere was reported as broken.
#[test]
fn verify_reports_a_damaged_newest_event_as_broken_like_any_other() {
    type Edit = fn(Option<Vec<u8>>) -> Vec<u8>;
    for (offset, edit) in [
        (15, flip_middle_byte as Edit),
        (15, cut_in_half as Edit),
        (7, flip_middle_byte as Edit),
        (7, cut_in_half as Edit),
    ] {
        let (_dir, data) = data_with(16);
        tamper(&data, &Offset(offset).to_key(), edit);
        let out = alys_log(&data, &["verify"]);
        let said = said(&out);
        assert_eq!(out.status.code(), Some(1), "offset {offset}: {said}");
        assert!(
            said.starts_with(&format!("broken: offset {offset}: ")),
            "{said}"
        );
        assert!(
            said.contains(&format!("({offset} events checked before it)")),
            "{said}"
        );
    }
}

/// Regression: a key that is not an offset was "corrupt at offset 0: malformed key", exit 2.
#[test]
fn verify_reports_a_foreign_key_as_broken_naming_the_key() {
    let (_dir, data) = data_with(4);
    tamper(&data, b"junk", |_| b"anything".to_vec());
    let out = alys_log(&data, &["verify"]);
    let said = said(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        said.starts_with("broken: offset 4: stored key 6a756e6b (4 bytes) is not an offset"),
        "{said}"
    );
}

#[test]
fn verify_of_an_intact_log_names_the_head_and_a_missing_log_exits_2() {
    let (dir, data) = data_with(3);
    let out = alys_log(&data, &["verify"]);
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    assert!(said(&out).starts_with("ok: 3 events verified, head 2 "));

    let out = alys_log(&dir.path().join("nowhere"), &["verify"]);
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    assert!(said(&out).contains("no event log here"));
}

/// Regression: `inspect --from 50` past the newest event printed an empty table and exited 0.
#[test]
fn inspect_from_past_the_newest_event_exits_2_naming_the_head() {
    let (_dir, data) = data_with(16);
    for args in [
        &["inspect", "--from", "50"][..],
        &["inspect", "--from", "16", "--json"][..],
    ] {
        let out = alys_log(&data, args);
        let said = said(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {said}");
        assert!(out.stdout.is_empty(), "{args:?}: {said}");
        assert!(
            said.contains(&format!(
                "error: offset {} is past the newest event (offset 15)",
                args[2]
            )),
            "{args:?}: {said}"
        );
    }

    let out = alys_log(&data, &["inspect", "--from", "15"]);
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 2);

    // An empty selection inside the log is still an empty table, not an error.
    let out = alys_log(&data, &["inspect", "--from", "5", "--to", "4"]);
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    let out = alys_log(&data, &["inspect", "--from", "3", "--kind", "actor"]);
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
}

#[test]
fn inspect_of_an_empty_log_is_an_empty_table_unless_from_is_given() {
    let (_dir, data) = data_with(0);
    let out = alys_log(&data, &["inspect"]);
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    let out = alys_log(&data, &["inspect", "--from", "1"]);
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    assert!(
        said(&out).contains("offset 1 is past the newest event (the log is empty)"),
        "{}",
        said(&out)
    );
}
