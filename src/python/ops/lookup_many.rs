//! `lookup_many`: many data subjects looked up (or deleted), `concurrency` requests at a time
//! under the client's one rate limit (`HotjarClient::lookup_many`). The subjects arrive as
//! `hotjar_client.gdpr` prepared them; the rows go back plain, one per input, in input order.
//! Blocking, Ctrl-C keeps what is done: the `KeyboardInterrupt` carries the rows so far as
//! `rows` (the Python side makes its `report` of them). Awaited, cancelling the task cancels
//! the requests in flight, and `LookupSoFar.rows()` gives the rows done (the Python side puts
//! their report on the `CancelledError`).

use std::sync::{Arc, Mutex, MutexGuard};

use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::gdpr::{Action, BulkLookup, BulkRequest, BulkResult, Started};
use crate::python::aio::AsyncCall;
use crate::python::entry::wait;
use crate::python::gdpr::{Bulk, Finished, Stopped};
use crate::python::raw_client::RawClient;
use crate::python::{args, errors};

impl RawClient {
    /// Checks everything and starts nothing: the run and the input it reports on.
    fn lookup_many_run(
        &self,
        py: Python<'_>,
        subjects: &Bound<'_, PyAny>,
        delete: bool,
        confirm: bool,
        organization_id: Option<&Bound<'_, PyAny>>,
        concurrency: args::Int,
    ) -> PyResult<(BulkLookup, Arc<Bulk>)> {
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
        Ok((run, Arc::new(bulk)))
    }
}

#[pymethods]
impl RawClient {
    fn lookup_many<'py>(
        &self,
        py: Python<'py>,
        subjects: &Bound<'py, PyAny>,
        delete: bool,
        confirm: bool,
        organization_id: Option<&Bound<'py, PyAny>>,
        concurrency: args::Int,
    ) -> PyResult<Bound<'py, PyList>> {
        let (mut run, bulk) =
            self.lookup_many_run(py, subjects, delete, confirm, organization_id, concurrency)?;
        let started = run.started();
        let mut results = Vec::new();
        loop {
            // One result at a time, so that Ctrl-C keeps every result already in.
            match wait_next(py, run) {
                Ok((next, Some(result))) => {
                    run = next;
                    results.push(result);
                }
                Ok((_, None)) => break,
                Err(interrupted) => {
                    started.close();
                    let stopped = Stopped {
                        by: "KeyboardInterrupt",
                        started: &started,
                    };
                    let rows = bulk.rows(py, results, Some(stopped))?;
                    interrupted.value(py).setattr("rows", rows)?;
                    return Err(interrupted);
                }
            }
        }
        bulk.rows(py, results, None)
    }

    /// The awaitable run, and its rows so far (`SoFar.rows()`), for a cancelled task.
    fn lookup_many_async(
        &self,
        py: Python<'_>,
        subjects: &Bound<'_, PyAny>,
        delete: bool,
        confirm: bool,
        organization_id: Option<&Bound<'_, PyAny>>,
        concurrency: args::Int,
    ) -> PyResult<(AsyncCall, LookupSoFar)> {
        let (mut run, bulk) =
            self.lookup_many_run(py, subjects, delete, confirm, organization_id, concurrency)?;
        let so_far = LookupSoFar {
            bulk: bulk.clone(),
            results: Arc::default(),
            started: run.started(),
        };
        let results = so_far.results.clone();
        let call = AsyncCall::new("AsyncClient.lookup_many", async move {
            while let Some(result) = run.next().await {
                lock(&results).push(result);
            }
            let results = std::mem::take(&mut *lock(&results));
            Ok(Finished { bulk, results })
        });
        Ok((call, so_far))
    }
}

fn lock(results: &Mutex<Vec<BulkResult>>) -> MutexGuard<'_, Vec<BulkResult>> {
    results.lock().unwrap_or_else(|p| p.into_inner())
}

/// The rows of an awaited `lookup_many` so far, for the `CancelledError` of a cancelled task.
#[pyclass(module = "hotjar_client._native", frozen)]
pub struct LookupSoFar {
    bulk: Arc<Bulk>,
    results: Arc<Mutex<Vec<BulkResult>>>,
    started: Started,
}

#[pymethods]
impl LookupSoFar {
    /// Stops the run from starting any other request, then gives one row per input: the
    /// results in, and for the others whether their request had started.
    fn rows<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        self.started.close();
        let results = lock(&self.results).clone();
        let stopped = Stopped {
            by: "CancelledError",
            started: &self.started,
        };
        self.bulk.rows(py, results, Some(stopped))
    }
}

/// The run's next result, waited for by the blocking entry (the run travels into the task and
/// back, so an interrupt drops it, cancelling the requests in flight).
fn wait_next(
    py: Python<'_>,
    mut run: BulkLookup,
) -> PyResult<(BulkLookup, Option<crate::gdpr::BulkResult>)> {
    wait(py, async move {
        let next = run.next().await;
        Ok((run, next))
    })
}
