//! Priorities, the queued message, and the lanes that decide which message is delivered next.

use std::collections::VecDeque;

use alys_config::schema::actors::PriorityAlgorithm;
use serde::Serialize;
use tokio::time::Instant;

use super::settings::PrioritySettings;

/// Priority of a message: 0 is the highest lane. A value past the mailbox's last lane means the
/// last lane; [`Priority::DEFAULT`] means the mailbox's configured default lane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Priority(pub u8);

impl Priority {
    /// The first lane, served before every other.
    pub const HIGHEST: Priority = Priority(0);

    /// The mailbox's `default_priority`. It is 255, which no lane can be: lanes number at most
    /// 255, so the last possible lane is 254.
    pub const DEFAULT: Priority = Priority(u8::MAX);

    /// The lane this priority lands in under `settings`, as a priority.
    pub(crate) fn resolve(self, settings: &PrioritySettings) -> Priority {
        if !settings.enabled {
            return Priority::HIGHEST;
        }
        let last = settings.levels.saturating_sub(1);
        let wanted = if self == Priority::DEFAULT {
            settings.default_priority
        } else {
            self.0
        };
        Priority(wanted.min(last))
    }
}

/// A message as the receiver gets it.
#[derive(Debug)]
pub struct Queued<M> {
    /// The message.
    pub msg: M,
    /// The lane it waited in; [`Priority::HIGHEST`] for system messages.
    pub priority: Priority,
    /// Sent with `send_system`: delivered before every ordinary message, never dropped.
    pub system: bool,
    /// When the mailbox accepted it.
    pub enqueued_at: Instant,
}

/// Ordinary messages, one FIFO per lane, and the scheduler's position.
#[derive(Debug)]
pub(crate) struct Lanes<M> {
    lanes: Vec<VecDeque<Queued<M>>>,
    algorithm: PriorityAlgorithm,
    len: usize,
    /// Lane whose turn it is (`round_robin`, `weighted_fair`).
    cursor: usize,
    /// Messages the cursor lane may still deliver in this round (`weighted_fair`).
    credit: usize,
}

impl<M> Lanes<M> {
    /// `levels` empty lanes (at least one) served by `algorithm`.
    pub(crate) fn new(levels: usize, algorithm: PriorityAlgorithm) -> Lanes<M> {
        let levels = levels.max(1);
        Lanes {
            lanes: (0..levels).map(|_| VecDeque::new()).collect(),
            algorithm,
            len: 0,
            cursor: 0,
            credit: levels,
        }
    }

    /// Messages in every lane together.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Appends `item` to `lane` (clamped to the last lane).
    pub(crate) fn push(&mut self, lane: usize, item: Queued<M>) {
        let lane = lane.min(self.lanes.len() - 1);
        self.lanes[lane].push_back(item);
        self.len += 1;
    }

    /// Puts `item` back at the head of `lane` (clamped to the last lane).
    pub(crate) fn push_front(&mut self, lane: usize, item: Queued<M>) {
        let lane = lane.min(self.lanes.len() - 1);
        self.lanes[lane].push_front(item);
        self.len += 1;
    }

    /// The next message the algorithm picks; FIFO within a lane.
    pub(crate) fn pop(&mut self) -> Option<Queued<M>> {
        if self.len == 0 {
            return None;
        }
        let lane = match self.algorithm {
            PriorityAlgorithm::Strict => self.lanes.iter().position(|l| !l.is_empty())?,
            PriorityAlgorithm::RoundRobin => self.next_round_robin(),
            PriorityAlgorithm::WeightedFair => self.next_weighted(),
        };
        let item = self.lanes[lane].pop_front()?;
        self.len -= 1;
        if self.len == 0 {
            // An idle mailbox starts its next busy spell at lane 0, so order after a lull does
            // not depend on where the previous spell stopped.
            self.cursor = 0;
            self.credit = self.weight(0);
        }
        Some(item)
    }

    /// Removes the oldest message of the lowest-priority non-empty lane (`drop_oldest`).
    pub(crate) fn evict_oldest(&mut self) -> Option<Queued<M>> {
        let lane = self.lanes.iter().rposition(|l| !l.is_empty())?;
        let item = self.lanes[lane].pop_front()?;
        self.len -= 1;
        Some(item)
    }

    /// Removes every message, highest lane first.
    pub(crate) fn drain_all(&mut self) -> Vec<Queued<M>> {
        self.len = 0;
        self.lanes.iter_mut().flat_map(|l| l.drain(..)).collect()
    }

    /// Lane `i`'s share under `weighted_fair`: `levels - i` messages per round.
    fn weight(&self, lane: usize) -> usize {
        self.lanes.len() - lane
    }

    /// One message from each non-empty lane in turn, starting at the cursor.
    fn next_round_robin(&mut self) -> usize {
        let n = self.lanes.len();
        let lane = (0..n)
            .map(|step| (self.cursor + step) % n)
            .find(|&lane| !self.lanes[lane].is_empty())
            .unwrap_or(self.cursor);
        self.cursor = (lane + 1) % n;
        lane
    }

    /// Deficit round robin with a quantum of `weight(lane)` and a cost of one per message; a
    /// lane that runs empty forfeits the rest of its turn.
    fn next_weighted(&mut self) -> usize {
        let n = self.lanes.len();
        // At most one full round: `len > 0` guarantees some lane is non-empty and every lane
        // receives a positive quantum when the cursor reaches it.
        for _ in 0..=n {
            if self.credit > 0 && !self.lanes[self.cursor].is_empty() {
                self.credit -= 1;
                return self.cursor;
            }
            self.cursor = (self.cursor + 1) % n;
            self.credit = self.weight(self.cursor);
        }
        self.cursor
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(lane: u8, msg: usize) -> Queued<usize> {
        Queued {
            msg,
            priority: Priority(lane),
            system: false,
            enqueued_at: Instant::now(),
        }
    }

    fn flooded(levels: usize, algorithm: PriorityAlgorithm, per_lane: usize) -> Lanes<usize> {
        let mut lanes = Lanes::new(levels, algorithm);
        for n in 0..per_lane {
            for lane in 0..levels {
                lanes.push(lane, item(lane as u8, lane * 1000 + n));
            }
        }
        lanes
    }

    fn lane_order(lanes: &mut Lanes<usize>, count: usize) -> Vec<u8> {
        (0..count)
            .filter_map(|_| lanes.pop())
            .map(|q| q.priority.0)
            .collect()
    }

    #[test]
    fn strict_serves_the_highest_non_empty_lane_first() {
        let mut lanes = flooded(3, PriorityAlgorithm::Strict, 2);
        assert_eq!(lane_order(&mut lanes, 6), [0, 0, 1, 1, 2, 2]);
        assert!(lanes.pop().is_none());
    }

    #[test]
    fn round_robin_takes_one_message_per_non_empty_lane_in_turn() {
        let mut lanes = flooded(3, PriorityAlgorithm::RoundRobin, 2);
        lanes.push(1, item(1, 1002));
        assert_eq!(lane_order(&mut lanes, 7), [0, 1, 2, 0, 1, 2, 1]);
    }

    #[test]
    fn weighted_fair_gives_lane_i_levels_minus_i_turns_per_round() {
        let mut lanes = flooded(3, PriorityAlgorithm::WeightedFair, 10);
        assert_eq!(
            lane_order(&mut lanes, 12),
            [0, 0, 0, 1, 1, 2, 0, 0, 0, 1, 1, 2]
        );
    }

    #[test]
    fn weighted_fair_skips_empty_lanes_without_losing_order_within_a_lane() {
        let mut lanes = flooded(4, PriorityAlgorithm::WeightedFair, 1);
        let order: Vec<usize> = std::iter::from_fn(|| lanes.pop()).map(|q| q.msg).collect();
        assert_eq!(order, [0, 1000, 2000, 3000]);

        let mut lanes = flooded(2, PriorityAlgorithm::WeightedFair, 3);
        let order: Vec<usize> = std::iter::from_fn(|| lanes.pop()).map(|q| q.msg).collect();
        assert_eq!(order, [0, 1, 1000, 2, 1001, 1002]);
    }

    #[test]
    fn scheduler_restarts_at_lane_zero_after_the_mailbox_empties() {
        let mut lanes = Lanes::new(3, PriorityAlgorithm::RoundRobin);
        lanes.push(0, item(0, 1));
        lanes.push(1, item(1, 1001));
        assert_eq!(lane_order(&mut lanes, 2), [0, 1]);

        // Had the empty mailbox not reset it, the cursor would now point at lane 2.
        lanes.push(2, item(2, 2001));
        lanes.push(0, item(0, 2));
        assert_eq!(lane_order(&mut lanes, 2), [0, 2]);
    }

    #[test]
    fn eviction_takes_the_oldest_of_the_lowest_non_empty_lane() {
        let mut lanes = flooded(3, PriorityAlgorithm::Strict, 2);
        assert_eq!(lanes.evict_oldest().map(|q| q.msg), Some(2000));
        assert_eq!(lanes.evict_oldest().map(|q| q.msg), Some(2001));
        assert_eq!(lanes.evict_oldest().map(|q| q.msg), Some(1000));
        assert_eq!(lanes.len(), 3);
    }

    #[test]
    fn priorities_clamp_to_the_last_lane_and_default_resolves_from_settings() {
        let settings = PrioritySettings {
            enabled: true,
            levels: 4,
            default_priority: 2,
            algorithm: PriorityAlgorithm::Strict,
        };
        assert_eq!(Priority(0).resolve(&settings), Priority(0));
        assert_eq!(Priority(9).resolve(&settings), Priority(3));
        assert_eq!(Priority::DEFAULT.resolve(&settings), Priority(2));

        let one_lane = PrioritySettings {
            enabled: false,
            ..settings
        };
        assert_eq!(Priority(3).resolve(&one_lane), Priority::HIGHEST);
    }
}
