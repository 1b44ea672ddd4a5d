//! `alys-node config check` and `config show` as an operator runs them: exit status 78 and a
//! message naming the place for every bad input, the upstream files accepted, secrets redacted.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use alys_tests::{bin, fixture, wait_for};

const JWT: &str = "jwt-cli-secret-55";
const REFRESH: &str = "refresh-cli-secret-66";

fn node(args: &[&str], env: &[(&str, &str)], cwd: &Path) -> Output {
    let mut cmd = Command::new(bin("alys-node"));
    cmd.args(args)
        .current_dir(cwd)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap());
    cmd.env("GOVERNANCE_JWT_TOKEN", JWT)
        .env("GOVERNANCE_REFRESH_TOKEN", REFRESH)
        .env("ALYS_NODE_ID", "n1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

/// Like [`node`], but kills the process and fails the test if it has not exited within `limit`.
fn node_within(limit: Duration, args: &[&str], env: &[(&str, &str)], cwd: &Path) -> Output {
    let mut cmd = Command::new(bin("alys-node"));
    cmd.args(args)
        .current_dir(cwd)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap())
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let exited = wait_for(limit, || child.try_wait().unwrap());
    if exited.is_none() {
        child.kill().unwrap();
        child.wait().unwrap();
        panic!("alys-node {args:?} with {env:?} did not exit within {limit:?}");
    }
    child.wait_with_output().unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn upstream_governance_file_passes_in_development_with_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let file = fixture("upstream/governance-stream.toml");
    let out = node(
        &[
            "config",
            "check",
            "--environment",
            "development",
            "--config",
            file.to_str().unwrap(),
        ],
        &[],
        dir.path(),
    );
    let said = text(&out);
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(
        said.contains("warning: governance.grpc.tls.ca_cert_file"),
        "{said}"
    );
    assert!(
        said.contains("warning: governance.endpoints[0].url"),
        "{said}"
    );
}

#[test]
fn upstream_governance_file_is_rejected_in_production_for_the_missing_certificates() {
    let dir = tempfile::tempdir().unwrap();
    let file = fixture("upstream/governance-stream.toml");
    let out = node(
        &[
            "config",
            "check",
            "--environment",
            "production",
            "--config",
            file.to_str().unwrap(),
        ],
        &[],
        dir.path(),
    );
    let said = text(&out);
    assert_eq!(out.status.code(), Some(78), "{said}");
    assert!(
        said.contains("error: governance.grpc.tls.client_key_file"),
        "{said}"
    );
}

#[test]
fn upstream_chain_specs_load_and_a_chain_id_mismatch_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    for (spec, id) in [
        ("upstream/chain.json", "727272"),
        ("upstream/chain-dev.json", "121212"),
    ] {
        let spec = fixture(spec);
        let set = format!("chain.spec_file={}", spec.display());
        let out = node(
            &[
                "config",
                "check",
                "--set",
                &set,
                "--set",
                &format!("chain.chain_id={id}"),
            ],
            &[],
            dir.path(),
        );
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        let out = node(
            &[
                "config",
                "check",
                "--set",
                &set,
                "--set",
                "chain.chain_id=1",
            ],
            &[],
            dir.path(),
        );
        assert_eq!(out.status.code(), Some(78), "{}", text(&out));
        assert!(text(&out).contains("chain.chain_id"), "{}", text(&out));
    }
}

#[test]
fn every_bad_input_exits_78_and_names_where() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, body: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, body).unwrap();
        p.to_str().unwrap().to_owned()
    };
    let twice = write("twice.toml", b"[governance.grpc]\nconnect_timeout = \"5s\"\n[governance]\nenabled = true\n[governance]\nenabled = false\n");
    let case = write("case.toml", b"[Chain]\n");
    let camel = write("camel.toml", b"[chain]\nslotDuration = \"2s\"\n");
    let parsecs = write(
        "parsecs.toml",
        b"[network]\nconnection_timeout = \"10 parsecs\"\n",
    );
    let empty = write("empty.toml", b"\n# nothing\n");
    let latin1 = write("latin1.toml", b"[system]\nname = \"caf\xe9\"\n");
    let missing = dir.path().join("missing.toml").to_str().unwrap().to_owned();
    let directory = dir.path().to_str().unwrap().to_owned();

    type Case<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>, String);
    let cases: Vec<Case> = vec![
        (vec!["--config", &twice], vec![], format!("{twice}:5:")),
        (
            vec!["--config", &case],
            vec![],
            format!("{case}:1:2: unknown key `Chain`, did you mean `chain`?"),
        ),
        (
            vec!["--config", &camel],
            vec![],
            "did you mean `chain.slot_duration`?".into(),
        ),
        (
            vec![],
            vec![("ALYS_GOVERNANCE__ENDPONT", "x")],
            "$ALYS_GOVERNANCE__ENDPONT (did you mean $ALYS_GOVERNANCE__ENDPOINTS?)".into(),
        ),
        (
            vec![],
            vec![("ALYS_BRIDGE__BITCOIN_RPC_URL", "")],
            "$ALYS_BRIDGE__BITCOIN_RPC_URL is set but empty".into(),
        ),
        (
            vec![],
            vec![("ALYS_NETWORK__MAX_PEERS", "many")],
            "$ALYS_NETWORK__MAX_PEERS: invalid value for `network.max_peers`".into(),
        ),
        (
            vec!["--config", &parsecs],
            vec![],
            format!("{parsecs}:2:1: invalid value for `network.connection_timeout`"),
        ),
        (
            vec!["--config", &empty],
            vec![],
            format!("{empty}: config file is empty"),
        ),
        (
            vec!["--config", &missing],
            vec![],
            format!("{missing}: config file not found"),
        ),
        (
            vec!["--config", &directory],
            vec![],
            format!("{directory}: is a directory"),
        ),
        (
            vec!["--config", &latin1],
            vec![],
            format!("{latin1}:2:12: config file is not valid UTF-8"),
        ),
    ];
    for (args, env, expected) in cases {
        let mut all = vec!["config", "check"];
        all.extend(args.iter().copied());
        let out = node(&all, &env, dir.path());
        let said = text(&out);
        assert_eq!(out.status.code(), Some(78), "{all:?} {env:?}: {said}");
        assert!(
            said.contains(&expected),
            "{all:?} {env:?}: expected {expected:?} in {said}"
        );
    }
}

#[test]
fn show_redacts_secrets_and_origin_names_each_layer() {
    let dir = tempfile::tempdir().unwrap();
    let file = fixture("upstream/governance-stream.toml");
    let args = [
        "config",
        "show",
        "--origin",
        "--environment",
        "production",
        "--config",
        file.to_str().unwrap(),
        "--set",
        "network.max_peers=3",
    ];
    let out = node(
        &args,
        &[
            ("ALYS_LOGGING__LEVEL", "debug"),
            ("BITCOIN_RPC_PASS", "pw-77"),
        ],
        dir.path(),
    );
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    for secret in [JWT, REFRESH, "pw-77"] {
        assert!(!said.contains(secret), "{secret} printed");
    }
    assert!(
        said.contains("network.max_peers = 3  # cli --set network.max_peers"),
        "{said}"
    );
    assert!(
        said.contains("logging.level = \"debug\"  # env $ALYS_LOGGING__LEVEL"),
        "{said}"
    );
    assert!(
        said.contains("governance.grpc.connect_timeout = \"5s\"  # environment-section"),
        "{said}"
    );
    assert!(
        said.contains("network.listen_addr = \"0.0.0.0:30303\"  # default built-in"),
        "{said}"
    );
    assert!(
        said.contains("bridge.bitcoin_rpc_password = \"<redacted>\"  # env $BITCOIN_RPC_PASS"),
        "{said}"
    );
}

#[test]
fn show_toml_loads_again_to_the_same_output() {
    let dir = tempfile::tempdir().unwrap();
    let file = fixture("upstream/governance-stream.toml");
    let example = alys_tests::workspace_root().join("examples/alys.toml");
    let env = [("BITCOIN_RPC_PASS", "p"), ("ENGINE_JWT_SECRET", "0x01")];
    let first = node(
        &[
            "config",
            "show",
            "--config",
            example.to_str().unwrap(),
            "--config",
            file.to_str().unwrap(),
        ],
        &env,
        dir.path(),
    );
    assert!(first.status.success(), "{}", text(&first));
    let shown = dir.path().join("shown.toml");
    std::fs::write(&shown, &first.stdout).unwrap();
    let second = node(
        &["config", "show", "--config", shown.to_str().unwrap()],
        &env,
        dir.path(),
    );
    assert!(second.status.success(), "{}", text(&second));
    assert_eq!(
        String::from_utf8_lossy(&second.stdout),
        String::from_utf8_lossy(&first.stdout)
    );
    let json = node(
        &[
            "config",
            "show",
            "--format",
            "json",
            "--config",
            shown.to_str().unwrap(),
        ],
        &env,
        dir.path(),
    );
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(value["governance"]["endpoints"][0]["name"], "dev-local");
}

#[test]
fn non_utf8_variable_outside_the_config_is_ignored_and_inside_is_named_without_its_value() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let bad = OsStr::from_bytes(b"hunter2\xe9");
    let mut cmd = Command::new(bin("alys-node"));
    cmd.args(["config", "check"])
        .current_dir(dir.path())
        .env("UNRELATED_PASSWORD", bad);
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    let mut cmd = Command::new(bin("alys-node"));
    cmd.args(["config", "check"])
        .current_dir(dir.path())
        .env("BITCOIN_RPC_PASS", bad);
    let out = cmd.output().unwrap();
    let said = text(&out);
    assert_eq!(out.status.code(), Some(78), "{said}");
    assert!(
        said.contains("$BITCOIN_RPC_PASS is not valid UTF-8"),
        "{said}"
    );
    assert!(!said.contains("hunter2"), "{said}");
}

#[test]
fn a_bad_value_for_a_secret_key_is_not_echoed() {
    let dir = tempfile::tempdir().unwrap();
    let out = node(
        &[
            "config",
            "check",
            "--set",
            "governance.auth.method={type=\"jwt\", token=\"SECRETdef\", header=1}",
        ],
        &[],
        dir.path(),
    );
    let said = text(&out);
    assert_eq!(out.status.code(), Some(78), "{said}");
    assert!(said.contains("--set governance.auth.method"), "{said}");
    assert!(!said.contains("SECRETdef"), "{said}");
}

#[test]
fn an_inline_table_in_set_replaces_the_tagged_value() {
    let dir = tempfile::tempdir().unwrap();
    let file = fixture("upstream/governance-stream.toml");
    let out = node(
        &[
            "config",
            "show",
            "--environment",
            "production",
            "--config",
            file.to_str().unwrap(),
            "--set",
            "governance.auth.method={type=\"none\"}",
        ],
        &[],
        dir.path(),
    );
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains("[governance.auth.method]\ntype = \"none\""),
        "{said}"
    );
}

#[test]
fn errors_below_a_plain_value_blame_the_flag_or_variable_not_the_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let out = node(
        &["config", "check", "--set", "network.max_peers.x=1"],
        &[],
        dir.path(),
    );
    assert!(
        text(&out)
            .contains("error: --set network.max_peers.x: invalid value for `network.max_peers`"),
        "{}",
        text(&out)
    );
    let out = node(
        &["config", "check"],
        &[(
            "ALYS_ACTORS__SUPERVISION__DEFAULT_RESTART_STRATEGY__MAX_RETRIES",
            "7",
        )],
        dir.path(),
    );
    assert!(
        text(&out).contains("$ALYS_ACTORS__SUPERVISION__DEFAULT_RESTART_STRATEGY__MAX_RETRIES"),
        "{}",
        text(&out)
    );
    let out = node(
        &["config", "check", "--environment", "prodd"],
        &[],
        dir.path(),
    );
    assert!(
        text(&out).contains("error: --environment: unknown environment `prodd`"),
        "{}",
        text(&out)
    );
}

#[test]
fn sections_of_other_environments_are_checked_too() {
    let dir = tempfile::tempdir().unwrap();
    let typo = dir.path().join("typo.toml");
    std::fs::write(
        &typo,
        "[network]\nmax_peers = 3\n[production.network]\nmax_peerz = 1\n",
    )
    .unwrap();
    let out = node(
        &["config", "check", "--config", typo.to_str().unwrap()],
        &[],
        dir.path(),
    );
    let said = text(&out);
    assert_eq!(out.status.code(), Some(78), "{said}");
    assert!(
        said.contains(":4:1: unknown key `network.max_peerz`"),
        "{said}"
    );
    assert!(said.contains("[production]"), "{said}");

    let both = dir.path().join("both.toml");
    std::fs::write(
        &both,
        "[prod.network]\nmax_peers = 1\n[production.network]\nmax_peers = 2\n",
    )
    .unwrap();
    let out = node(
        &["config", "check", "--config", both.to_str().unwrap()],
        &[],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(78));
    assert!(text(&out).contains("defines both"), "{}", text(&out));
}

#[test]
fn a_fifo_or_device_is_refused_instead_of_read_forever() {
    let dir = tempfile::tempdir().unwrap();
    let out = node(
        &["config", "check", "--config", "/dev/zero"],
        &[],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(78));
    assert!(
        text(&out).contains("/dev/zero: not a regular file"),
        "{}",
        text(&out)
    );
}

#[test]
fn run_with_a_rejected_config_says_why_even_when_the_log_level_is_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = node(
        &[
            "run",
            "--data-dir",
            data.to_str().unwrap(),
            "--set",
            "logging.level=verbose",
        ],
        &[],
        dir.path(),
    );
    let said = text(&out);
    assert_eq!(out.status.code(), Some(78), "{said}");
    assert!(said.contains("logging.level"), "{said}");
}

/// Regression: an `ALYS_` variable with an empty first key segment made `config check` and `run`
/// loop forever with memory growing.
#[test]
fn variable_with_an_empty_key_segment_exits_78_instead_of_hanging() {
    let dir = tempfile::tempdir().unwrap();
    for (var, command) in [
        ("ALYS___", &["config", "check"][..]),
        ("ALYS____", &["config", "check"][..]),
        ("ALYS___NETWORK", &["run", "--data-dir", "data"][..]),
    ] {
        let out = node_within(Duration::from_secs(30), command, &[(var, "3")], dir.path());
        let said = text(&out);
        assert_eq!(out.status.code(), Some(78), "{var}: {said}");
        assert!(
            said.contains(&format!(
                "environment variables that match no config key: ${var}\n"
            )),
            "{var}: {said}"
        );
    }
}

/// Regression: `ALYS_ENVIRONMET=production config check` reported a valid development config.
#[test]
fn mistyped_top_level_variable_exits_78_with_the_real_name() {
    let dir = tempfile::tempdir().unwrap();
    let out = node(
        &["config", "check"],
        &[("ALYS_ENVIRONMET", "production")],
        dir.path(),
    );
    let said = text(&out);
    assert_eq!(out.status.code(), Some(78), "{said}");
    assert!(
        said.contains(
            "environment variables that match no config key: \
             $ALYS_ENVIRONMET (did you mean $ALYS_ENVIRONMENT?)"
        ),
        "{said}"
    );
}

/// Regression: `GOVERNANCE_JWT_TOKEN=` (set but empty) passed `config check` in production once
/// the certificates were in place.
#[test]
fn empty_governance_token_is_rejected_by_name_in_every_environment() {
    let dir = tempfile::tempdir().unwrap();
    let certs = dir.path().join("certs");
    std::fs::create_dir(&certs).unwrap();
    for name in [
        "governance-ca.pem",
        "governance-client.pem",
        "governance-client.key",
    ] {
        std::fs::write(certs.join(name), "placeholder\n").unwrap();
    }
    let upstream = fixture("upstream/governance-stream.toml");
    // The upstream file's [dev] section switches auth off; this one keeps jwt in development.
    let plain = dir.path().join("jwt.toml");
    std::fs::write(
        &plain,
        "[governance.auth]\nmethod = { type = \"jwt\", token = \"${GOVERNANCE_JWT_TOKEN}\" }\n",
    )
    .unwrap();
    for (environment, file) in [("production", &upstream), ("development", &plain)] {
        let check = |token: &str| {
            let args = [
                "config",
                "check",
                "--environment",
                environment,
                "--config",
                file.to_str().unwrap(),
            ];
            node(&args, &[("GOVERNANCE_JWT_TOKEN", token)], dir.path())
        };
        let out = check(JWT);
        assert_eq!(out.status.code(), Some(0), "{environment}: {}", text(&out));

        let out = check("");
        let said = text(&out);
        assert_eq!(out.status.code(), Some(78), "{environment}: {said}");
        assert!(
            said.contains("error: governance.auth.method.token: is empty"),
            "{environment}: {said}"
        );
    }
}

/// Regression: `config show` output with a literal secret loaded again with `<redacted>` as the
/// password.
#[test]
fn shown_literal_secret_loaded_back_is_refused_as_the_redaction_placeholder() {
    let dir = tempfile::tempdir().unwrap();
    let literal = dir.path().join("literal.toml");
    std::fs::write(
        &literal,
        "[bridge]\nbitcoin_rpc_user = \"alys\"\nbitcoin_rpc_password = \"hunter2\"\n",
    )
    .unwrap();
    let shown = node(
        &["config", "show", "--config", literal.to_str().unwrap()],
        &[],
        dir.path(),
    );
    assert!(shown.status.success(), "{}", text(&shown));
    let copy = dir.path().join("shown.toml");
    std::fs::write(&copy, &shown.stdout).unwrap();

    let out = node(
        &["config", "check", "--config", copy.to_str().unwrap()],
        &[],
        dir.path(),
    );
    let said = text(&out);
    assert_eq!(out.status.code(), Some(78), "{said}");
    let shown_text = String::from_utf8_lossy(&shown.stdout);
    let line = shown_text
        .lines()
        .position(|l| l.starts_with("bitcoin_rpc_password = \"<redacted>\""))
        .expect("the password is shown redacted")
        + 1;
    assert!(
        said.contains(&format!(
            "{}:{line}:1: `bridge.bitcoin_rpc_password` is \"<redacted>\", the placeholder \
             `config show` prints in place of a secret",
            copy.display()
        )),
        "{said}"
    );
    assert!(!said.contains("hunter2"), "{said}");
}

#[test]
fn a_validation_error_names_where_its_key_was_set() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("alys.toml");
    std::fs::write(
        &file,
        "[system]\nname = \"n\"\n\n[network]\nmax_peers = 0\n",
    )
    .unwrap();
    let out = alys_tests::node::node_command()
        .args(["config", "check", "--config"])
        .arg(&file)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(78), "{text}");
    assert!(
        text.contains("network.max_peers: is 0") && text.contains("alys.toml:5:1"),
        "{text}"
    );

    let out = alys_tests::node::node_command()
        .args(["config", "check"])
        .env("ALYS_LOGGING__LEVEL", "loud")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("(set at $ALYS_LOGGING__LEVEL)"), "{text}");
}
