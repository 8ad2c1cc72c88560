//! JSON values into Python objects: dicts keep the API's key order (serde_json's
//! `preserve_order`), and keys repeated across thousands of objects share one str each.
//! Used for small bodies (surveys) and the fake's ground truth; pages of responses go through
//! `decode`, which skips the intermediate values.

use std::collections::HashMap;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};

use super::decode::GcPause;
use serde_json::Value;

/// Converts many values with one cache of dict keys, with the collector paused.
pub struct Converter<'py> {
    py: Python<'py>,
    keys: HashMap<String, Bound<'py, PyString>>,
    _gc: GcPause<'py>,
}

impl<'py> Converter<'py> {
    pub fn new(py: Python<'py>) -> Self {
        Self {
            py,
            keys: HashMap::new(),
            _gc: GcPause::new(py),
        }
    }

    fn key(&mut self, key: &str) -> Bound<'py, PyString> {
        if let Some(cached) = self.keys.get(key) {
            return cached.clone();
        }
        let created = PyString::new(self.py, key);
        // Keys are field names: a bounded set. Free-form keys (user attribute maps) would grow
        // the cache without end, so stop caching past a size no real schema reaches.
        if self.keys.len() < 4096 {
            self.keys.insert(key.to_string(), created.clone());
        }
        created
    }

    pub fn convert(&mut self, value: Value) -> PyResult<Bound<'py, PyAny>> {
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
            Value::String(s) => PyString::new(py, &s).into_any(),
            Value::Array(items) => {
                let list = PyList::empty(py);
                for item in items {
                    list.append(self.convert(item)?)?;
                }
                list.into_any()
            }
            Value::Object(map) => {
                let dict = PyDict::new(py);
                for (key, item) in map {
                    let key = self.key(&key);
                    dict.set_item(key, self.convert(item)?)?;
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
