//! Printing an effective configuration: TOML that loads again to the same config, JSON, and the
//! per-key origin listing of `config show --origin`.
//!
//! Secrets print as the `${VAR}` template they were written with when there is one (so the output
//! loads again in the same environment), else as the redaction marker.

use serde::Serialize;

use crate::load::{Loaded, Origin};
use crate::secret::{collect_secrets, REDACTED};
use crate::AlysConfig;

/// One effective leaf value with its origin.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyValue {
    /// Dotted key path, `[i]` for array-of-table elements.
    pub key: String,
    /// The value as inline TOML (secrets redacted).
    pub value: String,
    /// The layer and source that set it.
    pub origin: Origin,
}

/// The effective configuration as a TOML value, secrets redacted or templated.
pub fn to_value(loaded: &Loaded) -> toml::Value {
    let mut value = toml::Value::try_from(&loaded.config)
        .unwrap_or_else(|_| toml::Value::Table(toml::Table::new()));
    // A literal `${` (written `$${` in a file, or given by a variable) must print escaped, or the
    // output would expand it when loaded again.
    escape_placeholders(&mut value);
    for (key, template) in &loaded.templates {
        if let Some(slot) = lookup_mut(&mut value, key) {
            if slot.as_str() == Some(REDACTED) {
                *slot = toml::Value::String(template.clone());
            }
        }
    }
    value
}

fn escape_placeholders(value: &mut toml::Value) {
    match value {
        toml::Value::String(s) if s.contains("${") => *s = s.replace("${", "$${"),
        toml::Value::Table(t) => t.iter_mut().for_each(|(_, v)| escape_placeholders(v)),
        toml::Value::Array(a) => a.iter_mut().for_each(escape_placeholders),
        _ => {}
    }
}

/// The effective configuration as TOML text.
pub fn to_toml(loaded: &Loaded) -> String {
    toml::to_string(&to_value(loaded)).unwrap_or_default()
}

/// The effective configuration as pretty JSON text.
pub fn to_json(loaded: &Loaded) -> String {
    serde_json::to_string_pretty(&to_value(loaded)).unwrap_or_default()
}

/// Every leaf of the effective configuration with the layer that set it, in key order.
pub fn origins(loaded: &Loaded) -> Vec<KeyValue> {
    let mut out = Vec::new();
    crate::keypath::for_each_leaf(&to_value(loaded), false, &mut |key, value| {
        out.push(KeyValue {
            key: key.to_owned(),
            value: inline(value),
            origin: loaded.provenance.origin(key),
        });
    });
    out
}

/// Keyed fingerprints of every set secret, by key path.
pub fn secret_fingerprints(config: &AlysConfig, key: &[u8; 32]) -> Vec<(String, String)> {
    collect_secrets(config)
        .into_iter()
        .map(|(path, s)| (path, s.fingerprint(key)))
        .collect()
}

/// A value as one line of TOML.
pub fn inline(value: &toml::Value) -> String {
    #[derive(Serialize)]
    struct Wrap<'a> {
        v: &'a toml::Value,
    }
    match toml::to_string(&Wrap { v: value }) {
        Ok(text) => text
            .trim()
            .strip_prefix("v = ")
            .unwrap_or(text.trim())
            .to_owned(),
        Err(_) => value.to_string(),
    }
}

fn lookup_mut<'a>(value: &'a mut toml::Value, key: &str) -> Option<&'a mut toml::Value> {
    let mut cursor = value;
    for part in key.split('.') {
        let (name, indexes) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        cursor = cursor.as_table_mut()?.get_mut(name)?;
        for index in indexes.split(['[', ']']).filter(|s| !s.is_empty()) {
            cursor = cursor
                .as_array_mut()?
                .get_mut(index.parse::<usize>().ok()?)?;
        }
    }
    Some(cursor)
}
