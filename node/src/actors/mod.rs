//! The actor tree: a root supervisor and the actors it starts in a fixed order.
//!
//! ```text
//! root (supervisor)
//!  ├── storage   the event-log writer; started first, stopped last
//!  ├── chain     the chain spec and the chain section
//!  ├── engine    the execution section (its client comes with the execution issue)
//!  ├── bridge    the bridge section (its client comes with the Bitcoin issue)
//!  └── stream    the governance section (its client comes with the governance issue)
//! ```
//!
//! `network` and `sync` are configuration only in this layer and start no actor. Each child runs
//! its own restart strategy (or the default one) through [`crate::supervision`]; the root records
//! every start, stop, failure, restart, breaker change and escalation in the event log itself,
//! so the record survives a failure of `storage`.

mod behaviours;
mod child;
mod control;
mod health;
pub mod preserve;
mod recorder;
mod root;
mod spec;

pub use behaviours::{
    Chain, ChainMsg, ChainState, Section, SectionMsg, SectionState, Storage, StorageMsg, Work,
};
pub use child::{Behaviour, ChildActor, ChildArgs, ChildMsg, SectionFn};
pub use control::{Ack, Control, Fault};
pub use preserve::Preserver;
pub use root::{ChildStatus, ReloadTarget, RootActor, RootArgs, RootMsg, TreeLimits};
pub use spec::{children, spec, ChildHandle, ChildSpec, Spawner, WorkProbe};

/// Actor names in start order.
pub const START_ORDER: [&str; 5] = ["storage", "chain", "engine", "bridge", "stream"];
