//! The reload coordinator: one task that takes every trigger in turn, runs the pipeline
//! ([`super::pipeline`]) and keeps the confirmation window of a `commit confirmed`.
//!
//! It owns the running config and the config watcher; nothing else changes either, so a reload
//! never sees another one half done. It publishes what it knows in a [`ReloadStatus`] after
//! every step.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use alys_config::AlysConfig;
use alys_eventlog::event::{Confirmation, Event};
use alys_eventlog::EventLog;
use ractor::ActorRef;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use super::actors::AckPolicy;
use super::command::{Command, CommandError, RollbackTarget, Trigger};
use super::revisions::SecretCache;
use super::status::ReloadStatus;
use super::watch::{Change, ConfigWatcher, WatchMode};
use crate::actors::RootMsg;
use crate::cli::ConfigArgs;
use crate::telemetry::LogReload;

/// How often actors changed by an unconfirmed revision are checked.
const HEALTH_POLL: Duration = Duration::from_millis(200);

/// The config in force.
#[derive(Debug, Clone)]
pub(super) struct Running {
    pub(super) config: Arc<AlysConfig>,
    pub(super) revision: u64,
    pub(super) config_offset: u64,
}

/// A revision applied with a confirmation window.
#[derive(Debug, Clone)]
pub(super) struct Pending {
    pub(super) revision: u64,
    pub(super) previous_revision: u64,
    pub(super) deadline: Instant,
    pub(super) watched: Vec<String>,
    /// Restart counts of the watched actors when the window opened.
    pub(super) baseline: BTreeMap<String, u32>,
}

/// Everything the coordinator is started with.
pub struct CoordinatorArgs {
    /// The node's event log.
    pub log: EventLog,
    /// The root of the actor tree.
    pub root: ActorRef<RootMsg>,
    /// Where the config comes from, read again on every reload.
    pub sources: ConfigArgs,
    /// Dedicated options that set keys (`--data-dir`), as (option, key, value).
    pub option_sets: Vec<(String, String, String)>,
    /// The key secrets are fingerprinted with.
    pub fingerprint_key: [u8; 32],
    /// The config the node started on.
    pub config: AlysConfig,
    /// Its revision and the offset of its `config loaded`.
    pub revision: u64,
    /// Offset of the `config loaded` of the running config.
    pub config_offset: u64,
    /// Reloads the log filter; `None` when the subscriber is not ours.
    pub logs: Option<LogReload>,
}

/// The coordinator's state.
pub struct Coordinator {
    pub(super) log: EventLog,
    pub(super) root: ActorRef<RootMsg>,
    pub(super) sources: ConfigArgs,
    pub(super) option_sets: Vec<(String, String, String)>,
    pub(super) key: [u8; 32],
    pub(super) running: Running,
    pub(super) secrets: SecretCache,
    pub(super) status: watch::Sender<ReloadStatus>,
    pub(super) pending: Option<Pending>,
    pub(super) logs: Option<LogReload>,
    /// Set when `[reload]` changed, so the watcher is started again with the new mode.
    pub(super) rewatch: bool,
    /// The start's catch-up read is running: an unchanged result is nobody's reload and is not
    /// reported in status or metrics.
    pub(super) catching_up: bool,
}

impl Coordinator {
    /// A coordinator for the running node, and the receiver of the status it publishes.
    pub fn new(args: CoordinatorArgs) -> (Coordinator, watch::Receiver<ReloadStatus>) {
        let mut secrets = SecretCache::default();
        secrets.remember(&args.config, &args.fingerprint_key);
        let (status, status_rx) = watch::channel(ReloadStatus {
            revision: args.revision,
            config_offset: args.config_offset,
            ..ReloadStatus::default()
        });
        let coordinator = Coordinator {
            log: args.log,
            root: args.root,
            sources: args.sources,
            option_sets: args.option_sets,
            key: args.fingerprint_key,
            running: Running {
                config: Arc::new(args.config),
                revision: args.revision,
                config_offset: args.config_offset,
            },
            secrets,
            status,
            pending: None,
            logs: args.logs,
            rewatch: false,
            catching_up: false,
        };
        (coordinator, status_rx)
    }

    /// Starts the config watch, then takes commands and file changes on a task until
    /// `commands` closes or `stop` fires. The watch is in place when this returns, so a file
    /// written afterwards is seen. A reload in progress when `stop` fires is finished first.
    pub fn spawn(
        self,
        commands: mpsc::Receiver<Command>,
        stop: watch::Receiver<bool>,
    ) -> tokio::task::JoinHandle<()> {
        let (watcher, changes) = self.start_watch();
        tokio::spawn(self.run(commands, stop, watcher, changes))
    }

    async fn run(
        mut self,
        mut commands: mpsc::Receiver<Command>,
        mut stop: watch::Receiver<bool>,
        mut watcher: Option<ConfigWatcher>,
        mut changes: Option<mpsc::Receiver<Change>>,
    ) {
        if watcher.is_some() {
            // A save between the start's load and the watch's baseline would otherwise go
            // unseen; a content equal to the running config records and reports nothing.
            self.catching_up = true;
            let _ = self.reload(Trigger::FileWatch, None).await;
            self.catching_up = false;
        }
        let mut health = tokio::time::interval(HEALTH_POLL);
        loop {
            let deadline = self.pending.as_ref().map(|p| p.deadline);
            let watching = self.pending.is_some();
            tokio::select! {
                biased;
                _ = stop.changed() => break,
                command = commands.recv() => match command {
                    Some(command) => self.handle(command).await,
                    None => break,
                },
                Some(_) = next_change(&mut changes) => {
                    let trigger = match self.running.config.reload.watch {
                        WatchMode::Scheduled => Trigger::Scheduled,
                        _ => Trigger::FileWatch,
                    };
                    let _ = self.reload(trigger, None).await;
                }
                () = sleep_until(deadline) => self.expire().await,
                _ = health.tick(), if watching => self.check_health().await,
            }
            if std::mem::take(&mut self.rewatch) {
                drop(watcher);
                (watcher, changes) = self.start_watch();
            }
        }
        drop(watcher);
        tracing::debug!(target: "alys_node", "reload coordinator stopped");
    }

    async fn handle(&mut self, command: Command) {
        match command {
            Command::Reload {
                trigger,
                confirm_within,
                reply,
            } => {
                let outcome = self.reload(trigger, confirm_within).await;
                if let Some(reply) = reply {
                    let _ = reply.send(outcome);
                }
            }
            Command::Rollback {
                target,
                reason,
                trigger,
                reply,
            } => {
                let outcome = self.rollback(target, &reason, trigger).await;
                if let Some(reply) = reply {
                    let _ = reply.send(outcome);
                }
            }
            Command::Confirm { by, reply } => {
                let _ = reply.send(self.confirm(&by));
            }
        }
    }

    fn confirm(&mut self, by: &str) -> Result<u64, CommandError> {
        let pending = self.pending.take().ok_or(CommandError::NothingToConfirm)?;
        let event = Event::Confirmation(Confirmation {
            revision: pending.revision,
            by: by.to_owned(),
        });
        if let Err(e) = self.log.append(&event) {
            self.pending = Some(pending);
            return Err(CommandError::Log(e.to_string()));
        }
        tracing::info!(target: "alys_node", revision = pending.revision, by, "revision confirmed");
        self.status.send_modify(|s| s.pending = None);
        Ok(pending.revision)
    }

    /// The confirmation window passed: back to the revision before the unconfirmed one.
    async fn expire(&mut self) {
        let Some(pending) = self.pending.clone() else {
            return;
        };
        tracing::warn!(target: "alys_node", revision = pending.revision, "confirmation window passed; rolling back");
        let target = RollbackTarget::Offset(pending.previous_revision);
        if let Err(e) = self
            .rollback(target, "confirmation expired", Trigger::ConfirmationExpired)
            .await
        {
            tracing::error!(target: "alys_node", error = %e, "rollback after expiry failed");
            self.clear_pending();
        }
    }

    /// Rolls an unconfirmed revision back when an actor it changed has failed since.
    async fn check_health(&mut self) {
        let Some(pending) = self.pending.clone() else {
            return;
        };
        let Ok(children) = ractor::call!(self.root, RootMsg::Status) else {
            return;
        };
        let failed: Vec<String> = children
            .iter()
            .filter(|c| pending.watched.contains(&c.name))
            .filter(|c| {
                let before = pending.baseline.get(&c.name).copied().unwrap_or(0);
                c.restarts > before || !c.running
            })
            .map(|c| c.name.clone())
            .collect();
        if failed.is_empty() {
            return;
        }
        let reason = format!("health check failed: {}", failed.join(", "));
        tracing::warn!(target: "alys_node", revision = pending.revision, %reason, "rolling back an unconfirmed revision");
        let target = RollbackTarget::Offset(pending.previous_revision);
        if let Err(e) = self
            .rollback(target, &reason, Trigger::HealthCheckFailed)
            .await
        {
            tracing::error!(target: "alys_node", error = %e, "rollback after failed health failed");
            self.clear_pending();
        }
    }

    pub(super) fn clear_pending(&mut self) {
        self.pending = None;
        self.status.send_modify(|s| s.pending = None);
    }

    pub(super) fn ack_policy(&self, config: &AlysConfig) -> AckPolicy {
        AckPolicy {
            timeout: config.actors.timeouts.config_reload,
            attempts: config.reload.ack_retries.saturating_add(1),
        }
    }

    fn start_watch(&self) -> (Option<ConfigWatcher>, Option<mpsc::Receiver<Change>>) {
        let reload = &self.running.config.reload;
        let mode = reload.watch;
        let files: Vec<_> = self
            .sources
            .files
            .iter()
            .chain(&self.sources.optional_files)
            .cloned()
            .collect();
        if files.is_empty() || mode == WatchMode::Manual {
            return (None, None);
        }
        match ConfigWatcher::start(files.clone(), mode, reload.debounce, reload.interval) {
            Ok((watcher, changes)) => {
                tracing::info!(target: "alys_node", ?mode, ?files, "watching config files");
                (Some(watcher), Some(changes))
            }
            Err(e) => {
                tracing::error!(target: "alys_node", error = %e, "config watch not started; reload with SIGHUP or the admin API");
                (None, None)
            }
        }
    }
}

async fn next_change(changes: &mut Option<mpsc::Receiver<Change>>) -> Option<Change> {
    match changes {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
