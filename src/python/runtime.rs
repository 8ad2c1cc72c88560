//! The tokio runtime of the process, and the bridge from a blocking Python call to it: the
//! interpreter is released while Rust waits, and Ctrl-C still interrupts.

use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

use pyo3::prelude::*;
use tokio::runtime::Runtime;

use super::errors;

/// How often a blocked call looks for a pending signal (Ctrl-C, "Interrupt kernel").
const SIGNAL_POLL: Duration = Duration::from_millis(50);

/// The runtime and the process that built it. After a fork() the child gets a runtime of its
/// own: the parent's worker threads do not exist there. The parent's runtime is leaked, never
/// dropped, because dropping it in the child would wait for threads that are not there.
static RUNTIME: Mutex<Option<(&'static Runtime, u32)>> = Mutex::new(None);

/// The runtime of this process, built on first use.
pub fn runtime() -> PyResult<&'static Runtime> {
    let pid = std::process::id();
    let mut slot = RUNTIME.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((runtime, owner)) = *slot {
        if owner == pid {
            return Ok(runtime);
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("hotjar-client")
        .build()
        .map_err(|e| errors::hotjar_error(format!("Could not start the async runtime: {e}")))?;
    let runtime: &'static Runtime = Box::leak(Box::new(runtime));
    *slot = Some((runtime, pid));
    Ok(runtime)
}

/// Refuses objects made before a fork(): their connections and tasks live on the parent's
/// threads, and using them in the child would hang.
pub fn ensure_same_process(created_in: u32, what: &str) -> PyResult<()> {
    if created_in == std::process::id() {
        return Ok(());
    }
    Err(errors::hotjar_error(format!(
        "This {what} was created before the process forked, and its background threads do \
         not exist in the child. Create the {what} in the child process (after the fork), or \
         use multiprocessing's 'spawn' or 'forkserver' start method."
    )))
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
