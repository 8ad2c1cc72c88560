//! Rust futures as asyncio awaitables, on this process's runtime.
//!
//! pyo3-async-runtimes' own tokio glue spawns on the runtime handed to it at import, which is
//! the parent's after a fork(): its threads do not exist in the child, and an awaitable made
//! there would never finish. This glue spawns on `runtime::runtime()`, the runtime of the
//! current process, so an `AsyncClient` created after a fork works in the child, and one
//! created before refuses with a clear error (`ensure_same_process`) instead of hanging.
//!
//! Cancelling the asyncio task cancels the Rust future: pyo3-async-runtimes drops it when the
//! asyncio future is cancelled, and dropping it drops the requests in flight.

use std::cell::OnceCell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use pyo3::prelude::*;
use pyo3_async_runtimes::generic::{self, ContextExt, Runtime};
use pyo3_async_runtimes::TaskLocals;

use super::runtime;

tokio::task_local! {
    static TASK_LOCALS: OnceCell<TaskLocals>;
}

/// The runtime of the current process, for pyo3-async-runtimes.
pub struct ProcessRuntime;

/// A spawned task. `None` only if the runtime could not be started, which `future_into_py`
/// rules out before anything is spawned.
pub struct Handle(Option<tokio::task::JoinHandle<()>>);

pub struct JoinError(tokio::task::JoinError);

impl generic::JoinError for JoinError {
    fn is_panic(&self) -> bool {
        self.0.is_panic()
    }
    fn into_panic(self) -> Box<dyn std::any::Any + Send + 'static> {
        self.0.into_panic()
    }
}

impl Future for Handle {
    type Output = Result<(), JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match &mut self.0 {
            Some(handle) => Pin::new(handle).poll(cx).map_err(JoinError),
            None => Poll::Ready(Ok(())),
        }
    }
}

fn spawn_on_process_runtime(fut: impl Future<Output = ()> + Send + 'static) -> Handle {
    match runtime::runtime() {
        Ok(rt) => Handle(Some(rt.spawn(fut))),
        Err(_) => Handle(None),
    }
}

impl Runtime for ProcessRuntime {
    type JoinError = JoinError;
    type JoinHandle = Handle;

    fn spawn<F>(fut: F) -> Handle
    where
        F: Future<Output = ()> + Send + 'static,
    {
        spawn_on_process_runtime(fut)
    }

    fn spawn_blocking<F>(f: F) -> Handle
    where
        F: FnOnce() + Send + 'static,
    {
        match runtime::runtime() {
            Ok(rt) => Handle(Some(rt.spawn_blocking(f))),
            Err(_) => Handle(None),
        }
    }
}

impl ContextExt for ProcessRuntime {
    fn scope<F, R>(locals: TaskLocals, fut: F) -> Pin<Box<dyn Future<Output = R> + Send>>
    where
        F: Future<Output = R> + Send + 'static,
    {
        let cell = OnceCell::new();
        let _ = cell.set(locals);
        Box::pin(TASK_LOCALS.scope(cell, fut))
    }

    fn get_task_locals() -> Option<TaskLocals> {
        TASK_LOCALS
            .try_with(|c| c.get().cloned())
            .unwrap_or_default()
    }
}

/// An asyncio awaitable for `fut`, run on this process's runtime. Needs a running event loop
/// (call it from a coroutine).
pub fn future_into_py<F, T>(py: Python<'_>, fut: F) -> PyResult<Bound<'_, PyAny>>
where
    F: Future<Output = PyResult<T>> + Send + 'static,
    T: for<'py> IntoPyObject<'py> + Send + 'static,
{
    // Builds this process's runtime now, so that spawning cannot fail below.
    runtime::runtime()?;
    generic::future_into_py::<ProcessRuntime, F, T>(py, fut)
}

/// An awaitable that is already done: `await` gives `value` at once, with no trip through the
/// event loop (used by the async iterator for rows already fetched).
#[pyclass(module = "hotjar_client", frozen)]
pub struct Ready {
    value: Py<PyAny>,
}

impl Ready {
    pub fn new(value: Py<PyAny>) -> Self {
        Self { value }
    }
}

#[pymethods]
impl Ready {
    fn __await__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __iter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<()> {
        Err(pyo3::exceptions::PyStopIteration::new_err((self
            .value
            .clone_ref(py),)))
    }

    fn send(&self, py: Python<'_>, _value: &Bound<'_, PyAny>) -> PyResult<()> {
        self.__next__(py)
    }
}
