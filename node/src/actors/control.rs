//! Messages every supervised actor understands besides its own: health probes, reload steps
//! (a new config, a snapshot of the state, a restore), and, for tests and drills, injected
//! faults.

use std::sync::Arc;

use alys_config::AlysConfig;
use tokio::sync::oneshot;

/// A fault to inject into a running actor, so that supervision and reload rollback can be
/// exercised for real: the actor panics, returns an error from its handler, fails its next
/// health checks, or refuses or ignores its next new config sections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Panic inside the message handler.
    Panic,
    /// Return an error from the message handler.
    Error,
    /// Answer the next `count` health checks with a failure.
    FailHealth {
        /// How many checks fail.
        count: u32,
    },
    /// Answer the next `count` new config sections with an error.
    RejectReload {
        /// How many sections are refused.
        count: u32,
    },
    /// Never answer the next `count` new config sections, so the reload times out.
    IgnoreReload {
        /// How many sections go unanswered.
        count: u32,
    },
}

/// The acknowledgement of a new config section or a restored state: `Err` carries why not.
pub type Ack = oneshot::Sender<Result<(), String>>;

/// A control message.
#[derive(Debug)]
pub enum Control {
    /// Answer whether the actor is healthy.
    Health(oneshot::Sender<bool>),
    /// Inject a fault.
    Inject(Fault),
    /// Take this actor's section of `config` while running, then acknowledge.
    Reconfigure {
        /// The whole new config; the actor reads only its own section.
        config: Arc<AlysConfig>,
        /// Where the acknowledgement goes.
        reply: Ack,
    },
    /// Answer with the state the actor would preserve across a restart (`None` if it keeps
    /// none).
    Snapshot(oneshot::Sender<Option<serde_json::Value>>),
    /// Put back a state taken with [`Control::Snapshot`] (reload rollback).
    Restore {
        /// The state to put back.
        state: serde_json::Value,
        /// Where the acknowledgement goes.
        reply: Ack,
    },
}
