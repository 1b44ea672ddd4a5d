//! Hot reload latency in `immediate` mode: from renaming a new config over the old one to the
//! moment every affected actor has acknowledged its section and `reload applied` is durable
//! (the coordinator publishes its status after the append returns).
//!
//! Measured beside the floor under it: the same rename until a bare `notify` watcher on the
//! directory delivers the event, so the ratio is what the pipeline adds to the kernel's
//! notification.

use std::path::Path;
use std::sync::mpsc as std_mpsc;
use std::time::{Duration, Instant};

use alys_config::validate::Validator;
use alys_eventlog::EventLog;
use alys_node::actors::{children, RootActor, RootArgs};
use alys_node::cli::ConfigArgs;
use alys_node::commands::{load_config, run::record_config};
use alys_node::reload::{Coordinator, CoordinatorArgs, ResultKind};
use alys_node::supervision::Jitter;
use criterion::{criterion_group, criterion_main, Criterion};
use notify::{RecursiveMode, Watcher};
use ractor::Actor;
use tokio::sync::{mpsc, watch};

fn config(data: &Path, retries: u64) -> String {
    format!(
        "[system]\ndata_dir = \"{}\"\n\n[reload]\nwatch = \"immediate\"\n\n[execution]\nmax_retries = {retries}\n",
        data.display()
    )
}

/// Writes `content` beside `file` and renames it over, the way editors and deploy tools do.
fn rename_over(file: &Path, content: &str) -> Instant {
    let tmp = file.with_extension("new");
    std::fs::write(&tmp, content).unwrap();
    let started = Instant::now();
    std::fs::rename(&tmp, file).unwrap();
    started
}

fn reload_latency(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let conf_dir = dir.path().join("conf");
    std::fs::create_dir_all(&conf_dir).unwrap();
    let file = conf_dir.join("alys.toml");
    std::fs::write(&file, config(&data, 0)).unwrap();

    let sources = ConfigArgs {
        files: vec![file.clone()],
        optional_files: Vec::new(),
        sets: Vec::new(),
        environment: None,
    };
    let loaded = load_config(&sources).unwrap();
    let report = Validator::with_builtin_rules().validate(&loaded.config);
    let log = EventLog::open(&data.join("eventlog")).unwrap();
    let key = [7u8; 32];
    let revision = record_config(&log, &loaded, &report, &key)
        .unwrap()
        .expect("accepted");

    let mut status = runtime.block_on(async {
        let (escalations, _) = tokio::sync::mpsc::unbounded_channel();
        let args = RootArgs {
            log: log.clone(),
            revision,
            children: children(&loaded.config, &log, revision).0,
            jitter: Jitter::None,
            escalations,
            limits: alys_node::actors::TreeLimits::default(),
        };
        let (root, _) = Actor::spawn(None, RootActor, args).await.unwrap();
        let (coordinator, status) = Coordinator::new(CoordinatorArgs {
            log: log.clone(),
            root,
            sources,
            option_sets: Vec::new(),
            fingerprint_key: key,
            config: loaded.config.clone(),
            revision,
            config_offset: 0,
            logs: None,
        });
        let (commands, command_rx) = mpsc::channel(1);
        let (stop, stop_rx) = watch::channel(false);
        coordinator.spawn(command_rx, stop_rx);
        // Kept for the whole run: dropping either stops the coordinator.
        std::mem::forget((commands, stop));
        status
    });

    let mut group = c.benchmark_group("reload");
    let mut retries = 0u64;
    group.bench_function("rename to acknowledged and durable (immediate)", |b| {
        b.iter_custom(|iters| {
            runtime.block_on(async {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    retries += 1;
                    let before = status.borrow_and_update().revision;
                    let started = rename_over(&file, &config(&data, retries));
                    loop {
                        status.changed().await.unwrap();
                        let now = status.borrow_and_update();
                        if now.revision != before {
                            let last = now.last.as_ref().unwrap();
                            assert_eq!(last.outcome.result, ResultKind::Applied);
                            break;
                        }
                    }
                    total += started.elapsed();
                }
                total
            })
        })
    });

    let bare_dir = dir.path().join("bare");
    std::fs::create_dir_all(&bare_dir).unwrap();
    let bare = bare_dir.join("alys.toml");
    std::fs::write(&bare, "a = 0\n").unwrap();
    let (tx, rx) = std_mpsc::channel();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let _ = tx.send(event);
    })
    .unwrap();
    watcher
        .watch(&bare_dir, RecursiveMode::NonRecursive)
        .unwrap();
    let mut n = 0u64;
    group.bench_function("rename to notify event (floor)", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                n += 1;
                while rx.try_recv().is_ok() {}
                let started = rename_over(&bare, &format!("a = {n}\n"));
                loop {
                    let event = rx.recv().unwrap().unwrap();
                    if event.paths.iter().any(|p| p.ends_with("alys.toml")) {
                        break;
                    }
                }
                total += started.elapsed();
            }
            total
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50).measurement_time(Duration::from_secs(10));
    targets = reload_latency
}
criterion_main!(benches);
