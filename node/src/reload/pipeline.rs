//! One reload, start to end: read every layer again, validate, diff against the running config,
//! work out the impact, snapshot, hand the sections out, then commit or roll back, recording
//! each step in the event log.
//!
//! A rollback to an earlier revision goes through the same steps with the recorded config in
//! place of the files, and commits with a `rollback` event instead of `reload applied`.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use alys_config::diff::{diff, ConfigDiff};
use alys_config::impact::impact;
use alys_config::validate::{Report, Severity, Validator};
use alys_config::AlysConfig;
use alys_eventlog::event::{
    self as ev, ActorSnapshot, Event, ReloadApplied, ReloadRejected, ReloadRequested,
};
use tokio::time::Instant;

use super::actors::{self, Plan};
use super::command::{CommandError, Outcome, ResultKind, RollbackTarget, Trigger};
use super::coordinator::{Coordinator, Pending, Running};
use super::revisions;
use super::status::LastReload;
use crate::actors::RootMsg;
use crate::commands::{load_config_with, with_causes};
use crate::record;

/// How the commit of a reload is recorded.
enum Commit {
    /// `reload applied` of the `config loaded` at this offset.
    Reload { config_offset: u64 },
    /// `rollback` to the config active at `target_offset`.
    Rollback {
        target_offset: u64,
        config_offset: u64,
        reason: String,
    },
}

impl Commit {
    fn config_offset(&self) -> u64 {
        match self {
            Commit::Reload { config_offset } | Commit::Rollback { config_offset, .. } => {
                *config_offset
            }
        }
    }
}

impl Coordinator {
    /// Reads the config sources again and applies what changed.
    pub(super) async fn reload(
        &mut self,
        trigger: Trigger,
        confirm_within: Option<Duration>,
    ) -> Result<Outcome, CommandError> {
        let started = Instant::now();
        self.status.send_modify(|s| s.in_progress = true);
        let sources = self.sources.clone();
        let option_sets = self.option_sets.clone();
        let loaded = tokio::task::spawn_blocking(move || load_config_with(&sources, option_sets))
            .await
            .map_err(|e| CommandError::Log(format!("config read task failed: {e}")))?;
        let loaded = match loaded {
            Ok(loaded) => loaded,
            Err(error) => {
                self.append(&requested(trigger))?;
                let reason = format!("config not loaded: {}", with_causes(&error));
                return self.reject(trigger, started, None, reason, ResultKind::Rejected);
            }
        };
        let report = Validator::with_builtin_rules().validate(&loaded.config);
        let changes = diff(&self.running.config, &loaded.config, &self.key);
        if changes.is_empty() && report.is_accepted() {
            return Ok(self.unchanged(trigger, started));
        }
        self.secrets.remember(&loaded.config, &self.key);
        self.append(&requested(trigger))?;
        let config_offset = self.append(&record::config_loaded(&loaded, &self.key))?;
        let mut events = record::overrides_applied(&loaded);
        events.push(record::validation_reported(&report, config_offset));
        self.log
            .append_batch(&events)
            .map_err(|e| CommandError::Log(e.to_string()))?;
        if !report.is_accepted() {
            let reason = format!("validation failed: {}", first_errors(&report));
            return self.reject(
                trigger,
                started,
                Some(config_offset),
                reason,
                ResultKind::Rejected,
            );
        }
        let commit = Commit::Reload { config_offset };
        let config = Arc::new(loaded.config);
        self.apply(trigger, config, changes, commit, confirm_within, started)
            .await
    }

    /// Goes back to the config active at an earlier revision, through the same pipeline.
    pub(super) async fn rollback(
        &mut self,
        target: RollbackTarget,
        reason: &str,
        trigger: Trigger,
    ) -> Result<Outcome, CommandError> {
        let started = Instant::now();
        let log = self.log.clone();
        let current = self.running.revision;
        let (target_offset, state) =
            tokio::task::spawn_blocking(move || revisions::resolve(&log, target, current))
                .await
                .map_err(|e| CommandError::Log(format!("log read task failed: {e}")))??;
        self.status.send_modify(|s| s.in_progress = true);
        self.append(&requested(trigger))?;
        let config = match revisions::restore(&state, &self.secrets) {
            Ok(config) => config,
            Err(why) => {
                let reason = format!("rollback to {target_offset} refused: {why}");
                return self.reject(
                    trigger,
                    started,
                    Some(state.config_offset),
                    reason,
                    ResultKind::Rejected,
                );
            }
        };
        let report = Validator::with_builtin_rules().validate(&config);
        self.append(&record::validation_reported(&report, state.config_offset))?;
        if !report.is_accepted() {
            let reason = format!(
                "rollback to {target_offset} refused: the config no longer validates: {}",
                first_errors(&report)
            );
            return self.reject(
                trigger,
                started,
                Some(state.config_offset),
                reason,
                ResultKind::Rejected,
            );
        }
        let changes = diff(&self.running.config, &config, &self.key);
        let commit = Commit::Rollback {
            target_offset,
            config_offset: state.config_offset,
            reason: reason.to_owned(),
        };
        self.apply(trigger, Arc::new(config), changes, commit, None, started)
            .await
    }

    async fn apply(
        &mut self,
        trigger: Trigger,
        config: Arc<AlysConfig>,
        changes: ConfigDiff,
        commit: Commit,
        confirm_within: Option<Duration>,
        started: Instant,
    ) -> Result<Outcome, CommandError> {
        let config_offset = commit.config_offset();
        let impact = impact(&changes);
        if impact.needs_node_restart() {
            let mut keys = impact.node_restart_keys.clone();
            keys.extend(impact.unassigned.iter().cloned());
            let reason = format!(
                "these keys take effect only when the node starts: {}; restart the node to \
                 apply them",
                keys.join(", ")
            );
            return self.reject(
                trigger,
                started,
                Some(config_offset),
                reason,
                ResultKind::Rejected,
            );
        }
        let targets = actors::targets(&self.root)
            .await
            .map_err(CommandError::Log)?;
        let plan = Plan::new(&impact, &targets);
        let policy = self.ack_policy(&config);
        let snapshots = actors::snapshot(&targets, &plan, policy).await;
        for (actor, state) in &snapshots {
            self.append(&Event::ActorSnapshot(ActorSnapshot {
                actor: actor.clone(),
                config_revision: self.running.revision,
                strategy: "reload".to_owned(),
                state: serde_json::to_vec(state).unwrap_or_default(),
            }))?;
        }
        if let Err(failure) = actors::apply(&self.root, &targets, &config, &plan, policy).await {
            tracing::warn!(target: "alys_node", %failure, "reload failed at the actors; rolling back");
            let old = self.running.config.clone();
            actors::undo(&self.root, &targets, &old, &plan, &snapshots, policy).await;
            let reason = format!("{failure}; every actor is back on the previous config");
            return self.reject(
                trigger,
                started,
                Some(config_offset),
                reason,
                ResultKind::RolledBack,
            );
        }
        if changes
            .changes
            .iter()
            .any(|c| c.key.starts_with("logging."))
        {
            if let Some(logs) = &self.logs {
                logs.apply(&config.logging);
            }
        }
        self.rewatch |= changes.changes.iter().any(|c| c.key.starts_with("reload."));

        let impacted = plan.impacted(&targets);
        let event = match &commit {
            Commit::Reload { config_offset } => Event::ReloadApplied(ReloadApplied {
                config_offset: *config_offset,
                diff: key_changes(&changes),
                impacted_actors: impacted.clone(),
                restarted_actors: plan.restart.clone(),
            }),
            Commit::Rollback {
                target_offset,
                config_offset,
                reason,
            } => Event::Rollback(ev::Rollback {
                target_offset: *target_offset,
                reason: reason.clone(),
                config_offset: *config_offset,
            }),
        };
        let revision = self.append(&event)?;
        let _ = self.root.send_message(RootMsg::SetRevision(revision));
        let previous_revision = self.running.revision;
        self.running = Running {
            config,
            revision,
            config_offset,
        };
        if matches!(commit, Commit::Rollback { .. }) {
            self.clear_pending();
        }
        let deadline_ms = match confirm_within {
            Some(window) => Some(self.open_window(window, previous_revision, &impacted).await),
            None => None,
        };
        // An automatic rollback undid a change that failed: report it as such, not as a
        // successful reload, so status, /metrics and /health show the failure.
        let (result, reason) = match commit {
            Commit::Rollback { reason, .. } if trigger.is_automatic_rollback() => {
                tracing::warn!(target: "alys_node", revision, %trigger, %reason,
                    impacted = ?impacted, "unconfirmed revision rolled back");
                (ResultKind::RolledBack, Some(reason))
            }
            _ => {
                tracing::info!(target: "alys_node", revision, %trigger,
                    changed = changes.changes.len(), impacted = ?impacted,
                    restarted = ?plan.restart, "config reload applied");
                (ResultKind::Applied, None)
            }
        };
        let outcome = Outcome {
            result,
            revision,
            offset: Some(revision),
            changed_keys: changes.keys().into_iter().map(str::to_owned).collect(),
            impacted_actors: impacted,
            restarted_actors: plan.restart,
            reason,
            confirm_deadline_ms: deadline_ms,
            duration_us: elapsed_us(started),
        };
        self.finish(trigger, &outcome);
        Ok(outcome)
    }

    /// Opens the confirmation window; keeps the older target when one is already open, so an
    /// expiry returns to the last confirmed revision.
    async fn open_window(&mut self, window: Duration, previous: u64, watched: &[String]) -> u64 {
        let baseline = match ractor::call!(self.root, RootMsg::Status) {
            Ok(children) => children.into_iter().map(|c| (c.name, c.restarts)).collect(),
            Err(_) => Default::default(),
        };
        let previous_revision = self
            .pending
            .as_ref()
            .map_or(previous, |p| p.previous_revision);
        let deadline_ms = now_ms() + window.as_millis() as u64;
        let pending = Pending {
            revision: self.running.revision,
            previous_revision,
            deadline: Instant::now() + window,
            watched: watched.to_vec(),
            baseline,
        };
        let published = super::status::PendingConfirmation {
            revision: pending.revision,
            previous_revision,
            deadline_ms,
            watched_actors: pending.watched.clone(),
        };
        self.pending = Some(pending);
        self.status.send_modify(|s| s.pending = Some(published));
        deadline_ms
    }

    fn unchanged(&mut self, trigger: Trigger, started: Instant) -> Outcome {
        tracing::debug!(target: "alys_node", %trigger, "config unchanged; nothing to reload");
        let outcome = Outcome {
            result: ResultKind::Unchanged,
            revision: self.running.revision,
            offset: None,
            changed_keys: Vec::new(),
            impacted_actors: Vec::new(),
            restarted_actors: Vec::new(),
            reason: None,
            confirm_deadline_ms: None,
            duration_us: elapsed_us(started),
        };
        if self.catching_up {
            self.status.send_modify(|s| s.in_progress = false);
        } else {
            self.finish(trigger, &outcome);
        }
        outcome
    }

    fn reject(
        &mut self,
        trigger: Trigger,
        started: Instant,
        config_offset: Option<u64>,
        reason: String,
        result: ResultKind,
    ) -> Result<Outcome, CommandError> {
        tracing::warn!(target: "alys_node", %trigger, %reason, "config reload not applied");
        let offset = self.append(&Event::ReloadRejected(ReloadRejected {
            config_offset,
            reason: reason.clone(),
        }))?;
        let outcome = Outcome {
            result,
            revision: self.running.revision,
            offset: Some(offset),
            changed_keys: Vec::new(),
            impacted_actors: Vec::new(),
            restarted_actors: Vec::new(),
            reason: Some(reason),
            confirm_deadline_ms: None,
            duration_us: elapsed_us(started),
        };
        self.finish(trigger, &outcome);
        Ok(outcome)
    }

    /// Publishes the end of a reload.
    fn finish(&mut self, trigger: Trigger, outcome: &Outcome) {
        let at_ms = now_ms();
        let running = self.running.clone();
        self.status.send_modify(|s| {
            s.in_progress = false;
            s.revision = running.revision;
            s.config_offset = running.config_offset;
            s.counts.count(outcome.result);
            match outcome.result {
                ResultKind::Applied => {
                    s.failing = false;
                    s.last_success_ms = Some(at_ms);
                }
                // The files hold the running content again: whatever failed is over.
                ResultKind::Unchanged => s.failing = false,
                ResultKind::Rejected | ResultKind::RolledBack => s.failing = true,
            }
            s.last = Some(LastReload {
                outcome: outcome.clone(),
                trigger: trigger.name().to_owned(),
                at_ms,
            });
        });
    }

    fn append(&self, event: &Event) -> Result<u64, CommandError> {
        self.log
            .append(event)
            .map(|o| o.0)
            .map_err(|e| CommandError::Log(e.to_string()))
    }
}

fn requested(trigger: Trigger) -> Event {
    Event::ReloadRequested(ReloadRequested {
        trigger: trigger.name().to_owned(),
    })
}

fn key_changes(changes: &ConfigDiff) -> Vec<ev::KeyChange> {
    changes
        .changes
        .iter()
        .map(|c| ev::KeyChange {
            key: c.key.clone(),
            old: c.old.clone(),
            new: c.new.clone(),
        })
        .collect()
}

/// The first three errors of a report, `key: message`, for a one-line reason.
fn first_errors(report: &Report) -> String {
    let errors: Vec<String> = report
        .of(Severity::Error)
        .map(|f| format!("{}: {}", f.key, f.message))
        .collect();
    let mut line = errors
        .iter()
        .take(3)
        .cloned()
        .collect::<Vec<_>>()
        .join("; ");
    if errors.len() > 3 {
        line.push_str(&format!("; and {} more", errors.len() - 3));
    }
    line
}

fn elapsed_us(started: Instant) -> u64 {
    started.elapsed().as_micros() as u64
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}
