//! The OAuth client-credentials token: the wire format of the token endpoint, and a cache that
//! hands out the current token, renews it ahead of expiry, and lets only one task fetch at a time.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::config::Secret;
use crate::error::{Error, ErrorKind, Result};

/// Renew this long before expiry at most (Hotjar tokens live 3600 s).
const MAX_REFRESH_MARGIN: Duration = Duration::from_secs(60);
/// Used when the server sends no usable `expires_in`.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);

/// The token endpoint's success body. Unknown fields are ignored; `token_type` is compared
/// without regard to case because sources disagree on `Bearer` versus `bearer`. Its `Debug`
/// hides the token.
#[derive(Deserialize)]
pub struct TokenResponse {
    access_token: String,
    #[serde(default)]
    token_type: Option<String>,
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
}

impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A derived Debug printed the access token (found by tests/rust/secrets.rs).
        f.debug_struct("TokenResponse")
            .field("access_token", &"***")
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

impl TokenResponse {
    /// Reads the token endpoint's JSON body.
    pub fn from_value(body: serde_json::Value) -> Result<Self> {
        let parsed: TokenResponse = serde_json::from_value(body).map_err(|e| {
            Error::new(
                ErrorKind::InvalidResponse,
                format!(
                    "The token endpoint answered 200 but its body is not a token ({e}). Check \
                     base_url: it should point at the Hotjar API ({}).",
                    crate::config::DEFAULT_BASE_URL
                ),
            )
        })?;
        if parsed.access_token.trim().is_empty() {
            return Err(Error::new(
                ErrorKind::InvalidResponse,
                "The token endpoint answered 200 with an empty access_token.",
            ));
        }
        if let Some(kind) = &parsed.token_type {
            if !kind.eq_ignore_ascii_case("bearer") {
                return Err(Error::new(
                    ErrorKind::InvalidResponse,
                    format!(
                        "The token endpoint returned a {kind:?} token; only Bearer is supported."
                    ),
                ));
            }
        }
        Ok(parsed)
    }

    /// The lifetime the server announced, or an hour when it said nothing usable.
    pub fn lifetime(&self) -> Duration {
        let seconds = match &self.expires_in {
            Some(serde_json::Value::Number(n)) => n.as_f64(),
            Some(serde_json::Value::String(s)) => s.trim().parse::<f64>().ok(),
            _ => None,
        };
        match seconds {
            Some(s) if s.is_finite() && s > 0.0 && s < 1e9 => Duration::from_secs_f64(s),
            _ => DEFAULT_LIFETIME,
        }
    }
}

/// A bearer token and when we stop using it.
#[derive(Debug, Clone)]
pub struct Token {
    value: Arc<Secret>,
    refresh_at: Instant,
    lifetime: Duration,
    /// Increases with every fetched token; lets a task that saw a 401 invalidate only the token
    /// it used, not a fresh one another task just fetched.
    generation: u64,
}

impl Token {
    pub fn new(value: String, lifetime: Duration, generation: u64) -> Self {
        // Renew a minute early, or a fifth of the lifetime early for short-lived tokens.
        let margin = MAX_REFRESH_MARGIN.min(lifetime / 5);
        Self {
            value: Arc::new(Secret::new(value)),
            refresh_at: Instant::now() + (lifetime - margin),
            lifetime,
            generation,
        }
    }

    pub fn secret(&self) -> &str {
        self.value.expose()
    }

    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    fn is_fresh(&self) -> bool {
        Instant::now() < self.refresh_at
    }
}

/// Holds the current token. The lock is held while fetching, so concurrent callers wait for one
/// fetch instead of each sending their own.
#[derive(Debug, Default)]
pub struct TokenCache {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    token: Option<Token>,
    generation: u64,
}

impl TokenCache {
    /// Returns the cached token while it is fresh, or runs `fetch` for a new one.
    pub async fn get<F, Fut>(&self, fetch: F) -> Result<Token>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<TokenResponse>>,
    {
        let mut state = self.state.lock().await;
        if let Some(token) = state.token.as_ref().filter(|t| t.is_fresh()) {
            return Ok(token.clone());
        }
        let response = fetch().await?;
        state.generation += 1;
        let lifetime = response.lifetime();
        let token = Token::new(response.access_token, lifetime, state.generation);
        if state.generation == 1 {
            log::debug!("got an access token, valid for {} s", lifetime.as_secs());
        } else {
            log::info!(
                "renewed the access token, valid for {} s",
                lifetime.as_secs()
            );
        }
        state.token = Some(token.clone());
        Ok(token)
    }

    /// Forgets `used` after the API refused it, unless a newer token already replaced it.
    pub async fn invalidate(&self, used: &Token) {
        let mut state = self.state.lock().await;
        if state.token.as_ref().map(|t| t.generation) == Some(used.generation) {
            state.token = None;
        }
    }

    /// Forgets any token, so the next call exchanges the credentials again.
    pub async fn clear(&self) {
        self.state.lock().await.token = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_response_prints_without_its_token() {
        // Moved from tests/rust/secrets.rs when the `auth` module became private.
        let response = TokenResponse::from_value(serde_json::json!({
            "access_token": "fake_at_0123", "token_type": "Bearer", "expires_in": 3600
        }))
        .expect("a token body");
        let shown = format!("{response:?}");
        assert!(!shown.contains("fake_at_"), "{shown}");
    }
    use std::sync::atomic::{AtomicU32, Ordering};

    impl TokenResponse {
        fn parse(body: &[u8]) -> Result<Self> {
            let value = serde_json::from_slice(body)
                .map_err(|e| Error::new(ErrorKind::InvalidResponse, e.to_string()))?;
            Self::from_value(value)
        }
    }

    fn response(ttl: u64) -> TokenResponse {
        TokenResponse::parse(
            format!(r#"{{"access_token":"tok","token_type":"bearer","expires_in":{ttl}}}"#)
                .as_bytes(),
        )
        .unwrap()
    }

    #[test]
    fn parse_is_lenient_where_the_api_is_unknown() {
        assert_eq!(response(3600).lifetime(), Duration::from_secs(3600));
        let no_ttl = TokenResponse::parse(br#"{"access_token":"t","extra":1}"#).unwrap();
        assert_eq!(no_ttl.lifetime(), DEFAULT_LIFETIME);
        let text_ttl = TokenResponse::parse(br#"{"access_token":"t","expires_in":"60"}"#).unwrap();
        assert_eq!(text_ttl.lifetime(), Duration::from_secs(60));
        assert!(TokenResponse::parse(br#"{"token":"t"}"#).is_err());
        assert!(TokenResponse::parse(br#"{"access_token":" "}"#).is_err());
        assert!(TokenResponse::parse(br#"{"access_token":"t","token_type":"mac"}"#).is_err());
        assert!(TokenResponse::parse(b"<html>").is_err());
    }

    /// Gets a token that lives `ttl` seconds, then, after each wait, gets one again and checks
    /// how many times the cache has fetched so far.
    async fn check_renewal(ttl: u64, waits_and_fetches: &[(Duration, u32)]) {
        let cache = TokenCache::default();
        let fetches = AtomicU32::new(0);
        let fetch = || async {
            fetches.fetch_add(1, Ordering::SeqCst);
            Ok(response(ttl))
        };
        cache.get(fetch).await.unwrap();
        for &(wait, expected) in waits_and_fetches {
            tokio::time::advance(wait).await;
            cache.get(fetch).await.unwrap();
            assert_eq!(fetches.load(Ordering::SeqCst), expected, "after {wait:?}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn token_is_cached_then_renewed_a_minute_before_expiry() {
        check_renewal(
            3600,
            &[
                (Duration::ZERO, 1),
                (Duration::from_secs(3539), 1),
                (Duration::from_secs(2), 2),
            ],
        )
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn short_tokens_are_renewed_a_fifth_early() {
        check_renewal(
            10,
            &[
                (Duration::from_millis(7900), 1),
                (Duration::from_millis(200), 2),
            ],
        )
        .await;
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_callers_share_one_fetch() {
        let cache = Arc::new(TokenCache::default());
        let fetches = Arc::new(AtomicU32::new(0));
        let tasks: Vec<_> = (0..10)
            .map(|_| {
                let cache = cache.clone();
                let fetches = fetches.clone();
                tokio::spawn(async move {
                    cache
                        .get(|| async move {
                            fetches.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            Ok(response(3600))
                        })
                        .await
                        .map(|t| t.generation)
                })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.unwrap().unwrap(), 1);
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn invalidate_only_drops_the_token_that_was_refused() {
        let cache = TokenCache::default();
        let old = cache.get(|| async { Ok(response(3600)) }).await.unwrap();
        cache.invalidate(&old).await;
        let new = cache.get(|| async { Ok(response(3600)) }).await.unwrap();
        assert_eq!(new.generation, 2);
        cache.invalidate(&old).await;
        let same = cache.get(|| async { Ok(response(3600)) }).await.unwrap();
        assert_eq!(same.generation, 2);
    }

    #[tokio::test]
    async fn a_failed_fetch_caches_nothing() {
        let cache = TokenCache::default();
        let err = cache
            .get(|| async { Err(Error::new(ErrorKind::Authentication, "no")) })
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Authentication);
        let ok = cache.get(|| async { Ok(response(3600)) }).await.unwrap();
        assert_eq!(ok.secret(), "tok");
    }
}
