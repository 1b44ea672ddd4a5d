//! Restart strategies of the supervisor, written inline as `{ type = "one_for_one", ... }`.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// What the supervisor does when an actor fails. Every parameter has a default, so
/// `{ type = "one_for_all" }` is complete. Variants without parameters are written with empty
/// braces (`Never {}`) so that a stray key next to their `type` is an error, not ignored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum RestartStrategy {
    /// Restart only the failed actor (OTP one-for-one).
    OneForOne(RestartLimit),
    /// Restart every supervised actor when one fails (OTP one-for-all).
    OneForAll(RestartLimit),
    /// Restart the failed actor and every actor started after it (OTP rest-for-one).
    RestForOne(RestartLimit),
    /// Restart the failed actor after a delay that grows with each consecutive failure.
    ExponentialBackoff(BackoffPolicy),
    /// Stop restarting after repeated failures; try again after a pause.
    CircuitBreaker(CircuitBreakerPolicy),
    /// Never restart: the actor stays down and the node keeps running with degraded health.
    Never {},
}

impl Default for RestartStrategy {
    fn default() -> Self {
        RestartStrategy::OneForOne(RestartLimit::default())
    }
}

impl RestartStrategy {
    /// The `type` tag as written in TOML.
    pub fn kind(&self) -> &'static str {
        match self {
            RestartStrategy::OneForOne(_) => "one_for_one",
            RestartStrategy::OneForAll(_) => "one_for_all",
            RestartStrategy::RestForOne(_) => "rest_for_one",
            RestartStrategy::ExponentialBackoff(_) => "exponential_backoff",
            RestartStrategy::CircuitBreaker(_) => "circuit_breaker",
            RestartStrategy::Never {} => "never",
        }
    }
}

/// OTP restart intensity: at most `max_retries` restarts within `within_time`, then escalate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RestartLimit {
    /// Restarts allowed within the window; above 0. Default: 3.
    pub max_retries: u32,
    /// Window over which restarts are counted; above 0. Default: 60s.
    #[serde(with = "humantime_serde")]
    pub within_time: Duration,
}

impl Default for RestartLimit {
    fn default() -> Self {
        RestartLimit {
            max_retries: 3,
            within_time: Duration::from_secs(60),
        }
    }
}

/// Restart delays of `initial_delay * multiplier^n`, capped at `max_delay`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BackoffPolicy {
    /// Delay before the first restart; not above `max_delay`. Default: 1s.
    #[serde(with = "humantime_serde")]
    pub initial_delay: Duration,
    /// Longest delay. Default: 60s.
    #[serde(with = "humantime_serde")]
    pub max_delay: Duration,
    /// Growth per consecutive failure; at least 1. Default: 2.0.
    pub multiplier: f64,
    /// Consecutive restarts before escalating; above 0. Default: 10.
    pub max_retries: u32,
}

impl Default for BackoffPolicy {
    fn default() -> Self {
        BackoffPolicy {
            initial_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
            multiplier: 2.0,
            max_retries: 10,
        }
    }
}

/// Opens after `failure_threshold` consecutive failures, waits `recovery_timeout`, then closes
/// again after `success_threshold` healthy checks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CircuitBreakerPolicy {
    /// Consecutive failures that open the breaker; above 0. Default: 5.
    pub failure_threshold: u32,
    /// Pause while open before one trial restart; above 0. Default: 60s.
    #[serde(with = "humantime_serde")]
    pub recovery_timeout: Duration,
    /// Healthy checks after a trial restart that close the breaker; above 0. Default: 2.
    pub success_threshold: u32,
}

impl Default for CircuitBreakerPolicy {
    fn default() -> Self {
        CircuitBreakerPolicy {
            failure_threshold: 5,
            recovery_timeout: Duration::from_secs(60),
            success_threshold: 2,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    struct Holder {
        s: RestartStrategy,
    }

    fn parse(text: &str) -> Result<RestartStrategy, toml::de::Error> {
        toml::from_str::<Holder>(text).map(|h| h.s)
    }

    #[test]
    fn tag_alone_takes_default_parameters() {
        assert_eq!(
            parse(r#"s = { type = "one_for_all" }"#).unwrap(),
            RestartStrategy::OneForAll(RestartLimit::default())
        );
        assert_eq!(
            parse(r#"s = { type = "circuit_breaker" }"#).unwrap(),
            RestartStrategy::CircuitBreaker(CircuitBreakerPolicy::default())
        );
        assert_eq!(
            parse(r#"s = { type = "never" }"#).unwrap(),
            RestartStrategy::Never {}
        );
    }

    #[test]
    fn parameters_are_read_with_humantime_durations() {
        let s = parse(
            r#"s = { type = "exponential_backoff", initial_delay = "250ms", multiplier = 3 }"#,
        )
        .unwrap();
        let RestartStrategy::ExponentialBackoff(b) = s else {
            panic!("wrong variant: {s:?}")
        };
        assert_eq!(b.initial_delay, Duration::from_millis(250));
        assert_eq!(b.multiplier, 3.0);
        assert_eq!(b.max_delay, BackoffPolicy::default().max_delay);
    }

    #[test]
    fn rejects_unknown_parameter_and_unknown_type() {
        assert!(parse(r#"s = { type = "one_for_one", maxRetries = 3 }"#).is_err());
        assert!(parse(r#"s = { type = "one_for_one", multiplier = 2.0 }"#).is_err());
        assert!(parse(r#"s = { type = "sometimes" }"#).is_err());
        assert!(parse(r#"s = { max_retries = 3 }"#).is_err());
    }

    #[test]
    fn every_strategy_survives_a_toml_round_trip() {
        for s in [
            RestartStrategy::default(),
            RestartStrategy::RestForOne(RestartLimit::default()),
            RestartStrategy::ExponentialBackoff(BackoffPolicy::default()),
            RestartStrategy::CircuitBreaker(CircuitBreakerPolicy::default()),
            RestartStrategy::Never {},
        ] {
            let text = toml::to_string(&Holder { s: s.clone() }).unwrap();
            assert_eq!(parse(&text).unwrap(), s, "{text}");
        }
    }
}
