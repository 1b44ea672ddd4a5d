//! `alys-log replay`: the state the node's projections rebuild from the log up to an offset, as
//! an operator asks it after an incident ("what config and which actor states were in force at
//! offset N?").
//!
//! It folds the same projections the node uses ([`ActiveConfig`] and [`ActorHistory`]), so what
//! it prints is what the node would rebuild from that prefix of the log, not a separate reading.
//! Each event is decoded once and handed to both folds.

use std::collections::BTreeMap;
use std::io::Write;

use alys_eventlog::event::LifecycleChange;
use alys_eventlog::export::format_timestamp;
use alys_eventlog::projection::{
    ActiveConfig, ActiveConfigState, ActorHistory, ActorRecord, Projection,
};
use alys_eventlog::Envelope;
use serde_json::{json, Value};

use crate::error::ToolError;

/// The projected state after a prefix of the log.
pub(crate) struct Replayed {
    /// The last offset folded in; `None` for an empty log.
    upto: Option<u64>,
    /// How many events were folded in.
    events: u64,
    config: ActiveConfig,
    actors: ActorHistory,
}

/// Folds `envelopes` (in offset order, already limited to `..=to`) into both projections.
///
/// With `to` set, the log must reach it: an offset past the newest event is
/// [`ToolError::PastHead`], never the head's state passed off as the state at `to`.
pub(crate) fn fold(
    envelopes: impl Iterator<Item = Result<Envelope, ToolError>>,
    to: Option<u64>,
) -> Result<Replayed, ToolError> {
    let mut replayed = Replayed {
        upto: None,
        events: 0,
        config: ActiveConfig::new(),
        actors: ActorHistory::new(),
    };
    for envelope in envelopes {
        let envelope = envelope?;
        let offset = envelope.offset.0;
        if to.is_some_and(|to| offset > to) {
            break;
        }
        let event = envelope.event().map_err(|e| ToolError::Undecodable {
            offset,
            reason: e.to_string(),
        })?;
        replayed
            .config
            .apply(envelope.offset, envelope.timestamp_ms, &event);
        replayed
            .actors
            .apply(envelope.offset, envelope.timestamp_ms, &event);
        replayed.upto = Some(offset);
        replayed.events += 1;
    }

    if let Some(to) = to {
        if replayed.upto.is_none_or(|head| head < to) {
            return Err(ToolError::PastHead {
                offset: to,
                head: replayed.upto,
            });
        }
    }
    Ok(replayed)
}

impl Replayed {
    /// One JSON object: `offset`, `events`, `config` (null when none was active yet) and
    /// `actors` keyed by name.
    pub(crate) fn to_json(&self) -> Value {
        let config = self.config.state().as_ref().map(|c| {
            json!({
                "revision": c.revision,
                "config_offset": c.config_offset,
                "activated_by": c.activated_by.name(),
                "activated_at": format_timestamp(c.activated_at_ms),
                "activated_at_ms": c.activated_at_ms,
                "environment": c.environment,
                "effective_toml": c.effective_toml,
            })
        });
        let actors: BTreeMap<&str, Value> = self
            .actors
            .state()
            .iter()
            .map(|(name, record)| (name.as_str(), actor_json(record)))
            .collect();
        json!({
            "offset": self.upto,
            "events": self.events,
            "config": config,
            "actors": actors,
        })
    }

    /// A readable report: the active config's identity, one line per actor, then the
    /// effective TOML (secrets were redacted before they reached the log).
    pub(crate) fn write_text(&self, out: &mut impl Write) {
        let upto = self
            .upto
            .map_or_else(|| "empty log".to_owned(), |o| format!("offset {o}"));
        let _ = writeln!(out, "state at {upto} ({} events replayed)", self.events);

        let _ = writeln!(out, "\nconfig:");
        let config = self.config.state().as_ref();
        match config {
            Some(c) => write_config(c, out),
            None => {
                let _ = writeln!(out, "  none active");
            }
        }

        let _ = writeln!(out, "\nactors:");
        if self.actors.state().is_empty() {
            let _ = writeln!(out, "  none recorded");
        } else {
            let _ = writeln!(
                out,
                "  {:<12}  {:<32}  {:>8}  {:>8}  SNAPSHOT",
                "ACTOR", "STATUS", "RESTARTS", "FAILURES"
            );
            for (name, record) in self.actors.state() {
                let _ = writeln!(
                    out,
                    "  {name:<12}  {:<32}  {:>8}  {:>8}  {}",
                    status(record),
                    record.restarts,
                    record.failures,
                    snapshot(record)
                );
            }
        }

        if let Some(c) = config {
            let _ = writeln!(out, "\neffective config (revision {}):", c.revision);
            let _ = write!(out, "{}", c.effective_toml);
        }
    }
}

fn write_config(c: &ActiveConfigState, out: &mut impl Write) {
    let _ = writeln!(out, "  revision:      {}", c.revision);
    let _ = writeln!(out, "  config offset: {}", c.config_offset);
    let _ = writeln!(out, "  activated by:  {}", c.activated_by.name());
    let _ = writeln!(
        out,
        "  activated at:  {}",
        format_timestamp(c.activated_at_ms)
    );
    let _ = writeln!(out, "  environment:   {}", c.environment);
}

/// The last lifecycle change in a few words, with where and under which revision it happened.
fn status(record: &ActorRecord) -> String {
    let Some(last) = &record.last_change else {
        return "unknown".to_owned();
    };
    format!(
        "{} @{} rev {}",
        change_name(&last.change),
        last.offset,
        last.config_revision
    )
}

fn change_name(change: &LifecycleChange) -> String {
    match change {
        LifecycleChange::Started => "started".to_owned(),
        LifecycleChange::Stopped => "stopped".to_owned(),
        LifecycleChange::Failed { .. } => "failed".to_owned(),
        LifecycleChange::Restarted { attempt, .. } => format!("restarted (attempt {attempt})"),
        LifecycleChange::Breaker { state } => format!("breaker {state}"),
        LifecycleChange::Escalated { .. } => "escalated".to_owned(),
    }
}

/// The change as one word, for `--json` readers that match on it.
fn change_word(change: &LifecycleChange) -> &'static str {
    match change {
        LifecycleChange::Started => "started",
        LifecycleChange::Stopped => "stopped",
        LifecycleChange::Failed { .. } => "failed",
        LifecycleChange::Restarted { .. } => "restarted",
        LifecycleChange::Breaker { .. } => "breaker",
        LifecycleChange::Escalated { .. } => "escalated",
    }
}

fn snapshot(record: &ActorRecord) -> String {
    record.latest_snapshot.as_ref().map_or_else(
        || "-".to_owned(),
        |s| {
            format!(
                "@{} rev {} {} ({} bytes)",
                s.offset,
                s.config_revision,
                s.strategy,
                s.state.len()
            )
        },
    )
}

fn actor_json(record: &ActorRecord) -> Value {
    let last_change = record.last_change.as_ref().map(|l| {
        json!({
            "offset": l.offset,
            "timestamp_ms": l.timestamp_ms,
            "config_revision": l.config_revision,
            "change": serde_json::to_value(&l.change).unwrap_or(Value::Null),
        })
    });
    let snapshot = record.latest_snapshot.as_ref().map(|s| {
        json!({
            "offset": s.offset,
            "timestamp_ms": s.timestamp_ms,
            "config_revision": s.config_revision,
            "strategy": s.strategy,
            "state_hex": hex::encode(&s.state),
        })
    });
    json!({
        "status": record.last_change.as_ref().map(|l| change_word(&l.change)),
        "last_change": last_change,
        "restarts": record.restarts,
        "failures": record.failures,
        "latest_snapshot": snapshot,
    })
}
