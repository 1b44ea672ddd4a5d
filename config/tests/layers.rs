//! The precedence matrix: every layer over every lower one, with the origin of the key checked,
//! on real files in a temporary directory.

use std::collections::BTreeMap;
use std::path::PathBuf;

use alys_config::load::{Layer, Source};
use alys_config::{load, LoadOptions};

const KEY: &str = "actors.mailbox.default_capacity";

/// The value each layer writes for `KEY`; the profile's value is its own (10000).
fn value_of(layer: Layer) -> i64 {
    match layer {
        Layer::Default => {
            alys_config::AlysConfig::default()
                .actors
                .mailbox
                .default_capacity as i64
        }
        Layer::Profile => 10_000,
        Layer::File => 301,
        Layer::EnvironmentSection => 401,
        Layer::Env => 501,
        Layer::Cli => 601,
    }
}

struct Setup {
    _dir: tempfile::TempDir,
    options: LoadOptions,
}

fn setup(layers: &[Layer]) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let mut options = LoadOptions::default();
    let mut file = String::from("[network]\nmax_peers = 40\n");
    if layers.contains(&Layer::Profile) {
        options.sets.push("actors.profile=high_throughput".into());
    }
    if layers.contains(&Layer::File) {
        file.push_str(&format!(
            "[actors.mailbox]\ndefault_capacity = {}\n",
            value_of(Layer::File)
        ));
    }
    if layers.contains(&Layer::EnvironmentSection) {
        file.push_str(&format!(
            "[dev.actors.mailbox]\ndefault_capacity = {}\n",
            value_of(Layer::EnvironmentSection)
        ));
    }
    let path = dir.path().join("alys.toml");
    std::fs::write(&path, file).unwrap();
    options.files.push(path);
    if layers.contains(&Layer::Env) {
        options.vars.insert(
            "ALYS_ACTORS__MAILBOX__DEFAULT_CAPACITY".into(),
            value_of(Layer::Env).to_string(),
        );
    }
    if layers.contains(&Layer::Cli) {
        options.sets.push(format!("{KEY}={}", value_of(Layer::Cli)));
    }
    Setup { _dir: dir, options }
}

const ALL: [Layer; 6] = [
    Layer::Default,
    Layer::Profile,
    Layer::File,
    Layer::EnvironmentSection,
    Layer::Env,
    Layer::Cli,
];

#[test]
fn each_layer_wins_over_each_lower_layer_and_is_named_as_the_origin() {
    for (i, lower) in ALL.iter().enumerate() {
        for higher in &ALL[i + 1..] {
            let setup = setup(&[*lower, *higher]);
            let loaded =
                load(&setup.options).unwrap_or_else(|e| panic!("{higher} over {lower}: {e}"));
            let got = loaded.config.actors.mailbox.default_capacity as i64;
            assert_eq!(got, value_of(*higher), "{higher} over {lower}");
            assert_eq!(
                loaded.provenance.origin(KEY).layer,
                *higher,
                "{higher} over {lower}"
            );
        }
    }
}

#[test]
fn a_lone_layer_sets_the_key_and_is_named() {
    for layer in ALL {
        let setup = setup(&[layer]);
        let loaded = load(&setup.options).unwrap();
        assert_eq!(
            loaded.config.actors.mailbox.default_capacity as i64,
            value_of(layer)
        );
        assert_eq!(loaded.provenance.origin(KEY).layer, layer);
    }
}

#[test]
fn later_files_win_and_the_origin_names_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("a.toml");
    let second = dir.path().join("b.toml");
    std::fs::write(
        &first,
        "[network]\nmax_peers = 1\nconnection_timeout = \"3s\"\n",
    )
    .unwrap();
    std::fs::write(&second, "# override\n[network]\n  max_peers = 2\n").unwrap();
    let options = LoadOptions {
        files: vec![first.clone(), second.clone()],
        ..Default::default()
    };
    let loaded = load(&options).unwrap();
    assert_eq!(loaded.config.network.max_peers, 2);
    assert_eq!(
        loaded.config.network.connection_timeout,
        std::time::Duration::from_secs(3)
    );
    let origin = loaded.provenance.origin("network.max_peers");
    assert_eq!(
        origin.source,
        Source::File {
            path: second.into(),
            line: 3,
            column: 3
        }
    );
    let origin = loaded.provenance.origin("network.connection_timeout");
    assert_eq!(
        origin.source,
        Source::File {
            path: first.into(),
            line: 3,
            column: 1
        }
    );
}

#[test]
fn environment_flag_beats_variable_beats_file_for_choosing_the_section() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alys.toml");
    std::fs::write(
        &path,
        "environment = \"staging\"\n[production.network]\nmax_peers = 9\n[staging.network]\nmax_peers = 8\n[test.network]\nmax_peers = 7\n",
    )
    .unwrap();
    let mut options = LoadOptions {
        files: vec![path],
        ..Default::default()
    };
    assert_eq!(load(&options).unwrap().config.network.max_peers, 8);
    options
        .vars
        .insert("ALYS_ENVIRONMENT".into(), "prod".into());
    assert_eq!(load(&options).unwrap().config.network.max_peers, 9);
    options.environment = Some("testing".into());
    let loaded = load(&options).unwrap();
    assert_eq!(loaded.config.network.max_peers, 7);
    assert_eq!(
        loaded.provenance.origin("network.max_peers").layer,
        Layer::EnvironmentSection
    );
}

#[test]
fn env_text_keeps_strings_as_written_and_types_numbers() {
    let mut vars = BTreeMap::new();
    vars.insert(
        "ALYS_BRIDGE__BITCOIN_RPC_USER".to_string(),
        "012345".to_string(),
    );
    vars.insert("ALYS_NETWORK__MAX_PEERS".to_string(), "012".to_string());
    let loaded = load(&LoadOptions {
        vars,
        ..Default::default()
    })
    .unwrap();
    assert_eq!(
        loaded.config.bridge.bitcoin_rpc_user.as_deref(),
        Some("012345")
    );
    assert_eq!(loaded.config.network.max_peers, 12);
    assert_eq!(
        loaded.provenance.origin("network.max_peers").source,
        Source::Var("ALYS_NETWORK__MAX_PEERS".into())
    );
}

#[test]
fn v1_bitcoin_variables_set_the_bridge_and_the_password_is_redacted_in_overrides() {
    let mut vars = BTreeMap::new();
    vars.insert(
        "BITCOIN_RPC_URL".to_string(),
        "http://127.0.0.1:18443".to_string(),
    );
    vars.insert("BITCOIN_RPC_PASS".to_string(), "s3cret-pass".to_string());
    let loaded = load(&LoadOptions {
        vars,
        ..Default::default()
    })
    .unwrap();
    assert_eq!(
        loaded.config.bridge.bitcoin_rpc_url,
        "http://127.0.0.1:18443"
    );
    let password = loaded.config.bridge.bitcoin_rpc_password.as_ref().unwrap();
    assert_eq!(password.expose(), "s3cret-pass");
    let recorded = format!("{:?}", loaded.overrides);
    assert!(!recorded.contains("s3cret-pass"), "{recorded}");
}

#[test]
fn placeholders_expand_from_the_environment_and_keep_their_template() {
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join("alys.toml");
    std::fs::write(
        &path,
        "[bridge]\nbitcoin_rpc_password = \"${BTC_PASS}\"\nbitcoin_wallet = \"w-${NAME}\"\n",
    )
    .unwrap();
    let mut options = LoadOptions {
        files: vec![path],
        ..Default::default()
    };
    options.vars.insert("BTC_PASS".into(), "pw".into());
    options.vars.insert("NAME".into(), "fed".into());
    let loaded = load(&options).unwrap();
    assert_eq!(
        loaded.config.bridge.bitcoin_wallet.as_deref(),
        Some("w-fed")
    );
    assert_eq!(
        loaded.templates["bridge.bitcoin_rpc_password"],
        "${BTC_PASS}"
    );
    let shown = alys_config::dump::to_toml(&loaded);
    assert!(
        shown.contains("bitcoin_rpc_password = \"${BTC_PASS}\""),
        "{shown}"
    );
}

#[test]
fn variables_reach_fields_inside_a_tagged_enum_with_their_types() {
    let mut vars = BTreeMap::new();
    vars.insert(
        "ALYS_ACTORS__SUPERVISION__DEFAULT_RESTART_STRATEGY__TYPE".to_string(),
        "one_for_all".to_string(),
    );
    vars.insert(
        "ALYS_ACTORS__SUPERVISION__DEFAULT_RESTART_STRATEGY__MAX_RETRIES".to_string(),
        "7".to_string(),
    );
    let loaded = load(&LoadOptions {
        vars,
        ..Default::default()
    })
    .unwrap();
    let shown = format!(
        "{:?}",
        loaded.config.actors.supervision.default_restart_strategy
    );
    assert!(
        shown.contains("OneForAll") && shown.contains("max_retries: 7"),
        "{shown}"
    );
}

#[test]
fn optional_files_are_skipped_while_absent_and_laid_after_the_files_once_present() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base.toml");
    std::fs::write(&base, "[network]\nmax_peers = 40\n").unwrap();
    let extra = dir.path().join("extra.toml");
    let options = LoadOptions {
        files: vec![base.clone()],
        optional_files: vec![extra.clone()],
        ..LoadOptions::default()
    };
    assert_eq!(load(&options).unwrap().config.network.max_peers, 40);

    std::fs::write(&extra, "[network]\nmax_peers = 41\n").unwrap();
    let loaded = load(&options).unwrap();
    assert_eq!(loaded.config.network.max_peers, 41);
    let origin = loaded.provenance.origin("network.max_peers");
    assert_eq!(origin.layer, Layer::File);
    assert!(
        origin
            .source
            .to_string()
            .starts_with(&format!("{}:", extra.display())),
        "{}",
        origin.source
    );

    // Present but broken is an error, as for any config file.
    std::fs::write(&extra, "[network\n").unwrap();
    let error = load(&options).unwrap_err().to_string();
    assert!(error.contains("extra.toml:1"), "{error}");
}
