//! Actor profiles: named presets that retune mailboxes, batching, timeouts and threads at once.

use serde::{Deserialize, Serialize};

/// A named tuning preset, selected with `actors.profile`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorProfile {
    /// Large mailboxes and message batching: more messages per second, higher latency.
    HighThroughput,
    /// Small mailboxes, no batching, strict priorities and short timeouts: a slow actor is
    /// noticed quickly and urgent messages overtake bulk work.
    LowLatency,
    /// Few threads, small mailboxes, pools and caches: for small machines and test nodes.
    ResourceConservative,
}

impl ActorProfile {
    /// The keys this profile sets, as a table rooted at the config root
    /// (`{ actors = { mailbox = { default_capacity = 10000 } } }`).
    ///
    /// A loader inserts it as a layer above the built-in defaults and below the files, so any key
    /// an operator writes still wins.
    pub fn overlay(self) -> toml::Table {
        match self {
            ActorProfile::HighThroughput => toml::toml! {
                [actors.mailbox]
                default_capacity = 10000
                backpressure_strategy = "block"

                [actors.performance.message_batching]
                enabled = true
                max_batch_size = 500
                batch_timeout = "25ms"

                [actors.performance.memory_pool]
                initial_size = 5000
                max_size = 50000

                [system.thread_pool]
                queue_capacity = 100000
            },
            ActorProfile::LowLatency => toml::toml! {
                [actors.mailbox]
                default_capacity = 256
                backpressure_strategy = "drop_oldest"
                message_timeout = "5s"

                [actors.mailbox.priority_queue]
                enabled = true
                algorithm = "strict"

                [actors.performance.message_batching]
                enabled = false

                [actors.timeouts]
                health_check = "1s"
                config_reload = "5s"

                [actors.supervision]
                health_check_interval = "10s"
            },
            ActorProfile::ResourceConservative => toml::toml! {
                [actors.runtime]
                worker_threads = 2

                [actors.mailbox]
                default_capacity = 256

                [actors.mailbox.dead_letter]
                max_messages = 1000

                [actors.performance]
                metrics_interval = "120s"

                [actors.performance.memory_pool]
                initial_size = 100
                max_size = 1000

                [actors.performance.message_batching]
                max_batch_size = 50

                [system.thread_pool]
                core_threads = 1
                max_threads = 4
                queue_capacity = 1000

                [system.memory.caches]
                block_cache_mb = 64
                transaction_cache_mb = 32
                state_cache_mb = 128
                peer_cache_entries = 200

                [storage.performance]
                cache_size_mb = 128
                write_buffer_size_mb = 16
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AlysConfig;

    const ALL: [ActorProfile; 3] = [
        ActorProfile::HighThroughput,
        ActorProfile::LowLatency,
        ActorProfile::ResourceConservative,
    ];

    fn merge(base: &mut toml::Table, over: toml::Table) {
        for (key, value) in over {
            match (base.get_mut(&key), value) {
                (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
                (_, value) => {
                    base.insert(key, value);
                }
            }
        }
    }

    fn defaults_with(profile: ActorProfile) -> AlysConfig {
        let mut base = toml::Table::try_from(AlysConfig::default()).unwrap();
        merge(&mut base, profile.overlay());
        toml::Value::Table(base).try_into().unwrap()
    }

    #[test]
    fn every_overlay_deserialises_over_the_defaults() {
        for profile in ALL {
            let config = defaults_with(profile);
            assert_ne!(config, AlysConfig::default(), "{profile:?} changes nothing");
        }
    }

    #[test]
    fn every_overlay_deserialises_on_its_own() {
        for profile in ALL {
            let config: Result<AlysConfig, _> = toml::Value::Table(profile.overlay()).try_into();
            assert!(config.is_ok(), "{profile:?}: {config:?}");
        }
    }

    #[test]
    fn profiles_pull_mailboxes_and_batching_in_their_direction() {
        let base = AlysConfig::default().actors;
        let fast = defaults_with(ActorProfile::HighThroughput).actors;
        let quick = defaults_with(ActorProfile::LowLatency).actors;
        let small = defaults_with(ActorProfile::ResourceConservative);

        assert!(fast.mailbox.default_capacity > base.mailbox.default_capacity);
        assert!(fast.performance.message_batching.enabled);
        assert!(quick.mailbox.default_capacity < base.mailbox.default_capacity);
        assert!(!quick.performance.message_batching.enabled);
        assert!(quick.timeouts.health_check < base.timeouts.health_check);
        assert_eq!(small.actors.runtime.worker_threads, Some(2));
        assert!(small.system.memory.caches.total_mb() < 512);
    }

    #[test]
    fn profile_overlays_pass_the_builtin_rules() {
        for profile in ALL {
            let report =
                crate::validate::Validator::with_builtin_rules().validate(&defaults_with(profile));
            assert!(report.is_accepted(), "{profile:?}: {:?}", report.findings);
        }
    }
}
