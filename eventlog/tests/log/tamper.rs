//! Edits made behind the log's back are found and named by their offset.

use alys_eventlog::{BreakReason, EventLog, LogError, Offset};

use crate::common::{reload, temp_log};

fn log_with(n: u64) -> (tempfile::TempDir, EventLog) {
    let (dir, log) = temp_log();
    for i in 0..n {
        log.append(&reload(&format!("t{i}"))).expect("append");
    }
    (dir, log)
}

fn stored(log: &EventLog, offset: u64) -> Vec<u8> {
    let value = log.raw_tree().get(Offset(offset).to_key()).expect("read");
    value.expect("present").to_vec()
}

fn put(log: &EventLog, offset: u64, bytes: Vec<u8>) {
    log.raw_tree()
        .insert(Offset(offset).to_key(), bytes)
        .expect("insert");
}

#[test]
fn changed_byte_is_named_at_its_offset() {
    let (_dir, log) = log_with(6);
    let mut bytes = stored(&log, 3);
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x20;
    put(&log, 3, bytes);

    let brk = log.verify().first_break.expect("break");
    assert_eq!(brk.offset, 3, "{brk}");
    assert!(
        matches!(
            brk.reason,
            BreakReason::HashMismatch { .. } | BreakReason::Undecodable(_)
        ),
        "{brk}"
    );
}

#[test]
fn removed_entry_is_named_as_a_gap_at_its_offset() {
    let (_dir, log) = log_with(6);
    log.raw_tree().remove(Offset(2).to_key()).expect("remove");

    let report = log.verify();
    let brk = report.first_break.expect("break");
    assert_eq!(brk.offset, 2);
    assert!(
        matches!(
            brk.reason,
            BreakReason::Gap {
                expected: 2,
                found: 3
            }
        ),
        "{brk}"
    );
    assert_eq!(report.checked, 2);
}

#[test]
fn removed_newest_entry_is_found_while_open() {
    let (_dir, log) = log_with(4);
    log.raw_tree().remove(Offset(3).to_key()).expect("remove");
    let brk = log.verify().first_break.expect("break");
    assert_eq!(brk.offset, 3);
    assert!(
        matches!(brk.reason, BreakReason::Truncated { head: 3 }),
        "{brk}"
    );
}

#[test]
fn swapped_entries_name_the_first_of_the_two() {
    let (_dir, log) = log_with(6);
    let (second, fourth) = (stored(&log, 1), stored(&log, 4));
    put(&log, 1, fourth);
    put(&log, 4, second);

    let brk = log.verify().first_break.expect("break");
    assert_eq!(brk.offset, 1);
    assert!(
        matches!(brk.reason, BreakReason::KeyMismatch { key: 1, stored: 4 }),
        "{brk}"
    );
}

#[test]
fn open_refuses_a_damaged_tail_without_truncating() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("eventlog");
    let damaged = {
        let log = EventLog::open(&path).expect("open");
        for i in 0..3 {
            log.append(&reload(&format!("t{i}"))).expect("append");
        }
        let mut bytes = stored(&log, 2);
        let last = bytes.len() - 1;
        bytes[last] ^= 0xff;
        put(&log, 2, bytes.clone());
        log.flush().expect("flush");
        bytes
    };

    let reopened = EventLog::open(&path);
    assert!(
        matches!(&reopened, Err(LogError::Corrupt { offset: 2, .. })),
        "{:?}",
        reopened.as_ref().err()
    );
    drop(reopened);

    let db = raw_open(&path);
    let tree = db.open_tree("events").expect("tree");
    let kept = tree
        .get(Offset(2).to_key())
        .expect("read")
        .expect("still there");
    assert_eq!(kept.to_vec(), damaged);
}

/// A closed log with `n` events in a fresh directory, and that directory.
fn closed_log_with(n: u64) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("eventlog");
    let log = EventLog::open(&path).expect("open");
    for i in 0..n {
        log.append(&reload(&format!("t{i}"))).expect("append");
    }
    log.close().expect("close");
    (dir, path)
}

/// Rewrites the value under `key` of a closed log through sled itself.
fn tamper(path: &std::path::Path, key: &[u8], edit: impl FnOnce(Option<Vec<u8>>) -> Vec<u8>) {
    let db = raw_open(path);
    let tree = db.open_tree("events").expect("tree");
    let old = tree.get(key).expect("read").map(|v| v.to_vec());
    tree.insert(key, edit(old)).expect("insert");
    db.flush().expect("flush");
}

#[test]
fn stored_check_names_a_changed_or_cut_newest_entry_that_open_refuses() {
    type Edit = fn(Option<Vec<u8>>) -> Vec<u8>;
    let edits: [(&str, Edit); 2] = [
        ("changed byte", |old| {
            let mut bytes = old.expect("present");
            let middle = bytes.len() / 2;
            bytes[middle] ^= 0x01;
            bytes
        }),
        ("cut in half", |old| {
            let mut bytes = old.expect("present");
            bytes.truncate(bytes.len() / 2);
            bytes
        }),
    ];
    for (what, edit) in edits {
        let (_dir, path) = closed_log_with(4);
        tamper(&path, &Offset(3).to_key(), edit);
        assert!(EventLog::open(&path).is_err(), "{what}: open refuses");

        let report = EventLog::verify_stored(&path).expect("verify runs");
        let brk = report.first_break.expect("break");
        assert_eq!(brk.offset, 3, "{what}: {brk}");
        assert!(
            matches!(
                brk.reason,
                BreakReason::HashMismatch { .. } | BreakReason::Undecodable(_)
            ),
            "{what}: {brk}"
        );
        assert_eq!(report.checked, 3, "{what}");
        assert!(report.read_error.is_none(), "{what}");
    }
}

#[test]
fn stored_check_names_a_foreign_key_after_or_before_the_offsets() {
    for junk in [&b"junk"[..], &b"\x00"[..]] {
        let (_dir, path) = closed_log_with(3);
        tamper(&path, junk, |_| b"not an envelope".to_vec());

        let brk = EventLog::verify_stored(&path)
            .expect("verify runs")
            .first_break
            .expect("break");
        assert!(
            matches!(&brk.reason, BreakReason::MalformedKey { key } if key == junk),
            "{brk}"
        );
        assert!(
            brk.to_string()
                .contains(&format!("stored key {} ", hex::encode(junk))),
            "{brk}"
        );
    }
}

#[test]
fn stored_check_of_an_intact_log_reaches_the_head() {
    let (_dir, path) = closed_log_with(5);
    let report = EventLog::verify_stored(&path).expect("verify runs");
    assert!(report.is_intact(), "{report}");
    assert_eq!(report.head.map(|(o, _)| o), Some(Offset(4)));
}

/// Opens the log's sled database behind the log's back. sled lets go of its directory lock from
/// a background thread a moment after the last handle is dropped; wait for that (10 s at most)
/// rather than race it.
fn raw_open(path: &std::path::Path) -> sled::Db {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        match sled::open(path) {
            Ok(db) => return db,
            Err(e) if std::time::Instant::now() < deadline => {
                let _ = e;
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            Err(e) => panic!("raw open of {}: {e}", path.display()),
        }
    }
}
