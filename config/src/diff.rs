//! Key-level diff of two configurations, naming each changed key path with its old and new value.
//!
//! Both sides are flattened to leaves with the key paths every error and finding uses
//! (`governance.endpoints[0].url`; an array of plain values is one key). Values print as inline
//! TOML. Secrets never appear in clear: [`diff`] compares them by their keyed fingerprint and
//! prints `<redacted fp:1a2b3c4d>` (the first 8 hex digits), so a changed password shows as
//! changed without showing either value. [`diff_toml`] compares two effective-config texts as
//! recorded in the event log, where secrets are already `${VAR}` templates or `<redacted>`
//! markers; [`diff_recorded`] adds the recorded fingerprints, so that a secret given literally
//! (`<redacted>` on both sides) still shows as changed when its value did.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::dump::inline;
use crate::secret::collect_secrets;
use crate::AlysConfig;

/// How many hex digits of a secret's fingerprint a diff shows.
const FINGERPRINT_DIGITS: usize = 8;

/// The changes between two configurations, sorted by key path.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigDiff {
    /// One entry per leaf key whose value was added, removed or changed, in key order.
    pub changes: Vec<KeyChange>,
}

/// One changed leaf key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyChange {
    /// Dotted key path, `[i]` for elements of arrays of tables.
    pub key: String,
    /// The old value as inline TOML, `None` when the key was added.
    pub old: Option<String>,
    /// The new value as inline TOML, `None` when the key was removed.
    pub new: Option<String>,
}

/// Whether a key was added, removed or changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// Absent in the old config, present in the new one.
    Added,
    /// Present in the old config, absent in the new one.
    Removed,
    /// Present in both with different values.
    Changed,
}

impl KeyChange {
    /// Whether this change adds, removes or changes the key.
    pub fn kind(&self) -> ChangeKind {
        match (&self.old, &self.new) {
            (None, _) => ChangeKind::Added,
            (_, None) => ChangeKind::Removed,
            _ => ChangeKind::Changed,
        }
    }
}

impl ConfigDiff {
    /// True when the two configurations have the same effective values.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// The changed key paths, in key order.
    pub fn keys(&self) -> Vec<&str> {
        self.changes.iter().map(|c| c.key.as_str()).collect()
    }
}

impl fmt::Display for KeyChange {
    /// `~ key: old -> new`, `+ key = new` or `- key = old`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.old, &self.new) {
            (Some(old), Some(new)) => write!(f, "~ {}: {old} -> {new}", self.key),
            (None, Some(new)) => write!(f, "+ {} = {new}", self.key),
            (Some(old), None) => write!(f, "- {} = {old}", self.key),
            (None, None) => write!(f, "~ {}", self.key),
        }
    }
}

impl fmt::Display for ConfigDiff {
    /// One change a line, in key order; nothing for an empty diff.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for change in &self.changes {
            writeln!(f, "{change}")?;
        }
        Ok(())
    }
}

/// A flattened leaf: compared by `cmp`, printed as `shown`.
#[derive(Debug, PartialEq)]
enum Leaf {
    /// An ordinary value, compared and printed as itself.
    Plain(toml::Value),
    /// A secret, compared by its full keyed fingerprint.
    Secret(String),
}

impl Leaf {
    fn shown(&self) -> String {
        match self {
            Leaf::Plain(value) => inline(value),
            Leaf::Secret(fp) => redacted_fingerprint(fp),
        }
    }
}

/// How a secret prints in a diff or an audit: `<redacted fp:1a2b3c4d>`, the first 8 hex digits
/// of its keyed fingerprint.
pub fn redacted_fingerprint(fingerprint: &str) -> String {
    let short = fingerprint.get(..FINGERPRINT_DIGITS).unwrap_or(fingerprint);
    format!("<redacted fp:{short}>")
}

/// A configuration as the event log records it.
#[derive(Debug, Clone, Copy)]
pub struct Recorded<'a> {
    /// The effective config as TOML, secrets already templates or `<redacted>` markers.
    pub effective_toml: &'a str,
    /// The keyed fingerprint of each secret that was set, by key path.
    pub fingerprints: &'a BTreeMap<&'a str, &'a str>,
}

/// The key-level diff from `old` to `new`. Secrets are compared by their fingerprint under
/// `fingerprint_key` (the per-node key kept out of the event log) and never printed in clear.
pub fn diff(old: &AlysConfig, new: &AlysConfig, fingerprint_key: &[u8; 32]) -> ConfigDiff {
    compare(
        &flatten_config(old, fingerprint_key),
        &flatten_config(new, fingerprint_key),
    )
}

/// The key-level diff between two effective-config TOML texts, as the event log records them.
/// Secrets there are already templates or redaction markers and are compared as plain strings.
///
/// # Errors
///
/// Either text is not valid TOML; the error carries the line and column.
pub fn diff_toml(old: &str, new: &str) -> Result<ConfigDiff, toml::de::Error> {
    let old: toml::Table = toml::from_str(old)?;
    let new: toml::Table = toml::from_str(new)?;
    Ok(compare(
        &flatten(&toml::Value::Table(old)),
        &flatten(&toml::Value::Table(new)),
    ))
}

/// The key-level diff between two recorded configurations: [`diff_toml`] of their texts, with
/// every secret whose fingerprint differs reported as a change of fingerprints (a literal secret
/// is `<redacted>` in both texts, so the texts alone cannot tell). A secret whose template
/// changed but whose value did not keeps the template change.
///
/// # Errors
///
/// Either text is not valid TOML; the error carries the line and column.
pub fn diff_recorded(old: Recorded<'_>, new: Recorded<'_>) -> Result<ConfigDiff, toml::de::Error> {
    let mut diff = diff_toml(old.effective_toml, new.effective_toml)?;
    let mut keys: Vec<&str> = old
        .fingerprints
        .keys()
        .chain(new.fingerprints.keys())
        .copied()
        .collect();
    keys.sort_unstable();
    keys.dedup();
    for key in keys {
        let (before, after) = (old.fingerprints.get(key), new.fingerprints.get(key));
        if before == after {
            continue;
        }
        diff.changes.retain(|c| c.key != key);
        diff.changes.push(KeyChange {
            key: key.to_owned(),
            old: before.map(|fp| redacted_fingerprint(fp)),
            new: after.map(|fp| redacted_fingerprint(fp)),
        });
    }
    diff.changes.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(diff)
}

/// Every leaf of `config` by key path, secrets replaced by their fingerprint.
fn flatten_config(config: &AlysConfig, fingerprint_key: &[u8; 32]) -> BTreeMap<String, Leaf> {
    // Serialising a config cannot fail for the schema we own; an empty tree would show every key
    // as removed rather than hide a change.
    let tree = toml::Value::try_from(config).unwrap_or_else(|_| toml::Table::new().into());
    let mut leaves = flatten(&tree);
    for (key, secret) in collect_secrets(config) {
        leaves.insert(key, Leaf::Secret(secret.fingerprint(fingerprint_key)));
    }
    leaves
}

fn flatten(tree: &toml::Value) -> BTreeMap<String, Leaf> {
    let mut leaves = BTreeMap::new();
    crate::keypath::for_each_leaf(tree, false, &mut |key, value| {
        leaves.insert(key.to_owned(), Leaf::Plain(value.clone()));
    });
    leaves
}

/// Changes from `old` to `new`, in key order (both maps are sorted).
fn compare(old: &BTreeMap<String, Leaf>, new: &BTreeMap<String, Leaf>) -> ConfigDiff {
    let mut keys: Vec<&String> = old.keys().chain(new.keys()).collect();
    keys.sort();
    keys.dedup();

    let changes = keys
        .into_iter()
        .filter_map(|key| {
            let (before, after) = (old.get(key), new.get(key));
            if before == after || empty_array_became_elements(key, before, after, old, new) {
                return None;
            }
            Some(KeyChange {
                key: key.clone(),
                old: before.map(Leaf::shown),
                new: after.map(Leaf::shown),
            })
        })
        .collect();
    ConfigDiff { changes }
}

/// An empty array of tables is a leaf (`endpoints = []`) while a filled one is not; going from
/// one to the other is already told by the element keys, so the bare key is not reported too.
fn empty_array_became_elements(
    key: &str,
    before: Option<&Leaf>,
    after: Option<&Leaf>,
    old: &BTreeMap<String, Leaf>,
    new: &BTreeMap<String, Leaf>,
) -> bool {
    let is_empty_array =
        |leaf: &Leaf| matches!(leaf, Leaf::Plain(toml::Value::Array(a)) if a.is_empty());
    let has_elements = |side: &BTreeMap<String, Leaf>| {
        let prefix = format!("{key}[");
        side.range(prefix.clone()..)
            .next()
            .is_some_and(|(k, _)| k.starts_with(&prefix))
    };
    match (before, after) {
        (Some(leaf), None) => is_empty_array(leaf) && has_elements(new),
        (None, Some(leaf)) => is_empty_array(leaf) && has_elements(old),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Secret;

    const KEY: [u8; 32] = [7; 32];

    #[test]
    fn unchanged_secret_is_not_reported() {
        let mut old = AlysConfig::default();
        old.execution.jwt_secret = Some(Secret::new("same"));
        let new = old.clone();
        assert!(diff(&old, &new, &KEY).is_empty());
    }

    #[test]
    fn added_secret_shows_only_its_fingerprint_prefix() {
        let old = AlysConfig::default();
        let mut new = old.clone();
        new.bridge.bitcoin_rpc_password = Some(Secret::new("pw-clear"));
        let d = diff(&old, &new, &KEY);
        let fp = Secret::new("pw-clear").fingerprint(&KEY);
        assert_eq!(d.keys(), vec!["bridge.bitcoin_rpc_password"]);
        assert_eq!(d.changes[0].kind(), ChangeKind::Added);
        assert_eq!(
            d.changes[0].new.as_deref(),
            Some(format!("<redacted fp:{}>", &fp[..8]).as_str())
        );
    }

    #[test]
    fn recorded_literal_secret_changes_by_its_fingerprint_only() {
        let text = "[execution]\njwt_secret = \"<redacted>\"\n";
        let (a, b) = ("aa".repeat(32), "bb".repeat(32));
        let old = BTreeMap::from([("execution.jwt_secret", a.as_str())]);
        let new = BTreeMap::from([("execution.jwt_secret", b.as_str())]);
        let recorded = |fingerprints| Recorded {
            effective_toml: text,
            fingerprints,
        };

        let d = diff_recorded(recorded(&old), recorded(&new)).unwrap();
        assert_eq!(
            d.to_string(),
            "~ execution.jwt_secret: <redacted fp:aaaaaaaa> -> <redacted fp:bbbbbbbb>\n"
        );
        assert!(diff_recorded(recorded(&old), recorded(&old))
            .unwrap()
            .is_empty());
    }

    #[test]
    fn empty_array_filled_reports_element_keys_only() {
        let d = diff_toml("[g]\nep = []\n", "[[g.ep]]\nurl = \"u\"\n").unwrap();
        assert_eq!(d.keys(), vec!["g.ep[0].url"]);
    }

    #[test]
    fn plain_array_change_is_one_key() {
        let d = diff_toml("list = [1, 2]\n", "list = [1, 3]\n").unwrap();
        assert_eq!(d.keys(), vec!["list"]);
        assert_eq!(d.changes[0].old.as_deref(), Some("[1, 2]"));
        assert_eq!(d.changes[0].new.as_deref(), Some("[1, 3]"));
    }

    #[test]
    fn display_prints_one_line_per_change_with_its_kind() {
        let d = diff_toml("a = 1\nb = 2\n", "a = 2\nc = 3\n").unwrap();
        assert_eq!(d.to_string(), "~ a: 1 -> 2\n- b = 2\n+ c = 3\n");
    }
}
