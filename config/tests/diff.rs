//! Key-level diffs between configs name exactly the changed key paths, never print a secret in
//! clear, and map to the actors they affect with live or restart.

use std::path::PathBuf;
use std::time::Duration;

use alys_config::diff::{diff, diff_toml, ChangeKind};
use alys_config::impact::{impact, rule_for, Apply, ALL_ACTORS, CONFIG_ONLY, NODE};
use alys_config::schema::governance::AuthMethod;
use alys_config::schema::GovernanceEndpoint;
use alys_config::{AlysConfig, Secret};

const KEY: [u8; 32] = [42; 32];

fn endpoint(name: &str, url: &str) -> GovernanceEndpoint {
    GovernanceEndpoint {
        name: name.into(),
        url: url.into(),
        ..Default::default()
    }
}

fn with_endpoints(endpoints: Vec<GovernanceEndpoint>) -> AlysConfig {
    let mut config = AlysConfig::default();
    config.governance.endpoints = endpoints;
    config
}

#[test]
fn identical_configs_have_an_empty_diff() {
    let config = with_endpoints(vec![endpoint("a", "http://a:50051")]);
    let d = diff(&config, &config.clone(), &KEY);
    assert!(d.is_empty(), "{d}");
    assert!(diff(&AlysConfig::default(), &AlysConfig::default(), &KEY).is_empty());
}

#[test]
fn one_changed_scalar_names_exactly_its_path_with_old_and_new() {
    let old = AlysConfig::default();
    let mut new = old.clone();
    new.logging.level = "debug".into();
    let d = diff(&old, &new, &KEY);
    assert_eq!(d.keys(), vec!["logging.level"]);
    assert_eq!(d.changes[0].old.as_deref(), Some("\"info\""));
    assert_eq!(d.changes[0].new.as_deref(), Some("\"debug\""));
    assert_eq!(d.changes[0].kind(), ChangeKind::Changed);
}

#[test]
fn changed_duration_prints_as_written_in_toml() {
    let old = AlysConfig::default();
    let mut new = old.clone();
    new.chain.slot_duration = Duration::from_secs(5);
    let d = diff(&old, &new, &KEY);
    assert_eq!(d.keys(), vec!["chain.slot_duration"]);
    assert_eq!(d.changes[0].new.as_deref(), Some("\"5s\""));
}

#[test]
fn endpoint_element_change_names_the_indexed_path() {
    let old = with_endpoints(vec![endpoint("a", "http://a:50051")]);
    let new = with_endpoints(vec![endpoint("a", "http://b:50051")]);
    let d = diff(&old, &new, &KEY);
    assert_eq!(d.keys(), vec!["governance.endpoints[0].url"]);
    assert_eq!(d.changes[0].old.as_deref(), Some("\"http://a:50051\""));
}

#[test]
fn added_endpoint_shows_as_added_keys_under_its_index() {
    let old = with_endpoints(vec![endpoint("a", "http://a:50051")]);
    let new = with_endpoints(vec![
        endpoint("a", "http://a:50051"),
        endpoint("b", "http://b:1"),
    ]);
    let d = diff(&old, &new, &KEY);
    assert!(!d.is_empty());
    for change in &d.changes {
        assert!(
            change.key.starts_with("governance.endpoints[1]."),
            "{change}"
        );
        assert_eq!(change.kind(), ChangeKind::Added);
    }
    assert!(d.keys().contains(&"governance.endpoints[1].url"));
    assert!(d.keys().windows(2).all(|w| w[0] < w[1]), "not sorted: {d}");
}

#[test]
fn first_endpoint_added_to_an_empty_list_reports_only_element_keys() {
    let old = AlysConfig::default();
    let new = with_endpoints(vec![endpoint("a", "http://a:50051")]);
    let d = diff(&old, &new, &KEY);
    assert!(d.keys().contains(&"governance.endpoints[0].url"), "{d}");
    assert!(!d.keys().contains(&"governance.endpoints"), "{d}");
}

#[test]
fn changed_secret_shows_redacted_fingerprints_and_never_the_values() {
    let mut old = AlysConfig::default();
    old.execution.jwt_secret = Some(Secret::new("old-jwt-clear"));
    old.governance.auth.method = AuthMethod::Jwt {
        token: Secret::new("old-token-clear"),
        header: "authorization".into(),
    };
    let mut new = old.clone();
    new.execution.jwt_secret = Some(Secret::new("new-jwt-clear"));
    new.governance.auth.method = AuthMethod::Jwt {
        token: Secret::new("new-token-clear"),
        header: "authorization".into(),
    };

    let d = diff(&old, &new, &KEY);
    assert_eq!(
        d.keys(),
        vec!["execution.jwt_secret", "governance.auth.method.token"]
    );
    let fp = |v: &str| format!("<redacted fp:{}>", &Secret::new(v).fingerprint(&KEY)[..8]);
    assert_eq!(d.changes[0].old, Some(fp("old-jwt-clear")));
    assert_eq!(d.changes[0].new, Some(fp("new-jwt-clear")));

    let shown = format!("{d}\n{d:?}");
    for clear in [
        "old-jwt-clear",
        "new-jwt-clear",
        "old-token-clear",
        "new-token-clear",
    ] {
        assert!(!shown.contains(clear), "{clear} printed:\n{shown}");
    }
}

#[test]
fn removed_secret_shows_as_removed_with_its_fingerprint() {
    let mut old = AlysConfig::default();
    old.bridge.bitcoin_rpc_password = Some(Secret::new("btc-clear"));
    let d = diff(&old, &AlysConfig::default(), &KEY);
    assert_eq!(d.keys(), vec!["bridge.bitcoin_rpc_password"]);
    assert_eq!(d.changes[0].kind(), ChangeKind::Removed);
    assert!(d.changes[0]
        .old
        .as_deref()
        .is_some_and(|v| v.starts_with("<redacted fp:")));
}

#[test]
fn diff_toml_compares_recorded_texts_including_redaction_markers() {
    let old = "[logging]\nlevel = \"info\"\n[bridge]\nbitcoin_rpc_password = \"${PW}\"\n\
               [[governance.endpoints]]\nname = \"a\"\nurl = \"http://a\"\n";
    let new = "[logging]\nlevel = \"warn\"\n[bridge]\nbitcoin_rpc_password = \"<redacted>\"\n\
               [[governance.endpoints]]\nname = \"a\"\nurl = \"http://a\"\n\
               [[governance.endpoints]]\nname = \"b\"\nurl = \"http://b\"\n";
    let d = diff_toml(old, new).unwrap();
    assert_eq!(
        d.keys(),
        vec![
            "bridge.bitcoin_rpc_password",
            "governance.endpoints[1].name",
            "governance.endpoints[1].url",
            "logging.level",
        ]
    );
    assert_eq!(d.changes[0].new.as_deref(), Some("\"<redacted>\""));
    assert!(diff_toml(old, old).unwrap().is_empty());
}

#[test]
fn diff_toml_rejects_invalid_text() {
    assert!(diff_toml("a = 1", "a = ").is_err());
}

fn key_impact(key: &str) -> (Vec<&'static str>, Apply) {
    let rule = rule_for(key).unwrap_or_else(|| panic!("no rule for {key}"));
    (rule.actors.to_vec(), rule.apply)
}

#[test]
fn each_section_maps_to_its_actor() {
    assert_eq!(
        key_impact("chain.slot_duration"),
        (vec!["chain"], Apply::Live)
    );
    assert_eq!(
        key_impact("chain.spec_file"),
        (vec!["chain"], Apply::Restart)
    );
    assert_eq!(
        key_impact("chain.chain_id"),
        (vec!["chain"], Apply::Restart)
    );
    assert_eq!(
        key_impact("execution.endpoint"),
        (vec!["engine"], Apply::Restart)
    );
    assert_eq!(
        key_impact("execution.request_timeout"),
        (vec!["engine"], Apply::Live)
    );
    assert_eq!(
        key_impact("bridge.bitcoin_rpc_url"),
        (vec!["bridge"], Apply::Restart)
    );
    assert_eq!(
        key_impact("bridge.min_confirmations_pegin"),
        (vec!["bridge"], Apply::Live)
    );
    assert_eq!(
        key_impact("storage.performance.cache_size_mb").0,
        vec!["storage"]
    );
    assert_eq!(
        key_impact("storage.backup.interval"),
        (vec!["storage"], Apply::Live)
    );
    assert_eq!(
        key_impact("governance.endpoints[0].url"),
        (vec!["stream"], Apply::Restart)
    );
    assert_eq!(key_impact("logging.level"), (vec![NODE], Apply::Live));
    assert_eq!(key_impact("network.listen_addr").0, vec![CONFIG_ONLY]);
    assert_eq!(key_impact("sync.batch_size").0, vec![CONFIG_ONLY]);
    assert_eq!(
        key_impact("actors.mailbox.default_capacity"),
        (ALL_ACTORS.to_vec(), Apply::Restart)
    );
    assert_eq!(
        key_impact("actors.supervision.max_restarts"),
        (ALL_ACTORS.to_vec(), Apply::Live)
    );
}

#[test]
fn actor_sections_restart_for_spawn_settings_and_apply_health_checks_live() {
    for (section, actor) in [
        ("storage_actor", "storage"),
        ("chain_actor", "chain"),
        ("engine_actor", "engine"),
        ("bridge_actor", "bridge"),
        ("stream_actor", "stream"),
    ] {
        for field in ["mailbox_capacity", "restart_strategy", "state_preservation"] {
            let key = format!("actors.{section}.{field}");
            assert_eq!(key_impact(&key), (vec![actor], Apply::Restart), "{key}");
        }
        let key = format!("actors.{section}.health_check.interval");
        assert_eq!(key_impact(&key), (vec![actor], Apply::Live), "{key}");
    }
}

#[test]
fn longest_prefix_wins_and_only_on_segment_boundaries() {
    assert_eq!(key_impact("actors.mailbox.message_timeout").1, Apply::Live);
    assert_eq!(
        key_impact("actors.mailbox.dead_letter.enabled").1,
        Apply::Restart
    );
    assert_eq!(
        key_impact("system.security.rate_limits.burst_capacity"),
        (vec![NODE], Apply::Live)
    );
    assert_eq!(
        key_impact("system.security.api_key"),
        (vec![NODE], Apply::Restart)
    );
    assert!(rule_for("chainx.anything").is_none());
    assert!(rule_for("loggingx").is_none());
}

#[test]
fn node_level_keys_are_listed_for_a_node_restart() {
    let mut old = AlysConfig::default();
    old.system.data_dir = PathBuf::from("/var/lib/alys");
    let mut new = old.clone();
    new.system.data_dir = PathBuf::from("/srv/alys");
    new.actors.runtime.enable_io = !old.actors.runtime.enable_io;
    new.monitoring.bind_addr = "127.0.0.1:9999".into();
    new.logging.level = "trace".into();

    let i = impact(&diff(&old, &new, &KEY));
    assert_eq!(
        i.node_restart_keys,
        vec![
            "actors.runtime.enable_io",
            "monitoring.bind_addr",
            "system.data_dir"
        ]
    );
    assert!(i.per_actor[NODE].keys.contains(&"logging.level".to_owned()));
    assert!(i.needs_node_restart());
    assert!(i.actors_to_restart().is_empty());
}

#[test]
fn impact_groups_keys_per_actor_with_restart_only_when_needed() {
    let old = with_endpoints(vec![endpoint("a", "http://a:50051")]);
    let mut new = with_endpoints(vec![endpoint("a", "http://b:50051")]);
    new.chain.slot_duration = Duration::from_secs(4);
    new.logging.level = "warn".into();
    new.network.max_peers = old.network.max_peers + 1;
    new.actors.mailbox.default_capacity = old.actors.mailbox.default_capacity + 1;

    let i = impact(&diff(&old, &new, &KEY));
    assert_eq!(i.config_only, vec!["network.max_peers"]);
    assert!(i.unassigned.is_empty());
    assert!(!i.needs_node_restart(), "{i:?}");
    assert_eq!(
        i.actors_to_restart(),
        vec!["bridge", "chain", "engine", "storage", "stream"]
    );
    let chain = &i.per_actor["chain"];
    assert_eq!(
        chain.keys,
        vec!["actors.mailbox.default_capacity", "chain.slot_duration"]
    );
    let stream = &i.per_actor["stream"];
    assert!(stream
        .keys
        .contains(&"governance.endpoints[0].url".to_owned()));
    assert!(!i.per_actor[NODE].needs_restart);
}

#[test]
fn live_only_change_restarts_nothing() {
    let old = AlysConfig::default();
    let mut new = old.clone();
    new.chain.slot_duration = Duration::from_secs(3);
    let i = impact(&diff(&old, &new, &KEY));
    assert_eq!(i.per_actor.len(), 1);
    assert!(!i.per_actor["chain"].needs_restart);
    assert!(i.actors_to_restart().is_empty());
}

#[test]
fn log_format_and_outputs_need_a_node_restart_while_the_level_applies_live() {
    let old = AlysConfig::default();
    let mut new = old.clone();
    new.logging.format = alys_config::schema::logging::LogFormat::Json;
    new.logging.outputs.clear();
    new.logging.level = "debug".into();

    let i = impact(&diff(&old, &new, &KEY));
    assert!(
        i.node_restart_keys.iter().any(|k| k == "logging.format"),
        "{:?}",
        i.node_restart_keys
    );
    assert!(
        i.node_restart_keys
            .iter()
            .any(|k| k.starts_with("logging.outputs")),
        "{:?}",
        i.node_restart_keys
    );
    assert!(!i.node_restart_keys.iter().any(|k| k == "logging.level"));
}
