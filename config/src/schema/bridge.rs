//! `[bridge]`: the Bitcoin bridge — Bitcoin Core RPC and peg-in/peg-out parameters.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::Secret;

/// The Bitcoin bridge. Disabled by default: only federation members run it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BridgeConfig {
    /// Start the bridge actor. Default: false.
    pub enabled: bool,
    /// Bitcoin Core JSON-RPC URL (http or https). Default: `http://localhost:8332`.
    pub bitcoin_rpc_url: String,
    /// RPC user name. `None`: authenticate with `bitcoin_rpc_cookie_file`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bitcoin_rpc_user: Option<String>,
    /// RPC password for `bitcoin_rpc_user`. Secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bitcoin_rpc_password: Option<Secret>,
    /// Bitcoin Core's `.cookie` file, read at connect time instead of user and password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bitcoin_rpc_cookie_file: Option<PathBuf>,
    /// Wallet name; RPC calls go to `/wallet/<name>`. `None`: the node's default wallet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bitcoin_wallet: Option<String>,
    /// Bridge contract on the EVM side, `0x` and 40 hex digits.
    /// Default: `0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB`.
    pub bridge_contract_address: String,
    /// Bitcoin confirmations before a peg-in is credited. Default: 6.
    pub min_confirmations_pegin: u32,
    /// Bitcoin confirmations before a peg-out counts as done. Default: 3.
    pub min_confirmations_pegout: u32,
    /// Federation signatures a peg-out needs; at least 1 and at most the federation size of the
    /// chain spec. Default: 2.
    pub federation_threshold: u32,
    /// How often the bridge polls Bitcoin for new blocks and watched addresses. Default: 30s.
    #[serde(with = "humantime_serde")]
    pub monitoring_interval: Duration,
}

impl Default for BridgeConfig {
    fn default() -> Self {
        BridgeConfig {
            enabled: false,
            bitcoin_rpc_url: "http://localhost:8332".to_owned(),
            bitcoin_rpc_user: None,
            bitcoin_rpc_password: None,
            bitcoin_rpc_cookie_file: None,
            bitcoin_wallet: None,
            bridge_contract_address: "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB".to_owned(),
            min_confirmations_pegin: 6,
            min_confirmations_pegout: 3,
            federation_threshold: 2,
            monitoring_interval: Duration::from_secs(30),
        }
    }
}
