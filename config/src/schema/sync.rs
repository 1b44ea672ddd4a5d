//! `[sync]`: block download, checkpoints and timeouts (validated here, run by another layer).

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Block sync.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SyncConfig {
    /// Downloading blocks from several peers at once.
    pub parallel_downloads: ParallelDownloads,
    /// Sync checkpoints.
    pub checkpoints: CheckpointConfig,
    /// Timeouts of sync requests.
    pub timeouts: SyncTimeouts,
    /// Block queue and validation workers.
    pub performance: SyncPerformance,
}

/// Downloading blocks from several peers at once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ParallelDownloads {
    /// Batches in flight at once; at least 1. Default: 8.
    pub max_concurrent: u32,
    /// Blocks per batch; at least 1. Default: 100.
    pub batch_size: u32,
    /// How long one batch may take. Default: 30s.
    #[serde(with = "humantime_serde")]
    pub batch_timeout: Duration,
    /// Retries of a failed batch, each from another peer if one is available. Default: 3.
    pub max_retries: u32,
    /// Pause before a retry. Default: 1s.
    #[serde(with = "humantime_serde")]
    pub retry_delay: Duration,
}

impl Default for ParallelDownloads {
    fn default() -> Self {
        ParallelDownloads {
            max_concurrent: 8,
            batch_size: 100,
            batch_timeout: Duration::from_secs(30),
            max_retries: 3,
            retry_delay: Duration::from_secs(1),
        }
    }
}

/// Sync checkpoints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CheckpointConfig {
    /// Blocks between checkpoints; at least 1. Default: 1000.
    pub interval: u64,
    /// Verify a checkpoint before resuming from it. Default: true.
    pub validation: bool,
    /// Where checkpoints are kept. `None`: `<system.data_dir>/checkpoints`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_path: Option<PathBuf>,
    /// Checkpoints kept; older ones are deleted. Default: 10.
    pub max_checkpoints: u32,
}

impl Default for CheckpointConfig {
    fn default() -> Self {
        CheckpointConfig {
            interval: 1000,
            validation: true,
            storage_path: None,
            max_checkpoints: 10,
        }
    }
}

/// Timeouts of sync requests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SyncTimeouts {
    /// How long a peer may take to answer a status request. Default: 10s.
    #[serde(with = "humantime_serde")]
    pub peer_response: Duration,
    /// How long one block request may take. Default: 30s.
    #[serde(with = "humantime_serde")]
    pub block_request: Duration,
    /// Time without progress after which sync counts as stalled and picks new peers.
    /// Default: 2m.
    #[serde(with = "humantime_serde")]
    pub stall: Duration,
}

impl Default for SyncTimeouts {
    fn default() -> Self {
        SyncTimeouts {
            peer_response: Duration::from_secs(10),
            block_request: Duration::from_secs(30),
            stall: Duration::from_secs(120),
        }
    }
}

/// Block queue and validation workers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SyncPerformance {
    /// Downloaded blocks waiting for import at most; downloads pause above it. Default: 10000.
    pub max_pending_blocks: u32,
    /// Threads validating blocks. `None`: one per CPU, decided at run time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation_workers: Option<usize>,
}

impl Default for SyncPerformance {
    fn default() -> Self {
        SyncPerformance {
            max_pending_blocks: 10_000,
            validation_workers: None,
        }
    }
}
