//! `lookup_many`: many data subjects looked up (or deleted), `concurrency` requests at a time
//! under the client's one rate limit (`HotjarClient::lookup_many`). The subjects arrive as
//! `hotjar_client.gdpr` prepared them; the rows go back plain, one per input, in input order.
//! `RawClient.lookup_many` checks the input and returns a `LookupRun`, which either entry runs:
//! `wait` (blocking; Ctrl-C keeps what is done, the `KeyboardInterrupt` carries the rows so far
//! as `rows`) or `wait_async` (awaitable; cancelling the task cancels the requests in flight,
//! and `LookupRun.rows()` gives the rows done). The Python side makes its `report` of them.

use std::sync::{Arc, Mutex, MutexGuard};

use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::gdpr::{Action, BulkLookup, BulkRequest, BulkResult, Started};
use crate::python::aio::AsyncCall;
use crate::python::entry::wait;
use crate::python::gdpr::{Bulk, Finished, Stopped};
use crate::python::raw_client::RawClient;
use crate::python::{args, errors};

#[pymethods]
impl RawClient {
    /// Checks everything and starts nothing: the run, for `LookupRun.wait` (blocking) or
    /// `LookupRun.wait_async` (awaitable).
    fn lookup_many(
        &self,
        py: Python<'_>,
        subjects: &Bound<'_, PyAny>,
        delete: bool,
        confirm: bool,
        organization_id: Option<&Bound<'_, PyAny>>,
        concurrency: args::Int,
    ) -> PyResult<LookupRun> {
        let organization = self.organization(organization_id)?;
        let concurrency = crate::gdpr::check_lookup_concurrency(concurrency.0)
            .map_err(|e| errors::to_pyerr(py, &e))?;
        let action = if delete {
            Action::Delete
        } else {
            Action::Lookup
        };
        let mut bulk = Bulk::prepare(py, subjects, action, organization)?;
        let run = self
            .core()?
            .lookup_many(BulkRequest {
                organization: &bulk.organization,
                action,
                subjects: bulk.to_send.clone(),
                concurrency,
                confirm,
            })
            .map_err(|e| errors::to_pyerr(py, &e))?;
        bulk.duplicates = run.duplicates().clone();
        Ok(LookupRun {
            bulk: Arc::new(bulk),
            started: run.started(),
            run: Mutex::new(Some(run)),
            results: Arc::default(),
        })
    }
}

/// A checked `lookup_many` run, run once by either entry; the results in so far are kept in
/// it, so that a run stopped part way still gives one row per input (`rows`).
#[pyclass(module = "hotjar_client._native", frozen)]
pub struct LookupRun {
    bulk: Arc<Bulk>,
    started: Started,
    /// Taken by the entry that runs it.
    run: Mutex<Option<BulkLookup>>,
    results: Arc<Mutex<Vec<BulkResult>>>,
}

impl LookupRun {
    fn take_run(&self) -> PyResult<BulkLookup> {
        let run = self.run.lock().unwrap_or_else(|p| p.into_inner()).take();
        run.ok_or_else(|| errors::hotjar_error("This lookup_many run has already run.".into()))
    }

    /// Stops the run from starting any other request, then gives one row per input: the
    /// results in, and for the others whether their request had started.
    fn stopped_rows<'py>(&self, py: Python<'py>, by: &'static str) -> PyResult<Bound<'py, PyList>> {
        self.started.close();
        let results = lock(&self.results).clone();
        let stopped = Stopped {
            by,
            started: &self.started,
        };
        self.bulk.rows(py, results, Some(stopped))
    }
}

#[pymethods]
impl LookupRun {
    /// Runs it, blocking: one result at a time, so that Ctrl-C keeps every result already in
    /// (the `KeyboardInterrupt` carries the rows so far as `rows`).
    fn wait<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let mut run = self.take_run()?;
        loop {
            match wait(py, async { Ok(run.next().await) }) {
                Ok(Some(result)) => lock(&self.results).push(result),
                Ok(None) => break,
                Err(interrupted) => {
                    drop(run); // cancels the requests in flight
                    let rows = self.stopped_rows(py, "KeyboardInterrupt")?;
                    interrupted.value(py).setattr("rows", rows)?;
                    return Err(interrupted);
                }
            }
        }
        let results = std::mem::take(&mut *lock(&self.results));
        self.bulk.rows(py, results, None)
    }

    /// Runs it, awaitable; cancelling the task cancels the requests in flight (`rows` then
    /// gives the rows so far).
    fn wait_async(&self) -> PyResult<AsyncCall> {
        let mut run = self.take_run()?;
        let bulk = self.bulk.clone();
        let results = self.results.clone();
        Ok(AsyncCall::new("AsyncClient.lookup_many", async move {
            while let Some(result) = run.next().await {
                lock(&results).push(result);
            }
            let results = std::mem::take(&mut *lock(&results));
            Ok(Finished { bulk, results })
        }))
    }

    /// The rows of a cancelled awaited run, for its `CancelledError` (no request starts after).
    fn rows<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        self.stopped_rows(py, "CancelledError")
    }
}

fn lock(results: &Mutex<Vec<BulkResult>>) -> MutexGuard<'_, Vec<BulkResult>> {
    results.lock().unwrap_or_else(|p| p.into_inner())
}
