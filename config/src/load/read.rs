//! Reading the layered tree into the schema, and turning serde's complaints into errors that
//! name the key, its origin and the closest real key.

use super::de::{DeError, NodeDe};
use super::env::var_for_key;
use super::file::all_section_names;
use super::provenance::{Provenance, Source};
use super::suggest;
use super::tree::Node;
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
