//! Per-mailbox counters: relaxed atomics bumped on the hot path, read as a [`MailboxMetrics`]
//! snapshot.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

/// What one mailbox has done since it was created. Counters only grow; `depth` is the number of
/// messages queued when the snapshot was taken, system messages included.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct MailboxMetrics {
    /// Messages queued now, system lane included.
    pub depth: u64,
    /// The largest `depth` seen.
    pub high_water_depth: u64,
    /// Messages accepted, system messages included.
    pub enqueued: u64,
    /// Messages handed to the receiver.
    pub delivered: u64,
    /// Queued messages evicted to make room (`drop_oldest`).
    pub dropped_oldest: u64,
    /// New messages refused because the mailbox was full (`drop_newest`).
    pub dropped_newest: u64,
    /// Sends handed back at once because the mailbox was full (`fail`, or `try_send`).
    pub rejected_full: u64,
    /// Sends handed back after waiting `message_timeout` for room (`block`).
    pub timed_out: u64,
    /// Dead letters recorded, whatever the handler, also when dead letters are disabled.
    pub dead_letters: u64,
    /// Non-empty batches handed out by `recv_batch` and `try_recv_batch`.
    pub batches: u64,
    /// Messages in those batches together.
    pub batch_messages: u64,
    /// The largest batch handed out.
    pub max_batch: u64,
}

/// The live counters behind [`MailboxMetrics`]. Depth and its high water are kept under the
/// queue's lock instead, where they are exact for free.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) enqueued: AtomicU64,
    pub(crate) delivered: AtomicU64,
    pub(crate) dropped_oldest: AtomicU64,
    pub(crate) dropped_newest: AtomicU64,
    pub(crate) rejected_full: AtomicU64,
    pub(crate) timed_out: AtomicU64,
    pub(crate) dead_letters: AtomicU64,
    pub(crate) batches: AtomicU64,
    pub(crate) batch_messages: AtomicU64,
    pub(crate) max_batch: AtomicU64,
}

impl Counters {
    /// Adds one to `counter`.
    pub(crate) fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Records a non-empty batch of `size` messages.
    pub(crate) fn batch(&self, size: usize) {
        let size = size as u64;
        if size == 0 {
            return;
        }
        self.batches.fetch_add(1, Ordering::Relaxed);
        self.batch_messages.fetch_add(size, Ordering::Relaxed);
        self.max_batch.fetch_max(size, Ordering::Relaxed);
    }

    /// A snapshot with the given depth figures.
    pub(crate) fn snapshot(&self, depth: usize, high_water_depth: usize) -> MailboxMetrics {
        let read = |c: &AtomicU64| c.load(Ordering::Relaxed);
        MailboxMetrics {
            depth: depth as u64,
            high_water_depth: high_water_depth as u64,
            enqueued: read(&self.enqueued),
            delivered: read(&self.delivered),
            dropped_oldest: read(&self.dropped_oldest),
            dropped_newest: read(&self.dropped_newest),
            rejected_full: read(&self.rejected_full),
            timed_out: read(&self.timed_out),
            dead_letters: read(&self.dead_letters),
            batches: read(&self.batches),
            batch_messages: read(&self.batch_messages),
            max_batch: read(&self.max_batch),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_sum_and_keep_the_largest() {
        let counters = Counters::default();
        counters.batch(3);
        counters.batch(0);
        counters.batch(7);
        counters.batch(2);

        let snapshot = counters.snapshot(1, 9);

        assert_eq!(snapshot.batches, 3);
        assert_eq!(snapshot.batch_messages, 12);
        assert_eq!(snapshot.max_batch, 7);
        assert_eq!((snapshot.depth, snapshot.high_water_depth), (1, 9));
    }
}
