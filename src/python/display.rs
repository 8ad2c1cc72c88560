//! Results that display well: the Python containers of `hotjar_client._display`, which stay
//! plain lists but show as tables in notebooks.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyList, PyType};

static SURVEY_LIST: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// `surveys` as a `hotjar_client._display.SurveyList` (a list subclass).
pub fn survey_list<'py>(surveys: Bound<'py, PyList>) -> PyResult<Bound<'py, PyAny>> {
    let py = surveys.py();
    SURVEY_LIST
        .import(py, "hotjar_client._display", "SurveyList")?
        .call1((surveys,))
}
