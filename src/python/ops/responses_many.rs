//! `responses_many`: the responses of many surveys, `concurrency` surveys at a time under the
//! client's one rate limit (`HotjarClient::many_pages`). Each survey's pages are decoded into
//! its list as they arrive; a failed survey keeps what was fetched and where to resume, and
//! stops no other. Returns `(completed, failed)`: survey id -> rows, survey id -> exception.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyInt, PyList, PyString};

use crate::ids::{Id, IdKind};
use crate::many::{check_concurrency, dedupe, SurveyEnd, SurveyEvent};
use crate::python::entry::{attach_in_worker, py_error, Bar};
use crate::python::raw_client::RawClient;
use crate::python::rows::{no_result, SurveysRows};
use crate::python::{args, errors};

/// Completed and failed surveys, as Python dicts.
pub type Outcomes = (Py<PyDict>, Py<PyDict>);

/// `survey_ids`: None (every survey of the site), or an iterable of ids. A lone id or a str is
/// refused: iterating "123" would ask for surveys 1, 2 and 3.
pub fn survey_list(value: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Vec<Id>>> {
    let Some(value) = value.filter(|v| !v.is_none()) else {
        return Ok(None);
    };
    if value.is_instance_of::<PyString>()
        || value.is_instance_of::<PyInt>()
        || value.is_instance_of::<PyBytes>()
    {
        return Err(PyTypeError::new_err(format!(
            "survey_ids must be a list (or other iterable) of survey ids, not {}; for one \
             survey use responses(), or pass [survey_id].",
            value.get_type().name()?
        )));
    }
    let iterator = value.try_iter().map_err(|_| {
        PyTypeError::new_err(format!(
            "survey_ids must be a list (or other iterable) of survey ids, or None for every \
             survey of the site; got {}",
            args::type_name(value)
        ))
    })?;
    let mut ids = Vec::new();
    for item in iterator {
        ids.push(args::id(&item?, IdKind::Survey)?);
    }
    Ok(Some(dedupe(ids)))
}

/// What both many-survey operations check, in this order, before anything is sent.
pub struct Many {
    pub core: crate::HotjarClient,
    pub site: Id,
    pub surveys: Option<Vec<Id>>,
    pub since: Option<jiff::Timestamp>,
    pub concurrency: usize,
}

impl RawClient {
    pub fn many(
        &self,
        survey_ids: Option<&Bound<'_, PyAny>>,
        site_id: Option<&Bound<'_, PyAny>>,
        since: Option<&Bound<'_, PyAny>>,
        concurrency: args::Int,
    ) -> PyResult<Many> {
        let concurrency = check_concurrency(concurrency.0).map_err(|e| errors::core_error(&e))?;
        Ok(Many {
            surveys: survey_list(survey_ids)?,
            site: self.site(site_id)?,
            since: args::since(since)?,
            core: self.core()?,
            concurrency,
        })
    }
}

async fn body(
    core: crate::HotjarClient,
    site: Id,
    surveys: Option<Vec<Id>>,
    since: Option<jiff::Timestamp>,
    concurrency: usize,
    bar: Bar,
) -> PyResult<Outcomes> {
    let surveys = match surveys {
        Some(surveys) => surveys,
        None => core.survey_ids(&site).await.map_err(|e| py_error(&e))?,
    };
    let total = surveys.len();
    bar.surveys(0, total);
    let mut rows = SurveysRows::new(total);
    let mut done: Vec<Option<Py<PyList>>> = surveys.iter().map(|_| None).collect();
    let mut ends: Vec<SurveyEnd> = surveys.iter().map(|_| None).collect();
    let mut pages = core.many_pages(&site, surveys.clone(), since, concurrency);
    let mut finished = 0;
    while let Some(event) = pages.next().await {
        let (index, end) = match event {
            SurveyEvent::Page { index, batch } => {
                rows.push(index, batch);
                if !pages.next_is_ready() {
                    // Nothing else to do until the next page: decode what came, all surveys
                    // under one taking of the interpreter.
                    rows.flush();
                }
                continue;
            }
            SurveyEvent::Done { index } => (index, None),
            SurveyEvent::Failed {
                index,
                error,
                resume_cursor,
            } => (index, Some((error, resume_cursor))),
        };
        let Some((survey_rows, undecodable)) = rows.finish(index) else {
            continue; // unreachable: a survey ends once
        };
        done[index] = Some(survey_rows);
        ends[index] = Some(match undecodable.or(end) {
            None => Ok(()),
            Some(failure) => Err(failure),
        });
        finished += 1;
        bar.surveys(finished, total);
    }
    attach_in_worker(|py| {
        drop(rows); // its string cache, released with the interpreter held
        let completed = PyDict::new(py);
        let failed = PyDict::new(py);
        for ((survey, rows), end) in surveys.iter().zip(done).zip(ends) {
            let rows = rows.map_or_else(|| PyList::empty(py), |r| r.into_bound(py));
            let failure = match end {
                Some(Ok(())) => {
                    completed.set_item(survey.as_str(), rows)?;
                    continue;
                }
                Some(Err(failure)) => failure,
                None => (no_result(survey.as_str()), None),
            };
            let (error, cursor) = failure;
            let exception = errors::export_error(py, &error, Some(rows.as_any()), cursor);
            failed.set_item(survey.as_str(), exception.value(py))?;
        }
        Ok((completed.unbind(), failed.unbind()))
    })
}

operation! {
    entries(responses_many, responses_many_async);
    fn responses_many_body(&self, _py: Python<'_>, survey_ids: Option<&Bound<'_, PyAny>>,
        site_id: Option<&Bound<'_, PyAny>>, since: Option<&Bound<'_, PyAny>>,
        concurrency: args::Int, progress: Option<Bound<'_, PyAny>>) -> Outcomes {
        let Many { core, site, surveys, since, concurrency } =
            self.many(survey_ids, site_id, since, concurrency)?;
        let bar = Bar::new(progress);
        Ok(async move {
            let watched = bar.clone();
            watched
                .watch(body(core, site, surveys, since, concurrency, bar))
                .await
        })
    }
}
