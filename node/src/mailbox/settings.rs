//! The settings one mailbox runs with, taken from `[actors.mailbox]`, the actor's own section and
//! `[actors.performance.message_batching]`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use alys_config::schema::actors::{
    ActorConfig, ActorSystemConfig, BackpressureStrategy, DeadLetterHandler, PriorityAlgorithm,
};

/// File name of the `file` dead-letter handler when the config names no path.
pub const DEAD_LETTER_FILE_NAME: &str = "dead_letters.log";

/// Everything a mailbox needs to know. Fields are public so tests can build odd mailboxes;
/// [`crate::mailbox::mailbox`] corrects values the validator would have refused (a capacity of
/// 0 becomes 1, a default priority past the last lane becomes the last lane).
#[derive(Debug, Clone, PartialEq)]
pub struct MailboxSettings {
    /// Ordinary messages the mailbox holds; system messages are not counted.
    pub capacity: usize,
    /// What a send to a full mailbox does.
    pub backpressure: BackpressureStrategy,
    /// How long a `block` send waits for room before the message is handed back.
    pub message_timeout: Duration,
    /// Priority lanes and how they share the receiver.
    pub priorities: PrioritySettings,
    /// What becomes of messages that are dropped or handed back.
    pub dead_letters: DeadLetterSettings,
    /// How [`crate::mailbox::MailboxReceiver::recv_batch`] groups messages.
    pub batching: BatchSettings,
}

/// Priority lanes of one mailbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrioritySettings {
    /// Several lanes; when false every message shares one FIFO lane.
    pub enabled: bool,
    /// Number of lanes, lane 0 served first; at least 1.
    pub levels: u8,
    /// Lane of a message sent with [`crate::mailbox::Priority::DEFAULT`].
    pub default_priority: u8,
    /// How non-empty lanes take turns.
    pub algorithm: PriorityAlgorithm,
}

/// Dead-letter bookkeeping of one mailbox.
#[derive(Debug, Clone, PartialEq)]
pub struct DeadLetterSettings {
    /// Keep and report dead letters; when false they are only counted in the metrics.
    pub enabled: bool,
    /// Dead letters kept in memory; the oldest is evicted first.
    pub max_messages: usize,
    /// How long a dead letter is kept in memory.
    pub retention_time: Duration,
    /// What is done with each dead letter besides keeping it.
    pub handler: DeadLetterHandler,
    /// File the `file` handler appends to. `None` with the `file` handler: dead letters are
    /// logged instead, with one warning.
    pub file_path: Option<PathBuf>,
}

/// Batch delivery of one mailbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchSettings {
    /// Let a batch wait up to `batch_timeout` for more messages.
    pub enabled: bool,
    /// Messages in one batch at most, the first included; at least 1.
    pub max_batch_size: usize,
    /// How long a partial batch waits for more messages after its first one.
    pub batch_timeout: Duration,
}

impl MailboxSettings {
    /// The settings of `actor`'s mailbox: its own `mailbox_capacity` or the system's
    /// `default_capacity`, everything else from `[actors.mailbox]` and
    /// `[actors.performance.message_batching]`. A relative or absent dead-letter file is not
    /// resolved here; see [`MailboxSettings::with_data_dir`].
    pub fn for_actor(system: &ActorSystemConfig, actor: &ActorConfig) -> MailboxSettings {
        let mailbox = &system.mailbox;
        let queue = &mailbox.priority_queue;
        let dead = &mailbox.dead_letter;
        let batching = &system.performance.message_batching;
        MailboxSettings {
            capacity: actor.mailbox_capacity.unwrap_or(mailbox.default_capacity),
            backpressure: mailbox.backpressure_strategy,
            message_timeout: mailbox.message_timeout,
            priorities: PrioritySettings {
                enabled: queue.enabled,
                levels: queue.levels,
                default_priority: queue.default_priority,
                algorithm: queue.algorithm,
            },
            dead_letters: DeadLetterSettings {
                enabled: dead.enabled,
                max_messages: dead.max_messages,
                retention_time: dead.retention_time,
                handler: dead.handler,
                file_path: dead.file_path.clone(),
            },
            batching: BatchSettings {
                enabled: batching.enabled,
                max_batch_size: batching.max_batch_size,
                batch_timeout: batching.batch_timeout,
            },
        }
    }

    /// The defaults of `[actors.mailbox]` with this capacity and strategy: one lane, batching
    /// off, dead letters kept and logged.
    pub fn new(capacity: usize, backpressure: BackpressureStrategy) -> MailboxSettings {
        let mut settings =
            MailboxSettings::for_actor(&ActorSystemConfig::default(), &ActorConfig::default());
        settings.capacity = capacity;
        settings.backpressure = backpressure;
        settings
    }

    /// Resolves the dead-letter file against the node's data directory: no path becomes
    /// `<data_dir>/dead_letters.log`, a relative path is taken from `data_dir`.
    pub fn with_data_dir(mut self, data_dir: &Path) -> MailboxSettings {
        self.dead_letters.file_path = Some(match self.dead_letters.file_path.take() {
            None => data_dir.join(DEAD_LETTER_FILE_NAME),
            Some(path) if path.is_relative() => data_dir.join(path),
            Some(path) => path,
        });
        self
    }

    /// Corrects values the validator refuses, so a mailbox built by hand cannot wedge.
    pub(crate) fn normalised(mut self) -> MailboxSettings {
        self.capacity = self.capacity.max(1);
        self.priorities.levels = self.priorities.levels.max(1);
        if !self.priorities.enabled {
            self.priorities.levels = 1;
        }
        self.priorities.default_priority = self
            .priorities
            .default_priority
            .min(self.priorities.levels - 1);
        self.dead_letters.max_messages = self.dead_letters.max_messages.max(1);
        self.batching.max_batch_size = self.batching.max_batch_size.max(1);
        self
    }
}

impl Default for MailboxSettings {
    /// The built-in defaults: capacity 1000, `block` for at most 30s, one lane, batching off.
    fn default() -> Self {
        MailboxSettings::for_actor(&ActorSystemConfig::default(), &ActorConfig::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actor_capacity_overrides_the_system_default() {
        let mut system = ActorSystemConfig::default();
        system.mailbox.default_capacity = 64;
        system.performance.message_batching.enabled = true;
        let own = ActorConfig {
            mailbox_capacity: Some(8),
            ..ActorConfig::default()
        };

        assert_eq!(MailboxSettings::for_actor(&system, &own).capacity, 8);
        let shared = MailboxSettings::for_actor(&system, &ActorConfig::default());
        assert_eq!(shared.capacity, 64);
        assert!(shared.batching.enabled);
    }

    #[test]
    fn disabled_priorities_normalise_to_one_lane() {
        let mut settings = MailboxSettings::new(0, BackpressureStrategy::Fail);
        settings.priorities.levels = 5;
        settings.priorities.default_priority = 4;

        let settings = settings.normalised();

        assert_eq!(settings.capacity, 1);
        assert_eq!(settings.priorities.levels, 1);
        assert_eq!(settings.priorities.default_priority, 0);
    }

    #[test]
    fn data_dir_resolves_absent_and_relative_dead_letter_files() {
        let dir = Path::new("/var/alys");
        let absent = MailboxSettings::default().with_data_dir(dir);
        assert_eq!(
            absent.dead_letters.file_path.as_deref(),
            Some(dir.join(DEAD_LETTER_FILE_NAME).as_path())
        );

        let mut relative = MailboxSettings::default();
        relative.dead_letters.file_path = Some(PathBuf::from("dl/chain.log"));
        let relative = relative.with_data_dir(dir);
        assert_eq!(
            relative.dead_letters.file_path.as_deref(),
            Some(dir.join("dl/chain.log").as_path())
        );
    }
}
