//! The sending half of a mailbox: backpressure per strategy, the system lane and the doorbell.

use std::fmt;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use alys_config::schema::actors::BackpressureStrategy;
use tokio::time::Instant;

use super::dead_letter::{DeadLetter, DeadLetterReason};
use super::metrics::{Counters, MailboxMetrics};
use super::queue::Priority;
use super::settings::MailboxSettings;
use super::shared::{Offer, Shared};

/// What became of a message the mailbox accepted responsibility for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Queued; nothing was lost.
    Queued,
    /// Queued; the oldest message of the lowest non-empty lane went to the dead letters to make
    /// room (`drop_oldest`).
    DroppedOldest,
    /// Not queued; this message went to the dead letters (`drop_newest`).
    DroppedNewest,
}

/// A send that did not queue its message; the message comes back with the error. Each case is
/// also recorded as a dead letter.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError<M> {
    /// The mailbox was full and does not wait (`fail`, or any `try_send`).
    #[error("mailbox full")]
    Full(M),
    /// The mailbox stayed full for `message_timeout` (`block`).
    #[error("mailbox stayed full for the message timeout")]
    Timeout(M),
    /// The receiver closed the mailbox or was dropped.
    #[error("mailbox closed")]
    Closed(M),
}

impl<M> SendError<M> {
    /// The message that was not queued.
    pub fn into_inner(self) -> M {
        match self {
            SendError::Full(msg) | SendError::Timeout(msg) | SendError::Closed(msg) => msg,
        }
    }
}

/// The sending half of a mailbox. Clones share the mailbox; when the last one is dropped the
/// receiver gets `None` once the mailbox is empty.
pub struct MailboxSender<M> {
    pub(crate) shared: Arc<Shared<M>>,
}

impl<M> Clone for MailboxSender<M> {
    fn clone(&self) -> Self {
        self.shared.senders.fetch_add(1, Ordering::Relaxed);
        MailboxSender {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<M> Drop for MailboxSender<M> {
    fn drop(&mut self) {
        if self.shared.senders.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.shared.arrival.notify_one();
        }
    }
}

impl<M> fmt::Debug for MailboxSender<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MailboxSender")
            .field("actor", &self.shared.dead.actor())
            .field("capacity", &self.shared.settings.capacity)
            .finish_non_exhaustive()
    }
}

impl<M: Send + 'static> MailboxSender<M> {
    /// Queues `msg` in the lane of `priority`, applying the backpressure strategy when the
    /// mailbox is full: `drop_oldest` and `drop_newest` answer at once with what they dropped,
    /// `fail` hands the message back as [`SendError::Full`], `block` waits for room for at most
    /// `message_timeout`, then hands it back as [`SendError::Timeout`]. Blocked senders are
    /// served roughly in arrival order. Cancelling a waiting send drops its message without a
    /// dead letter.
    pub async fn send(&self, msg: M, priority: Priority) -> Result<Delivery, SendError<M>> {
        let lane = self.lane(priority);
        if self.shared.settings.backpressure != BackpressureStrategy::Block {
            return self.settle(self.shared.offer(msg, lane, false, false), lane);
        }
        match self.shared.offer(msg, lane, true, false) {
            Offer::NoRoom(msg) => self.wait_for_room(msg, lane).await,
            offer => self.settle(offer, lane),
        }
    }

    /// Like [`MailboxSender::send`] but never waits: under `block` a full mailbox answers
    /// [`SendError::Full`] at once.
    pub fn try_send(&self, msg: M, priority: Priority) -> Result<Delivery, SendError<M>> {
        let lane = self.lane(priority);
        self.settle(self.shared.offer(msg, lane, false, false), lane)
    }

    /// Queues `msg` in the system lane: delivered before every ordinary message, not counted
    /// against the capacity, never dropped. For stop, supervision and config updates. Fails
    /// only when the mailbox is closed.
    pub fn send_system(&self, msg: M) -> Result<(), SendError<M>> {
        self.shared.offer_system(msg).map_err(|msg| {
            self.shared
                .dead_letter(DeadLetterReason::Closed, Priority::HIGHEST, true, &msg);
            SendError::Closed(msg)
        })
    }

    /// Installs the doorbell. It is called (never under a lock) when a message lands while no
    /// doorbell is outstanding; one is outstanding from the call until the receiver finds the
    /// mailbox empty or calls [`crate::mailbox::MailboxReceiver::notify_when_ready`]. Rings at
    /// once if messages already wait. The callback must not block.
    pub fn set_waker(&self, waker: Box<dyn Fn() + Send + Sync>) {
        self.shared.set_waker(Arc::from(waker));
    }

    /// A snapshot of the mailbox's counters.
    pub fn metrics(&self) -> MailboxMetrics {
        self.shared.metrics()
    }

    /// The dead letters still kept, oldest first (empty when dead letters are disabled).
    pub fn dead_letters(&self) -> Vec<DeadLetter> {
        self.shared.dead.recent()
    }

    /// The settings in force, after correction of values the validator refuses.
    pub fn settings(&self) -> &MailboxSettings {
        &self.shared.settings
    }

    fn lane(&self, priority: Priority) -> usize {
        priority.lane(&self.shared.settings.priorities)
    }

    /// Waits for room until `message_timeout` has passed since now.
    async fn wait_for_room(&self, mut msg: M, lane: usize) -> Result<Delivery, SendError<M>> {
        let deadline = Instant::now() + self.shared.settings.message_timeout;
        let mut in_line = InLine {
            shared: &self.shared,
            waiting: true,
        };
        loop {
            let notified = self.shared.room.notified();
            tokio::pin!(notified);
            // Registered before looking, so room freed between the look and the wait still
            // wakes this sender.
            notified.as_mut().enable();
            match self.shared.offer(msg, lane, true, true) {
                Offer::NoRoom(back) => msg = back,
                offer => {
                    in_line.waiting = false;
                    return self.settle(offer, lane);
                }
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                drop(in_line);
                Counters::bump(&self.shared.counters.timed_out);
                self.shared.dead_letter(
                    DeadLetterReason::Timeout,
                    Priority(lane as u8),
                    false,
                    &msg,
                );
                return Err(SendError::Timeout(msg));
            }
        }
    }

    /// Turns what the queue did into the sender's answer, counting and recording drops.
    fn settle(&self, offer: Offer<M>, lane: usize) -> Result<Delivery, SendError<M>> {
        let shared = &self.shared;
        let priority = Priority(lane as u8);
        match offer {
            Offer::Queued { evicted: None } => Ok(Delivery::Queued),
            Offer::Queued { evicted: Some(old) } => {
                Counters::bump(&shared.counters.dropped_oldest);
                shared.dead_letter(
                    DeadLetterReason::DroppedOldest,
                    old.priority,
                    false,
                    &old.msg,
                );
                Ok(Delivery::DroppedOldest)
            }
            Offer::DroppedNewest(msg) => {
                Counters::bump(&shared.counters.dropped_newest);
                shared.dead_letter(DeadLetterReason::DroppedNewest, priority, false, &msg);
                Ok(Delivery::DroppedNewest)
            }
            Offer::NoRoom(msg) => {
                Counters::bump(&shared.counters.rejected_full);
                shared.dead_letter(DeadLetterReason::Full, priority, false, &msg);
                Err(SendError::Full(msg))
            }
            Offer::Closed(msg) => {
                shared.dead_letter(DeadLetterReason::Closed, priority, false, &msg);
                Err(SendError::Closed(msg))
            }
        }
    }
}

/// A `block` sender's place in line; leaving it (timeout, or the send future dropped) takes
/// the sender out of the count so newcomers do not queue behind a ghost.
struct InLine<'a, M> {
    shared: &'a Shared<M>,
    waiting: bool,
}

impl<M> Drop for InLine<'_, M> {
    fn drop(&mut self) {
        if self.waiting {
            self.shared.stop_waiting();
        }
    }
}
