//! The six restart strategies and the tree plans, driven through the public supervision API
//! with paused tokio time: every instant is explicit, nothing sleeps.

use std::time::Duration;

use alys_config::schema::actors::{
    BackoffPolicy, CircuitBreakerPolicy, RestartLimit, RestartStrategy,
};
use alys_node::supervision::{
    BreakerState, ChildName, Decision, Family, Jitter, RestartPolicy, TreePlan,
};
use tokio::time::{advance, Instant};

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// Moves paused time forward and says where it is now.
async fn after(step: Duration) -> Instant {
    advance(step).await;
    Instant::now()
}

fn restart_now(attempt: u32) -> Decision {
    Decision::Restart {
        delay: Duration::ZERO,
        attempt,
    }
}

fn otp_strategies(max_retries: u32, within_time: Duration) -> [RestartStrategy; 3] {
    let limit = RestartLimit {
        max_retries,
        within_time,
    };
    [
        RestartStrategy::OneForOne(limit.clone()),
        RestartStrategy::OneForAll(limit.clone()),
        RestartStrategy::RestForOne(limit),
    ]
}

fn backoff(max_retries: u32) -> RestartStrategy {
    RestartStrategy::ExponentialBackoff(BackoffPolicy {
        initial_delay: secs(1),
        max_delay: secs(10),
        multiplier: 2.0,
        max_retries,
    })
}

fn breaker() -> RestartStrategy {
    RestartStrategy::CircuitBreaker(CircuitBreakerPolicy {
        failure_threshold: 3,
        recovery_timeout: secs(30),
        success_threshold: 2,
    })
}

fn delay_of(decision: Decision) -> Duration {
    match decision {
        Decision::Restart { delay, .. } => delay,
        other => panic!("expected a restart, got {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn otp_strategies_restart_max_retries_times_then_escalate_within_the_window() {
    for strategy in otp_strategies(3, secs(60)) {
        let mut policy = RestartPolicy::new(&strategy, Jitter::None);

        for attempt in 1..=3 {
            let now = after(secs(1)).await;
            assert_eq!(policy.on_failure(now), restart_now(attempt), "{strategy:?}");
            policy.on_started(now);
        }
        let decision = policy.on_failure(after(secs(1)).await);

        assert_eq!(
            decision,
            Decision::Escalate {
                reason: "3 restarts within 60s".to_owned()
            },
            "{strategy:?}"
        );
        assert_eq!(
            policy
                .escalation("chain", "chain spec unreadable")
                .to_string(),
            format!(
                "actor `chain` escalated after 3 restarts within 60s ({}): chain spec unreadable",
                strategy.kind()
            )
        );
    }
}

#[tokio::test(start_paused = true)]
async fn otp_failures_spread_wider_than_the_window_never_escalate() {
    for strategy in otp_strategies(3, secs(60)) {
        let mut policy = RestartPolicy::new(&strategy, Jitter::None);

        // Every 21s: the window of 60s never holds more than 3 restarts.
        for _ in 0..50 {
            let decision = policy.on_failure(after(secs(21)).await);
            assert!(matches!(decision, Decision::Restart { .. }), "{decision:?}");
        }
    }
}

#[tokio::test(start_paused = true)]
async fn otp_restart_exactly_one_window_ago_still_counts_towards_escalation() {
    let [strategy, ..] = otp_strategies(3, secs(60));
    let mut policy = RestartPolicy::new(&strategy, Jitter::None);

    // Failures at 0s, 20s, 40s, then 60s: the one at 0s is exactly 60s old and still counts.
    policy.on_failure(Instant::now());
    policy.on_failure(after(secs(20)).await);
    policy.on_failure(after(secs(20)).await);

    assert!(matches!(
        policy.on_failure(after(secs(20)).await),
        Decision::Escalate { .. }
    ));
}

#[tokio::test(start_paused = true)]
async fn backoff_waits_1_2_4_8_seconds_then_the_cap() {
    let mut policy = RestartPolicy::new(&backoff(10), Jitter::None);
    let mut delays = Vec::new();

    for _ in 0..6 {
        let delay = delay_of(policy.on_failure(Instant::now()));
        policy.on_started(after(delay).await);
        delays.push(delay);
        advance(Duration::from_millis(500)).await;
    }

    assert_eq!(
        delays,
        [secs(1), secs(2), secs(4), secs(8), secs(10), secs(10)]
    );
}

#[tokio::test(start_paused = true)]
async fn backoff_escalates_on_the_failure_after_max_retries_restarts() {
    let mut policy = RestartPolicy::new(&backoff(4), Jitter::None);

    for attempt in 1..=4 {
        let decision = policy.on_failure(Instant::now());
        assert!(
            matches!(decision, Decision::Restart { attempt: a, .. } if a == attempt),
            "{decision:?}"
        );
        policy.on_started(after(delay_of(decision)).await);
    }

    assert_eq!(
        policy.on_failure(after(secs(1)).await),
        Decision::Escalate {
            reason: "4 consecutive restarts".to_owned()
        }
    );
    assert_eq!(
        policy
            .escalation("engine", "connection refused")
            .to_string(),
        "actor `engine` escalated after 4 consecutive restarts (exponential_backoff): \
         connection refused"
    );
}

#[tokio::test(start_paused = true)]
async fn backoff_resets_after_a_healthy_stretch_of_max_delay() {
    let mut policy = RestartPolicy::new(&backoff(10), Jitter::None);
    for _ in 0..3 {
        let delay = delay_of(policy.on_failure(Instant::now()));
        policy.on_started(after(delay).await);
    }

    // 9s of running is short of the 10s stretch; the check does not reset.
    policy.on_healthy(after(secs(9)).await);
    assert_eq!(delay_of(policy.on_failure(Instant::now())), secs(8));

    policy.on_started(after(secs(8)).await);
    policy.on_healthy(after(secs(10)).await);
    assert_eq!(
        policy.on_failure(after(secs(1)).await),
        Decision::Restart {
            delay: secs(1),
            attempt: 1
        }
    );
}

#[tokio::test(start_paused = true)]
async fn backoff_jitter_is_bounded_and_the_same_for_the_same_seed() {
    let jitter = Jitter::Proportional {
        fraction: 0.25,
        seed: 2024,
    };
    let mut first = RestartPolicy::new(&backoff(100), jitter);
    let mut second = RestartPolicy::new(&backoff(100), jitter);
    let now = Instant::now();

    for attempt in 1..=8u32 {
        let exact = secs(1u64 << (attempt - 1)).min(secs(10));
        let delay = delay_of(first.on_failure(now));

        assert_eq!(delay, delay_of(second.on_failure(now)), "attempt {attempt}");
        assert!(delay >= exact.mul_f64(0.75), "attempt {attempt}: {delay:?}");
        assert!(
            delay <= exact.mul_f64(1.25).min(secs(10)),
            "attempt {attempt}: {delay:?}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn backoff_jitter_differs_between_seeds() {
    let delays = |seed| {
        let jitter = Jitter::Proportional {
            fraction: 0.25,
            seed,
        };
        let mut policy = RestartPolicy::new(&backoff(100), jitter);
        let now = Instant::now();
        (0..4)
            .map(|_| delay_of(policy.on_failure(now)))
            .collect::<Vec<_>>()
    };

    assert_ne!(delays(1), delays(2));
}

#[tokio::test(start_paused = true)]
async fn breaker_opens_waits_exactly_the_recovery_timeout_and_closes_after_successes() {
    let mut policy = RestartPolicy::new(&breaker(), Jitter::None);
    assert_eq!(policy.breaker_state(), Some(BreakerState::Closed));

    // Closed: two failures restart at once, the third opens.
    assert_eq!(policy.on_failure(Instant::now()), restart_now(1));
    assert_eq!(policy.on_failure(after(secs(1)).await), restart_now(2));
    let opened_at = after(secs(1)).await;
    let due = opened_at + secs(30);
    assert_eq!(
        policy.on_failure(opened_at),
        Decision::StayDown { until: Some(due) }
    );
    assert_eq!(policy.breaker_state(), Some(BreakerState::Open));

    // Open: asking a millisecond early changes nothing; at exactly 30s one trial restart.
    let early = after(secs(30) - Duration::from_millis(1)).await;
    assert_eq!(
        policy.on_recovery_due(early),
        Some(Decision::StayDown { until: Some(due) })
    );
    assert_eq!(
        policy.on_recovery_due(after(Duration::from_millis(1)).await),
        Some(restart_now(1))
    );
    assert_eq!(policy.breaker_state(), Some(BreakerState::HalfOpen));

    // Half-open: two passed checks close it.
    policy.on_healthy(after(secs(5)).await);
    assert_eq!(policy.breaker_state(), Some(BreakerState::HalfOpen));
    policy.on_healthy(after(secs(5)).await);
    assert_eq!(policy.breaker_state(), Some(BreakerState::Closed));

    let changes: Vec<_> = policy
        .take_transitions()
        .into_iter()
        .map(|t| (t.from, t.to))
        .collect();
    assert_eq!(
        changes,
        [
            (BreakerState::Closed, BreakerState::Open),
            (BreakerState::Open, BreakerState::HalfOpen),
            (BreakerState::HalfOpen, BreakerState::Closed),
        ]
    );
    assert!(policy.take_transitions().is_empty());

    // Closed again with its counters reset: the next failure is the first.
    assert_eq!(policy.on_failure(after(secs(1)).await), restart_now(1));
}

#[tokio::test(start_paused = true)]
async fn breaker_failure_in_half_open_reopens_for_another_full_timeout() {
    let mut policy = RestartPolicy::new(&breaker(), Jitter::None);
    for _ in 0..3 {
        policy.on_failure(Instant::now());
    }
    policy.on_recovery_due(after(secs(30)).await);
    policy.on_healthy(after(secs(1)).await);

    let failed_at = after(secs(1)).await;

    assert_eq!(
        policy.on_failure(failed_at),
        Decision::StayDown {
            until: Some(failed_at + secs(30))
        }
    );
    assert_eq!(policy.breaker_state(), Some(BreakerState::Open));
    assert_eq!(
        policy.on_recovery_due(after(secs(30)).await),
        Some(restart_now(2))
    );
}

#[tokio::test(start_paused = true)]
async fn never_answers_never_for_every_failure() {
    let mut policy = RestartPolicy::new(&RestartStrategy::Never {}, Jitter::None);

    for _ in 0..20 {
        assert_eq!(policy.on_failure(after(secs(7)).await), Decision::Never);
    }
    assert_eq!(policy.breaker_state(), None);
    assert_eq!(policy.on_recovery_due(Instant::now()), None);
}

fn five_children() -> TreePlan {
    let names = ["storage", "chain", "engine", "bridge", "stream"];
    TreePlan::new(names.map(ChildName::from)).expect("distinct names")
}

fn names(children: &[ChildName]) -> Vec<&str> {
    children.iter().map(ChildName::as_str).collect()
}

#[test]
fn one_for_one_plan_stops_and_restarts_only_the_failed_child() {
    let plan = five_children()
        .plan(&"engine".into(), Family::OneForOne)
        .expect("engine is supervised");

    assert_eq!(names(&plan.stop), ["engine"]);
    assert_eq!(names(&plan.restart), ["engine"]);
}

#[test]
fn one_for_all_plan_stops_everyone_in_reverse_and_restarts_in_start_order() {
    let plan = five_children()
        .plan(&"engine".into(), Family::OneForAll)
        .expect("engine is supervised");

    assert_eq!(
        names(&plan.stop),
        ["stream", "bridge", "engine", "chain", "storage"]
    );
    assert_eq!(
        names(&plan.restart),
        ["storage", "chain", "engine", "bridge", "stream"]
    );
}

#[test]
fn rest_for_one_plan_takes_the_failed_child_and_those_started_after_it() {
    let plan = five_children()
        .plan(&"engine".into(), Family::RestForOne)
        .expect("engine is supervised");

    assert_eq!(names(&plan.stop), ["stream", "bridge", "engine"]);
    assert_eq!(names(&plan.restart), ["engine", "bridge", "stream"]);
}
