//! One supervised actor: a ractor actor that wraps a [`Behaviour`] (what the actor does) with the
//! control messages every child answers (health, injected faults).

use std::fmt::Debug;

use ractor::{Actor, ActorProcessingErr, ActorRef};

use super::control::{Control, Fault};

/// What a supervised actor does with its own messages.
pub trait Behaviour: Send + Sync + 'static {
    /// The actor's own messages.
    type Msg: Debug + Send + 'static;
    /// What the actor keeps between messages.
    type State: Send + 'static;
    /// What it is started with (its config section, handles).
    type Args: Send + 'static;

    /// Builds the state on start and on every restart.
    fn start(&self, args: &Self::Args) -> Result<Self::State, ActorProcessingErr>;

    /// Handles one message; an error counts as a failure of the actor.
    fn handle(&self, msg: Self::Msg, state: &mut Self::State) -> Result<(), ActorProcessingErr>;

    /// Whether the actor considers itself healthy.
    fn healthy(&self, _state: &Self::State) -> bool {
        true
    }
}

/// Messages of a supervised actor.
#[derive(Debug)]
pub enum ChildMsg<M> {
    /// A control message.
    Control(Control),
    /// The actor's own message.
    App(M),
}

/// The ractor actor that runs a [`Behaviour`].
#[derive(Debug)]
pub struct ChildActor<B>(pub B);

/// State of a [`ChildActor`].
pub struct ChildState<B: Behaviour> {
    inner: B::State,
    failing_checks: u32,
}

impl<B: Behaviour> Actor for ChildActor<B> {
    type Msg = ChildMsg<B::Msg>;
    type State = ChildState<B>;
    type Arguments = B::Args;

    async fn pre_start(
        &self,
        _myself: ActorRef<Self::Msg>,
        args: B::Args,
    ) -> Result<Self::State, ActorProcessingErr> {
        Ok(ChildState {
            inner: self.0.start(&args)?,
            failing_checks: 0,
        })
    }

    async fn handle(
        &self,
        _myself: ActorRef<Self::Msg>,
        message: Self::Msg,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        match message {
            ChildMsg::App(msg) => self.0.handle(msg, &mut state.inner),
            ChildMsg::Control(Control::Health(reply)) => {
                let ok = if state.failing_checks > 0 {
                    state.failing_checks -= 1;
                    false
                } else {
                    self.0.healthy(&state.inner)
                };
                let _ = reply.send(ok);
                Ok(())
            }
            ChildMsg::Control(Control::Inject(fault)) => match fault {
                Fault::Panic => panic!("injected panic"),
                Fault::Error => Err("injected error".into()),
                Fault::FailHealth { count } => {
                    state.failing_checks = count;
                    Ok(())
                }
            },
        }
    }
}
