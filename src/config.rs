//! Client settings, checked once when the client is built so that bad input fails before any
//! request is sent.

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use url::Url;

use crate::error::{Error, Result};
use crate::retry::RetryPolicy;

/// The documented base URL of the Hotjar API.
pub const DEFAULT_BASE_URL: &str = "https://api.hotjar.io";
/// Hotjar's documented limit.
pub const DEFAULT_REQUESTS_PER_MINUTE: u32 = 3000;

/// The bounds of the settings: checked here, for Rust callers and the Python bindings alike.
pub const MAX_TIMEOUT_SECONDS: f64 = 3600.0;
pub const MAX_RETRY_BACKOFF_SECONDS: f64 = 60.0;
pub const MAX_RETRIES: u32 = 20;
pub const MAX_REQUESTS_PER_MINUTE: u32 = 1_000_000;

/// A positive, finite number of seconds, at most `max`.
pub fn check_seconds(value: f64, name: &str, max: f64) -> Result<Duration> {
    if !value.is_finite() || value <= 0.0 || value > max {
        return Err(Error::config(format!(
            "{name} must be a number of seconds above 0 and at most {max}, got {value}."
        )));
    }
    Ok(Duration::from_secs_f64(value))
}

/// Retries after the first attempt: 0 to 20.
pub fn check_max_retries(value: i64) -> Result<u32> {
    u32::try_from(value)
        .ok()
        .filter(|n| *n <= MAX_RETRIES)
        .ok_or_else(|| {
            Error::config(format!(
                "max_retries must be between 0 and {MAX_RETRIES}, got {value}."
            ))
        })
}

/// The client-side rate limit: 1 to 1,000,000 requests a minute.
pub fn check_requests_per_minute(value: i64) -> Result<u32> {
    u32::try_from(value)
        .ok()
        .filter(|n| (1..=MAX_REQUESTS_PER_MINUTE).contains(n))
        .ok_or_else(|| {
            Error::config(format!(
                "requests_per_minute must be between 1 and {MAX_REQUESTS_PER_MINUTE} (Hotjar \
                 allows 3000), or None to turn the limiter off; got {value}."
            ))
        })
}

/// A secret string whose `Debug` never shows it. It has no `Display` on purpose.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Everything a client needs. Build it with [`ClientConfig::new`], adjust the public fields,
/// then hand it to `HotjarClient::new`, which validates it.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub client_id: String,
    pub client_secret: Secret,
    pub base_url: String,
    /// Per request, connect to last byte.
    pub timeout: Duration,
    /// Retries after the first attempt, for 429, 5xx and network errors.
    pub max_retries: u32,
    /// `None` turns the client-side limiter off (only sensible against a server without a
    /// limit, such as the bundled fake in benchmarks).
    pub requests_per_minute: Option<u32>,
    /// First backoff delay; it doubles on each retry, with jitter, up to `max_backoff`.
    pub retry_backoff: Duration,
    pub max_backoff: Duration,
    /// A `Retry-After` longer than this is not waited out: the 429 is returned to the caller.
    pub max_retry_after: Duration,
}

impl ClientConfig {
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: Secret::new(client_secret),
            base_url: DEFAULT_BASE_URL.to_string(),
            timeout: Duration::from_secs(30),
            max_retries: 5,
            requests_per_minute: Some(DEFAULT_REQUESTS_PER_MINUTE),
            retry_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(60),
            max_retry_after: Duration::from_secs(120),
        }
    }

    /// Checks every field and returns the normalised settings.
    pub(crate) fn validate(&self) -> Result<ValidConfig> {
        let client_id = self.client_id.trim();
        let client_secret = self.client_secret.expose().trim();
        if client_id.is_empty() {
            return Err(Error::config(
                "client_id is empty. Create an API key (client ID and secret) in Hotjar under \
                 Settings > API; an organization Admin can do this.",
            ));
        }
        if client_secret.is_empty() {
            return Err(Error::config(
                "client_secret is empty. The secret is shown once, when the API key is created \
                 in Hotjar under Settings > API; if it is lost, create a new key.",
            ));
        }
        if client_id.chars().any(char::is_control) || client_secret.chars().any(char::is_control) {
            return Err(Error::config(
                "client_id or client_secret contains a control character (a line break or tab \
                 inside the value?). Copy the key again from Hotjar under Settings > API.",
            ));
        }
        let base_url = parse_base_url(&self.base_url)?;
        check_seconds(self.timeout.as_secs_f64(), "timeout", MAX_TIMEOUT_SECONDS)?;
        check_max_retries(self.max_retries.into())?;
        if let Some(rpm) = self.requests_per_minute {
            check_requests_per_minute(rpm.into())?;
        }
        if !self.retry_backoff.is_zero() {
            check_seconds(
                self.retry_backoff.as_secs_f64(),
                "retry_backoff",
                MAX_RETRY_BACKOFF_SECONDS,
            )?;
        }
        Ok(ValidConfig {
            client_id: client_id.to_string(),
            client_secret: Secret::new(client_secret),
            base_url,
            timeout: self.timeout,
            requests_per_minute: self.requests_per_minute,
            retry: RetryPolicy {
                max_retries: self.max_retries,
                initial: self.retry_backoff,
                max: self.max_backoff.max(self.retry_backoff),
                max_retry_after: self.max_retry_after,
            },
        })
    }
}

#[derive(Debug, Clone)]
pub(crate) struct ValidConfig {
    pub client_id: String,
    pub client_secret: Secret,
    /// Scheme, host, optional port and path prefix, with no trailing slash and no `/v1`.
    pub base_url: Url,
    pub timeout: Duration,
    pub requests_per_minute: Option<u32>,
    /// Retries, backoff and the longest `Retry-After` waited out, as the transport runs them.
    pub retry: RetryPolicy,
}

/// Parses and checks a base URL: https, or http to a loopback host only (the token and the
/// secret must never cross a network in clear text). A trailing `/` or `/v1` is dropped,
/// since every path we build starts with `/v1`.
pub fn parse_base_url(raw: &str) -> Result<Url> {
    let trimmed = raw.trim();
    let mut url = Url::parse(trimmed).map_err(|e| {
        Error::config(format!(
            "base_url {trimmed:?} is not a valid URL ({e}); the Hotjar API is at {DEFAULT_BASE_URL}."
        ))
    })?;
    let host = url.host_str().unwrap_or_default().to_string();
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&host) => {}
        "http" => {
            return Err(Error::config(format!(
                "base_url {trimmed:?} uses plain http to a host that is not this machine; the \
                 secret and the token would travel unencrypted. Use https:// (http:// is only \
                 allowed for 127.0.0.1, ::1 or localhost, e.g. the bundled fake)."
            )))
        }
        other => {
            return Err(Error::config(format!(
                "base_url must start with https://, got scheme {other:?} in {trimmed:?}."
            )))
        }
    }
    if host.is_empty() {
        return Err(Error::config(format!("base_url {trimmed:?} has no host.")));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::config(
            "base_url must not contain a user name or password; pass the API key as \
             client_id and client_secret.",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::config(format!(
            "base_url {trimmed:?} must not have a query string or fragment."
        )));
    }
    let path = url.path().trim_end_matches('/');
    let path = path.strip_suffix("/v1").unwrap_or(path).to_string();
    url.set_path(&path);
    Ok(url)
}

fn is_loopback(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_is_normalised() {
        for (raw, normalised) in [
            ("https://api.hotjar.io", "https://api.hotjar.io/"),
            ("https://api.hotjar.io/v1/", "https://api.hotjar.io/"),
            (" http://127.0.0.1:8080/ ", "http://127.0.0.1:8080/"),
            ("http://[::1]:9/prefix/v1", "http://[::1]:9/prefix"),
            ("http://localhost:1", "http://localhost:1/"),
        ] {
            assert_eq!(
                parse_base_url(raw).unwrap().to_string(),
                normalised,
                "{raw}"
            );
        }
    }

    #[test]
    fn base_url_refuses_plain_http_off_this_machine() {
        for bad in [
            "http://api.hotjar.io",
            "http://10.0.0.1",
            "ftp://api.hotjar.io",
            "api.hotjar.io",
            "https://user:pw@api.hotjar.io",
            "https://api.hotjar.io/?x=1",
        ] {
            let err = parse_base_url(bad).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::Configuration, "{bad}");
        }
    }

    #[test]
    fn validate_trims_credentials_and_checks_ranges() {
        let mut cfg = ClientConfig::new("  id\n", "\tsecret ");
        let valid = cfg.validate().unwrap();
        assert_eq!(valid.client_id, "id");
        assert_eq!(valid.client_secret.expose(), "secret");

        cfg.max_retries = 21;
        assert!(cfg.validate().is_err());
        cfg.max_retries = 0;
        cfg.requests_per_minute = Some(0);
        assert!(cfg.validate().is_err());
        cfg.requests_per_minute = None;
        cfg.timeout = Duration::ZERO;
        assert!(cfg.validate().is_err());
        assert!(ClientConfig::new(" ", "s").validate().is_err());
        assert!(ClientConfig::new("i", "").validate().is_err());
        assert!(ClientConfig::new("i", "s\ncret").validate().is_err());
    }

    #[test]
    fn secret_debug_hides_the_value() {
        let cfg = ClientConfig::new("id", "hunter2");
        assert!(!format!("{cfg:?}").contains("hunter2"));
    }
}
