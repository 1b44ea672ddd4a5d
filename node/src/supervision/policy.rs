//! [`RestartPolicy`]: one child's restart strategy as a state machine fed with explicit instants.

use std::time::Duration;

use alys_config::schema::actors::RestartStrategy;
use tokio::time::Instant;

use super::backoff::Backoff;
use super::breaker::{Breaker, BreakerState, BreakerTransition};
use super::escalation::{restart_count, Escalation};
use super::jitter::Jitter;
use super::window::{Admission, RestartWindow};

/// What the supervisor does about one failure of a child.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Start the child again after `delay` (zero: at once).
    Restart {
        /// Wait before the restart, jitter included.
        delay: Duration,
        /// Which restart this is: within the window (OTP strategies), since the last healthy
        /// stretch (`exponential_backoff`), consecutive failure or trial (`circuit_breaker`).
        attempt: u32,
    },
    /// Give up on the child: stop the tree and exit (see [`RestartPolicy::escalation`]).
    Escalate {
        /// Why, for logs: `3 restarts within 60s`, `10 consecutive restarts`.
        reason: String,
    },
    /// The breaker is open: leave the child down and call [`RestartPolicy::on_recovery_due`] at
    /// `until`. `None`: no trial is ever due (the timeout does not fit in an `Instant`).
    StayDown {
        /// When a trial restart is due.
        until: Option<Instant>,
    },
    /// Strategy `never`: the child stays down for good, the node runs on degraded.
    Never,
}

/// One child's restart strategy and the memory of its failures.
///
/// The caller reports the child's life — [`on_started`](Self::on_started) at every start,
/// [`on_failure`](Self::on_failure) for a panic, a returned error or a failed health check,
/// [`on_healthy`](Self::on_healthy) for a passed health check — and acts on the decisions. No
/// call reads the clock; the same calls with the same instants give the same decisions.
#[derive(Debug, Clone)]
pub struct RestartPolicy {
    strategy: &'static str,
    rule: Rule,
}

#[derive(Debug, Clone)]
enum Rule {
    Window(RestartWindow),
    Backoff(Backoff),
    Breaker(Breaker),
    Never,
}

impl RestartPolicy {
    /// The state machine of `strategy`, with no failures yet. `jitter` spreads backoff delays
    /// and is ignored by the strategies that restart at once.
    pub fn new(strategy: &RestartStrategy, jitter: Jitter) -> Self {
        let rule = match strategy {
            RestartStrategy::OneForOne(limit)
            | RestartStrategy::OneForAll(limit)
            | RestartStrategy::RestForOne(limit) => {
                Rule::Window(RestartWindow::new(limit.max_retries, limit.within_time))
            }
            RestartStrategy::ExponentialBackoff(policy) => {
                Rule::Backoff(Backoff::new(policy, jitter))
            }
            RestartStrategy::CircuitBreaker(policy) => Rule::Breaker(Breaker::new(policy)),
            RestartStrategy::Never {} => Rule::Never,
        };
        RestartPolicy {
            strategy: strategy.kind(),
            rule,
        }
    }

    /// The strategy's `type` tag (`one_for_one` ...).
    pub fn strategy(&self) -> &'static str {
        self.strategy
    }

    /// The child started (first start or restart) at `now`; backoff measures healthy stretches
    /// from here.
    pub fn on_started(&mut self, now: Instant) {
        if let Rule::Backoff(backoff) = &mut self.rule {
            backoff.on_started(now);
        }
    }

    /// The child failed at `now`.
    ///
    /// - OTP strategies: `Restart` at once while the window of `within_time` holds fewer than
    ///   `max_retries` restarts, else `Escalate`.
    /// - `exponential_backoff`: `Restart` after `initial_delay × multiplier^(attempt-1)`,
    ///   capped at `max_delay`, then jittered; the failure after `max_retries` restarts
    ///   escalates.
    /// - `circuit_breaker`: `Restart` at once while closed; the `failure_threshold`-th
    ///   consecutive failure, or any failure while half-open, opens it: `StayDown`.
    /// - `never`: `Never`, every time.
    pub fn on_failure(&mut self, now: Instant) -> Decision {
        match &mut self.rule {
            Rule::Window(window) => match window.admit(now) {
                Admission::Admitted { restarts_in_window } => Decision::Restart {
                    delay: Duration::ZERO,
                    attempt: restarts_in_window,
                },
                Admission::Exceeded { restarts_in_window } => Decision::Escalate {
                    reason: restart_count(restarts_in_window, Some(window.within())),
                },
            },
            Rule::Backoff(backoff) => backoff.on_failure(now),
            Rule::Breaker(breaker) => breaker.on_failure(now),
            Rule::Never => Decision::Never,
        }
    }

    /// The child passed a health check at `now`. Backoff resets after a healthy stretch of
    /// `max_delay` since the last start; a closed breaker forgets its failures; a half-open
    /// breaker counts towards `success_threshold`. The OTP strategies ignore it: their window
    /// slides by time alone.
    pub fn on_healthy(&mut self, now: Instant) {
        match &mut self.rule {
            Rule::Backoff(backoff) => backoff.on_healthy(now),
            Rule::Breaker(breaker) => breaker.on_healthy(now),
            Rule::Window(_) | Rule::Never => {}
        }
    }

    /// The `until` of a `StayDown` has come. An open breaker whose timeout has passed goes
    /// half-open and answers one trial `Restart`; asked early it answers `StayDown` again.
    /// `None`: no recovery is pending (not a breaker, or the breaker is not open).
    pub fn on_recovery_due(&mut self, now: Instant) -> Option<Decision> {
        match &mut self.rule {
            Rule::Breaker(breaker) => breaker.on_recovery_due(now),
            _ => None,
        }
    }

    /// The breaker's state; `None` for strategies without one.
    pub fn breaker_state(&self) -> Option<BreakerState> {
        match &self.rule {
            Rule::Breaker(breaker) => Some(breaker.state()),
            _ => None,
        }
    }

    /// Breaker changes since the last call, oldest first, for the caller to record; empty for
    /// strategies without a breaker.
    pub fn take_transitions(&mut self) -> Vec<BreakerTransition> {
        match &mut self.rule {
            Rule::Breaker(breaker) => breaker.take_transitions(),
            _ => Vec::new(),
        }
    }

    /// The escalation report for `child` after an `Escalate` decision, with the restart count
    /// as it stood at that failure.
    pub fn escalation(
        &self,
        child: impl Into<String>,
        last_error: impl Into<String>,
    ) -> Escalation {
        let (restarts_in_window, window) = match &self.rule {
            Rule::Window(w) => (w.restarts_in_window(), Some(w.within())),
            Rule::Backoff(backoff) => (backoff.attempt(), None),
            Rule::Breaker(_) | Rule::Never => (0, None),
        };
        Escalation {
            child: child.into(),
            strategy: self.strategy,
            last_error: last_error.into(),
            restarts_in_window,
            window,
        }
    }
}

#[cfg(test)]
mod tests {
    use alys_config::schema::actors::RestartLimit;

    use super::*;

    fn one_for_one(max_retries: u32, within_secs: u64) -> RestartPolicy {
        let limit = RestartLimit {
            max_retries,
            within_time: Duration::from_secs(within_secs),
        };
        RestartPolicy::new(&RestartStrategy::OneForOne(limit), Jitter::None)
    }

    #[test]
    fn otp_strategy_restarts_at_once_and_numbers_the_attempts() {
        let now = Instant::now();
        let mut policy = one_for_one(2, 60);

        assert_eq!(
            policy.on_failure(now),
            Decision::Restart {
                delay: Duration::ZERO,
                attempt: 1
            }
        );
        assert_eq!(
            policy.on_failure(now),
            Decision::Restart {
                delay: Duration::ZERO,
                attempt: 2
            }
        );
    }

    #[test]
    fn otp_escalation_reason_and_report_carry_the_window() {
        let now = Instant::now();
        let mut policy = one_for_one(1, 60);
        policy.on_failure(now);

        assert_eq!(
            policy.on_failure(now),
            Decision::Escalate {
                reason: "1 restart within 60s".to_owned()
            }
        );
        assert_eq!(
            policy.escalation("chain", "boom").to_string(),
            "actor `chain` escalated after 1 restart within 60s (one_for_one): boom"
        );
    }

    #[test]
    fn strategies_without_a_breaker_report_none_and_no_transitions() {
        let now = Instant::now();
        let mut policy = one_for_one(3, 60);

        assert_eq!(policy.breaker_state(), None);
        assert_eq!(policy.on_recovery_due(now), None);
        assert!(policy.take_transitions().is_empty());
    }

    #[test]
    fn never_says_never_every_time() {
        let now = Instant::now();
        let mut policy = RestartPolicy::new(&RestartStrategy::Never {}, Jitter::None);

        for _ in 0..3 {
            assert_eq!(policy.on_failure(now), Decision::Never);
        }
        assert_eq!(policy.strategy(), "never");
    }
}
