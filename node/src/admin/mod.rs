//! The admin API: JSON-RPC over HTTP through which operators read a running node's reload state
//! and history, and reload, roll back and confirm its configuration.
//!
//! The server binds `[admin] bind_addr` (loopback by default) and leaves two files in the data
//! directory for `alys-node ctl`: `admin.addr` with the bound address (the port is usually picked
//! by the OS) and `admin.token` with a bearer token drawn afresh at every start, mode 0600. Every
//! request must carry `Authorization: Bearer <token>`, so reading the data directory is what
//! grants control of the node; a process that can reach the port but not the directory gets
//! HTTP 401.
//!
//! Methods (all named parameters, all optional unless said):
//!
//! | method | params | result |
//! |---|---|---|
//! | `admin_status` | | [`StatusReply`] |
//! | `admin_config_at` | `offset` | [`ConfigAtReply`] |
//! | `admin_history` | `from`, `to`, `kind`, `limit` | list of [`HistoryEntry`] |
//! | `admin_diff` | `a`, `b` (required) | [`DiffReply`] |
//! | `admin_reload` | `confirm_within` (`"5m"`) | [`Outcome`](crate::reload::command::Outcome) |
//! | `admin_rollback` | exactly one of `to`, `steps` | [`Outcome`](crate::reload::command::Outcome) |
//! | `admin_confirm` | | the confirmed revision |
//!
//! Writes go to the reload coordinator as [`Command`](crate::reload::command::Command)s, so an
//! admin reload queues behind any reload in progress like every other trigger. Reads replay the
//! event log on a blocking thread and never wait for the coordinator.

mod api;
mod auth;
mod client;
mod history;
mod methods;
mod server;
mod token;

use std::path::PathBuf;

pub use api::{
    ActorReply, ConfigAtReply, DiffReply, HistoryEntry, HistoryParams, RevisionRef, StatusReply,
};
pub use client::AdminClient;
pub use history::{
    config_at, diff_at, history, QueryError, DEFAULT_HISTORY_LIMIT, MAX_HISTORY_LIMIT,
};
pub use server::{serve, AdminServer};

/// The file in the data directory holding the admin API's bound address.
pub const ADDR_FILE: &str = "admin.addr";

/// The file in the data directory holding the bearer token, mode 0600.
pub const TOKEN_FILE: &str = "admin.token";

/// Why the admin API could not start, or why `ctl` could not get an answer from it.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// `[admin] bind_addr` is not an `ip:port`.
    #[error("admin bind address {addr:?} is not ip:port: {source}")]
    BadBindAddr {
        /// The configured value.
        addr: String,
        /// Why it did not parse.
        source: std::net::AddrParseError,
    },

    /// The listening socket could not be opened.
    #[error("admin API cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: String,
        /// The operating system's reason.
        source: std::io::Error,
    },

    /// A file in the data directory could not be read or written.
    #[error("{path}: {what}: {source}", path = path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What was being done.
        what: &'static str,
        /// The operating system's reason.
        source: std::io::Error,
    },

    /// `admin.addr` is absent: no node runs with this data directory, or its admin API is off.
    #[error("no admin address in {path}: is the node running with this data dir?", path = path.display())]
    NotRunning {
        /// Where the address was looked for.
        path: PathBuf,
    },

    /// The server could not be reached or did not answer over HTTP.
    #[error("cannot reach the admin API at {addr}: {source}")]
    Unreachable {
        /// The address from `admin.addr`.
        addr: String,
        /// The transport's reason.
        source: jsonrpsee::core::client::Error,
    },

    /// The server refused the token in `admin.token`.
    #[error("the admin API at {addr} refused the token in {path}: was the node restarted with another data dir?", path = path.display())]
    Unauthorized {
        /// The address from `admin.addr`.
        addr: String,
        /// The token file that was sent.
        path: PathBuf,
    },

    /// No answer within the client's timeout.
    #[error("the admin API at {addr} did not answer {method} within {timeout:?}")]
    Timeout {
        /// The address from `admin.addr`.
        addr: String,
        /// The method called.
        method: &'static str,
        /// How long the client waited.
        timeout: std::time::Duration,
    },

    /// The server answered with a JSON-RPC error.
    #[error("{method}: {message}")]
    Rpc {
        /// The method called.
        method: &'static str,
        /// The JSON-RPC error code (see [`codes`]).
        code: i32,
        /// The server's message.
        message: String,
    },

    /// A method name was registered twice: a bug in this module.
    #[error("admin API method registration: {0}")]
    Register(#[from] jsonrpsee::core::RegisterMethodError),
}

impl From<AdminError> for crate::error::NodeError {
    /// File errors keep their path as [`NodeError::DataDir`](crate::error::NodeError::DataDir);
    /// the rest travel as the runtime error that stopped the node from starting.
    fn from(error: AdminError) -> Self {
        match error {
            AdminError::File { path, what, source } => {
                crate::error::NodeError::DataDir { path, what, source }
            }
            listen @ (AdminError::Bind { .. } | AdminError::BadBindAddr { .. }) => {
                crate::error::NodeError::Listen {
                    key: "admin.bind_addr",
                    message: listen.to_string(),
                }
            }
            other => crate::error::NodeError::Runtime(std::io::Error::other(other)),
        }
    }
}

/// JSON-RPC error codes of the admin API, beyond the protocol's own (`-32602` invalid params).
pub mod codes {
    /// `confirm` with no revision waiting for one.
    pub const NOTHING_TO_CONFIRM: i32 = -32001;
    /// No configuration was active at the offset asked for.
    pub const NO_SUCH_REVISION: i32 = -32002;
    /// The node is stopping.
    pub const STOPPING: i32 = -32003;
    /// The event log could not be read or written.
    pub const LOG: i32 = -32004;
    /// The protocol's code for parameters that do not fit the method.
    pub const INVALID_PARAMS: i32 = jsonrpsee::types::error::INVALID_PARAMS_CODE;
}
