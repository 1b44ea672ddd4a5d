//! The root supervisor: starts the children in order, applies each child's restart strategy
//! when it fails (panic, handler error, or failed health checks), escalates when a strategy gives
//! up, and records every step in the event log.

mod reload;

use std::collections::HashSet;
use std::time::Duration;

use alys_config::schema::actors::ActorSystemConfig;
use alys_eventlog::event::{ActorLifecycle, Event, LifecycleChange};
use alys_eventlog::EventLog;
use ractor::{Actor, ActorId, ActorProcessingErr, ActorRef, RpcReplyPort, SupervisionEvent};
use tokio::sync::mpsc;
use tokio::time::Instant;

pub use reload::ReloadTarget;

use super::control::{Control, Fault};
use super::health;
use super::recorder::Recorder;
use super::spec::{ChildHandle, ChildSpec, WorkProbe};
use crate::mailbox::MailboxMetrics;
use crate::supervision::{
    Admission, ChildName, Decision, Escalation, Family, Jitter, RestartPolicy, RestartWindow,
    TreePlan,
};

/// Messages to the root.
#[derive(Debug)]
pub enum RootMsg {
    /// Stop every child in reverse start order, then answer.
    Shutdown(RpcReplyPort<()>),
    /// Each child's name and status, in start order.
    Status(RpcReplyPort<Vec<ChildStatus>>),
    /// Inject a fault into a child (tests and drills).
    Inject(String, Fault),
    /// Start these children again (after a restart delay).
    Restart {
        /// The children to start, in start order.
        names: Vec<String>,
        /// The child whose failure caused the restart.
        failed: String,
        /// Its attempt number, as the restart policy counted it.
        attempt: u32,
        /// The delay that was waited, in milliseconds.
        delay_ms: u64,
    },
    /// A circuit breaker's recovery timeout has passed.
    RecoveryDue(String),
    /// Time to probe a child's health.
    HealthTick(String),
    /// Each child's handle and section updater, for a reload.
    Targets(RpcReplyPort<Vec<ReloadTarget>>),
    /// Each child's name and its work probe (`None` for an actor without one), in start order.
    Probes(RpcReplyPort<Vec<(String, Option<WorkProbe>)>>),
    /// Restart these children with the sections their specs now hold (a reload's restarts, or
    /// their rollback).
    Respawn {
        /// The children to restart.
        names: Vec<String>,
        /// `Err` names the child that did not start, and why.
        reply: RpcReplyPort<Result<(), String>>,
    },
    /// Lifecycle events from now on carry this config revision.
    SetRevision(u64),
    /// The outcome of a probe of one incarnation of a child.
    HealthResult {
        /// The child.
        name: String,
        /// Which start of the child was probed; answers from an earlier one are ignored.
        generation: u64,
        /// Whether it answered healthy in time.
        ok: bool,
    },
}

/// A child's condition as the root sees it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ChildStatus {
    /// The actor's name.
    pub name: String,
    /// Whether it is running now.
    pub running: bool,
    /// Restarts so far.
    pub restarts: u32,
    /// Restarted and not yet through `recovery_threshold` passed health checks.
    pub recovering: bool,
    /// The counters of its mailbox.
    pub mailbox: MailboxMetrics,
}

/// What the root needs to start the tree.
pub struct RootArgs {
    /// The event log the root records lifecycle events in.
    pub log: EventLog,
    /// The config revision the tree runs under.
    pub revision: u64,
    /// The children, in start order.
    pub children: Vec<ChildSpec>,
    /// Jitter for backoff delays (tests use none).
    pub jitter: Jitter,
    /// Where an escalation is reported; the node stops with it.
    pub escalations: mpsc::UnboundedSender<Escalation>,
    /// The tree-wide limits and timeouts.
    pub limits: TreeLimits,
}

/// The tree-wide part of `actors.supervision` and `actors.timeouts`.
#[derive(Debug, Clone, PartialEq)]
pub struct TreeLimits {
    /// Failure restarts of the whole tree allowed within `restart_window`; one more escalates.
    pub max_restarts: u32,
    /// The window `max_restarts` is counted in.
    pub restart_window: Duration,
    /// Whether failed health checks restart an actor; when false they only mark it degraded.
    pub auto_recovery: bool,
    /// The longest one actor may take to start (`timeouts.startup`); longer is a failed start.
    pub startup: Duration,
    /// The longest one actor may take to stop (`timeouts.shutdown`) before it is killed.
    pub shutdown: Duration,
    /// The longest stopping the tree after an escalation may take before the rest is killed.
    pub escalation_timeout: Duration,
}

impl TreeLimits {
    /// The limits `system` configures.
    pub fn from_config(system: &ActorSystemConfig) -> Self {
        TreeLimits {
            max_restarts: system.supervision.max_restarts,
            restart_window: system.supervision.restart_window,
            auto_recovery: system.supervision.auto_recovery,
            startup: system.timeouts.startup,
            shutdown: system.timeouts.shutdown,
            escalation_timeout: system.supervision.escalation_timeout,
        }
    }
}

impl Default for TreeLimits {
    /// The limits of the default configuration.
    fn default() -> Self {
        TreeLimits::from_config(&ActorSystemConfig::default())
    }
}

/// The root supervisor.
#[derive(Debug, Default)]
pub struct RootActor;

struct Child {
    spec: ChildSpec,
    handle: Option<ChildHandle>,
    policy: RestartPolicy,
    generation: u64,
    failed_checks: u32,
    /// Passed checks since the last restart; the child is recovering until it reaches the
    /// health check's `recovery_threshold`.
    passed_checks: u32,
    recovering: bool,
    restarts: u32,
    last_error: String,
}

/// State of the root.
pub struct RootState {
    recorder: Recorder,
    revision: u64,
    children: Vec<Child>,
    plan: TreePlan,
    stopping: HashSet<ActorId>,
    escalations: mpsc::UnboundedSender<Escalation>,
    /// Set once a strategy gave up: nothing starts again after that.
    escalated: bool,
    limits: TreeLimits,
    /// Failure restarts of the whole tree, against `limits.max_restarts`.
    tree_restarts: RestartWindow,
}

impl RootState {
    fn record(&self, actor: &str, change: LifecycleChange) {
        self.recorder.record(Event::ActorLifecycle(ActorLifecycle {
            actor: actor.to_owned(),
            config_revision: self.revision,
            change,
        }));
    }

    fn index(&self, name: &str) -> Option<usize> {
        self.children.iter().position(|c| c.spec.name == name)
    }

    async fn start_child(
        &mut self,
        myself: &ActorRef<RootMsg>,
        i: usize,
    ) -> Result<(), ActorProcessingErr> {
        let spawn = (self.children[i].spec.spawn)(myself.get_cell());
        let handle = match tokio::time::timeout(self.limits.startup, spawn).await {
            Ok(started) => started?,
            Err(_) => {
                return Err(format!(
                    "did not start within {:?} (actors.timeouts.startup)",
                    self.limits.startup
                )
                .into())
            }
        };
        let child = &mut self.children[i];
        child.handle = Some(handle);
        child.generation += 1;
        child.failed_checks = 0;
        child.policy.on_started(Instant::now());
        tracing::info!(target: "alys_node", actor = %child.spec.name, "actor started");
        Ok(())
    }

    async fn stop_child(&mut self, i: usize) {
        if let Some(handle) = self.children[i].handle.take() {
            self.stopping.insert(handle.cell.get_id());
            let stopped = handle
                .cell
                .stop_and_wait(Some("supervisor".into()), Some(self.limits.shutdown))
                .await;
            if stopped.is_err() {
                tracing::warn!(target: "alys_node", actor = %self.children[i].spec.name,
                    timeout = ?self.limits.shutdown, "actor did not stop in time; killed");
                handle.cell.kill();
            }
        }
    }

    fn breaker_events(&mut self, i: usize) {
        let transitions = self.children[i].policy.take_transitions();
        for t in transitions {
            self.record(
                &self.children[i].spec.name.clone(),
                LifecycleChange::Breaker {
                    state: t.to.to_string(),
                },
            );
        }
    }

    /// A child died or failed its health checks: decide, record, act.
    async fn on_failure(
        &mut self,
        myself: &ActorRef<RootMsg>,
        i: usize,
        error: String,
    ) -> Result<(), ActorProcessingErr> {
        let name = self.children[i].spec.name.clone();
        tracing::warn!(target: "alys_node", actor = %name, %error, "actor failed");
        self.record(
            &name,
            LifecycleChange::Failed {
                error: error.clone(),
            },
        );
        self.children[i].last_error = error;
        self.stop_child(i).await;

        let decision = self.children[i].policy.on_failure(Instant::now());
        self.breaker_events(i);
        let decision = match decision {
            Decision::Restart { .. } => match self.tree_restarts.admit(Instant::now()) {
                Admission::Admitted { .. } => decision,
                Admission::Exceeded { restarts_in_window } => {
                    let escalation = Escalation {
                        child: name.clone(),
                        strategy: "supervision.max_restarts",
                        last_error: self.children[i].last_error.clone(),
                        restarts_in_window,
                        window: Some(self.limits.restart_window),
                    };
                    self.escalate(myself, &name, escalation).await;
                    return Ok(());
                }
            },
            other => other,
        };
        match decision {
            Decision::Restart { delay, attempt } => {
                let family =
                    Family::of(&self.children[i].spec.strategy).unwrap_or(Family::OneForOne);
                let plan = self.plan.plan(&ChildName::new(name.clone()), family)?;
                // Only the failed child and the siblings this plan stops come back: a sibling
                // that was already down (never, an open breaker, a backoff wait) stays under its
                // own strategy.
                let mut names = vec![name.clone()];
                for sibling in &plan.stop {
                    if let Some(j) = self.index(sibling.as_str()) {
                        if j != i && self.children[j].handle.is_some() {
                            self.stop_child(j).await;
                            self.record(sibling.as_str(), LifecycleChange::Stopped);
                            names.push(sibling.as_str().to_owned());
                        }
                    }
                }
                names.retain(|n| plan.restart.iter().any(|c| c.as_str() == n));
                names.sort_by_key(|n| self.index(n));
                let msg = RootMsg::Restart {
                    names,
                    failed: name,
                    attempt,
                    delay_ms: delay.as_millis() as u64,
                };
                if delay.is_zero() {
                    myself.send_message(msg)?;
                } else {
                    let me = myself.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep(delay).await;
                        let _ = me.send_message(msg);
                    });
                }
            }
            Decision::StayDown { until } => {
                tracing::warn!(target: "alys_node", actor = %name, "circuit open; actor stays down");
                if let Some(until) = until {
                    let me = myself.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep_until(until).await;
                        let _ = me.send_message(RootMsg::RecoveryDue(name));
                    });
                }
            }
            Decision::Never => {
                tracing::warn!(target: "alys_node", actor = %name, "actor stays down (restart strategy never); node degraded");
            }
            Decision::Escalate { reason } => {
                let escalation = self.children[i]
                    .policy
                    .escalation(name.clone(), self.children[i].last_error.clone());
                tracing::error!(target: "alys_node", actor = %name, %reason, "supervision gave up; stopping the node");
                self.escalate(myself, &name, escalation).await;
            }
        }
        Ok(())
    }

    /// Records the escalation, stops the tree in reverse order (killing what is left after
    /// `escalation_timeout`), reports it and stops the root.
    async fn escalate(&mut self, myself: &ActorRef<RootMsg>, name: &str, escalation: Escalation) {
        self.record(
            name,
            LifecycleChange::Escalated {
                reason: escalation.to_string(),
            },
        );
        self.escalated = true;
        let limit = self.limits.escalation_timeout;
        if tokio::time::timeout(limit, self.stop_all()).await.is_err() {
            tracing::error!(target: "alys_node", timeout = ?limit, "tree did not stop in time after the escalation; killing the rest");
            for child in &mut self.children {
                if let Some(handle) = child.handle.take() {
                    handle.cell.kill();
                }
            }
        }
        let _ = self.escalations.send(escalation);
        myself.stop(Some("escalated".into()));
    }

    async fn stop_all(&mut self) {
        for i in (0..self.children.len()).rev() {
            if self.children[i].handle.is_some() {
                self.stop_child(i).await;
                let name = self.children[i].spec.name.clone();
                self.record(&name, LifecycleChange::Stopped);
                tracing::info!(target: "alys_node", actor = %name, "actor stopped");
            }
        }
    }
}

impl Actor for RootActor {
    type Msg = RootMsg;
    type State = RootState;
    type Arguments = RootArgs;

    async fn pre_start(
        &self,
        myself: ActorRef<RootMsg>,
        args: RootArgs,
    ) -> Result<RootState, ActorProcessingErr> {
        let plan = TreePlan::new(args.children.iter().map(|c| ChildName::new(c.name.clone())))?;
        let children = args
            .children
            .into_iter()
            .enumerate()
            .map(|(n, spec)| Child {
                policy: RestartPolicy::new(&spec.strategy, seeded(args.jitter, n)),
                spec,
                handle: None,
                generation: 0,
                failed_checks: 0,
                passed_checks: 0,
                recovering: false,
                restarts: 0,
                last_error: String::new(),
            })
            .collect();
        let mut state = RootState {
            recorder: Recorder::start(args.log),
            revision: args.revision,
            children,
            plan,
            stopping: HashSet::new(),
            escalations: args.escalations,
            escalated: false,
            tree_restarts: RestartWindow::new(args.limits.max_restarts, args.limits.restart_window),
            limits: args.limits,
        };
        for i in 0..state.children.len() {
            state.start_child(&myself, i).await?;
            let name = state.children[i].spec.name.clone();
            state.record(&name, LifecycleChange::Started);
            health::schedule(&myself, &name, state.children[i].spec.health.interval);
        }
        Ok(state)
    }

    async fn handle(
        &self,
        myself: ActorRef<RootMsg>,
        message: RootMsg,
        state: &mut RootState,
    ) -> Result<(), ActorProcessingErr> {
        match message {
            RootMsg::Shutdown(reply) => {
                state.stop_all().await;
                let _ = reply.send(());
            }
            RootMsg::Status(reply) => {
                let status = state
                    .children
                    .iter()
                    .map(|c| ChildStatus {
                        name: c.spec.name.clone(),
                        running: c.handle.is_some(),
                        restarts: c.restarts,
                        recovering: c.recovering,
                        mailbox: (c.spec.mailbox)(),
                    })
                    .collect();
                let _ = reply.send(status);
            }
            RootMsg::Targets(reply) => {
                let _ = reply.send(state.reload_targets());
            }
            RootMsg::Probes(reply) => {
                let probes = state
                    .children
                    .iter()
                    .map(|c| (c.spec.name.clone(), c.spec.probe.clone()))
                    .collect();
                let _ = reply.send(probes);
            }
            RootMsg::Respawn { names, reply } => {
                let result = state.respawn(&myself, &names).await;
                let _ = reply.send(result);
            }
            RootMsg::SetRevision(revision) => {
                state.revision = revision;
                for child in &state.children {
                    child.spec.preserver.set_revision(revision);
                }
            }
            RootMsg::Inject(name, fault) => {
                if let Some(handle) = state
                    .index(&name)
                    .and_then(|i| state.children[i].handle.clone())
                {
                    handle.control(Control::Inject(fault));
                }
            }
            RootMsg::Restart {
                names,
                failed,
                attempt,
                delay_ms,
            } => {
                // Siblings restart under the failed child's strategy, and are named with it.
                let strategy = state
                    .index(&failed)
                    .map(|f| state.children[f].spec.strategy.kind().to_owned())
                    .unwrap_or_default();
                for name in names {
                    let Some(i) = state.index(&name) else {
                        continue;
                    };
                    if state.escalated {
                        break;
                    }
                    if state.children[i].handle.is_some() {
                        continue;
                    }
                    // A child that cannot start has failed again: its own policy decides.
                    if let Err(e) = state.start_child(&myself, i).await {
                        let error = format!("restart failed: {e}");
                        state.on_failure(&myself, i, error).await?;
                        continue;
                    }
                    state.children[i].restarts += 1;
                    state.children[i].recovering = true;
                    state.children[i].passed_checks = 0;
                    let attempt = if name == failed { attempt } else { 0 };
                    state.record(
                        &name,
                        LifecycleChange::Restarted {
                            strategy: strategy.clone(),
                            attempt,
                            delay_ms,
                        },
                    );
                }
            }
            RootMsg::RecoveryDue(name) => {
                let Some(i) = state.index(&name) else {
                    return Ok(());
                };
                if let Some(Decision::Restart { attempt, .. }) =
                    state.children[i].policy.on_recovery_due(Instant::now())
                {
                    state.breaker_events(i);
                    myself.send_message(RootMsg::Restart {
                        names: vec![name.clone()],
                        failed: name,
                        attempt,
                        delay_ms: 0,
                    })?;
                }
            }
            RootMsg::HealthTick(name) => {
                if let Some(i) = state.index(&name) {
                    let child = &state.children[i];
                    if let Some(handle) = child.handle.clone() {
                        health::probe(
                            &myself,
                            name,
                            child.generation,
                            handle,
                            child.spec.health.timeout,
                        );
                    }
                }
            }
            RootMsg::HealthResult {
                name,
                generation,
                ok,
            } => {
                let Some(i) = state.index(&name) else {
                    return Ok(());
                };
                if state.children[i].generation != generation || state.children[i].handle.is_none()
                {
                    return Ok(());
                }
                if ok {
                    let child = &mut state.children[i];
                    child.failed_checks = 0;
                    child.passed_checks += 1;
                    if child.passed_checks >= child.spec.health.recovery_threshold {
                        child.recovering = false;
                    }
                    state.children[i].policy.on_healthy(Instant::now());
                    state.breaker_events(i);
                } else {
                    state.children[i].passed_checks = 0;
                    state.children[i].failed_checks += 1;
                    let threshold = state.children[i].spec.health.failure_threshold.max(1);
                    if state.children[i].failed_checks >= threshold {
                        let error = format!("failed {threshold} health check(s) in a row");
                        if state.limits.auto_recovery {
                            state.on_failure(&myself, i, error).await?;
                        } else {
                            // Reported degraded until it passes `recovery_threshold` checks.
                            tracing::warn!(target: "alys_node", actor = %name, %error,
                                "actor unhealthy; not restarted (auto_recovery is off)");
                            let child = &mut state.children[i];
                            child.failed_checks = 0;
                            child.recovering = true;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    async fn post_stop(
        &self,
        _myself: ActorRef<RootMsg>,
        state: &mut RootState,
    ) -> Result<(), ActorProcessingErr> {
        // Every decision is on disk before the root is reported stopped.
        state.recorder.close();
        Ok(())
    }

    async fn handle_supervisor_evt(
        &self,
        myself: ActorRef<RootMsg>,
        event: SupervisionEvent,
        state: &mut RootState,
    ) -> Result<(), ActorProcessingErr> {
        let (cell, error) = match event {
            SupervisionEvent::ActorFailed(cell, error) => (cell, error.to_string()),
            SupervisionEvent::ActorTerminated(cell, _, reason) => {
                (cell, reason.unwrap_or_else(|| "stopped".into()))
            }
            _ => return Ok(()),
        };
        if state.stopping.remove(&cell.get_id()) {
            return Ok(());
        }
        let found = state.children.iter().position(|c| {
            c.handle
                .as_ref()
                .is_some_and(|h| h.cell.get_id() == cell.get_id())
        });
        if let Some(i) = found {
            state.children[i].handle = None;
            state.on_failure(&myself, i, error).await?;
        }
        Ok(())
    }
}

/// Gives each child its own jitter seed so that siblings do not restart in lockstep.
fn seeded(jitter: Jitter, n: usize) -> Jitter {
    match jitter {
        Jitter::Proportional { fraction, seed } => Jitter::Proportional {
            fraction,
            seed: seed.wrapping_add(n as u64),
        },
        other => other,
    }
}
