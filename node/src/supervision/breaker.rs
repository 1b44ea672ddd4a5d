//! `circuit_breaker`: closed while failures are few, open (no restarts) for `recovery_timeout`
//! after `failure_threshold` of them, half-open for one trial restart.
//!
//! ```text
//!            failure_threshold failures            recovery due
//!  Closed ──────────────────────────────▶ Open ───────────────────▶ HalfOpen
//!    ▲                                     ▲                          │  │
//!    │                                     └────── any failure ───────┘  │
//!    └─────────────── success_threshold passed health checks ────────────┘
//! ```

use std::fmt;
use std::time::Duration;

use alys_config::schema::actors::CircuitBreakerPolicy;
use tokio::time::Instant;

use super::Decision;

/// Where a circuit breaker stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BreakerState {
    /// Failures restart the child at once; `failure_threshold` consecutive ones open the breaker.
    Closed,
    /// The child stays down until the recovery timeout has passed.
    Open,
    /// One trial restart is running; health checks close the breaker, a failure reopens it.
    HalfOpen,
}

impl BreakerState {
    /// The name used in events and logs: `closed`, `open` or `half_open`.
    pub fn as_str(self) -> &'static str {
        match self {
            BreakerState::Closed => "closed",
            BreakerState::Open => "open",
            BreakerState::HalfOpen => "half_open",
        }
    }
}

impl fmt::Display for BreakerState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One change of a breaker's state, for the caller's `breaker` event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerTransition {
    /// State before the change.
    pub from: BreakerState,
    /// State after the change.
    pub to: BreakerState,
    /// The instant passed to the call that caused it.
    pub at: Instant,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Closed {
        failures: u32,
    },
    /// `until: None` when `now + recovery_timeout` does not fit in an `Instant`: never due.
    Open {
        until: Option<Instant>,
    },
    HalfOpen {
        successes: u32,
    },
}

impl Phase {
    fn state(self) -> BreakerState {
        match self {
            Phase::Closed { .. } => BreakerState::Closed,
            Phase::Open { .. } => BreakerState::Open,
            Phase::HalfOpen { .. } => BreakerState::HalfOpen,
        }
    }
}

/// Per-child state of `circuit_breaker`. Thresholds of 0 act as 1.
#[derive(Debug, Clone)]
pub(crate) struct Breaker {
    failure_threshold: u32,
    success_threshold: u32,
    recovery_timeout: Duration,
    phase: Phase,
    /// Trial restarts since the breaker last closed.
    trials: u32,
    transitions: Vec<BreakerTransition>,
}

impl Breaker {
    pub(crate) fn new(policy: &CircuitBreakerPolicy) -> Self {
        Breaker {
            failure_threshold: policy.failure_threshold.max(1),
            success_threshold: policy.success_threshold.max(1),
            recovery_timeout: policy.recovery_timeout,
            phase: Phase::Closed { failures: 0 },
            trials: 0,
            transitions: Vec::new(),
        }
    }

    pub(crate) fn state(&self) -> BreakerState {
        self.phase.state()
    }

    pub(crate) fn on_failure(&mut self, now: Instant) -> Decision {
        match self.phase {
            Phase::Closed { failures } => {
                let failures = failures.saturating_add(1);
                if failures >= self.failure_threshold {
                    return self.open(now);
                }
                self.phase = Phase::Closed { failures };
                Decision::Restart {
                    delay: Duration::ZERO,
                    attempt: failures,
                }
            }
            // A late report about a child that is already down changes nothing.
            Phase::Open { until } => Decision::StayDown { until },
            Phase::HalfOpen { .. } => self.open(now),
        }
    }

    /// A passed health check: in `Closed` it clears the failure count (failures must be
    /// consecutive to open the breaker); in `HalfOpen` it counts towards closing.
    pub(crate) fn on_healthy(&mut self, now: Instant) {
        match self.phase {
            Phase::Closed { .. } => self.phase = Phase::Closed { failures: 0 },
            Phase::Open { .. } => {}
            Phase::HalfOpen { successes } => {
                let successes = successes.saturating_add(1);
                if successes >= self.success_threshold {
                    self.trials = 0;
                    self.move_to(Phase::Closed { failures: 0 }, now);
                } else {
                    self.phase = Phase::HalfOpen { successes };
                }
            }
        }
    }

    /// The trial restart once the recovery timeout has passed; `StayDown` again if asked early;
    /// `None` when the breaker is not open.
    pub(crate) fn on_recovery_due(&mut self, now: Instant) -> Option<Decision> {
        let Phase::Open { until } = self.phase else {
            return None;
        };
        if until.is_none_or(|due| now < due) {
            return Some(Decision::StayDown { until });
        }

        self.trials = self.trials.saturating_add(1);
        self.move_to(Phase::HalfOpen { successes: 0 }, now);
        Some(Decision::Restart {
            delay: Duration::ZERO,
            attempt: self.trials,
        })
    }

    pub(crate) fn take_transitions(&mut self) -> Vec<BreakerTransition> {
        std::mem::take(&mut self.transitions)
    }

    fn open(&mut self, now: Instant) -> Decision {
        let until = now.checked_add(self.recovery_timeout);
        self.move_to(Phase::Open { until }, now);
        Decision::StayDown { until }
    }

    fn move_to(&mut self, next: Phase, now: Instant) {
        let from = self.phase.state();
        self.phase = next;
        self.transitions.push(BreakerTransition {
            from,
            to: next.state(),
            at: now,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TIMEOUT: Duration = Duration::from_secs(30);

    fn breaker(failure_threshold: u32, success_threshold: u32) -> Breaker {
        Breaker::new(&CircuitBreakerPolicy {
            failure_threshold,
            recovery_timeout: TIMEOUT,
            success_threshold,
        })
    }

    #[test]
    fn restarts_at_once_below_the_failure_threshold() {
        let now = Instant::now();
        let mut breaker = breaker(3, 1);

        assert_eq!(
            breaker.on_failure(now),
            Decision::Restart {
                delay: Duration::ZERO,
                attempt: 1
            }
        );
        assert_eq!(breaker.state(), BreakerState::Closed);
        assert!(breaker.take_transitions().is_empty());
    }

    #[test]
    fn opens_at_the_threshold_until_exactly_the_recovery_timeout() {
        let now = Instant::now();
        let mut breaker = breaker(2, 1);
        breaker.on_failure(now);

        assert_eq!(
            breaker.on_failure(now),
            Decision::StayDown {
                until: Some(now + TIMEOUT)
            }
        );
        assert_eq!(
            breaker.take_transitions(),
            [BreakerTransition {
                from: BreakerState::Closed,
                to: BreakerState::Open,
                at: now
            }]
        );
    }

    #[test]
    fn passed_check_while_closed_clears_the_failure_count() {
        let now = Instant::now();
        let mut breaker = breaker(2, 1);

        breaker.on_failure(now);
        breaker.on_healthy(now);
        breaker.on_failure(now);

        assert_eq!(breaker.state(), BreakerState::Closed);
    }

    #[test]
    fn recovery_asked_early_stays_down_and_on_time_gives_one_trial() {
        let now = Instant::now();
        let mut breaker = breaker(1, 1);
        breaker.on_failure(now);

        let early = breaker.on_recovery_due(now + TIMEOUT - Duration::from_millis(1));
        assert_eq!(
            early,
            Some(Decision::StayDown {
                until: Some(now + TIMEOUT)
            })
        );

        let due = breaker.on_recovery_due(now + TIMEOUT);
        assert_eq!(
            due,
            Some(Decision::Restart {
                delay: Duration::ZERO,
                attempt: 1
            })
        );
        assert_eq!(breaker.state(), BreakerState::HalfOpen);
        assert_eq!(breaker.on_recovery_due(now + TIMEOUT), None);
    }

    #[test]
    fn success_threshold_checks_close_the_half_open_breaker() {
        let now = Instant::now();
        let mut breaker = breaker(1, 2);
        breaker.on_failure(now);
        breaker.on_recovery_due(now + TIMEOUT);

        breaker.on_healthy(now + TIMEOUT);
        assert_eq!(breaker.state(), BreakerState::HalfOpen);
        breaker.on_healthy(now + TIMEOUT);

        assert_eq!(breaker.state(), BreakerState::Closed);
        let states: Vec<_> = breaker.take_transitions().iter().map(|t| t.to).collect();
        assert_eq!(
            states,
            [
                BreakerState::Open,
                BreakerState::HalfOpen,
                BreakerState::Closed
            ]
        );
    }

    #[test]
    fn failure_in_half_open_reopens_for_a_full_timeout() {
        let now = Instant::now();
        let mut breaker = breaker(1, 2);
        breaker.on_failure(now);
        let trial_at = now + TIMEOUT;
        breaker.on_recovery_due(trial_at);

        let failed_at = trial_at + Duration::from_secs(3);
        assert_eq!(
            breaker.on_failure(failed_at),
            Decision::StayDown {
                until: Some(failed_at + TIMEOUT)
            }
        );
        assert_eq!(breaker.state(), BreakerState::Open);
    }

    #[test]
    fn zero_thresholds_act_as_one() {
        let now = Instant::now();
        let mut breaker = breaker(0, 0);

        assert!(matches!(breaker.on_failure(now), Decision::StayDown { .. }));
        breaker.on_recovery_due(now + TIMEOUT);
        breaker.on_healthy(now + TIMEOUT);

        assert_eq!(breaker.state(), BreakerState::Closed);
    }

    #[test]
    fn recovery_timeout_past_the_end_of_time_never_comes_due() {
        let now = Instant::now();
        let mut breaker = Breaker::new(&CircuitBreakerPolicy {
            failure_threshold: 1,
            recovery_timeout: Duration::MAX,
            success_threshold: 1,
        });

        assert_eq!(breaker.on_failure(now), Decision::StayDown { until: None });
        assert_eq!(
            breaker.on_recovery_due(now + TIMEOUT),
            Some(Decision::StayDown { until: None })
        );
    }
}
