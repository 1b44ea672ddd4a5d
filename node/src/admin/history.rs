//! Answers about the past read from the event log: the config active at an offset, a diff of two
//! such configs, and a one-line summary per event.
//!
//! Every answer is a replay of the log, so the admin API tells the same story as `alys-log`
//! reading the same data directory. Replays block on sled; callers on the runtime run these on
//! a blocking thread.

use std::collections::VecDeque;

use alys_config::diff::{diff_recorded, diff_toml, Recorded};
use alys_eventlog::event::KindFilter;
use alys_eventlog::export::format_timestamp;
use alys_eventlog::export::summary;
use alys_eventlog::{replay, ActiveConfig, ActiveConfigState, EventLog, LogError, Offset};

use super::api::{ConfigAtReply, DiffReply, HistoryEntry, HistoryParams, RevisionRef};

/// Events `history` returns when no limit is given.
pub const DEFAULT_HISTORY_LIMIT: usize = 100;

/// The most events one `history` call returns, so one reply stays well under the server's
/// response size limit (10 MB) even with long summaries.
pub const MAX_HISTORY_LIMIT: usize = 10_000;

/// Why a question about the log has no answer.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// Nothing had been activated by that offset (or the log is empty).
    #[error("no configuration was active at offset {offset}")]
    NoConfig {
        /// The offset asked for.
        offset: u64,
    },

    /// No event kind starts with the `kind` filter.
    #[error("no event kind starts with `{kind}`; kinds: {}", KindFilter::names())]
    UnknownKind {
        /// The name given.
        kind: String,
    },

    /// An offset past the newest event: answering with the head's config would pass it off as
    /// the config at that offset.
    #[error("offset {offset} is past the newest event ({})", head.map_or_else(|| "the log is empty".to_owned(), |h| format!("offset {h}")))]
    PastHead {
        /// The offset asked for.
        offset: u64,
        /// The newest offset, if any.
        head: Option<u64>,
    },

    /// `from` is after `to`.
    #[error("`from` ({from}) is after `to` ({to})")]
    RangeReversed {
        /// The first offset asked for.
        from: u64,
        /// The last offset asked for.
        to: u64,
    },

    /// A recorded effective config is not TOML: the log holds something this build did not write.
    #[error("config recorded at offset {config_offset} is not TOML: {source}")]
    BadToml {
        /// The `config loaded` holding it.
        config_offset: u64,
        /// The parser's reason.
        source: toml::de::Error,
    },

    /// The log could not be read.
    #[error(transparent)]
    Log(#[from] LogError),
}

/// The configuration active at `offset` (at the head when `None`).
pub fn config_at(log: &EventLog, offset: Option<u64>) -> Result<ConfigAtReply, QueryError> {
    let offset = match offset {
        Some(offset) => reaching(log, offset)?,
        None => log.len().saturating_sub(1),
    };
    let state = active_at(log, offset)?;
    Ok(ConfigAtReply {
        offset,
        revision: state.revision,
        config_offset: state.config_offset,
        activated_by: state.activated_by.name().to_owned(),
        environment: state.environment,
        effective_toml: state.effective_toml,
    })
}

/// The key-level diff from the config active at `a` to the one active at `b`.
pub fn diff_at(log: &EventLog, a: u64, b: u64) -> Result<DiffReply, QueryError> {
    reaching(log, a.max(b))?;
    let old = active_at(log, a)?;
    let new = active_at(log, b)?;
    let (old_prints, new_prints) = (old.secret_fingerprints(), new.secret_fingerprints());
    let diff = diff_recorded(
        Recorded {
            effective_toml: &old.effective_toml,
            fingerprints: &old_prints,
        },
        Recorded {
            effective_toml: &new.effective_toml,
            fingerprints: &new_prints,
        },
    )
    .map_err(|source| {
        // Name the side that failed to parse; try the old one on its own to tell which.
        let config_offset = if diff_toml(&old.effective_toml, "").is_err() {
            old.config_offset
        } else {
            new.config_offset
        };
        QueryError::BadToml {
            config_offset,
            source,
        }
    })?;
    Ok(DiffReply {
        a: RevisionRef {
            offset: a,
            revision: old.revision,
        },
        b: RevisionRef {
            offset: b,
            revision: new.revision,
        },
        changes: diff.changes,
    })
}

/// The events in `params`' range and kind, in offset order, at most `limit` of the latest.
pub fn history(log: &EventLog, params: &HistoryParams) -> Result<Vec<HistoryEntry>, QueryError> {
    let kind = params
        .kind
        .as_deref()
        .map(|k| KindFilter::parse(k).ok_or_else(|| QueryError::UnknownKind { kind: k.to_owned() }))
        .transpose()?;
    let from = params.from.unwrap_or(0);
    if let Some(to) = params.to.filter(|to| *to < from) {
        return Err(QueryError::RangeReversed { from, to });
    }
    let limit = params
        .limit
        .unwrap_or(DEFAULT_HISTORY_LIMIT)
        .min(MAX_HISTORY_LIMIT);

    if limit == 0 {
        return Ok(Vec::new());
    }

    let mut entries = VecDeque::with_capacity(limit.min(1024));
    for envelope in log.read(Offset(from), params.to.map(Offset)) {
        let envelope = envelope?;
        if kind.as_ref().is_some_and(|k| !k.matches(envelope.kind())) {
            continue;
        }
        if entries.len() == limit {
            entries.pop_front();
        }
        let summary = match envelope.event() {
            Ok(event) => summary(&event),
            Err(e) => format!("undecodable payload: {e}"),
        };
        entries.push_back(HistoryEntry {
            offset: envelope.offset.0,
            time: format_timestamp(envelope.timestamp_ms),
            kind: envelope.kind().map_or_else(
                || format!("unknown({})", envelope.kind),
                |k| k.name().to_owned(),
            ),
            summary,
        });
    }
    Ok(entries.into())
}

/// `offset`, unless it is past the newest event.
fn reaching(log: &EventLog, offset: u64) -> Result<u64, QueryError> {
    let head = log.len().checked_sub(1);
    if head.is_none_or(|head| head < offset) {
        return Err(QueryError::PastHead { offset, head });
    }
    Ok(offset)
}

/// Replays up to `offset` and takes the active config there.
fn active_at(log: &EventLog, offset: u64) -> Result<ActiveConfigState, QueryError> {
    let mut active = ActiveConfig::new();
    replay(log, &mut active, Some(Offset(offset)))?;
    active
        .active()
        .cloned()
        .ok_or(QueryError::NoConfig { offset })
}
