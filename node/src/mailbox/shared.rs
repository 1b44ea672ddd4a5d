//! The state a mailbox's senders and receiver share: the lanes behind one lock, the two wake-up
//! signals, the doorbell, the counters and the dead letters.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use alys_config::schema::actors::BackpressureStrategy;
use tokio::sync::Notify;
use tokio::time::Instant;

use super::dead_letter::{DeadLetterReason, DeadLetters};
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
    /// Wakes senders waiting for room (`block`); notified once per ordinary message taken.
    pub(crate) room: Notify,
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
    /// Senders counted while they wait for room; a newcomer queues behind them.
    blocked: usize,
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
    /// Not queued: no room now, or (`wait`) senders are already waiting for it.
    NoRoom(M),
    /// Not queued: the receiver closed the mailbox or went away.
    Closed(M),
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
                blocked: 0,
                rung: false,
                waker: None,
                high_water: 0,
            }),
            settings,
            arrival: Notify::new(),
            room: Notify::new(),
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

    /// Tries to queue `msg` in `lane`. `wait`: the caller is a `block` sender that waits for
    /// room; `already_waiting`: it is counted in `blocked` from an earlier attempt.
    pub(crate) fn offer(&self, msg: M, lane: usize, wait: bool, already_waiting: bool) -> Offer<M> {
        let mut state = self.lock();
        if state.closed {
            state.blocked -= usize::from(already_waiting);
            return Offer::Closed(msg);
        }
        let capacity = self.settings.capacity;
        let has_room = state.lanes.len() < capacity;
        // A newcomer lets senders that already wait go first.
        let my_turn = !wait || already_waiting || state.blocked == 0;
        let evicted = if has_room && my_turn {
            None
        } else {
            match self.settings.backpressure {
                BackpressureStrategy::DropOldest if !has_room => state.lanes.evict_oldest(),
                BackpressureStrategy::DropNewest if !has_room => {
                    return Offer::DroppedNewest(msg);
                }
                _ => {
                    if wait && !already_waiting {
                        state.blocked += 1;
                    }
                    return Offer::NoRoom(msg);
                }
            }
        };
        state.blocked -= usize::from(already_waiting);
        let item = Queued {
            msg,
            priority: Priority(lane as u8),
            system: false,
            enqueued_at: Instant::now(),
        };
        let pushed = self.push(&mut state, item);
        let baton = state.blocked > 0 && state.lanes.len() < capacity;
        drop(state);

        if baton {
            self.room.notify_one();
        }
        self.after_push(pushed);
        Offer::Queued { evicted }
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
        let free_sender = !item.system && state.blocked > 0;
        drop(state);

        Counters::bump(&self.counters.delivered);
        if free_sender {
            self.room.notify_one();
        }
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
        let freed = taken
            .iter()
            .filter(|q| !q.system)
            .count()
            .min(state.blocked);
        drop(state);

        let count = taken.len() as u64;
        self.counters.delivered.fetch_add(count, Ordering::Relaxed);
        for _ in 0..freed {
            self.room.notify_one();
        }
        Taken::Got(taken)
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
    pub(crate) fn stop_waiting(&self) {
        let mut state = self.lock();
        state.blocked -= 1;
        let baton = state.blocked > 0 && state.lanes.len() < self.settings.capacity;
        drop(state);
        if baton {
            self.room.notify_one();
        }
    }

    /// Refuses further sends and wakes waiting senders, who get their messages back.
    pub(crate) fn close(&self) {
        self.lock().closed = true;
        self.room.notify_waiters();
    }

    /// Closes the mailbox and turns what is still queued into dead letters (reason `closed`).
    pub(crate) fn close_and_discard(&self) {
        let mut state = self.lock();
        state.closed = true;
        let mut left: Vec<Queued<M>> = state.system.drain(..).collect();
        left.extend(state.lanes.drain_all());
        drop(state);

        self.room.notify_waiters();
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
