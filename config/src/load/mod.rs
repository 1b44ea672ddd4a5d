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
mod provenance;
mod suggest;
mod tree;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use serde::Deserialize;

pub use env::{var_for_key, PREFIX, V1_ALIASES};
pub use provenance::{Layer, Origin, Provenance, Source};

use self::de::{DeError, NodeDe};
use self::file::FileLayer;
use self::tree::Node;
use crate::error::ConfigError;
use crate::schema::{ActorProfile, AlysConfig, Environment};
use crate::secret::{collect_secrets, REDACTED};

/// What to load.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Config files, lowest precedence first.
    pub files: Vec<PathBuf>,
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
    let lookup = |name: &str| options.vars.get(name).cloned();
    let mut files = options
        .files
        .iter()
        .map(|path| file::read(path, &lookup))
        .collect::<Result<Vec<_>, _>>()?;
    let top_level = top_level_keys();
    let (assignments, mut unknown_vars) = env::scan(&options.vars, top_level)?;
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
    let config = read_config(tree, &mut provenance, &mut unknown_vars)?;
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

fn lay_file_part(
    tree: &mut Node,
    provenance: &mut Provenance,
    layer: &FileLayer,
    part: Node,
    positions: &[file::KeyPos],
    kind: Layer,
) {
    tree.merge(part);
    lay_positions(provenance, layer, positions, kind);
}

fn lay_positions(
    provenance: &mut Provenance,
    layer: &FileLayer,
    positions: &[file::KeyPos],
    kind: Layer,
) {
    let path: Arc<Path> = Arc::from(layer.path.as_path());
    for pos in positions {
        let source = Source::File {
            path: path.clone(),
            line: pos.line,
            column: pos.column,
        };
        provenance.set(
            &pos.path,
            Origin {
                layer: kind,
                source,
            },
            !pos.is_table,
        );
    }
}

fn lay_text(
    tree: &mut Node,
    provenance: &mut Provenance,
    key: &str,
    value: &str,
    origin: Origin,
) -> Result<(), ConfigError> {
    let path: Vec<String> = key.split('.').map(str::to_owned).collect();
    tree.set(&path, text_node(value))
        .map_err(|parent| ConfigError::NotATable {
            key: key.to_owned(),
            parent,
            origin: origin.clone(),
        })?;
    provenance.set(key, origin, true);
    Ok(())
}

/// A value given as text: an inline table (`{ type = "none" }`) is read as TOML, anything else
/// stays text for the schema to type.
fn text_node(value: &str) -> Node {
    if value.trim_start().starts_with('{') {
        if let Ok(toml::Value::Table(mut t)) =
            toml::from_str::<toml::Value>(&format!("v = {value}"))
        {
            if let Some(toml::Value::Table(inline)) = t.remove("v") {
                return inline_from_toml(&inline);
            }
        }
    }
    Node::Text(value.to_owned())
}

fn inline_from_toml(table: &toml::Table) -> Node {
    Node::Inline(
        table
            .iter()
            .map(|(k, v)| {
                let node = match v {
                    toml::Value::Table(t) => inline_from_toml(t),
                    other => node_from_toml(other),
                };
                (k.clone(), node)
            })
            .collect(),
    )
}

/// Whether a key path probably holds a secret, judged by its names; error messages for such keys
/// leave out the value.
pub(crate) fn looks_secret(key: &str) -> bool {
    key.split(['.', '[']).any(|segment| {
        let s = segment.to_ascii_lowercase();
        [
            "password",
            "secret",
            "token",
            "credential",
            "auth",
            "api_key",
        ]
        .iter()
        .any(|w| s.contains(w))
            || s == "key"
    })
}

fn parse_sets(sets: &[String]) -> Result<Vec<(String, String)>, ConfigError> {
    sets.iter()
        .map(|arg| match arg.split_once('=') {
            Some((key, value)) if !key.trim().is_empty() => {
                Ok((key.trim().to_owned(), value.to_owned()))
            }
            _ => Err(ConfigError::BadOverride { arg: arg.clone() }),
        })
        .collect()
}

/// The environment whose sections apply, decided from the layers laid so far plus the
/// variables and flags that are laid later.
fn active_environment(
    tree: &Node,
    provenance: &Provenance,
    assignments: &[env::EnvAssignment],
    sets: &[(String, String)],
    options: &LoadOptions,
) -> Result<Environment, ConfigError> {
    let flag = options
        .environment
        .clone()
        .map(|v| (v, Source::Option("--environment".into()), Layer::Cli));
    let set = sets
        .iter()
        .rev()
        .find(|(k, _)| k == "environment")
        .map(|(_, v)| (v.clone(), Source::Flag("environment".into()), Layer::Cli));
    let var = assignments
        .iter()
        .find(|a| a.key == "environment")
        .map(|a| (a.value.clone(), Source::Var(a.var.clone()), Layer::Env));
    let from_file = match tree {
        Node::Table(map) => match map.get("environment") {
            Some(Node::Str { value, .. }) => {
                let origin = provenance.origin("environment");
                Some((value.clone(), origin.source, origin.layer))
            }
            _ => None,
        },
        _ => None,
    };
    match flag.or(set).or(var).or(from_file) {
        None => Ok(Environment::default()),
        Some((value, source, layer)) => {
            value.parse().map_err(|_| ConfigError::UnknownEnvironment {
                value,
                origin: Origin { layer, source },
            })
        }
    }
}

/// Reads each environment section that did not apply over the effective tree, so a typo in
/// `[production]` is caught on a developer's machine, and refuses a file that names one
/// environment twice (`[prod]` and `[production]`).
fn check_inactive_sections(
    tree: &Node,
    provenance: &Provenance,
    files: &[FileLayer],
) -> Result<(), ConfigError> {
    for layer in files {
        for environment in Environment::ALL {
            let names: Vec<&str> = environment
                .section_names()
                .iter()
                .copied()
                .filter(|n| layer.section_positions.contains_key(*n))
                .collect();
            if names.len() > 1 {
                return Err(ConfigError::DuplicateSection {
                    path: layer.path.clone(),
                    names: names
                        .iter()
                        .map(|n| format!("[{n}]"))
                        .collect::<Vec<_>>()
                        .join(" and "),
                });
            }
        }
        for (name, section) in &layer.sections {
            // Most sections read on their own; only one that relies on the effective config
            // (a field of a tagged value without its `type`) needs the whole tree under it.
            if read_config(section.clone(), &mut Provenance::default(), &mut Vec::new()).is_ok() {
                continue;
            }
            let mut probe = tree.clone();
            probe.merge(section.clone());
            let mut probe_provenance = provenance.clone();
            let positions = layer
                .section_positions
                .get(name)
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            lay_positions(
                &mut probe_provenance,
                layer,
                positions,
                Layer::EnvironmentSection,
            );
            read_config(probe, &mut probe_provenance, &mut Vec::new()).map_err(|error| {
                ConfigError::InactiveSection {
                    section: name.clone(),
                    source: Box::new(error),
                }
            })?;
        }
    }
    Ok(())
}

/// Lays the selected profile under everything but the defaults.
fn with_profile(tree: Node, provenance: &mut Provenance) -> Node {
    let chosen = match &tree {
        Node::Table(root) => match root.get("actors") {
            Some(Node::Table(actors) | Node::Inline(actors)) => actors.get("profile"),
            _ => None,
        },
        _ => None,
    };
    // A value that is not a profile is left for the schema to report with its origin.
    let Some(profile) = chosen.and_then(|node| ActorProfile::deserialize(NodeDe(node)).ok()) else {
        return tree;
    };
    let Ok(overlay) = toml::Value::try_from(profile.overlay()) else {
        return tree;
    };
    let mut base = node_from_toml(&overlay);
    let name = toml::Value::try_from(profile)
        .map(|v| v.as_str().unwrap_or("").to_owned())
        .unwrap_or_default();
    base.walk(&mut String::new(), &mut |path, node| {
        if !path.is_empty()
            && !matches!(node, Node::Table(_) | Node::Inline(_))
            && provenance.origin(path).layer == Layer::Default
        {
            provenance.set(
                path,
                Origin {
                    layer: Layer::Profile,
                    source: Source::Profile(name.clone()),
                },
                true,
            );
        }
    });
    base.merge(tree);
    base
}

fn node_from_toml(value: &toml::Value) -> Node {
    match value {
        toml::Value::String(s) => Node::Str {
            value: s.clone(),
            template: None,
        },
        toml::Value::Integer(i) => Node::Int(*i),
        toml::Value::Float(f) => Node::Float(*f),
        toml::Value::Boolean(b) => Node::Bool(*b),
        toml::Value::Datetime(d) => Node::Datetime(d.to_string()),
        toml::Value::Array(a) => Node::Array(a.iter().map(node_from_toml).collect()),
        toml::Value::Table(t) => Node::Table(
            t.iter()
                .map(|(k, v)| (k.clone(), node_from_toml(v)))
                .collect(),
        ),
    }
}

/// Reads the tree into the schema. Unknown keys set by variables are all collected (each is
/// dropped and the read retried) so that one error lists every such variable.
fn read_config(
    mut tree: Node,
    provenance: &mut Provenance,
    unknown_vars: &mut Vec<(String, Option<String>)>,
) -> Result<AlysConfig, ConfigError> {
    let mut coerced = Vec::new();
    loop {
        let err = match serde_path_to_error::deserialize::<_, AlysConfig>(NodeDe(&tree)) {
            Ok(config) if unknown_vars.is_empty() => return Ok(config),
            Ok(_) => {
                return Err(ConfigError::UnknownVariables {
                    vars: std::mem::take(unknown_vars),
                })
            }
            Err(err) => err,
        };
        let path = err.path().to_string();
        match err.into_inner() {
            DeError::UnknownField { field, expected } => {
                let parent = parent_of(&path, &field);
                let key = join(&parent, &field);
                let origin = provenance.origin_for_error(&key);
                let suggestion =
                    suggest::closest(&field, expected.iter().copied()).map(|s| join(&parent, s));
                if let Source::Var(var) = &origin.source {
                    unknown_vars.push((var.clone(), suggestion.as_deref().map(var_for_key)));
                    tree.remove(&key);
                    provenance.remove(&key);
                    continue;
                }
                return Err(ConfigError::UnknownKey {
                    suggestion,
                    key,
                    origin,
                });
            }
            other => {
                let path = if path == "." { String::new() } else { path };
                // Tagged enums are buffered by serde before their fields are read, so text from
                // a variable reaches a number field as a string; type such text and retry once.
                if !coerced.contains(&path) && tree.coerce_text_below(&path) {
                    coerced.push(path);
                    continue;
                }
                if !unknown_vars.is_empty() {
                    return Err(ConfigError::UnknownVariables {
                        vars: std::mem::take(unknown_vars),
                    });
                }
                let message = if looks_secret(&path) {
                    "the value is not shown because the key may hold a secret; check its type \
                     and form against examples/alys.toml"
                        .to_owned()
                } else {
                    other.to_string()
                };
                return Err(ConfigError::InvalidValue {
                    origin: provenance.origin_for_error(&path),
                    key: path,
                    message,
                });
            }
        }
    }
}

/// The parent key path of an unknown `field` reported at `path`; serde_path_to_error may or may
/// not have put the field itself at the end of the path.
fn parent_of(path: &str, field: &str) -> String {
    let path = if path == "." || path == "?" { "" } else { path };
    let path = path.strip_suffix('?').unwrap_or(path).trim_end_matches('.');
    if path == field {
        return String::new();
    }
    path.strip_suffix(&format!(".{field}"))
        .unwrap_or(path)
        .to_owned()
}

fn join(parent: &str, field: &str) -> String {
    if parent.is_empty() {
        field.to_owned()
    } else {
        format!("{parent}.{field}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::governance::AuthMethod;
    use crate::Secret;

    /// Loading skips the secret scan when no override's key passes `looks_secret`; that is only
    /// sound while every secret field's path passes it.
    #[test]
    fn every_secret_field_path_looks_secret() {
        let mut config = AlysConfig::default();
        config.system.security.api_key = Some(Secret::new("a"));
        config.system.security.jwt_secret = Some(Secret::new("b"));
        config.bridge.bitcoin_rpc_password = Some(Secret::new("c"));
        config.execution.jwt_secret = Some(Secret::new("d"));
        config.governance.auth.token_refresh.credentials = Some(Secret::new("e"));
        let mut paths: Vec<String> = collect_secrets(&config)
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        for method in [
            AuthMethod::Jwt {
                token: Secret::new("f"),
                header: "authorization".into(),
            },
            AuthMethod::ApiKey {
                key: Secret::new("g"),
                header: "x-api-key".into(),
            },
        ] {
            config.governance.auth.method = method;
            paths.extend(collect_secrets(&config).into_iter().map(|(k, _)| k));
        }
        paths.sort();
        paths.dedup();
        assert_eq!(paths.len(), 7, "{paths:?}");
        for path in paths {
            assert!(
                looks_secret(&path),
                "{path} holds a secret but does not look like one"
            );
        }
    }
}
