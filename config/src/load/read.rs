//! Reading the layered tree into the schema, and turning serde's complaints into errors that
//! name the key, its origin and the closest real key.

use std::collections::BTreeMap;

use super::de::{DeError, NodeDe};
use super::env::var_for_key;
use super::file::all_section_names;
use super::provenance::{Provenance, Source};
use super::suggest;
use super::tree::{split_path, Node, Step};
use crate::error::ConfigError;
use crate::schema::AlysConfig;

/// Whether a key path probably holds a secret, judged by its names; error messages for such keys
/// leave out the value.
pub(super) fn looks_secret(key: &str) -> bool {
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

/// Reads the tree into the schema. Unknown keys set by variables are all collected (each is
/// dropped and the read retried) so that one error lists every such variable.
pub(super) fn read_config(
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
                // At the top level a file may also name an environment section (`[production]`).
                let sections = if parent.is_empty() {
                    all_section_names()
                } else {
                    Vec::new()
                };
                let candidates = expected.iter().copied().chain(sections);
                let suggestion = suggest::closest(&field, candidates).map(|s| join(&parent, s));
                if let Source::Var(var) = &origin.source {
                    unknown_vars.push((var.clone(), suggestion.as_deref().map(var_for_key)));
                    provenance.remove(&key);
                    // Retry only when the key is gone; otherwise the same error would come back
                    // forever.
                    if tree.remove(&key) {
                        continue;
                    }
                    return Err(ConfigError::UnknownVariables {
                        vars: std::mem::take(unknown_vars),
                    });
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

/// Whether `key` (dotted, `[i]` for an element of an array of tables) is a key of the schema,
/// judged as loading judges a key a file sets, with the same suggestion for a misspelt one.
/// Keys below a tagged value (`governance.auth.method`) are taken as known: which fields exist
/// there depends on its `type`.
///
/// # Errors
///
/// [`ConfigError::NoSuchKey`] naming the key and the closest real key path, if one is close.
pub fn check_key(key: &str) -> Result<(), ConfigError> {
    // A tree holding only `key`; every other key keeps its default. Any error but an unknown
    // field (a value of the wrong type, a table where a scalar goes) means the key exists.
    let mut probe = Node::Text(String::new());
    for step in split_path(key).into_iter().rev() {
        probe = match step {
            Step::Key(name) => Node::Table(BTreeMap::from([(name, probe)])),
            Step::Index(_) => Node::Array(vec![probe]),
        };
    }
    let Err(err) = serde_path_to_error::deserialize::<_, AlysConfig>(NodeDe(&probe)) else {
        return Ok(());
    };
    let path = err.path().to_string();
    let DeError::UnknownField { field, expected } = err.into_inner() else {
        return Ok(());
    };
    let parent = parent_of(&path, &field);
    let suggestion = suggest::closest(&field, expected.iter().copied()).map(|real| {
        // Put the real name in place of the wrong segment, keeping what the key has below it.
        let depth = parent.split('.').filter(|s| !s.is_empty()).count();
        let mut segments: Vec<String> = key.split('.').map(str::to_owned).collect();
        if let Some(segment) = segments.get_mut(depth) {
            let index = segment.find('[').map_or("", |i| &segment[i..]).to_owned();
            *segment = format!("{real}{index}");
        }
        segments.join(".")
    });
    Err(ConfigError::NoSuchKey {
        key: key.to_owned(),
        suggestion,
    })
}

/// The parent key path of an unknown `field` reported at `path`; serde_path_to_error may or may
/// not have put the field itself at the end of the path.
pub(super) fn parent_of(path: &str, field: &str) -> String {
    let path = if path == "." || path == "?" { "" } else { path };
    let path = path.strip_suffix('?').unwrap_or(path).trim_end_matches('.');
    if path == field {
        return String::new();
    }
    path.strip_suffix(&format!(".{field}"))
        .unwrap_or(path)
        .to_owned()
}

pub(super) fn join(parent: &str, field: &str) -> String {
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
    use crate::secret::collect_secrets;
    use crate::Secret;

    /// Loading skips the secret scan when no override's key passes `looks_secret`; that is only
    /// sound while every secret field's path passes it.
    #[test]
    fn check_key_knows_set_and_unset_keys_and_suggests_for_a_misspelt_one() {
        for key in [
            "network.max_peers",
            "execution.jwt_secret",
            "governance.endpoints[2].url",
            "governance.auth.method",
            "bridge",
        ] {
            assert!(check_key(key).is_ok(), "{key}");
        }
        let error = check_key("bridge.min_confirmation_pegin").unwrap_err();
        assert_eq!(
            error.to_string(),
            "unknown key `bridge.min_confirmation_pegin`, did you mean \
             `bridge.min_confirmations_pegin`?"
        );
        let error = check_key("governance.endpoints[1].urll").unwrap_err();
        assert!(
            error
                .to_string()
                .ends_with("did you mean `governance.endpoints[1].url`?"),
            "{error}"
        );
        let error = check_key("bridgee.min_confirmations_pegin").unwrap_err();
        assert!(
            error
                .to_string()
                .ends_with("did you mean `bridge.min_confirmations_pegin`?"),
            "{error}"
        );
        assert_eq!(
            check_key("zzz").unwrap_err().to_string(),
            "unknown key `zzz`"
        );
    }

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
