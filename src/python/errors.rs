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

use pyo3::exceptions::{PyException, PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};

use crate::error::{Error, ErrorKind};

struct Types {
    base: Py<PyType>,
    configuration: Py<PyType>,
    confirmation_required: Py<PyType>,
    authentication: Py<PyType>,
    permission_denied: Py<PyType>,
    not_found: Py<PyType>,
    rate_limit: Py<PyType>,
    server: Py<PyType>,
    bad_request: Py<PyType>,
    transport: Py<PyType>,
    invalid_response: Py<PyType>,
    closed: Py<PyType>,
    file: Py<PyType>,
    /// `ExportFileError` and a builtin `OSError` subclass, by the I/O kind they stand for.
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

/// Creates the classes and adds them to the module.
pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = module.py();
    let types = TYPES.get_or_try_init(py, || -> PyResult<Types> {
        let base = make_type(
            py,
            "HotjarError",
            &[py.get_type::<PyException>()],
            "Base class of every error raised by hotjar_client.\n\n\
             Attributes: ``status`` (the HTTP status, or None), ``retry_after`` (seconds, for \
             rate limits), ``partial`` (what a failed export had already fetched) and \
             ``resume_cursor`` (pass it back to continue that export).",
            true,
        )?;
        let sub = |name: &str, doc: &str, extra: Option<Bound<'_, PyType>>| {
            let mut bases = vec![base.clone()];
            bases.extend(extra);
            make_type(py, name, &bases, doc, false).map(Bound::unbind)
        };
        let configuration = sub(
            "ConfigurationError",
            "Bad input or settings, found before any request was sent. Also a ValueError.",
            Some(py.get_type::<PyValueError>()),
        )?;
        let confirmation_required = make_type(
            py,
            "ConfirmationRequiredError",
            &[configuration.bind(py).clone()],
            "A deletion was asked for without confirm=True. Nothing was sent; the message says \
             what would have been deleted.",
            false,
        )?
        .unbind();
        let file = sub(
            "ExportFileError",
            "An export file could not be created, written or renamed (disk full, no \
             permission, another export holding its lock). Also an OSError, with ``errno``, \
             ``strerror`` and ``filename``; raised as the subclass that is also the matching \
             builtin (``PermissionError``, ``FileNotFoundError``...), so ``except \
             PermissionError`` catches it.",
            Some(py.get_type::<PyOSError>()),
        )?
        .into_bound(py);
        // The message stays what str() shows, even with filename set (OSError would show
        // "[Errno 13] None: 'path'").
        let base_str = py.get_type::<PyException>().getattr("__str__")?;
        file.setattr("__str__", base_str)?;
        Ok(Types {
            configuration,
            confirmation_required,
            authentication: sub(
                "AuthenticationError",
                "Hotjar refused the API key or the access token (HTTP 400/401 from the token \
                 endpoint, or 401 from the API).",
                None,
            )?,
            permission_denied: sub(
                "PermissionDeniedError",
                "HTTP 403: the plan or the key's scope does not allow this. Survey export needs \
                 Ask Scale; user lookup needs Observe Scale or Ask Scale.",
                None,
            )?,
            not_found: sub(
                "NotFoundError",
                "HTTP 404: the site, survey or organization does not exist for this key.",
                None,
            )?,
            rate_limit: sub(
                "RateLimitError",
                "HTTP 429 after every retry. ``retry_after`` holds the server's wait, when it \
                 sent one.",
                None,
            )?,
            server: sub("ServerError", "HTTP 5xx after every retry.", None)?,
            bad_request: sub(
                "BadRequestError",
                "Another HTTP 4xx: the server rejected the request's parameters.",
                None,
            )?,
            transport: sub(
                "TransportError",
                "The network failed: no connection, a timeout, or a connection that broke.",
                None,
            )?,
            invalid_response: sub(
                "InvalidResponseError",
                "The server's answer is not what the Hotjar API promises.",
                None,
            )?,
            closed: sub(
                "ClientClosedError",
                "The client was closed. Also a RuntimeError.",
                Some(py.get_type::<PyRuntimeError>()),
            )?,
            file_kinds: file_kinds(py, &file)?,
            file: file.unbind(),
            base: base.unbind(),
        })
    })?;
    for ty in [
        &types.base,
        &types.configuration,
        &types.confirmation_required,
        &types.authentication,
        &types.permission_denied,
        &types.not_found,
        &types.rate_limit,
        &types.server,
        &types.bad_request,
        &types.transport,
        &types.invalid_response,
        &types.closed,
        &types.file,
    ]
    .into_iter()
    .chain(types.file_kinds.iter().map(|(_, ty)| ty))
    {
        let ty = ty.bind(py);
        module.add(ty.name()?, ty)?;
    }
    Ok(())
}

/// The subclasses of `ExportFileError` that are also a builtin `OSError` subclass.
fn file_kinds(
    py: Python<'_>,
    file: &Bound<'_, PyType>,
) -> PyResult<Vec<(io::ErrorKind, Py<PyType>)>> {
    // Each is named after its builtin: ExportPermissionError is also a PermissionError.
    let kinds = [
        (io::ErrorKind::PermissionDenied, "PermissionError"),
        (io::ErrorKind::NotFound, "FileNotFoundError"),
        (io::ErrorKind::AlreadyExists, "FileExistsError"),
        (io::ErrorKind::IsADirectory, "IsADirectoryError"),
        (io::ErrorKind::NotADirectory, "NotADirectoryError"),
        (io::ErrorKind::WouldBlock, "BlockingIOError"),
    ];
    let builtins = py.import("builtins")?;
    kinds
        .into_iter()
        .map(|(kind, builtin)| {
            let builtin = builtins.getattr(builtin)?.cast_into::<PyType>()?;
            let name = format!("Export{}", builtin.name()?);
            let doc = format!("An ExportFileError that is also a {}.", builtin.name()?);
            let ty = make_type(py, &name, &[file.clone(), builtin], &doc, false)?;
            // Found (and unpickled) in `hotjar_client.exceptions`.
            ty.setattr("__module__", "hotjar_client.exceptions")?;
            Ok((kind, ty.unbind()))
        })
        .collect()
}

fn type_for(py: Python<'_>, kind: ErrorKind) -> Option<Bound<'_, PyType>> {
    let t = TYPES.get(py)?;
    let ty = match kind {
        ErrorKind::Configuration => &t.configuration,
        ErrorKind::ConfirmationRequired => &t.confirmation_required,
        ErrorKind::Authentication => &t.authentication,
        ErrorKind::PermissionDenied => &t.permission_denied,
        ErrorKind::NotFound => &t.not_found,
        ErrorKind::RateLimited => &t.rate_limit,
        ErrorKind::Server => &t.server,
        ErrorKind::BadRequest => &t.bad_request,
        ErrorKind::Transport => &t.transport,
        ErrorKind::InvalidResponse => &t.invalid_response,
        ErrorKind::Closed => &t.closed,
        ErrorKind::File => &t.file,
        ErrorKind::TooLarge => &t.base,
    };
    Some(ty.bind(py).clone())
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

/// A `ConfigurationError` for bad arguments found in the bindings.
/// A core error as the Python exception, where the interpreter is attached.
pub fn core_error(error: &Error) -> PyErr {
    Python::attach(|py| to_pyerr(py, error))
}

pub fn configuration(message: impl Into<String>) -> PyErr {
    Python::attach(|py| to_pyerr(py, &Error::config(message)))
}

/// A plain `HotjarError`.
pub fn hotjar_error(message: String) -> PyErr {
    Python::attach(|py| {
        let ty = TYPES.get(py).map(|t| t.base.bind(py).clone());
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
