//! Why `alys-log` could not answer.

use std::path::PathBuf;

use alys_eventlog::event::KindFilter;

/// A failure of an `alys-log` command (a broken chain is not one: it is a finding).
#[derive(Debug, thiserror::Error)]
pub(crate) enum ToolError {
    /// No event log in the data directory.
    #[error("{path}: no event log here (is --data-dir right?)", path = path.display())]
    NoLog {
        /// The directory looked at.
        path: PathBuf,
    },
    /// The log is locked by a node, and its socket did not answer.
    #[error("{path}: the log is held by a running node and its socket did not answer: {source}", path = path.display())]
    NodeUnreachable {
        /// The socket path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Reading the log failed.
    #[error(transparent)]
    Log(#[from] alys_eventlog::LogError),
    /// Reading from the node's socket failed midway.
    #[error("reading from the node: {0}")]
    Remote(std::io::Error),
    /// An offset that holds no event.
    #[error("no event at offset {0}")]
    NoEvent(u64),
    /// An offset past the newest event.
    #[error("offset {offset} is past the newest event ({})", head.map_or_else(|| "the log is empty".to_owned(), |h| format!("offset {h}")))]
    PastHead {
        /// The offset asked for.
        offset: u64,
        /// The newest offset, if any.
        head: Option<u64>,
    },
    /// A `--kind` that no event kind starts with.
    #[error("no event kind starts with `{given}`; kinds: {names}", given = .0, names = KindFilter::names())]
    UnknownKind(String),
    /// A key path the configuration schema does not have.
    #[error(transparent)]
    UnknownKey(alys_config::ConfigError),
    /// An offset at which no configuration was active yet.
    #[error("no configuration was active at offset {0}")]
    NoConfig(u64),
    /// A stored entry that does not decode.
    #[error("offset {offset}: {reason}")]
    Undecodable {
        /// The offset.
        offset: u64,
        /// Why.
        reason: String,
    },
}
