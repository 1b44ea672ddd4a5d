//! [`EventLog`]: opening the sled database, appending through the writer thread, reading back
//! and closing.

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

use crate::codec;
use crate::envelope::{Envelope, Offset};
use crate::error::LogError;
use crate::event::Event;
use crate::head::Shared;
use crate::read::{Envelopes, RawEntries};
use crate::recover::{decode_at, recover_head};
use crate::tail::Tail;
use crate::verify::{self, BreakReason, ChainBreak, VerifyReport};
use crate::writer::{AppendRequest, PendingEvent, Writer};

/// Name of the sled tree holding the envelopes, keyed by big-endian offset.
const EVENTS_TREE: &str = "events";

/// Handle to an open event log. Cheap to clone; every clone shares one database and one writer
/// thread, and the log closes when the last clone (including any [`Tail`]) is dropped.
#[derive(Clone)]
pub struct EventLog {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    db: sled::Db,
    tree: sled::Tree,
    shared: Arc<Shared>,
    requests: Mutex<Option<mpsc::Sender<AppendRequest>>>,
    writer: Mutex<Option<JoinHandle<()>>>,
}

/// Counters since the log was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LogStats {
    /// Events made durable by this handle's writer.
    pub events: u64,
    /// sled flushes the writer issued; with group commit this stays below `events` under
    /// concurrent appends.
    pub flushes: u64,
    /// Most events made durable by a single flush.
    pub largest_group: u64,
}

impl EventLog {
    /// Opens the log in `dir` (normally `<data_dir>/eventlog`), creating it if absent, and starts
    /// its writer thread.
    ///
    /// The head is recovered from the last stored envelope, which must decode, sit under its own
    /// offset, hash correctly and link to the envelope before it; otherwise this returns
    /// [`LogError::Corrupt`] and leaves the data untouched. Returns [`LogError::Locked`] when
    /// another process or handle has `dir` open.
    pub fn open(dir: &Path) -> Result<EventLog, LogError> {
        let path = dir.to_path_buf();
        let (db, tree) = open_tree(dir)?;
        let head = recover_head(&tree, &path)?;

        let shared = Arc::new(Shared::new(head));
        let (sender, requests) = mpsc::channel();
        let writer = Writer {
            path: path.clone(),
            db: db.clone(),
            tree: tree.clone(),
            head,
            shared: Arc::clone(&shared),
            requests,
        };
        let handle = std::thread::Builder::new()
            .name("alys-eventlog-writer".into())
            .spawn(move || writer.run())
            .map_err(|source| LogError::Thread {
                path: path.clone(),
                source,
            })?;

        tracing::info!(
            target: "alys_eventlog",
            path = %path.display(),
            next_offset = head.next,
            "event log opened"
        );
        let inner = Inner {
            path,
            db,
            tree,
            shared,
            requests: Mutex::new(Some(sender)),
            writer: Mutex::new(Some(handle)),
        };
        Ok(EventLog {
            inner: Arc::new(inner),
        })
    }

    /// Appends `event` stamped with the wall clock; returns its offset once it is on disk.
    pub fn append(&self, event: &Event) -> Result<Offset, LogError> {
        let offsets = self.submit(vec![pending(event, None)])?;
        single(offsets)
    }

    /// Appends `event` with a fixed timestamp (milliseconds since the unix epoch), for tests and
    /// tools that need reproducible envelopes.
    pub fn append_at(&self, event: &Event, timestamp_ms: u64) -> Result<Offset, LogError> {
        let offsets = self.submit(vec![pending(event, Some(timestamp_ms))])?;
        single(offsets)
    }

    /// Appends `events` at consecutive offsets, made durable by one flush, and returns their
    /// offsets in order. Either all of them are written or, on error, none is reported written.
    pub fn append_batch(&self, events: &[Event]) -> Result<Vec<Offset>, LogError> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        self.submit(events.iter().map(|e| pending(e, None)).collect())
    }

    fn submit(&self, events: Vec<PendingEvent>) -> Result<Vec<Offset>, LogError> {
        let (reply, answer) = mpsc::channel();
        {
            let requests = lock(&self.inner.requests);
            let sender = requests.as_ref().ok_or_else(|| self.closed())?;
            sender
                .send(AppendRequest { events, reply })
                .map_err(|_| self.closed())?;
        }
        answer.recv().map_err(|_| {
            LogError::Internal("writer thread dropped an append without answering".into())
        })?
    }

    fn closed(&self) -> LogError {
        LogError::Closed {
            path: self.inner.path.clone(),
        }
    }

    /// Envelopes from `from` to `to` inclusive (to the durable head when `to` is `None`), in
    /// offset order. Events whose append has not returned yet are never included.
    ///
    /// A reversed range yields a single [`LogError::RangeReversed`]; a damaged entry yields
    /// [`LogError::Corrupt`] and iteration continues after it.
    pub fn read(&self, from: Offset, to: Option<Offset>) -> Envelopes {
        Envelopes::new(self.raw_entries(from, to))
    }

    /// The stored `(offset, bytes)` pairs of [`EventLog::read`], undecoded: what a node sends to
    /// a tool that verifies or prints its log remotely.
    pub fn raw_entries(&self, from: Offset, to: Option<Offset>) -> RawEntries {
        if let Some(to) = to.filter(|to| *to < from) {
            return RawEntries::failed(LogError::RangeReversed { from, to });
        }
        let durable_next = self.inner.shared.head().next;
        let last = match durable_next.checked_sub(1) {
            Some(last) => to.map_or(last, |to| to.0.min(last)),
            None => return RawEntries::empty(),
        };
        if from.0 > last {
            return RawEntries::empty();
        }
        let range = self.inner.tree.range(from.to_key()..=Offset(last).to_key());
        RawEntries::new(range, from, self.inner.path.clone())
    }

    /// The envelope at `offset`, or `None` if it is not durable yet.
    pub fn get(&self, offset: Offset) -> Result<Option<Envelope>, LogError> {
        if offset.0 >= self.inner.shared.head().next {
            return Ok(None);
        }
        let value = self
            .inner
            .tree
            .get(offset.to_key())
            .map_err(|e| LogError::storage(&self.inner.path, "read", e))?;
        tracing::trace!(target: "alys_eventlog", offset = offset.0, found = value.is_some(), "get");
        let Some(bytes) = value else { return Ok(None) };
        decode_at(offset.0, &bytes).map(Some)
    }

    /// Follows the log from `from`: the returned [`Tail`] yields each envelope once it is
    /// durable, waiting for new appends.
    pub fn tail(&self, from: Offset) -> Tail {
        Tail::new(self.clone(), from)
    }

    /// Number of durable events; also the offset the next append gets.
    pub fn len(&self) -> u64 {
        self.inner.shared.head().next
    }

    /// Whether no event was ever appended.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The offset the next append gets.
    pub fn next_offset(&self) -> Offset {
        Offset(self.len())
    }

    /// Offset and hash of the last durable envelope; `None` for an empty log.
    pub fn head(&self) -> Option<(Offset, [u8; 32])> {
        let head = self.inner.shared.head();
        head.next
            .checked_sub(1)
            .map(|last| (Offset(last), head.hash))
    }

    /// Hash the next envelope will link to: the last envelope's hash, or
    /// [`GENESIS_PREV`](crate::GENESIS_PREV) for an empty log.
    pub fn head_hash(&self) -> [u8; 32] {
        self.inner.shared.head().hash
    }

    /// Counters since open.
    pub fn stats(&self) -> LogStats {
        let counters = &self.inner.shared.stats;
        LogStats {
            events: counters.events.load(Ordering::Relaxed),
            flushes: counters.flushes.load(Ordering::Relaxed),
            largest_group: counters.largest_group.load(Ordering::Relaxed),
        }
    }

    /// Checks the whole durable chain from offset 0; see [`verify::verify`]. Also reports the
    /// stored entries ending before the head this handle knows.
    ///
    /// Removing the newest entries while the log is closed cannot be detected from the log
    /// alone; compare [`EventLog::head`] with a head recorded elsewhere for that.
    pub fn verify(&self) -> VerifyReport {
        let durable = self.head();
        let mut report = verify::verify(self.raw_entries(Offset(0), None));
        let reached = report.head.map(|(offset, _)| offset);
        if report.is_intact() && reached != durable.map(|(offset, _)| offset) {
            if let Some((head, _)) = durable {
                let offset = reached.map_or(0, |o| o.0 + 1);
                let reason = BreakReason::Truncated { head: head.0 };
                report.first_break = Some(ChainBreak { offset, reason });
            }
        }
        report
    }

    /// Checks every entry stored in the log in `dir`, which no handle may hold open, from offset
    /// 0; see [`verify::verify`]. Unlike [`EventLog::open`] this does not refuse a damaged tail
    /// or a key that is not an offset: they are the break it reports. Nothing is written and no
    /// writer is started. Returns [`LogError::Locked`] when another process or handle has `dir`
    /// open; creates an empty database when there is none.
    pub fn verify_stored(dir: &Path) -> Result<VerifyReport, LogError> {
        let (_db, tree) = open_tree(dir)?;
        let entries = RawEntries::new(tree.iter(), Offset(0), dir.to_path_buf());
        Ok(verify::verify(entries))
    }

    /// Flushes sled. Appends are already durable when they return, so this is only needed after
    /// writing through [`EventLog::raw_tree`].
    pub fn flush(&self) -> Result<(), LogError> {
        self.inner
            .db
            .flush()
            .map_err(|e| LogError::storage(&self.inner.path, "flush", e))?;
        Ok(())
    }

    /// Stops the writer after it has written every append already queued, and flushes. Other
    /// clones then get [`LogError::Closed`] on append but can still read; the database stays
    /// open until the last clone is dropped.
    pub fn close(self) -> Result<(), LogError> {
        self.inner.stop_writer()?;
        self.flush()
    }

    /// The directory the log was opened at.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The sled tree holding the envelopes, for tests and recovery tools only: writing to it
    /// bypasses the writer and the chain.
    pub fn raw_tree(&self) -> &sled::Tree {
        &self.inner.tree
    }

    pub(crate) fn shared(&self) -> &Shared {
        &self.inner.shared
    }
}

impl std::fmt::Debug for EventLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventLog")
            .field("path", &self.inner.path)
            .field("next_offset", &self.len())
            .finish_non_exhaustive()
    }
}

impl Inner {
    fn stop_writer(&self) -> Result<(), LogError> {
        drop(lock(&self.requests).take());
        let handle = lock(&self.writer).take();
        let Some(handle) = handle else { return Ok(()) };
        let joined = handle.join();
        self.shared.mark_closed();
        joined.map_err(|_| LogError::Internal("event log writer thread panicked".into()))
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Err(error) = self.stop_writer() {
            tracing::error!(target: "alys_eventlog", %error, "event log closed with an error");
        }
        tracing::info!(target: "alys_eventlog", path = %self.path.display(), "event log closed");
    }
}

/// Opens the sled database in `dir` and its events tree.
fn open_tree(dir: &Path) -> Result<(sled::Db, sled::Tree), LogError> {
    let db = sled::Config::new()
        .path(dir)
        .open()
        .map_err(|e| LogError::from_open(dir.to_path_buf(), e))?;
    let tree = db
        .open_tree(EVENTS_TREE)
        .map_err(|e| LogError::storage(dir, "open tree", e))?;
    Ok((db, tree))
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn pending(event: &Event, timestamp_ms: Option<u64>) -> PendingEvent {
    PendingEvent {
        kind: event.kind() as u16,
        payload: codec::encode_event(event),
        timestamp_ms,
    }
}

fn single(offsets: Vec<Offset>) -> Result<Offset, LogError> {
    match offsets.as_slice() {
        [offset] => Ok(*offset),
        other => Err(LogError::Internal(format!(
            "one append got {} offsets",
            other.len()
        ))),
    }
}
