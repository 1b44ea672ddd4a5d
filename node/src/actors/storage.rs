//! `storage`: the single writer of the event log inside the actor tree.

use alys_eventlog::event::{ActorLifecycle, Event, LifecycleChange};
use alys_eventlog::{EventLog, LogError, Offset};
use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};

/// Messages to `storage`.
#[derive(Debug)]
pub enum StorageMsg {
    /// Append an event; the reply comes once it is durable.
    Append(Event, RpcReplyPort<Result<Offset, LogError>>),
}

/// The `storage` actor.
#[derive(Debug, Default)]
pub struct StorageActor;

/// State of `storage`.
#[derive(Debug)]
pub struct StorageState {
    log: EventLog,
    revision: u64,
}

impl Actor for StorageActor {
    type Msg = StorageMsg;
    type State = StorageState;
    type Arguments = (EventLog, u64);

    async fn pre_start(
        &self,
        _myself: ActorRef<StorageMsg>,
        (log, revision): (EventLog, u64),
    ) -> Result<StorageState, ActorProcessingErr> {
        Ok(StorageState { log, revision })
    }

    async fn handle(
        &self,
        _myself: ActorRef<StorageMsg>,
        message: StorageMsg,
        state: &mut StorageState,
    ) -> Result<(), ActorProcessingErr> {
        match message {
            StorageMsg::Append(event, reply) => {
                let log = state.log.clone();
                let result = tokio::task::spawn_blocking(move || log.append(&event)).await?;
                if let Err(error) = &result {
                    tracing::error!(target: "alys_node", %error, "event append failed");
                }
                let _ = reply.send(result);
            }
        }
        Ok(())
    }

    async fn post_stop(
        &self,
        _myself: ActorRef<StorageMsg>,
        state: &mut StorageState,
    ) -> Result<(), ActorProcessingErr> {
        let log = state.log.clone();
        let stopped = Event::ActorLifecycle(ActorLifecycle {
            actor: "storage".into(),
            config_revision: state.revision,
            change: LifecycleChange::Stopped,
        });
        tokio::task::spawn_blocking(move || log.append(&stopped)).await??;
        tracing::debug!(target: "alys_node", "storage stopped, log flushed");
        Ok(())
    }
}
