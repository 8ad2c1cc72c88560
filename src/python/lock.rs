//! `_native.PathLock`: the OS lock of one file path (`crate::export::lock`), for the Python
//! side's own files: `hotjar_client.gdpr.lock_report` holds it on a report CSV while a bulk
//! run reads, continues and rewrites it.

use std::path::PathBuf;
use std::sync::Mutex;

use pyo3::prelude::*;

use crate::export::lock::ExportLock;

use super::errors;

#[pyclass(module = "hotjar_client._native", frozen)]
pub struct PathLock {
    held: Mutex<Option<ExportLock>>,
}

#[pymethods]
impl PathLock {
    /// Takes the lock of `path` (on `<path>.lock`), or raises `ExportFileError` (also a
    /// `BlockingIOError`) at once if another process or run holds it.
    #[new]
    fn new(py: Python<'_>, path: PathBuf, holder: &str) -> PyResult<Self> {
        let lock = ExportLock::take(&path, holder).map_err(|e| errors::to_pyerr(py, &e))?;
        Ok(Self {
            held: Mutex::new(Some(lock)),
        })
    }

    /// Releases the lock (and removes the lock file). Calling it twice is fine.
    fn release(&self) {
        self.held.lock().unwrap_or_else(|p| p.into_inner()).take();
    }
}
