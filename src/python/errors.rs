//! The Python exception hierarchy, created here when the module loads, and the one place where
//! core errors become Python exceptions.
//!
//! ```text
//! HotjarError
//! ├── ConfigurationError (also ValueError)   bad input, raised before any request
//! │   └── ConfirmationRequiredError          a deletion without confirm=True; nothing sent
//! ├── AuthenticationError                    401, refused key or token
//! ├── PermissionDeniedError                  403, plan or scope
//! ├── NotFoundError                          404, site / survey / organization
//! ├── RateLimitError                         429 after retries, .retry_after
//! ├── ServerError                            5xx after retries
//! ├── BadRequestError                        another 4xx
//! ├── TransportError                         network, timeout
//! ├── InvalidResponseError                   a body that breaks the API's promises
//! ├── ClientClosedError (also RuntimeError)  the client was closed
//! └── ExportFileError (also OSError)         an export file could not be written
//!     ├── ExportPermissionError (also PermissionError)
//!     ├── ExportFileNotFoundError (also FileNotFoundError)
//!     ├── ExportFileExistsError (also FileExistsError)
//!     ├── ExportIsADirectoryError (also IsADirectoryError)
//!     ├── ExportNotADirectoryError (also NotADirectoryError)
//!     └── ExportBlockingIOError (also BlockingIOError)  another export holds the path's lock
//! ```
//!
//! A file error carries `errno`, `strerror` and `filename` as Python's own `OSError` does, and
//! is raised as the subclass that matches its cause, so `except PermissionError` catches an
//! export into a read-only folder.

use std::io;

use pyo3::exceptions::{PyException, PyRuntimeError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};

use crate::error::{Error, ErrorKind};

/// A class of the tree.
struct Class {
    name: &'static str,
    /// The core errors it is raised for.
    kinds: &'static [ErrorKind],
    /// Its parent, earlier in `CLASSES`; the root, `HotjarError`, has none (it is an
    /// `Exception`).
    parent: Option<&'static str>,
    /// The builtin exception it also is, so that `except ValueError` catches it.
    builtin: Option<&'static str>,
    doc: &'static str,
}

/// The tree, parents first: the one list of its classes, what each stands for and says.
const CLASSES: [Class; 13] = [
    Class {
        name: "HotjarError",
        kinds: &[ErrorKind::TooLarge],
        parent: None,
        builtin: None,
        doc: "Base class of every error raised by hotjar_client.\n\n\
              Attributes: ``status`` (the HTTP status, or None), ``retry_after`` (seconds, for \
              rate limits), ``partial`` (what a failed export had already fetched) and \
              ``resume_cursor`` (pass it back to continue that export).",
    },
    Class {
        name: "ConfigurationError",
        kinds: &[ErrorKind::Configuration],
        parent: Some("HotjarError"),
        builtin: Some("ValueError"),
        doc: "Bad input or settings, found before any request was sent. Also a ValueError.",
    },
    Class {
        name: "ConfirmationRequiredError",
        kinds: &[ErrorKind::ConfirmationRequired],
        parent: Some("ConfigurationError"),
        builtin: None,
        doc: "A deletion was asked for without confirm=True. Nothing was sent; the message \
              says what would have been deleted.",
    },
    Class {
        name: "AuthenticationError",
        kinds: &[ErrorKind::Authentication],
        parent: Some("HotjarError"),
        builtin: None,
        doc: "Hotjar refused the API key or the access token (HTTP 400/401 from the token \
              endpoint, or 401 from the API).",
    },
    Class {
        name: "PermissionDeniedError",
        kinds: &[ErrorKind::PermissionDenied],
        parent: Some("HotjarError"),
        builtin: None,
        doc: "HTTP 403: the plan or the key's scope does not allow this. Survey export needs \
              Ask Scale; user lookup needs Observe Scale or Ask Scale.",
    },
    Class {
        name: "NotFoundError",
        kinds: &[ErrorKind::NotFound],
        parent: Some("HotjarError"),
        builtin: None,
        doc: "HTTP 404: the site, survey or organization does not exist for this key.",
    },
    Class {
        name: "RateLimitError",
        kinds: &[ErrorKind::RateLimited],
        parent: Some("HotjarError"),
        builtin: None,
        doc: "HTTP 429 after every retry. ``retry_after`` holds the server's wait, when it \
              sent one.",
    },
    Class {
        name: "ServerError",
        kinds: &[ErrorKind::Server],
        parent: Some("HotjarError"),
        builtin: None,
        doc: "HTTP 5xx after every retry.",
    },
    Class {
        name: "BadRequestError",
        kinds: &[ErrorKind::BadRequest],
        parent: Some("HotjarError"),
        builtin: None,
        doc: "Another HTTP 4xx: the server rejected the request's parameters.",
    },
    Class {
        name: "TransportError",
        kinds: &[ErrorKind::Transport],
        parent: Some("HotjarError"),
        builtin: None,
        doc: "The network failed: no connection, a timeout, or a connection that broke.",
    },
    Class {
        name: "InvalidResponseError",
        kinds: &[ErrorKind::InvalidResponse],
        parent: Some("HotjarError"),
        builtin: None,
        doc: "The server's answer is not what the Hotjar API promises.",
    },
    Class {
        name: "ClientClosedError",
        kinds: &[ErrorKind::Closed],
        parent: Some("HotjarError"),
        builtin: Some("RuntimeError"),
        doc: "The client was closed. Also a RuntimeError.",
    },
    Class {
        name: "ExportFileError",
        kinds: &[ErrorKind::File],
        parent: Some("HotjarError"),
        builtin: Some("OSError"),
        doc: "An export file could not be created, written or renamed (disk full, no \
              permission, another export holding its lock). Also an OSError, with ``errno``, \
              ``strerror`` and ``filename``; raised as the subclass that is also the matching \
              builtin (``PermissionError``, ``FileNotFoundError``...), so ``except \
              PermissionError`` catches it.",
    },
];

/// `HotjarError`, the root, first in `CLASSES`.
const ROOT: usize = 0;

/// The subclasses of `ExportFileError` that are also a builtin `OSError` subclass, by the I/O
/// kind they stand for; each is named after its builtin (`ExportPermissionError`).
const FILE_KINDS: [(io::ErrorKind, &str); 6] = [
    (io::ErrorKind::PermissionDenied, "PermissionError"),
    (io::ErrorKind::NotFound, "FileNotFoundError"),
    (io::ErrorKind::AlreadyExists, "FileExistsError"),
    (io::ErrorKind::IsADirectory, "IsADirectoryError"),
    (io::ErrorKind::NotADirectory, "NotADirectoryError"),
    (io::ErrorKind::WouldBlock, "BlockingIOError"),
];

/// The classes, made once: those of `CLASSES` in its order, then those of `FILE_KINDS`.
struct Types {
    classes: Vec<Py<PyType>>,
    file_kinds: Vec<(io::ErrorKind, Py<PyType>)>,
}

static TYPES: PyOnceLock<Types> = PyOnceLock::new();

fn make_type<'py>(
    py: Python<'py>,
    name: &str,
    bases: &[Bound<'py, PyType>],
    doc: &str,
    base_attributes: bool,
) -> PyResult<Bound<'py, PyType>> {
    let namespace = PyDict::new(py);
    namespace.set_item("__doc__", doc)?;
    namespace.set_item("__module__", "hotjar_client")?;
    if base_attributes {
        for attribute in ["status", "retry_after", "partial", "resume_cursor"] {
            namespace.set_item(attribute, py.None())?;
        }
    }
    let bases = PyTuple::new(py, bases)?;
    let created = py.get_type::<PyType>().call1((name, bases, namespace))?;
    Ok(created.cast_into::<PyType>()?)
}

fn make_types(py: Python<'_>) -> PyResult<Types> {
    let builtins = py.import("builtins")?;
    let builtin = |name: &str| -> PyResult<Bound<'_, PyType>> {
        Ok(builtins.getattr(name)?.cast_into::<PyType>()?)
    };
    let mut made: Vec<Bound<'_, PyType>> = Vec::with_capacity(CLASSES.len());
    for class in &CLASSES {
        let mut bases = match class.parent {
            // Parents come first in `CLASSES`, so the parent is already made.
            Some(parent) => {
                let made_parent = CLASSES[..made.len()]
                    .iter()
                    .position(|c| c.name == parent)
                    .map(|i| made[i].clone());
                vec![made_parent.ok_or_else(|| {
                    PyRuntimeError::new_err(format!("{parent} must come before {}", class.name))
                })?]
            }
            None => vec![py.get_type::<PyException>()],
        };
        if let Some(name) = class.builtin {
            bases.push(builtin(name)?);
        }
        made.push(make_type(
            py,
            class.name,
            &bases,
            class.doc,
            class.parent.is_none(),
        )?);
    }
    let file = &made[index_of(ErrorKind::File)];
    // The message stays what str() shows, even with filename set (OSError would show
    // "[Errno 13] None: 'path'").
    file.setattr("__str__", py.get_type::<PyException>().getattr("__str__")?)?;
    let mut file_kinds = Vec::with_capacity(FILE_KINDS.len());
    for (kind, builtin_name) in FILE_KINDS {
        let name = format!("Export{builtin_name}");
        let doc = format!("An ExportFileError that is also a {builtin_name}.");
        let bases = [file.clone(), builtin(builtin_name)?];
        let ty = make_type(py, &name, &bases, &doc, false)?;
        // Found (and unpickled) in `hotjar_client.exceptions`.
        ty.setattr("__module__", "hotjar_client.exceptions")?;
        file_kinds.push((kind, ty.unbind()));
    }
    Ok(Types {
        classes: made.into_iter().map(Bound::unbind).collect(),
        file_kinds,
    })
}

/// Creates the classes and adds them to the module.
pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = module.py();
    let types = TYPES.get_or_try_init(py, || make_types(py))?;
    let file_kinds = types.file_kinds.iter().map(|(_, ty)| ty);
    for ty in types.classes.iter().chain(file_kinds) {
        let ty = ty.bind(py);
        module.add(ty.name()?, ty)?;
    }
    Ok(())
}

/// Where the class raised for a core error kind stands in `CLASSES`.
fn index_of(kind: ErrorKind) -> usize {
    CLASSES
        .iter()
        .position(|class| class.kinds.contains(&kind))
        .unwrap_or(ROOT)
}

/// The name of the class raised for a core error kind (as `lookup_many`'s report rows record
/// it).
pub fn class_name(kind: ErrorKind) -> &'static str {
    CLASSES[index_of(kind)].name
}

fn type_for(py: Python<'_>, kind: ErrorKind) -> Option<Bound<'_, PyType>> {
    let types = TYPES.get(py)?;
    Some(types.classes[index_of(kind)].bind(py).clone())
}

/// The `ExportFileError` subclass for an I/O kind, if there is one.
fn file_kind(py: Python<'_>, kind: io::ErrorKind) -> Option<Bound<'_, PyType>> {
    let types = TYPES.get(py)?;
    types
        .file_kinds
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, ty)| ty.bind(py).clone())
}

fn instantiate<'py>(ty: Option<Bound<'py, PyType>>, message: &str) -> PyResult<Bound<'py, PyAny>> {
    match ty {
        Some(ty) => ty.call1((message,)),
        // Only reachable if the module failed to initialise, which import would have reported.
        None => Err(PyRuntimeError::new_err(message.to_string())),
    }
}

/// The Python exception for a core error.
pub fn to_pyerr(py: Python<'_>, error: &Error) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let detail = error.file_detail();
        let ty = match detail.and_then(|d| d.io_kind) {
            Some(kind) => file_kind(py, kind).or_else(|| type_for(py, error.kind())),
            None => type_for(py, error.kind()),
        };
        let exc = instantiate(ty, error.message())?;
        exc.setattr("status", error.status())?;
        exc.setattr("retry_after", error.retry_after().map(|d| d.as_secs_f64()))?;
        if let Some(detail) = detail {
            let errno = match (detail.errno, detail.io_kind) {
                (Some(errno), _) => Some(errno),
                (None, Some(io::ErrorKind::WouldBlock)) => {
                    Some(py.import("errno")?.getattr("EAGAIN")?.extract::<i32>()?)
                }
                _ => None,
            };
            if let Some(errno) = errno {
                exc.setattr("errno", errno)?;
                let strerror = py.import("os")?.call_method1("strerror", (errno,))?;
                exc.setattr("strerror", strerror)?;
            }
            exc.setattr("filename", detail.filename.to_string_lossy().as_ref())?;
        }
        Ok(PyErr::from_value(exc))
    };
    build().unwrap_or_else(|e| e)
}

/// The exception for an export that stopped: it carries what was fetched (`partial`, when
/// the caller collected it) and where to resume.
pub fn export_error(
    py: Python<'_>,
    error: &Error,
    partial: Option<&Bound<'_, PyAny>>,
    resume_cursor: Option<String>,
) -> PyErr {
    let err = to_pyerr(py, error);
    let value = err.value(py);
    let attached = partial
        .map_or(Ok(()), |p| value.setattr("partial", p))
        .and_then(|()| value.setattr("resume_cursor", resume_cursor));
    match attached {
        Ok(()) => err,
        Err(e) => e,
    }
}

/// A core error as the Python exception, where the interpreter is attached.
pub fn core_error(error: &Error) -> PyErr {
    Python::attach(|py| to_pyerr(py, error))
}

/// A `ConfigurationError` for bad arguments found in the bindings.
pub fn configuration(message: impl Into<String>) -> PyErr {
    Python::attach(|py| to_pyerr(py, &Error::config(message)))
}

/// A plain `HotjarError`.
pub fn hotjar_error(message: String) -> PyErr {
    Python::attach(|py| {
        let ty = TYPES.get(py).map(|t| t.classes[ROOT].bind(py).clone());
        match instantiate(ty, &message) {
            Ok(exc) => PyErr::from_value(exc),
            Err(e) => e,
        }
    })
}

/// A `ClientClosedError` for a closed `what` ("Client", "FakeHotjar").
pub fn closed(what: &str) -> PyErr {
    Python::attach(|py| {
        to_pyerr(
            py,
            &Error::new(
                ErrorKind::Closed,
                format!("This {what} is closed. Create a new {what} to make more requests."),
            ),
        )
    })
}
