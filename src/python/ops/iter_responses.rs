//! `iter_responses` / `aiter_responses`: a survey's responses a page at a time. The native
//! side is one object, `RawResponsePages`, whose `next_page` (blocking) and `next_page_async`
//! (awaitable) share one body; the Python iterators hand out its pages' rows one by one.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::ids::IdKind;
use crate::pagination::ResponseStream;
use crate::python::aio::AsyncCall;
use crate::python::decode::StringCache;
use crate::python::entry::{attach_in_worker, wait};
use crate::python::raw_client::RawClient;
use crate::python::rows::{decode_pages, Stop};
use crate::python::runtime::ensure_same_process;
use crate::python::{args, errors};

/// One iteration's state, under one lock: a page is fetched and decoded at a time.
struct Pages {
    stream: ResponseStream,
    /// One string cache for the whole iteration, so a value repeated on any page is one str
    /// object, as with `responses`.
    strings: StringCache,
    exhausted: bool,
    /// A page that arrived but could not be decoded ends the iteration: the stream has moved
    /// past it, so going on would skip its responses without a word. Every later call raises
    /// the same error.
    undecodable: Option<Stop>,
}

type SharedPages = Arc<tokio::sync::Mutex<Pages>>;

/// The pages of one survey's responses, fetched one at a time as they are asked for.
#[pyclass(module = "hotjar_client._native", frozen)]
pub struct RawResponsePages {
    pages: SharedPages,
    client_closed: Arc<AtomicBool>,
    /// "Client" or "AsyncClient", for the error after `close()`.
    client: &'static str,
    survey_id: String,
    pid: u32,
}

/// The next page's rows, `None` at the end. Call from the body's thread (see `entry`).
async fn next_page(pages: SharedPages) -> PyResult<Option<Py<PyList>>> {
    let mut iteration = pages.lock().await;
    let Pages {
        stream,
        strings,
        exhausted,
        undecodable,
    } = &mut *iteration;
    if let Some((error, cursor)) = undecodable.clone() {
        return Err(attach_in_worker(|py| {
            errors::export_error(py, &error, None, cursor)
        }));
    }
    if *exhausted {
        return Ok(None);
    }
    match stream.next_raw().await {
        Ok(Some(page)) => attach_in_worker(|py| {
            let rows = PyList::empty(py);
            let stop = decode_pages(py, std::slice::from_ref(&page), strings, &rows);
            match stop {
                None => Ok(Some(rows.unbind())),
                Some((error, cursor)) => {
                    let raised = errors::export_error(py, &error, None, cursor.clone());
                    *undecodable = Some((error, cursor));
                    Err(raised)
                }
            }
        }),
        Ok(None) => {
            *exhausted = true;
            Ok(None)
        }
        Err(error) => {
            let cursor = stream.resume_cursor().map(str::to_string);
            Err(attach_in_worker(|py| {
                errors::export_error(py, &error, None, cursor)
            }))
        }
    }
}

impl RawResponsePages {
    /// Checks before fetching: the same process, a client still open.
    fn pages(&self) -> PyResult<SharedPages> {
        let iterator = match self.client {
            "AsyncClient" => "AsyncResponseIterator",
            _ => "ResponseIterator",
        };
        ensure_same_process(self.pid, iterator)?;
        if self.client_closed.load(Ordering::Acquire) {
            return Err(errors::closed(self.client));
        }
        Ok(self.pages.clone())
    }
}

#[pymethods]
impl RawResponsePages {
    /// The next page's rows (possibly none kept), or `None` when there are no more.
    fn next_page(&self, py: Python<'_>) -> PyResult<Option<Py<PyList>>> {
        wait(py, next_page(self.pages()?))
    }

    fn next_page_async(&self) -> PyResult<AsyncCall> {
        Ok(AsyncCall::new(
            "AsyncResponseIterator.__anext__",
            next_page(self.pages()?),
        ))
    }

    /// Where to resume if the iteration stopped on an error (None before the first page).
    #[getter]
    fn resume_cursor(&self) -> Option<String> {
        self.pages
            .try_lock()
            .ok()
            .and_then(|p| p.stream.resume_cursor().map(str::to_string))
    }

    /// Pages fetched so far.
    #[getter]
    fn pages_fetched(&self) -> u64 {
        self.pages
            .try_lock()
            .map(|p| p.stream.pages_fetched())
            .unwrap_or(0)
    }

    #[getter]
    fn survey_id(&self) -> &str {
        &self.survey_id
    }

    fn __reduce__(&self) -> PyResult<()> {
        Err(PyTypeError::new_err(
            "Response pages cannot be pickled or copied: they are tied to a client's \
             connections. Pass resume_cursor to iter_responses() or responses() instead.",
        ))
    }
}

#[pymethods]
impl RawClient {
    /// The pages of a survey's responses, newest first, fetched as they are asked for.
    fn response_pages(
        &self,
        survey_id: &Bound<'_, PyAny>,
        site_id: Option<&Bound<'_, PyAny>>,
        since: Option<&Bound<'_, PyAny>>,
        resume_cursor: Option<String>,
    ) -> PyResult<RawResponsePages> {
        let survey = args::id(survey_id, IdKind::Survey)?;
        let site = self.site(site_id)?;
        let since = args::since(since)?;
        let cursor = args::cursor(resume_cursor)?;
        let stream = self.core()?.response_stream(&site, &survey, since, cursor);
        Ok(RawResponsePages {
            pages: Arc::new(tokio::sync::Mutex::new(Pages {
                stream,
                strings: StringCache::new(),
                exhausted: false,
                undecodable: None,
            })),
            client_closed: self.closed_flag.clone(),
            client: self.what,
            survey_id: survey.to_string(),
            pid: std::process::id(),
        })
    }
}
