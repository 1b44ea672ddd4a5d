//! Hot reload of the configuration: the file watcher that triggers it, the commands the
//! coordinator takes, and the status it publishes.

pub mod command;
pub mod status;
pub mod watch;

pub use command::{Command, CommandError, Outcome, ResultKind, RollbackTarget, Trigger};
pub use status::{ActorStatusFn, LastReload, PendingConfirmation, ReloadCounts, ReloadStatus};
