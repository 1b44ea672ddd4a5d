//! The root supervisor: starts the enabled actors in order, records their lives, stops them in
//! reverse.

use alys_config::AlysConfig;
use alys_eventlog::event::{ActorLifecycle, Event, LifecycleChange};
use alys_eventlog::EventLog;
use ractor::{Actor, ActorCell, ActorProcessingErr, ActorRef, RpcReplyPort, SupervisionEvent};

use super::{ChainActor, StorageActor, StorageMsg};

/// Messages to the root.
#[derive(Debug)]
pub enum RootMsg {
    /// Stop every child in reverse start order, then answer.
    Shutdown(RpcReplyPort<()>),
    /// Names of the children that are running, in start order.
    Running(RpcReplyPort<Vec<String>>),
}

/// What the root needs to start the tree.
#[derive(Debug)]
pub struct RootArgs {
    /// The event log, handed to `storage`.
    pub log: EventLog,
    /// The config revision the tree runs under.
    pub revision: u64,
    /// The active configuration.
    pub config: AlysConfig,
}

/// The root supervisor.
#[derive(Debug, Default)]
pub struct RootActor;

/// State of the root.
#[derive(Debug)]
pub struct RootState {
    revision: u64,
    storage: ActorRef<StorageMsg>,
    children: Vec<(String, ActorCell)>,
}

impl RootState {
    async fn record(&self, actor: &str, change: LifecycleChange) {
        let event = Event::ActorLifecycle(ActorLifecycle {
            actor: actor.to_owned(),
            config_revision: self.revision,
            change,
        });
        match ractor::call!(self.storage, StorageMsg::Append, event) {
            Ok(Ok(_)) => {}
            Ok(Err(error)) => {
                tracing::warn!(target: "alys_node", actor, %error, "lifecycle event not recorded")
            }
            Err(error) => tracing::warn!(target: "alys_node", actor, %error, "storage unreachable"),
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
        let cell = myself.get_cell();
        let (storage, _) = Actor::spawn_linked(
            Some("storage".into()),
            StorageActor,
            (args.log, args.revision),
            cell.clone(),
        )
        .await?;
        let mut state = RootState {
            revision: args.revision,
            storage: storage.clone(),
            children: vec![("storage".into(), storage.get_cell())],
        };
        state.record("storage", LifecycleChange::Started).await;
        tracing::info!(target: "alys_node", actor = "storage", "actor started");

        if args.config.actors.chain_actor.enabled {
            let (chain, _) = Actor::spawn_linked(
                Some("chain".into()),
                ChainActor,
                args.config.chain.clone(),
                cell,
            )
            .await?;
            state.children.push(("chain".into(), chain.get_cell()));
            state.record("chain", LifecycleChange::Started).await;
            tracing::info!(target: "alys_node", actor = "chain", "actor started");
        }
        Ok(state)
    }

    async fn handle(
        &self,
        _myself: ActorRef<RootMsg>,
        message: RootMsg,
        state: &mut RootState,
    ) -> Result<(), ActorProcessingErr> {
        match message {
            RootMsg::Shutdown(reply) => {
                while let Some((name, cell)) = state.children.pop() {
                    if name != "storage" {
                        state.record(&name, LifecycleChange::Stopped).await;
                    }
                    cell.stop_and_wait(Some("shutdown".into()), None).await?;
                    tracing::info!(target: "alys_node", actor = %name, "actor stopped");
                }
                let _ = reply.send(());
            }
            RootMsg::Running(reply) => {
                let _ = reply.send(state.children.iter().map(|(n, _)| n.clone()).collect());
            }
        }
        Ok(())
    }

    async fn handle_supervisor_evt(
        &self,
        _myself: ActorRef<RootMsg>,
        event: SupervisionEvent,
        state: &mut RootState,
    ) -> Result<(), ActorProcessingErr> {
        if let SupervisionEvent::ActorFailed(cell, error) = event {
            let name = cell.get_name().unwrap_or_else(|| cell.get_id().to_string());
            tracing::warn!(target: "alys_node", actor = %name, %error, "actor failed; node degraded");
            state.children.retain(|(_, c)| c.get_id() != cell.get_id());
            if name != "storage" {
                state
                    .record(
                        &name,
                        LifecycleChange::Failed {
                            error: error.to_string(),
                        },
                    )
                    .await;
            }
        }
        Ok(())
    }
}
