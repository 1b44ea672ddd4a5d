//! `exponential_backoff`: restart delays that grow with each consecutive failure, reset by a
//! stretch of healthy running.

use std::time::Duration;

use alys_config::schema::actors::BackoffPolicy;
use tokio::time::Instant;

use super::escalation::restart_count;
use super::jitter::{scaled, Jitter, JitterSource};
use super::Decision;

/// Per-child state of `exponential_backoff`.
///
/// A *healthy stretch* is a run of at least `max_delay` since the child last started, ended by
/// a passed health check or by the next failure. It sets the count back to zero, so a child that
/// fails after running an hour waits `initial_delay`, not the delay of a crash loop a day ago.
/// A passed check sooner than `max_delay` does not reset: a child that starts, passes one check
/// and dies would otherwise restart at `initial_delay` forever and never escalate.
#[derive(Debug, Clone)]
pub(crate) struct Backoff {
    policy: BackoffPolicy,
    jitter: JitterSource,
    /// Restarts since the last reset.
    attempt: u32,
    /// When the child last started, if it has not failed since.
    started: Option<Instant>,
}

impl Backoff {
    pub(crate) fn new(policy: &BackoffPolicy, jitter: Jitter) -> Self {
        Backoff {
            policy: policy.clone(),
            jitter: JitterSource::new(jitter),
            attempt: 0,
            started: None,
        }
    }

    pub(crate) fn on_started(&mut self, now: Instant) {
        self.started = Some(now);
    }

    pub(crate) fn on_healthy(&mut self, now: Instant) {
        if self.ran_a_healthy_stretch(now) {
            self.attempt = 0;
        }
    }

    pub(crate) fn on_failure(&mut self, now: Instant) -> Decision {
        if self.ran_a_healthy_stretch(now) {
            self.attempt = 0;
        }
        self.started = None;

        if self.attempt >= self.policy.max_retries {
            return Decision::Escalate {
                reason: restart_count(self.attempt, None),
            };
        }

        self.attempt += 1;
        let delay = self
            .jitter
            .apply(self.delay_of(self.attempt), self.policy.max_delay);
        Decision::Restart {
            delay,
            attempt: self.attempt,
        }
    }

    /// Restarts since the last reset.
    pub(crate) fn attempt(&self) -> u32 {
        self.attempt
    }

    /// `initial_delay × multiplier^(attempt - 1)`, capped at `max_delay`, before jitter.
    fn delay_of(&self, attempt: u32) -> Duration {
        let exponent = i32::try_from(attempt.saturating_sub(1)).unwrap_or(i32::MAX);
        let factor = self.policy.multiplier.powi(exponent);
        scaled(self.policy.initial_delay, factor, self.policy.max_delay)
    }

    fn ran_a_healthy_stretch(&self, now: Instant) -> bool {
        self.started
            .is_some_and(|started| now.saturating_duration_since(started) >= self.policy.max_delay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    fn policy(max_retries: u32) -> BackoffPolicy {
        BackoffPolicy {
            initial_delay: secs(1),
            max_delay: secs(10),
            multiplier: 2.0,
            max_retries,
        }
    }

    fn delay(decision: Decision) -> Duration {
        match decision {
            Decision::Restart { delay, .. } => delay,
            other => panic!("expected a restart, got {other:?}"),
        }
    }

    #[test]
    fn delays_double_and_stop_at_the_cap() {
        let now = Instant::now();
        let mut backoff = Backoff::new(&policy(10), Jitter::None);

        let delays: Vec<_> = (0..6).map(|_| delay(backoff.on_failure(now))).collect();

        assert_eq!(
            delays,
            [secs(1), secs(2), secs(4), secs(8), secs(10), secs(10)]
        );
    }

    #[test]
    fn escalates_on_the_failure_after_max_retries() {
        let now = Instant::now();
        let mut backoff = Backoff::new(&policy(2), Jitter::None);

        backoff.on_failure(now);
        backoff.on_failure(now);

        assert_eq!(
            backoff.on_failure(now),
            Decision::Escalate {
                reason: "2 consecutive restarts".to_owned()
            }
        );
    }

    #[test]
    fn healthy_check_after_max_delay_of_running_resets_the_delay() {
        let base = Instant::now();
        let mut backoff = Backoff::new(&policy(10), Jitter::None);
        backoff.on_failure(base);
        backoff.on_failure(base);

        backoff.on_started(base + secs(5));
        backoff.on_healthy(base + secs(15));

        assert_eq!(backoff.attempt(), 0);
        assert_eq!(delay(backoff.on_failure(base + secs(16))), secs(1));
    }

    #[test]
    fn healthy_check_sooner_than_max_delay_does_not_reset() {
        let base = Instant::now();
        let mut backoff = Backoff::new(&policy(10), Jitter::None);
        backoff.on_failure(base);

        backoff.on_started(base + secs(1));
        backoff.on_healthy(base + secs(5));

        assert_eq!(delay(backoff.on_failure(base + secs(6))), secs(2));
    }

    #[test]
    fn failure_after_a_long_run_counts_as_a_first_failure() {
        let base = Instant::now();
        let mut backoff = Backoff::new(&policy(10), Jitter::None);
        backoff.on_failure(base);
        backoff.on_failure(base);

        backoff.on_started(base + secs(2));

        assert_eq!(delay(backoff.on_failure(base + secs(12))), secs(1));
    }

    #[test]
    fn nan_multiplier_waits_the_longest_delay() {
        let mut broken = policy(3);
        broken.multiplier = f64::NAN;
        let mut backoff = Backoff::new(&broken, Jitter::None);

        // The first attempt uses multiplier^0, which is 1 even for NaN.
        assert_eq!(delay(backoff.on_failure(Instant::now())), secs(1));
        assert_eq!(delay(backoff.on_failure(Instant::now())), secs(10));
    }
}
