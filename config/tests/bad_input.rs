//! Every kind of bad input gives an error that names the file and position, the key path or the
//! variable, with the closest real key suggested where there is one.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use alys_config::{load, ConfigError, LoadOptions};

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn load_file(
    text: &str,
) -> (
    tempfile::TempDir,
    PathBuf,
    Result<alys_config::Loaded, ConfigError>,
) {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "alys.toml", text);
    let result = load(&LoadOptions {
        files: vec![path.clone()],
        ..Default::default()
    });
    (dir, path, result)
}

fn load_vars(pairs: &[(&str, &str)]) -> Result<alys_config::Loaded, ConfigError> {
    let vars: BTreeMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    load(&LoadOptions {
        vars,
        ..Default::default()
    })
}

#[test]
fn rejects_a_table_defined_twice_with_line_and_column() {
    let text = "[governance.grpc]\nconnect_timeout = \"5s\"\n\n[governance]\nenabled = true\n\n[governance]\nenabled = false\n";
    let (_dir, path, result) = load_file(text);
    let message = result.unwrap_err().to_string();
    assert!(
        message.starts_with(&format!("{}:7:", path.display())),
        "{message}"
    );
    assert!(message.contains("duplicate"), "{message}");
}

#[test]
fn dotted_keys_with_a_later_sub_table_still_load() {
    let text = "[governance]\nenabled = true\ngrpc.connect_timeout = \"7s\"\n\n[governance.grpc.tls]\nserver_name = \"x\"\n";
    let (_dir, _path, result) = load_file(text);
    let loaded = result.unwrap();
    assert_eq!(
        loaded.config.governance.grpc.connect_timeout,
        std::time::Duration::from_secs(7)
    );
    assert_eq!(
        loaded.config.governance.grpc.tls.server_name.as_deref(),
        Some("x")
    );
}

#[test]
fn wrong_case_table_suggests_the_real_one_with_position() {
    let (_dir, path, result) =
        load_file("[network]\nmax_peers = 3\n\n[Chain]\nslot_duration = \"2s\"\n");
    let message = result.unwrap_err().to_string();
    assert_eq!(
        message,
        format!(
            "{}:4:2: unknown key `Chain`, did you mean `chain`?",
            path.display()
        )
    );
}

/// Regression: `[Production.network]` got no suggestion while `[Chain]` did.
#[test]
fn wrong_case_environment_section_suggests_the_section_name() {
    for (header, section) in [("Production.network", "production"), ("DEV", "dev")] {
        let (_dir, path, result) = load_file(&format!("[{header}]\nmax_peers = 3\n"));
        let wrong = header.split('.').next().unwrap_or(header);
        assert_eq!(
            result.unwrap_err().to_string(),
            format!(
                "{}:1:2: unknown key `{wrong}`, did you mean `{section}`?",
                path.display()
            )
        );
    }
    let (_dir, _path, result) = load_file("[prodution.network]\nmax_peers = 3\n");
    let message = result.unwrap_err().to_string();
    assert!(
        message.ends_with("unknown key `prodution`, did you mean `production`?"),
        "{message}"
    );
}

#[test]
fn camel_case_key_suggests_the_snake_case_key() {
    let (_dir, path, result) = load_file("[chain]\nslotDuration = \"2s\"\n");
    let message = result.unwrap_err().to_string();
    assert_eq!(
        message,
        format!(
            "{}:2:1: unknown key `chain.slotDuration`, did you mean `chain.slot_duration`?",
            path.display()
        )
    );
}

#[test]
fn unknown_key_inside_an_array_of_tables_names_the_element() {
    let text = "[governance]\nenabled = true\n[[governance.endpoints]]\nname = \"a\"\nurl = \"https://x:1\"\nwieght = 3\n";
    let (_dir, _path, result) = load_file(text);
    let message = result.unwrap_err().to_string();
    assert!(
        message.contains(":6:1: unknown key `governance.endpoints[0].wieght`"),
        "{message}"
    );
    assert!(
        message.contains("did you mean `governance.endpoints[0].weight`"),
        "{message}"
    );
}

#[test]
fn unknown_variables_are_all_listed_with_suggestions() {
    let err = load_vars(&[
        ("ALYS_GOVERNANCE__ENDPONT", "x"),
        ("ALYS_NETWORK__MAX_PEERZ", "3"),
        ("ALYS_NETWORK__MAX_PEERS", "4"),
    ])
    .unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("$ALYS_GOVERNANCE__ENDPONT (did you mean $ALYS_GOVERNANCE__ENDPOINTS?)"),
        "{message}"
    );
    assert!(
        message.contains("$ALYS_NETWORK__MAX_PEERZ (did you mean $ALYS_NETWORK__MAX_PEERS?)"),
        "{message}"
    );
}

/// Regression: `ALYS_ENVIRONMET=production` was passed through as a placeholder variable and the
/// node ran as development.
#[test]
fn slip_in_a_top_level_variable_is_listed_with_the_other_unknown_variables() {
    let err = load_vars(&[
        ("ALYS_ENVIRONMET", "production"),
        ("ALYS_LOGING", "x"),
        ("ALYS_NETWORK__MAX_PEERZ", "3"),
        ("ALYS_NODE_ID", "n1"),
    ])
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "environment variables that match no config key: \
         $ALYS_ENVIRONMET (did you mean $ALYS_ENVIRONMENT?), \
         $ALYS_LOGING (did you mean $ALYS_LOGGING?), \
         $ALYS_NETWORK__MAX_PEERZ (did you mean $ALYS_NETWORK__MAX_PEERS?)"
    );
}

#[test]
fn slip_in_a_top_level_variable_is_accepted_when_a_placeholder_reads_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "alys.toml",
        "[system]\nname = \"${ALYS_LOGING}\"\n",
    );
    let vars = BTreeMap::from([("ALYS_LOGING".to_string(), "node-7".to_string())]);
    let loaded = load(&LoadOptions {
        files: vec![path],
        vars,
        ..Default::default()
    })
    .unwrap();
    assert_eq!(loaded.config.system.name, "node-7");
}

/// Regression: `ALYS___` and friends made the loader retry the same unknown key forever, growing
/// without bound. Each load runs on its own thread so that a regression fails instead of hanging.
#[test]
fn variable_with_an_empty_key_segment_is_unknown_instead_of_looping() {
    for var in [
        "ALYS___",
        "ALYS____",
        "ALYS___NETWORK",
        "ALYS_NETWORK____MAX_PEERS",
    ] {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(
                load_vars(&[(var, "3")])
                    .map(|_| ())
                    .map_err(|e| e.to_string()),
            );
        });
        let result = rx
            .recv_timeout(std::time::Duration::from_secs(10))
            .unwrap_or_else(|_| panic!("loading with ${var} did not finish"));
        assert_eq!(
            result.unwrap_err(),
            format!("environment variables that match no config key: ${var}")
        );
    }
}

#[test]
fn empty_variable_is_refused_by_name() {
    let err = load_vars(&[("ALYS_BRIDGE__BITCOIN_RPC_URL", "")]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "$ALYS_BRIDGE__BITCOIN_RPC_URL is set but empty; to fall back to the lower layers, unset it"
    );
}

#[test]
fn wrong_type_in_a_variable_names_the_variable_and_key() {
    let err = load_vars(&[("ALYS_NETWORK__MAX_PEERS", "many")]).unwrap_err();
    let message = err.to_string();
    assert!(
        message.starts_with("$ALYS_NETWORK__MAX_PEERS: invalid value for `network.max_peers`"),
        "{message}"
    );
    assert!(message.contains("many"), "{message}");
}

#[test]
fn bool_variable_accepts_only_true_or_false() {
    let err = load_vars(&[("ALYS_BRIDGE__ENABLED", "yes")]).unwrap_err();
    assert!(
        err.to_string().contains("expected `true` or `false`"),
        "{err}"
    );
    assert!(load_vars(&[("ALYS_BRIDGE__ENABLED", "false")]).is_ok());
}

#[test]
fn unparsable_duration_names_file_position_and_key() {
    let (_dir, path, result) = load_file("[network]\nconnection_timeout = \"10 parsecs\"\n");
    let message = result.unwrap_err().to_string();
    assert!(
        message.starts_with(&format!(
            "{}:2:1: invalid value for `network.connection_timeout`",
            path.display()
        )),
        "{message}"
    );
}

#[test]
fn empty_file_is_refused_as_a_save_in_progress() {
    let (_dir, path, result) = load_file("# nothing yet\n\n");
    let message = result.unwrap_err().to_string();
    assert!(
        message.starts_with(&format!("{}: config file is empty", path.display())),
        "{message}"
    );
}

#[test]
fn missing_file_directory_and_non_utf8_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.toml");
    let err = load(&LoadOptions {
        files: vec![missing.clone()],
        ..Default::default()
    })
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("{}: config file not found", missing.display())
    );

    let err = load(&LoadOptions {
        files: vec![dir.path().to_owned()],
        ..Default::default()
    })
    .unwrap_err();
    assert!(err.to_string().contains("is a directory"), "{err}");

    let latin1 = dir.path().join("latin1.toml");
    std::fs::write(&latin1, b"[system]\nname = \"caf\xe9\"\n").unwrap();
    let err = load(&LoadOptions {
        files: vec![latin1.clone()],
        ..Default::default()
    })
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("{}:2:12: config file is not valid UTF-8", latin1.display())
    );
}

#[test]
fn unreadable_file_is_named() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "locked.toml", "[network]\nmax_peers = 1\n");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&path).is_ok() {
        // Running as root: permission bits do not stop reads. Use a path through a file instead.
        let through = path.join("x.toml");
        let err = load(&LoadOptions {
            files: vec![through.clone()],
            ..Default::default()
        })
        .unwrap_err();
        assert!(
            err.to_string().starts_with(&through.display().to_string()),
            "{err}"
        );
        return;
    }
    let err = load(&LoadOptions {
        files: vec![path.clone()],
        ..Default::default()
    })
    .unwrap_err();
    assert!(
        err.to_string()
            .starts_with(&format!("{}: cannot read config file", path.display())),
        "{err}"
    );
}

#[test]
fn unset_placeholder_names_key_variable_and_position() {
    let (_dir, path, result) =
        load_file("[bridge]\n\nbitcoin_rpc_password = \"${NOT_SET_ANYWHERE}\"\n");
    let message = result.unwrap_err().to_string();
    assert_eq!(
        message,
        format!(
            "{}:3:24: `bridge.bitcoin_rpc_password` refers to ${{NOT_SET_ANYWHERE}}, which is not set",
            path.display()
        )
    );
}

/// Regression: `environment = "production"` inside `[dev]` made the node report production
/// while the production section was never applied.
#[test]
fn environment_set_inside_an_environment_section_names_file_line_and_key() {
    for (text, section, line, column) in [
        ("[dev]\nenvironment = \"production\"\n", "dev", 2, 1),
        (
            "[network]\nmax_peers = 3\n\n[production]\n  environment = \"staging\"\n",
            "production",
            5,
            3,
        ),
        (
            "testing = { environment = \"testing\" }\n",
            "testing",
            1,
            13,
        ),
    ] {
        let (_dir, path, result) = load_file(text);
        assert_eq!(
            result.unwrap_err().to_string(),
            format!(
                "{}:{line}:{column}: `{section}.environment`: an environment section cannot set \
                 the environment; set `environment` at the top level of a file, with \
                 $ALYS_ENVIRONMENT or --environment",
                path.display()
            )
        );
    }
}

/// Regression: `"<redacted>"` copied from `config show` was taken as the password itself.
#[test]
fn redaction_marker_in_a_secret_names_file_line_and_key() {
    let (_dir, path, result) =
        load_file("[bridge]\nbitcoin_rpc_user = \"alys\"\nbitcoin_rpc_password = \"<redacted>\"\n");
    assert_eq!(
        result.unwrap_err().to_string(),
        format!(
            "{}:3:1: `bridge.bitcoin_rpc_password` is \"<redacted>\", the placeholder `config \
             show` prints in place of a secret; give the real value (or a ${{VAR}} placeholder)",
            path.display()
        )
    );

    let (_dir, path, result) =
        load_file("[governance.auth]\nmethod = { type = \"jwt\", token = \"<redacted>\" }\n");
    let message = result.unwrap_err().to_string();
    assert!(
        message.starts_with(&format!(
            "{}:2:26: `governance.auth.method.token` is \"<redacted>\"",
            path.display()
        )),
        "{message}"
    );
}

#[test]
fn redaction_marker_outside_a_secret_is_plain_text() {
    let (_dir, _path, result) = load_file("[system]\nname = \"<redacted>\"\n");
    assert_eq!(result.unwrap().config.system.name, "<redacted>");
}

#[test]
fn malformed_set_flag_and_unknown_environment_are_explained() {
    let err = load(&LoadOptions {
        sets: vec!["network.max_peers".into()],
        ..Default::default()
    })
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "--set network.max_peers: expected key.path=value"
    );
    let err = load(&LoadOptions {
        environment: Some("prodution".into()),
        ..Default::default()
    })
    .unwrap_err();
    assert!(
        err.to_string().contains("unknown environment `prodution`"),
        "{err}"
    );
}
