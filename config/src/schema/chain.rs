//! `[chain]`: chain id, the chain spec file and block timing.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Chain parameters. Authorities and federation members are not written here: they come from
/// the chain spec (`spec_file`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChainConfig {
    /// EVM chain id. When set together with `spec_file` it must equal the spec's `chainId`.
    /// `None`: taken from the spec.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain_id: Option<u64>,
    /// Chain spec JSON in the upstream format (see [`crate::chain_spec::ChainSpec`]). A relative
    /// path is resolved against the working directory. `None`: no spec; chain checks are skipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec_file: Option<PathBuf>,
    /// Directory of chain data. `None`: `<system.data_dir>/chain`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    /// Time between slots. Default: 2s.
    #[serde(with = "humantime_serde")]
    pub slot_duration: Duration,
    /// Blocks the chain may produce without a Bitcoin proof of work before it halts.
    /// Default: 10.
    pub max_blocks_without_pow: u64,
}

impl Default for ChainConfig {
    fn default() -> Self {
        ChainConfig {
            chain_id: None,
            spec_file: None,
            data_dir: None,
            slot_duration: Duration::from_secs(2),
            max_blocks_without_pow: 10,
        }
    }
}
