//! The line of `block` senders waiting for room, served strictly in arrival order.
//!
//! Each waiting sender holds a ticket with its own [`Notify`], so room is offered to the first
//! in line only, without waking the others. The first in line that takes the room, leaves the
//! line or times out passes the turn on when room is left.

use std::collections::VecDeque;
use std::sync::Arc;

use tokio::sync::Notify;

/// A sender's place in line.
#[derive(Debug)]
pub(crate) struct Ticket {
    pub(crate) id: u64,
    /// Notified when the holder is first in line and room may have appeared, or on close.
    /// A notification sent before the holder waits is kept, so none is lost.
    pub(crate) wake: Arc<Notify>,
}

/// Senders waiting for room, first come first served.
#[derive(Debug, Default)]
pub(crate) struct Line {
    waiting: VecDeque<Ticket>,
    next_id: u64,
}

impl Line {
    /// No sender waits.
    pub(crate) fn is_empty(&self) -> bool {
        self.waiting.is_empty()
    }

    /// Whether the holder of ticket `id` is first in line.
    pub(crate) fn is_first(&self, id: u64) -> bool {
        self.waiting.front().is_some_and(|t| t.id == id)
    }

    /// Puts a new sender at the back of the line.
    pub(crate) fn join(&mut self) -> Ticket {
        let ticket = Ticket {
            id: self.next_id,
            wake: Arc::new(Notify::new()),
        };
        self.next_id += 1;
        self.waiting.push_back(Ticket {
            id: ticket.id,
            wake: Arc::clone(&ticket.wake),
        });
        ticket
    }

    /// Takes ticket `id` out of the line, wherever it stands; nothing if it already left.
    pub(crate) fn leave(&mut self, id: u64) {
        if self.is_first(id) {
            self.waiting.pop_front();
        } else if let Some(at) = self.waiting.iter().position(|t| t.id == id) {
            self.waiting.remove(at);
        }
    }

    /// Tells the first sender in line that room may be free.
    pub(crate) fn wake_first(&self) {
        if let Some(first) = self.waiting.front() {
            first.wake.notify_one();
        }
    }

    /// Wakes every waiting sender (the mailbox closed).
    pub(crate) fn wake_all(&self) {
        for ticket in &self.waiting {
            ticket.wake.notify_one();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serves_in_arrival_order_and_lets_anyone_leave() {
        let mut line = Line::default();
        let [a, b, c] = [line.join(), line.join(), line.join()];
        assert!(line.is_first(a.id));

        line.leave(b.id);
        line.leave(a.id);
        assert!(line.is_first(c.id));

        line.leave(c.id);
        line.leave(c.id);
        assert!(line.is_empty());
    }

    #[tokio::test]
    async fn a_wake_sent_before_the_sender_waits_is_kept() {
        let mut line = Line::default();
        let ticket = line.join();

        line.wake_first();

        let woken = tokio::time::timeout(std::time::Duration::ZERO, ticket.wake.notified());
        assert!(woken.await.is_ok());
    }
}
