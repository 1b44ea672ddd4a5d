//! Secret values (passwords, tokens, API keys, JWT secrets) that never print in clear.
//!
//! A [`Secret`] redacts itself in `Debug`, `Display` and `Serialize`, so a config can be logged,
//! shown or recorded without leaking. The clear value is reachable only through
//! [`Secret::expose`], and [`collect_secrets`] finds every set secret of a config by serialising
//! it once while the current thread collects the values it meets.

use std::cell::RefCell;
use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What a secret serialises to when it is not being exposed.
pub const REDACTED: &str = "<redacted>";

thread_local! {
    /// While `Some`, secrets serialise as a numbered marker and their values are collected here.
    static COLLECTED: RefCell<Option<Vec<Secret>>> = const { RefCell::new(None) };
}

/// Prefix of the marker a secret serialises to while it is being collected; no TOML a person
/// writes contains the control character.
const MARK: &str = "\u{1}secret:";

/// A string that must not be printed, logged or recorded in clear.
#[derive(Clone)]
pub struct Secret(SecretString);

impl Secret {
    /// Wraps a clear value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(SecretString::from(value.into()))
    }

    /// The clear value; call only where the value is used (an RPC login, a header).
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// Keyed blake3 fingerprint of the value, lower-case hex, for telling two values apart
    /// without revealing either. `key` is a per-node key kept out of the event log.
    pub fn fingerprint(&self, key: &[u8; 32]) -> String {
        blake3::keyed_hash(key, self.expose().as_bytes())
            .to_hex()
            .to_string()
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let marker = COLLECTED.with(|c| {
            c.borrow_mut().as_mut().map(|found| {
                found.push(self.clone());
                format!("{MARK}{}", found.len() - 1)
            })
        });
        serializer.serialize_str(marker.as_deref().unwrap_or(REDACTED))
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret::new)
    }
}

/// Every secret set in `value`, as (dotted key path, secret), found by serialising it once while
/// secrets leave numbered markers. Used to fingerprint secrets; the result must not be logged.
pub fn collect_secrets<T: Serialize>(value: &T) -> Vec<(String, Secret)> {
    COLLECTED.with(|c| *c.borrow_mut() = Some(Vec::new()));
    let tree = toml::Value::try_from(value);
    let found = COLLECTED
        .with(|c| c.borrow_mut().take())
        .unwrap_or_default();
    let Ok(tree) = tree else {
        return Vec::new();
    };
    let mut out = Vec::new();
    crate::keypath::for_each_leaf(&tree, true, &mut |path, leaf| {
        let index = leaf
            .as_str()
            .and_then(|t| t.strip_prefix(MARK))
            .and_then(|i| i.parse().ok());
        if let Some(secret) = index.and_then(|i: usize| found.get(i)) {
            out.push((path.to_owned(), secret.clone()));
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Holder {
        name: String,
        token: Option<Secret>,
        nested: Vec<Inner>,
    }

    #[derive(Serialize)]
    struct Inner {
        password: Secret,
    }

    #[test]
    fn debug_display_and_serialize_never_show_the_value() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?}"), REDACTED);
        assert_eq!(s.to_string(), REDACTED);
        let text = toml::to_string(&Holder {
            name: "n".into(),
            token: Some(s),
            nested: vec![],
        })
        .unwrap();
        assert!(!text.contains("hunter2"), "{text}");
    }

    #[test]
    fn collect_secrets_finds_nested_values_and_restores_redaction() {
        let h = Holder {
            name: "node".into(),
            token: Some(Secret::new("t0k")),
            nested: vec![Inner {
                password: Secret::new("pw"),
            }],
        };
        let found = collect_secrets(&h);
        let found: Vec<(String, String)> = found
            .into_iter()
            .map(|(k, v)| (k, v.expose().to_owned()))
            .collect();
        assert_eq!(
            found,
            vec![
                ("nested[0].password".into(), "pw".into()),
                ("token".into(), "t0k".into())
            ]
        );
        let after = toml::to_string(&h).unwrap();
        assert!(!after.contains("t0k"));
    }

    #[test]
    fn fingerprint_depends_on_key_and_value() {
        let a = Secret::new("v");
        assert_ne!(a.fingerprint(&[1; 32]), a.fingerprint(&[2; 32]));
        assert_ne!(
            a.fingerprint(&[1; 32]),
            Secret::new("w").fingerprint(&[1; 32])
        );
        assert_eq!(
            a.fingerprint(&[1; 32]),
            Secret::new("v").fingerprint(&[1; 32])
        );
    }
}
