//! Laying values into the tree: a file's parts with their positions, text from variables and
//! flags, and the actor profile under everything else.

use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;

use super::de::NodeDe;
use super::file::{FileLayer, KeyPos};
use super::provenance::{Layer, Origin, Provenance, Source};
use super::tree::Node;
use crate::error::ConfigError;
use crate::schema::ActorProfile;

pub(super) fn lay_file_part(
    tree: &mut Node,
    provenance: &mut Provenance,
    layer: &FileLayer,
    part: Node,
    positions: &[KeyPos],
    kind: Layer,
) {
    tree.merge(part);
    lay_positions(provenance, layer, positions, kind);
}

pub(super) fn lay_positions(
    provenance: &mut Provenance,
    layer: &FileLayer,
    positions: &[KeyPos],
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

pub(super) fn lay_text(
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
pub(super) fn text_node(value: &str) -> Node {
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

pub(super) fn inline_from_toml(table: &toml::Table) -> Node {
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

pub(super) fn parse_sets(sets: &[String]) -> Result<Vec<(String, String)>, ConfigError> {
    sets.iter()
        .map(|arg| match arg.split_once('=') {
            Some((key, value)) if !key.trim().is_empty() => {
                Ok((key.trim().to_owned(), value.to_owned()))
            }
            _ => Err(ConfigError::BadOverride { arg: arg.clone() }),
        })
        .collect()
}

/// Lays the selected profile under everything but the defaults.
pub(super) fn with_profile(tree: Node, provenance: &mut Provenance) -> Node {
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

pub(super) fn node_from_toml(value: &toml::Value) -> Node {
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
