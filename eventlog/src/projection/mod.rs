//! Projections: pure folds over the log that rebuild state, and the replay that drives them.
//!
//! A projection reads time and identity only from the envelopes it is given, never from the
//! clock or the environment, so replaying the same events always yields the same state.

mod active_config;
mod actor_history;

pub use active_config::{ActiveConfig, ActiveConfigState};
pub use actor_history::{ActorHistory, ActorRecord, LifecycleRecord, SnapshotRecord};

use crate::envelope::{Envelope, Offset};
use crate::error::LogError;
use crate::event::{Event, EventKind};
use crate::store::EventLog;

/// A fold over events in offset order.
pub trait Projection {
    /// What the fold builds.
    type State;

    /// Folds in the event stored at `offset` with its envelope's timestamp. Called once per
    /// event, in increasing offset order.
    fn apply(&mut self, offset: Offset, timestamp_ms: u64, event: &Event);

    /// Like [`Projection::apply`] for an event the caller no longer needs, so a projection that
    /// keeps events can take them without a copy.
    fn apply_owned(&mut self, offset: Offset, timestamp_ms: u64, event: Event) {
        self.apply(offset, timestamp_ms, &event);
    }

    /// Whether events of `kind` can change the state. Replay does not decode the payloads of
    /// kinds a projection ignores; the answer must not depend on the state.
    fn wants(&self, kind: EventKind) -> bool {
        let _ = kind;
        true
    }

    /// The state after the events applied so far.
    fn state(&self) -> &Self::State;
}

/// Replays the log from offset 0 into `projection`, up to and including `upto` (to the durable
/// head when `None`). Returns the number of events applied.
///
/// Fails on the first entry that cannot be read or decoded ([`LogError::Corrupt`] names it); the
/// events before it have been applied by then.
pub fn replay<P: Projection>(
    log: &EventLog,
    projection: &mut P,
    upto: Option<Offset>,
) -> Result<u64, LogError> {
    replay_envelopes(log.read(Offset(0), upto), projection, upto)
}

/// Replays envelopes obtained elsewhere (a socket, a file, a test) into `projection`, stopping
/// before the first envelope past `upto`. The envelopes must come in increasing offset order, or
/// this returns [`LogError::Unordered`].
pub fn replay_envelopes<P, I>(
    envelopes: I,
    projection: &mut P,
    upto: Option<Offset>,
) -> Result<u64, LogError>
where
    P: Projection,
    I: IntoIterator<Item = Result<Envelope, LogError>>,
{
    let mut applied = 0;
    let mut previous: Option<Offset> = None;
    for envelope in envelopes {
        let envelope = envelope?;
        let offset = envelope.offset;
        if let Some(previous) = previous.filter(|p| offset <= *p) {
            return Err(LogError::Unordered {
                previous,
                found: offset,
            });
        }
        if upto.is_some_and(|upto| offset > upto) {
            break;
        }

        // A kind this build does not know is decoded (and refused) below, never skipped.
        if envelope.kind().is_some_and(|kind| !projection.wants(kind)) {
            applied += 1;
            previous = Some(offset);
            continue;
        }
        let event = envelope.event().map_err(|e| LogError::Corrupt {
            offset: offset.0,
            reason: e.into(),
        })?;
        projection.apply_owned(offset, envelope.timestamp_ms, event);
        applied += 1;
        previous = Some(offset);
    }

    tracing::debug!(target: "alys_eventlog", applied, upto = ?upto.map(|o| o.0), "replay finished");
    Ok(applied)
}

#[cfg(test)]
mod tests;
