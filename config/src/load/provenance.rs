//! Which layer set each effective key, and where in that layer.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Bound;
use std::path::Path;
use std::sync::Arc;

/// The layers of a configuration, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Layer {
    /// The built-in default of the field.
    Default,
    /// The selected `actors.profile`.
    Profile,
    /// The top level of a config file.
    File,
    /// The section of a config file named after the active environment (`[dev]`, ...).
    EnvironmentSection,
    /// An `ALYS_*` environment variable (or a V1 alias).
    Env,
    /// A `--set key=value` command-line override.
    Cli,
}

impl Layer {
    /// Lower-case name, as printed by `config show --origin` and recorded in the event log.
    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Default => "default",
            Layer::Profile => "profile",
            Layer::File => "file",
            Layer::EnvironmentSection => "environment-section",
            Layer::Env => "env",
            Layer::Cli => "cli",
        }
    }
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where one value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The layer.
    pub layer: Layer,
    /// What in the layer: a file position, a variable name, a flag.
    pub source: Source,
}

/// The precise source of a value within its layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Built in.
    Builtin,
    /// The named actor profile.
    Profile(String),
    /// A position in a file; line and column count from 1.
    File {
        /// The file as given (shared by every key of the file).
        path: Arc<Path>,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// An environment variable.
    Var(String),
    /// A `--set` flag, holding its key path.
    Flag(String),
    /// A dedicated command-line option (`--environment`, `--data-dir`), holding its name.
    Option(String),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Builtin => f.write_str("built-in"),
            Source::Profile(name) => write!(f, "profile {name}"),
            Source::File { path, line, column } => write!(f, "{}:{line}:{column}", path.display()),
            Source::Var(name) => write!(f, "${name}"),
            Source::Flag(key) => write!(f, "--set {key}"),
            Source::Option(name) => f.write_str(name),
        }
    }
}

/// Prints the source only (`alys.toml:3:1`, `$ALYS_X`, `--set k`): the form errors start with.
impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.source.fmt(f)
    }
}

/// The origin of every key a layer above the defaults set, by dotted key path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Provenance {
    /// Origin of each key, and whether the value was set whole (a scalar, an array or an inline
    /// table) so that keys below it inherit the origin.
    by_key: BTreeMap<String, (Origin, bool)>,
}

impl Provenance {
    /// Records that `origin` set `key` and everything below it, replacing what lower layers said
    /// about that subtree when the new value is not a table.
    pub(crate) fn set(&mut self, key: &str, origin: Origin, replaces_subtree: bool) {
        if replaces_subtree {
            // Keys below `key` share its prefix, and all keys with that prefix sort right after
            // it; scan only those.
            let below: Vec<String> = self
                .by_key
                .range::<str, _>((Bound::Excluded(key), Bound::Unbounded))
                .map(|(k, _)| k)
                .take_while(|k| k.starts_with(key))
                .filter(|k| matches!(k.as_bytes().get(key.len()), Some(b'.' | b'[')))
                .cloned()
                .collect();
            for k in below {
                self.by_key.remove(&k);
            }
        }
        self.by_key
            .insert(key.to_owned(), (origin, replaces_subtree));
    }

    /// Forgets a key (used when a value is dropped from the tree).
    pub(crate) fn remove(&mut self, key: &str) {
        self.by_key.remove(key);
    }

    /// The origin of `key`: its own entry, else the nearest parent that was set whole (an array
    /// or inline table), else the built-in default. A `[table]` header does not make the keys it
    /// leaves out its own.
    pub fn origin(&self, key: &str) -> Origin {
        if let Some((origin, _)) = self.by_key.get(key) {
            return origin.clone();
        }
        let mut probe = key;
        loop {
            if let Some((origin, true)) = self.by_key.get(probe) {
                return origin.clone();
            }
            match probe.rfind(['.', '[']) {
                Some(cut) => probe = &probe[..cut],
                None => {
                    return Origin {
                        layer: Layer::Default,
                        source: Source::Builtin,
                    }
                }
            }
        }
    }

    /// The origin to blame for an error at `key`: its own or an inherited origin as
    /// [`Provenance::origin`] gives, else the first recorded key below it (a flag or variable that
    /// set `key.sub` where `key` holds a plain value), else the default.
    pub fn origin_for_error(&self, key: &str) -> Origin {
        let own = self.origin(key);
        if own.layer != Layer::Default {
            return own;
        }
        self.by_key
            .range::<str, _>((Bound::Excluded(key), Bound::Unbounded))
            .take_while(|(k, _)| k.starts_with(key))
            .find(|(k, _)| {
                key.is_empty() || matches!(k.as_bytes().get(key.len()), Some(b'.' | b'['))
            })
            .map_or(own, |(_, (origin, _))| origin.clone())
    }

    /// Every recorded key with its origin, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Origin)> {
        self.by_key.iter().map(|(k, (o, _))| (k.as_str(), o))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn var(name: &str) -> Origin {
        Origin {
            layer: Layer::Env,
            source: Source::Var(name.into()),
        }
    }

    #[test]
    fn origin_falls_back_to_parent_then_default() {
        let mut p = Provenance::default();
        p.set("governance.endpoints", var("A"), true);
        assert_eq!(p.origin("governance.endpoints[0].url"), var("A"));
        assert_eq!(p.origin("network.max_peers").layer, Layer::Default);
    }

    #[test]
    fn keys_a_table_header_leaves_out_stay_default() {
        let mut p = Provenance::default();
        p.set("network", var("T"), false);
        assert_eq!(p.origin("network").layer, Layer::Env);
        assert_eq!(p.origin("network.max_peers").layer, Layer::Default);
    }

    #[test]
    fn replacing_a_subtree_forgets_its_children() {
        let mut p = Provenance::default();
        p.set("g.endpoints[0].url", var("OLD"), true);
        p.set("g.endpoints", var("NEW"), true);
        assert_eq!(p.origin("g.endpoints[0].url"), var("NEW"));
    }
}
