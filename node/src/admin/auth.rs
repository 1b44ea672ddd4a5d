//! The HTTP layer in front of every admin method: a request without the node's bearer token gets
//! HTTP 401 before jsonrpsee parses its body.
//!
//! Checking at the HTTP level rather than per method means a method added later cannot forget
//! the check, and an unauthenticated caller learns nothing about which methods exist.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::header::{HeaderValue, AUTHORIZATION, WWW_AUTHENTICATE};
use http::StatusCode;
use jsonrpsee::core::BoxError;
use jsonrpsee::server::{HttpBody, HttpRequest, HttpResponse};
use tower::{Layer, Service};

use super::token::Token;

/// Wraps the jsonrpsee service in [`BearerAuth`].
#[derive(Debug, Clone)]
pub(crate) struct BearerAuthLayer {
    token: Arc<Token>,
}

impl BearerAuthLayer {
    /// Accepts only requests carrying `token`.
    pub(crate) fn new(token: Token) -> Self {
        BearerAuthLayer {
            token: Arc::new(token),
        }
    }
}

impl<S> Layer<S> for BearerAuthLayer {
    type Service = BearerAuth<S>;

    fn layer(&self, inner: S) -> Self::Service {
        BearerAuth {
            inner,
            token: self.token.clone(),
        }
    }
}

/// Passes a request on only when its `Authorization` header is `Bearer <token>` (the scheme in
/// any case).
#[derive(Debug, Clone)]
pub(crate) struct BearerAuth<S> {
    inner: S,
    token: Arc<Token>,
}

impl<S, B> Service<HttpRequest<B>> for BearerAuth<S>
where
    S: Service<HttpRequest<B>, Response = HttpResponse>,
    S::Error: Into<BoxError>,
    S::Future: Send + 'static,
{
    type Response = HttpResponse;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, request: HttpRequest<B>) -> Self::Future {
        let presented = request
            .headers()
            .get(AUTHORIZATION)
            .and_then(|value| bearer_token(value.as_bytes()));
        let authorized = presented.is_some_and(|token| self.token.matches(token));
        if !authorized {
            tracing::debug!(
                target: "alys_node::admin",
                header_present = presented.is_some(),
                "admin request refused: missing or wrong bearer token"
            );
            return Box::pin(std::future::ready(Ok(unauthorized())));
        }

        let response = self.inner.call(request);
        Box::pin(async move { response.await.map_err(Into::into) })
    }
}

/// The credentials of an `Authorization: Bearer <token>` header value. The scheme name is
/// case-insensitive (RFC 9110, section 11.1), so `bearer` and `BEARER` count too; the token is
/// returned as sent and compared exactly.
fn bearer_token(value: &[u8]) -> Option<&[u8]> {
    const SCHEME: &[u8] = b"bearer";
    let (scheme, rest) = value.split_at_checked(SCHEME.len())?;
    if !scheme.eq_ignore_ascii_case(SCHEME) || rest.first() != Some(&b' ') {
        return None;
    }
    let token = rest.trim_ascii_start();
    (!token.is_empty()).then_some(token)
}

/// The 401 answer, naming the scheme as RFC 6750 asks.
fn unauthorized() -> HttpResponse {
    let mut response = HttpResponse::new(HttpBody::from(
        "admin API: missing or wrong bearer token (see <data_dir>/admin.token)\n",
    ));
    *response.status_mut() = StatusCode::UNAUTHORIZED;
    response
        .headers_mut()
        .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_scheme_is_case_insensitive_and_the_token_is_kept_as_sent() {
        assert_eq!(bearer_token(b"Bearer abc"), Some(&b"abc"[..]));
        assert_eq!(bearer_token(b"bearer abc"), Some(&b"abc"[..]));
        assert_eq!(bearer_token(b"BEARER  ABC"), Some(&b"ABC"[..]));
        assert_eq!(bearer_token(b"Bearerabc"), None);
        assert_eq!(bearer_token(b"Bearer "), None);
        assert_eq!(bearer_token(b"Basic abc"), None);
        assert_eq!(bearer_token(b"Bear"), None);
    }
}
