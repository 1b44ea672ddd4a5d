//! How the root knows its children: a name, a restart strategy, health-check settings and a
//! function that spawns the actor linked to the root, so that a restart builds it afresh.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, PoisonError, RwLock};

use alys_config::schema::actors::{
    ActorConfig, ActorHealthCheck, ActorSystemConfig, RestartStrategy,
};
use alys_config::AlysConfig;
use alys_eventlog::EventLog;
use ractor::{Actor, ActorCell, SpawnErr};
use tokio::sync::oneshot;

use super::behaviours::{Chain, ChainMsg, Section, SectionMsg, Storage, StorageMsg, Work};
use super::child::{Behaviour, ChildActor, ChildArgs, ChildMsg, SectionFn};
use super::control::Control;
use super::preserve::Preserver;
use crate::mailbox::{mailbox, MailboxMetrics, MailboxSender, MailboxSettings, Priority};

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

/// Asks an actor, through its mailbox like any of its own messages, what it has done; `None`
/// when the mailbox refused the question or the actor went away before answering.
#[derive(Clone)]
pub struct WorkProbe(Arc<dyn Fn() -> WorkFuture + Send + Sync>);

type WorkFuture = Pin<Box<dyn Future<Output = Option<Work>> + Send>>;

impl WorkProbe {
    /// Sends the question and waits for the answer.
    pub async fn ask(&self) -> Option<Work> {
        (self.0)().await
    }
}

impl std::fmt::Debug for WorkProbe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WorkProbe")
    }
}

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
    /// Reads the counters of the actor's mailbox.
    pub mailbox: Arc<dyn Fn() -> MailboxMetrics + Send + Sync>,
    /// Makes later spawns start with this config's section (a reload that commits, or its
    /// rollback); a no-op for an actor that takes no section.
    pub update: Arc<dyn Fn(&AlysConfig) + Send + Sync>,
    /// Where the actor's state is kept; the root moves its revision on after a reload.
    pub preserver: Preserver,
    /// Asks the actor for its [`Work`]; `None` for an actor without that question (`storage`).
    pub probe: Option<WorkProbe>,
}

impl std::fmt::Debug for ChildSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChildSpec")
            .field("name", &self.name)
            .field("strategy", &self.strategy)
            .finish()
    }
}

/// A spec for a child running `behaviour` with `args`, and the sending side of its mailbox,
/// which stays valid across restarts.
// Each argument is a separate part of the child (identity, policy, mailbox, state, code, section);
// bundling them would only move the list into a struct literal at every call site.
#[allow(clippy::too_many_arguments)]
pub fn spec<B>(
    name: &str,
    actor: &ActorConfig,
    system: &ActorSystemConfig,
    mailbox_settings: MailboxSettings,
    preserver: Preserver,
    behaviour: fn() -> B,
    args: B::Args,
    section: SectionFn<B::Args>,
) -> (ChildSpec, MailboxSender<B::Msg>)
where
    B: Behaviour + std::fmt::Debug,
    B::Args: Clone + Sync,
{
    let (sender, receiver) = mailbox::<B::Msg>(name, mailbox_settings);
    let receiver = Arc::new(tokio::sync::Mutex::new(receiver));
    let doorbell = sender.clone();
    let counters = sender.clone();
    let args = Arc::new(RwLock::new(args));
    let current = args.clone();
    let update = Arc::new(move |config: &AlysConfig| {
        if let Some(next) = section(config) {
            *current.write().unwrap_or_else(PoisonError::into_inner) = next;
        }
    });
    let keeper = preserver.clone();
    let spawn: Spawner = Arc::new(move |supervisor: ActorCell| {
        let args = ChildArgs {
            args: args.read().unwrap_or_else(PoisonError::into_inner).clone(),
            sender: doorbell.clone(),
            receiver: receiver.clone(),
            preserver: keeper.clone(),
            section,
        };
        Box::pin(async move {
            let (actor_ref, _) =
                Actor::spawn_linked(None, ChildActor(behaviour()), args, supervisor).await?;
            let cell = actor_ref.get_cell();
            let control =
                Arc::new(move |c: Control| actor_ref.send_message(ChildMsg::Control(c)).is_ok());
            Ok(ChildHandle { cell, control })
        })
    });
    let spec = ChildSpec {
        name: name.to_owned(),
        strategy: actor
            .restart_strategy
            .clone()
            .unwrap_or_else(|| system.supervision.default_restart_strategy.clone()),
        health: effective_health(actor, system),
        spawn,
        mailbox: Arc::new(move || counters.metrics()),
        update,
        preserver,
        probe: None,
    };
    (spec, sender)
}

/// The enabled children of `config`, in start order: storage, chain, engine, bridge, stream,
/// with the sending side of `storage`'s mailbox. `network` and `sync` are configuration only in
/// this layer and start no actor. Snapshots are recorded under config `revision`.
pub fn children(
    config: &AlysConfig,
    log: &EventLog,
    revision: u64,
) -> (Vec<ChildSpec>, Option<MailboxSender<StorageMsg>>) {
    let system = &config.actors;
    let data_dir = &config.system.data_dir;
    let mail = |a: &ActorConfig| MailboxSettings::for_actor(system, a).with_data_dir(data_dir);
    let keep = |name: &str, a: &ActorConfig| {
        Preserver::new(name, a.state_preservation, log.clone(), revision, data_dir)
    };
    let mut out = Vec::new();
    let mut storage = None;
    let a = &system.storage_actor;
    if a.enabled {
        let (spec, sender) = spec(
            "storage",
            a,
            system,
            mail(a),
            keep("storage", a),
            Storage::default,
            log.clone(),
            |_| None,
        );
        out.push(spec);
        storage = Some(sender);
    }
    let a = &system.chain_actor;
    if a.enabled {
        let chain = config.chain.clone();
        out.push(with_probe(
            spec(
                "chain",
                a,
                system,
                mail(a),
                keep("chain", a),
                Chain::default,
                chain,
                |c| Some(c.chain.clone()),
            ),
            ChainMsg::Work,
        ));
    }
    let a = &system.engine_actor;
    if a.enabled {
        let section = config.execution.clone();
        out.push(with_probe(
            spec(
                "engine",
                a,
                system,
                mail(a),
                keep("engine", a),
                Section::default,
                section,
                |c| Some(c.execution.clone()),
            ),
            SectionMsg::Work,
        ));
    }
    let a = &system.bridge_actor;
    if a.enabled {
        let section = config.bridge.clone();
        out.push(with_probe(
            spec(
                "bridge",
                a,
                system,
                mail(a),
                keep("bridge", a),
                Section::default,
                section,
                |c| Some(c.bridge.clone()),
            ),
            SectionMsg::Work,
        ));
    }
    let a = &system.stream_actor;
    if a.enabled {
        let section = config.governance.clone();
        out.push(with_probe(
            spec(
                "stream",
                a,
                system,
                mail(a),
                keep("stream", a),
                Section::default,
                section,
                |c| Some(c.governance.clone()),
            ),
            SectionMsg::Work,
        ));
    }
    (out, storage)
}

/// The actor's health-check settings, with the tree-wide `supervision.health_check_interval`
/// and `timeouts.health_check` as upper bounds (so a profile or an operator can tighten every
/// actor at once; an actor may still probe more often or wait less).
fn effective_health(actor: &ActorConfig, system: &ActorSystemConfig) -> ActorHealthCheck {
    let mut health = actor.health_check.clone();
    health.interval = health
        .interval
        .min(system.supervision.health_check_interval);
    health.timeout = health.timeout.min(system.timeouts.health_check);
    health
}

/// The spec `spec` built, given a probe that sends `ask` through the child's mailbox at the
/// default priority.
fn with_probe<M: Send + 'static>(
    (mut spec, sender): (ChildSpec, MailboxSender<M>),
    ask: fn(oneshot::Sender<Work>) -> M,
) -> ChildSpec {
    spec.probe = Some(WorkProbe(Arc::new(move || {
        let sender = sender.clone();
        Box::pin(async move {
            let (tx, rx) = oneshot::channel();
            sender.send(ask(tx), Priority::DEFAULT).await.ok()?;
            rx.await.ok()
        })
    })));
    spec
}
