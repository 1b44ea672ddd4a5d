//! Finding an earlier revision in the log and turning it back into a config a rollback can
//! apply.
//!
//! The log keeps each config as redacted TOML plus keyed fingerprints of its secrets, never the
//! secrets themselves. A rollback therefore takes each secret from the configs this process has
//! loaded, matched by key and fingerprint; a secret the process has not seen cannot be restored
//! and the rollback is refused rather than applied with a placeholder.

use std::collections::BTreeMap;

use alys_config::dump::secret_fingerprints;
use alys_config::secret::{collect_secrets, Secret};
use alys_config::AlysConfig;
use alys_eventlog::projection::{replay, ActiveConfig, ActiveConfigState, Projection};
use alys_eventlog::{EventLog, Offset};

use super::command::{CommandError, RollbackTarget};

/// Secrets seen in loaded configs, by (key path, fingerprint). Never logged.
#[derive(Default)]
pub(super) struct SecretCache {
    known: BTreeMap<(String, String), Secret>,
}

impl std::fmt::Debug for SecretCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretCache")
            .field("known", &self.known.len())
            .finish()
    }
}

impl SecretCache {
    /// Remembers every secret of `config`.
    pub(super) fn remember(&mut self, config: &AlysConfig, key: &[u8; 32]) {
        let prints: BTreeMap<String, String> =
            secret_fingerprints(config, key).into_iter().collect();
        for (path, secret) in collect_secrets(config) {
            if let Some(print) = prints.get(&path) {
                self.known.insert((path, print.clone()), secret);
            }
        }
    }
}

/// The revision `target` names: the offset rolled back to and the config active there.
pub(super) fn resolve(
    log: &EventLog,
    target: RollbackTarget,
    current_revision: u64,
) -> Result<(u64, ActiveConfigState), CommandError> {
    match target {
        RollbackTarget::Offset(offset) => {
            let head = log.next_offset().0;
            if offset >= head {
                return Err(CommandError::PastHead {
                    offset,
                    newest: head.saturating_sub(1),
                });
            }
            let mut projection = ActiveConfig::new();
            replay(log, &mut projection, Some(Offset(offset)))
                .map_err(|e| CommandError::Log(e.to_string()))?;
            let state = projection.state().clone().ok_or_else(|| {
                CommandError::NoSuchRevision(format!("offset {offset} (nothing active yet)"))
            })?;
            Ok((offset, state))
        }
        RollbackTarget::Steps(steps) => {
            let revisions = activations(log)?;
            let current = revisions
                .iter()
                .rposition(|s| s.revision == current_revision)
                .unwrap_or(revisions.len().saturating_sub(1));
            let back = usize::try_from(steps.max(1)).unwrap_or(usize::MAX);
            let index = current.checked_sub(back).ok_or_else(|| {
                CommandError::NoSuchRevision(format!(
                    "{steps} revision(s) back (only {current} earlier revision(s) in the log)"
                ))
            })?;
            let state = revisions[index].clone();
            Ok((state.revision, state))
        }
    }
}

/// Every activation in the log, oldest first.
fn activations(log: &EventLog) -> Result<Vec<ActiveConfigState>, CommandError> {
    let mut projection = ActiveConfig::new();
    let mut out: Vec<ActiveConfigState> = Vec::new();
    for envelope in log.read(Offset(0), None) {
        let envelope = envelope.map_err(|e| CommandError::Log(e.to_string()))?;
        if !envelope.kind().is_some_and(|k| projection.wants(k)) {
            continue;
        }
        let event = envelope
            .event()
            .map_err(|e| CommandError::Log(e.to_string()))?;
        projection.apply_owned(envelope.offset, envelope.timestamp_ms, event);
        if let Some(active) = projection.state() {
            if out.last().map(|s| s.revision) != Some(active.revision) {
                out.push(active.clone());
            }
        }
    }
    Ok(out)
}

/// The config of `state` with its secrets put back from `cache`.
pub(super) fn restore(
    state: &ActiveConfigState,
    cache: &SecretCache,
) -> Result<AlysConfig, String> {
    let mut tree: toml::Value = toml::from_str(&state.effective_toml)
        .map_err(|e| format!("the recorded config does not parse: {e}"))?;
    for print in &state.secrets {
        let secret = cache
            .known
            .get(&(print.key.clone(), print.fingerprint.clone()))
            .ok_or_else(|| {
                format!(
                    "secret {} of that revision is not known to this process (the log keeps \
                     only its fingerprint); put it back in the config file or environment and \
                     reload instead",
                    print.key
                )
            })?;
        set_path(&mut tree, &print.key, secret.expose())
            .ok_or_else(|| format!("secret {} has no place in the recorded config", print.key))?;
    }
    tree.try_into()
        .map_err(|e| format!("the recorded config no longer fits the schema: {e}"))
}

/// Sets the string at a dotted path with `[i]` array indices; `None` when the path is absent.
fn set_path(tree: &mut toml::Value, path: &str, value: &str) -> Option<()> {
    let mut node = tree;
    for segment in path.split('.') {
        let (name, indices) = match segment.find('[') {
            Some(i) => (&segment[..i], &segment[i..]),
            None => (segment, ""),
        };
        node = node.get_mut(name)?;
        for index in indices.split(['[', ']']).filter(|s| !s.is_empty()) {
            node = node.get_mut(index.parse::<usize>().ok()?)?;
        }
    }
    *node = toml::Value::String(value.to_owned());
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_path_reaches_tables_and_array_elements() {
        let mut tree: toml::Value =
            toml::from_str("[a]\nb = \"x\"\n[[c]]\nd = \"y\"\n[[c]]\nd = \"z\"\n").expect("toml");
        set_path(&mut tree, "a.b", "1").expect("a.b");
        set_path(&mut tree, "c[1].d", "2").expect("c[1].d");
        assert_eq!(tree["a"]["b"].as_str(), Some("1"));
        assert_eq!(tree["c"][0]["d"].as_str(), Some("y"));
        assert_eq!(tree["c"][1]["d"].as_str(), Some("2"));
        assert!(set_path(&mut tree, "a.missing", "3").is_none());
    }
}
