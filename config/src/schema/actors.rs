//! `[actors]`: the actor system's runtime, supervision, mailboxes, timeouts, performance and one
//! section per actor.
//!
//! An actor section ([`ActorConfig`]) may override the mailbox capacity and restart strategy set
//! here for all actors; `None` there means "use the system-wide value".

mod actor;
mod mailbox;
mod profile;
mod restart;

use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use actor::{ActorConfig, ActorHealthCheck, ActorPerformance, StatePreservation};
pub use mailbox::{
    BackpressureStrategy, DeadLetterConfig, DeadLetterHandler, MailboxConfig, PriorityAlgorithm,
    PriorityQueueConfig,
};
pub use profile::ActorProfile;
pub use restart::{BackoffPolicy, CircuitBreakerPolicy, RestartLimit, RestartStrategy};

/// The whole actor system.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ActorSystemConfig {
    /// Tuning preset applied below the files (see [`ActorProfile::overlay`]); keys set in a file
    /// still win. `None`: the plain defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<ActorProfile>,
    /// The async runtime the actors run on.
    pub runtime: RuntimeConfig,
    /// How failed actors are restarted.
    pub supervision: SupervisionConfig,
    /// Mailbox defaults for every actor.
    pub mailbox: MailboxConfig,
    /// The chain actor (chain spec and chain config).
    pub chain_actor: ActorConfig,
    /// The engine actor (execution client).
    pub engine_actor: ActorConfig,
    /// The bridge actor (Bitcoin client and UTXO manager).
    pub bridge_actor: ActorConfig,
    /// The network actor (config only in this layer).
    pub network_actor: ActorConfig,
    /// The sync actor (config only in this layer).
    pub sync_actor: ActorConfig,
    /// The stream actor (governance client).
    pub stream_actor: ActorConfig,
    /// The storage actor (event log writer).
    pub storage_actor: ActorConfig,
    /// Lifecycle timeouts.
    pub timeouts: ActorTimeouts,
    /// Metrics, profiling, memory pool and message batching.
    pub performance: ActorPerformanceConfig,
}

impl ActorSystemConfig {
    /// Every actor section with its key name (`chain_actor` ...), in start order: storage
    /// first, so that every later actor can record events.
    pub fn actors(&self) -> [(&'static str, &ActorConfig); 7] {
        [
            ("storage_actor", &self.storage_actor),
            ("chain_actor", &self.chain_actor),
            ("engine_actor", &self.engine_actor),
            ("bridge_actor", &self.bridge_actor),
            ("stream_actor", &self.stream_actor),
            ("network_actor", &self.network_actor),
            ("sync_actor", &self.sync_actor),
        ]
    }
}

/// The async runtime the actors run on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RuntimeConfig {
    /// Worker threads. `None`: one per CPU, decided at run time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker_threads: Option<usize>,
    /// Enable the runtime's I/O driver. Default: true.
    pub enable_io: bool,
    /// Enable the runtime's timer. Default: true.
    pub enable_time: bool,
    /// Prefix of worker thread names. Default: `alys-actor`.
    pub thread_name_prefix: String,
    /// Stack size of a worker thread in bytes. `None`: the runtime's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_stack_size_bytes: Option<usize>,
    /// How long an idle blocking thread lives. Default: 60s.
    #[serde(with = "humantime_serde")]
    pub thread_keep_alive: Duration,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        RuntimeConfig {
            worker_threads: None,
            enable_io: true,
            enable_time: true,
            thread_name_prefix: "alys-actor".to_owned(),
            thread_stack_size_bytes: None,
            thread_keep_alive: Duration::from_secs(60),
        }
    }
}

/// How the root supervisor restarts failed actors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SupervisionConfig {
    /// Strategy for actors whose section sets none. Default: one-for-one, 3 retries within 60s.
    pub default_restart_strategy: RestartStrategy,
    /// Restarts of the whole system within `restart_window` before the supervisor gives up.
    /// Default: 5.
    pub max_restarts: u32,
    /// Window over which `max_restarts` is counted. Default: 300s.
    #[serde(with = "humantime_serde")]
    pub restart_window: Duration,
    /// How long an escalated failure may take to be handled before the node stops. Default: 30s.
    #[serde(with = "humantime_serde")]
    pub escalation_timeout: Duration,
    /// How often the supervisor asks each actor for its health. Default: 30s.
    #[serde(with = "humantime_serde")]
    pub health_check_interval: Duration,
    /// Restart an actor that reports unhealthy, not only one that stopped. Default: true.
    pub auto_recovery: bool,
}

impl Default for SupervisionConfig {
    fn default() -> Self {
        SupervisionConfig {
            default_restart_strategy: RestartStrategy::default(),
            max_restarts: 5,
            restart_window: Duration::from_secs(300),
            escalation_timeout: Duration::from_secs(30),
            health_check_interval: Duration::from_secs(30),
            auto_recovery: true,
        }
    }
}

/// Lifecycle timeouts of the actor system.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ActorTimeouts {
    /// Starting every actor. Default: 30s.
    #[serde(with = "humantime_serde")]
    pub startup: Duration,
    /// Draining and stopping every actor. Default: 30s.
    #[serde(with = "humantime_serde")]
    pub shutdown: Duration,
    /// One actor's initialisation (opening clients, loading state). Default: 60s.
    #[serde(with = "humantime_serde")]
    pub initialization: Duration,
    /// One health check answer. Default: 5s.
    #[serde(with = "humantime_serde")]
    pub health_check: Duration,
    /// An actor's acknowledgement of a new config section. Default: 10s.
    #[serde(with = "humantime_serde")]
    pub config_reload: Duration,
}

impl Default for ActorTimeouts {
    fn default() -> Self {
        ActorTimeouts {
            startup: Duration::from_secs(30),
            shutdown: Duration::from_secs(30),
            initialization: Duration::from_secs(60),
            health_check: Duration::from_secs(5),
            config_reload: Duration::from_secs(10),
        }
    }
}

/// Metrics, profiling and throughput settings of the actor system.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ActorPerformanceConfig {
    /// Collect actor metrics. Default: true.
    pub monitoring: bool,
    /// How often actor metrics are sampled. Default: 30s.
    #[serde(with = "humantime_serde")]
    pub metrics_interval: Duration,
    /// Record per-message timings (costly). Default: false.
    pub profiling: bool,
    /// The pool message buffers come from.
    pub memory_pool: MemoryPoolConfig,
    /// Delivering messages to an actor in batches.
    pub message_batching: MessageBatchingConfig,
}

impl Default for ActorPerformanceConfig {
    fn default() -> Self {
        ActorPerformanceConfig {
            monitoring: true,
            metrics_interval: Duration::from_secs(30),
            profiling: false,
            memory_pool: MemoryPoolConfig::default(),
            message_batching: MessageBatchingConfig::default(),
        }
    }
}

/// The pool message buffers come from, counted in buffers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MemoryPoolConfig {
    /// Buffers allocated at start. Default: 1000.
    pub initial_size: usize,
    /// Upper bound on buffers. Default: 10000.
    pub max_size: usize,
    /// Factor the pool grows by when empty; above 1. Default: 1.5.
    pub growth_factor: f64,
    /// Fraction in use below which the pool shrinks; in 0..1. Default: 0.25.
    pub shrink_threshold: f64,
}

impl Default for MemoryPoolConfig {
    fn default() -> Self {
        MemoryPoolConfig {
            initial_size: 1000,
            max_size: 10_000,
            growth_factor: 1.5,
            shrink_threshold: 0.25,
        }
    }
}

/// Delivering several queued messages to an actor at once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MessageBatchingConfig {
    /// Batch messages. Default: false.
    pub enabled: bool,
    /// Messages per batch at most; not above any mailbox capacity. Default: 100.
    pub max_batch_size: usize,
    /// How long a partial batch waits for more messages. Default: 10ms.
    #[serde(with = "humantime_serde")]
    pub batch_timeout: Duration,
    /// Compress batches that cross a process boundary. Default: false.
    pub compression: bool,
}

impl Default for MessageBatchingConfig {
    fn default() -> Self {
        MessageBatchingConfig {
            enabled: false,
            max_batch_size: 100,
            batch_timeout: Duration::from_millis(10),
            compression: false,
        }
    }
}
