//! Mapping `ALYS_*` environment variables (and the V1 Bitcoin variables) to key paths.
//!
//! The mapping is derived from the schema's key names: `ALYS_` then the key path upper-cased with
//! `__` between segments, so `ALYS_BRIDGE__BITCOIN_RPC_URL` sets `bridge.bitcoin_rpc_url` and a
//! field name's own `_` stays unambiguous. A variable without `__` is a config variable only when
//! it names a top-level key (`ALYS_ENVIRONMENT`); others such as `ALYS_NODE_ID` are left for
//! `${...}` placeholders, unless they start with a section name, which is almost always a
//! missing `__`, or are a slip of a top-level key's variable (`ALYS_ENVIRONMET`) that no
//! placeholder uses; both are reported.

use std::collections::{BTreeMap, BTreeSet};

use super::suggest;
use crate::error::ConfigError;

/// The prefix of configuration variables.
pub const PREFIX: &str = "ALYS_";

/// V1 variable names accepted as aliases, with the key each sets. The `ALYS_` form wins when
/// both are set.
pub const V1_ALIASES: [(&str, &str); 3] = [
    ("BITCOIN_RPC_URL", "bridge.bitcoin_rpc_url"),
    ("BITCOIN_RPC_USER", "bridge.bitcoin_rpc_user"),
    ("BITCOIN_RPC_PASS", "bridge.bitcoin_rpc_password"),
];

/// One variable that sets one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EnvAssignment {
    pub(crate) var: String,
    pub(crate) key: String,
    pub(crate) value: String,
}

/// True for a variable the loader reads as configuration: an `ALYS_` variable or a V1 alias.
pub(crate) fn is_config_var(name: &str) -> bool {
    name.starts_with(PREFIX) || V1_ALIASES.iter().any(|(alias, _)| *alias == name)
}

/// Variables that match no key, each with the variable it was probably meant to be.
pub(crate) type UnknownVars = Vec<(String, Option<String>)>;

/// The variable that would set `key`.
pub fn var_for_key(key: &str) -> String {
    format!("{PREFIX}{}", key.replace('.', "__").to_ascii_uppercase())
}

/// Picks the configuration variables out of `vars`. `top_level` holds the schema's top-level
/// key names; `placeholders` the variables the loaded files' `${...}` read. Variables that look
/// like a config variable with a missing `__`, or with a slip in a top-level key's name and
/// read by no placeholder, are returned as unknown, with a suggestion.
pub(crate) fn scan(
    vars: &BTreeMap<String, String>,
    top_level: &[String],
    placeholders: &BTreeSet<String>,
) -> Result<(Vec<EnvAssignment>, UnknownVars), ConfigError> {
    let mut out = Vec::new();
    let mut unknown = Vec::new();
    for (var, value) in vars {
        let Some(rest) = var.strip_prefix(PREFIX) else {
            continue;
        };
        let lower = rest.to_ascii_lowercase();
        let key = if rest.contains("__") {
            let segments: Vec<&str> = lower.split("__").collect();
            // `ALYS___`, `ALYS_NETWORK____MAX_PEERS`: an empty segment names no key, and a key
            // path with one cannot be laid into the tree or taken out of it again.
            if segments.iter().any(|s| s.is_empty()) {
                unknown.push((var.clone(), None));
                continue;
            }
            segments.join(".")
        } else if top_level.contains(&lower) {
            lower
        } else {
            if let Some(section) = top_level
                .iter()
                .find(|s| lower.starts_with(&format!("{s}_")))
            {
                let field = &lower[section.len() + 1..];
                unknown.push((
                    var.clone(),
                    Some(var_for_key(&format!("{section}.{field}"))),
                ));
            } else if !placeholders.contains(var) {
                if let Some(key) = suggest::near_miss(&lower, top_level.iter().map(String::as_str))
                {
                    unknown.push((var.clone(), Some(var_for_key(key))));
                }
            }
            continue;
        };
        if value.is_empty() {
            return Err(ConfigError::EmptyVariable { var: var.clone() });
        }
        out.push(EnvAssignment {
            var: var.clone(),
            key,
            value: value.clone(),
        });
    }
    for (alias, key) in V1_ALIASES {
        let Some(value) = vars.get(alias) else {
            continue;
        };
        if out.iter().any(|a| a.key == key) {
            continue;
        }
        if value.is_empty() {
            return Err(ConfigError::EmptyVariable {
                var: alias.to_owned(),
            });
        }
        out.push(EnvAssignment {
            var: alias.to_owned(),
            key: key.to_owned(),
            value: value.clone(),
        });
    }
    Ok((out, unknown))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn top() -> Vec<String> {
        ["environment", "bridge", "governance"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    #[test]
    fn double_underscore_separates_segments_and_single_stays_in_the_name() {
        let (got, unknown) = scan(
            &vars(&[("ALYS_BRIDGE__BITCOIN_RPC_URL", "http://x:1")]),
            &top(),
            &BTreeSet::new(),
        )
        .unwrap();
        assert_eq!(got[0].key, "bridge.bitcoin_rpc_url");
        assert!(unknown.is_empty());
    }

    #[test]
    fn plain_alys_variables_are_left_for_placeholders() {
        let (got, unknown) = scan(
            &vars(&[("ALYS_NODE_ID", "n1"), ("ALYS_ENVIRONMENT", "prod")]),
            &top(),
            &BTreeSet::new(),
        )
        .unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].key, "environment");
        assert!(unknown.is_empty());
    }

    #[test]
    fn missing_double_underscore_is_reported_with_the_fixed_name() {
        let (_, unknown) = scan(
            &vars(&[("ALYS_BRIDGE_BITCOIN_RPC_URL", "x")]),
            &top(),
            &BTreeSet::new(),
        )
        .unwrap();
        assert_eq!(
            unknown,
            vec![(
                "ALYS_BRIDGE_BITCOIN_RPC_URL".to_string(),
                Some("ALYS_BRIDGE__BITCOIN_RPC_URL".to_string())
            )]
        );
    }

    #[test]
    fn empty_key_segment_is_unknown_without_a_suggestion() {
        for var in [
            "ALYS___",
            "ALYS____",
            "ALYS___BRIDGE",
            "ALYS_BRIDGE____BITCOIN_RPC_URL",
            "ALYS_BRIDGE__",
        ] {
            let (got, unknown) = scan(&vars(&[(var, "3")]), &top(), &BTreeSet::new()).unwrap();
            assert!(got.is_empty(), "{var}: {got:?}");
            assert_eq!(unknown, vec![(var.to_string(), None)]);
        }
    }

    #[test]
    fn slip_in_a_top_level_name_is_reported_unless_a_placeholder_reads_it() {
        let slip = vars(&[("ALYS_ENVIRONMET", "production"), ("ALYS_NODE_ID", "n1")]);
        let (got, unknown) = scan(&slip, &top(), &BTreeSet::new()).unwrap();
        assert!(got.is_empty());
        assert_eq!(
            unknown,
            vec![(
                "ALYS_ENVIRONMET".to_string(),
                Some("ALYS_ENVIRONMENT".to_string())
            )]
        );

        let read = BTreeSet::from(["ALYS_ENVIRONMET".to_string()]);
        let (_, unknown) = scan(&slip, &top(), &read).unwrap();
        assert!(unknown.is_empty());
    }

    #[test]
    fn empty_value_names_the_variable() {
        let err = scan(
            &vars(&[("ALYS_BRIDGE__BITCOIN_RPC_URL", "")]),
            &top(),
            &BTreeSet::new(),
        )
        .unwrap_err();
        assert!(
            matches!(err, ConfigError::EmptyVariable { var } if var == "ALYS_BRIDGE__BITCOIN_RPC_URL")
        );
    }

    #[test]
    fn v1_alias_yields_to_the_alys_form() {
        let (got, _) = scan(
            &vars(&[
                ("BITCOIN_RPC_USER", "old"),
                ("ALYS_BRIDGE__BITCOIN_RPC_USER", "new"),
            ]),
            &top(),
            &BTreeSet::new(),
        )
        .unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].value, "new");
    }
}
