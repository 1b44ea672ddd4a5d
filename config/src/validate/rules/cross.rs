//! Cross-section rules: `federation.threshold`, `memory.budget` and `chain.spec`.

use crate::chain_spec::ChainSpec;
use crate::validate::{Findings, FnRule, Rule, RuleContext, Severity};

pub(super) fn rules() -> Vec<Box<dyn Rule>> {
    vec![
        Box::new(FnRule::new("federation.threshold", check_thresholds)),
        Box::new(FnRule::new("memory.budget", check_memory_budget)),
        Box::new(FnRule::new("chain.spec", check_chain_spec)),
    ]
}

/// The spec named by `chain.spec_file`, if it loads; `chain.spec` reports when it does not.
fn spec_of(ctx: &RuleContext<'_>) -> Option<ChainSpec> {
    let path = ctx.config.chain.spec_file.as_deref()?;
    ChainSpec::load(path).ok()
}

fn check_thresholds(ctx: &RuleContext<'_>, f: &mut Findings<'_>) {
    let fed = &ctx.config.governance.federation;
    if fed.signature_threshold > fed.max_members {
        let message = format!(
            "is {}, above governance.federation.max_members ({})",
            fed.signature_threshold, fed.max_members
        );
        f.error("governance.federation.signature_threshold", message);
    }

    let bridge = &ctx.config.bridge;
    let Some(spec) = spec_of(ctx) else {
        return;
    };
    let members = spec.federation.len();
    if bridge.federation_threshold as usize > members {
        // A disabled bridge signs nothing, so the mismatch only matters once it is switched on.
        let severity = if bridge.enabled {
            Severity::Error
        } else {
            Severity::Warning
        };
        let message = format!(
            "is {}, but the chain spec's federation has {members} members: no peg-out could \
             gather enough signatures",
            bridge.federation_threshold
        );
        f.push(severity, "bridge.federation_threshold", message);
    }
}

fn check_memory_budget(ctx: &RuleContext<'_>, f: &mut Findings<'_>) {
    let memory = &ctx.config.system.memory;
    let Some(heap) = memory.max_heap_mb else {
        return;
    };
    let caches = &memory.caches;
    let storage = ctx.config.storage.performance.cache_size_mb;
    let total = caches.total_mb().saturating_add(storage);
    if total > heap {
        let message = format!(
            "is {heap} MiB, but the caches need {total} MiB (block {} + transaction {} + state {} \
             + storage {})",
            caches.block_cache_mb, caches.transaction_cache_mb, caches.state_cache_mb, storage
        );
        f.error("system.memory.max_heap_mb", message);
    }
}

fn check_chain_spec(ctx: &RuleContext<'_>, f: &mut Findings<'_>) {
    let chain = &ctx.config.chain;
    let Some(path) = chain.spec_file.as_deref() else {
        return;
    };
    let spec = match ChainSpec::load(path) {
        Ok(spec) => spec,
        Err(err) => {
            f.error("chain.spec_file", err.to_string());
            return;
        }
    };
    for (key, problem) in spec.check() {
        f.error(
            "chain.spec_file",
            format!("{}: spec key {key}: {problem}", path.display()),
        );
    }
    if let Some(id) = chain.chain_id.filter(|id| *id != spec.chain_id) {
        let message = format!(
            "is {id}, but the chain spec {} has chainId {}",
            path.display(),
            spec.chain_id
        );
        f.error("chain.chain_id", message);
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::super::testing::{assert_one, hits, run};
    use crate::validate::Severity::{Error, Warning};
    use crate::AlysConfig;

    const TESTNET: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/upstream/chain.json"
    );
    const DEV: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/upstream/chain-dev.json"
    );

    fn with_spec(path: &str) -> AlysConfig {
        let mut c = AlysConfig::default();
        c.chain.spec_file = Some(PathBuf::from(path));
        c
    }

    #[test]
    fn upstream_specs_pass() {
        for path in [TESTNET, DEV] {
            let mut c = with_spec(path);
            c.bridge.federation_threshold = 1;
            for rule in ["chain.spec", "federation.threshold"] {
                assert_eq!(hits(rule, &c), vec![], "{rule} {path}");
            }
        }
    }

    #[test]
    fn rejects_signature_threshold_above_members() {
        let mut c = AlysConfig::default();
        c.governance.federation.signature_threshold = 6;
        assert_one(
            "federation.threshold",
            &c,
            Error,
            "governance.federation.signature_threshold",
        );
    }

    #[test]
    fn bridge_threshold_above_spec_federation_is_an_error_only_when_bridge_runs() {
        let mut c = with_spec(DEV);
        assert_one(
            "federation.threshold",
            &c,
            Warning,
            "bridge.federation_threshold",
        );
        c.bridge.enabled = true;
        assert_one(
            "federation.threshold",
            &c,
            Error,
            "bridge.federation_threshold",
        );
        c.chain.spec_file = Some(PathBuf::from(TESTNET));
        assert_eq!(hits("federation.threshold", &c), vec![]);
    }

    #[test]
    fn rejects_caches_larger_than_the_heap() {
        let mut c = AlysConfig::default();
        c.system.memory.max_heap_mb = Some(1024);
        assert_one("memory.budget", &c, Error, "system.memory.max_heap_mb");
        let message = &run("memory.budget", &c)[0].message;
        assert!(message.contains("1408 MiB"), "{message}");
        c.system.memory.max_heap_mb = Some(1408);
        assert_eq!(hits("memory.budget", &c), vec![]);
    }

    #[test]
    fn missing_spec_file_is_an_error_with_the_load_failure() {
        let c = with_spec("/nonexistent/chain.json");
        assert_one("chain.spec", &c, Error, "chain.spec_file");
        let message = &run("chain.spec", &c)[0].message;
        assert!(
            message.contains("cannot read chain spec /nonexistent/chain.json"),
            "{message}"
        );
    }

    #[test]
    fn reports_each_spec_problem_naming_the_spec_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("chain.json");
        let text = std::fs::read_to_string(Path::new(TESTNET)).unwrap();
        let text = text.replace("0x8c483d6Bf33288318143da93bB533d599DE04e72", "0x8c48");
        std::fs::write(&path, text).unwrap();
        let c = with_spec(path.to_str().unwrap());
        let found = run("chain.spec", &c);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(
            (found[0].severity, found[0].key.as_str()),
            (Error, "chain.spec_file")
        );
        assert!(
            found[0].message.contains("spec key federation[0]"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn rejects_chain_id_that_differs_from_the_spec() {
        let mut c = with_spec(TESTNET);
        c.chain.chain_id = Some(121212);
        assert_one("chain.spec", &c, Error, "chain.chain_id");
        c.chain.chain_id = Some(727272);
        assert_eq!(hits("chain.spec", &c), vec![]);
    }
}
