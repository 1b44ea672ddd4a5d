//! Following a live log.

use std::thread;
use std::time::Duration;

use alys_eventlog::Offset;

use crate::common::{reload, temp_log};

#[test]
fn tail_yields_existing_then_new_appends() {
    let (_dir, log) = temp_log();
    log.append(&reload("old")).expect("append");
    let mut tail = log.tail(Offset(0));
    let first = tail
        .next_timeout(Duration::from_secs(5))
        .expect("first")
        .expect("ok");
    assert_eq!(first.offset, Offset(0));

    let writer = log.clone();
    let appender = thread::spawn(move || writer.append(&reload("new")).expect("append"));
    let second = tail
        .next_timeout(Duration::from_secs(10))
        .expect("second")
        .expect("ok");
    assert_eq!(second.offset, Offset(1));
    assert_eq!(appender.join().expect("appender"), Offset(1));
    assert_eq!(tail.position(), Offset(2));
}

#[test]
fn tail_times_out_when_nothing_is_appended() {
    let (_dir, log) = temp_log();
    let mut tail = log.tail(Offset(0));
    assert!(tail.next_timeout(Duration::from_millis(20)).is_none());
}

#[test]
fn tail_iterator_ends_when_the_log_is_closed() {
    let (_dir, log) = temp_log();
    let tail = log.tail(Offset(0));
    let reader = thread::spawn(move || tail.map(|e| e.map(|e| e.offset)).collect::<Vec<_>>());
    log.append_batch(&[reload("a"), reload("b")])
        .expect("append");
    log.close().expect("close");

    let seen = reader.join().expect("reader");
    let offsets: Vec<_> = seen.into_iter().collect::<Result<_, _>>().expect("ok");
    assert_eq!(offsets, [Offset(0), Offset(1)]);
}
