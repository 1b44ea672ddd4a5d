//! Rule `range`: numbers, fractions and timeouts within the bounds their fields document.

use std::ops::RangeInclusive;
use std::time::Duration;

use super::indexed;
use crate::validate::{Findings, FnRule, Rule, RuleContext};

pub(super) fn rules() -> Vec<Box<dyn Rule>> {
    vec![Box::new(FnRule::new("range", check_ranges))]
}

fn at_least(f: &mut Findings<'_>, key: &str, value: u64, min: u64) {
    if value < min {
        f.error(key, format!("is {value}, must be at least {min}"));
    }
}

fn within(f: &mut Findings<'_>, key: &str, value: f64, range: RangeInclusive<f64>) {
    if !range.contains(&value) {
        f.error(
            key,
            format!("is {value}, must be in {}..={}", range.start(), range.end()),
        );
    }
}

fn positive(f: &mut Findings<'_>, key: &str, value: Duration) {
    if value.is_zero() {
        f.error(key, "must be longer than 0s");
    }
}

/// A fraction above 0 and at most 1.
fn share(f: &mut Findings<'_>, key: &str, value: f64) {
    if value.is_nan() || value <= 0.0 || value > 1.0 {
        f.error(key, format!("is {value}, must be above 0 and at most 1"));
    }
}

fn check_ranges(ctx: &RuleContext<'_>, f: &mut Findings<'_>) {
    system_ranges(ctx, f);
    actor_ranges(ctx, f);
    governance_ranges(ctx, f);

    let c = ctx.config;
    at_least(f, "network.max_peers", c.network.max_peers.into(), 1);
    positive(
        f,
        "network.connection_timeout",
        c.network.connection_timeout,
    );
    at_least(
        f,
        "bridge.federation_threshold",
        c.bridge.federation_threshold.into(),
        1,
    );
    positive(f, "chain.slot_duration", c.chain.slot_duration);
    positive(f, "execution.request_timeout", c.execution.request_timeout);
    positive(
        f,
        "execution.connection_timeout",
        c.execution.connection_timeout,
    );
    let downloads = &c.sync.parallel_downloads;
    at_least(
        f,
        "sync.parallel_downloads.max_concurrent",
        downloads.max_concurrent.into(),
        1,
    );
    at_least(
        f,
        "sync.parallel_downloads.batch_size",
        downloads.batch_size.into(),
        1,
    );
    at_least(
        f,
        "sync.checkpoints.interval",
        c.sync.checkpoints.interval,
        1,
    );
}

fn system_ranges(ctx: &RuleContext<'_>, f: &mut Findings<'_>) {
    let pool = &ctx.config.system.thread_pool;
    if let Some(core) = pool.core_threads {
        at_least(f, "system.thread_pool.core_threads", core as u64, 1);
    }
    if let Some(max) = pool.max_threads {
        let min = pool.core_threads.unwrap_or(1).max(1);
        at_least(f, "system.thread_pool.max_threads", max as u64, min as u64);
    }
    at_least(
        f,
        "system.thread_pool.queue_capacity",
        pool.queue_capacity as u64,
        1,
    );

    let limits = &ctx.config.system.security.rate_limits;
    if limits.enabled {
        let key = "system.security.rate_limits.requests_per_second";
        at_least(f, key, limits.requests_per_second.into(), 1);
        let key = "system.security.rate_limits.burst_capacity";
        at_least(f, key, limits.burst_capacity.into(), 1);
    }
}

fn actor_ranges(ctx: &RuleContext<'_>, f: &mut Findings<'_>) {
    let actors = &ctx.config.actors;
    if let Some(workers) = actors.runtime.worker_threads {
        at_least(f, "actors.runtime.worker_threads", workers as u64, 1);
    }

    let pool = &actors.performance.memory_pool;
    if pool.initial_size > pool.max_size {
        let message = format!("is {}, above max_size {}", pool.initial_size, pool.max_size);
        f.error("actors.performance.memory_pool.initial_size", message);
    }
    if pool.growth_factor.is_nan() || pool.growth_factor <= 1.0 {
        let key = "actors.performance.memory_pool.growth_factor";
        f.error(key, format!("is {}, must be above 1", pool.growth_factor));
    }
    if !(0.0..1.0).contains(&pool.shrink_threshold) {
        let key = "actors.performance.memory_pool.shrink_threshold";
        f.error(
            key,
            format!("is {}, must be in 0..1", pool.shrink_threshold),
        );
    }

    let t = &actors.timeouts;
    for (name, value) in [
        ("startup", t.startup),
        ("shutdown", t.shutdown),
        ("initialization", t.initialization),
        ("health_check", t.health_check),
        ("config_reload", t.config_reload),
    ] {
        positive(f, &format!("actors.timeouts.{name}"), value);
    }

    for (name, actor) in actors.actors() {
        let base = format!("actors.{name}");
        let hc = &actor.health_check;
        positive(f, &format!("{base}.health_check.timeout"), hc.timeout);
        let key = format!("{base}.health_check.failure_threshold");
        at_least(f, &key, hc.failure_threshold.into(), 1);
        let key = format!("{base}.health_check.recovery_threshold");
        at_least(f, &key, hc.recovery_threshold.into(), 1);
        if let Some(cpu) = actor.performance.cpu_limit_percent {
            if !(1..=100).contains(&cpu) {
                let key = format!("{base}.performance.cpu_limit_percent");
                f.error(key, format!("is {cpu}, must be in 1..=100"));
            }
        }
    }
}

fn governance_ranges(ctx: &RuleContext<'_>, f: &mut Findings<'_>) {
    let g = &ctx.config.governance;
    positive(f, "governance.grpc.connect_timeout", g.grpc.connect_timeout);
    positive(f, "governance.grpc.request_timeout", g.grpc.request_timeout);
    at_least(
        f,
        "governance.grpc.max_message_size",
        g.grpc.max_message_size as u64,
        1,
    );

    for (i, endpoint) in g.endpoints.iter().enumerate() {
        let base = indexed("governance.endpoints", i);
        let hc = &endpoint.health_check;
        let key = format!("{base}.health_check.failure_threshold");
        at_least(f, &key, hc.failure_threshold.into(), 1);
        let key = format!("{base}.health_check.recovery_threshold");
        at_least(f, &key, hc.recovery_threshold.into(), 1);
        if endpoint.enabled && endpoint.weight == 0 {
            f.warning(
                format!("{base}.weight"),
                "is 0: the endpoint is never chosen",
            );
        }
    }

    let r = &g.streaming.reconnection;
    let base = "governance.streaming.reconnection";
    within(f, &format!("{base}.jitter"), r.jitter, 0.0..=1.0);
    if r.backoff_multiplier.is_nan() || r.backoff_multiplier < 1.0 {
        let message = format!("is {}, must be at least 1", r.backoff_multiplier);
        f.error(format!("{base}.backoff_multiplier"), message);
    }
    if r.initial_delay > r.max_delay {
        f.error(format!("{base}.initial_delay"), "is longer than max_delay");
    }

    let fed = &g.federation;
    at_least(
        f,
        "governance.federation.signature_threshold",
        fed.signature_threshold.into(),
        1,
    );
    at_least(
        f,
        "governance.federation.max_members",
        fed.max_members.into(),
        1,
    );
    share(
        f,
        "governance.federation.voting.min_quorum",
        fed.voting.min_quorum,
    );
    share(
        f,
        "governance.federation.voting.super_majority",
        fed.voting.super_majority,
    );
    if fed.voting.super_majority < fed.voting.min_quorum {
        let key = "governance.federation.voting.super_majority";
        f.warning(
            key,
            "is below min_quorum: critical decisions would need fewer votes",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{assert_one, hits};
    use crate::schema::GovernanceEndpoint;
    use crate::validate::Severity::{Error, Warning};
    use crate::AlysConfig;

    #[test]
    fn default_config_is_in_range() {
        assert_eq!(hits("range", &AlysConfig::default()), vec![]);
    }

    #[test]
    fn rejects_zero_max_peers() {
        let mut c = AlysConfig::default();
        c.network.max_peers = 0;
        assert_one("range", &c, Error, "network.max_peers");
    }

    #[test]
    fn rejects_jitter_above_one_and_accepts_one() {
        let mut c = AlysConfig::default();
        c.governance.streaming.reconnection.jitter = 1.5;
        assert_one(
            "range",
            &c,
            Error,
            "governance.streaming.reconnection.jitter",
        );
        c.governance.streaming.reconnection.jitter = 1.0;
        assert_eq!(hits("range", &c), vec![]);
    }

    #[test]
    fn rejects_backoff_multiplier_below_one() {
        let mut c = AlysConfig::default();
        c.governance.streaming.reconnection.backoff_multiplier = 0.5;
        assert_one(
            "range",
            &c,
            Error,
            "governance.streaming.reconnection.backoff_multiplier",
        );
    }

    #[test]
    fn rejects_quorum_of_zero_or_above_one() {
        let mut c = AlysConfig::default();
        c.governance.federation.voting.min_quorum = 0.0;
        assert_one(
            "range",
            &c,
            Error,
            "governance.federation.voting.min_quorum",
        );
        c.governance.federation.voting.min_quorum = 0.5;
        c.governance.federation.voting.super_majority = 1.2;
        assert_one(
            "range",
            &c,
            Error,
            "governance.federation.voting.super_majority",
        );
    }

    #[test]
    fn warns_when_super_majority_is_below_quorum() {
        let mut c = AlysConfig::default();
        c.governance.federation.voting.super_majority = 0.5;
        assert_one(
            "range",
            &c,
            Warning,
            "governance.federation.voting.super_majority",
        );
    }

    #[test]
    fn rejects_zero_endpoint_threshold_and_warns_on_zero_weight() {
        let mut c = AlysConfig::default();
        let mut endpoint = GovernanceEndpoint {
            name: "a".into(),
            ..Default::default()
        };
        endpoint.health_check.failure_threshold = 0;
        endpoint.weight = 0;
        c.governance.endpoints.push(endpoint);
        let mut found = hits("range", &c);
        found.sort();
        assert_eq!(
            found,
            vec![
                (
                    Error,
                    "governance.endpoints[0].health_check.failure_threshold".to_owned()
                ),
                (Warning, "governance.endpoints[0].weight".to_owned()),
            ]
        );
    }

    #[test]
    fn rejects_actor_thresholds_and_cpu_limits_out_of_range() {
        let mut c = AlysConfig::default();
        c.actors.engine_actor.health_check.recovery_threshold = 0;
        assert_one(
            "range",
            &c,
            Error,
            "actors.engine_actor.health_check.recovery_threshold",
        );
        c.actors.engine_actor.health_check.recovery_threshold = 1;
        c.actors.bridge_actor.performance.cpu_limit_percent = Some(101);
        assert_one(
            "range",
            &c,
            Error,
            "actors.bridge_actor.performance.cpu_limit_percent",
        );
    }

    #[test]
    fn rejects_max_threads_below_core_threads() {
        let mut c = AlysConfig::default();
        c.system.thread_pool.core_threads = Some(8);
        c.system.thread_pool.max_threads = Some(4);
        assert_one("range", &c, Error, "system.thread_pool.max_threads");
    }

    #[test]
    fn rejects_zero_timeout() {
        let mut c = AlysConfig::default();
        c.execution.request_timeout = std::time::Duration::ZERO;
        assert_one("range", &c, Error, "execution.request_timeout");
    }

    #[test]
    fn rejects_memory_pool_growth_of_one() {
        let mut c = AlysConfig::default();
        c.actors.performance.memory_pool.growth_factor = 1.0;
        assert_one(
            "range",
            &c,
            Error,
            "actors.performance.memory_pool.growth_factor",
        );
    }
}
