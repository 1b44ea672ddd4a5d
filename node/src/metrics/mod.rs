//! The `[monitoring]` HTTP endpoint: Prometheus metrics at `prometheus.path` and a health check
//! at `health_check.path`, both read from what the node already publishes.
//!
//! Nothing here keeps its own copy of reload or actor state. Every scrape reads the
//! [`ReloadStatus`] the reload coordinator last published and asks the actor tree for its
//! children through an [`ActorStatusFn`], so the figures cannot drift from what `alys-node ctl
//! status` shows. The one exception is the reload duration histogram: a histogram needs every
//! observation, and the status holds only the last reload, so a task watches the status channel
//! and observes each finished reload once (see [`render::observe_reloads`]).
//!
//! The bound address is written to `<data_dir>/metrics.addr`, so tests and scripts can bind port 0
//! and still find the endpoint. [`MetricsServer`] removes the file and shuts the server down
//! gracefully when stopped or dropped.

mod health;
mod http;
mod render;

use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use alys_config::schema::MonitoringConfig;
use tokio::net::TcpListener;
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;

use crate::data_dir::DataDir;
use crate::error::NodeError;
use crate::reload::{ActorStatusFn, ReloadStatus};

pub use health::{ActorHealth, HealthReport, HealthStatus};
pub use render::ReloadDurations;

/// Name of the file in the data directory that holds the endpoint's bound address, `ip:port`
/// followed by a newline.
pub const ADDR_FILE: &str = "metrics.addr";

/// Why the metrics endpoint could not start.
#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    /// `monitoring.bind_addr` could not be bound (in use, not local, not resolvable).
    #[error("metrics endpoint {addr}: cannot bind: {source}")]
    Bind {
        /// The configured `monitoring.bind_addr`.
        addr: String,
        /// The operating system's reason.
        source: io::Error,
    },

    /// The listener was bound but its local address could not be read.
    #[error("metrics endpoint {addr}: cannot read the bound address: {source}")]
    LocalAddr {
        /// The configured `monitoring.bind_addr`.
        addr: String,
        /// The operating system's reason.
        source: io::Error,
    },

    /// A configured path is not an absolute HTTP path, or both endpoints share one.
    #[error("{key} = {path:?}: {reason}")]
    Path {
        /// The config key, e.g. `monitoring.prometheus.path`.
        key: &'static str,
        /// The configured value.
        path: String,
        /// What is wrong with it.
        reason: &'static str,
    },

    /// `<data_dir>/metrics.addr` could not be written.
    #[error("{path}: cannot write the metrics address: {source}", path = path.display())]
    AddrFile {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        source: io::Error,
    },
}

impl From<MetricsError> for NodeError {
    fn from(error: MetricsError) -> NodeError {
        match error {
            MetricsError::AddrFile { path, source } => NodeError::DataDir {
                path,
                what: "cannot write the metrics address",
                source,
            },
            bind @ MetricsError::Bind { .. } => NodeError::Listen {
                key: "monitoring.bind_addr",
                message: bind.to_string(),
            },
            // NodeError has no metrics variant yet; `Runtime` keeps the whole message (address
            // included) because an io::Error wrapping an error displays it.
            other => {
                let kind = match &other {
                    MetricsError::Bind { source, .. } | MetricsError::LocalAddr { source, .. } => {
                        source.kind()
                    }
                    _ => io::ErrorKind::InvalidInput,
                };
                NodeError::Runtime(io::Error::new(kind, other))
            }
        }
    }
}

/// A running metrics endpoint. Dropping it asks the server to finish the requests in flight and
/// stop, and removes `metrics.addr`; [`MetricsServer::stop`] also waits for that to happen.
#[derive(Debug)]
pub struct MetricsServer {
    addr: SocketAddr,
    addr_file: PathBuf,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
    observer: JoinHandle<()>,
    durations: ReloadDurations,
}

impl MetricsServer {
    /// The address the server listens on (the real port when `bind_addr` asked for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The reload duration histogram the endpoint serves.
    pub fn reload_durations(&self) -> &ReloadDurations {
        &self.durations
    }

    /// Stops accepting connections, waits for the requests in flight to finish, and removes
    /// `metrics.addr`.
    pub async fn stop(mut self) {
        self.signal_shutdown();
        if let Some(server) = self.server.take() {
            if let Err(error) = server.await {
                tracing::warn!(target: "alys_node", %error, "metrics server task ended abnormally");
            }
        }
    }

    fn signal_shutdown(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            // The server may already be gone; then there is nothing to tell.
            let _ = shutdown.send(());
            self.observer.abort();
            remove_addr_file(&self.addr_file);
            tracing::info!(target: "alys_node", addr = %self.addr, "metrics endpoint stopping");
        }
    }
}

impl Drop for MetricsServer {
    fn drop(&mut self) {
        self.signal_shutdown();
    }
}

/// Binds `config.bind_addr`, writes the bound address to `<data_dir>/metrics.addr` and serves
/// metrics and health until the returned [`MetricsServer`] is stopped or dropped.
///
/// `status` is the reload coordinator's channel; `actors` asks the actor tree for its children
/// on every request. Must be called inside a Tokio runtime. Fails, naming the address or file,
/// when the address cannot be bound, a configured path is unusable, or the file cannot be
/// written; nothing is left listening in that case.
pub async fn serve(
    config: &MonitoringConfig,
    data_dir: &DataDir,
    status: watch::Receiver<ReloadStatus>,
    actors: ActorStatusFn,
) -> Result<MetricsServer, NodeError> {
    Ok(start(config, data_dir.root(), status, actors).await?)
}

async fn start(
    config: &MonitoringConfig,
    data_dir: &Path,
    mut status: watch::Receiver<ReloadStatus>,
    actors: ActorStatusFn,
) -> Result<MetricsServer, MetricsError> {
    let routes = http::Routes::from_config(config)?;

    let listener = TcpListener::bind(config.bind_addr.as_str())
        .await
        .map_err(|source| MetricsError::Bind {
            addr: config.bind_addr.clone(),
            source,
        })?;
    let addr = listener
        .local_addr()
        .map_err(|source| MetricsError::LocalAddr {
            addr: config.bind_addr.clone(),
            source,
        })?;
    let addr_file = data_dir.join(ADDR_FILE);
    write_addr_file(&addr_file, addr)?;

    // Mark the current value seen before anyone can publish, so the first reload after start
    // is observed exactly once.
    let durations = ReloadDurations::new();
    let seen = status.borrow_and_update().last.clone();
    let observer = tokio::spawn(render::observe_reloads(
        status.clone(),
        seen,
        durations.clone(),
    ));

    let state = Arc::new(http::Shared {
        routes,
        prefix: config.prometheus.prefix.clone(),
        status,
        actors,
        durations: durations.clone(),
    });
    let (shutdown, shutdown_rx) = oneshot::channel();
    let server = tokio::spawn(http::run(listener, state, shutdown_rx));
    tracing::info!(
        target: "alys_node",
        %addr,
        metrics = config.prometheus.enabled,
        metrics_path = %config.prometheus.path,
        health_path = %config.health_check.path,
        "metrics endpoint listening"
    );

    Ok(MetricsServer {
        addr,
        addr_file,
        shutdown: Some(shutdown),
        server: Some(server),
        observer,
        durations,
    })
}

/// Writes the address through a temporary file and a rename, so a reader never sees half of it.
fn write_addr_file(path: &Path, addr: SocketAddr) -> Result<(), MetricsError> {
    let partial = path.with_extension("addr.partial");
    std::fs::write(&partial, format!("{addr}\n"))
        .and_then(|()| std::fs::rename(&partial, path))
        .map_err(|source| MetricsError::AddrFile {
            path: path.to_owned(),
            source,
        })
}

fn remove_addr_file(path: &Path) {
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(error) if error.kind() == io::ErrorKind::NotFound => {}
        Err(error) => tracing::warn!(
            target: "alys_node",
            path = %path.display(),
            %error,
            "cannot remove the metrics address file"
        ),
    }
}
