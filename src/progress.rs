//! Progress of a long call (a list of responses, a table, a file export, many surveys) for a
//! caller that shows it. A call is watched by running it under [`reporting`] with a sink, a
//! callback told how many responses were kept each time some are; [`kept`] is called where
//! responses are kept (a table's rows, a file's rows, the bindings' dicts), the one place they
//! are counted. The sink is a tokio task-local, so the calls' signatures stay as they are and
//! a call nobody watches pays nothing; work the call runs in tasks of its own (the worker
//! pool) carries it along ([`Progress`]).

use std::future::Future;
use std::sync::Arc;

/// Told the number of responses kept, each time some are.
pub type Sink = Arc<dyn Fn(usize) + Send + Sync>;

tokio::task_local! {
    static SINK: Sink;
}

/// Runs `future`, telling `sink` about every response it keeps.
pub async fn reporting<F: Future>(sink: Sink, future: F) -> F::Output {
    SINK.scope(sink, future).await
}

/// `responses` more were kept by the running call.
pub fn kept(responses: usize) {
    if responses > 0 {
        let _ = SINK.try_with(|sink| sink(responses));
    }
}

/// The sink of a call, or none (a call nobody watches), to carry into another task.
#[derive(Clone, Default)]
pub(crate) struct Progress(Option<Sink>);

impl Progress {
    /// The sink of the call running in this task, if it is watched.
    pub(crate) fn of_current_call() -> Self {
        Self(SINK.try_with(Arc::clone).ok())
    }

    /// Runs `future` (in another task, say) as part of the same watched call.
    pub(crate) async fn scope<F: Future>(self, future: F) -> F::Output {
        match self.0 {
            Some(sink) => reporting(sink, future).await,
            None => future.await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn only_a_watched_call_reports() {
        kept(5); // outside any watched call: ignored
        let total = Arc::new(AtomicUsize::new(0));
        let seen = total.clone();
        let sink: Sink = Arc::new(move |n| {
            seen.fetch_add(n, Ordering::Relaxed);
        });
        reporting(sink, async {
            kept(100);
            tokio::task::yield_now().await;
            let elsewhere = tokio::spawn(Progress::of_current_call().scope(async {
                kept(23);
            }));
            elsewhere.await.unwrap();
        })
        .await;
        assert_eq!(total.load(Ordering::Relaxed), 123);
    }
}
