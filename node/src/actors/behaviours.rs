//! What each actor of the tree does in this layer: `storage` appends to the event log, `chain`
//! holds the chain spec, and `engine`, `bridge` and `stream` hold their config sections until
//! their clients arrive.
//!
//! What `chain`, `engine`, `bridge` and `stream` keep across a restart is their [`Work`]: how many
//! of their own messages they handled and how many config sections they took live. The section
//! itself is not preserved: a restart starts with the section of the running revision.

use std::marker::PhantomData;

use alys_config::chain_spec::ChainSpec;
use alys_config::schema::chain::ChainConfig;
use alys_eventlog::event::Event;
use alys_eventlog::{EventLog, LogError, Offset};
use ractor::ActorProcessingErr;
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

use super::child::Behaviour;

/// What an actor of this layer has done; kept across restarts per its `state_preservation`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Work {
    /// Messages of its own it handled (through its mailbox).
    pub messages_handled: u64,
    /// Config sections it took while running (live reloads and their rollbacks).
    pub sections_applied: u64,
}

impl Work {
    fn preserve(&self) -> Option<serde_json::Value> {
        serde_json::to_value(self).ok()
    }

    fn restore(&mut self, preserved: serde_json::Value) -> Result<(), ActorProcessingErr> {
        *self = serde_json::from_value(preserved)?;
        Ok(())
    }
}

/// `storage`: the event-log writer of the tree.
#[derive(Debug, Default)]
pub struct Storage;

/// Messages to `storage`.
#[derive(Debug)]
pub enum StorageMsg {
    /// Append an event; the reply comes once it is durable.
    Append(Event, oneshot::Sender<Result<Offset, LogError>>),
}

impl Behaviour for Storage {
    type Msg = StorageMsg;
    type State = EventLog;
    type Args = EventLog;

    fn start(&self, log: &EventLog) -> Result<EventLog, ActorProcessingErr> {
        Ok(log.clone())
    }

    fn handle(&self, msg: StorageMsg, log: &mut EventLog) -> Result<(), ActorProcessingErr> {
        match msg {
            // The append waits for a flush; do it off the actor's thread and answer from there.
            StorageMsg::Append(event, reply) => {
                let log = log.clone();
                tokio::task::spawn_blocking(move || {
                    let _ = reply.send(log.append(&event));
                });
            }
        }
        Ok(())
    }
}

/// `chain`: the chain section and the chain spec it names.
#[derive(Debug, Default)]
pub struct Chain;

/// Messages to `chain`.
#[derive(Debug)]
pub enum ChainMsg {
    /// The chain id in force: the spec's, else the config's.
    ChainId(oneshot::Sender<Option<u64>>),
    /// What the actor has done so far.
    Work(oneshot::Sender<Work>),
}

/// State of `chain`.
#[derive(Debug)]
pub struct ChainState {
    config: ChainConfig,
    spec: Option<ChainSpec>,
    work: Work,
}

impl Behaviour for Chain {
    type Msg = ChainMsg;
    type State = ChainState;
    type Args = ChainConfig;

    fn start(&self, config: &ChainConfig) -> Result<ChainState, ActorProcessingErr> {
        let spec = match &config.spec_file {
            Some(path) => Some(ChainSpec::load(path)?),
            None => None,
        };
        if let Some(spec) = &spec {
            tracing::debug!(target: "alys_node", chain_id = spec.chain_id, "chain spec loaded");
        }
        Ok(ChainState {
            config: config.clone(),
            spec,
            work: Work::default(),
        })
    }

    /// Keys that apply live (`chain.slot_duration`, ...) replace the section; the spec, read at
    /// start, changes only through a restart (`chain.spec_file` needs one).
    fn reconfigure(
        &self,
        state: &mut ChainState,
        config: &ChainConfig,
    ) -> Result<(), ActorProcessingErr> {
        state.config = config.clone();
        state.work.sections_applied += 1;
        Ok(())
    }

    fn preserve(&self, state: &ChainState) -> Option<serde_json::Value> {
        state.work.preserve()
    }

    fn restore(
        &self,
        state: &mut ChainState,
        preserved: serde_json::Value,
    ) -> Result<(), ActorProcessingErr> {
        state.work.restore(preserved)
    }

    fn handle(&self, msg: ChainMsg, state: &mut ChainState) -> Result<(), ActorProcessingErr> {
        state.work.messages_handled += 1;
        match msg {
            ChainMsg::Work(reply) => {
                let _ = reply.send(state.work);
            }
            ChainMsg::ChainId(reply) => {
                let _ = reply.send(
                    state
                        .spec
                        .as_ref()
                        .map(|s| s.chain_id)
                        .or(state.config.chain_id),
                );
            }
        }
        Ok(())
    }
}

/// An actor that, in this layer, owns one config section and its health: `engine`, `bridge`,
/// `stream`.
#[derive(Debug)]
pub struct Section<T>(PhantomData<fn() -> T>);

impl<T> Default for Section<T> {
    fn default() -> Self {
        Section(PhantomData)
    }
}

/// Messages to a [`Section`] actor.
#[derive(Debug)]
pub enum SectionMsg<T> {
    /// A copy of the section in force.
    Get(oneshot::Sender<T>),
    /// What the actor has done so far.
    Work(oneshot::Sender<Work>),
}

/// State of a [`Section`] actor.
#[derive(Debug)]
pub struct SectionState<T> {
    section: T,
    work: Work,
}

impl<T: Clone + std::fmt::Debug + Send + 'static> Behaviour for Section<T> {
    type Msg = SectionMsg<T>;
    type State = SectionState<T>;
    type Args = T;

    fn start(&self, section: &T) -> Result<SectionState<T>, ActorProcessingErr> {
        Ok(SectionState {
            section: section.clone(),
            work: Work::default(),
        })
    }

    fn reconfigure(&self, state: &mut SectionState<T>, next: &T) -> Result<(), ActorProcessingErr> {
        state.section = next.clone();
        state.work.sections_applied += 1;
        Ok(())
    }

    fn preserve(&self, state: &SectionState<T>) -> Option<serde_json::Value> {
        state.work.preserve()
    }

    fn restore(
        &self,
        state: &mut SectionState<T>,
        preserved: serde_json::Value,
    ) -> Result<(), ActorProcessingErr> {
        state.work.restore(preserved)
    }

    fn handle(
        &self,
        msg: SectionMsg<T>,
        state: &mut SectionState<T>,
    ) -> Result<(), ActorProcessingErr> {
        state.work.messages_handled += 1;
        match msg {
            SectionMsg::Get(reply) => {
                let _ = reply.send(state.section.clone());
            }
            SectionMsg::Work(reply) => {
                let _ = reply.send(state.work);
            }
        }
        Ok(())
    }
}
