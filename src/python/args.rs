//! Arguments from Python, checked before anything is sent: ids, `since`, durations.

use std::time::Duration;

use jiff::Timestamp;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyInt, PyString, PyType};

use crate::ids::{Id, IdKind};
use crate::timestamps::parse_since;

use super::errors::{configuration, to_pyerr};

static DATETIME: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static DATE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static UTC: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// An id given as an int or a string (digits for sites and organizations; any text that can
/// be an id for surveys, whose ids are opaque).
pub fn id(value: &Bound<'_, PyAny>, kind: IdKind) -> PyResult<Id> {
    let py = value.py();
    let param = kind.param();
    let wanted = if kind == IdKind::Survey {
        "an int or a str"
    } else {
        "an int or a str of digits"
    };
    if value.is_instance_of::<pyo3::types::PyBool>() {
        return Err(PyTypeError::new_err(format!(
            "{param} must be {wanted}, not bool"
        )));
    }
    let parsed = if value.is_instance_of::<PyInt>() {
        match value.extract::<u64>() {
            Ok(number) => Id::from_i128(kind, i128::from(number)),
            // Negative, or beyond any id's range (no API id is longer than 64 bits).
            Err(_) => match value.extract::<i128>() {
                Ok(number) if number <= 0 => Id::from_i128(kind, number),
                _ => Err(crate::error::Error::config(format!(
                    "{param} {} is too large to be an id. {}",
                    value.str()?.to_string_lossy(),
                    kind.where_to_find()
                ))),
            },
        }
    } else if let Ok(text) = value.cast::<PyString>() {
        Id::parse(kind, &text.to_string_lossy())
    } else {
        return Err(PyTypeError::new_err(format!(
            "{param} must be {wanted}, not {}",
            value.get_type().name()?
        )));
    };
    parsed.map_err(|e| to_pyerr(py, &e))
}

/// An optional id, falling back to the client's default; neither given is a
/// `ConfigurationError` that says where to find the id.
pub fn id_or_default(
    value: Option<&Bound<'_, PyAny>>,
    default: Option<&Id>,
    kind: IdKind,
) -> PyResult<Id> {
    match value.filter(|v| !v.is_none()) {
        Some(value) => id(value, kind),
        None => default.cloned().ok_or_else(|| {
            configuration(format!(
                "No {param} given. Pass {param}=... to this call, or set it once with \
                 Client(..., {param}=...) or the HOTJAR_{upper} environment variable. {}",
                kind.where_to_find(),
                param = kind.param(),
                upper = kind.param().to_uppercase(),
            ))
        }),
    }
}

/// `since`: None, an aware datetime, a date (midnight UTC), or an ISO 8601 string.
pub fn since(value: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Timestamp>> {
    let Some(value) = value.filter(|v| !v.is_none()) else {
        return Ok(None);
    };
    let py = value.py();
    let text = if value.is_instance(DATETIME.import(py, "datetime", "datetime")?)? {
        if value.call_method0("utcoffset")?.is_none() {
            return Err(configuration(format!(
                "since={} is a naive datetime (it has no tzinfo), so it could be any time \
                 zone. Pass an aware one, e.g. datetime(2024, 6, 1, tzinfo=timezone.utc).",
                value.repr()?
            )));
        }
        let utc = UTC.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
            Ok(py
                .import("datetime")?
                .getattr("timezone")?
                .getattr("utc")?
                .unbind())
        })?;
        value
            .call_method1("astimezone", (utc.bind(py),))?
            .call_method0("isoformat")?
            .extract::<String>()?
    } else if value.is_instance(DATE.import(py, "datetime", "date")?)? {
        value.call_method0("isoformat")?.extract::<String>()?
    } else if let Ok(text) = value.cast::<PyString>() {
        text.to_string_lossy().into_owned()
    } else {
        return Err(PyTypeError::new_err(format!(
            "since must be a datetime, a date or an ISO 8601 str, not {}",
            value.get_type().name()?
        )));
    };
    parse_since(&text).map(Some).map_err(|e| to_pyerr(py, &e))
}

/// A positive, finite number of seconds (`crate::config`'s rule).
pub fn seconds(value: f64, name: &str, max: f64) -> PyResult<Duration> {
    crate::config::check_seconds(value, name, max).map_err(|e| configuration(e.message()))
}

/// The longest cursor accepted; Hotjar's are opaque, but none is anywhere near this long.
const MAX_CURSOR: usize = 4096;

/// A cursor from a failed export's `resume_cursor`. Cursors are opaque, so only what cannot
/// be one is refused: nothing, a control character (a line break pasted along), or a
/// runaway length.
pub fn cursor(value: Option<String>) -> PyResult<Option<String>> {
    let hint = "Pass the resume_cursor of the error that stopped the export as it is, or None to \
                start from the newest response.";
    match value {
        Some(text) if text.trim().is_empty() => {
            Err(configuration(format!("resume_cursor is empty. {hint}")))
        }
        Some(text) if text.chars().any(char::is_control) => Err(configuration(format!(
            "resume_cursor contains a control character (a line break?), so it is not a cursor \
             the server sent. {hint}"
        ))),
        Some(text) if text.len() > MAX_CURSOR => Err(configuration(format!(
            "resume_cursor is {} characters long, more than any cursor the server sends (at \
             most {MAX_CURSOR}). {hint}",
            text.len()
        ))),
        other => Ok(other),
    }
}

/// An int argument that refuses `True` and `False` (bool is an int subclass in Python, and
/// `max_retries=True` is a mistake, not a request for one retry). An int beyond i64 is held
/// as i64's bound, so that the range check names the argument instead of an OverflowError.
#[derive(Debug, Clone, Copy)]
pub struct Int(pub i64);

impl<'a, 'py> FromPyObject<'a, 'py> for Int {
    type Error = PyErr;

    fn extract(obj: pyo3::Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if obj.is_instance_of::<pyo3::types::PyBool>() || !obj.is_instance_of::<PyInt>() {
            return Err(PyTypeError::new_err(format!(
                "expected an int, not {}",
                obj.get_type().name()?
            )));
        }
        match obj.extract::<i64>() {
            Ok(n) => Ok(Int(n)),
            Err(_) if obj.lt(0)? => Ok(Int(i64::MIN)),
            Err(_) => Ok(Int(i64::MAX)),
        }
    }
}

/// A number of seconds (an int or a float) that refuses `True` and `False`, which Python
/// would otherwise read as 1 and 0: `timeout=True` is a mistake.
#[derive(Debug, Clone, Copy)]
pub struct Float(pub f64);

impl<'a, 'py> FromPyObject<'a, 'py> for Float {
    type Error = PyErr;

    fn extract(obj: pyo3::Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if obj.is_instance_of::<pyo3::types::PyBool>() {
            return Err(PyTypeError::new_err(
                "expected a number of seconds, not bool",
            ));
        }
        Ok(Float(obj.extract::<f64>()?))
    }
}

/// A whole number from 0 to `max` named `name`: a bool or a non-int is a `TypeError`, a
/// number out of range a `ConfigurationError` (never an `OverflowError`).
pub fn count(value: &Bound<'_, PyAny>, name: &str, max: u64) -> PyResult<u64> {
    if value.is_instance_of::<pyo3::types::PyBool>() || !value.is_instance_of::<PyInt>() {
        return Err(PyTypeError::new_err(format!(
            "{name} must be an int, not {}",
            value.get_type().name()?
        )));
    }
    match value.extract::<u64>() {
        Ok(n) if n <= max => Ok(n),
        _ => Err(configuration(format!(
            "{name} must be between 0 and {max}, got {}.",
            value.str()?.to_string_lossy()
        ))),
    }
}

/// The name of a value's type, for an error message ("" if even that fails).
pub fn type_name(value: &Bound<'_, PyAny>) -> String {
    value
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_default()
}
