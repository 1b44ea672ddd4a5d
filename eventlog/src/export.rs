//! JSON rendering of envelopes for tools (`alys-log --json`, the admin API), with timestamps
//! as RFC 3339 UTC text.

use serde_json::{json, Value};

use crate::envelope::Envelope;
use crate::event::{Event, LifecycleChange, Verdict};

/// The envelope as a JSON object with the fields `offset`, `version`, `timestamp` (RFC 3339 UTC,
/// millisecond precision), `timestamp_ms`, `kind` (the snake_case name, or `unknown(<code>)`),
/// `kind_code`, `hash` and `prev_hash` (lower-case hex), and `payload`: the decoded event as
/// serde renders it, or `{"undecodable": "<reason>"}`.
pub fn envelope_to_json(env: &Envelope) -> Value {
    let kind = env
        .kind()
        .map_or_else(|| format!("unknown({})", env.kind), |k| k.name().to_owned());
    let payload = match env.event() {
        Ok(event) => {
            serde_json::to_value(&event).unwrap_or_else(|e| json!({ "unencodable": e.to_string() }))
        }
        Err(e) => json!({ "undecodable": e.to_string() }),
    };
    json!({
        "offset": env.offset.0,
        "version": env.version,
        "timestamp": format_timestamp(env.timestamp_ms),
        "timestamp_ms": env.timestamp_ms,
        "kind": kind,
        "kind_code": env.kind,
        "hash": hex::encode(env.hash),
        "prev_hash": hex::encode(env.prev_hash),
        "payload": payload,
    })
}

/// Formats milliseconds since the unix epoch as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub fn format_timestamp(unix_ms: u64) -> String {
    let secs = unix_ms / 1000;
    let (year, month, day) = civil_from_days(secs / 86_400);
    let of_day = secs % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60,
        unix_ms % 1000
    )
}

/// Year, month (1-12) and day (1-31) of the proleptic Gregorian calendar for `days` since
/// 1970-01-01, after Howard Hinnant's `civil_from_days`
/// (<https://howardhinnant.github.io/date_algorithms.html>), restricted to dates from 1970 on.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    // Shift the epoch to 0000-03-01 so leap days fall at the end of each counted year.
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// One readable line for an event: what `alys-log inspect` and the admin API's history print.
pub fn summary(event: &Event) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::{Offset, GENESIS_PREV};
    use crate::event::{Event, ReloadRequested};

    #[test]
    fn formats_known_instants() {
        assert_eq!(format_timestamp(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            format_timestamp(951_782_400_000),
            "2000-02-29T00:00:00.000Z"
        );
        assert_eq!(
            format_timestamp(951_868_799_999),
            "2000-02-29T23:59:59.999Z"
        );
        assert_eq!(
            format_timestamp(1_700_000_000_123),
            "2023-11-14T22:13:20.123Z"
        );
        assert_eq!(
            format_timestamp(4_107_542_400_000),
            "2100-03-01T00:00:00.000Z"
        );
    }

    #[test]
    fn civil_dates_advance_one_day_at_a_time() {
        let mut previous = civil_from_days(0);
        for days in 1..200_000 {
            let next = civil_from_days(days);
            let (y, m, d) = previous;
            let same_month = next == (y, m, d + 1);
            let next_month = next.2 == 1 && (next.0, next.1) == (y, m + 1);
            let next_year = next == (y + 1, 1, 1) && (m, d) == (12, 31);
            assert!(
                same_month || next_month || next_year,
                "{previous:?} -> {next:?}"
            );
            previous = next;
        }
    }

    #[test]
    fn envelope_json_names_kind_and_decodes_payload() {
        let event = Event::ReloadRequested(ReloadRequested {
            trigger: "sighup".into(),
        });
        let env = Envelope::seal(Offset(4), 1_700_000_000_000, &event, GENESIS_PREV);
        let value = envelope_to_json(&env);
        assert_eq!(value["offset"], 4);
        assert_eq!(value["kind"], "reload_requested");
        assert_eq!(value["timestamp"], "2023-11-14T22:13:20.000Z");
        assert_eq!(value["prev_hash"], "00".repeat(32));
        assert_eq!(value["hash"], hex::encode(env.hash));
        assert_eq!(value["payload"]["ReloadRequested"]["trigger"], "sighup");
    }

    #[test]
    fn undecodable_payload_is_reported_in_place() {
        let event = Event::ReloadRequested(ReloadRequested {
            trigger: "sighup".into(),
        });
        let mut env = Envelope::seal(Offset(0), 0, &event, GENESIS_PREV);
        env.payload = vec![200];
        env.kind = 99;
        let value = envelope_to_json(&env);
        assert_eq!(value["kind"], "unknown(99)");
        assert!(value["payload"]["undecodable"].is_string());
    }
}
