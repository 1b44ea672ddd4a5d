//! The actor tree: a root supervisor and the actors it starts in a fixed order.
//!
//! Start order is [`START_ORDER`]; stop order is its reverse, so `storage` (the event-log writer)
//! is the last to go and records everyone else's stop. Restart strategies come with the actor
//! system issue; here a failed child is recorded and the node keeps running degraded.

mod chain;
mod root;
mod storage;

pub use chain::{ChainActor, ChainMsg};
pub use root::{RootActor, RootArgs, RootMsg};
pub use storage::{StorageActor, StorageMsg};

/// Actor names in start order.
pub const START_ORDER: [&str; 2] = ["storage", "chain"];
