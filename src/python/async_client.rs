//! `hotjar_client.AsyncClient`: `Client`'s twin for asyncio. Every method returns an awaitable
//! running the same async core on the shared runtime (see `aio`); cancelling the awaiting task
//! cancels the requests. Results are decoded with the same decoder as the sync client, with the
//! interpreter attached on a runtime thread, never on the event loop's.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pyo3::exceptions::PyStopAsyncIteration;
use pyo3::prelude::*;
use pyo3::types::PyType;
use serde_json::Value;

use crate::config::DEFAULT_BASE_URL;
use crate::error::Error;
use crate::gdpr::Action;
use crate::ids::IdKind;
use crate::many::check_concurrency;
use crate::pagination::ResponseStream;
use crate::table::Shape;

use super::aio::{AsyncCall, Ready};
use super::client_state::{ClientState, Options};
use super::decode::StringCache;
use super::many::{self, attach_in_worker, decode_batches, ChunkedRows};
use super::progress::Bar;
use super::runtime::ensure_same_process;
use super::table::PyResponseTable;
use super::{args, convert, errors, gdpr};

/// How often `responses(progress=True)` refreshes its bar.
const PROGRESS_TICK: Duration = Duration::from_millis(200);

/// A JSON value that becomes Python objects when the awaitable completes.
struct Json(Value);

impl<'py> IntoPyObject<'py> for Json {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        convert::value_to_py(py, self.0)
    }
}

/// A site's surveys, built as a `SurveyList` (a list that shows as a table in notebooks).
struct Surveys(Vec<Value>);

impl<'py> IntoPyObject<'py> for Surveys {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        super::display::survey_list(convert::values_to_list(py, self.0)?)
    }
}

/// An asyncio client for the Hotjar API, with the same options and methods as ``Client``.
///
/// Use it in ``async with``; every method is awaited. It shares its rate limiter and access
/// token with every other client (sync or async) of the same key in the process.
///
/// >>> async with hj.AsyncClient("client-id", "client-secret", site_id=987654) as client:
/// ...     surveys = await client.list_surveys()
/// ...     rows = await client.responses(surveys[0]["id"])
/// ...     async for row in client.aiter_responses(surveys[0]["id"]):
/// ...         ...
#[pyclass(name = "AsyncClient", module = "hotjar_client", frozen)]
pub struct PyAsyncClient {
    state: ClientState,
}

#[pymethods]
impl PyAsyncClient {
    #[new]
    #[pyo3(signature = (
        client_id,
        client_secret,
        *,
        site_id = None,
        organization_id = None,
        base_url = DEFAULT_BASE_URL.to_string(),
        timeout = args::Float(30.0),
        max_retries = args::Int(5),
        requests_per_minute = Some(args::Int(3000)),
        retry_backoff = args::Float(1.0),
    ))]
    #[pyo3(
        text_signature = "(client_id, client_secret, *, site_id=None, organization_id=None, \
        base_url='https://api.hotjar.io', timeout=30.0, max_retries=5, requests_per_minute=3000, \
        retry_backoff=1.0)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        client_id: &str,
        client_secret: &str,
        site_id: Option<&Bound<'_, PyAny>>,
        organization_id: Option<&Bound<'_, PyAny>>,
        base_url: String,
        timeout: args::Float,
        max_retries: args::Int,
        requests_per_minute: Option<args::Int>,
        retry_backoff: args::Float,
    ) -> PyResult<Self> {
        let options = Options {
            site_id,
            organization_id,
            timeout,
            max_retries,
            requests_per_minute,
            retry_backoff,
        };
        let state = ClientState::build(
            py,
            "AsyncClient",
            client_id,
            client_secret,
            &base_url,
            options,
        )?;
        Ok(Self { state })
    }

    /// Builds a client from the environment, as ``Client.from_env`` does.
    ///
    /// >>> client = hj.AsyncClient.from_env(timeout=60)
    #[classmethod]
    #[pyo3(signature = (
        *,
        site_id = None,
        organization_id = None,
        base_url = None,
        timeout = args::Float(30.0),
        max_retries = args::Int(5),
        requests_per_minute = Some(args::Int(3000)),
        retry_backoff = args::Float(1.0),
    ))]
    #[pyo3(
        text_signature = "(*, site_id=None, organization_id=None, base_url=None, \
        timeout=30.0, max_retries=5, requests_per_minute=3000, retry_backoff=1.0)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn from_env(
        _cls: &Bound<'_, PyType>,
        py: Python<'_>,
        site_id: Option<&Bound<'_, PyAny>>,
        organization_id: Option<&Bound<'_, PyAny>>,
        base_url: Option<String>,
        timeout: args::Float,
        max_retries: args::Int,
        requests_per_minute: Option<args::Int>,
        retry_backoff: args::Float,
    ) -> PyResult<Self> {
        let options = Options {
            site_id,
            organization_id,
            timeout,
            max_retries,
            requests_per_minute,
            retry_backoff,
        };
        let state = ClientState::from_env(py, "AsyncClient", base_url, options)?;
        Ok(Self { state })
    }

    /// Exchanges the credentials for a new access token, and raises if Hotjar refuses them.
    ///
    /// >>> await client.test_connection()
    /// {'expires_in': 3600.0}
    fn test_connection(&self) -> PyResult<AsyncCall> {
        let core = self.state.core()?;
        Ok(AsyncCall::new("AsyncClient.test_connection", async move {
            match core.test_connection().await {
                Ok(info) => Ok(HashMap::from([(
                    "expires_in",
                    info.expires_in.as_secs_f64(),
                )])),
                Err(error) => Err(attach_in_worker(|py| errors::to_pyerr(py, &error))),
            }
        }))
    }

    /// Every survey of a site (all pages), as dicts in the API's shape.
    ///
    /// >>> [s["name"] for s in await client.list_surveys()]
    #[pyo3(signature = (site_id = None, *, with_questions = false))]
    fn list_surveys<'py>(
        &self,
        site_id: Option<&Bound<'py, PyAny>>,
        with_questions: bool,
    ) -> PyResult<AsyncCall> {
        let site = self.state.site(site_id)?;
        let core = self.state.core()?;
        Ok(AsyncCall::new("AsyncClient.list_surveys", async move {
            match core.list_surveys(&site, with_questions).await {
                Ok(surveys) => Ok(Surveys(surveys)),
                Err(error) => Err(attach_in_worker(|py| errors::to_pyerr(py, &error))),
            }
        }))
    }

    /// One survey, with its questions.
    ///
    /// >>> (await client.get_survey(1234567))["questions"][0]["text"]
    #[pyo3(signature = (survey_id, *, site_id = None))]
    fn get_survey<'py>(
        &self,
        survey_id: &Bound<'py, PyAny>,
        site_id: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<AsyncCall> {
        let survey = args::id(survey_id, IdKind::Survey)?;
        let site = self.state.site(site_id)?;
        let core = self.state.core()?;
        Ok(AsyncCall::new("AsyncClient.get_survey", async move {
            match core.get_survey(&site, &survey).await {
                Ok(value) => Ok(Json(value)),
                Err(error) => Err(attach_in_worker(|py| errors::to_pyerr(py, &error))),
            }
        }))
    }

    /// Every response of a survey (all pages), newest first, as a list of dicts.
    ///
    /// As ``Client.responses``: ``since`` keeps only responses at or after it, and a failure
    /// part way raises an error carrying ``partial`` and ``resume_cursor``. ``progress=True``
    /// shows a tqdm bar when tqdm is installed.
    ///
    /// >>> rows = await client.responses(1234567)
    #[pyo3(signature = (
        survey_id, *, site_id = None, since = None, resume_cursor = None, progress = false
    ))]
    fn responses<'py>(
        &self,
        py: Python<'py>,
        survey_id: &Bound<'py, PyAny>,
        site_id: Option<&Bound<'py, PyAny>>,
        since: Option<&Bound<'py, PyAny>>,
        resume_cursor: Option<String>,
        progress: bool,
    ) -> PyResult<AsyncCall> {
        let survey = args::id(survey_id, IdKind::Survey)?;
        let site = self.state.site(site_id)?;
        let since = args::since(since)?;
        let cursor = args::cursor(resume_cursor)?;
        let stream = self
            .state
            .core()?
            .response_stream(&site, &survey, since, cursor);
        let bar = Bar::new(py, progress, &format!("Survey {survey}"), None);
        Ok(AsyncCall::new("AsyncClient.responses", async move {
            // Fetching runs ahead in a task of its own, so waiting for a page can be
            // interrupted by the progress tick without dropping the request in flight.
            let mut pages = stream.prefetch();
            let mut rows = ChunkedRows::new();
            let (mut fetched, mut shown) = (0usize, 0usize);
            let mut tick = tokio::time::interval(PROGRESS_TICK);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let failure = loop {
                let next = tokio::select! {
                    next = pages.next() => next,
                    _ = tick.tick(), if bar.is_some() => {
                        if fetched > shown {
                            attach_in_worker(|py| bar.update(py, fetched - shown));
                            shown = fetched;
                        }
                        continue;
                    }
                };
                match next {
                    Some(Ok(batch)) => {
                        fetched += batch.keep.iter().filter(|k| **k).count();
                        rows.push(batch);
                        if rows.stopped() {
                            break None; // an undecodable page: its error ends the export
                        }
                    }
                    None => break None,
                    Some(Err(failure)) => break Some(failure),
                }
            };
            drop(pages);
            let (rows, undecodable) = rows.finish();
            attach_in_worker(|py| {
                bar.update(py, fetched - shown);
                bar.close(py);
                let rows = rows.into_bound(py);
                match undecodable.or(failure) {
                    None => Ok(rows.unbind()),
                    Some((error, cursor)) => Err(errors::export_error(
                        py,
                        &error,
                        Some(rows.as_any()),
                        cursor,
                    )),
                }
            })
        }))
    }

    /// Every response of a survey as a ``ResponseTable`` (Arrow columns); as
    /// ``Client.responses_table``. On failure the exception's ``partial`` is a table of what
    /// was fetched.
    ///
    /// >>> df = (await client.responses_table(1234567)).to_pandas()
    #[pyo3(signature = (
        survey_id, *, site_id = None, shape = "wide", since = None, resume_cursor = None
    ))]
    fn responses_table(
        &self,
        py: Python<'_>,
        survey_id: &Bound<'_, PyAny>,
        site_id: Option<&Bound<'_, PyAny>>,
        shape: &str,
        since: Option<&Bound<'_, PyAny>>,
        resume_cursor: Option<String>,
    ) -> PyResult<AsyncCall> {
        let survey = args::id(survey_id, IdKind::Survey)?;
        let site = self.state.site(site_id)?;
        let shape = Shape::parse(shape).map_err(|e| errors::to_pyerr(py, &e))?;
        let since = args::since(since)?;
        let cursor = args::cursor(resume_cursor)?;
        let core = self.state.core()?;
        Ok(AsyncCall::new("AsyncClient.responses_table", async move {
            let name = survey.to_string();
            match core
                .responses_table(&site, &survey, shape, since, cursor)
                .await
            {
                Ok(batch) => Ok(PyResponseTable::new(batch, name, shape)),
                Err(failure) => Err(attach_in_worker(|py| {
                    let partial = failure
                        .partial
                        .map(|batch| Bound::new(py, PyResponseTable::new(batch, name, shape)))
                        .transpose();
                    match partial {
                        Ok(partial) => errors::export_error(
                            py,
                            &failure.error,
                            partial.as_ref().map(|p| p.as_any()),
                            failure.resume_cursor,
                        ),
                        Err(error) => error,
                    }
                })),
            }
        }))
    }

    /// Each survey's responses as a ``ResponseTable``, ``concurrency`` surveys at a time; as
    /// ``Client.responses_table_many``.
    ///
    /// >>> tables = await client.responses_table_many()
    #[pyo3(signature = (
        survey_ids = None, *, site_id = None, shape = "wide", since = None,
        concurrency = args::Int(8)
    ))]
    fn responses_table_many<'py>(
        &self,
        py: Python<'py>,
        survey_ids: Option<&Bound<'py, PyAny>>,
        site_id: Option<&Bound<'py, PyAny>>,
        shape: &str,
        since: Option<&Bound<'py, PyAny>>,
        concurrency: args::Int,
    ) -> PyResult<AsyncCall> {
        let concurrency = check_concurrency(concurrency.0).map_err(|e| errors::to_pyerr(py, &e))?;
        let shape = Shape::parse(shape).map_err(|e| errors::to_pyerr(py, &e))?;
        let surveys = many::survey_list(survey_ids)?;
        let site = self.state.site(site_id)?;
        let since = args::since(since)?;
        let core = self.state.core()?;
        Ok(AsyncCall::new(
            "AsyncClient.responses_table_many",
            async move {
                let tables = core
                    .responses_table_many(&site, surveys, shape, since, concurrency)
                    .await;
                attach_in_worker(|py| match tables {
                    Ok(tables) => many::table_results(py, tables, shape).map(Bound::unbind),
                    Err(error) => Err(errors::to_pyerr(py, &error)),
                })
            },
        ))
    }

    /// Iterates over a survey's responses with ``async for``, fetching one page (100
    /// responses) at a time as you go; as ``Client.iter_responses``.
    ///
    /// >>> async for response in client.aiter_responses(1234567, since="2024-06-01"):
    /// ...     print(response["created_time"])
    #[pyo3(signature = (survey_id, *, site_id = None, since = None, resume_cursor = None))]
    fn aiter_responses(
        &self,
        survey_id: &Bound<'_, PyAny>,
        site_id: Option<&Bound<'_, PyAny>>,
        since: Option<&Bound<'_, PyAny>>,
        resume_cursor: Option<String>,
    ) -> PyResult<AsyncResponseIterator> {
        let survey = args::id(survey_id, IdKind::Survey)?;
        let site = self.state.site(site_id)?;
        let since = args::since(since)?;
        let cursor = args::cursor(resume_cursor)?;
        let stream = self
            .state
            .core()?
            .response_stream(&site, &survey, since, cursor);
        Ok(AsyncResponseIterator {
            shared: Arc::new(IteratorState {
                stream: tokio::sync::Mutex::new(stream),
                buffer: Mutex::new(VecDeque::new()),
                exhausted: AtomicBool::new(false),
                undecodable: Mutex::new(None),
            }),
            client_closed: self.state.closed_flag.clone(),
            survey_id: survey.to_string(),
            pid: std::process::id(),
        })
    }

    /// The responses of many surveys, fetched ``concurrency`` surveys at a time under the
    /// client's one rate limit; as ``Client.responses_many``.
    ///
    /// >>> results = await client.responses_many()          # every survey of the site
    /// >>> results.errors                                     # surveys that failed, if any
    #[pyo3(signature = (
        survey_ids = None, *, site_id = None, since = None, concurrency = args::Int(8),
        progress = false
    ))]
    fn responses_many<'py>(
        &self,
        py: Python<'py>,
        survey_ids: Option<&Bound<'py, PyAny>>,
        site_id: Option<&Bound<'py, PyAny>>,
        since: Option<&Bound<'py, PyAny>>,
        concurrency: args::Int,
        progress: bool,
    ) -> PyResult<AsyncCall> {
        let concurrency = check_concurrency(concurrency.0).map_err(|e| errors::to_pyerr(py, &e))?;
        let surveys = many::survey_list(survey_ids)?;
        let site = self.state.site(site_id)?;
        let since = args::since(since)?;
        let core = self.state.core()?;
        let bar = Bar::new(
            py,
            progress,
            "Hotjar responses",
            surveys.as_ref().map(Vec::len),
        );
        Ok(AsyncCall::new(
            "AsyncClient.responses_many",
            many::run_async(core, site, surveys, since, concurrency, bar),
        ))
    }

    /// Asks Hotjar for a data report on one data subject; as ``Client.user_lookup``.
    ///
    /// >>> (await client.user_lookup(email="jane@example.com"))["email"]
    /// 'j***@example.com'
    #[pyo3(signature = (*, email = None, user_ids = None, organization_id = None))]
    fn user_lookup<'py>(
        &self,
        py: Python<'py>,
        email: Option<&Bound<'py, PyAny>>,
        user_ids: Option<&Bound<'py, PyAny>>,
        organization_id: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<AsyncCall> {
        let subject = gdpr::subject(py, email, user_ids)?;
        let organization = self.state.organization(organization_id)?;
        let core = self.state.core()?;
        Ok(AsyncCall::new("AsyncClient.user_lookup", async move {
            match core.user_lookup(&organization, &subject).await {
                Ok(outcome) => Ok(gdpr::Outcome(outcome)),
                Err(error) => Err(attach_in_worker(|py| errors::to_pyerr(py, &error))),
            }
        }))
    }

    /// Deletes everything Hotjar holds on one data subject; as ``Client.delete_user_data``.
    /// Without ``confirm=True`` it raises ``ConfirmationRequiredError`` at once, before there
    /// is anything to await, and sends nothing.
    ///
    /// >>> await client.delete_user_data(email="jane@example.com", confirm=True)
    #[pyo3(signature = (*, email = None, user_ids = None, organization_id = None, confirm = false))]
    fn delete_user_data<'py>(
        &self,
        py: Python<'py>,
        email: Option<&Bound<'py, PyAny>>,
        user_ids: Option<&Bound<'py, PyAny>>,
        organization_id: Option<&Bound<'py, PyAny>>,
        confirm: bool,
    ) -> PyResult<AsyncCall> {
        let subject = gdpr::subject(py, email, user_ids)?;
        let organization = self.state.organization(organization_id)?;
        if !confirm {
            let error = crate::gdpr::confirmation_required(&subject.to_string(), &organization);
            return Err(errors::to_pyerr(py, &error));
        }
        let core = self.state.core()?;
        Ok(AsyncCall::new("AsyncClient.delete_user_data", async move {
            match core.delete_user_data(&organization, &subject, true).await {
                Ok(outcome) => Ok(gdpr::Outcome(outcome)),
                Err(error) => Err(attach_in_worker(|py| errors::to_pyerr(py, &error))),
            }
        }))
    }

    /// Looks up (or deletes) many data subjects; as ``Client.lookup_many``. Bad input and a
    /// deletion without ``confirm=True`` raise at once, before anything is sent. Cancelling
    /// the task cancels the requests in flight (the rows done so far are lost: use
    /// ``Client.lookup_many`` where Ctrl-C must keep them).
    ///
    /// >>> report = await client.lookup_many(emails, delete=True, confirm=True)
    #[pyo3(signature = (
        subjects,
        *,
        delete = false,
        confirm = false,
        organization_id = None,
        concurrency = args::Int(4),
    ))]
    fn lookup_many<'py>(
        &self,
        py: Python<'py>,
        subjects: &Bound<'py, PyAny>,
        delete: bool,
        confirm: bool,
        organization_id: Option<&Bound<'py, PyAny>>,
        concurrency: args::Int,
    ) -> PyResult<AsyncCall> {
        let organization = self.state.organization(organization_id)?;
        let concurrency = gdpr::concurrency(concurrency)?;
        let action = if delete {
            Action::Delete
        } else {
            Action::Lookup
        };
        let bulk = gdpr::Bulk::prepare(py, subjects, action, organization)?;
        let core = self.state.core()?;
        let mut run = core
            .lookup_many(
                &bulk.organization,
                action,
                bulk.to_send.clone(),
                concurrency,
                confirm,
            )
            .map_err(|e| errors::to_pyerr(py, &e))?;
        Ok(AsyncCall::new("AsyncClient.lookup_many", async move {
            let mut results = Vec::new();
            while let Some(result) = run.next().await {
                results.push(result);
            }
            Ok(gdpr::Finished { bulk, results })
        }))
    }

    /// Counts of what this client has sent: ``requests``, ``retries`` and ``token_requests``.
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, pyo3::types::PyDict>> {
        self.state.stats(py)
    }

    /// Closes the connection pool. Later calls raise ``ClientClosedError``. Safe to call twice.
    fn close(&self) {
        self.state.close();
    }

    /// ``close()``, as an awaitable (for ``contextlib.aclosing`` and friends).
    fn aclose(&self, py: Python<'_>) -> Ready {
        self.state.close();
        Ready::new(py.None())
    }

    /// Whether ``close()`` was called.
    #[getter]
    fn closed(&self) -> bool {
        self.state.closed()
    }

    /// The default site, or None.
    #[getter]
    fn site_id(&self) -> Option<String> {
        self.state.site_id()
    }

    /// The default organization, or None.
    #[getter]
    fn organization_id(&self) -> Option<String> {
        self.state.organization_id()
    }

    #[getter]
    fn base_url(&self) -> String {
        self.state.base_url()
    }

    fn __aenter__(slf: Py<Self>) -> Ready {
        Ready::new(slf.into_any())
    }

    fn __aexit__(
        &self,
        py: Python<'_>,
        _exc_type: Option<&Bound<'_, PyAny>>,
        _exc: Option<&Bound<'_, PyAny>>,
        _tb: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Ready> {
        self.state.close();
        Ok(Ready::new(
            false.into_pyobject(py)?.to_owned().into_any().unbind(),
        ))
    }

    fn __repr__(&self) -> String {
        self.state.repr()
    }
}

struct IteratorState {
    stream: tokio::sync::Mutex<ResponseStream>,
    buffer: Mutex<VecDeque<Py<PyAny>>>,
    exhausted: AtomicBool,
    /// As in the sync iterator: an undecodable page ends the iteration with its error.
    undecodable: Mutex<Option<(Error, Option<String>)>>,
}

impl IteratorState {
    fn pop(&self) -> Option<Py<PyAny>> {
        self.buffer
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop_front()
    }

    fn undecodable(&self) -> Option<(Error, Option<String>)> {
        self.undecodable
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

/// An async iterator over a survey's responses; fetches a page when its buffer runs dry.
#[pyclass(module = "hotjar_client", frozen)]
pub struct AsyncResponseIterator {
    shared: Arc<IteratorState>,
    client_closed: Arc<AtomicBool>,
    survey_id: String,
    pid: u32,
}

#[pymethods]
impl AsyncResponseIterator {
    fn __aiter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __anext__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        if let Some(item) = self.shared.pop() {
            return Ok(Bound::new(py, Ready::new(item))?.into_any());
        }
        if self.shared.exhausted.load(Ordering::Acquire) {
            return Err(PyStopAsyncIteration::new_err(()));
        }
        if let Some((error, cursor)) = self.shared.undecodable() {
            return Err(errors::export_error(py, &error, None, cursor));
        }
        ensure_same_process(self.pid, "AsyncResponseIterator")?;
        if self.client_closed.load(Ordering::Acquire) {
            return Err(errors::closed("AsyncClient"));
        }
        let shared = self.shared.clone();
        let call = AsyncCall::new("AsyncResponseIterator.__anext__", async move {
            let mut stream = shared.stream.lock().await;
            loop {
                // Another `__anext__` may have fetched a page while this one waited.
                if let Some(item) = shared.pop() {
                    return Ok(item);
                }
                if shared.exhausted.load(Ordering::Acquire) {
                    return Err(PyStopAsyncIteration::new_err(()));
                }
                if let Some((error, cursor)) = shared.undecodable() {
                    return Err(attach_in_worker(|py| {
                        errors::export_error(py, &error, None, cursor)
                    }));
                }
                match stream.next_raw().await {
                    Ok(Some(batch)) => {
                        let (rows, undecodable) = attach_in_worker(|py| {
                            let (rows, undecodable) = decode_batches(
                                py,
                                std::slice::from_ref(&batch),
                                &mut StringCache::new(),
                            );
                            let rows: Vec<Py<PyAny>> = rows.iter().map(Bound::unbind).collect();
                            (rows, undecodable)
                        });
                        if let Some(failure) = undecodable {
                            *shared.undecodable.lock().unwrap_or_else(|p| p.into_inner()) =
                                Some(failure);
                        } else {
                            shared
                                .buffer
                                .lock()
                                .unwrap_or_else(|p| p.into_inner())
                                .extend(rows);
                        }
                    }
                    Ok(None) => shared.exhausted.store(true, Ordering::Release),
                    Err(error) => {
                        let cursor = stream.resume_cursor().map(str::to_string);
                        return Err(attach_in_worker(|py| {
                            errors::export_error(py, &error, None, cursor)
                        }));
                    }
                }
            }
        });
        Ok(Bound::new(py, call)?.into_any())
    }

    /// Where to resume if the iteration stopped on an error (None before the first page).
    #[getter]
    fn resume_cursor(&self) -> Option<String> {
        self.shared
            .stream
            .try_lock()
            .ok()
            .and_then(|s| s.resume_cursor().map(str::to_string))
    }

    /// Pages fetched so far.
    #[getter]
    fn pages_fetched(&self) -> u64 {
        self.shared
            .stream
            .try_lock()
            .map(|s| s.pages_fetched())
            .unwrap_or(0)
    }

    fn __repr__(&self) -> String {
        format!(
            "<hotjar_client.AsyncResponseIterator survey_id='{}' pages_fetched={}>",
            self.survey_id,
            self.pages_fetched()
        )
    }
}
