//! Turning a loaded and judged configuration into the events that record it.
//!
//! Secrets never leave here in clear: the effective config is the redacted dump, overrides of
//! secret keys carry the redaction marker, and each set secret is recorded only as a keyed
//! fingerprint.

use alys_config::dump;
use alys_config::validate::Report;
use alys_config::Loaded;
use alys_eventlog::event::{
    ConfigLoaded, Event, FindingRecord, KeyOrigin, OverrideApplied, SecretFingerprint,
    SourceDigest, ValidationReported, Verdict,
};

/// The `config loaded` event for `loaded`.
pub fn config_loaded(loaded: &Loaded, fingerprint_key: &[u8; 32]) -> Event {
    Event::ConfigLoaded(ConfigLoaded {
        environment: loaded.config.environment.to_string(),
        sources: loaded
            .sources
            .iter()
            .map(|s| SourceDigest {
                layer: s.layer.to_string(),
                name: s.name.clone(),
                blake3: s.blake3.clone(),
            })
            .collect(),
        effective_toml: dump::to_toml(loaded),
        provenance: loaded
            .provenance
            .iter()
            .map(|(key, origin)| KeyOrigin {
                key: key.to_owned(),
                layer: origin.layer.to_string(),
                source: origin.source.to_string(),
            })
            .collect(),
        secrets: dump::secret_fingerprints(&loaded.config, fingerprint_key)
            .into_iter()
            .map(|(key, fingerprint)| SecretFingerprint { key, fingerprint })
            .collect(),
    })
}

/// One `override applied` event per variable or flag, in the order they were laid.
pub fn overrides_applied(loaded: &Loaded) -> Vec<Event> {
    loaded
        .overrides
        .iter()
        .map(|o| {
            Event::OverrideApplied(OverrideApplied {
                key: o.key.clone(),
                layer: o.origin.layer.to_string(),
                source: o.origin.source.to_string(),
                value: o.value.clone(),
            })
        })
        .collect()
}

/// The `validation reported` event for the config recorded at `config_offset`.
pub fn validation_reported(report: &Report, config_offset: u64) -> Event {
    Event::ValidationReported(ValidationReported {
        config_offset,
        findings: report
            .findings
            .iter()
            .map(|f| FindingRecord {
                severity: f.severity.to_string(),
                rule: f.rule.clone(),
                key: f.key.clone(),
                message: f.message.clone(),
            })
            .collect(),
        verdict: if report.is_accepted() {
            Verdict::Accepted
        } else {
            Verdict::Rejected
        },
    })
}
