//! The reload state the coordinator publishes for the admin API, `/metrics` and `/health`.
//!
//! Published through a `tokio::sync::watch` channel so readers never wait behind a reload in
//! progress: they see the state as of the last finished step.

use serde::{Deserialize, Serialize};

use super::command::{Outcome, ResultKind};

/// The last finished reload, as status shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastReload {
    /// The outcome.
    pub outcome: Outcome,
    /// What triggered it (`file-watch`, `sighup`, ...).
    pub trigger: String,
    /// When it ended, milliseconds since the Unix epoch.
    pub at_ms: u64,
}

/// A revision applied with `--confirm-within` and not yet confirmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingConfirmation {
    /// The revision waiting.
    pub revision: u64,
    /// The revision it rolls back to when the deadline passes.
    pub previous_revision: u64,
    /// The deadline, milliseconds since the Unix epoch.
    pub deadline_ms: u64,
    /// Actors whose health failing inside the window rolls the revision back.
    pub watched_actors: Vec<String>,
}

/// Counters by result, for `alys_reloads_total{result=...}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReloadCounts {
    /// Committed reloads and operator rollbacks.
    pub applied: u64,
    /// Reloads whose content equalled the running config.
    pub unchanged: u64,
    /// Reloads refused before any actor saw them.
    pub rejected: u64,
    /// Reloads undone after reaching the actors, automatic rollbacks of an unconfirmed revision
    /// included.
    pub rolled_back: u64,
}

impl ReloadCounts {
    /// Counts one outcome.
    pub fn count(&mut self, result: ResultKind) {
        match result {
            ResultKind::Applied => self.applied += 1,
            ResultKind::Unchanged => self.unchanged += 1,
            ResultKind::Rejected => self.rejected += 1,
            ResultKind::RolledBack => self.rolled_back += 1,
        }
    }
}

/// What the coordinator publishes after every step.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReloadStatus {
    /// The revision in force: offset of the event that activated it.
    pub revision: u64,
    /// Offset of the `config loaded` holding the config in force.
    pub config_offset: u64,
    /// The last reload, if any since start.
    pub last: Option<LastReload>,
    /// True after a rejected or rolled-back reload, until a reload succeeds or the files are put
    /// back to the running content.
    pub failing: bool,
    /// When the last reload was applied, milliseconds since the Unix epoch.
    pub last_success_ms: Option<u64>,
    /// Reloads by result since start.
    pub counts: ReloadCounts,
    /// A revision waiting for `confirm`.
    pub pending: Option<PendingConfirmation>,
    /// Set while a reload runs.
    pub in_progress: bool,
}

/// Asks the actor tree for each child's condition; the admin API and `/metrics` hold one.
pub type ActorStatusFn = std::sync::Arc<
    dyn Fn() -> std::pin::Pin<
            Box<dyn std::future::Future<Output = Vec<crate::actors::ChildStatus>> + Send>,
        > + Send
        + Sync,
>;
