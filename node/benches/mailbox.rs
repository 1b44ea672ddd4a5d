//! Messages per second into a ractor actor through a mailbox and its doorbell, against raw
//! `ActorRef::send_message` to an equivalent actor, in the same run with default settings
//! (capacity 1000, `block`, batching off). One iteration sends 10,000 messages and waits until
//! the actor has counted them all.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use alys_node::mailbox::{mailbox, MailboxReceiver, MailboxSettings, Priority};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ractor::{Actor, ActorProcessingErr, ActorRef};
use tokio::runtime::Runtime;
use tokio::sync::Notify;

const MESSAGES: u64 = 10_000;

/// How far an actor has counted, shared with the bench loop.
#[derive(Default)]
struct Progress {
    /// The count the current iteration waits for.
    target: AtomicU64,
    /// The last target the actor reached.
    reached: AtomicU64,
    done: Notify,
}

impl Progress {
    /// Called by the actor with its running count.
    fn counted(&self, count: u64) {
        if count == self.target.load(Ordering::Relaxed) {
            self.reached.store(count, Ordering::Release);
            self.done.notify_one();
        }
    }

    /// Sets the next target and returns it.
    fn expect_more(&self) -> u64 {
        self.target.fetch_add(MESSAGES, Ordering::Relaxed) + MESSAGES
    }

    async fn wait_for(&self, target: u64) {
        while self.reached.load(Ordering::Acquire) < target {
            self.done.notified().await;
        }
    }
}

/// Counts `u64` messages sent straight to it.
struct RawCounter;

impl Actor for RawCounter {
    type Msg = u64;
    type State = (u64, Arc<Progress>);
    type Arguments = Arc<Progress>;

    async fn pre_start(
        &self,
        _myself: ActorRef<u64>,
        progress: Arc<Progress>,
    ) -> Result<Self::State, ActorProcessingErr> {
        Ok((0, progress))
    }

    async fn handle(
        &self,
        _myself: ActorRef<u64>,
        _msg: u64,
        (count, progress): &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        *count += 1;
        progress.counted(*count);
        Ok(())
    }
}

/// The doorbell: the mailbox has messages.
struct Drain;

/// Counts the messages of its mailbox, draining it on each doorbell.
struct DrainingCounter;

impl Actor for DrainingCounter {
    type Msg = Drain;
    type State = (MailboxReceiver<u64>, u64, Arc<Progress>);
    type Arguments = (MailboxReceiver<u64>, Arc<Progress>);

    async fn pre_start(
        &self,
        _myself: ActorRef<Drain>,
        (receiver, progress): Self::Arguments,
    ) -> Result<Self::State, ActorProcessingErr> {
        Ok((receiver, 0, progress))
    }

    async fn handle(
        &self,
        _myself: ActorRef<Drain>,
        _msg: Drain,
        (receiver, count, progress): &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        while receiver.try_recv().is_some() {
            *count += 1;
        }
        progress.counted(*count);
        Ok(())
    }
}

fn throughput(c: &mut Criterion) {
    let runtime = Runtime::new().expect("tokio runtime");
    let mut group = c.benchmark_group("10k_messages_into_an_actor");
    group.throughput(Throughput::Elements(MESSAGES));
    group.sample_size(30);
    group.measurement_time(Duration::from_secs(10));

    let raw_progress = Arc::new(Progress::default());
    let (raw, _raw_handle) = runtime
        .block_on(Actor::spawn(None, RawCounter, Arc::clone(&raw_progress)))
        .expect("raw actor starts");
    group.bench_function("ractor_send_message", |b| {
        b.iter_custom(|iters| {
            runtime.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    let target = raw_progress.expect_more();
                    for n in 0..MESSAGES {
                        raw.send_message(n).expect("raw actor alive");
                    }
                    raw_progress.wait_for(target).await;
                }
                start.elapsed()
            })
        })
    });

    let progress = Arc::new(Progress::default());
    let (sender, receiver) = mailbox::<u64>("bench", MailboxSettings::default());
    let args = (receiver, Arc::clone(&progress));
    let (actor, _handle) = runtime
        .block_on(Actor::spawn(None, DrainingCounter, args))
        .expect("draining actor starts");
    sender.set_waker(Box::new(move || {
        let _ = actor.send_message(Drain);
    }));
    group.bench_function("mailbox_doorbell", |b| {
        b.iter_custom(|iters| {
            runtime.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    let target = progress.expect_more();
                    for n in 0..MESSAGES {
                        sender
                            .send(n, Priority::DEFAULT)
                            .await
                            .expect("block within the message timeout");
                    }
                    progress.wait_for(target).await;
                }
                start.elapsed()
            })
        })
    });
    group.finish();
}

criterion_group!(benches, throughput);
criterion_main!(benches);
