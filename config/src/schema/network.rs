//! `[network]`: P2P listen address, peers and discovery (validated here, run by another layer).

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// P2P networking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NetworkConfig {
    /// Socket address to listen on, `ip:port`. Default: `0.0.0.0:30303`.
    pub listen_addr: String,
    /// Address announced to peers when it differs from `listen_addr` (NAT). `None`: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_addr: Option<String>,
    /// Peers dialled at start (multiaddrs or `host:port`). Default: none.
    pub bootnodes: Vec<String>,
    /// Connected peers at most; at least 1. Default: 50.
    pub max_peers: u32,
    /// How long dialling a peer may take. Default: 10s.
    #[serde(with = "humantime_serde")]
    pub connection_timeout: Duration,
    /// Peer discovery.
    pub discovery: DiscoveryConfig,
}

impl Default for NetworkConfig {
    fn default() -> Self {
        NetworkConfig {
            listen_addr: "0.0.0.0:30303".to_owned(),
            external_addr: None,
            bootnodes: Vec::new(),
            max_peers: 50,
            connection_timeout: Duration::from_secs(10),
            discovery: DiscoveryConfig::default(),
        }
    }
}

/// Peer discovery mechanisms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DiscoveryConfig {
    /// Discover peers at all; when false only `bootnodes` are used. Default: true.
    pub enabled: bool,
    /// mDNS on the local network. Default: false.
    pub mdns: bool,
    /// Kademlia DHT. Default: true.
    pub kademlia: bool,
}

impl Default for DiscoveryConfig {
    fn default() -> Self {
        DiscoveryConfig {
            enabled: true,
            mdns: false,
            kademlia: true,
        }
    }
}
