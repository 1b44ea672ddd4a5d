//! Where `alys-log` reads stored entries from: the sled database itself when no node holds it,
//! else the running node's socket. Both give the same bytes, so every command behaves the same.

use std::cell::RefCell;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::rc::Rc;
use std::time::{Duration, Instant};

use alys_eventlog::verify::{self, VerifyReport};
use alys_eventlog::{remote, EventLog, LogError};

use crate::error::ToolError;

/// Stored entries, `(offset key, stored bytes)`, in offset order.
pub(crate) type Entries = Box<dyn Iterator<Item = Result<(u64, Vec<u8>), ToolError>>>;

/// Reads entries `from..=to` of the log in `data_dir`.
pub(crate) fn entries(data_dir: &Path, from: u64, to: Option<u64>) -> Result<Entries, ToolError> {
    let db = data_dir.join("eventlog");
    if !db.is_dir() {
        return Err(ToolError::NoLog {
            path: data_dir.to_owned(),
        });
    }
    match while_closing(data_dir, || EventLog::open(&db)) {
        Ok(log) => {
            let tree = log.raw_tree().clone();
            let iter = tree.range(from.to_be_bytes()..).map(|entry| {
                let (key, value) =
                    entry.map_err(|e| ToolError::Remote(std::io::Error::other(e)))?;
                let key = <[u8; 8]>::try_from(key.as_ref())
                    .map(u64::from_be_bytes)
                    .map_err(|_| ToolError::Undecodable {
                        offset: u64::MAX,
                        reason: "stored key is not 8 bytes".into(),
                    })?;
                Ok((key, value.to_vec()))
            });
            // Keep the log open while the iterator lives.
            let iter = KeepAlive {
                _log: log,
                inner: iter,
            };
            Ok(Box::new(iter.take_while(
                move |e| !matches!(e, Ok((k, _)) if to.is_some_and(|t| *k > t)),
            )))
        }
        Err(LogError::Locked { .. }) => remote_entries(data_dir, from, to),
        Err(e) => Err(e.into()),
    }
}

/// Entries `from..=to` read through the running node's socket in `data_dir`.
fn remote_entries(data_dir: &Path, from: u64, to: Option<u64>) -> Result<Entries, ToolError> {
    let socket = remote::socket_path(data_dir);
    let remote = remote::fetch(&socket, from, to).map_err(|source| ToolError::NodeUnreachable {
        path: socket,
        source,
    })?;
    Ok(Box::new(remote.map(|e| e.map_err(ToolError::Remote))))
}

/// Checks the whole stored chain of the log in `data_dir`. Read from sled, every stored entry is
/// checked as it is, so a damaged newest entry or a foreign key is a break here although
/// [`entries`] (which opens the log as a node would) refuses it.
pub(crate) fn verify_chain(data_dir: &Path) -> Result<VerifyReport, ToolError> {
    let db = data_dir.join("eventlog");
    if !db.is_dir() {
        return Err(ToolError::NoLog {
            path: data_dir.to_owned(),
        });
    }
    match while_closing(data_dir, || EventLog::verify_stored(&db)) {
        Err(LogError::Locked { .. }) => {}
        other => return Ok(other?),
    }

    // Locked after the grace: a node holds the log. A read error must fail the command, not
    // look like the end of a short, valid log.
    let read_error: Rc<RefCell<Option<ToolError>>> = Rc::default();
    let sink = read_error.clone();
    let stream = remote_entries(data_dir, 0, None)?.map_while(move |e| match e {
        Ok(entry) => Some(Ok::<_, LogError>(entry)),
        Err(error) => {
            *sink.borrow_mut() = Some(error);
            None
        }
    });
    let report = verify::verify(stream);
    let error = read_error.borrow_mut().take();
    match error {
        Some(error) => Err(error),
        None => Ok(report),
    }
}

/// How long a locked log with no node answering on its socket is tried again: sled lets go of
/// its lock from a background thread a moment after a process closes the log, and a node that
/// has just stopped (or a tool that has just finished) should not make this command fail.
const CLOSING_GRACE: Duration = Duration::from_secs(2);

/// Runs `open` until it stops answering "locked", or until the node's socket answers (a running
/// node: the caller reads through it), or [`CLOSING_GRACE`] has passed.
fn while_closing<T>(
    data_dir: &Path,
    mut open: impl FnMut() -> Result<T, LogError>,
) -> Result<T, LogError> {
    let deadline = Instant::now() + CLOSING_GRACE;
    let socket = remote::socket_path(data_dir);
    loop {
        match open() {
            Err(LogError::Locked { .. })
                if Instant::now() < deadline && UnixStream::connect(&socket).is_err() =>
            {
                std::thread::sleep(Duration::from_millis(20));
            }
            other => return other,
        }
    }
}

struct KeepAlive<I> {
    _log: EventLog,
    inner: I,
}

impl<I: Iterator> Iterator for KeepAlive<I> {
    type Item = I::Item;

    fn next(&mut self) -> Option<I::Item> {
        self.inner.next()
    }
}
