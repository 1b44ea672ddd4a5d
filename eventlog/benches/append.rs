//! Durable appends, one at a time and from concurrent writers sharing flushes, each measured next
//! to raw sled insert + flush in the same run so the ratio is what counts.

use std::sync::Arc;
use std::time::{Duration, Instant};

use alys_eventlog::event::{Event, ReloadRequested};
use alys_eventlog::EventLog;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const WRITERS: usize = 8;

fn event() -> Event {
    Event::ReloadRequested(ReloadRequested {
        trigger: "benchmark".into(),
    })
}

fn single(c: &mut Criterion) {
    let mut group = c.benchmark_group("append one at a time");
    group.throughput(Throughput::Elements(1));
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(5));

    let dir = tempfile::tempdir().unwrap();
    let db = sled::open(dir.path().join("raw")).unwrap();
    let payload = alys_eventlog::codec::encode_event(&event());
    let mut key = 0u64;
    group.bench_function("raw sled insert+flush", |b| {
        b.iter(|| {
            key += 1;
            db.insert(key.to_be_bytes(), payload.as_slice()).unwrap();
            db.flush().unwrap();
        })
    });

    let log = EventLog::open(&dir.path().join("log")).unwrap();
    let e = event();
    group.bench_function("EventLog::append", |b| b.iter(|| log.append(&e).unwrap()));
    group.finish();
}

/// Time for `WRITERS` threads to complete `iters` appends each.
fn concurrent_time(iters: u64, append: Arc<dyn Fn() + Send + Sync>) -> Duration {
    let start = Instant::now();
    let threads: Vec<_> = (0..WRITERS)
        .map(|_| {
            let append = append.clone();
            std::thread::spawn(move || {
                for _ in 0..iters {
                    append();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    start.elapsed()
}

fn concurrent(c: &mut Criterion) {
    let mut group = c.benchmark_group("append from 8 writers");
    group.throughput(Throughput::Elements(WRITERS as u64));
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(5));

    let dir = tempfile::tempdir().unwrap();
    let db = sled::open(dir.path().join("raw")).unwrap();
    let payload = alys_eventlog::codec::encode_event(&event());
    let counter = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let raw: Arc<dyn Fn() + Send + Sync> = Arc::new(move || {
        let k = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        db.insert(k.to_be_bytes(), payload.as_slice()).unwrap();
        db.flush().unwrap();
    });
    group.bench_function("raw sled insert+flush", |b| {
        b.iter_custom(|iters| concurrent_time(iters, raw.clone()))
    });

    let log = EventLog::open(&dir.path().join("log")).unwrap();
    let e = event();
    let grouped: Arc<dyn Fn() + Send + Sync> = Arc::new(move || {
        log.append(&e).unwrap();
    });
    group.bench_function("EventLog::append (group commit)", |b| {
        b.iter_custom(|iters| concurrent_time(iters, grouped.clone()))
    });
    group.finish();
}

criterion_group!(benches, single, concurrent);
criterion_main!(benches);
