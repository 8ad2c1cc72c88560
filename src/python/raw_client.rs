//! `_native.RawClient`: the native client under `hotjar_client.Client` and `AsyncClient` (both
//! Python classes, in `python/hotjar_client/_client.py`). It holds the core client behind a
//! lock (taken by `close()`), the default ids, the fork guard and the masked repr. Its
//! operations are in `ops/`, one file each, with their blocking and awaitable entries.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::client::HotjarClient;
use crate::config::{self, ClientConfig};
use crate::ids::{Id, IdKind};

use super::runtime::ensure_same_process;
use super::{args, errors};

#[pyclass(module = "hotjar_client._native", frozen)]
pub struct RawClient {
    /// "Client" or "AsyncClient", for messages and the repr.
    pub(super) what: &'static str,
    core: Mutex<Option<HotjarClient>>,
    site_id: Option<Id>,
    organization_id: Option<Id>,
    base_url: String,
    masked_client_id: String,
    /// Set by `close()`; iterators made by this client look at it before fetching.
    pub(super) closed_flag: Arc<AtomicBool>,
    /// The process that created the client (see `runtime::ensure_same_process`).
    pid: u32,
}

/// Shows enough of a client id to tell keys apart, never the whole of it.
fn mask(client_id: &str) -> String {
    let visible: String = client_id.chars().take(4).collect();
    if client_id.chars().count() <= 8 {
        "***".to_string()
    } else {
        format!("{visible}…")
    }
}

#[pymethods]
impl RawClient {
    /// Checks every argument and builds the core client; nothing is sent. `what` is the
    /// Python class it serves ("Client" or "AsyncClient"), for messages and the repr.
    #[new]
    #[pyo3(signature = (
        client_id, client_secret, site_id, organization_id, base_url, timeout, max_retries,
        requests_per_minute, retry_backoff, what
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        client_id: &str,
        client_secret: &str,
        site_id: Option<&Bound<'_, PyAny>>,
        organization_id: Option<&Bound<'_, PyAny>>,
        base_url: &str,
        timeout: args::Float,
        max_retries: args::Int,
        requests_per_minute: Option<args::Int>,
        retry_backoff: args::Float,
        what: &str,
    ) -> PyResult<Self> {
        let what = match what {
            "AsyncClient" => "AsyncClient",
            _ => "Client",
        };
        let py_id = |value: Option<&Bound<'_, PyAny>>, kind| -> PyResult<Option<Id>> {
            value
                .filter(|v| !v.is_none())
                .map(|v| args::id(v, kind))
                .transpose()
        };
        let site_id = py_id(site_id, IdKind::Site)?;
        let organization_id = py_id(organization_id, IdKind::Organization)?;
        let mut config = ClientConfig::new(client_id, client_secret);
        config.base_url = base_url.to_string();
        // Each setting is checked by the core's one rule for it (`crate::config`).
        config.timeout = config::check_seconds(timeout.0, "timeout", config::MAX_TIMEOUT_SECONDS)
            .map_err(|e| errors::to_pyerr(py, &e))?;
        config.max_retries =
            config::check_max_retries(max_retries.0).map_err(|e| errors::to_pyerr(py, &e))?;
        config.requests_per_minute = requests_per_minute
            .map(|n| config::check_requests_per_minute(n.0).map_err(|e| errors::to_pyerr(py, &e)))
            .transpose()?;
        config.retry_backoff = if retry_backoff.0 == 0.0 {
            std::time::Duration::ZERO
        } else {
            config::check_seconds(
                retry_backoff.0,
                "retry_backoff",
                config::MAX_RETRY_BACKOFF_SECONDS,
            )
            .map_err(|e| errors::to_pyerr(py, &e))?
        };
        let core = HotjarClient::new(config).map_err(|e| errors::to_pyerr(py, &e))?;
        Ok(Self {
            what,
            base_url: core.base_url().as_str().trim_end_matches('/').to_string(),
            masked_client_id: mask(core.client_id()),
            core: Mutex::new(Some(core)),
            site_id,
            organization_id,
            closed_flag: Arc::new(AtomicBool::new(false)),
            pid: std::process::id(),
        })
    }

    /// The organization of a user lookup or deletion: the argument, or the client's default,
    /// as a string of digits.
    #[pyo3(name = "organization")]
    fn organization_py(&self, organization_id: Option<&Bound<'_, PyAny>>) -> PyResult<String> {
        Ok(self.organization(organization_id)?.to_string())
    }

    /// Closes the connection pool; later calls raise `ClientClosedError`.
    fn close(&self) {
        self.closed_flag.store(true, Ordering::Release);
        self.core.lock().unwrap_or_else(|p| p.into_inner()).take();
    }

    #[getter]
    fn closed(&self) -> bool {
        self.core
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_none()
    }

    #[getter]
    fn site_id(&self) -> Option<String> {
        self.site_id.as_ref().map(ToString::to_string)
    }

    #[getter]
    fn organization_id(&self) -> Option<String> {
        self.organization_id.as_ref().map(ToString::to_string)
    }

    #[getter]
    fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// `requests`, `retries` and `token_requests` so far.
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let stats = self.core()?.stats();
        let result = PyDict::new(py);
        result.set_item("requests", stats.requests)?;
        result.set_item("retries", stats.retries)?;
        result.set_item("token_requests", stats.token_requests)?;
        Ok(result)
    }

    fn __repr__(&self) -> String {
        let show = |id: &Option<Id>| id.as_ref().map_or("None".to_string(), |i| format!("'{i}'"));
        format!(
            "<hotjar_client.{} site_id={} organization_id={} base_url='{}' client_id='{}'{}>",
            self.what,
            show(&self.site_id),
            show(&self.organization_id),
            self.base_url,
            self.masked_client_id,
            if self.closed() { " closed" } else { "" }
        )
    }
}

impl RawClient {
    /// The core client, refused after `close()` and in a forked child.
    pub fn core(&self) -> PyResult<HotjarClient> {
        ensure_same_process(self.pid, self.what)?;
        // Every call starts here: pick up logging levels changed since the last one.
        super::logging::refresh();
        self.core
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(|| errors::closed(self.what))
    }

    /// The site of a call: the argument, else the client's default.
    pub fn site(&self, site_id: Option<&Bound<'_, PyAny>>) -> PyResult<Id> {
        args::id_or_default(site_id, self.site_id.as_ref(), IdKind::Site)
    }

    /// The organization of a user lookup or deletion: the argument, or the client's default.
    /// Neither given is a `ConfigurationError` that says it is not the Site ID.
    pub fn organization(&self, organization_id: Option<&Bound<'_, PyAny>>) -> PyResult<Id> {
        args::id_or_default(
            organization_id,
            self.organization_id.as_ref(),
            IdKind::Organization,
        )
    }
}
