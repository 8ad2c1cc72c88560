//! When and how long to wait before sending a request again.
//!
//! The schedule is `backon`'s exponential backoff with jitter; this module adds what is
//! specific to Hotjar: which failures are worth another try, and the server's `Retry-After`,
//! which wins over the schedule when it is present.

use std::future::Future;
use std::time::{Duration, SystemTime};

use backon::{BackoffBuilder, ExponentialBuilder};
use reqwest::header::{HeaderMap, RETRY_AFTER};

use crate::error::{Error, Result};

/// The backoff settings of one client.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub max_retries: u32,
    pub initial: Duration,
    pub max: Duration,
    pub max_retry_after: Duration,
}

impl RetryPolicy {
    pub fn backoff(&self) -> impl Iterator<Item = Duration> {
        ExponentialBuilder::default()
            .with_min_delay(self.initial)
            .with_max_delay(self.max)
            .with_factor(2.0)
            .with_max_times(self.max_retries as usize)
            .with_jitter()
            .build()
    }

    /// The wait before the next try: the server's `Retry-After` when it gave one, otherwise
    /// the schedule's. `None` stops retrying: the schedule is used up, or the server asked
    /// for a longer wait than we are willing to sit through silently.
    pub fn next_delay(
        &self,
        scheduled: Option<Duration>,
        retry_after: Option<Duration>,
    ) -> Option<Duration> {
        let scheduled = scheduled?;
        match retry_after {
            Some(wait) if wait > self.max_retry_after => None,
            Some(wait) => Some(wait),
            None => Some(scheduled),
        }
    }
}

impl RetryPolicy {
    /// Runs `attempt` until it succeeds, fails with an error that is not worth retrying, or
    /// the retries are used up. `on_retry` is called before each wait.
    pub async fn run<T, F, Fut>(&self, mut attempt: F, mut on_retry: impl FnMut()) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let mut schedule = self.backoff();
        let mut attempts = 0u32;
        loop {
            attempts += 1;
            let error = match attempt().await {
                Ok(value) => return Ok(value),
                Err(error) if error.retryable => error,
                Err(error) => return Err(error),
            };
            let Some(delay) = self.next_delay(schedule.next(), error.retry_after()) else {
                return Err(if attempts > 1 {
                    error.append(&format!(" (gave up after {attempts} attempts)"))
                } else {
                    error
                });
            };
            on_retry();
            log::warn!(
                "{} Retry {attempts} of {} in {:.1} s{}.",
                retry_reason(&error),
                self.max_retries,
                delay.as_secs_f64(),
                if error.retry_after().is_some() {
                    " (the server's Retry-After)"
                } else {
                    ""
                }
            );
            tokio::time::sleep(delay).await;
        }
    }
}

/// Why a retry happens, in one line: for an HTTP status, the head of the message ("Listing
/// the surveys of site 1 failed (HTTP 503)") without the advice meant for the final error.
fn retry_reason(error: &Error) -> String {
    let message = error.message();
    match message.split_once("): ") {
        Some((head, _)) if error.status().is_some() => format!("{head})."),
        _ => message.to_string(),
    }
}

/// Reads `Retry-After` as seconds or as an HTTP date. Anything else is ignored, as if absent.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    if let Ok(seconds) = value.parse::<f64>() {
        if (0.0..86_400.0).contains(&seconds) {
            return Some(Duration::from_secs_f64(seconds));
        }
        return None;
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        assert_eq!(retry_after(&headers("12")), Some(Duration::from_secs(12)));
        assert_eq!(
            retry_after(&headers("1.5")),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(retry_after(&headers("-1")), None);
        assert_eq!(retry_after(&headers("soon")), None);
        assert_eq!(retry_after(&HeaderMap::new()), None);
        let future = SystemTime::now() + Duration::from_secs(30);
        let wait = retry_after(&headers(&httpdate::fmt_http_date(future))).unwrap();
        assert!(wait <= Duration::from_secs(30) && wait >= Duration::from_secs(28));
        let past = httpdate::fmt_http_date(SystemTime::now() - Duration::from_secs(30));
        assert_eq!(retry_after(&headers(&past)), Some(Duration::ZERO));
    }

    #[test]
    fn schedule_grows_is_capped_and_ends() {
        let policy = RetryPolicy {
            max_retries: 6,
            initial: Duration::from_secs(1),
            max: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(120),
        };
        let delays: Vec<_> = policy.backoff().collect();
        assert_eq!(delays.len(), 6);
        assert!(delays[0] >= Duration::from_secs(1) && delays[0] <= Duration::from_secs(2));
        assert!(delays.iter().all(|d| *d <= Duration::from_secs(10)));
        assert!(delays[5] >= Duration::from_secs(5));
    }

    use crate::error::{Error, ErrorKind};
    use std::cell::Cell;
    use tokio::time::Instant;

    fn policy(max_retries: u32) -> RetryPolicy {
        RetryPolicy {
            max_retries,
            initial: Duration::from_secs(1),
            max: Duration::from_secs(60),
            max_retry_after: Duration::from_secs(120),
        }
    }

    fn unavailable() -> Error {
        Error::new(ErrorKind::Server, "HTTP 503")
            .with_status(503)
            .retryable(true)
    }

    /// Runs `attempt` (handed the attempt's number, from 1) under `policy(max_retries)`: the
    /// result, the attempts made and the retries announced.
    async fn run_attempts<T>(
        max_retries: u32,
        attempt: impl Fn(u32) -> Result<T>,
    ) -> (Result<T>, u32, u32) {
        let calls = Cell::new(0);
        let retries = Cell::new(0);
        let result = policy(max_retries)
            .run(
                || {
                    calls.set(calls.get() + 1);
                    std::future::ready(attempt(calls.get()))
                },
                || retries.set(retries.get() + 1),
            )
            .await;
        (result, calls.get(), retries.get())
    }

    #[tokio::test(start_paused = true)]
    async fn transient_failures_are_retried_with_growing_waits() {
        let started = Instant::now();
        let (result, _, retries) =
            run_attempts(5, |n| if n <= 3 { Err(unavailable()) } else { Ok(n) }).await;
        assert_eq!(result.unwrap(), 4);
        assert_eq!(retries, 3);
        // 1 s, 2 s and 4 s of backoff, each with at most as much again of jitter.
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_secs(7) && waited <= Duration::from_secs(14),
            "{waited:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn retry_after_replaces_the_backoff() {
        let started = Instant::now();
        let (result, _, _) = run_attempts(5, |n| {
            if n == 1 {
                Err(Error::new(ErrorKind::RateLimited, "429")
                    .with_status(429)
                    .with_retry_after(Some(Duration::from_secs(17)))
                    .retryable(true))
            } else {
                Ok(())
            }
        })
        .await;
        result.unwrap();
        assert_eq!(started.elapsed(), Duration::from_secs(17));
    }

    #[tokio::test(start_paused = true)]
    async fn retries_end_and_say_how_many_attempts_were_made() {
        let (result, calls, _) = run_attempts(2, |_| Err::<(), _>(unavailable())).await;
        let error = result.unwrap_err();
        assert_eq!(calls, 3);
        assert_eq!(error.status(), Some(503));
        assert!(
            error.message().ends_with("(gave up after 3 attempts)"),
            "{error}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn final_errors_are_not_retried() {
        let started = Instant::now();
        let (result, calls, _) = run_attempts(5, |_| {
            Err::<(), _>(Error::new(ErrorKind::NotFound, "404").with_status(404))
        })
        .await;
        let error = result.unwrap_err();
        assert_eq!(calls, 1);
        assert_eq!(error.message(), "404");
        assert_eq!(started.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn a_retry_after_beyond_the_cap_is_returned_at_once() {
        let (result, _, _) = run_attempts(5, |_| {
            Err::<(), _>(
                Error::new(ErrorKind::RateLimited, "429")
                    .with_retry_after(Some(Duration::from_secs(600)))
                    .retryable(true),
            )
        })
        .await;
        assert_eq!(
            result.unwrap_err().retry_after(),
            Some(Duration::from_secs(600))
        );
    }

    #[test]
    fn retry_after_wins_unless_too_long_or_schedule_is_over() {
        let policy = RetryPolicy {
            max_retries: 3,
            initial: Duration::from_secs(1),
            max: Duration::from_secs(60),
            max_retry_after: Duration::from_secs(120),
        };
        let s = Some(Duration::from_secs(1));
        assert_eq!(
            policy.next_delay(s, Some(Duration::from_secs(7))),
            Some(Duration::from_secs(7))
        );
        assert_eq!(policy.next_delay(s, None), s);
        assert_eq!(policy.next_delay(s, Some(Duration::from_secs(121))), None);
        assert_eq!(policy.next_delay(None, Some(Duration::from_secs(1))), None);
    }
}
