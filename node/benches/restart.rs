//! Restart latency under `one_for_one`: from an injected panic to the supervisor reporting the
//! actor running again (its failure recorded, a fresh instance started and linked).

use std::time::{Duration, Instant};

use alys_config::schema::actors::{
    ActorConfig, ActorSystemConfig, RestartLimit, RestartStrategy, StatePreservation,
};
use alys_config::schema::execution::ExecutionConfig;
use alys_eventlog::EventLog;
use alys_node::actors::{spec, Fault, Preserver, RootActor, RootArgs, RootMsg, Section};
use alys_node::mailbox::MailboxSettings;
use alys_node::supervision::Jitter;
use criterion::{criterion_group, criterion_main, Criterion};
use ractor::Actor;

fn restart_latency(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let log = EventLog::open(&dir.path().join("eventlog")).unwrap();
    let strategy = RestartStrategy::OneForOne(RestartLimit {
        max_retries: u32::MAX,
        within_time: Duration::from_millis(1),
    });
    let mut actor = ActorConfig {
        restart_strategy: Some(strategy),
        ..ActorConfig::default()
    };
    actor.health_check.interval = Duration::from_secs(3600);
    let system = ActorSystemConfig::default();
    let keep = Preserver::new("a", StatePreservation::None, log.clone(), 0, dir.path());
    let settings = MailboxSettings::for_actor(&system, &actor);
    let (child, _mail) = spec(
        "a",
        &actor,
        &system,
        settings,
        keep,
        Section::<ExecutionConfig>::default,
        ExecutionConfig::default(),
        |c| Some(c.execution.clone()),
    );
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let args = RootArgs {
        log,
        revision: 0,
        children: vec![child],
        jitter: Jitter::None,
        escalations: tx,
        // Every iteration is a failure restart; the tree-wide limit must not end the run.
        limits: alys_node::actors::TreeLimits {
            max_restarts: u32::MAX,
            ..alys_node::actors::TreeLimits::default()
        },
    };
    let root = runtime.block_on(async { Actor::spawn(None, RootActor, args).await.unwrap().0 });

    let mut restarts = 0u32;
    c.bench_function("one_for_one restart: panic to running again", |b| {
        b.iter_custom(|iters| {
            runtime.block_on(async {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let start = Instant::now();
                    root.send_message(RootMsg::Inject("a".into(), Fault::Panic))
                        .unwrap();
                    restarts += 1;
                    loop {
                        let status = ractor::call!(root, RootMsg::Status).unwrap();
                        if status[0].restarts >= restarts && status[0].running {
                            break;
                        }
                        tokio::task::yield_now().await;
                    }
                    total += start.elapsed();
                }
                total
            })
        })
    });
}

criterion_group!(benches, restart_latency);
criterion_main!(benches);
