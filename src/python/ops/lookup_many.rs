//! `lookup_many`: many data subjects looked up (or deleted), `concurrency` requests at a time
//! under the client's one rate limit (`HotjarClient::lookup_many`). The subjects arrive as
//! `hotjar_client.gdpr` prepared them; the rows go back plain, one per input, in input order.
//! Blocking, Ctrl-C keeps what is done: the `KeyboardInterrupt` carries the rows so far as
//! `rows` (the Python side makes its `report` of them). Awaited, cancelling the task cancels
//! the requests in flight.

use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::gdpr::{Action, BulkLookup};
use crate::python::aio::AsyncCall;
use crate::python::entry::wait;
use crate::python::gdpr::{Bulk, Finished};
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
    ) -> PyResult<(BulkLookup, Bulk)> {
        let organization = self.organization(organization_id)?;
        let concurrency = crate::gdpr::check_lookup_concurrency(concurrency.0)
            .map_err(|e| errors::to_pyerr(py, &e))?;
        let action = if delete {
            Action::Delete
        } else {
            Action::Lookup
        };
        let bulk = Bulk::prepare(py, subjects, action, organization)?;
        let run = self
            .core()?
            .lookup_many(
                &bulk.organization,
                action,
                bulk.to_send.clone(),
                concurrency,
                confirm,
            )
            .map_err(|e| errors::to_pyerr(py, &e))?;
        Ok((run, bulk))
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
                    let rows = bulk.rows(py, results)?;
                    interrupted.value(py).setattr("rows", rows)?;
                    return Err(interrupted);
                }
            }
        }
        bulk.rows(py, results)
    }

    fn lookup_many_async(
        &self,
        py: Python<'_>,
        subjects: &Bound<'_, PyAny>,
        delete: bool,
        confirm: bool,
        organization_id: Option<&Bound<'_, PyAny>>,
        concurrency: args::Int,
    ) -> PyResult<AsyncCall> {
        let (mut run, bulk) =
            self.lookup_many_run(py, subjects, delete, confirm, organization_id, concurrency)?;
        Ok(AsyncCall::new("AsyncClient.lookup_many", async move {
            let mut results = Vec::new();
            while let Some(result) = run.next().await {
                results.push(result);
            }
            Ok(Finished { bulk, results })
        }))
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
