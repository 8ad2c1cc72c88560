//! `progress=True`: a tqdm bar made by `hotjar_client._progress` (None when tqdm is missing),
//! updated with the responses fetched. A bar that fails never fails the export: its errors
//! are dropped.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

static NEW_BAR: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// A bar, or nothing. Holds no interpreter token, so async code can keep it across awaits.
pub struct Bar(Option<Py<PyAny>>);

impl Bar {
    /// A new bar when `enabled` and tqdm is importable; `surveys` adds "done/total surveys".
    pub fn new(py: Python<'_>, enabled: bool, description: &str, surveys: Option<usize>) -> Self {
        if !enabled {
            return Self(None);
        }
        let make = || -> PyResult<Option<Py<PyAny>>> {
            let new_bar = NEW_BAR.import(py, "hotjar_client._progress", "new_bar")?;
            let bar = new_bar.call1((description, surveys))?;
            Ok((!bar.is_none()).then(|| bar.unbind()))
        };
        Self(make().ok().flatten())
    }

    pub fn is_some(&self) -> bool {
        self.0.is_some()
    }

    /// `responses` more fetched.
    pub fn update(&self, py: Python<'_>, responses: usize) {
        if let Some(bar) = &self.0 {
            if responses > 0 {
                let _ = bar.bind(py).call_method1("update", (responses,));
            }
        }
    }

    /// `done` of `total` surveys finished.
    pub fn surveys(&self, py: Python<'_>, done: usize, total: usize) {
        if let Some(bar) = &self.0 {
            let _ = bar
                .bind(py)
                .call_method1("set_postfix_str", (format!("{done}/{total} surveys"),));
        }
    }

    pub fn close(&self, py: Python<'_>) {
        if let Some(bar) = &self.0 {
            let _ = bar.bind(py).call_method0("close");
        }
    }
}
