//! The GDPR calls at the Python edge: subjects in (checked before anything is sent), result
//! dicts and report rows out. `Client` (and the async client) call these; the work itself is
//! in `crate::gdpr`.
//!
//! A bulk run's rows come back plain, `(fields, subject)` pairs (the masked values of a row,
//! and the subject as sent, for re-running), which `hotjar_client.gdpr` makes `LookupRow`s of,
//! gathered in a `LookupReport`.

use std::collections::HashMap;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;

use pyo3::types::{PyBool, PyDict, PyInt, PyList, PyMapping, PyString};

use crate::error::Error;
use crate::gdpr::{
    self, format_time, Action, BulkResult, LookupOutcome, MaskedSubject, Started, Subject,
};
use crate::ids::{Id, IdKind};

use super::{args, errors};

/// The subject of a call, from its `email=` and `user_ids=` arguments. Wrong types raise
/// `TypeError`; bad values `ConfigurationError` (which never shows the values in full).
pub fn subject(
    py: Python<'_>,
    email: Option<&Bound<'_, PyAny>>,
    user_ids: Option<&Bound<'_, PyAny>>,
) -> PyResult<Subject> {
    let email = match email.filter(|v| !v.is_none()) {
        None => None,
        Some(value) => Some(
            value
                .cast::<PyString>()
                .map_err(|_| {
                    PyTypeError::new_err(format!(
                        "email must be a str or None, not {}",
                        type_name(value)
                    ))
                })?
                .to_string_lossy()
                .into_owned(),
        ),
    };
    let mut ids = Vec::new();
    if let Some(value) = user_ids.filter(|v| !v.is_none()) {
        let mapping = value.cast::<PyMapping>().map_err(|_| {
            PyTypeError::new_err(format!(
                "user_ids must be a dict of site id -> user id, not {}",
                type_name(value)
            ))
        })?;
        for item in mapping.items()?.iter() {
            let (site, user): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract()?;
            ids.push((site_id(py, &site)?, user_id(&user)?));
        }
    }
    Subject::new(email.as_deref(), ids).map_err(|e| errors::to_pyerr(py, &e))
}

/// A key of `user_ids`: a site id. A key that is not one is shown only masked in the error:
/// it may be an email address given in the wrong place.
fn site_id(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<Id> {
    args::id(value, IdKind::Site).map_err(|e| {
        if e.is_instance_of::<PyTypeError>(py) {
            return e;
        }
        let text = value.str().map(|s| s.to_string()).unwrap_or_default();
        if text.contains('@') {
            errors::configuration(
                "The keys of user_ids must be site ids (numbers such as 987654, from the Sites & \
                 Organizations page in Hotjar's settings); one key is an email address. Pass \
                 the address as email= instead.",
            )
        } else {
            // The key may be a user id given in the wrong place: shown masked.
            errors::configuration(format!(
                "Each key of user_ids must be a site_id (a number such as 987654, from the \
                 Sites & Organizations page in Hotjar's settings), got {:?}. Did you swap a \
                 site id and a user id?",
                shown_site_key(&text)
            ))
        }
    })
}

/// A `user_ids` key as it may be shown: a site id as is, anything else masked (it may be a
/// user id or an email address given in the wrong place).
fn shown_site_key(key: &str) -> String {
    if Id::parse(IdKind::Site, key).is_ok() {
        key.trim().to_string()
    } else if key.contains('@') {
        gdpr::mask_email(key.trim())
    } else {
        gdpr::mask_user_id(key.trim())
    }
}

/// A user id: a str, or an int (Identify API ids are often numbers); never a bool.
fn user_id(value: &Bound<'_, PyAny>) -> PyResult<String> {
    if value.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err(
            "a user id must be a str or an int, not bool",
        ));
    }
    if value.is_instance_of::<PyInt>() {
        return Ok(value.str()?.to_string_lossy().into_owned());
    }
    match value.cast::<PyString>() {
        Ok(text) => Ok(text.to_string_lossy().into_owned()),
        Err(_) => Err(PyTypeError::new_err(format!(
            "a user id must be a str or an int, not {}",
            type_name(value)
        ))),
    }
}

fn type_name(value: &Bound<'_, PyAny>) -> String {
    value
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".to_string())
}

fn masked_user_ids<'py>(py: Python<'py>, masked: &MaskedSubject) -> PyResult<Bound<'py, PyAny>> {
    if masked.user_ids.is_empty() {
        return Ok(py.None().into_bound(py));
    }
    let ids = PyDict::new(py);
    for (site, user) in &masked.user_ids {
        ids.set_item(site, user)?;
    }
    Ok(ids.into_any())
}

/// The result of `user_lookup` / `delete_user_data`, as its dict when it reaches Python (from
/// either entry): what was asked (masked), where, the HTTP status and the UTC time.
impl<'py> IntoPyObject<'py> for LookupOutcome {
    type Target = PyDict;
    type Output = Bound<'py, PyDict>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        dict.set_item("action", self.action.as_str())?;
        dict.set_item("email", self.subject.email.as_deref())?;
        dict.set_item("user_ids", masked_user_ids(py, &self.subject)?)?;
        dict.set_item("organization_id", self.organization.as_str())?;
        dict.set_item("http_status", self.http_status)?;
        dict.set_item("at", format_time(self.at))?;
        Ok(dict)
    }
}

/// A bulk run's input and its results; becomes the list of rows when it reaches Python.
pub struct Finished {
    pub bulk: std::sync::Arc<Bulk>,
    pub results: Vec<BulkResult>,
}

impl<'py> IntoPyObject<'py> for Finished {
    type Target = PyList;
    type Output = Bound<'py, PyList>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        self.bulk.rows(py, self.results, None)
    }
}

/// `hotjar_client._native._mask_subject` (public as `hotjar_client.gdpr.mask_subject`): the
/// masked forms the reports show.
#[pyfunction]
#[pyo3(name = "_mask_subject", signature = (email = None, user_ids = None))]
pub fn mask_subject<'py>(
    py: Python<'py>,
    email: Option<&str>,
    user_ids: Option<HashMap<String, String>>,
) -> PyResult<Bound<'py, PyDict>> {
    let mut ids: Vec<(String, String)> = user_ids
        .unwrap_or_default()
        .into_iter()
        .map(|(site, user)| (shown_site_key(&site), gdpr::mask_user_id(&user)))
        .collect();
    ids.sort();
    let masked = MaskedSubject {
        email: email.map(gdpr::mask_email),
        user_ids: ids,
    };
    let dict = PyDict::new(py);
    dict.set_item("email", masked.email.as_deref())?;
    dict.set_item("user_ids", masked_user_ids(py, &masked)?)?;
    Ok(dict)
}

/// How a run that did not finish stopped, for the rows left without a result: the name of
/// the Python exception (`KeyboardInterrupt`, `CancelledError`) and which requests had
/// started.
pub struct Stopped<'a> {
    pub by: &'static str,
    pub started: &'a Started,
}

/// One input of a bulk run, once read.
enum Slot {
    /// A row of an earlier report that already succeeded with this action and organization:
    /// kept as it is, not sent again.
    Carried(Py<PyAny>),
    /// Not sent: its subject is invalid.
    Invalid {
        index: Py<PyAny>,
        given: (Py<PyAny>, Py<PyAny>),
        error: Error,
    },
    /// To send. `given` is the subject as it will be kept for re-running.
    Send {
        index: Py<PyAny>,
        given: (Py<PyAny>, Py<PyAny>),
        masked: MaskedSubject,
    },
}

/// A bulk run, read and checked, before anything is sent.
pub struct Bulk {
    pub action: Action,
    pub organization: Id,
    slots: Vec<Slot>,
    /// (slot, subject) of every subject to send.
    pub to_send: Vec<(usize, Subject)>,
    /// Slot of a repeated subject -> the slot whose request it shares
    /// (`BulkLookup::duplicates`).
    pub duplicates: HashMap<usize, usize>,
}

impl Bulk {
    /// Reads the subjects as `hotjar_client.gdpr` prepared them: `(index, email, user_ids,
    /// carried_row)` tuples. A wrong type raises before anything is sent; an invalid subject
    /// becomes a failed row that is never sent; a carried row is handed back as it is.
    pub fn prepare(
        py: Python<'_>,
        items: &Bound<'_, PyAny>,
        action: Action,
        organization: Id,
    ) -> PyResult<Self> {
        let mut slots = Vec::new();
        let mut to_send = Vec::new();
        for item in items.try_iter()? {
            let (index, email, user_ids, carried): (
                Bound<'_, PyAny>,
                Bound<'_, PyAny>,
                Bound<'_, PyAny>,
                Bound<'_, PyAny>,
            ) = item?.extract()?;
            if !carried.is_none() {
                slots.push(Slot::Carried(carried.unbind()));
                continue;
            }
            let checked = subject(py, Some(&email), Some(&user_ids));
            let given = (email.clone().unbind(), user_ids.clone().unbind());
            match checked {
                Ok(subject) => {
                    let given = (
                        subject.email().into_pyobject(py)?.into_any().unbind(),
                        kept_user_ids(py, &subject)?.unbind(),
                    );
                    to_send.push((slots.len(), subject.clone()));
                    slots.push(Slot::Send {
                        index: index.unbind(),
                        given,
                        masked: subject.masked(),
                    });
                }
                Err(e) if e.is_instance_of::<PyTypeError>(py) => {
                    return Err(PyTypeError::new_err(format!(
                        "subject #{}: {}",
                        index,
                        e.value(py)
                    )))
                }
                Err(e) => slots.push(Slot::Invalid {
                    index: index.unbind(),
                    given,
                    error: Error::config(format!("{}", e.value(py))),
                }),
            }
        }
        Ok(Self {
            action,
            organization,
            slots,
            to_send,
            duplicates: HashMap::new(),
        })
    }

    /// The rows: one per input, in input order. `results` holds what came back; a repeated
    /// subject shares the result of the row that was sent. A subject without a result is
    /// reported as `stopped` left it: not sent, or sent without an answer.
    pub fn rows<'py>(
        &self,
        py: Python<'py>,
        results: Vec<BulkResult>,
        stopped: Option<Stopped<'_>>,
    ) -> PyResult<Bound<'py, PyList>> {
        let by_slot: HashMap<usize, Result<LookupOutcome, Error>> = results.into_iter().collect();
        let now = format_time(gdpr::now_ms());
        let rows = PyList::empty(py);
        for (position, slot) in self.slots.iter().enumerate() {
            let (index, given, masked) = match slot {
                Slot::Carried(row) => {
                    rows.append(row.bind(py))?;
                    continue;
                }
                Slot::Invalid { index, given, .. } => (index, given, None),
                Slot::Send {
                    index,
                    given,
                    masked,
                } => (index, given, Some(masked)),
            };
            let sent = self.duplicates.get(&position).copied();
            let fields = PyDict::new(py);
            fields.set_item("index", index.bind(py))?;
            match masked {
                Some(masked) => {
                    fields.set_item("email", masked.email.as_deref())?;
                    fields.set_item("user_ids", masked_user_ids(py, masked)?)?;
                }
                None => {
                    let shown = mask_given(py, given)?;
                    fields.set_item("email", shown.get_item("email")?)?;
                    fields.set_item("user_ids", shown.get_item("user_ids")?)?;
                }
            }
            fields.set_item("action", self.action.as_str())?;
            fields.set_item("organization_id", self.organization.as_str())?;
            let request = sent.unwrap_or(position);
            let outcome = match slot {
                Slot::Invalid { error, .. } => Some(Err(error.clone())),
                _ => by_slot.get(&request).cloned(),
            };
            match (&outcome, &stopped) {
                (None, stopped) => {
                    let (by, started) = match stopped {
                        Some(s) => (s.by, s.started.contains(request)),
                        None => ("KeyboardInterrupt", true),
                    };
                    let what = if by == "CancelledError" {
                        "cancelled"
                    } else {
                        "interrupted"
                    };
                    let error = if started {
                        format!(
                            "The run was {what} while this subject's request was under way: \
                             Hotjar may have received it. Check before re-running this row."
                        )
                    } else {
                        format!(
                            "Not sent: the run was {what} before this subject's turn. Re-run \
                             the failed rows."
                        )
                    };
                    fields.set_item("status", "failed")?;
                    fields.set_item("http_status", py.None())?;
                    fields.set_item("error_type", by)?;
                    fields.set_item("error", error)?;
                    fields.set_item("at", &now)?;
                }
                (Some(Ok(done)), _) => {
                    fields.set_item("status", "ok")?;
                    fields.set_item("http_status", done.http_status)?;
                    fields.set_item("error_type", py.None())?;
                    fields.set_item("error", py.None())?;
                    fields.set_item("at", format_time(done.at))?;
                }
                (Some(Err(error)), _) => {
                    fields.set_item("status", "failed")?;
                    fields.set_item("http_status", error.status())?;
                    fields.set_item("error_type", errors::class_name(error.kind()))?;
                    fields.set_item("error", error.message())?;
                    fields.set_item("at", &now)?;
                }
            }
            let duplicate_of = match sent.and_then(|first| self.slots.get(first)) {
                Some(Slot::Send { index, .. }) => index.clone_ref(py).into_bound(py),
                _ => py.None().into_bound(py),
            };
            fields.set_item("duplicate_of", duplicate_of)?;
            let subject = PyDict::new(py);
            subject.set_item("email", given.0.bind(py))?;
            subject.set_item("user_ids", given.1.bind(py))?;
            rows.append((fields, subject))?;
        }
        Ok(rows)
    }
}

/// The subject's user ids as they are sent (site id strings -> trimmed user ids), or None.
fn kept_user_ids<'py>(py: Python<'py>, subject: &Subject) -> PyResult<Bound<'py, PyAny>> {
    if subject.user_ids().is_empty() {
        return Ok(py.None().into_bound(py));
    }
    let ids = PyDict::new(py);
    for (site, user) in subject.user_ids() {
        ids.set_item(site, user)?;
    }
    Ok(ids.into_any())
}

/// Masks a subject that failed validation, whatever its shape: strings are masked, anything
/// else is shown only by its type.
fn mask_given<'py>(
    py: Python<'py>,
    given: &(Py<PyAny>, Py<PyAny>),
) -> PyResult<Bound<'py, PyDict>> {
    let email = given
        .0
        .bind(py)
        .cast::<PyString>()
        .ok()
        .map(|s| gdpr::mask_email(s.to_string_lossy().trim()));
    let shown = PyDict::new(py);
    shown.set_item("email", email)?;
    let ids = given.1.bind(py);
    if let Ok(mapping) = ids.cast::<PyMapping>() {
        let masked = PyDict::new(py);
        for item in mapping.items()?.iter() {
            let (site, user): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract()?;
            let user = match user.cast::<PyString>() {
                Ok(s) => gdpr::mask_user_id(s.to_string_lossy().trim()),
                Err(_) => "***".to_string(),
            };
            masked.set_item(shown_site_key(&site.str()?.to_string()), user)?;
        }
        shown.set_item("user_ids", masked)?;
    } else {
        shown.set_item("user_ids", py.None())?;
    }
    Ok(shown)
}

/// `hotjar_client._native._csv_guard`: a CSV cell as written with the spreadsheet-formula
/// guard (`crate::export::formula`), for the report CSV of `hotjar_client.gdpr`.
#[pyfunction]
#[pyo3(name = "_csv_guard")]
pub fn csv_guard(text: &str) -> String {
    crate::export::formula::guard(text).into_owned()
}

/// `hotjar_client._native._csv_unguard`: a guarded CSV cell as it was.
#[pyfunction]
#[pyo3(name = "_csv_unguard")]
pub fn csv_unguard(text: &str) -> String {
    crate::export::formula::unguard(text).to_string()
}
