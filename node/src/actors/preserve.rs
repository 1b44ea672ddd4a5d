//! Keeping an actor's state across a restart, per its `state_preservation` strategy.
//!
//! After every batch of messages that changed the state, the actor hands its preserved state
//! (as JSON) to [`Preserver::save`]; on start and on every restart [`Preserver::restore`] gives
//! it back:
//!
//! - `full_serialization`: each change is an `actor_snapshot` event holding the whole state;
//!   restore takes the latest.
//! - `incremental`: each change is an `actor_snapshot` holding a JSON merge patch (RFC 7386)
//!   against the previous state, with a whole state every [`FULL_EVERY`] changes; restore folds
//!   the latest whole state and the patches after it.
//! - `in_memory`: kept in the supervisor's memory, so it survives a restart but not the process.
//! - `file_based`: written atomically to `<data_dir>/state/<actor>.json`.
//! - `none`: every start begins from the default state.
//!
//! Snapshot events are appended before the next message is handled, so a failure right after a
//! change cannot lose it.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use alys_config::schema::actors::StatePreservation;
use alys_eventlog::event::{ActorSnapshot, Event};
use alys_eventlog::{EventLog, Offset};
use serde_json::Value;

/// How often an incremental actor writes its whole state instead of a patch.
pub const FULL_EVERY: u32 = 16;

const FULL: &str = "full_serialization";
const PATCH: &str = "incremental_patch";
const BASE: &str = "incremental_base";

/// One actor's preserved state, shared by its successive incarnations.
#[derive(Clone)]
pub struct Preserver {
    actor: String,
    strategy: StatePreservation,
    log: EventLog,
    /// The config revision the actor runs under; shared by clones, moved on by a reload.
    revision: Arc<AtomicU64>,
    file: PathBuf,
    memory: Arc<Mutex<Option<Value>>>,
    since_full: Arc<Mutex<u32>>,
}

impl std::fmt::Debug for Preserver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Preserver")
            .field("actor", &self.actor)
            .field("strategy", &self.strategy)
            .finish()
    }
}

impl Preserver {
    /// A preserver for `actor`, recording snapshots under config `revision`.
    pub fn new(
        actor: &str,
        strategy: StatePreservation,
        log: EventLog,
        revision: u64,
        data_dir: &std::path::Path,
    ) -> Self {
        Preserver {
            actor: actor.to_owned(),
            strategy,
            log,
            revision: Arc::new(AtomicU64::new(revision)),
            file: data_dir.join("state").join(format!("{actor}.json")),
            memory: Arc::default(),
            since_full: Arc::default(),
        }
    }

    /// Snapshots from now on are recorded under config `revision`.
    pub fn set_revision(&self, revision: u64) {
        self.revision.store(revision, Ordering::Relaxed);
    }

    /// The state to start from, if one was preserved.
    pub fn restore(&self) -> Option<Value> {
        match self.strategy {
            StatePreservation::None => None,
            StatePreservation::InMemory => self.memory.lock().ok()?.clone(),
            StatePreservation::FileBased => {
                let bytes = std::fs::read(&self.file).ok()?;
                serde_json::from_slice(&bytes).ok()
            }
            StatePreservation::FullSerialization | StatePreservation::Incremental => self.replay(),
        }
    }

    /// Keeps `state`, which differs from `previous` (the last state saved or restored).
    pub fn save(&self, previous: Option<&Value>, state: &Value) -> std::io::Result<()> {
        match self.strategy {
            StatePreservation::None => Ok(()),
            StatePreservation::InMemory => {
                if let Ok(mut slot) = self.memory.lock() {
                    *slot = Some(state.clone());
                }
                Ok(())
            }
            StatePreservation::FileBased => {
                let dir = self.file.parent().unwrap_or(std::path::Path::new("."));
                std::fs::create_dir_all(dir)?;
                let tmp = self.file.with_extension("json.tmp");
                std::fs::write(&tmp, serde_json::to_vec(state)?)?;
                std::fs::rename(&tmp, &self.file)
            }
            StatePreservation::FullSerialization => self.append(FULL, state),
            StatePreservation::Incremental => {
                let mut since = self
                    .since_full
                    .lock()
                    .map_err(|_| std::io::Error::other("poisoned"))?;
                match previous {
                    Some(previous) if *since < FULL_EVERY => {
                        *since += 1;
                        self.append(PATCH, &merge_patch(previous, state))
                    }
                    _ => {
                        *since = 0;
                        self.append(BASE, state)
                    }
                }
            }
        }
    }

    fn append(&self, kind: &str, value: &Value) -> std::io::Result<()> {
        let event = Event::ActorSnapshot(ActorSnapshot {
            actor: self.actor.clone(),
            config_revision: self.revision.load(Ordering::Relaxed),
            strategy: kind.to_owned(),
            state: serde_json::to_vec(value)?,
        });
        self.log
            .append(&event)
            .map(|_| ())
            .map_err(std::io::Error::other)
    }

    /// The latest whole state of this actor in the log with the patches after it applied.
    fn replay(&self) -> Option<Value> {
        let mut state: Option<Value> = None;
        for envelope in self.log.read(Offset(0), None) {
            let Ok(Event::ActorSnapshot(s)) = envelope.ok()?.event() else {
                continue;
            };
            if s.actor != self.actor {
                continue;
            }
            let Ok(value) = serde_json::from_slice::<Value>(&s.state) else {
                continue;
            };
            match s.strategy.as_str() {
                FULL | BASE => state = Some(value),
                PATCH => {
                    if let Some(current) = state.as_mut() {
                        apply_patch(current, &value);
                    }
                }
                _ => {}
            }
        }
        if let Ok(mut since) = self.since_full.lock() {
            *since = FULL_EVERY; // the next change writes a whole state again
        }
        state
    }
}

/// The JSON merge patch (RFC 7386) that turns `from` into `to`.
pub fn merge_patch(from: &Value, to: &Value) -> Value {
    match (from, to) {
        (Value::Object(a), Value::Object(b)) => {
            let mut patch = serde_json::Map::new();
            for (key, old) in a {
                match b.get(key) {
                    None => {
                        patch.insert(key.clone(), Value::Null);
                    }
                    Some(new) if new != old => {
                        patch.insert(key.clone(), merge_patch(old, new));
                    }
                    Some(_) => {}
                }
            }
            for (key, new) in b {
                if !a.contains_key(key) {
                    patch.insert(key.clone(), new.clone());
                }
            }
            Value::Object(patch)
        }
        _ => to.clone(),
    }
}

/// Applies a JSON merge patch (RFC 7386) to `target`.
pub fn apply_patch(target: &mut Value, patch: &Value) {
    let Value::Object(changes) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(serde_json::Map::new());
    }
    if let Value::Object(map) = target {
        for (key, change) in changes {
            if change.is_null() {
                map.remove(key);
            } else {
                apply_patch(map.entry(key.clone()).or_insert(Value::Null), change);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn merge_patch_round_trips_changes_additions_and_removals() {
        let a = json!({"count": 1, "names": ["x"], "nested": {"k": 1, "gone": true}});
        let b = json!({"count": 2, "names": ["x", "y"], "nested": {"k": 1, "new": "v"}});
        let patch = merge_patch(&a, &b);
        assert_eq!(
            patch,
            json!({"count": 2, "names": ["x", "y"], "nested": {"gone": null, "new": "v"}})
        );
        let mut c = a.clone();
        apply_patch(&mut c, &patch);
        assert_eq!(c, b);
    }
}
