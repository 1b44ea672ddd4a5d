//! Messages every supervised actor understands besides its own: health probes and, for tests
//! and drills, injected faults.

use tokio::sync::oneshot;

/// A fault to inject into a running actor, so that supervision can be exercised for real: the
/// actor panics, returns an error from its handler, or fails its next health checks.
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
}

/// A control message.
#[derive(Debug)]
pub enum Control {
    /// Answer whether the actor is healthy.
    Health(oneshot::Sender<bool>),
    /// Inject a fault.
    Inject(Fault),
}
