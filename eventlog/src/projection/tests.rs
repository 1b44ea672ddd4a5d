//! Unit tests of the projections over in-memory envelopes.

use super::*;
use crate::envelope::GENESIS_PREV;
use crate::event::*;

fn loaded(env: &str, toml: &str) -> Event {
    Event::ConfigLoaded(ConfigLoaded {
        environment: env.into(),
        sources: vec![],
        effective_toml: toml.into(),
        provenance: vec![],
        secrets: vec![],
    })
}

fn verdict(config_offset: u64, verdict: Verdict) -> Event {
    Event::ValidationReported(ValidationReported {
        config_offset,
        findings: vec![],
        verdict,
    })
}

fn reload(config_offset: u64) -> Event {
    Event::ReloadApplied(ReloadApplied {
        config_offset,
        diff: vec![],
        impacted_actors: vec![],
        restarted_actors: vec![],
    })
}

fn lifecycle(actor: &str, change: LifecycleChange) -> Event {
    Event::ActorLifecycle(ActorLifecycle {
        actor: actor.into(),
        config_revision: 1,
        change,
    })
}

/// Chains `events` at offsets 0.. with timestamps 1000, 1001, ...
fn envelopes(events: &[Event]) -> Vec<Result<Envelope, LogError>> {
    let mut prev = GENESIS_PREV;
    let mut out = Vec::new();
    for (i, event) in (0u64..).zip(events) {
        let env = Envelope::seal(Offset(i), 1_000 + i, event, prev);
        prev = env.hash;
        out.push(Ok(env));
    }
    out
}

fn active_after(events: &[Event], upto: Option<Offset>) -> ActiveConfig {
    let mut projection = ActiveConfig::new();
    replay_envelopes(envelopes(events), &mut projection, upto).expect("replay");
    projection
}

#[test]
fn accepted_verdict_activates_with_its_own_offset_as_revision() {
    let events = [
        loaded("development", "a = 1"),
        verdict(0, Verdict::Accepted),
    ];
    let projection = active_after(&events, None);
    let active = projection.active().expect("active");
    assert_eq!((active.revision, active.config_offset), (1, 0));
    assert_eq!(active.activated_by, EventKind::ValidationReported);
    assert_eq!(active.activated_at_ms, 1_001);
    assert_eq!(active.effective_toml, "a = 1");
}

#[test]
fn rejected_verdict_and_rejected_reload_do_not_activate() {
    let events = [
        loaded("development", "a = 1"),
        verdict(0, Verdict::Accepted),
        loaded("development", "a = 2"),
        verdict(2, Verdict::Rejected),
        Event::ReloadRejected(ReloadRejected {
            config_offset: Some(2),
            reason: "x".into(),
        }),
    ];
    let projection = active_after(&events, None);
    assert_eq!(
        projection.state().as_ref().map(|a| a.config_offset),
        Some(0)
    );
    assert!(projection.candidate(2).is_some());
}

#[test]
fn nothing_is_active_before_a_verdict() {
    let projection = active_after(&[loaded("development", "a = 1")], None);
    assert_eq!(projection.state(), &None);
}

#[test]
fn reload_and_rollback_activate_the_config_they_name() {
    let events = [
        loaded("production", "a = 1"),
        verdict(0, Verdict::Accepted),
        loaded("production", "a = 2"),
        reload(2),
        Event::Rollback(Rollback {
            target_offset: 1,
            reason: "operator".into(),
            config_offset: 0,
        }),
    ];
    let after_reload = active_after(&events, Some(Offset(3)));
    let active = after_reload.active().expect("active");
    assert_eq!(
        (active.revision, active.effective_toml.as_str()),
        (3, "a = 2")
    );

    let after_rollback = active_after(&events, None);
    let active = after_rollback.active().expect("active");
    assert_eq!((active.revision, active.config_offset), (4, 0));
    assert_eq!(active.activated_by, EventKind::Rollback);
}

#[test]
fn activation_of_an_unknown_offset_changes_nothing() {
    let events = [
        loaded("development", "a = 1"),
        verdict(0, Verdict::Accepted),
        reload(7),
    ];
    let projection = active_after(&events, None);
    assert_eq!(projection.active().map(|a| a.revision), Some(1));
}

#[test]
fn replay_upto_ignores_later_events_and_counts_applied() {
    let events = [
        loaded("d", "a = 1"),
        verdict(0, Verdict::Accepted),
        loaded("d", "a = 2"),
        reload(2),
    ];
    let mut projection = ActiveConfig::new();
    let applied = replay_envelopes(envelopes(&events), &mut projection, Some(Offset(2)));
    assert_eq!(applied.ok(), Some(3));
    assert_eq!(projection.active().map(|a| a.config_offset), Some(0));
}

#[test]
fn envelopes_out_of_order_are_refused() {
    let mut input = envelopes(&[loaded("d", "a"), loaded("d", "b")]);
    input.swap(0, 1);
    let result = replay_envelopes(input, &mut ActiveConfig::new(), None);
    assert!(matches!(
        result,
        Err(LogError::Unordered {
            found: Offset(0),
            ..
        })
    ));
}

#[test]
fn undecodable_payload_is_corruption_at_its_offset() {
    let mut input = envelopes(&[loaded("d", "a"), loaded("d", "b")]);
    if let Some(Ok(env)) = input.get_mut(1) {
        env.payload = vec![0xff; 3];
    }
    let result = replay_envelopes(input, &mut ActiveConfig::new(), None);
    assert!(
        matches!(result, Err(LogError::Corrupt { offset: 1, .. })),
        "{result:?}"
    );
}

#[test]
fn actor_history_counts_restarts_and_keeps_the_latest_snapshot() {
    let restarted = LifecycleChange::Restarted {
        strategy: "fixed".into(),
        attempt: 1,
        delay_ms: 10,
    };
    let snapshot = |state: u8| {
        Event::ActorSnapshot(ActorSnapshot {
            actor: "chain".into(),
            config_revision: 1,
            strategy: "serialize".into(),
            state: vec![state],
        })
    };
    let events = [
        lifecycle("chain", LifecycleChange::Started),
        lifecycle(
            "chain",
            LifecycleChange::Failed {
                error: "boom".into(),
            },
        ),
        lifecycle("chain", restarted.clone()),
        snapshot(1),
        lifecycle("storage", LifecycleChange::Started),
        snapshot(2),
    ];
    let mut history = ActorHistory::new();
    replay_envelopes(envelopes(&events), &mut history, None).expect("replay");

    let chain = history.actor("chain").expect("chain");
    assert_eq!((chain.restarts, chain.failures), (1, 1));
    assert_eq!(
        chain.last_change.as_ref().map(|c| &c.change),
        Some(&restarted)
    );
    assert_eq!(
        chain
            .latest_snapshot
            .as_ref()
            .map(|s| (s.offset, s.state.clone())),
        Some((5, vec![2]))
    );
    assert_eq!(
        history.state().keys().collect::<Vec<_>>(),
        ["chain", "storage"]
    );
}

fn requested() -> Event {
    Event::ReloadRequested(ReloadRequested {
        trigger: "file-watch".into(),
    })
}

#[test]
fn accepted_verdict_inside_an_open_reload_waits_for_the_commit() {
    let events = [
        loaded("development", "a = 1"),
        verdict(0, Verdict::Accepted),
        requested(),
        loaded("development", "a = 2"),
        verdict(3, Verdict::Accepted),
        reload(3),
    ];
    let before_commit = active_after(&events, Some(Offset(4)));
    assert_eq!(before_commit.active().expect("active").config_offset, 0);
    assert_eq!(before_commit.pending_reload(), Some(2));

    let after_commit = active_after(&events, None);
    assert_eq!(after_commit.active().expect("active").revision, 5);
    assert_eq!(after_commit.pending_reload(), None);
}

#[test]
fn rejected_reload_closes_it_so_a_later_start_activates_again() {
    let events = [
        loaded("development", "a = 1"),
        verdict(0, Verdict::Accepted),
        requested(),
        Event::ReloadRejected(ReloadRejected {
            config_offset: None,
            reason: "interrupted".into(),
        }),
        loaded("development", "a = 3"),
        verdict(4, Verdict::Accepted),
    ];
    let projection = active_after(&events, None);
    assert_eq!(projection.pending_reload(), None);
    assert_eq!(projection.active().expect("active").config_offset, 4);
}
