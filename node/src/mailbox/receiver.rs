//! The receiving half of a mailbox: single messages, batches, the doorbell's re-arm, and
//! closing.

use std::fmt;
use std::sync::Arc;

use tokio::time::Instant;

use super::metrics::MailboxMetrics;
use super::queue::Queued;
use super::shared::{Shared, Taken};

/// The receiving half of a mailbox; there is exactly one. Dropping it closes the mailbox and
/// turns the messages still queued into dead letters (reason `closed`).
pub struct MailboxReceiver<M> {
    pub(crate) shared: Arc<Shared<M>>,
}

impl<M> Drop for MailboxReceiver<M> {
    fn drop(&mut self) {
        self.shared.close_and_discard();
    }
}

impl<M> fmt::Debug for MailboxReceiver<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MailboxReceiver")
            .field("actor", &self.shared.dead.actor())
            .finish_non_exhaustive()
    }
}

impl<M: Send + 'static> MailboxReceiver<M> {
    /// The next message: system lane first, then the lanes in the configured order. Waits
    /// while the mailbox is empty; `None` once it is empty and closed or every sender is gone.
    pub async fn recv(&mut self) -> Option<Queued<M>> {
        loop {
            match self.shared.take_one() {
                Taken::Got(item) => return Some(item),
                Taken::Finished => return None,
                Taken::Empty => self.shared.arrival.notified().await,
            }
        }
    }

    /// The next message if one is queued. `None` (empty) re-arms the doorbell, so the next
    /// arrival rings it.
    pub fn try_recv(&mut self) -> Option<Queued<M>> {
        match self.shared.take_one() {
            Taken::Got(item) => Some(item),
            Taken::Empty | Taken::Finished => None,
        }
    }

    /// A batch of at most `max_batch_size` messages, in delivery order.
    ///
    /// Waits for the first message, then takes whatever else is queued. With batching enabled
    /// a batch that is not full waits for more until `batch_timeout` has passed since its
    /// first message was taken, and returns early when it fills up, when it holds a system
    /// message (so a stop is never held back by the wait), or when the mailbox closes. With
    /// batching disabled it returns at once with what was queued. Empty only when the mailbox
    /// is closed (or every sender gone) and empty.
    pub async fn recv_batch(&mut self) -> Vec<Queued<M>> {
        let batching = self.shared.settings.batching;
        let max = batching.max_batch_size;
        let mut batch = loop {
            match self.shared.take(max) {
                Taken::Got(batch) => break batch,
                Taken::Finished => return Vec::new(),
                Taken::Empty => self.shared.arrival.notified().await,
            }
        };
        if batching.enabled {
            let deadline = Instant::now() + batching.batch_timeout;
            while batch.len() < max && !batch.iter().any(|q| q.system) {
                match self.shared.take(max - batch.len()) {
                    Taken::Got(more) => batch.extend(more),
                    Taken::Finished => break,
                    Taken::Empty => {
                        let arrived = self.shared.arrival.notified();
                        if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                            break;
                        }
                    }
                }
            }
        }
        self.shared.counters.batch(batch.len());
        batch
    }

    /// The messages queued now, at most `max_batch_size`, without waiting; empty when none
    /// are. Counted as a batch when not empty.
    pub fn try_recv_batch(&mut self) -> Vec<Queued<M>> {
        let batch = match self
            .shared
            .take(self.shared.settings.batching.max_batch_size)
        {
            Taken::Got(batch) => batch,
            Taken::Empty | Taken::Finished => Vec::new(),
        };
        self.shared.counters.batch(batch.len());
        batch
    }

    /// A handle that puts taken messages back at the head of the mailbox; it stays usable after
    /// the receiver's lock is released, so a handler that fails mid-batch loses nothing.
    pub fn returner(&self) -> Returner<M> {
        Returner {
            shared: self.shared.clone(),
        }
    }

    /// Asks for the doorbell: it rings now if messages are queued, else at the next arrival.
    /// For a receiver that stops draining before the mailbox is empty (to let other work run);
    /// call it only while handling the previous doorbell, so that at most one is outstanding.
    pub fn notify_when_ready(&self) {
        self.shared.rearm();
    }

    /// Refuses further sends ([`crate::mailbox::SendError::Closed`]) and wakes blocked senders
    /// with their messages. What is already queued can still be received.
    pub fn close(&mut self) {
        self.shared.close();
    }

    /// A snapshot of the mailbox's counters.
    pub fn metrics(&self) -> MailboxMetrics {
        self.shared.metrics()
    }
}

/// Puts messages taken from a mailbox back at its head (see [`MailboxReceiver::returner`]).
pub struct Returner<M> {
    shared: Arc<Shared<M>>,
}

impl<M> fmt::Debug for Returner<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Returner")
            .field("actor", &self.shared.dead.actor())
            .finish_non_exhaustive()
    }
}

impl<M> Returner<M> {
    /// Puts `items` back, in their order, ahead of everything queued in their lanes.
    pub fn put_back(&self, items: Vec<Queued<M>>) {
        self.shared.put_back(items);
    }
}
