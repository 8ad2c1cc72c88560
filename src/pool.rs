//! The one bounded worker pool of the crate, and its one rule for `concurrency`.
//!
//! At most `concurrency` items are worked on at once, each in a tokio task of its own (so they
//! run in parallel on the runtime's threads); outputs come out as they finish, each with the
//! key it came in with. Built on `futures`' `buffer_unordered`, which starts an item only when
//! a slot is free. Dropping the stream aborts the work in flight. Used by the many-survey
//! fetches (`many`) and the bulk GDPR run (`gdpr::BulkLookup`).

use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures_util::stream::{self, Stream, StreamExt};
use tokio::task::JoinHandle;

use crate::error::{Error, Result};
use crate::progress::Progress;

/// Works on `items` (`(key, item)` pairs), at most `concurrency` at once. Each output comes
/// with its key; `None` for work that panicked (a bug, never expected: it is reported by the
/// caller as a failure of that item, not as a crash of the whole run). The work counts toward
/// the progress of the call that made the pool (`progress`). Must be polled within a tokio
/// runtime.
pub(crate) fn bounded<K, T, F, Fut>(
    items: impl IntoIterator<Item = (K, T), IntoIter: Send + 'static>,
    concurrency: usize,
    mut work: F,
) -> impl Stream<Item = (K, Option<Fut::Output>)> + Send + 'static
where
    K: Send + Unpin + 'static,
    T: Send + 'static,
    F: FnMut(T) -> Fut + Send + 'static,
    Fut: Future + Send + 'static,
    Fut::Output: Send + 'static,
{
    let progress = Progress::of_current_call();
    stream::iter(items)
        .map(move |(key, item)| {
            let task = OwnedTask::spawn(progress.clone().scope(work(item)));
            Keyed(Some(key), task)
        })
        .buffer_unordered(concurrency.max(1))
}

/// Checks a `concurrency` argument: 1 to `max`, else a configuration error that says why the
/// bound is what it is (`why`, may be empty).
pub(crate) fn check_concurrency(concurrency: i64, max: usize, why: &str) -> Result<usize> {
    usize::try_from(concurrency)
        .ok()
        .filter(|n| (1..=max).contains(n))
        .ok_or_else(|| {
            let why = if why.is_empty() {
                String::new()
            } else {
                format!(" {why}")
            };
            Error::config(format!(
                "concurrency must be between 1 and {max}, got {concurrency}.{why}"
            ))
        })
}

/// A spawned task that is aborted when dropped (its owner went away before it finished). Its
/// output is `None` if it panicked.
#[derive(Debug)]
pub(crate) struct OwnedTask<T>(JoinHandle<T>);

impl<T: Send + 'static> OwnedTask<T> {
    /// Spawns `future` on the current tokio runtime.
    pub(crate) fn spawn(future: impl Future<Output = T> + Send + 'static) -> Self {
        Self(tokio::spawn(future))
    }
}

impl<T> Future for OwnedTask<T> {
    type Output = Option<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        Poll::Ready(ready!(Pin::new(&mut self.0).poll(cx)).ok())
    }
}

impl<T> Drop for OwnedTask<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A task's output with the key of its item.
struct Keyed<K, T>(Option<K>, OwnedTask<T>);

impl<K: Unpin, T> Future for Keyed<K, T> {
    type Output = (K, Option<T>);

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let output = ready!(Pin::new(&mut self.1).poll(cx));
        match self.0.take() {
            Some(key) => Poll::Ready((key, output)),
            None => Poll::Pending, // polled after completion: never, under buffer_unordered
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn at_most_concurrency_at_once_and_every_item_once() {
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let (r, p) = (running.clone(), peak.clone());
        let mut outputs: Vec<(usize, Option<usize>)> =
            bounded((0..20).map(|i| (i, i * 10)), 3, move |item| {
                let (r, p) = (r.clone(), p.clone());
                async move {
                    let now = r.fetch_add(1, Ordering::SeqCst) + 1;
                    p.fetch_max(now, Ordering::SeqCst);
                    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
                    r.fetch_sub(1, Ordering::SeqCst);
                    item + 1
                }
            })
            .collect()
            .await;
        outputs.sort();
        assert_eq!(
            outputs,
            (0..20).map(|i| (i, Some(i * 10 + 1))).collect::<Vec<_>>()
        );
        assert!(peak.load(Ordering::SeqCst) <= 3);
    }

    #[test]
    fn concurrency_is_checked_with_its_reason() {
        assert_eq!(check_concurrency(4, 32, "").unwrap(), 4);
        for bad in [0, -1, 33, i64::MAX] {
            let err = check_concurrency(bad, 32, "").unwrap_err();
            assert_eq!(
                err.message(),
                format!("concurrency must be between 1 and 32, got {bad}.")
            );
        }
        let err = check_concurrency(65, 64, "Why.").unwrap_err();
        assert!(err.message().ends_with("got 65. Why."), "{err}");
    }
}
