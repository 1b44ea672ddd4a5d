//! The admin API's parameters and replies as they travel in JSON, shared by the server and `ctl`.

use alys_config::diff::KeyChange;
use serde::{Deserialize, Serialize};

use crate::reload::status::{LastReload, PendingConfirmation, ReloadCounts, ReloadStatus};

/// Reply of `admin_status`: the coordinator's last published state and each actor's condition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusReply {
    /// The revision in force: offset of the event that activated it.
    pub revision: u64,
    /// Offset of the `config loaded` holding the config in force.
    pub config_offset: u64,
    /// True when the last reload did not fail and every actor runs and is not recovering.
    pub healthy: bool,
    /// Each child of the root, in start order.
    pub actors: Vec<ActorReply>,
    /// The last reload since start, if any.
    pub last_reload: Option<LastReload>,
    /// True after a rejected or rolled-back reload until a reload succeeds.
    pub failing: bool,
    /// A revision waiting for `confirm`.
    pub pending_confirmation: Option<PendingConfirmation>,
    /// Reloads by result since start.
    pub counts: ReloadCounts,
    /// Set while a reload runs.
    pub in_progress: bool,
}

impl StatusReply {
    /// Combines the published reload state with the actors' condition.
    pub(crate) fn new(status: ReloadStatus, actors: Vec<crate::actors::ChildStatus>) -> Self {
        let actors: Vec<ActorReply> = actors.into_iter().map(ActorReply::from).collect();
        let healthy = !status.failing && actors.iter().all(ActorReply::is_healthy);
        StatusReply {
            revision: status.revision,
            config_offset: status.config_offset,
            healthy,
            actors,
            last_reload: status.last,
            failing: status.failing,
            pending_confirmation: status.pending,
            counts: status.counts,
            in_progress: status.in_progress,
        }
    }
}

/// One actor in [`StatusReply`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActorReply {
    /// The actor's name.
    pub name: String,
    /// Whether it runs now.
    pub running: bool,
    /// Restarts since the node started.
    pub restarts: u32,
    /// Restarted and not yet through its recovery health checks.
    pub recovering: bool,
    /// The mailbox counters (`depth`, `high_water_depth`, `dead_letters`, ...), as the node's
    /// `MailboxMetrics` names them; kept as JSON so a new counter needs no client change.
    pub mailbox: serde_json::Value,
}

impl ActorReply {
    /// Runs and is not recovering from a restart.
    pub fn is_healthy(&self) -> bool {
        self.running && !self.recovering
    }
}

impl From<crate::actors::ChildStatus> for ActorReply {
    fn from(child: crate::actors::ChildStatus) -> Self {
        ActorReply {
            mailbox: serde_json::to_value(child.mailbox).unwrap_or_default(),
            name: child.name,
            running: child.running,
            restarts: child.restarts,
            recovering: child.recovering,
        }
    }
}

/// Reply of `admin_config_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigAtReply {
    /// The offset asked for, or the head when none was given.
    pub offset: u64,
    /// The revision active there.
    pub revision: u64,
    /// Offset of the `config loaded` holding that config.
    pub config_offset: u64,
    /// Which kind of event activated it (`validation_reported`, `reload_applied`, `rollback`).
    pub activated_by: String,
    /// The environment recorded with it.
    pub environment: String,
    /// The effective configuration as TOML, secrets as the log stores them (redacted).
    pub effective_toml: String,
}

/// Parameters of `admin_history`; every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HistoryParams {
    /// First offset, inclusive. Default: 0.
    pub from: Option<u64>,
    /// Last offset, inclusive. Default: the head.
    pub to: Option<u64>,
    /// Only events whose kind starts with this (`reload` matches the three reload kinds, a full
    /// name such as `rollback` that kind alone), as `alys-log inspect --kind` takes it.
    pub kind: Option<String>,
    /// At most this many events, the latest of the range. Default: 100, capped at 10 000.
    pub limit: Option<usize>,
}

/// One event in the reply of `admin_history`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// The event's offset.
    pub offset: u64,
    /// When it was recorded, RFC 3339 UTC.
    pub time: String,
    /// The kind's snake_case name, or `unknown(<code>)`.
    pub kind: String,
    /// One line saying what happened.
    pub summary: String,
}

/// One side of a diff: the offset asked for and the revision active there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevisionRef {
    /// The offset asked for.
    pub offset: u64,
    /// The revision active at that offset.
    pub revision: u64,
}

/// Reply of `admin_diff`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffReply {
    /// The old side.
    pub a: RevisionRef,
    /// The new side.
    pub b: RevisionRef,
    /// Changed keys in key order; secrets only as the log records them.
    pub changes: Vec<KeyChange>,
}

/// Parameters of `admin_config_at`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct ConfigAtParams {
    pub(crate) offset: Option<u64>,
}

/// Parameters of `admin_diff`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DiffParams {
    pub(crate) a: u64,
    pub(crate) b: u64,
}

/// Parameters of `admin_reload`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct ReloadParams {
    /// A humantime duration such as `"5m"`.
    pub(crate) confirm_within: Option<String>,
}

/// Parameters of `admin_rollback`: exactly one of the two.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RollbackParams {
    pub(crate) to: Option<u64>,
    pub(crate) steps: Option<u32>,
}
