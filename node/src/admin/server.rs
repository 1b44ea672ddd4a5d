//! Starting and stopping the admin API's HTTP server.

use std::net::SocketAddr;
use std::path::PathBuf;

use alys_config::schema::reload::AdminConfig;
use alys_eventlog::EventLog;
use jsonrpsee::server::{Server, ServerConfig, ServerHandle};
use tokio::sync::{mpsc, watch};

use super::auth::BearerAuthLayer;
use super::methods::{module, Context};
use super::token::{write_addr, Token};
use super::{AdminError, ADDR_FILE, TOKEN_FILE};
use crate::data_dir::DataDir;
use crate::reload::command::Command;
use crate::reload::status::{ActorStatusFn, ReloadStatus};

/// Simultaneous connections: operators and scripts, not traffic.
const MAX_CONNECTIONS: u32 = 16;

/// The running admin API. Dropping it stops the server and removes `admin.addr` and
/// `admin.token`, so `ctl` reports "not running" rather than dialling a closed port.
#[derive(Debug)]
pub struct AdminServer {
    handle: Option<ServerHandle>,
    local_addr: SocketAddr,
    addr_file: PathBuf,
    token_file: PathBuf,
}

impl AdminServer {
    /// The address the server listens on (the OS-chosen port when `bind_addr` asked for 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops accepting requests, removes the files and waits until the server task has ended.
    pub async fn stop(mut self) {
        self.shut_down();
        if let Some(handle) = self.handle.take() {
            handle.stopped().await;
        }
    }

    fn shut_down(&mut self) {
        if let Some(handle) = &self.handle {
            // Already stopped means the server task ended on its own; nothing left to stop.
            let _ = handle.stop();
        }
        for path in [&self.addr_file, &self.token_file] {
            if let Err(e) = std::fs::remove_file(path) {
                if e.kind() != std::io::ErrorKind::NotFound {
                    tracing::warn!(
                        target: "alys_node::admin",
                        path = %path.display(),
                        error = %e,
                        "cannot remove admin file"
                    );
                }
            }
        }
        tracing::info!(target: "alys_node::admin", addr = %self.local_addr, "admin API stopped");
    }
}

impl Drop for AdminServer {
    fn drop(&mut self) {
        if self.handle.is_some() {
            self.shut_down();
        }
    }
}

/// Starts the admin API on `config.bind_addr` and returns once it accepts requests.
///
/// Writes a fresh bearer token to `<data_dir>/admin.token` (mode 0600) and then the bound
/// address to `<data_dir>/admin.addr`; the address file comes last so a `ctl` that finds it also
/// finds the matching token. Reload, rollback and confirm go to `commands`; status reads
/// `status` and asks `actors`. The caller decides whether to serve at all (`config.enabled`).
pub async fn serve(
    config: &AdminConfig,
    data_dir: &DataDir,
    log: EventLog,
    commands: mpsc::Sender<Command>,
    status: watch::Receiver<ReloadStatus>,
    actors: ActorStatusFn,
) -> Result<AdminServer, AdminError> {
    let requested: SocketAddr =
        config
            .bind_addr
            .parse()
            .map_err(|source| AdminError::BadBindAddr {
                addr: config.bind_addr.clone(),
                source,
            })?;
    if !requested.ip().is_loopback() {
        tracing::warn!(
            target: "alys_node::admin",
            addr = %requested,
            "admin API listens beyond loopback; only the bearer token protects it"
        );
    }

    let token = Token::generate();
    let token_file = data_dir.root().join(TOKEN_FILE);
    token.write(&token_file)?;

    let server = Server::builder()
        .set_config(
            ServerConfig::builder()
                .http_only()
                .max_connections(MAX_CONNECTIONS)
                .build(),
        )
        .set_http_middleware(tower::ServiceBuilder::new().layer(BearerAuthLayer::new(token)))
        .build(requested)
        .await
        .map_err(|source| bind_error(&config.bind_addr, source))?;
    let local_addr = server
        .local_addr()
        .map_err(|source| bind_error(&config.bind_addr, source))?;

    let methods = module(Context {
        log,
        commands,
        status,
        actors,
    })?;
    let handle = server.start(methods);

    // From here on the files are removed again if anything fails, by the guard's drop.
    let admin = AdminServer {
        handle: Some(handle),
        local_addr,
        addr_file: data_dir.root().join(ADDR_FILE),
        token_file,
    };
    write_addr(&admin.addr_file, local_addr)?;

    tracing::info!(
        target: "alys_node::admin",
        addr = %local_addr,
        addr_file = %admin.addr_file.display(),
        "admin API listening"
    );
    Ok(admin)
}

fn bind_error(addr: &str, source: std::io::Error) -> AdminError {
    AdminError::Bind {
        addr: addr.to_owned(),
        source,
    }
}
