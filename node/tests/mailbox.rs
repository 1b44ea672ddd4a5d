//! Mailbox behaviour under floods, priorities, dead letters and batching, in paused time.

use std::time::Duration;

use alys_config::schema::actors::{BackpressureStrategy, DeadLetterHandler, PriorityAlgorithm};
use alys_node::mailbox::{
    mailbox, DeadLetterReason, Delivery, MailboxReceiver, MailboxSender, MailboxSettings, Priority,
    SendError,
};
use tokio::time::Instant;

use BackpressureStrategy::{Block, DropNewest, DropOldest, Fail};

const TIMEOUT: Duration = Duration::from_secs(5);

fn settings(capacity: usize, strategy: BackpressureStrategy) -> MailboxSettings {
    let mut settings = MailboxSettings::new(capacity, strategy);
    settings.message_timeout = TIMEOUT;
    settings.dead_letters.handler = DeadLetterHandler::Ignore;
    settings
}

fn lanes(levels: u8, algorithm: PriorityAlgorithm) -> MailboxSettings {
    let mut settings = settings(100, Fail);
    settings.priorities.enabled = true;
    settings.priorities.levels = levels;
    settings.priorities.algorithm = algorithm;
    settings
}

fn batching(max_batch_size: usize, batch_timeout: Duration) -> MailboxSettings {
    let mut settings = settings(100, Fail);
    settings.batching.enabled = true;
    settings.batching.max_batch_size = max_batch_size;
    settings.batching.batch_timeout = batch_timeout;
    settings
}

fn drain(rx: &mut MailboxReceiver<u32>) -> Vec<u32> {
    std::iter::from_fn(|| rx.try_recv())
        .map(|q| q.msg)
        .collect()
}

fn dead(tx: &MailboxSender<u32>) -> Vec<(DeadLetterReason, String)> {
    let letters = tx.dead_letters().into_iter();
    letters.map(|l| (l.reason, l.describe)).collect()
}

fn letters(
    reason: DeadLetterReason,
    msgs: std::ops::Range<u32>,
) -> Vec<(DeadLetterReason, String)> {
    msgs.map(|n| (reason, n.to_string())).collect()
}

async fn flood(tx: &MailboxSender<u32>) -> Vec<Result<Delivery, SendError<u32>>> {
    let mut seen = Vec::new();
    for n in 0..100 {
        seen.push(tx.send(n, Priority::DEFAULT).await);
    }
    seen
}

async fn send_lanes(tx: &MailboxSender<u32>, lanes: &[u8]) {
    for (n, &lane) in lanes.iter().enumerate() {
        let msg = u32::from(lane) * 100 + n as u32;
        assert_eq!(tx.send(msg, Priority(lane)).await, Ok(Delivery::Queued));
    }
}

#[tokio::test]
async fn drop_oldest_flood_keeps_the_newest_and_dead_letters_the_rest() {
    let (tx, mut rx) = mailbox::<u32>("chain", settings(4, DropOldest));

    let seen = flood(&tx).await;

    let mut expected = vec![Ok(Delivery::Queued); 4];
    expected.resize(100, Ok(Delivery::DroppedOldest));
    assert_eq!(seen, expected);
    assert_eq!(drain(&mut rx), [96, 97, 98, 99]);
    assert_eq!(dead(&tx), letters(DeadLetterReason::DroppedOldest, 0..96));
    let metrics = tx.metrics();
    assert_eq!((metrics.dropped_oldest, metrics.dead_letters), (96, 96));
    assert_eq!((metrics.enqueued, metrics.high_water_depth), (100, 4));
}

#[tokio::test]
async fn drop_newest_flood_keeps_the_first_and_dead_letters_the_rest() {
    let (tx, mut rx) = mailbox::<u32>("chain", settings(4, DropNewest));

    let seen = flood(&tx).await;

    let mut expected = vec![Ok(Delivery::Queued); 4];
    expected.resize(100, Ok(Delivery::DroppedNewest));
    assert_eq!(seen, expected);
    assert_eq!(drain(&mut rx), [0, 1, 2, 3]);
    assert_eq!(dead(&tx), letters(DeadLetterReason::DroppedNewest, 4..100));
    assert_eq!(tx.metrics().dropped_newest, 96);
}

#[tokio::test]
async fn fail_flood_hands_each_refused_message_back_at_once() {
    let (tx, mut rx) = mailbox::<u32>("chain", settings(4, Fail));

    let seen = flood(&tx).await;

    let mut expected = vec![Ok(Delivery::Queued); 4];
    expected.extend((4..100).map(|n| Err(SendError::Full(n))));
    assert_eq!(seen, expected);
    assert_eq!(drain(&mut rx), [0, 1, 2, 3]);
    assert_eq!(dead(&tx), letters(DeadLetterReason::Full, 4..100));
    assert_eq!(tx.metrics().rejected_full, 96);
}

#[tokio::test(start_paused = true)]
async fn block_flood_times_out_every_waiting_sender_after_exactly_message_timeout() {
    let (tx, mut rx) = mailbox::<u32>("chain", settings(4, Block));
    let start = Instant::now();

    let senders: Vec<_> = (0..100)
        .map(|n| {
            let tx = tx.clone();
            tokio::spawn(async move { (tx.send(n, Priority::DEFAULT).await, start.elapsed()) })
        })
        .collect();
    let mut seen = Vec::new();
    for sender in senders {
        seen.push(sender.await.expect("sender task panicked"));
    }

    let mut expected = vec![(Ok(Delivery::Queued), Duration::ZERO); 4];
    expected.extend((4..100).map(|n| (Err(SendError::Timeout(n)), TIMEOUT)));
    assert_eq!(seen, expected);
    assert_eq!(drain(&mut rx), [0, 1, 2, 3]);
    assert_eq!(dead(&tx), letters(DeadLetterReason::Timeout, 4..100));
    assert_eq!(tx.metrics().timed_out, 96);
}

#[tokio::test(start_paused = true)]
async fn block_sender_proceeds_as_soon_as_the_receiver_makes_room() {
    let (tx, mut rx) = mailbox::<u32>("chain", settings(1, Block));
    assert_eq!(tx.send(0, Priority::DEFAULT).await, Ok(Delivery::Queued));
    let start = Instant::now();
    let waiting = tokio::spawn({
        let tx = tx.clone();
        async move { (tx.send(1, Priority::DEFAULT).await, start.elapsed()) }
    });

    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(!waiting.is_finished());
    assert_eq!(rx.recv().await.map(|q| q.msg), Some(0));

    let outcome = waiting.await.expect("sender task panicked");
    assert_eq!(outcome, (Ok(Delivery::Queued), Duration::from_secs(2)));
    assert_eq!(drain(&mut rx), [1]);
}

#[tokio::test(start_paused = true)]
async fn blocked_senders_are_served_in_arrival_order() {
    let (tx, mut rx) = mailbox::<u32>("chain", settings(1, Block));
    assert_eq!(tx.send(0, Priority::DEFAULT).await, Ok(Delivery::Queued));
    for n in 1..4 {
        let tx = tx.clone();
        tokio::spawn(async move { tx.send(n, Priority::DEFAULT).await });
        tokio::task::yield_now().await;
    }

    let mut received = Vec::new();
    for _ in 0..4 {
        received.extend(rx.recv().await.map(|q| q.msg));
    }

    assert_eq!(received, [0, 1, 2, 3]);
}

#[tokio::test]
async fn system_messages_go_first_and_survive_a_full_dropping_mailbox() {
    let (tx, mut rx) = mailbox::<u32>("chain", settings(2, DropOldest));
    for n in 0..10 {
        tx.send(n, Priority::DEFAULT)
            .await
            .expect("drop_oldest never refuses");
    }
    assert_eq!(tx.send_system(1000), Ok(()));
    for n in 10..20 {
        tx.send(n, Priority::DEFAULT)
            .await
            .expect("drop_oldest never refuses");
    }
    assert_eq!(tx.send_system(1001), Ok(()));
    assert_eq!(tx.metrics().depth, 4);

    let delivered: Vec<(u32, bool)> = std::iter::from_fn(|| rx.try_recv())
        .map(|q| (q.msg, q.system))
        .collect();

    assert_eq!(
        delivered,
        [(1000, true), (1001, true), (18, false), (19, false)]
    );
    assert_eq!(dead(&tx), letters(DeadLetterReason::DroppedOldest, 0..18));
}

#[tokio::test]
async fn system_message_is_accepted_when_a_fail_mailbox_is_full() {
    let (tx, mut rx) = mailbox::<u32>("chain", settings(1, Fail));
    assert_eq!(tx.try_send(0, Priority::DEFAULT), Ok(Delivery::Queued));
    assert_eq!(tx.try_send(1, Priority::DEFAULT), Err(SendError::Full(1)));

    assert_eq!(tx.send_system(7), Ok(()));

    assert_eq!(drain(&mut rx), [7, 0]);
}

#[tokio::test]
async fn strict_delivers_the_highest_non_empty_lane_first() {
    let (tx, mut rx) = mailbox::<u32>("chain", lanes(3, PriorityAlgorithm::Strict));
    send_lanes(&tx, &[2, 1, 0, 2, 0, 1]).await;

    assert_eq!(drain(&mut rx), [2, 4, 101, 105, 200, 203]);
}

#[tokio::test]
async fn round_robin_delivers_one_message_per_non_empty_lane_in_turn() {
    let (tx, mut rx) = mailbox::<u32>("chain", lanes(3, PriorityAlgorithm::RoundRobin));
    send_lanes(&tx, &[0, 0, 0, 1, 2, 2]).await;

    assert_eq!(drain(&mut rx), [0, 103, 204, 1, 205, 2]);
}

#[tokio::test]
async fn weighted_fair_serves_three_lanes_in_a_three_two_one_pattern() {
    let (tx, mut rx) = mailbox::<u32>("chain", lanes(3, PriorityAlgorithm::WeightedFair));
    send_lanes(&tx, &[0, 1, 2].repeat(10)).await;

    let order: Vec<u8> = (0..12)
        .filter_map(|_| rx.try_recv())
        .map(|q| q.priority.0)
        .collect();

    assert_eq!(order, [0, 0, 0, 1, 1, 2, 0, 0, 0, 1, 1, 2]);
}

#[tokio::test]
async fn default_priority_uses_the_configured_lane_and_large_ones_clamp_to_the_last() {
    let mut settings = lanes(4, PriorityAlgorithm::Strict);
    settings.priorities.default_priority = 1;
    let (tx, mut rx) = mailbox::<u32>("chain", settings);

    for (msg, priority) in [(1, Priority(200)), (2, Priority::DEFAULT), (3, Priority(0))] {
        tx.send(msg, priority).await.expect("room for three");
    }

    let delivered: Vec<(u32, u8)> = std::iter::from_fn(|| rx.try_recv())
        .map(|q| (q.msg, q.priority.0))
        .collect();
    assert_eq!(delivered, [(3, 0), (2, 1), (1, 3)]);
}

#[tokio::test]
async fn disabled_priority_queue_is_one_fifo() {
    let mut settings = lanes(3, PriorityAlgorithm::Strict);
    settings.priorities.enabled = false;
    let (tx, mut rx) = mailbox::<u32>("chain", settings);
    send_lanes(&tx, &[2, 0, 1]).await;

    assert_eq!(drain(&mut rx), [200, 1, 102]);
}

#[tokio::test]
async fn dead_letters_keep_only_the_newest_max_messages() {
    let mut settings = settings(1, DropNewest);
    settings.dead_letters.max_messages = 3;
    let (tx, _rx) = mailbox::<u32>("chain", settings);

    for n in 0..10 {
        tx.try_send(n, Priority::DEFAULT)
            .expect("drop_newest never refuses");
    }

    assert_eq!(dead(&tx), letters(DeadLetterReason::DroppedNewest, 7..10));
    assert_eq!(tx.metrics().dead_letters, 9);
}

#[tokio::test(start_paused = true)]
async fn dead_letters_older_than_retention_time_are_pruned() {
    let mut settings = settings(1, DropNewest);
    settings.dead_letters.retention_time = Duration::from_secs(60);
    let (tx, _rx) = mailbox::<u32>("chain", settings);
    tx.try_send(0, Priority::DEFAULT).expect("room for one");

    tx.try_send(1, Priority::DEFAULT)
        .expect("drop_newest never refuses");
    tokio::time::advance(Duration::from_secs(30)).await;
    tx.try_send(2, Priority::DEFAULT)
        .expect("drop_newest never refuses");
    assert_eq!(dead(&tx), letters(DeadLetterReason::DroppedNewest, 1..3));

    tokio::time::advance(Duration::from_secs(30)).await;
    assert_eq!(dead(&tx), letters(DeadLetterReason::DroppedNewest, 2..3));
    tokio::time::advance(Duration::from_secs(30)).await;
    assert!(dead(&tx).is_empty());
}

#[tokio::test]
async fn file_handler_appends_one_json_line_per_dead_letter() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("dead.jsonl");
    let mut settings = settings(1, Fail);
    settings.dead_letters.handler = DeadLetterHandler::File;
    settings.dead_letters.file_path = Some(path.clone());
    let (tx, _rx) = mailbox::<String>("bridge", settings);

    tx.try_send("kept".into(), Priority::DEFAULT)
        .expect("room for one");
    for text in ["first", "second"] {
        assert!(tx.try_send(text.into(), Priority::DEFAULT).is_err());
    }

    let text = std::fs::read_to_string(&path).expect("dead-letter file written");
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["actor"], "bridge");
    assert_eq!(lines[0]["reason"], "full");
    assert_eq!(lines[0]["priority"], 0);
    assert_eq!(lines[1]["describe"], "\"second\"");
    assert!(lines[1]["time_unix_ms"].as_u64().is_some_and(|t| t > 0));
}

#[tokio::test(start_paused = true)]
async fn batches_are_capped_and_a_partial_one_returns_after_batch_timeout() {
    let (tx, mut rx) = mailbox::<u32>("chain", batching(3, Duration::from_millis(10)));
    for n in 0..7 {
        tx.try_send(n, Priority::DEFAULT).expect("room");
    }
    let start = Instant::now();

    let sizes = [rx.recv_batch().await.len(), rx.recv_batch().await.len()];
    assert_eq!((sizes, start.elapsed()), ([3, 3], Duration::ZERO));
    let last: Vec<u32> = rx.recv_batch().await.into_iter().map(|q| q.msg).collect();

    assert_eq!(
        (last, start.elapsed()),
        (vec![6], Duration::from_millis(10))
    );
    let metrics = tx.metrics();
    assert_eq!(
        (metrics.batches, metrics.batch_messages, metrics.max_batch),
        (3, 7, 3)
    );
}

#[tokio::test(start_paused = true)]
async fn batch_waits_for_late_messages_until_it_is_full() {
    let (tx, mut rx) = mailbox::<u32>("chain", batching(3, Duration::from_millis(10)));
    tx.try_send(0, Priority::DEFAULT).expect("room");
    let start = Instant::now();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(4)).await;
        for n in 1..4 {
            tx.try_send(n, Priority::DEFAULT).expect("room");
        }
    });

    let batch: Vec<u32> = rx.recv_batch().await.into_iter().map(|q| q.msg).collect();

    assert_eq!(
        (batch, start.elapsed()),
        (vec![0, 1, 2], Duration::from_millis(4))
    );
}

#[tokio::test(start_paused = true)]
async fn system_message_ends_the_batch_wait_and_disabled_batching_never_waits() {
    let (tx, mut rx) = mailbox::<u32>("chain", batching(10, Duration::from_millis(10)));
    tx.try_send(0, Priority::DEFAULT).expect("room");
    tx.send_system(9).expect("open");
    let start = Instant::now();
    assert_eq!(rx.recv_batch().await.len(), 2);

    let mut off = batching(2, Duration::from_millis(10));
    off.batching.enabled = false;
    let (tx, mut rx) = mailbox::<u32>("chain", off);
    for n in 0..3 {
        tx.try_send(n, Priority::DEFAULT).expect("room");
    }
    let sizes = [rx.recv_batch().await.len(), rx.recv_batch().await.len()];
    assert_eq!((sizes, start.elapsed()), ([2, 1], Duration::ZERO));
}
