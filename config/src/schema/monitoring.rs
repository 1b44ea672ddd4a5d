//! `[monitoring]`: the metrics and health HTTP endpoint.

use serde::{Deserialize, Serialize};

/// The metrics and health endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MonitoringConfig {
    /// Socket address of the HTTP endpoint, `ip:port`. Loopback by default: put a proxy in
    /// front to expose it. Default: `127.0.0.1:9090`.
    pub bind_addr: String,
    /// Prometheus metrics.
    pub prometheus: PrometheusConfig,
    /// The health check path.
    pub health_check: HealthEndpointConfig,
}

impl Default for MonitoringConfig {
    fn default() -> Self {
        MonitoringConfig {
            bind_addr: "127.0.0.1:9090".to_owned(),
            prometheus: PrometheusConfig::default(),
            health_check: HealthEndpointConfig::default(),
        }
    }
}

/// Prometheus metrics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PrometheusConfig {
    /// Serve metrics. Default: true.
    pub enabled: bool,
    /// HTTP path of the metrics. Default: `/metrics`.
    pub path: String,
    /// Prefix of every metric name. Default: `alys_`.
    pub prefix: String,
}

impl Default for PrometheusConfig {
    fn default() -> Self {
        PrometheusConfig {
            enabled: true,
            path: "/metrics".to_owned(),
            prefix: "alys_".to_owned(),
        }
    }
}

/// The health check endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HealthEndpointConfig {
    /// HTTP path answering 200 when healthy and 503 when degraded. Default: `/health`.
    pub path: String,
}

impl Default for HealthEndpointConfig {
    fn default() -> Self {
        HealthEndpointConfig {
            path: "/health".to_owned(),
        }
    }
}
