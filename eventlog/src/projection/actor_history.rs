//! [`ActorHistory`]: per actor, its last lifecycle change, how often it failed and restarted,
//! and its latest state snapshot.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Projection;
use crate::envelope::Offset;
use crate::event::{Event, LifecycleChange};

/// A lifecycle change with where and when it was recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifecycleRecord {
    /// Offset of the `ActorLifecycle` event.
    pub offset: u64,
    /// Its timestamp, milliseconds since the unix epoch.
    pub timestamp_ms: u64,
    /// The config revision the actor ran under.
    pub config_revision: u64,
    /// What happened.
    pub change: LifecycleChange,
}

/// A state snapshot with where and when it was recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotRecord {
    /// Offset of the `ActorSnapshot` event.
    pub offset: u64,
    /// Its timestamp, milliseconds since the unix epoch.
    pub timestamp_ms: u64,
    /// The config revision the actor ran under.
    pub config_revision: u64,
    /// Preservation strategy name.
    pub strategy: String,
    /// The actor's own encoding of its state.
    pub state: Vec<u8>,
}

/// What the log says about one actor.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActorRecord {
    /// The most recent lifecycle change.
    pub last_change: Option<LifecycleRecord>,
    /// `Restarted` changes seen.
    pub restarts: u64,
    /// `Failed` changes seen.
    pub failures: u64,
    /// The most recent snapshot.
    pub latest_snapshot: Option<SnapshotRecord>,
}

/// Folds `ActorLifecycle` and `ActorSnapshot` events into one [`ActorRecord`] per actor name,
/// ordered by name.
#[derive(Debug, Clone, Default)]
pub struct ActorHistory {
    actors: BTreeMap<String, ActorRecord>,
}

impl ActorHistory {
    /// An empty fold.
    pub fn new() -> Self {
        ActorHistory::default()
    }

    /// The record of `actor`, if the log mentions it.
    pub fn actor(&self, actor: &str) -> Option<&ActorRecord> {
        self.actors.get(actor)
    }

    fn record(&mut self, actor: &str) -> &mut ActorRecord {
        self.actors.entry(actor.to_owned()).or_default()
    }
}

impl Projection for ActorHistory {
    type State = BTreeMap<String, ActorRecord>;

    fn apply(&mut self, offset: Offset, timestamp_ms: u64, event: &Event) {
        match event {
            Event::ActorLifecycle(lifecycle) => {
                let record = self.record(&lifecycle.actor);
                match lifecycle.change {
                    LifecycleChange::Restarted { .. } => record.restarts += 1,
                    LifecycleChange::Failed { .. } => record.failures += 1,
                    _ => {}
                }
                record.last_change = Some(LifecycleRecord {
                    offset: offset.0,
                    timestamp_ms,
                    config_revision: lifecycle.config_revision,
                    change: lifecycle.change.clone(),
                });
            }
            Event::ActorSnapshot(snapshot) => {
                self.record(&snapshot.actor).latest_snapshot = Some(SnapshotRecord {
                    offset: offset.0,
                    timestamp_ms,
                    config_revision: snapshot.config_revision,
                    strategy: snapshot.strategy.clone(),
                    state: snapshot.state.clone(),
                });
            }
            _ => {}
        }
    }

    fn state(&self) -> &Self::State {
        &self.actors
    }
}
