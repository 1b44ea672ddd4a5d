//! The events the control plane records, one variant per step of a configuration's or an
//! actor's life.
//!
//! The log stores these as bincode payloads inside an envelope; the variant order is part of the
//! stored format, so new kinds are only ever appended at the end of [`Event`]. Nothing here holds
//! a secret in clear: the config crate redacts before an event is built.

use serde::{Deserialize, Serialize};

/// One recorded step. The variant decides the envelope's [`EventKind`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Event {
    /// A configuration was read from its sources (not yet validated).
    ConfigLoaded(ConfigLoaded),
    /// One environment-variable or command-line override took effect.
    OverrideApplied(OverrideApplied),
    /// The rule engine judged the configuration loaded at `config_offset`.
    ValidationReported(ValidationReported),
    /// Something asked for a reload.
    ReloadRequested(ReloadRequested),
    /// A reload was committed and its config is now active.
    ReloadApplied(ReloadApplied),
    /// A reload was refused or rolled back before commit; the old config stays active.
    ReloadRejected(ReloadRejected),
    /// The node went back to the config active at an earlier offset.
    Rollback(Rollback),
    /// An actor started, stopped, failed, restarted or escalated.
    ActorLifecycle(ActorLifecycle),
    /// An actor's preserved state, tied to the config revision it ran under.
    ActorSnapshot(ActorSnapshot),
    /// An operator confirmed a revision applied with a confirmation window.
    Confirmation(Confirmation),
}

/// Stable numeric and textual name of an event variant, kept in the envelope so that tools can
/// filter without decoding payloads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[repr(u16)]
pub enum EventKind {
    /// [`Event::ConfigLoaded`]
    ConfigLoaded = 1,
    /// [`Event::OverrideApplied`]
    OverrideApplied = 2,
    /// [`Event::ValidationReported`]
    ValidationReported = 3,
    /// [`Event::ReloadRequested`]
    ReloadRequested = 4,
    /// [`Event::ReloadApplied`]
    ReloadApplied = 5,
    /// [`Event::ReloadRejected`]
    ReloadRejected = 6,
    /// [`Event::Rollback`]
    Rollback = 7,
    /// [`Event::ActorLifecycle`]
    ActorLifecycle = 8,
    /// [`Event::ActorSnapshot`]
    ActorSnapshot = 9,
    /// [`Event::Confirmation`]
    Confirmation = 10,
}

impl EventKind {
    /// Every kind, in numeric order.
    pub const ALL: [EventKind; 10] = [
        EventKind::ConfigLoaded,
        EventKind::OverrideApplied,
        EventKind::ValidationReported,
        EventKind::ReloadRequested,
        EventKind::ReloadApplied,
        EventKind::ReloadRejected,
        EventKind::Rollback,
        EventKind::ActorLifecycle,
        EventKind::ActorSnapshot,
        EventKind::Confirmation,
    ];

    /// The snake_case name printed by tools and accepted by `--kind` filters.
    pub fn name(self) -> &'static str {
        match self {
            EventKind::ConfigLoaded => "config_loaded",
            EventKind::OverrideApplied => "override_applied",
            EventKind::ValidationReported => "validation_reported",
            EventKind::ReloadRequested => "reload_requested",
            EventKind::ReloadApplied => "reload_applied",
            EventKind::ReloadRejected => "reload_rejected",
            EventKind::Rollback => "rollback",
            EventKind::ActorLifecycle => "actor_lifecycle",
            EventKind::ActorSnapshot => "actor_snapshot",
            EventKind::Confirmation => "confirmation",
        }
    }

    /// The kind stored as `code`, or `None` for a code this build does not know.
    pub fn from_code(code: u16) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| *k as u16 == code)
    }
}

/// A kind filter as `alys-log inspect --kind` and `alys-node ctl history --kind` take it: every
/// kind whose name starts with the text given, so `actor` selects `actor_lifecycle` and
/// `actor_snapshot`, `reload` the three reload kinds, and a full name that kind alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindFilter {
    kinds: Vec<EventKind>,
}

impl KindFilter {
    /// The kinds whose name starts with `prefix`; `None` when no kind does.
    pub fn parse(prefix: &str) -> Option<KindFilter> {
        let kinds: Vec<EventKind> = EventKind::ALL
            .into_iter()
            .filter(|k| k.name().starts_with(prefix))
            .collect();
        (!kinds.is_empty()).then_some(KindFilter { kinds })
    }

    /// Whether an event of `kind` passes; a kind this build does not know (`None`) never does.
    pub fn matches(&self, kind: Option<EventKind>) -> bool {
        kind.is_some_and(|k| self.kinds.contains(&k))
    }

    /// Every kind's name, comma separated, for the error that names a filter matching none.
    pub fn names() -> String {
        EventKind::ALL.map(EventKind::name).join(", ")
    }
}

impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Event {
    /// The kind recorded in this event's envelope.
    pub fn kind(&self) -> EventKind {
        match self {
            Event::ConfigLoaded(_) => EventKind::ConfigLoaded,
            Event::OverrideApplied(_) => EventKind::OverrideApplied,
            Event::ValidationReported(_) => EventKind::ValidationReported,
            Event::ReloadRequested(_) => EventKind::ReloadRequested,
            Event::ReloadApplied(_) => EventKind::ReloadApplied,
            Event::ReloadRejected(_) => EventKind::ReloadRejected,
            Event::Rollback(_) => EventKind::Rollback,
            Event::ActorLifecycle(_) => EventKind::ActorLifecycle,
            Event::ActorSnapshot(_) => EventKind::ActorSnapshot,
            Event::Confirmation(_) => EventKind::Confirmation,
        }
    }
}

/// A source the configuration was read from, with the blake3 hash of its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceDigest {
    /// `defaults`, `file`, `env` or `cli`.
    pub layer: String,
    /// The file path, or a short description for non-file layers.
    pub name: String,
    /// Lower-case hex blake3 of the source's bytes (for env and cli: of the sorted assignments).
    pub blake3: String,
}

/// Where one effective key got its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyOrigin {
    /// Dotted key path, e.g. `governance.grpc.connect_timeout`.
    pub key: String,
    /// `default`, `file`, `environment-section`, `env` or `cli`.
    pub layer: String,
    /// `path:line:column`, the variable name, or the `--set` argument.
    pub source: String,
}

/// The keyed fingerprint of one secret: enough to see that it changed, never its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretFingerprint {
    /// Dotted key path of the secret.
    pub key: String,
    /// Lower-case hex of a keyed blake3 hash of the value (the key stays in the data dir).
    pub fingerprint: String,
}

/// Payload of [`Event::ConfigLoaded`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigLoaded {
    /// Active environment name (`development`, `production`, ...).
    pub environment: String,
    /// Every source in the order its layer was applied.
    pub sources: Vec<SourceDigest>,
    /// The effective configuration as TOML; secrets appear as their `${VAR}` template or a
    /// redaction marker.
    pub effective_toml: String,
    /// Provenance of each key that did not come from the defaults.
    pub provenance: Vec<KeyOrigin>,
    /// Fingerprints of every secret that is set.
    pub secrets: Vec<SecretFingerprint>,
}

/// Payload of [`Event::OverrideApplied`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverrideApplied {
    /// Dotted key path the override set.
    pub key: String,
    /// `env` or `cli`.
    pub layer: String,
    /// The variable name or the `--set` argument's key.
    pub source: String,
    /// The value as given, or a redaction marker when the key is a secret.
    pub value: String,
}

/// One finding of the rule engine, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingRecord {
    /// `error`, `warning` or `info`.
    pub severity: String,
    /// The rule's id, e.g. `range.network.max_peers`.
    pub rule: String,
    /// Dotted key path the finding is about.
    pub key: String,
    /// Human-readable explanation.
    pub message: String,
}

/// Outcome of validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Verdict {
    /// No error-level finding: the configuration may become active.
    Accepted,
    /// At least one error-level finding: the configuration must not be applied.
    Rejected,
}

/// Payload of [`Event::ValidationReported`]. An accepted verdict makes the configuration recorded
/// at `config_offset` active; the offset of this event is then the config revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidationReported {
    /// Offset of the [`Event::ConfigLoaded`] this verdict is about.
    pub config_offset: u64,
    /// Every finding, errors first.
    pub findings: Vec<FindingRecord>,
    /// Whether the configuration was accepted.
    pub verdict: Verdict,
}

/// Payload of [`Event::ReloadRequested`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReloadRequested {
    /// `file-watch`, `sighup`, `admin-api`, `scheduled` or `rollback`.
    pub trigger: String,
}

/// A changed key in a diff between two configurations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyChange {
    /// Dotted key path.
    pub key: String,
    /// Old value as TOML text (redacted if secret), `None` when added.
    pub old: Option<String>,
    /// New value as TOML text (redacted if secret), `None` when removed.
    pub new: Option<String>,
}

/// Payload of [`Event::ReloadApplied`]; its offset becomes the config revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReloadApplied {
    /// Offset of the [`Event::ConfigLoaded`] that holds the new configuration.
    pub config_offset: u64,
    /// Key-level diff against the previously active configuration.
    pub diff: Vec<KeyChange>,
    /// Actors that received a new section.
    pub impacted_actors: Vec<String>,
    /// Actors that were restarted to apply it.
    pub restarted_actors: Vec<String>,
}

/// Payload of [`Event::ReloadRejected`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReloadRejected {
    /// Offset of the [`Event::ConfigLoaded`] that was refused, if it got that far.
    pub config_offset: Option<u64>,
    /// Why, in one line.
    pub reason: String,
}

/// Payload of [`Event::Rollback`]; its offset becomes the config revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rollback {
    /// The offset whose active configuration was restored.
    pub target_offset: u64,
    /// Why the node rolled back (`operator`, `confirmation expired`, `health check failed`...).
    pub reason: String,
    /// Offset of the [`Event::ConfigLoaded`] that holds the restored configuration.
    pub config_offset: u64,
}

/// What happened to an actor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum LifecycleChange {
    /// The actor started.
    Started,
    /// The actor stopped on request.
    Stopped,
    /// The actor failed (panic, handler error or health check).
    Failed {
        /// The error as text.
        error: String,
    },
    /// The supervisor restarted the actor.
    Restarted {
        /// Restart strategy name.
        strategy: String,
        /// 1-based attempt within the current window.
        attempt: u32,
        /// Delay waited before the restart, in milliseconds.
        delay_ms: u64,
    },
    /// A circuit breaker changed state (`open`, `half_open`, `closed`).
    Breaker {
        /// The new state.
        state: String,
    },
    /// The supervisor gave up and escalated.
    Escalated {
        /// Why.
        reason: String,
    },
}

/// Payload of [`Event::ActorLifecycle`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActorLifecycle {
    /// Actor name (`storage`, `chain`, ...).
    pub actor: String,
    /// The config revision the actor ran under.
    pub config_revision: u64,
    /// What happened.
    pub change: LifecycleChange,
}

/// Payload of [`Event::ActorSnapshot`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActorSnapshot {
    /// Actor name.
    pub actor: String,
    /// The config revision the actor ran under.
    pub config_revision: u64,
    /// Preservation strategy name.
    pub strategy: String,
    /// The actor's own encoding of its state.
    #[serde(with = "serde_bytes")]
    pub state: Vec<u8>,
}

/// Payload of [`Event::Confirmation`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confirmation {
    /// The revision confirmed.
    pub revision: u64,
    /// Who confirmed (`admin-api`, `ctl`).
    pub by: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_filter_takes_a_prefix_and_refuses_one_matching_no_kind() {
        let reload = KindFilter::parse("reload").expect("reload kinds");
        assert!(reload.matches(Some(EventKind::ReloadRequested)));
        assert!(reload.matches(Some(EventKind::ReloadRejected)));
        assert!(!reload.matches(Some(EventKind::Rollback)));
        assert!(!reload.matches(None));
        let exact = KindFilter::parse("rollback").expect("rollback");
        assert!(exact.matches(Some(EventKind::Rollback)));
        assert!(KindFilter::parse("nope").is_none());
    }
}
