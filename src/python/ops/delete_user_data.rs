//! `delete_user_data`: deletes everything Hotjar holds on one data subject. Without `confirm`
//! nothing is sent, and the error says what would have been deleted: raised when the method is
//! called, before there is anything to await.

use std::future::Future;

use pyo3::prelude::*;

use crate::python::aio::AsyncCall;
use crate::python::entry::{py_error, wait};
use crate::python::errors;
use crate::python::gdpr::{self, Outcome};
use crate::python::raw_client::RawClient;

impl RawClient {
    fn delete_user_data_body(
        &self,
        py: Python<'_>,
        email: Option<&Bound<'_, PyAny>>,
        user_ids: Option<&Bound<'_, PyAny>>,
        organization_id: Option<&Bound<'_, PyAny>>,
        confirm: bool,
    ) -> PyResult<impl Future<Output = PyResult<Outcome>> + Send + 'static> {
        let subject = gdpr::subject(py, email, user_ids)?;
        let organization = self.organization(organization_id)?;
        if !confirm {
            let error = crate::gdpr::confirmation_required(&subject.to_string(), &organization);
            return Err(errors::to_pyerr(py, &error));
        }
        let core = self.core()?;
        Ok(async move {
            let outcome = core.delete_user_data(&organization, &subject, true).await;
            outcome.map(Outcome).map_err(|e| py_error(&e))
        })
    }
}

#[pymethods]
impl RawClient {
    fn delete_user_data(
        &self,
        py: Python<'_>,
        email: Option<&Bound<'_, PyAny>>,
        user_ids: Option<&Bound<'_, PyAny>>,
        organization_id: Option<&Bound<'_, PyAny>>,
        confirm: bool,
    ) -> PyResult<Outcome> {
        let body = self.delete_user_data_body(py, email, user_ids, organization_id, confirm)?;
        wait(py, body)
    }

    fn delete_user_data_async(
        &self,
        py: Python<'_>,
        email: Option<&Bound<'_, PyAny>>,
        user_ids: Option<&Bound<'_, PyAny>>,
        organization_id: Option<&Bound<'_, PyAny>>,
        confirm: bool,
    ) -> PyResult<AsyncCall> {
        let body = self.delete_user_data_body(py, email, user_ids, organization_id, confirm)?;
        Ok(AsyncCall::new("AsyncClient.delete_user_data", body))
    }
}
