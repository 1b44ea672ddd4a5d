//! `[actors.<name>_actor]`: the settings one actor may have of its own.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::RestartStrategy;

/// One actor's section. Shared by every actor, so the same keys work everywhere.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ActorConfig {
    /// Start this actor. Default: true.
    pub enabled: bool,
    /// Mailbox capacity in messages. `None`: `actors.mailbox.default_capacity`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mailbox_capacity: Option<usize>,
    /// Restart strategy. `None`: `actors.supervision.default_restart_strategy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart_strategy: Option<RestartStrategy>,
    /// How the actor's state survives a restart. Default: in_memory.
    pub state_preservation: StatePreservation,
    /// Liveness checks of this actor.
    pub health_check: ActorHealthCheck,
    /// Limits and metrics of this actor.
    pub performance: ActorPerformance,
}

impl Default for ActorConfig {
    fn default() -> Self {
        ActorConfig {
            enabled: true,
            mailbox_capacity: None,
            restart_strategy: None,
            state_preservation: StatePreservation::InMemory,
            health_check: ActorHealthCheck::default(),
            performance: ActorPerformance::default(),
        }
    }
}

/// How an actor's state is kept across a restart that a config change or failure causes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatePreservation {
    /// Serialise the whole state into a snapshot event before the restart.
    FullSerialization,
    /// Snapshot only what changed since the last snapshot.
    Incremental,
    /// Hand the state object over to the new instance in memory (lost if the process dies).
    #[default]
    InMemory,
    /// Write the state to a file in the data dir.
    FileBased,
    /// Start from scratch.
    None,
}

/// Liveness checks of one actor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ActorHealthCheck {
    /// Time between checks. Default: 30s.
    #[serde(with = "humantime_serde")]
    pub interval: Duration,
    /// How long one check may take. Default: 5s.
    #[serde(with = "humantime_serde")]
    pub timeout: Duration,
    /// Consecutive failed checks that mark the actor unhealthy; above 0. Default: 3.
    pub failure_threshold: u32,
    /// Consecutive passed checks that mark it healthy again; above 0. Default: 2.
    pub recovery_threshold: u32,
}

impl Default for ActorHealthCheck {
    fn default() -> Self {
        ActorHealthCheck {
            interval: Duration::from_secs(30),
            timeout: Duration::from_secs(5),
            failure_threshold: 3,
            recovery_threshold: 2,
        }
    }
}

/// Limits and metrics of one actor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ActorPerformance {
    /// How long the actor may take to handle one message. Default: 10s.
    #[serde(with = "humantime_serde")]
    pub message_timeout: Duration,
    /// Memory the actor may use in MiB. `None`: no limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_memory_mb: Option<u64>,
    /// Share of the machine's CPU the actor may use, 1 to 100. `None`: no limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_limit_percent: Option<u8>,
    /// Collect this actor's metrics. Default: true.
    pub monitoring: bool,
    /// How often its metrics are sampled. Default: 60s.
    #[serde(with = "humantime_serde")]
    pub metrics_interval: Duration,
}

impl Default for ActorPerformance {
    fn default() -> Self {
        ActorPerformance {
            message_timeout: Duration::from_secs(10),
            max_memory_mb: None,
            cpu_limit_percent: None,
            monitoring: true,
            metrics_interval: Duration::from_secs(60),
        }
    }
}
