//! The root supervisor on a real actor tree and a real event log: each restart strategy driven by
//! injected faults (panic, handler error, failed health checks), in paused tokio time.

use std::time::Duration;

use alys_config::schema::actors::{
    ActorConfig, BackoffPolicy, CircuitBreakerPolicy, RestartLimit, RestartStrategy,
};
use alys_config::schema::actors::{ActorSystemConfig, StatePreservation};
use alys_config::schema::execution::ExecutionConfig;
use alys_eventlog::event::{Event, LifecycleChange};
use alys_eventlog::{EventLog, Offset};
use alys_node::actors::{
    spec, ChildStatus, Fault, Preserver, RootActor, RootArgs, RootMsg, Section, SectionMsg,
    TreeLimits,
};
use alys_node::mailbox::{MailboxSender, MailboxSettings, Priority};
use alys_node::supervision::{Escalation, Jitter};
use ractor::{Actor, ActorRef};
use tokio::sync::mpsc;

struct Tree {
    _dir: tempfile::TempDir,
    log: EventLog,
    root: ActorRef<RootMsg>,
    escalations: mpsc::UnboundedReceiver<Escalation>,
    senders: Vec<MailboxSender<SectionMsg<ExecutionConfig>>>,
}

/// A tree of sections named `names`, each with `strategy` and health checks every `health`.
async fn tree(names: &[&str], strategy: RestartStrategy, health: Duration) -> Tree {
    tree_with(names, strategy, health, TreeLimits::default()).await
}

/// [`tree`] with the given tree-wide limits.
async fn tree_with(
    names: &[&str],
    strategy: RestartStrategy,
    health: Duration,
    limits: TreeLimits,
) -> Tree {
    let dir = tempfile::tempdir().unwrap();
    let log = EventLog::open(&dir.path().join("eventlog")).unwrap();
    let mut actor = ActorConfig {
        restart_strategy: Some(strategy.clone()),
        ..ActorConfig::default()
    };
    actor.health_check.interval = health;
    actor.health_check.failure_threshold = 2;
    let system = ActorSystemConfig::default();
    let mut senders = Vec::new();
    let mut children = Vec::new();
    for name in names {
        let settings = MailboxSettings::for_actor(&system, &actor);
        let keep = Preserver::new(name, StatePreservation::None, log.clone(), 7, dir.path());
        let (spec, sender) = spec(
            name,
            &actor,
            &system,
            settings,
            keep,
            Section::<ExecutionConfig>::default,
            ExecutionConfig::default(),
            |c| Some(c.execution.clone()),
        );
        children.push(spec);
        senders.push(sender);
    }
    let (tx, escalations) = mpsc::unbounded_channel();
    let args = RootArgs {
        log: log.clone(),
        revision: 7,
        children,
        jitter: Jitter::None,
        escalations: tx,
        limits,
    };
    let (root, _) = Actor::spawn(None, RootActor, args).await.unwrap();
    Tree {
        _dir: dir,
        log,
        root,
        escalations,
        senders,
    }
}

impl Tree {
    fn inject(&self, actor: &str, fault: Fault) {
        self.root
            .send_message(RootMsg::Inject(actor.into(), fault))
            .unwrap();
    }

    async fn status(&self) -> Vec<ChildStatus> {
        ractor::call!(self.root, RootMsg::Status).unwrap()
    }

    /// Lifecycle changes recorded so far, as (actor, change).
    fn history(&self) -> Vec<(String, LifecycleChange)> {
        self.log
            .read(Offset(0), None)
            .filter_map(|e| match e.unwrap().event().unwrap() {
                Event::ActorLifecycle(l) => Some((l.actor, l.change)),
                _ => None,
            })
            .collect()
    }

    /// Waits until `count` lifecycle changes match `pred`, or panics after 20 s of real time
    /// with the history. Tokio time is paused and jumps ahead whenever the tree is idle; the
    /// short real pause lets the recorder's disk writes land meanwhile.
    async fn wait_for(
        &self,
        count: usize,
        pred: impl Fn(&(String, LifecycleChange)) -> bool,
    ) -> Vec<(String, LifecycleChange)> {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while std::time::Instant::now() < deadline {
            let h = self.history();
            if h.iter().filter(|e| pred(e)).count() >= count {
                return h;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
            std::thread::sleep(Duration::from_millis(1));
        }
        panic!("condition not met; history: {:#?}", self.history());
    }
}

fn restarted(actor: &str) -> impl Fn(&(String, LifecycleChange)) -> bool + '_ {
    move |(a, c)| a == actor && matches!(c, LifecycleChange::Restarted { .. })
}

fn limit(max_retries: u32) -> RestartLimit {
    RestartLimit {
        max_retries,
        within_time: Duration::from_secs(60),
    }
}

const NO_HEALTH: Duration = Duration::from_secs(3600);

/// How far past a planned delay a restart may come: `wait_for`'s polling steps (10 ms of paused
/// time each) around the failure and the restart. A second still tells a wrong delay apart.
const SLACK: Duration = Duration::from_secs(1);

#[tokio::test(start_paused = true)]
async fn one_for_one_restarts_only_the_failed_actor_then_escalates_past_max_retries() {
    let mut t = tree(
        &["a", "b", "c"],
        RestartStrategy::OneForOne(limit(2)),
        NO_HEALTH,
    )
    .await;
    t.inject("b", Fault::Panic);
    t.wait_for(1, restarted("b")).await;
    t.inject("b", Fault::Error);
    let h = t.wait_for(2, restarted("b")).await;
    assert!(
        !h.iter()
            .any(|(a, c)| a != "b" && !matches!(c, LifecycleChange::Started)),
        "{h:#?}"
    );

    t.inject("b", Fault::Panic);
    let escalation = tokio::time::timeout(Duration::from_secs(60), t.escalations.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(escalation.child, "b");
    assert!(
        escalation.to_string().contains("injected panic"),
        "{escalation}"
    );
    let h = t
        .wait_for(1, |(a, c)| {
            a == "b" && matches!(c, LifecycleChange::Escalated { .. })
        })
        .await;
    let stops: Vec<&str> = h
        .iter()
        .filter(|(_, c)| *c == LifecycleChange::Stopped)
        .map(|(a, _)| a.as_str())
        .collect();
    assert_eq!(
        stops,
        vec!["c", "a"],
        "the rest stop in reverse start order"
    );
}

#[tokio::test(start_paused = true)]
async fn one_for_all_stops_the_rest_in_reverse_and_restarts_all_in_order() {
    let t = tree(
        &["a", "b", "c"],
        RestartStrategy::OneForAll(limit(3)),
        NO_HEALTH,
    )
    .await;
    t.inject("b", Fault::Panic);
    let h = t
        .wait_for(3, |(_, c)| matches!(c, LifecycleChange::Restarted { .. }))
        .await;
    let after: Vec<(String, String)> = h
        .iter()
        .skip(3)
        .map(|(a, c)| {
            (
                a.clone(),
                format!("{c:?}")
                    .split([' ', '{'])
                    .next()
                    .unwrap()
                    .to_owned(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = [
        ("b", "Failed"),
        ("c", "Stopped"),
        ("a", "Stopped"),
        ("a", "Restarted"),
        ("b", "Restarted"),
        ("c", "Restarted"),
    ]
    .iter()
    .map(|(a, c)| (a.to_string(), c.to_string()))
    .collect();
    assert_eq!(after, expected);
}

#[tokio::test(start_paused = true)]
async fn rest_for_one_restarts_the_failed_actor_and_those_started_after_it() {
    let t = tree(
        &["a", "b", "c"],
        RestartStrategy::RestForOne(limit(3)),
        NO_HEALTH,
    )
    .await;
    t.inject("b", Fault::Error);
    let h = t
        .wait_for(2, |(_, c)| matches!(c, LifecycleChange::Restarted { .. }))
        .await;
    let touched: Vec<&str> = h.iter().skip(3).map(|(a, _)| a.as_str()).collect();
    assert_eq!(touched, vec!["b", "c", "b", "c"]);
    assert!(t.status().await.iter().all(|s| s.running));
}

#[tokio::test(start_paused = true)]
async fn exponential_backoff_doubles_the_delay_up_to_the_cap_then_escalates() {
    let policy = BackoffPolicy {
        initial_delay: Duration::from_secs(1),
        max_delay: Duration::from_secs(4),
        multiplier: 2.0,
        max_retries: 4,
    };
    let mut t = tree(
        &["a"],
        RestartStrategy::ExponentialBackoff(policy),
        NO_HEALTH,
    )
    .await;
    for n in 1..=4 {
        let before = tokio::time::Instant::now();
        t.inject("a", Fault::Panic);
        t.wait_for(n, restarted("a")).await;
        let waited = before.elapsed();
        let expected = Duration::from_secs([1, 2, 4, 4][n - 1]);
        // Paused time moves in the 10 ms steps of `wait_for`'s polling, so the wait is the
        // delay to within those steps: a longer sleep than planned fails here.
        assert!(
            waited >= expected && waited < expected + SLACK,
            "restart {n} after {waited:?}, expected {expected:?}"
        );
    }
    let delays: Vec<(u32, u64)> = t
        .history()
        .into_iter()
        .filter_map(|(_, c)| match c {
            LifecycleChange::Restarted {
                attempt, delay_ms, ..
            } => Some((attempt, delay_ms)),
            _ => None,
        })
        .collect();
    assert_eq!(delays, vec![(1, 1000), (2, 2000), (3, 4000), (4, 4000)]);
    t.inject("a", Fault::Panic);
    let escalation = tokio::time::timeout(Duration::from_secs(60), t.escalations.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(escalation.child, "a");
}

#[tokio::test(start_paused = true)]
async fn circuit_breaker_opens_waits_the_recovery_timeout_then_closes_after_healthy_checks() {
    let policy = CircuitBreakerPolicy {
        failure_threshold: 2,
        recovery_timeout: Duration::from_secs(30),
        success_threshold: 2,
    };
    let t = tree(
        &["a"],
        RestartStrategy::CircuitBreaker(policy),
        Duration::from_secs(5),
    )
    .await;
    t.inject("a", Fault::Panic);
    t.wait_for(1, restarted("a")).await;
    let opened_at = tokio::time::Instant::now();
    t.inject("a", Fault::Panic);
    t.wait_for(1, |(_, c)| {
        *c == LifecycleChange::Breaker {
            state: "open".into(),
        }
    })
    .await;
    assert!(
        !t.status().await[0].running,
        "open breaker keeps the actor down"
    );

    let h = t.wait_for(2, restarted("a")).await;
    let waited = opened_at.elapsed();
    let recovery = Duration::from_secs(30);
    assert!(
        waited >= recovery && waited < recovery + SLACK,
        "trial restart after {waited:?}, expected the recovery timeout {recovery:?}"
    );
    assert!(
        h.iter().any(|(_, c)| *c
            == LifecycleChange::Breaker {
                state: "half_open".into()
            }),
        "{h:#?}"
    );
    t.wait_for(1, |(_, c)| {
        *c == LifecycleChange::Breaker {
            state: "closed".into(),
        }
    })
    .await;
    assert!(t.status().await[0].running);
}

#[tokio::test(start_paused = true)]
async fn never_leaves_the_actor_down_and_the_others_running() {
    let t = tree(&["a", "b"], RestartStrategy::Never {}, NO_HEALTH).await;
    t.inject("a", Fault::Panic);
    t.wait_for(1, |(a, c)| {
        a == "a" && matches!(c, LifecycleChange::Failed { .. })
    })
    .await;
    tokio::time::sleep(Duration::from_secs(600)).await;
    let status = t.status().await;
    assert!(!status[0].running && status[1].running, "{status:?}");
    assert!(!t
        .history()
        .iter()
        .any(|(_, c)| matches!(c, LifecycleChange::Restarted { .. })));
}

#[tokio::test(start_paused = true)]
async fn failed_health_checks_count_as_a_failure_and_restart_the_actor() {
    let t = tree(
        &["a"],
        RestartStrategy::OneForOne(limit(3)),
        Duration::from_secs(5),
    )
    .await;
    t.inject("a", Fault::FailHealth { count: 2 });
    let h = t.wait_for(1, restarted("a")).await;
    let failed = h.iter().find_map(|(_, c)| match c {
        LifecycleChange::Failed { error } => Some(error.clone()),
        _ => None,
    });
    assert_eq!(failed.as_deref(), Some("failed 2 health check(s) in a row"));
}

#[tokio::test(start_paused = true)]
async fn messages_sent_while_an_actor_restarts_wait_in_its_mailbox_and_are_answered_after() {
    let policy = BackoffPolicy {
        initial_delay: Duration::from_secs(5),
        max_delay: Duration::from_secs(5),
        multiplier: 1.0,
        max_retries: 3,
    };
    let t = tree(
        &["a"],
        RestartStrategy::ExponentialBackoff(policy),
        NO_HEALTH,
    )
    .await;
    t.inject("a", Fault::Panic);
    t.wait_for(1, |(_, c)| matches!(c, LifecycleChange::Failed { .. }))
        .await;
    assert!(!t.status().await[0].running);

    let (tx, rx) = tokio::sync::oneshot::channel();
    t.senders[0]
        .send(SectionMsg::Get(tx), Priority::DEFAULT)
        .await
        .unwrap();
    let section = tokio::time::timeout(Duration::from_secs(60), rx)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(section, ExecutionConfig::default());
    assert!(t.status().await[0].running);
    assert_eq!(t.senders[0].metrics().delivered, 1);
}

#[tokio::test(start_paused = true)]
async fn a_restarted_actor_recovers_after_the_recovery_threshold_of_passed_checks() {
    let t = tree(
        &["a"],
        RestartStrategy::OneForOne(limit(3)),
        Duration::from_secs(5),
    )
    .await;
    t.inject("a", Fault::Panic);
    t.wait_for(1, restarted("a")).await;
    let status = t.status().await;
    assert!(status[0].running && status[0].recovering, "{status:?}");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while t.status().await[0].recovering {
        assert!(std::time::Instant::now() < deadline, "still recovering");
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    assert!(!t.status().await[0].recovering);
}

#[tokio::test(start_paused = true)]
async fn tree_wide_max_restarts_escalates_even_when_each_actor_is_within_its_own_limit() {
    let limits = TreeLimits {
        max_restarts: 2,
        restart_window: Duration::from_secs(300),
        ..TreeLimits::default()
    };
    let mut t = tree_with(
        &["a", "b", "c"],
        RestartStrategy::OneForOne(limit(10)),
        NO_HEALTH,
        limits,
    )
    .await;
    t.inject("a", Fault::Panic);
    t.wait_for(1, restarted("a")).await;
    t.inject("b", Fault::Panic);
    t.wait_for(1, restarted("b")).await;
    t.inject("c", Fault::Error);

    let escalation = tokio::time::timeout(Duration::from_secs(60), t.escalations.recv())
        .await
        .expect("escalates")
        .expect("an escalation");
    assert_eq!(escalation.child, "c");
    assert_eq!(escalation.strategy, "supervision.max_restarts");
    assert_eq!(escalation.restarts_in_window, 2);
    assert_eq!(escalation.last_error, "injected error");
    let h = t.history();
    assert!(
        !h.iter()
            .any(|(a, c)| a == "c" && matches!(c, LifecycleChange::Restarted { .. })),
        "{h:#?}"
    );
}

#[tokio::test(start_paused = true)]
async fn without_auto_recovery_failed_health_checks_mark_the_actor_degraded_but_never_restart_it() {
    let limits = TreeLimits {
        auto_recovery: false,
        ..TreeLimits::default()
    };
    let t = tree_with(
        &["a"],
        RestartStrategy::OneForOne(limit(3)),
        Duration::from_secs(5),
        limits,
    )
    .await;
    t.inject("a", Fault::FailHealth { count: 2 });
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !t.status().await[0].recovering {
        assert!(
            std::time::Instant::now() < deadline,
            "never marked degraded"
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    assert!(t.status().await[0].running);

    // Passing checks clear it; at no point was the actor stopped or restarted.
    while t.status().await[0].recovering {
        assert!(std::time::Instant::now() < deadline, "never recovered");
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let h = t.history();
    assert!(
        h.iter().all(|(_, c)| matches!(c, LifecycleChange::Started)),
        "only the first start: {h:#?}"
    );
    assert_eq!(t.status().await[0].restarts, 0);
}
