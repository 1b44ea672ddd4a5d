//! Replay of 100,000 events into the active-config projection (target: 500,000 events/s).

use std::time::Duration;

use alys_eventlog::event::{
    ConfigLoaded, Event, FindingRecord, KeyOrigin, OverrideApplied, SourceDigest,
    ValidationReported, Verdict,
};
use alys_eventlog::projection::{replay, ActiveConfig};
use alys_eventlog::EventLog;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const EVENTS: u64 = 100_000;

/// A realistic mix: every tenth event is a config load with a 6 KiB effective config, followed by
/// its overrides and verdict.
fn events() -> Vec<Event> {
    let toml = "[network]\nmax_peers = 50\n".repeat(200);
    let mut out = Vec::with_capacity(EVENTS as usize);
    while (out.len() as u64) < EVENTS {
        let config_offset = out.len() as u64;
        out.push(Event::ConfigLoaded(ConfigLoaded {
            environment: "development".into(),
            sources: vec![SourceDigest {
                layer: "file".into(),
                name: "alys.toml".into(),
                blake3: "0".repeat(64),
            }],
            effective_toml: toml.clone(),
            provenance: vec![KeyOrigin {
                key: "network.max_peers".into(),
                layer: "file".into(),
                source: "alys.toml:2:1".into(),
            }],
            secrets: Vec::new(),
        }));
        for i in 0..8 {
            out.push(Event::OverrideApplied(OverrideApplied {
                key: format!("k{i}"),
                layer: "env".into(),
                source: format!("ALYS_K{i}"),
                value: i.to_string(),
            }));
        }
        out.push(Event::ValidationReported(ValidationReported {
            config_offset,
            findings: vec![FindingRecord {
                severity: "warning".into(),
                rule: "r".into(),
                key: "k".into(),
                message: "m".into(),
            }],
            verdict: Verdict::Accepted,
        }));
    }
    out.truncate(EVENTS as usize);
    out
}

fn replay_bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let log = EventLog::open(dir.path()).unwrap();
    for chunk in events().chunks(1000) {
        log.append_batch(chunk).unwrap();
    }
    let mut group = c.benchmark_group("replay");
    group.throughput(Throughput::Elements(EVENTS));
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    group.bench_function("100k events into ActiveConfig", |b| {
        b.iter(|| {
            let mut projection = ActiveConfig::default();
            replay(&log, &mut projection, None).unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, replay_bench);
criterion_main!(benches);
