//! Sending requests: the access token, the rate limiter, retries with backoff, and the mapping
//! of every failure to an [`Error`] a user can act on. Everything above this module deals in
//! JSON values and never sees an HTTP status.

use std::future::Future;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::{Response, StatusCode};
use serde_json::Value;
use url::Url;

use crate::auth::{Token, TokenCache, TokenResponse};
use crate::config::ValidConfig;
use crate::endpoint::Endpoint;
use crate::error::{server_message, Error, ErrorKind, Result};
use crate::per_key;
use crate::rate_limit::RateLimiter;
use crate::retry;

const USER_AGENT: &str = concat!("hotjar-client/", env!("CARGO_PKG_VERSION"));

/// Counters of what a client has sent, for summaries and tests.
#[derive(Debug, Default)]
pub struct TransportStats {
    pub requests: AtomicU64,
    pub retries: AtomicU64,
    pub token_requests: AtomicU64,
}

/// Whether a POST may be sent again when the first try failed.
///
/// A GET is always safe to repeat. A POST is not, in general: the server may have acted on it
/// and failed only to answer. The retry policy of each POST is therefore chosen by what a
/// second copy would do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resend {
    /// A second copy changes nothing (a deletion: what is deleted stays deleted). Retried like
    /// a GET: 408, 429, 5xx and network errors.
    Idempotent,
    /// A second copy would act again (a lookup emails the data subject a report). Retried only
    /// when the server certainly did not act on it: 408, 429 and 503 (refused before any
    /// work), a connection that was never made, and a 401 before fetching a new token. After
    /// a 500, 502, 504, a timeout or a broken connection the error is returned, saying so.
    OnlyIfUnprocessed,
}

/// 408 (the request never arrived whole), 429 (refused by the limit), 503 (not accepting work).
fn certainly_unprocessed(status: Option<u16>) -> bool {
    matches!(status, Some(408 | 429 | 503))
}

#[derive(Debug)]
pub struct Transport {
    http: reqwest::Client,
    config: ValidConfig,
    /// Shared with every client of the same key in the process (see `per_key`).
    tokens: Arc<TokenCache>,
    limiter: Option<Arc<RateLimiter>>,
    pub stats: TransportStats,
}

impl Transport {
    pub(crate) fn new(config: ValidConfig) -> Result<Self> {
        let http = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(15)))
            // The API never redirects; following one could carry the request to another host.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| {
                Error::new(
                    ErrorKind::Transport,
                    format!("Could not set up the HTTP client: {}", error_chain(&e)),
                )
            })?;
        Ok(Self {
            http,
            limiter: config
                .requests_per_minute
                .map(|rpm| per_key::limiter(config.base_url.as_str(), &config.client_id, rpm)),
            tokens: per_key::token_cache(
                config.base_url.as_str(),
                &config.client_id,
                config.client_secret.expose(),
            ),
            config,
            stats: TransportStats::default(),
        })
    }

    pub fn base_url(&self) -> &Url {
        &self.config.base_url
    }

    pub fn client_id(&self) -> &str {
        &self.config.client_id
    }

    fn url(&self, endpoint: &Endpoint) -> Url {
        let mut url = self.config.base_url.clone();
        let prefix = url.path().trim_end_matches('/').to_string();
        url.set_path(&format!("{prefix}{}", endpoint.path()));
        url
    }

    /// The current access token, exchanging the credentials when there is none or it is about
    /// to expire.
    pub async fn token(&self) -> Result<Token> {
        self.tokens.get(|| self.request_token()).await
    }

    /// A token and a free slot of the rate limit: what each request waits for.
    async fn ready_to_send(&self) -> Result<Token> {
        // The token request has its own retries; retrying it again out here would multiply
        // them.
        let token = self.token().await.map_err(|e| e.retryable(false))?;
        self.wait_for_slot().await;
        self.stats.requests.fetch_add(1, Ordering::Relaxed);
        Ok(token)
    }

    /// After a 401: drops the refused token, so that the next try fetches a new one.
    async fn forget_refused_token(&self, method: &str, url: &Url, token: &Token) {
        log::info!(
            "the API refused the access token (HTTP 401 on {method} {}); fetching a new one",
            url.path()
        );
        self.tokens.invalidate(token).await;
    }

    /// Always exchanges the credentials, even when a token is cached.
    pub async fn fresh_token(&self) -> Result<Token> {
        self.tokens.clear().await;
        self.token().await
    }

    /// GET a JSON body, retrying what is worth retrying.
    pub async fn get_json(&self, endpoint: &Endpoint, query: &[(&str, &str)]) -> Result<Value> {
        self.get(endpoint, query, |body| parse_json(&body, endpoint))
            .await
    }

    /// GET a body and decode it with `decode`, retrying what is worth retrying (a decode error
    /// marked retryable, such as JSON cut short, fetches again).
    pub async fn get<T>(
        &self,
        endpoint: &Endpoint,
        query: &[(&str, &str)],
        decode: impl Fn(Bytes) -> Result<T>,
    ) -> Result<T> {
        let url = self.url(endpoint);
        let attempts = AtomicU32::new(0);
        self.with_retries(|| async {
            let attempt = attempts.fetch_add(1, Ordering::Relaxed) + 1;
            let body = self.get_once(endpoint, &url, query, attempt).await?;
            decode(body)
        })
        .await
    }

    async fn get_once(
        &self,
        endpoint: &Endpoint,
        url: &Url,
        query: &[(&str, &str)],
        attempt: u32,
    ) -> Result<Bytes> {
        let mut refreshed = false;
        loop {
            let token = self.ready_to_send().await?;
            let started = Instant::now();
            let exchange = Exchange {
                method: "GET",
                url,
                query,
                started,
                attempt,
            };
            let response = self
                .http
                .get(url.clone())
                .query(query)
                .bearer_auth(token.secret())
                .send()
                .await
                .map_err(|e| exchange.failed(self.network_error(&e, endpoint), &e))?;
            if response.status() == StatusCode::UNAUTHORIZED && !refreshed {
                // The token may have been revoked or expired early: one new token, one more try.
                exchange.answered(response.status());
                self.forget_refused_token("GET", url, &token).await;
                refreshed = true;
                continue;
            }
            let status = response.status();
            let body = self.read_body(response, endpoint, Some(&token)).await;
            exchange.answered(status);
            return body;
        }
    }

    /// POST a JSON body; returns the 2xx status and the body. `resend` decides which failures
    /// are tried again (see [`Resend`]); `scrub` rewrites every error before it is logged or
    /// returned (to mask personal data a server may echo).
    pub async fn post_json(
        &self,
        endpoint: &Endpoint,
        body: &Value,
        resend: Resend,
        scrub: impl Fn(Error) -> Error,
    ) -> Result<(u16, Bytes)> {
        let url = self.url(endpoint);
        let payload = Bytes::from(serde_json::to_vec(body).map_err(|e| {
            Error::config(format!(
                "{}: the body could not be encoded: {e}",
                endpoint.describe()
            ))
        })?);
        let attempts = AtomicU32::new(0);
        self.with_retries(|| async {
            let attempt = attempts.fetch_add(1, Ordering::Relaxed) + 1;
            self.post_once(endpoint, &url, payload.clone(), resend, attempt)
                .await
                .map_err(&scrub)
        })
        .await
    }

    async fn post_once(
        &self,
        endpoint: &Endpoint,
        url: &Url,
        payload: Bytes,
        resend: Resend,
        attempt: u32,
    ) -> Result<(u16, Bytes)> {
        let mut refreshed = false;
        loop {
            let token = self.ready_to_send().await?;
            // The body (an email address, user ids) is never logged.
            let exchange = Exchange {
                method: "POST",
                url,
                query: &[],
                started: Instant::now(),
                attempt,
            };
            let sent = self
                .http
                .post(url.clone())
                .header(
                    reqwest::header::CONTENT_TYPE,
                    "application/json; charset=utf-8",
                )
                .bearer_auth(token.secret())
                .body(payload.clone())
                .send()
                .await;
            let response = match sent {
                Ok(response) => response,
                Err(e) => {
                    let error = exchange.failed(self.network_error(&e, endpoint), &e);
                    return Err(if resend == Resend::Idempotent || e.is_connect() {
                        error
                    } else {
                        not_resent(error)
                    });
                }
            };
            let status = response.status();
            exchange.answered(status);
            if status == StatusCode::UNAUTHORIZED && !refreshed {
                // Refused before any work was done: a new token and one more try is safe.
                self.forget_refused_token("POST", url, &token).await;
                refreshed = true;
                continue;
            }
            if status.is_success() {
                // The server has accepted; a body cut short changes nothing about that (and
                // the API documents no body to read).
                let body = response.bytes().await.unwrap_or_default();
                return Ok((status.as_u16(), body));
            }
            let error = self.failure(response, endpoint, Some(&token)).await;
            return Err(
                if resend == Resend::OnlyIfUnprocessed
                    && error.retryable
                    && !certainly_unprocessed(error.status())
                {
                    not_resent(error)
                } else {
                    error
                },
            );
        }
    }

    /// The body of a 2xx answer, or the error for any other.
    async fn read_body(
        &self,
        response: Response,
        endpoint: &Endpoint,
        token: Option<&Token>,
    ) -> Result<Bytes> {
        if response.status().is_success() {
            return response
                .bytes()
                .await
                .map_err(|e| self.network_error(&e, endpoint));
        }
        Err(self.failure(response, endpoint, token).await)
    }

    /// The error for a non-2xx answer (its body read for the server's message).
    async fn failure(
        &self,
        response: Response,
        endpoint: &Endpoint,
        token: Option<&Token>,
    ) -> Error {
        let status = response.status();
        let retry_after = retry::retry_after(response.headers());
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        match response.bytes().await {
            Ok(body) => self.status_error(endpoint, status, retry_after, location, &body, token),
            Err(e) => self.network_error(&e, endpoint),
        }
    }

    /// Maps a non-2xx answer of the API to an error, saying what to do about it.
    fn status_error(
        &self,
        endpoint: &Endpoint,
        status: StatusCode,
        retry_after: Option<Duration>,
        location: Option<String>,
        body: &[u8],
        token: Option<&Token>,
    ) -> Error {
        let code = status.as_u16();
        let said = server_message(body)
            .map(|m| format!(" Hotjar said: {}", self.redact(&m, token)))
            .unwrap_or_default();
        let what = endpoint.describe();
        let (kind, advice, retryable) = match code {
            300..=399 => (
                ErrorKind::InvalidResponse,
                format!(
                    "the server redirected to {}; the Hotjar API does not redirect, so base_url \
                     ({}) is probably wrong.",
                    location.as_deref().unwrap_or("another address"),
                    self.config.base_url.as_str().trim_end_matches('/')
                ),
                false,
            ),
            401 => (
                ErrorKind::Authentication,
                "Hotjar refused the access token, even a newly fetched one. The API key may have \
                 been revoked or deleted, or it expired (keys last one year). Create a new key \
                 in Hotjar under Settings > API."
                    .to_string(),
                false,
            ),
            403 => (
                ErrorKind::PermissionDenied,
                endpoint.forbidden_hint(),
                false,
            ),
            404 => (ErrorKind::NotFound, endpoint.not_found_hint(), false),
            408 => (
                ErrorKind::Transport,
                "the server timed out waiting for the request.".to_string(),
                true,
            ),
            429 => (
                ErrorKind::RateLimited,
                match retry_after {
                    Some(wait) if wait > self.config.retry.max_retry_after => format!(
                        "Hotjar's rate limit (3000 requests a minute per key or IP address) was \
                         hit and the server asked to wait {} s, longer than this client waits on \
                         its own. Try again later, or lower requests_per_minute if other \
                         programs use the same key.",
                        wait.as_secs()
                    ),
                    _ => "Hotjar's rate limit (3000 requests a minute per key or IP address) was \
                          still hit after every retry. Other programs may be using the same key \
                          or IP address: lower requests_per_minute, or try again in a minute."
                        .to_string(),
                },
                true,
            ),
            501 | 505 => (
                ErrorKind::Server,
                "the server does not support this request.".to_string(),
                false,
            ),
            500..=599 => (
                ErrorKind::Server,
                "Hotjar's servers kept failing after every retry; this is on Hotjar's side. Try \
                 again later."
                    .to_string(),
                true,
            ),
            _ => (ErrorKind::BadRequest, endpoint.bad_request_hint(), false),
        };
        Error::new(kind, format!("{what} failed (HTTP {code}): {advice}{said}"))
            .with_status(code)
            .with_retry_after(retry_after)
            .retryable(retryable)
    }

    /// Exchanges the credentials for a token: form-encoded, as OAuth requires. 400, 401 and 403
    /// are final (retrying a bad key cannot help); 429, 5xx and network errors are retried.
    async fn request_token(&self) -> Result<TokenResponse> {
        let endpoint = Endpoint::Token;
        let url = self.url(&endpoint);
        let attempts = AtomicU32::new(0);
        self.with_retries(|| async {
            let attempt = attempts.fetch_add(1, Ordering::Relaxed) + 1;
            self.wait_for_slot().await;
            self.stats.token_requests.fetch_add(1, Ordering::Relaxed);
            self.stats.requests.fetch_add(1, Ordering::Relaxed);
            // The form (client id and secret) is a body, and bodies are never logged.
            let exchange = Exchange {
                method: "POST",
                url: &url,
                query: &[],
                started: Instant::now(),
                attempt,
            };
            let form = [
                ("grant_type", "client_credentials"),
                ("client_id", self.config.client_id.as_str()),
                ("client_secret", self.config.client_secret.expose()),
            ];
            let response = self
                .http
                .post(url.clone())
                .form(&form)
                .send()
                .await
                .map_err(|e| exchange.failed(self.network_error(&e, &endpoint), &e))?;
            let status = response.status();
            exchange.answered(status);
            if matches!(status.as_u16(), 400 | 401 | 403) {
                let body = response.bytes().await.unwrap_or_default();
                return Err(self.credentials_refused(status.as_u16(), &body));
            }
            let body = self.read_body(response, &endpoint, None).await?;
            TokenResponse::from_value(parse_json(&body, &endpoint)?)
        })
        .await
    }

    fn credentials_refused(&self, status: u16, body: &[u8]) -> Error {
        let said = server_message(body)
            .map(|m| format!(" Hotjar said: {}", self.redact(&m, None)))
            .unwrap_or_default();
        Error::new(
            ErrorKind::Authentication,
            format!(
                "Hotjar refused the API key (HTTP {status}).{said} The key may have expired (keys \
                 last one year and cannot be extended), may have been deleted, or the client ID \
                 or secret was copied with stray characters. Check both values, or create a new \
                 key in Hotjar under Settings > API (an organization Admin can)."
            ),
        )
        .with_status(status)
    }

    /// Runs `attempt` under the client's retry policy, counting the retries.
    async fn with_retries<T, F, Fut>(&self, attempt: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        self.config
            .retry
            .run(attempt, || {
                self.stats.retries.fetch_add(1, Ordering::Relaxed);
            })
            .await
    }

    async fn wait_for_slot(&self) {
        if let Some(limiter) = &self.limiter {
            limiter.acquire().await;
        }
    }

    fn network_error(&self, error: &reqwest::Error, endpoint: &Endpoint) -> Error {
        let host = self.config.base_url.host_str().unwrap_or("the server");
        let what = endpoint.describe();
        let message = if error.is_timeout() {
            format!(
                "{what} failed: no answer from {host} within {} s. The network or Hotjar may be \
                 slow; raise timeout= if this keeps happening.",
                self.config.timeout.as_secs_f64()
            )
        } else if error.is_connect() {
            format!(
                "{what} failed: could not connect to {host} ({}). Check the network, any proxy, \
                 and base_url.",
                error_chain(error)
            )
        } else {
            format!(
                "{what} failed: the connection to {host} broke ({}).",
                error_chain(error)
            )
        };
        Error::new(ErrorKind::Transport, message).retryable(true)
    }

    /// Removes the secret and the token from text that came from the server.
    fn redact(&self, text: &str, token: Option<&Token>) -> String {
        let mut text = text.replace(self.config.client_secret.expose(), "***");
        if let Some(token) = token {
            text = text.replace(token.secret(), "***");
        }
        text
    }
}

/// One HTTP exchange as the request log shows it (target `hotjar_client::transport`, DEBUG):
/// method, path, the query (a cursor shortened), status, time and attempt. Never a header or a
/// body, so never a token, the secret or an email address.
struct Exchange<'a> {
    method: &'static str,
    url: &'a Url,
    query: &'a [(&'a str, &'a str)],
    started: Instant,
    attempt: u32,
}

impl Exchange<'_> {
    fn answered(&self, status: StatusCode) {
        log::debug!(
            "{} {} -> {} in {} ms (attempt {})",
            self.method,
            self.target(),
            status.as_u16(),
            self.started.elapsed().as_millis(),
            self.attempt
        );
    }

    /// Logs a request that got no answer, and hands `error` back.
    fn failed(&self, error: Error, cause: &reqwest::Error) -> Error {
        let what = if cause.is_timeout() {
            "timed out"
        } else if cause.is_connect() {
            "could not connect"
        } else {
            "connection broke"
        };
        log::debug!(
            "{} {} -> {what} after {} ms (attempt {})",
            self.method,
            self.target(),
            self.started.elapsed().as_millis(),
            self.attempt
        );
        error
    }

    fn target(&self) -> String {
        let mut text = self.url.path().to_string();
        for (i, (key, value)) in self.query.iter().enumerate() {
            text.push(if i == 0 { '?' } else { '&' });
            text.push_str(key);
            text.push('=');
            // Cursors are opaque and long; their start is enough to tell pages apart.
            match value.char_indices().nth(12) {
                Some((cut, _)) if *key == "cursor" => {
                    text.push_str(&value[..cut]);
                    text.push('…');
                }
                _ => text.push_str(value),
            }
        }
        text
    }
}

/// A failure after which the server may have acted: not retried, and the message says why.
fn not_resent(error: Error) -> Error {
    error.retryable(false).append(
        " It was not sent again automatically, because Hotjar may have acted on it (a second \
         lookup would email the data subject a second report). If no report arrives, send it \
         again.",
    )
}

/// Parses a JSON body; a body that is not JSON (cut short or garbled in transit) is worth
/// fetching again.
fn parse_json(body: &[u8], endpoint: &Endpoint) -> Result<Value> {
    serde_json::from_slice(body).map_err(|e| {
        Error::new(
            ErrorKind::InvalidResponse,
            format!(
                "{}: the server's answer is not valid JSON ({e}).",
                endpoint.describe()
            ),
        )
        .retryable(!e.is_data())
    })
}

/// reqwest's own message hides the cause (TLS, DNS, refused); walk the chain for it.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut parts = Vec::new();
    let mut current = error.source();
    while let Some(cause) = current {
        let text = cause.to_string();
        if !parts.contains(&text) {
            parts.push(text);
        }
        current = cause.source();
    }
    if parts.is_empty() {
        // The top-level message names the URL; the host is already in ours.
        "no details".to_string()
    } else {
        parts.join(": ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_log_shows_path_and_query_with_cursors_shortened() {
        let url = Url::parse("https://api.hotjar.io/v1/sites/1/surveys/2/responses").unwrap();
        let query = [("limit", "100"), ("cursor", "0123456789abcdefghijklmnop")];
        let exchange = Exchange {
            method: "GET",
            url: &url,
            query: &query,
            started: Instant::now(),
            attempt: 1,
        };
        assert_eq!(
            exchange.target(),
            "/v1/sites/1/surveys/2/responses?limit=100&cursor=0123456789ab…"
        );
        let short = [("cursor", "abc")];
        let exchange = Exchange {
            query: &short,
            ..exchange
        };
        assert_eq!(
            exchange.target(),
            "/v1/sites/1/surveys/2/responses?cursor=abc"
        );
    }
}
