//! The two entries of every operation, over one async body that runs on the process's runtime:
//! the blocking one ([`wait`]) for `Client`, the awaitable one (`aio::AsyncCall`) for
//! `AsyncClient`. A body converts what it returns and its errors with the interpreter attached
//! from the thread it runs on ([`attach_in_worker`]: a tokio worker for the awaitable entry, the
//! caller's thread inside the runtime for the blocking one), so both entries hand Python the
//! same objects.
//! A long call's progress bar ([`Bar`]) is told of every response kept (`crate::progress`).

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures_util::FutureExt;
use pyo3::prelude::*;

use crate::error::Error;

use super::errors;
use super::runtime::block_on;

/// The blocking entry: runs `body` on the calling thread, inside the runtime, with the
/// interpreter released. Not spawned: the thread that called keeps the call's buffers (a
/// file export's row groups) in its own allocator arena; spread over the runtime's workers
/// they made an export's peak memory 10-15% higher. Ctrl-C (or "Interrupt kernel") drops
/// `body` before `KeyboardInterrupt` is raised, which cancels its requests and removes any
/// file it was writing; the client stays usable. A panic in `body` becomes an error here and
/// never unwinds into Python.
pub fn wait<T>(py: Python<'_>, body: impl Future<Output = PyResult<T>> + Send) -> PyResult<T>
where
    T: Send,
{
    block_on(py, AssertUnwindSafe(body).catch_unwind())?.unwrap_or_else(|_panicked| {
        Err(errors::hotjar_error(
            "The call stopped without a result (an internal error); please report it.".into(),
        ))
    })
}

/// Runs `f` with the interpreter attached from the body's thread; on a tokio worker, tokio is
/// told to move its other tasks elsewhere while this thread waits for, and holds, the
/// interpreter.
pub fn attach_in_worker<T>(f: impl for<'py> FnOnce(Python<'py>) -> T) -> T {
    let _counted = super::aio::HandOver::start();
    tokio::task::block_in_place(|| Python::attach(f))
}

/// A core error as the Python exception, from the body's thread.
pub fn py_error(error: &Error) -> PyErr {
    attach_in_worker(|py| errors::to_pyerr(py, error))
}

/// `progress=True`: a bar (tqdm's, made by `hotjar_client._progress.new_bar`), or nothing.
/// It is told of every response kept as it is kept, and closed when the call is done. A bar
/// that fails never fails the call: its errors are dropped.
#[derive(Clone, Default)]
pub struct Bar(Option<Arc<Py<PyAny>>>);

impl Bar {
    /// The bar `make` makes (a callable given as `progress`), made once the call's arguments
    /// are checked; none when `make` is None or makes None.
    pub fn new(make: Option<Bound<'_, PyAny>>) -> Self {
        let bar = make
            .filter(|m| !m.is_none())
            .and_then(|make| make.call0().ok())
            .filter(|bar| !bar.is_none());
        Self(bar.map(|b| Arc::new(b.unbind())))
    }

    /// Runs `body`, telling the bar of every response it keeps, and closes the bar.
    pub async fn watch<F: Future>(&self, body: F) -> F::Output {
        let output = self.counting(body).await;
        if let Some(bar) = &self.0 {
            attach_in_worker(|py| {
                let _ = bar.bind(py).call_method0("close");
            });
        }
        output
    }

    async fn counting<F: Future>(&self, body: F) -> F::Output {
        match &self.0 {
            None => body.await,
            Some(bar) => {
                let bar = bar.clone();
                let sink: crate::progress::Sink = Arc::new(move |responses| {
                    attach_in_worker(|py| {
                        let _ = bar.bind(py).call_method1("update", (responses,));
                    });
                });
                crate::progress::reporting(sink, body).await
            }
        }
    }

    /// `done` of `total` surveys finished.
    pub fn surveys(&self, done: usize, total: usize) {
        if let Some(bar) = &self.0 {
            attach_in_worker(|py| {
                let _ = bar
                    .bind(py)
                    .call_method1("set_postfix_str", (format!("{done}/{total} surveys"),));
            });
        }
    }
}
