//! JSON values into Python objects, for small bodies (surveys) and the fake's ground truth.
//! Dicts keep the API's key order (serde_json's `preserve_order`) and strings are shared
//! through the same `StringCache` as `decode`, which turns pages of responses into Python
//! objects straight from their bytes.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use serde_json::Value;

use super::decode::{GcPause, StringCache};

/// Converts many values with one string cache, with the collector paused.
pub struct Converter<'py> {
    py: Python<'py>,
    strings: StringCache,
    _gc: GcPause<'py>,
}

impl<'py> Converter<'py> {
    pub fn new(py: Python<'py>) -> Self {
        Self {
            py,
            strings: StringCache::new(),
            _gc: GcPause::new(py),
        }
    }

    pub fn convert(&mut self, value: Value) -> PyResult<Bound<'py, PyAny>> {
        self.convert_field(value, None)
    }

    /// `field` is the cache index of the key the value belongs to.
    fn convert_field(&mut self, value: Value, field: Option<usize>) -> PyResult<Bound<'py, PyAny>> {
        let py = self.py;
        Ok(match value {
            Value::Null => py.None().into_bound(py),
            Value::Bool(b) => b.into_pyobject(py)?.to_owned().into_any(),
            Value::Number(n) => {
                if let Some(i) = n.as_i64() {
                    i.into_pyobject(py)?.into_any()
                } else if let Some(u) = n.as_u64() {
                    u.into_pyobject(py)?.into_any()
                } else {
                    n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
                }
            }
            Value::String(s) => self.strings.value(py, field, &s).into_any(),
            Value::Array(items) => {
                let list = PyList::empty(py);
                for item in items {
                    list.append(self.convert_field(item, field)?)?;
                }
                list.into_any()
            }
            Value::Object(map) => {
                let dict = PyDict::new(py);
                for (key, item) in map {
                    let (key, _, field) = self.strings.key(py, &key);
                    dict.set_item(key, self.convert_field(item, field)?)?;
                }
                dict.into_any()
            }
        })
    }
}

pub fn value_to_py(py: Python<'_>, value: Value) -> PyResult<Bound<'_, PyAny>> {
    Converter::new(py).convert(value)
}

pub fn values_to_list(py: Python<'_>, values: Vec<Value>) -> PyResult<Bound<'_, PyList>> {
    let mut converter = Converter::new(py);
    let list = PyList::empty(py);
    for value in values {
        list.append(converter.convert(value)?)?;
    }
    Ok(list)
}

/// A JSON value that becomes Python objects when it reaches Python (either entry).
pub struct Json(pub Value);

impl<'py> IntoPyObject<'py> for Json {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        value_to_py(py, self.0)
    }
}
