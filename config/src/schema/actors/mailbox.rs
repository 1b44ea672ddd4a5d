//! `[actors.mailbox]`: capacity, backpressure, priorities and dead letters of actor mailboxes.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Mailbox defaults for every actor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailboxConfig {
    /// Messages a mailbox holds; above 0. An actor section may override it. Default: 1000.
    pub default_capacity: usize,
    /// What a send does when the mailbox is full. Default: block.
    pub backpressure_strategy: BackpressureStrategy,
    /// How long a message may wait in the mailbox before it becomes a dead letter.
    /// Default: 30s.
    #[serde(with = "humantime_serde")]
    pub message_timeout: Duration,
    /// Priority lanes.
    pub priority_queue: PriorityQueueConfig,
    /// Where undeliverable messages go.
    pub dead_letter: DeadLetterConfig,
}

impl Default for MailboxConfig {
    fn default() -> Self {
        MailboxConfig {
            default_capacity: 1000,
            backpressure_strategy: BackpressureStrategy::Block,
            message_timeout: Duration::from_secs(30),
            priority_queue: PriorityQueueConfig::default(),
            dead_letter: DeadLetterConfig::default(),
        }
    }
}

/// What a send to a full mailbox does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackpressureStrategy {
    /// Drop the oldest queued message (to the dead letters) and queue the new one.
    DropOldest,
    /// Drop the new message (to the dead letters).
    DropNewest,
    /// Wait until there is room; nothing is lost, the sender slows down.
    #[default]
    Block,
    /// Return an error to the sender at once.
    Fail,
}

/// Priority lanes of a mailbox; lane 0 is served first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PriorityQueueConfig {
    /// Use priority lanes; when false every message shares one FIFO. Default: false.
    pub enabled: bool,
    /// Number of lanes; at least 1. Default: 4.
    pub levels: u8,
    /// Lane of a message that names none; below `levels`. Default: 2.
    pub default_priority: u8,
    /// How lanes share the actor. Default: weighted_fair.
    pub algorithm: PriorityAlgorithm,
}

impl Default for PriorityQueueConfig {
    fn default() -> Self {
        PriorityQueueConfig {
            enabled: false,
            levels: 4,
            default_priority: 2,
            algorithm: PriorityAlgorithm::WeightedFair,
        }
    }
}

/// How priority lanes share the actor.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PriorityAlgorithm {
    /// Always the highest non-empty lane; lower lanes may starve.
    Strict,
    /// Higher lanes get proportionally more turns; no lane starves.
    #[default]
    WeightedFair,
    /// One message from each non-empty lane in turn.
    RoundRobin,
}

/// Undeliverable, dropped and timed-out messages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeadLetterConfig {
    /// Keep dead letters; when false they are only counted. Default: true.
    pub enabled: bool,
    /// Dead letters kept; the oldest go first. Above 0. Default: 10000.
    pub max_messages: usize,
    /// How long a dead letter is kept. Default: 1h.
    #[serde(with = "humantime_serde")]
    pub retention_time: Duration,
    /// What is done with each dead letter. Default: log.
    pub handler: DeadLetterHandler,
    /// File the `file` handler appends to. `None`: `<data_dir>/dead_letters.log`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_path: Option<PathBuf>,
}

impl Default for DeadLetterConfig {
    fn default() -> Self {
        DeadLetterConfig {
            enabled: true,
            max_messages: 10_000,
            retention_time: Duration::from_secs(3600),
            handler: DeadLetterHandler::Log,
            file_path: None,
        }
    }
}

/// What is done with a dead letter.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadLetterHandler {
    /// Write a warning to the log.
    #[default]
    Log,
    /// Append to `file_path`.
    File,
    /// Hand to a handler registered by code.
    External,
    /// Keep and count, nothing else.
    Ignore,
}
