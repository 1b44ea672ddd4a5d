//! One readable line per event for `alys-log inspect`.

use alys_eventlog::export::{format_timestamp, summary};
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
        Ok(event) => summary(&event),
        Err(e) => format!("undecodable payload: {e}"),
    };
    format!(
        "{:>8}  {:<24}  {:<20}  {what}",
        envelope.offset.0,
        format_timestamp(envelope.timestamp_ms),
        kind_name(envelope)
    )
}
