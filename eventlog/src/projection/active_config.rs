//! [`ActiveConfig`]: which configuration was active at an offset, and since which revision.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Projection;
use crate::envelope::Offset;
use crate::event::{
    ConfigLoaded, Event, EventKind, KeyOrigin, SecretFingerprint, SourceDigest, Verdict,
};

/// The configuration active after some prefix of the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActiveConfigState {
    /// Config revision: offset of the event that made this configuration active.
    pub revision: u64,
    /// Offset of the [`Event::ConfigLoaded`] holding the configuration.
    pub config_offset: u64,
    /// Which kind of event activated it: a validation verdict, a reload or a rollback.
    pub activated_by: EventKind,
    /// Timestamp of the activating event, milliseconds since the unix epoch.
    pub activated_at_ms: u64,
    /// Environment name recorded with the configuration.
    pub environment: String,
    /// The effective configuration as TOML, secrets redacted.
    pub effective_toml: String,
    /// Sources with their content hashes.
    pub sources: Vec<SourceDigest>,
    /// Provenance of each key that did not come from the defaults.
    pub provenance: Vec<KeyOrigin>,
    /// Fingerprints of the secrets that were set.
    pub secrets: Vec<SecretFingerprint>,
}

impl ActiveConfigState {
    /// The fingerprint of each secret that was set, by key path.
    pub fn secret_fingerprints(&self) -> BTreeMap<&str, &str> {
        self.secrets
            .iter()
            .map(|s| (s.key.as_str(), s.fingerprint.as_str()))
            .collect()
    }
}

/// Folds the log into the active configuration.
///
/// Rules, with the event at offset R:
/// - `ConfigLoaded` is remembered as a candidate under R; it does not become active by itself.
/// - `ValidationReported { config_offset: X, verdict: Accepted }` makes candidate X active with
///   revision R.
/// - `ReloadApplied { config_offset: X }` and `Rollback { config_offset: X }` make candidate X
///   active with revision R.
/// - Rejected verdicts, `ReloadRejected` and every other kind change nothing.
///
/// An activation naming an offset that holds no `ConfigLoaded` changes nothing either. Every
/// candidate is kept, so a rollback can go back to any earlier configuration.
#[derive(Debug, Clone, Default)]
pub struct ActiveConfig {
    candidates: BTreeMap<u64, ConfigLoaded>,
    active: Option<ActiveConfigState>,
    pending: Option<u64>,
}

impl ActiveConfig {
    /// An empty fold: nothing loaded, nothing active.
    pub fn new() -> Self {
        ActiveConfig::default()
    }

    /// The active configuration, if any event activated one.
    pub fn active(&self) -> Option<&ActiveConfigState> {
        self.active.as_ref()
    }

    /// The configuration recorded by the `ConfigLoaded` at `config_offset`, active or not.
    pub fn candidate(&self, config_offset: u64) -> Option<&ConfigLoaded> {
        self.candidates.get(&config_offset)
    }

    /// Offset of the `reload requested` whose outcome is not yet in the log: a reload in
    /// progress, or one the node died in the middle of. While one is open, an accepted
    /// validation does not activate its config; only `reload applied` or `rollback` does.
    pub fn pending_reload(&self) -> Option<u64> {
        self.pending
    }

    fn activate(&mut self, config_offset: u64, revision: Offset, by: EventKind, at_ms: u64) {
        let Some(loaded) = self.candidates.get(&config_offset) else {
            tracing::debug!(
                target: "alys_eventlog",
                revision = revision.0,
                config_offset,
                kind = %by,
                "activation ignored: no config loaded at that offset"
            );
            return;
        };

        tracing::debug!(
            target: "alys_eventlog",
            revision = revision.0,
            config_offset,
            kind = %by,
            "config activated"
        );
        self.active = Some(ActiveConfigState {
            revision: revision.0,
            config_offset,
            activated_by: by,
            activated_at_ms: at_ms,
            environment: loaded.environment.clone(),
            effective_toml: loaded.effective_toml.clone(),
            sources: loaded.sources.clone(),
            provenance: loaded.provenance.clone(),
            secrets: loaded.secrets.clone(),
        });
    }
}

impl Projection for ActiveConfig {
    type State = Option<ActiveConfigState>;

    fn apply(&mut self, offset: Offset, timestamp_ms: u64, event: &Event) {
        match event {
            Event::ConfigLoaded(loaded) => {
                self.candidates.insert(offset.0, loaded.clone());
            }
            Event::ValidationReported(report)
                if report.verdict == Verdict::Accepted && self.pending.is_none() =>
            {
                self.activate(report.config_offset, offset, event.kind(), timestamp_ms);
            }
            Event::ReloadRequested(_) => self.pending = Some(offset.0),
            Event::ReloadRejected(_) => self.pending = None,
            Event::ReloadApplied(applied) => {
                self.pending = None;
                self.activate(applied.config_offset, offset, event.kind(), timestamp_ms);
            }
            Event::Rollback(rollback) => {
                self.pending = None;
                self.activate(rollback.config_offset, offset, event.kind(), timestamp_ms);
            }
            _ => {}
        }
    }

    fn apply_owned(&mut self, offset: Offset, timestamp_ms: u64, event: Event) {
        match event {
            Event::ConfigLoaded(loaded) => {
                self.candidates.insert(offset.0, loaded);
            }
            other => self.apply(offset, timestamp_ms, &other),
        }
    }

    fn wants(&self, kind: EventKind) -> bool {
        matches!(
            kind,
            EventKind::ConfigLoaded
                | EventKind::ValidationReported
                | EventKind::ReloadRequested
                | EventKind::ReloadRejected
                | EventKind::ReloadApplied
                | EventKind::Rollback
        )
    }

    fn state(&self) -> &Self::State {
        &self.active
    }
}
