//! `[reload]` and `[admin]`: how a running node notices config changes, and the loopback admin
//! API that operators reload, roll back and confirm through.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// When the node re-reads its config files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReloadConfig {
    /// What triggers a re-read besides SIGHUP and the admin API. Default: debounced.
    pub watch: WatchMode,
    /// Quiet time after the last file event before a debounced reload; changes inside the
    /// window coalesce into one reload. Default: 250ms.
    #[serde(with = "humantime_serde")]
    pub debounce: Duration,
    /// Period of the re-read in `scheduled` mode. Default: 60s.
    #[serde(with = "humantime_serde")]
    pub interval: Duration,
    /// How many times a new section is sent again to an actor that did not acknowledge it
    /// within `actors.timeouts.config_reload`, before the reload rolls back. Default: 1.
    pub ack_retries: u32,
}

impl Default for ReloadConfig {
    fn default() -> Self {
        ReloadConfig {
            watch: WatchMode::Debounced,
            debounce: Duration::from_millis(250),
            interval: Duration::from_secs(60),
            ack_retries: 1,
        }
    }
}

/// What triggers a re-read of the config files.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WatchMode {
    /// Reload on the first file event that finds the content changed.
    Immediate,
    /// Reload once the config directories have been quiet for `debounce`.
    #[default]
    Debounced,
    /// Watch nothing; reload on SIGHUP or the admin API only.
    Manual,
    /// Re-read every `interval`; a reload happens only when the content changed.
    Scheduled,
}

/// The JSON-RPC admin API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdminConfig {
    /// Serve the admin API. Default: true.
    pub enabled: bool,
    /// Socket address, `ip:port`. Port 0 picks a free port; `alys-node ctl` finds the address
    /// in `<data_dir>/admin.addr` either way. Default: `127.0.0.1:0`.
    pub bind_addr: String,
}

impl Default for AdminConfig {
    fn default() -> Self {
        AdminConfig {
            enabled: true,
            bind_addr: "127.0.0.1:0".to_owned(),
        }
    }
}
