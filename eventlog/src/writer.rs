//! The writer thread: owns the head, chains queued appends and makes each group durable with a
//! single sled flush (group commit).

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, Sender};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::codec;
use crate::envelope::{Envelope, Offset};
use crate::error::LogError;
use crate::head::{Head, Shared};
use crate::recover::recover_head;

/// Most events chained into one group before it is flushed; bounds the latency a large backlog
/// adds to the first caller in it.
const MAX_GROUP_EVENTS: usize = 4096;

/// One event waiting for the writer, already encoded by the caller's thread.
pub(crate) struct PendingEvent {
    pub(crate) kind: u16,
    pub(crate) payload: Vec<u8>,
    /// Fixed time for tests and tools; `None` takes the wall clock when the group is written.
    pub(crate) timestamp_ms: Option<u64>,
}

/// An append of one or more consecutive events and where to send their offsets.
pub(crate) struct AppendRequest {
    pub(crate) events: Vec<PendingEvent>,
    pub(crate) reply: Sender<Result<Vec<Offset>, LogError>>,
}

/// State owned by the writer thread. Nothing else writes to the tree (except through
/// `EventLog::raw_tree`, which is for tests and recovery tools only).
pub(crate) struct Writer {
    pub(crate) path: PathBuf,
    pub(crate) db: sled::Db,
    pub(crate) tree: sled::Tree,
    pub(crate) head: Head,
    pub(crate) shared: Arc<Shared>,
    pub(crate) requests: Receiver<AppendRequest>,
}

impl Writer {
    /// Serves requests until every sender is gone, then marks the log closed. Requests already
    /// queued when the last sender drops are still written: the channel hands them out before it
    /// reports the disconnect.
    pub(crate) fn run(mut self) {
        tracing::debug!(target: "alys_eventlog", path = %self.path.display(), "writer started");
        while let Ok(first) = self.requests.recv() {
            let mut queued = first.events.len();
            let mut group = vec![first];
            while queued < MAX_GROUP_EVENTS {
                match self.requests.try_recv() {
                    Ok(request) => {
                        queued += request.events.len();
                        group.push(request);
                    }
                    Err(_) => break,
                }
            }
            self.commit(group);
        }
        self.shared.mark_closed();
        tracing::debug!(target: "alys_eventlog", path = %self.path.display(), "writer stopped");
    }

    /// Chains, inserts and flushes one group, then answers every request in it.
    fn commit(&mut self, group: Vec<AppendRequest>) {
        let start = self.head;
        let now = wall_clock_ms();

        // Chain every event of the group onto the head, in queue order.
        let mut head = start;
        let mut batch = sled::Batch::default();
        let mut replies = Vec::with_capacity(group.len());
        for request in group {
            let mut offsets = Vec::with_capacity(request.events.len());
            for event in request.events {
                let offset = Offset(head.next);
                let timestamp_ms = event.timestamp_ms.unwrap_or(now);
                let envelope = Envelope::seal_payload(
                    offset,
                    timestamp_ms,
                    event.kind,
                    event.payload,
                    head.hash,
                );
                batch.insert(&offset.to_key(), codec::encode_envelope(&envelope));
                head = Head {
                    next: head.next + 1,
                    hash: envelope.hash,
                };
                offsets.push(offset);
            }
            replies.push((request.reply, offsets));
        }
        let events = head.next - start.next;

        // Write and flush; only then may anyone learn the new offsets.
        match self.write(batch, start, events) {
            Ok(()) => {
                self.head = head;
                self.shared.publish(head, events);
                for (reply, offsets) in replies {
                    // A caller that stopped waiting is not an error of the log.
                    let _ = reply.send(Ok(offsets));
                }
            }
            Err((op, source)) => {
                self.roll_back(start, head);
                for (reply, _) in replies {
                    let _ = reply.send(Err(LogError::storage(&self.path, op, source.clone())));
                }
            }
        }
    }

    fn write(
        &self,
        batch: sled::Batch,
        start: Head,
        events: u64,
    ) -> Result<(), (&'static str, sled::Error)> {
        self.tree.apply_batch(batch).map_err(|e| ("insert", e))?;
        tracing::trace!(target: "alys_eventlog", first = start.next, events, "group inserted");

        let bytes = self.db.flush().map_err(|e| ("flush", e))?;
        self.shared.stats.flushes.fetch_add(1, Ordering::Relaxed);
        let first = start.next;
        tracing::trace!(target: "alys_eventlog", first, events, bytes, "group flushed");
        Ok(())
    }

    /// After a failed insert or flush: removes the group's keys so that neither readers nor the
    /// next group see events nobody was told about, then reloads the head from the tree.
    ///
    /// If the removal itself fails the head is reloaded anyway; the next append then continues
    /// from whatever sled kept, which still forms a valid chain because the group was chained
    /// onto the durable head. Such events may then be in the log although their callers got an
    /// error; no failpoint test covers this path yet (sled 0.34 only injects faults with its
    /// `failpoints` feature).
    fn roll_back(&mut self, start: Head, attempted: Head) {
        let mut removal = sled::Batch::default();
        for offset in start.next..attempted.next {
            removal.remove(&Offset(offset).to_key());
        }
        if let Err(error) = self.tree.apply_batch(removal) {
            tracing::warn!(target: "alys_eventlog", %error, "could not remove unflushed group");
        }

        self.head = match recover_head(&self.tree, &self.path) {
            Ok(head) => head,
            Err(error) => {
                tracing::warn!(
                    target: "alys_eventlog",
                    %error,
                    "could not reload head after failed write"
                );
                start
            }
        };
        tracing::debug!(
            target: "alys_eventlog",
            first = start.next,
            events = attempted.next - start.next,
            next_offset = self.head.next,
            "rolled back group after failed write"
        );
    }
}

/// Milliseconds since the unix epoch; 0 if the clock reads earlier than 1970.
fn wall_clock_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}
