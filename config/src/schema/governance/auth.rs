//! `[governance.auth]`: how the node authenticates to the governance network.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::Secret;

/// Authentication towards the governance network.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// Credentials sent with every call. Default: none.
    pub method: AuthMethod,
    /// Periodic renewal of the token.
    pub token_refresh: TokenRefreshConfig,
}

/// Credentials sent with every call, written inline:
/// `method = { type = "jwt", token = "${GOVERNANCE_JWT_TOKEN}" }`. Variants without parameters
/// have empty braces so that a stray key next to their `type` is an error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum AuthMethod {
    /// No credentials.
    None {},
    /// A bearer JWT in a request header.
    Jwt {
        /// The token. Secret.
        token: Secret,
        /// Header carrying `Bearer <token>`. Default: `authorization`.
        #[serde(default = "default_jwt_header")]
        header: String,
    },
    /// A static API key in a request header.
    ApiKey {
        /// The key. Secret.
        key: Secret,
        /// Header carrying the key. Default: `x-api-key`.
        #[serde(default = "default_api_key_header")]
        header: String,
    },
    /// The TLS client certificate of `governance.grpc.tls` is the credential.
    Mtls {},
}

impl Default for AuthMethod {
    fn default() -> Self {
        AuthMethod::None {}
    }
}

fn default_jwt_header() -> String {
    "authorization".to_owned()
}

fn default_api_key_header() -> String {
    "x-api-key".to_owned()
}

/// Periodic renewal of the auth token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TokenRefreshConfig {
    /// Renew the token. Default: false.
    pub enabled: bool,
    /// Time between renewals. Default: 1h.
    #[serde(with = "humantime_serde")]
    pub interval: Duration,
    /// `https://` URL that issues new tokens. `None`: the token is never renewed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// Refresh credential presented to `endpoint`. Secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<Secret>,
}

impl Default for TokenRefreshConfig {
    fn default() -> Self {
        TokenRefreshConfig {
            enabled: false,
            interval: Duration::from_secs(3600),
            endpoint: None,
            credentials: None,
        }
    }
}
