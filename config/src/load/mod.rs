//! Layered loading: defaults, profile, files, environment sections, `ALYS_*` variables and
//! `--set` flags, merged into one tree, read into [`AlysConfig`] with the origin of every key.
//!
//! Files are laid in the order given (later wins); then the section named after the active
//! environment of each file, in the same order; then variables; then flags. The active
//! environment is itself a key (`environment`), decided before the sections are laid: a flag
//! beats `ALYS_ENVIRONMENT`, which beats the last file that sets it.

mod de;
mod env;
mod file;
mod interpolate;
mod layers;
mod provenance;
mod read;
mod sections;
mod suggest;
mod tree;

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::OnceLock;

pub use env::{var_for_key, PREFIX, V1_ALIASES};
pub use provenance::{Layer, Origin, Provenance, Source};
pub use read::check_key;

use self::layers::{lay_file_part, lay_text, parse_sets, with_profile};
use self::read::{looks_secret, read_config};
use self::sections::{active_environment, check_inactive_sections};
use self::tree::Node;
use crate::error::ConfigError;
use crate::schema::{AlysConfig, Environment};
use crate::secret::{collect_secrets, REDACTED};

/// What to load.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Config files, lowest precedence first.
    pub files: Vec<PathBuf>,
    /// Config files that may be absent, laid after `files` in their order; one that does not
    /// exist is skipped (any other problem with it is an error, as for `files`).
    pub optional_files: Vec<PathBuf>,
    /// The `--environment` flag.
    pub environment: Option<String>,
    /// `--set key.path=value` arguments, in order.
    pub sets: Vec<String>,
    /// The environment variables to read (`ALYS_*`, V1 aliases, `${...}` placeholders).
    pub vars: BTreeMap<String, String>,
    /// Dedicated command-line options that set a key, as (option, key path, value), e.g.
    /// `("--data-dir", "system.data_dir", "/var/lib/alys")`; laid after `--set`.
    pub option_sets: Vec<(String, String, String)>,
    /// Names (lossily decoded) of variables whose name or value is not UTF-8; an error only when
    /// the configuration reads one of them.
    pub unreadable_vars: Vec<String>,
}

impl LoadOptions {
    /// Options reading this process's environment.
    pub fn with_process_env() -> Self {
        let mut options = LoadOptions::default();
        for (name, value) in std::env::vars_os() {
            match (name.into_string(), value.into_string()) {
                (Ok(name), Ok(value)) => {
                    options.vars.insert(name, value);
                }
                (Ok(name), Err(_)) => options.unreadable_vars.push(name),
                (Err(name), _) => options
                    .unreadable_vars
                    .push(name.to_string_lossy().into_owned()),
            }
        }
        options
    }
}

/// A source a configuration was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRecord {
    /// The layer.
    pub layer: Layer,
    /// The file path, or a description for other layers.
    pub name: String,
    /// Lower-case hex blake3 of the source (for variables and flags: of the sorted assignments,
    /// secret values replaced by the redaction marker).
    pub blake3: String,
}

/// One key set by a variable or a flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    /// Dotted key path.
    pub key: String,
    /// Where it came from.
    pub origin: Origin,
    /// The value as given, or the redaction marker when the key is a secret.
    pub value: String,
}

/// A loaded, not yet validated, configuration.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The effective configuration.
    pub config: AlysConfig,
    /// The origin of every key set above the defaults.
    pub provenance: Provenance,
    /// Sources in the order their layers were applied.
    pub sources: Vec<SourceRecord>,
    /// Keys set by variables and flags, in the order applied.
    pub overrides: Vec<Override>,
    /// `${VAR}` templates of strings that came from files, by key path.
    pub templates: BTreeMap<String, String>,
}

/// Loads a configuration as `options` describe.
pub fn load(options: &LoadOptions) -> Result<Loaded, ConfigError> {
    if let Some(var) = options
        .unreadable_vars
        .iter()
        .find(|v| env::is_config_var(v))
    {
        return Err(ConfigError::VariableNotUtf8 { var: var.clone() });
    }
    // Remember what the placeholders read: such a variable is the files' own, whatever its name.
    let placeholders = RefCell::new(BTreeSet::new());
    let lookup = |name: &str| {
        placeholders.borrow_mut().insert(name.to_owned());
        options.vars.get(name).cloned()
    };
    let mut files = options
        .files
        .iter()
        .map(|path| file::read(path, &lookup))
        .collect::<Result<Vec<_>, _>>()?;
    for path in &options.optional_files {
        match file::read(path, &lookup) {
            Ok(layer) => files.push(layer),
            Err(ConfigError::NotFound { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    let top_level = top_level_keys();
    let (assignments, mut unknown_vars) =
        env::scan(&options.vars, top_level, &placeholders.borrow())?;
    let sets = parse_sets(&options.sets)?;

    let mut tree = Node::table();
    let mut provenance = Provenance::default();
    let mut sources = vec![defaults_source()];

    // Files, then the active environment's sections.
    for layer in &mut files {
        let base = std::mem::replace(&mut layer.base, Node::table());
        lay_file_part(
            &mut tree,
            &mut provenance,
            layer,
            base,
            &layer.base_positions,
            Layer::File,
        );
        sources.push(SourceRecord {
            layer: Layer::File,
            name: layer.path.display().to_string(),
            blake3: layer.blake3.clone(),
        });
    }
    let environment = active_environment(&tree, &provenance, &assignments, &sets, options)?;
    for layer in &mut files {
        for name in environment.section_names() {
            if let (Some(section), Some(positions)) = (
                layer.sections.remove(*name),
                layer.section_positions.get(*name),
            ) {
                lay_file_part(
                    &mut tree,
                    &mut provenance,
                    layer,
                    section,
                    positions,
                    Layer::EnvironmentSection,
                );
            }
        }
    }

    // Variables and flags.
    let mut overrides = Vec::new();
    for a in &assignments {
        let origin = Origin {
            layer: Layer::Env,
            source: Source::Var(a.var.clone()),
        };
        lay_text(&mut tree, &mut provenance, &a.key, &a.value, origin.clone())?;
        overrides.push(Override {
            key: a.key.clone(),
            origin,
            value: a.value.clone(),
        });
    }
    for (key, value) in &sets {
        let origin = Origin {
            layer: Layer::Cli,
            source: Source::Flag(key.clone()),
        };
        lay_text(&mut tree, &mut provenance, key, value, origin.clone())?;
        overrides.push(Override {
            key: key.clone(),
            origin,
            value: value.clone(),
        });
    }
    if let Some(flag) = &options.environment {
        // The flag accepts any case and the short names; lay the canonical name so the schema
        // reads what the sections were chosen by.
        let flag = &flag
            .parse::<Environment>()
            .map(|e| e.as_str().to_owned())
            .unwrap_or_else(|_| flag.clone());
        let origin = Origin {
            layer: Layer::Cli,
            source: Source::Option("--environment".into()),
        };
        lay_text(
            &mut tree,
            &mut provenance,
            "environment",
            flag,
            origin.clone(),
        )?;
        overrides.push(Override {
            key: "environment".into(),
            origin,
            value: flag.clone(),
        });
    }

    for (option, key, value) in &options.option_sets {
        let origin = Origin {
            layer: Layer::Cli,
            source: Source::Option(option.clone()),
        };
        lay_text(&mut tree, &mut provenance, key, value, origin.clone())?;
        overrides.push(Override {
            key: key.clone(),
            origin,
            value: value.clone(),
        });
    }

    check_inactive_sections(&tree, &provenance, &files)?;
    let tree = with_profile(tree, &mut provenance);
    let templates = tree.templates();
    let holds_marker = tree.holds_text(REDACTED);
    let config = read_config(tree, &mut provenance, &mut unknown_vars)?;
    if holds_marker {
        refuse_redacted_secrets(&config, &provenance)?;
    }
    // Finding secrets means serialising the whole config; do it only when an override's key
    // could name one (every secret field's name passes `looks_secret`, which a test checks).
    let secret_keys: Vec<String> = if overrides.iter().any(|o| looks_secret(&o.key)) {
        collect_secrets(&config)
            .into_iter()
            .map(|(k, _)| k)
            .collect()
    } else {
        Vec::new()
    };
    for o in &mut overrides {
        if secret_keys.contains(&o.key) {
            o.value = REDACTED.to_owned();
        }
    }
    sources.extend(override_sources(&overrides));
    Ok(Loaded {
        config,
        provenance,
        sources,
        overrides,
        templates,
    })
}

/// Fails on the first secret whose value is the redaction marker: `config show` output, where a
/// literal secret was replaced, loaded back as a config. The secret would be sent as `<redacted>`.
fn refuse_redacted_secrets(
    config: &AlysConfig,
    provenance: &Provenance,
) -> Result<(), ConfigError> {
    match collect_secrets(config)
        .into_iter()
        .find(|(_, secret)| secret.expose() == REDACTED)
    {
        Some((key, _)) => Err(ConfigError::RedactedSecret {
            origin: provenance.origin_for_error(&key),
            key,
        }),
        None => Ok(()),
    }
}

/// The schema's top-level keys, from serialising the defaults once.
fn top_level_keys() -> &'static [String] {
    static KEYS: OnceLock<Vec<String>> = OnceLock::new();
    KEYS.get_or_init(|| match toml::Value::try_from(AlysConfig::default()) {
        Ok(toml::Value::Table(t)) => t.keys().cloned().collect(),
        _ => Vec::new(),
    })
}

/// The defaults as a source: the hash of their TOML, computed once.
fn defaults_source() -> SourceRecord {
    static HASH: OnceLock<String> = OnceLock::new();
    let hash = HASH.get_or_init(|| {
        let text = toml::to_string(&AlysConfig::default()).unwrap_or_default();
        blake3::hash(text.as_bytes()).to_hex().to_string()
    });
    SourceRecord {
        layer: Layer::Default,
        name: "built-in defaults".into(),
        blake3: hash.clone(),
    }
}

fn override_sources(overrides: &[Override]) -> Vec<SourceRecord> {
    let mut out = Vec::new();
    for layer in [Layer::Env, Layer::Cli] {
        let mut lines: Vec<String> = overrides
            .iter()
            .filter(|o| o.origin.layer == layer)
            .map(|o| format!("{}={}", o.origin.source, o.value))
            .collect();
        if lines.is_empty() {
            continue;
        }
        lines.sort();
        let name = match layer {
            Layer::Env => "environment variables",
            _ => "command-line overrides",
        };
        out.push(SourceRecord {
            layer,
            name: name.into(),
            blake3: blake3::hash(lines.join("\n").as_bytes())
                .to_hex()
                .to_string(),
        });
    }
    out
}
