//! One supervised actor: a ractor actor that wraps a [`Behaviour`] (what the actor does) with the
//! control messages every child answers (health, injected faults).
//!
//! The actor's own messages arrive through its configured mailbox ([`crate::mailbox`]), which
//! outlives restarts: a message sent while the actor restarts waits there. ractor's unbounded
//! queue carries only control messages and the mailbox's doorbell (`Drain`), at most one of which
//! is outstanding; each `Drain` handles one batch, then rings again if more wait, so control
//! messages are never stuck behind a flood.

use std::collections::VecDeque;
use std::fmt::Debug;
use std::sync::Arc;

use ractor::{Actor, ActorProcessingErr, ActorRef};
use tokio::sync::Mutex;

use alys_config::AlysConfig;

use super::control::{Ack, Control, Fault};
use super::preserve::Preserver;
use crate::mailbox::{MailboxReceiver, MailboxSender, Queued, Returner};

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

    /// The part of the state kept across restarts (see [`super::preserve`]), as JSON; `None`
    /// for an actor with nothing to keep. Use `#[serde(default)]` on it: a JSON null is a removal
    /// in an incremental patch.
    fn preserve(&self, _state: &Self::State) -> Option<serde_json::Value> {
        None
    }

    /// Takes a new config section while running (a hot reload of keys that apply live).
    /// Returning an error refuses the section; the reload then rolls back.
    fn reconfigure(
        &self,
        _state: &mut Self::State,
        _args: &Self::Args,
    ) -> Result<(), ActorProcessingErr> {
        Ok(())
    }

    /// Puts a preserved state back, right after [`Behaviour::start`].
    fn restore(
        &self,
        _state: &mut Self::State,
        _preserved: serde_json::Value,
    ) -> Result<(), ActorProcessingErr> {
        Ok(())
    }
}

/// Messages of a supervised actor on ractor's queue.
#[derive(Debug)]
pub enum ChildMsg {
    /// A control message.
    Control(Control),
    /// The mailbox's doorbell: messages wait.
    Drain,
}

/// What a child is started with: its behaviour's arguments and its mailbox.
pub struct ChildArgs<B: Behaviour> {
    /// The behaviour's arguments.
    pub args: B::Args,
    /// The sending side, to install the doorbell on.
    pub sender: MailboxSender<B::Msg>,
    /// The receiving side, shared by successive incarnations of the actor.
    pub receiver: Arc<Mutex<MailboxReceiver<B::Msg>>>,
    /// Where the actor's state is kept across restarts.
    pub preserver: Preserver,
    /// Picks the actor's arguments out of a whole config (`None`: it takes no section).
    pub section: SectionFn<B::Args>,
}

/// Picks an actor's arguments out of a whole config; `None` for an actor that takes no section.
pub type SectionFn<A> = fn(&AlysConfig) -> Option<A>;

/// The ractor actor that runs a [`Behaviour`].
#[derive(Debug)]
pub struct ChildActor<B>(pub B);

/// State of a [`ChildActor`].
pub struct ChildState<B: Behaviour> {
    inner: B::State,
    failing_checks: u32,
    receiver: Arc<Mutex<MailboxReceiver<B::Msg>>>,
    preserver: Preserver,
    preserved: Option<serde_json::Value>,
    section: SectionFn<B::Args>,
    reject_reloads: u32,
    ignore_reloads: u32,
    /// Acknowledgements held back by [`Fault::IgnoreReload`]; dropped with the actor.
    unanswered: Vec<Ack>,
}

impl<B: Behaviour> ChildState<B> {
    /// Answers a reload step: on success once the changed state is kept, else with the reason.
    async fn acknowledge(
        &mut self,
        behaviour: &B,
        result: Result<(), ActorProcessingErr>,
        reply: Ack,
    ) -> Result<(), ActorProcessingErr> {
        match result {
            Ok(()) => {
                self.keep(behaviour).await?;
                let _ = reply.send(Ok(()));
            }
            Err(e) => {
                let _ = reply.send(Err(e.to_string()));
            }
        }
        Ok(())
    }

    /// Saves the preserved state if the last message changed it; the save is durable before the
    /// next message is handled.
    async fn keep(&mut self, behaviour: &B) -> Result<(), ActorProcessingErr> {
        let Some(now) = behaviour.preserve(&self.inner) else {
            return Ok(());
        };
        if self.preserved.as_ref() == Some(&now) {
            return Ok(());
        }
        let preserver = self.preserver.clone();
        let previous = self.preserved.take();
        let saved = now.clone();
        tokio::task::spawn_blocking(move || preserver.save(previous.as_ref(), &saved)).await??;
        self.preserved = Some(now);
        Ok(())
    }
}

impl<B: Behaviour> Actor for ChildActor<B> {
    type Msg = ChildMsg;
    type State = ChildState<B>;
    type Arguments = ChildArgs<B>;

    async fn pre_start(
        &self,
        myself: ActorRef<Self::Msg>,
        args: ChildArgs<B>,
    ) -> Result<Self::State, ActorProcessingErr> {
        let mut inner = self.0.start(&args.args)?;
        let preserver = args.preserver.clone();
        let restored = tokio::task::spawn_blocking(move || preserver.restore()).await?;
        let preserved = match restored {
            Some(value) => {
                self.0.restore(&mut inner, value.clone())?;
                Some(value)
            }
            None => self.0.preserve(&inner),
        };
        // The previous incarnation may have taken a doorbell with it; drain once on start so
        // messages that waited through a restart are handled (a spare `Drain` finds nothing).
        let bell = myself.clone();
        args.sender.set_waker(Box::new(move || {
            let _ = bell.send_message(ChildMsg::Drain);
        }));
        myself.send_message(ChildMsg::Drain)?;
        Ok(ChildState {
            inner,
            failing_checks: 0,
            receiver: args.receiver,
            preserver: args.preserver,
            preserved,
            section: args.section,
            reject_reloads: 0,
            ignore_reloads: 0,
            unanswered: Vec::new(),
        })
    }

    async fn handle(
        &self,
        _myself: ActorRef<Self::Msg>,
        message: Self::Msg,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        match message {
            ChildMsg::Drain => {
                let mut receiver = state.receiver.lock().await;
                let mut batch = Unhandled {
                    rest: receiver.try_recv_batch().into(),
                    returner: receiver.returner(),
                };
                if !batch.rest.is_empty() {
                    receiver.notify_when_ready();
                }
                drop(receiver);
                while let Some(queued) = batch.rest.pop_front() {
                    self.0.handle(queued.msg, &mut state.inner)?;
                    state.keep(&self.0).await?;
                }
                Ok(())
            }
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
                Fault::RejectReload { count } => {
                    state.reject_reloads = count;
                    Ok(())
                }
                Fault::IgnoreReload { count } => {
                    state.ignore_reloads = count;
                    Ok(())
                }
            },
            ChildMsg::Control(Control::Reconfigure { config, reply }) => {
                if state.reject_reloads > 0 {
                    state.reject_reloads -= 1;
                    let _ = reply.send(Err("injected refusal".to_owned()));
                    return Ok(());
                }
                if state.ignore_reloads > 0 {
                    state.ignore_reloads -= 1;
                    state.unanswered.push(reply);
                    return Ok(());
                }
                let result = match (state.section)(&config) {
                    Some(args) => self.0.reconfigure(&mut state.inner, &args),
                    None => Ok(()),
                };
                state.acknowledge(&self.0, result, reply).await
            }
            ChildMsg::Control(Control::Snapshot(reply)) => {
                let _ = reply.send(self.0.preserve(&state.inner));
                Ok(())
            }
            ChildMsg::Control(Control::Restore {
                state: preserved,
                reply,
            }) => {
                let result = self.0.restore(&mut state.inner, preserved);
                state.acknowledge(&self.0, result, reply).await
            }
        }
    }
}

/// The messages of a batch not yet handled. When a handler fails (an error or a panic) the
/// actor stops mid-batch; dropping this puts the rest back at the head of the mailbox, which
/// outlives the actor, so the next incarnation handles them instead of their being lost.
struct Unhandled<M> {
    rest: VecDeque<Queued<M>>,
    returner: Returner<M>,
}

impl<M> Drop for Unhandled<M> {
    fn drop(&mut self) {
        if !self.rest.is_empty() {
            self.returner.put_back(self.rest.drain(..).collect());
        }
    }
}
