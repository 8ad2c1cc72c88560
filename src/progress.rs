//! Progress of a long call (a table, a file export) for a caller that shows it: a counter of
//! the responses kept so far, carried by the task that runs the call as a tokio task-local, so
//! the calls' signatures stay as they are and a call nobody watches pays nothing.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

tokio::task_local! {
    static RESPONSES: Arc<AtomicU64>;
}

/// Runs `future`, adding the responses it keeps to `counter` as pages arrive.
pub async fn counting<F: Future>(counter: Arc<AtomicU64>, future: F) -> F::Output {
    RESPONSES.scope(counter, future).await
}

/// Adds `responses` to the counter of the running call, if it has one.
pub fn advance(responses: usize) {
    let _ = RESPONSES.try_with(|counter| {
        counter.fetch_add(
            u64::try_from(responses).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        )
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn only_a_counted_call_counts() {
        advance(5); // outside any counted call: ignored
        let counter = Arc::new(AtomicU64::new(0));
        counting(counter.clone(), async {
            advance(100);
            tokio::task::yield_now().await;
            advance(23);
        })
        .await;
        assert_eq!(counter.load(Ordering::Relaxed), 123);
    }
}
