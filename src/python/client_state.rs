//! What `Client` and `AsyncClient` share: the constructor's checks, `from_env`, the core client
//! behind a lock (taken by `close()`), the default ids, the fork guard and the masked repr.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::client::HotjarClient;
use crate::config::{ClientConfig, DEFAULT_BASE_URL};
use crate::ids::{Id, IdKind};

use super::runtime::ensure_same_process;
use super::{args, errors};

/// The constructor's keyword options, as Python passed them.
pub struct Options<'a, 'py> {
    pub site_id: Option<&'a Bound<'py, PyAny>>,
    pub organization_id: Option<&'a Bound<'py, PyAny>>,
    pub timeout: args::Float,
    pub max_retries: args::Int,
    pub requests_per_minute: Option<args::Int>,
    pub retry_backoff: args::Float,
}

pub struct ClientState {
    /// "Client" or "AsyncClient", for messages and the repr.
    what: &'static str,
    core: Mutex<Option<HotjarClient>>,
    site_id: Option<Id>,
    organization_id: Option<Id>,
    base_url: String,
    masked_client_id: String,
    /// Set by `close()`; iterators made by this client look at it before fetching.
    pub closed_flag: Arc<AtomicBool>,
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

fn env_var(py: Python<'_>, name: &str) -> PyResult<Option<String>> {
    let value = py
        .import("os")?
        .getattr("environ")?
        .call_method1("get", (name,))?;
    Ok(value
        .extract::<Option<String>>()?
        .filter(|v| !v.trim().is_empty()))
}

impl ClientState {
    /// Checks every argument and builds the core client; nothing is sent.
    pub fn build(
        py: Python<'_>,
        what: &'static str,
        client_id: &str,
        client_secret: &str,
        base_url: &str,
        options: Options<'_, '_>,
    ) -> PyResult<Self> {
        let py_id = |value: Option<&Bound<'_, PyAny>>, kind| -> PyResult<Option<Id>> {
            value
                .filter(|v| !v.is_none())
                .map(|v| args::id(v, kind))
                .transpose()
        };
        let site_id = py_id(options.site_id, IdKind::Site)?;
        let organization_id = py_id(options.organization_id, IdKind::Organization)?;
        let mut config = ClientConfig::new(client_id, client_secret);
        config.base_url = base_url.to_string();
        config.timeout = args::seconds(options.timeout.0, "timeout", 3600.0)?;
        let max_retries = options.max_retries.0;
        config.max_retries = u32::try_from(max_retries)
            .ok()
            .filter(|n| *n <= 20)
            .ok_or_else(|| {
                errors::configuration(format!(
                    "max_retries must be between 0 and 20, got {max_retries}."
                ))
            })?;
        config.requests_per_minute = match options.requests_per_minute.map(|n| n.0) {
            None => None,
            Some(n) => Some(u32::try_from(n).ok().filter(|n| *n >= 1).ok_or_else(|| {
                errors::configuration(format!(
                    "requests_per_minute must be between 1 and 1000000 (Hotjar allows 3000), \
                     or None to turn the limiter off; got {n}."
                ))
            })?),
        };
        config.retry_backoff = if options.retry_backoff.0 == 0.0 {
            std::time::Duration::ZERO
        } else {
            args::seconds(options.retry_backoff.0, "retry_backoff", 60.0)?
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

    /// `from_env`: the credentials, ids and base URL from `HOTJAR_*`; keyword arguments win.
    pub fn from_env(
        py: Python<'_>,
        what: &'static str,
        base_url: Option<String>,
        options: Options<'_, '_>,
    ) -> PyResult<Self> {
        let required = |name: &str, description: &str| -> PyResult<String> {
            env_var(py, name)?.ok_or_else(|| {
                errors::configuration(format!(
                    "The environment variable {name} is not set. It holds the API key's \
                     {description}; create a key in Hotjar under Settings > API, then export \
                     {name}=..."
                ))
            })
        };
        let client_id = required("HOTJAR_CLIENT_ID", "client ID")?;
        let client_secret = required("HOTJAR_CLIENT_SECRET", "client secret")?;
        let env_site = env_var(py, "HOTJAR_SITE_ID")?
            .map(|s| s.into_pyobject(py).map(|o| o.into_any()))
            .transpose()?;
        let env_org = env_var(py, "HOTJAR_ORGANIZATION_ID")?
            .map(|s| s.into_pyobject(py).map(|o| o.into_any()))
            .transpose()?;
        let base_url = match base_url {
            Some(url) => url,
            None => env_var(py, "HOTJAR_BASE_URL")?.unwrap_or_else(|| DEFAULT_BASE_URL.into()),
        };
        let options = Options {
            site_id: options
                .site_id
                .filter(|v| !v.is_none())
                .or(env_site.as_ref()),
            organization_id: options
                .organization_id
                .filter(|v| !v.is_none())
                .or(env_org.as_ref()),
            ..options
        };
        Self::build(py, what, &client_id, &client_secret, &base_url, options)
    }

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

    pub fn close(&self) {
        self.closed_flag.store(true, Ordering::Release);
        self.core.lock().unwrap_or_else(|p| p.into_inner()).take();
    }

    pub fn closed(&self) -> bool {
        self.core
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_none()
    }

    pub fn site_id(&self) -> Option<String> {
        self.site_id.as_ref().map(ToString::to_string)
    }

    pub fn organization_id(&self) -> Option<String> {
        self.organization_id.as_ref().map(ToString::to_string)
    }

    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// The counts of `stats()`.
    pub fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let stats = self.core()?.stats();
        let result = PyDict::new(py);
        result.set_item("requests", stats.requests)?;
        result.set_item("retries", stats.retries)?;
        result.set_item("token_requests", stats.token_requests)?;
        Ok(result)
    }

    pub fn repr(&self) -> String {
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
