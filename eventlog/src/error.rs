//! The crate's error type, keeping caller misuse, storage failure, corruption and our own bugs
//! apart.

use std::path::PathBuf;

use crate::envelope::Offset;
use crate::verify::BreakReason;

/// What sled 0.34 puts in the I/O error it returns when another open handle holds the
/// database's file lock.
const SLED_LOCK_MESSAGE: &str = "could not acquire lock";

/// Everything that can go wrong when opening, writing or reading the log.
///
/// Storage variants carry the sled error as their `source` and do not repeat it in their message;
/// print the whole chain (for example with anyhow's `{:#}`) to see it.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// Caller misuse: the start of a range lies after its end.
    #[error("offset range reversed: {from} is after {to}")]
    RangeReversed {
        /// Requested first offset.
        from: Offset,
        /// Requested last offset.
        to: Offset,
    },
    /// Caller misuse: envelopes handed to a replay were not in increasing offset order.
    #[error("envelopes out of order: offset {found} came after offset {previous}")]
    Unordered {
        /// Offset of the envelope before.
        previous: Offset,
        /// Offset that should have been larger.
        found: Offset,
    },
    /// Caller misuse: the log was closed, so it takes no more appends.
    #[error("event log at {path} is closed")]
    Closed {
        /// The database directory.
        path: PathBuf,
    },
    /// Another process (or another handle in this one) has the database open. Read through that
    /// process instead.
    #[error("event log at {path} is locked by another process")]
    Locked {
        /// The database directory.
        path: PathBuf,
    },
    /// sled could not open or create the database.
    #[error("could not open event log at {path}")]
    Open {
        /// The database directory.
        path: PathBuf,
        /// sled's error.
        source: sled::Error,
    },
    /// A sled read, write or flush failed.
    #[error("{op} failed on event log at {path}")]
    Storage {
        /// The database directory.
        path: PathBuf,
        /// The operation: `read`, `insert`, `flush`, `open tree`, ...
        op: &'static str,
        /// sled's error.
        source: sled::Error,
    },
    /// The writer thread could not be started.
    #[error("could not start the writer thread of event log at {path}")]
    Thread {
        /// The database directory.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A stored entry is damaged or the chain is broken at `offset`.
    #[error("event log corrupt at offset {offset}: {reason}")]
    Corrupt {
        /// The first offset found bad (for a gap: the missing one).
        offset: u64,
        /// What is wrong there.
        reason: BreakReason,
    },
    /// A bug in this crate; please report it with the message.
    #[error("internal event log error: {0}")]
    Internal(String),
}

impl LogError {
    /// Maps a failed `sled::open` to [`LogError::Locked`] when the database is held elsewhere,
    /// and to [`LogError::Open`] otherwise.
    pub(crate) fn from_open(path: PathBuf, source: sled::Error) -> LogError {
        match &source {
            sled::Error::Io(io) if io.to_string().contains(SLED_LOCK_MESSAGE) => {
                LogError::Locked { path }
            }
            _ => LogError::Open { path, source },
        }
    }

    /// A failed sled operation `op` on the database at `path`.
    pub(crate) fn storage(path: &std::path::Path, op: &'static str, source: sled::Error) -> Self {
        LogError::Storage {
            path: path.to_path_buf(),
            op,
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sled_lock_error_maps_to_locked() {
        let io = std::io::Error::other(
            "could not acquire lock on \"/data/eventlog/db\": Os { code: 11 }",
        );
        let err = LogError::from_open(PathBuf::from("/data/eventlog"), sled::Error::Io(io));
        assert!(matches!(err, LogError::Locked { .. }), "{err:?}");
    }

    #[test]
    fn other_open_errors_keep_their_source() {
        let io = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "denied");
        let err = LogError::from_open(PathBuf::from("/data/eventlog"), sled::Error::Io(io));
        assert!(matches!(err, LogError::Open { .. }));
        assert_eq!(
            err.to_string(),
            "could not open event log at /data/eventlog"
        );
        assert!(std::error::Error::source(&err).is_some());
    }
}
