//! The actor half of a reload: snapshot the affected actors, hand each its new section (live) or
//! restart it with the section (restart), wait for every acknowledgement, and undo all of it
//! when one does not come.
//!
//! Acknowledgements are awaited here, not in the root, so supervision keeps running while a slow
//! actor is given its time: the root only hands out handles and performs restarts.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use alys_config::impact::Impact;
use alys_config::AlysConfig;
use ractor::ActorRef;
use serde_json::Value;
use tokio::sync::oneshot;
use tokio::task::JoinSet;
use tokio::time::timeout;

use crate::actors::{Control, ReloadTarget, RootMsg};

/// Which actors a change reaches, and how.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Plan {
    /// Actors that take their new section while running.
    pub(super) live: Vec<String>,
    /// Actors restarted with their new section.
    pub(super) restart: Vec<String>,
}

impl Plan {
    /// The plan for `impact` over the actors the tree has (enabled ones); the pseudo-targets
    /// `node` and `none` are not actors.
    pub(super) fn new(impact: &Impact, targets: &[ReloadTarget]) -> Plan {
        let mut plan = Plan::default();
        for target in targets {
            let Some(actor) = impact.per_actor.get(&target.name) else {
                continue;
            };
            if actor.needs_restart {
                plan.restart.push(target.name.clone());
            } else {
                plan.live.push(target.name.clone());
            }
        }
        plan
    }

    /// Every actor the change reaches, in start order of the tree.
    pub(super) fn impacted(&self, targets: &[ReloadTarget]) -> Vec<String> {
        targets
            .iter()
            .filter(|t| self.live.contains(&t.name) || self.restart.contains(&t.name))
            .map(|t| t.name.clone())
            .collect()
    }

    fn contains(&self, name: &str) -> bool {
        self.live.iter().chain(&self.restart).any(|n| n == name)
    }
}

/// How long each acknowledgement may take, and how often a section is sent.
#[derive(Debug, Clone, Copy)]
pub(super) struct AckPolicy {
    /// `actors.timeouts.config_reload`.
    pub(super) timeout: Duration,
    /// 1 + `reload.ack_retries`.
    pub(super) attempts: u32,
}

/// The children as the root sees them now.
pub(super) async fn targets(root: &ActorRef<RootMsg>) -> Result<Vec<ReloadTarget>, String> {
    ractor::call!(root, RootMsg::Targets).map_err(|e| format!("the actor tree did not answer: {e}"))
}

/// The state each running, affected actor would keep across a restart, taken before anything
/// changes so that a rollback can put it back. Actors that keep none, or do not answer in time,
/// are left out.
pub(super) async fn snapshot(
    targets: &[ReloadTarget],
    plan: &Plan,
    policy: AckPolicy,
) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for target in targets.iter().filter(|t| plan.contains(&t.name)) {
        let Some(handle) = &target.handle else {
            continue;
        };
        let (tx, rx) = oneshot::channel();
        if !handle.control(Control::Snapshot(tx)) {
            continue;
        }
        if let Ok(Ok(Some(state))) = timeout(policy.timeout, rx).await {
            out.insert(target.name.clone(), state);
        }
    }
    out
}

/// Gives every actor of `plan` its section of `config`: later spawns use it, live actors take it
/// now, restart actors are restarted with it. `Err` says which actor failed and how; some actors
/// may have taken the section by then, so the caller undoes with [`undo`].
pub(super) async fn apply(
    root: &ActorRef<RootMsg>,
    targets: &[ReloadTarget],
    config: &Arc<AlysConfig>,
    plan: &Plan,
    policy: AckPolicy,
) -> Result<(), String> {
    for target in targets.iter().filter(|t| plan.contains(&t.name)) {
        (target.update)(config);
    }
    let mut acks = JoinSet::new();
    for target in targets.iter().filter(|t| plan.live.contains(&t.name)) {
        let target = target.clone();
        let config = config.clone();
        acks.spawn(async move { reconfigure(&target, &config, policy).await });
    }
    let mut first_error = None;
    while let Some(joined) = acks.join_next().await {
        let result = joined.unwrap_or_else(|e| Err(format!("acknowledgement task failed: {e}")));
        if let Err(e) = result {
            first_error.get_or_insert(e);
        }
    }
    if let Some(error) = first_error {
        return Err(error);
    }
    respawn(root, &plan.restart, policy).await
}

/// Puts every actor of `plan` back on its section of `old` and its state from `snapshots`.
/// A live actor that does not take the old section is restarted with it. Best effort: what
/// fails is logged, and the tree's supervision takes over from there.
pub(super) async fn undo(
    root: &ActorRef<RootMsg>,
    targets: &[ReloadTarget],
    old: &Arc<AlysConfig>,
    plan: &Plan,
    snapshots: &BTreeMap<String, Value>,
    policy: AckPolicy,
) {
    for target in targets.iter().filter(|t| plan.contains(&t.name)) {
        (target.update)(old);
    }
    let mut restart = plan.restart.clone();
    let once = AckPolicy {
        attempts: 1,
        ..policy
    };
    for target in targets.iter().filter(|t| plan.live.contains(&t.name)) {
        let put_back = match reconfigure(target, old, once).await {
            Ok(()) => match snapshots.get(&target.name) {
                Some(state) => restore(target, state, policy.timeout).await,
                None => Ok(()),
            },
            Err(e) => Err(e),
        };
        if let Err(error) = put_back {
            tracing::warn!(target: "alys_node", actor = %target.name, %error,
                "rollback could not hand back the old section live; restarting the actor");
            restart.push(target.name.clone());
        }
    }
    if let Err(error) = respawn(root, &restart, policy).await {
        tracing::error!(target: "alys_node", %error, "rollback restart failed; supervision takes over");
    }
}

/// Sends `config` to one live actor and waits for its answer; a missing answer is retried, a
/// refusal is not.
async fn reconfigure(
    target: &ReloadTarget,
    config: &Arc<AlysConfig>,
    policy: AckPolicy,
) -> Result<(), String> {
    let Some(handle) = &target.handle else {
        // Down (circuit open, strategy never): it starts with the new section.
        return Ok(());
    };
    let name = &target.name;
    for attempt in 1..=policy.attempts.max(1) {
        let (tx, rx) = oneshot::channel();
        let sent = handle.control(Control::Reconfigure {
            config: config.clone(),
            reply: tx,
        });
        if !sent {
            return Err(format!("{name} stopped before taking the new section"));
        }
        match timeout(policy.timeout, rx).await {
            Ok(Ok(Ok(()))) => return Ok(()),
            Ok(Ok(Err(reason))) => return Err(format!("{name} refused the new section: {reason}")),
            Ok(Err(_)) => return Err(format!("{name} stopped before acknowledging")),
            Err(_) => {
                tracing::warn!(target: "alys_node", actor = %name, attempt,
                    timeout = ?policy.timeout, "no acknowledgement of the new section");
            }
        }
    }
    Err(format!(
        "{name} did not acknowledge within {} ({} attempts)",
        humantime::format_duration(policy.timeout),
        policy.attempts.max(1)
    ))
}

async fn restore(target: &ReloadTarget, state: &Value, wait: Duration) -> Result<(), String> {
    let Some(handle) = &target.handle else {
        return Ok(());
    };
    let (tx, rx) = oneshot::channel();
    if !handle.control(Control::Restore {
        state: state.clone(),
        reply: tx,
    }) {
        return Err("stopped".to_owned());
    }
    match timeout(wait, rx).await {
        Ok(Ok(result)) => result,
        Ok(Err(_)) => Err("stopped before acknowledging".to_owned()),
        Err(_) => Err("no acknowledgement of the restored state".to_owned()),
    }
}

/// Restarts `names` through the root, within the time all attempts of an acknowledgement get.
async fn respawn(
    root: &ActorRef<RootMsg>,
    names: &[String],
    policy: AckPolicy,
) -> Result<(), String> {
    if names.is_empty() {
        return Ok(());
    }
    let wait = policy.timeout * policy.attempts.max(1);
    let names = names.to_vec();
    let call = ractor::call_t!(
        root,
        |reply| RootMsg::Respawn { names, reply },
        wait.as_millis() as u64
    );
    match call {
        Ok(result) => result,
        Err(e) => Err(format!("restart for the reload did not finish: {e}")),
    }
}
