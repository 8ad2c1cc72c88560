//! `hotjar_client.Client`: the synchronous client. Every call runs the async core on the shared
//! runtime with the interpreter released (see `runtime::block_on`).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyType};

use crate::client::HotjarClient;
use crate::config::DEFAULT_BASE_URL;
use crate::error::Error;
use crate::export::{check_target, FileFormat};
use crate::gdpr::Action;
use crate::ids::{Id, IdKind};
use crate::many::check_concurrency;
use crate::pagination::ResponseStream;
use crate::table::Shape;

use super::client_state::{ClientState, Options};
use super::decode::{self, StringCache};
use super::progress::Bar;
use super::runtime::{block_on, block_on_ticking, ensure_same_process, runtime};
use super::table::PyResponseTable;
use super::{args, convert, errors, gdpr, many};

/// A client for the Hotjar API.
///
/// Create one per API key and reuse it: it keeps the access token, the connection pool and
/// the rate limiter (3000 requests a minute by default, Hotjar's limit) across calls.
///
/// >>> import hotjar_client as hj
/// >>> with hj.Client("client-id", "client-secret", site_id=987654) as client:
/// ...     surveys = client.list_surveys()
/// ...     rows = client.responses(surveys[0]["id"])
#[pyclass(name = "Client", module = "hotjar_client", frozen)]
pub struct PyClient {
    state: ClientState,
}

impl PyClient {
    fn core(&self) -> PyResult<HotjarClient> {
        self.state.core()
    }

    fn site(&self, site_id: Option<&Bound<'_, PyAny>>) -> PyResult<Id> {
        self.state.site(site_id)
    }
}

#[pymethods]
impl PyClient {
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
        let state = ClientState::build(py, "Client", client_id, client_secret, &base_url, options)?;
        Ok(Self { state })
    }

    /// Builds a client from the environment: ``HOTJAR_CLIENT_ID``, ``HOTJAR_CLIENT_SECRET``,
    /// and optionally ``HOTJAR_SITE_ID``, ``HOTJAR_ORGANIZATION_ID`` and ``HOTJAR_BASE_URL``.
    /// Keyword arguments win over the environment.
    ///
    /// >>> client = hj.Client.from_env(timeout=60)
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
        let state = ClientState::from_env(py, "Client", base_url, options)?;
        Ok(Self { state })
    }

    /// Exchanges the credentials for a new access token, and raises if Hotjar refuses them.
    ///
    /// Returns ``{"expires_in": seconds}``, the new token's lifetime.
    ///
    /// >>> client.test_connection()
    /// {'expires_in': 3600.0}
    fn test_connection<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let core = self.core()?;
        let info = block_on(py, async move { core.test_connection().await })?
            .map_err(|e| errors::to_pyerr(py, &e))?;
        let result = PyDict::new(py);
        result.set_item("expires_in", info.expires_in.as_secs_f64())?;
        Ok(result)
    }

    /// Every survey of a site (all pages), as dicts in the API's shape, in a list that shows
    /// as a table in notebooks.
    ///
    /// ``with_questions=True`` includes each survey's ``questions``.
    ///
    /// >>> [s["name"] for s in client.list_surveys()]
    #[pyo3(signature = (site_id = None, *, with_questions = false))]
    fn list_surveys<'py>(
        &self,
        py: Python<'py>,
        site_id: Option<&Bound<'py, PyAny>>,
        with_questions: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let site = self.site(site_id)?;
        let core = self.core()?;
        let surveys = block_on(
            py,
            async move { core.list_surveys(&site, with_questions).await },
        )?
        .map_err(|e| errors::to_pyerr(py, &e))?;
        super::display::survey_list(convert::values_to_list(py, surveys)?)
    }

    /// One survey, with its questions.
    ///
    /// >>> client.get_survey(1234567)["questions"][0]["text"]
    #[pyo3(signature = (survey_id, *, site_id = None))]
    fn get_survey<'py>(
        &self,
        py: Python<'py>,
        survey_id: &Bound<'py, PyAny>,
        site_id: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let survey = args::id(survey_id, IdKind::Survey)?;
        let site = self.site(site_id)?;
        let core = self.core()?;
        let value = block_on(py, async move { core.get_survey(&site, &survey).await })?
            .map_err(|e| errors::to_pyerr(py, &e))?;
        convert::value_to_py(py, value)
    }

    /// Iterates over a survey's responses, newest first, fetching one page (100 responses) at
    /// a time as you go.
    ///
    /// ``since`` (an aware datetime, a date, or an ISO 8601 string) stops at the first response
    /// older than it. If a page fails, the exception's ``resume_cursor`` tells where to pick up.
    ///
    /// >>> for response in client.iter_responses(1234567, since="2024-06-01"):
    /// ...     print(response["created_time"])
    #[pyo3(signature = (survey_id, *, site_id = None, since = None, resume_cursor = None))]
    fn iter_responses(
        &self,
        survey_id: &Bound<'_, PyAny>,
        site_id: Option<&Bound<'_, PyAny>>,
        since: Option<&Bound<'_, PyAny>>,
        resume_cursor: Option<String>,
    ) -> PyResult<ResponseIterator> {
        let survey = args::id(survey_id, IdKind::Survey)?;
        let site = self.site(site_id)?;
        let since = args::since(since)?;
        let cursor = args::cursor(resume_cursor)?;
        let stream = self.core()?.response_stream(&site, &survey, since, cursor);
        Ok(ResponseIterator {
            stream: Arc::new(tokio::sync::Mutex::new(stream)),
            buffer: Mutex::new(VecDeque::new()),
            exhausted: AtomicBool::new(false),
            undecodable: Mutex::new(None),
            client_closed: self.state.closed_flag.clone(),
            survey_id: survey.to_string(),
            pid: std::process::id(),
        })
    }

    /// Every response of a survey (all pages), newest first, as a list of dicts.
    ///
    /// ``since`` keeps only responses at or after it. If the export fails part way, the
    /// exception carries ``partial`` (what was fetched) and ``resume_cursor``; pass that back
    /// as ``resume_cursor=`` and add the two lists to get the whole survey.
    ///
    /// >>> rows = client.responses(1234567)
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
    ) -> PyResult<Bound<'py, PyList>> {
        let survey = args::id(survey_id, IdKind::Survey)?;
        let site = self.site(site_id)?;
        let since = args::since(since)?;
        let cursor = args::cursor(resume_cursor)?;
        let core = self.core()?;
        // Fetch ahead while this thread decodes: page N+1 is on the wire while page N becomes
        // dicts. Dropping `pages` (on return or Ctrl-C) cancels the request in flight.
        let mut pages = {
            let _inside = runtime()?.enter();
            core.response_stream(&site, &survey, since, cursor)
                .prefetch()
        };
        let rows = PyList::empty(py);
        let mut keys = StringCache::new();
        let bar = Bar::new(py, progress, &format!("Survey {survey}"), None);
        let outcome = loop {
            let received = match block_on(py, pages.next()) {
                Ok(received) => received,
                Err(interrupted) => break Err(interrupted),
            };
            match received {
                None => break Ok(()),
                Some(Ok(batch)) => {
                    let decoded = decode::append_results(
                        py,
                        batch.body(),
                        Some(&batch.keep),
                        &mut keys,
                        &rows,
                    );
                    match decoded {
                        Ok(appended) => bar.update(py, appended),
                        Err(error) => {
                            break Err(errors::export_error(
                                py,
                                &error,
                                Some(rows.as_any()),
                                batch.cursor,
                            ))
                        }
                    }
                }
                Some(Err((error, cursor))) => {
                    break Err(errors::export_error(
                        py,
                        &error,
                        Some(rows.as_any()),
                        cursor,
                    ));
                }
            }
        };
        bar.close(py);
        outcome.map(|()| rows)
    }

    /// The responses of many surveys, fetched ``concurrency`` surveys at a time (one survey's
    /// pages come one after another, so this is what makes a multi-survey export fast). Every
    /// request goes through the client's one rate limiter, shared by all of them.
    ///
    /// ``survey_ids=None`` exports every survey of the site. Returns a ``SurveyResults``: a
    /// dict survey id -> list of responses for the surveys that completed, and ``.errors``,
    /// survey id -> the exception of a survey that failed (with ``partial`` and
    /// ``resume_cursor``), so a failed survey loses nothing and stops no other.
    /// ``progress=True`` shows a tqdm bar when tqdm is installed.
    ///
    /// >>> results = client.responses_many(since="2024-06-01")
    /// >>> results.raise_for_errors()
    /// >>> frames = {sid: pd.DataFrame(rows) for sid, rows in results.items()}
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
    ) -> PyResult<Bound<'py, PyAny>> {
        let concurrency = check_concurrency(concurrency.0).map_err(|e| errors::to_pyerr(py, &e))?;
        let surveys = many::survey_list(survey_ids)?;
        let site = self.site(site_id)?;
        let since = args::since(since)?;
        let core = self.core()?;
        many::run_sync(py, core, site, surveys, since, concurrency, progress)
    }

    /// Asks Hotjar for a data report on one data subject: Hotjar emails a link to it to the
    /// subject and to the organization's default recipient (``delete_all_hits=false``).
    ///
    /// The subject is ``email=`` and/or ``user_ids=`` (a dict site id -> the user id your
    /// site sent through Hotjar's Identify API). ``organization_id`` defaults to the client's.
    /// Returns what was done, with the subject masked: ``action``, ``email``, ``user_ids``,
    /// ``organization_id``, ``http_status`` and ``at`` (UTC, ISO 8601). It is not retried
    /// when Hotjar may already have acted on it, so the subject never gets two reports.
    ///
    /// >>> client.user_lookup(email="jane@example.com")["email"]
    /// 'j***@example.com'
    #[pyo3(signature = (*, email = None, user_ids = None, organization_id = None))]
    fn user_lookup<'py>(
        &self,
        py: Python<'py>,
        email: Option<&Bound<'py, PyAny>>,
        user_ids: Option<&Bound<'py, PyAny>>,
        organization_id: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let subject = gdpr::subject(py, email, user_ids)?;
        let organization = self.state.organization(organization_id)?;
        let core = self.core()?;
        let outcome = block_on(py, async move {
            core.user_lookup(&organization, &subject).await
        })?
        .map_err(|e| errors::to_pyerr(py, &e))?;
        gdpr::Outcome(outcome).into_pyobject(py)
    }

    /// Deletes everything Hotjar holds on one data subject, at once and permanently
    /// (``delete_all_hits=true``).
    ///
    /// Nothing is sent unless ``confirm=True``: without it this raises
    /// ``ConfirmationRequiredError`` saying what would be deleted. Same arguments and result
    /// as ``user_lookup`` (``action`` is ``"delete"``). Safe to retry: deleting twice deletes
    /// nothing more.
    ///
    /// >>> client.delete_user_data(email="jane@example.com", confirm=True)["http_status"]
    /// 200
    #[pyo3(signature = (*, email = None, user_ids = None, organization_id = None, confirm = false))]
    fn delete_user_data<'py>(
        &self,
        py: Python<'py>,
        email: Option<&Bound<'py, PyAny>>,
        user_ids: Option<&Bound<'py, PyAny>>,
        organization_id: Option<&Bound<'py, PyAny>>,
        confirm: bool,
    ) -> PyResult<Bound<'py, PyDict>> {
        let subject = gdpr::subject(py, email, user_ids)?;
        let organization = self.state.organization(organization_id)?;
        let core = self.core()?;
        let outcome = block_on(py, async move {
            core.delete_user_data(&organization, &subject, confirm)
                .await
        })?
        .map_err(|e| errors::to_pyerr(py, &e))?;
        gdpr::Outcome(outcome).into_pyobject(py)
    }

    /// Looks up (or, with ``delete=True, confirm=True``, deletes) many data subjects and
    /// returns a ``LookupReport``: one row per subject, in input order, with ``status``
    /// ``"ok"`` or ``"failed"`` and the error.
    ///
    /// ``subjects`` holds emails, dicts with ``email`` and/or ``user_ids``, or rows of an
    /// earlier report (``report``, ``report.failed``, ``LookupReport.from_csv(path)``): rows
    /// that already succeeded with the same action and organization are kept, not sent
    /// again, so re-running a report retries only its failed rows. Invalid subjects become
    /// failed rows without a request; a wrong type raises before anything is sent. Requests
    /// share the client's rate limiter, ``concurrency`` at a time; one failure never stops the
    /// others, except that a refused key, a missing plan or an unknown organization (which
    /// every request would hit) leaves the rest unsent and failed. Ctrl-C stops the run; the
    /// ``KeyboardInterrupt`` carries the report so far as ``.report``.
    ///
    /// >>> report = client.lookup_many(["jane@example.com", {"user_ids": {987654: "u-1"}}])
    /// >>> report.to_csv("lookups.csv"); retried = client.lookup_many(report)
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
    ) -> PyResult<Bound<'py, PyAny>> {
        let organization = self.state.organization(organization_id)?;
        let concurrency = gdpr::concurrency(concurrency)?;
        let action = if delete {
            Action::Delete
        } else {
            Action::Lookup
        };
        let bulk = gdpr::Bulk::prepare(py, subjects, action, organization)?;
        let core = self.core()?;
        let mut run = core
            .lookup_many(
                &bulk.organization,
                action,
                bulk.to_send.clone(),
                concurrency,
                confirm,
            )
            .map_err(|e| errors::to_pyerr(py, &e))?;
        let mut results = Vec::new();
        loop {
            match block_on(py, run.next()) {
                Ok(Some(result)) => results.push(result),
                Ok(None) => break,
                Err(interrupted) => {
                    // Ctrl-C: cancel what is in flight, keep what is done.
                    drop(run);
                    let report = gdpr::Finished { bulk, results }.into_pyobject(py)?;
                    interrupted.value(py).setattr("report", report)?;
                    return Err(interrupted);
                }
            }
        }
        gdpr::Finished { bulk, results }.into_pyobject(py)
    }

    /// Every response of a survey as Arrow columns: a :class:`ResponseTable` that pandas,
    /// polars, pyarrow and DuckDB read directly.
    ///
    /// ``shape="wide"`` gives one row per response: the response's fields, then per question
    /// its answer (numbers for NPS and ratings), ``[sentiment]``, ``[comment]`` and ``[tags]``
    /// columns, then ``other_answers`` (JSON of answers with no column of their own, e.g. to a
    /// question the survey no longer lists). ``shape="long"`` gives one row per answer.
    /// On failure the exception's ``partial`` is a table of what was fetched.
    ///
    /// >>> df = client.responses_table(1234567).to_pandas()
    #[pyo3(signature = (survey_id, *, site_id = None, shape = "wide", since = None, resume_cursor = None, progress = false))]
    #[allow(clippy::too_many_arguments)]
    fn responses_table(
        &self,
        py: Python<'_>,
        survey_id: &Bound<'_, PyAny>,
        site_id: Option<&Bound<'_, PyAny>>,
        shape: &str,
        since: Option<&Bound<'_, PyAny>>,
        resume_cursor: Option<String>,
        progress: bool,
    ) -> PyResult<PyResponseTable> {
        let survey = args::id(survey_id, IdKind::Survey)?;
        let site = self.site(site_id)?;
        let shape = Shape::parse(shape).map_err(|e| errors::to_pyerr(py, &e))?;
        let since = args::since(since)?;
        let cursor = args::cursor(resume_cursor)?;
        let core = self.core()?;
        let survey_text = survey.to_string();
        let description = format!("Survey {survey}");
        let table = with_progress(py, progress, &description, async move {
            core.responses_table(&site, &survey, shape, since, cursor)
                .await
        })?;
        table
            .map(|batch| PyResponseTable::new(batch, survey_text.clone(), shape))
            .map_err(|e| {
                let partial = e
                    .partial
                    .map(|batch| PyResponseTable::new(batch, survey_text.clone(), shape))
                    .map(|t| Bound::new(py, t).map(Bound::into_any))
                    .transpose();
                match partial {
                    Ok(partial) => {
                        errors::export_error(py, &e.error, partial.as_ref(), e.resume_cursor)
                    }
                    Err(err) => err,
                }
            })
    }

    /// Streams a survey's responses to a file, page by page, in constant memory: Parquet,
    /// CSV or JSON Lines, chosen by ``format`` or the file's suffix (``.parquet``, ``.csv``,
    /// ``.jsonl``). Columns are those of :meth:`responses_table` with the same ``shape``; in
    /// CSV, lists and maps are written as JSON text.
    ///
    /// The file is written under a temporary name and renamed when complete. If fetching
    /// fails part way, what was written is kept as ``<path>.partial`` (the exception's
    /// ``partial``) with a note beside it (``<path>.partial.json``): ``resume=True``
    /// continues that file from where it stopped (in this process or another, later), and
    /// starts from the beginning when there is nothing to continue. ``resume_cursor`` instead
    /// exports only the rest, to ``path``.
    ///
    /// Returns ``{"path", "format", "shape", "responses", "rows", "pages", "bytes"}``.
    ///
    /// >>> client.export_responses(1234567, "responses.parquet", resume=True)
    #[pyo3(signature = (survey_id, path, *, site_id = None, format = None, shape = "wide", since = None, resume_cursor = None, resume = false, progress = false))]
    #[allow(clippy::too_many_arguments)]
    fn export_responses<'py>(
        &self,
        py: Python<'py>,
        survey_id: &Bound<'py, PyAny>,
        path: std::path::PathBuf,
        site_id: Option<&Bound<'py, PyAny>>,
        format: Option<String>,
        shape: &str,
        since: Option<&Bound<'py, PyAny>>,
        resume_cursor: Option<String>,
        resume: bool,
        progress: bool,
    ) -> PyResult<Bound<'py, PyDict>> {
        let survey = args::id(survey_id, IdKind::Survey)?;
        if resume && resume_cursor.is_some() {
            return Err(errors::configuration(
                "Pass resume=True (continue <path>.partial, which knows where it stopped) or \
                 resume_cursor= (export the rest to path), not both.",
            ));
        }
        let site = self.site(site_id)?;
        let shape = Shape::parse(shape).map_err(|e| errors::to_pyerr(py, &e))?;
        // The target first: "is a folder" says more than "cannot tell the format of '.'".
        let format = check_target(&path)
            .and_then(|()| FileFormat::resolve(&path, format.as_deref()))
            .map_err(|e| errors::to_pyerr(py, &e))?;
        let since = args::since(since)?;
        let cursor = args::cursor(resume_cursor)?;
        let core = self.core()?;
        let description = format!("Survey {survey}");
        let summary = with_progress(py, progress, &description, async move {
            if resume {
                core.resume_export_responses(&site, &survey, &path, format, shape, since)
                    .await
            } else {
                core.export_responses(&site, &survey, &path, format, shape, since, cursor)
                    .await
            }
        })?
        .map_err(|e| {
            let partial = e
                .partial
                .map(|p| PyString::new(py, &p.to_string_lossy()).into_any());
            errors::export_error(py, &e.error, partial.as_ref(), e.resume_cursor)
        })?;
        let result = PyDict::new(py);
        result.set_item("path", summary.path.to_string_lossy())?;
        result.set_item("format", summary.format.name())?;
        result.set_item("shape", summary.shape.name())?;
        result.set_item("responses", summary.responses)?;
        result.set_item("rows", summary.rows)?;
        result.set_item("pages", summary.pages)?;
        result.set_item("bytes", summary.bytes)?;
        Ok(result)
    }

    /// Each survey's responses as a ``ResponseTable`` (as ``responses_table``), fetched
    /// ``concurrency`` surveys at a time under the client's one rate limit; as
    /// ``responses_many``, a ``SurveyResults`` whose ``.errors`` keep a failed survey's table
    /// so far (``partial``) and ``resume_cursor``.
    ///
    /// >>> tables = client.responses_table_many()
    /// >>> frames = {sid: t.to_pandas() for sid, t in tables.items()}
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
    ) -> PyResult<Bound<'py, PyAny>> {
        let concurrency = check_concurrency(concurrency.0).map_err(|e| errors::to_pyerr(py, &e))?;
        let shape = Shape::parse(shape).map_err(|e| errors::to_pyerr(py, &e))?;
        let surveys = many::survey_list(survey_ids)?;
        let site = self.site(site_id)?;
        let since = args::since(since)?;
        let core = self.core()?;
        let tables = block_on(py, async move {
            core.responses_table_many(&site, surveys, shape, since, concurrency)
                .await
        })?
        .map_err(|e| errors::to_pyerr(py, &e))?;
        many::table_results(py, tables, shape)
    }

    /// Counts of what this client has sent: ``requests`` (all HTTP requests, token and
    /// retries included), ``retries`` and ``token_requests``.
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.state.stats(py)
    }

    /// Closes the connection pool. Later calls raise ``ClientClosedError``. Calling it twice
    /// is fine.
    fn close(&self) {
        self.state.close();
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

    /// Refused: a client holds the API secret, its token and live connections, none of which
    /// may travel in a pickle.
    fn __reduce__(&self) -> PyResult<()> {
        Err(PyTypeError::new_err(
            "A Client cannot be pickled or copied: it holds the API secret and live \
             connections. Create one in each process instead, e.g. with Client.from_env().",
        ))
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __exit__(
        &self,
        _exc_type: Option<&Bound<'_, PyAny>>,
        _exc: Option<&Bound<'_, PyAny>>,
        _tb: Option<&Bound<'_, PyAny>>,
    ) -> bool {
        self.close();
        false
    }

    fn __repr__(&self) -> String {
        self.state.repr()
    }
}

/// A lazy iterator over a survey's responses; fetches a page when its buffer runs dry.
#[pyclass(module = "hotjar_client", frozen)]
pub struct ResponseIterator {
    stream: Arc<tokio::sync::Mutex<ResponseStream>>,
    buffer: Mutex<VecDeque<Py<PyAny>>>,
    exhausted: AtomicBool,
    /// A page that arrived but could not be decoded ends the iteration: the stream has moved
    /// past it, so going on would skip its responses without a word. Every later call raises
    /// the same error.
    undecodable: Mutex<Option<(Error, Option<String>)>>,
    client_closed: Arc<AtomicBool>,
    survey_id: String,
    pid: u32,
}

impl ResponseIterator {
    fn pop(&self) -> Option<Py<PyAny>> {
        self.buffer
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop_front()
    }
}

#[pymethods]
impl ResponseIterator {
    fn __iter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __next__<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        loop {
            if let Some(item) = self.pop() {
                return Ok(Some(item.into_bound(py)));
            }
            if self.exhausted.load(Ordering::Acquire) {
                return Ok(None);
            }
            if let Some((error, cursor)) = self
                .undecodable
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone()
            {
                return Err(errors::export_error(py, &error, None, cursor));
            }
            ensure_same_process(self.pid, "ResponseIterator")?;
            if self.client_closed.load(Ordering::Acquire) {
                return Err(errors::closed("Client"));
            }
            let stream = self.stream.clone();
            let fetched = block_on(py, async move {
                let mut stream = stream.lock().await;
                match stream.next_raw().await {
                    Ok(batch) => Ok(batch),
                    Err(error) => Err((error, stream.resume_cursor().map(str::to_string))),
                }
            })?;
            match fetched {
                Ok(Some(batch)) => {
                    let rows = PyList::empty(py);
                    let decoded = decode::append_results(
                        py,
                        batch.body(),
                        Some(&batch.keep),
                        &mut StringCache::new(),
                        &rows,
                    );
                    if let Err(error) = decoded {
                        *self.undecodable.lock().unwrap_or_else(|p| p.into_inner()) =
                            Some((error, batch.cursor));
                        continue;
                    }
                    let mut buffer = self.buffer.lock().unwrap_or_else(|p| p.into_inner());
                    buffer.extend(rows.iter().map(Bound::unbind));
                }
                Ok(None) => self.exhausted.store(true, Ordering::Release),
                Err((error, cursor)) => {
                    return Err(errors::export_error(py, &error, None, cursor));
                }
            }
        }
    }

    /// Where to resume if the iteration stopped on an error (None before the first page).
    #[getter]
    fn resume_cursor(&self) -> Option<String> {
        self.stream
            .try_lock()
            .ok()
            .and_then(|s| s.resume_cursor().map(str::to_string))
    }

    /// Refused: an iterator is tied to its client's connections.
    fn __reduce__(&self) -> PyResult<()> {
        Err(PyTypeError::new_err(
            "A ResponseIterator cannot be pickled or copied. To continue an export elsewhere, \
             pass its resume_cursor to iter_responses() or responses() there.",
        ))
    }

    /// Pages fetched so far.
    #[getter]
    fn pages_fetched(&self) -> u64 {
        self.stream
            .try_lock()
            .map(|s| s.pages_fetched())
            .unwrap_or(0)
    }

    fn __repr__(&self) -> String {
        format!(
            "<hotjar_client.ResponseIterator survey_id='{}' pages_fetched={}>",
            self.survey_id,
            self.pages_fetched()
        )
    }
}

/// Runs a long call; with `progress`, a tqdm bar (when tqdm is installed) counts the responses
/// it keeps, updated from this thread while it waits, so no runtime thread takes the GIL.
fn with_progress<F, T>(py: Python<'_>, progress: bool, description: &str, future: F) -> PyResult<T>
where
    F: std::future::Future<Output = T> + Send,
    T: Send,
{
    let bar = Bar::new(py, progress, description, None);
    if !bar.is_some() {
        return block_on(py, future);
    }
    let counter = Arc::new(AtomicU64::new(0));
    let take =
        |counter: &AtomicU64| usize::try_from(counter.swap(0, Ordering::Relaxed)).unwrap_or(0);
    let counted = crate::progress::counting(counter.clone(), future);
    let result = block_on_ticking(py, counted, |py| bar.update(py, take(&counter)));
    bar.update(py, take(&counter));
    bar.close(py);
    result
}
