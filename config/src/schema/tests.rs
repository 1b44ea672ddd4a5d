//! Tests of the whole schema: round trips, strictness, the environment and the real files.

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use super::actors::{BackoffPolicy, CircuitBreakerPolicy, RestartLimit};
use super::governance::EndpointHealthCheck;
use super::*;
use crate::validate::Validator;
use crate::Secret;

const GOVERNANCE_STREAM: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/upstream/governance-stream.toml"
));
const EXAMPLE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../examples/alys.toml"
));

/// Replaces every `${NAME}` with `dummy-NAME`, as a loader's interpolation would with real values.
fn fill_placeholders(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find('}').expect("unclosed placeholder");
        out.push_str("dummy-");
        out.push_str(&after[..end]);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

fn round_trip(config: &AlysConfig) -> AlysConfig {
    let text = toml::to_string(config).unwrap();
    toml::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// A config with every Option set, endpoints, tagged enums and non-default values, no secrets.
fn everything_set() -> AlysConfig {
    let mut c = AlysConfig {
        environment: Environment::Staging,
        ..Default::default()
    };
    c.system.node_id = Some("9f1c".into());
    c.system.pid_file = Some(PathBuf::from("/run/alys.pid"));
    c.system.thread_pool.core_threads = Some(4);
    c.system.thread_pool.max_threads = Some(16);
    c.system.memory.max_heap_mb = Some(8192);
    c.system.security.tls_cert_file = Some(PathBuf::from("cert.pem"));
    c.system.security.tls_key_file = Some(PathBuf::from("key.pem"));
    c.system.security.tls_ca_file = Some(PathBuf::from("ca.pem"));

    let a = &mut c.actors;
    a.profile = Some(ActorProfile::LowLatency);
    a.runtime.worker_threads = Some(3);
    a.runtime.thread_stack_size_bytes = Some(4 << 20);
    a.supervision.default_restart_strategy =
        RestartStrategy::CircuitBreaker(CircuitBreakerPolicy {
            failure_threshold: 7,
            ..Default::default()
        });
    a.mailbox.dead_letter.file_path = Some(PathBuf::from("dead.log"));
    a.chain_actor.mailbox_capacity = Some(500);
    a.chain_actor.restart_strategy = Some(RestartStrategy::Never {});
    a.engine_actor.restart_strategy =
        Some(RestartStrategy::ExponentialBackoff(BackoffPolicy::default()));
    a.bridge_actor.restart_strategy = Some(RestartStrategy::RestForOne(RestartLimit {
        max_retries: 9,
        within_time: Duration::from_millis(1500),
    }));
    a.bridge_actor.performance.max_memory_mb = Some(256);
    a.bridge_actor.performance.cpu_limit_percent = Some(50);

    c.chain.chain_id = Some(727272);
    c.chain.spec_file = Some(PathBuf::from("chain.json"));
    c.chain.data_dir = Some(PathBuf::from("chain"));
    c.network.external_addr = Some("1.2.3.4:30303".into());
    c.network.bootnodes = vec!["10.0.0.1:30303".into()];
    c.bridge.bitcoin_rpc_user = Some("rpc".into());
    c.bridge.bitcoin_rpc_cookie_file = Some(PathBuf::from(".cookie"));
    c.bridge.bitcoin_wallet = Some("federation".into());
    c.execution.ws_endpoint = Some("ws://127.0.0.1:8546".into());
    c.execution.fallback_endpoints = vec!["http://10.0.0.2:8545".into()];
    c.execution.jwt_secret_file = Some(PathBuf::from("jwt.hex"));
    c.storage.data_dir = Some(PathBuf::from("db"));
    c.storage.backup.backup_dir = Some(PathBuf::from("backups"));
    c.sync.checkpoints.storage_path = Some(PathBuf::from("cp"));
    c.sync.performance.validation_workers = Some(2);

    let g = &mut c.governance;
    g.enabled = true;
    g.grpc.tls.ca_cert_file = Some(PathBuf::from("ca.pem"));
    g.grpc.tls.client_cert_file = Some(PathBuf::from("client.pem"));
    g.grpc.tls.client_key_file = Some(PathBuf::from("client.key"));
    g.grpc.tls.server_name = Some("gov.example".into());
    for (i, name) in ["primary", "secondary"].into_iter().enumerate() {
        g.endpoints.push(GovernanceEndpoint {
            name: name.into(),
            url: format!("https://{name}.example:443"),
            priority: i as u32 + 1,
            health_check: EndpointHealthCheck {
                interval: Duration::from_secs(60),
                ..Default::default()
            },
            ..Default::default()
        });
    }
    g.auth.method = AuthMethod::Mtls {};
    g.auth.token_refresh.endpoint = Some("https://gov.example/refresh".into());
    g.federation.member_id = Some("node-1".into());

    c.logging.modules.insert("alys_node".into(), "debug".into());
    c.logging.outputs = vec![
        LogOutput::Stderr {},
        LogOutput::File {
            path: PathBuf::from("alys.log"),
            max_size_mb: 5,
            max_files: 2,
            compress: true,
        },
        LogOutput::Syslog {},
    ];
    c
}

#[test]
fn default_config_survives_a_toml_round_trip() {
    assert_eq!(round_trip(&AlysConfig::default()), AlysConfig::default());
}

#[test]
fn config_with_every_option_set_survives_a_toml_round_trip() {
    let config = everything_set();
    assert_eq!(round_trip(&config), config);
}

#[test]
fn empty_document_and_empty_tables_give_the_defaults() {
    assert_eq!(
        toml::from_str::<AlysConfig>("").unwrap(),
        AlysConfig::default()
    );
    let tables = "[system]\n[actors.chain_actor]\n[governance.grpc.tls]\n[logging]\n";
    assert_eq!(
        toml::from_str::<AlysConfig>(tables).unwrap(),
        AlysConfig::default()
    );
}

#[test]
fn rejects_camel_case_and_unknown_keys() {
    for text in [
        "[chain]\nslotDuration = \"2s\"",
        "[actors.mailbox]\ndefaultCapacity = 10",
        "[governance.grpc]\nenableTls = true",
        "[network]\nmax_peer = 10",
        "[dev]\n",
    ] {
        assert!(
            toml::from_str::<AlysConfig>(text).is_err(),
            "accepted: {text}"
        );
    }
}

#[test]
fn rejects_extra_keys_in_tagged_variants() {
    let text =
        "[actors.supervision]\ndefault_restart_strategy = { type = \"never\", max_retries = 1 }";
    assert!(toml::from_str::<AlysConfig>(text).is_err());
    let text = "[governance.auth]\nmethod = { type = \"mtls\", token = \"x\" }";
    assert!(toml::from_str::<AlysConfig>(text).is_err());
    let text = "[[logging.outputs]]\ntype = \"stdout\"\npath = \"x\"";
    assert!(toml::from_str::<AlysConfig>(text).is_err());
}

#[test]
fn durations_are_read_as_humans_write_them() {
    let text = "[chain]\nslot_duration = \"500ms\"\n[storage.backup]\ninterval = \"1h 30m\"";
    let c: AlysConfig = toml::from_str(text).unwrap();
    assert_eq!(c.chain.slot_duration, Duration::from_millis(500));
    assert_eq!(c.storage.backup.interval, Duration::from_secs(5400));
    assert!(toml::from_str::<AlysConfig>("[chain]\nslot_duration = 2").is_err());
}

#[test]
fn secrets_deserialise_and_serialise_redacted() {
    let text = "[bridge]\nbitcoin_rpc_password = \"pw\"\n[governance.auth]\n\
                method = { type = \"api_key\", key = \"k\" }";
    let c: AlysConfig = toml::from_str(text).unwrap();
    assert_eq!(c.bridge.bitcoin_rpc_password, Some(Secret::new("pw")));
    let AuthMethod::ApiKey { key, header } = &c.governance.auth.method else {
        panic!("wrong method: {:?}", c.governance.auth.method)
    };
    assert_eq!((key.expose(), header.as_str()), ("k", "x-api-key"));
    let shown = toml::to_string(&c).unwrap();
    assert!(
        !shown.contains("\"pw\"") && !shown.contains("\"k\""),
        "{shown}"
    );
}

#[test]
fn environment_accepts_long_and_short_names_in_any_case() {
    assert_eq!(Environment::from_str("PROD"), Ok(Environment::Production));
    assert_eq!(Environment::from_str(" dev "), Ok(Environment::Development));
    assert_eq!("staging".parse(), Ok(Environment::Staging));
    let err = Environment::from_str("qa").unwrap_err();
    assert!(
        err.to_string().starts_with("unknown environment `qa`"),
        "{err}"
    );

    let c: AlysConfig = toml::from_str("environment = \"test\"").unwrap();
    assert_eq!(c.environment, Environment::Testing);
    assert_eq!(
        Environment::Production.section_names(),
        ["production", "prod"]
    );
    for env in Environment::ALL {
        assert_eq!(env.section_names()[0], env.to_string());
        assert_eq!(env.as_str().parse(), Ok(env));
    }
}

#[test]
fn upstream_governance_stream_file_loads_without_its_environment_sections() {
    let mut doc: toml::Table = toml::from_str(&fill_placeholders(GOVERNANCE_STREAM)).unwrap();
    let dev = doc.remove("dev").unwrap();
    let production = doc.remove("production").unwrap();
    let c: AlysConfig = toml::Value::Table(doc).try_into().unwrap();

    let g = &c.governance;
    assert!(g.enabled && g.grpc.enable_tls);
    assert_eq!(g.grpc.max_message_size, 4_194_304);
    assert_eq!(g.endpoints.len(), 2);
    assert_eq!(g.endpoints[1].name, "secondary");
    assert_eq!(
        g.endpoints[1].health_check.interval,
        Duration::from_secs(60)
    );
    assert_eq!(g.endpoints[1].health_check.failure_threshold, 5);
    let AuthMethod::Jwt { token, header } = &g.auth.method else {
        panic!("expected jwt, got {:?}", g.auth.method)
    };
    assert_eq!(
        (token.expose(), header.as_str()),
        ("dummy-GOVERNANCE_JWT_TOKEN", "authorization")
    );
    assert_eq!(g.auth.token_refresh.interval, Duration::from_secs(3600));
    assert_eq!(g.streaming.reconnection.jitter, 0.1);
    assert_eq!(
        g.federation.member_id.as_deref(),
        Some("dummy-ALYS_NODE_ID")
    );
    assert_eq!(g.federation.voting.min_quorum, 0.67);
    assert_eq!(g.federation.consensus.round_timeout, Duration::from_secs(3));

    // The environment sections are partial configs in their own right.
    let dev: AlysConfig = dev.try_into().unwrap();
    assert_eq!(dev.governance.auth.method, AuthMethod::None {});
    assert_eq!(
        dev.governance.streaming.reconnection.initial_delay,
        Duration::from_millis(100)
    );
    let production: AlysConfig = production.try_into().unwrap();
    assert_eq!(production.governance.streaming.buffer_size, 5000);
}

#[test]
fn example_config_parses_and_passes_validation() {
    let config: AlysConfig = toml::from_str(&fill_placeholders(EXAMPLE)).unwrap();
    assert!(config.bridge.bitcoin_rpc_password.is_some());
    assert!(config.execution.jwt_secret.is_some());
    let report = Validator::with_builtin_rules().validate(&config);
    assert!(report.is_accepted(), "{:#?}", report.findings);
}

#[test]
fn example_config_writes_every_section() {
    let example: toml::Table = toml::from_str(&fill_placeholders(EXAMPLE)).unwrap();
    let defaults = toml::Table::try_from(AlysConfig::default()).unwrap();
    for key in defaults.keys() {
        assert!(
            example.contains_key(key),
            "examples/alys.toml lacks [{key}]"
        );
    }
}
