//! The sending half of a mailbox: backpressure per strategy, the system lane and the doorbell.

use std::fmt;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use alys_config::schema::actors::BackpressureStrategy;
use tokio::time::Instant;

use super::dead_letter::{DeadLetter, DeadLetterReason};
use super::line::Ticket;
use super::metrics::{Counters, MailboxMetrics};
use super::queue::Priority;
use super::settings::MailboxSettings;
use super::shared::{Offer, Shared, Turn};

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
    /// `message_timeout`, then hands it back as [`SendError::Timeout`]. Blocked senders get
    /// room strictly in arrival order, and a new `send` queues behind them. Cancelling a
    /// waiting send drops its message without a dead letter.
    pub async fn send(&self, msg: M, priority: Priority) -> Result<Delivery, SendError<M>> {
        let lane = self.lane(priority);
        if self.shared.settings.backpressure != BackpressureStrategy::Block {
            return self.settle(self.shared.offer(msg, lane, Turn::Barge), lane);
        }
        match self.shared.offer(msg, lane, Turn::Join) {
            Offer::NoRoom(msg, Some(ticket)) => self.wait_for_room(msg, lane, ticket).await,
            offer => self.settle(offer, lane),
        }
    }

    /// Like [`MailboxSender::send`] but never waits: under `block` a full mailbox answers
    /// [`SendError::Full`] at once, and free room is taken even if `block` senders wait for it.
    pub fn try_send(&self, msg: M, priority: Priority) -> Result<Delivery, SendError<M>> {
        let lane = self.lane(priority);
        self.settle(self.shared.offer(msg, lane, Turn::Barge), lane)
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

    fn lane(&self, priority: Priority) -> Priority {
        priority.resolve(&self.shared.settings.priorities)
    }

    /// Waits in line for room until `message_timeout` has passed since now.
    async fn wait_for_room(
        &self,
        mut msg: M,
        lane: Priority,
        ticket: Ticket,
    ) -> Result<Delivery, SendError<M>> {
        let deadline = Instant::now() + self.shared.settings.message_timeout;
        let mut in_line = InLine {
            shared: &self.shared,
            id: Some(ticket.id),
        };
        loop {
            if tokio::time::timeout_at(deadline, ticket.wake.notified())
                .await
                .is_err()
            {
                drop(in_line);
                Counters::bump(&self.shared.counters.timed_out);
                let reason = DeadLetterReason::Timeout;
                self.shared.dead_letter(reason, lane, false, &msg);
                return Err(SendError::Timeout(msg));
            }
            match self.shared.offer(msg, lane, Turn::Waiting(ticket.id)) {
                Offer::NoRoom(back, _) => msg = back,
                offer => {
                    in_line.id = None;
                    return self.settle(offer, lane);
                }
            }
        }
    }

    /// Turns what the queue did into the sender's answer, counting and recording drops.
    fn settle(&self, offer: Offer<M>, priority: Priority) -> Result<Delivery, SendError<M>> {
        let shared = &self.shared;
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
            Offer::NoRoom(msg, _) => {
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

/// A `block` sender's place in line; leaving it early (timeout, or the send future dropped)
/// takes the ticket out so the senders behind move up.
struct InLine<'a, M> {
    shared: &'a Shared<M>,
    /// The ticket while the sender is still in line.
    id: Option<u64>,
}

impl<M> Drop for InLine<'_, M> {
    fn drop(&mut self) {
        if let Some(id) = self.id {
            self.shared.leave_line(id);
        }
    }
}
