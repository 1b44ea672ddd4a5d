//! `[storage]`: the local database, its connection pool, backups and caches.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Local storage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StorageConfig {
    /// Database directory. `None`: `<system.data_dir>/db`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    /// Database engine. Default: sled.
    pub database_type: DatabaseType,
    /// Concurrent handles to the database.
    pub connection_pool: ConnectionPoolConfig,
    /// Periodic backups of the database and event log.
    pub backup: BackupConfig,
    /// Cache, write buffer and file limits.
    pub performance: StoragePerformance,
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig {
            data_dir: None,
            database_type: DatabaseType::Sled,
            connection_pool: ConnectionPoolConfig::default(),
            backup: BackupConfig::default(),
            performance: StoragePerformance::default(),
        }
    }
}

/// Database engine.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DatabaseType {
    /// sled on disk (the event log's engine).
    #[default]
    Sled,
    /// In memory, lost at exit; for tests.
    Memory,
}

/// Concurrent handles to the database.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConnectionPoolConfig {
    /// Handles open at most. Default: 16.
    pub max_connections: u32,
    /// How long a caller waits for a free handle. Default: 10s.
    #[serde(with = "humantime_serde")]
    pub connection_timeout: Duration,
    /// How long an unused handle stays open. Default: 10m.
    #[serde(with = "humantime_serde")]
    pub idle_timeout: Duration,
}

impl Default for ConnectionPoolConfig {
    fn default() -> Self {
        ConnectionPoolConfig {
            max_connections: 16,
            connection_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(600),
        }
    }
}

/// Periodic backups.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BackupConfig {
    /// Take backups. Default: false.
    pub enabled: bool,
    /// Time between backups. Default: 6h.
    #[serde(with = "humantime_serde")]
    pub interval: Duration,
    /// Backups kept; older ones are deleted. Default: 7.
    pub retention_count: u32,
    /// Where backups go. `None`: `<system.data_dir>/backups`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_dir: Option<PathBuf>,
}

impl Default for BackupConfig {
    fn default() -> Self {
        BackupConfig {
            enabled: false,
            interval: Duration::from_secs(6 * 3600),
            retention_count: 7,
            backup_dir: None,
        }
    }
}

/// Database cache, write buffer and file limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StoragePerformance {
    /// Database page cache in MiB; counts against `system.memory.max_heap_mb`. Default: 512.
    pub cache_size_mb: u64,
    /// Write buffer in MiB. Default: 64.
    pub write_buffer_size_mb: u64,
    /// Files the database may hold open. Default: 1000.
    pub max_open_files: u32,
    /// Compress stored pages. Default: true.
    pub compression: bool,
}

impl Default for StoragePerformance {
    fn default() -> Self {
        StoragePerformance {
            cache_size_mb: 512,
            write_buffer_size_mb: 64,
            max_open_files: 1000,
            compression: true,
        }
    }
}
