//! Rules `actors.restart-strategy`, `actors.mailbox` and `actors.runtime`.

use crate::schema::actors::{ActorSystemConfig, RestartStrategy};
use crate::validate::{Findings, FnRule, Rule, RuleContext};

pub(super) fn rules() -> Vec<Box<dyn Rule>> {
    vec![
        Box::new(FnRule::new(
            "actors.restart-strategy",
            check_restart_strategies,
        )),
        Box::new(FnRule::new("actors.mailbox", check_mailboxes)),
        Box::new(FnRule::new("actors.runtime", check_runtime)),
    ]
}

/// The node needs the runtime's I/O driver (signals, sockets) and timer (health checks,
/// restart delays); a worker count of zero would run nothing.
fn check_runtime(ctx: &RuleContext<'_>, f: &mut Findings<'_>) {
    let runtime = &ctx.config.actors.runtime;
    if !runtime.enable_io {
        f.error(
            "actors.runtime.enable_io",
            "the node needs the I/O driver (signals, sockets)",
        );
    }
    if !runtime.enable_time {
        f.error(
            "actors.runtime.enable_time",
            "the node needs the timer (health checks, restart delays)",
        );
    }
    if runtime.worker_threads == Some(0) {
        f.error(
            "actors.runtime.worker_threads",
            "must be at least 1 (omit it for one per CPU)",
        );
    }
    if runtime
        .thread_stack_size_bytes
        .is_some_and(|s| s < 64 * 1024)
    {
        f.error(
            "actors.runtime.thread_stack_size_bytes",
            "must be at least 65536 bytes",
        );
    }
}

fn check_restart_strategies(ctx: &RuleContext<'_>, f: &mut Findings<'_>) {
    let actors = &ctx.config.actors;
    let default = &actors.supervision.default_restart_strategy;
    check_strategy(f, "actors.supervision.default_restart_strategy", default);
    for (name, actor) in actors.actors() {
        if let Some(strategy) = &actor.restart_strategy {
            check_strategy(f, &format!("actors.{name}.restart_strategy"), strategy);
        }
    }
}

fn above_zero(f: &mut Findings<'_>, base: &str, field: &str, value: u32) {
    if value == 0 {
        f.error(format!("{base}.{field}"), "must be above 0");
    }
}

fn check_strategy(f: &mut Findings<'_>, base: &str, strategy: &RestartStrategy) {
    match strategy {
        RestartStrategy::OneForOne(limit)
        | RestartStrategy::OneForAll(limit)
        | RestartStrategy::RestForOne(limit) => {
            above_zero(f, base, "max_retries", limit.max_retries);
            if limit.within_time.is_zero() {
                f.error(format!("{base}.within_time"), "must be longer than 0s");
            }
        }
        RestartStrategy::ExponentialBackoff(backoff) => {
            above_zero(f, base, "max_retries", backoff.max_retries);
            if backoff.initial_delay > backoff.max_delay {
                f.error(format!("{base}.initial_delay"), "is longer than max_delay");
            }
            if backoff.multiplier.is_nan() || backoff.multiplier < 1.0 {
                let message = format!("is {}, must be at least 1", backoff.multiplier);
                f.error(format!("{base}.multiplier"), message);
            }
        }
        RestartStrategy::CircuitBreaker(breaker) => {
            above_zero(f, base, "failure_threshold", breaker.failure_threshold);
            above_zero(f, base, "success_threshold", breaker.success_threshold);
            if breaker.recovery_timeout.is_zero() {
                f.error(format!("{base}.recovery_timeout"), "must be longer than 0s");
            }
        }
        RestartStrategy::Never {} => {}
    }
}

fn check_mailboxes(ctx: &RuleContext<'_>, f: &mut Findings<'_>) {
    let actors = &ctx.config.actors;
    let mailbox = &actors.mailbox;
    let batch = actors.performance.message_batching.max_batch_size;

    if mailbox.default_capacity == 0 {
        f.error("actors.mailbox.default_capacity", "must be above 0");
    } else if batch > mailbox.default_capacity {
        let message = format!("is {batch}, above actors.mailbox.default_capacity");
        f.error(
            "actors.performance.message_batching.max_batch_size",
            message,
        );
    }
    if batch == 0 {
        f.error(
            "actors.performance.message_batching.max_batch_size",
            "must be above 0",
        );
    }
    check_actor_capacities(f, actors, batch);

    let dead = &mailbox.dead_letter;
    if dead.enabled && dead.max_messages == 0 {
        f.error("actors.mailbox.dead_letter.max_messages", "must be above 0");
    }

    let lanes = &mailbox.priority_queue;
    if lanes.levels == 0 {
        f.error("actors.mailbox.priority_queue.levels", "must be at least 1");
    } else if lanes.default_priority >= lanes.levels {
        let message = format!(
            "is {}, must be below levels ({})",
            lanes.default_priority, lanes.levels
        );
        f.error("actors.mailbox.priority_queue.default_priority", message);
    }
}

/// Per-actor capacities of enabled actors: above 0 and room for one batch.
fn check_actor_capacities(f: &mut Findings<'_>, actors: &ActorSystemConfig, batch: usize) {
    for (name, actor) in actors.actors() {
        let Some(capacity) = actor.mailbox_capacity.filter(|_| actor.enabled) else {
            continue;
        };
        let key = format!("actors.{name}.mailbox_capacity");
        if capacity == 0 {
            f.error(key, "must be above 0");
        } else if batch > capacity {
            let message = format!(
                "is {capacity}, below actors.performance.message_batching.max_batch_size ({batch})"
            );
            f.error(key, message);
        }
    }
}

#[cfg(test)]
mod runtime_tests {
    use crate::validate::Validator;
    use crate::AlysConfig;

    #[test]
    fn turning_off_the_timer_or_zero_workers_is_an_error() {
        let mut config = AlysConfig::default();
        config.actors.runtime.enable_time = false;
        config.actors.runtime.worker_threads = Some(0);
        let report = Validator::with_builtin_rules().validate(&config);
        let keys: Vec<&str> = report
            .findings
            .iter()
            .filter(|f| f.rule == "actors.runtime")
            .map(|f| f.key.as_str())
            .collect();
        assert_eq!(
            keys,
            vec![
                "actors.runtime.enable_time",
                "actors.runtime.worker_threads"
            ]
        );
        assert!(!report.is_accepted());
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::testing::{assert_one, hits};
    use crate::schema::actors::{BackoffPolicy, CircuitBreakerPolicy, RestartLimit};
    use crate::schema::RestartStrategy;
    use crate::validate::Severity::Error;
    use crate::AlysConfig;

    const RULE: &str = "actors.restart-strategy";

    #[test]
    fn default_strategies_and_mailboxes_pass() {
        assert_eq!(hits(RULE, &AlysConfig::default()), vec![]);
        assert_eq!(hits("actors.mailbox", &AlysConfig::default()), vec![]);
    }

    #[test]
    fn rejects_default_strategy_with_zero_retries() {
        let mut c = AlysConfig::default();
        c.actors.supervision.default_restart_strategy = RestartStrategy::OneForAll(RestartLimit {
            max_retries: 0,
            ..Default::default()
        });
        assert_one(
            RULE,
            &c,
            Error,
            "actors.supervision.default_restart_strategy.max_retries",
        );
    }

    #[test]
    fn rejects_zero_window_of_actor_strategy() {
        let mut c = AlysConfig::default();
        c.actors.chain_actor.restart_strategy = Some(RestartStrategy::RestForOne(RestartLimit {
            within_time: Duration::ZERO,
            ..Default::default()
        }));
        assert_one(
            RULE,
            &c,
            Error,
            "actors.chain_actor.restart_strategy.within_time",
        );
    }

    #[test]
    fn rejects_backoff_starting_above_its_cap() {
        let mut c = AlysConfig::default();
        c.actors.engine_actor.restart_strategy =
            Some(RestartStrategy::ExponentialBackoff(BackoffPolicy {
                initial_delay: Duration::from_secs(120),
                ..Default::default()
            }));
        assert_one(
            RULE,
            &c,
            Error,
            "actors.engine_actor.restart_strategy.initial_delay",
        );
    }

    #[test]
    fn rejects_backoff_multiplier_below_one() {
        let mut c = AlysConfig::default();
        c.actors.stream_actor.restart_strategy =
            Some(RestartStrategy::ExponentialBackoff(BackoffPolicy {
                multiplier: 0.9,
                ..Default::default()
            }));
        assert_one(
            RULE,
            &c,
            Error,
            "actors.stream_actor.restart_strategy.multiplier",
        );
    }

    #[test]
    fn rejects_circuit_breaker_with_zero_thresholds() {
        let mut c = AlysConfig::default();
        c.actors.bridge_actor.restart_strategy =
            Some(RestartStrategy::CircuitBreaker(CircuitBreakerPolicy {
                success_threshold: 0,
                ..Default::default()
            }));
        assert_one(
            RULE,
            &c,
            Error,
            "actors.bridge_actor.restart_strategy.success_threshold",
        );
    }

    #[test]
    fn rejects_zero_mailbox_capacity() {
        let mut c = AlysConfig::default();
        c.actors.sync_actor.mailbox_capacity = Some(0);
        assert_one(
            "actors.mailbox",
            &c,
            Error,
            "actors.sync_actor.mailbox_capacity",
        );
    }

    #[test]
    fn ignores_capacity_of_disabled_actor() {
        let mut c = AlysConfig::default();
        c.actors.sync_actor.mailbox_capacity = Some(0);
        c.actors.sync_actor.enabled = false;
        assert_eq!(hits("actors.mailbox", &c), vec![]);
    }

    #[test]
    fn rejects_batch_larger_than_a_mailbox() {
        let mut c = AlysConfig::default();
        c.actors.performance.message_batching.max_batch_size = 2000;
        let key = "actors.performance.message_batching.max_batch_size";
        assert_one("actors.mailbox", &c, Error, key);

        c.actors.performance.message_batching.max_batch_size = 100;
        c.actors.storage_actor.mailbox_capacity = Some(50);
        assert_one(
            "actors.mailbox",
            &c,
            Error,
            "actors.storage_actor.mailbox_capacity",
        );
    }

    #[test]
    fn rejects_default_priority_outside_the_lanes() {
        let mut c = AlysConfig::default();
        c.actors.mailbox.priority_queue.default_priority = 4;
        let key = "actors.mailbox.priority_queue.default_priority";
        assert_one("actors.mailbox", &c, Error, key);
        c.actors.mailbox.priority_queue.levels = 0;
        assert_one(
            "actors.mailbox",
            &c,
            Error,
            "actors.mailbox.priority_queue.levels",
        );
    }

    #[test]
    fn rejects_dead_letters_with_no_room() {
        let mut c = AlysConfig::default();
        c.actors.mailbox.dead_letter.max_messages = 0;
        assert_one(
            "actors.mailbox",
            &c,
            Error,
            "actors.mailbox.dead_letter.max_messages",
        );
    }
}
