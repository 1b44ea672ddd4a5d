//! `chain`: holds the chain spec and the chain section of the configuration.

use alys_config::chain_spec::ChainSpec;
use alys_config::schema::chain::ChainConfig;
use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};

/// Messages to `chain`.
#[derive(Debug)]
pub enum ChainMsg {
    /// The chain id in force: the spec's, else the config's.
    ChainId(RpcReplyPort<Option<u64>>),
}

/// The `chain` actor.
#[derive(Debug, Default)]
pub struct ChainActor;

/// State of `chain`.
#[derive(Debug)]
pub struct ChainState {
    config: ChainConfig,
    spec: Option<ChainSpec>,
}

impl Actor for ChainActor {
    type Msg = ChainMsg;
    type State = ChainState;
    type Arguments = ChainConfig;

    async fn pre_start(
        &self,
        _myself: ActorRef<ChainMsg>,
        config: ChainConfig,
    ) -> Result<ChainState, ActorProcessingErr> {
        let spec = match &config.spec_file {
            Some(path) => Some(ChainSpec::load(path)?),
            None => None,
        };
        if let Some(spec) = &spec {
            tracing::info!(target: "alys_node", chain_id = spec.chain_id, authorities = spec.authorities.len(), "chain spec loaded");
        }
        Ok(ChainState { config, spec })
    }

    async fn handle(
        &self,
        _myself: ActorRef<ChainMsg>,
        message: ChainMsg,
        state: &mut ChainState,
    ) -> Result<(), ActorProcessingErr> {
        match message {
            ChainMsg::ChainId(reply) => {
                let id = state
                    .spec
                    .as_ref()
                    .map(|s| s.chain_id)
                    .or(state.config.chain_id);
                let _ = reply.send(id);
            }
        }
        Ok(())
    }
}
