//! Environment sections: which one applies, and checking the ones that do not.

use super::env::EnvAssignment;
use super::file::FileLayer;
use super::layers::lay_positions;
use super::provenance::{Layer, Origin, Provenance, Source};
use super::read::read_config;
use super::tree::Node;
use super::LoadOptions;
use crate::error::ConfigError;
use crate::schema::Environment;

/// The environment whose sections apply, decided from the layers laid so far plus the
/// variables and flags that are laid later.
pub(super) fn active_environment(
    tree: &Node,
    provenance: &Provenance,
    assignments: &[EnvAssignment],
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
pub(super) fn check_inactive_sections(
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
