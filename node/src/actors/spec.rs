//! How the root knows its children: a name, a restart strategy, health-check settings and a
//! function that spawns the actor linked to the root, so that a restart builds it afresh.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use alys_config::schema::actors::{ActorConfig, ActorHealthCheck, RestartStrategy};
use alys_config::AlysConfig;
use alys_eventlog::EventLog;
use ractor::{Actor, ActorCell, SpawnErr};

use super::behaviours::{Chain, Section, Storage};
use super::child::{Behaviour, ChildActor, ChildMsg};
use super::control::Control;

/// A running child: its cell and a way to send it control messages.
#[derive(Clone)]
pub struct ChildHandle {
    /// The ractor cell, for stopping and for matching supervision events.
    pub cell: ActorCell,
    control: Arc<dyn Fn(Control) -> bool + Send + Sync>,
}

impl ChildHandle {
    /// Sends a control message; false when the actor is gone.
    pub fn control(&self, message: Control) -> bool {
        (self.control)(message)
    }
}

type SpawnFuture = Pin<Box<dyn Future<Output = Result<ChildHandle, SpawnErr>> + Send>>;

/// Spawns a child linked to the given supervisor.
pub type Spawner = Arc<dyn Fn(ActorCell) -> SpawnFuture + Send + Sync>;

/// One child of the root.
#[derive(Clone)]
pub struct ChildSpec {
    /// The actor's name (`storage`, `chain`, ...).
    pub name: String,
    /// Its restart strategy: its own, else the default one.
    pub strategy: RestartStrategy,
    /// Its health-check settings.
    pub health: ActorHealthCheck,
    /// Builds and links a fresh instance.
    pub spawn: Spawner,
}

impl std::fmt::Debug for ChildSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChildSpec")
            .field("name", &self.name)
            .field("strategy", &self.strategy)
            .finish()
    }
}

/// A spec for a child running `behaviour` with `args`.
pub fn spec<B>(
    name: &str,
    actor: &ActorConfig,
    default: &RestartStrategy,
    behaviour: fn() -> B,
    args: B::Args,
) -> ChildSpec
where
    B: Behaviour + std::fmt::Debug,
    B::Args: Clone + Sync,
{
    let spawn: Spawner = Arc::new(move |supervisor: ActorCell| {
        let args = args.clone();
        Box::pin(async move {
            let (actor_ref, _) =
                Actor::spawn_linked(None, ChildActor(behaviour()), args, supervisor).await?;
            let cell = actor_ref.get_cell();
            let control =
                Arc::new(move |c: Control| actor_ref.send_message(ChildMsg::Control(c)).is_ok());
            Ok(ChildHandle { cell, control })
        })
    });
    ChildSpec {
        name: name.to_owned(),
        strategy: actor
            .restart_strategy
            .clone()
            .unwrap_or_else(|| default.clone()),
        health: actor.health_check.clone(),
        spawn,
    }
}

/// The enabled children of `config`, in start order: storage, chain, engine, bridge, stream.
/// `network` and `sync` are configuration only in this layer and start no actor.
pub fn children(config: &AlysConfig, log: &EventLog) -> Vec<ChildSpec> {
    let actors = &config.actors;
    let default = &actors.supervision.default_restart_strategy;
    let mut out = Vec::new();
    if actors.storage_actor.enabled {
        out.push(spec(
            "storage",
            &actors.storage_actor,
            default,
            Storage::default,
            log.clone(),
        ));
    }
    if actors.chain_actor.enabled {
        out.push(spec(
            "chain",
            &actors.chain_actor,
            default,
            Chain::default,
            config.chain.clone(),
        ));
    }
    if actors.engine_actor.enabled {
        out.push(spec(
            "engine",
            &actors.engine_actor,
            default,
            Section::default,
            config.execution.clone(),
        ));
    }
    if actors.bridge_actor.enabled {
        out.push(spec(
            "bridge",
            &actors.bridge_actor,
            default,
            Section::default,
            config.bridge.clone(),
        ));
    }
    if actors.stream_actor.enabled {
        out.push(spec(
            "stream",
            &actors.stream_actor,
            default,
            Section::default,
            config.governance.clone(),
        ));
    }
    out
}
