//! The admin API's client, as `alys-node ctl` uses it: finds the node through the files its
//! server left in the data directory and sends the token from there.

use std::path::{Path, PathBuf};
use std::time::Duration;

use http::header::{HeaderValue, AUTHORIZATION};
use jsonrpsee::core::client::{ClientT, Error as ClientError};
use jsonrpsee::core::params::ObjectParams;
use jsonrpsee_http_client::{HeaderMap, HttpClient};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::api::{ConfigAtReply, DiffReply, HistoryEntry, HistoryParams, StatusReply};
use super::token::{read_addr, Token};
use super::{AdminError, ADDR_FILE, TOKEN_FILE};
use crate::reload::command::Outcome;

/// Limit for `admin_status`: it answers from memory, so a slow answer means trouble.
const STATUS_TIMEOUT: Duration = Duration::from_secs(10);
/// Limit for `admin_config_at`, `admin_history` and `admin_diff`, which replay the log.
const READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Limit for `admin_reload` and `admin_rollback`: they queue behind a reload in progress and
/// wait for every affected actor to acknowledge.
const RELOAD_TIMEOUT: Duration = Duration::from_secs(120);
/// Limit for `admin_confirm`, which queues behind a reload in progress too.
const CONFIRM_TIMEOUT: Duration = Duration::from_secs(60);

/// A connection to one node's admin API.
#[derive(Debug)]
pub struct AdminClient {
    client: HttpClient,
    addr: String,
    token_file: PathBuf,
}

impl AdminClient {
    /// Reads `admin.addr` and `admin.token` in `data_dir` and prepares a client; nothing is sent
    /// yet. [`AdminError::NotRunning`] when the address file is absent.
    pub fn for_data_dir(data_dir: &Path) -> Result<AdminClient, AdminError> {
        let addr = read_addr(&data_dir.join(ADDR_FILE))?;
        let token_file = data_dir.join(TOKEN_FILE);
        let token = Token::read(&token_file)?;

        let mut headers = HeaderMap::new();
        let value = HeaderValue::from_str(&format!("Bearer {}", token.as_str())).map_err(|e| {
            AdminError::File {
                path: token_file.clone(),
                what: "admin token is not a valid header value",
                source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
            }
        })?;
        headers.insert(AUTHORIZATION, value);

        let client = HttpClient::builder()
            .set_headers(headers)
            .request_timeout(RELOAD_TIMEOUT)
            .build(format!("http://{addr}"))
            .map_err(|source| AdminError::Unreachable {
                addr: addr.clone(),
                source,
            })?;
        Ok(AdminClient {
            client,
            addr,
            token_file,
        })
    }

    /// The address read from `admin.addr`.
    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// `admin_status`.
    pub async fn status(&self) -> Result<StatusReply, AdminError> {
        self.call("admin_status", ObjectParams::new(), STATUS_TIMEOUT)
            .await
    }

    /// `admin_config_at`; the head when `offset` is `None`.
    pub async fn config_at(&self, offset: Option<u64>) -> Result<ConfigAtReply, AdminError> {
        let mut params = ObjectParams::new();
        insert(&mut params, "offset", offset);
        self.call("admin_config_at", params, READ_TIMEOUT).await
    }

    /// `admin_history`.
    pub async fn history(&self, query: &HistoryParams) -> Result<Vec<HistoryEntry>, AdminError> {
        let mut params = ObjectParams::new();
        insert(&mut params, "from", query.from);
        insert(&mut params, "to", query.to);
        insert(&mut params, "kind", query.kind.as_deref());
        insert(&mut params, "limit", query.limit);
        self.call("admin_history", params, READ_TIMEOUT).await
    }

    /// `admin_diff` from the config active at `a` to the one active at `b`.
    pub async fn diff(&self, a: u64, b: u64) -> Result<DiffReply, AdminError> {
        let mut params = ObjectParams::new();
        insert(&mut params, "a", Some(a));
        insert(&mut params, "b", Some(b));
        self.call("admin_diff", params, READ_TIMEOUT).await
    }

    /// `admin_reload`, with a confirmation window such as `"5m"` when given.
    pub async fn reload(&self, confirm_within: Option<&str>) -> Result<Outcome, AdminError> {
        let mut params = ObjectParams::new();
        insert(&mut params, "confirm_within", confirm_within);
        self.call("admin_reload", params, RELOAD_TIMEOUT).await
    }

    /// `admin_rollback`; the server refuses anything but exactly one of `to` and `steps`.
    pub async fn rollback(
        &self,
        to: Option<u64>,
        steps: Option<u32>,
    ) -> Result<Outcome, AdminError> {
        let mut params = ObjectParams::new();
        insert(&mut params, "to", to);
        insert(&mut params, "steps", steps);
        self.call("admin_rollback", params, RELOAD_TIMEOUT).await
    }

    /// `admin_confirm`; returns the confirmed revision.
    pub async fn confirm(&self) -> Result<u64, AdminError> {
        self.call("admin_confirm", ObjectParams::new(), CONFIRM_TIMEOUT)
            .await
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: &'static str,
        params: ObjectParams,
        timeout: Duration,
    ) -> Result<T, AdminError> {
        tracing::debug!(target: "alys_node::admin", method, addr = %self.addr, "admin call");
        let answer = tokio::time::timeout(timeout, self.client.request(method, params)).await;
        match answer {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(self.classify(method, timeout, error)),
            Err(_) => Err(AdminError::Timeout {
                addr: self.addr.clone(),
                method,
                timeout,
            }),
        }
    }

    fn classify(&self, method: &'static str, timeout: Duration, error: ClientError) -> AdminError {
        match error {
            ClientError::Call(object) => AdminError::Rpc {
                method,
                code: object.code(),
                message: object.message().to_owned(),
            },
            ClientError::RequestTimeout => AdminError::Timeout {
                addr: self.addr.clone(),
                method,
                timeout,
            },
            ClientError::Transport(ref source) if is_unauthorized(source.as_ref()) => {
                AdminError::Unauthorized {
                    addr: self.addr.clone(),
                    path: self.token_file.clone(),
                }
            }
            source => AdminError::Unreachable {
                addr: self.addr.clone(),
                source,
            },
        }
    }
}

/// Adds `name` only when there is a value, so the server applies its own default otherwise.
fn insert<T: Serialize>(params: &mut ObjectParams, name: &str, value: Option<T>) {
    if let Some(value) = value {
        // Serialising an integer or a string into the params buffer cannot fail.
        let _ = params.insert(name, value);
    }
}

fn is_unauthorized(error: &(dyn std::error::Error + Send + Sync + 'static)) -> bool {
    matches!(
        error.downcast_ref::<jsonrpsee_http_client::transport::Error>(),
        Some(jsonrpsee_http_client::transport::Error::Rejected { status_code: 401 })
    )
}
