//! `alys-node run`: load, judge and record the configuration, then run the actor tree until
//! SIGINT or SIGTERM.

use std::io::Write;

use alys_config::schema::actors::RuntimeConfig;
use alys_config::validate::{Report, Severity, Validator};
use alys_config::Loaded;
use alys_eventlog::{remote, EventLog};
use std::sync::Arc;

use ractor::{Actor, ActorRef};
use tokio::signal::unix::{signal, SignalKind};

use alys_eventlog::event::{Event, ReloadRejected};
use alys_eventlog::projection::{replay, ActiveConfig};
use tokio::sync::{mpsc, watch};

use super::load_config_with;
use crate::actors::{self, RootActor, RootArgs, RootMsg};
use crate::cli::ConfigArgs;
use crate::cli::RunArgs;
use crate::data_dir::DataDir;
use crate::error::NodeError;
use crate::reload::{ActorStatusFn, Command, Coordinator, CoordinatorArgs, Trigger};
use crate::supervision::Jitter;
use crate::telemetry::LogReload;
use crate::{admin, metrics};
use crate::{control_socket, record, telemetry};

/// Reload requests that may wait while one runs (SIGHUP, admin API); more are refused.
const COMMAND_QUEUE: usize = 16;

/// Runs the node in the foreground. Returns after an orderly stop.
pub fn run(args: &RunArgs) -> Result<(), NodeError> {
    // `--data-dir` is recorded like any override, so the log says where the node ran.
    let option_sets: Vec<(String, String, String)> = args
        .data_dir
        .iter()
        .map(|d| {
            (
                "--data-dir".to_owned(),
                "system.data_dir".to_owned(),
                d.display().to_string(),
            )
        })
        .collect();
    let loaded = load_config_with(&args.config, option_sets.clone())?;
    let logs = telemetry::init(&loaded.config.logging);
    let report = Validator::with_builtin_rules().validate(&loaded.config);
    log_findings(&report);

    let data_dir = loaded.config.system.data_dir.clone();
    let dir = DataDir::create(&data_dir)?;
    let key = dir.fingerprint_key()?;
    let log = EventLog::open(&dir.eventlog())?;
    close_interrupted_reload(&log)?;
    let config_offset = log.next_offset().0;
    let revision = record_config(&log, &loaded, &report, &key)?;
    let Some(revision) = revision else {
        // The node's own log may be the thing that is misconfigured; say why on stderr too.
        let mut stderr = std::io::stderr().lock();
        for finding in report.of(Severity::Error) {
            let _ = writeln!(
                stderr,
                "{}",
                super::finding_line(finding, &loaded.provenance)
            );
        }
        return Err(NodeError::Rejected {
            errors: report.of(Severity::Error).count(),
        });
    };
    tracing::info!(target: "alys_node", revision, data_dir = %dir.root().display(), environment = %loaded.config.environment, "configuration accepted");

    let runtime = build_runtime(&loaded.config.actors.runtime)?;
    let start = Start {
        revision,
        config_offset,
        loaded,
        sources: args.config.clone(),
        option_sets,
        fingerprint_key: key,
        logs,
        fault_injection: args.fault_injection,
    };
    let result = runtime.block_on(run_tree(&dir, log.clone(), start));
    log.flush()?;
    tracing::info!(target: "alys_node", "node stopped");
    result
}

/// The tokio runtime `actors.runtime` describes: worker threads (default one per CPU), numbered
/// thread names, stack size and how long idle blocking threads live. The I/O driver and timer are
/// always on (validation refuses turning them off: signals and timers need them).
fn build_runtime(config: &RuntimeConfig) -> Result<tokio::runtime::Runtime, NodeError> {
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    builder
        .enable_all()
        .thread_keep_alive(config.thread_keep_alive);
    if let Some(workers) = config.worker_threads {
        builder.worker_threads(workers.max(1));
    }
    if let Some(stack) = config.thread_stack_size_bytes {
        builder.thread_stack_size(stack);
    }
    let prefix = config.thread_name_prefix.clone();
    let counter = std::sync::atomic::AtomicUsize::new(0);
    builder.thread_name_fn(move || {
        let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        format!("{prefix}-{n}")
    });
    builder.build().map_err(NodeError::Runtime)
}

fn log_findings(report: &Report) {
    for f in &report.findings {
        match f.severity {
            Severity::Error => {
                tracing::error!(target: "alys_node", key = %f.key, rule = %f.rule, "{}", f.message)
            }
            Severity::Warning => {
                tracing::warn!(target: "alys_node", key = %f.key, rule = %f.rule, "{}", f.message)
            }
            Severity::Info => {
                tracing::info!(target: "alys_node", key = %f.key, rule = %f.rule, "{}", f.message)
            }
        }
    }
}

/// Appends `config loaded`, the overrides and the verdict. Returns the config revision (the
/// verdict's offset) when the config was accepted.
pub fn record_config(
    log: &EventLog,
    loaded: &Loaded,
    report: &Report,
    fingerprint_key: &[u8; 32],
) -> Result<Option<u64>, NodeError> {
    let config_offset = log.append(&record::config_loaded(loaded, fingerprint_key))?;
    let mut events = record::overrides_applied(loaded);
    events.push(record::validation_reported(report, config_offset.0));
    let offsets = log.append_batch(&events)?;
    let verdict_offset = offsets.last().map(|o| o.0).unwrap_or(config_offset.0);
    Ok(report.is_accepted().then_some(verdict_offset))
}

/// A reload the node died in the middle of (SIGKILL, power loss) left `reload requested`
/// without an outcome; record that it never committed, so the log says what is active.
fn close_interrupted_reload(log: &EventLog) -> Result<(), NodeError> {
    let mut projection = ActiveConfig::new();
    replay(log, &mut projection, None)?;
    if let Some(requested) = projection.pending_reload() {
        tracing::warn!(target: "alys_node", requested, "a reload was interrupted by the last stop; recording it as not applied");
        log.append(&Event::ReloadRejected(ReloadRejected {
            config_offset: None,
            reason: format!(
                "interrupted: the node stopped before the reload requested at {requested} committed"
            ),
        }))?;
    }
    Ok(())
}

/// Asks the root for each child's condition; `/metrics`, `/health` and the admin API hold one.
fn actor_status_fn(root: &ActorRef<RootMsg>) -> ActorStatusFn {
    let root = root.clone();
    Arc::new(move || {
        let root = root.clone();
        Box::pin(async move { ractor::call!(root, RootMsg::Status).unwrap_or_default() })
    })
}

/// What the tree and the reload coordinator start from.
struct Start {
    revision: u64,
    config_offset: u64,
    loaded: Loaded,
    sources: ConfigArgs,
    option_sets: Vec<(String, String, String)>,
    fingerprint_key: [u8; 32],
    logs: Option<LogReload>,
    fault_injection: bool,
}

async fn run_tree(dir: &DataDir, log: EventLog, start: Start) -> Result<(), NodeError> {
    let Start {
        revision,
        config_offset,
        loaded,
        sources,
        option_sets,
        fingerprint_key,
        logs,
        fault_injection,
    } = start;
    let mut term = signal(SignalKind::terminate()).map_err(NodeError::Runtime)?;
    let mut int = signal(SignalKind::interrupt()).map_err(NodeError::Runtime)?;
    let mut hup = signal(SignalKind::hangup()).map_err(NodeError::Runtime)?;

    let (escalations, mut escalated) = tokio::sync::mpsc::unbounded_channel();
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let args = RootArgs {
        log: log.clone(),
        revision,
        children: actors::children(&loaded.config, &log, revision).0,
        jitter: Jitter::Proportional {
            fraction: 0.1,
            seed,
        },
        escalations,
        limits: actors::TreeLimits::from_config(&loaded.config.actors),
    };
    let (root, mut handle) =
        Actor::spawn(None, RootActor, args)
            .await
            .map_err(|e| NodeError::Actor {
                actor: "root".into(),
                message: e.to_string(),
            })?;
    let admin_config = loaded.config.admin.clone();
    let monitoring = loaded.config.monitoring.clone();
    let (coordinator, status) = Coordinator::new(CoordinatorArgs {
        log: log.clone(),
        root: root.clone(),
        sources,
        option_sets,
        fingerprint_key,
        config: loaded.config.clone(),
        revision,
        config_offset,
        logs,
    });
    let (commands, command_rx) = mpsc::channel(COMMAND_QUEUE);
    let (stop_reload, stop_rx) = watch::channel(false);
    let reloads = coordinator.spawn(command_rx, stop_rx);
    let server =
        remote::serve(log.clone(), &dir.socket()).map_err(|source| NodeError::DataDir {
            path: dir.socket(),
            what: "cannot serve the event log socket",
            source,
        })?;
    let control_path = control_socket::socket_path(dir.root());
    let control = control_socket::serve(
        root.clone(),
        tokio::runtime::Handle::current(),
        &control_path,
        fault_injection,
    )
    .map_err(|source| NodeError::DataDir {
        path: control_path.clone(),
        what: "cannot serve the control socket",
        source,
    })?;
    let actor_status = actor_status_fn(&root);
    let admin = if admin_config.enabled {
        let server = admin::serve(
            &admin_config,
            dir,
            log.clone(),
            commands.clone(),
            status.clone(),
            actor_status.clone(),
        )
        .await;
        match server {
            Ok(server) => {
                tracing::info!(target: "alys_node", addr = %server.local_addr(), "admin API listening");
                Some(server)
            }
            Err(e) => return Err(stop_tree_after(root, handle, e.into()).await),
        }
    } else {
        None
    };
    // `/health` is served even with Prometheus disabled.
    let metrics_server = match metrics::serve(&monitoring, dir, status, actor_status).await {
        Ok(server) => server,
        Err(e) => return Err(stop_tree_after(root, handle, e).await),
    };
    tracing::info!(target: "alys_node", addr = %metrics_server.local_addr(), "metrics and health endpoint listening");
    tracing::info!(target: "alys_node", socket = %dir.socket().display(), "node running");

    let stop_reason = loop {
        // Biased: an escalation is sent before the root stops, so it is seen before the join.
        tokio::select! {
            biased;
            _ = term.recv() => break Ok("SIGTERM"),
            _ = int.recv() => break Ok("SIGINT"),
            _ = hup.recv() => {
                tracing::info!(target: "alys_node", "SIGHUP: reloading the configuration");
                let reload = Command::Reload { trigger: Trigger::Sighup, confirm_within: None, reply: None };
                if commands.try_send(reload).is_err() {
                    tracing::warn!(target: "alys_node", "reload queue full; SIGHUP dropped");
                }
            }
            Some(escalation) = escalated.recv() => break Err(Stopped::Escalated(escalation)),
            // The root stopping by itself without an escalation is a bug of ours; stop rather
            // than serve a node without a supervisor.
            joined = &mut handle => {
                let message = match joined {
                    Ok(()) => "the root supervisor stopped unexpectedly".to_owned(),
                    Err(e) => format!("the root supervisor died: {e}"),
                };
                tracing::error!(target: "alys_node", %message, "stopping the node");
                break Err(Stopped::RootGone(message));
            }
        }
    };
    // A reload in progress finishes (commit or roll back) before the tree stops.
    let _ = stop_reload.send(true);
    drop(commands);
    let _ = reloads.await;
    if let Some(admin) = admin {
        admin.stop().await;
    }
    metrics_server.stop().await;
    drop(server);
    drop(control);
    match stop_reason {
        Ok(signal_name) => {
            tracing::info!(target: "alys_node", signal = signal_name, "stopping");
            let stopped = ractor::call!(root, RootMsg::Shutdown).map_err(|e| NodeError::Actor {
                actor: "root".into(),
                message: e.to_string(),
            });
            root.stop(None);
            let _ = handle.await;
            stopped
        }
        Err(Stopped::Escalated(escalation)) => {
            // The root has stopped the tree in order before reporting.
            let _ = handle.await;
            Err(NodeError::Escalated(escalation))
        }
        Err(Stopped::RootGone(message)) => Err(NodeError::Actor {
            actor: "root".into(),
            message,
        }),
    }
}

/// A start that failed after the tree was up: stop the actors in reverse order (so the log
/// records their stops) and hand back `error` to exit with.
async fn stop_tree_after(
    root: ActorRef<RootMsg>,
    handle: tokio::task::JoinHandle<()>,
    error: NodeError,
) -> NodeError {
    let _ = ractor::call!(root, RootMsg::Shutdown);
    root.stop(None);
    let _ = handle.await;
    error
}

/// Why the node stops other than by a signal.
enum Stopped {
    Escalated(crate::supervision::Escalation),
    RootGone(String),
}
