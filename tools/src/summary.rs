//! One readable line per event for `alys-log inspect`.

use alys_eventlog::event::{Event, LifecycleChange, Verdict};
use alys_eventlog::export::format_timestamp;
use alys_eventlog::Envelope;

/// The kind's name, or `unknown(<code>)` for a kind this build does not know.
pub(crate) fn kind_name(envelope: &Envelope) -> String {
    envelope.kind().map_or_else(
        || format!("unknown({})", envelope.kind),
        |k| k.name().to_owned(),
    )
}

/// The column titles of [`row`].
pub(crate) fn header() -> String {
    format!(
        "{:>8}  {:<24}  {:<20}  {}",
        "OFFSET", "TIME (UTC)", "KIND", "SUMMARY"
    )
}

/// `offset  time  kind  summary`.
pub(crate) fn row(envelope: &Envelope) -> String {
    let what = match envelope.event() {
        Ok(event) => describe(&event),
        Err(e) => format!("undecodable payload: {e}"),
    };
    format!(
        "{:>8}  {:<24}  {:<20}  {what}",
        envelope.offset.0,
        format_timestamp(envelope.timestamp_ms),
        kind_name(envelope)
    )
}

fn describe(event: &Event) -> String {
    match event {
        Event::ConfigLoaded(e) => format!(
            "environment={} sources=[{}] keys-set={} secrets={}",
            e.environment,
            e.sources
                .iter()
                .map(|s| format!("{}:{}", s.layer, s.name))
                .collect::<Vec<_>>()
                .join(", "),
            e.provenance.len(),
            e.secrets.len()
        ),
        Event::OverrideApplied(e) => format!("{} = {} ({} {})", e.key, e.value, e.layer, e.source),
        Event::ValidationReported(e) => {
            let count = |s: &str| e.findings.iter().filter(|f| f.severity == s).count();
            let verdict = match e.verdict {
                Verdict::Accepted => "accepted",
                Verdict::Rejected => "rejected",
            };
            format!(
                "{verdict} config@{}: {} error(s), {} warning(s), {} info",
                e.config_offset,
                count("error"),
                count("warning"),
                count("info")
            )
        }
        Event::ReloadRequested(e) => format!("trigger={}", e.trigger),
        Event::ReloadApplied(e) => format!(
            "config@{} changed [{}] restarted [{}]",
            e.config_offset,
            e.diff
                .iter()
                .map(|c| c.key.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            e.restarted_actors.join(", ")
        ),
        Event::ReloadRejected(e) => e.reason.clone(),
        Event::Rollback(e) => format!("to offset {} ({})", e.target_offset, e.reason),
        Event::ActorLifecycle(e) => format!(
            "{} {} (revision {})",
            e.actor,
            change(&e.change),
            e.config_revision
        ),
        Event::ActorSnapshot(e) => format!(
            "{} {} bytes, {} (revision {})",
            e.actor,
            e.state.len(),
            e.strategy,
            e.config_revision
        ),
        Event::Confirmation(e) => format!("revision {} confirmed by {}", e.revision, e.by),
    }
}

fn change(change: &LifecycleChange) -> String {
    match change {
        LifecycleChange::Started => "started".into(),
        LifecycleChange::Stopped => "stopped".into(),
        LifecycleChange::Failed { error } => format!("failed: {error}"),
        LifecycleChange::Restarted {
            strategy,
            attempt,
            delay_ms,
        } => {
            format!("restarted ({strategy}, attempt {attempt}, after {delay_ms} ms)")
        }
        LifecycleChange::Breaker { state } => format!("breaker {state}"),
        LifecycleChange::Escalated { reason } => format!("escalated: {reason}"),
    }
}
