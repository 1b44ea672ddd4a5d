//! `[execution]`: the EVM execution client (Geth, Reth) — endpoints, timeouts, JWT.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::Secret;

/// The execution client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExecutionConfig {
    /// Engine/JSON-RPC endpoint. Default: `http://127.0.0.1:8551`.
    pub endpoint: String,
    /// WebSocket endpoint for subscriptions. `None`: subscriptions are replaced by polling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ws_endpoint: Option<String>,
    /// Endpoints tried in order when `endpoint` fails. Default: none.
    pub fallback_endpoints: Vec<String>,
    /// Entries (blocks, receipts, accounts) kept in each client cache. Default: 1000.
    pub cache_entries: usize,
    /// How long one request may take. Default: 30s.
    #[serde(with = "humantime_serde")]
    pub request_timeout: Duration,
    /// How long connecting may take. Default: 10s.
    #[serde(with = "humantime_serde")]
    pub connection_timeout: Duration,
    /// Retries of a failed request, with backoff, before trying the next endpoint. Default: 3.
    pub max_retries: u32,
    /// Hex JWT secret shared with the client's authenticated RPC. Secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwt_secret: Option<Secret>,
    /// File holding the hex JWT secret (Geth's `jwtsecret`), read at connect time; used when
    /// `jwt_secret` is unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwt_secret_file: Option<PathBuf>,
    /// How often the client's health is probed. Default: 30s.
    #[serde(with = "humantime_serde")]
    pub health_check_interval: Duration,
}

impl Default for ExecutionConfig {
    fn default() -> Self {
        ExecutionConfig {
            endpoint: "http://127.0.0.1:8551".to_owned(),
            ws_endpoint: None,
            fallback_endpoints: Vec::new(),
            cache_entries: 1000,
            request_timeout: Duration::from_secs(30),
            connection_timeout: Duration::from_secs(10),
            max_retries: 3,
            jwt_secret: None,
            jwt_secret_file: None,
            health_check_interval: Duration::from_secs(30),
        }
    }
}
