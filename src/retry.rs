//! When and how long to wait before sending a request again.
//!
//! The schedule is `backon`'s exponential backoff with jitter; this module adds what is
//! specific to Hotjar: which failures are worth another try, and the server's `Retry-After`,
//! which wins over the schedule when it is present.

use std::time::{Duration, SystemTime};

use backon::{BackoffBuilder, ExponentialBuilder};
use reqwest::header::{HeaderMap, RETRY_AFTER};

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
