//! Appending, reading back, reopening and concurrent group commit.

use std::sync::Arc;
use std::thread;

use alys_eventlog::{EventLog, LogError, Offset, GENESIS_PREV};

use crate::common::{reload, temp_log};

#[test]
fn appended_events_read_back_at_dense_offsets_from_zero() {
    let (_dir, log) = temp_log();
    let events: Vec<_> = (0..5).map(|i| reload(&format!("t{i}"))).collect();
    for (i, event) in (0u64..).zip(&events) {
        assert_eq!(log.append(event).expect("append"), Offset(i));
    }

    let read: Vec<_> = log
        .read(Offset(0), None)
        .collect::<Result<_, _>>()
        .expect("read");
    assert_eq!(read.len(), 5);
    assert_eq!(read[0].prev_hash, GENESIS_PREV);
    for (i, (envelope, event)) in (0u64..).zip(read.iter().zip(&events)) {
        assert_eq!(envelope.offset, Offset(i));
        assert_eq!(&envelope.event().expect("decode"), event);
    }
    assert_eq!(log.len(), 5);
    assert_eq!(log.head(), Some((Offset(4), read[4].hash)));
    let report = log.verify();
    assert!(report.is_intact(), "{report}");
    assert_eq!(report.checked, 5);
}

#[test]
fn append_batch_takes_consecutive_offsets_in_one_flush() {
    let (_dir, log) = temp_log();
    log.append(&reload("first")).expect("append");
    let flushes = log.stats().flushes;

    let batch: Vec<_> = (0..10).map(|i| reload(&format!("b{i}"))).collect();
    let offsets = log.append_batch(&batch).expect("batch");
    assert_eq!(offsets, (1..11).map(Offset).collect::<Vec<_>>());
    assert_eq!(log.stats().flushes, flushes + 1);
    assert_eq!(log.append_batch(&[]).expect("empty batch"), vec![]);
    assert!(log.verify().is_intact());
}

#[test]
fn append_at_keeps_the_given_timestamp() {
    let (_dir, log) = temp_log();
    let offset = log.append_at(&reload("fixed"), 1_234).expect("append");
    let envelope = log.get(offset).expect("get").expect("present");
    assert_eq!(envelope.timestamp_ms, 1_234);
}

#[test]
fn get_and_read_stop_at_the_durable_head() {
    let (_dir, log) = temp_log();
    assert!(log.get(Offset(0)).expect("get").is_none());
    assert_eq!(log.read(Offset(0), None).count(), 0);
    log.append(&reload("a")).expect("append");
    assert!(log.get(Offset(1)).expect("get").is_none());
    assert_eq!(log.read(Offset(0), Some(Offset(10))).count(), 1);
}

#[test]
fn reversed_range_is_caller_misuse() {
    let (_dir, log) = temp_log();
    let mut read = log.read(Offset(3), Some(Offset(1)));
    assert!(matches!(
        read.next(),
        Some(Err(LogError::RangeReversed { .. }))
    ));
    assert!(read.next().is_none());
}

#[test]
fn reopened_log_recovers_head_and_continues_the_chain() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("eventlog");
    let head = {
        let log = EventLog::open(&path).expect("open");
        for i in 0..3 {
            log.append(&reload(&format!("t{i}"))).expect("append");
        }
        log.head()
    };

    let log = EventLog::open(&path).expect("reopen");
    assert_eq!(log.head(), head);
    assert_eq!(log.append(&reload("after")).expect("append"), Offset(3));
    let fourth = log.get(Offset(3)).expect("get").expect("present");
    assert_eq!(Some(fourth.prev_hash), head.map(|(_, hash)| hash));
    assert!(log.verify().is_intact());
}

#[test]
fn close_writes_queued_appends_and_refuses_later_ones() {
    let (_dir, log) = temp_log();
    let other = log.clone();
    log.append(&reload("before")).expect("append");
    log.close().expect("close");
    assert!(matches!(
        other.append(&reload("after")),
        Err(LogError::Closed { .. })
    ));
    assert_eq!(other.len(), 1);
    assert!(other.verify().is_intact());
}

#[test]
fn concurrent_appends_are_dense_verified_and_share_flushes() {
    const THREADS: u64 = 8;
    const PER_THREAD: u64 = 200;
    let (_dir, log) = temp_log();
    let log = Arc::new(log);

    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            let log = Arc::clone(&log);
            thread::spawn(move || {
                (0..PER_THREAD)
                    .map(|i| log.append(&reload(&format!("{t}-{i}"))).expect("append"))
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut offsets: Vec<u64> = workers
        .into_iter()
        .flat_map(|w| w.join().expect("worker"))
        .map(|o| o.0)
        .collect();

    offsets.sort_unstable();
    assert_eq!(offsets, (0..THREADS * PER_THREAD).collect::<Vec<_>>());
    assert!(log.verify().is_intact());

    let stats = log.stats();
    eprintln!(
        "group commit: {} events, {} flushes, largest group {}",
        stats.events, stats.flushes, stats.largest_group
    );
    assert_eq!(stats.events, THREADS * PER_THREAD);
    assert!(stats.flushes < stats.events, "{stats:?}");
}
