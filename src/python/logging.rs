//! The Rust `log` events of this crate, sent to Python's `logging` (through pyo3-log) under the
//! `hotjar_client` logger: the target `hotjar_client::transport` becomes the logger
//! `hotjar_client.transport`, and so on.
//!
//! Two things make the bridge safe in a process that also runs Python:
//! - Only this crate's events cross over (reqwest, rustls and hyper stay quiet), and pyo3-log
//!   caches each logger's level, so a disabled event is dropped without touching the
//!   interpreter. The cache is refreshed at the start of every client call ([`refresh`]), so
//!   `logging.basicConfig(level=logging.DEBUG)` after the import takes effect on the next call.
//! - Once the interpreter starts shutting down (an `atexit` hook), events are dropped instead
//!   of attaching a tokio thread to a finalizing interpreter.
//!
//! A tokio thread that logs needs the GIL, so no thread may hold the GIL while it blocks on a
//! tokio task: every blocking wait goes through `runtime::block_on`, which detaches first.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use log::{LevelFilter, Log, Metadata, Record};
use pyo3::prelude::*;
use pyo3_log::{Caching, Logger, ResetHandle};

/// The crate's own target prefix: `log` targets are module paths.
const TARGET: &str = "hotjar_client";

static RESET: OnceLock<ResetHandle> = OnceLock::new();
static SHUTTING_DOWN: AtomicBool = AtomicBool::new(false);

/// pyo3-log's logger, silenced once the interpreter begins to shut down.
struct Bridge(Logger);

impl Log for Bridge {
    fn enabled(&self, metadata: &Metadata) -> bool {
        !SHUTTING_DOWN.load(Ordering::Acquire) && self.0.enabled(metadata)
    }

    fn log(&self, record: &Record) {
        if !SHUTTING_DOWN.load(Ordering::Acquire) {
            self.0.log(record);
        }
    }

    fn flush(&self) {}
}

/// Marks the interpreter as shutting down; registered with `atexit`.
#[pyfunction]
fn _stop_logging() {
    SHUTTING_DOWN.store(true, Ordering::Release);
}

/// Re-reads the Python loggers' levels, e.g. after ``logging.basicConfig(level=logging.DEBUG)``.
///
/// Every client call does this on its own; call it to apply a level change to a call already
/// running (or to an ``AsyncClient`` task started earlier).
#[pyfunction]
pub fn refresh_logging() {
    refresh();
}

/// Forgets the cached Python loggers and levels (cheap: one atomic swap).
pub fn refresh() {
    if let Some(handle) = RESET.get() {
        handle.reset();
    }
}

/// Installs the bridge, once per process. A logger already installed (another copy of the
/// module in the same process, which cannot happen with one `.so`) leaves things as they are.
pub fn install(module: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = module.py();
    module.add_function(wrap_pyfunction!(refresh_logging, module)?)?;
    if RESET.get().is_some() {
        return Ok(());
    }
    let logger = Logger::new(py, Caching::LoggersAndLevels)?
        .filter(LevelFilter::Off)
        .filter_target(TARGET.to_string(), LevelFilter::Debug);
    let handle = logger.reset_handle();
    if log::set_boxed_logger(Box::new(Bridge(logger))).is_ok() {
        log::set_max_level(LevelFilter::Debug);
        let _ = RESET.set(handle);
        let stop = wrap_pyfunction!(_stop_logging, module)?;
        py.import("atexit")?.call_method1("register", (stop,))?;
    }
    Ok(())
}
