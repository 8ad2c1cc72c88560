//! `responses`: every response of a survey, newest first, as a list of dicts. Fetching runs
//! ahead in a task of its own (the next page is on the wire while the last ones are decoded).

use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::ids::IdKind;
use crate::pagination::ResponseStream;
use crate::python::entry::{attach_in_worker, Bar};
use crate::python::rows::SurveysRows;
use crate::python::{args, errors};

/// The rows of one stream; on failure the exception carries the rows so far and the cursor.
pub async fn collect(stream: ResponseStream) -> PyResult<Py<PyList>> {
    let mut pages = stream.prefetch();
    let mut surveys = SurveysRows::new(1);
    let failure = loop {
        match pages.next().await {
            Some(Ok(page)) => {
                surveys.push(0, page);
                if !pages.next_is_ready() {
                    surveys.flush(); // decoded while the next page is on the wire
                }
                if surveys.stopped(0) {
                    break None; // an undecodable page: its error ends the export
                }
            }
            None => break None,
            Some(Err(failure)) => break Some(failure),
        }
    };
    drop(pages);
    let finished = surveys.finish(0);
    attach_in_worker(|py| {
        drop(surveys); // its string cache, released with the interpreter held
        let (rows, undecodable) = finished.unwrap_or_else(|| (PyList::empty(py).unbind(), None));
        match undecodable.or(failure) {
            None => Ok(rows),
            Some((error, cursor)) => Err(errors::export_error(
                py,
                &error,
                Some(rows.bind(py).as_any()),
                cursor,
            )),
        }
    })
}

operation! {
    entries(responses, responses_async);
    fn responses_body(&self, _py: Python<'_>, survey_id: &Bound<'_, PyAny>,
        site_id: Option<&Bound<'_, PyAny>>, since: Option<&Bound<'_, PyAny>>,
        resume_cursor: Option<String>, progress: Option<Bound<'_, PyAny>>) -> Py<PyList> {
        let survey = args::id(survey_id, IdKind::Survey)?;
        let site = self.site(site_id)?;
        let since = args::since(since)?;
        let cursor = args::cursor(resume_cursor)?;
        let stream = self.core()?.response_stream(&site, &survey, since, cursor);
        let bar = Bar::new(progress);
        Ok(async move { bar.watch(collect(stream)).await })
    }
}
