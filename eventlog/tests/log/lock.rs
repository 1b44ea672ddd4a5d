//! The directory lock: one open handle per database.

use alys_eventlog::{EventLog, LogError};

use crate::common::reload;

#[test]
fn second_open_of_an_open_log_is_locked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("eventlog");
    let log = EventLog::open(&path).expect("open");
    log.append(&reload("held")).expect("append");

    let second = EventLog::open(&path);
    assert!(
        matches!(second, Err(LogError::Locked { .. })),
        "{:?}",
        second.err()
    );

    drop(log);
    let reopened = EventLog::open(&path).expect("reopen after drop");
    assert_eq!(reopened.len(), 1);
}
