//! `secret.empty`: a credential that is set but empty. It is never intended (usually a
//! `${VAR}` whose variable is set to nothing), so it is an error in every environment; a
//! secret left unset is judged by the rules of its section, not here.

use crate::schema::governance::AuthMethod;
use crate::validate::{Findings, FnRule, Rule, RuleContext};
use crate::Secret;

pub(super) fn rules() -> Vec<Box<dyn Rule>> {
    vec![Box::new(FnRule::new("secret.empty", check_empty_secrets))]
}

fn is_empty(secret: &Secret) -> bool {
    secret.expose().trim().is_empty()
}

fn check_empty_secrets(ctx: &RuleContext<'_>, f: &mut Findings<'_>) {
    let config = ctx.config;

    // Credentials the selected method sends with every call.
    match &config.governance.auth.method {
        AuthMethod::Jwt { token, .. } if is_empty(token) => f.error(
            "governance.auth.method.token",
            "is empty, but auth method jwt sends it as the bearer token",
        ),
        AuthMethod::ApiKey { key, .. } if is_empty(key) => f.error(
            "governance.auth.method.key",
            "is empty, but auth method api_key sends it as the key",
        ),
        _ => {}
    }
    let bridge = &config.bridge;
    if bridge.bitcoin_rpc_user.is_some()
        && bridge.bitcoin_rpc_password.as_ref().is_some_and(is_empty)
    {
        f.error(
            "bridge.bitcoin_rpc_password",
            "is empty, but bridge.bitcoin_rpc_user is set and logs in with it",
        );
    }

    // Optional secrets: unset means unused, so set and empty is a slip.
    let security = &config.system.security;
    for (key, secret) in [
        (
            "governance.auth.token_refresh.credentials",
            &config.governance.auth.token_refresh.credentials,
        ),
        ("execution.jwt_secret", &config.execution.jwt_secret),
        ("system.security.api_key", &security.api_key),
        ("system.security.jwt_secret", &security.jwt_secret),
    ] {
        if secret.as_ref().is_some_and(is_empty) {
            f.error(key, "is set but empty; give the value or leave the key out");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{assert_one, hits};
    use crate::schema::governance::AuthMethod;
    use crate::schema::Environment;
    use crate::validate::Severity::Error;
    use crate::{AlysConfig, Secret};

    const RULE: &str = "secret.empty";

    #[test]
    fn defaults_with_every_secret_unset_pass() {
        assert_eq!(hits(RULE, &AlysConfig::default()), vec![]);
    }

    #[test]
    fn empty_jwt_token_and_api_key_are_errors_in_every_environment() {
        for environment in [Environment::Development, Environment::Production] {
            let mut c = AlysConfig {
                environment,
                ..AlysConfig::default()
            };
            c.governance.auth.method = AuthMethod::Jwt {
                token: Secret::new(""),
                header: "authorization".into(),
            };
            assert_one(RULE, &c, Error, "governance.auth.method.token");
            c.governance.auth.method = AuthMethod::ApiKey {
                key: Secret::new(" "),
                header: "x-api-key".into(),
            };
            assert_one(RULE, &c, Error, "governance.auth.method.key");
            c.governance.auth.method = AuthMethod::ApiKey {
                key: Secret::new("k"),
                header: "x-api-key".into(),
            };
            assert_eq!(hits(RULE, &c), vec![]);
        }
    }

    #[test]
    fn empty_bitcoin_rpc_password_is_an_error_only_with_a_user() {
        let mut c = AlysConfig::default();
        c.bridge.bitcoin_rpc_password = Some(Secret::new(""));
        assert_eq!(hits(RULE, &c), vec![]);
        c.bridge.bitcoin_rpc_user = Some("alys".into());
        assert_one(RULE, &c, Error, "bridge.bitcoin_rpc_password");
        c.bridge.bitcoin_rpc_password = None;
        assert_eq!(hits(RULE, &c), vec![]);
    }

    #[test]
    fn other_secrets_set_but_empty_are_errors() {
        let mut c = AlysConfig::default();
        c.governance.auth.token_refresh.credentials = Some(Secret::new(""));
        c.execution.jwt_secret = Some(Secret::new(""));
        c.system.security.api_key = Some(Secret::new(""));
        c.system.security.jwt_secret = Some(Secret::new("s"));
        assert_eq!(
            hits(RULE, &c),
            vec![
                (Error, "governance.auth.token_refresh.credentials".into()),
                (Error, "execution.jwt_secret".into()),
                (Error, "system.security.api_key".into()),
            ]
        );
    }
}
