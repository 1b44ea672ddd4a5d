//! Replaying a stored log into projections.

use alys_eventlog::event::{ConfigLoaded, Event, ReloadApplied, ValidationReported, Verdict};
use alys_eventlog::{replay, ActiveConfig, ActorHistory, EventLog, Offset, Projection};

use crate::common::{snapshot, temp_log};

fn loaded(toml: &str) -> Event {
    Event::ConfigLoaded(ConfigLoaded {
        environment: "production".into(),
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

/// 0 loaded, 1 accepted, 2 loaded, 3 rejected, 4 loaded, 5 accepted, 6 reload of 4, 7 snapshot.
fn history(log: &EventLog) {
    let events = [
        loaded("a = 1"),
        verdict(0, Verdict::Accepted),
        loaded("a = 2"),
        verdict(2, Verdict::Rejected),
        loaded("a = 3"),
        verdict(4, Verdict::Accepted),
        Event::ReloadApplied(ReloadApplied {
            config_offset: 4,
            diff: vec![],
            impacted_actors: vec!["network".into()],
            restarted_actors: vec![],
        }),
        snapshot(vec![7]),
    ];
    for event in &events {
        log.append(event).expect("append");
    }
}

fn state_bytes(log: &EventLog, upto: Option<Offset>) -> Vec<u8> {
    let mut projection = ActiveConfig::new();
    replay(log, &mut projection, upto).expect("replay");
    bincode::serde::encode_to_vec(projection.state(), bincode::config::standard()).expect("encode")
}

#[test]
fn replaying_the_same_log_twice_gives_identical_bytes() {
    let (_dir, log) = temp_log();
    history(&log);
    assert_eq!(state_bytes(&log, None), state_bytes(&log, None));
    assert_ne!(state_bytes(&log, None), state_bytes(&log, Some(Offset(1))));
}

#[test]
fn replay_to_an_offset_ignores_later_events() {
    let (_dir, log) = temp_log();
    history(&log);
    let mut projection = ActiveConfig::new();
    assert_eq!(
        replay(&log, &mut projection, Some(Offset(3))).expect("replay"),
        4
    );
    let active = projection.active().expect("active");
    assert_eq!((active.revision, active.config_offset), (1, 0));

    let mut projection = ActiveConfig::new();
    assert_eq!(replay(&log, &mut projection, None).expect("replay"), 8);
    let active = projection.active().expect("active");
    assert_eq!(
        (active.revision, active.effective_toml.as_str()),
        (6, "a = 3")
    );
}

#[test]
fn rejected_verdict_does_not_activate_its_config() {
    let (_dir, log) = temp_log();
    history(&log);
    for upto in 3..5 {
        let mut projection = ActiveConfig::new();
        replay(&log, &mut projection, Some(Offset(upto))).expect("replay");
        assert_eq!(
            projection.active().map(|a| a.config_offset),
            Some(0),
            "upto {upto}"
        );
    }
}

#[test]
fn actor_history_replays_from_the_store() {
    let (_dir, log) = temp_log();
    history(&log);
    let mut actors = ActorHistory::new();
    replay(&log, &mut actors, None).expect("replay");
    let chain = actors.actor("chain").expect("chain");
    assert_eq!(chain.latest_snapshot.as_ref().map(|s| s.offset), Some(7));
}
