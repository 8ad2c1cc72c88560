//! `responses_many` for both clients: the surveys run concurrently in the core
//! (`HotjarClient::many_pages`); here their pages become lists of dicts with the same decoder
//! as `responses()`, and the outcome a `hotjar_client.SurveyResults`.
//!
//! Sync: the calling thread decodes each page as it arrives (the interpreter is released while
//! it waits), so decoding overlaps the network. Async: pages are kept as bytes until their
//! survey is complete, then decoded in one go with the interpreter attached, off the event loop
//! thread; the progress bar is updated at most every 200 ms.

use std::time::Duration;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyInt, PyList, PyString};

use crate::client::HotjarClient;
use crate::error::Error;
use crate::ids::{Id, IdKind};
use crate::many::{dedupe, Outcome, Outcomes, Step, SurveyEvent, TableResult};
use crate::pagination::RawBatch;
use crate::table::Shape;

use super::decode::{self, StringCache};
use super::errors;
use super::progress::Bar;
use super::runtime::{block_on, runtime};
use super::table::PyResponseTable;

static SURVEY_RESULTS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// How often the async path refreshes a progress bar.
const PROGRESS_TICK: Duration = Duration::from_millis(200);

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
            value
                .get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_default()
        ))
    })?;
    let mut ids = Vec::new();
    for item in iterator {
        ids.push(super::args::id(&item?, IdKind::Survey)?);
    }
    Ok(Some(dedupe(ids)))
}

/// Builds the `SurveyResults`: completed surveys in order, failures as exceptions carrying
/// their partial rows and resume cursor.
fn results<'py>(
    py: Python<'py>,
    surveys: &[Id],
    rows: Vec<Bound<'py, PyList>>,
    outcomes: Vec<Outcome>,
) -> PyResult<Bound<'py, PyAny>> {
    let completed = PyDict::new(py);
    let failed = PyDict::new(py);
    for ((survey, rows), outcome) in surveys.iter().zip(rows).zip(outcomes) {
        match outcome {
            Some(Ok(())) => completed.set_item(survey.as_str(), rows)?,
            Some(Err((error, cursor))) => {
                let exception = errors::export_error(py, &error, Some(rows.as_any()), cursor);
                failed.set_item(survey.as_str(), exception.value(py))?;
            }
            None => {
                // Unreachable: the core reports an end for every survey it takes.
                let error = Error::new(
                    crate::error::ErrorKind::Transport,
                    format!("The export of survey {survey} stopped without a result."),
                );
                let exception = errors::export_error(py, &error, Some(rows.as_any()), None);
                failed.set_item(survey.as_str(), exception.value(py))?;
            }
        }
    }
    let class = SURVEY_RESULTS.import(py, "hotjar_client._many", "SurveyResults")?;
    class.call1((completed, failed))
}

/// Sync `responses_many`, on the calling thread.
pub fn run_sync<'py>(
    py: Python<'py>,
    core: HotjarClient,
    site: Id,
    surveys: Option<Vec<Id>>,
    since: Option<jiff::Timestamp>,
    concurrency: usize,
    progress: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let surveys = match surveys {
        Some(surveys) => surveys,
        None => {
            let (core, site) = (core.clone(), site.clone());
            block_on(py, async move { core.survey_ids(&site).await })?
                .map_err(|e| errors::to_pyerr(py, &e))?
        }
    };
    let total = surveys.len();
    let bar = Bar::new(py, progress, "Hotjar responses", Some(total));
    let rows: Vec<Bound<'py, PyList>> = surveys.iter().map(|_| PyList::empty(py)).collect();
    let mut outcomes = Outcomes::new(surveys.len());
    let mut pages = {
        let _context = runtime()?.enter();
        core.many_pages(&site, surveys.clone(), since, concurrency)
    };
    let mut keys = StringCache::new();
    let mut finished = 0;
    loop {
        // On Ctrl-C this returns early; dropping `pages` cancels every request in flight.
        let event = match block_on(py, pages.next()) {
            Ok(event) => event,
            Err(interrupted) => {
                bar.close(py);
                return Err(interrupted);
            }
        };
        let Some(event) = event else { break };
        match outcomes.record(event) {
            Step::Page { index, batch } => {
                match decode::append_results(
                    py,
                    batch.body(),
                    Some(&batch.keep),
                    &mut keys,
                    &rows[index],
                ) {
                    Ok(appended) => bar.update(py, appended),
                    Err(error) => outcomes.undecodable(index, error, batch.cursor),
                }
            }
            Step::Ended { .. } => {
                finished += 1;
                bar.surveys(py, finished, total);
            }
            Step::Skipped => {}
        }
    }
    bar.close(py);
    results(py, &surveys, rows, outcomes.into_vec())
}

/// Decodes one survey's pages, kept as bytes, into a list. An undecodable page ends the list
/// there, with the error and that page's cursor.
pub fn decode_batches<'py>(
    py: Python<'py>,
    batches: &[RawBatch],
    keys: &mut StringCache<'py>,
) -> (Bound<'py, PyList>, Option<(Error, Option<String>)>) {
    let rows = PyList::empty(py);
    for batch in batches {
        if let Err(error) = decode::append_results(py, batch.body(), Some(&batch.keep), keys, &rows)
        {
            return (rows, Some((error, batch.cursor.clone())));
        }
    }
    (rows, None)
}

/// Pages decoded a few at a time: the async paths keep a survey's pages as bytes until
/// `DECODE_CHUNK` of them are in, then decode them together into the survey's list. Holding
/// every page until the end would keep a whole survey's JSON in memory next to its dicts;
/// decoding each page apart would take the interpreter once per page and share no strings
/// between pages. Ten pages (1,000 responses) is a few tens of milliseconds of work.
const DECODE_CHUNK: usize = 10;

#[derive(Default)]
pub struct ChunkedRows {
    rows: Option<Py<PyList>>,
    pending: Vec<RawBatch>,
    /// The first undecodable page and its cursor: the rows stop before it.
    undecodable: Option<(Error, Option<String>)>,
}

impl ChunkedRows {
    pub fn new() -> Self {
        Self {
            rows: None,
            pending: Vec::new(),
            undecodable: None,
        }
    }

    /// Whether a page could not be decoded (later pages are not kept).
    pub fn stopped(&self) -> bool {
        self.undecodable.is_some()
    }

    /// Adds a page; decodes the pending ones once there are enough. Call from a tokio worker.
    pub fn push(&mut self, batch: RawBatch) {
        if self.undecodable.is_some() {
            return; // no gap in the rows: nothing after an undecodable page is kept
        }
        self.pending.push(batch);
        if self.pending.len() >= DECODE_CHUNK {
            self.flush();
        }
    }

    fn flush(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        let Self {
            rows, undecodable, ..
        } = self;
        attach_in_worker(|py| {
            let rows = rows.get_or_insert_with(|| PyList::empty(py).unbind());
            let (decoded, failure) = decode_batches(py, &pending, &mut StringCache::new());
            if let Err(error) = rows.bind(py).call_method1("extend", (decoded,)) {
                *undecodable = Some((
                    Error::new(crate::error::ErrorKind::InvalidResponse, error.to_string()),
                    pending.first().and_then(|b| b.cursor.clone()),
                ));
                return;
            }
            if failure.is_some() {
                *undecodable = failure;
            }
        });
    }

    /// Decodes what is pending and hands over the rows, and the undecodable page if any.
    pub fn finish(mut self) -> (Py<PyList>, Option<(Error, Option<String>)>) {
        if self.undecodable.is_none() {
            self.flush();
        }
        let rows = match self.rows.take() {
            Some(rows) => rows,
            None => attach_in_worker(|py| PyList::empty(py).unbind()),
        };
        (rows, self.undecodable)
    }
}

/// Runs `f` with the interpreter attached from a tokio worker, telling tokio to move its other
/// tasks elsewhere while this thread waits for, and holds, the interpreter.
pub fn attach_in_worker<T>(f: impl for<'py> FnOnce(Python<'py>) -> T) -> T {
    let _counted = super::aio::HandOver::start();
    tokio::task::block_in_place(|| Python::attach(f))
}

/// Async `responses_many`: the body of the future `AsyncClient.responses_many` returns.
pub async fn run_async(
    core: HotjarClient,
    site: Id,
    surveys: Option<Vec<Id>>,
    since: Option<jiff::Timestamp>,
    concurrency: usize,
    bar: Bar,
) -> PyResult<Py<PyAny>> {
    let surveys = match surveys {
        Some(surveys) => surveys,
        None => match core.survey_ids(&site).await {
            Ok(ids) => ids,
            Err(error) => {
                attach_in_worker(|py| bar.close(py));
                return Err(attach_in_worker(|py| errors::to_pyerr(py, &error)));
            }
        },
    };
    let total = surveys.len();
    if bar.is_some() {
        attach_in_worker(|py| bar.surveys(py, 0, total));
    }
    let mut raw: Vec<Option<ChunkedRows>> =
        surveys.iter().map(|_| Some(ChunkedRows::new())).collect();
    let mut done: Vec<Option<Py<PyList>>> = surveys.iter().map(|_| None).collect();
    let mut outcomes: Vec<Outcome> = surveys.iter().map(|_| None).collect();
    let mut pages = core.many_pages(&site, surveys.clone(), since, concurrency);
    let (mut fetched, mut shown, mut finished) = (0usize, 0usize, 0usize);
    let mut tick = tokio::time::interval(PROGRESS_TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let event = tokio::select! {
            event = pages.next() => event,
            _ = tick.tick(), if bar.is_some() => {
                if fetched > shown {
                    attach_in_worker(|py| {
                        bar.update(py, fetched - shown);
                        bar.surveys(py, finished, total);
                    });
                    shown = fetched;
                }
                continue;
            }
        };
        let Some(event) = event else { break };
        let (index, end) = match event {
            SurveyEvent::Page { index, batch } => {
                fetched += batch.keep.iter().filter(|k| **k).count();
                if let Some(rows) = raw[index].as_mut() {
                    rows.push(batch);
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
        finished += 1;
        let Some(chunked) = raw[index].take() else {
            continue; // unreachable: a survey ends once
        };
        let (rows, undecodable) = chunked.finish();
        done[index] = Some(rows);
        outcomes[index] = Some(match undecodable.or(end) {
            None => Ok(()),
            Some(failure) => Err(failure),
        });
    }
    attach_in_worker(|py| {
        bar.update(py, fetched - shown);
        bar.surveys(py, finished, total);
        bar.close(py);
        let rows = done
            .into_iter()
            .map(|r| r.map_or_else(|| PyList::empty(py), |r| r.into_bound(py)))
            .collect();
        results(py, &surveys, rows, outcomes).map(Bound::unbind)
    })
}

/// `responses_table_many`'s outcome as a `SurveyResults` of `ResponseTable`s; a failed survey's
/// exception carries the table of what was read (or None) and where to resume.
pub fn table_results<'py>(
    py: Python<'py>,
    tables: Vec<(Id, TableResult)>,
    shape: Shape,
) -> PyResult<Bound<'py, PyAny>> {
    let completed = PyDict::new(py);
    let failed = PyDict::new(py);
    for (survey, table) in tables {
        let name = survey.to_string();
        match table {
            Ok(batch) => {
                completed.set_item(&name, PyResponseTable::new(batch, name.clone(), shape))?;
            }
            Err(error) => {
                let partial = error
                    .partial
                    .map(|batch| Bound::new(py, PyResponseTable::new(batch, name.clone(), shape)))
                    .transpose()?
                    .map(Bound::into_any);
                let exception =
                    errors::export_error(py, &error.error, partial.as_ref(), error.resume_cursor);
                failed.set_item(&name, exception.value(py))?;
            }
        }
    }
    let class = SURVEY_RESULTS.import(py, "hotjar_client._many", "SurveyResults")?;
    class.call1((completed, failed))
}
