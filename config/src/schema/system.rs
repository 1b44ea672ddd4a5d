//! `[system]`: node identity, directories, thread pool, memory budget and API security.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::Secret;

/// Process-wide settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SystemConfig {
    /// Node name shown in logs and metrics. Default: `alys-v2`.
    pub name: String,
    /// Stable node id (a UUID by convention). `None`: unset; nothing in this layer needs one yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_id: Option<String>,
    /// Root of everything the node writes (event log, database, backups). Default: `./data`.
    pub data_dir: PathBuf,
    /// Directory of further configuration files (chain specs, certificates). Default: `./config`.
    pub config_dir: PathBuf,
    /// File to write the process id to. `None`: no pid file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid_file: Option<PathBuf>,
    /// Open file limit the node asks the OS for at start. Default: 65536.
    pub max_file_descriptors: u64,
    /// The general-purpose thread pool.
    pub thread_pool: ThreadPoolConfig,
    /// Memory budget and caches.
    pub memory: MemoryConfig,
    /// TLS, API keys and rate limits of the node's own endpoints.
    pub security: SecurityConfig,
}

impl Default for SystemConfig {
    fn default() -> Self {
        SystemConfig {
            name: "alys-v2".to_owned(),
            node_id: None,
            data_dir: PathBuf::from("./data"),
            config_dir: PathBuf::from("./config"),
            pid_file: None,
            max_file_descriptors: 65536,
            thread_pool: ThreadPoolConfig::default(),
            memory: MemoryConfig::default(),
            security: SecurityConfig::default(),
        }
    }
}

/// Sizes of the general-purpose thread pool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ThreadPoolConfig {
    /// Threads kept alive. `None`: one per CPU, decided at run time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub core_threads: Option<usize>,
    /// Upper bound on threads. `None`: four per CPU, decided at run time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_threads: Option<usize>,
    /// How long an idle thread above `core_threads` lives. Default: 60s.
    #[serde(with = "humantime_serde")]
    pub keep_alive: Duration,
    /// Tasks that may wait for a thread before submission fails. Default: 10000.
    pub queue_capacity: usize,
}

impl Default for ThreadPoolConfig {
    fn default() -> Self {
        ThreadPoolConfig {
            core_threads: None,
            max_threads: None,
            keep_alive: Duration::from_secs(60),
            queue_capacity: 10_000,
        }
    }
}

impl ThreadPoolConfig {
    /// `core_threads`, or `cpus` when unset (at least 1).
    pub fn core_threads_for(&self, cpus: usize) -> usize {
        self.core_threads.unwrap_or(cpus).max(1)
    }

    /// `max_threads`, or four per CPU when unset; never below [`Self::core_threads_for`].
    pub fn max_threads_for(&self, cpus: usize) -> usize {
        self.max_threads
            .unwrap_or(cpus.saturating_mul(4))
            .max(self.core_threads_for(cpus))
    }
}

/// Memory budget and the caches that count against it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MemoryConfig {
    /// Heap limit in MiB. When set, the caches here plus `storage.performance.cache_size_mb` must
    /// fit in it. `None`: no limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_heap_mb: Option<u64>,
    /// In-memory caches.
    pub caches: CacheConfig,
    /// The I/O buffer pool.
    pub buffer_pool: BufferPoolConfig,
}

/// Cache sizes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CacheConfig {
    /// Block cache in MiB. Default: 256.
    pub block_cache_mb: u64,
    /// Transaction cache in MiB. Default: 128.
    pub transaction_cache_mb: u64,
    /// State cache in MiB. Default: 512.
    pub state_cache_mb: u64,
    /// Peers remembered, in entries (not bytes). Default: 1000.
    pub peer_cache_entries: usize,
}

impl Default for CacheConfig {
    fn default() -> Self {
        CacheConfig {
            block_cache_mb: 256,
            transaction_cache_mb: 128,
            state_cache_mb: 512,
            peer_cache_entries: 1000,
        }
    }
}

impl CacheConfig {
    /// Block, transaction and state caches together, in MiB.
    pub fn total_mb(&self) -> u64 {
        self.block_cache_mb
            .saturating_add(self.transaction_cache_mb)
            .saturating_add(self.state_cache_mb)
    }
}

/// The I/O buffer pool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BufferPoolConfig {
    /// Size of one buffer in KiB. Default: 64.
    pub buffer_size_kb: u64,
    /// Buffers allocated at start. Default: 1000.
    pub buffer_count: usize,
    /// How the pool grows. Default: fixed.
    pub pool_type: PoolType,
}

impl Default for BufferPoolConfig {
    fn default() -> Self {
        BufferPoolConfig {
            buffer_size_kb: 64,
            buffer_count: 1000,
            pool_type: PoolType::Fixed,
        }
    }
}

/// Growth policy of a pool.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PoolType {
    /// Exactly `buffer_count` buffers; callers wait when all are in use.
    #[default]
    Fixed,
    /// Grows on demand and never shrinks.
    Dynamic,
    /// Grows on demand and shrinks back when idle.
    Elastic,
}

/// Security of the node's own endpoints (admin API, metrics).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SecurityConfig {
    /// Serve the node's endpoints over TLS; needs `tls_cert_file` and `tls_key_file`.
    /// Default: false.
    pub enable_tls: bool,
    /// PEM certificate chain of the node's endpoints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_cert_file: Option<PathBuf>,
    /// PEM private key matching `tls_cert_file`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_key_file: Option<PathBuf>,
    /// PEM CA bundle for client certificates. `None`: clients are not asked for one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_ca_file: Option<PathBuf>,
    /// Key clients present to the admin API. Secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<Secret>,
    /// HMAC secret signing the admin API's JWTs. Secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwt_secret: Option<Secret>,
    /// Lifetime of an issued JWT. Default: 24h.
    #[serde(with = "humantime_serde")]
    pub jwt_expiration: Duration,
    /// Request rate limits per client.
    pub rate_limits: RateLimitConfig,
}

impl Default for SecurityConfig {
    fn default() -> Self {
        SecurityConfig {
            enable_tls: false,
            tls_cert_file: None,
            tls_key_file: None,
            tls_ca_file: None,
            api_key: None,
            jwt_secret: None,
            jwt_expiration: Duration::from_secs(24 * 3600),
            rate_limits: RateLimitConfig::default(),
        }
    }
}

/// Token-bucket rate limits per client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitConfig {
    /// Apply the limits. Default: true.
    pub enabled: bool,
    /// Sustained requests per second. Default: 100.
    pub requests_per_second: u32,
    /// Requests allowed in a burst above the sustained rate. Default: 1000.
    pub burst_capacity: u32,
    /// How often idle client buckets are dropped. Default: 60s.
    #[serde(with = "humantime_serde")]
    pub cleanup_interval: Duration,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        RateLimitConfig {
            enabled: true,
            requests_per_second: 100,
            burst_capacity: 1000,
            cleanup_interval: Duration::from_secs(60),
        }
    }
}
