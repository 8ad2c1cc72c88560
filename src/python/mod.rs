//! The PyO3 bindings: `hotjar_client._native`, a raw native client under the Python package's
//! `Client` and `AsyncClient` classes. They convert at the edge (arguments in, plain lists,
//! dicts and Arrow tables out, errors mapped in `errors`), hold no API logic of their own, and
//! never import the Python package.
//!
//! - `raw_client`: `RawClient`, the core client, its defaults and state; `ops/`: its
//!   operations, one file each, with their blocking and awaitable entries (`entry`, `aio`).
//! - `args`, `convert`, `decode`, `rows`, `table`: values in, JSON and pages out as Python
//!   objects, responses as Arrow.
//! - `errors`, `logging`, `runtime`: the exception tree, `log` to `logging`, the tokio runtime.
//! - `fake`: the offline fake of the API (`hotjar_fake`), for `hotjar_client.testing`.

mod aio;
mod args;
mod convert;
mod decode;
mod entry;
mod errors;
mod fake;
mod gdpr;
mod lock;
mod logging;
mod ops;
mod raw_client;
mod rows;
mod runtime;
mod table;

use pyo3::prelude::*;

#[pymodule]
fn _native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    errors::register(module)?;
    logging::install(module)?;
    aio::register(module)?;
    module.add_class::<raw_client::RawClient>()?;
    module.add_class::<aio::AsyncCall>()?;
    module.add_class::<ops::RawResponsePages>()?;
    module.add_class::<ops::LookupRun>()?;
    module.add_class::<lock::PathLock>()?;
    module.add_class::<fake::FakeHotjar>()?;
    module.add_function(wrap_pyfunction!(gdpr::mask_subject, module)?)?;
    module.add_function(wrap_pyfunction!(gdpr::csv_guard, module)?)?;
    module.add_function(wrap_pyfunction!(gdpr::csv_unguard, module)?)?;
    module.add_function(wrap_pyfunction!(table::question_column_kind, module)?)?;
    module.add_class::<table::PyResponseTable>()?;
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    // One runtime for the sync calls, the fake and (through pyo3-async-runtimes) asyncio.
    let runtime = runtime::runtime()?;
    // A second init (the module imported twice in one process) keeps the first runtime,
    // which is this same one.
    let _ = pyo3_async_runtimes::tokio::init_with_runtime(runtime);
    Ok(())
}
