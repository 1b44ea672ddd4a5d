//! Helpers shared by the store tests: temporary logs and small events.

use alys_eventlog::event::{ActorSnapshot, Event, ReloadRequested};
use alys_eventlog::EventLog;
use tempfile::TempDir;

/// A log in a fresh temporary directory; keep the `TempDir` alive as long as the log.
pub(crate) fn temp_log() -> (TempDir, EventLog) {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = EventLog::open(&dir.path().join("eventlog")).expect("open log");
    (dir, log)
}

pub(crate) fn reload(trigger: &str) -> Event {
    Event::ReloadRequested(ReloadRequested {
        trigger: trigger.into(),
    })
}

pub(crate) fn snapshot(state: Vec<u8>) -> Event {
    Event::ActorSnapshot(ActorSnapshot {
        actor: "chain".into(),
        config_revision: 0,
        strategy: "serialize".into(),
        state,
    })
}
