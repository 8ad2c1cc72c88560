//! The one tokio runtime of the process, and the bridge from a blocking Python call to it:
//! the interpreter is released while Rust waits, and Ctrl-C still interrupts.

use std::future::Future;
use std::sync::OnceLock;
use std::time::Duration;

use pyo3::prelude::*;
use tokio::runtime::Runtime;

use super::errors;

/// How often a blocked call looks for a pending signal (Ctrl-C, "Interrupt kernel").
const SIGNAL_POLL: Duration = Duration::from_millis(50);

struct Shared {
    runtime: Runtime,
    /// The process that built the runtime: its worker threads do not survive a fork.
    pid: u32,
}

static RUNTIME: OnceLock<Shared> = OnceLock::new();

fn build() -> std::io::Result<Shared> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("hotjar-client")
        .build()?;
    Ok(Shared {
        runtime,
        pid: std::process::id(),
    })
}

/// The runtime, built on first use. In a forked child it refuses with a clear error: the
/// parent's worker threads do not exist there, and anything spawned would wait forever.
pub fn runtime() -> PyResult<&'static Runtime> {
    let shared = match RUNTIME.get() {
        Some(shared) => shared,
        None => {
            let built = build().map_err(|e| {
                errors::hotjar_error(format!("Could not start the async runtime: {e}"))
            })?;
            RUNTIME.get_or_init(|| built)
        }
    };
    if shared.pid != std::process::id() {
        return Err(errors::hotjar_error(
            "hotjar_client was used in this process's parent before a fork(), and its \
             background threads do not survive forking. Create the client (and any \
             FakeHotjar) in the child process, or use multiprocessing's 'spawn' or \
             'forkserver' start method."
                .to_string(),
        ));
    }
    Ok(&shared.runtime)
}

/// Runs `future` to completion with the interpreter released. Every 50 ms it checks for
/// signals; on Ctrl-C the future is dropped (cancelling its request) and the
/// `KeyboardInterrupt` is raised. The client stays usable afterwards.
pub fn block_on<F, T>(py: Python<'_>, future: F) -> PyResult<T>
where
    F: Future<Output = T> + Send,
    T: Send,
{
    let runtime = runtime()?;
    py.detach(|| {
        runtime.block_on(async {
            tokio::pin!(future);
            loop {
                tokio::select! {
                    output = &mut future => return Ok(output),
                    () = tokio::time::sleep(SIGNAL_POLL) => {
                        Python::attach(|py| py.check_signals())?;
                    }
                }
            }
        })
    })
}
