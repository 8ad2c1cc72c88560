//! The client-side rate limiter: one per client, shared by every request and every task.
//!
//! It is a GCRA (generic cell rate algorithm) with reservations: each caller takes the next free
//! slot and sleeps until it. The slots are spaced so that, with a burst of about one second's
//! worth, no 60-second window of any alignment ever holds more than the configured number of
//! requests, and 1% is kept back for network jitter (a request sent late can arrive early
//! relative to the one before it). At 3000/minute that paces to 48.7 requests a second.
//!
//! Written here rather than taken from `governor` because it must run on tokio's clock, so that
//! tests with paused time can check the window property exactly.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

const WINDOW: Duration = Duration::from_secs(60);
/// Waits at least this long show in the request log.
const LOGGED_WAIT: Duration = Duration::from_millis(100);

#[derive(Debug)]
pub struct RateLimiter {
    /// Time between two slots at full speed.
    interval: Duration,
    /// How far ahead of its theoretical time a slot may be taken (the burst).
    tolerance: Duration,
    /// Theoretical arrival time of the next slot.
    next_slot: Mutex<Option<Instant>>,
}

impl RateLimiter {
    pub fn per_minute(limit: u32) -> Self {
        let limit = limit.max(1);
        let burst = (limit / 60).max(1);
        let headroom = limit / 100;
        let paced = limit.saturating_sub(burst + headroom).max(1);
        // Spreading 2 ms more than the window covers for tokio's timer, which wakes up to 1 ms
        // late, and for a window closed at both ends when `paced` divides 60 s evenly.
        let interval = (WINDOW + Duration::from_millis(2)) / paced;
        Self {
            interval,
            tolerance: interval * (burst - 1),
            next_slot: Mutex::new(None),
        }
    }

    /// Reserves the next slot and returns how long to wait for it (zero when it is free now).
    fn reserve(&self) -> Duration {
        let now = Instant::now();
        // A poisoned lock only means another thread panicked while holding it; the slot time
        // inside is still a valid instant.
        let mut next = self
            .next_slot
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let theoretical = next.map_or(now, |t| t.max(now));
        let earliest = theoretical.checked_sub(self.tolerance).unwrap_or(now);
        *next = Some(theoretical + self.interval);
        earliest.saturating_duration_since(now)
    }

    /// Waits for a slot. Dropping the future gives up the wait (its slot stays used, which can
    /// only make the client slower, never faster than the limit).
    pub async fn acquire(&self) -> Duration {
        let wait = self.reserve();
        if !wait.is_zero() {
            // Short waits are the limiter's normal pacing; only longer ones are news.
            if wait >= LOGGED_WAIT {
                log::debug!(
                    "waiting {:.2} s for a request slot (requests_per_minute)",
                    wait.as_secs_f64()
                );
            }
            tokio::time::sleep(wait).await;
        }
        wait
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// The most requests seen in any window of `WINDOW`, over a sorted list of send times.
    fn busiest_window(times: &[Instant]) -> usize {
        let mut best = 0;
        let mut start = 0;
        for end in 0..times.len() {
            while times[end] - times[start] > WINDOW {
                start += 1;
            }
            best = best.max(end - start + 1);
        }
        best
    }

    #[tokio::test(start_paused = true)]
    async fn no_window_of_60_seconds_exceeds_the_limit_and_throughput_stays_high() {
        let limiter = RateLimiter::per_minute(3000);
        let begin = Instant::now();
        let mut times = Vec::new();
        for _ in 0..9000 {
            limiter.acquire().await;
            times.push(Instant::now());
        }
        assert!(busiest_window(&times) <= 3000, "{}", busiest_window(&times));
        let elapsed = (Instant::now() - begin).as_secs_f64();
        let rate = 9000.0 / elapsed;
        // 95% of Hotjar's 50 requests per second is the floor we promise.
        assert!(rate >= 47.5, "paced at {rate:.2}/s");
        assert!(rate <= 50.0, "paced at {rate:.2}/s");
    }

    #[tokio::test(start_paused = true)]
    async fn a_burst_of_one_second_is_free_then_requests_are_paced() {
        let limiter = RateLimiter::per_minute(3000);
        for _ in 0..50 {
            assert_eq!(limiter.acquire().await, Duration::ZERO);
        }
        assert!(limiter.acquire().await > Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_tasks_share_one_budget() {
        let limiter = Arc::new(RateLimiter::per_minute(600));
        let times = Arc::new(Mutex::new(Vec::new()));
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let limiter = limiter.clone();
                let times = times.clone();
                tokio::spawn(async move {
                    for _ in 0..250 {
                        limiter.acquire().await;
                        times.lock().unwrap().push(Instant::now());
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        let mut times = times.lock().unwrap().clone();
        times.sort();
        assert_eq!(times.len(), 2000);
        assert!(busiest_window(&times) <= 600);
    }

    #[tokio::test(start_paused = true)]
    async fn tiny_limits_still_hold() {
        for limit in [1, 2, 7, 59, 61] {
            let limiter = RateLimiter::per_minute(limit);
            let mut times = Vec::new();
            for _ in 0..(limit * 3 + 2) {
                limiter.acquire().await;
                times.push(Instant::now());
            }
            assert!(busiest_window(&times) <= limit as usize, "limit {limit}");
        }
    }
}
