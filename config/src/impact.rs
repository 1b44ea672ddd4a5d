//! Which actors a config change affects, and whether it applies live or needs a restart.
//!
//! [`RULES`] maps key-path prefixes to targets; the longest prefix that matches on a segment
//! boundary wins (`chain.slot_duration` beats `chain`; `chain` does not match `chainx`). A target
//! is one of the actors `storage`, `chain`, `engine`, `bridge`, `stream`, the pseudo-actor
//! [`NODE`] for process-wide keys, or [`CONFIG_ONLY`] for sections no actor of this layer runs.
//!
//! The table, section by section (`*` marks the section default that deeper prefixes refine):
//!
//! - `environment`: node, restart; it selects file sections and how strict findings are.
//! - `system.*`: node, restart; identity, directories, fd limit, thread pool, memory and TLS
//!   are read at start. `system.security.rate_limits`: node, live (read per request).
//! - `actors.profile`: node, live; a profile only fills defaults, and the keys it changes are
//!   diffed on their own. `actors.runtime`: node, restart (the async runtime is built once).
//! - `actors.supervision`: all actors, live; the supervisor reads its policy at the next
//!   failure. `actors.mailbox.*`: all actors, restart (mailboxes are made at spawn), except
//!   `actors.mailbox.message_timeout`: live (checked per message).
//! - `actors.timeouts`: node, live (read where used). `actors.performance.*`: node, live, except
//!   `memory_pool` (node, restart) and `message_batching` (all actors, restart).
//! - `actors.<name>_actor.*`: that actor, live; `enabled`, `mailbox_capacity`,
//!   `restart_strategy` and `state_preservation`: restart; `health_check`: live.
//!   `actors.network_actor` and `actors.sync_actor`: config only.
//! - `chain.*`: chain, live; `chain_id`, `spec_file`, `data_dir`: restart (loaded once).
//! - `execution.*`: engine, restart (endpoints, JWT and cache rebuild the client);
//!   `request_timeout`, `connection_timeout`, `max_retries`, `health_check_interval`: live.
//! - `bridge.*`: bridge, restart (RPC URL, credentials, wallet, contract rebuild the client);
//!   `min_confirmations_pegin`, `min_confirmations_pegout`, `federation_threshold`,
//!   `monitoring_interval`: live.
//! - `storage.*`: storage, restart (the database is opened with them); `backup`: live.
//! - `governance.*`: stream, restart (endpoints, gRPC channel, TLS and auth rebuild the
//!   streams); `streaming.reconnection` and `federation`: live.
//! - `network.*`, `sync.*`: config only; another layer runs them.
//! - `monitoring.*`: node, restart (the metrics server binds and routes at start).
//! - `logging.*`: node, live (the log filter is reloadable); `format` and `outputs`: restart
//!   (the log writers are built once, at start).
//! - `reload.*`: node, live (the watcher is restarted with the new mode).
//! - `admin.*`: node, restart (the admin API binds at start).
//!
//! "All actors" lists every actor of this layer whether enabled or not; the reload pipeline skips
//! those that are not running. A key no rule matches is reported in [`Impact::unassigned`].

use std::collections::BTreeMap;

use crate::diff::ConfigDiff;

/// The pseudo-actor for process-wide keys; a restart here means restarting the node.
pub const NODE: &str = "node";

/// The target of sections validated here but run by no actor of this layer (`network`, `sync`).
pub const CONFIG_ONLY: &str = "none";

/// Every actor of this layer, in start order.
pub const ALL_ACTORS: &[&str] = &["storage", "chain", "engine", "bridge", "stream"];

/// Whether a change to a key can be applied to a running target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Apply {
    /// The target takes the new section while running.
    Live,
    /// The target must be restarted (its state preserved) for the change to apply.
    Restart,
}

/// One row of the impact table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Key-path prefix, matched on a segment boundary.
    pub prefix: &'static str,
    /// The actors affected: actor names, [`NODE`] or [`CONFIG_ONLY`].
    pub actors: &'static [&'static str],
    /// Whether the change applies live or needs the targets restarted.
    pub apply: Apply,
}

const fn rule(prefix: &'static str, actors: &'static [&'static str], apply: Apply) -> Rule {
    Rule {
        prefix,
        actors,
        apply,
    }
}

const N: &[&str] = &[NODE];
const NONE: &[&str] = &[CONFIG_ONLY];
const ALL: &[&str] = ALL_ACTORS;

/// Expands to the rows of one `actors.<name>_actor` section.
macro_rules! actor_rules {
    ($section:literal, $actor:literal) => {
        [
            rule($section, &[$actor], Apply::Live),
            rule(concat!($section, ".enabled"), &[$actor], Apply::Restart),
            rule(
                concat!($section, ".mailbox_capacity"),
                &[$actor],
                Apply::Restart,
            ),
            rule(
                concat!($section, ".restart_strategy"),
                &[$actor],
                Apply::Restart,
            ),
            rule(
                concat!($section, ".state_preservation"),
                &[$actor],
                Apply::Restart,
            ),
            rule(concat!($section, ".health_check"), &[$actor], Apply::Live),
        ]
    };
}

const STORAGE_ACTOR: [Rule; 6] = actor_rules!("actors.storage_actor", "storage");
const CHAIN_ACTOR: [Rule; 6] = actor_rules!("actors.chain_actor", "chain");
const ENGINE_ACTOR: [Rule; 6] = actor_rules!("actors.engine_actor", "engine");
const BRIDGE_ACTOR: [Rule; 6] = actor_rules!("actors.bridge_actor", "bridge");
const STREAM_ACTOR: [Rule; 6] = actor_rules!("actors.stream_actor", "stream");

const SECTIONS: &[Rule] = &[
    rule("environment", N, Apply::Restart),
    rule("system", N, Apply::Restart),
    rule("system.security.rate_limits", N, Apply::Live),
    rule("actors.profile", N, Apply::Live),
    rule("actors.runtime", N, Apply::Restart),
    rule("actors.supervision", ALL, Apply::Live),
    rule("actors.mailbox", ALL, Apply::Restart),
    rule("actors.mailbox.message_timeout", ALL, Apply::Live),
    rule("actors.timeouts", N, Apply::Live),
    rule("actors.performance", N, Apply::Live),
    rule("actors.performance.memory_pool", N, Apply::Restart),
    rule("actors.performance.message_batching", ALL, Apply::Restart),
    rule("actors.network_actor", NONE, Apply::Live),
    rule("actors.sync_actor", NONE, Apply::Live),
    rule("chain", &["chain"], Apply::Live),
    rule("chain.chain_id", &["chain"], Apply::Restart),
    rule("chain.spec_file", &["chain"], Apply::Restart),
    rule("chain.data_dir", &["chain"], Apply::Restart),
    rule("execution", &["engine"], Apply::Restart),
    rule("execution.request_timeout", &["engine"], Apply::Live),
    rule("execution.connection_timeout", &["engine"], Apply::Live),
    rule("execution.max_retries", &["engine"], Apply::Live),
    rule("execution.health_check_interval", &["engine"], Apply::Live),
    rule("bridge", &["bridge"], Apply::Restart),
    rule("bridge.min_confirmations_pegin", &["bridge"], Apply::Live),
    rule("bridge.min_confirmations_pegout", &["bridge"], Apply::Live),
    rule("bridge.federation_threshold", &["bridge"], Apply::Live),
    rule("bridge.monitoring_interval", &["bridge"], Apply::Live),
    rule("storage", &["storage"], Apply::Restart),
    rule("storage.backup", &["storage"], Apply::Live),
    rule("governance", &["stream"], Apply::Restart),
    rule(
        "governance.streaming.reconnection",
        &["stream"],
        Apply::Live,
    ),
    rule("governance.federation", &["stream"], Apply::Live),
    rule("network", NONE, Apply::Live),
    rule("sync", NONE, Apply::Live),
    rule("monitoring", N, Apply::Restart),
    rule("logging", N, Apply::Live),
    rule("logging.format", N, Apply::Restart),
    rule("logging.outputs", N, Apply::Restart),
    rule("reload", N, Apply::Live),
    rule("admin", N, Apply::Restart),
];

/// The impact table, in no particular order: the longest matching prefix decides.
pub static RULES: &[&[Rule]] = &[
    SECTIONS,
    &STORAGE_ACTOR,
    &CHAIN_ACTOR,
    &ENGINE_ACTOR,
    &BRIDGE_ACTOR,
    &STREAM_ACTOR,
];

/// How one target is affected by a diff.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActorImpact {
    /// The changed keys that affect it, in key order.
    pub keys: Vec<String>,
    /// True when at least one of those keys needs it restarted.
    pub needs_restart: bool,
}

/// Which targets a diff affects and how.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Impact {
    /// By actor name, and [`NODE`] for process-wide keys: the keys and whether a restart is
    /// needed.
    pub per_actor: BTreeMap<String, ActorImpact>,
    /// Keys that only take effect when the whole node restarts.
    pub node_restart_keys: Vec<String>,
    /// Keys of sections no actor of this layer runs (`network`, `sync`): recorded, applied nowhere.
    pub config_only: Vec<String>,
    /// Keys no rule matches; the reload pipeline should treat them as needing a node restart.
    pub unassigned: Vec<String>,
}

impl Impact {
    /// Names of the actors to restart (never [`NODE`]), in name order.
    pub fn actors_to_restart(&self) -> Vec<&str> {
        self.per_actor
            .iter()
            .filter(|(name, a)| a.needs_restart && name.as_str() != NODE)
            .map(|(name, _)| name.as_str())
            .collect()
    }

    /// True when the node itself must restart for the diff to apply fully.
    pub fn needs_node_restart(&self) -> bool {
        !self.node_restart_keys.is_empty() || !self.unassigned.is_empty()
    }
}

/// The rule deciding `key`: the longest prefix that equals the key or ends where a segment
/// (`.` or `[`) begins.
pub fn rule_for(key: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .flat_map(|rules| rules.iter())
        .filter(|rule| matches_prefix(key, rule.prefix))
        .max_by_key(|rule| rule.prefix.len())
}

fn matches_prefix(key: &str, prefix: &str) -> bool {
    match key.strip_prefix(prefix) {
        Some(rest) => rest.is_empty() || rest.starts_with('.') || rest.starts_with('['),
        None => false,
    }
}

/// The actors each changed key of `diff` affects, and whether each needs a restart.
pub fn impact(diff: &ConfigDiff) -> Impact {
    let mut out = Impact::default();
    for key in diff.keys() {
        let Some(rule) = rule_for(key) else {
            out.unassigned.push(key.to_owned());
            continue;
        };
        let restart = rule.apply == Apply::Restart;
        for &actor in rule.actors {
            if actor == CONFIG_ONLY {
                out.config_only.push(key.to_owned());
                continue;
            }
            let entry = out.per_actor.entry(actor.to_owned()).or_default();
            entry.keys.push(key.to_owned());
            entry.needs_restart |= restart;
            if actor == NODE && restart {
                out.node_restart_keys.push(key.to_owned());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_matches_only_on_a_segment_boundary() {
        assert!(matches_prefix("chain", "chain"));
        assert!(matches_prefix("chain.spec_file", "chain"));
        assert!(matches_prefix(
            "governance.endpoints[0].url",
            "governance.endpoints"
        ));
        assert!(!matches_prefix("chainx.a", "chain"));
        assert!(!matches_prefix("chai", "chain"));
    }

    #[test]
    fn no_two_rules_share_a_prefix() {
        let mut prefixes: Vec<&str> = RULES
            .iter()
            .flat_map(|r| r.iter())
            .map(|r| r.prefix)
            .collect();
        let len = prefixes.len();
        prefixes.sort_unstable();
        prefixes.dedup();
        assert_eq!(prefixes.len(), len);
    }

    #[test]
    fn every_default_key_has_a_rule() {
        let tree = toml::Value::try_from(crate::AlysConfig::default()).unwrap();
        crate::keypath::for_each_leaf(&tree, false, &mut |key, _| {
            assert!(rule_for(key).is_some(), "no rule for {key}");
        });
    }
}
