//! The whole node configuration, [`AlysConfig`], and the [`Environment`] it runs in.
//!
//! Every struct of the schema has a default for every field, so an empty table is valid and a file
//! holds only what differs. Unknown keys are errors (`deny_unknown_fields`); durations are written
//! as humans write them (`"10s"`, `"500ms"`, `"1h"`); sizes carry their unit in the name.

pub mod actors;
pub mod bridge;
pub mod chain;
pub mod execution;
pub mod governance;
pub mod logging;
pub mod monitoring;
pub mod network;
pub mod reload;
pub mod storage;
pub mod sync;
pub mod system;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use actors::{ActorConfig, ActorProfile, ActorSystemConfig, RestartStrategy};
pub use bridge::BridgeConfig;
pub use chain::ChainConfig;
pub use execution::ExecutionConfig;
pub use governance::{AuthMethod, GovernanceConfig, GovernanceEndpoint};
pub use logging::{LogOutput, LoggingConfig};
pub use monitoring::MonitoringConfig;
pub use network::NetworkConfig;
pub use reload::{AdminConfig, ReloadConfig, WatchMode};
pub use storage::StorageConfig;
pub use sync::SyncConfig;
pub use system::SystemConfig;

/// The master configuration of an Alys node, one field per top-level TOML table.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlysConfig {
    /// Where the node runs; selects the environment section of a file (`[dev]`, `[production]`)
    /// and how strict doubtful findings are. Default: development.
    pub environment: Environment,
    /// Process-wide settings: identity, directories, thread pool, memory, security.
    pub system: SystemConfig,
    /// The actor system: runtime, supervision, mailboxes and one section per actor.
    pub actors: ActorSystemConfig,
    /// Chain parameters and the chain spec file.
    pub chain: ChainConfig,
    /// P2P networking (validated here, run by another layer).
    pub network: NetworkConfig,
    /// The Bitcoin bridge: Bitcoin Core RPC and peg-in/peg-out parameters.
    pub bridge: BridgeConfig,
    /// The EVM execution client (Geth, Reth).
    pub execution: ExecutionConfig,
    /// Local storage: database, backups, caches.
    pub storage: StorageConfig,
    /// The governance network (gRPC streams). Disabled by default.
    pub governance: GovernanceConfig,
    /// Block sync (validated here, run by another layer).
    pub sync: SyncConfig,
    /// Metrics and health endpoints.
    pub monitoring: MonitoringConfig,
    /// Log level, format and outputs.
    pub logging: LoggingConfig,
    /// How the running node notices config changes.
    pub reload: ReloadConfig,
    /// The loopback JSON-RPC admin API.
    pub admin: AdminConfig,
}

/// Where the node runs. Written in lower case; `dev`, `test`, `stage` and `prod` are accepted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    /// A developer's machine: doubtful findings are warnings.
    #[default]
    #[serde(alias = "dev")]
    Development,
    /// Test runs and CI: doubtful findings are warnings.
    #[serde(alias = "test")]
    Testing,
    /// A pre-production deployment: doubtful findings are errors.
    #[serde(alias = "stage")]
    Staging,
    /// A production deployment: doubtful findings are errors.
    #[serde(alias = "prod")]
    Production,
}

impl Environment {
    /// Every environment, in order of strictness.
    pub const ALL: [Environment; 4] = [
        Environment::Development,
        Environment::Testing,
        Environment::Staging,
        Environment::Production,
    ];

    /// The canonical lower-case name, as serialised.
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Development => "development",
            Environment::Testing => "testing",
            Environment::Staging => "staging",
            Environment::Production => "production",
        }
    }

    /// Names of the file sections that hold this environment's overrides, canonical name first.
    /// A loader applies every one of them that a file contains.
    pub fn section_names(&self) -> &'static [&'static str] {
        match self {
            Environment::Development => &["development", "dev"],
            Environment::Testing => &["testing", "test"],
            Environment::Staging => &["staging", "stage"],
            Environment::Production => &["production", "prod"],
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that names no environment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown environment `{0}`: expected development (dev), testing (test), staging (stage) or \
     production (prod)"
)]
pub struct ParseEnvironmentError(pub String);

impl FromStr for Environment {
    type Err = ParseEnvironmentError;

    /// Accepts the canonical names and the short section names, ignoring case and surrounding
    /// whitespace.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim();
        Environment::ALL
            .into_iter()
            .find(|env| {
                env.section_names()
                    .iter()
                    .any(|name| name.eq_ignore_ascii_case(wanted))
            })
            .ok_or_else(|| ParseEnvironmentError(s.to_owned()))
    }
}

#[cfg(test)]
mod tests;
