//! Rules `url` (scheme and host of every URL) and `address` (contract and socket addresses),
//! with the hand-written URL parser they need.

use std::net::SocketAddr;

use super::indexed;
use crate::chain_spec::is_evm_address;
use crate::validate::{Findings, FnRule, Rule, RuleContext};

pub(super) fn rules() -> Vec<Box<dyn Rule>> {
    vec![
        Box::new(FnRule::new("url", check_urls)),
        Box::new(FnRule::new("address", check_addresses)),
    ]
}

const HTTP: &[&str] = &["http", "https"];
const HTTP_OR_WS: &[&str] = &["http", "https", "ws", "wss"];

/// The parts of a URL the rules look at.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct UrlParts<'a> {
    /// Lower-case scheme.
    pub(super) scheme: String,
    /// Host without brackets or port; never empty.
    pub(super) host: &'a str,
    /// Port, when written.
    pub(super) port: Option<u16>,
}

/// Parses `scheme://[user@]host[:port][/path]` far enough to judge it; the error says what is
/// wrong, in words that follow "the URL".
pub(super) fn parse_url(url: &str) -> Result<UrlParts<'_>, &'static str> {
    if url.trim().is_empty() {
        return Err("is empty");
    }
    if url.chars().any(char::is_whitespace) {
        return Err("contains whitespace");
    }
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err("has no scheme (such as `http://`)");
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    let (host, port) = if let Some(bracketed) = host_port.strip_prefix('[') {
        let (host, after) = bracketed
            .split_once(']')
            .ok_or("has an unclosed `[` in its host")?;
        match after {
            "" => (host, None),
            _ => (
                host,
                Some(
                    after
                        .strip_prefix(':')
                        .ok_or("has text after its IPv6 host")?,
                ),
            ),
        }
    } else {
        match host_port.split_once(':') {
            Some((_, port)) if port.contains(':') => return Err("has an IPv6 host without `[]`"),
            Some((host, port)) => (host, Some(port)),
            None => (host_port, None),
        }
    };
    if host.is_empty() {
        return Err("has no host");
    }
    let port = match port {
        None => None,
        Some(p) => Some(
            p.parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or("has an invalid port")?,
        ),
    };
    Ok(UrlParts {
        scheme: scheme.to_ascii_lowercase(),
        host,
        port,
    })
}

/// `url` with any `user:password@` replaced by `***@`, for messages.
pub(super) fn without_credentials(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..end].rfind('@') {
        Some(at) => format!("{scheme}://***@{}", &rest[at + 1..]),
        None => url.to_owned(),
    }
}

fn check_url(f: &mut Findings<'_>, key: &str, url: &str, schemes: &[&str]) {
    let shown = without_credentials(url);
    match parse_url(url) {
        Err(problem) => f.error(key, format!("`{shown}` {problem}")),
        Ok(parts) if !schemes.contains(&parts.scheme.as_str()) => {
            let expected = schemes.join(", ");
            f.error(
                key,
                format!(
                    "`{shown}` has scheme {}, expected one of {expected}",
                    parts.scheme
                ),
            )
        }
        Ok(_) => {}
    }
}

fn check_urls(ctx: &RuleContext<'_>, f: &mut Findings<'_>) {
    let c = ctx.config;
    check_url(f, "bridge.bitcoin_rpc_url", &c.bridge.bitcoin_rpc_url, HTTP);

    check_url(f, "execution.endpoint", &c.execution.endpoint, HTTP_OR_WS);
    if let Some(ws) = &c.execution.ws_endpoint {
        check_url(f, "execution.ws_endpoint", ws, &["ws", "wss"]);
    }
    for (i, url) in c.execution.fallback_endpoints.iter().enumerate() {
        check_url(
            f,
            &indexed("execution.fallback_endpoints", i),
            url,
            HTTP_OR_WS,
        );
    }

    for (i, endpoint) in c.governance.endpoints.iter().enumerate() {
        let key = format!("{}.url", indexed("governance.endpoints", i));
        check_url(f, &key, &endpoint.url, HTTP);
    }

    let refresh = &c.governance.auth.token_refresh;
    let key = "governance.auth.token_refresh.endpoint";
    match &refresh.endpoint {
        Some(url) => check_url(f, key, url, HTTP),
        None if refresh.enabled => f.error(key, "is required when token refresh is enabled"),
        None => {}
    }
}

fn check_socket_addr(f: &mut Findings<'_>, key: &str, addr: &str) {
    if addr.parse::<SocketAddr>().is_err() {
        f.error(
            key,
            format!("`{addr}` is not a socket address such as 127.0.0.1:9090"),
        );
    }
}

fn check_addresses(ctx: &RuleContext<'_>, f: &mut Findings<'_>) {
    let c = ctx.config;
    let contract = &c.bridge.bridge_contract_address;
    if !is_evm_address(contract) {
        let message = format!("`{contract}` is not an EVM address: 0x and 40 hex digits");
        f.error("bridge.bridge_contract_address", message);
    }
    check_socket_addr(f, "network.listen_addr", &c.network.listen_addr);
    check_socket_addr(f, "monitoring.bind_addr", &c.monitoring.bind_addr);
}

#[cfg(test)]
mod tests {
    use super::super::testing::{assert_one, hits, run};
    use super::*;
    use crate::schema::GovernanceEndpoint;
    use crate::validate::Severity::Error;
    use crate::AlysConfig;

    #[test]
    fn parses_hosts_ports_and_credentials() {
        let p = parse_url("https://user:pw@node.example:8545/rpc?x=1").unwrap();
        assert_eq!(
            (p.scheme.as_str(), p.host, p.port),
            ("https", "node.example", Some(8545))
        );
        let p = parse_url("WS://[::1]:8546").unwrap();
        assert_eq!(
            (p.scheme.as_str(), p.host, p.port),
            ("ws", "::1", Some(8546))
        );
        assert_eq!(parse_url("http://localhost").unwrap().port, None);
    }

    #[test]
    fn refuses_malformed_urls() {
        assert_eq!(parse_url(""), Err("is empty"));
        assert_eq!(
            parse_url("localhost:8545"),
            Err("has no scheme (such as `http://`)")
        );
        assert_eq!(parse_url("http://:8545"), Err("has no host"));
        assert_eq!(parse_url("http://host:99999"), Err("has an invalid port"));
        assert_eq!(parse_url("http://host:"), Err("has an invalid port"));
        assert_eq!(
            parse_url("http://[::1"),
            Err("has an unclosed `[` in its host")
        );
        assert_eq!(parse_url("http://a b"), Err("contains whitespace"));
    }

    #[test]
    fn messages_never_show_url_credentials() {
        assert_eq!(
            without_credentials("http://u:p@h:1/x@y"),
            "http://***@h:1/x@y"
        );
        assert_eq!(without_credentials("http://h/x"), "http://h/x");
        let mut c = AlysConfig::default();
        c.bridge.bitcoin_rpc_url = "ftp://rpcuser:hunter2@localhost:8332".into();
        let found = run("url", &c);
        assert_eq!(found.len(), 1);
        assert!(
            !found[0].message.contains("hunter2"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn default_urls_and_addresses_pass() {
        assert_eq!(hits("url", &AlysConfig::default()), vec![]);
        assert_eq!(hits("address", &AlysConfig::default()), vec![]);
    }

    #[test]
    fn rejects_governance_endpoint_without_host() {
        let mut c = AlysConfig::default();
        for url in ["https://a.example:443", "https://:443"] {
            c.governance.endpoints.push(GovernanceEndpoint {
                name: url.into(),
                url: url.into(),
                ..Default::default()
            });
        }
        assert_one("url", &c, Error, "governance.endpoints[1].url");
    }

    #[test]
    fn rejects_fallback_with_wrong_scheme() {
        let mut c = AlysConfig::default();
        c.execution.fallback_endpoints = vec!["wss://ok.example".into(), "tcp://host:1".into()];
        assert_one("url", &c, Error, "execution.fallback_endpoints[1]");
    }

    #[test]
    fn rejects_bitcoin_rpc_over_websocket() {
        let mut c = AlysConfig::default();
        c.bridge.bitcoin_rpc_url = "ws://localhost:8332".into();
        assert_one("url", &c, Error, "bridge.bitcoin_rpc_url");
    }

    #[test]
    fn requires_token_refresh_endpoint_when_enabled() {
        let mut c = AlysConfig::default();
        c.governance.auth.token_refresh.enabled = true;
        assert_one("url", &c, Error, "governance.auth.token_refresh.endpoint");
        c.governance.auth.token_refresh.endpoint = Some("https://gov.example/refresh".into());
        assert_eq!(hits("url", &c), vec![]);
    }

    #[test]
    fn rejects_short_contract_address() {
        let mut c = AlysConfig::default();
        c.bridge.bridge_contract_address = "0xbBbB".into();
        assert_one("address", &c, Error, "bridge.bridge_contract_address");
    }

    #[test]
    fn rejects_socket_address_without_port() {
        let mut c = AlysConfig::default();
        c.monitoring.bind_addr = "127.0.0.1".into();
        assert_one("address", &c, Error, "monitoring.bind_addr");
        c.monitoring.bind_addr = "[::1]:9090".into();
        c.network.listen_addr = "localhost:30303".into();
        assert_one("address", &c, Error, "network.listen_addr");
    }
}
