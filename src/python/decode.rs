//! Page bodies straight into Python dicts: one pass over the JSON bytes that builds each
//! Python object as the parser meets it, with no `serde_json::Value` in between. Ids sent as
//! numbers become str on the way (as `ids::normalize_ids` does for values), and dict keys keep
//! the API's order.
//!
//! Strings repeat a lot in survey data: every dict has the same keys, and fields such as
//! `country`, `device`, `question_id`, `sentiment` or a choice's `answer` take a few values.
//! A `StringCache` hands out one str per key and per short value of a key, which saved 26% of
//! the memory of 20k decoded responses; values that never repeat (ids, timestamps) stop being
//! added once a key has 1024 of them.
//!
//! Python's cyclic garbage collector is paused while a page is built: every new dict and list
//! counts towards its next pass, and each pass walks every container of the young generation,
//! so a page of 100 responses (about 6,000 containers) would trigger eight passes that cannot
//! find anything (JSON has no cycles).

use std::collections::HashMap;
use std::fmt;

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyModule, PyString};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::error::{Error, ErrorKind};
use crate::ids::{float_id, is_id_key};
use crate::page_index::{self, KeyName};

static GC: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

/// Pauses the cyclic garbage collector until dropped, if it was running.
pub struct GcPause<'py> {
    gc: Option<Bound<'py, PyModule>>,
}

impl<'py> GcPause<'py> {
    pub fn new(py: Python<'py>) -> Self {
        let pause = || -> PyResult<Option<Bound<'py, PyModule>>> {
            let gc = GC
                .get_or_try_init(py, || py.import("gc").map(Bound::unbind))?
                .bind(py)
                .clone();
            if gc.call_method0("isenabled")?.is_truthy()? {
                gc.call_method0("disable")?;
                return Ok(Some(gc));
            }
            Ok(None)
        };
        // If the gc module misbehaves, decode with the collector running: slower, not wrong.
        Self {
            gc: pause().ok().flatten(),
        }
    }
}

impl Drop for GcPause<'_> {
    fn drop(&mut self) {
        if let Some(gc) = &self.gc {
            let _ = gc.call_method0("enable");
        }
    }
}

type FastMap = HashMap<Box<str>, Py<PyString>, foldhash::fast::RandomState>;

/// Values longer than this are free text: they rarely repeat and are costly to hash.
const MAX_CACHED_VALUE: usize = 64;
const MAX_VALUES_PER_KEY: usize = 1024;
const MAX_KEYS: usize = 256;

struct Field {
    name: Box<str>,
    key: Py<PyString>,
    is_id: bool,
    values: FastMap,
    lookups: u32,
    hits: u32,
    /// Set once the cache is full and fewer than a quarter of lookups hit: the key's values
    /// are unique (ids, timestamps), and hashing them is wasted work.
    unique: bool,
}

/// The strs already made for dict keys and, per key, for short values. Field names are a
/// small set, so they are found by a search in order, which beats hashing. It holds no
/// interpreter token, so one cache serves a whole export, decoded a few pages at a time.
#[derive(Default)]
pub struct StringCache {
    fields: Vec<Field>,
}

impl StringCache {
    pub fn new() -> Self {
        Self {
            fields: Vec::with_capacity(64),
        }
    }

    /// The str of a key, whether it names an id, and its index for `value`.
    pub fn key<'py>(
        &mut self,
        py: Python<'py>,
        name: &str,
    ) -> (Bound<'py, PyString>, bool, Option<usize>) {
        if let Some(index) = self.fields.iter().position(|f| &*f.name == name) {
            let field = &self.fields[index];
            return (field.key.bind(py).clone(), field.is_id, Some(index));
        }
        let key = PyString::new(py, name);
        let is_id = is_id_key(name);
        if self.fields.len() >= MAX_KEYS {
            return (key, is_id, None);
        }
        self.fields.push(Field {
            name: name.into(),
            key: key.clone().unbind(),
            is_id,
            values: FastMap::default(),
            lookups: 0,
            hits: 0,
            unique: false,
        });
        (key, is_id, Some(self.fields.len() - 1))
    }

    /// The str of a value of the key at `field`.
    pub fn value<'py>(
        &mut self,
        py: Python<'py>,
        field: Option<usize>,
        text: &str,
    ) -> Bound<'py, PyString> {
        let Some(field) = field
            .filter(|_| text.len() <= MAX_CACHED_VALUE)
            .and_then(|i| self.fields.get_mut(i))
            .filter(|f| !f.unique)
        else {
            return PyString::new(py, text);
        };
        field.lookups = field.lookups.saturating_add(1);
        if let Some(cached) = field.values.get(text) {
            field.hits = field.hits.saturating_add(1);
            return cached.bind(py).clone();
        }
        let created = PyString::new(py, text);
        if field.values.len() < MAX_VALUES_PER_KEY {
            field.values.insert(text.into(), created.clone().unbind());
        } else if field.hits < field.lookups / 4 {
            field.unique = true;
            field.values = FastMap::default();
        }
        created
    }
}

/// Decodes the kept items of a page's `results` (`keep[i]` for item `i`) and appends them to
/// `out`. Returns how many were appended. All or nothing: on error, `out` is as it was, so a
/// caller's partial results never hold part of a page that resuming fetches again.
///
/// The page was read once already (`page::IndexedPage`), so this fails only where that quick read
/// could not look: a string with an escape that is no character (a lone surrogate), or a
/// Python error while building an object (out of memory). The caller pauses the collector
/// (`GcPause`) around all the pages it decodes at once.
pub fn append_results<'py>(
    py: Python<'py>,
    body: &[u8],
    keep: Option<&[bool]>,
    keys: &mut StringCache,
    out: &Bound<'py, PyList>,
) -> Result<usize, Error> {
    let before = out.len();
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let page = Envelope(Results {
        py,
        keys,
        keep,
        out,
    });
    deserializer.deserialize_map(page).map_err(|e| {
        // Found by tests/python/test_fuzz.py: the rows decoded before the bad one stayed in
        // `out`, so a failed export's `partial` held part of the page it resumes from.
        let _ = out.del_slice(before, out.len());
        Error::new(
            ErrorKind::InvalidResponse,
            format!("The server's page could not be decoded ({e})."),
        )
    })
}

/// The page object: its `results` go to the inner seed, everything else is skipped.
struct Envelope<'a, 'py>(Results<'a, 'py>);

impl<'de> Visitor<'de> for Envelope<'_, '_> {
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a page object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<usize, A::Error> {
        let mut results = Some(self.0);
        let mut appended = 0;
        while let Some(key) = map.next_key::<KeyName>()? {
            // page::IndexedPage refuses a page with two `results`; this never sees one.
            let seed = match key.0 {
                page_index::Key::Results => results.take(),
                _ => None,
            };
            if let Some(seed) = seed {
                appended = map.next_value_seed(seed)?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(appended)
    }
}

struct Results<'a, 'py> {
    py: Python<'py>,
    keys: &'a mut StringCache,
    keep: Option<&'a [bool]>,
    out: &'a Bound<'py, PyList>,
}

impl<'de> DeserializeSeed<'de> for Results<'_, '_> {
    type Value = usize;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Results<'_, '_> {
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of results")
    }

    fn visit_unit<E: de::Error>(self) -> Result<usize, E> {
        Ok(0)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<usize, A::Error> {
        let mut index = 0;
        let mut appended = 0;
        loop {
            let wanted = self
                .keep
                .is_none_or(|k| k.get(index).copied().unwrap_or(false));
            index += 1;
            if wanted {
                let seed = AnyValue::new(self.py, &mut *self.keys, None, false);
                match seq.next_element_seed(seed)? {
                    Some(item) => {
                        self.out.append(item).map_err(de::Error::custom)?;
                        appended += 1;
                    }
                    None => break,
                }
            } else if seq.next_element::<IgnoredAny>()?.is_none() {
                break;
            }
        }
        Ok(appended)
    }
}

/// Any JSON value as a Python object. `field` is the key it is the value of (an array's items
/// share their array's); `id_field` is set directly under an `id` or `*_id` key, where a number
/// becomes a str.
struct AnyValue<'a, 'py> {
    py: Python<'py>,
    keys: &'a mut StringCache,
    field: Option<usize>,
    id_field: bool,
}

impl<'a, 'py> AnyValue<'a, 'py> {
    fn new(
        py: Python<'py>,
        keys: &'a mut StringCache,
        field: Option<usize>,
        id_field: bool,
    ) -> Self {
        Self {
            py,
            keys,
            field,
            id_field,
        }
    }
}

impl<'de, 'py> DeserializeSeed<'de> for AnyValue<'_, 'py> {
    type Value = Bound<'py, PyAny>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

fn py_err<E: de::Error>(e: PyErr) -> E {
    E::custom(e)
}

fn infallible<T>(result: Result<T, std::convert::Infallible>) -> T {
    match result {
        Ok(value) => value,
        Err(never) => match never {},
    }
}

impl<'de, 'py> Visitor<'de> for AnyValue<'_, 'py> {
    type Value = Bound<'py, PyAny>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(self.py.None().into_bound(self.py))
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Self::Value, E> {
        Ok(pyo3::types::PyBool::new(self.py, b).to_owned().into_any())
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Self::Value, E> {
        if self.id_field {
            return Ok(PyString::new(self.py, &n.to_string()).into_any());
        }
        Ok(infallible(n.into_pyobject(self.py)).into_any())
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Self::Value, E> {
        if self.id_field {
            return Ok(PyString::new(self.py, &n.to_string()).into_any());
        }
        Ok(infallible(n.into_pyobject(self.py)).into_any())
    }

    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Self::Value, E> {
        if let Some(id) = float_id(n).filter(|_| self.id_field) {
            return Ok(PyString::new(self.py, &id).into_any());
        }
        Ok(infallible(n.into_pyobject(self.py)).into_any())
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
        Ok(self.keys.value(self.py, self.field, s).into_any())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let list = PyList::empty(self.py);
        loop {
            // As in `ids::normalize_ids`: only a number directly under an id key is an id.
            let seed = AnyValue::new(self.py, &mut *self.keys, self.field, false);
            match seq.next_element_seed(seed)? {
                Some(item) => list.append(item).map_err(py_err::<A::Error>)?,
                None => break,
            }
        }
        Ok(list.into_any())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let dict = PyDict::new(self.py);
        loop {
            let key_seed = Key {
                py: self.py,
                keys: &mut *self.keys,
            };
            let Some((key, is_id, field)) = map.next_key_seed(key_seed)? else {
                break;
            };
            let value =
                map.next_value_seed(AnyValue::new(self.py, &mut *self.keys, field, is_id))?;
            dict.set_item(key, value).map_err(py_err::<A::Error>)?;
        }
        Ok(dict.into_any())
    }
}

/// A dict key as a (cached) str, whether it names an id, and its cache index.
struct Key<'a, 'py> {
    py: Python<'py>,
    keys: &'a mut StringCache,
}

impl<'de, 'py> DeserializeSeed<'de> for Key<'_, 'py> {
    type Value = (Bound<'py, PyString>, bool, Option<usize>);
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'py> Visitor<'_> for Key<'_, 'py> {
    type Value = (Bound<'py, PyString>, bool, Option<usize>);

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
        Ok(self.keys.key(self.py, key))
    }
}
