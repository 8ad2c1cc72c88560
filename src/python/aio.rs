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
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
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

/// Threads that are about to take, or hold, the interpreter to hand a result to asyncio.
///
/// Handing over a result ends with `call_soon_threadsafe`, which releases the interpreter while
/// it wakes the event loop. The loop can then finish and Python exit before that thread takes
/// the interpreter back; a thread that does so during finalization is killed by CPython, which
/// aborts the process. An `atexit` hook waits for these threads first (see `register`).
static HANDING_OVER: AtomicUsize = AtomicUsize::new(0);

/// Counts a thread in `HANDING_OVER` while it lives.
pub struct HandOver;

impl HandOver {
    pub fn start() -> Self {
        HANDING_OVER.fetch_add(1, Ordering::SeqCst);
        Self
    }
}

impl Drop for HandOver {
    fn drop(&mut self) {
        HANDING_OVER.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Waits (with the interpreter released) until no thread is handing a result over, for at
/// most two seconds. Registered with `atexit`.
#[pyfunction]
fn _wait_for_async_results(py: Python<'_>) {
    py.detach(|| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
        while HANDING_OVER.load(Ordering::SeqCst) > 0 && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    });
}

/// Registers the exit hook of `HANDING_OVER`.
pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    let hook = wrap_pyfunction!(_wait_for_async_results, module)?;
    module
        .py()
        .import("atexit")?
        .call_method1("register", (hook,))?;
    Ok(())
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
        // pyo3-async-runtimes spawns a blocking task only to hand a result over.
        let counted = HandOver::start();
        match runtime::runtime() {
            Ok(rt) => Handle(Some(rt.spawn_blocking(move || {
                let _counted = counted;
                f();
            }))),
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

/// Starts a call: turns its Rust future into an asyncio future, inside the running loop.
type Start = Box<dyn FnOnce(Python<'_>) -> PyResult<Bound<'_, PyAny>> + Send>;

/// What the awaitable entries return (and so `AsyncClient`'s methods): a coroutine, as an
/// `async def` method would. Nothing
/// runs until it is awaited (or wrapped in a task), so `asyncio.run(client.responses(1))` and
/// `asyncio.create_task(...)` work, and a call never awaited sends nothing. On its first step
/// it starts the Rust future (`future_into_py`) and from then on delegates to the asyncio
/// future's iterator, so cancelling the task cancels the Rust future.
#[pyclass(module = "hotjar_client._native", name = "AsyncCall", frozen)]
pub struct AsyncCall {
    name: &'static str,
    /// The process that made the call: its client's connections belong to that process.
    pid: u32,
    start: Mutex<Option<Start>>,
    running: Mutex<Option<Py<PyAny>>>,
    /// Applied to the result before it is handed over (`then()`), e.g. a Python class that
    /// wraps it.
    then: Mutex<Option<Py<PyAny>>>,
}

impl AsyncCall {
    pub fn new<F, T>(name: &'static str, fut: F) -> Self
    where
        F: Future<Output = PyResult<T>> + Send + 'static,
        T: for<'py> IntoPyObject<'py> + Send + 'static,
    {
        Self {
            name,
            pid: std::process::id(),
            start: Mutex::new(Some(Box::new(move |py| future_into_py(py, fut)))),
            running: Mutex::new(None),
            then: Mutex::new(None),
        }
    }

    fn running(&self) -> MutexGuard<'_, Option<Py<PyAny>>> {
        self.running.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn take_start(&self) -> Option<Start> {
        self.start.lock().unwrap_or_else(|p| p.into_inner()).take()
    }

    /// The asyncio future's iterator, starting the call on first use.
    fn iterator<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        if let Some(running) = self.running().as_ref() {
            return Ok(running.bind(py).clone());
        }
        runtime::ensure_same_process(self.pid, "AsyncClient call")?;
        let Some(start) = self.take_start() else {
            return Err(pyo3::exceptions::PyRuntimeError::new_err(
                "cannot reuse an already awaited AsyncClient call",
            ));
        };
        let iterator = start(py)?.call_method0("__await__")?;
        *self.running() = Some(iterator.clone().unbind());
        Ok(iterator)
    }
}

impl AsyncCall {
    /// A step of the running call: its end (`StopIteration`) carries the result, which gets
    /// the `then()` wrapper applied.
    fn finish<'py>(
        &self,
        py: Python<'py>,
        step: PyResult<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let Err(error) = step else {
            return step;
        };
        if !error.is_instance_of::<pyo3::exceptions::PyStopIteration>(py) {
            return Err(error);
        }
        let wrap = self.then.lock().unwrap_or_else(|p| p.into_inner()).take();
        let Some(wrap) = wrap else {
            return Err(error);
        };
        let value = error.value(py).getattr("value")?;
        let wrapped = wrap.bind(py).call1((value,))?;
        Err(pyo3::exceptions::PyStopIteration::new_err((
            wrapped.unbind(),
        )))
    }
}

/// The exception `throw(typ, val)` asks for.
fn thrown(typ: &Bound<'_, PyAny>, val: Option<&Bound<'_, PyAny>>) -> PyErr {
    let exception = match val.filter(|v| !v.is_none()) {
        Some(value) => Ok(value.clone()),
        None if typ.is_instance_of::<pyo3::types::PyType>() => typ.call0(),
        None => Ok(typ.clone()),
    };
    match exception {
        Ok(exception) => PyErr::from_value(exception),
        Err(error) => error,
    }
}

#[pymethods]
impl AsyncCall {
    fn __await__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __iter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    /// Has `wrap` applied to the result when it is handed over; returns this same call.
    fn then(slf: Py<Self>, wrap: Py<PyAny>) -> Py<Self> {
        *slf.get().then.lock().unwrap_or_else(|p| p.into_inner()) = Some(wrap);
        slf
    }

    fn __next__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let step = self.iterator(py)?.call_method0("__next__");
        self.finish(py, step)
    }

    fn send<'py>(&self, py: Python<'py>, value: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let step = self.iterator(py)?.call_method1("send", (value,));
        self.finish(py, step)
    }

    #[pyo3(signature = (typ, val = None, tb = None))]
    fn throw<'py>(
        &self,
        py: Python<'py>,
        typ: &Bound<'py, PyAny>,
        val: Option<&Bound<'py, PyAny>>,
        tb: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        // Never started: the Rust future is dropped unrun, and what was thrown in is raised.
        drop(self.take_start());
        let running = self.running().as_ref().map(|r| r.bind(py).clone());
        let Some(running) = running else {
            return Err(thrown(typ, val));
        };
        let step = match (val, tb) {
            (None, _) => running.call_method1("throw", (typ,)),
            (Some(val), None) => running.call_method1("throw", (typ, val)),
            (Some(val), Some(tb)) => running.call_method1("throw", (typ, val, tb)),
        };
        self.finish(py, step)
    }

    fn close(&self, py: Python<'_>) -> PyResult<()> {
        drop(self.take_start());
        let running = self.running().take();
        if let Some(running) = running {
            running.bind(py).call_method0("close")?;
        }
        Ok(())
    }

    fn __repr__(&self) -> String {
        let started = self.running().is_some();
        let pending = self.start.lock().map(|s| s.is_some()).unwrap_or(false);
        let state = match (started, pending) {
            (true, _) => "running",
            (false, true) => "not started",
            (false, false) => "done",
        };
        format!("<hotjar_client.AsyncCall {} {state}>", self.name)
    }
}
