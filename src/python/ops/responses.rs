//! `responses`: every response of a survey, newest first, as a list of dicts. Fetching runs
//! ahead in a task of its own (page N+1 is on the wire while page N is decoded).

use std::future::Future;

use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::ids::IdKind;
use crate::pagination::ResponseStream;
use crate::python::aio::AsyncCall;
use crate::python::entry::{attach_in_worker, wait, Bar};
use crate::python::raw_client::RawClient;
use crate::python::rows::ChunkedRows;
use crate::python::{args, errors};

/// The rows of one stream; on failure the exception carries the rows so far and the cursor.
pub async fn collect(stream: ResponseStream) -> PyResult<Py<PyList>> {
    let mut pages = stream.prefetch();
    let mut rows = ChunkedRows::new();
    let failure = loop {
        match pages.next().await {
            Some(Ok(page)) => {
                rows.push(page);
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
    attach_in_worker(|py| match undecodable.or(failure) {
        None => Ok(rows),
        Some((error, cursor)) => Err(errors::export_error(
            py,
            &error,
            Some(rows.bind(py).as_any()),
            cursor,
        )),
    })
}

impl RawClient {
    fn responses_body(
        &self,
        survey_id: &Bound<'_, PyAny>,
        site_id: Option<&Bound<'_, PyAny>>,
        since: Option<&Bound<'_, PyAny>>,
        resume_cursor: Option<String>,
        progress: Option<Bound<'_, PyAny>>,
    ) -> PyResult<impl Future<Output = PyResult<Py<PyList>>> + Send + 'static> {
        let survey = args::id(survey_id, IdKind::Survey)?;
        let site = self.site(site_id)?;
        let since = args::since(since)?;
        let cursor = args::cursor(resume_cursor)?;
        let stream = self.core()?.response_stream(&site, &survey, since, cursor);
        let bar = Bar::new(progress);
        Ok(async move { bar.watch(collect(stream)).await })
    }
}

#[pymethods]
impl RawClient {
    fn responses(
        &self,
        py: Python<'_>,
        survey_id: &Bound<'_, PyAny>,
        site_id: Option<&Bound<'_, PyAny>>,
        since: Option<&Bound<'_, PyAny>>,
        resume_cursor: Option<String>,
        progress: Option<Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyList>> {
        let body = self.responses_body(survey_id, site_id, since, resume_cursor, progress)?;
        wait(py, body)
    }

    fn responses_async(
        &self,
        survey_id: &Bound<'_, PyAny>,
        site_id: Option<&Bound<'_, PyAny>>,
        since: Option<&Bound<'_, PyAny>>,
        resume_cursor: Option<String>,
        progress: Option<Bound<'_, PyAny>>,
    ) -> PyResult<AsyncCall> {
        let body = self.responses_body(survey_id, site_id, since, resume_cursor, progress)?;
        Ok(AsyncCall::new("AsyncClient.responses", body))
    }
}
