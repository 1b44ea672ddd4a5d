//! Bounded, prioritised actor mailboxes with backpressure, dead letters, batching and metrics.
//!
//! ractor's own mailbox is unbounded, so the queue in front of an actor is this one, and it is
//! the authority on capacity and order. The actor is woken by a doorbell: when a message lands
//! while none is outstanding, the mailbox calls the waker installed with
//! [`MailboxSender::set_waker`] once (the node makes it send a single `Drain` to the actor),
//! and the actor then takes messages with [`MailboxReceiver::try_recv`] or
//! [`MailboxReceiver::try_recv_batch`] until the mailbox is empty, which re-arms the doorbell.
//!
//! ```text
//! senders ──send / try_send──▶ lanes 0..levels ─┐
//!         ──send_system─────▶ system lane ──────┼─▶ receiver (try_recv, recv_batch)
//!                                 doorbell ◀────┘   ▲
//!                                   └── Drain ──────┘ (one outstanding at most)
//! ```
//!
//! What the configuration decides ([`MailboxSettings::for_actor`]):
//!
//! - capacity: ordinary messages held; system messages (stop, supervision, config updates) are
//!   not counted, always go first and are never dropped;
//! - backpressure when full: `drop_oldest` evicts the oldest message of the lowest non-empty
//!   lane, `drop_newest` refuses the new one, `fail` hands it back at once, `block` waits for
//!   room for at most `message_timeout`, then hands it back; waiting senders get room in
//!   arrival order;
//! - priority lanes ([`Priority`], 0 first) shared `strict`ly, `round_robin` or
//!   `weighted_fair` (lane `i` gets `levels - i` turns per round);
//! - dead letters ([`DeadLetters`]) for everything dropped or handed back;
//! - batching for [`MailboxReceiver::recv_batch`].
//!
//! Every mailbox counts its depth, drops, dead letters and batch sizes ([`MailboxMetrics`]).

mod dead_letter;
mod line;
mod metrics;
mod queue;
mod receiver;
mod sender;
mod settings;
mod shared;

use std::sync::Arc;

pub use dead_letter::{DeadLetter, DeadLetterReason, DeadLetters};
pub use metrics::MailboxMetrics;
pub use queue::{Priority, Queued};
pub use receiver::{MailboxReceiver, Returner};
pub use sender::{Delivery, MailboxSender, SendError};
pub use settings::{
    BatchSettings, DeadLetterSettings, MailboxSettings, PrioritySettings, DEAD_LETTER_FILE_NAME,
};

/// A new, empty mailbox named `name` (the actor's name, used in dead letters and logs).
/// Settings the validator would refuse are corrected (see [`MailboxSettings`]). A message's
/// `Debug` output is what its dead letter keeps.
pub fn mailbox<M: std::fmt::Debug + Send + 'static>(
    name: &str,
    settings: MailboxSettings,
) -> (MailboxSender<M>, MailboxReceiver<M>) {
    let shared = Arc::new(shared::Shared::new(name, settings, |msg: &M| {
        format!("{msg:?}")
    }));
    let sender = MailboxSender {
        shared: Arc::clone(&shared),
    };
    (sender, MailboxReceiver { shared })
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use alys_config::schema::actors::{BackpressureStrategy, DeadLetterHandler};

    use super::*;

    fn quiet(capacity: usize, strategy: BackpressureStrategy) -> MailboxSettings {
        let mut settings = MailboxSettings::new(capacity, strategy);
        settings.dead_letters.handler = DeadLetterHandler::Ignore;
        settings
    }

    fn doorbell(tx: &MailboxSender<u32>) -> Arc<AtomicUsize> {
        let rings = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&rings);
        tx.set_waker(Box::new(move || {
            counter.fetch_add(1, Ordering::SeqCst);
        }));
        rings
    }

    fn send(tx: &MailboxSender<u32>, msgs: std::ops::Range<u32>) {
        for n in msgs {
            assert_eq!(tx.try_send(n, Priority::DEFAULT), Ok(Delivery::Queued));
        }
    }

    #[test]
    fn doorbell_rings_once_until_the_receiver_finds_the_mailbox_empty() {
        let (tx, mut rx) = mailbox::<u32>("chain", quiet(10, BackpressureStrategy::Fail));
        let rings = doorbell(&tx);

        send(&tx, 0..3);
        assert_eq!(rings.load(Ordering::SeqCst), 1);
        while rx.try_recv().is_some() {}
        send(&tx, 3..4);
        assert_eq!(rings.load(Ordering::SeqCst), 2);
        assert!(tx.send_system(9).is_ok());
        assert_eq!(rings.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn doorbell_rings_at_once_for_messages_queued_before_the_waker() {
        let (tx, _rx) = mailbox::<u32>("chain", quiet(10, BackpressureStrategy::Fail));
        send(&tx, 0..2);

        let rings = doorbell(&tx);

        assert_eq!(rings.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn notify_when_ready_rings_now_only_if_messages_wait() {
        let (tx, mut rx) = mailbox::<u32>("chain", quiet(10, BackpressureStrategy::Fail));
        let rings = doorbell(&tx);
        send(&tx, 0..2);
        assert_eq!(rx.try_recv().map(|q| q.msg), Some(0));

        rx.notify_when_ready();
        assert_eq!(rings.load(Ordering::SeqCst), 2);

        assert_eq!(rx.try_recv_batch().len(), 1);
        rx.notify_when_ready();
        assert_eq!(rings.load(Ordering::SeqCst), 2);
        send(&tx, 2..3);
        assert_eq!(rings.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn close_refuses_new_sends_and_still_delivers_what_is_queued() {
        let (tx, mut rx) = mailbox::<u32>("chain", quiet(10, BackpressureStrategy::Block));
        send(&tx, 0..1);

        rx.close();

        assert_eq!(
            tx.send(1, Priority::DEFAULT).await,
            Err(SendError::Closed(1))
        );
        assert_eq!(tx.send_system(2), Err(SendError::Closed(2)));
        assert_eq!(rx.recv().await.map(|q| q.msg), Some(0));
        assert!(rx.recv().await.is_none());
        let reasons: Vec<_> = tx.dead_letters().into_iter().map(|l| l.reason).collect();
        assert_eq!(reasons, [DeadLetterReason::Closed; 2]);
    }

    #[tokio::test(start_paused = true)]
    async fn dropping_the_receiver_frees_blocked_senders_and_dead_letters_the_queue() {
        let (tx, rx) = mailbox::<u32>("chain", quiet(1, BackpressureStrategy::Block));
        send(&tx, 0..1);
        let blocked = tokio::spawn({
            let tx = tx.clone();
            async move { tx.send(1, Priority::DEFAULT).await }
        });
        tokio::task::yield_now().await;

        drop(rx);

        let outcome = blocked.await.ok();
        assert_eq!(outcome, Some(Err(SendError::Closed(1))));
        let letters: Vec<_> = tx
            .dead_letters()
            .into_iter()
            .map(|l| (l.reason, l.describe))
            .collect();
        let closed = DeadLetterReason::Closed;
        assert_eq!(letters, [(closed, "0".into()), (closed, "1".into())]);
        assert_eq!(tx.metrics().depth, 0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_new_block_sender_does_not_overtake_one_already_waiting() {
        let (tx, mut rx) = mailbox::<u32>("chain", quiet(1, BackpressureStrategy::Block));
        send(&tx, 0..1);
        let waiting = tokio::spawn({
            let tx = tx.clone();
            async move { tx.send(1, Priority::DEFAULT).await }
        });
        tokio::task::yield_now().await;
        assert_eq!(rx.try_recv().map(|q| q.msg), Some(0));

        // Room is free, but the waiting sender has not run yet: the newcomer must queue.
        let newcomer = tokio::time::timeout(Duration::from_millis(1), tx.send(2, Priority(0)));

        assert!(newcomer.await.is_err());
        assert_eq!(waiting.await.ok(), Some(Ok(Delivery::Queued)));
        assert_eq!(rx.try_recv().map(|q| q.msg), Some(1));
    }

    #[tokio::test]
    async fn recv_ends_once_every_sender_is_gone_and_the_mailbox_is_empty() {
        let (tx, mut rx) = mailbox::<u32>("chain", quiet(10, BackpressureStrategy::Block));
        let waiting = tokio::spawn(async move {
            let first = rx.recv().await.map(|q| q.msg);
            (first, rx.recv().await.is_none())
        });
        tokio::task::yield_now().await;
        let second = tx.clone();
        send(&second, 0..1);
        tokio::task::yield_now().await;

        drop((tx, second));

        assert_eq!(waiting.await.ok(), Some((Some(0), true)));
    }

    #[tokio::test]
    async fn metrics_track_depth_high_water_and_deliveries() {
        let (tx, mut rx) = mailbox::<u32>("chain", quiet(10, BackpressureStrategy::Fail));
        send(&tx, 0..5);
        assert!(tx.send_system(9).is_ok());
        let _ = rx.try_recv();
        let _ = rx.recv_batch().await;

        let metrics = rx.metrics();

        assert_eq!((metrics.depth, metrics.high_water_depth), (0, 6));
        assert_eq!((metrics.enqueued, metrics.delivered), (6, 6));
        assert_eq!((metrics.batches, metrics.batch_messages), (1, 5));
        assert_eq!((metrics.dead_letters, metrics.rejected_full), (0, 0));
    }
}
