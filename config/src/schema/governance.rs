//! `[governance]`: the governance network — gRPC transport, endpoints, auth, streaming and
//! federation. Follows the layout of the upstream `governance-stream.toml`.

mod auth;
mod federation;

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use auth::{AuthConfig, AuthMethod, TokenRefreshConfig};
pub use federation::{ConsensusConfig, FederationConfig, VotingConfig};

/// The governance network client. Disabled, with no endpoints, by default.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GovernanceConfig {
    /// Start the stream actor; needs at least one enabled endpoint. Default: false.
    pub enabled: bool,
    /// gRPC transport settings shared by every endpoint.
    pub grpc: GrpcConfig,
    /// Governance nodes, tried by `priority` then `weight`. Default: none.
    pub endpoints: Vec<GovernanceEndpoint>,
    /// How the node authenticates.
    pub auth: AuthConfig,
    /// The bidirectional stream.
    pub streaming: StreamingConfig,
    /// This node's place in the federation.
    pub federation: FederationConfig,
}

/// gRPC transport settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GrpcConfig {
    /// How long connecting may take. Default: 10s.
    #[serde(with = "humantime_serde")]
    pub connect_timeout: Duration,
    /// How long a unary request may take. Default: 30s.
    #[serde(with = "humantime_serde")]
    pub request_timeout: Duration,
    /// HTTP/2 keepalive ping interval. Default: 30s.
    #[serde(with = "humantime_serde")]
    pub keep_alive_interval: Duration,
    /// How long a keepalive ping may go unanswered. Default: 5s.
    #[serde(with = "humantime_serde")]
    pub keep_alive_timeout: Duration,
    /// Use TLS; endpoints should then be `https://`. Default: true.
    pub enable_tls: bool,
    /// Largest message sent or received, in bytes. Default: 4194304 (4 MiB).
    pub max_message_size: usize,
    /// Certificates and server name for TLS.
    pub tls: GrpcTlsConfig,
}

impl Default for GrpcConfig {
    fn default() -> Self {
        GrpcConfig {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            keep_alive_interval: Duration::from_secs(30),
            keep_alive_timeout: Duration::from_secs(5),
            enable_tls: true,
            max_message_size: 4 * 1024 * 1024,
            tls: GrpcTlsConfig::default(),
        }
    }
}

/// TLS files and options of the gRPC client.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GrpcTlsConfig {
    /// PEM CA bundle that signs the servers. `None`: the system roots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_cert_file: Option<PathBuf>,
    /// PEM client certificate for mutual TLS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_cert_file: Option<PathBuf>,
    /// PEM private key of `client_cert_file`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_key_file: Option<PathBuf>,
    /// Name expected in the server certificate. `None`: the endpoint's host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_name: Option<String>,
    /// Accept any server certificate. For local testing only. Default: false.
    pub skip_verification: bool,
}

/// One governance node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GovernanceEndpoint {
    /// Unique name used in logs, metrics and events. Required in practice: empty is an error.
    pub name: String,
    /// `http://` or `https://` URL of the gRPC service. Required in practice: empty is an error.
    pub url: String,
    /// Lower is tried first. Default: 1.
    pub priority: u32,
    /// Share of traffic among endpoints of the same priority. Default: 100.
    pub weight: u32,
    /// Use this endpoint. Default: true.
    pub enabled: bool,
    /// Health checks of this endpoint.
    pub health_check: EndpointHealthCheck,
}

impl Default for GovernanceEndpoint {
    fn default() -> Self {
        GovernanceEndpoint {
            name: String::new(),
            url: String::new(),
            priority: 1,
            weight: 100,
            enabled: true,
            health_check: EndpointHealthCheck::default(),
        }
    }
}

/// Health checks of one endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EndpointHealthCheck {
    /// Probe the endpoint. Default: true.
    pub enabled: bool,
    /// Time between probes. Default: 30s.
    #[serde(with = "humantime_serde")]
    pub interval: Duration,
    /// How long one probe may take. Default: 5s.
    #[serde(with = "humantime_serde")]
    pub timeout: Duration,
    /// Consecutive failed probes that mark the endpoint down; above 0. Default: 3.
    pub failure_threshold: u32,
    /// Consecutive passed probes that mark it up again; above 0. Default: 2.
    pub recovery_threshold: u32,
}

impl Default for EndpointHealthCheck {
    fn default() -> Self {
        EndpointHealthCheck {
            enabled: true,
            interval: Duration::from_secs(30),
            timeout: Duration::from_secs(5),
            failure_threshold: 3,
            recovery_threshold: 2,
        }
    }
}

/// The bidirectional governance stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StreamingConfig {
    /// Open the stream; when false only unary calls are made. Default: true.
    pub enabled: bool,
    /// Interval of application-level keepalive messages. Default: 30s.
    #[serde(with = "humantime_serde")]
    pub keep_alive_interval: Duration,
    /// Time without any message after which the stream is reopened. Default: 300s.
    #[serde(with = "humantime_serde")]
    pub stream_timeout: Duration,
    /// Messages buffered per direction. Default: 1000.
    pub buffer_size: usize,
    /// gzip-compress messages. Default: true.
    pub compression: bool,
    /// Reconnecting after the stream drops.
    pub reconnection: ReconnectionConfig,
}

impl Default for StreamingConfig {
    fn default() -> Self {
        StreamingConfig {
            enabled: true,
            keep_alive_interval: Duration::from_secs(30),
            stream_timeout: Duration::from_secs(300),
            buffer_size: 1000,
            compression: true,
            reconnection: ReconnectionConfig::default(),
        }
    }
}

/// Jittered exponential backoff between reconnection attempts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReconnectionConfig {
    /// Reconnect at all. Default: true.
    pub enabled: bool,
    /// Delay before the first attempt; not above `max_delay`. Default: 1s.
    #[serde(with = "humantime_serde")]
    pub initial_delay: Duration,
    /// Longest delay. Default: 60s.
    #[serde(with = "humantime_serde")]
    pub max_delay: Duration,
    /// Growth of the delay per attempt; at least 1. Default: 2.0.
    pub backoff_multiplier: f64,
    /// Attempts on one endpoint before failing over to the next. Default: 10.
    pub max_attempts: u32,
    /// Random spread of each delay as a fraction of it, 0 to 1. Default: 0.1.
    pub jitter: f64,
}

impl Default for ReconnectionConfig {
    fn default() -> Self {
        ReconnectionConfig {
            enabled: true,
            initial_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
            backoff_multiplier: 2.0,
            max_attempts: 10,
            jitter: 0.1,
        }
    }
}
