//! `alys-log diff` and `alys-log audit`: what changed between two config revisions, and every
//! change of one key, read from the recorded effective configurations.

use std::io::Write;

use alys_config::diff::{diff_recorded, redacted_fingerprint, Recorded};
use alys_eventlog::event::{Event, EventKind};
use alys_eventlog::export::format_timestamp;
use alys_eventlog::projection::{ActiveConfig, ActiveConfigState, Projection};

use crate::error::ToolError;
use crate::source::Entries;

/// Every config activation of a log, in order, and the newest offset read.
struct Activations {
    /// Each activation's offset, the active state after it, and what triggered it: `start` for
    /// a node start, else the trigger of the `reload requested` it concluded (`file-watch`,
    /// `sighup`, `rollback`...).
    all: Vec<(u64, ActiveConfigState, String)>,
    /// The newest offset read; `None` for an empty log.
    head: Option<u64>,
}

impl Activations {
    /// Fails with [`ToolError::PastHead`] when `offset` is past the newest event, so that the
    /// head's config is never passed off as the config at `offset`.
    fn reaching(self, offset: u64) -> Result<Activations, ToolError> {
        if self.head.is_none_or(|head| head < offset) {
            return Err(ToolError::PastHead {
                offset,
                head: self.head,
            });
        }
        Ok(self)
    }

    /// The configuration active at `offset`.
    fn active_at(&self, offset: u64) -> Result<&ActiveConfigState, ToolError> {
        self.all
            .iter()
            .rev()
            .find(|(at, _, _)| *at <= offset)
            .map(|(_, s, _)| s)
            .ok_or(ToolError::NoConfig(offset))
    }
}

/// Folds `entries` into their config activations.
fn activations(entries: Entries) -> Result<Activations, ToolError> {
    let mut projection = ActiveConfig::default();
    let mut out = Activations {
        all: Vec::new(),
        head: None,
    };
    let mut trigger = String::from("start");
    for entry in entries {
        let (offset, bytes) = entry?;
        out.head = Some(offset);
        let envelope =
            alys_eventlog::codec::decode_envelope(&bytes).map_err(|e| ToolError::Undecodable {
                offset,
                reason: e.to_string(),
            })?;
        let event = envelope.event().map_err(|e| ToolError::Undecodable {
            offset,
            reason: e.to_string(),
        })?;
        if let Event::ReloadRequested(requested) = &event {
            trigger.clone_from(&requested.trigger);
        }
        let before = projection.state().as_ref().map(|s| s.revision);
        projection.apply(envelope.offset, envelope.timestamp_ms, &event);
        if let Some(state) = projection.state() {
            if Some(state.revision) != before {
                let by = match state.activated_by {
                    EventKind::ValidationReported => "start".to_owned(),
                    _ => trigger.clone(),
                };
                out.all.push((offset, state.clone(), by));
            }
        }
    }
    Ok(out)
}

/// Prints the key-level diff of the configs active at `from` and `to`.
pub(crate) fn diff(
    entries: Entries,
    from: u64,
    to: u64,
    out: &mut impl Write,
) -> Result<(), ToolError> {
    let log = activations(entries)?.reaching(from.max(to))?;
    let old = log.active_at(from)?;
    let new = log.active_at(to)?;
    let (old_prints, new_prints) = (old.secret_fingerprints(), new.secret_fingerprints());
    let changes = diff_recorded(
        Recorded {
            effective_toml: &old.effective_toml,
            fingerprints: &old_prints,
        },
        Recorded {
            effective_toml: &new.effective_toml,
            fingerprints: &new_prints,
        },
    )
    .map_err(|e| ToolError::Undecodable {
        offset: new.config_offset,
        reason: e.to_string(),
    })?;
    let _ = writeln!(
        out,
        "revision {} -> revision {}",
        old.revision, new.revision
    );
    if changes.is_empty() {
        let _ = writeln!(out, "no changes");
    }
    let _ = write!(out, "{changes}");
    Ok(())
}

/// Prints every revision at which `key` took a new value.
pub(crate) fn audit(entries: Entries, key: &str, out: &mut impl Write) -> Result<(), ToolError> {
    let log = activations(entries)?;
    let mut previous: Option<Value> = None;
    let mut first = true;
    for (_, state, trigger) in &log.all {
        let value = value_at(state, key);
        if !first && value == previous {
            continue;
        }
        let origin = state.provenance.iter().find(|o| o.key == key).map_or_else(
            || "default".to_owned(),
            |o| format!("{} {}", o.layer, o.source),
        );
        let shown = |v: &Option<Value>| {
            v.as_ref()
                .map_or_else(|| "(unset)".to_owned(), |v| v.shown.clone())
        };
        let _ = writeln!(
            out,
            "{:>8}  {}  {} -> {}  ({origin}; trigger {trigger})",
            state.revision,
            format_timestamp(state.activated_at_ms),
            if first {
                "(start)".to_owned()
            } else {
                shown(&previous)
            },
            shown(&value),
        );
        previous = value;
        first = false;
    }
    if first {
        let _ = writeln!(out, "no configuration recorded");
    }
    Ok(())
}

/// A key's value in one revision.
#[derive(Debug, PartialEq)]
struct Value {
    /// What tells two values apart: the inline TOML, or a secret's whole fingerprint (a literal
    /// secret is `<redacted>` in every revision's text).
    identity: String,
    /// How it prints; a secret only as its redacted fingerprint.
    shown: String,
}

/// The value of `key` in `state`; `None` when unset.
fn value_at(state: &ActiveConfigState, key: &str) -> Option<Value> {
    if let Some(print) = state.secrets.iter().find(|s| s.key == key) {
        return Some(Value {
            identity: print.fingerprint.clone(),
            shown: redacted_fingerprint(&print.fingerprint),
        });
    }
    let text = lookup(&state.effective_toml, key)?;
    Some(Value {
        identity: text.clone(),
        shown: text,
    })
}

/// The value at a dotted key path of a TOML text, as inline TOML.
fn lookup(toml_text: &str, key: &str) -> Option<String> {
    let root = toml::from_str::<toml::Value>(toml_text).ok()?;
    let mut value = &root;
    for part in key.split('.') {
        let (name, index) = match part.split_once('[') {
            Some((n, rest)) => (n, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (part, None),
        };
        value = value.get(name)?;
        if let Some(i) = index {
            value = value.get(i)?;
        }
    }
    Some(alys_config::dump::inline(value))
}
