//! `user_lookup`: asks Hotjar for a data report on one data subject.

use std::future::Future;

use pyo3::prelude::*;

use crate::python::aio::AsyncCall;
use crate::python::entry::{py_error, wait};
use crate::python::gdpr::{self, Outcome};
use crate::python::raw_client::RawClient;

impl RawClient {
    fn user_lookup_body(
        &self,
        py: Python<'_>,
        email: Option<&Bound<'_, PyAny>>,
        user_ids: Option<&Bound<'_, PyAny>>,
        organization_id: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<impl Future<Output = PyResult<Outcome>> + Send + 'static> {
        let subject = gdpr::subject(py, email, user_ids)?;
        let organization = self.organization(organization_id)?;
        let core = self.core()?;
        Ok(async move {
            let outcome = core.user_lookup(&organization, &subject).await;
            outcome.map(Outcome).map_err(|e| py_error(&e))
        })
    }
}

#[pymethods]
impl RawClient {
    fn user_lookup(
        &self,
        py: Python<'_>,
        email: Option<&Bound<'_, PyAny>>,
        user_ids: Option<&Bound<'_, PyAny>>,
        organization_id: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Outcome> {
        wait(
            py,
            self.user_lookup_body(py, email, user_ids, organization_id)?,
        )
    }

    fn user_lookup_async(
        &self,
        py: Python<'_>,
        email: Option<&Bound<'_, PyAny>>,
        user_ids: Option<&Bound<'_, PyAny>>,
        organization_id: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<AsyncCall> {
        let body = self.user_lookup_body(py, email, user_ids, organization_id)?;
        Ok(AsyncCall::new("AsyncClient.user_lookup", body))
    }
}
