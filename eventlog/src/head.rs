//! The durable head shared by the writer thread and readers, with the condition variable that
//! wakes tails after each group commit.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Instant;

use crate::envelope::Offset;

/// Offset to be written next and hash of the last durable envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Head {
    pub(crate) next: u64,
    pub(crate) hash: [u8; 32],
}

/// What the writer publishes to readers: the durable head, and whether the writer has stopped.
pub(crate) struct Published {
    pub(crate) head: Head,
    pub(crate) closed: bool,
}

/// State shared between the writer thread and readers.
pub(crate) struct Shared {
    published: Mutex<Published>,
    appended: Condvar,
    pub(crate) stats: Counters,
}

/// Counters behind [`crate::LogStats`].
#[derive(Default)]
pub(crate) struct Counters {
    pub(crate) events: AtomicU64,
    pub(crate) flushes: AtomicU64,
    pub(crate) largest_group: AtomicU64,
}

impl Shared {
    pub(crate) fn new(head: Head) -> Self {
        Shared {
            published: Mutex::new(Published {
                head,
                closed: false,
            }),
            appended: Condvar::new(),
            stats: Counters::default(),
        }
    }

    /// The published state. The lock is never held across a call that can panic, so a poisoned
    /// mutex still holds a consistent value and is used as is.
    fn lock(&self) -> MutexGuard<'_, Published> {
        self.published
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn head(&self) -> Head {
        self.lock().head
    }

    /// Makes `head` visible to readers after `events` more events became durable.
    pub(crate) fn publish(&self, head: Head, events: u64) {
        self.stats.events.fetch_add(events, Ordering::Relaxed);
        self.stats
            .largest_group
            .fetch_max(events, Ordering::Relaxed);
        self.lock().head = head;
        self.appended.notify_all();
    }

    pub(crate) fn mark_closed(&self) {
        self.lock().closed = true;
        self.appended.notify_all();
    }

    /// Waits until `offset` is durable (true), or until the log closes or `deadline` passes
    /// without it (false).
    pub(crate) fn wait_for(&self, offset: Offset, deadline: Option<Instant>) -> bool {
        let mut published = self.lock();
        loop {
            if published.head.next > offset.0 {
                return true;
            }
            if published.closed {
                return false;
            }
            published = match deadline {
                None => self
                    .appended
                    .wait(published)
                    .unwrap_or_else(|p| p.into_inner()),
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return false;
                    }
                    let waited = self.appended.wait_timeout(published, left);
                    waited.unwrap_or_else(|p| p.into_inner()).0
                }
            };
        }
    }
}
