//! Rules about the governance endpoints and TLS: `governance.endpoint-identity`,
//! `governance.no-endpoint`, `governance.tls-endpoint` and `tls.files`.

use std::collections::HashMap;
use std::path::Path;

use super::indexed;
use crate::schema::governance::AuthMethod;
use crate::validate::{Findings, FnRule, Rule, RuleContext};

pub(super) fn rules() -> Vec<Box<dyn Rule>> {
    vec![
        Box::new(FnRule::new(
            "governance.endpoint-identity",
            check_endpoint_identity,
        )),
        Box::new(FnRule::new("governance.no-endpoint", check_some_endpoint)),
        Box::new(FnRule::new("governance.tls-endpoint", check_tls_endpoints)),
        Box::new(FnRule::new("tls.files", check_tls_files)),
    ]
}

/// Names must be set and unique (they identify the endpoint in logs and events); two enabled
/// endpoints of one priority are allowed but probably a slip, since priority orders failover.
fn check_endpoint_identity(ctx: &RuleContext<'_>, f: &mut Findings<'_>) {
    let mut names: HashMap<&str, usize> = HashMap::new();
    let mut priorities: HashMap<u32, usize> = HashMap::new();
    for (i, endpoint) in ctx.config.governance.endpoints.iter().enumerate() {
        let base = indexed("governance.endpoints", i);
        let name = endpoint.name.trim();
        if name.is_empty() {
            f.error(format!("{base}.name"), "must be set");
        } else if let Some(&first) = names.get(name) {
            let message = format!("`{name}` is already the name of governance.endpoints[{first}]");
            f.error(format!("{base}.name"), message);
        } else {
            names.insert(name, i);
        }
        if !endpoint.enabled {
            continue;
        }
        if let Some(&first) = priorities.get(&endpoint.priority) {
            let message = format!(
                "{} is also the priority of governance.endpoints[{first}]; failover order between \
                 them is decided by weight alone",
                endpoint.priority
            );
            f.warning(format!("{base}.priority"), message);
        } else {
            priorities.insert(endpoint.priority, i);
        }
    }
}

fn check_some_endpoint(ctx: &RuleContext<'_>, f: &mut Findings<'_>) {
    let g = &ctx.config.governance;
    if g.enabled && !g.endpoints.iter().any(|e| e.enabled) {
        f.error(
            "governance.endpoints",
            "governance is enabled but no endpoint is enabled",
        );
    }
}

/// TLS towards an `http://` endpoint cannot work; only judged while governance is enabled.
fn check_tls_endpoints(ctx: &RuleContext<'_>, f: &mut Findings<'_>) {
    let g = &ctx.config.governance;
    if !g.enabled || !g.grpc.enable_tls {
        return;
    }
    for (i, endpoint) in g.endpoints.iter().enumerate() {
        let plain = endpoint
            .url
            .get(..7)
            .is_some_and(|s| s.eq_ignore_ascii_case("http://"));
        if endpoint.enabled && plain {
            let key = format!("{}.url", indexed("governance.endpoints", i));
            let message = "is http:// but governance.grpc.enable_tls is true; use https:// or \
                           disable TLS";
            f.push(ctx.doubt(), key, message);
        }
    }
}

fn file_present(ctx: &RuleContext<'_>, f: &mut Findings<'_>, key: &str, path: Option<&Path>) {
    if let Some(path) = path.filter(|p| !p.is_file()) {
        f.push(
            ctx.doubt(),
            key,
            format!("{} does not exist or is not a file", path.display()),
        );
    }
}

/// Files named for TLS that are in use must exist (a doubt: the file may appear before start);
/// TLS that cannot work without a file must name it (an error everywhere).
fn check_tls_files(ctx: &RuleContext<'_>, f: &mut Findings<'_>) {
    let g = &ctx.config.governance;
    if g.enabled && g.grpc.enable_tls {
        let tls = &g.grpc.tls;
        for (name, path) in [
            ("ca_cert_file", &tls.ca_cert_file),
            ("client_cert_file", &tls.client_cert_file),
            ("client_key_file", &tls.client_key_file),
        ] {
            file_present(
                ctx,
                f,
                &format!("governance.grpc.tls.{name}"),
                path.as_deref(),
            );
        }
        if tls.client_cert_file.is_some() != tls.client_key_file.is_some() {
            let message = "client_cert_file and client_key_file must be set together";
            f.error("governance.grpc.tls.client_key_file", message);
        }
    }
    if g.enabled
        && matches!(g.auth.method, AuthMethod::Mtls {})
        && g.grpc.tls.client_cert_file.is_none()
    {
        let message = "auth method mtls needs governance.grpc.tls.client_cert_file";
        f.error("governance.auth.method", message);
    }

    let security = &ctx.config.system.security;
    if security.enable_tls {
        for (name, path) in [
            ("tls_cert_file", &security.tls_cert_file),
            ("tls_key_file", &security.tls_key_file),
            ("tls_ca_file", &security.tls_ca_file),
        ] {
            let key = format!("system.security.{name}");
            if path.is_none() && name != "tls_ca_file" {
                f.error(key, "must be set when system.security.enable_tls is true");
            } else {
                file_present(ctx, f, &key, path.as_deref());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::super::testing::{assert_one, hits};
    use crate::schema::{Environment, GovernanceEndpoint};
    use crate::validate::Severity::{Error, Warning};
    use crate::AlysConfig;

    fn endpoint(name: &str, url: &str, priority: u32) -> GovernanceEndpoint {
        GovernanceEndpoint {
            name: name.into(),
            url: url.into(),
            priority,
            ..Default::default()
        }
    }

    fn governed(endpoints: Vec<GovernanceEndpoint>) -> AlysConfig {
        let mut c = AlysConfig::default();
        c.governance.enabled = true;
        c.governance.endpoints = endpoints;
        c
    }

    #[test]
    fn distinct_endpoints_pass() {
        let c = governed(vec![
            endpoint("primary", "https://a.example", 1),
            endpoint("secondary", "https://b.example", 2),
        ]);
        for rule in [
            "governance.endpoint-identity",
            "governance.no-endpoint",
            "tls.files",
        ] {
            assert_eq!(hits(rule, &c), vec![], "{rule}");
        }
        assert_eq!(hits("governance.tls-endpoint", &c), vec![]);
    }

    #[test]
    fn rejects_duplicate_endpoint_name() {
        let c = governed(vec![
            endpoint("primary", "https://a.example", 1),
            endpoint("primary", "https://b.example", 2),
        ]);
        assert_one(
            "governance.endpoint-identity",
            &c,
            Error,
            "governance.endpoints[1].name",
        );
    }

    #[test]
    fn rejects_empty_endpoint_name() {
        let c = governed(vec![endpoint(" ", "https://a.example", 1)]);
        assert_one(
            "governance.endpoint-identity",
            &c,
            Error,
            "governance.endpoints[0].name",
        );
    }

    #[test]
    fn warns_on_duplicate_priority_among_enabled_endpoints_only() {
        let mut c = governed(vec![
            endpoint("a", "https://a.example", 1),
            endpoint("b", "https://b.example", 1),
        ]);
        let key = "governance.endpoints[1].priority";
        assert_one("governance.endpoint-identity", &c, Warning, key);
        c.governance.endpoints[1].enabled = false;
        assert_eq!(hits("governance.endpoint-identity", &c), vec![]);
    }

    #[test]
    fn rejects_enabled_governance_without_enabled_endpoint() {
        let mut c = governed(vec![endpoint("a", "https://a.example", 1)]);
        c.governance.endpoints[0].enabled = false;
        assert_one("governance.no-endpoint", &c, Error, "governance.endpoints");
        c.governance.enabled = false;
        assert_eq!(hits("governance.no-endpoint", &c), vec![]);
    }

    #[test]
    fn tls_towards_http_is_a_warning_in_development_and_an_error_in_production() {
        let mut c = governed(vec![endpoint("local", "http://localhost:9090", 1)]);
        let key = "governance.endpoints[0].url";
        assert_one("governance.tls-endpoint", &c, Warning, key);
        c.environment = Environment::Production;
        assert_one("governance.tls-endpoint", &c, Error, key);
        c.governance.grpc.enable_tls = false;
        assert_eq!(hits("governance.tls-endpoint", &c), vec![]);
    }

    #[test]
    fn missing_governance_tls_file_is_a_doubt() {
        let mut c = governed(vec![endpoint("a", "https://a.example", 1)]);
        c.governance.grpc.tls.ca_cert_file = Some(PathBuf::from("/nonexistent/ca.pem"));
        assert_one("tls.files", &c, Warning, "governance.grpc.tls.ca_cert_file");
        c.environment = Environment::Staging;
        assert_one("tls.files", &c, Error, "governance.grpc.tls.ca_cert_file");
    }

    #[test]
    fn present_tls_files_pass() {
        let dir = tempfile::tempdir().unwrap();
        let ca = dir.path().join("ca.pem");
        std::fs::write(&ca, "pem").unwrap();
        let mut c = governed(vec![endpoint("a", "https://a.example", 1)]);
        c.environment = Environment::Production;
        c.governance.grpc.tls.ca_cert_file = Some(ca);
        assert_eq!(hits("tls.files", &c), vec![]);
    }

    #[test]
    fn rejects_client_cert_without_key() {
        let dir = tempfile::tempdir().unwrap();
        let cert = dir.path().join("client.pem");
        std::fs::write(&cert, "pem").unwrap();
        let mut c = governed(vec![endpoint("a", "https://a.example", 1)]);
        c.governance.grpc.tls.client_cert_file = Some(cert);
        assert_one(
            "tls.files",
            &c,
            Error,
            "governance.grpc.tls.client_key_file",
        );
    }

    #[test]
    fn node_tls_needs_certificate_and_key() {
        let mut c = AlysConfig::default();
        c.system.security.enable_tls = true;
        c.system.security.tls_key_file = Some(PathBuf::from("/nonexistent/key.pem"));
        let mut found = hits("tls.files", &c);
        found.sort();
        assert_eq!(
            found,
            vec![
                (Error, "system.security.tls_cert_file".to_owned()),
                (Warning, "system.security.tls_key_file".to_owned()),
            ]
        );
    }
}
