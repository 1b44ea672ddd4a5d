//! Why the node could not start, run or answer a command.

use std::path::PathBuf;

use alys_config::ConfigError;
use alys_eventlog::LogError;

/// Exit status for a configuration that cannot be used (sysexits' `EX_CONFIG`).
pub const EXIT_CONFIG: u8 = 78;

/// A failure of an `alys-node` command.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// The configuration did not load.
    #[error(transparent)]
    Config(#[from] ConfigError),

    /// The configuration loaded but has error-level findings.
    #[error("configuration rejected with {errors} error(s)")]
    Rejected {
        /// How many error-level findings.
        errors: usize,
    },

    /// The data directory could not be prepared.
    #[error("{path}: {what}: {source}", path = path.display())]
    DataDir {
        /// The file or directory involved.
        path: PathBuf,
        /// What the node was doing.
        what: &'static str,
        /// The operating system's reason.
        source: std::io::Error,
    },

    /// The event log failed.
    #[error("event log: {0}")]
    Log(#[from] LogError),

    /// An actor could not be started or stopped.
    #[error("actor {actor}: {message}")]
    Actor {
        /// The actor's name.
        actor: String,
        /// What went wrong.
        message: String,
    },

    /// Supervision gave up on an actor; the tree was stopped in order.
    #[error("{0}")]
    Escalated(crate::supervision::Escalation),

    /// An endpoint the config names could not listen (address in use, not local, malformed).
    #[error("{message}; set `{key}` to a free local address (port 0 lets the system pick one)")]
    Listen {
        /// The config key that names the address (`monitoring.bind_addr` ...).
        key: &'static str,
        /// The endpoint, the address and the operating system's reason.
        message: String,
    },

    /// Installing a signal handler or building the runtime failed.
    #[error("runtime: {0}")]
    Runtime(std::io::Error),
}

impl NodeError {
    /// The process exit status for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            NodeError::Config(_) | NodeError::Rejected { .. } | NodeError::Listen { .. } => {
                EXIT_CONFIG
            }
            _ => 1,
        }
    }
}
