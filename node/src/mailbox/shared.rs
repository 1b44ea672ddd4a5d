//! The state a mailbox's senders and receiver share: the lanes and the line of blocked senders
//! behind one lock, the receiver's wake-up, the doorbell, the counters and the dead letters.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use alys_config::schema::actors::BackpressureStrategy;
use tokio::sync::Notify;
use tokio::time::Instant;

use super::dead_letter::{DeadLetterReason, DeadLetters};
use super::line::{Line, Ticket};
use super::metrics::{Counters, MailboxMetrics};
use super::queue::{Lanes, Priority, Queued};
use super::settings::MailboxSettings;

/// The doorbell: called once when work arrives for a receiver that asked to be told.
pub(crate) type Waker = Arc<dyn Fn() + Send + Sync>;

/// Everything behind one mailbox.
pub(crate) struct Shared<M> {
    pub(crate) settings: MailboxSettings,
    state: Mutex<State<M>>,
    /// Wakes a receiver waiting in `recv` or `recv_batch`; notified when a message lands in an
    /// empty mailbox and when the last sender goes.
    pub(crate) arrival: Notify,
    pub(crate) counters: Counters,
    pub(crate) dead: DeadLetters,
    /// Live [`crate::mailbox::MailboxSender`]s; at 0 the receiver sees the end once empty.
    pub(crate) senders: AtomicUsize,
    describe: fn(&M) -> String,
}

/// What sits behind the lock.
struct State<M> {
    system: VecDeque<Queued<M>>,
    lanes: Lanes<M>,
    closed: bool,
    /// `block` senders waiting for room; a newcomer queues behind them.
    line: Line,
    /// A doorbell has rung and the receiver has not yet found the mailbox empty since.
    rung: bool,
    waker: Option<Waker>,
    high_water: usize,
}

impl<M> State<M> {
    fn len(&self) -> usize {
        self.system.len() + self.lanes.len()
    }
}

/// What an attempt to queue an ordinary message came to.
pub(crate) enum Offer<M> {
    /// Queued, perhaps at the cost of an older message.
    Queued {
        /// The message evicted to make room (`drop_oldest`).
        evicted: Option<Queued<M>>,
    },
    /// Not queued: the mailbox is full and drops new messages (`drop_newest`).
    DroppedNewest(M),
    /// Not queued: no room now, or other senders wait for it first. A sender that joined the
    /// line gets its ticket.
    NoRoom(M, Option<Ticket>),
    /// Not queued: the receiver closed the mailbox or went away.
    Closed(M),
}

/// How a sender stands towards `block` senders waiting for room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Turn {
    /// Takes room if there is any, waiting senders or not (`try_send`, non-`block` strategies).
    Barge,
    /// A `block` sender's first try: takes room only if nobody waits, else joins the line.
    Join,
    /// A `block` sender in line with this ticket: takes room when first in line.
    Waiting(u64),
}

/// Side effects of a push, carried out after the lock is released.
struct Pushed {
    was_empty: bool,
    ring: Option<Waker>,
}

/// What a receiver found.
pub(crate) enum Taken<T> {
    /// A message, or a non-empty batch.
    Got(T),
    /// Nothing now; more may come.
    Empty,
    /// Nothing, and nothing will come: closed, or every sender gone.
    Finished,
}

impl<M> Shared<M> {
    /// A mailbox named `name`; `describe` renders a message for its dead letter.
    pub(crate) fn new(name: &str, settings: MailboxSettings, describe: fn(&M) -> String) -> Self {
        let settings = settings.normalised();
        let priorities = settings.priorities;
        Shared {
            dead: DeadLetters::new(name, settings.dead_letters.clone()),
            state: Mutex::new(State {
                system: VecDeque::new(),
                lanes: Lanes::new(usize::from(priorities.levels), priorities.algorithm),
                closed: false,
                line: Line::default(),
                rung: false,
                waker: None,
                high_water: 0,
            }),
            settings,
            arrival: Notify::new(),
            counters: Counters::default(),
            senders: AtomicUsize::new(1),
            describe,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<M>> {
        // A panic while holding the lock cannot leave the lanes half-updated: every change
        // under it is a single push or pop.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Tries to queue `msg` in the lane of `priority` (already resolved to a lane).
    pub(crate) fn offer(&self, msg: M, priority: Priority, turn: Turn) -> Offer<M> {
        let mut state = self.lock();
        if state.closed {
            if let Turn::Waiting(id) = turn {
                state.line.leave(id);
            }
            return Offer::Closed(msg);
        }
        let has_room = state.lanes.len() < self.settings.capacity;
        let my_turn = match turn {
            Turn::Barge => true,
            Turn::Join => state.line.is_empty(),
            Turn::Waiting(id) => state.line.is_first(id),
        };
        let evicted = if has_room && my_turn {
            None
        } else {
            match self.settings.backpressure {
                BackpressureStrategy::DropOldest if !has_room => state.lanes.evict_oldest(),
                BackpressureStrategy::DropNewest if !has_room => {
                    return Offer::DroppedNewest(msg);
                }
                _ => {
                    let ticket = (turn == Turn::Join).then(|| state.line.join());
                    return Offer::NoRoom(msg, ticket);
                }
            }
        };
        if let Turn::Waiting(id) = turn {
            state.line.leave(id);
        }
        let item = Queued {
            msg,
            priority,
            system: false,
            enqueued_at: Instant::now(),
        };
        let pushed = self.push(&mut state, item);
        self.pass_turn(&state);
        drop(state);

        self.after_push(pushed);
        Offer::Queued { evicted }
    }

    /// Offers free room to the first sender in line.
    fn pass_turn(&self, state: &State<M>) {
        if state.lanes.len() < self.settings.capacity {
            state.line.wake_first();
        }
    }

    /// Queues a system message; `Err` hands it back when the mailbox is closed.
    pub(crate) fn offer_system(&self, msg: M) -> Result<(), M> {
        let mut state = self.lock();
        if state.closed {
            return Err(msg);
        }
        let item = Queued {
            msg,
            priority: Priority::HIGHEST,
            system: true,
            enqueued_at: Instant::now(),
        };
        let pushed = self.push(&mut state, item);
        drop(state);
        self.after_push(pushed);
        Ok(())
    }

    fn push(&self, state: &mut State<M>, item: Queued<M>) -> Pushed {
        let was_empty = state.len() == 0;
        if item.system {
            state.system.push_back(item);
        } else {
            let lane = usize::from(item.priority.0);
            state.lanes.push(lane, item);
        }
        state.high_water = state.high_water.max(state.len());
        Counters::bump(&self.counters.enqueued);
        Pushed {
            was_empty,
            ring: self.ring(state),
        }
    }

    fn after_push(&self, pushed: Pushed) {
        if pushed.was_empty {
            self.arrival.notify_one();
        }
        if let Some(waker) = pushed.ring {
            waker();
        }
    }

    /// Arms the doorbell when it may ring: a waker is set and none is outstanding.
    fn ring(&self, state: &mut State<M>) -> Option<Waker> {
        if state.rung || state.len() == 0 {
            return None;
        }
        let waker = state.waker.clone()?;
        state.rung = true;
        Some(waker)
    }

    /// Takes the next message, system lane first. Finding none re-arms the doorbell: the
    /// receiver has seen the mailbox empty.
    pub(crate) fn take_one(&self) -> Taken<Queued<M>> {
        let mut state = self.lock();
        let Some(item) = state.system.pop_front().or_else(|| state.lanes.pop()) else {
            return self.nothing(&mut state);
        };
        if !item.system {
            self.pass_turn(&state);
        }
        drop(state);

        Counters::bump(&self.counters.delivered);
        Taken::Got(item)
    }

    /// Takes up to `max` messages under one lock, system lane first. Finding fewer than `max`
    /// re-arms the doorbell.
    pub(crate) fn take(&self, max: usize) -> Taken<Vec<Queued<M>>> {
        let mut state = self.lock();
        let mut taken = Vec::new();
        while taken.len() < max {
            match state.system.pop_front().or_else(|| state.lanes.pop()) {
                Some(item) => taken.push(item),
                None => break,
            }
        }
        if taken.is_empty() {
            return self.nothing(&mut state);
        }
        if taken.len() < max {
            state.rung = false;
        }
        self.pass_turn(&state);
        drop(state);

        let count = taken.len() as u64;
        self.counters.delivered.fetch_add(count, Ordering::Relaxed);
        Taken::Got(taken)
    }

    /// Puts messages that were taken but not handled back at the head of their lanes, in their
    /// order, so that the next take delivers them first; they no longer count as delivered.
    pub(crate) fn put_back(&self, items: Vec<Queued<M>>) {
        if items.is_empty() {
            return;
        }
        let count = items.len() as u64;
        let mut state = self.lock();
        for item in items.into_iter().rev() {
            if item.system {
                state.system.push_front(item);
            } else {
                let lane = usize::from(item.priority.0);
                state.lanes.push_front(lane, item);
            }
        }
        state.high_water = state.high_water.max(state.len());
        drop(state);
        self.counters.delivered.fetch_sub(count, Ordering::Relaxed);
        self.arrival.notify_one();
    }

    /// The answer for an empty mailbox; re-arms the doorbell.
    fn nothing<T>(&self, state: &mut State<M>) -> Taken<T> {
        state.rung = false;
        if state.closed || self.senders.load(Ordering::Acquire) == 0 {
            Taken::Finished
        } else {
            Taken::Empty
        }
    }

    /// Installs the doorbell; rings at once when messages are already waiting.
    pub(crate) fn set_waker(&self, waker: Waker) {
        let mut state = self.lock();
        state.waker = Some(waker);
        let ring = self.ring(&mut state);
        drop(state);
        if let Some(waker) = ring {
            waker();
        }
    }

    /// The receiver asks for a doorbell: now when messages wait, else on the next arrival.
    pub(crate) fn rearm(&self) {
        let mut state = self.lock();
        state.rung = false;
        let ring = self.ring(&mut state);
        drop(state);
        if let Some(waker) = ring {
            waker();
        }
    }

    /// A sender that waited in vain leaves the line, passing its turn on if room appeared.
    pub(crate) fn leave_line(&self, id: u64) {
        let mut state = self.lock();
        state.line.leave(id);
        self.pass_turn(&state);
    }

    /// Refuses further sends and wakes waiting senders, who get their messages back.
    pub(crate) fn close(&self) {
        let mut state = self.lock();
        state.closed = true;
        state.line.wake_all();
    }

    /// Closes the mailbox and turns what is still queued into dead letters (reason `closed`).
    pub(crate) fn close_and_discard(&self) {
        let mut state = self.lock();
        state.closed = true;
        let mut left: Vec<Queued<M>> = state.system.drain(..).collect();
        left.extend(state.lanes.drain_all());
        state.line.wake_all();
        drop(state);

        for item in left {
            self.dead_letter(
                DeadLetterReason::Closed,
                item.priority,
                item.system,
                &item.msg,
            );
        }
    }

    /// Counts a dead letter and, when dead letters are kept, records it.
    pub(crate) fn dead_letter(
        &self,
        reason: DeadLetterReason,
        priority: Priority,
        system: bool,
        msg: &M,
    ) {
        Counters::bump(&self.counters.dead_letters);
        if self.dead.enabled() {
            self.dead
                .record(reason, priority, system, (self.describe)(msg));
        }
    }

    /// The counters with the current depth.
    pub(crate) fn metrics(&self) -> MailboxMetrics {
        let (depth, high_water) = {
            let state = self.lock();
            (state.len(), state.high_water)
        };
        self.counters.snapshot(depth, high_water)
    }
}
