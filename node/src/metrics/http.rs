//! The HTTP side of the endpoint: which path answers what, and the server loop.
//!
//! The two paths come from the config, so they are matched by a single fallback handler rather
//! than registered as router routes: axum reads `{...}` and `*` in a route as captures and
//! panics on some spellings, and an operator's path must never be able to do either.

use std::sync::Arc;
use std::time::Duration;

use alys_config::schema::MonitoringConfig;
use axum::extract::State;
use axum::http::{header, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::{oneshot, watch};

use super::health::{HealthReport, HealthStatus};
use super::render::{self, ReloadDurations};
use super::MetricsError;
use crate::actors::ChildStatus;
use crate::reload::{ActorStatusFn, ReloadStatus};

/// How long one request waits for the actor tree to list its children. A tree that does not
/// answer within this makes `/health` unhealthy and leaves actor figures out of `/metrics`, so a
/// scrape never hangs on a stuck root actor.
const ACTOR_STATUS_TIMEOUT: Duration = Duration::from_secs(2);

/// The `Content-Type` of the health body.
const JSON: &str = "application/json";

/// The configured paths, checked once at start.
#[derive(Debug)]
pub(super) struct Routes {
    /// `prometheus.path`, `None` when `prometheus.enabled` is false.
    metrics: Option<String>,
    health: String,
}

impl Routes {
    pub(super) fn from_config(config: &MonitoringConfig) -> Result<Routes, MetricsError> {
        let health = checked("monitoring.health_check.path", &config.health_check.path)?;
        let metrics = if config.prometheus.enabled {
            let metrics = checked("monitoring.prometheus.path", &config.prometheus.path)?;
            if metrics == health {
                return Err(MetricsError::Path {
                    key: "monitoring.prometheus.path",
                    path: metrics,
                    reason: "is also monitoring.health_check.path",
                });
            }
            Some(metrics)
        } else {
            None
        };
        Ok(Routes { metrics, health })
    }
}

fn checked(key: &'static str, path: &str) -> Result<String, MetricsError> {
    let reason = if !path.starts_with('/') {
        "must start with `/`"
    } else if path.contains(['?', '#']) || path.chars().any(char::is_whitespace) {
        "must be a plain path, without query, fragment or spaces"
    } else {
        return Ok(path.to_owned());
    };
    Err(MetricsError::Path {
        key,
        path: path.to_owned(),
        reason,
    })
}

/// What every request reads.
pub(super) struct Shared {
    pub(super) routes: Routes,
    pub(super) prefix: String,
    pub(super) status: watch::Receiver<ReloadStatus>,
    pub(super) actors: ActorStatusFn,
    pub(super) durations: ReloadDurations,
}

/// Serves until `shutdown` fires (or its sender is dropped), then lets the requests in flight
/// finish.
pub(super) async fn run(
    listener: TcpListener,
    shared: Arc<Shared>,
    shutdown: oneshot::Receiver<()>,
) {
    let app = Router::new().fallback(answer).with_state(shared);
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(async {
            // A dropped sender means the same as a sent signal.
            let _ = shutdown.await;
        })
        .await;
    match served {
        Ok(()) => tracing::debug!(target: "alys_node", "metrics endpoint stopped"),
        Err(error) => tracing::warn!(target: "alys_node", %error, "metrics endpoint failed"),
    }
}

async fn answer(State(shared): State<Arc<Shared>>, method: Method, uri: Uri) -> Response {
    let path = uri.path();
    let is_metrics = shared.routes.metrics.as_deref() == Some(path);
    let is_health = shared.routes.health == path;
    if !is_metrics && !is_health {
        tracing::trace!(target: "alys_node", path, "metrics endpoint: no such path");
        return (StatusCode::NOT_FOUND, "not found\n").into_response();
    }
    if method != Method::GET && method != Method::HEAD {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "GET, HEAD")],
            "method not allowed\n",
        )
            .into_response();
    }

    // Clone the status out so the watch lock is not held across the actor query.
    let status = shared.status.borrow().clone();
    let actors = actor_status(&shared.actors).await;
    if is_metrics {
        metrics(&shared, &status, actors.as_deref())
    } else {
        health(&status, actors.as_deref())
    }
}

async fn actor_status(actors: &ActorStatusFn) -> Option<Vec<ChildStatus>> {
    match tokio::time::timeout(ACTOR_STATUS_TIMEOUT, actors()).await {
        Ok(children) => Some(children),
        Err(_) => {
            tracing::warn!(
                target: "alys_node",
                timeout = ?ACTOR_STATUS_TIMEOUT,
                "actor tree did not answer a metrics request"
            );
            None
        }
    }
}

fn metrics(shared: &Shared, status: &ReloadStatus, actors: Option<&[ChildStatus]>) -> Response {
    match render::render(&shared.prefix, status, actors, &shared.durations) {
        Ok(text) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, render::CONTENT_TYPE)],
            text,
        )
            .into_response(),
        // Encoding into a String fails only on a label the encoder refuses; that is our bug.
        Err(error) => {
            tracing::error!(target: "alys_node", %error, "cannot encode metrics");
            (StatusCode::INTERNAL_SERVER_ERROR, "cannot encode metrics\n").into_response()
        }
    }
}

fn health(status: &ReloadStatus, actors: Option<&[ChildStatus]>) -> Response {
    let report = HealthReport::judge(status, actors);
    let code = match report.status {
        HealthStatus::Healthy => StatusCode::OK,
        HealthStatus::Degraded | HealthStatus::Unhealthy => {
            tracing::debug!(target: "alys_node", reasons = ?report.reasons, "health check unhealthy");
            StatusCode::SERVICE_UNAVAILABLE
        }
    };
    match serde_json::to_string(&report) {
        Ok(mut body) => {
            body.push('\n');
            (code, [(header::CONTENT_TYPE, JSON)], body).into_response()
        }
        Err(error) => {
            tracing::error!(target: "alys_node", %error, "cannot encode the health report");
            (StatusCode::INTERNAL_SERVER_ERROR, "cannot encode health\n").into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_a_metrics_path_equal_to_the_health_path() {
        let mut config = MonitoringConfig::default();
        config.prometheus.path = "/health".into();

        let error = Routes::from_config(&config).unwrap_err();

        assert!(
            error.to_string().starts_with("monitoring.prometheus.path"),
            "{error}"
        );
    }

    #[test]
    fn a_disabled_metrics_path_may_equal_anything() {
        let mut config = MonitoringConfig::default();
        config.prometheus.enabled = false;
        config.prometheus.path = "no-slash".into();

        let routes = Routes::from_config(&config).unwrap();

        assert_eq!(routes.metrics, None);
    }

    #[test]
    fn refuses_a_relative_health_path() {
        let mut config = MonitoringConfig::default();
        config.health_check.path = "health".into();

        let error = Routes::from_config(&config).unwrap_err();

        assert!(error.to_string().contains("must start with `/`"), "{error}");
    }
}
