//! The built-in validation rules and the small parsers (URL, socket address) they share.
//!
//! Rule ids are stable: they are recorded with every finding in the event log.
//!
//! | id | what it checks |
//! |---|---|
//! | `range` | numeric ranges, fractions, positive timeouts |
//! | `logging.level` | level names of `logging.level` and `logging.modules` |
//! | `url` | scheme and host of every URL |
//! | `address` | the bridge contract address and the socket addresses |
//! | `actors.restart-strategy` | parameters of the default and per-actor restart strategies |
//! | `actors.mailbox` | capacities, batch size, dead letters and priority lanes |
//! | `governance.endpoint-identity` | endpoint names unique and set, priorities distinct |
//! | `governance.no-endpoint` | governance enabled with no enabled endpoint |
//! | `governance.tls-endpoint` | TLS enabled towards an `http://` endpoint |
//! | `tls.files` | TLS files named and present on disk |
//! | `federation.threshold` | signature and peg-out thresholds against the member counts |
//! | `memory.budget` | cache sizes against `system.memory.max_heap_mb` |
//! | `chain.spec` | the chain spec file loads, is sound and matches `chain.chain_id` |
//! | `secret.empty` | credentials set but empty (the auth method's token or key, RPC password) |

mod actors;
mod cross;
mod governance;
mod logging;
mod network;
mod ranges;
mod secrets;

use super::Rule;

/// Every built-in rule, in the order they run.
pub fn builtin() -> Vec<Box<dyn Rule>> {
    let mut rules = Vec::new();
    rules.extend(ranges::rules());
    rules.extend(logging::rules());
    rules.extend(network::rules());
    rules.extend(actors::rules());
    rules.extend(governance::rules());
    rules.extend(cross::rules());
    rules.extend(secrets::rules());
    rules
}

/// Key of element `i` of the array at `key`: `governance.endpoints[1]`.
fn indexed(key: &str, i: usize) -> String {
    format!("{key}[{i}]")
}

#[cfg(test)]
mod testing {
    use crate::validate::{Finding, Findings, RuleContext, Severity};
    use crate::AlysConfig;

    /// Runs the built-in rule `id` alone.
    pub(super) fn run(id: &str, config: &AlysConfig) -> Vec<Finding> {
        let rules = super::builtin();
        let rule = rules
            .iter()
            .find(|r| r.id() == id)
            .unwrap_or_else(|| panic!("no rule {id}"));
        let mut out = Vec::new();
        let mut findings = Findings {
            rule: rule.id(),
            out: &mut out,
        };
        rule.check(&RuleContext { config }, &mut findings);
        out
    }

    /// (severity, key) of every finding of rule `id`.
    pub(super) fn hits(id: &str, config: &AlysConfig) -> Vec<(Severity, String)> {
        run(id, config)
            .into_iter()
            .map(|f| (f.severity, f.key))
            .collect()
    }

    /// Asserts that rule `id` reports exactly one finding, of this severity and key.
    pub(super) fn assert_one(id: &str, config: &AlysConfig, severity: Severity, key: &str) {
        let found = run(id, config);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(
            (found[0].severity, found[0].key.as_str()),
            (severity, key),
            "{found:#?}"
        );
        assert_eq!(found[0].rule, id);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::validate::{Severity, Validator};
    use crate::AlysConfig;

    #[test]
    fn rule_ids_are_unique() {
        let rules = builtin();
        let ids: HashSet<&str> = rules.iter().map(|r| r.id()).collect();
        assert_eq!(ids.len(), rules.len());
    }

    #[test]
    fn default_config_yields_no_errors_or_warnings() {
        let report = Validator::with_builtin_rules().validate(&AlysConfig::default());
        assert!(report.is_accepted(), "{:#?}", report.findings);
        assert_eq!(
            report.of(Severity::Warning).count(),
            0,
            "{:#?}",
            report.findings
        );
    }
}
