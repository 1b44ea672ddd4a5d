//! What `config show --format toml` prints loads again to the same config: for the defaults, the
//! example and the upstream governance file in each environment, with secrets given as `${VAR}`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use alys_config::{dump, load, LoadOptions};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn vars() -> BTreeMap<String, String> {
    [
        ("GOVERNANCE_JWT_TOKEN", "jwt-value"),
        ("GOVERNANCE_REFRESH_TOKEN", "refresh-value"),
        ("ALYS_NODE_ID", "node-7"),
        ("BITCOIN_RPC_PASS", "btc-pass"),
        ("ENGINE_JWT_SECRET", "0x1234"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

fn assert_round_trip(files: Vec<PathBuf>, environment: Option<&str>) {
    let options = LoadOptions {
        files,
        environment: environment.map(str::to_owned),
        vars: vars(),
        ..Default::default()
    };
    let first = load(&options).unwrap();
    let shown = dump::to_toml(&first);
    for secret in ["jwt-value", "refresh-value", "btc-pass", "0x1234"] {
        assert!(!shown.contains(secret), "secret {secret} printed:\n{shown}");
    }

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shown.toml");
    std::fs::write(&path, &shown).unwrap();
    let again = load(&LoadOptions {
        files: vec![path],
        vars: vars(),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(
        again.config, first.config,
        "reloaded config differs; shown:\n{shown}"
    );
    assert_eq!(dump::to_toml(&again), shown);
}

#[test]
fn defaults_round_trip() {
    let defaults = load(&LoadOptions::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("defaults.toml");
    std::fs::write(&path, dump::to_toml(&defaults)).unwrap();
    assert_round_trip(vec![path], None);
}

#[test]
fn example_round_trips() {
    assert_round_trip(vec![root().join("examples/alys.toml")], None);
}

#[test]
fn upstream_governance_round_trips_in_each_environment() {
    let file = root().join("tests/fixtures/upstream/governance-stream.toml");
    for env in ["development", "testing", "staging", "production"] {
        assert_round_trip(vec![file.clone()], Some(env));
    }
}

#[test]
fn example_and_upstream_layered_round_trip() {
    let files = vec![
        root().join("examples/alys.toml"),
        root().join("tests/fixtures/upstream/governance-stream.toml"),
    ];
    assert_round_trip(files, Some("production"));
}

#[test]
fn development_section_of_the_upstream_file_replaces_endpoints_and_auth() {
    let options = LoadOptions {
        files: vec![root().join("tests/fixtures/upstream/governance-stream.toml")],
        environment: Some("dev".into()),
        vars: vars(),
        ..Default::default()
    };
    let loaded = load(&options).unwrap();
    let g = &loaded.config.governance;
    assert_eq!(g.endpoints.len(), 1);
    assert_eq!(g.endpoints[0].name, "dev-local");
    assert!(!g.endpoints[0].health_check.enabled);
    assert_eq!(g.grpc.connect_timeout, std::time::Duration::from_secs(30));
    assert!(g.grpc.tls.skip_verification);
    assert_eq!(g.streaming.reconnection.max_attempts, 3);
    assert_eq!(format!("{:?}", g.auth.method), "None");
    // Top-level keys the section leaves alone keep the file's values.
    assert_eq!(g.federation.member_id.as_deref(), Some("node-7"));
}

#[test]
fn a_literal_placeholder_prints_escaped_and_loads_back_literal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lit.toml");
    std::fs::write(&path, "[bridge]\nbitcoin_wallet = \"w-$${NOT_A_VAR}\"\n").unwrap();
    let first = load(&LoadOptions {
        files: vec![path],
        ..Default::default()
    })
    .unwrap();
    assert_eq!(
        first.config.bridge.bitcoin_wallet.as_deref(),
        Some("w-${NOT_A_VAR}")
    );
    let shown = dump::to_toml(&first);
    assert!(
        shown.contains("bitcoin_wallet = \"w-$${NOT_A_VAR}\""),
        "{shown}"
    );
    let again_path = dir.path().join("again.toml");
    std::fs::write(&again_path, &shown).unwrap();
    let again = load(&LoadOptions {
        files: vec![again_path],
        ..Default::default()
    })
    .unwrap();
    assert_eq!(again.config, first.config);
}
