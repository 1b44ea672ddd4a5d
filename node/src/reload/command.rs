//! What can be asked of the reload coordinator, and what it answers.
//!
//! Every trigger (file watch, SIGHUP, the admin API, a confirmation timer, a failed health check)
//! becomes a [`Command`] on one channel that a single task consumes, which is how two reloads
//! never interleave: the second waits for the first to commit or roll back.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

/// What started a reload; recorded as the `trigger` of `reload requested`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Trigger {
    /// The config watcher saw the content change.
    FileWatch,
    /// `[reload] watch = "scheduled"` re-read the files.
    Scheduled,
    /// The process received SIGHUP.
    Sighup,
    /// `alys-node ctl reload` or the admin API.
    AdminApi,
    /// A rollback asked for by an operator.
    Rollback,
    /// A confirmation window passed without `confirm`.
    ConfirmationExpired,
    /// An actor affected by an unconfirmed change failed its health checks.
    HealthCheckFailed,
}

impl Trigger {
    /// The name written in the log and printed by tools.
    pub fn name(self) -> &'static str {
        match self {
            Trigger::FileWatch => "file-watch",
            Trigger::Scheduled => "scheduled",
            Trigger::Sighup => "sighup",
            Trigger::AdminApi => "admin-api",
            Trigger::Rollback => "rollback",
            Trigger::ConfirmationExpired => "confirmation-expired",
            Trigger::HealthCheckFailed => "health-check-failed",
        }
    }

    /// True for the triggers that undo an unconfirmed revision by themselves. Such a rollback
    /// commits like any other, but it reports the reload it undid as rolled back, the same as an
    /// actor that did not acknowledge.
    pub fn is_automatic_rollback(self) -> bool {
        matches!(
            self,
            Trigger::ConfirmationExpired | Trigger::HealthCheckFailed
        )
    }
}

impl std::fmt::Display for Trigger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Which earlier revision a rollback returns to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RollbackTarget {
    /// The config active at this log offset.
    Offset(u64),
    /// This many revisions before the current one (1 is the previous revision).
    Steps(u32),
}

/// How a reload or rollback ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResultKind {
    /// Committed; the new revision is active.
    Applied,
    /// The content equals the running config; nothing was sent to any actor.
    Unchanged,
    /// Refused before any actor saw it (load or validation failed, or it needs a node restart).
    Rejected,
    /// Sent to the actors, then undone: an actor did not acknowledge in time or failed, or the
    /// revision was applied with a confirmation window and rolled back by itself (the window
    /// passed, or an actor it changed failed its health checks).
    RolledBack,
}

impl ResultKind {
    /// The name used in status replies and metric labels.
    pub fn name(self) -> &'static str {
        match self {
            ResultKind::Applied => "applied",
            ResultKind::Unchanged => "unchanged",
            ResultKind::Rejected => "rejected",
            ResultKind::RolledBack => "rolled_back",
        }
    }
}

/// The answer to a reload, rollback or expiry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// How it ended.
    pub result: ResultKind,
    /// The revision active afterwards.
    pub revision: u64,
    /// Offset of the event that recorded the end (`reload applied`, `reload rejected`,
    /// `rollback`); `None` when nothing was recorded (unchanged).
    pub offset: Option<u64>,
    /// Changed key paths, in key order.
    pub changed_keys: Vec<String>,
    /// Actors that received a new section.
    pub impacted_actors: Vec<String>,
    /// Actors restarted to apply it.
    pub restarted_actors: Vec<String>,
    /// Why it was rejected or rolled back.
    pub reason: Option<String>,
    /// When the new revision rolls back unless confirmed, milliseconds since the Unix epoch.
    pub confirm_deadline_ms: Option<u64>,
    /// Wall time of the whole pipeline, in microseconds.
    pub duration_us: u64,
}

/// Why a command could not be carried out at all (as opposed to a reload that was rejected).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum CommandError {
    /// `confirm` with no revision waiting for one.
    #[error("no revision is waiting for confirmation")]
    NothingToConfirm,
    /// The rollback target does not exist in the log.
    #[error("no configuration was active at {0}")]
    NoSuchRevision(String),
    /// The rollback target is an offset past the newest event: the question is malformed.
    #[error("offset {offset} is past the newest event (offset {newest})")]
    PastHead {
        /// The offset asked for.
        offset: u64,
        /// The newest event's offset.
        newest: u64,
    },
    /// The node is stopping and takes no more commands.
    #[error("the node is stopping")]
    Stopping,
    /// The event log could not be read or written.
    #[error("event log: {0}")]
    Log(String),
}

/// A request to the reload coordinator; the reply arrives on the oneshot.
#[derive(Debug)]
pub enum Command {
    /// Read the files again and apply what changed.
    Reload {
        /// What asked for it.
        trigger: Trigger,
        /// Roll back by itself unless confirmed within this long.
        confirm_within: Option<Duration>,
        /// Where the outcome goes; `None` for fire-and-forget triggers (watcher, SIGHUP).
        reply: Option<oneshot::Sender<Result<Outcome, CommandError>>>,
    },
    /// Go back to an earlier revision through the same pipeline.
    Rollback {
        /// Which revision.
        target: RollbackTarget,
        /// Why (`operator`, `confirmation expired`, ...), recorded in the `rollback` event.
        reason: String,
        /// What asked for it.
        trigger: Trigger,
        /// Where the outcome goes.
        reply: Option<oneshot::Sender<Result<Outcome, CommandError>>>,
    },
    /// Keep the revision applied with a confirmation window.
    Confirm {
        /// Who confirmed, recorded in the `confirmation` event.
        by: String,
        /// The confirmed revision.
        reply: oneshot::Sender<Result<u64, CommandError>>,
    },
}
