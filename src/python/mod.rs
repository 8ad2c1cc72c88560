//! The PyO3 bindings: `hotjar_client._native`. They convert at the edge (arguments in, dicts
//! out, errors mapped in `errors`) and hold no API logic of their own.

mod aio;
mod args;
mod async_client;
mod client;
mod client_state;
mod convert;
mod decode;
mod display;
mod errors;
mod fake;
mod gdpr;
mod logging;
mod many;
mod progress;
mod runtime;
mod table;

use pyo3::prelude::*;

#[pymodule]
fn _native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    errors::register(module)?;
    logging::install(module)?;
    aio::register(module)?;
    module.add_class::<client::PyClient>()?;
    module.add_class::<client::ResponseIterator>()?;
    module.add_class::<async_client::PyAsyncClient>()?;
    module.add_class::<async_client::AsyncResponseIterator>()?;
    module.add_class::<fake::FakeHotjar>()?;
    module.add_function(wrap_pyfunction!(gdpr::mask_subject, module)?)?;
    module.add_class::<table::PyResponseTable>()?;
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    // One runtime for the sync calls, the fake and (through pyo3-async-runtimes) asyncio.
    let runtime = runtime::runtime()?;
    // A second init (the module imported twice in one process) keeps the first runtime,
    // which is this same one.
    let _ = pyo3_async_runtimes::tokio::init_with_runtime(runtime);
    Ok(())
}
