//! Load, merge and validate `examples/alys.toml` plus the upstream governance file plus ten
//! `ALYS_*` overrides: the cost of one `config check` or one reload's loading step.

use std::collections::BTreeMap;
use std::path::PathBuf;

use alys_config::validate::Validator;
use alys_config::{load, LoadOptions};
use criterion::{criterion_group, criterion_main, Criterion};

fn options() -> LoadOptions {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut vars: BTreeMap<String, String> = [
        ("GOVERNANCE_JWT_TOKEN", "jwt"),
        ("GOVERNANCE_REFRESH_TOKEN", "refresh"),
        ("ALYS_NODE_ID", "node-1"),
        ("BITCOIN_RPC_PASS", "pass"),
        ("EXECUTION_JWT_SECRET", "0x00"),
        ("ALYS_API_KEY", "k"),
        ("ALYS_JWT_SECRET", "j"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let overrides = [
        ("ALYS_NETWORK__MAX_PEERS", "64"),
        ("ALYS_NETWORK__CONNECTION_TIMEOUT", "15s"),
        ("ALYS_BRIDGE__MIN_CONFIRMATIONS_PEGIN", "8"),
        ("ALYS_BRIDGE__BITCOIN_RPC_USER", "alys"),
        ("ALYS_EXECUTION__MAX_RETRIES", "5"),
        ("ALYS_LOGGING__LEVEL", "debug"),
        ("ALYS_ACTORS__MAILBOX__DEFAULT_CAPACITY", "2048"),
        ("ALYS_MONITORING__BIND_ADDR", "127.0.0.1:9191"),
        ("ALYS_SYNC__PARALLEL_DOWNLOADS__MAX_CONCURRENT", "4"),
        ("ALYS_GOVERNANCE__STREAMING__BUFFER_SIZE", "2000"),
    ];
    vars.extend(
        overrides
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    // The example refers to further variables; give every `${NAME}` it uses a value.
    let example = root.join("examples/alys.toml");
    let text = std::fs::read_to_string(&example).expect("examples/alys.toml");
    // Commented-out lines are not read, and some name variables that would be config keys.
    let live = text
        .lines()
        .filter(|line| !line.trim_start().starts_with('#'));
    for line in live {
        for name in line.split("${").skip(1).filter_map(|s| s.split('}').next()) {
            vars.entry(name.to_owned())
                .or_insert_with(|| "bench".to_owned());
        }
    }
    LoadOptions {
        files: vec![
            example,
            root.join("tests/fixtures/upstream/governance-stream.toml"),
        ],
        environment: Some("development".into()),
        vars,
        ..LoadOptions::default()
    }
}

fn load_merge_validate(c: &mut Criterion) {
    let options = options();
    let validator = Validator::with_builtin_rules();
    load(&options).expect("bench inputs load");
    c.bench_function("load+merge+validate example+governance+10 env", |b| {
        b.iter(|| {
            let loaded = load(&options).expect("loads");
            validator.validate(&loaded.config)
        })
    });
    c.bench_function("load+merge only", |b| {
        b.iter(|| load(&options).expect("loads"))
    });
    // The floor under the loader: parsing the same two files with `toml_edit`, nothing else.
    let texts: Vec<String> = options
        .files
        .iter()
        .map(|f| std::fs::read_to_string(f).expect("bench input"))
        .collect();
    c.bench_function("toml_edit parse of the two files only", |b| {
        b.iter(|| {
            texts
                .iter()
                .map(|t| toml_edit::Document::parse(t.as_str()).expect("parses"))
                .collect::<Vec<_>>()
        })
    });
}

criterion_group!(benches, load_merge_validate);
criterion_main!(benches);
