//! Hot reload of the configuration: the file watcher that triggers it, the coordinator that
//! takes every trigger in turn, the pipeline each reload runs, and the status it publishes.

mod actors;
pub mod command;
mod coordinator;
mod pipeline;
mod revisions;
pub mod status;
pub mod watch;

pub use command::{Command, CommandError, Outcome, ResultKind, RollbackTarget, Trigger};
pub use coordinator::{Coordinator, CoordinatorArgs};
pub use status::{ActorStatusFn, LastReload, PendingConfirmation, ReloadCounts, ReloadStatus};
